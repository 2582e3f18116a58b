/*
 * Releases decoded lately, per store handle: listing the same page again
 * (a control plane asking for the newest releases many times a second)
 * copies the releases it decoded last time instead of checking and decoding
 * their records again. An entry is used only for the very same bytes (app,
 * version and the whole record compared), so it never stands for anything
 * but what decoding those bytes would give; what is handed out is always a
 * copy the caller owns.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define DCACHE_SLOTS 64 /* a few pages of a listing */
/* Records longer than this are not kept, so that what a handle keeps stays
 * small (about 2 MiB at most) whatever the releases hold: decoding such a
 * record costs little beside reading it. */
#define DCACHE_REC_MAX (16u << 10)

struct dentry {
	char app[64];
	uint64_t seq;
	size_t len;
	unsigned char *raw;
	release *r; /* as decoded: not marked active */
};

struct dcache {
	struct dentry e[DCACHE_SLOTS];
};

/* A pointer into r's block, moved to the same place in c's. */
static char *moved(const release *r, release *c, const char *p)
{
	return p ? (char *)c + (p - (const char *)r) : NULL;
}

/* A copy of a packed release: its block copied, its pointers moved. */
release *packed_copy(const release *r)
{
	release *c = malloc(r->packed);

	if (!c)
		return NULL;
	memcpy(c, r, r->packed);
	c->app = moved(r, c, r->app);
	c->build = moved(r, c, r->build);
	c->manifest = moved(r, c, r->manifest);
	c->description = moved(r, c, r->description);
	c->source = moved(r, c, r->source);
	c->actor = moved(r, c, r->actor);
	if (r->env.n) {
		c->env.keys = (char **)(void *)moved(r, c, (const char *)r->env.keys);
		c->env.vals = (char **)(void *)moved(r, c, (const char *)r->env.vals);
		for (size_t i = 0; i < r->env.n; i++) {
			c->env.keys[i] = moved(r, c, r->env.keys[i]);
			c->env.vals[i] = moved(r, c, r->env.vals[i]);
		}
	}
	return c;
}

static struct dentry *slot(release_store *s, uint64_t seq)
{
	return s->dcache ? &s->dcache->e[seq % DCACHE_SLOTS] : NULL;
}

/* Whether e holds what raw decodes to. */
static int holds(const struct dentry *e, const char *app, const struct raw *raw)
{
	return e && e->r && e->seq == raw->seq && e->len == raw->len && strcmp(e->app, app) == 0 &&
	       memcmp(e->raw, raw->data, raw->len) == 0;
}

int dcache_get(release_store *s, const char *app, const struct raw *raw, release **out)
{
	struct dentry *e = slot(s, raw->seq);

	return holds(e, app, raw) && (*out = packed_copy(e->r)) != NULL;
}

static void drop(struct dentry *e)
{
	free(e->raw);
	release_free(e->r);
	memset(e, 0, sizeof *e);
}

void dcache_put(release_store *s, const char *app, const struct raw *raw, const release *r)
{
	struct dentry *e;

	if (!r->packed || strlen(app) >= sizeof e->app || !raw->len || raw->len > DCACHE_REC_MAX)
		return;
	if (!s->dcache && !(s->dcache = calloc(1, sizeof *s->dcache)))
		return;
	e = slot(s, raw->seq);
	if (holds(e, app, raw))
		return; /* kept already (the copy of it ran out of memory) */
	drop(e);
	if (!(e->raw = malloc(raw->len)) || !(e->r = packed_copy(r))) {
		drop(e);
		return;
	}
	memcpy(e->raw, raw->data, raw->len);
	e->r->active = 0;
	e->len = raw->len;
	e->seq = raw->seq;
	strcpy(e->app, app);
}

void dcache_free(release_store *s)
{
	if (!s->dcache)
		return;
	for (size_t i = 0; i < DCACHE_SLOTS; i++)
		drop(&s->dcache->e[i]);
	free(s->dcache);
	s->dcache = NULL;
}
