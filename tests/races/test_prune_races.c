/*
 * release_prune() racing the writes that change what it must keep: a
 * forced promotion of an old release, and a rollback whose copy (or a new
 * release) uses an old build. Whichever lands first, the app's active release exists, and so
 * does the build of every release it has.
 */
#include "race_backend.h"

#include <string.h>

#define APP "worker"
#define N 5 /* releases R1..R5, each of its own build; R5 active, R4 previous */

struct history {
	struct race_fixture *f;
	char ids[N][32];
	char builds[N][32];
	int rc;        /* the racing call's result */
	release *copy; /* a rollback's copy */
};

static void setup_history(struct history *h)
{
	race_need_commit(h->f);
	make_app(h->f->s[0], APP);
	race_history(h->f->s[0], APP, N, h->ids, h->builds);
}

/* Hook: another handle force-promotes R1, the oldest release. */
static void force_oldest(void *arg)
{
	struct history *h = arg;
	release_promote_opts o;

	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_FORCE;
	assert_store_ok(h->f->s[1], release_promote(h->f->s[1], APP, h->ids[0], &o));
}

/* Hook: another handle rolls back to R1, the oldest release. */
static void roll_back_to_oldest(void *arg)
{
	struct history *h = arg;

	assert_store_ok(h->f->s[1], release_rollback(h->f->s[1], APP, h->ids[0], NULL, &h->copy));
}

/* Hook: another handle makes a new release of build-1, R1's. */
static void release_oldest_build(void *arg)
{
	struct history *h = arg;

	assert_store_ok(h->f->s[1], release_create(h->f->s[1], APP, h->builds[0], &h->copy));
}

/* Hook (and deployer): another handle prunes everything it may. */
static void prune_all(void *arg)
{
	struct history *h = arg;
	size_t removed = 0;

	assert_store_ok(h->f->s[1], release_prune(h->f->s[1], APP, 0, &removed));
	print_message("the racing prune removed %zu releases\n", removed);
}

static int deploy_while_pruned(void *payload, const release *r, release_events *events)
{
	(void)r;
	(void)events;
	prune_all(payload);
	return 0;
}

static void prune_keeps_a_release_force_promoted_after_it_looked(void **state)
{
	struct history h = {*state, {{0}}, {{0}}, 0, NULL};
	struct race_hook hook = {RACE_DELETE_OF, RELEASE_KIND_RELEASE, 0, force_oldest, &h, 0, 0};
	size_t removed = 0;
	int rc;

	setup_history(&h);
	/* prune has decided R1..R3 go; before it deletes the first, R1 is
	 * made active by force */
	race_hook(h.f, 0, &hook);
	rc = release_prune(h.f->s[0], APP, 0, &removed);
	assert_int_equal(race_fired(h.f, 0), 1);
	assert_string_equal(active_of(h.f->s[1], APP), h.ids[0]);
	if (!race_release_exists(h.f->s[1], APP, h.ids[0]))
		fail_msg("prune deleted %s, which a forced promotion had made active "
			 "(prune returned %d, removed %zu)",
			 h.ids[0], rc, removed);
	race_check_consistent(h.f->s[1], APP);
	assert_store_ok(h.f->s[0], rc);
}

static void forced_promotion_of_a_release_pruned_meanwhile_does_not_activate_it(void **state)
{
	struct history h = {*state, {{0}}, {{0}}, 0, NULL};
	release_promote_opts o;
	int rc;

	setup_history(&h);
	/* R1 is read and its deployment runs while a prune deletes it */
	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_FORCE;
	o.deploy = deploy_while_pruned;
	o.deploy_payload = &h;
	rc = release_promote(h.f->s[0], APP, h.ids[0], &o);
	print_message("the promotion: %s\n", rc ? release_strerror(rc) : "0");
	race_check_consistent(h.f->s[1], APP);
	if (rc == 0)
		assert_string_equal(active_of(h.f->s[1], APP), h.ids[0]);
	else
		assert_string_equal(active_of(h.f->s[1], APP), h.ids[N - 1]);
}

static void prune_keeps_the_build_of_a_rollback_copy_promoted_after_it_looked(void **state)
{
	struct history h = {*state, {{0}}, {{0}}, 0, NULL};
	struct race_hook hook = {RACE_DELETE_OF, RELEASE_KIND_RELEASE, 0, roll_back_to_oldest, &h,
				 0, 0};
	size_t removed = 0;
	int rc;

	setup_history(&h);
	/* prune has decided build-1 goes with R1; before it deletes anything
	 * a rollback to R1 makes a copy of build-1 active */
	race_hook(h.f, 0, &hook);
	rc = release_prune(h.f->s[0], APP, 0, &removed);
	assert_int_equal(race_fired(h.f, 0), 1);
	assert_non_null(h.copy);
	assert_string_equal(release_build_of(h.copy), h.builds[0]);
	assert_string_equal(active_of(h.f->s[1], APP), release_id(h.copy));
	if (!race_build_exists(h.f->s[1], APP, h.builds[0]))
		fail_msg("prune deleted build %s, which the active rollback copy %s uses "
			 "(prune returned %d, removed %zu)",
			 h.builds[0], release_id(h.copy), rc, removed);
	race_check_consistent(h.f->s[1], APP);
	release_free(h.copy);
	assert_store_ok(h.f->s[0], rc);
}

static void prune_keeps_a_build_a_new_release_took_up_after_it_looked(void **state)
{
	struct history h = {*state, {{0}}, {{0}}, 0, NULL};
	struct race_hook hook = {RACE_DELETE_OF, RELEASE_KIND_RELEASE, 0, release_oldest_build, &h,
				 0, 0};
	size_t removed = 0;
	int rc;

	setup_history(&h);
	/* prune has decided build-1 goes with R1; before it deletes anything
	 * a new release of build-1 is made */
	race_hook(h.f, 0, &hook);
	rc = release_prune(h.f->s[0], APP, 0, &removed);
	assert_int_equal(race_fired(h.f, 0), 1);
	assert_non_null(h.copy);
	if (!race_build_exists(h.f->s[1], APP, h.builds[0]))
		fail_msg("prune deleted build %s, which the new release %s uses "
			 "(prune returned %d, removed %zu)",
			 h.builds[0], release_id(h.copy), rc, removed);
	assert_true(race_release_exists(h.f->s[1], APP, release_id(h.copy)));
	race_check_consistent(h.f->s[1], APP);
	release_free(h.copy);
	assert_store_ok(h.f->s[0], rc);
}

static void rollback_copy_racing_prune_never_refers_to_a_deleted_build(void **state)
{
	struct history h = {*state, {{0}}, {{0}}, 0, NULL};
	struct race_hook hook = {RACE_PUT_OF, RELEASE_KIND_RELEASE, 0, prune_all, &h, 0, 0};
	release *copy = NULL;
	int rc;

	setup_history(&h);
	/* the rollback has read R1 and drafted its copy of build-1; before
	 * the copy is written a prune deletes R1 and build-1 */
	race_hook(h.f, 0, &hook);
	rc = release_rollback(h.f->s[0], APP, h.ids[0], NULL, &copy);
	assert_int_equal(race_fired(h.f, 0), 1);
	print_message("the rollback: %s\n", rc ? release_strerror(rc) : "0");
	if (rc == 0) {
		if (!race_build_exists(h.f->s[1], APP, release_build_of(copy)))
			fail_msg("the rollback's copy %s is active with build %s, which the prune "
				 "deleted",
				 release_id(copy), release_build_of(copy));
		assert_string_equal(active_of(h.f->s[1], APP), release_id(copy));
	} else {
		assert_string_equal(active_of(h.f->s[1], APP), h.ids[N - 1]);
	}
	race_check_consistent(h.f->s[1], APP);
	release_free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(prune_keeps_a_release_force_promoted_after_it_looked,
						race_setup, race_teardown),
		cmocka_unit_test_setup_teardown(
			forced_promotion_of_a_release_pruned_meanwhile_does_not_activate_it,
			race_setup, race_teardown),
		cmocka_unit_test_setup_teardown(
			prune_keeps_the_build_of_a_rollback_copy_promoted_after_it_looked, race_setup,
			race_teardown),
		cmocka_unit_test_setup_teardown(
			prune_keeps_a_build_a_new_release_took_up_after_it_looked, race_setup,
			race_teardown),
		cmocka_unit_test_setup_teardown(
			rollback_copy_racing_prune_never_refers_to_a_deleted_build, race_setup,
			race_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
