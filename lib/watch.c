/*
 * Watches: waiting for an app to change. A change is any difference in
 * what state_read() reads: the app record (created, deleted, created
 * again), the newest release, the active pointer, the newest entry of the
 * deployment log. The backend's wait() sleeps until a commit may have
 * made one; without it, the core looks every WATCH_POLL_NS.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WATCH_POLL_NS ((int64_t)100 * 1000000)

struct state {
	struct raw app, active;
	uint64_t newest, deploy;
	struct active_ptr ptr;
};

struct release_watch {
	release_store *s;
	char app[64];
	struct state seen;
	int check_rc; /* check()'s error, with the store's message */
	int changed;  /* check() saw a change: only this is trusted */
};

static void state_free(struct state *st)
{
	raw_free(&st->app);
	raw_free(&st->active);
	memset(st, 0, sizeof *st);
}

static int state_read(release_store *s, const char *app, struct state *st)
{
	struct raw raw;
	int rc;

	memset(st, 0, sizeof *st);
	rc = require_app_raw(s, app, &st->app);
	if (rc == RELEASE_ENOTFOUND) {
		clear_error(s);
		return 0; /* an app that is not there has nothing else */
	}
	if (rc == 0)
		rc = read_active(s, app, &st->ptr, &st->active);
	if (rc == 0 && (rc = read_newest(s, app, RELEASE_KIND_RELEASE, &raw)) == 0) {
		st->newest = raw.found ? raw.seq : 0;
		raw_free(&raw);
	}
	if (rc == 0 && has_deploy_log(s) &&
	    (rc = read_newest(s, app, RELEASE_KIND_DEPLOY, &raw)) == 0) {
		st->deploy = raw.found ? raw.seq : 0;
		raw_free(&raw);
	}
	if (rc != 0)
		state_free(st);
	return rc;
}

static int raw_same(const struct raw *a, const struct raw *b)
{
	return a->found == b->found && a->len == b->len &&
	       (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static int state_same(const struct state *a, const struct state *b)
{
	return raw_same(&a->app, &b->app) && raw_same(&a->active, &b->active) &&
	       a->newest == b->newest && a->deploy == b->deploy;
}

/* The state as of one moment: its four reads are apart, so a commit
 * applied between them (a new log entry read with the old pointer) would
 * mix two states; reading until two reads in a row agree does not. */
static int state_settled(release_store *s, const char *app, struct state *out)
{
	struct state again;
	int rc = state_read(s, app, out);

	for (int i = 0; rc == 0 && i < WRITE_ATTEMPTS; i++) {
		if ((rc = state_read(s, app, &again)) != 0)
			break;
		if (state_same(out, &again)) {
			state_free(&again);
			return 0;
		}
		state_free(out);
		*out = again;
	}
	if (rc == 0)
		rc = fail(s, RELEASE_ECONFLICT, "app '%s' kept changing while it was read", app);
	state_free(out);
	return rc;
}

/* The backend's check: 1 (and the new state kept) on a change. */
static int check(void *payload)
{
	release_watch *w = payload;
	struct state now;
	int rc = state_settled(w->s, w->app, &now);

	if (rc != 0) {
		w->check_rc = rc;
		return rc;
	}
	if (state_same(&now, &w->seen)) {
		state_free(&now);
		return 0;
	}
	state_free(&w->seen);
	w->seen = now;
	w->changed = 1;
	return 1;
}

RELEASE_API int release_watch_open(release_store *store, const char *app, release_watch **out)
{
	release_watch *w;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = enter(store, !out)) != 0 || (rc = check_app(store, app)) != 0)
		return rc;
	if (!(w = calloc(1, sizeof *w)))
		return fail(store, RELEASE_ENOMEM, "out of memory");
	w->s = store;
	strcpy(w->app, app);
	if ((rc = state_settled(store, app, &w->seen)) != 0) {
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

static int64_t monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Without the backend's wait(): look, then sleep, until the deadline. */
static int poll_wait(release_watch *w, int64_t timeout_ns)
{
	int64_t deadline = time_after(monotonic(), timeout_ns);

	for (;;) {
		int rc = check(w);
		int64_t left;
		struct timespec ts;

		if (rc != 0)
			return rc;
		if ((left = deadline - monotonic()) <= 0)
			return 0;
		if (left > WATCH_POLL_NS)
			left = WATCH_POLL_NS;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left;
		nanosleep(&ts, NULL);
	}
}

RELEASE_API int release_watch_wait(release_watch *w, int64_t timeout_ns)
{
	release_store *s;
	int rc;

	if (!w)
		return RELEASE_EINVAL;
	s = w->s;
	clear_error(s);
	if (timeout_ns < 0)
		return fail(s, RELEASE_EINVAL, "timeout_ns is negative");
	w->check_rc = 0;
	w->changed = 0;
	if (s->st->version >= 3 && s->st->wait)
		rc = s->st->wait(s->ctx, w->app, timeout_ns, check, w);
	else
		rc = poll_wait(w, timeout_ns);
	/* What check() saw is the answer, whatever the backend returned: a
	 * change it saw is never lost, nor one it did not see made up. */
	if (w->changed)
		return 0;
	if (w->check_rc && w->check_rc == rc)
		return rc; /* worded by the read that failed */
	if (rc < 0)
		return fail_backend(s, rc, "waiting for a change");
	return fail(s, RELEASE_ETIMEDOUT, "app '%s': nothing changed in time", w->app);
}

RELEASE_API uint64_t release_watch_newest(const release_watch *w)
{
	return w ? w->seen.newest : 0;
}

RELEASE_API const char *release_watch_active(const release_watch *w)
{
	return w && w->seen.ptr.id[0] ? w->seen.ptr.id : NULL;
}

RELEASE_API uint64_t release_watch_deploy(const release_watch *w)
{
	return w ? w->seen.deploy : 0;
}

RELEASE_API int release_watch_exists(const release_watch *w)
{
	return w ? w->seen.app.found != 0 : 0;
}

RELEASE_API void release_watch_free(release_watch *w)
{
	if (!w)
		return;
	state_free(&w->seen);
	free(w);
}
