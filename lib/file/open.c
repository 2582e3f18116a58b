/*
 * Opening a file store: its directory, its FORMAT file, the machine's boot
 * id.
 * The on-disk format and the rules of recovery: file.h.
 */
#include "file.h"

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
	if (*version != FORMAT_PLAIN && *version != FORMAT_VERSION) {
		snprintf(err, errlen, "store format %.20s is not supported (this library reads formats "
			 "%d and %d)", buf + prefix, FORMAT_PLAIN, FORMAT_VERSION);
		return RELEASE_EUNSUPPORTED;
	}
	return 0;
}

/* Checks, or writes, the FORMAT file of the store directory. A new store
 * is of format 1 until it needs 2 (format_move), so that version 1 of the
 * library reads it until then. */
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

int format_move(struct fstore *fs)
{
	unsigned long long version = 0;
	char want[64];
	int rc;

	if (fs->format == FORMAT_VERSION)
		return 0;
	/* Another process may have moved it already (or removed it). */
	if ((rc = read_format(fs, &version, fs->errmsg, sizeof fs->errmsg)) == 1)
		return failf(fs, RELEASE_ECORRUPT, "the store's FORMAT file is gone");
	if (rc == 0 && version == FORMAT_PLAIN) {
		snprintf(want, sizeof want, "%s %d\n", FORMAT_NAME, FORMAT_VERSION);
		rc = write_format(fs, want, fs->errmsg, sizeof fs->errmsg);
	}
	if (rc == 0)
		fs->format = FORMAT_VERSION;
	return rc;
}

int file_open(void **ctx, const char *given, char *err, size_t errlen)
{
	struct fstore *fs;
	char path[4096];
	size_t len;
	int rc;

	*ctx = NULL;
	if (!given || !*given) {
		snprintf(err, errlen, "file store path is empty");
		return RELEASE_EINVAL;
	}
	/* "dir/" would follow a symbolic link named dir: drop the slashes. */
	len = strlen(given);
	if (len >= sizeof path) {
		snprintf(err, errlen, "file store path is too long");
		return RELEASE_EINVAL;
	}
	memcpy(path, given, len + 1);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	if (!(fs = calloc(1, sizeof *fs))) {
		snprintf(err, errlen, "out of memory");
		return RELEASE_ENOMEM;
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
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
		rc = e == ENOTDIR || e == ELOOP ? RELEASE_EINVAL : errno_code(e);
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
	if ((rc = check_format(fs, err, errlen)) != 0) {
		fs_close(fs);
		return rc;
	}
	read_boot_id(fs);
	*ctx = fs;
	return 0;
}
