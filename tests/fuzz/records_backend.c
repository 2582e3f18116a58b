/*
 * fuzz-records' backend: it serves the records the input holds
 * (records_input.h) and stores what the core writes, keeping the contract
 * of storage.h (unique keys and seqs, newest first) unless the input asks
 * it to return one record too many per scan. The input chooses which
 * optional methods it has (get_seq, commit, wait) and whether it is of
 * storage version 3 or an older one without the deployment log; a call
 * the core must not make of that version is a finding.
 */
#include "records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	int version;
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

static int replace(struct frec *r, const void *data, size_t len)
{
	unsigned char *p = malloc(len ? len : 1);

	if (!p)
		return RELEASE_ENOMEM;
	if (len)
		memcpy(p, data, len);
	free(r->data);
	r->data = p;
	r->len = len;
	return 0;
}

static int same(const struct frec *r, const void *data, size_t len)
{
	return r->len == len && (len == 0 || memcmp(r->data, data, len) == 0);
}

static int app_ok(const char *app)
{
	return app && strcmp(app, RECORDS_APP) == 0;
}

/* The core writes no deployment log to a backend older than version 3. */
static void check_kind(const struct fback *b, int kind, const char *what)
{
	if (kind == RELEASE_KIND_DEPLOY && b->version < 3)
		fz_finding("%s of a deployment log entry on a backend of storage version %d", what,
			   b->version);
}

static void free_recs(struct frec *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].data);
	free(r);
}

void records_free(struct fback *b)
{
	if (!b)
		return;
	free_recs(b->r, b->n);
	free(b);
}

static void fb_close(void *ctx)
{
	records_free(ctx);
}

static int fb_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		  const void *data, size_t len)
{
	struct fback *b = ctx;

	if (!app_ok(app))
		return RELEASE_EINVAL; /* the harness names no other app */
	check_kind(b, kind, "a put");
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

	if (!app_ok(app))
		return RELEASE_EINVAL;
	check_kind(b, kind, "a cas");
	if (!old) {
		if (r)
			return RELEASE_ECONFLICT;
		if (kind != RELEASE_KIND_META || !data)
			return RELEASE_EINVAL;
		return add(b, kind, key, 0, data, len);
	}
	if (!r || !same(r, old, old_len))
		return RELEASE_ECONFLICT;
	if (!data) {
		if (kind != RELEASE_KIND_META)
			return RELEASE_EINVAL;
		drop(b, r);
		return 0;
	}
	return replace(r, data, len);
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

/* ---- commit: the operations one by one on the records, which are put
 * back as they were when one fails */

static int apply_op(struct fback *b, const release_storage_op *o)
{
	struct frec *r;

	if (o->kind < RELEASE_KIND_META || o->kind > RELEASE_KIND_DEPLOY || !o->key ||
	    !valid_key(o->key, strlen(o->key)) || (!o->data && o->len) || (!o->old && o->old_len))
		return RELEASE_EINVAL;
	r = find(b, o->kind, o->key);
	switch (o->op) {
	case RELEASE_OP_PUT:
		check_kind(b, o->kind, "a commit's put");
		if ((o->kind == RELEASE_KIND_META) != (o->seq == 0) || !o->data)
			return RELEASE_EINVAL;
		if (r || (o->kind != RELEASE_KIND_META && find_seq(b, o->kind, o->seq)))
			return RELEASE_ECONFLICT;
		return add(b, o->kind, o->key, o->seq, o->data, o->len);
	case RELEASE_OP_CAS:
		check_kind(b, o->kind, "a commit's cas");
		if (o->kind != RELEASE_KIND_META && !o->old)
			return RELEASE_EINVAL; /* an ordered record is created by PUT alone */
		if (o->old ? !r || !same(r, o->old, o->old_len) : r != NULL)
			return RELEASE_ECONFLICT;
		if (!o->data) {
			if (r)
				drop(b, r);
			return 0;
		}
		return r ? replace(r, o->data, o->len) : add(b, o->kind, o->key, 0, o->data, o->len);
	case RELEASE_OP_DEL:
		if (!r)
			return RELEASE_ENOTFOUND;
		drop(b, r);
		return 0;
	case RELEASE_OP_CHECK:
		return (o->old ? !r || !same(r, o->old, o->old_len) : r != NULL) ? RELEASE_ECONFLICT
										   : 0;
	default:
		return RELEASE_EINVAL;
	}
}

static int fb_commit(void *ctx, const char *app, const release_storage_op *ops, size_t n,
		     size_t *failed)
{
	struct fback *b = ctx, keep;
	int rc = 0;
	size_t i;

	if (!app_ok(app) || !ops || n < 1 || n > RELEASE_COMMIT_MAX) {
		if (failed)
			*failed = n;
		return RELEASE_EINVAL;
	}
	keep = *b;
	if (!(keep.r = malloc((b->cap ? b->cap : 1) * sizeof *keep.r)))
		return RELEASE_ENOMEM;
	for (i = 0; i < b->n; i++) {
		keep.r[i] = b->r[i];
		if (!(keep.r[i].data = malloc(b->r[i].len ? b->r[i].len : 1))) {
			free_recs(keep.r, i);
			return RELEASE_ENOMEM;
		}
		memcpy(keep.r[i].data, b->r[i].data, b->r[i].len);
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = apply_op(b, &ops[i]);
	if (rc == 0) {
		free_recs(keep.r, keep.n);
		return 0;
	}
	free_recs(b->r, b->n);
	*b = keep;
	if (failed)
		*failed = i - 1;
	return rc;
}

/* ---- wait: nothing changes here but what the caller writes, so it
 * looks once (or, for a longer wait, a few times) and never sleeps */

static int fb_wait(void *ctx, const char *app, int64_t timeout_ns, int (*check)(void *payload),
		   void *payload)
{
	struct fback *b = ctx;

	if (b->version < 3)
		fz_finding("wait() called on a backend of storage version %d", b->version);
	if (timeout_ns < 0)
		fz_finding("wait() given the timeout %lld", (long long)timeout_ns);
	if (!app_ok(app))
		return RELEASE_EINVAL;
	for (int i = 0; i < (timeout_ns ? 3 : 1); i++) {
		int rc = check(payload);

		if (rc != 0)
			return rc;
	}
	return 0;
}

/* The method tables: bit 0 get_seq, bit 1 wait, bit 2 commit, bit 3 an
 * older version. */
#define T_GET_SEQ 1
#define T_WAIT 2
#define T_COMMIT 4
#define T_OLDER 8

static const release_storage *table(unsigned which)
{
	static release_storage t[16];
	release_storage *s = &t[which & 15];

	if (!s->close) {
		s->version = which & T_OLDER ? 2 : RELEASE_STORAGE_VERSION;
		s->close = fb_close;
		s->put = fb_put;
		s->get = fb_get;
		s->scan = fb_scan;
		s->cas = fb_cas;
		s->del = fb_del;
		s->list_apps = fb_list_apps;
		s->errmsg = fb_errmsg;
		s->get_seq = which & T_GET_SEQ ? fb_get_seq : NULL;
		s->wait = which & T_WAIT ? fb_wait : NULL;
		s->commit = which & T_COMMIT ? fb_commit : NULL;
	}
	return s;
}

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

/* One ordered chunk (or the settings): 0, or RELEASE_ENOMEM. */
static int load_chunk(struct fback *b, const unsigned char *c, size_t len, uint64_t pos)
{
	int flags, kind;
	size_t head;
	uint64_t seq = 0;
	char key[65];

	if (len < 2)
		return 0;
	flags = c[0];
	head = flags & RECORD_SEQ64 ? 9 : 2;
	if (len < head)
		return 0;
	for (size_t i = head - 1; i >= 1; i--)
		seq = seq << 8 | c[i];
	if (seq == 0)
		seq = pos;
	c += head;
	len -= head;
	if (flags & RECORD_IS_SETTINGS)
		return find(b, RELEASE_KIND_META, "settings")
			       ? 0
			       : add(b, RELEASE_KIND_META, "settings", 0, c, len);
	if (flags & RECORD_IS_DEPLOY) {
		kind = RELEASE_KIND_DEPLOY;
		if (flags & RECORD_OTHER_KEY)
			made_key('D', seq, key);
		else
			snprintf(key, sizeof key, "%llu", (unsigned long long)seq);
	} else {
		kind = flags & RECORD_IS_BUILD ? RELEASE_KIND_BUILD : RELEASE_KIND_RELEASE;
		if ((flags & RECORD_OTHER_KEY) || !id_of(c, len, key))
			made_key(kind == RELEASE_KIND_BUILD ? 'B' : 'R', seq, key);
	}
	if (find(b, kind, key) || find_seq(b, kind, seq))
		return 0; /* the contract: one record per key and per seq */
	return add(b, kind, key, seq, c, len);
}

struct fback *records_load(const unsigned char *data, size_t size, unsigned char *params,
			   const release_storage **storage)
{
	static const char *const meta[] = {"app", "active", "lease"};
	struct fback *b;
	const unsigned char *p = data, *end = data + size, *c;
	size_t len;
	uint64_t pos = 0;
	unsigned which = 0;

	memset(params, 0, P_COUNT);
	if (!(b = calloc(1, sizeof *b)))
		return NULL;
	if ((c = next_chunk(&p, end, &len)))
		memcpy(params, c, len < P_COUNT ? len : P_COUNT);
	b->overscan = (params[P_FLAGS] & P_F_OVERSCAN) != 0;
	which |= params[P_FLAGS] & P_F_GET_SEQ ? T_GET_SEQ : 0;
	which |= params[P_FLAGS2] & P_F2_WAIT ? T_WAIT : 0;
	which |= params[P_FLAGS2] & P_F2_COMMIT ? T_COMMIT : 0;
	which |= params[P_FLAGS2] & P_F2_OLDER ? T_OLDER : 0;
	*storage = table(which);
	b->version = (*storage)->version;
	for (int i = 0; i < 3 && (c = next_chunk(&p, end, &len)); i++)
		if (len && add(b, RELEASE_KIND_META, meta[i], 0, c, len) != 0)
			goto nomem;
	while ((c = next_chunk(&p, end, &len)))
		if (load_chunk(b, c, len, ++pos) != 0)
			goto nomem;
	return b;
nomem:
	records_free(b);
	return NULL;
}
