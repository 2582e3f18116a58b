/* The env file format (env_file.h): what `env set -f` reads and `env edit`
 * writes and reads back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "env_file.h"

/* Parses text; returns what env_file_parse() did, pairs in p, message in
 * err. */
static int parse(const char *text, struct env_pairs *p, char *err, size_t errlen)
{
	env_pairs_init(p);
	err[0] = '\0';
	return env_file_parse(text, strlen(text), p, err, errlen);
}

/* Writes key=value as a line and parses it back: the value read. */
static char *round_trip(const char *key, const char *value)
{
	struct env_pairs p;
	char err[256], *line = env_file_line(key, value), *back;

	assert_non_null(line);
	assert_int_equal(parse(line, &p, err, sizeof err), 0);
	assert_int_equal(p.n, 1);
	assert_int_equal(strncmp(p.pairs[0], key, strlen(key)), 0);
	back = strdup(p.pairs[0] + strlen(key) + 1);
	assert_non_null(back);
	env_pairs_free(&p);
	free(line);
	return back;
}

static void comments_and_blank_lines_are_skipped(void **state)
{
	struct env_pairs p;
	char err[256];

	(void)state;
	assert_int_equal(parse("# a comment\n\n  \t\n  # indented\nA=1\nB=2", &p, err, sizeof err),
			 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.pairs[0], "A=1");
	assert_string_equal(p.pairs[1], "B=2"); /* a last line without a newline */
	assert_int_equal(p.lines[1], 6);
	env_pairs_free(&p);
}

static void a_raw_value_is_the_rest_of_its_line_byte_for_byte(void **state)
{
	struct env_pairs p;
	char err[256];

	(void)state;
	assert_int_equal(parse("A=  two  spaces = 'q' \"x\"\t\nB=\n", &p, err, sizeof err), 0);
	assert_string_equal(p.pairs[0], "A=  two  spaces = 'q' \"x\"\t");
	assert_string_equal(p.pairs[1], "B=");
	env_pairs_free(&p);
}

static void a_quoted_value_takes_every_escape(void **state)
{
	struct env_pairs p;
	char err[256];

	(void)state;
	assert_int_equal(parse("A=\"a\\nb\\tc\\rd\\\"e\\\\f\\x01\\xff\\u00e9\\u202e\" \t\n", &p, err,
			       sizeof err),
			 0);
	assert_string_equal(p.pairs[0], "A=a\nb\tc\rd\"e\\f\x01\xff\xc3\xa9\xe2\x80\xae");
	env_pairs_free(&p);
}

static void every_value_round_trips(void **state)
{
	static const char *const values[] = {
		"", "plain", "with spaces inside", " leading", "trailing ", "\"starts quoted\"",
		"ends quoted\"", "line\nbreaks\n", "tab\tand\rcr", "\x1b[2J\x7f", "caf\xc3\xa9",
		"\xff\xfe not utf-8", "bidi \xe2\x80\xae rlo", "c1 \xc2\x85 nel", "back\\slash\\n",
		"#not a comment", "=", "a=b=c",
	};

	(void)state;
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		char *back = round_trip("K", values[i]);

		assert_string_equal(back, values[i]);
		free(back);
	}
}

static void plain_values_are_written_raw_and_others_quoted(void **state)
{
	char *line;

	(void)state;
	line = env_file_line("A", "x = 'y'");
	assert_string_equal(line, "A=x = 'y'\n");
	free(line);
	line = env_file_line("A", "caf\xc3\xa9");
	assert_string_equal(line, "A=caf\xc3\xa9\n");
	free(line);
	line = env_file_line("A", " x\n\"\\\x01\xff\xe2\x80\xae");
	assert_string_equal(line, "A=\" x\\n\\\"\\\\\\x01\\xff\\u202e\"\n");
	free(line);
}

/* Each text is refused, naming its line. */
static void mistakes_are_refused_with_their_line(void **state)
{
	static const struct {
		const char *text, *message;
	} cases[] = {
		{"A=1\nno pair\n", "line 2: not KEY=VALUE, no '='"},
		{"1A=x\n", "line 1: invalid env key '1A'"},
		{" A=x\n", "line 1: invalid env key ' A'"},
		{"=x\n", "line 1: invalid env key ''"},
		{"A=1\nA=1\n", "line 2: A is set twice (also on line 1)"},
		{"A=x\r\n", "line 1: a carriage return in the value"},
		{"A=\"open\n", "line 1: a quoted value does not end on its line"},
		{"A=\"x\"y\n", "line 1: text after a quoted value's closing quote"},
		{"A=\"\\q\"\n", "line 1: unknown escape '\\q'"},
		{"A=\"\\x0g\"\n", "line 1: \\x wants two hex digits"},
		{"A=\"\\x00\"\n", "line 1: \\x wants two hex digits"},
		{"A=\"\\u00\"\n", "line 1: \\u wants four hex digits"},
		{"A=\"\\udc00\"\n", "line 1: \\u wants four hex digits"},
		{"A=\"x\\", "line 1: a quoted value does not end on its line"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct env_pairs p;
		char err[256];

		assert_int_equal(parse(cases[i].text, &p, err, sizeof err), -1);
		if (strncmp(err, cases[i].message, strlen(cases[i].message)) != 0)
			fail_msg("%s: got \"%s\"", cases[i].text, err);
		env_pairs_free(&p);
	}
}

static void a_nul_byte_is_refused(void **state)
{
	struct env_pairs p;
	char err[256];

	(void)state;
	env_pairs_init(&p);
	assert_int_equal(env_file_parse("A=1\nB=a\0b\n", 10, &p, err, sizeof err), -1);
	assert_string_equal(err, "line 2: a NUL byte, which no value can hold");
	env_pairs_free(&p);
}

static void keys_given_before_the_file_count(void **state)
{
	struct env_pairs p;
	char err[256];

	(void)state;
	env_pairs_init(&p);
	assert_int_equal(env_pairs_add(&p, "A", 1, "cli", 3, 0), 0);
	assert_int_equal(env_file_parse("B=1\nA=2\n", 8, &p, err, sizeof err), -1);
	assert_string_equal(err, "line 2: A is set twice (also on the command line)");
	env_pairs_free(&p);
}

static void a_byte_order_mark_at_the_start_is_skipped(void **state)
{
	struct env_pairs p;
	char err[256];

	(void)state;
	assert_int_equal(parse("\xef\xbb\xbf" "A=1\n", &p, err, sizeof err), 0);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.pairs[0], "A=1");
	env_pairs_free(&p);
	/* Anywhere else it is what it always is: not a key's. */
	assert_int_equal(parse("A=1\n\xef\xbb\xbf" "B=2\n", &p, err, sizeof err), -1);
	assert_int_equal(strncmp(err, "line 2: invalid env key", 23), 0);
	env_pairs_free(&p);
}

static void a_line_without_equals_is_not_shown(void **state)
{
	struct env_pairs p;
	char err[256];

	(void)state;
	assert_int_equal(parse("CERT=-----BEGIN-----\nMIIsecretpart\n", &p, err, sizeof err), -1);
	assert_null(strstr(err, "MIIsecretpart"));
	env_pairs_free(&p);
}

static void keys_longer_than_the_library_keeps_are_refused(void **state)
{
	char text[ENV_KEY_MAX + 8], err[256];
	struct env_pairs p;

	(void)state;
	memset(text, 'K', ENV_KEY_MAX);
	strcpy(text + ENV_KEY_MAX, "=1\n");
	assert_int_equal(parse(text, &p, err, sizeof err), 0);
	env_pairs_free(&p);
	memset(text, 'K', ENV_KEY_MAX + 1);
	strcpy(text + ENV_KEY_MAX + 1, "=1\n");
	assert_int_equal(parse(text, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "(longer than 256 bytes)"));
	env_pairs_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(comments_and_blank_lines_are_skipped),
		cmocka_unit_test(a_raw_value_is_the_rest_of_its_line_byte_for_byte),
		cmocka_unit_test(a_quoted_value_takes_every_escape),
		cmocka_unit_test(every_value_round_trips),
		cmocka_unit_test(plain_values_are_written_raw_and_others_quoted),
		cmocka_unit_test(mistakes_are_refused_with_their_line),
		cmocka_unit_test(a_nul_byte_is_refused),
		cmocka_unit_test(keys_given_before_the_file_count),
		cmocka_unit_test(a_byte_order_mark_at_the_start_is_skipped),
		cmocka_unit_test(a_line_without_equals_is_not_shown),
		cmocka_unit_test(keys_longer_than_the_library_keeps_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
