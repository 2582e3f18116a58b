/*
 * The file store's commit (version 2): the operations of one app checked
 * whole under the app's lock, each against the records as the earlier ones
 * leave them, before anything is written; then appended as one run of
 * records and made durable by one fdatasync (log.c), and applied to the
 * indexes. The on-disk format and the rules of recovery: file.h.
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
	const release_storage_op *ops;
	size_t n;
	struct vrec *v; /* one per record the operations name */
	size_t nv;
	struct wrec *w; /* the records to append, in order */
	size_t nw;
	uint64_t dead;    /* log bytes the run makes dead */
	uint32_t meta_n;  /* META records, as the operations leave them */
	uint64_t top[2];  /* highest seq of builds and releases, likewise */
	size_t indexed;   /* ordered records the run puts or replaces */
};

static const char *const op_names[] = {"?", "put", "compare-and-swap", "delete", "check"};
static const char *const kind_names[] = {"?", "META", "build", "release"};

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->nv; i++)
		rec_free(&p->v[i].cur);
	free(p->v);
	free(p->w);
	p->v = NULL;
	p->w = NULL;
	p->nv = p->nw = 0;
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
	if (a) {
		p->meta_n = a->st.meta_n;
		p->top[0] = max_seq(a, 0);
		p->top[1] = max_seq(a, 1);
	}
	p->v = calloc(n, sizeof *p->v);
	p->w = calloc(n, sizeof *p->w);
	if (!p->v || !p->w) {
		plan_free(p);
		return failf(fs, RELEASE_ENOMEM, "out of memory");
	}
	return 0;
}

static struct vrec *vfind(struct plan *p, int kind, const char *key)
{
	for (size_t i = 0; i < p->nv; i++)
		if (p->v[i].kind == kind && strcmp(p->v[i].key, key) == 0)
			return &p->v[i];
	return NULL;
}

/* The record (kind, key) as the operations planned so far leave it: read
 * from the indexes the first time. FS_DAMAGED when they are damaged. */
static int vload(struct plan *p, int kind, const char *key, struct vrec **out)
{
	struct vrec *v = vfind(p, kind, key);
	int found = 0, rc;

	if (!v) {
		v = &p->v[p->nv];
		memset(v, 0, sizeof *v);
		if (p->a && (rc = current_rec(p->fs, p->a, kind, key, &v->cur, &found)) != 0)
			return rc;
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

/* Whether seq of an ordered kind holds a record, as the operations planned
 * so far leave it: 1, 0, or an error. */
static int seq_taken(struct plan *p, int kind, uint64_t seq)
{
	int which = kind == RELEASE_KIND_RELEASE, rc;
	struct vrec *v;
	struct ent e;
	struct rec r;

	for (size_t i = 0; i < p->nv; i++)
		if (p->v[i].kind == kind && p->v[i].present && p->v[i].seq == seq)
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
	v = vfind(p, kind, r.key);
	return !v || v->present;
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
	/* As end_write's accounting: the record replaced, and a deletion's own. */
	p->dead += (v->present ? v->reclen : 0) + (op == OP_DELETE ? reclen : 0);
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
	int which = o->kind == RELEASE_KIND_RELEASE, rc;
	struct vrec *v;

	if (o->op < RELEASE_OP_PUT || o->op > RELEASE_OP_CHECK || o->kind < RELEASE_KIND_META ||
	    o->kind > RELEASE_KIND_RELEASE || !valid_key(o->key) || (!o->old && o->old_len) ||
	    (!o->data && o->len))
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
			if ((rc = seq_taken(p, o->kind, o->seq)) < 0)
				return rc;
			if (rc)
				return failf(p->fs, RELEASE_ECONFLICT, "app '%s': operation %zu of the "
					     "commit puts %s seq %llu, which is taken", app, i,
					     kind_names[o->kind], (unsigned long long)o->seq);
			if (o->seq > p->top[which])
				p->top[which] = o->seq;
		} else if (p->meta_n == META_SLOTS) {
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
		if (!v->present && p->meta_n == META_SLOTS)
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

/* Appends the planned run and applies it to the indexes; *committed once
 * it is durable. */
static int write_run(struct fstore *fs, struct fapp *a, struct plan *p, int *committed)
{
	uint32_t *lens;
	uint64_t off = a->st.indexed_len;
	int rc = 0;

	/* A key index filling up is rebuilt before the run, never in the
	 * middle of applying it: a rebuild publishes the state. After one
	 * there is room for more than RELEASE_COMMIT_MAX keys. */
	if ((a->st.keys_used + p->indexed) * 4 > a->st.keys_cap * 3 &&
	    (rc = rebuild_keys(fs, a)) != 0)
		return rc;
	if ((a->st.keys_used + p->indexed) * 4 > a->st.keys_cap * 3)
		return failf(fs, RELEASE_EIO, "app '%s': the key index has no room for the commit",
			     a->name);
	if (p->nw > 1 && (rc = format_move(fs)) != 0)
		return rc;
	if (!(lens = calloc(p->nw, sizeof *lens)))
		return failf(fs, RELEASE_ENOMEM, "out of memory");
	if ((rc = append_run(fs, a, p->w, p->nw, lens)) != 0) {
		free(lens);
		return rc;
	}
	*committed = 1;
	/* The state keeps naming the run's start as indexed until all of it
	 * is: a state published meanwhile makes recovery replay it whole. */
	for (size_t k = 0; k < p->nw && rc == 0; k++) {
		struct rec r = {.op = p->w[k].op, .kind = p->w[k].kind, .seq = p->w[k].seq,
				.off = off, .len = lens[k]};

		strcpy(r.key, p->w[k].key);
		rc = apply_rec(fs, a, &r);
		off += lens[k];
	}
	if (rc == 0) {
		a->st.indexed_len = off;
		a->st.dead += p->dead;
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
	size_t at = n;
	int rc, creates = 0, committed = 0;

	if (!ops || n < 1 || n > RELEASE_COMMIT_MAX || !valid_app_name(app)) {
		if (failed)
			*failed = n;
		return failf(fs, RELEASE_EINVAL, "invalid commit (app name or number of operations)");
	}
	for (size_t i = 0; i < n; i++)
		creates |= ops[i].op == RELEASE_OP_PUT ||
			   (ops[i].op == RELEASE_OP_CAS && !ops[i].old && ops[i].data);
	fs->damage = 0;
	if ((rc = begin_write(fs, app, creates, &a)) != 0)
		return rc;
	for (int attempt = 0;; attempt++) {
		if ((rc = plan_init(&p, fs, app, a, ops, n)) != 0)
			break;
		rc = plan_all(&p, &at);
		if (rc == 0 && a && p.nw)
			rc = write_run(fs, a, &p, &committed);
		/* Damaged indexes are rebuilt from the log, and the plan made
		 * again from them. */
		if (rc == FS_DAMAGED && !committed && attempt == 0 && a && (rc = reindex(fs, a)) == 0) {
			plan_free(&p);
			at = n;
			continue;
		}
		plan_free(&p);
		break;
	}
	if (failed && (rc == RELEASE_ECONFLICT || rc == RELEASE_ENOTFOUND || rc == RELEASE_EINVAL))
		*failed = at;
	if (!a)
		return public_rc(rc);
	return end_write(fs, a, rc, committed);
}
