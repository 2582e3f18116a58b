/*
 * release_store_copy() against what may happen to its stores meanwhile or
 * be served by them: an app made in the destination during the copy, a
 * copy cut short before its app record, the source app deleted and made
 * again under the copy, a deletion left unfinished in the destination,
 * keys storage.h never lets a backend be given.
 *
 * Source and destination are each a backend of the kind under test of
 * their own, behind the wrapper of attack.h; the methods of a handle are
 * replaced here where a test needs more than the wrapper's hooks.
 */
#include "attack.h"
#include "copy_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ fixture */

struct two {
	struct atk *src, *dst;
};

static int two_setup(void **state)
{
	struct two *t = calloc(1, sizeof *t);
	void *p = NULL;

	assert_non_null(t);
	setup(&p);
	t->src = p;
	setup(&p);
	t->dst = p;
	*state = t;
	return 0;
}

static int two_teardown(void **state)
{
	struct two *t = *state;
	void *p = t->src;

	teardown(&p);
	p = t->dst;
	teardown(&p);
	free(t);
	return 0;
}

/* "web" with a masked key, three releases, each of a build of its own, the
 * second one active, and a failed promotion of the third. */
static void source_app(release_store *s)
{
	const char *mask = "SECRET";
	release_settings_opts so;
	release_promote_opts o;
	release *r[3];

	make_app(s, APP);
	release_settings_opts_init(&so);
	so.mask_add = &mask;
	so.mask_add_n = 1;
	assert_store_ok(s, release_settings_update(s, APP, &so, NULL));
	for (int i = 0; i < 3; i++) {
		char what[16];

		snprintf(what, sizeof what, "build %d", i);
		r[i] = make_build_release(s, APP, what);
	}
	promote(s, APP, release_id(r[0]));
	promote(s, APP, release_id(r[1]));
	release_promote_opts_init(&o);
	o.deploy = copy_deploy_fails;
	assert_int_equal(release_promote(s, APP, release_id(r[2]), &o), RELEASE_EDEPLOY);
	for (int i = 0; i < 3; i++)
		release_free(r[i]);
}

/* Whether app exists in s, as readers see it. */
static int app_exists(release_store *s, const char *app)
{
	release_app *a = NULL;
	int rc = release_app_get(s, app, &a);

	if (rc == RELEASE_ENOTFOUND)
		return 0;
	assert_store_ok(s, rc);
	release_app_free(a);
	return 1;
}

/* Both stores keep a deployment log (none is written to a version-1 one). */
static int with_log(void)
{
	return !test_store_is_v1();
}

static size_t count_builds(release_store *s, const char *app)
{
	release_build_iter *it = NULL;
	const release_build *b;
	size_t n = 0;
	int rc;

	assert_store_ok(s, release_build_list(s, app, 0, &it));
	while ((rc = release_build_iter_next(it, &b)) == 0)
		n++;
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_build_iter_free(it);
	return n;
}

static size_t count_log(release_store *s, const char *app)
{
	release_deploy_iter *it = NULL;
	const release_deploy *d;
	size_t n = 0;
	int rc = release_deploy_list(s, app, NULL, &it);

	if (rc == RELEASE_EUNSUPPORTED)
		return 0;
	assert_store_ok(s, rc);
	while ((rc = release_deploy_iter_next(it, &d)) == 0)
		n++;
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_deploy_iter_free(it);
	return n;
}

static int count_record(void *payload, uint64_t seq, const char *key, const void *data,
			size_t len)
{
	(void)seq;
	(void)key;
	(void)data;
	(void)len;
	++*(size_t *)payload;
	return 0;
}

/* The build records of "web" f's backend holds, whatever the app record says. */
static size_t raw_builds(struct atk *f)
{
	struct handle *h = f->h[0];
	size_t n = 0;

	assert_int_equal(h->b->inner->scan(h->ctx, APP, RELEASE_KIND_BUILD, UINT64_MAX, 1000,
					   count_record, &n),
			 0);
	return n;
}

/* ------------------------------------------------- replaced methods */

/* The wrapper's own methods (every handle has the same), which ours call on. */
static release_storage base;

static struct {
	int fail_app_write; /* the app record's write after the first records fails */
	unsigned written;   /* writes of records that went through */
	int fail_dels;      /* every deletion fails */
	const char *bad_key; /* the source serves its first build of a scan so */
	unsigned bad_keys;   /* keys storage.h forbids the destination was given */
} hk;

/* A key storage.h lets the core give a backend: 1-64 of [A-Za-z0-9_.-]. */
static int key_allowed(const char *key)
{
	size_t n = strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");

	return n > 0 && n <= 64 && key[n] == '\0';
}

static int is_app_record(int kind, const char *key)
{
	return kind == RELEASE_KIND_META && strcmp(key, "app") == 0;
}

static int hk_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		  const void *data, size_t len)
{
	int rc;

	if (!key_allowed(key)) {
		hk.bad_keys++;
		return RELEASE_EINVAL;
	}
	if ((rc = base.put(ctx, app, kind, key, seq, data, len)) == 0)
		hk.written++;
	return rc;
}

static int hk_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		  size_t old_len, const void *data, size_t len)
{
	if (!key_allowed(key)) {
		hk.bad_keys++;
		return RELEASE_EINVAL;
	}
	if (hk.fail_app_write && hk.written && is_app_record(kind, key))
		return RELEASE_EIO; /* the process ends here: nothing written */
	return base.cas(ctx, app, kind, key, old, old_len, data, len);
}

static int hk_del(void *ctx, const char *app, int kind, const char *key)
{
	if (!key_allowed(key)) {
		hk.bad_keys++;
		return RELEASE_EINVAL;
	}
	if (hk.fail_dels)
		return RELEASE_EIO;
	return base.del(ctx, app, kind, key);
}

static int hk_commit(void *ctx, const char *app, const release_storage_op *ops, size_t n,
		     size_t *failed)
{
	int puts = 0, dels = 0, app_write = 0, rc;

	for (size_t i = 0; i < n; i++) {
		if (!key_allowed(ops[i].key)) {
			hk.bad_keys++;
			if (failed)
				*failed = i;
			return RELEASE_EINVAL;
		}
		puts |= ops[i].op == RELEASE_OP_PUT;
		dels |= ops[i].op == RELEASE_OP_DEL;
		app_write |= ops[i].op == RELEASE_OP_CAS && is_app_record(ops[i].kind, ops[i].key);
	}
	if (hk.fail_app_write && hk.written && app_write)
		return RELEASE_EIO;
	if (hk.fail_dels && dels)
		return RELEASE_EIO;
	rc = base.commit(ctx, app, ops, n, failed);
	if (rc == 0 && puts)
		hk.written++;
	return rc;
}

struct relay {
	release_record_fn fn;
	void *payload;
	size_t served;
};

static int relay_bad_key(void *payload, uint64_t seq, const char *key, const void *data,
			 size_t len)
{
	struct relay *r = payload;

	return r->fn(r->payload, seq, r->served++ == 0 ? hk.bad_key : key, data, len);
}

static int hostile_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
			release_record_fn fn, void *payload)
{
	struct relay r = {fn, payload, 0};

	if (kind != RELEASE_KIND_BUILD || !hk.bad_key)
		return base.scan(ctx, app, kind, before, limit, fn, payload);
	return base.scan(ctx, app, kind, before, limit, relay_bad_key, &r);
}

/* Handle i of f writes through the methods above. */
static void replace_methods(struct atk *f, size_t i)
{
	struct handle *h = f->h[i];

	base = h->vt;
	h->vt.put = hk_put;
	h->vt.cas = hk_cas;
	h->vt.del = hk_del;
	if (h->vt.version >= 2 && h->vt.commit)
		h->vt.commit = hk_commit;
}

/* ------------------------------------- an app made in the destination */

static void create_theirs(void *arg)
{
	release_store *other = arg;
	const char *mask = "THEIRS";
	release_settings_opts so;

	make_app(other, APP);
	release_settings_opts_init(&so);
	so.mask_add = &mask;
	so.mask_add_n = 1;
	assert_store_ok(other, release_settings_update(other, APP, &so, NULL));
}

/* Another writer of the destination creates the app while its records are
 * being copied: theirs is another app of that name, and stays as they
 * made it. */
static void an_app_made_in_the_destination_during_a_copy_is_left_alone(void **state)
{
	struct two *t = *state;
	release_store *src = open_handle(t->src, START, SEC, 0), *dst, *other;
	release_settings *set = NULL;
	release_app *a = NULL;
	int rc;

	need_commit(t->dst); /* one record at a time, no write checks the app */
	dst = open_handle(t->dst, START + 1000 * SEC, SEC, 0);
	other = open_handle(t->dst, START + 2000 * SEC, SEC, 0);
	source_app(src);
	t->dst->h[0]->hook_on = COMMIT_OF;
	t->dst->h[0]->match_op = RELEASE_OP_PUT;
	t->dst->h[0]->hook = create_theirs;
	t->dst->h[0]->hook_arg = other;

	rc = release_store_copy(src, dst, NULL, NULL);
	assert_null(t->dst->h[0]->hook); /* it ran, during the copy */
	assert_int_equal(rc, RELEASE_EEXIST);
	assert_non_null(strstr(release_store_errmsg(dst), APP));

	assert_store_ok(other, release_app_get(other, APP, &a));
	assert_null(release_app_active(a));
	release_app_free(a);
	assert_store_ok(other, release_settings_get(other, APP, &set));
	assert_true(release_settings_masked(set, "THEIRS"));
	release_settings_free(set);
	assert_int_equal(count_releases(other, APP), 0);
	assert_int_equal(count_builds(other, APP), 0);
	assert_int_equal(count_log(other, APP), 0);
}

/* --------------------------------------- a copy cut short at its end */

/* src's "web" copied to dst, the copy ending (as its process would) at
 * the write of the app record. */
static void copy_cut_short(struct two *t, release_store **src, release_store **dst)
{
	*src = open_handle(t->src, START, SEC, 0);
	*dst = open_handle(t->dst, START + 1000 * SEC, SEC, 0);
	source_app(*src);
	memset(&hk, 0, sizeof hk);
	replace_methods(t->dst, 0);
	hk.fail_app_write = 1;
	assert_int_equal(release_store_copy(*src, *dst, NULL, NULL), RELEASE_EIO);
	hk.fail_app_write = 0;
	assert_true(raw_builds(t->dst) > 0); /* the records went first */
	assert_false(app_exists(*dst, APP));
}

/* Nobody sees the app in dst, so it may be created there: the new app
 * starts empty, with nothing of the copy's records. */
static void a_copy_cut_short_leaves_nothing_a_new_app_of_its_name_adopts(void **state)
{
	struct two *t = *state;
	release_store *src, *dst;
	release_settings *set = NULL;
	release *active = NULL;

	copy_cut_short(t, &src, &dst);
	make_app(dst, APP);
	assert_int_equal(count_releases(dst, APP), 0);
	assert_int_equal(count_builds(dst, APP), 0);
	assert_int_equal(count_log(dst, APP), 0);
	assert_int_equal(release_get_active(dst, APP, &active), RELEASE_ENOTFOUND);
	assert_null(active);
	assert_store_ok(dst, release_settings_get(dst, APP, &set));
	assert_int_equal(release_settings_revision(set), 1);
	assert_int_equal(release_settings_mask_count(set), 0);
	release_settings_free(set);
}

/* The same copy run again finishes it: the app appears, exact, and only
 * its record is written. */
static void a_copy_cut_short_is_finished_by_running_it_again(void **state)
{
	struct two *t = *state;
	release_store *src, *dst;
	uint64_t copied = 0;

	copy_cut_short(t, &src, &dst);
	assert_store_ok(dst, release_store_copy(src, dst, NULL, &copied));
	assert_int_equal(copied, 1);
	assert_same_app(src, dst, APP, with_log());
}

/* ------------------------------------ the source app made again under it */

struct remake {
	release_store *src; /* another handle of the source */
};

static void delete_and_make_again(void *arg)
{
	struct remake *m = arg;

	assert_store_ok(m->src, release_app_delete(m->src, APP));
	make_app(m->src, APP);
	release_free(make_build_release(m->src, APP, "the new app's"));
}

/* The source app is deleted and made again after its records were read
 * and before the copy reads its settings: what was copied is of two apps,
 * so that attempt fails and the copy starts the app again, copying the
 * new app exactly; the destination never shows a mix. */
static void an_app_made_again_in_the_source_during_its_copy_is_copied_anew(void **state)
{
	struct two *t = *state;
	release_store *src = open_handle(t->src, START, SEC, 0);
	struct remake m = {open_handle(t->src, START + 500 * SEC, SEC, 0)};
	release_store *dst = open_handle(t->dst, START + 1000 * SEC, SEC, 0);
	int rc;

	source_app(src);
	t->src->h[0]->hook_on = GET_OF;
	t->src->h[0]->hook_kind = RELEASE_KIND_META;
	t->src->h[0]->hook_key = "settings";
	t->src->h[0]->hook = delete_and_make_again;
	t->src->h[0]->hook_arg = &m;

	rc = release_store_copy(src, dst, NULL, NULL);
	assert_null(t->src->h[0]->hook); /* it ran, during the copy */
	assert_store_ok(dst, rc);
	assert_int_equal(count_releases(dst, APP), 1);
	assert_same_app(src, dst, APP, with_log());
}

/* ------------------------------------- a deletion left in the destination */

/* dst's own "web" deleted, its deletion ending (as its process would)
 * after the tombstone, with records left: the app does not exist, and a
 * copy of src's "web" finishes the deletion and goes on. */
static void a_deletion_left_unfinished_in_the_destination_does_not_block_a_copy(void **state)
{
	struct two *t = *state;
	release_store *src = open_handle(t->src, START, SEC, 0);
	release_store *dst = open_handle(t->dst, START + 1000 * SEC, SEC, 0);

	source_app(src);
	make_app(dst, APP);
	release_free(make_build_release(dst, APP, "dst's own"));
	memset(&hk, 0, sizeof hk);
	replace_methods(t->dst, 0);
	hk.fail_dels = 1;
	assert_store_ok(dst, release_app_delete(dst, APP)); /* done once the app is gone */
	hk.fail_dels = 0;
	assert_false(app_exists(dst, APP));
	assert_true(raw_builds(t->dst) > 0); /* what the deletion left */

	assert_store_ok(dst, release_store_copy(src, dst, NULL, NULL));
	assert_same_app(src, dst, APP, with_log());
}

/* ----------------------------------------------------- hostile keys */

/* A source backend serving a build under a key storage.h does not allow
 * (a path, a newline, bytes that are no UTF-8) fails the copy as corrupt
 * before the key reaches the destination's backend. */
static void keys_storage_forbids_served_by_the_source_never_reach_the_destination(void **state)
{
	static const char *const bad[] = {"a/../b", "new\nline", "\xff\xfe", "sp ace"};
	struct two *t = *state;
	release_store *src = open_handle(t->src, START, SEC, 0);
	release_store *dst = open_handle(t->dst, START + 1000 * SEC, SEC, 0);

	source_app(src);
	memset(&hk, 0, sizeof hk);
	replace_methods(t->dst, 0); /* the keys it is given counted */
	t->src->h[0]->vt.scan = hostile_scan;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int rc;

		hk.bad_key = bad[i];
		rc = release_store_copy(src, dst, NULL, NULL);
		assert_int_equal(hk.bad_keys, 0);
		assert_int_equal(rc, RELEASE_ECORRUPT);
		assert_false(app_exists(dst, APP));
	}
	hk.bad_key = NULL;
	assert_store_ok(dst, release_store_copy(src, dst, NULL, NULL));
	assert_same_app(src, dst, APP, with_log());
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, two_setup, two_teardown)
	const struct CMUnitTest tests[] = {
		T(an_app_made_in_the_destination_during_a_copy_is_left_alone),
		T(a_copy_cut_short_leaves_nothing_a_new_app_of_its_name_adopts),
		T(a_copy_cut_short_is_finished_by_running_it_again),
		T(an_app_made_again_in_the_source_during_its_copy_is_copied_anew),
		T(a_deletion_left_unfinished_in_the_destination_does_not_block_a_copy),
		T(keys_storage_forbids_served_by_the_source_never_reach_the_destination),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
