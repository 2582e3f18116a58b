/*
 * The memory backend: records in process memory, for tests, caches and
 * programs whose history need not outlive them. Written against the public
 * storage vtable only.
 *
 * Per app and ordered kind, records sit in an array sorted by seq (appends
 * are the common case; deleting the oldest only moves a start index), with a
 * hash index from key to seq. META records are a short unsorted list.
 */
#include <librelease/storage.h>

#include <stdlib.h>
#include <string.h>

#define KEY_MAX 64 /* the longest key the vtable promises */

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
	struct mlist kinds[3]; /* META, BUILD, RELEASE */
};

struct mem {
	struct mapp **apps;
	size_t n, cap;
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

static struct mlist *list_of(struct mapp *a, int kind)
{
	if (!a || kind < RELEASE_KIND_META || kind > RELEASE_KIND_RELEASE)
		return NULL;
	return &a->kinds[kind - 1];
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

static int valid_kind(int kind)
{
	return kind >= RELEASE_KIND_META && kind <= RELEASE_KIND_RELEASE;
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

static int mem_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		   const void *data, size_t len)
{
	struct mem *m = ctx;
	struct mapp *a;
	struct mlist *l;
	struct mrec rec = {0};
	size_t pos;
	int found = 0;

	if (!key || !valid_record(app, kind, key) || (!data && len))
		return RELEASE_EINVAL;
	if ((kind == RELEASE_KIND_META) != (seq == 0))
		return RELEASE_EINVAL;
	a = find_app(m, app);
	if (find_rec(list_of(a, kind), kind, key))
		return RELEASE_ECONFLICT;
	if (!a && !(a = add_app(m, app)))
		return RELEASE_ENOMEM;
	l = list_of(a, kind);
	pos = kind == RELEASE_KIND_META ? l->end : seq_pos(l, seq, &found);
	if (found)
		return RELEASE_ECONFLICT;
	if (kind != RELEASE_KIND_META && (l->index_n + 1) * 2 > l->index_cap &&
	    index_grow(l) != 0)
		return RELEASE_ENOMEM;
	if (l->end == l->cap) {
		if (l->start > 0) { /* reuse the room deletions left at the front */
			memmove(l->v, l->v + l->start, (l->end - l->start) * sizeof *l->v);
			pos -= l->start;
			l->end -= l->start;
			l->start = 0;
		} else {
			size_t cap = l->cap ? l->cap * 2 : 16;
			struct mrec *v = realloc(l->v, cap * sizeof *v);

			if (!v)
				return RELEASE_ENOMEM;
			l->v = v;
			l->cap = cap;
		}
	}
	rec.seq = seq;
	strcpy(rec.key, key);
	if (!(rec.data = malloc(len ? len : 1)))
		return RELEASE_ENOMEM;
	if (len)
		memcpy(rec.data, data, len);
	rec.len = len;
	if (kind != RELEASE_KIND_META) {
		struct slot *sl = index_slot(l, key);

		if (!(sl->key = dup_str(key))) {
			free(rec.data);
			return RELEASE_ENOMEM;
		}
		sl->seq = seq;
		l->index_n++;
	}
	memmove(l->v + pos + 1, l->v + pos, (l->end - pos) * sizeof *l->v);
	l->v[pos] = rec;
	l->end++;
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

	if ((kind != RELEASE_KIND_BUILD && kind != RELEASE_KIND_RELEASE) ||
	    !valid_record(app, kind, NULL) || !fn)
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

	if ((kind != RELEASE_KIND_BUILD && kind != RELEASE_KIND_RELEASE) ||
	    !valid_record(app, kind, NULL) || !fn)
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
	if (!(copy = malloc(len ? len : 1)))
		return RELEASE_ENOMEM;
	if (len)
		memcpy(copy, data, len);
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

		for (int k = 0; k < 3; k++)
			any |= a->kinds[k].end > a->kinds[k].start;
		if (any) {
			int rc = fn(payload, a->name);

			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

static void mem_close(void *ctx)
{
	struct mem *m = ctx;

	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		for (int k = 0; k < 3; k++) {
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
	free(m->apps);
	free(m);
}

const release_storage memory_storage = {
	.version = RELEASE_STORAGE_VERSION,
	.close = mem_close,
	.put = mem_put,
	.get = mem_get,
	.scan = mem_scan,
	.cas = mem_cas,
	.del = mem_del,
	.list_apps = mem_list_apps,
	.get_seq = mem_get_seq,
	.errmsg = NULL,
};

int memory_open(void **ctx)
{
	*ctx = calloc(1, sizeof(struct mem));
	return *ctx ? 0 : RELEASE_ENOMEM;
}
