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

struct backend {
	const release_storage *s;
	void *ctx;
};

static void backend_open(const char *dir, struct backend *b)
{
	char uri[600];
	int rc;

	snprintf(uri, sizeof uri, "file:%s", dir);
	b->ctx = NULL;
	rc = release_storage_open(&b->s, &b->ctx, uri);
	if (rc != 0)
		fail_msg("opening %s: %d: %s", dir, rc, release_store_errmsg(NULL));
}

static void backend_close(struct backend *b)
{
	if (b->ctx)
		b->s->close(b->ctx);
	b->ctx = NULL;
}

static const char *msg(const struct backend *b)
{
	const char *m = b->s->errmsg ? b->s->errmsg(b->ctx) : NULL;

	return m ? m : "(no message)";
}

#define assert_rc(b, call, want)                                                             \
	do {                                                                                 \
		int rc_ = (call);                                                            \
		if (rc_ != (want))                                                           \
			fail_msg("%s: %d, want %d: %s", #call, rc_, (want), msg(b));         \
	} while (0)

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_app_whose_log_is_emptied_while_its_indexes_hold_entries_is_corrupt),
		cmocka_unit_test(unhold_ends_the_hold_though_a_child_forked_meanwhile_lives),
		cmocka_unit_test(a_child_closing_its_copy_of_the_handle_leaves_its_parents_hold),
	};

	if (getenv("DAMAGE_FILTER"))
		cmocka_set_test_filter(getenv("DAMAGE_FILTER"));
	return cmocka_run_group_tests_name("file-store damage: attacks", tests, NULL, NULL);
}
