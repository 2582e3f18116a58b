/*
 * Helpers for the file store's tests of deployment records (storage kind
 * RELEASE_KIND_DEPLOY, storage version 3), through the raw backend.
 */
#ifndef LIBRELEASE_TEST_DEPLOY_UTIL_H
#define LIBRELEASE_TEST_DEPLOY_UTIL_H

#include "damage.h"

#define DAPP "web"

release_storage_op op_put(int kind, const char *key, uint64_t seq, const char *data);
release_storage_op op_cas(int kind, const char *key, const char *old, const char *data);
release_storage_op op_del(int kind, const char *key);

/* The key of deployment record seq: the seq in decimal (static buffer of
 * 8 rotating slots). */
const char *dkey(uint64_t seq);

/* Opens the raw backend of dir, read-only with ro ("file:DIR?mode=ro"). */
void backend_open_mode(const char *dir, int ro, struct backend *b);

/*
 * Everything a test writes to app DAPP, as text: META "app", "active" and
 * "note"; each ordered kind by a full scan (newest first), then each seq
 * 1..maxseq by get_seq; deployment records also by key; a scan of the
 * deployment log in pages of 3. A failing read shows as "error N".
 */
char *dreads(struct backend *b, uint64_t maxseq);
char *dreads_of(const char *dir, int ro, uint64_t maxseq);

/*
 * A promotion as the core makes it: one commit that moves META "active"
 * from old (NULL: absent) to new and puts deployment record seq. Returns
 * the commit's result.
 */
int promote_rec(struct backend *b, const char *old, const char *new, uint64_t seq);

/* The base history: META app; releases r1..r3 (seqs 1-3); build b1; and
 * promotions of r1, r2, r3 (deployment records 1-3), active r3. */
void deploy_history(const char *dir);

/* The contents of dir's FORMAT file (caller frees). */
char *format_of(const char *dir);
/* Overwrites dir's FORMAT with "librelease-file-store <version>\n". */
void format_set(const char *dir, int version);

/* The magic of the newer state copy of app and its deployment top (bytes
 * 1448..1455): reads both copies of <dir>/<app>/state. */
void state_magic(const char *dir, const char *app, char magic[9], uint64_t *dep_top);

/* Whether <dir>/<app>/<base>.<gen> exists. */
int gen_exists(const char *dir, const char *app, const char *base, uint64_t gen);

#endif
