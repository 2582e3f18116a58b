/*
 * The file store's commits (storage version 2), driven through the raw
 * backend (release_storage_open("file:DIR")).
 *
 * - A commit whose third operation fails (a conflict, an absent record, an
 *   invalid operation) writes nothing: every file of the app is as before.
 * - Each operation of a commit sees the earlier ones.
 * - A commit torn at any byte of its records (a writer that died before its
 *   sync returned, with the state not yet naming them) is cut off whole by
 *   the next reader, whether the file ends there or goes on with zeros;
 *   with all its bytes there it is applied whole.
 * - An intact record after a damaged one is damage even in the same commit:
 *   a commit synced whole and damaged later is reported, never cut off.
 * - Compaction copies a commit's records as records of their own, which a
 *   rebuild of the indexes then reads.
 * - A store moves from FORMAT 1 to 2 before its first commit of several
 *   records, and no sooner.
 */
#include "damage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define APP "web"

static release_storage_op put(int kind, const char *key, uint64_t seq, const char *data)
{
	release_storage_op o = {RELEASE_OP_PUT, kind, key, seq, NULL, 0, data, strlen(data)};

	return o;
}

static release_storage_op cas(int kind, const char *key, const char *old, const char *data)
{
	release_storage_op o = {RELEASE_OP_CAS, kind, key, 0, old, old ? strlen(old) : 0,
				data, data ? strlen(data) : 0};

	return o;
}

static release_storage_op del(int kind, const char *key)
{
	release_storage_op o = {RELEASE_OP_DEL, kind, key, 0, NULL, 0, NULL, 0};

	return o;
}

static release_storage_op check(int kind, const char *key, const char *old)
{
	release_storage_op o = {RELEASE_OP_CHECK, kind, key, 0, old, old ? strlen(old) : 0,
				NULL, 0};

	return o;
}

/* ------------------------------------------------------------ what a store reads */

static int add_record(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	sb_add(payload, " %s@%llu=%.*s", key, (unsigned long long)seq, (int)len,
	       (const char *)data);
	return 0;
}

/* Every record a test writes, as text: the META keys by name, the ordered
 * kinds by a full scan, and each seq of a scan again by get_seq. On a
 * failing read, "error N" in its place. */
static char *reads(struct backend *b)
{
	static const char *const meta[] = {"app", "active", "note", "k"};
	struct sb out = {0};
	int rc;

	sb_add(&out, "%s", "");
	for (size_t i = 0; i < sizeof meta / sizeof *meta; i++) {
		sb_add(&out, "\nmeta %s:", meta[i]);
		rc = b->s->get(b->ctx, APP, RELEASE_KIND_META, meta[i], add_record, &out);
		if (rc != 0)
			sb_add(&out, " error %d", rc);
	}
	for (int kind = RELEASE_KIND_BUILD; kind <= RELEASE_KIND_RELEASE; kind++) {
		sb_add(&out, "\nkind %d:", kind);
		rc = b->s->scan(b->ctx, APP, kind, UINT64_MAX, 100, add_record, &out);
		if (rc != 0)
			sb_add(&out, " error %d", rc);
		for (uint64_t seq = 1; seq <= 6; seq++) {
			sb_add(&out, "\n  seq %llu:", (unsigned long long)seq);
			rc = b->s->get_seq(b->ctx, APP, kind, seq, add_record, &out);
			if (rc != 0)
				sb_add(&out, " error %d", rc);
		}
	}
	return out.p;
}

static char *reads_of(const char *dir)
{
	struct backend b;
	char *r;

	backend_open(dir, &b);
	r = reads(&b);
	backend_close(&b);
	return r;
}

static uint64_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* The store every test starts from: app "web" with META app and active,
 * releases r1 (seq 1) and rx (seq 3), build b1 (seq 1). */
static void base_store(const char *dir)
{
	struct backend b;
	release_storage_op ops[] = {
		put(RELEASE_KIND_META, "app", 0, "A"),
		put(RELEASE_KIND_META, "active", 0, "r1"),
		put(RELEASE_KIND_RELEASE, "r1", 1, "one"),
		put(RELEASE_KIND_RELEASE, "rx", 3, "x"),
		put(RELEASE_KIND_BUILD, "b1", 1, "bld"),
	};

	backend_open(dir, &b);
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
		assert_rc(&b, b.s->commit(b.ctx, APP, &ops[i], 1, NULL), 0);
	backend_close(&b);
}

/* -------------------------------------------------------- failing commits */

static void a_commit_whose_third_operation_fails_writes_nothing(void **state)
{
	static const struct {
		const char *what;
		release_storage_op op;
		int rc;
	} thirds[] = {
		{"a put of an existing key", {RELEASE_OP_PUT, RELEASE_KIND_RELEASE, "rx", 4, NULL, 0,
					      "y", 1}, RELEASE_ECONFLICT},
		{"a put of a taken seq", {RELEASE_OP_PUT, RELEASE_KIND_RELEASE, "r9", 3, NULL, 0,
					  "y", 1}, RELEASE_ECONFLICT},
		{"a compare-and-swap of other bytes", {RELEASE_OP_CAS, RELEASE_KIND_BUILD, "b1", 0,
						       "nope", 4, "y", 1}, RELEASE_ECONFLICT},
		{"a check of other bytes", {RELEASE_OP_CHECK, RELEASE_KIND_META, "app", 0, "B", 1,
					    NULL, 0}, RELEASE_ECONFLICT},
		{"a delete of an absent record", {RELEASE_OP_DEL, RELEASE_KIND_BUILD, "b9", 0, NULL,
						  0, NULL, 0}, RELEASE_ENOTFOUND},
		{"a put of seq 0", {RELEASE_OP_PUT, RELEASE_KIND_BUILD, "b2", 0, NULL, 0, "y", 1},
		 RELEASE_EINVAL},
		{"an invalid key", {RELEASE_OP_PUT, RELEASE_KIND_META, "no/key", 0, NULL, 0, "y", 1},
		 RELEASE_EINVAL},
	};
	const char *dir = temp_dir();
	struct tree before, after;
	char *was;

	(void)state;
	base_store(dir);
	was = reads_of(dir);
	tree_load(&before, dir);
	for (size_t i = 0; i < sizeof thirds / sizeof *thirds; i++) {
		release_storage_op ops[] = {
			put(RELEASE_KIND_RELEASE, "r2", 2, "two"),
			cas(RELEASE_KIND_META, "active", "r1", "r2"),
			thirds[i].op,
			put(RELEASE_KIND_META, "note", 0, "n"),
		};
		struct backend b;
		size_t failed = 99;
		char *now;
		int rc;

		set_ctx("third operation: %s", thirds[i].what);
		backend_open(dir, &b);
		rc = b.s->commit(b.ctx, APP, ops, 4, &failed);
		if (rc != thirds[i].rc || failed != 2)
			soft_fail("commit -> %d with failed %zu, want %d with 2: %s", rc, failed,
				  thirds[i].rc, msg(&b));
		backend_close(&b);
		tree_load(&after, dir);
		for (size_t f = 0; f < before.n; f++) {
			const struct tfile *a = tree_get(&after, before.f[f].path);

			if (!a || a->len != before.f[f].len ||
			    (a->len && memcmp(a->data, before.f[f].data, a->len) != 0))
				soft_fail("the commit changed %s", before.f[f].path);
		}
		if (after.n != before.n)
			soft_fail("the commit made files: %zu, were %zu", after.n, before.n);
		tree_free(&after);
		now = reads_of(dir);
		if (strcmp(now, was) != 0)
			soft_fail("the store reads\n%s\nwant\n%s", now, was);
		free(now);
	}
	free(was);
	tree_free(&before);
	check_soft("commits whose third operation fails");
}

/* ------------------------------------------------ operations see earlier ones */

static void a_commit_applies_each_operation_over_the_earlier_ones(void **state)
{
	const char *dir = temp_dir();
	release_storage_op ops[] = {
		put(RELEASE_KIND_META, "k", 0, "1"),
		cas(RELEASE_KIND_META, "k", "1", "2"),
		check(RELEASE_KIND_META, "k", "2"),
		put(RELEASE_KIND_RELEASE, "r5", 5, "a"),
		cas(RELEASE_KIND_RELEASE, "r5", "a", "b"),
		check(RELEASE_KIND_RELEASE, "r5", "b"),
		del(RELEASE_KIND_RELEASE, "rx"),
		put(RELEASE_KIND_RELEASE, "r6", 3, "rx's seq"),
		cas(RELEASE_KIND_META, "note", NULL, "new"),
		cas(RELEASE_KIND_META, "note", "new", NULL),
		check(RELEASE_KIND_META, "note", NULL),
		cas(RELEASE_KIND_BUILD, "b1", "bld", NULL),
		put(RELEASE_KIND_BUILD, "b1", 4, "again"),
	};
	release_storage_op twice[] = {
		put(RELEASE_KIND_META, "note", 0, "1"),
		put(RELEASE_KIND_META, "note", 0, "2"),
	};
	const char *want = "\nmeta app: app@0=A"
			   "\nmeta active: active@0=r1"
			   "\nmeta note: error -2"
			   "\nmeta k: k@0=2"
			   "\nkind 2: b1@4=again"
			   "\n  seq 1: error -2\n  seq 2: error -2\n  seq 3: error -2"
			   "\n  seq 4: b1@4=again\n  seq 5: error -2\n  seq 6: error -2"
			   "\nkind 3: r5@5=b r6@3=rx's seq r1@1=one"
			   "\n  seq 1: r1@1=one\n  seq 2: error -2\n  seq 3: r6@3=rx's seq"
			   "\n  seq 4: error -2\n  seq 5: r5@5=b\n  seq 6: error -2";
	struct backend b;
	struct tree t;
	size_t failed = 99;
	char *now;

	(void)state;
	base_store(dir);
	backend_open(dir, &b);
	assert_rc(&b, b.s->commit(b.ctx, APP, ops, sizeof ops / sizeof *ops, &failed), 0);
	now = reads(&b);
	assert_string_equal(now, want);
	free(now);
	/* the second put sees the first */
	assert_rc(&b, b.s->commit(b.ctx, APP, twice, 2, &failed), RELEASE_ECONFLICT);
	assert_int_equal(failed, 1);
	backend_close(&b);
	/* the same from the log alone, after a reboot */
	tree_load(&t, dir);
	tree_fake_reboot(&t, APP);
	tree_store(&t, dir);
	tree_free(&t);
	now = reads_of(dir);
	assert_string_equal(now, want);
	free(now);
}

/* ------------------------------------------------------------- torn commits */

/* The operations of the commit the torn tests tear: five records. */
static void torn_commit(const char *dir)
{
	release_storage_op ops[] = {
		put(RELEASE_KIND_RELEASE, "r2", 2, "two, with a longer body to tear"),
		cas(RELEASE_KIND_BUILD, "b1", "bld", "bld, used by r2"),
		cas(RELEASE_KIND_META, "active", "r1", "r2"),
		del(RELEASE_KIND_RELEASE, "rx"),
		put(RELEASE_KIND_META, "note", 0, "n"),
	};
	struct backend b;

	backend_open(dir, &b);
	assert_rc(&b, b.s->commit(b.ctx, APP, ops, sizeof ops / sizeof *ops, NULL), 0);
	backend_close(&b);
}

/* The snapshot before with the log's bytes [0, len0 + k) of after, and pad
 * zero bytes after them. */
static void store_torn(const char *dir, const struct tree *before, const struct tfile *log1,
		       size_t len0, size_t k, size_t pad)
{
	unsigned char *d = calloc(len0 + k + pad + 1, 1);
	struct tree v;

	assert_non_null(d);
	memcpy(d, log1->data, len0 + k);
	tree_copy(&v, before);
	tree_set(&v, LOG_PATH, d, len0 + k + pad);
	tree_store(&v, dir);
	tree_free(&v);
	free(d);
}

static void a_torn_commit_is_cut_whole_at_every_byte(void **state)
{
	const char *base = temp_dir();
	char dir[400], log_path[500], *was, *will;
	struct tree before, after;
	const struct tfile *log0, *log1;
	size_t run;

	(void)state;
	snprintf(dir, sizeof dir, "%s/store", base);
	snprintf(log_path, sizeof log_path, "%s/%s", dir, LOG_PATH);
	base_store(dir);
	was = reads_of(dir);
	tree_load(&before, dir);
	torn_commit(dir);
	will = reads_of(dir);
	tree_load(&after, dir);
	log0 = tree_get(&before, LOG_PATH);
	log1 = tree_get(&after, LOG_PATH);
	assert_non_null(log0);
	assert_non_null(log1);
	run = log1->len - log0->len;
	assert_true(run > 5 * 24);
	for (int padded = 0; padded < 2; padded++) {
		for (size_t k = padded; k <= run; k++) {
			size_t pad = padded ? run - k : 0;
			char *now;

			set_ctx("the commit's %zu bytes cut at %zu%s", run, k,
				padded ? ", zeros after" : "");
			store_torn(dir, &before, log1, log0->len, k, pad);
			now = reads_of(dir);
			if (strcmp(now, k == run ? will : was) != 0)
				soft_fail("the store reads\n%s\nwant (the commit %s)\n%s", now,
					  k == run ? "whole" : "cut off", k == run ? will : was);
			else if (size_of(log_path) != (k == run ? log1->len : log0->len))
				soft_fail("the log has %llu bytes, want %zu",
					  (unsigned long long)size_of(log_path),
					  k == run ? log1->len : log0->len);
			free(now);
		}
	}
	free(was);
	free(will);
	tree_free(&before);
	tree_free(&after);
	check_soft("torn commits");
}

/* Flips a bit in a record of the commit, with records of it after: it is
 * reported when the log is replayed, and nothing is cut, whether the state
 * names the commit or not (its writer died before updating it). */
static void a_damaged_record_before_others_of_its_commit_is_reported(void **state)
{
	const char *base = temp_dir();
	char dir[400], log_path[500];
	struct tree before, after;
	const struct tfile *log0, *log1;
	struct logrec recs[64];
	size_t n;

	(void)state;
	snprintf(dir, sizeof dir, "%s/store", base);
	snprintf(log_path, sizeof log_path, "%s/%s", dir, LOG_PATH);
	base_store(dir);
	tree_load(&before, dir);
	torn_commit(dir);
	tree_load(&after, dir);
	log0 = tree_get(&before, LOG_PATH);
	log1 = tree_get(&after, LOG_PATH);
	n = parse_log(log1->data, log1->len, recs, 64);
	assert_true(n >= 5);
	assert_true(recs[n - 5].first && recs[n - 5].more && !recs[n - 4].first && !recs[n - 1].more);
	for (int indexed = 0; indexed < 2; indexed++) {
		for (size_t r = n - 5; r < n - 1; r++) {
			struct backend b;
			char *now;

			set_ctx("record %zu of the commit flipped, %s", r - (n - 5) + 1,
				indexed ? "the state naming the commit, after a reboot"
					: "its writer dead before updating the state");
			if (indexed) {
				/* as after a reboot, so that the log is replayed */
				struct tree v;

				tree_copy(&v, &after);
				tree_fake_reboot(&v, APP);
				tree_store(&v, dir);
				tree_free(&v);
			} else {
				store_torn(dir, &before, log1, log0->len, log1->len - log0->len, 0);
			}
			flip_bit(log_path, recs[r].off + recs[r].len - 1, 3);
			backend_open(dir, &b);
			now = reads(&b);
			if (!strstr(now, "error -8"))
				soft_fail("nothing reads as damage:\n%s", now);
			backend_close(&b);
			free(now);
			if (size_of(log_path) != log1->len)
				soft_fail("the log was cut to %llu bytes",
					  (unsigned long long)size_of(log_path));
		}
	}
	tree_free(&before);
	tree_free(&after);
	check_soft("damaged records of a commit");
}

/* ---------------------------------------------------------------- compaction */

static void compaction_copies_a_commits_records_as_records_of_their_own(void **state)
{
	static char big[100000];
	const char *dir = temp_dir();
	release_storage_op ops[] = {
		put(RELEASE_KIND_BUILD, "big", 2, big),
		put(RELEASE_KIND_BUILD, "keep", 3, "kept"),
		put(RELEASE_KIND_META, "note", 0, "n"),
		put(RELEASE_KIND_META, "k", 0, "last"),
	};
	release_storage_op drop = del(RELEASE_KIND_BUILD, "big");
	char log_path[600], *was, *now;
	unsigned char *d;
	struct logrec recs[64];
	struct backend b;
	uint64_t gen;
	size_t len, n;

	(void)state;
	memset(big, 'x', sizeof big - 1);
	ops[0] = put(RELEASE_KIND_BUILD, "big", 2, big);
	base_store(dir);
	backend_open(dir, &b);
	assert_rc(&b, b.s->commit(b.ctx, APP, ops, sizeof ops / sizeof *ops, NULL), 0);
	assert_rc(&b, b.s->commit(b.ctx, APP, &drop, 1, NULL), 0);
	was = reads(&b);
	backend_close(&b);
	gen = gen_file(dir, APP, "log", log_path, sizeof log_path);
	assert_true(gen > 1); /* compacted */
	d = read_file(log_path, &len);
	assert_non_null(d);
	n = parse_log(d, len, recs, 64);
	assert_true(n >= 7);
	for (size_t i = 0; i < n; i++)
		if (!recs[i].first || recs[i].more)
			fail_msg("record %zu (%s) of the compacted log is part of a run", i,
				 recs[i].key);
	free(d);
	/* the indexes rebuilt from the compacted log */
	for (const char *const *f = (const char *const[]){"rel", "bld", "keys", NULL}; *f; f++) {
		char path[600];

		if (gen_file(dir, APP, *f, path, sizeof path))
			unlink(path);
	}
	now = reads_of(dir);
	assert_string_equal(now, was);
	free(was);
	free(now);
}

/* ----------------------------------------------------------------- FORMAT */

static char *format_of(const char *dir)
{
	char path[500];
	size_t len;
	unsigned char *d;
	char *s;

	snprintf(path, sizeof path, "%s/FORMAT", dir);
	d = read_file(path, &len);
	assert_non_null(d);
	s = calloc(len + 1, 1);
	assert_non_null(s);
	memcpy(s, d, len);
	free(d);
	return s;
}

static void a_store_moves_to_format_2_before_its_first_commit_of_several_records(void **state)
{
	const char *dir = temp_dir();
	release_storage_op one = put(RELEASE_KIND_META, "note", 0, "n");
	release_storage_op two[] = {
		cas(RELEASE_KIND_META, "note", "n", "m"),
		cas(RELEASE_KIND_META, "active", "r1", "rx"),
	};
	release_storage_op checks[] = {
		check(RELEASE_KIND_META, "note", "m"),
		check(RELEASE_KIND_META, "active", "rx"),
	};
	struct backend b;
	char *f, *was, *now;

	(void)state;
	base_store(dir);
	f = format_of(dir);
	assert_string_equal(f, "librelease-file-store 1\n");
	free(f);
	backend_open(dir, &b);
	/* one record, or none: still readable by version 1 */
	assert_rc(&b, b.s->commit(b.ctx, APP, &one, 1, NULL), 0);
	assert_rc(&b, b.s->commit(b.ctx, APP, two, 1, NULL), 0);
	assert_rc(&b, b.s->commit(b.ctx, APP, checks, 1, NULL), 0);
	f = format_of(dir);
	assert_string_equal(f, "librelease-file-store 1\n");
	free(f);
	assert_rc(&b, b.s->commit(b.ctx, APP, two + 1, 1, NULL), 0);
	two[0] = cas(RELEASE_KIND_META, "note", "m", "o");
	two[1] = cas(RELEASE_KIND_META, "active", "rx", "r1");
	assert_rc(&b, b.s->commit(b.ctx, APP, two, 2, NULL), 0);
	was = reads(&b);
	backend_close(&b);
	f = format_of(dir);
	assert_string_equal(f, "librelease-file-store 2\n");
	free(f);
	now = reads_of(dir);
	assert_string_equal(now, was);
	free(was);
	free(now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_commit_whose_third_operation_fails_writes_nothing),
		cmocka_unit_test(a_commit_applies_each_operation_over_the_earlier_ones),
		cmocka_unit_test(a_torn_commit_is_cut_whole_at_every_byte),
		cmocka_unit_test(a_damaged_record_before_others_of_its_commit_is_reported),
		cmocka_unit_test(compaction_copies_a_commits_records_as_records_of_their_own),
		cmocka_unit_test(a_store_moves_to_format_2_before_its_first_commit_of_several_records),
	};

	if (getenv("DAMAGE_FILTER"))
		cmocka_set_test_filter(getenv("DAMAGE_FILTER"));
	return cmocka_run_group_tests_name("file-store damage: commits", tests, NULL, NULL);
}
