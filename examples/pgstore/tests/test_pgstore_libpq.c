/*
 * pgstore when libpq answers badly: no result at all (a statement that
 * could not be sent, a reply lost), or an error libpq made itself (the
 * connection broke mid-exchange) while it still calls the connection good.
 * Such a call fails with RELEASE_EIO, is never taken for an empty answer or
 * a success, and the next call starts a new session. libpq's calls are
 * wrapped (libpq_faults.h: this program's definitions come before
 * libpq's), and the tests run under pg_server.py like the other PostgreSQL
 * tests.
 */
#include "harness.h"

#include <pgstore.h>
#include "libpq_faults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- helpers */

static release_store *open_store(void)
{
	release_store *s = NULL;
	char err[512] = "";
	int rc = pgstore_open(&s, test_store_uri(), NULL, err, sizeof err);

	if (rc != 0)
		fail_msg("pgstore_open -> %d: %s", rc, err);
	return s;
}

static int count_record(void *payload, uint64_t seq, const char *key, const void *data,
			size_t len)
{
	(void)seq;
	(void)key;
	(void)data;
	(void)len;
	(*(int *)payload)++;
	return 0;
}

static void assert_lost(release_store *s, int rc)
{
	if (rc != RELEASE_EIO)
		fail_msg("got %s (%s), want RELEASE_EIO", release_strerror(rc),
			 release_store_errmsg(s));
	if (!strstr(release_store_errmsg(s), "connection to PostgreSQL lost"))
		fail_msg("message: %s", release_store_errmsg(s));
}

/* Two raw handles on one fresh store. */
static void open_two(const release_storage **st, void **a, void **b)
{
	char uri[1100];

	snprintf(uri, sizeof uri, "%s", test_store_uri());
	assert_int_equal(test_storage_open(st, a, uri), 0);
	assert_int_equal(test_storage_open(st, b, uri), 0);
}

/* ---- reads */

static void a_read_libpq_gives_no_result_for_is_eio_not_not_found(void **state)
{
	release_store *s = open_store();
	release *r = NULL, *got = NULL;
	int before;

	(void)state;
	make_app(s, "myapp");
	r = set_env(s, "myapp", "A=1");
	arm(NO_RESULT, "librelease_get");
	assert_lost(s, release_get(s, "myapp", release_id(r), &got));
	assert_int_equal(fired, 1);
	assert_null(got);
	/* the next call starts a new session, and finds the release */
	before = resets;
	assert_store_ok(s, release_get(s, "myapp", release_id(r), &got));
	assert_int_equal(resets, before + 1);
	assert_string_equal(release_id(got), release_id(r));
	release_free(got);
	release_free(r);
	release_store_close(s);
}

static void an_app_libpq_gives_no_result_for_is_not_missing(void **state)
{
	release_store *s = open_store();
	release_iter *it = NULL;

	(void)state;
	make_app(s, "myapp");
	arm(NO_RESULT, "librelease_get");
	assert_lost(s, release_list(s, "myapp", NULL, &it));
	assert_null(it);
	assert_store_ok(s, release_list(s, "myapp", NULL, &it));
	release_iter_free(it);
	release_store_close(s);
}

static void an_error_libpq_made_itself_leaves_the_session_for_a_new_one(void **state)
{
	release_store *s = open_store();
	release *r = NULL, *got = NULL;
	int before;

	(void)state;
	make_app(s, "myapp");
	r = set_env(s, "myapp", "A=1");
	arm(OWN_ERROR, "librelease_get");
	before = resets;
	assert_lost(s, release_get(s, "myapp", release_id(r), &got));
	assert_int_equal(fired, 1);
	/* libpq still calls the connection good; it is not asked again */
	assert_store_ok(s, release_get(s, "myapp", release_id(r), &got));
	assert_int_equal(resets, before + 1);
	release_free(got);
	release_free(r);
	release_store_close(s);
}

/* ---- writes */

static void a_commit_libpq_gives_no_result_for_is_not_acknowledged(void **state)
{
	release_store *s = open_store();
	const char *pair = "A=1";
	release *r = NULL;

	(void)state;
	make_app(s, "myapp");
	arm(NO_RESULT, "librelease_commit(");
	assert_lost(s, release_env_set(s, "myapp", &pair, 1, &r));
	assert_int_equal(fired, 1);
	assert_null(r);
	/* it was never sent: nothing was written, and the next write is 1 */
	assert_int_equal(count_releases(s, "myapp"), 0);
	r = set_env(s, "myapp", "A=1");
	assert_int_equal(release_version(r), 1);
	release_free(r);
	release_store_close(s);
}

/* The commit ran but its reply never came: the core reads back what the
 * commit would have written, on a new session, and finds it. */
static void a_commit_whose_reply_was_lost_is_read_back(void **state)
{
	release_store *s = open_store();
	const char *pair = "A=1";
	release *r = NULL;
	int before;

	(void)state;
	make_app(s, "myapp");
	arm(REPLY_LOST, "librelease_commit(");
	before = resets;
	assert_store_ok(s, release_env_set(s, "myapp", &pair, 1, &r));
	assert_int_equal(fired, 1);
	assert_int_equal(resets, before + 1);
	assert_int_equal(release_version(r), 1);
	release_free(r);
	assert_int_equal(count_releases(s, "myapp"), 1);
	r = set_env(s, "myapp", "B=2");
	assert_int_equal(release_version(r), 2);
	release_free(r);
	release_store_close(s);
}

static void a_put_libpq_gives_no_result_for_is_not_acknowledged(void **state)
{
	const release_storage *st = NULL;
	void *ctx = NULL;
	int n = 0;

	(void)state;
	assert_int_equal(test_storage_open(&st, &ctx, test_store_uri()), 0);
	arm(NO_RESULT, "librelease_put");
	assert_int_equal(st->put(ctx, "myapp", RELEASE_KIND_RELEASE, "k1", 1, "x", 1), RELEASE_EIO);
	assert_int_equal(fired, 1);
	assert_int_equal(st->get(ctx, "myapp", RELEASE_KIND_RELEASE, "k1", count_record, &n),
			 RELEASE_ENOTFOUND);
	/* a compare-and-swap and a delete the same way */
	assert_int_equal(st->put(ctx, "myapp", RELEASE_KIND_META, "m", 0, "a", 1), 0);
	arm(NO_RESULT, "librelease_cas");
	assert_int_equal(st->cas(ctx, "myapp", RELEASE_KIND_META, "m", "a", 1, "b", 1),
			 RELEASE_EIO);
	arm(NO_RESULT, "librelease_remove");
	assert_int_equal(st->cas(ctx, "myapp", RELEASE_KIND_META, "m", "a", 1, NULL, 0),
			 RELEASE_EIO);
	assert_int_equal(st->get(ctx, "myapp", RELEASE_KIND_META, "m", count_record, &n), 0);
	assert_int_equal(n, 1);
	st->close(ctx);
}

/* ---- sessions that are not what they must be */

/* A reconnection whose setup the server refused (an ordinary error): the
 * session, not pinned to the store's schema, is never used. */
static void a_session_that_could_not_be_set_up_is_not_used(void **state)
{
	release_store *s = open_store();
	release *r = NULL, *got = NULL;

	(void)state;
	make_app(s, "myapp");
	r = set_env(s, "myapp", "A=1");
	arm(OWN_ERROR, "librelease_get");
	assert_lost(s, release_get(s, "myapp", release_id(r), &got));
	arm(SERVER_ERROR, "set_config('search_path'");
	assert_int_equal(release_get(s, "myapp", release_id(r), &got), RELEASE_EIO);
	assert_int_equal(fired, 1);
	assert_non_null(strstr(release_store_errmsg(s), "setting up the session"));
	spy_for = "librelease_get";
	assert_store_ok(s, release_get(s, "myapp", release_id(r), &got));
	if (!strstr(spied, "pg_catalog"))
		fail_msg("a statement ran with search_path %s", spied);
	release_free(got);
	release_free(r);
	release_store_close(s);
}

/* A session whose set-up answered without its server process (a row of
 * another shape) is not used either: holds are written under that pid. */
static void a_session_whose_setup_answered_badly_is_not_used(void **state)
{
	release_store *s = open_store();
	release *r = NULL, *got = NULL;

	(void)state;
	make_app(s, "myapp");
	r = set_env(s, "myapp", "A=1");
	arm(OWN_ERROR, "librelease_get");
	assert_lost(s, release_get(s, "myapp", release_id(r), &got));
	arm(MISSHAPEN, "set_config('search_path'");
	assert_lost(s, release_get(s, "myapp", release_id(r), &got));
	assert_int_equal(fired, 1);
	assert_non_null(strstr(release_store_errmsg(s), "setting up the session"));
	assert_store_ok(s, release_get(s, "myapp", release_id(r), &got));
	release_free(got);
	release_free(r);
	release_store_close(s);
}

/* A session in a transaction that an error aborted answers every statement
 * with 25P02: it is left for a new one. */
static void a_session_left_in_a_failed_transaction_is_left_for_a_new_one(void **state)
{
	release_store *s = open_store();
	release *r = NULL, *got = NULL;

	(void)state;
	make_app(s, "myapp");
	r = set_env(s, "myapp", "A=1");
	arm(STUCK, "librelease_get");
	assert_lost(s, release_get(s, "myapp", release_id(r), &got));
	assert_int_equal(fired, 1);
	assert_store_ok(s, release_get(s, "myapp", release_id(r), &got));
	release_free(got);
	release_free(r);
	release_store_close(s);
}

static void a_reconnection_libpq_gives_no_result_for_is_tried_again(void **state)
{
	release_store *s = open_store();
	release *r = NULL, *got = NULL;
	int before;

	(void)state;
	make_app(s, "myapp");
	r = set_env(s, "myapp", "A=1");
	arm(OWN_ERROR, "librelease_get");
	assert_lost(s, release_get(s, "myapp", release_id(r), &got));
	arm(NO_RESULT, "set_config('search_path'");
	before = resets;
	assert_lost(s, release_get(s, "myapp", release_id(r), &got));
	assert_int_equal(fired, 1);
	assert_store_ok(s, release_get(s, "myapp", release_id(r), &got));
	assert_int_equal(resets, before + 2);
	release_free(got);
	release_free(r);
	release_store_close(s);
}

static void a_statement_libpq_could_not_prepare_leaves_the_session(void **state)
{
	release_store *s = open_store();
	release *r = NULL, *got = NULL;
	int before;

	(void)state;
	make_app(s, "myapp");
	r = set_env(s, "myapp", "A=1");
	/* a new session, whose first get prepares the statement */
	arm(OWN_ERROR, "librelease_get");
	assert_lost(s, release_get(s, "myapp", release_id(r), &got));
	arm(NO_RESULT, "SELECT seq, data FROM librelease_records");
	before = resets;
	assert_lost(s, release_get(s, "myapp", release_id(r), &got));
	assert_int_equal(fired, 1);
	assert_null(got);
	assert_store_ok(s, release_get(s, "myapp", release_id(r), &got));
	assert_int_equal(resets, before + 2);
	release_free(got);
	release_free(r);
	release_store_close(s);
}

static void a_commit_with_an_error_libpq_made_itself_is_not_acknowledged(void **state)
{
	release_store *s = open_store();
	const char *pair = "A=1";
	release *r = NULL;

	(void)state;
	make_app(s, "myapp");
	arm(OWN_ERROR, "librelease_commit(");
	assert_lost(s, release_env_set(s, "myapp", &pair, 1, &r));
	assert_int_equal(fired, 1);
	assert_null(r);
	assert_int_equal(count_releases(s, "myapp"), 0);
	r = set_env(s, "myapp", "A=1");
	assert_int_equal(release_version(r), 1);
	release_free(r);
	release_store_close(s);
}

/* ---- answers of another shape than the statement's */

/* A command's success without its row count (nothing was sent) is not a
 * put that took effect. */
static void a_put_answered_without_a_row_count_is_not_acknowledged(void **state)
{
	const release_storage *st = NULL;
	void *ctx = NULL;
	int n = 0;

	(void)state;
	assert_int_equal(test_storage_open(&st, &ctx, test_store_uri()), 0);
	arm(NO_COUNT, "librelease_put");
	assert_int_equal(st->put(ctx, "myapp", RELEASE_KIND_RELEASE, "k1", 1, "x", 1), RELEASE_EIO);
	assert_int_equal(fired, 1);
	assert_int_equal(st->get(ctx, "myapp", RELEASE_KIND_RELEASE, "k1", count_record, &n),
			 RELEASE_ENOTFOUND);
	st->close(ctx);
}

/* A put run inside a transaction block is not committed: not a success. */
static void a_put_left_inside_a_transaction_block_is_not_acknowledged(void **state)
{
	const release_storage *st = NULL;
	void *a = NULL, *b = NULL;
	int n = 0;

	(void)state;
	open_two(&st, &a, &b);
	arm(IN_BLOCK, "librelease_put");
	assert_int_equal(st->put(a, "myapp", RELEASE_KIND_RELEASE, "k1", 1, "x", 1), RELEASE_EIO);
	assert_int_equal(fired, 1);
	assert_int_equal(st->get(b, "myapp", RELEASE_KIND_RELEASE, "k1", count_record, &n),
			 RELEASE_ENOTFOUND);
	/* nor is it later: the session it was left in is over */
	assert_int_equal(st->get(a, "myapp", RELEASE_KIND_RELEASE, "k1", count_record, &n),
			 RELEASE_ENOTFOUND);
	st->close(a);
	st->close(b);
}

static int list_name(void *payload, const char *app)
{
	(void)app;
	(*(int *)payload)++;
	return 0;
}

/* Rows in text where binary was asked for are no listing. */
static void a_listing_answered_in_text_is_eio(void **state)
{
	const release_storage *st = NULL;
	void *ctx = NULL;
	int n = 0;

	(void)state;
	assert_int_equal(test_storage_open(&st, &ctx, test_store_uri()), 0);
	arm(MISSHAPEN, "librelease_apps");
	assert_int_equal(st->list_apps(ctx, list_name, &n), RELEASE_EIO);
	assert_int_equal(fired, 1);
	assert_int_equal(n, 0);
	assert_non_null(strstr(st->errmsg(ctx), "connection to PostgreSQL lost"));
	assert_int_equal(st->list_apps(ctx, list_name, &n), 0);
	assert_int_equal(n, 0);
	st->close(ctx);
}

/* ---- holds */

static int deployed;

static int deploy(void *payload, const release *r, release_events *events)
{
	(void)payload;
	(void)r;
	(void)events;
	deployed++;
	return 0;
}

static void a_hold_libpq_gives_no_result_for_is_not_taken(void **state)
{
	release_store *s = open_store();
	release_promote_opts o;
	release *r;

	(void)state;
	make_app(s, "myapp");
	r = set_env(s, "myapp", "A=1");
	release_promote_opts_init(&o);
	o.deploy = deploy;
	deployed = 0;
	arm(NO_RESULT, "librelease_hold(");
	assert_lost(s, release_promote(s, "myapp", release_id(r), &o));
	assert_int_equal(fired, 1);
	/* no lease, no deployment, nothing moved */
	assert_int_equal(deployed, 0);
	assert_string_equal(active_of(s, "myapp"), "");
	assert_store_ok(s, release_promote(s, "myapp", release_id(r), &o));
	assert_int_equal(deployed, 1);
	assert_string_equal(active_of(s, "myapp"), release_id(r));
	release_free(r);
	release_store_close(s);
}

/* A hold whose answer is not a boolean may have taken the lock: it is
 * given back, and the app is free for others. */
static void assert_hold_answered_badly_leaves_no_lock(enum fault fault)
{
	const release_storage *st = NULL;
	void *a = NULL, *b = NULL, *ha = NULL, *hb = NULL;

	open_two(&st, &a, &b);
	arm(fault, "librelease_hold(");
	assert_int_equal(st->hold(a, "myapp", "a", 1, &ha), RELEASE_EIO);
	assert_int_equal(fired, 1);
	assert_non_null(strstr(st->errmsg(a), "connection to PostgreSQL lost"));
	assert_int_equal(st->hold(b, "myapp", "b", 1, &hb), 0);
	st->unhold(b, hb);
	assert_int_equal(st->hold(a, "myapp", "a", 1, &ha), 0);
	st->unhold(a, ha);
	st->close(a);
	st->close(b);
}

static void a_hold_answered_in_text_leaves_no_lock_behind(void **state)
{
	(void)state;
	assert_hold_answered_badly_leaves_no_lock(MISSHAPEN);
}

static void a_hold_answered_with_no_boolean_leaves_no_lock_behind(void **state)
{
	(void)state;
	assert_hold_answered_badly_leaves_no_lock(ODD_BOOL);
}

/* Whether another handle can take app now, giving it back at once. */
static int free_for_others(const release_storage *st, void *other)
{
	void *h = NULL;
	int rc = st->hold(other, "myapp", "b", 1, &h);

	if (rc == 0)
		st->unhold(other, h);
	return rc == 0;
}

/* Two raw handles on one fresh store; a holds myapp. */
static void hold_in_one_of_two(const release_storage **st, void **a, void **b, void **ha)
{

	open_two(st, a, b);
	assert_int_equal((*st)->hold(*a, "myapp", "a", 1, ha), 0);
	assert_false(free_for_others(*st, *b));
}

/* An unhold the server refused (an ordinary error, the session still up)
 * ends the session rather than leave it holding the lock unknown. */
static void an_unhold_the_server_refused_leaves_no_lock_behind(void **state)
{
	const release_storage *st = NULL;
	void *a = NULL, *b = NULL, *h = NULL;

	(void)state;
	hold_in_one_of_two(&st, &a, &b, &h);
	arm(SERVER_ERROR, "librelease_unhold(");
	st->unhold(a, h);
	assert_int_equal(fired, 1);
	assert_true(free_for_others(st, b));
	st->close(a);
	st->close(b);
}

/* An unhold libpq gave no result for leaves the session in doubt, still
 * holding the lock: it is ended then, not at the handle's next call. */
static void an_unhold_libpq_gives_no_result_for_leaves_no_lock_behind(void **state)
{
	const release_storage *st = NULL;
	void *a = NULL, *b = NULL, *h = NULL;

	(void)state;
	hold_in_one_of_two(&st, &a, &b, &h);
	arm(NO_RESULT, "librelease_unhold(");
	st->unhold(a, h);
	assert_int_equal(fired, 1);
	assert_true(free_for_others(st, b));
	st->close(a);
	st->close(b);
}

/* A take that failed after taking the lock, whose giving back failed too. */
static void a_failed_take_whose_give_back_failed_leaves_no_lock_behind(void **state)
{
	const release_storage *st = NULL;
	void *a = NULL, *b = NULL, *h = NULL;

	(void)state;
	open_two(&st, &a, &b);
	arm(RAN_THEN_ERROR, "librelease_hold(");
	arm_also(SERVER_ERROR, "pg_advisory_unlock(");
	assert_int_equal(st->hold(a, "myapp", "a", 1, &h), RELEASE_EIO);
	assert_int_equal(fired, 2);
	/* the take's failure is the one told */
	assert_non_null(strstr(st->errmsg(a), "hold: PostgreSQL error 22012"));
	assert_true(free_for_others(st, b));
	st->close(a);
	st->close(b);
}

static void a_hold_whose_reply_was_lost_leaves_no_lock_behind(void **state)
{
	const release_storage *st = NULL;
	void *a = NULL, *b = NULL, *h = NULL;

	(void)state;
	open_two(&st, &a, &b);
	arm(REPLY_LOST, "librelease_hold(");
	assert_int_equal(st->hold(a, "myapp", "a", 1, &h), RELEASE_EIO);
	assert_int_equal(fired, 1);
	assert_true(free_for_others(st, b));
	assert_int_equal(st->hold(a, "myapp", "a", 1, &h), 0);
	st->unhold(a, h);
	st->close(a);
	st->close(b);
}

static void held_libpq_gives_no_result_for_is_eio_not_free(void **state)
{
	const release_storage *st = NULL;
	void *a = NULL, *b = NULL, *h = NULL;
	int n = 0;

	(void)state;
	hold_in_one_of_two(&st, &a, &b, &h);
	arm(NO_RESULT, "librelease_held(");
	assert_int_equal(st->held(b, "myapp", count_record, &n), RELEASE_EIO);
	assert_int_equal(fired, 1);
	assert_int_equal(n, 0);
	assert_int_equal(st->held(b, "myapp", count_record, &n), 0);
	assert_int_equal(n, 1);
	st->unhold(a, h);
	st->close(a);
	st->close(b);
}

/* ---- waiting */

static void a_wait_whose_listen_libpq_gives_no_result_for_is_eio(void **state)
{
	release_store *s = open_store();
	release_watch *w = NULL;
	int before;

	(void)state;
	make_app(s, "myapp");
	assert_store_ok(s, release_watch_open(s, "myapp", &w));
	arm(NO_RESULT, "LISTEN");
	assert_lost(s, release_watch_wait(w, 1000 * 1000));
	assert_int_equal(fired, 1);
	/* the next wait listens on a new session, and times out */
	before = resets;
	assert_int_equal(release_watch_wait(w, 1000 * 1000), RELEASE_ETIMEDOUT);
	assert_int_equal(resets, before + 1);
	release_watch_free(w);
	release_store_close(s);
}

/* ---- holds across a new session: a file of their own */
#include "test_pgstore_rehold.c"

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_read_libpq_gives_no_result_for_is_eio_not_not_found),
		cmocka_unit_test(an_app_libpq_gives_no_result_for_is_not_missing),
		cmocka_unit_test(an_error_libpq_made_itself_leaves_the_session_for_a_new_one),
		cmocka_unit_test(a_commit_libpq_gives_no_result_for_is_not_acknowledged),
		cmocka_unit_test(a_commit_whose_reply_was_lost_is_read_back),
		cmocka_unit_test(a_put_libpq_gives_no_result_for_is_not_acknowledged),
		cmocka_unit_test(a_hold_libpq_gives_no_result_for_is_not_taken),
		cmocka_unit_test(a_session_that_could_not_be_set_up_is_not_used),
		cmocka_unit_test(a_session_whose_setup_answered_badly_is_not_used),
		cmocka_unit_test(a_session_left_in_a_failed_transaction_is_left_for_a_new_one),
		cmocka_unit_test(a_reconnection_libpq_gives_no_result_for_is_tried_again),
		cmocka_unit_test(a_statement_libpq_could_not_prepare_leaves_the_session),
		cmocka_unit_test(a_commit_with_an_error_libpq_made_itself_is_not_acknowledged),
		cmocka_unit_test(a_put_answered_without_a_row_count_is_not_acknowledged),
		cmocka_unit_test(a_put_left_inside_a_transaction_block_is_not_acknowledged),
		cmocka_unit_test(a_listing_answered_in_text_is_eio),
		cmocka_unit_test(a_hold_answered_in_text_leaves_no_lock_behind),
		cmocka_unit_test(a_hold_answered_with_no_boolean_leaves_no_lock_behind),
		cmocka_unit_test(an_unhold_the_server_refused_leaves_no_lock_behind),
		cmocka_unit_test(an_unhold_libpq_gives_no_result_for_leaves_no_lock_behind),
		cmocka_unit_test(a_failed_take_whose_give_back_failed_leaves_no_lock_behind),
		cmocka_unit_test(a_hold_whose_reply_was_lost_leaves_no_lock_behind),
		cmocka_unit_test(held_libpq_gives_no_result_for_is_eio_not_free),
		cmocka_unit_test(a_wait_whose_listen_libpq_gives_no_result_for_is_eio),
		cmocka_unit_test(a_hold_nobody_took_meanwhile_is_taken_again_with_a_new_session),
		cmocka_unit_test(a_promotion_whose_hold_another_took_meanwhile_moves_nothing),
		cmocka_unit_test(a_hold_whose_old_session_lingers_is_taken_again_once_it_is_gone),
		cmocka_unit_test(a_hold_another_took_and_gave_back_meanwhile_is_lost),
		cmocka_unit_test(a_hold_another_took_and_died_with_meanwhile_is_lost),
		cmocka_unit_test(a_lost_hold_refuses_its_own_apps_commits_only),
		cmocka_unit_test(a_hold_taken_again_is_shown_and_given_back_whole),
		cmocka_unit_test(a_lost_hold_refuses_single_record_writes_too),
		cmocka_unit_test(a_hold_behind_a_pooler_is_taken_again_with_a_new_session),
	};

	if (!getenv("RELEASE_TEST_STORE") || !pgstore_is_uri(getenv("RELEASE_TEST_STORE"))) {
		printf("RELEASE_TEST_STORE names no PostgreSQL server: run under pg_server.py\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
