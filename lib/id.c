/* Time and identity: the store's clock and random source, ids and tokens. */
#include "internal.h"

#include <errno.h>
#include <sys/random.h>
#include <time.h>

int64_t default_clock(void *payload)
{
	struct timespec ts;

	(void)payload;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int default_random(void *payload, unsigned char *buf, size_t len)
{
	(void)payload;
	while (len > 0) {
		ssize_t n = getrandom(buf, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return RELEASE_EIO;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int64_t store_now(release_store *s)
{
	return s->clock(s->clock_payload);
}

int64_t time_after(int64_t t, int64_t ns)
{
	if (ns > 0 && t > INT64_MAX - ns)
		return INT64_MAX;
	if (ns < 0 && t < INT64_MIN - ns)
		return INT64_MIN;
	return t + ns;
}

/* Fills out with n symbols drawn uniformly from an alphabet of size k,
 * rejecting bytes that would bias the draw. */
static int draw(release_store *s, const char *alphabet, unsigned k, char *out, size_t n)
{
	unsigned limit = 256 - 256 % k;
	size_t got = 0;

	while (got < n) {
		unsigned char b[32];
		int rc = s->random(s->random_payload, b, sizeof b);

		if (rc != 0)
			return fail(s, rc < 0 ? rc : RELEASE_EIO, "random source failed");
		for (size_t i = 0; i < sizeof b && got < n; i++)
			if (b[i] < limit)
				out[got++] = alphabet[b[i] % k];
	}
	return 0;
}

int make_id(release_store *s, char prefix, char out[ID_MAX])
{
	int rc;

	out[0] = prefix;
	rc = draw(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 26, out + 1, ID_LETTERS);
	out[1 + ID_LETTERS] = '\0';
	return rc;
}

int make_token(release_store *s, char out[33])
{
	int rc = draw(s, "0123456789abcdef", 16, out, 32);

	out[32] = '\0';
	return rc;
}
