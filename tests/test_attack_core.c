/*
 * The core against the edges of its storage: a backend that breaks the
 * vtable's promises in the ways a buggy one does (a commit that conflicts
 * without saying where, or reports success without applying, a hold whose
 * info cannot be read), a lease taken over under a deployer, and the last
 * release versions.
 *
 * Every store here sits behind a wrapper of the backend under test that
 * can run another handle's calls just before a chosen call, answer a
 * chosen commit itself, or misbehave in its holds. Handles of a private
 * backend ("memory:") share its one context; of any other they each open
 * the same URI, as processes do.
 */
#include "harness.h"
#include "v1_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP "web"
#define SEC INT64_C(1000000000)
#define START (INT64_C(1546300800) * SEC) /* 2019-01-01T00:00:00Z */
#define MAX_HANDLES 4

/* ---------------------------------------------------------- the wrapper */

/* How a matched commit is answered instead of by the backend. */
enum answer {
	PASS,             /* the backend answers */
	CONFLICT_NOWHERE, /* RELEASE_ECONFLICT, *failed left as it was */
	OK_UNAPPLIED,     /* 0, and nothing applied */
	EIO_UNAPPLIED,    /* RELEASE_EIO before reaching the store */
	NOTFOUND,         /* RELEASE_ENOTFOUND, nothing applied */
};

/* Where a hook runs: just before the first such call of its handle. */
enum hook_on {
	NO_HOOK,
	GET_OF,    /* a get() of a record of hook_kind */
	COMMIT_OF, /* a commit() that writes an op of match_op */
};

struct backend {
	char uri[1100];
	const release_storage *inner; /* as opened: a version-1 one is 1.0's struct */
	void *shared_ctx;             /* the one context of a private store */
	int refs;
};

struct handle {
	release_storage vt; /* first: ctx is the handle */
	struct backend *b;
	void *ctx;
	/* a commit with an operation match_op (RELEASE_OP_*) is answered so */
	int match_op;
	enum answer answer;
	unsigned answered;
	unsigned answers; /* how many commits to answer; 0: every one */
	/* runs once, before the call hook_on names */
	enum hook_on hook_on;
	int hook_kind;
	const char *hook_key; /* GET_OF: only of this key (NULL: any) */
	unsigned hook_skip;   /* matching calls let through first */
	void (*hook)(void *arg);
	void *hook_arg;
	/* hold() keeps the backend's handle and gives NULL to the core */
	int null_hold;
	void *kept_hold;
	/* giving a lease record back (a CAS of META "lease" to nothing) fails */
	int keep_lease;
	/* what held() shows, when set, instead of the holder's info */
	const void *held_info;
	size_t held_len;
};

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
#define NO_HOLDS 1 /* the backend's holds hidden: the core keeps lease records */

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

struct atk {
	struct backend *b;
	size_t n;
	struct handle *h[MAX_HANDLES];
	release_store *s[MAX_HANDLES];
	struct test_clock clock[MAX_HANDLES];
	struct test_random random[MAX_HANDLES];
};

static int setup(void **state)
{
	struct atk *f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->b = backend_new();
	*state = f;
	return 0;
}

static int teardown(void **state)
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
static release_store *open_handle(struct atk *f, int64_t now, int64_t step, int flags)
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

static int backend_has_commit(const struct atk *f)
{
	return test_storage_has(f->b->inner, commit);
}

static int backend_has_hold(const struct atk *f)
{
	return test_storage_has(f->b->inner, hold);
}

static void need_commit(const struct atk *f)
{
	if (!backend_has_commit(f)) {
		print_message("skipped: the backend has no commit()\n");
		skip();
	}
}

static void need_hold(const struct atk *f)
{
	if (!backend_has_hold(f)) {
		print_message("skipped: the backend has no holds\n");
		skip();
	}
}

static int app_status(release_store *s, const char *app)
{
	release_app *a = NULL;
	int status;

	assert_store_ok(s, release_app_get(s, app, &a));
	status = release_app_status(a);
	release_app_free(a);
	return status;
}

/* ------------------------------------------------- commits that break promises */

/* A commit's conflict names the operation that failed; one that does not
 * cannot be retried into success, and a write must not spin on it. */
static void a_conflict_the_storage_does_not_place_fails_a_write_at_once(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release *r = NULL;
	const char *pair = "A=1";
	int rc;

	need_commit(f);
	make_app(s, APP);
	f->h[0]->match_op = RELEASE_OP_PUT;
	f->h[0]->answer = CONFLICT_NOWHERE;
	rc = release_env_set(s, APP, &pair, 1, &r);
	assert_int_equal(rc, RELEASE_EIO);
	assert_null(r);
	assert_int_equal(f->h[0]->answered, 1);
	assert_non_null(strstr(release_store_errmsg(s), "conflict"));
	f->h[0]->answer = PASS;
	assert_int_equal(count_releases(s, APP), 0);
}

/* A deletion whose removals the storage acknowledges but never applies
 * ends (the app is gone, as its tombstone says) instead of listing the
 * same records for ever. */
static void a_deletion_over_commits_that_apply_nothing_ends(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release_app *a = NULL;

	need_commit(f);
	make_app(s, APP);
	release_free(make_build_release(s, APP, "one"));
	release_free(make_build_release(s, APP, "two"));
	f->h[0]->match_op = RELEASE_OP_DEL;
	f->h[0]->answer = OK_UNAPPLIED;
	assert_store_ok(s, release_app_delete(s, APP));
	assert_true(f->h[0]->answered >= 1 && f->h[0]->answered < 10);
	assert_int_equal(release_app_get(s, APP, &a), RELEASE_ENOTFOUND);
}

/* ----------------------------------------------------------------- holds */

struct inner_try {
	release_store *other;
	const char *id;
	int rc;
	char msg[512];
	int status;
	char owner[200];
	int keep_rc;
};

/* Deployer: another handle tries to promote (and reads the app) while
 * this promotion holds it. */
static int deploy_while_other_tries(void *payload, const release *r, release_events *ev)
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

static void promote_while_other_tries(release_store *s, struct inner_try *t)
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

/* A holder whose info the backend shows as bytes that are no lease still
 * holds the app: it is busy to others, and read as updating. */
static void a_holder_whose_info_cannot_be_read_still_keeps_the_app_busy(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release_store *other = open_handle(f, START, SEC, 0);
	static const char junk[] = "\x07not a lease at all";
	struct inner_try t = {other, NULL, 0, "", 0, "", 0};
	release *r;

	need_hold(f);
	make_app(s, APP);
	r = make_build_release(s, APP, "one");
	t.id = release_id(r);
	f->h[1]->held_info = junk;
	f->h[1]->held_len = sizeof junk - 1;
	promote_while_other_tries(s, &t);
	assert_int_equal(t.rc, RELEASE_EBUSY);
	assert_int_equal(t.status, RELEASE_APP_UPDATING);
	assert_true(t.owner[0] != '\0');
	release_free(r);
}

/* ----------------------------------------------------------------- leases */

/* Deployer: another handle forces a promotion over this one's lease
 * record, then this deployer asks to keep the lease. */
static int deploy_then_keepalive(void *payload, const release *r, release_events *ev)
{
	struct inner_try *t = payload;
	release_promote_opts o;

	(void)r;
	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_FORCE;
	assert_store_ok(t->other, release_promote(t->other, APP, t->id, &o));
	t->keep_rc = release_events_keepalive(ev);
	return 0;
}

static void keepalive_after_a_forced_takeover_is_ebusy(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, NO_HOLDS);
	release_store *other = open_handle(f, START, SEC, NO_HOLDS);
	struct inner_try t = {other, NULL, 0, "", 0, "", 0};
	release_promote_opts o;
	release *r1, *r2;

	make_app(s, APP);
	r1 = make_build_release(s, APP, "one");
	r2 = make_build_release(s, APP, "two");
	t.id = release_id(r2);
	release_promote_opts_init(&o);
	o.deploy = deploy_then_keepalive;
	o.deploy_payload = &t;
	assert_int_equal(release_promote(s, APP, release_id(r1), &o), RELEASE_ECONFLICT);
	assert_int_equal(t.keep_rc, RELEASE_EBUSY);
	assert_string_equal(active_of(s, APP), release_id(r2));
	assert_int_equal(app_status(s, APP), RELEASE_APP_RUNNING);
	release_free(r1);
	release_free(r2);
}

/* ------------------------------------------------------ the last versions */

/* Stores, as a backend holds it, a release of app APP at version with id
 * (the record format of lib/codec.c: a header, then tag, length, value).
 * A backend that keeps its seqs far from the end (the file store) refuses
 * it: the test is skipped. */
static void put_release_record(struct atk *f, uint64_t version, const char *id, int64_t created)
{
	unsigned char rec[128];
	size_t n = 4;
	int rc;

	memcpy(rec, "LR\x01\x05", 4); /* format 1, a release */
#define FIELD(tag, p, len)                                            \
	do {                                                          \
		rec[n++] = (tag);                                     \
		for (int i_ = 0; i_ < 4; i_++)                        \
			rec[n++] = (unsigned char)((len) >> (8 * i_)); \
		memcpy(rec + n, (p), (len));                          \
		n += (len);                                           \
	} while (0)
	{
		unsigned char v[8], c[8];

		for (int i = 0; i < 8; i++) {
			v[i] = (unsigned char)(version >> (8 * i));
			c[i] = (unsigned char)((uint64_t)created >> (8 * i));
		}
		FIELD(1, id, strlen(id));
		FIELD(2, APP, strlen(APP));
		FIELD(3, v, 8);
		FIELD(7, c, 8);
	}
#undef FIELD
	rc = f->b->inner->put(f->h[0]->ctx, APP, RELEASE_KIND_RELEASE, id, version, rec, n);
	if (rc == RELEASE_EINVAL) {
		print_message("skipped: the backend refuses seq %llu\n", (unsigned long long)version);
		skip();
	}
	assert_ok(rc);
}

/* The version after UINT64_MAX - 2 is written; after it there is none, and
 * a write that would need one is refused with nothing written. */
static void the_last_version_is_written_and_then_no_more(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	const char *one = "A=1", *two = "A=2";
	release *r = NULL;

	make_app(s, APP);
	put_release_record(f, UINT64_MAX - 2, "RLASTBUTTWO", START);
	assert_store_ok(s, release_env_set(s, APP, &one, 1, &r));
	assert_true(release_version(r) == UINT64_MAX - 1);
	promote(s, APP, release_id(r));
	release_free(r);
	r = NULL;
	assert_int_equal(release_env_set(s, APP, &two, 1, &r), RELEASE_ECORRUPT);
	assert_null(r);
	assert_non_null(strstr(release_store_errmsg(s), "no version is left"));
	assert_int_equal(count_releases(s, APP), 2);
	assert_store_ok(s, release_get_version(s, APP, UINT64_MAX - 1, &r));
	assert_int_equal(release_is_active(r), 1);
	release_free(r);
}

/* A rollback that cannot write its copy, for want of a version, gives the
 * app back: it is running, and the next promotion takes it. */
static void a_rollback_without_a_version_left_gives_the_app_back(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	const char *one = "A=1";
	release *r = NULL, *copy = NULL;

	make_app(s, APP);
	put_release_record(f, UINT64_MAX - 2, "RLASTBUTTWO", START);
	promote(s, APP, "RLASTBUTTWO");
	assert_store_ok(s, release_env_set(s, APP, &one, 1, &r));
	promote(s, APP, release_id(r));
	assert_int_equal(release_rollback(s, APP, NULL, NULL, &copy), RELEASE_ECORRUPT);
	assert_null(copy);
	assert_int_equal(app_status(s, APP), RELEASE_APP_RUNNING);
	assert_store_ok(s, release_promote(s, APP, release_id(r), NULL));
	assert_int_equal(count_releases(s, APP), 2);
	release_free(r);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(a_conflict_the_storage_does_not_place_fails_a_write_at_once),
		T(a_deletion_over_commits_that_apply_nothing_ends),
		T(a_holder_whose_info_cannot_be_read_still_keeps_the_app_busy),
		T(keepalive_after_a_forced_takeover_is_ebusy),
		T(the_last_version_is_written_and_then_no_more),
		T(a_rollback_without_a_version_left_gives_the_app_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
