/*
 * release_get_active(): the active release in one call, consistent even
 * when another handle writes between its reads.
 *
 * Races are made deterministic by a wrapper of the backend under test that
 * runs another handle's writes just before a chosen read of the reader's
 * handle reaches the backend. Both handles share one backend, as two
 * processes share a store.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP "myapp"

/* ------------------------------------------------ a backend that peeks */

struct shared_raw {
	const release_storage *raw;
	void *ctx;
	int refs;
};

/* One handle's view of the shared backend, with its read hook. */
struct peek {
	release_storage vt; /* first: the vtable handed to the store */
	struct shared_raw *sh;
	int kind;           /* the hook fires before a get() of this kind */
	const char *key;    /* and key (NULL: any) */
	unsigned skip;      /* matching gets let through first */
	int every;          /* fire at each matching get, not once */
	void (*fn)(void *arg);
	void *arg;
	unsigned fired;
};

#define PEEK(ctx) ((struct peek *)(ctx))
#define RAW(ctx) (PEEK(ctx)->sh->raw)
#define RAW_CTX(ctx) (PEEK(ctx)->sh->ctx)

static void pk_close(void *ctx)
{
	struct shared_raw *sh = PEEK(ctx)->sh;

	free(ctx);
	if (--sh->refs == 0) {
		sh->raw->close(sh->ctx);
		free(sh);
	}
}

static int pk_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		  const void *data, size_t len)
{
	return RAW(ctx)->put(RAW_CTX(ctx), app, kind, key, seq, data, len);
}

static int pk_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		  void *payload)
{
	struct peek *p = ctx;

	if (p->fn && kind == p->kind && (!p->key || strcmp(key, p->key) == 0)) {
		if (p->skip > 0) {
			p->skip--;
		} else {
			void (*hook)(void *) = p->fn;

			if (!p->every)
				p->fn = NULL;
			p->fired++;
			hook(p->arg);
		}
	}
	return RAW(ctx)->get(RAW_CTX(ctx), app, kind, key, fn, payload);
}

static int pk_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		   release_record_fn fn, void *payload)
{
	return RAW(ctx)->scan(RAW_CTX(ctx), app, kind, before, limit, fn, payload);
}

static int pk_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		  size_t old_len, const void *data, size_t len)
{
	return RAW(ctx)->cas(RAW_CTX(ctx), app, kind, key, old, old_len, data, len);
}

static int pk_del(void *ctx, const char *app, int kind, const char *key)
{
	return RAW(ctx)->del(RAW_CTX(ctx), app, kind, key);
}

static int pk_list_apps(void *ctx, release_name_fn fn, void *payload)
{
	return RAW(ctx)->list_apps(RAW_CTX(ctx), fn, payload);
}

static int pk_get_seq(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
		      void *payload)
{
	return RAW(ctx)->get_seq(RAW_CTX(ctx), app, kind, seq, fn, payload);
}

static const char *pk_errmsg(void *ctx)
{
	return RAW(ctx)->errmsg(RAW_CTX(ctx));
}

static int pk_commit(void *ctx, const char *app, const release_storage_op *ops, size_t n,
		     size_t *failed)
{
	return RAW(ctx)->commit(RAW_CTX(ctx), app, ops, n, failed);
}

static int pk_hold(void *ctx, const char *app, const void *info, size_t len, void **hold)
{
	return RAW(ctx)->hold(RAW_CTX(ctx), app, info, len, hold);
}

static void pk_unhold(void *ctx, void *hold)
{
	RAW(ctx)->unhold(RAW_CTX(ctx), hold);
}

static int pk_held(void *ctx, const char *app, release_record_fn fn, void *payload)
{
	return RAW(ctx)->held(RAW_CTX(ctx), app, fn, payload);
}

/* A new view of sh: the methods sh's backend has, and no later ones (a
 * version-1 backend's vtable ends before commit). */
static struct peek *peek_new(struct shared_raw *sh)
{
	struct peek *p = calloc(1, sizeof *p);
	const release_storage *raw = sh->raw;

	assert_non_null(p);
	p->sh = sh;
	sh->refs++;
	p->vt.version = raw->version < RELEASE_STORAGE_VERSION ? raw->version
							       : RELEASE_STORAGE_VERSION;
	p->vt.close = pk_close;
	p->vt.put = pk_put;
	p->vt.get = pk_get;
	p->vt.scan = pk_scan;
	p->vt.cas = pk_cas;
	p->vt.del = pk_del;
	p->vt.list_apps = pk_list_apps;
	p->vt.get_seq = raw->get_seq ? pk_get_seq : NULL;
	p->vt.errmsg = raw->errmsg ? pk_errmsg : NULL;
	if (test_storage_has(raw, commit))
		p->vt.commit = pk_commit;
	if (test_storage_has(raw, hold)) {
		p->vt.hold = pk_hold;
		p->vt.unhold = pk_unhold;
		p->vt.held = pk_held;
	}
	return p;
}

/* Handle 0 reads; handle 1 is the other writer. */
struct race {
	struct shared_raw *sh;
	struct peek *peek[2];
	release_store *s[2];
	struct test_clock clock[2];
	struct test_random random[2];
	char ids[4][32]; /* releases made by setup_history */
	char other[32];  /* what a hook made */
	int rc;          /* what a hook's call returned */
};

static int race_setup(void **state)
{
	struct race *r = calloc(1, sizeof *r);

	assert_non_null(r);
	assert_non_null(r->sh = calloc(1, sizeof *r->sh));
	assert_ok(test_storage_open(&r->sh->raw, &r->sh->ctx, test_store_uri()));
	r->sh->refs = 1;
	for (int i = 0; i < 2; i++) {
		release_store_opts o;

		r->clock[i].now = INT64_C(1546300800) * 1000000000 + i * INT64_C(500000000);
		r->clock[i].step = 1000000000;
		r->random[i].state = 0x9e3779b97f4a7c15u + (uint64_t)i * 0x1234567u;
		release_store_opts_init(&o);
		o.clock = test_clock_read;
		o.clock_payload = &r->clock[i];
		o.random = test_random_fill;
		o.random_payload = &r->random[i];
		r->peek[i] = peek_new(r->sh);
		assert_ok(release_store_open_backend(&r->s[i], &r->peek[i]->vt, r->peek[i], &o));
	}
	*state = r;
	return 0;
}

static int race_teardown(void **state)
{
	struct race *r = *state;
	struct shared_raw *sh = r->sh;

	release_store_close(r->s[0]);
	release_store_close(r->s[1]);
	if (--sh->refs == 0) {
		sh->raw->close(sh->ctx);
		free(sh);
	}
	free(r);
	return 0;
}

/* Arms the reader's hook: fn runs just before its get() of (kind, key)
 * after skip such gets went through. */
static void hook(struct race *r, int kind, const char *key, unsigned skip, void (*fn)(void *))
{
	struct peek *p = r->peek[0];

	p->kind = kind;
	p->key = key;
	p->skip = skip;
	p->every = 0;
	p->fn = fn;
	p->arg = r;
	p->fired = 0;
}

/* Four releases of their own builds, the first three promoted in turn:
 * ids[2] active, ids[1] previous, ids[3] never promoted. */
static void setup_history(struct race *r)
{
	make_app(r->s[0], APP);
	for (int i = 0; i < 4; i++) {
		char description[32];
		release *made;

		snprintf(description, sizeof description, "release %d", i + 1);
		made = make_build_release(r->s[0], APP, description);
		snprintf(r->ids[i], sizeof r->ids[i], "%s", release_id(made));
		release_free(made);
		if (i < 3)
			promote(r->s[0], APP, r->ids[i]);
	}
}

static release *get_active(release_store *s)
{
	release *r = (release *)1;

	assert_store_ok(s, release_get_active(s, APP, &r));
	assert_non_null(r);
	return r;
}

/* ------------------------------------------------------------ answers */

static void get_active_returns_the_active_release_as_release_get_reads_it(void **state)
{
	struct race *r = *state;
	release *active, *read = NULL;

	setup_history(r);
	active = get_active(r->s[0]);
	assert_string_equal(release_id(active), r->ids[2]);
	assert_int_equal(release_is_active(active), 1);
	assert_true(release_promoted(active) > 0);
	assert_store_ok(r->s[0], release_get(r->s[0], APP, r->ids[2], &read));
	assert_string_equal(release_app_of(active), release_app_of(read));
	assert_int_equal(release_version(active), release_version(read));
	assert_string_equal(release_build_of(active), release_build_of(read));
	assert_string_equal(release_description(active), release_description(read));
	assert_string_equal(release_manifest(active), release_manifest(read));
	assert_int_equal(release_created(active), release_created(read));
	assert_int_equal(release_promoted(active), release_promoted(read));
	assert_int_equal(release_failed(active), release_failed(read));
	assert_int_equal(release_is_active(read), 1);
	assert_string_equal(release_store_errmsg(r->s[0]), "");
	release_free(read);
	release_free(active);
}

static void get_active_after_a_rollback_returns_the_copy(void **state)
{
	struct race *r = *state;
	release *copy = NULL, *active;

	setup_history(r);
	assert_store_ok(r->s[0], release_rollback(r->s[0], APP, NULL, NULL, &copy));
	active = get_active(r->s[0]);
	assert_string_equal(release_id(active), release_id(copy));
	assert_string_equal(release_source(active), r->ids[1]);
	assert_int_equal(release_promoted(active), release_promoted(copy));
	release_free(copy);
	release_free(active);
}

static void get_active_keeps_the_env_of_the_active_release(void **state)
{
	struct race *r = *state;
	release *env, *active;

	make_app(r->s[0], APP);
	env = set_env(r->s[0], APP, "FOO=bar");
	promote(r->s[0], APP, release_id(env));
	release_free(set_env(r->s[0], APP, "FOO=newer"));
	active = get_active(r->s[0]);
	assert_string_equal(release_id(active), release_id(env));
	assert_string_equal(release_env_get(active, "FOO"), "bar");
	release_free(env);
	release_free(active);
}

static void get_active_of_an_app_never_promoted_is_enotfound(void **state)
{
	struct race *r = *state;
	release *out = (release *)1;

	make_app(r->s[0], APP);
	release_free(make_build_release(r->s[0], APP, "not promoted"));
	assert_int_equal(release_get_active(r->s[0], APP, &out), RELEASE_ENOTFOUND);
	assert_null(out);
	assert_string_equal(release_store_errmsg(r->s[0]), "app 'myapp' has no active release");
}

static void get_active_of_an_unknown_app_is_enotfound_as_for_release_get(void **state)
{
	struct race *r = *state;
	release *out = (release *)1;
	char expected[256];

	assert_int_equal(release_get(r->s[0], "nope", "RABCDEFGHI", &out), RELEASE_ENOTFOUND);
	snprintf(expected, sizeof expected, "%s", release_store_errmsg(r->s[0]));
	out = (release *)1;
	assert_int_equal(release_get_active(r->s[0], "nope", &out), RELEASE_ENOTFOUND);
	assert_null(out);
	assert_string_equal(release_store_errmsg(r->s[0]), expected);
	assert_string_equal(expected, "app 'nope' not found");
}

static void get_active_refuses_null_and_invalid_arguments(void **state)
{
	struct race *r = *state;
	release *out = (release *)1;

	make_app(r->s[0], APP);
	assert_int_equal(release_get_active(NULL, APP, &out), RELEASE_EINVAL);
	assert_null(out);
	out = (release *)1;
	assert_int_equal(release_get_active(r->s[0], NULL, &out), RELEASE_EINVAL);
	assert_null(out);
	out = (release *)1;
	assert_int_equal(release_get_active(r->s[0], "Not_An-App", &out), RELEASE_EINVAL);
	assert_null(out);
	assert_int_equal(release_get_active(r->s[0], APP, NULL), RELEASE_EINVAL);
	assert_string_equal(release_store_errmsg(r->s[0]), "out is NULL");
}

/* --------------------------------------------- writes between its reads */

static void promote_other(void *arg)
{
	struct race *r = arg;

	promote(r->s[1], APP, r->ids[3]);
}

static void get_active_reads_again_when_a_promotion_lands_between_its_reads(void **state)
{
	struct race *r = *state;
	release *active, *read = NULL;

	setup_history(r);
	hook(r, RELEASE_KIND_RELEASE, r->ids[2], 0, promote_other);
	active = get_active(r->s[0]);
	assert_int_equal(r->peek[0]->fired, 1);
	assert_string_equal(release_id(active), r->ids[3]);
	assert_int_equal(release_is_active(active), 1);
	assert_store_ok(r->s[1], release_get(r->s[1], APP, r->ids[3], &read));
	assert_int_equal(release_promoted(active), release_promoted(read));
	assert_string_equal(release_description(active), "release 4");
	assert_string_equal(release_store_errmsg(r->s[0]), "");
	release_free(read);
	release_free(active);
}

/* Promotes ids[3], then a new release, then prunes all it may: the release
 * the reader's pointer named (ids[2]) is deleted. */
static void promote_twice_and_prune(void *arg)
{
	struct race *r = arg;
	release *made;
	size_t removed = 0;

	promote(r->s[1], APP, r->ids[3]);
	made = make_build_release(r->s[1], APP, "release 5");
	snprintf(r->other, sizeof r->other, "%s", release_id(made));
	release_free(made);
	promote(r->s[1], APP, r->other);
	assert_store_ok(r->s[1], release_prune(r->s[1], APP, 0, &removed));
	assert_true(removed >= 3);
	assert_false(release_get(r->s[1], APP, r->ids[2], &made) == 0);
}

static void get_active_reads_again_when_the_release_it_named_was_pruned(void **state)
{
	struct race *r = *state;
	release *active;

	setup_history(r);
	hook(r, RELEASE_KIND_RELEASE, r->ids[2], 0, promote_twice_and_prune);
	active = get_active(r->s[0]);
	assert_int_equal(r->peek[0]->fired, 1);
	assert_string_equal(release_id(active), r->other);
	assert_int_equal(release_is_active(active), 1);
	assert_string_equal(release_description(active), "release 5");
	assert_string_equal(release_store_errmsg(r->s[0]), ""); /* the miss was no failure */
	release_free(active);
}

/* The app deleted and created again, with a release of its own promoted. */
static void recreate_and_promote(void *arg)
{
	struct race *r = arg;
	release *made;

	assert_store_ok(r->s[1], release_app_delete(r->s[1], APP));
	make_app(r->s[1], APP);
	made = make_build_release(r->s[1], APP, "the new app's release");
	snprintf(r->other, sizeof r->other, "%s", release_id(made));
	release_free(made);
	promote(r->s[1], APP, r->other);
}

static void get_active_reads_again_when_the_app_was_created_again_meanwhile(void **state)
{
	struct race *r = *state;
	release *active;

	setup_history(r);
	hook(r, RELEASE_KIND_RELEASE, r->ids[2], 0, recreate_and_promote);
	active = get_active(r->s[0]);
	assert_int_equal(r->peek[0]->fired, 1);
	assert_string_equal(release_id(active), r->other);
	assert_string_equal(release_description(active), "the new app's release");
	assert_int_equal(release_version(active), 1);
	release_free(active);
}

static void delete_app(void *arg)
{
	struct race *r = arg;

	assert_store_ok(r->s[1], release_app_delete(r->s[1], APP));
}

static void get_active_of_an_app_deleted_before_its_release_was_read_is_not_found(void **state)
{
	struct race *r = *state;
	release *out = (release *)1;

	setup_history(r);
	hook(r, RELEASE_KIND_RELEASE, r->ids[2], 0, delete_app);
	assert_int_equal(release_get_active(r->s[0], APP, &out), RELEASE_ENOTFOUND);
	assert_int_equal(r->peek[0]->fired, 1);
	assert_null(out);
	assert_string_equal(release_store_errmsg(r->s[0]), "app 'myapp' not found");
}

/* Deleted after the reader found the app and before it read the pointer:
 * the app is gone, which is not an app without an active release. */
static void get_active_of_an_app_deleted_before_its_pointer_was_read_is_not_found(void **state)
{
	struct race *r = *state;
	release *out = (release *)1;

	setup_history(r);
	hook(r, RELEASE_KIND_META, "active", 0, delete_app);
	assert_int_equal(release_get_active(r->s[0], APP, &out), RELEASE_ENOTFOUND);
	assert_int_equal(r->peek[0]->fired, 1);
	assert_null(out);
	assert_string_equal(release_store_errmsg(r->s[0]), "app 'myapp' not found");
}

/* Each time: another handle force-promotes whichever of ids[2] and ids[3]
 * is not active. */
static void flip(void *arg)
{
	struct race *r = arg;
	release_promote_opts o;

	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_FORCE;
	r->rc = release_promote(r->s[1], APP, r->ids[2 + (r->peek[0]->fired % 2)], &o);
	assert_store_ok(r->s[1], r->rc);
}

static void get_active_gives_up_with_econflict_when_every_read_meets_a_promotion(void **state)
{
	struct race *r = *state;
	release *out = (release *)1;

	setup_history(r);
	hook(r, RELEASE_KIND_RELEASE, NULL, 0, flip);
	r->peek[0]->every = 1;
	assert_int_equal(release_get_active(r->s[0], APP, &out), RELEASE_ECONFLICT);
	assert_null(out);
	assert_string_equal(release_store_errmsg(r->s[0]),
			    "app 'myapp': its active release kept changing while being read "
			    "(1000 attempts)");
	assert_int_equal(r->peek[0]->fired, 1000);
	/* once the writes stop, the answer comes */
	r->peek[0]->fn = NULL;
	release_free(get_active(r->s[0]));
}

/* ------------------------------------------------------------- damage */

static void get_active_of_a_pointer_to_a_missing_release_is_ecorrupt(void **state)
{
	struct race *r = *state;
	release *out = (release *)1;
	char expected[128];

	setup_history(r);
	/* the record gone from under a pointer that stays on it */
	assert_ok(r->sh->raw->del(r->sh->ctx, APP, RELEASE_KIND_RELEASE, r->ids[2]));
	assert_int_equal(release_get_active(r->s[0], APP, &out), RELEASE_ECORRUPT);
	assert_null(out);
	snprintf(expected, sizeof expected, "app 'myapp': active release %s not found", r->ids[2]);
	assert_string_equal(release_store_errmsg(r->s[0]), expected);
}

static void get_active_of_an_unreadable_active_release_is_ecorrupt(void **state)
{
	struct race *r = *state;
	release *out = (release *)1;
	static const char junk[] = "not a release record";

	setup_history(r);
	assert_ok(r->sh->raw->del(r->sh->ctx, APP, RELEASE_KIND_RELEASE, r->ids[2]));
	assert_ok(r->sh->raw->put(r->sh->ctx, APP, RELEASE_KIND_RELEASE, r->ids[2], 3, junk,
				  sizeof junk - 1));
	assert_int_equal(release_get_active(r->s[0], APP, &out), RELEASE_ECORRUPT);
	assert_null(out);
	assert_string_equal(release_store_errmsg(r->s[0]),
			    "app 'myapp': release record at version 3 is corrupt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, race_setup, race_teardown)
		T(get_active_returns_the_active_release_as_release_get_reads_it),
		T(get_active_after_a_rollback_returns_the_copy),
		T(get_active_keeps_the_env_of_the_active_release),
		T(get_active_of_an_app_never_promoted_is_enotfound),
		T(get_active_of_an_unknown_app_is_enotfound_as_for_release_get),
		T(get_active_refuses_null_and_invalid_arguments),
		T(get_active_reads_again_when_a_promotion_lands_between_its_reads),
		T(get_active_reads_again_when_the_release_it_named_was_pruned),
		T(get_active_reads_again_when_the_app_was_created_again_meanwhile),
		T(get_active_of_an_app_deleted_before_its_release_was_read_is_not_found),
		T(get_active_of_an_app_deleted_before_its_pointer_was_read_is_not_found),
		T(get_active_gives_up_with_econflict_when_every_read_meets_a_promotion),
		T(get_active_of_a_pointer_to_a_missing_release_is_ecorrupt),
		T(get_active_of_an_unreadable_active_release_is_ecorrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
