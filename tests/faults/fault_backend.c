/* The fault backend: see fault_backend.h. */
#include "fault_backend.h"

const char *const method_names[] = {"put", "get", "scan", "cas", "del", "list_apps",
				    "get_seq", "commit", "hold", "held", "any"};

static int kind_matches(const struct fault_backend *fb, int kind)
{
	return fb->only_kind == 0 || fb->only_kind == kind;
}

static void trace_call(struct fault_backend *fb, const struct call *c)
{
	if (fb->n_trace == fb->cap_trace) {
		fb->cap_trace = fb->cap_trace ? 2 * fb->cap_trace : 64;
		fb->trace = realloc(fb->trace, fb->cap_trace * sizeof *fb->trace);
		assert_non_null(fb->trace);
	}
	fb->trace[fb->n_trace++] = *c;
}

/* Counts a call; 1 when it is the one to fail. */
static int trip_call(struct fault_backend *fb, const struct call *c)
{
	fb->last_fired = 0;
	if (!fb->armed || fb->fired >= fb->count)
		return 0;
	if ((fb->only_method != M_ANY && fb->only_method != c->method) ||
	    !kind_matches(fb, c->kind) || (fb->only_key && strcmp(fb->only_key, c->key) != 0))
		return 0;
	if (fb->fail_at == 0)
		trace_call(fb, c);
	if (++fb->calls < fb->fail_at || fb->fail_at == 0)
		return 0;
	fb->last_fired = 1;
	if (fb->fired++ > 0)
		return 1; /* the first failure is the one to tell of */
	fb->failed = *c;
	snprintf(fb->msg, sizeof fb->msg, "injected fault: %s of %s/%s failed with %s",
		 method_names[c->method], c->app[0] ? c->app : "*", c->key[0] ? c->key : "*",
		 release_strerror(fb->code));
	return 1;
}

static void describe(struct call *c, enum method m, const char *app, int kind, const char *key,
		     int removes)
{
	memset(c, 0, sizeof *c);
	c->method = m;
	c->kind = kind;
	snprintf(c->app, sizeof c->app, "%s", app ? app : "");
	snprintf(c->key, sizeof c->key, "%s", key ? key : "");
	c->removes = removes;
}

static int trip(struct fault_backend *fb, enum method m, const char *app, int kind,
		const char *key, int removes)
{
	struct call c;

	describe(&c, m, app, kind, key, removes);
	return trip_call(fb, &c);
}

/* The result of a call that tripped: before, it never reached the store. */
#define FORWARD(fb, fire, call)                                                        \
	do {                                                                           \
		int rc_;                                                               \
		if ((fire) && (fb)->mode == FAIL_BEFORE)                               \
			return (fb)->code;                                             \
		rc_ = (call);                                                          \
		return (fire) ? (fb)->code : rc_;                                      \
	} while (0)

/* An operation of a commit, or a single write, that passes a commit point. */
static unsigned passes(int op, int kind, const char *key, int has_old, int has_data)
{
	unsigned p = 0;

	if (op == RELEASE_OP_PUT && kind == RELEASE_KIND_RELEASE)
		p |= PASSED_RELEASE_PUT;
	if (op == RELEASE_OP_CAS && kind == RELEASE_KIND_META && strcmp(key, "active") == 0 &&
	    has_data)
		p |= PASSED_SWAP;
	/* replacing a live app record: only a deletion does */
	if (op == RELEASE_OP_CAS && kind == RELEASE_KIND_META && strcmp(key, "app") == 0 &&
	    has_old && has_data)
		p |= PASSED_TOMBSTONE;
	return p;
}

static int op_deletes(const release_storage_op *o)
{
	return o->op == RELEASE_OP_DEL || (o->op == RELEASE_OP_CAS && o->old && !o->data);
}

static int fb_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		  const void *data, size_t len)
{
	struct fault_backend *fb = ctx;
	int fire = trip(fb, M_PUT, app, kind, key, 0);
	int rc;

	if (fire && fb->mode == FAIL_BEFORE)
		return fb->code;
	rc = fb->inner->put(fb->inner_ctx, app, kind, key, seq, data, len);
	if (rc == 0 && fb->armed && !fb->fired)
		fb->passed |= passes(RELEASE_OP_PUT, kind, key, 0, 1);
	return fire ? fb->code : rc;
}

static int fb_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		  void *payload)
{
	struct fault_backend *fb = ctx;
	int fire = trip(fb, M_GET, app, kind, key, 0);

	FORWARD(fb, fire, fb->inner->get(fb->inner_ctx, app, kind, key, fn, payload));
}

static int fb_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		   release_record_fn fn, void *payload)
{
	struct fault_backend *fb = ctx;
	int fire = trip(fb, M_SCAN, app, kind, NULL, 0);

	FORWARD(fb, fire, fb->inner->scan(fb->inner_ctx, app, kind, before, limit, fn, payload));
}

static int fb_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		  size_t old_len, const void *data, size_t len)
{
	struct fault_backend *fb = ctx;
	int fire = trip(fb, M_CAS, app, kind, key, data == NULL);
	int rc;

	if (fire && fb->mode == FAIL_BEFORE)
		return fb->code;
	rc = fb->inner->cas(fb->inner_ctx, app, kind, key, old, old_len, data, len);
	if (rc == 0 && fb->armed && !fb->fired)
		fb->passed |= passes(RELEASE_OP_CAS, kind, key, old != NULL, data != NULL);
	return fire ? fb->code : rc;
}

static int fb_del(void *ctx, const char *app, int kind, const char *key)
{
	struct fault_backend *fb = ctx;
	int fire = trip(fb, M_DEL, app, kind, key, 1);

	FORWARD(fb, fire, fb->inner->del(fb->inner_ctx, app, kind, key));
}

static int fb_list_apps(void *ctx, release_name_fn fn, void *payload)
{
	struct fault_backend *fb = ctx;
	int fire = trip(fb, M_LIST_APPS, NULL, 0, NULL, 0);

	FORWARD(fb, fire, fb->inner->list_apps(fb->inner_ctx, fn, payload));
}

static int fb_get_seq(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
		      void *payload)
{
	struct fault_backend *fb = ctx;
	int fire = trip(fb, M_GET_SEQ, app, kind, NULL, 0);

	FORWARD(fb, fire, fb->inner->get_seq(fb->inner_ctx, app, kind, seq, fn, payload));
}

/* A commit matches a filter on records when one of the records it writes
 * does (what it only checks is read, not written); the first that does is
 * the one told of. Its commit points are those of its operations. */
static int fb_commit(void *ctx, const char *app, const release_storage_op *ops, size_t n,
		     size_t *failed)
{
	struct fault_backend *fb = ctx;
	const release_storage_op *told = NULL;
	int fire, all_delete = n > 0 && ops, rc;
	unsigned passed = 0;
	struct call c;

	for (size_t i = 0; ops && i < n; i++) {
		const release_storage_op *o = &ops[i];

		if (!told && o->op != RELEASE_OP_CHECK && kind_matches(fb, o->kind) &&
		    (!fb->only_key || (o->key && strcmp(o->key, fb->only_key) == 0)))
			told = o;
		all_delete &= op_deletes(o);
		passed |= passes(o->op, o->kind, o->key ? o->key : "", o->old != NULL,
				 o->data != NULL);
	}
	if (!told && ops && n > 0)
		told = &ops[0]; /* none matches: the filter passes the commit by */
	describe(&c, M_COMMIT, app, told ? told->kind : 0, told ? told->key : NULL, all_delete);
	c.ops = n;
	c.swaps = (passed & PASSED_SWAP) != 0;
	fire = trip_call(fb, &c);
	if (fire && fb->mode == FAIL_BEFORE)
		return fb->code;
	rc = fb->inner->commit(fb->inner_ctx, app, ops, n, failed);
	if (rc == 0 && fb->armed && !fb->fired)
		fb->passed |= passed;
	return fire ? fb->code : rc;
}

static int fb_hold(void *ctx, const char *app, const void *info, size_t len, void **hold)
{
	struct fault_backend *fb = ctx;
	int fire = trip(fb, M_HOLD, app, RELEASE_KIND_META, "hold", 0);
	int rc;

	if (fire && fb->mode == FAIL_BEFORE)
		return fb->code;
	rc = fb->inner->hold(fb->inner_ctx, app, info, len, hold);
	if (fire && rc == 0) {
		fb->inner->unhold(fb->inner_ctx, *hold);
		*hold = NULL;
	}
	return fire ? fb->code : rc;
}

static void fb_unhold(void *ctx, void *hold)
{
	struct fault_backend *fb = ctx;

	fb->inner->unhold(fb->inner_ctx, hold);
}

static int fb_held(void *ctx, const char *app, release_record_fn fn, void *payload)
{
	struct fault_backend *fb = ctx;
	int fire = trip(fb, M_HELD, app, RELEASE_KIND_META, "hold", 0);

	FORWARD(fb, fire, fb->inner->held(fb->inner_ctx, app, fn, payload));
}

const char *fb_errmsg(void *ctx)
{
	struct fault_backend *fb = ctx;

	if (fb->last_fired)
		return fb->msg;
	return fb->inner->errmsg ? fb->inner->errmsg(fb->inner_ctx) : NULL;
}

static void fb_close(void *ctx)
{
	struct fault_backend *fb = ctx;

	fb->inner->close(fb->inner_ctx);
	free(fb->trace);
	free(fb);
}

/* with_errmsg 0 leaves the optional errmsg method out, so the core has to
 * word its own messages. */
struct fault_backend *fault_backend_new(int with_errmsg)
{
	struct fault_backend *fb = calloc(1, sizeof *fb);

	assert_non_null(fb);
	assert_ok(release_storage_open(&fb->inner, &fb->inner_ctx, "memory:"));
	fb->vt.version = version_1 ? 1 : RELEASE_STORAGE_VERSION;
	fb->vt.close = fb_close;
	fb->vt.put = fb_put;
	fb->vt.get = fb_get;
	fb->vt.scan = fb_scan;
	fb->vt.cas = fb_cas;
	fb->vt.del = fb_del;
	fb->vt.list_apps = fb_list_apps;
	fb->vt.get_seq = fb->inner->get_seq ? fb_get_seq : NULL;
	fb->vt.errmsg = with_errmsg ? fb_errmsg : NULL;
	if (!version_1 && test_storage_has(fb->inner, commit))
		fb->vt.commit = fb_commit;
	if (!version_1 && test_storage_has(fb->inner, hold)) {
		fb->vt.hold = fb_hold;
		fb->vt.unhold = fb_unhold;
		fb->vt.held = fb_held;
	}
	fb->only_method = M_ANY;
	return fb;
}

/* Fails the nth matching call from now on. fail_at 0 only counts. */
void fault_arm(struct fault_backend *fb, unsigned long fail_at, int code, enum fault_mode mode)
{
	fb->armed = 1;
	fb->calls = 0;
	fb->fail_at = fail_at;
	fb->count = 1;
	fb->code = code;
	fb->mode = mode;
	fb->fired = fb->last_fired = 0;
	fb->passed = 0;
}

void fault_only(struct fault_backend *fb, enum method m, int kind, const char *key)
{
	fb->only_method = m;
	fb->only_kind = kind;
	fb->only_key = key;
}

void fault_disarm(struct fault_backend *fb)
{
	fb->armed = 0;
	fb->last_fired = 0;
	fault_only(fb, M_ANY, 0, NULL);
}

int call_is(const struct call *c, enum method m, int kind, const char *key)
{
	return c->method == m && c->kind == kind && strcmp(c->key, key) == 0;
}

/* Taking the promotion lease (a cas that writes it) and giving it back. */
int takes_lease(const struct call *c)
{
	return call_is(c, M_CAS, RELEASE_KIND_META, "lease") && !c->removes;
}

int drops_lease(const struct call *c)
{
	return call_is(c, M_CAS, RELEASE_KIND_META, "lease") && c->removes;
}

/* Moving the active pointer: alone, or in a commit. */
int swaps_active(const struct call *c)
{
	return (call_is(c, M_CAS, RELEASE_KIND_META, "active") && !c->removes) ||
	       (c->method == M_COMMIT && c->swaps);
}

/* A call that writes, and one that deletes. */
int is_write(const struct call *c)
{
	return c->method == M_PUT || c->method == M_CAS || c->method == M_DEL ||
	       c->method == M_COMMIT;
}

int is_delete(const struct call *c)
{
	return c->method == M_DEL || ((c->method == M_CAS || c->method == M_COMMIT) && c->removes);
}

/* The failed call reached the store: its write happened, unacknowledged. */
int lost_ack(const struct fault_backend *fb)
{
	return fb->fired && fb->mode == FAIL_AFTER;
}

int found_record(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	(void)seq;
	(void)key;
	(void)data;
	(void)len;
	*(int *)payload = 1;
	return 0;
}
