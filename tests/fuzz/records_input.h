/*
 * The input of fuzz-records: chunks separated by RECORDS_SEP (a separator
 * rather than lengths, so that libFuzzer's inserts and erases keep the
 * framing).
 *
 *   chunk 0   parameters: which calls to make and with what (struct below;
 *             missing bytes read as zero)
 *   chunk 1   the META record "app"    (empty: absent)
 *   chunk 2   the META record "active" (empty: absent)
 *   chunk 3   the META record "lease"  (empty: absent)
 *   chunk 4.. ordered records: <flags> <seq> <record bytes>
 *
 * flags bit 0: a build (else a release); bit 1: served under another key
 * than the id it holds. seq 0 means the chunk's position. The key is the
 * record's own F_ID field when it has a usable one.
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

/* Parameter bytes (chunk 0). */
enum {
	P_FLAGS,       /* P_F_* */
	P_KEEP,        /* release_prune's keep, mod 8 */
	P_LIMIT,       /* a paged listing's limit, mod 8 (0: all) */
	P_PROMOTE,     /* which listed release to promote */
	P_ROLLBACK,    /* which listed release to roll back to (P_F_ROLLBACK_TARGET) */
	P_VERSION,     /* a version for release_get_version beside the listed ones */
	P_CLOCK,       /* the clock starts this many 15 s steps after RECORDS_T0 */
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

#endif
