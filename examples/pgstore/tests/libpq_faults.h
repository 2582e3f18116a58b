/*
 * libpq's calls as test-pgstore-libpq wraps them: its program's definitions
 * of PQexecPrepared(), PQexecParams(), PQprepare() and PQreset() come
 * before libpq's, answer as an armed fault says (once), and otherwise call
 * libpq's own; PQbackendPID() says what a connection pooler would, when
 * asked to. Included by that one program only.
 */
#ifndef PGSTORE_LIBPQ_FAULTS_H
#define PGSTORE_LIBPQ_FAULTS_H

#include <libpq-fe.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fault {
	NONE,
	NO_RESULT,     /* nothing sent, NULL returned */
	REPLY_LOST,    /* sent and run, then NULL returned */
	OWN_ERROR,     /* nothing sent, an error without SQLSTATE returned */
	SERVER_ERROR,  /* an ordinary error of the server instead (22012), nothing run */
	RAN_THEN_ERROR, /* sent and run, then that ordinary error returned */
	STUCK,         /* run inside a transaction an error aborted (25P02) */
	IN_BLOCK,      /* run inside a transaction block left open */
	MISSHAPEN,     /* sent and run, then a row of one text column returned */
	ODD_BOOL,      /* sent and run, then one binary boolean of neither value */
	NO_COUNT,      /* nothing sent, a command's success without a row count */
};

/* Two statements can be armed at once; each fault fires once. */
static struct {
	enum fault fault;
	const char *what; /* a prepared statement's name, or a part of the SQL */
} armed[2];
static int fired, resets;
static const char *spy_for; /* a statement whose search_path is noted */
static char spied[256];
static void (*after_reset)(void); /* runs once, after the next reset */
/* Non-zero: what PQbackendPID() says, as behind a pooler (PgBouncer), which
 * hands its clients a key of its own instead of the server's. */
static int pooler_pid;

static void arm(enum fault f, const char *what)
{
	armed[0].fault = f;
	armed[0].what = what;
	armed[1].fault = NONE;
	fired = 0;
}

static void arm_also(enum fault f, const char *what)
{
	armed[1].fault = f;
	armed[1].what = what;
}

typedef PGresult *exec_prepared_fn(PGconn *, const char *, int, const char *const *,
				   const int *, const int *, int);
typedef PGresult *exec_params_fn(PGconn *, const char *, int, const Oid *, const char *const *,
				 const int *, const int *, int);
typedef PGresult *prepare_fn(PGconn *, const char *, const char *, int, const Oid *);
typedef void reset_fn(PGconn *);
typedef int backend_pid_fn(const PGconn *);

/* libpq's own function name, as a function pointer of the caller's type
 * (copied: C has no conversion from dlsym's object pointer). */
static void real(const char *name, void *fn, size_t size)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f) {
		fprintf(stderr, "test-pgstore-libpq: %s not found in libpq\n", name);
		abort();
	}
	memcpy(fn, &f, size);
}

/* Whether this statement is an armed one; disarms it as it fires. */
static enum fault take(const char *what, int prepared)
{
	for (int i = 0; i < 2; i++) {
		enum fault f = armed[i].fault;

		if (f == NONE || !what ||
		    (prepared ? strcmp(what, armed[i].what) != 0 : !strstr(what, armed[i].what)))
			continue;
		armed[i].fault = NONE;
		fired++;
		return f;
	}
	return NONE;
}

/* Whether the real call is made, after what the fault does first. */
static int before(PGconn *conn, enum fault f)
{
	if (f == STUCK || f == IN_BLOCK)
		PQclear(PQexec(conn, "BEGIN"));
	if (f == STUCK)
		PQclear(PQexec(conn, "SELECT 1/0"));
	return f == NONE || f == REPLY_LOST || f == RAN_THEN_ERROR || f == STUCK || f == IN_BLOCK ||
	       f == MISSHAPEN || f == ODD_BOOL;
}

static PGresult *after(PGconn *conn, enum fault f, PGresult *res)
{
	PGresAttDesc att = {"x", 0, 0, 0, 16 /* bool */, 1, -1};

	switch (f) {
	case NONE:
	case STUCK:
	case IN_BLOCK:
		return res;
	case NO_RESULT:
		return NULL;
	case REPLY_LOST:
		PQclear(res);
		return NULL;
	case OWN_ERROR: /* as libpq makes its own: the connection's message, no SQLSTATE */
		return PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
	case SERVER_ERROR:
	case RAN_THEN_ERROR:
		PQclear(res);
		return PQexec(conn, "SELECT 1/0");
	case MISSHAPEN: /* a boolean true, as text: what a text-format reply says */
	case ODD_BOOL:  /* a byte of binary that is no boolean */
		PQclear(res);
		att.format = f == ODD_BOOL;
		res = PQmakeEmptyPGresult(conn, PGRES_TUPLES_OK);
		if (!res || !PQsetResultAttrs(res, 1, &att) ||
		    !PQsetvalue(res, 0, 0, f == ODD_BOOL ? "\2" : "t", 1))
			abort();
		return res;
	case NO_COUNT:
		return PQmakeEmptyPGresult(conn, PGRES_COMMAND_OK);
	}
	return res;
}

static void spy(PGconn *conn, const char *what)
{
	PGresult *res;

	if (!spy_for || !what || strcmp(what, spy_for) != 0)
		return;
	spy_for = NULL;
	res = PQexec(conn, "SHOW search_path");
	snprintf(spied, sizeof spied, "%s",
		 PQresultStatus(res) == PGRES_TUPLES_OK ? PQgetvalue(res, 0, 0) : "(failed)");
	PQclear(res);
}

PGresult *PQexecPrepared(PGconn *conn, const char *name, int n, const char *const *values,
			 const int *lengths, const int *formats, int result_format)
{
	exec_prepared_fn *f;
	enum fault fault = take(name, 1);

	real("PQexecPrepared", &f, sizeof f);
	spy(conn, name);
	return after(conn, fault,
		     before(conn, fault) ? f(conn, name, n, values, lengths, formats, result_format)
					 : NULL);
}

PGresult *PQexecParams(PGconn *conn, const char *sql, int n, const Oid *types,
		       const char *const *values, const int *lengths, const int *formats,
		       int result_format)
{
	exec_params_fn *f;
	enum fault fault = take(sql, 0);

	real("PQexecParams", &f, sizeof f);
	return after(conn, fault,
		     before(conn, fault)
			     ? f(conn, sql, n, types, values, lengths, formats, result_format)
			     : NULL);
}

PGresult *PQprepare(PGconn *conn, const char *name, const char *sql, int n, const Oid *types)
{
	prepare_fn *f;
	enum fault fault = take(sql, 0);

	real("PQprepare", &f, sizeof f);
	return after(conn, fault, before(conn, fault) ? f(conn, name, sql, n, types) : NULL);
}

void PQreset(PGconn *conn)
{
	reset_fn *f;
	void (*then)(void) = after_reset;

	real("PQreset", &f, sizeof f);
	resets++;
	f(conn);
	after_reset = NULL;
	if (then)
		then();
}

int PQbackendPID(const PGconn *conn)
{
	backend_pid_fn *f;

	real("PQbackendPID", &f, sizeof f);
	return pooler_pid ? pooler_pid : f(conn);
}

#endif
