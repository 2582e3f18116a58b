/*
 * A backend written against librelease 1.0 keeps working: its vtable is
 * 1.0's struct, smaller than today's, version 1, and the core runs every
 * operation on it through the one-record protocol of version 1, with an
 * expiring lease record where a version-2 backend has holds.
 *
 * The whole conformance suite also runs on such a backend ("v1:memory:",
 * tests/meson.build); these are the promises peculiar to version 1.
 */
#include "harness.h"
#include "v1_backend.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define SEC INT64_C(1000000000)

/* A store on a version-1 backend over a raw memory backend the test can
 * read behind the core's back. */
struct v1_fixture {
	struct test_clock clock;
	struct test_random random;
	const release_storage *raw;
	void *raw_ctx; /* owned by s */
	release_store *s;
};

static int setup(void **state)
{
	struct v1_fixture *f = calloc(1, sizeof *f);
	release_store_opts o;
	void *ctx;

	assert_non_null(f);
	f->clock.now = INT64_C(1546300800) * SEC;
	f->clock.step = SEC;
	f->random.state = 0x9e3779b97f4a7c15u;
	assert_ok(release_storage_open(&f->raw, &f->raw_ctx, "memory:"));
	assert_non_null(ctx = v1_backend_wrap(f->raw, f->raw_ctx));
	release_store_opts_init(&o);
	o.clock = test_clock_read;
	o.clock_payload = &f->clock;
	o.random = test_random_fill;
	o.random_payload = &f->random;
	o.lease_ns = 60 * SEC;
	assert_ok(release_store_open_backend(&f->s, v1_backend_vtable(), ctx, &o));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct v1_fixture *f = *state;

	release_store_close(f->s);
	free(f);
	return 0;
}

/* The vtable the test's backend hands over is 1.0's: version 1, ending
 * where version 2's first method begins. */
static void a_version_1_vtable_is_1_0s_struct(void **state)
{
	const release_storage *vt = v1_backend_vtable();

	(void)state;
	assert_int_equal(vt->version, 1);
	assert_int_equal(v1_backend_vtable_size(), offsetof(release_storage, commit));
	assert_true(v1_backend_vtable_size() < sizeof(release_storage));
	assert_false(test_storage_has(vt, commit));
	assert_false(test_storage_has(vt, hold));
}

/* Every kind of write runs on a version-1 backend; a core reading any
 * method past its struct would reach the trap there and abort. */
static void every_write_runs_on_a_version_1_backend(void **state)
{
	struct v1_fixture *f = *state;
	const char *key = "A";
	release *one = NULL, *two, *three, *back = NULL;
	release_build_opts bo;
	release_build *b = NULL, *done = NULL;
	size_t removed = 0;

	make_app(f->s, "web");
	release_build_opts_init(&bo);
	bo.status = RELEASE_BUILD_RUNNING;
	assert_store_ok(f->s, release_build_create(f->s, "web", &bo, &b));
	assert_store_ok(f->s, release_build_set_status(f->s, "web", release_build_id(b),
							RELEASE_BUILD_COMPLETE, &done));
	assert_store_ok(f->s, release_create(f->s, "web", release_build_id(b), &one));
	promote(f->s, "web", release_id(one));
	two = set_env(f->s, "web", "A=1");
	promote(f->s, "web", release_id(two));
	assert_store_ok(f->s, release_env_unset(f->s, "web", &key, 1, &three));
	promote(f->s, "web", release_id(three));
	assert_store_ok(f->s, release_rollback(f->s, "web", NULL, NULL, &back));
	assert_string_equal(active_of(f->s, "web"), release_id(back));
	assert_string_equal(release_source(back), release_id(two));
	assert_store_ok(f->s, release_prune(f->s, "web", 0, &removed));
	assert_true(removed > 0);
	assert_int_equal(count_releases(f->s, "web"), 4 - removed);
	assert_store_ok(f->s, release_app_delete(f->s, "web"));
	make_app(f->s, "web");
	assert_int_equal(count_releases(f->s, "web"), 0);
	release_build_free(b);
	release_build_free(done);
	release_free(one);
	release_free(two);
	release_free(three);
	release_free(back);
}

struct seen_lease {
	struct v1_fixture *f;
	int records;
	int status;
	char owner[64];
	int64_t expires;
};

static int note_record(void *payload, uint64_t seq, const char *key, const void *data,
		       size_t len)
{
	(void)seq;
	(void)key;
	(void)data;
	(void)len;
	(*(int *)payload)++;
	return 0;
}

static int look_at_the_lease(void *payload, const release *r, release_events *ev)
{
	struct seen_lease *l = payload;
	release_app *a = NULL;

	(void)r;
	(void)ev;
	assert_ok(l->f->raw->get(l->f->raw_ctx, "web", RELEASE_KIND_META, "lease", note_record,
				 &l->records));
	assert_store_ok(l->f->s, release_app_get(l->f->s, "web", &a));
	l->status = release_app_status(a);
	strcpy(l->owner, release_app_lease_owner(a) ? release_app_lease_owner(a) : "");
	l->expires = release_app_lease_expires(a);
	release_app_free(a);
	return 0;
}

/* Without holds, a promotion keeps the lease as an expiring record that
 * others see with its owner, and removes it when done. */
static void a_promotion_on_a_version_1_backend_keeps_an_expiring_lease_record(void **state)
{
	struct v1_fixture *f = *state;
	struct seen_lease l = {f, 0, 0, "", 0};
	release_promote_opts o;
	release *r;
	int after = 0;

	make_app(f->s, "web");
	r = set_env(f->s, "web", "A=1");
	release_promote_opts_init(&o);
	o.deploy = look_at_the_lease;
	o.deploy_payload = &l;
	o.owner = "deployer-7";
	assert_store_ok(f->s, release_promote(f->s, "web", release_id(r), &o));
	assert_int_equal(l.records, 1);
	assert_int_equal(l.status, RELEASE_APP_UPDATING);
	assert_string_equal(l.owner, "deployer-7");
	assert_true(l.expires > f->clock.now - 10 * SEC && l.expires < f->clock.now + 120 * SEC);
	assert_int_equal(f->raw->get(f->raw_ctx, "web", RELEASE_KIND_META, "lease", note_record,
				     &after),
			 RELEASE_ENOTFOUND);
	assert_string_equal(active_of(f->s, "web"), release_id(r));
	release_free(r);
}

/* "v1:" before a URI gives the harness's conformance runs the same kind of
 * backend. */
static void the_harness_opens_v1_uris_as_version_1_backends(void **state)
{
	const release_storage *st;
	void *ctx;
	release_store *s = NULL;
	release *r;

	(void)state;
	assert_ok(test_storage_open(&st, &ctx, "v1:memory:"));
	assert_ptr_equal(st, v1_backend_vtable());
	st->close(ctx);
	assert_ok(test_store_open(&s, "v1:memory:", NULL));
	make_app(s, "web");
	r = set_env(s, "web", "A=1");
	promote(s, "web", release_id(r));
	release_free(r);
	release_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_version_1_vtable_is_1_0s_struct),
		cmocka_unit_test_setup_teardown(every_write_runs_on_a_version_1_backend, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			a_promotion_on_a_version_1_backend_keeps_an_expiring_lease_record, setup,
			teardown),
		cmocka_unit_test(the_harness_opens_v1_uris_as_version_1_backends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
