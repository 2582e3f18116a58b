/*
 * librelease storage backends — the implementer's API.
 *
 * A backend stores opaque records and knows nothing of releases: the core
 * encodes, validates and keeps every invariant. A record lives under
 * (app, kind, key) and carries bytes; records of the ordered kinds also carry
 * a sequence number seq >= 1, unique within (app, kind), by which they are
 * scanned newest (highest seq) first. RELEASE_KIND_META records are small
 * per-app pointers (the app itself, its active release, its lease) changed by
 * compare-and-swap; their seq is 0.
 *
 * App names given to a backend are already valid (see
 * release_app_name_valid()); keys are 1-64 bytes of [A-Za-z0-9_.-].
 *
 * Every method returns 0 or a negative RELEASE_E* code. Record callbacks
 * receive borrowed bytes valid only during the call; when a callback returns
 * non-zero the backend stops and returns that value.
 *
 * A write method that fails with RELEASE_ECONFLICT, RELEASE_ENOTFOUND or
 * RELEASE_EINVAL must have written nothing. Any other failure leaves the
 * outcome open: the core reads the record back and, if the write took
 * effect, goes on as if it had been acknowledged. So a backend may report a
 * failure it met after its commit point, but should not (what it does then
 * is maintenance, best done quietly). RELEASE_ECORRUPT from a read names
 * damage: the core reports the record and, when listing, goes on past it.
 *
 * The core does not trust what a backend serves: a record of another app
 * or version, a scan beyond its limit or out of order, and malformed bytes
 * are refused as RELEASE_ECORRUPT.
 *
 * Version 2 adds commit(), which makes each public write one atomic,
 * durable step, and holds, which end with their holder's process. A
 * backend of either version works; the core falls back to version 1's
 * one-record protocol when a method is missing.
 *
 * Version 3 adds the deployment log, records of the ordered kind
 * RELEASE_KIND_DEPLOY, which a backend of version 3 stores as it stores
 * builds and releases (the core writes none to an older backend), and
 * wait(), which lets a caller sleep until an app's records change.
 *
 * Rules of evolution: the struct only grows at its end. version says which
 * methods a backend knows; the core calls a method of a later version only
 * after checking version, and an optional method only after checking it is
 * not NULL, falling back when it is.
 */
#ifndef LIBRELEASE_STORAGE_H
#define LIBRELEASE_STORAGE_H

#include <librelease/release.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RELEASE_STORAGE_VERSION 3

/* The operations of a commit (version 2). */
#define RELEASE_OP_PUT 1   /* as put(): a new record; RELEASE_ECONFLICT if taken */
#define RELEASE_OP_CAS 2   /* as cas(), on any kind; data NULL deletes */
#define RELEASE_OP_DEL 3   /* as del(): RELEASE_ENOTFOUND if absent */
#define RELEASE_OP_CHECK 4 /* writes nothing: the record's bytes equal old
			    * (old NULL: the record is absent), else
			    * RELEASE_ECONFLICT */

#define RELEASE_COMMIT_MAX 256    /* most operations in one commit */
#define RELEASE_HOLD_INFO_MAX 512 /* longest info a hold shows others */

#define RELEASE_KIND_META 1    /* unordered per-app pointers, seq 0 */
#define RELEASE_KIND_BUILD 2   /* ordered by seq */
#define RELEASE_KIND_RELEASE 3 /* ordered by seq (the release version) */
#define RELEASE_KIND_DEPLOY 4  /* ordered by seq: the deployment log (version 3);
				* key: the seq in decimal */

typedef int (*release_record_fn)(void *payload, uint64_t seq, const char *key,
				 const void *data, size_t len);
typedef int (*release_name_fn)(void *payload, const char *app);

/* One operation of a commit, on a record of the commit's app. */
typedef struct release_storage_op {
	int op;           /* RELEASE_OP_* */
	int kind;         /* RELEASE_KIND_* */
	const char *key;  /* the record's key */
	uint64_t seq;     /* PUT of an ordered kind: its seq; else 0 */
	const void *old;  /* CAS, CHECK: the bytes expected (NULL: absent) */
	size_t old_len;
	const void *data; /* PUT, CAS: the new bytes (CAS: NULL deletes) */
	size_t len;
} release_storage_op;

typedef struct release_storage {
	int version; /* RELEASE_STORAGE_VERSION the backend was written for */

	/* ---- version 1, mandatory ---- */

	/* Frees ctx. Called once, by release_store_close(). */
	void (*close)(void *ctx);

	/* Stores a new record. RELEASE_ECONFLICT if (app, kind, key) exists or,
	 * for an ordered kind, seq is taken. Durable on return if the backend
	 * is durable. */
	int (*put)(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		   const void *data, size_t len);

	/* Calls fn once with the record, or returns RELEASE_ENOTFOUND. */
	int (*get)(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		   void *payload);

	/* Calls fn for the records of an ordered kind with seq < before, highest
	 * seq first, at most limit times (limit >= 1). An app without records
	 * yields nothing and returns 0. */
	int (*scan)(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		    release_record_fn fn, void *payload);

	/* Replaces a record's bytes if they equal old, atomically.
	 * old NULL: the record must be absent (it is created; META only).
	 * data NULL: the record is deleted (META only).
	 * RELEASE_ECONFLICT when the current bytes (or absence) differ from old;
	 * RELEASE_ENOTFOUND is never returned. seq is kept. */
	int (*cas)(void *ctx, const char *app, int kind, const char *key, const void *old,
		   size_t old_len, const void *data, size_t len);

	/* Deletes a record; RELEASE_ENOTFOUND if absent. */
	int (*del)(void *ctx, const char *app, int kind, const char *key);

	/* Calls fn for each app that has at least one record, in any order. */
	int (*list_apps)(void *ctx, release_name_fn fn, void *payload);

	/* ---- version 1, optional (may be NULL) ---- */

	/* The ordered record with exactly this seq, as get(); NULL: the core
	 * scans with before = seq + 1 and limit 1. */
	int (*get_seq)(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
		       void *payload);

	/* A message about the last failure in ctx (e.g. where a file is
	 * corrupt); borrowed until the next call. NULL: the core words its own. */
	const char *(*errmsg)(void *ctx);

	/* ---- version 2, optional (may be NULL) ---- */

	/*
	 * Applies ops[0..n) (1 <= n <= RELEASE_COMMIT_MAX) to app's records
	 * all-or-nothing, each as if the earlier ones had been applied, and
	 * makes them durable at once (one fsync, one transaction). On
	 * RELEASE_ECONFLICT, RELEASE_ENOTFOUND or RELEASE_EINVAL nothing was
	 * applied and *failed (when failed is not NULL) is the index of the
	 * operation that failed (n for RELEASE_EINVAL about the whole commit).
	 * Any other failure leaves the outcome open, as for put(): all of the
	 * commit or none of it took effect, and the core reads back to tell.
	 * NULL: the core runs its operations one by one through version 1.
	 */
	int (*commit)(void *ctx, const char *app, const release_storage_op *ops, size_t n,
		      size_t *failed);

	/*
	 * Takes app's hold: exclusive among every holder of the store, in
	 * this process and all others, and ended by unhold() or, whatever
	 * happens, when the holder's process (or connection) ends: no crash
	 * can leave an app held. info (at most RELEASE_HOLD_INFO_MAX bytes) is
	 * what held() shows others meanwhile. *hold (which may be NULL) is
	 * passed to unhold() once hold() returned 0; a hold() that failed took
	 * nothing. RELEASE_EBUSY at once when someone holds it. One handle holds an app
	 * at most once at a time. A hold is not inherited by exec'd programs.
	 * A backend whose hold can end while its holder lives (a lost
	 * connection, and another holder since) makes the holder's later
	 * commits to that app fail with RELEASE_EBUSY, applying nothing, until
	 * the hold is given back.
	 * hold, unhold and held are given together or not at all; NULL: the
	 * core keeps an expiring lease record (META "lease") instead.
	 */
	int (*hold)(void *ctx, const char *app, const void *info, size_t len, void **hold);
	void (*unhold)(void *ctx, void *hold);
	/* Calls fn (seq 0, key "hold") with the holder's info, or returns
	 * RELEASE_ENOTFOUND when app is not held. */
	int (*held)(void *ctx, const char *app, release_record_fn fn, void *payload);

	/* ---- version 3, optional (may be NULL) ---- */

	/*
	 * Sleeps until app's records may have changed. It first arms whatever
	 * tells it of a change (a file notification, LISTEN), then calls
	 * check(payload), and calls it again after each wake-up (a spurious
	 * wake-up costs one check), until check returns non-zero, which wait
	 * returns, or timeout_ns (>= 0; INT64_MAX: no limit) has passed since
	 * the call, when it returns 0. timeout_ns 0 checks once. A change
	 * committed by any process after the arming must wake it. check reads
	 * through ctx (wait must allow that) and returns 1 for a change or a
	 * negative RELEASE_E* code. Other failures are RELEASE_E* codes.
	 * NULL: the core checks every 100 ms or so.
	 */
	int (*wait)(void *ctx, const char *app, int64_t timeout_ns, int (*check)(void *payload),
		    void *payload);
} release_storage;

/*
 * Opens a store over a backend. The library checks storage->version and the
 * mandatory methods (naming a missing one in release_store_errmsg(NULL)).
 * storage must outlive the store. On success the store owns ctx and calls
 * storage->close(ctx) when closed; on failure the caller still owns ctx.
 */
RELEASE_API int release_store_open_backend(release_store **out, const release_storage *storage,
					   void *ctx, const release_store_opts *opts);

/*
 * Opens the raw backend a URI names, without a store: for wrapping one
 * backend in another (a cache, a fault injector) or testing it directly.
 * *storage is static; *ctx is freed with (*storage)->close(*ctx).
 */
RELEASE_API int release_storage_open(const release_storage **storage, void **ctx,
				     const char *uri);

#ifdef __cplusplus
}
#endif

#endif
