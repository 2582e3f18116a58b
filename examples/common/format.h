/*
 * Text in the formats Convox's CLI prints: relative times ("5 minutes ago"),
 * RFC 3339 UTC times, and left-aligned tables. Pure functions on strings and
 * numbers, shared by the example frontends (rollback-demo, relctl).
 */
#ifndef EXAMPLES_FORMAT_H
#define EXAMPLES_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* Nanoseconds in the units the relative-time table speaks of. */
#define FORMAT_SECOND INT64_C(1000000000)
#define FORMAT_MINUTE (60 * FORMAT_SECOND)
#define FORMAT_HOUR (60 * FORMAT_MINUTE)
#define FORMAT_DAY (24 * FORMAT_HOUR)
#define FORMAT_WEEK (7 * FORMAT_DAY)
#define FORMAT_MONTH (30 * FORMAT_DAY)  /* as Convox counts */
#define FORMAT_YEAR (360 * FORMAT_DAY)  /* as Convox counts */

/* Enough for any format_relative_time() or format_rfc3339() result. */
#define FORMAT_TIME_MAX 64

/*
 * Writes how long ago then was, seen from now (both nanoseconds since the
 * epoch): "now", "1 second ago", "5 minutes ago", ... "a long while ago";
 * a time in the future reads "... from now". Returns buf. The text is
 * truncated to fit size (FORMAT_TIME_MAX always fits).
 */
char *format_relative_time(char *buf, size_t size, int64_t then, int64_t now);

/* Writes t (nanoseconds since the epoch) as "2019-01-01T00:00:49Z",
 * rounded down to the second. Returns buf. */
char *format_rfc3339(char *buf, size_t size, int64_t t);

/*
 * A table of text cells, printed Convox's way: columns left-aligned, each
 * padded to its widest cell (header included) and separated by two spaces;
 * the last column is not padded and no line ends in spaces. Widths count
 * UTF-8 characters, not bytes. Cells are made safe with format_safe(), so
 * a cell never breaks its line nor reaches a terminal as a control sequence.
 */
typedef struct format_table format_table;

/* A table with ncols columns named by headers (copied). NULL when out of
 * memory or ncols is 0. */
format_table *format_table_new(size_t ncols, const char *const *headers);

/* Appends a row of ncols cells (copied; a NULL cell is empty).
 * Returns 0, or -1 when out of memory. */
int format_table_add_row(format_table *t, const char *const *cells);

/* The whole table, header first, one '\n'-terminated line per row; the
 * caller frees it. NULL when out of memory. */
char *format_table_render(const format_table *t);

void format_table_free(format_table *t);

/*
 * The code point of the valid UTF-8 sequence at s in *cp, and its length in
 * bytes; 0 when s does not start one (a stray continuation byte, an
 * overlong form, a surrogate, a code point above U+10FFFF, a cut sequence).
 */
size_t format_utf8(const char *s, uint32_t *cp);

/* 1 for a code point a terminal acts on rather than shows: C0, DEL, C1, and
 * the controls that reorder bidirectional text (which can make a line read
 * other than it is). */
int format_is_control(uint32_t cp);

/* A flag of format_safe(): keep '\n' and '\t' as they are (multi-line text). */
#define FORMAT_SAFE_LINES 1u

/*
 * s made harmless and visible on a terminal, for text output of stored or
 * typed strings: control characters become C-style escapes ("\t", "\n",
 * "\r", "\e", "\x01", "\x7f"), the C1 controls and the bidirectional-text
 * controls become "\u0085", "\u202e"..., bytes that are not UTF-8 become
 * U+FFFD, and valid printable UTF-8 (backslash included) stays as it is.
 * With max > 0, at most max characters of s are kept and "..." is added
 * when some were cut. Returns a string to free, or NULL when out of memory.
 */
char *format_safe(const char *s, unsigned flags, size_t max);

#endif
