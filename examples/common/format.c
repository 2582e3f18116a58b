/* Relative times, RFC 3339 times and aligned tables, as Convox prints them. */
#include "format.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Convox's relative-time table: the first row whose bound is greater than
 * the age wins. A row with a unit prints N = age / unit (rounded down)
 * before its word; a row without one prints its text as it is.
 */
static const struct age_row {
	int64_t below;
	int64_t unit;
	const char *text;
} age_rows[] = {
	{FORMAT_SECOND, 0, "now"},
	{2 * FORMAT_SECOND, 0, "1 second"},
	{FORMAT_MINUTE, FORMAT_SECOND, "seconds"},
	{2 * FORMAT_MINUTE, 0, "1 minute"},
	{FORMAT_HOUR, FORMAT_MINUTE, "minutes"},
	{2 * FORMAT_HOUR, 0, "1 hour"},
	{FORMAT_DAY, FORMAT_HOUR, "hours"},
	{2 * FORMAT_DAY, 0, "1 day"},
	{FORMAT_WEEK, FORMAT_DAY, "days"},
	{2 * FORMAT_WEEK, 0, "1 week"},
	{30 * FORMAT_DAY, FORMAT_WEEK, "weeks"},
	{2 * FORMAT_MONTH, 0, "1 month"},
	{FORMAT_YEAR, FORMAT_MONTH, "months"},
	{18 * FORMAT_MONTH, 0, "1 year"},
	{2 * FORMAT_YEAR, 0, "2 years"},
	{37 * FORMAT_YEAR, FORMAT_YEAR, "years"},
};

char *format_relative_time(char *buf, size_t size, int64_t then, int64_t now)
{
	/* Unsigned, so that no pair of int64_t times can overflow. */
	uint64_t age = then <= now ? (uint64_t)now - (uint64_t)then : (uint64_t)then - (uint64_t)now;
	const char *when = then <= now ? "ago" : "from now";
	size_t i;

	if (size == 0)
		return buf;
	for (i = 0; i < sizeof age_rows / sizeof age_rows[0]; i++) {
		const struct age_row *row = &age_rows[i];

		if (age >= (uint64_t)row->below)
			continue;
		if (i == 0)
			snprintf(buf, size, "%s", row->text);
		else if (row->unit == 0)
			snprintf(buf, size, "%s %s", row->text, when);
		else
			snprintf(buf, size, "%" PRIu64 " %s %s", age / (uint64_t)row->unit, row->text,
				 when);
		return buf;
	}
	snprintf(buf, size, "a long while %s", when);
	return buf;
}

char *format_rfc3339(char *buf, size_t size, int64_t t)
{
	/* Round toward minus infinity, so 1ns before the epoch is 23:59:59. */
	int64_t secs = t / FORMAT_SECOND - (t % FORMAT_SECOND < 0);
	time_t tt = (time_t)secs;
	struct tm tm;

	if (size == 0)
		return buf;
	if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%s", "?");
	return buf;
}

size_t format_utf8(const char *s, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c = p[0];
	size_t n, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		v = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) /* also stops at the NUL */
			return 0;
		v = v << 6 | (p[i] & 0x3F);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
	    (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

int format_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
	       cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

char *format_safe(const char *s, unsigned flags, size_t max)
{
	size_t len = strlen(s), pos = 0, chars = 0;
	char *out;

	/* The longest escape, "\x01" for one byte, is 4 bytes a byte. */
	if (len > (SIZE_MAX - 4) / 4 || !(out = malloc(4 * len + 4)))
		return NULL;
	while (*s) {
		uint32_t cp;
		size_t n = format_utf8(s, &cp);

		if (max > 0 && chars++ == max) {
			memcpy(out + pos, "...", 3);
			pos += 3;
			break;
		}
		if (n == 0) {
			memcpy(out + pos, "\xEF\xBF\xBD", 3); /* U+FFFD */
			pos += 3;
			s++;
			continue;
		}
		s += n;
		if (!format_is_control(cp) || ((flags & FORMAT_SAFE_LINES) && (cp == '\n' || cp == '\t'))) {
			memcpy(out + pos, s - n, n);
			pos += n;
		} else if (cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x1B) {
			out[pos++] = '\\';
			out[pos++] = cp == '\t' ? 't' : cp == '\n' ? 'n' : cp == '\r' ? 'r' : 'e';
		} else {
			/* At most 6 bytes for at least 2 of input. */
			pos += (size_t)sprintf(out + pos, cp < 0x80 ? "\\x%02x" : "\\u%04x",
					       (unsigned)cp);
		}
	}
	out[pos] = '\0';
	return out;
}

struct format_table {
	size_t ncols;
	size_t nrows; /* the header is row 0 */
	size_t cap;
	char **cells; /* nrows * ncols, row-major */
};

/* Display width of UTF-8 text: one per character, not per byte. */
static size_t text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

format_table *format_table_new(size_t ncols, const char *const *headers)
{
	format_table *t;

	if (ncols == 0 || !(t = calloc(1, sizeof *t)))
		return NULL;
	t->ncols = ncols;
	if (format_table_add_row(t, headers) != 0) {
		format_table_free(t);
		return NULL;
	}
	return t;
}

int format_table_add_row(format_table *t, const char *const *cells)
{
	size_t i;
	char **row;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 8;
		char **grown = realloc(t->cells, cap * t->ncols * sizeof *grown);

		if (!grown)
			return -1;
		t->cells = grown;
		t->cap = cap;
	}
	row = t->cells + t->nrows * t->ncols;
	for (i = 0; i < t->ncols; i++) {
		if (!(row[i] = format_safe(cells[i] ? cells[i] : "", 0, 0))) {
			while (i > 0)
				free(row[--i]);
			return -1;
		}
	}
	t->nrows++;
	return 0;
}

char *format_table_render(const format_table *t)
{
	size_t *width = calloc(t->ncols, sizeof *width);
	size_t r, c, len = 1, pos = 0;
	char *out = NULL;

	if (!width)
		return NULL;
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			size_t w = text_width(t->cells[r * t->ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	}
	/* An upper bound: every cell's bytes, its padding, two spaces, '\n'. */
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			len += strlen(t->cells[r * t->ncols + c]) + width[c] + 2 + 1;
	if (!(out = malloc(len)))
		goto out;
	for (r = 0; r < t->nrows; r++) {
		size_t line = pos;

		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			size_t n = strlen(cell);

			memcpy(out + pos, cell, n);
			pos += n;
			if (c + 1 < t->ncols) {
				size_t pad = width[c] - text_width(cell) + 2;

				memset(out + pos, ' ', pad);
				pos += pad;
			}
		}
		while (pos > line && out[pos - 1] == ' ')
			pos--;
		out[pos++] = '\n';
	}
	out[pos] = '\0';
out:
	free(width);
	return out;
}

void format_table_free(format_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
