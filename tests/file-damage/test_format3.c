/*
 * FORMAT 3 of the file store: deployment records may be in a log.
 *
 * - A store moves to FORMAT 3 before its first deployment record is
 *   appended, from 1 or 2, and no sooner (not for a promotion that fails).
 * - A store written before deployment records (FORMAT 2, generations
 *   without a dep file, state copies without a deployment top) reads as it
 *   is, read-write and read-only, without anything written; its first
 *   deployment record gets it a dep file (the indexes rebuilt as a new
 *   generation) and moves it to FORMAT 3.
 * - The state of an app with deployment records says LRSTATE2, which
 *   libraries before 1.4 refuse; other apps' states stay LRSTATE1. A copy
 *   whose magic and deployment top disagree is refused.
 * - A store of a newer FORMAT is refused with a message that says so.
 */
#include "deploy_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void assert_format(const char *dir, const char *want)
{
	char *f = format_of(dir);

	assert_string_equal(f, want);
	free(f);
}

static void a_store_moves_to_format_3_before_its_first_deployment_record(void **state)
{
	const char *base = temp_dir();
	char dir[400], other[400];
	release_storage_op two[] = {
		op_put(RELEASE_KIND_RELEASE, "r2", 2, "two"),
		op_cas(RELEASE_KIND_META, "active", "r1", "r2"),
	};
	struct backend b;

	(void)state;
	snprintf(dir, sizeof dir, "%s/a", base);
	snprintf(other, sizeof other, "%s/b", base);
	backend_open(dir, &b);
	assert_rc(&b, b.s->put(b.ctx, DAPP, RELEASE_KIND_META, "app", 0, "A", 1), 0);
	assert_rc(&b, b.s->put(b.ctx, DAPP, RELEASE_KIND_META, "active", 0, "r1", 2), 0);
	assert_rc(&b, b.s->put(b.ctx, DAPP, RELEASE_KIND_RELEASE, "r1", 1, "one", 3), 0);
	assert_format(dir, "librelease-file-store 1\n");
	/* a promotion that conflicts appends nothing */
	assert_rc(&b, promote_rec(&b, "r9", "r1", 1), RELEASE_ECONFLICT);
	assert_format(dir, "librelease-file-store 1\n");
	assert_rc(&b, b.s->commit(b.ctx, DAPP, two, 2, NULL), 0);
	assert_format(dir, "librelease-file-store 2\n");
	assert_rc(&b, promote_rec(&b, "r2", "r1", 1), 0);
	assert_format(dir, "librelease-file-store 3\n");
	backend_close(&b);

	/* from 1 straight to 3, by a deployment record written alone */
	backend_open(other, &b);
	assert_rc(&b, b.s->put(b.ctx, DAPP, RELEASE_KIND_META, "app", 0, "A", 1), 0);
	assert_format(other, "librelease-file-store 1\n");
	assert_rc(&b, b.s->put(b.ctx, DAPP, RELEASE_KIND_DEPLOY, "1", 1, "d", 1), 0);
	assert_format(other, "librelease-file-store 3\n");
	backend_close(&b);
}

/* A store as a library before 1.4 leaves it: the history without its
 * promotions' deployment records, at FORMAT 2, without dep files. */
static void older_store(const char *dir)
{
	release_storage_op ops[] = {
		op_put(RELEASE_KIND_META, "app", 0, "A"),
		op_put(RELEASE_KIND_RELEASE, "r1", 1, "one"),
		op_put(RELEASE_KIND_RELEASE, "r2", 2, "two"),
		op_put(RELEASE_KIND_BUILD, "b1", 1, "bld"),
	};
	release_storage_op promoted[] = {
		op_put(RELEASE_KIND_META, "active", 0, "r2"),
		op_cas(RELEASE_KIND_RELEASE, "r2", "two", "two, promoted"),
	};
	struct backend b;
	char path[600];

	backend_open(dir, &b);
	assert_rc(&b, b.s->commit(b.ctx, DAPP, ops, sizeof ops / sizeof *ops, NULL), 0);
	assert_rc(&b, b.s->commit(b.ctx, DAPP, promoted, 2, NULL), 0);
	backend_close(&b);
	assert_format(dir, "librelease-file-store 2\n");
	snprintf(path, sizeof path, "%s/%s/dep.1", dir, DAPP);
	assert_int_equal(unlink(path), 0);
}

static const char older_reads[] =
	"\nmeta app: app@0=A"
	"\nmeta active: active@0=r2"
	"\nmeta note: error -2"
	"\nkind 2: b1@1=bld"
	"\n  seq 1: b1@1=bld\n  seq 2: error -2"
	"\nkind 3: r2@2=two, promoted r1@1=one"
	"\n  seq 1: r1@1=one\n  seq 2: r2@2=two, promoted"
	"\nkind 4:"
	"\n  seq 1: error -2 key: error -2\n  seq 2: error -2 key: error -2"
	"\npages: []";

static void a_store_made_before_deployment_records_reads_as_it_is(void **state)
{
	const char *dir = temp_dir();
	struct tree before, after;
	char magic[9];
	uint64_t top;

	(void)state;
	older_store(dir);
	state_magic(dir, DAPP, magic, &top);
	assert_string_equal(magic, "LRSTATE1");
	assert_int_equal(top, 0);
	tree_load(&before, dir);
	for (int ro = 1; ro >= 0; ro--) {
		char *now = dreads_of(dir, ro, 2);

		assert_string_equal(now, older_reads);
		free(now);
		/* nothing made or written by reading */
		tree_load(&after, dir);
		assert_int_equal(after.n, before.n);
		for (size_t f = 0; f < before.n; f++) {
			const struct tfile *a = tree_get(&after, before.f[f].path);

			if (!a || a->len != before.f[f].len ||
			    (a->len && memcmp(a->data, before.f[f].data, a->len) != 0))
				fail_msg("reading (%s) changed %s", ro ? "read-only" : "read-write",
					 before.f[f].path);
		}
		tree_free(&after);
	}
	/* and after a reboot, replayed into generation 1's files */
	tree_fake_reboot(&before, DAPP);
	tree_store(&before, dir);
	{
		char *now = dreads_of(dir, 0, 2);

		assert_string_equal(now, older_reads);
		free(now);
	}
	assert_false(gen_exists(dir, DAPP, "dep", 1));
	tree_free(&before);
}

static void the_first_deployment_record_of_such_a_store_gets_it_a_deployment_index(void **state)
{
	const char *dir = temp_dir();
	struct backend b;
	char *now, *want;
	char magic[9];
	uint64_t top;
	size_t at;

	(void)state;
	older_store(dir);
	backend_open(dir, &b);
	assert_rc(&b, promote_rec(&b, "r2", "r1", 1), 0);
	now = dreads(&b, 2);
	backend_close(&b);
	/* what it read before, with the new record and the pointer moved */
	want = strdup(older_reads);
	assert_non_null(want);
	assert_non_null(strstr(want, "active@0=r2"));
	strstr(want, "active@0=r2")[10] = '1';
	at = (size_t)(strstr(want, "\nkind 4:") - want);
	want[at] = '\0';
	{
		char buf[2048];

		snprintf(buf, sizeof buf, "%s%s", want,
			 "\nkind 4: 1@1=deploy 1: r2 -> r1"
			 "\n  seq 1: 1@1=deploy 1: r2 -> r1 key: 1@1=deploy 1: r2 -> r1"
			 "\n  seq 2: error -2 key: error -2"
			 "\npages: [ 1@1=deploy 1: r2 -> r1] []");
		assert_string_equal(now, buf);
		free(now);
		now = dreads_of(dir, 1, 2);
		assert_string_equal(now, buf);
	}
	free(now);
	free(want);
	assert_format(dir, "librelease-file-store 3\n");
	/* the indexes were rebuilt as generation 2, with a dep file */
	assert_true(gen_exists(dir, DAPP, "dep", 2));
	assert_true(gen_exists(dir, DAPP, "rel", 2));
	assert_false(gen_exists(dir, DAPP, "rel", 1));
	state_magic(dir, DAPP, magic, &top);
	assert_string_equal(magic, "LRSTATE2");
	assert_int_equal(top, 1);
}

static void only_the_state_of_an_app_with_deployment_records_says_LRSTATE2(void **state)
{
	const char *dir = temp_dir();
	struct backend b;
	char magic[9];
	uint64_t top;

	(void)state;
	deploy_history(dir);
	backend_open(dir, &b);
	assert_rc(&b, b.s->put(b.ctx, "api", RELEASE_KIND_RELEASE, "r1", 1, "one", 3), 0);
	backend_close(&b);
	state_magic(dir, DAPP, magic, &top);
	assert_string_equal(magic, "LRSTATE2");
	assert_int_equal(top, 3);
	state_magic(dir, "api", magic, &top);
	assert_string_equal(magic, "LRSTATE1");
	assert_int_equal(top, 0);
}

/* Both state copies rewritten (and resealed) so that their magic and their
 * deployment top disagree. */
static void forge_states(const char *dir, const char *magic, uint64_t top)
{
	char path[600];
	unsigned char *d;
	size_t len;

	snprintf(path, sizeof path, "%s/%s/state", dir, DAPP);
	d = read_file(path, &len);
	assert_non_null(d);
	for (size_t c = 0; c < 2; c++) {
		unsigned char *s = d + c * 2048;
		uint32_t crc;

		memcpy(s, magic, 8);
		for (int i = 0; i < 8; i++)
			s[1448 + i] = (unsigned char)(top >> (8 * i));
		crc = test_crc32c(s, 2044);
		for (int i = 0; i < 4; i++)
			s[2044 + i] = (unsigned char)(crc >> (8 * i));
	}
	write_file(path, d, len);
	free(d);
}

static void a_state_whose_magic_and_deployment_top_disagree_is_refused(void **state)
{
	const char *dir = temp_dir();
	struct tree t;

	(void)state;
	deploy_history(dir);
	tree_load(&t, dir);
	for (int v = 0; v < 2; v++) {
		struct backend b;
		char *now;

		tree_store(&t, dir);
		if (v)
			forge_states(dir, "LRSTATE1", 3);
		else
			forge_states(dir, "LRSTATE2", 0);
		backend_open(dir, &b);
		now = dreads(&b, 1);
		if (!strstr(now, "meta app: error -8") || !strstr(msg(&b), "state"))
			fail_msg("%s with a deployment top of %d reads\n%s\n(%s)",
				 v ? "LRSTATE1" : "LRSTATE2", v ? 3 : 0, now, msg(&b));
		free(now);
		backend_close(&b);
	}
	tree_free(&t);
}

static void a_store_of_a_newer_format_is_refused_saying_so(void **state)
{
	const char *dir = temp_dir();
	const release_storage *s;
	void *ctx = NULL;
	const char *m;

	(void)state;
	deploy_history(dir);
	format_set(dir, 4);
	{
		char uri[600];

		snprintf(uri, sizeof uri, "file:%s", dir);
		ctx = NULL;
		assert_int_equal(release_storage_open(&s, &ctx, uri), RELEASE_EUNSUPPORTED);
		assert_null(ctx);
	}
	m = release_store_errmsg(NULL);
	if (!strstr(m, "format 4 is newer") || !strstr(m, "1 to 3") || strchr(m, '\n'))
		fail_msg("the message does not say the format is newer: \"%s\"", m);
	format_set(dir, 3);
	{
		char *now = dreads_of(dir, 1, 1);

		assert_non_null(strstr(now, "meta app: app@0=A"));
		free(now);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_store_moves_to_format_3_before_its_first_deployment_record),
		cmocka_unit_test(a_store_made_before_deployment_records_reads_as_it_is),
		cmocka_unit_test(the_first_deployment_record_of_such_a_store_gets_it_a_deployment_index),
		cmocka_unit_test(only_the_state_of_an_app_with_deployment_records_says_LRSTATE2),
		cmocka_unit_test(a_state_whose_magic_and_deployment_top_disagree_is_refused),
		cmocka_unit_test(a_store_of_a_newer_format_is_refused_saying_so),
	};

	if (getenv("DAMAGE_FILTER"))
		cmocka_set_test_filter(getenv("DAMAGE_FILTER"));
	return cmocka_run_group_tests_name("file-store: FORMAT 3", tests, NULL, NULL);
}
