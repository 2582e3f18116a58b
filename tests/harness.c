#include "harness.h"
#include "v1_backend.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_PGSTORE
#include <libpq-fe.h>
#include <pgstore.h>
#endif

int64_t test_clock_read(void *payload)
{
	struct test_clock *c = payload;
	int64_t now = c->now;

	c->now += c->step;
	return now;
}

int test_random_fill(void *payload, unsigned char *buf, size_t len)
{
	struct test_random *r = payload;

	for (size_t i = 0; i < len; i++) {
		r->state ^= r->state << 13;
		r->state ^= r->state >> 7;
		r->state ^= r->state << 17;
		buf[i] = (unsigned char)(r->state >> 24);
	}
	return 0;
}

/* Directories made for "file:" stores, removed when the program exits. */
static char made[256][64];
static int n_made;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_made(void)
{
	for (int i = 0; i < n_made; i++)
		nftw(made[i], remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#ifdef HAVE_PGSTORE
/* A new schema on the server base names, and base with it as search_path. */
static const char *pg_fresh_schema(const char *base)
{
	static char uri[1024];
	static int n;
	char name[64], sql[96];
	PGconn *c = PQconnectdb(base);
	PGresult *res;

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("connecting to %s: %s", base, PQerrorMessage(c));
	snprintf(name, sizeof name, "test_%ld_%d", (long)getpid(), n++);
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s", name);
	res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);
	snprintf(uri, sizeof uri, "%s%coptions=-csearch_path%%3D%s", base,
		 strchr(base, '?') ? '&' : '?', name);
	return uri;
}
#endif

/* "v1:" before a URI: that backend behind a version-1 vtable. */
#define V1_PREFIX "v1:"

static int v1_uri(const char *uri)
{
	return uri && strncmp(uri, V1_PREFIX, strlen(V1_PREFIX)) == 0;
}

int test_storage_open(const release_storage **storage, void **ctx, const char *uri)
{
	if (v1_uri(uri)) {
		const release_storage *inner;
		void *inner_ctx;
		int rc = test_storage_open(&inner, &inner_ctx, uri + strlen(V1_PREFIX));

		if (rc != 0)
			return rc;
		if (!(*ctx = v1_backend_wrap(inner, inner_ctx))) {
			inner->close(inner_ctx);
			return RELEASE_ENOMEM;
		}
		/* 1.0's struct is the beginning of this one; version 1 says
		 * nothing beyond it may be read */
		*storage = v1_backend_vtable();
		return 0;
	}
#ifdef HAVE_PGSTORE
	if (pgstore_is_uri(uri)) {
		char err[512];
		int rc = pgstore_storage_open(storage, ctx, uri, err, sizeof err);

		if (rc != 0)
			print_error("pgstore_storage_open: %s\n", err);
		return rc;
	}
#endif
	return release_storage_open(storage, ctx, uri);
}

int test_store_open(release_store **out, const char *uri, const release_store_opts *opts)
{
	if (v1_uri(uri)) {
		const release_storage *st;
		void *ctx;
		int rc = test_storage_open(&st, &ctx, uri);

		if (rc != 0)
			return rc;
		if ((rc = release_store_open_backend(out, st, ctx, opts)) != 0)
			st->close(ctx);
		return rc;
	}
#ifdef HAVE_PGSTORE
	if (pgstore_is_uri(uri)) {
		char err[512];
		int rc = pgstore_open(out, uri, opts, err, sizeof err);

		if (rc != 0)
			print_error("pgstore_open: %s\n", err);
		return rc;
	}
#endif
	return release_store_open(out, uri, opts);
}

/* A URI for a fresh store on the backend base names. */
static const char *fresh_uri(const char *base)
{
	static char uri[1100];

	if (v1_uri(base)) {
		const char *inner = fresh_uri(base + strlen(V1_PREFIX));
		size_t n = strlen(inner);

		assert_true(n + strlen(V1_PREFIX) < sizeof uri);
		memmove(uri + strlen(V1_PREFIX), inner, n + 1);
		memcpy(uri, V1_PREFIX, strlen(V1_PREFIX));
		return uri;
	}
#ifdef HAVE_PGSTORE
	if (pgstore_is_uri(base))
		return pg_fresh_schema(base);
#endif
	if (strcmp(base, "file:") != 0)
		return base;
	/* "file:" alone: a fresh store directory for each call */
	assert_true(n_made < 256);
	snprintf(made[n_made], sizeof made[0], "%s/librelease-test-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(made[n_made]));
	if (n_made++ == 0)
		atexit(remove_made);
	snprintf(uri, sizeof uri, "file:%s/store", made[n_made - 1]);
	return uri;
}

const char *test_store_uri(void)
{
	const char *base = getenv("RELEASE_TEST_STORE");

	return fresh_uri(base && *base ? base : "memory:");
}

const char *test_fresh_uri(const char *base)
{
	return fresh_uri(base);
}

static const char *store_base(void)
{
	const char *base = getenv("RELEASE_TEST_STORE");

	return base && *base ? base : "memory:";
}

int test_store_is_v1(void)
{
	return v1_uri(store_base());
}

int test_store_is_shared(void)
{
	const char *base = store_base();

	return strncmp(base, "file:", 5) == 0 || strncmp(base, "postgresql:", 11) == 0 ||
	       strncmp(base, "postgres:", 9) == 0;
}

struct shared_backend {
	release_storage vt; /* first: the vtable handed to stores */
	const release_storage *inner;
	void *inner_ctx;
	int refs;
	void (*before_put)(void *);
	void *before_put_arg;
	int tampering;
	struct tamper t;
	int tamper_fired; /* the last call failed by the tamper */
	struct write_counts counts;
	unsigned fail_after; /* writes to let through before failing one */
	int fail_code;       /* 0: no failure planned */
};

/* A planned write failure: RELEASE_E* to return instead of writing, or 0. */
static int write_fault(struct shared_backend *b)
{
	int code = b->fail_code;

	if (!code)
		return 0;
	if (b->fail_after > 0) {
		b->fail_after--;
		return 0;
	}
	return code;
}

/* A callback's result no backend makes: a tampered read stops here. */
#define TAMPER_STOP 0x7a3b

/* Between a backend's reads and their caller: serves the tamper. */
struct tamper_read {
	struct shared_backend *b;
	const char *app;
	int kind;
	release_record_fn fn;
	void *payload;
	int scan;
};

static int tampered(const struct shared_backend *b, const char *app, int kind, uint64_t seq,
		    const char *key)
{
	const struct tamper *t = &b->t;

	if (!b->tampering || !t->app || strcmp(app, t->app) != 0 || kind != t->kind)
		return 0;
	if (t->key)
		return key && strcmp(key, t->key) == 0;
	return seq == t->seq;
}

static int tamper_record(void *payload, uint64_t seq, const char *key, const void *data,
			 size_t len)
{
	struct tamper_read *tr = payload;
	struct shared_backend *b = tr->b;
	int rc;

	if (tampered(b, tr->app, tr->kind, seq, key)) {
		if (b->t.code)
			return TAMPER_STOP;
		data = b->t.data;
		len = b->t.len;
	}
	rc = tr->fn(tr->payload, seq, key, data, len);
	for (unsigned i = 0; rc == 0 && tr->scan && b->tampering && i < b->t.repeat; i++)
		rc = tr->fn(tr->payload, seq, key, data, len);
	return rc;
}

static int tamper_result(struct shared_backend *b, int rc)
{
	b->tamper_fired = rc == TAMPER_STOP;
	return rc == TAMPER_STOP ? b->t.code : rc;
}

/* Every method forwards to the inner backend; close drops a reference. */
#define INNER(ctx) (((struct shared_backend *)(ctx))->inner)
#define INNER_CTX(ctx) (((struct shared_backend *)(ctx))->inner_ctx)

static void sh_close(void *ctx)
{
	shared_backend_unref(ctx);
}

static int sh_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		  const void *data, size_t len)
{
	struct shared_backend *b = ctx;
	int rc;

	b->tamper_fired = 0;
	if (b->before_put) {
		void (*fn)(void *) = b->before_put;

		b->before_put = NULL;
		fn(b->before_put_arg);
	}
	rc = write_fault(b);
	if (rc == 0 && (rc = INNER(ctx)->put(INNER_CTX(ctx), app, kind, key, seq, data, len)) == 0) {
		b->counts.put++;
		b->counts.calls++;
	}
	return rc;
}

static int sh_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		  void *payload)
{
	struct tamper_read tr = {ctx, app, kind, fn, payload, 0};

	return tamper_result(ctx, INNER(ctx)->get(INNER_CTX(ctx), app, kind, key, tamper_record,
						   &tr));
}

static int sh_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		   release_record_fn fn, void *payload)
{
	struct tamper_read tr = {ctx, app, kind, fn, payload, 1};

	return tamper_result(ctx, INNER(ctx)->scan(INNER_CTX(ctx), app, kind, before, limit,
						    tamper_record, &tr));
}

static int sh_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		  size_t old_len, const void *data, size_t len)
{
	struct shared_backend *b = ctx;
	int rc = write_fault(b);

	b->tamper_fired = 0;
	if (rc == 0 &&
	    (rc = INNER(ctx)->cas(INNER_CTX(ctx), app, kind, key, old, old_len, data, len)) == 0) {
		if (data)
			b->counts.cas++;
		else
			b->counts.del++;
		b->counts.calls++;
	}
	return rc;
}

static int sh_del(void *ctx, const char *app, int kind, const char *key)
{
	struct shared_backend *b = ctx;
	int rc = write_fault(b);

	b->tamper_fired = 0;
	if (rc == 0 && (rc = INNER(ctx)->del(INNER_CTX(ctx), app, kind, key)) == 0) {
		b->counts.del++;
		b->counts.calls++;
	}
	return rc;
}

static int sh_list_apps(void *ctx, release_name_fn fn, void *payload)
{
	struct shared_backend *b = ctx;
	int rc = INNER(ctx)->list_apps(INNER_CTX(ctx), fn, payload);

	b->tamper_fired = 0;
	for (size_t i = 0; rc == 0 && b->tampering && i < b->t.n_extra; i++)
		rc = fn(payload, b->t.extra_apps[i]);
	return rc;
}

static int sh_get_seq(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
		      void *payload)
{
	struct tamper_read tr = {ctx, app, kind, fn, payload, 0};
	int rc;

	if (!INNER(ctx)->get_seq)
		rc = INNER(ctx)->scan(INNER_CTX(ctx), app, kind, seq + 1, 1, tamper_record, &tr);
	else
		rc = INNER(ctx)->get_seq(INNER_CTX(ctx), app, kind, seq, tamper_record, &tr);
	return tamper_result(ctx, rc);
}

/* Version 2: commit runs the before-put hook when it puts a record. */
static int sh_commit(void *ctx, const char *app, const release_storage_op *ops, size_t n,
		     size_t *failed)
{
	struct shared_backend *b = ctx;
	int rc;

	b->tamper_fired = 0;
	for (size_t i = 0; b->before_put && ops && i < n; i++)
		if (ops[i].op == RELEASE_OP_PUT) {
			void (*fn)(void *) = b->before_put;

			b->before_put = NULL;
			fn(b->before_put_arg);
		}
	rc = write_fault(b);
	if (rc != 0 || (rc = INNER(ctx)->commit(INNER_CTX(ctx), app, ops, n, failed)) != 0)
		return rc;
	b->counts.calls++;
	for (size_t i = 0; i < n; i++) {
		if (ops[i].op == RELEASE_OP_PUT)
			b->counts.put++;
		else if (ops[i].op == RELEASE_OP_CAS && ops[i].data)
			b->counts.cas++;
		else if (ops[i].op == RELEASE_OP_CAS || ops[i].op == RELEASE_OP_DEL)
			b->counts.del++;
	}
	return 0;
}

static int sh_hold(void *ctx, const char *app, const void *info, size_t len, void **hold)
{
	((struct shared_backend *)ctx)->tamper_fired = 0;
	return INNER(ctx)->hold(INNER_CTX(ctx), app, info, len, hold);
}

static void sh_unhold(void *ctx, void *hold)
{
	INNER(ctx)->unhold(INNER_CTX(ctx), hold);
}

static int sh_held(void *ctx, const char *app, release_record_fn fn, void *payload)
{
	((struct shared_backend *)ctx)->tamper_fired = 0;
	return INNER(ctx)->held(INNER_CTX(ctx), app, fn, payload);
}

/* Version 3: the inner backend's own wait, its check reading through us. */
static int sh_wait(void *ctx, const char *app, int64_t timeout_ns, int (*check)(void *payload),
		   void *payload)
{
	return INNER(ctx)->wait(INNER_CTX(ctx), app, timeout_ns, check, payload);
}

static const char *sh_errmsg(void *ctx)
{
	struct shared_backend *b = ctx;

	if (b->tamper_fired)
		return "tampered record";
	return INNER(ctx)->errmsg ? INNER(ctx)->errmsg(INNER_CTX(ctx)) : NULL;
}

void shared_backend_tamper(struct shared_backend *b, const struct tamper *t)
{
	b->tampering = t != NULL;
	memset(&b->t, 0, sizeof b->t);
	if (t)
		b->t = *t;
	b->vt.get_seq = t && t->no_get_seq ? NULL : sh_get_seq;
	b->tamper_fired = 0;
}

static int keep_bytes(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	void **out = payload;

	(void)seq;
	(void)key;
	assert_non_null(out[0] = malloc(len ? len : 1));
	memcpy(out[0], data, len);
	*(size_t *)out[1] = len;
	return 0;
}

void shared_backend_read(struct shared_backend *b, const char *app, int kind, const char *key,
			 void **data, size_t *len)
{
	void *out[2] = {NULL, len};

	assert_ok(b->inner->get(b->inner_ctx, app, kind, key, keep_bytes, out));
	*data = out[0];
}

struct shared_backend *shared_backend_new(void)
{
	return shared_backend_new_uri(test_store_uri());
}

struct shared_backend *shared_backend_new_uri(const char *uri)
{
	struct shared_backend *b = calloc(1, sizeof *b);

	assert_non_null(b);
	assert_ok(test_storage_open(&b->inner, &b->inner_ctx, uri));
	/* as new as the inner backend: a version-1 one gets no later method */
	b->vt.version = b->inner->version < RELEASE_STORAGE_VERSION ? b->inner->version
								    : RELEASE_STORAGE_VERSION;
	b->vt.close = sh_close;
	b->vt.put = sh_put;
	b->vt.get = sh_get;
	b->vt.scan = sh_scan;
	b->vt.cas = sh_cas;
	b->vt.del = sh_del;
	b->vt.list_apps = sh_list_apps;
	b->vt.get_seq = sh_get_seq;
	b->vt.errmsg = sh_errmsg;
	if (test_storage_has(b->inner, commit))
		b->vt.commit = sh_commit;
	if (test_storage_has(b->inner, hold)) {
		b->vt.hold = sh_hold;
		b->vt.unhold = sh_unhold;
		b->vt.held = sh_held;
	}
	if (b->inner->version >= 3 && b->inner->wait)
		b->vt.wait = sh_wait;
	b->refs = 1;
	return b;
}

int shared_backend_version(const struct shared_backend *b)
{
	return b->vt.version;
}

const release_storage *shared_backend_inner(const struct shared_backend *b, void **ctx)
{
	*ctx = b->inner_ctx;
	return b->inner;
}

void shared_backend_counts(const struct shared_backend *b, struct write_counts *out)
{
	*out = b->counts;
}

void shared_backend_fail_write(struct shared_backend *b, unsigned after, int code)
{
	b->fail_after = after;
	b->fail_code = code;
}

release_store *shared_backend_open(struct shared_backend *b, const release_store_opts *opts)
{
	release_store *s = NULL;

	b->refs++;
	if (b->vt.version < 2) {
		/* the store gets a vtable of 1.0's size, as a 1.0 backend's is */
		void *v1 = v1_backend_wrap(&b->vt, b);

		assert_non_null(v1);
		assert_ok(release_store_open_backend(&s, v1_backend_vtable(), v1, opts));
		return s;
	}
	assert_ok(release_store_open_backend(&s, &b->vt, b, opts));
	return s;
}

void shared_backend_before_put(struct shared_backend *b, void (*fn)(void *), void *arg)
{
	b->before_put = fn;
	b->before_put_arg = arg;
}

void shared_backend_unref(struct shared_backend *b)
{
	if (b && --b->refs == 0) {
		b->inner->close(b->inner_ctx);
		free(b);
	}
}

static void fixture_opts(struct fixture *f, release_store_opts *o)
{
	release_store_opts_init(o);
	o->clock = test_clock_read;
	o->clock_payload = &f->clock;
	o->random = test_random_fill;
	o->random_payload = &f->random;
}

int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	release_store_opts o;

	assert_non_null(f);
	f->clock.now = INT64_C(1546300800) * 1000000000; /* 2019-01-01T00:00:00Z */
	f->clock.step = 1000000000;
	f->random.state = 0x9e3779b97f4a7c15u;
	f->backend = shared_backend_new();
	fixture_opts(f, &o);
	f->s = shared_backend_open(f->backend, &o);
	*state = f;
	return 0;
}

int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	release_store_close(f->s);
	shared_backend_unref(f->backend);
	free(f);
	return 0;
}

release_store *fixture_second_handle(struct fixture *f)
{
	release_store_opts o;

	fixture_opts(f, &o);
	return shared_backend_open(f->backend, &o);
}

void make_app(release_store *s, const char *app)
{
	assert_store_ok(s, release_app_create(s, app, NULL));
}

release *make_build_release(release_store *s, const char *app, const char *description)
{
	release_build_opts o;
	release_build *b = NULL;
	release *r = NULL;

	release_build_opts_init(&o);
	o.description = description;
	o.manifest = "services:\n  web:\n    port: 3000\n";
	o.status = RELEASE_BUILD_COMPLETE;
	assert_store_ok(s, release_build_create(s, app, &o, &b));
	assert_store_ok(s, release_create(s, app, release_build_id(b), &r));
	release_build_free(b);
	return r;
}

release *set_env(release_store *s, const char *app, const char *pair)
{
	release *r = NULL;

	assert_store_ok(s, release_env_set(s, app, &pair, 1, &r));
	assert_non_null(r);
	return r;
}

void promote(release_store *s, const char *app, const char *id)
{
	assert_store_ok(s, release_promote(s, app, id, NULL));
}

const char *active_of(release_store *s, const char *app)
{
	static char id[32];
	release_app *a = NULL;

	assert_store_ok(s, release_app_get(s, app, &a));
	strcpy(id, release_app_active(a) ? release_app_active(a) : "");
	release_app_free(a);
	return id;
}

size_t count_releases(release_store *s, const char *app)
{
	release_iter *it = NULL;
	const release *r;
	size_t n = 0;
	int rc;

	assert_store_ok(s, release_list(s, app, NULL, &it));
	while ((rc = release_iter_next(it, &r)) == 0)
		n++;
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_iter_free(it);
	return n;
}
