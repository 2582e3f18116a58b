/*
 * File store faults at the system-call level: every public write operation
 * on a real file store, with the Nth write, sync, rename, truncate, open,
 * directory change or allocation made inside the call failing (EIO, ENOSPC,
 * ENOMEM), for N = 1, 2, … until the operation no longer reaches N; then
 * once more for every write, failing it torn (half written, then ENOSPC).
 * How calls are failed: file_inject.h. Allocations are failed only in builds
 * without AddressSanitizer, whose allocator cannot be replaced.
 *
 * Each run starts from a copy of a template store (the history of
 * test_faults.c), and the store is opened through an observing backend that
 * tells which backend call each fault fell in and whether that call had
 * made its record durable: the commit point is the sync of the log after a
 * record was written to it (lib/file/log.c).
 *
 * The rules a faulted run must keep, in order:
 *
 * 1. A backend write (put, cas, del) whose record became durable returns 0:
 *    a failing index, state, checkpoint, compaction or cleanup step after
 *    the commit point is maintenance, and reporting it as a failure makes
 *    callers retry a write that happened. A backend write that returns 0
 *    has made its record durable.
 * 2. The operation's result is honest:
 *    - 0 (or RELEASE_EDEPLOY for a failing deployer) means it took effect:
 *      the store shows the state after a fault-free run, or one of the
 *      stable intermediate states below that come with success;
 *    - an error means it did not: the store shows the state before, or an
 *      intermediate state documented to come with that error. The code is
 *      the injected errno's (RELEASE_ENOSPC, RELEASE_ENOMEM) or RELEASE_EIO,
 *      and a message says why. A fault after the operation took effect
 *      (the commit points of struct op, as in test_faults.c) does not
 *      change its result;
 *    - RELEASE_EIO with the state after is accepted only when the failed
 *      call was the sync of the log itself: the kernel may have written the
 *      record, so the outcome is genuinely unknown to the store.
 *    The intermediate states (test_faults.c enum accept says why each is
 *    stable and mended by the next operation): with success, a release
 *    whose build does not record it, and an active release whose own
 *    promoted stamp was not written; with an error, a rollback's copy
 *    written but not promoted (release.h), and a prune that deleted some
 *    of the oldest releases before a delete failed.
 * 3. No lease is left behind, unless giving it back failed (it expires) or
 *    the sync of the log was the failing call of taking it.
 * 4. The store reads the same through the handle that saw the fault,
 *    through a new handle, and after a simulated power loss and reboot:
 *    every write not synced since the operation began is undone (as if it
 *    never reached the disk), and the boot id changes (the indexes are
 *    replayed from the last checkpoint). Nothing acknowledged is lost or
 *    changed.
 * 5. Once leases have expired the store keeps its invariants (file_view.c),
 *    a normal env change and promotion succeed on every app, and that work
 *    reads the same after another power loss and reboot.
 *
 * A run that breaks a rule does not stop the sweep: failures are grouped
 * by operation, failing call, where it stood (file, backend call, before
 * or after the commit point) and the rules broken, and each sweep lists
 * its groups, then fails. RELEASE_FAULTS_VERBOSE=1 prints every run;
 * RELEASE_FAULTS_ONLY=pattern runs the sweeps whose name matches.
 */
#include "file_inject.h"
#include "file_ops.h"
#include "file_run.h"
#include "file_view.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/* ------------------------------------------------------------- outcomes */

/* The rules one run broke. */
struct outcome {
	char rules[6][240];
	int n;
	char detail[4096];
};

static void broke(struct outcome *o, const char *fmt, ...) VIEW_PRINTF(2, 3);

static void broke(struct outcome *o, const char *fmt, ...)
{
	va_list ap;

	if (o->n == 6)
		return;
	va_start(ap, fmt);
	vsnprintf(o->rules[o->n++], sizeof o->rules[0], fmt, ap);
	va_end(ap);
}

/* Runs that broke the same rules at the same place. */
struct group {
	char key[2048];
	unsigned runs;
	char ns[120];
	char example[4096];
};

#define MAX_GROUPS 256
static struct group groups[MAX_GROUPS];
static size_t n_groups;

static void group_add(const char *key, const char *n, const char *example)
{
	struct group *g = NULL;

	for (size_t i = 0; i < n_groups && !g; i++)
		if (strcmp(groups[i].key, key) == 0)
			g = &groups[i];
	if (!g) {
		if (n_groups == MAX_GROUPS)
			return;
		g = &groups[n_groups++];
		snprintf(g->key, sizeof g->key, "%s", key);
		snprintf(g->example, sizeof g->example, "%s", example);
	}
	g->runs++;
	appendf(g->ns, sizeof g->ns, "%s%s", g->runs > 1 ? "," : "", n);
}

/* ----------------------------------------------------------- judgement */

/* What a fault-free run shows. */
struct expected {
	struct lines before, after, after_nostamps, after_nolinks;
	char copy_source[ID_LEN];
	int64_t latest_promoted, active_promoted, active_failed;
	unsigned long calls, writes;
	unsigned char *worth, *worth_torn; /* [n - 1]: fail call n (fi_worth_failing) */
	unsigned long skipped;
};

enum state {
	ST_BEFORE,
	ST_AFTER,
	ST_UNLINKED,
	ST_ORPHAN,
	ST_PARTIAL,
	ST_POINTER,
	ST_OTHER,
};

static const char *const state_names[] = {
	"the state before",
	"the state after",
	"the release written but not linked from its build",
	"the rollback's copy written, not promoted",
	"a partial prune",
	"the pointer moved without the release's stamp",
	"neither before nor after",
};

static int is_write(const struct bcall *c)
{
	return c->m == M_PUT || c->m == M_CAS || c->m == M_DEL;
}

static int meta_call(const struct bcall *c, enum method m, const char *key)
{
	return c->m == m && c->kind == RELEASE_KIND_META && strcmp(c->key, key) == 0;
}

static int takes_lease(const struct bcall *c)
{
	return meta_call(c, M_CAS, "lease") && !c->removes;
}

static int drops_lease(const struct bcall *c)
{
	return meta_call(c, M_CAS, "lease") && c->removes;
}

static int swaps_active(const struct bcall *c)
{
	return meta_call(c, M_CAS, "active") && !c->removes;
}

/* Commit points passed before the fault: calls that returned 0 up to and
 * including the one the fault fell in. */
static unsigned passed_of(const struct run *r)
{
	unsigned passed = the_deploy.passed ? PASSED_DEPLOY_FAILURE : 0;

	for (size_t i = 0; i < r->ob->n; i++) {
		const struct bcall *c = &r->ob->calls[i];

		if (c->rc == 0 && swaps_active(c))
			passed |= PASSED_SWAP;
		if (c->rc == 0 && c->m == M_PUT && c->kind == RELEASE_KIND_RELEASE)
			passed |= PASSED_RELEASE_PUT;
		if (c->faulted)
			break;
	}
	return passed;
}

static int rc_of_errno(int e)
{
	return e == ENOSPC ? RELEASE_ENOSPC : e == ENOMEM ? RELEASE_ENOMEM : RELEASE_EIO;
}

static int dump_equals(release_store *s, int flags, const struct lines *want)
{
	struct lines now;
	char why[512] = "";
	int eq = view_dump(s, flags, &now, why, sizeof why) == 0 && lines_equal(&now, want);

	lines_free(&now);
	return eq;
}

/* A rollback copy at version 6, written but not promoted, nothing else
 * changed; marked failed unless the fault hit its own record. */
static int is_orphan_copy(release_store *s, const struct expected *e, const struct lines *now,
			  const struct bcall *f)
{
	release *x = NULL;
	struct lines rest;
	char needle[ID_LEN + 8];
	int ok;

	if (release_get_version(s, "web", 6, &x) != 0)
		return 0;
	ok = release_source(x) && strcmp(release_source(x), e->copy_source) == 0 &&
	     !release_is_active(x) && release_promoted(x) == 0 &&
	     (release_failed(x) > 0 || (f && strcmp(f->key, release_id(x)) == 0));
	snprintf(needle, sizeof needle, " id=%s ", release_id(x));
	release_free(x);
	lines_without(now, needle, &rest);
	ok = ok && lines_equal(&rest, &e->before);
	lines_free(&rest);
	return ok;
}

/* The promotion happened but the active release's own stamp is missing; it
 * reads as promoted (by the pointer's time) by id, by version and listed. */
static int is_pointer_stamped(const struct op *op, release_store *s, const struct expected *e,
			      const struct lines *now, int lost_swap)
{
	release_app *a = NULL;
	release *x = NULL, *y = NULL;
	char id[ID_LEN + 8], stamp[64];
	int64_t promoted;
	int ok;

	if (!one_line_differs(now, &e->after, " active=1 ") ||
	    !dump_equals(s, V_NO_STAMPS, &e->after_nostamps) || release_app_get(s, "web", &a) != 0)
		return 0;
	ok = release_app_active(a) && release_get(s, "web", release_app_active(a), &x) == 0 &&
	     release_get_version(s, "web", release_version(x), &y) == 0;
	release_app_free(a);
	if (ok) {
		promoted = release_promoted(x);
		snprintf(id, sizeof id, " id=%s ", release_id(x));
		snprintf(stamp, sizeof stamp, " promoted=%" PRId64 " ", promoted);
		ok = promoted > e->latest_promoted && promoted <= e->active_promoted &&
		     release_promoted(y) == promoted && some_line_has(now, id, stamp) &&
		     (release_failed(x) == e->active_failed ||
		      (lost_swap && IS_ROLLBACK(op) && release_failed(x) > promoted));
	}
	release_free(x);
	release_free(y);
	return ok;
}

static enum state classify(const struct op *op, release_store *s, const struct expected *e,
			   const struct lines *now, const struct bcall *f, unsigned passed)
{
	int lost = f && is_write(f) && f->committed && f->rc != 0;
	int lost_put = lost && f->m == M_PUT && f->kind == RELEASE_KIND_RELEASE;
	int lost_swap = lost && swaps_active(f);

	if (lines_equal(now, &e->before))
		return ST_BEFORE;
	if (lines_equal(now, &e->after))
		return ST_AFTER;
	if ((op->accept & ACCEPT_UNLINKED) && ((passed & PASSED_RELEASE_PUT) || lost_put) &&
	    one_line_differs(now, &e->after, " release=- ") &&
	    dump_equals(s, V_NO_LINKS, &e->after_nolinks))
		return ST_UNLINKED;
	if ((op->accept & ACCEPT_ORPHAN_COPY) && !(passed & PASSED_SWAP) &&
	    ((passed & PASSED_RELEASE_PUT) || lost_put) && is_orphan_copy(s, e, now, f))
		return ST_ORPHAN;
	if ((op->accept & ACCEPT_PARTIAL_PRUNE) && f && f->m == M_DEL &&
	    lines_within(now, &e->before) && lines_within(&e->after, now))
		return ST_PARTIAL;
	if ((op->accept & ACCEPT_POINTER_STAMP) && ((passed & PASSED_SWAP) || lost_swap) &&
	    is_pointer_stamped(op, s, e, now, lost_swap))
		return ST_POINTER;
	return ST_OTHER;
}

/* Before the swap, a read or write of the outgoing active release's record:
 * promote() heals its lost promoted stamp, best effort. */
static int heals_outgoing(const struct run *r, const struct bcall *f, unsigned passed)
{
	return f && !(passed & PASSED_SWAP) && (f->m == M_GET || f->m == M_CAS) &&
	       f->kind == RELEASE_KIND_RELEASE && r->outgoing[0] &&
	       strcmp(f->key, r->outgoing) == 0;
}

/* Rule 2 for the state the store was found in. */
static void judge_result(const struct op *op, const struct run *r, int rc,
			 const struct fi_call *fc, const struct bcall *f, unsigned passed,
			 enum state st, struct outcome *o)
{
	int unknown = fc->phase == FI_AT_COMMIT && rc == RELEASE_EIO;

	if (rc == op->expect) {
		if (st == ST_BEFORE && op->expect == 0)
			broke(o, "rule 2: returned 0 but the store is as before: the write is lost");
		else if (st == ST_OTHER || st == ST_ORPHAN || st == ST_PARTIAL)
			broke(o, "rule 2: returned %d, and the store is %s", rc, state_names[st]);
		return;
	}
	if ((passed & op->commit) ||
	    (f && (drops_lease(f) || (heals_outgoing(r, f, passed) && IS_PROMOTION(op)))))
		broke(o, "rule 2: returned %s after the operation had taken effect",
		      release_strerror(rc));
	if (rc != rc_of_errno(fc->err) && rc != RELEASE_EIO)
		broke(o, "rule 2: returned %s for an injected %s", release_strerror(rc),
		      strerror(fc->err));
	if (st == ST_OTHER)
		broke(o, "rule 2: returned %s, and the store is %s", release_strerror(rc),
		      state_names[st]);
	else if ((st == ST_AFTER || st == ST_UNLINKED || st == ST_POINTER) && !unknown)
		broke(o, "rule 2: returned %s, but the operation took effect (%s)",
		      release_strerror(rc), state_names[st]);
}

static const char *const phase_names[] = {
	"in the core",
	"before the commit",
	"at the commit (the log's sync)",
	"after the commit",
};

/* Digits vary between runs (offsets, times): a group's key leaves them out. */
static void normalize(char *s)
{
	char *w = s;

	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9' && !(p - s >= 5 && strncmp(p - 5, "rule ", 5) == 0)) {
			if (w == s || w[-1] != '#')
				*w++ = '#';
			continue;
		}
		*w++ = *p;
	}
	*w = '\0';
}

/* Rules 3 to 5, on a new handle, the old one, and after reboots. */
static void check_after(const struct op *op, const struct expected *e, struct run *r, int rc,
			const struct fi_call *fc, const struct bcall *f, unsigned passed,
			struct outcome *o)
{
	static const char *const apps[] = {"web", "api", "idle"};
	release_store *b = NULL, *c = NULL;
	struct lines now = {0}, seen = {0}, again = {0}, later = {0};
	char why[1024] = "";
	int held, readable = 0;

	if (run_open_handle(r, &b) != 0) {
		broke(o, "rule 4: a new handle does not open");
		appendf(o->detail, sizeof o->detail, "\n    open: %s", release_store_errmsg(NULL));
	} else if (view_dump(b, 0, &now, why, sizeof why) != 0) {
		broke(o, "rule 4: a new handle cannot read the store: %s", why);
	} else {
		enum state st = classify(op, b, e, &now, f, passed);

		readable = 1;
		judge_result(op, r, rc, fc, f, passed, st, o);
		appendf(o->detail, sizeof o->detail, "\n    store: %s", state_names[st]);
		if (st == ST_OTHER) {
			appendf(o->detail, sizeof o->detail, "\n    against the state before:");
			lines_diff(&e->before, &now, o->detail, sizeof o->detail);
			appendf(o->detail, sizeof o->detail, "\n    against the state after:");
			lines_diff(&e->after, &now, o->detail, sizeof o->detail);
		}
		held = view_leased(b, why, sizeof why);
		if (held < 0)
			broke(o, "rule 3: reading leases fails: %s", why);
		else if (held && !(f && drops_lease(f) && f->rc != 0) &&
			 !(f && takes_lease(f) && fc->phase == FI_AT_COMMIT))
			broke(o, "rule 3: a lease is left behind: the app is blocked until it expires");
		why[0] = '\0';
		if (view_dump(r->s, 0, &seen, why, sizeof why) != 0) {
			broke(o, "rule 4: the handle that saw the fault cannot read the store: %s", why);
		} else if (!lines_equal(&seen, &now)) {
			broke(o, "rule 4: the handle that saw the fault reads another store than a "
				 "new handle");
			lines_diff(&now, &seen, o->detail, sizeof o->detail);
		}
	}
	release_store_close(b);
	run_stop(r);

	why[0] = '\0';
	fi_lose_unsynced();
	if (run_open_rebooted(r, &c) != 0) {
		broke(o, "rule 4: after a reboot the store does not open");
		appendf(o->detail, sizeof o->detail, "\n    open: %s", release_store_errmsg(NULL));
		goto out;
	}
	if (view_dump(c, 0, &again, why, sizeof why) != 0) {
		broke(o, "rule 4: after a reboot the store cannot be read: %s", why);
	} else if (readable && !lines_equal(&again, &now)) {
		broke(o, "rule 4: after a reboot the store reads differently");
		lines_diff(&now, &again, o->detail, sizeof o->detail);
	}
	r->clock.now += LEASE_NS + SEC;
	why[0] = '\0';
	fi_track_unsynced(1);
	if (view_check(c, why, sizeof why) != 0) {
		broke(o, "rule 5: %s", why);
	} else if (view_follow_up(c, apps, 3, why, sizeof why) != 0) {
		broke(o, "rule 5: %s", why);
	} else if (view_dump(c, 0, &later, why, sizeof why) != 0) {
		broke(o, "rule 5: reading the follow-up's work fails: %s", why);
	} else {
		release_store_close(c);
		c = NULL;
		lines_free(&again);
		fi_lose_unsynced();
		if (run_open_rebooted(r, &c) != 0 || view_dump(c, 0, &again, why, sizeof why) != 0) {
			broke(o, "rule 5: after another reboot the store cannot be read: %s",
			      why[0] ? why : release_store_errmsg(NULL));
		} else if (!lines_equal(&again, &later)) {
			broke(o, "rule 5: after another reboot the follow-up's work reads differently");
			lines_diff(&later, &again, o->detail, sizeof o->detail);
		}
	}
out:
	fi_track_unsynced(0);
	release_store_close(c);
	lines_free(&now);
	lines_free(&seen);
	lines_free(&again);
	lines_free(&later);
}

/* Notes web's active release, as the operation will find it, through
 * another handle: the operation's own starts cold (its opens are faulted
 * too) and, on a template opened as after a reboot, still has to recover. */
static void note_outgoing(struct run *r)
{
	release_store *s = NULL;
	release_app *a = NULL;

	r->outgoing[0] = '\0';
	assert_int_equal(run_open_before_boot(r, &s), 0);
	if (release_app_get(s, "web", &a) == 0 && release_app_active(a))
		copy_id(r->outgoing, release_app_active(a));
	release_app_free(a);
	release_store_close(s);
}

/* One faulted run; 0 when the operation never reached call n. */
static int faulted_run(const struct op *op, const struct expected *e, unsigned mask, int torn,
		       unsigned long n)
{
	struct run r;
	struct outcome o;
	struct fi_call fc;
	const struct bcall *f;
	char msg[600], call[128] = "", key[2048], nstr[32];
	unsigned passed;
	int rc;

	memset(&o, 0, sizeof o);
	memset(&the_deploy, 0, sizeof the_deploy);
	run_start(&r, op->tpl);
	note_outgoing(&r);
	r.ob->recording = 1;
	r.ob->n = 0;
	fi_track_unsynced(1);
	fi_arm(n, mask, torn);
	rc = op->run(&r);
	fi_disarm();
	r.ob->recording = 0;
	snprintf(msg, sizeof msg, "%s", release_store_errmsg(r.s));
	if (!fi_fired()) {
		int same = rc == op->expect && dump_equals(r.s, 0, &e->after);

		run_stop(&r);
		if (!same)
			fail_msg("%s: without a fault (call %lu never came) the result differs: %d, %s",
				 op->test_name, n, rc, msg);
		return 0;
	}
	fc = *fi_failed();
	f = run_faulted_call(&r);
	passed = passed_of(&r);
	if (f)
		describe_bcall(f, call, sizeof call);
	snprintf(o.detail, sizeof o.detail, "returned %d (%s), \"%.300s\"", rc,
		 rc ? release_strerror(rc) : "ok", msg);

	/* rule 1 */
	if (f && is_write(f) && f->committed && f->rc != 0)
		broke(&o, "rule 1: the file store's %s returned %s after its record was durable",
		      call, release_strerror(f->rc));
	else if (f && is_write(f) && f->rc == 0 && !f->committed)
		broke(&o, "rule 1: the file store's %s returned 0 without making its record durable",
		      call);
	/* rule 2, what the call itself said */
	if (r.bad_out[0])
		broke(&o, "rule 2: %s", r.bad_out);
	if (r.out_unpromoted)
		broke(&o, "rule 2: the rollback returned its copy as not active or not promoted");
	if (rc < 0 && !msg[0])
		broke(&o, "rule 2: a failure without a message");
	check_after(op, e, &r, rc, &fc, f, passed, &o);
	if (getenv("RELEASE_FAULTS_VERBOSE"))
		fprintf(stderr, "%s %s%lu: %s%s on %s, %s %s -> %d (%lu writes lost at the last "
			"reboot)\n",
			op->test_name, mask == FI_WRITE ? "w" : "", n, fc.fn, fc.torn ? " (torn)" : "",
			fc.file, phase_names[fc.phase], call, rc, fi_lost_writes());

	if (o.n) {
		snprintf(key, sizeof key, "%s%s on %s, %s%s%s:", fc.fn, fc.torn ? " (torn)" : "",
			 fc.file, phase_names[fc.phase], f ? " of " : "", call);
		for (int i = 0; i < o.n; i++) {
			normalize(o.rules[i]);
			appendf(key, sizeof key, "\n      %s", o.rules[i]);
		}
		snprintf(nstr, sizeof nstr, "%s%lu", mask == FI_WRITE ? "w" : "", n);
		group_add(key, nstr, o.detail);
	}
	return 1;
}

/* The latest promoted time of any of app's releases. */
static int64_t latest_promoted(release_store *s, const char *app)
{
	release_iter *it = NULL;
	const release *x;
	int64_t latest = 0;

	assert_store_ok(s, release_list(s, app, NULL, &it));
	while (release_iter_next(it, &x) == 0)
		if (release_promoted(x) > latest)
			latest = release_promoted(x);
	release_iter_free(it);
	return latest;
}

static void expected_free(struct expected *e)
{
	lines_free(&e->before);
	lines_free(&e->after);
	lines_free(&e->after_nostamps);
	lines_free(&e->after_nolinks);
	free(e->worth);
	free(e->worth_torn);
}

/* The fault-free run: what the operation does and how many calls it makes. */
static void expect(const struct op *op, struct expected *e)
{
	char why[1024] = "";
	struct run r;
	int rc;

	release_store *s = NULL;

	memset(e, 0, sizeof *e);
	memset(&the_deploy, 0, sizeof the_deploy);
	run_start(&r, op->tpl);
	assert_int_equal(run_open_before_boot(&r, &s), 0);
	if (view_dump(s, 0, &e->before, why, sizeof why) != 0)
		fail_msg("%s: reading the template: %s", op->test_name, why);
	e->latest_promoted = latest_promoted(s, "web");
	release_store_close(s);
	note_outgoing(&r);
	fi_arm(0, FI_ALL, 0);
	rc = op->run(&r);
	e->calls = fi_disarm();
	e->writes = fi_counted(FI_WRITE);
	e->worth = calloc(e->calls + 1, 1);
	assert_non_null(e->worth);
	for (unsigned long n = 1; n <= e->calls; n++)
		e->worth[n - 1] = (unsigned char)fi_worth_failing(n);
	if (rc != op->expect || r.bad_out[0] || r.out_unpromoted)
		fail_msg("%s: without a fault: returned %d (%s) %s", op->test_name, rc,
			 release_store_errmsg(r.s), r.bad_out);
	if (op->maintenance && !op->maintenance())
		fail_msg("%s: the template no longer makes the operation run its maintenance",
			 op->test_name);
	if (view_dump(r.s, 0, &e->after, why, sizeof why) != 0 ||
	    view_dump(r.s, V_NO_STAMPS, &e->after_nostamps, why, sizeof why) != 0 ||
	    view_dump(r.s, V_NO_LINKS, &e->after_nolinks, why, sizeof why) != 0)
		fail_msg("%s: reading the result: %s", op->test_name, why);
	if (op->accept & ACCEPT_POINTER_STAMP) {
		release *x = NULL;

		assert_store_ok(r.s, release_get(r.s, "web", active_of(r.s, "web"), &x));
		e->active_promoted = release_promoted(x);
		e->active_failed = release_failed(x);
		release_free(x);
	}
	if (IS_ROLLBACK(op)) {
		release *x = NULL;

		assert_store_ok(r.s, release_get_version(r.s, "web", 6, &x));
		copy_id(e->copy_source, release_source(x));
		release_free(x);
	}
	run_stop(&r);

	/* The writes alone, to be failed torn. */
	memset(&the_deploy, 0, sizeof the_deploy);
	run_start(&r, op->tpl);
	note_outgoing(&r);
	fi_arm(0, FI_WRITE, 0);
	op->run(&r);
	if (fi_disarm() != e->writes)
		fail_msg("%s: %lu writes, then %lu", op->test_name, e->writes, fi_counted(FI_WRITE));
	e->worth_torn = calloc(e->writes + 1, 1);
	assert_non_null(e->worth_torn);
	for (unsigned long n = 1; n <= e->writes; n++)
		e->worth_torn[n - 1] = (unsigned char)fi_worth_failing(n);
	run_stop(&r);
}

/* Fails each call worth failing in turn; then checks call calls + 1 never
 * comes. Returns the runs made. Under valgrind, where a run costs fifty
 * times as much, only every other call is failed (and the last): the gcc
 * and sanitizer builds fail them all, and valgrind's own finding, a read
 * of uninitialised memory, lies on paths that neighbouring calls share. */
static unsigned long fail_each(const struct op *op, struct expected *e, unsigned mask, int torn,
			       unsigned long calls, const unsigned char *worth)
{
	unsigned long runs = 0;
	int halve = fi_under_valgrind();

	for (unsigned long n = 1; n <= calls; n++) {
		if (!worth[n - 1] || (halve && n % 2 == 0 && n != calls)) {
			e->skipped++;
			continue;
		}
		if (!faulted_run(op, e, mask, torn, n))
			fail_msg("%s: %lu calls without a fault, but call %lu never came",
				 op->test_name, calls, n);
		runs++;
	}
	if (faulted_run(op, e, mask, torn, calls + 1))
		fail_msg("%s: %lu calls without a fault, but call %lu failed", op->test_name, calls,
			 calls + 1);
	return runs;
}

static void sweep(void **state)
{
	const struct op *op = *state;
	size_t first = n_groups;
	time_t start = time(NULL), built;
	unsigned long runs;
	struct expected e;

	if (op->tpl->heavy && fi_under_valgrind()) {
		print_message("%s: left out under valgrind (the sanitizer build runs it)\n",
			      op->test_name);
		return;
	}
	tpl_ensure(op->tpl);
	built = time(NULL);
	expect(op, &e);
	runs = fail_each(op, &e, FI_ALL, 0, e.calls, e.worth);
	runs += fail_each(op, &e, FI_WRITE, 1, e.writes, e.worth_torn);
	print_message("%s: %lu calls (%lu writes)%s; %lu faulted runs (%lu like their "
		      "neighbours%s left out) in %lds (+%lds for the template): %zu kinds of "
		      "failure\n",
		      op->test_name, e.calls, e.writes,
		      fi_allocs_interposed() ? ""
					     : ", allocations not failed (the allocator is a "
					       "sanitizer's or valgrind's)",
		      runs, e.skipped, fi_under_valgrind() ? " or, under valgrind, every other" : "",
		      (long)(time(NULL) - built), (long)(built - start),
		      n_groups - first);
	for (size_t i = first; i < n_groups; i++)
		print_message("  FAIL %s (%s) %s\n      runs %s\n    e.g. %s\n\n", op->test_name,
			      groups[i].runs == 1 ? "1 run" : "runs", groups[i].key, groups[i].ns,
			      groups[i].example);
	expected_free(&e);
	if (n_groups > first)
		fail_msg("%s: %zu kinds of failure, listed above", op->test_name, n_groups - first);
}

int main(void)
{
	struct CMUnitTest *tests = calloc(n_file_ops, sizeof *tests);
	const char *only = getenv("RELEASE_FAULTS_ONLY");
	int failed;

	if (only && *only)
		cmocka_set_test_filter(only);
	assert_non_null(tests);
	for (size_t i = 0; i < n_file_ops; i++) {
		tests[i].name = file_ops[i].test_name;
		tests[i].test_func = sweep;
		tests[i].initial_state = &file_ops[i];
	}
	failed = _cmocka_run_group_tests("file_faults", tests, n_file_ops, NULL, NULL);
	free(tests);
	return failed;
}
