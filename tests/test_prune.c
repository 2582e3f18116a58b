/* Pruning: history bounded without touching what a rollback needs. */
#include "harness.h"

#include <string.h>

/* Ten releases; version 8 is promoted after 5, so 5 is the previous. */
static void ten_releases(release_store *s, char ids[11][16])
{
	make_app(s, "myapp");
	for (int v = 1; v <= 10; v++) {
		release *r = make_build_release(s, "myapp", "b");

		strcpy(ids[v], release_id(r));
		release_free(r);
	}
	promote(s, "myapp", ids[5]);
	promote(s, "myapp", ids[8]);
}

static int exists(release_store *s, const char *id)
{
	release *r = NULL;
	int rc = release_get(s, "myapp", id, &r);

	release_free(r);
	assert_true(rc == 0 || rc == RELEASE_ENOTFOUND);
	return rc == 0;
}

static void prune_keeps_n_older_the_active_newer_and_previous(void **state)
{
	struct fixture *f = *state;
	char ids[11][16];
	size_t removed = 99;

	ten_releases(f->s, ids);
	assert_store_ok(f->s, release_prune(f->s, "myapp", 2, &removed));
	/* kept: 10, 9 (newer), 8 (active), 7, 6 (two older), 5 (previous) */
	assert_int_equal(removed, 4);
	for (int v = 1; v <= 10; v++)
		assert_int_equal(exists(f->s, ids[v]), v >= 5);
}

static void prune_with_zero_keeps_only_what_is_needed(void **state)
{
	struct fixture *f = *state;
	char ids[11][16];
	size_t removed = 0;

	ten_releases(f->s, ids);
	assert_store_ok(f->s, release_prune(f->s, "myapp", 0, &removed));
	assert_int_equal(removed, 6);
	for (int v = 1; v <= 10; v++)
		assert_int_equal(exists(f->s, ids[v]), v == 5 || v >= 8);
	/* the previously active release can still be rolled back to */
	assert_store_ok(f->s, release_rollback(f->s, "myapp", NULL, NULL, NULL));
}

static void prune_deletes_builds_only_pruned_releases_used(void **state)
{
	struct fixture *f = *state;
	char ids[11][16];
	release *r = NULL;
	release_build *b = NULL;
	char old_build[16], kept_build[16];

	ten_releases(f->s, ids);
	assert_store_ok(f->s, release_get(f->s, "myapp", ids[1], &r));
	strcpy(old_build, release_build_of(r));
	release_free(r);
	assert_store_ok(f->s, release_get(f->s, "myapp", ids[8], &r));
	strcpy(kept_build, release_build_of(r));
	release_free(r);
	assert_store_ok(f->s, release_prune(f->s, "myapp", 0, NULL));
	assert_int_equal(release_build_get(f->s, "myapp", old_build, &b), RELEASE_ENOTFOUND);
	assert_store_ok(f->s, release_build_get(f->s, "myapp", kept_build, &b));
	release_build_free(b);
}

static void prune_keeps_a_build_shared_with_a_kept_release(void **state)
{
	struct fixture *f = *state;
	release *first, *env = NULL, *top;
	release_build *b = NULL;

	make_app(f->s, "myapp");
	first = make_build_release(f->s, "myapp", "shared build");
	top = set_env(f->s, "myapp", "A=1"); /* same build as first */
	promote(f->s, "myapp", release_id(top));
	assert_store_ok(f->s, release_prune(f->s, "myapp", 0, NULL));
	assert_false(exists(f->s, release_id(first)));
	assert_store_ok(f->s, release_build_get(f->s, "myapp", release_build_of(top), &b));
	release_build_free(b);
	release_free(first);
	release_free(env);
	release_free(top);
}

static void prune_keeps_builds_without_a_release(void **state)
{
	struct fixture *f = *state;
	char ids[11][16];
	release_build *pending = NULL, *got = NULL;

	ten_releases(f->s, ids);
	assert_store_ok(f->s, release_build_create(f->s, "myapp", NULL, &pending));
	assert_store_ok(f->s, release_prune(f->s, "myapp", 0, NULL));
	assert_store_ok(f->s, release_build_get(f->s, "myapp", release_build_id(pending), &got));
	release_build_free(pending);
	release_build_free(got);
}

static void prune_without_an_active_release_deletes_nothing(void **state)
{
	struct fixture *f = *state;
	size_t removed = 7;

	make_app(f->s, "myapp");
	for (int i = 0; i < 5; i++)
		release_free(make_build_release(f->s, "myapp", "b"));
	assert_store_ok(f->s, release_prune(f->s, "myapp", 0, &removed));
	assert_int_equal(removed, 0);
	assert_int_equal(count_releases(f->s, "myapp"), 5);
}

static void versions_continue_after_pruning(void **state)
{
	struct fixture *f = *state;
	char ids[11][16];
	release *r;

	ten_releases(f->s, ids);
	assert_store_ok(f->s, release_prune(f->s, "myapp", 0, NULL));
	r = set_env(f->s, "myapp", "NEW=1");
	assert_int_equal(release_version(r), 11);
	release_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(prune_keeps_n_older_the_active_newer_and_previous),
		T(prune_with_zero_keeps_only_what_is_needed),
		T(prune_deletes_builds_only_pruned_releases_used),
		T(prune_keeps_a_build_shared_with_a_kept_release),
		T(prune_keeps_builds_without_a_release),
		T(prune_without_an_active_release_deletes_nothing),
		T(versions_continue_after_pruning),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
