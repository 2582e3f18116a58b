/*
 * Record encoding. Backends store these bytes as they are.
 *
 *   header: 'L' 'R' <format version 1> <record type>
 *   fields: <tag: 1 byte> <length: 4 bytes little-endian> <value>
 *
 * Integers are 8 bytes little-endian; strings are UTF-8 without NUL. Readers
 * skip tags they do not know, so later versions may add fields; a record of a
 * newer format version is refused as corrupt rather than misread.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define FORMAT_VERSION 1

void enc_begin(struct buf *b, enum rec_type type)
{
	unsigned char h[4] = {'L', 'R', FORMAT_VERSION, (unsigned char)type};

	buf_put(b, h, sizeof h);
}

static void enc_field(struct buf *b, enum field_tag tag, const void *v, size_t len)
{
	unsigned char h[5];

	if (len > UINT32_MAX) {
		b->err = RELEASE_EINVAL;
		return;
	}
	h[0] = (unsigned char)tag;
	for (int i = 0; i < 4; i++)
		h[1 + i] = (unsigned char)(len >> (8 * i));
	buf_put(b, h, sizeof h);
	buf_put(b, v, len);
}

void enc_str(struct buf *b, enum field_tag tag, const char *s)
{
	if (s)
		enc_field(b, tag, s, strlen(s));
}

void enc_bytes(struct buf *b, enum field_tag tag, const void *v, size_t len)
{
	enc_field(b, tag, v, len);
}

void enc_u64(struct buf *b, enum field_tag tag, uint64_t v)
{
	unsigned char x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	enc_field(b, tag, x, sizeof x);
}

void enc_i64(struct buf *b, enum field_tag tag, int64_t v)
{
	enc_u64(b, tag, (uint64_t)v);
}

int dec_begin(struct dec *d, const void *data, size_t len, enum rec_type type)
{
	const unsigned char *p = data;

	if (!data || len < 4 || p[0] != 'L' || p[1] != 'R' || p[2] != FORMAT_VERSION ||
	    p[3] != (unsigned char)type)
		return RELEASE_ECORRUPT;
	d->p = p + 4;
	d->end = p + len;
	return 0;
}

int dec_next(struct dec *d)
{
	size_t left = (size_t)(d->end - d->p), len = 0;

	if (left == 0)
		return 0;
	if (left < 5)
		return RELEASE_ECORRUPT;
	for (int i = 0; i < 4; i++)
		len |= (size_t)d->p[1 + i] << (8 * i);
	if (len > left - 5)
		return RELEASE_ECORRUPT;
	d->tag = (enum field_tag)d->p[0];
	d->val = d->p + 5;
	d->len = len;
	d->p += 5 + len;
	return 1;
}

int dec_str(const struct dec *d, char **out)
{
	if (memchr(d->val, '\0', d->len))
		return RELEASE_ECORRUPT;
	free(*out);
	*out = dup_mem(d->val, d->len);
	return *out ? 0 : RELEASE_ENOMEM;
}

int dec_bytes(const struct dec *d, char **out, size_t *len)
{
	free(*out);
	*out = dup_mem(d->val, d->len);
	*len = d->len;
	return *out ? 0 : RELEASE_ENOMEM;
}

int dec_fixed(const struct dec *d, char *out, size_t cap)
{
	if (d->len == 0 || d->len >= cap || memchr(d->val, '\0', d->len))
		return RELEASE_ECORRUPT;
	memcpy(out, d->val, d->len);
	out[d->len] = '\0';
	return 0;
}

int dec_u64(const struct dec *d, uint64_t *out)
{
	uint64_t v = 0;

	if (d->len != 8)
		return RELEASE_ECORRUPT;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)d->val[i] << (8 * i);
	*out = v;
	return 0;
}

int dec_i64(const struct dec *d, int64_t *out)
{
	uint64_t v;
	int rc = dec_u64(d, &v);

	if (rc == 0)
		*out = (int64_t)v;
	return rc;
}

/* ---- releases */

void encode_release(struct buf *b, const struct release *r)
{
	enc_begin(b, REC_RELEASE);
	enc_str(b, F_ID, r->id);
	enc_str(b, F_APP, r->app);
	enc_u64(b, F_VERSION, r->version);
	enc_str(b, F_BUILD, r->build);
	enc_str(b, F_MANIFEST, r->manifest);
	enc_str(b, F_DESCRIPTION, r->description);
	enc_i64(b, F_CREATED, r->created);
	enc_str(b, F_SOURCE, r->source);
	if (r->promoted)
		enc_i64(b, F_PROMOTED, r->promoted);
	if (r->failed)
		enc_i64(b, F_FAILED, r->failed);
	if (r->actor)
		enc_str(b, F_ACTOR, r->actor);
	for (size_t i = 0; i < r->env.n; i++) {
		enc_str(b, F_ENV_KEY, r->env.keys[i]);
		enc_str(b, F_ENV_VALUE, r->env.vals[i]);
	}
}

void release_clear(release *r)
{
	if (r->packed) { /* one block, freed with the release itself */
		memset(r, 0, sizeof *r);
		return;
	}
	free(r->app);
	free(r->build);
	free(r->manifest);
	free(r->description);
	free(r->source);
	free(r->actor);
	env_free(&r->env);
	memset(r, 0, sizeof *r);
}

static int dec_env_pair(struct dec *d, struct env *env)
{
	char *key = NULL, *val = NULL;
	int rc = dec_str(d, &key);

	if (rc == 0 && !valid_env_key(key, strlen(key)))
		rc = RELEASE_ECORRUPT;
	/* keys are stored in strictly ascending order */
	if (rc == 0 && env->n > 0 && strcmp(env->keys[env->n - 1], key) >= 0)
		rc = RELEASE_ECORRUPT;
	if (rc == 0) {
		rc = dec_next(d);
		rc = rc == 1 && d->tag == F_ENV_VALUE ? dec_str(d, &val) : RELEASE_ECORRUPT;
	}
	if (rc == 0)
		rc = env_put(env, key, strlen(key), val);
	free(key);
	free(val);
	return rc;
}

int decode_release(const void *data, size_t len, release *r)
{
	struct dec d;
	int rc = dec_begin(&d, data, len, REC_RELEASE);

	memset(r, 0, sizeof *r);
	while (rc == 0 && (rc = dec_next(&d)) == 1) {
		switch (d.tag) {
		case F_ID: rc = dec_fixed(&d, r->id, sizeof r->id); break;
		case F_APP: rc = dec_str(&d, &r->app); break;
		case F_VERSION: rc = dec_u64(&d, &r->version); break;
		case F_BUILD: rc = dec_str(&d, &r->build); break;
		case F_MANIFEST: rc = dec_str(&d, &r->manifest); break;
		case F_DESCRIPTION: rc = dec_str(&d, &r->description); break;
		case F_CREATED: rc = dec_i64(&d, &r->created); break;
		case F_SOURCE: rc = dec_str(&d, &r->source); break;
		case F_PROMOTED: rc = dec_i64(&d, &r->promoted); break;
		case F_FAILED: rc = dec_i64(&d, &r->failed); break;
		case F_ENV_KEY: rc = dec_env_pair(&d, &r->env); break;
		case F_ACTOR: rc = dec_str(&d, &r->actor); break;
		default: rc = 0; break;
		}
	}
	if (rc == 0 && (!valid_id(r->id, 'R') || !r->app || !valid_app(r->app) ||
			r->version == 0 || (r->build && !valid_id(r->build, 'B')) ||
			(r->source && !valid_id(r->source, 'R')) ||
			(r->actor && !valid_actor(r->actor, strlen(r->actor)))))
		rc = RELEASE_ECORRUPT;
	if (rc == 0 && !r->manifest && !(r->manifest = dup_str("")))
		rc = RELEASE_ENOMEM;
	if (rc == 0 && !r->description && !(r->description = dup_str("")))
		rc = RELEASE_ENOMEM;
	if (rc != 0)
		release_clear(r);
	return rc;
}

/*
 * The same record decoded into one allocation: the release, its env arrays
 * and its strings in one block, so a read costs one malloc and release_free()
 * one free. Accepts exactly what decode_release() accepts, with the same
 * result (a repeated field: the last one wins). Such a release is never
 * changed in place (only whole new releases are built and written), which
 * the packed flag lets release_clear() rely on.
 *
 * A first pass only walks the fields' headers to measure; the second
 * checks each field as it copies it.
 */
static inline int next_field(const unsigned char **pp, const unsigned char *end, int *tag,
			     const unsigned char **val, size_t *len)
{
	const unsigned char *p = *pp;
	size_t left = (size_t)(end - p), n;

	if (left == 0)
		return 0;
	if (left < 5)
		return RELEASE_ECORRUPT;
	n = (size_t)p[1] | (size_t)p[2] << 8 | (size_t)p[3] << 16 | (size_t)p[4] << 24;
	if (n > left - 5)
		return RELEASE_ECORRUPT;
	*tag = p[0];
	*val = p + 5;
	*len = n;
	*pp = p + 5 + n;
	return 1;
}

/* Copies a string field to *at, NUL-terminated; NULL when it holds a NUL. */
static inline char *put_str(char **at, const unsigned char *v, size_t len)
{
	char *p = *at;

	if (len <= 32) {
		for (size_t i = 0; i < len; i++) {
			if (!v[i])
				return NULL;
			p[i] = (char)v[i];
		}
	} else {
		if (memchr(v, '\0', len))
			return NULL;
		memcpy(p, v, len);
	}
	p[len] = '\0';
	*at = p + len + 1;
	return p;
}

static inline int get_i64(const unsigned char *v, size_t len, uint64_t *out)
{
	uint64_t x = 0;

	if (len != 8)
		return RELEASE_ECORRUPT;
	for (int i = 0; i < 8; i++)
		x |= (uint64_t)v[i] << (8 * i);
	*out = x;
	return 0;
}

/* valid_env_key() on bytes, inline: this is the decoder's inner loop. */
static inline int env_key_ok(const unsigned char *k, size_t len)
{
	if (len == 0 || len > ENV_KEY_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = k[i];
		int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';

		if (!alpha && (i == 0 || c < '0' || c > '9'))
			return 0;
	}
	return 1;
}

/* strcmp() order of two NUL-free byte strings. */
static inline int bytes_cmp(const unsigned char *a, size_t alen, const unsigned char *b,
			    size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

int decode_release_packed(const void *data, size_t len, release **out)
{
	const unsigned char *p = data, *end, *val, *prev = NULL;
	size_t pairs = 0, bytes = 2, flen, n = 0, prev_len = 0; /* 2: "" manifest, description */
	release *r;
	char **keys, *at;
	int tag, rc;

	*out = NULL;
	if (!data || len < 4 || p[0] != 'L' || p[1] != 'R' || p[2] != FORMAT_VERSION ||
	    p[3] != REC_RELEASE)
		return RELEASE_ECORRUPT;
	end = p + len;
	p += 4;
	while ((rc = next_field(&p, end, &tag, &val, &flen)) == 1) {
		pairs += tag == F_ENV_KEY;
		bytes += flen + 1;
	}
	if (rc != 0)
		return rc;
	if (!(r = malloc(sizeof *r + 2 * pairs * sizeof(char *) + bytes)))
		return RELEASE_ENOMEM;
	memset(r, 0, sizeof *r);
	r->packed = sizeof *r + 2 * pairs * sizeof(char *) + bytes;
	keys = (char **)(void *)(r + 1);
	at = (char *)(keys + 2 * pairs);
	p = (const unsigned char *)data + 4;
	while (rc == 0 && next_field(&p, end, &tag, &val, &flen) == 1) {
		uint64_t x;

		switch (tag) {
		case F_ID:
			if (flen == 0 || flen >= sizeof r->id || memchr(val, '\0', flen))
				rc = RELEASE_ECORRUPT;
			else {
				memcpy(r->id, val, flen);
				r->id[flen] = '\0';
			}
			break;
		case F_APP: rc = (r->app = put_str(&at, val, flen)) ? 0 : RELEASE_ECORRUPT; break;
		case F_BUILD: rc = (r->build = put_str(&at, val, flen)) ? 0 : RELEASE_ECORRUPT; break;
		case F_MANIFEST:
			rc = (r->manifest = put_str(&at, val, flen)) ? 0 : RELEASE_ECORRUPT;
			break;
		case F_DESCRIPTION:
			rc = (r->description = put_str(&at, val, flen)) ? 0 : RELEASE_ECORRUPT;
			break;
		case F_SOURCE: rc = (r->source = put_str(&at, val, flen)) ? 0 : RELEASE_ECORRUPT; break;
		case F_ACTOR: rc = (r->actor = put_str(&at, val, flen)) ? 0 : RELEASE_ECORRUPT; break;
		case F_VERSION: rc = get_i64(val, flen, &r->version); break;
		case F_CREATED:
			if ((rc = get_i64(val, flen, &x)) == 0)
				r->created = (int64_t)x;
			break;
		case F_PROMOTED:
			if ((rc = get_i64(val, flen, &x)) == 0)
				r->promoted = (int64_t)x;
			break;
		case F_FAILED:
			if ((rc = get_i64(val, flen, &x)) == 0)
				r->failed = (int64_t)x;
			break;
		case F_ENV_KEY: {
			char *key = at, *v;

			/* A valid key holds no NUL; keys are stored in strictly
			 * ascending order. */
			if (!env_key_ok(val, flen) ||
			    (n > 0 && bytes_cmp(prev, prev_len, val, flen) >= 0)) {
				rc = RELEASE_ECORRUPT;
				break;
			}
			memcpy(at, val, flen);
			at[flen] = '\0';
			at += flen + 1;
			prev = val;
			prev_len = flen;
			if (next_field(&p, end, &tag, &val, &flen) != 1 || tag != F_ENV_VALUE ||
			    !(v = put_str(&at, val, flen))) {
				rc = RELEASE_ECORRUPT;
				break;
			}
			keys[n] = key;
			keys[pairs + n] = v;
			n++;
			break;
		}
		default: break;
		}
	}
	if (rc == 0 && (!valid_id(r->id, 'R') || !r->app || !valid_app(r->app) ||
			r->version == 0 || (r->build && !valid_id(r->build, 'B')) ||
			(r->source && !valid_id(r->source, 'R')) ||
			(r->actor && !valid_actor(r->actor, strlen(r->actor)))))
		rc = RELEASE_ECORRUPT;
	if (rc != 0) {
		free(r);
		return rc;
	}
	if (!r->manifest)
		r->manifest = put_str(&at, (const unsigned char *)"", 0);
	if (!r->description)
		r->description = put_str(&at, (const unsigned char *)"", 0);
	r->env.n = r->env.cap = n;
	if (n) {
		r->env.keys = keys;
		/* the values were placed after room for every key */
		if (n < pairs)
			memmove(keys + n, keys + pairs, n * sizeof *keys);
		r->env.vals = keys + n;
	}
	*out = r;
	return 0;
}

/* ---- builds */

void encode_build(struct buf *b, const release_build *bl)
{
	enc_begin(b, REC_BUILD);
	enc_str(b, F_ID, bl->id);
	enc_str(b, F_APP, bl->app);
	enc_str(b, F_DESCRIPTION, bl->description);
	enc_str(b, F_MANIFEST, bl->manifest);
	enc_u64(b, F_STATUS, (uint64_t)bl->status);
	enc_i64(b, F_STARTED, bl->started);
	if (bl->ended)
		enc_i64(b, F_ENDED, bl->ended);
	enc_str(b, F_RELEASE, bl->release);
	if (bl->log_len)
		enc_bytes(b, F_LOG, bl->log, bl->log_len);
	if (bl->actor)
		enc_str(b, F_ACTOR, bl->actor);
}

void build_clear(release_build *b)
{
	free(b->app);
	free(b->description);
	free(b->manifest);
	free(b->release);
	free(b->log);
	free(b->actor);
	memset(b, 0, sizeof *b);
}

/* A listing's build: the log is left out, and said to be. */
static int omit_log(release_build *bl)
{
	bl->no_log = 1;
	return 0;
}

int decode_build(const void *data, size_t len, release_build *bl, int with_log)
{
	struct dec d;
	uint64_t status = UINT64_MAX;
	int rc = dec_begin(&d, data, len, REC_BUILD);

	memset(bl, 0, sizeof *bl);
	while (rc == 0 && (rc = dec_next(&d)) == 1) {
		switch (d.tag) {
		case F_ID: rc = dec_fixed(&d, bl->id, sizeof bl->id); break;
		case F_APP: rc = dec_str(&d, &bl->app); break;
		case F_DESCRIPTION: rc = dec_str(&d, &bl->description); break;
		case F_MANIFEST: rc = dec_str(&d, &bl->manifest); break;
		case F_STATUS: rc = dec_u64(&d, &status); break;
		case F_STARTED: rc = dec_i64(&d, &bl->started); break;
		case F_ENDED: rc = dec_i64(&d, &bl->ended); break;
		case F_RELEASE: rc = dec_str(&d, &bl->release); break;
		case F_LOG:
			if (d.len > RELEASE_BUILD_LOG_MAX)
				rc = RELEASE_ECORRUPT;
			else if (with_log)
				rc = dec_bytes(&d, &bl->log, &bl->log_len);
			else
				rc = omit_log(bl);
			break;
		case F_ACTOR: rc = dec_str(&d, &bl->actor); break;
		default: rc = 0; break;
		}
	}
	if (rc == 0 && (!valid_id(bl->id, 'B') || !bl->app || !valid_app(bl->app) ||
			status > RELEASE_BUILD_FAILED || bl->log_len > RELEASE_BUILD_LOG_MAX ||
			(bl->release && !valid_id(bl->release, 'R')) ||
			(bl->actor && !valid_actor(bl->actor, strlen(bl->actor)))))
		rc = RELEASE_ECORRUPT;
	if (rc == 0) {
		bl->status = (int)status;
		if ((!bl->description && !(bl->description = dup_str(""))) ||
		    (!bl->manifest && !(bl->manifest = dup_str(""))))
			rc = RELEASE_ENOMEM;
	}
	if (rc != 0)
		build_clear(bl);
	return rc;
}

/* ---- per-app pointers */

void encode_active(struct buf *b, const struct active_ptr *a)
{
	enc_begin(b, REC_ACTIVE);
	enc_u64(b, F_VERSION, a->version);
	enc_str(b, F_ID, a->id);
	enc_i64(b, F_PROMOTED, a->promoted);
	if (a->previous[0])
		enc_str(b, F_PREVIOUS, a->previous);
}

int decode_active(const void *data, size_t len, struct active_ptr *a)
{
	struct dec d;
	int rc = dec_begin(&d, data, len, REC_ACTIVE);

	memset(a, 0, sizeof *a);
	while (rc == 0 && (rc = dec_next(&d)) == 1) {
		switch (d.tag) {
		case F_VERSION: rc = dec_u64(&d, &a->version); break;
		case F_ID: rc = dec_fixed(&d, a->id, sizeof a->id); break;
		case F_PROMOTED: rc = dec_i64(&d, &a->promoted); break;
		case F_PREVIOUS: rc = dec_fixed(&d, a->previous, sizeof a->previous); break;
		default: rc = 0; break;
		}
	}
	if (rc == 0 && (!valid_id(a->id, 'R') || a->version == 0 ||
			(a->previous[0] && !valid_id(a->previous, 'R'))))
		rc = RELEASE_ECORRUPT;
	return rc;
}

void encode_lease(struct buf *b, const struct lease *l)
{
	enc_begin(b, REC_LEASE);
	enc_str(b, F_TOKEN, l->token);
	enc_str(b, F_OWNER, l->owner);
	enc_i64(b, F_EXPIRES, l->expires);
	if (l->started)
		enc_i64(b, F_STARTED, l->started);
}

int decode_lease(const void *data, size_t len, struct lease *l)
{
	struct dec d;
	int rc = dec_begin(&d, data, len, REC_LEASE);

	memset(l, 0, sizeof *l);
	while (rc == 0 && (rc = dec_next(&d)) == 1) {
		switch (d.tag) {
		case F_TOKEN: rc = dec_fixed(&d, l->token, sizeof l->token); break;
		case F_OWNER: rc = dec_str(&d, &l->owner); break;
		case F_EXPIRES: rc = dec_i64(&d, &l->expires); break;
		case F_STARTED: rc = dec_i64(&d, &l->started); break;
		default: rc = 0; break;
		}
	}
	if (rc == 0 && (!l->token[0] || !l->owner))
		rc = RELEASE_ECORRUPT;
	if (rc != 0) {
		free(l->owner);
		l->owner = NULL;
	}
	return rc;
}

void encode_app(struct buf *b, const char *name, int64_t created, const char *token,
		const char *actor, int deleting)
{
	enc_begin(b, REC_APP);
	enc_str(b, F_APP, name);
	enc_i64(b, F_CREATED, created);
	if (token && token[0])
		enc_str(b, F_TOKEN, token);
	if (actor)
		enc_str(b, F_ACTOR, actor);
	if (deleting)
		enc_u64(b, F_STATUS, 1);
}

int decode_app(const void *data, size_t len, release_app *a, int *deleting)
{
	struct dec d;
	uint64_t state = 0;
	int rc = dec_begin(&d, data, len, REC_APP);

	while (rc == 0 && (rc = dec_next(&d)) == 1) {
		switch (d.tag) {
		case F_APP: rc = dec_str(&d, &a->name); break;
		case F_CREATED: rc = dec_i64(&d, &a->created); break;
		case F_STATUS: rc = dec_u64(&d, &state); break;
		case F_ACTOR: rc = dec_str(&d, &a->actor); break;
		default: rc = 0; break;
		}
	}
	if (rc == 0 && (!a->name || !valid_app(a->name) || state > 1 ||
			(a->actor && !valid_actor(a->actor, strlen(a->actor)))))
		rc = RELEASE_ECORRUPT;
	*deleting = state == 1;
	return rc;
}
