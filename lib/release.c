/* Releases: creating them from builds, reading them, and walking history. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct release_iter {
	struct pager pager;
	struct active_ptr active; /* as read when the listing began */
};

RELEASE_API void release_list_opts_init_sized(release_list_opts *opts, size_t size)
{
	OPTS_INIT(opts, size);
}

/* Marks r active if a names it. The pointer's own promotion time is the
 * truth: the stamp on the release is written after it and may be missing. */
void apply_active(const struct active_ptr *a, release *r)
{
	r->active = strcmp(a->id, r->id) == 0;
	if (r->active && r->promoted < a->promoted)
		r->promoted = a->promoted;
}

static int mark_active(release_store *s, const char *app, release *r)
{
	struct active_ptr a;
	int rc = read_active(s, app, &a, NULL);

	if (rc == 0)
		apply_active(&a, r);
	return rc;
}

struct from_build {
	const release_build *build;
	release_store *store;
	const char *app;
	struct raw build_raw; /* the build record the commit rewrites */
};

/* The build's back link, in the release's own commit. */
static int link_build(void *payload, struct txn *t, const release *r)
{
	struct from_build *fb = payload;

	raw_free(&fb->build_raw);
	return build_link_op(fb->store, fb->app, fb->build->id, r->id, t, &fb->build_raw);
}

int draft_from_build(const release_build *b, const release *newest, release *r)
{
	if (!(r->build = dup_str(b->id)) || !(r->manifest = dup_str(b->manifest)) ||
	    !(r->description = dup_str(b->description)))
		return RELEASE_ENOMEM;
	return newest ? env_copy(&r->env, &newest->env) : 0;
}

static int build_draft(void *payload, const release *newest, release *r)
{
	return draft_from_build(((const struct from_build *)payload)->build, newest, r);
}

RELEASE_API int release_create(release_store *store, const char *app, const char *build_id,
			       release **out)
{
	struct from_build fb;
	release_build *b = NULL;
	release *r = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	if ((rc = check_app(store, app)) != 0 || (rc = check_id(store, build_id, 'B', "build")) != 0)
		return rc;
	if ((rc = require_app(store, app)) != 0 || (rc = build_read(store, app, build_id, &b)) != 0)
		return rc;
	if (b->status != RELEASE_BUILD_COMPLETE) {
		rc = fail(store, RELEASE_EINVAL, "build %s is %s, not complete", build_id,
			  release_build_status_name(b->status));
		release_build_free(b);
		return rc;
	}
	memset(&fb, 0, sizeof fb);
	fb.build = b;
	fb.store = store;
	fb.app = app;
	/* On a version-2 backend the build's back link is written with the
	 * release, and a build deleted meanwhile makes the commit fail. */
	rc = write_release(store, app, build_draft, link_build, &fb, &r);
	raw_free(&fb.build_raw);
	release_build_free(b);
	/* On version 1 the release exists now whatever happens to the back
	 * link, which only helps listings: failing to write it is no failure. */
	if (rc == 0 && !has_commit(store) && build_set_release(store, app, build_id, r->id) != 0)
		clear_error(store);
	if (rc == 0 && out)
		*out = r;
	else
		release_free(r);
	return rc;
}

struct completion {
	release_store *s;
	const char *app, *id;
	release_build *b;     /* as the last draft read it */
	struct raw build_raw; /* its bytes, which the commit swaps */
	char made[ID_MAX];    /* the release it had already, if any */
};

/* Reads the build again at each attempt: a caller that completed it
 * meanwhile leaves nothing to do. */
static int completion_draft(void *payload, const release *newest, release *r)
{
	struct completion *c = payload;
	int rc;

	release_build_free(c->b);
	c->b = NULL;
	raw_free(&c->build_raw);
	if ((rc = build_read_raw(c->s, c->app, c->id, &c->b, &c->build_raw)) != 0)
		return rc;
	if (c->b->status == RELEASE_BUILD_FAILED)
		return fail(c->s, RELEASE_EINVAL, "build %s is failed: it makes no release", c->id);
	if (c->b->status == RELEASE_BUILD_COMPLETE && c->b->release) {
		snprintf(c->made, sizeof c->made, "%s", c->b->release);
		return 1;
	}
	return draft_from_build(c->b, newest, r);
}

/* The build, complete and naming its release, in the release's commit. */
static int completion_op(void *payload, struct txn *t, const release *r)
{
	struct completion *c = payload;
	struct buf enc = {0};
	char *link = dup_str(r->id);

	if (!link)
		return fail(c->s, RELEASE_ENOMEM, "out of memory");
	free(c->b->release);
	c->b->release = link;
	if (c->b->status != RELEASE_BUILD_COMPLETE) {
		c->b->status = RELEASE_BUILD_COMPLETE;
		c->b->ended = store_now(c->s);
	}
	encode_build(&enc, c->b);
	if (enc.err) {
		int err = enc.err;

		buf_free(&enc);
		return fail(c->s, err, "encoding build");
	}
	txn_add_buf(t, RELEASE_OP_CAS, RELEASE_KIND_BUILD, c->id, 0, c->build_raw.data,
		    c->build_raw.len, &enc);
	return 0;
}

/* Version 1: the status, then the release unless the build has one. */
static int complete_v1(release_store *s, const char *app, const char *id, release **out)
{
	release_build *b = NULL;
	int rc = release_build_set_status(s, app, id, RELEASE_BUILD_COMPLETE, &b);

	if (rc == 0 && b->release) {
		if ((rc = load_release(s, app, b->release, out, NULL)) == 0 &&
		    (rc = mark_active(s, app, *out)) != 0) {
			release_free(*out);
			*out = NULL;
		}
	} else if (rc == 0) {
		rc = release_create(s, app, id, out);
	}
	release_build_free(b);
	return rc;
}

RELEASE_API int release_build_complete(release_store *store, const char *app,
				       const char *build_id, release **out)
{
	struct completion c;
	release *r = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	if ((rc = check_app(store, app)) != 0 || (rc = check_id(store, build_id, 'B', "build")) != 0 ||
	    (rc = require_app(store, app)) != 0)
		return rc;
	if (!has_commit(store)) {
		rc = complete_v1(store, app, build_id, &r);
	} else {
		memset(&c, 0, sizeof c);
		c.s = store;
		c.app = app;
		c.id = build_id;
		rc = write_release(store, app, completion_draft, completion_op, &c, &r);
		release_build_free(c.b);
		raw_free(&c.build_raw);
		/* A release made now is not active; one made before may be. Only
		 * that answer reads more: after the commit, nothing may fail. */
		if (rc == 0 && !r && (rc = load_release(store, app, c.made, &r, NULL)) == 0 &&
		    (rc = mark_active(store, app, r)) != 0) {
			release_free(r);
			r = NULL;
		}
	}
	if (rc == 0 && out)
		*out = r;
	else
		release_free(r);
	return rc;
}

RELEASE_API void release_create_opts_init_sized(release_create_opts *opts, size_t size)
{
	OPTS_INIT(opts, size);
}

struct from_releases {
	const release *build_src, *env_src;
	struct from_build fb; /* the build to link, when it still exists */
	int link;
};

static int link_from(void *payload, struct txn *t, const release *r)
{
	struct from_releases *fr = payload;

	return fr->link ? link_build(&fr->fb, t, r) : 0;
}

/* The build's description when there is a build (the build source may be
 * an env change, whose description says so), else the source's. */
static int from_draft(void *payload, const release *newest, release *r)
{
	const struct from_releases *fr = payload;
	const release *b = fr->build_src;
	const char *desc = fr->fb.build ? fr->fb.build->description : b->description;

	(void)newest;
	if ((b->build && !(r->build = dup_str(b->build))) || !(r->manifest = dup_str(b->manifest)) ||
	    !(r->description = dup_str(desc)))
		return RELEASE_ENOMEM;
	return env_copy(&r->env, &fr->env_src->env);
}

/* The release id names, or the active release for NULL. */
static int load_source(release_store *s, const char *app, const char *id,
		       const struct active_ptr *a, release **out)
{
	if (!id && !a->id[0])
		return fail(s, RELEASE_ENOTFOUND, "app '%s' has no active release", app);
	return load_release(s, app, id ? id : a->id, out, NULL);
}

RELEASE_API int release_create_from(release_store *store, const char *app,
				    const release_create_opts *opts, release **out)
{
	release_create_opts o;
	struct from_releases fr;
	struct active_ptr a = {0};
	release *bsrc = NULL, *esrc = NULL, *r = NULL;
	release_build *b = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	release_create_opts_init(&o);
	if ((rc = TAKE_OPTS(store, &o, opts, CREATE_OPTS_1_3, "release_create_opts")) != 0 ||
	    (rc = check_app(store, app)) != 0 ||
	    (o.build_from && (rc = check_id(store, o.build_from, 'R', "release")) != 0) ||
	    (o.env_from && (rc = check_id(store, o.env_from, 'R', "release")) != 0))
		return rc;
	if ((rc = require_app(store, app)) != 0 ||
	    ((!o.build_from || !o.env_from) && (rc = read_active(store, app, &a, NULL)) != 0) ||
	    (rc = load_source(store, app, o.build_from, &a, &bsrc)) != 0 ||
	    (rc = load_source(store, app, o.env_from, &a, &esrc)) != 0)
		goto out;
	memset(&fr, 0, sizeof fr);
	fr.build_src = bsrc;
	fr.env_src = esrc;
	/* The build's back link names the newest release made from it, and is
	 * written in the release's commit: a prune that decided meanwhile that
	 * the build is unused then decides again. */
	if (bsrc->build && (rc = build_read(store, app, bsrc->build, &b)) != 0) {
		if (rc == RELEASE_ENOTFOUND)
			rc = fail(store, rc, "app '%s': build %s of release %s no longer exists", app,
				  bsrc->build, bsrc->id);
		goto out;
	}
	fr.link = b != NULL;
	fr.fb.build = b;
	fr.fb.store = store;
	fr.fb.app = app;
	rc = write_release(store, app, from_draft, link_from, &fr, &r);
	raw_free(&fr.fb.build_raw);
	if (rc == 0 && fr.link && !has_commit(store) &&
	    build_set_release(store, app, b->id, r->id) != 0)
		clear_error(store);
	if (rc == 0 && out)
		*out = r;
	else
		release_free(r);
out:
	release_build_free(b);
	release_free(bsrc);
	release_free(esrc);
	return rc;
}

RELEASE_API int release_get(release_store *store, const char *app, const char *id, release **out)
{
	int rc;

	if (out)
		*out = NULL;
	if ((rc = enter(store, !out)) != 0)
		return rc;
	if ((rc = check_app(store, app)) != 0 || (rc = check_id(store, id, 'R', "release")) != 0)
		return rc;
	if ((rc = require_app(store, app)) != 0 || (rc = load_release(store, app, id, out, NULL)) != 0)
		return rc;
	if ((rc = mark_active(store, app, *out)) != 0) {
		release_free(*out);
		*out = NULL;
	}
	return rc;
}

RELEASE_API int release_get_version(release_store *store, const char *app, uint64_t version,
				    release **out)
{
	struct raw raw;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = enter(store, !out)) != 0)
		return rc;
	if ((rc = check_app(store, app)) != 0)
		return rc;
	if (version == 0 || version == UINT64_MAX)
		return fail(store, RELEASE_EINVAL, "invalid version %llu",
			    (unsigned long long)version);
	if ((rc = require_app(store, app)) != 0 ||
	    (rc = read_seq(store, app, RELEASE_KIND_RELEASE, version, &raw)) != 0)
		return rc;
	if (!raw.found)
		return fail(store, RELEASE_ENOTFOUND, "app '%s': release version %llu not found", app,
			    (unsigned long long)version);
	rc = decode_raw_release(store, app, &raw, out);
	raw_free(&raw);
	if (rc == 0 && (rc = mark_active(store, app, *out)) != 0) {
		release_free(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- listing */

static int decode_item(release_store *s, const char *app, const struct raw *raw, void **out,
		       void *arg)
{
	release *r;
	int rc = decode_listed_release(s, app, raw, &r);

	if (rc == 0) {
		apply_active(arg, r);
		*out = r;
	}
	return rc;
}

static void free_item(void *item)
{
	release_free(item);
}

RELEASE_API int release_list(release_store *store, const char *app,
			     const release_list_opts *opts, release_iter **out)
{
	release_list_opts o;
	release_iter *it;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = enter(store, !out)) != 0)
		return rc;
	release_list_opts_init(&o);
	if ((rc = TAKE_OPTS(store, &o, opts, LIST_OPTS_1_0, "release_list_opts")) != 0)
		return rc;
	if (!(it = calloc(1, sizeof *it)))
		return fail(store, RELEASE_ENOMEM, "out of memory");
	if ((rc = check_app(store, app)) != 0 || (rc = require_app(store, app)) != 0 ||
	    (rc = read_active(store, app, &it->active, NULL)) != 0) {
		free(it);
		return rc;
	}
	pager_init(&it->pager, store, app, RELEASE_KIND_RELEASE, o.limit, o.before);
	it->pager.decode = decode_item;
	it->pager.free_item = free_item;
	it->pager.arg = &it->active;
	*out = it;
	return 0;
}

RELEASE_API int release_iter_next(release_iter *it, const release **out)
{
	void *item;
	int rc;

	if (!it || !out)
		return RELEASE_EINVAL;
	rc = pager_next(&it->pager, &item);
	*out = item;
	return rc;
}

RELEASE_API void release_iter_free(release_iter *it)
{
	if (!it)
		return;
	pager_free(&it->pager);
	free(it);
}

/* ---- accessors */

RELEASE_API const char *release_id(const release *r)
{
	return r ? r->id : NULL;
}

RELEASE_API const char *release_app_of(const release *r)
{
	return r ? r->app : NULL;
}

RELEASE_API uint64_t release_version(const release *r)
{
	return r ? r->version : 0;
}

RELEASE_API const char *release_build_of(const release *r)
{
	return r ? r->build : NULL;
}

RELEASE_API const char *release_manifest(const release *r)
{
	return r ? r->manifest : NULL;
}

RELEASE_API const char *release_description(const release *r)
{
	return r ? r->description : NULL;
}

RELEASE_API int64_t release_created(const release *r)
{
	return r ? r->created : 0;
}

RELEASE_API const char *release_source(const release *r)
{
	return r ? r->source : NULL;
}

RELEASE_API int64_t release_promoted(const release *r)
{
	return r ? r->promoted : 0;
}

RELEASE_API int64_t release_failed(const release *r)
{
	return r ? r->failed : 0;
}

RELEASE_API int release_is_active(const release *r)
{
	return r ? r->active : 0;
}

RELEASE_API size_t release_env_count(const release *r)
{
	return r ? r->env.n : 0;
}

RELEASE_API const char *release_env_key(const release *r, size_t i)
{
	return r && i < r->env.n ? r->env.keys[i] : NULL;
}

RELEASE_API const char *release_env_value(const release *r, size_t i)
{
	return r && i < r->env.n ? r->env.vals[i] : NULL;
}

RELEASE_API const char *release_env_get(const release *r, const char *key)
{
	size_t pos;

	if (!r || !key || !env_find(&r->env, key, &pos))
		return NULL;
	return r->env.vals[pos];
}

RELEASE_API void release_free(release *r)
{
	if (!r)
		return;
	if (!r->packed) /* a packed release is one block */
		release_clear(r);
	free(r);
}
