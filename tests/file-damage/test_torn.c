/*
 * Torn writes: the store's files cut at every byte a write may have reached.
 *
 * The history (damage.h) is written once; the last write of interest adds
 * release 6 (env set) to app "web". Every variant re-creates the store from
 * the snapshots, cuts one file, then opens the store, reads everything and
 * writes once more (env set DAMAGE=1). Each read must give the data written
 * before the damage, or RELEASE_ECORRUPT naming the file and offset; the torn
 * release may be absent, and then the new write must take the next gap-free
 * version. Never a crash, never a wrong record.
 */
#include "damage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct history H;
static const char *work; /* the store each variant is re-created in */

static int group_setup(void **state)
{
	(void)state;
	history_make(&H);
	work = temp_dir();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	history_free(&H);
	return 0;
}

static int test_setup(void **state)
{
	(void)state;
	soft_reset();
	return 0;
}

/* After a successful write probe: the store re-opened reads as the write left
 * it, everything intact. */
static void check_after_write(const struct expect *before, const struct rel_view *made)
{
	struct view a, b;
	struct expect e;
	release_store *s;

	expect_after(before, made, &a, &b, &e);
	s = open_store(work);
	check_reads(s, &e);
	release_store_close(s);
	view_free(&a);
	view_free(&b);
}

/* The log on disk holds whole records up to its end (a torn tail was cut). */
static void check_log_whole(void)
{
	char path[400];
	struct logrec recs[256];
	size_t len, n;
	unsigned char *d;

	snprintf(path, sizeof path, "%s/%s", work, LOG_PATH);
	d = read_file(path, &len);
	if (!d) {
		soft_fail("%s is gone", path);
		return;
	}
	n = parse_log(d, len, recs, 256);
	if ((n ? recs[n - 1].off + recs[n - 1].len : 64) != len)
		soft_fail("after a successful write the log still has a torn tail (%zu bytes, records end at %llu)",
			  len, (unsigned long long)(n ? recs[n - 1].off + recs[n - 1].len : 64));
	free(d);
}

/* One variant: open, read everything, write once; returns the write's result. */
static int probe(const struct expect *e, int write_must, struct rel_view *made)
{
	release_store *s = open_store(work);
	int rc;

	check_reads(s, e);
	rc = write_probe(s, e, made);
	if (rc != 0 && (write_must || rc != RELEASE_ECORRUPT))
		soft_fail("the write after the damage failed: %d (%s): %s", rc, release_strerror(rc),
			  release_store_errmsg(s));
	else if (rc != 0)
		expect_corrupt(rc, release_store_errmsg(s), "release_env_set");
	release_store_close(s);
	return rc;
}

/*
 * A crash while appending release 6: the log holds a prefix of its record;
 * the state and indexes are those from before (the design writes them only
 * after the append is durable). The tail must be ignored by readers and cut by
 * the next writer, whose release then becomes version 6; a complete record
 * (the crash came after the append) is recovered as release 6. With reboot,
 * the state's boot id differs, so the first open replays the log.
 */
static void torn_append(int reboot)
{
	const struct tfile *log0 = tree_get(&H.t[0], LOG_PATH);
	const struct tfile *log1 = tree_get(&H.t[1], LOG_PATH);

	assert_true(log1->len > log0->len);
	for (size_t t = log0->len; t <= log1->len; t++) {
		struct tree v;
		struct expect e = {&H.v[0], &H.v[1], 0, 1};
		struct rel_view made;

		set_ctx("%slog.1 of release 6 cut at byte %zu (record %zu-%zu)", reboot ? "after a reboot, " : "",
			t, log0->len, log1->len);
		tree_copy(&v, &H.t[0]);
		tree_set(&v, LOG_PATH, log1->data, t);
		if (reboot)
			tree_fake_reboot(&v, "web");
		tree_store(&v, work);
		tree_free(&v);
		if (probe(&e, 1, &made) != 0)
			continue;
		if (t < log1->len && made.version != 6)
			soft_fail("the torn release was not dropped: the new write is version %llu",
				  (unsigned long long)made.version);
		if (t == log1->len && made.version != 7)
			soft_fail("the complete release 6 in the log was lost: the new write is version %llu",
				  (unsigned long long)made.version);
		check_after_write(&e, &made);
		check_log_whole();
		rel_view_free(&made);
	}
}

static void torn_append_same_boot(void **state)
{
	(void)state;
	torn_append(0);
	check_soft("torn append of the log");
}

static void torn_append_after_reboot(void **state)
{
	(void)state;
	torn_append(1);
	check_soft("torn append of the log, after a reboot");
}

/*
 * The brief's cut: the store as it was after release 6 (state and indexes
 * name it), with the log cut anywhere inside release 6's record. Reads give
 * the earlier history exactly; release 6 is RELEASE_ECORRUPT or absent; a
 * successful write must then be gap-free and leave a readable store.
 */
static void log_cut_under_indexes(void **state)
{
	const struct tfile *log0 = tree_get(&H.t[0], LOG_PATH);
	const struct tfile *log1 = tree_get(&H.t[1], LOG_PATH);

	(void)state;
	for (size_t t = log0->len; t < log1->len; t++) {
		struct tree v;
		struct expect e = {&H.v[1], NULL, 6, 0};
		struct rel_view made;

		set_ctx("log.1 cut at byte %zu under indexes naming release 6 (record %zu-%zu)", t,
			log0->len, log1->len);
		tree_copy(&v, &H.t[1]);
		tree_set(&v, LOG_PATH, log1->data, t);
		tree_store(&v, work);
		tree_free(&v);
		if (probe(&e, 0, &made) != 0)
			continue;
		check_after_write(&e, &made);
		rel_view_free(&made);
	}
	check_soft("log cut under its indexes");
}

/* Offsets to cut an index file at: every byte the last write may have
 * reached (old size to new size), and with all, a sample of the whole file:
 * the header, and the first 16 entries' starts, middles and ends; past
 * them, each entry's start and every eighth one's middle and end (the keys
 * index's 1,024 entries at four points each took 15 s a pass). */
static size_t cut_points(const struct tfile *old, const struct tfile *cur, int all, size_t *out,
			 size_t max)
{
	size_t n = 0;

	for (size_t t = old->len; t <= cur->len && n < max; t++)
		out[n++] = t;
	if (!all)
		return n;
	for (size_t t = 0; t < old->len && n < max; t++) {
		size_t in = t < 64 ? t : (t - 64) % 24, slot = t < 64 ? 0 : (t - 64) / 24;
		int used = 0;

		if (t < 64) {
			if (t == 0 || t == 8 || t == 63)
				out[n++] = t;
			continue;
		}
		/* in the keys index, only around slots that hold something */
		for (size_t k = t - in; k < t - in + 24 && k < cur->len; k++)
			used |= cur->data[k] != 0;
		if (used && (in == 0 || ((slot < 16 || slot % 8 == 0) &&
					 (in == 1 || in == 12 || in == 23))))
			out[n++] = t;
		else if (!used && t % 4096 == 0)
			out[n++] = t;
	}
	return n;
}

/*
 * Index files cut short. Within the last write's bytes, release 6 may be
 * absent (the brief's "torn release absent"); elsewhere every earlier record
 * must still be readable or RELEASE_ECORRUPT: an index that silently loses
 * entries returns "not found" for records that exist, and lets a writer reuse
 * their versions. With reboot, the log is replayed from the last checkpoint,
 * which rebuilds what it covers; whatever it cannot must still be
 * RELEASE_ECORRUPT, and a write that succeeds must follow release 6.
 */
static void index_cut(const char *file, int all, int reboot)
{
	const struct tfile *old = tree_get(&H.t[0], file), *cur = tree_get(&H.t[1], file);
	size_t points[4096], n = cut_points(old, cur, all, points, 4096);

	for (size_t i = 0; i < n; i++) {
		size_t t = points[i];
		struct tree v;
		struct expect e = {&H.v[1], NULL, t >= old->len ? 6 : 0, 0};
		struct rel_view made;

		set_ctx("%s%s cut at byte %zu (size %zu, %zu before release 6)",
			reboot ? "after a reboot, " : "", file, t, cur->len, old->len);
		tree_copy(&v, &H.t[1]);
		tree_set(&v, file, cur->data, t);
		if (reboot)
			tree_fake_reboot(&v, "web");
		tree_store(&v, work);
		tree_free(&v);
		if (probe(&e, 0, &made) != 0)
			continue;
		if (reboot && made.version != 7)
			soft_fail("after the replay the new write is version %llu, not 7",
				  (unsigned long long)made.version);
		check_after_write(&e, &made);
		rel_view_free(&made);
	}
}

static void rel_index_cut_last_write(void **state)
{
	(void)state;
	index_cut("web/rel.1", 0, 0);
	check_soft("rel.1 cut within release 6's entry");
}

static void rel_index_cut_anywhere(void **state)
{
	(void)state;
	index_cut("web/rel.1", 1, 0);
	check_soft("rel.1 cut short");
}

static void bld_index_cut_anywhere(void **state)
{
	(void)state;
	index_cut("web/bld.1", 1, 0);
	check_soft("bld.1 cut short");
}

static void keys_index_cut_anywhere(void **state)
{
	(void)state;
	index_cut("web/keys.1", 1, 0);
	check_soft("keys.1 cut short");
}

static void index_cut_after_reboot(void **state)
{
	(void)state;
	index_cut("web/rel.1", 1, 1);
	index_cut("web/bld.1", 1, 1);
	index_cut("web/keys.1", 1, 1);
	check_soft("index files cut short, after a reboot");
}

/*
 * The state file cut short (or gone): reads give the history or
 * RELEASE_ECORRUPT, and no write may start the app afresh over its log.
 * After the write attempts, putting the state back must bring everything
 * back: nothing was deleted.
 */
static void state_cut(void **state)
{
	const struct tfile *st = tree_get(&H.t[2], "web/state");
	size_t points[256], n = 0;
	char path[400];

	(void)state;
	for (size_t t = 0; t <= st->len; t += 256)
		points[n++] = t;
	points[n++] = 1;
	points[n++] = 4095;
	points[n++] = 4097;
	points[n++] = st->len - 1;
	points[n++] = SIZE_MAX; /* the file is gone */
	snprintf(path, sizeof path, "%s/web/state", work);
	for (size_t i = 0; i < n; i++) {
		size_t t = points[i];
		struct tree v;
		struct expect e = {&H.v[2], NULL, 0, 0};
		struct rel_view made;
		release_store *s;
		int rc;

		if (t == SIZE_MAX)
			set_ctx("state deleted");
		else
			set_ctx("state cut at byte %zu of %zu", t, st->len);
		tree_copy(&v, &H.t[2]);
		if (t != SIZE_MAX)
			tree_set(&v, "web/state", st->data, t);
		tree_store(&v, work);
		tree_free(&v);
		if (t == SIZE_MAX)
			assert_int_equal(unlink(path), 0);
		rc = probe(&e, 0, &made);
		/* A user told "no such app" creates it: that must not wipe it. */
		s = open_store(work);
		{
			int rc2 = release_app_create(s, "web", NULL);

			if (rc2 == 0)
				soft_fail("release_app_create(web) succeeded over web's existing history");
			else if (rc2 != RELEASE_EEXIST)
				expect_corrupt(rc2, release_store_errmsg(s), "release_app_create(web)");
		}
		release_store_close(s);
		if (rc == 0) {
			check_after_write(&e, &made);
			rel_view_free(&made);
			continue;
		}
		/* put the state back: everything must be there */
		{
			char was[sizeof damage_ctx];

			strcpy(was, damage_ctx);
			set_ctx("%s, then the state put back", was);
		}
		write_file(path, st->data, st->len);
		e.strict = 1;
		s = open_store(work);
		check_reads(s, &e);
		release_store_close(s);
	}
	check_soft("state file cut short");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(torn_append_same_boot, test_setup),
		cmocka_unit_test_setup(torn_append_after_reboot, test_setup),
		cmocka_unit_test_setup(log_cut_under_indexes, test_setup),
		cmocka_unit_test_setup(rel_index_cut_last_write, test_setup),
		cmocka_unit_test_setup(rel_index_cut_anywhere, test_setup),
		cmocka_unit_test_setup(bld_index_cut_anywhere, test_setup),
		cmocka_unit_test_setup(keys_index_cut_anywhere, test_setup),
		cmocka_unit_test_setup(index_cut_after_reboot, test_setup),
		cmocka_unit_test_setup(state_cut, test_setup),
	};

	if (getenv("DAMAGE_FILTER"))
		cmocka_set_test_filter(getenv("DAMAGE_FILTER"));
	return cmocka_run_group_tests_name("file-store damage: torn writes", tests, group_setup,
					   group_teardown);
}
