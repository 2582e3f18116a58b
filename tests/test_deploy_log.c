/* The deployment log: one entry per promotion, rollback and failed
 * promotion, never one for a promotion refused, kept until the app is
 * deleted. (test_deploy_history.c: listing it, and what was live when.) */
#include "deploy_log_util.h"

/* ------------------------------------------------------ what is appended */

static void a_new_app_has_an_empty_log(void **state)
{
	struct fixture *f = *state;

	NEEDS_LOG();
	make_app(f->s, "myapp");
	release_free(make_build_release(f->s, "myapp", "b"));
	assert_int_equal(log_length(f->s, "myapp"), 0);
}

static void a_promotion_appends_one_entry(void **state)
{
	struct fixture *f = *state;
	release_deploy *d;
	release *r[3];

	NEEDS_LOG();
	three_releases(f->s, r);
	assert_store_ok(f->s, release_store_set_actor(f->s, "alice"));
	promote(f->s, "myapp", release_id(r[0]));
	assert_int_equal(log_length(f->s, "myapp"), 1);
	d = newest(f->s, "myapp");
	assert_int_equal(release_deploy_seq(d), 1);
	assert_int_equal(release_deploy_kind(d), RELEASE_DEPLOY_PROMOTE);
	assert_int_equal(release_deploy_failed(d), 0);
	assert_int_equal(release_deploy_forced(d), 0);
	assert_null(release_deploy_from(d));
	assert_int_equal(release_deploy_from_version(d), 0);
	assert_text_equal(release_deploy_to(d), release_id(r[0]));
	assert_int_equal(release_deploy_to_version(d), 1);
	assert_null(release_deploy_target(d));
	assert_text_equal(release_deploy_actor(d), "alice");
	assert_int_equal(release_deploy_until(d), 0);
	release_deploy_free(d);
	free3(r);
}

static void seqs_start_at_one_and_grow_by_one(void **state)
{
	struct fixture *f = *state;
	release_deploy *e[8];
	release *r[3];
	size_t n;

	NEEDS_LOG();
	three_releases(f->s, r);
	promote(f->s, "myapp", release_id(r[0]));
	assert_int_equal(fail_promote(f->s, "myapp", release_id(r[1]), 3), RELEASE_EDEPLOY);
	promote(f->s, "myapp", release_id(r[2]));
	assert_store_ok(f->s, release_rollback(f->s, "myapp", NULL, NULL, NULL));
	n = read_log(f->s, "myapp", NULL, e, 8);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(release_deploy_seq(e[i]), 4 - i);
	free_log(e, n);
	free3(r);
}

static void a_promotions_entry_names_the_release_active_before(void **state)
{
	struct fixture *f = *state;
	release_deploy *d;
	release *r[3];

	NEEDS_LOG();
	three_releases(f->s, r);
	promote(f->s, "myapp", release_id(r[0]));
	promote(f->s, "myapp", release_id(r[2]));
	d = newest(f->s, "myapp");
	assert_text_equal(release_deploy_from(d), release_id(r[0]));
	assert_int_equal(release_deploy_from_version(d), 1);
	assert_text_equal(release_deploy_to(d), release_id(r[2]));
	assert_int_equal(release_deploy_to_version(d), 3);
	release_deploy_free(d);
	free3(r);
}

static void a_success_ends_when_its_release_became_active(void **state)
{
	struct fixture *f = *state;
	release_deploy *d;
	release *r[3], *got = NULL;

	NEEDS_LOG();
	three_releases(f->s, r);
	promote(f->s, "myapp", release_id(r[0]));
	promote(f->s, "myapp", release_id(r[1]));
	d = newest(f->s, "myapp");
	assert_store_ok(f->s, release_get(f->s, "myapp", release_id(r[1]), &got));
	assert_true(release_promoted(got) > 0);
	assert_int_equal(release_deploy_ended(d), release_promoted(got));
	release_free(got);
	release_deploy_free(d);
	free3(r);
}

static void started_and_ended_are_store_clock_readings_of_the_call(void **state)
{
	struct fixture *f = *state;
	release_deploy *d;
	int64_t before, after;
	release *r[3];

	NEEDS_LOG();
	three_releases(f->s, r);
	f->clock.now += 1000 * SEC;
	before = f->clock.now;
	promote(f->s, "myapp", release_id(r[0]));
	after = f->clock.now;
	d = newest(f->s, "myapp");
	assert_true(before <= release_deploy_started(d));
	assert_true(release_deploy_started(d) <= release_deploy_ended(d));
	assert_true(release_deploy_ended(d) < after);
	release_deploy_free(d);
	free3(r);
}

/* A deployer that moves the store's clock by a minute, as a slow deploy. */
static int deploy_takes_a_minute(void *payload, const release *r, release_events *ev)
{
	(void)r;
	(void)ev;
	((struct test_clock *)payload)->now += 60 * SEC;
	return 0;
}

static void started_is_before_the_deployer_and_ended_after(void **state)
{
	struct fixture *f = *state;
	release_promote_opts o;
	release_deploy *d;
	release *r[3];

	NEEDS_LOG();
	three_releases(f->s, r);
	release_promote_opts_init(&o);
	o.deploy = deploy_takes_a_minute;
	o.deploy_payload = &f->clock;
	assert_store_ok(f->s, release_promote(f->s, "myapp", release_id(r[0]), &o));
	d = newest(f->s, "myapp");
	assert_true(release_deploy_ended(d) - release_deploy_started(d) >= 60 * SEC);
	release_deploy_free(d);
	free3(r);
}

static void a_forced_promotion_is_marked_forced(void **state)
{
	struct fixture *f = *state;
	release_deploy *d;
	release *r[3];

	NEEDS_LOG();
	three_releases(f->s, r);
	promote(f->s, "myapp", release_id(r[2]));
	force_promote(f->s, "myapp", release_id(r[0]));
	d = newest(f->s, "myapp");
	assert_int_equal(release_deploy_forced(d), 1);
	assert_int_equal(release_deploy_kind(d), RELEASE_DEPLOY_PROMOTE);
	assert_text_equal(release_deploy_from(d), release_id(r[2]));
	assert_text_equal(release_deploy_to(d), release_id(r[0]));
	release_deploy_free(d);
	free3(r);
}

static void a_rollback_appends_a_rollback_entry_to_its_copy(void **state)
{
	struct fixture *f = *state;
	release_deploy *d;
	release *r[3], *copy = NULL;

	NEEDS_LOG();
	three_releases(f->s, r);
	promote(f->s, "myapp", release_id(r[0]));
	promote(f->s, "myapp", release_id(r[1]));
	assert_store_ok(f->s, release_store_set_actor(f->s, "roller"));
	assert_store_ok(f->s, release_rollback(f->s, "myapp", release_id(r[0]), NULL, &copy));
	d = newest(f->s, "myapp");
	assert_int_equal(release_deploy_seq(d), 3);
	assert_int_equal(release_deploy_kind(d), RELEASE_DEPLOY_ROLLBACK);
	assert_int_equal(release_deploy_failed(d), 0);
	assert_int_equal(release_deploy_forced(d), 0);
	assert_text_equal(release_deploy_from(d), release_id(r[1]));
	assert_int_equal(release_deploy_from_version(d), 2);
	assert_text_equal(release_deploy_to(d), release_id(copy));
	assert_int_equal(release_deploy_to_version(d), release_version(copy));
	assert_text_equal(release_deploy_target(d), release_id(r[0]));
	assert_text_equal(release_deploy_actor(d), "roller");
	assert_int_equal(release_deploy_ended(d), release_promoted(copy));
	release_deploy_free(d);
	release_free(copy);
	free3(r);
}

static void a_rollback_without_target_names_the_previous_release(void **state)
{
	struct fixture *f = *state;
	release_deploy *d;
	release *r[3];

	NEEDS_LOG();
	three_releases(f->s, r);
	promote(f->s, "myapp", release_id(r[0]));
	promote(f->s, "myapp", release_id(r[1]));
	assert_store_ok(f->s, release_rollback(f->s, "myapp", NULL, NULL, NULL));
	d = newest(f->s, "myapp");
	assert_text_equal(release_deploy_target(d), release_id(r[0]));
	release_deploy_free(d);
	free3(r);
}

static void a_failed_promotion_appends_a_failed_entry(void **state)
{
	struct fixture *f = *state;
	release_deploy *d;
	release *r[3], *got = NULL;

	NEEDS_LOG();
	three_releases(f->s, r);
	promote(f->s, "myapp", release_id(r[0]));
	assert_store_ok(f->s, release_store_set_actor(f->s, "unlucky"));
	assert_int_equal(fail_promote(f->s, "myapp", release_id(r[1]), 42), RELEASE_EDEPLOY);
	assert_int_equal(log_length(f->s, "myapp"), 2);
	d = newest(f->s, "myapp");
	assert_int_equal(release_deploy_seq(d), 2);
	assert_int_equal(release_deploy_kind(d), RELEASE_DEPLOY_PROMOTE);
	assert_int_equal(release_deploy_failed(d), 42);
	assert_text_equal(release_deploy_from(d), release_id(r[0]));
	assert_int_equal(release_deploy_from_version(d), 1);
	assert_text_equal(release_deploy_to(d), release_id(r[1]));
	assert_int_equal(release_deploy_to_version(d), 2);
	assert_text_equal(release_deploy_actor(d), "unlucky");
	assert_int_equal(release_deploy_until(d), 0);
	assert_true(release_deploy_started(d) <= release_deploy_ended(d));
	/* its commit is the release's failed stamp */
	assert_store_ok(f->s, release_get(f->s, "myapp", release_id(r[1]), &got));
	assert_int_equal(release_deploy_ended(d), release_failed(got));
	release_free(got);
	release_deploy_free(d);
	free3(r);
}

static void a_failed_entry_keeps_a_negative_deployer_code(void **state)
{
	struct fixture *f = *state;
	release_deploy *d;
	release *r[3];

	NEEDS_LOG();
	three_releases(f->s, r);
	assert_int_equal(fail_promote(f->s, "myapp", release_id(r[0]), -7), RELEASE_EDEPLOY);
	d = newest(f->s, "myapp");
	assert_int_equal(release_deploy_failed(d), -7);
	assert_null(release_deploy_from(d));
	assert_int_equal(release_deploy_from_version(d), 0);
	release_deploy_free(d);
	free3(r);
}

static void a_failed_rollback_appends_a_failed_rollback_entry(void **state)
{
	struct fixture *f = *state;
	release_promote_opts o;
	release_deploy *d;
	release *r[3], *copy = NULL;
	int code = 9;

	NEEDS_LOG();
	three_releases(f->s, r);
	promote(f->s, "myapp", release_id(r[0]));
	promote(f->s, "myapp", release_id(r[1]));
	release_promote_opts_init(&o);
	o.deploy = deploy_returns;
	o.deploy_payload = &code;
	assert_int_equal(release_rollback_copy(f->s, "myapp", NULL, &o, &copy), RELEASE_EDEPLOY);
	d = newest(f->s, "myapp");
	assert_int_equal(release_deploy_seq(d), 3);
	assert_int_equal(release_deploy_kind(d), RELEASE_DEPLOY_ROLLBACK);
	assert_int_equal(release_deploy_failed(d), 9);
	assert_text_equal(release_deploy_from(d), release_id(r[1]));
	assert_text_equal(release_deploy_to(d), release_id(copy));
	assert_int_equal(release_deploy_to_version(d), release_version(copy));
	assert_text_equal(release_deploy_target(d), release_id(r[0]));
	assert_int_equal(release_deploy_until(d), 0);
	release_deploy_free(d);
	release_free(copy);
	free3(r);
}

/* ------------------------------------------------- what appends nothing */

static void an_older_promotion_refused_adds_no_entry(void **state)
{
	struct fixture *f = *state;
	release *r[3];

	NEEDS_LOG();
	three_releases(f->s, r);
	promote(f->s, "myapp", release_id(r[2]));
	assert_int_equal(release_promote(f->s, "myapp", release_id(r[0]), NULL), RELEASE_EOLDER);
	assert_int_equal(log_length(f->s, "myapp"), 1);
	free3(r);
}

struct racer {
	release_store *other;
	const char *id;
	unsigned flags;
	int rc;
};

/* While our promotion holds the app, another handle promotes it. */
static int deploy_while_another_promotes(void *payload, const release *r, release_events *ev)
{
	struct racer *p = payload;
	release_promote_opts o;

	(void)r;
	(void)ev;
	release_promote_opts_init(&o);
	o.flags = p->flags;
	p->rc = release_promote(p->other, "myapp", p->id, &o);
	return 0;
}

static void a_busy_promotion_refused_adds_no_entry(void **state)
{
	struct fixture *f = *state;
	struct racer p = {NULL, NULL, 0, 0};
	release_promote_opts o;
	release *r[3];

	NEEDS_LOG();
	p.other = fixture_second_handle(f);
	three_releases(f->s, r);
	p.id = release_id(r[1]);
	release_promote_opts_init(&o);
	o.deploy = deploy_while_another_promotes;
	o.deploy_payload = &p;
	assert_store_ok(f->s, release_promote(f->s, "myapp", release_id(r[0]), &o));
	assert_int_equal(p.rc, RELEASE_EBUSY);
	assert_int_equal(log_length(f->s, "myapp"), 1);
	release_store_close(p.other);
	free3(r);
}

static void a_busy_rollback_refused_adds_no_entry(void **state)
{
	struct fixture *f = *state;
	struct racer p = {NULL, NULL, 0, 0};
	release_promote_opts o;
	release *r[3];

	NEEDS_LOG();
	p.other = fixture_second_handle(f);
	three_releases(f->s, r);
	promote(f->s, "myapp", release_id(r[0]));
	promote(f->s, "myapp", release_id(r[1]));
	release_promote_opts_init(&o);
	o.deploy = deploy_while_another_promotes;
	o.deploy_payload = &p;
	p.id = release_id(r[2]);
	/* our rollback holds the app while the other promotes: EBUSY, no entry */
	assert_store_ok(f->s, release_rollback(f->s, "myapp", NULL, &o, NULL));
	assert_int_equal(p.rc, RELEASE_EBUSY);
	assert_int_equal(log_length(f->s, "myapp"), 3);
	release_store_close(p.other);
	free3(r);
}

static void a_promotion_overtaken_by_a_forced_one_adds_no_entry(void **state)
{
	struct fixture *f = *state;
	struct racer p = {NULL, NULL, RELEASE_PROMOTE_FORCE, 0};
	release_promote_opts o;
	release_deploy *e[8];
	release *r[3];
	size_t n;

	NEEDS_LOG();
	p.other = fixture_second_handle(f);
	three_releases(f->s, r);
	assert_store_ok(p.other, release_store_set_actor(p.other, "forcer"));
	p.id = release_id(r[1]);
	release_promote_opts_init(&o);
	o.deploy = deploy_while_another_promotes;
	o.deploy_payload = &p;
	assert_int_equal(release_promote(f->s, "myapp", release_id(r[0]), &o), RELEASE_ECONFLICT);
	assert_int_equal(p.rc, 0);
	/* only what happened: the forced promotion */
	n = read_log(f->s, "myapp", NULL, e, 8);
	assert_int_equal(n, 1);
	assert_text_equal(release_deploy_to(e[0]), release_id(r[1]));
	assert_int_equal(release_deploy_forced(e[0]), 1);
	assert_text_equal(release_deploy_actor(e[0]), "forcer");
	free_log(e, n);
	release_store_close(p.other);
	free3(r);
}

static void an_unknown_release_promotion_adds_no_entry(void **state)
{
	struct fixture *f = *state;
	release *r[3];

	NEEDS_LOG();
	three_releases(f->s, r);
	assert_int_equal(release_promote(f->s, "myapp", "RAAAAAAAAA", NULL), RELEASE_ENOTFOUND);
	assert_int_equal(release_rollback(f->s, "myapp", NULL, NULL, NULL), RELEASE_ENOTFOUND);
	assert_int_equal(log_length(f->s, "myapp"), 0);
	free3(r);
}

static void promoting_the_active_release_again_appends_an_entry(void **state)
{
	struct fixture *f = *state;
	release_deploy *d;
	release *r[3];

	NEEDS_LOG();
	three_releases(f->s, r);
	promote(f->s, "myapp", release_id(r[0]));
	promote(f->s, "myapp", release_id(r[0]));
	assert_int_equal(log_length(f->s, "myapp"), 2);
	d = newest(f->s, "myapp");
	assert_text_equal(release_deploy_from(d), release_id(r[0]));
	assert_text_equal(release_deploy_to(d), release_id(r[0]));
	release_deploy_free(d);
	free3(r);
}

static void entries_are_never_changed_by_later_promotions(void **state)
{
	struct fixture *f = *state;
	release_deploy *first, *e[8];
	release *r[3];
	size_t n;

	NEEDS_LOG();
	three_releases(f->s, r);
	promote(f->s, "myapp", release_id(r[0]));
	first = newest(f->s, "myapp");
	promote(f->s, "myapp", release_id(r[1]));
	assert_int_equal(fail_promote(f->s, "myapp", release_id(r[2]), 1), RELEASE_EDEPLOY);
	n = read_log(f->s, "myapp", NULL, e, 8);
	assert_int_equal(n, 3);
	/* all but until, which the reader computes */
	assert_int_equal(release_deploy_seq(e[2]), 1);
	assert_text_equal(release_deploy_to(e[2]), release_deploy_to(first));
	assert_null(release_deploy_from(e[2]));
	assert_text_equal(release_deploy_actor(e[2]), release_deploy_actor(first));
	assert_int_equal(release_deploy_started(e[2]), release_deploy_started(first));
	assert_int_equal(release_deploy_ended(e[2]), release_deploy_ended(first));
	assert_int_equal(release_deploy_failed(e[2]), 0);
	free_log(e, n);
	release_deploy_free(first);
	free3(r);
}

static void each_app_has_its_own_log(void **state)
{
	struct fixture *f = *state;
	release *a, *b, *c;

	NEEDS_LOG();
	make_app(f->s, "one");
	make_app(f->s, "two");
	a = make_build_release(f->s, "one", "a");
	b = make_build_release(f->s, "two", "b");
	c = make_build_release(f->s, "two", "c");
	promote(f->s, "one", release_id(a));
	promote(f->s, "two", release_id(b));
	promote(f->s, "two", release_id(c));
	assert_int_equal(log_length(f->s, "one"), 1);
	assert_int_equal(log_length(f->s, "two"), 2);
	release_free(a);
	release_free(b);
	release_free(c);
}

/* ------------------------------------------------------- the log's life */

static void prune_keeps_the_log(void **state)
{
	struct fixture *f = *state;
	release_deploy *e[16];
	int64_t ended[16];
	size_t removed = 0, n;

	NEEDS_LOG();
	long_log(f->s, 7, ended);
	assert_store_ok(f->s, release_prune(f->s, "myapp", 0, &removed));
	assert_true(removed > 0);
	n = read_log(f->s, "myapp", NULL, e, 16);
	assert_int_equal(n, 7);
	/* entries name releases that are gone */
	{
		release *r = NULL;

		assert_int_equal(release_get(f->s, "myapp", release_deploy_to(e[6]), &r),
				 RELEASE_ENOTFOUND);
	}
	assert_int_equal(release_deploy_ended(e[6]), ended[1]);
	free_log(e, n);
	deploy_at(f->s, ended[1], 1);
}

static void a_recreated_app_starts_an_empty_log(void **state)
{
	struct fixture *f = *state;
	release_deploy *d = NULL;
	int64_t ended[16];
	release *r;

	NEEDS_LOG();
	long_log(f->s, 4, ended);
	assert_store_ok(f->s, release_app_delete(f->s, "myapp"));
	make_app(f->s, "myapp");
	assert_int_equal(log_length(f->s, "myapp"), 0);
	assert_int_equal(release_deploy_at(f->s, "myapp", INT64_MAX, &d), RELEASE_ENOTFOUND);
	r = make_build_release(f->s, "myapp", "again");
	promote(f->s, "myapp", release_id(r));
	d = newest(f->s, "myapp");
	assert_int_equal(release_deploy_seq(d), 1);
	assert_null(release_deploy_from(d));
	assert_int_equal(release_deploy_until(d), 0);
	release_deploy_free(d);
	release_free(r);
}

static void a_deleted_apps_log_is_enotfound(void **state)
{
	struct fixture *f = *state;
	release_deploy_iter *it = NULL;
	int64_t ended[16];

	NEEDS_LOG();
	long_log(f->s, 2, ended);
	assert_store_ok(f->s, release_app_delete(f->s, "myapp"));
	assert_int_equal(release_deploy_list(f->s, "myapp", NULL, &it), RELEASE_ENOTFOUND);
	assert_null(it);
}

static void the_log_is_read_by_another_handle(void **state)
{
	struct fixture *f = *state;
	release_store *other;
	release_deploy *a, *b;
	int64_t ended[16];

	NEEDS_LOG();
	other = fixture_second_handle(f);
	long_log(f->s, 3, ended);
	a = newest(f->s, "myapp");
	b = newest(other, "myapp");
	assert_same_entry(b, a);
	release_deploy_free(a);
	release_deploy_free(b);
	release_store_close(other);
}

static void the_log_outlives_the_handle(void **state)
{
	release_store *s = NULL;
	release_deploy *d;
	char uri[1200];
	release *r;

	(void)state;
	if (!test_store_is_shared()) {
		skip();
		return;
	}
	snprintf(uri, sizeof uri, "%s", test_store_uri());
	assert_ok(test_store_open(&s, uri, NULL));
	make_app(s, "myapp");
	r = make_build_release(s, "myapp", "b");
	promote(s, "myapp", release_id(r));
	release_store_close(s);
	assert_ok(test_store_open(&s, uri, NULL));
	d = newest(s, "myapp");
	assert_text_equal(release_deploy_to(d), release_id(r));
	release_deploy_free(d);
	release_free(r);
	release_store_close(s);
}

/* ------------------------------------------------------------ dup, free */

static void dup_keeps_every_field(void **state)
{
	struct fixture *f = *state;
	release_deploy_iter *it = NULL;
	const release_deploy *d = NULL;
	release_deploy *copy;
	int64_t ended[16];

	NEEDS_LOG();
	long_log(f->s, 3, ended);
	assert_store_ok(f->s, release_rollback(f->s, "myapp", NULL, NULL, NULL));
	assert_store_ok(f->s, release_deploy_list(f->s, "myapp", NULL, &it));
	for (int i = 0; i < 4; i++) { /* a rollback, a failure, two successes */
		assert_store_ok(f->s, release_deploy_iter_next(it, &d));
		copy = release_deploy_dup(d);
		assert_non_null(copy);
		assert_same_entry(copy, d);
		release_deploy_free(copy);
	}
	/* a copy outlives its iterator */
	copy = release_deploy_dup(d);
	release_deploy_iter_free(it);
	assert_int_equal(release_deploy_seq(copy), 1);
	assert_int_equal(release_deploy_until(copy), ended[2]);
	release_deploy_free(copy);
}

static void dup_of_null_is_null_and_free_takes_null(void **state)
{
	(void)state;
	assert_null(release_deploy_dup(NULL));
	release_deploy_free(NULL);
	release_deploy_iter_free(NULL);
}

/* ------------------------------------------------------------ arguments */

static void null_arguments_are_einval(void **state)
{
	struct fixture *f = *state;
	release_deploy_iter *it = (release_deploy_iter *)f;
	release_deploy *d = (release_deploy *)f;
	const release_deploy *item = NULL;

	make_app(f->s, "myapp");
	assert_int_equal(release_deploy_list(NULL, "myapp", NULL, &it), RELEASE_EINVAL);
	assert_null(it);
	it = (release_deploy_iter *)f;
	assert_int_equal(release_deploy_list(f->s, NULL, NULL, &it), RELEASE_EINVAL);
	assert_null(it);
	assert_int_equal(release_deploy_list(f->s, "myapp", NULL, NULL), RELEASE_EINVAL);
	assert_int_equal(release_deploy_iter_next(NULL, &item), RELEASE_EINVAL);
	assert_int_equal(release_deploy_at(NULL, "myapp", 0, &d), RELEASE_EINVAL);
	assert_null(d);
	d = (release_deploy *)f;
	assert_int_equal(release_deploy_at(f->s, NULL, 0, &d), RELEASE_EINVAL);
	assert_null(d);
	assert_int_equal(release_deploy_at(f->s, "myapp", 0, NULL), RELEASE_EINVAL);
}

static void iter_next_with_null_out_is_einval(void **state)
{
	struct fixture *f = *state;
	release_deploy_iter *it = NULL;

	NEEDS_LOG();
	make_app(f->s, "myapp");
	assert_store_ok(f->s, release_deploy_list(f->s, "myapp", NULL, &it));
	assert_int_equal(release_deploy_iter_next(it, NULL), RELEASE_EINVAL);
	release_deploy_iter_free(it);
}

static void an_invalid_app_name_is_einval(void **state)
{
	struct fixture *f = *state;
	release_deploy_iter *it = NULL;
	release_deploy *d = NULL;

	assert_int_equal(release_deploy_list(f->s, "Bad App", NULL, &it), RELEASE_EINVAL);
	assert_int_equal(release_deploy_at(f->s, "Bad App", 0, &d), RELEASE_EINVAL);
}

static void uninitialised_list_opts_are_einval(void **state)
{
	struct fixture *f = *state;
	release_deploy_iter *it = NULL;
	release_list_opts o;

	make_app(f->s, "myapp");
	memset(&o, 0, sizeof o);
	assert_int_equal(release_deploy_list(f->s, "myapp", &o, &it), RELEASE_EINVAL);
	assert_null(it);
}

/* ------------------------------------------- a backend older than version 3 */

static void the_log_is_eunsupported_on_a_version_1_backend(void **state)
{
	struct fixture *f = *state;
	release_deploy_iter *it = (release_deploy_iter *)f;
	release_deploy *d = (release_deploy *)f;
	release *r[3];

	if (!test_store_is_v1()) {
		skip();
		return;
	}
	three_releases(f->s, r);
	promote(f->s, "myapp", release_id(r[0]));
	assert_int_equal(release_deploy_list(f->s, "myapp", NULL, &it), RELEASE_EUNSUPPORTED);
	assert_null(it);
	assert_int_equal(release_deploy_at(f->s, "myapp", INT64_MAX, &d), RELEASE_EUNSUPPORTED);
	assert_null(d);
	free3(r);
}

static void promotions_go_on_without_a_log_on_a_version_1_backend(void **state)
{
	struct fixture *f = *state;
	release *r[3], *copy = NULL;

	if (!test_store_is_v1()) {
		skip();
		return;
	}
	three_releases(f->s, r);
	promote(f->s, "myapp", release_id(r[0]));
	promote(f->s, "myapp", release_id(r[1]));
	assert_int_equal(fail_promote(f->s, "myapp", release_id(r[2]), 5), RELEASE_EDEPLOY);
	assert_text_equal(active_of(f->s, "myapp"), release_id(r[1]));
	assert_store_ok(f->s, release_rollback(f->s, "myapp", NULL, NULL, &copy));
	assert_text_equal(active_of(f->s, "myapp"), release_id(copy));
	assert_text_equal(release_source(copy), release_id(r[0]));
	release_free(copy);
	free3(r);
}

static void the_fixture_backend_under_test_keeps_a_log_unless_version_1(void **state)
{
	struct fixture *f = *state;

	/* every built-in backend and PostgreSQL are version 3 */
	if (test_store_is_v1())
		assert_int_equal(shared_backend_version(f->backend), 1);
	else
		assert_int_equal(shared_backend_version(f->backend), RELEASE_STORAGE_VERSION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(the_fixture_backend_under_test_keeps_a_log_unless_version_1),
		T(a_new_app_has_an_empty_log),
		T(a_promotion_appends_one_entry),
		T(seqs_start_at_one_and_grow_by_one),
		T(a_promotions_entry_names_the_release_active_before),
		T(a_success_ends_when_its_release_became_active),
		T(started_and_ended_are_store_clock_readings_of_the_call),
		T(started_is_before_the_deployer_and_ended_after),
		T(a_forced_promotion_is_marked_forced),
		T(a_rollback_appends_a_rollback_entry_to_its_copy),
		T(a_rollback_without_target_names_the_previous_release),
		T(a_failed_promotion_appends_a_failed_entry),
		T(a_failed_entry_keeps_a_negative_deployer_code),
		T(a_failed_rollback_appends_a_failed_rollback_entry),
		T(an_older_promotion_refused_adds_no_entry),
		T(a_busy_promotion_refused_adds_no_entry),
		T(a_busy_rollback_refused_adds_no_entry),
		T(a_promotion_overtaken_by_a_forced_one_adds_no_entry),
		T(an_unknown_release_promotion_adds_no_entry),
		T(promoting_the_active_release_again_appends_an_entry),
		T(entries_are_never_changed_by_later_promotions),
		T(each_app_has_its_own_log),
		T(prune_keeps_the_log),
		T(a_recreated_app_starts_an_empty_log),
		T(a_deleted_apps_log_is_enotfound),
		T(the_log_is_read_by_another_handle),
		T(the_log_outlives_the_handle),
		T(dup_keeps_every_field),
		T(dup_of_null_is_null_and_free_takes_null),
		T(null_arguments_are_einval),
		T(iter_next_with_null_out_is_einval),
		T(an_invalid_app_name_is_einval),
		T(uninitialised_list_opts_are_einval),
		T(the_log_is_eunsupported_on_a_version_1_backend),
		T(promotions_go_on_without_a_log_on_a_version_1_backend),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
