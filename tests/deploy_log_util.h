/* Helpers of the deployment log's tests; each asserts success. */
#ifndef RELEASE_TEST_DEPLOY_LOG_UTIL_H
#define RELEASE_TEST_DEPLOY_LOG_UTIL_H

#include "harness.h"

#include <stdio.h>
#include <string.h>

#define SEC INT64_C(1000000000)

/* The log's tests run where a log is kept; a version-1 backend has its
 * own tests at the end. */
#define NEEDS_LOG()                                                                    \
	do {                                                                           \
		if (test_store_is_v1()) {                                              \
			skip();                                                        \
			return;                                                        \
		}                                                                      \
	} while (0)

/* A deployer returning *(int *)payload. */
static inline int deploy_returns(void *payload, const release *r, release_events *ev)
{
	(void)r;
	(void)ev;
	return *(int *)payload;
}

static inline int fail_promote(release_store *s, const char *app, const char *id, int code)
{
	release_promote_opts o;

	release_promote_opts_init(&o);
	o.deploy = deploy_returns;
	o.deploy_payload = &code;
	return release_promote(s, app, id, &o);
}

static inline void force_promote(release_store *s, const char *app, const char *id)
{
	release_promote_opts o;

	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_FORCE;
	assert_store_ok(s, release_promote(s, app, id, &o));
}

/* The entries of app's log, newest first, as copies (at most max). */
static inline size_t read_log(release_store *s, const char *app, const release_list_opts *opts,
		       release_deploy **out, size_t max)
{
	release_deploy_iter *it = NULL;
	const release_deploy *d = NULL;
	size_t n = 0;
	int rc;

	assert_store_ok(s, release_deploy_list(s, app, opts, &it));
	while ((rc = release_deploy_iter_next(it, &d)) == 0) {
		assert_non_null(d);
		assert_true(n < max);
		assert_non_null(out[n++] = release_deploy_dup(d));
	}
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_deploy_iter_free(it);
	return n;
}

static inline void free_log(release_deploy **e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		release_deploy_free(e[i]);
}

static inline size_t log_length(release_store *s, const char *app)
{
	release_deploy *e[64];
	size_t n = read_log(s, app, NULL, e, 64);

	free_log(e, n);
	return n;
}

/* The newest entry (caller frees). */
static inline release_deploy *newest(release_store *s, const char *app)
{
	release_deploy *e[64];
	size_t n = read_log(s, app, NULL, e, 64);

	assert_true(n > 0);
	for (size_t i = 1; i < n; i++)
		release_deploy_free(e[i]);
	return e[0];
}

static inline void assert_same_entry(const release_deploy *a, const release_deploy *b)
{
	assert_int_equal(release_deploy_seq(a), release_deploy_seq(b));
	assert_int_equal(release_deploy_kind(a), release_deploy_kind(b));
	assert_int_equal(release_deploy_failed(a), release_deploy_failed(b));
	assert_int_equal(release_deploy_forced(a), release_deploy_forced(b));
	if (release_deploy_from(b))
		assert_text_equal(release_deploy_from(a), release_deploy_from(b));
	else
		assert_null(release_deploy_from(a));
	assert_int_equal(release_deploy_from_version(a), release_deploy_from_version(b));
	assert_text_equal(release_deploy_to(a), release_deploy_to(b));
	assert_int_equal(release_deploy_to_version(a), release_deploy_to_version(b));
	if (release_deploy_target(b))
		assert_text_equal(release_deploy_target(a), release_deploy_target(b));
	else
		assert_null(release_deploy_target(a));
	assert_text_equal(release_deploy_actor(a), release_deploy_actor(b));
	assert_int_equal(release_deploy_started(a), release_deploy_started(b));
	assert_int_equal(release_deploy_ended(a), release_deploy_ended(b));
	assert_int_equal(release_deploy_until(a), release_deploy_until(b));
}

/* Three releases of "myapp" (caller frees). */
static inline void three_releases(release_store *s, release *r[3])
{
	make_app(s, "myapp");
	r[0] = make_build_release(s, "myapp", "one");
	r[1] = make_build_release(s, "myapp", "two");
	r[2] = make_build_release(s, "myapp", "three");
}

static inline void free3(release *r[3])
{
	for (int i = 0; i < 3; i++)
		release_free(r[i]);
}

/* "myapp" with a log of n entries: promotions of n releases, every third
 * one (seq 3, 6, ...) failed. Returns the ended times by seq (ended[seq]). */
static inline void long_log(release_store *s, size_t n, int64_t *ended)
{
	release_deploy *e[64];
	size_t got;

	make_app(s, "myapp");
	for (size_t i = 1; i <= n; i++) {
		release *r = make_build_release(s, "myapp", "r");

		if (i % 3 == 0)
			assert_int_equal(fail_promote(s, "myapp", release_id(r), 1), RELEASE_EDEPLOY);
		else
			promote(s, "myapp", release_id(r));
		release_free(r);
	}
	got = read_log(s, "myapp", NULL, e, 64);
	assert_int_equal(got, n);
	for (size_t i = 0; i < got; i++)
		ended[release_deploy_seq(e[i])] = release_deploy_ended(e[i]);
	free_log(e, got);
}

static inline void deploy_at(release_store *s, int64_t t, uint64_t want_seq)
{
	release_deploy *d = NULL;
	int rc = release_deploy_at(s, "myapp", t, &d);

	if (rc != 0)
		fail_msg("deploy_at(%lld) -> %d (%s), want entry %llu", (long long)t, rc,
			 release_strerror(rc), (unsigned long long)want_seq);
	assert_non_null(d);
	if (release_deploy_seq(d) != want_seq)
		fail_msg("deploy_at(%lld) -> entry %llu, want %llu", (long long)t,
			 (unsigned long long)release_deploy_seq(d), (unsigned long long)want_seq);
	release_deploy_free(d);
}

#endif
