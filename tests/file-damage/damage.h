/*
 * Helpers for the file store's damage suite: stores in temporary directories,
 * snapshots of a store's files (to re-create a damaged variant without
 * re-writing history), snapshots of what a store says through the public API
 * (to compare every read after damage with what was written before), and a
 * little knowledge of the on-disk format (lib/file/file.h, "On-disk
 * format") to find records and to simulate a reboot.
 */
#ifndef LIBRELEASE_TEST_DAMAGE_H
#define LIBRELEASE_TEST_DAMAGE_H

#include "../harness.h"

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------- context */

/* What the current variant is, for failure messages ("log.1 cut at 1234"). */
extern char damage_ctx[256];
/* A growing string: sb_add appends printf-style (asserts on failure). */
struct sb {
	char *p;
	size_t len, cap;
};
void sb_add(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void set_ctx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Soft failures: a test runs hundreds of variants and reports every kind of
 * failure it saw, not only the first: the first failure of each kind is
 * printed (all of them with DAMAGE_VERBOSE set in the environment).
 * check_soft() fails the test if there were any. DAMAGE_KEEP keeps the
 * temporary directories; DAMAGE_FILTER runs only the tests matching it.
 */
void soft_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int soft_failures(void);
void soft_reset(void);
void check_soft(const char *what);

/* ------------------------------------------------------ temporary dirs */

/* A fresh directory under $TMPDIR (or /tmp), removed when the program ends.
 * Returns a static-lifetime string. */
const char *temp_dir(void);
/* rm -rf path (never follows symlinks). */
void rm_rf(const char *path);
/* Writes len bytes to path (created 0600, truncated). */
void write_file(const char *path, const void *data, size_t len);
/* Reads a whole file; *len gets its size. Caller frees. NULL if absent. */
unsigned char *read_file(const char *path, size_t *len);
/* Whole-file equality of two paths' contents. */
int same_file(const char *a, const char *b);

/* ---------------------------------------------------------- snapshots */

/* The regular files and directories under a store directory. */
struct tfile {
	char path[256]; /* relative to the root; "" is the root itself */
	int is_dir; /* 1: a directory; 2 (on disk only): something else */
	unsigned char *data;
	size_t len;
};
struct tree {
	size_t n;
	struct tfile f[64];
};
void tree_load(struct tree *t, const char *root);
/* rm -rf root, then re-creates exactly the snapshot (dirs 0700, files 0600). */
void tree_store(const struct tree *t, const char *root);
void tree_free(struct tree *t);
struct tfile *tree_get(struct tree *t, const char *path);
/* Replaces (a copy of) path's bytes in t. */
void tree_set(struct tree *t, const char *path, const unsigned char *data, size_t len);
void tree_copy(struct tree *dst, const struct tree *src);

/* ------------------------------------------------------- stores */

/* release_store_open("file:<dir>") with a fixed clock and a reproducible
 * random source; asserts success. The clock starts at start_ns, steps 1 s. */
release_store *open_store_at(const char *dir, int64_t start_ns);
release_store *open_store(const char *dir);
/* The same, returning the result code (and *out NULL on failure). */
int try_open_store(const char *dir, release_store **out);

#define T0 (INT64_C(1546300800) * 1000000000) /* 2019-01-01T00:00:00Z */

/* ------------------------------------------------------- views */

/* Everything a store says about one app through the public API. */
struct rel_view {
	char id[32];
	uint64_t version;
	char *dump; /* every field, as text */
	char *env;  /* "K=V\n" pairs in key order */
	char *build, *manifest;
};
struct bld_view {
	char id[32];
	char *dump;
};
struct view {
	char app[64];
	char *app_dump;
	char *apps; /* "name\n" for each app of the store, in order */
	size_t nrel, nbld;
	struct rel_view rel[64]; /* newest first */
	struct bld_view bld[32]; /* newest first */
};
/* Reads the view of app through s; asserts that every read succeeds. */
void view_capture(release_store *s, const char *app, struct view *v);
void view_free(struct view *v);
/* The release of version v in view, or NULL. */
const struct rel_view *view_version(const struct view *v, uint64_t version);

char *dump_release(const release *r);
char *dump_build(const release_build *b);
char *dump_app(const release_app *a);

/*
 * What reads of a damaged store may return. Every read must give exactly
 * the value in want, or the value in also (another state the store may
 * rightly be in, e.g. with a torn write recovered), or fail with
 * RELEASE_ECORRUPT and a message naming the damaged file and where in it.
 * The release of version optional_version (0: none) may also be absent
 * (RELEASE_ENOTFOUND, or missing from a listing), as may releases that only
 * also has. With strict, RELEASE_ECORRUPT is a failure too.
 */
struct expect {
	const struct view *want;
	const struct view *also;
	uint64_t optional_version;
	int strict;
};
/* Reads everything of want->app through s and compares (failures are soft).
 * Returns the number of RELEASE_ECORRUPT results. */
int check_reads(release_store *s, const struct expect *e);

/* 1 if msg locates damage: a store file name (log.N, rel.N, bld.N, keys.N,
 * state) and, for all but the state, a position in it. */
int msg_locates(const char *msg);
/* Checks a result that must be RELEASE_ECORRUPT with a located message. */
void expect_corrupt(int rc, const char *msg, const char *what);

/*
 * The write probe: release_env_set(app, "DAMAGE=1"). Returns its result. On
 * success checks the new release: one version above the newest release that
 * e allows, with that release's env plus DAMAGE=1, its build and manifest.
 * *made gets the new release's view (free with rel_view_free).
 */
int write_probe(release_store *s, const struct expect *e, struct rel_view *made);
/* from with made on top (replacing anything at or above its version). */
void view_extend(const struct view *from, const struct rel_view *made, struct view *out);

/*
 * What a store that read as e allows must read as after the write probe
 * made *made: e's views that hold the release made follows, with made on
 * top. Fills *out (strict), using the storage in *a and *b; free both with
 * view_free.
 */
void expect_after(const struct expect *e, const struct rel_view *made, struct view *a,
		  struct view *b, struct expect *out);
void rel_view_free(struct rel_view *r);

/* ------------------------------------------------------- format */

struct logrec {
	uint64_t off;
	uint32_t len;
	int op, kind;
	uint64_t seq;
	char key[65];
	int first, more; /* the first record of its run (commit); not its last */
};
/* Parses a log file's records (from byte 64); returns how many. */
size_t parse_log(const unsigned char *d, size_t len, struct logrec *out, size_t max);

/* The store's CRC-32C (Castagnoli), to re-seal a state copy after editing. */
uint32_t test_crc32c(const void *data, size_t len);

/*
 * Simulates a reboot for app's state file in t (path "<app>/state"): both
 * copies get a boot id no machine has, with their checksums re-sealed, so
 * the next open replays the log from the last checkpoint. Asserts that the
 * state is laid out as documented.
 */
void tree_fake_reboot(struct tree *t, const char *app);

/* Flips bit (0-7) of byte off of the file at path, in place. */
void flip_bit(const char *path, uint64_t off, int bit);

/* The raw file backend of a store directory, for tests of the vtable. */
struct backend {
	const release_storage *s;
	void *ctx;
};
void backend_open(const char *dir, struct backend *b);
void backend_close(struct backend *b);
/* The backend's message about its last failure, or "(no message)". */
const char *msg(const struct backend *b);
#define assert_rc(b, call, want)                                                             \
	do {                                                                                 \
		int rc_ = (call);                                                            \
		if (rc_ != (want))                                                           \
			fail_msg("%s: %d, want %d: %s", #call, rc_, (want), msg(b));         \
	} while (0)

#endif

/* ------------------------------------------------------- history */

/*
 * The history the tests damage, written once per program: apps "api" and
 * "web"; web has three builds (the last still running), releases 1-5 made by
 * builds and env changes, 2 and 4 promoted. Snapshots of the store's files
 * and views of app "web":
 *   [0] that history
 *   [1] plus release 6 (env set FEATURE=on)
 *   [2] plus the promotion of release 6
 */
struct history {
	const char *dir;
	struct tree t[3];
	struct view v[3];
};
void history_make(struct history *h);
void history_free(struct history *h);

/* A store over an explicit clock start and random seed (for re-doing an
 * operation exactly). Returns the result of release_store_open. */
int open_store_full(const char *dir, int64_t start_ns, uint64_t seed, release_store **out);

/* The log of app in a snapshot. */
#define LOG_PATH "web/log.1"

/* ------------------------------------------------------- generations */

/*
 * The newest generation of one of app's files under a store root: the path
 * of "<root>/<app>/<base>.<N>" with the highest N (base "log", "rel", "bld"
 * or "keys") in path, and N; 0 when there is none.
 */
uint64_t gen_file(const char *root, const char *app, const char *base, char *path, size_t len);

/* Overwrites len bytes at off of the file at path with zeros, in place. */
void zero_range(const char *path, uint64_t off, size_t len);

/*
 * Everything the public API says about app, as text: the app, every release
 * of the listing, each again by id and by version, every build of the
 * listing and each again by id. No limit on history's length, and versions
 * may have gaps (after a prune). Returns 0 with *out set (caller frees), or
 * the first failing call's result with *out NULL and that call's name and
 * the store's message in what.
 */
int app_text(release_store *s, const char *app, char **out, char *what, size_t whatlen);

/*
 * Runs fn(arg) in a forked child that is killed by SIGALRM after seconds
 * (0: no limit). Returns fn's result as the child's exit status (0-255), or
 * 256 + the signal that ended it. fn must not use cmocka's assertions (a
 * failed one would go on running the parent's tests in the child); it may
 * use soft_fail(), whose messages reach stderr.
 */
int in_child(int (*fn)(void *), void *arg, unsigned seconds);
