/*
 * The file store when an app's directory is deleted by hand (rm -rf), and
 * perhaps made again or restored from a copy, in the middle of a call:
 * after the write checked that its directory is the app's, while its
 * records are being made durable, or while a read is under way.
 *
 * - A write made durable only in the deleted files is never acknowledged:
 *   a put (one record, synced by its own call), a commit whose sync it led
 *   itself, one another handle's sync made durable, and a commit that only
 *   checked and waited for a pending run all fail with RELEASE_EIO. The
 *   store is usable afterwards, and holds every write acknowledged.
 * - A write's read of the pending runs (the core's reads for a write see
 *   them) does not mix the deleted directory's runs with the records of
 *   the one made in its place.
 * - A read that found damage in a directory deleted meanwhile reads the
 *   one there now; a scan that delivered records of the deleted one fails
 *   rather than go on with the new one's.
 *
 * The app's files deleted with the directory kept, its lock or hold file,
 * and read-only handles meeting them: test_dir_files.c.
 *
 * Through the raw backend (release_storage_open("file:DIR")) and the
 * public API, with handles of one process. The program defines
 * fdatasync(), pread64() and fstatat64(), which the library reaches
 * through its PLT: once armed, one of them stops at a gate, or replaces
 * the app's directory, at the moment a test needs.
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

/* -------------------------------------------------- replacing the app */

enum how { KEEP, DELETE, REMAKE, RESTORE };

static char snap[700]; /* a copy of web's directory, for RESTORE */

/* Copies the directory web (regular files only) to to. */
static void copy_app(const char *to)
{
	char from[700];
	DIR *d;
	struct dirent *e;

	snprintf(from, sizeof from, "%s/web", dir);
	if (mkdir(to, 0700) != 0 || !(d = opendir(from)))
		abort();
	while ((e = readdir(d))) {
		char src[1024], dst[1024], b[8192];
		ssize_t n;
		int in, out;

		if (e->d_name[0] == '.')
			continue;
		snprintf(src, sizeof src, "%s/%s", from, e->d_name);
		snprintf(dst, sizeof dst, "%s/%s", to, e->d_name);
		if ((in = open(src, O_RDONLY)) < 0 ||
		    (out = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
			abort();
		while ((n = read(in, b, sizeof b)) > 0)
			if (write(out, b, (size_t)n) != n)
				abort();
		if (n < 0)
			abort();
		close(in);
		close(out);
	}
	closedir(d);
}

/* rm -rf of web's directory; then, as how says, an empty one made in its
 * place (as mkdir would) or the copy in snap moved there. No cmocka: this
 * runs inside the library's calls. */
static void replace_app(enum how how)
{
	char web[700];

	snprintf(web, sizeof web, "%s/web", dir);
	if (how == KEEP)
		return;
	if (tmpdir_remove(web) != 0)
		abort();
	if ((how == REMAKE && mkdir(web, 0700) != 0) || (how == RESTORE && rename(snap, web) != 0))
		abort();
}

/* ------------------------------------------------------- fdatasync gate */

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_armed;   /* the next sync of a log stops at the gate first */
static int gate_waiting; /* one is stopped there */
static int gate_open;    /* let it through */
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
	if (gate_armed) {
		gate_armed = 0;
		gate_waiting = 1;
		pthread_cond_broadcast(&gate_cv);
		while (!gate_open)
			pthread_cond_wait(&gate_cv, &gate_mu);
		gate_waiting = gate_open = 0;
	}
	how = sync_replace;
	sync_replace = KEEP;
	pthread_mutex_unlock(&gate_mu);
	rc = real(fd);
	replace_app(how); /* the run is durable, in files deleted now */
	return rc;
}

static void gate_arm(void)
{
	pthread_mutex_lock(&gate_mu);
	gate_armed = 1;
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

static void replace_at_next_sync(enum how how)
{
	pthread_mutex_lock(&gate_mu);
	sync_replace = how;
	pthread_mutex_unlock(&gate_mu);
}

/* ------------------------------------------------ pread64 and fstatat64 */

/* This thread replaces web (RESTORE) as it reads bld.1 at this offset. */
static _Thread_local long restore_at_index_read;
/* This thread, once it has read the log at or past pending_from (a
 * pending run), replaces web (RESTORE) as it next looks at web or a file
 * in it. */
static _Thread_local long pending_from;
static _Thread_local int pending_read;

ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pread64");
	if (restore_at_index_read && off == restore_at_index_read && fd_is(fd, "/bld.")) {
		restore_at_index_read = 0;
		replace_app(RESTORE);
	}
	if (pending_from && off >= pending_from && fd_is(fd, "/log."))
		pending_read = 1;
	return real(fd, buf, len, off);
}

int fstatat64(int fd, const char *path, struct stat64 *st, int flags)
{
	static int (*real)(int, const char *, struct stat64 *, int);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fstatat64");
	/* web, or a file in it (the library looks at web/state) */
	if (pending_read && strncmp(path, "web", 3) == 0 && (!path[3] || path[3] == '/')) {
		pending_from = pending_read = 0;
		replace_app(RESTORE);
	}
	return real(fd, path, st, flags);
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
	snprintf(snap, sizeof snap, "%s/web.copy", dir);
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

/* The key of build seq as a new handle reads it, or "" when it is absent. */
static const char *build_at(uint64_t seq)
{
	static struct got g;
	struct backend b;
	int rc;

	backend_open(&b);
	memset(&g, 0, sizeof g);
	rc = b.s->get_seq(b.ctx, "web", RELEASE_KIND_BUILD, seq, take, &g);
	if (rc != 0 && rc != RELEASE_ENOTFOUND)
		fail_msg("reading build seq %llu: %d: %s", (unsigned long long)seq, rc, msg(&b));
	backend_close(&b);
	return g.key;
}

static int put_v1(struct backend *b, const char *key, uint64_t seq, const char *data)
{
	return b->s->put(b->ctx, "web", RELEASE_KIND_BUILD, key, seq, data, strlen(data));
}

static int check_build(struct backend *b, const char *key, const char *data)
{
	release_storage_op op = {RELEASE_OP_CHECK, RELEASE_KIND_BUILD, key, 0, data, strlen(data),
				 NULL, 0};

	return b->s->commit(b->ctx, "web", &op, 1, NULL);
}

/* A commit made in a thread of its own, through its own handle: a put of
 * a build, or with check a check of its bytes. */
struct job {
	pthread_t t;
	struct backend b;
	const char *key, *data;
	uint64_t seq;
	int check;
	int rc;
	int done;
	char msg[512];
};

static void *job_run(void *arg)
{
	struct job *j = arg;
	int rc = j->check ? check_build(&j->b, j->key, j->data) :
			    put_build(&j->b, j->key, j->seq, j->data);

	pthread_mutex_lock(&gate_mu);
	j->rc = rc;
	snprintf(j->msg, sizeof j->msg, "%s", msg(&j->b));
	j->done = 1;
	pthread_mutex_unlock(&gate_mu);
	return NULL;
}

static void job_start(struct job *j, const char *key, uint64_t seq, const char *data, int check)
{
	memset(j, 0, sizeof *j);
	j->key = key;
	j->seq = seq;
	j->data = data;
	j->check = check;
	backend_open(&j->b);
	assert_int_equal(pthread_create(&j->t, NULL, job_run, j), 0);
}

static int job_done(struct job *j)
{
	int done;

	pthread_mutex_lock(&gate_mu);
	done = j->done;
	pthread_mutex_unlock(&gate_mu);
	return done;
}

static int job_end(struct job *j)
{
	assert_int_equal(pthread_join(j->t, NULL), 0);
	backend_close(&j->b);
	return j->rc;
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

/* A commit that led the sync of its own run, which the directory's
 * deletion left only in deleted files, is not acknowledged. */
static void a_commit_whose_own_sync_ends_in_a_deleted_directory_fails_with_eio(void **state)
{
	struct backend b;

	(void)state;
	setup();
	start_app();
	backend_open(&b);
	assert_int_equal(put_build(&b, "warm", 2, "w"), 0);

	replace_at_next_sync(DELETE);
	assert_int_equal(put_build(&b, "b1", 3, "one"), RELEASE_EIO);
	assert_non_null(strstr(msg(&b), "deleted or replaced"));
	assert_string_equal(read_build("b1"), "");
	assert_string_equal(read_build("b0"), ""); /* the app went with its directory */

	store_still_works(&b);
	backend_close(&b);
	teardown();
}

/* Two commits wait while another process holds the sync lock; whichever
 * of them then leads makes both runs durable, the other sees it done.
 * The directory deleted during that sync, neither is acknowledged. */
static void commits_made_durable_by_another_handles_sync_in_a_deleted_directory_fail(
	void **state)
{
	struct job one, two;
	struct backend b;
	long size;
	int fd;

	(void)state;
	setup();
	start_app();
	size = log_size();
	fd = open(app_path("lock"), O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	lock_byte(fd, F_WRLCK, 1); /* a sync of another process's, under way */
	job_start(&one, "b1", 2, "one", 0);
	job_start(&two, "b2", 3, "two", 0);
	wait_log_size(size + rec_len("b1", "one") + rec_len("b2", "two"));
	replace_at_next_sync(DELETE);
	lock_byte(fd, F_UNLCK, 1);
	close(fd);

	assert_int_equal(job_end(&one), RELEASE_EIO);
	assert_non_null(strstr(one.msg, "deleted or replaced"));
	assert_int_equal(job_end(&two), RELEASE_EIO);
	assert_non_null(strstr(two.msg, "deleted or replaced"));
	assert_string_equal(read_build("b1"), "");
	assert_string_equal(read_build("b2"), "");

	backend_open(&b);
	store_still_works(&b);
	backend_close(&b);
	teardown();
}

/* A commit that only checks a pending run's bytes waits for that run to be
 * durable; durable only in a directory deleted meanwhile, it confirmed
 * nothing that is there. */
static void a_check_whose_pending_run_ends_in_a_deleted_directory_fails_with_eio(void **state)
{
	struct job put, check;
	struct backend b;

	(void)state;
	setup();
	start_app();
	gate_arm();
	job_start(&put, "b1", 2, "one", 0);
	gate_wait_held(); /* b1 pending, its sync at the gate */
	job_start(&check, "b1", 0, "one", 1);
	sleep_ms(100);
	assert_false(job_done(&check)); /* it waits for b1's run */

	replace_at_next_sync(DELETE); /* the held sync, once done */
	gate_release();
	assert_int_equal(job_end(&put), RELEASE_EIO);
	assert_int_equal(job_end(&check), RELEASE_EIO);
	assert_non_null(strstr(check.msg, "deleted or replaced"));

	backend_open(&b);
	store_still_works(&b);
	backend_close(&b);
	teardown();
}

/* ---------------------------------------------- through the public API */

static release_store *store_open(void)
{
	release_store *st;
	int rc = release_store_open(&st, uri, NULL);

	if (rc != 0)
		fail_msg("opening %s: %d: %s", uri, rc, release_store_errmsg(NULL));
	return st;
}

struct buildjob {
	pthread_t t;
	release_store *st;
	int rc;
};

static void *buildjob_run(void *arg)
{
	struct buildjob *j = arg;

	j->rc = release_build_create(j->st, "web", NULL, NULL);
	return NULL;
}

/* A build is numbered after the newest, which a write's read finds among
 * the pending runs too. Here that read finds one pending (build 4, its
 * sync held), and, before it reads the applied builds, the directory is
 * deleted and a copy restored in its place, where the newest build is 1.
 * The new build follows build 1, not the deleted directory's pending one,
 * which is never acknowledged. */
static void a_writes_read_of_pending_runs_does_not_mix_a_deleted_directory_with_the_new(
	void **state)
{
	struct buildjob held;
	release_store *st;
	release_build *made = NULL;
	long size;

	(void)state;
	setup();
	st = store_open();
	assert_int_equal(release_app_create(st, "web", NULL), 0);
	assert_int_equal(release_build_create(st, "web", NULL, NULL), 0);
	copy_app(snap);
	assert_int_equal(release_build_create(st, "web", NULL, NULL), 0);
	assert_int_equal(release_build_create(st, "web", NULL, NULL), 0);
	size = log_size();

	gate_arm();
	held.st = store_open();
	assert_int_equal(pthread_create(&held.t, NULL, buildjob_run, &held), 0);
	gate_wait_held(); /* build 4 pending */

	pending_from = size;
	assert_int_equal(release_build_create(st, "web", NULL, &made), 0);
	assert_int_equal(pending_from, 0); /* the directory was replaced mid-read */
	assert_string_equal(build_at(2), release_build_id(made));
	assert_string_equal(build_at(5), "");

	gate_release();
	assert_int_equal(pthread_join(held.t, NULL), 0);
	assert_int_equal(held.rc, RELEASE_EIO);
	release_store_close(held.st);
	assert_string_equal(build_at(4), "");
	release_build_free(made);
	release_store_close(st);
	teardown();
}

/* ------------------------------------------------------------- repairs */

/* A read finds an index entry damaged; before it repairs, the directory is
 * deleted and an intact copy restored in its place. The repair is the
 * new directory's (nothing to do), and the read answers from it, rather
 * than failing on a repair of the deleted one. */
static void a_read_repairing_a_directory_replaced_meanwhile_reads_the_new_one(void **state)
{
	struct backend b;
	struct got g;
	int fd;

	(void)state;
	setup();
	start_app();
	copy_app(snap);
	fd = open(app_path("bld.1"), O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\xff\xff\xff\xff", 4, 64 + 20), 4); /* seq 1's checksum */
	close(fd);

	backend_open(&b);
	memset(&g, 0, sizeof g);
	restore_at_index_read = 64; /* seq 1's entry */
	if (b.s->get_seq(b.ctx, "web", RELEASE_KIND_BUILD, 1, take, &g) != 0)
		fail_msg("reading build seq 1: %s", msg(&b));
	assert_int_equal(restore_at_index_read, 0);
	assert_string_equal(g.data, "zero");
	backend_close(&b);
	teardown();
}

struct keys {
	char v[256];
};

static int add_key(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct keys *k = payload;
	size_t used = strlen(k->v);

	(void)seq;
	snprintf(k->v + used, sizeof k->v - used, "%s%s=%.*s", used ? " " : "", key, (int)len,
		 (const char *)data);
	return 0;
}

/* A scan delivers build 3, then finds build 2's index entry damaged; before
 * it repairs, the directory is deleted and a copy restored in its place,
 * made before build 3. Builds of the new directory do not follow on from
 * the deleted one's: the scan fails. */
static void a_scan_that_finds_its_directory_replaced_at_a_repair_does_not_mix_the_two(
	void **state)
{
	struct backend b;
	struct keys k = {""};
	int fd;

	(void)state;
	setup();
	start_app();
	backend_open(&b);
	assert_int_equal(put_build(&b, "b1", 2, "one"), 0);
	copy_app(snap);
	assert_int_equal(put_build(&b, "b2", 3, "two"), 0);
	backend_close(&b);
	fd = open(app_path("bld.1"), O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\xff\xff\xff\xff", 4, 64 + 24 + 20), 4); /* seq 2's */
	close(fd);

	backend_open(&b);
	restore_at_index_read = 64 + 24; /* seq 2's entry, read alone */
	assert_int_equal(b.s->scan(b.ctx, "web", RELEASE_KIND_BUILD, UINT64_MAX, 10, add_key, &k),
			 RELEASE_EIO);
	assert_int_equal(restore_at_index_read, 0);
	assert_non_null(strstr(msg(&b), "deleted or replaced"));
	assert_string_equal(k.v, "b2=two");
	backend_close(&b);
	teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_put_durable_only_in_a_deleted_directory_fails_with_eio),
		cmocka_unit_test(a_commit_whose_own_sync_ends_in_a_deleted_directory_fails_with_eio),
		cmocka_unit_test(
			commits_made_durable_by_another_handles_sync_in_a_deleted_directory_fail),
		cmocka_unit_test(a_check_whose_pending_run_ends_in_a_deleted_directory_fails_with_eio),
		cmocka_unit_test(
			a_writes_read_of_pending_runs_does_not_mix_a_deleted_directory_with_the_new),
		cmocka_unit_test(a_read_repairing_a_directory_replaced_meanwhile_reads_the_new_one),
		cmocka_unit_test(
			a_scan_that_finds_its_directory_replaced_at_a_repair_does_not_mix_the_two),
	};

	if (getenv("DIR_RACE_FILTER"))
		cmocka_set_test_filter(getenv("DIR_RACE_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
