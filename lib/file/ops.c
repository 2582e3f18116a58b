/*
 * The file store's storage methods that write, under the app's lock, and
 * its vtable; the reads, without a lock, are in read.c.
 * The on-disk format and the rules of recovery: file.h.
 */
#include "file.h"

/* Starts a write: the app (created if asked), locked, recovered. A
 * read-only handle (or one that turned so on opening the app) refuses. */
static int begin(struct fstore *fs, const char *app, int create, int keep_pending,
		 struct fapp **out)
{
	struct fapp *a;
	int rc;

	*out = NULL;
	if (store_readonly(fs))
		return refuse_write(fs);
	rc = get_app(fs, app, create, &a);
	if (rc == 0 && a && store_readonly(fs))
		return refuse_write(fs);
	/* The files held open must be the ones at the app's name, before and
	 * once locked: records written into a directory deleted by hand would
	 * be acknowledged and lost, and a lock file deleted excludes nobody. */
	for (int attempt = 0;; attempt++) {
		if (rc == 0 && a)
			rc = recheck_app(fs, &a, create);
		if (rc != 0 || !a)
			return rc;
		if ((rc = lock_app(fs, a, F_WRLCK)) != 0)
			return rc;
		if (!lock_replaced(fs, a) && !dir_replaced(fs, a))
			break;
		unlock_app(fs, a);
		if (attempt == 2)
			return failf(fs, RELEASE_EIO,
				     "app '%s': its directory is being deleted or replaced by "
				     "something else; nothing written", app);
		rc = reopen_app(fs, &a, create);
	}
	if ((rc = hold_lost(fs, app)) != 0 ||
	    (rc = keep_pending ? recover_pending(fs, a) : recover_app(fs, a, 0)) != 0) {
		unlock_app(fs, a);
		return public_rc(rc);
	}
	*out = a;
	return 0;
}

/* Starts a write under the append lock, the pending runs synced and
 * applied first. */
int begin_write(struct fstore *fs, const char *app, int create, struct fapp **out)
{
	return begin(fs, app, create, 0, out);
}

/* Starts a commit: as begin_write(), with the pending runs left pending. */
int begin_commit(struct fstore *fs, const char *app, int create, struct fapp **out)
{
	return begin(fs, app, create, 1, out);
}

/*
 * Ends a write. Once the record is in the log and synced (committed) the
 * call has succeeded, whatever happens next: publishing the state, a
 * checkpoint or a compaction only keep the other files in step with the log,
 * and if one of them fails those files stay behind it and the next call
 * replays the log. Reporting such a failure would make callers retry a write
 * that took effect.
 */
int end_write(struct fstore *fs, struct fapp *a, int rc, int committed)
{
	if (committed) {
		if (rc == 0 && write_state(fs, a, &a->st, 0) == 0)
			after_write(fs, a);
		rc = 0;
	}
	unlock_app(fs, a);
	return public_rc(rc);
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
	if (seq > max_seq(a, seq_index(kind)) + SEQ_GAP_MAX)
		return failf(fs, RELEASE_EINVAL, "app '%s': seq %llu is too far past the newest (%llu)",
			     a->name, (unsigned long long)seq,
			     (unsigned long long)max_seq(a, seq_index(kind)));
	if ((rc = need_index(fs, a, kind)) != 0 ||
	    (rc = key_lookup(fs, a, kind, key, &found, &slot)) != 0)
		return rc;
	if (found)
		return RELEASE_ECONFLICT;
	if ((rc = read_ent(fs, a, seq_index(kind), seq, &e)) != 0)
		return rc;
	return e.off ? RELEASE_ECONFLICT : 0;
}

/* Appends a record and brings the indexes up to date with it; *committed is
 * set once it is durable. */
static int commit_rec(struct fstore *fs, struct fapp *a, int op, int kind, const char *key,
		      uint64_t seq, const void *data, size_t len, int *committed)
{
	struct rec r = {.op = op, .kind = kind, .seq = seq};
	int rc = append_rec(fs, a, op, kind, key, seq, data, len, &r.off, &r.len);

	if (rc != 0)
		return rc;
	/* begin() found the directory in place, but an rm -rf may have come
	 * since: a record durable only in deleted files is not acknowledged
	 * (nor recorded, the files being no longer the app's). */
	if ((rc = still_in_place(fs, a)) != 0)
		return rc;
	*committed = 1;
	/* Recorded as durable before it is applied: if applying fails, no cut
	 * of a later group may take it (best effort, as all after the sync). */
	a->st.durable_len = r.off + r.len;
	write_state(fs, a, &a->st, 0);
	strcpy(r.key, key);
	a->st.indexed_len = r.off + r.len;
	return apply_rec(fs, a, &r);
}

static int fs_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		  const void *data, size_t len)
{
	struct fstore *fs = ctx;
	struct fapp *a;
	int rc, committed = 0;

	if (!valid_app_name(app) || !valid_key(key) || !valid_kind(kind) ||
	    (ordered(kind) ? seq == 0 || seq >= SEQ_LIMIT : seq != 0) || (!data && len))
		return failf(fs, RELEASE_EINVAL, "invalid put");
	if ((rc = begin_write(fs, app, 1, &a)) != 0)
		return rc;
	rc = check_put(fs, a, kind, key, seq);
	if (rc == FS_DAMAGED && (rc = reindex(fs, a)) == 0)
		rc = check_put(fs, a, kind, key, seq);
	if (rc == 0)
		rc = commit_rec(fs, a, OP_PUT, kind, key, seq, data, len, &committed);
	return end_write(fs, a, rc, committed);
}

/* Current bytes of a record for compare-and-swap: *found 0 when absent. */
int current_rec(struct fstore *fs, struct fapp *a, int kind, const char *key, struct rec *r,
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
		if (seq && (rc = read_ent(fs, a, seq_index(kind), seq, &e)) != 0)
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

/* current_rec(), rebuilding the indexes once if they are found damaged. */
static int current_repaired(struct fstore *fs, struct fapp *a, int kind, const char *key,
			    struct rec *r, int *found)
{
	int rc = current_rec(fs, a, kind, key, r, found);

	if (rc == FS_DAMAGED && (rc = reindex(fs, a)) == 0)
		rc = current_rec(fs, a, kind, key, r, found);
	return rc;
}

static int fs_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		  size_t old_len, const void *data, size_t len)
{
	struct fstore *fs = ctx;
	struct fapp *a;
	struct rec cur;
	int found, rc, committed = 0;

	if (!valid_app_name(app) || !valid_key(key) || !valid_kind(kind) || (!data && len) ||
	    (!old && old_len) || (ordered(kind) && (!old || !data)))
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
				found ? cur.seq : 0, data, len, &committed);
	rec_free(&cur);
	return end_write(fs, a, rc, committed);
}

static int fs_del(void *ctx, const char *app, int kind, const char *key)
{
	struct fstore *fs = ctx;
	struct fapp *a;
	struct rec cur;
	int found, rc, committed = 0;

	if (!valid_app_name(app) || !valid_key(key) || !valid_kind(kind))
		return failf(fs, RELEASE_EINVAL, "invalid delete");
	if ((rc = begin_write(fs, app, 0, &a)) != 0)
		return rc;
	if (!a)
		return RELEASE_ENOTFOUND;
	rc = current_repaired(fs, a, kind, key, &cur, &found);
	if (rc == 0 && !found)
		rc = RELEASE_ENOTFOUND;
	if (rc == 0)
		rc = commit_rec(fs, a, OP_DELETE, kind, key, cur.seq, NULL, 0, &committed);
	rec_free(&cur);
	return end_write(fs, a, rc, committed);
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

void fs_close(void *ctx)
{
	struct fstore *fs = ctx;

	if (!fs)
		return;
	holds_close(fs);
	for (size_t i = 0; i < MAX_OPEN_APPS; i++)
		app_close(fs->apps[i]);
	retired_close(fs);
	close_fd(&fs->root);
	window_free(&fs->win);
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
	.commit = fs_commit,
	.hold = fs_hold,
	.unhold = fs_unhold,
	.held = fs_held,
	.wait = fs_wait,
};
