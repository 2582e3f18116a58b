/* Apps: creation, deletion, listing, and their state as read. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define PURGE_PAGE 256

struct release_app_iter {
	release_app **apps;
	size_t n, next;
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
	if (decode_app(raw->data, raw->len, a, deleting) != 0 || strcmp(a->name, name) != 0) {
		raw_free(raw);
		free(a->name);
		a->name = NULL;
		return fail(s, RELEASE_ECORRUPT, "app '%s': app record is corrupt", name);
	}
	*found = 1;
	return 0;
}

int require_app(release_store *s, const char *app)
{
	release_app a = {0};
	struct raw raw;
	int found, deleting, rc = read_app(s, app, &a, &raw, &found, &deleting);

	free(a.name);
	raw_free(&raw);
	if (rc == 0 && (!found || deleting))
		rc = fail(s, RELEASE_ENOTFOUND, "app '%s' not found", app);
	return rc;
}

static int collect_key(void *payload, uint64_t seq, const char *key, const void *data,
		       size_t len)
{
	char (*keys)[KEY_MAX + 1] = ((void **)payload)[0];
	size_t *n = ((void **)payload)[1];

	(void)seq;
	(void)data;
	(void)len;
	if (strlen(key) > KEY_MAX)
		return RELEASE_ECORRUPT;
	strcpy(keys[(*n)++], key);
	return 0;
}

/* Deletes every record of one ordered kind, newest first, a page at a time. */
static int purge_kind(release_store *s, const char *app, int kind)
{
	static const size_t page = PURGE_PAGE;
	char (*keys)[KEY_MAX + 1] = malloc(page * sizeof *keys);
	int rc = 0;

	if (!keys)
		return fail(s, RELEASE_ENOMEM, "out of memory");
	for (;;) {
		size_t n = 0;
		void *args[2] = {keys, &n};

		rc = s->st->scan(s->ctx, app, kind, UINT64_MAX, page, collect_key, args);
		if (rc != 0) {
			rc = fail_backend(s, rc, "deleting app");
			break;
		}
		if (n == 0)
			break;
		for (size_t i = 0; i < n && rc == 0; i++) {
			rc = s->st->del(s->ctx, app, kind, keys[i]);
			if (rc == RELEASE_ENOTFOUND) /* someone else is deleting too */
				rc = 0;
			if (rc != 0)
				rc = fail_backend(s, rc, "deleting app");
		}
		if (rc != 0)
			break;
	}
	free(keys);
	return rc;
}

static int purge_app(release_store *s, const char *app)
{
	static const char *const meta[] = {"active", "lease"};
	int rc = purge_kind(s, app, RELEASE_KIND_RELEASE);

	if (rc == 0)
		rc = purge_kind(s, app, RELEASE_KIND_BUILD);
	for (size_t i = 0; rc == 0 && i < 2; i++) {
		rc = s->st->del(s->ctx, app, RELEASE_KIND_META, meta[i]);
		if (rc == RELEASE_ENOTFOUND)
			rc = 0;
		if (rc != 0)
			rc = fail_backend(s, rc, "deleting app");
	}
	return rc;
}

RELEASE_API int release_app_create(release_store *store, const char *name, release_app **out)
{
	release_app a = {0};
	struct raw raw;
	struct buf b = {0};
	int found, deleting, rc;

	if (out)
		*out = NULL;
	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	if ((rc = check_app(store, name)) != 0)
		return rc;
	if ((rc = read_app(store, name, &a, &raw, &found, &deleting)) != 0)
		return rc;
	free(a.name);
	if (found && !deleting) {
		raw_free(&raw);
		return fail(store, RELEASE_EEXIST, "app '%s' already exists", name);
	}
	/* A tombstone means a deletion was interrupted: finish it first, so the
	 * new app starts with no history. */
	if (found && (rc = purge_app(store, name)) != 0) {
		raw_free(&raw);
		return rc;
	}
	encode_app(&b, name, store_now(store), 0);
	rc = b.err ? fail(store, b.err, "encoding app") :
		     store->st->cas(store->ctx, name, RELEASE_KIND_META, "app", raw.data, raw.len,
				    b.p, b.len);
	buf_free(&b);
	raw_free(&raw);
	if (rc == RELEASE_ECONFLICT)
		return fail(store, RELEASE_EEXIST, "app '%s' already exists", name);
	if (rc != 0)
		return fail_backend(store, rc, "creating app");
	return out ? release_app_get(store, name, out) : 0;
}

RELEASE_API int release_app_delete(release_store *store, const char *name)
{
	release_app a = {0};
	struct raw raw;
	struct buf b = {0};
	int found, deleting, rc;

	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	if ((rc = check_app(store, name)) != 0)
		return rc;
	if ((rc = read_app(store, name, &a, &raw, &found, &deleting)) != 0)
		return rc;
	if (!found) {
		free(a.name);
		return fail(store, RELEASE_ENOTFOUND, "app '%s' not found", name);
	}
	if (deleting) {
		/* An earlier deletion was interrupted: finish it. */
		free(a.name);
		b.p = raw.data;
		b.len = raw.len;
		rc = purge_app(store, name);
		goto drop_tombstone;
	}
	/* Tombstone first: from here on the app and its ids are gone for every
	 * reader, whatever happens to the rest of the deletion. */
	encode_app(&b, name, a.created, 1);
	free(a.name);
	rc = b.err ? fail(store, b.err, "encoding app") :
		     store->st->cas(store->ctx, name, RELEASE_KIND_META, "app", raw.data, raw.len,
				    b.p, b.len);
	raw_free(&raw);
	if (rc == RELEASE_ECONFLICT)
		rc = fail(store, RELEASE_ENOTFOUND, "app '%s' not found", name);
	else if (rc != 0)
		rc = fail_backend(store, rc, "deleting app");
	if (rc == 0)
		rc = purge_app(store, name);
drop_tombstone:
	if (rc == 0) {
		rc = store->st->cas(store->ctx, name, RELEASE_KIND_META, "app", b.p, b.len, NULL, 0);
		if (rc == RELEASE_ECONFLICT) /* recreated meanwhile: not ours to remove */
			rc = 0;
		if (rc != 0)
			rc = fail_backend(store, rc, "deleting app");
	}
	buf_free(&b);
	return rc;
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

		if (decode_lease(raw.data, raw.len, &l) != 0) {
			rc = fail(s, RELEASE_ECORRUPT, "app '%s': lease record is corrupt", name);
		} else if (l.expires > store_now(s)) {
			a->status = RELEASE_APP_UPDATING;
			a->lease_owner = l.owner;
			a->lease_expires = l.expires;
		} else {
			free(l.owner);
		}
		raw_free(&raw);
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
	if (rc == 0 && nm.n && !(it->apps = calloc(nm.n, sizeof *it->apps)))
		rc = fail(store, RELEASE_ENOMEM, "out of memory");
	if (rc == 0 && nm.n > 1)
		qsort(nm.v, nm.n, sizeof *nm.v, by_name);
	for (size_t i = 0; rc == 0 && i < nm.n; i++) {
		if (!valid_app(nm.v[i]))
			continue; /* not ours to show */
		rc = load_app(store, nm.v[i], &it->apps[it->n]);
		if (rc == RELEASE_ENOTFOUND) /* records without a live app record */
			rc = 0;
		else if (rc == 0)
			it->n++;
	}
	for (size_t i = 0; i < nm.n; i++)
		free(nm.v[i]);
	free(nm.v);
	if (rc != 0) {
		release_app_iter_free(it);
		return rc;
	}
	clear_error(store);
	*out = it;
	return 0;
}

RELEASE_API int release_app_iter_next(release_app_iter *iter, const release_app **out)
{
	if (!iter || !out)
		return RELEASE_EINVAL;
	*out = NULL;
	if (iter->next >= iter->n)
		return RELEASE_ITEROVER;
	*out = iter->apps[iter->next++];
	return 0;
}

RELEASE_API void release_app_iter_free(release_app_iter *iter)
{
	if (!iter)
		return;
	for (size_t i = 0; i < iter->n; i++)
		release_app_free(iter->apps[i]);
	free(iter->apps);
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

RELEASE_API void release_app_free(release_app *app)
{
	if (!app)
		return;
	free(app->name);
	free(app->lease_owner);
	free(app);
}
