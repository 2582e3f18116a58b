/* Builds: create, status changes, get, list. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static release_build *new_build(release_store *s, const char *desc, int status)
{
	release_build_opts o;
	release_build *b = NULL;

	release_build_opts_init(&o);
	o.description = desc;
	o.manifest = "manifest of " "test";
	o.status = status;
	assert_store_ok(s, release_build_create(s, "myapp", &o, &b));
	return b;
}

static void create_records_fields_and_a_seed_style_id(void **state)
{
	struct fixture *f = *state;
	release_build *b;
	const char *id;

	make_app(f->s, "myapp");
	b = new_build(f->s, "build 0a1b2c3d4e5f my commit message", RELEASE_BUILD_CREATED);
	id = release_build_id(b);
	assert_int_equal(strlen(id), 10);
	assert_int_equal(id[0], 'B');
	for (size_t i = 1; i < 10; i++)
		assert_true(id[i] >= 'A' && id[i] <= 'Z');
	assert_string_equal(release_build_app(b), "myapp");
	assert_string_equal(release_build_description(b), "build 0a1b2c3d4e5f my commit message");
	assert_string_equal(release_build_manifest(b), "manifest of test");
	assert_int_equal(release_build_status(b), RELEASE_BUILD_CREATED);
	assert_true(release_build_started(b) > 0);
	assert_int_equal(release_build_ended(b), 0);
	assert_null(release_build_release(b));
	release_build_free(b);
}

static void create_with_null_opts_makes_an_empty_created_build(void **state)
{
	struct fixture *f = *state;
	release_build *b = NULL;

	make_app(f->s, "myapp");
	assert_store_ok(f->s, release_build_create(f->s, "myapp", NULL, &b));
	assert_string_equal(release_build_description(b), "");
	assert_string_equal(release_build_manifest(b), "");
	assert_int_equal(release_build_status(b), RELEASE_BUILD_CREATED);
	release_build_free(b);
}

static void status_names_match_convox(void **state)
{
	(void)state;
	assert_string_equal(release_build_status_name(RELEASE_BUILD_CREATED), "created");
	assert_string_equal(release_build_status_name(RELEASE_BUILD_RUNNING), "running");
	assert_string_equal(release_build_status_name(RELEASE_BUILD_COMPLETE), "complete");
	assert_string_equal(release_build_status_name(RELEASE_BUILD_FAILED), "failed");
	assert_null(release_build_status_name(4));
}

static void completing_a_build_stamps_ended(void **state)
{
	struct fixture *f = *state;
	release_build *b, *done = NULL;

	make_app(f->s, "myapp");
	b = new_build(f->s, "x", RELEASE_BUILD_RUNNING);
	assert_store_ok(f->s, release_build_set_status(f->s, "myapp", release_build_id(b),
						       RELEASE_BUILD_COMPLETE, &done));
	assert_int_equal(release_build_status(done), RELEASE_BUILD_COMPLETE);
	assert_true(release_build_ended(done) > release_build_started(done));
	release_build_free(b);
	release_build_free(done);
}

static void a_finished_build_cannot_change_status(void **state)
{
	struct fixture *f = *state;
	release_build *b;

	make_app(f->s, "myapp");
	b = new_build(f->s, "x", RELEASE_BUILD_FAILED);
	assert_int_equal(release_build_set_status(f->s, "myapp", release_build_id(b),
						  RELEASE_BUILD_COMPLETE, NULL),
			 RELEASE_EINVAL);
	release_build_free(b);
}

static void get_returns_the_stored_build(void **state)
{
	struct fixture *f = *state;
	release_build *b, *got = NULL;

	make_app(f->s, "myapp");
	b = new_build(f->s, "desc", RELEASE_BUILD_COMPLETE);
	assert_store_ok(f->s, release_build_get(f->s, "myapp", release_build_id(b), &got));
	assert_string_equal(release_build_id(got), release_build_id(b));
	assert_string_equal(release_build_description(got), "desc");
	assert_int_equal(release_build_ended(got), release_build_started(got));
	release_build_free(b);
	release_build_free(got);
}

static void get_of_an_unknown_build_is_enotfound(void **state)
{
	struct fixture *f = *state;
	release_build *got = NULL;

	make_app(f->s, "myapp");
	assert_int_equal(release_build_get(f->s, "myapp", "BAAAAAAAAA", &got), RELEASE_ENOTFOUND);
	assert_null(got);
}

static void another_apps_build_is_not_found(void **state)
{
	struct fixture *f = *state;
	release_build *b, *got = NULL;

	make_app(f->s, "myapp");
	make_app(f->s, "other");
	b = new_build(f->s, "mine", RELEASE_BUILD_COMPLETE);
	assert_int_equal(release_build_get(f->s, "other", release_build_id(b), &got),
			 RELEASE_ENOTFOUND);
	release_build_free(b);
}

static void list_yields_builds_newest_first_with_limit(void **state)
{
	struct fixture *f = *state;
	release_build_iter *it = NULL;
	const release_build *b;
	char desc[16];
	int n = 0, rc;

	make_app(f->s, "myapp");
	for (int i = 0; i < 100; i++) {
		snprintf(desc, sizeof desc, "b%d", i);
		release_build_free(new_build(f->s, desc, RELEASE_BUILD_COMPLETE));
	}
	assert_store_ok(f->s, release_build_list(f->s, "myapp", 0, &it));
	while ((rc = release_build_iter_next(it, &b)) == 0) {
		snprintf(desc, sizeof desc, "b%d", 99 - n++);
		assert_string_equal(release_build_description(b), desc);
	}
	assert_int_equal(rc, RELEASE_ITEROVER);
	assert_int_equal(n, 100);
	release_build_iter_free(it);

	assert_store_ok(f->s, release_build_list(f->s, "myapp", 3, &it));
	for (n = 0; release_build_iter_next(it, &b) == 0; n++)
		;
	assert_int_equal(n, 3);
	release_build_iter_free(it);
}

static void a_release_from_a_build_is_linked_back(void **state)
{
	struct fixture *f = *state;
	release *r;
	release_build *b = NULL;

	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "linked");
	assert_store_ok(f->s, release_build_get(f->s, "myapp", release_build_of(r), &b));
	assert_string_equal(release_build_release(b), release_id(r));
	release_build_free(b);
	release_free(r);
}

/* A build that cannot be read, by the backend or by the core, is a step of
 * its own naming it; the other builds of its page are still listed. */
static void a_damaged_build_costs_only_its_own_step(void **state)
{
	struct fixture *f = *state;
	static const uint64_t where[] = {70, 31, 6, 1};
	char desc[16], got[1024], want[1024];

	make_app(f->s, "myapp");
	for (int i = 1; i <= 70; i++) {
		snprintf(desc, sizeof desc, "b%d", i);
		release_build_free(new_build(f->s, desc, RELEASE_BUILD_COMPLETE));
	}
	for (size_t i = 0; i < 2 * sizeof where / sizeof *where; i++) {
		uint64_t bad = where[i % 4];
		struct tamper t = {0};
		release_build_iter *it = NULL;
		const release_build *b;
		int rc;

		t.app = "myapp";
		t.kind = RELEASE_KIND_BUILD;
		t.seq = bad;
		/* the backend's damage, then a record the core refuses */
		t.code = i < 4 ? RELEASE_ECORRUPT : 0;
		t.data = "LR\001\004";
		t.len = 4;
		got[0] = want[0] = '\0';
		for (int k = 70; k >= 1; k--)
			snprintf(want + strlen(want), sizeof want - strlen(want),
				 (uint64_t)k == bad ? "!%d " : "b%d ", k);
		shared_backend_tamper(f->backend, &t);
		assert_store_ok(f->s, release_build_list(f->s, "myapp", 0, &it));
		while ((rc = release_build_iter_next(it, &b)) != RELEASE_ITEROVER) {
			const char *msg = release_store_errmsg(f->s), *at;

			if (rc == 0) {
				snprintf(got + strlen(got), sizeof got - strlen(got), "%s ",
					 release_build_description(b));
				continue;
			}
			assert_int_equal(rc, RELEASE_ECORRUPT);
			assert_null(b);
			if (!(at = strstr(msg, "sequence ")))
				fail_msg("%s", msg);
			snprintf(got + strlen(got), sizeof got - strlen(got), "!%d ",
				 atoi(at + 9));
		}
		release_build_iter_free(it);
		shared_backend_tamper(f->backend, NULL);
		if (strcmp(got, want) != 0)
			fail_msg("build %llu damaged:\n  got  %s\n  want %s",
				 (unsigned long long)bad, got, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(create_records_fields_and_a_seed_style_id),
		T(create_with_null_opts_makes_an_empty_created_build),
		T(status_names_match_convox),
		T(completing_a_build_stamps_ended),
		T(a_finished_build_cannot_change_status),
		T(get_returns_the_stored_build),
		T(get_of_an_unknown_build_is_enotfound),
		T(another_apps_build_is_not_found),
		T(list_yields_builds_newest_first_with_limit),
		T(a_release_from_a_build_is_linked_back),
		T(a_damaged_build_costs_only_its_own_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
