/*
 * The store directory itself: two processes creating the same new store at
 * once, a store directory that someone else owns or may write to, and FIFOs
 * planted where the store opens files by a fixed name.
 *
 * - First open of a new store by two processes at the same moment: both
 *   must succeed (the FORMAT file is written once, under a name no other
 *   opener can be writing at the same time).
 * - An existing store directory owned by another user, or writable by its
 *   group or by others, is refused with a message, never trusted: whoever
 *   else may write there can plant files and links the store would follow.
 * - A FIFO at a name the store opens (FORMAT.tmp, its only fixed temporary
 *   name; FORMAT; an app's lock and state) must not make a call block: an
 *   open of a FIFO for writing waits for a reader, forever.
 * - An app directory deleted by hand (rm -rf) under an open handle, and
 *   perhaps made again by another: the handle reads and writes the
 *   directory that is there now, never the deleted one's files.
 */
#include "damage.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define RACES 50

static int test_setup(void **state)
{
	(void)state;
	soft_reset();
	return 0;
}

/* ---------------------------------------------------- concurrent creation */

struct racer {
	const char *dir;
	int gate; /* read end of the start gate */
	int loud; /* print a failure's message */
};

/* Waits at the gate (the parent closes the write end to open it), then
 * opens the store. */
static int racer(void *arg)
{
	const struct racer *r = arg;
	char uri[600], c;
	release_store *s = NULL;
	int rc;

	while (read(r->gate, &c, 1) < 0 && errno == EINTR)
		;
	snprintf(uri, sizeof uri, "file:%s", r->dir);
	rc = release_store_open(&s, uri, NULL);
	if (rc != 0 && r->loud)
		fprintf(stderr, "[%s] release_store_open -> %d (%s): %s\n", r->dir, rc,
			release_strerror(rc), release_store_errmsg(NULL));
	release_store_close(s);
	return rc != 0;
}

static void new_store_opened_by_two_processes_at_once_works_for_both(void **state)
{
	const char *base = temp_dir();
	int failed = 0;

	(void)state;
	for (int i = 0; i < RACES; i++) {
		char dir[400];
		struct racer r;
		int gate[2], st[2];
		pid_t pid[2];
		release_store *s;

		snprintf(dir, sizeof dir, "%s/store-%d", base, i);
		assert_int_equal(pipe(gate), 0);
		r.dir = dir;
		r.gate = gate[0];
		r.loud = failed < 3;
		fflush(NULL);
		for (int k = 0; k < 2; k++) {
			pid[k] = fork();
			assert_true(pid[k] >= 0);
			if (pid[k] == 0) {
				close(gate[1]);
				_exit(racer(&r));
			}
		}
		close(gate[0]);
		close(gate[1]); /* both go */
		for (int k = 0; k < 2; k++) {
			while (waitpid(pid[k], &st[k], 0) != pid[k])
				assert_int_equal(errno, EINTR);
			if (!WIFEXITED(st[k]) || WEXITSTATUS(st[k]) != 0)
				failed++;
		}
		/* and the store they made is a store */
		s = open_store(dir);
		make_app(s, "web");
		release_store_close(s);
	}
	if (failed)
		fail_msg("%d of %d first opens racing another failed (the first messages are above)", failed,
			 2 * RACES);
}

/* -------------------------------------------------- owner and mode */

/* A store with an app, at <temp>/store; returns its path (static). */
static const char *real_store(void)
{
	static char dir[400];
	release_store *s;
	release *r;

	snprintf(dir, sizeof dir, "%s/store", temp_dir());
	s = open_store(dir);
	make_app(s, "web");
	r = make_build_release(s, "web", "a build");
	release_free(r);
	release_store_close(s);
	return dir;
}

/* Opening dir must fail with a message; with the store open anyway, what
 * it was used for is reported too. */
static void refused(const char *dir, const char *why)
{
	release_store *s = NULL;
	int rc = try_open_store(dir, &s);

	if (rc == 0) {
		soft_fail("a store directory %s was opened and trusted", why);
		release_store_close(s);
		return;
	}
	if (!*release_store_errmsg(NULL))
		soft_fail("a store directory %s was refused (%d) without a message", why, rc);
	else
		print_message("  %s: %d (%s): %s\n", why, rc, release_strerror(rc),
			      release_store_errmsg(NULL));
}

static void store_directory_owned_by_another_user_is_refused(void **state)
{
	const char *dir;

	(void)state;
	if (geteuid() != 0) {
		print_message("  needs root, to give the directory away\n");
		skip();
	}
	dir = real_store();
	assert_int_equal(chown(dir, 65534, 65534), 0);
	set_ctx("store directory owned by uid 65534");
	refused(dir, "owned by uid 65534");
	assert_int_equal(chown(dir, 0, 0), 0);
	/* given back, it opens again */
	release_store_close(open_store(dir));
	check_soft("store directory of another user");
}

static void store_directory_writable_by_group_or_others_is_refused(void **state)
{
	static const mode_t bad[] = {0770, 0707, 0777, 0720, 0702};
	static const mode_t good[] = {0700, 0750, 0755};
	const char *dir = real_store();

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char why[64];

		snprintf(why, sizeof why, "of mode %04o", (unsigned)bad[i]);
		set_ctx("store directory %s", why);
		assert_int_equal(chmod(dir, bad[i]), 0);
		refused(dir, why);
	}
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		release_store *s = NULL;
		int rc;

		set_ctx("store directory of mode %04o", (unsigned)good[i]);
		assert_int_equal(chmod(dir, good[i]), 0);
		rc = try_open_store(dir, &s);
		if (rc != 0)
			soft_fail("a store directory writable by its owner only was refused: %d (%s): %s",
				  rc, release_strerror(rc), release_store_errmsg(NULL));
		release_store_close(s);
	}
	assert_int_equal(chmod(dir, 0700), 0);
	check_soft("store directory writable by others");
}

/* ------------------------------------------------------------ FIFOs */

/* In the child: open the store and use app web; every call must return. */
static int use_store(void *arg)
{
	static const char *const pair[] = {"K=v"};
	const char *dir = arg;
	release_store *s = NULL;
	release_app *a = NULL;
	int rc = try_open_store(dir, &s);

	if (rc == 0) {
		release_app_get(s, "web", &a);
		release_app_free(a);
		release_env_set(s, "web", pair, 1, NULL);
	}
	release_store_close(s);
	return 0;
}

/* Runs use_store on dir in a child given 10 s. */
static void returns(const char *dir, const char *fifo)
{
	int st = in_child(use_store, (void *)dir, 10);

	if (st == 256 + SIGALRM)
		soft_fail("a FIFO at %s blocked the store (killed after 10 s)", fifo);
	else if (st != 0)
		soft_fail("with a FIFO at %s the child ended with status %d", fifo, st);
}

static void fifo_at_a_fixed_name_does_not_block_the_store(void **state)
{
	static const char *const app_files[] = {"web/lock", "web/state"};
	char dir[400], path[500];

	(void)state;
	/* a new store: the directory is empty but for the FIFO */
	snprintf(dir, sizeof dir, "%s/new", temp_dir());
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof path, "%s/FORMAT.tmp", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	set_ctx("a new store with a FIFO at FORMAT.tmp");
	returns(dir, "FORMAT.tmp");

	/* FORMAT itself */
	snprintf(dir, sizeof dir, "%s/format", temp_dir());
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof path, "%s/FORMAT", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	set_ctx("a directory with a FIFO at FORMAT");
	returns(dir, "FORMAT");

	/* an app's files */
	for (size_t i = 0; i < sizeof app_files / sizeof app_files[0]; i++) {
		const char *store = real_store();

		snprintf(path, sizeof path, "%s/%s", store, app_files[i]);
		assert_int_equal(unlink(path), 0);
		assert_int_equal(mkfifo(path, 0600), 0);
		set_ctx("a FIFO at %s", app_files[i]);
		returns(store, app_files[i]);
	}
	check_soft("FIFOs at the store's file names");
}

/* ------------------------------------------- an app directory replaced */

static void make_release(release_store *s, const char *value)
{
	char pair[64];
	const char *pairs[] = {pair};
	release *r = NULL;

	snprintf(pair, sizeof pair, "K=%s", value);
	assert_int_equal(release_env_set(s, "web", pairs, 1, &r), 0);
	release_free(r);
}

/* The newest release's K, or NULL when the app has none. */
static char *newest_k(release_store *s)
{
	release_iter *it = NULL;
	const release *r = NULL;
	char *v = NULL;
	int rc;

	assert_int_equal(release_list(s, "web", NULL, &it), 0);
	if ((rc = release_iter_next(it, &r)) == 0)
		v = strdup(release_env_get(r, "K"));
	else if (rc != RELEASE_ITEROVER)
		fail_msg("listing: %s: %s", release_strerror(rc), release_store_errmsg(s));
	release_iter_free(it);
	return v;
}

static void app_directory_deleted_by_hand_and_made_again_is_used_anew(void **state)
{
	char dir[400], uri[500], app[500], ro_uri[520];
	release_store *old = NULL, *other = NULL, *ro = NULL;
	release_app *a = NULL;
	char *v;

	(void)state;
	snprintf(dir, sizeof dir, "%s/replaced", temp_dir());
	snprintf(uri, sizeof uri, "file:%s", dir);
	snprintf(app, sizeof app, "%s/web", dir);
	assert_int_equal(release_store_open(&old, uri, NULL), 0);
	assert_int_equal(release_app_create(old, "web", NULL), 0);
	make_release(old, "first");
	assert_string_equal(v = newest_k(old), "first");
	free(v);
	snprintf(ro_uri, sizeof ro_uri, "%s?mode=ro", uri);
	assert_int_equal(release_store_open(&ro, ro_uri, NULL), 0);
	assert_string_equal(v = newest_k(ro), "first");
	free(v);

	/* deleted: the app is gone for the handle too */
	rm_rf(app);
	assert_int_equal(release_app_get(old, "web", &a), RELEASE_ENOTFOUND);

	/* made again by another handle, with a release of its own */
	assert_int_equal(release_store_open(&other, uri, NULL), 0);
	assert_int_equal(release_app_create(other, "web", NULL), 0);
	make_release(other, "second");
	assert_string_equal(v = newest_k(old), "second");
	free(v);
	assert_string_equal(v = newest_k(ro), "second");
	free(v);

	/* deleted and made again with no look in between: the old handle's
	 * write goes into the new directory, where the other handle reads it */
	rm_rf(app);
	assert_int_equal(release_app_create(other, "web", NULL), 0);
	make_release(old, "third");
	assert_string_equal(v = newest_k(other), "third");
	free(v);
	release_store_close(ro);
	release_store_close(other);
	release_store_close(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(new_store_opened_by_two_processes_at_once_works_for_both,
				       test_setup),
		cmocka_unit_test_setup(store_directory_owned_by_another_user_is_refused, test_setup),
		cmocka_unit_test_setup(store_directory_writable_by_group_or_others_is_refused,
				       test_setup),
		cmocka_unit_test_setup(fifo_at_a_fixed_name_does_not_block_the_store, test_setup),
		cmocka_unit_test_setup(app_directory_deleted_by_hand_and_made_again_is_used_anew,
				       test_setup),
	};

	if (getenv("DAMAGE_FILTER"))
		cmocka_set_test_filter(getenv("DAMAGE_FILTER"));
	return cmocka_run_group_tests_name("file-store damage: the store directory", tests, NULL,
					   NULL);
}
