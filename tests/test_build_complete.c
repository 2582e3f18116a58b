/* release_build_complete(): a build's completion and its release, once. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

static release_build *new_build(release_store *s, int status)
{
	release_build_opts o;
	release_build *b = NULL;

	release_build_opts_init(&o);
	o.description = "build 0a1b2c3d4e fix";
	o.manifest = "services: {}";
	o.status = status;
	assert_store_ok(s, release_build_create(s, "myapp", &o, &b));
	return b;
}

static release_build *get_build(release_store *s, const char *id)
{
	release_build *b = NULL;

	assert_store_ok(s, release_build_get(s, "myapp", id, &b));
	return b;
}

static void a_running_build_becomes_complete_with_its_release(void **state)
{
	struct fixture *f = *state;
	release_build *b, *after;
	release *r = NULL;

	make_app(f->s, "myapp");
	release_free(set_env(f->s, "myapp", "FOO=bar"));
	b = new_build(f->s, RELEASE_BUILD_RUNNING);
	assert_store_ok(f->s, release_build_complete(f->s, "myapp", release_build_id(b), &r));
	assert_non_null(r);
	assert_string_equal(release_build_of(r), release_build_id(b));
	assert_string_equal(release_manifest(r), "services: {}");
	assert_string_equal(release_description(r), "build 0a1b2c3d4e fix");
	assert_string_equal(release_env_get(r, "FOO"), "bar");
	assert_int_equal(release_is_active(r), 0);
	assert_int_equal(release_version(r), 2);
	after = get_build(f->s, release_build_id(b));
	assert_int_equal(release_build_status(after), RELEASE_BUILD_COMPLETE);
	assert_true(release_build_ended(after) >= release_build_started(after));
	assert_true(release_build_ended(after) != 0);
	assert_string_equal(release_build_release(after), release_id(r));
	assert_string_equal(active_of(f->s, "myapp"), "");
	release_build_free(after);
	release_build_free(b);
	release_free(r);
}

static void a_created_build_completes_too(void **state)
{
	struct fixture *f = *state;
	release_build *b, *after;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_CREATED);
	assert_store_ok(f->s, release_build_complete(f->s, "myapp", release_build_id(b), NULL));
	after = get_build(f->s, release_build_id(b));
	assert_int_equal(release_build_status(after), RELEASE_BUILD_COMPLETE);
	assert_non_null(release_build_release(after));
	assert_int_equal(count_releases(f->s, "myapp"), 1);
	release_build_free(after);
	release_build_free(b);
}

static void completing_again_returns_the_same_release(void **state)
{
	struct fixture *f = *state;
	release_build *b;
	release *one = NULL, *two = NULL;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING);
	assert_store_ok(f->s, release_build_complete(f->s, "myapp", release_build_id(b), &one));
	assert_store_ok(f->s, release_build_complete(f->s, "myapp", release_build_id(b), &two));
	assert_string_equal(release_id(one), release_id(two));
	assert_int_equal(count_releases(f->s, "myapp"), 1);
	release_build_free(b);
	release_free(one);
	release_free(two);
}

static void a_complete_build_without_a_release_gets_one(void **state)
{
	struct fixture *f = *state;
	release_build *b, *after;
	release *r = NULL;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING);
	assert_store_ok(f->s, release_build_set_status(f->s, "myapp", release_build_id(b),
						      RELEASE_BUILD_COMPLETE, NULL));
	assert_int_equal(count_releases(f->s, "myapp"), 0);
	assert_store_ok(f->s, release_build_complete(f->s, "myapp", release_build_id(b), &r));
	after = get_build(f->s, release_build_id(b));
	assert_string_equal(release_build_release(after), release_id(r));
	assert_int_equal(count_releases(f->s, "myapp"), 1);
	release_build_free(after);
	release_build_free(b);
	release_free(r);
}

static void the_returned_release_says_whether_it_is_active(void **state)
{
	struct fixture *f = *state;
	release_build *b;
	release *r = NULL, *again = NULL;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING);
	assert_store_ok(f->s, release_build_complete(f->s, "myapp", release_build_id(b), &r));
	promote(f->s, "myapp", release_id(r));
	assert_store_ok(f->s, release_build_complete(f->s, "myapp", release_build_id(b), &again));
	assert_int_equal(release_is_active(again), 1);
	release_build_free(b);
	release_free(r);
	release_free(again);
}

/* The answer is the release the build names: one made from the build since
 * (an env change on its release) is named, as release_build_release() says. */
static void completing_again_answers_the_release_the_build_names(void **state)
{
	struct fixture *f = *state;
	release_build *b, *after;
	release *first = NULL, *derived = NULL, *again = NULL;
	release_env_opts o;
	const char *pair = "X=1";

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING);
	assert_store_ok(f->s, release_build_complete(f->s, "myapp", release_build_id(b), &first));
	release_env_opts_init(&o);
	o.base = release_id(first);
	o.set = &pair;
	o.set_n = 1;
	assert_store_ok(f->s, release_env_change(f->s, "myapp", &o, &derived));
	assert_store_ok(f->s, release_build_complete(f->s, "myapp", release_build_id(b), &again));
	after = get_build(f->s, release_build_id(b));
	assert_string_equal(release_id(again), release_build_release(after));
	assert_string_equal(release_id(again), release_id(derived));
	assert_int_equal(count_releases(f->s, "myapp"), 2);
	release_build_free(after);
	release_build_free(b);
	release_free(first);
	release_free(derived);
	release_free(again);
}

static void a_failed_build_is_einval_and_nothing_is_written(void **state)
{
	struct fixture *f = *state;
	release_build *b, *after;
	release *r = (release *)1;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_FAILED);
	assert_int_equal(release_build_complete(f->s, "myapp", release_build_id(b), &r),
			 RELEASE_EINVAL);
	assert_null(r);
	assert_non_null(strstr(release_store_errmsg(f->s), release_build_id(b)));
	after = get_build(f->s, release_build_id(b));
	assert_int_equal(release_build_status(after), RELEASE_BUILD_FAILED);
	assert_null(release_build_release(after));
	assert_int_equal(count_releases(f->s, "myapp"), 0);
	release_build_free(after);
	release_build_free(b);
}

static void unknown_builds_and_apps_are_enotfound(void **state)
{
	struct fixture *f = *state;
	release_build *b;

	make_app(f->s, "myapp");
	make_app(f->s, "other");
	b = new_build(f->s, RELEASE_BUILD_RUNNING);
	assert_int_equal(release_build_complete(f->s, "myapp", "BAAAAAAAAA", NULL),
			 RELEASE_ENOTFOUND);
	assert_int_equal(release_build_complete(f->s, "other", release_build_id(b), NULL),
			 RELEASE_ENOTFOUND);
	assert_int_equal(release_build_complete(f->s, "nosuchapp", release_build_id(b), NULL),
			 RELEASE_ENOTFOUND);
	assert_int_equal(count_releases(f->s, "myapp"), 0);
	assert_int_equal(count_releases(f->s, "other"), 0);
	release_build_free(b);
}

static void bad_arguments_are_einval(void **state)
{
	struct fixture *f = *state;

	make_app(f->s, "myapp");
	assert_int_equal(release_build_complete(NULL, "myapp", "BAAAAAAAAA", NULL), RELEASE_EINVAL);
	assert_int_equal(release_build_complete(f->s, NULL, "BAAAAAAAAA", NULL), RELEASE_EINVAL);
	assert_int_equal(release_build_complete(f->s, "myapp", NULL, NULL), RELEASE_EINVAL);
	assert_int_equal(release_build_complete(f->s, "myapp", "RAAAAAAAAA", NULL), RELEASE_EINVAL);
	assert_int_equal(release_build_complete(f->s, "Bad App", "BAAAAAAAAA", NULL),
			 RELEASE_EINVAL);
}

/* Another handle completes the build between this call's read of it and its
 * write, as a second process retrying would. */
struct rival {
	release_store *s;
	const char *id;
	char made[32];
};

static void rival_completes(void *arg)
{
	struct rival *r = arg;
	release *out = NULL;

	assert_store_ok(r->s, release_build_complete(r->s, "myapp", r->id, &out));
	strcpy(r->made, release_id(out));
	release_free(out);
}

static void a_rival_completing_first_leaves_one_release(void **state)
{
	struct fixture *f = *state;
	struct rival rv;
	release_build *b;
	release *r = NULL;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING);
	rv.s = fixture_second_handle(f);
	rv.id = release_build_id(b);
	rv.made[0] = '\0';
	shared_backend_before_put(f->backend, rival_completes, &rv);
	assert_store_ok(f->s, release_build_complete(f->s, "myapp", release_build_id(b), &r));
	assert_string_not_equal(rv.made, "");
	/* On a version-1 backend two callers at once may each make a release,
	 * as the header says; with commits exactly one is made. */
	if (count_releases(f->s, "myapp") == 1)
		assert_string_equal(release_id(r), rv.made);
	else
		assert_false(strncmp(test_store_uri(), "v1:", 3) != 0);
	release_store_close(rv.s);
	release_build_free(b);
	release_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(a_running_build_becomes_complete_with_its_release),
		T(a_created_build_completes_too),
		T(completing_again_returns_the_same_release),
		T(a_complete_build_without_a_release_gets_one),
		T(the_returned_release_says_whether_it_is_active),
		T(completing_again_answers_the_release_the_build_names),
		T(a_failed_build_is_einval_and_nothing_is_written),
		T(unknown_builds_and_apps_are_enotfound),
		T(bad_arguments_are_einval),
		T(a_rival_completing_first_leaves_one_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
