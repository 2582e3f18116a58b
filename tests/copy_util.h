/* Helpers of the store copy tests: stores with a history of every kind,
 * compared through the public API and record by record. Each asserts. */
#ifndef RELEASE_TEST_COPY_UTIL_H
#define RELEASE_TEST_COPY_UTIL_H

#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEC INT64_C(1000000000)

/* A store on a shared backend (so its raw records and writes can be seen),
 * with its own clock and random source. */
struct side {
	struct test_clock clock;
	struct test_random random;
	struct shared_backend *b;
	release_store *s;
};

/* uri: a fresh store's (test_store_uri(), test_fresh_uri()); clocks of
 * different sides start at different times, so that apps made apart differ. */
static inline struct side *side_open(const char *uri, int64_t start)
{
	struct side *d = calloc(1, sizeof *d);
	release_store_opts o;

	assert_non_null(d);
	d->clock.now = start;
	d->clock.step = SEC;
	d->random.state = 0x2545f4914f6cdd1du ^ (uint64_t)start;
	d->b = shared_backend_new_uri(uri);
	release_store_opts_init(&o);
	o.clock = test_clock_read;
	o.clock_payload = &d->clock;
	o.random = test_random_fill;
	o.random_payload = &d->random;
	d->s = shared_backend_open(d->b, &o);
	return d;
}

static inline void side_close(struct side *d)
{
	if (!d)
		return;
	release_store_close(d->s);
	shared_backend_unref(d->b);
	free(d);
}

static inline int side_keeps_log(const struct side *d)
{
	return shared_backend_version(d->b) >= 3;
}

static inline uint64_t side_writes(const struct side *d)
{
	struct write_counts c;

	shared_backend_counts(d->b, &c);
	return c.put + c.cas + c.del;
}

static inline int copy_deploy_fails(void *payload, const release *r, release_events *ev)
{
	(void)payload;
	(void)r;
	(void)ev;
	return 3;
}

static inline release_build *copy_build(release_store *s, const char *app, int status,
					const char *log)
{
	release_build_opts o;
	release_build *b = NULL;

	release_build_opts_init(&o);
	o.description = "build 0a1b2c3d my commit\nsecond line";
	o.manifest = "services:\n  web:\n    image: app@sha256:0123\n";
	o.status = status;
	o.log = log;
	o.log_len = log ? strlen(log) : 0;
	assert_store_ok(s, release_build_create(s, app, &o, &b));
	return b;
}

/*
 * "alpha": builds of every status with logs, releases from builds and env
 * changes, promotions (forced, failed), rollbacks (one failed), releases
 * made from others, settings, several actors, and a prune.
 * "beta": a running build only. "gamma": env releases, never promoted.
 */
static inline void populate(release_store *s)
{
	release_promote_opts fail_o, force_o;
	release_build *b1, *b2, *b3;
	release *r1 = NULL, *r2 = NULL, *r3 = NULL, *tmp = NULL;
	const char *masks[] = {"SECRET", "TOKEN"};
	const char *unset = "FOO";
	release_settings_opts so;
	release_create_opts co;

	release_promote_opts_init(&fail_o);
	fail_o.deploy = copy_deploy_fails;
	release_promote_opts_init(&force_o);
	force_o.flags = RELEASE_PROMOTE_FORCE;

	make_app(s, "alpha");
	assert_store_ok(s, release_store_set_actor(s, "ci@build-host"));
	b1 = copy_build(s, "alpha", RELEASE_BUILD_COMPLETE, "step 1\nstep 2\n");
	b2 = copy_build(s, "alpha", RELEASE_BUILD_RUNNING, "compiling\n");
	assert_store_ok(s, release_build_log_append(s, "alpha", release_build_id(b2), "\0bin\xff", 5,
						    NULL));
	assert_store_ok(s, release_build_complete(s, "alpha", release_build_id(b2), &r2));
	b3 = copy_build(s, "alpha", RELEASE_BUILD_FAILED, "error: no\n");
	release_build_free(copy_build(s, "alpha", RELEASE_BUILD_CREATED, NULL));
	assert_store_ok(s, release_store_set_actor(s, "alice@example.com"));
	assert_store_ok(s, release_create(s, "alpha", release_build_id(b1), &r1));
	release_free(set_env(s, "alpha", "FOO=bar"));
	release_free(set_env(s, "alpha", "SECRET=hunter2"));
	promote(s, "alpha", release_id(r1));
	assert_store_ok(s, release_store_set_actor(s, "bob"));
	release_free(make_build_release(s, "alpha", "old one"));
	assert_store_ok(s, release_env_unset(s, "alpha", &unset, 1, &r3));
	promote(s, "alpha", release_id(r3));
	assert_int_equal(release_promote(s, "alpha", release_id(r2), &force_o), 0);
	assert_store_ok(s, release_rollback(s, "alpha", NULL, NULL, NULL));
	assert_int_equal(release_rollback(s, "alpha", release_id(r1), &fail_o, NULL),
			 RELEASE_EDEPLOY);
	release_create_opts_init(&co);
	co.build_from = release_id(r1);
	assert_store_ok(s, release_create_from(s, "alpha", &co, &tmp));
	assert_int_equal(release_promote(s, "alpha", release_id(tmp), &fail_o), RELEASE_EDEPLOY);
	release_free(tmp);
	tmp = set_env(s, "alpha", "TOKEN=x");
	promote(s, "alpha", release_id(tmp));
	release_free(tmp);
	release_settings_opts_init(&so);
	so.mask_add = masks;
	so.mask_add_n = 2;
	so.hook = "#!/bin/sh\nexec deploy \"$@\"\n";
	assert_store_ok(s, release_settings_update(s, "alpha", &so, NULL));
	assert_store_ok(s, release_prune(s, "alpha", 2, NULL));

	make_app(s, "beta");
	release_build_free(copy_build(s, "beta", RELEASE_BUILD_RUNNING, "half\n"));

	make_app(s, "gamma");
	release_free(set_env(s, "gamma", "A=1"));
	release_free(set_env(s, "gamma", "B="));
	assert_store_ok(s, release_store_set_actor(s, NULL));

	release_build_free(b1);
	release_build_free(b2);
	release_build_free(b3);
	release_free(r1);
	release_free(r2);
	release_free(r3);
}

/* -------------------------------------------- comparing through the API */

#define SAME_STR(a, b)                                                                 \
	do {                                                                           \
		const char *x_ = (a), *y_ = (b);                                       \
		if ((x_ == NULL) != (y_ == NULL) || (x_ && strcmp(x_, y_) != 0))       \
			fail_msg("%s: %s%s%s != %s%s%s", #a, x_ ? "\"" : "",           \
				 x_ ? x_ : "NULL", x_ ? "\"" : "", y_ ? "\"" : "",       \
				 y_ ? y_ : "NULL", y_ ? "\"" : "");                      \
	} while (0)

static inline void assert_same_release(const release *a, const release *b)
{
	SAME_STR(release_id(a), release_id(b));
	SAME_STR(release_app_of(a), release_app_of(b));
	assert_int_equal(release_version(a), release_version(b));
	SAME_STR(release_build_of(a), release_build_of(b));
	SAME_STR(release_manifest(a), release_manifest(b));
	SAME_STR(release_description(a), release_description(b));
	assert_int_equal(release_created(a), release_created(b));
	SAME_STR(release_source(a), release_source(b));
	assert_int_equal(release_promoted(a), release_promoted(b));
	assert_int_equal(release_failed(a), release_failed(b));
	assert_int_equal(release_is_active(a), release_is_active(b));
	SAME_STR(release_actor(a), release_actor(b));
	assert_int_equal(release_env_count(a), release_env_count(b));
	for (size_t i = 0; i < release_env_count(a); i++) {
		SAME_STR(release_env_key(a, i), release_env_key(b, i));
		SAME_STR(release_env_value(a, i), release_env_value(b, i));
	}
}

static inline void assert_same_build(const release_build *a, const release_build *b)
{
	size_t la = 0, lb = 0;
	const char *ga = release_build_log(a, &la), *gb = release_build_log(b, &lb);

	SAME_STR(release_build_id(a), release_build_id(b));
	SAME_STR(release_build_app(a), release_build_app(b));
	SAME_STR(release_build_description(a), release_build_description(b));
	SAME_STR(release_build_manifest(a), release_build_manifest(b));
	assert_int_equal(release_build_status(a), release_build_status(b));
	assert_int_equal(release_build_started(a), release_build_started(b));
	assert_int_equal(release_build_ended(a), release_build_ended(b));
	SAME_STR(release_build_release(a), release_build_release(b));
	SAME_STR(release_build_actor(a), release_build_actor(b));
	assert_int_equal(ga == NULL, gb == NULL);
	assert_int_equal(la, lb);
	if (la)
		assert_memory_equal(ga, gb, la);
}

static inline void assert_same_deploy(const release_deploy *a, const release_deploy *b)
{
	assert_int_equal(release_deploy_seq(a), release_deploy_seq(b));
	assert_int_equal(release_deploy_kind(a), release_deploy_kind(b));
	assert_int_equal(release_deploy_failed(a), release_deploy_failed(b));
	assert_int_equal(release_deploy_forced(a), release_deploy_forced(b));
	SAME_STR(release_deploy_from(a), release_deploy_from(b));
	assert_int_equal(release_deploy_from_version(a), release_deploy_from_version(b));
	SAME_STR(release_deploy_to(a), release_deploy_to(b));
	assert_int_equal(release_deploy_to_version(a), release_deploy_to_version(b));
	SAME_STR(release_deploy_target(a), release_deploy_target(b));
	SAME_STR(release_deploy_actor(a), release_deploy_actor(b));
	assert_int_equal(release_deploy_started(a), release_deploy_started(b));
	assert_int_equal(release_deploy_ended(a), release_deploy_ended(b));
	assert_int_equal(release_deploy_until(a), release_deploy_until(b));
}

static inline void assert_same_settings(release_store *a, release_store *b, const char *app)
{
	release_settings *x = NULL, *y = NULL;

	assert_store_ok(a, release_settings_get(a, app, &x));
	assert_store_ok(b, release_settings_get(b, app, &y));
	assert_int_equal(release_settings_revision(x), release_settings_revision(y));
	assert_int_equal(release_settings_mask_count(x), release_settings_mask_count(y));
	for (size_t i = 0; i < release_settings_mask_count(x); i++)
		SAME_STR(release_settings_mask_key(x, i), release_settings_mask_key(y, i));
	SAME_STR(release_settings_hook(x), release_settings_hook(y));
	release_settings_free(x);
	release_settings_free(y);
}

static inline void assert_same_app_record(release_store *a, release_store *b, const char *app)
{
	release_app *x = NULL, *y = NULL;

	assert_store_ok(a, release_app_get(a, app, &x));
	assert_store_ok(b, release_app_get(b, app, &y));
	SAME_STR(release_app_name(x), release_app_name(y));
	assert_int_equal(release_app_created(x), release_app_created(y));
	SAME_STR(release_app_active(x), release_app_active(y));
	SAME_STR(release_app_previous(x), release_app_previous(y));
	assert_int_equal(release_app_status(x), release_app_status(y));
	SAME_STR(release_app_lease_owner(x), release_app_lease_owner(y));
	release_app_free(x);
	release_app_free(y);
}

static inline void assert_same_builds(release_store *a, release_store *b, const char *app)
{
	release_build_iter *ia = NULL, *ib = NULL;
	const release_build *x, *y;
	int ra, rb;

	assert_store_ok(a, release_build_list(a, app, 0, &ia));
	assert_store_ok(b, release_build_list(b, app, 0, &ib));
	for (;;) {
		ra = release_build_iter_next(ia, &x);
		rb = release_build_iter_next(ib, &y);
		assert_int_equal(ra, rb);
		if (ra != 0)
			break;
		assert_same_build(x, y);
		{
			/* with their logs */
			release_build *fx = NULL, *fy = NULL;

			assert_store_ok(a, release_build_get(a, app, release_build_id(x), &fx));
			assert_store_ok(b, release_build_get(b, app, release_build_id(y), &fy));
			assert_same_build(fx, fy);
			release_build_free(fx);
			release_build_free(fy);
		}
	}
	assert_int_equal(ra, RELEASE_ITEROVER);
	release_build_iter_free(ia);
	release_build_iter_free(ib);
}

static inline void assert_same_releases(release_store *a, release_store *b, const char *app)
{
	release_iter *ia = NULL, *ib = NULL;
	const release *x, *y;
	int ra, rb;

	assert_store_ok(a, release_list(a, app, NULL, &ia));
	assert_store_ok(b, release_list(b, app, NULL, &ib));
	for (;;) {
		ra = release_iter_next(ia, &x);
		rb = release_iter_next(ib, &y);
		assert_int_equal(ra, rb);
		if (ra != 0)
			break;
		assert_same_release(x, y);
	}
	assert_int_equal(ra, RELEASE_ITEROVER);
	release_iter_free(ia);
	release_iter_free(ib);
}

/* b's log is a's (with_log), or empty / unsupported (not with_log). */
static inline void assert_same_log(release_store *a, release_store *b, const char *app,
				   int with_log)
{
	release_deploy_iter *ia = NULL, *ib = NULL;
	const release_deploy *x, *y;
	int ra, rb;

	if (!with_log) {
		rb = release_deploy_list(b, app, NULL, &ib);
		if (rb == RELEASE_EUNSUPPORTED)
			return;
		assert_store_ok(b, rb);
		assert_int_equal(release_deploy_iter_next(ib, &y), RELEASE_ITEROVER);
		release_deploy_iter_free(ib);
		return;
	}
	assert_store_ok(a, release_deploy_list(a, app, NULL, &ia));
	assert_store_ok(b, release_deploy_list(b, app, NULL, &ib));
	for (;;) {
		ra = release_deploy_iter_next(ia, &x);
		rb = release_deploy_iter_next(ib, &y);
		assert_int_equal(ra, rb);
		if (ra != 0)
			break;
		assert_same_deploy(x, y);
	}
	assert_int_equal(ra, RELEASE_ITEROVER);
	release_deploy_iter_free(ia);
	release_deploy_iter_free(ib);
}

/* Every field of app as a and b read it. */
static inline void assert_same_app(release_store *a, release_store *b, const char *app,
				   int with_log)
{
	assert_same_app_record(a, b, app);
	assert_same_settings(a, b, app);
	assert_same_builds(a, b, app);
	assert_same_releases(a, b, app);
	assert_same_log(a, b, app, with_log);
}

/* The apps' names in order, joined by spaces, in buf. */
static inline const char *app_names(release_store *s, char *buf, size_t size)
{
	release_app_iter *it = NULL;
	const release_app *a;
	size_t n = 0;
	int rc;

	buf[0] = '\0';
	assert_store_ok(s, release_app_list(s, &it));
	while ((rc = release_app_iter_next(it, &a)) == 0)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? " " : "", release_app_name(a));
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_app_iter_free(it);
	return buf;
}

/* Both stores hold the same apps, each read the same. */
static inline void assert_same_stores(release_store *a, release_store *b, int with_log)
{
	char na[512], nb[512], *save = NULL;

	app_names(a, na, sizeof na);
	assert_text_equal(app_names(b, nb, sizeof nb), na);
	for (char *app = strtok_r(na, " ", &save); app; app = strtok_r(NULL, " ", &save))
		assert_same_app(a, b, app, with_log);
}

/* --------------------------------------------------- the raw records */

struct raw_rec {
	uint64_t seq;
	char key[72];
	unsigned char *data;
	size_t len;
};

struct raw_set {
	struct raw_rec *v;
	size_t n, cap;
};

static inline int raw_take(void *payload, uint64_t seq, const char *key, const void *data,
			   size_t len)
{
	struct raw_set *set = payload;
	struct raw_rec *r;

	if (set->n == set->cap) {
		set->cap = set->cap ? 2 * set->cap : 64;
		assert_non_null(set->v = realloc(set->v, set->cap * sizeof *set->v));
	}
	r = &set->v[set->n++];
	r->seq = seq;
	snprintf(r->key, sizeof r->key, "%s", key);
	assert_non_null(r->data = malloc(len ? len : 1));
	memcpy(r->data, data, len);
	r->len = len;
	return 0;
}

static inline void raw_free(struct raw_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->v[i].data);
	free(set->v);
	memset(set, 0, sizeof *set);
}

/* app's records of kind as d's backend holds them (META: the keys named). */
static inline void raw_read(const struct side *d, const char *app, int kind, struct raw_set *set)
{
	void *ctx;
	const release_storage *st = shared_backend_inner(d->b, &ctx);

	memset(set, 0, sizeof *set);
	if (kind == RELEASE_KIND_META) {
		const char *keys[] = {"app", "active", "settings", "lease"};

		for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
			int rc = st->get(ctx, app, kind, keys[i], raw_take, set);

			if (rc != RELEASE_ENOTFOUND)
				assert_int_equal(rc, 0);
		}
		return;
	}
	assert_int_equal(st->scan(ctx, app, kind, UINT64_MAX, 1000000, raw_take, set), 0);
}

static inline int raw_key_in(const struct raw_set *set, const char *key)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i].key, key) == 0)
			return 1;
	return 0;
}

/* The records of app in a and not in b byte for byte (the lease aside),
 * plus those in b and not in a. */
static inline size_t raw_differences(const struct side *a, const struct side *b, const char *app)
{
	const int kinds[] = {RELEASE_KIND_META, RELEASE_KIND_BUILD, RELEASE_KIND_RELEASE,
			     RELEASE_KIND_DEPLOY};
	size_t diff = 0;

	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		struct raw_set x, y;

		if (kinds[k] == RELEASE_KIND_DEPLOY && (!side_keeps_log(a) || !side_keeps_log(b)))
			continue;
		raw_read(a, app, kinds[k], &x);
		raw_read(b, app, kinds[k], &y);
		for (int pass = 0; pass < 2; pass++) {
			const struct raw_set *p = pass ? &y : &x, *q = pass ? &x : &y;

			for (size_t i = 0; i < p->n; i++) {
				int same = 0;

				if (strcmp(p->v[i].key, "lease") == 0 && kinds[k] == RELEASE_KIND_META)
					continue;
				for (size_t j = 0; j < q->n && !same; j++)
					same = strcmp(p->v[i].key, q->v[j].key) == 0 &&
					       p->v[i].seq == q->v[j].seq &&
					       p->v[i].len == q->v[j].len &&
					       memcmp(p->v[i].data, q->v[j].data, p->v[i].len) == 0;
				/* a record differing in both counts once */
				if (!same && !(pass == 1 && raw_key_in(q, p->v[i].key)))
					diff++;
			}
		}
		raw_free(&x);
		raw_free(&y);
	}
	return diff;
}

#endif
