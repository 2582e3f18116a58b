/* Key/value blocks, durations, status words, masking, live events. */
#include "output.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/format.h"
#include "common/print.h"

struct info {
	size_t n, cap;
	char **keys, **values;
};

info *info_new(void)
{
	return calloc(1, sizeof(info));
}

static char *copy(const char *s)
{
	char *c = malloc(strlen(s) + 1);

	if (c)
		strcpy(c, s);
	return c;
}

static int add(info *in, const char *key, const char *value, int lines)
{
	if (in->n == in->cap) {
		size_t cap = in->cap ? 2 * in->cap : 8;
		char **k = realloc(in->keys, cap * sizeof *k), **v;

		if (!k)
			return -1;
		in->keys = k;
		if (!(v = realloc(in->values, cap * sizeof *v)))
			return -1;
		in->values = v;
		in->cap = cap;
	}
	in->keys[in->n] = copy(key);
	/* One line, unless the caller made the lines: a stored newline must
	 * not pass for the next key's. */
	in->values[in->n] = lines ? copy(value ? value : "") : format_safe(value ? value : "", 0, 0);
	if (!in->keys[in->n] || !in->values[in->n]) {
		free(in->keys[in->n]);
		free(in->values[in->n]);
		return -1;
	}
	in->n++;
	return 0;
}

int info_add(info *in, const char *key, const char *value)
{
	return add(in, key, value, 0);
}

int info_add_lines(info *in, const char *key, const char *lines)
{
	return add(in, key, lines, 1);
}

/* Adds the lines of value to t, the first under key, the rest under "". */
static int add_lines(format_table **t, const char *key, const char *value)
{
	char *text = copy(value), *line, *next;
	int rc = 0;

	if (!text)
		return -1;
	for (line = text; line && rc == 0; line = next, key = "") {
		const char *row[2];

		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		if (!next && !*line && line != text)
			break; /* the newline ending the value */
		row[0] = key;
		row[1] = line;
		if (!*t)
			rc = (*t = format_table_new(2, row)) ? 0 : -1;
		else
			rc = format_table_add_row(*t, row);
	}
	free(text);
	return rc;
}

int info_print(const info *in, FILE *out)
{
	format_table *t = NULL; /* the first pair is the table's "header" */
	char *text = NULL;
	int rc = 0;

	for (size_t i = 0; i < in->n && rc == 0; i++)
		rc = add_lines(&t, in->keys[i], in->values[i]);
	if (rc == 0 && t && !(text = format_table_render(t)))
		rc = -1;
	if (text)
		fputs(text, out);
	free(text);
	format_table_free(t);
	return rc;
}

int listing_end(struct json *j, format_table *t, FILE *out, int rc)
{
	char *text;

	if (!t) {
		json_end_array(j);
		json_finish(j);
	} else if ((text = format_table_render(t))) {
		fputs(text, out);
		free(text);
	} else if (rc == RELEASE_ITEROVER) {
		return RELEASE_ENOMEM;
	}
	return rc == RELEASE_ITEROVER ? 0 : rc;
}

void info_free(info *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->n; i++) {
		free(in->keys[i]);
		free(in->values[i]);
	}
	free(in->keys);
	free(in->values);
	free(in);
}

char *format_elapsed(char *buf, size_t size, int64_t started, int64_t ended)
{
	int64_t s;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (ended == 0)
		return buf;
	/* Times are the store's: a span past int64_t (a damaged or imported
	 * record) must not overflow. */
	if (ended <= started)
		s = 0;
	else if (started < 0 && ended > INT64_MAX + started)
		s = INT64_MAX / FORMAT_SECOND;
	else
		s = (ended - started) / FORMAT_SECOND;
	if (s < 60)
		snprintf(buf, size, "%" PRId64 "s", s);
	else
		snprintf(buf, size, "%" PRId64 "m%" PRId64 "s", s / 60, s % 60);
	return buf;
}

char *format_duration(char *buf, size_t size, int64_t ns)
{
	int64_t s = ns > 0 ? ns / FORMAT_SECOND : 0;

	if (s < 60)
		snprintf(buf, size, "%" PRId64 "s", s);
	else if (s < 3600)
		snprintf(buf, size, "%" PRId64 "m%" PRId64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%" PRId64 "h%" PRId64 "m", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, size, "%" PRId64 "d%" PRId64 "h", s / 86400, s % 86400 / 3600);
	return buf;
}

const char *release_status_word(const release *r)
{
	if (release_is_active(r))
		return "active";
	/* A release that failed and was promoted later is not failed. */
	if (release_failed(r) > 0 && release_failed(r) > release_promoted(r))
		return "failed";
	return "";
}

const char *actor_shown(const char *actor)
{
	return actor ? actor : "-";
}

const char *env_shown(const release_settings *mask, const char *key, const char *value)
{
	return mask && release_settings_masked(mask, key) ? ENV_MASKED : value;
}

void print_event_live(void *payload, int64_t time, const char *source, const char *message)
{
	print_event(payload, time, source, message);
	fflush(payload);
}
