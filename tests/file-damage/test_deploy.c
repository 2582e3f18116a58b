/*
 * The file store's deployment records (storage kind RELEASE_KIND_DEPLOY,
 * storage version 3), driven through the raw backend
 * (release_storage_open("file:DIR")).
 *
 * - They are stored as builds and releases are: put, get by key, get_seq,
 *   scan newest first with before and limit, compare-and-swap, delete, and
 *   in commits, atomically with the META record a promotion moves.
 * - Compaction keeps them, and drops the deleted ones.
 * - Their seq index (dep.<g>) damaged in any way (missing, cut short,
 *   zeroed or flipped entries, a foreign header, another index swapped in)
 *   is rebuilt from the log by a read-write handle; a read-only one reads
 *   right or fails, never wrongly.
 * - After a reboot their entries lost with the page cache are replayed; a
 *   promotion torn at any byte is cut off whole, or applied whole.
 */
#include "deploy_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_DEP_TOP 1448

/* -------------------------------------------------------------- records */

static void deployment_records_are_stored_like_releases(void **state)
{
	const char *dir = temp_dir();
	release_storage_op bad[] = {
		op_put(5, "1", 1, "x"),
		op_put(0, "1", 1, "x"),
		op_put(RELEASE_KIND_DEPLOY, "9", 0, "seq 0"),
	};
	release_storage_op moved[] = {
		op_cas(RELEASE_KIND_DEPLOY, "2", "deploy 2: r1 -> r2", "deploy 2, amended"),
		op_del(RELEASE_KIND_DEPLOY, "1"),
	};
	const char *want = "\nmeta app: app@0=A"
			   "\nmeta active: active@0=r3"
			   "\nmeta note: error -2"
			   "\nkind 2: b1@1=bld"
			   "\n  seq 1: b1@1=bld\n  seq 2: error -2\n  seq 3: error -2\n  seq 4: error -2"
			   "\nkind 3: r3@3=three r2@2=two r1@1=one"
			   "\n  seq 1: r1@1=one\n  seq 2: r2@2=two\n  seq 3: r3@3=three"
			   "\n  seq 4: error -2"
			   "\nkind 4: 3@3=deploy 3: r2 -> r3 2@2=deploy 2, amended"
			   "\n  seq 1: error -2 key: error -2"
			   "\n  seq 2: 2@2=deploy 2, amended key: 2@2=deploy 2, amended"
			   "\n  seq 3: 3@3=deploy 3: r2 -> r3 key: 3@3=deploy 3: r2 -> r3"
			   "\n  seq 4: error -2 key: error -2"
			   "\npages: [ 3@3=deploy 3: r2 -> r3 2@2=deploy 2, amended] []";
	struct backend b;
	size_t failed = 99;
	char *now;

	(void)state;
	deploy_history(dir);
	backend_open(dir, &b);
	assert_int_equal(b.s->version, RELEASE_STORAGE_VERSION);
	/* a taken key, a taken seq, a seq too far */
	assert_rc(&b, b.s->put(b.ctx, DAPP, RELEASE_KIND_DEPLOY, "3", 4, "x", 1), RELEASE_ECONFLICT);
	assert_rc(&b, b.s->put(b.ctx, DAPP, RELEASE_KIND_DEPLOY, "x", 3, "x", 1), RELEASE_ECONFLICT);
	assert_rc(&b, b.s->put(b.ctx, DAPP, RELEASE_KIND_DEPLOY, "x", 1u << 20, "x", 1),
		  RELEASE_EINVAL);
	assert_rc(&b, promote_rec(&b, "r3", "r1", 2), RELEASE_ECONFLICT);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_rc(&b, b.s->commit(b.ctx, DAPP, &bad[i], 1, &failed), RELEASE_EINVAL);
		assert_rc(&b, b.s->put(b.ctx, DAPP, bad[i].kind, bad[i].key, bad[i].seq, "x", 1),
			  RELEASE_EINVAL);
	}
	assert_rc(&b, b.s->get(b.ctx, DAPP, 5, "1", NULL, NULL), RELEASE_EINVAL);
	assert_rc(&b, b.s->scan(b.ctx, DAPP, 5, UINT64_MAX, 1, NULL, NULL), RELEASE_EINVAL);
	assert_rc(&b, b.s->commit(b.ctx, DAPP, moved, 2, &failed), 0);
	/* a compare-and-swap and a delete on their own */
	assert_rc(&b, b.s->cas(b.ctx, DAPP, RELEASE_KIND_DEPLOY, "3", "no", 2, "x", 1),
		  RELEASE_ECONFLICT);
	assert_rc(&b, b.s->put(b.ctx, DAPP, RELEASE_KIND_DEPLOY, "4", 4, "four", 4), 0);
	assert_rc(&b, b.s->cas(b.ctx, DAPP, RELEASE_KIND_DEPLOY, "4", "four", 4, "4!", 2), 0);
	assert_rc(&b, b.s->del(b.ctx, DAPP, RELEASE_KIND_DEPLOY, "4"), 0);
	assert_rc(&b, b.s->del(b.ctx, DAPP, RELEASE_KIND_DEPLOY, "4"), RELEASE_ENOTFOUND);
	now = dreads(&b, 4);
	assert_string_equal(now, want);
	free(now);
	backend_close(&b);
	/* and from the log alone, after a reboot */
	{
		struct tree t;

		tree_load(&t, dir);
		tree_fake_reboot(&t, DAPP);
		tree_store(&t, dir);
		tree_free(&t);
	}
	now = dreads_of(dir, 0, 4);
	assert_string_equal(now, want);
	free(now);
}

static void a_promotion_is_one_commit_with_its_deployment_record(void **state)
{
	const char *dir = temp_dir();
	char *was, *now;
	struct backend b;
	struct tree before, after;

	(void)state;
	deploy_history(dir);
	was = dreads_of(dir, 0, 4);
	tree_load(&before, dir);
	backend_open(dir, &b);
	/* the active pointer moved meanwhile: neither is written */
	assert_rc(&b, promote_rec(&b, "r2", "r1", 4), RELEASE_ECONFLICT);
	/* the seq is taken: the pointer stays */
	assert_rc(&b, promote_rec(&b, "r3", "r1", 3), RELEASE_ECONFLICT);
	backend_close(&b);
	tree_load(&after, dir);
	for (size_t f = 0; f < before.n; f++) {
		const struct tfile *a = tree_get(&after, before.f[f].path);

		if (!a || a->len != before.f[f].len ||
		    (a->len && memcmp(a->data, before.f[f].data, a->len) != 0))
			fail_msg("a failed promotion changed %s", before.f[f].path);
	}
	now = dreads_of(dir, 0, 4);
	assert_string_equal(now, was);
	free(now);
	free(was);
	tree_free(&before);
	tree_free(&after);
}

/* ------------------------------------------------------------ compaction */

static void compaction_keeps_deployment_records(void **state)
{
	static char big[8192], nbig[8192];
	const char *dir = temp_dir();
	char log_path[600], *was, *now, data[1100];
	struct backend b;
	struct logrec recs[256];
	unsigned char *d;
	size_t len, n, deploys = 0;
	const char *prev = "r3";

	(void)state;
	deploy_history(dir);
	backend_open(dir, &b);
	/* 40 more promotions, between r1 and r2, with longer records */
	memset(data, 'd', sizeof data - 1);
	data[sizeof data - 1] = '\0';
	for (uint64_t seq = 4; seq <= 43; seq++) {
		const char *next = seq % 2 ? "r1" : "r2";
		release_storage_op ops[] = {
			op_cas(RELEASE_KIND_META, "active", prev, next),
			op_put(RELEASE_KIND_DEPLOY, dkey(seq), seq, data),
		};

		assert_rc(&b, b.s->commit(b.ctx, DAPP, ops, 2, NULL), 0);
		prev = next;
	}
	/* some deleted (the newest among them), and a META record rewritten
	 * until most of the log is dead */
	for (uint64_t seq = 10; seq <= 43; seq += 3)
		assert_rc(&b, b.s->del(b.ctx, DAPP, RELEASE_KIND_DEPLOY, dkey(seq)), 0);
	memset(big, 'n', sizeof big - 1);
	memcpy(nbig, big, sizeof nbig);
	assert_rc(&b, b.s->put(b.ctx, DAPP, RELEASE_KIND_META, "note", 0, big, sizeof big - 1), 0);
	for (int i = 0; i < 40 && !gen_exists(dir, DAPP, "log", 2); i++) {
		nbig[0] = (char)('a' + i % 26);
		assert_rc(&b, b.s->cas(b.ctx, DAPP, RELEASE_KIND_META, "note", big, sizeof big - 1,
				       nbig, sizeof nbig - 1), 0);
		memcpy(big, nbig, sizeof big);
	}
	backend_close(&b);
	assert_true(gen_exists(dir, DAPP, "log", 2)); /* compacted */
	assert_false(gen_exists(dir, DAPP, "log", 1));
	assert_true(gen_exists(dir, DAPP, "dep", 2));
	assert_false(gen_exists(dir, DAPP, "dep", 1));
	was = dreads_of(dir, 0, 44);
	assert_non_null(strstr(was, "\n  seq 43: error -2 key: error -2"));
	assert_non_null(strstr(was, "\n  seq 42: 42@42=ddd"));
	/* the compacted log holds the live deployment records */
	gen_file(dir, DAPP, "log", log_path, sizeof log_path);
	d = read_file(log_path, &len);
	assert_non_null(d);
	n = parse_log(d, len, recs, 256);
	for (size_t i = 0; i < n; i++)
		deploys += recs[i].kind == RELEASE_KIND_DEPLOY;
	free(d);
	assert_int_equal(deploys, 43 - 12);
	/* and the indexes rebuilt from it alone read the same */
	for (const char *const *f = (const char *const[]){"dep", "rel", "bld", "keys", NULL}; *f;
	     f++) {
		char path[600];

		if (gen_file(dir, DAPP, *f, path, sizeof path))
			unlink(path);
	}
	now = dreads_of(dir, 0, 44);
	assert_string_equal(now, was);
	free(now);
	free(was);
}

/* ------------------------------------------------------- a damaged index */

/* Every read of a damaged store: what was written, or (a read-only handle,
 * which cannot repair) a failure; never other records. */
static void compare_reads(const char *now, const char *was, int may_fail)
{
	const char *p = now, *q = was;

	if (!may_fail) {
		if (strcmp(now, was) != 0)
			soft_fail("the store reads\n%s\nwant\n%s", now, was);
		return;
	}
	/* line by line, where a line that failed (" error -N") may stand for
	 * the line written */
	while (*p || *q) {
		size_t lp = strcspn(p, "\n"), lq = strcspn(q, "\n");

		if ((lp != lq || memcmp(p, q, lp) != 0) && !memmem(p, lp, " error -", 8)) {
			soft_fail("the store reads \"%.*s\" where \"%.*s\" was written", (int)lp, p,
				  (int)lq, q);
			return;
		}
		p += lp + (p[lp] == '\n');
		q += lq + (q[lq] == '\n');
	}
}

static void a_damaged_deployment_index_is_rebuilt_from_the_log(void **state)
{
	const char *base = temp_dir();
	char dir[400], dep[600], *was;
	struct tree t;
	const struct tfile *depf, *relf;
	enum { MISSING, HEADER, CUT, CUT_ENTRY, ZEROED, FLIPPED, SWAPPED, FOREIGN_GEN, VARIANTS };
	static const char *const names[] = {"missing", "a damaged header", "cut to its header",
					    "cut inside its last entry", "an entry zeroed",
					    "a bit flipped in an entry", "rel's bytes in its place",
					    "another generation's header"};

	(void)state;
	snprintf(dir, sizeof dir, "%s/store", base);
	deploy_history(dir);
	was = dreads_of(dir, 0, 4);
	tree_load(&t, dir);
	depf = tree_get(&t, DAPP "/dep.1");
	relf = tree_get(&t, DAPP "/rel.1");
	assert_non_null(depf);
	assert_non_null(relf);
	assert_int_equal(depf->len, 64 + 3 * 24);
	snprintf(dep, sizeof dep, "%s/%s/dep.1", dir, DAPP);
	for (int ro = 0; ro < 2; ro++) {
		for (int v = 0; v < VARIANTS; v++) {
			char *now;

			set_ctx("dep.1 %s, read %s", names[v], ro ? "read-only" : "read-write");
			tree_store(&t, dir);
			switch (v) {
			case MISSING:
				unlink(dep);
				break;
			case HEADER:
				flip_bit(dep, 3, 1);
				break;
			case CUT:
				assert_int_equal(truncate(dep, 64), 0);
				break;
			case CUT_ENTRY:
				assert_int_equal(truncate(dep, 64 + 3 * 24 - 5), 0);
				break;
			case ZEROED:
				zero_range(dep, 64 + 24, 24);
				break;
			case FLIPPED:
				flip_bit(dep, 64 + 2 * 24 + 1, 5);
				break;
			case SWAPPED:
				write_file(dep, relf->data, relf->len);
				break;
			default: /* FOREIGN_GEN: the header says generation 2 */
				flip_bit(dep, 40, 0);
				flip_bit(dep, 40, 1);
				break;
			}
			now = dreads_of(dir, ro, 4);
			compare_reads(now, was, ro);
			free(now);
			if (!ro && !gen_exists(dir, DAPP, "dep", 2))
				soft_fail("no dep.2 was made");
			/* after the repair (or none, read-only) it reads right again */
			now = dreads_of(dir, 0, 4);
			compare_reads(now, was, 0);
			free(now);
		}
	}
	tree_free(&t);
	free(was);
	check_soft("damaged deployment indexes");
}

/* A state copy written by a library that knows no deployment records (as
 * one that opened the store before it moved to FORMAT 3 would, if it could
 * read the app) says LRSTATE1 with no deployment top: a read-write handle
 * sees the index that holds more (check_top) and rebuilds it from the log. */
static void a_state_without_the_deployment_top_is_rebuilt_from_the_log(void **state)
{
	const char *dir = temp_dir();
	char path[600], *was, *now;
	unsigned char *d;
	size_t len;

	(void)state;
	deploy_history(dir);
	was = dreads_of(dir, 0, 4);
	snprintf(path, sizeof path, "%s/%s/state", dir, DAPP);
	d = read_file(path, &len);
	assert_non_null(d);
	for (size_t c = 0; c < 2; c++) {
		unsigned char *b = d + c * 2048;
		uint32_t crc;

		assert_memory_equal(b, "LRSTATE2", 8);
		memcpy(b, "LRSTATE1", 8);
		memset(b + STATE_DEP_TOP, 0, 8);
		crc = test_crc32c(b, 2044);
		for (int i = 0; i < 4; i++)
			b[2044 + i] = (unsigned char)(crc >> (8 * i));
	}
	write_file(path, d, len);
	free(d);
	/* (A read-only handle answers for the state as published: it takes an
	 * index longer than the top for a writer's, midway.) */
	now = dreads_of(dir, 0, 4);
	compare_reads(now, was, 0);
	free(now);
	assert_true(gen_exists(dir, DAPP, "dep", 2));
	free(was);
	check_soft("a state without the deployment top");
}

/* ------------------------------------------------ reboots and torn commits */

/* After a reboot the log is replayed from the last checkpoint, so entries
 * of the deployment index that died with the page cache (zeros where they
 * were) come back, without a rebuild. */
static void deployment_entries_lost_with_the_page_cache_are_replayed(void **state)
{
	const char *dir = temp_dir();
	char *was, *now;
	struct tree t, v;
	struct tfile *depf;

	(void)state;
	deploy_history(dir);
	was = dreads_of(dir, 0, 4);
	tree_load(&t, dir);
	tree_fake_reboot(&t, DAPP);
	for (size_t lost = 1; lost <= 3; lost++) {
		set_ctx("dep.1 with its last %zu entries lost", lost);
		tree_copy(&v, &t);
		depf = tree_get(&v, DAPP "/dep.1");
		assert_non_null(depf);
		assert_int_equal(depf->len, 64 + 3 * 24);
		memset(depf->data + 64 + (3 - lost) * 24, 0, lost * 24);
		tree_store(&v, dir);
		tree_free(&v);
		now = dreads_of(dir, 0, 4);
		compare_reads(now, was, 0);
		free(now);
		if (gen_exists(dir, DAPP, "dep", 2))
			soft_fail("the indexes were rebuilt, not replayed");
	}
	tree_free(&t);
	free(was);
	check_soft("deployment entries lost in a reboot");
}

static void a_torn_promotion_is_cut_whole_at_every_byte(void **state)
{
	const char *base = temp_dir();
	char dir[400], *was, *will;
	struct tree before, after;
	const struct tfile *log0, *log1;
	struct backend b;
	size_t run;

	(void)state;
	snprintf(dir, sizeof dir, "%s/store", base);
	deploy_history(dir);
	was = dreads_of(dir, 0, 5);
	tree_load(&before, dir);
	backend_open(dir, &b);
	assert_rc(&b, promote_rec(&b, "r3", "r1", 4), 0);
	backend_close(&b);
	will = dreads_of(dir, 0, 5);
	tree_load(&after, dir);
	log0 = tree_get(&before, LOG_PATH);
	log1 = tree_get(&after, LOG_PATH);
	assert_non_null(log0);
	assert_non_null(log1);
	run = log1->len - log0->len;
	for (int padded = 0; padded < 2; padded++) {
		for (size_t k = padded; k <= run; k++) {
			unsigned char *d = calloc(log1->len + 1, 1);
			struct tree v;
			char *now;

			set_ctx("the promotion's %zu bytes cut at %zu%s", run, k,
				padded ? ", zeros after" : "");
			assert_non_null(d);
			memcpy(d, log1->data, log0->len + k);
			tree_copy(&v, &before);
			tree_set(&v, LOG_PATH, d, log0->len + k + (padded ? run - k : 0));
			tree_store(&v, dir);
			tree_free(&v);
			free(d);
			now = dreads_of(dir, 0, 5);
			if (strcmp(now, k == run ? will : was) != 0)
				soft_fail("the store reads\n%s\nwant (the promotion %s)\n%s", now,
					  k == run ? "whole" : "cut off", k == run ? will : was);
			free(now);
		}
	}
	free(was);
	free(will);
	tree_free(&before);
	tree_free(&after);
	check_soft("torn promotions");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deployment_records_are_stored_like_releases),
		cmocka_unit_test(a_promotion_is_one_commit_with_its_deployment_record),
		cmocka_unit_test(compaction_keeps_deployment_records),
		cmocka_unit_test(a_damaged_deployment_index_is_rebuilt_from_the_log),
		cmocka_unit_test(a_state_without_the_deployment_top_is_rebuilt_from_the_log),
		cmocka_unit_test(deployment_entries_lost_with_the_page_cache_are_replayed),
		cmocka_unit_test(a_torn_promotion_is_cut_whole_at_every_byte),
	};

	if (getenv("DAMAGE_FILTER"))
		cmocka_set_test_filter(getenv("DAMAGE_FILTER"));
	return cmocka_run_group_tests_name("file-store: deployment records", tests, NULL, NULL);
}
