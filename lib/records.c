/* Reading and writing records through the backend: the one place that turns
 * backend results into the core's objects. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void raw_free(struct raw *r)
{
	free(r->data);
	memset(r, 0, sizeof *r);
}

/* Keeps the one record a read asked for. A second one means the backend
 * broke its contract (get yields one record; scans here ask for one). */
static int keep_raw(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct raw *raw = payload;

	(void)key;
	if (raw->found) {
		raw->found = RAW_EXTRA;
		return RELEASE_ECORRUPT;
	}
	if (!data && len)
		return RELEASE_ECORRUPT;
	raw->data = malloc(len ? len : 1);
	if (!raw->data)
		return RELEASE_ENOMEM;
	if (len)
		memcpy(raw->data, data, len);
	raw->len = len;
	raw->seq = seq;
	raw->found = 1;
	return 0;
}

static const char *kind_name(int kind)
{
	return kind == RELEASE_KIND_RELEASE ? "release" : kind == RELEASE_KIND_BUILD ? "build"
										    : "app record";
}

/* The end of a read into raw: on failure raw is emptied and the failure
 * worded. */
static int end_read(release_store *s, const char *app, int kind, int rc, struct raw *raw)
{
	int extra = raw->found == RAW_EXTRA;

	if (rc == 0)
		return 0;
	raw_free(raw);
	if (extra)
		return fail(s, RELEASE_ECORRUPT,
			    "app '%s': storage returned more than the one %s asked for", app,
			    kind_name(kind));
	return fail_backend(s, rc, kind_name(kind));
}

int read_record(release_store *s, const char *app, int kind, const char *key, struct raw *raw)
{
	int rc;

	memset(raw, 0, sizeof *raw);
	rc = s->st->get(s->ctx, app, kind, key, keep_raw, raw);
	if (rc == RELEASE_ENOTFOUND && raw->found != RAW_EXTRA) {
		raw_free(raw);
		return 0;
	}
	return end_read(s, app, kind, rc, raw);
}

int read_newest(release_store *s, const char *app, int kind, struct raw *raw)
{
	memset(raw, 0, sizeof *raw);
	return end_read(s, app, kind,
			s->st->scan(s->ctx, app, kind, UINT64_MAX, 1, keep_raw, raw), raw);
}

int read_seq(release_store *s, const char *app, int kind, uint64_t seq, struct raw *raw)
{
	int rc;

	memset(raw, 0, sizeof *raw);
	if (seq == 0 || seq == UINT64_MAX)
		return 0;
	if (s->st->get_seq) {
		rc = s->st->get_seq(s->ctx, app, kind, seq, keep_raw, raw);
		if (rc == RELEASE_ENOTFOUND && raw->found != RAW_EXTRA)
			rc = 0;
	} else {
		rc = s->st->scan(s->ctx, app, kind, seq + 1, 1, keep_raw, raw);
	}
	if ((rc = end_read(s, app, kind, rc, raw)) != 0)
		return rc;
	if (raw->found && raw->seq != seq)
		raw_free(raw);
	return 0;
}

int settle_write(release_store *s, int rc, const char *what, const char *app, int kind,
		 const char *key, const void *data, size_t len, int *unknown)
{
	char msg[ERRMSG_MAX];
	struct raw raw;
	int took;

	if (unknown)
		*unknown = 0;
	if (rc == 0 || rc == RELEASE_ECONFLICT)
		return rc;
	rc = fail_backend(s, rc, what);
	/* These promise that nothing was written. */
	if (rc == RELEASE_ENOTFOUND || rc == RELEASE_EINVAL || rc == RELEASE_EUNSUPPORTED)
		return rc;
	memcpy(msg, s->errmsg, sizeof msg);
	if (read_record(s, app, kind, key, &raw) != 0) {
		memcpy(s->errmsg, msg, sizeof msg);
		if (unknown)
			*unknown = 1;
		return rc;
	}
	took = data ? raw.found && raw.len == len && (len == 0 || memcmp(raw.data, data, len) == 0)
		    : !raw.found;
	raw_free(&raw);
	memcpy(s->errmsg, msg, sizeof msg);
	if (!took)
		return rc;
	clear_error(s); /* the acknowledgement was lost, not the write */
	return 0;
}

int read_active(release_store *s, const char *app, struct active_ptr *a, struct raw *raw)
{
	struct raw local = {0};
	struct raw *r = raw ? raw : &local;
	int rc = read_record(s, app, RELEASE_KIND_META, "active", r);

	memset(a, 0, sizeof *a);
	if (rc == 0 && r->found && decode_active(r->data, r->len, a) != 0)
		rc = fail(s, RELEASE_ECORRUPT, "app '%s': active release pointer is corrupt", app);
	if (rc != 0 || !raw)
		raw_free(r);
	return rc;
}

static int decoded(release_store *s, const char *app, const struct raw *raw, release **out)
{
	release *r = calloc(1, sizeof *r);
	int rc;

	if (!r)
		return fail(s, RELEASE_ENOMEM, "out of memory");
	rc = decode_release(raw->data, raw->len, r);
	/* A sound record of another app or version is misplaced: corrupt here. */
	if (rc == 0 && (strcmp(r->app, app) != 0 || r->version != raw->seq)) {
		release_clear(r);
		rc = RELEASE_ECORRUPT;
	}
	if (rc != 0) {
		free(r);
		if (rc == RELEASE_ENOMEM)
			return fail(s, rc, "out of memory");
		return fail(s, rc, "app '%s': release record at version %llu is corrupt", app,
			    (unsigned long long)raw->seq);
	}
	*out = r;
	return 0;
}

int load_release(release_store *s, const char *app, const char *id, release **out,
		 struct raw *raw)
{
	struct raw local = {0};
	struct raw *rw = raw ? raw : &local;
	int rc = read_record(s, app, RELEASE_KIND_RELEASE, id, rw);

	*out = NULL;
	if (rc == 0 && !rw->found)
		rc = fail(s, RELEASE_ENOTFOUND, "app '%s': release %s not found", app, id);
	if (rc == 0)
		rc = decoded(s, app, rw, out);
	if (rc == 0 && strcmp((*out)->id, id) != 0) {
		release_free(*out);
		*out = NULL;
		rc = fail(s, RELEASE_ECORRUPT, "app '%s': record of release %s holds another id",
			  app, id);
	}
	if (rc != 0 || !raw)
		raw_free(rw);
	return rc;
}

int decode_raw_release(release_store *s, const char *app, const struct raw *raw, release **out)
{
	return decoded(s, app, raw, out);
}

int write_release(release_store *s, const char *app, draft_fn draft, void *payload,
		  release **out)
{
	int rc = 0;

	if (out)
		*out = NULL;
	for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
		struct raw raw;
		release *newest = NULL, *r;
		struct buf b = {0};

		if ((rc = read_newest(s, app, RELEASE_KIND_RELEASE, &raw)) != 0)
			return rc;
		if (raw.found) {
			rc = decoded(s, app, &raw, &newest);
			raw_free(&raw);
			if (rc != 0)
				return rc;
		}
		if (!(r = calloc(1, sizeof *r))) {
			release_free(newest);
			return fail(s, RELEASE_ENOMEM, "out of memory");
		}
		rc = draft(payload, newest, r);
		if (rc == 0 && newest && newest->version >= UINT64_MAX - 1)
			rc = fail(s, RELEASE_ECORRUPT, "app '%s': no version is left after %llu", app,
				  (unsigned long long)newest->version);
		if (rc == 0) {
			r->version = newest ? newest->version + 1 : 1;
			rc = make_id(s, 'R', r->id);
		}
		release_free(newest);
		if (rc == 0 && !(r->app = dup_str(app)))
			rc = RELEASE_ENOMEM;
		if (rc == 0 && !r->manifest && !(r->manifest = dup_str("")))
			rc = RELEASE_ENOMEM;
		if (rc == 0 && !r->description && !(r->description = dup_str("")))
			rc = RELEASE_ENOMEM;
		if (rc != 0) {
			release_free(r);
			if (rc == 1)
				return 0; /* nothing to write */
			return rc == RELEASE_ENOMEM ? fail(s, rc, "out of memory") : rc;
		}
		r->created = store_now(s);
		encode_release(&b, r);
		if (b.err) {
			rc = fail(s, b.err, "encoding release");
		} else {
			rc = s->st->put(s->ctx, app, RELEASE_KIND_RELEASE, r->id, r->version, b.p,
					b.len);
			rc = settle_write(s, rc, "writing release", app, RELEASE_KIND_RELEASE, r->id,
					  b.p, b.len, NULL);
		}
		buf_free(&b);
		if (rc == 0) {
			if (out)
				*out = r;
			else
				release_free(r);
			return 0;
		}
		release_free(r);
		if (rc != RELEASE_ECONFLICT)
			return rc;
		/* Another writer took this version (or, rarely, this id): build the
		 * release again on top of the new newest one. */
	}
	return fail(s, RELEASE_ECONFLICT, "app '%s': gave up after %d conflicting writes", app,
		    WRITE_ATTEMPTS);
}

int stamp_release(release_store *s, const char *app, const char *id, int failed, int64_t when)
{
	for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
		struct raw raw;
		release *r;
		struct buf b = {0};
		int64_t *field;
		int rc = load_release(s, app, id, &r, &raw);

		if (rc != 0)
			return rc;
		field = failed ? &r->failed : &r->promoted;
		if (when && *field >= when) { /* already says as much */
			release_free(r);
			raw_free(&raw);
			return 0;
		}
		*field = when ? when : store_now(s);
		encode_release(&b, r);
		release_free(r);
		if (b.err) {
			rc = fail(s, b.err, "encoding release");
		} else {
			rc = s->st->cas(s->ctx, app, RELEASE_KIND_RELEASE, id, raw.data, raw.len, b.p,
					b.len);
			rc = settle_write(s, rc, failed ? "recording the failure" : "recording promotion",
					  app, RELEASE_KIND_RELEASE, id, b.p, b.len, NULL);
		}
		buf_free(&b);
		raw_free(&raw);
		if (rc == 0)
			return 0;
		if (rc != RELEASE_ECONFLICT)
			return rc;
	}
	return fail(s, RELEASE_ECONFLICT, "app '%s': release %s kept changing", app, id);
}
