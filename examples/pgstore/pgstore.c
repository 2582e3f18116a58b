/*
 * The PostgreSQL backend: records in one table, through the storage vtable.
 *
 *   librelease_records (app, kind, key) primary key, seq, data bytea
 *     unique index (app, kind, seq) where seq > 0: put-if-absent on either,
 *     and the newest-first scans (ORDER BY seq DESC LIMIT n) walk it
 *   librelease_schema   one row per applied migration
 *
 * Each vtable method is a single prepared statement run in autocommit, so it
 * is its own transaction: put is INSERT ... ON CONFLICT DO NOTHING (no row:
 * taken), compare-and-swap an UPDATE or DELETE whose WHERE clause holds the
 * expected bytes (no row: someone else changed them). Under READ COMMITTED a
 * concurrent change makes PostgreSQL re-check that clause against the newest
 * row, which is exactly compare-and-swap.
 *
 * Parameters go as text (app, key, numbers) and binary (bytes); results come
 * back binary, so record bytes are never escaped or re-encoded.
 */
#include "pgstore.h"

#include <libpq-fe.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 64
#define ERR_MAX 512

/* Type oids of the parameters (fixed since PostgreSQL 7). */
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_TEXT 25

/* The migrations, in order: append only, never edit one that shipped. Each
 * runs once per schema, in the transaction that records it. */
struct migration {
	int version;
	const char *description;
	const char *sql;
};

static const struct migration migrations[] = {
	{1, "records keyed by (app, kind, key), ordered kinds indexed by seq",
	 "CREATE TABLE librelease_records ("
	 " app text NOT NULL,"
	 " kind smallint NOT NULL,"
	 " key text NOT NULL,"
	 " seq bigint NOT NULL CHECK (seq >= 0),"
	 " data bytea NOT NULL,"
	 " PRIMARY KEY (app, kind, key));"
	 "CREATE UNIQUE INDEX librelease_records_seq"
	 " ON librelease_records (app, kind, seq) WHERE seq > 0;"},
};
#define N_MIGRATIONS (sizeof migrations / sizeof migrations[0])

/* The prepared statements, by name; every connection prepares them all. */
enum stmt { S_PUT, S_GET, S_GET_SEQ, S_SCAN, S_CAS, S_CREATE, S_REMOVE, S_DEL, S_APPS, N_STMT };

static const struct {
	const char *name;
	int nparams;
	const unsigned int types[5];
	const char *sql;
} stmts[N_STMT] = {
	[S_PUT] = {"librelease_put", 5, {OID_TEXT, OID_INT2, OID_TEXT, OID_INT8, OID_BYTEA},
		   "INSERT INTO librelease_records (app, kind, key, seq, data)"
		   " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"},
	[S_GET] = {"librelease_get", 3, {OID_TEXT, OID_INT2, OID_TEXT},
		   "SELECT seq, data FROM librelease_records"
		   " WHERE app = $1 AND kind = $2 AND key = $3"},
	[S_GET_SEQ] = {"librelease_get_seq", 3, {OID_TEXT, OID_INT2, OID_INT8},
		       "SELECT key, data FROM librelease_records"
		       " WHERE app = $1 AND kind = $2 AND seq > 0 AND seq = $3"},
	[S_SCAN] = {"librelease_scan", 4, {OID_TEXT, OID_INT2, OID_INT8, OID_INT8},
		    "SELECT seq, key, data FROM librelease_records"
		    " WHERE app = $1 AND kind = $2 AND seq > 0 AND seq < $3"
		    " ORDER BY seq DESC LIMIT $4"},
	[S_CAS] = {"librelease_cas", 5, {OID_TEXT, OID_INT2, OID_TEXT, OID_BYTEA, OID_BYTEA},
		   "UPDATE librelease_records SET data = $5"
		   " WHERE app = $1 AND kind = $2 AND key = $3 AND data = $4"},
	[S_CREATE] = {"librelease_create", 4, {OID_TEXT, OID_INT2, OID_TEXT, OID_BYTEA},
		      "INSERT INTO librelease_records (app, kind, key, seq, data)"
		      " VALUES ($1, $2, $3, 0, $4) ON CONFLICT DO NOTHING"},
	[S_REMOVE] = {"librelease_remove", 4, {OID_TEXT, OID_INT2, OID_TEXT, OID_BYTEA},
		      "DELETE FROM librelease_records"
		      " WHERE app = $1 AND kind = $2 AND key = $3 AND data = $4"},
	[S_DEL] = {"librelease_del", 3, {OID_TEXT, OID_INT2, OID_TEXT},
		   "DELETE FROM librelease_records WHERE app = $1 AND kind = $2 AND key = $3"},
	[S_APPS] = {"librelease_apps", 0, {0}, "SELECT DISTINCT app FROM librelease_records"},
};

struct pg {
	PGconn *conn;
	unsigned prepared; /* bit s: statement s is prepared on conn */
	char *search_path; /* the schema found at open, quoted, then pg_catalog */
	char err[ERR_MAX];
};

/* Keeps libpq's notices (e.g. from IF NOT EXISTS) off stderr. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int failf(struct pg *p, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int failf(struct pg *p, int code, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof p->err, fmt, ap);
	va_end(ap);
	n = strlen(p->err); /* libpq's messages end in a newline */
	while (n && (p->err[n - 1] == '\n' || p->err[n - 1] == ' '))
		p->err[--n] = '\0';
	return code;
}

/* A failed statement's code and message. A connection that went away fails
 * the call; the next call reconnects. */
static int fail_result(struct pg *p, PGresult *res, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res)
							    : PQerrorMessage(p->conn);
	int code = RELEASE_EIO;

	/* msg and state live in res: format before clearing it */
	if (PQstatus(p->conn) != CONNECTION_OK) {
		p->prepared = 0;
		failf(p, RELEASE_EIO, "%s: connection to PostgreSQL lost: %s", what, msg);
	} else {
		if (state && strcmp(state, "53100") == 0) /* disk_full */
			code = RELEASE_ENOSPC;
		else if (state && strcmp(state, "53200") == 0) /* out_of_memory */
			code = RELEASE_ENOMEM;
		failf(p, code, "%s: PostgreSQL error %s: %s", what, state ? state : "(none)", msg);
	}
	PQclear(res);
	return code;
}

/* Runs SQL that takes no parameters, expecting want. */
static int exec_plain(struct pg *p, const char *sql, ExecStatusType want, const char *what)
{
	PGresult *res = PQexec(p->conn, sql);

	if (PQresultStatus(res) != want)
		return fail_result(p, res, what);
	PQclear(res);
	return 0;
}

/* Pins what each session must have, whatever the server's defaults: the
 * schema found at open (search_path may name several, and another store's
 * tables must never be found instead), and READ COMMITTED, under which the
 * conditional UPDATE/DELETE re-check the newest row (a stricter default
 * would turn a lost race into a serialization error instead of
 * ECONFLICT). */
static int pin_session(struct pg *p)
{
	const char *values[1] = {p->search_path};
	PGresult *res = PQexecParams(p->conn,
				     "SELECT set_config('search_path', $1, false),"
				     " set_config('default_transaction_isolation', 'read committed', false)",
				     1, NULL, values, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return fail_result(p, res, "setting up the session");
	PQclear(res);
	return 0;
}

/* Connects again if the connection was lost, and prepares statement s on
 * its first use on this connection: a short-lived process (a CLI call)
 * prepares only what it runs. */
static int ensure_ready(struct pg *p, enum stmt s)
{
	PGresult *res;

	if (PQstatus(p->conn) != CONNECTION_OK) {
		p->prepared = 0;
		PQreset(p->conn);
		if (PQstatus(p->conn) != CONNECTION_OK)
			return failf(p, RELEASE_EIO, "reconnecting to PostgreSQL: %s",
				     PQerrorMessage(p->conn));
		if (pin_session(p) != 0)
			return RELEASE_EIO;
	}
	if (p->prepared & 1u << s)
		return 0;
	res = PQprepare(p->conn, stmts[s].name, stmts[s].sql, stmts[s].nparams, stmts[s].types);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return fail_result(p, res, "preparing a statement");
	PQclear(res);
	p->prepared |= 1u << s;
	return 0;
}

/* Parameters of one statement: text values are NUL-terminated, binary ones
 * carry a length. */
struct params {
	const char *value[5];
	int len[5];
	int format[5];
	int n;
	char num[3][24]; /* room for the numbers' text */
	int n_num;
};

static void param_text(struct params *q, const char *s)
{
	q->value[q->n] = s;
	q->len[q->n] = 0;
	q->format[q->n++] = 0;
}

static void param_u64(struct params *q, uint64_t v)
{
	char *buf = q->num[q->n_num++];

	snprintf(buf, sizeof q->num[0], "%llu", (unsigned long long)v);
	param_text(q, buf);
}

static void param_bytes(struct params *q, const void *data, size_t len)
{
	q->value[q->n] = data ? data : "";
	q->len[q->n] = (int)len;
	q->format[q->n++] = 1;
}

/* The (app, kind, key) that starts most statements. */
static void param_record(struct params *q, const char *app, int kind, const char *key)
{
	memset(q, 0, sizeof *q);
	param_text(q, app);
	param_u64(q, (uint64_t)kind);
	if (key)
		param_text(q, key);
}

/* Runs a prepared statement; NULL (with *rc set) if it failed. */
static PGresult *run(struct pg *p, enum stmt s, const struct params *q, ExecStatusType want,
		     int *rc)
{
	PGresult *res;

	if ((*rc = ensure_ready(p, s)) != 0)
		return NULL;
	res = PQexecPrepared(p->conn, stmts[s].name, q ? q->n : 0, q ? q->value : NULL,
			     q ? q->len : NULL, q ? q->format : NULL, 1);
	if (PQresultStatus(res) != want) {
		*rc = fail_result(p, res, stmts[s].name + strlen("librelease_"));
		return NULL;
	}
	return res;
}

/* Runs a statement that changes rows; 0 and *changed, or an error. */
static int run_change(struct pg *p, enum stmt s, const struct params *q, int *changed)
{
	int rc;
	PGresult *res = run(p, s, q, PGRES_COMMAND_OK, &rc);

	if (!res)
		return rc;
	*changed = strcmp(PQcmdTuples(res), "0") != 0;
	PQclear(res);
	return 0;
}

static uint64_t get_u64(const PGresult *res, int row, int col)
{
	const unsigned char *b = (const unsigned char *)PQgetvalue(res, row, col);
	uint64_t v = 0;

	for (int i = 0; i < 8; i++) /* int8 in binary: big-endian */
		v = v << 8 | b[i];
	return v;
}

/* Hands each row to fn; seq_col or key_col -1 means the caller's value. */
static int deliver(struct pg *p, PGresult *res, int seq_col, uint64_t seq, int key_col,
		   const char *key, int data_col, release_record_fn fn, void *payload)
{
	int rc = 0;

	for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
		if ((seq_col >= 0 && PQgetlength(res, i, seq_col) != 8) ||
		    (key_col >= 0 && (size_t)PQgetlength(res, i, key_col) > KEY_MAX)) {
			rc = failf(p, RELEASE_ECORRUPT, "a stored record has a malformed seq or key");
			break;
		}
		rc = fn(payload, seq_col >= 0 ? get_u64(res, i, seq_col) : seq,
			key_col >= 0 ? PQgetvalue(res, i, key_col) : key,
			PQgetvalue(res, i, data_col), (size_t)PQgetlength(res, i, data_col));
	}
	PQclear(res);
	return rc;
}

/* ---- argument checks, as every backend makes them
 *
 * The core hands over valid app names and keys, but a backend is also
 * reached raw (release_storage_open(), pgstore_storage_open()): it checks
 * them at its door, so that no row is ever keyed by a name the core would
 * refuse, and says what it refused. Names and keys are not echoed: what was
 * refused may be anything. */

static int valid_kind(int kind)
{
	return kind >= RELEASE_KIND_META && kind <= RELEASE_KIND_RELEASE;
}

/* 1-64 bytes of [A-Za-z0-9_.-] (storage.h). */
static int valid_key(const char *key)
{
	size_t n = key ? strlen(key) : 0;

	if (n < 1 || n > KEY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* The (app, kind[, key]) a method was given: 0, or RELEASE_EINVAL with the
 * reason. A NULL key is checked only when the method takes one. */
static int check_record(struct pg *p, const char *app, int kind, const char *key, int takes_key)
{
	if (!app)
		return failf(p, RELEASE_EINVAL, "app name is NULL");
	if (!release_app_name_valid(app))
		return failf(p, RELEASE_EINVAL, "app name is not valid (1-63 of a-z, 0-9 and '-', "
						"starting and ending with a letter or digit)");
	if (!valid_kind(kind))
		return failf(p, RELEASE_EINVAL, "app '%s': record kind %d is unknown", app, kind);
	if (takes_key && !key)
		return failf(p, RELEASE_EINVAL, "app '%s': record key is NULL", app);
	if (takes_key && !valid_key(key))
		return failf(p, RELEASE_EINVAL,
			     "app '%s': record key is not 1-%d bytes of [A-Za-z0-9_.-]", app, KEY_MAX);
	return 0;
}

static int too_big(size_t len)
{
	return len > INT32_MAX; /* libpq's lengths are int; bytea stops at 1 GB */
}

/* ---- the vtable */

/* Every method starts here: errmsg speaks of the latest call only. */
static struct pg *begin(void *ctx)
{
	struct pg *p = ctx;

	p->err[0] = '\0';
	return p;
}

/* Runs a lookup of one record; RELEASE_ENOTFOUND when there is none. */
static int run_lookup(struct pg *p, enum stmt s, const struct params *q, PGresult **res)
{
	int rc;

	if (!(*res = run(p, s, q, PGRES_TUPLES_OK, &rc)))
		return rc;
	if (PQntuples(*res) == 0) {
		PQclear(*res);
		*res = NULL;
		return RELEASE_ENOTFOUND;
	}
	return 0;
}

static void pg_close(void *ctx)
{
	struct pg *p = ctx;

	if (!p)
		return;
	PQfinish(p->conn);
	free(p->search_path);
	free(p);
}

static int pg_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		  const void *data, size_t len)
{
	struct pg *p = begin(ctx);
	struct params q;
	int rc, changed;

	if ((rc = check_record(p, app, kind, key, 1)) != 0)
		return rc;
	if ((!data && len) || too_big(len))
		return failf(p, RELEASE_EINVAL, "app '%s': put of %s", app,
			     too_big(len) ? "a record too large" : "NULL bytes of non-zero length");
	/* seq is a bigint, and scans look below INT64_MAX */
	if ((kind == RELEASE_KIND_META) != (seq == 0) || seq >= INT64_MAX)
		return failf(p, RELEASE_EINVAL, "app '%s': seq %llu is not valid for kind %d", app,
			     (unsigned long long)seq, kind);
	param_record(&q, app, kind, key);
	param_u64(&q, seq);
	param_bytes(&q, data, len);
	if ((rc = run_change(p, S_PUT, &q, &changed)) != 0)
		return rc;
	return changed ? 0 : RELEASE_ECONFLICT;
}

static int pg_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		  void *payload)
{
	struct pg *p = begin(ctx);
	struct params q;
	PGresult *res;
	int rc;

	if ((rc = check_record(p, app, kind, key, 1)) != 0)
		return rc;
	if (!fn)
		return failf(p, RELEASE_EINVAL, "get: the record callback is NULL");
	param_record(&q, app, kind, key);
	if ((rc = run_lookup(p, S_GET, &q, &res)) != 0)
		return rc;
	return deliver(p, res, 0, 0, -1, key, 1, fn, payload);
}

static int pg_get_seq(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
		      void *payload)
{
	struct pg *p = begin(ctx);
	struct params q;
	PGresult *res;
	int rc;

	if ((rc = check_record(p, app, kind, NULL, 0)) != 0)
		return rc;
	if (kind == RELEASE_KIND_META || !fn)
		return failf(p, RELEASE_EINVAL, "get_seq: %s",
			     fn ? "META records have no seq" : "the record callback is NULL");
	if (seq == 0 || seq > INT64_MAX)
		return RELEASE_ENOTFOUND;
	param_record(&q, app, kind, NULL);
	param_u64(&q, seq);
	if ((rc = run_lookup(p, S_GET_SEQ, &q, &res)) != 0)
		return rc;
	return deliver(p, res, -1, seq, 0, NULL, 1, fn, payload);
}

static int pg_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		   release_record_fn fn, void *payload)
{
	struct pg *p = begin(ctx);
	struct params q;
	PGresult *res;
	int rc;

	if ((rc = check_record(p, app, kind, NULL, 0)) != 0)
		return rc;
	if (kind == RELEASE_KIND_META || limit == 0 || !fn)
		return failf(p, RELEASE_EINVAL, "scan: %s",
			     kind == RELEASE_KIND_META ? "META records have no seq"
			     : !fn ? "the record callback is NULL" : "limit is 0");
	/* seq is a bigint: every stored seq is below INT64_MAX + 1 */
	if (before > (uint64_t)INT64_MAX)
		before = (uint64_t)INT64_MAX;
	if (limit > INT64_MAX)
		limit = INT64_MAX;
	param_record(&q, app, kind, NULL);
	param_u64(&q, before);
	param_u64(&q, limit);
	if (!(res = run(p, S_SCAN, &q, PGRES_TUPLES_OK, &rc)))
		return rc;
	return deliver(p, res, 0, 0, 1, NULL, 2, fn, payload);
}

static int pg_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		  size_t old_len, const void *data, size_t len)
{
	struct pg *p = begin(ctx);
	struct params q;
	enum stmt s;
	int rc, changed;

	if ((rc = check_record(p, app, kind, key, 1)) != 0)
		return rc;
	if ((!data && len) || (!old && old_len) || too_big(len) || too_big(old_len))
		return failf(p, RELEASE_EINVAL, "app '%s': compare-and-swap with %s", app,
			     too_big(len) || too_big(old_len) ? "a record too large"
							     : "NULL bytes of non-zero length");
	if (kind != RELEASE_KIND_META && (!old || !data))
		return failf(p, RELEASE_EINVAL,
			     "app '%s': only META records are created or removed by compare-and-swap",
			     app);
	param_record(&q, app, kind, key);
	if (!old) { /* create; NULL data makes an empty record */
		s = S_CREATE;
		param_bytes(&q, data, len);
	} else {
		s = data ? S_CAS : S_REMOVE;
		param_bytes(&q, old, old_len);
		if (data)
			param_bytes(&q, data, len);
	}
	if ((rc = run_change(p, s, &q, &changed)) != 0)
		return rc;
	return changed ? 0 : RELEASE_ECONFLICT;
}

static int pg_del(void *ctx, const char *app, int kind, const char *key)
{
	struct pg *p = begin(ctx);
	struct params q;
	int rc, changed;

	if ((rc = check_record(p, app, kind, key, 1)) != 0)
		return rc;
	param_record(&q, app, kind, key);
	if ((rc = run_change(p, S_DEL, &q, &changed)) != 0)
		return rc;
	return changed ? 0 : RELEASE_ENOTFOUND;
}

static int pg_list_apps(void *ctx, release_name_fn fn, void *payload)
{
	struct pg *p = begin(ctx);
	PGresult *res;
	int rc = 0;

	if (!fn)
		return failf(p, RELEASE_EINVAL, "list_apps: the name callback is NULL");
	if (!(res = run(p, S_APPS, NULL, PGRES_TUPLES_OK, &rc)))
		return rc;
	for (int i = 0; i < PQntuples(res) && rc == 0; i++)
		rc = fn(payload, PQgetvalue(res, i, 0));
	PQclear(res);
	return rc;
}

static const char *pg_errmsg(void *ctx)
{
	struct pg *p = ctx;

	return p->err[0] ? p->err : NULL;
}

static const release_storage pg_storage = {
	.version = RELEASE_STORAGE_VERSION,
	.close = pg_close,
	.put = pg_put,
	.get = pg_get,
	.scan = pg_scan,
	.cas = pg_cas,
	.del = pg_del,
	.list_apps = pg_list_apps,
	.get_seq = pg_get_seq,
	.errmsg = pg_errmsg,
};

/* ---- opening: connect, then create or migrate the tables */

/* Runs a one-row, one-column query; its text value (malloc'ed) or NULL. */
static int query_value(struct pg *p, const char *sql, const char *what, char **out)
{
	PGresult *res = PQexecParams(p->conn, sql, 0, NULL, NULL, NULL, NULL, 0);

	*out = NULL;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 || PQnfields(res) != 1)
		return fail_result(p, res, what);
	if (!PQgetisnull(res, 0, 0) && !(*out = strdup(PQgetvalue(res, 0, 0)))) {
		PQclear(res);
		return failf(p, RELEASE_ENOMEM, "out of memory");
	}
	PQclear(res);
	return 0;
}

static int record_migration(struct pg *p, const struct migration *m)
{
	char version[16];
	const char *values[2] = {version, m->description};
	PGresult *res;

	snprintf(version, sizeof version, "%d", m->version);
	res = PQexecParams(p->conn,
			   "INSERT INTO librelease_schema (version, description) VALUES ($1, $2)",
			   2, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return fail_result(p, res, "recording a migration");
	PQclear(res);
	return 0;
}

/* Inside a transaction that holds the schema's migration lock. */
static int migrate_locked(struct pg *p)
{
	char *have = NULL, *version = NULL;
	long current;
	int rc;

	if ((rc = query_value(p, "SELECT to_regclass('librelease_schema')::text",
			      "looking for the schema table", &have)) != 0)
		return rc;
	if (!have)
		rc = exec_plain(p,
				"CREATE TABLE librelease_schema ("
				" version integer PRIMARY KEY,"
				" description text NOT NULL,"
				" applied_at timestamptz NOT NULL DEFAULT now())",
				PGRES_COMMAND_OK, "creating the schema table");
	free(have);
	if (rc != 0 || (rc = query_value(p, "SELECT coalesce(max(version), 0) FROM librelease_schema",
					 "reading the schema version", &version)) != 0)
		return rc;
	current = version ? strtol(version, NULL, 10) : 0;
	free(version);
	if (current > PGSTORE_SCHEMA_VERSION)
		return failf(p, RELEASE_EUNSUPPORTED,
			     "the store's tables are at schema version %ld, newer than this "
			     "program knows (%d): upgrade the program, not the tables",
			     current, PGSTORE_SCHEMA_VERSION);
	for (size_t i = 0; i < N_MIGRATIONS; i++) {
		const struct migration *m = &migrations[i];

		if (m->version <= current)
			continue;
		if ((rc = exec_plain(p, m->sql, PGRES_COMMAND_OK, "migrating the tables")) != 0 ||
		    (rc = record_migration(p, m)) != 0)
			return rc;
	}
	return 0;
}

/* Whether the tables are at this code's version already, as they are on
 * every open but the first: one round trip, no transaction. Any failure
 * (no table yet, no schema) leaves the answer to migrate(). */
static int up_to_date(struct pg *p)
{
	PGresult *res = PQexec(p->conn, "SELECT max(version) FROM librelease_schema");
	int yes = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
		  !PQgetisnull(res, 0, 0) &&
		  strtol(PQgetvalue(res, 0, 0), NULL, 10) == PGSTORE_SCHEMA_VERSION;

	PQclear(res);
	return yes;
}

/* Creates or migrates the tables in one transaction. Concurrent openers of
 * one schema take turns on an advisory lock named after it. */
static int migrate(struct pg *p)
{
	char *schema = NULL, *quoted;
	int rc;

	if ((rc = query_value(p, "SELECT current_schema()", "finding the schema", &schema)) != 0)
		return rc;
	if (!schema)
		return failf(p, RELEASE_EIO,
			     "no schema to keep the tables in: search_path names no existing "
			     "schema (create it, or set options=-csearch_path=NAME)");
	quoted = PQescapeIdentifier(p->conn, schema, strlen(schema));
	free(schema);
	if (!quoted || !(p->search_path = malloc(strlen(quoted) + sizeof ", pg_catalog"))) {
		PQfreemem(quoted);
		return failf(p, RELEASE_ENOMEM, "out of memory");
	}
	strcpy(p->search_path, quoted);
	strcat(p->search_path, ", pg_catalog");
	PQfreemem(quoted);
	if ((rc = pin_session(p)) != 0)
		return rc;
	if (up_to_date(p))
		return 0;
	if ((rc = exec_plain(p, "BEGIN", PGRES_COMMAND_OK, "starting the migration")) != 0)
		return rc;
	/* 0x6c72656c: "lrel", the lock's namespace among advisory locks */
	if ((rc = exec_plain(p, "SELECT pg_advisory_xact_lock(1819436396, hashtext(current_schema()))",
			     PGRES_TUPLES_OK, "locking the schema")) != 0 ||
	    (rc = migrate_locked(p)) != 0) {
		PGresult *res = PQexec(p->conn, "ROLLBACK");

		PQclear(res);
		return rc;
	}
	return exec_plain(p, "COMMIT", PGRES_COMMAND_OK, "committing the migration");
}

int pgstore_is_uri(const char *uri)
{
	return uri && (strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0);
}

static void copy_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

int pgstore_storage_open(const release_storage **storage, void **ctx, const char *conninfo,
			 char *err, size_t errlen)
{
	struct pg *p;
	int rc;

	if (!storage || !ctx || !conninfo) {
		copy_err(err, errlen, "storage, ctx or conninfo is NULL");
		return RELEASE_EINVAL;
	}
	*storage = NULL;
	*ctx = NULL;
	if (!(p = calloc(1, sizeof *p))) {
		copy_err(err, errlen, "out of memory");
		return RELEASE_ENOMEM;
	}
	p->conn = PQconnectdb(conninfo);
	if (!p->conn) {
		free(p);
		copy_err(err, errlen, "out of memory");
		return RELEASE_ENOMEM;
	}
	PQsetNoticeProcessor(p->conn, ignore_notice, NULL);
	if (PQstatus(p->conn) != CONNECTION_OK)
		rc = failf(p, RELEASE_EIO, "connecting to PostgreSQL: %s", PQerrorMessage(p->conn));
	else
		rc = migrate(p);
	if (rc != 0) {
		copy_err(err, errlen, p->err);
		pg_close(p);
		return rc;
	}
	*storage = &pg_storage;
	*ctx = p;
	return 0;
}

int pgstore_open(release_store **out, const char *conninfo, const release_store_opts *opts,
		 char *err, size_t errlen)
{
	const release_storage *st;
	void *ctx;
	int rc;

	if (!out) {
		copy_err(err, errlen, "out is NULL");
		return RELEASE_EINVAL;
	}
	*out = NULL;
	if ((rc = pgstore_storage_open(&st, &ctx, conninfo, err, errlen)) != 0)
		return rc;
	if ((rc = release_store_open_backend(out, st, ctx, opts)) != 0) {
		copy_err(err, errlen, release_store_errmsg(NULL));
		st->close(ctx);
	}
	return rc;
}
