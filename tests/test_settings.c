/* Per-app settings: the mask list and the deploy hook, kept with the app and
 * changed by compare-and-swap. */
#include "harness.h"
#include "race_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The app's settings; asserts success (caller frees). */
static release_settings *get_settings(release_store *s, const char *app)
{
	release_settings *st = NULL;

	assert_store_ok(s, release_settings_get(s, app, &st));
	assert_non_null(st);
	return st;
}

static uint64_t revision_of(release_store *s, const char *app)
{
	release_settings *st = get_settings(s, app);
	uint64_t rev = release_settings_revision(st);

	release_settings_free(st);
	return rev;
}

/* Masks or unmasks the given keys; asserts success. */
static void mask(release_store *s, const char *app, const char *const *add, size_t add_n,
		 const char *const *remove, size_t remove_n)
{
	release_settings_opts o;

	release_settings_opts_init(&o);
	o.mask_add = add;
	o.mask_add_n = add_n;
	o.mask_remove = remove;
	o.mask_remove_n = remove_n;
	assert_store_ok(s, release_settings_update(s, app, &o, NULL));
}

static void set_hook(release_store *s, const char *app, const char *hook)
{
	release_settings_opts o;

	release_settings_opts_init(&o);
	o.hook = hook;
	assert_store_ok(s, release_settings_update(s, app, &o, NULL));
}

/* The mask list as "A B C". */
static const char *mask_list(const release_settings *st)
{
	static char buf[4096];

	buf[0] = '\0';
	for (size_t i = 0; i < release_settings_mask_count(st); i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, release_settings_mask_key(st, i));
	}
	return buf;
}

static void an_app_without_settings_has_none_at_revision_0(void **state)
{
	struct fixture *f = *state;
	release_settings *st;

	make_app(f->s, "myapp");
	st = get_settings(f->s, "myapp");
	assert_int_equal(release_settings_revision(st), 0);
	assert_int_equal(release_settings_mask_count(st), 0);
	assert_null(release_settings_mask_key(st, 0));
	assert_int_equal(release_settings_masked(st, "ANY"), 0);
	assert_null(release_settings_hook(st));
	release_settings_free(st);
}

static void masked_keys_are_kept_in_byte_order(void **state)
{
	struct fixture *f = *state;
	const char *add[] = {"ZED", "alpha", "MID", "ALPHA"};
	release_settings *st;

	make_app(f->s, "myapp");
	mask(f->s, "myapp", add, 4, NULL, 0);
	st = get_settings(f->s, "myapp");
	assert_string_equal(mask_list(st), "ALPHA MID ZED alpha");
	assert_null(release_settings_mask_key(st, 4));
	assert_int_equal(release_settings_masked(st, "MID"), 1);
	assert_int_equal(release_settings_masked(st, "alpha"), 1);
	assert_int_equal(release_settings_masked(st, "Mid"), 0);
	release_settings_free(st);
}

static void update_returns_the_settings_as_written(void **state)
{
	struct fixture *f = *state;
	const char *add[] = {"SECRET"};
	release_settings_opts o;
	release_settings *st = NULL;

	make_app(f->s, "myapp");
	release_settings_opts_init(&o);
	o.mask_add = add;
	o.mask_add_n = 1;
	o.hook = "deploy.sh";
	assert_store_ok(f->s, release_settings_update(f->s, "myapp", &o, &st));
	assert_non_null(st);
	assert_string_equal(mask_list(st), "SECRET");
	assert_string_equal(release_settings_hook(st), "deploy.sh");
	assert_int_equal(release_settings_revision(st), 1);
	release_settings_free(st);
}

static void masking_a_masked_key_again_changes_nothing(void **state)
{
	struct fixture *f = *state;
	const char *add[] = {"B", "A"}, *again[] = {"A"};
	release_settings *st;

	make_app(f->s, "myapp");
	mask(f->s, "myapp", add, 2, NULL, 0);
	mask(f->s, "myapp", again, 1, NULL, 0);
	st = get_settings(f->s, "myapp");
	assert_string_equal(mask_list(st), "A B");
	assert_int_equal(release_settings_revision(st), 1);
	release_settings_free(st);
}

static void unmasking_removes_keys_and_ignores_absent_ones(void **state)
{
	struct fixture *f = *state;
	const char *add[] = {"A", "B", "C"}, *remove[] = {"NOPE", "B"};
	release_settings *st;

	make_app(f->s, "myapp");
	mask(f->s, "myapp", add, 3, NULL, 0);
	mask(f->s, "myapp", NULL, 0, remove, 2);
	st = get_settings(f->s, "myapp");
	assert_string_equal(mask_list(st), "A C");
	assert_int_equal(release_settings_masked(st, "B"), 0);
	assert_int_equal(release_settings_revision(st), 2);
	release_settings_free(st);
}

static void masking_and_unmasking_at_once_is_one_change(void **state)
{
	struct fixture *f = *state;
	const char *first[] = {"A", "B"}, *add[] = {"C"}, *remove[] = {"A"};
	release_settings *st;

	make_app(f->s, "myapp");
	mask(f->s, "myapp", first, 2, NULL, 0);
	mask(f->s, "myapp", add, 1, remove, 1);
	st = get_settings(f->s, "myapp");
	assert_string_equal(mask_list(st), "B C");
	assert_int_equal(release_settings_revision(st), 2);
	release_settings_free(st);
}

static void each_change_grows_the_revision_by_one(void **state)
{
	struct fixture *f = *state;
	const char *a[] = {"A"}, *b[] = {"B"};

	make_app(f->s, "myapp");
	mask(f->s, "myapp", a, 1, NULL, 0);
	assert_int_equal(revision_of(f->s, "myapp"), 1);
	set_hook(f->s, "myapp", "run");
	assert_int_equal(revision_of(f->s, "myapp"), 2);
	mask(f->s, "myapp", b, 1, a, 1);
	assert_int_equal(revision_of(f->s, "myapp"), 3);
	set_hook(f->s, "myapp", "run again");
	assert_int_equal(revision_of(f->s, "myapp"), 4);
}

static void a_change_that_changes_nothing_writes_nothing(void **state)
{
	struct fixture *f = *state;
	const char *add[] = {"A"}, *absent[] = {"NOPE"};
	release_settings_opts o;
	release_settings *st = NULL;
	void *before, *after;
	size_t before_len, after_len;

	make_app(f->s, "myapp");
	mask(f->s, "myapp", add, 1, NULL, 0);
	set_hook(f->s, "myapp", "run");
	shared_backend_read(f->backend, "myapp", RELEASE_KIND_META, "settings", &before,
			    &before_len);
	release_settings_opts_init(&o);
	o.mask_add = add;
	o.mask_add_n = 1;
	o.mask_remove = absent;
	o.mask_remove_n = 1;
	o.hook = "run";
	assert_store_ok(f->s, release_settings_update(f->s, "myapp", &o, &st));
	assert_int_equal(release_settings_revision(st), 2);
	assert_string_equal(mask_list(st), "A");
	shared_backend_read(f->backend, "myapp", RELEASE_KIND_META, "settings", &after,
			    &after_len);
	assert_int_equal(after_len, before_len);
	assert_memory_equal(after, before, before_len);
	free(before);
	free(after);
	release_settings_free(st);
}

static void an_empty_change_of_a_new_app_keeps_revision_0(void **state)
{
	struct fixture *f = *state;
	const char *absent[] = {"NOPE"};
	release_settings_opts o;

	make_app(f->s, "myapp");
	release_settings_opts_init(&o);
	o.mask_remove = absent;
	o.mask_remove_n = 1;
	o.clear_hook = 1;
	assert_store_ok(f->s, release_settings_update(f->s, "myapp", &o, NULL));
	assert_int_equal(revision_of(f->s, "myapp"), 0);
}

/* Each is refused whichever list holds it, and nothing is written. */
static void keys_that_are_not_env_keys_are_einval(void **state)
{
	struct fixture *f = *state;
	const char *bad[] = {"A=B", "has space", "", NULL, "1ABC", "A-B", "TAB\t"};
	const char *good = "GOOD";

	make_app(f->s, "myapp");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		for (int remove = 0; remove < 2; remove++) {
			const char *keys[] = {good, bad[i]};
			release_settings_opts o;
			release_settings *st = (release_settings *)1;

			release_settings_opts_init(&o);
			if (remove) {
				o.mask_remove = keys;
				o.mask_remove_n = 2;
			} else {
				o.mask_add = keys;
				o.mask_add_n = 2;
			}
			if (release_settings_update(f->s, "myapp", &o, &st) != RELEASE_EINVAL)
				fail_msg("key '%s' in mask_%s was not refused",
					 bad[i] ? bad[i] : "(NULL)", remove ? "remove" : "add");
			assert_null(st);
		}
	assert_int_equal(revision_of(f->s, "myapp"), 0);
}

static void a_null_key_list_with_a_count_is_einval(void **state)
{
	struct fixture *f = *state;
	release_settings_opts o;

	make_app(f->s, "myapp");
	release_settings_opts_init(&o);
	o.mask_add_n = 1;
	assert_int_equal(release_settings_update(f->s, "myapp", &o, NULL), RELEASE_EINVAL);
	release_settings_opts_init(&o);
	o.mask_remove_n = 1;
	assert_int_equal(release_settings_update(f->s, "myapp", &o, NULL), RELEASE_EINVAL);
	assert_int_equal(revision_of(f->s, "myapp"), 0);
}

static void a_key_both_masked_and_unmasked_is_einval(void **state)
{
	struct fixture *f = *state;
	const char *add[] = {"A", "B"}, *remove[] = {"C", "B"};
	release_settings_opts o;

	make_app(f->s, "myapp");
	release_settings_opts_init(&o);
	o.mask_add = add;
	o.mask_add_n = 2;
	o.mask_remove = remove;
	o.mask_remove_n = 2;
	assert_int_equal(release_settings_update(f->s, "myapp", &o, NULL), RELEASE_EINVAL);
	assert_int_equal(revision_of(f->s, "myapp"), 0);
}

/* keys[i] = "K<i>", for i < n (caller frees both). */
static char **numbered_keys(size_t from, size_t n, char **block)
{
	char **keys = calloc(n, sizeof *keys);

	assert_non_null(keys);
	assert_non_null(*block = malloc(n * 16));
	for (size_t i = 0; i < n; i++) {
		keys[i] = *block + i * 16;
		snprintf(keys[i], 16, "K%zu", from + i);
	}
	return keys;
}

static void more_than_500_masked_keys_at_once_are_einval(void **state)
{
	struct fixture *f = *state;
	char *block, **keys = numbered_keys(0, RELEASE_MASK_MAX + 1, &block);
	release_settings_opts o;

	make_app(f->s, "myapp");
	release_settings_opts_init(&o);
	o.mask_add = (const char *const *)keys;
	o.mask_add_n = RELEASE_MASK_MAX + 1;
	assert_int_equal(release_settings_update(f->s, "myapp", &o, NULL), RELEASE_EINVAL);
	assert_int_equal(revision_of(f->s, "myapp"), 0);
	free(keys);
	free(block);
}

static void a_full_mask_list_takes_no_more_keys(void **state)
{
	struct fixture *f = *state;
	char *block, **keys = numbered_keys(0, RELEASE_MASK_MAX + 1, &block);
	release_settings *st;

	make_app(f->s, "myapp");
	mask(f->s, "myapp", (const char *const *)keys, RELEASE_MASK_MAX, NULL, 0);
	st = get_settings(f->s, "myapp");
	assert_int_equal(release_settings_mask_count(st), RELEASE_MASK_MAX);
	release_settings_free(st);
	/* one more is refused; one already there is not a new one */
	{
		release_settings_opts o;
		const char *const *last = (const char *const *)keys + RELEASE_MASK_MAX;

		release_settings_opts_init(&o);
		o.mask_add = last;
		o.mask_add_n = 1;
		assert_int_equal(release_settings_update(f->s, "myapp", &o, NULL), RELEASE_EINVAL);
		assert_int_equal(revision_of(f->s, "myapp"), 1);
		mask(f->s, "myapp", (const char *const *)keys, 1, NULL, 0);
		/* unmasking one makes room for it in the same change */
		o.mask_remove = (const char *const *)keys;
		o.mask_remove_n = 1;
		assert_store_ok(f->s, release_settings_update(f->s, "myapp", &o, NULL));
	}
	st = get_settings(f->s, "myapp");
	assert_int_equal(release_settings_mask_count(st), RELEASE_MASK_MAX);
	assert_int_equal(release_settings_masked(st, keys[RELEASE_MASK_MAX]), 1);
	assert_int_equal(release_settings_masked(st, keys[0]), 0);
	release_settings_free(st);
	free(keys);
	free(block);
}

static void a_hook_is_set_replaced_and_cleared(void **state)
{
	struct fixture *f = *state;
	release_settings_opts o;
	release_settings *st;

	make_app(f->s, "myapp");
	set_hook(f->s, "myapp", "./deploy --app myapp");
	st = get_settings(f->s, "myapp");
	assert_string_equal(release_settings_hook(st), "./deploy --app myapp");
	release_settings_free(st);
	set_hook(f->s, "myapp", "kubectl apply -f -");
	st = get_settings(f->s, "myapp");
	assert_string_equal(release_settings_hook(st), "kubectl apply -f -");
	release_settings_free(st);
	release_settings_opts_init(&o);
	o.clear_hook = 1;
	assert_store_ok(f->s, release_settings_update(f->s, "myapp", &o, NULL));
	st = get_settings(f->s, "myapp");
	assert_null(release_settings_hook(st));
	assert_int_equal(release_settings_revision(st), 3);
	release_settings_free(st);
}

static void a_hook_leaves_the_mask_list_alone(void **state)
{
	struct fixture *f = *state;
	const char *add[] = {"SECRET"};
	release_settings *st;

	make_app(f->s, "myapp");
	mask(f->s, "myapp", add, 1, NULL, 0);
	set_hook(f->s, "myapp", "run");
	st = get_settings(f->s, "myapp");
	assert_string_equal(mask_list(st), "SECRET");
	release_settings_free(st);
}

static void a_hook_with_clear_hook_is_einval(void **state)
{
	struct fixture *f = *state;
	release_settings_opts o;

	make_app(f->s, "myapp");
	release_settings_opts_init(&o);
	o.hook = "run";
	o.clear_hook = 1;
	assert_int_equal(release_settings_update(f->s, "myapp", &o, NULL), RELEASE_EINVAL);
	assert_int_equal(revision_of(f->s, "myapp"), 0);
}

static void an_empty_hook_is_einval(void **state)
{
	struct fixture *f = *state;
	release_settings_opts o;

	make_app(f->s, "myapp");
	set_hook(f->s, "myapp", "run");
	release_settings_opts_init(&o);
	o.hook = "";
	assert_int_equal(release_settings_update(f->s, "myapp", &o, NULL), RELEASE_EINVAL);
	assert_int_equal(revision_of(f->s, "myapp"), 1);
}

static void a_hook_of_65536_bytes_is_kept_and_one_more_is_einval(void **state)
{
	struct fixture *f = *state;
	char *hook = malloc(65537 + 1);
	release_settings_opts o;
	release_settings *st;

	assert_non_null(hook);
	make_app(f->s, "myapp");
	memset(hook, 'h', 65537);
	hook[65537] = '\0';
	release_settings_opts_init(&o);
	o.hook = hook;
	assert_int_equal(release_settings_update(f->s, "myapp", &o, NULL), RELEASE_EINVAL);
	assert_int_equal(revision_of(f->s, "myapp"), 0);
	hook[65536] = '\0';
	assert_store_ok(f->s, release_settings_update(f->s, "myapp", &o, NULL));
	st = get_settings(f->s, "myapp");
	assert_string_equal(release_settings_hook(st), hook);
	release_settings_free(st);
	free(hook);
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
	/* read at revision 1; another handle writes revision 2 */
	mask(other, "myapp", theirs, 1, NULL, 0);
	release_settings_opts_init(&o);
	o.mask_add = mine;
	o.mask_add_n = 1;
	o.revision = 1;
	assert_int_equal(release_settings_update(f->s, "myapp", &o, &st), RELEASE_ECONFLICT);
	assert_null(st);
	st = get_settings(f->s, "myapp");
	assert_string_equal(mask_list(st), "THEIRS");
	assert_int_equal(release_settings_revision(st), 2);
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
	o.revision = 2;
	assert_store_ok(f->s, release_settings_update(f->s, "myapp", &o, NULL));
	assert_int_equal(revision_of(f->s, "myapp"), 3);
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
	assert_int_equal(revision_of(f->s, "myapp"), 0);
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
	assert_int_equal(release_settings_revision(st), 2);
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
	o.revision = 1;
	assert_int_equal(release_settings_update(s, "myapp", &o, NULL), RELEASE_ECONFLICT);
	assert_int_equal(b->fired, 1);
	st = get_settings(s, "myapp");
	assert_string_equal(mask_list(st), "THEIRS");
	assert_string_equal(release_settings_hook(st), "first");
	assert_int_equal(release_settings_revision(st), 2);
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
	assert_int_equal(release_settings_revision(st), 0);
	release_settings_free(st);
}

static void settings_of_an_app_created_again_start_over_at_revision_1(void **state)
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
	assert_int_equal(release_settings_revision(st), 1);
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
	assert_int_equal(release_settings_revision(st), 0);
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

static void an_unknown_app_is_enotfound(void **state)
{
	struct fixture *f = *state;
	const char *add[] = {"A"};
	release_settings_opts o;
	release_settings *st = (release_settings *)1;

	assert_int_equal(release_settings_get(f->s, "nosuchapp", &st), RELEASE_ENOTFOUND);
	assert_null(st);
	release_settings_opts_init(&o);
	o.mask_add = add;
	o.mask_add_n = 1;
	st = (release_settings *)1;
	assert_int_equal(release_settings_update(f->s, "nosuchapp", &o, &st), RELEASE_ENOTFOUND);
	assert_null(st);
}

static void a_deleted_app_is_enotfound(void **state)
{
	struct fixture *f = *state;
	release_settings *st = (release_settings *)1;

	make_app(f->s, "myapp");
	set_hook(f->s, "myapp", "run");
	assert_store_ok(f->s, release_app_delete(f->s, "myapp"));
	assert_int_equal(release_settings_get(f->s, "myapp", &st), RELEASE_ENOTFOUND);
	assert_null(st);
}

static void uninitialised_or_missing_opts_are_einval(void **state)
{
	struct fixture *f = *state;
	release_settings_opts o;
	struct {
		release_settings_opts o;
		uint64_t newer;
	} big;

	make_app(f->s, "myapp");
	memset(&o, 0, sizeof o);
	o.hook = "run";
	assert_int_equal(release_settings_update(f->s, "myapp", &o, NULL), RELEASE_EINVAL);
	assert_int_equal(release_settings_update(f->s, "myapp", NULL, NULL), RELEASE_EINVAL);
	release_settings_opts_init(&o);
	o.hook = "run";
	o.size = sizeof o.size;
	assert_int_equal(release_settings_update(f->s, "myapp", &o, NULL), RELEASE_EINVAL);
	memset(&big, 0, sizeof big);
	release_settings_opts_init(&big.o);
	big.o.size = sizeof big;
	big.o.hook = "run";
	big.newer = 1;
	assert_int_equal(release_settings_update(f->s, "myapp", &big.o, NULL), RELEASE_EINVAL);
	assert_int_equal(revision_of(f->s, "myapp"), 0);
	big.newer = 0;
	assert_store_ok(f->s, release_settings_update(f->s, "myapp", &big.o, NULL));
	assert_int_equal(revision_of(f->s, "myapp"), 1);
}

static void accessors_accept_null(void **state)
{
	(void)state;
	assert_int_equal(release_settings_revision(NULL), 0);
	assert_int_equal(release_settings_mask_count(NULL), 0);
	assert_null(release_settings_mask_key(NULL, 0));
	assert_int_equal(release_settings_masked(NULL, "A"), 0);
	assert_null(release_settings_hook(NULL));
	release_settings_free(NULL);
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
	assert_int_equal(release_settings_revision(st), 2);
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
		T(an_app_without_settings_has_none_at_revision_0),
		T(masked_keys_are_kept_in_byte_order),
		T(update_returns_the_settings_as_written),
		T(masking_a_masked_key_again_changes_nothing),
		T(unmasking_removes_keys_and_ignores_absent_ones),
		T(masking_and_unmasking_at_once_is_one_change),
		T(each_change_grows_the_revision_by_one),
		T(a_change_that_changes_nothing_writes_nothing),
		T(an_empty_change_of_a_new_app_keeps_revision_0),
		T(keys_that_are_not_env_keys_are_einval),
		T(a_null_key_list_with_a_count_is_einval),
		T(a_key_both_masked_and_unmasked_is_einval),
		T(more_than_500_masked_keys_at_once_are_einval),
		T(a_full_mask_list_takes_no_more_keys),
		T(a_hook_is_set_replaced_and_cleared),
		T(a_hook_leaves_the_mask_list_alone),
		T(a_hook_with_clear_hook_is_einval),
		T(an_empty_hook_is_einval),
		T(a_hook_of_65536_bytes_is_kept_and_one_more_is_einval),
		T(a_stale_revision_is_econflict_and_writes_nothing),
		T(the_current_revision_is_accepted),
		T(a_revision_that_was_never_reached_is_econflict),
		cmocka_unit_test(keys_masked_by_two_handles_at_once_are_both_kept),
		cmocka_unit_test(a_revision_raced_by_another_handle_is_econflict),
		T(an_app_deleted_and_created_again_has_no_settings),
		T(settings_of_an_app_created_again_start_over_at_revision_1),
		T(settings_belong_to_their_app),
		T(a_settings_change_creates_and_promotes_nothing),
		T(settings_survive_releases_promotions_rollbacks_and_prunes),
		cmocka_unit_test(deleting_the_app_removes_its_settings_record),
		T(an_unknown_app_is_enotfound),
		T(a_deleted_app_is_enotfound),
		T(uninitialised_or_missing_opts_are_einval),
		T(accessors_accept_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
