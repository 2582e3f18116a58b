/*
 * The file store's indexes: the seq indexes (seq -> record) and the hash
 * index of keys ((kind, key) -> seq).
 * The on-disk format and the rules of recovery: file.h.
 */
#include "file.h"

uint32_t ent_crc(const unsigned char *e, uint64_t seq)
{
	unsigned char s[8];

	put_u64(s, seq);
	return crc32c(crc32c(0, e, 20), s, 8);
}

const char *const idx_names[SEQ_KINDS] = {"bld", "rel", "dep"};

/* FS_DAMAGED when the generation has no seq index for kind (one made
 * before 1.4 has no dep file): a rebuild of the indexes makes one, before
 * a record of the kind is written. */
int need_index(struct fstore *fs, struct fapp *a, int kind)
{
	if (a->idx[seq_index(kind)] >= 0)
		return 0;
	return damaged(fs, a, "%s.%llu is missing (its generation was made before it)",
		       idx_names[seq_index(kind)], (unsigned long long)a->idx_gen);
}

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
int read_ent(struct fstore *fs, struct fapp *a, int which, uint64_t seq, struct ent *e)
{
	unsigned char b[IDX_ENT];
	ssize_t n;
	int below = seq <= a->st.top[which];

	memset(e, 0, sizeof *e);
	/* No index file: no records of the kind (the state's top is 0). */
	if (a->idx[which] < 0 && !below)
		return 0;
	for (int attempt = 0; attempt < RETRIES && a->idx[which] >= 0; attempt++) {
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

int write_ent_fd(struct fstore *fs, struct fapp *a, int fd, uint64_t seq,
		 const struct ent *e)
{
	unsigned char b[IDX_ENT];

	encode_ent(b, seq, e);
	if (pwrite_full(fd, b, sizeof b, IDX_HDR + (seq - 1) * IDX_ENT) != 0)
		return sys_fail(fs, a->name, "writing index");
	return 0;
}

int write_ent(struct fstore *fs, struct fapp *a, int which, uint64_t seq, const struct ent *e)
{
	return write_ent_fd(fs, a, a->idx[which], seq, e);
}

/* Marks seqs [from, to] as holding no record, in blocks. */
int write_absent(struct fstore *fs, struct fapp *a, int fd, uint64_t from, uint64_t to)
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

uint64_t max_seq(struct fapp *a, int which)
{
	return a->st.top[which];
}

/* A log shorter than the state says was acknowledged lost records: that is
 * reported, never carried on from (a write would land after the hole).
 * Index files shorter than the state says are rebuilt: what they lost must
 * not read as "no such record" (a writer would reuse its seq). */
int check_sizes(struct fstore *fs, struct fapp *a)
{
	uint64_t log = file_size(a->log);

	if (log < acked_len(&a->st))
		return failf(fs, RELEASE_ECORRUPT,
			     "app '%s': log.%llu ends at byte %llu, but %llu bytes were acknowledged",
			     a->name, (unsigned long long)a->log_gen, (unsigned long long)log,
			     (unsigned long long)acked_len(&a->st));
	for (int w = 0; w < SEQ_KINDS; w++)
		if ((a->idx[w] >= 0 || a->st.top[w]) &&
		    file_size(a->idx[w]) < IDX_HDR + a->st.top[w] * IDX_ENT)
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
void encode_slot(unsigned char *b, uint64_t tag, uint64_t val)
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

#define SLOT_BLOCK 16 /* key slots read at once along a probe path */

/*
 * Looks (kind, key) up. *seq = 0 when absent. *slot gets the key's slot, or
 * the first free one on its probe path (for inserting). With rec, a key
 * found hands over its record too (read to confirm the key; the caller
 * frees it).
 */
int key_find(struct fstore *fs, struct fapp *a, int kind, const char *key, uint64_t *seq,
	     uint64_t *slot, struct rec *rec)
{
	uint64_t h = key_hash(kind, key), mask = a->st.keys_cap - 1, i = h & mask;
	uint64_t free_slot = UINT64_MAX, base = 0;
	unsigned char b[SLOT_BLOCK * KEY_SLOT];
	size_t have = 0;
	int which = seq_index(kind);

	*seq = 0;
	for (uint64_t probes = 0; probes <= mask; probes++, i = (i + 1) & mask) {
		uint64_t tag = 0, val = 0, s;
		struct ent e;
		int rc;

		/* Slots along the path are read a block at a time; one that
		 * fails its check there is read again on its own (a writer may
		 * be midway through it). */
		if (i < base || i >= base + have) {
			size_t want = mask + 1 - i < SLOT_BLOCK ? (size_t)(mask + 1 - i) : SLOT_BLOCK;
			ssize_t n = pread_full(a->keys, b, want * KEY_SLOT, IDX_HDR + i * KEY_SLOT);

			if (n < 0)
				return sys_fail(fs, a->name, "reading key index");
			base = i;
			have = (size_t)n / KEY_SLOT;
		}
		if (i < base + have && get_u32(b + (i - base) * KEY_SLOT + 16) ==
					       slot_crc(b + (i - base) * KEY_SLOT)) {
			tag = get_u64(b + (i - base) * KEY_SLOT);
			val = get_u64(b + (i - base) * KEY_SLOT + 8);
		} else if ((rc = read_slot(fs, a, i, &tag, &val)) != 0) {
			return rc;
		}
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

			/* In a replay the record is most often the one being
			 * applied, in the replay's window. */
			if ((rc = read_rec_in(fs, a, fs->lend, e.off, e.len, &r, NULL)) ==
			    RELEASE_ECORRUPT) {
				fs->damage = 1;
				return FS_DAMAGED; /* read_rec's message names the record */
			}
			if (rc != 0)
				return rc;
			if (strcmp(r.key, key) == 0 && r.seq == s && r.kind == kind) {
				*seq = s;
				*slot = i;
				if (rec)
					*rec = r;
				else
					rec_free(&r);
				return 0;
			}
			rec_free(&r);
			if (strcmp(r.key, key) == 0)
				return damaged(fs, a, "keys.%llu slot %llu names a record of another kind or seq",
					       (unsigned long long)a->keys_gen, (unsigned long long)i);
		}
	}
	*slot = free_slot;
	return 0;
}

int key_lookup(struct fstore *fs, struct fapp *a, int kind, const char *key, uint64_t *seq,
	       uint64_t *slot)
{
	return key_find(fs, a, kind, key, seq, slot, NULL);
}

/* Rebuilds the key index for the live keys, with room to double, as a new
 * generation: when it fills up, and after compaction removed keys. */
int rebuild_keys(struct fstore *fs, struct fapp *a)
{
	uint64_t live = 0, cap = KEYS_MIN_CAP, gen = next_gen(a->st.keys_gen);
	char name[48];
	int fd = -1, rc = 0, state_tried = 0;

	for (int w = 0; w < SEQ_KINDS && rc == 0; w++) {
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
	for (int w = 0; w < SEQ_KINDS && rc == 0; w++) {
		int kind = index_kind(w);
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
		for (int w = 0; w < SEQ_KINDS && rc == 0; w++)
			if (a->idx[w] >= 0 && fsync_retry(a->idx[w]) != 0)
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

int key_insert(struct fstore *fs, struct fapp *a, int kind, const char *key, uint64_t seq)
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

int key_remove(struct fstore *fs, struct fapp *a, int kind, const char *key)
{
	uint64_t found, slot;
	int rc = key_lookup(fs, a, kind, key, &found, &slot);

	if (rc != 0 || !found)
		return rc;
	return write_slot(fs, a, a->keys, slot, 1, 0);
}
