/*
 * The core's commits against writers that race them (deletions and
 * re-creations, prunes, forced promotions, lost acknowledgements), and
 * against holds and leases at the edges: each test here was an attack that
 * once succeeded.
 *
 * Every store here sits behind the wrapper of attack.h.
 */
#include "attack.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* n releases, each of a build of its own, each promoted in turn. */
static void history(release_store *s, size_t n, char (*ids)[32], char (*builds)[32])
{
	for (size_t i = 0; i < n; i++) {
		release_build_opts o;
		release_build *b = NULL;
		release *r = NULL;

		release_build_opts_init(&o);
		o.status = RELEASE_BUILD_COMPLETE;
		assert_store_ok(s, release_build_create(s, APP, &o, &b));
		assert_store_ok(s, release_create(s, APP, release_build_id(b), &r));
		assert_store_ok(s, release_promote(s, APP, release_id(r), NULL));
		snprintf(ids[i], sizeof ids[i], "%s", release_id(r));
		snprintf(builds[i], sizeof builds[i], "%s", release_build_id(b));
		release_free(r);
		release_build_free(b);
	}
}

struct race {
	struct atk *f;
	char ids[5][32];
	char builds[5][32];
	release *made;
	size_t removed;
};

/* Hook: another handle makes a release of the oldest build. */
static void release_oldest_build(void *arg)
{
	struct race *x = arg;

	assert_store_ok(x->f->s[1],
			release_create(x->f->s[1], APP, x->builds[0], &x->made));
}

/* The walk has decided build 1 goes with release 1; before prune reads the
 * build's record to delete it, a new release of build 1 commits (and
 * rewrites the build's record). The prune must not delete it. */
static void prune_keeps_a_build_a_release_took_up_after_its_walk(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	struct race x = {f, {{0}}, {{0}}, NULL, 0};
	release_build *b = NULL;
	size_t removed = 0;

	open_handle(f, START, SEC, 0);
	need_commit(f);
	make_app(s, APP);
	history(s, 3, x.ids, x.builds);
	f->h[0]->hook_on = GET_OF;
	f->h[0]->hook_kind = RELEASE_KIND_BUILD;
	f->h[0]->hook = release_oldest_build;
	f->h[0]->hook_arg = &x;
	assert_store_ok(s, release_prune(s, APP, 0, &removed));
	assert_non_null(x.made);
	if (release_build_get(s, APP, x.builds[0], &b) != 0)
		fail_msg("prune deleted build %s, which release %s (version %llu) uses",
			 x.builds[0], release_id(x.made),
			 (unsigned long long)release_version(x.made));
	release_build_free(b);
	release_free(x.made);
}

/* Hook: another handle prunes, keeping two releases this prune deletes. */
static void prune_less(void *arg)
{
	struct race *x = arg;

	assert_store_ok(x->f->s[1], release_prune(x->f->s[1], APP, 2, &x->removed));
}

/* Prune's commit fails without reaching the store, after a concurrent
 * prune deleted its oldest release: the absence of that one record is no
 * evidence the commit was applied. */
static void a_prune_whose_commit_was_lost_does_not_report_records_it_left(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	struct race x = {f, {{0}}, {{0}}, NULL, 0};
	size_t removed = 0;
	int rc;

	open_handle(f, START, SEC, 0);
	need_commit(f);
	make_app(s, APP);
	history(s, 5, x.ids, x.builds);
	f->h[0]->hook_on = COMMIT_OF;
	f->h[0]->match_op = RELEASE_OP_CAS;
	f->h[0]->hook = prune_less;
	f->h[0]->hook_arg = &x;
	f->h[0]->answer = EIO_UNAPPLIED;
	f->h[0]->answers = 1;
	rc = release_prune(s, APP, 0, &removed);
	assert_int_equal(x.removed, 1);
	print_message("prune: %s, removed %zu\n", rc ? release_strerror(rc) : "0", removed);
	if (rc == 0 && count_releases(s, APP) != 2)
		fail_msg("prune returned 0 (removed %zu) yet %zu releases are left, not 2",
			 removed, count_releases(s, APP));
}

/* A hold whose handle the backend gives as NULL is a hold all the same:
 * the promotion that took it gives it back. */
static void a_hold_with_a_null_handle_is_given_back(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release *r;

	need_hold(f);
	f->h[0]->null_hold = 1;
	make_app(s, APP);
	r = make_build_release(s, APP, "one");
	promote(s, APP, release_id(r));
	if (app_status(s, APP) != RELEASE_APP_RUNNING)
		fail_msg("the promotion returned and the app is still held");
	assert_store_ok(s, release_promote(s, APP, release_id(r), NULL));
	release_free(r);
}

/* Under a clock that does not move between two promotions of the same
 * release (one of whole seconds, say), the second's pointer has the bytes
 * the first left: finding them after a lost commit proves nothing, and the
 * lease record the commit would have removed must not stay behind. */
static void a_lost_commit_whose_pointer_was_already_in_place_leaves_no_lease(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, 0, NO_HOLDS);
	release *r;
	int rc;

	need_commit(f);
	make_app(s, APP);
	r = make_build_release(s, APP, "one");
	promote(s, APP, release_id(r));
	f->h[0]->match_op = RELEASE_OP_CAS;
	f->h[0]->answer = EIO_UNAPPLIED;
	f->h[0]->answers = 1;
	rc = release_promote(s, APP, release_id(r), NULL);
	print_message("the second promotion: %s\n", rc ? release_strerror(rc) : "0");
	assert_int_equal(f->h[0]->answered, 1);
	if (app_status(s, APP) != RELEASE_APP_RUNNING)
		fail_msg("promotion returned %d; the app is left updating by its lease", rc);
	release_free(r);
}

/* The commits of a deletion's clean-up conflict without naming an
 * operation (a backend's bug): creating the name again must not say the
 * app exists while reading it says it does not. */
static void creating_over_a_deletion_the_storage_conflicts_on_is_not_eexist(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release_app *a = NULL;
	int rc;

	need_commit(f);
	make_app(s, APP);
	release_free(make_build_release(s, APP, "one"));
	f->h[0]->match_op = RELEASE_OP_DEL;
	f->h[0]->answer = CONFLICT_NOWHERE;
	assert_store_ok(s, release_app_delete(s, APP));
	assert_int_equal(release_app_get(s, APP, &a), RELEASE_ENOTFOUND);
	rc = release_app_create(s, APP, NULL);
	print_message("create: %s: %s\n", release_strerror(rc), release_store_errmsg(s));
	assert_int_not_equal(rc, RELEASE_EEXIST);
}

/* The number after `after` in msg, or LLONG_MIN when there is none. */
static long long number_after(const char *msg, const char *after)
{
	const char *p = strstr(msg, after);

	return p ? strtoll(p + strlen(after), NULL, 10) : (-9223372036854775807LL - 1);
}

/* A holder on a host whose clock runs ahead: its hold is not minus
 * seconds old. */
static void a_busy_message_never_gives_a_hold_a_negative_age(void **state)
{
	struct atk *f = *state;
	release_store *ahead = open_handle(f, START + 60 * SEC, 0, 0);
	release_store *other = open_handle(f, START, 0, 0);
	struct inner_try t = {other, NULL, 0, "", 0, "", 0};
	release *r;

	need_hold(f);
	make_app(ahead, APP);
	r = make_build_release(ahead, APP, "one");
	t.id = release_id(r);
	promote_while_other_tries(ahead, &t);
	assert_int_equal(t.rc, RELEASE_EBUSY);
	print_message("%s\n", t.msg);
	if (strstr(t.msg, "for -"))
		fail_msg("message: %s", t.msg);
	release_free(r);
}

/* A hold taken at the start of the clock and seen at its end is some 584
 * years old, not 0 s (nor an overflow). */
static void a_busy_message_gives_a_holds_age_at_the_ends_of_the_clock(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release_store *early = open_handle(f, INT64_MIN + 1, 0, 0);
	release_store *late = open_handle(f, INT64_MAX - 1, 0, 0);
	struct inner_try t = {late, NULL, 0, "", 0, "", 0};
	release *r;

	need_hold(f);
	make_app(s, APP);
	r = make_build_release(s, APP, "one");
	t.id = release_id(r);
	promote_while_other_tries(early, &t);
	assert_int_equal(t.rc, RELEASE_EBUSY);
	print_message("%s\n", t.msg);
	if (number_after(t.msg, ", for ") < 18446744000LL)
		fail_msg("message: %s", t.msg);
	release_free(r);
}

/* A lease record taken near the end of the clock and seen from its start
 * expires some 584 years later, not in 0 s (nor after an overflow). */
static void a_busy_message_gives_a_leases_expiry_at_the_ends_of_the_clock(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, NO_HOLDS);
	release_store *late = open_handle(f, INT64_MAX - 60 * SEC, 0, NO_HOLDS);
	release_store *early = open_handle(f, INT64_MIN + 1, 0, NO_HOLDS);
	struct inner_try t = {early, NULL, 0, "", 0, "", 0};
	release *r;

	make_app(s, APP);
	r = make_build_release(s, APP, "one");
	t.id = release_id(r);
	promote_while_other_tries(late, &t);
	assert_int_equal(t.rc, RELEASE_EBUSY);
	print_message("%s\n", t.msg);
	if (number_after(t.msg, "expires in ") < 18446744000LL)
		fail_msg("message: %s", t.msg);
	release_free(r);
}

struct takeover {
	release_store *other;
	const char *id;
	int rc;
};

/* Deployer: this promotion's lease expires; another promoter takes it over
 * (a promotion refused as older, whose lease then cannot be given back:
 * as one still deploying, or killed, leaves it). */
static int deploy_past_the_lease(void *payload, const release *r, release_events *ev)
{
	struct takeover *t = payload;

	(void)r;
	(void)ev;
	t->rc = release_promote(t->other, APP, t->id, NULL);
	return 0;
}

/* A promotion whose lease expired and was taken over by another promoter,
 * whose lease is live, must not move the pointer under it. */
static void a_promoter_that_lost_its_lease_does_not_move_the_pointer(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, NO_HOLDS);
	release_store *later = open_handle(f, START + 11 * 60 * SEC, SEC, NO_HOLDS);
	struct takeover t = {later, NULL, 0};
	release_promote_opts o;
	release *r0, *r1, *r2;
	release_app *a = NULL;
	int rc;

	need_commit(f);
	make_app(s, APP);
	r0 = make_build_release(s, APP, "zero");
	r1 = make_build_release(s, APP, "one");
	r2 = make_build_release(s, APP, "two");
	promote(s, APP, release_id(r1));
	f->h[1]->keep_lease = 1;
	t.id = release_id(r0);
	release_promote_opts_init(&o);
	o.deploy = deploy_past_the_lease;
	o.deploy_payload = &t;
	rc = release_promote(s, APP, release_id(r2), &o);
	assert_int_equal(t.rc, RELEASE_EOLDER);
	assert_store_ok(later, release_app_get(later, APP, &a));
	print_message("promotion: %s; the app is %s by %s; active %s\n",
		      rc ? release_strerror(rc) : "0", release_app_status_name(release_app_status(a)),
		      release_app_lease_owner(a) ? release_app_lease_owner(a) : "nobody",
		      release_app_active(a));
	assert_int_equal(release_app_status(a), RELEASE_APP_UPDATING);
	if (rc == 0 || strcmp(release_app_active(a), release_id(r1)) != 0)
		fail_msg("promotion of %s returned %d and %s is active, while another "
			 "promoter's lease is live",
			 release_id(r2), rc, release_app_active(a));
	release_app_free(a);
	release_free(r0);
	release_free(r1);
	release_free(r2);
}

/* Removals the storage never finds (its listing and its records disagree,
 * as a damaged index makes them): the deletion ends all the same, instead
 * of listing and removing the same records for ever. */
static void a_deletion_whose_removals_are_never_found_ends(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release_app *a = NULL;

	need_commit(f);
	make_app(s, APP);
	release_free(make_build_release(s, APP, "one"));
	f->h[0]->match_op = RELEASE_OP_DEL;
	f->h[0]->answer = NOTFOUND;
	f->h[0]->answers = 100000; /* then the storage heals, so a loop ends */
	assert_store_ok(s, release_app_delete(s, APP));
	print_message("the storage was asked %u times\n", f->h[0]->answered);
	assert_true(f->h[0]->answered < f->h[0]->answers);
	assert_int_equal(release_app_get(s, APP, &a), RELEASE_ENOTFOUND);
}

struct again {
	struct atk *f;
};

/* Hook: another handle deletes the app and creates it again. */
static void delete_and_create(void *arg)
{
	struct again *g = arg;
	release_store *o = g->f->s[1];

	assert_store_ok(o, release_app_delete(o, APP));
	assert_store_ok(o, release_app_create(o, APP, NULL));
}

/* A rollback has read its target (a release made by env changes alone, so
 * without a build); before it writes the copy, the app is deleted and
 * created again. The copy of the old app's release must not land in the
 * new app, let alone become its active release. */
static void a_rollback_copy_never_lands_in_an_app_created_again(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	struct again g = {f};
	release *r1, *copy = NULL;
	int rc;

	open_handle(f, START, SEC, 0);
	need_commit(f);
	make_app(s, APP);
	r1 = set_env(s, APP, "A=1");
	promote(s, APP, release_id(r1));
	release_free(set_env(s, APP, "A=2"));
	/* the first read of the app record is the call's own check; the
	 * second is the copy's */
	f->h[0]->hook_on = GET_OF;
	f->h[0]->hook_kind = RELEASE_KIND_META;
	f->h[0]->hook_key = "app";
	f->h[0]->hook_skip = 1;
	f->h[0]->hook = delete_and_create;
	f->h[0]->hook_arg = &g;
	rc = release_rollback(s, APP, release_id(r1), NULL, &copy);
	assert_null(f->h[0]->hook);
	print_message("rollback: %s: %s\n", rc ? release_strerror(rc) : "0", release_store_errmsg(s));
	if (count_releases(f->s[1], APP) != 0)
		fail_msg("the new app has %zu releases, its active one '%s': a copy of the "
			 "deleted app's %s (rollback returned %d)",
			 count_releases(f->s[1], APP), active_of(f->s[1], APP), release_id(r1), rc);
	assert_int_not_equal(rc, 0);
	release_free(copy);
	release_free(r1);
}

/* Hook: another handle finishes the deletion under way. */
static void finish_deletion(void *arg)
{
	struct again *g = arg;
	release_store *o = g->f->s[1];

	assert_store_ok(o, release_app_delete(o, APP));
}

/* A creation finishes an interrupted deletion while another handle
 * finishes it too: the name is free once they are done, so the creation
 * succeeds (it is not told the app exists, when nobody created it). */
static void a_creation_racing_another_finisher_of_a_deletion_creates_the_app(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	struct again g = {f};
	release_app *a = NULL;
	int rc;

	open_handle(f, START, SEC, 0);
	need_commit(f);
	make_app(s, APP);
	release_free(make_build_release(s, APP, "one"));
	/* the deletion is interrupted after its commit point */
	f->h[0]->match_op = RELEASE_OP_DEL;
	f->h[0]->answer = EIO_UNAPPLIED;
	f->h[0]->answers = 1;
	assert_store_ok(s, release_app_delete(s, APP));
	assert_int_equal(f->h[0]->answered, 1);
	assert_int_equal(release_app_get(s, APP, &a), RELEASE_ENOTFOUND);
	/* the creation finds it under way; before its first removal another
	 * handle finishes it */
	f->h[0]->hook_on = COMMIT_OF;
	f->h[0]->hook = finish_deletion;
	f->h[0]->hook_arg = &g;
	rc = release_app_create(s, APP, NULL);
	assert_null(f->h[0]->hook);
	print_message("create: %s: %s\n", rc ? release_strerror(rc) : "0", release_store_errmsg(s));
	assert_store_ok(s, rc);
	assert_store_ok(s, release_app_get(s, APP, &a));
	release_app_free(a);
}

/* A holder's info longer than RELEASE_HOLD_INFO_MAX is unreadable, as
 * info that is no lease is: the app stays readable, held by an unreadable
 * owner, rather than reported corrupt. */
static void a_holder_whose_info_is_too_long_still_leaves_the_app_readable(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release_store *other = open_handle(f, START, SEC, 0);
	static unsigned char big[RELEASE_HOLD_INFO_MAX + 1];
	struct inner_try t = {other, NULL, 0, "", 0, "", 0};
	release_promote_opts o;
	release *r;
	int rc;

	need_hold(f);
	make_app(s, APP);
	r = make_build_release(s, APP, "one");
	t.id = release_id(r);
	memset(big, 'x', sizeof big);
	f->h[1]->held_info = big;
	f->h[1]->held_len = sizeof big;
	release_promote_opts_init(&o);
	o.deploy = deploy_while_other_tries;
	o.deploy_payload = &t;
	t.rc = -1;
	/* the deployer asserts that the other handle reads the app */
	rc = release_promote(s, APP, t.id, &o);
	assert_store_ok(s, rc);
	assert_int_equal(t.rc, RELEASE_EBUSY);
	assert_int_equal(t.status, RELEASE_APP_UPDATING);
	release_free(r);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(prune_keeps_a_build_a_release_took_up_after_its_walk),
		T(a_prune_whose_commit_was_lost_does_not_report_records_it_left),
		T(a_hold_with_a_null_handle_is_given_back),
		T(a_lost_commit_whose_pointer_was_already_in_place_leaves_no_lease),
		T(creating_over_a_deletion_the_storage_conflicts_on_is_not_eexist),
		T(a_busy_message_never_gives_a_hold_a_negative_age),
		T(a_busy_message_gives_a_holds_age_at_the_ends_of_the_clock),
		T(a_busy_message_gives_a_leases_expiry_at_the_ends_of_the_clock),
		T(a_promoter_that_lost_its_lease_does_not_move_the_pointer),
		T(a_deletion_whose_removals_are_never_found_ends),
		T(a_rollback_copy_never_lands_in_an_app_created_again),
		T(a_creation_racing_another_finisher_of_a_deletion_creates_the_app),
		T(a_holder_whose_info_is_too_long_still_leaves_the_app_readable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
