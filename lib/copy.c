/*
 * Copying apps from one store to another, record by record through the
 * two backends: the bytes are copied as they are, so both stores read the
 * same. Each ordered kind is walked newest first in both stores at once,
 * as a merge by seq: a record that differs is replaced, one only the
 * destination has is deleted, an equal one is left, and the seqs only the
 * source has are noted, as runs of consecutive seqs. Those are put
 * afterwards oldest first, a window of seqs at a time, so a destination
 * that bounds how far past its newest record a put may land (the file
 * store) takes them. So running a copy again finishes an interrupted one,
 * and writes nothing once the stores agree. The app record comes last: a
 * reader of the destination sees the app only once the rest is there.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY_OPTS_1_4 END_OF(release_copy_opts, progress_payload)
#define PAGE_RECS 128
#define PAGE_BYTES ((size_t)32 << 20) /* a page stops growing past this */
#define BATCH_BYTES ((size_t)8 << 20) /* a commit is sent past this */
#define STOP 1                        /* a scan callback's "page full" */

RELEASE_API void release_copy_opts_init_sized(release_copy_opts *opts, size_t size)
{
	OPTS_INIT(opts, size);
}

struct rec {
	uint64_t seq;
	char key[KEY_MAX + 1];
	unsigned char *data;
	size_t len;
};

/* One store's records of one kind, newest first, a page at a time. */
struct stream {
	release_store *s;
	const char *app;
	int kind;
	uint64_t before; /* the next page is below this seq */
	uint64_t floor;  /* the walk ends below this seq */
	int floored;     /* it did: a record below floor was offered */
	struct rec v[PAGE_RECS];
	size_t n, i, bytes;
	int end, cb_rc;
};

static void page_free(struct stream *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->v[i].data);
	st->n = st->i = st->bytes = 0;
}

/* A key storage.h lets the core give a backend: 1-64 of [A-Za-z0-9_.-]. */
static int key_ok(const char *key)
{
	size_t n = 0;

	for (; key[n]; n++) {
		char c = key[n];

		if (n == KEY_MAX || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return n > 0;
}

static int take_rec(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct stream *st = payload;
	struct rec *r;
	uint64_t below = st->n ? st->v[st->n - 1].seq : st->before;

	if (seq < st->floor) {
		st->floored = 1;
		return STOP;
	}
	if (st->n == PAGE_RECS || (st->n && st->bytes >= PAGE_BYTES))
		return STOP;
	/* The backend is not trusted: order, range and keys are checked. */
	if (seq == 0 || seq >= below || !key || !key_ok(key) || (!data && len)) {
		st->cb_rc = fail(st->s, RELEASE_ECORRUPT,
				 "app '%s': storage returned records out of order or with invalid keys", st->app);
		return st->cb_rc;
	}
	r = &st->v[st->n];
	if (!(r->data = malloc(len ? len : 1))) {
		st->cb_rc = fail(st->s, RELEASE_ENOMEM, "out of memory");
		return st->cb_rc;
	}
	if (len)
		memcpy(r->data, data, len);
	r->len = len;
	r->seq = seq;
	strcpy(r->key, key);
	st->n++;
	st->bytes += len;
	return 0;
}

/* The stream's next record (NULL at the end), loading a page as needed. */
static int peek(struct stream *st, struct rec **out)
{
	int rc;

	*out = NULL;
	if (st->i < st->n) {
		*out = &st->v[st->i];
		return 0;
	}
	page_free(st);
	if (st->end || st->floored || st->before <= 1) {
		st->end = 1;
		return 0;
	}
	st->cb_rc = 0;
	rc = st->s->st->scan(st->s->ctx, st->app, st->kind, st->before, PAGE_RECS, take_rec, st);
	if (st->cb_rc)
		return st->cb_rc;
	if (rc != 0 && rc != STOP)
		return fail_backend(st->s, rc < 0 ? rc : RELEASE_EIO, "reading records to copy");
	if (st->n == 0) {
		st->end = 1;
		return 0;
	}
	st->before = st->v[st->n - 1].seq;
	*out = &st->v[0];
	return 0;
}

/* Writes to dst, batched in commits on a version-2 backend. The ops
 * borrow the streams' pages: flushed before either loads the next. */
struct batch {
	release_store *dst;
	const char *app;
	/* ops[0] checks dst's app record is the one the copy works under */
	release_storage_op ops[RELEASE_COMMIT_MAX];
	size_t n, bytes; /* operations after ops[0] */
	uint64_t written;
	struct buf expect; /* that record's bytes */
	int mirror;        /* dst's app may be replaced and deleted in: ours
			    * (a tombstone) or RELEASE_COPY_MIRROR */
	int refused;       /* a difference refused (not a race to retry) */
	const struct raw *from; /* src's app record, and its tombstone: what */
	const struct buf *tomb; /* dst's may be while it is this copy's */
};

/* dst's app differs from src where only a mirror may change it. */
static int refuse(struct batch *b, const char *what, uint64_t seq)
{
	b->refused = 1;
	return fail(b->dst, RELEASE_ECONFLICT,
		    "app '%s': the destination's copy differs from the source (%s %llu): it changed "
		    "in one of them since it was copied; nothing of it was replaced (copy with "
		    "RELEASE_COPY_MIRROR to make it the source's again)",
		    b->app, what, (unsigned long long)seq);
}

static const char *kind_word(int kind)
{
	return kind == RELEASE_KIND_BUILD ? "build at sequence" :
	       kind == RELEASE_KIND_RELEASE ? "release version" : "deployment log entry";
}

static int raw_is(const struct raw *r, const void *p, size_t len);

/* The app record checked by a commit was not what the copy expected. If
 * it is still this app's (the copy's own write, pending in the store when
 * its writer died, or another copy of the same app finishing first), that
 * is a race: the app is copied again. Else another app took the name. */
static int changed_under_us(struct batch *b)
{
	struct raw now;

	if (read_record(b->dst, b->app, RELEASE_KIND_META, "app", &now) == 0) {
		int ours = raw_is(&now, b->from->data, b->from->len) ||
			   raw_is(&now, b->tomb->p, b->tomb->len);

		raw_free(&now);
		if (ours)
			return fail(b->dst, RELEASE_ECONFLICT,
				    "app '%s': the destination's app changed under the copy", b->app);
	}
	return fail(b->dst, RELEASE_EEXIST,
		    "app '%s': another app of that name was made in the destination during the "
		    "copy; not copied",
		    b->app);
}

static int flush(struct batch *b)
{
	size_t failed = 0;
	int rc;

	if (b->n == 0)
		return 0;
	memset(&b->ops[0], 0, sizeof b->ops[0]);
	b->ops[0].op = RELEASE_OP_CHECK;
	b->ops[0].kind = RELEASE_KIND_META;
	b->ops[0].key = "app";
	b->ops[0].old = b->expect.p;
	b->ops[0].old_len = b->expect.len;
	rc = commit_ops(b->dst, b->app, b->ops, b->n + 1, NO_PROBE, "copying records", &failed,
			NULL);
	if ((rc == RELEASE_ECONFLICT || rc == RELEASE_ENOTFOUND) && failed == 0)
		rc = changed_under_us(b);
	else if (rc == RELEASE_ECONFLICT || rc == RELEASE_ENOTFOUND)
		rc = fail(b->dst, RELEASE_ECONFLICT,
			  "app '%s': the destination changed while it was copied to", b->app);
	if (rc == 0)
		b->written += b->n;
	b->n = b->bytes = 0;
	return rc;
}

static int write_op(struct batch *b, int op, int kind, const char *key, uint64_t seq,
		    const struct rec *old, const struct rec *now)
{
	release_store *d = b->dst;
	int rc;

	if (!has_commit(d)) {
		switch (op) {
		case RELEASE_OP_PUT:
			rc = d->st->put(d->ctx, b->app, kind, key, seq, now->data, now->len);
			break;
		case RELEASE_OP_CAS:
			rc = d->st->cas(d->ctx, b->app, kind, key, old ? old->data : NULL,
					old ? old->len : 0, now ? now->data : NULL,
					now ? now->len : 0);
			break;
		default: rc = d->st->del(d->ctx, b->app, kind, key); break;
		}
		rc = settle_write(d, rc, "copying records", b->app, kind, key,
				  now ? now->data : NULL, now ? now->len : 0, NULL);
		if (rc == RELEASE_ECONFLICT || rc == RELEASE_ENOTFOUND)
			rc = fail(d, RELEASE_ECONFLICT,
				  "app '%s': the destination changed while it was copied to", b->app);
		if (rc == 0)
			b->written++;
		return rc;
	}
	if (b->n + 1 == RELEASE_COMMIT_MAX || b->bytes >= BATCH_BYTES) {
		if ((rc = flush(b)) != 0)
			return rc;
	}
	{
		release_storage_op *o = &b->ops[1 + b->n++];

		memset(o, 0, sizeof *o);
		o->op = op;
		o->kind = kind;
		o->key = key;
		o->seq = op == RELEASE_OP_PUT ? seq : 0;
		o->old = old ? old->data : NULL;
		o->old_len = old ? old->len : 0;
		o->data = now ? now->data : NULL;
		o->len = now ? now->len : 0;
		b->bytes += o->len;
	}
	return 0;
}

static int same(const struct rec *a, const struct rec *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* Seqs only the source has: runs of consecutive seqs, newest first. */
struct runs {
	struct run {
		uint64_t lo, hi;
	} *v;
	size_t n, cap;
};

static int note_missing(struct runs *m, uint64_t seq)
{
	if (m->n && m->v[m->n - 1].lo == seq + 1) {
		m->v[m->n - 1].lo = seq;
		return 0;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct run *v = realloc(m->v, cap * sizeof *v);

		if (!v)
			return RELEASE_ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = (struct run){seq, seq};
	return 0;
}

/* The merge: replaces and deletes in dst, notes what dst lacks in m. */
static int merge_kind(struct stream *s, struct stream *d, struct batch *b, struct runs *m)
{
	int kind = s->kind, rc = 0;

	for (;;) {
		struct rec *x, *y;

		/* a page about to be dropped may be borrowed by the batch */
		if (((s->i == s->n && !s->end) || (d->i == d->n && !d->end)) &&
		    (rc = flush(b)) != 0)
			return rc;
		if ((rc = peek(s, &x)) != 0 || (rc = peek(d, &y)) != 0)
			return rc;
		if (!x && !y)
			return flush(b);
		if (x && (!y || x->seq > y->seq)) { /* only in src */
			rc = note_missing(m, x->seq);
			s->i++;
		} else if (!x || y->seq > x->seq) { /* only in dst */
			rc = b->mirror ? write_op(b, RELEASE_OP_DEL, kind, y->key, 0, NULL, NULL) :
					 refuse(b, kind_word(kind), y->seq);
			d->i++;
		} else if (strcmp(x->key, y->key) != 0) { /* another record at the seq */
			rc = b->mirror ? write_op(b, RELEASE_OP_DEL, kind, y->key, 0, NULL, NULL) :
					 refuse(b, kind_word(kind), y->seq);
			if (rc == 0)
				rc = note_missing(m, x->seq);
			s->i++;
			d->i++;
		} else {
			if (!same(x, y))
				rc = b->mirror ? write_op(b, RELEASE_OP_CAS, kind, x->key, 0, y, x) :
						 refuse(b, kind_word(kind), y->seq);
			s->i++;
			d->i++;
		}
		if (rc == RELEASE_ENOMEM)
			return fail(b->dst, rc, "out of memory");
		if (rc != 0)
			return rc;
	}
}

/* Puts src's records of the runs in m into dst, oldest first: a window of
 * at most PAGE_RECS seqs is read (newest first, as scans go) and written
 * from its oldest. */
static int put_missing(struct stream *s, struct batch *b, const struct runs *m)
{
	for (size_t r = m->n; r-- > 0;) {
		for (uint64_t lo = m->v[r].lo;;) {
			uint64_t span = m->v[r].hi - lo, hi = span < PAGE_RECS ? m->v[r].hi :
								lo + PAGE_RECS - 1;
			struct rec *x;
			int rc;

			page_free(s);
			s->end = s->floored = 0;
			s->before = hi + 1;
			s->floor = lo;
			/* A window is a page unless its records are large; its pages
			 * may go in any order (each lands within PAGE_RECS of the
			 * last window's). Records gone from src since the merge are
			 * simply not there. */
			while ((rc = peek(s, &x)) == 0 && x) {
				for (size_t i = s->n; i-- > 0;) {
					x = &s->v[i];
					if ((rc = write_op(b, RELEASE_OP_PUT, s->kind, x->key, x->seq,
							   NULL, x)) != 0)
						return rc;
				}
				s->i = s->n;
				if ((rc = flush(b)) != 0)
					return rc;
			}
			if (rc != 0)
				return rc;
			if (hi == m->v[r].hi)
				break;
			lo = hi + 1;
		}
	}
	return 0;
}

/* Makes dst's records of kind those of src. */
static int sync_kind(release_store *src, struct batch *b, int kind)
{
	struct stream *s = calloc(1, sizeof *s), *d = calloc(1, sizeof *d);
	struct runs m = {0};
	int rc;

	if (!s || !d) {
		free(s);
		free(d);
		return fail(b->dst, RELEASE_ENOMEM, "out of memory");
	}
	*s = (struct stream){.s = src, .app = b->app, .kind = kind, .before = UINT64_MAX};
	*d = (struct stream){.s = b->dst, .app = b->app, .kind = kind, .before = UINT64_MAX};
	rc = merge_kind(s, d, b, &m);
	page_free(d);
	if (rc == 0)
		rc = put_missing(s, b, &m);
	b->n = b->bytes = 0;
	page_free(s);
	free(m.v);
	free(s);
	free(d);
	return rc;
}

/* Makes dst's META record key that of src (absent included). */
static int sync_meta(release_store *src, struct batch *b, const char *key)
{
	struct raw x, y;
	struct rec rx, ry;
	int rc = read_record(src, b->app, RELEASE_KIND_META, key, &x);

	if (rc != 0)
		return rc;
	if ((rc = read_record(b->dst, b->app, RELEASE_KIND_META, key, &y)) != 0) {
		raw_free(&x);
		return rc;
	}
	rx = (struct rec){.data = x.data, .len = x.len};
	ry = (struct rec){.data = y.data, .len = y.len};
	if ((x.found != y.found || (x.found && !same(&rx, &ry))) && !b->mirror) {
		b->refused = 1;
		rc = fail(b->dst, RELEASE_ECONFLICT,
			  "app '%s': the destination's copy differs from the source (its %s): it "
			  "changed in one of them since it was copied; nothing of it was replaced "
			  "(copy with RELEASE_COPY_MIRROR to make it the source's again)",
			  b->app, strcmp(key, "active") == 0 ? "active release" : key);
	} else if (x.found != y.found || (x.found && !same(&rx, &ry))) {
		rc = write_op(b, RELEASE_OP_CAS, RELEASE_KIND_META, key, 0, y.found ? &ry : NULL,
			      x.found ? &rx : NULL);
		if (rc == 0)
			rc = flush(b);
	}
	raw_free(&x);
	raw_free(&y);
	return rc;
}

/* The app record src's would be as a tombstone: what dst holds while the
 * copy runs. Invisible to readers, it is also what release_app_create()
 * clears away should the copy never finish; a copy run again knows it as
 * its own (it carries the source app's token). */
static int tomb_of(const struct raw *app_rec, struct buf *out)
{
	struct dec d;
	int rc = dec_begin(&d, app_rec->data, app_rec->len, REC_APP);

	enc_begin(out, REC_APP);
	while (rc == 0 && (rc = dec_next(&d)) == 1) {
		if (d.tag != F_STATUS)
			enc_bytes(out, d.tag, d.val, d.len);
		rc = 0;
	}
	enc_u64(out, F_STATUS, 1);
	return rc ? rc : out->err;
}

static int raw_is(const struct raw *r, const void *p, size_t len)
{
	return r->found && r->len == len && memcmp(r->data, p, len) == 0;
}

/* Decides the app record dst is copied under (b->expect): src's when dst
 * has the app already, else our tombstone, written now when dst has no
 * record. A deletion left unfinished in dst is finished first. */
static int claim(struct batch *b, const struct raw *from, const struct buf *tomb)
{
	release_store *dst = b->dst;
	int rc = 0;

	for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
		struct raw to;
		release_app a = {0};
		int deleting = 0;

		if ((rc = read_record(dst, b->app, RELEASE_KIND_META, "app", &to)) != 0)
			return rc;
		if (raw_is(&to, from->data, from->len) || raw_is(&to, tomb->p, tomb->len)) {
			buf_put(&b->expect, to.data, to.len);
			raw_free(&to);
			return b->expect.err ? fail(dst, RELEASE_ENOMEM, "out of memory") : 0;
		}
		if (!to.found) {
			rc = dst->st->cas(dst->ctx, b->app, RELEASE_KIND_META, "app", NULL, 0, tomb->p,
					  tomb->len);
			rc = settle_write(dst, rc, "copying records", b->app, RELEASE_KIND_META, "app",
					  tomb->p, tomb->len, NULL);
			if (rc == RELEASE_ECONFLICT)
				continue; /* made meanwhile: decide again */
			if (rc == 0) { /* not counted: the app record replaces it */
				buf_put(&b->expect, tomb->p, tomb->len);
				rc = b->expect.err ? fail(dst, RELEASE_ENOMEM, "out of memory") : 0;
			}
			return rc;
		}
		rc = decode_app(to.data, to.len, &a, &deleting);
		free(a.name);
		free(a.actor);
		raw_free(&to);
		if (rc != 0 || !deleting)
			return fail(dst, RELEASE_EEXIST,
				    "app '%s': the destination has another app of that name; not "
				    "copied",
				    b->app);
		/* another app's deletion, interrupted: finish it */
		if ((rc = release_app_delete(dst, b->app)) != 0 && rc != RELEASE_ENOTFOUND)
			return rc;
		clear_error(dst);
	}
	return fail(dst, RELEASE_ECONFLICT, "app '%s': the destination's app kept changing",
		    b->app);
}

/* Copies app; *refused says a conflict was a refusal, not a race. */
static int copy_app(release_store *src, release_store *dst, const char *app,
		    unsigned int flags, uint64_t *written, int *refused)
{
	static const int kinds[] = {RELEASE_KIND_BUILD, RELEASE_KIND_RELEASE, RELEASE_KIND_DEPLOY};
	struct batch *b;
	struct raw from, again;
	struct buf tomb = {0};
	int rc;

	/* an app being deleted (or gone since it was listed) is not copied */
	rc = require_app_raw(src, app, &from);
	if (rc == RELEASE_ENOTFOUND) {
		clear_error(src);
		return 0;
	}
	if (rc != 0)
		return rc;
	if (!(b = calloc(1, sizeof *b))) {
		raw_free(&from);
		return fail(dst, RELEASE_ENOMEM, "out of memory");
	}
	b->dst = dst;
	b->app = app;
	b->from = &from;
	b->tomb = &tomb;
	if ((rc = tomb_of(&from, &tomb)) != 0)
		rc = rc == RELEASE_ENOMEM ? fail(dst, rc, "out of memory") :
		     fail(dst, rc, "app '%s': app record is corrupt", app);
	if (rc == 0)
		rc = claim(b, &from, &tomb);
	/* Our tombstone: nobody else can have written the app since (it is
	 * invisible), so it is made exactly src's. A visible app is changed
	 * only with RELEASE_COPY_MIRROR; otherwise its pointers are compared
	 * first, so that a refusal writes nothing. */
	b->mirror = (flags & RELEASE_COPY_MIRROR) ||
		    (b->expect.len == tomb.len && memcmp(b->expect.p, tomb.p, tomb.len) == 0);
	if (rc == 0 && !b->mirror && (rc = sync_meta(src, b, "settings")) == 0)
		rc = sync_meta(src, b, "active");
	for (size_t i = 0; rc == 0 && i < sizeof kinds / sizeof kinds[0]; i++) {
		if (kinds[i] == RELEASE_KIND_DEPLOY && (!has_deploy_log(src) || !has_deploy_log(dst)))
			continue;
		rc = sync_kind(src, b, kinds[i]);
	}
	if (rc == 0 && b->mirror && (rc = sync_meta(src, b, "settings")) == 0)
		rc = sync_meta(src, b, "active");
	/* What was copied is of the app read first only if src still has it:
	 * deleted and made again meanwhile, its records may be of both. */
	if (rc == 0 && (rc = read_record(src, app, RELEASE_KIND_META, "app", &again)) == 0) {
		if (!raw_is(&again, from.data, from.len))
			rc = fail(dst, RELEASE_ECONFLICT,
				  "app '%s' changed in the source during the copy; run it again", app);
		raw_free(&again);
	}
	/* last, the app itself: from our tombstone to the app */
	if (rc == 0 && !raw_is(&from, b->expect.p, b->expect.len)) {
		struct rec old = {.data = b->expect.p, .len = b->expect.len};
		struct rec now = {.data = from.data, .len = from.len};

		rc = write_op(b, RELEASE_OP_CAS, RELEASE_KIND_META, "app", 0, &old, &now);
		if (rc == 0)
			rc = flush(b);
	}
	*written += b->written;
	*refused = b->refused;
	buf_free(&b->expect);
	buf_free(&tomb);
	raw_free(&from);
	free(b);
	return rc;
}

struct names {
	char **v;
	size_t n, cap;
	int err;
};

static int collect_name(void *payload, const char *app)
{
	struct names *ns = payload;
	char *copy;

	if (!app || !valid_app(app))
		return 0; /* not an app the core could name; listed apps are checked */
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 16;
		char **v = realloc(ns->v, cap * sizeof *v);

		if (!v)
			return ns->err = RELEASE_ENOMEM;
		ns->v = v;
		ns->cap = cap;
	}
	if (!(copy = dup_str(app)))
		return ns->err = RELEASE_ENOMEM;
	ns->v[ns->n++] = copy;
	return 0;
}

RELEASE_API int release_store_copy(release_store *src, release_store *dst,
				   const release_copy_opts *opts, uint64_t *copied)
{
	release_copy_opts o;
	struct names ns = {0};
	uint64_t written = 0;
	int rc, first = 0;
	char stopped[64] = ""; /* the app after which progress stopped the copy */
	char first_msg[ERRMSG_MAX] = "";

	if (copied)
		*copied = 0;
	if (!src || !dst)
		return RELEASE_EINVAL;
	clear_error(src);
	clear_error(dst);
	if (same_store(src, dst))
		return fail(dst, RELEASE_EINVAL, "a store cannot be copied to itself");
	release_copy_opts_init(&o);
	if ((rc = TAKE_OPTS(dst, &o, opts, COPY_OPTS_1_4, "release_copy_opts")) != 0)
		return rc;
	if (o.flags & ~(unsigned)RELEASE_COPY_MIRROR)
		return fail(dst, RELEASE_EINVAL, "release_copy_opts.flags has unknown bits 0x%x",
			    o.flags & ~(unsigned)RELEASE_COPY_MIRROR);
	if (o.app) {
		if ((rc = check_app(dst, o.app)) != 0)
			return rc;
		if ((rc = require_app(src, o.app)) != 0)
			return fail(dst, rc, "%s", src->errmsg);
		rc = collect_name(&ns, o.app);
	} else {
		rc = src->st->list_apps(src->ctx, collect_name, &ns);
		if (rc != 0 && !ns.err)
			rc = fail_backend(dst, rc < 0 ? rc : RELEASE_EIO, "listing the apps to copy");
	}
	if (ns.err)
		rc = fail(dst, ns.err, "out of memory");
	for (size_t i = 0; rc == 0 && i < ns.n; i++) {
		uint64_t before = written;
		int app_rc;

		/* A conflict that is no refusal is a race (a write the
		 * destination had pending when its writer died, say): the
		 * app is copied again, picking up where it stopped. */
		for (int attempt = 0; attempt < 3; attempt++) {
			int refused = 0;

			clear_error(src);
			clear_error(dst);
			app_rc = copy_app(src, dst, ns.v[i], o.flags, &written, &refused);
			if (app_rc != RELEASE_ECONFLICT || refused)
				break;
		}
		if (app_rc != 0 && !first) {
			/* a read of src that failed left its message there */
			first = app_rc;
			memcpy(first_msg, dst->errmsg[0] ? dst->errmsg : src->errmsg,
			       sizeof first_msg);
		}
		/* a failure of the store itself ends the copy; an app that
		 * cannot be copied does not stop the others */
		if (app_rc == RELEASE_ENOMEM || app_rc == RELEASE_ENOSPC)
			break;
		if (app_rc == 0 && o.progress &&
		    (rc = o.progress(o.progress_payload, ns.v[i], written - before)) != 0) {
			snprintf(stopped, sizeof stopped, "%s", ns.v[i]);
			break;
		}
	}
	for (size_t i = 0; i < ns.n; i++)
		free(ns.v[i]);
	free(ns.v);
	if (copied)
		*copied = written;
	if (first) {
		memcpy(dst->errmsg, first_msg, sizeof dst->errmsg);
		return first;
	}
	if (stopped[0])
		return fail(dst, rc, "the copy was stopped by its progress callback after app '%s'",
			    stopped);
	return rc;
}
