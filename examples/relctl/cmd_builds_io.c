/* Files the builds commands read and write: manifests, logs, exports. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_builds.h"

const char *builds_input_name(const char *path)
{
	static char name[ARGS_SHOWN_MAX * 6 + 8];

	if (strcmp(path, "-") == 0)
		return "standard input";
	snprintf(name, sizeof name, "'%s'", relctl_shown(path));
	return name;
}

char *builds_read_all(const char *path, size_t max, size_t *len)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0, cap = 0;
	char *data = NULL, *grown;
	int e = 0;

	if (fd < 0)
		return NULL;
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
	if (fd != STDIN_FILENO)
		close(fd);
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

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t put = write(fd, data, len);

		if (put < 0 && errno == EINTR)
			continue;
		if (put < 0)
			return -1;
		data += put;
		len -= (size_t)put;
	}
	return 0;
}

int builds_write_file(const char *path, const void *data, size_t len)
{
	struct stat st;
	char *tmp;
	mode_t mask;
	int fd, e;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
			return -1;
		if (write_all(fd, data, len) != 0) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		return close(fd);
	}
	if (!(tmp = malloc(strlen(path) + sizeof ".XXXXXX")))
		return -1;
	strcpy(tmp, path);
	strcat(tmp, ".XXXXXX");
	if ((fd = mkstemp(tmp)) < 0) {
		e = errno;
		free(tmp);
		errno = e;
		return -1;
	}
	/* mkstemp makes it 0600; a file written here gets what open() gives. */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	free(tmp);
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	errno = e;
	return -1;
}
