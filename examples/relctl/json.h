/*
 * A small streaming JSON writer: objects, arrays, strings, integers, booleans
 * and null, indented two spaces a level, so that `relctl ... --json` output is
 * stable and readable. Strings are escaped per RFC 8259, and so is every
 * code point a terminal acts on (format_is_control(): C1 and bidi controls
 * as well as C0 and DEL), so a document shown raw cannot drive the terminal;
 * bytes that are not valid UTF-8 become U+FFFD, so the output is always
 * valid JSON text.
 */
#ifndef RELCTL_JSON_H
#define RELCTL_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 8

struct json {
	FILE *out;
	int depth;
	int count[JSON_DEPTH_MAX + 1]; /* values written at each level */
	int after_key;                 /* the next value completes a "key": */
};

void json_init(struct json *j, FILE *out);

void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);

/* Inside an object: writes "key": and expects one value next. */
void json_key(struct json *j, const char *key);

void json_string(struct json *j, const char *s); /* NULL writes null */
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);
/* A time (nanoseconds since the epoch) as an RFC 3339 string with all nine
 * digits of the fraction, "2019-01-01T00:00:49.000000000Z"; 0 writes null. */
void json_time(struct json *j, int64_t t);

/* Ends the document with a newline (after the outermost value). */
void json_finish(struct json *j);

/* Writes s as a JSON string literal, quotes included. */
void json_write_string(FILE *out, const char *s);

#endif
