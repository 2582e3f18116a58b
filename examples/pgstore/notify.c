/*
 * wait() (version 3): sleeping until an app's records may have changed,
 * woken by the notifications schema version 3's trigger sends on channel
 * PGS_CHANNEL, with the app's name as payload, when a change commits.
 *
 * A connection LISTENs once, on the first wait() with a timeout, and stays
 * listening while it lives; a reconnection (a new epoch) starts without it,
 * so the next wait arms it again. libpq queues the notifications it reads
 * with any result, including those of the queries check() runs, and every
 * method takes them from that queue first (pgs_take_notifies()), noting
 * whether one is for the app a wait is in progress for. So a change
 * committed while check() reads is not lost: its notification marks the
 * wait woken, and the wait checks again instead of sleeping.
 *
 * The socket is polled for at most a second at a time, and the app checked
 * again after each of those sleeps, woken or not: a notification missed for
 * a reason nobody foresaw costs a second, not the whole timeout.
 */
#include "pgstore_internal.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#define NS 1000000000LL
#define SLEEP_MAX_NS NS /* the longest sleep between two checks */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

void pgs_take_notifies(struct pg *p)
{
	PGnotify *n;

	if (!p->listening)
		return;
	while ((n = PQnotifies(p->conn)) != NULL) {
		if (p->wait_for && strcmp(n->relname, PGS_CHANNEL) == 0 &&
		    strcmp(n->extra, p->wait_for) == 0)
			p->woken = 1;
		PQfreemem(n);
	}
}

/* LISTENs on this connection unless it does already. */
static int arm(struct pg *p)
{
	PGresult *res;
	int rc;

	if (p->listening && p->listen_epoch == p->epoch && pgs_connected(p))
		return 0;
	if (!(res = pgs_run(p, S_LISTEN, NULL, PGRES_COMMAND_OK, &rc)))
		return rc;
	PQclear(res);
	p->listening = 1;
	p->listen_epoch = p->epoch; /* pgs_run reconnected first if it had to */
	return 0;
}

/* Sleeps until the socket has something to read or ns pass; then reads
 * what came, which queues the notifications. 0, or RELEASE_EIO when the
 * connection is gone. */
static int sleep_on_socket(struct pg *p, int64_t ns)
{
	struct pollfd fd = {.fd = PQsocket(p->conn), .events = POLLIN};
	int ms = (int)((ns + 999999) / 1000000), got;

	if (fd.fd < 0)
		return pgs_failf(p, RELEASE_EIO, "waiting: connection to PostgreSQL lost");
	got = poll(&fd, 1, ms);
	if (got < 0 && errno != EINTR)
		return pgs_failf(p, RELEASE_EIO, "waiting: poll: %s", strerror(errno));
	if (got > 0 && !PQconsumeInput(p->conn)) /* the next call reconnects */
		return pgs_failf(p, RELEASE_EIO, "waiting: connection to PostgreSQL lost: %s",
				 PQerrorMessage(p->conn));
	pgs_take_notifies(p);
	return 0;
}

/* The loop of wait(), with p->wait_for set. */
static int wait_for(struct pg *p, int64_t timeout_ns, int (*check)(void *payload),
		    void *payload)
{
	int64_t start = now_ns();
	int rc;

	for (;;) {
		int64_t slept = 0;

		/* armed before the check, so that a change it misses is heard of */
		if (timeout_ns > 0 && (rc = arm(p)) != 0)
			return rc;
		pgs_take_notifies(p); /* those that came before the check below */
		p->woken = 0;
		if ((rc = check(payload)) != 0)
			return rc;
		if (timeout_ns == 0)
			return 0;
		pgs_take_notifies(p); /* and those that came during it */
		for (;;) {
			int64_t left = timeout_ns == INT64_MAX ? INT64_MAX
							       : timeout_ns - (now_ns() - start);
			int64_t before = now_ns();

			if (left <= 0)
				return 0;
			/* woken, or check() reconnected (LISTEN again), or a
			 * second passed: check again */
			if (p->woken || p->listen_epoch != p->epoch || slept >= SLEEP_MAX_NS)
				break;
			if ((rc = sleep_on_socket(p, left < SLEEP_MAX_NS - slept
							     ? left
							     : SLEEP_MAX_NS - slept)) != 0)
				return rc;
			slept += now_ns() - before;
		}
	}
}

int pgs_wait(void *ctx, const char *app, int64_t timeout_ns, int (*check)(void *payload),
	     void *payload)
{
	struct pg *p = pgs_begin(ctx);
	int rc;

	if ((rc = pgs_check_record(p, app, RELEASE_KIND_META, NULL, 0)) != 0)
		return rc;
	if (!check || timeout_ns < 0)
		return pgs_failf(p, RELEASE_EINVAL, "app '%s': wait with %s", app,
				 check ? "a negative timeout" : "check NULL");
	if (p->wait_for)
		return pgs_failf(p, RELEASE_EINVAL, "app '%s': wait called from its own check",
				 app);
	p->wait_for = app;
	rc = wait_for(p, timeout_ns, check, payload);
	p->wait_for = NULL;
	p->woken = 0;
	return rc;
}
