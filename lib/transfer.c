/* Moving a build between apps and stores: export to bytes, import from them.
 *
 * An export is "LRBX", a format version byte, three zero bytes, the
 * payload's length (8 bytes, little-endian), the payload (a record of the
 * core's codec, type REC_EXPORT) and a CRC-32C of everything before it
 * (4 bytes, little-endian). */
#include "internal.h"

#include "crc32c.h"

#include <stdlib.h>
#include <string.h>

#define EXPORT_FORMAT 1
#define EXPORT_HEAD 16
#define EXPORT_TAIL 4
/* The largest payload an export of this library can hold: every field at
 * its limit, and 4 KiB for the record header, the ids, times and status,
 * and the fields' own headers. */
#define EXPORT_PAYLOAD_MAX ((size_t)TEXT_MAX + MANIFEST_MAX + RELEASE_BUILD_LOG_MAX + 4096)

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

RELEASE_API int release_build_export(const release_build *build, size_t *len, char **out)
{
	struct buf b = {0};
	unsigned char head[EXPORT_HEAD] = {'L', 'R', 'B', 'X', EXPORT_FORMAT};
	unsigned char tail[EXPORT_TAIL];
	size_t payload;

	if (out)
		*out = NULL;
	if (len)
		*len = 0;
	if (!build || !len || !out) {
		fail(NULL, RELEASE_EINVAL, "release_build_export needs a build, len and out");
		return RELEASE_EINVAL;
	}
	if (build->no_log)
		return fail(NULL, RELEASE_EINVAL,
			    "build %s was listed, without its log: export a build that "
			    "release_build_get() read", build->id);
	if (build->status != RELEASE_BUILD_COMPLETE)
		return fail(NULL, RELEASE_EINVAL, "build %s is %s: only a complete build is exported",
			    build->id, release_build_status_name(build->status));
	buf_put(&b, head, sizeof head);
	enc_begin(&b, REC_EXPORT);
	enc_str(&b, F_ID, build->id);
	enc_str(&b, F_APP, build->app);
	enc_str(&b, F_DESCRIPTION, build->description);
	enc_str(&b, F_MANIFEST, build->manifest);
	enc_u64(&b, F_STATUS, (uint64_t)build->status);
	enc_i64(&b, F_STARTED, build->started);
	enc_i64(&b, F_ENDED, build->ended);
	if (build->log_len)
		enc_bytes(&b, F_LOG, build->log, build->log_len);
	if (b.err) {
		int err = b.err;

		buf_free(&b);
		return fail(NULL, err, "encoding build %s", build->id);
	}
	payload = b.len - EXPORT_HEAD;
	put_le(b.p + 8, payload, 8);
	put_le(tail, crc32c(0, b.p, b.len), 4);
	buf_put(&b, tail, sizeof tail);
	if (b.err) {
		buf_free(&b);
		return fail(NULL, RELEASE_ENOMEM, "out of memory");
	}
	*out = (char *)b.p;
	*len = b.len;
	return 0;
}

RELEASE_API void release_export_free(char *data)
{
	free(data);
}

/* Checks an export's frame and decodes its build into b (id and app are
 * the origin's). */
static int read_export(release_store *s, const void *data, size_t len, release_build *b)
{
	const unsigned char *p = data;
	struct dec d;
	uint64_t payload, status = UINT64_MAX;
	int rc;

	memset(b, 0, sizeof *b);
	if (len < 5 && memcmp(p, "LRBX", len < 4 ? len : 4) == 0)
		return fail(s, RELEASE_ECORRUPT, "build export is truncated (%zu bytes)", len);
	if (len < 5 || memcmp(p, "LRBX", 4) != 0)
		return fail(s, RELEASE_ECORRUPT,
			    "not a build export (%zu bytes without its signature)", len);
	if (len < EXPORT_HEAD + EXPORT_TAIL)
		return fail(s, RELEASE_ECORRUPT, "build export is truncated (%zu bytes)", len);
	/* The frame (signature, length, checksum) is the same in every
	 * format, so damage is told from a newer format: checked first. */
	payload = get_le(p + 8, 8);
	if (p[5] || p[6] || p[7] || payload > SIZE_MAX - EXPORT_HEAD - EXPORT_TAIL)
		return fail(s, RELEASE_ECORRUPT, "build export's header is damaged");
	if (len - EXPORT_HEAD - EXPORT_TAIL < payload)
		return fail(s, RELEASE_ECORRUPT,
			    "build export is truncated (%zu bytes of %llu)", len,
			    (unsigned long long)(payload + EXPORT_HEAD + EXPORT_TAIL));
	if (len - EXPORT_HEAD - EXPORT_TAIL > payload)
		return fail(s, RELEASE_ECORRUPT, "build export has %zu bytes after its end",
			    (size_t)(len - EXPORT_HEAD - EXPORT_TAIL - payload));
	if (crc32c(0, p, len - EXPORT_TAIL) != (uint32_t)get_le(p + len - EXPORT_TAIL, 4))
		return fail(s, RELEASE_ECORRUPT,
			    "build export is damaged or altered (its checksum does not match)");
	if (p[4] > EXPORT_FORMAT)
		return fail(s, RELEASE_EUNSUPPORTED,
			    "build export is of format %u, newer than this library's %d (a later "
			    "librelease reads it)",
			    p[4], EXPORT_FORMAT);
	if (p[4] == 0 || payload > EXPORT_PAYLOAD_MAX)
		return fail(s, RELEASE_ECORRUPT, "build export's header is damaged");
	rc = dec_begin(&d, p + EXPORT_HEAD, (size_t)payload, REC_EXPORT);
	while (rc == 0 && (rc = dec_next(&d)) == 1) {
		switch (d.tag) {
		case F_ID: rc = dec_fixed(&d, b->id, sizeof b->id); break;
		case F_APP: rc = dec_str(&d, &b->app); break;
		case F_DESCRIPTION: rc = dec_str(&d, &b->description); break;
		case F_MANIFEST: rc = dec_str(&d, &b->manifest); break;
		case F_STATUS: rc = dec_u64(&d, &status); break;
		case F_STARTED: rc = dec_i64(&d, &b->started); break;
		case F_ENDED: rc = dec_i64(&d, &b->ended); break;
		case F_LOG: rc = dec_bytes(&d, &b->log, &b->log_len); break;
		default: rc = 0; break;
		}
	}
	if (rc == 0 &&
	    (!valid_id(b->id, 'B') || !b->app || !valid_app(b->app) ||
	     status != RELEASE_BUILD_COMPLETE || !b->description || !b->manifest ||
	     strlen(b->description) > TEXT_MAX || strlen(b->manifest) > MANIFEST_MAX ||
	     b->log_len > RELEASE_BUILD_LOG_MAX))
		rc = RELEASE_ECORRUPT;
	if (rc != 0) {
		build_clear(b);
		return rc == RELEASE_ENOMEM ? fail(s, rc, "out of memory") :
		       fail(s, RELEASE_ECORRUPT, "build export holds a malformed build");
	}
	b->status = RELEASE_BUILD_COMPLETE;
	return 0;
}

struct import {
	release_store *s;
	const char *app;
	release_build *b; /* the new build; its id is drafted with the release */
	struct buf enc;
};

/* The release of the imported build: as release_create() makes it. */
static int import_draft(void *payload, const release *newest, release *r)
{
	struct import *im = payload;
	int rc;

	if ((rc = make_id(im->s, 'B', im->b->id)) != 0)
		return rc;
	return draft_from_build(im->b, newest, r);
}

/* The build, naming its release, in the release's commit. */
static int import_build_op(void *payload, struct txn *t, const release *r)
{
	struct import *im = payload;
	struct raw newest;
	uint64_t seq;
	char *link = dup_str(r->id);
	int rc;

	if (!link)
		return fail(im->s, RELEASE_ENOMEM, "out of memory");
	free(im->b->release);
	im->b->release = link;
	if ((rc = read_newest(im->s, im->app, RELEASE_KIND_BUILD, &newest)) != 0)
		return rc;
	seq = newest.seq + 1;
	raw_free(&newest);
	if (seq == UINT64_MAX || seq == 0)
		return fail(im->s, RELEASE_ECORRUPT, "app '%s': no build sequence is left", im->app);
	buf_free(&im->enc);
	encode_build(&im->enc, im->b);
	if (im->enc.err)
		return fail(im->s, im->enc.err, "encoding build");
	txn_add(t, RELEASE_OP_PUT, RELEASE_KIND_BUILD, im->b->id, seq, NULL, 0, im->enc.p,
		im->enc.len);
	return 0;
}

RELEASE_API int release_build_import(release_store *store, const char *app, const void *data,
				     size_t len, release_build **out)
{
	struct import im = {0};
	release_build *b;
	release *r = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	if ((rc = check_app(store, app)) != 0)
		return rc;
	if (!data)
		return fail(store, RELEASE_EINVAL, "build export data is NULL");
	if (!(b = calloc(1, sizeof *b)))
		return fail(store, RELEASE_ENOMEM, "out of memory");
	if ((rc = read_export(store, data, len, b)) != 0) {
		free(b);
		return rc;
	}
	free(b->app);
	/* the importer made this build record */
	b->actor = dup_str(store_actor(store));
	if (!(b->app = dup_str(app)) || !b->actor) {
		release_build_free(b);
		return fail(store, RELEASE_ENOMEM, "out of memory");
	}
	if ((rc = require_app(store, app)) != 0) {
		release_build_free(b);
		return rc;
	}
	if (has_commit(store)) {
		im.s = store;
		im.app = app;
		im.b = b;
		rc = write_release(store, app, import_draft, import_build_op, &im, &r);
		buf_free(&im.enc);
	} else {
		/* Version 1: the build, then its release, as a builder would. */
		release_build_opts o;
		release_build *made = NULL;

		release_build_opts_init(&o);
		o.description = b->description;
		o.manifest = b->manifest;
		o.log = b->log;
		o.log_len = b->log_len;
		o.status = RELEASE_BUILD_COMPLETE;
		rc = build_create_at(store, app, &o, 1, b->started, b->ended, &made);
		if (rc == 0) {
			memcpy(b->id, made->id, sizeof b->id);
			release_build_free(made);
			rc = release_create(store, app, b->id, &r);
			if (rc == 0) {
				free(b->release);
				if (!(b->release = dup_str(r->id)))
					rc = fail(store, RELEASE_ENOMEM, "out of memory");
			}
		}
	}
	release_free(r);
	if (rc == 0 && out)
		*out = b;
	else
		release_build_free(b);
	return rc;
}
