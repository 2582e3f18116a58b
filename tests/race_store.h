/* A backend for racing writers, shared by the programs that include it: the
 * backend under test (test_store_uri()) behind a vtable that runs a hook
 * just before the next write of any kind reaches it (a put, a
 * compare-and-swap, a commit), so a test can land another handle's write
 * between a call's read and its write, as another process would. Several
 * store handles share it; the last close closes the backend. */
#ifndef RELEASE_TEST_RACE_STORE_H
#define RELEASE_TEST_RACE_STORE_H

#include "harness.h"

#include <stdlib.h>

struct race_backend {
	release_storage vt; /* first: the vtable handed to stores */
	const release_storage *inner;
	void *inner_ctx;
	int refs;
	void (*before_write)(void *);
	void *arg;
	int fired; /* how many times the hook ran */
};

#define RACE_INNER(ctx) (((struct race_backend *)(ctx))->inner)
#define RACE_CTX(ctx) (((struct race_backend *)(ctx))->inner_ctx)

static inline void race_backend_unref(struct race_backend *b)
{
	if (b && --b->refs == 0) {
		b->inner->close(b->inner_ctx);
		free(b);
	}
}

/* Runs the hook once, if one is set; the hook's own writes pass through. */
static inline void race_fire(void *ctx)
{
	struct race_backend *b = ctx;
	void (*fn)(void *) = b->before_write;

	if (!fn)
		return;
	b->before_write = NULL;
	b->fired++;
	fn(b->arg);
}

static inline void race_close(void *ctx)
{
	race_backend_unref(ctx);
}

static inline int race_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
			   const void *data, size_t len)
{
	race_fire(ctx);
	return RACE_INNER(ctx)->put(RACE_CTX(ctx), app, kind, key, seq, data, len);
}

static inline int race_get(void *ctx, const char *app, int kind, const char *key,
			   release_record_fn fn, void *payload)
{
	return RACE_INNER(ctx)->get(RACE_CTX(ctx), app, kind, key, fn, payload);
}

static inline int race_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
			    release_record_fn fn, void *payload)
{
	return RACE_INNER(ctx)->scan(RACE_CTX(ctx), app, kind, before, limit, fn, payload);
}

static inline int race_cas(void *ctx, const char *app, int kind, const char *key,
			   const void *old, size_t old_len, const void *data, size_t len)
{
	race_fire(ctx);
	return RACE_INNER(ctx)->cas(RACE_CTX(ctx), app, kind, key, old, old_len, data, len);
}

static inline int race_del(void *ctx, const char *app, int kind, const char *key)
{
	return RACE_INNER(ctx)->del(RACE_CTX(ctx), app, kind, key);
}

static inline int race_list_apps(void *ctx, release_name_fn fn, void *payload)
{
	return RACE_INNER(ctx)->list_apps(RACE_CTX(ctx), fn, payload);
}

static inline int race_get_seq(void *ctx, const char *app, int kind, uint64_t seq,
			       release_record_fn fn, void *payload)
{
	return RACE_INNER(ctx)->get_seq(RACE_CTX(ctx), app, kind, seq, fn, payload);
}

static inline const char *race_errmsg(void *ctx)
{
	return RACE_INNER(ctx)->errmsg ? RACE_INNER(ctx)->errmsg(RACE_CTX(ctx)) : NULL;
}

static inline int race_commit(void *ctx, const char *app, const release_storage_op *ops,
			      size_t n, size_t *failed)
{
	for (size_t i = 0; ops && i < n; i++)
		if (ops[i].op == RELEASE_OP_PUT || ops[i].op == RELEASE_OP_CAS) {
			race_fire(ctx);
			break;
		}
	return RACE_INNER(ctx)->commit(RACE_CTX(ctx), app, ops, n, failed);
}

static inline int race_hold(void *ctx, const char *app, const void *info, size_t len,
			    void **hold)
{
	return RACE_INNER(ctx)->hold(RACE_CTX(ctx), app, info, len, hold);
}

static inline void race_unhold(void *ctx, void *hold)
{
	RACE_INNER(ctx)->unhold(RACE_CTX(ctx), hold);
}

static inline int race_held(void *ctx, const char *app, release_record_fn fn, void *payload)
{
	return RACE_INNER(ctx)->held(RACE_CTX(ctx), app, fn, payload);
}

static inline struct race_backend *race_backend_new(void)
{
	struct race_backend *b = calloc(1, sizeof *b);

	assert_non_null(b);
	assert_ok(test_storage_open(&b->inner, &b->inner_ctx, test_store_uri()));
	/* no newer than the inner backend: a version-1 vtable (of 1.0's size)
	 * is read no further than its version allows */
	b->vt.version = b->inner->version >= 2 ? 2 : 1;
	b->vt.close = race_close;
	b->vt.put = race_put;
	b->vt.get = race_get;
	b->vt.scan = race_scan;
	b->vt.cas = race_cas;
	b->vt.del = race_del;
	b->vt.list_apps = race_list_apps;
	b->vt.get_seq = b->inner->get_seq ? race_get_seq : NULL;
	b->vt.errmsg = race_errmsg;
	if (test_storage_has(b->inner, commit))
		b->vt.commit = race_commit;
	if (test_storage_has(b->inner, hold)) {
		b->vt.hold = race_hold;
		b->vt.unhold = race_unhold;
		b->vt.held = race_held;
	}
	b->refs = 1;
	return b;
}

/* One more store handle on b; asserts success. */
static inline release_store *race_backend_open(struct race_backend *b)
{
	release_store *s = NULL;

	b->refs++;
	assert_ok(release_store_open_backend(&s, &b->vt, b, NULL));
	return s;
}

/* Runs fn(arg) once, just before the next write reaches the backend. */
static inline void race_before_write(struct race_backend *b, void (*fn)(void *), void *arg)
{
	b->before_write = fn;
	b->arg = arg;
}

#endif
