/*
 * The file store's group commit under attack, second round: a commit whose
 * run is durable but cannot be applied yet (the index cannot grow), and
 * what reads and the commit itself answer meanwhile. Through the raw
 * backend (release_storage_open("file:DIR")), with handles of one process.
 */
#include "harness.h"

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

/* ------------------------------------------------------------- the store */

static char dir[512], uri[600];

struct backend {
	const release_storage *s;
	void *ctx;
};

static void backend_open(struct backend *b)
{
	int rc;

	b->ctx = NULL;
	rc = release_storage_open(&b->s, &b->ctx, uri);
	if (rc != 0)
		fail_msg("opening %s: %d: %s", uri, rc, release_store_errmsg(NULL));
}

static void backend_close(struct backend *b)
{
	if (b->ctx)
		b->s->close(b->ctx);
	b->ctx = NULL;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/release-attack2-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(uri, sizeof uri, "file:%s", dir);
}

static void teardown(void)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int put_build(struct backend *b, const char *key, uint64_t seq, const char *data)
{
	release_storage_op op = {RELEASE_OP_PUT, RELEASE_KIND_BUILD, key, seq, NULL, 0, data,
				 strlen(data)};

	return b->s->commit(b->ctx, "web", &op, 1, NULL);
}

struct got {
	char data[64];
};

static int take(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct got *g = payload;

	(void)seq;
	(void)key;
	snprintf(g->data, sizeof g->data, "%.*s", (int)len, (const char *)data);
	return 0;
}

/* get() of build key through a new handle: its result, the bytes in g. */
static int get_build(const char *key, struct got *g)
{
	struct backend b;
	int rc;

	backend_open(&b);
	memset(g, 0, sizeof *g);
	rc = b.s->get(b.ctx, "web", RELEASE_KIND_BUILD, key, take, g);
	backend_close(&b);
	return rc;
}

/* The app with build b0 (seq 1) in it. */
static void start_app(void)
{
	struct backend b;

	backend_open(&b);
	assert_int_equal(put_build(&b, "b0", 1, "zero"), 0);
	backend_close(&b);
}

/* Limits the size of files this process writes to 256 kB: build seq 40000
 * then needs more index than that, while its record fits in the log. */
static void limit_files(struct rlimit *old)
{
	struct rlimit lim;

	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, old), 0);
	lim = *old;
	lim.rlim_cur = 256 * 1024;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
}

/* ----------------------------------------------------------------- tests */

/* A run whose sync succeeded but which cannot be applied yet (the index
 * cannot grow) is durable: it shows once the index can grow. Until then a
 * read must not answer that its record is absent (it fails, as a read with
 * recovery stuck does), or the history a reader sees goes from "absent" to
 * "present" with nothing written in between. */
static void a_read_does_not_report_absent_a_durable_run_it_cannot_apply(void **state)
{
	struct rlimit old;
	struct backend b;
	struct got g;
	int rc_under, rc_after;

	(void)state;
	setup();
	start_app();
	limit_files(&old);
	backend_open(&b);
	put_build(&b, "b1", 40000, "one"); /* its own result: the next test */
	backend_close(&b);
	rc_under = get_build("b1", &g);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);

	rc_after = get_build("b1", &g);
	assert_int_equal(rc_after, 0);
	assert_string_equal(g.data, "one"); /* it was durable */
	assert_int_not_equal(rc_under, RELEASE_ENOTFOUND);
	teardown();
}

/* The same commit's own result: its sync is its commit point (file.h), so
 * a failure to apply its run afterwards is not reported. */
static void a_commit_durable_but_not_yet_applied_is_not_failed(void **state)
{
	struct rlimit old;
	struct backend b;
	struct got g;
	int rc;

	(void)state;
	setup();
	start_app();
	limit_files(&old);
	backend_open(&b);
	rc = put_build(&b, "b1", 40000, "one");
	backend_close(&b);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);

	assert_int_equal(get_build("b1", &g), 0);
	assert_string_equal(g.data, "one");
	assert_int_equal(rc, 0);
	teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_read_does_not_report_absent_a_durable_run_it_cannot_apply),
		cmocka_unit_test(a_commit_durable_but_not_yet_applied_is_not_failed),
	};

	if (getenv("RELEASE_TEST_FILTER"))
		cmocka_set_test_filter(getenv("RELEASE_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
