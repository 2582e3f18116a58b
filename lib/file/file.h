/*
 * The file store: a durable, crash-safe backend on a local directory, shared
 * by any number of processes. Written against the public storage vtable.
 *
 * Its sources, in the order of its layers: io.c (system calls, messages,
 * validation), files.c (an app's files, lock and creation), format.c (the
 * state file), log.c (records), index.c (seq and key indexes), recover.c
 * (replay, repair), compact.c, read.c (the storage methods that read),
 * ops.c (those that write, and the vtable) and open.c (opening a store,
 * read-write or read-only). Group commit is in commit.c, group.c and
 * pending.c, holds in hold.c; waiting for a change (wait()) ends read.c.
 * This header is their private interface.
 *
 * On-disk format (version 3)
 * ==========================
 *
 * <root>/FORMAT             "librelease-file-store <version>\n"
 * <root>/<app>/             one directory per app (0700; files are 0600)
 *   lock                    empty; OFD locks on its byte 0 (appending), byte 1
 *                           (syncing) and byte 2 (shared by writers with a
 *                           run pending)
 *   hold                    the app's hold: its holder's OFD lock and info
 *   state                   two copies of the app's state
 *   log.<g>                 the records, append-only; the truth
 *   bld.<g>, rel.<g>, dep.<g>  seq indexes of builds, releases and the
 *                           deployment log: seq -> record
 *   keys.<g>                hash index: (kind, key) -> seq
 *
 * log: a 64-byte header ("LRLOG001") then records:
 *   magic u32 | crc32c u32 | op u8 | kind u8 | keylen u8 | flags u8 |
 *   datalen u32 | seq u64 | key | data
 * (integers little-endian; the CRC covers everything after itself). op is
 * put, replace (the new bytes of a compare-and-swap) or delete; kind is the
 * storage kind (1 META, 2 build, 3 release, 4 deployment). A record is
 * acknowledged only after fdatasync; the indexes are written after that.
 *
 * Group commit: a commit appends its run under the append lock (byte 0 of
 * lock) without syncing, leaving it past indexed_len, unapplied and so
 * invisible to readers, and lets the lock go; later commits plan on top of
 * the runs found there (pending), and so may the core's reads for a write
 * (pending.c): a write built on a pending run is synced, and cut, with it.
 * From before its append until its run is durable a commit shares byte 2
 * of lock. Then it looks at the state: its run applied (indexed_len reaches
 * its end: another's sync covered it) means done; else, if nobody holds the
 * sync lock (byte 1), it takes it and leads: notes the cut count and the
 * log's length (together, under the append lock), fdatasyncs, and under
 * the append lock again, unless the log was
 * cut meanwhile (the bytes it synced may not be the ones there now),
 * records in the state how far whole runs are now durable (durable_len),
 * applies those runs and publishes the state; else it looks again after a
 * short pause (the locks are not fair, and a commit whose run a leader
 * covered must not queue behind newer leaders). So one fdatasync serves
 * every run appended while the one before was running, by threads or
 * processes, and readers see only what is synced. Every cut of the log
 * past indexed_len (a torn run, a failed append, a failed sync) counts in
 * the state before anything is appended again. If a leader's fdatasync
 * fails, it cuts the log back to durable_len or indexed_len, whichever is
 * further (nothing past it was acknowledged), which tells the waiting
 * commits that their runs are gone. A call that must see the log whole
 * under the append lock (a single-record write, a repair, a reindex) syncs
 * and applies the pending runs itself first; a read that finds runs
 * pending with byte 2 free (their writers died) and nobody syncing leads a
 * sync of them. Compaction runs only with nothing pending.
 *
 * Records are appended in runs, one per write: a commit of several
 * operations is one run, made durable by one fdatasync. A run's first
 * record has magic "LRRK", the others "LRRC"; every record but the last has
 * flag 1 ("the run goes on"). A single write is a run of one ("LRRK", flags
 * 0), which is how version 1 wrote every record, so its logs read as they
 * are. Replay applies a run only once it has all of it. A run cut short at
 * the end of the log (its last record torn, missing or unwritten, with no
 * intact record after the damage) was never acknowledged and is cut off
 * whole; elsewhere that is damage, reported. So an intact record after a
 * damaged one always makes it damage, even in the same run: a run synced
 * whole and damaged later is never cut off. The price: a power loss in the
 * middle of a run's sync whose pages reached the disk out of order (a
 * later one written, an earlier one not) is reported as damage too, where
 * the run could have been cut off.
 *
 * FORMAT says 2 once a run of several records may be in a log: a store is
 * moved from 1 to 2 before its first such run is appended, and one of
 * version 1 is read as it is. Version 1 of the library refuses FORMAT 2; a
 * process of it that opened the store before the move reads such a run as
 * a damaged record (its flags byte was zero), and neither applies part of
 * it nor cuts it off (its last record is intact).
 *
 * FORMAT says 3 once a deployment record (kind 4) may be in a log: a store
 * is moved to 3 before its first one is appended (from 1 or 2: 3 allows
 * runs too), and one of version 1 or 2 is read as it is. Libraries before
 * 1.4 refuse FORMAT 3. A process of one that opened the store before the
 * move reads a deployment record as a damaged one, and the state of an
 * app that has any as damaged in both copies (its magic is LRSTATE2, see
 * state), so it neither reads nor writes that app: no compaction or
 * rebuild of its own can drop the records it does not know. A run with a
 * deployment record still pending (not acknowledged) such a process may
 * take for a torn one and cut off: that commit then fails, and nothing
 * acknowledged is lost.
 *
 * hold: a 24-byte header ("LRHOLD01" | nonce u64 | length u32 | crc32c
 * u32 over the header's first 20 bytes and the info) then the info. A
 * holder locks byte 0 (F_OFD_SETLK), and byte HOLD_NONCE_BASE + nonce,
 * before it writes the file (never synced): a reader takes the info only
 * when its checksum holds and its nonce is the one the lock shows, so
 * neither a torn write nor a dead holder's leftover passes for the
 * holder's. unhold() unlocks before it closes, so a child forked meanwhile,
 * which shares the lock, does not keep the app held; a child closing its
 * copy of the handle leaves its parent's hold. A hold file deleted by hand
 * (with the app's directory) ends the hold while its holder lives: others
 * take the one made since. Its holder's writes to the app then fail with
 * RELEASE_EBUSY until it gives the hold back (hold_lost()).
 *
 * bld/rel/dep: a 64-byte header, then for seq s at 64 + (s-1)*24:
 *   log offset u64 | key hash u64 | record length u32 | crc32c u32
 * (the CRC covers the first 20 bytes and s). Offset 0 with hash 1 marks a
 * seq without a record (deleted, or never written below the top). Every seq
 * up to the state's top has an entry, so all-zero bytes there are damage,
 * never "no record". A generation made before 1.4 has no dep file; it is
 * read as empty while the state's deployment top is 0, and the indexes are
 * rebuilt as a new generation (reindex) before the app's first deployment
 * record is written.
 *
 * keys: a 64-byte header, then open-addressing slots of 24 bytes:
 *   tag u64 (0 empty, 1 deleted, else the key hash) | kind<<56 | seq u64 |
 *   crc32c u32 | 0 u32
 * Empty slots are written out with their CRC too. A hit is always confirmed
 * against the record's own key.
 *
 * Headers: magic (8: "LRLOG001", "LRIDX001" for bld/rel/dep, "LRKEY001") |
 * format version u32 | 0 u32 | slots u64 (keys) | flags u32 | 0 u32 |
 * owner u64 | gen u64. Flag 1 says absent entries and
 * empty slots are marked as above; owner (a hash of the app's name) and gen
 * tie a file to its app and generation, so a file copied or swapped in from
 * elsewhere is seen. Index and key files without them (written by 1.0.0)
 * are rebuilt from the log on first use; a log without them is accepted.
 *
 * state: two 2048-byte copies; each holds a counter, the generations g of the files above,
 * the log length the indexes cover (indexed_len) and the length up to which
 * they were last fsync'ed (synced_len), the boot id of the machine that wrote
 * them, counts for the hash index and compaction, up to 16 small META
 * records (key -> log offset), the highest seq in each seq index (a shorter
 * index file is damage, not an empty tail), the count of cuts of the log
 * past indexed_len and the length a group's sync made durable (see group
 * commit), and a CRC. Writers overwrite
 * both copies, the older first, so a torn write leaves one intact and damage
 * to one later leaves the other; readers take the newer valid copy.
 * Layout: magic (8) | counter | log, index, key generations | indexed_len |
 * synced_len | dead | key slots | keys used (u64 each, at 8..79) | boot id
 * (40) | META count u32 at 120 | 16 META slots of 80 at 128 (key (65), len
 * u32 at 68, offset u64 at 72) | tops of bld, rel at 1408, 1416 | owner |
 * cuts | durable_len | top of dep at 1448 | zeros | crc32c at 2044. The
 * magic is "LRSTATE2" when the deployment top is above 0, else "LRSTATE1"
 * (and the top 0, as in every copy written before 1.4): a library that
 * knows no deployment records cannot read an app that has them.
 *
 * Recovery rules
 * --------------
 * - Indexes are derived from the log. The log past indexed_len holds
 *   pending runs (group commit), or ones whose writer died before they were
 *   synced and applied: either way unacknowledged. They are synced before
 *   they are applied; a torn one at the end is cut off.
 * - Index writes are not fsync'ed each time; a checkpoint fsyncs them and
 *   records synced_len. After a reboot (the boot id differs) the log is
 *   replayed from synced_len, so index pages lost with the page cache are
 *   rebuilt.
 * - A record that fails its checksum at the end of the log, with no intact
 *   record after it, is a torn append that was never acknowledged: the log
 *   is truncated there. Anywhere else it is RELEASE_ECORRUPT, naming the
 *   file and byte offset; so is a log shorter than the state says was
 *   acknowledged. Nothing is ever returned that fails a check.
 * - The index, key and META tables are derived: damage to them (a failed
 *   checksum, zeroed bytes, a short file, an entry pointing at the wrong
 *   record, a state whose top is below the index's) is repaired by
 *   rebuilding them from the log as new generations (reindex), under the
 *   lock. Only if the log itself fails is the damage reported.
 * - What cannot be checked without reading the whole log is the state's
 *   META table: a state copy forged (with a valid checksum) to list fewer
 *   META records, or to point one at an older record of the same key, reads
 *   as an older, consistent state. Every other field is checked against the
 *   files (top against the index, indexed_len against the log, the copy
 *   with more of the log acknowledged wins).
 * - Once a record is appended and synced the call has succeeded: a failure
 *   while updating the derived files afterwards leaves them behind the log,
 *   to be replayed by the next call, and is not reported. In a group, a run
 *   is synced once the leader has recorded durable_len past it; no cut
 *   ever goes below durable_len, and damage below it is corruption, as
 *   below indexed_len.
 * - But a write whose records became durable (by its own sync or another's)
 *   once its app's directory was deleted by hand, perhaps made again, is
 *   in files nobody reads: once durable, each write looks again that the
 *   directory is the app's (still_in_place()), and fails with RELEASE_EIO
 *   if not. What is looked at is the state file at <root>/<app>/state:
 *   the one held open, unless the directory was replaced or its files
 *   deleted (every file in <app> removed, or an rm -rf whose rmdir lost to
 *   a process that made them again). Writers lock the lock file at its
 *   name, never one deleted (one that was is no lock against those who
 *   lock the one made since): once locked, a write looks that both files
 *   are the ones at their names.
 * - Compaction writes new log and index files under new generations, fsyncs
 *   them and the directory, then switches the state; readers keep using the
 *   old files they have open and never wait.
 */
#ifndef RELEASE_FILE_H
#define RELEASE_FILE_H

#include <librelease/storage.h>

#include "../crc32c.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FORMAT_NAME "librelease-file-store"
#define FORMAT_PLAIN 1   /* FORMAT: every run is one record (version 1) */
#define FORMAT_RUNS 2    /* FORMAT: runs of several records may be in a log */
#define FORMAT_DEPLOY 3  /* FORMAT: deployment records may be in a log */
#define FORMAT_VERSION FORMAT_DEPLOY /* the newest this code reads */
#define HDR_VERSION 1    /* the version field of the files' headers */

#define OP_PUT 1
#define OP_REPLACE 2
#define OP_DELETE 3

#define LOG_HDR 64
#define REC_HDR 24
#define REC_MAGIC 0x4b52524cu  /* "LRRK": a run's first record */
#define REC_CONT 0x4352524cu   /* "LRRC": a later record of the run */
#define REC_MORE 1u            /* flags: the run goes on after this record */
#define HOLD_HDR 24
#define HOLD_NONCE_BASE (INT64_C(1) << 40) /* lock offset of a holder's nonce */
#define IDX_HDR 64
#define IDX_ENT 24
#define KEY_SLOT 24
#define STATE_COPY 2048
#define META_SLOTS 16
#define KEY_MAX 64
#define DATA_MAX (64u << 20)
#define MAX_OPEN_APPS 32
#define CHECKPOINT_BYTES (4u << 20) /* log bytes between index fsyncs */
#define COMPACT_MIN (64u << 10)     /* dead bytes before compaction is worth it */
#define KEYS_MIN_CAP 1024
#define SCAN_BATCH 64
#define SCAN_WINDOW (256u << 10) /* a scan reads its records at once up to this span */
#define RETRIES 8
#define HDR_FLAGS 24    /* u32 in the header of index and key files */
#define HDR_MARKED 1u   /* absent entries and empty slots are written out */
#define HDR_OWNER 32    /* u64: a hash of the app's name ... */
#define HDR_GEN 40      /* u64: ... and the file's generation */
#define SEQ_LIMIT (UINT64_C(1) << 56) /* seqs share a key slot with the kind */
#define SEQ_GAP_MAX (UINT64_C(1) << 16) /* furthest a put may land past the top */
#define BIG_RECORD 65536 /* records this long are checked against the file first */
/* Internal only, never returned to the core: a derived file (index, key
 * index, state) disagrees with itself or the log and must be rebuilt from the
 * log. */
#define FS_DAMAGED (-1000)
/* Internal only: a pending record a read loaded is no longer where it was
 * (cut off or compacted meanwhile); the read starts over. */
#define PENDING_MOVED (-1001)
/* Internal only: nothing pending answers the read; the applied records do. */
#define PENDING_NONE (-1002)

/* The core's entry points into this backend (store.c, records.c). */
extern const release_storage file_storage;
int file_open(void **ctx, const char *path, char *err, size_t errlen);
void file_see_pending(void *ctx, int on);
/* read.c: the storage methods that read */
int fs_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
	   void *payload);
int fs_get_seq(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
	       void *payload);
int fs_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
	    release_record_fn fn, void *payload);
int fs_wait(void *ctx, const char *app, int64_t timeout_ns, int (*check)(void *payload),
	    void *payload);

/* The ordered kinds, each with a seq index: 0 builds, 1 releases, 2 the
 * deployment log. */
#define SEQ_KINDS 3

static inline int seq_index(int kind)
{
	return kind - RELEASE_KIND_BUILD;
}

static inline int index_kind(int which)
{
	return which + RELEASE_KIND_BUILD;
}

struct meta_slot {
	char key[KEY_MAX + 1];
	uint32_t len;
	uint64_t off;
};

struct state {
	uint64_t counter;
	uint64_t log_gen, idx_gen, keys_gen;
	uint64_t indexed_len, synced_len, dead;
	uint64_t keys_cap, keys_used;
	uint64_t top[SEQ_KINDS]; /* highest seq indexed, per seq_index() */
	uint64_t owner;  /* hash of the app's name; 0 in states written by 1.0.0 */
	uint64_t cuts;   /* times the log was cut past indexed_len (group commit) */
	uint64_t durable_len; /* the log is synced up to here, whole runs (or 0) */
	char boot_id[40];
	uint32_t meta_n;
	struct meta_slot meta[META_SLOTS];
};

struct fapp {
	char name[64];
	int dir, lock, statefd, log, keys;
	/* The directory, state and lock files held open, to tell them
	 * replaced by hand (dir_replaced(), lock_replaced()) */
	dev_t dev, state_dev, lock_dev;
	ino_t ino, state_ino, lock_ino;
	int retired; /* set aside (retire()): its directory is no longer the app's */
	int idx[SEQ_KINDS]; /* per seq_index(); dep -1 in a generation without one */
	uint64_t log_gen, idx_gen, keys_gen;
	struct state st;
	uint64_t used; /* LRU tick */
	int locked;
	int replaying;        /* the index is mid-replay: nothing may call it synced */
	int rebuilding;       /* mid-reindex: the state is published at its end */
	uint64_t known_top[SEQ_KINDS]; /* during a rebuild, the tops the state had before */
	/* A log found damaged where a rebuild cannot pass: not tried again
	 * until the log changes. */
	uint64_t bad_log_gen, bad_log_size;
	char bad_msg[512];
	uint64_t uncompactable_gen; /* compaction met a damaged record in this log */
	int stuck; /* this read's recovery failed with this code: the log holds
		    * records past what the published state indexes */
	char stuck_msg[512];
	/* The state file's bytes as last read, and (seen_ok) the state they
	 * gave a read that found everything in order: while the file holds
	 * the same bytes and the log its indexed length, a read takes it as
	 * it is (begin_read). */
	unsigned char seen[2 * STATE_COPY];
	int seen_fresh; /* seen holds the bytes the last read_state() decoded */
	int seen_ok;
	struct state seen_st;
};

/* Bytes of the log read at once (log.c). */
struct window {
	unsigned char *b;
	size_t cap, len;
	uint64_t off;
};

struct fstore {
	int root;
	char boot_id[40];
	struct fapp *apps[MAX_OPEN_APPS];
	uint64_t tick;
	/* Apps whose directory was found replaced (deleted by hand, made
	 * again), their data files closed: the rest kept open a while, as a
	 * caller up the stack may still hold one, then closed by retire()
	 * (the oldest, when a fifth comes) or fs_close(). */
	struct fapp *retired[4];
	unsigned retired_next;
	char errmsg[512];
	int damage; /* FS_DAMAGED came from the store, not from a callback */
	int format; /* what FORMAT said when opened, or since moved to */
	struct fhold *holds; /* this handle's holds */
	int see_pending; /* reads are for a write: they see pending runs */
	struct window win; /* the records of a scan's page, read at once */
	const struct window *lend; /* a replay's window, which key lookups may read */
	int win_busy;
	int mode;      /* MODE_AUTO, MODE_RW or MODE_RO (open.c) */
	char why[160]; /* why a handle not asked to be read-only is */
	int opened_rw; /* it opened a file for writing: it never turns read-only */
};

/* A hold taken through this handle (hold.c). */
struct fhold {
	struct fhold *next;
	int fd;
	dev_t dev; /* the hold file fd is, to tell it deleted (hold_lost()) */
	ino_t ino;
	long pid; /* the process that took it */
	char app[64];
};

struct rec {
	int op, kind;
	uint64_t seq;
	char key[KEY_MAX + 1];
	unsigned char *data; /* in block, or lent by a window */
	unsigned char *block; /* owned: the bytes read (NULL when lent) */
	uint32_t datalen;
	uint64_t off;
	uint32_t len; /* whole record */
	int first, more; /* the run's first record; the run goes on after it */
};

/* A record to append (log.c). */
struct wrec {
	int op, kind;
	const char *key;
	uint64_t seq;
	const void *data;
	size_t len;
};

struct ent {
	uint64_t off, hash;
	uint32_t len;
};

/* Little-endian integers in on-disk bytes. */
static inline void put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t get_u32(const unsigned char *p)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static inline uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* open.c: read-only handles */
#define MODE_AUTO 0 /* read-write, read-only if the store cannot be written */
#define MODE_RW 1   /* read-write, or fail */
#define MODE_RO 2   /* read-only */
int store_readonly(const struct fstore *fs);
int store_fallback(struct fstore *fs, const char *what);
int refuse_write(struct fstore *fs);
int file_uri_readonly(const char *given);

/* io.c */
int failf(struct fstore *fs, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int errno_code(int e);
int sys_fail(struct fstore *fs, const char *app, const char *what);
ssize_t pread_full(int fd, void *buf, size_t len, uint64_t off);
int pwrite_full(int fd, const void *buf, size_t len, uint64_t off);
int fsync_retry(int fd);
int fdatasync_retry(int fd);
uint64_t file_size(int fd);
uint64_t key_hash(int kind, const char *key);
int valid_key(const char *key);
int valid_app_name(const char *name);
int valid_kind(int kind);
int ordered(int kind);

/* files.c */
int check_owned(struct fstore *fs, int fd, const char *what, int dir);
void gen_name(char *buf, size_t len, const char *base, uint64_t gen);
uint64_t next_gen(uint64_t gen);
void unlink_gen(struct fapp *a, const char *base, uint64_t gen);
void close_fd(int *fd);
void close_data_files(struct fapp *a);
void app_close(struct fapp *a);
void retired_close(struct fstore *fs);
int reopen_app(struct fstore *fs, struct fapp **a, int create);
int recheck_app(struct fstore *fs, struct fapp **a, int create);
int dir_replaced(const struct fstore *fs, const struct fapp *a);
int lock_replaced(const struct fstore *fs, const struct fapp *a);
int still_in_place(struct fstore *fs, const struct fapp *a);
int damaged(struct fstore *fs, struct fapp *a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int open_generation(struct fstore *fs, struct fapp *a, const struct state *st);
int make_gen_file(struct fstore *fs, struct fapp *a, const char *base, uint64_t gen,
		  const char *magic, uint64_t slots, uint64_t size, int sync, int *out);
int create_gen_file(struct fstore *fs, struct fapp *a, const char *base, uint64_t gen,
		    const char *magic, uint64_t slots, uint64_t size, int *out);
int lock_app(struct fstore *fs, struct fapp *a, short type);
int try_lock_app(struct fstore *fs, struct fapp *a);
void unlock_app(struct fstore *fs, struct fapp *a);
int init_app(struct fstore *fs, struct fapp *a);
int get_app(struct fstore *fs, const char *name, int create, struct fapp **out);
int open_late_files(struct fstore *fs, struct fapp *a);

/* format.c */
int read_state(struct fstore *fs, struct fapp *a, struct state *out);
int state_unchanged(struct fstore *fs, struct fapp *a);
int write_state(struct fstore *fs, struct fapp *a, struct state *st, int sync);
void state_published(struct fstore *fs, const char *app, uint64_t out[2]);
struct meta_slot *meta_find(struct state *st, const char *key);

/* log.c */
int read_rec(struct fstore *fs, struct fapp *a, uint64_t off, struct rec *r, int *torn);
int read_rec_hint(struct fstore *fs, struct fapp *a, uint64_t off, uint32_t hint, struct rec *r,
		  int *torn);
int window_fill(struct fstore *fs, struct fapp *a, struct window *w, uint64_t off, size_t len);
void window_free(struct window *w);
int read_rec_in(struct fstore *fs, struct fapp *a, const struct window *w, uint64_t off,
		uint32_t hint, struct rec *r, int *torn);
int read_rec_seq(struct fstore *fs, struct fapp *a, struct window *w, uint64_t off, struct rec *r,
		 int *torn);
void rec_free(struct rec *r);
void encode_rec(unsigned char *b, const struct wrec *w, int first, int more);
int append_run(struct fstore *fs, struct fapp *a, uint64_t start, const struct wrec *v, size_t n,
	       uint32_t *lens, int sync);
int append_rec(struct fstore *fs, struct fapp *a, int op, int kind, const char *key,
	       uint64_t seq, const void *data, size_t len, uint64_t *off, uint32_t *reclen);

/* index.c */
uint32_t ent_crc(const unsigned char *e, uint64_t seq);
int read_ent(struct fstore *fs, struct fapp *a, int which, uint64_t seq, struct ent *e);
int write_ent_fd(struct fstore *fs, struct fapp *a, int fd, uint64_t seq,
		 const struct ent *e);
int write_ent(struct fstore *fs, struct fapp *a, int which, uint64_t seq, const struct ent *e);
int write_absent(struct fstore *fs, struct fapp *a, int fd, uint64_t from, uint64_t to);
uint64_t max_seq(struct fapp *a, int which);
int check_sizes(struct fstore *fs, struct fapp *a);
void encode_slot(unsigned char *b, uint64_t tag, uint64_t val);
int key_lookup(struct fstore *fs, struct fapp *a, int kind, const char *key, uint64_t *seq,
	       uint64_t *slot);
int key_find(struct fstore *fs, struct fapp *a, int kind, const char *key, uint64_t *seq,
	     uint64_t *slot, struct rec *rec);
int rebuild_keys(struct fstore *fs, struct fapp *a);
int key_insert(struct fstore *fs, struct fapp *a, int kind, const char *key, uint64_t seq);
int key_remove(struct fstore *fs, struct fapp *a, int kind, const char *key);
extern const char *const idx_names[SEQ_KINDS];
int need_index(struct fstore *fs, struct fapp *a, int kind);

/* recover.c */
int apply_rec(struct fstore *fs, struct fapp *a, const struct rec *r);
int checkpoint_app(struct fstore *fs, struct fapp *a);
int reindex(struct fstore *fs, struct fapp *a);
int check_top(struct fstore *fs, struct fapp *a);
int recover_app(struct fstore *fs, struct fapp *a, int force);
int recover_pending(struct fstore *fs, struct fapp *a);
int apply_upto(struct fstore *fs, struct fapp *a, uint64_t limit);
int public_rc(int rc);
int found_damage(struct fstore *fs, int rc);

/* group.c */
struct ticket {
	uint64_t gen, start, end, cuts; /* where a commit's run went, and when */
	unsigned char head[8];          /* its first record's magic and checksum */
	int fresh;                      /* the commit's own run, just appended */
};
int lock_sync(struct fstore *fs, struct fapp *a, short type);
int try_lock_sync(struct fstore *fs, struct fapp *a);
int sync_pending(struct fstore *fs, struct fapp *a);
int flush_pending(struct fstore *fs, struct fapp *a);
int mark_pending(struct fstore *fs, struct fapp *a, int on);
int pending_owned(struct fstore *fs, struct fapp *a);
int cut_pending(struct fstore *fs, struct fapp *a);
int cut_log(struct fstore *fs, struct fapp *a, uint64_t off);
uint64_t whole_runs(struct fapp *a, uint64_t off, uint64_t limit);
uint64_t acked_len(const struct state *st);
int wait_durable(struct fstore *fs, struct fapp *a, const struct ticket *t);
void after_write(struct fstore *fs, struct fapp *a);

/* pending.c */
struct prec { /* a record of a pending run */
	int op, kind, first;
	uint64_t seq, off;
	uint32_t len;
	char key[KEY_MAX + 1];
};
struct pending {
	struct prec *r; /* oldest first */
	size_t n, cap;
	uint64_t end; /* where the runs read end */
};
typedef int (*pending_plain_fn)(struct fstore *fs, const char *app, int kind, uint64_t before,
				size_t limit, release_record_fn fn, void *payload);
int pending_load(struct fstore *fs, struct fapp *a, struct pending *p);
void pending_free(struct pending *p);
const struct prec *pending_find(const struct pending *p, int kind, const char *key);
int pending_get(struct fstore *fs, struct fapp *a, int kind, const char *key,
		release_record_fn fn, void *payload);
int pending_scan(struct fstore *fs, struct fapp *a, const char *app, int kind, uint64_t before,
		 size_t limit, release_record_fn fn, void *payload, pending_plain_fn plain);

/* compact.c */
int compact_log(struct fstore *fs, struct fapp *a);

/* ops.c */
void fs_close(void *ctx);
int begin_write(struct fstore *fs, const char *app, int create, struct fapp **out);
int begin_commit(struct fstore *fs, const char *app, int create, struct fapp **out);
int end_write(struct fstore *fs, struct fapp *a, int rc, int committed);
int current_rec(struct fstore *fs, struct fapp *a, int kind, const char *key, struct rec *r,
		int *found);

/* commit.c */
int fs_commit(void *ctx, const char *app, const release_storage_op *ops, size_t n,
	      size_t *failed);

/* hold.c */
int fs_hold(void *ctx, const char *app, const void *info, size_t len, void **hold);
void fs_unhold(void *ctx, void *hold);
int fs_held(void *ctx, const char *app, release_record_fn fn, void *payload);
int hold_lost(struct fstore *fs, const char *app);
void holds_close(struct fstore *fs);

/* open.c */
#define MADE_UP_BOOT_ID "pid-"
int format_move(struct fstore *fs, int want);
int made_up_boot_id(const struct fstore *fs);

#endif
