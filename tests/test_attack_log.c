/*
 * The deployment log, watches and the store's options against a backend
 * that answers what storage.h allows but a sound one never says (a read
 * that conflicts, a gap in the log's seqs, records that cannot be read),
 * a wait() that breaks its contract, and options of a size no struct has.
 *
 * Every store here sits behind the wrapper of attack.h; the methods of a
 * handle are replaced where a test needs more than its hooks.
 */
#include "attack.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The log is kept by a backend of storage version 3; a version-1 one has
 * none, nor wait(). */
#define NEEDS_LOG()                                                                    \
	do {                                                                           \
		if (test_store_is_v1()) {                                              \
			print_message("skipped: a version-1 backend keeps no log\n");  \
			skip();                                                        \
		}                                                                      \
	} while (0)

/* The wrapper's own methods (every handle has the same), which ours call on. */
static release_storage base;

/* Keeps the methods of handle i of f, before some are replaced. */
static void keep_methods(struct atk *f, size_t i)
{
	base = f->h[i]->vt;
}

/* ----------------------------------------------- a read that conflicts */

static int deploy_scans_conflict;
static unsigned deploy_scans;

static int conflicting_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
			    release_record_fn fn, void *payload)
{
	if (kind == RELEASE_KIND_DEPLOY && deploy_scans_conflict) {
		deploy_scans++;
		return RELEASE_ECONFLICT;
	}
	return base.scan(ctx, app, kind, before, limit, fn, payload);
}

/* A promotion on a handle opened with flags whose read of the log answers
 * RELEASE_ECONFLICT each time: that names no operation of the commit, so
 * the promotion fails as one whose records kept changing, moves nothing,
 * and gives the app back; then it goes through. */
static void promote_over_conflicting_log_reads(struct atk *f, int flags)
{
	release_store *s = open_handle(f, START, SEC, flags);
	release *r;
	int rc;

	make_app(s, APP);
	r = make_build_release(s, APP, "one");
	keep_methods(f, 0);
	f->h[0]->vt.scan = conflicting_scan;
	deploy_scans_conflict = 1;
	deploy_scans = 0;
	rc = release_promote(s, APP, release_id(r), NULL);
	deploy_scans_conflict = 0;
	assert_int_equal(rc, RELEASE_ECONFLICT);
	assert_non_null(strstr(release_store_errmsg(s), "kept changing"));
	assert_true(deploy_scans > 0);
	assert_text_equal(active_of(s, APP), "");
	assert_int_equal(app_status(s, APP), RELEASE_APP_RUNNING);

	promote(s, APP, release_id(r));
	assert_text_equal(active_of(s, APP), release_id(r));
	release_free(r);
}

/* With lease records (the backend's holds hidden), the lease's release is
 * one of the commit's operations: the read's conflict is not taken for a
 * conflict of it (a lease taken over), nor of any other. */
static void a_log_read_that_conflicts_during_a_leased_promotion_moves_nothing(void **state)
{
	NEEDS_LOG();
	promote_over_conflicting_log_reads(*state, NO_HOLDS);
}

/* With the backend's holds, no lease record is in the commit: the read's
 * conflict is no takeover of the app either. */
static void a_log_read_that_conflicts_during_a_held_promotion_moves_nothing(void **state)
{
	NEEDS_LOG();
	need_hold(*state);
	promote_over_conflicting_log_reads(*state, 0);
}

/* ------------------------------------------------------------- options */

/* A release_store_opts.size between librelease 1.0's struct and ours that
 * ends inside the actor pointer is no struct's size: refused, and half a
 * pointer is never taken for one. */
static void a_store_opts_size_ending_inside_the_actor_is_refused(void **state)
{
	static const char actor[] = "alice";
	size_t at = offsetof(release_store_opts, actor);

	(void)state;
	for (size_t size = at + 1; size < at + sizeof(const char *); size++) {
		release_store_opts o;
		release_store *s = NULL;

		release_store_opts_init(&o);
		o.actor = actor;
		o.size = size;
		assert_int_equal(test_store_open(&s, test_store_uri(), &o), RELEASE_EINVAL);
		assert_null(s);
		assert_non_null(strstr(release_store_errmsg(NULL), "size"));
	}
}

/* --------------------------------------------------- a gap in the log */

#define FAR (UINT64_C(1) << 40)
#define GAP_RECS 4

/* The log as the backend serves it: entry 2 moved to seq FAR. */
static struct {
	int on;
	struct gap_rec {
		uint64_t seq;
		char key[24];
		unsigned char *data;
		size_t len;
	} v[GAP_RECS]; /* newest first */
	size_t n;
	unsigned reads; /* of the log, through scan() and get_seq() */
} gap;

/* Sets the 8-byte field tag of an encoded record (a 4-byte header, then
 * fields of a tag byte, a little-endian 32-bit length and the value) to v. */
static void patch_u64(unsigned char *p, size_t len, int tag, uint64_t v)
{
	for (size_t at = 4; at + 5 <= len;) {
		size_t flen = (size_t)p[at + 1] | (size_t)p[at + 2] << 8 | (size_t)p[at + 3] << 16 |
			      (size_t)p[at + 4] << 24;

		if (p[at] == tag && flen == 8)
			for (int i = 0; i < 8; i++)
				p[at + 5 + i] = (unsigned char)(v >> (8 * i));
		at += 5 + flen;
	}
}

static int gap_take(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct gap_rec *r;

	(void)payload;
	(void)key;
	assert_true(gap.n < GAP_RECS);
	r = &gap.v[gap.n++];
	assert_non_null(r->data = malloc(len ? len : 1));
	memcpy(r->data, data, len);
	r->len = len;
	r->seq = seq == 2 ? FAR : seq;
	if (seq == 2)
		patch_u64(r->data, len, 3 /* the entry's seq */, FAR);
	snprintf(r->key, sizeof r->key, "%" PRIu64, r->seq);
	return 0;
}

static int gap_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		    release_record_fn fn, void *payload)
{
	size_t served = 0;

	if (kind != RELEASE_KIND_DEPLOY || !gap.on)
		return base.scan(ctx, app, kind, before, limit, fn, payload);
	gap.reads++;
	for (size_t i = 0; i < gap.n && served < limit; i++) {
		int rc;

		if (gap.v[i].seq >= before)
			continue;
		served++;
		if ((rc = fn(payload, gap.v[i].seq, gap.v[i].key, gap.v[i].data, gap.v[i].len)) != 0)
			return rc;
	}
	return 0;
}

static int gap_get_seq(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
		       void *payload)
{
	if (kind != RELEASE_KIND_DEPLOY || !gap.on)
		return base.get_seq(ctx, app, kind, seq, fn, payload);
	gap.reads++;
	for (size_t i = 0; i < gap.n; i++)
		if (gap.v[i].seq == seq)
			return fn(payload, seq, gap.v[i].key, gap.v[i].data, gap.v[i].len);
	return RELEASE_ENOTFOUND;
}

static int gap_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		   void *payload)
{
	if (kind != RELEASE_KIND_DEPLOY || !gap.on)
		return base.get(ctx, app, kind, key, fn, payload);
	gap.reads++;
	for (size_t i = 0; i < gap.n; i++)
		if (strcmp(gap.v[i].key, key) == 0)
			return fn(payload, gap.v[i].seq, key, gap.v[i].data, gap.v[i].len);
	return RELEASE_ENOTFOUND;
}

/* A log of two promotions whose second entry the backend serves at seq
 * 2^40 (damage, or a hostile backend): paged below it, the first entry
 * was live until the second's end, as a listing from the top says, and
 * the gap is crossed in a few reads, not one per missing seq. */
static void a_paged_listing_finds_the_next_success_across_a_gap_in_seqs(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release_list_opts lo;
	release_deploy_iter *it = NULL;
	const release_deploy *d = NULL;
	release *r1, *r2;
	int64_t far_ended, top_until;

	NEEDS_LOG();
	make_app(s, APP);
	r1 = make_build_release(s, APP, "one");
	r2 = make_build_release(s, APP, "two");
	promote(s, APP, release_id(r1));
	promote(s, APP, release_id(r2));
	keep_methods(f, 0);
	memset(&gap, 0, sizeof gap);
	assert_int_equal(base.scan(f->h[0], APP, RELEASE_KIND_DEPLOY, UINT64_MAX, GAP_RECS, gap_take,
				   NULL),
			 0);
	assert_int_equal(gap.n, 2);
	f->h[0]->vt.scan = gap_scan;
	f->h[0]->vt.get = gap_get;
	if (base.get_seq)
		f->h[0]->vt.get_seq = gap_get_seq;
	gap.on = 1;

	/* from the top: entry FAR, then entry 1 */
	assert_store_ok(s, release_deploy_list(s, APP, NULL, &it));
	assert_store_ok(s, release_deploy_iter_next(it, &d));
	assert_int_equal(release_deploy_seq(d), FAR);
	far_ended = release_deploy_ended(d);
	assert_store_ok(s, release_deploy_iter_next(it, &d));
	assert_int_equal(release_deploy_seq(d), 1);
	top_until = release_deploy_until(d);
	assert_int_equal(top_until, far_ended);
	release_deploy_iter_free(it);

	/* the page below FAR */
	release_list_opts_init(&lo);
	lo.limit = 1;
	lo.before = FAR;
	gap.reads = 0;
	assert_store_ok(s, release_deploy_list(s, APP, &lo, &it));
	assert_store_ok(s, release_deploy_iter_next(it, &d));
	assert_int_equal(release_deploy_seq(d), 1);
	assert_int_equal(release_deploy_until(d), far_ended);
	assert_true(gap.reads < 100);
	assert_int_equal(release_deploy_iter_next(it, &d), RELEASE_ITEROVER);
	release_deploy_iter_free(it);

	gap.on = 0;
	for (size_t i = 0; i < gap.n; i++)
		free(gap.v[i].data);
	release_free(r1);
	release_free(r2);
}

/* ---------------------------------------------- a wait() that breaks faith */

static int wait_mode;

enum { CHANGE_UNCHECKED = 1, CHECKED_THEN_NONE };

static int hostile_wait(void *ctx, const char *app, int64_t timeout_ns, int (*check)(void *),
			void *payload)
{
	(void)ctx;
	(void)app;
	(void)timeout_ns;
	if (wait_mode == CHANGE_UNCHECKED)
		return 1;
	(void)check(payload);
	return 0;
}

/* A wait() that says "changed" without having called check: nothing
 * changed, and the watch says so. */
static void a_wait_that_reports_a_change_it_never_checked_is_no_change(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release_watch *w = NULL;

	NEEDS_LOG();
	make_app(s, APP);
	release_free(make_build_release(s, APP, "one"));
	assert_store_ok(s, release_watch_open(s, APP, &w));
	keep_methods(f, 0);
	f->h[0]->vt.wait = hostile_wait;
	wait_mode = CHANGE_UNCHECKED;
	assert_int_equal(release_watch_wait(w, SEC / 100), RELEASE_ETIMEDOUT);
	assert_int_equal(release_watch_newest(w), 1);
	release_watch_free(w);
}

/* A wait() whose check saw a change but which then returns 0 (timed out):
 * the change is reported now, not lost. */
static void a_change_the_check_saw_is_reported_though_wait_says_none(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release_watch *w = NULL;

	NEEDS_LOG();
	make_app(s, APP);
	assert_store_ok(s, release_watch_open(s, APP, &w));
	release_free(make_build_release(s, APP, "one"));
	keep_methods(f, 0);
	f->h[0]->vt.wait = hostile_wait;
	wait_mode = CHECKED_THEN_NONE;
	assert_store_ok(s, release_watch_wait(w, SEC / 100));
	assert_int_equal(release_watch_newest(w), 1);
	release_watch_free(w);
}

/* ---------------------------------------------- messages about the log */

static int log_fails_at_2;  /* entry 2 cannot be read */
static int log_newest_fails; /* no read of the log goes through */

struct relay {
	release_record_fn fn;
	void *payload;
};

static int stop_at_2(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct relay *r = payload;

	if (seq == 2)
		return RELEASE_ECORRUPT;
	return r->fn(r->payload, seq, key, data, len);
}

static int failing_log_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
			    release_record_fn fn, void *payload)
{
	struct relay r = {fn, payload};

	if (kind == RELEASE_KIND_DEPLOY && log_newest_fails)
		return RELEASE_EIO;
	if (kind == RELEASE_KIND_DEPLOY && log_fails_at_2)
		return base.scan(ctx, app, kind, before, limit, stop_at_2, &r);
	return base.scan(ctx, app, kind, before, limit, fn, payload);
}

static int failing_log_get_seq(void *ctx, const char *app, int kind, uint64_t seq,
			       release_record_fn fn, void *payload)
{
	if (kind == RELEASE_KIND_DEPLOY && (log_newest_fails || (log_fails_at_2 && seq == 2)))
		return log_newest_fails ? RELEASE_EIO : RELEASE_ECORRUPT;
	return base.get_seq(ctx, app, kind, seq, fn, payload);
}

/* "app" with a log of three promotions of one release. */
static void three_entries(release_store *s)
{
	release *r;

	make_app(s, APP);
	r = make_build_release(s, APP, "one");
	for (int i = 0; i < 3; i++)
		promote(s, APP, release_id(r));
	release_free(r);
}

/* A log entry the backend cannot read is reported, in a listing, as the
 * deployment log entry it is. */
static void an_unreadable_log_entry_is_named_as_one_in_a_listing(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release_deploy_iter *it = NULL;
	const release_deploy *d = NULL;
	int rc, bad = 0;

	NEEDS_LOG();
	three_entries(s);
	keep_methods(f, 0);
	f->h[0]->vt.scan = failing_log_scan;
	if (base.get_seq)
		f->h[0]->vt.get_seq = failing_log_get_seq;
	log_fails_at_2 = 1;
	assert_store_ok(s, release_deploy_list(s, APP, NULL, &it));
	while ((rc = release_deploy_iter_next(it, &d)) != RELEASE_ITEROVER) {
		if (rc == 0)
			continue;
		bad++;
		assert_int_equal(rc, RELEASE_ECORRUPT);
		assert_non_null(strstr(release_store_errmsg(s), "deployment log entry"));
		assert_null(strstr(release_store_errmsg(s), "build"));
	}
	log_fails_at_2 = 0;
	release_deploy_iter_free(it);
	assert_int_equal(bad, 1);
}

/* A watch whose read of the log's newest entry fails says it was that
 * entry it could not read. */
static void a_failed_read_of_the_newest_log_entry_is_named_as_one(void **state)
{
	struct atk *f = *state;
	release_store *s = open_handle(f, START, SEC, 0);
	release_watch *w = NULL;

	NEEDS_LOG();
	three_entries(s);
	assert_store_ok(s, release_watch_open(s, APP, &w));
	keep_methods(f, 0);
	f->h[0]->vt.scan = failing_log_scan;
	if (base.get_seq)
		f->h[0]->vt.get_seq = failing_log_get_seq;
	log_newest_fails = 1;
	assert_int_equal(release_watch_wait(w, 0), RELEASE_EIO);
	log_newest_fails = 0;
	assert_non_null(strstr(release_store_errmsg(s), "deployment log entry"));
	assert_null(strstr(release_store_errmsg(s), "app record"));
	release_watch_free(w);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(a_log_read_that_conflicts_during_a_leased_promotion_moves_nothing),
		T(a_log_read_that_conflicts_during_a_held_promotion_moves_nothing),
		T(a_store_opts_size_ending_inside_the_actor_is_refused),
		T(a_paged_listing_finds_the_next_success_across_a_gap_in_seqs),
		T(a_wait_that_reports_a_change_it_never_checked_is_no_change),
		T(a_change_the_check_saw_is_reported_though_wait_says_none),
		T(an_unreadable_log_entry_is_named_as_one_in_a_listing),
		T(a_failed_read_of_the_newest_log_entry_is_named_as_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
