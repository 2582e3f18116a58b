#include "fuzz_util.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int64_t fz_clock_read(void *payload)
{
	struct fz_clock *c = payload;
	int64_t t = c->now;

	c->now += c->step;
	return t;
}

int fz_random_fill(void *payload, unsigned char *buf, size_t len)
{
	struct fz_random *r = payload;

	for (size_t i = 0; i < len; i++) {
		uint64_t z = (r->state += UINT64_C(0x9E3779B97F4A7C15));

		z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
		z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
		buf[i] = (unsigned char)((z ^ (z >> 31)) >> 56);
	}
	return 0;
}

void fz_opts(release_store_opts *opts, struct fz_clock *clock, struct fz_random *rnd)
{
	release_store_opts_init(opts);
	opts->clock = fz_clock_read;
	opts->clock_payload = clock;
	opts->random = fz_random_fill;
	opts->random_payload = rnd;
	opts->lease_ns = INT64_C(60) * 1000000000;
}

void fz_finding(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz finding: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

int fz_rc(int rc, const char *what)
{
	if (rc > 0 || rc < RELEASE_EUNSUPPORTED)
		fz_finding("%s returned %d, not 0 or a RELEASE_E* code", what, rc);
	return rc;
}

int fz_iter_rc(int rc, const char *what)
{
	if (rc > 0 || rc < RELEASE_ITEROVER)
		fz_finding("%s returned %d, not 0, RELEASE_ITEROVER or a RELEASE_E* code", what, rc);
	return rc;
}

void fz_trace(const char *fmt, ...)
{
	static int on = -1;
	va_list ap;

	if (on < 0)
		on = getenv("FUZZ_TRACE") != NULL;
	if (!on)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void fz_rm_rf(const char *path)
{
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char temp_root[4096];

static void remove_temp_root(void)
{
	if (temp_root[0])
		fz_rm_rf(temp_root);
}

/* A crash (or a finding) ends the process without atexit handlers: the
 * directories of processes that are gone are removed by the next one. */
static void remove_stale(const char *base)
{
	DIR *d = opendir(base);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[4096], *end;
		struct stat st;
		long pid;

		if (strncmp(e->d_name, "librelease-fuzz-", 16) != 0)
			continue;
		pid = strtol(e->d_name + 16, &end, 10);
		snprintf(path, sizeof path, "%s/%s", base, e->d_name);
		if (*end || pid <= 0 || pid == (long)getpid() || lstat(path, &st) != 0 ||
		    st.st_uid != geteuid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		fz_rm_rf(path);
	}
	closedir(d);
}

const char *fz_temp_root(void)
{
	const char *bases[] = {getenv("FUZZ_TMPDIR"), "/dev/shm", getenv("TMPDIR"), "/tmp"};

	if (temp_root[0])
		return temp_root;
	for (size_t i = 0; i < sizeof bases / sizeof *bases; i++) {
		if (!bases[i] || bases[i][0] != '/')
			continue;
		remove_stale(bases[i]);
		snprintf(temp_root, sizeof temp_root, "%s/librelease-fuzz-%ld", bases[i],
			 (long)getpid());
		fz_rm_rf(temp_root); /* a process of the same pid, long gone */
		if (mkdir(temp_root, 0700) == 0) {
			atexit(remove_temp_root);
			return temp_root;
		}
	}
	temp_root[0] = '\0';
	fz_finding("cannot create a temporary directory: %s", strerror(errno));
}
