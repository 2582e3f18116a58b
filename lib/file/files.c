/*
 * An app's files in the file store: their ownership, headers and
 * generations, the app's lock, and its creation.
 * The on-disk format and the rules of recovery: file.h.
 */
#include "file.h"

/* check_owned(), st getting what fstat() said. */
static int owned(struct fstore *fs, int fd, const char *what, int dir, struct stat *out)
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
	if (out)
		*out = st;
	return 0;
}

/* 0 when fd is a regular file (or, with dir, a directory) of ours that
 * nobody else may write; else RELEASE_EINVAL with a message. */
int check_owned(struct fstore *fs, int fd, const char *what, int dir)
{
	return owned(fs, fd, what, dir, NULL);
}

/* Opens one of the app's files for reading and writing (made if create), or
 * on a read-only handle for reading only, never made: a file that would be
 * made is then absent (*fd -1). A handle that may fall back read-only does
 * so when the file cannot be opened for writing, unless it opened one
 * already. */
static int open_file_st(struct fstore *fs, struct fapp *a, const char *name, int create, int *fd,
			struct stat *st)
{
	/* O_NONBLOCK: a FIFO planted in the store must not hang the open. */
	int ro = store_readonly(fs), flags = O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
	char what[128];
	int rc;

	flags |= ro ? O_RDONLY : O_RDWR | (create ? O_CREAT : 0);
	snprintf(what, sizeof what, "app '%s': %s", a->name, name);
	*fd = openat(a->dir, name, flags, 0600);
	/* Only a handle that has not yet opened a file for writing turns
	 * read-only here: later, one file it may not write (of one app) fails
	 * what needs it, and the handle writes the other apps as before. */
	if (*fd < 0 && !ro && !fs->opened_rw && store_fallback(fs, what))
		return open_file_st(fs, a, name, create, fd, st);
	if (*fd >= 0 && !ro)
		fs->opened_rw = 1;
	if (*fd < 0 && ro && create && errno == ENOENT)
		return 0;
	if (*fd < 0)
		return sys_fail(fs, a->name, name);
	if ((rc = owned(fs, *fd, what, 0, st)) != 0) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

static int open_file(struct fstore *fs, struct fapp *a, const char *name, int create, int *fd)
{
	return open_file_st(fs, a, name, create, fd, NULL);
}

void gen_name(char *buf, size_t len, const char *base, uint64_t gen)
{
	snprintf(buf, len, "%s.%llu", base, (unsigned long long)gen);
}

uint64_t next_gen(uint64_t gen)
{
	return gen + 1 ? gen + 1 : 1;
}

void unlink_gen(struct fapp *a, const char *base, uint64_t gen)
{
	char name[48];

	gen_name(name, sizeof name, base, gen);
	unlinkat(a->dir, name, 0);
}

void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void close_data_files(struct fapp *a)
{
	close_fd(&a->log);
	for (int w = 0; w < SEQ_KINDS; w++)
		close_fd(&a->idx[w]);
	close_fd(&a->keys);
	a->log_gen = a->idx_gen = a->keys_gen = 0;
}

void app_close(struct fapp *a)
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
int damaged(struct fstore *fs, struct fapp *a, const char *fmt, ...)
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
 * pre-marker file is FS_DAMAGED, to be rebuilt from the log; but a missing
 * one that may be (optional) leaves *fd -1. */
static int open_derived(struct fstore *fs, struct fapp *a, const char *base, uint64_t gen,
			const char *magic, int optional, int *fd)
{
	unsigned char hdr[IDX_HDR];
	char name[48];
	int rc;

	gen_name(name, sizeof name, base, gen);
	if (faccessat(a->dir, name, F_OK, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
		return optional ? 0 : damaged(fs, a, "%s is missing", name);
	if ((rc = open_file(fs, a, name, 0, fd)) != 0)
		return rc;
	/* A file of another app or generation (copied or swapped in) would
	 * answer "no such record" for records it never knew. */
	if (pread_full(*fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr ||
	    memcmp(hdr, magic, 8) != 0 || get_u32(hdr + 8) != HDR_VERSION ||
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
int open_generation(struct fstore *fs, struct fapp *a, const struct state *st)
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
		a->idx_gen = 0;
		/* A generation made before 1.4 has no dep file: no deployment
		 * records while its top is 0 (need_index() has it rebuilt
		 * before the first). */
		for (int w = 0; w < SEQ_KINDS; w++) {
			close_fd(&a->idx[w]);
			if ((rc = open_derived(fs, a, idx_names[w], st->idx_gen, "LRIDX001",
					       index_kind(w) == RELEASE_KIND_DEPLOY && !st->top[w],
					       &a->idx[w])) != 0)
				return rc;
		}
		a->idx_gen = st->idx_gen;
	}
	if (a->keys_gen != st->keys_gen) {
		close_fd(&a->keys);
		if ((rc = open_derived(fs, a, "keys", st->keys_gen, "LRKEY001", 0, &a->keys)) != 0)
			return rc;
		a->keys_gen = st->keys_gen;
	}
	return 0;
}

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
int make_gen_file(struct fstore *fs, struct fapp *a, const char *base, uint64_t gen,
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
	put_u32(hdr + 8, HDR_VERSION);
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
int create_gen_file(struct fstore *fs, struct fapp *a, const char *base, uint64_t gen,
		    const char *magic, uint64_t slots, uint64_t size, int *out)
{
	return make_gen_file(fs, a, base, gen, magic, slots, size, 1, out);
}

int lock_app(struct fstore *fs, struct fapp *a, short type)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};

	while (fcntl(a->lock, F_OFD_SETLKW, &fl) != 0) {
		if (errno != EINTR)
			return sys_fail(fs, a->name, "locking");
	}
	a->locked = type != F_UNLCK;
	return 0;
}

/* Takes the exclusive lock if nobody holds it: 1 taken, 0 busy, or an
 * error. */
int try_lock_app(struct fstore *fs, struct fapp *a)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};

	while (fcntl(a->lock, F_OFD_SETLK, &fl) != 0) {
		if (errno == EAGAIN || errno == EACCES)
			return 0;
		if (errno != EINTR)
			return sys_fail(fs, a->name, "locking");
	}
	a->locked = 1;
	return 1;
}

void unlock_app(struct fstore *fs, struct fapp *a)
{
	if (a->locked)
		lock_app(fs, a, F_UNLCK);
}

/* First use of an app on disk: its files and a state that names them. Runs
 * under the exclusive lock. */
int init_app(struct fstore *fs, struct fapp *a)
{
	struct state st;
	int rc;

	memset(&st, 0, sizeof st);
	st.log_gen = st.idx_gen = st.keys_gen = 1;
	st.keys_cap = KEYS_MIN_CAP;
	st.indexed_len = st.synced_len = LOG_HDR;
	memcpy(st.boot_id, fs->boot_id, sizeof st.boot_id);
	close_data_files(a);
	if ((rc = create_gen_file(fs, a, "log", 1, "LRLOG001", 0, 0, &a->log)) != 0)
		return rc;
	for (int w = 0; w < SEQ_KINDS; w++)
		if ((rc = create_gen_file(fs, a, idx_names[w], 1, "LRIDX001", 0, 0, &a->idx[w])) != 0)
			return rc;
	if ((rc = create_gen_file(fs, a, "keys", 1, "LRKEY001", KEYS_MIN_CAP,
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

/* Opens the app's lock and state files (on a read-only handle, those
 * there are), noting which files they are (dir_replaced()). */
static int open_app_files(struct fstore *fs, struct fapp *a)
{
	struct stat st;
	int rc = 0;

	if (a->lock < 0 && (rc = open_file_st(fs, a, "lock", 1, &a->lock, &st)) == 0 &&
	    a->lock >= 0) {
		a->lock_dev = st.st_dev;
		a->lock_ino = st.st_ino;
	}
	if (rc == 0 && a->statefd < 0 &&
	    (rc = open_file_st(fs, a, "state", 1, &a->statefd, &st)) == 0 && a->statefd >= 0) {
		a->state_dev = st.st_dev;
		a->state_ino = st.st_ino;
	}
	return rc;
}

/* A read-only handle that opened the app while it was being made may have
 * found no lock or state file yet (open_file): it looks again. */
int open_late_files(struct fstore *fs, struct fapp *a)
{
	return open_app_files(fs, a);
}

/* Whether <root>/<name>/<file> (or with file NULL, <root>/<name>) is not
 * the file dev and ino name: absent, or another. A failure to look other
 * than an absence keeps it: the next call on it fails with a message of
 * its own. One fstatat. */
static int not_at_name(const struct fstore *fs, const struct fapp *a, const char *file,
		       dev_t dev, ino_t ino)
{
	char path[sizeof a->name + 8];
	struct stat st;

	snprintf(path, sizeof path, "%s%s%s", a->name, file ? "/" : "", file ? file : "");
	if (fstatat(fs->root, path, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT || errno == ENOTDIR;
	return st.st_dev != dev || st.st_ino != ino;
}

/* Whether a's files are no longer the app's: the state file at
 * <root>/<name>/state is not the one a holds, because the directory was
 * deleted (by hand: the library never removes one), perhaps made again, or
 * its files were (the library never removes the state file); without a
 * state file open (a read-only handle that found none yet), whether the
 * directory is not a's. One fstatat. */
int dir_replaced(const struct fstore *fs, const struct fapp *a)
{
	return a->statefd >= 0 ? not_at_name(fs, a, "state", a->state_dev, a->state_ino)
			       : not_at_name(fs, a, NULL, a->dev, a->ino);
}

/* Whether the lock file at <root>/<name>/lock is not the one a holds
 * (deleted by hand, perhaps made again by another process): its lock
 * excludes nobody who locks the one there. One fstatat. */
int lock_replaced(const struct fstore *fs, const struct fapp *a)
{
	return a->lock >= 0 && not_at_name(fs, a, "lock", a->lock_dev, a->lock_ino);
}

/* After a write was made durable in a's files: 0 when a's directory is
 * still the app's, else RELEASE_EIO. The write then went into a directory
 * deleted (or moved) meanwhile, perhaps made again: acknowledged, it would
 * be lost, or in a copy nobody reads. */
int still_in_place(struct fstore *fs, const struct fapp *a)
{
	if (!dir_replaced(fs, a))
		return 0;
	return failf(fs, RELEASE_EIO, "app '%s': its directory (or its files) was deleted or "
		     "replaced while the write was being made durable; the write may not have "
		     "taken effect (read back to tell)", a->name);
}

/* Sets a replaced app aside, its deleted files closed so their space is
 * freed; closes the one set aside longest ago. */
static void retire(struct fstore *fs, struct fapp *a)
{
	unsigned i = fs->retired_next++ % (sizeof fs->retired / sizeof fs->retired[0]);

	for (size_t k = 0; k < MAX_OPEN_APPS; k++)
		if (fs->apps[k] == a)
			fs->apps[k] = NULL;
	a->retired = 1;
	close_data_files(a);
	app_close(fs->retired[i]);
	fs->retired[i] = a;
}

/* Sets *a aside and opens the app at its name now, made with create (else
 * *a = NULL when there is none). */
int reopen_app(struct fstore *fs, struct fapp **a, int create)
{
	char name[sizeof (*a)->name];

	memcpy(name, (*a)->name, sizeof name);
	retire(fs, *a);
	return get_app(fs, name, create, a);
}

/* Makes *a the app at its name now: when the files it holds are no longer
 * the app's (dir_replaced()), reopen_app(). One fstatat: the writes'
 * begin() calls it each time, reads only off their fast path. */
int recheck_app(struct fstore *fs, struct fapp **a, int create)
{
	return dir_replaced(fs, *a) ? reopen_app(fs, a, create) : 0;
}

void retired_close(struct fstore *fs)
{
	for (size_t i = 0; i < sizeof fs->retired / sizeof fs->retired[0]; i++) {
		app_close(fs->retired[i]);
		fs->retired[i] = NULL;
	}
}

/* Finds or opens an app's directory. With create, makes it; without, a
 * missing app gives *out = NULL and 0. A cached app is returned as it is:
 * recheck_app() tells whether its directory is still the one there. */
int get_app(struct fstore *fs, const char *name, int create, struct fapp **out)
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
	a->lock = a->statefd = a->log = a->keys = -1;
	for (int w = 0; w < SEQ_KINDS; w++)
		a->idx[w] = -1;
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
		struct stat st;
		int rc;

		snprintf(what, sizeof what, "app directory '%s'", name);
		if (fstat(a->dir, &st) != 0) {
			rc = sys_fail(fs, name, "opening app directory");
		} else {
			a->dev = st.st_dev;
			a->ino = st.st_ino;
			rc = check_owned(fs, a->dir, what, 1);
		}
		if (rc == 0)
			rc = open_app_files(fs, a);
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
