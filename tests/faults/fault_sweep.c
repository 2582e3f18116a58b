/* The sweep engine: see fault_sweep.h and test_faults.c. */
#include "fault_sweep.h"

/* ---------------------------------------------------------------- sweep */

struct combo {
	enum fault_mode mode;
	int code;
};

/* ENOMEM runs leave the backend's errmsg method out, so the core words
 * every message itself. */
static const struct combo combos[] = {
	{FAIL_BEFORE, RELEASE_EIO},
	{FAIL_BEFORE, RELEASE_ENOSPC},
	{FAIL_BEFORE, RELEASE_ENOMEM},
	{FAIL_AFTER, RELEASE_EIO},
};

/* What a fault-free run shows. */
struct expected {
	struct lines before;
	struct lines after, after_nostamps, after_nolinks;
	char copy_source[ID_LEN]; /* a rollback copy's source */
	int64_t latest_promoted;  /* before: web's latest promoted stamp */
	int64_t active_promoted;  /* after: the stamps of web's active release */
	int64_t active_failed;
	unsigned long calls;
	struct call *trace; /* the calls, in order */
	struct lines before_nolinks;
};

struct tally {
	unsigned long runs, unchanged, completed, taken_effect, harmless, unlinked, orphan,
		partial, pointer_stamped, seen_through;
	unsigned long on_commits, on_holds; /* faults of version 2's methods */
	unsigned long known; /* runs that met a known bug (KNOWN_*) */
};

static void expected_free(struct expected *e)
{
	free(e->trace);
	lines_free(&e->before_nolinks);
	lines_free(&e->before);
	lines_free(&e->after);
	lines_free(&e->after_nostamps);
	lines_free(&e->after_nolinks);
}

static int dump_equals(release_store *s, int flags, const struct lines *want)
{
	struct lines now;
	int eq;

	dump(s, flags, &now);
	eq = lines_equal(&now, want);
	lines_free(&now);
	return eq;
}

/* now has as many lines as want and differs in just one, which mentions
 * needle. */
static int one_line_differs(const struct lines *now, const struct lines *want,
			    const char *needle)
{
	size_t differ = 0;
	int mentions = 0;

	if (now->n != want->n)
		return 0;
	for (size_t i = 0; i < now->n; i++)
		if (!lines_has(want, now->v[i])) {
			differ++;
			mentions = strstr(now->v[i], needle) != NULL;
		}
	return differ == 1 && mentions;
}

/* Some line mentions both a and b. */
static int some_line_has(const struct lines *l, const char *a, const char *b)
{
	for (size_t i = 0; i < l->n; i++)
		if (strstr(l->v[i], a) && strstr(l->v[i], b))
			return 1;
	return 0;
}

/* The stamps of app's active release, read by id. */
static void active_stamps(release_store *s, const char *app, int64_t *promoted,
			  int64_t *failed)
{
	release *x = NULL;

	CHECK_RC(release_get(s, app, active_of(s, app), &x), s, "reading the active release");
	*promoted = release_promoted(x);
	*failed = release_failed(x);
	release_free(x);
}

/* A rollback copy at version 6, written but not promoted, and nothing else
 * changed. It is marked failed unless the fault hit its own record (c). */
static int is_orphan_copy(struct run *r, const struct expected *e, const struct lines *now,
			  const struct call *step)
{
	release *x = NULL;
	struct lines nolinks, rest;
	char needle[ID_LEN + 8], link[ID_LEN + 16];
	int ok;

	if (release_get_version(r->s, "web", 6, &x) != 0)
		return 0;
	ok = release_source(x) && strcmp(release_source(x), e->copy_source) == 0 &&
	     !release_is_active(x) && release_promoted(x) == 0 &&
	     (release_failed(x) > 0 || strcmp(step->key, release_id(x)) == 0);
	snprintf(needle, sizeof needle, " id=%s ", release_id(x));
	snprintf(link, sizeof link, " release=%s ", release_id(x));
	release_free(x);
	/* on a version-2 backend the copy's commit makes its build name it */
	for (size_t i = 0; i < now->n; i++)
		if (!lines_has(&e->before, now->v[i]) && !strstr(now->v[i], needle) &&
		    !strstr(now->v[i], link))
			ok = 0;
	dump(r->s, D_NO_LINKS, &nolinks);
	lines_without(&nolinks, needle, &rest);
	ok = ok && lines_equal(&rest, &e->before_nolinks);
	lines_free(&rest);
	lines_free(&nolinks);
	return ok;
}

/* The promotion happened but the active release's own stamp is missing:
 * only its line differs from the fault-free result, only in its stamps; it
 * reads as promoted (the pointer's time: later than any stamp before, no
 * later than the fault-free stamp) alike by id, by version and in the
 * listing. */
static int is_pointer_stamped(struct run *r, const struct expected *e, const struct lines *now)
{
	release *x = NULL, *y = NULL;
	char id[ID_LEN + 8], stamp[64];
	int64_t promoted;
	int ok;

	if (!one_line_differs(now, &e->after, " active=1 ") ||
	    !dump_equals(r->s, D_NO_STAMPS, &e->after_nostamps))
		return 0;
	CHECK_RC(release_get(r->s, "web", active_of(r->s, "web"), &x), r->s,
		 "reading the active release");
	CHECK_RC(release_get_version(r->s, "web", release_version(x), &y), r->s,
		 "reading the active release by version");
	promoted = release_promoted(x);
	snprintf(id, sizeof id, " id=%s ", release_id(x));
	snprintf(stamp, sizeof stamp, " promoted=%" PRId64 " ", promoted);
	ok = promoted > e->latest_promoted && promoted <= e->active_promoted &&
	     release_promoted(y) == promoted && some_line_has(now, id, stamp) &&
	     release_failed(x) == e->active_failed;
	release_free(x);
	release_free(y);
	return ok;
}

/* Which state the store is in; fails the test when it is none it may be. */
static void classify(const struct op *op, struct run *r, const struct expected *e,
		     const struct call *step, struct tally *t)
{
	unsigned passed = r->fb->passed;
	struct lines now;

	dump(r->s, 0, &now);
	if (lines_equal(&now, &e->before))
		t->unchanged++;
	else if (lines_equal(&now, &e->after))
		t->completed++;
	else if ((op->accept & ACCEPT_UNLINKED) && (passed & PASSED_RELEASE_PUT) &&
		 one_line_differs(&now, &e->after, " release=- ") &&
		 dump_equals(r->s, D_NO_LINKS, &e->after_nolinks))
		t->unlinked++;
	else if ((op->accept & ACCEPT_ORPHAN_COPY) && !(passed & PASSED_SWAP) &&
		 (passed & PASSED_RELEASE_PUT) && is_orphan_copy(r, e, &now, step))
		t->orphan++;
	else if ((op->accept & ACCEPT_PARTIAL_PRUNE) && r->fb->failed.method == M_DEL &&
		 lines_within(&now, &e->before) && lines_within(&e->after, &now))
		t->partial++;
	else if ((op->accept & ACCEPT_POINTER_STAMP) && (passed & PASSED_SWAP) &&
		 is_pointer_stamped(r, e, &now))
		t->pointer_stamped++;
	else {
		char diff[2048] = "";
		size_t used = 0;

		for (size_t i = 0; i < now.n && used < sizeof diff; i++)
			if (!lines_has(&e->before, now.v[i]) || !lines_has(&e->after, now.v[i]))
				used += (size_t)snprintf(diff + used, sizeof diff - used, "\n    %s",
							 now.v[i]);
		lines_free(&now);
		check_failed(__FILE__, __LINE__,
			     "the store is neither as before, nor as after the operation, nor an "
			     "accepted intermediate state; lines new to both:%s",
			     diff);
	}
	lines_free(&now);
}

/* Immediately after the operation: who still holds a lease. The promoter
 * gives back every lease it took, whatever failed, even one it was told it
 * did not take; only a lease it could not give back stays until it
 * expires. */
static void check_leases(struct run *r)
{
	const struct call *c = &r->fb->failed;
	release_app_iter *ai = NULL;
	const release_app *a;
	int rc, held = 0;

	CHECK_RC(release_app_list(r->s, &ai), r->s, "release_app_list");
	while ((rc = release_app_iter_next(ai, &a)) == 0)
		held |= release_app_status(a) == RELEASE_APP_UPDATING;
	CHECK(rc == RELEASE_ITEROVER, "listing apps ends cleanly");
	release_app_iter_free(ai);
	if (!held)
		return;
	if (drops_lease(c)) /* counted as harmless already */
		return;
	check_failed(__FILE__, __LINE__, "a failed operation left its lease behind");
}

/* A rollback that wrote its copy and failed names the copy, its source and
 * why (release.h: "its id is in the error message"). */
static void check_rollback_message(struct run *r, const struct expected *e, const char *msg)
{
	release *x = NULL;
	char prefix[160];
	size_t n;

	CHECK_RC(release_get_version(r->s, "web", 6, &x), r->s, "reading the rollback copy");
	snprintf(prefix, sizeof prefix,
		 "app 'web': rollback release %s (copy of %s) was not promoted: ", release_id(x),
		 e->copy_source);
	release_free(x);
	n = strlen(prefix);
	CHECK(strncmp(msg, prefix, n) == 0 && msg[n] != '\0',
	      "a failed rollback names its copy, the copy's source and why");
}

static void describe_call(const struct call *c, char *buf, size_t size)
{
	static const char *const kinds[] = {"-", "meta", "build", "release"};

	if (c->method == M_COMMIT) {
		snprintf(buf, size, "commit(%s, %zu operations, one on %s %s%s)",
			 c->app[0] ? c->app : "*", c->ops,
			 kinds[c->kind >= 0 && c->kind <= 3 ? c->kind : 0], c->key[0] ? c->key : "*",
			 c->removes ? ", all deleting" : "");
		return;
	}
	snprintf(buf, size, "%s(%s, %s, %s%s)", method_names[c->method], c->app[0] ? c->app : "*",
		 kinds[c->kind >= 0 && c->kind <= 3 ? c->kind : 0], c->key[0] ? c->key : "*",
		 c->removes && c->method == M_CAS ? ", remove" : "");
}

/* Before the swap, a read or write of the outgoing active release's record:
 * promote() writes that release's own promoted time if it was lost, on a
 * best-effort basis ("a failure costs only that time", lib/promote.c). */
static int heals_outgoing(const struct run *r, const struct call *step)
{
	return !(r->fb->passed & PASSED_SWAP) &&
	       (step->method == M_GET || step->method == M_CAS) &&
	       step->kind == RELEASE_KIND_RELEASE && r->outgoing[0] &&
	       strcmp(step->key, r->outgoing) == 0;
}

/* The step of the operation a call belongs to: a write checks the app
 * record first, so a read of it is the step of the call that follows it
 * (next, in a fault-free run; NULL after the last). */
static const struct call *step_of(const struct call *c, const struct call *next)
{
	if (next && call_is(c, M_GET, RELEASE_KIND_META, "app"))
		return next;
	return c;
}

/* Notes web's active release, as the operation will find it. */
static void note_outgoing(struct run *r)
{
	release_app *a = NULL;

	r->outgoing[0] = '\0';
	if (release_app_get(r->s, "web", &a) == 0 && release_app_active(a))
		copy_id(r->outgoing, release_app_active(a));
	release_app_free(a);
}

/* One faulted run; returns 0 when the operation never reached call n. */
static int faulted_run(const struct op *op, const struct expected *e, const struct combo *cb,
		       unsigned long n, struct tally *t)
{
	const struct call *c, *step;
	struct run r;
	char msg[512], call[256];
	int rc;

	run_open(&r, cb->code != RELEASE_ENOMEM);
	op->history(&r);
	note_outgoing(&r);
	snprintf(where, sizeof where, "%s: call %lu fails (%s) with %s", op->test_name, n,
		 cb->mode == FAIL_BEFORE ? "not forwarded" : "forwarded, then failed",
		 release_strerror(cb->code));
	fault_arm(r.fb, n, cb->code, cb->mode);
	rc = op->run(&r);
	snprintf(msg, sizeof msg, "%s", release_store_errmsg(r.s));
	fault_disarm(r.fb);
	if (!r.fb->fired) {
		CHECK(rc == op->expect, "without a fault the operation does what it always does");
		CHECK(!r.out_unpromoted, "the rollback copy reads as promoted");
		CHECK(dump_equals(r.s, 0, &e->after), "without a fault the result is the same");
		run_close(&r);
		return 0;
	}
	t->runs++;
	c = &r.fb->failed;
	CHECK(e->trace[n - 1].method == c->method && strcmp(e->trace[n - 1].key, c->key) == 0,
	      "the run failed the call the fault-free run made at that point");
	step = step_of(c, n < e->calls ? &e->trace[n] : NULL);
	t->on_commits += c->method == M_COMMIT;
	t->on_holds += c->method == M_HOLD || c->method == M_HELD;
	describe_call(c, call, sizeof call);
	appendf(where, sizeof where, " at %s; returned %d, \"%s\"", call, rc, msg);

	/* (a) */
	if (drops_lease(c)) {
		/* "Failing to [give the lease back] is harmless: the lease
		 * expires" (lib/promote.c drop_lease). */
		CHECK(rc == op->expect, "failing to give the lease back does not fail the operation");
		t->harmless++;
	} else if (heals_outgoing(&r, step) && IS_PROMOTION(op)) {
		if ((op->accept & KNOWN_OUTGOING_READ) && !version_1 && step->method == M_GET &&
		    rc == cb->code) {
			t->known++; /* the store is as before, or has an orphan copy */
		} else {
			CHECK(rc == op->expect,
			      "failing to heal the outgoing stamp does not fail the promotion");
			t->harmless++;
		}
	} else if (r.fb->passed & op->commit) {
		CHECK(rc == op->expect,
		      "a fault after the operation took effect does not change its result");
		t->taken_effect++;
	} else if (lost_ack(r.fb) && is_write(c)) {
		CHECK(rc == op->expect, "a write that took effect is not reported as failed");
		t->seen_through++;
	} else if (is_delete(c) && rc == op->expect) {
		/* It deleted what was absent already: nothing failed. */
		CHECK(dump_equals(r.s, 0, &e->after),
		      "a delete that found its record gone lets the operation complete");
		t->seen_through++;
	} else if (op->run == op_prune && c->method == M_COMMIT && rc == op->expect) {
		/* A prune walks again, once, after a commit whose outcome is
		 * open (lib/prune.c): then it has done all its work. */
		CHECK(dump_equals(r.s, 0, &e->after),
		      "a prune that walked again after an open commit completes");
		t->seen_through++;
	} else {
		CHECK(rc == cb->code, "the operation returns the storage's error");
	}

	CHECK(!r.out_unpromoted, "the rollback copy reads as promoted");

	/* (b) */
	if (rc < 0)
		CHECK(msg[0] != '\0', "a failure has a message");
	if (rc < 0 && (r.fb->passed & PASSED_DEPLOY_FAILURE) && !drops_lease(c) &&
	    !(lost_ack(r.fb) && is_write(c)))
		CHECK(strstr(msg, "deploy") && strstr(msg, release_strerror(cb->code)),
		      "a deployment failure that could not be recorded says both");
	if (rc < 0 && IS_ROLLBACK(op) && (r.fb->passed & PASSED_RELEASE_PUT))
		check_rollback_message(&r, e, msg);

	/* (c) */
	check_leases(&r);
	classify(op, &r, e, step, t);
	r.clock.now += LEASE_NS + SEC;
	check_store(r.s);
	follow_up(r.s);
	check_store(r.s);
	run_close(&r);
	return 1;
}

void sweep(void **state)
{
	const struct sweep_case *sc = *state;
	const struct op *op = sc->op;
	struct expected e;
	struct tally t;
	struct run r;
	int rc;

	version_1 = sc->version_1;
	memset(&e, 0, sizeof e);
	memset(&t, 0, sizeof t);
	snprintf(where, sizeof where, "%s: without a fault", op->test_name);
	run_open(&r, 1);
	op->history(&r);
	dump(r.s, 0, &e.before);
	dump(r.s, D_NO_LINKS, &e.before_nolinks);
	e.latest_promoted = latest_promoted(r.s, "web");
	fault_arm(r.fb, 0, 0, FAIL_BEFORE);
	rc = op->run(&r);
	e.calls = r.fb->calls;
	e.trace = r.fb->trace;
	r.fb->trace = NULL;
	fault_disarm(r.fb);
	CHECK(rc == op->expect, "the operation does what it is meant to without a fault");
	CHECK(!r.out_unpromoted, "the rollback copy reads as promoted");
	dump(r.s, 0, &e.after);
	dump(r.s, D_NO_STAMPS, &e.after_nostamps);
	dump(r.s, D_NO_LINKS, &e.after_nolinks);
	if (op->accept & ACCEPT_POINTER_STAMP)
		active_stamps(r.s, "web", &e.active_promoted, &e.active_failed);
	if (IS_ROLLBACK(op)) {
		release *x = NULL;

		CHECK_RC(release_get_version(r.s, "web", 6, &x), r.s, "reading the rollback copy");
		copy_id(e.copy_source, release_source(x));
		release_free(x);
	}
	CHECK(e.calls > 0, "the operation touches storage");
	run_close(&r);

	for (size_t i = 0; i < sizeof combos / sizeof *combos; i++) {
		unsigned long n = 1;

		while (faulted_run(op, &e, &combos[i], n, &t))
			n++;
		snprintf(where, sizeof where, "%s", op->test_name);
		CHECK(n == e.calls + 1, "every call of the operation was failed once");
	}
	print_message("%s: %lu calls, %lu faults: %lu unchanged, %lu completed, %lu unlinked, "
		      "%lu orphan copies, %lu partial prunes, %lu stamped by the pointer; "
		      "%lu after taking effect, %lu harmless, %lu seen through; "
		      "%lu on commits, %lu on holds; %lu met a known bug\n",
		      sc->name, e.calls, t.runs, t.unchanged, t.completed, t.unlinked,
		      t.orphan, t.partial, t.pointer_stamped, t.taken_effect, t.harmless,
		      t.seen_through, t.on_commits, t.on_holds, t.known);
	CHECK(t.unchanged + t.completed + t.unlinked + t.orphan + t.partial + t.pointer_stamped ==
		      t.runs,
	      "every faulted run ended in a known state");
	expected_free(&e);
}
