/* The env file format (env_file.h): parsing and writing. */
#include "env_file.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/format.h"

#define SHOWN_MAX 40 /* characters of a line that a message shows */

void env_pairs_init(struct env_pairs *p)
{
	memset(p, 0, sizeof *p);
}

void env_pairs_free(struct env_pairs *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->pairs[i]);
	free(p->pairs);
	free(p->lines);
	env_pairs_init(p);
}

int env_pairs_add(struct env_pairs *p, const char *key, size_t keylen, const char *value,
		  size_t vlen, size_t line)
{
	char *pair;

	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		char **pairs = realloc(p->pairs, cap * sizeof *pairs);
		size_t *lines;

		if (!pairs)
			return -1;
		p->pairs = pairs;
		if (!(lines = realloc(p->lines, cap * sizeof *lines)))
			return -1;
		p->lines = lines;
		p->cap = cap;
	}
	if (!(pair = malloc(keylen + 1 + vlen + 1)))
		return -1;
	memcpy(pair, key, keylen);
	pair[keylen] = '=';
	memcpy(pair + keylen + 1, value, vlen);
	pair[keylen + 1 + vlen] = '\0';
	p->lines[p->n] = line;
	p->pairs[p->n++] = pair;
	return 0;
}

long env_pairs_find(const struct env_pairs *p, const char *key, size_t keylen)
{
	for (size_t i = 0; i < p->n; i++)
		if (strncmp(p->pairs[i], key, keylen) == 0 && p->pairs[i][keylen] == '=')
			return (long)i;
	return -1;
}

int env_key_valid(const char *key, size_t len)
{
	if (len == 0 || len > ENV_KEY_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char ch = key[i];
		int alpha = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';

		if (!alpha && (i == 0 || ch < '0' || ch > '9'))
			return 0;
	}
	return 1;
}

const char *env_key_want(const char *key, size_t len)
{
	if (len > ENV_KEY_MAX && env_key_valid(key, ENV_KEY_MAX))
		return "longer than 256 bytes";
	return "want [A-Za-z_][A-Za-z0-9_]*";
}

/* A growing buffer of bytes. */
struct buf {
	char *s;
	size_t len, cap;
};

static int put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *s2;

		while (b->len + n + 1 > cap)
			cap *= 2;
		if (!(s2 = realloc(b->s, cap)))
			return -1;
		b->s = s2;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static int put_utf8(struct buf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	}
	return put(b, u, n);
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int bad(char *err, size_t errlen, size_t line, const char *fmt, ...)
{
	int n = snprintf(err, errlen, "line %zu: ", line);
	va_list ap;

	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The first bytes of a line (len of them), made safe, for a message. */
static const char *shown(const char *s, size_t len, char *out, size_t size)
{
	char *copy = malloc(len + 1), *safe = NULL;

	if (copy) {
		memcpy(copy, s, len);
		copy[len] = '\0';
		safe = format_safe(copy, 0, SHOWN_MAX);
	}
	snprintf(out, size, "%s", safe ? safe : "?");
	free(safe);
	free(copy);
	return out;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* n hex digits at s as a number; -1 when they are not. */
static long hex_number(const char *s, const char *end, int n)
{
	long v = 0;

	if (end - s < n)
		return -1;
	for (int i = 0; i < n; i++) {
		int d = hex(s[i]);

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* The quoted value at v (just after the opening quote) up to end, the end of
 * its line, into b. 0, -1 after bad(), -2 when out of memory. */
static int unquote(const char *v, const char *end, struct buf *b, size_t line, char *err,
		   size_t errlen)
{
	const char *p = v;

	for (; p < end && *p != '"'; p++) {
		char c;
		long x;

		if (*p != '\\') {
			if (put(b, p, 1) != 0)
				return -2;
			continue;
		}
		if (++p == end)
			break;
		switch (*p) {
		case '\\': c = '\\'; break;
		case '"': c = '"'; break;
		case 'n': c = '\n'; break;
		case 't': c = '\t'; break;
		case 'r': c = '\r'; break;
		case 'x':
			if ((x = hex_number(p + 1, end, 2)) <= 0)
				return bad(err, errlen, line,
					   "\\x wants two hex digits, 01 to ff, in a quoted value");
			p += 2;
			c = (char)x;
			break;
		case 'u':
			x = hex_number(p + 1, end, 4);
			if (x <= 0 || (x >= 0xd800 && x <= 0xdfff))
				return bad(err, errlen, line,
					   "\\u wants four hex digits naming a character, not "
					   "U+0000 or a surrogate, in a quoted value");
			p += 4;
			if (put_utf8(b, (uint32_t)x) != 0)
				return -2;
			continue;
		default: {
			char what[16];

			return bad(err, errlen, line,
				   "unknown escape '\\%s' in a quoted value (known: \\\\ \\\" \\n "
				   "\\t \\r \\xHH \\uXXXX)",
				   shown(p, 1, what, sizeof what));
		}
		}
		if (put(b, &c, 1) != 0)
			return -2;
	}
	if (p == end)
		return bad(err, errlen, line,
			   "a quoted value does not end on its line (write a newline as \\n)");
	for (p++; p < end; p++)
		if (*p != ' ' && *p != '\t')
			return bad(err, errlen, line, "text after a quoted value's closing quote");
	return 0;
}

/* One line (not its newline) of number line. */
static int parse_line(const char *s, const char *end, size_t line, struct env_pairs *out,
		      char *err, size_t errlen)
{
	const char *p = s, *eq, *v;
	struct buf b = {NULL, 0, 0};
	char what[SHOWN_MAX * 6 + 8];
	long prior;
	int rc;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#')
		return 0; /* blank, or a comment */
	/* Its text is not shown: it may be a secret's next line. */
	if (!(eq = memchr(s, '=', (size_t)(end - s))))
		return bad(err, errlen, line,
			   "not KEY=VALUE, no '=' (a value of several lines is written "
			   "quoted, with \\n)");
	if (!env_key_valid(s, (size_t)(eq - s)))
		return bad(err, errlen, line, "invalid env key '%s' (%s)",
			   shown(s, (size_t)(eq - s), what, sizeof what),
			   env_key_want(s, (size_t)(eq - s)));
	if ((prior = env_pairs_find(out, s, (size_t)(eq - s))) >= 0) {
		shown(s, (size_t)(eq - s), what, sizeof what);
		if (out->lines[prior])
			return bad(err, errlen, line, "%s is set twice (also on line %zu)", what,
				   out->lines[prior]);
		return bad(err, errlen, line, "%s is set twice (also on the command line)", what);
	}
	v = eq + 1;
	if (v < end && *v == '"') {
		if ((rc = unquote(v + 1, end, &b, line, err, errlen)) != 0) {
			free(b.s);
			return rc;
		}
	} else {
		if (memchr(v, '\r', (size_t)(end - v)))
			return bad(err, errlen, line,
				   "a carriage return in the value (a CRLF file?): write it "
				   "quoted, as \\r, to keep it");
		if (put(&b, v, (size_t)(end - v)) != 0)
			return -2;
	}
	rc = env_pairs_add(out, s, (size_t)(eq - s), b.s ? b.s : "", b.len, line) ? -2 : 0;
	free(b.s);
	return rc;
}

int env_file_parse(const char *text, size_t len, struct env_pairs *out, char *err,
		   size_t errlen)
{
	const char *p = text, *end = text + len;
	size_t line = 1;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		p += 3; /* a byte order mark */

	for (; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *stop = nl ? nl : end;
		int rc;

		if (memchr(p, '\0', (size_t)(stop - p)))
			return bad(err, errlen, line, "a NUL byte, which no value can hold");
		if ((rc = parse_line(p, stop, line, out, err, errlen)) != 0)
			return rc;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* 1 when value must be written quoted to read back as it is. */
static int needs_quotes(const char *value)
{
	size_t len = strlen(value);

	if (len == 0)
		return 0;
	if (value[0] == '"' || value[0] == ' ' || value[len - 1] == ' ')
		return 1;
	for (const char *p = value; *p;) {
		uint32_t cp;
		size_t n = format_utf8(p, &cp);

		if (n == 0 || format_is_control(cp))
			return 1;
		p += n;
	}
	return 0;
}

static int put_quoted(struct buf *b, const char *value)
{
	char esc[8];
	int rc = put(b, "\"", 1);

	for (const char *p = value; *p && rc == 0;) {
		uint32_t cp;
		size_t n = format_utf8(p, &cp);

		if (n == 0) { /* not UTF-8: the byte itself */
			snprintf(esc, sizeof esc, "\\x%02x", (unsigned char)*p);
			rc = put(b, esc, 4);
			p++;
			continue;
		}
		if (cp == '\\' || cp == '"') {
			esc[0] = '\\';
			esc[1] = (char)cp;
			rc = put(b, esc, 2);
		} else if (cp == '\n') {
			rc = put(b, "\\n", 2);
		} else if (cp == '\t') {
			rc = put(b, "\\t", 2);
		} else if (cp == '\r') {
			rc = put(b, "\\r", 2);
		} else if (cp < 0x80 && format_is_control(cp)) {
			snprintf(esc, sizeof esc, "\\x%02x", (unsigned)cp);
			rc = put(b, esc, 4);
		} else if (format_is_control(cp)) {
			snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
			rc = put(b, esc, 6);
		} else {
			rc = put(b, p, n);
		}
		p += n;
	}
	return rc == 0 ? put(b, "\"", 1) : rc;
}

char *env_file_line(const char *key, const char *value)
{
	struct buf b = {NULL, 0, 0};
	int rc;

	if (put(&b, key, strlen(key)) != 0 || put(&b, "=", 1) != 0)
		goto nomem;
	rc = needs_quotes(value) ? put_quoted(&b, value) : put(&b, value, strlen(value));
	if (rc != 0 || put(&b, "\n", 1) != 0)
		goto nomem;
	return b.s;
nomem:
	free(b.s);
	return NULL;
}
