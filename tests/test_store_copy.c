/* Copying a store: every record of every app, exactly, through the
 * backends. (test_store_copy_resume.c: copying again, interrupted copies,
 * apps of the same name.) */
#include "copy_util.h"

#define T0 (INT64_C(1546300800) * SEC) /* 2019-01-01 */
#define T1 (INT64_C(1577836800) * SEC) /* 2020-01-01 */

static uint64_t copy(struct side *src, struct side *dst, const release_copy_opts *o)
{
	uint64_t copied = UINT64_MAX;

	assert_store_ok(dst->s, release_store_copy(src->s, dst->s, o, &copied));
	assert_true(copied != UINT64_MAX);
	return copied;
}

/* A populated memory store. */
static struct side *populated(void)
{
	struct side *d = side_open("memory:", T0);

	populate(d->s);
	return d;
}

/* ------------------------------------------------------------ exactness */

static void a_copy_to_the_backend_under_test_reads_the_same(void **state)
{
	struct side *src = populated(), *dst = side_open(test_store_uri(), T1);

	(void)state;
	copy(src, dst, NULL);
	assert_same_stores(src->s, dst->s, side_keeps_log(dst));
	side_close(src);
	side_close(dst);
}

static void a_copy_from_the_backend_under_test_reads_the_same(void **state)
{
	struct side *src = side_open(test_store_uri(), T0), *dst = side_open("memory:", T1);

	(void)state;
	populate(src->s);
	copy(src, dst, NULL);
	assert_same_stores(src->s, dst->s, side_keeps_log(src));
	side_close(src);
	side_close(dst);
}

static void memory_to_file_to_memory_is_identical(void **state)
{
	struct side *a = populated(), *b = side_open(test_fresh_uri("file:"), T1),
		    *c = side_open("memory:", T1 + SEC);

	(void)state;
	copy(a, b, NULL);
	copy(b, c, NULL);
	assert_same_stores(a->s, b->s, 1);
	assert_same_stores(a->s, c->s, 1);
	side_close(a);
	side_close(b);
	side_close(c);
}

static void through_the_backend_under_test_and_back_is_identical(void **state)
{
	struct side *a = populated(), *b = side_open(test_store_uri(), T1),
		    *c = side_open("memory:", T1 + SEC);

	(void)state;
	copy(a, b, NULL);
	copy(b, c, NULL);
	assert_same_stores(a->s, c->s, side_keeps_log(b));
	side_close(a);
	side_close(b);
	side_close(c);
}

static void records_are_copied_byte_for_byte(void **state)
{
	struct side *src = populated(), *dst = side_open(test_store_uri(), T1);
	const char *apps[] = {"alpha", "beta", "gamma"};

	(void)state;
	copy(src, dst, NULL);
	for (size_t i = 0; i < 3; i++) {
		size_t n = raw_differences(src, dst, apps[i]);

		if (n)
			fail_msg("app %s: %zu records differ", apps[i], n);
	}
	side_close(src);
	side_close(dst);
}

static void copied_counts_the_records_written(void **state)
{
	struct side *src = populated(), *dst = side_open(test_store_uri(), T1);
	uint64_t before = side_writes(dst), copied = copy(src, dst, NULL);

	(void)state;
	assert_true(copied > 0);
	/* each app's placeholder (its tombstone, replaced by the app record)
	 * is a write not counted */
	assert_int_equal(copied + 3, side_writes(dst) - before);
	side_close(src);
	side_close(dst);
}

static void src_is_only_read(void **state)
{
	struct side *src = populated(), *dst = side_open(test_store_uri(), T1);
	uint64_t before = side_writes(src);

	(void)state;
	copy(src, dst, NULL);
	assert_int_equal(side_writes(src), before);
	side_close(src);
	side_close(dst);
}

struct copy_during {
	release_store *src; /* another handle on the promoting store */
	struct side *from, *dst;
	int rc;
	int had_lease;
};

/* A deployer copying the store while its promotion holds the app. */
static int deploy_copies(void *payload, const release *r, release_events *ev)
{
	struct copy_during *c = payload;
	struct raw_set set;

	(void)r;
	(void)ev;
	raw_read(c->from, "alpha", RELEASE_KIND_META, &set);
	c->had_lease = raw_key_in(&set, "lease");
	raw_free(&set);
	c->rc = release_store_copy(c->src, c->dst->s, NULL, NULL);
	return 0;
}

static void a_live_lease_is_not_copied(void **state)
{
	/* a version-1 store keeps its lease as a record */
	struct side *src = side_open("v1:memory:", T0), *dst = side_open(test_store_uri(), T1);
	struct copy_during c = {NULL, src, dst, -99, 0};
	release_promote_opts po;
	release_store_opts so;
	struct raw_set set;
	release *r;

	(void)state;
	release_store_opts_init(&so);
	c.src = shared_backend_open(src->b, &so);
	make_app(src->s, "alpha");
	r = make_build_release(src->s, "alpha", "b");
	release_promote_opts_init(&po);
	po.deploy = deploy_copies;
	po.deploy_payload = &c;
	assert_store_ok(src->s, release_promote(src->s, "alpha", release_id(r), &po));
	assert_int_equal(c.had_lease, 1);
	assert_store_ok(dst->s, c.rc);
	raw_read(dst, "alpha", RELEASE_KIND_META, &set);
	assert_true(raw_key_in(&set, "app"));
	assert_false(raw_key_in(&set, "lease"));
	raw_free(&set);
	{
		release_app *a = NULL;

		assert_store_ok(dst->s, release_app_get(dst->s, "alpha", &a));
		assert_int_equal(release_app_status(a), RELEASE_APP_RUNNING);
		release_app_free(a);
	}
	release_free(r);
	release_store_close(c.src);
	side_close(src);
	side_close(dst);
}

static void the_copy_goes_on_where_src_left_off(void **state)
{
	struct side *src = populated(), *dst = side_open(test_store_uri(), T1);
	release *newest = NULL, *r;
	release_build *b;

	(void)state;
	copy(src, dst, NULL);
	{
		release_iter *it = NULL;
		const release *item;

		assert_store_ok(src->s, release_list(src->s, "alpha", NULL, &it));
		assert_store_ok(src->s, release_iter_next(it, &item));
		newest = release_dup(item);
		release_iter_free(it);
	}
	b = copy_build(dst->s, "alpha", RELEASE_BUILD_COMPLETE, NULL);
	assert_store_ok(dst->s, release_create(dst->s, "alpha", release_build_id(b), &r));
	assert_int_equal(release_version(r), release_version(newest) + 1);
	promote(dst->s, "alpha", release_id(r));
	assert_text_equal(active_of(dst->s, "alpha"), release_id(r));
	release_free(r);
	release_build_free(b);
	release_free(newest);
	side_close(src);
	side_close(dst);
}

static void the_copys_log_goes_on_where_src_left_off(void **state)
{
	struct side *src, *dst;
	release_deploy_iter *it = NULL;
	const release_deploy *d;
	uint64_t last;
	release *r;

	(void)state;
	if (test_store_is_v1()) {
		skip(); /* no log to go on with */
		return;
	}
	src = populated();
	dst = side_open(test_store_uri(), T1);
	copy(src, dst, NULL);
	assert_store_ok(src->s, release_deploy_list(src->s, "alpha", NULL, &it));
	assert_store_ok(src->s, release_deploy_iter_next(it, &d));
	last = release_deploy_seq(d);
	release_deploy_iter_free(it);
	r = set_env(dst->s, "alpha", "NEW=1");
	promote(dst->s, "alpha", release_id(r));
	assert_store_ok(dst->s, release_deploy_list(dst->s, "alpha", NULL, &it));
	assert_store_ok(dst->s, release_deploy_iter_next(it, &d));
	assert_int_equal(release_deploy_seq(d), last + 1);
	release_deploy_iter_free(it);
	release_free(r);
	side_close(src);
	side_close(dst);
}

/* ------------------------------------------------------------ one app */

static void opts_app_copies_that_app_alone(void **state)
{
	struct side *src = populated(), *dst = side_open(test_store_uri(), T1);
	release_copy_opts o;
	char names[256];

	(void)state;
	release_copy_opts_init(&o);
	o.app = "alpha";
	copy(src, dst, &o);
	assert_text_equal(app_names(dst->s, names, sizeof names), "alpha");
	assert_same_app(src->s, dst->s, "alpha", side_keeps_log(dst));
	side_close(src);
	side_close(dst);
}

static void opts_app_unknown_is_enotfound(void **state)
{
	struct side *src = populated(), *dst = side_open(test_store_uri(), T1);
	release_copy_opts o;
	uint64_t copied = 99;
	char names[256];

	(void)state;
	release_copy_opts_init(&o);
	o.app = "nosuchapp";
	assert_int_equal(release_store_copy(src->s, dst->s, &o, &copied), RELEASE_ENOTFOUND);
	assert_text_equal(app_names(dst->s, names, sizeof names), "");
	side_close(src);
	side_close(dst);
}

static void opts_app_invalid_is_einval(void **state)
{
	struct side *src = populated(), *dst = side_open(test_store_uri(), T1);
	release_copy_opts o;

	(void)state;
	release_copy_opts_init(&o);
	o.app = "Bad App";
	assert_int_equal(release_store_copy(src->s, dst->s, &o, NULL), RELEASE_EINVAL);
	side_close(src);
	side_close(dst);
}

struct progress {
	char apps[8][64];
	uint64_t records[8];
	int n;
};

static int on_progress(void *payload, const char *app, uint64_t records)
{
	struct progress *p = payload;

	assert_true(p->n < 8);
	snprintf(p->apps[p->n], sizeof p->apps[0], "%s", app);
	p->records[p->n++] = records;
	return 0;
}

static int stop_at_first(void *payload, const char *app, uint64_t records)
{
	(void)app;
	(void)records;
	++*(int *)payload;
	return 7;
}

static void a_progress_that_returns_non_zero_stops_the_copy(void **state)
{
	struct side *src = populated(), *dst = side_open(test_store_uri(), T1);
	release_copy_opts o;
	int calls = 0;
	uint64_t n = 0;

	(void)state;
	release_copy_opts_init(&o);
	o.progress = stop_at_first;
	o.progress_payload = &calls;
	assert_int_equal(release_store_copy(src->s, dst->s, &o, &n), 7);
	assert_int_equal(calls, 1);
	assert_true(n > 0);
	assert_non_null(strstr(release_store_errmsg(dst->s), "stopped by its progress callback"));
	/* the other apps were not copied; a copy without it finishes */
	copy(src, dst, NULL);
	assert_same_stores(src->s, dst->s, side_keeps_log(src) && side_keeps_log(dst));
	side_close(src);
	side_close(dst);
}

static void progress_is_told_once_per_app_copied(void **state)
{
	struct side *src = populated(), *dst = side_open(test_store_uri(), T1);
	struct progress p = {0};
	release_copy_opts o;

	(void)state;
	release_copy_opts_init(&o);
	o.progress = on_progress;
	o.progress_payload = &p;
	copy(src, dst, &o);
	/* in the order the backend lists them */
	assert_int_equal(p.n, 3);
	for (int i = 0; i < 3; i++) {
		const char *app = p.apps[i];

		assert_true(strcmp(app, "alpha") == 0 || strcmp(app, "beta") == 0 ||
			    strcmp(app, "gamma") == 0);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(p.apps[j], app);
		assert_true(p.records[i] > 0);
	}
	side_close(src);
	side_close(dst);
}

/* ------------------------------------------- backends without a log */

static void a_copy_into_a_version_1_backend_leaves_the_log_out(void **state)
{
	struct side *src = populated(), *dst = side_open("v1:memory:", T1);
	release_deploy_iter *it = NULL;

	(void)state;
	copy(src, dst, NULL);
	assert_same_stores(src->s, dst->s, 0);
	assert_int_equal(release_deploy_list(dst->s, "alpha", NULL, &it), RELEASE_EUNSUPPORTED);
	side_close(src);
	side_close(dst);
}

static void a_copy_from_a_version_1_backend_has_an_empty_log(void **state)
{
	struct side *src = side_open("v1:memory:", T0), *dst = side_open(test_store_uri(), T1);

	(void)state;
	populate(src->s);
	copy(src, dst, NULL);
	assert_same_stores(src->s, dst->s, 0);
	side_close(src);
	side_close(dst);
}

/* ------------------------------------------------------------- arguments */

static void a_store_copied_onto_its_own_handle_is_einval(void **state)
{
	struct side *src = populated();
	uint64_t before = side_writes(src), copied = 99;

	(void)state;
	assert_int_equal(release_store_copy(src->s, src->s, NULL, &copied), RELEASE_EINVAL);
	assert_int_equal(side_writes(src), before);
	side_close(src);
}

static void a_copy_between_two_handles_of_one_store_writes_nothing(void **state)
{
	struct side *a = side_open(test_store_uri(), T0);
	release_store_opts o;
	release_store *other;
	uint64_t before, copied = 99;

	(void)state;
	populate(a->s);
	release_store_opts_init(&o);
	other = shared_backend_open(a->b, &o);
	before = side_writes(a);
	assert_store_ok(other, release_store_copy(a->s, other, NULL, &copied));
	assert_int_equal(copied, 0);
	assert_int_equal(side_writes(a), before);
	release_store_close(other);
	side_close(a);
}

static void null_stores_are_einval(void **state)
{
	struct side *src = populated();
	uint64_t copied = 99;

	(void)state;
	assert_int_equal(release_store_copy(NULL, src->s, NULL, &copied), RELEASE_EINVAL);
	assert_int_equal(release_store_copy(src->s, NULL, NULL, &copied), RELEASE_EINVAL);
	side_close(src);
}

static void uninitialised_copy_opts_are_einval(void **state)
{
	struct side *src = populated(), *dst = side_open(test_store_uri(), T1);
	release_copy_opts o;
	char names[256];

	(void)state;
	memset(&o, 0, sizeof o);
	assert_int_equal(release_store_copy(src->s, dst->s, &o, NULL), RELEASE_EINVAL);
	assert_text_equal(app_names(dst->s, names, sizeof names), "");
	side_close(src);
	side_close(dst);
}

static void copied_may_be_null(void **state)
{
	struct side *src = populated(), *dst = side_open(test_store_uri(), T1);

	(void)state;
	assert_store_ok(dst->s, release_store_copy(src->s, dst->s, NULL, NULL));
	assert_same_stores(src->s, dst->s, side_keeps_log(dst));
	side_close(src);
	side_close(dst);
}

static void a_read_only_destination_is_eunsupported(void **state)
{
	struct side *src = populated();
	release_store *dst = NULL;
	char uri[1200];

	(void)state;
	snprintf(uri, sizeof uri, "%s", test_fresh_uri("file:"));
	assert_ok(release_store_open(&dst, uri, NULL));
	release_store_close(dst);
	snprintf(uri + strlen(uri), sizeof uri - strlen(uri), "?mode=ro");
	assert_ok(release_store_open(&dst, uri, NULL));
	assert_int_equal(release_store_copy(src->s, dst, NULL, NULL), RELEASE_EUNSUPPORTED);
	release_store_close(dst);
	side_close(src);
}

/* Two handles on one file store (the same directory, however named): a
 * copy between them would delete what a writer adds meanwhile. */
static void two_handles_on_one_file_store_are_einval(void **state)
{
	const char *uri = test_fresh_uri("file:");
	char other[4200];
	release_store *a = NULL, *b = NULL;

	(void)state;
	snprintf(other, sizeof other, "%s/.", uri);
	assert_int_equal(release_store_open(&a, uri, NULL), 0);
	assert_int_equal(release_store_open(&b, other, NULL), 0);
	make_app(a, "alpha");
	assert_int_equal(release_store_copy(a, b, NULL, NULL), RELEASE_EINVAL);
	assert_non_null(strstr(release_store_errmsg(b), "itself"));
	release_store_close(a);
	release_store_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_copy_to_the_backend_under_test_reads_the_same),
		cmocka_unit_test(a_copy_from_the_backend_under_test_reads_the_same),
		cmocka_unit_test(memory_to_file_to_memory_is_identical),
		cmocka_unit_test(through_the_backend_under_test_and_back_is_identical),
		cmocka_unit_test(records_are_copied_byte_for_byte),
		cmocka_unit_test(copied_counts_the_records_written),
		cmocka_unit_test(src_is_only_read),
		cmocka_unit_test(a_live_lease_is_not_copied),
		cmocka_unit_test(the_copy_goes_on_where_src_left_off),
		cmocka_unit_test(the_copys_log_goes_on_where_src_left_off),
		cmocka_unit_test(opts_app_copies_that_app_alone),
		cmocka_unit_test(opts_app_unknown_is_enotfound),
		cmocka_unit_test(opts_app_invalid_is_einval),
		cmocka_unit_test(progress_is_told_once_per_app_copied),
		cmocka_unit_test(a_progress_that_returns_non_zero_stops_the_copy),
		cmocka_unit_test(two_handles_on_one_file_store_are_einval),
		cmocka_unit_test(a_copy_into_a_version_1_backend_leaves_the_log_out),
		cmocka_unit_test(a_copy_from_a_version_1_backend_has_an_empty_log),
		cmocka_unit_test(a_store_copied_onto_its_own_handle_is_einval),
		cmocka_unit_test(a_copy_between_two_handles_of_one_store_writes_nothing),
		cmocka_unit_test(null_stores_are_einval),
		cmocka_unit_test(uninitialised_copy_opts_are_einval),
		cmocka_unit_test(copied_may_be_null),
		cmocka_unit_test(a_read_only_destination_is_eunsupported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
