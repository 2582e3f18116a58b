/*
 * A creation racing a deletion that is still removing the app's records:
 * once the name is created again, what the deletion has left to remove is
 * the new app's, and the new app's acknowledged releases must survive it.
 */
#include "race_backend.h"

#include <string.h>

#define APP "api"
#define OLD 3
#define NEW 2

struct recreate {
	struct race_fixture *f;
	char ids[NEW][32];
	char builds[NEW][32];
};

/* Hook: another handle creates the app again (finishing the deletion it
 * finds under way) and writes and promotes NEW releases. */
static void create_and_write(void *arg)
{
	struct recreate *c = arg;
	release_store *s = c->f->s[1];

	assert_store_ok(s, release_app_create(s, APP, NULL));
	race_history(s, APP, NEW, c->ids, c->builds);
}

/* Everything the new app was told it has is there. */
static void check_new_app_intact(struct race_fixture *f, const struct recreate *c)
{
	release_store *s = f->s[1];
	size_t n = count_releases(s, APP);

	for (size_t i = 0; i < NEW; i++) {
		if (!race_release_exists(s, APP, c->ids[i]))
			fail_msg("release %s, written and acknowledged after the app was created "
				 "again, was removed by the deletion under way (%zu releases left)",
				 c->ids[i], n);
		if (!race_build_exists(s, APP, c->builds[i]))
			fail_msg("build %s of the new app was removed by the deletion under way",
				 c->builds[i]);
	}
	if (strcmp(active_of(s, APP), c->ids[NEW - 1]) != 0)
		fail_msg("the new app's active release is '%s', not %s", active_of(s, APP),
			 c->ids[NEW - 1]);
	assert_int_equal(n, NEW);
	race_check_consistent(s, APP);
}

static void deletion_paused_in_its_purge_leaves_the_app_created_again(void **state)
{
	struct race_fixture *f = *state;
	struct recreate c = {f, {{0}}, {{0}}};
	struct race_hook h = {RACE_DELETE_OF, RELEASE_KIND_RELEASE, 0, create_and_write, &c, 0, 0};

	race_need_commit(f);
	make_app(f->s[0], APP);
	race_history(f->s[0], APP, OLD, NULL, NULL);
	/* the deletion has marked the app deleted and listed its releases;
	 * before it removes the first, the name is created again */
	race_hook(f, 0, &h);
	assert_store_ok(f->s[0], release_app_delete(f->s[0], APP));
	assert_int_equal(race_fired(f, 0), 1);
	check_new_app_intact(f, &c);
}

static void finishing_an_interrupted_delete_leaves_the_app_created_again(void **state)
{
	struct race_fixture *f = *state;
	struct recreate c = {f, {{0}}, {{0}}};
	struct race_hook broken = {RACE_DELETE_OF, RELEASE_KIND_RELEASE, 0, NULL, NULL, 0,
				   RELEASE_EIO};
	struct race_hook h = {RACE_DELETE_OF, RELEASE_KIND_RELEASE, 0, create_and_write, &c, 0, 0};
	release_app *a = NULL;
	int rc;

	race_need_commit(f);
	make_app(f->s[0], APP);
	race_history(f->s[0], APP, OLD, NULL, NULL);
	/* the deletion is interrupted after its commit point: the app is
	 * gone, its records are not */
	race_hook(f, 0, &broken);
	assert_store_ok(f->s[0], release_app_delete(f->s[0], APP));
	assert_int_equal(race_fired(f, 0), 1);
	assert_int_equal(release_app_get(f->s[1], APP, &a), RELEASE_ENOTFOUND);
	/* deleting again finishes it; before its first removal, the name is
	 * created again */
	race_hook(f, 0, &h);
	rc = release_app_delete(f->s[0], APP);
	assert_int_equal(race_fired(f, 0), 2);
	print_message("the finishing deletion: %s\n", rc ? release_strerror(rc) : "0");
	check_new_app_intact(f, &c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			deletion_paused_in_its_purge_leaves_the_app_created_again, race_setup,
			race_teardown),
		cmocka_unit_test_setup_teardown(
			finishing_an_interrupted_delete_leaves_the_app_created_again, race_setup,
			race_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
