/*
 * RELEASE_PROMOTE_IF_PENDING: a release deployed already (active, failed,
 * or active until a forced promotion moved away from it), as read once the
 * lease is held, is RELEASE_EEXIST with nothing run or written; and
 * RELEASE_EEXIST from a promotion means only that.
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

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

static int deploy_fails(void *payload, const release *r, release_events *ev)
{
	(void)payload;
	(void)r;
	release_events_emit(ev, "system/k8s/web", "crash loop");
	return 1;
}

static int count_deploys(void *payload, const release *r, release_events *ev)
{
	(void)r;
	(void)ev;
	(*(int *)payload)++;
	return 0;
}

static void promoting_the_active_release_if_pending_is_eexist_and_does_nothing(void **state)
{
	struct fixture *f = *state;
	release_store *other = fixture_second_handle(f);
	struct events ev = {0};
	release_promote_opts o;
	release *r1, *r2, *before = NULL, *after = NULL;
	release_app *a = NULL;
	int deploys = 0;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	promote(f->s, "myapp", release_id(r1));
	promote(f->s, "myapp", release_id(r2));
	assert_store_ok(f->s, release_get(f->s, "myapp", release_id(r2), &before));
	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_IF_PENDING;
	o.deploy = count_deploys;
	o.deploy_payload = &deploys;
	o.on_event = record_event;
	o.event_payload = &ev;
	f->clock.now += 1000000000;
	/* through this handle, and another's (as a second agent's) */
	assert_int_equal(release_promote(f->s, "myapp", release_id(r2), &o), RELEASE_EEXIST);
	assert_non_null(strstr(release_store_errmsg(f->s), "active release already"));
	assert_int_equal(release_promote(other, "myapp", release_id(r2), &o), RELEASE_EEXIST);
	assert_int_equal(deploys, 0);
	assert_int_equal(ev.n, 0);
	/* nothing written: the promotion time and the previous release stay */
	assert_store_ok(f->s, release_get(f->s, "myapp", release_id(r2), &after));
	assert_int_equal(release_promoted(after), release_promoted(before));
	assert_store_ok(f->s, release_app_get(f->s, "myapp", &a));
	assert_string_equal(release_app_previous(a), release_id(r1));
	assert_int_equal(release_app_status(a), RELEASE_APP_RUNNING);
	release_app_free(a);
	/* an older release is still RELEASE_EOLDER, and the lease was given
	 * back: a promotion without the flag goes ahead at once */
	assert_int_equal(release_promote(f->s, "myapp", release_id(r1), &o), RELEASE_EOLDER);
	o.flags = 0;
	assert_store_ok(other, release_promote(other, "myapp", release_id(r2), &o));
	assert_int_equal(deploys, 1);
	release_store_close(other);
	release_free(before);
	release_free(after);
	release_free(r1);
	release_free(r2);
}

static void if_pending_promotes_and_rolls_back_as_usual(void **state)
{
	struct fixture *f = *state;
	release_promote_opts o;
	release *r1, *r2, *copy = NULL;
	int deploys = 0;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_IF_PENDING;
	o.deploy = count_deploys;
	o.deploy_payload = &deploys;
	assert_store_ok(f->s, release_promote(f->s, "myapp", release_id(r1), &o));
	assert_store_ok(f->s, release_promote(f->s, "myapp", release_id(r2), &o));
	assert_int_equal(deploys, 2);
	assert_string_equal(active_of(f->s, "myapp"), release_id(r2));
	/* a rollback's copy is new, never active already */
	assert_store_ok(f->s, release_rollback(f->s, "myapp", NULL, &o, &copy));
	assert_int_equal(deploys, 3);
	assert_string_equal(active_of(f->s, "myapp"), release_id(copy));
	release_free(copy);
	release_free(r1);
	release_free(r2);
}

/* Another agent that found it pending tried it first and failed: checked
 * under the lease, it is not deployed again. */
static void a_failed_release_if_pending_is_eexist_and_does_nothing(void **state)
{
	struct fixture *f = *state;
	struct events ev = {0};
	release_promote_opts o;
	release *r1, *r2, *before = NULL, *after = NULL;
	int deploys = 0;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	promote(f->s, "myapp", release_id(r1));
	release_promote_opts_init(&o);
	o.deploy = deploy_fails;
	assert_int_equal(release_promote(f->s, "myapp", release_id(r2), &o), RELEASE_EDEPLOY);
	assert_store_ok(f->s, release_get(f->s, "myapp", release_id(r2), &before));
	o.flags = RELEASE_PROMOTE_IF_PENDING;
	o.deploy = count_deploys;
	o.deploy_payload = &deploys;
	o.on_event = record_event;
	o.event_payload = &ev;
	/* as the release was read before the failure (the agent's look) */
	assert_int_equal(release_promote(f->s, "myapp", release_id(r2), &o), RELEASE_EEXIST);
	assert_non_null(strstr(release_store_errmsg(f->s), "deployed already, and failed"));
	assert_int_equal(deploys, 0);
	assert_int_equal(ev.n, 0);
	assert_store_ok(f->s, release_get(f->s, "myapp", release_id(r2), &after));
	assert_int_equal(release_failed(after), release_failed(before));
	assert_string_equal(active_of(f->s, "myapp"), release_id(r1));
	/* without the flag it is tried again */
	o.flags = 0;
	assert_store_ok(f->s, release_promote(f->s, "myapp", release_id(r2), &o));
	assert_int_equal(deploys, 1);
	release_free(before);
	release_free(after);
	release_free(r1);
	release_free(r2);
}

/* A release that was active and that a forced promotion moved away from is
 * not deployed again by an agent that found it pending before either. */
static void a_replaced_release_if_pending_is_eexist(void **state)
{
	struct fixture *f = *state;
	release_promote_opts o;
	release *r1, *r2;
	char want[80];
	int deploys = 0;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	promote(f->s, "myapp", release_id(r1));
	promote(f->s, "myapp", release_id(r2));
	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_FORCE;
	assert_store_ok(f->s, release_promote(f->s, "myapp", release_id(r1), &o));
	o.flags = RELEASE_PROMOTE_IF_PENDING;
	o.deploy = count_deploys;
	o.deploy_payload = &deploys;
	assert_int_equal(release_promote(f->s, "myapp", release_id(r2), &o), RELEASE_EEXIST);
	snprintf(want, sizeof want, "deployed already, and %s is active since", release_id(r1));
	assert_non_null(strstr(release_store_errmsg(f->s), want));
	assert_int_equal(deploys, 0);
	assert_string_equal(active_of(f->s, "myapp"), release_id(r1));
	release_free(r1);
	release_free(r2);
}

/* RELEASE_EEXIST from a promotion says the flag found nothing to do; a
 * storage that answers with it fails the call as an I/O error instead. */
static void a_storage_eexist_is_no_active_already(void **state)
{
	struct fixture *f = *state;
	struct tamper t = {0};
	release_promote_opts o;
	release *r1, *copy = NULL;
	int deploys = 0;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	promote(f->s, "myapp", release_id(r1));
	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_IF_PENDING;
	o.deploy = count_deploys;
	o.deploy_payload = &deploys;
	t.app = "myapp";
	t.kind = RELEASE_KIND_META;
	t.key = "active";
	t.code = RELEASE_EEXIST;
	shared_backend_tamper(f->backend, &t);
	assert_int_equal(release_promote(f->s, "myapp", release_id(r1), &o), RELEASE_EIO);
	assert_non_null(strstr(release_store_errmsg(f->s), "tampered record"));
	assert_int_equal(release_rollback_copy(f->s, "myapp", release_id(r1), &o, &copy),
			 RELEASE_EIO);
	shared_backend_tamper(f->backend, NULL);
	assert_int_equal(deploys, 0);
	release_free(copy);
	release_free(r1);
}

/* A clock that starts serving t once it is first read after armed is set:
 * when the promoter takes the lease, after its first read of the release. */
struct arming_clock {
	struct test_clock clock;
	struct shared_backend *backend;
	struct tamper t;
	int armed;
};

static int64_t arming_clock_read(void *payload)
{
	struct arming_clock *c = payload;

	if (c->armed) {
		c->armed = 0;
		shared_backend_tamper(c->backend, &c->t);
	}
	return test_clock_read(&c->clock);
}

/* The same when the release, read again under the lease, is answered so. */
static void a_storage_eexist_under_the_lease_is_no_active_already(void **state)
{
	struct fixture *f = *state;
	struct arming_clock c = {{f->clock.now, 0}, f->backend, {0}, 0};
	release_store_opts so;
	release_store *s;
	release_promote_opts o;
	release *r1;

	release_store_opts_init(&so);
	so.clock = arming_clock_read;
	so.clock_payload = &c;
	s = shared_backend_open(f->backend, &so);
	make_app(s, "myapp");
	r1 = make_build_release(s, "myapp", "one");
	c.t.app = "myapp";
	c.t.kind = RELEASE_KIND_RELEASE;
	c.t.key = release_id(r1);
	c.t.code = RELEASE_EEXIST;
	c.armed = 1;
	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_IF_PENDING;
	assert_int_equal(release_promote(s, "myapp", release_id(r1), &o), RELEASE_EIO);
	assert_int_equal(c.armed, 0);
	shared_backend_tamper(f->backend, NULL);
	assert_string_equal(active_of(s, "myapp"), "");
	release_store_close(s);
	release_free(r1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(promoting_the_active_release_if_pending_is_eexist_and_does_nothing),
		T(if_pending_promotes_and_rolls_back_as_usual),
		T(a_failed_release_if_pending_is_eexist_and_does_nothing),
		T(a_replaced_release_if_pending_is_eexist),
		T(a_storage_eexist_is_no_active_already),
		T(a_storage_eexist_under_the_lease_is_no_active_already),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
