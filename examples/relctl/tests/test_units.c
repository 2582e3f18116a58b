/* relctl's pure pieces: command-line splitting, build durations, key/value
 * blocks, the JSON writer, and text made safe for a terminal. The commands
 * themselves are tested by the transcripts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "args.h"
#include "common/format.h"
#include "json.h"
#include "output.h"

#define S INT64_C(1000000000)

/* Runs fn(out) and returns what it wrote (the caller frees it). */
static char *capture(void (*fn)(FILE *out, const void *arg), const void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fn(f, arg);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void elapsed_is_seconds_then_minutes_and_seconds(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(format_elapsed(buf, sizeof buf, 10 * S, 10 * S), "0s");
	assert_string_equal(format_elapsed(buf, sizeof buf, 10 * S, 69 * S + S - 1), "59s");
	assert_string_equal(format_elapsed(buf, sizeof buf, 10 * S, 70 * S), "1m0s");
	assert_string_equal(format_elapsed(buf, sizeof buf, 0, 3725 * S), "62m5s");
}

static void elapsed_is_empty_until_the_build_ends(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(format_elapsed(buf, sizeof buf, 10 * S, 0), "");
	/* A clock that went back reads 0s, not a negative time. */
	assert_string_equal(format_elapsed(buf, sizeof buf, 10 * S, 5 * S), "0s");
}

static void print_info(FILE *out, const void *arg)
{
	assert_int_equal(info_print(arg, out), 0);
}

static void info_aligns_values_and_continues_lines_under_them(void **state)
{
	info *in = info_new();
	char *text;

	(void)state;
	assert_non_null(in);
	assert_int_equal(info_add(in, "Id", "RABCDEFGHI"), 0);
	assert_int_equal(info_add(in, "Build", NULL), 0);
	assert_int_equal(info_add(in, "Description", "dé ploy"), 0);
	assert_int_equal(info_add_lines(in, "Env", "A=1\nB=2\n"), 0);
	assert_int_equal(info_add(in, "Last", "x"), 0);
	text = capture(print_info, in);
	assert_string_equal(text, "Id           RABCDEFGHI\n"
				  "Build\n"
				  "Description  dé ploy\n"
				  "Env          A=1\n"
				  "             B=2\n"
				  "Last         x\n");
	free(text);
	info_free(in);
}

static void info_shows_a_newline_in_a_value_escaped(void **state)
{
	info *in = info_new();
	char *text;

	(void)state;
	assert_non_null(in);
	assert_int_equal(info_add(in, "Description", "one\nLast  forged\x1b[2J"), 0);
	assert_int_equal(info_add_lines(in, "Env", "A=\x1b[31m\nB=2\n"), 0);
	text = capture(print_info, in);
	assert_string_equal(text, "Description  one\\nLast  forged\\e[2J\n"
				  "Env          A=\\e[31m\n"
				  "             B=2\n");
	free(text);
	info_free(in);
}

static void assert_safe(const char *in, unsigned flags, size_t max, const char *want)
{
	char *text = format_safe(in, flags, max);

	assert_non_null(text);
	assert_string_equal(text, want);
	free(text);
}

static void safe_text_escapes_control_characters(void **state)
{
	(void)state;
	assert_safe("\x1b[2Jclear", 0, 0, "\\e[2Jclear");
	assert_safe("a\tb\nc\rd", 0, 0, "a\\tb\\nc\\rd");
	assert_safe("\x01\x07\x08\x1f\x7f", 0, 0, "\\x01\\x07\\x08\\x1f\\x7f");
	assert_safe("\xc2\x85\xc2\x9b", 0, 0, "\\u0085\\u009b");              /* C1 */
	assert_safe("a\xe2\x80\xae" "b\xe2\x81\xa6", 0, 0, "a\\u202eb\\u2066"); /* bidi */
}

static void safe_text_keeps_printable_utf8_and_backslashes(void **state)
{
	(void)state;
	assert_safe("", 0, 0, "");
	assert_safe("é — 日本 😀 \\e ~", 0, 0, "é — 日本 😀 \\e ~");
	assert_safe("\xc2\xa0nbsp", 0, 0, "\xc2\xa0nbsp"); /* U+00A0 prints */
}

static void safe_text_replaces_bytes_that_are_not_utf8(void **state)
{
	(void)state;
	assert_safe("\xff", 0, 0, "\xef\xbf\xbd");
	assert_safe("a\xc3", 0, 0, "a\xef\xbf\xbd");                             /* cut short */
	assert_safe("\xc0\xaf", 0, 0, "\xef\xbf\xbd\xef\xbf\xbd");             /* overlong */
	assert_safe("\xed\xa0\x80", 0, 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
}

static void safe_text_keeps_newlines_and_tabs_when_asked(void **state)
{
	(void)state;
	assert_safe("a\tb\nc\r\x1b", FORMAT_SAFE_LINES, 0, "a\tb\nc\\r\\e");
}

static void safe_text_cuts_long_text_with_an_ellipsis(void **state)
{
	(void)state;
	assert_safe("abcdef", 0, 3, "abc...");
	assert_safe("abc", 0, 3, "abc");
	assert_safe("日本語です", 0, 2, "日本..."); /* characters, not bytes */
	assert_safe("\x1b\x1b\x1b", 0, 2, "\\e\\e...");
}

static void table_cells_cannot_break_their_row(void **state)
{
	static const char *const headers[] = {"ID", "DESCRIPTION"};
	static const char *const row[] = {"R\x1b[2J", "one\ntwo\tthree"};
	format_table *t = format_table_new(2, headers);
	char *text;

	(void)state;
	assert_non_null(t);
	assert_int_equal(format_table_add_row(t, row), 0);
	text = format_table_render(t);
	assert_string_equal(text, "ID      DESCRIPTION\n"
				  "R\\e[2J  one\\ntwo\\tthree\n");
	free(text);
	format_table_free(t);
}

static void write_string(FILE *out, const void *arg)
{
	json_write_string(out, arg);
}

static void assert_json_string(const char *in, const char *want)
{
	char *text = capture(write_string, in);

	assert_string_equal(text, want);
	free(text);
}

static void json_escapes_what_rfc_8259_requires(void **state)
{
	(void)state;
	assert_json_string("", "\"\"");
	assert_json_string("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
	assert_json_string("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	assert_json_string("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	assert_json_string("é — 日本 😀", "\"é — 日本 😀\"");
}

static void json_escapes_c1_and_bidi_controls_too(void **state)
{
	(void)state;
	assert_json_string("\x1b[2J", "\"\\u001b[2J\"");
	assert_json_string("\xc2\x9b\xc2\xa0", "\"\\u009b\xc2\xa0\""); /* U+00A0 stays */
	assert_json_string("\xe2\x80\xae", "\"\\u202e\"");
}

static void json_replaces_bytes_that_are_not_utf8(void **state)
{
	(void)state;
	assert_json_string("\xff", "\"\\ufffd\"");
	assert_json_string("a\xc3", "\"a\\ufffd\"");          /* cut short */
	assert_json_string("\xc0\xaf", "\"\\ufffd\\ufffd\""); /* overlong */
	assert_json_string("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
	assert_json_string("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""); /* surrogate */
	assert_json_string("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	assert_json_string("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF */
}

static void write_document(FILE *out, const void *arg)
{
	struct json j;

	(void)arg;
	json_init(&j, out);
	json_begin_object(&j);
	json_key(&j, "list");
	json_begin_array(&j);
	json_int(&j, -1);
	json_uint(&j, UINT64_MAX);
	json_bool(&j, 1);
	json_null(&j);
	json_string(&j, NULL);
	json_end_array(&j);
	json_key(&j, "empty");
	json_begin_object(&j);
	json_end_object(&j);
	json_key(&j, "none");
	json_begin_array(&j);
	json_end_array(&j);
	json_key(&j, "t");
	json_time(&j, 1546300849 * S + 5);
	json_key(&j, "before");
	json_time(&j, -1);
	json_key(&j, "unset");
	json_time(&j, 0);
	json_end_object(&j);
	json_finish(&j);
}

static void json_documents_are_indented_two_spaces(void **state)
{
	char *text = capture(write_document, NULL);

	(void)state;
	assert_string_equal(text, "{\n"
				  "  \"list\": [\n"
				  "    -1,\n"
				  "    18446744073709551615,\n"
				  "    true,\n"
				  "    null,\n"
				  "    null\n"
				  "  ],\n"
				  "  \"empty\": {},\n"
				  "  \"none\": [],\n"
				  "  \"t\": \"2019-01-01T00:00:49.000000005Z\",\n"
				  "  \"before\": \"1969-12-31T23:59:59.999999999Z\",\n"
				  "  \"unset\": null\n"
				  "}\n");
	free(text);
}

static int parse(struct args *a, const char *const *words, char *err)
{
	char *argv[16];
	int argc = 0;

	argv[argc++] = "relctl";
	while (*words)
		argv[argc++] = (char *)*words++;
	argv[argc] = NULL;
	return args_parse(a, argc, argv, err, 128);
}

static void options_mix_with_words_in_every_form(void **state)
{
	static const char *const words[] = {"releases", "-a", "one", "rollback", "--app=two",
					    "-athree", "--json", "RABCDEFGHI", "--", "--id", "-",
					    NULL};
	struct args a;
	char err[128];

	(void)state;
	assert_int_equal(parse(&a, words, err), 0);
	assert_string_equal(a.value[OPT_APP], "three"); /* the last one wins */
	assert_string_equal(a.value[OPT_JSON], "");
	assert_null(a.value[OPT_ID]); /* after "--": a word */
	assert_int_equal(a.seen, OPT_BIT(OPT_APP) | OPT_BIT(OPT_JSON));
	assert_int_equal(a.npos, 5);
	assert_string_equal(a.pos[0], "releases");
	assert_string_equal(a.pos[1], "rollback");
	assert_string_equal(a.pos[2], "RABCDEFGHI");
	assert_string_equal(a.pos[3], "--id");
	assert_string_equal(a.pos[4], "-");
	args_free(&a);
}

static void bad_options_are_named(void **state)
{
	static const struct {
		const char *words[4];
		const char *err;
	} cases[] = {
		{{"--nope", NULL}, "unknown option '--nope'"},
		{{"--nope=1", NULL}, "unknown option '--nope'"},
		{{"-z", NULL}, "unknown option '-z'"},
		{{"-hx", NULL}, "unknown option '-hx' (flags do not combine)"},
		{{"--json=1", NULL}, "option '--json' takes no value"},
		{{"apps", "--store", NULL}, "option '--store' needs a value"},
	};
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct args a;

		assert_int_equal(parse(&a, cases[i].words, err), -1);
		assert_string_equal(err, cases[i].err);
		args_free(&a);
	}
}

static void bad_options_are_shown_safe_and_cut_short(void **state)
{
	char long_option[300], want[160], err[1024], *argv[3] = {"relctl", long_option, NULL};
	struct args a;

	(void)state;
	memset(long_option, 'x', sizeof long_option - 1);
	long_option[sizeof long_option - 1] = '\0';
	memcpy(long_option, "--", 2);
	assert_int_equal(args_parse(&a, 2, argv, err, sizeof err), -1);
	args_free(&a);
	memset(want, 'x', sizeof want);
	memcpy(want, "unknown option '--", 18);
	memcpy(want + 16 + ARGS_SHOWN_MAX, "...'", 5);
	assert_string_equal(err, want);

	snprintf(long_option, sizeof long_option, "--\x1b]0;x\a");
	assert_int_equal(args_parse(&a, 2, argv, err, sizeof err), -1);
	args_free(&a);
	assert_string_equal(err, "unknown option '--\\e]0;x\\x07'");

	snprintf(long_option, sizeof long_option, "-\xc3\xa9");
	assert_int_equal(args_parse(&a, 2, argv, err, sizeof err), -1);
	args_free(&a);
	assert_string_equal(err, "unknown option '-\xc3\xa9'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(elapsed_is_seconds_then_minutes_and_seconds),
		cmocka_unit_test(elapsed_is_empty_until_the_build_ends),
		cmocka_unit_test(info_aligns_values_and_continues_lines_under_them),
		cmocka_unit_test(info_shows_a_newline_in_a_value_escaped),
		cmocka_unit_test(safe_text_escapes_control_characters),
		cmocka_unit_test(safe_text_keeps_printable_utf8_and_backslashes),
		cmocka_unit_test(safe_text_replaces_bytes_that_are_not_utf8),
		cmocka_unit_test(safe_text_keeps_newlines_and_tabs_when_asked),
		cmocka_unit_test(safe_text_cuts_long_text_with_an_ellipsis),
		cmocka_unit_test(table_cells_cannot_break_their_row),
		cmocka_unit_test(json_escapes_what_rfc_8259_requires),
		cmocka_unit_test(json_escapes_c1_and_bidi_controls_too),
		cmocka_unit_test(json_replaces_bytes_that_are_not_utf8),
		cmocka_unit_test(json_documents_are_indented_two_spaces),
		cmocka_unit_test(options_mix_with_words_in_every_form),
		cmocka_unit_test(bad_options_are_named),
		cmocka_unit_test(bad_options_are_shown_safe_and_cut_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
