/* Copies of releases and builds that a caller owns.
 *
 * A copy is made by encoding the object as a record and decoding it again:
 * the codec is the one place that knows every stored field and how a
 * decoded object is laid out, so a copy is built exactly as a read is. What
 * a record does not hold (whether the release was active when read) is
 * copied after. */
#include "internal.h"

#include <stdlib.h>

RELEASE_API release *release_dup(const release *r)
{
	struct buf b = {0};
	release *copy = NULL;

	if (!r)
		return NULL;
	encode_release(&b, r);
	if (!b.err && (copy = calloc(1, sizeof *copy)) != NULL &&
	    decode_release(b.p, b.len, copy) != 0) {
		free(copy);
		copy = NULL;
	}
	buf_free(&b);
	if (copy)
		copy->active = r->active;
	return copy;
}

RELEASE_API release_build *release_build_dup(const release_build *build)
{
	struct buf b = {0};
	release_build *copy = NULL;

	if (!build)
		return NULL;
	encode_build(&b, build);
	if (!b.err && (copy = calloc(1, sizeof *copy)) != NULL &&
	    decode_build(b.p, b.len, copy, 1) != 0) {
		free(copy);
		copy = NULL;
	}
	if (copy)
		copy->no_log = build->no_log;
	buf_free(&b);
	return copy;
}
