/* Focused tests of what faults leave behind: see fault_outcomes.h. */
#include "fault_outcomes.h"

#include "fault_run.h"

/* ------------------------------------------- promotion times after faults */

/* After the swap, a rollback is done: it returns 0 and its copy as the
 * active release, promoted, whichever later call fails. */
void rollback_that_took_effect_returns_its_copy_as_promoted(void **state)
{
	static const struct {
		const char *what;
		enum method m;
		unsigned long nth; /* of the calls on release records; 0: the last */
		int on;
	} cases[] = {
		/* the first cas of a release record is the copy's stamp (on a
		 * version-2 backend it is in the swap's commit); the last get
		 * re-reads the copy */
		{"writing the copy's promoted stamp", M_CAS, 1, V1},
		{"re-reading the copy to return it", M_GET, 0, V1 | V2},
	};
	char report[1024] = "";

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct run r;
		release *x = (release *)&x;
		release *y = NULL;
		unsigned long nth = cases[i].nth;
		char msg[512];
		int rc;

		if (!ON_THIS_PROTOCOL(cases[i].on))
			continue;
		if (nth == 0) { /* count them */
			run_open(&r, 1);
			history(&r);
			fault_only(r.fb, cases[i].m, RELEASE_KIND_RELEASE, NULL);
			fault_arm(r.fb, 0, 0, FAIL_BEFORE);
			assert_store_ok(r.s, release_rollback(r.s, "web", r.h.r[1], NULL, NULL));
			nth = r.fb->calls;
			run_close(&r);
		}
		run_open(&r, 1);
		history(&r);
		fault_only(r.fb, cases[i].m, RELEASE_KIND_RELEASE, NULL);
		fault_arm(r.fb, nth, RELEASE_EIO, FAIL_BEFORE);
		rc = release_rollback(r.s, "web", r.h.r[1], NULL, &x);
		snprintf(msg, sizeof msg, "%s", release_store_errmsg(r.s));
		CHECK(r.fb->fired && (r.fb->passed & PASSED_SWAP), "the fault fired after the swap");
		fault_disarm(r.fb);
		assert_store_ok(r.s, release_get_version(r.s, "web", 6, &y));
		CHECK(release_is_active(y) && release_promoted(y) > 0,
		      "the copy is active and reads as promoted");
		if (rc != 0 || !x || !release_is_active(x) || release_promoted(x) == 0 ||
		    strcmp(release_id(x), release_id(y)) != 0) {
			const char *got = "the copy";

			if (!x)
				got = "no release";
			else if (release_promoted(x) == 0)
				got = "the copy unpromoted (release_promoted 0)";
			appendf(report, sizeof report,
				"\n  %s fails: release_rollback returns %d (\"%.200s\") and %s",
				cases[i].what, rc, msg, got);
		}
		release_free(x);
		release_free(y);
		run_close(&r);
	}
	if (report[0])
		fail_msg("a rollback whose promotion took effect must return 0 and its copy as the "
			 "promoted active release; lib/promote.c release_rollback re-reads the copy "
			 "with load_release() after promote(), which neither takes the promoted time "
			 "from the active pointer nor may fail without failing the rollback:%s",
			 report);
}

/* release_promoted(): "When it last became active; 0 if never." A release
 * whose stamp was lost while it was active must not read as never promoted
 * once another release is promoted after it. */
void a_release_once_active_never_reads_as_never_promoted(void **state)
{
	struct run r;
	release *x = NULL;
	int64_t while_active, after;
	int rc;

	(void)state;
	snprintf(where, sizeof where, "promoting R5 with its stamp failing, then another release");
	run_open(&r, 1);
	history(&r);
	fault_only(r.fb, M_CAS, RELEASE_KIND_RELEASE, r.h.r[5]);
	fault_arm(r.fb, 1, RELEASE_EIO, FAIL_BEFORE);
	rc = release_promote(r.s, "web", r.h.r[5], NULL);
	fault_disarm(r.fb);
	CHECK(rc == 0, "the promotion took effect");
	assert_store_ok(r.s, release_get(r.s, "web", r.h.r[5], &x));
	while_active = release_promoted(x);
	release_free(x);
	CHECK(while_active > 0, "the active release reads as promoted");

	x = set_env(r.s, "web", "NEXT=1");
	promote(r.s, "web", release_id(x));
	release_free(x);
	CHECK(strcmp(active_of(r.s, "web"), r.h.r[5]) != 0, "R5 is no longer active");
	assert_store_ok(r.s, release_get(r.s, "web", r.h.r[5], &x));
	after = release_promoted(x);
	release_free(x);
	run_close(&r);
	if (after == 0)
		fail_msg("a release that was active (promoted at %" PRId64 " by the active pointer) "
			 "reads as never promoted (release_promoted() 0) once another release is "
			 "promoted: its own stamp was lost (lib/promote.c promote() ignores a failed "
			 "stamp_release()) and lib/release.c apply_active() only helps the active "
			 "release; nothing carries the pointer's time to the release record when the "
			 "pointer moves on",
			 while_active);
}

/* ------------------------------------------- writes of unknown outcome */

/* Runs a promotion (or, rollback, a rollback to R1) of web with the calls
 * on META record key failing from the nth on, count of them, forwarded
 * first; notes what the store then says. */
struct unknown_write {
	int rc;
	char msg[512];
	char active[ID_LEN];
	int status;              /* web's, right after */
	int64_t copy_failed;     /* a rollback copy's failed stamp */
	int copy_active;
	struct call first;       /* the first failed call */
};

static void promote_with_lost_writes(int rollback_to_r1, const char *key, unsigned long nth,
				     unsigned long count, struct unknown_write *out)
{
	struct run r;
	release_app *a = NULL;
	release *x = NULL;

	memset(out, 0, sizeof *out);
	run_open(&r, 1);
	history(&r);
	fault_only(r.fb, M_ANY, RELEASE_KIND_META, key);
	fault_arm(r.fb, nth, RELEASE_EIO, FAIL_AFTER);
	r.fb->count = count;
	if (rollback_to_r1)
		out->rc = release_rollback(r.s, "web", r.h.r[1], NULL, NULL);
	else
		out->rc = release_promote(r.s, "web", r.h.r[5], NULL);
	snprintf(out->msg, sizeof out->msg, "%s", release_store_errmsg(r.s));
	CHECK(r.fb->fired == count, "every fault armed fired");
	out->first = r.fb->failed;
	fault_disarm(r.fb);
	copy_id(out->active, active_of(r.s, "web"));
	assert_store_ok(r.s, release_app_get(r.s, "web", &a));
	out->status = release_app_status(a);
	release_app_free(a);
	if (rollback_to_r1) {
		assert_store_ok(r.s, release_get_version(r.s, "web", 6, &x));
		out->copy_failed = release_failed(x);
		out->copy_active = release_is_active(x);
		release_free(x);
	}
	run_close(&r);
}

/* A lease written but reported lost is used, and given back after: the
 * app is not left blocked until the lease expires. */
void a_lease_taken_with_a_lost_acknowledgement_does_not_block_the_app(void **state)
{
	struct unknown_write w;

	(void)state;
	/* the lease is read, then taken */
	promote_with_lost_writes(0, "lease", 2, 1, &w);
	snprintf(where, sizeof where, "promote, taking the lease: acknowledgement lost; returned "
		 "%d, \"%s\"", w.rc, w.msg);
	CHECK(takes_lease(&w.first), "the fault hit taking the lease");
	CHECK(w.rc == 0, "the promotion goes on with the lease it took");
	CHECK(w.status == RELEASE_APP_RUNNING, "the lease was given back");
}

/* When even reading the lease back fails, whether it was taken is unknown:
 * the promotion fails, and gives back the lease in case it was. */
void a_lease_of_unknown_outcome_is_given_back(void **state)
{
	struct unknown_write w;

	(void)state;
	/* the cas taking it, then the read back */
	promote_with_lost_writes(0, "lease", 2, 2, &w);
	snprintf(where, sizeof where, "promote, taking the lease and reading it back fail; "
		 "returned %d, \"%s\"", w.rc, w.msg);
	CHECK(takes_lease(&w.first), "the fault hit taking the lease");
	CHECK(w.rc == RELEASE_EIO, "the promotion fails");
	CHECK(w.msg[0] != '\0', "a failure has a message");
	CHECK(w.status == RELEASE_APP_RUNNING, "the lease was given back");
	CHECK(strcmp(w.active, "") != 0, "the app keeps an active release");
}

/* A rollback whose pointer swap was reported failed but happened is a
 * rollback that happened: it returns 0 and its copy is active, not marked
 * failed. */
void a_rollback_whose_swap_acknowledgement_was_lost_succeeds(void **state)
{
	struct unknown_write w;

	(void)state;
	/* gets of "active": the rollback's own read is none (a target is
	 * given); promote() reads it once, then swaps it */
	promote_with_lost_writes(1, "active", 2, 1, &w);
	snprintf(where, sizeof where, "rollback, the swap's acknowledgement is lost; returned %d, "
		 "\"%s\"", w.rc, w.msg);
	CHECK(swaps_active(&w.first), "the fault hit the swap");
	CHECK(w.rc == 0, "the rollback happened and says so");
	CHECK(w.copy_active, "the copy is active");
	CHECK(w.copy_failed == 0, "the active copy is not marked failed");
}

/* When reading the pointer back fails too, whether the rollback happened
 * is unknown: it fails, says so, and does not mark the copy failed, which
 * is in fact active. One more read, once the storage answers, tells. */
void a_rollback_of_unknown_outcome_does_not_mark_an_active_copy_failed(void **state)
{
	for (unsigned long count = 2; count <= 3; count++) {
		struct unknown_write w;

		(void)state;
		/* the swap, the read back, the rollback's own read */
		promote_with_lost_writes(1, "active", 2, count, &w);
		snprintf(where, sizeof where, "rollback, the swap and %lu reads of the pointer "
			 "fail; returned %d, \"%s\"", count - 1, w.rc, w.msg);
		CHECK(swaps_active(&w.first), "the fault hit the swap");
		CHECK(w.copy_active, "the copy is active");
		CHECK(w.copy_failed == 0, "the active copy is not marked failed");
		if (count == 2) {
			CHECK(w.rc == 0, "reading the pointer again tells the rollback happened");
			continue;
		}
		CHECK(w.rc == RELEASE_EIO, "the outcome is unknown: the storage's error");
		CHECK(strstr(w.msg, "unknown") != NULL, "the message says the outcome is unknown");
		CHECK(w.status == RELEASE_APP_RUNNING, "the lease was given back");
	}
}

/* ------------------------------------------------------- open bugs */

/* The outgoing release's stamp is best effort ("A release that cannot be
 * read is left out", lib/promote.c add_stamp()): failing to read it must
 * not fail the promotion, on either protocol. */
void bug_a_promotion_goes_on_when_the_outgoing_release_cannot_be_read(void **state)
{
	struct run r;
	char active[ID_LEN], r5[ID_LEN], msg[512];
	int rc, fired;

	(void)state;
	run_open(&r, 1);
	history(&r);
	snprintf(where, sizeof where, "promoting R5, reading R4 (active) fails");
	fault_only(r.fb, M_GET, RELEASE_KIND_RELEASE, r.h.r[4]);
	fault_arm(r.fb, 1, RELEASE_EIO, FAIL_BEFORE);
	rc = release_promote(r.s, "web", r.h.r[5], NULL);
	snprintf(msg, sizeof msg, "%s", release_store_errmsg(r.s));
	fired = r.fb->fired > 0;
	fault_disarm(r.fb);
	copy_id(active, active_of(r.s, "web"));
	copy_id(r5, r.h.r[5]);
	run_close(&r);
	CHECK(fired, "the read of the outgoing release failed");
	if (rc != 0)
		check_failed(__FILE__, __LINE__,
			     "the promotion failed (%d, \"%s\"): lib/promote.c add_stamp() "
			     "leaves out an outgoing release that cannot be read only on "
			     "RELEASE_ENOTFOUND and RELEASE_ECORRUPT", rc, msg);
	CHECK(strcmp(active, r5) == 0, "the release is active");
}

/* ------------------------------------------- version 2's methods faulted */

static int record_is(struct fault_backend *fb, int kind, const char *key)
{
	int found = 0;

	fb->inner->get(fb->inner_ctx, "web", kind, key, found_record, &found);
	return found;
}

/* A commit the sweep fails is failed whole: before, none of its
 * operations is applied; after, all of them are, and the caller is told
 * of the failure alone. A filter on a record picks the commits that touch
 * it. */
void a_faulted_commit_is_applied_whole_or_not_at_all(void **state)
{
	static const char *const keys[] = {"C1", "C2"};

	(void)state;
	for (int mode = FAIL_BEFORE; mode <= FAIL_AFTER; mode++) {
		struct run r;
		struct fault_backend *fb;
		release_storage_op puts[2];
		size_t failed = 99;
		int rc;

		run_open(&r, 1);
		fb = r.fb;
		if (!fb->vt.commit) {
			run_close(&r);
			skip();
		}
		for (int i = 0; i < 2; i++) {
			memset(&puts[i], 0, sizeof puts[i]);
			puts[i].op = RELEASE_OP_PUT;
			puts[i].kind = RELEASE_KIND_RELEASE;
			puts[i].key = keys[i];
			puts[i].seq = (uint64_t)i + 1;
			puts[i].data = keys[i];
			puts[i].len = 2;
		}
		fault_only(fb, M_ANY, RELEASE_KIND_RELEASE, "C2");
		fault_arm(fb, 1, RELEASE_EIO, (enum fault_mode)mode);
		rc = fb->vt.commit(fb, "web", puts, 2, &failed);
		snprintf(where, sizeof where, "a commit failed %s",
			 mode == FAIL_BEFORE ? "before" : "after");
		CHECK(rc == RELEASE_EIO && fb->fired == 1, "the commit fails as armed");
		CHECK(fb->failed.method == M_COMMIT && strcmp(fb->failed.key, "C2") == 0 &&
			      fb->failed.ops == 2,
		      "the failed call is told of as the commit, by the operation matched");
		CHECK(strstr(fb_errmsg(fb), "injected fault: commit") != NULL,
		      "the failure has the injected message");
		fault_disarm(fb);
		CHECK(record_is(fb, RELEASE_KIND_RELEASE, "C1") == (mode == FAIL_AFTER) &&
			      record_is(fb, RELEASE_KIND_RELEASE, "C2") == (mode == FAIL_AFTER),
		      "all of the commit or none of it is applied");
		run_close(&r);
	}
}

/* A hold failed after it was taken is given back: the app is free. */
void a_faulted_hold_is_not_kept(void **state)
{
	(void)state;
	for (int mode = FAIL_BEFORE; mode <= FAIL_AFTER; mode++) {
		struct run r;
		struct fault_backend *fb;
		void *h = &h;
		int held = 0;

		run_open(&r, 1);
		fb = r.fb;
		if (!fb->vt.hold) {
			run_close(&r);
			skip();
		}
		snprintf(where, sizeof where, "a hold failed %s",
			 mode == FAIL_BEFORE ? "before" : "after");
		fault_only(fb, M_HOLD, 0, NULL);
		fault_arm(fb, 1, RELEASE_EIO, (enum fault_mode)mode);
		CHECK(fb->vt.hold(fb, "web", "x", 1, &h) == RELEASE_EIO, "the hold fails as armed");
		fault_disarm(fb);
		CHECK(fb->inner->held(fb->inner_ctx, "web", found_record, &held) ==
			      RELEASE_ENOTFOUND && !held,
		      "the app is not held");
		run_close(&r);
	}
}
