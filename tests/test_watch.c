/* Watches: waiting until an app changes, with a timeout. */
#include "harness.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)

static int64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * SEC + ts.tv_nsec;
}

static release_watch *watch(release_store *s, const char *app)
{
	release_watch *w = NULL;

	assert_store_ok(s, release_watch_open(s, app, &w));
	assert_non_null(w);
	return w;
}

/* A wait that must report a change at once (it was made before). */
static void assert_changed(release_store *s, release_watch *w)
{
	int rc = release_watch_wait(w, 0);

	if (rc != 0)
		fail_msg("wait -> %d (%s), want a change: %s", rc, release_strerror(rc),
			 release_store_errmsg(s));
}

static void assert_unchanged(release_watch *w)
{
	assert_int_equal(release_watch_wait(w, 0), RELEASE_ETIMEDOUT);
}

static int deploy_fails(void *payload, const release *r, release_events *ev)
{
	(void)payload;
	(void)r;
	(void)ev;
	return 1;
}

/* "myapp" with two releases, the first promoted; returns the second. */
static release *seeded(release_store *s)
{
	release *r1, *r2;

	make_app(s, "myapp");
	r1 = make_build_release(s, "myapp", "one");
	promote(s, "myapp", release_id(r1));
	release_free(r1);
	r2 = make_build_release(s, "myapp", "two");
	return r2;
}

/* ---------------------------------------------------------- the baseline */

static void a_watch_starts_at_the_apps_state(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s);
	release_watch *w = watch(f->s, "myapp");

	assert_int_equal(release_watch_exists(w), 1);
	assert_int_equal(release_watch_newest(w), 2);
	assert_text_equal(release_watch_active(w), active_of(f->s, "myapp"));
	assert_int_equal(release_watch_deploy(w), test_store_is_v1() ? 0 : 1);
	release_watch_free(w);
	release_free(r2);
}

static void a_watch_of_an_app_not_created_yet_starts_empty(void **state)
{
	struct fixture *f = *state;
	release_watch *w = watch(f->s, "later");

	assert_int_equal(release_watch_exists(w), 0);
	assert_int_equal(release_watch_newest(w), 0);
	assert_null(release_watch_active(w));
	assert_int_equal(release_watch_deploy(w), 0);
	release_watch_free(w);
}

static void nothing_changed_is_etimedout_at_once_with_timeout_0(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s);
	release_watch *w = watch(f->s, "myapp");
	int64_t t0 = mono_now();

	assert_int_equal(release_watch_wait(w, 0), RELEASE_ETIMEDOUT);
	assert_true(mono_now() - t0 < 500 * MS);
	release_watch_free(w);
	release_free(r2);
}

static void nothing_changed_is_etimedout_after_the_timeout(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s);
	release_watch *w = watch(f->s, "myapp");
	int64_t t0 = mono_now(), took;

	assert_int_equal(release_watch_wait(w, 250 * MS), RELEASE_ETIMEDOUT);
	took = mono_now() - t0;
	if (took < 250 * MS || took > 1250 * MS)
		fail_msg("a wait of 250 ms took %lld ms", (long long)(took / MS));
	release_watch_free(w);
	release_free(r2);
}

static void a_frozen_store_clock_does_not_stop_the_timeout(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s);
	release_watch *w = watch(f->s, "myapp");
	int64_t t0, took;

	f->clock.step = 0;
	t0 = mono_now();
	assert_int_equal(release_watch_wait(w, 200 * MS), RELEASE_ETIMEDOUT);
	took = mono_now() - t0;
	if (took < 200 * MS || took > 1200 * MS)
		fail_msg("a wait of 200 ms took %lld ms", (long long)(took / MS));
	release_watch_free(w);
	release_free(r2);
}

/* ------------------------------------------------- each change reported */

static void a_new_release_is_reported(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s);
	release_watch *w = watch(f->s, "myapp");
	release *r3 = make_build_release(f->s, "myapp", "three");

	assert_changed(f->s, w);
	assert_int_equal(release_watch_newest(w), release_version(r3));
	assert_int_equal(release_watch_exists(w), 1);
	release_watch_free(w);
	release_free(r2);
	release_free(r3);
}

static void an_env_change_is_reported(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s);
	release_watch *w = watch(f->s, "myapp");
	const char *key = "FOO";
	release *r = set_env(f->s, "myapp", "FOO=1");

	assert_changed(f->s, w);
	assert_int_equal(release_watch_newest(w), release_version(r));
	release_free(r);
	r = NULL;
	assert_store_ok(f->s, release_env_unset(f->s, "myapp", &key, 1, &r));
	assert_changed(f->s, w);
	assert_int_equal(release_watch_newest(w), release_version(r));
	release_watch_free(w);
	release_free(r);
	release_free(r2);
}

static void a_promotion_is_reported(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s);
	release_watch *w = watch(f->s, "myapp");

	promote(f->s, "myapp", release_id(r2));
	assert_changed(f->s, w);
	assert_text_equal(release_watch_active(w), release_id(r2));
	assert_int_equal(release_watch_newest(w), 2);
	assert_int_equal(release_watch_deploy(w), test_store_is_v1() ? 0 : 2);
	release_watch_free(w);
	release_free(r2);
}

static void a_first_promotion_is_reported(void **state)
{
	struct fixture *f = *state;
	release_watch *w;
	release *r;

	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "one");
	w = watch(f->s, "myapp");
	assert_null(release_watch_active(w));
	promote(f->s, "myapp", release_id(r));
	assert_changed(f->s, w);
	assert_text_equal(release_watch_active(w), release_id(r));
	release_watch_free(w);
	release_free(r);
}

static void a_rollback_is_reported(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s), *copy = NULL;
	release_watch *w;

	promote(f->s, "myapp", release_id(r2));
	w = watch(f->s, "myapp");
	assert_store_ok(f->s, release_rollback(f->s, "myapp", NULL, NULL, &copy));
	assert_changed(f->s, w);
	assert_text_equal(release_watch_active(w), release_id(copy));
	assert_int_equal(release_watch_newest(w), release_version(copy));
	assert_int_equal(release_watch_deploy(w), test_store_is_v1() ? 0 : 3);
	release_watch_free(w);
	release_free(copy);
	release_free(r2);
}

static void a_failed_promotion_is_reported(void **state)
{
	struct fixture *f = *state;
	release_promote_opts o;
	release_watch *w;
	char active[32];
	release *r2;

	if (test_store_is_v1()) {
		skip(); /* told by the deployment log, which version 1 has not */
		return;
	}
	r2 = seeded(f->s);
	snprintf(active, sizeof active, "%s", active_of(f->s, "myapp"));
	w = watch(f->s, "myapp");
	release_promote_opts_init(&o);
	o.deploy = deploy_fails;
	assert_int_equal(release_promote(f->s, "myapp", release_id(r2), &o), RELEASE_EDEPLOY);
	assert_changed(f->s, w);
	assert_int_equal(release_watch_deploy(w), 2);
	assert_text_equal(release_watch_active(w), active);
	release_watch_free(w);
	release_free(r2);
}

static void an_app_created_after_the_watch_is_reported(void **state)
{
	struct fixture *f = *state;
	release_watch *w = watch(f->s, "later");

	assert_unchanged(w);
	make_app(f->s, "later");
	assert_changed(f->s, w);
	assert_int_equal(release_watch_exists(w), 1);
	assert_int_equal(release_watch_newest(w), 0);
	assert_null(release_watch_active(w));
	release_watch_free(w);
}

static void an_app_deleted_is_reported(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s);
	release_watch *w = watch(f->s, "myapp");

	assert_store_ok(f->s, release_app_delete(f->s, "myapp"));
	assert_changed(f->s, w);
	assert_int_equal(release_watch_exists(w), 0);
	assert_null(release_watch_active(w));
	assert_int_equal(release_watch_newest(w), 0);
	assert_int_equal(release_watch_deploy(w), 0);
	release_watch_free(w);
	release_free(r2);
}

static void an_app_deleted_and_created_again_is_reported(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s);
	release_watch *w = watch(f->s, "myapp");

	assert_store_ok(f->s, release_app_delete(f->s, "myapp"));
	make_app(f->s, "myapp");
	assert_changed(f->s, w);
	assert_int_equal(release_watch_exists(w), 1);
	assert_null(release_watch_active(w));
	assert_int_equal(release_watch_newest(w), 0);
	release_watch_free(w);
	release_free(r2);
}

static void a_reported_change_is_the_next_baseline(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s);
	release_watch *w = watch(f->s, "myapp");

	promote(f->s, "myapp", release_id(r2));
	assert_changed(f->s, w);
	assert_unchanged(w);
	release_watch_free(w);
	release_free(r2);
}

static void changes_made_together_are_reported_once_with_the_last_state(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s), *r3;
	release_watch *w = watch(f->s, "myapp");

	promote(f->s, "myapp", release_id(r2));
	r3 = set_env(f->s, "myapp", "A=1");
	assert_changed(f->s, w);
	assert_text_equal(release_watch_active(w), release_id(r2));
	assert_int_equal(release_watch_newest(w), release_version(r3));
	assert_unchanged(w);
	release_watch_free(w);
	release_free(r2);
	release_free(r3);
}

static void a_change_already_made_returns_at_once_from_an_unlimited_wait(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s);
	release_watch *w = watch(f->s, "myapp");
	int64_t t0;

	promote(f->s, "myapp", release_id(r2));
	t0 = mono_now();
	assert_store_ok(f->s, release_watch_wait(w, INT64_MAX));
	assert_true(mono_now() - t0 < 500 * MS);
	release_watch_free(w);
	release_free(r2);
}

/* ------------------------------------------------ what is not a change */

static void another_apps_change_is_not_reported(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s), *o;
	release_watch *w = watch(f->s, "myapp");

	make_app(f->s, "other");
	o = make_build_release(f->s, "other", "o");
	promote(f->s, "other", release_id(o));
	assert_unchanged(w);
	release_watch_free(w);
	release_free(r2);
	release_free(o);
}

static void a_build_alone_is_not_reported(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s);
	release_watch *w = watch(f->s, "myapp");

	assert_store_ok(f->s, release_build_create(f->s, "myapp", NULL, NULL));
	assert_unchanged(w);
	release_watch_free(w);
	release_free(r2);
}

static void a_prune_alone_is_not_reported(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s), *r4;
	release_watch *w;
	size_t removed = 0;

	promote(f->s, "myapp", release_id(r2));
	release_free(make_build_release(f->s, "myapp", "three"));
	r4 = make_build_release(f->s, "myapp", "four");
	promote(f->s, "myapp", release_id(r4));
	release_free(r4);
	w = watch(f->s, "myapp");
	/* keeps the active and the previous release: the first and third go */
	assert_store_ok(f->s, release_prune(f->s, "myapp", 0, &removed));
	assert_int_equal(removed, 2);
	assert_unchanged(w);
	release_watch_free(w);
	release_free(r2);
}

static void a_refused_promotion_is_not_reported(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s), *r3;
	release_watch *w;

	r3 = make_build_release(f->s, "myapp", "three");
	promote(f->s, "myapp", release_id(r3));
	w = watch(f->s, "myapp");
	assert_int_equal(release_promote(f->s, "myapp", release_id(r2), NULL), RELEASE_EOLDER);
	assert_unchanged(w);
	release_watch_free(w);
	release_free(r2);
	release_free(r3);
}

/* --------------------------------------------------- other handles */

static void a_change_through_another_handle_is_seen(void **state)
{
	struct fixture *f = *state;
	release_store *other = fixture_second_handle(f);
	release *r2 = seeded(f->s);
	release_watch *w = watch(f->s, "myapp");

	promote(other, "myapp", release_id(r2));
	assert_changed(f->s, w);
	assert_text_equal(release_watch_active(w), release_id(r2));
	release_watch_free(w);
	release_store_close(other);
	release_free(r2);
}

/* Two stores opened on one URI (file, PostgreSQL): the change of one is
 * seen by the other's watch, through the backend's own wait. */
static void a_change_through_a_store_opened_apart_is_seen(void **state)
{
	release_store *a = NULL, *b = NULL;
	release_watch *w;
	char uri[1200];
	release *r2;

	(void)state;
	if (!test_store_is_shared()) {
		skip();
		return;
	}
	snprintf(uri, sizeof uri, "%s", test_store_uri());
	assert_ok(test_store_open(&a, uri, NULL));
	assert_ok(test_store_open(&b, uri, NULL));
	r2 = seeded(a);
	w = watch(b, "myapp");
	promote(a, "myapp", release_id(r2));
	assert_store_ok(b, release_watch_wait(w, 2 * SEC));
	assert_text_equal(release_watch_active(w), release_id(r2));
	release_watch_free(w);
	release_free(r2);
	release_store_close(a);
	release_store_close(b);
}

/* The memory store is private to its handle: the change is made through
 * the watching handle, before the wait. */
static void a_change_through_the_watching_handle_is_seen(void **state)
{
	release_store *s = NULL;
	release_watch *w;
	release *r2;

	(void)state;
	assert_ok(test_store_open(&s, test_store_uri(), NULL));
	r2 = seeded(s);
	w = watch(s, "myapp");
	promote(s, "myapp", release_id(r2));
	assert_store_ok(s, release_watch_wait(w, 2 * SEC));
	assert_text_equal(release_watch_active(w), release_id(r2));
	release_watch_free(w);
	release_free(r2);
	release_store_close(s);
}

/* A child process promotes ~300 ms after the parent starts waiting; the
 * parent wakes within a second of the promotion. */
static void another_process_wakes_the_wait(int64_t timeout)
{
	release_store *s = NULL;
	release_watch *w;
	char uri[1200];
	int64_t times[2], woke;
	int fds[2], status;
	release *r2;
	pid_t pid;

	/* Timing under valgrind means nothing, and its leak check at the
	 * child's _exit counts the parent's objects as lost. */
	const char *preload = getenv("LD_PRELOAD");

	if (!test_store_is_shared() || (preload && strstr(preload, "vgpreload"))) {
		skip();
		return;
	}
	snprintf(uri, sizeof uri, "%s", test_store_uri());
	assert_ok(test_store_open(&s, uri, NULL));
	r2 = seeded(s);
	w = watch(s, "myapp");
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the child: its own store; never the parent's handle, never
		 * cmocka, and _exit, so nothing of the parent's is closed */
		release_store *c = NULL;
		int ok;

		close(fds[0]);
		if (test_store_open(&c, uri, NULL) != 0)
			_exit(2);
		usleep(300 * 1000);
		times[0] = mono_now();
		ok = release_promote(c, "myapp", release_id(r2), NULL) == 0;
		times[1] = mono_now();
		release_store_close(c);
		if (write(fds[1], times, sizeof times) != (ssize_t)sizeof times)
			_exit(3);
		_exit(ok ? 0 : 4);
	}
	close(fds[1]);
	{
		int rc = release_watch_wait(w, timeout);

		woke = mono_now();
		if (rc != 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("wait -> %d (%s): %s", rc, release_strerror(rc),
				 release_store_errmsg(s));
		}
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(read(fds[0], times, sizeof times), (ssize_t)sizeof times);
	close(fds[0]);
	assert_text_equal(release_watch_active(w), release_id(r2));
	if (woke < times[0] || woke - times[1] >= SEC)
		fail_msg("woke %lld ms after the promotion began, which took %lld ms",
			 (long long)((woke - times[0]) / MS), (long long)((times[1] - times[0]) / MS));
	print_message("woke %lld ms after the promotion returned\n",
		      (long long)((woke - times[1]) / MS));
	release_watch_free(w);
	release_free(r2);
	release_store_close(s);
}

static void another_process_promotion_wakes_an_unlimited_wait_within_a_second(void **state)
{
	(void)state;
	another_process_wakes_the_wait(INT64_MAX);
}

static void another_process_promotion_wakes_a_5_s_wait_within_a_second(void **state)
{
	(void)state;
	another_process_wakes_the_wait(5 * SEC);
}

/* ------------------------------------------------------------- arguments */

static void a_negative_timeout_is_einval(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s);
	release_watch *w = watch(f->s, "myapp");

	assert_int_equal(release_watch_wait(w, -1), RELEASE_EINVAL);
	assert_int_equal(release_watch_wait(w, INT64_MIN), RELEASE_EINVAL);
	release_watch_free(w);
	release_free(r2);
}

static void a_negative_timeout_keeps_the_change_for_the_next_wait(void **state)
{
	struct fixture *f = *state;
	release *r2 = seeded(f->s);
	release_watch *w = watch(f->s, "myapp");

	promote(f->s, "myapp", release_id(r2));
	assert_int_equal(release_watch_wait(w, -1), RELEASE_EINVAL);
	assert_changed(f->s, w);
	release_watch_free(w);
	release_free(r2);
}

static void null_arguments_are_einval(void **state)
{
	struct fixture *f = *state;
	release_watch *w = (release_watch *)f;

	assert_int_equal(release_watch_open(NULL, "myapp", &w), RELEASE_EINVAL);
	assert_null(w);
	w = (release_watch *)f;
	assert_int_equal(release_watch_open(f->s, NULL, &w), RELEASE_EINVAL);
	assert_null(w);
	assert_int_equal(release_watch_open(f->s, "myapp", NULL), RELEASE_EINVAL);
	assert_int_equal(release_watch_wait(NULL, 0), RELEASE_EINVAL);
	release_watch_free(NULL);
}

static void an_invalid_app_name_is_einval(void **state)
{
	struct fixture *f = *state;
	release_watch *w = (release_watch *)f;

	assert_int_equal(release_watch_open(f->s, "Bad App", &w), RELEASE_EINVAL);
	assert_null(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(a_watch_starts_at_the_apps_state),
		T(a_watch_of_an_app_not_created_yet_starts_empty),
		T(nothing_changed_is_etimedout_at_once_with_timeout_0),
		T(nothing_changed_is_etimedout_after_the_timeout),
		T(a_frozen_store_clock_does_not_stop_the_timeout),
		T(a_new_release_is_reported),
		T(an_env_change_is_reported),
		T(a_promotion_is_reported),
		T(a_first_promotion_is_reported),
		T(a_rollback_is_reported),
		T(a_failed_promotion_is_reported),
		T(an_app_created_after_the_watch_is_reported),
		T(an_app_deleted_is_reported),
		T(an_app_deleted_and_created_again_is_reported),
		T(a_reported_change_is_the_next_baseline),
		T(changes_made_together_are_reported_once_with_the_last_state),
		T(a_change_already_made_returns_at_once_from_an_unlimited_wait),
		T(another_apps_change_is_not_reported),
		T(a_build_alone_is_not_reported),
		T(a_prune_alone_is_not_reported),
		T(a_refused_promotion_is_not_reported),
		T(a_change_through_another_handle_is_seen),
		cmocka_unit_test(a_change_through_a_store_opened_apart_is_seen),
		cmocka_unit_test(a_change_through_the_watching_handle_is_seen),
		cmocka_unit_test(another_process_promotion_wakes_an_unlimited_wait_within_a_second),
		cmocka_unit_test(another_process_promotion_wakes_a_5_s_wait_within_a_second),
		T(a_negative_timeout_is_einval),
		T(a_negative_timeout_keeps_the_change_for_the_next_wait),
		T(null_arguments_are_einval),
		T(an_invalid_app_name_is_einval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
