/* Bounding history: deleting old releases and the builds only they used. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define PRUNE_PAGE 256

struct idlist {
	char (*v)[ID_MAX];
	size_t n, cap;
};

static int idlist_add(struct idlist *l, const char *id)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char (*v)[ID_MAX] = realloc(l->v, cap * sizeof *v);

		if (!v)
			return RELEASE_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	strcpy(l->v[l->n++], id);
	return 0;
}

static int idlist_has(const struct idlist *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], id) == 0)
			return 1;
	return 0;
}

struct walk {
	release_store *s;
	const char *app;
	const struct active_ptr *active;
	size_t keep;        /* older releases still to keep */
	struct idlist kept_builds;
	struct idlist doomed;        /* releases to delete, newest first */
	struct idlist doomed_builds; /* their builds */
	uint64_t before;
	size_t seen;
	int cb_rc; /* an error of visit's own, with its message set */
};

static int visit_record(struct walk *w, uint64_t seq, const char *key, const void *data,
			size_t len);

static int visit(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct walk *w = payload;
	int rc = visit_record(w, seq, key, data, len);

	if (rc == RELEASE_ENOMEM)
		fail(w->s, rc, "out of memory");
	w->cb_rc = rc;
	return rc;
}

static int visit_record(struct walk *w, uint64_t seq, const char *key, const void *data,
			size_t len)
{
	release r;
	int keep, rc;

	/* What is deleted is decided from these records: a backend's
	 * misplaced, out-of-order or surplus record stops the prune. */
	if (seq >= w->before || w->seen >= PRUNE_PAGE || !key)
		return fail(w->s, RELEASE_ECORRUPT,
			    "app '%s': storage returned records out of order or beyond the limit",
			    w->app);
	w->before = seq;
	w->seen++;
	if ((rc = decode_release(data, len, &r)) == RELEASE_ENOMEM)
		return rc; /* worded by visit() */
	if (rc != 0)
		return fail(w->s, RELEASE_ECORRUPT,
			    "app '%s': release record at version %llu is corrupt", w->app,
			    (unsigned long long)seq);
	if (strcmp(r.app, w->app) != 0 || r.version != seq) {
		release_clear(&r);
		return fail(w->s, RELEASE_ECORRUPT,
			    "app '%s': release record at version %llu is corrupt", w->app,
			    (unsigned long long)seq);
	}
	if (strcmp(r.id, key) != 0) {
		release_clear(&r);
		return fail(w->s, RELEASE_ECORRUPT, "app '%s': record of release %s holds another id",
			    w->app, key);
	}
	keep = seq >= w->active->version || strcmp(r.id, w->active->previous) == 0;
	if (!keep && w->keep > 0) {
		w->keep--;
		keep = 1;
	}
	rc = 0;
	if (keep && r.build && !idlist_has(&w->kept_builds, r.build))
		rc = idlist_add(&w->kept_builds, r.build);
	if (!keep && rc == 0)
		rc = idlist_add(&w->doomed, r.id);
	if (!keep && rc == 0 && r.build && !idlist_has(&w->doomed_builds, r.build))
		rc = idlist_add(&w->doomed_builds, r.build);
	release_clear(&r);
	return rc;
}

RELEASE_API int release_prune(release_store *store, const char *app, size_t keep,
			      size_t *removed)
{
	struct active_ptr a;
	struct walk w;
	int rc;

	if (removed)
		*removed = 0;
	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	if ((rc = check_app(store, app)) != 0 || (rc = require_app(store, app)) != 0 ||
	    (rc = read_active(store, app, &a, NULL)) != 0)
		return rc;
	if (!a.id[0])
		return 0;
	memset(&w, 0, sizeof w);
	w.s = store;
	w.app = app;
	w.active = &a;
	w.keep = keep;
	w.before = UINT64_MAX;
	do {
		w.seen = 0;
		w.cb_rc = 0;
		rc = store->st->scan(store->ctx, app, RELEASE_KIND_RELEASE, w.before, PRUNE_PAGE, visit,
				     &w);
		if (rc != 0 && rc != w.cb_rc)
			rc = fail_backend(store, rc, "pruning");
	} while (rc == 0 && w.seen == PRUNE_PAGE);
	/* Oldest first, so a crash leaves history a contiguous run of versions. */
	for (size_t i = w.doomed.n; rc == 0 && i-- > 0;) {
		rc = store->st->del(store->ctx, app, RELEASE_KIND_RELEASE, w.doomed.v[i]);
		if (rc == RELEASE_ENOTFOUND) /* pruned concurrently */
			rc = 0;
		else if ((rc = settle_write(store, rc, "pruning", app, RELEASE_KIND_RELEASE,
					    w.doomed.v[i], NULL, 0, NULL)) == 0 && removed)
			(*removed)++;
	}
	/* A build left behind by a crash here is unreferenced, never wrong. */
	for (size_t i = 0; rc == 0 && i < w.doomed_builds.n; i++) {
		if (idlist_has(&w.kept_builds, w.doomed_builds.v[i]))
			continue;
		rc = store->st->del(store->ctx, app, RELEASE_KIND_BUILD, w.doomed_builds.v[i]);
		if (rc == RELEASE_ENOTFOUND)
			rc = 0;
		rc = settle_write(store, rc, "pruning", app, RELEASE_KIND_BUILD, w.doomed_builds.v[i],
				  NULL, 0, NULL);
	}
	free(w.kept_builds.v);
	free(w.doomed.v);
	free(w.doomed_builds.v);
	return rc;
}
