/*
 * What the fuzz targets share: a deterministic clock and random source for
 * release_store_opts, the check that a call's result is a RELEASE_E* code,
 * findings (a message on stderr, then abort(), which libFuzzer records as a
 * crash with the input that caused it) and temporary directories.
 */
#ifndef LIBRELEASE_FUZZ_UTIL_H
#define LIBRELEASE_FUZZ_UTIL_H

#include <librelease/release.h>

#include <stddef.h>
#include <stdint.h>

/* A clock that starts at now and steps by step on every reading. */
struct fz_clock {
	int64_t now, step;
};

/* splitmix64, seeded: ids and lease tokens repeat from run to run. */
struct fz_random {
	uint64_t state;
};

int64_t fz_clock_read(void *payload);
int fz_random_fill(void *payload, unsigned char *buf, size_t len);

/* Options with the clock and random source above, and a fixed lease. */
void fz_opts(release_store_opts *opts, struct fz_clock *clock, struct fz_random *rnd);

/* A finding: prints "fuzz finding: <message>" and aborts. */
void fz_finding(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Aborts (a finding) unless rc is 0 or a RELEASE_E* code; returns rc. */
int fz_rc(int rc, const char *what);
/* The same for an iterator step, which may also return RELEASE_ITEROVER. */
int fz_iter_rc(int rc, const char *what);

/* Traces to stderr when FUZZ_TRACE is set in the environment (for reading
 * what a reproducer does); silent otherwise. */
void fz_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A fresh private directory under $FUZZ_TMPDIR, else /dev/shm (cheap fsyncs),
 * else $TMPDIR or /tmp, named after the process; removed at exit, or by the
 * next process after a crash. Returns a static string. */
const char *fz_temp_root(void);
/* rm -rf, never following symbolic links. */
void fz_rm_rf(const char *path);

#endif
