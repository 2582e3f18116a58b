/* The benchmark's small helpers: time, medians, random numbers, files. */
#include "bench.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>

const char *const store_names[S_COUNT] = {"memory", "file", "sqlite", "postgresql"};

void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

double median(int64_t *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_i64);
	return n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

long vm_rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	return kib;
}

static uint64_t du_bytes;

static int du_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	du_bytes += (uint64_t)st->st_blocks * 512;
	return 0;
}

uint64_t disk_usage(const char *path)
{
	du_bytes = 0;
	nftw(path, du_entry, 16, FTW_PHYS);
	return du_bytes;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void rm_rf(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void make_temp(char *out, size_t len, const char *base, const char *what)
{
	snprintf(out, len, "%s/librelease-bench-%s-XXXXXX", base, what);
	if (!mkdtemp(out))
		die("cannot create a directory under %s: %s", base, strerror(errno));
}

const char *fs_name(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf) != 0)
		return "?";
	switch ((unsigned long)sf.f_type) {
	case 0x01021994ul: return "tmpfs";
	case 0xef53ul: return "ext4";
	case 0x58465342ul: return "xfs";
	case 0x9123683eul: return "btrfs";
	case 0x794c7630ul: return "overlayfs";
	default: return "other";
	}
}

int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void syncs_of(struct syncs *out, const uint64_t *v, size_t n)
{
	uint64_t sum = 0;

	out->counted = n > 0;
	out->min = n ? v[0] : 0;
	out->max = 0;
	for (size_t i = 0; i < n; i++) {
		sum += v[i];
		out->min = v[i] < out->min ? v[i] : out->min;
		out->max = v[i] > out->max ? v[i] : out->max;
	}
	out->mean = n ? (double)sum / (double)n : 0;
}
