/*
 * The memory backend: records in process memory, for tests, caches and
 * programs whose history need not outlive them. Written against the public
 * storage vtable only.
 *
 * Per app and ordered kind, records sit in an array sorted by seq (appends
 * are the common case; deleting the oldest only moves a start index), with a
 * hash index from key to seq. META records are a short unsorted list.
 *
 * Version 2: a commit is checked whole, then applied by steps that cannot
 * fail; holds are a list per store. Like the rest, none of it is locked: a
 * store (ctx) is used by one thread at a time, as its handles are.
 *
 * Version 3: the deployment log is one more ordered kind, kept as builds and
 * releases are. There is no wait(): only this process's handles can change
 * the records, so the core's polling of a waiting handle sees every change.
 */
#include <librelease/storage.h>

#include <stdlib.h>
#include <string.h>

#define KEY_MAX 64 /* the longest key the vtable promises */
#define NKINDS RELEASE_KIND_DEPLOY /* META, then the ordered kinds */

/* The core's entry points into this backend (store.c). */
extern const release_storage memory_storage;
int memory_open(void **ctx);

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	return d ? memcpy(d, s, n) : NULL;
}

struct mrec {
	uint64_t seq;
	char key[KEY_MAX + 1];
	unsigned char *data;
	size_t len;
};

struct mlist {
	struct mrec *v;
	size_t start, end, cap; /* live records are v[start..end) */
	/* key -> seq, open addressing with linear probing; 0 seq is empty */
	struct slot {
		uint64_t seq;
		char *key;
	} *index;
	size_t index_cap, index_n;
};

struct mapp {
	char name[64];
	struct mlist kinds[NKINDS]; /* by kind - 1 */
};

/* An app's hold (version 2): one per app, in a list per store. */
struct mhold {
	struct mhold *next;
	char app[64];
	size_t len;
	unsigned char info[RELEASE_HOLD_INFO_MAX];
};

struct mem {
	struct mapp **apps;
	size_t n, cap;
	struct mhold *holds;
};

static struct mapp *find_app(struct mem *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->apps[i]->name, name) == 0)
			return m->apps[i];
	return NULL;
}

static struct mapp *add_app(struct mem *m, const char *name)
{
	struct mapp *a;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		struct mapp **apps = realloc(m->apps, cap * sizeof *apps);

		if (!apps)
			return NULL;
		m->apps = apps;
		m->cap = cap;
	}
	if (!(a = calloc(1, sizeof *a)))
		return NULL;
	strcpy(a->name, name);
	m->apps[m->n++] = a;
	return a;
}

static int valid_kind(int kind)
{
	return kind >= RELEASE_KIND_META && kind <= NKINDS;
}

/* Builds, releases and the deployment log: kept alike, by seq. */
static int ordered(int kind)
{
	return kind > RELEASE_KIND_META && kind <= NKINDS;
}

static struct mlist *list_of(struct mapp *a, int kind)
{
	return a && valid_kind(kind) ? &a->kinds[kind - 1] : NULL;
}

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return h;
}

static struct slot *index_slot(struct mlist *l, const char *key)
{
	size_t mask = l->index_cap - 1;

	for (size_t i = hash(key) & mask;; i = (i + 1) & mask)
		if (!l->index[i].key || strcmp(l->index[i].key, key) == 0)
			return &l->index[i];
}

static int index_grow(struct mlist *l)
{
	size_t cap = l->index_cap ? l->index_cap * 2 : 64;
	struct slot *old = l->index;
	size_t old_cap = l->index_cap;

	if (!(l->index = calloc(cap, sizeof *l->index))) {
		l->index = old;
		return RELEASE_ENOMEM;
	}
	l->index_cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			*index_slot(l, old[i].key) = old[i];
	free(old);
	return 0;
}

/* Removes a key, shifting later entries of its probe run back. */
static void index_remove(struct mlist *l, struct slot *hole)
{
	size_t mask = l->index_cap - 1;
	size_t i = (size_t)(hole - l->index);

	free(hole->key);
	hole->key = NULL;
	l->index_n--;
	for (size_t j = (i + 1) & mask; l->index[j].key; j = (j + 1) & mask) {
		size_t home = hash(l->index[j].key) & mask;

		/* move j into the hole unless its home lies cyclically in (i, j] */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			l->index[i] = l->index[j];
			l->index[j].key = NULL;
			i = j;
		}
	}
}

/* Position of seq in the sorted records, or where it would go. */
static size_t seq_pos(const struct mlist *l, uint64_t seq, int *found)
{
	size_t lo = l->start, hi = l->end;

	/* Histories are nearly gap-free: try where seq would be without gaps
	 * below it, and the place just before (a record of it deleted). */
	if (lo < hi && seq >= l->v[lo].seq && seq - l->v[lo].seq < hi - lo) {
		size_t guess = lo + (size_t)(seq - l->v[lo].seq);

		if (l->v[guess].seq == seq) {
			*found = 1;
			return guess;
		}
		if (l->v[guess].seq > seq)
			hi = guess; /* below the guess: the gaps are there */
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid].seq == seq) {
			*found = 1;
			return mid;
		}
		if (l->v[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

static struct mrec *find_rec(struct mlist *l, int kind, const char *key)
{
	if (!l)
		return NULL;
	if (kind == RELEASE_KIND_META) {
		for (size_t i = l->start; i < l->end; i++)
			if (strcmp(l->v[i].key, key) == 0)
				return &l->v[i];
		return NULL;
	}
	if (l->index_n == 0)
		return NULL;
	{
		struct slot *sl = index_slot(l, key);
		int found;
		size_t pos;

		if (!sl->key)
			return NULL;
		pos = seq_pos(l, sl->seq, &found);
		return found ? &l->v[pos] : NULL;
	}
}

/* The vtable promises valid names and keys, but this backend is also
 * reached raw (release_storage_open()): it checks them at its door. */
static int valid_key(const char *key)
{
	size_t n = key ? strlen(key) : 0;

	if (n < 1 || n > KEY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

static int valid_record(const char *app, int kind, const char *key)
{
	return release_app_name_valid(app) && valid_kind(kind) && (!key || valid_key(key));
}

static unsigned char *copy_bytes(const void *data, size_t len)
{
	unsigned char *copy = malloc(len ? len : 1);

	if (copy && len)
		memcpy(copy, data, len);
	return copy;
}

/* Room in l for `more` new records and their index entries, so that as many
 * insert_rec() calls cannot fail. Changes nothing a reader sees. */
static int reserve(struct mlist *l, int kind, size_t more)
{
	size_t live = l->end - l->start;

	if (l->cap - live < more) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct mrec *v;

		while (cap - live < more)
			cap *= 2;
		if (!(v = realloc(l->v, cap * sizeof *v)))
			return RELEASE_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (kind != RELEASE_KIND_META)
		while ((l->index_n + more) * 2 > l->index_cap)
			if (index_grow(l) != 0)
				return RELEASE_ENOMEM;
	return 0;
}

/* Adds a record whose key and seq are free, in room reserve() made; takes
 * over data and, for an ordered kind, ikey (the index's copy of key). */
static void insert_rec(struct mlist *l, int kind, const char *key, uint64_t seq,
		       unsigned char *data, size_t len, char *ikey)
{
	struct mrec rec = {0};
	size_t pos;
	int found;

	if (l->end == l->cap) { /* reuse the room deletions left at the front */
		memmove(l->v, l->v + l->start, (l->end - l->start) * sizeof *l->v);
		l->end -= l->start;
		l->start = 0;
	}
	pos = kind == RELEASE_KIND_META ? l->end : seq_pos(l, seq, &found);
	rec.seq = seq;
	strcpy(rec.key, key);
	rec.data = data;
	rec.len = len;
	if (kind != RELEASE_KIND_META) {
		struct slot *sl = index_slot(l, key);

		sl->key = ikey;
		sl->seq = seq;
		l->index_n++;
	}
	memmove(l->v + pos + 1, l->v + pos, (l->end - pos) * sizeof *l->v);
	l->v[pos] = rec;
	l->end++;
}

static int mem_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		   const void *data, size_t len)
{
	struct mem *m = ctx;
	struct mapp *a;
	struct mlist *l;
	unsigned char *copy;
	char *ikey = NULL;
	int rc, found = 0;

	if (!key || !valid_record(app, kind, key) || (!data && len))
		return RELEASE_EINVAL;
	if ((kind == RELEASE_KIND_META) != (seq == 0))
		return RELEASE_EINVAL;
	a = find_app(m, app);
	l = list_of(a, kind);
	if (l && kind != RELEASE_KIND_META)
		seq_pos(l, seq, &found);
	if (found || find_rec(l, kind, key))
		return RELEASE_ECONFLICT;
	if (!a && !(a = add_app(m, app)))
		return RELEASE_ENOMEM;
	l = list_of(a, kind);
	if ((rc = reserve(l, kind, 1)) != 0)
		return rc;
	if (!(copy = copy_bytes(data, len)))
		return RELEASE_ENOMEM;
	if (kind != RELEASE_KIND_META && !(ikey = dup_str(key))) {
		free(copy);
		return RELEASE_ENOMEM;
	}
	insert_rec(l, kind, key, seq, copy, len, ikey);
	return 0;
}

static int mem_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		   void *payload)
{
	struct mrec *r;

	if (!key || !valid_record(app, kind, key) || !fn)
		return RELEASE_EINVAL;
	r = find_rec(list_of(find_app(ctx, app), kind), kind, key);
	if (!r)
		return RELEASE_ENOTFOUND;
	return fn(payload, r->seq, r->key, r->data, r->len);
}

static int mem_get_seq(void *ctx, const char *app, int kind, uint64_t seq,
		       release_record_fn fn, void *payload)
{
	struct mlist *l;
	size_t pos;
	int found;

	if (!ordered(kind) || !valid_record(app, kind, NULL) || !fn)
		return RELEASE_EINVAL;
	if (!(l = list_of(find_app(ctx, app), kind)))
		return RELEASE_ENOTFOUND;
	pos = seq_pos(l, seq, &found);
	if (!found)
		return RELEASE_ENOTFOUND;
	return fn(payload, l->v[pos].seq, l->v[pos].key, l->v[pos].data, l->v[pos].len);
}

static int mem_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		    release_record_fn fn, void *payload)
{
	struct mlist *l;
	size_t pos;
	int found;

	if (!ordered(kind) || !valid_record(app, kind, NULL) || !fn)
		return RELEASE_EINVAL;
	if (!(l = list_of(find_app(ctx, app), kind)))
		return 0;
	pos = seq_pos(l, before, &found);
	/* The callback may not modify this backend (the core never does), so
	 * indexes stay valid across calls. */
	while (limit-- > 0 && pos > l->start) {
		struct mrec *r = &l->v[--pos];
		int rc = fn(payload, r->seq, r->key, r->data, r->len);

		if (rc != 0)
			return rc;
	}
	return 0;
}

static void remove_at(struct mlist *l, int kind, struct mrec *r)
{
	size_t pos = (size_t)(r - l->v);

	if (kind != RELEASE_KIND_META)
		index_remove(l, index_slot(l, r->key));
	free(r->data);
	if (pos == l->start) {
		l->start++;
	} else {
		memmove(l->v + pos, l->v + pos + 1, (l->end - pos - 1) * sizeof *l->v);
		l->end--;
	}
	if (l->start == l->end)
		l->start = l->end = 0;
}

static int mem_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		   size_t old_len, const void *data, size_t len)
{
	struct mapp *a;
	struct mrec *r;
	unsigned char *copy;

	if (!key || !valid_record(app, kind, key) || (!data && len) || (!old && old_len))
		return RELEASE_EINVAL;
	if (kind != RELEASE_KIND_META && (!old || !data))
		return RELEASE_EINVAL;
	a = find_app(ctx, app);
	r = find_rec(list_of(a, kind), kind, key);
	if (!old)
		return r ? RELEASE_ECONFLICT : mem_put(ctx, app, kind, key, 0, data, len);
	if (!r || r->len != old_len || (old_len && memcmp(r->data, old, old_len) != 0))
		return RELEASE_ECONFLICT;
	if (!data) {
		remove_at(list_of(a, kind), kind, r);
		return 0;
	}
	if (!(copy = copy_bytes(data, len)))
		return RELEASE_ENOMEM;
	free(r->data);
	r->data = copy;
	r->len = len;
	return 0;
}

static int mem_del(void *ctx, const char *app, int kind, const char *key)
{
	struct mapp *a;
	struct mrec *r;

	if (!key || !valid_record(app, kind, key))
		return RELEASE_EINVAL;
	a = find_app(ctx, app);
	r = find_rec(list_of(a, kind), kind, key);
	if (!r)
		return RELEASE_ENOTFOUND;
	remove_at(list_of(a, kind), kind, r);
	return 0;
}

static int mem_list_apps(void *ctx, release_name_fn fn, void *payload)
{
	struct mem *m = ctx;

	if (!fn)
		return RELEASE_EINVAL;
	for (size_t i = 0; i < m->n; i++) {
		struct mapp *a = m->apps[i];
		int any = 0;

		for (int k = 0; k < NKINDS; k++)
			any |= a->kinds[k].end > a->kinds[k].start;
		if (any) {
			int rc = fn(payload, a->name);

			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/* ---- version 2: commit
 *
 * A commit is checked whole before anything changes: each operation
 * against the records as the earlier ones leave them, then everything it
 * needs is allocated, and only then is it applied, by steps that cannot
 * fail. So a failure leaves the store as it was. */

/* A record as the operations checked so far leave it. */
struct vrec {
	int present;
	uint64_t seq;
	const void *data;
	size_t len;
};

struct commit_plan {
	const release_storage_op *ops;
	size_t n;
	struct mapp *a;
	struct op_plan {
		struct vrec after; /* a writing operation: its record afterwards */
		int superseded;    /* a later checked operation wrote its record */
		unsigned char *copy; /* the bytes it stores */
		char *ikey;          /* its index key (a new ordered record) */
	} *p;
};

static int op_writes(const release_storage_op *op)
{
	return op->op == RELEASE_OP_PUT || op->op == RELEASE_OP_CAS || op->op == RELEASE_OP_DEL;
}

/* The record (kind, key) before operation i; *writer the operation that
 * last wrote it, or n when none has. */
static void state_before(const struct commit_plan *c, size_t i, int kind, const char *key,
			 struct vrec *st, size_t *writer)
{
	struct mrec *r;

	for (size_t j = i; j-- > 0;) {
		const release_storage_op *o = &c->ops[j];

		if (op_writes(o) && o->kind == kind && strcmp(o->key, key) == 0) {
			*st = c->p[j].after;
			*writer = j;
			return;
		}
	}
	*writer = c->n;
	r = find_rec(list_of(c->a, kind), kind, key);
	st->present = r != NULL;
	st->seq = r ? r->seq : 0;
	st->data = r ? r->data : NULL;
	st->len = r ? r->len : 0;
}

/* Whether seq of an ordered kind is taken before operation i. */
static int vseq_taken(const struct commit_plan *c, size_t i, int kind, uint64_t seq)
{
	struct mlist *l = list_of(c->a, kind);
	struct vrec st;
	size_t pos, writer;
	int found = 0;

	if (l && (pos = seq_pos(l, seq, &found), found)) {
		state_before(c, i, kind, l->v[pos].key, &st, &writer);
		if (st.present && st.seq == seq)
			return 1;
	}
	for (size_t j = 0; j < i; j++)
		if (op_writes(&c->ops[j]) && c->ops[j].kind == kind && !c->p[j].superseded &&
		    c->p[j].after.present && c->p[j].after.seq == seq)
			return 1;
	return 0;
}

static int same_bytes(const struct vrec *st, const void *old, size_t old_len)
{
	return st->present && st->len == old_len &&
	       (old_len == 0 || memcmp(st->data, old, old_len) == 0);
}

/* Checks operation i against the records the earlier ones leave, and notes
 * what it leaves. */
static int check_op(struct commit_plan *c, size_t i)
{
	const release_storage_op *o = &c->ops[i];
	struct op_plan *p = &c->p[i];
	struct vrec st;
	size_t writer;

	if (!valid_kind(o->kind) || !valid_key(o->key) || (!o->data && o->len) ||
	    (!o->old && o->old_len))
		return RELEASE_EINVAL;
	switch (o->op) {
	case RELEASE_OP_PUT:
		if ((o->kind == RELEASE_KIND_META) != (o->seq == 0))
			return RELEASE_EINVAL;
		break;
	case RELEASE_OP_CAS: /* an ordered record is created by PUT alone */
		if (o->kind != RELEASE_KIND_META && !o->old)
			return RELEASE_EINVAL;
		break;
	case RELEASE_OP_DEL:
	case RELEASE_OP_CHECK:
		break;
	default:
		return RELEASE_EINVAL;
	}
	state_before(c, i, o->kind, o->key, &st, &writer);
	switch (o->op) {
	case RELEASE_OP_PUT:
		if (st.present ||
		    (o->kind != RELEASE_KIND_META && vseq_taken(c, i, o->kind, o->seq)))
			return RELEASE_ECONFLICT;
		p->after.present = 1;
		p->after.seq = o->seq;
		break;
	case RELEASE_OP_CAS:
		if (o->old ? !same_bytes(&st, o->old, o->old_len) : st.present)
			return RELEASE_ECONFLICT;
		p->after.present = o->data != NULL;
		p->after.seq = st.seq;
		break;
	case RELEASE_OP_DEL:
		if (!st.present)
			return RELEASE_ENOTFOUND;
		break;
	default: /* CHECK */
		if (o->old ? !same_bytes(&st, o->old, o->old_len) : st.present)
			return RELEASE_ECONFLICT;
		return 0;
	}
	p->after.data = o->data;
	p->after.len = o->len;
	if (writer < c->n)
		c->p[writer].superseded = 1;
	return 0;
}

/* Operation i creates a record. */
static int op_inserts(const release_storage_op *o)
{
	return o->op == RELEASE_OP_PUT || (o->op == RELEASE_OP_CAS && !o->old && o->data);
}

/* Allocates all the commit needs: the app, room in its lists, copies. */
static int prepare(struct mem *m, const char *app, struct commit_plan *c)
{
	size_t inserts[NKINDS] = {0}, any = 0;
	int rc;

	for (size_t i = 0; i < c->n; i++)
		if (op_inserts(&c->ops[i])) {
			inserts[c->ops[i].kind - 1]++;
			any++;
		}
	if (!any && !c->a)
		return 0; /* nothing to create, so nothing to change */
	if (!c->a && !(c->a = add_app(m, app)))
		return RELEASE_ENOMEM;
	for (int k = 0; k < NKINDS; k++)
		if (inserts[k] && (rc = reserve(&c->a->kinds[k], k + 1, inserts[k])) != 0)
			return rc;
	for (size_t i = 0; i < c->n; i++) {
		const release_storage_op *o = &c->ops[i];

		if ((o->op == RELEASE_OP_PUT || (o->op == RELEASE_OP_CAS && o->data)) &&
		    !(c->p[i].copy = copy_bytes(o->data, o->len)))
			return RELEASE_ENOMEM;
		if (o->op == RELEASE_OP_PUT && o->kind != RELEASE_KIND_META &&
		    !(c->p[i].ikey = dup_str(o->key)))
			return RELEASE_ENOMEM;
	}
	return 0;
}

/* Applies a checked, prepared commit; takes over its copies. */
static void apply(struct commit_plan *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const release_storage_op *o = &c->ops[i];
		struct op_plan *p = &c->p[i];
		struct mlist *l = list_of(c->a, o->kind);
		struct mrec *r = find_rec(l, o->kind, o->key);

		if (op_inserts(o)) {
			insert_rec(l, o->kind, o->key, o->op == RELEASE_OP_PUT ? o->seq : 0, p->copy,
				   o->len, p->ikey);
		} else if (o->op == RELEASE_OP_DEL || (o->op == RELEASE_OP_CAS && !o->data)) {
			if (r) /* absent only for a CAS of absent to absent */
				remove_at(l, o->kind, r);
		} else if (o->op == RELEASE_OP_CAS) {
			free(r->data);
			r->data = p->copy;
			r->len = o->len;
		}
		p->copy = NULL;
		p->ikey = NULL;
	}
}

static int mem_commit(void *ctx, const char *app, const release_storage_op *ops, size_t n,
		      size_t *failed)
{
	struct mem *m = ctx;
	struct commit_plan c;
	size_t at = n;
	int rc = 0;

	if (!ops || n < 1 || n > RELEASE_COMMIT_MAX || !release_app_name_valid(app)) {
		if (failed)
			*failed = n;
		return RELEASE_EINVAL;
	}
	c.ops = ops;
	c.n = n;
	c.a = find_app(m, app);
	if (!(c.p = calloc(n, sizeof *c.p)))
		return RELEASE_ENOMEM;
	for (size_t i = 0; i < n && rc == 0; i++)
		if ((rc = check_op(&c, i)) != 0)
			at = i;
	if (rc == 0 && (rc = prepare(m, app, &c)) == 0)
		apply(&c);
	for (size_t i = 0; i < n; i++) {
		free(c.p[i].copy);
		free(c.p[i].ikey);
	}
	free(c.p);
	if (failed && (rc == RELEASE_ECONFLICT || rc == RELEASE_ENOTFOUND || rc == RELEASE_EINVAL))
		*failed = at;
	return rc;
}

/* ---- version 2: holds
 *
 * A memory store lives in one process, so a hold ends with it whatever
 * happens; holders are the handles sharing this ctx. */

static struct mhold **find_hold(struct mem *m, const char *app)
{
	struct mhold **h = &m->holds;

	while (*h && strcmp((*h)->app, app) != 0)
		h = &(*h)->next;
	return h;
}

static int mem_hold(void *ctx, const char *app, const void *info, size_t len, void **hold)
{
	struct mem *m = ctx;
	struct mhold *h;

	if (hold)
		*hold = NULL;
	if (!hold || !release_app_name_valid(app) || (!info && len) ||
	    len > RELEASE_HOLD_INFO_MAX)
		return RELEASE_EINVAL;
	if (*find_hold(m, app))
		return RELEASE_EBUSY;
	if (!(h = calloc(1, sizeof *h)))
		return RELEASE_ENOMEM;
	strcpy(h->app, app);
	if (len)
		memcpy(h->info, info, len);
	h->len = len;
	h->next = m->holds;
	m->holds = h;
	*hold = h;
	return 0;
}

static void mem_unhold(void *ctx, void *hold)
{
	struct mem *m = ctx;

	for (struct mhold **h = &m->holds; *h; h = &(*h)->next)
		if (*h == hold) {
			*h = (*h)->next;
			free(hold);
			return;
		}
}

static int mem_held(void *ctx, const char *app, release_record_fn fn, void *payload)
{
	struct mhold *h;

	if (!release_app_name_valid(app) || !fn)
		return RELEASE_EINVAL;
	if (!(h = *find_hold(ctx, app)))
		return RELEASE_ENOTFOUND;
	return fn(payload, 0, "hold", h->info, h->len);
}

static void mem_close(void *ctx)
{
	struct mem *m = ctx;

	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		for (int k = 0; k < NKINDS; k++) {
			struct mlist *l = &m->apps[i]->kinds[k];

			for (size_t j = l->start; j < l->end; j++)
				free(l->v[j].data);
			for (size_t j = 0; j < l->index_cap; j++)
				free(l->index[j].key);
			free(l->v);
			free(l->index);
		}
		free(m->apps[i]);
	}
	while (m->holds) {
		struct mhold *next = m->holds->next;

		free(m->holds);
		m->holds = next;
	}
	free(m->apps);
	free(m);
}

const release_storage memory_storage = {
	.version = 3, /* the deployment log; wait() is left to the core */
	.close = mem_close,
	.put = mem_put,
	.get = mem_get,
	.scan = mem_scan,
	.cas = mem_cas,
	.del = mem_del,
	.list_apps = mem_list_apps,
	.get_seq = mem_get_seq,
	.errmsg = NULL,
	.commit = mem_commit,
	.hold = mem_hold,
	.unhold = mem_unhold,
	.held = mem_held,
};

int memory_open(void **ctx)
{
	*ctx = calloc(1, sizeof(struct mem));
	return *ctx ? 0 : RELEASE_ENOMEM;
}
