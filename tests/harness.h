/* Shared by the test programs: stores opened on the backend under test,
 * with a deterministic clock and random source. */
#ifndef RELEASE_TEST_HARNESS_H
#define RELEASE_TEST_HARNESS_H

#include <librelease/release.h>
#include <librelease/storage.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

/* A clock the test moves by hand; starts at 2019-01-01T00:00:00Z. */
struct test_clock {
	int64_t now;
	int64_t step; /* added after every reading */
};
int64_t test_clock_read(void *payload);

/* A reproducible random source (xorshift), seeded per test. */
struct test_random {
	uint64_t state;
};
int test_random_fill(void *payload, unsigned char *buf, size_t len);

/* The URI of the backend under test: $RELEASE_TEST_STORE, else "memory:".
 * "file:" alone gives a new temporary store directory at each call; a
 * "postgresql://" URI a new empty schema at each call; "v1:" before either
 * is kept before the fresh one. */
const char *test_store_uri(void);

/* release_storage_open() and release_store_open(), and also "postgresql://"
 * URIs when the tests are built with the PostgreSQL backend (pgstore). A
 * failed pgstore open prints its message.
 *
 * "v1:URI" opens URI's backend behind a version-1 vtable: librelease 1.0's
 * struct, of 1.0's size, with the version-1 methods alone (v1_backend.c,
 * built against a copy of the 1.0 headers), as a backend written for 1.0
 * is. Its storage pointer points to that smaller struct: read no method of
 * a later version without checking version first (test_storage_has). */
int test_storage_open(const release_storage **storage, void **ctx, const char *uri);
int test_store_open(release_store **out, const char *uri, const release_store_opts *opts);

/* A URI for a fresh store on the backend base names, as test_store_uri()
 * makes one of $RELEASE_TEST_STORE ("file:": a new directory; a
 * "postgresql://" URI: a new schema; else base itself). Static buffer. */
const char *test_fresh_uri(const char *base);
/* Whether the backend under test is behind a version-1 vtable ("v1:"). */
int test_store_is_v1(void);
/* Whether two stores opened on one URI of the backend under test share
 * their records (file, PostgreSQL), as two processes' handles do; a
 * "memory:" store is private to its handle. */
int test_store_is_shared(void);

/* Whether backend st has method m, which version 2 added: version first,
 * as the core checks it (a version-1 vtable ends before m). */
#define test_storage_has(st, m) ((st)->version >= 2 && (st)->m != NULL)

/*
 * A backend shared by several store handles, as several processes share a
 * file store: the raw backend of test_store_uri() behind a vtable whose close
 * drops a reference. It has the version-2 methods the raw backend has; of a
 * version-1 backend, each handle gets a version-1 vtable.
 */
struct shared_backend;
struct shared_backend *shared_backend_new(void);
/* The same over the raw backend of uri (a fresh one: see test_fresh_uri()). */
struct shared_backend *shared_backend_new_uri(const char *uri);
/* The version of the vtable the handles get (the raw backend's, at most
 * RELEASE_STORAGE_VERSION). A version-3 raw backend's wait() is passed on. */
int shared_backend_version(const struct shared_backend *b);
/* The raw backend and its ctx, to read records behind the core's back. */
const release_storage *shared_backend_inner(const struct shared_backend *b, void **ctx);
/* Opens one more handle; asserts success. */
release_store *shared_backend_open(struct shared_backend *b, const release_store_opts *opts);
void shared_backend_unref(struct shared_backend *b);
/* Runs fn(arg) once, just before the next put (or commit with a put)
 * reaches the backend: a hook for simulating another writer racing in
 * between a read and a write. */
void shared_backend_before_put(struct shared_backend *b, void (*fn)(void *), void *arg);
/* Records written through the backend's handles, as they reached it: one
 * per put() and per operation of a commit() that succeeded; a cas() that
 * deletes counts as a deletion, a CHECK as nothing. calls: the write
 * methods' calls that succeeded (a commit is one). */
struct write_counts {
	uint64_t put, cas, del;
	uint64_t calls;
};
void shared_backend_counts(const struct shared_backend *b, struct write_counts *out);
/* After `after` more write calls (put, cas, del, commit) pass, every later
 * one fails with code and writes nothing, as a store gone away would, until
 * a call with code 0 cancels. */
void shared_backend_fail_write(struct shared_backend *b, unsigned after, int code);

/*
 * Damage a shared backend serves on reads, as a broken or hostile backend
 * would; writes reach the store untouched. The record is chosen by app,
 * kind and key or seq (whichever is set; key for META records).
 */
struct tamper {
	const char *app;
	int kind;
	const char *key;
	uint64_t seq;
	int code;         /* non-zero: reading it fails with this, e.g. RELEASE_ECORRUPT */
	const void *data; /* else these bytes are served in its place */
	size_t len;
	unsigned repeat;  /* every scan yields each record this many more times */
	int no_get_seq;   /* the optional get_seq method is absent */
	const char *const *extra_apps; /* list_apps also names these (NULL ends) */
	size_t n_extra;
};
/* Starts serving t (copied; what it points to must outlive it); NULL stops. */
void shared_backend_tamper(struct shared_backend *b, const struct tamper *t);
/* The bytes of a stored record as they are (caller frees *data); asserts
 * that it exists. */
void shared_backend_read(struct shared_backend *b, const char *app, int kind, const char *key,
			 void **data, size_t *len);

/* Per-test fixture: a store with the test clock and random source. */
struct fixture {
	struct test_clock clock;
	struct test_random random;
	struct shared_backend *backend;
	release_store *s;
};
int fixture_setup(void **state);
int fixture_teardown(void **state);
/* A second handle on the fixture's backend. */
release_store *fixture_second_handle(struct fixture *f);

/* Helpers that assert success. */
void make_app(release_store *s, const char *app);
/* A complete build with description, and its release; returns the release
 * (caller frees). */
release *make_build_release(release_store *s, const char *app, const char *description);
release *set_env(release_store *s, const char *app, const char *pair);
void promote(release_store *s, const char *app, const char *id);
/* The app's active release id, or "" (static buffer). */
const char *active_of(release_store *s, const char *app);
size_t count_releases(release_store *s, const char *app);

#define assert_ok(expr)                                                                \
	do {                                                                           \
		int rc_ = (expr);                                                      \
		if (rc_ != 0)                                                          \
			fail_msg("%s -> %d (%s): %s", #expr, rc_, release_strerror(rc_), \
				 release_store_errmsg(NULL));                          \
	} while (0)
#define assert_store_ok(s, expr)                                                       \
	do {                                                                           \
		int rc_ = (expr);                                                      \
		if (rc_ != 0)                                                          \
			fail_msg("%s -> %d (%s): %s", #expr, rc_, release_strerror(rc_), \
				 release_store_errmsg(s));                             \
	} while (0)

/* As assert_string_equal(), and a NULL on either side fails with both
 * named, rather than crashing. */
#define assert_text_equal(got, want)                                                       \
	do {                                                                           \
		const char *g_ = (got), *w_ = (want);                                  \
		if (!g_ || !w_ || strcmp(g_, w_) != 0)                                 \
			fail_msg("%s is %s%s%s, want %s%s%s", #got, g_ ? "\"" : "",   \
				 g_ ? g_ : "NULL", g_ ? "\"" : "", w_ ? "\"" : "",     \
				 w_ ? w_ : "NULL", w_ ? "\"" : "");                    \
	} while (0)

#endif
