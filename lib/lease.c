/* The lease of a promotion: a backend's hold, or an expiring record. */
#include "promotion.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WAIT_STEP_NS 10000000 /* how often a waiting promoter looks again */

/* Gives the lease back if it is still ours (a forced promotion may have
 * taken it). Failing to is harmless: the lease expires. */
void drop_lease(struct promotion *p)
{
	p->holding = 0;
	if (p->hold_taken) {
		p->s->st->unhold(p->s->ctx, p->hold);
		p->hold = NULL;
		p->hold_taken = 0;
	}
	if (!p->lease.p)
		return;
	p->s->st->cas(p->s->ctx, p->app, RELEASE_KIND_META, "lease", p->lease.p, p->lease.len,
		      NULL, 0);
	buf_free(&p->lease);
}

/* Extends our lease record by the store's lease_ns. */
int renew_lease(struct promotion *p)
{
	release_store *s = p->s;
	struct lease mine;
	struct buf next = {0};
	int rc;

	if ((rc = decode_lease(p->lease.p, p->lease.len, &mine)) != 0)
		return fail(s, rc == RELEASE_ENOMEM ? rc : RELEASE_EIO, "renewing lease");
	mine.expires = time_after(store_now(s), s->lease_ns);
	encode_lease(&next, &mine);
	free(mine.owner);
	if (next.err)
		return fail(s, next.err, "encoding lease");
	rc = s->st->cas(s->ctx, p->app, RELEASE_KIND_META, "lease", p->lease.p, p->lease.len,
			next.p, next.len);
	rc = settle_write(s, rc, "renewing lease", p->app, RELEASE_KIND_META, "lease", next.p,
			  next.len, NULL);
	if (rc == 0) {
		buf_free(&p->lease);
		p->lease = next;
		p->lease_expires = mine.expires;
		return 0;
	}
	buf_free(&next);
	if (rc == RELEASE_ECONFLICT)
		rc = fail(s, RELEASE_EBUSY, "app '%s': the lease was taken over", p->app);
	return rc;
}

/* Seconds from the store's now to t, for messages. */
static long long secs_from_now(release_store *s, int64_t t)
{
	int64_t now = store_now(s);

	/* whole seconds first: their difference cannot overflow */
	return (long long)(t / 1000000000 - now / 1000000000);
}

/* The lease record of a promotion on the record protocol (a backend without
 * holds, or a process of an older library), if live: RELEASE_EBUSY. */
static int live_lease_record(struct promotion *p, struct raw *cur)
{
	release_store *s = p->s;
	struct lease held;
	int rc = read_record(s, p->app, RELEASE_KIND_META, "lease", cur), drc;

	if (rc != 0 || !cur->found)
		return rc;
	if ((drc = decode_lease(cur->data, cur->len, &held)) == RELEASE_ENOMEM)
		return fail(s, drc, "out of memory");
	/* A lease we cannot read is treated as expired: it must never block
	 * the app forever. */
	if (drc != 0)
		return 0;
	if (held.expires > store_now(s) && !(p->o.flags & RELEASE_PROMOTE_FORCE))
		rc = fail(s, RELEASE_EBUSY,
			  "app '%s' is currently updating (lease held by %.100s, expires in %lld s)",
			  p->app, held.owner, secs_from_now(s, held.expires));
	free(held.owner);
	return rc;
}

/* Words who holds app into buf. */
static const char *hold_text(release_store *s, const char *app, char *buf, size_t len)
{
	struct lease l;
	int found;

	if (read_hold(s, app, &l, &found) != 0 || !found) {
		snprintf(buf, len, "held by another promotion");
		return buf;
	}
	if (l.started)
		snprintf(buf, len, "held by %.100s, for %lld s", l.owner,
			 secs_from_now(s, l.started) > 0 ? 0 : -secs_from_now(s, l.started));
	else
		snprintf(buf, len, "held by %.100s", l.owner);
	free(l.owner);
	return buf;
}

/* Takes the app's hold (a backend's lock that ends with its holder). Forced,
 * a promotion goes on without it when another holds it. */
static int take_hold(struct promotion *p)
{
	release_store *s = p->s;
	struct lease mine = {{0}, p->owner, 0, 0};
	struct buf info = {0};
	struct raw cur = {0};
	char who[200];
	int rc;

	if ((rc = make_token(s, mine.token)) != 0)
		return rc;
	mine.started = store_now(s);
	encode_lease(&info, &mine);
	if (info.err)
		return fail(s, info.err, "encoding hold");
	p->hold = NULL;
	rc = s->st->hold(s->ctx, p->app, info.p, info.len, &p->hold);
	buf_free(&info);
	if (rc == RELEASE_EBUSY) {
		p->hold = NULL;
		if (p->o.flags & RELEASE_PROMOTE_FORCE) {
			p->holding = 1;
			return 0;
		}
		return fail(s, RELEASE_EBUSY, "app '%s' is currently updating (%s)", p->app,
			    hold_text(s, p->app, who, sizeof who));
	}
	if (rc != 0) {
		p->hold = NULL;
		return fail_backend(s, rc, "taking hold");
	}
	if ((rc = live_lease_record(p, &cur)) != 0) {
		s->st->unhold(s->ctx, p->hold);
		p->hold = NULL;
	} else {
		p->holding = 1;
		p->hold_taken = 1;
	}
	raw_free(&cur);
	return rc;
}

/* Takes the app's lease: free, expired, or (forced) anyone's. */
static int take_lease(struct promotion *p)
{
	release_store *s = p->s;
	struct raw cur;
	struct lease mine = {{0}, p->owner, 0, 0};
	int rc, unknown = 0;

	if (has_hold(s))
		return take_hold(p);
	if ((rc = make_token(s, mine.token)) != 0)
		return rc;
	mine.started = store_now(s);
	mine.expires = time_after(mine.started, s->lease_ns);
	p->lease_expires = mine.expires;
	encode_lease(&p->lease, &mine);
	if (p->lease.err)
		return fail(s, p->lease.err, "encoding lease");
	if ((rc = read_record(s, p->app, RELEASE_KIND_META, "lease", &cur)) != 0) {
		buf_free(&p->lease);
		return rc;
	}
	if (cur.found) {
		struct lease held;
		int drc = decode_lease(cur.data, cur.len, &held);

		if (drc == RELEASE_ENOMEM)
			rc = fail(s, drc, "out of memory");
		if (drc == 0) {
			int live = held.expires > store_now(s);

			if (live && !(p->o.flags & RELEASE_PROMOTE_FORCE)) {
				rc = fail(s, RELEASE_EBUSY,
					  "app '%s' is currently updating (lease held by %.100s, "
					  "expires in %lld s)",
					  p->app, held.owner, secs_from_now(s, held.expires));
			}
			free(held.owner);
		}
		/* A lease we cannot read is treated as expired: it must never
		 * block the app forever. */
	}
	if (rc == 0) {
		rc = s->st->cas(s->ctx, p->app, RELEASE_KIND_META, "lease", cur.data, cur.len,
				p->lease.p, p->lease.len);
		/* A lease written but reported lost is ours all the same: as not
		 * taken, nobody would give it back and the app would stay blocked. */
		rc = settle_write(s, rc, "taking lease", p->app, RELEASE_KIND_META, "lease",
				  p->lease.p, p->lease.len, &unknown);
		if (rc == RELEASE_ECONFLICT)
			rc = fail(s, RELEASE_EBUSY, "app '%s' is currently updating", p->app);
	}
	raw_free(&cur);
	if (unknown) /* it may have been written: give it back if it was */
		drop_lease(p);
	if (rc != 0)
		buf_free(&p->lease);
	else
		p->holding = 1;
	return rc;
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Takes the lease, waiting up to wait_ns of real time while the app is busy.
 * Waiting uses the monotonic clock, not the store's, which may be a test's. */
int wait_lease(struct promotion *p)
{
	int64_t deadline = time_after(monotonic_ns(), p->o.wait_ns);
	int rc;

	while ((rc = take_lease(p)) == RELEASE_EBUSY && p->o.wait_ns > 0) {
		int64_t left = deadline - monotonic_ns();
		struct timespec ts = {0, left < WAIT_STEP_NS ? (long)left : WAIT_STEP_NS};

		if (left <= 0)
			break;
		nanosleep(&ts, NULL);
	}
	if (rc == 0)
		p->started = store_now(p->s);
	return rc;
}
