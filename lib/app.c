/* Apps: creation, deletion, listing, and their state as read. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PURGE_PAGE 256
#define DELETE_BATCH 64 /* records removed by one commit of a deletion */

/* Names are listed at the start; each app is read when its step comes, so
 * one that cannot be read costs only its own step. */
struct release_app_iter {
	release_store *store;
	char **names;
	size_t n, next;
	release_app *cur; /* what the last step yielded */
};

/* Reads the app record. *found is 0 when absent; *deleting says whether it
 * is a tombstone. */
static int read_app(release_store *s, const char *name, release_app *a, struct raw *raw,
		    int *found, int *deleting)
{
	int rc = read_record(s, name, RELEASE_KIND_META, "app", raw);

	*found = 0;
	*deleting = 0;
	if (rc != 0 || !raw->found)
		return rc;
	rc = decode_app(raw->data, raw->len, a, deleting);
	if (rc == 0 && strcmp(a->name, name) != 0)
		rc = RELEASE_ECORRUPT;
	if (rc != 0) {
		raw_free(raw);
		free(a->name);
		free(a->actor);
		a->name = a->actor = NULL;
		return rc == RELEASE_ENOMEM ? fail(s, rc, "out of memory") :
		       fail(s, RELEASE_ECORRUPT, "app '%s': app record is corrupt", name);
	}
	*found = 1;
	return 0;
}

int require_app_raw(release_store *s, const char *app, struct raw *raw)
{
	release_app a = {0};
	int found, deleting, rc = read_app(s, app, &a, raw, &found, &deleting);

	free(a.name);
	free(a.actor);
	if (rc == 0 && (!found || deleting))
		rc = fail(s, RELEASE_ENOTFOUND, "app '%s' not found", app);
	if (rc != 0)
		raw_free(raw);
	return rc;
}

int require_app(release_store *s, const char *app)
{
	struct raw raw;
	int rc = require_app_raw(s, app, &raw);

	raw_free(&raw);
	return rc;
}

struct keys {
	char (*v)[KEY_MAX + 1];
	size_t n, cap;
	int cb_rc; /* an error of collect_key's own, with its message set */
	release_store *s;
	const char *app;
};

static int collect_key(void *payload, uint64_t seq, const char *key, const void *data,
		       size_t len)
{
	struct keys *k = payload;

	(void)seq;
	(void)data;
	(void)len;
	/* The backend is told the limit; a hostile one must not overrun us. */
	if (k->n >= k->cap)
		k->cb_rc = fail(k->s, RELEASE_ECORRUPT,
				"app '%s': storage returned more records than asked for", k->app);
	else if (!key || strlen(key) > KEY_MAX)
		k->cb_rc = fail(k->s, RELEASE_ECORRUPT, "app '%s': storage returned an invalid key",
				k->app);
	else
		strcpy(k->v[k->n++], key);
	return k->cb_rc;
}

/* Deletes a record as part of a deletion; absent is deleted already. */
static int delete_record(release_store *s, const char *app, int kind, const char *key,
			 const char *what)
{
	int rc = s->st->del(s->ctx, app, kind, key);

	if (rc == RELEASE_ENOTFOUND) /* someone else is deleting too */
		return 0;
	return settle_write(s, rc, what, app, kind, key, NULL, 0, NULL);
}

/* Deletes k's records of kind in one commit that checks the app record is
 * still the tombstone: once the name has been created again, a deletion
 * still under way must not touch the new app's records. A record already
 * gone (another deletion under way) makes the batch fail as a whole; the
 * caller lists again. */
static int delete_batch(release_store *s, const char *app, int kind, const struct keys *k,
			const struct raw *tomb, size_t from, size_t *done)
{
	release_storage_op ops[DELETE_BATCH + 1];
	size_t n = 0, failed;

	memset(ops, 0, sizeof ops);
	ops[n].op = RELEASE_OP_CHECK;
	ops[n].kind = RELEASE_KIND_META;
	ops[n].key = "app";
	ops[n].old = tomb->data;
	ops[n++].old_len = tomb->len;
	for (size_t i = from; i < k->n && n <= DELETE_BATCH; i++, n++) {
		ops[n].op = RELEASE_OP_DEL;
		ops[n].kind = kind;
		ops[n].key = k->v[i];
	}
	*done = n - 1;
	return commit_ops(s, app, ops, n, 1, "deleting app", &failed, NULL);
}

/* Deletes every record of one ordered kind, newest first, a page at a time;
 * on a version-2 backend in commits that check the tombstone (tomb). */
static int purge_kind(release_store *s, const char *app, int kind, const struct raw *tomb)
{
	struct keys k = {malloc(PURGE_PAGE * sizeof *k.v), 0, PURGE_PAGE, 0, s, app};
	char last[KEY_MAX + 1] = "";
	int rc = 0, relists = 0;

	if (!k.v)
		return fail(s, RELEASE_ENOMEM, "out of memory");
	for (;;) {
		k.n = 0;
		k.cb_rc = 0;
		rc = s->st->scan(s->ctx, app, kind, UINT64_MAX, k.cap, collect_key, &k);
		if (rc != 0) {
			if (rc != k.cb_rc)
				rc = fail_backend(s, rc, "deleting app");
			break;
		}
		if (k.n == 0)
			break;
		/* A record deleted but listed again would keep this loop going. */
		if (strcmp(k.v[0], last) == 0) {
			rc = fail(s, RELEASE_ECORRUPT, "app '%s': storage lists a record it deleted",
				  app);
			break;
		}
		strcpy(last, k.v[0]);
		if (tomb && has_commit(s)) {
			for (size_t i = 0, done = 0; i < k.n && rc == 0; i += done) {
				rc = delete_batch(s, app, kind, &k, tomb, i, &done);
				if (rc == RELEASE_ENOTFOUND) { /* deleted by another: list again */
					if (++relists >= WRITE_ATTEMPTS) {
						rc = fail(s, RELEASE_ECORRUPT,
							  "app '%s': storage lists records it cannot "
							  "find", app);
						break;
					}
					last[0] = '\0';
					rc = 0;
					break;
				}
			}
			if (rc == RELEASE_ECONFLICT) /* created again: not ours now */
				break;
		} else {
			for (size_t i = 0; i < k.n && rc == 0; i++)
				rc = delete_record(s, app, kind, k.v[i], "deleting app");
		}
		if (rc != 0)
			break;
	}
	free(k.v);
	return rc;
}

/* Removes an app's records under its tombstone (the app record's bytes in
 * tomb). 0, or on a version-2 backend RELEASE_ECONFLICT when the name was
 * created again meanwhile: what is left is the new app's. */
static int purge_app(release_store *s, const char *app, const struct raw *tomb)
{
	static const char *const meta[] = {"active", "lease", "settings"};
	int rc = purge_kind(s, app, RELEASE_KIND_RELEASE, tomb);

	if (rc == 0)
		rc = purge_kind(s, app, RELEASE_KIND_BUILD, tomb);
	if (rc == 0 && has_deploy_log(s))
		rc = purge_kind(s, app, RELEASE_KIND_DEPLOY, tomb);
	for (size_t i = 0; rc == 0 && i < sizeof meta / sizeof meta[0]; i++) {
		if (has_commit(s)) {
			release_storage_op ops[2];
			size_t failed;

			memset(ops, 0, sizeof ops);
			ops[0].op = RELEASE_OP_CHECK;
			ops[0].kind = RELEASE_KIND_META;
			ops[0].key = "app";
			ops[0].old = tomb->data;
			ops[0].old_len = tomb->len;
			ops[1].op = RELEASE_OP_DEL;
			ops[1].kind = RELEASE_KIND_META;
			ops[1].key = meta[i];
			rc = commit_ops(s, app, ops, 2, 1, "deleting app", &failed, NULL);
			if (rc == RELEASE_ENOTFOUND)
				rc = 0;
		} else {
			rc = delete_record(s, app, RELEASE_KIND_META, meta[i], "deleting app");
		}
	}
	return rc;
}

RELEASE_API int release_app_create(release_store *store, const char *name, release_app **out)
{
	release_app a = {0}, *made = NULL;
	struct raw raw;
	struct buf b = {0};
	int64_t created = 0;
	char token[33];
	int found, deleting, rc;

	if (out)
		*out = NULL;
	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	if ((rc = check_app(store, name)) != 0)
		return rc;
	/* What is returned is made before the write: nothing may fail after
	 * it. A new app has no active release and no lease. */
	if (out && (!(made = calloc(1, sizeof *made)) || !(made->name = dup_str(name)))) {
		release_app_free(made);
		return fail(store, RELEASE_ENOMEM, "out of memory");
	}
	for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
		if ((rc = read_app(store, name, &a, &raw, &found, &deleting)) != 0)
			goto out;
		free(a.name);
		free(a.actor);
		a.name = a.actor = NULL;
		if (found && !deleting) {
			rc = fail(store, RELEASE_EEXIST, "app '%s' already exists", name);
			goto out_raw;
		}
		/* A tombstone means a deletion was interrupted: finish it first,
		 * so the new app starts with no history. The tombstone is then
		 * replaced by the new app's record. */
		if (!found || (rc = purge_app(store, name, &raw)) == 0) {
			created = store_now(store);
			if ((rc = make_token(store, token)) != 0)
				goto out_raw;
			encode_app(&b, name, created, token, store_actor(store), 0);
			if (b.err) {
				rc = fail(store, b.err, "encoding app");
			} else {
				rc = store->st->cas(store->ctx, name, RELEASE_KIND_META, "app", raw.data,
						    raw.len, b.p, b.len);
				rc = settle_write(store, rc, "creating app", name, RELEASE_KIND_META,
						  "app", b.p, b.len, NULL);
			}
			buf_free(&b);
		}
		if (rc != RELEASE_ECONFLICT)
			break;
		/* The record changed: created by another, or its deletion finished
		 * by another. Decide again on what is there now. */
		raw_free(&raw);
	}
	if (rc == RELEASE_ECONFLICT)
		rc = fail(store, rc, "app '%s': its record kept changing", name);
	if (rc == 0 && made) {
		made->created = created;
		*out = made;
		made = NULL;
	}
out_raw:
	raw_free(&raw);
out:
	release_app_free(made);
	return rc;
}

/* Removes the records of a tombstoned app, then the tombstone (bytes b). */
static int finish_delete(release_store *s, const char *name, const struct buf *b)
{
	struct raw tomb = {b->p, b->len, 0, 1};
	int rc = purge_app(s, name, &tomb);

	if (rc == RELEASE_ECONFLICT) /* created again meanwhile: nothing of ours is left */
		return 0;
	if (rc != 0)
		return rc;
	rc = s->st->cas(s->ctx, name, RELEASE_KIND_META, "app", b->p, b->len, NULL, 0);
	if (rc == RELEASE_ECONFLICT) /* recreated meanwhile: not ours to remove */
		return 0;
	return settle_write(s, rc, "deleting app", name, RELEASE_KIND_META, "app", NULL, 0, NULL);
}

RELEASE_API int release_app_delete(release_store *store, const char *name)
{
	release_app a = {0};
	struct raw raw;
	struct buf b = {0};
	char token[33];
	int found, deleting, rc;

	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	if ((rc = check_app(store, name)) != 0)
		return rc;
	if ((rc = read_app(store, name, &a, &raw, &found, &deleting)) != 0)
		return rc;
	free(a.name);
	free(a.actor);
	if (!found)
		return fail(store, RELEASE_ENOTFOUND, "app '%s' not found", name);
	if (deleting) {
		/* An earlier deletion was interrupted: finishing it is this
		 * call's whole work, so its failure is reported. */
		b.p = raw.data;
		b.len = raw.len;
		rc = finish_delete(store, name, &b);
		raw_free(&raw);
		return rc;
	}
	/* Tombstone first: from here on the app and its ids are gone for every
	 * reader, whatever happens to the rest of the deletion. */
	if ((rc = make_token(store, token)) != 0) {
		raw_free(&raw);
		return rc;
	}
	encode_app(&b, name, a.created, token, NULL, 1);
	if (b.err) {
		rc = fail(store, b.err, "encoding app");
	} else {
		rc = store->st->cas(store->ctx, name, RELEASE_KIND_META, "app", raw.data, raw.len,
				    b.p, b.len);
		rc = settle_write(store, rc, "deleting app", name, RELEASE_KIND_META, "app", b.p,
				  b.len, NULL);
	}
	raw_free(&raw);
	if (rc == RELEASE_ECONFLICT)
		rc = fail(store, RELEASE_ENOTFOUND, "app '%s' not found", name);
	/* The tombstone is the deletion's commit point: what follows is
	 * clean-up, which the next deletion or creation of the name finishes
	 * if it fails here. */
	if (rc == 0) {
		finish_delete(store, name, &b);
		clear_error(store);
	}
	buf_free(&b);
	return rc;
}

static int keep_hold(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct raw *raw = payload;

	(void)seq;
	(void)key;
	if (raw->found) {
		raw->found = RAW_EXTRA;
		return RELEASE_ECORRUPT;
	}
	if (!data && len)
		return RELEASE_ECORRUPT;
	if (len > RELEASE_HOLD_INFO_MAX) /* held, by an owner that cannot be read */
		len = 0;
	if (!(raw->data = (unsigned char *)dup_mem(data, len)))
		return RELEASE_ENOMEM;
	raw->len = len;
	raw->found = 1;
	return 0;
}

int read_hold(release_store *s, const char *app, struct lease *l, int *found)
{
	struct raw raw = {0};
	int rc = s->st->held(s->ctx, app, keep_hold, &raw);

	*found = 0;
	memset(l, 0, sizeof *l);
	if (rc == RELEASE_ENOTFOUND && raw.found != RAW_EXTRA) {
		raw_free(&raw);
		return 0;
	}
	if (rc == RELEASE_ECORRUPT && raw.found != RAW_EXTRA) {
		/* Held, by a holder whose info cannot be read (one stopped before
		 * writing it, or damaged): busy all the same, never unreadable. */
		raw_free(&raw);
		raw.found = 1;
	} else if (rc != 0) {
		raw_free(&raw);
		return fail_backend(s, rc == RELEASE_ENOTFOUND ? RELEASE_ECORRUPT : rc,
				    "reading who holds the app");
	}
	rc = raw.len ? decode_lease(raw.data, raw.len, l) : RELEASE_ECORRUPT;
	raw_free(&raw);
	if (rc == RELEASE_ENOMEM)
		return fail(s, rc, "out of memory");
	if (rc != 0) { /* held, by a holder whose label cannot be read */
		memset(l, 0, sizeof *l);
		if (!(l->owner = dup_str("an unreadable owner")))
			return fail(s, RELEASE_ENOMEM, "out of memory");
	}
	*found = 1;
	return 0;
}

/* Fills an app's state: its record, active pointer and lease. */
static int load_app(release_store *s, const char *name, release_app **out)
{
	release_app *a = calloc(1, sizeof *a);
	struct active_ptr act;
	struct raw raw;
	int found, deleting, rc;

	*out = NULL;
	if (!a)
		return fail(s, RELEASE_ENOMEM, "out of memory");
	rc = read_app(s, name, a, &raw, &found, &deleting);
	raw_free(&raw);
	if (rc == 0 && (!found || deleting))
		rc = fail(s, RELEASE_ENOTFOUND, "app '%s' not found", name);
	if (rc == 0)
		rc = read_active(s, name, &act, NULL);
	if (rc == 0) {
		strcpy(a->active, act.id);
		strcpy(a->previous, act.previous);
		rc = read_record(s, name, RELEASE_KIND_META, "lease", &raw);
	}
	if (rc == 0 && raw.found) {
		struct lease l;

		if ((rc = decode_lease(raw.data, raw.len, &l)) == RELEASE_ENOMEM) {
			rc = fail(s, rc, "out of memory");
		} else if (rc != 0) {
			rc = fail(s, RELEASE_ECORRUPT, "app '%s': lease record is corrupt", name);
		} else if (l.expires > store_now(s)) {
			a->status = RELEASE_APP_UPDATING;
			a->lease_owner = l.owner;
			a->lease_expires = l.expires;
			a->lease_started = l.started;
		} else {
			free(l.owner);
		}
		raw_free(&raw);
	}
	/* A hold lasts as long as its holder: it has no expiry. */
	if (rc == 0 && a->status != RELEASE_APP_UPDATING && has_hold(s)) {
		struct lease l;
		int held;

		if ((rc = read_hold(s, name, &l, &held)) == 0 && held) {
			a->status = RELEASE_APP_UPDATING;
			a->lease_owner = l.owner;
			a->lease_expires = INT64_MAX;
			a->lease_started = l.started;
		}
	}
	if (rc != 0) {
		release_app_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

RELEASE_API int release_app_get(release_store *store, const char *name, release_app **out)
{
	int rc;

	if (out)
		*out = NULL;
	if ((rc = enter(store, !out)) != 0)
		return rc;
	if ((rc = check_app(store, name)) != 0)
		return rc;
	return load_app(store, name, out);
}

struct names {
	char **v;
	size_t n, cap;
};

static int collect_name(void *payload, const char *app)
{
	struct names *nm = payload;

	if (!app || !valid_app(app))
		return 0; /* not an app of ours: never shown */
	if (nm->n == nm->cap) {
		size_t cap = nm->cap ? nm->cap * 2 : 16;
		char **v = realloc(nm->v, cap * sizeof *v);

		if (!v)
			return RELEASE_ENOMEM;
		nm->v = v;
		nm->cap = cap;
	}
	if (!(nm->v[nm->n] = dup_str(app)))
		return RELEASE_ENOMEM;
	nm->n++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

RELEASE_API int release_app_list(release_store *store, release_app_iter **out)
{
	struct names nm = {0};
	release_app_iter *it = NULL;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = enter(store, !out)) != 0)
		return rc;
	rc = store->st->list_apps(store->ctx, collect_name, &nm);
	if (rc != 0)
		rc = fail_backend(store, rc, "listing apps");
	if (rc == 0 && !(it = calloc(1, sizeof *it)))
		rc = fail(store, RELEASE_ENOMEM, "out of memory");
	if (rc != 0) {
		for (size_t i = 0; i < nm.n; i++)
			free(nm.v[i]);
		free(nm.v);
		return rc;
	}
	if (nm.n > 1)
		qsort(nm.v, nm.n, sizeof *nm.v, by_name);
	it->store = store;
	it->names = nm.v;
	it->n = nm.n;
	*out = it;
	return 0;
}

RELEASE_API int release_app_iter_next(release_app_iter *iter, const release_app **out)
{
	release_store *s;

	if (!iter || !out)
		return RELEASE_EINVAL;
	*out = NULL;
	s = iter->store;
	release_app_free(iter->cur);
	iter->cur = NULL;
	while (iter->next < iter->n) {
		const char *name = iter->names[iter->next];
		char tag[80];
		int rc;

		if (iter->next > 0 && strcmp(name, iter->names[iter->next - 1]) == 0) {
			iter->next++; /* named twice by the backend */
			continue;
		}
		clear_error(s);
		rc = load_app(s, name, &iter->cur);
		if (rc == 0) {
			iter->next++;
			*out = iter->cur;
			return 0;
		}
		if (rc == RELEASE_ENOTFOUND) { /* records without a live app record */
			iter->next++;
			continue;
		}
		/* A damaged app is reported and passed over; after any other
		 * failure the same app is tried again. */
		if (rc == RELEASE_ECORRUPT)
			iter->next++;
		snprintf(tag, sizeof tag, "app '%s'", name);
		if (!strstr(s->errmsg, tag)) {
			char why[ERRMSG_MAX / 2];

			snprintf(why, sizeof why, "%.250s", s->errmsg);
			fail(s, rc, "%s: %s", tag, why);
		}
		return rc;
	}
	clear_error(s);
	return RELEASE_ITEROVER;
}

RELEASE_API void release_app_iter_free(release_app_iter *iter)
{
	if (!iter)
		return;
	for (size_t i = 0; i < iter->n; i++)
		free(iter->names[i]);
	free(iter->names);
	release_app_free(iter->cur);
	free(iter);
}

RELEASE_API const char *release_app_name(const release_app *app)
{
	return app ? app->name : NULL;
}

RELEASE_API int64_t release_app_created(const release_app *app)
{
	return app ? app->created : 0;
}

RELEASE_API const char *release_app_actor(const release_app *app)
{
	return app ? app->actor : NULL;
}

RELEASE_API const char *release_app_active(const release_app *app)
{
	return app && app->active[0] ? app->active : NULL;
}

RELEASE_API const char *release_app_previous(const release_app *app)
{
	return app && app->previous[0] ? app->previous : NULL;
}

RELEASE_API int release_app_status(const release_app *app)
{
	return app ? app->status : RELEASE_APP_RUNNING;
}

RELEASE_API const char *release_app_status_name(int status)
{
	return status == RELEASE_APP_UPDATING ? "updating" : status == RELEASE_APP_RUNNING ? "running" : NULL;
}

RELEASE_API const char *release_app_lease_owner(const release_app *app)
{
	return app ? app->lease_owner : NULL;
}

RELEASE_API int64_t release_app_lease_expires(const release_app *app)
{
	return app ? app->lease_expires : 0;
}

RELEASE_API int64_t release_app_lease_started(const release_app *app)
{
	return app ? app->lease_started : 0;
}

RELEASE_API void release_app_free(release_app *app)
{
	if (!app)
		return;
	free(app->name);
	free(app->lease_owner);
	free(app->actor);
	free(app);
}
