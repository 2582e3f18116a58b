/*
 * pgstore's holds across a new session: a hold whose session ended while
 * its holder lives is taken again by the handle's next session when no one
 * held the app in between, and is lost otherwise, its holder's commits
 * to the app refused. Compiled as part of test_pgstore_libpq.c, whose helpers
 * and libpq wrappers it uses.
 */

static struct {
	char uri[1100];
	PGconn *watcher;
	release_store *s;
	const char *id;
	const release_storage *st;
	void *other, *other_hold;
	int other_took;
} lose;

/* A fresh store's handle, and a raw one of the same store; myapp with a
 * release to promote. */
static release *lose_setup(release_promote_opts *o)
{
	release *r;

	snprintf(lose.uri, sizeof lose.uri, "%s", test_store_uri());
	assert_int_equal(test_store_open(&lose.s, lose.uri, NULL), 0);
	assert_int_equal(test_storage_open(&lose.st, &lose.other, lose.uri), 0);
	make_app(lose.s, "myapp");
	r = set_env(lose.s, "myapp", "A=1");
	lose.id = release_id(r);
	release_promote_opts_init(o);
	return r;
}

/* The holder's session is left in doubt and a new one started: the next
 * call connects anew. */
static void lose_the_session(void)
{
	release *got = NULL;

	arm(OWN_ERROR, "librelease_get");
	assert_lost(lose.s, release_get(lose.s, "myapp", lose.id, &got));
	assert_int_equal(fired, 1);
	assert_null(got);
}

/* A deployer whose store's session is lost and started anew, after which
 * another handle tries to take the app. */
static int deploy_across_a_new_session(void *payload, const release *r, release_events *events)
{
	release *got = NULL;

	(void)payload;
	(void)r;
	(void)events;
	lose_the_session();
	assert_store_ok(lose.s, release_get(lose.s, "myapp", lose.id, &got));
	release_free(got);
	lose.other_took = free_for_others(lose.st, lose.other);
	return 0;
}

/* A hold whose session was lost, which no one held meanwhile, is taken
 * again by the new session: the promotion stays exclusive. */
static void a_hold_nobody_took_meanwhile_is_taken_again_with_a_new_session(void **state)
{
	release_promote_opts o;
	release *r;
	int before;

	(void)state;
	r = lose_setup(&o);
	o.deploy = deploy_across_a_new_session;
	before = resets;
	assert_store_ok(lose.s, release_promote(lose.s, "myapp", lose.id, &o));
	assert_int_equal(resets, before + 1);
	assert_false(lose.other_took);
	assert_string_equal(active_of(lose.s, "myapp"), lose.id);
	/* given back at the promotion's end */
	assert_true(free_for_others(lose.st, lose.other));
	release_free(r);
	lose.st->close(lose.other);
	release_store_close(lose.s);
}

/* Run between the old session's end and the new one's start. */
static void another_takes_the_hold(void)
{
	assert_int_equal(lose.st->hold(lose.other, "myapp", "b", 1, &lose.other_hold), 0);
}

static int deploy_while_another_takes_the_hold(void *payload, const release *r,
					       release_events *events)
{
	(void)payload;
	(void)r;
	(void)events;
	lose_the_session();
	after_reset = another_takes_the_hold;
	return 0;
}

/* A promotion whose hold another session took while its own was being
 * replaced moves nothing: it is no longer the app's one promotion. */
static void a_promotion_whose_hold_another_took_meanwhile_moves_nothing(void **state)
{
	release_promote_opts o;
	release *r;

	(void)state;
	r = lose_setup(&o);
	o.deploy = deploy_while_another_takes_the_hold;
	assert_int_equal(release_promote(lose.s, "myapp", lose.id, &o), RELEASE_EBUSY);
	assert_null(after_reset);
	assert_non_null(strstr(release_store_errmsg(lose.s), "another session may have held it"));
	assert_string_equal(active_of(lose.s, "myapp"), "");
	lose.st->unhold(lose.other, lose.other_hold);
	/* the hold lost is forgotten with the promotion: the next one runs */
	o.deploy = deploy;
	assert_store_ok(lose.s, release_promote(lose.s, "myapp", lose.id, &o));
	assert_string_equal(active_of(lose.s, "myapp"), lose.id);
	release_free(r);
	lose.st->close(lose.other);
	release_store_close(lose.s);
}

/* The old session's backend, closed, may not have let go of the lock yet
 * when the new session asks for it: here a transaction of another
 * connection stands for it, holding the app's lock for 300 ms. */
static PGconn *lingering;

static void the_old_session_lingers(void)
{
	char sql[200];
	PGresult *res;

	assert_non_null(lingering = PQconnectdb(lose.uri));
	assert_int_equal(PQstatus(lingering), CONNECTION_OK);
	assert_true(PQsendQuery(lingering, "SELECT pg_advisory_xact_lock("
					   "librelease_lock_key('hold', 'myapp')), pg_sleep(0.3)"));
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = %d",
		 PQbackendPID(lingering));
	/* until the lock is taken */
	for (int i = 0; i < 500; i++) {
		struct timespec ms = {0, 1000 * 1000};

		res = PQexec(lose.watcher, sql);
		if (strcmp(PQgetvalue(res, 0, 0), "1") == 0) {
			PQclear(res);
			return;
		}
		PQclear(res);
		nanosleep(&ms, NULL);
	}
	fail_msg("the lingering lock was not taken");
}

static int deploy_while_the_old_session_lingers(void *payload, const release *r,
						release_events *events)
{
	release *got = NULL;

	(void)payload;
	(void)r;
	(void)events;
	lose_the_session();
	after_reset = the_old_session_lingers;
	assert_store_ok(lose.s, release_get(lose.s, "myapp", lose.id, &got));
	release_free(got);
	return 0;
}

static void a_hold_whose_old_session_lingers_is_taken_again_once_it_is_gone(void **state)
{
	release_promote_opts o;
	release *r;

	(void)state;
	r = lose_setup(&o);
	assert_non_null(lose.watcher = PQconnectdb(lose.uri));
	o.deploy = deploy_while_the_old_session_lingers;
	assert_store_ok(lose.s, release_promote(lose.s, "myapp", lose.id, &o));
	assert_string_equal(active_of(lose.s, "myapp"), lose.id);
	for (PGresult *res; (res = PQgetResult(lingering));)
		PQclear(res);
	PQfinish(lingering);
	PQfinish(lose.watcher);
	release_free(r);
	lose.st->close(lose.other);
	release_store_close(lose.s);
}
