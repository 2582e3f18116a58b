/*
 * The file store's commit (version 2): the operations of one app checked
 * whole under the append lock, each against the records as the pending runs
 * and the earlier operations leave them, before anything is written; then
 * appended as one run of records (log.c) and made durable, with the runs of
 * other commits, by one group's fdatasync (group.c). The on-disk format and
 * the rules of recovery: file.h.
 */
#include "file.h"

/* A record as the operations planned so far leave it. */
struct vrec {
	int kind;
	const char *key;  /* an operation's */
	int present;
	uint64_t seq;
	const void *data; /* its bytes: an operation's, or cur's */
	size_t len;
	uint32_t reclen;  /* the length of its record in the log */
	struct rec cur;   /* the record the log had (owned) */
};

struct plan {
	struct fstore *fs;
	const char *app;
	struct fapp *a; /* NULL: the app has no files, so no records */
	struct pending pend; /* the pending runs (pend.end: the new run's start) */
	size_t pend_indexed; /* their records of builds and releases */
	const release_storage_op *ops;
	size_t n;
	struct vrec *v; /* one per record the operations name */
	size_t nv;
	struct wrec *w; /* the records to append, in order */
	size_t nw;
	uint32_t meta_n;  /* META records, as the operations leave them */
	uint64_t top[SEQ_KINDS]; /* highest seq of each ordered kind, likewise */
	size_t indexed;   /* ordered records the run puts or replaces */
};

static const char *const op_names[] = {"?", "put", "compare-and-swap", "delete", "check"};
static const char *const kind_names[] = {"?", "META", "build", "release", "deployment"};

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->nv; i++)
		rec_free(&p->v[i].cur);
	free(p->v);
	free(p->w);
	pending_free(&p->pend);
	p->v = NULL;
	p->w = NULL;
	p->nv = p->nw = 0;
}

/* Reads the records of the pending runs (checked whole by recover_pending),
 * and counts what they change: META records, tops, keys. */
static int load_pending(struct plan *p)
{
	int rc = pending_load(p->fs, p->a, &p->pend);

	if (rc != 0)
		return rc;
	/* The new run goes where they end, which must be the log's end. */
	if (p->pend.end != file_size(p->a->log))
		return failf(p->fs, RELEASE_ECORRUPT, "app '%s': log.%llu holds %llu bytes after its "
			     "last whole commit", p->app, (unsigned long long)p->a->log_gen,
			     (unsigned long long)(file_size(p->a->log) - p->pend.end));
	for (size_t i = 0; i < p->pend.n; i++) {
		const struct prec *q = &p->pend.r[i];
		/* (a forged tail may delete what is absent: never below 0) */
		if (q->kind == RELEASE_KIND_META)
			p->meta_n = p->meta_n + (q->op == OP_PUT) - (q->op == OP_DELETE && p->meta_n);
		else if (q->op != OP_DELETE)
			p->pend_indexed++;
		if (ordered(q->kind) && q->seq > p->top[seq_index(q->kind)])
			p->top[seq_index(q->kind)] = q->seq;
	}
	return 0;
}

static int plan_init(struct plan *p, struct fstore *fs, const char *app, struct fapp *a,
		     const release_storage_op *ops, size_t n)
{
	memset(p, 0, sizeof *p);
	p->fs = fs;
	p->app = app;
	p->a = a;
	p->ops = ops;
	p->n = n;
	p->v = calloc(n, sizeof *p->v);
	p->w = calloc(n, sizeof *p->w);
	if (!p->v || !p->w) {
		plan_free(p);
		return failf(fs, RELEASE_ENOMEM, "out of memory");
	}
	if (a) {
		int rc;

		p->meta_n = a->st.meta_n;
		for (int w = 0; w < SEQ_KINDS; w++)
			p->top[w] = max_seq(a, w);
		if ((rc = load_pending(p)) != 0) {
			plan_free(p);
			return rc;
		}
	}
	return 0;
}

static struct vrec *vfind(const struct plan *p, int kind, const char *key)
{
	for (size_t i = 0; i < p->nv; i++)
		if (p->v[i].kind == kind && strcmp(p->v[i].key, key) == 0)
			return &p->v[i];
	return NULL;
}

/* The record (kind, key) as the operations planned so far leave it: read
 * from the pending runs or the indexes the first time. FS_DAMAGED when they
 * are damaged. */
static int vload(struct plan *p, int kind, const char *key, struct vrec **out)
{
	struct vrec *v = vfind(p, kind, key);
	const struct prec *q;
	int found = 0, rc;

	if (!v) {
		v = &p->v[p->nv];
		memset(v, 0, sizeof *v);
		if ((q = pending_find(&p->pend, kind, key))) {
			if (q->op != OP_DELETE) {
				if ((rc = read_rec(p->fs, p->a, q->off, &v->cur, NULL)) != 0)
					return rc;
				found = 1;
			}
		} else if (p->a && (rc = current_rec(p->fs, p->a, kind, key, &v->cur, &found)) != 0) {
			return rc;
		}
		p->nv++;
		v->kind = kind;
		v->key = key;
		v->present = found;
		if (found) {
			v->seq = v->cur.seq;
			v->data = v->cur.data;
			v->len = v->cur.datalen;
			v->reclen = v->cur.len;
		}
	}
	*out = v;
	return 0;
}

/* Whether (kind, key) is known to hold a record of seq as the pending runs
 * and the operations planned so far leave it: 1 yes, 0 no, -1 unknown to
 * them (the indexes tell). */
static int holds_seq(const struct plan *p, int kind, const char *key, uint64_t seq)
{
	const struct vrec *v = vfind(p, kind, key);
	const struct prec *q;

	if (v)
		return v->present && v->seq == seq;
	if ((q = pending_find(&p->pend, kind, key)))
		return q->op != OP_DELETE && q->seq == seq;
	return -1;
}

/* Whether seq of an ordered kind holds a record, as the pending runs and
 * the operations planned so far leave it: 1, 0, or an error. */
static int seq_taken(struct plan *p, int kind, uint64_t seq)
{
	int which = seq_index(kind), rc;
	struct ent e;
	struct rec r;

	for (size_t i = 0; i < p->nv; i++)
		if (p->v[i].kind == kind && p->v[i].present && p->v[i].seq == seq)
			return 1;
	for (size_t i = 0; i < p->pend.n; i++)
		if (p->pend.r[i].kind == kind && p->pend.r[i].seq == seq &&
		    holds_seq(p, kind, p->pend.r[i].key, seq) == 1)
			return 1;
	if (!p->a)
		return 0;
	if ((rc = read_ent(p->fs, p->a, which, seq, &e)) != 0)
		return rc;
	if (!e.off)
		return 0;
	/* Its record may be one an earlier operation deleted. */
	if ((rc = read_rec(p->fs, p->a, e.off, &r, NULL)) == RELEASE_ECORRUPT)
		return damaged(p->fs, p->a, "the index points at byte %llu of log.%llu, which is no "
			       "record", (unsigned long long)e.off, (unsigned long long)p->a->log_gen);
	if (rc != 0)
		return rc;
	rec_free(&r);
	if (r.kind != kind || r.seq != seq || r.op == OP_DELETE)
		return damaged(p->fs, p->a, "the index points at the wrong record (byte %llu of "
			       "log.%llu)", (unsigned long long)e.off,
			       (unsigned long long)p->a->log_gen);
	rc = holds_seq(p, kind, r.key, seq);
	return rc != 0;
}

/* Plans the record an operation writes, and what it leaves of v. */
static void plan_write(struct plan *p, struct vrec *v, int op, uint64_t seq, const void *data,
		       size_t len)
{
	struct wrec *w = &p->w[p->nw++];
	uint32_t reclen = (uint32_t)(REC_HDR + strlen(v->key) + (op == OP_DELETE ? 0 : len));

	w->op = op;
	w->kind = v->kind;
	w->key = v->key;
	w->seq = seq;
	w->data = op == OP_DELETE ? NULL : data;
	w->len = op == OP_DELETE ? 0 : len;
	if (ordered(v->kind) && op != OP_DELETE)
		p->indexed++;
	if (v->kind == RELEASE_KIND_META)
		p->meta_n = p->meta_n + (op == OP_PUT) - (op == OP_DELETE);
	v->present = op != OP_DELETE;
	v->seq = seq;
	v->data = data;
	v->len = len;
	v->reclen = reclen;
}

static int same_bytes(const struct vrec *v, const void *old, size_t old_len)
{
	return v->present && v->len == old_len && (!old_len || memcmp(v->data, old, old_len) == 0);
}

static int invalid(struct plan *p, size_t i, const char *why)
{
	return failf(p->fs, RELEASE_EINVAL, "app '%s': operation %zu of the commit %s", p->app, i,
		     why);
}

/* Checks operation i against the records as the earlier ones leave them,
 * and plans its record. */
static int plan_op(struct plan *p, size_t i)
{
	const char *app = p->app;
	const release_storage_op *o = &p->ops[i];
	int which = seq_index(o->kind), rc;
	struct vrec *v;

	if (o->op < RELEASE_OP_PUT || o->op > RELEASE_OP_CHECK || !valid_kind(o->kind) ||
	    !valid_key(o->key) || (!o->old && o->old_len) || (!o->data && o->len))
		return invalid(p, i, "is malformed (operation, kind, key or bytes)");
	if (o->op == RELEASE_OP_PUT &&
	    (ordered(o->kind) ? o->seq == 0 || o->seq >= SEQ_LIMIT : o->seq != 0))
		return invalid(p, i, "puts a record with an invalid seq");
	if (o->op == RELEASE_OP_CAS && ordered(o->kind) && !o->old)
		return invalid(p, i, "creates a build or release other than by put");
	if ((o->op == RELEASE_OP_PUT || o->op == RELEASE_OP_CAS) && o->len > DATA_MAX)
		return invalid(p, i, "writes a record too large");
	if ((rc = vload(p, o->kind, o->key, &v)) != 0)
		return rc;
	switch (o->op) {
	case RELEASE_OP_PUT:
		if (v->present)
			return failf(p->fs, RELEASE_ECONFLICT, "app '%s': operation %zu of the commit "
				     "puts %s '%s', which exists", app, i, kind_names[o->kind], o->key);
		if (ordered(o->kind)) {
			if (o->seq > p->top[which] + SEQ_GAP_MAX)
				return invalid(p, i, "puts a seq too far past the newest");
			if (p->a && (rc = need_index(p->fs, p->a, o->kind)) != 0)
				return rc;
			if ((rc = seq_taken(p, o->kind, o->seq)) < 0)
				return rc;
			if (rc)
				return failf(p->fs, RELEASE_ECONFLICT, "app '%s': operation %zu of the "
					     "commit puts %s seq %llu, which is taken", app, i,
					     kind_names[o->kind], (unsigned long long)o->seq);
			if (o->seq > p->top[which])
				p->top[which] = o->seq;
		} else if (p->meta_n >= META_SLOTS) {
			return invalid(p, i, "makes too many META records");
		}
		plan_write(p, v, OP_PUT, o->seq, o->data, o->len);
		return 0;
	case RELEASE_OP_CAS:
	case RELEASE_OP_CHECK:
		if (o->old ? !same_bytes(v, o->old, o->old_len) : v->present)
			return failf(p->fs, RELEASE_ECONFLICT, "app '%s': operation %zu of the commit "
				     "(%s of %s '%s') finds other bytes", app, i, op_names[o->op],
				     kind_names[o->kind], o->key);
		if (o->op == RELEASE_OP_CHECK || (!v->present && !o->data))
			return 0; /* nothing to write */
		if (!v->present && p->meta_n >= META_SLOTS)
			return invalid(p, i, "makes too many META records");
		plan_write(p, v, !v->present ? OP_PUT : o->data ? OP_REPLACE : OP_DELETE, v->seq,
			   o->data, o->len);
		return 0;
	default: /* RELEASE_OP_DEL */
		if (!v->present)
			return failf(p->fs, RELEASE_ENOTFOUND, "app '%s': operation %zu of the commit "
				     "deletes %s '%s', which is absent", app, i, kind_names[o->kind],
				     o->key);
		plan_write(p, v, OP_DELETE, v->seq, NULL, 0);
		return 0;
	}
}

/* A ticket to wait for the pending runs with: named by the last of them
 * (a cut never splits a run, so they are all there while it is). */
static void pending_ticket(struct fapp *a, const struct pending *pend, struct ticket *t)
{
	t->gen = a->log_gen;
	t->cuts = a->st.cuts;
	t->end = pend->end;
	for (size_t i = pend->n; i-- > 0;)
		if (pend->r[i].first) {
			t->start = pend->r[i].off;
			break;
		}
	if (pread_full(a->log, t->head, sizeof t->head, t->start) != (ssize_t)sizeof t->head)
		t->start = 0; /* unknown: any cut then fails the wait */
}

/* Plans every operation; *at gets the one that failed. */
static int plan_all(struct plan *p, size_t *at)
{
	for (size_t i = 0; i < p->n; i++) {
		int rc = plan_op(p, i);

		if (rc != 0) {
			*at = i;
			return rc;
		}
	}
	return 0;
}

/* Appends the planned run after the pending ones, unsynced and unapplied;
 * t says where it went. */
static int write_run(struct fstore *fs, struct fapp *a, struct plan *p, struct ticket *t)
{
	uint64_t keys = a->st.keys_used + p->pend_indexed + p->indexed;
	uint32_t *lens;
	int rc = 0;

	/* A key index that applying the pending runs and this one could fill
	 * is grown now (a rebuild publishes the state, so never in the middle
	 * of applying a run). After one there is room for more than
	 * RELEASE_COMMIT_MAX keys past the pending ones. */
	if (keys * 4 > a->st.keys_cap * 3 && (rc = rebuild_keys(fs, a)) != 0)
		return rc;
	if ((a->st.keys_used + p->pend_indexed + p->indexed) * 4 > a->st.keys_cap * 3)
		return failf(fs, RELEASE_EIO, "app '%s': the key index has no room for the commit",
			     a->name);
	if (!(lens = calloc(p->nw, sizeof *lens)))
		return failf(fs, RELEASE_ENOMEM, "out of memory");
	if ((rc = append_run(fs, a, p->pend.end, p->w, p->nw, lens, 0)) == 0) {
		t->gen = a->log_gen;
		t->cuts = a->st.cuts;
		t->fresh = 1;
		t->start = t->end = p->pend.end;
		for (size_t k = 0; k < p->nw; k++)
			t->end += lens[k];
		if (pread_full(a->log, t->head, sizeof t->head, t->start) != (ssize_t)sizeof t->head)
			rc = sys_fail(fs, a->name, "reading log");
	}
	free(lens);
	return rc;
}

int fs_commit(void *ctx, const char *app, const release_storage_op *ops, size_t n,
	      size_t *failed)
{
	struct fstore *fs = ctx;
	struct fapp *a;
	struct plan p;
	struct ticket t = {0};
	size_t at = n;
	int rc, creates = 0, appended = 0;

	if (!ops || n < 1 || n > RELEASE_COMMIT_MAX || !valid_app_name(app)) {
		if (failed)
			*failed = n;
		return failf(fs, RELEASE_EINVAL, "invalid commit (app name or number of operations)");
	}
	for (size_t i = 0; i < n; i++)
		creates |= ops[i].op == RELEASE_OP_PUT ||
			   (ops[i].op == RELEASE_OP_CAS && !ops[i].old && ops[i].data);
	fs->damage = 0;
	if ((rc = begin_commit(fs, app, creates, &a)) != 0)
		return rc;
	for (int attempt = 0;; attempt++) {
		if ((rc = plan_init(&p, fs, app, a, ops, n)) != 0)
			break;
		rc = plan_all(&p, &at);
		if (rc == 0 && a && p.nw && (rc = mark_pending(fs, a, 1)) == 0) {
			if ((rc = write_run(fs, a, &p, &t)) == 0)
				appended = 1;
			else
				mark_pending(fs, a, 0);
		}
		/* Damaged indexes are rebuilt from the log (the pending runs
		 * synced into it first), and the plan made again from them. */
		if (rc == FS_DAMAGED && attempt == 0 && a && (rc = reindex(fs, a)) == 0) {
			plan_free(&p);
			at = n;
			continue;
		}
		/* A commit that conflicts with a pending run waits for it to be
		 * applied: else its caller, reading again, would not see what
		 * it conflicts with until the sync, and conflict again (unless
		 * the caller's reads see pending runs). One that only checked,
		 * with runs pending, waits for them too: what it checked may
		 * be theirs, and holds only once they are durable. */
		if (((rc == RELEASE_ECONFLICT || rc == RELEASE_ENOTFOUND) && p.pend.n &&
		     !fs->see_pending) || (rc == 0 && !appended && p.pend.n))
			pending_ticket(a, &p.pend, &t);
		plan_free(&p);
		break;
	}
	if (failed && (rc == RELEASE_ECONFLICT || rc == RELEASE_ENOTFOUND || rc == RELEASE_EINVAL))
		*failed = at;
	if (!a)
		return public_rc(rc);
	if (!appended) {
		rc = end_write(fs, a, rc, 0);
		if (t.end && rc == 0)
			return wait_durable(fs, a, &t);
		if (t.end) {
			char msg[sizeof fs->errmsg];

			memcpy(msg, fs->errmsg, sizeof msg);
			wait_durable(fs, a, &t); /* its outcome is the pending runs' */
			memcpy(fs->errmsg, msg, sizeof msg);
		}
		return rc;
	}
	unlock_app(fs, a);
	rc = wait_durable(fs, a, &t);
	mark_pending(fs, a, 0);
	return rc;
}
