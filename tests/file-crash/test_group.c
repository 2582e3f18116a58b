/*
 * The file store's group commit (storage version 2), through the raw
 * backend (release_storage_open("file:DIR")) and handles of one process:
 *
 * - a commit whose run is appended but not yet synced is invisible to
 *   readers, and later commits plan on top of it (a put of its key
 *   conflicts, a compare-and-swap against its bytes succeeds);
 * - one fdatasync makes every run appended before it durable: commits of
 *   several threads share syncs;
 * - a failed sync cuts every pending run off: each waiting commit fails,
 *   none of them is ever read back, and the next commit succeeds;
 * - a commit that conflicts with a pending run returns only once that run
 *   is applied, so that a read after it sees what it conflicted with;
 * - through the public API: an env change is drafted on a pending release
 *   (so writers of one app share syncs too), is acknowledged only with it
 *   and fails with it; one that finds nothing to change in a pending
 *   release waits for it; listing never shows a pending release; a run
 *   left pending by a killed writer is made visible by the next read.
 *
 * This program defines fdatasync(), which the library reaches through its
 * PLT: the definition counts the calls and can hold the next one at a gate
 * or fail it, so that a run stays pending as long as a test needs.
 */
#include "group_common.h"

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------- fdatasync gate */

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_pipe = -1; /* told (one byte) when a sync stops at the gate */
static int gate_armed;   /* the next fdatasync stops at the gate */
static int gate_waiting; /* one is stopped there */
static int gate_open;    /* let it through */
static int gate_fail;    /* ... failing with EIO */
static unsigned long syncs;
static long sync_delay_us; /* every fdatasync takes at least this long */

int fdatasync(int fd)
{
	static int (*real)(int);
	int fail = 0;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
	pthread_mutex_lock(&gate_mu);
	syncs++;
	if (gate_armed) {
		gate_armed = 0;
		gate_waiting = 1;
		pthread_cond_broadcast(&gate_cv);
		if (gate_pipe >= 0 && write(gate_pipe, "s", 1) != 1)
			abort();
		while (!gate_open)
			pthread_cond_wait(&gate_cv, &gate_mu);
		gate_waiting = 0;
		gate_open = 0;
		fail = gate_fail;
		gate_fail = 0;
	}
	pthread_mutex_unlock(&gate_mu);
	if (sync_delay_us)
		usleep((useconds_t)sync_delay_us);
	if (fail) {
		errno = EIO;
		return -1;
	}
	return real(fd);
}

static void gate_arm(void)
{
	pthread_mutex_lock(&gate_mu);
	gate_armed = 1;
	pthread_mutex_unlock(&gate_mu);
}

/* Waits until an fdatasync is stopped at the gate. */
static void gate_wait_held(void)
{
	pthread_mutex_lock(&gate_mu);
	while (!gate_waiting)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
}

static void gate_release(int fail)
{
	pthread_mutex_lock(&gate_mu);
	gate_open = 1;
	gate_fail = fail;
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

static const char *msg(const struct backend *b)
{
	const char *m = b->s->errmsg ? b->s->errmsg(b->ctx) : NULL;

	return m ? m : "(no message)";
}

static int setup(void **state)
{
	(void)state;
	return store_make("group");
}

static int teardown(void **state)
{
	(void)state;
	store_remove();
	return 0;
}

static int cas_build(struct backend *b, const char *key, const char *old, const char *data)
{
	release_storage_op op = {RELEASE_OP_CAS, RELEASE_KIND_BUILD, key, 0, old, strlen(old), data,
				 strlen(data)};

	return b->s->commit(b->ctx, "web", &op, 1, NULL);
}

struct got {
	char data[64];
	uint64_t seq;
};

static int take(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct got *g = payload;

	(void)key;
	g->seq = seq;
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

/* A commit made in a thread of its own, through its own handle. */
struct job {
	pthread_t t;
	struct backend b;
	const char *key, *old, *data;
	uint64_t seq;
	int rc;
	int done;
	pthread_mutex_t mu;
};

static void *job_run(void *arg)
{
	struct job *j = arg;
	int rc = j->old ? cas_build(&j->b, j->key, j->old, j->data) :
			  put_build(&j->b, j->key, j->seq, j->data);

	pthread_mutex_lock(&j->mu);
	j->rc = rc;
	j->done = 1;
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

static void job_start(struct job *j, const char *key, uint64_t seq, const char *old,
		      const char *data)
{
	memset(j, 0, sizeof *j);
	pthread_mutex_init(&j->mu, NULL);
	j->key = key;
	j->seq = seq;
	j->old = old;
	j->data = data;
	backend_open(&j->b);
	assert_int_equal(pthread_create(&j->t, NULL, job_run, j), 0);
}

static int job_done(struct job *j)
{
	int done;

	pthread_mutex_lock(&j->mu);
	done = j->done;
	pthread_mutex_unlock(&j->mu);
	return done;
}

static int job_end(struct job *j)
{
	assert_int_equal(pthread_join(j->t, NULL), 0);
	backend_close(&j->b);
	pthread_mutex_destroy(&j->mu);
	return j->rc;
}

/* Starts a commit of build b1 whose sync stops at the gate: its run is
 * pending until the gate is released. */
static void start_pending(struct job *first)
{
	struct backend b;

	/* The app exists first, so that the job's commit is its only write. */
	backend_open(&b);
	assert_int_equal(put_build(&b, "b0", 1, "zero"), 0);
	backend_close(&b);
	gate_arm();
	job_start(first, "b1", 2, NULL, "one");
	gate_wait_held();
}

/* ----------------------------------------------------------------- tests */

/* A run appended but not synced is invisible to readers; a later commit
 * plans on top of it, and is acknowledged only with it. */
static void a_commit_plans_on_a_pending_run_that_readers_do_not_see(void **state)
{
	struct job first, second;

	setup(state);
	start_pending(&first);
	assert_string_equal(read_build("b1"), "");

	job_start(&second, "b1", 0, "one", "two"); /* its bytes are the pending run's */
	sleep_ms(100);
	assert_false(job_done(&second)); /* not acknowledged before the run it builds on */
	assert_string_equal(read_build("b1"), "");

	gate_release(0);
	assert_int_equal(job_end(&first), 0);
	assert_int_equal(job_end(&second), 0);
	assert_string_equal(read_build("b1"), "two");
	teardown(state);
}

/* A put that conflicts with a pending run (its key is taken there) returns
 * once that run is applied: a read after it sees what it conflicted with. */
static void a_conflict_with_a_pending_run_waits_for_it(void **state)
{
	struct job first, second;

	setup(state);
	start_pending(&first);
	job_start(&second, "b1", 3, NULL, "other");
	sleep_ms(100);
	assert_false(job_done(&second));

	gate_release(0);
	assert_int_equal(job_end(&second), RELEASE_ECONFLICT);
	assert_string_equal(read_build("b1"), "one");
	assert_int_equal(job_end(&first), 0);
	teardown(state);
}

/* A failed sync fails every commit pending with it, and none of them is
 * read back afterwards (the page cache may hold what the disk lost). */
static void a_failed_sync_cuts_off_every_pending_run(void **state)
{
	struct backend b;
	struct job first, second, third;

	setup(state);
	start_pending(&first);
	job_start(&second, "b1", 0, "one", "two");
	job_start(&third, "b3", 3, NULL, "three");
	sleep_ms(100);

	gate_release(1);
	assert_int_equal(job_end(&first), RELEASE_EIO);
	assert_int_equal(job_end(&second), RELEASE_EIO);
	assert_int_equal(job_end(&third), RELEASE_EIO);
	assert_string_equal(read_build("b1"), "");
	assert_string_equal(read_build("b3"), "");
	assert_string_equal(read_build("b0"), "zero");

	backend_open(&b);
	assert_int_equal(put_build(&b, "b1", 2, "again"), 0);
	backend_close(&b);
	assert_string_equal(read_build("b1"), "again");
	teardown(state);
}

/* A sync that fails after other commits appended behind it cuts theirs too,
 * and a reader that comes before the cut never applies them. */
static void a_read_while_a_sync_fails_never_applies_the_pending_runs(void **state)
{
	struct job first;

	setup(state);
	start_pending(&first);
	/* The leader holds the sync lock: the read leaves the run pending. */
	assert_string_equal(read_build("b1"), "");
	gate_release(1);
	assert_int_equal(job_end(&first), RELEASE_EIO);
	assert_string_equal(read_build("b1"), "");
	teardown(state);
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

/* An env change made in a thread of its own, through its own store. */
struct envjob {
	pthread_t t;
	release_store *st;
	const char *pair;
	int rc;
	uint64_t version;
	int done;
	pthread_mutex_t mu;
};

static void *envjob_run(void *arg)
{
	struct envjob *j = arg;
	release *r = NULL;
	int rc = release_env_set(j->st, "web", &j->pair, 1, &r);

	pthread_mutex_lock(&j->mu);
	j->rc = rc;
	j->version = r ? release_version(r) : 0;
	j->done = 1;
	pthread_mutex_unlock(&j->mu);
	release_free(r);
	return NULL;
}

static void envjob_start(struct envjob *j, const char *pair)
{
	memset(j, 0, sizeof *j);
	pthread_mutex_init(&j->mu, NULL);
	j->pair = pair;
	j->st = store_open();
	assert_int_equal(pthread_create(&j->t, NULL, envjob_run, j), 0);
}

static int envjob_done(struct envjob *j)
{
	int done;

	pthread_mutex_lock(&j->mu);
	done = j->done;
	pthread_mutex_unlock(&j->mu);
	return done;
}

static int envjob_end(struct envjob *j)
{
	assert_int_equal(pthread_join(j->t, NULL), 0);
	release_store_close(j->st);
	pthread_mutex_destroy(&j->mu);
	return j->rc;
}

/* The versions and the value of key of the app's releases, newest first,
 * as a new store reads them: "3:B=2 2:A=1". */
static const char *history(const char *key)
{
	static char out[512];
	release_store *st = store_open();
	release_iter *it;
	const release *r;
	size_t used = 0;

	out[0] = '\0';
	assert_int_equal(release_list(st, "web", NULL, &it), 0);
	while (release_iter_next(it, &r) == 0) {
		const char *v = release_env_get(r, key);

		used += (size_t)snprintf(out + used, sizeof out - used, "%s%llu:%s", used ? " " : "",
					 (unsigned long long)release_version(r), v ? v : "-");
	}
	release_iter_free(it);
	release_store_close(st);
	return out;
}

/* An app with one release (A=0), then an env change A=1 whose sync stops
 * at the gate. */
static void start_pending_env(struct envjob *first)
{
	release_store *st = store_open();
	const char *pair = "A=0";

	assert_int_equal(release_app_create(st, "web", NULL), 0);
	assert_int_equal(release_env_set(st, "web", &pair, 1, NULL), 0);
	release_store_close(st);
	gate_arm();
	envjob_start(first, "A=1");
	gate_wait_held();
}

/* A second writer drafts its release on the pending one (it keeps A=1),
 * and is acknowledged only with it; nobody lists either before. */
static void an_env_change_builds_on_a_pending_release_and_waits_for_it(void **state)
{
	struct envjob first, second;

	setup(state);
	start_pending_env(&first);
	envjob_start(&second, "B=2");
	sleep_ms(100);
	assert_false(envjob_done(&second));
	assert_string_equal(history("A"), "1:0"); /* a listing sees neither */

	gate_release(0);
	assert_int_equal(envjob_end(&first), 0);
	assert_int_equal(envjob_end(&second), 0);
	assert_int_equal(second.version, 3);
	assert_string_equal(history("A"), "3:1 2:1 1:0");
	assert_string_equal(history("B"), "3:2 2:- 1:-");
	teardown(state);
}

/* When the sync fails, the change built on the pending release fails too:
 * nothing of either is ever read. */
static void an_env_change_built_on_a_pending_release_fails_with_it(void **state)
{
	struct envjob first, second;
	release_store *st;
	const char *pair = "C=3";

	setup(state);
	start_pending_env(&first);
	envjob_start(&second, "B=2");
	sleep_ms(100);

	gate_release(1);
	assert_int_equal(envjob_end(&first), RELEASE_EIO);
	assert_int_equal(envjob_end(&second), RELEASE_EIO);
	assert_string_equal(history("A"), "1:0");
	st = store_open();
	assert_int_equal(release_env_set(st, "web", &pair, 1, NULL), 0);
	release_store_close(st);
	assert_string_equal(history("A"), "2:0 1:0"); /* on the last durable one */
	teardown(state);
}

/* A change that finds nothing to do in a pending release is acknowledged
 * only once that release is durable, and fails if it is cut off. */
static void an_env_change_with_nothing_to_do_waits_for_the_pending_release(void **state)
{
	struct envjob first, second;

	setup(state);
	start_pending_env(&first);
	envjob_start(&second, "A=1");
	sleep_ms(100);
	assert_false(envjob_done(&second));

	gate_release(1);
	assert_int_equal(envjob_end(&first), RELEASE_EIO);
	assert_int_equal(envjob_end(&second), RELEASE_EIO);
	assert_string_equal(history("A"), "1:0");
	teardown(state);
}

/* A writer killed with its run pending (appended, never synced) leaves it
 * to the next read, which syncs it and shows it. */
static void a_run_a_killed_writer_left_pending_is_shown_by_the_next_read(void **state)
{
	int fds[2];
	char c;
	pid_t pid;
	struct backend b;

	setup(state);
	backend_open(&b);
	assert_int_equal(put_build(&b, "b0", 1, "zero"), 0);
	backend_close(&b);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct backend mine;

		close(fds[0]);
		gate_pipe = fds[1];
		gate_arm();
		backend_open(&mine);
		put_build(&mine, "b1", 2, "one"); /* stops at the gate for good */
		_exit(1);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 1); /* its sync is at the gate */
	close(fds[0]);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_string_equal(read_build("b1"), "one");
	teardown(state);
}

#define THREADS 4
#define PER_THREAD 40

struct writer {
	pthread_t t;
	int id;
	int failures;
};

static void *writer_run(void *arg)
{
	struct writer *w = arg;
	struct backend b;

	backend_open(&b);
	for (int i = 0; i < PER_THREAD; i++) {
		char key[32];
		uint64_t seq = (uint64_t)(w->id * PER_THREAD + i + 1);

		snprintf(key, sizeof key, "t%d-%d", w->id, i);
		w->failures += put_build(&b, key, seq, key) != 0;
	}
	backend_close(&b);
	return NULL;
}

/* Threads committing independent records at once share fdatasyncs: while
 * one sync runs, the others append, and the next sync covers them all. */
static void commits_of_several_threads_share_syncs(void **state)
{
	struct writer w[THREADS];
	unsigned long before;
	struct backend b;

	setup(state);
	backend_open(&b);
	assert_int_equal(put_build(&b, "seed", THREADS * PER_THREAD + 1, "seed"), 0);
	backend_close(&b);
	sync_delay_us = 2000; /* a disk's sync, so that threads overlap */
	before = sync_count();
	for (int i = 0; i < THREADS; i++) {
		w[i].id = i;
		w[i].failures = 0;
		assert_int_equal(pthread_create(&w[i].t, NULL, writer_run, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(w[i].t, NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	sync_delay_us = 0;
	print_message("%d commits, %lu fdatasyncs\n", THREADS * PER_THREAD,
		      sync_count() - before);
	assert_true(sync_count() - before <= THREADS * PER_THREAD * 3 / 4);
	for (int i = 0; i < THREADS; i++)
		for (int k = 0; k < PER_THREAD; k++) {
			char key[32];

			snprintf(key, sizeof key, "t%d-%d", i, k);
			assert_string_equal(read_build(key), key);
		}
	teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_commit_plans_on_a_pending_run_that_readers_do_not_see),
		cmocka_unit_test(a_conflict_with_a_pending_run_waits_for_it),
		cmocka_unit_test(a_failed_sync_cuts_off_every_pending_run),
		cmocka_unit_test(a_read_while_a_sync_fails_never_applies_the_pending_runs),
		cmocka_unit_test(commits_of_several_threads_share_syncs),
		cmocka_unit_test(an_env_change_builds_on_a_pending_release_and_waits_for_it),
		cmocka_unit_test(an_env_change_built_on_a_pending_release_fails_with_it),
		cmocka_unit_test(an_env_change_with_nothing_to_do_waits_for_the_pending_release),
		cmocka_unit_test(a_run_a_killed_writer_left_pending_is_shown_by_the_next_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
