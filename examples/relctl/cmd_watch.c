/* releases --watch, releases wait: blocking until an app changes. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_releases.h"
#include "time_parse.h"

/* How long one wait of --watch lasts at most: a signal is acted on
 * within it, whatever the backend's wait does with EINTR. */
#define WATCH_SLICE_NS INT64_C(500000000)

static volatile sig_atomic_t stopped;

static void on_stop(int sig)
{
	stopped = sig;
}

static const int stop_signals[] = {SIGINT, SIGTERM};
#define NSTOP (sizeof stop_signals / sizeof stop_signals[0])

/* SIGINT and SIGTERM end the watch rather than relctl, so that it ends as
 * a finished command does (the output flushed, the store closed). */
static void catch_stop(struct sigaction old[NSTOP])
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	stopped = 0;
	for (size_t i = 0; i < NSTOP; i++) {
		sigaction(stop_signals[i], NULL, &old[i]);
		if (old[i].sa_handler != SIG_IGN) /* a background job's SIGINT stays ignored */
			sigaction(stop_signals[i], &sa, NULL);
	}
}

static void restore_stop(const struct sigaction old[NSTOP])
{
	for (size_t i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &old[i], NULL);
}

/* Prints the table when it differs from *last (the text printed last,
 * ours), so that a change the table does not show (a promotion's lease
 * taken, then let go) prints nothing. A listing that fails says so on
 * standard error. Returns the listing's exit status. */
static int print_changed(struct relctl *c, release_store *s, const release_list_opts *opts,
			 char **last)
{
	FILE *out = c->out, *mem;
	char *text = NULL;
	size_t len = 0;
	int status;

	if (!(mem = open_memstream(&text, &len)))
		return releases_print(c, s, opts);
	c->out = mem;
	status = releases_print(c, s, opts);
	c->out = out;
	if (fclose(mem) != 0 || !text) {
		free(text);
		return relctl_fail(c, RELEASE_ENOMEM);
	}
	if (!*text) { /* the listing failed, and said so */
		free(text);
	} else if (!*last || strcmp(text, *last) != 0) {
		if (*last)
			fputc('\n', out);
		fputs(text, out);
		free(*last);
		*last = text;
	} else {
		free(text);
	}
	return status;
}

int releases_watch(struct relctl *c, release_store *s, const release_list_opts *opts)
{
	struct sigaction old[NSTOP];
	release_watch *w = NULL;
	char *last = NULL;
	int rc, status;

	catch_stop(old);
	/* The watch's baseline is taken before the first listing, so that a
	 * change made while it is printed is shown after it. */
	if ((rc = release_watch_open(s, c->app, &w)) != 0) {
		status = relctl_fail(c, rc);
		goto out;
	}
	if ((status = print_changed(c, s, opts, &last)) != 0)
		goto out;
	while (!stopped && fflush(c->out) == 0 && !ferror(c->out)) {
		rc = release_watch_wait(w, WATCH_SLICE_NS);
		if (stopped)
			break;
		if (rc == RELEASE_ETIMEDOUT)
			continue;
		if (rc != 0) {
			status = relctl_fail(c, rc);
			break;
		}
		/* A listing that fails (the app deleted) says so, and the watch
		 * goes on: the app may come back. */
		c->now = testenv_now(&c->test);
		print_changed(c, s, opts, &last);
	}
out:
	free(last);
	release_watch_free(w);
	restore_stop(old);
	return status;
}

/* What `releases wait --for` waits for. */
enum wait_for { WAIT_PROMOTION, WAIT_RELEASE, WAIT_ANY };

static const char *const wait_for_words[] = {"promotion", "release", "any"};
/* "no promotion of app 'x'..." */
static const char *const wait_for_nothing[] = {"no promotion", "no new release", "no change"};

/* Where the app stood: the watch's baseline, or what --since says. */
struct state {
	int exists;
	uint64_t newest;  /* the newest release's version */
	char *active;     /* ours; NULL: none */
	uint64_t deploy;  /* the newest deployment log entry */
};

static int state_take(struct state *st, const release_watch *w)
{
	const char *active = release_watch_active(w);

	st->exists = release_watch_exists(w);
	st->newest = release_watch_newest(w);
	st->deploy = release_watch_deploy(w);
	st->active = active ? strdup(active) : NULL;
	return active && !st->active ? -1 : 0;
}

static int same_text(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static int promoted(const struct state *base, const release_watch *w, int since)
{
	const char *active = release_watch_active(w);

	/* --since names the release the caller has: any other active one is
	 * news, and a failed promotion, which leaves it active, is not. */
	if (since)
		return active && !same_text(active, base->active);
	return !same_text(active, base->active) || release_watch_deploy(w) != base->deploy;
}

static int new_release(const struct state *base, const release_watch *w)
{
	return release_watch_newest(w) > base->newest;
}

static int any_change(const struct state *base, const release_watch *w)
{
	return release_watch_exists(w) != base->exists || release_watch_newest(w) != base->newest ||
	       release_watch_deploy(w) != base->deploy ||
	       !same_text(release_watch_active(w), base->active);
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* After a promotion that failed: a note that the active release is the one
 * before (the id printed is still the active one). */
static void note_failed(struct relctl *c, release_store *s, const char *active)
{
	release_list_opts opts;
	release_deploy_iter *it;
	const release_deploy *d;

	release_list_opts_init(&opts);
	opts.limit = 1;
	if (release_deploy_list(s, c->app, &opts, &it) != 0)
		return;
	if (release_deploy_iter_next(it, &d) == 0 && release_deploy_failed(d))
		fprintf(stderr,
			"relctl: note: the %s of %s failed (history entry #%llu); %s is still "
			"active\n",
			release_deploy_kind(d) == RELEASE_DEPLOY_ROLLBACK ? "rollback" : "promotion",
			release_deploy_to(d), (unsigned long long)release_deploy_seq(d),
			active ? active : "no release");
	release_deploy_iter_free(it);
}

/* Prints what the wait was for: the active release, or the newest one. */
static int say_change(struct relctl *c, release_store *s, enum wait_for kind,
		      const struct state *base, const release_watch *w)
{
	const char *active = release_watch_active(w);
	release *r;
	int rc;

	if (kind != WAIT_RELEASE && promoted(base, w, 0)) {
		if (same_text(active, base->active))
			note_failed(c, s, active);
		if (active)
			fprintf(c->out, "%s\n", active);
		return RELCTL_EXIT_OK;
	}
	if (!release_watch_newest(w) || release_watch_newest(w) == base->newest)
		return RELCTL_EXIT_OK; /* any: the app came or went */
	if ((rc = release_get_version(s, c->app, release_watch_newest(w), &r)) != 0)
		return relctl_fail(c, rc);
	fprintf(c->out, "%s\n", release_id(r));
	release_free(r);
	return RELCTL_EXIT_OK;
}

/* --for's kind. 0, or the exit status after reporting. */
static int parse_for(const struct relctl *c, enum wait_for *out)
{
	const char *s = c->args.value[OPT_FOR];

	*out = WAIT_PROMOTION;
	if (!s)
		return 0;
	for (int k = WAIT_PROMOTION; k <= WAIT_ANY; k++)
		if (strcmp(s, wait_for_words[k]) == 0) {
			*out = (enum wait_for)k;
			return 0;
		}
	return relctl_error(RELCTL_EXIT_USAGE, "--for wants promotion, release or any, not '%s'",
			    relctl_shown(s));
}

/* --timeout's duration; INT64_MAX without one. 0, or the exit status
 * after reporting. */
static int parse_timeout(const struct relctl *c, int64_t *out)
{
	const char *s = c->args.value[OPT_TIMEOUT];

	*out = INT64_MAX;
	if (!s)
		return 0;
	switch (duration_parse(s, 1, out)) {
	case 0:
		return 0;
	case -2:
		return relctl_error(RELCTL_EXIT_USAGE, "--timeout %s is too long", relctl_shown(s));
	default:
		return relctl_error(RELCTL_EXIT_USAGE,
				    "--timeout wants a duration: 30s, 5m, 1h30m (a number alone "
				    "is seconds), not '%s'",
				    relctl_shown(s));
	}
}

/* The baseline --since sets: the caller has release r (NULL: none). 0, or
 * -1 when out of memory. */
static int since_set(struct state *base, const release *r, uint64_t newest)
{
	free(base->active);
	base->active = r ? strdup(release_id(r)) : NULL;
	base->newest = r ? release_version(r) : newest;
	return r && !base->active ? -1 : 0;
}

/*
 * --since RID|VERSION|none: the release the caller has, as the baseline's
 * active release and newest version. A release that is not there (pruned
 * while the caller was away) is not the active one: the caller has none
 * that is, as with "none", and a version given still bounds --for release.
 * A version above the newest is one the caller cannot have: not found. 0,
 * or the exit status after reporting.
 */
static int since_state(struct relctl *c, release_store *s, const release_watch *w,
		       struct state *base)
{
	const char *ref = c->args.value[OPT_SINCE];
	enum relctl_ref kind;
	uint64_t version = 0;
	release *r = NULL;
	int rc, status;

	if (strcmp(ref, "none") == 0)
		return since_set(base, NULL, 0);
	kind = relctl_parse_ref(ref, &version);
	if (kind == RELCTL_REF_BAD_VERSION ||
	    (kind == RELCTL_REF_VERSION && release_watch_exists(w) &&
	     version > release_watch_newest(w))) {
		/* It says why; a release made since the watch opened is found. */
		if ((status = relctl_get_release(c, s, ref, &r)) != 0)
			return status;
		rc = 0;
	} else {
		rc = kind == RELCTL_REF_VERSION ? release_get_version(s, c->app, version, &r)
						: release_get(s, c->app, ref, &r);
	}
	if (rc == RELEASE_EINVAL) /* not an id: say what a release word may be */
		return relctl_get_release(c, s, ref, &r);
	if (rc != 0 && rc != RELEASE_ENOTFOUND)
		return relctl_fail(c, rc);
	if (rc == RELEASE_ENOTFOUND && release_watch_exists(w))
		fprintf(stderr,
			"relctl: note: app '%s' has no release %s%s (pruned?): it is not the "
			"active release\n",
			c->app, kind == RELCTL_REF_VERSION ? "version " : "",
			relctl_shown(kind == RELCTL_REF_VERSION && ref[0] == 'v' ? ref + 1 : ref));
	rc = since_set(base, r, kind == RELCTL_REF_VERSION ? version : 0);
	release_free(r);
	return rc == 0 ? 0 : relctl_fail(c, RELEASE_ENOMEM);
}

static int is_news(enum wait_for kind, const struct state *base, const release_watch *w,
		   int since)
{
	switch (kind) {
	case WAIT_PROMOTION: return promoted(base, w, since);
	case WAIT_RELEASE: return new_release(base, w);
	default: return since ? promoted(base, w, 1) || new_release(base, w) : any_change(base, w);
	}
}

int cmd_releases_wait(struct relctl *c)
{
	int since = c->args.value[OPT_SINCE] != NULL;
	struct state base = {0, 0, NULL, 0};
	release_watch *w = NULL;
	release_store *s;
	enum wait_for kind;
	int64_t timeout, deadline;
	int rc, status;

	if ((status = relctl_app_word(c)) != 0 || (status = parse_for(c, &kind)) != 0 ||
	    (status = parse_timeout(c, &timeout)) != 0)
		return status;
	if (!(s = relctl_store(c, &status)))
		return status;
	deadline = timeout == INT64_MAX || timeout > INT64_MAX - monotonic_ns()
			   ? INT64_MAX
			   : monotonic_ns() + timeout;
	if ((rc = release_watch_open(s, c->app, &w)) != 0)
		return relctl_fail(c, rc);
	if (state_take(&base, w) != 0) {
		status = relctl_fail(c, RELEASE_ENOMEM);
		goto out;
	}
	/* A mistyped name would wait for ever in silence. */
	if (!base.exists)
		fprintf(stderr, "relctl: note: app '%s' does not exist: waiting for it to be created\n",
			c->app);
	if (since && (status = since_state(c, s, w, &base)) != 0)
		goto out;
	/* With --since, what is there already may be the news. */
	while (!(since && is_news(kind, &base, w, since))) {
		int64_t left = deadline == INT64_MAX ? INT64_MAX : deadline - monotonic_ns();

		rc = release_watch_wait(w, left > 0 ? left : 0);
		if (rc == RELEASE_ETIMEDOUT) {
			status = relctl_error(relctl_status_of(rc), "%s of app '%s' within %s",
					      wait_for_nothing[kind], c->app,
					      relctl_shown(c->args.value[OPT_TIMEOUT]));
			goto out;
		}
		if (rc != 0) {
			status = relctl_fail(c, rc);
			goto out;
		}
		if (base.exists && !release_watch_exists(w) && kind != WAIT_ANY) {
			status = relctl_error(RELCTL_EXIT_NOTFOUND, "app '%s' was deleted", c->app);
			goto out;
		}
		if (!since && is_news(kind, &base, w, 0))
			break;
	}
	status = say_change(c, s, kind, &base, w);
out:
	free(base.active);
	release_watch_free(w);
	return status;
}
