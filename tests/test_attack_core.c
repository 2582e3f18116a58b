/*
 * The core against the edges of its storage: a backend that breaks the
 * vtable's promises in the ways a buggy one does (a commit that conflicts
 * without saying where, or reports success without applying, a hold whose
 * info cannot be read), a lease taken over under a deployer, and the last
 * release versions.
 *
 * Every store here sits behind the wrapper of attack.h.
 */
#include "attack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------- commits that break promises */

/* A commit's conflict names the operation that failed; one that does not
 * cannot be retried into success, and a write must not spin on it. */
static void a_conflict_the_storage_does_not_place_fails_a_write_at_once(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release *r = NULL;
	const char *pair = "A=1";
	int rc;

	need_commit(f);
	make_app(s, APP);
	f->h[0]->match_op = RELEASE_OP_PUT;
	f->h[0]->answer = CONFLICT_NOWHERE;
	rc = release_env_set(s, APP, &pair, 1, &r);
	assert_int_equal(rc, RELEASE_EIO);
	assert_null(r);
	assert_int_equal(f->h[0]->answered, 1);
	assert_non_null(strstr(release_store_errmsg(s), "conflict"));
	f->h[0]->answer = PASS;
	assert_int_equal(count_releases(s, APP), 0);
}

/* A deletion whose removals the storage acknowledges but never applies
 * ends (the app is gone, as its tombstone says) instead of listing the
 * same records for ever. */
static void a_deletion_over_commits_that_apply_nothing_ends(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release_app *a = NULL;

	need_commit(f);
	make_app(s, APP);
	release_free(make_build_release(s, APP, "one"));
	release_free(make_build_release(s, APP, "two"));
	f->h[0]->match_op = RELEASE_OP_DEL;
	f->h[0]->answer = OK_UNAPPLIED;
	assert_store_ok(s, release_app_delete(s, APP));
	assert_true(f->h[0]->answered >= 1 && f->h[0]->answered < 10);
	assert_int_equal(release_app_get(s, APP, &a), RELEASE_ENOTFOUND);
}

/* ----------------------------------------------------------------- holds */

/* A holder whose info the backend shows as bytes that are no lease still
 * holds the app: it is busy to others, and read as updating. */
static void a_holder_whose_info_cannot_be_read_still_keeps_the_app_busy(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release_store *other = open_handle(f, START, SEC, 0);
	static const char junk[] = "\x07not a lease at all";
	struct inner_try t = {other, NULL, 0, "", 0, "", 0};
	release *r;

	need_hold(f);
	make_app(s, APP);
	r = make_build_release(s, APP, "one");
	t.id = release_id(r);
	f->h[1]->held_info = junk;
	f->h[1]->held_len = sizeof junk - 1;
	promote_while_other_tries(s, &t);
	assert_int_equal(t.rc, RELEASE_EBUSY);
	assert_int_equal(t.status, RELEASE_APP_UPDATING);
	assert_true(t.owner[0] != '\0');
	release_free(r);
}

/* ----------------------------------------------------------------- leases */

/* Deployer: another handle forces a promotion over this one's lease
 * record, then this deployer asks to keep the lease. */
static int deploy_then_keepalive(void *payload, const release *r, release_events *ev)
{
	struct inner_try *t = payload;
	release_promote_opts o;

	(void)r;
	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_FORCE;
	assert_store_ok(t->other, release_promote(t->other, APP, t->id, &o));
	t->keep_rc = release_events_keepalive(ev);
	return 0;
}

static void keepalive_after_a_forced_takeover_is_ebusy(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, NO_HOLDS);
	release_store *other = open_handle(f, START, SEC, NO_HOLDS);
	struct inner_try t = {other, NULL, 0, "", 0, "", 0};
	release_promote_opts o;
	release *r1, *r2;

	make_app(s, APP);
	r1 = make_build_release(s, APP, "one");
	r2 = make_build_release(s, APP, "two");
	t.id = release_id(r2);
	release_promote_opts_init(&o);
	o.deploy = deploy_then_keepalive;
	o.deploy_payload = &t;
	assert_int_equal(release_promote(s, APP, release_id(r1), &o), RELEASE_ECONFLICT);
	assert_int_equal(t.keep_rc, RELEASE_EBUSY);
	assert_string_equal(active_of(s, APP), release_id(r2));
	assert_int_equal(app_status(s, APP), RELEASE_APP_RUNNING);
	release_free(r1);
	release_free(r2);
}

/* ------------------------------------------------------ the last versions */

/* Stores, as a backend holds it, a release of app APP at version with id
 * (the record format of lib/codec.c: a header, then tag, length, value).
 * A backend that keeps its seqs far from the end (the file store) refuses
 * it: the test is skipped. */
static void put_release_record(struct atk *f, uint64_t version, const char *id, int64_t created)
{
	unsigned char rec[128];
	size_t n = 4;
	int rc;

	memcpy(rec, "LR\x01\x05", 4); /* format 1, a release */
#define FIELD(tag, p, len)                                            \
	do {                                                          \
		rec[n++] = (tag);                                     \
		for (int i_ = 0; i_ < 4; i_++)                        \
			rec[n++] = (unsigned char)((len) >> (8 * i_)); \
		memcpy(rec + n, (p), (len));                          \
		n += (len);                                           \
	} while (0)
	{
		unsigned char v[8], c[8];

		for (int i = 0; i < 8; i++) {
			v[i] = (unsigned char)(version >> (8 * i));
			c[i] = (unsigned char)((uint64_t)created >> (8 * i));
		}
		FIELD(1, id, strlen(id));
		FIELD(2, APP, strlen(APP));
		FIELD(3, v, 8);
		FIELD(7, c, 8);
	}
#undef FIELD
	rc = f->b->inner->put(f->h[0]->ctx, APP, RELEASE_KIND_RELEASE, id, version, rec, n);
	if (rc == RELEASE_EINVAL) {
		print_message("skipped: the backend refuses seq %llu\n", (unsigned long long)version);
		skip();
	}
	assert_ok(rc);
}

/* The version after UINT64_MAX - 2 is written; after it there is none, and
 * a write that would need one is refused with nothing written. */
static void the_last_version_is_written_and_then_no_more(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	const char *one = "A=1", *two = "A=2";
	release *r = NULL;

	make_app(s, APP);
	put_release_record(f, UINT64_MAX - 2, "RLASTBUTTWO", START);
	assert_store_ok(s, release_env_set(s, APP, &one, 1, &r));
	assert_true(release_version(r) == UINT64_MAX - 1);
	promote(s, APP, release_id(r));
	release_free(r);
	r = NULL;
	assert_int_equal(release_env_set(s, APP, &two, 1, &r), RELEASE_ECORRUPT);
	assert_null(r);
	assert_non_null(strstr(release_store_errmsg(s), "no version is left"));
	assert_int_equal(count_releases(s, APP), 2);
	assert_store_ok(s, release_get_version(s, APP, UINT64_MAX - 1, &r));
	assert_int_equal(release_is_active(r), 1);
	release_free(r);
}

/* A rollback that cannot write its copy, for want of a version, gives the
 * app back: it is running, and the next promotion takes it. */
static void a_rollback_without_a_version_left_gives_the_app_back(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	const char *one = "A=1";
	release *r = NULL, *copy = NULL;

	make_app(s, APP);
	put_release_record(f, UINT64_MAX - 2, "RLASTBUTTWO", START);
	promote(s, APP, "RLASTBUTTWO");
	assert_store_ok(s, release_env_set(s, APP, &one, 1, &r));
	promote(s, APP, release_id(r));
	assert_int_equal(release_rollback(s, APP, NULL, NULL, &copy), RELEASE_ECORRUPT);
	assert_null(copy);
	assert_int_equal(app_status(s, APP), RELEASE_APP_RUNNING);
	assert_store_ok(s, release_promote(s, APP, release_id(r), NULL));
	assert_int_equal(count_releases(s, APP), 2);
	release_free(r);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(a_conflict_the_storage_does_not_place_fails_a_write_at_once),
		T(a_deletion_over_commits_that_apply_nothing_ends),
		T(a_holder_whose_info_cannot_be_read_still_keeps_the_app_busy),
		T(keepalive_after_a_forced_takeover_is_ebusy),
		T(the_last_version_is_written_and_then_no_more),
		T(a_rollback_without_a_version_left_gives_the_app_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
