/*
 * librelease — release history and rollback for deploy tools.
 *
 * This header is the whole user API. Backend implementers also include
 * <librelease/storage.h>.
 *
 * Conventions (they hold for every function below unless its comment says
 * otherwise):
 *
 * - Every fallible function returns int: 0 on success or a negative
 *   RELEASE_E* code. release_strerror() names a code; release_store_errmsg()
 *   gives the detailed message of the store's last failure.
 * - Out-parameters are named out; they come last, except in the two open
 *   functions, where they come first. On failure *out is set to NULL.
 *   Whatever comes back through a pointer-to-pointer is the caller's and
 *   is freed with that type's _free function (all _free functions accept NULL).
 * - A pointer returned as a function's value (a string accessor, say) is
 *   borrowed: it lives as long as the object it was read from.
 * - Strings are NUL-terminated, and meant to be UTF-8. Names, ids, env keys
 *   and actors are checked as their functions say; other text (descriptions,
 *   env values, manifests, build logs) is stored and returned byte for byte,
 *   UTF-8 or not, so a frontend shows it as untrusted text. Times are int64_t
 *   nanoseconds since the Unix epoch, UTC. Versions are uint64_t, starting at
 *   1.
 * - A call that writes and fails with RELEASE_EINVAL, RELEASE_ENOTFOUND,
 *   RELEASE_EEXIST, RELEASE_ECONFLICT, RELEASE_EBUSY, RELEASE_EOLDER or
 *   RELEASE_EUNSUPPORTED (store opened read-only) wrote nothing (but a
 *   failed release_rollback() keeps its copy, as it says).
 *   RELEASE_EDEPLOY wrote only what its function says (the release marked
 *   failed). After any other code (RELEASE_EIO,
 *   RELEASE_ENOSPC, RELEASE_ENOMEM, RELEASE_ECORRUPT, or a backend's own)
 *   the outcome is unknown: the write may have taken effect, so read back
 *   before trying again (an env change retried blindly may be made twice).
 *   Once a call's commit point has passed (its one write, or the write its
 *   comment names) the call does not fail: clean-up after it is best
 *   effort, and a write whose acknowledgement the storage lost is read back
 *   and counted as done.
 * - Thread safety: a release_store handle may be used by one thread at a
 *   time. Objects read from a store (releases, builds, apps) are independent
 *   values. An iterator follows its store handle's one-thread-at-a-time rule
 *   and is used only while the store is open; other calls on the store may
 *   come between its steps. A step that failed reports the failure in
 *   release_store_errmsg() and sets *out to NULL; what the next step does
 *   is told at release_app_iter_next().
 *   Different handles may be used by different threads at once.
 * - Options structs begin with their size, set by their _init function: a
 *   struct never initialised (size 0), one smaller than librelease 1.0's,
 *   or one larger than this library's with any of its unknown bytes set is
 *   RELEASE_EINVAL, never read as defaults.
 * - The library never prints, aborts or exits.
 */
#ifndef LIBRELEASE_RELEASE_H
#define LIBRELEASE_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(RELEASE_BUILDING_LIBRARY) && defined(__GNUC__)
#define RELEASE_API __attribute__((visibility("default")))
#else
#define RELEASE_API
#endif

#define RELEASE_VERSION_MAJOR 1
#define RELEASE_VERSION_MINOR 5
#define RELEASE_VERSION_PATCH 0

/* Error codes. 0 is success; every failure is negative. */
#define RELEASE_OK 0
#define RELEASE_EINVAL (-1)        /* an argument is NULL, malformed or out of range */
#define RELEASE_ENOTFOUND (-2)     /* no such app, build or release */
#define RELEASE_EEXIST (-3)        /* the app already exists (or the release was
				    * deployed already: RELEASE_PROMOTE_IF_PENDING) */
#define RELEASE_ECONFLICT (-4)     /* someone else wrote first; re-read and retry */
#define RELEASE_EBUSY (-5)         /* the app is being promoted by someone else */
#define RELEASE_EOLDER (-6)        /* promoting a release older than the active one; use rollback */
#define RELEASE_EDEPLOY (-7)       /* the deployer callback reported failure */
#define RELEASE_ECORRUPT (-8)      /* stored data failed validation */
#define RELEASE_EIO (-9)           /* the storage failed to read or write */
#define RELEASE_ENOSPC (-10)       /* the storage is full */
#define RELEASE_ENOMEM (-11)       /* out of memory */
#define RELEASE_EUNSUPPORTED (-12) /* unknown URI scheme, format or storage version,
				    * or a write to a store opened read-only */
#define RELEASE_ITEROVER (-13)     /* an iterator has no more items (not a failure) */
#define RELEASE_ETIMEDOUT (-14)    /* a wait ended with nothing to report (since 1.4) */

/* Returns a static, never-NULL English description of an error code. */
RELEASE_API const char *release_strerror(int code);

/* "1.3.0": the version of the library actually loaded. Static. */
RELEASE_API const char *release_version_string(void);

typedef struct release_store release_store;
typedef struct release release;
typedef struct release_build release_build;
typedef struct release_app release_app;
typedef struct release_iter release_iter;
typedef struct release_build_iter release_build_iter;
typedef struct release_app_iter release_app_iter;
typedef struct release_events release_events;

/* ---------------------------------------------------------------- store */

/*
 * A clock returns the current time in nanoseconds since the epoch, UTC.
 * A random source fills buf with len unpredictable bytes and returns 0, or a
 * negative RELEASE_E* code. Both are called from the thread using the store.
 */
typedef int64_t (*release_clock_fn)(void *payload);
typedef int (*release_random_fn)(void *payload, unsigned char *buf, size_t len);

/*
 * Options for opening a store. Call release_store_opts_init() first, then set
 * the fields you need: the size field lets a newer library accept an older
 * program's smaller struct (see the conventions above for what is refused).
 */
typedef struct release_store_opts {
	size_t size;                  /* set by release_store_opts_init() */
	release_clock_fn clock;       /* NULL: the system's UTC clock */
	void *clock_payload;
	release_random_fn random;     /* NULL: getrandom(2); ids, lease tokens, diff keys */
	void *random_payload;         /* payloads must outlive the store */
	int64_t lease_ns;             /* promotion lease length; 0: 10 minutes;
				       * negative: RELEASE_EINVAL; a lease that would
				       * end after INT64_MAX ends then */
	/* since 1.4 */
	const char *actor;            /* who writes through this handle (copied):
				       * recorded with every build, release and
				       * deployment; NULL: "<user>@<host>" (see
				       * release_store_set_actor()) */
} release_store_opts;

/* Sets defaults in the first size bytes of opts (size: the caller's
 * sizeof, so an older program's smaller struct is never overrun) and
 * records the size. C programs use the macro, which passes sizeof. */
RELEASE_API void release_store_opts_init_sized(release_store_opts *opts, size_t size);
#define release_store_opts_init(opts) release_store_opts_init_sized((opts), sizeof *(opts))

/*
 * Opens a store by URI. opts may be NULL for the defaults.
 *
 * "file:PATH" is the file store in directory PATH, created (0700) when
 * absent: durable (a call that returned has been fsync'ed), safe for many
 * processes at once, and recovered automatically after a crash. "file:"
 * alone is the default store, $XDG_DATA_HOME/librelease, else
 * $HOME/.local/share/librelease (parents created as needed).
 * "memory:" is a private in-memory store that lives until
 * release_store_close().
 *
 * "file:PATH?mode=ro" ("file:?mode=ro": the default store) opens a file
 * store for reading only: nothing in its directory is created, written or
 * locked, reads see the last published state, and every write fails with
 * RELEASE_EUNSUPPORTED. A store that cannot be written (a read-only mount,
 * no write permission) opens read-only by itself; "?mode=rw" refuses that
 * and fails instead. Read-only, a missing store is RELEASE_ENOTFOUND, and a
 * read that depends on records a crashed writer left to recover fails with
 * RELEASE_EIO until a read-write open recovers them. Options start after
 * the last '?' when the text after it is empty or holds a '=' (a path
 * holding "?x=y" is written with a '?' after it); an unknown one is
 * RELEASE_EINVAL.
 *
 * Returns RELEASE_EUNSUPPORTED for an unknown scheme or a store written in
 * a newer format, RELEASE_ECORRUPT for a directory that is not a store.
 */
RELEASE_API int release_store_open(release_store **out, const char *uri,
				   const release_store_opts *opts);

/* Closes the store and its backend. NULL is allowed. Objects read from the
 * store stay valid; iterators over it must be freed first. */
RELEASE_API void release_store_close(release_store *store);

/*
 * The message of the store's last failed call, e.g. "app 'x': release
 * RABCDEFGHI not found". Valid until the next call on the store. With a NULL
 * store: the message of the last failed release_store_open() or
 * release_store_open_backend() in the calling thread. Never NULL ("" when
 * there is nothing to say), and of the last failed call that takes no
 * store (release_build_export()).
 */
RELEASE_API const char *release_store_errmsg(const release_store *store);

/* ----------------------------------------------------------------- apps */

/* Names: 1-63 of [a-z0-9-], starting and ending with a letter or digit. */
RELEASE_API int release_app_name_valid(const char *name);

/* Creates an app. RELEASE_EEXIST if it exists. out may be NULL. */
RELEASE_API int release_app_create(release_store *store, const char *name, release_app **out);

RELEASE_API int release_app_get(release_store *store, const char *name, release_app **out);

/* Deletes an app with its builds and releases. Its ids are not found
 * afterwards, even if an app of the same name is created again. The app is
 * first marked deleted, which is the commit point: from then on it is gone
 * for every reader and the call succeeds; records whose removal then fails
 * are removed by the next release_app_delete() or release_app_create() of
 * the name. */
RELEASE_API int release_app_delete(release_store *store, const char *name);

/* Iterates over all apps in name order. Each app is read when its step
 * comes, so the state yielded is as of that step. */
RELEASE_API int release_app_list(release_store *store, release_app_iter **out);
/*
 * Sets *out to the next app (borrowed: valid until the next
 * release_app_iter_next() on this iterator or release_app_iter_free());
 * returns 0, RELEASE_ITEROVER at the end, or an error with *out NULL and
 * the item named in release_store_errmsg().
 *
 * The same holds for release_iter_next() and release_build_iter_next():
 * - RELEASE_ECORRUPT: that one item (app, release version, build) cannot
 *   be read. The iterator has moved past it: the next step yields the
 *   following item, so one damaged record does not hide the rest. (Damage
 *   that cannot be narrowed to one item is reported once, then the
 *   iteration ends.) The step counts toward a listing's limit.
 * - Any other error (RELEASE_EIO, RELEASE_ENOMEM…): the iterator has not
 *   moved; the next step tries the same item again, so a caller that goes
 *   on after such an error should expect it to repeat while the storage
 *   is failing.
 */
RELEASE_API int release_app_iter_next(release_app_iter *iter, const release_app **out);
RELEASE_API void release_app_iter_free(release_app_iter *iter);

#define RELEASE_APP_RUNNING 0  /* idle */
#define RELEASE_APP_UPDATING 1 /* a promotion holds an unexpired lease */

RELEASE_API const char *release_app_name(const release_app *app);
RELEASE_API int64_t release_app_created(const release_app *app);
/* Active release id, or NULL when nothing was promoted yet. */
RELEASE_API const char *release_app_active(const release_app *app);
/* The release active before the current one, or NULL. */
RELEASE_API const char *release_app_previous(const release_app *app);
/* RELEASE_APP_RUNNING or RELEASE_APP_UPDATING, as of reading. */
RELEASE_API int release_app_status(const release_app *app);
/* "running" or "updating". Static. */
RELEASE_API const char *release_app_status_name(int status);
/* Owner label and expiry of the live lease; NULL and 0 when running. A
 * promotion on a store whose backend has holds (the file store, PostgreSQL)
 * holds the app for as long as its process lives: its expiry is INT64_MAX. */
RELEASE_API const char *release_app_lease_owner(const release_app *app);
RELEASE_API int64_t release_app_lease_expires(const release_app *app);
/* When the running promotion started (store clock, ns); 0 when running or
 * unknown. Since 1.1. */
RELEASE_API int64_t release_app_lease_started(const release_app *app);
RELEASE_API void release_app_free(release_app *app);

/* --------------------------------------------------------------- builds */

#define RELEASE_BUILD_CREATED 0
#define RELEASE_BUILD_RUNNING 1
#define RELEASE_BUILD_COMPLETE 2
#define RELEASE_BUILD_FAILED 3

/* "created", "running", "complete", "failed"; NULL for an unknown value. */
RELEASE_API const char *release_build_status_name(int status);

typedef struct release_build_opts {
	size_t size;             /* set by release_build_opts_init() */
	const char *description; /* NULL: "" */
	const char *manifest;    /* opaque text; NULL: "" */
	int status;              /* RELEASE_BUILD_*; default CREATED */
	/* Since 1.3: the build's log so far (any bytes; see
	 * release_build_log_append()); NULL: none. */
	const void *log;
	size_t log_len;
} release_build_opts;

/* Sets defaults in the first size bytes of opts (size: the caller's
 * sizeof, so an older program's smaller struct is never overrun) and
 * records the size. C programs use the macro, which passes sizeof. */
RELEASE_API void release_build_opts_init_sized(release_build_opts *opts, size_t size);
#define release_build_opts_init(opts) release_build_opts_init_sized((opts), sizeof *(opts))

/* Creates a build of app, started now (ended too, if created complete or
 * failed). opts may be NULL. out may be NULL. */
RELEASE_API int release_build_create(release_store *store, const char *app,
				     const release_build_opts *opts, release_build **out);

/* Sets a build's status; ended is stamped when it becomes complete or failed.
 * A complete or failed build is final: changing it is RELEASE_EINVAL.
 * out may be NULL. */
RELEASE_API int release_build_set_status(release_store *store, const char *app,
					 const char *build_id, int status, release_build **out);

RELEASE_API int release_build_get(release_store *store, const char *app, const char *build_id,
				  release_build **out);

/* Lists builds newest first. limit 0 means no limit. Steps are as
 * release_app_iter_next() tells. */
RELEASE_API int release_build_list(release_store *store, const char *app, size_t limit,
				   release_build_iter **out);
RELEASE_API int release_build_iter_next(release_build_iter *iter, const release_build **out);
RELEASE_API void release_build_iter_free(release_build_iter *iter);

RELEASE_API const char *release_build_id(const release_build *build);
RELEASE_API const char *release_build_app(const release_build *build);
RELEASE_API const char *release_build_description(const release_build *build);
RELEASE_API const char *release_build_manifest(const release_build *build);
RELEASE_API int release_build_status(const release_build *build);
RELEASE_API int64_t release_build_started(const release_build *build);
/* 0 while not ended. */
RELEASE_API int64_t release_build_ended(const release_build *build);
/* The release made from this build, or NULL. After release_prune() it may
 * name a release that no longer exists. */
RELEASE_API const char *release_build_release(const release_build *build);
RELEASE_API void release_build_free(release_build *build);
/* A copy of build that the caller owns and frees with
 * release_build_free(), for keeping a build an iterator lent: every
 * accessor says of it what it says of build. NULL for NULL, or when out of
 * memory. Since 1.2. */
RELEASE_API release_build *release_build_dup(const release_build *build);

/* ---------------------------------------------------- build logs (1.3) */

/* The longest log a build keeps. */
#define RELEASE_BUILD_LOG_MAX (4u << 20)

/* The build's log: the bytes appended to it, in order (any bytes; also
 * NUL-terminated, for text); "" when it has none. NULL for a build that
 * release_build_list() yielded (or a copy of one) that has a log: listings
 * leave logs out, and release_build_get() reads one; NULL for NULL. len
 * (may be NULL) receives its length (0 when NULL). A librelease before 1.3 that rewrites
 * a build record (setting its status, making a release from it) drops the
 * log, a field it does not know: a store with build logs wants every
 * writer at 1.3 or later. Since 1.3. */
RELEASE_API const char *release_build_log(const release_build *build, size_t *len);

/*
 * Appends len bytes (len 0 appends nothing) to the log of a build that is
 * still created or running; a complete or failed build's log is final
 * (RELEASE_EINVAL). Appends made at once by several writers are all kept,
 * each whole, in some order. A log that would grow past
 * RELEASE_BUILD_LOG_MAX is RELEASE_EINVAL and nothing is appended. Each
 * append rewrites the build record, so a builder appends in batches (a
 * second's worth of lines, say), not line by line. out (may be NULL)
 * receives the build as written. Since 1.3.
 */
RELEASE_API int release_build_log_append(release_store *store, const char *app,
					 const char *build_id, const void *data, size_t len,
					 release_build **out);

/* ------------------------------------------- build export, import (1.3) */

/*
 * Serialises a complete build (a build of any other status, or one a
 * listing yielded without its log, is RELEASE_EINVAL) for
 * release_build_import() into another app or another store: its
 * description, manifest, log, start and end, in a self-checking format
 * that names its version. *out (freed with
 * release_export_free()) holds *len bytes. Needs no store: a failure's
 * message is in release_store_errmsg(NULL). Since 1.3.
 */
RELEASE_API int release_build_export(const release_build *build, size_t *len, char **out);
RELEASE_API void release_export_free(char *data);

/*
 * Makes a new build of app (a new id, status complete) from what
 * release_build_export() wrote, keeping the build's description, manifest,
 * log, start and end, and creates its release as release_create() does (not
 * promoted); on a version-2 backend both are one commit. Bytes that are
 * truncated or altered are RELEASE_ECORRUPT; a format newer than this
 * library knows is RELEASE_EUNSUPPORTED; either way nothing is written. out
 * (may be NULL) receives the new build; release_build_release() names its
 * release. Since 1.3.
 */
RELEASE_API int release_build_import(release_store *store, const char *app, const void *data,
				     size_t len, release_build **out);

/* ------------------------------------------------------------- releases */

/*
 * Creates a release from a complete build: the build's id, manifest and
 * description, and the env of the app's newest release. The build records it
 * as its release. It is not promoted. out may be NULL.
 */
RELEASE_API int release_create(release_store *store, const char *app, const char *build_id,
			       release **out);

/*
 * Creates a release from the newest one with env changed: pairs are n
 * "KEY=VALUE" strings (keys [A-Za-z_][A-Za-z0-9_]*; the value may be empty).
 * The description lists the change as "env add:K change:K remove:K". When
 * nothing changes, no release is written and *out is set to NULL with 0
 * returned. Concurrent changes are never lost: each is applied on top of the
 * newest release. out may be NULL.
 */
RELEASE_API int release_env_set(release_store *store, const char *app,
				const char *const *pairs, size_t n, release **out);

/* As release_env_set(), removing the n keys (absent keys are ignored). */
RELEASE_API int release_env_unset(release_store *store, const char *app,
				  const char *const *keys, size_t n, release **out);

/*
 * Completes a build and makes its release, once: a build still created or
 * running becomes complete (ended stamped) and gets its release, made as
 * release_create() makes it (not promoted), in one commit on a
 * version-2 backend. A build already complete that has its release is left
 * as it is and *out is the release it names (the one made then, or one
 * made from the build since: release_build_release() tells; and
 * RELEASE_ENOTFOUND when that was pruned), so a retry or a second caller at
 * the same time never makes a second release; a complete build without one
 * gets it. A failed build is RELEASE_EINVAL. On a version-1 backend the
 * status and the release are two writes, and two callers at once, or a
 * retry after a crash between the writes, may each make a release. out may
 * be NULL. Since 1.3.
 */
RELEASE_API int release_build_complete(release_store *store, const char *app,
				       const char *build_id, release **out);

/* Reads a release of app by id. Another app's id is RELEASE_ENOTFOUND. */
RELEASE_API int release_get(release_store *store, const char *app, const char *id,
			    release **out);

/* Reads a release of app by version. 0 and UINT64_MAX, never a version,
 * are RELEASE_EINVAL; a version the app has no release of (never written,
 * or pruned) is RELEASE_ENOTFOUND. */
RELEASE_API int release_get_version(release_store *store, const char *app, uint64_t version,
				    release **out);

/*
 * Reads app's active release: the release the app's active pointer named at
 * one moment during the call, with release_is_active() 1 and
 * release_promoted() the time it became active. Reads that met a
 * promotion, rollback, prune or deletion of the app in progress are done
 * again, so the answer is never part before and part after a write. An
 * app with no active release is RELEASE_ENOTFOUND ("app 'x' has no active
 * release"); an unknown app is RELEASE_ENOTFOUND as for release_get(). When
 * writers change the app between the reads of 1000 attempts in a row,
 * RELEASE_ECONFLICT. Since 1.2.
 */
RELEASE_API int release_get_active(release_store *store, const char *app, release **out);

typedef struct release_list_opts {
	size_t size;     /* set by release_list_opts_init() */
	size_t limit;    /* most releases to yield; 0: no limit */
	uint64_t before; /* only versions below this; 0: from the newest */
} release_list_opts;

/* Sets defaults in the first size bytes of opts (size: the caller's
 * sizeof, so an older program's smaller struct is never overrun) and
 * records the size. C programs use the macro, which passes sizeof. */
RELEASE_API void release_list_opts_init_sized(release_list_opts *opts, size_t size);
#define release_list_opts_init(opts) release_list_opts_init_sized((opts), sizeof *(opts))

/*
 * Iterates over an app's releases newest first (highest version first).
 * Pages are read lazily, so the cost of each step does not depend on the
 * length of history. To page, pass the last version seen as the next call's
 * before. opts may be NULL (all releases).
 */
RELEASE_API int release_list(release_store *store, const char *app,
			     const release_list_opts *opts, release_iter **out);
/* Sets *out to the next release (borrowed: valid until the next
 * release_iter_next() on this iterator or release_iter_free()); returns 0,
 * RELEASE_ITEROVER at the end, or an error as release_app_iter_next()
 * tells: RELEASE_ECORRUPT for a release that cannot be read, whose version
 * the message names, and the next step goes on below it. */
RELEASE_API int release_iter_next(release_iter *iter, const release **out);
RELEASE_API void release_iter_free(release_iter *iter);

RELEASE_API const char *release_id(const release *r);
RELEASE_API const char *release_app_of(const release *r);
RELEASE_API uint64_t release_version(const release *r);
/* Build id, or NULL for a release made by env changes before any build. */
RELEASE_API const char *release_build_of(const release *r);
RELEASE_API const char *release_manifest(const release *r);
RELEASE_API const char *release_description(const release *r);
RELEASE_API int64_t release_created(const release *r);
/* The release this one was copied from by a rollback, or NULL. After
 * release_prune() it may name a release that no longer exists. */
RELEASE_API const char *release_source(const release *r);
/* When it last became active; 0 if never. */
RELEASE_API int64_t release_promoted(const release *r);
/* When its promotion last failed; 0 if never. */
RELEASE_API int64_t release_failed(const release *r);
/* 1 if it was the app's active release when read, else 0. */
RELEASE_API int release_is_active(const release *r);
RELEASE_API size_t release_env_count(const release *r);
/* The i-th pair in key order; NULL when i is out of range. */
RELEASE_API const char *release_env_key(const release *r, size_t i);
RELEASE_API const char *release_env_value(const release *r, size_t i);
/* The value of key, or NULL when unset. */
RELEASE_API const char *release_env_get(const release *r, const char *key);
RELEASE_API void release_free(release *r);
/* A copy of r that the caller owns and frees with release_free(), for
 * keeping a release an iterator or a deployer lent: every accessor says of
 * it what it says of r, release_is_active() included. NULL for NULL, or
 * when out of memory. Since 1.2. */
RELEASE_API release *release_dup(const release *r);

/* ----------------------------------------------------- promote, rollback */

/*
 * An event sink receives what happens during a promotion: the library's own
 * state changes (source "librelease", e.g. "app Status: running =>
 * updating") and whatever the deployer reports. Strings are borrowed for the
 * call.
 */
typedef void (*release_event_fn)(void *payload, int64_t time, const char *source,
				 const char *message);

/* Reports an event from inside a deployer; time is the store's clock.
 * Returns RELEASE_EINVAL for NULL arguments. */
RELEASE_API int release_events_emit(release_events *events, const char *source,
				    const char *message);

/*
 * Keeps the promotion's lease alive from inside a long deployer: on a
 * backend without holds the lease record is extended by the store's
 * lease_ns (release_events_emit() does so too once half of it has passed).
 * With holds, which last as long as the promoting process, it does nothing.
 * 0; RELEASE_EBUSY when a forced promotion took the lease over; a storage
 * error. Since 1.1.
 */
RELEASE_API int release_events_keepalive(release_events *events);

/*
 * A deployer does the real work of making r live (kubectl, systemctl, a
 * symlink swap…), reporting progress through events. It returns 0 on success;
 * anything else fails the promotion. r and events are borrowed for the call.
 * It must not use the store handle it was called from.
 */
typedef int (*release_deploy_fn)(void *payload, const release *r, release_events *events);

#define RELEASE_PROMOTE_FORCE 1 /* take a live lease; allow an older release */
/* Promote id only if it is still pending: never deployed. Checked once
 * the lease is held: a release that was deployed already — it is the
 * active release, or its promotion failed, or it was active and a forced
 * promotion moved away from it — is RELEASE_EEXIST, with no deployer run,
 * no event, nothing written; the message says which. For agents that
 * promote what they found pending: two of them never both deploy one
 * release while the lease holds. RELEASE_PROMOTE_FORCE does not override
 * it, but a forced promotion that goes on without another's hold, or takes
 * another's live lease, checks unprotected; on a backend without holds, a
 * deployer that outlives lease_ns without keepalive loses the lease to the
 * next promoter. No effect on release_rollback(), whose copy is new.
 * (Without it, promoting the active release runs the deployer again.)
 * Since 1.5; a library before 1.5 refuses it with RELEASE_EINVAL. */
#define RELEASE_PROMOTE_IF_PENDING 2
/* Other bits of flags are RELEASE_EINVAL. */

typedef struct release_promote_opts {
	size_t size;               /* set by release_promote_opts_init() */
	unsigned int flags;        /* RELEASE_PROMOTE_* */
	release_deploy_fn deploy;  /* NULL: only the active pointer moves */
	void *deploy_payload;
	release_event_fn on_event; /* NULL: events are dropped */
	void *event_payload;
	const char *owner;         /* lease owner label; NULL: "pid <pid> on <host>" */
	int64_t wait_ns;           /* wait up to this long for a busy app; 0: fail at once;
				    * negative: RELEASE_EINVAL; INT64_MAX: as long
				    * as it takes */
} release_promote_opts;

/* Sets defaults in the first size bytes of opts (size: the caller's
 * sizeof, so an older program's smaller struct is never overrun) and
 * records the size. C programs use the macro, which passes sizeof. */
RELEASE_API void release_promote_opts_init_sized(release_promote_opts *opts, size_t size);
#define release_promote_opts_init(opts) release_promote_opts_init_sized((opts), sizeof *(opts))

/*
 * Makes release id the app's active release: takes the app's lease (a live
 * lease held by another promotion is RELEASE_EBUSY; an expired one is taken
 * over, and a wait_ns option waits for a busy app), runs the deployer, then
 * moves the active pointer by compare-and-swap against its value before the
 * deployer ran (a promotion forced meanwhile makes this one RELEASE_ECONFLICT).
 * On a backend with holds (storage version 2: the file store, PostgreSQL)
 * the lease is a hold that ends when the promoting process does, so a
 * crashed promoter never blocks the app; there, a forced promotion goes on
 * without the hold when another process has it. Elsewhere the lease is a
 * record that expires after the store's lease_ns: a long deployer keeps it
 * with release_events_keepalive() or by emitting events.
 * On a version-2 backend the pointer, the release's promoted time and the
 * lease's end are written in one commit.
 * Promoting a release older than the active one is RELEASE_EOLDER; one
 * deployed already, RELEASE_EEXIST with RELEASE_PROMOTE_IF_PENDING (only
 * then: a storage answering RELEASE_EEXIST fails the call, and
 * release_rollback()'s, with RELEASE_EIO).
 * When the deployer fails the previous release stays active, id is marked
 * failed and RELEASE_EDEPLOY is returned. RELEASE_PROMOTE_FORCE overrides
 * RELEASE_EBUSY (it takes a live lease) and RELEASE_EOLDER, never a
 * deployer's failure. opts may be NULL.
 * The pointer's swap is the commit point: once it moved the promotion
 * returns 0. If the storage fails the swap and reading the pointer back
 * fails too, whether id became active is unknown: the error says so, and
 * release_app_get() tells once the storage answers.
 */
RELEASE_API int release_promote(release_store *store, const char *app, const char *id,
				const release_promote_opts *opts);

/*
 * Rolls app back to release target: writes a new release copying target's
 * build, env, manifest and description, recording target as its source, and
 * promotes it as release_promote() does. target NULL means the release that
 * was active before the current one. An unknown target, or one of another
 * app, is RELEASE_ENOTFOUND and nothing is written. On success *out is the new
 * release; when the promotion fails the new release stays, marked failed,
 * *out is NULL, and the copy (the app's newest release) is named in
 * release_store_errmsg(). A copy that may have become active (the swap's
 * outcome unknown, as release_promote() tells) is not marked failed. A busy
 * app is RELEASE_EBUSY with nothing written. out may be NULL.
 */
RELEASE_API int release_rollback(release_store *store, const char *app, const char *target,
				 const release_promote_opts *opts, release **out);

/*
 * As release_rollback(), and *out (which must not be NULL) is the copy
 * whenever one was written, also when the call fails after writing it: on
 * RELEASE_EDEPLOY the copy marked failed (release_failed() non-zero), on a
 * conflict or a storage failure after the copy the copy as stored (read
 * again; as written when that read fails too). *out is NULL when no copy
 * was written, or when writing it failed with an outcome the storage could
 * not tell (then the app's newest release says). out NULL is
 * RELEASE_EINVAL. Since 1.3.
 */
RELEASE_API int release_rollback_copy(release_store *store, const char *app, const char *target,
				      const release_promote_opts *opts, release **out);

/*
 * Bounds history: keeps the active release, every release newer than it, the
 * release active before it, and the keep newest releases older than it;
 * deletes the rest, oldest first, with the builds no kept release refers to
 * (builds without a release yet are kept). Without an active release nothing
 * is deleted. removed (may be NULL) receives the number of releases deleted.
 * A release made meanwhile from an old build (a rollback, release_create(),
 * release_create_from(), release_env_change() on a base) keeps its build:
 * on a version-2 backend that write and the prune's commits check each
 * other; on a version-1 backend, which has no commits, such a release can
 * be left naming a build the prune deleted.
 */
RELEASE_API int release_prune(release_store *store, const char *app, size_t keep,
			      size_t *removed);

/* ---------------------------------------- creating from releases (1.3) */

typedef struct release_create_opts {
	size_t size;            /* set by release_create_opts_init() */
	const char *build_from; /* the release whose build and manifest the new
				 * release takes; NULL: the active release */
	const char *env_from;   /* the release whose env it takes; NULL: the
				 * active release */
} release_create_opts;

/* Sets defaults in the first size bytes of opts and records the size. */
RELEASE_API void release_create_opts_init_sized(release_create_opts *opts, size_t size);
#define release_create_opts_init(opts) release_create_opts_init_sized((opts), sizeof *(opts))

/*
 * Creates a release of app from two releases of it (build once, deploy
 * many): the build and manifest of build_from and its build's description
 * (build_from's own when it has no build), the env of env_from. It is not
 * promoted. An unknown release, or one of another app, is
 * RELEASE_ENOTFOUND; a source left NULL on an app without an active
 * release is RELEASE_ENOTFOUND ("app 'x' has no active release"), and so
 * is a build_from whose build was pruned; nothing is written then. The
 * build records the new release as its release, in the same commit on a
 * version-2 backend. opts may be NULL (both from the active release). out
 * may be NULL. Since 1.3.
 */
RELEASE_API int release_create_from(release_store *store, const char *app,
				    const release_create_opts *opts, release **out);

/* ------------------------------------------------- env changes (1.3) */

#define RELEASE_ENV_REPLACE 1 /* the env becomes exactly the pairs set */
/* Other bits of flags are RELEASE_EINVAL. */

typedef struct release_env_opts {
	size_t size;              /* set by release_env_opts_init() */
	const char *base;         /* the release whose env is changed: the new
				   * release copies its build, manifest and env;
				   * NULL: the newest release, as release_env_set() */
	unsigned int flags;       /* RELEASE_ENV_* */
	const char *const *set;   /* set_n "KEY=VALUE" pairs to set */
	size_t set_n;
	const char *const *unset; /* unset_n keys to remove (absent: ignored) */
	size_t unset_n;
} release_env_opts;

/* Sets defaults in the first size bytes of opts and records the size. */
RELEASE_API void release_env_opts_init_sized(release_env_opts *opts, size_t size);
#define release_env_opts_init(opts) release_env_opts_init_sized((opts), sizeof *(opts))

/*
 * Creates a release from base with env changed, as release_env_set() and
 * release_env_unset() do, in one release: keys to set and keys to unset
 * (a key in both, or twice with different values, is RELEASE_EINVAL), or,
 * with RELEASE_ENV_REPLACE, exactly the pairs set (unset must be empty).
 * The description lists the change against base ("env add:K change:K
 * remove:K"). A base given by id is changed as it is, whatever came after
 * it (the way past a newest release that holds a change that failed), and
 * its build records the new release as its release (in the same commit on
 * a version-2 backend); an unknown base, one of another app, or one whose
 * build was pruned is RELEASE_ENOTFOUND. When nothing
 * changes, nothing is written: 0 with *out NULL. out may be NULL.
 * Since 1.3.
 */
RELEASE_API int release_env_change(release_store *store, const char *app,
				   const release_env_opts *opts, release **out);

/* --------------------------------------------- per-app settings (1.3) */

/*
 * An app's settings are kept with the app, apart from its releases:
 * changing them creates and promotes nothing, and deleting the app deletes
 * them. They hold the env keys a frontend masks when it shows values (the
 * mask list), and the deploy hook a frontend runs to promote the app (a
 * command, which the library stores but never runs).
 */
typedef struct release_settings release_settings;

#define RELEASE_MASK_MAX 500 /* most keys in a mask list */

/* Reads app's settings (an app that never set any has an empty mask list,
 * no hook and revision 1). */
RELEASE_API int release_settings_get(release_store *store, const char *app,
				     release_settings **out);
/* 1 for settings never changed; grows by one with every change: what
 * release_settings_opts.revision compares. Never 0. */
RELEASE_API uint64_t release_settings_revision(const release_settings *s);
RELEASE_API size_t release_settings_mask_count(const release_settings *s);
/* The i-th masked key in byte order; NULL when i is out of range. */
RELEASE_API const char *release_settings_mask_key(const release_settings *s, size_t i);
/* 1 if key is in the mask list, else 0. */
RELEASE_API int release_settings_masked(const release_settings *s, const char *key);
/* The deploy hook, or NULL when there is none. */
RELEASE_API const char *release_settings_hook(const release_settings *s);
RELEASE_API void release_settings_free(release_settings *s);

#define RELEASE_SETTINGS_RESET 1 /* start from no settings, whatever is stored
				  * (a damaged record too), then apply the change */
/* Other bits of flags are RELEASE_EINVAL. */

typedef struct release_settings_opts {
	size_t size;                    /* set by release_settings_opts_init() */
	const char *const *mask_add;    /* env keys to mask (already masked: kept) */
	size_t mask_add_n;
	const char *const *mask_remove; /* keys to unmask (not masked: ignored) */
	size_t mask_remove_n;
	const char *hook;               /* the new deploy hook (1 to 65536 bytes of
					 * text); NULL: unchanged */
	int clear_hook;                 /* 1: no deploy hook any more */
	uint64_t revision;              /* non-zero: change only settings at this
					 * revision, else RELEASE_ECONFLICT */
	unsigned int flags;             /* RELEASE_SETTINGS_* */
} release_settings_opts;

/* Sets defaults in the first size bytes of opts and records the size. */
RELEASE_API void release_settings_opts_init_sized(release_settings_opts *opts, size_t size);
#define release_settings_opts_init(opts) release_settings_opts_init_sized((opts), sizeof *(opts))

/*
 * Changes app's settings by compare-and-swap: with revision 0 the change is
 * applied on top of whatever another writer did meanwhile (two writers'
 * mask keys are both kept); with a revision, only on those settings. A key
 * that is not a valid env key, a key in both lists, a mask list that would
 * pass RELEASE_MASK_MAX keys, or both hook and clear_hook is RELEASE_EINVAL.
 * A change that changes nothing writes nothing. A stored record that fails
 * validation is RELEASE_ECORRUPT, for reads and changes alike, until a
 * change with RELEASE_SETTINGS_RESET replaces it (that change writes even
 * when it adds nothing; its revision goes on from the stored one when that
 * can be read, in a damaged record too). out (may be NULL) receives the settings as they are after the
 * call. Since 1.3.
 */
RELEASE_API int release_settings_update(release_store *store, const char *app,
					const release_settings_opts *opts,
					release_settings **out);

/* -------------------------------------------------------- actors (1.4) */

#define RELEASE_ACTOR_MAX 256 /* longest actor, in bytes */

/*
 * Sets who writes through store from now on: recorded with every build,
 * release, deployment, app and settings change the handle writes
 * (release_actor(), release_build_actor(), release_deploy_actor(),
 * release_app_actor(), release_settings_actor()). An actor is 1 to
 * RELEASE_ACTOR_MAX bytes of UTF-8 without control or format characters
 * (bidi controls, zero-width characters, line separators), not beginning
 * or ending with a space; anything else is RELEASE_EINVAL and keeps the
 * actor as it was. NULL restores the
 * default: "<login name>@<host name>" of the calling process ("uid <n>@<host>"
 * when the user has no name). A server acting for many users sets it before
 * each call. Since 1.4.
 */
RELEASE_API int release_store_set_actor(release_store *store, const char *actor);
/* The actor the handle records now (borrowed until the next set). */
RELEASE_API const char *release_store_actor(const release_store *store);
/* Who made the release or build, created the app, or changed the
 * settings last; NULL when it was written by a librelease before 1.4
 * (which also drops the actor of a record it rewrites, as when it stamps a
 * release promoted). Since 1.4. */
RELEASE_API const char *release_actor(const release *r);
RELEASE_API const char *release_build_actor(const release_build *build);
RELEASE_API const char *release_app_actor(const release_app *app);
RELEASE_API const char *release_settings_actor(const release_settings *s);

/* --------------------------------------------- the deployment log (1.4) */

/*
 * Every promotion, rollback and failed promotion adds an entry to its app's
 * deployment log, in the same commit as the promotion itself on a backend
 * with commits (storage version 2 and later): the log never says something
 * happened that did not, nor misses what did. Entries are numbered from 1
 * (their seq), are never changed, and outlive the releases they name
 * (release_prune() keeps the log; release_app_delete() deletes it).
 * A backend older than storage version 3 keeps no log: the calls below
 * are RELEASE_EUNSUPPORTED there and promotions go on without one. On a
 * backend of version 3 without commits the entry is written after the
 * promotion, alone: a crash between them loses the entry, and a forced
 * promotion between them can order the log unlike the promotions.
 * A refused promotion (RELEASE_EBUSY, RELEASE_EOLDER, a conflict before
 * the deployer ran) writes no entry, nor does a promotion whose deployer
 * succeeded but whose pointer was moved meanwhile by a forced one
 * (RELEASE_ECONFLICT: the forced promotion has the entry).
 */
typedef struct release_deploy release_deploy;
typedef struct release_deploy_iter release_deploy_iter;

#define RELEASE_DEPLOY_PROMOTE 0  /* release_promote() */
#define RELEASE_DEPLOY_ROLLBACK 1 /* release_rollback(): to is the copy */

/*
 * Iterates over app's deployment log newest first. opts as for
 * release_list(): limit, and before (a seq) to page. Steps as
 * release_iter_next() (a damaged entry is RELEASE_ECORRUPT and the next
 * step goes on below it). Since 1.4.
 */
RELEASE_API int release_deploy_list(release_store *store, const char *app,
				    const release_list_opts *opts, release_deploy_iter **out);
RELEASE_API int release_deploy_iter_next(release_deploy_iter *iter, const release_deploy **out);
RELEASE_API void release_deploy_iter_free(release_deploy_iter *iter);

/*
 * What was live at time t: the newest successful entry made at or before
 * t. RELEASE_ENOTFOUND when nothing had been promoted by then. A damaged
 * entry newer than the answer is RELEASE_ECORRUPT (what was live may be
 * in it). Since 1.4.
 */
RELEASE_API int release_deploy_at(release_store *store, const char *app, int64_t t,
				  release_deploy **out);

RELEASE_API const char *release_deploy_app(const release_deploy *d);
RELEASE_API uint64_t release_deploy_seq(const release_deploy *d);
RELEASE_API int release_deploy_kind(const release_deploy *d); /* RELEASE_DEPLOY_* */
/* 0 when it succeeded; else the deployer's non-zero return */
RELEASE_API int release_deploy_failed(const release_deploy *d);
RELEASE_API int release_deploy_forced(const release_deploy *d); /* RELEASE_PROMOTE_FORCE used */
/* The release active before (NULL: none) and the one promoted */
RELEASE_API const char *release_deploy_from(const release_deploy *d);
RELEASE_API uint64_t release_deploy_from_version(const release_deploy *d);
RELEASE_API const char *release_deploy_to(const release_deploy *d);
RELEASE_API uint64_t release_deploy_to_version(const release_deploy *d);
/* A rollback's target (the release copied); NULL for a promotion */
RELEASE_API const char *release_deploy_target(const release_deploy *d);
RELEASE_API const char *release_deploy_actor(const release_deploy *d);
/* When the promotion began (its lease taken) and ended (its commit: for a
 * success, when to became active, release_promoted(); for a failure,
 * release_failed()) */
RELEASE_API int64_t release_deploy_started(const release_deploy *d);
RELEASE_API int64_t release_deploy_ended(const release_deploy *d);
/* When to stopped being live: the end of the next successful entry; 0
 * while it is live, and for a failed entry. */
RELEASE_API int64_t release_deploy_until(const release_deploy *d);
RELEASE_API release_deploy *release_deploy_dup(const release_deploy *d);
RELEASE_API void release_deploy_free(release_deploy *d);

/* ------------------------------------------------------------ diff (1.4) */

typedef struct release_diff release_diff;

#define RELEASE_DIFF_REVEAL 1 /* show the values of masked keys */

#define RELEASE_DIFF_ADDED 1
#define RELEASE_DIFF_REMOVED 2
#define RELEASE_DIFF_CHANGED 3

/*
 * What changed from release from to release to (ids of app; from NULL: the
 * release before to, by version; to NULL: the active release): env keys
 * added, removed and changed (sorted by key), the build, description and
 * manifest. Values of keys the app's settings mask (release_settings_masked())
 * are NULL unless flags has RELEASE_DIFF_REVEAL; whether they changed is
 * still told; when the mask list cannot be read (a damaged settings
 * record) every value is hidden, unless flags has RELEASE_DIFF_REVEAL. When to is the app's first release, from
 * is nothing: every key is added, the old build and release_diff_from()
 * are NULL and the manifest diff starts "--- /dev/null". Other flag bits
 * are RELEASE_EINVAL. Since 1.4.
 */
RELEASE_API int release_diff_get(release_store *store, const char *app, const char *from,
				 const char *to, unsigned int flags, release_diff **out);
RELEASE_API const char *release_diff_from(const release_diff *d); /* release ids compared */
RELEASE_API const char *release_diff_to(const release_diff *d);
RELEASE_API size_t release_diff_env_count(const release_diff *d);
/* i < release_diff_env_count(); NULL/0 beyond */
RELEASE_API const char *release_diff_env_key(const release_diff *d, size_t i);
RELEASE_API int release_diff_env_change(const release_diff *d, size_t i); /* RELEASE_DIFF_* */
RELEASE_API int release_diff_env_masked(const release_diff *d, size_t i);
/* the value in from (NULL when added or hidden) and in to (NULL when removed or hidden) */
RELEASE_API const char *release_diff_env_old(const release_diff *d, size_t i);
RELEASE_API const char *release_diff_env_new(const release_diff *d, size_t i);
/* the builds of from and to (equal when the build did not change) */
RELEASE_API const char *release_diff_build_old(const release_diff *d);
RELEASE_API const char *release_diff_build_new(const release_diff *d);
RELEASE_API int release_diff_description_changed(const release_diff *d);
/*
 * The manifests' difference as a unified diff of lines ("--- FROM\n+++ TO\n"
 * then hunks with 3 lines of context, as diff -u writes them, "\ No newline
 * at end of file" included); "" when they are equal. Manifests too
 * different to compare within bounded work give one hunk replacing the
 * lines between their common first and last lines.
 */
RELEASE_API const char *release_diff_manifest(const release_diff *d);
RELEASE_API void release_diff_free(release_diff *d);

/* ------------------------------------------------------- waiting (1.4) */

typedef struct release_watch release_watch;

/*
 * Watches app for change: a new release (and so an env change), a
 * promotion, a rollback, a failed promotion (on a backend with a
 * deployment log), the app's creation and deletion; nothing else (a build,
 * a prune, a refused promotion) is a change. What is
 * there when the watch opens is its baseline; each change reported
 * becomes the next. The watch uses store (which must outlive it) under
 * the store's one-thread-at-a-time rule. An app that does not exist yet
 * can be watched (its creation is a change). Since 1.4.
 */
RELEASE_API int release_watch_open(release_store *store, const char *app, release_watch **out);
/*
 * Waits up to timeout_ns (0: only look; INT64_MAX: as long as it takes;
 * negative: RELEASE_EINVAL) for a change since the baseline: 0 when there
 * is one (the accessors below then tell the new state), RELEASE_ETIMEDOUT
 * when none came in time. The file store wakes at once through the
 * kernel's file notifications, PostgreSQL through LISTEN/NOTIFY; other
 * backends are polled (every 100 ms at most).
 */
RELEASE_API int release_watch_wait(release_watch *w, int64_t timeout_ns);
/* The state last seen: the newest release's version (0: none), the
 * active release (NULL: none), the newest deployment log entry (0: none),
 * whether the app exists. */
RELEASE_API uint64_t release_watch_newest(const release_watch *w);
RELEASE_API const char *release_watch_active(const release_watch *w);
RELEASE_API uint64_t release_watch_deploy(const release_watch *w);
RELEASE_API int release_watch_exists(const release_watch *w);
RELEASE_API void release_watch_free(release_watch *w);

/* ------------------------------------------------ copying a store (1.4) */

#define RELEASE_COPY_MIRROR 1 /* make dst's apps exactly src's, replacing and
			       * deleting what dst changed since an earlier copy */

typedef struct release_copy_opts {
	size_t size;     /* set by release_copy_opts_init() */
	const char *app; /* only this app; NULL: every app */
	unsigned int flags; /* RELEASE_COPY_*; other bits: RELEASE_EINVAL */
	/* called after each app is copied whole, with the records written or
	 * deleted for it (may be NULL); a non-zero return stops the copy */
	int (*progress)(void *payload, const char *app, uint64_t records);
	void *progress_payload;
} release_copy_opts;

/* Sets defaults in the first size bytes of opts and records the size. */
RELEASE_API void release_copy_opts_init_sized(release_copy_opts *opts, size_t size);
#define release_copy_opts_init(opts) release_copy_opts_init_sized((opts), sizeof *(opts))

/*
 * Copies apps from src to dst exactly: every build, release and deployment
 * log entry with its id, version, times, source, failure, actor, manifest
 * and log, the settings, the active and the previous release. Records are
 * copied as stored, so both stores read the same. An app appears in dst
 * only once its records are all there (its app record is written last).
 * A copy that was interrupted is resumed by running it again: records
 * already in dst and equal are skipped, so nothing is duplicated. An app
 * copied whole before is brought up to date with what src added since;
 * but where dst's copy differs from src (a record src changed or deleted
 * since, or dst was written to: a release made there after moving to it)
 * that app is RELEASE_ECONFLICT and nothing of dst's is replaced or
 * deleted, unless flags has RELEASE_COPY_MIRROR, which makes dst's app
 * exactly src's. An app only dst has is always left alone. Two handles on
 * one file store are RELEASE_EINVAL. An app in
 * dst that is another app of the same name (created separately, or
 * deleted and created again in src since the last copy) is
 * RELEASE_EEXIST and is left alone; the other apps are still copied and
 * the first error is returned. Copying from or to a
 * backend older than storage version 3 leaves the log out. copied (may be
 * NULL) receives the number of records written or deleted in dst. src is only read; copy
 * from a store nobody writes meanwhile for a snapshot of one moment.
 * Failures are told in release_store_errmsg(dst). Unlike other writes, a
 * copy that fails may have written part of its work, whatever the code:
 * dst's apps stay whole for every reader (an app being copied is a
 * tombstone to them, which release_app_create() clears away), and running
 * the copy again finishes it. src and dst the same handle is
 * RELEASE_EINVAL. A progress callback that returns non-zero
 * stops the copy after that app: the call returns the first app's error
 * if one failed before, else the callback's value. Since 1.4.
 */
RELEASE_API int release_store_copy(release_store *src, release_store *dst,
				   const release_copy_opts *opts, uint64_t *copied);

#ifdef __cplusplus
}
#endif

#endif
