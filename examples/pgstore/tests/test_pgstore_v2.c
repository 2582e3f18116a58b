/*
 * pgstore's version 2 of the vtable: commits, one transaction each and
 * all-or-nothing, and holds that end with their session. Compiled as part
 * of test_pgstore.c, whose helpers it uses.
 */

/* ---- helpers */

static release_storage_op op_put(int kind, const char *key, uint64_t seq, const char *data)
{
	release_storage_op o = {RELEASE_OP_PUT, kind, key, seq, NULL, 0, data, strlen(data)};

	return o;
}

/* old or data NULL: absent */
static release_storage_op op_cas(int kind, const char *key, const char *old, const char *data)
{
	release_storage_op o = {RELEASE_OP_CAS, kind, key, 0, old, old ? strlen(old) : 0,
				data, data ? strlen(data) : 0};

	return o;
}

static release_storage_op op_del(int kind, const char *key)
{
	release_storage_op o = {RELEASE_OP_DEL, kind, key, 0, NULL, 0, NULL, 0};

	return o;
}

static release_storage_op op_check(int kind, const char *key, const char *old)
{
	release_storage_op o = {RELEASE_OP_CHECK, kind, key, 0, old, old ? strlen(old) : 0, NULL, 0};

	return o;
}

static int copy_text(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	char *out = payload;

	assert_true(len < 256);
	memcpy(out, data, len);
	out[len] = '\0';
	return 0;
}

/* A record's bytes as text, or "(none)" when it is absent (static buffer). */
static const char *record_of(const release_storage *st, void *ctx, int kind, const char *key)
{
	static char buf[256];
	int rc = st->get(ctx, "myapp", kind, key, copy_text, buf);

	if (rc == RELEASE_ENOTFOUND)
		return "(none)";
	assert_int_equal(rc, 0);
	return buf;
}

static long count_records(const char *uri)
{
	return sql_value(uri, "SELECT count(*) FROM librelease_records");
}

static void open_raw(const char *uri, const release_storage **st, void **ctx)
{
	assert_ok(test_storage_open(st, ctx, uri));
	assert_int_equal((*st)->version, 3);
	assert_non_null((*st)->commit);
	assert_non_null((*st)->hold);
}

/* ---- commit */

static void a_commit_is_one_transaction(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	release_storage_op ops[] = {
		op_put(RELEASE_KIND_BUILD, "B1", 1, "build"),
		op_put(RELEASE_KIND_RELEASE, "R1", 1, "release"),
		op_cas(RELEASE_KIND_META, "active", NULL, "R1"),
	};

	open_raw(uri, &st, &ctx);
	assert_int_equal(st->commit(ctx, "myapp", ops, 3, NULL), 0);
	assert_int_equal(count_records(uri), 3);
	/* each row carries the id of the transaction that wrote it */
	assert_int_equal(sql_value(uri, "SELECT count(DISTINCT xmin::text) FROM librelease_records"),
			 1);
	st->close(ctx);
	free(uri);
}

static void a_conflict_at_the_third_operation_writes_nothing(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	size_t failed = 99;
	release_storage_op ops[] = {
		op_put(RELEASE_KIND_BUILD, "B1", 1, "build"),
		op_put(RELEASE_KIND_RELEASE, "R1", 1, "release"),
		op_cas(RELEASE_KIND_META, "active", "R7", "R1"), /* it is R0 */
		op_put(RELEASE_KIND_RELEASE, "R2", 2, "another"),
	};

	open_raw(uri, &st, &ctx);
	assert_int_equal(st->cas(ctx, "myapp", RELEASE_KIND_META, "active", NULL, 0, "R0", 2), 0);
	assert_int_equal(st->commit(ctx, "myapp", ops, 4, &failed), RELEASE_ECONFLICT);
	assert_int_equal(failed, 2);
	assert_non_null(strstr(st->errmsg(ctx), "nothing was written"));
	assert_int_equal(count_records(uri), 1);
	assert_string_equal(record_of(st, ctx, RELEASE_KIND_META, "active"), "R0");
	/* the same commit with the right bytes goes through whole */
	ops[2].old = "R0";
	assert_int_equal(st->commit(ctx, "myapp", ops, 4, &failed), 0);
	assert_int_equal(count_records(uri), 4);
	assert_string_equal(record_of(st, ctx, RELEASE_KIND_META, "active"), "R1");
	st->close(ctx);
	free(uri);
}

static void each_operation_sees_the_earlier_ones(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	size_t failed = 99;
	release_storage_op chain[] = {
		op_cas(RELEASE_KIND_META, "x", NULL, "1"),
		op_check(RELEASE_KIND_META, "x", "1"),
		op_cas(RELEASE_KIND_META, "x", "1", "2"),
		op_check(RELEASE_KIND_META, "x", "2"),
		op_del(RELEASE_KIND_META, "x"),
		op_check(RELEASE_KIND_META, "x", NULL),
		op_put(RELEASE_KIND_RELEASE, "R1", 1, "one"),
		op_cas(RELEASE_KIND_RELEASE, "R1", "one", "uno"),
	};
	release_storage_op same_seq[] = {
		op_put(RELEASE_KIND_RELEASE, "R2", 2, "two"),
		op_put(RELEASE_KIND_RELEASE, "R3", 2, "three"),
	};
	release_storage_op twice[] = {
		op_del(RELEASE_KIND_RELEASE, "R1"),
		op_del(RELEASE_KIND_RELEASE, "R1"),
	};

	open_raw(uri, &st, &ctx);
	assert_int_equal(st->commit(ctx, "myapp", chain, 8, &failed), 0);
	assert_string_equal(record_of(st, ctx, RELEASE_KIND_META, "x"), "(none)");
	assert_string_equal(record_of(st, ctx, RELEASE_KIND_RELEASE, "R1"), "uno");
	assert_int_equal(st->commit(ctx, "myapp", same_seq, 2, &failed), RELEASE_ECONFLICT);
	assert_int_equal(failed, 1);
	assert_string_equal(record_of(st, ctx, RELEASE_KIND_RELEASE, "R2"), "(none)");
	assert_int_equal(st->commit(ctx, "myapp", twice, 2, &failed), RELEASE_ENOTFOUND);
	assert_int_equal(failed, 1);
	assert_string_equal(record_of(st, ctx, RELEASE_KIND_RELEASE, "R1"), "uno");
	st->close(ctx);
	free(uri);
}

static void invalid_commits_are_einval_and_write_nothing(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	size_t failed;
	release_storage_op ops[] = {
		op_put(RELEASE_KIND_RELEASE, "R1", 1, "one"),
		op_put(RELEASE_KIND_RELEASE, "R 2", 2, "two"),
	};
	release_storage_op bad[] = {
		op_put(RELEASE_KIND_META, "m", 3, "a seq on META"),
		op_put(RELEASE_KIND_RELEASE, "R3", 0, "no seq"),
		op_cas(RELEASE_KIND_RELEASE, "R3", NULL, "an ordered record without seq"),
		op_put(9, "R3", 3, "kind 9"),
	};
	static release_storage_op many[RELEASE_COMMIT_MAX + 1];

	open_raw(uri, &st, &ctx);
	assert_int_equal(st->commit(ctx, "myapp", ops, 2, &failed), RELEASE_EINVAL);
	assert_int_equal(failed, 1);
	assert_non_null(strstr(st->errmsg(ctx), "key"));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		failed = 99;
		assert_int_equal(st->commit(ctx, "myapp", &bad[i], 1, &failed), RELEASE_EINVAL);
		assert_int_equal(failed, 0);
	}
	ops[1].key = "R2";
	ops[1].op = 42;
	assert_int_equal(st->commit(ctx, "myapp", ops, 2, &failed), RELEASE_EINVAL);
	assert_int_equal(failed, 1);
	/* about the whole commit: failed is n */
	assert_int_equal(st->commit(ctx, "myapp", ops, 0, &failed), RELEASE_EINVAL);
	assert_int_equal(failed, 0);
	assert_int_equal(st->commit(ctx, "MyApp", ops, 1, &failed), RELEASE_EINVAL);
	assert_int_equal(failed, 1);
	for (size_t i = 0; i < RELEASE_COMMIT_MAX + 1; i++)
		many[i] = op_check(RELEASE_KIND_META, "absent", NULL);
	assert_int_equal(st->commit(ctx, "myapp", many, RELEASE_COMMIT_MAX, &failed), 0);
	assert_int_equal(st->commit(ctx, "myapp", many, RELEASE_COMMIT_MAX + 1, &failed),
			 RELEASE_EINVAL);
	assert_int_equal(failed, RELEASE_COMMIT_MAX + 1);
	assert_int_equal(count_records(uri), 0);
	st->close(ctx);
	free(uri);
}

/* The connection cut while a commit waits on a row another session locks:
 * EIO, the server rolled it back, and the next commit reconnects. */
static void a_connection_lost_mid_commit_is_eio(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	release_storage_op ops[] = {
		op_put(RELEASE_KIND_RELEASE, "R1", 1, "one"),
		op_cas(RELEASE_KIND_META, "active", "R0", "R1"),
	};
	PGconn *blocker;
	PGresult *res;
	pid_t killer;
	int status;

	open_raw(uri, &st, &ctx);
	assert_int_equal(st->cas(ctx, "myapp", RELEASE_KIND_META, "active", NULL, 0, "R0", 2), 0);
	blocker = connect_to(uri);
	res = PQexec(blocker, "BEGIN; SELECT 1 FROM librelease_records FOR UPDATE");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	assert_true((killer = fork()) >= 0);
	if (killer == 0) { /* ends the session that waits for the row */
		PGconn *c = PQconnectdb(uri);
		int done = 0;

		for (int i = 0; i < 500 && !done; i++) {
			res = PQexec(c, "SELECT count(pg_terminate_backend(pid, 5000))"
					" FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
					" AND datname = current_database()");
			done = PQresultStatus(res) == PGRES_TUPLES_OK &&
			       strcmp(PQgetvalue(res, 0, 0), "1") == 0;
			PQclear(res);
			if (!done)
				usleep(10 * 1000);
		}
		/* all freed: under valgrind a leak would be this child's exit status */
		PQfinish(c);
		PQfinish(blocker);
		free(uri);
		st->close(ctx);
		_exit(done ? 0 : 1);
	}
	assert_int_equal(st->commit(ctx, "myapp", ops, 2, NULL), RELEASE_EIO);
	assert_non_null(strstr(st->errmsg(ctx), "connection to PostgreSQL lost"));
	assert_int_equal(waitpid(killer, &status, 0), killer);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	PQclear(PQexec(blocker, "ROLLBACK"));
	PQfinish(blocker);
	assert_string_equal(record_of(st, ctx, RELEASE_KIND_META, "active"), "R0");
	assert_string_equal(record_of(st, ctx, RELEASE_KIND_RELEASE, "R1"), "(none)");
	assert_int_equal(st->commit(ctx, "myapp", ops, 2, NULL), 0);
	assert_string_equal(record_of(st, ctx, RELEASE_KIND_META, "active"), "R1");
	st->close(ctx);
	free(uri);
}

/* Runs ops in a child process with its own connection; it writes a byte to
 * ready just before the commit, and exits with the commit's -rc. */
static pid_t commit_in_child(const char *uri, const release_storage_op *ops, size_t n, int ready)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		const release_storage *st;
		void *ctx;
		char err[512];
		int rc;

		if (pgstore_storage_open(&st, &ctx, uri, err, sizeof err) != 0)
			_exit(100);
		if (write(ready, "x", 1) != 1) {
			st->close(ctx);
			_exit(100);
		}
		rc = st->commit(ctx, "myapp", ops, n, NULL);
		/* closed: under valgrind a leak would be this child's exit status */
		st->close(ctx);
		_exit(-rc);
	}
	return pid;
}

/* Whether pid has exited, leaving it to be waited for. */
static int exited(pid_t pid)
{
	siginfo_t info;

	info.si_pid = 0;
	assert_int_equal(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT), 0);
	return info.si_pid == pid;
}

static int exit_code(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Commit A checks that X is absent and writes Y, commit B checks that Y is
 * absent and writes X: run together, one of them must fail, as it would
 * one after the other. A is held up mid-commit (on a row another session
 * locks) until B has had every chance to finish. */
static void concurrent_commits_never_both_pass_each_others_checks(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *ctx;
	release_storage_op a[] = {
		op_check(RELEASE_KIND_META, "x", NULL),
		op_cas(RELEASE_KIND_META, "gate", "g", "g"),
		op_cas(RELEASE_KIND_META, "y", NULL, "a"),
	};
	release_storage_op b[] = {
		op_check(RELEASE_KIND_META, "y", NULL),
		op_cas(RELEASE_KIND_META, "x", NULL, "b"),
	};
	PGconn *blocker;
	int ready[2];
	char byte;
	pid_t pa, pb;

	open_raw(uri, &st, &ctx);
	assert_int_equal(st->cas(ctx, "myapp", RELEASE_KIND_META, "gate", NULL, 0, "g", 1), 0);
	blocker = connect_to(uri);
	PQclear(PQexec(blocker, "BEGIN; SELECT 1 FROM librelease_records WHERE key = 'gate'"
				" FOR UPDATE"));
	assert_int_equal(pipe(ready), 0);
	pa = commit_in_child(uri, a, 3, ready[1]);
	assert_int_equal(read(ready[0], &byte, 1), 1);
	while (sql_value(uri, "SELECT count(*) FROM pg_stat_activity"
			      " WHERE wait_event_type = 'Lock'") < 1)
		usleep(5 * 1000);
	/* A waits at the gate, its check made; B runs until done or waiting */
	pb = commit_in_child(uri, b, 2, ready[1]);
	assert_int_equal(read(ready[0], &byte, 1), 1);
	for (int i = 0; i < 100 && !exited(pb); i++) {
		if (sql_value(uri, "SELECT count(*) FROM pg_stat_activity"
				   " WHERE wait_event_type = 'Lock'") >= 2)
			break;
		usleep(5 * 1000);
	}
	PQclear(PQexec(blocker, "ROLLBACK"));
	PQfinish(blocker);
	assert_int_equal(exit_code(pa), 0);
	assert_int_equal(exit_code(pb), -RELEASE_ECONFLICT);
	assert_string_equal(record_of(st, ctx, RELEASE_KIND_META, "x"), "(none)");
	close(ready[0]);
	close(ready[1]);
	st->close(ctx);
	free(uri);
}

/* A store whose tables were made by the first layout (version 1 of the
 * vtable) gains commits and holds on its next open, and keeps its data. */
static void a_store_of_the_first_layout_is_upgraded_in_place(void **state)
{
	char *uri = fresh_uri();
	release_store *s = open_store(uri);
	const release_storage *st;
	void *ctx, *hold = NULL;
	release_storage_op ops[] = {op_check(RELEASE_KIND_META, "absent", NULL)};

	make_app(s, "myapp");
	release_free(make_build_release(s, "myapp", "first"));
	release_store_close(s);
	sql_value(uri, "DROP TRIGGER librelease_records_notify ON librelease_records;"
		       "DROP FUNCTION librelease_notify, librelease_held, librelease_unhold,"
		       " librelease_hold, librelease_commit, librelease_lock_key;"
		       "DROP TABLE librelease_holds;"
		       "DELETE FROM librelease_schema WHERE version > 1");
	assert_int_equal(sql_value(uri, "SELECT count(*) FROM pg_class c JOIN pg_namespace n"
					" ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
					" AND c.relkind = 'r'"),
			 2);
	open_raw(uri, &st, &ctx);
	assert_int_equal(sql_value(uri, "SELECT max(version) FROM librelease_schema"),
			 PGSTORE_SCHEMA_VERSION);
	assert_int_equal(st->commit(ctx, "myapp", ops, 1, NULL), 0);
	assert_int_equal(st->hold(ctx, "myapp", "me", 2, &hold), 0);
	st->unhold(ctx, hold);
	st->close(ctx);
	s = open_store(uri);
	assert_int_equal(count_releases(s, "myapp"), 1);
	release_store_close(s);
	free(uri);
}

/* ---- holds */

static void a_held_app_is_busy_for_every_other_handle(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *a, *b, *ha = NULL, *hb = NULL;

	open_raw(uri, &st, &a);
	open_raw(uri, &st, &b);
	assert_int_equal(st->hold(a, "myapp", "a", 1, &ha), 0);
	assert_int_equal(st->hold(b, "myapp", "b", 1, &hb), RELEASE_EBUSY);
	assert_null(hb);
	assert_int_equal(st->hold(b, "other", "b", 1, &hb), 0); /* one app, one hold */
	st->unhold(b, hb);
	st->unhold(a, ha);
	assert_int_equal(st->hold(b, "myapp", "b", 1, &hb), 0);
	st->unhold(b, hb);
	st->close(a);
	st->close(b);
	free(uri);
}

/* PostgreSQL would grant the lock twice to one session. */
static void one_handle_holds_an_app_at_most_once(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *a, *b, *h1 = NULL, *h2 = NULL;

	open_raw(uri, &st, &a);
	open_raw(uri, &st, &b);
	assert_int_equal(st->hold(a, "myapp", "first", 5, &h1), 0);
	assert_int_equal(st->hold(a, "myapp", "second", 6, &h2), RELEASE_EBUSY);
	st->unhold(a, h1);
	/* and one unhold gave the app back whole */
	assert_int_equal(st->hold(b, "myapp", "b", 1, &h2), 0);
	st->unhold(b, h2);
	st->close(a);
	st->close(b);
	free(uri);
}

/* A server that ends idle sessions (idle_session_timeout, PostgreSQL 14)
 * would end a holder's while its deployer runs, the app free for the next
 * promoter then: pgstore's sessions are not ended for being idle. */
static void a_hold_outlives_the_servers_idle_session_timeout(void **state)
{
	char *uri = fresh_uri(), idle[1200];
	const release_storage *st;
	void *a, *b, *ha = NULL, *hb = NULL;
	struct timespec second = {1, 0};
	PGconn *c = connect_to(uri);
	int version = PQserverVersion(c);

	PQfinish(c);
	if (version < 140000) {
		free(uri);
		skip();
	}
	/* the sessions of this URI end after 200 ms of idleness */
	snprintf(idle, sizeof idle, "%s%%20-cidle_session_timeout%%3D200", uri);
	open_raw(idle, &st, &a);
	open_raw(uri, &st, &b);
	assert_int_equal(st->hold(a, "myapp", "a", 1, &ha), 0);
	nanosleep(&second, NULL);
	assert_int_equal(st->hold(b, "myapp", "b", 1, &hb), RELEASE_EBUSY);
	st->unhold(a, ha);
	assert_int_equal(st->hold(b, "myapp", "b", 1, &hb), 0);
	st->unhold(b, hb);
	st->close(a);
	st->close(b);
	free(uri);
}

struct info {
	char bytes[RELEASE_HOLD_INFO_MAX];
	size_t len;
	const char *key;
};

static int copy_info(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct info *i = payload;

	assert_int_equal(seq, 0);
	assert_true(len <= sizeof i->bytes);
	memcpy(i->bytes, data, len);
	i->len = len;
	i->key = key;
	return 0;
}

static void held_shows_the_holders_info_to_others(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *a, *b, *h = NULL;
	unsigned char info[RELEASE_HOLD_INFO_MAX];
	struct info got;

	for (size_t i = 0; i < sizeof info; i++)
		info[i] = (unsigned char)(i * 31); /* NUL bytes too */
	open_raw(uri, &st, &a);
	open_raw(uri, &st, &b);
	assert_int_equal(st->held(b, "myapp", copy_info, &got), RELEASE_ENOTFOUND);
	assert_int_equal(st->hold(a, "myapp", info, sizeof info, &h), 0);
	assert_int_equal(st->held(b, "myapp", copy_info, &got), 0);
	assert_int_equal(got.len, sizeof info);
	assert_memory_equal(got.bytes, info, sizeof info);
	assert_string_equal(got.key, "hold");
	assert_int_equal(st->held(b, "other", copy_info, &got), RELEASE_ENOTFOUND);
	st->unhold(a, h);
	assert_int_equal(st->held(b, "myapp", copy_info, &got), RELEASE_ENOTFOUND);
	/* longer info than others may be shown is refused */
	assert_int_equal(st->hold(a, "myapp", info, sizeof info + 1, &h), RELEASE_EINVAL);
	st->close(a);
	st->close(b);
	free(uri);
}

/* Hold rows mean nothing past the sessions that wrote them, so they are
 * kept out of the WAL: taking and giving back a hold waits for no fsync,
 * where a logged write waits for one each. */
static void holds_cost_no_wal_flush(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *a, *h = NULL;
	char sql[128];
	long pid, before, after;

	open_raw(uri, &st, &a);
	assert_int_equal(st->hold(a, "myapp", "a", 1, &h), 0);
	pid = sql_value(uri, "SELECT pid FROM librelease_holds");
	st->unhold(a, h);
	before = sql_value(uri, "SELECT wal_sync FROM pg_stat_wal");
	for (int i = 0; i < 20; i++) {
		assert_int_equal(st->hold(a, "myapp", "a", 1, &h), 0);
		st->unhold(a, h);
	}
	st->close(a); /* a session's counts reach pg_stat_wal when it ends */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity WHERE pid = %ld", pid);
	while (sql_value(uri, sql) != 0)
		usleep(5 * 1000);
	after = sql_value(uri, "SELECT wal_sync FROM pg_stat_wal");
	print_message("# 20 holds and unholds: %ld WAL syncs\n", after - before);
	assert_true(after - before < 10); /* the WAL writer may sync on its own */
	free(uri);
}

/* Tries b's hold of myapp for up to a second; the milliseconds it took. */
static long hold_within_a_second(const release_storage *st, void *b, void **h)
{
	struct timespec start, now, pause = {0, 5 * 1000 * 1000};
	long ms;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		rc = st->hold(b, "myapp", "b", 1, h);
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (rc != RELEASE_EBUSY || ms > 1000)
			break;
		nanosleep(&pause, NULL);
	}
	assert_int_equal(rc, 0);
	return ms;
}

static void a_hold_ends_with_its_holders_connection(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *a, *b, *ha = NULL, *hb = NULL;
	struct info got;
	long ms;

	open_raw(uri, &st, &a);
	open_raw(uri, &st, &b);
	assert_int_equal(st->hold(a, "myapp", "a", 1, &ha), 0);
	assert_int_equal(sql_value(uri, "SELECT count(pg_terminate_backend(pid, 5000))"
					" FROM librelease_holds"),
			 1);
	ms = hold_within_a_second(st, b, &hb);
	print_message("# held again %ld ms after its holder's backend was terminated\n", ms);
	/* the old holder's unhold is quiet, and leaves the new hold alone */
	st->unhold(a, ha);
	assert_int_equal(st->held(a, "myapp", copy_info, &got), 0);
	assert_memory_equal(got.bytes, "b", 1);
	assert_int_equal(st->hold(a, "myapp", "a", 1, &ha), RELEASE_EBUSY);
	st->unhold(b, hb);
	st->close(a);
	st->close(b);
	free(uri);
}

static void held_never_shows_a_dead_holders_row(void **state)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *a, *b, *h = NULL;
	struct info got;

	open_raw(uri, &st, &a);
	open_raw(uri, &st, &b);
	assert_int_equal(st->hold(a, "myapp", "a", 1, &h), 0);
	sql_value(uri, "SELECT pg_terminate_backend(pid, 5000) FROM librelease_holds");
	assert_int_equal(sql_value(uri, "SELECT count(*) FROM librelease_holds"), 1);
	assert_int_equal(st->held(b, "myapp", copy_info, &got), RELEASE_ENOTFOUND);
	st->unhold(a, h);
	st->close(a);
	st->close(b);
	free(uri);
}

/* A child process holds myapp (and, with hook, has started a program that
 * outlives it) and is killed with SIGKILL: the app is free within a second. */
static void holder_killed(int hook)
{
	char *uri = fresh_uri();
	const release_storage *st;
	void *b, *h = NULL;
	int ready[2], status;
	pid_t holder, program = 0;
	long ms;

	assert_int_equal(pipe(ready), 0);
	assert_true((holder = fork()) >= 0);
	if (holder == 0) {
		const release_storage *cst;
		void *ctx, *ch;
		pid_t p = 0;
		char err[512];

		if (pgstore_storage_open(&cst, &ctx, uri, err, sizeof err) != 0 ||
		    cst->hold(ctx, "myapp", "child", 5, &ch) != 0)
			_exit(1);
		if (hook && (p = fork()) == 0) {
			execlp("sleep", "sleep", "30", (char *)NULL);
			_exit(127);
		}
		if (write(ready[1], &p, sizeof p) != sizeof p)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &program, sizeof program), sizeof program);
	close(ready[0]);
	open_raw(uri, &st, &b);
	assert_int_equal(st->hold(b, "myapp", "b", 1, &h), RELEASE_EBUSY);
	assert_int_equal(kill(holder, SIGKILL), 0);
	assert_int_equal(waitpid(holder, &status, 0), holder);
	ms = hold_within_a_second(st, b, &h);
	print_message("# held again %ld ms after its holder was killed%s\n", ms,
		      hook ? ", its program still running" : "");
	if (program > 0) {
		assert_int_equal(kill(program, 0), 0); /* it did outlive its parent */
		kill(program, SIGKILL);
	}
	st->unhold(b, h);
	st->close(b);
	free(uri);
}

static void a_holder_killed_with_sigkill_frees_the_app_within_a_second(void **state)
{
	holder_killed(0);
}

static void a_program_the_holder_started_does_not_keep_the_hold(void **state)
{
	holder_killed(1);
}
