/*
 * The cost of the deployment log on promote (issue 13), on the file store:
 * the store as it is, of storage version 3, to which the core writes each
 * promotion's deployment record in the promotion's own commit, beside the
 * same store opened through a copy of its vtable that says version 2, to
 * which the core writes no log. Both are opened the same way
 * (release_storage_open, then release_store_open_backend) on --dir, each in
 * a directory of its own; they promote in turn, so that both meet the same
 * load from the rest of the machine, and each promotion's sync calls are
 * counted. The records each store holds afterwards are counted through its
 * vtable, to show which one kept a log.
 */
#include "bench.h"

#include <librelease/storage.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct logged {
	struct store s;
	struct place pl;
	const release_storage *raw;
	void *ctx; /* the store's, borrowed */
	char (*ids)[ID_LEN];
	int64_t *t;
	uint64_t *c;
};

/* The file backend's vtable, claiming version 2: no deployment log. */
static release_storage version2;

static void open_logged(struct logged *l, int log, size_t reps)
{
	char uri[1100];
	const release_storage *st;

	memset(l, 0, sizeof *l);
	place_make(&l->pl, S_FILE, cfg.dir);
	snprintf(uri, sizeof uri, "file:%s", l->pl.where);
	if (release_storage_open(&st, &l->ctx, uri) != 0)
		die("cannot open %s: %s", uri, release_store_errmsg(NULL));
	if (!log) {
		version2 = *st;
		version2.version = 2;
		version2.wait = NULL; /* (a method of version 3, which the core would not call) */
		st = &version2;
	}
	l->raw = st;
	l->s.kind = S_FILE;
	if (release_store_open_backend(&l->s.lr, st, l->ctx, NULL) != 0) {
		st->close(l->ctx);
		die("cannot open %s over its backend: %s", uri, release_store_errmsg(NULL));
	}
	l->ids = calloc(reps, ID_LEN);
	l->t = calloc(reps, sizeof *l->t);
	l->c = calloc(reps, sizeof *l->c);
	if (!l->ids || !l->t || !l->c)
		die("out of memory");
	st_seed(&l->s);
}

static int count_record(void *payload, uint64_t seq, const char *key, const void *data,
			size_t len)
{
	(void)seq;
	(void)key;
	(void)data;
	(void)len;
	(*(uint64_t *)payload)++;
	return 0;
}

static uint64_t deploy_records(const struct logged *l)
{
	uint64_t n = 0;

	if (l->raw->scan(l->ctx, APP, RELEASE_KIND_DEPLOY, UINT64_MAX, (size_t)1 << 30,
			 count_record, &n) != 0)
		die("counting the deployment records: %s", l->raw->errmsg(l->ctx));
	return n;
}

static void promote_timed(struct logged *l, size_t i)
{
	uint64_t c0 = sync_calls();
	int64_t t0 = now_ns();

	st_promote(&l->s, l->ids[i]);
	l->t[i] = now_ns() - t0;
	l->c[i] = sync_calls() - c0;
}

void deploy_log_cost(void)
{
	size_t r = cfg.reps_durable;
	struct logged l[2]; /* [0]: with the log; [1]: without */
	char pair[64];

	for (int k = 0; k < 2; k++)
		open_logged(&l[k], k == 0, r);
	for (size_t i = 0; i < r; i++) {
		snprintf(pair, sizeof pair, "VERSION=%zu", i + 1);
		for (int k = 0; k < 2; k++)
			st_env_set(&l[k].s, pair, l[k].ids[i]);
	}
	/* In turn, each first every other time. */
	for (size_t i = 0; i < r; i++)
		for (int j = 0; j < 2; j++)
			promote_timed(&l[(int)((i + (size_t)j) % 2)], i);
	for (int k = 0; k < 2; k++) {
		res.deploy[k] = median(l[k].t, r);
		syncs_of(&res.deploy_syncs[k], l[k].c, r);
		res.deploy_records[k] = deploy_records(&l[k]);
		st_close(&l[k].s);
		place_drop(&l[k].pl, S_FILE);
		free(l[k].ids);
		free(l[k].t);
		free(l[k].c);
	}
}
