/* The file store sweep's view of a store: see file_view.h. */
#include "file_view.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_LEN 16

/* ---------------------------------------------------------------- lines */

void lines_add(struct lines *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		if (!l->v)
			abort(); /* never armed here: a real shortage */
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(l->v[l->n] = malloc((size_t)n + 1)))
		abort();
	va_start(ap, fmt);
	vsnprintf(l->v[l->n], (size_t)n + 1, fmt, ap);
	va_end(ap);
	l->n++;
}

void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

int lines_has(const struct lines *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

int lines_equal(const struct lines *a, const struct lines *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

int lines_within(const struct lines *a, const struct lines *b)
{
	for (size_t i = 0; i < a->n; i++)
		if (!lines_has(b, a->v[i]))
			return 0;
	return 1;
}

void lines_without(const struct lines *a, const char *needle, struct lines *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < a->n; i++)
		if (!strstr(a->v[i], needle))
			lines_add(out, "%s", a->v[i]);
}

int one_line_differs(const struct lines *now, const struct lines *want, const char *needle)
{
	size_t differ = 0;
	int mentions = 0;

	if (now->n != want->n)
		return 0;
	for (size_t i = 0; i < now->n; i++)
		if (!lines_has(want, now->v[i])) {
			differ++;
			mentions = strstr(now->v[i], needle) != NULL;
		}
	return differ == 1 && mentions;
}

int some_line_has(const struct lines *l, const char *a, const char *b)
{
	for (size_t i = 0; i < l->n; i++)
		if (strstr(l->v[i], a) && strstr(l->v[i], b))
			return 1;
	return 0;
}

void appendf(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

void lines_diff(const struct lines *a, const struct lines *b, char *buf, size_t size)
{
	for (size_t i = 0; i < a->n; i++)
		if (!lines_has(b, a->v[i]))
			appendf(buf, size, "\n      - %.300s", a->v[i]);
	for (size_t i = 0; i < b->n; i++)
		if (!lines_has(a, b->v[i]))
			appendf(buf, size, "\n      + %.300s", b->v[i]);
}

/* ----------------------------------------------------------------- dump */

#define OR_DASH(s) ((s) ? (s) : "-")

#define FAILED(rc, s, what)                                                            \
	do {                                                                           \
		snprintf(why, size, "%s -> %d (%s): %s", what, rc, release_strerror(rc), \
			 release_store_errmsg(s));                                     \
	} while (0)

static void dump_env(const release *x, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < release_env_count(x); i++)
		appendf(buf, size, "%s%s=%s", i ? "," : "", release_env_key(x, i),
			release_env_value(x, i));
}

static int dump_app(release_store *s, const char *name, int flags, struct lines *out, char *why,
		    size_t size)
{
	release_iter *it = NULL;
	release_build_iter *bi = NULL;
	const release *x;
	const release_build *b;
	int rc;

	if ((rc = release_list(s, name, NULL, &it)) != 0) {
		FAILED(rc, s, "release_list");
		return rc;
	}
	while ((rc = release_iter_next(it, &x)) == 0) {
		char env[4096], stamps[64] = "", manifest[41];

		/* the manifest's start, on one line */
		snprintf(manifest, sizeof manifest, "%s", release_manifest(x));
		for (char *p = manifest; *p; p++)
			if (*p == '\n')
				*p = '|';
		dump_env(x, env, sizeof env);
		if (!(flags & V_NO_STAMPS))
			snprintf(stamps, sizeof stamps, " promoted=%" PRId64 " failed=%" PRId64,
				 release_promoted(x), release_failed(x));
		lines_add(out,
			  "%s release v%" PRIu64 " id=%s build=%s source=%s created=%" PRId64
			  "%s active=%d description=\"%s\" manifest=\"%s\" env=%s",
			  name, release_version(x), release_id(x), OR_DASH(release_build_of(x)),
			  OR_DASH(release_source(x)), release_created(x), stamps,
			  release_is_active(x), release_description(x), manifest, env);
	}
	release_iter_free(it);
	if (rc != RELEASE_ITEROVER) {
		FAILED(rc, s, "release_iter_next");
		return rc;
	}
	if ((rc = release_build_list(s, name, 0, &bi)) != 0) {
		FAILED(rc, s, "release_build_list");
		return rc;
	}
	while ((rc = release_build_iter_next(bi, &b)) == 0) {
		char link[64] = "";

		if (!(flags & V_NO_LINKS))
			snprintf(link, sizeof link, " release=%s", OR_DASH(release_build_release(b)));
		lines_add(out,
			  "%s build id=%s status=%d started=%" PRId64 " ended=%" PRId64
			  "%s description=\"%s\"",
			  name, release_build_id(b), release_build_status(b),
			  release_build_started(b), release_build_ended(b), link,
			  release_build_description(b));
	}
	release_build_iter_free(bi);
	if (rc != RELEASE_ITEROVER) {
		FAILED(rc, s, "release_build_iter_next");
		return rc;
	}
	return 0;
}

int view_dump(release_store *s, int flags, struct lines *out, char *why, size_t size)
{
	release_app_iter *ai = NULL;
	const release_app *a;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = release_app_list(s, &ai)) != 0) {
		FAILED(rc, s, "release_app_list");
		return rc;
	}
	while ((rc = release_app_iter_next(ai, &a)) == 0) {
		const char *name = release_app_name(a);

		lines_add(out, "app %s created=%" PRId64 " active=%s previous=%s", name,
			  release_app_created(a), OR_DASH(release_app_active(a)),
			  OR_DASH(release_app_previous(a)));
		if ((rc = dump_app(s, name, flags, out, why, size)) != 0)
			break;
	}
	release_app_iter_free(ai);
	if (rc == RELEASE_ITEROVER)
		return 0;
	if (!why[0])
		FAILED(rc, s, "release_app_iter_next");
	return rc;
}

int view_apps(release_store *s, struct lines *out, char *why, size_t size)
{
	release_app_iter *ai = NULL;
	const release_app *a;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = release_app_list(s, &ai)) != 0) {
		FAILED(rc, s, "release_app_list");
		return rc;
	}
	while ((rc = release_app_iter_next(ai, &a)) == 0)
		lines_add(out, "%s", release_app_name(a));
	release_app_iter_free(ai);
	if (rc == RELEASE_ITEROVER)
		return 0;
	FAILED(rc, s, "release_app_iter_next");
	return rc;
}

int view_leased(release_store *s, char *why, size_t size)
{
	release_app_iter *ai = NULL;
	const release_app *a;
	int rc, held = 0;

	if ((rc = release_app_list(s, &ai)) != 0) {
		FAILED(rc, s, "release_app_list");
		return rc;
	}
	while ((rc = release_app_iter_next(ai, &a)) == 0)
		held |= release_app_status(a) == RELEASE_APP_UPDATING;
	release_app_iter_free(ai);
	if (rc == RELEASE_ITEROVER)
		return held;
	FAILED(rc, s, "release_app_iter_next");
	return rc;
}

/* ----------------------------------------------------------- invariants */

#define BROKEN(...)                                                                    \
	do {                                                                           \
		snprintf(why, size, __VA_ARGS__);                                      \
		goto out;                                                              \
	} while (0)

static int check_app(release_store *s, const char *name, char *why, size_t size)
{
	release_app *a = NULL;
	release_iter *it = NULL;
	release *y = NULL;
	const release *x;
	char active[ID_LEN] = "";
	uint64_t last = 0, version;
	size_t actives = 0;
	int rc, bad = -1;

	if ((rc = release_app_get(s, name, &a)) != 0)
		BROKEN("app %s: release_app_get -> %d: %s", name, rc, release_store_errmsg(s));
	if (release_app_status(a) != RELEASE_APP_RUNNING)
		BROKEN("app %s is still updating after its lease expired", name);
	if (release_app_active(a))
		snprintf(active, sizeof active, "%s", release_app_active(a));
	if ((rc = release_list(s, name, NULL, &it)) != 0)
		BROKEN("app %s: release_list -> %d: %s", name, rc, release_store_errmsg(s));
	while ((rc = release_iter_next(it, &x)) == 0) {
		version = release_version(x);
		if (last && version != last - 1)
			BROKEN("app %s: version %" PRIu64 " follows %" PRIu64 " (a gap)", name, version,
			       last);
		last = version;
		if (release_is_active(x)) {
			actives++;
			if (strcmp(release_id(x), active) != 0)
				BROKEN("app %s: %s is marked active, %s is", name, release_id(x), active);
		}
		if ((rc = release_get(s, name, release_id(x), &y)) != 0)
			BROKEN("app %s: release_get of listed %s -> %d: %s", name, release_id(x), rc,
			       release_store_errmsg(s));
		if (release_version(y) != version)
			BROKEN("app %s: release_get of %s disagrees with the listing", name,
			       release_id(x));
		release_free(y);
		y = NULL;
		if ((rc = release_get_version(s, name, version, &y)) != 0)
			BROKEN("app %s: release_get_version(%" PRIu64 ") of a listed version -> %d: %s",
			       name, version, rc, release_store_errmsg(s));
		if (strcmp(release_id(y), release_id(x)) != 0)
			BROKEN("app %s: version %" PRIu64 " is %s by version, %s in the listing", name,
			       version, release_id(y), release_id(x));
		release_free(y);
		y = NULL;
	}
	if (rc != RELEASE_ITEROVER)
		BROKEN("app %s: listing releases -> %d: %s", name, rc, release_store_errmsg(s));
	if (actives != (active[0] ? 1u : 0u))
		BROKEN("app %s: %zu listed releases are marked active; the app's active is %s", name,
		       actives, active[0] ? active : "none");
	bad = 0;
out:
	release_free(y);
	release_iter_free(it);
	release_app_free(a);
	return bad;
}

int view_check(release_store *s, char *why, size_t size)
{
	struct lines names;
	int rc = view_apps(s, &names, why, size);

	for (size_t i = 0; rc == 0 && i < names.n; i++)
		rc = check_app(s, names.v[i], why, size);
	lines_free(&names);
	return rc;
}

int view_follow_up(release_store *s, const char *const *apps, size_t n, char *why, size_t size)
{
	struct lines names;
	int rc = view_apps(s, &names, why, size);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (lines_has(&names, apps[i]))
			continue;
		if ((rc = release_app_create(s, apps[i], NULL)) != 0)
			FAILED(rc, s, "creating a deleted app again");
		else
			lines_add(&names, "%s", apps[i]);
	}
	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		const char *pair = "FOLLOW_UP=1";
		release *x = NULL;

		if ((rc = release_env_set(s, names.v[i], &pair, 1, &x)) != 0) {
			FAILED(rc, s, "env set after the fault");
			break;
		}
		if (!x) {
			snprintf(why, size, "app %s: env set after the fault made no release", names.v[i]);
			rc = -1;
			break;
		}
		if ((rc = release_promote(s, names.v[i], release_id(x), NULL)) != 0)
			FAILED(rc, s, "promotion after the fault");
		release_free(x);
	}
	lines_free(&names);
	return rc;
}
