/*
 * The file store when an app's files are deleted by hand with its
 * directory kept: every file in it removed, or an rm -rf of the directory
 * whose rmdir lost to a process that opened the app meanwhile (and so made
 * its lock and state files again); its lock file alone deleted (taken for
 * a stale one); its hold file deleted with the directory. And read-only
 * handles meeting an app whose lock file they did not find.
 *
 * - A handle that had the app open, or opened part of it mid-deletion,
 *   writes and reads the files made since, never the deleted ones, and
 *   never writes the new files from the deleted state.
 * - A writer locks the lock file at its name, not one deleted.
 * - A hold whose hold file is no longer the app's refuses its holder's
 *   writes with RELEASE_EBUSY until it is given back.
 * - A read-only handle looks again for a lock file it did not find, so it
 *   tells a writer alive from a dead one.
 *
 * Through the raw backend (release_storage_open("file:DIR")), with handles
 * of one process. The program defines pwrite64(), which the library
 * reaches through its PLT: once armed, the write of a state that records a
 * write as durable but not yet applied stops at a gate.
 */
#include "crash_common.h"
#include "group_common.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --------------------------------------------------------- pwrite64 gate */

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_armed;   /* the next such state write stops at the gate */
static int gate_copies;  /* copies of it written so far */
static int gate_waiting; /* one is stopped there */
static int gate_open;    /* let it through */

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Once armed, the second copy written of a state whose durable length
 * (byte 1440) is past its indexed length (byte 40) stops at the gate: a
 * write recorded as durable, not yet applied, its writer holding the lock. */
ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	const unsigned char *b = buf;
	ssize_t n;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pwrite64");
	n = real(fd, buf, len, off);
	pthread_mutex_lock(&gate_mu);
	if (gate_armed && len == 2048 && memcmp(b, "LRSTATE", 7) == 0 &&
	    le64(b + 1440) > le64(b + 40) && ++gate_copies == 2) {
		gate_armed = 0;
		gate_waiting = 1;
		pthread_cond_broadcast(&gate_cv);
		while (!gate_open)
			pthread_cond_wait(&gate_cv, &gate_mu);
		gate_waiting = gate_open = 0;
	}
	pthread_mutex_unlock(&gate_mu);
	return n;
}

static void gate_arm(void)
{
	pthread_mutex_lock(&gate_mu);
	gate_armed = 1;
	gate_copies = 0;
	pthread_mutex_unlock(&gate_mu);
}

static void gate_wait_held(void)
{
	pthread_mutex_lock(&gate_mu);
	while (!gate_waiting)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
}

static void gate_release(void)
{
	pthread_mutex_lock(&gate_mu);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cv);
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
	assert_int_equal(store_make("dirfiles"), 0);
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

/* A put of build key as a version-1 write: one record, synced by itself. */
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

/* Deletes the files of web's directory but keep (NULL: all of them), the
 * directory kept. */
static void delete_files(const char *keep)
{
	char web[700];
	struct dirent *e;
	DIR *d;

	snprintf(web, sizeof web, "%s/web", dir);
	if (!(d = opendir(web)))
		fail_msg("opening %s", web);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && (!keep || strcmp(e->d_name, keep) != 0) &&
		    unlinkat(dirfd(d), e->d_name, 0) != 0)
			fail_msg("deleting %s/%s", web, e->d_name);
	closedir(d);
}

/* A version-1 put of build b1 (seq 2) through b, in a thread of its own. */
struct putjob {
	pthread_t t;
	struct backend *b;
	int rc, done;
};

static void *putjob_run(void *arg)
{
	struct putjob *j = arg;
	int rc = put_v1(j->b, "b1", 2, "one");

	pthread_mutex_lock(&gate_mu);
	j->rc = rc;
	j->done = 1;
	pthread_mutex_unlock(&gate_mu);
	return NULL;
}

static void putjob_start(struct putjob *j, struct backend *b)
{
	memset(j, 0, sizeof *j);
	j->b = b;
	assert_int_equal(pthread_create(&j->t, NULL, putjob_run, j), 0);
}

static int putjob_done(struct putjob *j)
{
	int done;

	pthread_mutex_lock(&gate_mu);
	done = j->done;
	pthread_mutex_unlock(&gate_mu);
	return done;
}

static int putjob_end(struct putjob *j)
{
	assert_int_equal(pthread_join(j->t, NULL), 0);
	return j->rc;
}

/* ------------------------------------------------ the files deleted */

/* The app's files deleted under a handle that has it open, and made again
 * by another handle: the first handle's next write goes into the files
 * there now, not into the deleted ones, where it would be acknowledged
 * and lost. */
static void a_write_after_the_apps_files_were_deleted_goes_into_the_new_ones(void **state)
{
	struct backend b, c;

	(void)state;
	setup();
	start_app();
	backend_open(&b);
	assert_int_equal(put_build(&b, "warm", 2, "w"), 0);

	delete_files(NULL);
	backend_open(&c);
	assert_int_equal(put_build(&c, "new", 1, "made again"), 0);
	backend_close(&c);

	/* seq 3: free in the deleted files too, where it would be acked */
	assert_int_equal(put_build(&b, "b1", 3, "one"), 0);
	assert_string_equal(read_build("b1"), "one");
	assert_string_equal(read_build("new"), "made again");
	assert_string_equal(read_build("warm"), "");
	assert_int_equal(put_v1(&b, "b2", 4, "two"), 0);
	assert_string_equal(read_build("b2"), "two");
	backend_close(&b);
	teardown();
}

/* The same, read through the handle that had the app open: it reads the
 * files there now, not the deleted ones. */
static void a_read_after_the_apps_files_were_deleted_reads_the_new_ones(void **state)
{
	struct backend b, c;
	struct got g;

	(void)state;
	setup();
	start_app();
	backend_open(&b);
	memset(&g, 0, sizeof g);
	assert_int_equal(b.s->get(b.ctx, "web", RELEASE_KIND_BUILD, "b0", take, &g), 0);

	delete_files(NULL);
	backend_open(&c);
	assert_int_equal(put_build(&c, "new", 1, "made again"), 0);
	backend_close(&c);

	memset(&g, 0, sizeof g);
	assert_int_equal(b.s->get(b.ctx, "web", RELEASE_KIND_BUILD, "b0", take, &g),
			 RELEASE_ENOTFOUND);
	assert_int_equal(b.s->get(b.ctx, "web", RELEASE_KIND_BUILD, "new", take, &g), 0);
	assert_string_equal(g.data, "made again");
	backend_close(&b);
	teardown();
}

/* An rm -rf under way: every file of web deleted but its state, which the
 * deletion has not reached yet. A handle opening the app then makes its
 * lock file again and opens the state about to go; once it is gone,
 * another handle makes the app again. The first handle's next write
 * follows the new state rather than stay with the deleted one, which would
 * have it cut the new log where the deleted state's records ended and
 * write over the other handle's record. */
static void a_handle_that_opened_the_app_mid_deletion_follows_the_files_made_after(
	void **state)
{
	struct backend b, c;
	struct got g;

	(void)state;
	setup();
	start_app();
	delete_files("state");
	backend_open(&b);
	memset(&g, 0, sizeof g);
	assert_int_not_equal(b.s->get(b.ctx, "web", RELEASE_KIND_BUILD, "b0", take, &g), 0);
	assert_int_equal(unlink(app_path("state")), 0);

	backend_open(&c);
	assert_int_equal(put_build(&c, "new", 1, "made again"), 0);
	backend_close(&c);

	assert_int_equal(put_build(&b, "b1", 2, "one"), 0);
	assert_string_equal(read_build("b1"), "one");
	assert_string_equal(read_build("new"), "made again");
	backend_close(&b);
	teardown();
}

/* ------------------------------------------------------- the lock file */

/* The lock file deleted by hand (taken for a stale one) and made again by
 * another handle: a handle that had the app open locks the file there now,
 * so it waits for a writer holding it rather than write at the same time. */
static void a_write_after_the_lock_file_was_deleted_waits_for_the_new_locks_holder(
	void **state)
{
	struct backend b, c;
	struct putjob j;
	int fd;

	(void)state;
	setup();
	start_app();
	backend_open(&b);
	assert_int_equal(put_v1(&b, "warm", 3, "w"), 0);

	assert_int_equal(unlink(app_path("lock")), 0);
	backend_open(&c);
	assert_int_equal(put_v1(&c, "new", 4, "made"), 0); /* makes lock again */
	backend_close(&c);
	fd = open(app_path("lock"), O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	lock_byte(fd, F_WRLCK, 0); /* a writer appending */

	putjob_start(&j, &b);
	sleep_ms(200);
	assert_false(putjob_done(&j));
	lock_byte(fd, F_UNLCK, 0);
	close(fd);
	assert_int_equal(putjob_end(&j), 0);
	assert_string_equal(read_build("b1"), "one");
	assert_string_equal(read_build("new"), "made");
	backend_close(&b);
	teardown();
}

/* ---------------------------------------------------------------- holds */

/* A handle holds web; the directory is deleted and made again, where
 * another handle takes the hold. The first holder no longer holds the app
 * alone: its writes to it fail with RELEASE_EBUSY, writing nothing, until
 * it gives its hold back. */
static void a_hold_whose_directory_was_replaced_refuses_its_holders_writes(void **state)
{
	struct backend b, c;
	void *mine = NULL, *theirs = NULL;
	char web[700];

	(void)state;
	setup();
	start_app();
	snprintf(web, sizeof web, "%s/web", dir);
	backend_open(&b);
	assert_int_equal(b.s->hold(b.ctx, "web", "first", 5, &mine), 0);
	assert_int_equal(put_build(&b, "b1", 2, "one"), 0); /* held, and its own */

	assert_int_equal(tmpdir_remove(web), 0); /* rm -rf */
	backend_open(&c);
	assert_int_equal(c.s->hold(c.ctx, "web", "second", 6, &theirs), 0);
	assert_int_equal(put_build(&b, "b2", 1, "two"), RELEASE_EBUSY);
	assert_non_null(strstr(msg(&b), "hold"));
	assert_int_equal(put_v1(&b, "b2", 1, "two"), RELEASE_EBUSY);
	assert_string_equal(read_build("b2"), "");
	assert_int_equal(put_build(&c, "c1", 1, "theirs"), 0);

	b.s->unhold(b.ctx, mine);
	assert_int_equal(put_build(&b, "b2", 2, "two"), 0);
	assert_string_equal(read_build("b2"), "two");
	c.s->unhold(c.ctx, theirs);
	backend_close(&c);
	backend_close(&b);
	teardown();
}

/* ----------------------------------------------------- read-only handles */

/* A read-only handle opened web while it had a state file but no lock file
 * (as when it opens an app being made, between the writer's lock file and
 * its state file). A writer then makes the lock file and, holding it, has
 * recorded its put as durable but not yet applied it: the read-only handle
 * sees that writer alive and answers from the state it published, rather
 * than fail as if the writer had died there. */
static void a_read_only_handle_that_found_no_lock_file_sees_a_writer_made_since(void **state)
{
	struct backend ro, w;
	struct putjob j;
	struct got g;
	char rouri[700];

	(void)state;
	setup();
	start_app();
	assert_int_equal(unlink(app_path("lock")), 0);
	snprintf(rouri, sizeof rouri, "%s?mode=ro", uri);
	assert_int_equal(release_storage_open(&ro.s, &ro.ctx, rouri), 0);
	memset(&g, 0, sizeof g);
	assert_int_equal(ro.s->get(ro.ctx, "web", RELEASE_KIND_BUILD, "b0", take, &g), 0);

	backend_open(&w);
	gate_arm();
	putjob_start(&j, &w);
	gate_wait_held(); /* b1 durable, its writer holding the lock */

	memset(&g, 0, sizeof g);
	if (ro.s->get(ro.ctx, "web", RELEASE_KIND_BUILD, "b1", take, &g) != RELEASE_ENOTFOUND)
		fail_msg("read-only get of b1 mid-write: %s", msg(&ro));
	assert_int_equal(ro.s->get(ro.ctx, "web", RELEASE_KIND_BUILD, "b0", take, &g), 0);

	gate_release();
	assert_int_equal(putjob_end(&j), 0);
	memset(&g, 0, sizeof g);
	assert_int_equal(ro.s->get(ro.ctx, "web", RELEASE_KIND_BUILD, "b1", take, &g), 0);
	assert_string_equal(g.data, "one");
	backend_close(&w);
	backend_close(&ro);
	teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_write_after_the_apps_files_were_deleted_goes_into_the_new_ones),
		cmocka_unit_test(a_read_after_the_apps_files_were_deleted_reads_the_new_ones),
		cmocka_unit_test(
			a_handle_that_opened_the_app_mid_deletion_follows_the_files_made_after),
		cmocka_unit_test(
			a_write_after_the_lock_file_was_deleted_waits_for_the_new_locks_holder),
		cmocka_unit_test(a_hold_whose_directory_was_replaced_refuses_its_holders_writes),
		cmocka_unit_test(
			a_read_only_handle_that_found_no_lock_file_sees_a_writer_made_since),
	};

	if (getenv("DIR_FILES_FILTER"))
		cmocka_set_test_filter(getenv("DIR_FILES_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
