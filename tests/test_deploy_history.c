/* Reading the deployment log: newest first, paged like release_list(),
 * with each entry's end of life (until), past damaged entries, and what
 * was live at a time. */
#include "deploy_log_util.h"

#include <stdlib.h>

/* ------------------------------------------------------ listing, paging */

static void limit_bounds_a_listing(void **state)
{
	struct fixture *f = *state;
	release_deploy *e[16];
	release_list_opts o;
	int64_t ended[16];
	size_t n;

	NEEDS_LOG();
	long_log(f->s, 7, ended);
	release_list_opts_init(&o);
	o.limit = 3;
	n = read_log(f->s, "myapp", &o, e, 16);
	assert_int_equal(n, 3);
	assert_int_equal(release_deploy_seq(e[0]), 7);
	assert_int_equal(release_deploy_seq(e[2]), 5);
	free_log(e, n);
}

static void before_pages_through_the_log(void **state)
{
	struct fixture *f = *state;
	release_deploy *e[16];
	release_list_opts o;
	int64_t ended[16];
	uint64_t want = 7;
	size_t n, pages = 0;

	NEEDS_LOG();
	long_log(f->s, 7, ended);
	release_list_opts_init(&o);
	o.limit = 2;
	while ((n = read_log(f->s, "myapp", &o, e, 16)) > 0) {
		for (size_t i = 0; i < n; i++)
			assert_int_equal(release_deploy_seq(e[i]), want--);
		o.before = release_deploy_seq(e[n - 1]);
		free_log(e, n);
		pages++;
	}
	assert_int_equal(want, 0);
	assert_int_equal(pages, 4);
}

static void before_1_lists_nothing(void **state)
{
	struct fixture *f = *state;
	release_deploy *e[16];
	release_list_opts o;
	int64_t ended[16];

	NEEDS_LOG();
	long_log(f->s, 2, ended);
	release_list_opts_init(&o);
	o.before = 1;
	assert_int_equal(read_log(f->s, "myapp", &o, e, 16), 0);
}

static void before_past_the_newest_lists_from_the_newest(void **state)
{
	struct fixture *f = *state;
	release_deploy *e[16];
	release_list_opts o;
	int64_t ended[16];
	size_t n;

	NEEDS_LOG();
	long_log(f->s, 2, ended);
	release_list_opts_init(&o);
	o.before = 1000;
	n = read_log(f->s, "myapp", &o, e, 16);
	assert_int_equal(n, 2);
	assert_int_equal(release_deploy_seq(e[0]), 2);
	free_log(e, n);
}

static void until_is_zero_for_the_live_entry(void **state)
{
	struct fixture *f = *state;
	release_deploy *d;
	int64_t ended[16];

	NEEDS_LOG();
	long_log(f->s, 2, ended);
	d = newest(f->s, "myapp");
	assert_int_equal(release_deploy_until(d), 0);
	release_deploy_free(d);
}

static void until_is_the_end_of_the_next_success(void **state)
{
	struct fixture *f = *state;
	release_deploy *e[16];
	int64_t ended[16];
	size_t n;

	NEEDS_LOG();
	long_log(f->s, 5, ended); /* 1 ok, 2 ok, 3 failed, 4 ok, 5 ok */
	n = read_log(f->s, "myapp", NULL, e, 16);
	assert_int_equal(release_deploy_until(e[0]), 0);         /* 5: live */
	assert_int_equal(release_deploy_until(e[1]), ended[5]);  /* 4 */
	assert_int_equal(release_deploy_until(e[2]), 0);         /* 3: failed */
	assert_int_equal(release_deploy_until(e[3]), ended[4]);  /* 2: past the failure */
	assert_int_equal(release_deploy_until(e[4]), ended[2]);  /* 1 */
	free_log(e, n);
}

static void a_failure_after_the_live_entry_leaves_it_live(void **state)
{
	struct fixture *f = *state;
	release_deploy *e[16];
	int64_t ended[16];
	size_t n;

	NEEDS_LOG();
	long_log(f->s, 3, ended); /* 1 ok, 2 ok, 3 failed */
	n = read_log(f->s, "myapp", NULL, e, 16);
	assert_int_equal(release_deploy_until(e[0]), 0);
	assert_int_equal(release_deploy_until(e[1]), 0);
	assert_int_equal(release_deploy_until(e[2]), ended[2]);
	free_log(e, n);
}

static void until_is_computed_across_pages(void **state)
{
	struct fixture *f = *state;
	release_deploy *e[16];
	release_list_opts o;
	int64_t ended[16];
	int64_t want[8];
	size_t n;

	NEEDS_LOG();
	long_log(f->s, 7, ended); /* 3 and 6 failed */
	want[7] = 0;
	want[6] = 0;
	want[5] = ended[7];
	want[4] = ended[5];
	want[3] = 0;
	want[2] = ended[4];
	want[1] = ended[2];
	release_list_opts_init(&o);
	o.limit = 1;
	for (uint64_t seq = 7; seq >= 1; seq--) {
		o.before = seq + 1;
		n = read_log(f->s, "myapp", &o, e, 16);
		assert_int_equal(n, 1);
		assert_int_equal(release_deploy_seq(e[0]), seq);
		if (release_deploy_until(e[0]) != want[seq])
			fail_msg("entry %llu alone on its page: until %lld, want %lld",
				 (unsigned long long)seq, (long long)release_deploy_until(e[0]),
				 (long long)want[seq]);
		free_log(e, n);
	}
}

static void a_rollback_ends_the_entry_before_it(void **state)
{
	struct fixture *f = *state;
	release_deploy *e[8];
	release *r[3];
	size_t n;

	NEEDS_LOG();
	three_releases(f->s, r);
	promote(f->s, "myapp", release_id(r[0]));
	promote(f->s, "myapp", release_id(r[1]));
	assert_store_ok(f->s, release_rollback(f->s, "myapp", NULL, NULL, NULL));
	n = read_log(f->s, "myapp", NULL, e, 8);
	assert_int_equal(n, 3);
	assert_int_equal(release_deploy_until(e[1]), release_deploy_ended(e[0]));
	assert_int_equal(release_deploy_until(e[0]), 0);
	free_log(e, n);
	free3(r);
}

static void a_listing_of_an_unknown_app_is_enotfound(void **state)
{
	struct fixture *f = *state;
	release_deploy_iter *it = (release_deploy_iter *)f;

	NEEDS_LOG();
	assert_int_equal(release_deploy_list(f->s, "nosuchapp", NULL, &it), RELEASE_ENOTFOUND);
	assert_null(it);
}

/* --------------------------------------------------------- damage */

/* The log of "myapp" with three successes, the second entry as t serves it. */
static void damaged_second_entry(struct fixture *f, struct tamper *t)
{
	release *r[3];

	three_releases(f->s, r);
	for (int i = 0; i < 3; i++)
		promote(f->s, "myapp", release_id(r[i]));
	memset(t, 0, sizeof *t);
	t->app = "myapp";
	t->kind = RELEASE_KIND_DEPLOY;
	t->seq = 2;
	shared_backend_tamper(f->backend, t);
	free3(r);
}

static void a_damaged_entry_is_ecorrupt_and_the_listing_goes_on(void **state)
{
	struct fixture *f = *state;
	release_deploy_iter *it = NULL;
	const release_deploy *d = NULL;
	static const char junk[] = "not an entry";
	struct tamper t;

	NEEDS_LOG();
	damaged_second_entry(f, &t);
	t.data = junk;
	t.len = sizeof junk - 1;
	shared_backend_tamper(f->backend, &t);
	assert_store_ok(f->s, release_deploy_list(f->s, "myapp", NULL, &it));
	assert_store_ok(f->s, release_deploy_iter_next(it, &d));
	assert_int_equal(release_deploy_seq(d), 3);
	assert_int_equal(release_deploy_iter_next(it, &d), RELEASE_ECORRUPT);
	assert_null(d);
	assert_store_ok(f->s, release_deploy_iter_next(it, &d));
	assert_int_equal(release_deploy_seq(d), 1);
	assert_int_equal(release_deploy_iter_next(it, &d), RELEASE_ITEROVER);
	release_deploy_iter_free(it);
}

static void an_entry_the_backend_fails_to_read_is_ecorrupt_and_the_listing_goes_on(void **state)
{
	struct fixture *f = *state;
	release_deploy_iter *it = NULL;
	const release_deploy *d = NULL;
	struct tamper t;

	NEEDS_LOG();
	damaged_second_entry(f, &t);
	t.code = RELEASE_ECORRUPT;
	shared_backend_tamper(f->backend, &t);
	assert_store_ok(f->s, release_deploy_list(f->s, "myapp", NULL, &it));
	assert_store_ok(f->s, release_deploy_iter_next(it, &d));
	assert_int_equal(release_deploy_seq(d), 3);
	assert_int_equal(release_deploy_iter_next(it, &d), RELEASE_ECORRUPT);
	assert_non_null(strstr(release_store_errmsg(f->s), "2"));
	release_deploy_iter_free(it);
}

static void another_apps_entry_served_is_ecorrupt(void **state)
{
	struct fixture *f = *state;
	release_deploy_iter *it = NULL;
	const release_deploy *d = NULL;
	struct tamper t;
	void *other = NULL;
	size_t len = 0;
	release *o;

	NEEDS_LOG();
	make_app(f->s, "other");
	o = make_build_release(f->s, "other", "o");
	promote(f->s, "other", release_id(o));
	promote(f->s, "other", release_id(o));
	release_free(o);
	shared_backend_read(f->backend, "other", RELEASE_KIND_DEPLOY, "2", &other, &len);
	damaged_second_entry(f, &t);
	t.data = other;
	t.len = len;
	shared_backend_tamper(f->backend, &t);
	assert_store_ok(f->s, release_deploy_list(f->s, "myapp", NULL, &it));
	assert_store_ok(f->s, release_deploy_iter_next(it, &d));
	assert_int_equal(release_deploy_iter_next(it, &d), RELEASE_ECORRUPT);
	release_deploy_iter_free(it);
	shared_backend_tamper(f->backend, NULL);
	free(other);
}

/* --------------------------------------------------------- release_deploy_at */

static void deploy_at_before_the_first_promotion_is_enotfound(void **state)
{
	struct fixture *f = *state;
	release_deploy *d = (release_deploy *)f;
	int64_t ended[16];

	NEEDS_LOG();
	long_log(f->s, 2, ended);
	assert_int_equal(release_deploy_at(f->s, "myapp", ended[1] - 1, &d), RELEASE_ENOTFOUND);
	assert_null(d);
	d = (release_deploy *)f;
	assert_int_equal(release_deploy_at(f->s, "myapp", 0, &d), RELEASE_ENOTFOUND);
	assert_null(d);
}

static void deploy_at_of_an_app_never_promoted_is_enotfound(void **state)
{
	struct fixture *f = *state;
	release_deploy *d = NULL;

	NEEDS_LOG();
	make_app(f->s, "myapp");
	release_free(make_build_release(f->s, "myapp", "b"));
	assert_int_equal(release_deploy_at(f->s, "myapp", INT64_MAX, &d), RELEASE_ENOTFOUND);
	assert_null(d);
}

static void deploy_at_of_an_unknown_app_is_enotfound(void **state)
{
	struct fixture *f = *state;
	release_deploy *d = NULL;

	NEEDS_LOG();
	assert_int_equal(release_deploy_at(f->s, "nosuchapp", INT64_MAX, &d), RELEASE_ENOTFOUND);
	assert_null(d);
}

static void deploy_at_an_end_time_is_that_entry(void **state)
{
	struct fixture *f = *state;
	int64_t ended[16];

	NEEDS_LOG();
	long_log(f->s, 5, ended);
	deploy_at(f->s, ended[1], 1);
	deploy_at(f->s, ended[2], 2);
	deploy_at(f->s, ended[4], 4);
	deploy_at(f->s, ended[5], 5);
}

static void deploy_at_between_two_entries_is_the_earlier(void **state)
{
	struct fixture *f = *state;
	int64_t ended[16];

	NEEDS_LOG();
	long_log(f->s, 5, ended);
	deploy_at(f->s, ended[1] + 1, 1);
	deploy_at(f->s, ended[2] - 1, 1);
	deploy_at(f->s, ended[5] - 1, 4);
}

static void deploy_at_after_the_last_is_the_live_entry(void **state)
{
	struct fixture *f = *state;
	int64_t ended[16];

	NEEDS_LOG();
	long_log(f->s, 5, ended);
	deploy_at(f->s, ended[5] + 1, 5);
	deploy_at(f->s, INT64_MAX, 5);
}

static void deploy_at_skips_failed_entries(void **state)
{
	struct fixture *f = *state;
	int64_t ended[16];

	NEEDS_LOG();
	long_log(f->s, 6, ended); /* 3 and 6 failed */
	deploy_at(f->s, ended[3], 2);
	deploy_at(f->s, ended[3] + 1, 2);
	deploy_at(f->s, ended[6], 5);
	deploy_at(f->s, INT64_MAX, 5);
}

static void deploy_at_a_first_failure_is_enotfound(void **state)
{
	struct fixture *f = *state;
	release_deploy *d = NULL;
	release *r[3];

	NEEDS_LOG();
	three_releases(f->s, r);
	assert_int_equal(fail_promote(f->s, "myapp", release_id(r[0]), 1), RELEASE_EDEPLOY);
	assert_int_equal(release_deploy_at(f->s, "myapp", INT64_MAX, &d), RELEASE_ENOTFOUND);
	assert_null(d);
	free3(r);
}

static void deploy_at_gives_until_as_the_listing_does(void **state)
{
	struct fixture *f = *state;
	release_deploy *d = NULL;
	int64_t ended[16];

	NEEDS_LOG();
	long_log(f->s, 5, ended);
	assert_store_ok(f->s, release_deploy_at(f->s, "myapp", ended[2], &d));
	assert_int_equal(release_deploy_until(d), ended[4]);
	release_deploy_free(d);
	assert_store_ok(f->s, release_deploy_at(f->s, "myapp", ended[5], &d));
	assert_int_equal(release_deploy_until(d), 0);
	release_deploy_free(d);
}

static void deploy_at_equal_end_times_is_the_newest(void **state)
{
	struct fixture *f = *state;
	int64_t t;
	release *r[3];

	NEEDS_LOG();
	three_releases(f->s, r);
	f->clock.step = 0;
	t = f->clock.now;
	promote(f->s, "myapp", release_id(r[0]));
	promote(f->s, "myapp", release_id(r[1]));
	deploy_at(f->s, t, 2);
	free3(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(limit_bounds_a_listing),
		T(before_pages_through_the_log),
		T(before_1_lists_nothing),
		T(before_past_the_newest_lists_from_the_newest),
		T(until_is_zero_for_the_live_entry),
		T(until_is_the_end_of_the_next_success),
		T(a_failure_after_the_live_entry_leaves_it_live),
		T(until_is_computed_across_pages),
		T(a_rollback_ends_the_entry_before_it),
		T(a_listing_of_an_unknown_app_is_enotfound),
		T(deploy_at_before_the_first_promotion_is_enotfound),
		T(deploy_at_of_an_app_never_promoted_is_enotfound),
		T(deploy_at_of_an_unknown_app_is_enotfound),
		T(deploy_at_an_end_time_is_that_entry),
		T(deploy_at_between_two_entries_is_the_earlier),
		T(deploy_at_after_the_last_is_the_live_entry),
		T(deploy_at_skips_failed_entries),
		T(deploy_at_a_first_failure_is_enotfound),
		T(deploy_at_gives_until_as_the_listing_does),
		T(deploy_at_equal_end_times_is_the_newest),
		T(a_damaged_entry_is_ecorrupt_and_the_listing_goes_on),
		T(an_entry_the_backend_fails_to_read_is_ecorrupt_and_the_listing_goes_on),
		T(another_apps_entry_served_is_ecorrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
