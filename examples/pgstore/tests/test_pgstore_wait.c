/*
 * pgstore's wait() (storage version 3) and the notifications behind it:
 * schema version 3's trigger notifies channel "librelease" with the app's
 * name whenever a change to the app's records commits, whoever wrote it,
 * and wait() sleeps on the connection until such a notification or its
 * timeout. Writers here are other processes (fork), each with its own
 * connection, as an agent's would be. Run under pg_server.py.
 */
#include "harness.h"

#include <pgstore.h>
#include <libpq-fe.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000LL
#define DEPLOY RELEASE_KIND_DEPLOY

/* ---- helpers */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* one clock for every process */
	return (int64_t)ts.tv_sec * 1000 * MS + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * MS};

	while (nanosleep(&ts, &ts) != 0)
		;
}

static char *fresh_uri(void)
{
	char *uri = strdup(test_store_uri());

	assert_non_null(uri);
	assert_true(pgstore_is_uri(uri));
	return uri;
}

static PGconn *connect_to(const char *uri)
{
	PGconn *c = PQconnectdb(uri);

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("connecting to %s: %s", uri, PQerrorMessage(c));
	return c;
}

static void exec_ok(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);

	if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(res);
}

static long sql_value(const char *uri, const char *sql)
{
	PGconn *c = connect_to(uri);
	PGresult *res = PQexec(c, sql);
	long v = -1;

	if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
		v = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	PQfinish(c);
	return v;
}

static void open_raw(const char *uri, const release_storage **st, void **ctx)
{
	assert_ok(test_storage_open(st, ctx, uri));
	assert_int_equal((*st)->version, 3);
	assert_non_null((*st)->wait);
}

static int put_deploy(const release_storage *st, void *ctx, const char *app, uint64_t seq)
{
	char key[24];

	snprintf(key, sizeof key, "%llu", (unsigned long long)seq);
	return st->put(ctx, app, DEPLOY, key, seq, "entry", 5);
}

static int note_seq(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	*(uint64_t *)payload = seq;
	return 0;
}

/* ---- the check a wait runs: has the app's newest deployment entry
 * changed since the baseline? */

struct watch {
	const release_storage *st;
	void *ctx;
	const char *app;
	uint64_t baseline;
	int calls;
	int result;     /* non-zero: what every check returns */
	int go;         /* a pipe to a writer: written at the first check */
	int64_t first;  /* when the first check ran */
	int64_t seen;   /* when a check saw the change */
	/* runs in the first check, after it read: a change it misses */
	void (*during)(struct watch *w);
	int queries; /* how many queries during() runs on the waiting connection */
	const char *uri;
};

static int check(void *payload)
{
	struct watch *w = payload;
	uint64_t newest = 0;
	int rc;

	if (++w->calls == 1) {
		w->first = now_ns();
		if (w->go >= 0)
			assert_int_equal(write(w->go, "g", 1), 1);
	}
	if (w->result)
		return w->result;
	rc = w->st->scan(w->ctx, w->app, DEPLOY, UINT64_MAX, 1, note_seq, &newest);
	if (rc != 0)
		return rc;
	if (w->calls == 1 && w->during)
		w->during(w);
	if (newest == w->baseline)
		return 0;
	w->seen = now_ns();
	return 1;
}

static void watch_init(struct watch *w, const release_storage *st, void *ctx, const char *uri)
{
	memset(w, 0, sizeof *w);
	w->st = st;
	w->ctx = ctx;
	w->app = "myapp";
	w->go = -1;
	w->uri = uri;
}

/* ---- writers in other processes
 *
 * A writer connects first, then waits for the watcher's first check (a
 * byte on its pipe), sleeps delay_ms, writes, and reports when it began to
 * write. It never returns: a child leaves cmocka alone and ends with
 * _exit, its status saying whether it wrote. */

enum how {
	BY_PGSTORE,    /* a deployment entry through pgstore's vtable */
	BY_FIRST_SQL,  /* the first layout's INSERT, as older programs send it */
	BY_OTHER_APP,  /* five entries of another app, 100 ms apart */
	BY_PROMOTION,  /* release_promote() of release to_promote */
};

static char to_promote[64]; /* set before the fork */

struct writer {
	pid_t pid;
	int go;     /* the watcher writes here */
	int report; /* the writer's start time comes here */
};

static int child_write(const char *uri, enum how how, int go, int report, int delay_ms)
{
	const release_storage *st = NULL;
	void *ctx = NULL;
	release_store *s = NULL;
	PGconn *c = NULL;
	char err[512], byte;
	int64_t at;
	int ok = 1;

	if (how == BY_FIRST_SQL)
		ok = PQstatus(c = PQconnectdb(uri)) == CONNECTION_OK;
	else if (how == BY_PROMOTION)
		ok = pgstore_open(&s, uri, NULL, err, sizeof err) == 0;
	else
		ok = pgstore_storage_open(&st, &ctx, uri, err, sizeof err) == 0;
	if (!ok || read(go, &byte, 1) != 1)
		return 2;
	sleep_ms(delay_ms);
	at = now_ns();
	switch (how) {
	case BY_PGSTORE:
		ok = put_deploy(st, ctx, "myapp", 1) == 0;
		break;
	case BY_FIRST_SQL: {
		PGresult *res = PQexec(c, "INSERT INTO librelease_records (app, kind, key, seq, data)"
					  " VALUES ('myapp', 4, '1', 1, '\\x00'::bytea)");

		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
		break;
	}
	case BY_OTHER_APP:
		for (uint64_t seq = 1; seq <= 5 && ok; seq++) {
			ok = put_deploy(st, ctx, "other", seq) == 0;
			sleep_ms(100);
		}
		break;
	case BY_PROMOTION:
		ok = release_promote(s, "myapp", to_promote, NULL) == 0;
		break;
	}
	if (write(report, &at, sizeof at) != (ssize_t)sizeof at)
		return 3;
	return ok ? 0 : 1;
}

static void start_writer(struct writer *wr, const char *uri, enum how how, int delay_ms)
{
	int go[2], report[2];

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(report), 0);
	fflush(stdout);
	fflush(stderr);
	wr->pid = fork();
	assert_true(wr->pid >= 0);
	if (wr->pid == 0) {
		close(go[1]);
		close(report[0]);
		_exit(child_write(uri, how, go[0], report[1], delay_ms));
	}
	close(go[0]);
	close(report[1]);
	wr->go = go[1];
	wr->report = report[0];
}

/* Waits for the writer; the time it began to write. */
static int64_t end_writer(struct writer *wr)
{
	int64_t at = 0;
	int status;

	assert_int_equal(read(wr->report, &at, sizeof at), (ssize_t)sizeof at);
	assert_int_equal(waitpid(wr->pid, &status, 0), wr->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(wr->go);
	close(wr->report);
	return at;
}

/* A wait for a change a writer of kind how makes: woken by its
 * notification, within a second of the write and well before the
 * once-a-second check would have seen it. */
static void assert_woken_by(const char *uri, const release_storage *st, void *ctx, enum how how)
{
	struct watch w;
	struct writer wr;
	int64_t wrote;

	watch_init(&w, st, ctx, uri);
	start_writer(&wr, uri, how, 300);
	w.go = wr.go;
	assert_int_equal(st->wait(ctx, "myapp", INT64_MAX, check, &w), 1);
	wrote = end_writer(&wr);
	assert_true(w.seen > wrote);
	if (w.seen - wrote >= 1000 * MS)
		fail_msg("woken %lld ms after the write", (long long)((w.seen - wrote) / MS));
	/* the write came 300 ms after the first check; the periodic check
	 * would come at 1000 ms */
	if (w.seen - w.first >= 800 * MS)
		fail_msg("woken %lld ms after the first check: not by the notification",
			 (long long)((w.seen - w.first) / MS));
	assert_int_equal(w.calls, 2);
}

/* ---- timeouts and the check's word */

static void a_wait_with_nothing_changing_ends_at_its_timeout(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	struct watch w;
	int64_t start;

	open_raw(uri, &st, &ctx);
	watch_init(&w, st, ctx, uri);
	start = now_ns();
	assert_int_equal(st->wait(ctx, "myapp", 1500 * MS, check, &w), 0);
	assert_true(now_ns() - start >= 1500 * MS);
	assert_true(now_ns() - start < 2000 * MS);
	/* the first check, and one after each second slept */
	assert_int_equal(w.calls, 2);
	st->close(ctx);
	free(uri);
}

static void a_timeout_of_zero_checks_once(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	struct watch w;
	int64_t start;

	open_raw(uri, &st, &ctx);
	watch_init(&w, st, ctx, uri);
	start = now_ns();
	assert_int_equal(st->wait(ctx, "myapp", 0, check, &w), 0);
	assert_true(now_ns() - start < 500 * MS);
	assert_int_equal(w.calls, 1);
	/* and what the check sees, it says */
	assert_ok(put_deploy(st, ctx, "myapp", 1));
	assert_int_equal(st->wait(ctx, "myapp", 0, check, &w), 1);
	assert_int_equal(w.calls, 2);
	st->close(ctx);
	free(uri);
}

static void a_wait_returns_at_once_when_the_check_says_so(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	struct watch w;
	int64_t start;

	open_raw(uri, &st, &ctx);
	assert_ok(put_deploy(st, ctx, "myapp", 1));
	watch_init(&w, st, ctx, uri); /* baseline 0: changed already */
	start = now_ns();
	assert_int_equal(st->wait(ctx, "myapp", INT64_MAX, check, &w), 1);
	assert_true(now_ns() - start < 500 * MS);
	assert_int_equal(w.calls, 1);
	st->close(ctx);
	free(uri);
}

static void a_failing_check_ends_the_wait_with_its_code(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	struct watch w;

	open_raw(uri, &st, &ctx);
	watch_init(&w, st, ctx, uri);
	w.result = RELEASE_ECORRUPT;
	assert_int_equal(st->wait(ctx, "myapp", INT64_MAX, check, &w), RELEASE_ECORRUPT);
	assert_int_equal(w.calls, 1);
	st->close(ctx);
	free(uri);
}

static void a_wait_without_a_check_or_with_a_negative_timeout_is_einval(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	struct watch w;

	open_raw(uri, &st, &ctx);
	watch_init(&w, st, ctx, uri);
	assert_int_equal(st->wait(ctx, "myapp", 1, NULL, &w), RELEASE_EINVAL);
	assert_int_equal(st->wait(ctx, "myapp", -1, check, &w), RELEASE_EINVAL);
	assert_int_equal(st->wait(ctx, "Not An App", 1, check, &w), RELEASE_EINVAL);
	assert_int_equal(w.calls, 0);
	assert_non_null(st->errmsg(ctx));
	st->close(ctx);
	free(uri);
}

/* ---- woken by other processes */

static void a_commit_by_another_process_wakes_the_wait_within_a_second(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;

	open_raw(uri, &st, &ctx);
	assert_woken_by(uri, st, ctx, BY_PGSTORE);
	/* and again, on the connection that listens already */
	assert_ok(st->del(ctx, "myapp", DEPLOY, "1"));
	assert_woken_by(uri, st, ctx, BY_PGSTORE);
	st->close(ctx);
	free(uri);
}

/* A program of an earlier version still connected when a newer one
 * migrated the tables writes with the statements it always had: the
 * trigger notifies for it. */
static void a_write_by_the_first_layouts_statements_wakes_the_wait(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;

	open_raw(uri, &st, &ctx);
	assert_woken_by(uri, st, ctx, BY_FIRST_SQL);
	st->close(ctx);
	free(uri);
}

static void changes_to_another_app_do_not_end_the_wait(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	struct watch w;
	struct writer wr;

	open_raw(uri, &st, &ctx);
	watch_init(&w, st, ctx, uri);
	start_writer(&wr, uri, BY_OTHER_APP, 50);
	w.go = wr.go;
	assert_int_equal(st->wait(ctx, "myapp", 1200 * MS, check, &w), 0);
	end_writer(&wr);
	/* five notifications for "other": none woke the wait, which checked
	 * at its start and after a second only */
	assert_int_equal(w.calls, 2);
	st->close(ctx);
	free(uri);
}

/* The first check reads, then another connection commits, then the check
 * runs more queries on the waiting connection, the first of which receives
 * the notification, and says nothing changed: the wait must check again at
 * once, not sleep through the change. */
static void commit_then_query(struct watch *w)
{
	PGconn *c = connect_to(w->uri);
	uint64_t seq;

	exec_ok(c, "INSERT INTO librelease_records (app, kind, key, seq, data)"
		   " VALUES ('myapp', 4, '1', 1, '\\x00'::bytea)");
	PQfinish(c);
	sleep_ms(100); /* the notification reaches the waiting connection */
	for (int i = 0; i < w->queries; i++)
		assert_int_equal(w->st->get(w->ctx, "myapp", RELEASE_KIND_META, "active", note_seq,
					    &seq),
				 RELEASE_ENOTFOUND);
}

static void assert_change_during_check_seen_at_once(int queries)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	struct watch w;
	int64_t start;

	open_raw(uri, &st, &ctx);
	watch_init(&w, st, ctx, uri);
	w.during = commit_then_query;
	w.queries = queries;
	start = now_ns();
	assert_int_equal(st->wait(ctx, "myapp", 5000 * MS, check, &w), 1);
	if (now_ns() - start >= 600 * MS)
		fail_msg("the change was seen after %lld ms", (long long)((now_ns() - start) / MS));
	assert_int_equal(w.calls, 2);
	st->close(ctx);
	free(uri);
}

/* Its notification read by the check's last query: found after the check. */
static void a_change_committed_during_the_checks_last_query_is_not_slept_through(void **state)
{
	assert_change_during_check_seen_at_once(1);
}

/* Read by a query before the last, and so taken from libpq's queue by the
 * next call: noted then, not dropped. */
static void a_change_committed_before_the_checks_last_query_is_not_slept_through(void **state)
{
	assert_change_during_check_seen_at_once(2);
}

/* ---- a lost connection */

static void terminate_others(struct watch *w)
{
	PGconn *c = connect_to(w->uri);

	exec_ok(c, "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity"
		   " WHERE datname = current_database() AND pid <> pg_backend_pid()"
		   " AND backend_type = 'client backend'");
	PQfinish(c);
}

static void a_connection_lost_while_waiting_is_eio_then_the_next_wait_listens_again(
	void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	struct watch w;
	int64_t start;

	open_raw(uri, &st, &ctx);
	watch_init(&w, st, ctx, uri);
	w.during = terminate_others;
	start = now_ns();
	assert_int_equal(st->wait(ctx, "myapp", 5000 * MS, check, &w), RELEASE_EIO);
	assert_true(now_ns() - start < 1000 * MS);
	assert_non_null(strstr(st->errmsg(ctx), "connection to PostgreSQL lost"));
	/* reconnected, listening again, woken by the next write */
	assert_woken_by(uri, st, ctx, BY_PGSTORE);
	st->close(ctx);
	free(uri);
}

/* ---- what anyone listening hears */

/* The notifications c has received, as "payload,payload,..." */
static void heard(PGconn *c, char *out, size_t size)
{
	PGnotify *n;
	int64_t until = now_ns() + 300 * MS;

	out[0] = '\0';
	while (now_ns() < until) {
		struct pollfd fd = {.fd = PQsocket(c), .events = POLLIN};

		poll(&fd, 1, 50);
		assert_true(PQconsumeInput(c));
		while ((n = PQnotifies(c)) != NULL) {
			assert_string_equal(n->relname, "librelease");
			if (strlen(out) + strlen(n->extra) + 2 < size)
				strcat(strcat(out, *out ? "," : ""), n->extra);
			PQfreemem(n);
		}
	}
}

static void each_committed_change_notifies_channel_librelease_with_the_app(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	PGconn *c;
	char got[256];
	release_storage_op ops[] = {
		{RELEASE_OP_PUT, DEPLOY, "2", 2, NULL, 0, "b", 1},
		{RELEASE_OP_PUT, DEPLOY, "3", 3, NULL, 0, "c", 1},
		{RELEASE_OP_CAS, RELEASE_KIND_META, "active", 0, NULL, 0, "R1", 2},
	};

	open_raw(uri, &st, &ctx);
	c = connect_to(uri);
	exec_ok(c, "LISTEN librelease");
	assert_ok(put_deploy(st, ctx, "myapp", 1));
	heard(c, got, sizeof got);
	assert_string_equal(got, "myapp");
	/* one commit of three records: one notification */
	assert_ok(st->commit(ctx, "other", ops, 3, NULL));
	heard(c, got, sizeof got);
	assert_string_equal(got, "other");
	assert_ok(st->cas(ctx, "other", RELEASE_KIND_META, "active", "R1", 2, "R2", 2));
	assert_ok(st->del(ctx, "myapp", DEPLOY, "1"));
	heard(c, got, sizeof got);
	assert_string_equal(got, "other,myapp");
	/* what changes nothing, or rolls back, says nothing */
	assert_int_equal(st->cas(ctx, "other", RELEASE_KIND_META, "active", "R7", 2, "R8", 2),
			 RELEASE_ECONFLICT);
	ops[2].old = "R7";
	ops[2].old_len = 2;
	assert_int_equal(st->commit(ctx, "other", ops, 3, NULL), RELEASE_ECONFLICT);
	heard(c, got, sizeof got);
	assert_string_equal(got, "");
	PQfinish(c);
	st->close(ctx);
	free(uri);
}

/* A store of schema version 2 gains the trigger on its next open, keeps
 * its records, and notifies from then on. */
static void a_store_of_the_second_layout_gains_the_trigger(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	PGconn *c;
	char got[64];

	open_raw(uri, &st, &ctx);
	assert_ok(put_deploy(st, ctx, "myapp", 1));
	st->close(ctx);
	sql_value(uri, "DROP TRIGGER librelease_records_notify ON librelease_records;"
		       "DROP FUNCTION librelease_notify;"
		       "DELETE FROM librelease_schema WHERE version > 2");
	assert_int_equal(sql_value(uri, "SELECT count(*) FROM pg_trigger"
					" WHERE tgrelid = 'librelease_records'::regclass"),
			 0);
	open_raw(uri, &st, &ctx);
	assert_int_equal(sql_value(uri, "SELECT max(version) FROM librelease_schema"), 3);
	assert_int_equal(sql_value(uri, "SELECT count(*) FROM pg_trigger"
					" WHERE tgrelid = 'librelease_records'::regclass"),
			 1);
	assert_int_equal(sql_value(uri, "SELECT count(*) FROM librelease_records"), 1);
	c = connect_to(uri);
	exec_ok(c, "LISTEN librelease");
	assert_ok(put_deploy(st, ctx, "myapp", 2));
	heard(c, got, sizeof got);
	assert_string_equal(got, "myapp");
	PQfinish(c);
	st->close(ctx);
	free(uri);
}

/* ---- through the public API */

static void a_watcher_wakes_within_a_second_of_another_process_promoting(void **state)
{
	char *uri = fresh_uri();
	release_store *s = NULL;
	release_watch *w = NULL;
	release *r1, *r2;
	struct writer wr;
	int64_t start, woke, wrote;
	char err[512];

	assert_int_equal(pgstore_open(&s, uri, NULL, err, sizeof err), 0);
	make_app(s, "myapp");
	r1 = make_build_release(s, "myapp", "first");
	r2 = make_build_release(s, "myapp", "second");
	snprintf(to_promote, sizeof to_promote, "%s", release_id(r2));
	promote(s, "myapp", release_id(r1));
	assert_store_ok(s, release_watch_open(s, "myapp", &w));
	start_writer(&wr, uri, BY_PROMOTION, 300);
	assert_int_equal(write(wr.go, "g", 1), 1);
	start = now_ns();
	assert_store_ok(s, release_watch_wait(w, INT64_MAX));
	woke = now_ns();
	wrote = end_writer(&wr);
	assert_string_equal(release_watch_active(w), release_id(r2));
	if (woke - wrote >= 1000 * MS)
		fail_msg("woken %lld ms after the promotion began", (long long)((woke - wrote) / MS));
	assert_true(woke - start < 1500 * MS);
	release_watch_free(w);
	release_free(r1);
	release_free(r2);
	release_store_close(s);
	free(uri);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_wait_with_nothing_changing_ends_at_its_timeout),
		cmocka_unit_test(a_timeout_of_zero_checks_once),
		cmocka_unit_test(a_wait_returns_at_once_when_the_check_says_so),
		cmocka_unit_test(a_failing_check_ends_the_wait_with_its_code),
		cmocka_unit_test(a_wait_without_a_check_or_with_a_negative_timeout_is_einval),
		cmocka_unit_test(a_commit_by_another_process_wakes_the_wait_within_a_second),
		cmocka_unit_test(a_write_by_the_first_layouts_statements_wakes_the_wait),
		cmocka_unit_test(changes_to_another_app_do_not_end_the_wait),
		cmocka_unit_test(a_change_committed_during_the_checks_last_query_is_not_slept_through),
		cmocka_unit_test(a_change_committed_before_the_checks_last_query_is_not_slept_through),
		cmocka_unit_test(a_connection_lost_while_waiting_is_eio_then_the_next_wait_listens_again),
		cmocka_unit_test(each_committed_change_notifies_channel_librelease_with_the_app),
		cmocka_unit_test(a_store_of_the_second_layout_gains_the_trigger),
		cmocka_unit_test(a_watcher_wakes_within_a_second_of_another_process_promoting),
	};

	if (!getenv("RELEASE_TEST_STORE") || !pgstore_is_uri(getenv("RELEASE_TEST_STORE"))) {
		printf("RELEASE_TEST_STORE names no PostgreSQL server: run under pg_server.py\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
