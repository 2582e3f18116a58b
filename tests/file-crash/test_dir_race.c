/*
 * The file store when an app's directory is deleted by hand (rm -rf), and
 * perhaps made again, in the middle of a write: after it checked that its
 * directory is the app's, while its records are being made durable.
 *
 * - A write made durable only in the deleted files is never acknowledged:
 *   a put (one record, synced by its own call) fails with RELEASE_EIO.
 *   The store is usable afterwards, and holds every write acknowledged.
 *
 * Through the raw backend (release_storage_open("file:DIR")), with handles
 * of one process. The program defines fdatasync(), which the library
 * reaches through its PLT: once armed, it replaces the app's directory
 * once its sync is done.
 */
#include "crash_common.h"
#include "group_common.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* -------------------------------------------------- replacing the app */

enum how { KEEP, DELETE, REMAKE };

/* rm -rf of web's directory; then, as how says, an empty one made in its
 * place (as mkdir would). No cmocka: this runs inside the library's
 * calls. */
static void replace_app(enum how how)
{
	char web[700];

	snprintf(web, sizeof web, "%s/web", dir);
	if (how == KEEP)
		return;
	if (tmpdir_remove(web) != 0)
		abort();
	if (how == REMAKE && mkdir(web, 0700) != 0)
		abort();
}

/* ------------------------------------------------------------ fdatasync */

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static enum how sync_replace; /* the next sync of a log replaces web once done */

/* The path of fd contains part. */
static int fd_is(int fd, const char *part)
{
	char link[64], path[1024];
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof path - 1);
	path[n > 0 ? n : 0] = '\0';
	return n > 0 && strstr(path, part) != NULL;
}

int fdatasync(int fd)
{
	static int (*real)(int);
	enum how how = KEEP;
	int rc;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
	if (!fd_is(fd, "/log."))
		return real(fd);
	pthread_mutex_lock(&gate_mu);
	how = sync_replace;
	sync_replace = KEEP;
	pthread_mutex_unlock(&gate_mu);
	rc = real(fd);
	replace_app(how); /* the run is durable, in files deleted now */
	return rc;
}

static void replace_at_next_sync(enum how how)
{
	pthread_mutex_lock(&gate_mu);
	sync_replace = how;
	pthread_mutex_unlock(&gate_mu);
}

/* ------------------------------------------------------------- the store */

static const char *msg(const struct backend *b)
{
	const char *m = b->s->errmsg ? b->s->errmsg(b->ctx) : NULL;

	return m ? m : "(no message)";
}

static void setup(void)
{
	assert_int_equal(store_make("dirrace"), 0);
}

static void teardown(void)
{
	store_remove();
}

struct got {
	char data[64];
	char key[80];
};

static int take(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct got *g = payload;

	(void)seq;
	snprintf(g->key, sizeof g->key, "%s", key);
	snprintf(g->data, sizeof g->data, "%.*s", (int)len, (const char *)data);
	return 0;
}

/* The build's bytes as a new handle reads them, or "" when it is absent. */
static const char *read_build(const char *key)
{
	static struct got g;
	struct backend b;
	int rc;

	backend_open(&b);
	memset(&g, 0, sizeof g);
	rc = b.s->get(b.ctx, "web", RELEASE_KIND_BUILD, key, take, &g);
	if (rc != 0 && rc != RELEASE_ENOTFOUND)
		fail_msg("reading build %s: %d: %s", key, rc, msg(&b));
	backend_close(&b);
	return g.data;
}

static int put_v1(struct backend *b, const char *key, uint64_t seq, const char *data)
{
	return b->s->put(b->ctx, "web", RELEASE_KIND_BUILD, key, seq, data, strlen(data));
}

/* The app, with build b0 (seq 1), through a handle of its own. */
static void start_app(void)
{
	struct backend b;

	backend_open(&b);
	assert_int_equal(put_build(&b, "b0", 1, "zero"), 0);
	backend_close(&b);
}

/* A write acknowledged after the directory was replaced reads back. */
static void store_still_works(struct backend *b)
{
	assert_int_equal(put_build(b, "after", 10, "kept"), 0);
	assert_string_equal(read_build("after"), "kept");
}

/* ----------------------------------------------------------------- tests */

/* A put (version 1: one record, synced by its own call) whose record is
 * durable only in the files of a directory deleted and made again during
 * its sync is not acknowledged; the next write goes into the new one. */
static void a_put_durable_only_in_a_deleted_directory_fails_with_eio(void **state)
{
	struct backend b;

	(void)state;
	setup();
	start_app();
	backend_open(&b);
	assert_int_equal(put_v1(&b, "warm", 2, "w"), 0);

	replace_at_next_sync(REMAKE);
	assert_int_equal(put_v1(&b, "b1", 3, "one"), RELEASE_EIO);
	assert_non_null(strstr(msg(&b), "deleted or replaced"));
	assert_string_equal(read_build("b1"), "");

	assert_int_equal(put_v1(&b, "b1", 1, "again"), 0);
	assert_string_equal(read_build("b1"), "again");
	store_still_works(&b);
	backend_close(&b);
	teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_put_durable_only_in_a_deleted_directory_fails_with_eio),
	};

	if (getenv("DIR_RACE_FILTER"))
		cmocka_set_test_filter(getenv("DIR_RACE_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
