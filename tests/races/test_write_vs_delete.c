/*
 * A write racing release_app_delete(): it read the app before the deletion
 * and lands after it. Whatever it returns, nothing it wrote may show in an
 * app created again under the same name: the new app starts with no
 * history, its versions and build sequence from 1.
 */
#include "race_backend.h"

#include <stdio.h>
#include <string.h>

#define APP "web"
#define OLD_RELEASES 3

/* Hook: the app is deleted and created again by another handle. */
static void delete_and_create(void *arg)
{
	struct race_fixture *f = arg;

	assert_store_ok(f->s[1], release_app_delete(f->s[1], APP));
	assert_store_ok(f->s[1], release_app_create(f->s[1], APP, NULL));
}

/* Hook: the app is deleted by another handle. */
static void delete_only(void *arg)
{
	struct race_fixture *f = arg;

	assert_store_ok(f->s[1], release_app_delete(f->s[1], APP));
}

/* An app with OLD_RELEASES releases of builds, the last with env OLD=1. */
static void old_history(struct race_fixture *f, char (*ids)[32], char (*builds)[32])
{
	const char *pair = "OLD=1";
	release *r = NULL;

	make_app(f->s[0], APP);
	race_history(f->s[0], APP, OLD_RELEASES - 1, ids, builds);
	assert_store_ok(f->s[0], release_env_set(f->s[0], APP, &pair, 1, &r));
	snprintf(ids[OLD_RELEASES - 1], sizeof ids[0], "%s", release_id(r));
	release_free(r);
}

/* The app as created again shows nothing of the old one: none of its ids,
 * no release with its env, versions numbered from 1. */
static void check_fresh(struct race_fixture *f, char (*ids)[32], char (*builds)[32])
{
	release_store *s = f->s[1];
	release_iter *it = NULL;
	const release *r;
	size_t n = 0, total = count_releases(s, APP);
	int rc;

	assert_store_ok(s, release_list(s, APP, NULL, &it));
	while ((rc = release_iter_next(it, &r)) == 0) {
		if (release_env_get(r, "OLD"))
			fail_msg("the new app '%s' shows release %s (version %llu) carrying the "
				 "deleted app's env OLD=%s",
				 APP, release_id(r), (unsigned long long)release_version(r),
				 release_env_get(r, "OLD"));
		if (release_version(r) != total - n)
			fail_msg("the new app '%s' has %zu releases, the newest at version %llu: its "
				 "numbering goes on from the deleted app's",
				 APP, total, (unsigned long long)release_version(r));
		n++;
	}
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_iter_free(it);
	for (size_t i = 0; i < OLD_RELEASES; i++)
		if (race_release_exists(s, APP, ids[i]))
			fail_msg("the deleted app's release %s is found in the new app", ids[i]);
	for (size_t i = 0; builds && i < OLD_RELEASES - 1; i++)
		if (race_build_exists(s, APP, builds[i]))
			fail_msg("the deleted app's build %s is found in the new app", builds[i]);
	race_check_consistent(s, APP);
}

/* The build sequence of the app as created again starts at 1. */
static void check_fresh_builds(struct race_fixture *f)
{
	uint64_t seqs[16];
	size_t n = race_seqs(f, APP, RELEASE_KIND_BUILD, seqs, 16);

	for (size_t i = 0; i < n; i++)
		if (seqs[i] != n - i)
			fail_msg("the new app '%s' has %zu builds, the newest at sequence %llu: its "
				 "sequence goes on from the deleted app's",
				 APP, n, (unsigned long long)seqs[0]);
}

static void env_set_racing_delete_and_create_is_not_adopted(void **state)
{
	struct race_fixture *f = *state;
	struct race_hook h = {RACE_PUT_OF, RELEASE_KIND_RELEASE, 0, delete_and_create, f, 0, 0};
	char ids[OLD_RELEASES][32], builds[OLD_RELEASES][32];
	const char *pair = "NEW=1";
	release *r = NULL;
	int rc;

	race_need_commit(f);
	old_history(f, ids, builds);
	/* env set reads the app and its newest release; the app is deleted
	 * and created again before its release is written */
	race_hook(f, 0, &h);
	rc = release_env_set(f->s[0], APP, &pair, 1, &r);
	assert_int_equal(race_fired(f, 0), 1);
	if (rc == 0 && r)
		print_message("env set wrote version %llu\n", (unsigned long long)release_version(r));
	else
		print_message("env set: %s\n", release_strerror(rc));
	release_free(r);
	check_fresh(f, ids, builds);
}

static void env_set_landing_after_delete_is_not_adopted_by_a_later_create(void **state)
{
	struct race_fixture *f = *state;
	struct race_hook h = {RACE_PUT_OF, RELEASE_KIND_RELEASE, 0, delete_only, f, 0, 0};
	char ids[OLD_RELEASES][32], builds[OLD_RELEASES][32];
	const char *pair = "NEW=1";
	release *r = NULL;
	int rc;

	race_need_commit(f);
	old_history(f, ids, builds);
	race_hook(f, 0, &h);
	rc = release_env_set(f->s[0], APP, &pair, 1, &r);
	release_free(r);
	assert_int_equal(race_fired(f, 0), 1);
	make_app(f->s[1], APP);
	check_fresh(f, ids, builds);
	/* the app was gone when the write would have landed */
	assert_int_equal(rc, RELEASE_ENOTFOUND);
}

static void release_create_racing_delete_and_create_is_not_adopted(void **state)
{
	struct race_fixture *f = *state;
	struct race_hook h = {RACE_PUT_OF, RELEASE_KIND_RELEASE, 0, delete_and_create, f, 0, 0};
	char ids[OLD_RELEASES][32], builds[OLD_RELEASES][32];
	release_build_opts o;
	release_build *b = NULL;
	release *r = NULL;
	int rc;

	race_need_commit(f);
	old_history(f, ids, builds);
	release_build_opts_init(&o);
	o.status = RELEASE_BUILD_COMPLETE;
	assert_store_ok(f->s[0], release_build_create(f->s[0], APP, &o, &b));
	race_hook(f, 0, &h);
	rc = release_create(f->s[0], APP, release_build_id(b), &r);
	assert_int_equal(race_fired(f, 0), 1);
	if (rc == 0)
		print_message("release_create wrote version %llu of build %s\n",
			      (unsigned long long)release_version(r), release_build_of(r));
	release_free(r);
	check_fresh(f, ids, builds);
	/* its build was the deleted app's: no release may refer to it */
	if (race_build_exists(f->s[1], APP, release_build_id(b)))
		fail_msg("the deleted app's build %s is found in the new app",
			 release_build_id(b));
	release_build_free(b);
}

static void build_create_racing_delete_and_create_is_not_adopted(void **state)
{
	struct race_fixture *f = *state;
	struct race_hook h = {RACE_PUT_OF, RELEASE_KIND_BUILD, 0, delete_and_create, f, 0, 0};
	char ids[OLD_RELEASES][32], builds[OLD_RELEASES][32];
	release_build *b = NULL;
	int rc;

	race_need_commit(f);
	old_history(f, ids, builds);
	race_hook(f, 0, &h);
	rc = release_build_create(f->s[0], APP, NULL, &b);
	assert_int_equal(race_fired(f, 0), 1);
	if (rc != 0)
		print_message("build create: %s\n", release_strerror(rc));
	release_build_free(b);
	check_fresh(f, ids, builds);
	check_fresh_builds(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(env_set_racing_delete_and_create_is_not_adopted,
						race_setup, race_teardown),
		cmocka_unit_test_setup_teardown(
			env_set_landing_after_delete_is_not_adopted_by_a_later_create, race_setup,
			race_teardown),
		cmocka_unit_test_setup_teardown(
			release_create_racing_delete_and_create_is_not_adopted, race_setup,
			race_teardown),
		cmocka_unit_test_setup_teardown(build_create_racing_delete_and_create_is_not_adopted,
						race_setup, race_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
