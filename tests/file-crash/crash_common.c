#include "crash_common.h"

#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t prng_next(struct prng *p)
{
	uint64_t z = (p->state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t prng_below(struct prng *p, uint64_t n)
{
	return prng_next(p) % n;
}

uint64_t seed_mix(uint64_t seed, uint64_t k)
{
	struct prng p = {seed ^ (k * UINT64_C(0xd1342543de82ef95))};

	prng_next(&p);
	return prng_next(&p);
}

uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long n;

	if (!v || !*v)
		return dflt;
	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno || *end) {
		fprintf(stderr, "ignoring %s='%s': not a number\n", name, v);
		return dflt;
	}
	return (uint64_t)n;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

int64_t real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

void sleep_us(uint64_t us)
{
	struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int tmpdir_make(char *out, size_t len, const char *prefix)
{
	const char *base = getenv("TMPDIR");

	if (!base || !*base)
		base = "/tmp";
	if ((size_t)snprintf(out, len, "%s/%s-XXXXXX", base, prefix) >= len)
		return -1;
	return mkdtemp(out) ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int tmpdir_remove(const char *path)
{
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int line_write(int fd, const char *fmt, ...)
{
	char b[CRASH_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b, sizeof b - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof b - 1)
		return -1;
	b[n++] = '\n';
	for (;;) {
		ssize_t w = write(fd, b, (size_t)n);

		if (w == n)
			return 0;
		if (w < 0 && errno == EINTR)
			continue;
		return -1;
	}
}

/* Appends what one read(2) gives: 1 read something, 0 EOF, -1 error or
 * timeout. */
static int read_some(int fd, char **buf, size_t *len, size_t *cap, int timeout_ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	ssize_t n;
	int rc;

	while ((rc = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	if (rc <= 0)
		return -1;
	if (*cap - *len < 4097) {
		size_t ncap = *cap > 8192 ? *cap * 2 : 16384;
		char *nb = realloc(*buf, ncap);

		if (!nb)
			return -1;
		*buf = nb;
		*cap = ncap;
	}
	while ((n = read(fd, *buf + *len, 4096)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return -1;
	*len += (size_t)n;
	(*buf)[*len] = '\0';
	return n > 0;
}

char *read_all(int fd, int timeout_ms)
{
	char *buf = malloc(1);
	size_t len = 0, cap = 1;
	int rc;

	if (!buf)
		return NULL;
	buf[0] = '\0';
	while ((rc = read_some(fd, &buf, &len, &cap, timeout_ms)) > 0)
		;
	if (rc < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int read_until_line(int fd, const char *want, char **buf, size_t *len, int timeout_ms)
{
	size_t cap = *buf ? *len + 1 : 0, wl = strlen(want);
	int64_t deadline = mono_ns() + (int64_t)timeout_ms * 1000000;

	for (;;) {
		const char *p = *buf;
		int64_t left;
		int rc;

		/* Is there a complete line equal to want? */
		while (p && *p) {
			const char *nl = strchr(p, '\n');

			if (!nl)
				break;
			if ((size_t)(nl - p) == wl && memcmp(p, want, wl) == 0)
				return 1;
			p = nl + 1;
		}
		left = (deadline - mono_ns()) / 1000000;
		if (left <= 0)
			return -1;
		rc = read_some(fd, buf, len, &cap, (int)left);
		if (rc <= 0)
			return rc;
	}
}
