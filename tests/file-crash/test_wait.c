/*
 * The file store's wait() (storage version 3), through the raw backend
 * (release_storage_open("file:DIR")), with writers in other processes:
 *
 * - it returns at once what check returns when that is not 0, and checks
 *   once for a timeout of 0;
 * - it times out when nothing changes, checking a few times, not spinning;
 * - a promotion committed by another process wakes it well within a
 *   second (inotify), as does the app's directory appearing (the app made)
 *   or going; a write of the state that publishes nothing new (a sync's
 *   note of its durable length) does not;
 * - on a read-only handle too, which it leaves as it was (nothing made);
 * - without a notification, a sleep ends within a second anyway;
 * - where inotify cannot be used (no instance, no watch left) it polls,
 *   still waking within a fraction of a second.
 *
 * This program defines inotify_init1() and inotify_add_watch(), which the
 * library reaches through its PLT, to make them fail.
 */
#include "harness.h"
#include "crash_common.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define APP "web"
#define MS INT64_C(1000000)
/* How soon after another process's write a wait must wake: well within a
 * second, with room for a loaded machine. */
#define WATCHED_MS 300
#define POLLED_MS 450

/* ------------------------------------------------------ inotify, failing */

static int fail_init;  /* errno inotify_init1() fails with, or 0 */
static int fail_watch; /* errno inotify_add_watch() fails with, or 0 */

int inotify_init1(int flags)
{
	static int (*real)(int);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "inotify_init1");
	if (fail_init) {
		errno = fail_init;
		return -1;
	}
	return real(flags);
}

int inotify_add_watch(int fd, const char *path, uint32_t mask)
{
	static int (*real)(int, const char *, uint32_t);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "inotify_add_watch");
	if (fail_watch) {
		errno = fail_watch;
		return -1;
	}
	return real(fd, path, mask);
}

/* ------------------------------------------------------------- stores */

struct wfix {
	char dir[512];
	const release_storage *s;
	void *ctx;
};

static void open_backend(struct wfix *f, int ro)
{
	char uri[600];
	int rc;

	snprintf(uri, sizeof uri, "file:%s%s", f->dir, ro ? "?mode=ro" : "");
	f->ctx = NULL;
	if ((rc = release_storage_open(&f->s, &f->ctx, uri)) != 0)
		fail_msg("opening %s: %d: %s", uri, rc, release_store_errmsg(NULL));
}

/* The app with a release promoted: META app and active "r1". */
static void make_web(struct wfix *f, const char *app)
{
	release_storage_op ops[] = {
		{RELEASE_OP_PUT, RELEASE_KIND_META, "app", 0, NULL, 0, "A", 1},
		{RELEASE_OP_PUT, RELEASE_KIND_RELEASE, "r1", 1, NULL, 0, "one", 3},
		{RELEASE_OP_PUT, RELEASE_KIND_META, "active", 0, NULL, 0, "r1", 2},
		{RELEASE_OP_PUT, RELEASE_KIND_DEPLOY, "1", 1, NULL, 0, "to r1", 5},
	};

	assert_int_equal(f->s->commit(f->ctx, app, ops, 4, NULL), 0);
}

static int setup(void **state)
{
	struct wfix *f = calloc(1, sizeof *f);

	assert_non_null(f);
	assert_int_equal(tmpdir_make(f->dir, sizeof f->dir, "release-wait"), 0);
	open_backend(f, 0);
	make_web(f, APP);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct wfix *f = *state;

	if (f->ctx)
		f->s->close(f->ctx);
	tmpdir_remove(f->dir);
	free(f);
	fail_init = fail_watch = 0;
	return 0;
}

/* ------------------------------------------------------------- checks */

struct probe {
	const release_storage *s;
	void *ctx;
	const char *app;
	int checks;
	int give;         /* what check_give returns */
	int64_t until;    /* check_time: 1 once the monotonic clock is past it */
	char active[64];  /* check_active: the baseline */
	int want_app;     /* check_app: 1 when the app exists is this */
	int64_t woke;     /* when a check last said 1 */
	char dir[600];    /* check_gone: the app's directory */
	int64_t at[64];   /* when the first checks began */
};

static void tick(struct probe *p)
{
	if (p->checks < 64)
		p->at[p->checks] = mono_ns();
	p->checks++;
}

static int check_give(void *payload)
{
	struct probe *p = payload;

	tick(p);
	return p->give;
}

static int check_time(void *payload)
{
	struct probe *p = payload;

	tick(p);
	return mono_ns() >= p->until;
}

static int copy_active(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	(void)seq;
	(void)key;
	snprintf(payload, 64, "%.*s", (int)len, (const char *)data);
	return 0;
}

/* 1 when the active pointer is no longer the baseline. */
static int check_active(void *payload)
{
	struct probe *p = payload;
	char now[64] = "";
	int rc = p->s->get(p->ctx, p->app, RELEASE_KIND_META, "active", copy_active, now);

	tick(p);
	if (rc != 0 && rc != RELEASE_ENOTFOUND)
		return rc;
	if (strcmp(now, p->active) == 0)
		return 0;
	p->woke = mono_ns();
	return 1;
}

static int ignore(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	(void)payload;
	(void)seq;
	(void)key;
	(void)data;
	(void)len;
	return 0;
}

/* 1 when whether the app has an app record is want_app. */
static int check_app(void *payload)
{
	struct probe *p = payload;
	int rc = p->s->get(p->ctx, p->app, RELEASE_KIND_META, "app", ignore, NULL);

	tick(p);
	if (rc != 0 && rc != RELEASE_ENOTFOUND)
		return rc;
	if ((rc == 0) != p->want_app)
		return 0;
	p->woke = mono_ns();
	return 1;
}

/* 1 when the app's directory is gone (what the store's reads need not see:
 * a handle keeps the files it has open). */
static int check_gone(void *payload)
{
	struct probe *p = payload;

	tick(p);
	if (access(p->dir, F_OK) == 0)
		return 0;
	p->woke = mono_ns();
	return 1;
}

static struct probe probe_of(struct wfix *f, const char *app)
{
	struct probe p;

	memset(&p, 0, sizeof p);
	p.s = f->s;
	p.ctx = f->ctx;
	p.app = app;
	p.s->get(p.ctx, app, RELEASE_KIND_META, "active", copy_active, p.active);
	return p;
}

/* ------------------------------------------------------ other processes */

enum act { PROMOTE, CREATE, REMOVE, REWRITE };

/* Writes the app's state file over with the bytes it holds: a write that
 * publishes nothing new, as a sync's note of its durable length is. */
static int rewrite_state(struct wfix *f, const char *app)
{
	char path[700], b[4096];
	int fd, rc = 1;

	snprintf(path, sizeof path, "%s/%s/state", f->dir, app);
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return 1;
	if (pread(fd, b, sizeof b, 0) == (ssize_t)sizeof b)
		rc = pwrite(fd, b, sizeof b / 2, 0) != (ssize_t)sizeof b / 2 ||
		     pwrite(fd, b + sizeof b / 2, sizeof b / 2, sizeof b / 2) != (ssize_t)sizeof b / 2;
	close(fd);
	return rc;
}

/*
 * Forks a child that, after delay_ms, does act on app through a handle of
 * its own, then writes on a pipe the monotonic times its write began and
 * returned. Returns the pipe's read end; *pid gets the child.
 */
static int writer(struct wfix *f, enum act act, const char *app, int delay_ms, pid_t *pid)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	*pid = fork();
	assert_true(*pid >= 0);
	if (*pid == 0) {
		const release_storage *s;
		void *ctx = NULL;
		char uri[600], cmd[700];
		int64_t times[2];
		int rc = 0;

		close(fds[0]);
		sleep_us((uint64_t)delay_ms * 1000);
		times[0] = mono_ns();
		snprintf(uri, sizeof uri, "file:%s", f->dir);
		if (act == REMOVE) {
			snprintf(cmd, sizeof cmd, "rm -rf '%s/%s'", f->dir, app);
			rc = system(cmd);
		} else if (act == REWRITE) {
			rc = rewrite_state(f, app);
		} else if (release_storage_open(&s, &ctx, uri) != 0) {
			rc = 1;
		} else {
			release_storage_op ops[] = {
				{RELEASE_OP_CAS, RELEASE_KIND_META, "active", 0, "r1", 2, "r2", 2},
				{RELEASE_OP_PUT, RELEASE_KIND_DEPLOY, "2", 2, NULL, 0, "to r2", 5},
			};
			release_storage_op made = {RELEASE_OP_PUT, RELEASE_KIND_META, "app", 0,
						   NULL, 0, "A", 1};

			rc = act == PROMOTE ? s->commit(ctx, app, ops, 2, NULL)
					    : s->commit(ctx, app, &made, 1, NULL);
			s->close(ctx);
		}
		times[1] = mono_ns();
		if (rc != 0 || write(fds[1], times, sizeof times) != sizeof times)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	return fds[0];
}

/* When the child's write began and returned, after it exited well. */
static void writer_done(int fd, pid_t pid, int64_t times[2])
{
	int status;

	assert_int_equal(read(fd, times, 2 * sizeof *times), (ssize_t)(2 * sizeof *times));
	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * Waits (up to 5 s) for check while a child does act after 300 ms: woken
 * within max_ms of the child's write, having checked fewer than max_checks
 * times. Watched (notified), nothing wakes it before the write: it checks
 * once, on arming; polled, it checks every 100 ms meanwhile.
 */
static void woken_by(struct wfix *f, struct probe *p, int (*check)(void *), enum act act,
		     int watched, int max_checks)
{
	pid_t pid;
	int fd = writer(f, act, p->app, 300, &pid);
	int64_t start = mono_ns(), times[2], max_ms = watched ? WATCHED_MS : POLLED_MS;
	int rc = f->s->wait(f->ctx, p->app, 5000 * MS, check, p), before = 0;

	writer_done(fd, pid, times);
	if (rc != 1)
		fail_msg("wait -> %d, want 1 (woken): %s", rc, f->s->errmsg(f->ctx));
	for (int i = 0; i < p->checks && i < 64; i++)
		before += p->at[i] < times[0];
	print_message("woken %.1f ms after the other process's write returned "
		      "(%.1f ms after the wait began), %d checks, %d before the write\n",
		      (double)(p->woke - times[1]) / 1e6, (double)(p->woke - start) / 1e6,
		      p->checks, before);
	if (p->woke - times[1] > max_ms * MS)
		fail_msg("woken %lld ms after the write, want within %lld",
			 (long long)((p->woke - times[1]) / MS), (long long)max_ms);
	if (p->checks >= max_checks)
		fail_msg("%d checks: the wait did not sleep", p->checks);
	if (watched ? before != 1 : before < 2)
		fail_msg("%d checks before the write: %s", before,
			 watched ? "not notified, or woken for nothing" : "not polled");
}

/* ---------------------------------------------------------------- tests */

static void a_wait_returns_at_once_what_check_finds(void **state)
{
	struct wfix *f = *state;
	struct probe p = probe_of(f, APP);
	int64_t start = mono_ns();

	p.give = 1;
	assert_int_equal(f->s->wait(f->ctx, APP, 5000 * MS, check_give, &p), 1);
	p.give = RELEASE_EIO;
	assert_int_equal(f->s->wait(f->ctx, APP, INT64_MAX, check_give, &p), RELEASE_EIO);
	assert_int_equal(p.checks, 2);
	assert_true(mono_ns() - start < 200 * MS);
	/* and refuses what is not a wait */
	assert_int_equal(f->s->wait(f->ctx, "No-App", 0, check_give, &p), RELEASE_EINVAL);
	assert_int_equal(f->s->wait(f->ctx, APP, -1, check_give, &p), RELEASE_EINVAL);
	assert_int_equal(p.checks, 2);
}

static void a_wait_of_no_time_checks_once(void **state)
{
	struct wfix *f = *state;
	struct probe p = probe_of(f, APP);

	assert_int_equal(f->s->wait(f->ctx, APP, 0, check_give, &p), 0);
	assert_int_equal(p.checks, 1);
}

static void a_wait_times_out_when_nothing_changes(void **state)
{
	struct wfix *f = *state;
	struct probe p = probe_of(f, APP);
	int64_t start = mono_ns(), took;

	assert_int_equal(f->s->wait(f->ctx, APP, 300 * MS, check_active, &p), 0);
	took = mono_ns() - start;
	print_message("timed out after %.1f ms, %d checks\n", (double)took / 1e6, p.checks);
	assert_true(took >= 300 * MS);
	assert_true(took < 600 * MS);
	assert_true(p.checks <= 3);
}

static void each_sleep_ends_within_a_second(void **state)
{
	struct wfix *f = *state;
	struct probe p = probe_of(f, APP);
	int64_t start = mono_ns(), took;

	/* a change no file shows: seen at the second's end that follows it */
	p.until = start + 1500 * MS;
	assert_int_equal(f->s->wait(f->ctx, APP, 5000 * MS, check_time, &p), 1);
	took = mono_ns() - start;
	print_message("seen after %.1f ms, %d checks\n", (double)took / 1e6, p.checks);
	assert_true(took >= 1500 * MS);
	assert_true(took < 2400 * MS);
	assert_true(p.checks >= 2 && p.checks <= 4);
}

/* The state written again with what it published: no check (one when the
 * wait begins, one when it ends). */
static void a_state_write_that_publishes_nothing_wakes_no_check(void **state)
{
	struct wfix *f = *state;
	struct probe p = probe_of(f, APP);
	int64_t times[2];
	pid_t pid;
	int fd = writer(f, REWRITE, APP, 100, &pid);

	assert_int_equal(f->s->wait(f->ctx, APP, 600 * MS, check_give, &p), 0);
	writer_done(fd, pid, times);
	print_message("%d checks\n", p.checks);
	assert_int_equal(p.checks, 2);
}

static void a_promotion_by_another_process_wakes_the_wait(void **state)
{
	struct wfix *f = *state;
	struct probe p = probe_of(f, APP);

	assert_string_equal(p.active, "r1");
	woken_by(f, &p, check_active, PROMOTE, 1, 8);
}

static void the_app_made_by_another_process_wakes_a_wait_for_it(void **state)
{
	struct wfix *f = *state;
	struct probe p = probe_of(f, "new");

	p.want_app = 1;
	woken_by(f, &p, check_app, CREATE, 1, 20);
}

static void the_app_removed_wakes_the_wait(void **state)
{
	struct wfix *f = *state;
	struct probe p = probe_of(f, APP);

	snprintf(p.dir, sizeof p.dir, "%s/%s", f->dir, APP);
	woken_by(f, &p, check_gone, REMOVE, 1, 8);
}

static void a_wait_on_a_read_only_handle_makes_nothing_and_is_woken(void **state)
{
	struct wfix *f = *state;
	struct probe p;
	struct stat before, after;
	char path[700];

	f->s->close(f->ctx);
	open_backend(f, 1);
	/* an app that does not exist: nothing is made for it */
	assert_int_equal(stat(f->dir, &before), 0);
	p = probe_of(f, "new");
	p.want_app = 1;
	assert_int_equal(f->s->wait(f->ctx, "new", 200 * MS, check_app, &p), 0);
	snprintf(path, sizeof path, "%s/new", f->dir);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(stat(f->dir, &after), 0);
	assert_true(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
		    before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
	/* woken when another process makes it, and by a promotion */
	p = probe_of(f, "new");
	p.want_app = 1;
	woken_by(f, &p, check_app, CREATE, 1, 20);
	p = probe_of(f, APP);
	woken_by(f, &p, check_active, PROMOTE, 1, 8);
}

static void without_inotify_the_wait_polls(void **state)
{
	struct wfix *f = *state;
	struct probe p = probe_of(f, APP);

	fail_init = ENOSYS;
	woken_by(f, &p, check_active, PROMOTE, 0, 30);
	/* polled: a check every 100 ms or so until the write */
	assert_true(p.checks >= 3);
}

static void without_a_watch_left_the_wait_polls(void **state)
{
	struct wfix *f = *state;
	struct probe p = probe_of(f, "new");

	fail_watch = ENOSPC;
	p.want_app = 1;
	woken_by(f, &p, check_app, CREATE, 0, 30);
	assert_true(p.checks >= 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_wait_returns_at_once_what_check_finds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_wait_of_no_time_checks_once, setup, teardown),
		cmocka_unit_test_setup_teardown(a_wait_times_out_when_nothing_changes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(each_sleep_ends_within_a_second, setup, teardown),
		cmocka_unit_test_setup_teardown(a_state_write_that_publishes_nothing_wakes_no_check,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_promotion_by_another_process_wakes_the_wait,
						setup, teardown),
		cmocka_unit_test_setup_teardown(the_app_made_by_another_process_wakes_a_wait_for_it,
						setup, teardown),
		cmocka_unit_test_setup_teardown(the_app_removed_wakes_the_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(
			a_wait_on_a_read_only_handle_makes_nothing_and_is_woken, setup, teardown),
		cmocka_unit_test_setup_teardown(without_inotify_the_wait_polls, setup, teardown),
		cmocka_unit_test_setup_teardown(without_a_watch_left_the_wait_polls, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("file store: wait()", tests, NULL, NULL);
}
