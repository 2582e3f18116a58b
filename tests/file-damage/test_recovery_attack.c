/*
 * Recovery reading the log a window at a time, attacked where windows end:
 * records longer than a window, records straddling a window's end, a torn
 * record straddling it, damage inside a window below what was
 * acknowledged. Each replay must give back exactly what was written, cut a
 * torn tail only when nothing intact follows it, and report damage.
 */
#include "damage.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Manifest sizes that put record ends on both sides of 64 KiB windows, and
 * records longer than one. */
static const size_t sizes[] = {30000, 40000, 65000, 70000, 100, 131072, 20000, 64000, 50};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static void make_history(const char *dir)
{
	release_store *s = open_store(dir);

	make_app(s, "web");
	for (size_t i = 0; i < NSIZES; i++) {
		release_build_opts o;
		release_build *b = NULL;
		char *m = malloc(sizes[i] + 1);
		const char *pair = "K=v";

		assert_non_null(m);
		memset(m, 'a' + (int)i, sizes[i]);
		m[sizes[i]] = '\0';
		release_build_opts_init(&o);
		o.manifest = m;
		o.status = RELEASE_BUILD_COMPLETE;
		assert_store_ok(s, release_build_create(s, "web", &o, &b));
		assert_store_ok(s, release_create(s, "web", release_build_id(b), NULL));
		release_build_free(b);
		free(m);
		if (i % 3 == 0)
			assert_store_ok(s, release_env_set(s, "web", &pair, 1, NULL));
	}
	release_store_close(s);
}

static char *text_of(const char *dir)
{
	release_store *s = open_store(dir);
	char what[512], *out = NULL;
	int rc = app_text(s, "web", &out, what, sizeof what);

	if (rc != 0)
		fail_msg("%s: %d: %s", what, rc, release_store_errmsg(s));
	release_store_close(s);
	return out;
}

static uint64_t size_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

/* After a reboot the whole log is replayed through windows: every record,
 * whatever its length and wherever it falls, reads back as written. */
static void a_replay_of_records_longer_than_and_across_windows_gives_them_back(void **state)
{
	const char *dir = temp_dir();
	struct tree t;
	char *before, *after;

	(void)state;
	make_history(dir);
	before = text_of(dir);
	tree_load(&t, dir);
	tree_fake_reboot(&t, "web");
	tree_store(&t, dir);
	tree_free(&t);
	after = text_of(dir);
	assert_string_equal(after, before);
	free(before);
	free(after);
}

/* A torn copy of a long record appended after the log, cut at each of
 * several lengths (inside the header, at a window's end, near its own
 * end): an append that never completed is cut off, and nothing else. */
static void a_torn_long_record_at_the_end_is_cut_off_whatever_its_length(void **state)
{
	const char *dir = temp_dir();
	static const size_t cuts[] = {10, 24, 4000, 65536 - 64, 65536, 65560, 100000};
	struct logrec recs[128];
	struct tree t;
	unsigned char *log;
	size_t len, n, big = 0;
	char *before, path[512];

	(void)state;
	make_history(dir);
	before = text_of(dir);
	snprintf(path, sizeof path, "%s/web/log.1", dir);
	log = read_file(path, &len);
	assert_non_null(log);
	n = parse_log(log, len, recs, 128);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++)
		if (recs[i].len > recs[big].len)
			big = i;
	assert_true(recs[big].len > 131072);
	tree_load(&t, dir);
	for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
		char *after;
		int fd;

		set_ctx("torn copy cut at %zu", cuts[c]);
		tree_store(&t, dir);
		fd = open(path, O_WRONLY | O_APPEND);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, log + recs[big].off, cuts[c]), (ssize_t)cuts[c]);
		close(fd);
		after = text_of(dir);
		if (strcmp(after, before) != 0)
			fail_msg("%s: the store reads otherwise", damage_ctx);
		if (size_of(path) != len)
			fail_msg("%s: the log is %llu bytes, not %zu", damage_ctx,
				 (unsigned long long)size_of(path), len);
		free(after);
	}
	tree_free(&t);
	free(log);
	free(before);
}

/* A bit flipped inside each record (in its data, past the first window
 * for the long ones) with the state saying a reboot happened: the replay
 * reads every record through its windows, and reads read each release:
 * the damage is reported,
 * never cut the log there nor answer without the record. */
static void damage_inside_a_window_below_the_acknowledged_length_is_reported(void **state)
{
	const char *dir = temp_dir();
	struct logrec recs[128];
	struct tree t;
	unsigned char *log;
	size_t len, n;
	char path[512];

	(void)state;
	make_history(dir);
	snprintf(path, sizeof path, "%s/web/log.1", dir);
	log = read_file(path, &len);
	assert_non_null(log);
	n = parse_log(log, len, recs, 128);
	tree_load(&t, dir);
	tree_fake_reboot(&t, "web");
	for (size_t i = 0; i < n; i++) {
		release_store *s = NULL;
		char what[512], *out = NULL;
		int rc;

		if (recs[i].kind != RELEASE_KIND_RELEASE)
			continue; /* releases here are never replaced: each is read */
		set_ctx("bit flipped in record %zu (%u bytes at %llu)", i, recs[i].len,
			(unsigned long long)recs[i].off);
		tree_store(&t, dir);
		flip_bit(path, recs[i].off + recs[i].len - 1, 3);
		rc = try_open_store(dir, &s);
		if (rc == 0) {
			rc = app_text(s, "web", &out, what, sizeof what);
			if (rc != RELEASE_ECORRUPT)
				fail_msg("%s: the damage reads as %d", damage_ctx, rc);
			expect_corrupt(rc, release_store_errmsg(s), damage_ctx);
			release_store_close(s);
		} else {
			assert_int_equal(rc, RELEASE_ECORRUPT);
		}
		free(out);
		if (size_of(path) != len)
			fail_msg("%s: the log was cut to %llu", damage_ctx,
				 (unsigned long long)size_of(path));
	}
	tree_free(&t);
	free(log);
	check_soft("damage inside a window");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_replay_of_records_longer_than_and_across_windows_gives_them_back),
		cmocka_unit_test(a_torn_long_record_at_the_end_is_cut_off_whatever_its_length),
		cmocka_unit_test(damage_inside_a_window_below_the_acknowledged_length_is_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
