/* A release's environment: a sorted set of KEY=VALUE pairs, and the env
 * changes that make new releases. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void env_free(struct env *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->keys[i]);
		free(e->vals[i]);
	}
	free(e->keys);
	free(e->vals);
	memset(e, 0, sizeof *e);
}

/* Binary search: 1 and the index when found, else 0 and where it goes. */
int env_find(const struct env *e, const char *key, size_t *pos)
{
	size_t lo = 0, hi = e->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(e->keys[mid], key);

		if (c == 0) {
			*pos = mid;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return 0;
}

int env_put(struct env *e, const char *key, size_t klen, const char *val)
{
	char *k = dup_mem(key, klen), *v = dup_str(val);
	size_t pos;

	if (!k || !v)
		goto err_nomem;
	if (env_find(e, k, &pos)) {
		free(e->vals[pos]);
		e->vals[pos] = v;
		free(k);
		return 0;
	}
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 8;
		char **keys = realloc(e->keys, cap * sizeof *keys), **vals;

		if (!keys)
			goto err_nomem;
		e->keys = keys;
		vals = realloc(e->vals, cap * sizeof *vals);
		if (!vals)
			goto err_nomem;
		e->vals = vals;
		e->cap = cap;
	}
	memmove(e->keys + pos + 1, e->keys + pos, (e->n - pos) * sizeof *e->keys);
	memmove(e->vals + pos + 1, e->vals + pos, (e->n - pos) * sizeof *e->vals);
	e->keys[pos] = k;
	e->vals[pos] = v;
	e->n++;
	return 0;

err_nomem:
	free(k);
	free(v);
	return RELEASE_ENOMEM;
}

int env_remove(struct env *e, const char *key)
{
	size_t pos;

	if (!env_find(e, key, &pos))
		return 0;
	free(e->keys[pos]);
	free(e->vals[pos]);
	memmove(e->keys + pos, e->keys + pos + 1, (e->n - pos - 1) * sizeof *e->keys);
	memmove(e->vals + pos, e->vals + pos + 1, (e->n - pos - 1) * sizeof *e->vals);
	e->n--;
	return 1;
}

int env_copy(struct env *dst, const struct env *src)
{
	memset(dst, 0, sizeof *dst);
	for (size_t i = 0; i < src->n; i++) {
		int rc = env_put(dst, src->keys[i], strlen(src->keys[i]), src->vals[i]);

		if (rc != 0) {
			env_free(dst);
			return rc;
		}
	}
	return 0;
}

/* Appends " add:K" etc. for each key of kind to the description. */
static void describe(struct buf *b, const struct env *old, const struct env *new,
		     const char *label)
{
	const struct env *walk = strcmp(label, "remove") == 0 ? old : new;

	for (size_t i = 0; i < walk->n; i++) {
		const char *key = walk->keys[i];
		size_t pos;
		int in_old = env_find(old, key, &pos);
		int hit;

		if (strcmp(label, "add") == 0)
			hit = !in_old;
		else if (strcmp(label, "change") == 0)
			hit = in_old && strcmp(old->vals[pos], walk->vals[i]) != 0;
		else
			hit = !env_find(new, key, &pos);
		if (!hit)
			continue;
		buf_put(b, " ", 1);
		buf_put(b, label, strlen(label));
		buf_put(b, ":", 1);
		buf_put(b, key, strlen(key));
	}
}

struct env_change {
	release_store *s;
	const char *app;
	struct raw build_raw; /* the base's build record the commit rewrites */
	const release *base; /* NULL: the newest release */
	const char *const *set;
	size_t set_n;
	const char *const *unset;
	size_t unset_n;
	int replace;
};

/* The draft of an env release: base (or the newest release) with the
 * change applied. */
static int env_draft(void *payload, const release *newest, release *r)
{
	const struct env_change *c = payload;
	const release *from = c->base ? c->base : newest;
	struct env empty = {0};
	const struct env *old = from ? &from->env : &empty;
	struct buf desc = {0};
	int rc = c->replace ? 0 : env_copy(&r->env, old);

	for (size_t i = 0; rc == 0 && i < c->set_n; i++) {
		const char *eq = strchr(c->set[i], '=');

		rc = env_put(&r->env, c->set[i], (size_t)(eq - c->set[i]), eq + 1);
	}
	for (size_t i = 0; rc == 0 && i < c->unset_n; i++)
		env_remove(&r->env, c->unset[i]);
	if (rc != 0)
		return rc;
	buf_put(&desc, "env", 3);
	describe(&desc, old, &r->env, "add");
	describe(&desc, old, &r->env, "change");
	describe(&desc, old, &r->env, "remove");
	buf_put(&desc, "", 1);
	if (desc.err) {
		buf_free(&desc);
		return RELEASE_ENOMEM;
	}
	if (desc.len == 4) { /* "env" alone: nothing changed */
		buf_free(&desc);
		return 1;
	}
	r->description = (char *)desc.p;
	if (from) {
		if (from->build && !(r->build = dup_str(from->build)))
			return RELEASE_ENOMEM;
		if (!(r->manifest = dup_str(from->manifest)))
			return RELEASE_ENOMEM;
	}
	return 0;
}

/* Checks n items: "KEY=VALUE" pairs, or keys alone. */
static int check_items(release_store *s, const char *const *items, size_t n, int keys)
{
	if (!items && n > 0)
		return fail(s, RELEASE_EINVAL, "env list is NULL");
	for (size_t i = 0; i < n; i++) {
		const char *item = items[i];
		const char *eq;

		if (!item)
			return fail(s, RELEASE_EINVAL, "env item %zu is NULL", i);
		eq = keys ? item + strlen(item) : strchr(item, '=');
		if (!eq)
			return fail(s, RELEASE_EINVAL, "env item '%.64s' is not KEY=VALUE", item);
		if (!valid_env_key(item, (size_t)(eq - item)))
			return fail(s, RELEASE_EINVAL,
				    "invalid env key '%.*s' (want [A-Za-z_][A-Za-z0-9_]*)",
				    (int)((eq - item) > 64 ? 64 : (eq - item)), item);
		if (!keys && strlen(eq + 1) > TEXT_MAX)
			return fail(s, RELEASE_EINVAL, "env value of %.*s is too long",
				    (int)(eq - item), item);
	}
	return 0;
}

static size_t key_len(const char *item)
{
	return strcspn(item, "=");
}

struct item {
	const char *s;
	size_t klen;
	int unset;
};

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->s, y->s, n);

	if (c != 0)
		return c;
	return x->klen < y->klen ? -1 : x->klen > y->klen;
}

/* A key set twice to different values, or both set and unset, says two
 * things at once. The items are sorted by key and neighbours compared, so
 * a change of thousands of keys costs what sorting them does. */
static int check_clashes(release_store *s, const struct env_change *c)
{
	size_t n = c->set_n + c->unset_n, k = 0;
	struct item *v;
	int rc = 0;

	if (n < 2)
		return 0;
	if (!(v = malloc(n * sizeof *v)))
		return fail(s, RELEASE_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->set_n; i++)
		v[k++] = (struct item){c->set[i], key_len(c->set[i]), 0};
	for (size_t i = 0; i < c->unset_n; i++)
		v[k++] = (struct item){c->unset[i], strlen(c->unset[i]), 1};
	qsort(v, n, sizeof *v, cmp_item);
	for (size_t i = 1; rc == 0 && i < n; i++) {
		const struct item *a = &v[i - 1], *b = &v[i];
		int klen = (int)(a->klen > 64 ? 64 : a->klen);

		if (cmp_item(a, b) != 0 || (a->unset && b->unset))
			continue;
		if (a->unset != b->unset)
			rc = fail(s, RELEASE_EINVAL, "env key '%.*s' is both set and unset", klen,
				  a->s);
		else if (strcmp(a->s + a->klen, b->s + b->klen) != 0)
			rc = fail(s, RELEASE_EINVAL, "env key '%.*s' is set twice", klen, a->s);
	}
	free(v);
	return rc;
}

static int env_change(release_store *s, const char *app, const char *const *items, size_t n,
		      int unset, release **out)
{
	struct env_change c = {0};
	int rc;

	if (out)
		*out = NULL;
	if (!s)
		return RELEASE_EINVAL;
	clear_error(s);
	if ((rc = check_app(s, app)) != 0 || (rc = check_items(s, items, n, unset)) != 0)
		return rc;
	if (unset) {
		c.unset = items;
		c.unset_n = n;
	} else {
		c.set = items;
		c.set_n = n;
	}
	if ((rc = require_app(s, app)) != 0)
		return rc;
	return write_release(s, app, env_draft, NULL, &c, out);
}

RELEASE_API int release_env_set(release_store *store, const char *app,
				const char *const *pairs, size_t n, release **out)
{
	return env_change(store, app, pairs, n, 0, out);
}

RELEASE_API int release_env_unset(release_store *store, const char *app,
				  const char *const *keys, size_t n, release **out)
{
	return env_change(store, app, keys, n, 1, out);
}

/* A release made from a base that is not the newest names the base's build
 * in the build record too, in its own commit: a prune deciding meanwhile
 * that the build is no longer needed then fails its check of the build and
 * decides again, and a build pruned already fails this write. */
static int link_base_build(void *payload, struct txn *t, const release *r)
{
	struct env_change *c = payload;

	if (!r->build)
		return 0;
	raw_free(&c->build_raw);
	return build_link_op(c->s, c->app, r->build, r->id, t, &c->build_raw);
}

RELEASE_API void release_env_opts_init_sized(release_env_opts *opts, size_t size)
{
	OPTS_INIT(opts, size);
}

RELEASE_API int release_env_change(release_store *store, const char *app,
				   const release_env_opts *opts, release **out)
{
	release_env_opts o;
	struct env_change c = {0};
	release *base = NULL, *made = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	release_env_opts_init(&o);
	if (!opts)
		return fail(store, RELEASE_EINVAL, "release_env_opts is NULL");
	if ((rc = TAKE_OPTS(store, &o, opts, ENV_OPTS_1_3, "release_env_opts")) != 0 ||
	    (rc = check_app(store, app)) != 0)
		return rc;
	if (o.flags & ~(unsigned)RELEASE_ENV_REPLACE)
		return fail(store, RELEASE_EINVAL, "unknown env change flags 0x%x", o.flags);
	if ((o.flags & RELEASE_ENV_REPLACE) && o.unset_n)
		return fail(store, RELEASE_EINVAL, "a replacing env change unsets nothing");
	if ((o.base && (rc = check_id(store, o.base, 'R', "release")) != 0) ||
	    (rc = check_items(store, o.set, o.set_n, 0)) != 0 ||
	    (rc = check_items(store, o.unset, o.unset_n, 1)) != 0)
		return rc;
	c.set = o.set;
	c.set_n = o.set_n;
	c.unset = o.unset;
	c.unset_n = o.unset_n;
	c.replace = (o.flags & RELEASE_ENV_REPLACE) != 0;
	if ((rc = check_clashes(store, &c)) != 0 || (rc = require_app(store, app)) != 0)
		return rc;
	/* A base's build, manifest and env never change: read once. */
	if (o.base && (rc = load_release(store, app, o.base, &base, NULL)) != 0)
		return rc;
	/* On version 1 no commit checks the base's build: read it here. */
	if (base && base->build && !has_commit(store)) {
		release_build *b = NULL;

		if ((rc = build_read(store, app, base->build, &b)) != 0) {
			release_free(base);
			return rc;
		}
		release_build_free(b);
	}
	c.base = base;
	c.s = store;
	c.app = app;
	rc = write_release(store, app, env_draft, base ? link_base_build : NULL, &c, &made);
	raw_free(&c.build_raw);
	/* On version 1 the link only helps listings, as for release_create(). */
	if (rc == 0 && base && base->build && made && !has_commit(store) &&
	    build_set_release(store, app, base->build, made->id) != 0)
		clear_error(store);
	release_free(base);
	if (out)
		*out = made;
	else
		release_free(made);
	return rc;
}
