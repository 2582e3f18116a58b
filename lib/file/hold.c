/*
 * The file store's holds (version 2): an exclusive hold per app that ends
 * with its holder's process whatever happens, as it is an open file
 * description's lock (F_OFD_SETLK) on the app's hold file. The file is
 * opened O_CLOEXEC, so no exec'd program inherits a hold (a child forked
 * without exec shares it until it exits or execs, or the holder unholds).
 * It is not the writers' lock file, so a hold never blocks writes. The file's layout: file.h.
 */
#include "file.h"

#include <time.h>

/* Read-only handles (open.c): held() only reads, and tests the holder's
 * lock, which needs no descriptor open for writing; hold() writes. */

#define HOLD_MAGIC "LRHOLD01"
#define HOLD_TRIES 50 /* a held() waits at most this many ms for a holder's info */

/* Sets (F_OFD_SETLK) or tests (F_OFD_GETLK) a write lock on len bytes at off
 * (len 0: to the end of any file). */
static int lock_range(int fd, int cmd, int64_t off, int64_t len, struct flock *fl)
{
	int rc;

	memset(fl, 0, sizeof *fl);
	fl->l_type = F_WRLCK;
	fl->l_whence = SEEK_SET;
	fl->l_start = (off_t)off;
	fl->l_len = (off_t)len;
	do
		rc = fcntl(fd, cmd, fl);
	while (rc != 0 && errno == EINTR);
	return rc;
}

/* Opens the app's directory: 0, 1 when it does not exist (and create is
 * 0), or an error. */
static int open_dir(struct fstore *fs, const char *app, int create, int *out)
{
	int fd = openat(fs->root, app, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW), rc;
	char what[96];

	if (fd < 0 && errno == ENOENT && create) {
		/* Made durable like any app's directory: a write may follow
		 * that expects it to be. */
		if ((mkdirat(fs->root, app, 0700) != 0 && errno != EEXIST) ||
		    fsync_retry(fs->root) != 0)
			return sys_fail(fs, app, "creating app directory");
		fd = openat(fs->root, app, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		return failf(fs, RELEASE_EINVAL, "app directory '%s' is not a directory", app);
	if (fd < 0)
		return sys_fail(fs, app, "opening app directory");
	snprintf(what, sizeof what, "app directory '%s'", app);
	if ((rc = check_owned(fs, fd, what, 1)) != 0) {
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

/* Opens the app's hold file (creating it if asked): 0, 1 when it does not
 * exist, or an error. */
static int open_hold(struct fstore *fs, const char *app, int dir, int create, int *out)
{
	/* O_NONBLOCK: a FIFO planted there must not hang the open. */
	int flags = (create ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
	int fd = openat(dir, "hold", flags, 0600), rc;
	char what[96];

	if (fd < 0 && errno == ENOENT && !create)
		return 1;
	if (fd < 0 && (errno == ELOOP || errno == EISDIR || errno == ENXIO))
		return failf(fs, RELEASE_EINVAL, "app '%s': its hold file is not a regular file", app);
	if (fd < 0)
		return sys_fail(fs, app, "opening hold file");
	snprintf(what, sizeof what, "app '%s': hold file", app);
	if ((rc = check_owned(fs, fd, what, 0)) != 0) {
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

/* A number no earlier holder of the file is likely to have used. */
static uint32_t new_nonce(const void *salt)
{
	struct timespec mono = {0, 0}, real = {0, 0};
	uint64_t x;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	x = (uint64_t)getpid() * 0x9e3779b97f4a7c15u;
	x ^= (uint64_t)mono.tv_nsec + ((uint64_t)mono.tv_sec << 30);
	x ^= ((uint64_t)real.tv_nsec << 17) ^ (uint64_t)real.tv_sec ^ (uint64_t)(uintptr_t)salt;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9u;
	x ^= x >> 29;
	return (uint32_t)x;
}

/* Takes the lock on byte 0 of the app's hold file: 0 with *fd (and in
 * *file, which file it is), or RELEASE_EBUSY, or an error. */
static int take(struct fstore *fs, const char *app, int dir, int *fd, struct stat *file)
{
	for (int attempt = 0; attempt < RETRIES; attempt++) {
		struct stat held, named;
		struct flock fl;
		int rc = open_hold(fs, app, dir, 1, fd);

		if (rc != 0)
			return rc;
		if (lock_range(*fd, F_OFD_SETLK, 0, 1, &fl) != 0) {
			rc = errno == EAGAIN || errno == EACCES
				     ? failf(fs, RELEASE_EBUSY, "app '%s' is held", app)
				     : sys_fail(fs, app, "locking hold file");
			close_fd(fd);
			return rc;
		}
		/* The file locked must be the one others open: not one
		 * removed or replaced meanwhile. */
		if (fstat(*fd, &held) == 0 && fstatat(dir, "hold", &named, AT_SYMLINK_NOFOLLOW) == 0 &&
		    held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
			*file = held;
			return 0;
		}
		close_fd(fd);
	}
	return failf(fs, RELEASE_EIO, "app '%s': its hold file keeps being replaced", app);
}

int fs_hold(void *ctx, const char *app, const void *info, size_t len, void **hold)
{
	struct fstore *fs = ctx;
	unsigned char b[HOLD_HDR + RELEASE_HOLD_INFO_MAX];
	struct fhold *h;
	struct flock fl;
	struct stat file = {0};
	uint32_t nonce;
	int dir = -1, rc;

	if (hold)
		*hold = NULL;
	if (!hold || !valid_app_name(app) || (!info && len) || len > RELEASE_HOLD_INFO_MAX)
		return failf(fs, RELEASE_EINVAL, "invalid hold (app name or info)");
	if (store_readonly(fs))
		return refuse_write(fs);
	for (h = fs->holds; h; h = h->next)
		if (strcmp(h->app, app) == 0)
			return failf(fs, RELEASE_EBUSY, "app '%s' is held already, by this handle", app);
	if (!(h = calloc(1, sizeof *h)))
		return failf(fs, RELEASE_ENOMEM, "out of memory");
	strcpy(h->app, app);
	h->fd = -1;
	h->pid = (long)getpid();
	if ((rc = open_dir(fs, app, 1, &dir)) == 0)
		rc = take(fs, app, dir, &h->fd, &file);
	if (dir >= 0)
		close(dir);
	if (rc != 0) {
		free(h);
		return rc;
	}
	h->dev = file.st_dev;
	h->ino = file.st_ino;
	/* The info, framed so that a reader tells it whole and this holder's
	 * (file.h); a reader waits for it, so it is written at once. */
	nonce = new_nonce(h);
	memcpy(b, HOLD_MAGIC, 8);
	put_u64(b + 8, nonce);
	put_u32(b + 16, (uint32_t)len);
	if (len)
		memcpy(b + HOLD_HDR, info, len);
	put_u32(b + 20, crc32c(crc32c(0, b, 20), b + HOLD_HDR, len));
	if (lock_range(h->fd, F_OFD_SETLK, HOLD_NONCE_BASE + nonce, 1, &fl) != 0 ||
	    pwrite_full(h->fd, b, HOLD_HDR + len, 0) != 0) {
		rc = sys_fail(fs, app, "writing hold file");
		close(h->fd);
		free(h);
		return rc;
	}
	h->next = fs->holds;
	fs->holds = h;
	*hold = h;
	return 0;
}

void fs_unhold(void *ctx, void *hold)
{
	struct fstore *fs = ctx;

	for (struct fhold **p = &fs->holds; *p; p = &(*p)->next)
		if (*p == hold) {
			struct fhold *h = *p;

			*p = h->next;
			/* The locks go with the file description, which a child
			 * forked since shares: the holder's process lets them go
			 * itself, and a child closing its copy of the handle
			 * leaves its parent's hold alone. */
			if (h->pid == (long)getpid()) {
				struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET};

				while (fcntl(h->fd, F_OFD_SETLK, &fl) != 0 && errno == EINTR)
					;
			}
			close(h->fd);
			free(h);
			return;
		}
}

/*
 * For a write to app, under its append lock: RELEASE_EBUSY when this
 * handle holds app by a hold file that is no longer the app's, its
 * directory (or the file) deleted by hand since, perhaps made again or
 * restored: whoever takes the hold there holds the app too, and this
 * holder's writes must not go on as if it alone did, until it gives its
 * hold back (storage.h). One fstatat, for a held app only.
 */
int hold_lost(struct fstore *fs, const char *app)
{
	char path[sizeof fs->holds->app + 8];
	struct stat st;

	for (const struct fhold *h = fs->holds; h; h = h->next) {
		if (strcmp(h->app, app) != 0)
			continue;
		snprintf(path, sizeof path, "%s/hold", app);
		if (fstatat(fs->root, path, &st, AT_SYMLINK_NOFOLLOW) != 0
			    ? errno == ENOENT || errno == ENOTDIR
			    : st.st_dev != h->dev || st.st_ino != h->ino)
			return failf(fs, RELEASE_EBUSY, "app '%s': this handle's hold on it was lost "
				     "(its directory or hold file was deleted since the hold was "
				     "taken); nothing written until the hold is given back", app);
		return 0;
	}
	return 0;
}

void holds_close(struct fstore *fs)
{
	while (fs->holds)
		fs_unhold(fs, fs->holds);
}

/* Hands fn what the holder of fd's file shows, and returns what fn does;
 * RELEASE_ENOTFOUND when nobody holds it; *again when its info is not (yet)
 * the holder's; or an error. */
static int show(struct fstore *fs, const char *app, int fd, release_record_fn fn, void *payload,
		int *again)
{
	unsigned char b[HOLD_HDR + RELEASE_HOLD_INFO_MAX];
	struct flock fl;
	uint32_t len;
	ssize_t n;

	*again = 1;
	if (lock_range(fd, F_OFD_GETLK, 0, 1, &fl) != 0)
		return sys_fail(fs, app, "testing hold file");
	if (fl.l_type == F_UNLCK) {
		*again = 0;
		return failf(fs, RELEASE_ENOTFOUND, "app '%s' is not held", app);
	}
	if (lock_range(fd, F_OFD_GETLK, HOLD_NONCE_BASE, 0, &fl) != 0)
		return sys_fail(fs, app, "testing hold file");
	if (fl.l_type == F_UNLCK || fl.l_start < HOLD_NONCE_BASE)
		return 0; /* the holder is between its two locks */
	if ((n = pread_full(fd, b, sizeof b, 0)) < 0)
		return sys_fail(fs, app, "reading hold file");
	if (n < HOLD_HDR || memcmp(b, HOLD_MAGIC, 8) != 0 ||
	    get_u64(b + 8) != (uint64_t)(fl.l_start - HOLD_NONCE_BASE))
		return 0;
	len = get_u32(b + 16);
	if (len > RELEASE_HOLD_INFO_MAX || (size_t)n < HOLD_HDR + len ||
	    get_u32(b + 20) != crc32c(crc32c(0, b, 20), b + HOLD_HDR, len))
		return 0;
	*again = 0;
	return fn(payload, 0, "hold", b + HOLD_HDR, len);
}

int fs_held(void *ctx, const char *app, release_record_fn fn, void *payload)
{
	struct fstore *fs = ctx;
	int dir = -1, fd = -1, rc, again = 1;

	if (!valid_app_name(app) || !fn)
		return failf(fs, RELEASE_EINVAL, "invalid app name");
	if ((rc = open_dir(fs, app, 0, &dir)) == 0) {
		rc = open_hold(fs, app, dir, 0, &fd);
		close(dir);
	}
	if (rc == 1)
		return failf(fs, RELEASE_ENOTFOUND, "app '%s' is not held", app);
	if (rc != 0)
		return rc;
	/* A holder writes its info right after taking its locks: what is
	 * not its yet is looked at again, for a while. */
	for (int attempt = 0; attempt < HOLD_TRIES && again; attempt++) {
		struct timespec ms = {0, 1000000};

		if (attempt)
			nanosleep(&ms, NULL);
		rc = show(fs, app, fd, fn, payload, &again);
		if (rc != 0 && again)
			again = 0; /* an error */
	}
	close(fd);
	if (again)
		return failf(fs, RELEASE_ECORRUPT, "app '%s': its hold file does not show its "
			     "holder's info (damaged, or the holder is stuck writing it)", app);
	return rc;
}
