/*
 * The file store's commit (storage version 2) at the system-call level: a
 * commit of several operations on a real file store, through the raw
 * backend (release_storage_open), with
 *
 * - its Nth write, sync, rename, truncate, open, directory change or
 *   allocation failing (EIO, ENOSPC, ENOMEM), for every N it reaches, then
 *   each of its writes failing torn (half written, then ENOSPC);
 * - its process killed just before its Nth call;
 * - the machine losing power just before its Nth call (what was written
 *   and not synced is lost).
 *
 * After each, the store must hold all of the commit or none of it:
 *   1. a commit that returned 0 holds all of it, durably (after a reboot
 *      too); one that failed holds none of it, and failed with what the
 *      system said (RELEASE_EIO, RELEASE_ENOSPC, RELEASE_ENOMEM); a failure
 *      met after the log's sync is maintenance and is not reported;
 *   2. the handle that saw the failure reads what a new handle reads;
 *   3. after a reboot (writes not synced lost) it reads the same;
 *   4. a killed or powered-off commit left all of it or none, for every
 *      reader and after a reboot;
 *   5. the next commit succeeds, and survives a reboot.
 * Each sweep starts from a template store: a store of format 1 (the commit
 * moves it to 2), one of format 2, one opened as after a reboot (the
 * commit replays the log first), a new app, one whose key index the commit
 * must grow first, one the commit makes compact. How calls are failed:
 * file_inject.h.
 */
#include "harness.h"

#include "file_inject.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_OPS 8

struct scenario {
	const char *name;
	void (*build)(const char *dir); /* the template */
	const char *app;                /* the commit's */
	release_storage_op ops[MAX_OPS];
	size_t n;
	int rebooted;         /* runs open the store as after a reboot */
	int (*maintenance)(void); /* the calls of a fault-free run show it ran */
	int heavy;            /* not under valgrind */
	char dir[600];
	int built;
};

/* ------------------------------------------------------------ directories */

static char base[300];
static int boots;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_base(void)
{
	if (base[0])
		remove_tree(base);
}

/* Stores live in memory where that is possible: every run syncs. */
static const char *base_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	const char *where = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : tmp && *tmp ? tmp : "/tmp";

	if (base[0])
		return base;
	snprintf(base, sizeof base, "%s/release-commit-faults-XXXXXX", where);
	assert_non_null(mkdtemp(base));
	atexit(remove_base);
	return base;
}

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out;
	size_t n;

	assert_non_null(in);
	out = fopen(to, "wb");
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(chmod(to, 0600), 0);
}

static void copy_tree(const char *from, const char *to)
{
	DIR *d = opendir(from);
	struct dirent *e;

	assert_non_null(d);
	assert_int_equal(mkdir(to, 0700), 0);
	while ((e = readdir(d))) {
		char a[1024], b[1024];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(a, sizeof a, "%s/%s", from, e->d_name);
		snprintf(b, sizeof b, "%s/%s", to, e->d_name);
		assert_int_equal(lstat(a, &st), 0);
		if (S_ISDIR(st.st_mode))
			copy_tree(a, b);
		else
			copy_file(a, b);
	}
	closedir(d);
}

/* Handles opened from now on see a new boot id (a reboot). */
static void reboot(void)
{
	static char path[400];
	char id[64];
	FILE *f;

	snprintf(path, sizeof path, "%s/boot_id", base_dir());
	snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d\n", ++boots);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(id, f) >= 0);
	assert_int_equal(fclose(f), 0);
	fi_fake_boot_id(path);
}

/* ---------------------------------------------------------------- stores */

struct backend {
	const release_storage *s;
	void *ctx;
};

static int backend_try(const char *dir, struct backend *b)
{
	char uri[700];

	snprintf(uri, sizeof uri, "file:%s", dir);
	b->ctx = NULL;
	return release_storage_open(&b->s, &b->ctx, uri);
}

static void backend_open(const char *dir, struct backend *b)
{
	int rc = backend_try(dir, b);

	if (rc != 0)
		fail_msg("opening %s: %d: %s", dir, rc, release_store_errmsg(NULL));
}

static void backend_close(struct backend *b)
{
	if (b->ctx)
		b->s->close(b->ctx);
	b->ctx = NULL;
}

static const char *msg(const struct backend *b)
{
	const char *m = b->s->errmsg(b->ctx);

	return m && *m ? m : "(no message)";
}

static release_storage_op put(int kind, const char *key, uint64_t seq, const char *data)
{
	release_storage_op o = {RELEASE_OP_PUT, kind, key, seq, NULL, 0, data, strlen(data)};

	return o;
}

static release_storage_op cas(int kind, const char *key, const char *old, const char *data)
{
	release_storage_op o = {RELEASE_OP_CAS, kind, key, 0, old, old ? strlen(old) : 0,
				data, data ? strlen(data) : 0};

	return o;
}

static void commit_ok(struct backend *b, const char *app, const release_storage_op *ops, size_t n)
{
	int rc = b->s->commit(b->ctx, app, ops, n, NULL);

	if (rc != 0)
		fail_msg("commit on %s: %d: %s", app, rc, msg(b));
}

/* --------------------------------------------------------------- views */

struct text {
	char *p;
	size_t len, cap;
};

static void text_add(struct text *t, const char *s)
{
	size_t n = strlen(s);

	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->p = realloc(t->p, t->cap);
		if (!t->p)
			abort(); /* never armed here */
	}
	memcpy(t->p + t->len, s, n + 1);
	t->len += n;
}

static int add_record(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	const unsigned char *d = data;
	uint64_t h = 1469598103934665603u;
	char line[160];

	for (size_t i = 0; i < len; i++)
		h = (h ^ d[i]) * 1099511628211u;
	snprintf(line, sizeof line, " %s@%llu:%zu:%016llx", key, (unsigned long long)seq, len,
		 (unsigned long long)h);
	text_add(payload, line);
	return 0;
}

/* What the store says of the apps the commits touch: every META key they
 * use, every build and release, and the records by key again. On a failing
 * read, its error. */
static int view(struct backend *b, char **out)
{
	static const char *const apps[] = {"web", "fresh"};
	static const char *const meta[] = {"app", "active", "note", "next"};
	static const char *const keys[] = {"r1", "r2", "rx", "fr", "b1", "fb", "big"};
	struct text t = {NULL, 0, 0};
	char line[200];
	int bad = 0;

	text_add(&t, "");
	for (size_t a = 0; a < 2; a++) {
		for (size_t i = 0; i < sizeof meta / sizeof *meta; i++) {
			int rc;

			snprintf(line, sizeof line, "\n%s meta %s:", apps[a], meta[i]);
			text_add(&t, line);
			rc = b->s->get(b->ctx, apps[a], RELEASE_KIND_META, meta[i], add_record, &t);
			if (rc != 0 && rc != RELEASE_ENOTFOUND) {
				snprintf(line, sizeof line, " error %d (%s)", rc, msg(b));
				text_add(&t, line);
				bad = 1;
			}
		}
		for (int kind = RELEASE_KIND_BUILD; kind <= RELEASE_KIND_RELEASE; kind++) {
			int rc;

			snprintf(line, sizeof line, "\n%s kind %d:", apps[a], kind);
			text_add(&t, line);
			rc = b->s->scan(b->ctx, apps[a], kind, UINT64_MAX, 100000, add_record, &t);
			if (rc != 0) {
				snprintf(line, sizeof line, " error %d (%s)", rc, msg(b));
				text_add(&t, line);
				bad = 1;
			}
			for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
				rc = b->s->get(b->ctx, apps[a], kind, keys[k], add_record, &t);
				if (rc != 0 && rc != RELEASE_ENOTFOUND) {
					snprintf(line, sizeof line, " %s: error %d (%s)", keys[k], rc,
						 msg(b));
					text_add(&t, line);
					bad = 1;
				}
			}
		}
	}
	*out = t.p;
	return bad ? -1 : 0;
}

static char *view_of(const char *dir)
{
	struct backend b;
	char *v;

	backend_open(dir, &b);
	view(&b, &v);
	backend_close(&b);
	return v;
}

/* ----------------------------------------------------------- templates */

static char manifest[300], big[100000];

static const release_storage_op base_ops[] = {
	{RELEASE_OP_PUT, RELEASE_KIND_META, "app", 0, NULL, 0, "A", 1},
	{RELEASE_OP_PUT, RELEASE_KIND_META, "active", 0, NULL, 0, "r1", 2},
	{RELEASE_OP_PUT, RELEASE_KIND_RELEASE, "r1", 1, NULL, 0, "one", 3},
	{RELEASE_OP_PUT, RELEASE_KIND_RELEASE, "rx", 3, NULL, 0, "x", 1},
	{RELEASE_OP_PUT, RELEASE_KIND_BUILD, "b1", 1, NULL, 0, "bld", 3},
};

/* web, written one record at a time: FORMAT stays 1. */
static void plain(const char *dir)
{
	struct backend b;

	backend_open(dir, &b);
	for (size_t i = 0; i < sizeof base_ops / sizeof *base_ops; i++)
		commit_ok(&b, "web", &base_ops[i], 1);
	backend_close(&b);
}

/* The same and a commit of two records: FORMAT 2. */
static void format2(const char *dir)
{
	release_storage_op two[] = {
		put(RELEASE_KIND_META, "next", 0, "0"),
		cas(RELEASE_KIND_META, "next", "0", "1"),
	};
	struct backend b;

	plain(dir);
	backend_open(dir, &b);
	commit_ok(&b, "web", two, 2);
	backend_close(&b);
}

/* With 767 keys in web's key index of 1024: a commit that puts or
 * replaces two builds or releases grows it first. */
static void keys_full(const char *dir)
{
	static char names[800][16];
	release_storage_op ops[RELEASE_COMMIT_MAX];
	size_t done = 0, batches[] = {250, 250, 250, 14};
	struct backend b;

	format2(dir);
	backend_open(dir, &b);
	for (size_t k = 0; k < 4; k++) {
		for (size_t i = 0; i < batches[k]; i++, done++) {
			snprintf(names[done], sizeof names[done], "ballast%zu", done);
			ops[i] = put(RELEASE_KIND_BUILD, names[done], 10 + done, "b");
		}
		commit_ok(&b, "web", ops, batches[k]);
	}
	backend_close(&b);
}

/* With a big build the commit deletes: the dead bytes make it compact. */
static void with_big(const char *dir)
{
	struct backend b;
	release_storage_op op = put(RELEASE_KIND_BUILD, "big", 2, big);

	format2(dir);
	backend_open(dir, &b);
	commit_ok(&b, "web", &op, 1);
	backend_close(&b);
}

static int keys_rebuilt(void)
{
	return fi_touched(FI_OPEN, "keys", 1) > 0;
}

static int compacted(void)
{
	return fi_touched(FI_OPEN, "log", 1) > 0;
}

#define THE_COMMIT                                                                     \
	{RELEASE_OP_PUT, RELEASE_KIND_RELEASE, "r2", 2, NULL, 0, manifest, sizeof manifest - 1}, \
	{RELEASE_OP_CAS, RELEASE_KIND_BUILD, "b1", 0, "bld", 3, "bld, used by r2", 15},        \
	{RELEASE_OP_CAS, RELEASE_KIND_META, "active", 0, "r1", 2, "r2", 2},                    \
	{RELEASE_OP_DEL, RELEASE_KIND_RELEASE, "rx", 0, NULL, 0, NULL, 0},                     \
	{RELEASE_OP_PUT, RELEASE_KIND_META, "note", 0, NULL, 0, "n", 1}

static struct scenario scenarios[] = {
	{.name = "commit_moving_the_store_to_format_2_survives_syscall_faults", .build = plain,
	 .app = "web", .ops = {THE_COMMIT}, .n = 5},
	{.name = "commit_survives_syscall_faults", .build = format2, .app = "web",
	 .ops = {THE_COMMIT}, .n = 5},
	{.name = "commit_after_a_reboot_survives_syscall_faults", .build = format2, .app = "web",
	 .ops = {THE_COMMIT}, .n = 5, .rebooted = 1},
	{.name = "commit_creating_its_app_survives_syscall_faults", .build = format2,
	 .app = "fresh",
	 .ops = {{RELEASE_OP_PUT, RELEASE_KIND_META, "app", 0, NULL, 0, "F", 1},
		 {RELEASE_OP_PUT, RELEASE_KIND_BUILD, "fb", 1, NULL, 0, "fresh build", 11},
		 {RELEASE_OP_PUT, RELEASE_KIND_RELEASE, "fr", 1, NULL, 0, "fresh release", 13}},
	 .n = 3},
	{.name = "commit_growing_the_key_index_survives_syscall_faults", .build = keys_full,
	 .app = "web", .ops = {THE_COMMIT}, .n = 5, .maintenance = keys_rebuilt, .heavy = 1},
	{.name = "commit_compacting_survives_syscall_faults", .build = with_big, .app = "web",
	 .ops = {THE_COMMIT, {RELEASE_OP_DEL, RELEASE_KIND_BUILD, "big", 0, NULL, 0, NULL, 0}},
	 .n = 6, .maintenance = compacted},
};

#define N_SCENARIOS (sizeof scenarios / sizeof *scenarios)

static void template_ensure(struct scenario *sc)
{
	if (sc->built)
		return;
	snprintf(sc->dir, sizeof sc->dir, "%s/tpl-%s", base_dir(), sc->name);
	fi_fake_boot_id(NULL);
	sc->build(sc->dir);
	sc->built = 1;
}

/* A fresh copy of the template, as after a reboot if the scenario says. */
static const char *run_dir(const struct scenario *sc)
{
	static char dir[400];

	snprintf(dir, sizeof dir, "%s/run", base_dir());
	remove_tree(dir);
	copy_tree(sc->dir, dir);
	fi_fake_boot_id(NULL);
	if (sc->rebooted)
		reboot();
	return dir;
}

/* ------------------------------------------------------------- the sweep */

struct expected {
	char *before, *after;
	unsigned long calls, writes;
	unsigned char *worth, *worth_torn;
	size_t broken;
};

static int failing(struct expected *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int failing(struct expected *e, const char *fmt, ...)
{
	va_list ap;

	if (e->broken++ < 12) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	return -1;
}

/* Checks rules 3 and 5 on dir: after a reboot it reads want; the next
 * commit succeeds and survives another reboot. */
static void after_reboot(struct expected *e, const char *dir, const char *want, const char *what)
{
	release_storage_op next = put(RELEASE_KIND_META, "next", 0, "after");
	struct backend b;
	char *now, *later, *again;

	fi_lose_unsynced();
	reboot();
	if (backend_try(dir, &b) != 0) {
		failing(e, "%s: after a reboot the store does not open: %s", what,
			release_store_errmsg(NULL));
		return;
	}
	if (view(&b, &now) != 0 || strcmp(now, want) != 0)
		failing(e, "%s: after a reboot the store reads\n%s\nwant\n%s", what, now, want);
	fi_track_unsynced(1);
	if (strstr(now, "web meta next: next@")) /* "1", in the templates of format 2 */
		next = cas(RELEASE_KIND_META, "next", "1", "after");
	if (b.s->commit(b.ctx, "web", &next, 1, NULL) != 0)
		failing(e, "%s: the next commit fails: %s", what, msg(&b));
	view(&b, &later);
	backend_close(&b);
	fi_lose_unsynced();
	reboot();
	again = view_of(dir);
	if (strcmp(again, later) != 0)
		failing(e, "%s: the next commit reads differently after another reboot", what);
	free(now);
	free(later);
	free(again);
}

/* One run with call n failing (torn, for a write); 0 when the commit never
 * reached it. */
static int faulted_run(const struct scenario *sc, struct expected *e, unsigned mask, int torn,
		       unsigned long n)
{
	const char *dir = run_dir(sc);
	struct backend b, c;
	struct fi_call fc;
	char what[200], *seen = NULL, *now = NULL;
	size_t failed = 99;
	int rc, committed;

	backend_open(dir, &b);
	fi_track_unsynced(1);
	fi_arm(n, mask, torn);
	fi_backend_begin();
	rc = b.s->commit(b.ctx, sc->app, sc->ops, sc->n, &failed);
	committed = fi_backend_end();
	fi_disarm();
	if (!fi_fired()) {
		backend_close(&b);
		fi_track_unsynced(0);
		return 0;
	}
	fc = *fi_failed();
	snprintf(what, sizeof what, "%s: call %s%lu (%s%s on %s, %s the log's sync) -> %d", sc->name,
		 torn ? "w" : "", n, fc.fn, fc.torn ? ", torn" : "", fc.file,
		 fc.phase == FI_AFTER_COMMIT ? "after" : fc.phase == FI_AT_COMMIT ? "at" : "before",
		 rc);
	/* rule 1 */
	if (rc != 0 && rc != RELEASE_EIO && rc != RELEASE_ENOSPC && rc != RELEASE_ENOMEM)
		failing(e, "%s: a failure that is none of the system's: %s", what, msg(&b));
	if (rc != 0 && !*msg(&b))
		failing(e, "%s: a failure without a message", what);
	if (rc != 0 && committed)
		failing(e, "%s: failed after the log's sync (maintenance): %s", what, msg(&b));
	/* rule 2 */
	if (view(&b, &seen) != 0)
		failing(e, "%s: the handle that saw the failure cannot read: %s", what, seen);
	backend_close(&b);
	backend_open(dir, &c);
	if (view(&c, &now) != 0)
		failing(e, "%s: a new handle cannot read: %s", what, now);
	else if (strcmp(now, rc == 0 ? e->after : e->before) != 0)
		failing(e, "%s: the store reads\n%s\nwant (%s)\n%s", what, now,
			rc == 0 ? "all of the commit" : "none of it", rc == 0 ? e->after : e->before);
	else if (strcmp(seen, now) != 0)
		failing(e, "%s: the handle that saw the failure reads\n%s\na new one\n%s", what, seen,
			now);
	backend_close(&c);
	/* rules 3 and 5 */
	after_reboot(e, dir, rc == 0 ? e->after : e->before, what);
	free(seen);
	free(now);
	return 1;
}

/* One run whose process dies (with power_loss, the machine) just before
 * call n; 0 when the commit never reached it. */
static int crashed_run(const struct scenario *sc, struct expected *e, int power_loss,
		       unsigned long n)
{
	const char *dir = run_dir(sc);
	char what[200], *now = NULL;
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct backend b;
		int rc;

		if (backend_try(dir, &b) != 0)
			_exit(2);
		fi_track_unsynced(1);
		fi_arm_crash(n, FI_ALL, power_loss);
		rc = b.s->commit(b.ctx, sc->app, sc->ops, sc->n, NULL);
		fi_disarm();
		_exit(rc == 0 ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 2)
		fail_msg("%s: the crashing child ended with status %d", sc->name, status);
	if (WEXITSTATUS(status) != FI_CRASHED)
		return 0;
	snprintf(what, sizeof what, "%s: %s just before call %lu", sc->name,
		 power_loss ? "power lost" : "killed", n);
	if (power_loss)
		reboot();
	now = view_of(dir);
	/* rule 4 */
	if (strcmp(now, e->before) != 0 && strcmp(now, e->after) != 0)
		failing(e, "%s: the store reads\n%s\nneither before\n%s\nnor after\n%s", what, now,
			e->before, e->after);
	else
		after_reboot(e, dir, now, what);
	free(now);
	return 1;
}

/* The fault-free run: what the commit does, and the calls it makes. */
static void expect(const struct scenario *sc, struct expected *e)
{
	const char *dir;
	struct backend b;
	int rc;

	memset(e, 0, sizeof *e);
	/* read on a copy of its own: a read may recover the store (after a
	 * reboot), which the commit must do itself */
	e->before = view_of(run_dir(sc));
	dir = run_dir(sc);
	backend_open(dir, &b);
	fi_arm(0, FI_ALL, 0);
	rc = b.s->commit(b.ctx, sc->app, sc->ops, sc->n, NULL);
	e->calls = fi_disarm();
	e->writes = fi_counted(FI_WRITE);
	if (rc != 0)
		fail_msg("%s: without a fault the commit fails: %d: %s", sc->name, rc, msg(&b));
	if (sc->maintenance && !sc->maintenance())
		fail_msg("%s: the template no longer makes the commit run its maintenance",
			 sc->name);
	e->worth = calloc(e->calls + 1, 1);
	assert_non_null(e->worth);
	for (unsigned long n = 1; n <= e->calls; n++)
		e->worth[n - 1] = (unsigned char)fi_worth_failing(n);
	backend_close(&b);
	e->after = view_of(dir);
	if (strcmp(e->before, e->after) == 0)
		fail_msg("%s: the commit changes nothing", sc->name);

	dir = run_dir(sc);
	backend_open(dir, &b);
	fi_arm(0, FI_WRITE, 0);
	b.s->commit(b.ctx, sc->app, sc->ops, sc->n, NULL);
	if (fi_disarm() != e->writes)
		fail_msg("%s: %lu writes, then %lu", sc->name, e->writes, fi_counted(FI_WRITE));
	e->worth_torn = calloc(e->writes + 1, 1);
	assert_non_null(e->worth_torn);
	for (unsigned long n = 1; n <= e->writes; n++)
		e->worth_torn[n - 1] = (unsigned char)fi_worth_failing(n);
	backend_close(&b);
}

static unsigned long each(const struct scenario *sc, struct expected *e, unsigned long calls,
			  const unsigned char *worth, int (*one)(const struct scenario *,
								  struct expected *, unsigned long,
								  int),
			  int arg)
{
	unsigned long runs = 0;
	int halve = fi_under_valgrind(); /* as in test_file_faults.c: the other
					  * builds fail every call */

	for (unsigned long n = 1; n <= calls; n++) {
		if (!worth[n - 1] || (halve && n % 2 == 0 && n != calls))
			continue;
		if (!one(sc, e, n, arg))
			fail_msg("%s: %lu calls without a fault, but call %lu never came", sc->name,
				 calls, n);
		runs++;
	}
	if (one(sc, e, calls + 1, arg))
		fail_msg("%s: %lu calls without a fault, but call %lu came", sc->name, calls,
			 calls + 1);
	return runs;
}

static int fail_call(const struct scenario *sc, struct expected *e, unsigned long n, int torn)
{
	return torn ? faulted_run(sc, e, FI_WRITE, 1, n) : faulted_run(sc, e, FI_ALL, 0, n);
}

static int crash_call(const struct scenario *sc, struct expected *e, unsigned long n,
		      int power_loss)
{
	return crashed_run(sc, e, power_loss, n);
}

static void sweep(void **state)
{
	struct scenario *sc = *state;
	struct expected e;
	unsigned long runs;
	time_t start = time(NULL);

	if (sc->heavy && fi_under_valgrind()) {
		print_message("%s: left out under valgrind (the sanitizer build runs it)\n",
			      sc->name);
		return;
	}
	template_ensure(sc);
	expect(sc, &e);
	runs = each(sc, &e, e.calls, e.worth, fail_call, 0);
	runs += each(sc, &e, e.writes, e.worth_torn, fail_call, 1);
	runs += each(sc, &e, e.calls, e.worth, crash_call, 0);
	runs += each(sc, &e, e.calls, e.worth, crash_call, 1);
	print_message("%s: %lu calls (%lu writes), %lu runs (failed, torn, killed, powered off) "
		      "in %lds: %zu broken\n",
		      sc->name, e.calls, e.writes, runs, (long)(time(NULL) - start), e.broken);
	free(e.before);
	free(e.after);
	free(e.worth);
	free(e.worth_torn);
	fi_fake_boot_id(NULL);
	if (e.broken)
		fail_msg("%s: %zu runs broke a rule (the first are above)", sc->name, e.broken);
}

/* A commit of several operations makes one sync, of the log. */
static void a_commit_syncs_once(void **state)
{
	struct scenario *sc = &scenarios[1];
	const char *dir;
	struct backend b;

	(void)state;
	template_ensure(sc);
	dir = run_dir(sc);
	backend_open(dir, &b);
	fi_arm(0, FI_SYNC, 0);
	commit_ok(&b, sc->app, sc->ops, sc->n);
	fi_disarm();
	assert_int_equal(fi_counted(FI_SYNC), 1);
	assert_int_equal(fi_touched(FI_SYNC, "log", 0), 1);
	backend_close(&b);
}

int main(void)
{
	struct CMUnitTest tests[N_SCENARIOS + 1];
	const char *only = getenv("RELEASE_FAULTS_ONLY");

	memset(manifest, 'm', sizeof manifest - 1);
	memset(big, 'B', sizeof big - 1);
	if (only && *only)
		cmocka_set_test_filter(only);
	memset(tests, 0, sizeof tests);
	tests[0].name = "a_commit_syncs_once";
	tests[0].test_func = a_commit_syncs_once;
	for (size_t i = 0; i < N_SCENARIOS; i++) {
		tests[i + 1].name = scenarios[i].name;
		tests[i + 1].test_func = sweep;
		tests[i + 1].initial_state = &scenarios[i];
	}
	return _cmocka_run_group_tests("file_commit_faults", tests, N_SCENARIOS + 1, NULL, NULL);
}
