/*
 * A full disk. Writes that need more room than there is must fail with
 * RELEASE_ENOSPC and a message (the store maps EFBIG, ENOSPC and EDQUOT to
 * it), leave every earlier record readable, and the next write, with room
 * again, must work.
 *
 * "File too large": a forked child writes under a low RLIMIT_FSIZE (with
 * SIGXFSZ ignored) at many limits, around every file's size; the parent
 * then checks the store. "No space left": with "tmpfs" as argument, a small
 * tmpfs mounted in a private mount namespace is filled up; where mounting is
 * not allowed the program exits 77 (skipped).
 */
#include "damage.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct history H;
static const char *work;

#define OP_CLOCK (T0 + INT64_C(5000) * 1000000000)
#define OP_SEED UINT64_C(0x0123456789abcdef)

enum { DO_ENV, DO_BUILD, DO_PROMOTE, DO_APP, N_OPS };
static const char *const op_names[N_OPS] = {"env set", "build create", "promote", "app create"};
static struct view refs[N_OPS]; /* the store after each op, done with room */

static int group_setup(void **state)
{
	(void)state;
	history_make(&H);
	work = temp_dir();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < N_OPS; i++)
		view_free(&refs[i]);
	history_free(&H);
	return 0;
}

static int test_setup(void **state)
{
	(void)state;
	soft_reset();
	return 0;
}

/* The operations tried under the limit, on snapshot 1 (release 6 written,
 * not yet promoted). */
static int do_op(release_store *s, int op)
{
	static const char *const pair[] = {"FULL=1"};
	release_build_opts o;

	switch (op) {
	case DO_ENV:
		return release_env_set(s, "web", pair, 1, NULL);
	case DO_BUILD:
		release_build_opts_init(&o);
		o.description = "built on a full disk";
		o.manifest = "services:\n  web:\n    image: web:4\n";
		o.status = RELEASE_BUILD_COMPLETE;
		return release_build_create(s, "web", &o, NULL);
	case DO_PROMOTE:
		return release_promote(s, "web", H.v[1].rel[0].id, NULL);
	default:
		return release_app_create(s, "fresh", NULL);
	}
}

/* What each op leaves, done with room and the same clock and random
 * source: the other state a store may rightly be in after a failed one. */
static void make_refs(void)
{
	const char *dir = temp_dir();

	for (int op = 0; op < N_OPS; op++) {
		release_store *s;

		tree_store(&H.t[1], dir);
		assert_ok(open_store_full(dir, OP_CLOCK, OP_SEED, &s));
		assert_store_ok(s, do_op(s, op));
		release_store_close(s);
		s = open_store(dir);
		view_capture(s, "web", &refs[op]);
		release_store_close(s);
	}
}

/* Runs op in a child limited to limit bytes per file; returns its result
 * and message. */
static int op_under_limit(int op, rlim_t limit, char *msg, size_t msglen)
{
	int fds[2], rc = -1000, status;
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = {limit, limit};
		release_store *s = NULL;
		char buf[1024] = {0};
		int r;

		close(fds[0]);
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(3);
		r = open_store_full(work, OP_CLOCK, OP_SEED, &s);
		if (r == 0)
			r = do_op(s, op);
		snprintf(buf, sizeof buf, "%s", release_store_errmsg(s));
		release_store_close(s);
		if (write(fds[1], &r, sizeof r) != (ssize_t)sizeof r ||
		    write(fds[1], buf, sizeof buf) != (ssize_t)sizeof buf)
			_exit(4);
		_exit(0);
	}
	close(fds[1]);
	msg[0] = '\0';
	if (read(fds[0], &rc, sizeof rc) != (ssize_t)sizeof rc)
		rc = -1000;
	n = read(fds[0], msg, msglen - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		soft_fail("the child crashed or failed (status %#x)", (unsigned)status);
	return rc;
}

/* The store as the parent sees it afterwards: the history, or the history
 * with the op done; then a write works and everything reads back. */
static void check_store_after(const struct view *before, const struct view *done)
{
	struct expect e = {before, done, 0, 1};
	struct rel_view made;
	release_store *s = open_store(work);
	int rc;

	check_reads(s, &e);
	rc = write_probe(s, &e, &made);
	if (rc != 0)
		soft_fail("with room again, the write failed: %d (%s): %s", rc, release_strerror(rc),
			  release_store_errmsg(s));
	release_store_close(s);
	if (rc == 0) {
		struct view a, b;
		struct expect e2;

		expect_after(&e, &made, &a, &b, &e2);
		s = open_store(work);
		check_reads(s, &e2);
		release_store_close(s);
		view_free(&a);
		view_free(&b);
		rel_view_free(&made);
	}
}

/* An app whose creation failed half way can be created with room again. */
static void check_fresh_app(const char *name)
{
	release_store *s = open_store(work);
	release_build_opts o;
	release_build *b = NULL;
	release *r = NULL;
	int rc = release_app_create(s, name, NULL);

	if (rc != 0 && rc != RELEASE_EEXIST)
		soft_fail("with room again, release_app_create(%s) failed: %d (%s): %s", name, rc,
			  release_strerror(rc), release_store_errmsg(s));
	release_build_opts_init(&o);
	o.status = RELEASE_BUILD_COMPLETE;
	rc = release_build_create(s, name, &o, &b);
	if (rc == 0)
		rc = release_create(s, name, release_build_id(b), &r);
	if (rc != 0)
		soft_fail("with room again, a build and release of '%s' failed: %d (%s): %s", name, rc,
			  release_strerror(rc), release_store_errmsg(s));
	else if (release_version(r) != 1)
		soft_fail("the first release of '%s' is version %llu", name,
			  (unsigned long long)release_version(r));
	release_build_free(b);
	release_free(r);
	release_store_close(s);
}

static void file_size_limit(void **state)
{
	static const char *const files[] = {"web/log.1", "web/state", "web/rel.1", "web/bld.1",
					    "web/keys.1"};
	rlim_t limits[128];
	size_t n = 0;
	int failures[N_OPS] = {0};

	(void)state;
	make_refs();
	/* around every file's size, and through the next records' bytes */
	limits[n++] = 0;
	limits[n++] = 1;
	limits[n++] = 64;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		rlim_t size = tree_get(&H.t[1], files[i])->len;
		static const int near[] = {-1, 0, 1, 24};

		for (size_t j = 0; j < sizeof near / sizeof near[0]; j++)
			limits[n++] = size + (rlim_t)near[j];
	}
	for (rlim_t d = 60; d <= 900; d += 60)
		limits[n++] = tree_get(&H.t[1], "web/log.1")->len + d;
	limits[n++] = 1u << 20;

	for (int op = 0; op < N_OPS; op++) {
		for (size_t i = 0; i < n; i++) {
			char msg[1024];
			int rc;

			set_ctx("%s under RLIMIT_FSIZE %llu", op_names[op], (unsigned long long)limits[i]);
			tree_store(&H.t[1], work);
			rc = op_under_limit(op, limits[i], msg, sizeof msg);
			if (rc == RELEASE_EIO)
				soft_fail("RELEASE_EIO where RELEASE_ENOSPC is due (EFBIG): %s", msg);
			else if (rc != 0 && rc != RELEASE_ENOSPC)
				soft_fail("result %d (%s): %s", rc, release_strerror(rc), msg);
			if (rc != 0 && (!*msg || !strstr(msg, strerror(EFBIG))))
				soft_fail("the message does not say what failed: \"%s\"", msg);
			failures[op] += rc != 0;
			check_store_after(&H.v[1], &refs[op]);
			if (op == DO_APP)
				check_fresh_app("fresh");
		}
		if (!failures[op])
			soft_fail("%s never failed under any limit", op_names[op]);
	}
	check_soft("writes under RLIMIT_FSIZE");
}

/* ------------------------------------------------------------- tmpfs */

static char mnt[256];

/* Fills the file system: blocks, and with inodes, inodes too (leaving
 * inodes_left of them). */
static void fill(int inodes, int inodes_left)
{
	char path[400], buf[4096];
	int fd;

	memset(buf, 'x', sizeof buf);
	snprintf(path, sizeof path, "%s/filler", mnt);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	while (write(fd, buf, sizeof buf) > 0)
		;
	while (write(fd, buf, 1) > 0)
		;
	close(fd);
	if (!inodes)
		return;
	snprintf(path, sizeof path, "%s/inodes", mnt);
	mkdir(path, 0700);
	for (int i = 0;; i++) {
		snprintf(path, sizeof path, "%s/inodes/%d", mnt, i);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			break;
		close(fd);
	}
	for (int i = 0; i < inodes_left; i++) {
		snprintf(path, sizeof path, "%s/inodes/%d", mnt, i);
		unlink(path);
	}
}

static void unfill(void)
{
	char path[400];

	snprintf(path, sizeof path, "%s/filler", mnt);
	unlink(path);
	snprintf(path, sizeof path, "%s/inodes", mnt);
	rm_rf(path);
}

static void tmpfs_full(void **state)
{
	struct view before, now;
	release_store *s;
	int rc = 0, i;
	char errmsg[1024] = "";

	(void)state;
	work = "";
	{
		static char dir[300];

		snprintf(dir, sizeof dir, "%s/store", mnt);
		work = dir;
	}
	tree_store(&H.t[1], work);
	fill(0, 0);
	s = open_store(work);
	memset(&before, 0, sizeof before);
	for (i = 0; i < 200; i++) {
		char pair[32];
		const char *p = pair;

		snprintf(pair, sizeof pair, "FULL%d=1", i);
		view_free(&before);
		view_capture(s, "web", &before);
		set_ctx("env set %s on a full tmpfs", pair);
		rc = release_env_set(s, "web", &p, 1, NULL);
		if (rc != 0) {
			snprintf(errmsg, sizeof errmsg, "%s", release_store_errmsg(s));
			break;
		}
	}
	release_store_close(s);
	if (rc == 0)
		soft_fail("200 releases written on a full file system without RELEASE_ENOSPC");
	else if (rc != RELEASE_ENOSPC)
		soft_fail("result %d (%s) where RELEASE_ENOSPC is due: %s", rc, release_strerror(rc),
			  errmsg);
	else if (!strstr(errmsg, strerror(ENOSPC)))
		soft_fail("the message does not say what failed: \"%s\"", errmsg);
	unfill();

	/* with room again: everything written before is there, the failed
	 * release at most complete, and writes work */
	set_ctx("after RELEASE_ENOSPC at release %d, with room again", i);
	s = open_store(work);
	view_capture(s, "web", &now);
	release_store_close(s);
	if (now.nrel != before.nrel && now.nrel != before.nrel + 1)
		soft_fail("%zu releases after the failure, %zu before", now.nrel, before.nrel);
	for (size_t k = 0; k < before.nrel; k++)
		if (strcmp(now.rel[now.nrel - before.nrel + k].dump, before.rel[k].dump) != 0)
			soft_fail("WRONG RECORD:\n  got  %s\n  want %s",
				  now.rel[now.nrel - before.nrel + k].dump, before.rel[k].dump);
	if (now.nrel == before.nrel + 1) {
		char want[32];

		snprintf(want, sizeof want, "FULL%d=1\n", i);
		if (!strstr(now.rel[0].env, want))
			soft_fail("the release after the failure is not the failed one: %s", now.rel[0].dump);
	}
	check_store_after(&now, NULL);
	view_free(&now);
	view_free(&before);

	/* creating an app with no room for its files, then for one inode */
	for (int inodes = 0; inodes <= 2; inodes++) {
		char name[16];

		snprintf(name, sizeof name, "fresh%d", inodes);
		set_ctx("app create on a full tmpfs%s", inodes == 1 ? " with no inode free" :
						  inodes == 2 ? " with one inode free" : "");
		fill(inodes > 0, inodes == 2);
		s = open_store(work);
		rc = release_app_create(s, name, NULL);
		snprintf(errmsg, sizeof errmsg, "%s", release_store_errmsg(s));
		release_store_close(s);
		unfill();
		if (rc == RELEASE_EIO)
			soft_fail("RELEASE_EIO where RELEASE_ENOSPC is due: %s", errmsg);
		else if (rc != 0 && rc != RELEASE_ENOSPC)
			soft_fail("result %d (%s): %s", rc, release_strerror(rc), errmsg);
		check_fresh_app(name);
	}
	check_soft("a full tmpfs");
}

/* Mounts a small tmpfs in a mount namespace of our own; 0, or 77 to skip. */
static int mount_tmpfs(void)
{
	const char *base = getenv("TMPDIR");

	if (unshare(CLONE_NEWNS) != 0) {
		printf("skipped: no mount namespace: %s\n", strerror(errno));
		return 77;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		printf("skipped: cannot make mounts private: %s\n", strerror(errno));
		return 77;
	}
	snprintf(mnt, sizeof mnt, "%s/librelease-tmpfs-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(mnt)) {
		printf("skipped: mkdtemp: %s\n", strerror(errno));
		return 77;
	}
	if (mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=512k,nr_inodes=200,mode=0700") != 0) {
		printf("skipped: cannot mount a tmpfs: %s\n", strerror(errno));
		rmdir(mnt);
		return 77;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(file_size_limit, test_setup),
	};
	const struct CMUnitTest tmpfs_tests[] = {
		cmocka_unit_test_setup(tmpfs_full, test_setup),
	};

	if (getenv("DAMAGE_FILTER"))
		cmocka_set_test_filter(getenv("DAMAGE_FILTER"));
	if (argc > 1 && strcmp(argv[1], "tmpfs") == 0) {
		int rc = mount_tmpfs();

		if (rc != 0)
			return rc;
		rc = cmocka_run_group_tests_name("file-store damage: full tmpfs", tmpfs_tests,
						 group_setup, group_teardown);
		umount2(mnt, MNT_DETACH);
		rmdir(mnt);
		return rc;
	}
	return cmocka_run_group_tests_name("file-store damage: full disk", tests, group_setup,
					   group_teardown);
}
