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
	switch (kind) {
	case RELEASE_KIND_RELEASE: return "release";
	case RELEASE_KIND_BUILD: return "build";
	case RELEASE_KIND_DEPLOY: return "deployment log entry";
	default: return "app record";
	}
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

/* ------------------------------------------------------------ commits */

int has_commit(const release_store *s)
{
	return s->st->version >= 2 && s->st->commit;
}

int has_hold(const release_store *s)
{
	return s->st->version >= 2 && s->st->hold && s->st->unhold && s->st->held;
}

void txn_free(struct txn *t)
{
	for (size_t i = 0; i < t->n; i++)
		buf_free(&t->bufs[i]);
	memset(t, 0, sizeof *t);
}

void txn_add(struct txn *t, int op, int kind, const char *key, uint64_t seq, const void *old,
	     size_t old_len, const void *data, size_t len)
{
	release_storage_op *o;

	if (t->n == TXN_OPS) {
		t->err = RELEASE_ENOMEM;
		return;
	}
	o = &t->ops[t->n];
	memset(&t->bufs[t->n], 0, sizeof t->bufs[t->n]);
	t->n++;
	o->op = op;
	o->kind = kind;
	o->key = key;
	o->seq = seq;
	o->old = old;
	o->old_len = old ? old_len : 0;
	o->data = data;
	o->len = data ? len : 0;
}

void txn_add_buf(struct txn *t, int op, int kind, const char *key, uint64_t seq,
		 const void *old, size_t old_len, struct buf *b)
{
	if (b->err && !t->err)
		t->err = b->err;
	txn_add(t, op, kind, key, seq, old, old_len, b->p, b->len);
	if (t->ops[t->n - 1].data == b->p && b->p)
		t->bufs[t->n - 1] = *b; /* ours to free now */
	else
		buf_free(b);
	memset(b, 0, sizeof *b);
}

void txn_check_app(struct txn *t, const struct raw *app_raw)
{
	txn_add(t, RELEASE_OP_CHECK, RELEASE_KIND_META, "app", 0, app_raw->data, app_raw->len,
		NULL, 0);
}

int commit_ops(release_store *s, const char *app, const release_storage_op *ops, size_t n,
	       size_t probe, const char *what, size_t *failed, int *unknown)
{
	size_t bad = n;
	const release_storage_op *o = &ops[probe < n ? probe : 0];
	int rc = s->st->commit(s->ctx, app, ops, n, &bad);

	store_see_pending(s, 0); /* what is read back must be durable */
	if (unknown)
		*unknown = 0;
	if (failed)
		*failed = rc == RELEASE_ECONFLICT || rc == RELEASE_ENOTFOUND ? bad : n;
	if ((rc == RELEASE_ECONFLICT || rc == RELEASE_ENOTFOUND) && bad >= n) {
		/* a backend's bug: nothing says what the conflict was about */
		if (failed)
			*failed = n;
		return fail(s, RELEASE_EIO, "%s: storage reported %s without its operation", what,
			    rc == RELEASE_ECONFLICT ? "a conflict" : "a missing record");
	}
	if (rc == 0 || rc == RELEASE_ECONFLICT || rc == RELEASE_ENOTFOUND)
		return rc;
	if (probe == NO_PROBE)
		return fail_backend(s, rc, what);
	if (o->op == RELEASE_OP_CAS && o->old && o->data && o->len == o->old_len &&
	    memcmp(o->old, o->data, o->len) == 0) {
		/* its bytes were there before: reading them back tells nothing */
		if (unknown)
			*unknown = 1;
		return fail_backend(s, rc, what);
	}
	/* settle_write words the failure; after one that leaves the outcome
	 * open, the probe read back says whether the commit took effect */
	return settle_write(s, rc, what, app, o->kind, o->key, o->data, o->len, unknown);
}

int txn_commit(release_store *s, const char *app, struct txn *t, size_t probe, const char *what,
	       size_t *failed, int *unknown)
{
	if (unknown)
		*unknown = 0;
	if (failed)
		*failed = t->n;
	if (t->err)
		return fail(s, t->err, "%s: %s", what,
			    t->err == RELEASE_ENOMEM ? "out of memory" : "cannot encode the records");
	return commit_ops(s, app, t->ops, t->n, probe, what, failed, unknown);
}

int app_for_write(release_store *s, const char *app, struct raw *app_raw)
{
	memset(app_raw, 0, sizeof *app_raw);
	return has_commit(s) ? require_app_raw(s, app, app_raw) : require_app(s, app);
}

int write_one(release_store *s, const char *app, const struct raw *app_raw, int op, int kind,
	      const char *key, uint64_t seq, const void *old, size_t old_len, const void *data,
	      size_t len, const char *what)
{
	struct txn t = {0};
	int rc;

	if (!has_commit(s)) {
		rc = op == RELEASE_OP_PUT ? s->st->put(s->ctx, app, kind, key, seq, data, len) :
					    s->st->cas(s->ctx, app, kind, key, old, old_len, data, len);
		return settle_write(s, rc, what, app, kind, key, data, len, NULL);
	}
	txn_check_app(&t, app_raw);
	txn_add(&t, op, kind, key, seq, old, old_len, data, len);
	rc = txn_commit(s, app, &t, 1, what, NULL, NULL);
	txn_free(&t);
	return rc;
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

/* A release from its record; with keep, also kept for the next listing. */
static int decoded_keep(release_store *s, const char *app, const struct raw *raw, int keep,
			release **out)
{
	release *r = NULL;
	int rc;

	if (dcache_get(s, app, raw, out))
		return 0;
	rc = decode_release_packed(raw->data, raw->len, &r);

	/* A sound record of another app or version is misplaced: corrupt here. */
	if (rc == 0 && (strcmp(r->app, app) != 0 || r->version != raw->seq)) {
		release_free(r);
		rc = RELEASE_ECORRUPT;
	}
	if (rc != 0) {
		if (rc == RELEASE_ENOMEM)
			return fail(s, rc, "out of memory");
		return fail(s, rc, "app '%s': release record at version %llu is corrupt", app,
			    (unsigned long long)raw->seq);
	}
	if (keep)
		dcache_put(s, app, raw, r);
	*out = r;
	return 0;
}

static int decoded(release_store *s, const char *app, const struct raw *raw, release **out)
{
	return decoded_keep(s, app, raw, 0, out);
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

int decode_listed_release(release_store *s, const char *app, const struct raw *raw,
			  release **out)
{
	return decoded_keep(s, app, raw, 1, out);
}

/* Puts r (encoded in b): alone on a version-1 backend, else in one commit
 * with the check that the app is still the one read before r was drafted
 * (app_raw), and what also adds. */
static int put_release(release_store *s, const char *app, const struct raw *app_raw,
		       const char *base_id, const struct raw *base, const release *r,
		       struct buf *b, also_fn also, void *payload)
{
	struct txn t = {0};
	int rc;

	if (!has_commit(s)) {
		rc = s->st->put(s->ctx, app, RELEASE_KIND_RELEASE, r->id, r->version, b->p, b->len);
		return settle_write(s, rc, "writing release", app, RELEASE_KIND_RELEASE, r->id, b->p,
				    b->len, NULL);
	}
	txn_check_app(&t, app_raw);
	txn_add(&t, RELEASE_OP_PUT, RELEASE_KIND_RELEASE, r->id, r->version, NULL, 0, b->p, b->len);
	/* A release drafted on one not yet durable stands only with it (after
	 * the put, which is what a lost acknowledgement is probed by). */
	if (base->found && store_sees_pending(s))
		txn_add(&t, RELEASE_OP_CHECK, RELEASE_KIND_RELEASE, base_id, 0, base->data, base->len,
			NULL, 0);
	if (!also || (rc = also(payload, &t, r)) == 0)
		rc = txn_commit(s, app, &t, 1, "writing release", NULL, NULL);
	txn_free(&t);
	return rc;
}

/* Commits nothing but checks that the app and the newest release are as
 * read: on a store whose reads for a write see writes not yet durable,
 * this returns once they are (or fails with them). */
static int confirm_read(release_store *s, const char *app, const struct raw *app_raw,
			const char *base_id, const struct raw *base)
{
	struct txn t = {0};
	int rc;

	txn_check_app(&t, app_raw);
	if (base->found)
		txn_add(&t, RELEASE_OP_CHECK, RELEASE_KIND_RELEASE, base_id, 0, base->data,
			base->len, NULL, 0);
	rc = txn_commit(s, app, &t, NO_PROBE, "checking release", NULL, NULL);
	txn_free(&t);
	return rc;
}

static int write_release_once(release_store *s, const char *app, draft_fn draft, also_fn also,
			      void *payload, release **out)
{
	int rc = 0;

	if (out)
		*out = NULL;
	for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
		struct raw raw, app_raw = {0};
		release *newest = NULL, *r;
		struct buf b = {0};
		char base_id[ID_MAX] = "";
		int reread = 0;

		/* What the release is drafted on may be a write not yet
		 * durable: the commit then stands or falls with it. */
		store_see_pending(s, 1);
		/* The app first: what is drafted below must be of this life of it. */
		if (has_commit(s) && (rc = require_app_raw(s, app, &app_raw)) != 0)
			return rc;
		if ((rc = read_newest(s, app, RELEASE_KIND_RELEASE, &raw)) != 0) {
			raw_free(&app_raw);
			return rc;
		}
		if (raw.found) {
			rc = decoded(s, app, &raw, &newest);
			if (rc != 0) {
				raw_free(&raw);
				raw_free(&app_raw);
				return rc;
			}
			memcpy(base_id, newest->id, sizeof base_id);
		}
		if (!(r = calloc(1, sizeof *r))) {
			release_free(newest);
			raw_free(&raw);
			raw_free(&app_raw);
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
		if (rc == 1 && has_commit(s) && store_sees_pending(s)) {
			/* Nothing to write, as read: that must be durable too. */
			rc = confirm_read(s, app, &app_raw, base_id, &raw);
			reread = rc == RELEASE_ECONFLICT;
			if (rc == 0)
				rc = 1;
		}
		if (rc != 0) {
			release_free(r);
			raw_free(&raw);
			raw_free(&app_raw);
			if (reread)
				continue; /* it changed meanwhile: read again */
			if (rc == 1)
				return 0; /* nothing to write */
			return rc == RELEASE_ENOMEM ? fail(s, rc, "out of memory") : rc;
		}
		r->created = store_now(s);
		free(r->actor);
		if (!(r->actor = dup_str(store_actor(s))))
			b.err = RELEASE_ENOMEM;
		else
			encode_release(&b, r);
		if (b.err) {
			rc = fail(s, b.err, "encoding release");
		} else {
			rc = put_release(s, app, &app_raw, base_id, &raw, r, &b, also, payload);
		}
		buf_free(&b);
		raw_free(&raw);
		raw_free(&app_raw);
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
		/* Another writer took this version (or, rarely, this id), or what
		 * the commit checks changed: build the release again on top of
		 * the new newest one. */
	}
	return fail(s, RELEASE_ECONFLICT, "app '%s': gave up after %d conflicting writes", app,
		    WRITE_ATTEMPTS);
}

int write_release(release_store *s, const char *app, draft_fn draft, also_fn also,
		  void *payload, release **out)
{
	int rc = write_release_once(s, app, draft, also, payload, out);

	store_see_pending(s, 0);
	return rc;
}

int stamp_release(release_store *s, const char *app, const char *id, int failed, int64_t when)
{
	for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
		struct raw raw, app_raw;
		release *r;
		struct buf b = {0};
		int64_t *field;
		int rc = app_for_write(s, app, &app_raw);

		if (rc == 0 && (rc = load_release(s, app, id, &r, &raw)) != 0)
			raw_free(&app_raw);
		if (rc != 0)
			return rc;
		field = failed ? &r->failed : &r->promoted;
		if (when && *field >= when) { /* already says as much */
			release_free(r);
			raw_free(&raw);
			raw_free(&app_raw);
			return 0;
		}
		*field = when ? when : store_now(s);
		encode_release(&b, r);
		release_free(r);
		if (b.err) {
			rc = fail(s, b.err, "encoding release");
		} else {
			rc = write_one(s, app, &app_raw, RELEASE_OP_CAS, RELEASE_KIND_RELEASE, id, 0,
				       raw.data, raw.len, b.p, b.len,
				       failed ? "recording the failure" : "recording promotion");
		}
		buf_free(&b);
		raw_free(&raw);
		raw_free(&app_raw);
		if (rc == 0)
			return 0;
		if (rc != RELEASE_ECONFLICT)
			return rc;
	}
	return fail(s, RELEASE_ECONFLICT, "app '%s': release %s kept changing", app, id);
}
