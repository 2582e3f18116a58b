/* Per-app settings: a damaged record and RELEASE_SETTINGS_RESET, the flags,
 * the first revision compared, and change lists of thousands of keys.
 * (test_settings.c: what a change makes; test_settings_life.c: across
 * handles and the app's life.) */
#include "harness.h"
#include "race_store.h"
#include "settings_util.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the raw record, read and forged through the backend */

struct bytes {
	void *data;
	size_t len;
	int found;
};

static int keep_record(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct bytes *b = payload;

	(void)seq;
	(void)key;
	assert_non_null(b->data = malloc(len ? len : 1));
	if (len)
		memcpy(b->data, data, len);
	b->len = len;
	b->found = 1;
	return 0;
}

/* The settings record of app as stored (found 0 when there is none). */
static struct bytes stored_settings(struct race_backend *rb, const char *app)
{
	struct bytes b = {NULL, 0, 0};
	int rc = rb->inner->get(rb->inner_ctx, app, RELEASE_KIND_META, "settings", keep_record, &b);

	if (rc != 0 && rc != RELEASE_ENOTFOUND)
		fail_msg("reading the settings record -> %d", rc);
	return b;
}

/* Replaces app's settings record with len bytes of data, behind the
 * library's back, as damage or another program would. */
static void forge_settings(struct race_backend *rb, const char *app, const void *data, size_t len)
{
	struct bytes was = stored_settings(rb, app);

	assert_int_equal(rb->inner->cas(rb->inner_ctx, app, RELEASE_KIND_META, "settings",
					was.found ? was.data : NULL, was.len, data, len),
			 0);
	free(was.data);
}

static const char GARBAGE[] = "not a settings record at all";

/* A store on a backend the test can reach under it, its app with sound
 * settings (mask A B, hook "run", revision 3). */
struct raw_fixture {
	struct race_backend *rb;
	release_store *s;
};

static struct raw_fixture raw_fixture_new(void)
{
	struct raw_fixture f;
	const char *add[] = {"A", "B"};

	f.rb = race_backend_new();
	f.s = race_backend_open(f.rb);
	make_app(f.s, "myapp");
	mask(f.s, "myapp", add, 2, NULL, 0);
	set_hook(f.s, "myapp", "run");
	assert_int_equal(revision_of(f.s, "myapp"), 3);
	return f;
}

static void raw_fixture_free(struct raw_fixture *f)
{
	release_store_close(f->s);
	race_backend_unref(f->rb);
}

/* The ways a record is damaged: bytes of another kind, the sound record
 * cut short by a byte, no bytes at all. */
enum damage { DAMAGE_GARBAGE, DAMAGE_TRUNCATED, DAMAGE_EMPTY, DAMAGE_KINDS };

static const char *damage(struct raw_fixture *f, enum damage kind)
{
	struct bytes sound = stored_settings(f->rb, "myapp");

	assert_true(sound.found && sound.len > 1);
	switch (kind) {
	case DAMAGE_GARBAGE:
		forge_settings(f->rb, "myapp", GARBAGE, sizeof GARBAGE - 1);
		free(sound.data);
		return "garbage";
	case DAMAGE_TRUNCATED:
		forge_settings(f->rb, "myapp", sound.data, sound.len - 1);
		free(sound.data);
		return "truncated by one byte";
	default:
		forge_settings(f->rb, "myapp", "", 0);
		free(sound.data);
		return "empty";
	}
}

static int update(release_store *s, const char *add, unsigned flags, uint64_t revision,
		  release_settings **out)
{
	release_settings_opts o;

	release_settings_opts_init(&o);
	o.mask_add = add ? &add : NULL;
	o.mask_add_n = add ? 1 : 0;
	o.flags = flags;
	o.revision = revision;
	return release_settings_update(s, "myapp", &o, out);
}

/* ---- a damaged record */

static void a_damaged_record_makes_reads_and_changes_ecorrupt_and_is_left_as_is(void **state)
{
	(void)state;
	for (int kind = 0; kind < DAMAGE_KINDS; kind++) {
		struct raw_fixture f = raw_fixture_new();
		const char *what = damage(&f, (enum damage)kind);
		struct bytes before = stored_settings(f.rb, "myapp"), after;
		release_settings *st = (release_settings *)1;
		int rc;

		if ((rc = release_settings_get(f.s, "myapp", &st)) != RELEASE_ECORRUPT)
			fail_msg("%s record: get -> %d, want RELEASE_ECORRUPT", what, rc);
		assert_null(st);
		assert_non_null(strstr(release_store_errmsg(f.s), "corrupt"));
		st = (release_settings *)1;
		if ((rc = update(f.s, "C", 0, 0, &st)) != RELEASE_ECORRUPT)
			fail_msg("%s record: update -> %d, want RELEASE_ECORRUPT", what, rc);
		assert_null(st);
		if ((rc = update(f.s, "C", 0, 3, NULL)) != RELEASE_ECORRUPT)
			fail_msg("%s record: update at a revision -> %d, want RELEASE_ECORRUPT", what,
				 rc);
		after = stored_settings(f.rb, "myapp");
		assert_true(after.found);
		assert_int_equal(after.len, before.len);
		if (before.len)
			assert_memory_equal(after.data, before.data, before.len);
		free(before.data);
		free(after.data);
		raw_fixture_free(&f);
	}
}

/* A damaged record whose revision can still be read (here: cut short at its
 * end, after the revision) goes on from it; one that cannot starts at 2. */
static void reset_replaces_a_damaged_record_after_its_revision(void **state)
{
	(void)state;
	for (int kind = 0; kind < DAMAGE_KINDS; kind++) {
		struct raw_fixture f = raw_fixture_new();
		const char *what = damage(&f, (enum damage)kind);
		release_settings *st = NULL;
		/* the sound record was at revision 3 */
		uint64_t want = kind == DAMAGE_TRUNCATED ? 4 : 2;
		int rc;

		if ((rc = update(f.s, "C", RELEASE_SETTINGS_RESET, 0, &st)) != 0)
			fail_msg("%s record: reset -> %d (%s): %s", what, rc, release_strerror(rc),
				 release_store_errmsg(f.s));
		assert_non_null(st);
		assert_string_equal(mask_list(st), "C");
		assert_null(release_settings_hook(st));
		assert_int_equal(release_settings_revision(st), want);
		release_settings_free(st);
		/* read back, and changed as any sound record is */
		st = get_settings(f.s, "myapp");
		assert_string_equal(mask_list(st), "C");
		assert_int_equal(release_settings_revision(st), want);
		release_settings_free(st);
		assert_int_equal(update(f.s, "D", 0, want - 1, NULL), RELEASE_ECONFLICT);
		assert_store_ok(f.s, update(f.s, "D", 0, want, NULL));
		st = get_settings(f.s, "myapp");
		assert_string_equal(mask_list(st), "C D");
		assert_int_equal(release_settings_revision(st), want + 1);
		release_settings_free(st);
		raw_fixture_free(&f);
	}
}

static void a_reset_that_adds_nothing_still_replaces_a_damaged_record(void **state)
{
	struct raw_fixture f = raw_fixture_new();
	release_settings *st = NULL;

	(void)state;
	damage(&f, DAMAGE_GARBAGE);
	assert_store_ok(f.s, update(f.s, NULL, RELEASE_SETTINGS_RESET, 0, &st));
	assert_int_equal(release_settings_mask_count(st), 0);
	assert_null(release_settings_hook(st));
	assert_int_equal(release_settings_revision(st), 2);
	release_settings_free(st);
	st = get_settings(f.s, "myapp");
	assert_int_equal(release_settings_mask_count(st), 0);
	assert_int_equal(release_settings_revision(st), 2);
	release_settings_free(st);
	raw_fixture_free(&f);
}

/* A reset of sound settings starts from none too, and counts on from the
 * stored revision, so a writer holding an older one still conflicts. */
static void reset_of_sound_settings_starts_from_none_and_counts_on(void **state)
{
	struct raw_fixture f = raw_fixture_new();
	release_settings *st = NULL;

	(void)state;
	assert_store_ok(f.s, update(f.s, "C", RELEASE_SETTINGS_RESET, 0, &st));
	assert_string_equal(mask_list(st), "C");
	assert_null(release_settings_hook(st));
	assert_int_equal(release_settings_revision(st), 4);
	release_settings_free(st);
	assert_int_equal(update(f.s, "D", 0, 3, NULL), RELEASE_ECONFLICT);
	st = get_settings(f.s, "myapp");
	assert_string_equal(mask_list(st), "C");
	assert_int_equal(release_settings_revision(st), 4);
	release_settings_free(st);
	raw_fixture_free(&f);
}

static void a_reset_alone_empties_sound_settings(void **state)
{
	struct raw_fixture f = raw_fixture_new();
	release_settings *st;

	(void)state;
	assert_store_ok(f.s, update(f.s, NULL, RELEASE_SETTINGS_RESET, 0, NULL));
	st = get_settings(f.s, "myapp");
	assert_int_equal(release_settings_mask_count(st), 0);
	assert_null(release_settings_hook(st));
	assert_int_equal(release_settings_revision(st), 4);
	release_settings_free(st);
	raw_fixture_free(&f);
}

static void a_reset_of_an_app_never_set_writes_revision_2(void **state)
{
	struct fixture *f = *state;

	make_app(f->s, "myapp");
	assert_store_ok(f->s, update(f->s, NULL, RELEASE_SETTINGS_RESET, 0, NULL));
	assert_int_equal(revision_of(f->s, "myapp"), 2);
}

/* ---- flags */

static void a_reset_with_a_revision_is_einval_and_writes_nothing(void **state)
{
	struct raw_fixture f = raw_fixture_new();
	release_settings *st = (release_settings *)1;

	(void)state;
	assert_int_equal(update(f.s, "C", RELEASE_SETTINGS_RESET, 3, &st), RELEASE_EINVAL);
	assert_null(st);
	/* on a damaged record too: it stays until a reset without one */
	damage(&f, DAMAGE_GARBAGE);
	assert_int_equal(update(f.s, "C", RELEASE_SETTINGS_RESET, 1, NULL), RELEASE_EINVAL);
	assert_int_equal(release_settings_get(f.s, "myapp", &st), RELEASE_ECORRUPT);
	raw_fixture_free(&f);
}

static void unknown_flags_are_einval_and_write_nothing(void **state)
{
	struct fixture *f = *state;
	static const unsigned bad[] = {2, 4, 0x80000000u, RELEASE_SETTINGS_RESET | 2,
				       RELEASE_SETTINGS_RESET | 0x80000000u};

	make_app(f->s, "myapp");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		release_settings *st = (release_settings *)1;
		int rc = update(f->s, "C", bad[i], 0, &st);

		if (rc != RELEASE_EINVAL)
			fail_msg("flags 0x%x -> %d, want RELEASE_EINVAL", bad[i], rc);
		assert_null(st);
	}
	assert_int_equal(revision_of(f->s, "myapp"), 1);
}

/* A caller's struct must reach flags: one that ends before it is of no
 * library that had release_settings_update(). */
static void opts_ending_before_flags_are_einval(void **state)
{
	struct fixture *f = *state;
	release_settings_opts o;

	make_app(f->s, "myapp");
	release_settings_opts_init(&o);
	o.hook = "run";
	o.size = offsetof(release_settings_opts, flags);
	assert_int_equal(release_settings_update(f->s, "myapp", &o, NULL), RELEASE_EINVAL);
	assert_int_equal(revision_of(f->s, "myapp"), 1);
}

static void init_sets_no_flags(void **state)
{
	release_settings_opts o;

	(void)state;
	memset(&o, 0xa5, sizeof o);
	release_settings_opts_init(&o);
	assert_int_equal(o.size, sizeof o);
	assert_int_equal(o.flags, 0);
	assert_int_equal(o.revision, 0);
}

/* ---- the first revision, compared */

static void a_first_change_at_revision_1_is_taken(void **state)
{
	struct fixture *f = *state;
	release_settings *st = NULL;

	make_app(f->s, "myapp");
	assert_store_ok(f->s, update(f->s, "A", 0, 1, &st));
	assert_string_equal(mask_list(st), "A");
	assert_int_equal(release_settings_revision(st), 2);
	release_settings_free(st);
}

struct first_writer {
	release_store *other;
	int rc;
};

static void race_in_a_first_change(void *arg)
{
	struct first_writer *w = arg;
	release_settings_opts o;

	release_settings_opts_init(&o);
	o.hook = "theirs";
	o.revision = 1;
	w->rc = release_settings_update(w->other, "myapp", &o, NULL);
}

/* Two writers each read revision 1 and compare-and-swap on it: the one
 * whose write lands first wins, the other is told. */
static void two_first_changes_at_revision_1_one_wins_the_other_conflicts(void **state)
{
	struct race_backend *rb = race_backend_new();
	release_store *s = race_backend_open(rb);
	struct first_writer w = {race_backend_open(rb), -100};
	release_settings_opts o;
	release_settings *st;
	int rc;

	(void)state;
	make_app(s, "myapp");
	assert_int_equal(revision_of(s, "myapp"), 1);
	race_before_write(rb, race_in_a_first_change, &w);
	release_settings_opts_init(&o);
	o.hook = "mine";
	o.revision = 1;
	rc = release_settings_update(s, "myapp", &o, NULL);
	assert_int_equal(rb->fired, 1);
	if (!((rc == 0 && w.rc == RELEASE_ECONFLICT) || (rc == RELEASE_ECONFLICT && w.rc == 0)))
		fail_msg("two writers at revision 1: mine -> %d, theirs -> %d", rc, w.rc);
	st = get_settings(s, "myapp");
	assert_string_equal(release_settings_hook(st), rc == 0 ? "mine" : "theirs");
	assert_int_equal(release_settings_revision(st), 2);
	release_settings_free(st);
	release_store_close(w.other);
	release_store_close(s);
	race_backend_unref(rb);
}

/* ---- lists of thousands of keys */

#define MANY 20000

/* keys[i] = "<prefix><i % modulo>" (caller frees both). */
static const char **keys_of(const char *prefix, size_t n, size_t modulo, char **block)
{
	const char **keys = calloc(n, sizeof *keys);

	assert_non_null(keys);
	assert_non_null(*block = malloc(n * 16));
	for (size_t i = 0; i < n; i++) {
		char *k = *block + i * 16;

		snprintf(k, 16, "%s%zu", prefix, i % modulo);
		keys[i] = k;
	}
	return keys;
}

/* 20,000 keys to mask (500 keys, 40 times each) and 20,000 to unmask,
 * among them the 500 masked now: one change. */
static void a_change_of_20000_keys_each_way_is_applied(void **state)
{
	struct fixture *f = *state;
	char *add_block, *rm_block;
	const char **add = keys_of("K", MANY, RELEASE_MASK_MAX, &add_block);
	const char **rm = keys_of("R", MANY, MANY, &rm_block);
	release_settings *st;

	make_app(f->s, "myapp");
	mask(f->s, "myapp", rm, RELEASE_MASK_MAX, NULL, 0);
	mask(f->s, "myapp", add, MANY, rm, MANY);
	st = get_settings(f->s, "myapp");
	assert_int_equal(release_settings_mask_count(st), RELEASE_MASK_MAX);
	assert_int_equal(release_settings_masked(st, "K0"), 1);
	assert_int_equal(release_settings_masked(st, "K499"), 1);
	assert_int_equal(release_settings_masked(st, "R0"), 0);
	assert_int_equal(release_settings_revision(st), 3);
	release_settings_free(st);
	free(add);
	free(rm);
	free(add_block);
	free(rm_block);
}

/* The one key of 20,000 that is in both lists is found, wherever it is. */
static void a_key_in_both_lists_of_20000_is_einval(void **state)
{
	struct fixture *f = *state;
	char *add_block, *rm_block;
	const char **add = keys_of("K", MANY, RELEASE_MASK_MAX, &add_block);
	const char **rm = keys_of("R", MANY, MANY, &rm_block);
	static const size_t at[] = {0, MANY / 2, MANY - 1};

	make_app(f->s, "myapp");
	for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
		release_settings_opts o;
		const char *was = add[at[i]];

		add[at[i]] = rm[MANY - 1 - at[i]];
		release_settings_opts_init(&o);
		o.mask_add = add;
		o.mask_add_n = MANY;
		o.mask_remove = rm;
		o.mask_remove_n = MANY;
		assert_int_equal(release_settings_update(f->s, "myapp", &o, NULL), RELEASE_EINVAL);
		add[at[i]] = was;
	}
	assert_int_equal(revision_of(f->s, "myapp"), 1);
	free(add);
	free(rm);
	free(add_block);
	free(rm_block);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		cmocka_unit_test(a_damaged_record_makes_reads_and_changes_ecorrupt_and_is_left_as_is),
		cmocka_unit_test(reset_replaces_a_damaged_record_after_its_revision),
		cmocka_unit_test(a_reset_that_adds_nothing_still_replaces_a_damaged_record),
		cmocka_unit_test(reset_of_sound_settings_starts_from_none_and_counts_on),
		cmocka_unit_test(a_reset_alone_empties_sound_settings),
		T(a_reset_of_an_app_never_set_writes_revision_2),
		cmocka_unit_test(a_reset_with_a_revision_is_einval_and_writes_nothing),
		T(unknown_flags_are_einval_and_write_nothing),
		T(opts_ending_before_flags_are_einval),
		T(init_sets_no_flags),
		T(a_first_change_at_revision_1_is_taken),
		cmocka_unit_test(two_first_changes_at_revision_1_one_wins_the_other_conflicts),
		T(a_change_of_20000_keys_each_way_is_applied),
		T(a_key_in_both_lists_of_20000_is_einval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
