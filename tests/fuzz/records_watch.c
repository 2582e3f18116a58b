/*
 * fuzz-records: watches. One opened after the first reads must tell what
 * they read (the app's existence, its active release, the newest release
 * and deployment log entry) and see no change until the writes; after
 * them, release_watch_wait() must leave it telling what a watch opened
 * then tells: the new state on a change, the baseline on a timeout.
 * Waits are of 0 ns (one look), so the target never sleeps.
 */
#include "records.h"

#include <string.h>

struct wstate {
	int exists;
	uint64_t newest, deploy;
	char active[16]; /* "": none */
};

static void state_of(const release_watch *w, struct wstate *st)
{
	const char *a = release_watch_active(w);

	memset(st, 0, sizeof *st);
	st->exists = release_watch_exists(w);
	st->newest = release_watch_newest(w);
	st->deploy = release_watch_deploy(w);
	if (a && !records_id_shape(a, 'R'))
		fz_finding("a watch says '%s' is active", a);
	if (a)
		strcpy(st->active, a);
	if (st->exists != 0 && st->exists != 1)
		fz_finding("release_watch_exists gave %d", st->exists);
	if (!st->exists && (st->newest || st->deploy || a))
		fz_finding("a watch of an app that does not exist tells release %llu, entry %llu, "
			   "active %s",
			   (unsigned long long)st->newest, (unsigned long long)st->deploy,
			   a ? a : "(none)");
}

static const char *state_diff(const struct wstate *a, const struct wstate *b)
{
	if (a->exists != b->exists)
		return "whether the app exists";
	if (a->newest != b->newest)
		return "the newest release";
	if (a->deploy != b->deploy)
		return "the newest deployment log entry";
	if (strcmp(a->active, b->active) != 0)
		return "the active release";
	return NULL;
}

/* release_watch_wait() returns 0, RELEASE_ETIMEDOUT or a RELEASE_E* code. */
static int wait_rc(int rc)
{
	if (rc > 0 || rc < RELEASE_ETIMEDOUT || rc == RELEASE_ITEROVER)
		fz_finding("release_watch_wait returned %d", rc);
	return rc;
}

/* What the watch tells against what the reads before it read. */
static void check_against(const release_watch *w, const struct seen *seen, int older)
{
	struct wstate st;

	state_of(w, &st);
	if (seen->app_rc == 0 && !st.exists)
		fz_finding("release_app_get found the app; a watch says it does not exist");
	if (seen->app_rc == RELEASE_ENOTFOUND && st.exists)
		fz_finding("release_app_get did not find the app; a watch says it exists");
	if (seen->app_rc == 0 && strcmp(st.active, seen->active) != 0)
		fz_finding("release_app_get says %s is active; a watch says %s",
			   seen->active[0] ? seen->active : "nothing",
			   st.active[0] ? st.active : "nothing");
	if (seen->rel_clean && st.newest != (seen->rel_count ? seen->ver[0] : 0))
		fz_finding("the newest release listed is %llu; a watch says %llu",
			   (unsigned long long)(seen->rel_count ? seen->ver[0] : 0),
			   (unsigned long long)st.newest);
	if (older && st.deploy)
		fz_finding("a watch on a backend without a deployment log tells entry %llu",
			   (unsigned long long)st.deploy);
	if (!older && seen->dep_clean && st.deploy != seen->dep_top)
		fz_finding("the newest deployment log entry listed is %llu; a watch says %llu",
			   (unsigned long long)seen->dep_top, (unsigned long long)st.deploy);
}

/* Opens a watch; checks it against seen and that it sees no change. */
static release_watch *open_still(release_store *s, const struct seen *seen, int older)
{
	release_watch *w = NULL;
	struct wstate before, after;
	const char *what;
	int rc = fz_rc(release_watch_open(s, RECORDS_APP, &w), "release_watch_open");

	if (rc != 0) {
		if (w)
			fz_finding("release_watch_open failed but set *out");
		return NULL;
	}
	check_against(w, seen, older);
	state_of(w, &before);
	rc = wait_rc(release_watch_wait(w, 0));
	if (rc != RELEASE_ETIMEDOUT)
		fz_finding("a watch saw %s where nothing changed",
			   rc == 0 ? "a change" : release_strerror(rc));
	state_of(w, &after);
	if ((what = state_diff(&before, &after)))
		fz_finding("a watch that timed out changed %s", what);
	return w;
}

static int older_backend(const unsigned char *params)
{
	return (params[P_FLAGS2] & P_F2_OLDER) != 0;
}

release_watch *records_watch_open(release_store *s, const unsigned char *params,
				  const struct seen *seen)
{
	if (wait_rc(release_watch_wait(NULL, 0)) != RELEASE_EINVAL)
		fz_finding("release_watch_wait(NULL) is not RELEASE_EINVAL");
	return open_still(s, seen, older_backend(params));
}

void records_watch_after(release_store *s, const unsigned char *params, release_watch *w,
			 const struct seen *seen)
{
	struct wstate base, now, fresh;
	release_watch *w2;
	const char *what;
	int rc;

	if (!w)
		return;
	state_of(w, &base);
	if (wait_rc(release_watch_wait(w, -1)) != RELEASE_EINVAL)
		fz_finding("release_watch_wait with a negative timeout is not RELEASE_EINVAL");
	rc = wait_rc(release_watch_wait(w, 0));
	state_of(w, &now);
	if (rc != 0 && (what = state_diff(&base, &now)))
		fz_finding("release_watch_wait failed (%s) but changed %s", release_strerror(rc), what);
	if ((w2 = open_still(s, seen, older_backend(params)))) {
		state_of(w2, &fresh);
		if ((rc == 0 || rc == RELEASE_ETIMEDOUT) && (what = state_diff(&now, &fresh)))
			fz_finding("after release_watch_wait (%s), a watch tells another %s than a "
				   "watch opened then",
				   rc == 0 ? "a change" : "timed out", what);
	}
	release_watch_free(w2);
	release_watch_free(w);
}
