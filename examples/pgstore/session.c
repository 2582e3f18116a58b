/*
 * The connection and its statements: errors worded once, the session pinned
 * to the store's schema, reconnection after a loss, and the statements run
 * with their parameters.
 *
 * Parameters go as text (app, key, numbers) and binary (bytes); results come
 * back binary, so record bytes are never escaped or re-encoded.
 */
#include "pgstore_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each statement's answer: cols columns (binary) and rows rows (ONE_ROW
 * exactly one, AT_MOST_ONE, or ANY_ROWS), or, for a command (cols 0), its
 * status tag, followed by a row count of 0 or 1 when the tag ends in a
 * space. */
#define ANY_ROWS 0
#define ONE_ROW 1
#define AT_MOST_ONE 2

static const struct {
	const char *name;
	int prepared; /* else sent whole each time (a function call, quick to plan) */
	int nparams;
	const unsigned int types[MAX_PARAMS];
	const char *sql;
	int cols, rows;
	const char *tag;
} stmts[N_STMT] = {
	[S_PUT] = {"librelease_put", 1, 5, {OID_TEXT, OID_INT2, OID_TEXT, OID_INT8, OID_BYTEA},
		   "INSERT INTO librelease_records (app, kind, key, seq, data)"
		   " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
		   0, 0, "INSERT 0 "},
	[S_GET] = {"librelease_get", 1, 3, {OID_TEXT, OID_INT2, OID_TEXT},
		   "SELECT seq, data FROM librelease_records"
		   " WHERE app = $1 AND kind = $2 AND key = $3",
		   2, AT_MOST_ONE, NULL},
	[S_GET_SEQ] = {"librelease_get_seq", 1, 3, {OID_TEXT, OID_INT2, OID_INT8},
		       "SELECT key, data FROM librelease_records"
		       " WHERE app = $1 AND kind = $2 AND seq > 0 AND seq = $3",
		       2, AT_MOST_ONE, NULL},
	[S_SCAN] = {"librelease_scan", 1, 4, {OID_TEXT, OID_INT2, OID_INT8, OID_INT8},
		    "SELECT seq, key, data FROM librelease_records"
		    " WHERE app = $1 AND kind = $2 AND seq > 0 AND seq < $3"
		    " ORDER BY seq DESC LIMIT $4",
		    3, ANY_ROWS, NULL},
	[S_CAS] = {"librelease_cas", 1, 5, {OID_TEXT, OID_INT2, OID_TEXT, OID_BYTEA, OID_BYTEA},
		   "UPDATE librelease_records SET data = $5"
		   " WHERE app = $1 AND kind = $2 AND key = $3 AND data = $4",
		   0, 0, "UPDATE "},
	[S_CREATE] = {"librelease_create", 1, 4, {OID_TEXT, OID_INT2, OID_TEXT, OID_BYTEA},
		      "INSERT INTO librelease_records (app, kind, key, seq, data)"
		      " VALUES ($1, $2, $3, 0, $4) ON CONFLICT DO NOTHING",
		      0, 0, "INSERT 0 "},
	[S_REMOVE] = {"librelease_remove", 1, 4, {OID_TEXT, OID_INT2, OID_TEXT, OID_BYTEA},
		      "DELETE FROM librelease_records"
		      " WHERE app = $1 AND kind = $2 AND key = $3 AND data = $4",
		      0, 0, "DELETE "},
	[S_DEL] = {"librelease_del", 1, 3, {OID_TEXT, OID_INT2, OID_TEXT},
		   "DELETE FROM librelease_records WHERE app = $1 AND kind = $2 AND key = $3",
		   0, 0, "DELETE "},
	[S_APPS] = {"librelease_apps", 1, 0, {0}, "SELECT DISTINCT app FROM librelease_records",
		    1, ANY_ROWS, NULL},
	/* version 2: calls of schema.c's functions */
	[S_COMMIT] = {"librelease_commit", 0, 7,
		      {OID_TEXT, OID_INT2_ARRAY, OID_INT2_ARRAY, OID_TEXT_ARRAY, OID_INT8_ARRAY,
		       OID_BYTEA_ARRAY, OID_BYTEA_ARRAY},
		      "SELECT librelease_commit($1, $2, $3, $4, $5, $6, $7)", 1, ONE_ROW, NULL},
	[S_HOLD] = {"librelease_hold", 0, 2, {OID_TEXT, OID_BYTEA}, "SELECT librelease_hold($1, $2)",
		    1, ONE_ROW, NULL},
	[S_UNHOLD] = {"librelease_unhold", 0, 1, {OID_TEXT}, "SELECT librelease_unhold($1)", 1,
		      ONE_ROW, NULL},
	[S_UNLOCK] = {"librelease_unlock", 0, 1, {OID_TEXT},
		      "SELECT pg_advisory_unlock(librelease_lock_key('hold', $1))", 1, ONE_ROW, NULL},
	[S_HELD] = {"librelease_held", 0, 1, {OID_TEXT}, "SELECT librelease_held($1)", 1, ONE_ROW,
		    NULL},
	/* the row of a hold of an earlier session, as it left it, moved to
	 * this session with the lock (hold.c): the row locked first, so that
	 * the lock is taken only for a row that is then moved */
	[S_REHOLD] = {"librelease_rehold", 0, 3, {OID_TEXT, OID_INT4, OID_BYTEA},
		      "WITH mine AS (SELECT app FROM librelease_holds"
		      "  WHERE app = $1 AND pid = $2 AND info = $3 FOR UPDATE),"
		      " taken AS (SELECT pg_try_advisory_lock(librelease_lock_key('hold', $1)) AS ok"
		      "  FROM mine)"
		      " UPDATE librelease_holds SET pid = pg_backend_pid()"
		      " WHERE app = $1 AND (SELECT ok FROM taken)",
		      0, 0, "UPDATE "},
	[S_HOLD_ROW] = {"librelease_hold_row", 0, 3, {OID_TEXT, OID_INT4, OID_BYTEA},
			"SELECT pid FROM librelease_holds WHERE app = $1 AND pid = $2 AND info = $3",
			1, AT_MOST_ONE, NULL},
	/* version 3: wait() */
	[S_LISTEN] = {"librelease_listen", 0, 0, {0}, "LISTEN " PGS_CHANNEL, 0, 0, "LISTEN"},
};

int pgs_failf(struct pg *p, int code, const char *fmt, ...)
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

/* Whether the session is usable as it is: connected, and no failure left
 * it in doubt. */
int pgs_connected(const struct pg *p)
{
	return !p->lost && PQstatus(p->conn) == CONNECTION_OK;
}

/* Whether a failure leaves the session in doubt, although libpq may still
 * call the connection good: no result at all (the statement could not be
 * sent), an error libpq made itself (no SQLSTATE: the connection broke
 * mid-exchange, or the protocol went astray), a FATAL or PANIC error (the
 * server ends the session), a connection exception (class 08), or a
 * session stuck in a failed transaction block (25P02: every statement is
 * refused until a ROLLBACK nobody will send, as pgstore runs none outside
 * its migration). Such a connection may still hold an unread reply, or
 * have a statement half sent: nothing more is asked of it. */
static int session_lost(const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *severity = res ? PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED) : NULL;

	if (!res || !state)
		return 1;
	return strncmp(state, "08", 2) == 0 || strcmp(state, "25P02") == 0 ||
	       (severity && (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0));
}

/* A failed statement's code and message, res NULL when libpq gave none. A
 * connection that went away, or whose state is in doubt, fails the call;
 * the next call connects anew. */
int pgs_fail_result(struct pg *p, PGresult *res, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res)
							    : PQerrorMessage(p->conn);
	int code = RELEASE_EIO;

	if (!*msg)
		msg = "libpq gave no result";
	/* msg and state live in res: format before clearing it */
	if (PQstatus(p->conn) != CONNECTION_OK || session_lost(res)) {
		p->prepared = 0;
		p->lost = 1;
		pgs_failf(p, RELEASE_EIO, "%s: connection to PostgreSQL lost: %s", what, msg);
	} else {
		if (state && strcmp(state, "53100") == 0) /* disk_full */
			code = RELEASE_ENOSPC;
		else if (state && strcmp(state, "53200") == 0) /* out_of_memory */
			code = RELEASE_ENOMEM;
		pgs_failf(p, code, "%s: PostgreSQL error %s: %s", what, state ? state : "(none)",
			  msg);
	}
	PQclear(res);
	return code;
}

/* Runs SQL that takes no parameters, expecting want. */
int pgs_exec_plain(struct pg *p, const char *sql, ExecStatusType want, const char *what)
{
	PGresult *res = PQexec(p->conn, sql);

	if (PQresultStatus(res) != want)
		return pgs_fail_result(p, res, what);
	PQclear(res);
	return 0;
}

/* Pins what each session must have, whatever the server's defaults: the
 * schema found at open (search_path may name several, and another store's
 * tables must never be found instead); READ COMMITTED, under which the
 * conditional UPDATE/DELETE re-check the newest row (a stricter default
 * would turn a lost race into a serialization error instead of
 * ECONFLICT); and, from PostgreSQL 14, no idle_session_timeout: a session
 * is what keeps a hold, and its holder's deployer may run long without a
 * statement. Notes the session's server process as the server names it in
 * the hold rows it writes: libpq's PQbackendPID() is what the startup
 * said, which behind a connection pooler is the pooler's own key. */
int pgs_pin_session(struct pg *p)
{
	const char *values[1] = {p->search_path};
	int idle = PQserverVersion(p->conn) >= 140000;
	PGresult *res = PQexecParams(p->conn,
				     idle ? "SELECT pg_backend_pid(),"
					    " set_config('search_path', $1, false),"
					    " set_config('default_transaction_isolation',"
					    "  'read committed', false),"
					    " set_config('idle_session_timeout', '0', false)"
					  : "SELECT pg_backend_pid(),"
					    " set_config('search_path', $1, false),"
					    " set_config('default_transaction_isolation',"
					    "  'read committed', false)",
				     1, NULL, values, NULL, NULL, 0);
	char *end;
	long pid;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return pgs_fail_result(p, res, "setting up the session");
	if (PQntuples(res) != 1 || PQnfields(res) != 3 + idle ||
	    (pid = strtol(PQgetvalue(res, 0, 0), &end, 10)) <= 0 || pid > INT32_MAX || *end) {
		PQclear(res);
		p->lost = 1;
		return pgs_failf(p, RELEASE_EIO,
				 "setting up the session: connection to PostgreSQL lost: an "
				 "answer not of the statement's shape");
	}
	PQclear(res);
	p->backend_pid = (int)pid;
	return 0;
}

int pgs_reconnect(struct pg *p)
{
	int rc;

	do {
		p->prepared = 0;
		p->lost = 0;
		p->epoch++; /* whatever the old session held, it holds no more */
		PQreset(p->conn); /* which closes the old one first, ending its session */
		if (PQstatus(p->conn) != CONNECTION_OK)
			return pgs_failf(p, RELEASE_EIO, "reconnecting to PostgreSQL: %s",
					 PQerrorMessage(p->conn));
		/* A session not pinned, whatever the reason, is not used: its
		 * search_path may find another store's tables. */
		if (pgs_pin_session(p) != 0) {
			p->lost = 1;
			return RELEASE_EIO;
		}
	} while ((rc = pgs_retake_holds(p)) == PGS_AGAIN);
	return rc;
}

/* Connects again if the connection was lost, and prepares statement s, if
 * it is one that is prepared, on its first use on this connection: a
 * short-lived process (a CLI call) prepares only what it runs. */
int pgs_ready(struct pg *p, enum stmt s)
{
	PGresult *res;
	int rc;

	if (!pgs_connected(p) && (rc = pgs_reconnect(p)) != 0)
		return rc;
	if (!stmts[s].prepared || p->prepared & 1u << s)
		return 0;
	res = PQprepare(p->conn, stmts[s].name, stmts[s].sql, stmts[s].nparams, stmts[s].types);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return pgs_fail_result(p, res, "preparing a statement");
	PQclear(res);
	p->prepared |= 1u << s;
	return 0;
}

void pgs_param_text(struct params *q, const char *s)
{
	q->value[q->n] = s;
	q->len[q->n] = 0;
	q->format[q->n++] = 0;
}

void pgs_param_u64(struct params *q, uint64_t v)
{
	char *buf = q->num[q->n_num++];

	snprintf(buf, sizeof q->num[0], "%llu", (unsigned long long)v);
	pgs_param_text(q, buf);
}

void pgs_param_bytes(struct params *q, const void *data, size_t len)
{
	q->value[q->n] = data ? data : "";
	q->len[q->n] = (int)len;
	q->format[q->n++] = 1;
}

/* The (app, kind, key) that starts most statements. */
void pgs_param_record(struct params *q, const char *app, int kind, const char *key)
{
	memset(q, 0, sizeof *q);
	pgs_param_text(q, app);
	pgs_param_u64(q, (uint64_t)kind);
	if (key)
		pgs_param_text(q, key);
}

/* A result of statement s, of the status the caller wanted: 0 if it has
 * the statement's shape and left the session outside any transaction block
 * (where a write is not committed); else the result is cleared, and the
 * session, which answered a question it was not asked, is in doubt. */
int pgs_check_answer(struct pg *p, enum stmt s, PGresult *res)
{
	const char *status = PQcmdStatus(res), *tag = stmts[s].tag, *why = NULL;
	int n = PQntuples(res);

	if (PQtransactionStatus(p->conn) != PQTRANS_IDLE)
		why = "the session is inside a transaction block";
	else if (PQresultStatus(res) == PGRES_TUPLES_OK && stmts[s].cols == 0)
		why = "rows where none were asked for";
	else if (PQresultStatus(res) == PGRES_TUPLES_OK)
		why = PQnfields(res) != stmts[s].cols || !PQbinaryTuples(res) ? "not its columns"
		      : (stmts[s].rows == ONE_ROW && n != 1) ||
				      (stmts[s].rows == AT_MOST_ONE && n > 1)
			      ? "not its number of rows"
			      : NULL;
	else if (!tag || strncmp(status, tag, strlen(tag)) != 0)
		why = "not its command";
	else if (tag[strlen(tag) - 1] == ' ' && strcmp(status + strlen(tag), "0") != 0 &&
		 strcmp(status + strlen(tag), "1") != 0)
		why = "not a row count of 0 or 1";
	if (!why)
		return 0;
	p->prepared = 0;
	p->lost = 1;
	pgs_failf(p, RELEASE_EIO,
		  "%s: connection to PostgreSQL lost: an answer not of the statement's shape (%s)",
		  stmts[s].name + strlen("librelease_"), why);
	PQclear(res);
	return RELEASE_EIO;
}

PGresult *pgs_send(struct pg *p, enum stmt s, const struct params *q, int *rc)
{
	int n = q ? q->n : 0;
	const char *const *value = q ? q->value : NULL;
	const int *len = q ? q->len : NULL, *format = q ? q->format : NULL;

	PGresult *res;

	if ((*rc = pgs_ready(p, s)) != 0)
		return NULL;
	if (stmts[s].prepared)
		res = PQexecPrepared(p->conn, stmts[s].name, n, value, len, format, 1);
	else
		res = PQexecParams(p->conn, stmts[s].sql, n, stmts[s].types, value, len, format, 1);
	/* No result is a failure (the statement may not have been sent, or
	 * its reply was lost), never an empty answer. */
	if (!res)
		*rc = pgs_fail_result(p, NULL, stmts[s].name + strlen("librelease_"));
	return res;
}

PGresult *pgs_run(struct pg *p, enum stmt s, const struct params *q, ExecStatusType want,
		  int *rc)
{
	PGresult *res = pgs_send(p, s, q, rc);

	if (!res)
		return NULL;
	if (PQresultStatus(res) != want) {
		*rc = pgs_fail_result(p, res, stmts[s].name + strlen("librelease_"));
		return NULL;
	}
	if ((*rc = pgs_check_answer(p, s, res)) != 0)
		return NULL;
	return res;
}

/* Runs a statement that changes rows; 0 and *changed, or an error. */
int pgs_run_change(struct pg *p, enum stmt s, const struct params *q, int *changed)
{
	int rc;
	PGresult *res = pgs_run(p, s, q, PGRES_COMMAND_OK, &rc);

	if (!res)
		return rc;
	*changed = strcmp(PQcmdTuples(res), "0") != 0;
	PQclear(res);
	return 0;
}
