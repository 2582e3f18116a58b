/* Writing JSON: layout, and the string escaper. */
#include "json.h"

#include <inttypes.h>
#include <string.h>

#include "common/format.h"

void json_init(struct json *j, FILE *out)
{
	memset(j, 0, sizeof *j);
	j->out = out;
}

static void indent(struct json *j)
{
	fputc('\n', j->out);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

/* Separates and indents the value about to be written. */
static void before_value(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->depth > 0) {
		if (j->count[j->depth] > 0)
			fputc(',', j->out);
		indent(j);
	}
	j->count[j->depth]++;
}

static void open_level(struct json *j, char c)
{
	before_value(j);
	fputc(c, j->out);
	if (j->depth < JSON_DEPTH_MAX)
		j->depth++;
	j->count[j->depth] = 0;
}

static void close_level(struct json *j, char c)
{
	int empty = j->count[j->depth] == 0;

	if (j->depth > 0)
		j->depth--;
	if (!empty)
		indent(j);
	fputc(c, j->out);
}

void json_begin_object(struct json *j)
{
	open_level(j, '{');
}

void json_end_object(struct json *j)
{
	close_level(j, '}');
}

void json_begin_array(struct json *j)
{
	open_level(j, '[');
}

void json_end_array(struct json *j)
{
	close_level(j, ']');
}

void json_key(struct json *j, const char *key)
{
	before_value(j);
	json_write_string(j->out, key);
	fputs(": ", j->out);
	j->after_key = 1;
}

void json_string(struct json *j, const char *s)
{
	before_value(j);
	if (s)
		json_write_string(j->out, s);
	else
		fputs("null", j->out);
}

void json_int(struct json *j, int64_t v)
{
	before_value(j);
	fprintf(j->out, "%" PRId64, v);
}

void json_uint(struct json *j, uint64_t v)
{
	before_value(j);
	fprintf(j->out, "%" PRIu64, v);
}

void json_bool(struct json *j, int v)
{
	before_value(j);
	fputs(v ? "true" : "false", j->out);
}

void json_null(struct json *j)
{
	before_value(j);
	fputs("null", j->out);
}

void json_time(struct json *j, int64_t t)
{
	char when[FORMAT_TIME_MAX];
	int64_t frac = t % FORMAT_SECOND;
	size_t n;

	if (t == 0) {
		json_null(j);
		return;
	}
	if (frac < 0)
		frac += FORMAT_SECOND;
	/* format_rfc3339() gives whole seconds and a 'Z': put the fraction
	 * before the 'Z'. */
	format_rfc3339(when, sizeof when, t);
	n = strlen(when);
	if (n > 0 && when[n - 1] == 'Z')
		snprintf(when + n - 1, sizeof when - (n - 1), ".%09" PRId64 "Z", frac);
	json_string(j, when);
}

void json_finish(struct json *j)
{
	fputc('\n', j->out);
}

void json_write_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	while (*p) {
		uint32_t cp;
		size_t n = format_utf8((const char *)p, &cp);

		if (n == 0) {
			fputs("\\ufffd", out);
			p++;
			continue;
		}
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			/* C1 and bidi controls too, though JSON allows them
			 * raw: a document printed on a terminal must not drive
			 * it. */
			if (format_is_control(cp))
				fprintf(out, "\\u%04x", (unsigned)cp);
			else
				fwrite(p, 1, n, out);
		}
		p += n;
	}
	fputc('"', out);
}
