/*
 * The file store's group commit: commits append their runs under the
 * append lock and share the fdatasync that makes them durable, led by
 * whichever of them takes the sync lock first. The protocol, and what a
 * failed sync does: file.h.
 */
#include "file.h"

#include <time.h>

#define SYNC_BYTE 1    /* the byte of the lock file the sync lock takes */
#define PENDING_BYTE 2 /* ... and the one writers with a run pending share */

static int byte_lock(struct fstore *fs, struct fapp *a, off_t byte, short type, int wait)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1};

	while (fcntl(a->lock, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl) != 0) {
		if (!wait && (errno == EAGAIN || errno == EACCES))
			return 0;
		if (errno != EINTR)
			return sys_fail(fs, a->name, "locking for a sync");
	}
	return 1;
}

static int sync_lock_op(struct fstore *fs, struct fapp *a, short type, int wait)
{
	return byte_lock(fs, a, SYNC_BYTE, type, wait);
}

/* A commit shares the pending lock from before its run is appended until
 * it is durable (on: 0 or an error; off: always 0). */
int mark_pending(struct fstore *fs, struct fapp *a, int on)
{
	int rc = byte_lock(fs, a, PENDING_BYTE, on ? F_RDLCK : F_UNLCK, 1);

	return rc < 0 ? rc : 0;
}

/* Whether a writer that is alive has a run pending: 1, 0, or an error. A
 * reader leaves such runs to their writers' syncs. */
int pending_owned(struct fstore *fs, struct fapp *a)
{
	int rc = byte_lock(fs, a, PENDING_BYTE, F_WRLCK, 0);

	if (rc == 1)
		byte_lock(fs, a, PENDING_BYTE, F_UNLCK, 1);
	return rc < 0 ? rc : !rc;
}

/* Takes (F_WRLCK) or drops (F_UNLCK) the sync lock: 0 or an error. */
int lock_sync(struct fstore *fs, struct fapp *a, short type)
{
	int rc = sync_lock_op(fs, a, type, 1);

	return rc < 0 ? rc : 0;
}

/* Takes the sync lock if nobody holds it: 1 taken, 0 busy, or an error. */
int try_lock_sync(struct fstore *fs, struct fapp *a)
{
	return sync_lock_op(fs, a, F_WRLCK, 0);
}

/*
 * Under the append lock, with the state read: cuts the log at off (past
 * what was acknowledged), counting the cut in the state first, so that a
 * leader whose sync began before it never applies what is appended after
 * it, even if this process dies in the middle (an extra count only makes
 * waiting commits look again whether their runs are still there).
 */
int cut_log(struct fstore *fs, struct fapp *a, uint64_t off)
{
	int counted;

	a->st.cuts++;
	counted = write_state(fs, a, &a->st, 0);
	if (ftruncate(a->log, (off_t)off) != 0)
		return sys_fail(fs, a->name, "cutting the log");
	if (fdatasync_retry(a->log) != 0)
		return sys_fail(fs, a->name, "cutting the log");
	/* The cut is more pressing than its count: a count that could not be
	 * written before is written after. */
	return counted == 0 ? 0 : write_state(fs, a, &a->st, 0);
}

/* Under the append lock, with the state read: cuts the pending runs off
 * after a failed sync. None was acknowledged (a leader's sync that covered
 * some moved durable_len past them first), and the page cache may hold
 * pages of them the disk never got, which must not be read back as
 * written. The count of cuts tells their waiting commits. */
int cut_pending(struct fstore *fs, struct fapp *a)
{
	return cut_log(fs, a, acked_len(&a->st));
}

/* Under the append lock, with the state read: makes the pending runs
 * durable before a caller that needs the whole log applies them. */
int sync_pending(struct fstore *fs, struct fapp *a)
{
	int err;

	if (file_size(a->log) <= a->st.indexed_len || fdatasync_retry(a->log) == 0)
		return 0;
	err = errno;
	cut_pending(fs, a);
	errno = err;
	return sys_fail(fs, a->name, "syncing the log");
}

/* Checkpoint and compaction, when due, after the state is published: best
 * effort (the write they follow has succeeded). Under the append lock;
 * compaction only with nothing pending, whose runs it would lose. */
void after_write(struct fstore *fs, struct fapp *a)
{
	if (a->st.indexed_len - a->st.synced_len >= CHECKPOINT_BYTES)
		checkpoint_app(fs, a);
	if (file_size(a->log) == a->st.indexed_len && a->st.dead >= COMPACT_MIN &&
	    a->st.dead * 2 >= a->st.indexed_len &&
	    a->uncompactable_gen != a->st.log_gen) {
		int rc = compact_log(fs, a);

		if (rc == FS_DAMAGED && reindex(fs, a) == 0)
			rc = compact_log(fs, a); /* never from a damaged index */
		if (rc == RELEASE_ECORRUPT || rc == FS_DAMAGED)
			a->uncompactable_gen = a->st.log_gen;
	}
}

/* Whether the record at off (header h) passes the checks read_rec makes,
 * read in pieces: nothing is allocated. */
static int rec_intact(struct fapp *a, uint64_t off, const unsigned char *h)
{
	uint32_t keylen = h[10], datalen = get_u32(h + 12), crc = crc32c(0, h + 8, REC_HDR - 8);
	uint64_t seq = get_u64(h + 16), left = keylen + (uint64_t)datalen, at = off + REC_HDR;
	unsigned char b[4096];

	if (keylen < 1 || keylen > KEY_MAX || datalen > DATA_MAX || h[8] < OP_PUT ||
	    h[8] > OP_DELETE || !valid_kind(h[9]) || (h[11] & ~REC_MORE) != 0 ||
	    (ordered(h[9]) ? seq == 0 || seq >= SEQ_LIMIT : seq != 0))
		return 0;
	while (left > 0) {
		size_t n = left < sizeof b ? (size_t)left : sizeof b;

		if (pread_full(a->log, b, n, at) != (ssize_t)n)
			return 0;
		crc = crc32c(crc, b, n);
		at += n;
		left -= n;
	}
	return crc == get_u32(h + 4);
}

/*
 * Where the whole, intact runs from off that end by limit end. Nothing is
 * allocated: this runs past the commit point, where nothing may fail, and
 * what it finds is recorded as acknowledged, so it must be records.
 */
uint64_t whole_runs(struct fapp *a, uint64_t off, uint64_t limit)
{
	uint64_t end = off;

	for (size_t k = 0; off + REC_HDR <= limit; k++) {
		unsigned char h[REC_HDR];
		uint64_t next;

		if (pread_full(a->log, h, sizeof h, off) != REC_HDR ||
		    get_u32(h) != (k == 0 ? REC_MAGIC : REC_CONT) || k == RELEASE_COMMIT_MAX)
			break;
		next = off + REC_HDR + h[10] + get_u32(h + 12);
		if (next > limit || !rec_intact(a, off, h))
			break;
		off = next;
		if (h[11] & REC_MORE)
			continue;
		end = off; /* the run ends here; the next one starts */
		k = (size_t)-1;
	}
	return end;
}

/*
 * The leader's turn, under the sync lock: one fdatasync for every run
 * appended so far, then those of them it covered recorded as durable,
 * applied and published. gen is the log generation the waiting commit
 * appended to; *covered gets how far whole runs are durable now (0 when the sync
 * failed, or the log was cut meanwhile: what was synced may not be what is
 * there now). The sync is the commit point of the runs it covers: what
 * follows (recording durable_len, applying, publishing) is best effort, a
 * failure there the next call's to repair (it finds the runs pending, and
 * applies them), not this one's to report.
 */
static int lead(struct fstore *fs, struct fapp *a, uint64_t gen, uint64_t *covered, int *after)
{
	uint64_t size, cuts;
	struct state st;
	int rc, err = 0;

	*covered = 0;
	*after = 0;
	/* The log's length and the count of cuts, taken together under the
	 * append lock: a cut holds it from its count to its truncate, so no
	 * cut can fall between them. */
	if ((rc = lock_app(fs, a, F_WRLCK)) != 0)
		return rc;
	rc = read_state(fs, a, &st);
	size = file_size(a->log);
	unlock_app(fs, a);
	if (rc <= 0)
		return rc ? rc : failf(fs, RELEASE_EIO, "app '%s': the state vanished", a->name);
	cuts = st.cuts;
	if (st.log_gen != gen || a->log_gen != gen)
		return 0; /* compacted: the caller looks again */
	if (fdatasync_retry(a->log) != 0)
		err = errno ? errno : EIO;
	if ((rc = lock_app(fs, a, F_WRLCK)) != 0)
		return rc;
	if (err) {
		/* What the sync failed on is unknown: every pending run goes. */
		if (recover_pending(fs, a) == 0)
			cut_pending(fs, a);
		errno = err;
		rc = sys_fail(fs, a->name, "syncing the log");
	} else if ((rc = read_state(fs, a, &a->st)) > 0 && a->st.log_gen == gen &&
		   a->log_gen == gen && a->st.cuts == cuts) {
		uint64_t end = whole_runs(a, a->st.indexed_len, size);

		*covered = end;
		rc = 0;
		/* Recorded first, so that no later cut goes below them. */
		if (end > a->st.durable_len) {
			a->st.durable_len = end;
			write_state(fs, a, &a->st, 0);
		}
		/* The runs past end were appended during the sync. Damaged
		 * indexes are rebuilt from the log (which syncs and applies
		 * every pending run). */
		if ((*after = recover_pending(fs, a)) == 0) {
			*after = apply_upto(fs, a, end);
			if (*after == FS_DAMAGED)
				*after = reindex(fs, a);
			else if (*after == 0)
				*after = write_state(fs, a, &a->st, 0);
			if (*after == 0)
				after_write(fs, a);
		}
		*after = public_rc(*after);
	} else if (rc > 0) {
		rc = 0; /* cut or compacted meanwhile: nothing covered */
	}
	unlock_app(fs, a);
	return public_rc(rc);
}

/* A sync of the pending runs led by a reader, under the sync lock: for a
 * writer that died before its sync, or one about to wait for it. */
int flush_pending(struct fstore *fs, struct fapp *a)
{
	uint64_t covered;
	int after, rc;

	/* What keeps the runs from being applied (damage) is the read's to
	 * report. */
	rc = lead(fs, a, a->st.log_gen, &covered, &after);
	return rc ? rc : after;
}

/* Whether the run of t is still where its commit appended it (its first
 * record's magic and checksum). */
static int run_there(struct fapp *a, const struct ticket *t)
{
	unsigned char h[8];

	return pread_full(a->log, h, sizeof h, t->start) == (ssize_t)sizeof h &&
	       memcmp(h, t->head, sizeof h) == 0;
}

/* A look at the state for the commit of t: 0 when its run is applied,
 * RELEASE_EIO (or another error) when it is gone, 1 when it waits still.
 * *cuts follows the cuts that spared it. */
static int look(struct fstore *fs, struct fapp *a, const struct ticket *t, uint64_t *cuts,
		struct state *st)
{
	int rc = read_state(fs, a, st);

	if (rc <= 0)
		return rc ? rc : failf(fs, RELEASE_EIO, "app '%s': the state vanished", a->name);
	if (st->cuts != *cuts) {
		/* The log was cut since: past a torn run of a writer that died,
		 * or past what was acknowledged after a failed sync. A cut
		 * never splits a whole run, so the run is gone unless its first
		 * record is still where it was (for a commit that waits for the
		 * runs it checked, the last of them). */
		if (st->log_gen != t->gen || !t->start || !run_there(a, t) ||
		    file_size(a->log) < t->end)
			return failf(fs, RELEASE_EIO, "app '%s': the log could not be synced; the "
				     "commit was cut off%s", a->name,
				     st->log_gen == t->gen ? "" : " or compacted (read back to tell)");
		*cuts = st->cuts;
	}
	/* Compaction runs only with nothing pending: a log replaced since
	 * holds the run, applied. */
	return st->log_gen != t->gen || st->indexed_len >= t->end ? 0 : 1;
}

/* Waits between looks at the state while someone else leads a sync. */
static void pause_us(long us)
{
	struct timespec ts = {0, us * 1000};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * After a commit appended its run (t) and let the append lock go: returns
 * once the run is durable and applied, leading a sync when nobody else
 * is. While someone else leads, it looks at the state again after a short
 * pause (50 µs, growing to 1 ms) rather than queueing for the sync lock:
 * that lock is not fair, and a waiter whose run a leader covered must not
 * wait for its turn behind the leaders of newer runs. RELEASE_EIO when the
 * sync failed and the run was cut off, or when the run is durable but the
 * app's directory was deleted (or replaced) since the commit's begin(): it
 * is then in files nobody reads. A commit that conflicted with pending
 * runs, or only checked while runs were pending, waits for them the same
 * way, t naming the last of them.
 */
int wait_durable(struct fstore *fs, struct fapp *a, const struct ticket *t)
{
	uint64_t cuts = t->cuts;
	long pause = 50;
	int rc, after, leads = 0;

	for (int turn = 0;; turn++) {
		uint64_t covered;
		struct state st;

		/* Just appended, a commit's run cannot have been applied yet:
		 * its first turn tries to lead at once. */
		if ((turn > 0 || !t->fresh) && (rc = look(fs, a, t, &cuts, &st)) != 1)
			return rc ? rc : still_in_place(fs, a);
		if (leads == RETRIES)
			return failf(fs, RELEASE_EIO, "app '%s': the commit's run at byte %llu of "
				     "log.%llu was not applied after %d syncs", a->name,
				     (unsigned long long)t->start, (unsigned long long)t->gen, leads);
		if ((rc = try_lock_sync(fs, a)) < 0)
			return rc;
		if (rc == 0) {
			pause_us(pause);
			pause = pause < 1000 ? 2 * pause : 1000;
			continue;
		}
		leads++;
		rc = lead(fs, a, t->gen, &covered, &after);
		lock_sync(fs, a, F_UNLCK);
		/* Synced (the commit point): if it could not be applied, that
		 * is the next call's to do. */
		if (covered >= t->end)
			return still_in_place(fs, a);
		if (rc != 0)
			return rc;
	}
}
