/*
 * The stores under test, by kind: librelease's (memory, file, PostgreSQL
 * through pgstore) and the SQLite reference; where each store lives; and the
 * fresh process that opens one and lists it.
 */
#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------ librelease's stores */

void lr_check(struct store *s, int rc, const char *what)
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

static size_t lr_prune(struct store *s, size_t keep)
{
	size_t removed = 0;

	lr_check(s, release_prune(s->lr, APP, keep, &removed), "prune");
	return removed;
}

/* ---------------------------------------------------- dispatch by kind */

void st_open(struct store *s, int kind, const char *dir, int create)
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

void st_close(struct store *s)
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

void st_create_app(struct store *s)
{
#ifdef HAVE_SQLITE
	if (s->kind == S_SQLITE) {
		sq_create_app(s);
		return;
	}
#endif
	lr_check(s, release_app_create(s->lr, APP, NULL), "app create");
}

void st_env_set(struct store *s, const char *pair, char *out)
{
#ifdef HAVE_SQLITE
	if (s->kind == S_SQLITE) {
		sq_env_set(s, pair, out);
		return;
	}
#endif
	lr_env_set(s, pair, out);
}

size_t st_list(struct store *s)
{
#ifdef HAVE_SQLITE
	if (s->kind == S_SQLITE)
		return sq_list(s);
#endif
	return lr_list(s);
}

void st_get(struct store *s, const char *id)
{
#ifdef HAVE_SQLITE
	if (s->kind == S_SQLITE) {
		sq_get(s, id);
		return;
	}
#endif
	lr_get(s, id);
}

void st_promote(struct store *s, const char *id)
{
#ifdef HAVE_SQLITE
	if (s->kind == S_SQLITE) {
		sq_promote(s, id);
		return;
	}
#endif
	lr_promote(s, id);
}

void st_rollback(struct store *s, const char *id)
{
#ifdef HAVE_SQLITE
	if (s->kind == S_SQLITE) {
		sq_rollback(s, id);
		return;
	}
#endif
	lr_rollback(s, id);
}

size_t st_prune(struct store *s, size_t keep)
{
#ifdef HAVE_SQLITE
	if (s->kind == S_SQLITE)
		return sq_prune(s, keep);
#endif
	return lr_prune(s, keep);
}

/* A starting env of a few keys, one env set each. */
static const char *const base_env[] = {
	"DATABASE_URL=postgres://db.internal:5432/app", "LOG_LEVEL=info",
	"REPLICAS=3", "FEATURE_FLAGS=search,checkout-v2", "VERSION=0",
};

void st_seed(struct store *s)
{
	st_create_app(s);
	for (size_t i = 0; i < sizeof base_env / sizeof *base_env; i++)
		st_env_set(s, base_env[i], NULL);
}

/* -------------------------------------------------- where a store lives */

#ifdef HAVE_PGSTORE
const char *pg_base;

/* The bench's DROP SCHEMA ... CASCADE notices would only clutter stderr. */
static void pg_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

PGconn *pg_connect(const char *conninfo)
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
int pg_query(PGconn *c, const char *sql, char *out, size_t len)
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
void pg_conninfo(char *out, size_t len, const char *base, const char *schema, int async)
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

void place_make(struct place *pl, int kind, const char *base_dir)
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

void place_drop(struct place *pl, int kind)
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
uint64_t place_bytes(const struct place *pl, int kind)
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
int child_main(const char *kind, const char *dir)
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

void run_child(const char *kind, const char *dir, int64_t *total_ns, int64_t *open_ns, long *rss,
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
	if (sscanf(buf, "%" SCNd64 " %" SCNd64 " %ld %ld", total_ns, open_ns, &before, &after) != 4)
		die("child %s: bad output %s", kind, buf);
	*rss = after;
	*growth = after - before;
}
