/* The attack suites' wrapper and fixture: see attack.h. */
#include "attack.h"
#include "v1_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- the wrapper */





#define H(ctx) ((struct handle *)(ctx))
#define INNER(ctx) (H(ctx)->b->inner)

static int has_v2(const release_storage *st)
{
	return st->version >= 2;
}

static void backend_unref(struct backend *b)
{
	if (--b->refs > 0)
		return;
	if (b->shared_ctx)
		b->inner->close(b->shared_ctx);
	free(b);
}

static void w_close(void *ctx)
{
	struct backend *b = H(ctx)->b;

	if (!b->shared_ctx)
		b->inner->close(H(ctx)->ctx);
	free(ctx);
	backend_unref(b);
}

static int w_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		 const void *data, size_t len)
{
	return INNER(ctx)->put(H(ctx)->ctx, app, kind, key, seq, data, len);
}

/* Runs the handle's hook if the call it waits for has come. */
static void maybe_hook(struct handle *h, enum hook_on on, int match)
{
	void (*fn)(void *) = h->hook;

	if (h->hook_on != on || !match || !fn)
		return;
	if (h->hook_skip > 0) {
		h->hook_skip--;
		return;
	}
	h->hook = NULL;
	fn(h->hook_arg);
}

static int w_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		 void *payload)
{
	struct handle *h = ctx;

	maybe_hook(h, GET_OF,
		   kind == h->hook_kind && (!h->hook_key || strcmp(key, h->hook_key) == 0));
	return INNER(ctx)->get(H(ctx)->ctx, app, kind, key, fn, payload);
}

static int w_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		  release_record_fn fn, void *payload)
{
	return INNER(ctx)->scan(H(ctx)->ctx, app, kind, before, limit, fn, payload);
}

static int w_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		 size_t old_len, const void *data, size_t len)
{
	if (H(ctx)->keep_lease && kind == RELEASE_KIND_META && strcmp(key, "lease") == 0 && !data)
		return RELEASE_EIO;
	return INNER(ctx)->cas(H(ctx)->ctx, app, kind, key, old, old_len, data, len);
}

static int w_del(void *ctx, const char *app, int kind, const char *key)
{
	return INNER(ctx)->del(H(ctx)->ctx, app, kind, key);
}

static int w_list_apps(void *ctx, release_name_fn fn, void *payload)
{
	return INNER(ctx)->list_apps(H(ctx)->ctx, fn, payload);
}

static int w_get_seq(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
		     void *payload)
{
	return INNER(ctx)->get_seq(H(ctx)->ctx, app, kind, seq, fn, payload);
}

static const char *w_errmsg(void *ctx)
{
	return INNER(ctx)->errmsg(H(ctx)->ctx);
}

static int w_commit(void *ctx, const char *app, const release_storage_op *ops, size_t n,
		    size_t *failed)
{
	struct handle *h = ctx;
	int match = 0;

	for (size_t i = 0; i < n; i++)
		match |= ops[i].op == h->match_op;
	maybe_hook(h, COMMIT_OF, match);
	if (match && h->answer != PASS) {
		enum answer a = h->answer;

		if (++h->answered == h->answers)
			h->answer = PASS;
		if (a == CONFLICT_NOWHERE)
			return RELEASE_ECONFLICT;
		if (a == NOTFOUND) {
			if (failed)
				*failed = n - 1;
			return RELEASE_ENOTFOUND;
		}
		return a == EIO_UNAPPLIED ? RELEASE_EIO : 0;
	}
	return INNER(ctx)->commit(h->ctx, app, ops, n, failed);
}

static int w_hold(void *ctx, const char *app, const void *info, size_t len, void **hold)
{
	struct handle *h = ctx;
	int rc = INNER(ctx)->hold(h->ctx, app, info, len, hold);

	if (rc == 0 && h->null_hold) {
		h->kept_hold = *hold;
		*hold = NULL;
	}
	return rc;
}

static void w_unhold(void *ctx, void *hold)
{
	struct handle *h = ctx;

	if (!hold && h->null_hold) {
		hold = h->kept_hold;
		h->kept_hold = NULL;
	}
	INNER(ctx)->unhold(h->ctx, hold);
}

static int ignore_record(void *payload, uint64_t seq, const char *key, const void *data,
			 size_t len)
{
	(void)payload;
	(void)seq;
	(void)key;
	(void)data;
	(void)len;
	return 0;
}

static int w_held(void *ctx, const char *app, release_record_fn fn, void *payload)
{
	struct handle *h = ctx;
	int rc;

	if (!h->held_info)
		return INNER(ctx)->held(h->ctx, app, fn, payload);
	/* held or not as the backend says, with other info */
	if ((rc = INNER(ctx)->held(h->ctx, app, ignore_record, NULL)) != 0)
		return rc;
	return fn(payload, 0, "hold", h->held_info, h->held_len);
}

static struct backend *backend_new(void)
{
	struct backend *b = calloc(1, sizeof *b);
	const char *uri = test_store_uri();

	assert_non_null(b);
	assert_true(strlen(uri) < sizeof b->uri);
	strcpy(b->uri, uri);
	assert_ok(test_storage_open(&b->inner, &b->shared_ctx, b->uri));
	if (!strstr(uri, "memory:")) { /* each handle opens its own, as processes do */
		b->inner->close(b->shared_ctx);
		b->shared_ctx = NULL;
	}
	b->refs = 1;
	return b;
}

/* Flags of a handle. */

static release_store *handle_open(struct backend *b, const release_store_opts *opts, int flags,
				  struct handle **out)
{
	struct handle *h = calloc(1, sizeof *h);
	release_store *s = NULL;

	assert_non_null(h);
	h->b = b;
	if (b->shared_ctx)
		h->ctx = b->shared_ctx;
	else
		assert_ok(test_storage_open(&b->inner, &h->ctx, b->uri));
	b->refs++;
	h->vt.version = has_v2(b->inner) ? RELEASE_STORAGE_VERSION : 1;
	h->vt.close = w_close;
	h->vt.put = w_put;
	h->vt.get = w_get;
	h->vt.scan = w_scan;
	h->vt.cas = w_cas;
	h->vt.del = w_del;
	h->vt.list_apps = w_list_apps;
	h->vt.get_seq = b->inner->get_seq ? w_get_seq : NULL;
	h->vt.errmsg = b->inner->errmsg ? w_errmsg : NULL;
	if (test_storage_has(b->inner, commit))
		h->vt.commit = w_commit;
	if (!(flags & NO_HOLDS) && test_storage_has(b->inner, hold)) {
		h->vt.hold = w_hold;
		h->vt.unhold = w_unhold;
		h->vt.held = w_held;
	}
	if (!has_v2(b->inner)) {
		/* as a backend written for 1.0: a struct of 1.0's size */
		void *v1 = v1_backend_wrap(&h->vt, h);

		assert_non_null(v1);
		assert_ok(release_store_open_backend(&s, v1_backend_vtable(), v1, opts));
	} else {
		assert_ok(release_store_open_backend(&s, &h->vt, h, opts));
	}
	*out = h;
	return s;
}

/* ---------------------------------------------------------- the fixture */


int setup(void **state)
{
	struct atk *f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->b = backend_new();
	*state = f;
	return 0;
}

int teardown(void **state)
{
	struct atk *f = *state;

	for (size_t i = 0; i < f->n; i++)
		release_store_close(f->s[i]);
	backend_unref(f->b);
	free(f);
	return 0;
}

/* Opens handle f->n, whose clock reads now and then moves by step, with a
 * random source of its own. */
release_store *open_handle(struct atk *f, int64_t now, int64_t step, int flags)
{
	size_t i = f->n++;
	release_store_opts o;

	assert_true(i < MAX_HANDLES);
	f->clock[i].now = now;
	f->clock[i].step = step;
	f->random[i].state = 0x9e3779b97f4a7c15u + 0x100000001b3u * (uint64_t)(i + 1);
	release_store_opts_init(&o);
	o.clock = test_clock_read;
	o.clock_payload = &f->clock[i];
	o.random = test_random_fill;
	o.random_payload = &f->random[i];
	f->s[i] = handle_open(f->b, &o, flags, &f->h[i]);
	return f->s[i];
}

int backend_has_commit(const struct atk *f)
{
	return test_storage_has(f->b->inner, commit);
}

int backend_has_hold(const struct atk *f)
{
	return test_storage_has(f->b->inner, hold);
}

void need_commit(const struct atk *f)
{
	if (!backend_has_commit(f)) {
		print_message("skipped: the backend has no commit()\n");
		skip();
	}
}

void need_hold(const struct atk *f)
{
	if (!backend_has_hold(f)) {
		print_message("skipped: the backend has no holds\n");
		skip();
	}
}

int app_status(release_store *s, const char *app)
{
	release_app *a = NULL;
	int status;

	assert_store_ok(s, release_app_get(s, app, &a));
	status = release_app_status(a);
	release_app_free(a);
	return status;
}

/* ----------------------------------------------------- shared deployers */


int deploy_while_other_tries(void *payload, const release *r, release_events *ev)
{
	struct inner_try *t = payload;
	release_app *a = NULL;

	(void)r;
	(void)ev;
	t->rc = release_promote(t->other, APP, t->id, NULL);
	snprintf(t->msg, sizeof t->msg, "%s", release_store_errmsg(t->other));
	assert_store_ok(t->other, release_app_get(t->other, APP, &a));
	t->status = release_app_status(a);
	snprintf(t->owner, sizeof t->owner, "%s",
		 release_app_lease_owner(a) ? release_app_lease_owner(a) : "");
	release_app_free(a);
	return 0;
}

void promote_while_other_tries(release_store *s, struct inner_try *t)
{
	release_promote_opts o;

	release_promote_opts_init(&o);
	o.deploy = deploy_while_other_tries;
	o.deploy_payload = t;
	o.owner = "first";
	t->rc = -1;
	assert_store_ok(s, release_promote(s, APP, t->id, &o));
	assert_int_not_equal(t->rc, -1);
}
