/* The test-only clock and random source. */
#include "testenv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int parse_number(const char *name, const char *what, int64_t *out, char *err,
			size_t errlen)
{
	const char *s = getenv(name);
	char *end;
	long long v;

	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0 || v > INT64_MAX / 1000000000) {
		snprintf(err, errlen, "%s must be %s, not '%s'", name, what, s);
		return -1;
	}
	*out = v;
	return 1;
}

int testenv_load(struct testenv *t, char *err, size_t errlen)
{
	int64_t v = 0;
	int rc;

	memset(t, 0, sizeof *t);
	if ((rc = parse_number("RELCTL_TEST_NOW", "whole seconds since the epoch", &v, err, errlen)) < 0)
		return -1;
	if (rc > 0) {
		t->fixed_now = 1;
		t->now = v * 1000000000;
	}
	if ((rc = parse_number("RELCTL_TEST_SEED", "a whole number", &v, err, errlen)) < 0)
		return -1;
	if (rc > 0) {
		t->seeded = 1;
		t->state = (uint64_t)v;
	}
	return 0;
}

static int64_t fixed_clock(void *payload)
{
	return ((const struct testenv *)payload)->now;
}

/* splitmix64: small, and good enough to make distinct test ids. Not for
 * anything that needs to be unpredictable. */
static uint64_t next64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static int seeded_random(void *payload, unsigned char *buf, size_t len)
{
	struct testenv *t = payload;

	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(next64(&t->state) >> 56);
	return 0;
}

void testenv_apply(struct testenv *t, release_store_opts *opts)
{
	if (t->fixed_now) {
		opts->clock = fixed_clock;
		opts->clock_payload = t;
	}
	if (t->seeded) {
		opts->random = seeded_random;
		opts->random_payload = t;
	}
}

int64_t testenv_now(const struct testenv *t)
{
	struct timespec ts;

	if (t->fixed_now)
		return t->now;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
