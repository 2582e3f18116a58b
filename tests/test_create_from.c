/* Creating a release from two releases: one's build, another's env. */
#include "harness.h"
#include "race_store.h"

#include <stddef.h>
#include <string.h>

/* A complete build with its own manifest, and its release (caller frees). */
static release *build_release(release_store *s, const char *app, const char *description,
			      const char *manifest)
{
	release_build_opts o;
	release_build *b = NULL;
	release *r = NULL;

	release_build_opts_init(&o);
	o.description = description;
	o.manifest = manifest;
	o.status = RELEASE_BUILD_COMPLETE;
	assert_store_ok(s, release_build_create(s, app, &o, &b));
	assert_store_ok(s, release_create(s, app, release_build_id(b), &r));
	release_build_free(b);
	return r;
}

/* Two builds, each with an env release:
 *   v1 build one (manifest one), env {}
 *   v2 env add:FOO on build one, FOO=one
 *   v3 build two (manifest two), FOO=one
 *   v4 env change:FOO on build two, FOO=two */
struct hist {
	release *v[5];
};

static void make_history(release_store *s, struct hist *h)
{
	make_app(s, "myapp");
	h->v[0] = NULL;
	h->v[1] = build_release(s, "myapp", "build one", "manifest one");
	h->v[2] = set_env(s, "myapp", "FOO=one");
	h->v[3] = build_release(s, "myapp", "build two", "manifest two");
	h->v[4] = set_env(s, "myapp", "FOO=two");
}

static void hist_free(struct hist *h)
{
	for (int i = 1; i < 5; i++)
		release_free(h->v[i]);
}

static release *create_from(release_store *s, const char *build_from, const char *env_from)
{
	release_create_opts o;
	release *r = NULL;

	release_create_opts_init(&o);
	o.build_from = build_from;
	o.env_from = env_from;
	assert_store_ok(s, release_create_from(s, "myapp", &o, &r));
	assert_non_null(r);
	return r;
}

static void the_build_comes_from_one_release_and_the_env_from_another(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release *r;

	make_history(f->s, &h);
	r = create_from(f->s, release_id(h.v[1]), release_id(h.v[4]));
	assert_string_equal(release_build_of(r), release_build_of(h.v[1]));
	assert_string_equal(release_manifest(r), "manifest one");
	assert_string_equal(release_description(r), "build one");
	assert_int_equal(release_env_count(r), 1);
	assert_string_equal(release_env_get(r, "FOO"), "two");
	assert_string_equal(release_app_of(r), "myapp");
	assert_null(release_source(r));
	release_free(r);
	hist_free(&h);
}

static void the_new_release_is_the_newest_version(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release *r, *newest = NULL;

	make_history(f->s, &h);
	r = create_from(f->s, release_id(h.v[2]), release_id(h.v[1]));
	assert_int_equal(release_version(r), 5);
	assert_string_not_equal(release_id(r), release_id(h.v[2]));
	assert_store_ok(f->s, release_get_version(f->s, "myapp", 5, &newest));
	assert_string_equal(release_id(newest), release_id(r));
	assert_string_equal(release_build_of(newest), release_build_of(h.v[1]));
	assert_int_equal(release_env_count(newest), 0);
	release_free(newest);
	release_free(r);
	hist_free(&h);
}

static void the_next_env_change_builds_on_the_new_release(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release *r, *next;

	make_history(f->s, &h);
	r = create_from(f->s, release_id(h.v[1]), release_id(h.v[2]));
	next = set_env(f->s, "myapp", "BAR=1");
	assert_string_equal(release_build_of(next), release_build_of(h.v[1]));
	assert_string_equal(release_env_get(next, "FOO"), "one");
	assert_string_equal(release_description(next), "env add:BAR");
	release_free(next);
	release_free(r);
	hist_free(&h);
}

static void both_sources_default_to_the_active_release(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release *r = NULL;

	make_history(f->s, &h);
	promote(f->s, "myapp", release_id(h.v[2]));
	assert_store_ok(f->s, release_create_from(f->s, "myapp", NULL, &r));
	assert_string_equal(release_build_of(r), release_build_of(h.v[2]));
	assert_string_equal(release_manifest(r), "manifest one");
	assert_string_equal(release_description(r), "build one");
	assert_string_equal(release_env_get(r, "FOO"), "one");
	assert_int_equal(release_version(r), 5);
	release_free(r);
	hist_free(&h);
}

/* build_from may be an env change: its description tells of the change,
 * the new release's tells of the build. */
static void the_description_is_the_builds_not_the_build_sources(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release *r;

	make_history(f->s, &h);
	assert_string_equal(release_description(h.v[4]), "env change:FOO");
	r = create_from(f->s, release_id(h.v[4]), release_id(h.v[2]));
	assert_string_equal(release_description(r), "build two");
	release_free(r);
	hist_free(&h);
}

static void initialised_opts_default_to_the_active_release(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release *r;

	make_history(f->s, &h);
	promote(f->s, "myapp", release_id(h.v[2]));
	r = create_from(f->s, NULL, NULL);
	assert_string_equal(release_build_of(r), release_build_of(h.v[2]));
	assert_string_equal(release_env_get(r, "FOO"), "one");
	release_free(r);
	hist_free(&h);
}

static void build_from_alone_takes_the_env_of_the_active_release(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release *r;

	make_history(f->s, &h);
	promote(f->s, "myapp", release_id(h.v[1]));
	r = create_from(f->s, release_id(h.v[4]), NULL);
	assert_string_equal(release_build_of(r), release_build_of(h.v[4]));
	assert_string_equal(release_manifest(r), "manifest two");
	assert_int_equal(release_env_count(r), 0);
	release_free(r);
	hist_free(&h);
}

static void env_from_alone_takes_the_build_of_the_active_release(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release *r;

	make_history(f->s, &h);
	promote(f->s, "myapp", release_id(h.v[1]));
	r = create_from(f->s, NULL, release_id(h.v[4]));
	assert_string_equal(release_build_of(r), release_build_of(h.v[1]));
	assert_string_equal(release_manifest(r), "manifest one");
	assert_string_equal(release_description(r), "build one");
	assert_string_equal(release_env_get(r, "FOO"), "two");
	release_free(r);
	hist_free(&h);
}

static void a_default_without_an_active_release_is_enotfound_and_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release_create_opts o;
	release *r = (release *)1;

	make_history(f->s, &h);
	assert_int_equal(release_create_from(f->s, "myapp", NULL, &r), RELEASE_ENOTFOUND);
	assert_null(r);
	assert_non_null(strstr(release_store_errmsg(f->s), "has no active release"));
	/* one source named, the other left to the (missing) active release */
	release_create_opts_init(&o);
	o.build_from = release_id(h.v[1]);
	r = (release *)1;
	assert_int_equal(release_create_from(f->s, "myapp", &o, &r), RELEASE_ENOTFOUND);
	assert_null(r);
	release_create_opts_init(&o);
	o.env_from = release_id(h.v[1]);
	assert_int_equal(release_create_from(f->s, "myapp", &o, NULL), RELEASE_ENOTFOUND);
	assert_int_equal(count_releases(f->s, "myapp"), 4);
	hist_free(&h);
}

static void an_unknown_release_is_enotfound_and_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release_create_opts o;
	release *r = (release *)1;

	make_history(f->s, &h);
	promote(f->s, "myapp", release_id(h.v[1]));
	release_create_opts_init(&o);
	o.build_from = "RNOSUCHONE";
	o.env_from = release_id(h.v[2]);
	assert_int_equal(release_create_from(f->s, "myapp", &o, &r), RELEASE_ENOTFOUND);
	assert_null(r);
	o.build_from = release_id(h.v[2]);
	o.env_from = "RNOSUCHONE";
	r = (release *)1;
	assert_int_equal(release_create_from(f->s, "myapp", &o, &r), RELEASE_ENOTFOUND);
	assert_null(r);
	assert_int_equal(count_releases(f->s, "myapp"), 4);
	hist_free(&h);
}

static void another_apps_release_is_enotfound_and_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release_create_opts o;
	release *theirs, *r = (release *)1;
	release_build *b = NULL;

	make_history(f->s, &h);
	promote(f->s, "myapp", release_id(h.v[1]));
	make_app(f->s, "other");
	theirs = build_release(f->s, "other", "theirs", "their manifest");
	release_create_opts_init(&o);
	o.build_from = release_id(theirs);
	o.env_from = release_id(h.v[2]);
	assert_int_equal(release_create_from(f->s, "myapp", &o, &r), RELEASE_ENOTFOUND);
	assert_null(r);
	o.build_from = release_id(h.v[2]);
	o.env_from = release_id(theirs);
	assert_int_equal(release_create_from(f->s, "myapp", &o, NULL), RELEASE_ENOTFOUND);
	assert_int_equal(count_releases(f->s, "myapp"), 4);
	assert_int_equal(count_releases(f->s, "other"), 1);
	/* their build still names their release alone */
	assert_store_ok(f->s, release_build_get(f->s, "other", release_build_of(theirs), &b));
	assert_string_equal(release_build_release(b), release_id(theirs));
	release_build_free(b);
	release_free(theirs);
	hist_free(&h);
}

static void a_malformed_release_id_is_einval(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release_create_opts o;

	make_history(f->s, &h);
	release_create_opts_init(&o);
	o.build_from = "not-an-id";
	o.env_from = release_id(h.v[1]);
	assert_int_equal(release_create_from(f->s, "myapp", &o, NULL), RELEASE_EINVAL);
	o.build_from = release_id(h.v[1]);
	o.env_from = release_build_of(h.v[1]); /* a build id is no release id */
	assert_int_equal(release_create_from(f->s, "myapp", &o, NULL), RELEASE_EINVAL);
	assert_int_equal(count_releases(f->s, "myapp"), 4);
	hist_free(&h);
}

static void an_unknown_app_is_enotfound(void **state)
{
	struct fixture *f = *state;
	release *r = (release *)1;

	assert_int_equal(release_create_from(f->s, "nosuchapp", NULL, &r), RELEASE_ENOTFOUND);
	assert_null(r);
}

static void a_source_without_a_build_makes_a_release_without_one(void **state)
{
	struct fixture *f = *state;
	release *env_only, *built, *r;

	make_app(f->s, "myapp");
	env_only = set_env(f->s, "myapp", "FOO=bar");
	built = build_release(f->s, "myapp", "build one", "manifest one");
	r = create_from(f->s, release_id(env_only), release_id(built));
	assert_null(release_build_of(r));
	assert_string_equal(release_manifest(r), "");
	assert_string_equal(release_description(r), release_description(env_only));
	assert_string_equal(release_env_get(r, "FOO"), "bar");
	assert_int_equal(release_version(r), 3);
	release_free(env_only);
	release_free(built);
	release_free(r);
}

/* build_from's build deleted under it, as a prune racing the release that
 * used it last may have: whether build_from is named or the active
 * release, RELEASE_ENOTFOUND and nothing is written. */
static void a_build_from_whose_build_is_gone_is_enotfound_and_writes_nothing(void **state)
{
	struct race_backend *rb = race_backend_new();
	release_store *s = race_backend_open(rb);
	const char *gone;
	struct hist h;
	release_create_opts o;
	release *r = (release *)1;

	(void)state;
	make_history(s, &h);
	gone = release_build_of(h.v[1]);
	assert_int_equal(rb->inner->del(rb->inner_ctx, "myapp", RELEASE_KIND_BUILD, gone), 0);
	release_create_opts_init(&o);
	o.build_from = release_id(h.v[2]); /* an env change on that build */
	o.env_from = release_id(h.v[4]);
	assert_int_equal(release_create_from(s, "myapp", &o, &r), RELEASE_ENOTFOUND);
	assert_null(r);
	assert_non_null(strstr(release_store_errmsg(s), gone));
	promote(s, "myapp", release_id(h.v[1]));
	assert_int_equal(release_create_from(s, "myapp", NULL, NULL), RELEASE_ENOTFOUND);
	assert_int_equal(count_releases(s, "myapp"), 4);
	/* a build_from whose build stands is taken as ever */
	o.build_from = release_id(h.v[3]);
	assert_store_ok(s, release_create_from(s, "myapp", &o, NULL));
	assert_int_equal(count_releases(s, "myapp"), 5);
	hist_free(&h);
	release_store_close(s);
	race_backend_unref(rb);
}

static void the_build_names_the_new_release(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release *r;
	release_build *b = NULL;

	make_history(f->s, &h);
	r = create_from(f->s, release_id(h.v[1]), release_id(h.v[4]));
	assert_store_ok(f->s, release_build_get(f->s, "myapp", release_build_of(h.v[1]), &b));
	assert_string_equal(release_build_release(b), release_id(r));
	release_build_free(b);
	release_free(r);
	hist_free(&h);
}

static void the_other_sources_build_is_left_alone(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release *r;
	release_build *b = NULL;

	make_history(f->s, &h);
	r = create_from(f->s, release_id(h.v[1]), release_id(h.v[4]));
	assert_store_ok(f->s, release_build_get(f->s, "myapp", release_build_of(h.v[4]), &b));
	assert_string_equal(release_build_release(b), release_id(h.v[3]));
	release_build_free(b);
	release_free(r);
	hist_free(&h);
}

static void the_new_release_is_not_promoted(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release *r, *again = NULL;

	make_history(f->s, &h);
	promote(f->s, "myapp", release_id(h.v[3]));
	r = create_from(f->s, release_id(h.v[1]), NULL);
	assert_int_equal(release_is_active(r), 0);
	assert_int_equal(release_promoted(r), 0);
	assert_string_equal(active_of(f->s, "myapp"), release_id(h.v[3]));
	assert_store_ok(f->s, release_get(f->s, "myapp", release_id(r), &again));
	assert_int_equal(release_is_active(again), 0);
	assert_int_equal(release_promoted(again), 0);
	assert_int_equal(release_failed(again), 0);
	release_free(again);
	release_free(r);
	hist_free(&h);
}

static void out_may_be_null(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release_create_opts o;
	release *newest = NULL;

	make_history(f->s, &h);
	release_create_opts_init(&o);
	o.build_from = release_id(h.v[3]);
	o.env_from = release_id(h.v[1]);
	assert_store_ok(f->s, release_create_from(f->s, "myapp", &o, NULL));
	assert_store_ok(f->s, release_get_version(f->s, "myapp", 5, &newest));
	assert_string_equal(release_build_of(newest), release_build_of(h.v[3]));
	assert_int_equal(release_env_count(newest), 0);
	release_free(newest);
	hist_free(&h);
}

static void uninitialised_opts_are_einval_and_write_nothing(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release_create_opts o;
	release *r = (release *)1;

	make_history(f->s, &h);
	memset(&o, 0, sizeof o);
	o.build_from = release_id(h.v[1]);
	o.env_from = release_id(h.v[4]);
	assert_int_equal(release_create_from(f->s, "myapp", &o, &r), RELEASE_EINVAL);
	assert_null(r);
	assert_non_null(strstr(release_store_errmsg(f->s), "release_create_opts"));
	assert_int_equal(count_releases(f->s, "myapp"), 4);
	hist_free(&h);
}

static void opts_smaller_than_any_real_struct_are_einval(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release_create_opts o;

	make_history(f->s, &h);
	release_create_opts_init(&o);
	o.build_from = release_id(h.v[1]);
	o.env_from = release_id(h.v[4]);
	o.size = sizeof o.size;
	assert_int_equal(release_create_from(f->s, "myapp", &o, NULL), RELEASE_EINVAL);
	o.size = offsetof(release_create_opts, env_from);
	assert_int_equal(release_create_from(f->s, "myapp", &o, NULL), RELEASE_EINVAL);
	assert_int_equal(count_releases(f->s, "myapp"), 4);
	hist_free(&h);
}

static void opts_this_library_does_not_know_are_refused_only_when_set(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	struct {
		release_create_opts o;
		uint64_t newer;
	} big;

	make_history(f->s, &h);
	memset(&big, 0, sizeof big);
	release_create_opts_init(&big.o);
	big.o.size = sizeof big;
	big.o.build_from = release_id(h.v[1]);
	big.o.env_from = release_id(h.v[4]);
	big.newer = 1;
	assert_int_equal(release_create_from(f->s, "myapp", &big.o, NULL), RELEASE_EINVAL);
	assert_int_equal(count_releases(f->s, "myapp"), 4);
	big.newer = 0;
	assert_store_ok(f->s, release_create_from(f->s, "myapp", &big.o, NULL));
	assert_int_equal(count_releases(f->s, "myapp"), 5);
	hist_free(&h);
}

static void init_sets_the_size_and_no_sources(void **state)
{
	release_create_opts o;

	(void)state;
	memset(&o, 0xa5, sizeof o);
	release_create_opts_init(&o);
	assert_int_equal(o.size, sizeof o);
	assert_null(o.build_from);
	assert_null(o.env_from);
}

struct racer {
	release_store *other;
};

static void race_in_an_env_change(void *arg)
{
	struct racer *r = arg;

	release_free(set_env(r->other, "myapp", "THEIRS=1"));
}

/* Another writer takes the version first: the release is written again
 * above it, and the build's link names the release as finally written. */
static void a_release_written_meanwhile_is_built_upon_and_the_link_follows(void **state)
{
	struct fixture *f = *state;
	struct racer racer = {fixture_second_handle(f)};
	struct hist h;
	release *r;
	release_build *b = NULL;

	make_history(f->s, &h);
	shared_backend_before_put(f->backend, race_in_an_env_change, &racer);
	r = create_from(f->s, release_id(h.v[1]), release_id(h.v[4]));
	assert_int_equal(release_version(r), 6);
	assert_string_equal(release_env_get(r, "FOO"), "two");
	assert_null(release_env_get(r, "THEIRS"));
	assert_store_ok(f->s, release_build_get(f->s, "myapp", release_build_of(h.v[1]), &b));
	assert_string_equal(release_build_release(b), release_id(r));
	assert_int_equal(count_releases(f->s, "myapp"), 6);
	release_build_free(b);
	release_free(r);
	release_store_close(racer.other);
	hist_free(&h);
}

static int deploy_fails(void *payload, const release *r, release_events *ev)
{
	(void)payload;
	(void)r;
	(void)ev;
	return -1;
}

/* A source that failed to deploy lends its build and env, not its
 * failure. */
static void the_new_release_carries_no_failure_of_its_sources(void **state)
{
	struct fixture *f = *state;
	struct hist h;
	release_promote_opts o;
	release *failed = NULL, *r;

	make_history(f->s, &h);
	release_promote_opts_init(&o);
	o.deploy = deploy_fails;
	assert_int_equal(release_promote(f->s, "myapp", release_id(h.v[3]), &o), RELEASE_EDEPLOY);
	assert_store_ok(f->s, release_get(f->s, "myapp", release_id(h.v[3]), &failed));
	assert_true(release_failed(failed) != 0);
	r = create_from(f->s, release_id(h.v[3]), release_id(h.v[3]));
	assert_int_equal(release_failed(r), 0);
	assert_int_equal(release_promoted(r), 0);
	release_free(failed);
	release_free(r);
	hist_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(the_build_comes_from_one_release_and_the_env_from_another),
		T(the_new_release_is_the_newest_version),
		T(the_next_env_change_builds_on_the_new_release),
		T(both_sources_default_to_the_active_release),
		T(the_description_is_the_builds_not_the_build_sources),
		T(initialised_opts_default_to_the_active_release),
		T(build_from_alone_takes_the_env_of_the_active_release),
		T(env_from_alone_takes_the_build_of_the_active_release),
		T(a_default_without_an_active_release_is_enotfound_and_writes_nothing),
		T(an_unknown_release_is_enotfound_and_writes_nothing),
		T(another_apps_release_is_enotfound_and_writes_nothing),
		T(a_malformed_release_id_is_einval),
		T(an_unknown_app_is_enotfound),
		T(a_source_without_a_build_makes_a_release_without_one),
		cmocka_unit_test(a_build_from_whose_build_is_gone_is_enotfound_and_writes_nothing),
		T(the_build_names_the_new_release),
		T(the_other_sources_build_is_left_alone),
		T(a_release_written_meanwhile_is_built_upon_and_the_link_follows),
		T(the_new_release_is_not_promoted),
		T(the_new_release_carries_no_failure_of_its_sources),
		T(out_may_be_null),
		T(uninitialised_opts_are_einval_and_write_nothing),
		T(opts_smaller_than_any_real_struct_are_einval),
		T(opts_this_library_does_not_know_are_refused_only_when_set),
		T(init_sets_the_size_and_no_sources),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
