/*
 * pgstore's version 2 of the vtable: commits, one transaction each and
 * all-or-nothing. Compiled as part of test_pgstore.c, whose helpers it
 * uses.
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
	assert_int_equal((*st)->version, 2);
	assert_non_null((*st)->commit);
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

		for (int i = 0; i < 500; i++) {
			res = PQexec(c, "SELECT count(pg_terminate_backend(pid, 5000))"
					" FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
					" AND datname = current_database()");
			if (PQresultStatus(res) == PGRES_TUPLES_OK &&
			    strcmp(PQgetvalue(res, 0, 0), "1") == 0)
				_exit(0);
			PQclear(res);
			usleep(10 * 1000);
		}
		_exit(1);
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

		if (pgstore_storage_open(&st, &ctx, uri, err, sizeof err) != 0 ||
		    write(ready, "x", 1) != 1)
			_exit(100);
		_exit(-st->commit(ctx, "myapp", ops, n, NULL));
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
 * vtable) gains commits on its next open, and keeps its data. */
static void a_store_of_the_first_layout_is_upgraded_in_place(void **state)
{
	char *uri = fresh_uri();
	release_store *s = open_store(uri);
	const release_storage *st;
	void *ctx;
	release_storage_op ops[] = {op_check(RELEASE_KIND_META, "absent", NULL)};

	make_app(s, "myapp");
	release_free(make_build_release(s, "myapp", "first"));
	release_store_close(s);
	sql_value(uri, "DROP FUNCTION librelease_commit, librelease_lock_key;"
		       "DELETE FROM librelease_schema WHERE version > 1");
	assert_int_equal(sql_value(uri, "SELECT count(*) FROM pg_class c JOIN pg_namespace n"
					" ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
					" AND c.relkind = 'r'"),
			 2);
	open_raw(uri, &st, &ctx);
	assert_int_equal(sql_value(uri, "SELECT max(version) FROM librelease_schema"),
			 PGSTORE_SCHEMA_VERSION);
	assert_int_equal(st->commit(ctx, "myapp", ops, 1, NULL), 0);
	st->close(ctx);
	s = open_store(uri);
	assert_int_equal(count_releases(s, "myapp"), 1);
	release_store_close(s);
	free(uri);
}
