/*
 * release_rollback() with no target, waiting (wait_ns) for an app another
 * promotion holds: it rolls back to the release that was active before the
 * current one as it is once the rollback holds the app, not as it was
 * before the wait. The other promotion runs in a thread of its own, on a
 * handle of its own; it finishes only once the rollback has found the app
 * busy.
 */
#include "race_backend.h"

#include <pthread.h>
#include <string.h>

#define APP "shop"

struct busy {
	struct race_fixture *f;
	const char *id; /* what the busy promotion makes active */
	pthread_mutex_t m;
	pthread_cond_t c;
	int deploying, go;
	int rc;
};

/* The busy promotion's deployer: says it runs, then waits to be let go. */
static int deploy_until_let_go(void *payload, const release *r, release_events *events)
{
	struct busy *b = payload;

	(void)r;
	(void)events;
	pthread_mutex_lock(&b->m);
	b->deploying = 1;
	pthread_cond_broadcast(&b->c);
	while (!b->go)
		pthread_cond_wait(&b->c, &b->m);
	pthread_mutex_unlock(&b->m);
	return 0;
}

static void *busy_promotion(void *arg)
{
	struct busy *b = arg;
	release_promote_opts o;

	release_promote_opts_init(&o);
	o.deploy = deploy_until_let_go;
	o.deploy_payload = b;
	o.owner = "the busy promotion";
	b->rc = release_promote(b->f->s[1], APP, b->id, &o);
	return NULL;
}

/* Hook, after the rollback's first look at the app's lease: the busy
 * promotion may finish. */
static void let_go(void *arg)
{
	struct busy *b = arg;

	pthread_mutex_lock(&b->m);
	b->go = 1;
	pthread_cond_broadcast(&b->c);
	pthread_mutex_unlock(&b->m);
}

static void rollback_waiting_for_a_busy_app_targets_the_previous_once_it_holds_it(void **state)
{
	struct race_fixture *f = *state;
	struct busy b = {f, NULL, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, -1};
	struct race_hook h = {RACE_LEASE_LOOK, 0, 0, let_go, &b, 1, 0};
	char ids[3][32];
	release_promote_opts o;
	release *next = NULL, *copy = NULL;
	pthread_t t;
	int rc;

	make_app(f->s[0], APP);
	race_history(f->s[0], APP, 3, ids, NULL); /* R3 active, R2 previous */
	next = make_build_release(f->s[0], APP, "next");
	b.id = release_id(next);
	/* R4's promotion runs; when it is done R4 is active, R3 previous */
	assert_int_equal(pthread_create(&t, NULL, busy_promotion, &b), 0);
	pthread_mutex_lock(&b.m);
	while (!b.deploying)
		pthread_cond_wait(&b.c, &b.m);
	pthread_mutex_unlock(&b.m);
	race_hook(f, 0, &h);
	release_promote_opts_init(&o);
	o.wait_ns = INT64_C(30) * 1000000000;
	rc = release_rollback(f->s[0], APP, NULL, &o, &copy);
	let_go(&b); /* in case the rollback never looked */
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(race_fired(f, 0), 1);
	assert_store_ok(f->s[1], b.rc);
	assert_store_ok(f->s[0], rc);
	if (strcmp(release_source(copy), ids[1]) == 0)
		fail_msg("the rollback copied %s, the previous release before it waited; once it "
			 "held the app, %s was active and %s previous",
			 ids[1], release_id(next), ids[2]);
	assert_string_equal(release_source(copy), ids[2]);
	assert_string_equal(active_of(f->s[1], APP), release_id(copy));
	release_free(copy);
	release_free(next);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			rollback_waiting_for_a_busy_app_targets_the_previous_once_it_holds_it,
			race_setup_real_clock, race_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
