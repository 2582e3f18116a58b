/*
 * Compaction after deletions: deleting an app with a long history, and
 * prunes that delete the newest build, then compaction and everything after
 * it. No damage is done here: every call must succeed, every read must give
 * what was written, and a reopened store must read the same.
 *
 * Compaction runs at the end of a write once the log holds at least 64 KiB
 * of dead records and they are at least half of it; the tests write big
 * manifests and env values to get there, and check (by the log's generation
 * on disk) that it did run.
 */
#include "damage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG_BUILDS 40
#define MANIFEST_BYTES 4096

static int test_setup(void **state)
{
	(void)state;
	soft_reset();
	return 0;
}

/* size bytes of YAML-ish text, different for each n. */
static char *manifest_text(unsigned n, size_t size)
{
	char *m = malloc(size + 1);
	size_t len = 0;

	assert_non_null(m);
	len = (size_t)snprintf(m, size + 1, "services:\n  web:\n    image: web:%u\n    env:\n", n);
	for (unsigned line = 0; len < size; line++) {
		char l[64];
		size_t k = (size_t)snprintf(l, sizeof l, "      - K%u_%u=%08x\n", n, line,
					    (n + 1) * 2654435761u ^ line);

		if (k > size - len)
			k = size - len;
		memcpy(m + len, l, k);
		len += k;
	}
	m[size] = '\0';
	return m;
}

/* A complete build with a manifest of size bytes, and its release (caller
 * frees). */
static release *big_build_release(release_store *s, const char *app, unsigned n, size_t size)
{
	release_build_opts o;
	release_build *b = NULL;
	release *r = NULL;
	char desc[64];
	char *m = manifest_text(n, size);

	snprintf(desc, sizeof desc, "build %u", n);
	release_build_opts_init(&o);
	o.description = desc;
	o.manifest = m;
	o.status = RELEASE_BUILD_COMPLETE;
	assert_store_ok(s, release_build_create(s, app, &o, &b));
	assert_store_ok(s, release_create(s, app, release_build_id(b), &r));
	release_build_free(b);
	free(m);
	return r;
}

/* The names release_app_list gives, "a\nb\n"; asserts success. */
static char *app_names(release_store *s)
{
	release_app_iter *it = NULL;
	const release_app *a;
	char *names = calloc(1, 4096);
	int rc;

	assert_non_null(names);
	assert_store_ok(s, release_app_list(s, &it));
	while ((rc = release_app_iter_next(it, &a)) == 0) {
		assert_true(strlen(names) + strlen(release_app_name(a)) + 2 < 4096);
		strcat(names, release_app_name(a));
		strcat(names, "\n");
	}
	release_app_iter_free(it);
	if (rc != RELEASE_ITEROVER)
		fail_msg("release_app_iter_next -> %d (%s): %s", rc, release_strerror(rc),
			 release_store_errmsg(s));
	return names;
}

/* app_text(), asserting success. */
static char *text_of(release_store *s, const char *app)
{
	char what[800], *t = NULL;

	if (app_text(s, app, &t, what, sizeof what) != 0)
		fail_msg("reading app '%s': %s", app, what);
	return t;
}

/*
 * A store with app "other" (one build, two releases, the second active) and
 * app "big": BIG_BUILDS builds with 4 KiB manifests, each with a release,
 * every tenth promoted: about 160 KiB of history.
 */
static release_store *long_history(const char **dir)
{
	static const char *const pair[] = {"COLOR=blue"};
	release_store *s;
	release *r;

	*dir = temp_dir();
	s = open_store_at(*dir, T0);
	make_app(s, "other");
	r = make_build_release(s, "other", "other's build");
	release_free(r);
	r = set_env(s, "other", pair[0]);
	promote(s, "other", release_id(r));
	release_free(r);
	make_app(s, "big");
	for (unsigned i = 0; i < BIG_BUILDS; i++) {
		r = big_build_release(s, "big", i, MANIFEST_BYTES);
		if (i % 10 == 9)
			promote(s, "big", release_id(r));
		release_free(r);
	}
	return s;
}

static void deleting_an_app_with_a_long_history_succeeds(void **state)
{
	const char *dir;
	release_store *s = long_history(&dir);
	release_app *a = NULL;
	char *names;
	int rc;

	(void)state;
	assert_store_ok(s, release_app_delete(s, "big"));
	rc = release_app_get(s, "big", &a);
	if (rc != RELEASE_ENOTFOUND)
		fail_msg("release_app_get of the deleted app -> %d (%s): %s", rc, release_strerror(rc),
			 release_store_errmsg(s));
	names = app_names(s);
	assert_string_equal(names, "other\n");
	free(names);
	release_store_close(s);

	s = open_store(dir);
	names = app_names(s);
	assert_string_equal(names, "other\n");
	free(names);
	release_store_close(s);
}

static void an_app_recreated_after_its_long_history_was_deleted_starts_afresh(void **state)
{
	static const char *const pair[] = {"FRESH=1"};
	const char *dir;
	release_store *s = long_history(&dir);
	release *r = NULL;
	char *names;

	(void)state;
	assert_store_ok(s, release_app_delete(s, "big"));
	assert_store_ok(s, release_app_create(s, "big", NULL));
	assert_int_equal(count_releases(s, "big"), 0);
	{
		release_build_iter *it = NULL;
		const release_build *b;

		assert_store_ok(s, release_build_list(s, "big", 0, &it));
		assert_int_equal(release_build_iter_next(it, &b), RELEASE_ITEROVER);
		release_build_iter_free(it);
	}
	r = big_build_release(s, "big", 1000, MANIFEST_BYTES);
	assert_int_equal(release_version(r), 1);
	assert_null(release_env_get(r, "COLOR"));
	promote(s, "big", release_id(r));
	release_free(r);
	r = NULL;
	assert_store_ok(s, release_env_set(s, "big", pair, 1, &r));
	assert_non_null(r);
	assert_int_equal(release_version(r), 2);
	release_free(r);
	names = app_names(s);
	assert_string_equal(names, "big\nother\n");
	free(names);
	release_store_close(s);

	s = open_store(dir);
	assert_int_equal(count_releases(s, "big"), 2);
	names = app_names(s);
	assert_string_equal(names, "big\nother\n");
	free(names);
	release_store_close(s);
}

static void deleting_an_app_with_a_long_history_leaves_other_apps_untouched(void **state)
{
	static const char *const pair[] = {"AFTER=1"};
	const char *dir;
	release_store *s = long_history(&dir);
	char *before = text_of(s, "other"), *after;
	release *r = NULL;
	int rc;

	(void)state;
	rc = release_app_delete(s, "big");
	if (rc != 0)
		print_error("(release_app_delete(big) -> %d (%s): %s)\n", rc, release_strerror(rc),
			    release_store_errmsg(s));
	after = text_of(s, "other");
	assert_string_equal(after, before);
	free(after);
	release_store_close(s);

	s = open_store(dir);
	after = text_of(s, "other");
	assert_string_equal(after, before);
	free(after);
	assert_store_ok(s, release_env_set(s, "other", pair, 1, &r));
	assert_non_null(r);
	assert_int_equal(release_version(r), 3);
	release_free(r);
	release_store_close(s);
	free(before);
}

/* ----------------------------------------------- prunes, then compaction */

/*
 * Build b1, promote its release 1; build b2, promote release 2; roll back
 * (release 3, a copy of 1); env set (release 4); promote 4; prune keeping
 * none: releases 1 and 2 go, and with release 2 build b2, the newest build.
 * Manifests of manifest bytes. *b2 gets b2's id.
 */
static release_store *prune_newest_build(const char *dir, size_t manifest, char *b2)
{
	static const char *const pair[] = {"MODE=fast"};
	release_store *s = open_store_at(dir, T0);
	release *r, *made = NULL;
	size_t removed = 0;

	make_app(s, "web");
	r = big_build_release(s, "web", 1, manifest);
	promote(s, "web", release_id(r));
	release_free(r);
	r = big_build_release(s, "web", 2, manifest);
	promote(s, "web", release_id(r));
	strcpy(b2, release_build_of(r));
	release_free(r);
	assert_store_ok(s, release_rollback(s, "web", NULL, NULL, &made));
	assert_int_equal(release_version(made), 3);
	release_free(made);
	made = NULL;
	assert_store_ok(s, release_env_set(s, "web", pair, 1, &made));
	assert_non_null(made);
	promote(s, "web", release_id(made));
	release_free(made);
	assert_store_ok(s, release_prune(s, "web", 0, &removed));
	assert_int_equal(removed, 2);
	{
		release_build *b = NULL;
		int rc = release_build_get(s, "web", b2, &b);

		if (rc != RELEASE_ENOTFOUND)
			fail_msg("the prune did not delete the newest build %s: %d (%s)", b2, rc,
				 release_strerror(rc));
	}
	return s;
}

/* An env change of about size bytes, promoted: a record that the promotion
 * replaces, so its first copy is dead. */
static void churn_env(release_store *s, const char *app, unsigned n, size_t size)
{
	char *pair = malloc(size + 32);
	const char *pairs[1];
	release *r = NULL;

	assert_non_null(pair);
	snprintf(pair, 32, "BLOB=%u-", n);
	memset(pair + strlen(pair), 'a' + (int)(n % 26), size);
	pair[size] = '\0';
	pairs[0] = pair;
	assert_store_ok(s, release_env_set(s, app, pairs, 1, &r));
	assert_non_null(r);
	promote(s, app, release_id(r));
	release_free(r);
	free(pair);
}

/*
 * After the prune, promotions back and forth between releases 3 and 4 (each
 * rewrites a release record with a 32 KiB manifest, so the old copy is dead
 * and compaction runs while build b2, the highest build sequence, is
 * deleted), then builds, releases and promotions.
 */
static void promotions_and_builds_after_pruning_the_newest_build_succeed(void **state)
{
	const char *dir = temp_dir();
	char b2[32], log[600], ids[2][32];
	release_store *s;
	release_promote_opts po;
	release_iter *it = NULL;
	const release *r;

	(void)state;
	s = prune_newest_build(dir, 8 * MANIFEST_BYTES, b2);
	assert_store_ok(s, release_list(s, "web", NULL, &it));
	for (int i = 0; i < 2; i++) {
		assert_store_ok(s, release_iter_next(it, &r));
		strcpy(ids[i], release_id(r));
	}
	release_iter_free(it);
	release_promote_opts_init(&po);
	po.flags = RELEASE_PROMOTE_FORCE;
	for (unsigned i = 0; i < 6; i++)
		assert_store_ok(s, release_promote(s, "web", ids[(i + 1) % 2], &po));
	for (unsigned i = 0; i < 3; i++) {
		release *b = big_build_release(s, "web", 100 + i, MANIFEST_BYTES);

		promote(s, "web", release_id(b));
		release_free(b);
	}
	if (gen_file(dir, "web", "log", log, sizeof log) < 2)
		fail_msg("no compaction ran: the test needs more dead records");
	{
		char *t1 = text_of(s, "web"), *t2;

		release_store_close(s);
		s = open_store(dir);
		t2 = text_of(s, "web");
		assert_string_equal(t2, t1);
		free(t1);
		free(t2);
	}
	release_store_close(s);
}

static void compaction_after_pruning_the_newest_build_keeps_everything_readable(void **state)
{
	const char *dir = temp_dir();
	char b2[32], log[600];
	release_store *s;
	unsigned i;
	char *t1, *t2;

	(void)state;
	s = prune_newest_build(dir, MANIFEST_BYTES, b2);
	/* env changes only, so b2 stays the highest build sequence deleted */
	for (i = 0; i < 40 && gen_file(dir, "web", "log", log, sizeof log) < 2; i++) {
		size_t removed;

		churn_env(s, "web", i, 16384);
		assert_store_ok(s, release_prune(s, "web", 0, &removed));
	}
	if (gen_file(dir, "web", "log", log, sizeof log) < 2)
		fail_msg("no compaction ran after %u env changes", i);
	t1 = text_of(s, "web");
	release_store_close(s);

	s = open_store(dir);
	t2 = text_of(s, "web");
	assert_string_equal(t2, t1);
	free(t2);
	{
		release_build *b = NULL;
		int rc = release_build_get(s, "web", b2, &b);

		assert_int_equal(rc, RELEASE_ENOTFOUND);
	}
	/* and it takes new builds and releases */
	{
		release *r = big_build_release(s, "web", 500, MANIFEST_BYTES);

		promote(s, "web", release_id(r));
		release_free(r);
	}
	churn_env(s, "web", 1000, 100);
	release_store_close(s);
	s = open_store(dir);
	t2 = text_of(s, "web");
	release_store_close(s);
	free(t2);
	free(t1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(deleting_an_app_with_a_long_history_succeeds, test_setup),
		cmocka_unit_test_setup(an_app_recreated_after_its_long_history_was_deleted_starts_afresh,
				       test_setup),
		cmocka_unit_test_setup(deleting_an_app_with_a_long_history_leaves_other_apps_untouched,
				       test_setup),
		cmocka_unit_test_setup(promotions_and_builds_after_pruning_the_newest_build_succeed,
				       test_setup),
		cmocka_unit_test_setup(compaction_after_pruning_the_newest_build_keeps_everything_readable,
				       test_setup),
	};

	if (getenv("DAMAGE_FILTER"))
		cmocka_set_test_filter(getenv("DAMAGE_FILTER"));
	return cmocka_run_group_tests_name("file-store damage: compaction after deletions", tests,
					   NULL, NULL);
}
