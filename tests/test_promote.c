/* Promotion: the lease, the deployer, events and the active pointer. */
#include "harness.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

struct events {
	char lines[32][160];
	int n;
};

static void record_event(void *payload, int64_t time, const char *source, const char *message)
{
	struct events *e = payload;

	assert_true(time > 0);
	if (e->n < 32)
		snprintf(e->lines[e->n++], sizeof e->lines[0], "%s %s", source, message);
}

static int deploy_ok(void *payload, const release *r, release_events *ev)
{
	(void)payload;
	assert_int_equal(release_events_emit(ev, "system/k8s/web", release_id(r)), 0);
	return 0;
}

static int deploy_fails(void *payload, const release *r, release_events *ev)
{
	(void)payload;
	(void)r;
	release_events_emit(ev, "system/k8s/web", "crash loop");
	return 1;
}

static void promoting_makes_the_release_active(void **state)
{
	struct fixture *f = *state;
	release *r, *got = NULL;

	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "b");
	promote(f->s, "myapp", release_id(r));
	assert_string_equal(active_of(f->s, "myapp"), release_id(r));
	assert_store_ok(f->s, release_get(f->s, "myapp", release_id(r), &got));
	assert_int_equal(release_is_active(got), 1);
	assert_true(release_promoted(got) > release_created(got));
	assert_int_equal(release_failed(got), 0);
	release_free(got);
	release_free(r);
}

static void the_previous_active_release_is_remembered(void **state)
{
	struct fixture *f = *state;
	release *r1, *r2;
	release_app *a = NULL;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	promote(f->s, "myapp", release_id(r1));
	promote(f->s, "myapp", release_id(r2));
	assert_store_ok(f->s, release_app_get(f->s, "myapp", &a));
	assert_string_equal(release_app_active(a), release_id(r2));
	assert_string_equal(release_app_previous(a), release_id(r1));
	release_app_free(a);
	release_free(r1);
	release_free(r2);
}

static void events_report_status_changes_around_the_deployer(void **state)
{
	struct fixture *f = *state;
	release_promote_opts o;
	struct events ev = {0};
	char want[160];
	release *r;

	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "b");
	release_promote_opts_init(&o);
	o.deploy = deploy_ok;
	o.on_event = record_event;
	o.event_payload = &ev;
	assert_store_ok(f->s, release_promote(f->s, "myapp", release_id(r), &o));
	assert_int_equal(ev.n, 3);
	assert_string_equal(ev.lines[0], "librelease app Status: running => updating");
	snprintf(want, sizeof want, "system/k8s/web %s", release_id(r));
	assert_string_equal(ev.lines[1], want);
	assert_string_equal(ev.lines[2], "librelease app Status: updating => running");
	release_free(r);
}

static void a_failing_deployer_keeps_the_previous_release_active(void **state)
{
	struct fixture *f = *state;
	release_promote_opts o;
	struct events ev = {0};
	release *good, *bad, *got = NULL;

	make_app(f->s, "myapp");
	good = make_build_release(f->s, "myapp", "good");
	bad = make_build_release(f->s, "myapp", "bad");
	promote(f->s, "myapp", release_id(good));
	release_promote_opts_init(&o);
	o.deploy = deploy_fails;
	o.on_event = record_event;
	o.event_payload = &ev;
	assert_int_equal(release_promote(f->s, "myapp", release_id(bad), &o), RELEASE_EDEPLOY);
	assert_non_null(strstr(release_store_errmsg(f->s), release_id(good)));
	assert_string_equal(active_of(f->s, "myapp"), release_id(good));
	assert_store_ok(f->s, release_get(f->s, "myapp", release_id(bad), &got));
	assert_true(release_failed(got) > 0);
	assert_int_equal(release_promoted(got), 0);
	assert_int_equal(release_is_active(got), 0);
	assert_string_equal(ev.lines[ev.n - 2], "librelease app Status: updating => rollback");
	assert_string_equal(ev.lines[ev.n - 1], "librelease app Status: rollback => running");
	release_free(got);
	release_free(good);
	release_free(bad);
}

static void a_failed_promotion_leaves_the_app_running(void **state)
{
	struct fixture *f = *state;
	release_promote_opts o;
	release_app *a = NULL;
	release *r;

	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "bad");
	release_promote_opts_init(&o);
	o.deploy = deploy_fails;
	assert_int_equal(release_promote(f->s, "myapp", release_id(r), &o), RELEASE_EDEPLOY);
	assert_store_ok(f->s, release_app_get(f->s, "myapp", &a));
	assert_int_equal(release_app_status(a), RELEASE_APP_RUNNING);
	assert_null(release_app_active(a));
	release_app_free(a);
	release_free(r);
}

static void promoting_an_older_release_is_refused(void **state)
{
	struct fixture *f = *state;
	release *r1, *r2;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	promote(f->s, "myapp", release_id(r2));
	assert_int_equal(release_promote(f->s, "myapp", release_id(r1), NULL), RELEASE_EOLDER);
	assert_non_null(strstr(release_store_errmsg(f->s), "rollback"));
	assert_string_equal(active_of(f->s, "myapp"), release_id(r2));
	release_free(r1);
	release_free(r2);
}

static void force_promotes_an_older_release(void **state)
{
	struct fixture *f = *state;
	release_promote_opts o;
	release *r1, *r2;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	promote(f->s, "myapp", release_id(r2));
	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_FORCE;
	assert_store_ok(f->s, release_promote(f->s, "myapp", release_id(r1), &o));
	assert_string_equal(active_of(f->s, "myapp"), release_id(r1));
	release_free(r1);
	release_free(r2);
}

static void promoting_a_newer_release_needs_no_force(void **state)
{
	struct fixture *f = *state;
	release *r1, *r3;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	release_free(make_build_release(f->s, "myapp", "two"));
	r3 = make_build_release(f->s, "myapp", "three");
	promote(f->s, "myapp", release_id(r1));
	promote(f->s, "myapp", release_id(r3));
	assert_string_equal(active_of(f->s, "myapp"), release_id(r3));
	release_free(r1);
	release_free(r3);
}

struct second_promoter {
	release_store *other;
	const char *app;
	const char *id;
	int rc;
	unsigned flags;
	int app_status;
	char lease_owner[64];
	char errmsg[256];
	int64_t wait_ns;
	int64_t waited_ns;
};

/* While the first promotion runs, a second promoter (another handle, as
 * another process would be) tries the same app. */
static int deploy_while_another_promotes(void *payload, const release *r, release_events *ev)
{
	struct second_promoter *p = payload;
	release_promote_opts o;
	release_app *a = NULL;
	struct timespec t0, t1;

	(void)r;
	(void)ev;
	release_promote_opts_init(&o);
	o.flags = p->flags;
	o.owner = "second";
	o.wait_ns = p->wait_ns;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	p->rc = release_promote(p->other, p->app, p->id, &o);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	p->waited_ns = (t1.tv_sec - t0.tv_sec) * INT64_C(1000000000) + (t1.tv_nsec - t0.tv_nsec);
	snprintf(p->errmsg, sizeof p->errmsg, "%s", release_store_errmsg(p->other));
	assert_store_ok(p->other, release_app_get(p->other, p->app, &a));
	p->app_status = release_app_status(a);
	snprintf(p->lease_owner, sizeof p->lease_owner, "%s",
		 release_app_lease_owner(a) ? release_app_lease_owner(a) : "");
	release_app_free(a);
	return 0;
}

/* Options whose deployer runs p's promotion while ours holds the lease. */
static void racing_opts(release_promote_opts *o, struct second_promoter *p)
{
	release_promote_opts_init(o);
	o->deploy = deploy_while_another_promotes;
	o->deploy_payload = p;
}

/* Another handle on the fixture's backend, reading its own clock. */
static release_store *handle_with_clock(struct fixture *f, struct test_clock *clock)
{
	release_store_opts so;

	release_store_opts_init(&so);
	so.clock = test_clock_read;
	so.clock_payload = clock;
	so.random = test_random_fill;
	so.random_payload = &f->random;
	return shared_backend_open(f->backend, &so);
}

static void a_second_promoter_gets_ebusy(void **state)
{
	struct fixture *f = *state;
	struct second_promoter p = {fixture_second_handle(f), "myapp", NULL, 0, 0, -1, "", "", 0, 0};
	release_promote_opts o;
	release *r1, *r2;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	p.id = release_id(r2);
	racing_opts(&o, &p);
	o.owner = "first";
	assert_store_ok(f->s, release_promote(f->s, "myapp", release_id(r1), &o));
	assert_int_equal(p.rc, RELEASE_EBUSY);
	assert_non_null(strstr(p.errmsg, "first"));
	assert_int_equal(p.app_status, RELEASE_APP_UPDATING);
	assert_string_equal(active_of(f->s, "myapp"), release_id(r1));
	release_store_close(p.other);
	release_free(r1);
	release_free(r2);
}

static void the_app_reports_who_holds_the_lease(void **state)
{
	struct fixture *f = *state;
	struct second_promoter p = {fixture_second_handle(f), "myapp", NULL, 0, 0, -1, "", "", 0, 0};
	release_promote_opts o;
	release *r1;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	p.id = release_id(r1);
	racing_opts(&o, &p);
	assert_store_ok(f->s, release_promote(f->s, "myapp", release_id(r1), &o));
	assert_int_equal(p.app_status, RELEASE_APP_UPDATING);
	/* the default owner names the process and its host */
	assert_memory_equal(p.lease_owner, "pid ", 4);
	assert_non_null(strstr(p.lease_owner, " on "));
	/* after the promotion, the app is idle again */
	{
		release_app *a = NULL;

		assert_store_ok(f->s, release_app_get(f->s, "myapp", &a));
		assert_int_equal(release_app_status(a), RELEASE_APP_RUNNING);
		assert_null(release_app_lease_owner(a));
		release_app_free(a);
	}
	release_store_close(p.other);
	release_free(r1);
}

static void force_takes_a_live_lease(void **state)
{
	struct fixture *f = *state;
	struct second_promoter p = {fixture_second_handle(f), "myapp", NULL, 0,
				    RELEASE_PROMOTE_FORCE, -1, "", "", 0, 0};
	release_promote_opts o;
	release *r1, *r2;
	int rc;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	p.id = release_id(r2);
	racing_opts(&o, &p);
	rc = release_promote(f->s, "myapp", release_id(r1), &o);
	/* The forced promoter won; the first sees the pointer moved under it. */
	assert_int_equal(p.rc, 0);
	assert_int_equal(rc, RELEASE_ECONFLICT);
	assert_string_equal(active_of(f->s, "myapp"), release_id(r2));
	release_store_close(p.other);
	release_free(r1);
	release_free(r2);
}

struct probe {
	release_store *s;
	int64_t expires;
};

static int deploy_probe(void *payload, const release *r, release_events *ev)
{
	struct probe *p = payload;
	release_app *a = NULL;

	(void)r;
	(void)ev;
	assert_store_ok(p->s, release_app_get(p->s, "probe", &a));
	p->expires = release_app_lease_expires(a);
	release_app_free(a);
	return 0;
}

/* Whether the backend holds apps for as long as the promoter lives (a hold,
 * shown with no expiry) rather than with an expiring lease record. */
static int uses_holds(struct fixture *f)
{
	struct probe p = {f->s, 0};
	release_promote_opts o;
	release *r;

	make_app(f->s, "probe");
	r = make_build_release(f->s, "probe", "probe");
	release_promote_opts_init(&o);
	o.deploy = deploy_probe;
	o.deploy_payload = &p;
	assert_store_ok(f->s, release_promote(f->s, "probe", release_id(r), &o));
	release_free(r);
	return p.expires == INT64_MAX;
}

/* With holds, no clock ends a promotion's hold: only its holder does. */
static void a_hold_outlasts_any_lease_length(void **state)
{
	struct fixture *f = *state;
	struct second_promoter p = {NULL, "myapp", NULL, 0, 0, -1, "", "", 0, 0};
	struct test_clock later = {0, 0};
	release_promote_opts o;
	release *r1, *r2;

	if (!uses_holds(f))
		skip();
	later.now = f->clock.now + INT64_C(3600) * 1000000000;
	p.other = handle_with_clock(f, &later);
	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	p.id = release_id(r2);
	racing_opts(&o, &p);
	assert_store_ok(f->s, release_promote(f->s, "myapp", release_id(r1), &o));
	assert_int_equal(p.rc, RELEASE_EBUSY);
	assert_int_equal(p.app_status, RELEASE_APP_UPDATING);
	assert_string_equal(active_of(f->s, "myapp"), release_id(r1));
	release_store_close(p.other);
	release_free(r1);
	release_free(r2);
}

static void an_expired_lease_is_taken_over(void **state)
{
	struct fixture *f = *state;
	struct second_promoter p = {NULL, "myapp", NULL, 0, 0, -1, "", "", 0, 0};
	release_promote_opts o;
	release *r1, *r2;

	/* expiring lease records only: a hold never expires */
	if (uses_holds(f))
		skip();

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	p.id = release_id(r2);
	racing_opts(&o, &p);
	/* The second promoter's clock runs eleven minutes ahead: to it the
	 * first promoter's ten-minute lease has expired. */
	f->clock.step = 0;
	{
		struct test_clock later = {f->clock.now + INT64_C(660) * 1000000000, 0};

		p.other = handle_with_clock(f, &later);
		assert_int_equal(release_promote(f->s, "myapp", release_id(r1), &o),
				 RELEASE_ECONFLICT);
		assert_int_equal(p.rc, 0);
		release_store_close(p.other);
	}
	assert_string_equal(active_of(f->s, "myapp"), release_id(r2));
	release_free(r1);
	release_free(r2);
}

static void a_waiting_promoter_gives_up_after_wait_ns(void **state)
{
	struct fixture *f = *state;
	struct second_promoter p = {fixture_second_handle(f), "myapp", NULL, 0, 0, -1, "", "",
				    INT64_C(30000000), 0};
	release_promote_opts o;
	release *r1;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	p.id = release_id(r1);
	racing_opts(&o, &p);
	assert_store_ok(f->s, release_promote(f->s, "myapp", release_id(r1), &o));
	assert_int_equal(p.rc, RELEASE_EBUSY);
	assert_true(p.waited_ns >= INT64_C(30000000));
	release_store_close(p.other);
	release_free(r1);
}

static void a_waiting_promoter_gets_the_lease_once_it_expires(void **state)
{
	struct fixture *f = *state;
	struct second_promoter p = {NULL, "myapp", NULL, 0, 0, -1, "", "", INT64_C(10000000000), 0};
	/* To the second promoter a minute passes at every look at its clock:
	 * the first promoter's ten-minute lease runs out while it waits. */
	struct test_clock fast = {f->clock.now, INT64_C(60) * 1000000000};
	release_promote_opts o;
	release *r1, *r2;

	/* expiring lease records only: a hold never expires */
	if (uses_holds(f))
		skip();

	p.other = handle_with_clock(f, &fast);
	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	p.id = release_id(r2);
	racing_opts(&o, &p);
	assert_int_equal(release_promote(f->s, "myapp", release_id(r1), &o), RELEASE_ECONFLICT);
	assert_int_equal(p.rc, 0);
	assert_string_equal(active_of(f->s, "myapp"), release_id(r2));
	release_store_close(p.other);
	release_free(r1);
	release_free(r2);
}

/* Another handle on the fixture's backend with its own clock and lease. */
static release_store *handle_with_lease(struct fixture *f, struct test_clock *clock,
					int64_t lease_ns)
{
	release_store_opts so;

	release_store_opts_init(&so);
	so.clock = test_clock_read;
	so.clock_payload = clock;
	so.random = test_random_fill;
	so.random_payload = &f->random;
	so.lease_ns = lease_ns;
	return shared_backend_open(f->backend, &so);
}

/* Promotes myapp's one release on first, whose deployer has second try
 * the same; returns the second's result. */
static int second_promoter_result(release_store *first, release_store *second)
{
	struct second_promoter p = {second, "myapp", NULL, 0, 0, -1, "", "", 0, 0};
	release_promote_opts o;
	release *r;

	make_app(first, "myapp");
	r = make_build_release(first, "myapp", "one");
	p.id = release_id(r);
	racing_opts(&o, &p);
	assert_store_ok(first, release_promote(first, "myapp", release_id(r), &o));
	release_free(r);
	return p.rc;
}

/* A lease as long as int64_t allows lasts: now + lease_ns must not wrap
 * into the past, or the lease is written expired and two promoters deploy
 * at once. */
static void a_lease_of_int64_max_keeps_a_second_promoter_out(void **state)
{
	struct fixture *f = *state;
	struct test_clock c = {f->clock.now, 0};
	release_store *first = handle_with_lease(f, &c, INT64_MAX);
	release_store *second = fixture_second_handle(f);

	assert_int_equal(second_promoter_result(first, second), RELEASE_EBUSY);
	release_store_close(first);
	release_store_close(second);
}

/* The same at the far end of time: a clock a minute short of INT64_MAX. */
static void a_lease_taken_near_the_end_of_time_keeps_a_second_promoter_out(void **state)
{
	struct fixture *f = *state;
	struct test_clock late = {INT64_MAX - INT64_C(60) * 1000000000, 0};
	release_store *first = handle_with_lease(f, &late, 0);
	release_store *second = handle_with_lease(f, &late, 0);

	assert_int_equal(second_promoter_result(first, second), RELEASE_EBUSY);
	release_store_close(first);
	release_store_close(second);
}

/* wait_ns = INT64_MAX waits as long as it takes: here until the lease
 * expires, by the second promoter's fast clock. */
static void waiting_up_to_int64_max_waits_for_the_lease(void **state)
{
	struct fixture *f = *state;
	struct second_promoter p = {NULL, "myapp", NULL, 0, 0, -1, "", "", INT64_MAX, 0};
	struct test_clock fast = {f->clock.now, INT64_C(60) * 1000000000};
	release_promote_opts o;
	release *r1, *r2;

	/* expiring lease records only: a hold never expires */
	if (uses_holds(f))
		skip();

	p.other = handle_with_clock(f, &fast);
	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	p.id = release_id(r2);
	racing_opts(&o, &p);
	assert_int_equal(release_promote(f->s, "myapp", release_id(r1), &o), RELEASE_ECONFLICT);
	assert_int_equal(p.rc, 0);
	assert_string_equal(active_of(f->s, "myapp"), release_id(r2));
	release_store_close(p.other);
	release_free(r1);
	release_free(r2);
}

/* A deployer that runs 90 s under a 60 s lease, keeping it alive at 40 s
 * (by keepalive, or by an event), while another promoter tries at the end. */
struct long_deploy {
	struct test_clock *clock;
	release_store *other;
	const char *id;
	int by_event;
	int keep_rc, second_rc;
};

static int deploy_for_90_seconds(void *payload, const release *r, release_events *ev)
{
	struct long_deploy *d = payload;

	(void)r;
	d->clock->now += INT64_C(40) * 1000000000;
	if (d->by_event)
		d->keep_rc = release_events_emit(ev, "deployer", "still going");
	else
		d->keep_rc = release_events_keepalive(ev);
	d->clock->now += INT64_C(50) * 1000000000;
	d->second_rc = release_promote(d->other, "myapp", d->id, NULL);
	return 0;
}

static void long_deploy_keeps_the_lease(struct fixture *f, int by_event)
{
	struct test_clock c = {f->clock.now, 0};
	release_store *first = handle_with_lease(f, &c, INT64_C(60) * 1000000000);
	struct long_deploy d = {&c, handle_with_lease(f, &c, INT64_C(60) * 1000000000), NULL,
				by_event, -1, -1};
	release_promote_opts o;
	release *r1, *r2;

	make_app(first, "myapp");
	r1 = make_build_release(first, "myapp", "one");
	r2 = make_build_release(first, "myapp", "two");
	d.id = release_id(r1);
	release_promote_opts_init(&o);
	o.deploy = deploy_for_90_seconds;
	o.deploy_payload = &d;
	assert_store_ok(first, release_promote(first, "myapp", release_id(r2), &o));
	assert_int_equal(d.keep_rc, 0);
	/* 90 s in, the lease (60 s, renewed at 40 s) still keeps others out */
	assert_int_equal(d.second_rc, RELEASE_EBUSY);
	assert_string_equal(active_of(first, "myapp"), release_id(r2));
	release_store_close(d.other);
	release_store_close(first);
	release_free(r1);
	release_free(r2);
}

static void a_long_deployer_keeps_its_lease_with_keepalive(void **state)
{
	long_deploy_keeps_the_lease(*state, 0);
}

static void a_long_deployer_keeps_its_lease_by_emitting_events(void **state)
{
	long_deploy_keeps_the_lease(*state, 1);
}

static void keepalive_refuses_null(void **state)
{
	(void)state;
	assert_int_equal(release_events_keepalive(NULL), RELEASE_EINVAL);
}

static void promoting_an_unknown_release_is_enotfound(void **state)
{
	struct fixture *f = *state;

	make_app(f->s, "myapp");
	assert_int_equal(release_promote(f->s, "myapp", "RZZZZZZZZZ", NULL), RELEASE_ENOTFOUND);
}

static void promoting_in_an_unknown_app_is_enotfound(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(release_promote(f->s, "ghost", "RZZZZZZZZZ", NULL), RELEASE_ENOTFOUND);
}

static void promoting_the_active_release_again_keeps_the_previous_one(void **state)
{
	struct fixture *f = *state;
	release *r1, *r2;
	release_app *a = NULL;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	promote(f->s, "myapp", release_id(r1));
	promote(f->s, "myapp", release_id(r2));
	promote(f->s, "myapp", release_id(r2));
	assert_store_ok(f->s, release_app_get(f->s, "myapp", &a));
	assert_string_equal(release_app_previous(a), release_id(r1));
	release_app_free(a);
	release_free(r1);
	release_free(r2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(promoting_makes_the_release_active),
		T(the_previous_active_release_is_remembered),
		T(events_report_status_changes_around_the_deployer),
		T(a_failing_deployer_keeps_the_previous_release_active),
		T(a_failed_promotion_leaves_the_app_running),
		T(promoting_an_older_release_is_refused),
		T(force_promotes_an_older_release),
		T(promoting_a_newer_release_needs_no_force),
		T(a_second_promoter_gets_ebusy),
		T(the_app_reports_who_holds_the_lease),
		T(force_takes_a_live_lease),
		T(an_expired_lease_is_taken_over),
		T(a_hold_outlasts_any_lease_length),
		T(a_waiting_promoter_gives_up_after_wait_ns),
		T(a_waiting_promoter_gets_the_lease_once_it_expires),
		T(a_lease_of_int64_max_keeps_a_second_promoter_out),
		T(a_lease_taken_near_the_end_of_time_keeps_a_second_promoter_out),
		T(waiting_up_to_int64_max_waits_for_the_lease),
		T(a_long_deployer_keeps_its_lease_with_keepalive),
		T(a_long_deployer_keeps_its_lease_by_emitting_events),
		T(keepalive_refuses_null),
		T(promoting_an_unknown_release_is_enotfound),
		T(promoting_in_an_unknown_app_is_enotfound),
		T(promoting_the_active_release_again_keeps_the_previous_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
