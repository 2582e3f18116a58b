/*
 * The file store's compaction: the log rewritten with its live records
 * alone.
 * The on-disk format and the rules of recovery: file.h.
 */
#include "file.h"

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
	if (pread_full(a->log, b, r.len, off) != (ssize_t)r.len) {
		free(b);
		return sys_fail(fs, a->name, "compacting log");
	}
	/* In the new log the record is a run of its own: its commit was
	 * acknowledged long ago, and its neighbours there are others. */
	if (get_u32(b) != REC_MAGIC || b[11] != 0) {
		if (get_u32(b + 4) != crc32c(0, b + 8, r.len - 8)) {
			free(b);
			return damaged(fs, a, "the record at byte %llu of log.%llu changed while read",
				       (unsigned long long)off, (unsigned long long)a->log_gen);
		}
		put_u32(b, REC_MAGIC);
		b[11] = 0;
		put_u32(b + 4, crc32c(0, b + 8, r.len - 8));
	}
	if (pwrite_full(logfd, b, r.len, *end) != 0)
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
int compact_log(struct fstore *fs, struct fapp *a)
{
	struct state st = a->st;
	uint64_t gen_log = next_gen(st.log_gen), gen_idx = next_gen(st.idx_gen), end = LOG_HDR;
	int logfd = -1, idx[SEQ_KINDS] = {-1, -1, -1}, rc, state_tried = 0;

	/* Pending runs (group commit) are in no index: they would be lost. */
	if (file_size(a->log) != st.indexed_len)
		return 0;
	rc = create_gen_file(fs, a, "log", gen_log, "LRLOG001", 0, 0, &logfd);
	for (int w = 0; w < SEQ_KINDS && rc == 0; w++)
		rc = create_gen_file(fs, a, idx_names[w], gen_idx, "LRIDX001", 0, 0, &idx[w]);
	if (rc != 0)
		goto out;
	for (uint32_t i = 0; i < st.meta_n && rc == 0; i++)
		rc = copy_rec(fs, a, logfd, &end, a->st.meta[i].off, RELEASE_KIND_META,
			      a->st.meta[i].key, 0, &st.meta[i].off);
	for (int w = 0; w < SEQ_KINDS && rc == 0; w++) {
		int kind = index_kind(w);
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
	for (int w = 0; w < SEQ_KINDS && rc == 0; w++)
		if (fsync_retry(idx[w]) != 0)
			rc = sys_fail(fs, a->name, "syncing compacted files");
	if (rc == 0 && (fsync_retry(logfd) != 0 || fsync_retry(a->keys) != 0 ||
			fsync_retry(a->dir) != 0))
		rc = sys_fail(fs, a->name, "syncing compacted files");
	if (rc == 0) {
		st.log_gen = gen_log;
		st.idx_gen = gen_idx;
		st.indexed_len = st.synced_len = end;
		st.durable_len = 0; /* a length of the old log */
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
		logfd = -1;
		for (int w = 0; w < SEQ_KINDS; w++) {
			a->idx[w] = idx[w];
			idx[w] = -1;
		}
		a->log_gen = gen_log;
		a->idx_gen = gen_idx;
		a->keys_gen = 0;
		rc = open_generation(fs, a, &a->st);
		unlink_gen(a, "log", old_log);
		for (int w = 0; w < SEQ_KINDS; w++)
			unlink_gen(a, idx_names[w], old_idx);
		/* The key index still holds the deleted keys' tombstones. */
		return rc ? rc : rebuild_keys(fs, a);
	}
out:
	close_fd(&logfd);
	for (int w = 0; w < SEQ_KINDS; w++)
		close_fd(&idx[w]);
	if (state_tried) {
		/* The state naming the new files may have reached the file but
		 * not the disk: a writer taking it up would append to a log that
		 * a power loss takes the state back from, and the records it
		 * acknowledged would be lost. The old state is made durable
		 * again; after that the new files are nobody's. */
		char msg[sizeof fs->errmsg];

		memcpy(msg, fs->errmsg, sizeof msg);
		state_tried = write_state(fs, a, &a->st, 1) != 0;
		memcpy(fs->errmsg, msg, sizeof msg);
	}
	if (!state_tried) { /* else the state on disk may name them already */
		unlink_gen(a, "log", gen_log);
		for (int w = 0; w < SEQ_KINDS; w++)
			unlink_gen(a, idx_names[w], gen_idx);
	}
	return rc;
}
