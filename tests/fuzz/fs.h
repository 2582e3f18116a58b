/*
 * fuzz-file-store's pieces.
 *
 *   fs_history.c  the histories written once per process through the public
 *                 API (templates), their files, and the model of what they
 *                 acknowledged
 *   fs_damage.c   the input's damage program applied to a copy of those files
 *   fs_oracle.c   the reads and writes after the damage, checked against
 *                 the model
 *
 * The input:
 *
 *   byte 0   the history (mod FS_VARIANTS)
 *   byte 1   FS_F_* flags for the writes after the damage
 *   then     up to FS_MAX_OPS damage operations: an opcode byte (mod FS_OPS)
 *            and its fixed-size arguments (fs_op_size); missing bytes are 0
 */
#ifndef LIBRELEASE_FUZZ_FS_H
#define LIBRELEASE_FUZZ_FS_H

#include "fuzz_util.h"

#include <librelease/release.h>

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ input */

enum fs_variant {
	FS_V_BASIC,      /* apps api, web (builds, releases, env, promotions, a
			  * rollback, a prune, an unset) and gone (deleted) */
	FS_V_COMPACT,    /* app big: dead log bytes just below compaction */
	FS_V_COMPACTED,  /* app big after a compaction, and writes after it */
	FS_V_LONG,       /* app long: 70 releases, more than a scan batch */
	FS_V_PRUNED,     /* app pruned: a prune that deletes the newest build, and
			  * promotions after it; app huge (40 builds with 4 KiB
			  * manifests, each released) deleted; app kept */
	FS_VARIANTS
};

#define FS_F_PROBE_APP 0x01    /* the write probes go to the second app */
#define FS_F_PROMOTE 0x02      /* promote the probe's release */
#define FS_F_NO_FIRST 0x04     /* no write before the reopen */
#define FS_F_UNSET 0x08        /* the second probe unsets instead */
#define FS_F_REBOOT 0x10       /* a reboot before the reopen (fs_reboot) */

enum fs_opcode {
	FS_OP_FLIP,       /* file, offset u32, bit: flip one bit */
	FS_OP_TRUNCATE,   /* file, length u32 (mod size + 1) */
	FS_OP_ZERO,       /* file, offset u32, length u16 */
	FS_OP_SWAP,       /* file, file: exchange contents */
	FS_OP_FORGE,      /* app, copy, field, mode, value u64: edit a state copy
			   * and re-seal its checksum */
	FS_OP_WRITE,      /* file, offset u32, length u8 (mod 17), 16 bytes */
	FS_OP_UNLINK,     /* file */
	FS_OP_EXTEND,     /* file, length u16, byte: append */
	FS_OP_COPY,       /* file, file: the second gets the first's contents */
	FS_OP_ZERO_ENTRY, /* app, index (mod 3: bld, rel, dep), seq u8: zero an entry */
	FS_OP_ZERO_SLOT,  /* app, n u16: zero the n-th used slot of keys */
	FS_OP_CUT_LOG,    /* app, back u8, delta i8: cut the log at the start of the
			   * back-th record from its end (0: the end), moved by delta */
	FS_OP_FLIP_REC,   /* app, back u8, offset u16, bit: flip a bit inside the
			   * back-th record from the end (0: the last) */
	FS_OP_REBOOT,     /* app: both state copies get a foreign boot id */
	FS_OPS
};

#define FS_MAX_OPS 12
#define FS_OP_ARGS_MAX 32

/* How many argument bytes follow an opcode. */
size_t fs_op_size(int op);

/* FORGE: which copy; which field; how. */
enum { FS_COPY_NEWER, FS_COPY_OLDER, FS_COPY_BOTH };
enum fs_field {
	FS_FIELD_COUNTER, FS_FIELD_LOG_GEN, FS_FIELD_IDX_GEN, FS_FIELD_KEYS_GEN,
	FS_FIELD_INDEXED_LEN, FS_FIELD_SYNCED_LEN, FS_FIELD_DEAD, FS_FIELD_KEYS_CAP,
	FS_FIELD_KEYS_USED, FS_FIELD_TOP_BLD, FS_FIELD_TOP_REL, FS_FIELD_META_N,
	FS_FIELD_META_OFF, /* value's high byte picks the slot */
	FS_FIELD_META_LEN,
	FS_FIELD_TOP_DEP, /* the deployment log's top (format 3) */
	FS_FIELDS
};
enum { FS_MODE_SET, FS_MODE_ADD, FS_MODE_FROM_OTHER, FS_MODE_XOR_BIT, FS_MODES };

/* ------------------------------------------------------------ files */

struct fs_file {
	char path[128]; /* relative to the store's root */
	int is_dir;
	unsigned char *data;
	size_t len;
};

struct fs_tree {
	struct fs_file *f;
	size_t n;
};

/* Reads every file and directory under root (sorted by path). */
void fs_tree_load(struct fs_tree *t, const char *root);
/* Creates root afresh with exactly t's files (dirs 0700, files 0600). */
void fs_tree_store(const struct fs_tree *t, const char *root);
void fs_tree_free(struct fs_tree *t);

/* ------------------------------------------------------------ model */

/* A value the store may rightly hold: exact, or in [lo, hi] (lo <= hi). */
struct fs_time {
	int64_t exact, lo, hi;
};

struct fs_rel {
	char id[16];
	uint64_t version;
	char *dump;  /* every field but the promotion stamps, as text */
	char *env;   /* "K=V\n" in key order (within dump too) */
	char build[16];         /* "" for none */
	uint64_t manifest_hash; /* of its manifest's text */
	struct fs_time promoted, failed;
};

struct fs_bld {
	char id[16];
	char *dump;
};

/* An entry of the deployment log (all it tells but until, which the
 * entries above it decide). */
struct fs_dep {
	uint64_t seq;
	char *dump;
};

#define FS_MAX_ACTIVE 4

struct fs_app {
	char name[64];
	int deleted;        /* deleted by the history: nothing is expected */
	struct fs_rel *rel; /* by version, ascending */
	size_t nrel;
	struct fs_bld *bld;
	size_t nbld;
	struct fs_dep *dep; /* by seq, descending */
	size_t ndep;
	uint64_t dep_top;  /* the newest entry the history wrote */
	int dep_more;      /* promotions tried since: entries above dep_top */
	char active[FS_MAX_ACTIVE][16]; /* what app_get may say ("" none) */
	int nactive;
	uint64_t max_version; /* the highest version acknowledged */
	/* Versions of writes that failed but may have committed (item 4 of the
	 * file store's promises: an error after the commit point): a release
	 * the model does not know may have one of these, 0 0 for none. */
	uint64_t maybe_lo, maybe_hi;
};

#define FS_MAX_APPS 4

struct fs_model {
	struct fs_app app[FS_MAX_APPS];
	size_t napp;
};

void fs_model_copy(struct fs_model *dst, const struct fs_model *src);
void fs_model_free(struct fs_model *m);
/* Adds a release as read or written (the model keeps its own text). */
void fs_model_add(struct fs_app *a, const release *r);

/* FNV-1a, for comparing manifests. */
uint64_t fs_hash(const char *s);

/* Text of a release (without promoted/failed), of its env, and of a build. */
char *fs_dump_release(const release *r);
char *fs_dump_env(const release *r);
char *fs_dump_build(const release_build *b);
char *fs_dump_deploy(const release_deploy *d);

/* ------------------------------------------------------------ templates */

struct fs_template {
	struct fs_tree tree;
	struct fs_model model;
	int64_t next_time; /* the clock's first reading for what comes after */
};

/* The history of a variant, written on first use. */
const struct fs_template *fs_template(int variant);

/* Opens file:dir with a clock and random source (which must outlive the
 * store). Returns release_store_open's result. */
int fs_open(const char *dir, struct fz_clock *clock, struct fz_random *rnd, release_store **out);

/* ------------------------------------------------------------ damage */

/* Applies the input's operations (from data) to the store at root; returns
 * the bytes consumed. */
size_t fs_damage(const char *root, const unsigned char *data, size_t size);

/* What a reboot leaves: every app's state with a foreign boot id, so that
 * the next use replays its log from the last checkpoint. */
void fs_reboot(const char *root);

/* 1 when app's files still show it held records: a state copy that passes
 * its checksum, or a log longer than its header. With neither left the app
 * may rightly be gone. */
int fs_app_evidence(const char *root, const char *app);

/* ------------------------------------------------------------ oracle */

struct fs_run {
	struct fs_model model;
	const char *root;
	int evidence[FS_MAX_APPS];
	unsigned flags;
	int probes;        /* probes written so far (names their keys) */
	struct fz_clock *clock;
};

/* Every read of every app, checked against the model. */
void fs_check(struct fs_run *run, release_store *s, const char *when);
/* The write probe on the app flags pick; the model follows it. */
void fs_probe(struct fs_run *run, release_store *s, int unset);

#endif
