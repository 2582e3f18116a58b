/* Per-app settings: the mask list and the deploy hook, what a change makes
 * of them, and what is refused. (test_settings_life.c: across handles and
 * the app's life.) */
#include "harness.h"
#include "settings_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void an_app_without_settings_has_none_at_revision_1(void **state)
{
	struct fixture *f = *state;
	release_settings *st;

	make_app(f->s, "myapp");
	st = get_settings(f->s, "myapp");
	assert_int_equal(release_settings_revision(st), 1);
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
	assert_int_equal(release_settings_revision(st), 2);
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
	assert_int_equal(release_settings_revision(st), 2);
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
	assert_int_equal(release_settings_revision(st), 3);
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
	assert_int_equal(release_settings_revision(st), 3);
	release_settings_free(st);
}

static void each_change_grows_the_revision_by_one(void **state)
{
	struct fixture *f = *state;
	const char *a[] = {"A"}, *b[] = {"B"};

	make_app(f->s, "myapp");
	assert_int_equal(revision_of(f->s, "myapp"), 1);
	mask(f->s, "myapp", a, 1, NULL, 0);
	assert_int_equal(revision_of(f->s, "myapp"), 2);
	set_hook(f->s, "myapp", "run");
	assert_int_equal(revision_of(f->s, "myapp"), 3);
	mask(f->s, "myapp", b, 1, a, 1);
	assert_int_equal(revision_of(f->s, "myapp"), 4);
	set_hook(f->s, "myapp", "run again");
	assert_int_equal(revision_of(f->s, "myapp"), 5);
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
	assert_int_equal(release_settings_revision(st), 3);
	assert_string_equal(mask_list(st), "A");
	shared_backend_read(f->backend, "myapp", RELEASE_KIND_META, "settings", &after,
			    &after_len);
	assert_int_equal(after_len, before_len);
	assert_memory_equal(after, before, before_len);
	free(before);
	free(after);
	release_settings_free(st);
}

static void an_empty_change_of_a_new_app_keeps_revision_1(void **state)
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
	assert_int_equal(revision_of(f->s, "myapp"), 1);
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
	assert_int_equal(revision_of(f->s, "myapp"), 1);
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
	assert_int_equal(revision_of(f->s, "myapp"), 1);
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
	assert_int_equal(revision_of(f->s, "myapp"), 1);
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
	assert_int_equal(revision_of(f->s, "myapp"), 1);
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
		assert_int_equal(revision_of(f->s, "myapp"), 2);
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
	assert_int_equal(release_settings_revision(st), 4);
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
	assert_int_equal(revision_of(f->s, "myapp"), 1);
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
	assert_int_equal(revision_of(f->s, "myapp"), 2);
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
	assert_int_equal(revision_of(f->s, "myapp"), 1);
	hook[65536] = '\0';
	assert_store_ok(f->s, release_settings_update(f->s, "myapp", &o, NULL));
	st = get_settings(f->s, "myapp");
	assert_string_equal(release_settings_hook(st), hook);
	release_settings_free(st);
	free(hook);
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
	assert_int_equal(revision_of(f->s, "myapp"), 1);
	big.newer = 0;
	assert_store_ok(f->s, release_settings_update(f->s, "myapp", &big.o, NULL));
	assert_int_equal(revision_of(f->s, "myapp"), 2);
}

/* A mask key is an env key: what release_env_set() takes as a key, the
 * mask list takes, and what it refuses, the mask list refuses. */
static void mask_keys_are_exactly_the_keys_env_set_takes(void **state)
{
	struct fixture *f = *state;
	static const size_t lens[] = {1, 64, 255, 256, 257, 1000};
	char key[1001], pair[1004];

	make_app(f->s, "myapp");
	for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
		const char *k = key, *p = pair;
		release_settings_opts o;
		int env_rc, mask_rc;

		memset(key, 'K', lens[i]);
		key[lens[i]] = '\0';
		snprintf(pair, sizeof pair, "%s=1", key);
		env_rc = release_env_set(f->s, "myapp", &p, 1, NULL);
		release_settings_opts_init(&o);
		o.mask_add = &k;
		o.mask_add_n = 1;
		mask_rc = release_settings_update(f->s, "myapp", &o, NULL);
		if (env_rc != mask_rc)
			fail_msg("a key of %zu bytes: env set -> %d, mask -> %d", lens[i], env_rc,
				 mask_rc);
		assert_true(env_rc == 0 || env_rc == RELEASE_EINVAL);
	}
	/* both outcomes were seen */
	assert_true(revision_of(f->s, "myapp") > 1);
	assert_true(revision_of(f->s, "myapp") < 1 + sizeof lens / sizeof *lens);
}

static void reading_settings_needs_out(void **state)
{
	struct fixture *f = *state;

	make_app(f->s, "myapp");
	assert_int_equal(release_settings_get(f->s, "myapp", NULL), RELEASE_EINVAL);
	assert_int_equal(release_settings_get(NULL, "myapp", NULL), RELEASE_EINVAL);
}

static void accessors_accept_null(void **state)
{
	(void)state;
	assert_int_equal(release_settings_revision(NULL), 0);
	assert_int_equal(release_settings_mask_count(NULL), 0);
	assert_null(release_settings_mask_key(NULL, 0));
	assert_int_equal(release_settings_masked(NULL, "A"), 0);
	assert_int_equal(release_settings_masked(NULL, NULL), 0);
	assert_null(release_settings_hook(NULL));
	release_settings_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(an_app_without_settings_has_none_at_revision_1),
		T(masked_keys_are_kept_in_byte_order),
		T(update_returns_the_settings_as_written),
		T(masking_a_masked_key_again_changes_nothing),
		T(unmasking_removes_keys_and_ignores_absent_ones),
		T(masking_and_unmasking_at_once_is_one_change),
		T(each_change_grows_the_revision_by_one),
		T(a_change_that_changes_nothing_writes_nothing),
		T(an_empty_change_of_a_new_app_keeps_revision_1),
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
		T(an_unknown_app_is_enotfound),
		T(a_deleted_app_is_enotfound),
		T(uninitialised_or_missing_opts_are_einval),
		T(mask_keys_are_exactly_the_keys_env_set_takes),
		T(reading_settings_needs_out),
		T(accessors_accept_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
