/*
 * pgstore's own promises, beyond the conformance suite: the tables it
 * creates and migrates, its errors, losing the connection or the whole
 * server, and bytes that mean something to SQL. Run under pg_server.py,
 * which names a private server in RELEASE_TEST_STORE and how to stop and
 * start it in RELEASE_TEST_PG_CTL.
 */
#include "harness.h"

#include <pgstore.h>
#include <libpq-fe.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers */

/* A fresh schema's URI, copied out of the harness's static buffer. */
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

/* Runs SQL on a connection to uri; the first value of the first row as a
 * number, or -1 when the statement returns no rows. */
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

static release_store *open_store(const char *uri)
{
	release_store *s = NULL;
	char err[512] = "";
	int rc = pgstore_open(&s, uri, NULL, err, sizeof err);

	if (rc != 0)
		fail_msg("pgstore_open -> %d: %s", rc, err);
	return s;
}

/* Runs the server control command pg_server.py exported. */
static void server(const char *action)
{
	const char *ctl = getenv("RELEASE_TEST_PG_CTL");
	char cmd[1024];

	assert_non_null(ctl);
	snprintf(cmd, sizeof cmd, "%s %s", ctl, action);
	if (system(cmd) != 0)
		fail_msg("'%s' failed", cmd);
}

/* ---- schema */

static void opening_creates_the_tables_and_records_the_migration(void **state)
{
	char *uri = fresh_uri();
	release_store *s = open_store(uri);

	assert_int_equal(sql_value(uri, "SELECT count(*) FROM librelease_schema"),
			 PGSTORE_SCHEMA_VERSION);
	assert_int_equal(sql_value(uri, "SELECT max(version) FROM librelease_schema"),
			 PGSTORE_SCHEMA_VERSION);
	assert_int_equal(sql_value(uri, "SELECT count(*) FROM librelease_records"), 0);
	release_store_close(s);
	free(uri);
}

static void reopening_migrates_nothing_and_keeps_the_data(void **state)
{
	char *uri = fresh_uri();
	release_store *s = open_store(uri);
	release *r;

	make_app(s, "myapp");
	r = make_build_release(s, "myapp", "first");
	release_store_close(s);
	s = open_store(uri);
	assert_int_equal(sql_value(uri, "SELECT count(*) FROM librelease_schema"),
			 PGSTORE_SCHEMA_VERSION);
	assert_int_equal(count_releases(s, "myapp"), 1);
	release_free(r);
	release_store_close(s);
	free(uri);
}

static void a_newer_schema_is_refused_and_left_alone(void **state)
{
	char *uri = fresh_uri();
	release_store *s = open_store(uri), *again = NULL;
	char sql[200], err[512] = "";

	make_app(s, "myapp");
	release_store_close(s);
	snprintf(sql, sizeof sql,
		 "INSERT INTO librelease_schema (version, description) VALUES (%d, 'future')",
		 PGSTORE_SCHEMA_VERSION + 1);
	sql_value(uri, sql);
	assert_int_equal(pgstore_open(&again, uri, NULL, err, sizeof err), RELEASE_EUNSUPPORTED);
	assert_null(again);
	assert_non_null(strstr(err, "newer than this program knows"));
	/* nothing was touched: the app is still there */
	assert_int_equal(sql_value(uri, "SELECT count(*) FROM librelease_records"), 1);
	free(uri);
}

/* Under a stricter default isolation too, which pgstore overrides: its
 * compare-and-swap and migration lock rely on READ COMMITTED. */
static void first_opens_from_many_processes_migrate_once(void **state)
{
	enum { N = 6 };
	char *uri = fresh_uri();
	pid_t pids[N];

	sql_value(uri, "ALTER ROLE librelease SET default_transaction_isolation = 'repeatable read'");

	for (int i = 0; i < N; i++) {
		assert_true((pids[i] = fork()) >= 0);
		if (pids[i] == 0) {
			const release_storage *st;
			void *ctx;
			char err[512];

			if (pgstore_storage_open(&st, &ctx, uri, err, sizeof err) != 0) {
				fprintf(stderr, "child %d: %s\n", i, err);
				_exit(1);
			}
			st->close(ctx);
			_exit(0);
		}
	}
	for (int i = 0; i < N; i++) {
		int status;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	sql_value(uri, "ALTER ROLE librelease RESET default_transaction_isolation");
	assert_int_equal(sql_value(uri, "SELECT count(*) FROM librelease_schema"),
			 PGSTORE_SCHEMA_VERSION);
	free(uri);
}

/* search_path may name several schemas: the store is the first existing
 * one's, never another store found further along. */
static void a_later_schema_on_the_search_path_is_never_used(void **state)
{
	char *theirs = fresh_uri(), *mine = fresh_uri(), uri[1200], *name;
	release_store *s = open_store(theirs);
	release_app_iter *it = NULL;
	const release_app *a;
	size_t n = 0;

	make_app(s, "theirapp");
	release_store_close(s);
	/* "...%3Dtest_A" and "...%3Dtest_B" give "...%3Dtest_B%2Ctest_A" */
	name = strstr(theirs, "%3D") + 3;
	snprintf(uri, sizeof uri, "%s%%2C%s", mine, name);
	s = open_store(uri);
	assert_store_ok(s, release_app_list(s, &it));
	while (release_app_iter_next(it, &a) == 0)
		n++;
	release_app_iter_free(it);
	assert_int_equal(n, 0);
	make_app(s, "myapp");
	release_store_close(s);
	/* the tables are in the first schema, and the other store is intact */
	assert_int_equal(sql_value(mine, "SELECT count(*) FROM librelease_records"), 1);
	assert_int_equal(sql_value(theirs, "SELECT count(*) FROM librelease_records"), 1);
	free(theirs);
	free(mine);
}

/* ---- errors on open */

static void a_search_path_without_a_schema_is_a_clear_error(void **state)
{
	const char *base = getenv("RELEASE_TEST_STORE");
	release_store *s = NULL;
	char uri[1024], err[512] = "";

	snprintf(uri, sizeof uri, "%s&options=-csearch_path%%3Dno_such_schema", base);
	assert_int_equal(pgstore_open(&s, uri, NULL, err, sizeof err), RELEASE_EIO);
	assert_null(s);
	assert_non_null(strstr(err, "search_path"));
}

static void an_unreachable_server_is_eio_with_the_reason(void **state)
{
	release_store *s = NULL;
	char err[512] = "";

	assert_int_equal(pgstore_open(&s, "postgresql:///postgres?host=/nonexistent-librelease",
				      NULL, err, sizeof err),
			 RELEASE_EIO);
	assert_null(s);
	assert_non_null(strstr(err, "connecting to PostgreSQL"));
	assert_non_null(strstr(err, "/nonexistent-librelease"));
}

static void null_arguments_are_einval(void **state)
{
	const release_storage *st;
	void *ctx;
	release_store *s;
	char err[64];

	assert_int_equal(pgstore_open(NULL, "postgresql://", NULL, err, sizeof err), RELEASE_EINVAL);
	assert_int_equal(pgstore_open(&s, NULL, NULL, err, sizeof err), RELEASE_EINVAL);
	assert_int_equal(pgstore_storage_open(NULL, &ctx, "postgresql://", NULL, 0), RELEASE_EINVAL);
	assert_int_equal(pgstore_storage_open(&st, NULL, "postgresql://", NULL, 0), RELEASE_EINVAL);
	assert_false(pgstore_is_uri(NULL));
	assert_false(pgstore_is_uri("file:/tmp/x"));
	assert_true(pgstore_is_uri("postgres://db.example/deploys"));
}

/* ---- the backend's door */

static int count_record(void *payload, uint64_t seq, const char *key, const void *data,
			size_t len)
{
	(*(int *)payload)++;
	return 0;
}

/* Expects st's last call to have been refused with a message about what. */
static void assert_refused(const release_storage *st, void *ctx, int rc, const char *what)
{
	const char *msg = st->errmsg(ctx);

	assert_int_equal(rc, RELEASE_EINVAL);
	if (!msg || !strstr(msg, what))
		fail_msg("refused without saying '%s': %s", what, msg ? msg : "(no message)");
}

/* Reached raw, the vtable is given app names the core would never pass:
 * each method refuses them with a message, and writes nothing. */
static void invalid_app_names_are_einval_at_the_vtable(void **state)
{
	char *uri = fresh_uri(), long_name[65];
	const char *bad[] = {"", "MyApp", "-app", "app-", "my_app", "my app", "a/b", "a'b",
			     "caf\xc3\xa9", "a\nb", long_name};
	const release_storage *st;
	void *ctx;
	int n = 0;

	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	assert_ok(test_storage_open(&st, &ctx, uri));
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *app = bad[i];

		assert_refused(st, ctx, st->put(ctx, app, RELEASE_KIND_RELEASE, "R1", 1, "x", 1),
			       "app name");
		assert_refused(st, ctx, st->cas(ctx, app, RELEASE_KIND_META, "app", NULL, 0, "x", 1),
			       "app name");
		assert_refused(st, ctx, st->get(ctx, app, RELEASE_KIND_META, "app", count_record, &n),
			       "app name");
		assert_refused(st, ctx, st->get_seq(ctx, app, RELEASE_KIND_RELEASE, 1, count_record, &n),
			       "app name");
		assert_refused(st, ctx, st->scan(ctx, app, RELEASE_KIND_RELEASE, 0, 10, count_record, &n),
			       "app name");
		assert_refused(st, ctx, st->del(ctx, app, RELEASE_KIND_META, "app"), "app name");
	}
	assert_refused(st, ctx, st->put(ctx, NULL, RELEASE_KIND_RELEASE, "R1", 1, "x", 1),
		       "app name");
	assert_int_equal(n, 0);
	assert_int_equal(sql_value(uri, "SELECT count(*) FROM librelease_records"), 0);
	/* the longest name there is passes */
	long_name[63] = '\0';
	assert_int_equal(st->put(ctx, long_name, RELEASE_KIND_RELEASE, "R1", 1, "x", 1), 0);
	st->close(ctx);
	free(uri);
}

/* Keys are 1-64 bytes of [A-Za-z0-9_.-]: any other is refused with a
 * message, by every method that takes one, and nothing is written. */
static void invalid_keys_are_einval_at_the_vtable(void **state)
{
	char *uri = fresh_uri(), long_key[66];
	const char *bad[] = {"", "a b", "a/b", "R'1", "R;1", "caf\xc3\xa9", "a\nb", "%", long_key};
	const release_storage *st;
	void *ctx;
	int n = 0;

	memset(long_key, 'K', 65);
	long_key[65] = '\0';
	assert_ok(test_storage_open(&st, &ctx, uri));
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *key = bad[i];

		assert_refused(st, ctx, st->put(ctx, "myapp", RELEASE_KIND_RELEASE, key, 1, "x", 1),
			       "key");
		assert_refused(st, ctx, st->cas(ctx, "myapp", RELEASE_KIND_META, key, NULL, 0, "x", 1),
			       "key");
		assert_refused(st, ctx, st->get(ctx, "myapp", RELEASE_KIND_META, key, count_record, &n),
			       "key");
		assert_refused(st, ctx, st->del(ctx, "myapp", RELEASE_KIND_META, key), "key");
	}
	assert_refused(st, ctx, st->put(ctx, "myapp", RELEASE_KIND_RELEASE, NULL, 1, "x", 1), "key");
	assert_int_equal(n, 0);
	assert_int_equal(sql_value(uri, "SELECT count(*) FROM librelease_records"), 0);
	/* every allowed character, at the longest length, passes */
	long_key[64] = '\0';
	memcpy(long_key, "azAZ09_.-", 9);
	assert_int_equal(st->put(ctx, "myapp", RELEASE_KIND_RELEASE, long_key, 1, "x", 1), 0);
	assert_int_equal(st->get(ctx, "myapp", RELEASE_KIND_RELEASE, long_key, count_record, &n), 0);
	assert_int_equal(n, 1);
	st->close(ctx);
	free(uri);
}

/* ---- losing the connection */

static void a_killed_connection_fails_one_call_then_reconnects(void **state)
{
	char *uri = fresh_uri();
	release_store *s = open_store(uri);
	release *r = NULL;

	make_app(s, "myapp");
	/* Another session ends every connection but its own, as a server
	 * restart or a proxy timeout would. */
	sql_value(uri, "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity"
		       " WHERE datname = current_database() AND pid <> pg_backend_pid()"
		       " AND backend_type = 'client backend'");
	assert_int_equal(release_env_set(s, "myapp", (const char *[]){"A=1"}, 1, &r), RELEASE_EIO);
	assert_null(r);
	assert_non_null(strstr(release_store_errmsg(s), "connection to PostgreSQL lost"));
	/* the next call reconnects, and nothing half-done is visible */
	assert_int_equal(count_releases(s, "myapp"), 0);
	r = set_env(s, "myapp", "A=1");
	assert_int_equal(release_version(r), 1);
	release_free(r);
	release_store_close(s);
	free(uri);
}

/* The server stopped at a random moment while one process writes: every
 * call fails with a clear error until it is back, then the same handle
 * carries on, and every acknowledged release is there. */
static void a_server_stopped_mid_run_loses_nothing_acknowledged(void **state)
{
	enum { MAX_ACK = 4000 };
	char *uri = fresh_uri();
	release_store *s = open_store(uri);
	static char acked[MAX_ACK][32];
	static uint64_t acked_version[MAX_ACK];
	size_t n_acked = 0, failures = 0;
	struct timespec delay = {0, 150 * 1000 * 1000};
	char stop_cmd[1024];
	pid_t stopper;
	int status, rc;
	release *r;

	assert_non_null(getenv("RELEASE_TEST_PG_CTL"));
	snprintf(stop_cmd, sizeof stop_cmd, "%s stop-immediate", getenv("RELEASE_TEST_PG_CTL"));
	make_app(s, "myapp");
	assert_true((stopper = fork()) >= 0);
	if (stopper == 0) {
		/* the control command alone: no test framework to return into
		 * if it fails, nothing of this process's to check at exit */
		nanosleep(&delay, NULL);
		execl("/bin/sh", "sh", "-c", stop_cmd, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; n_acked < MAX_ACK; i++) {
		char pair[32];
		const char *p = pair;

		snprintf(pair, sizeof pair, "K%d=%d", i % 50, i);
		r = NULL;
		rc = release_env_set(s, "myapp", &p, 1, &r);
		if (rc != 0) {
			if (rc != RELEASE_EIO)
				fail_msg("env set as the server stopped: %s: %s", release_strerror(rc),
					 release_store_errmsg(s));
			assert_non_null(strstr(release_store_errmsg(s), "PostgreSQL"));
			failures++;
			break;
		}
		snprintf(acked[n_acked], sizeof acked[0], "%s", release_id(r));
		acked_version[n_acked++] = release_version(r);
		release_free(r);
	}
	assert_int_equal(waitpid(stopper, &status, 0), stopper);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(failures, 1); /* the stop came before MAX_ACK writes */
	/* down: every call fails the same clear way, nothing crashes */
	for (int i = 0; i < 3; i++) {
		release_iter *it = NULL;

		rc = release_list(s, "myapp", NULL, &it);
		if (rc != RELEASE_EIO)
			fail_msg("list %d while the server was stopped: %s: %s", i,
				 release_strerror(rc), release_store_errmsg(s));
		assert_non_null(strstr(release_store_errmsg(s), "PostgreSQL"));
	}
	server("start");
	/* the same handle reconnects; each acknowledged release is where it was */
	for (size_t i = 0; i < n_acked; i++) {
		r = NULL;
		assert_store_ok(s, release_get(s, "myapp", acked[i], &r));
		assert_int_equal(release_version(r), acked_version[i]);
		release_free(r);
	}
	/* the call in flight at the stop may or may not have landed */
	rc = (int)count_releases(s, "myapp");
	assert_true((size_t)rc == n_acked || (size_t)rc == n_acked + 1);
	r = set_env(s, "myapp", "AFTER=1");
	assert_int_equal(release_version(r), (uint64_t)rc + 1);
	release_free(r);
	print_message("# %zu releases acknowledged before the stop\n", n_acked);
	release_store_close(s);
	free(uri);
}

/* A handle holding myapp while the server is stopped (action) and started
 * again: its first call fails, its next starts a new session, and a write
 * to myapp answers want. Another handle then takes myapp if taken. */
static void hold_across_a_restart(const char *action, int want, int taken)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *a = NULL, *b = NULL, *h = NULL, *hb = NULL;
	release_storage_op o = {RELEASE_OP_PUT, RELEASE_KIND_META, "k1", 0, NULL, 0, "x", 1};
	int n = 0;

	assert_ok(test_storage_open(&st, &a, uri));
	assert_int_equal(st->hold(a, "myapp", "a", 1, &h), 0);
	server(action);
	server("start");
	assert_int_equal(st->get(a, "myapp", RELEASE_KIND_META, "k1", count_record, &n),
			 RELEASE_EIO);
	assert_int_equal(st->commit(a, "myapp", &o, 1, NULL), want);
	assert_ok(test_storage_open(&st, &b, uri));
	assert_int_equal(st->hold(b, "myapp", "b", 1, &hb), taken ? 0 : RELEASE_EBUSY);
	if (taken)
		st->unhold(b, hb);
	st->unhold(a, h);
	assert_int_equal(st->hold(b, "myapp", "b", 1, &hb), 0);
	st->unhold(b, hb);
	st->close(a);
	st->close(b);
	free(uri);
}

/* A clean restart keeps the hold rows (unlogged tables survive it) and
 * ends every session: nobody held the app in between, so the holder's new
 * session takes it again. */
static void a_hold_is_taken_again_after_a_clean_restart(void **state)
{
	(void)state;
	hold_across_a_restart("stop", 0, 0);
}

/* A crash empties the hold rows: the holder cannot tell whether another
 * held the app in between, and its hold is lost. */
static void a_hold_is_lost_when_the_server_crashed(void **state)
{
	(void)state;
	hold_across_a_restart("stop-immediate", RELEASE_EBUSY, 1);
}

/* ---- bytes that mean something to SQL */

static const char *const hostile[] = {
	"it's \"quoted\"",
	"'; DROP TABLE librelease_records; --",
	"$1 $2 \\x00 E'\\\\' %s %n ?",
	"back\\slash\\\\ and \\' and \\\" ",
	"tab\there, newline\nthere, CR\r, bell\a, DEL\x7f",
	"\xff\xfe\x80 not UTF-8 \xc3\x28 at all",
	"emoji \xf0\x9f\x9a\x80 and accents \xc3\xa9\xc3\xa8",
	"",
};

static void hostile_descriptions_and_env_round_trip_exactly(void **state)
{
	char *uri = fresh_uri();
	release_store *s = open_store(uri);
	size_t n = sizeof hostile / sizeof hostile[0];

	make_app(s, "myapp");
	for (size_t i = 0; i < n; i++) {
		release *r = make_build_release(s, "myapp", hostile[i]), *got = NULL;
		char pair[512];
		const char *p = pair;

		snprintf(pair, sizeof pair, "KEY_%zu=%s", i, hostile[i]);
		release_free(r);
		r = NULL;
		assert_store_ok(s, release_env_set(s, "myapp", &p, 1, &r));
		/* read back through a new connection, not a cache */
		release_store_close(s);
		s = open_store(uri);
		assert_store_ok(s, release_get(s, "myapp", release_id(r), &got));
		snprintf(pair, sizeof pair, "KEY_%zu", i);
		assert_string_equal(release_env_get(got, pair), hostile[i]);
		release_free(got);
		release_free(r);
	}
	/* and the descriptions of the builds' releases, newest first */
	{
		release_iter *it = NULL;
		const release *r;
		size_t seen = 0;

		assert_store_ok(s, release_list(s, "myapp", NULL, &it));
		while (release_iter_next(it, &r) == 0) {
			size_t k = n - 1 - seen / 2;

			if (seen % 2 == 1) /* the build's release, below its env change */
				assert_string_equal(release_description(r), hostile[k]);
			seen++;
		}
		assert_int_equal(seen, 2 * n);
		release_iter_free(it);
	}
	release_store_close(s);
	free(uri);
}

static void huge_values_round_trip_exactly(void **state)
{
	char *uri = fresh_uri();
	release_store *s = open_store(uri);
	size_t len = 1u << 20; /* the longest env value the core takes */
	char *pair = malloc(len + 8), *desc = malloc(len + 1);
	release *r = NULL, *got = NULL;
	const char *p = pair;

	assert_non_null(pair);
	assert_non_null(desc);
	memcpy(pair, "BIG=", 4);
	for (size_t i = 0; i < len; i++) {
		pair[4 + i] = (char)(1 + (i * 7919) % 255); /* every byte but NUL */
		desc[i] = (char)(1 + (i * 104729) % 255);
	}
	pair[4 + len] = desc[len] = '\0';
	make_app(s, "myapp");
	release_free(make_build_release(s, "myapp", desc));
	assert_store_ok(s, release_env_set(s, "myapp", &p, 1, &r));
	release_store_close(s);
	s = open_store(uri);
	assert_store_ok(s, release_get(s, "myapp", release_id(r), &got));
	assert_memory_equal(release_env_get(got, "BIG"), pair + 4, len + 1);
	assert_string_equal(release_description(got), "env add:BIG");
	release_free(got);
	got = NULL;
	{
		release_iter *it = NULL;
		const release *old;

		assert_store_ok(s, release_list(s, "myapp", NULL, &it));
		assert_int_equal(release_iter_next(it, &old), 0);
		assert_int_equal(release_iter_next(it, &old), 0);
		assert_memory_equal(release_description(old), desc, len + 1);
		release_iter_free(it);
	}
	release_free(r);
	free(pair);
	free(desc);
	release_store_close(s);
	free(uri);
}

/* At the vtable: every byte value, NUL included, as data and as the bytes a
 * compare-and-swap compares. */
static int copy_record(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	memcpy(payload, data, len);
	return (int)len;
}

static void binary_records_and_cas_round_trip_at_the_vtable(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	unsigned char a[256], b[256], got[256];

	for (int i = 0; i < 256; i++) {
		a[i] = (unsigned char)i;
		b[i] = (unsigned char)(255 - i);
	}
	assert_ok(test_storage_open(&st, &ctx, uri));
	assert_int_equal(st->put(ctx, "myapp", RELEASE_KIND_RELEASE, "RBIN", 1, a, sizeof a), 0);
	assert_int_equal(st->get(ctx, "myapp", RELEASE_KIND_RELEASE, "RBIN", copy_record, got), 256);
	assert_memory_equal(got, a, sizeof a);
	assert_int_equal(st->cas(ctx, "myapp", RELEASE_KIND_META, "active", NULL, 0, a, sizeof a), 0);
	/* a near miss (one byte short) is not a match */
	assert_int_equal(st->cas(ctx, "myapp", RELEASE_KIND_META, "active", a, 255, b, sizeof b),
			 RELEASE_ECONFLICT);
	assert_int_equal(st->cas(ctx, "myapp", RELEASE_KIND_META, "active", a, sizeof a, b, sizeof b),
			 0);
	assert_int_equal(st->get(ctx, "myapp", RELEASE_KIND_META, "active", copy_record, got), 256);
	assert_memory_equal(got, b, sizeof b);
	st->close(ctx);
	free(uri);
}

/* ---- the library prints nothing */

static void nothing_reaches_stderr(void **state)
{
	char *uri = fresh_uri(), path[] = "/tmp/librelease-pg-stderr-XXXXXX", buf[256];
	int fd = mkstemp(path), saved = dup(2);
	release_store *s = NULL, *none = NULL;
	release_iter *it = NULL;
	char err[512];
	ssize_t got;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	assert_true(dup2(fd, 2) == 2);
	/* opening twice (the second finds the tables), failing, reconnecting */
	release_store_close(open_store(uri));
	assert_int_equal(pgstore_open(&none, "postgresql:///postgres?host=/nonexistent", NULL, err,
				      sizeof err),
			 RELEASE_EIO);
	s = open_store(uri);
	make_app(s, "myapp");
	sql_value(uri, "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity"
		       " WHERE datname = current_database() AND pid <> pg_backend_pid()"
		       " AND backend_type = 'client backend'");
	assert_int_equal(release_list(s, "myapp", NULL, &it), RELEASE_EIO);
	assert_store_ok(s, release_list(s, "myapp", NULL, &it));
	release_iter_free(it);
	release_store_close(s);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	got = pread(fd, buf, sizeof buf - 1, 0);
	close(fd);
	unlink(path);
	assert_true(got >= 0);
	buf[got] = '\0';
	if (got > 0)
		fail_msg("pgstore wrote to stderr: %s", buf);
	free(uri);
}

/* Version 2 of the vtable: commit and holds. */
#include "test_pgstore_v2.c"

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(opening_creates_the_tables_and_records_the_migration),
		cmocka_unit_test(reopening_migrates_nothing_and_keeps_the_data),
		cmocka_unit_test(a_newer_schema_is_refused_and_left_alone),
		cmocka_unit_test(first_opens_from_many_processes_migrate_once),
		cmocka_unit_test(a_later_schema_on_the_search_path_is_never_used),
		cmocka_unit_test(a_search_path_without_a_schema_is_a_clear_error),
		cmocka_unit_test(an_unreachable_server_is_eio_with_the_reason),
		cmocka_unit_test(null_arguments_are_einval),
		cmocka_unit_test(invalid_app_names_are_einval_at_the_vtable),
		cmocka_unit_test(invalid_keys_are_einval_at_the_vtable),
		cmocka_unit_test(a_killed_connection_fails_one_call_then_reconnects),
		cmocka_unit_test(hostile_descriptions_and_env_round_trip_exactly),
		cmocka_unit_test(huge_values_round_trip_exactly),
		cmocka_unit_test(binary_records_and_cas_round_trip_at_the_vtable),
		cmocka_unit_test(nothing_reaches_stderr),
		cmocka_unit_test(a_commit_is_one_transaction),
		cmocka_unit_test(a_conflict_at_the_third_operation_writes_nothing),
		cmocka_unit_test(each_operation_sees_the_earlier_ones),
		cmocka_unit_test(invalid_commits_are_einval_and_write_nothing),
		cmocka_unit_test(a_connection_lost_mid_commit_is_eio),
		cmocka_unit_test(concurrent_commits_never_both_pass_each_others_checks),
		cmocka_unit_test(a_store_of_the_first_layout_is_upgraded_in_place),
		cmocka_unit_test(a_held_app_is_busy_for_every_other_handle),
		cmocka_unit_test(one_handle_holds_an_app_at_most_once),
		cmocka_unit_test(a_hold_outlives_the_servers_idle_session_timeout),
		cmocka_unit_test(held_shows_the_holders_info_to_others),
		cmocka_unit_test(a_hold_ends_with_its_holders_connection),
		cmocka_unit_test(held_never_shows_a_dead_holders_row),
		cmocka_unit_test(holds_cost_no_wal_flush),
		cmocka_unit_test(a_holder_killed_with_sigkill_frees_the_app_within_a_second),
		cmocka_unit_test(a_program_the_holder_started_does_not_keep_the_hold),
		/* last: they stop and restart the server */
		cmocka_unit_test(a_hold_is_taken_again_after_a_clean_restart),
		cmocka_unit_test(a_hold_is_lost_when_the_server_crashed),
		cmocka_unit_test(a_server_stopped_mid_run_loses_nothing_acknowledged),
	};

	if (!getenv("RELEASE_TEST_STORE") || !pgstore_is_uri(getenv("RELEASE_TEST_STORE"))) {
		printf("RELEASE_TEST_STORE names no PostgreSQL server: run under pg_server.py\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
