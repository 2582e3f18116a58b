/*
 * The read path against hostile records and hostile timing: a user backend
 * serving crafted release records, read through every public call that
 * decodes them (release_get, release_get_version, release_list, and
 * release_prune, whose walk decodes each record on its own) and compared
 * with a reference decoder written here from the record format; the memory
 * store's lookups over gapped histories; and reads that must not keep a
 * snapshot past their return. Reads out of memory: test_attack_readpath_oom.c.
 */
#include "attack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------ crafted backend */

/* A version-1 backend of one app, "web", whose records the test writes
 * byte by byte. get_seq can be switched off, so that reads by version go
 * through scans. */
struct crec {
	int kind;
	uint64_t seq;
	char key[65];
	unsigned char *data;
	size_t len;
};

struct cback {
	release_storage vt;
	struct crec r[8];
	size_t n;
};

static struct crec *cb_find(struct cback *b, int kind, const char *key)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->r[i].kind == kind && strcmp(b->r[i].key, key) == 0)
			return &b->r[i];
	return NULL;
}

static void cb_add(struct cback *b, int kind, const char *key, uint64_t seq, const void *data,
		   size_t len)
{
	struct crec *r = &b->r[b->n++];

	assert_true(b->n <= sizeof b->r / sizeof b->r[0]);
	r->kind = kind;
	r->seq = seq;
	snprintf(r->key, sizeof r->key, "%s", key);
	r->data = malloc(len ? len : 1);
	assert_non_null(r->data);
	if (len)
		memcpy(r->data, data, len);
	r->len = len;
}

static void cb_drop(struct cback *b, struct crec *r)
{
	free(r->data);
	*r = b->r[--b->n];
}

static void cb_close(void *ctx)
{
	struct cback *b = ctx;

	while (b->n)
		cb_drop(b, &b->r[0]);
	free(b);
}

static int cb_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		  const void *data, size_t len)
{
	struct cback *b = ctx;

	if (strcmp(app, APP) != 0 || b->n == sizeof b->r / sizeof b->r[0])
		return RELEASE_EINVAL;
	if (cb_find(b, kind, key))
		return RELEASE_ECONFLICT;
	for (size_t i = 0; kind != RELEASE_KIND_META && i < b->n; i++)
		if (b->r[i].kind == kind && b->r[i].seq == seq)
			return RELEASE_ECONFLICT;
	cb_add(b, kind, key, seq, data, len);
	return 0;
}

static int cb_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		  void *payload)
{
	struct crec *r = strcmp(app, APP) == 0 ? cb_find(ctx, kind, key) : NULL;

	return r ? fn(payload, r->seq, r->key, r->data, r->len) : RELEASE_ENOTFOUND;
}

static int cb_get_seq(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
		      void *payload)
{
	struct cback *b = ctx;

	for (size_t i = 0; strcmp(app, APP) == 0 && i < b->n; i++)
		if (b->r[i].kind == kind && b->r[i].seq == seq)
			return fn(payload, seq, b->r[i].key, b->r[i].data, b->r[i].len);
	return RELEASE_ENOTFOUND;
}

static int cb_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		   release_record_fn fn, void *payload)
{
	struct cback *b = ctx;

	while (strcmp(app, APP) == 0 && limit-- > 0) {
		struct crec *best = NULL;
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
	}
	return 0;
}

static int cb_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		  size_t old_len, const void *data, size_t len)
{
	struct cback *b = ctx;
	struct crec *r = cb_find(b, kind, key);

	if (strcmp(app, APP) != 0)
		return RELEASE_EINVAL;
	if (!old) {
		if (r)
			return RELEASE_ECONFLICT;
		cb_add(b, kind, key, 0, data, len);
		return 0;
	}
	if (!r || r->len != old_len || memcmp(r->data, old, old_len) != 0)
		return RELEASE_ECONFLICT;
	if (!data) {
		cb_drop(b, r);
		return 0;
	}
	free(r->data);
	r->data = malloc(len ? len : 1);
	assert_non_null(r->data);
	memcpy(r->data, data, len);
	r->len = len;
	return 0;
}

static int cb_del(void *ctx, const char *app, int kind, const char *key)
{
	struct crec *r = strcmp(app, APP) == 0 ? cb_find(ctx, kind, key) : NULL;

	if (!r)
		return RELEASE_ENOTFOUND;
	cb_drop(ctx, r);
	return 0;
}

static int cb_list_apps(void *ctx, release_name_fn fn, void *payload)
{
	return ((struct cback *)ctx)->n ? fn(payload, APP) : 0;
}

/* ------------------------------------------------- writing records by hand */

struct rec {
	unsigned char b[4096];
	size_t n;
	size_t field_at[64]; /* where each field's header starts */
	size_t fields;
};

static void rec_begin(struct rec *r, int type)
{
	memset(r, 0, sizeof *r);
	r->b[0] = 'L';
	r->b[1] = 'R';
	r->b[2] = 1;
	r->b[3] = (unsigned char)type;
	r->n = 4;
}

static void rec_field(struct rec *r, int tag, const void *v, size_t len)
{
	if (r->n + 5 + len > sizeof r->b || r->fields == 64)
		return;
	r->field_at[r->fields++] = r->n;
	r->b[r->n++] = (unsigned char)tag;
	for (int i = 0; i < 4; i++)
		r->b[r->n++] = (unsigned char)(len >> (8 * i));
	memcpy(r->b + r->n, v, len);
	r->n += len;
}

static void rec_str(struct rec *r, int tag, const char *s)
{
	rec_field(r, tag, s, strlen(s));
}

static void rec_u64(struct rec *r, int tag, uint64_t v)
{
	unsigned char x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	rec_field(r, tag, x, 8);
}

/* The field tags and record types of the format (lib/codec.c). */
enum { T_ID = 1, T_APP, T_VERSION, T_BUILD, T_MANIFEST, T_DESCRIPTION, T_CREATED, T_SOURCE,
       T_PROMOTED, T_FAILED, T_ENV_KEY, T_ENV_VALUE };
enum { REC_APP_T = 1, REC_ACTIVE_T = 2, REC_RELEASE_T = 5 };

#define OTHER_ID "RBBBBBBBBB" /* the valid release at version 2 */

/* A store over a crafted backend holding app "web", the record under test
 * at version 1 under key, and a sound release at version 2 that is active. */
static release_store *crafted_store(const struct rec *r, const char *key, int with_get_seq)
{
	struct cback *b = calloc(1, sizeof *b);
	release_store *s = NULL;
	struct rec x;

	assert_non_null(b);
	b->vt.version = 1;
	b->vt.close = cb_close;
	b->vt.put = cb_put;
	b->vt.get = cb_get;
	b->vt.scan = cb_scan;
	b->vt.cas = cb_cas;
	b->vt.del = cb_del;
	b->vt.list_apps = cb_list_apps;
	b->vt.get_seq = with_get_seq ? cb_get_seq : NULL;
	rec_begin(&x, REC_APP_T);
	rec_str(&x, T_APP, APP);
	rec_u64(&x, T_CREATED, (uint64_t)START);
	cb_add(b, RELEASE_KIND_META, "app", 0, x.b, x.n);
	rec_begin(&x, REC_ACTIVE_T);
	rec_u64(&x, T_VERSION, 2);
	rec_str(&x, T_ID, OTHER_ID);
	rec_u64(&x, T_PROMOTED, (uint64_t)START + 5);
	cb_add(b, RELEASE_KIND_META, "active", 0, x.b, x.n);
	rec_begin(&x, REC_RELEASE_T);
	rec_str(&x, T_ID, OTHER_ID);
	rec_str(&x, T_APP, APP);
	rec_u64(&x, T_VERSION, 2);
	rec_u64(&x, T_CREATED, (uint64_t)START + 2);
	cb_add(b, RELEASE_KIND_RELEASE, OTHER_ID, 2, x.b, x.n);
	cb_add(b, RELEASE_KIND_RELEASE, key, 1, r->b, r->n);
	assert_ok(release_store_open_backend(&s, &b->vt, b, NULL));
	return s;
}

/* ------------------------------------------------------ reference decoder */

/* The format as written down at the top of lib/codec.c and in
 * decode_release(): every field checked where it stands, the last of a
 * repeated one kept, env keys strictly ascending, each followed by its
 * value, stray values and unknown tags skipped. */
struct ref {
	char id[32], *app, *build, *manifest, *description, *source;
	uint64_t version;
	int64_t created, promoted, failed;
	char *keys[600], *vals[600];
	size_t n;
};

static void ref_free(struct ref *f)
{
	free(f->app);
	free(f->build);
	free(f->manifest);
	free(f->description);
	free(f->source);
	for (size_t i = 0; i < f->n; i++) {
		free(f->keys[i]);
		free(f->vals[i]);
	}
	memset(f, 0, sizeof *f);
}

static int ref_str(char **dst, const unsigned char *v, size_t len)
{
	if (memchr(v, 0, len))
		return 0;
	free(*dst);
	*dst = malloc(len + 1);
	assert_non_null(*dst);
	memcpy(*dst, v, len);
	(*dst)[len] = 0;
	return 1;
}

static int ref_int(void *dst, const unsigned char *v, size_t len)
{
	uint64_t x = 0;

	if (len != 8)
		return 0;
	for (int i = 7; i >= 0; i--)
		x = x << 8 | v[i];
	memcpy(dst, &x, 8);
	return 1;
}

static int ref_id_ok(const char *id, char prefix)
{
	size_t n = id ? strlen(id) : 0;

	if (n != 10 && n != 11)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (id[i] < 'A' || id[i] > 'Z')
			return 0;
	return id[0] == prefix;
}

static int ref_app_ok(const char *a)
{
	size_t n = a ? strlen(a) : 0;

	if (n < 1 || n > 63 || a[0] == '-' || a[n - 1] == '-')
		return 0;
	return strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static int ref_key_ok(const char *k)
{
	size_t n = strlen(k);
	const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";

	return n >= 1 && n <= 256 && strchr(alpha, k[0]) &&
	       strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789") == n;
}

/* A field at *p: 1 and its parts, 0 at the end, -1 when malformed. */
static int ref_next(const unsigned char *d, size_t len, size_t *p, int *tag,
		    const unsigned char **v, size_t *flen)
{
	uint64_t n;

	if (*p == len)
		return 0;
	if (len - *p < 5)
		return -1;
	n = (uint64_t)d[*p + 1] | (uint64_t)d[*p + 2] << 8 | (uint64_t)d[*p + 3] << 16 |
	    (uint64_t)d[*p + 4] << 24;
	if (n > len - *p - 5)
		return -1;
	*tag = d[*p];
	*v = d + *p + 5;
	*flen = (size_t)n;
	*p += 5 + (size_t)n;
	return 1;
}

/* 1 when the record is a sound release of app "web" at version 1. */
static int ref_decode(const unsigned char *d, size_t len, struct ref *f)
{
	size_t p = 4, flen;
	const unsigned char *v;
	int tag, got, ok = 1;

	memset(f, 0, sizeof *f);
	if (len < 4 || d[0] != 'L' || d[1] != 'R' || d[2] != 1 || d[3] != REC_RELEASE_T)
		return 0;
	while (ok && (got = ref_next(d, len, &p, &tag, &v, &flen)) != 0) {
		if (got < 0)
			return 0;
		switch (tag) {
		case T_ID:
			ok = flen >= 1 && flen <= 15 && !memchr(v, 0, flen);
			if (ok) {
				memcpy(f->id, v, flen);
				f->id[flen] = 0;
			}
			break;
		case T_APP: ok = ref_str(&f->app, v, flen); break;
		case T_BUILD: ok = ref_str(&f->build, v, flen); break;
		case T_MANIFEST: ok = ref_str(&f->manifest, v, flen); break;
		case T_DESCRIPTION: ok = ref_str(&f->description, v, flen); break;
		case T_SOURCE: ok = ref_str(&f->source, v, flen); break;
		case T_VERSION: ok = ref_int(&f->version, v, flen); break;
		case T_CREATED: ok = ref_int(&f->created, v, flen); break;
		case T_PROMOTED: ok = ref_int(&f->promoted, v, flen); break;
		case T_FAILED: ok = ref_int(&f->failed, v, flen); break;
		case T_ENV_KEY: {
			char *key = NULL;

			assert_true(f->n < 600);
			ok = ref_str(&key, v, flen) && ref_key_ok(key) &&
			     (f->n == 0 || strcmp(f->keys[f->n - 1], key) < 0);
			if (ok && (ref_next(d, len, &p, &tag, &v, &flen) != 1 || tag != T_ENV_VALUE))
				ok = 0;
			if (ok && !ref_str(&f->vals[f->n], v, flen))
				ok = 0;
			if (ok)
				f->keys[f->n++] = key;
			else
				free(key);
			break;
		}
		default: break; /* stray values, unknown tags */
		}
	}
	ok = ok && ref_id_ok(f->id, 'R') && ref_app_ok(f->app) && f->version != 0 &&
	     (!f->build || ref_id_ok(f->build, 'B')) && (!f->source || ref_id_ok(f->source, 'R'));
	if (ok && !f->manifest)
		ref_str(&f->manifest, (const unsigned char *)"", 0);
	if (ok && !f->description)
		ref_str(&f->description, (const unsigned char *)"", 0);
	/* what the reads add: the record must be of the app and version read */
	return ok && strcmp(f->app, APP) == 0 && f->version == 1;
}

static void assert_str_eq(const char *got, const char *want)
{
	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
}

static void assert_matches_ref(const release *r, const struct ref *f)
{
	assert_string_equal(release_id(r), f->id);
	assert_str_eq(release_app_of(r), f->app);
	assert_int_equal(release_version(r), f->version);
	assert_str_eq(release_build_of(r), f->build);
	assert_str_eq(release_manifest(r), f->manifest);
	assert_str_eq(release_description(r), f->description);
	assert_str_eq(release_source(r), f->source);
	assert_true(release_created(r) == f->created);
	assert_true(release_promoted(r) == f->promoted);
	assert_true(release_failed(r) == f->failed);
	assert_int_equal(release_is_active(r), 0);
	assert_int_equal(release_env_count(r), f->n);
	for (size_t i = 0; i < f->n; i++) {
		assert_string_equal(release_env_key(r, i), f->keys[i]);
		assert_string_equal(release_env_value(r, i), f->vals[i]);
		assert_str_eq(release_env_get(r, f->keys[i]), f->vals[i]);
	}
	assert_null(release_env_key(r, f->n));
	assert_null(release_env_value(r, f->n));
}

/* --------------------------------------------------------- record maker */

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#define PICK(s, arr) (arr[rng_next(s) % (sizeof arr / sizeof arr[0])])

static const char *const ids[] = {"RAAAAAAAAA", "RCDEFGHIJK", "RZZZZZZZZZZ", "RAAAAAAAA",
				  "RAAAAAAAAAAA", "BAAAAAAAAA", "raaaaaaaaa", "", "R",
				  "RAAAAAAAAAAAAAA", "RAAAAAAAAAAAAAAA"};
static const char *const apps[] = {"web", "web", "web", "other", "", "WEB", "-web", "web-",
				   "w", "a-b"};
static const char *const builds[] = {"BAAAAAAAAA", "BXYZXYZXYZX", "RAAAAAAAAA", "", "B"};
static const char *const keys[] = {"A", "B", "AB", "a", "_", "_x", "Z9", "A1", "9A", "",
				   "A-B", "AA", "Ab", "aB"};
static const char *const texts[] = {"", "x", "hello world", "0123456789abcdef0123456789abcdef",
				    "0123456789abcdef0123456789abcdef0", "caf\xc3\xa9"};
static const uint64_t ints[] = {0, 1, 2, (uint64_t)START, UINT64_MAX, (uint64_t)INT64_MAX,
				(uint64_t)INT64_MIN, 1ull << 56};

/* A string field, sometimes with a NUL inside or made long. */
static void put_text(struct rec *r, uint64_t *s, int tag, const char *text)
{
	char buf[400];
	size_t n = strlen(text);

	switch (rng_next(s) % 16) {
	case 0: /* a NUL inside (or at the end) */
		memcpy(buf, text, n);
		buf[n] = 0;
		rec_field(r, tag, buf, n + 1);
		return;
	case 1: /* long: beyond the short-string path, and an env key's limit */
		memset(buf, 'K', sizeof buf);
		rec_field(r, tag, buf, 200 + rng_next(s) % 200);
		return;
	default: rec_str(r, tag, text);
	}
}

static void put_pair(struct rec *r, uint64_t *s, const char *key)
{
	size_t n = 0;

	if (rng_next(s) % 24 == 0) { /* a key exactly at and over the limit */
		char k[260];

		n = 256 + rng_next(s) % 2;
		memset(k, 'K', n);
		rec_field(r, T_ENV_KEY, k, n);
	} else {
		put_text(r, s, T_ENV_KEY, key);
	}
	switch (rng_next(s) % 20) {
	case 0: return;                                     /* no value */
	case 1: rec_str(r, 99, "v"); return;                /* an unknown tag instead */
	case 2: put_text(r, s, T_ENV_KEY, "ZZ"); return;    /* a key instead */
	default: put_text(r, s, T_ENV_VALUE, PICK(s, texts));
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void make_record(struct rec *r, uint64_t *s)
{
	size_t nfields = rng_next(s) % 14;
	int mode = (int)(rng_next(s) % 4); /* 0: sound, with fields in a random order */

	rec_begin(r, REC_RELEASE_T);
	if (rng_next(s) % 40 == 0)
		r->b[2 + rng_next(s) % 2] ^= (unsigned char)(1 + rng_next(s) % 255);
	if (mode == 0 || rng_next(s) % 3) {
		rec_str(r, T_ID, mode == 0 ? "RAAAAAAAAA" : PICK(s, ids));
		rec_str(r, T_APP, mode == 0 ? APP : PICK(s, apps));
		rec_u64(r, T_VERSION, mode == 0 || rng_next(s) % 4 ? 1 : PICK(s, ints));
	}
	if (rng_next(s) % 2) { /* a sorted env, sometimes with a key twice */
		const char *k[6];
		size_t n = 1 + rng_next(s) % 6;

		for (size_t i = 0; i < n; i++)
			k[i] = PICK(s, keys);
		qsort(k, n, sizeof k[0], cmp_str);
		for (size_t i = 0; i < n; i++)
			if (mode != 0 || i == 0 || strcmp(k[i - 1], k[i]) != 0)
				put_pair(r, s, k[i]);
	}
	for (size_t i = 0; i < nfields; i++) {
		static const int benign[] = {T_MANIFEST, T_DESCRIPTION, T_CREATED, T_PROMOTED, 200};
		int tag = mode == 0 ? PICK(s, benign) : (int)(rng_next(s) % 14);

		switch (tag) {
		case T_ID: put_text(r, s, tag, PICK(s, ids)); break;
		case T_APP: put_text(r, s, tag, PICK(s, apps)); break;
		case T_BUILD: put_text(r, s, tag, PICK(s, builds)); break;
		case T_SOURCE: put_text(r, s, tag, PICK(s, ids)); break;
		case T_MANIFEST:
		case T_DESCRIPTION:
		case T_ENV_VALUE: put_text(r, s, tag, PICK(s, texts)); break;
		case T_VERSION:
		case T_CREATED:
		case T_PROMOTED:
		case T_FAILED:
			if (rng_next(s) % 10 == 0)
				rec_field(r, tag, "1234567", rng_next(s) % 8);
			else
				rec_u64(r, tag, tag == T_VERSION && rng_next(s) % 2 ? 1 : PICK(s, ints));
			break;
		case T_ENV_KEY: put_pair(r, s, PICK(s, keys)); break;
		case 0: rec_str(r, 0, "zero"); break;
		default: rec_str(r, 13 + (int)(rng_next(s) % 243), "unknown"); break;
		}
	}
	if (mode == 3 && r->fields && rng_next(s) % 2) { /* a length that lies */
		static const uint32_t lens[] = {0, 1, 0xffffffffu, 0x7fffffffu, 5};
		size_t at = r->field_at[rng_next(s) % r->fields];
		uint32_t v = PICK(s, lens);

		for (int i = 0; i < 4; i++)
			r->b[at + 1 + i] = (unsigned char)(v >> (8 * i));
	}
	if (mode == 3 && rng_next(s) % 3 == 0 && r->n > 0) /* cut short */
		r->n = rng_next(s) % r->n;
}

/* ------------------------------------------------ the differential tests */

static int memory_run(void)
{
	const char *uri = getenv("RELEASE_TEST_STORE");

	/* The crafted backend is the same whatever store the suite is run on. */
	return !uri || !*uri || strcmp(uri, "memory:") == 0;
}

/* One record read every way the API reads it, each compared with the
 * reference: a read by version, by id, in a listing, a copy, and a prune
 * whose walk decodes the record with the core's own other decoder. */
static void check_record(const struct rec *rec, int with_get_seq)
{
	struct ref f;
	int ok = ref_decode(rec->b, rec->n, &f);
	const char *key = ref_id_ok(f.id, 'R') && strcmp(f.id, OTHER_ID) != 0 ? f.id : "RAAAAAAAAA";
	release_store *s = crafted_store(rec, key, with_get_seq);
	release_iter *it = NULL;
	const release *item = NULL;
	release *r = NULL, *copy;
	size_t removed = 99;
	int rc;

	rc = release_get_version(s, APP, 1, &r);
	assert_int_equal(rc, ok ? 0 : RELEASE_ECORRUPT);
	if (ok) {
		assert_matches_ref(r, &f);
		copy = release_dup(r);
		assert_non_null(copy);
		release_free(r);
		assert_matches_ref(copy, &f);
		release_free(copy);
	} else {
		assert_null(r);
	}
	rc = release_get(s, APP, key, &r);
	assert_int_equal(rc, ok ? 0 : RELEASE_ECORRUPT);
	if (ok)
		assert_matches_ref(r, &f);
	release_free(r);
	assert_store_ok(s, release_list(s, APP, NULL, &it));
	assert_store_ok(s, release_iter_next(it, &item));
	assert_string_equal(release_id(item), OTHER_ID);
	assert_int_equal(release_is_active(item), 1);
	rc = release_iter_next(it, &item);
	assert_int_equal(rc, ok ? 0 : RELEASE_ECORRUPT);
	if (ok)
		assert_matches_ref(item, &f);
	assert_int_equal(release_iter_next(it, &item), RELEASE_ITEROVER);
	release_iter_free(it);
	/* the prune's walk: a sound record older than the active one goes */
	rc = release_prune(s, APP, 0, &removed);
	assert_int_equal(rc, ok ? 0 : RELEASE_ECORRUPT);
	assert_int_equal(removed, ok ? 1 : 0);
	release_store_close(s);
	ref_free(&f);
}

static void crafted_releases_read_every_way_agree_with_the_format(void **state)
{
	uint64_t seed = 0x5eed5eed12345678u;
	unsigned sound = 0;
	struct rec r;

	(void)state;
	if (!memory_run())
		skip();
	for (int i = 0; i < 6000; i++) {
		struct ref f;

		make_record(&r, &seed);
		sound += (unsigned)ref_decode(r.b, r.n, &f);
		ref_free(&f);
		check_record(&r, i % 2);
	}
	/* the cases reach both sides */
	print_message("%u of 6000 records sound\n", sound);
	assert_true(sound > 600);
	assert_true(sound < 5400);
}

/* The edges one at a time, named: each is a sound record with one thing
 * done to it. */
static void crafted_edge_records_agree_with_the_format(void **state)
{
	static const char nul_desc[] = "a\0b";
	char big[300];
	struct rec r;

	(void)state;
	if (!memory_run())
		skip();
	memset(big, 'X', sizeof big);
	for (int edge = 0; edge < 20; edge++) {
		rec_begin(&r, REC_RELEASE_T);
		if (edge != 1)
			rec_str(&r, T_ID, "RAAAAAAAAA");
		rec_str(&r, T_APP, APP);
		rec_u64(&r, T_VERSION, 1);
		switch (edge) {
		case 0: rec_str(&r, T_ID, "RQQQQQQQQQ"); break;      /* id twice: the last */
		case 2: rec_str(&r, T_DESCRIPTION, ""); break;       /* empty */
		case 3: rec_field(&r, T_DESCRIPTION, nul_desc, 3); break;
		case 4: rec_str(&r, T_ENV_KEY, "A"); break;          /* key as last field */
		case 5: rec_str(&r, T_ENV_VALUE, "stray"); break;
		case 6:
			rec_str(&r, T_ENV_KEY, "B");
			rec_str(&r, T_ENV_VALUE, "1");
			rec_str(&r, T_ENV_KEY, "A");
			rec_str(&r, T_ENV_VALUE, "2");
			break;
		case 7:
			rec_str(&r, T_ENV_KEY, "A");
			rec_str(&r, T_ENV_VALUE, "1");
			rec_str(&r, T_ENV_KEY, "A");
			rec_str(&r, T_ENV_VALUE, "2");
			break;
		case 8: rec_field(&r, T_ENV_KEY, big, 256), rec_str(&r, T_ENV_VALUE, ""); break;
		case 9: rec_field(&r, T_ENV_KEY, big, 257), rec_str(&r, T_ENV_VALUE, ""); break;
		case 10: rec_str(&r, 255, "future field"); break;
		case 11: rec_u64(&r, T_VERSION, 2); break;           /* another version */
		case 12: rec_str(&r, T_APP, "other"); break;         /* another app */
		case 13: rec_u64(&r, T_PROMOTED, UINT64_MAX); break; /* -1 ns */
		case 14: rec_field(&r, T_CREATED, "1234567", 7); break;
		case 15: memset(r.b + r.field_at[2] + 1, 0xff, 4); break; /* length 2^32 - 1 */
		case 16: rec_field(&r, T_MANIFEST, big, sizeof big); break;
		case 17: r.n--; break;                               /* one byte short */
		case 18: rec_str(&r, T_SOURCE, ""); break;
		case 19: rec_str(&r, T_BUILD, "BAAAAAAAAA"), rec_str(&r, T_APP, APP); break;
		default: break;
		}
		check_record(&r, edge % 2);
	}
}

/* ------------------------------------------- the memory store's lookups */

/* Seqs the model below tries, gaps and the far end among them. */
static const uint64_t seqs[] = {1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 16, 17, 64, 65, 1000,
				(1ull << 32) - 1, 1ull << 32, (1ull << 56) - 1, 1ull << 56,
				(1ull << 63), UINT64_MAX - 2, UINT64_MAX - 1};
#define NSEQ (sizeof seqs / sizeof seqs[0])

static int seen_seq(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	uint64_t *out = payload;
	char want[32];

	snprintf(want, sizeof want, "k%llu", (unsigned long long)seq);
	assert_string_equal(key, want);
	assert_int_equal(len, sizeof seq);
	assert_memory_equal(data, &seq, sizeof seq);
	out[++out[0]] = seq;
	return 0;
}

/* Random puts and deletions (the oldest, the newest, any) over a raw
 * memory store, each followed by a get by seq of every seq above and a
 * scan from each, against a model of which seqs are there. */
static void memory_store_finds_every_seq_across_gaps_and_far_ends(void **state)
{
	const release_storage *st;
	void *ctx;
	int present[NSEQ] = {0};
	uint64_t seed = 0xfeedface1234567u;

	(void)state;
	if (!memory_run())
		skip();
	assert_ok(release_storage_open(&st, &ctx, "memory:"));
	for (int step = 0; step < 3000; step++) {
		size_t i = rng_next(&seed) % NSEQ;
		char key[32];
		int rc;

		snprintf(key, sizeof key, "k%llu", (unsigned long long)seqs[i]);
		if (rng_next(&seed) % 3) {
			rc = st->put(ctx, APP, RELEASE_KIND_RELEASE, key, seqs[i], &seqs[i],
				     sizeof seqs[i]);
			assert_int_equal(rc, present[i] ? RELEASE_ECONFLICT : 0);
			present[i] = 1;
		} else {
			rc = st->del(ctx, APP, RELEASE_KIND_RELEASE, key);
			assert_int_equal(rc, present[i] ? 0 : RELEASE_ENOTFOUND);
			present[i] = 0;
		}
		for (size_t j = 0; j < NSEQ; j++) {
			uint64_t got[NSEQ + 2] = {0};
			size_t k, want_n = 0;

			rc = st->get_seq(ctx, APP, RELEASE_KIND_RELEASE, seqs[j], seen_seq, got);
			assert_int_equal(rc, present[j] ? 0 : RELEASE_ENOTFOUND);
			assert_int_equal(got[0], present[j]);
			/* a neighbour that is never stored */
			memset(got, 0, sizeof got);
			rc = st->get_seq(ctx, APP, RELEASE_KIND_RELEASE, seqs[j] + 1000003, seen_seq, got);
			assert_int_equal(rc, RELEASE_ENOTFOUND);
			memset(got, 0, sizeof got);
			assert_ok(st->scan(ctx, APP, RELEASE_KIND_RELEASE, seqs[j], NSEQ, seen_seq, got));
			for (k = j; k-- > 0;)
				if (present[k])
					assert_true(got[++want_n] == seqs[k]);
			assert_int_equal(got[0], want_n);
		}
	}
	st->close(ctx);
}

/* ------------------------------------------------------------ snapshots */

/* An env change promoted by another writer: on a store of files another
 * process (handles of one process may share what they know of a file),
 * else the other handle w. Returns the new release, as w reads it. */
static release *write_elsewhere(struct atk *f, release_store *w, const char *pair)
{
	release *r;
	pid_t pid;
	int status;

	if (strncmp(f->b->uri, "file:", 5) == 0) {
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			release_store *s = NULL;
			release *made = NULL;

			if (release_store_open(&s, f->b->uri, NULL) != 0 ||
			    release_env_set(s, APP, &pair, 1, &made) != 0 || !made ||
			    release_promote(s, APP, release_id(made), NULL) != 0)
				_exit(1);
			_exit(0);
		}
		assert_true(waitpid(pid, &status, 0) == pid);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		assert_store_ok(w, release_get_active(w, APP, &r));
		return r;
	}
	r = set_env(w, APP, pair);
	promote(w, APP, release_id(r));
	return r;
}

/* Each read that fails (and two that succeed) on one handle, then a write
 * by another writer, then reads on the first handle: they see the write,
 * as they would had the failed read never been made. */
static void reads_after_a_failed_read_see_another_writers_changes(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release_store *w = open_handle(f, START + 100 * SEC, SEC, 0);

	make_app(s, APP);
	release_free(make_build_release(s, APP, "one"));
	for (int path = 0; path < 8; path++) {
		release *r = NULL, *fresh;
		release_app *a = NULL;
		release_iter *it = NULL;
		const release *item;
		int rc = 0;

		switch (path) {
		case 0: rc = release_get(s, APP, "RNOSUCHREL", &r); break;
		case 1: rc = release_get_version(s, APP, 1000, &r); break;
		case 2: rc = release_get(s, "nosuch", "RNOSUCHREL", &r); break;
		case 3: rc = release_get_version(s, "nosuch", 1, &r); break;
		case 4: rc = release_list(s, "nosuch", NULL, &it); break;
		case 5: rc = release_get_active(s, "nosuch", &r); break;
		case 6: rc = release_get_version(s, APP, 1, &r); break; /* a success */
		default: rc = release_get_active(s, APP, &r); break;
		}
		if (path < 6)
			assert_int_equal(rc, RELEASE_ENOTFOUND);
		release_free(r);
		release_iter_free(it);
		fresh = write_elsewhere(f, w, path % 2 ? "A=1" : "A=2");
		assert_store_ok(s, release_app_get(s, APP, &a));
		assert_string_equal(release_app_active(a), release_id(fresh));
		release_app_free(a);
		assert_store_ok(s, release_get_version(s, APP, release_version(fresh), &r));
		assert_int_equal(release_is_active(r), 1);
		release_free(r);
		assert_store_ok(s, release_get_active(s, APP, &r));
		assert_string_equal(release_id(r), release_id(fresh));
		release_free(r);
		assert_store_ok(s, release_list(s, APP, NULL, &it));
		assert_store_ok(s, release_iter_next(it, &item));
		assert_string_equal(release_id(item), release_id(fresh));
		release_iter_free(it);
		release_free(fresh);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crafted_releases_read_every_way_agree_with_the_format),
		cmocka_unit_test(crafted_edge_records_agree_with_the_format),
		cmocka_unit_test(memory_store_finds_every_seq_across_gaps_and_far_ends),
		cmocka_unit_test_setup_teardown(reads_after_a_failed_read_see_another_writers_changes,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
