/*
 * fuzz-records: the deployment log. Its listing, whole and a page at a
 * time, and release_deploy_at() over the entries the input holds (and
 * those the writes add), checked against what release.h promises:
 * entries newest first, within limit and before, shapes of ids and
 * actors, until as the end of the next successful entry (0 for the live
 * one and for failures), the same entries whichever way they are listed,
 * release_deploy_at() as the newest successful entry ended by then. And
 * after each promotion and rollback, the entry it wrote.
 */
#include "records.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ entries */

static void copy_id(char *dst, const char *id)
{
	dst[0] = '\0';
	if (id && strlen(id) < 16)
		strcpy(dst, id);
}

void records_dent_take(struct dent *e, const release_deploy *d)
{
	const char *from = release_deploy_from(d), *to = release_deploy_to(d),
		   *target = release_deploy_target(d), *actor = release_deploy_actor(d);

	memset(e, 0, sizeof *e);
	e->seq = release_deploy_seq(d);
	e->kind = release_deploy_kind(d);
	e->failed = release_deploy_failed(d);
	e->forced = release_deploy_forced(d);
	e->from_version = release_deploy_from_version(d);
	e->to_version = release_deploy_to_version(d);
	e->started = release_deploy_started(d);
	e->ended = release_deploy_ended(d);
	e->until = release_deploy_until(d);
	if (e->seq == 0)
		fz_finding("a deployment log entry numbered 0");
	if (!release_deploy_app(d) || strcmp(release_deploy_app(d), RECORDS_APP) != 0)
		fz_finding("deployment log entry %llu names the app '%s'", (unsigned long long)e->seq,
			   release_deploy_app(d) ? release_deploy_app(d) : "(null)");
	if (e->kind != RELEASE_DEPLOY_PROMOTE && e->kind != RELEASE_DEPLOY_ROLLBACK)
		fz_finding("deployment log entry %llu is of kind %d", (unsigned long long)e->seq,
			   e->kind);
	if (!records_id_shape(to, 'R'))
		fz_finding("deployment log entry %llu promoted '%s'", (unsigned long long)e->seq,
			   to ? to : "(null)");
	if (from && !records_id_shape(from, 'R'))
		fz_finding("deployment log entry %llu came from '%s'", (unsigned long long)e->seq,
			   from);
	if (target && !records_id_shape(target, 'R'))
		fz_finding("deployment log entry %llu rolled back to '%s'",
			   (unsigned long long)e->seq, target);
	if (target && e->kind == RELEASE_DEPLOY_PROMOTE)
		fz_finding("deployment log entry %llu is a promotion with the target %s",
			   (unsigned long long)e->seq, target);
	if (!target && e->kind == RELEASE_DEPLOY_ROLLBACK)
		fz_finding("deployment log entry %llu is a rollback without a target",
			   (unsigned long long)e->seq);
	if (e->failed && e->until != 0)
		fz_finding("failed deployment log entry %llu has until %lld",
			   (unsigned long long)e->seq, (long long)e->until);
	if (actor && !records_actor_ok(actor))
		fz_finding("deployment log entry %llu has the actor '%s'", (unsigned long long)e->seq,
			   actor);
	copy_id(e->from, from);
	copy_id(e->to, to);
	copy_id(e->target, target);
	if ((e->has_actor = actor != NULL))
		strcpy(e->actor, actor);
}

const char *records_dent_diff(const struct dent *a, const struct dent *b)
{
	if (a->seq != b->seq)
		return "seq";
	if (a->kind != b->kind)
		return "kind";
	if (a->failed != b->failed)
		return "failed";
	if (a->forced != b->forced)
		return "forced";
	if (a->from_version != b->from_version || strcmp(a->from, b->from) != 0)
		return "from";
	if (a->to_version != b->to_version || strcmp(a->to, b->to) != 0)
		return "to";
	if (strcmp(a->target, b->target) != 0)
		return "target";
	if (a->has_actor != b->has_actor || strcmp(a->actor, b->actor) != 0)
		return "actor";
	if (a->started != b->started || a->ended != b->ended)
		return "started or ended";
	if (a->until != b->until)
		return "until";
	return NULL;
}

int records_dent_same(const struct dent *a, const struct dent *b)
{
	return records_dent_diff(a, b) == NULL;
}

/* Takes d, and checks that its copy tells the same. */
static void take(struct dent *e, const release_deploy *d)
{
	release_deploy *c = release_deploy_dup(d);
	struct dent ce;
	const char *what;

	records_dent_take(e, d);
	if (!c)
		return; /* out of memory: allowed */
	records_dent_take(&ce, c);
	release_deploy_free(c);
	if ((what = records_dent_diff(e, &ce)))
		fz_finding("release_deploy_dup of entry %llu differs in %s",
			   (unsigned long long)e->seq, what);
}

/* ------------------------------------------------------------ listings */

struct dlist {
	struct dent *v;
	size_t n, cap;
	size_t steps; /* items and failed steps */
	int clean;    /* no step failed */
};

static void push(struct dlist *l, const struct dent *e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct dent *v = realloc(l->v, cap * sizeof *v);

		if (!v)
			fz_finding("out of memory in the target");
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *e;
}

/* Lists the log (limit 0: all; before 0: from the newest) into l; returns
 * release_deploy_list's result. */
static int list_log(release_store *s, size_t limit, uint64_t before, struct dlist *l)
{
	release_list_opts o;
	release_deploy_iter *it = NULL;
	const release_deploy *d;
	int rc;

	memset(l, 0, sizeof *l);
	release_list_opts_init(&o);
	o.limit = limit;
	o.before = before;
	if ((rc = fz_rc(release_deploy_list(s, RECORDS_APP, &o, &it), "release_deploy_list")) != 0) {
		if (it)
			fz_finding("release_deploy_list failed but set *out");
		return rc;
	}
	l->clean = 1;
	for (;;) {
		struct dent e;

		rc = fz_iter_rc(release_deploy_iter_next(it, &d), "release_deploy_iter_next");
		fz_trace("deploy list (limit %zu, before %llu) step %zu: %s %llu %s", limit,
			 (unsigned long long)before, l->steps, release_strerror(rc),
			 (unsigned long long)(d ? release_deploy_seq(d) : 0),
			 rc && rc != RELEASE_ITEROVER ? release_store_errmsg(s) : "");
		if (rc == RELEASE_ITEROVER)
			break;
		/* Damage no entry can be blamed for (a backend that scans
		 * past the limit) is reported once, after the entries. */
		if (limit && ((rc == 0 && l->n == limit) || l->steps == limit + 1))
			fz_finding("release_deploy_list gave more than its limit %zu", limit);
		l->steps++;
		if (rc != 0) {
			if (d)
				fz_finding("release_deploy_iter_next failed but set *out");
			l->clean = 0;
			if (rc != RELEASE_ECORRUPT)
				break; /* it would say the same again */
			continue;
		}
		take(&e, d);
		if (before && e.seq >= before)
			fz_finding("release_deploy_list: entry %llu not before %llu",
				   (unsigned long long)e.seq, (unsigned long long)before);
		if (l->n && e.seq >= l->v[l->n - 1].seq)
			fz_finding("release_deploy_list: entry %llu after %llu",
				   (unsigned long long)e.seq, (unsigned long long)l->v[l->n - 1].seq);
		push(l, &e);
	}
	release_deploy_iter_free(it);
	return 0;
}

/* In a clean listing of the whole log: each entry's until is the end of
 * the next successful entry above it (0 for the top one and failures). */
static void check_untils(const struct dlist *l)
{
	int64_t next_ok = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct dent *e = &l->v[i];
		int64_t want = e->failed ? 0 : next_ok;

		if (e->until != want)
			fz_finding("deployment log entry %llu has until %lld, the next successful "
				   "entry's end is %lld",
				   (unsigned long long)e->seq, (long long)e->until, (long long)want);
		if (!e->failed)
			next_ok = e->ended;
	}
}

/* The log a page at a time: the pages, in turn, are the whole listing. */
static void page_log(release_store *s, size_t limit, const struct dlist *whole)
{
	uint64_t before = 0;
	size_t at = 0;
	int clean = whole->clean;

	for (int pages = 0; pages < 300; pages++) {
		struct dlist page;

		if (list_log(s, limit, before, &page) != 0) {
			clean = 0;
			break;
		}
		clean &= page.clean;
		for (size_t i = 0; i < page.n; i++, at++) {
			const char *what = NULL;

			if (clean && (at >= whole->n ||
				      (what = records_dent_diff(&page.v[i], &whole->v[at]))))
				fz_finding("deployment log paged by %zu: entry %llu %s%s", limit,
					   (unsigned long long)page.v[i].seq,
					   what ? "differs from the whole listing's in " : "is not in the "
											   "whole listing",
					   what ? what : "");
		}
		if (page.n)
			before = page.v[page.n - 1].seq;
		free(page.v);
		if (page.steps < limit || page.n == 0 || before <= 1)
			break;
	}
	if (clean && at != whole->n)
		fz_finding("deployment log paged by %zu: %zu entries, the whole listing has %zu", limit,
			   at, whole->n);
}

/* release_deploy_at(t): in a clean log, the newest successful entry that
 * ended by t, as the listing has it; else one that did, if any. */
static void check_at(release_store *s, int64_t t, const struct dlist *whole)
{
	release_deploy *d = NULL;
	const struct dent *want = NULL;
	struct dent got;
	const char *what;
	int rc = fz_rc(release_deploy_at(s, RECORDS_APP, t, &d), "release_deploy_at");

	for (size_t i = 0; i < whole->n && !want; i++)
		if (!whole->v[i].failed && whole->v[i].ended <= t)
			want = &whole->v[i];
	if (rc != 0) {
		if (d)
			fz_finding("release_deploy_at failed but set *out");
		if (whole->clean && want)
			fz_finding("release_deploy_at(%lld) failed (%s) though entry %llu was live",
				   (long long)t, release_strerror(rc), (unsigned long long)want->seq);
		if (whole->clean && rc != RELEASE_ENOTFOUND)
			fz_finding("release_deploy_at(%lld) failed (%s) over a clean log", (long long)t,
				   release_strerror(rc));
		return;
	}
	take(&got, d);
	release_deploy_free(d);
	if (got.failed || got.ended > t)
		fz_finding("release_deploy_at(%lld) gave entry %llu, failed %d, ended %lld",
			   (long long)t, (unsigned long long)got.seq, got.failed, (long long)got.ended);
	if (!whole->clean)
		return;
	if (!want)
		fz_finding("release_deploy_at(%lld) gave entry %llu; the listing has none live then",
			   (long long)t, (unsigned long long)got.seq);
	if ((what = records_dent_diff(&got, want)))
		fz_finding("release_deploy_at(%lld) gave entry %llu, which differs from the "
			   "listing's %llu in %s",
			   (long long)t, (unsigned long long)got.seq, (unsigned long long)want->seq,
			   what);
}

void records_read_deploy(release_store *s, const unsigned char *params, struct seen *seen)
{
	struct dlist whole;
	size_t limit = params[P_LIMIT] % 8;
	int64_t times[12];
	size_t nt = 0;
	int rc;

	seen->dep_clean = 0;
	if (params[P_FLAGS2] & P_F2_OLDER) {
		release_deploy *d = NULL;

		if ((rc = list_log(s, 0, 0, &whole)) != RELEASE_EUNSUPPORTED)
			fz_finding("release_deploy_list on a backend of storage version 2: %s",
				   release_strerror(rc));
		free(whole.v);
		if ((rc = release_deploy_at(s, RECORDS_APP, RECORDS_T0, &d)) != RELEASE_EUNSUPPORTED)
			fz_finding("release_deploy_at on a backend of storage version 2: %s",
				   release_strerror(rc));
		release_deploy_free(d);
		return;
	}
	if (list_log(s, 0, 0, &whole) != 0)
		return;
	if (whole.clean) {
		check_untils(&whole);
		seen->dep_clean = 1;
		seen->dep_top = whole.n ? whole.v[0].seq : 0;
	}
	if (limit)
		page_log(s, limit, &whole);
	times[nt++] = INT64_MIN;
	times[nt++] = INT64_MAX;
	times[nt++] = RECORDS_T0 + (int64_t)params[P_AT] * 1000000000;
	for (size_t i = 0; i < whole.n && nt + 3 <= sizeof times / sizeof *times; i++) {
		int64_t e = whole.v[i].ended;

		if (whole.v[i].failed)
			continue;
		times[nt++] = e;
		if (e > INT64_MIN)
			times[nt++] = e - 1;
		if (whole.v[i].until > INT64_MIN)
			times[nt++] = whole.v[i].until - 1;
	}
	for (size_t i = 0; i < nt; i++)
		check_at(s, times[i], &whole);
	free(whole.v);
}

/* ------------------------------------------------------------ writes */

int records_deploy_top(release_store *s, uint64_t *top)
{
	struct dlist l;
	int known;

	*top = 0;
	if (list_log(s, 1, 0, &l) != 0)
		return 0;
	known = l.clean;
	if (known && l.n)
		*top = l.v[0].seq;
	free(l.v);
	return known;
}

static const char *or_null(const char *s)
{
	return s[0] ? s : "(none)";
}

void records_check_entry(release_store *s, const struct expect *e, int rc)
{
	struct dlist l;
	const struct dent *d;
	const char *what = rc == 0 ? "a promotion" : release_strerror(rc);
	release *active = NULL;

	if (!e->top_known)
		return;
	if (list_log(s, 1, 0, &l) != 0 || !l.clean) {
		free(l.v);
		return;
	}
	d = l.n && l.v[0].seq > e->top ? &l.v[0] : NULL;
	if (!d) {
		if (e->commit && (rc == 0 || rc == RELEASE_EDEPLOY) && e->top < UINT64_MAX - 2)
			fz_finding("%s %s left no entry in the deployment log (its top is %llu)",
				   e->kind == RELEASE_DEPLOY_PROMOTE ? "promotion" : "rollback",
				   rc == 0 ? "that succeeded" : "that failed its deployer",
				   (unsigned long long)e->top);
		free(l.v);
		return;
	}
	if (rc != 0 && rc != RELEASE_EDEPLOY)
		fz_finding("%s that failed (%s) wrote deployment log entry %llu",
			   e->kind == RELEASE_DEPLOY_PROMOTE ? "a promotion" : "a rollback", what,
			   (unsigned long long)d->seq);
	if (d->seq != e->top + 1)
		fz_finding("the entry after %llu is numbered %llu", (unsigned long long)e->top,
			   (unsigned long long)d->seq);
	if (d->kind != e->kind)
		fz_finding("entry %llu is of kind %d, not %d", (unsigned long long)d->seq, d->kind,
			   e->kind);
	if (d->failed != (rc == RELEASE_EDEPLOY))
		fz_finding("entry %llu has failed %d after %s", (unsigned long long)d->seq, d->failed,
			   what);
	if (d->forced != e->forced)
		fz_finding("entry %llu has forced %d", (unsigned long long)d->seq, d->forced);
	if (e->to[0] && strcmp(d->to, e->to) != 0)
		fz_finding("entry %llu promoted %s, not %s", (unsigned long long)d->seq, d->to, e->to);
	if (e->from_known && strcmp(d->from, e->from) != 0)
		fz_finding("entry %llu came from %s; %s was active", (unsigned long long)d->seq,
			   or_null(d->from), or_null(e->from));
	if (e->kind == RELEASE_DEPLOY_ROLLBACK && e->target[0] && strcmp(d->target, e->target) != 0)
		fz_finding("rollback entry %llu has the target %s, not %s", (unsigned long long)d->seq,
			   or_null(d->target), e->target);
	if (e->kind == RELEASE_DEPLOY_ROLLBACK && !e->target[0] && e->from_known &&
	    strcmp(d->target, e->previous) != 0)
		fz_finding("rollback entry %llu has the target %s; the previous release was %s",
			   (unsigned long long)d->seq, or_null(d->target), or_null(e->previous));
	if (!d->has_actor || strcmp(d->actor, release_store_actor(s)) != 0)
		fz_finding("entry %llu has the actor '%s', the store's is '%s'",
			   (unsigned long long)d->seq, d->has_actor ? d->actor : "(null)",
			   release_store_actor(s));
	if (d->until != 0)
		fz_finding("the newest entry %llu has until %lld", (unsigned long long)d->seq,
			   (long long)d->until);
	if (d->started > d->ended)
		fz_finding("entry %llu started at %lld, after it ended at %lld",
			   (unsigned long long)d->seq, (long long)d->started, (long long)d->ended);
	/* A release's promoted (and failed) time is the latest it was given:
	 * the entry's end unless the clock was set back since an earlier
	 * promotion. */
	if (rc == 0 && release_get_active(s, RECORDS_APP, &active) == 0) {
		if (strcmp(release_id(active), d->to) != 0 || release_promoted(active) < d->ended)
			fz_finding("entry %llu promoted %s, ending at %lld; the active release is %s, "
				   "promoted at %lld",
				   (unsigned long long)d->seq, d->to, (long long)d->ended,
				   release_id(active), (long long)release_promoted(active));
	}
	release_free(active);
	active = NULL;
	/* a failure's end is when its release was marked failed */
	if (rc == RELEASE_EDEPLOY && release_get(s, RECORDS_APP, d->to, &active) == 0 &&
	    release_failed(active) < d->ended)
		fz_finding("entry %llu failed at %lld; its release %s says it failed at %lld",
			   (unsigned long long)d->seq, (long long)d->ended, d->to,
			   (long long)release_failed(active));
	release_free(active);
	free(l.v);
}
