/*
 * The file store: a durable, crash-safe backend on a local directory, shared
 * by any number of processes. Written against the public storage vtable.
 *
 * On-disk format (version 1)
 * ==========================
 *
 * <root>/FORMAT             "librelease-file-store <version>\n"
 * <root>/<app>/             one directory per app (0700; files are 0600)
 *   lock                    empty; writers hold an exclusive OFD lock on it
 *   state                   two copies of the app's state
 *   log.<g>                 the records, append-only; the truth
 *   rel.<g>, bld.<g>        release and build index: seq -> record
 *   keys.<g>                hash index: (kind, key) -> seq
 *
 * log: a 64-byte header ("LRLOG001") then records:
 *   magic u32 | crc32c u32 | op u8 | kind u8 | keylen u8 | 0 u8 |
 *   datalen u32 | seq u64 | key | data
 * (integers little-endian; the CRC covers everything after itself). op is
 * put, replace (the new bytes of a compare-and-swap) or delete. A record is
 * acknowledged only after fdatasync; the indexes are written after that.
 *
 * rel/bld: a 64-byte header, then for seq s at 64 + (s-1)*24:
 *   log offset u64 | key hash u64 | record length u32 | crc32c u32
 * (the CRC covers the first 20 bytes and s). Offset 0 with hash 1 marks a
 * seq without a record (deleted, or never written below the top). Every seq
 * up to the state's top has an entry, so all-zero bytes there are damage,
 * never "no record".
 *
 * keys: a 64-byte header, then open-addressing slots of 24 bytes:
 *   tag u64 (0 empty, 1 deleted, else the key hash) | kind<<56 | seq u64 |
 *   crc32c u32 | 0 u32
 * Empty slots are written out with their CRC too. A hit is always confirmed
 * against the record's own key.
 *
 * Headers: magic (8) | format version u32 | 0 u32 | slots u64 (keys) |
 * flags u32 | 0 u32 | owner u64 | gen u64. Flag 1 says absent entries and
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
 * index file is damage, not an empty tail), and a CRC. Writers overwrite
 * both copies, the older first, so a torn write leaves one intact and damage
 * to one later leaves the other; readers take the newer valid copy.
 *
 * Recovery rules
 * --------------
 * - Indexes are derived from the log. A writer that finds the log longer than
 *   indexed_len (its predecessor died between the two) replays the tail.
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
 *   to be replayed by the next call, and is not reported.
 * - Compaction writes new log and index files under new generations, fsyncs
 *   them and the directory, then switches the state; readers keep using the
 *   old files they have open and never wait.
 */
#include <librelease/storage.h>

#include "crc32c.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FORMAT_VERSION 1
#define FORMAT_NAME "librelease-file-store"

#define OP_PUT 1
#define OP_REPLACE 2
#define OP_DELETE 3

#define LOG_HDR 64
#define REC_HDR 24
#define REC_MAGIC 0x4b52524cu /* "LRRK" */
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

/* The core's entry points into this backend (store.c). */
extern const release_storage file_storage;
int file_open(void **ctx, const char *path, char *err, size_t errlen);

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
	uint64_t top[2]; /* highest seq indexed: builds, releases */
	uint64_t owner;  /* hash of the app's name; 0 in states written by 1.0.0 */
	char boot_id[40];
	uint32_t meta_n;
	struct meta_slot meta[META_SLOTS];
};

struct fapp {
	char name[64];
	int dir, lock, statefd, log, idx[2], keys; /* idx[0]: builds, idx[1]: releases */
	uint64_t log_gen, idx_gen, keys_gen;
	struct state st;
	uint64_t used; /* LRU tick */
	int locked;
	int replaying;        /* the index is mid-replay: nothing may call it synced */
	uint64_t known_top[2]; /* during a rebuild, the top the state had before */
	/* A log found damaged where a rebuild cannot pass: not tried again
	 * until the log changes. */
	uint64_t bad_log_gen, bad_log_size;
	char bad_msg[512];
	uint64_t uncompactable_gen; /* compaction met a damaged record in this log */
	int stuck; /* this read's recovery failed with this code: the log holds
		    * records past what the published state indexes */
	char stuck_msg[512];
};

struct fstore {
	int root;
	char boot_id[40];
	struct fapp *apps[MAX_OPEN_APPS];
	uint64_t tick;
	char errmsg[512];
	int damage; /* FS_DAMAGED came from the store, not from a callback */
};

/* ------------------------------------------------------------ helpers */

static int failf(struct fstore *fs, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int failf(struct fstore *fs, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fs->errmsg, sizeof fs->errmsg, fmt, ap);
	va_end(ap);
	return code;
}

static int errno_code(int e)
{
	switch (e) {
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return RELEASE_ENOSPC;
	case ENOMEM:
		return RELEASE_ENOMEM;
	default:
		return RELEASE_EIO;
	}
}

static int sys_fail(struct fstore *fs, const char *app, const char *what)
{
	int e = errno, rc = failf(fs, errno_code(e), "app '%s': %s: %s", app, what, strerror(e));

	errno = e;
	return rc;
}

static void put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Full pread: returns bytes read (short only at end of file) or -1. */
static ssize_t pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

static int fsync_retry(int fd)
{
	int rc;

	do
		rc = fsync(fd);
	while (rc != 0 && errno == EINTR);
	return rc;
}

static int fdatasync_retry(int fd)
{
	int rc;

	do
		rc = fdatasync(fd);
	while (rc != 0 && errno == EINTR);
	return rc;
}

static uint64_t file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static uint64_t key_hash(int kind, const char *key)
{
	uint64_t h = 1469598103934665603u;

	h = (h ^ (unsigned char)kind) * 1099511628211u;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	return h < 2 ? h + 2 : h;
}

static int valid_key(const char *key)
{
	size_t n;

	if (!key)
		return 0;
	n = strlen(key);
	if (n < 1 || n > KEY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

static int valid_app_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n < 1 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (c != '-' || i == 0 || i == n - 1))
			return 0;
	}
	return 1;
}

static int ordered(int kind)
{
	return kind == RELEASE_KIND_BUILD || kind == RELEASE_KIND_RELEASE;
}

/* --------------------------------------------------------------- state */

static void encode_state(const struct state *s, unsigned char *b)
{
	memset(b, 0, STATE_COPY);
	memcpy(b, "LRSTATE1", 8);
	put_u64(b + 8, s->counter);
	put_u64(b + 16, s->log_gen);
	put_u64(b + 24, s->idx_gen);
	put_u64(b + 32, s->keys_gen);
	put_u64(b + 40, s->indexed_len);
	put_u64(b + 48, s->synced_len);
	put_u64(b + 56, s->dead);
	put_u64(b + 64, s->keys_cap);
	put_u64(b + 72, s->keys_used);
	memcpy(b + 80, s->boot_id, sizeof s->boot_id);
	put_u32(b + 120, s->meta_n);
	for (uint32_t i = 0; i < s->meta_n; i++) {
		unsigned char *m = b + 128 + i * 80;

		memcpy(m, s->meta[i].key, KEY_MAX + 1);
		put_u32(m + 68, s->meta[i].len);
		put_u64(m + 72, s->meta[i].off);
	}
	put_u64(b + 1408, s->top[0]);
	put_u64(b + 1416, s->top[1]);
	put_u64(b + 1424, s->owner);
	put_u32(b + STATE_COPY - 4, crc32c(0, b, STATE_COPY - 4));
}

static int decode_state(const unsigned char *b, struct state *s)
{
	if (memcmp(b, "LRSTATE1", 8) != 0 ||
	    get_u32(b + STATE_COPY - 4) != crc32c(0, b, STATE_COPY - 4))
		return -1;
	memset(s, 0, sizeof *s);
	s->counter = get_u64(b + 8);
	s->log_gen = get_u64(b + 16);
	s->idx_gen = get_u64(b + 24);
	s->keys_gen = get_u64(b + 32);
	s->indexed_len = get_u64(b + 40);
	s->synced_len = get_u64(b + 48);
	s->dead = get_u64(b + 56);
	s->keys_cap = get_u64(b + 64);
	s->keys_used = get_u64(b + 72);
	memcpy(s->boot_id, b + 80, sizeof s->boot_id);
	s->boot_id[sizeof s->boot_id - 1] = '\0';
	s->meta_n = get_u32(b + 120);
	if (s->meta_n > META_SLOTS || s->keys_cap == 0 || (s->keys_cap & (s->keys_cap - 1)))
		return -1;
	for (uint32_t i = 0; i < s->meta_n; i++) {
		const unsigned char *m = b + 128 + i * 80;

		memcpy(s->meta[i].key, m, KEY_MAX + 1);
		s->meta[i].key[KEY_MAX] = '\0';
		s->meta[i].len = get_u32(m + 68);
		s->meta[i].off = get_u64(m + 72);
	}
	s->top[0] = get_u64(b + 1408);
	s->top[1] = get_u64(b + 1416);
	s->owner = get_u64(b + 1424);
	/* A copy that passes its checksum may still have been written by
	 * something else: refuse what this code would never have written. */
	if (!s->log_gen || !s->idx_gen || !s->keys_gen || s->indexed_len < LOG_HDR ||
	    s->synced_len < LOG_HDR || s->synced_len > s->indexed_len ||
	    s->dead > s->indexed_len || s->keys_cap > (UINT64_C(1) << 40) ||
	    s->keys_used > s->keys_cap || s->top[0] >= SEQ_LIMIT || s->top[1] >= SEQ_LIMIT)
		return -1;
	for (uint32_t i = 0; i < s->meta_n; i++) {
		if (s->meta[i].off < LOG_HDR || s->meta[i].off >= s->indexed_len ||
		    s->meta[i].len <= REC_HDR || !valid_key(s->meta[i].key))
			return -1;
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(s->meta[i].key, s->meta[j].key) == 0)
				return -1;
	}
	return 0;
}

/* 1 when a log file of the app holds records, 0 when none does, -1 (with
 * errno) when that cannot be told. */
static int has_records(struct fapp *a)
{
	int fd = openat(a->dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	int found = 0;

	if (!d) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		errno = err;
		return -1;
	}
	while (!found && (e = readdir(d))) {
		struct stat st;

		if (strncmp(e->d_name, "log.", 4) == 0 &&
		    fstatat(a->dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (uint64_t)st.st_size > LOG_HDR)
			found = 1;
	}
	closedir(d);
	return found;
}

/* A state copied in from another app's directory is not this app's. */
static int state_ours(const struct fapp *a, const struct state *s)
{
	return !s->owner || s->owner == key_hash(0, a->name);
}

/* Whether copy a is newer than b. A newer state never has an older log
 * generation or, in the same one, less of the log acknowledged, so those
 * decide before the counter: a copy whose counter alone was bumped (or
 * zeroed) cannot pass off an older state, which would no longer know how
 * much of the log was acknowledged. */
static int state_newer(const struct state *a, const struct state *b)
{
	if (a->log_gen != b->log_gen)
		return a->log_gen > b->log_gen;
	if (a->indexed_len != b->indexed_len)
		return a->indexed_len > b->indexed_len;
	return a->counter > b->counter;
}

/* Reads the newest intact copy. 1: found; 0: the file is new or was never
 * completed; RELEASE_ECORRUPT when both copies are damaged. */
static int read_state(struct fstore *fs, struct fapp *a, struct state *out)
{
	unsigned char b[2 * STATE_COPY];
	struct state s[2];
	ssize_t n;
	int ok0 = 0, ok1 = 0, records = 0;

	/* Creation writes the state before any record, so a short state beside
	 * records is damage, and the records must not be lost to a fresh start.
	 * The records are looked for first, and the state read again once
	 * found: a reader racing the app's creation may have read the state
	 * before it was written. */
	for (int pass = 0; pass < 2 && !ok0 && !ok1; pass++) {
		if ((n = pread_full(a->statefd, b, sizeof b, 0)) < 0)
			return sys_fail(fs, a->name, "reading state");
		ok0 = n >= STATE_COPY && decode_state(b, &s[0]) == 0 && state_ours(a, &s[0]);
		ok1 = n >= 2 * STATE_COPY && decode_state(b + STATE_COPY, &s[1]) == 0 &&
		      state_ours(a, &s[1]);
		if (ok0 || ok1 || pass)
			break;
		if (n == 2 * STATE_COPY)
			records = 1;
		else if ((records = has_records(a)) < 0)
			return sys_fail(fs, a->name, "listing app directory");
		if (!records)
			return 0; /* creation never finished: nothing was written */
	}
	if (!ok0 && !ok1)
		return failf(fs, RELEASE_ECORRUPT, "app '%s': the state file is %s", a->name,
			     n < 2 * STATE_COPY ? "missing or cut short" : "corrupt in both copies");
	*out = ok0 && (!ok1 || state_newer(&s[0], &s[1])) ? s[0] : s[1];
	return 1;
}

/* Writes st over both copies, the older first, so that a torn write leaves
 * one intact and the loss of either copy later leaves the other knowing how
 * much of the log was acknowledged; with sync, also makes it durable. */
static int write_state(struct fstore *fs, struct fapp *a, struct state *st, int sync)
{
	unsigned char b[STATE_COPY];

	st->owner = key_hash(0, a->name);
	for (int copy = 0; copy < 2; copy++) {
		st->counter++;
		encode_state(st, b);
		if (pwrite_full(a->statefd, b, sizeof b, (st->counter % 2) * STATE_COPY) != 0)
			return sys_fail(fs, a->name, "writing state");
	}
	if (sync && fsync_retry(a->statefd) != 0)
		return sys_fail(fs, a->name, "syncing state");
	return 0;
}

static struct meta_slot *meta_find(struct state *st, const char *key)
{
	for (uint32_t i = 0; i < st->meta_n; i++)
		if (strcmp(st->meta[i].key, key) == 0)
			return &st->meta[i];
	return NULL;
}

/* ---------------------------------------------------------------- files */

/* 0 when fd is a regular file (or, with dir, a directory) of ours that
 * nobody else may write; else RELEASE_EINVAL with a message. */
static int check_owned(struct fstore *fs, int fd, const char *what, int dir)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return failf(fs, errno_code(errno), "%s: %s", what, strerror(errno));
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return failf(fs, RELEASE_EINVAL, "%s is not a %s", what,
			     dir ? "directory" : "regular file");
	if (st.st_uid != geteuid())
		return failf(fs, RELEASE_EINVAL, "%s belongs to uid %lu, not to this user (uid %lu)",
			     what, (unsigned long)st.st_uid, (unsigned long)geteuid());
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return failf(fs, RELEASE_EINVAL, "%s is writable by %s (mode %04o); "
			     "a store must be writable by its owner only", what,
			     (st.st_mode & S_IWOTH) ? "everyone" : "its group",
			     (unsigned)(st.st_mode & 07777));
	return 0;
}

static int open_file(struct fstore *fs, struct fapp *a, const char *name, int create, int *fd)
{
	/* O_NONBLOCK: a FIFO planted in the store must not hang the open. */
	int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | (create ? O_CREAT : 0);
	char what[128];
	int rc;

	*fd = openat(a->dir, name, flags, 0600);
	if (*fd < 0)
		return sys_fail(fs, a->name, name);
	snprintf(what, sizeof what, "app '%s': %s", a->name, name);
	if ((rc = check_owned(fs, *fd, what, 0)) != 0) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

static void gen_name(char *buf, size_t len, const char *base, uint64_t gen)
{
	snprintf(buf, len, "%s.%llu", base, (unsigned long long)gen);
}

static uint64_t next_gen(uint64_t gen)
{
	return gen + 1 ? gen + 1 : 1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_data_files(struct fapp *a)
{
	close_fd(&a->log);
	close_fd(&a->idx[0]);
	close_fd(&a->idx[1]);
	close_fd(&a->keys);
	a->log_gen = a->idx_gen = a->keys_gen = 0;
}

static void app_close(struct fapp *a)
{
	if (!a)
		return;
	close_data_files(a);
	close_fd(&a->statefd);
	close_fd(&a->lock);
	close_fd(&a->dir);
	free(a);
}

/* Records that a derived file needs rebuilding from the log. */
static int damaged(struct fstore *fs, struct fapp *a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int damaged(struct fstore *fs, struct fapp *a, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	failf(fs, RELEASE_ECORRUPT, "app '%s': %s", a->name, msg);
	fs->damage = 1;
	return FS_DAMAGED;
}

/* Opens a derived file and checks its header: a missing, foreign or
 * pre-marker file is FS_DAMAGED, to be rebuilt from the log. */
static int open_derived(struct fstore *fs, struct fapp *a, const char *base, uint64_t gen,
			const char *magic, int *fd)
{
	unsigned char hdr[IDX_HDR];
	char name[48];
	int rc;

	gen_name(name, sizeof name, base, gen);
	if (faccessat(a->dir, name, F_OK, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
		return damaged(fs, a, "%s is missing", name);
	if ((rc = open_file(fs, a, name, 0, fd)) != 0)
		return rc;
	/* A file of another app or generation (copied or swapped in) would
	 * answer "no such record" for records it never knew. */
	if (pread_full(*fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr ||
	    memcmp(hdr, magic, 8) != 0 || get_u32(hdr + 8) != FORMAT_VERSION ||
	    !(get_u32(hdr + HDR_FLAGS) & HDR_MARKED) ||
	    get_u64(hdr + HDR_OWNER) != key_hash(0, a->name) || get_u64(hdr + HDR_GEN) != gen) {
		close_fd(fd);
		return damaged(fs, a, "%s has a damaged, outdated or foreign header", name);
	}
	return 0;
}

/* The log is the truth, so a log that is not this app's (swapped or copied
 * in) is reported. The rest of its header holds nothing the records need,
 * so damage there is harmless; logs written by 1.0.0 carry no owner. */
static int check_log_header(struct fstore *fs, struct fapp *a, uint64_t gen)
{
	unsigned char hdr[LOG_HDR];
	uint64_t owner, g;

	if (pread_full(a->log, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr)
		return failf(fs, RELEASE_ECORRUPT, "app '%s': log.%llu ends at byte %llu, inside its header",
			     a->name, (unsigned long long)gen, (unsigned long long)file_size(a->log));
	owner = get_u64(hdr + HDR_OWNER);
	g = get_u64(hdr + HDR_GEN);
	if ((owner || g) && (owner != key_hash(0, a->name) || g != gen))
		return failf(fs, RELEASE_ECORRUPT,
			     "app '%s': log.%llu names another app or generation (byte %d)",
			     a->name, (unsigned long long)gen, HDR_OWNER);
	return 0;
}

/* Opens the files of the generations st names, if not open already. */
static int open_generation(struct fstore *fs, struct fapp *a, const struct state *st)
{
	char name[48];
	int rc = 0;

	if (a->log_gen != st->log_gen) {
		close_fd(&a->log);
		gen_name(name, sizeof name, "log", st->log_gen);
		if ((rc = open_file(fs, a, name, 0, &a->log)) != 0)
			return rc;
		if ((rc = check_log_header(fs, a, st->log_gen)) != 0) {
			close_fd(&a->log);
			return rc;
		}
		a->log_gen = st->log_gen;
	}
	if (a->idx_gen != st->idx_gen) {
		close_fd(&a->idx[0]);
		close_fd(&a->idx[1]);
		a->idx_gen = 0;
		if ((rc = open_derived(fs, a, "bld", st->idx_gen, "LRIDX001", &a->idx[0])) != 0 ||
		    (rc = open_derived(fs, a, "rel", st->idx_gen, "LRIDX001", &a->idx[1])) != 0)
			return rc;
		a->idx_gen = st->idx_gen;
	}
	if (a->keys_gen != st->keys_gen) {
		close_fd(&a->keys);
		if ((rc = open_derived(fs, a, "keys", st->keys_gen, "LRKEY001", &a->keys)) != 0)
			return rc;
		a->keys_gen = st->keys_gen;
	}
	return 0;
}

static void encode_slot(unsigned char *b, uint64_t tag, uint64_t val);

/* Writes empty key slots (which are not all zero: zeroed bytes are damage)
 * over slots [0, cap) of a key index file. */
static int fill_empty_slots(int fd, uint64_t cap)
{
	unsigned char b[KEY_SLOT * 256];

	for (size_t i = 0; i < 256; i++)
		encode_slot(b + i * KEY_SLOT, 0, 0);
	for (uint64_t i = 0; i < cap; i += 256) {
		uint64_t n = cap - i < 256 ? cap - i : 256;

		if (pwrite_full(fd, b, (size_t)n * KEY_SLOT, IDX_HDR + i * KEY_SLOT) != 0)
			return -1;
	}
	return 0;
}

/* Creates a generation file with its header (synced if sync). A key index
 * (slots non-zero) gets slots empty slots; other files are extended to size. */
static int make_gen_file(struct fstore *fs, struct fapp *a, const char *base, uint64_t gen,
			 const char *magic, uint64_t slots, uint64_t size, int sync, int *out)
{
	unsigned char hdr[64] = {0};
	char name[48];
	int fd;

	gen_name(name, sizeof name, base, gen);
	unlinkat(a->dir, name, 0); /* a leftover of an interrupted attempt */
	fd = openat(a->dir, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
		    0600);
	if (fd < 0)
		return sys_fail(fs, a->name, name);
	memcpy(hdr, magic, 8);
	put_u32(hdr + 8, FORMAT_VERSION);
	put_u64(hdr + 16, slots);
	put_u32(hdr + HDR_FLAGS, HDR_MARKED);
	put_u64(hdr + HDR_OWNER, key_hash(0, a->name));
	put_u64(hdr + HDR_GEN, gen);
	if (pwrite_full(fd, hdr, sizeof hdr, 0) != 0 ||
	    (slots && fill_empty_slots(fd, slots) != 0) ||
	    (!slots && size > sizeof hdr && ftruncate(fd, (off_t)size) != 0) ||
	    (sync && fsync_retry(fd) != 0)) {
		int rc = sys_fail(fs, a->name, name);

		close(fd);
		unlinkat(a->dir, name, 0);
		return rc;
	}
	*out = fd;
	return 0;
}

/* Creates a generation file with its header, synced. A key index (slots
 * non-zero) gets slots empty slots; other files are extended to size. */
static int create_gen_file(struct fstore *fs, struct fapp *a, const char *base, uint64_t gen,
			   const char *magic, uint64_t slots, uint64_t size, int *out)
{
	return make_gen_file(fs, a, base, gen, magic, slots, size, 1, out);
}

static int lock_app(struct fstore *fs, struct fapp *a, short type)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};

	while (fcntl(a->lock, F_OFD_SETLKW, &fl) != 0) {
		if (errno != EINTR)
			return sys_fail(fs, a->name, "locking");
	}
	a->locked = type != F_UNLCK;
	return 0;
}

/* Takes the exclusive lock if nobody holds it: 1 taken, 0 busy, or an
 * error. */
static int try_lock_app(struct fstore *fs, struct fapp *a)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};

	while (fcntl(a->lock, F_OFD_SETLK, &fl) != 0) {
		if (errno == EAGAIN || errno == EACCES)
			return 0;
		if (errno != EINTR)
			return sys_fail(fs, a->name, "locking");
	}
	a->locked = 1;
	return 1;
}

static void unlock_app(struct fstore *fs, struct fapp *a)
{
	if (a->locked)
		lock_app(fs, a, F_UNLCK);
}

/* First use of an app on disk: its files and a state that names them. Runs
 * under the exclusive lock. */
static int init_app(struct fstore *fs, struct fapp *a)
{
	struct state st;
	int rc;

	memset(&st, 0, sizeof st);
	st.log_gen = st.idx_gen = st.keys_gen = 1;
	st.keys_cap = KEYS_MIN_CAP;
	st.indexed_len = st.synced_len = LOG_HDR;
	memcpy(st.boot_id, fs->boot_id, sizeof st.boot_id);
	close_data_files(a);
	if ((rc = create_gen_file(fs, a, "log", 1, "LRLOG001", 0, 0, &a->log)) != 0 ||
	    (rc = create_gen_file(fs, a, "bld", 1, "LRIDX001", 0, 0, &a->idx[0])) != 0 ||
	    (rc = create_gen_file(fs, a, "rel", 1, "LRIDX001", 0, 0, &a->idx[1])) != 0 ||
	    (rc = create_gen_file(fs, a, "keys", 1, "LRKEY001", KEYS_MIN_CAP,
				  IDX_HDR + (uint64_t)KEYS_MIN_CAP * KEY_SLOT, &a->keys)) != 0)
		return rc;
	a->log_gen = a->idx_gen = a->keys_gen = 1;
	if (fsync_retry(a->dir) != 0)
		return sys_fail(fs, a->name, "syncing app directory");
	/* Both copies, so a torn first write can never look like a state. */
	if ((rc = write_state(fs, a, &st, 0)) != 0 || (rc = write_state(fs, a, &st, 1)) != 0)
		return rc;
	a->st = st;
	return 0;
}

/* Finds or opens an app's directory. With create, makes it; without, a
 * missing app gives *out = NULL and 0. */
static int get_app(struct fstore *fs, const char *name, int create, struct fapp **out)
{
	struct fapp *a;
	size_t slot = 0;

	*out = NULL;
	for (size_t i = 0; i < MAX_OPEN_APPS; i++) {
		if (fs->apps[i] && strcmp(fs->apps[i]->name, name) == 0) {
			fs->apps[i]->used = ++fs->tick;
			*out = fs->apps[i];
			return 0;
		}
		if (!fs->apps[i] || (fs->apps[slot] && fs->apps[i]->used < fs->apps[slot]->used))
			slot = i;
	}
	if (!(a = calloc(1, sizeof *a)))
		return failf(fs, RELEASE_ENOMEM, "out of memory");
	strcpy(a->name, name);
	a->lock = a->statefd = a->log = a->idx[0] = a->idx[1] = a->keys = -1;
	a->dir = openat(fs->root, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (a->dir < 0 && errno == ENOENT && create) {
		if (mkdirat(fs->root, name, 0700) != 0 && errno != EEXIST) {
			int rc = sys_fail(fs, name, "creating app directory");

			free(a);
			return rc;
		}
		if (fsync_retry(fs->root) != 0) {
			int rc = sys_fail(fs, name, "syncing store directory");

			free(a);
			return rc;
		}
		a->dir = openat(fs->root, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (a->dir < 0) {
		int rc = errno == ENOENT ? 0 : sys_fail(fs, name, "opening app directory");

		free(a);
		return rc;
	}
	{
		char what[96];
		int rc;

		snprintf(what, sizeof what, "app directory '%s'", name);
		rc = check_owned(fs, a->dir, what, 1);
		if (rc == 0)
			rc = open_file(fs, a, "lock", 1, &a->lock);
		if (rc == 0)
			rc = open_file(fs, a, "state", 1, &a->statefd);
		if (rc != 0) {
			app_close(a);
			return rc;
		}
	}
	app_close(fs->apps[slot]);
	a->used = ++fs->tick;
	fs->apps[slot] = a;
	*out = a;
	return 0;
}

/* --------------------------------------------------------------- records */

struct rec {
	int op, kind;
	uint64_t seq;
	char key[KEY_MAX + 1];
	unsigned char *data; /* owned */
	uint32_t datalen;
	uint64_t off;
	uint32_t len; /* whole record */
};

/* Reads and checks the record at off of the current log. 0, or
 * RELEASE_ECORRUPT (with *torn = 1 when the file simply ends inside it). */
static int read_rec(struct fstore *fs, struct fapp *a, uint64_t off, struct rec *r, int *torn)
{
	unsigned char h[REC_HDR];
	ssize_t n;
	uint32_t keylen, datalen;
	unsigned char *body;
	uint32_t crc;

	memset(r, 0, sizeof *r);
	if (torn)
		*torn = 0;
	n = pread_full(a->log, h, sizeof h, off);
	if (n < 0)
		return sys_fail(fs, a->name, "reading log");
	if (n < REC_HDR) {
		if (torn)
			*torn = 1;
		return failf(fs, RELEASE_ECORRUPT, "app '%s': log.%llu ends inside the record at byte %llu",
			     a->name, (unsigned long long)a->log_gen, (unsigned long long)off);
	}
	keylen = h[10];
	datalen = get_u32(h + 12);
	if (get_u32(h) != REC_MAGIC || keylen < 1 || keylen > KEY_MAX || datalen > DATA_MAX ||
	    h[8] < OP_PUT || h[8] > OP_DELETE || h[9] < RELEASE_KIND_META ||
	    h[9] > RELEASE_KIND_RELEASE || h[11] != 0)
		return failf(fs, RELEASE_ECORRUPT, "app '%s': log.%llu has a corrupt record header at byte %llu",
			     a->name, (unsigned long long)a->log_gen, (unsigned long long)off);
	/* A torn tail's header may claim anything: check a long record against
	 * the file before allocating for it. */
	if (keylen + (uint64_t)datalen > BIG_RECORD &&
	    off + REC_HDR + keylen + datalen > file_size(a->log)) {
		if (torn)
			*torn = 1;
		return failf(fs, RELEASE_ECORRUPT, "app '%s': log.%llu ends inside the record at byte %llu",
			     a->name, (unsigned long long)a->log_gen, (unsigned long long)off);
	}
	if (!(body = malloc(keylen + datalen + 1)))
		return failf(fs, RELEASE_ENOMEM, "out of memory");
	n = pread_full(a->log, body, keylen + datalen, off + REC_HDR);
	if (n < 0) {
		free(body);
		return sys_fail(fs, a->name, "reading log");
	}
	if ((size_t)n < keylen + datalen) {
		free(body);
		if (torn)
			*torn = 1;
		return failf(fs, RELEASE_ECORRUPT, "app '%s': log.%llu ends inside the record at byte %llu",
			     a->name, (unsigned long long)a->log_gen, (unsigned long long)off);
	}
	crc = crc32c(0, h + 8, REC_HDR - 8);
	crc = crc32c(crc, body, keylen + datalen);
	if (crc != get_u32(h + 4)) {
		free(body);
		return failf(fs, RELEASE_ECORRUPT, "app '%s': record at byte %llu of log.%llu fails its checksum",
			     a->name, (unsigned long long)off, (unsigned long long)a->log_gen);
	}
	r->op = h[8];
	r->kind = h[9];
	r->seq = get_u64(h + 16);
	memcpy(r->key, body, keylen);
	r->key[keylen] = '\0';
	if (memchr(r->key, '\0', keylen) ||
	    (ordered(r->kind) ? r->seq == 0 || r->seq >= SEQ_LIMIT : r->seq != 0)) {
		free(body);
		return failf(fs, RELEASE_ECORRUPT, "app '%s': record at byte %llu of log.%llu is malformed",
			     a->name, (unsigned long long)off, (unsigned long long)a->log_gen);
	}
	memmove(body, body + keylen, datalen);
	r->data = body;
	r->datalen = datalen;
	r->off = off;
	r->len = REC_HDR + keylen + datalen;
	return 0;
}

static void rec_free(struct rec *r)
{
	free(r->data);
	r->data = NULL;
}

/* Appends a record and makes it durable; on failure the log is cut back. */
static int append_rec(struct fstore *fs, struct fapp *a, int op, int kind, const char *key,
		      uint64_t seq, const void *data, size_t len, uint64_t *off, uint32_t *reclen)
{
	size_t keylen = strlen(key), total = REC_HDR + keylen + len;
	unsigned char *b;
	uint64_t end = a->st.indexed_len;
	int rc = 0;

	if (len > DATA_MAX)
		return failf(fs, RELEASE_EINVAL, "app '%s': record of %zu bytes is too large", a->name, len);
	if (!(b = malloc(total)))
		return failf(fs, RELEASE_ENOMEM, "out of memory");
	put_u32(b, REC_MAGIC);
	b[8] = (unsigned char)op;
	b[9] = (unsigned char)kind;
	b[10] = (unsigned char)keylen;
	b[11] = 0;
	put_u32(b + 12, (uint32_t)len);
	put_u64(b + 16, seq);
	memcpy(b + REC_HDR, key, keylen);
	if (len)
		memcpy(b + REC_HDR + keylen, data, len);
	put_u32(b + 4, crc32c(0, b + 8, total - 8));
	if (pwrite_full(a->log, b, total, end) != 0 || fdatasync_retry(a->log) != 0) {
		rc = sys_fail(fs, a->name, "appending to log");
		/* Whatever reached the file is unacknowledged: drop it. */
		if (ftruncate(a->log, (off_t)end) == 0)
			fdatasync_retry(a->log);
	}
	free(b);
	if (rc == 0) {
		*off = end;
		*reclen = (uint32_t)total;
	}
	return rc;
}

/* ---------------------------------------------------------- seq indexes */

struct ent {
	uint64_t off, hash;
	uint32_t len;
};

static uint32_t ent_crc(const unsigned char *e, uint64_t seq)
{
	unsigned char s[8];

	put_u64(s, seq);
	return crc32c(crc32c(0, e, 20), s, 8);
}

static const char *const idx_names[2] = {"bld", "rel"};

/* An entry's bytes: a record's place, or (e NULL) the marker of a seq with no
 * record. The marker is never all zero, so zeroed bytes read as damage. */
static void encode_ent(unsigned char *b, uint64_t seq, const struct ent *e)
{
	put_u64(b, e ? e->off : 0);
	put_u64(b + 8, e ? e->hash : 1);
	put_u32(b + 16, e ? e->len : 0);
	put_u32(b + 20, ent_crc(b, seq));
}

/* Reads entry seq of an index; e->off == 0 when there is no record. A seq at
 * or below the top must have a valid entry: anything else is FS_DAMAGED. */
static int read_ent(struct fstore *fs, struct fapp *a, int which, uint64_t seq, struct ent *e)
{
	unsigned char b[IDX_ENT];
	ssize_t n;
	int below = seq <= a->st.top[which];

	memset(e, 0, sizeof *e);
	for (int attempt = 0; attempt < RETRIES; attempt++) {
		n = pread_full(a->idx[which], b, sizeof b, IDX_HDR + (seq - 1) * IDX_ENT);
		if (n < 0)
			return sys_fail(fs, a->name, "reading index");
		if (n < IDX_ENT && !below)
			return 0;
		if (n < IDX_ENT)
			break;
		if (get_u64(b) == 0 && get_u64(b + 8) == 0 && get_u32(b + 16) == 0 &&
		    get_u32(b + 20) == 0) {
			if (!below)
				return 0;
			break;
		}
		if (get_u32(b + 20) == ent_crc(b, seq)) {
			e->off = get_u64(b);
			e->hash = get_u64(b + 8);
			e->len = get_u32(b + 16);
			if (e->off && (e->off < LOG_HDR || e->len <= REC_HDR))
				break;
			return 0;
		}
		/* a writer may be midway through this entry: look again */
	}
	memset(e, 0, sizeof *e);
	return damaged(fs, a, "%s.%llu entry %llu is damaged", idx_names[which],
		       (unsigned long long)a->idx_gen, (unsigned long long)seq);
}

static int write_ent_fd(struct fstore *fs, struct fapp *a, int fd, uint64_t seq,
			const struct ent *e)
{
	unsigned char b[IDX_ENT];

	encode_ent(b, seq, e);
	if (pwrite_full(fd, b, sizeof b, IDX_HDR + (seq - 1) * IDX_ENT) != 0)
		return sys_fail(fs, a->name, "writing index");
	return 0;
}

static int write_ent(struct fstore *fs, struct fapp *a, int which, uint64_t seq, const struct ent *e)
{
	return write_ent_fd(fs, a, a->idx[which], seq, e);
}

/* Marks seqs [from, to] as holding no record, in blocks. */
static int write_absent(struct fstore *fs, struct fapp *a, int fd, uint64_t from, uint64_t to)
{
	unsigned char b[IDX_ENT * 256];

	while (from <= to) {
		uint64_t n = to - from + 1 < 256 ? to - from + 1 : 256;

		for (uint64_t i = 0; i < n; i++)
			encode_ent(b + i * IDX_ENT, from + i, NULL);
		if (pwrite_full(fd, b, (size_t)n * IDX_ENT, IDX_HDR + (from - 1) * IDX_ENT) != 0)
			return sys_fail(fs, a->name, "writing index");
		from += n;
	}
	return 0;
}

static uint64_t max_seq(struct fapp *a, int which)
{
	return a->st.top[which];
}

/* A log shorter than the state says was acknowledged lost records: that is
 * reported, never carried on from (a write would land after the hole).
 * Index files shorter than the state says are rebuilt: what they lost must
 * not read as "no such record" (a writer would reuse its seq). */
static int check_sizes(struct fstore *fs, struct fapp *a)
{
	uint64_t log = file_size(a->log);

	if (log < a->st.indexed_len)
		return failf(fs, RELEASE_ECORRUPT,
			     "app '%s': log.%llu ends at byte %llu, but %llu bytes were acknowledged",
			     a->name, (unsigned long long)a->log_gen, (unsigned long long)log,
			     (unsigned long long)a->st.indexed_len);
	for (int w = 0; w < 2; w++)
		if (file_size(a->idx[w]) < IDX_HDR + a->st.top[w] * IDX_ENT)
			return damaged(fs, a, "%s.%llu ends at byte %llu, before its entry %llu",
				       idx_names[w], (unsigned long long)a->idx_gen,
				       (unsigned long long)file_size(a->idx[w]),
				       (unsigned long long)a->st.top[w]);
	if (file_size(a->keys) != IDX_HDR + a->st.keys_cap * KEY_SLOT)
		return damaged(fs, a, "keys.%llu ends at byte %llu, not after its slot %llu",
			       (unsigned long long)a->keys_gen, (unsigned long long)file_size(a->keys),
			       (unsigned long long)a->st.keys_cap - 1);
	return 0;
}

/* ------------------------------------------------------------ key index */

static uint32_t slot_crc(const unsigned char *s)
{
	return crc32c(0, s, 16);
}

/* A slot's bytes. An empty slot (tag 0) carries its checksum like any
 * other, so zeroed bytes are told apart from it. */
static void encode_slot(unsigned char *b, uint64_t tag, uint64_t val)
{
	memset(b, 0, KEY_SLOT);
	put_u64(b, tag);
	put_u64(b + 8, val);
	put_u32(b + 16, slot_crc(b));
}

static int read_slot(struct fstore *fs, struct fapp *a, uint64_t i, uint64_t *tag, uint64_t *val)
{
	unsigned char b[KEY_SLOT];

	for (int attempt = 0; attempt < RETRIES; attempt++) {
		ssize_t n = pread_full(a->keys, b, sizeof b, IDX_HDR + i * KEY_SLOT);

		if (n < 0)
			return sys_fail(fs, a->name, "reading key index");
		if (n < KEY_SLOT)
			break;
		*tag = get_u64(b);
		*val = get_u64(b + 8);
		if (get_u32(b + 16) == slot_crc(b))
			return 0;
	}
	*tag = *val = 0;
	return damaged(fs, a, "keys.%llu slot %llu is damaged", (unsigned long long)a->keys_gen,
		       (unsigned long long)i);
}

static int write_slot(struct fstore *fs, struct fapp *a, int fd, uint64_t i, uint64_t tag, uint64_t val)
{
	unsigned char b[KEY_SLOT];

	encode_slot(b, tag, val);
	if (pwrite_full(fd, b, sizeof b, IDX_HDR + i * KEY_SLOT) != 0)
		return sys_fail(fs, a->name, "writing key index");
	return 0;
}

/*
 * Looks (kind, key) up. *seq = 0 when absent. *slot gets the key's slot, or
 * the first free one on its probe path (for inserting).
 */
static int key_lookup(struct fstore *fs, struct fapp *a, int kind, const char *key, uint64_t *seq,
		      uint64_t *slot)
{
	uint64_t h = key_hash(kind, key), mask = a->st.keys_cap - 1, i = h & mask;
	uint64_t free_slot = UINT64_MAX;
	int which = kind == RELEASE_KIND_RELEASE;

	*seq = 0;
	for (uint64_t probes = 0; probes <= mask; probes++, i = (i + 1) & mask) {
		uint64_t tag = 0, val = 0, s;
		struct ent e;
		int rc = read_slot(fs, a, i, &tag, &val);

		if (rc != 0)
			return rc;
		if (tag == 0) {
			*slot = free_slot != UINT64_MAX ? free_slot : i;
			return 0;
		}
		if (tag == 1) {
			if (free_slot == UINT64_MAX)
				free_slot = i;
			continue;
		}
		if (tag != h || (int)(val >> 56) != kind)
			continue;
		/* Confirm against the index, which holds the full key hash, and
		 * the record, which holds the key. */
		s = val & ((UINT64_C(1) << 56) - 1);
		if ((rc = read_ent(fs, a, which, s, &e)) != 0)
			return rc;
		/* A deleted key's slot is a tombstone, so a slot whose entry is
		 * gone or holds another key's hash is damage, not a miss. */
		if (!e.off || e.hash != h)
			return damaged(fs, a, "keys.%llu slot %llu names seq %llu, whose entry is not its key's",
				       (unsigned long long)a->keys_gen, (unsigned long long)i,
				       (unsigned long long)s);
		{
			struct rec r;

			if ((rc = read_rec(fs, a, e.off, &r, NULL)) == RELEASE_ECORRUPT) {
				fs->damage = 1;
				return FS_DAMAGED; /* read_rec's message names the record */
			}
			if (rc != 0)
				return rc;
			rec_free(&r);
			if (strcmp(r.key, key) == 0 && r.seq == s && r.kind == kind) {
				*seq = s;
				*slot = i;
				return 0;
			}
			if (strcmp(r.key, key) == 0)
				return damaged(fs, a, "keys.%llu slot %llu names a record of another kind or seq",
					       (unsigned long long)a->keys_gen, (unsigned long long)i);
		}
	}
	*slot = free_slot;
	return 0;
}

/* Rebuilds the key index for the live keys, with room to double, as a new
 * generation: when it fills up, and after compaction removed keys. */
static int rebuild_keys(struct fstore *fs, struct fapp *a)
{
	uint64_t live = 0, cap = KEYS_MIN_CAP, gen = next_gen(a->st.keys_gen);
	char name[48];
	int fd = -1, rc = 0, state_tried = 0;

	for (int w = 0; w < 2 && rc == 0; w++) {
		uint64_t top = max_seq(a, w);

		for (uint64_t s = 1; s <= top && rc == 0; s++) {
			struct ent e;

			if ((rc = read_ent(fs, a, w, s, &e)) == 0 && e.off)
				live++;
		}
	}
	if (rc != 0)
		return rc;
	while (cap < 2 * (live + 1))
		cap *= 2;
	if ((rc = create_gen_file(fs, a, "keys", gen, "LRKEY001", cap,
				  IDX_HDR + cap * KEY_SLOT, &fd)) != 0)
		return rc;
	live = 0;
	for (int w = 0; w < 2 && rc == 0; w++) {
		int kind = w ? RELEASE_KIND_RELEASE : RELEASE_KIND_BUILD;
		uint64_t top = max_seq(a, w);

		for (uint64_t s = 1; s <= top && rc == 0; s++) {
			struct ent e;
			uint64_t i, tag, val;

			if ((rc = read_ent(fs, a, w, s, &e)) != 0 || !e.off)
				continue;
			for (i = e.hash & (cap - 1);; i = (i + 1) & (cap - 1)) {
				unsigned char b[KEY_SLOT];

				if (pread_full(fd, b, sizeof b, IDX_HDR + i * KEY_SLOT) != KEY_SLOT) {
					rc = sys_fail(fs, a->name, "reading key index");
					break;
				}
				tag = get_u64(b);
				val = get_u64(b + 8);
				if (tag == 0 && val == 0)
					break;
			}
			if (rc == 0)
				rc = write_slot(fs, a, fd, i, e.hash, ((uint64_t)kind << 56) | s);
			live++;
		}
	}
	if (rc == 0 && (fsync_retry(fd) != 0 || fsync_retry(a->dir) != 0))
		rc = sys_fail(fs, a->name, "syncing key index");
	if (rc == 0) {
		/* The indexes must be durable before the state names the new file. */
		for (int w = 0; w < 2 && rc == 0; w++)
			if (fsync_retry(a->idx[w]) != 0)
				rc = sys_fail(fs, a->name, "syncing index");
	}
	if (rc == 0) {
		uint64_t old = a->st.keys_gen;

		a->st.keys_gen = gen;
		a->st.keys_cap = cap;
		a->st.keys_used = live;
		/* Mid-replay the index is not yet what the log says, so it must
		 * not be called synced: a crash would then skip the replay. */
		if (!a->replaying) {
			a->st.synced_len = a->st.indexed_len;
			memcpy(a->st.boot_id, fs->boot_id, sizeof a->st.boot_id);
		}
		state_tried = 1;
		if ((rc = write_state(fs, a, &a->st, 1)) == 0) {
			close_fd(&a->keys);
			a->keys = fd;
			a->keys_gen = gen;
			fd = -1;
			gen_name(name, sizeof name, "keys", old);
			unlinkat(a->dir, name, 0);
		}
	}
	if (fd >= 0) {
		close(fd);
		/* After a failed state write the state on disk may name the new
		 * file already: keep it (a later generation replaces it). */
		if (!state_tried) {
			gen_name(name, sizeof name, "keys", gen);
			unlinkat(a->dir, name, 0);
		}
	}
	return rc;
}

static int key_insert(struct fstore *fs, struct fapp *a, int kind, const char *key, uint64_t seq)
{
	uint64_t found, slot;
	int rc;

	/* Linear probing stays short below three quarters full. */
	if ((a->st.keys_used + 1) * 4 > a->st.keys_cap * 3 && (rc = rebuild_keys(fs, a)) != 0)
		return rc;
	if ((rc = key_lookup(fs, a, kind, key, &found, &slot)) != 0)
		return rc;
	if (found == seq)
		return 0;
	if (slot == UINT64_MAX)
		return failf(fs, RELEASE_EIO, "app '%s': key index is full", a->name);
	if ((rc = write_slot(fs, a, a->keys, slot, key_hash(kind, key), ((uint64_t)kind << 56) | seq)) != 0)
		return rc;
	a->st.keys_used++;
	return 0;
}

static int key_remove(struct fstore *fs, struct fapp *a, int kind, const char *key)
{
	uint64_t found, slot;
	int rc = key_lookup(fs, a, kind, key, &found, &slot);

	if (rc != 0 || !found)
		return rc;
	return write_slot(fs, a, a->keys, slot, 1, 0);
}

/* ---------------------------------------------------------------- replay */

/* Brings the indexes up to date with one record of the log. Idempotent. */
static int apply(struct fstore *fs, struct fapp *a, const struct rec *r)
{
	struct state *st = &a->st;

	if (r->kind == RELEASE_KIND_META) {
		struct meta_slot *m = meta_find(st, r->key);

		if (r->op == OP_DELETE) {
			if (m)
				*m = st->meta[--st->meta_n];
			return 0;
		}
		if (!m) {
			/* Puts are refused beyond the limit, so only a replay
			 * onto a table that already holds later keys gets here:
			 * a rebuild replays onto an empty one. */
			if (st->meta_n == META_SLOTS)
				return damaged(fs, a, "more than %d META records while replaying the log",
					       META_SLOTS);
			m = &st->meta[st->meta_n++];
			strcpy(m->key, r->key);
		}
		m->off = r->off;
		m->len = r->len;
		return 0;
	}
	{
		int which = r->kind == RELEASE_KIND_RELEASE;
		struct ent e = {r->off, key_hash(r->kind, r->key), r->len};
		int rc;

		uint64_t base = a->st.top[which] > a->known_top[which] ? a->st.top[which] :
									     a->known_top[which];

		if (r->seq > base + SEQ_GAP_MAX)
			return failf(fs, RELEASE_ECORRUPT,
				     "app '%s': record at byte %llu of log.%llu has seq %llu, far past %llu",
				     a->name, (unsigned long long)r->off, (unsigned long long)a->log_gen,
				     (unsigned long long)r->seq, (unsigned long long)base);
		/* Every seq up to the top has an entry, so that a zeroed one is
		 * seen as damage: a put past the top marks the gap as empty. */
		if (r->seq > a->st.top[which] + 1 &&
		    (rc = write_absent(fs, a, a->idx[which], a->st.top[which] + 1, r->seq - 1)) != 0)
			return rc;
		/* A key is removed while its entry still confirms it. */
		if (r->op == OP_DELETE && (rc = key_remove(fs, a, r->kind, r->key)) != 0)
			return rc;
		if ((rc = write_ent(fs, a, which, r->seq, r->op == OP_DELETE ? NULL : &e)) != 0)
			return rc;
		if (r->seq > a->st.top[which])
			a->st.top[which] = r->seq;
		return r->op == OP_DELETE ? 0 : key_insert(fs, a, r->kind, r->key, r->seq);
	}
}

/* 1 when an intact record starts anywhere in the log after off. */
static int intact_after(struct fstore *fs, struct fapp *a, uint64_t off, uint64_t end)
{
	unsigned char b[16384];

	for (uint64_t base = off + 1; base + REC_HDR <= end;) {
		ssize_t n = pread_full(a->log, b, sizeof b, base);

		if (n < 4)
			return 0;
		for (ssize_t i = 0; i + 4 <= n; i++) {
			struct rec r;
			int torn;

			if (get_u32(b + i) != REC_MAGIC)
				continue;
			if (base + (uint64_t)i + REC_HDR > end)
				return 0;
			if (read_rec(fs, a, base + (uint64_t)i, &r, &torn) == 0) {
				rec_free(&r);
				return 1;
			}
		}
		base += (uint64_t)n - 3;
	}
	return 0;
}

/* 1 when an entry past the state's top points at or after byte off of the
 * log: the record there was synced before the entry was written. */
static int indexed_past(struct fstore *fs, struct fapp *a, uint64_t off)
{
	for (int w = 0; w < 2; w++) {
		if (a->idx[w] < 0 || a->idx_gen != a->st.idx_gen)
			continue;
		for (uint64_t s = a->st.top[w] + 1, n = 0; n < 4096; s++, n++) {
			unsigned char b[IDX_ENT];

			if (pread_full(a->idx[w], b, sizeof b, IDX_HDR + (s - 1) * IDX_ENT) != IDX_ENT ||
			    get_u32(b + 20) != ent_crc(b, s))
				break;
			if (get_u64(b) >= off)
				return 1;
		}
	}
	return 0;
}

/* Replays the log from off to its end; a torn tail is cut off. */
static int replay_log(struct fstore *fs, struct fapp *a, uint64_t off)
{
	uint64_t end = file_size(a->log), acked = a->st.indexed_len;
	int rc = 0;

	if (end < acked)
		return check_sizes(fs, a); /* names the lost bytes */
	while (off < end) {
		struct rec r;
		int torn;

		rc = read_rec(fs, a, off, &r, &torn);
		if (rc == RELEASE_ECORRUPT) {
			char msg[sizeof fs->errmsg];

			strcpy(msg, fs->errmsg);
			/* Below indexed_len every record was acknowledged: damage
			 * there is corruption, never a torn append. So is a tail
			 * the index knows of (entries are written only after the
			 * record is synced), which a damaged state copy may hide. */
			if (off < acked || intact_after(fs, a, off, end) || indexed_past(fs, a, off)) {
				strcpy(fs->errmsg, msg);
				return RELEASE_ECORRUPT;
			}
			/* An append that never completed: it was never acknowledged. */
			if (ftruncate(a->log, (off_t)off) != 0 || fdatasync_retry(a->log) != 0)
				return sys_fail(fs, a->name, "cutting a torn log tail");
			end = off;
			rc = 0;
			break;
		}
		if (rc != 0)
			return rc;
		rc = apply(fs, a, &r);
		off += r.len;
		rec_free(&r);
		if (rc != 0)
			return rc;
	}
	a->st.indexed_len = end;
	return 0;
}

static int replay(struct fstore *fs, struct fapp *a, uint64_t off)
{
	int rc;

	a->replaying = 1;
	rc = replay_log(fs, a, off);
	a->replaying = 0;
	return rc;
}

/* Makes the indexes durable up to the log's length. */
static int checkpoint(struct fstore *fs, struct fapp *a)
{
	if (fsync_retry(a->idx[0]) != 0 || fsync_retry(a->idx[1]) != 0 || fsync_retry(a->keys) != 0)
		return sys_fail(fs, a->name, "syncing indexes");
	a->st.synced_len = a->st.indexed_len;
	memcpy(a->st.boot_id, fs->boot_id, sizeof a->st.boot_id);
	return write_state(fs, a, &a->st, 1);
}

static void unlink_gen(struct fapp *a, const char *base, uint64_t gen)
{
	char name[48];

	gen_name(name, sizeof name, base, gen);
	unlinkat(a->dir, name, 0);
}

/* Bytes of the log that live records take: for compaction's accounting. */
static int live_bytes(struct fstore *fs, struct fapp *a, uint64_t *live)
{
	*live = 0;
	for (uint32_t i = 0; i < a->st.meta_n; i++)
		*live += a->st.meta[i].len;
	for (int w = 0; w < 2; w++)
		for (uint64_t s = 1; s <= a->st.top[w]; s++) {
			struct ent e;
			int rc = read_ent(fs, a, w, s, &e);

			if (rc != 0)
				return rc;
			*live += e.off ? e.len : 0;
		}
	return 0;
}

/*
 * After a rebuild, the old index files (fds, which may be damaged) must not
 * know of seqs past the rebuilt top other than as absent: an entry there,
 * valid or zeroed, says the log lost records that were acknowledged (an
 * older state copy may have let a cut log pass as a torn tail).
 */
static int lost_past_top(struct fstore *fs, struct fapp *a, const int *fds)
{
	for (int w = 0; w < 2; w++) {
		uint64_t size = fds[w] >= 0 ? file_size(fds[w]) : 0;
		uint64_t old_top = size > IDX_HDR ? (size - IDX_HDR) / IDX_ENT : 0;

		for (uint64_t s = a->st.top[w] + 1; s <= old_top; s++) {
			unsigned char b[IDX_ENT];

			if (pread_full(fds[w], b, sizeof b, IDX_HDR + (s - 1) * IDX_ENT) != IDX_ENT)
				break;
			if (get_u32(b + 20) == ent_crc(b, s) && get_u64(b) == 0)
				continue; /* marked absent: deleted, and compacted away */
			return failf(fs, RELEASE_ECORRUPT,
				     "app '%s': log.%llu (%llu bytes) lacks the record of seq %llu that "
				     "%s entry %llu knew of", a->name, (unsigned long long)a->log_gen,
				     (unsigned long long)file_size(a->log), (unsigned long long)s,
				     idx_names[w], (unsigned long long)s);
		}
	}
	return 0;
}

/*
 * Rebuilds the seq and key indexes and the META table from the log, as new
 * generations: the repair of any damage to them, and the upgrade of files
 * written before absent entries were marked. Under the exclusive lock, with
 * the state read and the log open. The state's top may come out lower than
 * it was when the newest records were deleted and compacted away: their seqs
 * are free again, as after any deletion.
 */
static int reindex(struct fstore *fs, struct fapp *a)
{
	struct state old = a->st;
	int saved[3] = {a->idx[0], a->idx[1], a->keys}, fds[3] = {-1, -1, -1}, rc;
	uint64_t saved_gens[2] = {a->idx_gen, a->keys_gen};
	uint64_t gen_idx = next_gen(old.idx_gen), gen_keys = next_gen(old.keys_gen);
	uint64_t end = file_size(a->log), puts = 0, cap = KEYS_MIN_CAP, live;
	int state_tried = 0;

	if (end < old.indexed_len)
		return check_sizes(fs, a);
	if (a->bad_log_gen == a->log_gen && a->bad_log_size == end) {
		/* This log failed a rebuild already and has not changed. */
		memcpy(fs->errmsg, a->bad_msg, sizeof fs->errmsg);
		return RELEASE_ECORRUPT;
	}
	/* Size the key index for every key the log may hold, so that the
	 * replay below never has to grow it. */
	for (uint64_t off = LOG_HDR; off < end;) {
		struct rec r;

		if (read_rec(fs, a, off, &r, NULL) != 0)
			break; /* the replay judges it */
		puts += ordered(r.kind) && r.op != OP_DELETE;
		off += r.len;
		rec_free(&r);
	}
	while (cap < 2 * (puts + 1))
		cap *= 2;
	if ((rc = make_gen_file(fs, a, "bld", gen_idx, "LRIDX001", 0, 0, 0, &fds[0])) != 0 ||
	    (rc = make_gen_file(fs, a, "rel", gen_idx, "LRIDX001", 0, 0, 0, &fds[1])) != 0 ||
	    (rc = make_gen_file(fs, a, "keys", gen_keys, "LRKEY001", cap, 0, 0, &fds[2])) != 0)
		goto fail;
	a->idx[0] = fds[0];
	a->idx[1] = fds[1];
	a->keys = fds[2];
	a->idx_gen = a->st.idx_gen = gen_idx;
	a->keys_gen = a->st.keys_gen = gen_keys;
	a->st.top[0] = a->st.top[1] = 0;
	a->st.meta_n = 0;
	a->st.keys_cap = cap;
	a->st.keys_used = 0;
	/* A compacted log may start far above seq 1. */
	a->known_top[0] = old.top[0];
	a->known_top[1] = old.top[1];
	rc = replay(fs, a, LOG_HDR);
	a->known_top[0] = a->known_top[1] = 0;
	if (rc == RELEASE_ECORRUPT) {
		a->bad_log_gen = a->log_gen;
		a->bad_log_size = file_size(a->log);
		memcpy(a->bad_msg, fs->errmsg, sizeof a->bad_msg);
	}
	if (rc != 0 || (rc = lost_past_top(fs, a, saved)) != 0 ||
	    (rc = live_bytes(fs, a, &live)) != 0)
		goto fail;
	a->st.dead = a->st.indexed_len - LOG_HDR - live;
	/* Nothing is synced here: the state says no index write is durable yet
	 * (synced_len at the log's start), so after a power loss the whole log
	 * is replayed into whatever of these files survived, and a file or
	 * page that did not is seen as damage and rebuilt again. A later
	 * checkpoint makes them durable as usual. */
	a->st.synced_len = LOG_HDR;
	memcpy(a->st.boot_id, fs->boot_id, sizeof a->st.boot_id);
	state_tried = 1;
	if ((rc = write_state(fs, a, &a->st, 0)) != 0)
		goto fail;
	for (int i = 0; i < 3; i++)
		close_fd(&saved[i]);
	unlink_gen(a, "bld", old.idx_gen);
	unlink_gen(a, "rel", old.idx_gen);
	unlink_gen(a, "keys", old.keys_gen);
	return 0;
fail:
	for (int i = 0; i < 3; i++)
		close_fd(&fds[i]);
	if (!state_tried) { /* else the state on disk may name them already */
		unlink_gen(a, "bld", gen_idx);
		unlink_gen(a, "rel", gen_idx);
		unlink_gen(a, "keys", gen_keys);
	}
	a->idx[0] = saved[0];
	a->idx[1] = saved[1];
	a->keys = saved[2];
	a->idx_gen = saved_gens[0];
	a->keys_gen = saved_gens[1];
	a->st = old;
	return rc == FS_DAMAGED ? RELEASE_ECORRUPT : rc;
}

/* A state whose top is below what the index holds is older than the index
 * (a forged or misplaced copy): a writer trusting it would reuse seqs, and
 * readers would not see the newest records. Index files hold exactly one
 * entry per seq up to the top (writers extend them one entry at a time,
 * rebuilds and compaction write them whole), so one that is longer says so
 * even when the entries past the top were damaged too. */
static int check_top(struct fstore *fs, struct fapp *a)
{
	for (int w = 0; w < 2; w++)
		if (file_size(a->idx[w]) > IDX_HDR + a->st.top[w] * IDX_ENT)
			return damaged(fs, a, "%s.%llu holds entries past the state's top %llu",
				       idx_names[w], (unsigned long long)a->idx_gen,
				       (unsigned long long)a->st.top[w]);
	return 0;
}

/* Brings an opened generation up to date with the log. */
static int settle(struct fstore *fs, struct fapp *a)
{
	int rc;

	if (file_size(a->log) < a->st.indexed_len)
		return check_sizes(fs, a);
	if (strcmp(a->st.boot_id, fs->boot_id) != 0) {
		/* Index writes since the last checkpoint may have died with the
		 * page cache: replaying since then rewrites them. */
		if ((rc = replay(fs, a, a->st.synced_len)) != 0 || (rc = checkpoint(fs, a)) != 0)
			return rc;
	}
	if ((rc = check_sizes(fs, a)) != 0)
		return rc;
	if (file_size(a->log) != a->st.indexed_len) {
		if ((rc = replay(fs, a, a->st.indexed_len)) != 0 ||
		    (rc = write_state(fs, a, &a->st, 0)) != 0)
			return rc;
	}
	return check_top(fs, a);
}

/* Under the exclusive lock: the state read fresh, the indexes brought up to
 * date after a crash or a reboot, and rebuilt from the log when damaged (or
 * when the caller found them so: force). */
static int recover(struct fstore *fs, struct fapp *a, int force)
{
	int rc = read_state(fs, a, &a->st);

	if (rc == 0)
		return init_app(fs, a);
	if (rc < 0)
		return rc;
	rc = open_generation(fs, a, &a->st);
	if (rc == 0 && !force)
		rc = settle(fs, a);
	if ((rc == FS_DAMAGED || (rc == 0 && force)) && a->log >= 0 && a->log_gen == a->st.log_gen)
		rc = reindex(fs, a);
	return rc;
}

/* What a vtable method returns: FS_DAMAGED stays inside (its message is
 * already in fs->errmsg). */
static int public_rc(int rc)
{
	return rc == FS_DAMAGED ? RELEASE_ECORRUPT : rc;
}

/* Whether a read's result means it found damage (and not that its record
 * callback happened to return the same value). */
static int found_damage(struct fstore *fs, int rc)
{
	return rc == FS_DAMAGED && fs->damage;
}

/* ------------------------------------------------------------ operations */

/* Starts a write: the app (created if asked), locked, recovered. */
static int begin_write(struct fstore *fs, const char *app, int create, struct fapp **out)
{
	struct fapp *a;
	int rc = get_app(fs, app, create, &a);

	*out = NULL;
	if (rc != 0 || !a)
		return rc;
	if ((rc = lock_app(fs, a, F_WRLCK)) != 0)
		return rc;
	if ((rc = recover(fs, a, 0)) != 0) {
		unlock_app(fs, a);
		return public_rc(rc);
	}
	*out = a;
	return 0;
}

static int compact(struct fstore *fs, struct fapp *a);

/*
 * Ends a write. Once the record is in the log and synced (committed) the
 * call has succeeded, whatever happens next: publishing the state, a
 * checkpoint or a compaction only keep the other files in step with the log,
 * and if one of them fails those files stay behind it and the next call
 * replays the log. Reporting such a failure would make callers retry a write
 * that took effect.
 */
static int end_write(struct fstore *fs, struct fapp *a, int rc, int committed)
{
	if (committed) {
		if (rc == 0 && write_state(fs, a, &a->st, 0) == 0) {
			if (a->st.indexed_len - a->st.synced_len >= CHECKPOINT_BYTES)
				checkpoint(fs, a);
			if (a->st.dead >= COMPACT_MIN && a->st.dead * 2 >= a->st.indexed_len &&
			    a->uncompactable_gen != a->st.log_gen) {
				int crc = compact(fs, a);

				if (crc == FS_DAMAGED && reindex(fs, a) == 0)
					crc = compact(fs, a); /* never from a damaged index */
				if (crc == RELEASE_ECORRUPT || crc == FS_DAMAGED)
					a->uncompactable_gen = a->st.log_gen;
			}
		}
		rc = 0;
	}
	unlock_app(fs, a);
	return public_rc(rc);
}

/* Repairs an app whose derived files a read found damaged. When the log
 * itself is damaged the message says what the repair met there, then what
 * the read found. */
static int repair(struct fstore *fs, const char *app)
{
	char found[sizeof fs->errmsg];
	struct fapp *a;
	int rc = get_app(fs, app, 0, &a);

	if (rc != 0 || !a)
		return rc;
	if ((rc = lock_app(fs, a, F_WRLCK)) != 0)
		return rc;
	memcpy(found, fs->errmsg, sizeof found);
	rc = recover(fs, a, 1);
	unlock_app(fs, a);
	if (rc == RELEASE_ECORRUPT && strcmp(fs->errmsg, found) != 0) {
		char met[sizeof fs->errmsg];

		memcpy(met, fs->errmsg, sizeof met);
		if (snprintf(fs->errmsg, sizeof fs->errmsg, "%s (repairing after: %s)", met,
			     found) < 0)
			memcpy(fs->errmsg, met, sizeof met);
	}
	return rc;
}

/* Starts a read: no lock, unless the indexes need a repair first. */
static int begin_read(struct fstore *fs, const char *app, struct fapp **out)
{
	struct fapp *a;
	int rc = get_app(fs, app, 0, &a), stuck = 0;

	*out = NULL;
	if (rc != 0 || !a)
		return rc;
	for (int attempt = 0; attempt < RETRIES; attempt++) {
		rc = read_state(fs, a, &a->st);
		if (rc == 0)
			return 0; /* never written: nothing to read */
		if (rc < 0)
			return rc;
		if (strcmp(a->st.boot_id, fs->boot_id) != 0) {
			if ((rc = lock_app(fs, a, F_WRLCK)) != 0)
				return rc;
			rc = recover(fs, a, 0);
			unlock_app(fs, a);
			if (rc != 0)
				return rc;
		}
		rc = open_generation(fs, a, &a->st);
		if (rc != 0)
			continue; /* compaction replaced the files between our reads */
		if ((rc = check_sizes(fs, a)) != 0)
			return rc;
		if (file_size(a->log) != a->st.indexed_len || check_top(fs, a) != 0) {
			/* A writer is midway, or died midway. A live one holds the
			 * lock, and its call has not returned: reading the state it
			 * last published is right. A dead one's record must be made
			 * visible (or cut off) now, not by the next writer, or
			 * readers would see history change behind them. With no
			 * writer at all, the state is behind the files (damage),
			 * which the recovery repairs. */
			int got = stuck ? 0 : try_lock_app(fs, a);

			if (got < 0)
				return got;
			if (got) {
				rc = recover(fs, a, 0);
				unlock_app(fs, a);
				if (rc == RELEASE_ECORRUPT)
					return rc;
				/* Recovery that cannot go on now (a full disk)
				 * leaves the published state good to read, but
				 * for what the unindexed records change
				 * (tail_check). */
				stuck = rc;
				if (rc)
					memcpy(a->stuck_msg, fs->errmsg, sizeof a->stuck_msg);
				continue;
			}
		}
		a->stuck = stuck;
		*out = a;
		return 0;
	}
	return rc ? rc : failf(fs, RELEASE_EIO, "app '%s': the store kept changing while read", app);
}

/* For a read served while recovery is stuck: fails with its error when a
 * record past the published state is of kind and, if given, key or seq, since
 * the published indexes would answer for it without it. */
static int tail_check(struct fstore *fs, struct fapp *a, int kind, const char *key, uint64_t seq)
{
	uint64_t off = a->st.indexed_len, end = file_size(a->log);

	while (a->stuck && off < end) {
		struct rec r;
		int hit;

		if (read_rec(fs, a, off, &r, NULL) != 0)
			break; /* past the acknowledged records */
		hit = r.kind == kind && (key ? strcmp(r.key, key) == 0 : !seq || r.seq == seq);
		off += r.len;
		rec_free(&r);
		if (hit) {
			memcpy(fs->errmsg, a->stuck_msg, sizeof fs->errmsg);
			return a->stuck;
		}
	}
	return 0;
}

/* Hands the record an index points at to fn. An index that points at
 * anything else is damaged; so is one pointing at a record that fails its
 * checks (if the log itself is damaged there, the rebuild says so). */
static int deliver(struct fstore *fs, struct fapp *a, uint64_t off, int kind, const char *key,
		   uint64_t seq, release_record_fn fn, void *payload)
{
	struct rec r;
	int rc = read_rec(fs, a, off, &r, NULL);

	if (rc == RELEASE_ECORRUPT) {
		fs->damage = 1;
		return FS_DAMAGED; /* with read_rec's message, which names the record */
	}
	if (rc != 0)
		return rc;
	if (r.kind != kind || strcmp(r.key, key ? key : r.key) != 0 || (seq && r.seq != seq) ||
	    r.op == OP_DELETE) {
		rec_free(&r);
		return damaged(fs, a, "the index points at the wrong record (byte %llu of log.%llu)",
			       (unsigned long long)off, (unsigned long long)a->log_gen);
	}
	rc = fn(payload, r.seq, r.key, r.data, r.datalen);
	rec_free(&r);
	return rc;
}

static int get_once(struct fstore *fs, const char *app, int kind, const char *key,
		    release_record_fn fn, void *payload)
{
	struct fapp *a;
	uint64_t seq, slot;
	struct ent e;
	int rc;

	if ((rc = begin_read(fs, app, &a)) != 0 || !a || !a->log_gen)
		return rc ? rc : RELEASE_ENOTFOUND;
	if ((rc = tail_check(fs, a, kind, key, 0)) != 0)
		return rc;
	if (kind == RELEASE_KIND_META) {
		struct meta_slot *m = meta_find(&a->st, key);

		return m ? deliver(fs, a, m->off, kind, key, 0, fn, payload) : RELEASE_ENOTFOUND;
	}
	if ((rc = key_lookup(fs, a, kind, key, &seq, &slot)) != 0)
		return rc;
	if (!seq)
		return RELEASE_ENOTFOUND;
	if ((rc = read_ent(fs, a, kind == RELEASE_KIND_RELEASE, seq, &e)) != 0)
		return rc;
	if (!e.off)
		return RELEASE_ENOTFOUND;
	return deliver(fs, a, e.off, kind, key, seq, fn, payload);
}

static int fs_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		  void *payload)
{
	struct fstore *fs = ctx;
	int rc;

	if (!valid_app_name(app) || !valid_key(key) || kind < RELEASE_KIND_META || kind > RELEASE_KIND_RELEASE)
		return failf(fs, RELEASE_EINVAL, "invalid app, kind or key");
	fs->damage = 0;
	rc = get_once(fs, app, kind, key, fn, payload);
	if (found_damage(fs, rc) && (rc = repair(fs, app)) == 0) {
		fs->damage = 0;
		rc = get_once(fs, app, kind, key, fn, payload);
	}
	return found_damage(fs, rc) ? RELEASE_ECORRUPT : rc;
}

static int get_seq_once(struct fstore *fs, const char *app, int kind, uint64_t seq,
			release_record_fn fn, void *payload)
{
	struct fapp *a;
	struct ent e;
	int rc;

	if ((rc = begin_read(fs, app, &a)) != 0 || !a || !a->log_gen)
		return rc ? rc : RELEASE_ENOTFOUND;
	if ((rc = tail_check(fs, a, kind, NULL, seq)) != 0)
		return rc;
	if (seq > max_seq(a, kind == RELEASE_KIND_RELEASE))
		return RELEASE_ENOTFOUND;
	if ((rc = read_ent(fs, a, kind == RELEASE_KIND_RELEASE, seq, &e)) != 0)
		return rc;
	if (!e.off)
		return RELEASE_ENOTFOUND;
	return deliver(fs, a, e.off, kind, NULL, seq, fn, payload);
}

static int fs_get_seq(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
		      void *payload)
{
	struct fstore *fs = ctx;
	int rc;

	if (!valid_app_name(app) || !ordered(kind) || seq == 0)
		return failf(fs, RELEASE_EINVAL, "invalid app, kind or seq");
	fs->damage = 0;
	rc = get_seq_once(fs, app, kind, seq, fn, payload);
	if (found_damage(fs, rc) && (rc = repair(fs, app)) == 0) {
		fs->damage = 0;
		rc = get_seq_once(fs, app, kind, seq, fn, payload);
	}
	return found_damage(fs, rc) ? RELEASE_ECORRUPT : rc;
}

/* One pass of a scan; *before and *limit follow what was delivered, so a pass
 * cut short by damage is resumed after the repair without repeating a
 * record. */
static int scan_once(struct fstore *fs, const char *app, int kind, uint64_t *before,
		     size_t *limit, release_record_fn fn, void *payload)
{
	struct fapp *a;
	uint64_t s;
	int which = kind == RELEASE_KIND_RELEASE, rc;

	if ((rc = begin_read(fs, app, &a)) != 0 || !a || !a->log_gen)
		return rc;
	if ((rc = tail_check(fs, a, kind, NULL, 0)) != 0)
		return rc;
	s = max_seq(a, which);
	if (*before - 1 < s)
		s = *before - 1;
	while (s >= 1 && *limit > 0) {
		unsigned char b[SCAN_BATCH * IDX_ENT];
		uint64_t first = s > SCAN_BATCH ? s - SCAN_BATCH + 1 : 1;
		ssize_t n = pread_full(a->idx[which], b, (size_t)(s - first + 1) * IDX_ENT,
				       IDX_HDR + (first - 1) * IDX_ENT);

		if (n < 0)
			return sys_fail(fs, app, "reading index");
		for (; s >= first && *limit > 0; s--) {
			const unsigned char *p = b + (s - first) * IDX_ENT;
			struct ent e;

			if ((uint64_t)n >= (s - first + 1) * IDX_ENT && get_u32(p + 20) == ent_crc(p, s)) {
				e.off = get_u64(p);
			} else {
				/* short, zeroed or mid-write: the careful read
				 * looks again and judges */
				if ((rc = read_ent(fs, a, which, s, &e)) != 0)
					return rc;
			}
			if (!e.off)
				continue;
			if ((rc = deliver(fs, a, e.off, kind, NULL, s, fn, payload)) != 0)
				return rc;
			*before = s;
			(*limit)--;
		}
	}
	return 0;
}

static int fs_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		   release_record_fn fn, void *payload)
{
	struct fstore *fs = ctx;
	int rc;

	if (!valid_app_name(app) || !ordered(kind))
		return failf(fs, RELEASE_EINVAL, "invalid app or kind");
	fs->damage = 0;
	rc = scan_once(fs, app, kind, &before, &limit, fn, payload);
	if (found_damage(fs, rc) && (rc = repair(fs, app)) == 0) {
		fs->damage = 0;
		rc = scan_once(fs, app, kind, &before, &limit, fn, payload);
	}
	return found_damage(fs, rc) ? RELEASE_ECORRUPT : rc;
}

/* Whether a put may go ahead: RELEASE_ECONFLICT when the key or seq is
 * taken. */
static int check_put(struct fstore *fs, struct fapp *a, int kind, const char *key, uint64_t seq)
{
	uint64_t found, slot;
	struct ent e;
	int rc;

	if (kind == RELEASE_KIND_META) {
		if (meta_find(&a->st, key))
			return RELEASE_ECONFLICT;
		if (a->st.meta_n == META_SLOTS)
			return failf(fs, RELEASE_EINVAL, "app '%s': too many META records", a->name);
		return 0;
	}
	if (seq > max_seq(a, kind == RELEASE_KIND_RELEASE) + SEQ_GAP_MAX)
		return failf(fs, RELEASE_EINVAL, "app '%s': seq %llu is too far past the newest (%llu)",
			     a->name, (unsigned long long)seq,
			     (unsigned long long)max_seq(a, kind == RELEASE_KIND_RELEASE));
	if ((rc = key_lookup(fs, a, kind, key, &found, &slot)) != 0)
		return rc;
	if (found)
		return RELEASE_ECONFLICT;
	if ((rc = read_ent(fs, a, kind == RELEASE_KIND_RELEASE, seq, &e)) != 0)
		return rc;
	return e.off ? RELEASE_ECONFLICT : 0;
}

/* Appends a record and brings the indexes up to date with it; *committed is
 * set once it is durable. */
static int commit_rec(struct fstore *fs, struct fapp *a, int op, int kind, const char *key,
		      uint64_t seq, const void *data, size_t len, uint64_t dead, int *committed)
{
	struct rec r = {op, kind, seq, {0}, NULL, 0, 0, 0};
	int rc = append_rec(fs, a, op, kind, key, seq, data, len, &r.off, &r.len);

	if (rc != 0)
		return rc;
	*committed = 1;
	strcpy(r.key, key);
	a->st.indexed_len = r.off + r.len;
	a->st.dead += dead + (op == OP_DELETE ? r.len : 0);
	return apply(fs, a, &r);
}

static int fs_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		  const void *data, size_t len)
{
	struct fstore *fs = ctx;
	struct fapp *a;
	int rc, committed = 0;

	if (!valid_app_name(app) || !valid_key(key) || kind < RELEASE_KIND_META ||
	    kind > RELEASE_KIND_RELEASE || (ordered(kind) ? seq == 0 || seq >= SEQ_LIMIT : seq != 0) ||
	    (!data && len))
		return failf(fs, RELEASE_EINVAL, "invalid put");
	if ((rc = begin_write(fs, app, 1, &a)) != 0)
		return rc;
	rc = check_put(fs, a, kind, key, seq);
	if (rc == FS_DAMAGED && (rc = reindex(fs, a)) == 0)
		rc = check_put(fs, a, kind, key, seq);
	if (rc == 0)
		rc = commit_rec(fs, a, OP_PUT, kind, key, seq, data, len, 0, &committed);
	return end_write(fs, a, rc, committed);
}

/* Current bytes of a record for compare-and-swap: *found 0 when absent. */
static int current(struct fstore *fs, struct fapp *a, int kind, const char *key, struct rec *r,
		   int *found)
{
	uint64_t off = 0, seq = 0, slot;
	int rc;

	*found = 0;
	memset(r, 0, sizeof *r);
	if (kind == RELEASE_KIND_META) {
		struct meta_slot *m = meta_find(&a->st, key);

		off = m ? m->off : 0;
	} else {
		struct ent e;

		if ((rc = key_lookup(fs, a, kind, key, &seq, &slot)) != 0)
			return rc;
		if (seq && (rc = read_ent(fs, a, kind == RELEASE_KIND_RELEASE, seq, &e)) != 0)
			return rc;
		off = seq ? e.off : 0;
	}
	if (!off)
		return 0;
	if ((rc = read_rec(fs, a, off, r, NULL)) == RELEASE_ECORRUPT)
		return damaged(fs, a, "the index points at byte %llu of log.%llu, which is no record",
			       (unsigned long long)off, (unsigned long long)a->log_gen);
	if (rc != 0)
		return rc;
	if (r->kind != kind || strcmp(r->key, key) != 0 || r->op == OP_DELETE ||
	    (seq && r->seq != seq)) {
		rec_free(r);
		return damaged(fs, a, "the index points at the wrong record (byte %llu of log.%llu)",
			       (unsigned long long)off, (unsigned long long)a->log_gen);
	}
	*found = 1;
	return 0;
}

/* current(), rebuilding the indexes once if they are found damaged. */
static int current_repaired(struct fstore *fs, struct fapp *a, int kind, const char *key,
			    struct rec *r, int *found)
{
	int rc = current(fs, a, kind, key, r, found);

	if (rc == FS_DAMAGED && (rc = reindex(fs, a)) == 0)
		rc = current(fs, a, kind, key, r, found);
	return rc;
}

static int fs_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		  size_t old_len, const void *data, size_t len)
{
	struct fstore *fs = ctx;
	struct fapp *a;
	struct rec cur;
	int found, rc, committed = 0;

	if (!valid_app_name(app) || !valid_key(key) || kind < RELEASE_KIND_META ||
	    kind > RELEASE_KIND_RELEASE || (!data && len) || (!old && old_len) ||
	    (ordered(kind) && (!old || !data)))
		return failf(fs, RELEASE_EINVAL, "invalid compare-and-swap");
	if ((rc = begin_write(fs, app, old == NULL, &a)) != 0)
		return rc;
	if (!a)
		return RELEASE_ECONFLICT; /* no app, so no record to match old */
	rc = current_repaired(fs, a, kind, key, &cur, &found);
	if (rc == 0 && (!old ? found : !found || cur.datalen != old_len ||
					   (old_len && memcmp(cur.data, old, old_len) != 0)))
		rc = RELEASE_ECONFLICT;
	if (rc == 0 && !old && kind == RELEASE_KIND_META && a->st.meta_n == META_SLOTS)
		rc = failf(fs, RELEASE_EINVAL, "app '%s': too many META records", app);
	if (rc == 0)
		rc = commit_rec(fs, a, !data ? OP_DELETE : old ? OP_REPLACE : OP_PUT, kind, key,
				found ? cur.seq : 0, data, len, found ? cur.len : 0, &committed);
	rec_free(&cur);
	return end_write(fs, a, rc, committed);
}

static int fs_del(void *ctx, const char *app, int kind, const char *key)
{
	struct fstore *fs = ctx;
	struct fapp *a;
	struct rec cur;
	int found, rc, committed = 0;

	if (!valid_app_name(app) || !valid_key(key) || kind < RELEASE_KIND_META || kind > RELEASE_KIND_RELEASE)
		return failf(fs, RELEASE_EINVAL, "invalid delete");
	if ((rc = begin_write(fs, app, 0, &a)) != 0)
		return rc;
	if (!a)
		return RELEASE_ENOTFOUND;
	rc = current_repaired(fs, a, kind, key, &cur, &found);
	if (rc == 0 && !found)
		rc = RELEASE_ENOTFOUND;
	if (rc == 0)
		rc = commit_rec(fs, a, OP_DELETE, kind, key, cur.seq, NULL, 0, cur.len, &committed);
	rec_free(&cur);
	return end_write(fs, a, rc, committed);
}

/* Copies the record at off, which must be the live (kind, key or seq)
 * record an index names, to the end of the new log. */
static int copy_rec(struct fstore *fs, struct fapp *a, int logfd, uint64_t *end, uint64_t off,
		    int kind, const char *key, uint64_t seq, uint64_t *new_off)
{
	unsigned char *b;
	struct rec r;
	int rc = read_rec(fs, a, off, &r, NULL);

	if (rc != 0)
		return rc;
	rec_free(&r);
	if (r.kind != kind || r.op == OP_DELETE || (key && strcmp(r.key, key) != 0) ||
	    (seq && r.seq != seq))
		return damaged(fs, a, "the index points at the wrong record (byte %llu of log.%llu)",
			       (unsigned long long)off, (unsigned long long)a->log_gen);
	if (!(b = malloc(r.len)))
		return failf(fs, RELEASE_ENOMEM, "out of memory");
	if (pread_full(a->log, b, r.len, off) != (ssize_t)r.len || pwrite_full(logfd, b, r.len, *end) != 0)
		rc = sys_fail(fs, a->name, "compacting log");
	free(b);
	*new_off = *end;
	*end += r.len;
	return rc;
}

/* Rewrites the log with only live records, as new generations of the log
 * and the seq indexes (the key index maps to seqs, which do not move). The
 * new indexes keep an entry for every seq up to the top, so they are as long
 * as the state says. */
static int compact(struct fstore *fs, struct fapp *a)
{
	struct state st = a->st;
	uint64_t gen_log = next_gen(st.log_gen), gen_idx = next_gen(st.idx_gen), end = LOG_HDR;
	int logfd = -1, idx[2] = {-1, -1}, rc, state_tried = 0;

	if ((rc = create_gen_file(fs, a, "log", gen_log, "LRLOG001", 0, 0, &logfd)) != 0 ||
	    (rc = create_gen_file(fs, a, "bld", gen_idx, "LRIDX001", 0, 0, &idx[0])) != 0 ||
	    (rc = create_gen_file(fs, a, "rel", gen_idx, "LRIDX001", 0, 0, &idx[1])) != 0)
		goto out;
	for (uint32_t i = 0; i < st.meta_n && rc == 0; i++)
		rc = copy_rec(fs, a, logfd, &end, a->st.meta[i].off, RELEASE_KIND_META,
			      a->st.meta[i].key, 0, &st.meta[i].off);
	for (int w = 0; w < 2 && rc == 0; w++) {
		int kind = w ? RELEASE_KIND_RELEASE : RELEASE_KIND_BUILD;
		uint64_t top = max_seq(a, w), absent = 1; /* first seq of the run to mark */

		for (uint64_t s = 1; s <= top && rc == 0; s++) {
			struct ent e;

			if ((rc = read_ent(fs, a, w, s, &e)) != 0 || !e.off)
				continue;
			if (absent < s && (rc = write_absent(fs, a, idx[w], absent, s - 1)) != 0)
				break;
			absent = s + 1;
			if ((rc = copy_rec(fs, a, logfd, &end, e.off, kind, NULL, s, &e.off)) != 0)
				break;
			rc = write_ent_fd(fs, a, idx[w], s, &e);
		}
		if (rc == 0 && absent <= top)
			rc = write_absent(fs, a, idx[w], absent, top);
	}
	if (rc == 0 && (fsync_retry(logfd) != 0 || fsync_retry(idx[0]) != 0 ||
			fsync_retry(idx[1]) != 0 || fsync_retry(a->keys) != 0 ||
			fsync_retry(a->dir) != 0))
		rc = sys_fail(fs, a->name, "syncing compacted files");
	if (rc == 0) {
		st.log_gen = gen_log;
		st.idx_gen = gen_idx;
		st.indexed_len = st.synced_len = end;
		st.dead = 0;
		memcpy(st.boot_id, fs->boot_id, sizeof st.boot_id);
		st.counter = a->st.counter;
		state_tried = 1;
		rc = write_state(fs, a, &st, 1);
	}
	if (rc == 0) {
		uint64_t old_log = a->st.log_gen, old_idx = a->st.idx_gen;

		a->st = st;
		close_data_files(a);
		a->log = logfd;
		a->idx[0] = idx[0];
		a->idx[1] = idx[1];
		a->log_gen = gen_log;
		a->idx_gen = gen_idx;
		a->keys_gen = 0;
		logfd = idx[0] = idx[1] = -1;
		rc = open_generation(fs, a, &a->st);
		unlink_gen(a, "log", old_log);
		unlink_gen(a, "bld", old_idx);
		unlink_gen(a, "rel", old_idx);
		/* The key index still holds the deleted keys' tombstones. */
		return rc ? rc : rebuild_keys(fs, a);
	}
out:
	close_fd(&logfd);
	close_fd(&idx[0]);
	close_fd(&idx[1]);
	if (!state_tried) { /* else the state on disk may name them already */
		unlink_gen(a, "log", gen_log);
		unlink_gen(a, "bld", gen_idx);
		unlink_gen(a, "rel", gen_idx);
	}
	return rc;
}

static int fs_list_apps(void *ctx, release_name_fn fn, void *payload)
{
	struct fstore *fs = ctx;
	int fd = openat(fs->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return failf(fs, RELEASE_EIO, "listing store: %s", strerror(errno));
	}
	while (rc == 0 && (e = readdir(d))) {
		struct stat st;

		if (!valid_app_name(e->d_name))
			continue;
		if (fstatat(fs->root, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
			continue;
		rc = fn(payload, e->d_name);
	}
	closedir(d);
	return rc;
}

static const char *fs_errmsg(void *ctx)
{
	return ((struct fstore *)ctx)->errmsg;
}

static void fs_close(void *ctx)
{
	struct fstore *fs = ctx;

	if (!fs)
		return;
	for (size_t i = 0; i < MAX_OPEN_APPS; i++)
		app_close(fs->apps[i]);
	close_fd(&fs->root);
	free(fs);
}

const release_storage file_storage = {
	.version = RELEASE_STORAGE_VERSION,
	.close = fs_close,
	.put = fs_put,
	.get = fs_get,
	.scan = fs_scan,
	.cas = fs_cas,
	.del = fs_del,
	.list_apps = fs_list_apps,
	.get_seq = fs_get_seq,
	.errmsg = fs_errmsg,
};

static void read_boot_id(struct fstore *fs)
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, fs->boot_id, sizeof fs->boot_id - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n > 0) {
		fs->boot_id[n] = '\0';
		fs->boot_id[strcspn(fs->boot_id, "\n")] = '\0';
		return;
	}
	/* Without a boot id every process counts as a new boot: it replays
	 * since the last checkpoint, which is always safe. */
	snprintf(fs->boot_id, sizeof fs->boot_id, "pid-%ld-%p", (long)getpid(), (void *)fs);
}

#define FORMAT_TMP "FORMAT.tmp" /* prefix of the names FORMAT is written under */

/* A store is only ever made in an empty directory: one holding other files
 * is somebody else's, and a mistyped path must not turn it into a store.
 * 1 when FORMAT has appeared meanwhile (another process made the store). */
static int empty_dir(struct fstore *fs, char *err, size_t errlen)
{
	int fd = openat(fs->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	char other[101] = "";
	int format = 0;

	if (!d) {
		int code = errno_code(errno);

		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "reading store directory: %s", strerror(errno));
		return code;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strncmp(e->d_name, FORMAT_TMP, strlen(FORMAT_TMP)) == 0)
			continue;
		if (strcmp(e->d_name, "FORMAT") == 0)
			format = 1;
		else if (!other[0])
			snprintf(other, sizeof other, "%.100s", e->d_name);
	}
	closedir(d);
	/* A store made meanwhile also has FORMAT (it comes first), though a
	 * listing racing with its creation may have missed it. */
	if (format || faccessat(fs->root, "FORMAT", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	if (other[0]) {
		snprintf(err, errlen, "not a librelease store: the directory has no FORMAT file "
			 "but holds '%s'", other);
		return RELEASE_ECORRUPT;
	}
	return 0;
}

/* Writes FORMAT into an empty store directory under a name of this process's
 * own, so that two processes making the same store at once both succeed. */
static int write_format(struct fstore *fs, const char *want, char *err, size_t errlen)
{
	static unsigned long counter;
	char tmp[64];
	int fd, rc = 0;

	snprintf(tmp, sizeof tmp, "%s.%ld.%lu", FORMAT_TMP, (long)getpid(), ++counter);
	fd = openat(fs->root, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
		    0600);
	if (fd < 0 || pwrite_full(fd, want, strlen(want), 0) != 0 || fsync_retry(fd) != 0 ||
	    renameat(fs->root, tmp, fs->root, "FORMAT") != 0 || fsync_retry(fs->root) != 0) {
		snprintf(err, errlen, "creating FORMAT: %s", strerror(errno));
		rc = errno_code(errno);
		unlinkat(fs->root, tmp, 0);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Checks, or writes, the FORMAT file of the store directory. */
static int check_format(struct fstore *fs, char *err, size_t errlen)
{
	char buf[64] = {0}, want[64], *end;
	unsigned long long version;
	struct stat st;
	size_t prefix;
	ssize_t n;
	int fd = -1;

	snprintf(want, sizeof want, "%s %d\n", FORMAT_NAME, FORMAT_VERSION);
	for (int attempt = 0; fd < 0; attempt++) {
		int rc;

		fd = openat(fs->root, "FORMAT", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd >= 0)
			break;
		if (errno != ENOENT || attempt == RETRIES) {
			snprintf(err, errlen, "opening FORMAT: %s", strerror(errno));
			return errno_code(errno);
		}
		if ((rc = empty_dir(fs, err, errlen)) == 1)
			continue;
		if (rc == 0)
			rc = write_format(fs, want, err, errlen);
		if (rc != 0)
			return rc;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "not a librelease file store (FORMAT is not a regular file)");
		return RELEASE_ECORRUPT;
	}
	n = pread_full(fd, buf, sizeof buf - 1, 0);
	close(fd);
	prefix = strlen(FORMAT_NAME " ");
	if (n <= 0 || strncmp(buf, FORMAT_NAME " ", prefix) != 0 || buf[prefix] < '0' ||
	    buf[prefix] > '9') {
		snprintf(err, errlen, "not a librelease file store (FORMAT unreadable)");
		return RELEASE_ECORRUPT;
	}
	errno = 0;
	version = strtoull(buf + prefix, &end, 10);
	if (errno != 0 || *end != '\n') {
		snprintf(err, errlen, "not a librelease file store (FORMAT unreadable)");
		return RELEASE_ECORRUPT;
	}
	if (version != FORMAT_VERSION) {
		snprintf(err, errlen, "store format %.20s is not supported (this library reads format %d)",
			 buf + prefix, FORMAT_VERSION);
		return RELEASE_EUNSUPPORTED;
	}
	return 0;
}

int file_open(void **ctx, const char *given, char *err, size_t errlen)
{
	struct fstore *fs;
	char path[4096];
	size_t len;
	int rc;

	*ctx = NULL;
	if (!given || !*given) {
		snprintf(err, errlen, "file store path is empty");
		return RELEASE_EINVAL;
	}
	/* "dir/" would follow a symbolic link named dir: drop the slashes. */
	len = strlen(given);
	if (len >= sizeof path) {
		snprintf(err, errlen, "file store path is too long");
		return RELEASE_EINVAL;
	}
	memcpy(path, given, len + 1);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	if (!(fs = calloc(1, sizeof *fs))) {
		snprintf(err, errlen, "out of memory");
		return RELEASE_ENOMEM;
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "creating store directory '%s': %s", path, strerror(errno));
		free(fs);
		return errno_code(errno);
	}
	fs->root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fs->root < 0) {
		struct stat st;
		int e = errno;

		if ((e == ENOTDIR || e == ELOOP) && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			snprintf(err, errlen, "store directory '%s' is a symbolic link, which is "
				 "not followed", path);
		else
			snprintf(err, errlen, "opening store directory '%s': %s", path, strerror(e));
		rc = e == ENOTDIR || e == ELOOP ? RELEASE_EINVAL : errno_code(e);
		free(fs);
		return rc;
	}
	{
		char what[4200];

		snprintf(what, sizeof what, "store directory '%s'", path);
		if ((rc = check_owned(fs, fs->root, what, 1)) != 0) {
			snprintf(err, errlen, "%s", fs->errmsg);
			fs_close(fs);
			return rc;
		}
	}
	if ((rc = check_format(fs, err, errlen)) != 0) {
		fs_close(fs);
		return rc;
	}
	read_boot_id(fs);
	*ctx = fs;
	return 0;
}
