/*
 * The file store's reads: without a lock, from the state last published
 * (checked at every call: one pread and one fstat while it is unchanged),
 * repairing the derived files when they are found damaged; and on a
 * read-only handle, without ever writing. At its end, wait(): sleeping
 * until what the reads would see changes. Writes and the vtable: ops.c.
 * The on-disk format and the rules of recovery: file.h.
 */
#include "file.h"

#include <poll.h>
#include <stdalign.h>
#include <sys/inotify.h>
#include <time.h>

/* Repairs an app whose derived files a read found damaged. When the log
 * itself is damaged the message says what the repair met there, then what
 * the read found. Damage in a directory deleted (by hand, perhaps made
 * again) since is no longer the app's: nothing is repaired, *moved is set
 * and the read starts over on the directory there now. */
static int repair(struct fstore *fs, const char *app, int *moved)
{
	char found[sizeof fs->errmsg];
	struct fapp *a;
	int rc = get_app(fs, app, 0, &a);

	*moved = 0;
	if (rc != 0 || !a)
		return rc;
	if (dir_replaced(fs, a)) {
		*moved = 1;
		return recheck_app(fs, &a, 0);
	}
	memcpy(found, fs->errmsg, sizeof found);
	if (store_readonly(fs))
		/* Nothing is rebuilt here; nor is a wrong answer given. */
		return failf(fs, RELEASE_EIO, "%s; the store is open read-only, so this read "
			     "needs a read-write open to repair the app first", found);
	if ((rc = lock_app(fs, a, F_WRLCK)) != 0)
		return rc;
	rc = recover_app(fs, a, 1);
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

/* Read-only: whether a writer holds a byte of the app's lock file
 * (appending, syncing, or with a run pending). F_OFD_GETLK needs no
 * descriptor open for writing. */
static int writer_alive(struct fapp *a)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 3};
	int rc;

	if (a->lock < 0)
		return 0; /* no writer ever opened the app */
	while ((rc = fcntl(a->lock, F_OFD_GETLK, &fl)) != 0 && errno == EINTR)
		;
	return rc == 0 && fl.l_type != F_UNLCK;
}

/*
 * Read-only: the records of the log [*from, *to) that a writer would apply
 * before reading, and a read-only handle cannot: after a reboot, those
 * since the last checkpoint (their index writes may have died with the
 * page cache) and whole runs past what the state says was acknowledged
 * (those may have been, by a state write that died); else those a leader
 * made durable but never applied, unless a writer is alive to (its call
 * has not returned: the published state is the answer until it has).
 * Runs past them were never acknowledged: the published state is right
 * without them. Empty ([x, x)) when the published state answers alone.
 */
static void ro_tail(struct fstore *fs, struct fapp *a, uint64_t *from, uint64_t *to)
{
	int reboot = strcmp(a->st.boot_id, fs->boot_id) != 0;

	*from = reboot ? a->st.synced_len : a->st.indexed_len;
	*to = acked_len(&a->st);
	if (reboot && !made_up_boot_id(fs) &&
	    strncmp(a->st.boot_id, MADE_UP_BOOT_ID, strlen(MADE_UP_BOOT_ID)) != 0)
		*to = whole_runs(a, *to, file_size(a->log));
	else if (!reboot && *to > *from && writer_alive(a))
		*to = *from;
}

/*
 * Starts a read on a read-only handle: the published state, read without a
 * lock or a write. Where a read-write handle would recover first (ro_tail),
 * the app is marked stuck, and a read that the records there could change
 * fails (tail_check) with RELEASE_EIO, saying a writer must recover the app,
 * rather than answer from indexes that may not show them. Damage to the
 * derived files cannot be repaired either (repair()).
 */
static int begin_read_ro(struct fstore *fs, struct fapp *a, struct fapp **out)
{
	int rc = recheck_app(fs, &a, 0);

	if (rc != 0 || !a)
		return rc;
	for (int attempt = 0; attempt < RETRIES; attempt++) {
		uint64_t from, to;

		if ((rc = read_state(fs, a, &a->st)) <= 0)
			return rc; /* 0: never written, nothing to read */
		if ((rc = open_generation(fs, a, &a->st)) != 0)
			continue; /* compaction replaced the files between our reads */
		if ((rc = check_sizes(fs, a)) != 0)
			return rc;
		ro_tail(fs, a, &from, &to);
		a->stuck = from < to ? RELEASE_EIO : 0;
		if (a->stuck)
			snprintf(a->stuck_msg, sizeof a->stuck_msg,
				 "app '%s': bytes %llu to %llu of log.%llu are not yet in its indexes "
				 "(%s), and the store is open read-only: a read-write open recovers "
				 "them", a->name, (unsigned long long)from, (unsigned long long)to,
				 (unsigned long long)a->st.log_gen,
				 from < a->st.indexed_len ? "a reboot since they were written"
							  : "their writer died");
		*out = a;
		return 0;
	}
	return rc;
}

/* The log's size, as file_size(); UINT64_MAX when it has been unlinked
 * (its app's directory deleted by hand), which no state's indexed_len is. */
static uint64_t linked_log_size(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return 0;
	return st.st_nlink ? (uint64_t)st.st_size : UINT64_MAX;
}

/* Starts a read: no lock, unless the indexes need a repair first. */
static int begin_read(struct fstore *fs, const char *app, struct fapp **out)
{
	struct fapp *a;
	int rc = get_app(fs, app, 0, &a), stuck = 0, flushed = 0, replayed = 0;

	*out = NULL;
	if (rc != 0 || !a)
		return rc;
	if (store_readonly(fs))
		return begin_read_ro(fs, a, out);
	/* The common case: nothing changed since the last read that found
	 * everything in order (the same state bytes, the same files, nothing
	 * past indexed_len): one read and one fstat. Every read checks, even
	 * the second of one call: index entries and key slots are rewritten
	 * in place (a deletion, a compare-and-swap), so a state held across
	 * reads would mix with them into no moment of the store, and a caller
	 * reading a record twice to see a change (release_get_active(): the
	 * active pointer around the release it names) must see it. */
	if ((rc = state_unchanged(fs, a)) < 0)
		return rc;
	if (rc && a->log_gen == a->seen_st.log_gen && a->idx_gen == a->seen_st.idx_gen &&
	    a->keys_gen == a->seen_st.keys_gen &&
	    linked_log_size(a->log) == a->seen_st.indexed_len) {
		a->st = a->seen_st;
		a->stuck = 0;
		*out = a;
		return 0;
	}
	/* Off the fast path (a change, or a log unlinked with its directory):
	 * the directory held open must still be the app's. */
	if ((rc = recheck_app(fs, &a, 0)) != 0 || !a)
		return rc;
	for (int attempt = 0; attempt < RETRIES; attempt++) {
		rc = read_state(fs, a, &a->st);
		if (rc == 0)
			return 0; /* never written: nothing to read */
		if (rc < 0)
			return rc;
		if (strcmp(a->st.boot_id, fs->boot_id) != 0) {
			/* The replay after a reboot (pending runs stay for the
			 * sync below, as their writers may be alive: a boot id
			 * made up where the system has none changes without
			 * one). */
			if ((rc = lock_app(fs, a, F_WRLCK)) != 0)
				return rc;
			rc = recover_pending(fs, a);
			unlock_app(fs, a);
			if (rc != 0)
				return rc;
			replayed = 1;
		}
		rc = open_generation(fs, a, &a->st);
		if (rc != 0)
			continue; /* compaction replaced the files between our reads */
		if ((rc = check_sizes(fs, a)) != 0)
			return rc;
		if (file_size(a->log) != a->st.indexed_len || check_top(fs, a) != 0) {
			/* A writer is midway, or died midway. A live one holds a
			 * lock (appending, or syncing its group), or is about to
			 * take the sync lock, and its call has not returned:
			 * reading the state last published is right. A dead one's
			 * record must be made visible (or cut off) now, not by the
			 * next writer, or readers would see history change behind
			 * them; so when no writer alive has a run pending and
			 * nobody is syncing, this read leads a sync of the pending
			 * runs itself, once. A write's own reads leave that to its
			 * commit. With no writer at all, the state is
			 * behind the files (damage), which the recovery repairs. */
			int pending = file_size(a->log) > a->st.indexed_len && check_top(fs, a) == 0;
			int got = stuck || (pending && (flushed || fs->see_pending)) ? 0 : 1;

			if (got && pending)
				got = pending_owned(fs, a) == 0;
			if (got)
				got = try_lock_sync(fs, a);
			if (got < 0)
				return got;
			if (got && !pending && (got = try_lock_app(fs, a)) <= 0)
				lock_sync(fs, a, F_UNLCK);
			if (got < 0)
				return got;
			if (got) {
				if (pending) {
					rc = flush_pending(fs, a);
					flushed = 1;
				} else {
					rc = recover_app(fs, a, 0);
					unlock_app(fs, a);
				}
				lock_sync(fs, a, F_UNLCK);
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
		if (!stuck && !flushed && !replayed && a->seen_fresh && a->log_gen &&
		    strcmp(a->st.boot_id, fs->boot_id) == 0 && file_size(a->log) == a->st.indexed_len) {
			a->seen_st = a->st;
			a->seen_ok = 1;
		}
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
	uint64_t off = a->st.indexed_len, end = a->stuck ? file_size(a->log) : 0;
	int ro = store_readonly(fs);

	if (ro && a->stuck)
		ro_tail(fs, a, &off, &end); /* records there must be: one unread is a hit */
	while (a->stuck && off < end) {
		struct rec r;
		int hit;

		if (read_rec(fs, a, off, &r, NULL) != 0) {
			if (!ro)
				break; /* past the acknowledged records */
			hit = 1;
		} else {
			hit = r.kind == kind && (key ? strcmp(r.key, key) == 0 : !seq || r.seq == seq);
			off += r.len;
			rec_free(&r);
		}
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
static int deliver_rec(struct fstore *fs, struct fapp *a, struct rec *r, int kind,
		       const char *key, uint64_t seq, release_record_fn fn, void *payload)
{
	int rc;

	if (r->kind != kind || strcmp(r->key, key ? key : r->key) != 0 || (seq && r->seq != seq) ||
	    r->op == OP_DELETE) {
		uint64_t off = r->off;

		rec_free(r);
		return damaged(fs, a, "the index points at the wrong record (byte %llu of log.%llu)",
			       (unsigned long long)off, (unsigned long long)a->log_gen);
	}
	rc = fn(payload, r->seq, r->key, r->data, r->datalen);
	rec_free(r);
	return rc;
}

static int deliver(struct fstore *fs, struct fapp *a, const struct window *w, uint64_t off,
		   uint32_t len, int kind, const char *key, uint64_t seq, release_record_fn fn,
		   void *payload)
{
	struct rec r;
	int rc = read_rec_in(fs, a, w, off, len, &r, NULL);

	if (rc == RELEASE_ECORRUPT) {
		fs->damage = 1;
		return FS_DAMAGED; /* with read_rec's message, which names the record */
	}
	if (rc != 0)
		return rc;
	return deliver_rec(fs, a, &r, kind, key, seq, fn, payload);
}

static int get_once(struct fstore *fs, const char *app, int kind, const char *key,
		    release_record_fn fn, void *payload)
{
	struct fapp *a;
	uint64_t seq, slot;
	struct rec r;
	int rc;

	if ((rc = begin_read(fs, app, &a)) != 0 || !a || !a->log_gen)
		return rc ? rc : RELEASE_ENOTFOUND;
	if ((rc = tail_check(fs, a, kind, key, 0)) != 0)
		return rc;
	if (fs->see_pending) {
		/* A pending record that moved meanwhile: read the state again. */
		for (int attempt = 0; (rc = pending_get(fs, a, kind, key, fn, payload)) ==
				      PENDING_MOVED && attempt < RETRIES; attempt++)
			if ((rc = begin_read(fs, app, &a)) != 0 || !a || !a->log_gen)
				return rc ? rc : RELEASE_ENOTFOUND;
		if (rc == PENDING_MOVED)
			return failf(fs, RELEASE_EIO, "app '%s': the log kept changing while read", app);
		if (rc != PENDING_NONE)
			return rc;
	}
	if (kind == RELEASE_KIND_META) {
		struct meta_slot *m = meta_find(&a->st, key);

		return m ? deliver(fs, a, NULL, m->off, m->len, kind, key, 0, fn, payload)
			 : RELEASE_ENOTFOUND;
	}
	/* The record that confirmed the key is the one to hand over. */
	if ((rc = key_find(fs, a, kind, key, &seq, &slot, &r)) != 0)
		return rc;
	/* A read-only handle answers for the published state: a key past its
	 * top is a writer's, applied but not yet published (or its writer died
	 * there, and no repair will come from here). */
	if (!seq)
		return RELEASE_ENOTFOUND;
	if (store_readonly(fs) && seq > max_seq(a, seq_index(kind))) {
		rec_free(&r);
		return RELEASE_ENOTFOUND;
	}
	return deliver_rec(fs, a, &r, kind, key, seq, fn, payload);
}

int fs_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		  void *payload)
{
	struct fstore *fs = ctx;
	int rc, moved;

	if (!valid_app_name(app) || !valid_key(key) || !valid_kind(kind))
		return failf(fs, RELEASE_EINVAL, "invalid app, kind or key");
	fs->damage = 0;
	rc = get_once(fs, app, kind, key, fn, payload);
	if (found_damage(fs, rc) && (rc = repair(fs, app, &moved)) == 0) {
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
	if (seq > max_seq(a, seq_index(kind)))
		return RELEASE_ENOTFOUND;
	if ((rc = read_ent(fs, a, seq_index(kind), seq, &e)) != 0)
		return rc;
	if (!e.off)
		return RELEASE_ENOTFOUND;
	return deliver(fs, a, NULL, e.off, e.len, kind, NULL, seq, fn, payload);
}

int fs_get_seq(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
		      void *payload)
{
	struct fstore *fs = ctx;
	int rc, moved;

	if (!valid_app_name(app) || !ordered(kind) || seq == 0)
		return failf(fs, RELEASE_EINVAL, "invalid app, kind or seq");
	fs->damage = 0;
	rc = get_seq_once(fs, app, kind, seq, fn, payload);
	if (found_damage(fs, rc) && (rc = repair(fs, app, &moved)) == 0) {
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
	int which = seq_index(kind), rc;

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
		while (s >= first && *limit > 0) {
			struct {
				uint64_t seq, off;
				uint32_t len;
			} got[SCAN_BATCH];
			uint64_t lo = UINT64_MAX, hi = 0;
			struct window *w = NULL;
			size_t k = 0;
			struct ent e;

			/* The entries that check out, up to the limit: their
			 * records are read together when they lie close. */
			for (; s >= first && k < *limit; s--) {
				const unsigned char *p = b + (s - first) * IDX_ENT;
				uint64_t off;
				uint32_t len;

				if ((uint64_t)n < (s - first + 1) * IDX_ENT ||
				    get_u32(p + 20) != ent_crc(p, s))
					break;
				if (!(off = get_u64(p)))
					continue;
				len = get_u32(p + 16);
				got[k].seq = s;
				got[k].off = off;
				got[k].len = len;
				k++;
				if (off < lo)
					lo = off;
				if (off <= UINT64_MAX - len && off + len > hi)
					hi = off + len;
			}
			if (k > 1 && hi > lo && hi - lo <= SCAN_WINDOW && !fs->win_busy) {
				if ((rc = window_fill(fs, a, &fs->win, lo, (size_t)(hi - lo))) != 0)
					return rc;
				w = &fs->win;
				fs->win_busy = 1;
			}
			for (size_t i = 0; i < k; i++) {
				rc = deliver(fs, a, w, got[i].off, got[i].len, kind, NULL, got[i].seq,
					     fn, payload);
				if (rc != 0)
					break;
				*before = got[i].seq;
				(*limit)--;
			}
			if (w) { /* never lent again: it is this page's */
				fs->win.len = 0;
				fs->win_busy = 0;
				w = NULL;
			}
			if (rc != 0)
				return rc;
			if (s < first || *limit == 0)
				break;
			/* short, zeroed or mid-write: the careful read looks
			 * again and judges */
			if ((rc = read_ent(fs, a, which, s, &e)) != 0)
				return rc;
			if (e.off) {
				if ((rc = deliver(fs, a, NULL, e.off, e.len, kind, NULL, s, fn,
						  payload)) != 0)
					return rc;
				*before = s;
				(*limit)--;
			}
			s--;
		}
	}
	return 0;
}

/* The scan of what is applied, resumed once after a repair. */
static int scan_applied(struct fstore *fs, const char *app, int kind, uint64_t before,
			size_t limit, release_record_fn fn, void *payload)
{
	size_t asked = limit;
	int rc, moved;

	fs->damage = 0;
	rc = scan_once(fs, app, kind, &before, &limit, fn, payload);
	if (found_damage(fs, rc) && (rc = repair(fs, app, &moved)) == 0) {
		/* What was delivered came from a directory deleted since: the
		 * new one's records would not follow on from it. */
		if (moved && limit != asked)
			return failf(fs, RELEASE_EIO, "app '%s': its directory was deleted or "
				     "replaced during the scan", app);
		fs->damage = 0;
		rc = scan_once(fs, app, kind, &before, &limit, fn, payload);
	}
	return found_damage(fs, rc) ? RELEASE_ECORRUPT : rc;
}

int fs_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		   release_record_fn fn, void *payload)
{
	struct fstore *fs = ctx;
	struct fapp *a;
	int rc;

	if (!valid_app_name(app) || !ordered(kind))
		return failf(fs, RELEASE_EINVAL, "invalid app or kind");
	for (int attempt = 0; fs->see_pending; attempt++) {
		fs->damage = 0;
		if ((rc = begin_read(fs, app, &a)) != 0 || !a || !a->log_gen)
			return found_damage(fs, rc) ? RELEASE_ECORRUPT : rc;
		rc = pending_scan(fs, a, app, kind, before, limit, fn, payload, scan_applied);
		if (rc == PENDING_MOVED && attempt < RETRIES)
			continue; /* a pending record moved meanwhile: again */
		if (rc == PENDING_MOVED)
			return failf(fs, RELEASE_EIO, "app '%s': the log kept changing while read", app);
		if (rc != PENDING_NONE)
			return rc;
		break;
	}
	return scan_applied(fs, app, kind, before, limit, fn, payload);
}

/* Whether this handle's reads are for a write (the core's, around reading
 * what it builds on and committing): they then see pending runs. */
void file_see_pending(void *ctx, int on)
{
	((struct fstore *)ctx)->see_pending = on;
}

/* ------------------------------------------------------------ wait() */

/*
 * wait() (storage version 3): sleeping until an app's records may have
 * changed. Every change a writer publishes rewrites the app's state file,
 * so an inotify watch on the app's directory wakes the wait on events
 * naming "state", when what the state publishes moved (state_published():
 * a sync's note of its durable length, written before the records are
 * applied, wakes nobody); a watch on the store's directory sees the app's
 * directory appear (it is then watched in turn and checked again) or go. The watches
 * are armed before the first check, and events queue while a check runs,
 * so no change committed after the arming is missed. A sleep lasts a second
 * at most even so (a notification missed costs no more than that); where
 * inotify cannot be used (no instance or watch left to this user, no such
 * call, no /proc to name the directory by) the wait checks every 100 ms
 * instead. Nothing is created or written: a read-only handle waits the same
 * way.
 */

#define NAP_WATCHED_NS INT64_C(1000000000) /* longest sleep between checks, watched */
#define NAP_POLLED_NS INT64_C(100000000)   /* the sleep between checks, unwatched */

#define DIR_EVENTS (IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | \
		    IN_DELETE_SELF | IN_MOVE_SELF)

/* The watches of one wait. */
struct watch {
	int fd;   /* the inotify instance; -1: polling */
	int root; /* the watch of the store's directory */
	int dir;  /* the watch of the app's directory; -1 while it has none */
	const char *app;
	uint64_t published[2]; /* what the state published at the last check */
};

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Watches the app's directory if there is one: 0 (w->dir -1 when there is
 * none), or -1 when inotify cannot (the wait polls). */
static int watch_app(struct fstore *fs, struct watch *w)
{
	char path[128];

	if (w->dir >= 0)
		inotify_rm_watch(w->fd, w->dir); /* it may be gone already */
	snprintf(path, sizeof path, "/proc/self/fd/%d/%s", fs->root, w->app);
	w->dir = inotify_add_watch(w->fd, path, DIR_EVENTS | IN_ONLYDIR | IN_DONT_FOLLOW);
	return w->dir >= 0 || errno == ENOENT || errno == ENOTDIR ? 0 : -1;
}

/* Arms the watches; w->fd stays -1 when inotify cannot be used. */
static void watch_arm(struct fstore *fs, const char *app, struct watch *w)
{
	char path[64];

	w->app = app;
	w->root = w->dir = -1;
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		return;
	/* The store's directory by its descriptor: the path it was opened by
	 * may be relative, or name another directory by now. */
	snprintf(path, sizeof path, "/proc/self/fd/%d", fs->root);
	w->root = inotify_add_watch(w->fd, path, IN_CREATE | IN_DELETE | IN_MOVED_TO |
					       IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF |
					       IN_ONLYDIR);
	if (w->root < 0 || watch_app(fs, w) != 0)
		close_fd(&w->fd);
	state_published(fs, app, w->published);
}

/* Whether the state publishes something else than at the last check. */
static int published_moved(struct fstore *fs, struct watch *w)
{
	uint64_t now[2];

	state_published(fs, w->app, now);
	if (now[0] == w->published[0] && now[1] == w->published[1])
		return 0;
	w->published[0] = now[0];
	w->published[1] = now[1];
	return 1;
}

/* Reads the queued events: 1 when one may concern the app's records, 0 when
 * none does, -1 when inotify failed. The app's directory, come or gone, is
 * watched again. */
static int watch_read(struct fstore *fs, struct watch *w)
{
	alignas(struct inotify_event) char buf[4096];
	int hit = 0, again = 0, state = 0;

	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return -1;
		for (ssize_t at = 0; at + (ssize_t)sizeof(struct inotify_event) <= n;) {
			const struct inotify_event *ev = (const void *)(buf + at);
			int named = ev->len && strcmp(ev->name, ev->wd == w->root ? w->app : "state") == 0;

			at += (ssize_t)(sizeof *ev + ev->len);
			if (ev->mask & IN_Q_OVERFLOW) {
				hit = 1; /* events were lost: anything may have changed */
			} else if (ev->wd == w->root) {
				hit |= named || (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF));
				again |= named;
			} else if (ev->wd == w->dir && w->dir >= 0) {
				int self = (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) != 0;

				hit |= self;
				state |= named;
				again |= self;
			}
		}
	}
	if (again && watch_app(fs, w) != 0)
		return -1;
	/* read after the events: every write of the state comes with one */
	if (state && published_moved(fs, w))
		hit = 1;
	return hit;
}

/* Sleeps nap ns, or less when an event concerns the app (or a signal
 * comes): 0, or -1 when inotify failed. */
static int nap_watched(struct fstore *fs, struct watch *w, int64_t nap)
{
	int64_t until = mono_ns() + nap;

	for (;;) {
		int64_t left = until - mono_ns();
		struct pollfd p = {w->fd, POLLIN, 0};
		int n;

		if (left <= 0)
			return 0;
		/* rounded up: a sleep never ends before it should */
		n = poll(&p, 1, (int)((left + 999999) / 1000000));
		if (n < 0 && errno == EINTR)
			return 0; /* a spurious wake-up: one check */
		if (n < 0)
			return -1;
		if (n > 0 && (n = watch_read(fs, w)) != 0)
			return n < 0 ? -1 : 0;
	}
}

static void nap_polled(int64_t nap)
{
	struct timespec ts = {(time_t)(nap / 1000000000), (long)(nap % 1000000000)};

	nanosleep(&ts, NULL); /* a signal ends it early: one more check */
}

int fs_wait(void *ctx, const char *app, int64_t timeout_ns, int (*check)(void *payload),
	    void *payload)
{
	struct fstore *fs = ctx;
	struct watch w = {-1, -1, -1, NULL, {0, 0}};
	int64_t start = mono_ns();
	int rc;

	if (!valid_app_name(app) || timeout_ns < 0 || !check)
		return failf(fs, RELEASE_EINVAL, "invalid wait (app name, timeout or check)");
	/* A wait that checks once needs no watch. */
	if (timeout_ns > 0)
		watch_arm(fs, app, &w);
	for (;;) {
		int64_t left, nap;

		if ((rc = check(payload)) != 0)
			break;
		left = timeout_ns == INT64_MAX ? INT64_MAX : timeout_ns - (mono_ns() - start);
		if (left <= 0)
			break;
		nap = w.fd >= 0 ? NAP_WATCHED_NS : NAP_POLLED_NS;
		if (nap > left)
			nap = left;
		if (w.fd < 0)
			nap_polled(nap);
		else if (nap_watched(fs, &w, nap) != 0)
			close_fd(&w.fd); /* inotify failed: polling from now on */
	}
	close_fd(&w.fd);
	return rc;
}
