/* Releases that copy an older release's build (release_env_change() with a
 * base, release_create_from()): the build's back link, a build gone, and a
 * prune deciding meanwhile that the build is unused. */
#include "harness.h"
#include "race_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A change of myapp's env on base; returns the code, *out the release. */
static int env_change(release_store *s, const char *base, const char *pair, release **out)
{
	release_env_opts o;

	release_env_opts_init(&o);
	o.base = base;
	o.set = &pair;
	o.set_n = 1;
	return release_env_change(s, "myapp", &o, out);
}

static int create_from(release_store *s, const char *build_from, release **out)
{
	release_create_opts o;

	release_create_opts_init(&o);
	o.build_from = build_from;
	return release_create_from(s, "myapp", &o, out);
}

/* The release the build record names. */
static const char *link_of(release_store *s, const char *build_id)
{
	static char id[32];
	release_build *b = NULL;

	assert_store_ok(s, release_build_get(s, "myapp", build_id, &b));
	snprintf(id, sizeof id, "%s", release_build_release(b) ? release_build_release(b) : "");
	release_build_free(b);
	return id;
}

/* ---- the back link */

static void a_bases_build_names_the_release_made_from_the_base(void **state)
{
	struct fixture *f = *state;
	release *old, *newer, *r = NULL;

	make_app(f->s, "myapp");
	old = make_build_release(f->s, "myapp", "old build");
	newer = make_build_release(f->s, "myapp", "new build");
	assert_store_ok(f->s, env_change(f->s, release_id(old), "FOO=1", &r));
	assert_non_null(r);
	assert_string_equal(link_of(f->s, release_build_of(old)), release_id(r));
	assert_string_equal(link_of(f->s, release_build_of(newer)), release_id(newer));
	release_free(old);
	release_free(newer);
	release_free(r);
}

static void a_bases_build_names_the_new_release_when_out_is_null(void **state)
{
	struct fixture *f = *state;
	release *old, *newer, *newest = NULL;

	make_app(f->s, "myapp");
	old = make_build_release(f->s, "myapp", "old build");
	newer = make_build_release(f->s, "myapp", "new build");
	assert_store_ok(f->s, env_change(f->s, release_id(old), "FOO=1", NULL));
	assert_store_ok(f->s, release_get_version(f->s, "myapp", 3, &newest));
	assert_string_equal(release_build_of(newest), release_build_of(old));
	assert_string_equal(link_of(f->s, release_build_of(old)), release_id(newest));
	release_free(old);
	release_free(newer);
	release_free(newest);
}

/* Without a base the change is release_env_set()'s: the build keeps
 * naming the release it was made into. */
static void without_a_base_the_builds_link_is_left_alone(void **state)
{
	struct fixture *f = *state;
	release *built, *r = NULL;

	make_app(f->s, "myapp");
	built = make_build_release(f->s, "myapp", "build");
	assert_store_ok(f->s, env_change(f->s, NULL, "FOO=1", &r));
	assert_non_null(r);
	assert_string_equal(release_build_of(r), release_build_of(built));
	assert_string_equal(link_of(f->s, release_build_of(built)), release_id(built));
	release_free(built);
	release_free(r);
}

/* ---- a build gone */

/* The base's build deleted under it, as a prune racing the release that
 * used it last may have: RELEASE_ENOTFOUND, nothing written. */
static void a_base_whose_build_is_gone_is_enotfound_and_writes_nothing(void **state)
{
	struct race_backend *rb = race_backend_new();
	release_store *s = race_backend_open(rb);
	release *old, *newer, *r = (release *)1;

	(void)state;
	make_app(s, "myapp");
	old = make_build_release(s, "myapp", "old build");
	newer = make_build_release(s, "myapp", "new build");
	assert_int_equal(rb->inner->del(rb->inner_ctx, "myapp", RELEASE_KIND_BUILD,
					release_build_of(old)),
			 0);
	assert_int_equal(env_change(s, release_id(old), "FOO=1", &r), RELEASE_ENOTFOUND);
	assert_null(r);
	assert_int_equal(count_releases(s, "myapp"), 2);
	/* a base whose build stands is changed as ever */
	assert_store_ok(s, env_change(s, release_id(newer), "FOO=1", NULL));
	assert_int_equal(count_releases(s, "myapp"), 3);
	release_free(old);
	release_free(newer);
	release_store_close(s);
	race_backend_unref(rb);
}

/* ---- a prune racing */

/*
 * History: v1 (build one), v2 (build two), v3 (build three), each promoted
 * in turn: a prune keeping 0 deletes v1 and build one, which nothing else
 * uses, unless a release made meanwhile uses it.
 */
struct race {
	struct race_backend *rb;
	release_store *s, *other;
	release *v[4];
	int is_env; /* the copy is an env change, else a create-from */
	int rc;     /* the racer's */
	release *made;
};

static void race_setup(struct race *r, int is_env)
{
	memset(r, 0, sizeof *r);
	r->rb = race_backend_new();
	r->s = race_backend_open(r->rb);
	r->other = race_backend_open(r->rb);
	r->is_env = is_env;
	r->rc = -100;
	make_app(r->s, "myapp");
	for (int i = 1; i <= 3; i++) {
		char desc[16];

		snprintf(desc, sizeof desc, "build %d", i);
		r->v[i] = make_build_release(r->s, "myapp", desc);
		promote(r->s, "myapp", release_id(r->v[i]));
	}
}

/* Nothing in the race is promised without commit(): the release and the
 * build's link are two writes there, and a prune deletes one by one. */
static int race_needs_commit(struct race *r)
{
	if (test_storage_has(r->rb->inner, commit))
		return 1;
	print_message("skipped: the backend has no commit()\n");
	return 0;
}

static void race_free(struct race *r)
{
	for (int i = 1; i <= 3; i++)
		release_free(r->v[i]);
	release_free(r->made);
	release_store_close(r->other);
	release_store_close(r->s);
	race_backend_unref(r->rb);
}

/* The copy of v1's build, on handle s. */
static int copy_v1(struct race *r, release_store *s, release **out)
{
	return r->is_env ? env_change(s, release_id(r->v[1]), "FOO=1", out) :
			   create_from(s, release_id(r->v[1]), out);
}

/* Every release left names a build that exists. */
static void assert_no_release_lacks_its_build(release_store *s)
{
	release_iter *it = NULL;
	const release *rel;
	int rc;

	assert_store_ok(s, release_list(s, "myapp", NULL, &it));
	while ((rc = release_iter_next(it, &rel)) == 0) {
		release_build *b = NULL;

		if (!release_build_of(rel))
			continue;
		rc = release_build_get(s, "myapp", release_build_of(rel), &b);
		if (rc != 0)
			fail_msg("release %s (version %llu) names build %s: %d (%s)",
				 release_id(rel), (unsigned long long)release_version(rel),
				 release_build_of(rel), rc, release_store_errmsg(s));
		release_build_free(b);
	}
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_iter_free(it);
}

/* The copy either stands whole (its build there: a rollback to it
 * deploys it) or failed as not found with nothing written. */
static void assert_copy_whole_or_absent(struct race *r, int rc, const release *made,
					size_t releases_before)
{
	assert_no_release_lacks_its_build(r->s);
	if (rc == RELEASE_ENOTFOUND) {
		assert_null(made);
		assert_int_equal(count_releases(r->s, "myapp"), releases_before);
		return;
	}
	if (rc != 0)
		fail_msg("the copy -> %d (%s)", rc, release_strerror(rc));
	assert_non_null(made);
	assert_string_equal(release_build_of(made), release_build_of(r->v[1]));
	assert_store_ok(r->s, release_rollback(r->s, "myapp", release_id(made), NULL, NULL));
}

static void race_in_a_prune(void *arg)
{
	struct race *r = arg;
	size_t removed = 0;

	r->rc = release_prune(r->other, "myapp", 0, &removed);
}

/* The prune reads and commits between the copy's read of the build and
 * its write. */
static void prune_inside_the_copy(int is_env)
{
	struct race r;
	int rc;

	race_setup(&r, is_env);
	if (!race_needs_commit(&r)) {
		race_free(&r);
		skip();
	}
	race_before_write(r.rb, race_in_a_prune, &r);
	rc = copy_v1(&r, r.s, &r.made);
	assert_int_equal(r.rb->fired, 1);
	assert_store_ok(r.other, r.rc);
	/* the prune deleted v1 whatever happened: 2 left, 3 with the copy */
	assert_copy_whole_or_absent(&r, rc, r.made, 2);
	race_free(&r);
}

static void race_in_a_copy(void *arg)
{
	struct race *r = arg;

	r->rc = copy_v1(r, r->other, &r->made);
}

/* The copy writes between the prune's reads and its commit. */
static void copy_inside_the_prune(int is_env)
{
	struct race r;
	size_t removed = 0;

	race_setup(&r, is_env);
	if (!race_needs_commit(&r)) {
		race_free(&r);
		skip();
	}
	race_before_write(r.rb, race_in_a_copy, &r);
	assert_store_ok(r.s, release_prune(r.s, "myapp", 0, &removed));
	assert_int_equal(r.rb->fired, 1);
	assert_int_equal(removed, 1);
	assert_copy_whole_or_absent(&r, r.rc, r.made, 2);
	race_free(&r);
}

static void a_prune_inside_an_env_change_leaves_no_release_without_its_build(void **state)
{
	(void)state;
	prune_inside_the_copy(1);
}

static void a_prune_inside_a_create_from_leaves_no_release_without_its_build(void **state)
{
	(void)state;
	prune_inside_the_copy(0);
}

static void an_env_change_inside_a_prune_keeps_the_build_it_copies(void **state)
{
	(void)state;
	copy_inside_the_prune(1);
}

static void a_create_from_inside_a_prune_keeps_the_build_it_copies(void **state)
{
	(void)state;
	copy_inside_the_prune(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(a_bases_build_names_the_release_made_from_the_base),
		T(a_bases_build_names_the_new_release_when_out_is_null),
		T(without_a_base_the_builds_link_is_left_alone),
		cmocka_unit_test(a_base_whose_build_is_gone_is_enotfound_and_writes_nothing),
		cmocka_unit_test(a_prune_inside_an_env_change_leaves_no_release_without_its_build),
		cmocka_unit_test(a_prune_inside_a_create_from_leaves_no_release_without_its_build),
		cmocka_unit_test(an_env_change_inside_a_prune_keeps_the_build_it_copies),
		cmocka_unit_test(a_create_from_inside_a_prune_keeps_the_build_it_copies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
