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

/* Bytes of records to delete, by compare-and-swap against them. */
struct rawlist {
	struct raw *v;
	size_t n, cap;
};

static int rawlist_add(struct rawlist *l, const void *data, size_t len)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct raw *v = realloc(l->v, cap * sizeof *v);

		if (!v)
			return RELEASE_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof l->v[l->n]);
	if (!(l->v[l->n].data = (unsigned char *)dup_mem(data, len)))
		return RELEASE_ENOMEM;
	l->v[l->n].len = len;
	l->v[l->n++].found = 1;
	return 0;
}

static void rawlist_free(struct rawlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		raw_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

struct walk {
	release_store *s;
	int keep_bytes; /* keep the doomed releases' bytes (version 2) */
	struct rawlist doomed_raw;
	const char *app;
	const struct active_ptr *active;
	size_t keep;        /* older releases still to keep */
	struct idlist kept_builds;
	struct idlist doomed;        /* releases to delete, newest first */
	struct idlist doomed_builds; /* their builds */
	uint64_t before;
	uint64_t newest; /* the seq of the newest release the walk saw */
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
	if (w->before == UINT64_MAX)
		w->newest = seq;
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
	if (!keep && rc == 0 && w->keep_bytes)
		rc = rawlist_add(&w->doomed_raw, data, len);
	if (!keep && rc == 0 && r.build && !idlist_has(&w->doomed_builds, r.build))
		rc = idlist_add(&w->doomed_builds, r.build);
	release_clear(&r);
	return rc;
}

/* Walks app's history from the newest release, deciding what goes. */
static int walk_history(release_store *store, const char *app, struct walk *w)
{
	int rc;

	do {
		w->seen = 0;
		w->cb_rc = 0;
		rc = store->st->scan(store->ctx, app, RELEASE_KIND_RELEASE, w->before, PRUNE_PAGE,
				     visit, w);
		if (rc != 0 && rc != w->cb_rc)
			rc = fail_backend(store, rc, "pruning");
	} while (rc == 0 && w->seen == PRUNE_PAGE);
	return rc;
}

static void walk_free(struct walk *w)
{
	free(w->kept_builds.v);
	free(w->doomed.v);
	free(w->doomed_builds.v);
	rawlist_free(&w->doomed_raw);
}

/* Version 1: one deletion at a time, oldest release first, so that a crash
 * leaves history a contiguous run of versions. */
static int delete_one_by_one(release_store *store, const char *app, const struct walk *w,
			     size_t *removed)
{
	int rc = 0;

	for (size_t i = w->doomed.n; rc == 0 && i-- > 0;) {
		rc = store->st->del(store->ctx, app, RELEASE_KIND_RELEASE, w->doomed.v[i]);
		if (rc == RELEASE_ENOTFOUND) /* pruned concurrently */
			rc = 0;
		else if ((rc = settle_write(store, rc, "pruning", app, RELEASE_KIND_RELEASE,
					    w->doomed.v[i], NULL, 0, NULL)) == 0 && removed)
			(*removed)++;
	}
	/* A build left behind by a crash here is unreferenced, never wrong. */
	for (size_t i = 0; rc == 0 && i < w->doomed_builds.n; i++) {
		if (idlist_has(&w->kept_builds, w->doomed_builds.v[i]))
			continue;
		rc = store->st->del(store->ctx, app, RELEASE_KIND_BUILD, w->doomed_builds.v[i]);
		if (rc == RELEASE_ENOTFOUND)
			rc = 0;
		rc = settle_write(store, rc, "pruning", app, RELEASE_KIND_BUILD,
				  w->doomed_builds.v[i], NULL, 0, NULL);
	}
	return rc;
}

#define PRUNE_BATCH (RELEASE_COMMIT_MAX - 2)

/*
 * Version 2: commits of up to PRUNE_BATCH deletions, each checking that the
 * app and its active pointer (bytes app_raw, act_raw) are as the walk read
 * them, and deleting each record only if its bytes are still the ones read.
 * A release promoted, or a build used, by a write that committed meanwhile
 * (a rollback's copy and a new release rewrite their build's record) makes
 * the batch fail as a whole with RELEASE_ECONFLICT: the caller walks again.
 * The builds' bytes are read after the walk, so a release made between the
 * two is looked for before the first commit (the newest release must still
 * be the walk's). Releases go oldest first, then the builds only they used.
 * A commit whose outcome is open is walked again once: deleting is
 * idempotent, and no one record's absence says whether it was applied.
 */
static int delete_in_commits(release_store *store, const char *app, const struct walk *w,
			     const struct raw *app_raw, const struct raw *act_raw,
			     size_t *removed, int *open)
{
	release_storage_op *ops = calloc(RELEASE_COMMIT_MAX, sizeof *ops);
	struct rawlist builds = {0};
	const char **build_ids = calloc(w->doomed_builds.n + 1, sizeof *build_ids);
	size_t n_builds = 0, total, next = 0;
	int rc = 0;

	if (!ops || !build_ids)
		rc = fail(store, RELEASE_ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < w->doomed_builds.n; i++) {
		struct raw raw;

		if (idlist_has(&w->kept_builds, w->doomed_builds.v[i]))
			continue;
		if ((rc = read_record(store, app, RELEASE_KIND_BUILD, w->doomed_builds.v[i],
				      &raw)) != 0)
			break;
		if (raw.found) { /* else pruned already */
			if (rawlist_add(&builds, raw.data, raw.len) != 0)
				rc = fail(store, RELEASE_ENOMEM, "out of memory");
			else
				build_ids[n_builds++] = w->doomed_builds.v[i];
		}
		raw_free(&raw);
	}
	/* A release made since the walk may use a build read above, whose
	 * record it rewrote before the read: only when no release came since
	 * do the bytes read prove the build unused. */
	if (rc == 0) {
		struct raw newest;

		if ((rc = read_newest(store, app, RELEASE_KIND_RELEASE, &newest)) == 0 &&
		    newest.seq != w->newest)
			rc = RELEASE_ECONFLICT;
		raw_free(&newest);
	}
	total = w->doomed.n + n_builds;
	while (rc == 0 && next < total) {
		size_t n = 0, first = next, failed;

		ops[n++] = (release_storage_op){RELEASE_OP_CHECK, RELEASE_KIND_META, "app", 0,
						app_raw->data, app_raw->len, NULL, 0};
		ops[n++] = (release_storage_op){RELEASE_OP_CHECK, RELEASE_KIND_META, "active", 0,
						act_raw->data, act_raw->len, NULL, 0};
		for (; next < total && n < RELEASE_COMMIT_MAX; next++, n++) {
			int rel = next < w->doomed.n;
			/* releases oldest first: the walk listed them newest first */
			size_t k = rel ? w->doomed.n - 1 - next : next - w->doomed.n;
			const struct raw *old = rel ? &w->doomed_raw.v[k] : &builds.v[k];

			ops[n] = (release_storage_op){RELEASE_OP_CAS,
						      rel ? RELEASE_KIND_RELEASE : RELEASE_KIND_BUILD,
						      rel ? w->doomed.v[k] : build_ids[k], 0,
						      old->data, old->len, NULL, 0};
		}
		rc = commit_ops(store, app, ops, n, NO_PROBE, "pruning", &failed, NULL);
		if (rc != 0 && rc != RELEASE_ECONFLICT && rc != RELEASE_EINVAL && !(*open)++) {
			/* Applied or not? No one record tells (another prune may have
			 * deleted it), but deleting is idempotent: walk again, once,
			 * counting what of this batch is gone already. */
			for (size_t i = first; removed && i < next && i < w->doomed.n; i++) {
				struct raw raw;

				if (read_record(store, app, RELEASE_KIND_RELEASE,
						ops[2 + i - first].key, &raw) == 0 && !raw.found)
					(*removed)++;
				raw_free(&raw);
			}
			clear_error(store);
			rc = RELEASE_ECONFLICT;
		}
		if (rc == 0 && removed)
			for (size_t i = first; i < next && i < w->doomed.n; i++)
				(*removed)++;
	}
	free(ops);
	free(build_ids);
	rawlist_free(&builds);
	return rc;
}

RELEASE_API int release_prune(release_store *store, const char *app, size_t keep,
			      size_t *removed)
{
	int rc = 0, open_outcomes = 0;

	if (removed)
		*removed = 0;
	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	if ((rc = check_app(store, app)) != 0)
		return rc;
	for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
		struct raw app_raw, act_raw = {0};
		struct active_ptr a;
		struct walk w;

		/* The app and its pointer first: the commits check that the
		 * walk's decisions still stand on them. */
		if ((rc = app_for_write(store, app, &app_raw)) != 0)
			return rc;
		if ((rc = read_active(store, app, &a, &act_raw)) != 0 || !a.id[0]) {
			raw_free(&app_raw);
			raw_free(&act_raw);
			return rc;
		}
		memset(&w, 0, sizeof w);
		w.s = store;
		w.app = app;
		w.active = &a;
		w.keep = keep;
		w.before = UINT64_MAX;
		w.keep_bytes = has_commit(store);
		if ((rc = walk_history(store, app, &w)) == 0)
			rc = w.keep_bytes ?
				     delete_in_commits(store, app, &w, &app_raw, &act_raw, removed,
						       &open_outcomes) :
				     delete_one_by_one(store, app, &w, removed);
		walk_free(&w);
		raw_free(&app_raw);
		raw_free(&act_raw);
		if (rc != RELEASE_ECONFLICT)
			return rc;
		/* a promotion, a deletion or a new use of a build came between:
		 * decide again on what is there now */
	}
	return fail(store, RELEASE_ECONFLICT, "app '%s': history kept changing while pruned", app);
}
