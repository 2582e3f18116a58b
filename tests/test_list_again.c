/* Listing the same history again: every item says what a read of that
 * release by id says at that moment, whatever changed in between (the
 * library keeps releases it decoded for the next listing). */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void assert_same_string(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_same_release(const release *a, const release *b)
{
	assert_same_string(release_id(a), release_id(b));
	assert_same_string(release_app_of(a), release_app_of(b));
	assert_int_equal(release_version(a), release_version(b));
	assert_same_string(release_build_of(a), release_build_of(b));
	assert_same_string(release_manifest(a), release_manifest(b));
	assert_same_string(release_description(a), release_description(b));
	assert_int_equal(release_created(a), release_created(b));
	assert_same_string(release_source(a), release_source(b));
	assert_int_equal(release_promoted(a), release_promoted(b));
	assert_int_equal(release_failed(a), release_failed(b));
	assert_int_equal(release_is_active(a), release_is_active(b));
	assert_int_equal(release_env_count(a), release_env_count(b));
	for (size_t i = 0; i < release_env_count(a); i++) {
		assert_same_string(release_env_key(a, i), release_env_key(b, i));
		assert_same_string(release_env_value(a, i), release_env_value(b, i));
	}
}

/* Lists app whole and checks each item against a read by id; returns how
 * many there were and how many were active. */
static size_t check_listing(release_store *s, const char *app, size_t *active)
{
	release_iter *it = NULL;
	const release *r;
	size_t n = 0;
	int rc;

	*active = 0;
	assert_store_ok(s, release_list(s, app, NULL, &it));
	while ((rc = release_iter_next(it, &r)) == 0) {
		release *again = NULL;

		assert_store_ok(s, release_get(s, app, release_id(r), &again));
		assert_same_release(r, again);
		assert_string_equal(release_app_of(r), app);
		*active += release_is_active(r) != 0;
		release_free(again);
		n++;
	}
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_iter_free(it);
	return n;
}

static int deploy_fails(void *payload, const release *r, release_events *events)
{
	(void)payload;
	(void)r;
	(void)events;
	return -1;
}

static void listing_again_after_promotions_shows_each_one_as_it_is_now(void **state)
{
	struct fixture *f = *state;
	release *r[3];
	size_t active;

	make_app(f->s, "web");
	for (int i = 0; i < 3; i++) {
		char d[16];

		snprintf(d, sizeof d, "b%d", i);
		r[i] = make_build_release(f->s, "web", d);
	}
	assert_int_equal(check_listing(f->s, "web", &active), 3);
	assert_int_equal(active, 0);
	for (int i = 0; i < 3; i++) {
		promote(f->s, "web", release_id(r[i]));
		assert_int_equal(check_listing(f->s, "web", &active), 3);
		assert_int_equal(active, 1);
	}
	for (int i = 0; i < 3; i++)
		release_free(r[i]);
}

static void listing_again_after_a_failed_promotion_shows_the_release_failed(void **state)
{
	struct fixture *f = *state;
	release_promote_opts o;
	const release *top;
	release_iter *it = NULL;
	release *r;
	size_t active;

	make_app(f->s, "web");
	r = make_build_release(f->s, "web", "one");
	assert_int_equal(check_listing(f->s, "web", &active), 1);
	release_promote_opts_init(&o);
	o.deploy = deploy_fails;
	assert_int_equal(release_promote(f->s, "web", release_id(r), &o), RELEASE_EDEPLOY);
	assert_int_equal(check_listing(f->s, "web", &active), 1);
	assert_store_ok(f->s, release_list(f->s, "web", NULL, &it));
	assert_store_ok(f->s, release_iter_next(it, &top));
	assert_true(release_failed(top) != 0);
	release_iter_free(it);
	release_free(r);
}

/* Two apps with the same versions, listed in turn, more releases than a
 * page: each listing is of its own app. */
static void listing_two_apps_in_turn_keeps_them_apart(void **state)
{
	struct fixture *f = *state;
	size_t active;

	make_app(f->s, "alpha");
	make_app(f->s, "beta");
	for (int i = 0; i < 140; i++) {
		char pair[32];

		snprintf(pair, sizeof pair, "N=%d", i);
		release_free(set_env(f->s, i % 2 ? "beta" : "alpha", pair));
	}
	for (int round = 0; round < 2; round++) {
		assert_int_equal(check_listing(f->s, "alpha", &active), 70);
		assert_int_equal(check_listing(f->s, "beta", &active), 70);
	}
}

static void listing_an_app_created_again_shows_only_its_new_releases(void **state)
{
	struct fixture *f = *state;
	release_iter *it = NULL;
	const release *r;
	release *fresh[4];
	size_t active, n = 0;

	make_app(f->s, "web");
	for (int i = 0; i < 4; i++) {
		char pair[16];

		snprintf(pair, sizeof pair, "K=old%d", i);
		release_free(set_env(f->s, "web", pair));
	}
	assert_int_equal(check_listing(f->s, "web", &active), 4);
	assert_store_ok(f->s, release_app_delete(f->s, "web"));
	make_app(f->s, "web");
	fresh[0] = set_env(f->s, "web", "K=new");
	fresh[1] = set_env(f->s, "web", "K=newer");
	assert_store_ok(f->s, release_list(f->s, "web", NULL, &it));
	while (release_iter_next(it, &r) == 0) {
		assert_string_equal(release_id(r), release_id(fresh[1 - n]));
		assert_string_equal(release_env_get(r, "K"), n ? "new" : "newer");
		n++;
	}
	release_iter_free(it);
	assert_int_equal(n, 2);
	release_free(fresh[0]);
	release_free(fresh[1]);
}

/* What a listing lent is gone with its step; what a get returned is the
 * caller's, untouched by later listings. */
static void a_release_read_by_id_is_untouched_by_later_listings(void **state)
{
	struct fixture *f = *state;
	release *kept = NULL, *r;
	size_t active;

	make_app(f->s, "web");
	r = make_build_release(f->s, "web", "one");
	assert_int_equal(check_listing(f->s, "web", &active), 1);
	assert_store_ok(f->s, release_get(f->s, "web", release_id(r), &kept));
	promote(f->s, "web", release_id(r));
	assert_int_equal(check_listing(f->s, "web", &active), 1);
	assert_int_equal(active, 1);
	assert_int_equal(release_is_active(kept), 0);
	assert_int_equal(release_promoted(kept), 0);
	release_free(kept);
	release_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(listing_again_after_promotions_shows_each_one_as_it_is_now),
		T(listing_again_after_a_failed_promotion_shows_the_release_failed),
		T(listing_two_apps_in_turn_keeps_them_apart),
		T(listing_an_app_created_again_shows_only_its_new_releases),
		T(a_release_read_by_id_is_untouched_by_later_listings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
