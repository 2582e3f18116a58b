/* release_rollback_copy: a rollback whose copy comes back also when its
 * promotion fails. */
#include "harness.h"

#include <string.h>

/* build (v1, promoted), env add:FOO (v2, promoted) */
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

static int deploy_fails(void *payload, const release *r, release_events *ev)
{
	(void)r;
	(void)ev;
	if (payload)
		++*(int *)payload;
	return -1;
}

/* A rollback to the build release whose deployer fails; returns the copy. */
static release *failed_rollback(release_store *s, const struct seed *h)
{
	release_promote_opts o;
	release *r = NULL;

	release_promote_opts_init(&o);
	o.deploy = deploy_fails;
	assert_int_equal(release_rollback_copy(s, "myapp", release_id(h->build_release), &o, &r),
			 RELEASE_EDEPLOY);
	assert_non_null(r);
	return r;
}

static void success_returns_the_promoted_copy(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release *r = NULL;

	seed_history(f->s, &h);
	assert_store_ok(f->s, release_rollback_copy(f->s, "myapp", release_id(h.build_release),
						    NULL, &r));
	assert_non_null(r);
	assert_string_equal(release_source(r), release_id(h.build_release));
	assert_string_equal(release_build_of(r), release_build_of(h.build_release));
	assert_int_equal(release_env_count(r), 0);
	assert_string_equal(release_description(r), release_description(h.build_release));
	assert_int_equal(release_version(r), 3);
	assert_int_equal(release_is_active(r), 1);
	assert_true(release_promoted(r) > 0);
	assert_int_equal(release_failed(r), 0);
	assert_string_equal(active_of(f->s, "myapp"), release_id(r));
	release_free(r);
	seed_free(&h);
}

static void without_a_target_the_copy_is_of_the_previously_active(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release *r = NULL;

	seed_history(f->s, &h);
	assert_store_ok(f->s, release_rollback_copy(f->s, "myapp", NULL, NULL, &r));
	assert_string_equal(release_source(r), release_id(h.build_release));
	assert_string_equal(active_of(f->s, "myapp"), release_id(r));
	release_free(r);
	seed_free(&h);
}

static void a_failed_deploy_returns_the_copy_marked_failed(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release *r;

	seed_history(f->s, &h);
	r = failed_rollback(f->s, &h);
	assert_true(release_failed(r) != 0);
	assert_string_equal(release_source(r), release_id(h.build_release));
	assert_string_equal(release_build_of(r), release_build_of(h.build_release));
	assert_int_equal(release_is_active(r), 0);
	assert_int_equal(release_promoted(r), 0);
	release_free(r);
	seed_free(&h);
}

static void the_failed_copy_is_the_apps_newest_release(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release_iter *it = NULL;
	const release *newest;
	release *r;

	seed_history(f->s, &h);
	r = failed_rollback(f->s, &h);
	assert_int_equal(release_version(r), 3);
	assert_store_ok(f->s, release_list(f->s, "myapp", NULL, &it));
	assert_int_equal(release_iter_next(it, &newest), 0);
	assert_string_equal(release_id(newest), release_id(r));
	assert_int_equal(release_failed(newest), release_failed(r));
	release_iter_free(it);
	assert_int_equal(count_releases(f->s, "myapp"), 3);
	release_free(r);
	seed_free(&h);
}

static void a_failed_deploy_leaves_the_active_release(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release *r;

	seed_history(f->s, &h);
	r = failed_rollback(f->s, &h);
	assert_string_equal(active_of(f->s, "myapp"), release_id(h.env_release));
	release_free(r);
	seed_free(&h);
}

static void a_failed_deploys_message_names_the_copy(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release *r;

	seed_history(f->s, &h);
	r = failed_rollback(f->s, &h);
	assert_non_null(strstr(release_store_errmsg(f->s), release_id(r)));
	release_free(r);
	seed_free(&h);
}

struct busy {
	release_store *other;
	const char *target;
	release *out;
	int rc;
};

static int deploy_while_rolling_back(void *payload, const release *r, release_events *ev)
{
	struct busy *b = payload;

	(void)r;
	(void)ev;
	b->out = (release *)1;
	b->rc = release_rollback_copy(b->other, "myapp", b->target, NULL, &b->out);
	return 0;
}

static void a_busy_app_is_ebusy_with_no_copy(void **state)
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
	assert_null(b.out);
	assert_int_equal(count_releases(f->s, "myapp"), 3);
	assert_string_equal(active_of(f->s, "myapp"), release_id(r3));
	release_store_close(b.other);
	release_free(r3);
	seed_free(&h);
}

static void out_null_is_einval_and_nothing_is_written(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	int deploys = 0;
	release_promote_opts o;

	seed_history(f->s, &h);
	release_promote_opts_init(&o);
	o.deploy = deploy_fails;
	o.deploy_payload = &deploys;
	assert_int_equal(release_rollback_copy(f->s, "myapp", release_id(h.build_release), &o, NULL),
			 RELEASE_EINVAL);
	assert_int_equal(release_rollback_copy(f->s, "myapp", NULL, NULL, NULL), RELEASE_EINVAL);
	assert_int_equal(deploys, 0);
	assert_int_equal(count_releases(f->s, "myapp"), 2);
	assert_string_equal(active_of(f->s, "myapp"), release_id(h.env_release));
	seed_free(&h);
}

static void an_unknown_target_is_enotfound_with_no_copy(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release *r = (release *)1;

	seed_history(f->s, &h);
	assert_int_equal(release_rollback_copy(f->s, "myapp", "RNOSUCHONE", NULL, &r),
			 RELEASE_ENOTFOUND);
	assert_null(r);
	assert_int_equal(count_releases(f->s, "myapp"), 2);
	assert_string_equal(active_of(f->s, "myapp"), release_id(h.env_release));
	seed_free(&h);
}

static void another_apps_target_is_enotfound_with_no_copy(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release *theirs, *r = (release *)1;

	seed_history(f->s, &h);
	make_app(f->s, "other");
	theirs = make_build_release(f->s, "other", "theirs");
	assert_int_equal(release_rollback_copy(f->s, "myapp", release_id(theirs), NULL, &r),
			 RELEASE_ENOTFOUND);
	assert_null(r);
	assert_int_equal(count_releases(f->s, "myapp"), 2);
	assert_int_equal(count_releases(f->s, "other"), 1);
	release_free(theirs);
	seed_free(&h);
}

static void no_previous_release_is_enotfound_with_no_copy(void **state)
{
	struct fixture *f = *state;
	release *only, *r = (release *)1;

	make_app(f->s, "myapp");
	only = make_build_release(f->s, "myapp", "only");
	promote(f->s, "myapp", release_id(only));
	assert_int_equal(release_rollback_copy(f->s, "myapp", NULL, NULL, &r), RELEASE_ENOTFOUND);
	assert_null(r);
	assert_int_equal(count_releases(f->s, "myapp"), 1);
	release_free(only);
}

static void an_unknown_app_is_enotfound_with_no_copy(void **state)
{
	struct fixture *f = *state;
	release *r = (release *)1;

	assert_int_equal(release_rollback_copy(f->s, "nosuchapp", "RNOSUCHONE", NULL, &r),
			 RELEASE_ENOTFOUND);
	assert_null(r);
}

static void uninitialised_promote_opts_are_einval_with_no_copy(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	release_promote_opts o;
	release *r = (release *)1;

	seed_history(f->s, &h);
	memset(&o, 0, sizeof o);
	assert_int_equal(release_rollback_copy(f->s, "myapp", release_id(h.build_release), &o, &r),
			 RELEASE_EINVAL);
	assert_null(r);
	assert_int_equal(count_releases(f->s, "myapp"), 2);
	seed_free(&h);
}

struct forcer {
	release_store *other;
	const char *id;
	int rc;
};

static int deploy_while_forced(void *payload, const release *r, release_events *ev)
{
	struct forcer *fc = payload;
	release_promote_opts o;

	(void)r;
	(void)ev;
	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_FORCE;
	fc->rc = release_promote(fc->other, "myapp", fc->id, &o);
	return 0;
}

/* A forced promotion lands while the copy deploys: the copy is still
 * returned, as the newest release, and the forced one stays active. */
static void a_forced_promotion_meanwhile_is_econflict_with_the_copy(void **state)
{
	struct fixture *f = *state;
	struct seed h;
	struct forcer fc;
	release_promote_opts o;
	release *r3, *r = NULL, *newest = NULL;

	seed_history(f->s, &h);
	r3 = set_env(f->s, "myapp", "BAR=1");
	fc.other = fixture_second_handle(f);
	fc.id = release_id(r3);
	fc.rc = -1;
	release_promote_opts_init(&o);
	o.deploy = deploy_while_forced;
	o.deploy_payload = &fc;
	assert_int_equal(release_rollback_copy(f->s, "myapp", release_id(h.build_release), &o, &r),
			 RELEASE_ECONFLICT);
	assert_int_equal(fc.rc, 0);
	assert_non_null(r);
	assert_string_equal(release_source(r), release_id(h.build_release));
	assert_int_equal(release_is_active(r), 0);
	assert_true(release_failed(r) != 0); /* as stored: marked failed */
	assert_store_ok(f->s, release_get_version(f->s, "myapp", 4, &newest));
	assert_string_equal(release_id(newest), release_id(r));
	assert_string_equal(active_of(f->s, "myapp"), release_id(r3));
	release_free(newest);
	release_free(r);
	release_free(r3);
	release_store_close(fc.other);
	seed_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(success_returns_the_promoted_copy),
		T(without_a_target_the_copy_is_of_the_previously_active),
		T(a_failed_deploy_returns_the_copy_marked_failed),
		T(the_failed_copy_is_the_apps_newest_release),
		T(a_failed_deploy_leaves_the_active_release),
		T(a_failed_deploys_message_names_the_copy),
		T(a_busy_app_is_ebusy_with_no_copy),
		T(a_forced_promotion_meanwhile_is_econflict_with_the_copy),
		T(out_null_is_einval_and_nothing_is_written),
		T(an_unknown_target_is_enotfound_with_no_copy),
		T(another_apps_target_is_enotfound_with_no_copy),
		T(no_previous_release_is_enotfound_with_no_copy),
		T(an_unknown_app_is_enotfound_with_no_copy),
		T(uninitialised_promote_opts_are_einval_with_no_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
