/*
 * The tables, created on a store's first open and migrated on the first open
 * by newer code; a layout newer than this code knows is refused.
 */
#include "pgstore_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The migrations, in order: append only, never edit one that shipped. Each
 * runs once per schema, in the transaction that records it. */
struct migration {
	int version;
	const char *description;
	const char *sql;
};

static const struct migration migrations[] = {
	{1, "records keyed by (app, kind, key), ordered kinds indexed by seq",
	 "CREATE TABLE librelease_records ("
	 " app text NOT NULL,"
	 " kind smallint NOT NULL,"
	 " key text NOT NULL,"
	 " seq bigint NOT NULL CHECK (seq >= 0),"
	 " data bytea NOT NULL,"
	 " PRIMARY KEY (app, kind, key));"
	 "CREATE UNIQUE INDEX librelease_records_seq"
	 " ON librelease_records (app, kind, seq) WHERE seq > 0;"},

	/*
	 * Version 2 of the vtable. Commits of one app take turns on a
	 * transaction lock, so that what an operation checks (a record's
	 * bytes, or its absence, which no row lock can cover) still holds when
	 * the commit ends; single-record writes need no turn. A hold is a
	 * session lock, which the server drops when the session ends however
	 * it ends, and a row with its info, which counts only while the pid in
	 * it holds that lock. The rows are unlogged: a hold costs no WAL flush,
	 * and a server crash, which ends every session, empties the table. Lock keys are hashed from the schema and the app:
	 * one app of one store, one key, for every client of the server.
	 */
	{2, "commits in one call; holds that end with their session",
	 "CREATE FUNCTION librelease_lock_key(what text, app text) RETURNS bigint"
	 " LANGUAGE sql STABLE AS $$"
	 " SELECT hashtextextended('librelease ' || what || ' ' || current_schema()"
	 " || '/' || app, 0) $$;"

	 "CREATE FUNCTION librelease_commit(p_app text, p_op smallint[], p_kind smallint[],"
	 " p_key text[], p_seq bigint[], p_old bytea[], p_data bytea[]) RETURNS void"
	 " LANGUAGE plpgsql AS $$"
	 " DECLARE cur bytea; ok boolean;"
	 " BEGIN"
	 "  PERFORM pg_advisory_xact_lock(librelease_lock_key('commit', p_app));"
	 "  FOR i IN 1 .. cardinality(p_op) LOOP"
	 "   IF p_op[i] NOT BETWEEN 1 AND 4 THEN"
	 "    RAISE EXCEPTION USING ERRCODE = 'LR400', MESSAGE = (i - 1)::text;"
	 /* put, or a compare-and-swap from absent to present */
	 "   ELSIF p_op[i] = 1 OR (p_op[i] = 2 AND p_old[i] IS NULL"
	 "                         AND p_data[i] IS NOT NULL) THEN"
	 "    INSERT INTO librelease_records (app, kind, key, seq, data)"
	 "     VALUES (p_app, p_kind[i], p_key[i], p_seq[i], p_data[i])"
	 "     ON CONFLICT DO NOTHING;"
	 "    ok := FOUND;"
	 "   ELSIF p_op[i] = 2 AND p_data[i] IS NOT NULL THEN"
	 "    UPDATE librelease_records SET data = p_data[i]"
	 "     WHERE app = p_app AND kind = p_kind[i] AND key = p_key[i] AND data = p_old[i];"
	 "    ok := FOUND;"
	 "   ELSIF p_op[i] = 2 AND p_old[i] IS NOT NULL THEN"
	 "    DELETE FROM librelease_records"
	 "     WHERE app = p_app AND kind = p_kind[i] AND key = p_key[i] AND data = p_old[i];"
	 "    ok := FOUND;"
	 "   ELSIF p_op[i] = 3 THEN"
	 "    DELETE FROM librelease_records"
	 "     WHERE app = p_app AND kind = p_kind[i] AND key = p_key[i];"
	 "    IF NOT FOUND THEN"
	 "     RAISE EXCEPTION USING ERRCODE = 'LR404', MESSAGE = (i - 1)::text;"
	 "    END IF;"
	 "    ok := true;"
	 /* a check, or a compare-and-swap from absent to absent */
	 "   ELSE"
	 "    SELECT data INTO cur FROM librelease_records"
	 "     WHERE app = p_app AND kind = p_kind[i] AND key = p_key[i] FOR SHARE;"
	 "    ok := CASE WHEN p_old[i] IS NULL THEN NOT FOUND"
	 "               ELSE FOUND AND cur = p_old[i] END;"
	 "   END IF;"
	 "   IF NOT ok THEN"
	 "    RAISE EXCEPTION USING ERRCODE = 'LR409', MESSAGE = (i - 1)::text;"
	 "   END IF;"
	 "  END LOOP;"
	 " END $$;"

	 "CREATE UNLOGGED TABLE librelease_holds ("
	 " app text PRIMARY KEY,"
	 " pid integer NOT NULL,"
	 " since timestamptz NOT NULL,"
	 " info bytea NOT NULL);"

	 /* A failure after the lock is taken must not leave it taken. */
	 "CREATE FUNCTION librelease_hold(p_app text, p_info bytea) RETURNS boolean"
	 " LANGUAGE plpgsql AS $$"
	 " DECLARE k bigint := librelease_lock_key('hold', p_app);"
	 " BEGIN"
	 "  IF NOT pg_try_advisory_lock(k) THEN"
	 "   RETURN false;"
	 "  END IF;"
	 "  BEGIN"
	 "   INSERT INTO librelease_holds (app, pid, since, info)"
	 "    VALUES (p_app, pg_backend_pid(), now(), p_info)"
	 "    ON CONFLICT (app) DO UPDATE"
	 "    SET pid = excluded.pid, since = excluded.since, info = excluded.info;"
	 "  EXCEPTION WHEN OTHERS THEN"
	 "   PERFORM pg_advisory_unlock(k);"
	 "   RAISE;"
	 "  END;"
	 "  RETURN true;"
	 " END $$;"

	 "CREATE FUNCTION librelease_unhold(p_app text) RETURNS void"
	 " LANGUAGE plpgsql AS $$"
	 " BEGIN"
	 "  DELETE FROM librelease_holds WHERE app = p_app AND pid = pg_backend_pid();"
	 "  PERFORM pg_advisory_unlock(librelease_lock_key('hold', p_app));"
	 " END $$;"

	 /* The row of a session that still holds the lock, never a dead one's.
	  * pg_locks shows a bigint key as two 32-bit halves. */
	 "CREATE FUNCTION librelease_held(p_app text) RETURNS bytea"
	 " LANGUAGE sql STABLE AS $$"
	 " SELECT h.info FROM librelease_holds h, pg_locks l"
	 "  WHERE h.app = p_app AND l.pid = h.pid AND l.granted"
	 "   AND l.locktype = 'advisory' AND l.mode = 'ExclusiveLock' AND l.objsubid = 1"
	 "   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
	 "   AND l.classid::bigint = (librelease_lock_key('hold', p_app) >> 32) & 4294967295"
	 "   AND l.objid::bigint = librelease_lock_key('hold', p_app) & 4294967295 $$;"},

	/*
	 * Version 3 of the vtable: wait(). Every change to an app's records
	 * notifies channel 'librelease' with the app's name, from a trigger on
	 * the table rather than from pgstore's statements, so that every writer
	 * notifies: a program of an earlier version still connected when this
	 * migration runs (its statements know nothing of notifying), and SQL a
	 * person runs by hand. NOTIFY is transactional: the notification goes
	 * out when the change commits, and not at all when it rolls back, and
	 * the many rows of one commit make one notification per app, as the
	 * server folds equal ones of a transaction together.
	 */
	{3, "every change to an app's records notifies channel librelease",
	 "CREATE FUNCTION librelease_notify() RETURNS trigger"
	 " LANGUAGE plpgsql AS $$"
	 " BEGIN"
	 "  IF TG_OP <> 'INSERT' THEN"
	 "   PERFORM pg_notify('" PGS_CHANNEL "', OLD.app);"
	 "  END IF;"
	 "  IF TG_OP <> 'DELETE' THEN"
	 "   PERFORM pg_notify('" PGS_CHANNEL "', NEW.app);"
	 "  END IF;"
	 "  RETURN NULL;"
	 " END $$;"

	 "CREATE TRIGGER librelease_records_notify"
	 " AFTER INSERT OR UPDATE OR DELETE ON librelease_records"
	 " FOR EACH ROW EXECUTE FUNCTION librelease_notify();"},
};
#define N_MIGRATIONS (sizeof migrations / sizeof migrations[0])

/* Runs a one-row, one-column query; its text value (malloc'ed) or NULL. */
static int query_value(struct pg *p, const char *sql, const char *what, char **out)
{
	PGresult *res = PQexecParams(p->conn, sql, 0, NULL, NULL, NULL, NULL, 0);

	*out = NULL;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 || PQnfields(res) != 1)
		return pgs_fail_result(p, res, what);
	if (!PQgetisnull(res, 0, 0) && !(*out = strdup(PQgetvalue(res, 0, 0)))) {
		PQclear(res);
		return pgs_failf(p, RELEASE_ENOMEM, "out of memory");
	}
	PQclear(res);
	return 0;
}

static int record_migration(struct pg *p, const struct migration *m)
{
	char version[16];
	const char *values[2] = {version, m->description};
	PGresult *res;

	snprintf(version, sizeof version, "%d", m->version);
	res = PQexecParams(p->conn,
			   "INSERT INTO librelease_schema (version, description) VALUES ($1, $2)",
			   2, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return pgs_fail_result(p, res, "recording a migration");
	PQclear(res);
	return 0;
}

/* Inside a transaction that holds the schema's migration lock. */
static int migrate_locked(struct pg *p)
{
	char *have = NULL, *version = NULL;
	long current;
	int rc;

	if ((rc = query_value(p, "SELECT to_regclass('librelease_schema')::text",
			      "looking for the schema table", &have)) != 0)
		return rc;
	if (!have)
		rc = pgs_exec_plain(p,
				    "CREATE TABLE librelease_schema ("
				    " version integer PRIMARY KEY,"
				    " description text NOT NULL,"
				    " applied_at timestamptz NOT NULL DEFAULT now())",
				    PGRES_COMMAND_OK, "creating the schema table");
	free(have);
	if (rc != 0 || (rc = query_value(p, "SELECT coalesce(max(version), 0) FROM librelease_schema",
					 "reading the schema version", &version)) != 0)
		return rc;
	current = version ? strtol(version, NULL, 10) : 0;
	free(version);
	if (current > PGSTORE_SCHEMA_VERSION)
		return pgs_failf(p, RELEASE_EUNSUPPORTED,
				 "the store's tables are at schema version %ld, newer than this "
				 "program knows (%d): upgrade the program, not the tables",
				 current, PGSTORE_SCHEMA_VERSION);
	for (size_t i = 0; i < N_MIGRATIONS; i++) {
		const struct migration *m = &migrations[i];

		if (m->version <= current)
			continue;
		if ((rc = pgs_exec_plain(p, m->sql, PGRES_COMMAND_OK,
					 "migrating the tables")) != 0 ||
		    (rc = record_migration(p, m)) != 0)
			return rc;
	}
	return 0;
}

/* Whether the tables are at this code's version already, as they are on
 * every open but the first: one round trip, no transaction. Any failure
 * (no table yet, no schema) leaves the answer to pgs_migrate(). */
static int up_to_date(struct pg *p)
{
	PGresult *res = PQexec(p->conn, "SELECT max(version) FROM librelease_schema");
	int yes = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
		  !PQgetisnull(res, 0, 0) &&
		  strtol(PQgetvalue(res, 0, 0), NULL, 10) == PGSTORE_SCHEMA_VERSION;

	PQclear(res);
	return yes;
}

/* Creates or migrates the tables in one transaction. Concurrent openers of
 * one schema take turns on an advisory lock named after it. */
int pgs_migrate(struct pg *p)
{
	char *schema = NULL, *quoted;
	int rc;

	if ((rc = query_value(p, "SELECT current_schema()", "finding the schema", &schema)) != 0)
		return rc;
	if (!schema)
		return pgs_failf(p, RELEASE_EIO,
				 "no schema to keep the tables in: search_path names no existing "
				 "schema (create it, or set options=-csearch_path=NAME)");
	quoted = PQescapeIdentifier(p->conn, schema, strlen(schema));
	free(schema);
	if (!quoted || !(p->search_path = malloc(strlen(quoted) + sizeof ", pg_catalog"))) {
		PQfreemem(quoted);
		return pgs_failf(p, RELEASE_ENOMEM, "out of memory");
	}
	strcpy(p->search_path, quoted);
	strcat(p->search_path, ", pg_catalog");
	PQfreemem(quoted);
	if ((rc = pgs_pin_session(p)) != 0)
		return rc;
	if (up_to_date(p))
		return 0;
	if ((rc = pgs_exec_plain(p, "BEGIN", PGRES_COMMAND_OK, "starting the migration")) != 0)
		return rc;
	/* 0x6c72656c: "lrel", the lock's namespace among advisory locks */
	if ((rc = pgs_exec_plain(p,
				 "SELECT pg_advisory_xact_lock(1819436396,"
				 " hashtext(current_schema()))",
				 PGRES_TUPLES_OK, "locking the schema")) != 0 ||
	    (rc = migrate_locked(p)) != 0) {
		PGresult *res = PQexec(p->conn, "ROLLBACK");

		PQclear(res);
		return rc;
	}
	return pgs_exec_plain(p, "COMMIT", PGRES_COMMAND_OK, "committing the migration");
}
