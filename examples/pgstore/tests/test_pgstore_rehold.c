/*
 * pgstore's holds across a new session: a hold whose session ended while
 * its holder lives is taken again by the handle's next session when no one
 * held the app in between, and is lost otherwise, its holder's writes to
 * the app refused. Compiled as part of test_pgstore_libpq.c, whose helpers
 * and libpq wrappers it uses.
 */

/* Waits, up to two seconds, until no session of the server at uri holds
 * myapp's lock: a session whose connection closed may not have ended on
 * the server yet. */
static void wait_until_myapp_is_free(const char *uri)
{
	struct timespec pause = {0, 10 * 1000 * 1000};
	PGconn *c = PQconnectdb(uri);

	for (int i = 0; i < 200; i++) {
		PGresult *res = PQexec(c, "SELECT count(*) FROM pg_locks"
					  " WHERE locktype = 'advisory' AND granted"
					  " AND classid::bigint ="
					  "  (librelease_lock_key('hold', 'myapp') >> 32) & 4294967295"
					  " AND objid::bigint ="
					  "  librelease_lock_key('hold', 'myapp') & 4294967295");
		int busy = PQresultStatus(res) != PGRES_TUPLES_OK ||
			   strcmp(PQgetvalue(res, 0, 0), "0") != 0;

		PQclear(res);
		if (!busy) {
			PQfinish(c);
			return;
		}
		nanosleep(&pause, NULL);
	}
	PQfinish(c);
	fail_msg("myapp's lock was not given back");
}

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
	wait_until_myapp_is_free(lose.uri);
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

/* ---- at the vtable: what another session did meanwhile */

static struct {
	char uri[1100];
	const release_storage *st;
	void *a, *b;
} raw;

/* Two raw handles on one fresh store, whose URI is kept. */
static void raw_open(void)
{
	snprintf(raw.uri, sizeof raw.uri, "%s", test_store_uri());
	assert_int_equal(test_storage_open(&raw.st, &raw.a, raw.uri), 0);
	assert_int_equal(test_storage_open(&raw.st, &raw.b, raw.uri), 0);
}

static void raw_close(void)
{
	raw.st->close(raw.a);
	raw.st->close(raw.b);
}

/* a's session left in doubt: its next call starts a new one. */
static void raw_lose_session(void)
{
	int n = 0;

	arm(OWN_ERROR, "librelease_get");
	assert_int_equal(raw.st->get(raw.a, "myapp", RELEASE_KIND_META, "m", count_record, &n),
			 RELEASE_EIO);
	assert_int_equal(fired, 1);
}

/* A commit of one META record, key, to app. */
static int commit_put(void *ctx, const char *app, const char *key)
{
	release_storage_op o = {RELEASE_OP_PUT, RELEASE_KIND_META, key, 0, NULL, 0, "x", 1};

	return raw.st->commit(ctx, app, &o, 1, NULL);
}

static int has_record(void *ctx, const char *app, const char *key)
{
	int n = 0, rc = raw.st->get(ctx, app, RELEASE_KIND_META, key, count_record, &n);

	assert_true(rc == 0 || rc == RELEASE_ENOTFOUND);
	return rc == 0;
}

/* Whether b can take app now, giving it back at once. */
static int b_can_take(const char *app)
{
	void *h = NULL;
	int rc = raw.st->hold(raw.b, app, "b", 1, &h);

	if (rc == 0)
		raw.st->unhold(raw.b, h);
	return rc == 0;
}

static int copy_info(void *payload, uint64_t seq, const char *key, const void *data,
		     size_t len)
{
	(void)seq;
	(void)key;
	snprintf(payload, 32, "%.*s", (int)len, (const char *)data);
	return 0;
}

/* A META record of myapp as text (static buffer), "(none)" if absent. */
static const char *record_text(void *ctx, const char *key)
{
	static char buf[32];
	int rc = raw.st->get(ctx, "myapp", RELEASE_KIND_META, key, copy_info, buf);

	assert_true(rc == 0 || rc == RELEASE_ENOTFOUND);
	return rc == 0 ? buf : "(none)";
}

/* The rows of librelease_holds, counted by a connection of the test's. */
static long hold_rows(void)
{
	PGconn *c = PQconnectdb(raw.uri);
	PGresult *res = PQexec(c, "SELECT count(*) FROM librelease_holds");
	long n = PQresultStatus(res) == PGRES_TUPLES_OK ? strtol(PQgetvalue(res, 0, 0), NULL, 10)
							 : -1;

	PQclear(res);
	PQfinish(c);
	return n;
}

/* Run between a's old session's end and its new one's start. */
static void b_takes_and_gives_back(void)
{
	wait_until_myapp_is_free(raw.uri);
	assert_true(b_can_take("myapp"));
}

/* Another took the app and gave it back, which removed its row: no row is
 * not the row a's hold left, and the hold is lost. */
static void a_hold_another_took_and_gave_back_meanwhile_is_lost(void **state)
{
	void *h = NULL;

	(void)state;
	raw_open();
	assert_int_equal(raw.st->hold(raw.a, "myapp", "a", 1, &h), 0);
	raw_lose_session();
	after_reset = b_takes_and_gives_back;
	assert_int_equal(commit_put(raw.a, "myapp", "k1"), RELEASE_EBUSY);
	assert_null(after_reset);
	assert_non_null(strstr(raw.st->errmsg(raw.a), "another session may have held it"));
	assert_false(has_record(raw.b, "myapp", "k1"));
	/* a took no lock again: the app is free for others */
	assert_true(b_can_take("myapp"));
	raw.st->unhold(raw.a, h);
	assert_int_equal(commit_put(raw.a, "myapp", "k1"), 0);
	raw_close();
}

/* Run between a's old session's end and its new one's start: a handle of
 * its own takes the app and closes, leaving its row, not a's. */
static void a_third_takes_and_dies(void)
{
	const release_storage *st;
	void *c = NULL, *h = NULL;

	wait_until_myapp_is_free(raw.uri);
	assert_int_equal(test_storage_open(&st, &c, raw.uri), 0);
	assert_int_equal(st->hold(c, "myapp", "c", 1, &h), 0);
	st->close(c);
	wait_until_myapp_is_free(raw.uri);
}

static void a_hold_another_took_and_died_with_meanwhile_is_lost(void **state)
{
	void *h = NULL;

	(void)state;
	raw_open();
	assert_int_equal(raw.st->hold(raw.a, "myapp", "a", 1, &h), 0);
	raw_lose_session();
	after_reset = a_third_takes_and_dies;
	assert_int_equal(commit_put(raw.a, "myapp", "k1"), RELEASE_EBUSY);
	assert_null(after_reset);
	assert_true(b_can_take("myapp"));
	raw.st->unhold(raw.a, h);
	raw_close();
}

/* One handle holds two apps; one of them another took meanwhile. */
static void a_lost_hold_refuses_its_own_apps_commits_only(void **state)
{
	void *h = NULL, *h2 = NULL;

	(void)state;
	raw_open();
	assert_int_equal(raw.st->hold(raw.a, "myapp", "a", 1, &h), 0);
	assert_int_equal(raw.st->hold(raw.a, "other", "a2", 2, &h2), 0);
	raw_lose_session();
	after_reset = b_takes_and_gives_back;
	assert_int_equal(commit_put(raw.a, "other", "k1"), 0);
	assert_null(after_reset);
	assert_int_equal(commit_put(raw.a, "myapp", "k1"), RELEASE_EBUSY);
	/* the other app's hold was taken again, and stays taken */
	assert_false(b_can_take("other"));
	assert_int_equal(commit_put(raw.a, "other", "k2"), 0);
	/* giving the lost hold back ends the refusal, for its app alone */
	raw.st->unhold(raw.a, h);
	assert_int_equal(commit_put(raw.a, "myapp", "k1"), 0);
	assert_false(b_can_take("other"));
	raw.st->unhold(raw.a, h2);
	assert_true(b_can_take("other"));
	raw_close();
}

/* A hold taken again is the holder's whole: others see its info, and
 * giving it back removes its row with its lock. */
static void a_hold_taken_again_is_shown_and_given_back_whole(void **state)
{
	void *h = NULL;
	char info[32] = "";

	(void)state;
	raw_open();
	assert_int_equal(raw.st->hold(raw.a, "myapp", "a-info", 6, &h), 0);
	raw_lose_session();
	assert_int_equal(commit_put(raw.a, "myapp", "k1"), 0);
	assert_int_equal(raw.st->held(raw.b, "myapp", copy_info, info), 0);
	assert_string_equal(info, "a-info");
	assert_false(b_can_take("myapp"));
	raw.st->unhold(raw.a, h);
	assert_int_equal(hold_rows(), 0);
	assert_int_equal(raw.st->held(raw.b, "myapp", copy_info, info), RELEASE_ENOTFOUND);
	raw_close();
}

/* A lost hold refuses the single-record writes too: a promoter built on
 * them (put, compare-and-swap, delete) moves nothing either. */
static void a_lost_hold_refuses_single_record_writes_too(void **state)
{
	void *h = NULL;

	(void)state;
	raw_open();
	assert_int_equal(raw.st->put(raw.a, "myapp", RELEASE_KIND_META, "active", 0, "r1", 2), 0);
	assert_int_equal(raw.st->hold(raw.a, "myapp", "a", 1, &h), 0);
	raw_lose_session();
	after_reset = b_takes_and_gives_back;
	assert_int_equal(raw.st->cas(raw.a, "myapp", RELEASE_KIND_META, "active", "r1", 2, "r2", 2),
			 RELEASE_EBUSY);
	assert_null(after_reset);
	assert_non_null(strstr(raw.st->errmsg(raw.a), "another session may have held it"));
	assert_int_equal(raw.st->put(raw.a, "myapp", RELEASE_KIND_META, "k1", 0, "x", 1),
			 RELEASE_EBUSY);
	assert_int_equal(raw.st->del(raw.a, "myapp", RELEASE_KIND_META, "active"), RELEASE_EBUSY);
	assert_false(has_record(raw.b, "myapp", "k1"));
	assert_string_equal(record_text(raw.b, "active"), "r1");
	/* other apps' writes go on; given back, the hold refuses no more */
	assert_int_equal(raw.st->put(raw.a, "other", RELEASE_KIND_META, "k1", 0, "x", 1), 0);
	raw.st->unhold(raw.a, h);
	assert_int_equal(raw.st->cas(raw.a, "myapp", RELEASE_KIND_META, "active", "r1", 2, "r2", 2),
			 0);
	raw_close();
}

/* Behind a connection pooler (PgBouncer), libpq's backend pid is the
 * pooler's key, not the server process that wrote the hold's row: the
 * hold is taken again all the same. */
static void a_hold_behind_a_pooler_is_taken_again_with_a_new_session(void **state)
{
	void *h = NULL;

	(void)state;
	raw_open();
	pooler_pid = 4242;
	assert_int_equal(raw.st->hold(raw.a, "myapp", "a", 1, &h), 0);
	raw_lose_session();
	assert_int_equal(commit_put(raw.a, "myapp", "k1"), 0);
	assert_false(b_can_take("myapp"));
	raw.st->unhold(raw.a, h);
	assert_true(b_can_take("myapp"));
	pooler_pid = 0;
	raw_close();
}
