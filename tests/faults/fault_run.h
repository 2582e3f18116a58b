/*
 * One run of the fault sweep: a fresh store over a fault backend, with a
 * fixed clock and random source, and the history every run starts from;
 * the store as the public API shows it, a line per object; and the
 * invariants a store must keep whatever failed.
 */
#ifndef FAULT_RUN_H
#define FAULT_RUN_H

#include "fault_backend.h"

/* The ids the history made. */
struct history {
	char r[6][ID_LEN]; /* web's releases by version, r[1]..r[5] */
	char b[6][ID_LEN]; /* web's builds b[1]..b[5] */
};

struct run {
	struct test_clock clock;
	struct test_random random;
	struct fault_backend *fb; /* owned by s */
	release_store *s;
	struct history h;
	int out_unpromoted; /* a rollback returned an active copy unpromoted */
	char outgoing[ID_LEN]; /* web's active release before the operation */
};

void run_open(struct run *r, int with_errmsg);
void run_close(struct run *r);
void copy_id(char dst[ID_LEN], const char *id);

/*
 * The history every run starts from:
 *
 *   web   v1 R1 build B1 "first"     promoted
 *         v2 R2 env FOO=1            promoted
 *         v3 R3 build B2 "second"    promoted
 *         v4 R4 env FOO=2 BAR=x      promoted: active, previous R3
 *         v5 R5 build B3 "third"     not promoted
 *         B4 running (no release), B5 complete (no release)
 *   api   one release, promoted
 *   idle  no builds, no releases
 */
void history(struct run *r);

#define LONG_N 70 /* more than one page of the core's listings (64) */

/* The history, plus an app with more releases and builds than one page. */
void long_history(struct run *r);

/* ----------------------------------------------- the store, as a listing */

struct lines {
	char **v;
	size_t n, cap;
};

void lines_add(struct lines *l, const char *fmt, ...) PRINTF_LIKE(2, 3);
void lines_free(struct lines *l);
int lines_has(const struct lines *l, const char *s);
int lines_equal(const struct lines *a, const struct lines *b);
/* Every line of a is in b. */
int lines_within(const struct lines *a, const struct lines *b);
/* The lines of a that do not mention needle. */
void lines_without(const struct lines *a, const char *needle, struct lines *out);

enum dump_flags {
	D_NO_STAMPS = 1, /* leave out when releases were promoted or failed */
	D_NO_LINKS = 2,  /* leave out which release a build records */
};

/* Everything the public API shows of the store, a line per object, in a
 * fixed order. Lease state is left out: it depends on the clock and is
 * checked on its own. */
void dump(release_store *s, int flags, struct lines *out);

/* The latest promoted time of any of app's releases. */
int64_t latest_promoted(release_store *s, const char *app);

/* ------------------------------------------------------------ invariants */

/* The invariants of every app, read through the public API. Call it after
 * the lease has expired. */
void check_store(release_store *s);

/* Normal work goes on: an env change and its promotion succeed on every app.
 * An app of the history that is gone (deleted) is created again, empty. */
void follow_up(release_store *s);

#endif
