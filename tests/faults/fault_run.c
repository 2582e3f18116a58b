/* One run of the fault sweep: see fault_run.h. */
#include "fault_run.h"

/* ------------------------------------------------------------ reporting */

char where[1024];
int version_1;

void check_failed(const char *file, int line, const char *fmt, ...)
{
	const char *base = strrchr(file, '/');
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fail_msg("%s%s\n  %s:%d: %s", where, version_1 ? " [on a version-1 backend]" : "",
		 base ? base + 1 : file, line, msg);
}

void appendf(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------- one run */

void run_open(struct run *r, int with_errmsg)
{
	release_store_opts o;

	memset(r, 0, sizeof *r);
	r->clock.now = INT64_C(1546300800) * SEC; /* 2019-01-01T00:00:00Z */
	r->clock.step = SEC;
	r->random.state = 0x2545f4914f6cdd1du;
	r->fb = fault_backend_new(with_errmsg);
	release_store_opts_init(&o);
	o.clock = test_clock_read;
	o.clock_payload = &r->clock;
	o.random = test_random_fill;
	o.random_payload = &r->random;
	o.lease_ns = LEASE_NS;
	assert_ok(release_store_open_backend(&r->s, &r->fb->vt, r->fb, &o));
}

void run_close(struct run *r)
{
	release_store_close(r->s);
	r->s = NULL;
	r->fb = NULL;
}

void copy_id(char dst[ID_LEN], const char *id)
{
	assert_non_null(id);
	assert_true(strlen(id) < ID_LEN);
	strcpy(dst, id);
}

static void make_build(release_store *s, const char *app, const char *description, int status,
		       char id[ID_LEN])
{
	release_build_opts o;
	release_build *b = NULL;

	release_build_opts_init(&o);
	o.description = description;
	o.manifest = "services:\n  web:\n    port: 3000\n";
	o.status = status;
	assert_store_ok(s, release_build_create(s, app, &o, &b));
	copy_id(id, release_build_id(b));
	release_build_free(b);
}

void history(struct run *r)
{
	static const char *const pairs[] = {"FOO=2", "BAR=x"};
	release_store *s = r->s;
	release *x;

	make_app(s, "web");
	make_app(s, "api");
	make_app(s, "idle");

	x = make_build_release(s, "web", "first");
	copy_id(r->h.r[1], release_id(x));
	copy_id(r->h.b[1], release_build_of(x));
	release_free(x);
	promote(s, "web", r->h.r[1]);

	x = set_env(s, "web", "FOO=1");
	copy_id(r->h.r[2], release_id(x));
	release_free(x);
	promote(s, "web", r->h.r[2]);

	x = make_build_release(s, "web", "second");
	copy_id(r->h.r[3], release_id(x));
	copy_id(r->h.b[2], release_build_of(x));
	release_free(x);
	promote(s, "web", r->h.r[3]);

	assert_store_ok(s, release_env_set(s, "web", pairs, 2, &x));
	copy_id(r->h.r[4], release_id(x));
	release_free(x);
	promote(s, "web", r->h.r[4]);

	x = make_build_release(s, "web", "third");
	copy_id(r->h.r[5], release_id(x));
	copy_id(r->h.b[3], release_build_of(x));
	release_free(x);

	make_build(s, "web", "fourth", RELEASE_BUILD_RUNNING, r->h.b[4]);
	make_build(s, "web", "fifth", RELEASE_BUILD_COMPLETE, r->h.b[5]);

	x = make_build_release(s, "api", "api first");
	promote(s, "api", release_id(x));
	release_free(x);
}

/* The history, plus an app with more releases and builds than one page. */
void long_history(struct run *r)
{
	char id[ID_LEN];

	history(r);
	make_app(r->s, "long");
	for (int i = 0; i < LONG_N; i++) {
		char pair[32];
		release *x;

		snprintf(pair, sizeof pair, "N=%d", i);
		x = set_env(r->s, "long", pair);
		release_free(x);
		make_build(r->s, "long", "", RELEASE_BUILD_COMPLETE, id);
	}
}

/* ----------------------------------------------- the store, as a listing */

void lines_add(struct lines *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		assert_non_null(l->v);
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	l->v[l->n] = malloc((size_t)n + 1);
	assert_non_null(l->v[l->n]);
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

/* Every line of a is in b. */
int lines_within(const struct lines *a, const struct lines *b)
{
	for (size_t i = 0; i < a->n; i++)
		if (!lines_has(b, a->v[i]))
			return 0;
	return 1;
}

/* The lines of a that do not mention needle. */
void lines_without(const struct lines *a, const char *needle, struct lines *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < a->n; i++)
		if (!strstr(a->v[i], needle))
			lines_add(out, "%s", a->v[i]);
}

#define OR_DASH(s) ((s) ? (s) : "-")

static void dump_env(const release *x, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < release_env_count(x) && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s=%s", i ? "," : "",
				 release_env_key(x, i), release_env_value(x, i));

		assert_true(n >= 0);
		used += (size_t)n;
	}
}

/* Everything the public API shows of the store, a line per object, in a
 * fixed order. Lease state is left out: it depends on the clock and is
 * checked on its own. */
void dump(release_store *s, int flags, struct lines *out)
{
	release_app_iter *ai = NULL;
	const release_app *a;
	int rc;

	memset(out, 0, sizeof *out);
	CHECK_RC(release_app_list(s, &ai), s, "release_app_list");
	while ((rc = release_app_iter_next(ai, &a)) == 0) {
		const char *name = release_app_name(a);
		release_iter *it = NULL;
		release_build_iter *bi = NULL;
		const release *x;
		const release_build *b;

		lines_add(out, "app %s created=%" PRId64 " active=%s previous=%s", name,
			  release_app_created(a), OR_DASH(release_app_active(a)),
			  OR_DASH(release_app_previous(a)));
		CHECK_RC(release_list(s, name, NULL, &it), s, "release_list");
		while ((rc = release_iter_next(it, &x)) == 0) {
			char env[4096], stamps[64] = "";

			dump_env(x, env, sizeof env);
			if (!(flags & D_NO_STAMPS))
				snprintf(stamps, sizeof stamps, " promoted=%" PRId64 " failed=%" PRId64,
					 release_promoted(x), release_failed(x));
			lines_add(out,
				  "%s release v%" PRIu64 " id=%s build=%s source=%s created=%" PRId64
				  "%s active=%d description=\"%s\" manifest=\"%s\" env=%s",
				  name, release_version(x), release_id(x), OR_DASH(release_build_of(x)),
				  OR_DASH(release_source(x)), release_created(x), stamps,
				  release_is_active(x), release_description(x), release_manifest(x),
				  env);
		}
		CHECK(rc == RELEASE_ITEROVER, "listing releases ends cleanly");
		release_iter_free(it);
		CHECK_RC(release_build_list(s, name, 0, &bi), s, "release_build_list");
		while ((rc = release_build_iter_next(bi, &b)) == 0) {
			char link[64] = "";

			if (!(flags & D_NO_LINKS))
				snprintf(link, sizeof link, " release=%s",
					 OR_DASH(release_build_release(b)));
			lines_add(out,
				  "%s build id=%s status=%d started=%" PRId64 " ended=%" PRId64
				  "%s description=\"%s\"",
				  name, release_build_id(b), release_build_status(b),
				  release_build_started(b), release_build_ended(b), link,
				  release_build_description(b));
		}
		CHECK(rc == RELEASE_ITEROVER, "listing builds ends cleanly");
		release_build_iter_free(bi);
	}
	CHECK(rc == RELEASE_ITEROVER, "listing apps ends cleanly");
	release_app_iter_free(ai);
}

int64_t latest_promoted(release_store *s, const char *app)
{
	release_iter *it = NULL;
	const release *x;
	int64_t latest = 0;
	int rc;

	CHECK_RC(release_list(s, app, NULL, &it), s, "release_list");
	while ((rc = release_iter_next(it, &x)) == 0)
		if (release_promoted(x) > latest)
			latest = release_promoted(x);
	CHECK(rc == RELEASE_ITEROVER, "listing releases ends cleanly");
	release_iter_free(it);
	return latest;
}

/* ------------------------------------------------------------ invariants */

struct listed {
	char id[ID_LEN];
	uint64_t version;
	int active;
};

/* The invariants of one app, read through the public API. Call it after the
 * lease has expired. */
static void check_app(release_store *s, const char *name)
{
	release_app *a = NULL;
	release_iter *it = NULL;
	release_build_iter *bi = NULL;
	const release *x;
	const release_build *b;
	struct listed *v = NULL;
	size_t n = 0, cap = 0, actives = 0;
	char active[ID_LEN] = "", previous[ID_LEN] = "";
	int rc;

	CHECK_RC(release_app_get(s, name, &a), s, "release_app_get");
	CHECK(strcmp(release_app_name(a), name) == 0, "the app is the one asked for");
	CHECK(release_app_status(a) == RELEASE_APP_RUNNING,
	      "no app is stuck updating once the lease has expired");
	CHECK(release_app_lease_owner(a) == NULL, "an expired lease shows no owner");
	if (release_app_active(a))
		copy_id(active, release_app_active(a));
	if (release_app_previous(a))
		copy_id(previous, release_app_previous(a));
	release_app_free(a);

	CHECK_RC(release_list(s, name, NULL, &it), s, "release_list");
	while ((rc = release_iter_next(it, &x)) == 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = realloc(v, cap * sizeof *v);
			assert_non_null(v);
		}
		copy_id(v[n].id, release_id(x));
		v[n].version = release_version(x);
		v[n].active = release_is_active(x);
		CHECK(strcmp(release_app_of(x), name) == 0, "a listed release belongs to its app");
		if (n > 0 && v[n].version != v[n - 1].version - 1)
			check_failed(__FILE__, __LINE__,
				     "app %s: version %" PRIu64 " follows %" PRIu64
				     " (versions must fall by one, without gaps)",
				     name, v[n].version, v[n - 1].version);
		CHECK(v[n].version >= 1, "versions start at 1");
		if (v[n].active) {
			actives++;
			CHECK(strcmp(v[n].id, active) == 0,
			      "the release marked active is the app's active release");
		}
		n++;
	}
	CHECK(rc == RELEASE_ITEROVER, "listing releases ends cleanly");
	release_iter_free(it);
	CHECK(actives == (active[0] ? 1u : 0u), "exactly the active release is marked active");
	if (!active[0])
		CHECK(!previous[0], "no previous release without an active one");

	for (size_t i = 0; i < n; i++) {
		release *y = NULL;

		CHECK_RC(release_get(s, name, v[i].id, &y), s, "release_get of a listed release");
		CHECK(release_version(y) == v[i].version, "release_get agrees with the listing");
		CHECK(release_is_active(y) == v[i].active, "release_get agrees on being active");
		if (release_build_of(y)) {
			release_build *bb = NULL;

			CHECK_RC(release_build_get(s, name, release_build_of(y), &bb), s,
				 "the build of a release exists");
			release_build_free(bb);
		}
		release_free(y);
		CHECK_RC(release_get_version(s, name, v[i].version, &y), s,
			 "release_get_version of a listed version");
		CHECK(strcmp(release_id(y), v[i].id) == 0, "release_get_version agrees");
		release_free(y);
	}
	if (active[0]) {
		release *y = NULL;

		CHECK_RC(release_get(s, name, active, &y), s, "the active release exists");
		CHECK(release_is_active(y), "the active release reads as active");
		release_free(y);
	}
	if (previous[0]) {
		release *y = NULL;

		CHECK_RC(release_get(s, name, previous, &y), s, "the previous release exists");
		release_free(y);
	}
	free(v);

	CHECK_RC(release_build_list(s, name, 0, &bi), s, "release_build_list");
	while ((rc = release_build_iter_next(bi, &b)) == 0)
		CHECK(strcmp(release_build_app(b), name) == 0, "a listed build belongs to its app");
	CHECK(rc == RELEASE_ITEROVER, "listing builds ends cleanly");
	release_build_iter_free(bi);
}

static void app_names(release_store *s, struct lines *out)
{
	release_app_iter *ai = NULL;
	const release_app *a;
	int rc;

	memset(out, 0, sizeof *out);
	CHECK_RC(release_app_list(s, &ai), s, "release_app_list");
	while ((rc = release_app_iter_next(ai, &a)) == 0)
		lines_add(out, "%s", release_app_name(a));
	CHECK(rc == RELEASE_ITEROVER, "listing apps ends cleanly");
	release_app_iter_free(ai);
}

void check_store(release_store *s)
{
	struct lines names;

	app_names(s, &names);
	for (size_t i = 0; i < names.n; i++)
		check_app(s, names.v[i]);
	lines_free(&names);
}

/* Normal work goes on: an env change and its promotion succeed on every app.
 * An app of the history that is gone (deleted) is created again, empty. */
void follow_up(release_store *s)
{
	static const char *const history_apps[] = {"web", "api", "idle"};
	struct lines names;

	app_names(s, &names);
	for (size_t i = 0; i < sizeof history_apps / sizeof *history_apps; i++) {
		if (lines_has(&names, history_apps[i]))
			continue;
		CHECK_RC(release_app_create(s, history_apps[i], NULL), s,
			 "creating a deleted app again");
		CHECK(count_releases(s, history_apps[i]) == 0, "an app created again has no history");
		lines_add(&names, "%s", history_apps[i]);
	}
	for (size_t i = 0; i < names.n; i++) {
		const char *pair = "FOLLOW_UP=1";
		release *x = NULL;

		CHECK_RC(release_env_set(s, names.v[i], &pair, 1, &x), s, "env set after the fault");
		CHECK(x != NULL, "the env change made a release");
		CHECK_RC(release_promote(s, names.v[i], release_id(x), NULL), s,
			 "promotion after the fault");
		CHECK(strcmp(active_of(s, names.v[i]), release_id(x)) == 0,
		      "the promoted release is active");
		release_free(x);
	}
	lines_free(&names);
}
