#include "race_backend.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The backend the handles share. */
struct race_backend {
	release_storage vt; /* handed to every store; ctx is a race_handle */
	char uri[1100];
	int private_ctx; /* one context for all: a store that lives in it */
	const release_storage *inner;
	void *shared_ctx;
	int refs;
	pthread_mutex_t lock; /* calls on the shared context, one at a time */
};

/* One store handle's wrapper. */
struct race_handle {
	struct race_backend *b;
	void *ctx; /* the inner backend's context */
	int armed;
	struct race_hook hook;
	unsigned seen;
	int fired;
};

static void backend_unref(struct race_backend *b)
{
	if (--b->refs > 0)
		return;
	if (b->shared_ctx)
		b->inner->close(b->shared_ctx);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

/* ---------------------------------------------------------------- hooks */

/* What a write does to one record, whichever method carries it. */
enum { W_PUT, W_CAS, W_DEL };

static int deletes(int op, const void *data)
{
	return op == W_DEL || (op == W_CAS && !data);
}

/* Whether one record operation is what the armed hook waits for. */
static int op_matches(const struct race_handle *h, int op, int kind, const void *data)
{
	if (!h->armed || kind != h->hook.kind)
		return 0;
	if (h->hook.on == RACE_PUT_OF)
		return op == W_PUT;
	if (h->hook.on == RACE_DELETE_OF)
		return deletes(op, data);
	return 0;
}

/* A matching call comes: returns the code it fails with (0: it goes on),
 * having run the hook's function unless it runs after (*after set). */
static int trigger(struct race_handle *h, int match, int *after)
{
	*after = 0;
	if (!h->armed || !match)
		return 0;
	if (h->seen++ < h->hook.skip)
		return 0;
	h->armed = 0;
	h->fired++;
	if (h->hook.fail)
		return h->hook.fail;
	if (h->hook.after)
		*after = 1;
	else if (h->hook.fn)
		h->hook.fn(h->hook.arg);
	return 0;
}

static void run_after(struct race_handle *h, int after)
{
	if (after && h->hook.fn)
		h->hook.fn(h->hook.arg);
}

/* ------------------------------------------------------------ the vtable */

#define H(ctx) ((struct race_handle *)(ctx))
/* Only a shared context needs its calls one at a time: handles with
 * contexts of their own are as independent as processes. */
#define LOCK(ctx) ((void)(H(ctx)->b->private_ctx && pthread_mutex_lock(&H(ctx)->b->lock)))
#define UNLOCK(ctx) ((void)(H(ctx)->b->private_ctx && pthread_mutex_unlock(&H(ctx)->b->lock)))
#define INNER(ctx) (H(ctx)->b->inner)

static void rb_close(void *ctx)
{
	struct race_handle *h = ctx;
	struct race_backend *b = h->b;

	if (!b->private_ctx)
		b->inner->close(h->ctx);
	free(h);
	backend_unref(b);
}

static int rb_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		  const void *data, size_t len)
{
	int after, rc = trigger(H(ctx), op_matches(H(ctx), W_PUT, kind, data), &after);

	if (rc != 0)
		return rc;
	LOCK(ctx);
	rc = INNER(ctx)->put(H(ctx)->ctx, app, kind, key, seq, data, len);
	UNLOCK(ctx);
	run_after(H(ctx), after);
	return rc;
}

static int rb_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		  void *payload)
{
	struct race_handle *h = ctx;
	int look = h->armed && h->hook.on == RACE_LEASE_LOOK && kind == RELEASE_KIND_META &&
		   strcmp(key, "lease") == 0;
	int after, rc = trigger(h, look, &after);

	if (rc != 0)
		return rc;
	LOCK(ctx);
	rc = INNER(ctx)->get(h->ctx, app, kind, key, fn, payload);
	UNLOCK(ctx);
	run_after(h, after);
	return rc;
}

static int rb_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		   release_record_fn fn, void *payload)
{
	int rc;

	LOCK(ctx);
	rc = INNER(ctx)->scan(H(ctx)->ctx, app, kind, before, limit, fn, payload);
	UNLOCK(ctx);
	return rc;
}

static int rb_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		  size_t old_len, const void *data, size_t len)
{
	int after, rc = trigger(H(ctx), op_matches(H(ctx), W_CAS, kind, data), &after);

	if (rc != 0)
		return rc;
	LOCK(ctx);
	rc = INNER(ctx)->cas(H(ctx)->ctx, app, kind, key, old, old_len, data, len);
	UNLOCK(ctx);
	run_after(H(ctx), after);
	return rc;
}

static int rb_del(void *ctx, const char *app, int kind, const char *key)
{
	int after, rc = trigger(H(ctx), op_matches(H(ctx), W_DEL, kind, NULL), &after);

	if (rc != 0)
		return rc;
	LOCK(ctx);
	rc = INNER(ctx)->del(H(ctx)->ctx, app, kind, key);
	UNLOCK(ctx);
	run_after(H(ctx), after);
	return rc;
}

static int rb_list_apps(void *ctx, release_name_fn fn, void *payload)
{
	int rc;

	LOCK(ctx);
	rc = INNER(ctx)->list_apps(H(ctx)->ctx, fn, payload);
	UNLOCK(ctx);
	return rc;
}

static int rb_get_seq(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
		      void *payload)
{
	int rc;

	LOCK(ctx);
	rc = INNER(ctx)->get_seq(H(ctx)->ctx, app, kind, seq, fn, payload);
	UNLOCK(ctx);
	return rc;
}

static const char *rb_errmsg(void *ctx)
{
	return INNER(ctx)->errmsg(H(ctx)->ctx);
}

#if RACE_V2
static int rb_commit(void *ctx, const char *app, const release_storage_op *ops, size_t n,
		     size_t *failed)
{
	int match = 0, after, rc;

	for (size_t i = 0; ops && i < n; i++) {
		int w = ops[i].op == RELEASE_OP_PUT ? W_PUT :
			ops[i].op == RELEASE_OP_CAS ? W_CAS :
			ops[i].op == RELEASE_OP_DEL ? W_DEL : -1;

		match |= w >= 0 && op_matches(H(ctx), w, ops[i].kind, ops[i].data);
	}
	if ((rc = trigger(H(ctx), match, &after)) != 0) {
		if (failed)
			*failed = n;
		return rc;
	}
	LOCK(ctx);
	rc = INNER(ctx)->commit(H(ctx)->ctx, app, ops, n, failed);
	UNLOCK(ctx);
	run_after(H(ctx), after);
	return rc;
}

static int rb_hold(void *ctx, const char *app, const void *info, size_t len, void **hold)
{
	struct race_handle *h = ctx;
	int after, rc = trigger(h, h->armed && h->hook.on == RACE_LEASE_LOOK, &after);

	if (rc != 0)
		return rc;
	LOCK(ctx);
	rc = INNER(ctx)->hold(h->ctx, app, info, len, hold);
	UNLOCK(ctx);
	run_after(h, after);
	return rc;
}

static void rb_unhold(void *ctx, void *hold)
{
	LOCK(ctx);
	INNER(ctx)->unhold(H(ctx)->ctx, hold);
	UNLOCK(ctx);
}

static int rb_held(void *ctx, const char *app, release_record_fn fn, void *payload)
{
	int rc;

	LOCK(ctx);
	rc = INNER(ctx)->held(H(ctx)->ctx, app, fn, payload);
	UNLOCK(ctx);
	return rc;
}
#endif

static struct race_backend *backend_new(void)
{
	struct race_backend *b = calloc(1, sizeof *b);
	const char *uri = test_store_uri();

	assert_non_null(b);
	assert_true(strlen(uri) < sizeof b->uri);
	strcpy(b->uri, uri);
	/* a store that lives in its context: every handle must share it */
	b->private_ctx = strstr(uri, "memory:") != NULL;
	assert_int_equal(pthread_mutex_init(&b->lock, NULL), 0);
	assert_ok(test_storage_open(&b->inner, &b->shared_ctx, b->uri));
	if (!b->private_ctx) { /* each handle opens its own */
		b->inner->close(b->shared_ctx);
		b->shared_ctx = NULL;
	}
	/* as new as the inner backend, with the methods it has */
	b->vt.version = b->inner->version < RELEASE_STORAGE_VERSION ? b->inner->version
								    : RELEASE_STORAGE_VERSION;
	b->vt.close = rb_close;
	b->vt.put = rb_put;
	b->vt.get = rb_get;
	b->vt.scan = rb_scan;
	b->vt.cas = rb_cas;
	b->vt.del = rb_del;
	b->vt.list_apps = rb_list_apps;
	b->vt.get_seq = b->inner->get_seq ? rb_get_seq : NULL;
	b->vt.errmsg = b->inner->errmsg ? rb_errmsg : NULL;
#if RACE_V2
	if (b->inner->version >= 2 && b->inner->commit)
		b->vt.commit = rb_commit;
	if (b->inner->version >= 2 && b->inner->hold && b->inner->unhold && b->inner->held) {
		b->vt.hold = rb_hold;
		b->vt.unhold = rb_unhold;
		b->vt.held = rb_held;
	}
#endif
	b->refs = 1;
	return b;
}

static release_store *handle_open(struct race_backend *b, const release_store_opts *opts,
				  struct race_handle **out)
{
	struct race_handle *h = calloc(1, sizeof *h);
	release_store *s = NULL;

	assert_non_null(h);
	h->b = b;
	if (b->private_ctx)
		h->ctx = b->shared_ctx;
	else
		assert_ok(test_storage_open(&b->inner, &h->ctx, b->uri));
	b->refs++;
	assert_ok(release_store_open_backend(&s, &b->vt, h, opts));
	*out = h;
	return s;
}

static int setup(void **state, int real_clock)
{
	struct race_fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->b = backend_new();
	for (int i = 0; i < RACE_HANDLES; i++) {
		release_store_opts o;

		f->clock[i].now = INT64_C(1546300800) * 1000000000; /* 2019-01-01 */
		f->clock[i].step = 1000000000;
		f->random[i].state = 0x9e3779b97f4a7c15u + 0x100000001b3u * (uint64_t)(i + 1);
		release_store_opts_init(&o);
		if (!real_clock) {
			o.clock = test_clock_read;
			o.clock_payload = &f->clock[i];
		}
		o.random = test_random_fill;
		o.random_payload = &f->random[i];
		f->s[i] = handle_open(f->b, &o, &f->h[i]);
	}
	*state = f;
	return 0;
}

int race_setup(void **state)
{
	return setup(state, 0);
}

int race_setup_real_clock(void **state)
{
	return setup(state, 1);
}

int race_teardown(void **state)
{
	struct race_fixture *f = *state;

	for (int i = 0; i < RACE_HANDLES; i++)
		release_store_close(f->s[i]);
	backend_unref(f->b);
	free(f);
	return 0;
}

void race_hook(struct race_fixture *f, int i, const struct race_hook *h)
{
	f->h[i]->hook = *h;
	f->h[i]->seen = 0;
	f->h[i]->armed = 1;
}

int race_fired(const struct race_fixture *f, int i)
{
	return f->h[i]->fired;
}

int race_has_commit(const struct race_fixture *f)
{
#if RACE_V2
	return f->b->vt.commit != NULL;
#else
	(void)f;
	return 0;
#endif
}

int race_has_hold(const struct race_fixture *f)
{
#if RACE_V2
	return f->b->vt.hold != NULL;
#else
	(void)f;
	return 0;
#endif
}

void race_need_commit(const struct race_fixture *f)
{
#if RACE_V2
	if (!race_has_commit(f)) {
		print_message("skipped: the backend has no commit() (storage version %d)\n",
			      f->b->vt.version);
		skip();
	}
#else
	(void)f;
#endif
}

struct seqs {
	uint64_t *v;
	size_t n, cap;
};

static int keep_seq(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct seqs *s = payload;

	(void)key;
	(void)data;
	(void)len;
	if (s->n < s->cap)
		s->v[s->n] = seq;
	s->n++;
	return 0;
}

size_t race_seqs(struct race_fixture *f, const char *app, int kind, uint64_t *seqs, size_t cap)
{
	struct seqs s = {seqs, 0, cap};
	struct race_handle *h = f->h[0];

	assert_ok(f->b->inner->scan(h->ctx, app, kind, UINT64_MAX, cap + 1, keep_seq, &s));
	assert_true(s.n <= cap);
	return s.n;
}

void race_history(release_store *s, const char *app, size_t n, char (*ids)[32],
		  char (*builds)[32])
{
	for (size_t i = 0; i < n; i++) {
		char desc[32];
		release_build_opts o;
		release_build *b = NULL;
		release *r = NULL;

		snprintf(desc, sizeof desc, "build-%zu", i + 1);
		release_build_opts_init(&o);
		o.description = desc;
		o.manifest = "services: {}\n";
		o.status = RELEASE_BUILD_COMPLETE;
		assert_store_ok(s, release_build_create(s, app, &o, &b));
		assert_store_ok(s, release_create(s, app, release_build_id(b), &r));
		assert_store_ok(s, release_promote(s, app, release_id(r), NULL));
		if (ids)
			snprintf(ids[i], sizeof ids[i], "%s", release_id(r));
		if (builds)
			snprintf(builds[i], sizeof builds[i], "%s", release_build_id(b));
		release_free(r);
		release_build_free(b);
	}
}

int race_release_exists(release_store *s, const char *app, const char *id)
{
	release *r = NULL;
	int rc = release_get(s, app, id, &r);

	release_free(r);
	if (rc != 0 && rc != RELEASE_ENOTFOUND)
		fail_msg("release_get(%s, %s) -> %s: %s", app, id, release_strerror(rc),
			 release_store_errmsg(s));
	return rc == 0;
}

int race_build_exists(release_store *s, const char *app, const char *id)
{
	release_build *b = NULL;
	int rc = release_build_get(s, app, id, &b);

	release_build_free(b);
	if (rc != 0 && rc != RELEASE_ENOTFOUND)
		fail_msg("release_build_get(%s, %s) -> %s: %s", app, id, release_strerror(rc),
			 release_store_errmsg(s));
	return rc == 0;
}

void race_check_consistent(release_store *s, const char *app)
{
	release_app *a = NULL;
	release_iter *it = NULL;
	const release *r;
	int rc;

	assert_store_ok(s, release_app_get(s, app, &a));
	if (release_app_active(a) && !race_release_exists(s, app, release_app_active(a)))
		fail_msg("app '%s': its active release %s does not exist", app,
			 release_app_active(a));
	release_app_free(a);
	assert_store_ok(s, release_list(s, app, NULL, &it));
	while ((rc = release_iter_next(it, &r)) == 0)
		if (release_build_of(r) && !race_build_exists(s, app, release_build_of(r)))
			fail_msg("app '%s': release %s (version %llu) refers to build %s, which "
				 "does not exist",
				 app, release_id(r), (unsigned long long)release_version(r),
				 release_build_of(r));
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_iter_free(it);
}
