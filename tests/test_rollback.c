/* Rollback: a copy of an old release, promoted. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

/* The seed's story: build, env add:FOO, roll back to the build release. */
struct seed {
	release *build_release;
	release *env_release;
};

static void seed_history(release_store *s, struct seed *h)
{
	make_app(s, "myapp");
	h->build_release = make_build_release(s, "myapp", "build 0a1b2c3d4e5f my commit message");
	promote(s, "myapp", release_id(h->build_release));
	h->env_release = set_env(s, "myapp", "FOO=bar");
	promote(s, "myapp", release_id(h->env_release));
}

static void seed_free(struct seed *h)
{
	release_free(h->build_release);
	release_free(h->env_release);
}

static void rollback_copies_build_env_and_description(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release *r = NULL;

	seed_history(f->s, &h);
	assert_store_ok(f->s, release_rollback(f->s, "myapp", release_id(h.build_release), NULL, &r));
	assert_string_equal(release_build_of(r), release_build_of(h.build_release));
	assert_null(release_env_get(r, "FOO"));
	assert_int_equal(release_env_count(r), 0);
	assert_string_equal(release_description(r), "build 0a1b2c3d4e5f my commit message");
	assert_string_equal(release_manifest(r), release_manifest(h.build_release));
	assert_string_equal(release_source(r), release_id(h.build_release));
	assert_int_equal(release_version(r), 3);
	assert_string_not_equal(release_id(r), release_id(h.build_release));
	release_free(r);
	seed_free(&h);
}

static void the_rollback_copy_is_active(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release *r = NULL;

	seed_history(f->s, &h);
	assert_store_ok(f->s, release_rollback(f->s, "myapp", release_id(h.build_release), NULL, &r));
	assert_int_equal(release_is_active(r), 1);
	assert_true(release_promoted(r) > 0);
	assert_string_equal(active_of(f->s, "myapp"), release_id(r));
	release_free(r);
	seed_free(&h);
}

static void the_old_releases_stay_in_history(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release_iter *it = NULL;
	const release *r;
	const char *want[3];

	seed_history(f->s, &h);
	assert_store_ok(f->s, release_rollback(f->s, "myapp", release_id(h.build_release), NULL, NULL));
	want[1] = release_id(h.env_release);
	want[2] = release_id(h.build_release);
	assert_store_ok(f->s, release_list(f->s, "myapp", NULL, &it));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(release_iter_next(it, &r), 0);
		if (i > 0)
			assert_string_equal(release_id(r), want[i]);
		assert_int_equal(release_is_active(r), i == 0);
	}
	assert_int_equal(release_iter_next(it, &r), RELEASE_ITEROVER);
	release_iter_free(it);
	seed_free(&h);
}

static void rollback_without_target_returns_to_the_previously_active(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release *r = NULL;

	seed_history(f->s, &h);
	assert_store_ok(f->s, release_rollback(f->s, "myapp", NULL, NULL, &r));
	assert_string_equal(release_source(r), release_id(h.build_release));
	assert_null(release_env_get(r, "FOO"));
	release_free(r);
	seed_free(&h);
}

static void previously_active_ignores_releases_never_promoted(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release *r = NULL;

	seed_history(f->s, &h);
	/* newer, but never promoted: not "the previous deploy" */
	release_free(set_env(f->s, "myapp", "UNDEPLOYED=1"));
	assert_store_ok(f->s, release_rollback(f->s, "myapp", NULL, NULL, &r));
	assert_string_equal(release_source(r), release_id(h.build_release));
	release_free(r);
	seed_free(&h);
}

static void rollback_without_a_previous_release_is_enotfound(void **state)
{
	struct fixture *f = *state;
	release *r1;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "only");
	promote(f->s, "myapp", release_id(r1));
	assert_int_equal(release_rollback(f->s, "myapp", NULL, NULL, NULL), RELEASE_ENOTFOUND);
	assert_int_equal(count_releases(f->s, "myapp"), 1);
	release_free(r1);
}

static void rollback_to_an_unknown_id_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release *r = (release *)1;

	seed_history(f->s, &h);
	assert_int_equal(release_rollback(f->s, "myapp", "RNOSUCHONE", NULL, &r), RELEASE_ENOTFOUND);
	assert_null(r);
	assert_int_equal(count_releases(f->s, "myapp"), 2);
	assert_string_equal(active_of(f->s, "myapp"), release_id(h.env_release));
	seed_free(&h);
}

static void rollback_to_another_apps_release_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release *theirs;

	seed_history(f->s, &h);
	make_app(f->s, "other");
	theirs = make_build_release(f->s, "other", "theirs");
	assert_int_equal(release_rollback(f->s, "myapp", release_id(theirs), NULL, NULL),
			 RELEASE_ENOTFOUND);
	assert_int_equal(count_releases(f->s, "myapp"), 2);
	release_free(theirs);
	seed_free(&h);
}

static void rollback_in_a_deleted_app_is_enotfound(void **state)
{
	struct fixture *f = *state;
	struct seed h;

	seed_history(f->s, &h);
	assert_store_ok(f->s, release_app_delete(f->s, "myapp"));
	assert_int_equal(release_rollback(f->s, "myapp", release_id(h.build_release), NULL, NULL),
			 RELEASE_ENOTFOUND);
	seed_free(&h);
}

static int deploy_fails(void *payload, const release *r, release_events *ev)
{
	(void)payload;
	(void)r;
	(void)ev;
	return -1;
}

static void a_failed_rollback_keeps_the_current_release_and_lists_the_copy_failed(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release_promote_opts o;
	release *r = (release *)1;
	release *copy = NULL;
	char msg[512];

	seed_history(f->s, &h);
	release_promote_opts_init(&o);
	o.deploy = deploy_fails;
	assert_int_equal(release_rollback(f->s, "myapp", release_id(h.build_release), &o, &r),
			 RELEASE_EDEPLOY);
	strcpy(msg, release_store_errmsg(f->s));
	assert_null(r);
	assert_string_equal(active_of(f->s, "myapp"), release_id(h.env_release));
	assert_store_ok(f->s, release_get_version(f->s, "myapp", 3, &copy));
	assert_true(release_failed(copy) > 0);
	assert_non_null(strstr(msg, release_id(copy)));
	release_free(copy);
	seed_free(&h);
}

struct busy {
	release_store *other;
	const char *target;
	int rc;
};

static int deploy_while_rolling_back(void *payload, const release *r, release_events *ev)
{
	struct busy *b = payload;

	(void)r;
	(void)ev;
	b->rc = release_rollback(b->other, "myapp", b->target, NULL, NULL);
	return 0;
}

static void rollback_of_a_busy_app_is_ebusy_and_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	struct busy b;
	release_promote_opts o;
	release *r3;

	seed_history(f->s, &h);
	r3 = set_env(f->s, "myapp", "BAR=1");
	b.other = fixture_second_handle(f);
	b.target = release_id(h.build_release);
	b.rc = 0;
	release_promote_opts_init(&o);
	o.deploy = deploy_while_rolling_back;
	o.deploy_payload = &b;
	assert_store_ok(f->s, release_promote(f->s, "myapp", release_id(r3), &o));
	assert_int_equal(b.rc, RELEASE_EBUSY);
	assert_int_equal(count_releases(f->s, "myapp"), 3);
	release_store_close(b.other);
	release_free(r3);
	seed_free(&h);
}

struct lines {
	char v[8][96];
	int n;
};

static void keep_line(void *payload, int64_t time, const char *source, const char *message)
{
	struct lines *l = payload;

	(void)time;
	if (l->n < 8)
		snprintf(l->v[l->n++], sizeof l->v[0], "%s %s", source, message);
}

static void rollback_reports_its_promotion_events(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	struct lines l = {0};
	release_promote_opts o;

	seed_history(f->s, &h);
	release_promote_opts_init(&o);
	o.on_event = keep_line;
	o.event_payload = &l;
	assert_store_ok(f->s, release_rollback(f->s, "myapp", NULL, &o, NULL));
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "librelease app Status: running => updating");
	assert_string_equal(l.v[1], "librelease app Status: updating => running");
	seed_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(rollback_copies_build_env_and_description),
		T(the_rollback_copy_is_active),
		T(the_old_releases_stay_in_history),
		T(rollback_without_target_returns_to_the_previously_active),
		T(previously_active_ignores_releases_never_promoted),
		T(rollback_without_a_previous_release_is_enotfound),
		T(rollback_to_an_unknown_id_writes_nothing),
		T(rollback_to_another_apps_release_writes_nothing),
		T(rollback_in_a_deleted_app_is_enotfound),
		T(a_failed_rollback_keeps_the_current_release_and_lists_the_copy_failed),
		T(rollback_of_a_busy_app_is_ebusy_and_writes_nothing),
		T(rollback_reports_its_promotion_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
