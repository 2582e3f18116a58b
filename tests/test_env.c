/* Env changes: each makes a release on top of the newest one. */
#include "harness.h"

#include <string.h>

static release *env_set2(release_store *s, const char *a, const char *b)
{
	const char *pairs[] = {a, b};
	release *r = NULL;

	assert_store_ok(s, release_env_set(s, "myapp", pairs, 2, &r));
	return r;
}

static void setting_a_new_key_is_described_as_add(void **state)
{
	struct fixture *f = *state;
	release *r;

	make_app(f->s, "myapp");
	r = set_env(f->s, "myapp", "FOO=bar");
	assert_string_equal(release_description(r), "env add:FOO");
	assert_string_equal(release_env_get(r, "FOO"), "bar");
	release_free(r);
}

static void changing_a_value_is_described_as_change(void **state)
{
	struct fixture *f = *state;
	release *r;

	make_app(f->s, "myapp");
	release_free(set_env(f->s, "myapp", "FOO=bar"));
	r = set_env(f->s, "myapp", "FOO=baz");
	assert_string_equal(release_description(r), "env change:FOO");
	assert_string_equal(release_env_get(r, "FOO"), "baz");
	release_free(r);
}

static void unsetting_is_described_as_remove(void **state)
{
	struct fixture *f = *state;
	const char *keys[] = {"FOO"};
	release *r = NULL;

	make_app(f->s, "myapp");
	release_free(set_env(f->s, "myapp", "FOO=bar"));
	assert_store_ok(f->s, release_env_unset(f->s, "myapp", keys, 1, &r));
	assert_string_equal(release_description(r), "env remove:FOO");
	assert_null(release_env_get(r, "FOO"));
	assert_int_equal(release_env_count(r), 0);
	release_free(r);
}

static void descriptions_group_adds_then_changes_with_sorted_keys(void **state)
{
	struct fixture *f = *state;
	const char *pairs[] = {"ZED=1", "OLD=new", "ALPHA=1", "MID=2"};
	release *r = NULL;

	make_app(f->s, "myapp");
	release_free(set_env(f->s, "myapp", "OLD=old"));
	assert_store_ok(f->s, release_env_set(f->s, "myapp", pairs, 4, &r));
	assert_string_equal(release_description(r), "env add:ALPHA add:MID add:ZED change:OLD");
	release_free(r);
}

static void several_removals_are_listed_in_key_order(void **state)
{
	struct fixture *f = *state;
	const char *keys[] = {"B", "A", "NOT_SET"};
	release *r;

	make_app(f->s, "myapp");
	release_free(env_set2(f->s, "A=1", "B=2"));
	assert_store_ok(f->s, release_env_unset(f->s, "myapp", keys, 3, &r));
	assert_string_equal(release_description(r), "env remove:A remove:B");
	release_free(r);
}

static void env_is_kept_sorted_by_key(void **state)
{
	struct fixture *f = *state;
	release *r;

	make_app(f->s, "myapp");
	r = env_set2(f->s, "b_key=2", "A_KEY=1");
	assert_int_equal(release_env_count(r), 2);
	assert_string_equal(release_env_key(r, 0), "A_KEY");
	assert_string_equal(release_env_value(r, 0), "1");
	assert_string_equal(release_env_key(r, 1), "b_key");
	assert_null(release_env_key(r, 2));
	release_free(r);
}

static void a_value_may_hold_equals_signs_and_be_empty(void **state)
{
	struct fixture *f = *state;
	release *r;

	make_app(f->s, "myapp");
	r = env_set2(f->s, "URL=postgres://u:p@h/db?a=b", "EMPTY=");
	assert_string_equal(release_env_get(r, "URL"), "postgres://u:p@h/db?a=b");
	assert_string_equal(release_env_get(r, "EMPTY"), "");
	release_free(r);
}

static void a_change_that_changes_nothing_writes_no_release(void **state)
{
	struct fixture *f = *state;
	const char *same = "FOO=bar", *absent = "NOPE";
	release *r = (release *)1;

	make_app(f->s, "myapp");
	release_free(set_env(f->s, "myapp", "FOO=bar"));
	assert_store_ok(f->s, release_env_set(f->s, "myapp", &same, 1, &r));
	assert_null(r);
	r = (release *)1;
	assert_store_ok(f->s, release_env_unset(f->s, "myapp", &absent, 1, &r));
	assert_null(r);
	assert_int_equal(count_releases(f->s, "myapp"), 1);
}

static void an_env_release_keeps_the_build_and_manifest(void **state)
{
	struct fixture *f = *state;
	release *b, *r;

	make_app(f->s, "myapp");
	b = make_build_release(f->s, "myapp", "build 0a1b2c3d4e5f my commit message");
	r = set_env(f->s, "myapp", "FOO=bar");
	assert_string_equal(release_build_of(r), release_build_of(b));
	assert_string_equal(release_manifest(r), release_manifest(b));
	assert_int_equal(release_version(r), 2);
	release_free(b);
	release_free(r);
}

static void env_before_any_build_makes_a_release_without_build(void **state)
{
	struct fixture *f = *state;
	release *r;

	make_app(f->s, "myapp");
	r = set_env(f->s, "myapp", "FOO=bar");
	assert_null(release_build_of(r));
	assert_string_equal(release_manifest(r), "");
	release_free(r);
}

struct racer {
	struct fixture *f;
	release_store *other;
};

static void race_in_another_change(void *arg)
{
	struct racer *r = arg;

	release_free(set_env(r->other, "myapp", "B=2"));
}

static void concurrent_changes_are_both_kept(void **state)
{
	struct fixture *f = *state;
	struct racer racer = {f, fixture_second_handle(f)};
	release *r;

	make_app(f->s, "myapp");
	/* Another writer lands B=2 between our read of the newest release and
	 * our write of A=1: ours must be rebuilt on top of theirs. */
	shared_backend_before_put(f->backend, race_in_another_change, &racer);
	r = set_env(f->s, "myapp", "A=1");
	assert_int_equal(release_version(r), 2);
	assert_string_equal(release_env_get(r, "A"), "1");
	assert_string_equal(release_env_get(r, "B"), "2");
	assert_string_equal(release_description(r), "env add:A");
	assert_int_equal(count_releases(f->s, "myapp"), 2);
	release_free(r);
	release_store_close(racer.other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(setting_a_new_key_is_described_as_add),
		T(changing_a_value_is_described_as_change),
		T(unsetting_is_described_as_remove),
		T(descriptions_group_adds_then_changes_with_sorted_keys),
		T(several_removals_are_listed_in_key_order),
		T(env_is_kept_sorted_by_key),
		T(a_value_may_hold_equals_signs_and_be_empty),
		T(a_change_that_changes_nothing_writes_no_release),
		T(an_env_release_keeps_the_build_and_manifest),
		T(env_before_any_build_makes_a_release_without_build),
		T(concurrent_changes_are_both_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
