/*
 * The SQLite reference store, written as a user who picked SQLite would write
 * it: one releases table keyed by (app, version) WITHOUT ROWID with a unique
 * id, an apps table, WAL, synchronous=FULL, one transaction per operation
 * (BEGIN IMMEDIATE for writes) and prepared statements reused across calls.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sq_die(struct store *s, const char *what)
{
	die("sqlite %s: %s", what, sqlite3_errmsg(s->db));
}

static sqlite3_stmt *sq_prep(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		sq_die(s, sql);
	return st;
}

void sq_exec(struct store *s, const char *sql)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		sq_die(s, sql);
}

void sq_run(struct store *s, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		sq_die(s, sqlite3_sql(st));
	sqlite3_reset(st);
}

#define REL_COLS "app, version, id, build, env, manifest, description, created, source, promoted, failed"

void sq_open(struct store *s, const char *path, int create)
{
	s->kind = S_SQLITE;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0),
			    NULL) != SQLITE_OK)
		sq_die(s, "open");
	sqlite3_busy_timeout(s->db, 5000);
	sq_exec(s, "PRAGMA journal_mode=WAL");
	sq_exec(s, "PRAGMA synchronous=FULL");
	if (create) {
		sq_exec(s, "CREATE TABLE IF NOT EXISTS releases(app TEXT NOT NULL, version INTEGER NOT NULL,"
			   " id TEXT NOT NULL UNIQUE, build TEXT, env TEXT NOT NULL, manifest TEXT NOT NULL,"
			   " description TEXT NOT NULL, created INTEGER NOT NULL, source TEXT,"
			   " promoted INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,"
			   " PRIMARY KEY(app, version)) WITHOUT ROWID");
		sq_exec(s, "CREATE TABLE IF NOT EXISTS apps(app TEXT PRIMARY KEY, created INTEGER NOT NULL,"
			   " active TEXT, previous TEXT, lease_owner TEXT, lease_expires INTEGER NOT NULL DEFAULT 0)"
			   " WITHOUT ROWID");
	}
	s->begin = sq_prep(s, "BEGIN IMMEDIATE");
	s->commit = sq_prep(s, "COMMIT");
	s->rollback_tx = sq_prep(s, "ROLLBACK");
	s->newest = sq_prep(s, "SELECT " REL_COLS " FROM releases WHERE app = ?1"
			       " ORDER BY version DESC LIMIT 1");
	s->insert = sq_prep(s, "INSERT INTO releases(" REL_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, 0)");
	s->list = sq_prep(s, "SELECT " REL_COLS " FROM releases WHERE app = ?1"
			     " ORDER BY version DESC LIMIT ?2");
	s->get = sq_prep(s, "SELECT " REL_COLS " FROM releases WHERE id = ?1 AND app = ?2");
	s->by_id = sq_prep(s, "SELECT version, build, env, manifest, description FROM releases"
			      " WHERE id = ?1 AND app = ?2");
	s->app_get = sq_prep(s, "SELECT active, previous FROM apps WHERE app = ?1");
	s->set_active = sq_prep(s, "UPDATE apps SET previous = active, active = ?2 WHERE app = ?1");
	s->stamp = sq_prep(s, "UPDATE releases SET promoted = ?3 WHERE app = ?1 AND version = ?2");
	s->app_insert = sq_prep(s, "INSERT INTO apps(app, created) VALUES(?1, ?2)");
	/* What release_prune() keeps: the active release (?2) and every newer
	 * one, the previous one (?3), and the keep (?4) newest below the active. */
	s->prune = sq_prep(s, "DELETE FROM releases WHERE app = ?1 AND version < ?2 AND id IS NOT ?3"
			      " AND version NOT IN (SELECT version FROM releases WHERE app = ?1"
			      " AND version < ?2 ORDER BY version DESC LIMIT ?4)");
}

void sq_close(struct store *s)
{
	sqlite3_stmt *all[] = {s->begin, s->commit, s->rollback_tx, s->newest, s->insert, s->list,
			       s->get, s->by_id, s->app_get, s->set_active, s->stamp, s->app_insert,
			       s->prune};

	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		sqlite3_finalize(all[i]);
	sqlite3_close(s->db);
	s->db = NULL;
}

static void sq_begin(struct store *s)
{
	if (!s->batch)
		sq_run(s, s->begin);
}

static void sq_commit(struct store *s)
{
	if (!s->batch)
		sq_run(s, s->commit);
}


/* A release id like librelease's: 'R' and 10 symbols, unique per version. */
static void sq_make_id(uint64_t version, char *out)
{
	static const char a[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	uint64_t x = (version * 0x9e3779b97f4a7c15u) & ((1ull << 50) - 1);

	out[0] = 'R';
	for (int i = 10; i >= 1; i--, x >>= 5)
		out[i] = a[x & 31];
	out[11] = 0;
}

/*
 * env is "K=V\n" lines in key order, as librelease keeps it. Sets key to
 * value; returns a malloc'ed env and says in what whether it was an add or a
 * change.
 */
static char *env_with(const char *env, const char *key, const char *value, const char **what)
{
	size_t kl = strlen(key), el = strlen(env);
	char *out = malloc(el + kl + strlen(value) + 3);
	const char *p = env;
	char *o = out;
	int done = 0;

	*what = "add";
	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *eq = strchr(p, '=');
		size_t ll = nl ? (size_t)(nl - p) + 1 : strlen(p);
		size_t cl = (size_t)(eq - p);
		int c = strncmp(p, key, cl < kl ? cl : kl);

		if (c == 0)
			c = (cl > kl) - (cl < kl);
		if (!done && c >= 0) {
			o += sprintf(o, "%s=%s\n", key, value);
			done = 1;
			if (c == 0) {
				*what = "change";
				p += ll;
				continue;
			}
		}
		memcpy(o, p, ll);
		o += ll;
		p += ll;
	}
	if (!done)
		o += sprintf(o, "%s=%s\n", key, value);
	*o = 0;
	return out;
}

static void sq_bind_text(sqlite3_stmt *st, int i, const unsigned char *t)
{
	if (t)
		sqlite3_bind_text(st, i, (const char *)t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Reads the newest release, inserts the next version with KEY=VALUE set. */
void sq_env_set(struct store *s, const char *pair, char *out)
{
	char key[64], id[ID_LEN], desc[96];
	const char *eq = strchr(pair, '='), *what;
	uint64_t version = 1;
	const unsigned char *build = NULL, *manifest = (const unsigned char *)"";
	char *env = NULL;

	snprintf(key, sizeof key, "%.*s", (int)(eq - pair), pair);
	sq_begin(s);
	sqlite3_bind_text(s->newest, 1, APP, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s->newest);
	if (rc == SQLITE_ROW) {
		version = (uint64_t)sqlite3_column_int64(s->newest, 1) + 1;
		build = sqlite3_column_text(s->newest, 3);
		env = env_with((const char *)sqlite3_column_text(s->newest, 4), key, eq + 1, &what);
		manifest = sqlite3_column_text(s->newest, 5);
	} else if (rc == SQLITE_DONE) {
		env = env_with("", key, eq + 1, &what);
	} else {
		sq_die(s, "newest");
	}
	snprintf(desc, sizeof desc, "env %s:%s", what, key);
	sq_make_id(version, id);
	sqlite3_bind_text(s->insert, 1, APP, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->insert, 2, (int64_t)version);
	sqlite3_bind_text(s->insert, 3, id, -1, SQLITE_STATIC);
	sq_bind_text(s->insert, 4, build);
	sqlite3_bind_text(s->insert, 5, env, -1, SQLITE_STATIC);
	sq_bind_text(s->insert, 6, manifest);
	sqlite3_bind_text(s->insert, 7, desc, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->insert, 8, wall_ns());
	sqlite3_bind_null(s->insert, 9);
	sq_run(s, s->insert);
	sqlite3_reset(s->newest);
	sq_commit(s);
	free(env);
	if (out)
		snprintf(out, ID_LEN, "%s", id);
}

static volatile size_t sq_sink;

/* Steps a release query and touches every column, as decoding would. */
static size_t sq_read_rows(struct store *s, sqlite3_stmt *st)
{
	size_t n = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < 11; c++) {
			const unsigned char *t = sqlite3_column_text(st, c);
			sq_sink += t ? (size_t)sqlite3_column_bytes(st, c) : 0;
		}
		n++;
	}
	if (rc != SQLITE_DONE)
		sq_die(s, "read");
	sqlite3_reset(st);
	return n;
}

size_t sq_list(struct store *s)
{
	sqlite3_bind_text(s->list, 1, APP, -1, SQLITE_STATIC);
	sqlite3_bind_int(s->list, 2, PAGE);
	return sq_read_rows(s, s->list);
}

void sq_get(struct store *s, const char *id)
{
	sqlite3_bind_text(s->get, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->get, 2, APP, -1, SQLITE_STATIC);
	if (sq_read_rows(s, s->get) != 1)
		die("sqlite get %s: %s", id, "not found");
}

/* Looks id up in the open transaction: its version, or 0. */
static uint64_t sq_version_of(struct store *s, const char *id)
{
	uint64_t v = 0;

	sqlite3_bind_text(s->by_id, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->by_id, 2, APP, -1, SQLITE_STATIC);
	if (sqlite3_step(s->by_id) == SQLITE_ROW)
		v = (uint64_t)sqlite3_column_int64(s->by_id, 0);
	sqlite3_reset(s->by_id);
	return v;
}

/* Moves the active pointer to id (version v) and stamps the release. */
static void sq_activate(struct store *s, const char *id, uint64_t v)
{
	sqlite3_bind_text(s->set_active, 1, APP, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->set_active, 2, id, -1, SQLITE_STATIC);
	sq_run(s, s->set_active);
	sqlite3_bind_text(s->stamp, 1, APP, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->stamp, 2, (int64_t)v);
	sqlite3_bind_int64(s->stamp, 3, wall_ns());
	sq_run(s, s->stamp);
}

/* Refuses an unknown id or one older than the active release, as
 * release_promote() does; then moves the pointer. */
void sq_promote(struct store *s, const char *id)
{
	uint64_t v, active_v = 0;

	sq_begin(s);
	v = sq_version_of(s, id);
	sqlite3_bind_text(s->app_get, 1, APP, -1, SQLITE_STATIC);
	if (sqlite3_step(s->app_get) != SQLITE_ROW)
		sq_die(s, "promote: no app");
	if (sqlite3_column_type(s->app_get, 0) != SQLITE_NULL) {
		char active[ID_LEN];

		snprintf(active, sizeof active, "%s", (const char *)sqlite3_column_text(s->app_get, 0));
		sqlite3_reset(s->app_get);
		active_v = sq_version_of(s, active);
	}
	sqlite3_reset(s->app_get);
	if (v == 0 || v < active_v) {
		sq_run(s, s->rollback_tx);
		die("sqlite promote %s: %s", id, "refused");
	}
	sq_activate(s, id, v);
	sq_commit(s);
}

/* Reads target, inserts a copy as the next version with target as its
 * source, and makes it active. */
void sq_rollback(struct store *s, const char *target)
{
	char id[ID_LEN];
	uint64_t version;

	sq_begin(s);
	sqlite3_bind_text(s->by_id, 1, target, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->by_id, 2, APP, -1, SQLITE_STATIC);
	if (sqlite3_step(s->by_id) != SQLITE_ROW)
		sq_die(s, "rollback: no target");
	sqlite3_bind_text(s->newest, 1, APP, -1, SQLITE_STATIC);
	if (sqlite3_step(s->newest) != SQLITE_ROW)
		sq_die(s, "rollback: no newest");
	version = (uint64_t)sqlite3_column_int64(s->newest, 1) + 1;
	sqlite3_reset(s->newest);
	sq_make_id(version, id);
	sqlite3_bind_text(s->insert, 1, APP, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->insert, 2, (int64_t)version);
	sqlite3_bind_text(s->insert, 3, id, -1, SQLITE_STATIC);
	sq_bind_text(s->insert, 4, sqlite3_column_text(s->by_id, 1));
	sq_bind_text(s->insert, 5, sqlite3_column_text(s->by_id, 2));
	sq_bind_text(s->insert, 6, sqlite3_column_text(s->by_id, 3));
	sq_bind_text(s->insert, 7, sqlite3_column_text(s->by_id, 4));
	sqlite3_bind_int64(s->insert, 8, wall_ns());
	sqlite3_bind_text(s->insert, 9, target, -1, SQLITE_STATIC);
	sq_run(s, s->insert);
	sqlite3_reset(s->by_id);
	sq_activate(s, id, version);
	sq_commit(s);
}

void sq_create_app(struct store *s)
{
	sqlite3_bind_text(s->app_insert, 1, APP, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->app_insert, 2, wall_ns());
	sq_begin(s);
	sq_run(s, s->app_insert);
	sq_commit(s);
}

/* Deletes what release_prune() would, in one transaction; returns how many
 * releases went. */
size_t sq_prune(struct store *s, size_t keep)
{
	char previous[ID_LEN] = "";
	uint64_t active_v = 0;
	size_t n = 0;

	sq_begin(s);
	sqlite3_bind_text(s->app_get, 1, APP, -1, SQLITE_STATIC);
	if (sqlite3_step(s->app_get) != SQLITE_ROW)
		sq_die(s, "prune: no app");
	if (sqlite3_column_type(s->app_get, 1) != SQLITE_NULL)
		snprintf(previous, sizeof previous, "%s",
			 (const char *)sqlite3_column_text(s->app_get, 1));
	if (sqlite3_column_type(s->app_get, 0) != SQLITE_NULL) {
		char active[ID_LEN];

		snprintf(active, sizeof active, "%s", (const char *)sqlite3_column_text(s->app_get, 0));
		sqlite3_reset(s->app_get);
		active_v = sq_version_of(s, active);
	}
	sqlite3_reset(s->app_get);
	if (active_v) {
		sqlite3_bind_text(s->prune, 1, APP, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s->prune, 2, (int64_t)active_v);
		if (previous[0])
			sqlite3_bind_text(s->prune, 3, previous, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s->prune, 3);
		sqlite3_bind_int64(s->prune, 4, (int64_t)keep);
		sq_run(s, s->prune);
		n = (size_t)sqlite3_changes(s->db);
	}
	sq_commit(s);
	return n;
}
