/*
 * The file store's group commit under attack, through the raw backend
 * (release_storage_open("file:DIR")) with handles of one process: what a
 * commit may confirm while other commits' runs are pending, and what a
 * failed sync leaves of it.
 *
 * This program defines fdatasync(), which the library reaches through its
 * PLT: the definition follows a short script, one step per call: pass,
 * fail with EIO, sync and then stop at a gate until the test lets it
 * return, or stop at the gate and then fail.
 */
#include "harness.h"

#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	if (s == FAIL) {
		errno = EIO;
		return -1;
	}
	/* HOLD syncs before the gate: whatever is written while it is held
	 * there is not covered by it. HOLD_FAIL stops first, then fails. */
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

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof dir, "%s/release-attack-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(uri, sizeof uri, "file:%s", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	script_clear();
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
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

static char *app_path(const char *name)
{
	static char p[700];

	snprintf(p, sizeof p, "%s/web/%s", dir, name);
	return p;
}

static long log_size(void)
{
	struct stat st;

	return stat(app_path("log.1"), &st) == 0 ? (long)st.st_size : -1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
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
		cmocka_unit_test(a_check_does_not_confirm_bytes_of_a_run_whose_sync_then_fails),
	};

	/* RELEASE_TEST_FILTER runs only the tests whose names match it. */
	if (getenv("RELEASE_TEST_FILTER"))
		cmocka_set_test_filter(getenv("RELEASE_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
