/* The table: one Markdown table of every figure and same-run ratio. */
#include "bench.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* The value of store k in a row, or "—" where it has none. */
static void fmt_value(char *out, size_t len, int k, double v, int time)
{
	if (!have[k] || v < 0)
		snprintf(out, len, "—");
	else if (time)
		fmt_time(out, len, v);
	else
		snprintf(out, len, "%.0f", v);
}

/* Calls per operation: the count when every run made the same number, else
 * the mean with the least and the most. */
static void fmt_syncs(char *out, size_t len, int k, const struct syncs *y)
{
	if (!have[k])
		snprintf(out, len, "—");
	else if (!y || !y->counted)
		snprintf(out, len, " ");
	else if (y->min == y->max)
		snprintf(out, len, "%llu", (unsigned long long)y->min);
	else
		snprintf(out, len, "%.2f (%llu–%llu)", y->mean, (unsigned long long)y->min,
			 (unsigned long long)y->max);
}

/*
 * Prints one row: label, the four stores, file/sqlite, the multiples of the
 * fsync floor for file and sqlite, pg/file, pg/fsync, the sync calls per
 * operation of file and sqlite, then PostgreSQL's round trips per operation.
 * Columns are only ever added at the end, so that every column keeps the
 * place it had in earlier runs' tables.
 */
static void emit(const char *label, char a[S_COUNT][32], const char *q, const char *f1,
		 const char *f2, const char *p1, const char *p2, const char *sf, const char *ss,
		 const char *pr)
{
	printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", label,
	       a[S_MEMORY], a[S_FILE], a[S_SQLITE], a[S_PG], q, f1, f2, p1, p2, sf, ss, pr);
}

/* A row of figures; durable rows add the multiples of the fsync floor and,
 * when y is given, the sync calls per operation, and when rt is, PostgreSQL's
 * round trips. */
static void row(const char *label, const double v[S_COUNT], int durable, int time,
		const struct syncs y[S_COUNT], const struct syncs *rt)
{
	char a[S_COUNT][32], q[32], f1[32] = " ", f2[32] = " ", p1[32], p2[32] = " ";
	char sf[48] = " ", ss[48] = " ", pr[48] = " ";

	for (int k = 0; k < S_COUNT; k++)
		fmt_value(a[k], sizeof a[k], k, v[k], time);
	fmt_ratio(q, sizeof q, have[S_SQLITE] ? v[S_FILE] : -1, v[S_SQLITE]);
	fmt_ratio(p1, sizeof p1, have[S_PG] ? v[S_PG] : -1, v[S_FILE]);
	if (durable) {
		fmt_ratio(f1, sizeof f1, v[S_FILE], res.floor[S_FILE]);
		fmt_ratio(f2, sizeof f2, have[S_SQLITE] ? v[S_SQLITE] : -1, res.floor[S_SQLITE]);
		fmt_ratio(p2, sizeof p2, have[S_PG] ? v[S_PG] : -1, res.floor[S_PG]);
	}
	if (y) {
		fmt_syncs(sf, sizeof sf, S_FILE, &y[S_FILE]);
		fmt_syncs(ss, sizeof ss, S_SQLITE, &y[S_SQLITE]);
	}
	if (rt)
		fmt_syncs(pr, sizeof pr, S_PG, rt);
	emit(label, a, q, f1, f2, p1, p2, sf, ss, pr);
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
	emit(label, a, q, "", "", p1, "", "", "", "");
}

/*
 * Syscalls per run of a read: the mean, with "≥" where some were not seen
 * (a directory stream's, or reads the kernel counted and the wrappers did
 * not), and "—" where the counting does not work (cfg.sys_skip).
 */
static void sys_row(const char *label, const struct sys_result y[S_COUNT])
{
	char a[S_COUNT][32], q[32], p1[32];
	double v[S_COUNT];

	for (int k = 0; k < S_COUNT; k++) {
		int ok = have[k] && !cfg.sys_skip && y[k].per_run.counted;

		v[k] = ok ? y[k].per_run.mean : -1;
		if (!ok)
			snprintf(a[k], sizeof a[k], "—");
		else
			snprintf(a[k], sizeof a[k], "%s%.1f", y[k].unseen || y[k].dirs ? "≥" : "",
				 v[k]);
	}
	fmt_ratio(q, sizeof q, v[S_FILE], v[S_SQLITE]);
	fmt_ratio(p1, sizeof p1, v[S_PG], v[S_FILE]);
	emit(label, a, q, " ", " ", p1, " ", " ", " ", " ");
}

/* What the preamble says of the syscall rows: whether the kernel's count
 * of reads and writes agreed with the wrappers' in every series. */
static void sys_preamble(void)
{
	size_t checked = 0, series = 0, short_ = 0, dirs = 0;

	printf("Syscalls per read: calls of the C library functions that librelease, SQLite and "
	       "libpq use and that make one system call each (read, pread64, readv, write, pwrite64, "
	       "open, openat, close, fstat, stat, lstat, fstatat, statx, lseek, fcntl, flock, mmap, "
	       "munmap, mremap, getdents64, the sync calls, send, recv, poll and others: see "
	       "tests/bench/README.md), counted the same way, in a window around each series; "
	       "mean per run.");
	if (cfg.sys_skip) {
		printf(" Not counted: %s.\n", cfg.sys_skip);
		return;
	}
	for (int op = 0; op < RD_COUNT; op++)
		for (size_t i = 0; i < n_count; i++)
			for (int k = 0; k < S_COUNT; k++) {
				const struct sys_result *y = &res.read_sys[op][i][k];

				if (!have[k] || !y->per_run.counted)
					continue;
				series++;
				checked += y->kernel_checked;
				short_ += y->unseen > 0;
				dirs += y->dirs > 0;
			}
	if (checked < series)
		printf(" The kernel's count of read and write calls (/proc/self/io) could not be read "
		       "for %zu of %zu series, so those were not checked against it.",
		       series - checked, series);
	else
		printf(" In every series the kernel's count of read- and write-family calls "
		       "(/proc/self/io) %s.",
		       short_ ? "was checked against the counted ones" : "equalled the counted ones");
	if (short_ || dirs)
		printf(" \"≥\": a lower bound, in %zu series where the kernel saw reads or writes "
		       "that were not counted and %zu that read a directory (readdir's getdents64 "
		       "is made inside libc).",
		       short_, dirs);
	printf("\n");
}

/* Writes per second of 1 and 4 writer processes, their ratio, and the sync
 * calls per write. file/sqlite and pg/file compare throughputs: above 1× the
 * first store named writes more per second. */
static void writer_rows(void)
{
	char a[S_COUNT][32], sf[32], ss[32], label[96];
	static const int n[2] = {1, 4};

	for (int w = 0; w < 2; w++) {
		char q[32], p1[32];

		snprintf(label, sizeof label, "%d writer process%s, env set on one app, writes/s (disk)",
			 n[w], n[w] > 1 ? "es" : "");
		for (int k = 0; k < S_COUNT; k++)
			fmt_value(a[k], sizeof a[k], k, res.writers[w][k], 0);
		fmt_ratio(q, sizeof q, have[S_SQLITE] ? res.writers[w][S_FILE] : -1,
			  res.writers[w][S_SQLITE]);
		fmt_ratio(p1, sizeof p1, have[S_PG] ? res.writers[w][S_PG] : -1, res.writers[w][S_FILE]);
		snprintf(sf, sizeof sf, "%.2f", res.writer_syncs[w][S_FILE]);
		snprintf(ss, sizeof ss, have[S_SQLITE] ? "%.2f" : "—", res.writer_syncs[w][S_SQLITE]);
		emit(label, a, q, " ", " ", p1, " ", sf, ss, " ");
	}
	for (int k = 0; k < S_COUNT; k++)
		fmt_ratio(a[k], sizeof a[k], have[k] ? res.writers[1][k] : -1, res.writers[0][k]);
	emit("4 writers / 1 writer, throughput", a, " ", " ", " ", " ", " ", " ", " ", " ");
}

/*
 * The deployment log's cost on promote, on the file store: with it, through
 * a version-2 vtable without it, and the ratio of the two (the sync calls'
 * column: how many more the log costs per promotion).
 */
static void deploy_rows(void)
{
	static const char *const labels[2] = {
		"promote, file store with its deployment log (storage version 3), durable (disk)",
		"promote, file store through a version-2 vtable: no deployment log, durable (disk)",
	};
	char a[S_COUNT][32], q[32], sf[48];
	struct syncs y[S_COUNT];
	double v[S_COUNT];

	memset(y, 0, sizeof y);
	for (int w = 0; w < 2; w++) {
		for (int k = 0; k < S_COUNT; k++)
			v[k] = k == S_FILE ? res.deploy[w] : -1;
		y[S_FILE] = res.deploy_syncs[w];
		row(labels[w], v, 1, 1, y, NULL);
	}
	for (int k = 0; k < S_COUNT; k++)
		snprintf(a[k], sizeof a[k], "—");
	fmt_ratio(a[S_FILE], sizeof a[S_FILE], res.deploy[0], res.deploy[1]);
	snprintf(q, sizeof q, " ");
	snprintf(sf, sizeof sf, "%+.2f", res.deploy_syncs[0].mean - res.deploy_syncs[1].mean);
	emit("deployment log on promote: with / without (file column); sync calls more per "
	     "promotion (file fsyncs/op)", a, q, " ", " ", " ", " ", sf, " ", " ");
}

/* How long until a promotion succeeds after a promoter was killed. */
static void crash_row(void)
{
	char a[S_COUNT][32], label[128];

	snprintf(label, sizeof label,
		 "crashed promoter → promotable again: SIGKILL mid-deploy, then promote (disk)");
	for (int k = 0; k < S_COUNT; k++) {
		if (have[k] && res.crash[k] == R_TIMEOUT)
			snprintf(a[k], sizeof a[k], ">%.0f ms", (double)cfg.crash_cap_ns / 1e6);
		else
			fmt_value(a[k], sizeof a[k], k, res.crash[k], 1);
	}
	emit(label, a, " ", " ", " ", " ", " ", " ", " ", " ");
}

#define STR_(x) #x
#define STR(x) STR_(x)

static const char *const op_labels[OP_COUNT] = {
	"create: env set of a cycled key, durable (disk)",
	"env set: one-key change, durable (disk)",
	"promote: pointer move, no deployer, durable (disk)",
	"rollback to a random earlier release, durable (disk)",
	"prune: delete a batch of " STR(PRUNE_BATCH) " releases, durable (disk)",
};

void print_table(void)
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
	       "%zu (durable ops), %zu (prune), %zu (fresh processes) runs%s.\n",
	       release_version_string(), date, sysconf(_SC_NPROCESSORS_ONLN), cpu, cfg.reps_fast,
	       cfg.reps_durable, cfg.reps_prune, cfg.reps_child,
	       cfg.quick ? "; --quick (smoke, not a measurement)" : "");
	printf("Durable, writer and crashed-promoter rows and the fsync floor: %s (%s). History "
	       "rows: stores on %s (%s).\n",
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
	printf("Sync calls (fsyncs/op): fsync, fdatasync, syncfs, sync, sync_file_range with "
	       "SYNC_FILE_RANGE_WAIT_AFTER and msync with MS_SYNC, counted as this process (and each "
	       "writer process) makes them, by definitions in the benchmark that the libraries' "
	       "calls reach instead of libc's; the floor's row counts its own fdatasync reached the "
	       "same way. PostgreSQL round trips: calls of send (libpq flushes each request it "
	       "waits on with one), counted the same way. A single figure: every run made that "
	       "many; else mean (least–most).\n");
	sys_preamble();
	if (cfg.cold_skip)
		printf("Cold cache: not measured: %s.\n", cfg.cold_skip);
	else
		printf("Cold cache: the file and SQLite history stores copied to %s (%s); before "
		       "each run every file of the copy written back and dropped with "
		       "posix_fadvise(POSIX_FADV_DONTNEED), after which at most %.1f%% of its bytes "
		       "stayed cached (mincore). The program, its libraries and the kernel's inode and "
		       "directory caches stay warm. PostgreSQL's pages are the server's, which a client "
		       "cannot drop: no cold figure.\n",
		       cfg.dir, fs_name(cfg.dir),
		       res.cold_total ? 100.0 * (double)res.cold_resident / (double)res.cold_total : 0.0);
	printf("Deployment log: the file store promoting as it is (storage version 3) and through "
	       "a copy of its vtable that says version 2, in turn, %zu promotions each on %s; "
	       "afterwards the first held %llu deployment records and the second %llu.%s\n",
	       cfg.reps_durable, cfg.dir, (unsigned long long)res.deploy_records[0],
	       (unsigned long long)res.deploy_records[1],
	       res.deploy_records[0] ? "" : " (The library wrote no log: the two did the same work.)");
	printf("Writers: %zu run%s of %.1f s per row, median; crashed promoter: median of up to %zu "
	       "run%s, each waiting at most %.0f ms.\n",
	       cfg.reps_writers, cfg.reps_writers == 1 ? "" : "s", (double)cfg.writers_ns / 1e9,
	       cfg.reps_crash, cfg.reps_crash == 1 ? "" : "s", (double)cfg.crash_cap_ns / 1e6);
	printf("\n| operation | memory | file | sqlite | postgresql | file/sqlite | file/fsync "
	       "| sqlite/fsync | pg/file | pg/fsync | file fsyncs/op | sqlite fsyncs/op "
	       "| pg round trips/op |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");

	/* The floor is sampled on --dir, also for PostgreSQL, whose disk may be another. */
	for (int k = 0; k < S_COUNT; k++)
		v[k] = k == S_MEMORY ? -1 : res.floor[k];
	row("fsync floor: write 64 B + fdatasync, between each store's durable ops (disk)", v, 1, 1,
	    res.floor_syncs, NULL);
	for (int op = 0; op < OP_COUNT; op++)
		row(op_labels[op], res.op[op], 1, 1, res.op_syncs[op], &res.op_sends[op]);
	deploy_rows();
	writer_rows();
	crash_row();
	for (int op = 0; op < RD_COUNT; op++) {
		for (size_t i = 0; i < n_count; i++) {
			snprintf(label, sizeof label, "%s, warm, N=%s (shm)", read_ops[op].name,
				 n_label(ns[i]));
			row(label, res.read[op][i], 0, 1, NULL, NULL);
		}
		growth_row(read_ops[op].brief, res.read[op]);
		for (size_t i = 0; i < n_count; i++) {
			snprintf(label, sizeof label, "syscalls per %s, warm, N=%s", read_ops[op].name,
				 n_label(ns[i]));
			sys_row(label, res.read_sys[op][i]);
		}
	}
	for (size_t i = 0; i < n_count; i++) {
		snprintf(label, sizeof label, "open + list 20, fresh process, N=%s (shm)", n_label(ns[i]));
		row(label, res.open[i], 0, 1, NULL, NULL);
	}
	growth_row("open + list", res.open);
	for (size_t i = 0; i < n_count; i++) {
		snprintf(label, sizeof label, "of which open (pg: connect), fresh process, N=%s (shm)",
			 n_label(ns[i]));
		row(label, res.open_only[i], 0, 1, NULL, NULL);
	}
	for (size_t i = 0; i < n_count; i++) {
		snprintf(label, sizeof label, "open + list 20, fresh process, cold cache, N=%s (disk)",
			 n_label(ns[i]));
		row(label, res.cold[i], 0, 1, NULL, NULL);
	}
	for (size_t i = 0; i < n_count; i++) {
		snprintf(label, sizeof label, "RSS after open + list, KiB, N=%s", n_label(ns[i]));
		row(label, res.rss[i], 0, 0, NULL, NULL);
	}
	for (size_t i = 0; i < n_count; i++) {
		snprintf(label, sizeof label, "RSS growth by open + list, KiB, N=%s", n_label(ns[i]));
		row(label, res.rss_growth[i], 0, 0, NULL, NULL);
	}
	for (size_t i = 0; i < n_count; i++) {
		snprintf(label, sizeof label, "bytes on disk per release, N=%s", n_label(ns[i]));
		row(label, res.bytes[i], 0, 0, NULL, NULL);
	}
}
