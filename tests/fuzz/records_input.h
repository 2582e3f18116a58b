/*
 * The input of fuzz-records: chunks separated by RECORDS_SEP (a separator
 * rather than lengths, so that libFuzzer's inserts and erases keep the
 * framing).
 *
 *   chunk 0   parameters: which calls to make and with what (P_* below;
 *             missing bytes read as zero, extra bytes are ignored)
 *   chunk 1   the META record "app"    (empty: absent)
 *   chunk 2   the META record "active" (empty: absent)
 *   chunk 3   the META record "lease"  (empty: absent)
 *   chunk 4.. ordered records: <flags> <seq> <record bytes>
 *
 * flags bit 0: a build (else a release); bit 1: served under another key
 * than the id it holds. seq 0 means the chunk's position. The key is the
 * record's own F_ID field when it has a usable one.
 *
 * Added with the deployment log (older inputs have these bits clear and
 * read as they always did):
 *   bit 2: an entry of the deployment log (RELEASE_KIND_DEPLOY; bit 0 is
 *          ignored), under the key the core gives it, its seq in decimal
 *          (with bit 1: a key of letters, which no entry holds)
 *   bit 3: the META record "settings" (the others are ignored; the seq
 *          byte is there but unused; the first such chunk counts)
 *   bit 4: the seq is 8 bytes, little-endian, instead of 1 (0 still means
 *          the chunk's position), so that versions and seqs can be far
 *          apart
 *
 * All records belong to app RECORDS_APP.
 */
#ifndef LIBRELEASE_FUZZ_RECORDS_INPUT_H
#define LIBRELEASE_FUZZ_RECORDS_INPUT_H

#define RECORDS_SEP "\xfe\xfd\xfc\xfb"
#define RECORDS_SEP_LEN 4
#define RECORDS_APP "fz"
/* The first time of the seeds' clock (2019-01-01T00:00:00Z), which steps 1 s. */
#define RECORDS_T0 (INT64_C(1546300800) * 1000000000)

#define RECORD_IS_BUILD 1
#define RECORD_OTHER_KEY 2
#define RECORD_IS_DEPLOY 4
#define RECORD_IS_SETTINGS 8
#define RECORD_SEQ64 16

/* Parameter bytes (chunk 0). */
enum {
	P_FLAGS,       /* P_F_* */
	P_KEEP,        /* release_prune's keep, mod 8 */
	P_LIMIT,       /* a paged listing's limit, mod 8 (0: all) */
	P_PROMOTE,     /* which listed release to promote */
	P_ROLLBACK,    /* which listed release to roll back to (P_F_ROLLBACK_TARGET) */
	P_VERSION,     /* a version for release_get_version beside the listed ones */
	P_CLOCK,       /* the clock starts this many 15 s steps after RECORDS_T0 */
	/* added with the deployment log; 0 in older inputs */
	P_FLAGS2,      /* P_F2_* */
	P_DIFF,        /* diff listed releases: from (low 4 bits), to (high 4 bits) */
	P_AT,          /* release_deploy_at also at this many seconds after RECORDS_T0 */
	P_COPY_FAULT,  /* a copy into a store whose n-th write fails (low 6 bits: n,
			* 0: none; bit 6: the write took effect), then again */
	P_COUNT
};

#define P_F_GET_SEQ 0x01         /* the backend has get_seq */
#define P_F_FORCE 0x02           /* promotions are forced */
#define P_F_DEPLOY_FAILS 0x04    /* a deployer that fails */
#define P_F_DEPLOYER 0x08        /* a deployer at all */
#define P_F_ROLLBACK_TARGET 0x10 /* roll back to a listed release, not the previous */
#define P_F_WRITES 0x20          /* env set/unset and release_create too */
#define P_F_DELETE 0x40          /* delete the app at the end */
#define P_F_OVERSCAN 0x80        /* the backend returns one record more than asked */

#define P_F2_WAIT 0x01   /* the backend has wait() (which checks, never sleeps) */
#define P_F2_OLDER 0x02  /* the backend is of storage version 2: no deployment log */
#define P_F2_COMMIT 0x04 /* the backend has commit() */
#define P_F2_COPY_APP 0x08 /* release_store_copy names the app (else: every app) */
#define P_F2_REVEAL 0x10   /* the diffs with from or to NULL reveal masked values */
#define P_F2_COPY_STOP 0x20 /* the copy's progress callback stops it (after the app) */

#endif
