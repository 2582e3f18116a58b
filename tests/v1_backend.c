/*
 * A version-1 backend, built against librelease 1.0's storage.h: it
 * forwards the version-1 methods to a backend of any version, which every
 * backend's vtable begins with. Only these methods exist: whatever follows
 * the 1.0 struct is a trap that fails the test, so a core that reads a
 * version-2 method of a version-1 backend is caught.
 */
#include <librelease/storage.h>

#include "v1_backend.h"

#include <stdio.h>
#include <stdlib.h>

#if RELEASE_STORAGE_VERSION != 1
#error "v1_backend.c must see librelease 1.0's storage.h (tests/abi/v1.0)"
#endif

struct v1 {
	const release_storage *inner; /* read as 1.0's: only its first methods */
	void *inner_ctx;
};

#define IN(ctx) (((struct v1 *)(ctx))->inner)
#define IN_CTX(ctx) (((struct v1 *)(ctx))->inner_ctx)

static void v1_close(void *ctx)
{
	IN(ctx)->close(IN_CTX(ctx));
	free(ctx);
}

static int v1_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		  const void *data, size_t len)
{
	return IN(ctx)->put(IN_CTX(ctx), app, kind, key, seq, data, len);
}

static int v1_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		  void *payload)
{
	return IN(ctx)->get(IN_CTX(ctx), app, kind, key, fn, payload);
}

static int v1_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		   release_record_fn fn, void *payload)
{
	return IN(ctx)->scan(IN_CTX(ctx), app, kind, before, limit, fn, payload);
}

static int v1_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		  size_t old_len, const void *data, size_t len)
{
	return IN(ctx)->cas(IN_CTX(ctx), app, kind, key, old, old_len, data, len);
}

static int v1_del(void *ctx, const char *app, int kind, const char *key)
{
	return IN(ctx)->del(IN_CTX(ctx), app, kind, key);
}

static int v1_list_apps(void *ctx, release_name_fn fn, void *payload)
{
	return IN(ctx)->list_apps(IN_CTX(ctx), fn, payload);
}

/* The inner backend may lose its get_seq while wrapped (a test's tamper):
 * then this one does what the core would. */
static int v1_get_seq(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
		      void *payload)
{
	if (!IN(ctx)->get_seq)
		return IN(ctx)->scan(IN_CTX(ctx), app, kind, seq + 1, 1, fn, payload);
	return IN(ctx)->get_seq(IN_CTX(ctx), app, kind, seq, fn, payload);
}

static const char *v1_errmsg(void *ctx)
{
	return IN(ctx)->errmsg ? IN(ctx)->errmsg(IN_CTX(ctx)) : NULL;
}

/* Called through a later version's method pointer of this backend. */
static void v1_trap(void)
{
	fprintf(stderr, "a method past the end of a version-1 backend's vtable was called\n");
	abort();
}

/* Static, so nothing of it is read after the last store closes; the trap
 * sits where version 2's methods would be. */
static const struct {
	release_storage vt;
	void (*past_the_end[8])(void);
} table = {
	{
		.version = 1,
		.close = v1_close,
		.put = v1_put,
		.get = v1_get,
		.scan = v1_scan,
		.cas = v1_cas,
		.del = v1_del,
		.list_apps = v1_list_apps,
		.get_seq = v1_get_seq,
		.errmsg = v1_errmsg,
	},
	{v1_trap, v1_trap, v1_trap, v1_trap, v1_trap, v1_trap, v1_trap, v1_trap},
};

const void *v1_backend_vtable(void)
{
	return &table.vt;
}

size_t v1_backend_vtable_size(void)
{
	return sizeof(release_storage);
}

void *v1_backend_wrap(const void *inner, void *inner_ctx)
{
	struct v1 *w = malloc(sizeof *w);

	if (w) {
		w->inner = inner;
		w->inner_ctx = inner_ctx;
	}
	return w;
}
