/* Helpers shared by the file store's crash and concurrency tests: temporary
 * store directories, a seeded PRNG, clocks, line-oriented pipes. Used from
 * forked children too, so nothing here calls cmocka. */
#ifndef RELEASE_CRASH_COMMON_H
#define RELEASE_CRASH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define CRASH_LINE_MAX 256 /* well under PIPE_BUF: one write(2) is atomic */

/* A reproducible PRNG (splitmix64). */
struct prng {
	uint64_t state;
};
uint64_t prng_next(struct prng *p);
/* Uniform in [0, n); n > 0. */
uint64_t prng_below(struct prng *p, uint64_t n);
/* A well-mixed derived seed, e.g. for child k of a run. */
uint64_t seed_mix(uint64_t seed, uint64_t k);

/* An unsigned number from the environment (decimal or 0x hex), or dflt. */
uint64_t env_u64(const char *name, uint64_t dflt);

/* CLOCK_MONOTONIC and CLOCK_REALTIME in nanoseconds. */
int64_t mono_ns(void);
int64_t real_ns(void);
void sleep_us(uint64_t us);

/* Makes <$TMPDIR or /tmp>/<prefix>-XXXXXX; returns 0 or -1. */
int tmpdir_make(char *out, size_t len, const char *prefix);
/* rm -rf; returns 0 or -1. */
int tmpdir_remove(const char *path);

/* Writes one line (a '\n' is added) with a single write(2). Returns 0 or -1. */
int line_write(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads a whole fd to EOF (or until timeout_ms of silence; -1: no limit) into
 * a NUL-terminated malloc'ed buffer. Returns NULL on failure or timeout. */
char *read_all(int fd, int timeout_ms);

/* Reads from fd until a line equal to want arrives, appending everything read
 * to *buf (malloc'ed, NUL-terminated; *len its length). Returns 1 when the
 * line arrived, 0 at EOF, -1 on timeout or error. */
int read_until_line(int fd, const char *want, char **buf, size_t *len, int timeout_ms);

#endif
