/* Whole inputs read, whole files written (io.h). */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "relctl.h"

int io_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t put = write(fd, p, len);

		if (put < 0 && errno == EINTR)
			continue;
		if (put < 0)
			return -1;
		p += put;
		len -= (size_t)put;
	}
	return 0;
}

char *io_read_fd(int fd, size_t max, size_t *len)
{
	size_t n = 0, cap = 0;
	char *data = NULL, *grown;
	int e = 0;

	for (;;) {
		ssize_t got;

		if (n == cap) {
			/* One byte past max tells a longer input from one of max. */
			size_t want = cap ? 2 * cap : 65536;

			if (want > max + 1)
				want = max + 1;
			if (want <= n) {
				e = EFBIG;
				break;
			}
			if (!(grown = realloc(data, want + 1))) {
				e = ENOMEM;
				break;
			}
			data = grown;
			cap = want;
		}
		got = read(fd, data + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			e = errno;
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (!e && n > max)
		e = EFBIG;
	if (e) {
		free(data);
		errno = e;
		return NULL;
	}
	if (!data && !(data = malloc(1)))
		return NULL;
	data[n] = '\0';
	*len = n;
	return data;
}

int io_open_input(const char *path)
{
	if (strcmp(path, "-") == 0)
		return fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
	return open(path, O_RDONLY | O_CLOEXEC);
}

char *io_read_all(const char *path, size_t max, size_t *len)
{
	int fd = io_open_input(path), e;
	char *data;

	if (fd < 0)
		return NULL;
	data = io_read_fd(fd, max, len);
	e = errno;
	close(fd);
	errno = e;
	return data;
}

int io_drain(int fd, size_t *count)
{
	char buf[65536];

	for (;;) {
		ssize_t got = read(fd, buf, sizeof buf);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -1 : 0;
		*count += (size_t)got;
	}
}

int io_reads_stdin(const char *path)
{
	struct stat a, b;

	if (strcmp(path, "-") == 0)
		return 1;
	return stat(path, &a) == 0 && fstat(STDIN_FILENO, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

const char *io_input_name(const char *path)
{
	static char name[ARGS_SHOWN_MAX * 6 + 8];

	if (strcmp(path, "-") == 0)
		return "standard input";
	snprintf(name, sizeof name, "'%s'", relctl_shown(path));
	return name;
}

/* Writes data to fd and makes it durable. 0, or -1 with errno set. */
static int write_durably(int fd, const void *data, size_t len)
{
	return io_write_all(fd, data, len) == 0 && fsync(fd) == 0 ? 0 : -1;
}

/*
 * Writes the file as an unnamed one (O_TMPFILE) in path's directory, names
 * it tmp (PATH.PID.N) and renames it over path: killed before the name is
 * linked, relctl leaves nothing behind; killed between the link and the
 * rename, it leaves PATH.PID.N. 0; -1 with errno set; 1 when the file
 * system cannot do it (no O_TMPFILE, no /proc to link through), before
 * anything was written, and the caller should write a named one.
 */
static int replace_unnamed(const char *path, char *tmp, size_t dirlen, const void *data,
			   size_t len)
{
	struct stat st;
	char proc[64];
	int fd, e;

	memcpy(tmp, path, dirlen);
	memcpy(tmp + dirlen, dirlen ? "" : ".", dirlen ? 1 : 2);
	if ((fd = open(tmp, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600)) < 0)
		return 1; /* the named way says why, if it fails too */
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (lstat(proc, &st) != 0) { /* nothing to link through */
		close(fd);
		return 1;
	}
	if (write_durably(fd, data, len) != 0)
		goto fail;
	for (unsigned i = 0;; i++) {
		sprintf(tmp, "%s.%ld.%u", path, (long)getpid(), i);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0)
			break;
		if (errno != EEXIST || i == 100)
			goto fail;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* Writes the file under a name of mkstemp()'s (0600) and renames it over
 * path. 0, or -1 with errno set. */
static int replace_named(const char *path, char *tmp, const void *data, size_t len)
{
	int fd, e;

	sprintf(tmp, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0)
		return -1;
	if (write_durably(fd, data, len) != 0 || close(fd) != 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (rename(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

int io_replace_file(const char *path, const void *data, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + (slash == path) : 0;
	struct stat st;
	char *tmp;
	int fd, rc, e;

	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode) &&
	    !S_ISDIR(st.st_mode)) {
		/* A FIFO, a device: what writing to it means is its own. */
		if ((fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			return -1;
		if (io_write_all(fd, data, len) != 0) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		return close(fd);
	}
	if (!(tmp = malloc(strlen(path) + 48)))
		return -1;
	if ((rc = replace_unnamed(path, tmp, dirlen, data, len)) == 1)
		rc = replace_named(path, tmp, data, len);
	e = errno;
	free(tmp);
	errno = e;
	return rc;
}
