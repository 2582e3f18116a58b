/* Build export and import: a complete build carried to another app, store
 * or backend, as it was. (test_build_import_damage.c: damaged bytes.) */
#include "harness.h"
#include "transfer_util.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* got holds what was exported from want, under a new id. */
static void assert_same_build(const release_build *got, const release_build *want)
{
	size_t got_len, want_len;
	const char *got_log = release_build_log(got, &got_len);
	const char *want_log = release_build_log(want, &want_len);

	assert_string_not_equal(release_build_id(got), release_build_id(want));
	assert_string_equal(release_build_description(got), release_build_description(want));
	assert_string_equal(release_build_manifest(got), release_build_manifest(want));
	assert_int_equal(got_len, want_len);
	assert_memory_equal(got_log, want_log, want_len);
	assert_int_equal(release_build_started(got), release_build_started(want));
	assert_int_equal(release_build_ended(got), release_build_ended(want));
	assert_int_equal(release_build_status(got), RELEASE_BUILD_COMPLETE);
}

/* Imports data into app of s, and reads the build back from s. */
static release_build *import_and_read(release_store *s, const char *app, const char *data,
				      size_t len)
{
	release_build *b = NULL, *got = NULL;

	assert_store_ok(s, release_build_import(s, app, data, len, &b));
	assert_non_null(b);
	assert_store_ok(s, release_build_get(s, app, release_build_id(b), &got));
	assert_string_equal(release_build_app(got), app);
	release_build_free(b);
	return got;
}

static void a_build_imported_into_another_app_keeps_what_it_was(void **state)
{
	struct fixture *f = *state;
	release_build *b, *got;
	size_t len;
	char *data;

	make_app(f->s, "myapp");
	make_app(f->s, "other");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	got = import_and_read(f->s, "other", data, len);
	assert_same_build(got, b);
	{
		size_t n;

		release_build_log(got, &n);
		assert_int_equal(n, LOG_LEN);
		assert_memory_equal(release_build_log(got, NULL), LOG, LOG_LEN);
	}
	release_build_free(got);
	release_export_free(data);
	release_build_free(b);
}

static void import_returns_the_build_as_written(void **state)
{
	struct fixture *f = *state;
	release_build *b, *out = NULL;
	size_t len;
	char *data;

	make_app(f->s, "myapp");
	make_app(f->s, "other");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	assert_store_ok(f->s, release_build_import(f->s, "other", data, len, &out));
	assert_same_build(out, b);
	assert_string_equal(release_build_app(out), "other");
	assert_non_null(release_build_release(out));
	release_build_free(out);
	release_export_free(data);
	release_build_free(b);
}

static void a_build_imported_into_another_store_keeps_what_it_was(void **state)
{
	struct fixture *f = *state;
	struct test_clock clock = {INT64_C(1700000000) * 1000000000, 1000000000};
	release_store_opts o;
	release_store *dst = NULL;
	release_build *b, *got;
	size_t len;
	char *data;

	make_app(f->s, "myapp");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	release_store_opts_init(&o);
	o.clock = test_clock_read; /* another clock: the times are the build's */
	o.clock_payload = &clock;
	assert_ok(test_store_open(&dst, test_store_uri(), &o));
	make_app(dst, "myapp");
	got = import_and_read(dst, "myapp", data, len);
	assert_same_build(got, b);
	release_build_free(got);
	release_store_close(dst);
	release_export_free(data);
	release_build_free(b);
}

/* Directories of the file stores made below, removed at exit. */
static char dirs[8][64];
static int n_dirs;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_dirs(void)
{
	for (int i = 0; i < n_dirs; i++)
		nftw(dirs[i], remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A file store of its own, whatever the backend under test. */
static release_store *file_store(void)
{
	char uri[128];
	release_store *s = NULL;

	assert_true(n_dirs < 8);
	snprintf(dirs[n_dirs], sizeof dirs[0], "%s/librelease-transfer-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dirs[n_dirs]));
	if (n_dirs++ == 0)
		atexit(remove_dirs);
	snprintf(uri, sizeof uri, "file:%s/store", dirs[n_dirs - 1]);
	assert_ok(release_store_open(&s, uri, NULL));
	return s;
}

static void an_export_imports_into_stores_of_other_backends(void **state)
{
	struct fixture *f = *state;
	release_store *dst[2] = {NULL, file_store()};
	release_build *b;
	size_t len;
	char *data;

	assert_ok(release_store_open(&dst[0], "memory:", NULL));
	make_app(f->s, "myapp");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	for (int i = 0; i < 2; i++) {
		release_build *got;

		make_app(dst[i], "elsewhere");
		got = import_and_read(dst[i], "elsewhere", data, len);
		assert_same_build(got, b);
		assert_int_equal(count_releases(dst[i], "elsewhere"), 1);
		release_build_free(got);
		release_store_close(dst[i]);
	}
	release_export_free(data);
	release_build_free(b);
}

static void an_export_from_a_store_of_another_backend_imports_here(void **state)
{
	struct fixture *f = *state;
	release_store *src[2] = {NULL, file_store()};

	assert_ok(release_store_open(&src[0], "memory:", NULL));
	make_app(f->s, "myapp");
	for (int i = 0; i < 2; i++) {
		release_build *b, *got;
		size_t len;
		char *data;

		make_app(src[i], "elsewhere");
		b = ran_build(src[i], "elsewhere");
		data = export_of(b, &len);
		got = import_and_read(f->s, "myapp", data, len);
		assert_same_build(got, b);
		release_build_free(got);
		release_export_free(data);
		release_build_free(b);
		release_store_close(src[i]);
	}
	assert_int_equal(count_builds(f->s, "myapp"), 2);
}

static void an_export_needs_no_open_store(void **state)
{
	struct fixture *f = *state;
	release_store *src = NULL;
	release_build *b, *got;
	size_t len;
	char *data;

	assert_ok(test_store_open(&src, test_store_uri(), NULL));
	make_app(src, "myapp");
	b = ran_build(src, "myapp");
	release_store_close(src);
	data = export_of(b, &len);
	make_app(f->s, "myapp");
	got = import_and_read(f->s, "myapp", data, len);
	assert_same_build(got, b);
	release_build_free(got);
	release_export_free(data);
	release_build_free(b);
}

static void the_import_creates_a_release_of_the_build_not_promoted(void **state)
{
	struct fixture *f = *state;
	release_build *b, *got;
	release *active, *r = NULL;
	size_t len;
	char *data;

	make_app(f->s, "myapp");
	make_app(f->s, "other");
	active = make_build_release(f->s, "other", "running now");
	promote(f->s, "other", release_id(active));
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	got = import_and_read(f->s, "other", data, len);
	assert_non_null(release_build_release(got));
	assert_store_ok(f->s, release_get(f->s, "other", release_build_release(got), &r));
	assert_string_equal(release_build_of(r), release_build_id(got));
	assert_string_equal(release_manifest(r), release_build_manifest(b));
	assert_string_equal(release_description(r), release_build_description(b));
	assert_int_equal(release_version(r), 2);
	assert_int_equal(release_is_active(r), 0);
	assert_int_equal(release_promoted(r), 0);
	assert_string_equal(active_of(f->s, "other"), release_id(active));
	release_free(r);
	release_free(active);
	release_build_free(got);
	release_export_free(data);
	release_build_free(b);
}

/* As release_create() makes it: with the env of the app's newest release. */
static void the_imported_release_takes_the_env_of_the_newest_release(void **state)
{
	struct fixture *f = *state;
	release_build *b, *got;
	release *r = NULL;
	size_t len;
	char *data;

	make_app(f->s, "myapp");
	make_app(f->s, "other");
	release_free(set_env(f->s, "other", "DATABASE_URL=postgres://db"));
	release_free(set_env(f->s, "myapp", "MINE=1"));
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	got = import_and_read(f->s, "other", data, len);
	assert_store_ok(f->s, release_get(f->s, "other", release_build_release(got), &r));
	assert_int_equal(release_env_count(r), 1);
	assert_string_equal(release_env_get(r, "DATABASE_URL"), "postgres://db");
	release_free(r);
	release_build_free(got);
	release_export_free(data);
	release_build_free(b);
}

static void each_import_is_a_new_build_with_a_new_id(void **state)
{
	struct fixture *f = *state;
	release_build *b, *one, *two;
	size_t len;
	char *data;

	make_app(f->s, "myapp");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	one = import_and_read(f->s, "myapp", data, len);
	two = import_and_read(f->s, "myapp", data, len);
	assert_string_not_equal(release_build_id(one), release_build_id(b));
	assert_string_not_equal(release_build_id(two), release_build_id(one));
	assert_string_not_equal(release_build_release(two), release_build_release(one));
	assert_int_equal(count_builds(f->s, "myapp"), 3);
	assert_int_equal(count_releases(f->s, "myapp"), 2);
	release_build_free(one);
	release_build_free(two);
	release_export_free(data);
	release_build_free(b);
}

static void an_empty_log_stays_empty(void **state)
{
	struct fixture *f = *state;
	release_build_opts o;
	release_build *b = NULL, *got;
	size_t len, log_len = 99;
	char *data;

	make_app(f->s, "myapp");
	release_build_opts_init(&o);
	o.status = RELEASE_BUILD_COMPLETE;
	assert_store_ok(f->s, release_build_create(f->s, "myapp", &o, &b));
	data = export_of(b, &len);
	got = import_and_read(f->s, "myapp", data, len);
	assert_string_equal(release_build_log(got, &log_len), "");
	assert_int_equal(log_len, 0);
	assert_string_equal(release_build_description(got), "");
	assert_string_equal(release_build_manifest(got), "");
	release_build_free(got);
	release_export_free(data);
	release_build_free(b);
}

static void exporting_a_build_that_is_not_complete_is_einval(void **state)
{
	struct fixture *f = *state;
	static const int statuses[] = {RELEASE_BUILD_CREATED, RELEASE_BUILD_RUNNING,
				       RELEASE_BUILD_FAILED};

	make_app(f->s, "myapp");
	for (size_t i = 0; i < 3; i++) {
		release_build_opts o;
		release_build *b = NULL;
		char *data = (char *)1;
		size_t len = 99;

		release_build_opts_init(&o);
		o.status = statuses[i];
		assert_store_ok(f->s, release_build_create(f->s, "myapp", &o, &b));
		assert_int_equal(release_build_export(b, &len, &data), RELEASE_EINVAL);
		assert_null(data);
		assert_int_equal(len, 0);
		/* no store: the message is the thread's */
		assert_non_null(strstr(release_store_errmsg(NULL),
				       release_build_status_name(statuses[i])));
		release_build_free(b);
	}
}

/* The newest build of app as a listing yields it (caller frees). */
static release_build *listed_newest(release_store *s, const char *app)
{
	release_build_iter *it = NULL;
	const release_build *lent;
	release_build *copy;

	assert_store_ok(s, release_build_list(s, app, 1, &it));
	assert_int_equal(release_build_iter_next(it, &lent), 0);
	assert_non_null(copy = release_build_dup(lent));
	release_build_iter_free(it);
	return copy;
}

/* A listing leaves the log out: exporting what it yielded would lose the
 * log, so it is refused; the build as release_build_get() reads it
 * exports. */
static void exporting_a_listed_build_with_a_log_is_einval(void **state)
{
	struct fixture *f = *state;
	release_build *b, *listed, *got = NULL;
	char *data = (char *)1;
	size_t len = 99;

	make_app(f->s, "myapp");
	b = ran_build(f->s, "myapp");
	listed = listed_newest(f->s, "myapp");
	assert_string_equal(release_build_id(listed), release_build_id(b));
	assert_int_equal(release_build_export(listed, &len, &data), RELEASE_EINVAL);
	assert_null(data);
	assert_int_equal(len, 0);
	assert_non_null(strstr(release_store_errmsg(NULL), release_build_id(b)));
	assert_store_ok(f->s, release_build_get(f->s, "myapp", release_build_id(listed), &got));
	data = export_of(got, &len);
	release_export_free(data);
	release_build_free(got);
	release_build_free(listed);
	release_build_free(b);
}

/* Nothing was left out of a listed build without a log. */
static void a_listed_build_without_a_log_exports(void **state)
{
	struct fixture *f = *state;
	release_build_opts o;
	release_build *b = NULL, *listed, *got;
	size_t len;
	char *data;

	make_app(f->s, "myapp");
	release_build_opts_init(&o);
	o.description = "no log";
	o.status = RELEASE_BUILD_COMPLETE;
	assert_store_ok(f->s, release_build_create(f->s, "myapp", &o, &b));
	listed = listed_newest(f->s, "myapp");
	data = export_of(listed, &len);
	got = import_and_read(f->s, "myapp", data, len);
	assert_same_build(got, b);
	release_build_free(got);
	release_export_free(data);
	release_build_free(listed);
	release_build_free(b);
}

/* A build whose clock stepped back while it ran exports, so it imports,
 * with its times as they were. */
static void a_build_that_ended_before_it_started_imports_as_it_was(void **state)
{
	struct fixture *f = *state;
	release_build_opts o;
	release_build *b = NULL, *done = NULL, *got;
	size_t len;
	char *data;

	make_app(f->s, "myapp");
	make_app(f->s, "other");
	release_build_opts_init(&o);
	o.status = RELEASE_BUILD_RUNNING;
	o.log = "ran\n";
	o.log_len = 4;
	assert_store_ok(f->s, release_build_create(f->s, "myapp", &o, &b));
	f->clock.now -= INT64_C(3600) * 1000000000; /* an hour back */
	assert_store_ok(f->s, release_build_set_status(f->s, "myapp", release_build_id(b),
						       RELEASE_BUILD_COMPLETE, &done));
	assert_true(release_build_ended(done) < release_build_started(done));
	data = export_of(done, &len);
	got = import_and_read(f->s, "other", data, len);
	assert_same_build(got, done);
	release_build_free(got);
	release_export_free(data);
	release_build_free(done);
	release_build_free(b);
}

/* Times are the build's, 0 too: not replaced by the importing store's now. */
static void a_build_that_started_at_0_keeps_0_when_imported(void **state)
{
	struct fixture *f = *state;
	release_build_opts o;
	release_build *b = NULL, *got;
	size_t len;
	char *data;

	make_app(f->s, "myapp");
	make_app(f->s, "other");
	f->clock.now = 0;
	f->clock.step = 0;
	release_build_opts_init(&o);
	o.status = RELEASE_BUILD_COMPLETE;
	assert_store_ok(f->s, release_build_create(f->s, "myapp", &o, &b));
	assert_int_equal(release_build_started(b), 0);
	assert_int_equal(release_build_ended(b), 0);
	data = export_of(b, &len);
	f->clock.now = INT64_C(1700000000) * 1000000000;
	got = import_and_read(f->s, "other", data, len);
	assert_int_equal(release_build_started(got), 0);
	assert_int_equal(release_build_ended(got), 0);
	release_build_free(got);
	release_export_free(data);
	release_build_free(b);
}

static void export_with_null_arguments_is_einval(void **state)
{
	struct fixture *f = *state;
	release_build *b;
	char *data = (char *)1;
	size_t len = 99;

	make_app(f->s, "myapp");
	b = ran_build(f->s, "myapp");
	assert_int_equal(release_build_export(NULL, &len, &data), RELEASE_EINVAL);
	assert_null(data);
	assert_int_equal(release_build_export(b, NULL, &data), RELEASE_EINVAL);
	assert_int_equal(release_build_export(b, &len, NULL), RELEASE_EINVAL);
	release_export_free(NULL);
	release_build_free(b);
}

static void an_import_into_an_unknown_app_is_enotfound(void **state)
{
	struct fixture *f = *state;
	release_build *b, *out = (release_build *)1;
	size_t len;
	char *data;

	make_app(f->s, "myapp");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	assert_int_equal(release_build_import(f->s, "nosuchapp", data, len, &out),
			 RELEASE_ENOTFOUND);
	assert_null(out);
	assert_int_equal(release_build_import(f->s, "Bad Name", data, len, NULL), RELEASE_EINVAL);
	release_export_free(data);
	release_build_free(b);
}

static void out_may_be_null(void **state)
{
	struct fixture *f = *state;
	release_build *b;
	size_t len;
	char *data;

	make_app(f->s, "myapp");
	make_app(f->s, "target");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	assert_store_ok(f->s, release_build_import(f->s, "target", data, len, NULL));
	assert_int_equal(count_builds(f->s, "target"), 1);
	assert_int_equal(count_releases(f->s, "target"), 1);
	release_export_free(data);
	release_build_free(b);
}

static void a_build_with_the_longest_log_round_trips(void **state)
{
	struct fixture *f = *state;
	size_t max = RELEASE_BUILD_LOG_MAX, len, got_len;
	char *log = malloc(max), *data;
	release_build_opts o;
	release_build *b = NULL, *got;

	assert_non_null(log);
	for (size_t i = 0; i < max; i++)
		log[i] = (char)(i * 31 + (i >> 12));
	make_app(f->s, "myapp");
	make_app(f->s, "other");
	release_build_opts_init(&o);
	o.status = RELEASE_BUILD_COMPLETE;
	o.log = log;
	o.log_len = max;
	assert_store_ok(f->s, release_build_create(f->s, "myapp", &o, &b));
	data = export_of(b, &len);
	assert_true(len > max);
	got = import_and_read(f->s, "other", data, len);
	release_build_log(got, &got_len);
	assert_int_equal(got_len, max);
	assert_memory_equal(release_build_log(got, NULL), log, max);
	release_build_free(got);
	release_export_free(data);
	release_build_free(b);
	free(log);
}

struct racer {
	release_store *other;
};

static void race_in_a_build(void *arg)
{
	struct racer *r = arg;
	release_build_opts o;

	release_build_opts_init(&o);
	o.description = "theirs";
	o.status = RELEASE_BUILD_COMPLETE;
	assert_store_ok(r->other, release_build_create(r->other, "target", &o, NULL));
}

/* Another writer creates a build of the app while the import writes. */
static void a_build_created_meanwhile_is_kept_with_the_import(void **state)
{
	struct fixture *f = *state;
	struct racer racer = {fixture_second_handle(f)};
	release_build *b, *out = NULL, *got = NULL;
	size_t len;
	char *data;

	make_app(f->s, "myapp");
	make_app(f->s, "target");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	shared_backend_before_put(f->backend, race_in_a_build, &racer);
	assert_store_ok(f->s, release_build_import(f->s, "target", data, len, &out));
	assert_int_equal(count_builds(f->s, "target"), 2);
	assert_int_equal(count_releases(f->s, "target"), 1);
	assert_store_ok(f->s, release_build_get(f->s, "target", release_build_id(out), &got));
	assert_same_build(got, b);
	assert_string_equal(release_build_release(got), release_build_release(out));
	release_build_free(got);
	release_build_free(out);
	release_export_free(data);
	release_build_free(b);
	release_store_close(racer.other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(a_build_imported_into_another_app_keeps_what_it_was),
		T(import_returns_the_build_as_written),
		T(a_build_imported_into_another_store_keeps_what_it_was),
		T(an_export_imports_into_stores_of_other_backends),
		T(an_export_from_a_store_of_another_backend_imports_here),
		T(an_export_needs_no_open_store),
		T(the_import_creates_a_release_of_the_build_not_promoted),
		T(the_imported_release_takes_the_env_of_the_newest_release),
		T(each_import_is_a_new_build_with_a_new_id),
		T(a_build_created_meanwhile_is_kept_with_the_import),
		T(an_empty_log_stays_empty),
		T(a_build_with_the_longest_log_round_trips),
		T(exporting_a_build_that_is_not_complete_is_einval),
		T(exporting_a_listed_build_with_a_log_is_einval),
		T(a_listed_build_without_a_log_exports),
		T(a_build_that_ended_before_it_started_imports_as_it_was),
		T(a_build_that_started_at_0_keeps_0_when_imported),
		T(export_with_null_arguments_is_einval),
		T(an_import_into_an_unknown_app_is_enotfound),
		T(out_may_be_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
