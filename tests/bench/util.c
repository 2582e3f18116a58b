/* The benchmark's small helpers: time, medians, random numbers, files, the
 * page cache. */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

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

void progress(const char *fmt, ...)
{
	static int64_t start;
	int64_t now = now_ns();
	va_list ap;

	if (!start)
		start = now;
	fprintf(stderr, "bench: %6.1f s: ", (double)(now - start) / 1e9);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
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

/* ------------------------------------------- copies and the page cache */

static struct {
	const char *src, *dst;
	size_t src_len;
	uint64_t resident, total;
} tree;

static void copy_file(const char *from, const char *to, mode_t mode)
{
	static char buf[1 << 20];
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ssize_t n;

	if (in < 0 || out < 0)
		die("copy %s to %s: %s", from, to, strerror(errno));
	while ((n = read(in, buf, sizeof buf)) > 0)
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));

			if (w < 0)
				die("write %s: %s", to, strerror(errno));
			done += w;
		}
	/* Dirty pages are not dropped by POSIX_FADV_DONTNEED: write them now. */
	if (n < 0 || fdatasync(out) != 0)
		die("copy %s to %s: %s", from, to, strerror(errno));
	close(in);
	close(out);
}

static int copy_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char to[4096];

	snprintf(to, sizeof to, "%s%s", tree.dst, path + tree.src_len);
	if (flag == FTW_D && ftw->level > 0 && mkdir(to, st->st_mode & 07777) != 0)
		die("mkdir %s: %s", to, strerror(errno));
	else if (flag == FTW_F && S_ISREG(st->st_mode))
		copy_file(path, to, st->st_mode & 07777);
	return 0;
}

void copy_tree(const char *src, const char *dst)
{
	tree.src = src;
	tree.dst = dst;
	tree.src_len = strlen(src);
	if (nftw(src, copy_entry, 16, FTW_PHYS) != 0)
		die("copy %s: %s", src, strerror(errno));
}

/* The bytes of fd's first len that are in the page cache. */
static uint64_t cached_bytes(int fd, uint64_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), pages = (size_t)((len + page - 1) / page);
	uint64_t n = 0;
	unsigned char *vec;
	void *p;

	if (len == 0)
		return 0;
	p = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, fd, 0);
	vec = malloc(pages);
	if (p == MAP_FAILED || !vec || mincore(p, (size_t)len, vec) != 0)
		die("mincore: %s", strerror(errno));
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1 ? page : 0;
	free(vec);
	munmap(p, (size_t)len);
	return n < len ? n : len;
}

static int evict_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	int fd, rc;

	(void)ftw;
	if (flag != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	/* Pages a previous run dirtied are written back first, or they would
	 * stay; without a flush of the disk's cache, which eviction needs not. */
	if (sync_file_range(fd, 0, 0,
			    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
				    SYNC_FILE_RANGE_WAIT_AFTER) != 0)
		die("sync_file_range %s: %s", path, strerror(errno));
	rc = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (rc != 0)
		die("posix_fadvise %s: %s", path, strerror(rc));
	tree.resident += cached_bytes(fd, (uint64_t)st->st_size);
	tree.total += (uint64_t)st->st_size;
	close(fd);
	return 0;
}

void evict_tree(const char *dir, uint64_t *resident, uint64_t *total)
{
	tree.resident = tree.total = 0;
	if (nftw(dir, evict_entry, 16, FTW_PHYS) != 0)
		die("evict %s: %s", dir, strerror(errno));
	*resident = tree.resident;
	*total = tree.total;
}
