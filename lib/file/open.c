/*
 * Opening a file store: its directory, its FORMAT file, the machine's boot
 * id, and its mode (read-write, or read-only: see below).
 * The on-disk format and the rules of recovery: file.h.
 */
#include "file.h"

/*
 * Read-only handles. "file:PATH?mode=ro" opens a store for reading only:
 * nothing is created, written, truncated, renamed or unlinked, every file
 * is opened O_RDONLY, no lock is taken (held() tests the hold's lock, which
 * needs none), and every write fails with RELEASE_EUNSUPPORTED. Without an
 * option, a store that cannot be written (its directory not writable:
 * EACCES, EPERM, EROFS, or an app's files found so later) is opened
 * read-only the same way; "?mode=rw" refuses that fallback and fails
 * instead. What a reader cannot do without writing (recovery): ops.c,
 * begin_read_ro().
 */

/* Whether the handle is read-only (asked, or fallen back to). */
int store_readonly(const struct fstore *fs)
{
	return fs->mode == MODE_RO;
}

/* After an open for writing failed with errno: turns a handle that may fall
 * back read-only, when that is why, and returns 1; else 0 (errno kept). */
int store_fallback(struct fstore *fs, const char *what)
{
	int e = errno;

	if (fs->mode != MODE_AUTO || (e != EACCES && e != EPERM && e != EROFS))
		return 0;
	fs->mode = MODE_RO;
	snprintf(fs->why, sizeof fs->why, " (%.100s: %s)", what, strerror(e));
	errno = e;
	return 1;
}

/* The failure of a write on a read-only handle. */
int refuse_write(struct fstore *fs)
{
	return failf(fs, RELEASE_EUNSUPPORTED, "store opened read-only%s: it cannot be written",
		     fs->why);
}

/* Splits "PATH[?NAME=VALUE[&...]]" at the query: the text after the last
 * '?', when it is empty or holds a '=' (else the '?' is the path's; a path
 * with "?x=y" in it is named with a '?' after it). The only option is
 * mode=rw|ro. *len gets the path's length. */
static int parse_options(const char *given, size_t *len, int *mode, char *err, size_t errlen)
{
	const char *q = strrchr(given, '?'), *opt;

	*mode = MODE_AUTO;
	*len = strlen(given);
	if (!q || (q[1] && !strchr(q + 1, '=')))
		return 0;
	*len = (size_t)(q - given);
	for (opt = q + 1; *opt; opt += *opt == '&') {
		size_t n = strcspn(opt, "&");

		if (n == 7 && strncmp(opt, "mode=rw", 7) == 0) {
			*mode = MODE_RW;
		} else if (n == 7 && strncmp(opt, "mode=ro", 7) == 0) {
			*mode = MODE_RO;
		} else {
			snprintf(err, errlen, "unknown file store option '%.*s' (known: mode=rw, "
				 "mode=ro)", (int)(n > 64 ? 64 : n), opt);
			return RELEASE_EINVAL;
		}
		opt += n;
	}
	return 0;
}

/* Whether a file store URI's path ("PATH?mode=ro") asks to be read-only:
 * for the core, which must not create the default store's parents then. */
int file_uri_readonly(const char *given)
{
	size_t len;
	int mode;

	return parse_options(given, &len, &mode, NULL, 0) == 0 && mode == MODE_RO;
}

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
	snprintf(fs->boot_id, sizeof fs->boot_id, "%s%ld-%p", MADE_UP_BOOT_ID, (long)getpid(),
		 (void *)fs);
}

/* Whether this handle's boot id is one made up for want of the system's:
 * a change of it is no reboot. */
int made_up_boot_id(const struct fstore *fs)
{
	return strncmp(fs->boot_id, MADE_UP_BOOT_ID, strlen(MADE_UP_BOOT_ID)) == 0;
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

/* Writes FORMAT (want) under a name of this process's own, then renames it
 * into place: two processes making or moving the same store at once both
 * succeed. */
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
		snprintf(err, errlen, "writing FORMAT: %s", strerror(errno));
		rc = errno_code(errno);
		unlinkat(fs->root, tmp, 0);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Reads the version FORMAT names: 0, 1 (ENOENT in errno) when there is no
 * FORMAT file, or an error. */
static int read_format(struct fstore *fs, unsigned long long *version, char *err, size_t errlen)
{
	char buf[64] = {0}, *end;
	struct stat st;
	size_t prefix;
	ssize_t n;
	int fd = openat(fs->root, "FORMAT", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "opening FORMAT: %s", strerror(errno));
		return errno_code(errno);
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
	*version = strtoull(buf + prefix, &end, 10);
	if (errno != 0 || *end != '\n') {
		snprintf(err, errlen, "not a librelease file store (FORMAT unreadable)");
		return RELEASE_ECORRUPT;
	}
	if (*version > FORMAT_VERSION) {
		snprintf(err, errlen, "store format %llu is newer than this library reads (formats "
			 "%d to %d): the store was written by a later librelease", *version,
			 FORMAT_PLAIN, FORMAT_VERSION);
		return RELEASE_EUNSUPPORTED;
	}
	if (*version < FORMAT_PLAIN) {
		snprintf(err, errlen, "store format %llu is not supported (this library reads formats "
			 "%d to %d)", *version, FORMAT_PLAIN, FORMAT_VERSION);
		return RELEASE_EUNSUPPORTED;
	}
	return 0;
}

/* Checks, or writes, the FORMAT file of the store directory. A new store
 * is of format 1 until it needs a later one (format_move), so that older
 * versions of the library read it until then. */
static int check_format(struct fstore *fs, char *err, size_t errlen)
{
	unsigned long long version = 0;
	char want[64];

	snprintf(want, sizeof want, "%s %d\n", FORMAT_NAME, FORMAT_PLAIN);
	for (int attempt = 0;; attempt++) {
		int rc = read_format(fs, &version, err, errlen);

		if (rc <= 0) {
			fs->format = (int)version;
			return rc;
		}
		if (store_readonly(fs)) {
			/* An empty directory is a store to be made; not here. */
			snprintf(err, errlen, "not a librelease store: the directory has no FORMAT "
				 "file, and a store opened read-only%s is not created",
				 fs->why);
			return RELEASE_ENOTFOUND;
		}
		if (attempt == RETRIES) {
			snprintf(err, errlen, "opening FORMAT: %s", strerror(ENOENT));
			return RELEASE_EIO;
		}
		if ((rc = empty_dir(fs, err, errlen)) == 1)
			continue;
		if (rc == 0)
			rc = write_format(fs, want, err, errlen);
		if (rc != 0)
			return rc;
	}
}

/* Moves the store's FORMAT up to want (file.h: before the log holds what
 * needs it), unless it says that much already. */
int format_move(struct fstore *fs, int want)
{
	unsigned long long version = 0;
	char text[64];
	int rc;

	if (fs->format >= want)
		return 0;
	/* Another process may have moved it already (or removed it). */
	if ((rc = read_format(fs, &version, fs->errmsg, sizeof fs->errmsg)) == 1)
		return failf(fs, RELEASE_ECORRUPT, "the store's FORMAT file is gone");
	if (rc == 0 && version < (unsigned long long)want) {
		snprintf(text, sizeof text, "%s %d\n", FORMAT_NAME, want);
		rc = write_format(fs, text, fs->errmsg, sizeof fs->errmsg);
		version = (unsigned long long)want;
	}
	if (rc == 0)
		fs->format = (int)version;
	return rc;
}

/* Whether the store directory can be written: 0, or -1 with errno. */
static int dir_writable(int root)
{
	return faccessat(root, ".", W_OK, AT_EACCESS);
}

int file_open(void **ctx, const char *given, char *err, size_t errlen)
{
	struct fstore *fs;
	char path[4096];
	size_t len;
	int rc, mode;

	*ctx = NULL;
	if (!given || !*given) {
		snprintf(err, errlen, "file store path is empty");
		return RELEASE_EINVAL;
	}
	if ((rc = parse_options(given, &len, &mode, err, errlen)) != 0)
		return rc;
	if (len == 0) {
		snprintf(err, errlen, "file store path is empty");
		return RELEASE_EINVAL;
	}
	/* "dir/" would follow a symbolic link named dir: drop the slashes. */
	if (len >= sizeof path) {
		snprintf(err, errlen, "file store path is too long");
		return RELEASE_EINVAL;
	}
	memcpy(path, given, len);
	path[len] = '\0';
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	if (!(fs = calloc(1, sizeof *fs))) {
		snprintf(err, errlen, "out of memory");
		return RELEASE_ENOMEM;
	}
	fs->mode = mode;
	/* A store that does not exist yet needs writing to be made. */
	if (mode != MODE_RO && mkdir(path, 0700) != 0 && errno != EEXIST) {
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
		rc = e == ENOTDIR || e == ELOOP ? RELEASE_EINVAL : e == ENOENT ? RELEASE_ENOTFOUND :
		     errno_code(e);
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
	if (mode != MODE_RO && dir_writable(fs->root) != 0 &&
	    !store_fallback(fs, "its directory is not writable")) {
		if (errno == EACCES || errno == EPERM || errno == EROFS) {
			snprintf(err, errlen, "store directory '%s' is not writable (%s), and the "
				 "store was opened with mode=rw", path, strerror(errno));
			fs_close(fs);
			return RELEASE_EIO;
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
