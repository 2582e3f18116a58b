/*
 * The file store at scale: the cost of the newest page and of a lookup by id
 * does not grow with history, and pruning gives space back.
 *
 * Bytes read are measured with the kernel's own count of this process's
 * read(2)-family bytes (rchar in /proc/self/io), so nothing in the library is
 * instrumented. Stores live on /dev/shm when it exists: fsync there is cheap,
 * which lets the suite write 100,000 releases through the public API in
 * seconds; the code path is the same as on a disk.
 */
#include "../harness.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BIG 100000
#define SMALL 1000
#define PAGE 20

static char root[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct stat st;
	const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";

	(void)state;
	snprintf(root, sizeof root, "%s/librelease-scale-XXXXXX", base);
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static unsigned long long rchar(void)
{
	char line[128];
	unsigned long long v = 0;
	FILE *f = fopen("/proc/self/io", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "rchar: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int have_rchar(void)
{
	return access("/proc/self/io", R_OK) == 0;
}

static release_store *open_store(const char *name)
{
	char uri[300];
	release_store *s = NULL;

	snprintf(uri, sizeof uri, "file:%s/%s", root, name);
	assert_ok(release_store_open(&s, uri, NULL));
	return s;
}

/* n releases, each an env change, with the first one promoted. Returns the
 * id of a release from the middle of history. */
static void grow(release_store *s, int n, char mid[16])
{
	char pair[32];
	release *r = NULL;

	make_app(s, "big");
	for (int i = 0; i < n; i++) {
		const char *p = pair;

		snprintf(pair, sizeof pair, "K=%d", i);
		assert_store_ok(s, release_env_set(s, "big", &p, 1, &r));
		if (i == n / 2)
			strcpy(mid, release_id(r));
		if (i == 0)
			promote(s, "big", release_id(r));
		release_free(r);
	}
}

struct cost {
	unsigned long long open_list;  /* open a fresh handle, list the newest page */
	unsigned long long get;        /* look one id up on a warm handle */
};

static struct cost measure(const char *name, const char *mid)
{
	struct cost c;
	unsigned long long before;
	release_list_opts o;
	release_iter *it = NULL;
	const release *r;
	release *got = NULL;
	release_store *s;
	int n = 0;

	before = rchar();
	s = open_store(name);
	release_list_opts_init(&o);
	o.limit = PAGE;
	assert_store_ok(s, release_list(s, "big", &o, &it));
	while (release_iter_next(it, &r) == 0)
		n++;
	release_iter_free(it);
	c.open_list = rchar() - before;
	assert_int_equal(n, PAGE);

	before = rchar();
	assert_store_ok(s, release_get(s, "big", mid, &got));
	c.get = rchar() - before;
	assert_string_equal(release_id(got), mid);
	release_free(got);
	release_store_close(s);
	return c;
}

static void the_newest_page_and_a_lookup_cost_the_same_at_any_length(void **state)
{
	char mid_small[16], mid_big[16];
	struct cost small, big;
	release_store *s;

	(void)state;
	if (!have_rchar())
		skip();
	s = open_store("small");
	grow(s, SMALL, mid_small);
	release_store_close(s);
	s = open_store("big");
	grow(s, BIG, mid_big);
	release_store_close(s);

	small = measure("small", mid_small);
	big = measure("big", mid_big);
	print_message("bytes read: open + newest %d: %llu at %d releases, %llu at %d\n", PAGE,
		      small.open_list, SMALL, big.open_list, BIG);
	print_message("bytes read: get by id: %llu at %d releases, %llu at %d\n", small.get, SMALL,
		      big.get, BIG);
	/* Bounded: a few pages, however long the history... */
	assert_true(big.open_list < 64 * 1024);
	assert_true(big.get < 32 * 1024);
	/* ...and not growing with it (records differ by a few digits). */
	assert_true(big.open_list * 10 < small.open_list * 12);
	assert_true(big.get * 10 < small.get * 12);
}

static unsigned long long dir_bytes(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	unsigned long long total = 0;
	char p[512];
	struct stat st;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode))
			total += (unsigned long long)st.st_blocks * 512;
	}
	closedir(d);
	return total;
}

static void pruning_gives_space_back_and_keeps_history_readable(void **state)
{
	char mid[16], app_dir[300];
	release_store *s;
	release *active = NULL, *newest = NULL;
	unsigned long long before, after;
	size_t removed = 0;

	(void)state;
	s = open_store("prune");
	grow(s, 5000, mid);
	snprintf(app_dir, sizeof app_dir, "%s/prune/big", root);
	before = dir_bytes(app_dir);
	assert_store_ok(s, release_get_version(s, "big", 5000, &newest));
	promote(s, "big", release_id(newest));
	assert_store_ok(s, release_prune(s, "big", 10, &removed));
	after = dir_bytes(app_dir);
	print_message("pruned %zu releases: %llu bytes on disk before, %llu after\n", removed,
		      before, after);
	assert_int_equal(removed, 5000 - 1 - 1 - 10); /* all but active, previous and 10 */
	assert_true(after * 4 < before);
	release_store_close(s);

	/* A fresh handle reads what was kept, and writes on. */
	s = open_store("prune");
	assert_int_equal(count_releases(s, "big"), 12);
	assert_store_ok(s, release_get(s, "big", release_id(newest), &active));
	assert_int_equal(release_is_active(active), 1);
	assert_string_equal(release_env_get(active, "K"), "4999");
	release_free(set_env(s, "big", "AFTER=1"));
	assert_int_equal(count_releases(s, "big"), 13);
	release_free(active);
	release_free(newest);
	release_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(the_newest_page_and_a_lookup_cost_the_same_at_any_length,
						setup, teardown),
		cmocka_unit_test_setup_teardown(pruning_gives_space_back_and_keeps_history_readable,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
