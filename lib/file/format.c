/*
 * The file store's state file: two copies of an app's state, encoded,
 * checked, read and written.
 * The on-disk format and the rules of recovery: file.h.
 */
#include "file.h"

#define STATE_MAGIC "LRSTATE1"        /* no deployment records indexed */
#define STATE_MAGIC_DEPLOY "LRSTATE2" /* some: unreadable before 1.4 (file.h) */
#define STATE_TOP_DEP 1448
#define DEP_TOP(s) ((s)->top[seq_index(RELEASE_KIND_DEPLOY)])

static void encode_state(const struct state *s, unsigned char *b)
{
	memset(b, 0, STATE_COPY);
	memcpy(b, DEP_TOP(s) ? STATE_MAGIC_DEPLOY : STATE_MAGIC, 8);
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
	put_u64(b + 1432, s->cuts);
	put_u64(b + 1440, s->durable_len);
	put_u64(b + STATE_TOP_DEP, DEP_TOP(s));
	put_u32(b + STATE_COPY - 4, crc32c(0, b, STATE_COPY - 4));
}

static int decode_state(const unsigned char *b, struct state *s)
{
	int deploy = memcmp(b, STATE_MAGIC_DEPLOY, 8) == 0;

	if ((!deploy && memcmp(b, STATE_MAGIC, 8) != 0) ||
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
	s->cuts = get_u64(b + 1432);
	s->durable_len = get_u64(b + 1440);
	/* 0 in every copy written before 1.4 */
	DEP_TOP(s) = get_u64(b + STATE_TOP_DEP);
	/* A copy that passes its checksum may still have been written by
	 * something else: refuse what this code would never have written. */
	if (!s->log_gen || !s->idx_gen || !s->keys_gen || s->indexed_len < LOG_HDR ||
	    s->synced_len < LOG_HDR || s->synced_len > s->indexed_len ||
	    s->dead > s->indexed_len || s->keys_cap > (UINT64_C(1) << 40) ||
	    s->keys_used > s->keys_cap || s->top[0] >= SEQ_LIMIT || s->top[1] >= SEQ_LIMIT ||
	    DEP_TOP(s) >= SEQ_LIMIT || deploy != (DEP_TOP(s) != 0))
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

/* 1 when the key index file name holds a key (a slot in use or a
 * tombstone, with its checksum), 0 when it holds none or cannot be read. */
static int keys_used(struct fapp *a, const char *name)
{
	int fd = openat(a->dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	unsigned char b[KEY_SLOT * 256];
	uint64_t off = IDX_HDR;
	int found = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	while (!found && (n = pread_full(fd, b, sizeof b, off)) >= KEY_SLOT) {
		for (ssize_t i = 0; !found && i + KEY_SLOT <= n; i += KEY_SLOT)
			found = get_u64(b + i) != 0 && get_u32(b + i + 16) == crc32c(0, b + i, 16);
		off += (uint64_t)n;
	}
	close(fd);
	return found;
}

/* 1 when a file of the app says it had records, 0 when none does, -1 (with
 * errno) when that cannot be told. A log holds them; so does a seq index
 * with an entry (entries are written only once their record is synced), or
 * a key index with a key: a log cut to its header beside them lost records,
 * which must not pass for an app never created. */
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
		int log = strncmp(e->d_name, "log.", 4) == 0;
		int idx = strncmp(e->d_name, "rel.", 4) == 0 || strncmp(e->d_name, "bld.", 4) == 0 ||
			  strncmp(e->d_name, "dep.", 4) == 0;
		struct stat st;

		if ((log || idx) && fstatat(a->dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (uint64_t)st.st_size > (log ? LOG_HDR : IDX_HDR))
			found = 1;
		else if (strncmp(e->d_name, "keys.", 5) == 0)
			found = keys_used(a, e->d_name);
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

/*
 * What the app's state publishes, as far as a wait needs to tell: the
 * newer intact copy's log generation and indexed length, which every
 * record applied moves (out[0] 0 when there is no state; UINT64_MAX when no
 * copy is intact). Read without the app's handle or lock. A state written
 * only to record a sync's durable length publishes nothing new.
 */
void state_published(struct fstore *fs, const char *app, uint64_t out[2])
{
	unsigned char b[2 * STATE_COPY];
	char name[80];
	struct state s[2];
	ssize_t n = -1;
	int fd, ok0, ok1;

	snprintf(name, sizeof name, "%s/state", app);
	if ((fd = openat(fs->root, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) >= 0) {
		n = pread_full(fd, b, sizeof b, 0);
		close(fd);
	}
	ok0 = n >= STATE_COPY && decode_state(b, &s[0]) == 0;
	ok1 = n >= 2 * STATE_COPY && decode_state(b + STATE_COPY, &s[1]) == 0;
	out[0] = n <= 0 ? 0 : UINT64_MAX;
	out[1] = 0;
	if (ok0 || ok1) {
		const struct state *t = ok0 && (!ok1 || state_newer(&s[0], &s[1])) ? &s[0] : &s[1];

		out[0] = t->log_gen;
		out[1] = t->indexed_len;
	}
}

/* 1 when the state file holds the bytes a read last found in order (the
 * state is then a->seen_st), 0 when not (or unknown), or an error. */
int state_unchanged(struct fstore *fs, struct fapp *a)
{
	unsigned char b[2 * STATE_COPY];
	ssize_t n;

	if (!a->seen_ok)
		return 0;
	if ((n = pread_full(a->statefd, b, sizeof b, 0)) < 0)
		return sys_fail(fs, a->name, "reading state");
	return n == sizeof b && memcmp(b, a->seen, sizeof b) == 0;
}

/* Reads the newest intact copy. 1: found; 0: the file is new or was never
 * completed; RELEASE_ECORRUPT when both copies are damaged. */
int read_state(struct fstore *fs, struct fapp *a, struct state *out)
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
		int rc;

		a->seen_ok = 0;
		/* A read-only handle finds no state file where none was made
		 * (yet: it looks again each time), nor a lock file (it tells
		 * whether a writer is alive: ro_tail()), which a writer making
		 * the app makes before the state. */
		if ((a->statefd < 0 || a->lock < 0) && (rc = open_late_files(fs, a)) != 0)
			return rc;
		if ((n = a->statefd < 0 ? 0 : pread_full(a->statefd, b, sizeof b, 0)) < 0)
			return sys_fail(fs, a->name, "reading state");
		/* Kept for the next read only when whole (see seen_fresh). */
		a->seen_fresh = n == sizeof b;
		if (a->seen_fresh)
			memcpy(a->seen, b, sizeof b);
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
int write_state(struct fstore *fs, struct fapp *a, struct state *st, int sync)
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

struct meta_slot *meta_find(struct state *st, const char *key)
{
	for (uint32_t i = 0; i < st->meta_n; i++)
		if (strcmp(st->meta[i].key, key) == 0)
			return &st->meta[i];
	return NULL;
}
