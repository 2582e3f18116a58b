/*
 * librelease benchmark: the memory store, the file store, the PostgreSQL
 * backend (examples/pgstore) and a SQLite reference store doing the same
 * logical work, side by side (issue 5).
 *
 *   build/tests/bench/bench [--quick | --full] [--dir DIR] [--shm DIR] [--pg CONNINFO]
 *
 * Prints one Markdown table. Every figure is the median of repeated runs
 * (clock_gettime(CLOCK_MONOTONIC)); every ratio is taken within this run.
 *
 * - History-size rows (list, get, open + list, RSS, bytes per release) use
 *   stores built on --shm (default /dev/shm, else the --dir) so that large
 *   histories are built in seconds; the code path is the same as on a disk.
 * - Durable-op rows (create, env set, promote, rollback) and the fsync floor
 *   run on --dir (default $TMPDIR, else /tmp), so fsync costs are real.
 * - "open + list 20" runs in a fresh process: the benchmark re-executes itself
 *   (/proc/self/exe --child ..., or bench-child: see child_exe()) and the
 *   child times release_store_open() plus listing the newest 20, then
 *   reports its VmRSS.
 *
 * The SQLite reference (built when sqlite3 is found) is written as a user who
 * picked SQLite would write it: one releases table keyed by (app, version)
 * WITHOUT ROWID with a unique id, an apps table, WAL, synchronous=FULL, one
 * transaction per operation (BEGIN IMMEDIATE for writes) and prepared
 * statements reused across calls.
 *
 * The PostgreSQL column (built when libpq is found) is librelease itself on
 * pgstore, run against the server named by --pg, else $RELEASE_BENCH_PG, else
 * $RELEASE_TEST_STORE when that is a postgresql:// URI (as pg_server.py sets
 * it). Every store gets a schema of its own, dropped afterwards, so each
 * starts empty; the server's disk, not --dir or --shm, holds all of them.
 *
 * Only the public API of librelease (and of pgstore) is used.
 */
#include <librelease/release.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_SQLITE
#include <sqlite3.h>
#endif

#ifdef HAVE_PGSTORE
#include <libpq-fe.h>
#include <pgstore.h>
#endif

#define APP "bench"
#define PAGE 20
#define MAXN 4
#define ID_LEN 16

enum { S_MEMORY, S_FILE, S_SQLITE, S_PG, S_COUNT };
static const char *const store_names[S_COUNT] = {"memory", "file", "sqlite", "postgresql"};

/* ------------------------------------------------------------ helpers */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static double median(int64_t *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_i64);
	return n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static long vm_rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	return kib;
}

static uint64_t du_bytes;

static int du_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	du_bytes += (uint64_t)st->st_blocks * 512;
	return 0;
}

static uint64_t disk_usage(const char *path)
{
	du_bytes = 0;
	nftw(path, du_entry, 16, FTW_PHYS);
	return du_bytes;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_temp(char *out, size_t len, const char *base, const char *what)
{
	snprintf(out, len, "%s/librelease-bench-%s-XXXXXX", base, what);
	if (!mkdtemp(out))
		die("cannot create a directory under %s: %s", base, strerror(errno));
}

static const char *fs_name(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf) != 0)
		return "?";
	switch ((unsigned long)sf.f_type) {
	case 0x01021994ul: return "tmpfs";
	case 0xef53ul: return "ext4";
	case 0x58465342ul: return "xfs";
	case 0x9123683eul: return "btrfs";
	case 0x794c7630ul: return "overlayfs";
	default: return "other";
	}
}

/* ---------------------------------------------------- the store drivers */

/*
 * One store under test. Every operation does the work a deploy tool asks for
 * and frees what it read; ids come back in out (ID_LEN bytes) when asked.
 */
struct store {
	int kind;
	release_store *lr;
#ifdef HAVE_SQLITE
	sqlite3 *db;
	sqlite3_stmt *begin, *commit, *rollback_tx, *newest, *insert, *list, *get,
		*app_get, *set_active, *stamp, *app_insert, *by_id;
	int batch; /* inside an outer transaction: do not BEGIN/COMMIT */
#endif
};

static void lr_check(struct store *s, int rc, const char *what)
{
	if (rc != 0)
		die("librelease %s: %s", what, release_store_errmsg(s->lr));
}

static void lr_open(struct store *s, int kind, const char *uri)
{
	s->kind = kind;
#ifdef HAVE_PGSTORE
	if (kind == S_PG) {
		char err[512];

		if (pgstore_open(&s->lr, uri, NULL, err, sizeof err) != 0)
			die("cannot open the PostgreSQL store: %s", err);
		return;
	}
#endif
	if (release_store_open(&s->lr, uri, NULL) != 0)
		die("cannot open %s: %s", uri, release_store_errmsg(NULL));
}

/* env set KEY=VALUE on the newest release; the new id goes to out. */
static void lr_env_set(struct store *s, const char *pair, char *out)
{
	release *r = NULL;

	lr_check(s, release_env_set(s->lr, APP, &pair, 1, &r), "env set");
	if (out && r)
		snprintf(out, ID_LEN, "%s", release_id(r));
	release_free(r);
}

static size_t lr_list(struct store *s)
{
	release_list_opts o;
	release_iter *it = NULL;
	const release *r;
	size_t n = 0;

	release_list_opts_init(&o);
	o.limit = PAGE;
	lr_check(s, release_list(s->lr, APP, &o, &it), "list");
	while (release_iter_next(it, &r) == 0)
		n += release_env_count(r) > 0;
	release_iter_free(it);
	return n;
}

static void lr_get(struct store *s, const char *id)
{
	release *r = NULL;

	lr_check(s, release_get(s->lr, APP, id, &r), "get");
	release_free(r);
}

static void lr_promote(struct store *s, const char *id)
{
	lr_check(s, release_promote(s->lr, APP, id, NULL), "promote");
}

static void lr_rollback(struct store *s, const char *target)
{
	release *r = NULL;

	lr_check(s, release_rollback(s->lr, APP, target, NULL, &r), "rollback");
	release_free(r);
}

#ifdef HAVE_SQLITE
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

static void sq_exec(struct store *s, const char *sql)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		sq_die(s, sql);
}

static void sq_run(struct store *s, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		sq_die(s, sqlite3_sql(st));
	sqlite3_reset(st);
}

#define REL_COLS "app, version, id, build, env, manifest, description, created, source, promoted, failed"

static void sq_open(struct store *s, const char *path, int create)
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
}

static void sq_close(struct store *s)
{
	sqlite3_stmt *all[] = {s->begin, s->commit, s->rollback_tx, s->newest, s->insert, s->list,
			       s->get, s->by_id, s->app_get, s->set_active, s->stamp, s->app_insert};

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

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
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
static void sq_env_set(struct store *s, const char *pair, char *out)
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

static size_t sq_list(struct store *s)
{
	sqlite3_bind_text(s->list, 1, APP, -1, SQLITE_STATIC);
	sqlite3_bind_int(s->list, 2, PAGE);
	return sq_read_rows(s, s->list);
}

static void sq_get(struct store *s, const char *id)
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
static void sq_promote(struct store *s, const char *id)
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
static void sq_rollback(struct store *s, const char *target)
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

static void sq_create_app(struct store *s)
{
	sqlite3_bind_text(s->app_insert, 1, APP, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->app_insert, 2, wall_ns());
	sq_begin(s);
	sq_run(s, s->app_insert);
	sq_commit(s);
}
#endif

/* ---------------------------------------------------- dispatch by kind */

/* dir is the store's directory, or for PostgreSQL its conninfo. */
static void st_open(struct store *s, int kind, const char *dir, int create)
{
	char uri[512];

	memset(s, 0, sizeof *s);
	if (kind == S_MEMORY) {
		lr_open(s, kind, "memory:");
	} else if (kind == S_PG) {
		lr_open(s, kind, dir);
	} else if (kind == S_FILE) {
		snprintf(uri, sizeof uri, "file:%s", dir);
		lr_open(s, kind, uri);
	} else {
#ifdef HAVE_SQLITE
		snprintf(uri, sizeof uri, "%s/releases.db", dir);
		sq_open(s, uri, create);
#else
		(void)create;
#endif
	}
}

static void st_close(struct store *s)
{
#ifdef HAVE_SQLITE
	if (s->kind == S_SQLITE) {
		sq_close(s);
		return;
	}
#endif
	release_store_close(s->lr);
	s->lr = NULL;
}

static void st_create_app(struct store *s)
{
#ifdef HAVE_SQLITE
	if (s->kind == S_SQLITE) {
		sq_create_app(s);
		return;
	}
#endif
	lr_check(s, release_app_create(s->lr, APP, NULL), "app create");
}

static void st_env_set(struct store *s, const char *pair, char *out)
{
#ifdef HAVE_SQLITE
	if (s->kind == S_SQLITE) {
		sq_env_set(s, pair, out);
		return;
	}
#endif
	lr_env_set(s, pair, out);
}

static size_t st_list(struct store *s)
{
#ifdef HAVE_SQLITE
	if (s->kind == S_SQLITE)
		return sq_list(s);
#endif
	return lr_list(s);
}

static void st_get(struct store *s, const char *id)
{
#ifdef HAVE_SQLITE
	if (s->kind == S_SQLITE) {
		sq_get(s, id);
		return;
	}
#endif
	lr_get(s, id);
}

static void st_promote(struct store *s, const char *id)
{
#ifdef HAVE_SQLITE
	if (s->kind == S_SQLITE) {
		sq_promote(s, id);
		return;
	}
#endif
	lr_promote(s, id);
}

static void st_rollback(struct store *s, const char *id)
{
#ifdef HAVE_SQLITE
	if (s->kind == S_SQLITE) {
		sq_rollback(s, id);
		return;
	}
#endif
	lr_rollback(s, id);
}

/* A starting env of a few keys, set in one call, then history changes. */
static const char *const base_env[] = {
	"DATABASE_URL=postgres://db.internal:5432/app", "LOG_LEVEL=info",
	"REPLICAS=3", "FEATURE_FLAGS=search,checkout-v2", "VERSION=0",
};

static void st_seed(struct store *s)
{
	st_create_app(s);
	for (size_t i = 0; i < sizeof base_env / sizeof *base_env; i++)
		st_env_set(s, base_env[i], NULL);
}

/* -------------------------------------------------- where a store lives */

/*
 * A store's place: a new directory, or on PostgreSQL a new schema and the
 * conninfo that makes it the current one (pgstore creates its tables there).
 */
struct place {
	char where[1024];
	char schema[64];
};

#ifdef HAVE_PGSTORE
/* The server's conninfo, or NULL when the PostgreSQL column is skipped. */
static const char *pg_base;

/* The bench's DROP SCHEMA ... CASCADE notices would only clutter stderr. */
static void pg_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static PGconn *pg_connect(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);

	if (PQstatus(c) != CONNECTION_OK) {
		char msg[512];

		snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
		PQfinish(c);
		die("cannot connect to PostgreSQL: %s", msg); /* not conninfo: it may hold a password */
	}
	PQsetNoticeProcessor(c, pg_quiet, NULL);
	return c;
}

/* Runs sql; 0 and the first value (or "") in out, or -1 on an error. */
static int pg_query(PGconn *c, const char *sql, char *out, size_t len)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	int ok = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;

	if (ok && out)
		snprintf(out, len, "%s", PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	return ok ? 0 : -1;
}

/* Connects, runs sql (dies if it fails), disconnects. */
static void pg_do(const char *conninfo, const char *sql, char *out, size_t len)
{
	PGconn *c = pg_connect(conninfo);

	if (pg_query(c, sql, out, len) != 0) {
		char msg[512];

		snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
		PQfinish(c);
		die("PostgreSQL: %s: %s", sql, msg);
	}
	PQfinish(c);
}

/*
 * base with schema as search_path, and with synchronous_commit off when
 * async: the options parameter, in URI or key=value form as base is.
 */
static void pg_conninfo(char *out, size_t len, const char *base, const char *schema, int async)
{
	if (pgstore_is_uri(base))
		snprintf(out, len, "%s%coptions=-csearch_path%%3D%s%s", base,
			 strchr(base, '?') ? '&' : '?', schema,
			 async ? "%20-csynchronous_commit%3Doff" : "");
	else
		snprintf(out, len, "%s options='-csearch_path=%s%s'", base, schema,
			 async ? " -csynchronous_commit=off" : "");
}
#endif

static void place_make(struct place *pl, int kind, const char *base_dir)
{
	memset(pl, 0, sizeof *pl);
#ifdef HAVE_PGSTORE
	if (kind == S_PG) {
		static int n;
		char sql[128];

		/* The pid keeps two runs against one server apart. */
		snprintf(pl->schema, sizeof pl->schema, "bench_%ld_%d", (long)getpid(), n++);
		snprintf(sql, sizeof sql, "CREATE SCHEMA %s", pl->schema);
		pg_do(pg_base, sql, NULL, 0);
		pg_conninfo(pl->where, sizeof pl->where, pg_base, pl->schema, 0);
		return;
	}
#endif
	make_temp(pl->where, sizeof pl->where, base_dir, store_names[kind]);
}

static void place_drop(struct place *pl, int kind)
{
#ifdef HAVE_PGSTORE
	if (kind == S_PG) {
		char sql[128];

		snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", pl->schema);
		pg_do(pg_base, sql, NULL, 0);
		return;
	}
#endif
	(void)kind;
	rm_rf(pl->where);
}

/* Bytes the store takes: files on disk, or on PostgreSQL its records table
 * with indexes, TOAST and maps (pg_total_relation_size; WAL not counted). */
static uint64_t place_bytes(const struct place *pl, int kind)
{
#ifdef HAVE_PGSTORE
	if (kind == S_PG) {
		char v[32];

		pg_do(pl->where, "SELECT pg_total_relation_size('librelease_records')", v, sizeof v);
		return strtoull(v, NULL, 10);
	}
#endif
	(void)kind;
	return disk_usage(pl->where);
}

/* ----------------------------------------------------- the child mode */

/* --child KIND DIR: open, list 20, print "ns open_ns rss_before rss_after". */
static int child_main(const char *kind, const char *dir)
{
	struct store s;
	int k = strcmp(kind, "file") == 0 ? S_FILE : strcmp(kind, "sqlite") == 0 ? S_SQLITE : S_PG;
	long before = vm_rss_kib();
	int64_t t0 = now_ns();
	size_t n;

	st_open(&s, k, dir, 0);
	int64_t t_open = now_ns() - t0;
	n = st_list(&s);
	int64_t t = now_ns() - t0;
	long after = vm_rss_kib();

	if (n == 0)
		die("child: %s %s listed nothing", kind, dir);
	printf("%" PRId64 " %" PRId64 " %ld %ld\n", t, t_open, before, after);
	st_close(&s);
	return 0;
}

/*
 * The program a fresh process runs. Linking libpq maps it and its libraries
 * (TLS, Kerberos, LDAP) into every process, about 5 MiB of RSS, so the file
 * and SQLite children run bench-child, this program built without pgstore
 * (meson builds it next to bench): their RSS stays what a program using
 * only that store would have. The PostgreSQL child is this program.
 */
static void child_exe(const char *kind, char *out, size_t len)
{
#ifdef HAVE_PGSTORE
	if (strcmp(kind, "postgresql") != 0) {
		char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
		char *slash;

		if (n <= 0)
			die("/proc/self/exe: %s", strerror(errno));
		self[n] = 0;
		slash = strrchr(self, '/');
		snprintf(out, len, "%.*s/bench-child", slash ? (int)(slash - self) : 1,
			 slash ? self : ".");
		if (access(out, X_OK) != 0)
			die("%s: %s (meson builds it with bench)", out, strerror(errno));
		return;
	}
#endif
	(void)kind;
	snprintf(out, len, "/proc/self/exe");
}

static void run_child(const char *kind, const char *dir, int64_t *ns, int64_t *open_ns, long *rss,
		      long *growth)
{
	int fd[2];
	pid_t pid;
	char buf[128], exe[4200];
	ssize_t got;
	int status;
	long before, after;

	child_exe(kind, exe, sizeof exe);
	if (pipe(fd) != 0)
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execl(exe, "bench", "--child", kind, dir, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	got = read(fd[0], buf, sizeof buf - 1);
	close(fd[0]);
	waitpid(pid, &status, 0);
	if (got <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("child %s %s failed", kind, dir);
	buf[got] = 0;
	if (sscanf(buf, "%" SCNd64 " %" SCNd64 " %ld %ld", ns, open_ns, &before, &after) != 4)
		die("child %s: bad output %s", kind, buf);
	*rss = after;
	*growth = after - before;
}

/* ------------------------------------------------------------ results */

#define R_NA (-1.0)

struct results {
	double fsync_floor;
	double create[S_COUNT], env[S_COUNT], promote[S_COUNT], rollback[S_COUNT];
	double list[MAXN][S_COUNT], get[MAXN][S_COUNT], open[MAXN][S_COUNT], open_only[MAXN][S_COUNT];
	double rss[MAXN][S_COUNT], rss_growth[MAXN][S_COUNT], bytes[MAXN][S_COUNT];
};

static struct results res;
static int have[S_COUNT];
static size_t ns[MAXN];
static size_t n_count;

struct config {
	int quick, full;
	const char *dir, *shm;
	size_t reps_fast, reps_durable, reps_child;
	/* Why the PostgreSQL column is skipped, else what the server says. */
	const char *pg_skip;
	char pg_version[64], pg_datadir[512], pg_fsync[16], pg_sync_commit[16], pg_wal_sync[32],
		pg_via[600];
};

static struct config cfg;

static double fsync_floor(const char *dir)
{
	char path[512];
	char buf[64];
	int64_t *t = calloc(cfg.reps_durable, sizeof *t);
	int fd;

	memset(buf, 'x', sizeof buf);
	snprintf(path, sizeof path, "%s/fsync-floor", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	fsync(fd);
	for (size_t i = 0; i < cfg.reps_durable; i++) {
		int64_t t0 = now_ns();
		if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf || fdatasync(fd) != 0)
			die("%s: %s", path, strerror(errno));
		t[i] = now_ns() - t0;
	}
	close(fd);
	unlink(path);
	double m = median(t, cfg.reps_durable);
	free(t);
	return m;
}

/* create, env set, promote, rollback: on the disk directory. */
static void durable_ops(int kind)
{
	char pair[64];
	struct place pl;
	struct store s;
	size_t r = cfg.reps_durable;
	int64_t *t = calloc(r, sizeof *t);
	char (*ids)[ID_LEN] = calloc(2 * r, ID_LEN);

	place_make(&pl, kind, cfg.dir);
	st_open(&s, kind, pl.where, 1);
	st_seed(&s);

	for (size_t i = 0; i < r; i++) {
		/* Keys cycle through 8 so the env stays a realistic ~13 keys. */
		snprintf(pair, sizeof pair, "NEW_KEY_%zu=%zu", i % 8, i);
		int64_t t0 = now_ns();
		st_env_set(&s, pair, ids[i]);
		t[i] = now_ns() - t0;
	}
	res.create[kind] = median(t, r);

	for (size_t i = 0; i < r; i++) {
		snprintf(pair, sizeof pair, "VERSION=%zu", i + 1);
		int64_t t0 = now_ns();
		st_env_set(&s, pair, ids[r + i]);
		t[i] = now_ns() - t0;
	}
	res.env[kind] = median(t, r);

	/* Promote the env-set releases oldest first: each is newer than the
	 * active one, so none is refused. */
	for (size_t i = 0; i < r; i++) {
		int64_t t0 = now_ns();
		st_promote(&s, ids[r + i]);
		t[i] = now_ns() - t0;
	}
	res.promote[kind] = median(t, r);

	/* Roll back to a random earlier release (never the active one). */
	for (size_t i = 0; i < r; i++) {
		const char *target = ids[rnd() % (2 * r - 1)];
		int64_t t0 = now_ns();
		st_rollback(&s, target);
		t[i] = now_ns() - t0;
	}
	res.rollback[kind] = median(t, r);

	st_close(&s);
	place_drop(&pl, kind);
	free(ids);
	free(t);
}

/* Builds a history of n releases; ids of all of them go to ids. */
static void build_history(struct store *s, size_t n, char (*ids)[ID_LEN])
{
	char pair[64];

	st_seed(s);
#ifdef HAVE_SQLITE
	/* SQLite: the same statements, 10,000 per transaction, to build fast. */
	if (s->kind == S_SQLITE)
		s->batch = 1;
#endif
	for (size_t i = 0; i < n; i++) {
#ifdef HAVE_SQLITE
		if (s->kind == S_SQLITE && i % 10000 == 0) {
			if (i)
				sq_run(s, s->commit);
			sq_run(s, s->begin);
		}
#endif
		snprintf(pair, sizeof pair, "VERSION=%zu", i + 1);
		st_env_set(s, pair, ids[i]);
	}
#ifdef HAVE_SQLITE
	if (s->kind == S_SQLITE) {
		sq_run(s, s->commit);
		s->batch = 0;
		sq_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)");
	}
#endif
}

static void history_rows(int kind, size_t ni)
{
	size_t n = ns[ni], r = cfg.reps_fast;
	struct place pl;
	struct store s;
	int64_t *t = calloc(r > cfg.reps_child ? r : cfg.reps_child, sizeof *t);
	int64_t *t_open = calloc(cfg.reps_child, sizeof *t_open);
	int64_t *rss = calloc(cfg.reps_child, sizeof *rss);
	int64_t *gr = calloc(cfg.reps_child, sizeof *gr);
	char (*ids)[ID_LEN] = calloc(n, ID_LEN);

	place_make(&pl, kind, cfg.shm);
#ifdef HAVE_PGSTORE
	if (kind == S_PG) {
		/*
		 * Built through a second handle with synchronous_commit off: each
		 * write then skips its WAL flush, as the SQLite history batches its
		 * commits; the statements are the same. The handle that is timed
		 * below has the server's settings.
		 */
		char fast[sizeof pl.where];
		struct store b;

		pg_conninfo(fast, sizeof fast, pg_base, pl.schema, 1);
		st_open(&b, kind, fast, 1);
		build_history(&b, n, ids);
		st_close(&b);
		st_open(&s, kind, pl.where, 0);
	} else
#endif
	{
		st_open(&s, kind, pl.where, 1);
		build_history(&s, n, ids);
	}

	st_list(&s); /* warm */
	for (size_t i = 0; i < r; i++) {
		int64_t t0 = now_ns();
		st_list(&s);
		t[i] = now_ns() - t0;
	}
	res.list[ni][kind] = median(t, r);

	for (size_t i = 0; i < r; i++) {
		const char *id = ids[rnd() % n];
		int64_t t0 = now_ns();
		st_get(&s, id);
		t[i] = now_ns() - t0;
	}
	res.get[ni][kind] = median(t, r);
	st_close(&s);

	if (kind == S_MEMORY) {
		res.open[ni][kind] = res.open_only[ni][kind] = R_NA;
		res.rss[ni][kind] = res.rss_growth[ni][kind] = R_NA;
		res.bytes[ni][kind] = R_NA;
	} else {
		res.bytes[ni][kind] = (double)place_bytes(&pl, kind) / (double)n;
		for (size_t i = 0; i < cfg.reps_child; i++) {
			long rk, gk;

			run_child(store_names[kind], pl.where, &t[i], &t_open[i], &rk, &gk);
			rss[i] = rk;
			gr[i] = gk;
		}
		res.open[ni][kind] = median(t, cfg.reps_child);
		res.open_only[ni][kind] = median(t_open, cfg.reps_child);
		res.rss[ni][kind] = median(rss, cfg.reps_child);
		res.rss_growth[ni][kind] = median(gr, cfg.reps_child);
	}
	place_drop(&pl, kind);
	free(ids);
	free(gr);
	free(rss);
	free(t_open);
	free(t);
}

/* ------------------------------------------------------------- printing */

static void fmt_time(char *out, size_t len, double v)
{
	if (v < 0)
		snprintf(out, len, "—");
	else if (v < 1e3)
		snprintf(out, len, "%.0f ns", v);
	else if (v < 1e6)
		snprintf(out, len, "%.1f µs", v / 1e3);
	else
		snprintf(out, len, "%.2f ms", v / 1e6);
}

static void fmt_ratio(char *out, size_t len, double a, double b)
{
	if (a < 0 || b <= 0)
		snprintf(out, len, "—");
	else
		snprintf(out, len, "%.2f×", a / b);
}

static const char *n_label(size_t n)
{
	static char buf[32];

	switch (n) {
	case 1000: return "10^3";
	case 10000: return "10^4";
	case 100000: return "10^5";
	case 1000000: return "10^6";
	default: snprintf(buf, sizeof buf, "%zu", n); return buf;
	}
}

/*
 * One row: label, the four stores, file/sqlite, (durable rows) the multiples
 * of the fsync floor for file and sqlite, then pg/file and (durable rows)
 * pg/fsync. The PostgreSQL ratios come last so that the columns before them
 * keep the places they had before PostgreSQL joined.
 */
static void row(const char *label, const double v[S_COUNT], int durable, int time)
{
	char a[S_COUNT][32], q[32], f1[32], f2[32], p1[32], p2[32];

	for (int k = 0; k < S_COUNT; k++) {
		if (!have[k] || v[k] < 0)
			snprintf(a[k], sizeof a[k], "—");
		else if (time)
			fmt_time(a[k], sizeof a[k], v[k]);
		else
			snprintf(a[k], sizeof a[k], "%.0f", v[k]);
	}
	fmt_ratio(q, sizeof q, have[S_SQLITE] ? v[S_FILE] : -1, v[S_SQLITE]);
	fmt_ratio(p1, sizeof p1, have[S_PG] ? v[S_PG] : -1, v[S_FILE]);
	if (durable) {
		fmt_ratio(f1, sizeof f1, v[S_FILE], res.fsync_floor);
		fmt_ratio(f2, sizeof f2, have[S_SQLITE] ? v[S_SQLITE] : -1, res.fsync_floor);
		fmt_ratio(p2, sizeof p2, have[S_PG] ? v[S_PG] : -1, res.fsync_floor);
	} else {
		snprintf(f1, sizeof f1, " ");
		snprintf(f2, sizeof f2, " ");
		snprintf(p2, sizeof p2, " ");
	}
	printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", label, a[S_MEMORY], a[S_FILE],
	       a[S_SQLITE], a[S_PG], q, f1, f2, p1, p2);
}

static void growth_row(const char *what, double v[MAXN][S_COUNT])
{
	char label[96];
	double g[S_COUNT];

	snprintf(label, sizeof label, "%s growth t(N=%s)/t(N=%s)", what, n_label(ns[n_count - 1]),
		 n_label(ns[0]));
	for (int k = 0; k < S_COUNT; k++)
		g[k] = v[0][k] > 0 && v[n_count - 1][k] >= 0 ? v[n_count - 1][k] / v[0][k] : -1;
	char a[S_COUNT][32], q[32], p1[32];
	for (int k = 0; k < S_COUNT; k++)
		snprintf(a[k], sizeof a[k], (!have[k] || g[k] < 0) ? "—" : "%.2f×", g[k]);
	fmt_ratio(q, sizeof q, have[S_SQLITE] ? g[S_FILE] : -1, g[S_SQLITE]);
	fmt_ratio(p1, sizeof p1, have[S_PG] ? g[S_PG] : -1, g[S_FILE]);
	printf("| %s | %s | %s | %s | %s | %s | | | %s | |\n", label, a[S_MEMORY], a[S_FILE],
	       a[S_SQLITE], a[S_PG], q, p1);
}

static void print_table(void)
{
	char label[128], host[64] = "?", cpu[256] = "?", line[256], date[64];
	double v[S_COUNT];
	time_t now = time(NULL);
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (f) {
		while (fgets(line, sizeof line, f))
			if (strncmp(line, "model name", 10) == 0) {
				char *p = strchr(line, ':');
				snprintf(cpu, sizeof cpu, "%s", p ? p + 2 : line);
				cpu[strcspn(cpu, "\n")] = 0;
				break;
			}
		fclose(f);
	}
	gethostname(host, sizeof host);
	strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&now));

	printf("librelease %s benchmark, %s; %ld CPUs (%s); medians of %zu (fast ops), "
	       "%zu (durable ops), %zu (fresh processes) runs%s.\n",
	       release_version_string(), date, sysconf(_SC_NPROCESSORS_ONLN), cpu, cfg.reps_fast,
	       cfg.reps_durable, cfg.reps_child, cfg.quick ? "; --quick (smoke, not a measurement)" : "");
	printf("Durable rows and the fsync floor: %s (%s). History rows: stores on %s (%s).\n",
	       cfg.dir, fs_name(cfg.dir), cfg.shm, fs_name(cfg.shm));
	if (!have[S_SQLITE])
		printf("SQLite: not built (sqlite3 not found at build time); its column is skipped.\n");
	if (have[S_PG])
		printf("PostgreSQL: pgstore over %s; server %s; data directory %s; fsync=%s, "
		       "synchronous_commit=%s, wal_sync_method=%s. Every PostgreSQL store, durable or "
		       "history, is a schema in that data directory (not on the directories above). "
		       "History stores are built with synchronous_commit=off, then timed through a new "
		       "connection with the settings named here.\n",
		       cfg.pg_via, cfg.pg_version, cfg.pg_datadir, cfg.pg_fsync, cfg.pg_sync_commit,
		       cfg.pg_wal_sync);
	else
		printf("PostgreSQL: %s; its column is skipped.\n", cfg.pg_skip);
	printf("\n| operation | memory | file | sqlite | postgresql | file/sqlite | file/fsync "
	       "| sqlite/fsync | pg/file | pg/fsync |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|\n");

	/* The floor is measured on --dir, not on the server's disk. */
	for (int k = 0; k < S_COUNT; k++)
		v[k] = k == S_MEMORY || k == S_PG ? -1 : res.fsync_floor;
	row("fsync floor: write 64 B + fdatasync (disk)", v, 1, 1);
	row("create: env set of a cycled key, durable (disk)", res.create, 1, 1);
	row("env set: one-key change, durable (disk)", res.env, 1, 1);
	row("promote: pointer move, no deployer, durable (disk)", res.promote, 1, 1);
	row("rollback to a random earlier release, durable (disk)", res.rollback, 1, 1);
	for (size_t i = 0; i < n_count; i++) {
		snprintf(label, sizeof label, "list newest 20, warm, N=%s (shm)", n_label(ns[i]));
		row(label, res.list[i], 0, 1);
	}
	growth_row("list", res.list);
	for (size_t i = 0; i < n_count; i++) {
		snprintf(label, sizeof label, "get by random id, warm, N=%s (shm)", n_label(ns[i]));
		row(label, res.get[i], 0, 1);
	}
	growth_row("get", res.get);
	for (size_t i = 0; i < n_count; i++) {
		snprintf(label, sizeof label, "open + list 20, fresh process, N=%s (shm)", n_label(ns[i]));
		row(label, res.open[i], 0, 1);
	}
	growth_row("open + list", res.open);
	for (size_t i = 0; i < n_count; i++) {
		snprintf(label, sizeof label, "of which open (pg: connect), fresh process, N=%s (shm)",
			 n_label(ns[i]));
		row(label, res.open_only[i], 0, 1);
	}
	for (size_t i = 0; i < n_count; i++) {
		snprintf(label, sizeof label, "RSS after open + list, KiB, N=%s", n_label(ns[i]));
		row(label, res.rss[i], 0, 0);
	}
	for (size_t i = 0; i < n_count; i++) {
		snprintf(label, sizeof label, "RSS growth by open + list, KiB, N=%s", n_label(ns[i]));
		row(label, res.rss_growth[i], 0, 0);
	}
	for (size_t i = 0; i < n_count; i++) {
		snprintf(label, sizeof label, "bytes on disk per release, N=%s", n_label(ns[i]));
		row(label, res.bytes[i], 0, 0);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: bench [--quick | --full] [--dir DIR] [--shm DIR] [--pg CONNINFO]\n"
			"  --quick   tiny histories and few runs: a smoke test, seconds\n"
			"  --full    add N=10^6 to the history rows (minutes)\n"
			"  --dir     directory for durable ops and the fsync floor ($TMPDIR or /tmp)\n"
			"  --shm     directory for the history stores (/dev/shm, else --dir)\n"
			"  --pg      PostgreSQL server for the pgstore column, a libpq URI or\n"
			"            key=value string ($RELEASE_BENCH_PG, else a postgresql://\n"
			"            $RELEASE_TEST_STORE as examples/pgstore/tests/pg_server.py sets)\n");
	exit(2);
}

/* Decides whether the PostgreSQL column runs, and records what the server
 * says about itself for the table's preamble. */
static void pg_setup(const char *arg)
{
#ifdef HAVE_PGSTORE
	const char *env = getenv("RELEASE_BENCH_PG"), *test = getenv("RELEASE_TEST_STORE");
	struct {
		const char *sql;
		char *out;
		size_t len;
	} show[] = {
		{"SHOW server_version", cfg.pg_version, sizeof cfg.pg_version},
		{"SHOW fsync", cfg.pg_fsync, sizeof cfg.pg_fsync},
		{"SHOW synchronous_commit", cfg.pg_sync_commit, sizeof cfg.pg_sync_commit},
		{"SHOW wal_sync_method", cfg.pg_wal_sync, sizeof cfg.pg_wal_sync},
		{"SHOW data_directory", cfg.pg_datadir, sizeof cfg.pg_datadir},
	};
	PGconn *c;
	const char *h;

	if (arg && *arg)
		pg_base = arg;
	else if (env && *env)
		pg_base = env;
	else if (pgstore_is_uri(test))
		pg_base = test;
	if (!pg_base) {
		cfg.pg_skip = "no server given (--pg CONNINFO, RELEASE_BENCH_PG, or a postgresql:// "
			      "RELEASE_TEST_STORE)";
		return;
	}
	/* Connect now, so that a wrong conninfo fails before minutes of runs. */
	c = pg_connect(pg_base);
	for (size_t i = 0; i < sizeof show / sizeof *show; i++)
		if (pg_query(c, show[i].sql, show[i].out, show[i].len) != 0)
			snprintf(show[i].out, show[i].len, "?"); /* data_directory is privileged */
	h = PQhost(c);
	if (h && h[0] == '/') {
		char dir[sizeof cfg.pg_datadir];

		/* A Unix socket means the same machine, so the path can be looked at. */
		snprintf(cfg.pg_via, sizeof cfg.pg_via, "the Unix socket in %s (port %s)", h, PQport(c));
		if (strcmp(cfg.pg_datadir, "?") != 0) {
			snprintf(dir, sizeof dir, "%s", cfg.pg_datadir);
			snprintf(cfg.pg_datadir, sizeof cfg.pg_datadir, "%.400s (%s)", dir, fs_name(dir));
		}
	} else {
		snprintf(cfg.pg_via, sizeof cfg.pg_via, "TCP to %s port %s", h ? h : "?", PQport(c));
	}
	PQfinish(c);
	have[S_PG] = 1;
#else
	(void)arg;
	cfg.pg_skip = "not built (libpq not found at build time)";
#endif
}

int main(int argc, char **argv)
{
	struct stat st;
	const char *pg_arg = NULL;

	if (argc == 4 && strcmp(argv[1], "--child") == 0)
		return child_main(argv[2], argv[3]);

	cfg.dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			cfg.quick = 1;
		else if (strcmp(argv[i], "--full") == 0)
			cfg.full = 1;
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			cfg.dir = argv[++i];
		else if (strcmp(argv[i], "--shm") == 0 && i + 1 < argc)
			cfg.shm = argv[++i];
		else if (strcmp(argv[i], "--pg") == 0 && i + 1 < argc)
			pg_arg = argv[++i];
		else
			usage();
	}
	if (!cfg.shm)
		cfg.shm = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
				  ? "/dev/shm"
				  : cfg.dir;
	if (cfg.quick) {
		ns[n_count++] = 100;
		ns[n_count++] = 1000;
		cfg.reps_fast = 50;
		cfg.reps_durable = 5;
		cfg.reps_child = 3;
	} else {
		ns[n_count++] = 1000;
		ns[n_count++] = 10000;
		ns[n_count++] = 100000;
		if (cfg.full)
			ns[n_count++] = 1000000;
		cfg.reps_fast = 2001;
		cfg.reps_durable = 201;
		cfg.reps_child = 15;
	}

	have[S_MEMORY] = have[S_FILE] = 1;
#ifdef HAVE_SQLITE
	have[S_SQLITE] = 1;
#endif
	pg_setup(pg_arg);

	res.fsync_floor = fsync_floor(cfg.dir);
	for (int k = 0; k < S_COUNT; k++) {
		if (!have[k])
			continue;
		fprintf(stderr, "bench: %s: durable ops on %s\n", store_names[k],
			k == S_PG ? "the server" : cfg.dir);
		durable_ops(k);
		for (size_t i = 0; i < n_count; i++) {
			fprintf(stderr, "bench: %s: history N=%zu on %s\n", store_names[k], ns[i],
				k == S_PG ? "the server" : cfg.shm);
			history_rows(k, i);
		}
	}
	print_table();
	return 0;
}
