/*
 * The log damaged where the state says it holds acknowledged records, and
 * records forged to be hostile:
 *
 * - the log cut inside (or at the start of) a record the state says was
 *   indexed: every record before the state's indexed length was fsync'ed
 *   and acknowledged, so this is damage, never a torn append. Reads and
 *   writes must report RELEASE_ECORRUPT, and no write may append after the
 *   hole; the next open must still see it.
 *   The same with one state copy destroyed and the release index emptied:
 *   the other copy must still know the acknowledged length.
 * - a torn tail whose header claims a record of 60 MiB: recovery must not
 *   allocate what the file cannot hold.
 * - a record with a sequence number of 2^56 or more, sealed with a valid
 *   CRC-32C: the store never writes one, so it must never accept one.
 *
 * Every variant starts from the history of damage.h (snapshot 2: app "web"
 * with six releases and three builds).
 */
#include "damage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define SNAP 2

static struct history H;
static const char *work;
static char log_path[400];

/* Release 7 (env set FORGED=1) and build 4, as written on top of the
 * history: their records' keys and data, for forging. */
static struct logrec rec7, bld4;
static unsigned char *rec7_bytes, *bld4_bytes;

static unsigned char *record_of(const unsigned char *d, size_t len, int kind, uint64_t seq,
				struct logrec *out)
{
	struct logrec *recs = calloc(4096, sizeof *recs);
	size_t n = parse_log(d, len, recs, 4096);
	unsigned char *copy = NULL;

	assert_non_null(recs);
	for (size_t i = 0; i < n; i++) {
		if (recs[i].kind == kind && recs[i].seq == seq && recs[i].op == 1) {
			*out = recs[i];
			copy = malloc(recs[i].len);
			assert_non_null(copy);
			memcpy(copy, d + recs[i].off, recs[i].len);
		}
	}
	free(recs);
	assert_non_null(copy);
	return copy;
}

static int group_setup(void **state)
{
	static const char *const pair[] = {"FORGED=1"};
	release_store *s;
	release_build_opts o;
	unsigned char *d;
	size_t len;

	(void)state;
	history_make(&H);
	work = temp_dir();
	snprintf(log_path, sizeof log_path, "%s/%s", work, LOG_PATH);
	tree_store(&H.t[SNAP], work);
	s = open_store(work);
	assert_store_ok(s, release_env_set(s, "web", pair, 1, NULL));
	release_build_opts_init(&o);
	o.description = "forged";
	assert_store_ok(s, release_build_create(s, "web", &o, NULL));
	release_store_close(s);
	d = read_file(log_path, &len);
	assert_non_null(d);
	rec7_bytes = record_of(d, len, RELEASE_KIND_RELEASE, 7, &rec7);
	bld4_bytes = record_of(d, len, RELEASE_KIND_BUILD, 4, &bld4);
	free(d);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	history_free(&H);
	free(rec7_bytes);
	free(bld4_bytes);
	return 0;
}

static int test_setup(void **state)
{
	(void)state;
	soft_reset();
	return 0;
}

static uint64_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : UINT64_MAX;
}

/* ------------------------------------------------------------ log cut */

/* One write after the cut: it must be RELEASE_ECORRUPT, and the log must
 * not grow (nothing appended after the hole). */
static void write_refused(release_store *s, int build, uint64_t cut)
{
	static const char *const pair[] = {"DAMAGE=1"};
	release_build_opts o;
	int rc;

	release_build_opts_init(&o);
	o.description = "after the cut";
	rc = build ? release_build_create(s, "web", &o, NULL) :
		     release_env_set(s, "web", pair, 1, NULL);
	if (rc == 0)
		soft_fail("%s succeeded on a log cut short of its acknowledged records",
			  build ? "release_build_create" : "release_env_set");
	else
		expect_corrupt(rc, release_store_errmsg(s),
			       build ? "release_build_create" : "release_env_set");
	if (size_of(log_path) != cut)
		soft_fail("after %s the log is %llu bytes, not the %llu it was cut to (appended after the hole)",
			  build ? "release_build_create" : "release_env_set",
			  (unsigned long long)size_of(log_path), (unsigned long long)cut);
}

/* Reads (nothing wrong, at least one RELEASE_ECORRUPT) and both writes. */
static void cut_probe(uint64_t cut)
{
	struct expect e = {&H.v[SNAP], NULL, 0, 0};
	release_store *s = open_store(work);

	if (check_reads(s, &e) == 0)
		soft_fail("no read reported the cut");
	write_refused(s, 0, cut);
	write_refused(s, 1, cut);
	release_store_close(s);
}

static void log_cut_inside_acknowledged_records_is_reported(void **state)
{
	const struct tfile *log = tree_get(&H.t[SNAP], LOG_PATH);
	struct logrec recs[512];
	size_t n = parse_log(log->data, log->len, recs, 512);

	(void)state;
	assert_true(n > 10);
	assert_int_equal(recs[n - 1].off + recs[n - 1].len, log->len);
	for (size_t i = 0; i < n; i++) {
		uint64_t cuts[4] = {recs[i].off, recs[i].off + 1, recs[i].off + recs[i].len / 2,
				    recs[i].off + recs[i].len - 1};

		for (int k = 0; k < 4; k++) {
			struct tree v;

			set_ctx("log.1 cut at byte %llu (record %zu of %zu: bytes %llu-%llu, kind %d, seq %llu)",
				(unsigned long long)cuts[k], i + 1, n, (unsigned long long)recs[i].off,
				(unsigned long long)(recs[i].off + recs[i].len), recs[i].kind,
				(unsigned long long)recs[i].seq);
			tree_copy(&v, &H.t[SNAP]);
			tree_set(&v, LOG_PATH, log->data, cuts[k]);
			tree_store(&v, work);
			tree_free(&v);
			cut_probe(cuts[k]);
			/* a new handle, as after a restart: still damaged */
			{
				char was[sizeof damage_ctx];

				strcpy(was, damage_ctx);
				set_ctx("%s, reopened", was);
			}
			cut_probe(cuts[k]);
		}
	}
	check_soft("log cut inside acknowledged records");
}

/* The log cut at one of its last records, one state copy destroyed and the
 * release index emptied: the other copy alone must still know how much of
 * the log was acknowledged, so the cut is damage, not a torn tail. */
static void log_cut_with_one_state_copy_and_the_index_lost_is_reported(void **state)
{
	const struct tfile *log = tree_get(&H.t[SNAP], LOG_PATH);
	const struct tfile *st = tree_get(&H.t[SNAP], "web/state");
	struct logrec recs[512];
	size_t n = parse_log(log->data, log->len, recs, 512);

	(void)state;
	assert_non_null(st);
	assert_true(n > 3 && st->len >= 4096);
	for (size_t i = n - 3; i < n; i++) {
		for (int copy = 0; copy < 2; copy++) {
			unsigned char *bad = malloc(st->len);
			struct tree v;

			assert_non_null(bad);
			memcpy(bad, st->data, st->len);
			memset(bad + copy * 2048, 0, 2048);
			set_ctx("log.1 cut at record %zu of %zu (byte %llu), state copy %d zeroed, rel.1 emptied",
				i + 1, n, (unsigned long long)recs[i].off, copy);
			tree_copy(&v, &H.t[SNAP]);
			tree_set(&v, LOG_PATH, log->data, recs[i].off);
			tree_set(&v, "web/state", bad, st->len);
			tree_set(&v, "web/rel.1", NULL, 0);
			tree_store(&v, work);
			tree_free(&v);
			free(bad);
			cut_probe(recs[i].off);
		}
	}
	check_soft("log cut with one state copy and the release index lost");
}

/* ---------------------------------------------------- hostile records */

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A record as the store writes it (lib/file/file.h, "On-disk format"):
 * magic | crc32c | op | kind | keylen | 0 | datalen | seq | key | data,
 * the CRC over everything after itself. Returns its length. */
static size_t forge(unsigned char *out, int op, int kind, const char *key, uint64_t seq,
		    const unsigned char *data, uint32_t datalen)
{
	size_t keylen = strlen(key), total = 24 + keylen + datalen;

	put32(out, 0x4b52524cu);
	out[8] = (unsigned char)op;
	out[9] = (unsigned char)kind;
	out[10] = (unsigned char)keylen;
	out[11] = 0;
	put32(out + 12, datalen);
	put64(out + 16, seq);
	memcpy(out + 24, key, keylen);
	memcpy(out + 24 + keylen, data, datalen);
	put32(out + 4, test_crc32c(out + 8, total - 8));
	return total;
}

/* The history with extra bytes after the end of web's log (not indexed: as
 * left by a writer that died before updating the indexes). */
static void store_with_tail(const unsigned char *tail, size_t len)
{
	const struct tfile *log = tree_get(&H.t[SNAP], LOG_PATH);
	unsigned char *d = malloc(log->len + len);
	struct tree v;

	assert_non_null(d);
	memcpy(d, log->data, log->len);
	memcpy(d + log->len, tail, len);
	tree_copy(&v, &H.t[SNAP]);
	tree_set(&v, LOG_PATH, d, log->len + len);
	tree_store(&v, work);
	tree_free(&v);
	free(d);
}

/* The current VmSize of this process, in bytes (0 if unknown). */
static rlim_t vm_size(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmSize: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (rlim_t)kb * 1024;
}

/* In the child: with at most 32 MiB more address space (not under ASan,
 * whose shadow memory needs far more), the store must read the history and
 * write release 7, the torn tail cut off. */
static int torn_huge_child(void *arg)
{
	uint64_t old_len = *(const uint64_t *)arg;
	struct expect e = {&H.v[SNAP], NULL, 0, 1};
	struct rel_view made;
	release_store *s = NULL;
	int rc;

	if (!UNDER_ASAN) {
		rlim_t now = vm_size();
		struct rlimit rl;

		if (now == 0) {
			fprintf(stderr, "no VmSize in /proc/self/status\n");
			return 2;
		}
		rl.rlim_cur = rl.rlim_max = now + (32u << 20);
		if (setrlimit(RLIMIT_AS, &rl) != 0) {
			perror("setrlimit");
			return 2;
		}
	}
	if ((rc = try_open_store(work, &s)) != 0) {
		fprintf(stderr, "release_store_open -> %d: %s\n", rc, release_store_errmsg(NULL));
		return 1;
	}
	check_reads(s, &e);
	rc = write_probe(s, &e, &made);
	if (rc != 0)
		soft_fail("the write after the torn tail -> %d (%s): %s", rc, release_strerror(rc),
			  release_store_errmsg(s));
	else if (made.version != 7)
		soft_fail("the write after the torn tail made version %llu, not 7",
			  (unsigned long long)made.version);
	rel_view_free(&made);
	release_store_close(s);
	if (rc == 0 && size_of(log_path) <= old_len)
		soft_fail("the log is %llu bytes after the write", (unsigned long long)size_of(log_path));
	return soft_failures() ? 1 : 0;
}

static void torn_tail_claiming_60_mib_is_cut_without_allocating_it(void **state)
{
	const struct tfile *log = tree_get(&H.t[SNAP], LOG_PATH);
	uint64_t old_len = log->len;
	unsigned char tail[24 + 10 + 200];
	int st;

	(void)state;
	memset(tail, 'x', sizeof tail);
	put32(tail, 0x4b52524cu);
	put32(tail + 4, 0xdeadbeefu); /* never checked: the record is cut short */
	tail[8] = 1;			/* put */
	tail[9] = RELEASE_KIND_RELEASE;
	tail[10] = 10;
	tail[11] = 0;
	put32(tail + 12, 60u << 20);
	put64(tail + 16, 7);
	memcpy(tail + 24, "RTORNTAIL1", 10);
	set_ctx("a torn release record at byte %llu whose header claims %u bytes of data%s",
		(unsigned long long)old_len, 60u << 20,
		UNDER_ASAN ? " (under ASan: no address-space limit)" : ", with 32 MiB of address space to spare");
	store_with_tail(tail, sizeof tail);
	st = in_child(torn_huge_child, &old_len, 60);
	if (st != 0)
		fail_msg("%s: the child %s %d (its messages are above)", damage_ctx,
			 st > 255 ? "was killed by signal" : "exited with", st > 255 ? st - 256 : st);
}

/*
 * A release (or build) record with seq, sealed with a valid CRC, appended
 * after the log's indexed end; with follow, the genuine release 7 after it,
 * so it is not the log's last record and cannot pass for a torn append.
 */
struct forged {
	int kind;
	uint64_t seq;
	int follow;
};

static int forged_child(void *arg)
{
	const struct forged *f = arg;
	struct expect e = {&H.v[SNAP], NULL, 0, 0};
	struct rel_view made;
	release_store *s = NULL;
	char path[600];
	int rc, corrupt;

	if ((rc = try_open_store(work, &s)) != 0) {
		fprintf(stderr, "release_store_open -> %d: %s\n", rc, release_store_errmsg(NULL));
		return 1;
	}
	corrupt = check_reads(s, &e);
	if (f->follow && corrupt == 0)
		soft_fail("no read reported the forged record");
	rc = write_probe(s, &e, &made);
	if (rc != 0)
		expect_corrupt(rc, release_store_errmsg(s), "release_env_set");
	else if (f->follow)
		soft_fail("release_env_set succeeded (version %llu) over a forged record",
			  (unsigned long long)made.version);
	else if (made.version != 7)
		soft_fail("release_env_set made version %llu, not 7", (unsigned long long)made.version);
	rel_view_free(&made);
	release_store_close(s);
	/* an accepted seq shows as an index file sized for it */
	for (int w = 0; w < 3; w++) {
		static const char *const base[] = {"rel", "bld", "keys"};

		if (gen_file(work, "web", base[w], path, sizeof path) && size_of(path) > (1u << 20))
			soft_fail("%s is %llu bytes: the forged seq was taken", path,
				  (unsigned long long)size_of(path));
	}
	return soft_failures() ? 1 : 0;
}

static void records_with_a_seq_the_store_never_writes_are_refused(void **state)
{
	static const uint64_t seqs[] = {UINT64_C(1) << 56, UINT64_C(1) << 63, UINT64_MAX};
	unsigned char *buf = malloc(2 * (rec7.len + bld4.len) + 64);
	size_t len;
	int st;

	(void)state;
	assert_non_null(buf);
	/* the forger writes what the store writes */
	len = forge(buf, 1, RELEASE_KIND_RELEASE, rec7.key, 7, rec7_bytes + 24 + strlen(rec7.key),
		    rec7.len - 24 - (uint32_t)strlen(rec7.key));
	assert_int_equal(len, rec7.len);
	assert_memory_equal(buf, rec7_bytes, len);
	/* and the store takes a genuine unindexed tail: release 7 appears */
	{
		release_store *s;
		release *r = NULL;

		store_with_tail(rec7_bytes, rec7.len);
		s = open_store(work);
		assert_store_ok(s, release_get_version(s, "web", 7, &r));
		assert_string_equal(release_id(r), rec7.key);
		release_free(r);
		assert_int_equal(count_releases(s, "web"), 7);
		release_store_close(s);
	}
	for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
		for (int kind = RELEASE_KIND_BUILD; kind <= RELEASE_KIND_RELEASE; kind++) {
			for (int follow = 0; follow < 2; follow++) {
				const struct logrec *src = kind == RELEASE_KIND_RELEASE ? &rec7 : &bld4;
				const unsigned char *bytes = kind == RELEASE_KIND_RELEASE ? rec7_bytes : bld4_bytes;
				size_t keylen = strlen(src->key);
				struct forged f = {kind, seqs[i], follow};

				set_ctx("a %s record with seq %llu (valid CRC)%s", kind == RELEASE_KIND_RELEASE ?
					"release" : "build", (unsigned long long)seqs[i],
					follow ? ", then the genuine release 7" : ", at the log's end");
				len = forge(buf, 1, kind, src->key, seqs[i], bytes + 24 + keylen,
					    src->len - 24 - (uint32_t)keylen);
				if (follow && kind == RELEASE_KIND_BUILD) {
					memcpy(buf + len, rec7_bytes, rec7.len);
					len += rec7.len;
				} else if (follow) {
					/* the same key twice would be a conflict of its own:
					 * follow with the genuine build 4 instead */
					memcpy(buf + len, bld4_bytes, bld4.len);
					len += bld4.len;
				}
				store_with_tail(buf, len);
				st = in_child(forged_child, &f, 20);
				if (st > 255)
					soft_fail("the child was killed by signal %d (14: it hung for 20 s)",
						  st - 256);
				else if (st != 0)
					soft_fail("the child exited with %d (its messages are above)", st);
			}
		}
	}
	free(buf);
	check_soft("records with a seq of 2^56 or more");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(log_cut_inside_acknowledged_records_is_reported, test_setup),
		cmocka_unit_test_setup(log_cut_with_one_state_copy_and_the_index_lost_is_reported,
				       test_setup),
		cmocka_unit_test_setup(torn_tail_claiming_60_mib_is_cut_without_allocating_it,
				       test_setup),
		cmocka_unit_test_setup(records_with_a_seq_the_store_never_writes_are_refused,
				       test_setup),
	};

	if (getenv("DAMAGE_FILTER"))
		cmocka_set_test_filter(getenv("DAMAGE_FILTER"));
	return cmocka_run_group_tests_name("file-store damage: log cut and hostile records", tests,
					   group_setup, group_teardown);
}
