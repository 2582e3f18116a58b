/* Copies of releases and builds: every accessor of a copy says what it says
 * of the original, and the copy outlives whatever lent the original. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP "myapp"

static void assert_same_string(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* Every public accessor of a release, the env by index and by key. */
static void assert_same_release(const release *copy, const release *r)
{
	size_t n = release_env_count(r);

	assert_non_null(copy);
	assert_ptr_not_equal(copy, r);
	assert_same_string(release_id(copy), release_id(r));
	assert_same_string(release_app_of(copy), release_app_of(r));
	assert_int_equal(release_version(copy), release_version(r));
	assert_same_string(release_build_of(copy), release_build_of(r));
	assert_same_string(release_manifest(copy), release_manifest(r));
	assert_same_string(release_description(copy), release_description(r));
	assert_int_equal(release_created(copy), release_created(r));
	assert_same_string(release_source(copy), release_source(r));
	assert_int_equal(release_promoted(copy), release_promoted(r));
	assert_int_equal(release_failed(copy), release_failed(r));
	assert_int_equal(release_is_active(copy), release_is_active(r));
	assert_int_equal(release_env_count(copy), n);
	for (size_t i = 0; i < n; i++) {
		assert_same_string(release_env_key(copy, i), release_env_key(r, i));
		assert_same_string(release_env_value(copy, i), release_env_value(r, i));
		assert_same_string(release_env_get(copy, release_env_key(r, i)),
				   release_env_get(r, release_env_key(r, i)));
	}
	assert_null(release_env_key(copy, n));
	assert_null(release_env_value(copy, n));
	assert_null(release_env_get(copy, "NOT_SET_ANYWHERE"));
}

static void assert_same_build(const release_build *copy, const release_build *b)
{
	assert_non_null(copy);
	assert_ptr_not_equal(copy, b);
	assert_same_string(release_build_id(copy), release_build_id(b));
	assert_same_string(release_build_app(copy), release_build_app(b));
	assert_same_string(release_build_description(copy), release_build_description(b));
	assert_same_string(release_build_manifest(copy), release_build_manifest(b));
	assert_int_equal(release_build_status(copy), release_build_status(b));
	assert_int_equal(release_build_started(copy), release_build_started(b));
	assert_int_equal(release_build_ended(copy), release_build_ended(b));
	assert_same_string(release_build_release(copy), release_build_release(b));
}

/* Duplicates r, frees r, and checks the copy against a fresh read of it:
 * nothing of the copy may point into the original. */
static void assert_dup_survives_original(release_store *s, release *r)
{
	release *copy = release_dup(r), *again = NULL;

	assert_same_release(copy, r);
	assert_store_ok(s, release_get(s, APP, release_id(r), &again));
	release_free(r);
	/* the copy says what was true when r was read; these do not change */
	assert_string_equal(release_id(copy), release_id(again));
	assert_int_equal(release_version(copy), release_version(again));
	assert_int_equal(release_env_count(copy), release_env_count(again));
	release_free(again);
	release_free(copy);
}

static release *get(release_store *s, const char *id)
{
	release *r = NULL;

	assert_store_ok(s, release_get(s, APP, id, &r));
	return r;
}

static void release_dup_of_an_active_release_keeps_every_field_and_its_env(void **state)
{
	struct fixture *f = *state;
	const char *pairs[] = {"EMPTY=", "LINES=one\ntwo", "URL=https://x.example/?a=b&c=d",
			       "UNICODE=h\xc3\xa9llo"};
	release *r = NULL, *active;

	make_app(f->s, APP);
	release_free(make_build_release(f->s, APP, "build 0a1b2c3d4e5f first"));
	assert_store_ok(f->s, release_env_set(f->s, APP, pairs, 4, &r));
	promote(f->s, APP, release_id(r));
	release_free(r);
	release_free(make_build_release(f->s, APP, "a release after it, with its env"));
	active = get(f->s, active_of(f->s, APP));
	assert_int_equal(release_is_active(active), 1);
	assert_true(release_promoted(active) > 0);
	assert_int_equal(release_env_count(active), 4);
	assert_non_null(release_build_of(active));
	assert_dup_survives_original(f->s, active);
}

static void release_dup_of_a_release_not_active_says_it_is_not(void **state)
{
	struct fixture *f = *state;
	release *r, *copy;

	make_app(f->s, APP);
	r = make_build_release(f->s, APP, "never promoted");
	assert_int_equal(release_is_active(r), 0);
	copy = release_dup(r);
	assert_same_release(copy, r);
	assert_int_equal(release_is_active(copy), 0);
	assert_int_equal(release_promoted(copy), 0);
	release_free(copy);
	release_free(r);
}

static int deploy_fails(void *payload, const release *r, release_events *ev)
{
	(void)payload;
	(void)r;
	(void)ev;
	return 1;
}

static void release_dup_of_a_failed_release_keeps_when_it_failed(void **state)
{
	struct fixture *f = *state;
	release_promote_opts o;
	release *good, *bad, *r;

	make_app(f->s, APP);
	good = make_build_release(f->s, APP, "good");
	promote(f->s, APP, release_id(good));
	bad = make_build_release(f->s, APP, "bad");
	release_promote_opts_init(&o);
	o.deploy = deploy_fails;
	assert_int_equal(release_promote(f->s, APP, release_id(bad), &o), RELEASE_EDEPLOY);
	r = get(f->s, release_id(bad));
	assert_true(release_failed(r) > 0);
	assert_int_equal(release_is_active(r), 0);
	assert_dup_survives_original(f->s, r);
	release_free(good);
	release_free(bad);
}

static void release_dup_of_a_rollback_copy_keeps_its_source(void **state)
{
	struct fixture *f = *state;
	release *first, *second, *copy = NULL;

	make_app(f->s, APP);
	first = make_build_release(f->s, APP, "first");
	promote(f->s, APP, release_id(first));
	second = set_env(f->s, APP, "FOO=bar");
	promote(f->s, APP, release_id(second));
	assert_store_ok(f->s, release_rollback(f->s, APP, NULL, NULL, &copy));
	assert_non_null(release_source(copy));
	assert_int_equal(release_is_active(copy), 1);
	assert_dup_survives_original(f->s, copy);
	/* the releases it was rolled back from and to, as read now */
	assert_dup_survives_original(f->s, get(f->s, release_id(first)));
	assert_dup_survives_original(f->s, get(f->s, release_id(second)));
	release_free(first);
	release_free(second);
}

static void release_dup_of_an_env_release_before_any_build_has_no_build(void **state)
{
	struct fixture *f = *state;
	release *r, *copy;

	make_app(f->s, APP);
	r = set_env(f->s, APP, "ONLY=env");
	assert_null(release_build_of(r));
	copy = release_dup(r);
	assert_same_release(copy, r);
	assert_null(release_build_of(copy));
	release_free(copy);
	release_free(r);
}

static void release_dup_keeps_releases_the_iterator_lent_after_it_is_freed(void **state)
{
	struct fixture *f = *state;
	release *kept[4] = {NULL};
	release_iter *it = NULL;
	const release *r;
	size_t n = 0;
	int rc;

	make_app(f->s, APP);
	for (int i = 0; i < 4; i++) {
		char pair[32];
		release *made;

		snprintf(pair, sizeof pair, "N=%d", i);
		release_free(make_build_release(f->s, APP, "b"));
		made = set_env(f->s, APP, pair);
		if (i == 1)
			promote(f->s, APP, release_id(made));
		release_free(made);
	}
	assert_store_ok(f->s, release_list(f->s, APP, NULL, &it));
	while ((rc = release_iter_next(it, &r)) == 0 && n < 4) {
		if (release_version(r) % 2 == 0) { /* the env releases */
			kept[n] = release_dup(r);
			assert_same_release(kept[n], r);
			n++;
		}
	}
	release_iter_free(it);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		release *again = get(f->s, release_id(kept[i]));

		assert_same_release(kept[i], again);
		release_free(again);
		release_free(kept[i]);
	}
}

static void release_dup_of_a_copy_is_the_same_release(void **state)
{
	struct fixture *f = *state;
	release *r, *copy, *copy2;

	make_app(f->s, APP);
	r = set_env(f->s, APP, "A=1");
	promote(f->s, APP, release_id(r));
	release_free(r);
	r = get(f->s, active_of(f->s, APP));
	copy = release_dup(r);
	release_free(r);
	copy2 = release_dup(copy);
	assert_same_release(copy2, copy);
	assert_int_equal(release_is_active(copy2), 1);
	release_free(copy);
	release_free(copy2);
}

static void release_dup_of_null_is_null(void **state)
{
	(void)state;
	assert_null(release_dup(NULL));
	assert_null(release_build_dup(NULL));
}

static release_build *build_with(release_store *s, int status, const char *description,
				 const char *manifest)
{
	release_build_opts o;
	release_build *b = NULL;

	release_build_opts_init(&o);
	o.status = status;
	o.description = description;
	o.manifest = manifest;
	assert_store_ok(s, release_build_create(s, APP, &o, &b));
	return b;
}

static void assert_build_dup_matches(release_build *b)
{
	release_build *copy = release_build_dup(b);

	assert_same_build(copy, b);
	release_build_free(b); /* the copy owns all it points to */
	assert_non_null(release_build_id(copy));
	release_build_free(copy);
}

static void release_build_dup_keeps_every_field_of_each_status(void **state)
{
	struct fixture *f = *state;
	release_build *b = NULL;
	release *r = NULL;

	make_app(f->s, APP);
	b = build_with(f->s, RELEASE_BUILD_CREATED, "created", "m: 1\n");
	assert_int_equal(release_build_ended(b), 0);
	assert_build_dup_matches(b);

	b = build_with(f->s, RELEASE_BUILD_RUNNING, "", "");
	assert_build_dup_matches(b);

	b = build_with(f->s, RELEASE_BUILD_FAILED, "failed\nwith two lines", "x");
	assert_true(release_build_ended(b) > 0);
	assert_build_dup_matches(b);

	b = build_with(f->s, RELEASE_BUILD_COMPLETE, "complete", "services: {}\n");
	assert_store_ok(f->s, release_create(f->s, APP, release_build_id(b), &r));
	release_build_free(b);
	b = NULL;
	assert_store_ok(f->s, release_build_get(f->s, APP, release_build_of(r), &b));
	assert_non_null(release_build_release(b));
	assert_true(release_build_ended(b) > 0);
	assert_build_dup_matches(b);
	release_free(r);
}

static void release_build_dup_keeps_a_build_after_its_status_changed(void **state)
{
	struct fixture *f = *state;
	release_build *b, *set = NULL;

	make_app(f->s, APP);
	b = build_with(f->s, RELEASE_BUILD_CREATED, "moving", "m");
	assert_store_ok(f->s, release_build_set_status(f->s, APP, release_build_id(b),
						       RELEASE_BUILD_RUNNING, &set));
	release_build_free(b);
	assert_build_dup_matches(set);
}

static void release_build_dup_keeps_builds_the_iterator_lent(void **state)
{
	struct fixture *f = *state;
	release_build *kept[3] = {NULL};
	release_build_iter *it = NULL;
	const release_build *b;
	size_t n = 0;
	int rc;

	make_app(f->s, APP);
	release_build_free(build_with(f->s, RELEASE_BUILD_CREATED, "one", "1"));
	release_build_free(build_with(f->s, RELEASE_BUILD_FAILED, "two", "2"));
	release_build_free(build_with(f->s, RELEASE_BUILD_COMPLETE, "three", "3"));
	assert_store_ok(f->s, release_build_list(f->s, APP, 0, &it));
	while ((rc = release_build_iter_next(it, &b)) == 0) {
		assert_true(n < 3);
		kept[n] = release_build_dup(b);
		assert_same_build(kept[n], b);
		n++;
	}
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_build_iter_free(it);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		release_build *again = NULL;

		assert_store_ok(f->s, release_build_get(f->s, APP, release_build_id(kept[i]), &again));
		assert_same_build(kept[i], again);
		release_build_free(again);
		release_build_free(kept[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(release_dup_of_an_active_release_keeps_every_field_and_its_env),
		T(release_dup_of_a_release_not_active_says_it_is_not),
		T(release_dup_of_a_failed_release_keeps_when_it_failed),
		T(release_dup_of_a_rollback_copy_keeps_its_source),
		T(release_dup_of_an_env_release_before_any_build_has_no_build),
		T(release_dup_keeps_releases_the_iterator_lent_after_it_is_freed),
		T(release_dup_of_a_copy_is_the_same_release),
		T(release_dup_of_null_is_null),
		T(release_build_dup_keeps_every_field_of_each_status),
		T(release_build_dup_keeps_a_build_after_its_status_changed),
		T(release_build_dup_keeps_builds_the_iterator_lent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
