/*
 * Holds: a session advisory lock per app, taken and given back by
 * librelease_hold() and librelease_unhold() (schema.c), one round trip
 * each. The server drops the lock when the session ends, however it ends
 * (the process killed, the connection cut, the backend terminated), so no
 * crash leaves an app held; libpq opens its socket close-on-exec, so a
 * program the holder runs does not keep the session alive.
 *
 * PostgreSQL counts a session's locks on one key: a second take succeeds
 * and a single release keeps the lock. The handle keeps its own list of
 * what it holds, and refuses a second hold of one app itself.
 *
 * A hold does not end with the handle's session when the handle starts
 * another (the connection was lost, or left in doubt) and no one else held
 * the app meanwhile: every take writes the app's row with its session's
 * pid and its info (the core's carries a random token), so a row still as
 * this handle left it says that no one did, and the new session takes the
 * lock again and the row with it, waiting up to two seconds for the old
 * session, which the server may not have ended yet, to let go of it. A
 * hold another session may have taken meanwhile is lost: the core, which
 * believes it still holds the app, learns it from the refusal of its next
 * write to it (a commit, or a single-record put, compare-and-swap or
 * delete), which would otherwise end a promotion that is no longer the
 * app's only one.
 */
#include "pgstore_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long a new session waits for a hold's lock that the row says is
 * still the handle's: RETAKE_TRIES pauses of RETAKE_PAUSE_MS. */
#define RETAKE_TRIES 100
#define RETAKE_PAUSE_MS 20

struct pgs_hold {
	struct pgs_hold *next;
	unsigned long epoch; /* the session that holds it */
	int pid;             /* that session's server process, as in the app's row */
	int lost;            /* another session may have taken it meanwhile */
	char app[64];        /* app names are at most 63 bytes */
	size_t len;
	unsigned char info[RELEASE_HOLD_INFO_MAX];
};

static struct pgs_hold **find(struct pg *p, const char *app)
{
	struct pgs_hold **h = &p->holds;

	while (*h && strcmp((*h)->app, app) != 0)
		h = &(*h)->next;
	return h;
}

/* Runs S_UNLOCK or S_UNHOLD for app, quietly. A session that may keep the
 * lock after a failure keeps it as long as it lives, the app busy for
 * everyone, while the handle no longer knows of it, and may sit unused
 * for long: it is ended at once. */
static void let_go(struct pg *p, enum stmt s, const char *app)
{
	struct params q;
	PGresult *res;
	int rc;

	memset(&q, 0, sizeof q);
	pgs_param_text(&q, app);
	if ((res = pgs_run(p, s, &q, PGRES_TUPLES_OK, &rc))) {
		PQclear(res);
		return;
	}
	if (PQstatus(p->conn) == CONNECTION_OK)
		pgs_reconnect(p);
}

/* After a failed take whose lock may still be held by this session (the
 * call failed while the connection stayed up): give it back. The handle
 * does not hold app, so the lock, if taken, is the failed call's. */
static void give_back(struct pg *p, const char *app)
{
	char err[ERR_MAX];

	if (PQstatus(p->conn) != CONNECTION_OK)
		return; /* the session, and its locks, are gone */
	memcpy(err, p->err, sizeof err); /* the failure worth telling */
	let_go(p, S_UNLOCK, app);
	memcpy(p->err, err, sizeof err);
}

int pgs_hold(void *ctx, const char *app, const void *info, size_t len, void **hold)
{
	struct pg *p = pgs_begin(ctx);
	struct pgs_hold *h;
	struct params q;
	PGresult *res;
	int rc, taken;

	if ((rc = pgs_check_record(p, app, RELEASE_KIND_META, NULL, 0)) != 0)
		return rc;
	if (!hold || (!info && len) || len > RELEASE_HOLD_INFO_MAX)
		return pgs_failf(p, RELEASE_EINVAL, "app '%s': hold with %s", app,
				 !hold			     ? "hold NULL"
				 : len > RELEASE_HOLD_INFO_MAX ? "info longer than RELEASE_HOLD_INFO_MAX"
							       : "NULL info of non-zero length");
	*hold = NULL;
	if (*find(p, app))
		return pgs_failf(p, RELEASE_EBUSY, "app '%s' is held already, through this handle",
				 app);
	if (!(h = calloc(1, sizeof *h)))
		return pgs_failf(p, RELEASE_ENOMEM, "out of memory");
	memset(&q, 0, sizeof q);
	pgs_param_text(&q, app);
	pgs_param_bytes(&q, info, len);
	if (!(res = pgs_run(p, S_HOLD, &q, PGRES_TUPLES_OK, &rc))) {
		give_back(p, app);
		free(h);
		return rc;
	}
	/* a boolean, in binary: one byte, 1 or 0 (one row, as checked) */
	taken = PQgetlength(res, 0, 0) == 1 ? *PQgetvalue(res, 0, 0) : -1;
	PQclear(res);
	if (taken != 0 && taken != 1) { /* the lock may be taken: see give_back() */
		p->lost = 1;
		rc = pgs_failf(p, RELEASE_EIO,
			       "hold: connection to PostgreSQL lost: an answer not of the "
			       "statement's shape (not a boolean)");
		give_back(p, app);
		free(h);
		return rc;
	}
	if (!taken) {
		free(h);
		return pgs_failf(p, RELEASE_EBUSY, "app '%s' is held by another session", app);
	}
	h->epoch = p->epoch;
	h->pid = p->backend_pid;
	h->len = len;
	if (len)
		memcpy(h->info, info, len);
	strcpy(h->app, app);
	h->next = p->holds;
	p->holds = h;
	*hold = h;
	return 0;
}

/* Quiet whatever happens: a hold whose session ended is over already. */
void pgs_unhold(void *ctx, void *hold)
{
	struct pg *p = pgs_begin(ctx);
	struct pgs_hold *h = hold, **at;

	if (!h)
		return;
	for (at = &p->holds; *at && *at != h; at = &(*at)->next)
		;
	if (!*at)
		return; /* not one of this handle's */
	*at = h->next;
	if (!h->lost && h->epoch == p->epoch && PQstatus(p->conn) == CONNECTION_OK)
		let_go(p, S_UNHOLD, h->app);
	free(h);
}

int pgs_held(void *ctx, const char *app, release_record_fn fn, void *payload)
{
	struct pg *p = pgs_begin(ctx);
	struct params q;
	PGresult *res;
	int rc;

	if ((rc = pgs_check_record(p, app, RELEASE_KIND_META, NULL, 0)) != 0)
		return rc;
	if (!fn)
		return pgs_failf(p, RELEASE_EINVAL, "held: the record callback is NULL");
	memset(&q, 0, sizeof q);
	pgs_param_text(&q, app);
	if (!(res = pgs_run(p, S_HELD, &q, PGRES_TUPLES_OK, &rc)))
		return rc;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		PQclear(res);
		return RELEASE_ENOTFOUND;
	}
	rc = fn(payload, 0, "hold", PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
	return rc;
}

void pgs_free_holds(struct pg *p)
{
	while (p->holds) {
		struct pgs_hold *h = p->holds;

		p->holds = h->next;
		free(h);
	}
}

/* Takes h again on this session: 0 and *taken, or a failure. A row still
 * as h left it, whose lock is busy, is that of a session that is ending:
 * the handle's own old one, closed but not yet gone from the server, or
 * one that took the lock and is about to write the row. The first lets go
 * soon; the second rewrites the row. So the take is tried again for a
 * while, as long as the row stays h's. */
static int retake(struct pg *p, const struct pgs_hold *h, int *taken)
{
	struct params q;
	struct timespec pause = {0, RETAKE_PAUSE_MS * 1000000L};
	PGresult *res;
	int rc, mine;

	memset(&q, 0, sizeof q);
	pgs_param_text(&q, h->app);
	pgs_param_u64(&q, (uint64_t)h->pid);
	pgs_param_bytes(&q, h->info, h->len);
	for (int i = 0;; i++) {
		if ((rc = pgs_run_change(p, S_REHOLD, &q, taken)) != 0 || *taken ||
		    i == RETAKE_TRIES)
			return rc;
		if (!(res = pgs_run(p, S_HOLD_ROW, &q, PGRES_TUPLES_OK, &rc)))
			return rc;
		mine = PQntuples(res) == 1;
		PQclear(res);
		if (!mine)
			return 0;
		nanosleep(&pause, NULL);
	}
}

int pgs_retake_holds(struct pg *p)
{
	for (struct pgs_hold *h = p->holds; h; h = h->next) {
		int rc, taken;

		if (h->lost || h->epoch == p->epoch)
			continue;
		if ((rc = retake(p, h, &taken)) != 0) {
			h->lost = 1; /* not tried again */
			return PQstatus(p->conn) == CONNECTION_OK ? PGS_AGAIN : rc;
		}
		if (!taken) {
			h->lost = 1;
			continue;
		}
		h->epoch = p->epoch;
		h->pid = p->backend_pid;
	}
	return 0;
}

/* Whether app is held through this handle by a hold its session lost,
 * and another may have taken since. */
static int hold_lost(struct pg *p, const char *app)
{
	struct pgs_hold *h = *find(p, app);

	return h && (h->lost || h->epoch != p->epoch);
}

int pgs_ready_to_write(struct pg *p, enum stmt s, const char *app)
{
	int rc = pgs_ready(p, s);

	if (rc == 0 && hold_lost(p, app))
		rc = pgs_failf(p, RELEASE_EBUSY,
			       "app '%s': its hold ended with its session to PostgreSQL and "
			       "could not be taken again: another session may have held it "
			       "since; nothing was written",
			       app);
	return rc;
}
