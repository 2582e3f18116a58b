/*
 * Test-only determinism. Two environment variables, for golden tests and
 * never for real use:
 *
 *   RELCTL_TEST_NOW=<unix seconds>  the store's clock and "now" for relative
 *                                   times are fixed at this second
 *   RELCTL_TEST_SEED=<n>            ids and lease tokens come from a
 *                                   pseudo-random sequence seeded with n
 *
 * Both work through the public release_store_opts (clock and random
 * callbacks); nothing else in relctl knows about them.
 */
#ifndef RELCTL_TESTENV_H
#define RELCTL_TESTENV_H

#include <stddef.h>
#include <stdint.h>

#include <librelease/release.h>

struct testenv {
	int fixed_now;   /* RELCTL_TEST_NOW was given */
	int64_t now;     /* then: the fixed time, nanoseconds */
	int seeded;      /* RELCTL_TEST_SEED was given */
	uint64_t state;  /* then: the generator's state */
};

/* Reads the variables. Returns 0, or -1 with a message in err when one is
 * set but is not a number. */
int testenv_load(struct testenv *t, char *err, size_t errlen);

/* Points opts' clock and random source at t when its variables are set. */
void testenv_apply(struct testenv *t, release_store_opts *opts);

/* Now, nanoseconds since the epoch: the fixed time, or the real clock. */
int64_t testenv_now(const struct testenv *t);

#endif
