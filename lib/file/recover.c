/*
 * The file store's recovery: the indexes brought up to date with the log
 * (replay), and rebuilt from it when damaged (reindex).
 * The on-disk format and the rules of recovery: file.h.
 */
#include "file.h"

/* How much of the log was acknowledged: every byte below it is a record
 * that must be there. */
uint64_t acked_len(const struct state *st)
{
	return st->durable_len > st->indexed_len ? st->durable_len : st->indexed_len;
}

/* Counts the bytes that r makes dead (the record it replaces, and a
 * deletion's own) for compaction: never more than the log before it holds. */
static void add_dead(struct state *st, const struct rec *r, uint64_t bytes)
{
	uint64_t most = r->off + r->len - LOG_HDR;

	st->dead = st->dead + bytes > most ? most : st->dead + bytes;
}

static int gap_disowns(struct fstore *fs, struct fapp *a, int which, uint64_t from, uint64_t to,
		       uint64_t before);

/* Brings the indexes up to date with one record of the log. Idempotent. */
int apply_rec(struct fstore *fs, struct fapp *a, const struct rec *r)
{
	struct state *st = &a->st;

	if (r->kind == RELEASE_KIND_META) {
		struct meta_slot *m = meta_find(st, r->key);

		if (r->op == OP_DELETE) {
			if (m) {
				add_dead(st, r, m->off != r->off ? m->len + r->len : 0);
				*m = st->meta[--st->meta_n];
			}
			return 0;
		}
		if (m && m->off != r->off)
			add_dead(st, r, m->len);
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
		int which = seq_index(r->kind);
		struct ent e = {r->off, key_hash(r->kind, r->key), r->len};
		int rc;

		uint64_t base = a->st.top[which] > a->known_top[which] ? a->st.top[which] :
									     a->known_top[which];

		if ((rc = need_index(fs, a, r->kind)) != 0)
			return rc;

		if (r->seq > base + SEQ_GAP_MAX)
			return failf(fs, RELEASE_ECORRUPT,
				     "app '%s': record at byte %llu of log.%llu has seq %llu, far past %llu",
				     a->name, (unsigned long long)r->off, (unsigned long long)a->log_gen,
				     (unsigned long long)r->seq, (unsigned long long)base);
		/* Every seq up to the top has an entry, so that a zeroed one is
		 * seen as damage: a put past the top marks the gap as empty,
		 * unless an entry there names a record earlier in the log,
		 * which says the top is wrong (a forged state): marking it
		 * empty would lose that record. */
		if (r->seq > a->st.top[which] + 1 &&
		    ((rc = gap_disowns(fs, a, which, a->st.top[which] + 1, r->seq - 1, r->off)) != 0 ||
		     (rc = write_absent(fs, a, a->idx[which], a->st.top[which] + 1, r->seq - 1)) != 0))
			return rc;
		if (r->seq <= a->st.top[which]) {
			/* The entry replaced, for the count of dead bytes only: one
			 * that fails its check (a torn write the replay repairs)
			 * counts nothing. */
			unsigned char b[IDX_ENT];
			uint64_t old;

			if (pread_full(a->idx[which], b, sizeof b, IDX_HDR + (r->seq - 1) * IDX_ENT) ==
				    IDX_ENT &&
			    get_u32(b + 20) == ent_crc(b, r->seq) && (old = get_u64(b)) != 0 &&
			    old != r->off)
				add_dead(st, r, get_u32(b + 16) + (r->op == OP_DELETE ? r->len : 0));
		}
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

/* FS_DAMAGED when an entry of seqs [from, to], all past the state's top,
 * names a record before byte before of the log: every record before the
 * one being applied was applied already, so its seq is at or below a true
 * top. (A dead writer's entries past the top name records after it.) */
static int gap_disowns(struct fstore *fs, struct fapp *a, int which, uint64_t from, uint64_t to,
		       uint64_t before)
{
	unsigned char b[IDX_ENT * 256];

	while (from <= to) {
		uint64_t n = to - from + 1 < 256 ? to - from + 1 : 256;
		ssize_t got = pread_full(a->idx[which], b, (size_t)n * IDX_ENT,
					 IDX_HDR + (from - 1) * IDX_ENT);

		if (got < 0)
			return sys_fail(fs, a->name, "reading index");
		for (uint64_t i = 0; i < (uint64_t)got / IDX_ENT; i++) {
			const unsigned char *e = b + i * IDX_ENT;
			uint64_t off = get_u64(e);

			if (get_u32(e + 20) == ent_crc(e, from + i) && off && off < before)
				return damaged(fs, a, "%s.%llu entry %llu names byte %llu of the log, "
					       "past the state's top %llu", idx_names[which],
					       (unsigned long long)a->idx_gen,
					       (unsigned long long)(from + i), (unsigned long long)off,
					       (unsigned long long)a->st.top[which]);
		}
		if ((uint64_t)got < n * IDX_ENT)
			break;
		from += n;
	}
	return 0;
}

/* 1 when an intact record (of any run) starts anywhere in the log after
 * off. */
static int intact_after(struct fstore *fs, struct fapp *a, uint64_t off, uint64_t end)
{
	unsigned char b[16384];

	for (uint64_t base = off + 1; base + REC_HDR <= end;) {
		ssize_t n = pread_full(a->log, b, sizeof b, base);
		/* A candidate wholly in the block is checked there, without
		 * another read; only one reaching past it is read alone. */
		struct window w = {b, sizeof b, n > 0 ? (size_t)n : 0, base};

		if (n < 4)
			return 0;
		for (ssize_t i = 0; i + 4 <= n; i++) {
			struct rec r;
			int torn;

			if (get_u32(b + i) != REC_MAGIC && get_u32(b + i) != REC_CONT)
				continue;
			if (base + (uint64_t)i + REC_HDR > end)
				return 0;
			if (read_rec_in(fs, a, &w, base + (uint64_t)i, 0, &r, &torn) == 0) {
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
	for (int w = 0; w < SEQ_KINDS; w++) {
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

/*
 * Checks the run of records that starts at off (log.c: a commit's records,
 * or a single write's one): *next gets where it ends. RELEASE_ECORRUPT when
 * a record of it fails, is out of place, or is missing at the end of the
 * log; *bad is where.
 */
static int check_run(struct fstore *fs, struct fapp *a, struct window *w, uint64_t off,
		     uint64_t end, uint64_t *next, uint64_t *bad)
{
	uint64_t p = off;

	for (size_t n = 0;; n++) {
		struct rec r;
		int rc, more, first;

		*bad = p;
		if (p >= end)
			return failf(fs, RELEASE_ECORRUPT,
				     "app '%s': log.%llu ends inside the commit at byte %llu",
				     a->name, (unsigned long long)a->log_gen, (unsigned long long)off);
		if ((rc = read_rec_seq(fs, a, w, p, &r, NULL)) != 0)
			return rc;
		first = r.first;
		more = r.more;
		rec_free(&r);
		if (first != (n == 0) || n == RELEASE_COMMIT_MAX)
			return failf(fs, RELEASE_ECORRUPT,
				     "app '%s': the record at byte %llu of log.%llu is out of place in "
				     "the commit at byte %llu", a->name, (unsigned long long)p,
				     (unsigned long long)a->log_gen, (unsigned long long)off);
		p += r.len;
		if (!more) {
			*next = p;
			return 0;
		}
	}
}

/* Applies the records of the checked run [off, next). */
static int apply_run(struct fstore *fs, struct fapp *a, struct window *w, uint64_t off,
		     uint64_t next)
{
	while (off < next) {
		struct rec r;
		int rc = read_rec_seq(fs, a, w, off, &r, NULL);

		if (rc != 0)
			return rc;
		rc = apply_rec(fs, a, &r);
		off += r.len;
		rec_free(&r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int replay_runs(struct fstore *fs, struct fapp *a, struct window *w, uint64_t off,
		       uint64_t end, uint64_t acked, int apply, uint64_t limit, uint64_t *reached);

/* Replays the log from off, a run at a time: with apply, the runs that end
 * by limit (every one, when limit is UINT64_MAX) are applied to the indexes
 * and indexed_len moves past them; without, the runs are only checked (the
 * pending ones). Either way a torn run at the end is cut off whole. */
static int replay_log(struct fstore *fs, struct fapp *a, uint64_t off, int apply, uint64_t limit,
		      uint64_t *reached)
{
	uint64_t end = file_size(a->log), acked = acked_len(&a->st);
	struct window w = {0};
	int rc;

	fs->lend = &w;
	rc = replay_runs(fs, a, &w, off, end, acked, apply, limit, reached);
	fs->lend = NULL;
	window_free(&w);
	return rc;
}

/* replay_log(), reading the log through w. */
static int replay_runs(struct fstore *fs, struct fapp *a, struct window *w, uint64_t off,
		       uint64_t end, uint64_t acked, int apply, uint64_t limit, uint64_t *reached)
{
	int rc = 0;

	if (end < acked)
		return check_sizes(fs, a); /* names the lost bytes */
	while (off < end) {
		struct rec r;
		uint64_t next = 0, bad = off;

		/* A single write's run, as every record of version 1 was. */
		rc = read_rec_seq(fs, a, w, off, &r, NULL);
		if (rc == 0 && r.first && !r.more) {
			if (off + r.len > limit) {
				rec_free(&r);
				break;
			}
			rc = apply ? apply_rec(fs, a, &r) : 0;
			off += r.len;
			rec_free(&r);
			if (rc != 0)
				return rc;
			continue;
		}
		if (rc == 0) {
			rec_free(&r);
			rc = check_run(fs, a, w, off, end, &next, &bad);
		}
		if (rc == RELEASE_ECORRUPT) {
			char msg[sizeof fs->errmsg];

			strcpy(msg, fs->errmsg);
			/* Below acked every run was acknowledged: damage
			 * there is corruption, never a torn append. So is a tail
			 * the index knows of (entries are written only after the
			 * run is synced), which a damaged state copy may hide, and
			 * one with an intact record after the damaged one, even of
			 * the same run: a run synced whole and damaged later is
			 * reported, never cut off. */
			if (off < acked || intact_after(fs, a, bad, end) || indexed_past(fs, a, off)) {
				strcpy(fs->errmsg, msg);
				return RELEASE_ECORRUPT;
			}
			/* An append that never completed: it was never
			 * acknowledged. Everything before it is applied (with
			 * apply), so the state published with the cut is whole.
			 * A rebuild, whose state is not published yet, leaves
			 * it: past its indexed_len, the next recovery cuts it. */
			if (apply)
				a->st.indexed_len = off;
			if (!a->rebuilding && (rc = cut_log(fs, a, off)) != 0)
				return rc;
			break;
		}
		if (rc != 0)
			return rc;
		if (next > limit)
			break;
		if (apply && (rc = apply_run(fs, a, w, off, next)) != 0)
			return rc;
		off = next;
	}
	if (apply)
		a->st.indexed_len = off;
	if (reached)
		*reached = off;
	return 0;
}

static int replay(struct fstore *fs, struct fapp *a, uint64_t off, int apply, uint64_t limit)
{
	int rc;

	a->replaying = 1;
	rc = replay_log(fs, a, off, apply, limit, NULL);
	a->replaying = 0;
	return rc;
}

/* Records of builds and releases in the log between off and limit that are
 * not deletions: at most the keys applying them adds. */
static int count_indexed(struct fstore *fs, struct fapp *a, uint64_t off, uint64_t limit,
			 uint64_t *n)
{
	*n = 0;
	while (off < limit) {
		unsigned char h[REC_HDR];

		if (pread_full(a->log, h, sizeof h, off) != REC_HDR)
			return sys_fail(fs, a->name, "reading log");
		*n += ordered(h[9]) && h[8] != OP_DELETE;
		off += REC_HDR + h[10] + (uint64_t)get_u32(h + 12);
	}
	return 0;
}

/* Applies the runs past indexed_len that end by limit (a length of the log
 * a group's fdatasync covered): under the append lock, recovered. The key
 * index is grown first if they could fill it, never in the middle of a run:
 * growing it publishes the state. */
int apply_upto(struct fstore *fs, struct fapp *a, uint64_t limit)
{
	uint64_t n;
	int rc;

	if (limit > file_size(a->log))
		limit = file_size(a->log);
	if (limit <= a->st.indexed_len)
		return 0;
	if ((rc = count_indexed(fs, a, a->st.indexed_len, limit, &n)) != 0)
		return rc;
	if ((a->st.keys_used + n) * 4 > a->st.keys_cap * 3 && (rc = rebuild_keys(fs, a)) != 0)
		return rc;
	return replay(fs, a, a->st.indexed_len, 1, limit);
}

/* Makes the indexes durable up to the log's length. */
int checkpoint_app(struct fstore *fs, struct fapp *a)
{
	for (int w = 0; w < SEQ_KINDS; w++)
		if (a->idx[w] >= 0 && fsync_retry(a->idx[w]) != 0)
			return sys_fail(fs, a->name, "syncing indexes");
	if (fsync_retry(a->keys) != 0)
		return sys_fail(fs, a->name, "syncing indexes");
	a->st.synced_len = a->st.indexed_len;
	memcpy(a->st.boot_id, fs->boot_id, sizeof a->st.boot_id);
	return write_state(fs, a, &a->st, 1);
}

/* Bytes of the log that live records take: for compaction's accounting. */
static int live_bytes(struct fstore *fs, struct fapp *a, uint64_t *live)
{
	*live = 0;
	for (uint32_t i = 0; i < a->st.meta_n; i++)
		*live += a->st.meta[i].len;
	for (int w = 0; w < SEQ_KINDS; w++)
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
	for (int w = 0; w < SEQ_KINDS; w++) {
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
int reindex(struct fstore *fs, struct fapp *a)
{
	int synced = sync_pending(fs, a); /* the rebuild applies the whole log */
	struct state old = a->st;
	/* [0, SEQ_KINDS): the seq indexes; [SEQ_KINDS]: the key index */
	int saved[SEQ_KINDS + 1], fds[SEQ_KINDS + 1], rc = 0;
	uint64_t saved_gens[2] = {a->idx_gen, a->keys_gen};
	uint64_t gen_idx = next_gen(old.idx_gen), gen_keys = next_gen(old.keys_gen);
	uint64_t end = file_size(a->log), puts = 0, cap = KEYS_MIN_CAP, live;
	int state_tried = 0;

	if (synced != 0)
		return synced;
	if (end < acked_len(&old))
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
	for (int i = 0; i < SEQ_KINDS; i++) {
		saved[i] = a->idx[i];
		fds[i] = -1;
	}
	saved[SEQ_KINDS] = a->keys;
	fds[SEQ_KINDS] = -1;
	for (int w = 0; w < SEQ_KINDS && rc == 0; w++)
		rc = make_gen_file(fs, a, idx_names[w], gen_idx, "LRIDX001", 0, 0, 0, &fds[w]);
	if (rc != 0 ||
	    (rc = make_gen_file(fs, a, "keys", gen_keys, "LRKEY001", cap, 0, 0, &fds[SEQ_KINDS])) != 0)
		goto fail;
	for (int w = 0; w < SEQ_KINDS; w++) {
		a->idx[w] = fds[w];
		a->st.top[w] = 0;
		/* A compacted log may start far above seq 1. */
		a->known_top[w] = old.top[w];
	}
	a->keys = fds[SEQ_KINDS];
	a->idx_gen = a->st.idx_gen = gen_idx;
	a->keys_gen = a->st.keys_gen = gen_keys;
	a->st.meta_n = 0;
	a->st.keys_cap = cap;
	a->st.keys_used = 0;
	a->rebuilding = 1;
	rc = replay(fs, a, LOG_HDR, 1, UINT64_MAX);
	a->rebuilding = 0;
	memset(a->known_top, 0, sizeof a->known_top);
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
	for (int i = 0; i <= SEQ_KINDS; i++)
		close_fd(&saved[i]);
	for (int w = 0; w < SEQ_KINDS; w++)
		unlink_gen(a, idx_names[w], old.idx_gen);
	unlink_gen(a, "keys", old.keys_gen);
	return 0;
fail:
	for (int i = 0; i <= SEQ_KINDS; i++)
		close_fd(&fds[i]);
	if (!state_tried) { /* else the state on disk may name them already */
		for (int w = 0; w < SEQ_KINDS; w++)
			unlink_gen(a, idx_names[w], gen_idx);
		unlink_gen(a, "keys", gen_keys);
	}
	for (int w = 0; w < SEQ_KINDS; w++)
		a->idx[w] = saved[w];
	a->keys = saved[SEQ_KINDS];
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
int check_top(struct fstore *fs, struct fapp *a)
{
	for (int w = 0; w < SEQ_KINDS; w++)
		if (a->idx[w] >= 0 && file_size(a->idx[w]) > IDX_HDR + a->st.top[w] * IDX_ENT)
			return damaged(fs, a, "%s.%llu holds entries past the state's top %llu",
				       idx_names[w], (unsigned long long)a->idx_gen,
				       (unsigned long long)a->st.top[w]);
	return 0;
}

/* Brings an opened generation up to date with the log: the runs past
 * indexed_len synced and applied, or with keep_pending only checked. */
static int settle(struct fstore *fs, struct fapp *a, int keep_pending)
{
	int rc;

	if (file_size(a->log) < acked_len(&a->st))
		return check_sizes(fs, a);
	if (strcmp(a->st.boot_id, fs->boot_id) != 0) {
		/* Index writes since the last checkpoint may have died with the
		 * page cache: replaying since then rewrites them, up to what
		 * was acknowledged. Pending runs past it are left to a sync, as
		 * always: a boot id may change without a reboot (one made up
		 * where the system gives none), with their writers alive. */
		if ((rc = replay(fs, a, a->st.synced_len, 1, acked_len(&a->st))) != 0)
			return rc;
		/* After a reboot, whole runs past it may include one that was
		 * acknowledged after the state's last write that reached the
		 * disk: synced now (the boot id may also have changed without a
		 * reboot, their writers alive), they are recorded as durable,
		 * so that no cut takes them. */
		if (strncmp(a->st.boot_id, MADE_UP_BOOT_ID, strlen(MADE_UP_BOOT_ID)) != 0 &&
		    !made_up_boot_id(fs) && fdatasync_retry(a->log) == 0)
			a->st.durable_len = whole_runs(a, acked_len(&a->st), file_size(a->log));
		if ((rc = checkpoint_app(fs, a)) != 0)
			return rc;
	}
	if ((rc = check_sizes(fs, a)) != 0)
		return rc;
	if (file_size(a->log) != a->st.indexed_len) {
		if (keep_pending)
			rc = replay(fs, a, a->st.indexed_len, 0, UINT64_MAX);
		else if ((rc = sync_pending(fs, a)) == 0 &&
			 (rc = replay(fs, a, a->st.indexed_len, 1, UINT64_MAX)) == 0)
			rc = write_state(fs, a, &a->st, 0);
		if (rc != 0)
			return rc;
	}
	return check_top(fs, a);
}

static int recover(struct fstore *fs, struct fapp *a, int force, int keep_pending)
{
	int rc = read_state(fs, a, &a->st);

	if (rc == 0)
		return init_app(fs, a);
	if (rc < 0)
		return rc;
	rc = open_generation(fs, a, &a->st);
	if (rc == 0 && !force)
		rc = settle(fs, a, keep_pending);
	if ((rc == FS_DAMAGED || (rc == 0 && force)) && a->log >= 0 && a->log_gen == a->st.log_gen)
		rc = reindex(fs, a);
	return rc;
}

/* Under the append lock: the state read fresh, the indexes brought up to
 * date after a crash or a reboot, and rebuilt from the log when damaged (or
 * when the caller found them so: force). Pending runs are synced and
 * applied. */
int recover_app(struct fstore *fs, struct fapp *a, int force)
{
	return recover(fs, a, force, 0);
}

/* As recover_app(), but pending runs stay pending (checked, a torn one at
 * the end cut off): for a commit, which plans on top of them, and a leader,
 * which applies what its sync covered. */
int recover_pending(struct fstore *fs, struct fapp *a)
{
	return recover(fs, a, 0, 1);
}

/* What a vtable method returns: FS_DAMAGED stays inside (its message is
 * already in fs->errmsg). */
int public_rc(int rc)
{
	return rc == FS_DAMAGED ? RELEASE_ECORRUPT : rc;
}

/* Whether a read's result means it found damage (and not that its record
 * callback happened to return the same value). */
int found_damage(struct fstore *fs, int rc)
{
	return rc == FS_DAMAGED && fs->damage;
}
