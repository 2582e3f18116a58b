/*
 * What pgstore's files share: the handle, the statements and how they run,
 * and the checks every method makes at its door. Names shared between files
 * carry the prefix pgs_, so that a program linking pgstore statically never
 * meets them.
 */
#ifndef PGSTORE_INTERNAL_H
#define PGSTORE_INTERNAL_H

#include "pgstore.h"

#include <libpq-fe.h>

#include <stdint.h>

#define KEY_MAX 64
#define ERR_MAX 512

/* Type oids of the parameters (fixed since PostgreSQL 7, arrays since 8.0). */
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25
#define OID_BYTEA_ARRAY 1001
#define OID_INT2_ARRAY 1005
#define OID_TEXT_ARRAY 1009
#define OID_INT8_ARRAY 1016

#define MAX_PARAMS 7

/* The statements, by name. The version-1 methods' are prepared on a
 * connection's first use of each; the others are one call of a function of
 * the schema, sent whole each time: one round trip, always. */
enum stmt {
	S_PUT,
	S_GET,
	S_GET_SEQ,
	S_SCAN,
	S_CAS,
	S_CREATE,
	S_REMOVE,
	S_DEL,
	S_APPS,
	S_COMMIT,
	S_HOLD,
	S_UNHOLD,
	S_UNLOCK,
	S_HELD,
	S_REHOLD,
	S_HOLD_ROW,
	S_LISTEN,
	N_STMT
};

struct pgs_hold;

struct pg {
	PGconn *conn;
	unsigned prepared;   /* bit s: statement s is prepared on conn */
	unsigned long epoch; /* counts the connections made: a new one has no holds */
	int backend_pid;     /* the session's server process, as pg_backend_pid() says */
	int lost;            /* a failure left the session in doubt: the next call
			      * connects anew, whatever PQstatus() says */
	struct pgs_hold *holds; /* this handle's holds, so it takes each at most once */
	char *search_path;   /* the schema found at open, quoted, then pg_catalog */
	/* version 3: wait() (notify.c) */
	int listening;              /* LISTEN ran on the connection of listen_epoch */
	unsigned long listen_epoch;
	const char *wait_for;       /* the app a wait() in progress is for, or NULL */
	int woken;                  /* a notification for it came since its last check */
	char err[ERR_MAX];
};

/* Parameters of one statement: text values are NUL-terminated, binary ones
 * carry a length. */
struct params {
	const char *value[MAX_PARAMS];
	int len[MAX_PARAMS];
	int format[MAX_PARAMS];
	int n;
	char num[3][24]; /* room for the numbers' text */
	int n_num;
};

/* session.c: errors, the connection, statements */
int pgs_failf(struct pg *p, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int pgs_fail_result(struct pg *p, PGresult *res, const char *what);
int pgs_exec_plain(struct pg *p, const char *sql, ExecStatusType want, const char *what);
int pgs_pin_session(struct pg *p);
int pgs_connected(const struct pg *p);
/* Ends the session (and with it every lock it holds) and starts a new one,
 * pinned, which takes again the holds no other session took meanwhile
 * (pgs_retake_holds()); 0 or RELEASE_EIO (the next call then tries again). */
int pgs_reconnect(struct pg *p);
/* Connects anew if the session is lost or in doubt, and prepares statement
 * s on its first use on the connection: 0 or the failure. */
int pgs_ready(struct pg *p, enum stmt s);
void pgs_param_text(struct params *q, const char *s);
void pgs_param_u64(struct params *q, uint64_t v);
void pgs_param_bytes(struct params *q, const void *data, size_t len);
void pgs_param_record(struct params *q, const char *app, int kind, const char *key);
/* Runs statement s, reconnecting first if the connection was lost or left
 * in doubt; its result whatever it says, or NULL (with *rc set, never 0)
 * when there is none: not sent, or libpq returned no result. */
PGresult *pgs_send(struct pg *p, enum stmt s, const struct params *q, int *rc);
/* pgs_send(), then NULL (with *rc set and the message kept) unless the
 * result's status is want and it has the statement's shape
 * (pgs_check_answer()). */
PGresult *pgs_run(struct pg *p, enum stmt s, const struct params *q, ExecStatusType want,
		  int *rc);
int pgs_run_change(struct pg *p, enum stmt s, const struct params *q, int *changed);
/* 0, or RELEASE_EIO with res cleared and the session in doubt when a result
 * of the status wanted is not of statement s's shape. */
int pgs_check_answer(struct pg *p, enum stmt s, PGresult *res);

/* pgstore.c: the door */
struct pg *pgs_begin(void *ctx);
int pgs_check_record(struct pg *p, const char *app, int kind, const char *key, int takes_key);
int pgs_too_big(size_t len);

/* schema.c */
int pgs_migrate(struct pg *p);

/* commit.c and hold.c: version 2 */
int pgs_commit(void *ctx, const char *app, const release_storage_op *ops, size_t n,
	       size_t *failed);
int pgs_hold(void *ctx, const char *app, const void *info, size_t len, void **hold);
void pgs_unhold(void *ctx, void *hold);
int pgs_held(void *ctx, const char *app, release_record_fn fn, void *payload);
void pgs_free_holds(struct pg *p);
/* On a new session: takes again each hold of an earlier one that no other
 * session has held since, and marks the others lost. 0; PGS_AGAIN when a
 * failure may have left this session with a lock it does not know it has
 * (end it, and start another); or RELEASE_EIO. */
#define PGS_AGAIN 1
int pgs_retake_holds(struct pg *p);
/* pgs_ready(p, s) for a write to app, then RELEASE_EBUSY if app is held
 * through this handle by a hold its session lost, and another may have
 * taken since: nothing is written to the app, by any method, until the
 * hold is given back. Checked on the session the write goes to, which may
 * be a new one. */
int pgs_ready_to_write(struct pg *p, enum stmt s, const char *app);

/* notify.c: version 3 */
#define PGS_CHANNEL "librelease" /* the channel the records' trigger notifies */
int pgs_wait(void *ctx, const char *app, int64_t timeout_ns, int (*check)(void *payload),
	     void *payload);
void pgs_take_notifies(struct pg *p);

#endif
