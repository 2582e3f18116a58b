/*
 * The file store's holds (storage version 2) across processes, through the
 * raw backend (release_storage_open("file:DIR")):
 *
 * - a hold is exclusive: a second holder gets RELEASE_EBUSY at once, in
 *   another process and in this one through another handle;
 * - it ends with its holder: unhold(), closing the handle, or the process
 *   killed with SIGKILL (the app can be held again within a second); a
 *   program the holder execs does not inherit it;
 * - held() shows the holder's info to every process, RELEASE_ENOTFOUND when
 *   nobody holds the app, and never torn info or a dead holder's leftover
 *   as the holder's;
 * - a hold never blocks a write;
 * - a hold file that is not a private regular file is refused, never
 *   followed or waited on.
 */
#include "harness.h"

#include "crash_common.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[512], store[600], uri[700];

struct backend {
	const release_storage *s;
	void *ctx;
};

static int backend_try(struct backend *b)
{
	b->ctx = NULL;
	return release_storage_open(&b->s, &b->ctx, uri);
}

static void backend_open(struct backend *b)
{
	int rc = backend_try(b);

	if (rc != 0)
		fail_msg("opening %s: %d: %s", uri, rc, release_store_errmsg(NULL));
}

static void backend_close(struct backend *b)
{
	if (b->ctx)
		b->s->close(b->ctx);
	b->ctx = NULL;
}

static const char *msg(const struct backend *b)
{
	const char *m = b->s->errmsg(b->ctx);

	return m && *m ? m : "(no message)";
}

#define assert_rc(b, call, want)                                                             \
	do {                                                                                 \
		int rc_ = (call);                                                            \
		if (rc_ != (want))                                                           \
			fail_msg("%s: %d, want %d: %s", #call, rc_, (want), msg(b));         \
	} while (0)

static int hold(struct backend *b, const char *app, const char *info, void **h)
{
	return b->s->hold(b->ctx, app, info, strlen(info), h);
}

struct shown {
	int calls;
	char info[RELEASE_HOLD_INFO_MAX + 1];
};

static int show_fn(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct shown *s = payload;

	s->calls++;
	if (seq != 0 || strcmp(key, "hold") != 0 || len > RELEASE_HOLD_INFO_MAX)
		return 99;
	memcpy(s->info, data, len);
	s->info[len] = '\0';
	return 0;
}

/* held(): its result, with the info in *s. */
static int held(struct backend *b, const char *app, struct shown *s)
{
	memset(s, 0, sizeof *s);
	return b->s->held(b->ctx, app, show_fn, s);
}

/* ------------------------------------------------------------ children */

struct child {
	pid_t pid;
	int out; /* what it reports, a line at a time */
	char *buf;
	size_t len;
};

/*
 * Forks a child that opens the store, holds app with info, reports "held"
 * (or "failed N: message") and then waits to be killed; with exec_sleep it
 * execs sleep(1) instead, hold and all (inherited only if the hold were).
 */
static void hold_in_child(struct child *c, const char *app, const char *info, int exec_sleep)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		struct backend b;
		void *h = NULL;
		int rc;

		close(fds[0]);
		/* never outlive a test that failed before killing it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if ((rc = backend_try(&b)) != 0 || (rc = hold(&b, app, info, &h)) != 0) {
			line_write(fds[1], "failed %d: %s", rc, b.ctx ? msg(&b) : "open");
			_exit(1);
		}
		line_write(fds[1], "held");
		if (exec_sleep) {
			execl("/bin/sleep", "sleep", "30", (char *)NULL);
			_exit(2);
		}
		for (;;)
			pause();
	}
	close(fds[1]);
	c->out = fds[0];
	c->buf = NULL;
	c->len = 0;
	if (read_until_line(c->out, "held", &c->buf, &c->len, 10000) != 1)
		fail_msg("the holding child did not hold: %s", c->buf ? c->buf : "(nothing)");
}

static void child_kill(struct child *c)
{
	int status;

	kill(c->pid, SIGKILL);
	while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
		;
	close(c->out);
	free(c->buf);
}

/* Runs fn in a child process; returns its exit status (or 100 + signal). */
static int in_child(int (*fn)(const char *), const char *app)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn(app));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

/* In a child: 0 when app is held by someone else (hold() is EBUSY). */
static int child_finds_held(const char *app)
{
	struct backend b;
	void *h = NULL;
	int rc;

	if (backend_try(&b) != 0)
		return 10;
	rc = hold(&b, app, "intruder", &h);
	backend_close(&b);
	return rc == RELEASE_EBUSY && h == NULL ? 0 : rc == 0 ? 11 : 12;
}

/* ---------------------------------------------------------- exclusion */

static void a_second_holder_in_another_process_gets_ebusy(void **state)
{
	struct backend b;
	struct child c;
	void *h = NULL;

	(void)state;
	backend_open(&b);
	assert_rc(&b, hold(&b, "excl", "parent", &h), 0);
	assert_int_equal(in_child(child_finds_held, "excl"), 0);
	b.s->unhold(b.ctx, h);
	/* and the other way round */
	hold_in_child(&c, "excl", "child", 0);
	h = (void *)&h;
	assert_rc(&b, hold(&b, "excl", "parent", &h), RELEASE_EBUSY);
	assert_null(h);
	child_kill(&c);
	backend_close(&b);
}

static void a_second_handle_in_this_process_gets_ebusy(void **state)
{
	struct backend a, b;
	void *ha = NULL, *hb = (void *)&hb;

	(void)state;
	backend_open(&a);
	backend_open(&b);
	assert_rc(&a, hold(&a, "twice", "first", &ha), 0);
	assert_rc(&b, hold(&b, "twice", "second", &hb), RELEASE_EBUSY);
	assert_null(hb);
	/* the handle holding it cannot take it twice either */
	assert_rc(&a, hold(&a, "twice", "again", &hb), RELEASE_EBUSY);
	/* other apps are not held */
	assert_rc(&b, hold(&b, "other", "second", &hb), 0);
	b.s->unhold(b.ctx, hb);
	a.s->unhold(a.ctx, ha);
	backend_close(&a);
	backend_close(&b);
}

/* ------------------------------------------------------------ ending */

static void unhold_or_closing_the_handle_frees_the_hold(void **state)
{
	struct backend a, b;
	void *ha = NULL, *hb = NULL;

	(void)state;
	backend_open(&a);
	backend_open(&b);
	assert_rc(&a, hold(&a, "free", "a", &ha), 0);
	a.s->unhold(a.ctx, ha);
	assert_rc(&b, hold(&b, "free", "b", &hb), 0);
	assert_int_equal(in_child(child_finds_held, "free"), 0);
	backend_close(&b); /* with the hold still taken */
	assert_rc(&a, hold(&a, "free", "a", &ha), 0);
	a.s->unhold(a.ctx, ha);
	backend_close(&a);
}

static void a_hold_of_a_process_killed_with_sigkill_is_free_within_a_second(void **state)
{
	struct backend b;
	struct shown s;
	struct child c;
	void *h = NULL;
	int64_t killed, took;
	int rc;

	(void)state;
	backend_open(&b);
	hold_in_child(&c, "killed", "doomed", 0);
	assert_rc(&b, hold(&b, "killed", "parent", &h), RELEASE_EBUSY);
	kill(c.pid, SIGKILL);
	killed = mono_ns();
	while (waitpid(c.pid, NULL, 0) < 0 && errno == EINTR)
		;
	do
		rc = hold(&b, "killed", "parent", &h);
	while (rc == RELEASE_EBUSY && mono_ns() - killed < INT64_C(1000000000));
	took = mono_ns() - killed;
	if (rc != 0)
		fail_msg("the hold of a killed process is still taken after %lld ms: %d: %s",
			 (long long)(took / 1000000), rc, msg(&b));
	assert_int_equal(held(&b, "killed", &s), 0);
	assert_string_equal(s.info, "parent");
	b.s->unhold(b.ctx, h);
	close(c.out);
	free(c.buf);
	backend_close(&b);
}

static void a_program_the_holder_execs_does_not_inherit_its_hold(void **state)
{
	struct backend b;
	struct child c;
	void *h = NULL;

	(void)state;
	backend_open(&b);
	hold_in_child(&c, "exec", "execs", 1);
	/* the child has exec'd sleep by now or soon: the hold goes with the
	 * exec, as the holder's process image ends */
	{
		int64_t start = mono_ns();
		int rc;

		do
			rc = hold(&b, "exec", "parent", &h);
		while (rc == RELEASE_EBUSY && mono_ns() - start < INT64_C(5000000000));
		if (rc != 0)
			fail_msg("the exec'd program keeps the hold: %d: %s", rc, msg(&b));
	}
	assert_int_equal(kill(c.pid, 0), 0); /* sleep(1) runs on */
	b.s->unhold(b.ctx, h);
	child_kill(&c);
	backend_close(&b);
}

/* ------------------------------------------------------------- held() */

static void held_shows_the_holders_info_to_other_processes(void **state)
{
	struct backend b;
	struct shown s;
	struct child c;
	char big[RELEASE_HOLD_INFO_MAX + 1];
	void *h = NULL;

	(void)state;
	backend_open(&b);
	hold_in_child(&c, "shown", "pid:42 host:builder since:0", 0);
	assert_rc(&b, held(&b, "shown", &s), 0);
	assert_int_equal(s.calls, 1);
	assert_string_equal(s.info, "pid:42 host:builder since:0");
	child_kill(&c);
	/* the longest info, and an empty one */
	memset(big, 'i', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_rc(&b, hold(&b, "shown", big, &h), 0);
	assert_rc(&b, held(&b, "shown", &s), 0);
	assert_string_equal(s.info, big);
	b.s->unhold(b.ctx, h);
	assert_rc(&b, hold(&b, "shown", "", &h), 0);
	assert_rc(&b, held(&b, "shown", &s), 0);
	assert_string_equal(s.info, "");
	b.s->unhold(b.ctx, h);
	/* a longer info is refused */
	big[0] = 'x';
	assert_rc(&b, b.s->hold(b.ctx, "shown", big, RELEASE_HOLD_INFO_MAX + 1, &h), RELEASE_EINVAL);
	backend_close(&b);
}

static void held_is_enotfound_when_nobody_holds_the_app(void **state)
{
	struct backend b;
	struct shown s;
	struct child c;
	void *h = NULL;

	(void)state;
	backend_open(&b);
	assert_rc(&b, held(&b, "nobody", &s), RELEASE_ENOTFOUND); /* no such app */
	assert_rc(&b, hold(&b, "nobody", "me", &h), 0);
	b.s->unhold(b.ctx, h);
	assert_rc(&b, held(&b, "nobody", &s), RELEASE_ENOTFOUND);
	hold_in_child(&c, "nobody", "doomed", 0);
	child_kill(&c);
	assert_rc(&b, held(&b, "nobody", &s), RELEASE_ENOTFOUND);
	assert_int_equal(s.calls, 0);
	backend_close(&b);
}

/* The store's CRC-32C (Castagnoli). */
static uint32_t crc32c_of(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A hold file's bytes as file.h lays them out, for nonce and info. */
static size_t frame(unsigned char *b, uint64_t nonce, const char *info)
{
	size_t len = strlen(info);

	memcpy(b, "LRHOLD01", 8);
	put_le(b + 8, nonce, 8);
	put_le(b + 16, len, 4);
	memcpy(b + 24, info, len);
	put_le(b + 20, crc32c_of(crc32c_of(0, b, 20), b + 24, len), 4);
	return 24 + len;
}

static void rewrite_hold_file(const char *app, const void *data, size_t len)
{
	char path[800];
	int fd;

	snprintf(path, sizeof path, "%s/%s/hold", store, app);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* The nonce the holder of app's hold file has locked (file.h). */
static uint64_t holders_nonce(const char *app)
{
	struct flock fl;
	char path[800];
	int fd;

	snprintf(path, sizeof path, "%s/%s/hold", store, app);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)1 << 40;
	fl.l_len = 0;
	assert_int_equal(fcntl(fd, F_OFD_GETLK, &fl), 0);
	close(fd);
	assert_int_equal(fl.l_type, F_WRLCK);
	return (uint64_t)fl.l_start - ((uint64_t)1 << 40);
}

static void held_never_shows_torn_or_leftover_info_as_the_holders(void **state)
{
	uint64_t nonce;
	unsigned char b[600];
	struct backend bk;
	struct shown s;
	struct child c;
	size_t n;
	int rc;

	(void)state;
	backend_open(&bk);
	hold_in_child(&c, "torn", "the holder", 0);
	assert_rc(&bk, held(&bk, "torn", &s), 0);
	assert_string_equal(s.info, "the holder");
	/* a dead holder's info, whole, but not this holder's (its nonce) */
	n = frame(b, 12345, "a dead holder");
	rewrite_hold_file("torn", b, n);
	rc = held(&bk, "torn", &s);
	if (rc != RELEASE_ECORRUPT || s.calls != 0)
		fail_msg("a leftover info: held() -> %d, showing '%s'", rc, s.info);
	assert_true(strstr(msg(&bk), "hold") != NULL);
	/* the holder's nonce with other info: taken as the holder's (so the
	 * frames here are laid out right) */
	nonce = holders_nonce("torn");
	n = frame(b, nonce, "rewritten");
	rewrite_hold_file("torn", b, n);
	assert_rc(&bk, held(&bk, "torn", &s), 0);
	assert_string_equal(s.info, "rewritten");
	/* torn: cut short, and a byte of the info changed */
	n = frame(b, nonce, "a holder cut short");
	rewrite_hold_file("torn", b, n - 5);
	rc = held(&bk, "torn", &s);
	assert_true(rc == RELEASE_ECORRUPT && s.calls == 0);
	b[30] ^= 1;
	rewrite_hold_file("torn", b, n);
	rc = held(&bk, "torn", &s);
	assert_true(rc == RELEASE_ECORRUPT && s.calls == 0);
	/* empty, and garbage */
	rewrite_hold_file("torn", "", 0);
	assert_true(held(&bk, "torn", &s) == RELEASE_ECORRUPT && s.calls == 0);
	memset(b, 0xff, sizeof b);
	rewrite_hold_file("torn", b, sizeof b);
	assert_true(held(&bk, "torn", &s) == RELEASE_ECORRUPT && s.calls == 0);
	child_kill(&c);
	/* with the holder gone, nobody holds it, whatever the file says */
	n = frame(b, 12345, "a dead holder");
	rewrite_hold_file("torn", b, n);
	assert_rc(&bk, held(&bk, "torn", &s), RELEASE_ENOTFOUND);
	backend_close(&bk);
}

/* ------------------------------------------------------------- writes */

static void a_hold_never_blocks_a_write(void **state)
{
	struct backend b;
	struct child c;
	release_storage_op op = {RELEASE_OP_PUT, RELEASE_KIND_META, "note", 0, NULL, 0, "n", 1};
	int64_t start;

	(void)state;
	backend_open(&b);
	hold_in_child(&c, "write", "holder", 0);
	start = mono_ns();
	assert_rc(&b, b.s->commit(b.ctx, "write", &op, 1, NULL), 0);
	assert_rc(&b, b.s->put(b.ctx, "write", RELEASE_KIND_META, "other", 0, "o", 1), 0);
	assert_true(mono_ns() - start < INT64_C(5000000000));
	child_kill(&c);
	backend_close(&b);
}

/* ------------------------------------------------------------ hostile */

static void a_hold_file_that_is_not_a_private_regular_file_is_refused(void **state)
{
	char app_dir[700], path[800], target[800];
	struct backend b;
	struct shown s;
	struct stat st;
	void *h = NULL;
	int rc;

	(void)state;
	backend_open(&b);
	snprintf(app_dir, sizeof app_dir, "%s/hostile", store);
	snprintf(path, sizeof path, "%s/hold", app_dir);
	snprintf(target, sizeof target, "%s/victim", dir);
	assert_int_equal(mkdir(app_dir, 0700), 0);

	/* a symbolic link: never followed */
	assert_int_equal(symlink(target, path), 0);
	rc = hold(&b, "hostile", "me", &h);
	if (rc != RELEASE_EINVAL || !strstr(msg(&b), "hold"))
		fail_msg("a symlinked hold file: hold() -> %d: %s", rc, msg(&b));
	assert_int_equal(held(&b, "hostile", &s), RELEASE_EINVAL);
	assert_true(lstat(target, &st) != 0 && errno == ENOENT);
	unlink(path);

	/* a FIFO: refused without waiting for a writer */
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_rc(&b, hold(&b, "hostile", "me", &h), RELEASE_EINVAL);
	assert_int_equal(held(&b, "hostile", &s), RELEASE_EINVAL);
	unlink(path);

	/* a directory */
	assert_int_equal(mkdir(path, 0700), 0);
	assert_rc(&b, hold(&b, "hostile", "me", &h), RELEASE_EINVAL);
	assert_int_equal(held(&b, "hostile", &s), RELEASE_EINVAL);
	rmdir(path);

	/* writable by others */
	{
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

		assert_true(fd >= 0);
		assert_int_equal(fchmod(fd, 0666), 0);
		close(fd);
	}
	assert_rc(&b, hold(&b, "hostile", "me", &h), RELEASE_EINVAL);
	assert_true(strstr(msg(&b), "writable") != NULL);
	assert_int_equal(held(&b, "hostile", &s), RELEASE_EINVAL);
	unlink(path);

	/* and then a fine one again */
	assert_rc(&b, hold(&b, "hostile", "me", &h), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	b.s->unhold(b.ctx, h);
	backend_close(&b);
}

static void invalid_app_names_are_refused(void **state)
{
	struct backend b;
	struct shown s;
	void *h = (void *)&h;

	(void)state;
	backend_open(&b);
	assert_rc(&b, hold(&b, "../up", "me", &h), RELEASE_EINVAL);
	assert_null(h);
	assert_rc(&b, hold(&b, "", "me", &h), RELEASE_EINVAL);
	assert_int_equal(held(&b, "Bad", &s), RELEASE_EINVAL);
	backend_close(&b);
}

static int group_setup(void **state)
{
	(void)state;
	if (tmpdir_make(dir, sizeof dir, "librelease-hold") != 0)
		return -1;
	snprintf(store, sizeof store, "%s/store", dir);
	snprintf(uri, sizeof uri, "file:%s", store);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_second_holder_in_another_process_gets_ebusy),
		cmocka_unit_test(a_second_handle_in_this_process_gets_ebusy),
		cmocka_unit_test(unhold_or_closing_the_handle_frees_the_hold),
		cmocka_unit_test(a_hold_of_a_process_killed_with_sigkill_is_free_within_a_second),
		cmocka_unit_test(a_program_the_holder_execs_does_not_inherit_its_hold),
		cmocka_unit_test(held_shows_the_holders_info_to_other_processes),
		cmocka_unit_test(held_is_enotfound_when_nobody_holds_the_app),
		cmocka_unit_test(held_never_shows_torn_or_leftover_info_as_the_holders),
		cmocka_unit_test(a_hold_never_blocks_a_write),
		cmocka_unit_test(a_hold_file_that_is_not_a_private_regular_file_is_refused),
		cmocka_unit_test(invalid_app_names_are_refused),
	};

	return cmocka_run_group_tests_name("file store: holds", tests, group_setup,
					   group_teardown);
}
