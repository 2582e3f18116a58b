/* What changed between two releases: release_diff_get()'s choice of
 * releases, its env changes, masks, failures and accessors. The manifest's
 * text is test_diff_manifest.c's. */
#include "harness.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP "web"

/* A complete build with this manifest, and its release (caller frees). */
static release *build_release(release_store *s, const char *description, const char *manifest)
{
	release_build_opts o;
	release_build *b = NULL;
	release *r = NULL;

	release_build_opts_init(&o);
	o.description = description;
	o.manifest = manifest;
	o.status = RELEASE_BUILD_COMPLETE;
	assert_store_ok(s, release_build_create(s, APP, &o, &b));
	assert_store_ok(s, release_create(s, APP, release_build_id(b), &r));
	release_build_free(b);
	return r;
}

static release_diff *diff_of(release_store *s, const release *from, const release *to,
			     unsigned int flags)
{
	release_diff *d = NULL;

	assert_store_ok(s, release_diff_get(s, APP, from ? release_id(from) : NULL,
					    to ? release_id(to) : NULL, flags, &d));
	assert_non_null(d);
	return d;
}

static void mask(release_store *s, const char *key)
{
	release_settings_opts o;

	release_settings_opts_init(&o);
	o.mask_add = &key;
	o.mask_add_n = 1;
	assert_store_ok(s, release_settings_update(s, APP, &o, NULL));
}

/* "+KEY=old>new" per key: the change, and the values (or "?" for NULL). */
static void env_steps(const release_diff *d, char *out, size_t cap)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < release_diff_env_count(d); i++) {
		const char *o = release_diff_env_old(d, i), *n = release_diff_env_new(d, i);
		int w = snprintf(out + used, cap - used, "%c%s%s=%s>%s ",
				 "?+-~"[release_diff_env_change(d, i)],
				 release_diff_env_masked(d, i) ? "*" : "",
				 release_diff_env_key(d, i), o ? o : "?", n ? n : "?");

		assert_true(w > 0 && (size_t)w < cap - used);
		used += (size_t)w;
	}
}

/* An env of A=1 B=2 C=3 Z=9, then one release with B changed, C removed,
 * AA and D added (set in one change: one release). */
static void env_history(release_store *s, release **before, release **after)
{
	release_env_opts o;
	const char *set[] = {"B=two", "D=4", "AA=11"}, *unset[] = {"C"};
	release *r;

	make_app(s, APP);
	release_free(build_release(s, "one", "m\n"));
	release_free(set_env(s, APP, "A=1"));
	release_free(set_env(s, APP, "B=2"));
	release_free(set_env(s, APP, "C=3"));
	*before = set_env(s, APP, "Z=9");
	release_env_opts_init(&o);
	o.set = set;
	o.set_n = 3;
	o.unset = unset;
	o.unset_n = 1;
	assert_store_ok(s, release_env_change(s, APP, &o, &r));
	*after = r;
}

static void env_keys_added_removed_and_changed_come_sorted_by_key(void **state)
{
	struct fixture *f = *state;
	release *a, *b;
	release_diff *d;
	char steps[256];

	env_history(f->s, &a, &b);
	d = diff_of(f->s, a, b, 0);
	env_steps(d, steps, sizeof steps);
	assert_string_equal(steps, "+AA=?>11 ~B=2>two -C=3>? +D=?>4 ");
	assert_string_equal(release_diff_from(d), release_id(a));
	assert_string_equal(release_diff_to(d), release_id(b));
	/* and the other way round */
	release_diff_free(d);
	d = diff_of(f->s, b, a, 0);
	env_steps(d, steps, sizeof steps);
	assert_string_equal(steps, "-AA=11>? ~B=two>2 +C=?>3 -D=4>? ");
	release_diff_free(d);
	release_free(a);
	release_free(b);
}

static void masked_values_are_hidden_and_their_change_still_told(void **state)
{
	struct fixture *f = *state;
	release *a, *b;
	release_diff *d;
	char steps[256];

	env_history(f->s, &a, &b);
	mask(f->s, "B");
	mask(f->s, "C");
	mask(f->s, "AA");
	d = diff_of(f->s, a, b, 0);
	env_steps(d, steps, sizeof steps);
	assert_string_equal(steps, "+*AA=?>? ~*B=?>? -*C=?>? +D=?>4 ");
	release_diff_free(d);
	release_free(a);
	release_free(b);
}

static void reveal_shows_the_values_of_masked_keys(void **state)
{
	struct fixture *f = *state;
	release *a, *b;
	release_diff *d;
	char steps[256];

	env_history(f->s, &a, &b);
	mask(f->s, "B");
	d = diff_of(f->s, a, b, RELEASE_DIFF_REVEAL);
	env_steps(d, steps, sizeof steps);
	assert_string_equal(steps, "+AA=?>11 ~*B=2>two -C=3>? +D=?>4 ");
	release_diff_free(d);
	release_free(a);
	release_free(b);
}

/* A mask list that cannot be read must not reveal what it masks. */
static void damaged_settings_hide_every_value(void **state)
{
	struct fixture *f = *state;
	struct tamper t = {0};
	release *a, *b;
	release_diff *d;
	char steps[256];

	env_history(f->s, &a, &b);
	mask(f->s, "B");
	t.app = APP;
	t.kind = RELEASE_KIND_META;
	t.key = "settings";
	t.data = "LR\001\006garbage";
	t.len = 11;
	shared_backend_tamper(f->backend, &t);
	d = diff_of(f->s, a, b, 0);
	shared_backend_tamper(f->backend, NULL);
	env_steps(d, steps, sizeof steps);
	assert_string_equal(steps, "+*AA=?>? ~*B=?>? -*C=?>? +*D=?>? ");
	assert_string_equal(release_store_errmsg(f->s), "");
	release_diff_free(d);
	release_free(a);
	release_free(b);
}

static void from_null_is_the_release_before_to(void **state)
{
	struct fixture *f = *state;
	release *a, *b;
	release_diff *d;

	env_history(f->s, &a, &b);
	d = diff_of(f->s, NULL, b, 0);
	assert_string_equal(release_diff_from(d), release_id(a));
	assert_int_equal(release_diff_env_count(d), 4);
	release_diff_free(d);
	release_free(a);
	release_free(b);
}

/* v2 pruned: the release before v3 is v1. */
static void from_null_passes_over_pruned_releases(void **state)
{
	struct fixture *f = *state;
	release *v1, *v2, *v3;
	release_diff *d;
	size_t removed = 0;

	make_app(f->s, APP);
	v1 = build_release(f->s, "one", "one\n");
	v2 = build_release(f->s, "two", "two\n");
	v3 = build_release(f->s, "three", "three\n");
	promote(f->s, APP, release_id(v1));
	promote(f->s, APP, release_id(v3));
	assert_store_ok(f->s, release_prune(f->s, APP, 0, &removed));
	assert_int_equal(removed, 1);
	d = diff_of(f->s, NULL, v3, 0);
	assert_string_equal(release_diff_from(d), release_id(v1));
	release_diff_free(d);
	release_free(v1);
	release_free(v2);
	release_free(v3);
}

/* The first release is compared with nothing: everything is new. */
static void a_first_release_is_all_added(void **state)
{
	struct fixture *f = *state;
	release *r;
	release_diff *d;
	char steps[256], want[256];

	make_app(f->s, APP);
	release_free(build_release(f->s, "one", "a\nb\n"));
	assert_store_ok(f->s, release_env_set(f->s, APP, (const char *[]){"K=v", "J=w"}, 2, NULL));
	assert_int_equal(count_releases(f->s, APP), 2);
	assert_store_ok(f->s, release_get_version(f->s, APP, 1, &r));
	d = diff_of(f->s, NULL, r, 0);
	assert_null(release_diff_from(d));
	assert_null(release_diff_build_old(d));
	assert_string_equal(release_diff_build_new(d), release_build_of(r));
	assert_int_equal(release_diff_description_changed(d), 1);
	assert_int_equal(release_diff_env_count(d), 0);
	snprintf(want, sizeof want, "--- /dev/null\n+++ %s\n@@ -0,0 +1,2 @@\n+a\n+b\n",
		 release_id(r));
	assert_string_equal(release_diff_manifest(d), want);
	release_diff_free(d);
	release_free(r);
	/* with an env */
	assert_store_ok(f->s, release_get_version(f->s, APP, 2, &r));
	d = diff_of(f->s, NULL, r, 0);
	env_steps(d, steps, sizeof steps);
	assert_string_equal(steps, "+J=?>w +K=?>v ");
	release_diff_free(d);
	release_free(r);
}

static void to_null_is_the_active_release(void **state)
{
	struct fixture *f = *state;
	release *a, *b;
	release_diff *d = NULL;

	env_history(f->s, &a, &b);
	promote(f->s, APP, release_id(a));
	assert_store_ok(f->s, release_diff_get(f->s, APP, release_id(b), NULL, 0, &d));
	assert_string_equal(release_diff_to(d), release_id(a));
	assert_string_equal(release_diff_from(d), release_id(b));
	release_diff_free(d);
	/* both NULL: what the last promotion brought */
	assert_store_ok(f->s, release_diff_get(f->s, APP, NULL, NULL, 0, &d));
	assert_string_equal(release_diff_to(d), release_id(a));
	assert_int_equal(release_diff_env_count(d), 1);
	assert_string_equal(release_diff_env_key(d, 0), "Z");
	release_diff_free(d);
	release_free(a);
	release_free(b);
}

static void to_null_without_an_active_release_is_not_found(void **state)
{
	struct fixture *f = *state;
	release_diff *d = (release_diff *)(uintptr_t)1;

	make_app(f->s, APP);
	release_free(build_release(f->s, "one", "m\n"));
	assert_int_equal(release_diff_get(f->s, APP, NULL, NULL, 0, &d), RELEASE_ENOTFOUND);
	assert_null(d);
	assert_string_equal(release_store_errmsg(f->s), "app 'web' has no active release");
}

static void unknown_releases_and_apps_are_not_found(void **state)
{
	struct fixture *f = *state;
	release *r, *other;
	release_diff *d = NULL;

	make_app(f->s, APP);
	make_app(f->s, "api");
	r = build_release(f->s, "one", "m\n");
	assert_store_ok(f->s, release_env_set(f->s, "api", (const char *[]){"K=v"}, 1, &other));
	assert_int_equal(release_diff_get(f->s, APP, "RAAAAAAAAA", release_id(r), 0, &d),
			 RELEASE_ENOTFOUND);
	assert_non_null(strstr(release_store_errmsg(f->s), "RAAAAAAAAA"));
	assert_int_equal(release_diff_get(f->s, APP, release_id(r), "RAAAAAAAAA", 0, &d),
			 RELEASE_ENOTFOUND);
	/* a release of another app is not this app's */
	assert_int_equal(release_diff_get(f->s, APP, release_id(other), release_id(r), 0, &d),
			 RELEASE_ENOTFOUND);
	assert_int_equal(release_diff_get(f->s, "nope", NULL, release_id(r), 0, &d),
			 RELEASE_ENOTFOUND);
	assert_null(d);
	release_free(r);
	release_free(other);
}

static void malformed_arguments_are_invalid(void **state)
{
	struct fixture *f = *state;
	release *r;
	release_diff *d = NULL;

	make_app(f->s, APP);
	r = build_release(f->s, "one", "m\n");
	assert_int_equal(release_diff_get(f->s, APP, "nope", release_id(r), 0, &d), RELEASE_EINVAL);
	assert_int_equal(release_diff_get(f->s, APP, NULL, "BAAAAAAAAA", 0, &d), RELEASE_EINVAL);
	assert_int_equal(release_diff_get(f->s, "Not An App", NULL, release_id(r), 0, &d),
			 RELEASE_EINVAL);
	assert_int_equal(release_diff_get(f->s, NULL, NULL, release_id(r), 0, &d), RELEASE_EINVAL);
	assert_int_equal(release_diff_get(NULL, APP, NULL, release_id(r), 0, &d), RELEASE_EINVAL);
	assert_int_equal(release_diff_get(f->s, APP, NULL, release_id(r), 0, NULL), RELEASE_EINVAL);
	assert_null(d);
	release_free(r);
}

static void unknown_flags_are_invalid(void **state)
{
	struct fixture *f = *state;
	release *r;
	release_diff *d = NULL;

	make_app(f->s, APP);
	r = build_release(f->s, "one", "m\n");
	assert_int_equal(release_diff_get(f->s, APP, NULL, release_id(r), 2, &d), RELEASE_EINVAL);
	assert_string_equal(release_store_errmsg(f->s), "unknown diff flags 0x2");
	assert_int_equal(release_diff_get(f->s, APP, NULL, release_id(r), 0x80000001u, &d),
			 RELEASE_EINVAL);
	assert_null(d);
	release_free(r);
}

/* Damage the backend reports (code) or the core finds (junk bytes). */
static void damaged(struct fixture *f, const char *id, int code)
{
	struct tamper t = {0};

	t.app = APP;
	t.kind = RELEASE_KIND_RELEASE;
	t.key = id;
	t.code = code;
	t.data = "LR\001\005garbage";
	t.len = 11;
	shared_backend_tamper(f->backend, &t);
}

static void a_damaged_release_is_corrupt(void **state)
{
	struct fixture *f = *state;
	release *a, *b;
	release_diff *d = NULL;

	env_history(f->s, &a, &b);
	for (int code = 0; code >= RELEASE_ECORRUPT; code += RELEASE_ECORRUPT) {
		damaged(f, release_id(b), code);
		assert_int_equal(release_diff_get(f->s, APP, release_id(a), release_id(b), 0, &d),
				 RELEASE_ECORRUPT);
		assert_null(d);
		damaged(f, release_id(a), code);
		assert_int_equal(release_diff_get(f->s, APP, release_id(a), release_id(b), 0, &d),
				 RELEASE_ECORRUPT);
		/* the release before, found by its version */
		assert_int_equal(release_diff_get(f->s, APP, NULL, release_id(b), 0, &d),
				 RELEASE_ECORRUPT);
		assert_true(release_store_errmsg(f->s)[0] != '\0');
		assert_null(d);
	}
	shared_backend_tamper(f->backend, NULL);
	release_free(a);
	release_free(b);
}

static void builds_and_description_are_told(void **state)
{
	struct fixture *f = *state;
	release *one, *env, *two;
	release_diff *d;

	make_app(f->s, APP);
	one = build_release(f->s, "one", "m\n");
	env = set_env(f->s, APP, "K=v");
	two = build_release(f->s, "two", "m\n");
	d = diff_of(f->s, one, env, 0);
	assert_string_equal(release_diff_build_old(d), release_build_of(one));
	assert_string_equal(release_diff_build_new(d), release_build_of(one));
	assert_int_equal(release_diff_description_changed(d), 1);
	release_diff_free(d);
	d = diff_of(f->s, env, two, 0);
	assert_string_equal(release_diff_build_old(d), release_build_of(one));
	assert_string_equal(release_diff_build_new(d), release_build_of(two));
	release_diff_free(d);
	d = diff_of(f->s, two, two, 0);
	assert_int_equal(release_diff_description_changed(d), 0);
	assert_int_equal(release_diff_env_count(d), 0);
	assert_string_equal(release_diff_manifest(d), "");
	release_diff_free(d);
	release_free(one);
	release_free(env);
	release_free(two);
}

static void accessors_out_of_range_give_null_and_zero(void **state)
{
	struct fixture *f = *state;
	release *a, *b;
	release_diff *d;

	env_history(f->s, &a, &b);
	d = diff_of(f->s, a, b, 0);
	assert_null(release_diff_env_key(d, 4));
	assert_int_equal(release_diff_env_change(d, 4), 0);
	assert_int_equal(release_diff_env_masked(d, 4), 0);
	assert_null(release_diff_env_old(d, 4));
	assert_null(release_diff_env_new(d, 4));
	assert_null(release_diff_from(NULL));
	assert_null(release_diff_manifest(NULL));
	assert_int_equal(release_diff_env_count(NULL), 0);
	release_diff_free(NULL);
	release_diff_free(d);
	release_free(a);
	release_free(b);
}

/* ------------------------------------------------------- out of memory */

#if defined(__SANITIZE_ADDRESS__)
#define NO_INTERPOSE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_INTERPOSE 1
#endif
#endif

/* The allocator, interposed: while armed, the fail_at-th allocation fails
 * and the blocks allocated are counted until freed. Not under
 * AddressSanitizer or valgrind, whose allocators win: oom_works() tells. */
static struct {
	int armed;
	long count, fail_at;
	void *live[4096];
	size_t nlive;
} oom;

#ifndef NO_INTERPOSE
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static unsigned char early[8192] __attribute__((aligned(16)));
static size_t early_used;
static int resolving;

/* dlsym() may allocate before the real allocator is known */
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
	if (p && oom.armed && oom.nlive < sizeof oom.live / sizeof *oom.live)
		oom.live[oom.nlive++] = p;
}

static void untrack(void *p)
{
	for (size_t i = 0; i < oom.nlive; i++)
		if (oom.live[i] == p) {
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
	if (trip())
		return NULL;
	if (is_early(old)) {
		size_t room = (size_t)(early + sizeof early - (unsigned char *)old);

		if ((p = malloc(n)) != NULL)
			memcpy(p, old, n < room ? n : room);
		return p;
	}
	if ((p = real_realloc(old, n)) != NULL) {
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
	oom.nlive = 0;
	oom.fail_at = fail_at;
	oom.armed = 1;
}

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

/* The diffs out_of_memory_fails_cleanly makes: the active release's from
 * the one before (another manifest), and a's env into b's (a key masked). */
static int two_diffs(release_store *s, const release *a, const release *b)
{
	release_diff *d = (release_diff *)(uintptr_t)1;
	char steps[256];
	int rc = release_diff_get(s, APP, NULL, NULL, 0, &d);

	if (rc == 0) {
		assert_non_null(
			strstr(release_diff_manifest(d), "@@ -1 +1,3 @@\n+one\n m\n+three\n"));
		release_diff_free(d);
		d = (release_diff *)(uintptr_t)1;
		rc = release_diff_get(s, APP, release_id(a), release_id(b), 0, &d);
	}
	if (rc != 0) {
		assert_null(d);
		return rc;
	}
	env_steps(d, steps, sizeof steps);
	assert_string_equal(steps, "+AA=?>11 ~*B=?>? -C=3>? +D=?>4 ");
	release_diff_free(d);
	return 0;
}

/* Each allocation of the diffs failing in turn: RELEASE_ENOMEM with a
 * message and nothing left allocated, until they succeed whole. */
static void out_of_memory_fails_cleanly(void **state)
{
	struct fixture *f = *state;
	const char *uri = getenv("RELEASE_TEST_STORE");
	release *a, *b, *c;
	int done = 0;

	if ((uri && strncmp(uri, "postgresql", 10) == 0) || !oom_works()) {
		print_message("skipped: allocations cannot be failed here\n");
		skip();
	}
	env_history(f->s, &a, &b);
	c = build_release(f->s, "two", "one\nm\nthree\n");
	promote(f->s, APP, release_id(c));
	mask(f->s, "B");
	/* warm: what the backend keeps from a first read is its own */
	assert_int_equal(two_diffs(f->s, a, b), 0);
	for (long k = 1; !done && k < 100000; k++) {
		int rc;

		oom_arm(k);
		rc = two_diffs(f->s, a, b);
		oom.armed = 0;
		done = oom.count < k;
		if (rc != 0) {
			assert_int_equal(rc, RELEASE_ENOMEM);
			assert_true(release_store_errmsg(f->s)[0] != '\0');
		}
		if (oom.nlive != 0)
			fail_msg("allocation %ld failing left %zu blocks allocated", k, oom.nlive);
	}
	assert_true(done);
	release_free(a);
	release_free(b);
	release_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(env_keys_added_removed_and_changed_come_sorted_by_key),
		T(masked_values_are_hidden_and_their_change_still_told),
		T(reveal_shows_the_values_of_masked_keys),
		T(damaged_settings_hide_every_value),
		T(from_null_is_the_release_before_to),
		T(from_null_passes_over_pruned_releases),
		T(a_first_release_is_all_added),
		T(to_null_is_the_active_release),
		T(to_null_without_an_active_release_is_not_found),
		T(unknown_releases_and_apps_are_not_found),
		T(malformed_arguments_are_invalid),
		T(unknown_flags_are_invalid),
		T(a_damaged_release_is_corrupt),
		T(builds_and_description_are_told),
		T(accessors_out_of_range_give_null_and_zero),
		T(out_of_memory_fails_cleanly),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
