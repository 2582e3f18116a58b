/* Releases: created from builds, read, and listed newest first. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void a_release_copies_its_builds_id_manifest_and_description(void **state)
{
	struct fixture *f = *state;
	release *r;

	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "build 0a1b2c3d4e5f my commit message");
	assert_int_equal(release_version(r), 1);
	assert_int_equal(strlen(release_id(r)), 10);
	assert_int_equal(release_id(r)[0], 'R');
	assert_string_equal(release_app_of(r), "myapp");
	assert_non_null(release_build_of(r));
	assert_string_equal(release_description(r), "build 0a1b2c3d4e5f my commit message");
	assert_string_equal(release_manifest(r), "services:\n  web:\n    port: 3000\n");
	assert_null(release_source(r));
	assert_int_equal(release_env_count(r), 0);
	release_free(r);
}

static void creating_a_release_does_not_promote_it(void **state)
{
	struct fixture *f = *state;
	release *r;

	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "b");
	assert_int_equal(release_promoted(r), 0);
	assert_int_equal(release_is_active(r), 0);
	assert_string_equal(active_of(f->s, "myapp"), "");
	release_free(r);
}

static void a_release_from_a_build_keeps_the_apps_env(void **state)
{
	struct fixture *f = *state;
	release *r;

	make_app(f->s, "myapp");
	release_free(set_env(f->s, "myapp", "FOO=bar"));
	r = make_build_release(f->s, "myapp", "second");
	assert_int_equal(release_version(r), 2);
	assert_string_equal(release_env_get(r, "FOO"), "bar");
	release_free(r);
}

static void a_release_needs_a_complete_build(void **state)
{
	struct fixture *f = *state;
	release_build *b = NULL;
	release *r = NULL;

	make_app(f->s, "myapp");
	assert_store_ok(f->s, release_build_create(f->s, "myapp", NULL, &b));
	assert_int_equal(release_create(f->s, "myapp", release_build_id(b), &r), RELEASE_EINVAL);
	assert_null(r);
	assert_int_equal(count_releases(f->s, "myapp"), 0);
	release_build_free(b);
}

static void versions_count_up_from_one_without_gaps(void **state)
{
	struct fixture *f = *state;

	make_app(f->s, "myapp");
	for (uint64_t v = 1; v <= 20; v++) {
		release *r = make_build_release(f->s, "myapp", "b");

		assert_int_equal(release_version(r), v);
		release_free(r);
	}
}

static void created_comes_from_the_store_clock(void **state)
{
	struct fixture *f = *state;
	release *r;

	make_app(f->s, "myapp");
	f->clock.now = INT64_C(1700000000123456789);
	f->clock.step = 0;
	r = make_build_release(f->s, "myapp", "b");
	assert_int_equal(release_created(r), INT64_C(1700000000123456789));
	release_free(r);
}

static void ids_are_unique(void **state)
{
	struct fixture *f = *state;
	char seen[200][16];

	make_app(f->s, "myapp");
	for (int i = 0; i < 200; i++) {
		release *r = set_env(f->s, "myapp", i % 2 ? "A=1" : "A=2");

		strcpy(seen[i], release_id(r));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(seen[i], seen[j]);
		release_free(r);
	}
}

static void get_returns_the_release_by_id(void **state)
{
	struct fixture *f = *state;
	release *r, *got = NULL;

	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "b");
	assert_store_ok(f->s, release_get(f->s, "myapp", release_id(r), &got));
	assert_string_equal(release_id(got), release_id(r));
	assert_int_equal(release_version(got), 1);
	assert_int_equal(release_created(got), release_created(r));
	release_free(r);
	release_free(got);
}

static void get_version_returns_the_release_of_that_version(void **state)
{
	struct fixture *f = *state;
	release *r1, *r2, *got = NULL;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	assert_store_ok(f->s, release_get_version(f->s, "myapp", 1, &got));
	assert_string_equal(release_id(got), release_id(r1));
	release_free(got);
	assert_int_equal(release_get_version(f->s, "myapp", 3, &got), RELEASE_ENOTFOUND);
	assert_int_equal(release_get_version(f->s, "myapp", 0, &got), RELEASE_EINVAL);
	release_free(r1);
	release_free(r2);
}

static void get_of_an_unknown_id_is_enotfound(void **state)
{
	struct fixture *f = *state;
	release *got = NULL;

	make_app(f->s, "myapp");
	assert_int_equal(release_get(f->s, "myapp", "RAAAAAAAAA", &got), RELEASE_ENOTFOUND);
	assert_non_null(strstr(release_store_errmsg(f->s), "RAAAAAAAAA"));
}

static void another_apps_release_is_not_found(void **state)
{
	struct fixture *f = *state;
	release *r, *got = NULL;

	make_app(f->s, "myapp");
	make_app(f->s, "other");
	r = make_build_release(f->s, "myapp", "b");
	assert_int_equal(release_get(f->s, "other", release_id(r), &got), RELEASE_ENOTFOUND);
	release_free(r);
}

static void list_yields_newest_first(void **state)
{
	struct fixture *f = *state;
	release_iter *it = NULL;
	const release *r;
	uint64_t want = 5;
	int rc;

	make_app(f->s, "myapp");
	for (int i = 0; i < 5; i++)
		release_free(make_build_release(f->s, "myapp", "b"));
	assert_store_ok(f->s, release_list(f->s, "myapp", NULL, &it));
	while ((rc = release_iter_next(it, &r)) == 0)
		assert_int_equal(release_version(r), want--);
	assert_int_equal(rc, RELEASE_ITEROVER);
	assert_int_equal(want, 0);
	/* stays over */
	assert_int_equal(release_iter_next(it, &r), RELEASE_ITEROVER);
	release_iter_free(it);
}

static void list_marks_only_the_active_release(void **state)
{
	struct fixture *f = *state;
	release *r1, *r2;
	release_iter *it = NULL;
	const release *r;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	promote(f->s, "myapp", release_id(r1));
	assert_store_ok(f->s, release_list(f->s, "myapp", NULL, &it));
	assert_int_equal(release_iter_next(it, &r), 0);
	assert_int_equal(release_is_active(r), 0);
	assert_int_equal(release_iter_next(it, &r), 0);
	assert_int_equal(release_is_active(r), 1);
	release_iter_free(it);
	release_free(r1);
	release_free(r2);
}

static void list_honours_the_limit(void **state)
{
	struct fixture *f = *state;
	release_list_opts o;
	release_iter *it = NULL;
	const release *r;
	int n = 0;

	make_app(f->s, "myapp");
	for (int i = 0; i < 30; i++)
		release_free(set_env(f->s, "myapp", i % 2 ? "A=1" : "A=2"));
	release_list_opts_init(&o);
	o.limit = 10;
	assert_store_ok(f->s, release_list(f->s, "myapp", &o, &it));
	while (release_iter_next(it, &r) == 0)
		n++;
	assert_int_equal(n, 10);
	release_iter_free(it);
}

static void the_before_cursor_reaches_all_of_history(void **state)
{
	struct fixture *f = *state;
	release_list_opts o;
	uint64_t expect = 250, pages = 0;

	make_app(f->s, "myapp");
	for (int i = 0; i < 250; i++)
		release_free(set_env(f->s, "myapp", i % 2 ? "A=1" : "A=2"));
	release_list_opts_init(&o);
	o.limit = 20;
	for (;;) {
		release_iter *it = NULL;
		const release *r;
		int n = 0;

		assert_store_ok(f->s, release_list(f->s, "myapp", &o, &it));
		while (release_iter_next(it, &r) == 0) {
			assert_int_equal(release_version(r), expect--);
			o.before = release_version(r);
			n++;
		}
		release_iter_free(it);
		if (n == 0)
			break;
		pages++;
	}
	assert_int_equal(expect, 0);
	assert_int_equal(pages, 13);
}

static void list_of_an_app_without_releases_is_empty(void **state)
{
	struct fixture *f = *state;

	make_app(f->s, "myapp");
	assert_int_equal(count_releases(f->s, "myapp"), 0);
}

static void list_of_an_unknown_app_is_enotfound(void **state)
{
	struct fixture *f = *state;
	release_iter *it = NULL;

	assert_int_equal(release_list(f->s, "ghost", NULL, &it), RELEASE_ENOTFOUND);
	assert_null(it);
}

static void released_objects_outlive_their_store(void **state)
{
	struct fixture *f = *state;
	release *r;

	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "survivor");
	release_store_close(f->s);
	f->s = fixture_second_handle(f);
	assert_string_equal(release_description(r), "survivor");
	release_free(r);
}

static void a_second_handle_sees_the_same_history(void **state)
{
	struct fixture *f = *state;
	release_store *other = fixture_second_handle(f);
	release *r, *got = NULL;

	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "shared");
	assert_store_ok(other, release_get(other, "myapp", release_id(r), &got));
	assert_string_equal(release_description(got), "shared");
	release_free(got);
	release_free(r);
	release_store_close(other);
}

/* ---- damaged records in a listing */

#define MANY 70 /* more than a page of 64 */

static void make_many(struct fixture *f)
{
	make_app(f->s, "web");
	for (int i = 0; i < MANY; i++)
		release_free(set_env(f->s, "web", i % 2 ? "A=1" : "A=2"));
}

/* The listing's steps, newest first: "v" for a release, "!v" for a step
 * that failed with RELEASE_ECORRUPT, its message naming version v. */
static void list_steps(struct fixture *f, size_t limit, char *out, size_t size)
{
	release_list_opts o;
	release_iter *it = NULL;
	const release *r;
	int rc;

	out[0] = '\0';
	release_list_opts_init(&o);
	o.limit = limit;
	assert_store_ok(f->s, release_list(f->s, "web", &o, &it));
	while ((rc = release_iter_next(it, &r)) != RELEASE_ITEROVER) {
		size_t used = strlen(out);
		const char *msg = release_store_errmsg(f->s), *v;

		if (rc == 0) {
			snprintf(out + used, size - used, "%llu ",
				 (unsigned long long)release_version(r));
			continue;
		}
		assert_int_equal(rc, RELEASE_ECORRUPT);
		assert_null(r);
		assert_non_null(strstr(msg, "app 'web'"));
		if (!(v = strstr(msg, "version ")))
			fail_msg("after %s: %s", out, msg);
		snprintf(out + used, size - used, "!%llu ", strtoull(v + 8, NULL, 10));
		assert_true(strlen(out) < size - 1);
	}
	release_iter_free(it);
}

/* What list_steps gives when version bad (0: none) is damaged. */
static void steps_with(uint64_t bad, size_t limit, char *out, size_t size)
{
	out[0] = '\0';
	for (uint64_t v = MANY; v >= 1 && limit-- > 0; v--) {
		size_t used = strlen(out);

		snprintf(out + used, size - used, v == bad ? "!%llu " : "%llu ",
			 (unsigned long long)v);
	}
}

static void check_damage(struct fixture *f, const struct tamper *t, uint64_t bad, size_t limit)
{
	char got[1024], want[1024];

	shared_backend_tamper(f->backend, t);
	list_steps(f, limit, got, sizeof got);
	shared_backend_tamper(f->backend, NULL);
	steps_with(bad, limit ? limit : SIZE_MAX, want, sizeof want);
	if (strcmp(got, want) != 0)
		fail_msg("version %llu damaged:\n  got  %s\n  want %s", (unsigned long long)bad, got,
			 want);
}

/* Damage the backend reports, wherever it is in history: one step fails
 * with RELEASE_ECORRUPT, naming the version, and every other release of
 * the page and after is still listed. */
static void a_release_the_backend_cannot_read_costs_only_its_own_step(void **state)
{
	struct fixture *f = *state;
	static const uint64_t where[] = {MANY, 40, MANY - 63, MANY - 64, 1};

	make_many(f);
	for (int no_get_seq = 0; no_get_seq < 2; no_get_seq++) {
		for (size_t i = 0; i < sizeof where / sizeof *where; i++) {
			struct tamper t = {0};

			t.app = "web";
			t.kind = RELEASE_KIND_RELEASE;
			t.seq = where[i];
			t.code = RELEASE_ECORRUPT;
			t.no_get_seq = no_get_seq;
			check_damage(f, &t, where[i], 0);
		}
	}
}

/* The same for damage the core finds itself (a record of another version
 * in this one's place), and the damaged step counts toward the limit. */
static void a_release_the_core_finds_corrupt_costs_only_its_own_step(void **state)
{
	struct fixture *f = *state;
	struct tamper t = {0};
	release *r = NULL;
	void *bytes;
	size_t len;

	make_many(f);
	assert_store_ok(f->s, release_get_version(f->s, "web", 39, &r));
	shared_backend_read(f->backend, "web", RELEASE_KIND_RELEASE, release_id(r), &bytes, &len);
	release_free(r);
	t.app = "web";
	t.kind = RELEASE_KIND_RELEASE;
	t.seq = 40;
	t.data = bytes;
	t.len = len;
	check_damage(f, &t, 40, 0);
	check_damage(f, &t, 40, MANY - 38);
	free(bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(a_release_copies_its_builds_id_manifest_and_description),
		T(creating_a_release_does_not_promote_it),
		T(a_release_from_a_build_keeps_the_apps_env),
		T(a_release_needs_a_complete_build),
		T(versions_count_up_from_one_without_gaps),
		T(created_comes_from_the_store_clock),
		T(ids_are_unique),
		T(get_returns_the_release_by_id),
		T(get_version_returns_the_release_of_that_version),
		T(get_of_an_unknown_id_is_enotfound),
		T(another_apps_release_is_not_found),
		T(list_yields_newest_first),
		T(list_marks_only_the_active_release),
		T(list_honours_the_limit),
		T(the_before_cursor_reaches_all_of_history),
		T(list_of_an_app_without_releases_is_empty),
		T(list_of_an_unknown_app_is_enotfound),
		T(released_objects_outlive_their_store),
		T(a_second_handle_sees_the_same_history),
		T(a_release_the_backend_cannot_read_costs_only_its_own_step),
		T(a_release_the_core_finds_corrupt_costs_only_its_own_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
