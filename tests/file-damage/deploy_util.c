/* Helpers for the tests of deployment records: deploy_util.h. */
#include "deploy_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

release_storage_op op_put(int kind, const char *key, uint64_t seq, const char *data)
{
	release_storage_op o = {RELEASE_OP_PUT, kind, key, seq, NULL, 0, data, strlen(data)};

	return o;
}

release_storage_op op_cas(int kind, const char *key, const char *old, const char *data)
{
	release_storage_op o = {RELEASE_OP_CAS, kind, key, 0, old, old ? strlen(old) : 0,
				data, data ? strlen(data) : 0};

	return o;
}

release_storage_op op_del(int kind, const char *key)
{
	release_storage_op o = {RELEASE_OP_DEL, kind, key, 0, NULL, 0, NULL, 0};

	return o;
}

const char *dkey(uint64_t seq)
{
	static char keys[8][24];
	static unsigned next;
	char *k = keys[next++ % 8];

	snprintf(k, sizeof keys[0], "%llu", (unsigned long long)seq);
	return k;
}

void backend_open_mode(const char *dir, int ro, struct backend *b)
{
	char uri[600];
	int rc;

	snprintf(uri, sizeof uri, "file:%s%s", dir, ro ? "?mode=ro" : "");
	b->ctx = NULL;
	if ((rc = release_storage_open(&b->s, &b->ctx, uri)) != 0)
		fail_msg("opening %s: %d: %s", uri, rc, release_store_errmsg(NULL));
}

static int add_record(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	sb_add(payload, " %s@%llu=%.*s", key, (unsigned long long)seq, (int)len,
	       (const char *)data);
	return 0;
}

static void rc_text(struct sb *out, int rc)
{
	if (rc != 0)
		sb_add(out, " error %d", rc);
}

char *dreads(struct backend *b, uint64_t maxseq)
{
	static const char *const meta[] = {"app", "active", "note"};
	struct sb out = {0};
	uint64_t before = UINT64_MAX;

	sb_add(&out, "%s", "");
	for (size_t i = 0; i < sizeof meta / sizeof *meta; i++) {
		sb_add(&out, "\nmeta %s:", meta[i]);
		rc_text(&out, b->s->get(b->ctx, DAPP, RELEASE_KIND_META, meta[i], add_record, &out));
	}
	for (int kind = RELEASE_KIND_BUILD; kind <= RELEASE_KIND_DEPLOY; kind++) {
		sb_add(&out, "\nkind %d:", kind);
		rc_text(&out, b->s->scan(b->ctx, DAPP, kind, UINT64_MAX, 1000, add_record, &out));
		for (uint64_t seq = 1; seq <= maxseq; seq++) {
			sb_add(&out, "\n  seq %llu:", (unsigned long long)seq);
			rc_text(&out, b->s->get_seq(b->ctx, DAPP, kind, seq, add_record, &out));
			if (kind != RELEASE_KIND_DEPLOY)
				continue;
			sb_add(&out, " key:");
			rc_text(&out, b->s->get(b->ctx, DAPP, kind, dkey(seq), add_record, &out));
		}
	}
	/* the deployment log in pages, as the core reads it */
	sb_add(&out, "\npages:");
	for (int page = 0; page < 100; page++) {
		struct sb p = {0};
		int rc;

		sb_add(&p, "%s", "");
		rc = b->s->scan(b->ctx, DAPP, RELEASE_KIND_DEPLOY, before, 3, add_record, &p);
		sb_add(&out, " [%s]", p.p);
		rc_text(&out, rc);
		if (rc != 0 || !p.len) {
			free(p.p);
			break;
		}
		/* the lowest seq of the page: the number after the last '@' */
		before = strtoull(strrchr(p.p, '@') + 1, NULL, 10);
		free(p.p);
	}
	return out.p;
}

char *dreads_of(const char *dir, int ro, uint64_t maxseq)
{
	struct backend b;
	char *r;

	backend_open_mode(dir, ro, &b);
	r = dreads(&b, maxseq);
	backend_close(&b);
	return r;
}

int promote_rec(struct backend *b, const char *old, const char *new, uint64_t seq)
{
	char data[64];
	release_storage_op ops[2];

	snprintf(data, sizeof data, "deploy %llu: %s -> %s", (unsigned long long)seq,
		 old ? old : "-", new);
	ops[0] = op_cas(RELEASE_KIND_META, "active", old, new);
	ops[1] = op_put(RELEASE_KIND_DEPLOY, dkey(seq), seq, data);
	return b->s->commit(b->ctx, DAPP, ops, 2, NULL);
}

void deploy_history(const char *dir)
{
	release_storage_op ops[] = {
		op_put(RELEASE_KIND_META, "app", 0, "A"),
		op_put(RELEASE_KIND_RELEASE, "r1", 1, "one"),
		op_put(RELEASE_KIND_RELEASE, "r2", 2, "two"),
		op_put(RELEASE_KIND_RELEASE, "r3", 3, "three"),
		op_put(RELEASE_KIND_BUILD, "b1", 1, "bld"),
	};
	struct backend b;

	backend_open(dir, &b);
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
		assert_rc(&b, b.s->commit(b.ctx, DAPP, &ops[i], 1, NULL), 0);
	assert_rc(&b, promote_rec(&b, NULL, "r1", 1), 0);
	assert_rc(&b, promote_rec(&b, "r1", "r2", 2), 0);
	assert_rc(&b, promote_rec(&b, "r2", "r3", 3), 0);
	backend_close(&b);
}

char *format_of(const char *dir)
{
	char path[600];
	size_t len;
	unsigned char *d;
	char *s;

	snprintf(path, sizeof path, "%s/FORMAT", dir);
	d = read_file(path, &len);
	assert_non_null(d);
	s = calloc(len + 1, 1);
	assert_non_null(s);
	memcpy(s, d, len);
	free(d);
	return s;
}

void format_set(const char *dir, int version)
{
	char path[600], text[64];

	snprintf(path, sizeof path, "%s/FORMAT", dir);
	snprintf(text, sizeof text, "librelease-file-store %d\n", version);
	write_file(path, text, strlen(text));
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void state_magic(const char *dir, const char *app, char magic[9], uint64_t *dep_top)
{
	char path[600];
	size_t len;
	unsigned char *d;
	const unsigned char *c;

	snprintf(path, sizeof path, "%s/%s/state", dir, app);
	d = read_file(path, &len);
	assert_non_null(d);
	assert_int_equal(len, 4096);
	/* the newer copy: the higher counter (at byte 8) */
	c = le64(d + 2048 + 8) > le64(d + 8) ? d + 2048 : d;
	memcpy(magic, c, 8);
	magic[8] = '\0';
	*dep_top = le64(c + 1448);
	free(d);
}

int gen_exists(const char *dir, const char *app, const char *base, uint64_t gen)
{
	char path[700];

	snprintf(path, sizeof path, "%s/%s/%s.%llu", dir, app, base, (unsigned long long)gen);
	return access(path, F_OK) == 0;
}
