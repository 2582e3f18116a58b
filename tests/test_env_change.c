/* Env changes on a base release: set and unset at once, replace-all. */
#include "harness.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An env change of myapp; asserts success (caller frees; NULL when nothing
 * changed). */
static release *change(release_store *s, const char *base, unsigned flags,
		       const char *const *set, size_t set_n, const char *const *unset,
		       size_t unset_n)
{
	release_env_opts o;
	release *r = (release *)1;

	release_env_opts_init(&o);
	o.base = base;
	o.flags = flags;
	o.set = set;
	o.set_n = set_n;
	o.unset = unset;
	o.unset_n = unset_n;
	assert_store_ok(s, release_env_change(s, "myapp", &o, &r));
	return r;
}

/* The release's env as "K=V K=V". */
static const char *env_of(const release *r)
{
	static char buf[1024];

	buf[0] = '\0';
	for (size_t i = 0; i < release_env_count(r); i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, release_env_key(r, i));
		strcat(buf, "=");
		strcat(buf, release_env_value(r, i));
	}
	return buf;
}

static release *env_set2(release_store *s, const char *a, const char *b)
{
	const char *pairs[] = {a, b};
	release *r = NULL;

	assert_store_ok(s, release_env_set(s, "myapp", pairs, 2, &r));
	return r;
}

/* Refused with code; nothing is written and *out is NULL. */
static void refused(release_store *s, const release_env_opts *o, int code)
{
	size_t before = count_releases(s, "myapp");
	release *r = (release *)1;
	int rc = release_env_change(s, "myapp", o, &r);

	if (rc != code)
		fail_msg("release_env_change -> %d (%s), want %d: %s", rc, release_strerror(rc),
			 code, release_store_errmsg(s));
	assert_null(r);
	assert_int_equal(count_releases(s, "myapp"), before);
}

static void a_base_is_changed_as_it_is_whatever_came_after_it(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"BAR=2"};
	release *base, *bad, *r;

	make_app(f->s, "myapp");
	base = set_env(f->s, "myapp", "FOO=1");
	bad = set_env(f->s, "myapp", "BAD=1");
	r = change(f->s, release_id(base), 0, set, 1, NULL, 0);
	assert_string_equal(env_of(r), "BAR=2 FOO=1");
	assert_null(release_env_get(r, "BAD"));
	assert_int_equal(release_version(r), 3);
	release_free(base);
	release_free(bad);
	release_free(r);
}

static void the_description_is_against_the_base(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"FOO=2", "NEW=1"};
	release *base, *newer, *r;

	make_app(f->s, "myapp");
	base = set_env(f->s, "myapp", "FOO=1");
	newer = env_set2(f->s, "FOO=2", "NEW=1");
	/* nothing new against the newest release; two changes against base */
	r = change(f->s, release_id(base), 0, set, 2, NULL, 0);
	assert_non_null(r);
	assert_string_equal(release_description(r), "env add:NEW change:FOO");
	release_free(base);
	release_free(newer);
	release_free(r);
}

static void a_base_keeps_its_build_and_manifest(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"FOO=1"};
	release *old, *newer, *r;

	make_app(f->s, "myapp");
	old = make_build_release(f->s, "myapp", "old build");
	newer = make_build_release(f->s, "myapp", "new build");
	r = change(f->s, release_id(old), 0, set, 1, NULL, 0);
	assert_string_equal(release_build_of(r), release_build_of(old));
	assert_string_not_equal(release_build_of(r), release_build_of(newer));
	assert_string_equal(release_manifest(r), release_manifest(old));
	assert_string_equal(release_description(r), "env add:FOO");
	release_free(old);
	release_free(newer);
	release_free(r);
}

static void a_base_without_a_build_makes_a_release_without_one(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"BAR=1"};
	release *base, *built, *r;

	make_app(f->s, "myapp");
	base = set_env(f->s, "myapp", "FOO=1");
	built = make_build_release(f->s, "myapp", "build");
	r = change(f->s, release_id(base), 0, set, 1, NULL, 0);
	assert_null(release_build_of(r));
	assert_string_equal(release_manifest(r), "");
	release_free(base);
	release_free(built);
	release_free(r);
}

static int deploy_fails(void *payload, const release *r, release_events *ev)
{
	(void)payload;
	(void)r;
	(void)ev;
	return -1;
}

/* The story: BAD=1 failed to deploy; the next change starts from what is
 * active instead of carrying BAD=1 along. */
static void a_failed_change_does_not_ride_along_from_the_active_base(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"GOOD=1"};
	release *good, *bad, *r;
	release_promote_opts o;

	make_app(f->s, "myapp");
	good = make_build_release(f->s, "myapp", "build");
	promote(f->s, "myapp", release_id(good));
	bad = set_env(f->s, "myapp", "BAD=1");
	release_promote_opts_init(&o);
	o.deploy = deploy_fails;
	assert_int_equal(release_promote(f->s, "myapp", release_id(bad), &o), RELEASE_EDEPLOY);
	r = change(f->s, active_of(f->s, "myapp"), 0, set, 1, NULL, 0);
	assert_string_equal(env_of(r), "GOOD=1");
	assert_string_equal(release_build_of(r), release_build_of(good));
	assert_string_equal(release_description(r), "env add:GOOD");
	release_free(good);
	release_free(bad);
	release_free(r);
}

static void no_base_changes_the_newest_release(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"BAR=2"};
	release *first, *second, *r;

	make_app(f->s, "myapp");
	first = set_env(f->s, "myapp", "FOO=1");
	promote(f->s, "myapp", release_id(first));
	second = make_build_release(f->s, "myapp", "newest");
	r = change(f->s, NULL, 0, set, 1, NULL, 0);
	assert_string_equal(env_of(r), "BAR=2 FOO=1");
	assert_string_equal(release_build_of(r), release_build_of(second));
	assert_string_equal(release_description(r), "env add:BAR");
	release_free(first);
	release_free(second);
	release_free(r);
}

static void a_change_of_an_app_without_releases_starts_from_nothing(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"FOO=1"};
	release *r;

	make_app(f->s, "myapp");
	r = change(f->s, NULL, 0, set, 1, NULL, 0);
	assert_string_equal(env_of(r), "FOO=1");
	assert_null(release_build_of(r));
	assert_int_equal(release_version(r), 1);
	release_free(r);
}

static void set_and_unset_at_once_make_one_release(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"C=3", "B=20"}, *unset[] = {"A", "ABSENT"};
	release *old, *r;

	make_app(f->s, "myapp");
	release_free(env_set2(f->s, "A=1", "B=2"));
	old = set_env(f->s, "myapp", "D=4");
	r = change(f->s, NULL, 0, set, 2, unset, 2);
	assert_string_equal(env_of(r), "B=20 C=3 D=4");
	assert_string_equal(release_description(r), "env add:C change:B remove:A");
	assert_int_equal(release_version(r), release_version(old) + 1);
	assert_int_equal(count_releases(f->s, "myapp"), 3);
	release_free(old);
	release_free(r);
}

static void replace_makes_the_env_exactly_the_pairs_set(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"C=4", "B=3"};
	release *r;

	make_app(f->s, "myapp");
	release_free(env_set2(f->s, "A=1", "B=2"));
	r = change(f->s, NULL, RELEASE_ENV_REPLACE, set, 2, NULL, 0);
	assert_string_equal(env_of(r), "B=3 C=4");
	assert_string_equal(release_description(r), "env add:C change:B remove:A");
	release_free(r);
}

static void replace_with_no_pairs_empties_the_env(void **state)
{
	struct fixture *f = *state;
	release *r;

	make_app(f->s, "myapp");
	release_free(env_set2(f->s, "A=1", "B=2"));
	r = change(f->s, NULL, RELEASE_ENV_REPLACE, NULL, 0, NULL, 0);
	assert_non_null(r);
	assert_int_equal(release_env_count(r), 0);
	assert_string_equal(release_description(r), "env remove:A remove:B");
	release_free(r);
}

static void replace_of_a_base_ignores_newer_releases(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"A=1"};
	release *base, *r;

	make_app(f->s, "myapp");
	base = env_set2(f->s, "A=1", "B=2");
	release_free(set_env(f->s, "myapp", "C=3"));
	r = change(f->s, release_id(base), RELEASE_ENV_REPLACE, set, 1, NULL, 0);
	assert_string_equal(env_of(r), "A=1");
	assert_string_equal(release_description(r), "env remove:B");
	release_free(base);
	release_free(r);
}

static void replace_with_the_same_env_writes_nothing(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"B=2", "A=1"};
	release *r;

	make_app(f->s, "myapp");
	release_free(env_set2(f->s, "A=1", "B=2"));
	r = change(f->s, NULL, RELEASE_ENV_REPLACE, set, 2, NULL, 0);
	assert_null(r);
	assert_int_equal(count_releases(f->s, "myapp"), 1);
}

static void a_key_both_set_and_unset_is_einval(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"A=1", "B=2"}, *unset[] = {"C", "B"};
	release_env_opts o;

	make_app(f->s, "myapp");
	release_free(set_env(f->s, "myapp", "B=1"));
	release_env_opts_init(&o);
	o.set = set;
	o.set_n = 2;
	o.unset = unset;
	o.unset_n = 2;
	refused(f->s, &o, RELEASE_EINVAL);
}

static void a_key_set_twice_to_different_values_is_einval(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"A=1", "B=2", "A=3"};
	release_env_opts o;

	make_app(f->s, "myapp");
	release_env_opts_init(&o);
	o.set = set;
	o.set_n = 3;
	refused(f->s, &o, RELEASE_EINVAL);
	o.flags = RELEASE_ENV_REPLACE;
	refused(f->s, &o, RELEASE_EINVAL);
}

/* A prefix is another key: "A=1" and "AB=2" do not clash. */
static void keys_sharing_a_prefix_do_not_clash(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"A=1", "AB=2"}, *unset[] = {"ABC"};
	release *r;

	make_app(f->s, "myapp");
	r = change(f->s, NULL, 0, set, 2, unset, 1);
	assert_string_equal(env_of(r), "A=1 AB=2");
	release_free(r);
}

static void a_key_set_twice_to_one_value_is_accepted(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"A=1", "A=1"};
	release *r;

	make_app(f->s, "myapp");
	r = change(f->s, NULL, 0, set, 2, NULL, 0);
	assert_string_equal(env_of(r), "A=1");
	assert_string_equal(release_description(r), "env add:A");
	release_free(r);
}

static void replace_with_keys_to_unset_is_einval(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"A=1"}, *unset[] = {"B"};
	release_env_opts o;

	make_app(f->s, "myapp");
	release_free(env_set2(f->s, "A=1", "B=2"));
	release_env_opts_init(&o);
	o.flags = RELEASE_ENV_REPLACE;
	o.set = set;
	o.set_n = 1;
	o.unset = unset;
	o.unset_n = 1;
	refused(f->s, &o, RELEASE_EINVAL);
}

static void unknown_flags_are_einval(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"A=1"};
	release_env_opts o;

	make_app(f->s, "myapp");
	release_env_opts_init(&o);
	o.set = set;
	o.set_n = 1;
	o.flags = 2;
	refused(f->s, &o, RELEASE_EINVAL);
	o.flags = RELEASE_ENV_REPLACE | 0x80000000u;
	refused(f->s, &o, RELEASE_EINVAL);
}

static void malformed_pairs_and_keys_are_einval(void **state)
{
	struct fixture *f = *state;
	const char *bad_set[] = {"NOEQUALS", "=x", "1A=x", "A B=x", NULL};
	const char *bad_unset[] = {"A=1", "", "has space", NULL};
	const char *good = "OK=1";

	make_app(f->s, "myapp");
	for (size_t i = 0; i < sizeof bad_set / sizeof *bad_set; i++) {
		const char *set[] = {good, bad_set[i]};
		release_env_opts o;

		release_env_opts_init(&o);
		o.set = set;
		o.set_n = 2;
		refused(f->s, &o, RELEASE_EINVAL);
	}
	for (size_t i = 0; i < sizeof bad_unset / sizeof *bad_unset; i++) {
		const char *unset[] = {"OK", bad_unset[i]};
		release_env_opts o;

		release_env_opts_init(&o);
		o.set = &good;
		o.set_n = 1;
		o.unset = unset;
		o.unset_n = 2;
		refused(f->s, &o, RELEASE_EINVAL);
	}
}

static void a_null_list_with_a_count_is_einval(void **state)
{
	struct fixture *f = *state;
	release_env_opts o;

	make_app(f->s, "myapp");
	release_env_opts_init(&o);
	o.set_n = 1;
	refused(f->s, &o, RELEASE_EINVAL);
	release_env_opts_init(&o);
	o.unset_n = 1;
	refused(f->s, &o, RELEASE_EINVAL);
}

static void a_change_that_changes_nothing_is_0_with_no_release(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"A=1"}, *unset[] = {"ABSENT"};
	release_env_opts o;
	release *r = (release *)1;

	make_app(f->s, "myapp");
	release_free(env_set2(f->s, "A=1", "B=2"));
	release_env_opts_init(&o);
	o.set = set;
	o.set_n = 1;
	o.unset = unset;
	o.unset_n = 1;
	assert_store_ok(f->s, release_env_change(f->s, "myapp", &o, &r));
	assert_null(r);
	assert_int_equal(count_releases(f->s, "myapp"), 1);
}

static void no_change_at_all_is_0_with_no_release(void **state)
{
	struct fixture *f = *state;
	release_env_opts o;
	release *r = (release *)1;

	make_app(f->s, "myapp");
	release_free(set_env(f->s, "myapp", "A=1"));
	release_env_opts_init(&o);
	assert_store_ok(f->s, release_env_change(f->s, "myapp", &o, &r));
	assert_null(r);
	assert_int_equal(count_releases(f->s, "myapp"), 1);
}

static void a_change_of_the_newest_release_by_id_that_changes_nothing_writes_nothing(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"A=1"};
	release *newest, *r;

	make_app(f->s, "myapp");
	newest = env_set2(f->s, "A=1", "B=2");
	r = change(f->s, release_id(newest), 0, set, 1, NULL, 0);
	assert_null(r);
	assert_int_equal(count_releases(f->s, "myapp"), 1);
	release_free(newest);
}

static void an_unknown_base_is_enotfound_and_writes_nothing(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"A=1"};
	release_env_opts o;

	make_app(f->s, "myapp");
	release_free(set_env(f->s, "myapp", "B=1"));
	release_env_opts_init(&o);
	o.base = "RNOSUCHONE";
	o.set = set;
	o.set_n = 1;
	refused(f->s, &o, RELEASE_ENOTFOUND);
}

static void another_apps_base_is_enotfound_and_writes_nothing(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"A=1"};
	release_env_opts o;
	release *theirs;

	make_app(f->s, "myapp");
	make_app(f->s, "other");
	release_free(set_env(f->s, "myapp", "B=1"));
	theirs = set_env(f->s, "other", "C=1");
	release_env_opts_init(&o);
	o.base = release_id(theirs);
	o.set = set;
	o.set_n = 1;
	refused(f->s, &o, RELEASE_ENOTFOUND);
	assert_int_equal(count_releases(f->s, "other"), 1);
	release_free(theirs);
}

static void a_base_from_before_the_app_was_deleted_is_enotfound(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"A=1"};
	release_env_opts o;
	release *old;

	make_app(f->s, "myapp");
	old = set_env(f->s, "myapp", "OLD=1");
	assert_store_ok(f->s, release_app_delete(f->s, "myapp"));
	make_app(f->s, "myapp");
	release_env_opts_init(&o);
	o.base = release_id(old);
	o.set = set;
	o.set_n = 1;
	refused(f->s, &o, RELEASE_ENOTFOUND);
	assert_int_equal(count_releases(f->s, "myapp"), 0);
	release_free(old);
}

static void a_malformed_base_is_einval(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"A=1"};
	release_env_opts o;

	make_app(f->s, "myapp");
	release_env_opts_init(&o);
	o.base = "not-an-id";
	o.set = set;
	o.set_n = 1;
	refused(f->s, &o, RELEASE_EINVAL);
}

static void an_unknown_app_is_enotfound(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"A=1"};
	release_env_opts o;
	release *r = (release *)1;

	release_env_opts_init(&o);
	o.set = set;
	o.set_n = 1;
	assert_int_equal(release_env_change(f->s, "nosuchapp", &o, &r), RELEASE_ENOTFOUND);
	assert_null(r);
}

static void out_may_be_null(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"A=1"};
	release_env_opts o;
	release *newest = NULL;

	make_app(f->s, "myapp");
	release_env_opts_init(&o);
	o.set = set;
	o.set_n = 1;
	assert_store_ok(f->s, release_env_change(f->s, "myapp", &o, NULL));
	assert_store_ok(f->s, release_get_version(f->s, "myapp", 1, &newest));
	assert_string_equal(release_env_get(newest, "A"), "1");
	release_free(newest);
}

static void uninitialised_or_missing_opts_are_einval(void **state)
{
	struct fixture *f = *state;
	const char *set[] = {"A=1"};
	release_env_opts o;
	struct {
		release_env_opts o;
		uint64_t newer;
	} big;
	release *r = (release *)1;

	make_app(f->s, "myapp");
	memset(&o, 0, sizeof o);
	o.set = set;
	o.set_n = 1;
	refused(f->s, &o, RELEASE_EINVAL);
	assert_int_equal(release_env_change(f->s, "myapp", NULL, &r), RELEASE_EINVAL);
	assert_null(r);
	release_env_opts_init(&o);
	o.set = set;
	o.set_n = 1;
	o.size = offsetof(release_env_opts, unset_n);
	refused(f->s, &o, RELEASE_EINVAL);
	memset(&big, 0, sizeof big);
	release_env_opts_init(&big.o);
	big.o.size = sizeof big;
	big.o.set = set;
	big.o.set_n = 1;
	big.newer = 1;
	refused(f->s, &big.o, RELEASE_EINVAL);
	big.newer = 0;
	assert_store_ok(f->s, release_env_change(f->s, "myapp", &big.o, NULL));
	assert_int_equal(count_releases(f->s, "myapp"), 1);
}

struct racer {
	release_store *other;
};

static void race_in_another_change(void *arg)
{
	struct racer *r = arg;

	release_free(set_env(r->other, "myapp", "THEIRS=1"));
}

static void without_a_base_a_concurrent_change_is_kept(void **state)
{
	struct fixture *f = *state;
	struct racer racer = {fixture_second_handle(f)};
	const char *set[] = {"MINE=1"};
	release *r;

	make_app(f->s, "myapp");
	release_free(set_env(f->s, "myapp", "BASE=1"));
	shared_backend_before_put(f->backend, race_in_another_change, &racer);
	r = change(f->s, NULL, 0, set, 1, NULL, 0);
	assert_string_equal(env_of(r), "BASE=1 MINE=1 THEIRS=1");
	assert_int_equal(release_version(r), 3);
	assert_string_equal(release_description(r), "env add:MINE");
	release_free(r);
	release_store_close(racer.other);
}

static void with_a_base_a_concurrent_change_is_not_taken_in(void **state)
{
	struct fixture *f = *state;
	struct racer racer = {fixture_second_handle(f)};
	const char *set[] = {"MINE=1"};
	release *base, *r;

	make_app(f->s, "myapp");
	base = set_env(f->s, "myapp", "BASE=1");
	shared_backend_before_put(f->backend, race_in_another_change, &racer);
	r = change(f->s, release_id(base), 0, set, 1, NULL, 0);
	assert_string_equal(env_of(r), "BASE=1 MINE=1");
	assert_int_equal(release_version(r), 3);
	assert_int_equal(count_releases(f->s, "myapp"), 3);
	release_free(base);
	release_free(r);
	release_store_close(racer.other);
}

#define MANY 40000

/* items[i] = "K<i><tail>" for i in [from, from + n) (caller frees both). */
static const char **numbered(size_t from, size_t n, const char *tail, char **block)
{
	const char **items = calloc(n, sizeof *items);

	assert_non_null(items);
	assert_non_null(*block = malloc(n * 24));
	for (size_t i = 0; i < n; i++) {
		char *item = *block + i * 24;

		snprintf(item, 24, "K%zu%s", from + i, tail);
		items[i] = item;
	}
	return items;
}

/* 40,000 keys set, then 20,000 set and 20,000 unset: each one change. */
static void changes_of_40000_keys_are_applied(void **state)
{
	struct fixture *f = *state;
	char *b1, *b2, *b3;
	const char **all = numbered(0, MANY, "=1", &b1);
	const char **half = numbered(0, MANY / 2, "=2", &b2);
	const char **rest = numbered(MANY / 2, MANY / 2, "", &b3);
	release *r;

	make_app(f->s, "myapp");
	r = change(f->s, NULL, 0, all, MANY, NULL, 0);
	assert_int_equal(release_env_count(r), MANY);
	release_free(r);
	r = change(f->s, NULL, 0, half, MANY / 2, rest, MANY / 2);
	assert_int_equal(release_env_count(r), MANY / 2);
	assert_string_equal(release_env_get(r, "K0"), "2");
	assert_string_equal(release_env_get(r, "K19999"), "2");
	assert_null(release_env_get(r, "K20000"));
	assert_null(release_env_get(r, "K39999"));
	assert_int_equal(count_releases(f->s, "myapp"), 2);
	release_free(r);
	free(all);
	free(half);
	free(rest);
	free(b1);
	free(b2);
	free(b3);
}

/* One clash among 40,000 keys is found, wherever it is. */
static void a_clash_among_40000_keys_is_einval(void **state)
{
	struct fixture *f = *state;
	char *b1, *b2;
	const char **set = numbered(0, MANY / 2, "=1", &b1);
	const char **unset = numbered(MANY / 2, MANY / 2, "", &b2);
	static const size_t at[] = {0, MANY / 4, MANY / 2 - 1};
	release_env_opts o;

	make_app(f->s, "myapp");
	release_env_opts_init(&o);
	o.set = set;
	o.set_n = MANY / 2;
	o.unset = unset;
	o.unset_n = MANY / 2;
	for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
		const char *was = unset[at[i]];

		unset[at[i]] = "K7"; /* set too */
		refused(f->s, &o, RELEASE_EINVAL);
		unset[at[i]] = was;
		was = set[at[i]];
		set[at[i]] = "K9=other"; /* K9=1 set too */
		refused(f->s, &o, RELEASE_EINVAL);
		set[at[i]] = was;
	}
	assert_int_equal(count_releases(f->s, "myapp"), 0);
	free(set);
	free(unset);
	free(b1);
	free(b2);
}

static void init_sets_the_size_and_defaults(void **state)
{
	release_env_opts o;

	(void)state;
	memset(&o, 0xa5, sizeof o);
	release_env_opts_init(&o);
	assert_int_equal(o.size, sizeof o);
	assert_null(o.base);
	assert_int_equal(o.flags, 0);
	assert_null(o.set);
	assert_int_equal(o.set_n, 0);
	assert_null(o.unset);
	assert_int_equal(o.unset_n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(a_base_is_changed_as_it_is_whatever_came_after_it),
		T(the_description_is_against_the_base),
		T(a_base_keeps_its_build_and_manifest),
		T(a_base_without_a_build_makes_a_release_without_one),
		T(a_failed_change_does_not_ride_along_from_the_active_base),
		T(no_base_changes_the_newest_release),
		T(a_change_of_an_app_without_releases_starts_from_nothing),
		T(set_and_unset_at_once_make_one_release),
		T(replace_makes_the_env_exactly_the_pairs_set),
		T(replace_with_no_pairs_empties_the_env),
		T(replace_of_a_base_ignores_newer_releases),
		T(replace_with_the_same_env_writes_nothing),
		T(a_key_both_set_and_unset_is_einval),
		T(a_key_set_twice_to_different_values_is_einval),
		T(keys_sharing_a_prefix_do_not_clash),
		T(a_key_set_twice_to_one_value_is_accepted),
		T(replace_with_keys_to_unset_is_einval),
		T(unknown_flags_are_einval),
		T(malformed_pairs_and_keys_are_einval),
		T(a_null_list_with_a_count_is_einval),
		T(a_change_that_changes_nothing_is_0_with_no_release),
		T(no_change_at_all_is_0_with_no_release),
		T(a_change_of_the_newest_release_by_id_that_changes_nothing_writes_nothing),
		T(an_unknown_base_is_enotfound_and_writes_nothing),
		T(another_apps_base_is_enotfound_and_writes_nothing),
		T(a_base_from_before_the_app_was_deleted_is_enotfound),
		T(a_malformed_base_is_einval),
		T(an_unknown_app_is_enotfound),
		T(out_may_be_null),
		T(uninitialised_or_missing_opts_are_einval),
		T(without_a_base_a_concurrent_change_is_kept),
		T(with_a_base_a_concurrent_change_is_not_taken_in),
		T(changes_of_40000_keys_are_applied),
		T(a_clash_among_40000_keys_is_einval),
		T(init_sets_the_size_and_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
