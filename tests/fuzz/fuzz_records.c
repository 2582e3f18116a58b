/*
 * fuzz-records: the record decoder, reached through the public API. A user
 * backend serves records whose bytes come from the input (records_input.h),
 * and every call that reads them runs over it: app_get and app_list, release
 * listings and gets, build listings and gets, then the writes that decode
 * what they build on (env set, release_create, promote, rollback, prune, app
 * delete). The backend keeps the contract of storage.h (unique seqs, newest
 * first) unless the input asks it to return one record too many per scan.
 *
 * Findings: a crash or sanitizer report (leaks included), a result that is
 * not 0 or a RELEASE_E* code, or an object that breaks what the API
 * promises of it (its app, id shape, version order, env order).
 */
#include "fuzz_util.h"
#include "records_input.h"

#include <librelease/storage.h>

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ backend */

struct frec {
	int kind;
	uint64_t seq;
	char key[65];
	unsigned char *data;
	size_t len;
};

struct fback {
	struct frec *r;
	size_t n, cap;
	int overscan;
};

static int valid_key(const char *k, size_t n)
{
	if (n < 1 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = k[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

static struct frec *find(struct fback *b, int kind, const char *key)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->r[i].kind == kind && strcmp(b->r[i].key, key) == 0)
			return &b->r[i];
	return NULL;
}

static struct frec *find_seq(struct fback *b, int kind, uint64_t seq)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->r[i].kind == kind && b->r[i].seq == seq)
			return &b->r[i];
	return NULL;
}

static int add(struct fback *b, int kind, const char *key, uint64_t seq, const void *data,
	       size_t len)
{
	struct frec *r;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct frec *p = realloc(b->r, cap * sizeof *p);

		if (!p)
			return RELEASE_ENOMEM;
		b->r = p;
		b->cap = cap;
	}
	r = &b->r[b->n];
	memset(r, 0, sizeof *r);
	if (!(r->data = malloc(len ? len : 1)))
		return RELEASE_ENOMEM;
	if (len)
		memcpy(r->data, data, len);
	r->len = len;
	r->kind = kind;
	r->seq = seq;
	strcpy(r->key, key);
	b->n++;
	return 0;
}

static void drop(struct fback *b, struct frec *r)
{
	free(r->data);
	*r = b->r[--b->n];
}

static int app_ok(const char *app)
{
	return app && strcmp(app, RECORDS_APP) == 0;
}

static void fb_close(void *ctx)
{
	struct fback *b = ctx;

	for (size_t i = 0; i < b->n; i++)
		free(b->r[i].data);
	free(b->r);
	free(b);
}

static int fb_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		  const void *data, size_t len)
{
	struct fback *b = ctx;

	if (!app_ok(app))
		return RELEASE_EINVAL; /* the harness names no other app */
	if (find(b, kind, key) || (kind != RELEASE_KIND_META && find_seq(b, kind, seq)))
		return RELEASE_ECONFLICT;
	return add(b, kind, key, seq, data, len);
}

static int fb_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		  void *payload)
{
	struct fback *b = ctx;
	struct frec *r = app_ok(app) ? find(b, kind, key) : NULL;

	return r ? fn(payload, r->seq, r->key, r->data, r->len) : RELEASE_ENOTFOUND;
}

static int fb_get_seq(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
		      void *payload)
{
	struct fback *b = ctx;
	struct frec *r = app_ok(app) ? find_seq(b, kind, seq) : NULL;

	return r ? fn(payload, r->seq, r->key, r->data, r->len) : RELEASE_ENOTFOUND;
}

static int fb_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		   release_record_fn fn, void *payload)
{
	struct fback *b = ctx;
	size_t given = 0, cap = limit + (b->overscan ? 1 : 0);

	if (!app_ok(app))
		return 0;
	while (given < cap) {
		struct frec *best = NULL;
		int rc;

		for (size_t i = 0; i < b->n; i++)
			if (b->r[i].kind == kind && b->r[i].seq < before &&
			    (!best || b->r[i].seq > best->seq))
				best = &b->r[i];
		if (!best)
			break;
		before = best->seq;
		if ((rc = fn(payload, best->seq, best->key, best->data, best->len)) != 0)
			return rc;
		given++;
	}
	return 0;
}

static int fb_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		  size_t old_len, const void *data, size_t len)
{
	struct fback *b = ctx;
	struct frec *r = app_ok(app) ? find(b, kind, key) : NULL;
	unsigned char *p;

	if (!app_ok(app))
		return RELEASE_EINVAL;
	if (!old) {
		if (r)
			return RELEASE_ECONFLICT;
		if (kind != RELEASE_KIND_META || !data)
			return RELEASE_EINVAL;
		return add(b, kind, key, 0, data, len);
	}
	if (!r || r->len != old_len || (old_len && memcmp(r->data, old, old_len) != 0))
		return RELEASE_ECONFLICT;
	if (!data) {
		if (kind != RELEASE_KIND_META)
			return RELEASE_EINVAL;
		drop(b, r);
		return 0;
	}
	if (!(p = malloc(len ? len : 1)))
		return RELEASE_ENOMEM;
	if (len)
		memcpy(p, data, len);
	free(r->data);
	r->data = p;
	r->len = len;
	return 0;
}

static int fb_del(void *ctx, const char *app, int kind, const char *key)
{
	struct fback *b = ctx;
	struct frec *r = app_ok(app) ? find(b, kind, key) : NULL;

	if (!r)
		return RELEASE_ENOTFOUND;
	drop(b, r);
	return 0;
}

static int fb_list_apps(void *ctx, release_name_fn fn, void *payload)
{
	struct fback *b = ctx;

	return b->n ? fn(payload, RECORDS_APP) : 0;
}

static const char *fb_errmsg(void *ctx)
{
	(void)ctx;
	return "fuzz backend";
}

static const release_storage backend = {
	.version = RELEASE_STORAGE_VERSION,
	.close = fb_close,
	.put = fb_put,
	.get = fb_get,
	.scan = fb_scan,
	.cas = fb_cas,
	.del = fb_del,
	.list_apps = fb_list_apps,
	.errmsg = fb_errmsg,
};

static const release_storage backend_get_seq = {
	.version = RELEASE_STORAGE_VERSION,
	.close = fb_close,
	.put = fb_put,
	.get = fb_get,
	.scan = fb_scan,
	.cas = fb_cas,
	.del = fb_del,
	.list_apps = fb_list_apps,
	.get_seq = fb_get_seq,
	.errmsg = fb_errmsg,
};

/* ------------------------------------------------------------ input */

/* The record's own F_ID (tag 1) when it is a usable key. */
static int id_of(const unsigned char *d, size_t len, char *key)
{
	size_t p = 4;

	while (len >= 4 && p + 5 <= len) {
		size_t flen = (size_t)d[p + 1] | (size_t)d[p + 2] << 8 | (size_t)d[p + 3] << 16 |
			      (size_t)d[p + 4] << 24;

		if (flen > len - p - 5)
			return 0;
		if (d[p] == 1) {
			if (!valid_key((const char *)d + p + 5, flen))
				return 0;
			memcpy(key, d + p + 5, flen);
			key[flen] = '\0';
			return 1;
		}
		p += 5 + flen;
	}
	return 0;
}

/* A key no record holds by itself: prefix and nine letters from seq. */
static void made_key(char prefix, uint64_t seq, char *key)
{
	key[0] = prefix;
	for (int i = 9; i >= 1; i--) {
		key[i] = (char)('A' + seq % 26);
		seq /= 26;
	}
	key[10] = '\0';
}

static const unsigned char *next_chunk(const unsigned char **p, const unsigned char *end,
				       size_t *len)
{
	const unsigned char *start = *p, *q;

	if (!start)
		return NULL;
	q = memmem(start, (size_t)(end - start), RECORDS_SEP, RECORDS_SEP_LEN);
	*len = (size_t)((q ? q : end) - start);
	*p = q ? q + RECORDS_SEP_LEN : NULL;
	return start;
}

static struct fback *load(const unsigned char *data, size_t size, unsigned char *params)
{
	static const char *const meta[] = {"app", "active", "lease"};
	struct fback *b;
	const unsigned char *p = data, *end = data + size, *c;
	size_t len;
	uint64_t pos = 0;

	memset(params, 0, P_COUNT);
	if (!(b = calloc(1, sizeof *b)))
		return NULL;
	if ((c = next_chunk(&p, end, &len)))
		memcpy(params, c, len < P_COUNT ? len : P_COUNT);
	b->overscan = (params[P_FLAGS] & P_F_OVERSCAN) != 0;
	for (int i = 0; i < 3 && (c = next_chunk(&p, end, &len)); i++)
		if (len && add(b, RELEASE_KIND_META, meta[i], 0, c, len) != 0)
			goto nomem;
	while ((c = next_chunk(&p, end, &len))) {
		int kind, flags;
		uint64_t seq;
		char key[65];

		pos++;
		if (len < 2)
			continue;
		flags = c[0];
		kind = flags & RECORD_IS_BUILD ? RELEASE_KIND_BUILD : RELEASE_KIND_RELEASE;
		seq = c[1] ? c[1] : pos;
		if ((flags & RECORD_OTHER_KEY) || !id_of(c + 2, len - 2, key))
			made_key(kind == RELEASE_KIND_BUILD ? 'B' : 'R', seq, key);
		if (find(b, kind, key) || find_seq(b, kind, seq))
			continue; /* the contract: one record per key and per seq */
		if (add(b, kind, key, seq, c + 2, len - 2) != 0)
			goto nomem;
	}
	return b;
nomem:
	fb_close(b);
	return NULL;
}

/* ------------------------------------------------------------ checks */

static int id_shape(const char *id, char prefix)
{
	size_t n = id ? strlen(id) : 0;

	if (n != 10 && n != 11)
		return 0;
	if (id[0] != prefix)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (id[i] < 'A' || id[i] > 'Z')
			return 0;
	return 1;
}

static void check_release(const release *r)
{
	size_t n = release_env_count(r);

	if (!id_shape(release_id(r), 'R'))
		fz_finding("a release has the id '%s'", release_id(r));
	if (strcmp(release_app_of(r), RECORDS_APP) != 0)
		fz_finding("release %s names app '%s'", release_id(r), release_app_of(r));
	if (release_version(r) == 0)
		fz_finding("release %s has version 0", release_id(r));
	if (!release_manifest(r) || !release_description(r))
		fz_finding("release %s has a NULL manifest or description", release_id(r));
	if (release_build_of(r) && !id_shape(release_build_of(r), 'B'))
		fz_finding("release %s names build '%s'", release_id(r), release_build_of(r));
	if (release_source(r) && !id_shape(release_source(r), 'R'))
		fz_finding("release %s names source '%s'", release_id(r), release_source(r));
	(void)release_created(r);
	(void)release_promoted(r);
	(void)release_failed(r);
	(void)release_is_active(r);
	for (size_t i = 0; i < n; i++) {
		const char *k = release_env_key(r, i), *v = release_env_value(r, i);

		if (!k || !v || release_env_get(r, k) != v)
			fz_finding("release %s: env pair %zu does not read back", release_id(r), i);
		if (i > 0 && strcmp(release_env_key(r, i - 1), k) >= 0)
			fz_finding("release %s: env keys out of order", release_id(r));
	}
	if (release_env_key(r, n) || release_env_value(r, n))
		fz_finding("release %s: an env pair past the end", release_id(r));
}

static void check_build(const release_build *b)
{
	if (!id_shape(release_build_id(b), 'B'))
		fz_finding("a build has the id '%s'", release_build_id(b));
	if (strcmp(release_build_app(b), RECORDS_APP) != 0)
		fz_finding("build %s names app '%s'", release_build_id(b), release_build_app(b));
	if (!release_build_status_name(release_build_status(b)))
		fz_finding("build %s has status %d", release_build_id(b), release_build_status(b));
	if (!release_build_description(b) || !release_build_manifest(b))
		fz_finding("build %s has a NULL description or manifest", release_build_id(b));
	if (release_build_release(b) && !id_shape(release_build_release(b), 'R'))
		fz_finding("build %s names release '%s'", release_build_id(b), release_build_release(b));
	(void)release_build_started(b);
	(void)release_build_ended(b);
}

static void check_app_object(const release_app *a)
{
	if (strcmp(release_app_name(a), RECORDS_APP) != 0)
		fz_finding("app_get gave app '%s'", release_app_name(a));
	if (release_app_active(a) && !id_shape(release_app_active(a), 'R'))
		fz_finding("active release '%s'", release_app_active(a));
	if (release_app_previous(a) && !id_shape(release_app_previous(a), 'R'))
		fz_finding("previous release '%s'", release_app_previous(a));
	if (!release_app_status_name(release_app_status(a)))
		fz_finding("app status %d", release_app_status(a));
	(void)release_app_lease_owner(a);
	(void)release_app_lease_expires(a);
	(void)release_app_created(a);
}

/* ------------------------------------------------------------ calls */

#define MAX_IDS 32

struct seen {
	char rel[MAX_IDS][16];
	uint64_t ver[MAX_IDS];
	size_t nrel;
	char bld[MAX_IDS][16];
	size_t nbld;
};

static void remember(char (*ids)[16], size_t *n, const char *id)
{
	if (*n < MAX_IDS && strlen(id) < 16)
		strcpy(ids[(*n)++], id);
}

/* Lists releases (limit 0: all) from before; returns the last version seen. */
static uint64_t list_releases(release_store *s, size_t limit, uint64_t before, struct seen *seen)
{
	release_list_opts o;
	release_iter *it = NULL;
	const release *r;
	uint64_t last = 0;
	int rc;

	release_list_opts_init(&o);
	o.limit = limit;
	o.before = before;
	if (fz_rc(release_list(s, RECORDS_APP, &o, &it), "release_list") != 0)
		return 0;
	while ((rc = fz_iter_rc(release_iter_next(it, &r), "release_iter_next")) == 0) {
		check_release(r);
		if (last && release_version(r) >= last)
			fz_finding("release_list: version %llu after %llu",
				   (unsigned long long)release_version(r), (unsigned long long)last);
		if (before && release_version(r) >= before)
			fz_finding("release_list: version %llu not before %llu",
				   (unsigned long long)release_version(r), (unsigned long long)before);
		last = release_version(r);
		if (seen) {
			if (seen->nrel < MAX_IDS)
				seen->ver[seen->nrel] = last;
			remember(seen->rel, &seen->nrel, release_id(r));
		}
	}
	release_iter_free(it);
	return last;
}

static void list_builds(release_store *s, size_t limit, struct seen *seen)
{
	release_build_iter *it = NULL;
	const release_build *b;

	if (fz_rc(release_build_list(s, RECORDS_APP, limit, &it), "release_build_list") != 0)
		return;
	while (fz_iter_rc(release_build_iter_next(it, &b), "release_build_iter_next") == 0) {
		check_build(b);
		if (seen)
			remember(seen->bld, &seen->nbld, release_build_id(b));
	}
	release_build_iter_free(it);
}

static void get_release(release_store *s, const char *id)
{
	release *r = NULL;

	if (fz_rc(release_get(s, RECORDS_APP, id, &r), "release_get") == 0) {
		check_release(r);
		if (strcmp(release_id(r), id) != 0)
			fz_finding("release_get(%s) gave release %s", id, release_id(r));
	} else if (r) {
		fz_finding("release_get failed but set *out");
	}
	release_free(r);
}

static void get_version(release_store *s, uint64_t v)
{
	release *r = NULL;

	if (fz_rc(release_get_version(s, RECORDS_APP, v, &r), "release_get_version") == 0) {
		check_release(r);
		if (release_version(r) != v)
			fz_finding("release_get_version(%llu) gave version %llu",
				   (unsigned long long)v, (unsigned long long)release_version(r));
	}
	release_free(r);
}

static void read_all(release_store *s, const unsigned char *params, struct seen *seen)
{
	release_app_iter *ait = NULL;
	const release_app *ca;
	release_app *a = NULL;
	release_build *b = NULL;
	size_t limit = params[P_LIMIT] % 8;

	if (fz_rc(release_app_list(s, &ait), "release_app_list") == 0) {
		while (fz_iter_rc(release_app_iter_next(ait, &ca), "release_app_iter_next") == 0)
			check_app_object(ca);
		release_app_iter_free(ait);
	}
	if (fz_rc(release_app_get(s, RECORDS_APP, &a), "release_app_get") == 0) {
		check_app_object(a);
		if (release_app_active(a))
			get_release(s, release_app_active(a));
		if (release_app_previous(a))
			get_release(s, release_app_previous(a));
	}
	release_app_free(a);
	list_releases(s, 0, 0, seen);
	if (limit) { /* the same history, a page at a time */
		uint64_t before = 0;

		for (int pages = 0; pages < 8; pages++)
			if ((before = list_releases(s, limit, before, NULL)) <= 1)
				break;
	}
	for (size_t i = 0; i < seen->nrel; i++) {
		get_release(s, seen->rel[i]);
		get_version(s, seen->ver[i]);
	}
	get_version(s, params[P_VERSION] ? params[P_VERSION] : UINT64_MAX);
	get_release(s, "RAAAAAAAAA");
	list_builds(s, 0, seen);
	list_builds(s, limit, NULL);
	for (size_t i = 0; i < seen->nbld; i++) {
		if (fz_rc(release_build_get(s, RECORDS_APP, seen->bld[i], &b), "release_build_get") == 0)
			check_build(b);
		release_build_free(b);
		b = NULL;
	}
}

static int deploy(void *payload, const release *r, release_events *events)
{
	int fails = *(const int *)payload;

	check_release(r);
	fz_rc(release_events_emit(events, "fuzz", "deploying"), "release_events_emit");
	return fails ? 1 : 0;
}

static void on_event(void *payload, int64_t time, const char *source, const char *message)
{
	(void)time;
	if (!source || !message)
		fz_finding("an event without source or message");
	++*(size_t *)payload;
}

static void write_all(release_store *s, const unsigned char *params, const struct seen *seen)
{
	unsigned flags = params[P_FLAGS];
	int fails = (flags & P_F_DEPLOY_FAILS) != 0;
	size_t events = 0, removed = 0;
	release_promote_opts po;
	release *r = NULL;

	release_promote_opts_init(&po);
	po.flags = flags & P_F_FORCE ? RELEASE_PROMOTE_FORCE : 0;
	po.on_event = on_event;
	po.event_payload = &events;
	po.owner = "fuzz";
	if (flags & P_F_DEPLOYER) {
		po.deploy = deploy;
		po.deploy_payload = &fails;
	}
	if (flags & P_F_WRITES) {
		const char *set[] = {"FUZZ=1", "OTHER=x=y"}, *unset[] = {"OTHER"};

		if (fz_rc(release_env_set(s, RECORDS_APP, set, 2, &r), "release_env_set") == 0 && r)
			check_release(r);
		release_free(r);
		r = NULL;
		if (fz_rc(release_env_unset(s, RECORDS_APP, unset, 1, &r), "release_env_unset") == 0 && r)
			check_release(r);
		release_free(r);
		r = NULL;
		if (seen->nbld > 0) {
			if (fz_rc(release_create(s, RECORDS_APP, seen->bld[0], &r), "release_create") == 0)
				check_release(r);
			release_free(r);
			r = NULL;
		}
	}
	if (seen->nrel > 0)
		fz_rc(release_promote(s, RECORDS_APP, seen->rel[params[P_PROMOTE] % seen->nrel], &po),
		      "release_promote");
	if ((flags & P_F_ROLLBACK_TARGET) && seen->nrel > 0)
		fz_rc(release_rollback(s, RECORDS_APP, seen->rel[params[P_ROLLBACK] % seen->nrel], &po,
				       &r), "release_rollback");
	else
		fz_rc(release_rollback(s, RECORDS_APP, NULL, &po, &r), "release_rollback");
	if (r)
		check_release(r);
	release_free(r);
	fz_rc(release_prune(s, RECORDS_APP, params[P_KEEP] % 8, &removed), "release_prune");
	if (flags & P_F_DELETE)
		fz_rc(release_app_delete(s, RECORDS_APP), "release_app_delete");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char params[P_COUNT];
	struct fback *b = load(data, size, params);
	struct fz_clock clock = {RECORDS_T0 + (int64_t)params[P_CLOCK] * 15 * 1000000000,
				 1000000000};
	struct fz_random rnd = {0x5eedu};
	release_store_opts opts;
	release_store *s = NULL;
	struct seen seen;

	if (!b)
		return 0;
	memset(&seen, 0, sizeof seen);
	fz_opts(&opts, &clock, &rnd);
	if (release_store_open_backend(&s, params[P_FLAGS] & P_F_GET_SEQ ? &backend_get_seq : &backend,
				       b, &opts) != 0) {
		fb_close(b);
		fz_finding("release_store_open_backend failed: %s", release_store_errmsg(NULL));
	}
	read_all(s, params, &seen);
	write_all(s, params, &seen);
	/* What the writes left must read as well as what the input gave. */
	memset(&seen, 0, sizeof seen);
	read_all(s, params, &seen);
	release_store_close(s);
	return 0;
}
