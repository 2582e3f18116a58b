/*
 * What recovery costs in reads: a replay after a reboot reads the log a
 * window at a time, not each record with reads of its own, and looking for
 * an intact record after a torn tail checks the candidates inside the
 * blocks it reads. The reads of the log are counted by a pread64()
 * defined here (librelease.so calls libc through its PLT, so this one comes
 * first); the indexes' reads, which applying each record makes, are not.
 */
#include "damage.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef ssize_t (*pread_fn)(int, void *, size_t, off_t);

static unsigned long preads;
static int counting;

/* Whether fd is a log file ("log.<generation>"). */
static int is_log(int fd)
{
	char link[64], path[512];
	const char *base;
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof path - 1)) < 0)
		return 0;
	path[n] = '\0';
	base = strrchr(path, '/');
	return strncmp(base ? base + 1 : path, "log.", 4) == 0;
}

static pread_fn real_pread(void)
{
	void *p = dlsym(RTLD_NEXT, "pread64");
	pread_fn f;

	memcpy(&f, &p, sizeof f);
	return f;
}

ssize_t count_pread64(int fd, void *buf, size_t n, off_t off) __asm__("pread64");
ssize_t count_pread64(int fd, void *buf, size_t n, off_t off)
{
	preads += is_log(fd);
	return real_pread()(fd, buf, n, off);
}

#define RELEASES 2000

/* A store of one app with RELEASES env changes, written and closed. */
static void make_history(const char *dir)
{
	release_store *s;
	char uri[512];

	snprintf(uri, sizeof uri, "file:%s", dir);
	assert_int_equal(release_store_open(&s, uri, NULL), 0);
	assert_store_ok(s, release_app_create(s, "web", NULL));
	for (int i = 0; i < RELEASES; i++) {
		char pair[32];
		const char *p = pair;
		release *r = NULL;

		snprintf(pair, sizeof pair, "N=%d", i);
		assert_store_ok(s, release_env_set(s, "web", &p, 1, &r));
		release_free(r);
	}
	release_store_close(s);
}

/* Opens dir and lists web's newest release, counting the reads of the
 * log. */
static unsigned long list_counting(const char *dir, uint64_t *version)
{
	release_store *s;
	release_iter *it = NULL;
	release_list_opts o;
	const release *r;
	char uri[512];
	unsigned long n;

	snprintf(uri, sizeof uri, "file:%s", dir);
	preads = 0;
	counting = 1;
	assert_int_equal(release_store_open(&s, uri, NULL), 0);
	release_list_opts_init(&o);
	o.limit = 1;
	assert_store_ok(s, release_list(s, "web", &o, &it));
	assert_store_ok(s, release_iter_next(it, &r));
	*version = release_version(r);
	release_iter_free(it);
	n = preads;
	counting = 0;
	release_store_close(s);
	return n;
}

static void a_replay_after_a_reboot_reads_the_log_in_windows(void **state)
{
	const char *dir = temp_dir();
	struct tree t;
	uint64_t version = 0;
	unsigned long n;

	(void)state;
	make_history(dir);
	tree_load(&t, dir);
	tree_fake_reboot(&t, "web");
	tree_store(&t, dir);
	tree_free(&t);
	n = list_counting(dir, &version);
	assert_int_equal(version, RELEASES);
	/* Replaying 2,000 records one by one took two reads of the log each. */
	if (n > 50)
		fail_msg("the replay made %lu reads of the log for %d records", n, RELEASES);
}

/* Garbage after the last record, full of record magics whose headers claim
 * records that fit in it: the torn tail is found torn and cut off, with
 * reads of whole blocks, not one or two per candidate. */
static void a_torn_tail_full_of_record_magics_is_cut_with_block_reads(void **state)
{
	const char *dir = temp_dir();
	unsigned char junk[256 << 10];
	char path[512];
	uint64_t version = 0;
	unsigned long n;
	struct stat st;
	int fd;

	(void)state;
	make_history(dir);
	/* "LRRK", then bytes that pass as a header claiming 40 data bytes but
	 * fail the checksum, over and over; then a torn last record. */
	for (size_t i = 0; i + 24 <= sizeof junk; i += 24) {
		static const unsigned char h[24] = {'L', 'R', 'R', 'K', 1, 2, 3, 4, 1, 3, 10, 0,
						    40, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0};

		memcpy(junk + i, h, sizeof h);
	}
	snprintf(path, sizeof path, "%s/web/log.1", dir);
	assert_int_equal(stat(path, &st), 0);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
	close(fd);
	n = list_counting(dir, &version);
	assert_int_equal(version, RELEASES);
	/* 256 KiB is 16 blocks (and the few candidates at each block's end
	 * that reach past it, read alone); 10,922 candidates read alone made
	 * 21,844 reads. */
	if (n > 200)
		fail_msg("recovering a torn tail of %zu bytes made %lu reads of the log",
			 sizeof junk, n);
	assert_int_equal(stat(path, &st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_replay_after_a_reboot_reads_the_log_in_windows),
		cmocka_unit_test(a_torn_tail_full_of_record_magics_is_cut_with_block_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
