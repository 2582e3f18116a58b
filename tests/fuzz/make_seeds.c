/*
 * Writes the fuzz targets' seed corpora under DIR (tests/fuzz/corpus):
 *
 *   DIR/records/      real records: a history written through the public
 *                     API into a "memory:" store wrapped by a recorder that
 *                     keeps what the store was given (put and cas bytes),
 *                     framed as fuzz-records reads them, at several points
 *   DIR/file-store/   damage programs for fuzz-file-store (seeds_file_store.c)
 *   DIR/relctl-args/  command lines for fuzz-relctl-args
 *
 *   fuzz-make-seeds DIR
 *
 * The output is deterministic: the same program writes the same files.
 */
#include "fuzz_util.h"
#include "records_input.h"
#include "seeds.h"

#include "internal.h" /* F_VERSION, for a seed with a gap in its log */

#include <librelease/storage.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------ files */

void seed_write(const char *dir, const char *sub, const char *name, const void *data,
		size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, sub);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		fz_finding("mkdir %s: %s", path, strerror(errno));
	snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
	if (!(f = fopen(path, "wb")) || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		fz_finding("writing %s: %s", path, strerror(errno));
}

void seed_buf_put(struct seed_buf *b, const void *data, size_t len)
{
	if (b->len + len > sizeof b->d)
		fz_finding("seed too large");
	memcpy(b->d + b->len, data, len);
	b->len += len;
}

/* ------------------------------------------------------------ recorder */

struct rrec {
	int kind;
	uint64_t seq;
	char key[65];
	unsigned char *data;
	size_t len;
};

struct recorder {
	const release_storage *in;
	void *ctx;
	struct rrec r[256];
	size_t n;
};

static struct rrec *rfind(struct recorder *rc, int kind, const char *key)
{
	for (size_t i = 0; i < rc->n; i++)
		if (rc->r[i].kind == kind && strcmp(rc->r[i].key, key) == 0)
			return &rc->r[i];
	return NULL;
}

static void rset(struct recorder *rc, int kind, const char *key, uint64_t seq, const void *data,
		 size_t len)
{
	struct rrec *r = rfind(rc, kind, key);

	if (!r) {
		if (rc->n == sizeof rc->r / sizeof *rc->r)
			fz_finding("recorder full");
		r = &rc->r[rc->n++];
		r->kind = kind;
		r->seq = seq;
		snprintf(r->key, sizeof r->key, "%s", key);
		r->data = NULL;
	}
	free(r->data);
	r->data = malloc(len ? len : 1);
	if (!r->data)
		fz_finding("out of memory");
	memcpy(r->data, data, len);
	r->len = len;
}

static void rdel(struct recorder *rc, int kind, const char *key)
{
	struct rrec *r = rfind(rc, kind, key);

	if (r) {
		free(r->data);
		*r = rc->r[--rc->n];
	}
}

static void rec_close(void *ctx)
{
	struct recorder *rc = ctx;

	rc->in->close(rc->ctx);
	for (size_t i = 0; i < rc->n; i++)
		free(rc->r[i].data);
	free(rc);
}

static int rec_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		   const void *data, size_t len)
{
	struct recorder *rc = ctx;
	int r = rc->in->put(rc->ctx, app, kind, key, seq, data, len);

	if (r == 0)
		rset(rc, kind, key, seq, data, len);
	return r;
}

static int rec_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		   void *payload)
{
	struct recorder *rc = ctx;

	return rc->in->get(rc->ctx, app, kind, key, fn, payload);
}

static int rec_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		    release_record_fn fn, void *payload)
{
	struct recorder *rc = ctx;

	return rc->in->scan(rc->ctx, app, kind, before, limit, fn, payload);
}

static int rec_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		   size_t old_len, const void *data, size_t len)
{
	struct recorder *rc = ctx;
	struct rrec *cur = rfind(rc, kind, key);
	uint64_t seq = cur ? cur->seq : 0;
	int r = rc->in->cas(rc->ctx, app, kind, key, old, old_len, data, len);

	if (r == 0 && data)
		rset(rc, kind, key, seq, data, len);
	else if (r == 0)
		rdel(rc, kind, key);
	return r;
}

static int rec_del(void *ctx, const char *app, int kind, const char *key)
{
	struct recorder *rc = ctx;
	int r = rc->in->del(rc->ctx, app, kind, key);

	if (r == 0)
		rdel(rc, kind, key);
	return r;
}

static int rec_list_apps(void *ctx, release_name_fn fn, void *payload)
{
	struct recorder *rc = ctx;

	return rc->in->list_apps(rc->ctx, fn, payload);
}

static const release_storage recorder_storage = {
	.version = RELEASE_STORAGE_VERSION,
	.close = rec_close,
	.put = rec_put,
	.get = rec_get,
	.scan = rec_scan,
	.cas = rec_cas,
	.del = rec_del,
	.list_apps = rec_list_apps,
};

/* ------------------------------------------------------------ records seeds */

struct records_gen {
	const char *dir;
	struct recorder *rc;
	int n;
};

/* The place of the field tagged tag in record d, or NULL. */
static unsigned char *field(unsigned char *d, size_t len, int tag, size_t *flen)
{
	size_t p = 4;

	while (p + 5 <= len) {
		size_t n = (size_t)d[p + 1] | (size_t)d[p + 2] << 8 | (size_t)d[p + 3] << 16 |
			   (size_t)d[p + 4] << 24;

		if (n > len - p - 5)
			return NULL;
		if (d[p] == tag) {
			*flen = n;
			return d + p + 5;
		}
		p += 5 + n;
	}
	return NULL;
}

/* One ordered chunk: flags, seq (8 bytes with RECORD_SEQ64, else 1), bytes. */
static void put_chunk(struct seed_buf *b, int flags, uint64_t seq, const void *data, size_t len)
{
	unsigned char h[9];
	size_t n = flags & RECORD_SEQ64 ? 9 : 2;

	h[0] = (unsigned char)flags;
	for (size_t i = 1; i < n; i++)
		h[i] = (unsigned char)(seq >> (8 * (i - 1)));
	seed_buf_put(b, RECORDS_SEP, RECORDS_SEP_LEN);
	seed_buf_put(b, h, n);
	seed_buf_put(b, data, len);
}

/*
 * One seed: the parameters, the META records, the settings, then the
 * ordered ones by seq. gap: the deployment log's newest entry is moved up
 * to seq gap (its own number rewritten), as a damaged or foreign log might
 * have it.
 */
static void emit(struct records_gen *g, const char *what, const unsigned char *params,
		 uint64_t gap)
{
	static const char *const meta[] = {"app", "active", "lease"};
	static const int flags_of[] = {0, 0, RECORD_IS_BUILD, 0, RECORD_IS_DEPLOY};
	static struct seed_buf b;
	struct rrec *settings = rfind(g->rc, RELEASE_KIND_META, "settings");
	uint64_t top = 0;
	char name[128];

	b.len = 0;
	seed_buf_put(&b, params, P_COUNT);
	for (int i = 0; i < 3; i++) {
		struct rrec *r = rfind(g->rc, RELEASE_KIND_META, meta[i]);

		seed_buf_put(&b, RECORDS_SEP, RECORDS_SEP_LEN);
		if (r)
			seed_buf_put(&b, r->data, r->len);
	}
	if (settings)
		put_chunk(&b, RECORD_IS_SETTINGS, 0, settings->data, settings->len);
	for (size_t i = 0; i < g->rc->n; i++)
		if (g->rc->r[i].kind == RELEASE_KIND_DEPLOY && g->rc->r[i].seq > top)
			top = g->rc->r[i].seq;
	for (int kind = RELEASE_KIND_BUILD; kind <= RELEASE_KIND_DEPLOY; kind++)
		for (uint64_t seq = 1; seq < 256; seq++)
			for (size_t i = 0; i < g->rc->n; i++) {
				struct rrec *r = &g->rc->r[i];
				unsigned char *v;
				size_t vlen;

				if (r->kind != kind || r->seq != seq)
					continue;
				if (!(gap && kind == RELEASE_KIND_DEPLOY && seq == top)) {
					put_chunk(&b, flags_of[kind], seq, r->data, r->len);
					continue;
				}
				if (!(v = field(r->data, r->len, F_VERSION, &vlen)) || vlen != 8)
					fz_finding("a deployment log entry without its number");
				for (int k = 0; k < 8; k++)
					v[k] = (unsigned char)(gap >> (8 * k));
				put_chunk(&b, flags_of[kind] | RECORD_SEQ64, gap, r->data, r->len);
				for (int k = 0; k < 8; k++)
					v[k] = (unsigned char)(seq >> (8 * k));
			}
	snprintf(name, sizeof name, "seed-%02d-%s", g->n++, what);
	seed_write(g->dir, "records", name, b.d, b.len);
}

/* The same records under a few sets of parameters. */
static void emit_gap(struct records_gen *g, const char *what, uint64_t gap)
{
	static const unsigned char variants[][P_COUNT] = {
		{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		{P_F_WRITES | P_F_DEPLOYER | P_F_GET_SEQ, 1, 2, 1, 0, 3, 8, P_F2_COMMIT | P_F2_WAIT,
		 0x10, 5, 3},
		{P_F_ROLLBACK_TARGET | P_F_FORCE | P_F_DEPLOYER | P_F_DEPLOY_FAILS, 0, 1, 2, 1, 1, 0,
		 P_F2_COMMIT | P_F2_COPY_APP | P_F2_REVEAL, 0x21, 20, 64 | 5},
		{P_F_WRITES | P_F_DELETE | P_F_OVERSCAN, 2, 3, 0, 2, 0, 200, P_F2_COPY_STOP, 0x01, 0,
		 0},
		{P_F_WRITES | P_F_DEPLOYER, 0, 1, 0, 0, 0, 0, P_F2_OLDER | P_F2_WAIT, 0x10, 2, 1},
	};
	char name[96];

	for (size_t i = 0; i < sizeof variants / sizeof *variants; i++) {
		snprintf(name, sizeof name, "%s-p%zu", what, i);
		emit(g, name, variants[i], gap);
	}
}

static void emit_variants(struct records_gen *g, const char *what)
{
	emit_gap(g, what, 0);
}

static struct records_gen *deploying; /* for the deployer's snapshot */

static int deploy_snapshot(void *payload, const release *r, release_events *events)
{
	(void)payload;
	(void)r;
	(void)events;
	emit_variants(deploying, "lease-held");
	return 0;
}

static int deploy_fail(void *payload, const release *r, release_events *events)
{
	(void)payload;
	(void)r;
	release_events_emit(events, "seed", "failing on purpose");
	return 1;
}

#define OK(call)                                                                        \
	do {                                                                            \
		int rc_ = (call);                                                       \
		if (rc_ != 0)                                                           \
			fz_finding("%s: %s (%s)", #call, release_strerror(rc_),          \
				   release_store_errmsg(s));                             \
	} while (0)

static void records_seeds(const char *dir)
{
	struct fz_clock clock = {RECORDS_T0, 1000000000};
	struct fz_random rnd = {0x5eed5eedu};
	struct records_gen g = {dir, NULL, 0};
	release_store_opts opts;
	release_promote_opts po;
	release_build_opts bo;
	release_store *s = NULL;
	release_build *b1, *b2, *b3;
	release *r1, *r2, *r3, *r4;
	const char *set[] = {"DATABASE_URL=postgres://db/app", "MODE=blue", "EMPTY="};
	const char *unset[] = {"MODE"};
	const char *masked[] = {"DATABASE_URL"};
	release_settings_opts so;
	size_t removed;
	void *ctx;

	if (!(g.rc = calloc(1, sizeof *g.rc)))
		fz_finding("out of memory");
	if (release_storage_open(&g.rc->in, &g.rc->ctx, "memory:") != 0)
		fz_finding("opening memory: %s", release_store_errmsg(NULL));
	ctx = g.rc;
	fz_opts(&opts, &clock, &rnd);
	opts.actor = "alice@example.com";
	if (release_store_open_backend(&s, &recorder_storage, ctx, &opts) != 0)
		fz_finding("opening the recorder: %s", release_store_errmsg(NULL));

	OK(release_app_create(s, RECORDS_APP, NULL));
	emit_variants(&g, "app");

	release_build_opts_init(&bo);
	bo.description = "first build";
	bo.manifest = "services:\n  web:\n    image: app:v1\n";
	bo.status = RELEASE_BUILD_COMPLETE;
	OK(release_build_create(s, RECORDS_APP, &bo, &b1));
	bo.description = "second build";
	bo.manifest = "services:\n  web:\n    image: app:v2\n";
	bo.status = RELEASE_BUILD_RUNNING;
	OK(release_build_create(s, RECORDS_APP, &bo, &b2));
	emit_variants(&g, "builds");

	OK(release_create(s, RECORDS_APP, release_build_id(b1), &r1));
	release_settings_opts_init(&so);
	so.mask_add = masked;
	so.mask_add_n = 1;
	OK(release_settings_update(s, RECORDS_APP, &so, NULL));
	OK(release_env_set(s, RECORDS_APP, set, 3, &r2));
	emit_variants(&g, "releases");

	release_promote_opts_init(&po);
	po.owner = "seed"; /* not the pid: the seeds must not change from run to run */
	OK(release_promote(s, RECORDS_APP, release_id(r1), &po));
	OK(release_promote(s, RECORDS_APP, release_id(r2), &po));
	emit_variants(&g, "promoted");

	OK(release_build_set_status(s, RECORDS_APP, release_build_id(b2), RELEASE_BUILD_COMPLETE,
				    NULL));
	bo.description = "third build";
	bo.manifest = "services:\n  web:\n    image: app:v3\n";
	bo.status = RELEASE_BUILD_COMPLETE;
	OK(release_build_create(s, RECORDS_APP, &bo, &b3));
	OK(release_create(s, RECORDS_APP, release_build_id(b3), &r3));
	OK(release_promote(s, RECORDS_APP, release_id(r3), &po));
	OK(release_store_set_actor(s, "zo\xc3\xab@ops")); /* not ASCII */
	OK(release_rollback(s, RECORDS_APP, NULL, &po, &r4));
	emit_variants(&g, "rolled-back");

	deploying = &g;
	po.deploy = deploy_snapshot;
	OK(release_promote(s, RECORDS_APP, release_id(r4), &po));
	po.deploy = deploy_fail;
	if (release_promote(s, RECORDS_APP, release_id(r3), &po) != RELEASE_EOLDER)
		fz_finding("promoting an older release was not refused");
	po.flags = RELEASE_PROMOTE_FORCE;
	if (release_promote(s, RECORDS_APP, release_id(r3), &po) != RELEASE_EDEPLOY)
		fz_finding("a failing deployer did not fail the promotion");
	emit_variants(&g, "deploy-failed");

	OK(release_env_unset(s, RECORDS_APP, unset, 1, NULL));
	OK(release_prune(s, RECORDS_APP, 0, &removed));
	emit_variants(&g, "pruned");
	/* The log as only damage or another writer leaves it: its newest
	 * entry far above the others, and at the highest seq the core
	 * numbers. */
	emit_gap(&g, "gapped", (uint64_t)1 << 40);
	emit_gap(&g, "full", UINT64_MAX - 1);

	release_build_free(b1);
	release_build_free(b2);
	release_build_free(b3);
	release_free(r1);
	release_free(r2);
	release_free(r3);
	release_free(r4);
	release_store_close(s);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR (tests/fuzz/corpus)\n", argv[0]);
		return 2;
	}
	records_seeds(argv[1]);
	file_store_seeds(argv[1]);
	relctl_args_seeds(argv[1]);
	return 0;
}
