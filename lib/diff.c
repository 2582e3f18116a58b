/* What changed between two releases: env keys, build, description and
 * manifest (linediff.c writes the manifest's lines). */
#include "internal.h"
#include "linediff.h"

#include <stdlib.h>
#include <string.h>

struct diff_key {
	char *key;
	char *old, *new; /* NULL: absent or hidden */
	int change;      /* RELEASE_DIFF_* */
	int masked;
};

struct release_diff {
	char from[ID_MAX]; /* "": to is the app's first release */
	char to[ID_MAX];
	char *build_old, *build_new; /* NULL: none */
	int description_changed;
	size_t n;
	struct diff_key *env;
	char *manifest;
};

/* What from is when to is the app's first release: no build, an empty
 * manifest, description and env. */
static const release nothing = {.manifest = "", .description = ""};

/* ---- the release before another */

struct prev {
	struct raw raw;
	uint64_t before;
	int bad; /* the backend served more than asked, or out of order */
};

static int keep_prev(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct prev *p = payload;

	(void)key;
	if (p->raw.found || seq >= p->before || (!data && len)) {
		p->bad = 1;
		return RELEASE_ECORRUPT;
	}
	if (!(p->raw.data = malloc(len ? len : 1)))
		return RELEASE_ENOMEM;
	if (len)
		memcpy(p->raw.data, data, len);
	p->raw.len = len;
	p->raw.seq = seq;
	p->raw.found = 1;
	return 0;
}

/* The newest release of app below version (pruned ones are gaps): *out
 * NULL when there is none. */
static int load_before(release_store *s, const char *app, uint64_t version, release **out)
{
	struct prev p;
	int rc;

	*out = NULL;
	memset(&p, 0, sizeof p);
	p.before = version;
	rc = s->st->scan(s->ctx, app, RELEASE_KIND_RELEASE, version, 1, keep_prev, &p);
	if (rc == 0 && p.raw.found)
		rc = decode_raw_release(s, app, &p.raw, out);
	else if (p.bad)
		rc = fail(s, RELEASE_ECORRUPT,
			  "app '%s': storage returned releases out of order or beyond the limit",
			  app);
	else if (rc == RELEASE_ENOMEM)
		rc = fail(s, rc, "out of memory");
	else if (rc != 0)
		rc = fail_backend(s, rc, "release before the one compared");
	raw_free(&p.raw);
	return rc;
}

/* The release id names, or the active one for NULL. */
static int load_to(release_store *s, const char *app, const char *id, release **out)
{
	struct active_ptr a;
	int rc;

	if (id)
		return load_release(s, app, id, out, NULL);
	*out = NULL;
	if ((rc = read_active(s, app, &a, NULL)) != 0)
		return rc;
	if (!a.id[0])
		return fail(s, RELEASE_ENOTFOUND, "app '%s' has no active release", app);
	return load_release(s, app, a.id, out, NULL);
}

/* ---- env */

/* The app's mask list. A settings record that cannot be read masks every
 * key: a diff shows values, and a damaged list must not reveal one. */
static int read_masks(release_store *s, const char *app, release_settings **out, int *all)
{
	int rc = release_settings_get(s, app, out);

	*all = rc == RELEASE_ECORRUPT;
	if (*all) {
		clear_error(s);
		return 0;
	}
	return rc;
}

static int add_key(release_diff *d, const char *key, const char *old, const char *new,
		   int change, int masked, int reveal)
{
	struct diff_key *k = &d->env[d->n];

	memset(k, 0, sizeof *k);
	k->change = change;
	k->masked = masked;
	if (!(k->key = dup_str(key)))
		return RELEASE_ENOMEM;
	d->n++;
	if (masked && !reveal)
		return 0;
	if ((old && !(k->old = dup_str(old))) || (new && !(k->new = dup_str(new))))
		return RELEASE_ENOMEM;
	return 0;
}

/* Both envs are sorted by key (strcmp order, as their records hold them):
 * one walk merges them. */
static int diff_env(release_diff *d, const struct env *a, const struct env *b,
		    const release_settings *masks, int mask_all, int reveal)
{
	size_t i = 0, j = 0;
	int rc = 0;

	if (a->n + b->n && !(d->env = malloc((a->n + b->n) * sizeof *d->env)))
		return RELEASE_ENOMEM;
	while (rc == 0 && (i < a->n || j < b->n)) {
		int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->keys[i], b->keys[j]);
		const char *key = c <= 0 ? a->keys[i] : b->keys[j];
		const char *old = c <= 0 ? a->vals[i] : NULL, *new = c >= 0 ? b->vals[j] : NULL;
		int change = c < 0 ? RELEASE_DIFF_REMOVED : c > 0 ? RELEASE_DIFF_ADDED :
			     strcmp(old, new) != 0 ? RELEASE_DIFF_CHANGED : 0;

		if (change)
			rc = add_key(d, key, old, new, change,
				     mask_all || release_settings_masked(masks, key), reveal);
		i += c <= 0;
		j += c >= 0;
	}
	return rc;
}

/* ---- the diff */

/*
 * A key for the hash of the manifests' lines, from the store's random
 * source, so that no manifest can be made whose lines collide in it. A
 * failed source gives a fixed key: the diff is the same, and its work stays
 * bounded, but lines made to collide then make it one hunk.
 */
static void line_key(release_store *s, uint64_t key[2])
{
	unsigned char b[16];

	if (s->random(s->random_payload, b, sizeof b) != 0)
		memset(b, 0, sizeof b);
	key[0] = key[1] = 0;
	for (size_t i = 0; i < sizeof b; i++)
		key[i / 8] |= (uint64_t)b[i] << (8 * (i % 8));
}

static int make_diff(release_store *s, const release *from, const release *to,
		     const release_settings *masks, int mask_all, unsigned int flags,
		     release_diff **out)
{
	const release *a = from ? from : &nothing;
	size_t alen = strlen(a->manifest), blen = strlen(to->manifest);
	uint64_t key[2] = {0, 0};
	struct buf m = {0};
	release_diff *d = calloc(1, sizeof *d);
	int rc;

	*out = NULL;
	if (!d)
		return RELEASE_ENOMEM;
	if (from)
		memcpy(d->from, from->id, sizeof d->from);
	memcpy(d->to, to->id, sizeof d->to);
	d->description_changed = strcmp(a->description, to->description) != 0;
	if ((a->build && !(d->build_old = dup_str(a->build))) ||
	    (to->build && !(d->build_new = dup_str(to->build)))) {
		rc = RELEASE_ENOMEM;
		goto err;
	}
	rc = diff_env(d, &a->env, &to->env, masks, mask_all, flags & RELEASE_DIFF_REVEAL);
	/* A first release's manifest is a new file's, as diff -N has it. */
	if (rc == 0 && (alen != blen || memcmp(a->manifest, to->manifest, alen) != 0))
		line_key(s, key);
	if (rc == 0)
		rc = line_diff(&m, a->manifest, alen, to->manifest, blen,
			       from ? from->id : "/dev/null", to->id, key);
	buf_put(&m, "", 1);
	if (rc == 0 && (rc = m.err) == 0) {
		d->manifest = (char *)m.p;
		*out = d;
		return 0;
	}
	buf_free(&m);
err:
	release_diff_free(d);
	return rc;
}

RELEASE_API int release_diff_get(release_store *store, const char *app, const char *from,
				 const char *to, unsigned int flags, release_diff **out)
{
	release *r_from = NULL, *r_to = NULL;
	release_settings *masks = NULL;
	int rc, mask_all = 0;

	if (out)
		*out = NULL;
	if ((rc = enter(store, !out)) != 0)
		return rc;
	if (flags & ~(unsigned int)RELEASE_DIFF_REVEAL)
		return fail(store, RELEASE_EINVAL, "unknown diff flags 0x%x",
			    flags & ~(unsigned int)RELEASE_DIFF_REVEAL);
	if ((rc = check_app(store, app)) != 0 ||
	    (from && (rc = check_id(store, from, 'R', "release")) != 0) ||
	    (to && (rc = check_id(store, to, 'R', "release")) != 0))
		return rc;
	if ((rc = require_app(store, app)) != 0 || (rc = load_to(store, app, to, &r_to)) != 0)
		return rc;
	if (from)
		rc = load_release(store, app, from, &r_from, NULL);
	else
		rc = load_before(store, app, r_to->version, &r_from);
	if (rc == 0)
		rc = read_masks(store, app, &masks, &mask_all);
	if (rc == 0 && (rc = make_diff(store, r_from, r_to, masks, mask_all, flags, out)) != 0)
		rc = fail(store, rc, "out of memory");
	release_settings_free(masks);
	release_free(r_from);
	release_free(r_to);
	return rc;
}

/* ---- accessors */

RELEASE_API const char *release_diff_from(const release_diff *d)
{
	return d && d->from[0] ? d->from : NULL;
}

RELEASE_API const char *release_diff_to(const release_diff *d)
{
	return d ? d->to : NULL;
}

RELEASE_API size_t release_diff_env_count(const release_diff *d)
{
	return d ? d->n : 0;
}

static const struct diff_key *key_at(const release_diff *d, size_t i)
{
	return d && i < d->n ? &d->env[i] : NULL;
}

RELEASE_API const char *release_diff_env_key(const release_diff *d, size_t i)
{
	const struct diff_key *k = key_at(d, i);

	return k ? k->key : NULL;
}

RELEASE_API int release_diff_env_change(const release_diff *d, size_t i)
{
	const struct diff_key *k = key_at(d, i);

	return k ? k->change : 0;
}

RELEASE_API int release_diff_env_masked(const release_diff *d, size_t i)
{
	const struct diff_key *k = key_at(d, i);

	return k ? k->masked : 0;
}

RELEASE_API const char *release_diff_env_old(const release_diff *d, size_t i)
{
	const struct diff_key *k = key_at(d, i);

	return k ? k->old : NULL;
}

RELEASE_API const char *release_diff_env_new(const release_diff *d, size_t i)
{
	const struct diff_key *k = key_at(d, i);

	return k ? k->new : NULL;
}

RELEASE_API const char *release_diff_build_old(const release_diff *d)
{
	return d ? d->build_old : NULL;
}

RELEASE_API const char *release_diff_build_new(const release_diff *d)
{
	return d ? d->build_new : NULL;
}

RELEASE_API int release_diff_description_changed(const release_diff *d)
{
	return d ? d->description_changed : 0;
}

RELEASE_API const char *release_diff_manifest(const release_diff *d)
{
	return d ? d->manifest : NULL;
}

RELEASE_API void release_diff_free(release_diff *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->env[i].key);
		free(d->env[i].old);
		free(d->env[i].new);
	}
	free(d->env);
	free(d->build_old);
	free(d->build_new);
	free(d->manifest);
	free(d);
}
