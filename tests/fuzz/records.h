/*
 * fuzz-records' pieces: the backend that serves the input's records
 * (records_backend.c), the checks and calls of the releases, builds and
 * apps (fuzz_records.c), of the deployment log and store copies
 * (records_deploy.c), watches (records_watch.c) and diffs (records_diff.c).
 */
#ifndef LIBRELEASE_FUZZ_RECORDS_H
#define LIBRELEASE_FUZZ_RECORDS_H

#include "fuzz_util.h"
#include "records_input.h"

#include <librelease/storage.h>

struct fback;

/* Reads the input into a backend; params receives chunk 0 (P_COUNT bytes).
 * NULL when out of memory. *storage is the method table the input asks
 * for (static). */
struct fback *records_load(const unsigned char *data, size_t size, unsigned char *params,
			   const release_storage **storage);
void records_free(struct fback *b);

/* The API's promises of single objects. */
int records_id_shape(const char *id, char prefix);
int records_actor_ok(const char *actor);
void records_check_release(const release *r);

#define MAX_IDS 32

/* What the first reads saw, for the calls after them to be checked
 * against. */
struct seen {
	char rel[MAX_IDS][16]; /* the releases listed, newest first */
	uint64_t ver[MAX_IDS];
	size_t nrel;
	size_t rel_count; /* how many were listed (nrel stops at MAX_IDS) */
	int rel_clean;    /* the listing had no failed step */
	char bld[MAX_IDS][16];
	size_t nbld;
	int app_rc;       /* release_app_get's */
	char active[16];  /* its active release ("" for none) */
	uint64_t dep_top; /* the newest entry of a clean deployment log listing */
	int dep_clean;
};

/* What the deployment log's newest entry must say after a promotion or
 * rollback: filled in before it (from, top) and after (the rest). */
struct expect {
	int kind;        /* RELEASE_DEPLOY_* */
	int forced;
	char to[16];     /* "": not known */
	char target[16]; /* a rollback's target as given; "": the previous */
	char from[16];   /* the active release before ("": none) */
	char previous[16];
	int from_known;
	uint64_t top; /* the log's newest seq before */
	int top_known;
	int commit; /* the backend has commit(): the entry is in the promotion's */
};

/* A deployment log entry as the accessors tell it. */
struct dent {
	uint64_t seq, from_version, to_version;
	int kind, failed, forced, has_actor;
	char from[16], to[16], target[16]; /* "": NULL */
	char actor[RELEASE_ACTOR_MAX + 1];
	int64_t started, ended, until;
};

/* Checks d as a single object and takes what it tells. */
void records_dent_take(struct dent *e, const release_deploy *d);
int records_dent_same(const struct dent *a, const struct dent *b);
/* Names what a and b differ in, for a finding. */
const char *records_dent_diff(const struct dent *a, const struct dent *b);

/* records_deploy.c: the deployment log's listings and release_deploy_at,
 * and a copy into a memory store, read back. */
void records_read_deploy(release_store *s, const unsigned char *params, struct seen *seen);
/* The log's newest seq (0: empty) in *top; 0 when it cannot be told. */
int records_deploy_top(release_store *s, uint64_t *top);
/* The entry a promotion or rollback that returned rc left, against e. */
void records_check_entry(release_store *s, const struct expect *e, int rc);

/* records_copy.c: a copy into a memory store, which must read back as the
 * source does, and a second copy, which must write nothing. */
void records_copy(release_store *s, const unsigned char *params);

/* records_watch.c: a watch opened after the first reads, which must see
 * nothing change until the writes, and what it sees after them. */
release_watch *records_watch_open(release_store *s, const unsigned char *params,
				  const struct seen *seen);
void records_watch_after(release_store *s, const unsigned char *params, release_watch *w,
			 const struct seen *seen);

/* records_diff.c: diffs between the listed releases. */
void records_diff(release_store *s, const unsigned char *params, const struct seen *seen);

#endif
