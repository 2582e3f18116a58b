/*
 * The file store's pending runs (group commit: file.h): the runs appended
 * past indexed_len, not yet synced and applied. A commit plans on top of
 * them (commit.c); so may the core's reads for a write, once it asks
 * (file_see_pending): a write built on a pending run is acknowledged only
 * with it, and cut off with it, since the log is synced and cut in order.
 * Every other read sees only what is applied, which is synced.
 */
#include "file.h"

void pending_free(struct pending *p)
{
	free(p->r);
	memset(p, 0, sizeof *p);
}

/* Adds the records of the checked run [off, next) to p. */
static int add_run(struct fstore *fs, struct fapp *a, struct pending *p, uint64_t off,
		   uint64_t next)
{
	while (off < next) {
		struct rec r;
		struct prec *q;
		int rc = read_rec(fs, a, off, &r, NULL);

		if (rc != 0)
			return rc;
		rec_free(&r);
		if (p->n == p->cap) {
			size_t cap = p->cap ? 2 * p->cap : 16;
			struct prec *nr = realloc(p->r, cap * sizeof *nr);

			if (!nr)
				return failf(fs, RELEASE_ENOMEM, "out of memory");
			p->r = nr;
			p->cap = cap;
		}
		q = &p->r[p->n++];
		q->op = r.op;
		q->kind = r.kind;
		q->seq = r.seq;
		q->off = off;
		q->len = r.len;
		q->first = r.first;
		strcpy(q->key, r.key);
		off += r.len;
	}
	return 0;
}

/*
 * Reads the pending runs: those whole from a->st.indexed_len on, stopping
 * at the first that is not (one being appended by another writer, or torn;
 * under the append lock, recover_pending() has cut a torn one already).
 * p->end gets where the runs read end.
 */
int pending_load(struct fstore *fs, struct fapp *a, struct pending *p)
{
	uint64_t off = a->st.indexed_len, size = file_size(a->log);

	memset(p, 0, sizeof *p);
	p->end = off;
	while (off < size) {
		uint64_t next = off;
		int rc, more = 1;

		/* The run's extent first: it counts only once it is whole. */
		for (size_t k = 0; more; k++) {
			struct rec r;
			int torn;

			if ((rc = read_rec(fs, a, next, &r, &torn)) == RELEASE_ECORRUPT)
				return 0;
			if (rc != 0) {
				pending_free(p);
				return rc;
			}
			rec_free(&r);
			if (r.first != (k == 0) || k == RELEASE_COMMIT_MAX)
				return 0;
			more = r.more;
			next += r.len;
		}
		if ((rc = add_run(fs, a, p, off, next)) != 0) {
			pending_free(p);
			return rc;
		}
		off = p->end = next;
	}
	return 0;
}

/* The newest pending record of (kind, key), or NULL. */
const struct prec *pending_find(const struct pending *p, int kind, const char *key)
{
	for (size_t i = p->n; i-- > 0;)
		if (p->r[i].kind == kind && strcmp(p->r[i].key, key) == 0)
			return &p->r[i];
	return NULL;
}

/* Reads the pending record q again, into r: 0, PENDING_MOVED when the log
 * no longer holds it there (cut off, or compacted, since it was loaded:
 * the read starts over), or an error. */
static int reread(struct fstore *fs, struct fapp *a, const struct prec *q, struct rec *r)
{
	int rc = read_rec(fs, a, q->off, r, NULL);

	if (rc == RELEASE_ECORRUPT)
		return PENDING_MOVED;
	if (rc != 0)
		return rc;
	if (r->op != q->op || r->kind != q->kind || r->seq != q->seq || r->len != q->len ||
	    strcmp(r->key, q->key) != 0) {
		rec_free(r);
		return PENDING_MOVED;
	}
	return 0;
}

/*
 * get() for a write that sees pending runs, after begin_read(): the newest
 * pending record of (kind, key) when there is one (RELEASE_ENOTFOUND when
 * it deletes), else PENDING_NONE for the applied one. PENDING_MOVED: start
 * over.
 */
int pending_get(struct fstore *fs, struct fapp *a, int kind, const char *key,
		release_record_fn fn, void *payload)
{
	struct pending p;
	const struct prec *q;
	struct rec r;
	int rc;

	if (file_size(a->log) <= a->st.indexed_len)
		return PENDING_NONE;
	if ((rc = pending_load(fs, a, &p)) != 0)
		return rc;
	q = pending_find(&p, kind, key);
	if (!q || q->op == OP_DELETE) {
		rc = q ? RELEASE_ENOTFOUND : PENDING_NONE;
	} else if ((rc = reread(fs, a, q, &r)) == 0) {
		rc = fn(payload, r.seq, r.key, r.data, r.datalen);
		rec_free(&r);
	}
	pending_free(&p);
	return rc;
}

/* A record to deliver, kept to merge. */
struct item {
	uint64_t seq;
	char key[KEY_MAX + 1];
	unsigned char *data;
	size_t len;
};

struct items {
	struct item *v;
	size_t n, cap;
	int err;
};

static int keep_item(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct items *it = payload;
	struct item *x;

	if (it->n == it->cap) {
		size_t cap = it->cap ? 2 * it->cap : 8;
		struct item *nv = realloc(it->v, cap * sizeof *nv);

		if (!nv)
			return it->err = RELEASE_ENOMEM;
		it->v = nv;
		it->cap = cap;
	}
	x = &it->v[it->n];
	if (!(x->data = malloc(len ? len : 1)))
		return it->err = RELEASE_ENOMEM;
	memcpy(x->data, data, len);
	x->len = len;
	x->seq = seq;
	snprintf(x->key, sizeof x->key, "%s", key);
	it->n++;
	return 0;
}

static void items_free(struct items *it)
{
	for (size_t i = 0; i < it->n; i++)
		free(it->v[i].data);
	free(it->v);
	memset(it, 0, sizeof *it);
}

/* The pending records of kind that stand (the newest of their key, not a
 * deletion) with seq below before, newest seq first, read into out. */
static int standing(struct fstore *fs, struct fapp *a, const struct pending *p, int kind,
		    uint64_t before, struct items *out)
{
	const struct prec **mine = calloc(p->n ? p->n : 1, sizeof *mine);
	size_t n = 0;
	int rc = 0;

	if (!mine)
		return failf(fs, RELEASE_ENOMEM, "out of memory");
	for (size_t k = 0; k < p->n; k++) {
		const struct prec *q = &p->r[k];

		if (q->kind == kind && pending_find(p, kind, q->key) == q && q->op != OP_DELETE &&
		    q->seq < before) {
			size_t at = n++;

			while (at > 0 && mine[at - 1]->seq < q->seq) {
				mine[at] = mine[at - 1];
				at--;
			}
			mine[at] = q;
		}
	}
	for (size_t k = 0; k < n && rc == 0; k++) {
		struct rec r;

		if ((rc = reread(fs, a, mine[k], &r)) == 0) {
			keep_item(out, r.seq, r.key, r.data, r.datalen);
			rec_free(&r);
			if (out->err)
				rc = failf(fs, out->err, "out of memory");
		}
	}
	free(mine);
	return rc;
}

/*
 * scan() for a write that sees pending runs: the applied records (scanned
 * by plain, the scan that does not) merged with the pending ones, a
 * pending record standing for its key wherever the applied one was. All
 * is read before anything is delivered, so that a read started over
 * (PENDING_MOVED: a record moved, or the directory was replaced) delivers
 * nothing twice. PENDING_NONE when nothing is pending of kind: the plain
 * scan answers alone.
 */
int pending_scan(struct fstore *fs, struct fapp *a, const char *app, int kind, uint64_t before,
		 size_t limit, release_record_fn fn, void *payload, pending_plain_fn plain)
{
	struct pending p;
	struct items it = {0}, mine = {0};
	size_t over = 0, i = 0, j = 0;
	int rc;

	if (file_size(a->log) <= a->st.indexed_len)
		return PENDING_NONE;
	if ((rc = pending_load(fs, a, &p)) != 0)
		return rc;
	for (size_t k = 0; k < p.n; k++)
		over += p.r[k].kind == kind;
	if (!over) {
		pending_free(&p);
		return PENDING_NONE;
	}
	rc = standing(fs, a, &p, kind, before, &mine);
	/* Each pending key hides at most one applied record. */
	if (rc == 0)
		rc = plain(fs, app, kind, before, limit > SIZE_MAX - over ? SIZE_MAX : limit + over,
			   keep_item, &it);
	if (rc == 0 && it.err)
		rc = failf(fs, it.err, "out of memory");
	/* The plain scan reads the app at its name now: if it found a's
	 * directory deleted (by hand, perhaps made again), the pending records
	 * are the deleted one's, not to be mixed with what it read. */
	if (rc == 0 && a->retired)
		rc = PENDING_MOVED;
	while (rc == 0 && limit > 0 && (i < it.n || j < mine.n)) {
		if (i < it.n && pending_find(&p, kind, it.v[i].key)) {
			i++; /* the pending record stands for it */
			continue;
		}
		if (j < mine.n && (i == it.n || mine.v[j].seq > it.v[i].seq)) {
			rc = fn(payload, mine.v[j].seq, mine.v[j].key, mine.v[j].data, mine.v[j].len);
			j++;
		} else {
			rc = fn(payload, it.v[i].seq, it.v[i].key, it.v[i].data, it.v[i].len);
			i++;
		}
		limit--;
	}
	items_free(&it);
	items_free(&mine);
	pending_free(&p);
	return rc;
}
