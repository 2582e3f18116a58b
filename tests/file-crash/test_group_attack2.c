/*
 * The file store's group commit under attack, second round: a run durable
 * but not yet applied, reads for a write meeting a run cut under them, a
 * process dying in the middle of a cut, a check outliving a later cut.
 *
 * This program defines fdatasync() and pread64(), which the library
 * reaches through its PLT. fdatasync() follows a short script, one step per
 * call: pass, fail with EIO, stop at a gate (after syncing, or before
 * failing), or end the process there (a crash). pread64() stops once at a
 * gate of its own when a thread armed it and reads an index file.
 */
#include "group_common.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------- fdatasync script */

enum step { PASS, FAIL, HOLD, HOLD_FAIL, DIE };

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static enum step script[8];
static int script_n;
static int gate_waiting; /* a call is stopped at the gate */
static int gate_open;    /* let it return */
static unsigned long real_syncs; /* fdatasyncs that reached the disk */

int fdatasync(int fd)
{
	static int (*real)(int);
	enum step s = PASS;
	int rc;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
	pthread_mutex_lock(&gate_mu);
	if (script_n) {
		s = script[0];
		memmove(script, script + 1, (size_t)--script_n * sizeof script[0]);
	}
	pthread_mutex_unlock(&gate_mu);
	if (s == DIE)
		_exit(0); /* a crash: the process's locks go with it */
	if (s == FAIL) {
		errno = EIO;
		return -1;
	}
	rc = s == HOLD_FAIL ? -1 : real(fd);
	if (rc == 0) {
		pthread_mutex_lock(&gate_mu);
		real_syncs++;
		pthread_mutex_unlock(&gate_mu);
	}
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

static unsigned long synced(void)
{
	unsigned long n;

	pthread_mutex_lock(&gate_mu);
	n = real_syncs;
	pthread_mutex_unlock(&gate_mu);
	return n;
}

/* ---------------------------------------------------------- pread64 gate */

static _Thread_local int read_gate_armed; /* this thread stops at its next index read */
static _Thread_local struct timespec state_gate_after; /* ... or state read after this */
static int read_waiting, read_open;

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

static int past(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);
	int stop = 0;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pread64");
	if (read_gate_armed && off >= 64 && (fd_is(fd, "/rel.") || fd_is(fd, "/bld.")))
		stop = 1;
	if (state_gate_after.tv_sec && past(&state_gate_after) && fd_is(fd, "/state"))
		stop = 1;
	if (stop) {
		read_gate_armed = 0;
		state_gate_after.tv_sec = 0;
		pthread_mutex_lock(&gate_mu);
		read_waiting = 1;
		pthread_cond_broadcast(&gate_cv);
		while (!read_open)
			pthread_cond_wait(&gate_cv, &gate_mu);
		read_waiting = read_open = 0;
		pthread_mutex_unlock(&gate_mu);
	}
	return real(fd, buf, len, off);
}

static void read_gate_wait_held(void)
{
	pthread_mutex_lock(&gate_mu);
	while (!read_waiting)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
}

static void read_gate_release(void)
{
	pthread_mutex_lock(&gate_mu);
	read_open = 1;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

/* ------------------------------------------------------------- the store */

static void setup(void)
{
	assert_int_equal(store_make("attack2"), 0);
}

static void teardown(void)
{
	script_clear();
	store_remove();
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

/* A commit made in a thread of its own, through its own handle; synced_at
 * is the count of syncs that reached the disk when it returned. */
struct job {
	pthread_t t;
	struct backend b;
	const char *key, *data;
	uint64_t seq;
	int rc;
	unsigned long synced_at;
	int done;
};

static void *job_run(void *arg)
{
	struct job *j = arg;

	j->rc = put_build(&j->b, j->key, j->seq, j->data);
	pthread_mutex_lock(&gate_mu);
	j->synced_at = real_syncs;
	j->done = 1;
	pthread_mutex_unlock(&gate_mu);
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

static void start_app(long *size)
{
	struct backend b;

	backend_open(&b);
	assert_int_equal(put_build(&b, "b0", 1, "zero"), 0);
	backend_close(&b);
	*size = log_size();
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
	{
		long base;

		start_app(&base);
	}
	limit_files(&old);
	backend_open(&b);
	put_build(&b, "b1", 40000, "one"); /* durable; its outcome is the next test's */
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
	long base;
	int rc;

	(void)state;
	setup();
	start_app(&base);
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


/* ------------------------------------------------- through the public API */

static release_store *store_open(void)
{
	release_store *st;
	int rc = release_store_open(&st, uri, NULL);

	if (rc != 0)
		fail_msg("opening %s: %d: %s", uri, rc, release_store_errmsg(NULL));
	return st;
}

/* An env change in a thread of its own, through its own store; with
 * gate_scan it stops at its first read of an index entry. */
struct envjob {
	pthread_t t;
	release_store *st;
	const char *pair;
	int gate_scan;
	int rc;
	char msg[512];
};

static void *envjob_run(void *arg)
{
	struct envjob *j = arg;

	read_gate_armed = j->gate_scan;
	j->rc = release_env_set(j->st, "web", &j->pair, 1, NULL);
	read_gate_armed = 0;
	snprintf(j->msg, sizeof j->msg, "%s", release_store_errmsg(j->st));
	return NULL;
}

static void envjob_start(struct envjob *j, const char *pair, int gate_scan)
{
	memset(j, 0, sizeof *j);
	j->pair = pair;
	j->gate_scan = gate_scan;
	j->st = store_open();
	assert_int_equal(pthread_create(&j->t, NULL, envjob_run, j), 0);
}

static int envjob_end(struct envjob *j)
{
	assert_int_equal(pthread_join(j->t, NULL), 0);
	release_store_close(j->st);
	return j->rc;
}

/* An env change reads the newest release seeing the pending runs: here it
 * finds one pending (release 2), then, while it scans the applied ones,
 * that run's sync fails and it is cut off. The change must build on what
 * is there (release 1), or fail as a conflict would; the store is not
 * damaged, and must not be reported so. */
static void a_write_whose_pending_base_is_cut_during_its_read_is_not_told_of_damage(void **state)
{
	struct envjob first, second;
	release_store *st;
	const char *pair = "A=0";

	(void)state;
	setup();
	st = store_open();
	assert_int_equal(release_app_create(st, "web", NULL), 0);
	assert_int_equal(release_env_set(st, "web", &pair, 1, NULL), 0);
	release_store_close(st);

	script_add(HOLD_FAIL);
	envjob_start(&first, "A=1", 0);
	gate_wait_held(); /* release 2 pending, its sync about to fail */

	envjob_start(&second, "B=2", 1);
	read_gate_wait_held(); /* it has read release 2 pending */
	gate_release();
	assert_int_equal(envjob_end(&first), RELEASE_EIO); /* cut off */
	read_gate_release();
	envjob_end(&second);
	if (second.rc == RELEASE_ECORRUPT)
		fail_msg("a sound store reported damaged: %s", second.msg);
	teardown();
}

/* ------------------------------------------------ a process dying mid-cut */

/* A leader has noted the count of cuts and the log's length and syncs;
 * another process's sync fails, it cuts the pending runs off and dies
 * before the cut is counted in the state; a third commit appends a
 * shorter run where the cut ones were. The leader must not take that run,
 * written after its sync began, for one its sync covered: the third commit
 * is acknowledged only after a sync that began once its run was there. */
static void a_cut_whose_process_died_before_counting_it_lets_no_unsynced_run_through(void **state)
{
	struct job first, third;
	long base;
	unsigned long before;
	pid_t pid;
	int status, done = 0, unsynced;

	(void)state;
	setup();
	start_app(&base);

	script_add(HOLD);
	job_start(&first, "b1", 2, "one");
	gate_wait_held();

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct backend w;

		script_n = 0;
		script[script_n++] = FAIL; /* the pending run's sync */
		script[script_n++] = DIE;  /* the cut's sync: the state never says */
		backend_open(&w);
		w.s->put(w.ctx, "web", RELEASE_KIND_BUILD, "b9", 9, "w", 1);
		_exit(3); /* the script was not followed */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(log_size(), base); /* cut, then died */

	job_start(&third, "b2", 2, "n");
	wait_log_size(base + rec_len("b2", "n"));
	before = synced();
	script_add(HOLD_FAIL); /* the next sync reaches nothing */

	gate_release();
	for (int i = 0; i < 2000 && !done; i++) {
		pthread_mutex_lock(&gate_mu);
		done = third.done;
		pthread_mutex_unlock(&gate_mu);
		if (!done)
			sleep_ms(1);
	}
	if (!done) {
		gate_wait_held();
		gate_release();
	}
	unsynced = job_end(&third) == 0 && third.synced_at <= before;
	if (done) {
		gate_wait_held();
		gate_release();
	}
	job_end(&first);
	teardown();
	if (unsynced)
		fail_msg("build b2 acknowledged with no sync after its run was written");
}

/* ------------------------------------------- a check, and a cut after it */

struct checkjob {
	pthread_t t;
	struct backend b;
	int rc;
};

static void *checkjob_run(void *arg)
{
	struct checkjob *j = arg;
	release_storage_op op = {RELEASE_OP_CHECK, RELEASE_KIND_BUILD, "b1", 0, "one", 3, NULL, 0};

	/* Its looks at the state while it waits stop once, 200 ms on. */
	clock_gettime(CLOCK_MONOTONIC, &state_gate_after);
	state_gate_after.tv_nsec += 200000000L;
	if (state_gate_after.tv_nsec >= 1000000000L) {
		state_gate_after.tv_sec++;
		state_gate_after.tv_nsec -= 1000000000L;
	}
	j->rc = j->b.s->commit(j->b.ctx, "web", &op, 1, NULL);
	state_gate_after.tv_sec = 0;
	return NULL;
}

/* A commit that only checks bytes of a pending run waits for that run; once
 * the run is durable and applied, the check holds, whatever is cut off
 * later: here another commit's sync fails (its run is cut) before the
 * checking commit looks at the state again. */
static void a_check_whose_pending_run_became_durable_is_not_failed_by_a_later_cut(void **state)
{
	struct job first;
	struct checkjob check;
	struct backend w;
	long base;

	(void)state;
	setup();
	start_app(&base);

	script_add(HOLD);
	job_start(&first, "b1", 2, "one");
	gate_wait_held();

	memset(&check, 0, sizeof check);
	backend_open(&check.b);
	assert_int_equal(pthread_create(&check.t, NULL, checkjob_run, &check), 0);
	read_gate_wait_held(); /* waiting for b1's run, between two looks */

	gate_release();
	assert_int_equal(job_end(&first), 0); /* b1 durable and applied */

	script_add(FAIL);
	backend_open(&w);
	assert_int_equal(put_build(&w, "b3", 3, "three"), RELEASE_EIO); /* cut off */
	backend_close(&w);

	read_gate_release();
	assert_int_equal(pthread_join(check.t, NULL), 0);
	backend_close(&check.b);
	assert_int_equal(check.rc, 0);
	teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_read_does_not_report_absent_a_durable_run_it_cannot_apply),
		cmocka_unit_test(a_commit_durable_but_not_yet_applied_is_not_failed),
		cmocka_unit_test(a_write_whose_pending_base_is_cut_during_its_read_is_not_told_of_damage),
		cmocka_unit_test(a_cut_whose_process_died_before_counting_it_lets_no_unsynced_run_through),
		cmocka_unit_test(a_check_whose_pending_run_became_durable_is_not_failed_by_a_later_cut),
	};

	if (getenv("RELEASE_TEST_FILTER"))
		cmocka_set_test_filter(getenv("RELEASE_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
