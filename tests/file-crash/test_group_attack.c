/*
 * The file store's group commit under attack: moments at which the log
 * shrinks or a sync fails while another commit's sync is running, a
 * writer dead in the middle of an append, a commit whose sync succeeded
 * but whose records could not be applied yet. Through the raw backend
 * (release_storage_open("file:DIR")), with handles of one process.
 *
 * This program defines fdatasync(), which the library reaches through its
 * PLT: the definition counts the calls and follows a short script, one
 * step per call: pass, fail with EIO, or sync and then stop at a gate
 * until the test lets it return. It also defines ftruncate(), which can
 * stop once at a gate of its own.
 */
#include "group_common.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------- fdatasync script */

enum step { PASS, FAIL, HOLD, HOLD_FAIL };

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static enum step script[8];
static int script_n;
static int gate_waiting; /* a call is stopped at the gate */
static int gate_open;    /* let it return */
static unsigned long syncs;

/* A sync began while the log held, at watch_off, the record of key
 * watch_key: it covers that record. */
static long watch_off;
static const char *watch_key;
static int watch_seen;

static void note_sync(int fd)
{
	unsigned char b[64];
	size_t klen = watch_key ? strlen(watch_key) : 0;

	if (!watch_key || pread(fd, b, 24 + klen, watch_off) != (ssize_t)(24 + klen))
		return;
	if (memcmp(b, "LRRK", 4) == 0 && b[10] == klen && memcmp(b + 24, watch_key, klen) == 0) {
		pthread_mutex_lock(&gate_mu);
		watch_seen = 1;
		pthread_mutex_unlock(&gate_mu);
	}
}

int fdatasync(int fd)
{
	static int (*real)(int);
	enum step s = PASS;
	int rc;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
	pthread_mutex_lock(&gate_mu);
	syncs++;
	if (script_n) {
		s = script[0];
		memmove(script, script + 1, (size_t)--script_n * sizeof script[0]);
	}
	pthread_mutex_unlock(&gate_mu);
	if (s == FAIL) {
		errno = EIO;
		return -1;
	}
	/* HOLD syncs before the gate: whatever is written while it is held
	 * there is not covered by it. HOLD_FAIL stops first, then fails. */
	note_sync(fd);
	rc = s == HOLD_FAIL ? -1 : real(fd);
	if (s == HOLD || s == HOLD_FAIL) {
		pthread_mutex_lock(&gate_mu);
		gate_waiting = 1;
		pthread_cond_broadcast(&gate_cv);
		while (!gate_open)
			pthread_cond_wait(&gate_cv, &gate_mu);
		gate_waiting = gate_open = 0;
		pthread_mutex_unlock(&gate_mu);
	}
	if (s == HOLD_FAIL)
		errno = EIO;
	return rc;
}

/* With hide_boot_id the machine has no boot id to read (no /proc): the
 * library then gives every handle one of its own. */
static int hide_boot_id;

int open64(const char *path, int flags, ...)
{
	static int (*real)(const char *, int, ...);
	mode_t mode = 0;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "open64");
	if (flags & O_CREAT) {
		va_list ap;

		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (hide_boot_id && strcmp(path, "/proc/sys/kernel/random/boot_id") == 0) {
		errno = ENOENT;
		return -1;
	}
	return real(path, flags, mode);
}

/* ftruncate() stops at a gate of its own once armed: a cut counted and not
 * yet made. */
static int cut_armed, cut_waiting, cut_open;

/* (With 64-bit file offsets, as the library is built, this is the
 * symbol ftruncate64.) */
int ftruncate(int fd, off_t len)
{
	static int (*real)(int, off_t);
	int stop;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "ftruncate64");
	pthread_mutex_lock(&gate_mu);
	stop = cut_armed;
	cut_armed = 0;
	if (stop) {
		cut_waiting = 1;
		pthread_cond_broadcast(&gate_cv);
		while (!cut_open)
			pthread_cond_wait(&gate_cv, &gate_mu);
		cut_waiting = cut_open = 0;
	}
	pthread_mutex_unlock(&gate_mu);
	return real(fd, len);
}

static void script_add(enum step s)
{
	pthread_mutex_lock(&gate_mu);
	script[script_n++] = s;
	pthread_mutex_unlock(&gate_mu);
}

static void script_clear(void)
{
	pthread_mutex_lock(&gate_mu);
	script_n = 0;
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

static unsigned long sync_count(void)
{
	unsigned long n;

	pthread_mutex_lock(&gate_mu);
	n = syncs;
	pthread_mutex_unlock(&gate_mu);
	return n;
}

/* ------------------------------------------------------------- the store */

static int setup(void **state)
{
	(void)state;
	return store_make("attack");
}

static int teardown(void **state)
{
	(void)state;
	script_clear();
	hide_boot_id = 0;
	store_remove();
	return 0;
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
		fail_msg("reading build %s: %d: %s", key, rc, b.s->errmsg(b.ctx));
	backend_close(&b);
	return g.data;
}

/* A commit made in a thread of its own, through its own handle. */
struct job {
	pthread_t t;
	struct backend b;
	const char *key, *data;
	uint64_t seq;
	int rc;
};

static void *job_run(void *arg)
{
	struct job *j = arg;

	j->rc = put_build(&j->b, j->key, j->seq, j->data);
	return NULL;
}

static void job_start(struct job *j, const char *key, uint64_t seq, const char *data)
{
	memset(j, 0, sizeof *j);
	j->key = key;
	j->seq = seq;
	j->data = data;
	backend_open(&j->b);
	assert_int_equal(pthread_create(&j->t, NULL, job_run, j), 0);
}

static int job_end(struct job *j)
{
	assert_int_equal(pthread_join(j->t, NULL), 0);
	backend_close(&j->b);
	return j->rc;
}

/* The app with build b0 (seq 1) in it: *size gets its log's length. */
static void start_app(long *size)
{
	struct backend b;

	backend_open(&b);
	assert_int_equal(put_build(&b, "b0", 1, "zero"), 0);
	backend_close(&b);
	*size = log_size();
}

/* ----------------------------------------------------------------- tests */

/* A commit acknowledged is durable: some fdatasync began after its run was
 * written. Here a writer died in the middle of an append (a torn record at
 * the end of the log) while the commit before it waited for the sync lock;
 * that commit's leader notes the log's length with the torn bytes in it and
 * syncs; meanwhile a third commit cuts the torn tail off and appends its own
 * shorter run in its place. The leader must not take that run for one its
 * sync covered. */
static void a_run_appended_where_a_torn_tail_was_cut_is_not_acknowledged_unsynced(void **state)
{
	struct job first, third;
	long base, torn_at, after;
	unsigned char torn[224];
	unsigned long before;
	int lockfd, logfd;

	setup(state);
	start_app(&base);
	lockfd = open(app_path("lock"), O_RDWR | O_CLOEXEC);
	assert_true(lockfd >= 0);

	/* A leader of another process is syncing: commits queue behind it. */
	lock_byte(lockfd, F_WRLCK, 1);
	job_start(&first, "b1", 2, "one");
	torn_at = base + rec_len("b1", "one");
	wait_log_size(torn_at);

	/* A writer appends, and dies 224 bytes into a longer record. */
	lock_byte(lockfd, F_WRLCK, 0);
	memset(torn, 0, sizeof torn);
	torn[0] = 'L';
	torn[1] = 'R';
	torn[2] = 'R';
	torn[3] = 'K';
	torn[8] = 1;    /* put */
	torn[9] = 2;    /* build */
	torn[10] = 2;   /* key length */
	torn[13] = 4;   /* 1024 bytes of data */
	torn[16] = 9;   /* seq */
	torn[24] = 'b';
	torn[25] = '9';
	logfd = open(app_path("log.1"), O_WRONLY | O_CLOEXEC);
	assert_true(logfd >= 0);
	assert_int_equal(pwrite(logfd, torn, sizeof torn, torn_at), (ssize_t)sizeof torn);
	close(logfd);
	lock_byte(lockfd, F_UNLCK, 0);

	/* The first commit leads: notes the length, syncs, and stops. */
	script_add(HOLD);
	lock_byte(lockfd, F_UNLCK, 1);
	gate_wait_held();

	/* A third commit cuts the torn tail and appends in its place. */
	job_start(&third, "b2", 3, "n");
	after = torn_at + rec_len("b2", "n");
	wait_log_size(after);
	before = sync_count();

	gate_release();
	assert_int_equal(job_end(&first), 0);
	if (job_end(&third) == 0)
		assert_true(sync_count() > before); /* else its run was never synced */
	close(lockfd);
	teardown(state);
}

/* The same with the log cut by a failed sync: a single-record put finds a
 * run pending while a group's sync is running, and its own sync of it
 * fails, so it cuts the pending runs off; a commit then appends where they
 * were. The group's leader must not apply that commit's run, written after
 * its sync, as covered. */
static void a_run_appended_after_a_cut_during_a_sync_is_not_acknowledged_unsynced(void **state)
{
	struct job first, third;
	struct backend w;
	long base;
	unsigned long before;

	setup(state);
	start_app(&base);

	script_add(HOLD);
	job_start(&first, "b1", 2, "one");
	gate_wait_held();

	/* A single-record put: its sync of the pending run fails. */
	script_add(FAIL);
	backend_open(&w);
	assert_int_equal(w.s->put(w.ctx, "web", RELEASE_KIND_BUILD, "b9", 9, "w", 1), RELEASE_EIO);
	backend_close(&w);
	assert_int_equal(log_size(), base);

	job_start(&third, "b2", 3, "n");
	wait_log_size(base + rec_len("b2", "n"));
	before = sync_count();

	gate_release();
	assert_int_equal(job_end(&first), RELEASE_EIO); /* its run was cut off */
	if (job_end(&third) == 0)
		assert_true(sync_count() > before); /* else its run was never synced */
	teardown(state);
}

/* A commit whose sync succeeded but whose records could not be applied yet
 * (here the index file cannot grow) is acknowledged: its run is durable
 * past indexed_len, for the next call to apply. A later commit whose sync
 * fails must not cut it off with the unacknowledged runs. */
static void an_acknowledged_run_not_yet_applied_survives_a_failed_sync(void **state)
{
	struct rlimit old, lim;
	struct backend b;
	long base;
	int rc;

	setup(state);
	start_app(&base);

	/* Build seq 40000 needs 960 kB of index; the log stays small. */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 256 * 1024;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);

	backend_open(&b);
	rc = put_build(&b, "b1", 40000, "one");
	if (rc != 0) {
		/* Not acknowledged: nothing to lose. */
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
		backend_close(&b);
		teardown(state);
		return;
	}
	/* The next commit's sync fails. */
	script_add(FAIL);
	assert_int_equal(put_build(&b, "b2", 3, "two"), RELEASE_EIO);
	backend_close(&b);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);

	assert_string_equal(read_build("b1"), "one");
	teardown(state);
}

/* As above, with the failed sync's cut made while the leader's own sync
 * runs, and the leader then failing to apply what it took for covered: its
 * commit was cut off, and must not be acknowledged. */
static void a_leader_whose_run_was_cut_during_its_sync_is_not_acknowledged(void **state)
{
	struct job first, third;
	struct rlimit old, lim;
	struct backend w;
	long base;
	int first_rc;

	setup(state);
	start_app(&base);

	script_add(HOLD);
	job_start(&first, "b1", 2, "one");
	gate_wait_held();

	script_add(FAIL);
	backend_open(&w);
	assert_int_equal(w.s->put(w.ctx, "web", RELEASE_KIND_BUILD, "b9", 9, "w", 1), RELEASE_EIO);
	backend_close(&w);

	/* A commit whose records the index cannot take yet (seq 40000 needs
	 * 960 kB of it) appends where the cut run was. */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 256 * 1024;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	job_start(&third, "b2", 40000, "n");
	wait_log_size(base + rec_len("b2", "n"));

	gate_release();
	first_rc = job_end(&first);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	job_end(&third);
	if (first_rc == 0)
		assert_string_equal(read_build("b1"), "one");
	teardown(state);
}

/* On a machine without a boot id every handle counts as a new boot and
 * replays the log: a reader must still not apply a pending run before it
 * is synced, and a commit whose sync fails must fail. */
static void without_a_boot_id_a_pending_run_is_not_read_before_its_sync(void **state)
{
	struct job first;
	long base;

	setup(state);
	hide_boot_id = 1;
	start_app(&base);

	script_add(HOLD_FAIL);
	job_start(&first, "b1", 2, "one");
	gate_wait_held();
	assert_string_equal(read_build("b1"), ""); /* nothing is synced yet */

	gate_release();
	assert_int_equal(job_end(&first), RELEASE_EIO);
	assert_string_equal(read_build("b1"), "");
	teardown(state);
}

/* Whether a sync is stopped at the gate within ms milliseconds. */
static int gate_held_within(long ms)
{
	int held = 0;

	for (long i = 0; i < ms && !held; i++) {
		pthread_mutex_lock(&gate_mu);
		held = gate_waiting;
		pthread_mutex_unlock(&gate_mu);
		if (!held)
			sleep_ms(1);
	}
	return held;
}

/* A cut is counted in the state before the log is truncated. A leader that
 * read the new count, then the log's length before the truncate, must not
 * take a run appended after the truncate for one its sync covered: it
 * takes the length and the count together, under the append lock, which
 * the cut holds from its count to its truncate. */
static void a_leader_never_measures_the_log_between_a_cuts_count_and_its_truncate(void **state)
{
	struct job first, third;
	long base, torn_at, after;
	unsigned char torn[224];
	int lockfd, logfd, held;

	setup(state);
	start_app(&base);
	lockfd = open(app_path("lock"), O_RDWR | O_CLOEXEC);
	assert_true(lockfd >= 0);

	/* Another process leads a sync: the first commit waits. */
	lock_byte(lockfd, F_WRLCK, 1);
	job_start(&first, "b1", 2, "one");
	torn_at = base + rec_len("b1", "one");
	wait_log_size(torn_at);

	/* A writer dies 224 bytes into a longer record. */
	lock_byte(lockfd, F_WRLCK, 0);
	memset(torn, 0, sizeof torn);
	memcpy(torn, "LRRK", 4);
	torn[8] = 1;  /* put */
	torn[9] = 2;  /* build */
	torn[10] = 2; /* key length */
	torn[13] = 4; /* 1024 bytes of data */
	torn[16] = 9; /* seq */
	torn[24] = 'b';
	torn[25] = '9';
	logfd = open(app_path("log.1"), O_WRONLY | O_CLOEXEC);
	assert_true(logfd >= 0);
	assert_int_equal(pwrite(logfd, torn, sizeof torn, torn_at), (ssize_t)sizeof torn);
	close(logfd);
	lock_byte(lockfd, F_UNLCK, 0);

	/* A third commit cuts the torn tail: counted, then stopped before
	 * the truncate, holding the append lock. */
	pthread_mutex_lock(&gate_mu);
	cut_armed = 1;
	pthread_mutex_unlock(&gate_mu);
	job_start(&third, "b2", 3, "n");
	pthread_mutex_lock(&gate_mu);
	while (!cut_waiting)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);

	/* The first commit sees the new count and may lead: its sync stops
	 * at the gate, if it gets that far before the cut is made (it must
	 * not: it waits for the append lock the cut holds). */
	pthread_mutex_lock(&gate_mu);
	watch_off = torn_at;
	watch_key = "b2";
	watch_seen = 0;
	pthread_mutex_unlock(&gate_mu);
	script_add(HOLD);
	lock_byte(lockfd, F_UNLCK, 1);
	held = gate_held_within(300);
	if (!held)
		script_clear();

	/* The cut is made and the third commit appends in the torn bytes. */
	pthread_mutex_lock(&gate_mu);
	cut_open = 1;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
	after = torn_at + rec_len("b2", "n");
	wait_log_size(after);
	if (held)
		gate_release();
	assert_int_equal(job_end(&first), 0);
	if (job_end(&third) == 0)
		assert_true(watch_seen); /* else no sync began with its run there */
	pthread_mutex_lock(&gate_mu);
	watch_key = NULL;
	pthread_mutex_unlock(&gate_mu);
	close(lockfd);
	teardown(state);
}

static void *check_run(void *arg)
{
	struct job *j = arg;
	release_storage_op op = {RELEASE_OP_CHECK, RELEASE_KIND_BUILD, j->key, 0, j->data,
				 strlen(j->data), NULL, 0};

	j->rc = j->b.s->commit(j->b.ctx, "web", &op, 1, NULL);
	return NULL;
}

/* A commit that only checks a record (it writes nothing) must not confirm
 * bytes that exist only in a pending run: that run's sync may still fail,
 * and then the bytes it confirmed were never there. */
static void a_check_does_not_confirm_bytes_of_a_run_whose_sync_then_fails(void **state)
{
	struct job first, check;
	long base;

	setup(state);
	start_app(&base);

	script_add(HOLD_FAIL);
	job_start(&first, "b1", 2, "one");
	gate_wait_held();

	memset(&check, 0, sizeof check);
	check.key = "b1";
	check.data = "one";
	backend_open(&check.b);
	assert_int_equal(pthread_create(&check.t, NULL, check_run, &check), 0);
	sleep_ms(200);

	gate_release();
	assert_int_equal(job_end(&first), RELEASE_EIO);
	assert_int_not_equal(job_end(&check), 0);
	assert_string_equal(read_build("b1"), "");
	teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_run_appended_where_a_torn_tail_was_cut_is_not_acknowledged_unsynced),
		cmocka_unit_test(a_run_appended_after_a_cut_during_a_sync_is_not_acknowledged_unsynced),
		cmocka_unit_test(an_acknowledged_run_not_yet_applied_survives_a_failed_sync),
		cmocka_unit_test(a_leader_whose_run_was_cut_during_its_sync_is_not_acknowledged),
		cmocka_unit_test(without_a_boot_id_a_pending_run_is_not_read_before_its_sync),
		cmocka_unit_test(a_check_does_not_confirm_bytes_of_a_run_whose_sync_then_fails),
		cmocka_unit_test(a_leader_never_measures_the_log_between_a_cuts_count_and_its_truncate),
	};

	/* RELEASE_TEST_FILTER runs only the tests whose names match it. */
	if (getenv("RELEASE_TEST_FILTER"))
		cmocka_set_test_filter(getenv("RELEASE_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
