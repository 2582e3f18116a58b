/* Bad input: each a clear error code, and nothing written. */
#include "harness.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char *const bad_names[] = {
	"", "../x", "x/y", "UPPER", "caf\xc3\xa9", "-lead", "trail-", "a b", "a.b", "a\\b",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 64 */
};

static void app_names_are_validated(void **state)
{
	(void)state;
	assert_true(release_app_name_valid("myapp"));
	assert_true(release_app_name_valid("a"));
	assert_true(release_app_name_valid("my-app-2"));
	assert_true(release_app_name_valid(
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 63 */
	assert_false(release_app_name_valid(NULL));
	for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++)
		assert_false(release_app_name_valid(bad_names[i]));
}

static void every_call_refuses_an_invalid_app_name(void **state)
{
	struct fixture *f = *state;
	const char *pair = "A=1";

	for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
		const char *n = bad_names[i];
		release_app *a = NULL;
		release *r = NULL;
		release_iter *it = NULL;
		release_build *b = NULL;
		release_build_iter *bit = NULL;

		assert_int_equal(release_app_create(f->s, n, NULL), RELEASE_EINVAL);
		assert_non_null(strstr(release_store_errmsg(f->s), "invalid app name"));
		assert_int_equal(release_app_get(f->s, n, &a), RELEASE_EINVAL);
		assert_int_equal(release_app_delete(f->s, n), RELEASE_EINVAL);
		assert_int_equal(release_build_create(f->s, n, NULL, &b), RELEASE_EINVAL);
		assert_int_equal(release_build_list(f->s, n, 0, &bit), RELEASE_EINVAL);
		assert_int_equal(release_env_set(f->s, n, &pair, 1, &r), RELEASE_EINVAL);
		assert_int_equal(release_list(f->s, n, NULL, &it), RELEASE_EINVAL);
		assert_int_equal(release_get(f->s, n, "RAAAAAAAAA", &r), RELEASE_EINVAL);
		assert_int_equal(release_promote(f->s, n, "RAAAAAAAAA", NULL), RELEASE_EINVAL);
		assert_int_equal(release_rollback(f->s, n, NULL, NULL, &r), RELEASE_EINVAL);
		assert_int_equal(release_prune(f->s, n, 1, NULL), RELEASE_EINVAL);
	}
	assert_int_equal(release_app_create(f->s, NULL, NULL), RELEASE_EINVAL);
}

static void nothing_is_written_for_invalid_names(void **state)
{
	struct fixture *f = *state;
	release_app_iter *it = NULL;
	const release_app *a;

	for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++)
		assert_int_equal(release_app_create(f->s, bad_names[i], NULL), RELEASE_EINVAL);
	assert_store_ok(f->s, release_app_list(f->s, &it));
	assert_int_equal(release_app_iter_next(it, &a), RELEASE_ITEROVER);
	release_app_iter_free(it);
}

static void malformed_ids_are_einval(void **state)
{
	struct fixture *f = *state;
	const char *bad[] = {"", "R", "RABC", "rABCDEFGHI", "RABCDEFGH1", "BABCDEFGHI",
			     "RABCDEFGHIJK", "R../../etc", "RABCDEFGHi"};
	release *r = NULL;
	release_build *b = NULL;

	make_app(f->s, "myapp");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(release_get(f->s, "myapp", bad[i], &r), RELEASE_EINVAL);
		assert_int_equal(release_promote(f->s, "myapp", bad[i], NULL), RELEASE_EINVAL);
		assert_int_equal(release_rollback(f->s, "myapp", bad[i], NULL, &r), RELEASE_EINVAL);
		if (bad[i][0] == 'B') /* a well-formed build id */
			continue;
		assert_int_equal(release_create(f->s, "myapp", bad[i], &r), RELEASE_EINVAL);
		assert_int_equal(release_build_get(f->s, "myapp", bad[i], &b), RELEASE_EINVAL);
	}
	assert_int_equal(count_releases(f->s, "myapp"), 0);
}

static void ids_of_ten_letters_are_accepted(void **state)
{
	struct fixture *f = *state;
	release *r = NULL;

	make_app(f->s, "myapp");
	/* Convox's own ids have ten letters after the prefix. */
	assert_int_equal(release_get(f->s, "myapp", "RABCDEFGHIJ", &r), RELEASE_ENOTFOUND);
}

static void malformed_env_items_are_einval_and_write_nothing(void **state)
{
	struct fixture *f = *state;
	const char *bad[] = {"NOEQUALS", "=value", "1ABC=x", "BAD-KEY=x", "SP ACE=x", "K\xc3\xa9=x"};
	const char *bad_keys[] = {"", "BAD-KEY", "1X"};
	release *r = (release *)1;

	make_app(f->s, "myapp");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *two[] = {"GOOD=1", bad[i]};

		assert_int_equal(release_env_set(f->s, "myapp", two, 2, &r), RELEASE_EINVAL);
		assert_null(r);
		assert_true(strlen(release_store_errmsg(f->s)) > 0);
	}
	for (size_t i = 0; i < sizeof bad_keys / sizeof *bad_keys; i++)
		assert_int_equal(release_env_unset(f->s, "myapp", &bad_keys[i], 1, &r),
				 RELEASE_EINVAL);
	assert_int_equal(count_releases(f->s, "myapp"), 0);
}

static void null_arguments_are_einval(void **state)
{
	struct fixture *f = *state;
	release *r = NULL;
	release_app *a = NULL;
	release_iter *it = NULL;
	const release *cr;

	make_app(f->s, "myapp");
	assert_int_equal(release_store_open(NULL, "memory:", NULL), RELEASE_EINVAL);
	assert_int_equal(release_app_create(NULL, "myapp", NULL), RELEASE_EINVAL);
	assert_int_equal(release_app_get(f->s, "myapp", NULL), RELEASE_EINVAL);
	assert_int_equal(release_app_get(NULL, "myapp", &a), RELEASE_EINVAL);
	assert_int_equal(release_get(f->s, "myapp", NULL, &r), RELEASE_EINVAL);
	assert_int_equal(release_get(f->s, "myapp", "RAAAAAAAAA", NULL), RELEASE_EINVAL);
	assert_int_equal(release_create(f->s, "myapp", NULL, &r), RELEASE_EINVAL);
	assert_int_equal(release_env_set(f->s, "myapp", NULL, 1, &r), RELEASE_EINVAL);
	{
		const char *with_null[] = {"A=1", NULL};

		assert_int_equal(release_env_set(f->s, "myapp", with_null, 2, &r), RELEASE_EINVAL);
	}
	assert_int_equal(release_list(f->s, "myapp", NULL, NULL), RELEASE_EINVAL);
	assert_int_equal(release_iter_next(NULL, &cr), RELEASE_EINVAL);
	assert_int_equal(release_iter_next(it, &cr), RELEASE_EINVAL);
	assert_int_equal(release_promote(NULL, "myapp", "RAAAAAAAAA", NULL), RELEASE_EINVAL);
	assert_int_equal(release_promote(f->s, "myapp", NULL, NULL), RELEASE_EINVAL);
	assert_int_equal(release_rollback(NULL, "myapp", NULL, NULL, &r), RELEASE_EINVAL);
	assert_int_equal(release_prune(NULL, "myapp", 0, NULL), RELEASE_EINVAL);
	assert_int_equal(release_events_emit(NULL, "s", "m"), RELEASE_EINVAL);
	assert_int_equal(count_releases(f->s, "myapp"), 0);
}

static void accessors_and_frees_accept_null(void **state)
{
	(void)state;
	assert_null(release_id(NULL));
	assert_null(release_env_get(NULL, "A"));
	assert_int_equal(release_version(NULL), 0);
	assert_null(release_app_name(NULL));
	assert_null(release_build_id(NULL));
	release_free(NULL);
	release_build_free(NULL);
	release_app_free(NULL);
	release_iter_free(NULL);
	release_build_iter_free(NULL);
	release_app_iter_free(NULL);
	release_store_close(NULL);
}

static void an_invalid_build_status_is_einval(void **state)
{
	struct fixture *f = *state;
	release_build_opts o;
	release_build *b = NULL;

	make_app(f->s, "myapp");
	release_build_opts_init(&o);
	o.status = 17;
	assert_int_equal(release_build_create(f->s, "myapp", &o, &b), RELEASE_EINVAL);
	assert_null(b);
}

static void every_error_code_has_a_message(void **state)
{
	(void)state;
	for (int code = 0; code >= RELEASE_ITEROVER; code--) {
		const char *m = release_strerror(code);

		assert_non_null(m);
		assert_string_not_equal(m, "unknown error");
	}
	assert_string_equal(release_strerror(-9999), "unknown error");
	assert_string_equal(release_strerror(RELEASE_EBUSY), "app is currently updating");
}

static void an_unknown_uri_scheme_is_unsupported(void **state)
{
	release_store *s = (release_store *)1;

	(void)state;
	assert_int_equal(release_store_open(&s, "ftp://nope", NULL), RELEASE_EUNSUPPORTED);
	assert_null(s);
	assert_non_null(strstr(release_store_errmsg(NULL), "ftp://nope"));
	assert_int_equal(release_store_open(&s, NULL, NULL), RELEASE_EINVAL);
}

static void a_backend_missing_a_method_is_named(void **state)
{
	release_storage vt;
	release_store *s = NULL;
	const release_storage *mem;
	void *ctx;

	(void)state;
	assert_ok(release_storage_open(&mem, &ctx, "memory:"));
	vt = *mem;
	vt.cas = NULL;
	assert_int_equal(release_store_open_backend(&s, &vt, ctx, NULL), RELEASE_EINVAL);
	assert_null(s);
	assert_non_null(strstr(release_store_errmsg(NULL), "'cas'"));
	vt = *mem;
	vt.version = 0;
	assert_int_equal(release_store_open_backend(&s, &vt, ctx, NULL), RELEASE_EUNSUPPORTED);
	mem->close(ctx);
}

static void optional_methods_may_be_null(void **state)
{
	release_storage vt;
	release_store *s = NULL;
	const release_storage *mem;
	void *ctx;
	release *r = NULL, *got = NULL;
	const char *pair = "A=1";

	(void)state;
	assert_ok(release_storage_open(&mem, &ctx, "memory:"));
	vt = *mem;
	vt.get_seq = NULL;
	vt.errmsg = NULL;
	assert_ok(release_store_open_backend(&s, &vt, ctx, NULL));
	assert_store_ok(s, release_app_create(s, "myapp", NULL));
	assert_store_ok(s, release_env_set(s, "myapp", &pair, 1, &r));
	assert_store_ok(s, release_get_version(s, "myapp", 1, &got));
	assert_string_equal(release_id(got), release_id(r));
	release_free(r);
	release_free(got);
	release_store_close(s);
}

/* 1.0's options structs are the smallest that exist: a program built
 * against 1.0 passes exactly these sizes to every later library. */
static void an_options_struct_of_the_1_0_size_works(void **state)
{
	struct fixture *f = *state;
	release_store_opts so;
	release_build_opts bo;
	release_list_opts lo;
	release_promote_opts po;
	release_store *s = NULL;
	release_build *b = NULL;
	release_iter *it = NULL;
	release *r;

	release_store_opts_init(&so);
	so.size = offsetof(release_store_opts, lease_ns) + sizeof so.lease_ns;
	assert_ok(release_store_open(&s, "memory:", &so));
	release_store_close(s);
	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "one");
	release_build_opts_init(&bo);
	bo.size = offsetof(release_build_opts, status) + sizeof bo.status;
	assert_store_ok(f->s, release_build_create(f->s, "myapp", &bo, &b));
	release_list_opts_init(&lo);
	lo.size = offsetof(release_list_opts, before) + sizeof lo.before;
	assert_store_ok(f->s, release_list(f->s, "myapp", &lo, &it));
	release_promote_opts_init(&po);
	po.size = offsetof(release_promote_opts, wait_ns) + sizeof po.wait_ns;
	assert_store_ok(f->s, release_promote(f->s, "myapp", release_id(r), &po));
	release_iter_free(it);
	release_build_free(b);
	release_free(r);
}

/* Zero-initialised (the _init call forgotten, as from an FFI): refused, with
 * a message that says what to do, never read as "all defaults". */
static void zeroed_options_structs_are_refused(void **state)
{
	struct fixture *f = *state;
	release_store_opts so;
	release_build_opts bo;
	release_list_opts lo;
	release_promote_opts po;
	release_store *s = (release_store *)1;
	release_build *b = (release_build *)1;
	release_iter *it = (release_iter *)1;
	release *r;

	memset(&so, 0, sizeof so);
	memset(&bo, 0, sizeof bo);
	memset(&lo, 0, sizeof lo);
	memset(&po, 0, sizeof po);
	assert_int_equal(release_store_open(&s, "memory:", &so), RELEASE_EINVAL);
	assert_null(s);
	assert_non_null(strstr(release_store_errmsg(NULL), "release_store_opts_init()"));
	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "one");
	assert_int_equal(release_build_create(f->s, "myapp", &bo, &b), RELEASE_EINVAL);
	assert_null(b);
	assert_non_null(strstr(release_store_errmsg(f->s), "release_build_opts.size is 0"));
	assert_int_equal(release_list(f->s, "myapp", &lo, &it), RELEASE_EINVAL);
	assert_null(it);
	assert_non_null(strstr(release_store_errmsg(f->s), "release_list_opts_init()"));
	assert_int_equal(release_promote(f->s, "myapp", release_id(r), &po), RELEASE_EINVAL);
	assert_non_null(strstr(release_store_errmsg(f->s), "release_promote_opts_init()"));
	assert_int_equal(release_rollback(f->s, "myapp", release_id(r), &po, NULL), RELEASE_EINVAL);
	assert_int_equal(count_releases(f->s, "myapp"), 1);
	assert_string_equal(active_of(f->s, "myapp"), "");
	release_free(r);
}

static int count_deploys(void *payload, const release *r, release_events *ev)
{
	(void)r;
	(void)ev;
	++*(int *)payload;
	return 0;
}

/* The worst case of a forgotten _init: the deployer would be skipped while
 * the active pointer moves. */
static void a_zeroed_promote_opts_with_a_deployer_moves_nothing(void **state)
{
	struct fixture *f = *state;
	release_promote_opts po;
	release *r1, *r2;
	int deploys = 0;

	make_app(f->s, "myapp");
	r1 = make_build_release(f->s, "myapp", "one");
	r2 = make_build_release(f->s, "myapp", "two");
	promote(f->s, "myapp", release_id(r1));
	memset(&po, 0, sizeof po);
	po.deploy = count_deploys;
	po.deploy_payload = &deploys;
	assert_int_equal(release_promote(f->s, "myapp", release_id(r2), &po), RELEASE_EINVAL);
	assert_int_equal(deploys, 0);
	assert_string_equal(active_of(f->s, "myapp"), release_id(r1));
	release_free(r1);
	release_free(r2);
}

/* A size below any real struct's, but not 0: refused too. */
static void options_smaller_than_any_real_struct_are_refused(void **state)
{
	struct fixture *f = *state;
	release_build_opts bo;
	release_promote_opts po;
	release_store_opts so;
	release_store *s = NULL;
	release_build *b = NULL;
	release *r;
	int deploys = 0;

	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "one");
	release_build_opts_init(&bo);
	bo.size = sizeof bo.size;
	assert_int_equal(release_build_create(f->s, "myapp", &bo, &b), RELEASE_EINVAL);
	assert_non_null(strstr(release_store_errmsg(f->s), "smaller than any release_build_opts"));
	release_promote_opts_init(&po);
	po.deploy = count_deploys;
	po.deploy_payload = &deploys;
	po.size = offsetof(release_promote_opts, wait_ns); /* 1.0 has wait_ns */
	assert_int_equal(release_promote(f->s, "myapp", release_id(r), &po), RELEASE_EINVAL);
	assert_int_equal(deploys, 0);
	release_store_opts_init(&so);
	so.size = 1;
	assert_int_equal(release_store_open(&s, "memory:", &so), RELEASE_EINVAL);
	assert_string_equal(active_of(f->s, "myapp"), "");
	release_free(r);
}

/* A newer program's larger struct: fine while the options this library
 * does not know are unset, refused when one is set (it could not be
 * honoured). */
static void options_this_library_does_not_know_are_refused_only_when_set(void **state)
{
	struct fixture *f = *state;
	struct {
		release_promote_opts o;
		uint64_t newer;
	} big;
	release *r;

	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "one");
	memset(&big, 0, sizeof big);
	release_promote_opts_init(&big.o);
	big.o.size = sizeof big;
	big.newer = 1;
	assert_int_equal(release_promote(f->s, "myapp", release_id(r), &big.o), RELEASE_EINVAL);
	assert_non_null(strstr(release_store_errmsg(f->s), "does not know"));
	assert_string_equal(active_of(f->s, "myapp"), "");
	big.newer = 0;
	assert_store_ok(f->s, release_promote(f->s, "myapp", release_id(r), &big.o));
	assert_string_equal(active_of(f->s, "myapp"), release_id(r));
	release_free(r);
}

static void unknown_promote_flags_are_refused(void **state)
{
	struct fixture *f = *state;
	release_promote_opts po;
	release *r;

	make_app(f->s, "myapp");
	r = make_build_release(f->s, "myapp", "one");
	release_promote_opts_init(&po);
	po.flags = RELEASE_PROMOTE_FORCE | 0x80u;
	assert_int_equal(release_promote(f->s, "myapp", release_id(r), &po), RELEASE_EINVAL);
	assert_non_null(strstr(release_store_errmsg(f->s), "0x80"));
	assert_int_equal(release_rollback(f->s, "myapp", release_id(r), &po, NULL), RELEASE_EINVAL);
	assert_string_equal(active_of(f->s, "myapp"), "");
	assert_int_equal(count_releases(f->s, "myapp"), 1);
	release_free(r);
}

static void init_writes_only_the_callers_bytes(void **state)
{
	/* An older program's struct: size, clock and clock_payload only. */
	size_t small = sizeof(size_t) + sizeof(release_clock_fn) + sizeof(void *);
	unsigned char buf[sizeof(release_store_opts) + 16];
	release_store_opts *o = (release_store_opts *)(void *)buf;

	(void)state;
	memset(buf, 0xaa, sizeof buf);
	release_store_opts_init_sized(o, small);
	assert_int_equal(o->size, small);
	for (size_t i = sizeof(size_t); i < small; i++)
		assert_int_equal(buf[i], 0);
	for (size_t i = small; i < sizeof buf; i++)
		assert_int_equal(buf[i], 0xaa);
	/* A newer program's larger struct: the library records its own size. */
	memset(buf, 0xaa, sizeof buf);
	release_store_opts_init_sized(o, sizeof buf);
	assert_int_equal(o->size, sizeof(release_store_opts));
}

/* Fails once *payload is set; until then, fills buf with a pattern. */
static int broken_random(void *payload, unsigned char *buf, size_t len)
{
	static unsigned char next;

	if (*(const int *)payload)
		return RELEASE_EIO;
	for (size_t i = 0; i < len; i++)
		buf[i] = next++;
	return 0;
}

static void a_failing_random_source_fails_the_write(void **state)
{
	release_store_opts o;
	release_store *s = NULL;
	const char *pair = "A=1";
	release *r = (release *)1;
	int broken = 0;

	(void)state;
	release_store_opts_init(&o);
	o.random = broken_random;
	o.random_payload = &broken;
	assert_ok(release_store_open(&s, "memory:", &o));
	assert_store_ok(s, release_app_create(s, "myapp", NULL));
	broken = 1;
	assert_int_equal(release_env_set(s, "myapp", &pair, 1, &r), RELEASE_EIO);
	assert_null(r);
	assert_non_null(strstr(release_store_errmsg(s), "random"));
	assert_int_equal(count_releases(s, "myapp"), 0);
	/* an app is told apart from an earlier one of its name by a token */
	assert_int_equal(release_app_create(s, "other", NULL), RELEASE_EIO);
	release_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(app_names_are_validated),
		T(every_call_refuses_an_invalid_app_name),
		T(nothing_is_written_for_invalid_names),
		T(malformed_ids_are_einval),
		T(ids_of_ten_letters_are_accepted),
		T(malformed_env_items_are_einval_and_write_nothing),
		T(null_arguments_are_einval),
		T(accessors_and_frees_accept_null),
		T(an_invalid_build_status_is_einval),
		T(every_error_code_has_a_message),
		T(an_unknown_uri_scheme_is_unsupported),
		T(a_backend_missing_a_method_is_named),
		T(optional_methods_may_be_null),
		T(an_options_struct_of_the_1_0_size_works),
		T(zeroed_options_structs_are_refused),
		T(a_zeroed_promote_opts_with_a_deployer_moves_nothing),
		T(options_smaller_than_any_real_struct_are_refused),
		T(options_this_library_does_not_know_are_refused_only_when_set),
		T(unknown_promote_flags_are_refused),
		T(init_writes_only_the_callers_bytes),
		T(a_failing_random_source_fails_the_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
