/* Promotion and rollback: the lease, the deployer, the active pointer. */
#include "internal.h"
#include "promotion.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SOURCE "librelease"


RELEASE_API void release_promote_opts_init_sized(release_promote_opts *opts, size_t size)
{
	OPTS_INIT(opts, size);
}

RELEASE_API int release_events_emit(release_events *events, const char *source,
				    const char *message)
{
	if (!events || !source || !message)
		return RELEASE_EINVAL;
	if (events->fn)
		events->fn(events->payload, store_now(events->store), source, message);
	/* A deployer that reports progress keeps an expiring lease alive:
	 * renewed once half of it has passed. */
	if (events->promotion && events->promotion->lease.p) {
		const struct promotion *p = events->promotion;

		if (p->lease_expires - store_now(events->store) < p->s->lease_ns / 2) {
			/* best effort: a failure here is no failure of the
			 * promotion, whose message it must not become */
			char saved[ERRMSG_MAX];

			memcpy(saved, p->s->errmsg, sizeof saved);
			renew_lease(events->promotion);
			memcpy(p->s->errmsg, saved, sizeof saved);
		}
	}
	return 0;
}

RELEASE_API int release_events_keepalive(release_events *events)
{
	if (!events)
		return RELEASE_EINVAL;
	if (!events->promotion || !events->promotion->lease.p)
		return 0; /* a hold lasts as long as its holder: nothing to renew */
	return renew_lease(events->promotion);
}

static void status_event(struct promotion *p, const char *from, const char *to)
{
	char msg[64];

	snprintf(msg, sizeof msg, "app Status: %s => %s", from, to);
	release_events_emit(&p->ev, SOURCE, msg);
}

#define PROMOTE_FLAGS (RELEASE_PROMOTE_FORCE | RELEASE_PROMOTE_IF_PENDING)

static int prepare(struct promotion *p, release_store *s, const char *app,
		   const release_promote_opts *opts)
{
	int rc;

	memset(p, 0, sizeof *p);
	p->s = s;
	p->app = app;
	release_promote_opts_init(&p->o);
	if ((rc = TAKE_OPTS(s, &p->o, opts, PROMOTE_OPTS_1_0, "release_promote_opts")) != 0)
		return rc;
	if (p->o.flags & ~(unsigned)PROMOTE_FLAGS)
		return fail(s, RELEASE_EINVAL, "release_promote_opts.flags has unknown bits 0x%x",
			    p->o.flags & ~(unsigned)PROMOTE_FLAGS);
	p->ev.store = s;
	p->ev.fn = p->o.on_event;
	p->ev.payload = p->o.event_payload;
	p->ev.promotion = p;
	if (p->o.wait_ns < 0)
		return fail(s, RELEASE_EINVAL, "wait_ns is negative");
	if (p->o.owner && strlen(p->o.owner) >= sizeof p->owner)
		return fail(s, RELEASE_EINVAL, "lease owner is longer than %zu bytes",
			    sizeof p->owner - 1);
	if (p->o.owner) {
		strcpy(p->owner, p->o.owner);
	} else {
		char host[64] = "";

		if (gethostname(host, sizeof host - 1) != 0)
			host[0] = '\0';
		snprintf(p->owner, sizeof p->owner, "pid %ld on %s", (long)getpid(),
			 host[0] ? host : "this host");
	}
	return 0;
}

/* The deployment log's entry for the promotion of r from cur, ending at
 * ended; failed: the deployer's return. Its strings are borrowed. */
static void entry_of(const struct promotion *p, const release *r, const struct active_ptr *cur,
		     int64_t ended, int failed, release_deploy *d)
{
	memset(d, 0, sizeof *d);
	d->app = (char *)p->app;
	d->kind = p->kind;
	d->failed = failed;
	d->forced = (p->o.flags & RELEASE_PROMOTE_FORCE) != 0;
	if (cur->id[0]) {
		strcpy(d->from, cur->id);
		d->from_version = cur->version;
	}
	strcpy(d->to, r->id);
	d->to_version = r->version;
	strcpy(d->target, p->target);
	d->actor = (char *)store_actor(p->s);
	d->started = p->started;
	d->ended = ended;
}

/*
 * Marks r failed after its deployer returned drc: on a version-2 backend in
 * one commit with the deployment log's entry (and the app record checked),
 * else the stamp then the entry, each alone. A read of the log that fails
 * is tried again (twice): 2 when that made it, the first failure in the
 * store's message. When the log still cannot be read, r is marked failed
 * alone: 1, the cause in the message.
 */
static int record_failure(struct promotion *p, const release *r, const struct active_ptr *cur,
			  int drc)
{
	release_store *s = p->s;
	int rc = 0, unread = 0;
	char first[ERRMSG_MAX] = "";

	if (!has_commit(s) || !has_deploy_log(s)) {
		release_deploy d;
		int64_t now = store_now(s);

		if ((rc = stamp_release(s, p->app, r->id, 1, now)) != 0)
			return rc;
		entry_of(p, r, cur, now, drc, &d);
		return deploy_entry_put(s, p->app, &d);
	}
	int64_t when = 0; /* the failure's time: once, whatever is tried again */

	for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
		struct raw app_raw = {0}, raw = {0};
		struct txn t = {0};
		struct buf b = {0};
		release *cur_r = NULL;
		release_deploy d;
		char key[DEPLOY_KEY_MAX];

		if ((rc = require_app_raw(s, p->app, &app_raw)) == 0 &&
		    (rc = load_release(s, p->app, r->id, &cur_r, &raw)) == 0) {
			if (!when)
				when = store_now(s);
			cur_r->failed = when;
			encode_release(&b, cur_r);
			txn_check_app(&t, &app_raw);
			txn_add_buf(&t, RELEASE_OP_CAS, RELEASE_KIND_RELEASE, r->id, 0, raw.data,
				    raw.len, &b);
			entry_of(p, r, cur, cur_r->failed, drc, &d);
			if ((rc = deploy_entry_op(s, p->app, &d, &t, key)) != 0) {
				char why[ERRMSG_MAX];

				memcpy(why, s->errmsg, sizeof why);
				if (!unread)
					memcpy(first, why, sizeof first);
				release_free(cur_r);
				txn_free(&t);
				raw_free(&app_raw);
				raw_free(&raw);
				if (++unread < 3)
					continue; /* a read that failed once may not again */
				if ((rc = stamp_release(s, p->app, r->id, 1, 0)) != 0)
					return rc;
				memcpy(s->errmsg, why, sizeof why);
				return 1;
			}
		}
		if (rc == 0)
			rc = txn_commit(s, p->app, &t, 1, "recording the failure", NULL, NULL);
		if (rc == 0 && unread) {
			memcpy(s->errmsg, first, sizeof first);
			rc = 2;
		}
		release_free(cur_r);
		txn_free(&t);
		raw_free(&app_raw);
		raw_free(&raw);
		if (rc != RELEASE_ECONFLICT)
			return rc;
	}
	return fail(s, RELEASE_ECONFLICT, "app '%s': release %s kept changing", p->app, r->id);
}

/* Ends a promotion that holds the lease. */
static void finish(struct promotion *p)
{
	status_event(p, "updating", "running");
	drop_lease(p);
}

/* Adds the rewrite of release id with its promoted time set to when (only
 * if it says less) to t; its bytes go to *raw, which t borrows, as it
 * borrows id. A release
 * that cannot be read is left out (0) unless required: the outgoing
 * release's stamp is best effort. */
static int add_stamp(struct promotion *p, struct txn *t, const char *id, int64_t when,
		     struct raw *raw, int required)
{
	release *r;
	struct buf b = {0};
	int rc = load_release(p->s, p->app, id, &r, raw);

	if (!required && rc != 0) {
		clear_error(p->s);
		return 0;
	}
	if (rc != 0)
		return rc;
	if (r->promoted < when) {
		r->promoted = when;
		encode_release(&b, r);
		txn_add_buf(t, RELEASE_OP_CAS, RELEASE_KIND_RELEASE, id, 0, raw->data, raw->len, &b);
	} else if (required) {
		txn_add(t, RELEASE_OP_CHECK, RELEASE_KIND_RELEASE, id, 0, raw->data, raw->len, NULL,
			0);
	}
	release_free(r);
	return 0;
}

/*
 * The end of a promotion on a version-2 backend: in one commit, the pointer
 * moves from cur (bytes cur_raw) to r, r is stamped promoted, the outgoing
 * release gets the stamp its pointer held, and a lease record of ours is
 * given back; all checked against the app record. Stamps that changed
 * meanwhile are read again; a pointer that changed fails the promotion.
 */
static int commit_promotion(struct promotion *p, const release *r, const struct active_ptr *cur,
			    const struct raw *cur_raw)
{
	release_store *s = p->s;
	int rc = 0;

	for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
		struct raw app_raw = {0}, r_raw = {0}, out_raw = {0};
		struct txn t = {0};
		struct active_ptr next;
		struct buf enc = {0};
		size_t failed = SIZE_MAX, lease_op = TXN_OPS; /* a read's conflict names no op */
		release_deploy d;
		char key[DEPLOY_KEY_MAX];

		memset(&next, 0, sizeof next);
		next.version = r->version;
		strcpy(next.id, r->id);
		next.promoted = store_now(s);
		strcpy(next.previous, strcmp(cur->id, r->id) == 0 ? cur->previous : cur->id);
		encode_active(&enc, &next);
		if ((rc = require_app_raw(s, p->app, &app_raw)) == 0) {
			txn_check_app(&t, &app_raw);
			txn_add_buf(&t, RELEASE_OP_CAS, RELEASE_KIND_META, "active", 0, cur_raw->data,
				    cur_raw->len, &enc);
			/* gone (pruned) since it was read: it must not become active */
			rc = add_stamp(p, &t, r->id, next.promoted, &r_raw, 1);
		}
		if (rc == 0 && cur->id[0] && strcmp(cur->id, r->id) != 0)
			rc = add_stamp(p, &t, cur->id, cur->promoted, &out_raw, 0);
		if (rc == 0 && p->lease.p) {
			lease_op = t.n;
			txn_add(&t, RELEASE_OP_CAS, RELEASE_KIND_META, "lease", 0, p->lease.p,
				p->lease.len, NULL, 0);
		}
		if (rc == 0) {
			/* a seq taken meanwhile (a forced promotion) fails the
			 * commit, which is then tried again */
			entry_of(p, r, cur, next.promoted, 0, &d);
			rc = deploy_entry_op(s, p->app, &d, &t, key);
		}
		if (rc == 0)
			rc = txn_commit(s, p->app, &t, 1, "moving active pointer", &failed,
					&p->swap_unknown);
		buf_free(&enc);
		txn_free(&t);
		raw_free(&app_raw);
		raw_free(&r_raw);
		raw_free(&out_raw);
		if (rc == 0) {
			p->promoted = next.promoted;
			if (p->lease.p) /* given back in the commit */
				buf_free(&p->lease);
			return 0;
		}
		if (rc != RELEASE_ECONFLICT)
			return rc;
		if (failed == 1)
			return fail(s, rc, "app '%s': the active release changed during the promotion",
				    p->app);
		if (failed == lease_op) { /* taken over: not ours to give back */
			buf_free(&p->lease);
			return fail(s, RELEASE_EBUSY,
				    "app '%s': the lease was taken over during the promotion", p->app);
		}
		/* the app record (then read again, it says whether the app is
		 * gone) or a stamp changed: once more */
	}
	return fail(s, RELEASE_ECONFLICT, "app '%s': the promotion's records kept changing", p->app);
}

/* A promotion's RELEASE_EEXIST means RELEASE_PROMOTE_IF_PENDING found
 * nothing to do, which callers take as done: a storage that answers with
 * it must not pass for that. */
static int storage_exists(release_store *s, int rc)
{
	char why[ERRMSG_MAX / 2];

	if (rc != RELEASE_EEXIST)
		return rc;
	snprintf(why, sizeof why, "%.250s", s->errmsg);
	return fail(s, RELEASE_EIO, "%s (the storage answered RELEASE_EEXIST)", why);
}

/*
 * RELEASE_PROMOTE_IF_PENDING's check, once the lease is held: EEXIST
 * when r is the active release (cur), or when it was deployed since it was
 * found pending, as read again now: its promotion failed, or it was active
 * and a forced promotion moved away from it. Either way another promoter
 * deployed it, and a caller that found it pending must not deploy it again.
 */
static int deployed_before(struct promotion *p, const release *r, const struct active_ptr *cur)
{
	release_store *s = p->s;
	release *now;
	int rc;

	if (strcmp(cur->id, r->id) == 0)
		return fail(s, RELEASE_EEXIST,
			    "app '%s': %s is the active release already; nothing done", p->app,
			    r->id);
	if ((rc = load_release(s, p->app, r->id, &now, NULL)) != 0)
		return storage_exists(s, rc);
	/* the pointer keeps the time of a release it moved away from, whose
	 * own stamp may not have been written (version 1) */
	if (now->promoted || strcmp(cur->previous, r->id) == 0)
		rc = fail(s, RELEASE_EEXIST,
			  "app '%s': %s was deployed already, and %s is active since; nothing done",
			  p->app, r->id, cur->id[0] ? cur->id : "no release");
	else if (now->failed)
		rc = fail(s, RELEASE_EEXIST,
			  "app '%s': %s was deployed already, and failed; nothing done", p->app,
			  r->id);
	release_free(now);
	return rc;
}

/* Runs the promotion of r (as read), taking the lease unless p holds it;
 * gives the lease back whatever happens. */
static int promote(struct promotion *p, release *r)
{
	release_store *s = p->s;
	struct active_ptr cur, next;
	struct raw cur_raw = {0};
	struct buf enc = {0};
	int announce = !p->holding, announced = !announce, nothing_to_do = 0, rc;

	/* The lease first: once it is held, only a forced promotion can move
	 * the pointer, so what we read next stays true until our swap. */
	if (announce && (rc = wait_lease(p)) != 0)
		goto out;
	if ((rc = read_active(s, p->app, &cur, &cur_raw)) != 0)
		goto out;
	if (cur.id[0] && r->version < cur.version && !(p->o.flags & RELEASE_PROMOTE_FORCE)) {
		rc = fail(s, RELEASE_EOLDER,
			  "can not promote an older release, try rollback (%s is version %llu, "
			  "active %s is %llu)",
			  r->id, (unsigned long long)r->version, cur.id,
			  (unsigned long long)cur.version);
		goto out;
	}
	/* Checked under the lease: a second agent that saw id pending before
	 * the first promoted it learns here that there is nothing to do. */
	if ((p->o.flags & RELEASE_PROMOTE_IF_PENDING) &&
	    (rc = deployed_before(p, r, &cur)) != 0) {
		nothing_to_do = rc == RELEASE_EEXIST;
		goto out;
	}
	if (announce) {
		status_event(p, "running", "updating");
		announced = 1;
	}
	if (p->o.deploy) {
		int drc = p->o.deploy(p->o.deploy_payload, r, &p->ev);

		if (drc != 0) {
			char why[ERRMSG_MAX / 2] = "";
			int frc;

			status_event(p, "updating", "rollback");
			frc = record_failure(p, r, &cur, drc);

			if (frc == 2)
				snprintf(why, sizeof why,
					 " (recorded after reading the deployment log failed: %.200s)",
					 s->errmsg);
			else if (frc == 1)
				snprintf(why, sizeof why,
					 " (its deployment log entry could not be written: %.200s)",
					 s->errmsg);
			else if (frc != 0)
				snprintf(why, sizeof why, " (marking it failed failed too: %.200s)",
					 s->errmsg);
			status_event(p, "rollback", "running");
			drop_lease(p);
			rc = fail(s, RELEASE_EDEPLOY,
				  "app '%s': deployment of %s failed (deployer returned %d); %s stays "
				  "active%s",
				  p->app, r->id, drc, cur.id[0] ? cur.id : "nothing", why);
			goto out;
		}
	}
	if (has_commit(s)) {
		rc = commit_promotion(p, r, &cur, &cur_raw);
		if (rc != 0 && p->swap_unknown) {
			char why[ERRMSG_MAX / 2];

			snprintf(why, sizeof why, "%.250s", s->errmsg);
			rc = fail(s, rc, "app '%s': whether %s became active is unknown: %s", p->app,
				  r->id, why);
		}
		goto out;
	}
	/* The outgoing release's own stamp may have been lost when it was
	 * promoted (the pointer held its time until now): write it before the
	 * pointer forgets. Best effort; a failure costs only that time. */
	if (cur.id[0] && strcmp(cur.id, r->id) != 0 &&
	    stamp_release(s, p->app, cur.id, 0, cur.promoted) != 0)
		clear_error(s);
	/* The swap compares against the pointer as read before the deployer
	 * ran: if a forced promotion moved it meanwhile, ours must lose. */
	memset(&next, 0, sizeof next);
	next.version = r->version;
	strcpy(next.id, r->id);
	next.promoted = store_now(s);
	strcpy(next.previous, strcmp(cur.id, r->id) == 0 ? cur.previous : cur.id);
	encode_active(&enc, &next);
	if (enc.err) {
		rc = fail(s, enc.err, "encoding active pointer");
	} else {
		rc = s->st->cas(s->ctx, p->app, RELEASE_KIND_META, "active", cur_raw.data,
				cur_raw.len, enc.p, enc.len);
		/* Reported failed, the swap may still have happened: the pointer,
		 * read back, says whether the promotion did. */
		rc = settle_write(s, rc, "moving active pointer", p->app, RELEASE_KIND_META, "active",
				  enc.p, enc.len, &p->swap_unknown);
		if (rc == RELEASE_ECONFLICT)
			rc = fail(s, rc, "app '%s': the active release changed during the promotion",
				  p->app);
		else if (p->swap_unknown) {
			char why[ERRMSG_MAX / 2];

			snprintf(why, sizeof why, "%.250s", s->errmsg);
			rc = fail(s, rc, "app '%s': whether %s became active is unknown: %s", p->app,
				  r->id, why);
		}
	}
	buf_free(&enc);
	/* The promotion has happened once the pointer moved; the pointer holds
	 * its time, so a stamp that cannot be written loses nothing. */
	if (rc == 0) {
		release_deploy d;

		p->promoted = next.promoted;
		if (stamp_release(s, p->app, r->id, 0, next.promoted) != 0)
			clear_error(s);
		/* Without commits the entry follows the swap: a crash between
		 * them loses it (as it would the stamp). */
		entry_of(p, r, &cur, next.promoted, 0, &d);
		if (deploy_entry_put(s, p->app, &d) != 0)
			clear_error(s);
	}
out:
	if (!nothing_to_do)
		rc = storage_exists(s, rc);
	/* A refusal before anything started has nothing to report. */
	if (p->holding && announced)
		finish(p);
	else
		drop_lease(p);
	raw_free(&cur_raw);
	return rc;
}

RELEASE_API int release_promote(release_store *store, const char *app, const char *id,
				const release_promote_opts *opts)
{
	struct promotion p;
	release *r;
	int rc;

	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	if ((rc = check_app(store, app)) != 0 || (rc = check_id(store, id, 'R', "release")) != 0 ||
	    (rc = prepare(&p, store, app, opts)) != 0)
		return rc;
	if ((rc = require_app(store, app)) != 0 || (rc = load_release(store, app, id, &r, NULL)) != 0)
		return storage_exists(store, rc);
	rc = promote(&p, r);
	release_free(r);
	return rc;
}

struct copy {
	const release *target;
	release_store *store;
	const char *app;
	struct raw build_raw;
};

/* The copy names its build's record as its newest user, in its own commit:
 * a prune that meanwhile decided the build was unused fails its own commit
 * (the build's bytes changed), or makes this one fail (the build is gone). */
static int copy_link_build(void *payload, struct txn *t, const release *r)
{
	struct copy *c = payload;

	raw_free(&c->build_raw);
	if (!r->build)
		return 0;
	return build_link_op(c->store, c->app, r->build, r->id, t, &c->build_raw);
}

static int copy_draft(void *payload, const release *newest, release *r)
{
	const struct copy *c = payload;
	release *t;
	int rc;

	(void)newest;
	/* read again after the app record the copy's commit checks */
	if ((rc = load_release(c->store, c->app, c->target->id, &t, NULL)) != 0)
		return rc;
	if ((t->build && !(r->build = dup_str(t->build))) || !(r->manifest = dup_str(t->manifest)) ||
	    !(r->description = dup_str(t->description)) || !(r->source = dup_str(t->id)))
		rc = RELEASE_ENOMEM;
	else
		rc = env_copy(&r->env, &t->env);
	release_free(t);
	return rc;
}

/* Replaces *r by the copy as stored now (its failure stamped), keeping the
 * failure's message; on a failed read *r stays as it was written. */
static void reread_copy(release_store *s, const char *app, release **r)
{
	char msg[ERRMSG_MAX];
	release *again = NULL;

	memcpy(msg, s->errmsg, sizeof msg);
	if (load_release(s, app, (*r)->id, &again, NULL) == 0) {
		release_free(*r);
		*r = again;
	}
	memcpy(s->errmsg, msg, sizeof msg);
}

/* release_rollback(); with keep, *out is also the copy when its promotion
 * failed. */
static int rollback(release_store *store, const char *app, const char *target,
		    const release_promote_opts *opts, int keep, release **out)
{
	struct promotion p;
	struct active_ptr a;
	release *t = NULL, *r = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	if ((rc = check_app(store, app)) != 0 ||
	    (target && (rc = check_id(store, target, 'R', "release")) != 0) ||
	    (rc = prepare(&p, store, app, opts)) != 0)
		return rc;
	if ((rc = require_app(store, app)) != 0)
		return rc;
	/* A target that does not exist is refused before anything is taken. */
	if (target && (rc = load_release(store, app, target, &t, NULL)) != 0)
		return rc;
	release_free(t);
	t = NULL;
	/* The lease comes first, so a busy app gets no orphan copy, and the
	 * target is decided by what is active once no other promotion runs. */
	if ((rc = wait_lease(&p)) != 0)
		return rc;
	if (!target) {
		if ((rc = read_active(store, app, &a, NULL)) == 0 && !a.previous[0])
			rc = fail(store, RELEASE_ENOTFOUND,
				  "app '%s' has no previously active release to roll back to", app);
		target = a.previous;
	}
	if (rc == 0)
		rc = load_release(store, app, target, &t, NULL);
	if (rc != 0) {
		drop_lease(&p);
		return rc;
	}
	status_event(&p, "running", "updating");
	p.kind = RELEASE_DEPLOY_ROLLBACK;
	strcpy(p.target, t->id);
	{
		struct copy c = {t, store, app, {0}};

		rc = write_release(store, app, copy_draft, copy_link_build, &c, &r);
		raw_free(&c.build_raw);
	}
	release_free(t);
	if (rc != 0) {
		finish(&p);
		return rc;
	}
	if ((rc = promote(&p, r)) != 0 && p.swap_unknown && read_active(store, app, &a, NULL) == 0) {
		/* The swap's outcome was unknown; the pointer, read again, tells. */
		if (strcmp(a.id, r->id) == 0) {
			clear_error(store);
			p.promoted = a.promoted;
			rc = 0;
		}
		p.swap_unknown = 0;
	}
	if (rc != 0) {
		char why[ERRMSG_MAX / 2];

		char prefix[80];
		size_t n = (size_t)snprintf(prefix, sizeof prefix, "app '%s': ", app);

		/* the cause usually names the app too: say it once */
		snprintf(why, sizeof why, "%.250s",
			 strncmp(store->errmsg, prefix, n) == 0 ? store->errmsg + n : store->errmsg);
		/* The deployer's failure is stamped already; a copy that may be
		 * active must not be marked failed. */
		if (rc != RELEASE_EDEPLOY && !p.swap_unknown)
			stamp_release(store, app, r->id, 1, 0);
		fail(store, rc, "app '%s': rollback release %s (copy of %s) was not promoted%s: %s",
		     app, r->id, r->source, p.swap_unknown ? " or its outcome is unknown" : "", why);
		if (keep)
			reread_copy(store, app, &r);
	}
	if (rc == 0) { /* as the store now has it, without reading it back */
		r->active = 1;
		r->promoted = p.promoted;
	}
	if ((rc == 0 || keep) && out)
		*out = r;
	else
		release_free(r);
	return rc;
}

RELEASE_API int release_rollback(release_store *store, const char *app, const char *target,
				 const release_promote_opts *opts, release **out)
{
	/* its copy is new, never active: RELEASE_EEXIST can only be the storage's */
	return storage_exists(store, rollback(store, app, target, opts, 0, out));
}

RELEASE_API int release_rollback_copy(release_store *store, const char *app, const char *target,
				      const release_promote_opts *opts, release **out)
{
	if (!out) {
		if (store)
			return fail(store, RELEASE_EINVAL, "release_rollback_copy needs out");
		return RELEASE_EINVAL;
	}
	return storage_exists(store, rollback(store, app, target, opts, 1, out));
}

