/* Apps: create, get, list, delete. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void create_then_get_returns_the_app(void **state)
{
	struct fixture *f = *state;
	release_app *a = NULL;

	assert_store_ok(f->s, release_app_create(f->s, "myapp", &a));
	assert_string_equal(release_app_name(a), "myapp");
	assert_int_equal(release_app_created(a), INT64_C(1546300800) * 1000000000);
	assert_null(release_app_active(a));
	assert_null(release_app_previous(a));
	assert_int_equal(release_app_status(a), RELEASE_APP_RUNNING);
	assert_string_equal(release_app_status_name(release_app_status(a)), "running");
	release_app_free(a);
	assert_store_ok(f->s, release_app_get(f->s, "myapp", &a));
	assert_string_equal(release_app_name(a), "myapp");
	release_app_free(a);
}

static void creating_an_existing_app_is_eexist(void **state)
{
	struct fixture *f = *state;

	make_app(f->s, "myapp");
	assert_int_equal(release_app_create(f->s, "myapp", NULL), RELEASE_EEXIST);
	assert_non_null(strstr(release_store_errmsg(f->s), "already exists"));
}

static void getting_an_unknown_app_is_enotfound(void **state)
{
	struct fixture *f = *state;
	release_app *a = (release_app *)1;

	assert_int_equal(release_app_get(f->s, "nope", &a), RELEASE_ENOTFOUND);
	assert_null(a);
	assert_non_null(strstr(release_store_errmsg(f->s), "nope"));
}

static void list_yields_apps_in_name_order(void **state)
{
	struct fixture *f = *state;
	const char *names[] = {"zeta", "alpha", "mid-app", "a1"};
	const char *want[] = {"a1", "alpha", "mid-app", "zeta"};
	release_app_iter *it = NULL;
	const release_app *a;
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < 4; i++)
		make_app(f->s, names[i]);
	assert_store_ok(f->s, release_app_list(f->s, &it));
	while ((rc = release_app_iter_next(it, &a)) == 0)
		assert_string_equal(release_app_name(a), want[n++]);
	assert_int_equal(rc, RELEASE_ITEROVER);
	assert_int_equal(n, 4);
	release_app_iter_free(it);
}

static void list_of_an_empty_store_is_empty(void **state)
{
	struct fixture *f = *state;
	release_app_iter *it = NULL;
	const release_app *a;

	assert_store_ok(f->s, release_app_list(f->s, &it));
	assert_int_equal(release_app_iter_next(it, &a), RELEASE_ITEROVER);
	release_app_iter_free(it);
}

static void delete_removes_the_app_and_its_history(void **state)
{
	struct fixture *f = *state;
	release *r, *got = NULL;
	release_app *gone = NULL;
	release_app_iter *it = NULL;
	const release_app *a;

	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "build one");
	promote(f->s, "myapp", release_id(r));
	assert_store_ok(f->s, release_app_delete(f->s, "myapp"));
	assert_int_equal(release_app_get(f->s, "myapp", &gone), RELEASE_ENOTFOUND);
	assert_int_equal(release_get(f->s, "myapp", release_id(r), &got), RELEASE_ENOTFOUND);
	assert_store_ok(f->s, release_app_list(f->s, &it));
	assert_int_equal(release_app_iter_next(it, &a), RELEASE_ITEROVER);
	release_app_iter_free(it);
	release_free(r);
}

static void deleting_an_unknown_app_is_enotfound(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(release_app_delete(f->s, "ghost"), RELEASE_ENOTFOUND);
}

static void a_recreated_app_starts_without_history(void **state)
{
	struct fixture *f = *state;
	release *r;
	release *got = NULL;

	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "old life");
	assert_store_ok(f->s, release_app_delete(f->s, "myapp"));
	make_app(f->s, "myapp");
	assert_int_equal(count_releases(f->s, "myapp"), 0);
	assert_int_equal(release_get(f->s, "myapp", release_id(r), &got), RELEASE_ENOTFOUND);
	assert_string_equal(active_of(f->s, "myapp"), "");
	release_free(r);
}

static void apps_are_independent(void **state)
{
	struct fixture *f = *state;
	release *a, *b;

	make_app(f->s, "one");
	make_app(f->s, "two");
	a = make_build_release(f->s, "one", "a");
	b = make_build_release(f->s, "two", "b");
	assert_int_equal(release_version(a), 1);
	assert_int_equal(release_version(b), 1);
	assert_int_equal(count_releases(f->s, "one"), 1);
	release_free(a);
	release_free(b);
}

/* Lists the apps, noting each step: a name, or "!code:message". */
static void list_steps(release_store *s, char *out, size_t size)
{
	release_app_iter *it = NULL;
	const release_app *a;
	int rc;

	out[0] = '\0';
	assert_store_ok(s, release_app_list(s, &it));
	while ((rc = release_app_iter_next(it, &a)) != RELEASE_ITEROVER) {
		size_t used = strlen(out);

		if (rc == 0)
			snprintf(out + used, size - used, "%s ", release_app_name(a));
		else {
			assert_null(a);
			snprintf(out + used, size - used, "!%d:%s ", rc, release_store_errmsg(s));
		}
		assert_true(strlen(out) < size - 1);
	}
	release_app_iter_free(it);
}

/* An app that cannot be read is a step of its own, naming it; the listing
 * goes on with the next app. */
static void a_damaged_app_costs_only_its_own_step(void **state)
{
	struct fixture *f = *state;
	struct tamper t = {0};
	char steps[1024], want[512];

	make_app(f->s, "alpha");
	make_app(f->s, "beta");
	make_app(f->s, "gamma");
	t.app = "beta";
	t.kind = RELEASE_KIND_META;
	t.key = "app";
	t.code = RELEASE_ECORRUPT;
	shared_backend_tamper(f->backend, &t);
	list_steps(f->s, steps, sizeof steps);
	snprintf(want, sizeof want, "alpha !%d:app 'beta': app record: tampered record gamma ",
		 RELEASE_ECORRUPT);
	assert_string_equal(steps, want);
	/* the same for damage the core finds itself */
	t.code = 0;
	t.data = "LR\001\001garbage";
	t.len = 11;
	shared_backend_tamper(f->backend, &t);
	list_steps(f->s, steps, sizeof steps);
	snprintf(want, sizeof want, "alpha !%d:app 'beta': app record is corrupt gamma ",
		 RELEASE_ECORRUPT);
	assert_string_equal(steps, want);
	shared_backend_tamper(f->backend, NULL);
}

/* Other failures (the storage's EIO, say) may pass: the same step tries
 * the same app again. */
static void a_step_that_failed_reads_the_same_app_again(void **state)
{
	struct fixture *f = *state;
	struct tamper t = {0};
	release_app_iter *it = NULL;
	const release_app *a;

	make_app(f->s, "alpha");
	make_app(f->s, "beta");
	assert_store_ok(f->s, release_app_list(f->s, &it));
	t.app = "alpha";
	t.kind = RELEASE_KIND_META;
	t.key = "app";
	t.code = RELEASE_EIO;
	shared_backend_tamper(f->backend, &t);
	assert_int_equal(release_app_iter_next(it, &a), RELEASE_EIO);
	assert_null(a);
	assert_non_null(strstr(release_store_errmsg(f->s), "app 'alpha'"));
	shared_backend_tamper(f->backend, NULL);
	assert_store_ok(f->s, release_app_iter_next(it, &a));
	assert_string_equal(release_app_name(a), "alpha");
	assert_store_ok(f->s, release_app_iter_next(it, &a));
	assert_string_equal(release_app_name(a), "beta");
	assert_int_equal(release_app_iter_next(it, &a), RELEASE_ITEROVER);
	release_app_iter_free(it);
}

/* Names a backend lists that are no app's (NULL, invalid, repeated) are
 * passed over. */
static void names_that_are_no_apps_are_not_listed(void **state)
{
	struct fixture *f = *state;
	static const char *const extra[] = {NULL, "Not-Valid", "", "alpha", "../etc"};
	struct tamper t = {0};
	char steps[512];

	make_app(f->s, "alpha");
	t.extra_apps = extra;
	t.n_extra = sizeof extra / sizeof *extra;
	shared_backend_tamper(f->backend, &t);
	list_steps(f->s, steps, sizeof steps);
	shared_backend_tamper(f->backend, NULL);
	assert_string_equal(steps, "alpha ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(create_then_get_returns_the_app),
		T(creating_an_existing_app_is_eexist),
		T(getting_an_unknown_app_is_enotfound),
		T(list_yields_apps_in_name_order),
		T(list_of_an_empty_store_is_empty),
		T(delete_removes_the_app_and_its_history),
		T(deleting_an_unknown_app_is_enotfound),
		T(a_recreated_app_starts_without_history),
		T(apps_are_independent),
		T(a_damaged_app_costs_only_its_own_step),
		T(a_step_that_failed_reads_the_same_app_again),
		T(names_that_are_no_apps_are_not_listed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
