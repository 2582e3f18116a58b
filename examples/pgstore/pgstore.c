/*
 * The PostgreSQL backend: records in one table, through the storage vtable.
 *
 *   librelease_records (app, kind, key) primary key, seq, data bytea
 *     unique index (app, kind, seq) where seq > 0: put-if-absent on either,
 *     and the newest-first scans (ORDER BY seq DESC LIMIT n) walk it
 *   librelease_holds    (app) primary key, the holder's pid and info
 *   librelease_schema   one row per applied migration
 *
 * Each method of version 1 is a single prepared statement run in
 * autocommit, so it is its own transaction: put is INSERT ... ON CONFLICT DO NOTHING (no row:
 * taken), compare-and-swap an UPDATE or DELETE whose WHERE clause holds the
 * expected bytes (no row: someone else changed them). Under READ COMMITTED a
 * concurrent change makes PostgreSQL re-check that clause against the newest
 * row, which is exactly compare-and-swap.
 *
 * The statements and the connection are session.c's; the tables, their
 * migrations and the functions version 2 calls schema.c's; commit() is
 * commit.c's, holds hold.c's, wait() notify.c's.
 */
#include "pgstore_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
			rc = pgs_failf(p, RELEASE_ECORRUPT,
				       "a stored record has a malformed seq or key");
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

/* Version 3's deployment log is one more ordered kind, kept as builds and
 * releases are: the table and its statements know no kind but META. */
static int valid_kind(int kind)
{
	return kind >= RELEASE_KIND_META && kind <= RELEASE_KIND_DEPLOY;
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
int pgs_check_record(struct pg *p, const char *app, int kind, const char *key, int takes_key)
{
	if (!app)
		return pgs_failf(p, RELEASE_EINVAL, "app name is NULL");
	if (!release_app_name_valid(app))
		return pgs_failf(p, RELEASE_EINVAL,
				 "app name is not valid (1-63 of a-z, 0-9 and '-', "
				 "starting and ending with a letter or digit)");
	if (!valid_kind(kind))
		return pgs_failf(p, RELEASE_EINVAL, "app '%s': record kind %d is unknown", app,
				 kind);
	if (takes_key && !key)
		return pgs_failf(p, RELEASE_EINVAL, "app '%s': record key is NULL", app);
	if (takes_key && !valid_key(key))
		return pgs_failf(p, RELEASE_EINVAL,
				 "app '%s': record key is not 1-%d bytes of [A-Za-z0-9_.-]", app,
				 KEY_MAX);
	return 0;
}

int pgs_too_big(size_t len)
{
	return len > INT32_MAX; /* libpq's lengths are int; bytea stops at 1 GB */
}

/* ---- the vtable */

/* Every method starts here: errmsg speaks of the latest call only, and
 * the notifications a listening connection received meanwhile are taken
 * from libpq's queue (notify.c), which would otherwise only grow. */
struct pg *pgs_begin(void *ctx)
{
	struct pg *p = ctx;

	p->err[0] = '\0';
	pgs_take_notifies(p);
	return p;
}

/* Runs a lookup of one record; RELEASE_ENOTFOUND when there is none. */
static int run_lookup(struct pg *p, enum stmt s, const struct params *q, PGresult **res)
{
	int rc;

	if (!(*res = pgs_run(p, s, q, PGRES_TUPLES_OK, &rc)))
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
	PQfinish(p->conn); /* which ends the holds left */
	pgs_free_holds(p);
	free(p->search_path);
	free(p);
}

static int pg_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		  const void *data, size_t len)
{
	struct pg *p = pgs_begin(ctx);
	struct params q;
	int rc, changed;

	if ((rc = pgs_check_record(p, app, kind, key, 1)) != 0)
		return rc;
	if ((!data && len) || pgs_too_big(len))
		return pgs_failf(p, RELEASE_EINVAL, "app '%s': put of %s", app,
				 pgs_too_big(len) ? "a record too large"
						  : "NULL bytes of non-zero length");
	/* seq is a bigint, and scans look below INT64_MAX */
	if ((kind == RELEASE_KIND_META) != (seq == 0) || seq >= INT64_MAX)
		return pgs_failf(p, RELEASE_EINVAL, "app '%s': seq %llu is not valid for kind %d",
				 app, (unsigned long long)seq, kind);
	pgs_param_record(&q, app, kind, key);
	pgs_param_u64(&q, seq);
	pgs_param_bytes(&q, data, len);
	if ((rc = pgs_ready_to_write(p, S_PUT, app)) != 0 ||
	    (rc = pgs_run_change(p, S_PUT, &q, &changed)) != 0)
		return rc;
	return changed ? 0 : RELEASE_ECONFLICT;
}

static int pg_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		  void *payload)
{
	struct pg *p = pgs_begin(ctx);
	struct params q;
	PGresult *res;
	int rc;

	if ((rc = pgs_check_record(p, app, kind, key, 1)) != 0)
		return rc;
	if (!fn)
		return pgs_failf(p, RELEASE_EINVAL, "get: the record callback is NULL");
	pgs_param_record(&q, app, kind, key);
	if ((rc = run_lookup(p, S_GET, &q, &res)) != 0)
		return rc;
	return deliver(p, res, 0, 0, -1, key, 1, fn, payload);
}

static int pg_get_seq(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
		      void *payload)
{
	struct pg *p = pgs_begin(ctx);
	struct params q;
	PGresult *res;
	int rc;

	if ((rc = pgs_check_record(p, app, kind, NULL, 0)) != 0)
		return rc;
	if (kind == RELEASE_KIND_META || !fn)
		return pgs_failf(p, RELEASE_EINVAL, "get_seq: %s",
				 fn ? "META records have no seq" : "the record callback is NULL");
	if (seq == 0 || seq > INT64_MAX)
		return RELEASE_ENOTFOUND;
	pgs_param_record(&q, app, kind, NULL);
	pgs_param_u64(&q, seq);
	if ((rc = run_lookup(p, S_GET_SEQ, &q, &res)) != 0)
		return rc;
	return deliver(p, res, -1, seq, 0, NULL, 1, fn, payload);
}

static int pg_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		   release_record_fn fn, void *payload)
{
	struct pg *p = pgs_begin(ctx);
	struct params q;
	PGresult *res;
	int rc;

	if ((rc = pgs_check_record(p, app, kind, NULL, 0)) != 0)
		return rc;
	if (kind == RELEASE_KIND_META || limit == 0 || !fn)
		return pgs_failf(p, RELEASE_EINVAL, "scan: %s",
				 kind == RELEASE_KIND_META ? "META records have no seq"
				 : !fn ? "the record callback is NULL" : "limit is 0");
	/* seq is a bigint: every stored seq is below INT64_MAX + 1 */
	if (before > (uint64_t)INT64_MAX)
		before = (uint64_t)INT64_MAX;
	if (limit > INT64_MAX)
		limit = INT64_MAX;
	pgs_param_record(&q, app, kind, NULL);
	pgs_param_u64(&q, before);
	pgs_param_u64(&q, limit);
	if (!(res = pgs_run(p, S_SCAN, &q, PGRES_TUPLES_OK, &rc)))
		return rc;
	return deliver(p, res, 0, 0, 1, NULL, 2, fn, payload);
}

static int pg_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		  size_t old_len, const void *data, size_t len)
{
	struct pg *p = pgs_begin(ctx);
	struct params q;
	enum stmt s;
	int rc, changed;

	if ((rc = pgs_check_record(p, app, kind, key, 1)) != 0)
		return rc;
	if ((!data && len) || (!old && old_len) || pgs_too_big(len) || pgs_too_big(old_len))
		return pgs_failf(p, RELEASE_EINVAL, "app '%s': compare-and-swap with %s", app,
				 pgs_too_big(len) || pgs_too_big(old_len) ? "a record too large"
							     : "NULL bytes of non-zero length");
	if (kind != RELEASE_KIND_META && (!old || !data))
		return pgs_failf(p, RELEASE_EINVAL,
				 "app '%s': only META records are created or removed by "
				 "compare-and-swap",
				 app);
	pgs_param_record(&q, app, kind, key);
	if (!old) { /* create; NULL data makes an empty record */
		s = S_CREATE;
		pgs_param_bytes(&q, data, len);
	} else {
		s = data ? S_CAS : S_REMOVE;
		pgs_param_bytes(&q, old, old_len);
		if (data)
			pgs_param_bytes(&q, data, len);
	}
	if ((rc = pgs_ready_to_write(p, s, app)) != 0 ||
	    (rc = pgs_run_change(p, s, &q, &changed)) != 0)
		return rc;
	return changed ? 0 : RELEASE_ECONFLICT;
}

static int pg_del(void *ctx, const char *app, int kind, const char *key)
{
	struct pg *p = pgs_begin(ctx);
	struct params q;
	int rc, changed;

	if ((rc = pgs_check_record(p, app, kind, key, 1)) != 0)
		return rc;
	pgs_param_record(&q, app, kind, key);
	if ((rc = pgs_ready_to_write(p, S_DEL, app)) != 0 ||
	    (rc = pgs_run_change(p, S_DEL, &q, &changed)) != 0)
		return rc;
	return changed ? 0 : RELEASE_ENOTFOUND;
}

static int pg_list_apps(void *ctx, release_name_fn fn, void *payload)
{
	struct pg *p = pgs_begin(ctx);
	PGresult *res;
	int rc = 0;

	if (!fn)
		return pgs_failf(p, RELEASE_EINVAL, "list_apps: the name callback is NULL");
	if (!(res = pgs_run(p, S_APPS, NULL, PGRES_TUPLES_OK, &rc)))
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
	.version = 3, /* the deployment log, and wait() */
	.close = pg_close,
	.put = pg_put,
	.get = pg_get,
	.scan = pg_scan,
	.cas = pg_cas,
	.del = pg_del,
	.list_apps = pg_list_apps,
	.get_seq = pg_get_seq,
	.errmsg = pg_errmsg,
	.commit = pgs_commit,
	.hold = pgs_hold,
	.unhold = pgs_unhold,
	.held = pgs_held,
	.wait = pgs_wait,
};


/* ---- opening */

/* Keeps libpq's notices (e.g. from IF NOT EXISTS) off stderr. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
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
		rc = pgs_failf(p, RELEASE_EIO, "connecting to PostgreSQL: %s",
			       PQerrorMessage(p->conn));
	else
		rc = pgs_migrate(p);
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
