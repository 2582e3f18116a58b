/*
 * The deployment log: one entry per promotion, rollback and failed
 * promotion, in records of RELEASE_KIND_DEPLOY numbered from 1. promote.c
 * writes them (in the promotion's own commit); this file encodes, reads and
 * lists them.
 */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int has_deploy_log(const release_store *s)
{
	return s->st->version >= 3;
}

void deploy_key(uint64_t seq, char key[DEPLOY_KEY_MAX])
{
	snprintf(key, DEPLOY_KEY_MAX, "%" PRIu64, seq);
}

static void encode_deploy(struct buf *b, const release_deploy *d)
{
	enc_begin(b, REC_DEPLOY);
	enc_str(b, F_APP, d->app);
	enc_u64(b, F_VERSION, d->seq);
	enc_u64(b, F_KIND, (uint64_t)d->kind);
	if (d->failed)
		enc_i64(b, F_FAILED, d->failed);
	if (d->forced)
		enc_u64(b, F_FORCED, 1);
	if (d->from[0]) {
		enc_str(b, F_FROM, d->from);
		enc_u64(b, F_FROM_VERSION, d->from_version);
	}
	enc_str(b, F_TO, d->to);
	enc_u64(b, F_TO_VERSION, d->to_version);
	if (d->target[0])
		enc_str(b, F_TARGET, d->target);
	enc_str(b, F_ACTOR, d->actor);
	enc_i64(b, F_STARTED, d->started);
	enc_i64(b, F_ENDED, d->ended);
}

static void deploy_clear(release_deploy *d)
{
	free(d->app);
	free(d->actor);
	memset(d, 0, sizeof *d);
}

static int decode_deploy(const void *data, size_t len, release_deploy *d)
{
	struct dec dc;
	uint64_t kind = UINT64_MAX, forced = 0;
	int64_t failed = 0;
	int rc = dec_begin(&dc, data, len, REC_DEPLOY);

	memset(d, 0, sizeof *d);
	while (rc == 0 && (rc = dec_next(&dc)) == 1) {
		switch (dc.tag) {
		case F_APP: rc = dec_str(&dc, &d->app); break;
		case F_VERSION: rc = dec_u64(&dc, &d->seq); break;
		case F_KIND: rc = dec_u64(&dc, &kind); break;
		case F_FAILED: rc = dec_i64(&dc, &failed); break;
		case F_FORCED: rc = dec_u64(&dc, &forced); break;
		case F_FROM: rc = dec_fixed(&dc, d->from, sizeof d->from); break;
		case F_FROM_VERSION: rc = dec_u64(&dc, &d->from_version); break;
		case F_TO: rc = dec_fixed(&dc, d->to, sizeof d->to); break;
		case F_TO_VERSION: rc = dec_u64(&dc, &d->to_version); break;
		case F_TARGET: rc = dec_fixed(&dc, d->target, sizeof d->target); break;
		case F_ACTOR: rc = dec_str(&dc, &d->actor); break;
		case F_STARTED: rc = dec_i64(&dc, &d->started); break;
		case F_ENDED: rc = dec_i64(&dc, &d->ended); break;
		default: rc = 0; break;
		}
	}
	if (rc == 0 && (!d->app || !valid_app(d->app) || d->seq == 0 ||
			kind > RELEASE_DEPLOY_ROLLBACK || failed < INT32_MIN || failed > INT32_MAX ||
			/* a rollback names its target, a promotion none */
			(kind == RELEASE_DEPLOY_ROLLBACK) != (d->target[0] != 0) ||
			forced > 1 || !valid_id(d->to, 'R') || d->to_version == 0 ||
			(d->from[0] && (!valid_id(d->from, 'R') || d->from_version == 0)) ||
			(d->target[0] && !valid_id(d->target, 'R')) ||
			(d->actor && !valid_actor(d->actor, strlen(d->actor)))))
		rc = RELEASE_ECORRUPT;
	if (rc == 0) {
		d->kind = (int)kind;
		d->failed = (int)failed;
		d->forced = (int)forced;
	} else {
		deploy_clear(d);
	}
	return rc;
}

/* The entry in raw, which must be app's entry of raw->seq. */
static int decode_raw_deploy(release_store *s, const char *app, const struct raw *raw,
			     release_deploy **out)
{
	release_deploy *d = calloc(1, sizeof *d);
	int rc;

	*out = NULL;
	if (!d)
		return fail(s, RELEASE_ENOMEM, "out of memory");
	rc = decode_deploy(raw->data, raw->len, d);
	if (rc == 0 && (strcmp(d->app, app) != 0 || d->seq != raw->seq)) {
		deploy_clear(d);
		rc = RELEASE_ECORRUPT;
	}
	if (rc != 0) {
		free(d);
		if (rc == RELEASE_ENOMEM)
			return fail(s, rc, "out of memory");
		return fail(s, rc, "app '%s': deployment log entry %" PRIu64 " is corrupt", app,
			    raw->seq);
	}
	*out = d;
	return 0;
}

/* ---- writing */

int deploy_entry_op(release_store *s, const char *app, release_deploy *d, struct txn *t,
		    char key[DEPLOY_KEY_MAX])
{
	struct raw newest;
	struct buf b = {0};
	int rc;

	if (!has_deploy_log(s))
		return 0;
	if ((rc = read_newest(s, app, RELEASE_KIND_DEPLOY, &newest)) != 0)
		return rc;
	if (newest.found && newest.seq >= UINT64_MAX - 1) {
		raw_free(&newest);
		return fail(s, RELEASE_ECORRUPT, "app '%s': the deployment log is full", app);
	}
	d->seq = newest.found ? newest.seq + 1 : 1;
	raw_free(&newest);
	deploy_key(d->seq, key);
	encode_deploy(&b, d);
	txn_add_buf(t, RELEASE_OP_PUT, RELEASE_KIND_DEPLOY, key, d->seq, NULL, 0, &b);
	return 0;
}

int deploy_entry_put(release_store *s, const char *app, release_deploy *d)
{
	int rc = 0;

	if (!has_deploy_log(s))
		return 0;
	for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
		struct txn t = {0};
		char key[DEPLOY_KEY_MAX];

		if ((rc = deploy_entry_op(s, app, d, &t, key)) == 0) {
			if (t.err)
				rc = fail(s, t.err, "encoding the deployment log entry");
			else
				rc = s->st->put(s->ctx, app, RELEASE_KIND_DEPLOY, key, d->seq,
						t.ops[0].data, t.ops[0].len);
			if (!t.err)
				rc = settle_write(s, rc, "writing the deployment log", app,
						  RELEASE_KIND_DEPLOY, key, t.ops[0].data,
						  t.ops[0].len, NULL);
		}
		txn_free(&t);
		if (rc != RELEASE_ECONFLICT)
			return rc;
	}
	return fail(s, RELEASE_ECONFLICT, "app '%s': the deployment log kept changing", app);
}

/* ---- reading */

struct release_deploy_iter {
	struct pager pager;
	int64_t next_ok; /* ended of the successful entry above the one last
			  * yielded, 0: none (yet) */
	int known;       /* next_ok has been worked out */
	uint64_t top;    /* the first seq the listing may yield */
};

static int unsupported(release_store *s)
{
	return fail(s, RELEASE_EUNSUPPORTED,
		    "this storage backend keeps no deployment log (storage version %d; 3 or "
		    "later does)",
		    s->st->version);
}

static int decode_item(release_store *s, const char *app, const struct raw *raw, void **out,
		       void *arg)
{
	release_deploy *d;
	int rc = decode_raw_deploy(s, app, raw, &d);

	(void)arg;
	*out = d;
	return rc;
}

static void free_item(void *item)
{
	release_deploy_free(item);
}

/* A window of entries above seq, newest first, for next_success(). */
#define WINDOW_END 1
struct window {
	release_store *s;
	const char *app;
	uint64_t floor;  /* entries at or below it are not wanted */
	int64_t ended;   /* of the lowest successful entry seen */
	int found, cb_rc;
	uint64_t lowest; /* the lowest seq seen */
};

static int window_take(void *payload, uint64_t seq, const char *key, const void *data,
		       size_t len)
{
	struct window *w = payload;
	struct raw raw = {(unsigned char *)(uintptr_t)data, len, seq, 1};
	release_deploy *d;
	int rc;

	(void)key;
	if (seq <= w->floor)
		return WINDOW_END; /* below the window: the scan goes no further */
	if (w->lowest && seq >= w->lowest)
		return w->cb_rc = fail(w->s, RELEASE_ECORRUPT,
				       "app '%s': storage returned log entries out of order", w->app);
	w->lowest = seq;
	rc = decode_raw_deploy(w->s, w->app, &raw, &d);
	if (rc == RELEASE_ECORRUPT) { /* what follows a damaged entry is unknown */
		clear_error(w->s);
		return 0;
	}
	if (rc != 0)
		return w->cb_rc = rc;
	if (!d->failed) {
		w->ended = d->ended;
		w->found = 1;
	}
	release_deploy_free(d);
	return 0;
}

/* The ended time of the first successful entry above seq (0: none), for a
 * listing that starts below the top: windows of entries above seq, each
 * twice the last, until one holds a success or the top is passed. */
static int next_success(release_store *s, const char *app, uint64_t seq, int64_t *ended)
{
	struct raw newest;
	uint64_t span = 16, top;
	int rc;

	*ended = 0;
	if ((rc = read_newest(s, app, RELEASE_KIND_DEPLOY, &newest)) != 0)
		return rc;
	top = newest.found ? newest.seq : 0;
	raw_free(&newest);
	while (seq < top) {
		uint64_t hi = top - seq > span ? seq + span : top;
		struct window w = {s, app, seq, 0, 0, 0, 0};

		rc = s->st->scan(s->ctx, app, RELEASE_KIND_DEPLOY, hi == UINT64_MAX ? hi : hi + 1,
				 hi - seq > SIZE_MAX ? SIZE_MAX : (size_t)(hi - seq), window_take, &w);
		if (w.cb_rc)
			return w.cb_rc;
		if (rc != 0 && rc != WINDOW_END)
			return fail_backend(s, rc < 0 ? rc : RELEASE_EIO, "reading the deployment log");
		if (w.found) {
			*ended = w.ended;
			return 0;
		}
		seq = hi;
		if (span < UINT64_MAX / 2)
			span *= 2;
	}
	return 0;
}

RELEASE_API int release_deploy_list(release_store *store, const char *app,
				    const release_list_opts *opts, release_deploy_iter **out)
{
	release_list_opts o;
	release_deploy_iter *it;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = enter(store, !out)) != 0)
		return rc;
	release_list_opts_init(&o);
	if ((rc = TAKE_OPTS(store, &o, opts, LIST_OPTS_1_0, "release_list_opts")) != 0 ||
	    (rc = check_app(store, app)) != 0)
		return rc;
	if (!has_deploy_log(store))
		return unsupported(store);
	if ((rc = require_app(store, app)) != 0)
		return rc;
	if (!(it = calloc(1, sizeof *it)))
		return fail(store, RELEASE_ENOMEM, "out of memory");
	pager_init(&it->pager, store, app, RELEASE_KIND_DEPLOY, o.limit, o.before);
	it->pager.decode = decode_item;
	it->pager.free_item = free_item;
	it->known = o.before == 0;
	it->top = o.before;
	*out = it;
	return 0;
}

RELEASE_API int release_deploy_iter_next(release_deploy_iter *it, const release_deploy **out)
{
	void *item;
	release_deploy *d;
	int rc;

	if (!it || !out) {
		if (out)
			*out = NULL;
		return RELEASE_EINVAL;
	}
	rc = pager_next(&it->pager, &item);
	*out = d = item;
	if (rc != 0 || !d)
		return rc;
	if (!it->known) {
		/* Paged: what follows this page's first entry is above it. */
		if ((rc = next_success(it->pager.store, it->pager.app, d->seq, &it->next_ok)) != 0) {
			*out = NULL;
			return rc;
		}
		it->known = 1;
	}
	d->until = d->failed ? 0 : it->next_ok;
	if (!d->failed)
		it->next_ok = d->ended;
	return 0;
}

RELEASE_API void release_deploy_iter_free(release_deploy_iter *it)
{
	if (!it)
		return;
	pager_free(&it->pager);
	free(it);
}

RELEASE_API int release_deploy_at(release_store *store, const char *app, int64_t t,
				  release_deploy **out)
{
	struct pager p;
	void *item;
	int64_t next_ok = 0;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = enter(store, !out)) != 0 || (rc = check_app(store, app)) != 0)
		return rc;
	if (!has_deploy_log(store))
		return unsupported(store);
	if ((rc = require_app(store, app)) != 0)
		return rc;
	/* Newest first until an entry that ended by t: entries are written in
	 * the order of their commits, so their ends only grow (a clock set
	 * back is taken as it comes). A damaged entry is reported, not
	 * skipped: what was live may be in it. */
	pager_init(&p, store, app, RELEASE_KIND_DEPLOY, 0, 0);
	p.decode = decode_item;
	p.free_item = free_item;
	while ((rc = pager_next(&p, &item)) == 0) {
		release_deploy *d = item;

		if (d->failed)
			continue;
		if (d->ended <= t) {
			if (!(*out = release_deploy_dup(d)))
				rc = fail(store, RELEASE_ENOMEM, "out of memory");
			else
				(*out)->until = next_ok;
			break;
		}
		next_ok = d->ended;
	}
	pager_free(&p);
	if (rc == RELEASE_ITEROVER)
		return fail(store, RELEASE_ENOTFOUND, "app '%s': nothing was live then", app);
	return rc;
}

/* ---- accessors */

RELEASE_API const char *release_deploy_app(const release_deploy *d)
{
	return d ? d->app : NULL;
}

RELEASE_API uint64_t release_deploy_seq(const release_deploy *d)
{
	return d ? d->seq : 0;
}

RELEASE_API int release_deploy_kind(const release_deploy *d)
{
	return d ? d->kind : 0;
}

RELEASE_API int release_deploy_failed(const release_deploy *d)
{
	return d ? d->failed : 0;
}

RELEASE_API int release_deploy_forced(const release_deploy *d)
{
	return d ? d->forced : 0;
}

RELEASE_API const char *release_deploy_from(const release_deploy *d)
{
	return d && d->from[0] ? d->from : NULL;
}

RELEASE_API uint64_t release_deploy_from_version(const release_deploy *d)
{
	return d ? d->from_version : 0;
}

RELEASE_API const char *release_deploy_to(const release_deploy *d)
{
	return d ? d->to : NULL;
}

RELEASE_API uint64_t release_deploy_to_version(const release_deploy *d)
{
	return d ? d->to_version : 0;
}

RELEASE_API const char *release_deploy_target(const release_deploy *d)
{
	return d && d->target[0] ? d->target : NULL;
}

RELEASE_API const char *release_deploy_actor(const release_deploy *d)
{
	return d ? d->actor : NULL;
}

RELEASE_API int64_t release_deploy_started(const release_deploy *d)
{
	return d ? d->started : 0;
}

RELEASE_API int64_t release_deploy_ended(const release_deploy *d)
{
	return d ? d->ended : 0;
}

RELEASE_API int64_t release_deploy_until(const release_deploy *d)
{
	return d ? d->until : 0;
}

RELEASE_API release_deploy *release_deploy_dup(const release_deploy *d)
{
	release_deploy *c;

	if (!d || !(c = malloc(sizeof *c)))
		return NULL;
	*c = *d;
	c->app = d->app ? dup_str(d->app) : NULL;
	c->actor = d->actor ? dup_str(d->actor) : NULL;
	if ((d->app && !c->app) || (d->actor && !c->actor)) {
		free(c->app);
		free(c->actor);
		free(c);
		return NULL;
	}
	return c;
}

RELEASE_API void release_deploy_free(release_deploy *d)
{
	if (!d)
		return;
	deploy_clear(d);
	free(d);
}
