/*
 * Races made deterministic: one backend (the one RELEASE_TEST_STORE names)
 * shared by several store handles, each behind a wrapper of its own that
 * can run a racing writer's calls, or fail, just before (or after) a
 * chosen call of its handle reaches the backend.
 *
 * Handles of a private backend ("memory:") share its one context; of any
 * other they each open the same URI, as separate processes would.
 */
#ifndef RELEASE_RACE_BACKEND_H
#define RELEASE_RACE_BACKEND_H

#include "../harness.h"

/* Version 2 of the vtable, when the headers built against know it. */
#if RELEASE_STORAGE_VERSION >= 2
#define RACE_V2 1
#else
#define RACE_V2 0
#endif

/* The calls a hook waits for. */
enum race_event {
	RACE_PUT_OF,    /* a write that adds a record of kind (put, or a commit's PUT) */
	RACE_DELETE_OF, /* a write that deletes a record of kind (del, a CAS to
			 * nothing, or a commit's DEL or CAS to nothing) */
	RACE_LEASE_LOOK /* a look at the app's lease: hold(), or reading META "lease" */
};

struct race_hook {
	enum race_event on;
	int kind;             /* RACE_PUT_OF, RACE_DELETE_OF: RELEASE_KIND_* */
	unsigned skip;        /* matching calls let through before it fires */
	void (*fn)(void *arg);/* run once, just before the call (after it: after) */
	void *arg;
	int after;
	int fail;             /* non-zero: the call returns this instead, reaching nothing */
};

#define RACE_HANDLES 2

/* A test's backend and its handles, each with its own clock and random
 * source (seeded apart, so handles never make the same ids). */
struct race_fixture {
	struct race_backend *b;
	struct race_handle *h[RACE_HANDLES];
	release_store *s[RACE_HANDLES];
	struct test_clock clock[RACE_HANDLES];
	struct test_random random[RACE_HANDLES];
};

/* Opens handles 0 and 1 with the test clock (real_clock: the system's, for
 * tests that wait) and fills *state with the fixture. */
int race_setup(void **state);
int race_setup_real_clock(void **state);
int race_teardown(void **state);

/* Arms handle i's hook (copied); it fires once, on the first matching call
 * after skip. */
void race_hook(struct race_fixture *f, int i, const struct race_hook *h);
/* How many times handle i's hook fired. */
int race_fired(const struct race_fixture *f, int i);

/* Whether the backend has commit(), hold(): with headers older than
 * version 2, 0. */
int race_has_commit(const struct race_fixture *f);
int race_has_hold(const struct race_fixture *f);
/* Skips the test unless the backend has commit() (with headers older than
 * version 2 there is nothing to ask for: the test runs). */
void race_need_commit(const struct race_fixture *f);

/* The seqs of app's records of an ordered kind as stored, highest first,
 * read from the backend itself; returns how many (at most cap). */
size_t race_seqs(struct race_fixture *f, const char *app, int kind, uint64_t *seqs, size_t cap);

/* Test helpers that assert success. */
/* n releases, each from a build of its own ("build-1"…), each promoted in
 * turn: the last is active, the one before it previous.
 * ids[i] and builds[i] receive their ids (ID buffers of 32 bytes). */
void race_history(release_store *s, const char *app, size_t n, char (*ids)[32],
		  char (*builds)[32]);
/* Whether a release (a build) of app can be read. */
int race_release_exists(release_store *s, const char *app, const char *id);
int race_build_exists(release_store *s, const char *app, const char *id);
/* Checks what must hold of an app whatever races it met: its active
 * release exists, and so does the build of every release it lists. */
void race_check_consistent(release_store *s, const char *app);

#endif
