/*
 * What the benchmark's files share: the store drivers (stores.c,
 * sqlite_ref.c), the helpers (util.c), the sync counter (sync_count.c), the
 * multi-process rows (procs.c), and the results and configuration that
 * bench.c fills and prints.
 */
#ifndef BENCH_H
#define BENCH_H

#include <librelease/release.h>

#include <stddef.h>
#include <stdint.h>

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
#define R_NA (-1.0)

enum { S_MEMORY, S_FILE, S_SQLITE, S_PG, S_COUNT };
extern const char *const store_names[S_COUNT];

/* ------------------------------------------------------------ helpers */

void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* What runs now, on stderr, with the seconds since the first call. */
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int64_t now_ns(void);
int64_t wall_ns(void);
double median(int64_t *v, size_t n);
uint64_t rnd(void);
long vm_rss_kib(void);
uint64_t disk_usage(const char *path);
void rm_rf(const char *path);
void make_temp(char *out, size_t len, const char *base, const char *what);
const char *fs_name(const char *path);
/* Copies the tree at src to the new directory dst, every file written back
 * to the disk, so that evict_tree() can drop its pages. */
void copy_tree(const char *src, const char *dst);
/* Writes back and drops from the page cache every file under dir
 * (POSIX_FADV_DONTNEED); *resident gets how many of their *total bytes
 * are still cached afterwards (mincore). */
void evict_tree(const char *dir, uint64_t *resident, uint64_t *total);

/* ------------------------------------------ calls the benchmark counts */

/*
 * sync_count.c, send_count.c and sys_count.c define functions of the C
 * library that the libraries call; exported from the executable, they are
 * what the libraries' calls reach (meson.build). Each counts, then calls the
 * C library's definition, which libc_next() finds.
 */
void *libc_next(const char *name);

/*
 * Declares real, the C library's definition of name, looked up on first use.
 * ISO C has no conversion between object and function pointers; POSIX
 * guarantees dlsym's result can be one, so its bytes are copied. Threads
 * that race here store the same value, atomically. Needs <stdatomic.h> and
 * <string.h>.
 */
#define REAL(type, name)                                                                          \
	static _Atomic(type) real_;                                                              \
	type real = atomic_load(&real_);                                                         \
	if (!real) {                                                                             \
		void *p_ = libc_next(name);                                                      \
		memcpy(&real, &p_, sizeof real);                                                 \
		atomic_store(&real_, real);                                              \
	}

/* ------------------------------------------------------ the sync counter */

/*
 * Calls of fsync, fdatasync, sync_file_range, msync(MS_SYNC), syncfs and
 * sync made so far by this process, from any object in it (sync_count.c).
 */
uint64_t sync_calls(void);
/* Dies unless the dynamic linker hands this program's counting definitions
 * to the libraries, which is what makes sync_calls() see their calls. */
void sync_count_check(void);
/* fdatasync as the libraries reach it: through the dynamic linker. */
typedef int (*sync_fd_fn)(int);
sync_fd_fn sync_linked_fdatasync(void);

/* Calls of send made so far by this process: with pgstore, the round trips
 * to the server (send_count.c). */
uint64_t send_calls(void);
/* Dies unless the libraries reach this program's send. */
void send_count_check(void);

/* Calls per operation over a series: mean, least and most. */
struct syncs {
	int counted; /* 0: not measured (the row shows nothing) */
	double mean;
	uint64_t min, max;
};
void syncs_of(struct syncs *out, const uint64_t *v, size_t n);

/* ---------------------------------------------------- the syscall counter */

/*
 * System calls made by any object in this process while a window is open
 * (sys_count.c): the C library's one-call functions that the stores use,
 * each counted once. A window also compares the kernel's count of read(2)-
 * and write(2)-family calls (/proc/self/io) with the counted ones.
 */
struct sys_window {
	uint64_t reads, writes, dirs; /* counted before the window */
	uint64_t k_reads, k_writes;   /* the kernel's counts before it */
	int kernel;		      /* those could be read */
};

/* What one window saw. */
struct sys_result {
	struct syncs per_run; /* syscalls per run of the series */
	uint64_t unseen;      /* reads and writes the kernel saw and the wrappers did not */
	uint64_t dirs;	      /* directory-stream calls, whose getdents64 libc makes unseen */
	int kernel_checked;   /* unseen is known */
};

/* NULL when the libraries' calls reach the counting definitions, else why
 * they do not (the rows then show "—" and the preamble says why). */
const char *sys_count_check(void);
void sys_begin(struct sys_window *w);
/* Closes the window; fills out's unseen, dirs and kernel_checked. */
void sys_end(const struct sys_window *w, struct sys_result *out);
/* Calls counted in windows so far. */
uint64_t sys_calls(void);
/* One syscall made by a counting definition of another file (fsync, send). */
void sys_note(void);

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
		*app_get, *set_active, *stamp, *app_insert, *by_id, *prune;
	int batch; /* inside an outer transaction: do not BEGIN/COMMIT */
#endif
};

/* librelease's stores (stores.c). */
void lr_check(struct store *s, int rc, const char *what);

/* The SQLite reference store (sqlite_ref.c). */
#ifdef HAVE_SQLITE
void sq_open(struct store *s, const char *path, int create);
void sq_close(struct store *s);
void sq_run(struct store *s, sqlite3_stmt *st);
void sq_exec(struct store *s, const char *sql);
void sq_create_app(struct store *s);
void sq_env_set(struct store *s, const char *pair, char *out);
size_t sq_list(struct store *s);
void sq_get(struct store *s, const char *id);
void sq_promote(struct store *s, const char *id);
void sq_rollback(struct store *s, const char *target);
size_t sq_prune(struct store *s, size_t keep);
#endif

/* By kind (stores.c). dir is the store's directory, or for PostgreSQL its
 * conninfo. */
void st_open(struct store *s, int kind, const char *dir, int create);
void st_close(struct store *s);
void st_create_app(struct store *s);
void st_env_set(struct store *s, const char *pair, char *out);
size_t st_list(struct store *s);
void st_get(struct store *s, const char *id);
void st_promote(struct store *s, const char *id);
void st_rollback(struct store *s, const char *id);
/* Deletes as release_prune() does; returns how many releases went. */
size_t st_prune(struct store *s, size_t keep);
/* Creates the app and sets a starting env of a few keys. */
void st_seed(struct store *s);

/*
 * A store's place: a new directory, or on PostgreSQL a new schema and the
 * conninfo that makes it the current one (pgstore creates its tables there).
 */
struct place {
	char where[1024];
	char schema[64];
};

void place_make(struct place *pl, int kind, const char *base_dir);
void place_drop(struct place *pl, int kind);
uint64_t place_bytes(const struct place *pl, int kind);

#ifdef HAVE_PGSTORE
/* The server's conninfo, or NULL when the PostgreSQL column is skipped. */
extern const char *pg_base;
PGconn *pg_connect(const char *conninfo);
int pg_query(PGconn *c, const char *sql, char *out, size_t len);
void pg_conninfo(char *out, size_t len, const char *base, const char *schema, int async);
#endif

/* The fresh-process rows (stores.c). */
int child_main(const char *kind, const char *dir);
void run_child(const char *kind, const char *dir, int64_t *total_ns, int64_t *open_ns, long *rss,
	       long *growth);

/* ---------------------------------------------- the multi-process rows */

/*
 * n writer processes, each with its own handle, change one key of their own
 * on the one app for dur_ns each. Returns writes per second over the whole
 * window, and the sync calls all of them made per write in *syncs_per_write
 * (procs.c).
 */
double writers_run(int kind, const char *where, int n, int64_t dur_ns, double *syncs_per_write);

/*
 * Kills (SIGKILL) a process that is promoting on the store at where, while its
 * deployer runs, then times how long a release_promote() that waits up to
 * cap_ns takes to succeed here. Returns the time, or R_TIMEOUT if it did not
 * succeed within cap_ns (procs.c).
 */
#define R_TIMEOUT (-2.0)
double crashed_promoter(int kind, const char *where, int64_t cap_ns);

/* The cost of the deployment log on promote, on the file store: fills
 * res.deploy* (deploy_cost.c). */
void deploy_log_cost(void);

/* ------------------------------------------------- results and settings */

enum { OP_CREATE, OP_ENV, OP_PROMOTE, OP_ROLLBACK, OP_PRUNE, OP_COUNT };

#define PRUNE_BATCH 20 /* releases each timed prune deletes */
#define PRUNE_KEEP 5

/*
 * The warm reads timed on every history store, each over one series in which
 * its syscalls are counted too (bench.c). Adding a read is one entry in
 * read_ops; the table prints a time row, a growth row and a syscall row per
 * N for each entry.
 */
enum { RD_LIST, RD_GET, RD_COUNT };

struct read_op {
	const char *name;  /* its rows: "list newest 20" */
	const char *brief; /* its growth row: "list" */
	/* One read; id is one of the store's releases, picked at random. */
	void (*run)(struct store *s, const char *id);
};

extern const struct read_op read_ops[RD_COUNT];

struct results {
	double floor[S_COUNT]; /* the fsync floor, sampled between a store's durable ops */
	struct syncs floor_syncs[S_COUNT];
	double op[OP_COUNT][S_COUNT]; /* median ns */
	struct syncs op_syncs[OP_COUNT][S_COUNT];
	struct syncs op_sends[OP_COUNT]; /* PostgreSQL round trips */
	double writers[2][S_COUNT]; /* writes/s with 1 and with 4 processes */
	double writer_syncs[2][S_COUNT];
	double crash[S_COUNT]; /* ns, R_NA or R_TIMEOUT */
	double read[RD_COUNT][MAXN][S_COUNT]; /* median ns */
	struct sys_result read_sys[RD_COUNT][MAXN][S_COUNT];
	double open[MAXN][S_COUNT], open_only[MAXN][S_COUNT];
	double cold[MAXN][S_COUNT]; /* open + list in a fresh process, store evicted first */
	/* The store's bytes left in the page cache after an eviction: the most
	 * of any cold run, and the store's size then. */
	uint64_t cold_resident, cold_total;
	double rss[MAXN][S_COUNT], rss_growth[MAXN][S_COUNT], bytes[MAXN][S_COUNT];
	/* The file store's promotions with its deployment log ([0]) and
	 * through a version-2 vtable, without ([1]): median ns, sync calls,
	 * and the deployment records each store held afterwards. */
	double deploy[2];
	struct syncs deploy_syncs[2];
	uint64_t deploy_records[2];
};

struct config {
	int quick, full;
	const char *dir, *shm;
	size_t reps_fast, reps_durable, reps_prune, reps_child, reps_writers, reps_crash;
	int64_t writers_ns, crash_cap_ns;
	/* Why the syscall rows and the cold-cache rows show "—", or NULL. */
	const char *sys_skip, *cold_skip;
	/* Why the PostgreSQL column is skipped, else what the server says. */
	const char *pg_skip;
	char pg_version[64], pg_datadir[512], pg_fsync[16], pg_sync_commit[16], pg_wal_sync[32],
		pg_via[600];
};

extern struct results res;
extern struct config cfg;
extern int have[S_COUNT];
extern size_t ns[MAXN];
extern size_t n_count;

/* The table (print.c). */
void print_table(void);

#endif
