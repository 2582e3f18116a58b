/*
 * Attacks on the file store's version 2 (commits and holds), each a test of
 * what the store must do about it.
 *
 * - An app whose state file is cut short (or swapped with another app's,
 *   cut) and whose log is cut to its header, while its index files still
 *   hold entries, lost acknowledged records: it reads as damaged
 *   (RELEASE_ECORRUPT), never as an app that does not exist, and no write
 *   makes it anew over them.
 * - unhold() ends the hold though a child forked meanwhile still shares its
 *   lock; a child closing its copy of the handle leaves its parent's hold.
 * - A holder that took its lock and never writes its info (stopped between
 *   the two) leaves the app reading as held, by an owner nobody can name:
 *   not as damage, and not as the last holder's leftover info.
 * Open, run with DAMAGE_OPEN=1:
 * - A torn record whose bytes hold the image of an intact record is still a
 *   torn append, cut off.
 */
#include "damage.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int keep_bytes(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	(void)seq;
	(void)key;
	sb_add(payload, "%.*s", (int)len, (const char *)data);
	return 0;
}

/* --------------------------------------------- an emptied log beside entries */

static void cut(struct tree *t, const char *path, size_t len)
{
	struct tfile *f = tree_get(t, path);

	assert_non_null(f);
	assert_true(f->len >= len);
	tree_set(t, path, f->data, len);
}

static void an_app_whose_log_is_emptied_while_its_indexes_hold_entries_is_corrupt(void **state)
{
	static const struct {
		const char *what;
		int foreign_state; /* the state is web's, cut */
		int rel_cut;       /* rel.1 cut to its header too: only keys.1 knows */
	} variants[] = {
		{"state cut short", 0, 0},
		{"state swapped with another app's, cut short", 1, 0},
		{"state cut short, rel.1 cut to its header", 0, 1},
	};
	const char *dir = temp_dir();
	struct tree t;
	release_store *s;
	release *r;

	(void)state;
	s = open_store(dir);
	make_app(s, "api");
	make_app(s, "web");
	r = set_env(s, "api", "A=1");
	release_free(r);
	r = set_env(s, "api", "B=2");
	release_free(r);
	release_store_close(s);
	tree_load(&t, dir);
	for (size_t i = 0; i < sizeof variants / sizeof *variants; i++) {
		struct tree v;
		release_app *app = NULL;
		int rc;

		set_ctx("%s, log.1 cut to its header", variants[i].what);
		tree_copy(&v, &t);
		if (variants[i].foreign_state) {
			struct tfile *web = tree_get(&v, "web/state");

			assert_non_null(web);
			tree_set(&v, "api/state", web->data, 3000);
		} else {
			cut(&v, "api/state", 1000);
		}
		cut(&v, "api/log.1", 64);
		if (variants[i].rel_cut)
			cut(&v, "api/rel.1", 64);
		tree_store(&v, dir);
		tree_free(&v);
		s = open_store(dir);
		rc = release_app_get(s, "api", &app);
		if (rc != RELEASE_ECORRUPT)
			soft_fail("release_app_get: %d, want RELEASE_ECORRUPT: %s", rc,
				  release_store_errmsg(s));
		release_app_free(app);
		app = NULL;
		rc = release_app_create(s, "api", &app);
		if (rc != RELEASE_ECORRUPT)
			soft_fail("release_app_create over it: %d, want RELEASE_ECORRUPT: %s", rc,
				  release_store_errmsg(s));
		release_app_free(app);
		release_store_close(s);
	}
	tree_free(&t);
	check_soft("apps whose log was emptied beside their indexes");
}

/* ------------------------------------------------------------ forked holders */

/* Forks a child that waits for a byte on a pipe (or, with close_first,
 * closes b's handle first and exits). Returns its pid; *wake its pipe. */
static pid_t fork_child(struct backend *b, int close_first, int *wake)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;

		close(p[1]);
		if (close_first) {
			b->s->close(b->ctx);
			_exit(0);
		}
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	*wake = p[1];
	return pid;
}

static void reap(pid_t pid, int wake)
{
	int status;

	if (wake >= 0) {
		(void)!write(wake, "x", 1);
		close(wake);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static void unhold_ends_the_hold_though_a_child_forked_meanwhile_lives(void **state)
{
	const char *dir = temp_dir();
	struct backend one, two;
	void *h = NULL, *h2 = NULL;
	int wake;
	pid_t pid;

	(void)state;
	backend_open(dir, &one);
	backend_open(dir, &two);
	assert_rc(&one, one.s->hold(one.ctx, "web", "one", 3, &h), 0);
	pid = fork_child(&one, 0, &wake);
	one.s->unhold(one.ctx, h);
	assert_rc(&two, two.s->hold(two.ctx, "web", "two", 3, &h2), 0);
	two.s->unhold(two.ctx, h2);
	reap(pid, wake);
	backend_close(&one);
	backend_close(&two);
}

static void a_child_closing_its_copy_of_the_handle_leaves_its_parents_hold(void **state)
{
	const char *dir = temp_dir();
	struct backend one, two;
	void *h = NULL, *h2 = NULL;
	int wake;
	pid_t pid;

	(void)state;
	backend_open(dir, &one);
	backend_open(dir, &two);
	assert_rc(&one, one.s->hold(one.ctx, "web", "one", 3, &h), 0);
	pid = fork_child(&one, 1, &wake);
	close(wake);
	reap(pid, -1);
	assert_rc(&two, two.s->hold(two.ctx, "web", "two", 3, &h2), RELEASE_EBUSY);
	one.s->unhold(one.ctx, h);
	assert_rc(&two, two.s->hold(two.ctx, "web", "two", 3, &h2), 0);
	two.s->unhold(two.ctx, h2);
	backend_close(&one);
	backend_close(&two);
}

/* -------------------------------------------------------- a stuck holder */

/* A child that takes a hold's locks on dir's app "web" as a holder does
 * (file.h: byte 0, then HOLD_NONCE_BASE + its nonce) and never writes its
 * info, as a holder stopped between the two would. Returns when it holds. */
static pid_t stuck_holder(const char *dir, int *wake)
{
	char path[600];
	int p[2], q[2];
	pid_t pid;
	char c;

	snprintf(path, sizeof path, "%s/web/hold", dir);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		struct flock zero = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
		struct flock nonce = {.l_type = F_WRLCK, .l_whence = SEEK_SET,
				      .l_start = (off_t)((INT64_C(1) << 40) + 4242), .l_len = 1};

		close(p[1]);
		close(q[0]);
		if (fd < 0 || fcntl(fd, F_OFD_SETLK, &zero) != 0 || fcntl(fd, F_OFD_SETLK, &nonce) != 0)
			_exit(1);
		(void)!write(q[1], "x", 1);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	close(q[1]);
	if (read(q[0], &c, 1) != 1)
		fail_msg("the stuck holder could not lock %s", path);
	close(q[0]);
	*wake = p[1];
	return pid;
}

static void an_app_whose_holder_never_writes_its_info_reads_as_held(void **state)
{
	const char *dir = temp_dir();
	struct backend b;
	release_store *s;
	release_app *app = NULL;
	struct timespec t0, t1;
	void *h = NULL;
	int wake, rc;
	pid_t pid;

	(void)state;
	s = open_store(dir);
	make_app(s, "web");
	/* a holder before it, whose info stays in the file */
	backend_open(dir, &b);
	assert_rc(&b, b.s->hold(b.ctx, "web", "earlier", 7, &h), 0);
	b.s->unhold(b.ctx, h);
	pid = stuck_holder(dir, &wake);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = release_app_get(s, "web", &app);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc != 0) {
		reap(pid, wake);
		fail_msg("release_app_get: %d: %s", rc, release_store_errmsg(s));
	}
	assert_int_equal(release_app_status(app), RELEASE_APP_UPDATING);
	assert_null(strstr(release_app_lease_owner(app), "earlier"));
	release_app_free(app);
	/* what the backend shows: held, with info it cannot give (never the
	 * last holder's leftover) */
	{
		struct sb got = {0};

		sb_add(&got, "%s", "[");
		rc = b.s->held(b.ctx, "web", keep_bytes, &got);
		sb_add(&got, "%s", "]");
		reap(pid, wake);
		if (rc != RELEASE_ECORRUPT)
			fail_msg("held: %d: %s", rc, msg(&b));
		assert_string_equal(got.p, "[]");
		free(got.p);
	}
	/* a reader waits a while, never long */
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 2000);
	backend_close(&b);
	release_store_close(s);
}

/* --------------------------------------------- a record image inside a record */

static release_storage_op put(int kind, const char *key, uint64_t seq, const void *data,
			      size_t len)
{
	release_storage_op o = {RELEASE_OP_PUT, kind, key, seq, NULL, 0, data, len};

	return o;
}

/* A record's bytes as file.h lays them out: a run of one. */
static size_t encode(unsigned char *b, int op, int kind, const char *key, uint64_t seq,
		     const void *data, uint32_t len)
{
	size_t keylen = strlen(key), total = 24 + keylen + len;

	memcpy(b, "LRRK", 4);
	b[8] = (unsigned char)op;
	b[9] = (unsigned char)kind;
	b[10] = (unsigned char)keylen;
	b[11] = 0;
	for (int i = 0; i < 4; i++)
		b[12 + i] = (unsigned char)(len >> (8 * i));
	for (int i = 0; i < 8; i++)
		b[16 + i] = (unsigned char)(seq >> (8 * i));
	memcpy(b + 24, key, keylen);
	memcpy(b + 24 + keylen, data, len);
	{
		uint32_t crc = test_crc32c(b + 8, total - 8);

		for (int i = 0; i < 4; i++)
			b[4 + i] = (unsigned char)(crc >> (8 * i));
	}
	return total;
}

static void a_torn_record_holding_a_record_image_is_cut_off(void **state)
{
	const char *dir = temp_dir();
	unsigned char data[600], *bytes;
	struct backend b;
	struct tree before, after;
	struct sb got = {0};
	size_t image, len;
	release_storage_op first = put(RELEASE_KIND_META, "app", 0, "A", 1), note;
	int rc;

	(void)state;
	if (!getenv("DAMAGE_OPEN"))
		skip();
	/* bytes a caller may store: filler, an intact record's image, filler */
	memset(data, '.', sizeof data);
	image = encode(data + 200, 1, RELEASE_KIND_META, "x", 0, "y", 1);
	backend_open(dir, &b);
	assert_rc(&b, b.s->commit(b.ctx, "web", &first, 1, NULL), 0);
	backend_close(&b);
	tree_load(&before, dir);
	note = put(RELEASE_KIND_META, "note", 0, data, sizeof data);
	backend_open(dir, &b);
	assert_rc(&b, b.s->commit(b.ctx, "web", &note, 1, NULL), 0);
	backend_close(&b);
	tree_load(&after, dir);
	/* its writer died inside the filler after the image, before its sync
	 * returned: the state never named it */
	bytes = tree_get(&after, "web/log.1")->data;
	len = tree_get(&before, "web/log.1")->len + 24 + 4 + 200 + image + 10;
	tree_set(&before, "web/log.1", bytes, len);
	tree_store(&before, dir);
	backend_open(dir, &b);
	rc = b.s->get(b.ctx, "web", RELEASE_KIND_META, "app", keep_bytes, &got);
	if (rc != 0)
		fail_msg("get: %d, want 0 (the torn record cut off): %s", rc, msg(&b));
	assert_string_equal(got.p, "A");
	backend_close(&b);
	free(got.p);
	tree_free(&before);
	tree_free(&after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_app_whose_log_is_emptied_while_its_indexes_hold_entries_is_corrupt),
		cmocka_unit_test(unhold_ends_the_hold_though_a_child_forked_meanwhile_lives),
		cmocka_unit_test(a_child_closing_its_copy_of_the_handle_leaves_its_parents_hold),
		cmocka_unit_test(an_app_whose_holder_never_writes_its_info_reads_as_held),
		cmocka_unit_test(a_torn_record_holding_a_record_image_is_cut_off),
	};

	if (getenv("DAMAGE_FILTER"))
		cmocka_set_test_filter(getenv("DAMAGE_FILTER"));
	return cmocka_run_group_tests_name("file-store damage: attacks", tests, NULL, NULL);
}
