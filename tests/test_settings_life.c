/* Per-app settings across handles and the app's life: compare-and-swap on
 * the revision, writers racing, deletion, other writes. */
#include "harness.h"
#include "race_store.h"
#include "settings_util.h"

#include <stdlib.h>
#include <string.h>

static void a_handle_reading_again_sees_changes_made_since(void **state)
{
	struct fixture *f = *state;
	release_store *other = fixture_second_handle(f);
	const char *add[] = {"SECRET"};
	release_settings *st;

	make_app(f->s, "myapp");
	set_hook(f->s, "myapp", "run");
	assert_int_equal(revision_of(other, "myapp"), 2);
	mask(f->s, "myapp", add, 1, NULL, 0);
	st = get_settings(other, "myapp");
	assert_string_equal(mask_list(st), "SECRET");
	assert_int_equal(release_settings_revision(st), 3);
	release_settings_free(st);
	release_store_close(other);
}

static void a_stale_revision_is_econflict_and_writes_nothing(void **state)
{
	struct fixture *f = *state;
	release_store *other = fixture_second_handle(f);
	const char *mine[] = {"MINE"}, *theirs[] = {"THEIRS"};
	release_settings_opts o;
	release_settings *st = (release_settings *)1;

	make_app(f->s, "myapp");
	set_hook(f->s, "myapp", "run");
	/* read at revision 2; another handle writes revision 3 */
	mask(other, "myapp", theirs, 1, NULL, 0);
	release_settings_opts_init(&o);
	o.mask_add = mine;
	o.mask_add_n = 1;
	o.revision = 2;
	assert_int_equal(release_settings_update(f->s, "myapp", &o, &st), RELEASE_ECONFLICT);
	assert_null(st);
	st = get_settings(f->s, "myapp");
	assert_string_equal(mask_list(st), "THEIRS");
	assert_int_equal(release_settings_revision(st), 3);
	release_settings_free(st);
	release_store_close(other);
}

static void the_current_revision_is_accepted(void **state)
{
	struct fixture *f = *state;
	const char *add[] = {"A"};
	release_settings_opts o;

	make_app(f->s, "myapp");
	set_hook(f->s, "myapp", "run");
	set_hook(f->s, "myapp", "run2");
	release_settings_opts_init(&o);
	o.mask_add = add;
	o.mask_add_n = 1;
	o.revision = 3;
	assert_store_ok(f->s, release_settings_update(f->s, "myapp", &o, NULL));
	assert_int_equal(revision_of(f->s, "myapp"), 4);
}

static void a_revision_that_was_never_reached_is_econflict(void **state)
{
	struct fixture *f = *state;
	release_settings_opts o;

	make_app(f->s, "myapp");
	release_settings_opts_init(&o);
	o.hook = "run";
	o.revision = 5;
	assert_int_equal(release_settings_update(f->s, "myapp", &o, NULL), RELEASE_ECONFLICT);
	assert_int_equal(revision_of(f->s, "myapp"), 1);
}

struct racer {
	release_store *other;
	const char *key;
};

static void race_in_a_mask(void *arg)
{
	struct racer *r = arg;

	mask(r->other, "myapp", &r->key, 1, NULL, 0);
}

/* Another handle lands its key between our read and our write. */
static void keys_masked_by_two_handles_at_once_are_both_kept(void **state)
{
	struct race_backend *b = race_backend_new();
	release_store *s = race_backend_open(b);
	struct racer r = {race_backend_open(b), "THEIRS"};
	const char *mine[] = {"MINE"};
	release_settings *st;

	(void)state;
	make_app(s, "myapp");
	race_before_write(b, race_in_a_mask, &r);
	mask(s, "myapp", mine, 1, NULL, 0);
	assert_int_equal(b->fired, 1);
	st = get_settings(s, "myapp");
	assert_string_equal(mask_list(st), "MINE THEIRS");
	assert_int_equal(release_settings_revision(st), 3);
	release_settings_free(st);
	release_store_close(r.other);
	release_store_close(s);
	race_backend_unref(b);
}

/* With a revision, a writer between our read and our write is not merged. */
static void a_revision_raced_by_another_handle_is_econflict(void **state)
{
	struct race_backend *b = race_backend_new();
	release_store *s = race_backend_open(b);
	struct racer r = {race_backend_open(b), "THEIRS"};
	const char *mine[] = {"MINE"};
	release_settings_opts o;
	release_settings *st;

	(void)state;
	make_app(s, "myapp");
	set_hook(s, "myapp", "first");
	race_before_write(b, race_in_a_mask, &r);
	release_settings_opts_init(&o);
	o.mask_add = mine;
	o.mask_add_n = 1;
	o.hook = "second";
	o.revision = 2;
	assert_int_equal(release_settings_update(s, "myapp", &o, NULL), RELEASE_ECONFLICT);
	assert_int_equal(b->fired, 1);
	st = get_settings(s, "myapp");
	assert_string_equal(mask_list(st), "THEIRS");
	assert_string_equal(release_settings_hook(st), "first");
	assert_int_equal(release_settings_revision(st), 3);
	release_settings_free(st);
	release_store_close(r.other);
	release_store_close(s);
	race_backend_unref(b);
}

static void an_app_deleted_and_created_again_has_no_settings(void **state)
{
	struct fixture *f = *state;
	const char *add[] = {"SECRET"};
	release_settings *st;

	make_app(f->s, "myapp");
	mask(f->s, "myapp", add, 1, NULL, 0);
	set_hook(f->s, "myapp", "run");
	assert_store_ok(f->s, release_app_delete(f->s, "myapp"));
	make_app(f->s, "myapp");
	st = get_settings(f->s, "myapp");
	assert_int_equal(release_settings_mask_count(st), 0);
	assert_null(release_settings_hook(st));
	assert_int_equal(release_settings_revision(st), 1);
	release_settings_free(st);
}

static void settings_of_an_app_created_again_count_revisions_from_the_start(void **state)
{
	struct fixture *f = *state;
	const char *old[] = {"OLD"}, *fresh[] = {"NEW"};
	release_settings *st;

	make_app(f->s, "myapp");
	mask(f->s, "myapp", old, 1, NULL, 0);
	set_hook(f->s, "myapp", "run");
	assert_store_ok(f->s, release_app_delete(f->s, "myapp"));
	make_app(f->s, "myapp");
	mask(f->s, "myapp", fresh, 1, NULL, 0);
	st = get_settings(f->s, "myapp");
	assert_string_equal(mask_list(st), "NEW");
	assert_null(release_settings_hook(st));
	assert_int_equal(release_settings_revision(st), 2);
	release_settings_free(st);
}

static void settings_belong_to_their_app(void **state)
{
	struct fixture *f = *state;
	const char *add[] = {"SECRET"};
	release_settings *st;

	make_app(f->s, "myapp");
	make_app(f->s, "other");
	mask(f->s, "myapp", add, 1, NULL, 0);
	set_hook(f->s, "myapp", "run");
	st = get_settings(f->s, "other");
	assert_int_equal(release_settings_mask_count(st), 0);
	assert_null(release_settings_hook(st));
	assert_int_equal(release_settings_revision(st), 1);
	release_settings_free(st);
}

static void a_settings_change_creates_and_promotes_nothing(void **state)
{
	struct fixture *f = *state;
	const char *add[] = {"SECRET"};
	release *r1, *r2;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	promote(f->s, "myapp", release_id(r1));
	r2 = set_env(f->s, "myapp", "SECRET=x");
	mask(f->s, "myapp", add, 1, NULL, 0);
	set_hook(f->s, "myapp", "run");
	assert_int_equal(count_releases(f->s, "myapp"), 2);
	assert_string_equal(active_of(f->s, "myapp"), release_id(r1));
	release_free(r1);
	release_free(r2);
}

static void settings_survive_releases_promotions_rollbacks_and_prunes(void **state)
{
	struct fixture *f = *state;
	const char *add[] = {"SECRET"};
	release *r1, *r2;
	release_settings *st;

	make_app(f->s, "myapp");
	mask(f->s, "myapp", add, 1, NULL, 0);
	set_hook(f->s, "myapp", "run");
	r1 = make_build_release(f->s, "myapp", "one");
	promote(f->s, "myapp", release_id(r1));
	r2 = set_env(f->s, "myapp", "SECRET=x");
	promote(f->s, "myapp", release_id(r2));
	assert_store_ok(f->s, release_rollback(f->s, "myapp", NULL, NULL, NULL));
	release_free(set_env(f->s, "myapp", "OTHER=1"));
	assert_store_ok(f->s, release_prune(f->s, "myapp", 0, NULL));
	st = get_settings(f->s, "myapp");
	assert_string_equal(mask_list(st), "SECRET");
	assert_string_equal(release_settings_hook(st), "run");
	assert_int_equal(release_settings_revision(st), 3);
	release_settings_free(st);
	release_free(r1);
	release_free(r2);
}

static int found_record(void *payload, uint64_t seq, const char *key, const void *data,
			size_t len)
{
	(void)seq;
	(void)key;
	(void)data;
	(void)len;
	++*(int *)payload;
	return 0;
}

/* Deleting an app deletes its settings with it, not only from view. */
static void deleting_the_app_removes_its_settings_record(void **state)
{
	struct race_backend *b = race_backend_new();
	release_store *s = race_backend_open(b);
	const char *add[] = {"SECRET"};
	int found = 0;

	(void)state;
	make_app(s, "myapp");
	mask(s, "myapp", add, 1, NULL, 0);
	assert_int_equal(b->inner->get(b->inner_ctx, "myapp", RELEASE_KIND_META, "settings",
				       found_record, &found),
			 0);
	assert_int_equal(found, 1);
	assert_store_ok(s, release_app_delete(s, "myapp"));
	found = 0;
	assert_int_equal(b->inner->get(b->inner_ctx, "myapp", RELEASE_KIND_META, "settings",
				       found_record, &found),
			 RELEASE_ENOTFOUND);
	assert_int_equal(found, 0);
	release_store_close(s);
	race_backend_unref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(a_handle_reading_again_sees_changes_made_since),
		T(a_stale_revision_is_econflict_and_writes_nothing),
		T(the_current_revision_is_accepted),
		T(a_revision_that_was_never_reached_is_econflict),
		cmocka_unit_test(keys_masked_by_two_handles_at_once_are_both_kept),
		cmocka_unit_test(a_revision_raced_by_another_handle_is_econflict),
		T(an_app_deleted_and_created_again_has_no_settings),
		T(settings_of_an_app_created_again_count_revisions_from_the_start),
		T(settings_belong_to_their_app),
		T(a_settings_change_creates_and_promotes_nothing),
		T(settings_survive_releases_promotions_rollbacks_and_prunes),
		cmocka_unit_test(deleting_the_app_removes_its_settings_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
