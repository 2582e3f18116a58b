/*
 * Reads out of memory: release_get, release_get_version,
 * release_get_active, a listing, release_dup and release_build_dup, each
 * with its first, second, ... allocation failing, until one succeeds. Each
 * failure must be RELEASE_ENOMEM (NULL for the copies) with nothing left
 * allocated, and each success the right answer.
 */
#include "attack.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------- out of memory */

#if defined(__SANITIZE_ADDRESS__)
#define NO_INTERPOSE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_INTERPOSE 1
#endif
#endif

/* The allocator, interposed: while armed, the fail_at-th allocation fails,
 * and every block allocated is remembered until freed. Not under
 * AddressSanitizer (its runtime owns malloc), and under valgrind these are
 * replaced by its own: oom_works() tells. */
static struct {
	int armed;
	long count, fail_at;
	void *live[8192];
	long live_at[8192];
	size_t nlive;
	int overflow;
} oom;

#ifndef NO_INTERPOSE
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static unsigned char early[8192] __attribute__((aligned(16)));
static size_t early_used;
static int resolving;

static void *early_alloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n > sizeof early - early_used)
		return NULL;
	p = early + early_used;
	early_used += n;
	memset(p, 0, n);
	return p;
}

static int is_early(const void *p)
{
	return (const unsigned char *)p >= early && (const unsigned char *)p < early + sizeof early;
}

static void resolve(void)
{
	void *p;

	resolving = 1;
	p = dlsym(RTLD_NEXT, "malloc");
	memcpy(&real_malloc, &p, sizeof p);
	p = dlsym(RTLD_NEXT, "calloc");
	memcpy(&real_calloc, &p, sizeof p);
	p = dlsym(RTLD_NEXT, "realloc");
	memcpy(&real_realloc, &p, sizeof p);
	p = dlsym(RTLD_NEXT, "free");
	memcpy(&real_free, &p, sizeof p);
	resolving = 0;
}

static int trip(void)
{
	return oom.armed && ++oom.count == oom.fail_at;
}

static void track(void *p)
{
	if (!p || !oom.armed)
		return;
	if (oom.nlive == sizeof oom.live / sizeof oom.live[0])
		oom.overflow = 1;
	else {
		oom.live_at[oom.nlive] = oom.count;
		oom.live[oom.nlive++] = p;
	}
}

static void untrack(void *p)
{
	for (size_t i = oom.nlive; p && i-- > 0;)
		if (oom.live[i] == p) {
			oom.live_at[i] = oom.live_at[oom.nlive - 1];
			oom.live[i] = oom.live[--oom.nlive];
			return;
		}
}

void *malloc(size_t n)
{
	void *p;

	if (!real_malloc) {
		if (resolving)
			return early_alloc(n);
		resolve();
	}
	if (trip())
		return NULL;
	p = real_malloc(n);
	track(p);
	return p;
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (!real_calloc) {
		if (resolving)
			return size && n > SIZE_MAX / size ? NULL : early_alloc(n * size);
		resolve();
	}
	if (trip())
		return NULL;
	p = real_calloc(n, size);
	track(p);
	return p;
}

void *realloc(void *old, size_t n)
{
	void *p;

	if (!real_realloc)
		resolve();
	if (is_early(old)) {
		if ((p = malloc(n)) != NULL)
			memcpy(p, old, n < (size_t)(early + sizeof early - (unsigned char *)old) ?
					       n : (size_t)(early + sizeof early - (unsigned char *)old));
		return p;
	}
	if (trip())
		return NULL;
	p = real_realloc(old, n);
	if (p) {
		untrack(old);
		track(p);
	}
	return p;
}

void free(void *p)
{
	if (!p || is_early(p))
		return;
	if (!real_free)
		resolve();
	untrack(p);
	real_free(p);
}
#endif

static void oom_arm(long fail_at)
{
	oom.count = 0;
	oom.fail_at = fail_at;
	oom.nlive = 0;
	oom.overflow = 0;
	oom.armed = 1;
}

/* Whether the interposed allocator is the one in use. */
static int oom_works(void)
{
	void *(*volatile m)(size_t) = malloc;
	void *p;

	oom_arm(1);
	p = m(16);
	oom.armed = 0;
	free(p);
	return p == NULL;
}

static void need_oom(void)
{
	/* a server's client library keeps what it allocates as it likes */
	const char *uri = getenv("RELEASE_TEST_STORE");

	if (uri && strncmp(uri, "postgresql", 10) == 0) {
		print_message("skipped: not on a database server's backend\n");
		skip();
	}
	if (!oom_works()) {
		print_message("skipped: the allocator cannot be interposed here\n");
		skip();
	}
}

/* A read whose k-th allocation fails, for every k until it succeeds:
 * RELEASE_ENOMEM with a message (or 0 when the allocation was not
 * needed), *out NULL on failure, and nothing left allocated once what it
 * gave back is freed. */
enum read_op { OP_GET, OP_GET_VERSION, OP_GET_ACTIVE, OP_LIST, OP_DUP, OP_BUILD_DUP };
#define NO_COPY 1 /* a listing's item could not be copied */

static int run_read(release_store *s, enum read_op op, const char *id, const release *r0,
		    const release_build *b0, void **got)
{
	release *r = (release *)(uintptr_t)1;
	release_iter *it = NULL;
	const release *item = NULL;
	int rc = 0;

	*got = NULL;
	switch (op) {
	case OP_GET: rc = release_get(s, APP, id, &r); break;
	case OP_GET_VERSION: rc = release_get_version(s, APP, release_version(r0), &r); break;
	case OP_GET_ACTIVE: rc = release_get_active(s, APP, &r); break;
	case OP_LIST:
		r = NULL;
		if ((rc = release_list(s, APP, NULL, &it)) == 0) {
			for (int i = 0; i < 2 && rc == 0; i++)
				rc = release_iter_next(it, &item);
			if (rc == 0 && !(r = release_dup(item)))
				rc = NO_COPY;
		}
		release_iter_free(it);
		break;
	case OP_DUP:
		r = release_dup(r0);
		rc = r ? 0 : RELEASE_ENOMEM;
		break;
	default:
		*got = release_build_dup(b0);
		return *got ? 0 : RELEASE_ENOMEM;
	}
	if (rc != 0)
		assert_null(r);
	*got = rc == 0 ? r : NULL;
	return rc;
}

static void reads_out_of_memory(struct atk *f, enum read_op op)
{
	release_store *s = open_handle(f, START, SEC, 0);
	release *r1, *mid, *r2, *want = NULL;
	release_build *b = NULL;
	release_build_iter *bit = NULL;
	const release_build *bl;
	int done = 0;

	need_oom();
	make_app(s, APP);
	r1 = make_build_release(s, APP, "one");
	mid = set_env(s, APP, "KEY_A=alpha");
	r2 = set_env(s, APP, "KEY_B=beta");
	promote(s, APP, release_id(r2));
	assert_store_ok(s, release_get(s, APP, release_id(r2), &want));
	assert_store_ok(s, release_build_list(s, APP, 0, &bit));
	assert_store_ok(s, release_build_iter_next(bit, &bl));
	assert_non_null(b = release_build_dup(bl));
	release_build_iter_free(bit);
	/* warm: what a backend keeps from a first read (the file store's read
	 * windows) is its own, not a leak */
	{
		void *got;

		assert_int_equal(run_read(s, op, release_id(r2), want, b, &got), 0);
		if (op == OP_BUILD_DUP)
			release_build_free(got);
		else
			release_free(got);
	}
	for (long k = 1; !done && k < 10000; k++) {
		void *got = NULL;
		int rc;

		oom_arm(k);
		rc = run_read(s, op, release_id(r2), want, b, &got);
		oom.armed = 0;
		done = oom.count < k; /* no allocation failed */
		if (rc == NO_COPY) {
			assert_null(got);
		} else if (rc != 0) {
			assert_int_equal(rc, RELEASE_ENOMEM);
			assert_null(got);
			if (op < OP_DUP)
				assert_true(release_store_errmsg(s)[0] != '\0');
		} else if (op == OP_BUILD_DUP) {
			assert_string_equal(release_build_id(got), release_build_id(b));
			assert_string_equal(release_build_description(got), "one");
			release_build_free(got);
		} else {
			const release *r = got;
			size_t n = op == OP_LIST ? 1 : 2;

			assert_string_equal(release_id(r), op == OP_LIST ? release_id(mid) :
									   release_id(r2));
			assert_int_equal(release_env_count(r), n);
			assert_string_equal(release_env_get(r, "KEY_A"), "alpha");
			assert_int_equal(release_is_active(r), op != OP_LIST);
			if (op != OP_LIST)
				assert_true(release_promoted(r) == release_promoted(want));
			release_free(got);
		}
		if (oom.overflow)
			fail_msg("too many blocks to follow");
		if (oom.nlive != 0)
			fail_msg("allocation %ld failing left %zu blocks allocated (rc %d), the "
				 "first made by allocation %ld",
				 k, oom.nlive, rc, oom.live_at[0]);
	}
	assert_true(done);
	release_build_free(b);
	release_free(want);
	release_free(r1);
	release_free(mid);
	release_free(r2);
}

static void release_get_out_of_memory_fails_cleanly(void **state)
{
	reads_out_of_memory(*state, OP_GET);
}

static void release_get_version_out_of_memory_fails_cleanly(void **state)
{
	reads_out_of_memory(*state, OP_GET_VERSION);
}

static void release_get_active_out_of_memory_fails_cleanly(void **state)
{
	reads_out_of_memory(*state, OP_GET_ACTIVE);
}

static void release_list_out_of_memory_fails_cleanly(void **state)
{
	reads_out_of_memory(*state, OP_LIST);
}

static void release_dup_out_of_memory_is_null_and_leaks_nothing(void **state)
{
	reads_out_of_memory(*state, OP_DUP);
}

static void release_build_dup_out_of_memory_is_null_and_leaks_nothing(void **state)
{
	reads_out_of_memory(*state, OP_BUILD_DUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(release_get_out_of_memory_fails_cleanly, setup,
						teardown),
		cmocka_unit_test_setup_teardown(release_get_version_out_of_memory_fails_cleanly,
						setup, teardown),
		cmocka_unit_test_setup_teardown(release_get_active_out_of_memory_fails_cleanly,
						setup, teardown),
		cmocka_unit_test_setup_teardown(release_list_out_of_memory_fails_cleanly, setup,
						teardown),
		cmocka_unit_test_setup_teardown(release_dup_out_of_memory_is_null_and_leaks_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			release_build_dup_out_of_memory_is_null_and_leaks_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
