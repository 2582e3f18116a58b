/*
 * Bit flips: one bit of the store's files flipped, as a disk or a stray
 * write might. Every read must give the data written before the damage or
 * RELEASE_ECORRUPT naming the file and offset; never a wrong record, never a
 * crash. Damage to the indexes is repaired from the log, so there the reads
 * give the data. A writer may refuse (RELEASE_ECORRUPT) or go on, but must not delete
 * anything: flipping the bit back must bring every record back.
 */
#include "damage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct history H;
static const char *work;

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

/* Stores opened with a clock inside the lease of release 6's promotion, so a
 * state from before the lease was given back (a lost record, an old state
 * copy) shows as the app still updating. */
static release_store *open_in_lease(const char *dir)
{
	return open_store_at(dir, T0 + INT64_C(7500) * 1000000000);
}

static void path_of(char *buf, size_t len, const char *file)
{
	snprintf(buf, len, "%s/%s", work, file);
}

/*
 * The log on disk must still begin with the snapshot's bytes (with our
 * flip): the library may append, never cut or rewrite, except cut back to
 * may_cut_at (a torn append's start). Returns 1 when the flipped byte is
 * still there to flip back.
 */
static int check_not_cut(const char *file, const struct tfile *orig, uint64_t off, int bit,
			 uint64_t may_cut_at)
{
	char path[400];
	size_t len, n, p = 0;
	unsigned char *d;

	path_of(path, sizeof path, file);
	d = read_file(path, &len);
	if (!d) {
		soft_fail("%s was deleted", file);
		return 0;
	}
	n = len < orig->len ? len : orig->len;
	if (off < n)
		d[off] ^= (unsigned char)(1u << bit);
	while (p < n && d[p] == orig->data[p])
		p++;
	free(d);
	if (p == orig->len)
		return 1; /* intact; maybe appended to */
	if (may_cut_at != UINT64_MAX && p >= may_cut_at)
		return 0; /* the torn record cut off (and maybe written over) */
	soft_fail("%s lost acknowledged records: it differs from byte %zu on (it had %zu bytes, now %zu)",
		  file, p, orig->len, len);
	return 0;
}

/* Reads a variant that was damaged on disk; returns how many reads were
 * RELEASE_ECORRUPT. Readers must not touch the log; anything else they
 * rewrite is put back. */
/* Whether the last reads_only() found its damaged file rebuilt: replaced by
 * a new generation (the index and key files are derived from the log). */
static int last_rebuilt;

static int reads_only(const char *file, const struct tfile *orig, uint64_t off, int bit,
		      const struct expect *e, release_store *(*opener)(const char *))
{
	char path[400];
	release_store *s;
	size_t len;
	unsigned char *d;
	int same = 0, corrupt;

	path_of(path, sizeof path, file);
	flip_bit(path, off, bit);
	s = opener(work);
	corrupt = check_reads(s, e);
	release_store_close(s);
	if (strcmp(file, LOG_PATH) == 0 && !check_not_cut(file, orig, off, bit, UINT64_MAX)) {
		tree_store(&H.t[2], work);
		return corrupt;
	}
	d = read_file(path, &len);
	last_rebuilt = !d;
	if (d && len == orig->len) {
		d[off] ^= (unsigned char)(1u << bit);
		same = memcmp(d, orig->data, len) == 0;
	}
	free(d);
	if (same)
		flip_bit(path, off, bit);
	else
		tree_store(&H.t[2], work);
	return corrupt;
}

/* Flips the bit back unless the library rewrote that byte itself. */
static void unflip(const char *file, const struct tfile *orig, uint64_t off, int bit,
		   uint64_t may_cut_at)
{
	char path[400];
	size_t len;
	unsigned char *d;

	path_of(path, sizeof path, file);
	if (strcmp(file, LOG_PATH) == 0) {
		if (check_not_cut(file, orig, off, bit, may_cut_at))
			flip_bit(path, off, bit);
		return;
	}
	d = read_file(path, &len);
	if (d && off < len && d[off] == (orig->data[off] ^ (1u << bit)))
		flip_bit(path, off, bit);
	free(d);
}

/*
 * After the probe, with the bit flipped back: everything must be readable.
 * With write_first (the log had an unindexed tail that only a writer
 * replays), a write that failed is tried again first, and must succeed.
 */
static void check_repaired(int rc, const struct view *want, const struct view *also,
			   const struct rel_view *made, int write_first,
			   release_store *(*opener)(const char *))
{
	struct view a, b;
	struct expect e = {want, also, 0, 1}, after;
	release_store *s;
	char was[sizeof damage_ctx];
	struct rel_view made2;

	strcpy(was, damage_ctx);
	set_ctx("%s, flipped back", was);
	memset(&made2, 0, sizeof made2);
	if (rc != 0 && write_first) {
		s = opener(work);
		rc = write_probe(s, &e, &made2);
		if (rc != 0)
			soft_fail("the write after the repair failed: %d (%s): %s", rc,
				  release_strerror(rc), release_store_errmsg(s));
		release_store_close(s);
		made = &made2;
	}
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	if (rc == 0)
		expect_after(&e, made, &a, &b, &after);
	else
		after = e;
	s = opener(work);
	check_reads(s, &after);
	release_store_close(s);
	view_free(&a);
	view_free(&b);
	rel_view_free(&made2);
	strcpy(damage_ctx, was);
}

/*
 * One full probe: the snapshot (optionally "rebooted") with one bit flipped,
 * reads, a write, then the bit flipped back and everything checked.
 * may_cut_at: a log length the library may rightly cut back to (a torn
 * append), or UINT64_MAX; cut is what the store then reads as.
 */
#define READ_FIRST 1   /* check every read before the write */
#define UNINDEXED 2    /* the log has a tail only a writer replays */

static void probe_write(const struct tree *snap, const struct view *want, const char *file,
			uint64_t off, int bit, int reboot, uint64_t may_cut_at,
			const struct view *cut, int flags, release_store *(*opener)(const char *))
{
	struct tree v;
	struct expect e = {want, may_cut_at != UINT64_MAX ? cut : NULL, 0, 0};
	struct rel_view made;
	release_store *s;
	char path[400];
	int rc;

	tree_copy(&v, snap);
	if (reboot)
		tree_fake_reboot(&v, "web");
	tree_store(&v, work);
	path_of(path, sizeof path, file);
	flip_bit(path, off, bit);
	s = opener(work);
	if (flags & READ_FIRST)
		check_reads(s, &e);
	rc = write_probe(s, &e, &made);
	if (rc != 0)
		expect_corrupt(rc, release_store_errmsg(s), "release_env_set");
	release_store_close(s);
	unflip(file, tree_get(&v, file), off, bit, may_cut_at);
	check_repaired(rc, want, e.also, &made, flags & UNINDEXED, opener);
	if (rc == 0)
		rel_view_free(&made);
	tree_free(&v);
}

/* A few bytes of each part of a record: magic, CRC, op, kind, key length,
 * data length, seq, key, data, last byte; with few, only the CRC, the data
 * length, a data byte and the last byte. */
static size_t record_points(const struct logrec *r, int few, uint64_t *out)
{
	static const uint32_t at[] = {0, 5, 8, 9, 10, 13, 16, 24};
	static const uint32_t at_few[] = {5, 13};
	size_t n = 0;

	for (size_t i = 0; i < (few ? 2 : sizeof at / sizeof at[0]); i++)
		out[n++] = r->off + (few ? at_few[i] : at[i]);
	out[n++] = r->off + r->len / 2;
	out[n++] = r->off + r->len - 1;
	return n;
}

/* ------------------------------------------------------------ the log */

/*
 * Reads after a flip anywhere in the log: every byte of the header, of each
 * record's header and key, and of the last four records (the ones a torn
 * append could be confused with); every fifth byte of the other records'
 * data (the checksum covers those bytes alike).
 */
static void log_flip_reads(void **state)
{
	const struct tfile *log = tree_get(&H.t[2], LOG_PATH);
	struct expect e = {&H.v[2], NULL, 0, 0};
	struct logrec recs[256];
	size_t n = parse_log(log->data, log->len, recs, 256), k = 0, tried = 0, detected = 0;

	(void)state;
	assert_true(n > 4);
	tree_store(&H.t[2], work);
	for (uint64_t off = 0; off < log->len; off++) {
		while (k < n && off >= recs[k].off + recs[k].len)
			k++;
		if (off >= 64 && k + 4 < n && off >= recs[k].off + 24 + strlen(recs[k].key) &&
		    off % 5 != 0)
			continue;
		set_ctx("log.1 byte %llu bit %d flipped", (unsigned long long)off, (int)(off % 8));
		detected += reads_only(LOG_PATH, log, off, (int)(off % 8), &e, open_store) > 0;
		tried++;
	}
	/* not vacuous: most flips land in records that are read */
	assert_true(tried > log->len / 3);
	assert_true(detected > tried / 3);
	check_soft("bit flips in the log, reads");
}

static void log_flip(int reboot)
{
	const struct tfile *log = tree_get(&H.t[2], LOG_PATH);
	struct logrec recs[256];
	size_t n = parse_log(log->data, log->len, recs, 256);
	uint64_t header[] = {0, 8, 63};

	assert_true(n > 10);
	assert_int_equal(recs[n - 1].off + recs[n - 1].len, log->len);
	for (size_t i = 0; i < 3; i++) {
		set_ctx("%slog.1 header byte %llu flipped", reboot ? "after a reboot, " : "",
			(unsigned long long)header[i]);
		probe_write(&H.t[2], &H.v[2], LOG_PATH, header[i], 2, reboot, UINT64_MAX, NULL,
			    reboot ? READ_FIRST : 0, open_in_lease);
	}
	for (size_t k = 0; k < n; k++) {
		uint64_t pts[16];
		/* all parts of the first and the last four records */
		size_t np = record_points(&recs[k], k > 0 && k + 4 < n, pts);

		for (size_t j = 0; j < np; j++) {
			set_ctx("%slog.1 record %zu of %zu (byte %llu, %s key %s) flipped at byte %llu",
				reboot ? "after a reboot, " : "", k + 1, n,
				(unsigned long long)recs[k].off,
				recs[k].kind == 3 ? "release" : recs[k].kind == 2 ? "build" : "meta",
				recs[k].key, (unsigned long long)pts[j]);
			probe_write(&H.t[2], &H.v[2], LOG_PATH, pts[j], (int)(j % 8), reboot, UINT64_MAX,
				    NULL, reboot ? READ_FIRST : 0, open_in_lease);
		}
	}
}

static void log_flip_writer_same_boot(void **state)
{
	(void)state;
	log_flip(0);
	check_soft("bit flips in the log, then a write");
}

/* After a reboot the first open replays the log from the last checkpoint
 * (here, all of it): a corrupt record anywhere is met by the recovery,
 * which must refuse, not cut. Every record in this log was acknowledged
 * (the state's indexed length covers it), the last one too. */
static void log_flip_writer_after_reboot(void **state)
{
	(void)state;
	log_flip(1);
	check_soft("bit flips in the log after a reboot, then a write");
}

/*
 * A writer died after appending (release 6, then the promotion's records)
 * but before its state and index writes: the next writer replays the
 * unindexed tail. A flipped bit in a tail record with intact records after
 * it is corruption (RELEASE_ECORRUPT, nothing cut); in the last record it
 * looks like a torn append, which may be cut off with the rest of its run
 * (the records of one commit) at the run's start. With a commit per
 * operation that run is the promotion's, and the store then reads as
 * before it ([1]); with one write per record it only gave the lease back,
 * and the store reads the same either way, as the checks run after the
 * lease would have expired.
 */
static void log_flip_unindexed_tail(void **state)
{
	const struct tfile *log0 = tree_get(&H.t[0], LOG_PATH);
	const struct tfile *log2 = tree_get(&H.t[2], LOG_PATH);
	struct logrec recs[256];
	size_t n = parse_log(log2->data, log2->len, recs, 256);
	struct tree snap;

	(void)state;
	size_t last_run = n - 1;

	while (last_run > 0 && !recs[last_run].first)
		last_run--;
	tree_copy(&snap, &H.t[0]);
	tree_set(&snap, LOG_PATH, log2->data, log2->len);
	for (size_t k = 0; k < n; k++) {
		uint64_t pts[16];
		size_t np;

		if (recs[k].off < log0->len)
			continue;
		np = record_points(&recs[k], 0, pts);
		for (size_t j = 0; j < np; j++) {
			set_ctx("unindexed log tail: record %zu of %zu (byte %llu, key %s) flipped at byte %llu",
				k + 1, n, (unsigned long long)recs[k].off, recs[k].key,
				(unsigned long long)pts[j]);
			/* before the writer replays, readers see the indexed
			 * history; after, the whole of it */
			probe_write(&snap, &H.v[2], LOG_PATH, pts[j], (int)(j % 8), 0,
				    k == n - 1 ? recs[last_run].off : UINT64_MAX,
				    last_run == n - 1 ? NULL : &H.v[1], UNINDEXED, open_store);
		}
	}
	tree_free(&snap);
	check_soft("bit flips in the unindexed tail of the log");
}

/* ------------------------------------------------------------ indexes */

/* Flips a bit in each byte of file's header and of its first 'whole' used
 * entries; in later used entries, in the first and last byte of each of
 * their three 8-byte words; in a sample of the empty entries. (Every byte
 * of the keys index's 200-odd used entries took 40 s, for nothing the
 * first entries and the words' ends do not reach.) */
static void index_flip(const char *file, size_t whole)
{
	const struct tfile *f = tree_get(&H.t[2], file);
	struct expect e = {&H.v[2], NULL, 0, 0};
	size_t detected = 0, used_seen = 0;

	tree_store(&H.t[2], work);
	for (uint64_t off = 0; off < f->len; off++) {
		uint64_t slot = off < 64 ? 0 : (off - 64) / 24, in = off < 64 ? 0 : (off - 64) % 24;
		int used = 0, bit = (int)(off % 8);

		for (uint64_t k = 64 + slot * 24; off >= 64 && k < 64 + slot * 24 + 24 && k < f->len; k++)
			used |= f->data[k] != 0;
		used_seen += used && in == 0;
		if (off >= 64 && !used && off % 997 != 0)
			continue;
		if (off >= 64 && used && used_seen > whole && in % 8 != 0 && in % 8 != 7)
			continue;
		set_ctx("%s byte %llu bit %d flipped (%s)", file, (unsigned long long)off, bit,
			off < 64 ? "header" : used ? "used entry" : "empty entry");
		detected += reads_only(file, f, off, bit, &e, open_store) > 0 || last_rebuilt;
		if (off < 64 ? off % 16 == 0 : (off - 64) % 24 % 6 == 0) {
			probe_write(&H.t[2], &H.v[2], file, off, bit, 0, UINT64_MAX, NULL, 0, open_store);
			tree_store(&H.t[2], work);
		}
	}
	/* not vacuous: flips in used entries are seen (reported, or the file
	 * rebuilt from the log while every read still gave the right data) */
	assert_true(detected > 0);
}

static void rel_index_flip(void **state)
{
	(void)state;
	index_flip("web/rel.1", SIZE_MAX);
	check_soft("bit flips in rel.1");
}

static void bld_index_flip(void **state)
{
	(void)state;
	index_flip("web/bld.1", SIZE_MAX);
	check_soft("bit flips in bld.1");
}

static void keys_index_flip(void **state)
{
	(void)state;
	index_flip("web/keys.1", 16);
	check_soft("bit flips in keys.1");
}

/* -------------------------------------------------------------- state */

static void state_flip(void **state)
{
	const struct tfile *f = tree_get(&H.t[2], "web/state");
	struct expect e = {&H.v[2], NULL, 0, 0};
	size_t copy = f->len / 2;

	(void)state;
	tree_store(&H.t[2], work);
	for (uint64_t off = 0; off < f->len; off++) {
		uint64_t in = off % copy;
		int bit = (int)(off % 8);

		/* every byte of the fields and META slots, a sample of the rest,
		 * and the checksum */
		if (in >= 512 && in < copy - 4 && in % 61 != 0)
			continue;
		set_ctx("state byte %llu (copy %d, +%llu) bit %d flipped", (unsigned long long)off,
			(int)(off / copy), (unsigned long long)in, bit);
		reads_only("web/state", f, off, bit, &e, open_in_lease);
		if (in % 37 == 0) {
			probe_write(&H.t[2], &H.v[2], "web/state", off, bit, 0, UINT64_MAX, NULL, 0,
				    open_in_lease);
			tree_store(&H.t[2], work);
		}
	}
	check_soft("bit flips in the state file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(log_flip_reads, test_setup),
		cmocka_unit_test_setup(log_flip_writer_same_boot, test_setup),
		cmocka_unit_test_setup(log_flip_writer_after_reboot, test_setup),
		cmocka_unit_test_setup(log_flip_unindexed_tail, test_setup),
		cmocka_unit_test_setup(rel_index_flip, test_setup),
		cmocka_unit_test_setup(bld_index_flip, test_setup),
		cmocka_unit_test_setup(keys_index_flip, test_setup),
		cmocka_unit_test_setup(state_flip, test_setup),
	};

	if (getenv("DAMAGE_FILTER"))
		cmocka_set_test_filter(getenv("DAMAGE_FILTER"));
	return cmocka_run_group_tests_name("file-store damage: bit flips", tests, group_setup,
					   group_teardown);
}
