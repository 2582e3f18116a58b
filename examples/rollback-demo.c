/*
 * rollback-demo: the scenario of Convox's "Rollbacks" page, run on the real
 * library and printed the way Convox's CLI prints it.
 *
 * myapp gets a complete build and its release, promoted; then `env set
 * FOO=bar` makes a second release, promoted too. The second one "caused a
 * problem", so the app is rolled back to the first: a new release copying
 * it is written and promoted by a deployer that imitates a Kubernetes
 * rolling update, streaming its events.
 *
 * The store is given a clock that this program advances by hand (the
 * deployer advances it too, as if it waited for Kubernetes), so that ages
 * read "5 minutes ago" as in the seed rather than "now", and event times
 * differ. Everything else is the library's doing, through the public API:
 * ids, versions, the active pointer, the lease, the copy and its events.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <librelease/release.h>

#include "common/print.h"

#define APP "myapp"

/* 2019-01-01T00:00:00Z, the day of the seed's transcript. */
#define DEMO_START (INT64_C(1546300800) * INT64_C(1000000000))
#define SECONDS(n) ((int64_t)(n) * INT64_C(1000000000))
#define MINUTES(n) (60 * SECONDS(n))

struct demo_clock {
	int64_t now;
};

static int64_t demo_clock_now(void *payload)
{
	return ((const struct demo_clock *)payload)->now;
}

/* What the imitation of a rolling update needs to know. */
struct rolling_update {
	struct demo_clock *clock;
	const char *app;
};

/* Reports one event, seconds after the previous one. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static int report(release_events *events, struct demo_clock *clock, int seconds,
		  const char *source, const char *fmt, ...)
{
	char message[256];
	va_list ap;

	clock->now += SECONDS(seconds);
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	return release_events_emit(events, source, message);
}

/* Lower-cases an id's letters after its prefix: names for the fake pods. */
static void lower_tail(char *out, size_t size, const char *id, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < size && i < n && id[i + 1]; i++)
		out[i] = (char)tolower((unsigned char)id[i + 1]);
	out[i] = '\0';
}

/*
 * A release_deploy_fn imitating Kubernetes: a replica set named after the
 * release, one pod that pulls the build's image and starts. A real deployer
 * would run kubectl (or systemctl, or swap a symlink) here.
 */
static int rolling_update(void *payload, const release *r, release_events *events)
{
	struct rolling_update *u = payload;
	const char *build = release_build_of(r) ? release_build_of(r) : "none";
	char hash[16], suffix[8], rs[40], pod[48], rs_src[64], pod_src[64];
	int rc;

	lower_tail(hash, sizeof hash, release_id(r), 9);
	lower_tail(suffix, sizeof suffix, build, 5);
	snprintf(rs, sizeof rs, "web-%s", hash);
	snprintf(pod, sizeof pod, "%s-%s", rs, suffix);
	snprintf(rs_src, sizeof rs_src, "system/k8s/%s", rs);
	snprintf(pod_src, sizeof pod_src, "system/k8s/%s", pod);

	rc = report(events, u->clock, 2, "system/k8s/web", "Scaled up replica set %s to 1", rs);
	if (rc == 0)
		rc = report(events, u->clock, 0, rs_src, "Created pod: %s", pod);
	if (rc == 0)
		rc = report(events, u->clock, 0, pod_src,
			    "Successfully assigned convox-%s/%s to instance-0a1b2c3d4e5f", u->app,
			    pod);
	if (rc == 0)
		rc = report(events, u->clock, 0, pod_src,
			    "Pulling image \"registry.host/convox/%s:web.%s\"", u->app, build);
	if (rc == 0)
		rc = report(events, u->clock, 4, pod_src,
			    "Successfully pulled image \"registry.host/convox/%s:web.%s\"", u->app,
			    build);
	if (rc == 0)
		rc = report(events, u->clock, 1, pod_src, "Created container main");
	if (rc == 0)
		rc = report(events, u->clock, 0, pod_src, "Started container main");
	return rc;
}

static int failed(release_store *store, int rc, const char *what)
{
	fprintf(stderr, "rollback-demo: %s: %s: %s\n", what, release_strerror(rc),
		release_store_errmsg(store));
	return 1;
}

int main(void)
{
	static const char *const env[] = {"FOO=bar"};
	struct demo_clock clock = {DEMO_START};
	struct rolling_update update = {&clock, APP};
	release_store_opts store_opts;
	release_build_opts build_opts;
	release_promote_opts promote_opts;
	release_store *store = NULL;
	release_build *build = NULL;
	release *first = NULL, *second = NULL, *copy = NULL;
	int rc, status = 1;

	release_store_opts_init(&store_opts);
	store_opts.clock = demo_clock_now;
	store_opts.clock_payload = &clock;
	if ((rc = release_store_open(&store, "memory:", &store_opts)) != 0)
		return failed(NULL, rc, "opening the store");

	release_build_opts_init(&build_opts);
	build_opts.description = "build 0a1b2c3d4e5f my commit message";
	build_opts.status = RELEASE_BUILD_COMPLETE;
	if ((rc = release_app_create(store, APP, NULL)) != 0) {
		status = failed(store, rc, "creating the app");
		goto out;
	}
	if ((rc = release_build_create(store, APP, &build_opts, &build)) != 0) {
		status = failed(store, rc, "creating the build");
		goto out;
	}
	if ((rc = release_create(store, APP, release_build_id(build), &first)) != 0 ||
	    (rc = release_promote(store, APP, release_id(first), NULL)) != 0) {
		status = failed(store, rc, "releasing the build");
		goto out;
	}
	clock.now += MINUTES(4);
	if ((rc = release_env_set(store, APP, env, 1, &second)) != 0 ||
	    (rc = release_promote(store, APP, release_id(second), NULL)) != 0) {
		status = failed(store, rc, "setting FOO=bar");
		goto out;
	}
	clock.now += MINUTES(1);

	printf("# %s: build %s is complete; its release %s was promoted.\n", APP,
	       release_build_id(build), release_id(first));
	printf("# Then `env set FOO=bar` made release %s, promoted too.\n\n", release_id(second));
	printf("$ relctl releases -a %s\n", APP);
	if ((rc = print_releases(stdout, store, APP, NULL, clock.now)) != 0) {
		status = failed(store, rc, "listing releases");
		goto out;
	}

	clock.now += MINUTES(3);
	printf("\n$ relctl releases rollback %s -a %s\n", release_id(first), APP);
	printf("Rolling back to %s...\n", release_id(first));
	fflush(stdout);
	release_promote_opts_init(&promote_opts);
	promote_opts.deploy = rolling_update;
	promote_opts.deploy_payload = &update;
	promote_opts.on_event = print_event;
	promote_opts.event_payload = stdout;
	if ((rc = release_rollback(store, APP, release_id(first), &promote_opts, &copy)) != 0) {
		status = failed(store, rc, "rolling back");
		goto out;
	}
	printf("OK, %s\n", release_id(copy));

	clock.now += MINUTES(1);
	printf("\n$ relctl releases -a %s\n", APP);
	if ((rc = print_releases(stdout, store, APP, NULL, clock.now)) != 0) {
		status = failed(store, rc, "listing releases");
		goto out;
	}
	status = fflush(stdout) == 0 ? 0 : 1;
out:
	release_free(copy);
	release_free(second);
	release_free(first);
	release_build_free(build);
	release_store_close(store);
	return status;
}
