/* A unified diff of two texts' lines (linediff.c). */
#ifndef LIBRELEASE_LINEDIFF_H
#define LIBRELEASE_LINEDIFF_H

#include "internal.h"

#include <stddef.h>
#include <stdint.h>

/*
 * Appends to out the unified diff of text a (alen bytes) into text b:
 * "--- a_name\n+++ b_name\n" and hunks with 3 lines of context, as
 * `diff -u` writes them ("\ No newline at end of file" after a last line
 * without one); nothing when the texts are equal. The work is bounded:
 * texts too different to compare within it give one hunk replacing the
 * lines between their common first and last lines, whatever the lines:
 * key keys their hash, and unpredictable bits there keep lines from being
 * chosen to collide in it (which would only reach that bound sooner).
 * 0 or RELEASE_ENOMEM.
 */
int line_diff(struct buf *out, const char *a, size_t alen, const char *b, size_t blen,
	      const char *a_name, const char *b_name, const uint64_t key[2]);

#endif
