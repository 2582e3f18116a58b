/*
 * A promoter killed mid-deploy (SIGKILL: no clean-up runs) must not block
 * its app: another process promotes within a second, and meanwhile sees
 * who holds the app. The promoter is a child process on the same store;
 * a store that lives in one process ("memory:") cannot be shared, and a
 * backend without holds keeps an expiring lease instead: both skip.
 */
#include "race_backend.h"

#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define APP "batch"

struct crash {
	char uri[1100];
	release_store *s;
	char r1[32], r2[32]; /* R1 active, R2 to promote */
	pid_t pid;           /* the promoter, once forked */
	char owner[64];      /* its lease owner label */
};

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int crash_setup(void **state)
{
	struct crash *c = calloc(1, sizeof *c);
	const release_storage *st;
	void *ctx;
	release *r;

	assert_non_null(c);
	snprintf(c->uri, sizeof c->uri, "%s", test_store_uri());
	*state = c;
	if (strstr(c->uri, "memory:")) {
		print_message("skipped: a memory store lives in one process\n");
		return 0;
	}
	assert_ok(test_storage_open(&st, &ctx, c->uri));
#if RACE_V2
	if (!(st->version >= 2 && st->hold)) {
		st->close(ctx);
		print_message("skipped: the backend has no holds (storage version %d)\n",
			      st->version);
		return 0;
	}
#endif
	st->close(ctx);
	assert_ok(test_store_open(&c->s, c->uri, NULL));
	make_app(c->s, APP);
	r = make_build_release(c->s, APP, "one");
	snprintf(c->r1, sizeof c->r1, "%s", release_id(r));
	promote(c->s, APP, c->r1);
	release_free(r);
	r = make_build_release(c->s, APP, "two");
	snprintf(c->r2, sizeof c->r2, "%s", release_id(r));
	release_free(r);
	return 0;
}

static int crash_teardown(void **state)
{
	struct crash *c = *state;

	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	release_store_close(c->s);
	free(c);
	return 0;
}

static struct crash *crash_state(void **state)
{
	struct crash *c = *state;

	if (!c->s)
		skip();
	return c;
}

/* The child's deployer: tells the parent it runs, then never returns. */
static int deploy_forever(void *payload, const release *r, release_events *events)
{
	int fd = *(const int *)payload;
	char x = 'd';

	(void)r;
	(void)events;
	if (write(fd, &x, 1) != 1)
		_exit(4);
	for (;;)
		pause();
	return 0;
}

static void child(struct crash *c, int fd)
{
	release_store *s = NULL;
	release_promote_opts o;

	prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
	if (test_store_open(&s, c->uri, NULL) != 0)
		_exit(2);
	release_promote_opts_init(&o);
	o.deploy = deploy_forever;
	o.deploy_payload = &fd;
	snprintf(c->owner, sizeof c->owner, "promoter %ld", (long)getpid());
	o.owner = c->owner;
	release_promote(s, APP, c->r2, &o);
	_exit(3); /* the promotion did not reach its deployer */
}

/* Forks the promoter and returns once its deployer runs; 1 if it does. */
static int start_promoter(struct crash *c)
{
	int fds[2];
	char x;
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		close(fds[0]);
		child(c, fds[1]);
	}
	close(fds[1]);
	snprintf(c->owner, sizeof c->owner, "promoter %ld", (long)c->pid);
	n = read(fds[0], &x, 1);
	close(fds[0]);
	return n == 1;
}

static void kill_promoter(struct crash *c)
{
	int status = 0;

	assert_int_equal(kill(c->pid, SIGKILL), 0);
	assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
	c->pid = 0;
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void promotion_after_the_promoter_was_killed_succeeds_within_a_second(void **state)
{
	struct crash *c = crash_state(state);
	release_promote_opts o;
	int64_t start, took;
	int rc;

	assert_true(start_promoter(c));
	kill_promoter(c);
	release_promote_opts_init(&o);
	o.wait_ns = 1000000000;
	start = monotonic_ns();
	rc = release_promote(c->s, APP, c->r2, &o);
	took = monotonic_ns() - start;
	print_message("promoting after the kill took %lld ms\n", (long long)(took / 1000000));
	if (rc != 0)
		fail_msg("promoting after the promoter was killed: %s after %lld ms: %s",
			 release_strerror(rc), (long long)(took / 1000000),
			 release_store_errmsg(c->s));
	assert_true(took < 1000000000);
	assert_string_equal(active_of(c->s, APP), c->r2);
}

static void app_shows_the_promoter_while_it_lives_and_running_once_it_died(void **state)
{
	struct crash *c = crash_state(state);
	release_app *during = NULL, *after = NULL;
	int rc_during, rc_after;

	assert_true(start_promoter(c));
	rc_during = release_app_get(c->s, APP, &during);
	kill_promoter(c);
	/* A server notices its client's death a moment later (PostgreSQL ends
	 * the session when it sees the socket closed): within a second. */
	for (int64_t deadline = monotonic_ns() + 1000000000;;) {
		struct timespec pause = {0, 5000000};

		rc_after = release_app_get(c->s, APP, &after);
		if (rc_after != 0 || release_app_status(after) == RELEASE_APP_RUNNING ||
		    monotonic_ns() >= deadline)
			break;
		release_app_free(after);
		after = NULL;
		nanosleep(&pause, NULL);
	}
	assert_store_ok(c->s, rc_during);
	assert_store_ok(c->s, rc_after);
	assert_string_equal(release_app_status_name(release_app_status(during)), "updating");
	assert_non_null(release_app_lease_owner(during));
	assert_string_equal(release_app_lease_owner(during), c->owner);
	assert_string_equal(release_app_active(during), c->r1);
	if (release_app_status(after) != RELEASE_APP_RUNNING)
		fail_msg("the promoter was killed, yet the app is %s (lease held by %s)",
			 release_app_status_name(release_app_status(after)),
			 release_app_lease_owner(after) ? release_app_lease_owner(after) : "nobody");
	assert_null(release_app_lease_owner(after));
	assert_string_equal(release_app_active(after), c->r1);
	release_app_free(during);
	release_app_free(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			promotion_after_the_promoter_was_killed_succeeds_within_a_second,
			crash_setup, crash_teardown),
		cmocka_unit_test_setup_teardown(
			app_shows_the_promoter_while_it_lives_and_running_once_it_died,
			crash_setup, crash_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
