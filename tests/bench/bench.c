/*
 * librelease benchmark: the memory store, the file store, the PostgreSQL
 * backend (examples/pgstore) and a SQLite reference store doing the same
 * logical work, side by side (issues 5, 11 and 12).
 *
 *   build/tests/bench/bench [--quick | --full] [--dir DIR] [--shm DIR] [--pg CONNINFO]
 *
 * Prints one Markdown table. Every figure is the median of repeated runs
 * (clock_gettime(CLOCK_MONOTONIC)); every ratio is taken within this run.
 *
 * - History-size rows (list, get, open + list, RSS, bytes per release) use
 *   stores built on --shm (default /dev/shm, else the --dir) so that large
 *   histories are built in seconds; the code path is the same as on a disk.
 *   Each warm read (read_ops) also counts its system calls (sys_count.c).
 * - Durable-op rows (create, env set, promote, rollback, prune) and the fsync
 *   floor run on --dir (default $TMPDIR, else /tmp), so fsync costs are real.
 *   Each counts the sync calls its operations make (sync_count.c). So do the
 *   rows of the deployment log's cost on promote (deploy_cost.c).
 * - Writer rows fork 1 and 4 processes that change one app at once; the
 *   crashed-promoter row kills a promoter mid-deploy and times how long until
 *   the app can be promoted again (procs.c). Both run on --dir.
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
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct results res;
struct config cfg;
int have[S_COUNT];
size_t ns[MAXN];
size_t n_count;

/*
 * The fsync floor: one 64-byte append plus fdatasync on --dir. It is sampled
 * once after every timed durable operation of a store, so that it meets the
 * same load from the rest of the machine as the operations it is compared
 * with; each store's floor is the median of its own samples. The fdatasync
 * is reached through the dynamic linker, as the libraries reach theirs: that
 * it counts one per sample shows the counter sees the libraries' calls.
 */
static struct {
	int fd; /* -1: not sampling */
	char path[512];
	sync_fd_fn fdatasync_fn;
	int64_t *t;
	uint64_t *c;
	size_t n, cap;
} fl = {-1, "", NULL, NULL, NULL, 0, 0};

static void floor_open(size_t cap)
{
	snprintf(fl.path, sizeof fl.path, "%s/fsync-floor", cfg.dir);
	fl.fd = open(fl.path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (fl.fd < 0)
		die("%s: %s", fl.path, strerror(errno));
	fsync(fl.fd);
	fl.fdatasync_fn = sync_linked_fdatasync();
	fl.t = calloc(cap, sizeof *fl.t);
	fl.c = calloc(cap, sizeof *fl.c);
	fl.n = 0;
	fl.cap = cap;
}

static void floor_sample(void)
{
	static const char buf[64] = "floor";
	uint64_t c0;
	int64_t t0;
	int rc;

	if (fl.fd < 0 || fl.n == fl.cap)
		return;
	c0 = sync_calls();
	t0 = now_ns();
	rc = write(fl.fd, buf, sizeof buf) != (ssize_t)sizeof buf || fl.fdatasync_fn(fl.fd) != 0;
	fl.t[fl.n] = now_ns() - t0;
	fl.c[fl.n] = sync_calls() - c0;
	if (rc)
		die("%s: %s", fl.path, strerror(errno));
	fl.n++;
}

static void floor_close(int kind)
{
	struct syncs *y = &res.floor_syncs[kind];

	close(fl.fd);
	unlink(fl.path);
	fl.fd = -1;
	res.floor[kind] = median(fl.t, fl.n);
	syncs_of(y, fl.c, fl.n);
	if (y->min != 1 || y->max != 1)
		die("the sync counter saw %llu to %llu calls for one fdatasync",
		    (unsigned long long)y->min, (unsigned long long)y->max);
	free(fl.c);
	free(fl.t);
}

/*
 * Times one operation and counts the calls it makes (counter is
 * sync_calls() or send_calls()): the count is read outside the timed span.
 * Series are t[] (ns) and c[] (calls). Then a sample of the floor.
 */
#define TIMED(i, counter, expr)                                                                   \
	do {                                                                                      \
		uint64_t c0_ = counter;                                                           \
		int64_t t0_ = now_ns();                                                           \
		expr;                                                                             \
		t[i] = now_ns() - t0_;                                                            \
		c[i] = counter - c0_;                                                             \
		floor_sample();                                                                   \
	} while (0)

/* What is counted for a store: its round trips on PostgreSQL, where the
 * syncs happen in the server, else its sync calls. */
static uint64_t calls(int kind)
{
	return kind == S_PG ? send_calls() : sync_calls();
}

/* The median time and the calls of a series of n runs of op. */
static void series_end(int op, int kind, int64_t *t, const uint64_t *c, size_t n)
{
	res.op[op][kind] = median(t, n);
	if (kind == S_PG)
		syncs_of(&res.op_sends[op], c, n);
	else if (kind == S_FILE || kind == S_SQLITE) /* the memory store never syncs */
		syncs_of(&res.op_syncs[op][kind], c, n);
}

/*
 * prune: each round adds PRUNE_BATCH releases and promotes the newest, then
 * prunes with PRUNE_KEEP. What stays is the active release, PRUNE_KEEP below
 * it and the previous one, so from the second round on every prune deletes
 * exactly the PRUNE_BATCH releases the round before kept or added.
 */
static void prune_rounds(struct store *s, int kind)
{
	char pair[64], id[ID_LEN];
	size_t r = cfg.reps_prune;
	int64_t *t = calloc(r + 1, sizeof *t);
	uint64_t *c = calloc(r + 1, sizeof *c);

	for (size_t i = 0; i <= r; i++) {
		size_t removed = 0;

		for (size_t j = 0; j < PRUNE_BATCH; j++) {
			snprintf(pair, sizeof pair, "PRUNE_ROUND=%zu.%zu", i, j);
			st_env_set(s, pair, id);
		}
		st_promote(s, id);
		TIMED(i, calls(kind), removed = st_prune(s, PRUNE_KEEP));
		if (i > 0 && removed != PRUNE_BATCH)
			die("%s: prune deleted %zu releases, not %d", store_names[kind], removed,
			    PRUNE_BATCH);
	}
	series_end(OP_PRUNE, kind, t + 1, c + 1, r);
	free(c);
	free(t);
}

/* create, env set, promote, rollback, prune: on the disk directory. */
static void durable_ops(int kind)
{
	char pair[64];
	struct place pl;
	struct store s;
	size_t r = cfg.reps_durable;
	int64_t *t = calloc(r, sizeof *t);
	uint64_t *c = calloc(r, sizeof *c);
	char (*ids)[ID_LEN] = calloc(2 * r, ID_LEN);

	place_make(&pl, kind, cfg.dir);
	st_open(&s, kind, pl.where, 1);
	st_seed(&s);
	/* The memory store is no durable store: no floor to compare it with. */
	if (kind != S_MEMORY)
		floor_open(4 * r + cfg.reps_prune + 1);

	for (size_t i = 0; i < r; i++) {
		/* Keys cycle through 8 so the env stays a realistic ~13 keys. */
		snprintf(pair, sizeof pair, "NEW_KEY_%zu=%zu", i % 8, i);
		TIMED(i, calls(kind), st_env_set(&s, pair, ids[i]));
	}
	series_end(OP_CREATE, kind, t, c, r);

	for (size_t i = 0; i < r; i++) {
		snprintf(pair, sizeof pair, "VERSION=%zu", i + 1);
		TIMED(i, calls(kind), st_env_set(&s, pair, ids[r + i]));
	}
	series_end(OP_ENV, kind, t, c, r);

	/* Promote the env-set releases oldest first: each is newer than the
	 * active one, so none is refused. */
	for (size_t i = 0; i < r; i++)
		TIMED(i, calls(kind), st_promote(&s, ids[r + i]));
	series_end(OP_PROMOTE, kind, t, c, r);

	/* Roll back to a random earlier release (never the active one). */
	for (size_t i = 0; i < r; i++) {
		const char *target = ids[rnd() % (2 * r - 1)];

		TIMED(i, calls(kind), st_rollback(&s, target));
	}
	series_end(OP_ROLLBACK, kind, t, c, r);

	prune_rounds(&s, kind);
	if (kind != S_MEMORY)
		floor_close(kind);

	st_close(&s);
	place_drop(&pl, kind);
	free(ids);
	free(c);
	free(t);
}

/*
 * Writers (1 and 4 processes, alternating, on one store) and the crashed
 * promoter (a new store each run, and no more runs once one has waited its
 * full cap): on the disk directory. The memory store lives in one process,
 * and the SQLite reference has no lease to crash with.
 */
static void process_rows(int kind)
{
	static const int n[2] = {1, 4};
	struct place pl;
	struct store s;
	size_t r = cfg.reps_writers;
	int64_t *w[2] = {calloc(r, sizeof(int64_t)), calloc(r, sizeof(int64_t))};
	int64_t *sy[2] = {calloc(r, sizeof(int64_t)), calloc(r, sizeof(int64_t))};
	int64_t *t = calloc(cfg.reps_crash, sizeof *t);
	size_t runs = 0;

	res.writers[0][kind] = res.writers[1][kind] = R_NA;
	res.crash[kind] = R_NA;
	if (kind == S_MEMORY)
		goto out;
	place_make(&pl, kind, cfg.dir);
	st_open(&s, kind, pl.where, 1);
	st_seed(&s);
	st_close(&s);
	for (size_t i = 0; i < r; i++)
		for (int k = 0; k < 2; k++) {
			double per_write;

			/* Writes/s and syncs per write, kept as integers (x1000)
			 * for median(). */
			w[k][i] = (int64_t)writers_run(kind, pl.where, n[k], cfg.writers_ns, &per_write);
			sy[k][i] = (int64_t)(per_write * 1000 + 0.5);
		}
	for (int k = 0; k < 2; k++) {
		res.writers[k][kind] = median(w[k], r);
		res.writer_syncs[k][kind] = kind == S_FILE || kind == S_SQLITE ? median(sy[k], r) / 1000 : -1;
	}
	place_drop(&pl, kind);

	if (kind == S_SQLITE)
		goto out;
	while (runs < cfg.reps_crash) {
		place_make(&pl, kind, cfg.dir);
		double v = crashed_promoter(kind, pl.where, cfg.crash_cap_ns);
		place_drop(&pl, kind);
		if (v == R_TIMEOUT) {
			res.crash[kind] = R_TIMEOUT;
			goto out;
		}
		t[runs++] = (int64_t)v;
	}
	res.crash[kind] = median(t, runs);
out:
	free(t);
	for (int k = 0; k < 2; k++) {
		free(w[k]);
		free(sy[k]);
	}
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

static void read_list(struct store *s, const char *id)
{
	(void)id;
	st_list(s);
}

static void read_get(struct store *s, const char *id)
{
	st_get(s, id);
}

const struct read_op read_ops[RD_COUNT] = {
	[RD_LIST] = {"list newest 20", "list", read_list},
	[RD_GET] = {"get by random id", "get", read_get},
};

/*
 * One warm read, run once untimed, then r times: the median time, and the
 * syscalls of each run, counted in one window around the series (reading the
 * count is one load). The id each run may use is picked before its timed
 * span.
 */
static void read_series(int op, int kind, size_t ni, struct store *s, char (*ids)[ID_LEN],
			int64_t *t, uint64_t *c)
{
	const struct read_op *o = &read_ops[op];
	size_t n = ns[ni], r = cfg.reps_fast;
	struct sys_result *y = &res.read_sys[op][ni][kind];
	struct sys_window w;

	o->run(s, ids[rnd() % n]);
	sys_begin(&w);
	for (size_t i = 0; i < r; i++) {
		const char *id = ids[rnd() % n];
		uint64_t c0 = sys_calls();
		int64_t t0 = now_ns();

		o->run(s, id);
		t[i] = now_ns() - t0;
		c[i] = sys_calls() - c0;
	}
	sys_end(&w, y);
	syncs_of(&y->per_run, c, r);
	res.read[op][ni][kind] = median(t, r);
}

/*
 * Open + list in a fresh process with the store's pages out of the page
 * cache: the store copied to --dir (a disk: on tmpfs nothing can be evicted),
 * and every file of it dropped from the cache before each run.
 */
static void cold_rows(int kind, size_t ni, const struct place *pl, int64_t *t)
{
	struct place cp;

	res.cold[ni][kind] = R_NA;
	if (cfg.cold_skip || (kind != S_FILE && kind != S_SQLITE))
		return;
	place_make(&cp, kind, cfg.dir);
	copy_tree(pl->where, cp.where);
	for (size_t i = 0; i < cfg.reps_child; i++) {
		uint64_t resident, total;
		int64_t open_ns;
		long rss, growth;

		evict_tree(cp.where, &resident, &total);
		if (resident * res.cold_total > res.cold_resident * total || !res.cold_total) {
			res.cold_resident = resident;
			res.cold_total = total;
		}
		run_child(store_names[kind], cp.where, &t[i], &open_ns, &rss, &growth);
	}
	res.cold[ni][kind] = median(t, cfg.reps_child);
	place_drop(&cp, kind);
}

static void history_rows(int kind, size_t ni)
{
	size_t n = ns[ni], r = cfg.reps_fast;
	struct place pl;
	struct store s;
	int64_t *t = calloc(r > cfg.reps_child ? r : cfg.reps_child, sizeof *t);
	uint64_t *c = calloc(r, sizeof *c);
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

	for (int op = 0; op < RD_COUNT; op++)
		read_series(op, kind, ni, &s, ids, t, c);
	st_close(&s);

	if (kind == S_MEMORY) {
		res.open[ni][kind] = res.open_only[ni][kind] = R_NA;
		res.rss[ni][kind] = res.rss_growth[ni][kind] = R_NA;
		res.bytes[ni][kind] = R_NA;
		res.cold[ni][kind] = R_NA;
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
		if (!cfg.cold_skip && (kind == S_FILE || kind == S_SQLITE))
			progress("%s: cold cache N=%zu on %s", store_names[kind], n, cfg.dir);
		cold_rows(kind, ni, &pl, t);
	}
	place_drop(&pl, kind);
	free(ids);
	free(gr);
	free(rss);
	free(t_open);
	free(c);
	free(t);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench [--quick | --full] [--dir DIR] [--shm DIR] [--pg CONNINFO]\n"
			"  --quick   tiny histories and few runs: a smoke test, seconds\n"
			"  --full    add N=10^6 to the history rows (minutes)\n"
			"  --dir     directory for durable ops, the fsync floor, the writers and\n"
			"            the crashed promoter ($TMPDIR or /tmp)\n"
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
		cfg.reps_prune = 3;
		cfg.reps_child = 3;
		cfg.reps_writers = 1;
		cfg.writers_ns = 200000000;
		cfg.reps_crash = 1;
		cfg.crash_cap_ns = 1000000000;
	} else {
		ns[n_count++] = 1000;
		ns[n_count++] = 10000;
		ns[n_count++] = 100000;
		if (cfg.full)
			ns[n_count++] = 1000000;
		cfg.reps_fast = 2001;
		cfg.reps_durable = 201;
		cfg.reps_prune = 51;
		cfg.reps_child = 15;
		cfg.reps_writers = 3;
		cfg.writers_ns = 1000000000;
		cfg.reps_crash = 3;
		cfg.crash_cap_ns = 5000000000;
	}

	have[S_MEMORY] = have[S_FILE] = 1;
#ifdef HAVE_SQLITE
	have[S_SQLITE] = 1;
#endif
	pg_setup(pg_arg);

	sync_count_check();
	if (have[S_PG])
		send_count_check();
	cfg.sys_skip = sys_count_check();
	if (strcmp(fs_name(cfg.dir), "tmpfs") == 0)
		cfg.cold_skip = "--dir is a tmpfs, whose pages POSIX_FADV_DONTNEED cannot drop";
	for (int k = 0; k < S_COUNT; k++) {
		if (!have[k])
			continue;
		progress("%s: durable ops on %s", store_names[k], k == S_PG ? "the server" : cfg.dir);
		durable_ops(k);
		if (k == S_FILE) {
			progress("file: promotions with and without the deployment log on %s",
				 cfg.dir);
			deploy_log_cost();
		}
		progress("%s: writer processes and a crashed promoter on %s", store_names[k],
			 k == S_PG ? "the server" : cfg.dir);
		process_rows(k);
		for (size_t i = 0; i < n_count; i++) {
			progress("%s: history N=%zu on %s", store_names[k], ns[i],
				 k == S_PG ? "the server" : cfg.shm);
			history_rows(k, i);
		}
	}
	progress("done");
	print_table();
	return 0;
}
