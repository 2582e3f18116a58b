/* Actors kept with what a handle writes: builds, releases and deployments,
 * each with the actor of its call. */
#include "actor_util.h"

/* ------------------------------------------------------- builds record it */

static void a_created_build_records_the_actor(void **state)
{
	struct fixture *f = *state;
	release_build *b, *got = NULL;

	make_app(f->s, "myapp");
	set_actor(f->s, "builder@ci");
	b = complete_build(f->s, "myapp");
	assert_text_equal(release_build_actor(b), "builder@ci");
	assert_store_ok(f->s, release_build_get(f->s, "myapp", release_build_id(b), &got));
	assert_text_equal(release_build_actor(got), "builder@ci");
	release_build_free(got);
	release_build_free(b);
}

static void a_build_made_with_the_default_actor_records_it(void **state)
{
	struct fixture *f = *state;
	release_build *b;

	make_app(f->s, "myapp");
	b = complete_build(f->s, "myapp");
	assert_text_equal(release_build_actor(b), default_actor());
	release_build_free(b);
}

/* A complete build of "myapp" made as "exporter", exported. */
static char *exported_build(release_store *s, size_t *len)
{
	release_build *b, *full = NULL;
	char *data = NULL;

	make_app(s, "myapp");
	make_app(s, "other");
	set_actor(s, "exporter");
	b = complete_build(s, "myapp");
	assert_store_ok(s, release_build_get(s, "myapp", release_build_id(b), &full));
	assert_ok(release_build_export(full, len, &data));
	release_build_free(full);
	release_build_free(b);
	return data;
}

static void import_returns_the_build_with_the_importers_actor(void **state)
{
	struct fixture *f = *state;
	release_build *got = NULL;
	size_t len = 0;
	char *data = exported_build(f->s, &len);

	set_actor(f->s, "importer");
	assert_store_ok(f->s, release_build_import(f->s, "other", data, len, &got));
	assert_text_equal(release_build_actor(got), "importer");
	release_build_free(got);
	release_export_free(data);
}

static void an_imported_build_records_the_importers_actor(void **state)
{
	struct fixture *f = *state;
	release_build *got = NULL, *again = NULL;
	size_t len = 0;
	char *data = exported_build(f->s, &len);

	set_actor(f->s, "importer");
	assert_store_ok(f->s, release_build_import(f->s, "other", data, len, &got));
	assert_store_ok(f->s, release_build_get(f->s, "other", release_build_id(got), &again));
	assert_text_equal(release_build_actor(again), "importer");
	release_build_free(again);
	release_build_free(got);
	release_export_free(data);
}

static void an_imported_builds_release_records_the_importers_actor(void **state)
{
	struct fixture *f = *state;
	release_build *got = NULL;
	release *r = NULL;
	size_t len = 0;
	char *data = exported_build(f->s, &len);

	set_actor(f->s, "importer");
	assert_store_ok(f->s, release_build_import(f->s, "other", data, len, &got));
	assert_non_null(release_build_release(got));
	assert_store_ok(f->s, release_get(f->s, "other", release_build_release(got), &r));
	assert_text_equal(release_actor(r), "importer");
	release_free(r);
	release_build_free(got);
	release_export_free(data);
}

static void setting_a_builds_status_keeps_its_creator(void **state)
{
	struct fixture *f = *state;
	release_build *b = NULL, *got = NULL;

	make_app(f->s, "myapp");
	set_actor(f->s, "creator");
	assert_store_ok(f->s, release_build_create(f->s, "myapp", NULL, &b));
	set_actor(f->s, "finisher");
	assert_store_ok(f->s, release_build_set_status(f->s, "myapp", release_build_id(b),
						       RELEASE_BUILD_COMPLETE, &got));
	assert_text_equal(release_build_actor(got), "creator");
	release_build_free(got);
	got = NULL;
	assert_store_ok(f->s, release_build_get(f->s, "myapp", release_build_id(b), &got));
	assert_text_equal(release_build_actor(got), "creator");
	release_build_free(got);
	release_build_free(b);
}

static void a_completed_builds_release_records_the_completers_actor(void **state)
{
	struct fixture *f = *state;
	release_build *b = NULL;
	release *r = NULL, *got = NULL;

	make_app(f->s, "myapp");
	set_actor(f->s, "creator");
	assert_store_ok(f->s, release_build_create(f->s, "myapp", NULL, &b));
	set_actor(f->s, "completer");
	assert_store_ok(f->s, release_build_complete(f->s, "myapp", release_build_id(b), &r));
	assert_text_equal(release_actor(r), "completer");
	assert_store_ok(f->s, release_get(f->s, "myapp", release_id(r), &got));
	assert_text_equal(release_actor(got), "completer");
	release_free(got);
	release_free(r);
	release_build_free(b);
}

static void a_build_listing_returns_the_actor(void **state)
{
	struct fixture *f = *state;
	release_build_iter *it = NULL;
	const release_build *item = NULL;

	make_app(f->s, "myapp");
	set_actor(f->s, "first");
	release_build_free(complete_build(f->s, "myapp"));
	set_actor(f->s, "second");
	release_build_free(complete_build(f->s, "myapp"));
	assert_store_ok(f->s, release_build_list(f->s, "myapp", 0, &it));
	assert_store_ok(f->s, release_build_iter_next(it, &item));
	assert_text_equal(release_build_actor(item), "second");
	assert_store_ok(f->s, release_build_iter_next(it, &item));
	assert_text_equal(release_build_actor(item), "first");
	assert_int_equal(release_build_iter_next(it, &item), RELEASE_ITEROVER);
	release_build_iter_free(it);
}

static void build_dup_keeps_the_actor(void **state)
{
	struct fixture *f = *state;
	release_build_iter *it = NULL;
	const release_build *item = NULL;
	release_build *copy;

	make_app(f->s, "myapp");
	set_actor(f->s, "dup-me");
	release_build_free(complete_build(f->s, "myapp"));
	assert_store_ok(f->s, release_build_list(f->s, "myapp", 0, &it));
	assert_store_ok(f->s, release_build_iter_next(it, &item));
	copy = release_build_dup(item);
	release_build_iter_free(it);
	assert_non_null(copy);
	assert_text_equal(release_build_actor(copy), "dup-me");
	release_build_free(copy);
}

static void a_log_append_keeps_the_builds_creator(void **state)
{
	struct fixture *f = *state;
	release_build *b = NULL, *got = NULL;

	make_app(f->s, "myapp");
	set_actor(f->s, "creator");
	assert_store_ok(f->s, release_build_create(f->s, "myapp", NULL, &b));
	set_actor(f->s, "appender");
	assert_store_ok(f->s, release_build_log_append(f->s, "myapp", release_build_id(b), "x\n", 2,
						       &got));
	assert_text_equal(release_build_actor(got), "creator");
	release_build_free(got);
	release_build_free(b);
}

/* ----------------------------------------------------- releases record it */

/* r, and r read again by id, name actor as their maker; frees r. */
static void assert_release_actor(release_store *s, release *r, const char *actor)
{
	release *got = NULL;

	assert_non_null(r);
	assert_text_equal(release_actor(r), actor);
	assert_store_ok(s, release_get(s, release_app_of(r), release_id(r), &got));
	assert_text_equal(release_actor(got), actor);
	release_free(got);
	release_free(r);
}

static void release_create_records_the_actor(void **state)
{
	struct fixture *f = *state;
	release_build *b;
	release *r = NULL;

	make_app(f->s, "myapp");
	set_actor(f->s, "builder");
	b = complete_build(f->s, "myapp");
	set_actor(f->s, "releaser");
	assert_store_ok(f->s, release_create(f->s, "myapp", release_build_id(b), &r));
	assert_release_actor(f->s, r, "releaser");
	release_build_free(b);
}

static void env_set_records_the_actor(void **state)
{
	struct fixture *f = *state;

	make_app(f->s, "myapp");
	set_actor(f->s, "env-setter");
	assert_release_actor(f->s, set_env(f->s, "myapp", "FOO=bar"), "env-setter");
}

static void env_unset_records_the_actor(void **state)
{
	struct fixture *f = *state;
	const char *key = "FOO";
	release *r = NULL;

	make_app(f->s, "myapp");
	release_free(set_env(f->s, "myapp", "FOO=bar"));
	set_actor(f->s, "env-unsetter");
	assert_store_ok(f->s, release_env_unset(f->s, "myapp", &key, 1, &r));
	assert_release_actor(f->s, r, "env-unsetter");
}

static void env_change_records_the_actor(void **state)
{
	struct fixture *f = *state;
	const char *pair = "A=1";
	release_env_opts o;
	release *r = NULL;

	make_app(f->s, "myapp");
	release_free(set_env(f->s, "myapp", "FOO=bar"));
	set_actor(f->s, "env-changer");
	release_env_opts_init(&o);
	o.set = &pair;
	o.set_n = 1;
	assert_store_ok(f->s, release_env_change(f->s, "myapp", &o, &r));
	assert_release_actor(f->s, r, "env-changer");
}

static void create_from_records_the_actor(void **state)
{
	struct fixture *f = *state;
	release *base = NULL, *r = NULL;

	make_app(f->s, "myapp");
	set_actor(f->s, "first");
	base = make_build_release(f->s, "myapp", "b");
	promote(f->s, "myapp", release_id(base));
	set_actor(f->s, "creator-from");
	assert_store_ok(f->s, release_create_from(f->s, "myapp", NULL, &r));
	assert_release_actor(f->s, r, "creator-from");
	release_free(base);
}

static void a_rollback_copy_records_the_rollers_actor(void **state)
{
	struct fixture *f = *state;
	release *r1, *r2, *copy = NULL;

	make_app(f->s, "myapp");
	set_actor(f->s, "first");
	r1 = make_build_release(f->s, "myapp", "one");
	promote(f->s, "myapp", release_id(r1));
	r2 = make_build_release(f->s, "myapp", "two");
	promote(f->s, "myapp", release_id(r2));
	set_actor(f->s, "roller");
	assert_store_ok(f->s, release_rollback(f->s, "myapp", release_id(r1), NULL, &copy));
	assert_text_equal(release_source(copy), release_id(r1));
	assert_release_actor(f->s, copy, "roller");
	release_free(r1);
	release_free(r2);
}

static void a_failed_rollbacks_copy_records_the_rollers_actor(void **state)
{
	struct fixture *f = *state;
	release_promote_opts o;
	release *r1, *r2, *copy = NULL;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	promote(f->s, "myapp", release_id(r1));
	r2 = make_build_release(f->s, "myapp", "two");
	promote(f->s, "myapp", release_id(r2));
	set_actor(f->s, "roller");
	release_promote_opts_init(&o);
	o.deploy = deploy_fails;
	assert_int_equal(release_rollback_copy(f->s, "myapp", NULL, &o, &copy), RELEASE_EDEPLOY);
	assert_release_actor(f->s, copy, "roller");
	release_free(r1);
	release_free(r2);
}

static void promoting_keeps_the_releases_maker(void **state)
{
	struct fixture *f = *state;
	release *r, *got = NULL;

	make_app(f->s, "myapp");
	set_actor(f->s, "maker");
	r = make_build_release(f->s, "myapp", "b");
	set_actor(f->s, "promoter");
	promote(f->s, "myapp", release_id(r));
	assert_store_ok(f->s, release_get_active(f->s, "myapp", &got));
	assert_text_equal(release_actor(got), "maker");
	release_free(got);
	release_free(r);
}

static void a_failed_promotion_keeps_the_releases_maker(void **state)
{
	struct fixture *f = *state;
	release_promote_opts o;
	release *r, *got = NULL;

	make_app(f->s, "myapp");
	set_actor(f->s, "maker");
	r = make_build_release(f->s, "myapp", "b");
	set_actor(f->s, "promoter");
	release_promote_opts_init(&o);
	o.deploy = deploy_fails;
	assert_int_equal(release_promote(f->s, "myapp", release_id(r), &o), RELEASE_EDEPLOY);
	assert_store_ok(f->s, release_get(f->s, "myapp", release_id(r), &got));
	assert_true(release_failed(got) > 0);
	assert_text_equal(release_actor(got), "maker");
	release_free(got);
	release_free(r);
}

static void completing_a_build_keeps_its_creator(void **state)
{
	struct fixture *f = *state;
	release_build *b = NULL, *got = NULL;

	make_app(f->s, "myapp");
	set_actor(f->s, "creator");
	assert_store_ok(f->s, release_build_create(f->s, "myapp", NULL, &b));
	set_actor(f->s, "completer");
	assert_store_ok(f->s, release_build_complete(f->s, "myapp", release_build_id(b), NULL));
	assert_store_ok(f->s, release_build_get(f->s, "myapp", release_build_id(b), &got));
	assert_text_equal(release_build_actor(got), "creator");
	release_build_free(got);
	release_build_free(b);
}

static void making_a_release_keeps_the_builds_creator(void **state)
{
	struct fixture *f = *state;
	release_build *b, *got = NULL;
	release *r = NULL;

	make_app(f->s, "myapp");
	set_actor(f->s, "creator");
	b = complete_build(f->s, "myapp");
	set_actor(f->s, "releaser");
	assert_store_ok(f->s, release_create(f->s, "myapp", release_build_id(b), &r));
	assert_store_ok(f->s, release_build_get(f->s, "myapp", release_build_id(b), &got));
	assert_text_equal(release_build_release(got), release_id(r));
	assert_text_equal(release_build_actor(got), "creator");
	release_build_free(got);
	release_build_free(b);
	release_free(r);
}

static void each_write_records_the_actor_of_its_call(void **state)
{
	struct fixture *f = *state;
	release *a, *b, *c, *got = NULL;

	make_app(f->s, "myapp");
	set_actor(f->s, "alice");
	a = set_env(f->s, "myapp", "A=1");
	set_actor(f->s, "bob");
	b = set_env(f->s, "myapp", "B=1");
	assert_store_ok(f->s, release_store_set_actor(f->s, NULL));
	c = set_env(f->s, "myapp", "C=1");
	assert_store_ok(f->s, release_get_version(f->s, "myapp", 1, &got));
	assert_text_equal(release_actor(got), "alice");
	release_free(got);
	assert_store_ok(f->s, release_get_version(f->s, "myapp", 2, &got));
	assert_text_equal(release_actor(got), "bob");
	release_free(got);
	assert_store_ok(f->s, release_get_version(f->s, "myapp", 3, &got));
	assert_text_equal(release_actor(got), default_actor());
	release_free(got);
	release_free(a);
	release_free(b);
	release_free(c);
}

static void two_handles_record_their_own_actors(void **state)
{
	struct fixture *f = *state;
	release_store *other = handle_as(f, "other-handle");
	release *mine, *theirs;

	make_app(f->s, "myapp");
	set_actor(f->s, "this-handle");
	mine = set_env(f->s, "myapp", "A=1");
	theirs = set_env(other, "myapp", "B=1");
	assert_release_actor(f->s, mine, "this-handle");
	assert_release_actor(f->s, theirs, "other-handle");
	assert_text_equal(release_store_actor(f->s), "this-handle");
	release_store_close(other);
}

static void a_release_listing_returns_the_actor(void **state)
{
	struct fixture *f = *state;
	release_iter *it = NULL;
	const release *item = NULL;

	make_app(f->s, "myapp");
	set_actor(f->s, "first");
	release_free(set_env(f->s, "myapp", "A=1"));
	set_actor(f->s, "second");
	release_free(set_env(f->s, "myapp", "B=1"));
	assert_store_ok(f->s, release_list(f->s, "myapp", NULL, &it));
	assert_store_ok(f->s, release_iter_next(it, &item));
	assert_text_equal(release_actor(item), "second");
	assert_store_ok(f->s, release_iter_next(it, &item));
	assert_text_equal(release_actor(item), "first");
	assert_int_equal(release_iter_next(it, &item), RELEASE_ITEROVER);
	release_iter_free(it);
}

static void release_dup_keeps_the_actor(void **state)
{
	struct fixture *f = *state;
	release_iter *it = NULL;
	const release *item = NULL;
	release *copy;

	make_app(f->s, "myapp");
	set_actor(f->s, "dup-me");
	release_free(set_env(f->s, "myapp", "A=1"));
	assert_store_ok(f->s, release_list(f->s, "myapp", NULL, &it));
	assert_store_ok(f->s, release_iter_next(it, &item));
	copy = release_dup(item);
	release_iter_free(it);
	assert_non_null(copy);
	assert_text_equal(release_actor(copy), "dup-me");
	release_free(copy);
}

static void a_refused_actor_records_the_previous_one(void **state)
{
	struct fixture *f = *state;

	make_app(f->s, "myapp");
	set_actor(f->s, "kept");
	assert_int_equal(release_store_set_actor(f->s, "bad\x01"), RELEASE_EINVAL);
	assert_release_actor(f->s, set_env(f->s, "myapp", "A=1"), "kept");
}

/* -------------------------------------------------- deployments record it */

static void a_promotion_records_the_promoters_actor(void **state)
{
	struct fixture *f = *state;
	release_deploy_iter *it = NULL;
	const release_deploy *d = NULL;
	release *r;

	if (test_store_is_v1()) {
		skip(); /* no deployment log: test_deploy_log.c */
		return;
	}
	make_app(f->s, "myapp");
	set_actor(f->s, "maker");
	r = make_build_release(f->s, "myapp", "b");
	set_actor(f->s, "promoter");
	promote(f->s, "myapp", release_id(r));
	assert_store_ok(f->s, release_deploy_list(f->s, "myapp", NULL, &it));
	assert_store_ok(f->s, release_deploy_iter_next(it, &d));
	assert_text_equal(release_deploy_actor(d), "promoter");
	release_deploy_iter_free(it);
	release_free(r);
}

/* ------------------------------------------- apps and settings record it */

static void a_created_app_records_its_creator(void **state)
{
	struct fixture *f = *state;
	release_app *a = NULL, *got = NULL;
	release_app_iter *it;
	const release_app *listed;

	set_actor(f->s, "founder");
	assert_store_ok(f->s, release_app_create(f->s, "myapp", &a));
	set_actor(f->s, "someone else");
	assert_store_ok(f->s, release_app_get(f->s, "myapp", &got));
	assert_text_equal(release_app_actor(got), "founder");
	assert_store_ok(f->s, release_app_list(f->s, &it));
	assert_store_ok(f->s, release_app_iter_next(it, &listed));
	assert_text_equal(release_app_actor(listed), "founder");
	release_app_iter_free(it);
	release_app_free(got);
	release_app_free(a);
}

static void a_settings_change_records_who_made_it(void **state)
{
	struct fixture *f = *state;
	release_settings_opts o;
	release_settings *got = NULL;
	const char *keys[] = {"TOKEN"};

	make_app(f->s, "myapp");
	assert_store_ok(f->s, release_settings_get(f->s, "myapp", &got));
	assert_null(release_settings_actor(got)); /* never changed */
	release_settings_free(got);
	set_actor(f->s, "security@corp");
	release_settings_opts_init(&o);
	o.mask_add = keys;
	o.mask_add_n = 1;
	assert_store_ok(f->s, release_settings_update(f->s, "myapp", &o, &got));
	assert_text_equal(release_settings_actor(got), "security@corp");
	release_settings_free(got);
	set_actor(f->s, "ops");
	release_settings_opts_init(&o);
	o.hook = "./deploy.sh";
	assert_store_ok(f->s, release_settings_update(f->s, "myapp", &o, NULL));
	assert_store_ok(f->s, release_settings_get(f->s, "myapp", &got));
	assert_text_equal(release_settings_actor(got), "ops");
	release_settings_free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(a_created_build_records_the_actor),
		T(a_build_made_with_the_default_actor_records_it),
		T(import_returns_the_build_with_the_importers_actor),
		T(an_imported_build_records_the_importers_actor),
		T(an_imported_builds_release_records_the_importers_actor),
		T(setting_a_builds_status_keeps_its_creator),
		T(a_completed_builds_release_records_the_completers_actor),
		T(a_build_listing_returns_the_actor),
		T(build_dup_keeps_the_actor),
		T(a_log_append_keeps_the_builds_creator),
		T(release_create_records_the_actor),
		T(env_set_records_the_actor),
		T(env_unset_records_the_actor),
		T(env_change_records_the_actor),
		T(create_from_records_the_actor),
		T(a_rollback_copy_records_the_rollers_actor),
		T(a_failed_rollbacks_copy_records_the_rollers_actor),
		T(promoting_keeps_the_releases_maker),
		T(a_failed_promotion_keeps_the_releases_maker),
		T(completing_a_build_keeps_its_creator),
		T(making_a_release_keeps_the_builds_creator),
		T(each_write_records_the_actor_of_its_call),
		T(two_handles_record_their_own_actors),
		T(a_release_listing_returns_the_actor),
		T(release_dup_keeps_the_actor),
		T(a_refused_actor_records_the_previous_one),
		T(a_promotion_records_the_promoters_actor),
		T(a_created_app_records_its_creator),
		T(a_settings_change_records_who_made_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
