/*
 * What a store handle keeps of the releases its listings decoded: never
 * more than a small, fixed amount of memory, whatever the releases hold;
 * and never an answer other than the one a fresh read gives, whoever
 * changed the release meanwhile (this handle or another).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define NO_MALLINFO 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_MALLINFO 1
#endif
#endif

#define BIG_MANIFEST (1u << 20)
#define BIG_RELEASES 16
/* What a handle may keep after its listings are over: far below one of
 * the releases above per release listed. */
#define KEPT_MOST (4u << 20)

/* Bytes allocated and not freed, or -1 where the allocator does not say
 * (not glibc, or AddressSanitizer's allocator); valgrind's says 0. */
static long long in_use(void)
{
#if defined(__GLIBC__) && !defined(NO_MALLINFO) && \
	(__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	struct mallinfo2 m = mallinfo2();

	return (long long)(m.uordblks + m.hblkhd);
#else
	return -1;
#endif
}

static void list_all(release_store *s, const char *app, size_t want)
{
	release_iter *it = NULL;
	const release *r;
	size_t n = 0;
	int rc;

	assert_store_ok(s, release_list(s, app, NULL, &it));
	while ((rc = release_iter_next(it, &r)) == 0)
		n++;
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_iter_free(it);
	assert_int_equal(n, want);
}

/* A control plane lists releases whose manifests are large: once the
 * listing is over, the handle holds next to nothing of them. */
static void listing_releases_with_large_manifests_keeps_little_memory(void **state)
{
	struct fixture *f = *state;
	release_build_opts o;
	release_build *b = NULL;
	char *manifest = malloc(BIG_MANIFEST + 1);
	long long before, after;

	assert_non_null(manifest);
	memset(manifest, 'm', BIG_MANIFEST);
	manifest[BIG_MANIFEST] = '\0';
	make_app(f->s, "web");
	release_build_opts_init(&o);
	o.manifest = manifest;
	o.status = RELEASE_BUILD_COMPLETE;
	assert_store_ok(f->s, release_build_create(f->s, "web", &o, &b));
	assert_store_ok(f->s, release_create(f->s, "web", release_build_id(b), NULL));
	release_build_free(b);
	free(manifest);
	for (int i = 1; i < BIG_RELEASES; i++) {
		char pair[16];

		snprintf(pair, sizeof pair, "N=%d", i);
		release_free(set_env(f->s, "web", pair));
	}
	before = in_use();
	if (before <= 0)
		skip();
	list_all(f->s, "web", BIG_RELEASES);
	list_all(f->s, "web", BIG_RELEASES);
	after = in_use();
	if (after - before > (long long)KEPT_MOST)
		fail_msg("the handle keeps %lld bytes after listing %d releases of %u bytes",
			 after - before, BIG_RELEASES, BIG_MANIFEST);
}

/* Another handle (another process, on a shared store) stamps and changes
 * releases this handle listed: this handle's next listing says what a get
 * says now. */
static void listing_again_after_another_handle_promotes_shows_its_stamps(void **state)
{
	struct fixture *f = *state;
	release_store *other = fixture_second_handle(f);
	release *r[3];
	release_iter *it = NULL;
	const release *item;
	size_t n = 0;

	make_app(f->s, "web");
	for (int i = 0; i < 3; i++)
		r[i] = make_build_release(f->s, "web", "b");
	list_all(f->s, "web", 3);
	promote(other, "web", release_id(r[0]));
	promote(other, "web", release_id(r[2]));
	assert_store_ok(f->s, release_list(f->s, "web", NULL, &it));
	while (release_iter_next(it, &item) == 0) {
		release *now = NULL;

		assert_store_ok(f->s, release_get(f->s, "web", release_id(item), &now));
		assert_int_equal(release_promoted(item), release_promoted(now));
		assert_int_equal(release_is_active(item), release_is_active(now));
		assert_int_equal(release_is_active(item), n == 0);
		assert_true((release_promoted(item) != 0) == (n != 1));
		release_free(now);
		n++;
	}
	release_iter_free(it);
	assert_int_equal(n, 3);
	for (int i = 0; i < 3; i++)
		release_free(r[i]);
	release_store_close(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(listing_releases_with_large_manifests_keeps_little_memory),
		T(listing_again_after_another_handle_promotes_shows_its_stamps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
