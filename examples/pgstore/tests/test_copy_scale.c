/*
 * release_store_copy() at scale, through PostgreSQL: a file store of
 * 100,000 releases (made in a memory store, then copied to a file store)
 * is copied to PostgreSQL and from there to a second file store, and every
 * record of every kind of the three is compared byte for byte through the
 * storage vtable, and a sample of fields through the public API. Then
 * copies are interrupted (a process killed mid-copy; a destination failing
 * after a commit it made) and run again: nothing duplicated, the same
 * records. Run under pg_server.py; RELEASE_SCALE_RELEASES sets another
 * count (a quick run while developing).
 */
#include "harness.h"

#include <pgstore.h>
#include <libpq-fe.h>

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUILDS 40
#define PAGE 1000 /* records per scan when comparing */

static size_t n_releases = 100000;
static char top[256]; /* the temporary directory of the file stores */

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void say(const char *what, double since)
{
	printf("# %-44s %6.1f s\n", what, seconds() - since);
	fflush(stdout);
}

static char *file_uri(const char *name)
{
	char *uri = malloc(strlen(top) + strlen(name) + 8);

	assert_non_null(uri);
	sprintf(uri, "file:%s/%s", top, name);
	return uri;
}

static char *pg_uri(void)
{
	char *uri = strdup(test_store_uri()); /* a fresh schema */

	assert_non_null(uri);
	assert_true(pgstore_is_uri(uri));
	return uri;
}

static release_store *open_at(const char *uri)
{
	release_store *s = NULL;

	assert_ok(test_store_open(&s, uri, NULL));
	return s;
}

static long sql_count(const char *uri)
{
	PGconn *c = PQconnectdb(uri);
	PGresult *res;
	long n;

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("connecting: %s", PQerrorMessage(c));
	res = PQexec(c, "SELECT count(*) FROM librelease_records");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("counting: %s", PQerrorMessage(c));
	n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	PQfinish(c);
	return n;
}

/* ---- the source: a memory store with a long history */

static int deploy_fails(void *payload, const release *r, release_events *ev)
{
	return 3;
}

static void make_history(release_store *s)
{
	char *ids[BUILDS];
	release_build_opts bo;
	release_promote_opts fail;
	release_settings_opts so;
	const char *mask[] = {"SECRET"};
	size_t made = 0;

	assert_ok(release_store_set_actor(s, "scale-bot@ci"));
	make_app(s, "big");
	for (int i = 0; i < BUILDS; i++) {
		release_build *b = NULL;
		char desc[64], manifest[128], log[256];

		snprintf(desc, sizeof desc, "build %d: fix 'quotes' \\ and \"more\"", i);
		snprintf(manifest, sizeof manifest, "services:\n  web:\n    image: app:%d\n", i);
		snprintf(log, sizeof log, "step 1\nstep 2 of build %d\n%c\n", i, 0x7f);
		release_build_opts_init(&bo);
		bo.description = desc;
		bo.manifest = manifest;
		bo.log = log;
		bo.log_len = strlen(log);
		bo.status = i == 7 ? RELEASE_BUILD_FAILED : RELEASE_BUILD_COMPLETE;
		assert_store_ok(s, release_build_create(s, "big", &bo, &b));
		assert_non_null(ids[i] = strdup(release_build_id(b)));
		release_build_free(b);
	}
	release_promote_opts_init(&fail);
	fail.deploy = deploy_fails;
	while (made < n_releases) {
		release *r = NULL;

		if (made % 1000 == 999) {
			char pair[32];
			const char *p = pair;

			snprintf(pair, sizeof pair, "STEP=%zu", made);
			assert_store_ok(s, release_env_set(s, "big", &p, 1, &r));
		} else {
			assert_store_ok(s, release_create(s, "big", ids[made % BUILDS == 7 ? 8
									 : made % BUILDS],
							  &r));
		}
		made++;
		if (made % 5000 == 0)
			assert_store_ok(s, release_promote(s, "big", release_id(r), NULL));
		else if (made % 25000 == 1)
			assert_int_equal(release_promote(s, "big", release_id(r), &fail),
					 RELEASE_EDEPLOY);
		release_free(r);
	}
	assert_store_ok(s, release_rollback(s, "big", NULL, NULL, NULL));
	release_settings_opts_init(&so);
	so.mask_add = mask;
	so.mask_add_n = 1;
	so.hook = "#!/bin/sh\necho deploying\n";
	assert_store_ok(s, release_settings_update(s, "big", &so, NULL));
	for (int i = 0; i < BUILDS; i++)
		free(ids[i]);

	/* another actor's small app, and an app with nothing but itself */
	assert_ok(release_store_set_actor(s, "alice@example.com"));
	make_app(s, "small");
	for (int i = 0; i < 3; i++) {
		release *r = make_build_release(s, "small", "small one");

		promote(s, "small", release_id(r));
		release_free(r);
	}
	make_app(s, "empty");
}

/* ---- every record, through the vtable */

struct page {
	size_t n;
	uint64_t seq[PAGE];
	char key[PAGE][65];
	unsigned char *data[PAGE];
	size_t len[PAGE];
};

static int take(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct page *p = payload;

	assert_true(p->n < PAGE && strlen(key) <= 64);
	p->seq[p->n] = seq;
	strcpy(p->key[p->n], key);
	assert_non_null(p->data[p->n] = malloc(len ? len : 1));
	memcpy(p->data[p->n], data, len);
	p->len[p->n++] = len;
	return 0;
}

static void page_free(struct page *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->data[i]);
	p->n = 0;
}

struct names {
	size_t n;
	char v[16][64];
};

static int add_name(void *payload, const char *app)
{
	struct names *ns = payload;

	assert_true(ns->n < 16);
	strcpy(ns->v[ns->n++], app);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void list_sorted(const release_storage *st, void *ctx, struct names *ns)
{
	memset(ns, 0, sizeof *ns);
	assert_ok(st->list_apps(ctx, add_name, ns));
	qsort(ns->v, ns->n, sizeof ns->v[0], by_name);
}

/* The same META record (or its absence) in both; 1 if it is there. */
static int compare_meta(const release_storage *sa, void *a, const release_storage *sb,
			 void *b, const char *app, const char *key)
{
	struct page *x = calloc(1, sizeof *x), *y = calloc(1, sizeof *y);
	int ra = sa->get(a, app, RELEASE_KIND_META, key, take, x);
	int rb = sb->get(b, app, RELEASE_KIND_META, key, take, y);

	assert_non_null(x);
	assert_non_null(y);
	assert_int_equal(ra, rb);
	if (ra == 0) {
		assert_int_equal(x->len[0], y->len[0]);
		assert_memory_equal(x->data[0], y->data[0], x->len[0]);
	} else {
		assert_int_equal(ra, RELEASE_ENOTFOUND);
	}
	page_free(x);
	page_free(y);
	free(x);
	free(y);
	return ra == 0;
}

/* Every record of every app of the stores at uri_a and uri_b is the same:
 * seq, key and bytes. The number of records compared. */
static uint64_t compare_stores(const char *uri_a, const char *uri_b)
{
	static const int kinds[] = {RELEASE_KIND_BUILD, RELEASE_KIND_RELEASE, RELEASE_KIND_DEPLOY};
	static const char *const metas[] = {"app", "active", "settings", "lease"};
	const release_storage *sa, *sb;
	void *a, *b;
	struct names na, nb;
	struct page *x = calloc(1, sizeof *x), *y = calloc(1, sizeof *y);
	uint64_t records = 0;

	assert_non_null(x);
	assert_non_null(y);
	assert_ok(test_storage_open(&sa, &a, uri_a));
	assert_ok(test_storage_open(&sb, &b, uri_b));
	list_sorted(sa, a, &na);
	list_sorted(sb, b, &nb);
	assert_int_equal(na.n, nb.n);
	for (size_t i = 0; i < na.n; i++) {
		const char *app = na.v[i];

		assert_string_equal(app, nb.v[i]);
		for (size_t m = 0; m < sizeof metas / sizeof metas[0]; m++)
			records += (uint64_t)compare_meta(sa, a, sb, b, app, metas[m]);
		for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
			uint64_t before = UINT64_MAX;

			do {
				assert_ok(sa->scan(a, app, kinds[k], before, PAGE, take, x));
				assert_ok(sb->scan(b, app, kinds[k], before, PAGE, take, y));
				assert_int_equal(x->n, y->n);
				for (size_t j = 0; j < x->n; j++) {
					assert_int_equal(x->seq[j], y->seq[j]);
					assert_string_equal(x->key[j], y->key[j]);
					assert_int_equal(x->len[j], y->len[j]);
					assert_memory_equal(x->data[j], y->data[j], x->len[j]);
				}
				records += x->n;
				before = x->n ? x->seq[x->n - 1] : 0;
				page_free(x);
				page_free(y);
			} while (before > 1);
		}
	}
	sa->close(a);
	sb->close(b);
	free(x);
	free(y);
	return records;
}

/* ---- a sample of fields, through the public API */

static void same_text(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void compare_release(const release *a, const release *b)
{
	assert_string_equal(release_id(a), release_id(b));
	assert_int_equal(release_version(a), release_version(b));
	same_text(release_build_of(a), release_build_of(b));
	same_text(release_manifest(a), release_manifest(b));
	same_text(release_description(a), release_description(b));
	same_text(release_source(a), release_source(b));
	same_text(release_actor(a), release_actor(b));
	assert_int_equal(release_created(a), release_created(b));
	assert_int_equal(release_promoted(a), release_promoted(b));
	assert_int_equal(release_failed(a), release_failed(b));
	assert_int_equal(release_is_active(a), release_is_active(b));
	assert_int_equal(release_env_count(a), release_env_count(b));
	for (size_t i = 0; i < release_env_count(a); i++) {
		assert_string_equal(release_env_key(a, i), release_env_key(b, i));
		assert_string_equal(release_env_value(a, i), release_env_value(b, i));
	}
}

static void compare_builds(release_store *a, release_store *b, const char *app)
{
	release_build_iter *ia = NULL, *ib = NULL;
	const release_build *x, *y;
	int ra, rb;

	assert_store_ok(a, release_build_list(a, app, 0, &ia));
	assert_store_ok(b, release_build_list(b, app, 0, &ib));
	while ((ra = release_build_iter_next(ia, &x)) == 0) {
		size_t la, lb;
		const char *loga, *logb;

		assert_int_equal(rb = release_build_iter_next(ib, &y), 0);
		assert_string_equal(release_build_id(x), release_build_id(y));
		same_text(release_build_description(x), release_build_description(y));
		same_text(release_build_manifest(x), release_build_manifest(y));
		same_text(release_build_release(x), release_build_release(y));
		same_text(release_build_actor(x), release_build_actor(y));
		assert_int_equal(release_build_status(x), release_build_status(y));
		assert_int_equal(release_build_started(x), release_build_started(y));
		assert_int_equal(release_build_ended(x), release_build_ended(y));
		loga = release_build_log(x, &la);
		logb = release_build_log(y, &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(loga, logb, la);
	}
	assert_int_equal(ra, RELEASE_ITEROVER);
	assert_int_equal(release_build_iter_next(ib, &y), RELEASE_ITEROVER);
	release_build_iter_free(ia);
	release_build_iter_free(ib);
}

static void compare_deploys(release_store *a, release_store *b, const char *app)
{
	release_deploy_iter *ia = NULL, *ib = NULL;
	const release_deploy *x, *y;
	int ra, n = 0;

	assert_store_ok(a, release_deploy_list(a, app, NULL, &ia));
	assert_store_ok(b, release_deploy_list(b, app, NULL, &ib));
	while ((ra = release_deploy_iter_next(ia, &x)) == 0) {
		assert_int_equal(release_deploy_iter_next(ib, &y), 0);
		assert_int_equal(release_deploy_seq(x), release_deploy_seq(y));
		assert_int_equal(release_deploy_kind(x), release_deploy_kind(y));
		assert_int_equal(release_deploy_failed(x), release_deploy_failed(y));
		assert_int_equal(release_deploy_forced(x), release_deploy_forced(y));
		same_text(release_deploy_from(x), release_deploy_from(y));
		same_text(release_deploy_to(x), release_deploy_to(y));
		same_text(release_deploy_target(x), release_deploy_target(y));
		same_text(release_deploy_actor(x), release_deploy_actor(y));
		assert_int_equal(release_deploy_from_version(x), release_deploy_from_version(y));
		assert_int_equal(release_deploy_to_version(x), release_deploy_to_version(y));
		assert_int_equal(release_deploy_started(x), release_deploy_started(y));
		assert_int_equal(release_deploy_ended(x), release_deploy_ended(y));
		assert_int_equal(release_deploy_until(x), release_deploy_until(y));
		n++;
	}
	assert_int_equal(ra, RELEASE_ITEROVER);
	assert_int_equal(release_deploy_iter_next(ib, &y), RELEASE_ITEROVER);
	assert_true(n > 0);
	release_deploy_iter_free(ia);
	release_deploy_iter_free(ib);
}

static void compare_apps(release_store *a, release_store *b, const char *app)
{
	release_app *x = NULL, *y = NULL;
	release_settings *sx = NULL, *sy = NULL;

	assert_store_ok(a, release_app_get(a, app, &x));
	assert_store_ok(b, release_app_get(b, app, &y));
	same_text(release_app_active(x), release_app_active(y));
	same_text(release_app_previous(x), release_app_previous(y));
	assert_int_equal(release_app_created(x), release_app_created(y));
	assert_int_equal(release_app_status(x), release_app_status(y));
	assert_store_ok(a, release_settings_get(a, app, &sx));
	assert_store_ok(b, release_settings_get(b, app, &sy));
	assert_int_equal(release_settings_revision(sx), release_settings_revision(sy));
	assert_int_equal(release_settings_mask_count(sx), release_settings_mask_count(sy));
	same_text(release_settings_hook(sx), release_settings_hook(sy));
	release_settings_free(sx);
	release_settings_free(sy);
	release_app_free(x);
	release_app_free(y);
}

/* Every 997th release of "big", its newest, the active one, and the rest
 * of the three apps, read from a and b alike. */
static void compare_sample(release_store *a, release_store *b)
{
	static const char *const apps[] = {"big", "small"};
	release *x = NULL, *y = NULL;
	uint64_t newest;

	assert_store_ok(a, release_get_active(a, "big", &x));
	assert_store_ok(b, release_get_active(b, "big", &y));
	compare_release(x, y);
	newest = release_version(x); /* a rollback's copy: the newest */
	release_free(x);
	release_free(y);
	for (uint64_t v = 1; v <= newest; v = v == newest ? v + 1 : v + 997 > newest ? newest
											: v + 997) {
		assert_store_ok(a, release_get_version(a, "big", v, &x));
		assert_store_ok(b, release_get_version(b, "big", v, &y));
		compare_release(x, y);
		release_free(x);
		release_free(y);
	}
	for (size_t i = 0; i < 2; i++) {
		compare_apps(a, b, apps[i]);
		compare_builds(a, b, apps[i]);
		compare_deploys(a, b, apps[i]);
	}
	compare_apps(a, b, "empty");
}

/* ---- interrupted copies */

/* A destination that fails the commit after `after` commits: it makes the
 * commit, then reports an I/O error, as a connection lost just after the
 * commit would. */
struct flaky {
	const release_storage *inner;
	void *ctx;
	int after; /* commits still to pass; then one fails, then all pass */
};

static struct flaky flaky; /* one at a time */

static void fl_close(void *ctx) { flaky.inner->close(flaky.ctx); }
static int fl_put(void *c, const char *app, int kind, const char *key, uint64_t seq,
		  const void *data, size_t len)
{
	return flaky.inner->put(flaky.ctx, app, kind, key, seq, data, len);
}
static int fl_get(void *c, const char *app, int kind, const char *key, release_record_fn fn,
		  void *payload)
{
	return flaky.inner->get(flaky.ctx, app, kind, key, fn, payload);
}
static int fl_scan(void *c, const char *app, int kind, uint64_t before, size_t limit,
		   release_record_fn fn, void *payload)
{
	return flaky.inner->scan(flaky.ctx, app, kind, before, limit, fn, payload);
}
static int fl_cas(void *c, const char *app, int kind, const char *key, const void *old,
		  size_t old_len, const void *data, size_t len)
{
	return flaky.inner->cas(flaky.ctx, app, kind, key, old, old_len, data, len);
}
static int fl_del(void *c, const char *app, int kind, const char *key)
{
	return flaky.inner->del(flaky.ctx, app, kind, key);
}
static int fl_list_apps(void *c, release_name_fn fn, void *payload)
{
	return flaky.inner->list_apps(flaky.ctx, fn, payload);
}
static int fl_get_seq(void *c, const char *app, int kind, uint64_t seq, release_record_fn fn,
		      void *payload)
{
	return flaky.inner->get_seq(flaky.ctx, app, kind, seq, fn, payload);
}
static int fl_commit(void *c, const char *app, const release_storage_op *ops, size_t n,
		     size_t *failed)
{
	int rc = flaky.inner->commit(flaky.ctx, app, ops, n, failed);

	if (rc == 0 && flaky.after >= 0 && flaky.after-- == 0)
		return RELEASE_EIO;
	return rc;
}
static int fl_hold(void *c, const char *app, const void *info, size_t len, void **hold)
{
	return flaky.inner->hold(flaky.ctx, app, info, len, hold);
}
static void fl_unhold(void *c, void *hold) { flaky.inner->unhold(flaky.ctx, hold); }
static int fl_held(void *c, const char *app, release_record_fn fn, void *payload)
{
	return flaky.inner->held(flaky.ctx, app, fn, payload);
}

static const release_storage flaky_storage = {
	.version = 3,
	.close = fl_close,
	.put = fl_put,
	.get = fl_get,
	.scan = fl_scan,
	.cas = fl_cas,
	.del = fl_del,
	.list_apps = fl_list_apps,
	.get_seq = fl_get_seq,
	.commit = fl_commit,
	.hold = fl_hold,
	.unhold = fl_unhold,
	.held = fl_held,
};

/* A copy into a fresh store at uri, failing after `after` commits; then
 * the same copy again. */
static void copy_failing_then_again(release_store *src, const char *uri, int after,
				    uint64_t total)
{
	release_store *dst = NULL;
	release_app *a = NULL;
	uint64_t first = 0, second = 0, third = 0;

	flaky.after = after;
	assert_ok(test_storage_open(&flaky.inner, &flaky.ctx, uri));
	assert_ok(release_store_open_backend(&dst, &flaky_storage, &flaky, NULL));
	assert_int_equal(release_store_copy(src, dst, NULL, &first), RELEASE_EIO);
	/* "big" is not there, its app record not written */
	assert_int_equal(release_app_get(dst, "big", &a), RELEASE_ENOTFOUND);
	assert_ok(release_store_copy(src, dst, NULL, &second));
	assert_ok(release_store_copy(src, dst, NULL, &third));
	/* the failed commit took effect: its records are not written again */
	assert_true(first > 0);
	assert_true(first + second < total);
	assert_true(first + second >= total - RELEASE_COMMIT_MAX);
	assert_int_equal(third, 0);
	release_store_close(dst);
}

/* Copies src_uri to dst_uri in a child killed once dst has `at` records;
 * then copies again. */
static void copy_killed_then_again(const char *src_uri, const char *dst_uri, long at,
				   uint64_t total)
{
	release_store *src = open_at(src_uri), *dst;
	release_app *a = NULL;
	uint64_t again = 0;
	long n = 0;
	int status;
	pid_t pid;

	release_store_close(open_at(dst_uri)); /* its tables made, to count rows in */
	fflush(stdout);
	fflush(stderr);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		release_store *s = NULL, *d = NULL;

		if (test_store_open(&s, src_uri, NULL) != 0 || test_store_open(&d, dst_uri, NULL) != 0)
			_exit(2);
		_exit(release_store_copy(s, d, NULL, NULL) == 0 ? 0 : 1);
	}
	while (waitpid(pid, &status, WNOHANG) == 0 && (n = sql_count(dst_uri)) < at) {
		struct timespec ts = {0, 10 * 1000000};

		nanosleep(&ts, NULL);
	}
	if (n < at)
		fail_msg("the copy ended (status %d) before it was killed", status);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	dst = open_at(dst_uri);
	assert_int_equal(release_app_get(dst, "big", &a), RELEASE_ENOTFOUND);
	assert_store_ok(dst, release_store_copy(src, dst, NULL, &again));
	/* what the killed copy committed is not written again */
	assert_true(again <= total - (uint64_t)at);
	assert_int_equal(sql_count(dst_uri), (long)total);
	release_store_close(dst);
	release_store_close(src);
}

/* ---- the test */

static void a_copy_to_postgresql_and_back_is_exact_and_resumes(void **state)
{
	char *file1 = file_uri("one"), *file2 = file_uri("two"), *file3 = file_uri("three");
	char *pg = pg_uri(), *pg2 = pg_uri();
	release_store *mem = open_at("memory:"), *f1, *p, *f2;
	uint64_t copied, total;
	double t = seconds(), all = t;

	make_history(mem);
	say("the releases made in memory", t);

	t = seconds();
	f1 = open_at(file1);
	assert_store_ok(f1, release_store_copy(mem, f1, NULL, &copied));
	say("memory -> file", t);

	t = seconds();
	p = open_at(pg);
	assert_store_ok(p, release_store_copy(f1, p, NULL, &total));
	assert_int_equal(total, copied);
	assert_int_equal(sql_count(pg), (long)total);
	say("file -> PostgreSQL", t);

	t = seconds();
	f2 = open_at(file2);
	assert_store_ok(f2, release_store_copy(p, f2, NULL, &copied));
	assert_int_equal(copied, total);
	say("PostgreSQL -> file", t);

	t = seconds();
	assert_int_equal(compare_stores(file1, file2), total);
	assert_int_equal(compare_stores(file1, pg), total);
	say("every record compared, twice", t);

	t = seconds();
	compare_sample(mem, f2);
	compare_sample(mem, p);
	say("a sample compared through the API", t);

	/* copying again writes nothing */
	assert_store_ok(f2, release_store_copy(p, f2, NULL, &copied));
	assert_int_equal(copied, 0);

	t = seconds();
	copy_killed_then_again(file1, pg2, (long)total / 2, total);
	assert_int_equal(compare_stores(file1, pg2), total);
	say("a copy killed halfway, run again", t);

	t = seconds();
	copy_failing_then_again(f1, file3, (int)(total / RELEASE_COMMIT_MAX / 2), total);
	assert_int_equal(compare_stores(file1, file3), total);
	say("a copy failed after a commit, run again", t);
	say("in all", all);

	release_store_close(f2);
	release_store_close(p);
	release_store_close(f1);
	release_store_close(mem);
	free(file1);
	free(file2);
	free(file3);
	free(pg);
	free(pg2);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_copy_to_postgresql_and_back_is_exact_and_resumes),
	};
	const char *n = getenv("RELEASE_SCALE_RELEASES");
	int rc;

	if (!getenv("RELEASE_TEST_STORE") || !pgstore_is_uri(getenv("RELEASE_TEST_STORE"))) {
		printf("RELEASE_TEST_STORE names no PostgreSQL server: run under pg_server.py\n");
		return 77;
	}
	if (n)
		n_releases = strtoul(n, NULL, 10);
	snprintf(top, sizeof top, "%s/librelease-scale-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(top))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	nftw(top, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
