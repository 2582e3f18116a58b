/* Opening and closing stores: URIs, options and the backend's vtable. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_LEASE_NS ((int64_t)600 * 1000000000) /* 10 minutes */

/* memory_store.c */
extern const release_storage memory_storage;
int memory_open(void **ctx);

/* file/ (the file store) */
extern const release_storage file_storage;
int file_open(void **ctx, const char *path, char *err, size_t errlen);
int file_uri_readonly(const char *path);
void file_see_pending(void *ctx, int on);
int file_same_store(void *a, void *b);

/* Whether two handles are on one store (as far as can be told: the file
 * store knows its directory; other backends are taken as different). */
int same_store(const release_store *a, const release_store *b)
{
	return a == b || (a->st == &file_storage && b->st == &file_storage &&
			  file_same_store(a->ctx, b->ctx));
}

/* Whether the store's backend lets a write read what other writes have
 * committed but not yet made durable (the file store's pending runs): a
 * write built on them is durable only with them, and fails with them. */
int store_sees_pending(const release_store *s)
{
	return s->st == &file_storage;
}

/* Turns such reads on for the reads a write makes before its commit, and
 * off again (commit_ops() turns them off once the commit returns, so that
 * reading back never sees them). */
void store_see_pending(release_store *s, int on)
{
	if (store_sees_pending(s))
		file_see_pending(s->ctx, on);
}

RELEASE_API void release_store_opts_init_sized(release_store_opts *opts, size_t size)
{
	OPTS_INIT(opts, size);
}

/* The caller's options over the defaults; refused as release_store_open()
 * documents. */
static int read_store_opts(release_store_opts *o, const release_store_opts *opts)
{
	int rc;

	release_store_opts_init(o);
	if ((rc = TAKE_OPTS(NULL, o, opts, STORE_OPTS_1_0, "release_store_opts")) != 0)
		return rc;
	if (o->lease_ns < 0)
		return fail(NULL, RELEASE_EINVAL, "lease_ns is negative");
	if (o->actor && !valid_actor(o->actor, strnlen(o->actor, RELEASE_ACTOR_MAX + 1)))
		return fail(NULL, RELEASE_EINVAL,
			    ACTOR_RULE,
			    RELEASE_ACTOR_MAX);
	return 0;
}

static int check_storage(const release_storage *st)
{
	const char *missing = !st->close ? "close" : !st->put ? "put" : !st->get ? "get" :
			      !st->scan ? "scan" : !st->cas ? "cas" : !st->del ? "del" :
			      !st->list_apps ? "list_apps" : NULL;

	/* A backend written for a later version is fine: its struct begins
	 * with every method this library knows. */
	if (st->version < 1)
		return fail(NULL, RELEASE_EUNSUPPORTED, "storage version %d is not supported",
			    st->version);
	if (missing)
		return fail(NULL, RELEASE_EINVAL, "storage is missing mandatory method '%s'",
			    missing);
	return 0;
}

RELEASE_API int release_store_open_backend(release_store **out, const release_storage *storage,
					   void *ctx, const release_store_opts *opts)
{
	release_store_opts o;
	release_store *s;
	int rc;

	if (!out)
		return fail(NULL, RELEASE_EINVAL, "out is NULL");
	*out = NULL;
	if (!storage)
		return fail(NULL, RELEASE_EINVAL, "storage is NULL");
	if ((rc = check_storage(storage)) != 0)
		return rc;
	if ((rc = read_store_opts(&o, opts)) != 0)
		return rc;
	if (!(s = calloc(1, sizeof *s)))
		return fail(NULL, RELEASE_ENOMEM, "out of memory");
	s->st = storage;
	s->ctx = ctx;
	s->clock = o.clock ? o.clock : default_clock;
	s->clock_payload = o.clock_payload;
	s->random = o.random ? o.random : default_random;
	s->random_payload = o.random_payload;
	s->lease_ns = o.lease_ns ? o.lease_ns : DEFAULT_LEASE_NS;
	if (o.actor && !(s->actor = dup_str(o.actor))) {
		free(s);
		return fail(NULL, RELEASE_ENOMEM, "out of memory");
	}
	*out = s;
	return 0;
}

/* The default file store: $XDG_DATA_HOME/librelease, else
 * $HOME/.local/share/librelease, as the XDG base directory rules place data. */
static int default_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;

	if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/librelease", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, len, "%s/.local/share/librelease", home);
	else
		return fail(NULL, RELEASE_EINVAL,
			    "no default store location: neither XDG_DATA_HOME nor HOME is set");
	if (n < 0 || (size_t)n >= len)
		return fail(NULL, RELEASE_EINVAL, "default store path is too long");
	return 0;
}

/* Creates the missing parents of path (0700), as mkdir -p would. */
static int make_parents(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			int rc = fail(NULL, RELEASE_EIO, "creating '%s': %s", path, strerror(errno));

			*p = '/';
			return rc;
		}
		*p = '/';
	}
	return 0;
}

RELEASE_API int release_storage_open(const release_storage **storage, void **ctx,
				     const char *uri)
{
	int rc;

	if (!storage || !ctx)
		return fail(NULL, RELEASE_EINVAL, "storage or ctx is NULL");
	*storage = NULL;
	*ctx = NULL;
	if (!uri)
		return fail(NULL, RELEASE_EINVAL, "store URI is NULL");
	if (strcmp(uri, "memory:") == 0) {
		if ((rc = memory_open(ctx)) != 0)
			return fail(NULL, rc, "opening memory store: %s", release_strerror(rc));
		*storage = &memory_storage;
		return 0;
	}
	if (strncmp(uri, "file:", 5) == 0) {
		const char *path = uri + 5;
		char err[ERRMSG_MAX - 64], def[4096];

		if (strncmp(path, "//", 2) == 0) /* file:///abs/path */
			path += 2;
		if (!*path || *path == '?') {
			/* The default store, with the options given ("file:?mode=ro");
			 * a read-only open creates nothing. A '?' in the default path
			 * is kept the path's by an empty query after it (file_open). */
			if ((rc = default_path(def, sizeof def)) != 0 ||
			    (!file_uri_readonly(path) && (rc = make_parents(def)) != 0))
				return rc;
			if (strlen(def) + strlen(path) + 2 > sizeof def)
				return fail(NULL, RELEASE_EINVAL, "default store path is too long");
			strcat(def, *path ? path : strchr(def, '?') ? "?" : "");
			path = def;
		}
		if ((rc = file_open(ctx, path, err, sizeof err)) != 0)
			return fail(NULL, rc, "opening file store: %s", err);
		*storage = &file_storage;
		return 0;
	}
	return fail(NULL, RELEASE_EUNSUPPORTED,
		    "unknown store URI '%.200s' (known: \"memory:\", \"file:PATH\")", uri);
}

RELEASE_API int release_store_open(release_store **out, const char *uri,
				   const release_store_opts *opts)
{
	const release_storage *st;
	release_store_opts o;
	void *ctx;
	int rc;

	if (!out)
		return fail(NULL, RELEASE_EINVAL, "out is NULL");
	*out = NULL;
	/* Refused options must not leave a new store directory behind. */
	if ((rc = read_store_opts(&o, opts)) != 0 ||
	    (rc = release_storage_open(&st, &ctx, uri)) != 0)
		return rc;
	if ((rc = release_store_open_backend(out, st, ctx, opts)) != 0)
		st->close(ctx);
	return rc;
}

RELEASE_API void release_store_close(release_store *store)
{
	if (!store)
		return;
	store->st->close(store->ctx);
	dcache_free(store);
	free(store->actor);
	free(store);
}
