/*
 * The file store's helpers: system calls retried and checked, failures
 * worded, app names and keys validated.
 * The on-disk format and the rules of recovery: file.h.
 */
#include "file.h"

int failf(struct fstore *fs, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fs->errmsg, sizeof fs->errmsg, fmt, ap);
	va_end(ap);
	return code;
}

int errno_code(int e)
{
	switch (e) {
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return RELEASE_ENOSPC;
	case ENOMEM:
		return RELEASE_ENOMEM;
	default:
		return RELEASE_EIO;
	}
}

int sys_fail(struct fstore *fs, const char *app, const char *what)
{
	int e = errno, rc = failf(fs, errno_code(e), "app '%s': %s: %s", app, what, strerror(e));

	errno = e;
	return rc;
}

/* Full pread: returns bytes read (short only at end of file) or -1. */
ssize_t pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	/* No file reaches offset 2^63: bytes past it (where a forged index
	 * entry may point) read as past the end of the file, which the caller
	 * judges as damage, not as the system's failure (EINVAL). */
	if (off > (uint64_t)INT64_MAX)
		len = 0;
	else if (len > (uint64_t)INT64_MAX - off)
		len = (size_t)((uint64_t)INT64_MAX - off);
	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

int fsync_retry(int fd)
{
	int rc;

	do
		rc = fsync(fd);
	while (rc != 0 && errno == EINTR);
	return rc;
}

int fdatasync_retry(int fd)
{
	int rc;

	do
		rc = fdatasync(fd);
	while (rc != 0 && errno == EINTR);
	return rc;
}

uint64_t file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

uint64_t key_hash(int kind, const char *key)
{
	uint64_t h = 1469598103934665603u;

	h = (h ^ (unsigned char)kind) * 1099511628211u;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	return h < 2 ? h + 2 : h;
}

int valid_key(const char *key)
{
	size_t n;

	if (!key)
		return 0;
	n = strlen(key);
	if (n < 1 || n > KEY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

int valid_app_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n < 1 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (c != '-' || i == 0 || i == n - 1))
			return 0;
	}
	return 1;
}

/* A storage kind this store keeps: META or an ordered one. */
int valid_kind(int kind)
{
	return kind == RELEASE_KIND_META || ordered(kind);
}

/* A kind with a seq index (seq_index()). */
int ordered(int kind)
{
	return kind >= RELEASE_KIND_BUILD && kind <= RELEASE_KIND_DEPLOY;
}
