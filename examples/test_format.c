/* The example frontends' text formats: relative times, RFC 3339, tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/format.h"
#include "common/print.h"

#define S FORMAT_SECOND
#define MIN FORMAT_MINUTE
#define H FORMAT_HOUR
#define D FORMAT_DAY

/* 2019-01-01T00:00:49Z, from the seed's rollback transcript. */
#define SEED_TIME (INT64_C(1546300849) * S)

/*
 * Every row of Convox's relative-time table, at both ends: the age equal to
 * the previous row's bound, and the age 1ns short of its own bound.
 */
static const struct age_case {
	const char *row;
	int64_t low;
	const char *low_text;
	int64_t high;
	const char *high_text;
} age_cases[] = {
	{"now", 0, "now", S - 1, "now"},
	{"1 second", S, "1 second ago", 2 * S - 1, "1 second ago"},
	{"N seconds", 2 * S, "2 seconds ago", MIN - 1, "59 seconds ago"},
	{"1 minute", MIN, "1 minute ago", 2 * MIN - 1, "1 minute ago"},
	{"N minutes", 2 * MIN, "2 minutes ago", H - 1, "59 minutes ago"},
	{"1 hour", H, "1 hour ago", 2 * H - 1, "1 hour ago"},
	{"N hours", 2 * H, "2 hours ago", D - 1, "23 hours ago"},
	{"1 day", D, "1 day ago", 2 * D - 1, "1 day ago"},
	{"N days", 2 * D, "2 days ago", 7 * D - 1, "6 days ago"},
	{"1 week", 7 * D, "1 week ago", 14 * D - 1, "1 week ago"},
	{"N weeks", 14 * D, "2 weeks ago", 30 * D - 1, "4 weeks ago"},
	{"1 month", 30 * D, "1 month ago", 60 * D - 1, "1 month ago"},
	{"N months (of 30 days)", 60 * D, "2 months ago", 360 * D - 1, "11 months ago"},
	{"1 year (until 18 months)", 360 * D, "1 year ago", 540 * D - 1, "1 year ago"},
	{"2 years (until 2 years)", 540 * D, "2 years ago", 720 * D - 1, "2 years ago"},
	{"N years (of 360 days)", 720 * D, "2 years ago", 37 * 360 * D - 1, "36 years ago"},
	{"a long while", 37 * 360 * D, "a long while ago", INT64_MAX / 2, "a long while ago"},
};

static void assert_age(int64_t then, int64_t now, const char *want)
{
	char buf[FORMAT_TIME_MAX];

	assert_string_equal(format_relative_time(buf, sizeof buf, then, now), want);
}

/* "5 minutes ago" becomes "5 minutes from now"; "now" stays. */
static void future_text(char *out, size_t size, const char *past)
{
	size_t n = strlen(past);

	if (n > 4 && strcmp(past + n - 4, " ago") == 0)
		snprintf(out, size, "%.*s from now", (int)(n - 4), past);
	else
		snprintf(out, size, "%s", past);
}

static void relative_time_row_holds_from_its_lower_to_its_upper_bound(void **state)
{
	const struct age_case *c = *state;

	assert_age(SEED_TIME - c->low, SEED_TIME, c->low_text);
	assert_age(SEED_TIME - c->high, SEED_TIME, c->high_text);
}

static void relative_time_row_reads_from_now_in_the_future(void **state)
{
	const struct age_case *c = *state;
	char want[FORMAT_TIME_MAX];

	future_text(want, sizeof want, c->low_text);
	assert_age(SEED_TIME + c->low, SEED_TIME, want);
	future_text(want, sizeof want, c->high_text);
	assert_age(SEED_TIME + c->high, SEED_TIME, want);
}

static void relative_time_of_the_extremes_does_not_overflow(void **state)
{
	(void)state;
	assert_age(INT64_MIN, INT64_MAX, "a long while ago");
	assert_age(INT64_MAX, INT64_MIN, "a long while from now");
	assert_age(INT64_MIN, INT64_MIN, "now");
}

static void relative_time_is_truncated_to_the_buffer(void **state)
{
	char buf[6];

	(void)state;
	assert_string_equal(format_relative_time(buf, sizeof buf, 0, 5 * MIN), "5 min");
	/* A zero size writes nothing and does not crash. */
	assert_ptr_equal(format_relative_time(buf, 0, 0, 0), buf);
}

static void rfc3339_prints_utc_to_the_second(void **state)
{
	char buf[FORMAT_TIME_MAX];

	(void)state;
	assert_string_equal(format_rfc3339(buf, sizeof buf, SEED_TIME), "2019-01-01T00:00:49Z");
	assert_string_equal(format_rfc3339(buf, sizeof buf, SEED_TIME + S - 1),
			    "2019-01-01T00:00:49Z");
	assert_string_equal(format_rfc3339(buf, sizeof buf, 0), "1970-01-01T00:00:00Z");
	assert_string_equal(format_rfc3339(buf, sizeof buf, -1), "1969-12-31T23:59:59Z");
}

static char *render(size_t nrows, const char *const (*rows)[5])
{
	static const char *const headers[] = {"ID", "STATUS", "BUILD", "CREATED", "DESCRIPTION"};
	format_table *t = format_table_new(5, headers);
	char *text;
	size_t i;

	assert_non_null(t);
	for (i = 0; i < nrows; i++)
		assert_int_equal(format_table_add_row(t, rows[i]), 0);
	text = format_table_render(t);
	assert_non_null(text);
	format_table_free(t);
	return text;
}

static void table_matches_the_seed_byte_for_byte(void **state)
{
	static const char *const rows[][5] = {
		{"RCDEFGHIJK", "active", "BABCDEFGHI", "1 minute ago", "env add:FOO"},
		{"RBCDEFGHIJ", "", "BABCDEFGHI", "5 minutes ago",
		 "build 0a1b2c3d4e5f my commit message"},
	};
	char *text = render(2, rows);

	(void)state;
	assert_string_equal(
		text,
		"ID          STATUS  BUILD       CREATED        DESCRIPTION\n"
		"RCDEFGHIJK  active  BABCDEFGHI  1 minute ago   env add:FOO\n"
		"RBCDEFGHIJ          BABCDEFGHI  5 minutes ago  build 0a1b2c3d4e5f my commit message\n");
	free(text);
}

static void table_leaves_a_long_last_column_unpadded(void **state)
{
	static const char *const rows[][5] = {
		{"RZYXWVUTSR", "active", "BABCDEFGHI", "1 minute ago",
		 "build 0a1b2c3d4e5f a very long commit message that is much wider than any other "
		 "cell in this table"},
		{"RCDEFGHIJK", "", "BABCDEFGHI", "5 minutes ago", "env add:FOO"},
		{"RBCDEFGHIJ", "", "BABCDEFGHI", "10 minutes ago", "build 0a1b2c3d4e5f my commit message"},
	};
	char *text = render(3, rows);

	(void)state;
	assert_string_equal(
		text,
		"ID          STATUS  BUILD       CREATED         DESCRIPTION\n"
		"RZYXWVUTSR  active  BABCDEFGHI  1 minute ago    build 0a1b2c3d4e5f a very long commit "
		"message that is much wider than any other cell in this table\n"
		"RCDEFGHIJK          BABCDEFGHI  5 minutes ago   env add:FOO\n"
		"RBCDEFGHIJ          BABCDEFGHI  10 minutes ago  build 0a1b2c3d4e5f my commit message\n");
	free(text);
}

static void table_widens_a_middle_column_for_every_row(void **state)
{
	static const char *const rows[][5] = {
		{"R1", "updating-for-a-while", "B1", "now", "a"},
		{"R2", "", "", "now", "b"},
	};
	char *text = render(2, rows);

	(void)state;
	assert_string_equal(text, "ID  STATUS                BUILD  CREATED  DESCRIPTION\n"
				  "R1  updating-for-a-while  B1     now      a\n"
				  "R2                               now      b\n");
	free(text);
}

static void table_lines_never_end_in_spaces(void **state)
{
	static const char *const rows[][5] = {
		{"RBCDEFGHIJ", "active", "", "", ""},
		{"RCDEFGHIJK", NULL, NULL, "now", NULL},
	};
	char *text = render(2, rows);

	(void)state;
	assert_string_equal(text, "ID          STATUS  BUILD  CREATED  DESCRIPTION\n"
				  "RBCDEFGHIJ  active\n"
				  "RCDEFGHIJK                 now\n");
	free(text);
}

static void table_counts_utf8_characters_not_bytes(void **state)
{
	static const char *const rows[][5] = {
		{"R\xc3\xa9t\xc3\xa9", "", "B", "now", "caf\xc3\xa9"},
		{"Rxyz", "", "B", "now", "x"},
	};
	char *text = render(2, rows);

	(void)state;
	assert_string_equal(text, "ID    STATUS  BUILD  CREATED  DESCRIPTION\n"
				  "R\xc3\xa9t\xc3\xa9          B      now      caf\xc3\xa9\n"
				  "Rxyz          B      now      x\n");
	free(text);
}

static int64_t fixed_clock(void *payload)
{
	return *(const int64_t *)payload;
}

static void releases_table_lists_newest_first_with_the_active_marked(void **state)
{
	const char *env[] = {"FOO=bar"};
	int64_t now = SEED_TIME;
	release_store_opts so;
	release_build_opts bo;
	release_store *s = NULL;
	release_build *b = NULL;
	release *r1 = NULL, *r2 = NULL;
	char *text = NULL, want[512];
	size_t len = 0;
	FILE *out;

	(void)state;
	release_store_opts_init(&so);
	so.clock = fixed_clock;
	so.clock_payload = &now;
	release_build_opts_init(&bo);
	bo.description = "build 0a1b2c3d4e5f my commit message";
	bo.status = RELEASE_BUILD_COMPLETE;
	assert_int_equal(release_store_open(&s, "memory:", &so), 0);
	assert_int_equal(release_app_create(s, "myapp", NULL), 0);
	assert_int_equal(release_build_create(s, "myapp", &bo, &b), 0);
	assert_int_equal(release_create(s, "myapp", release_build_id(b), &r1), 0);
	now += 4 * MIN;
	assert_int_equal(release_env_set(s, "myapp", env, 1, &r2), 0);
	assert_int_equal(release_promote(s, "myapp", release_id(r2), NULL), 0);
	now += MIN;

	assert_non_null(out = open_memstream(&text, &len));
	assert_int_equal(print_releases(out, s, "myapp", NULL, now), 0);
	assert_int_equal(fclose(out), 0);
	snprintf(want, sizeof want,
		 "ID          STATUS  BUILD       CREATED        DESCRIPTION\n"
		 "%s  active  %s  1 minute ago   env add:FOO\n"
		 "%s          %s  5 minutes ago  build 0a1b2c3d4e5f my commit message\n",
		 release_id(r2), release_build_id(b), release_id(r1), release_build_id(b));
	assert_string_equal(text, want);

	free(text);
	release_free(r2);
	release_free(r1);
	release_build_free(b);
	release_store_close(s);
}

static void releases_table_of_an_unknown_app_prints_nothing(void **state)
{
	release_store *s = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	assert_int_equal(release_store_open(&s, "memory:", NULL), 0);
	assert_non_null(out = open_memstream(&text, &len));
	assert_int_equal(print_releases(out, s, "nope", NULL, 0), RELEASE_ENOTFOUND);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(len, 0);
	free(text);
	release_store_close(s);
}

static void event_line_is_time_source_message(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	assert_non_null(out = open_memstream(&text, &len));
	print_event(out, SEED_TIME, "system/k8s/web", "Scaled up replica set web-745f845dc to 1");
	assert_int_equal(fclose(out), 0);
	assert_string_equal(text,
			    "2019-01-01T00:00:49Z system/k8s/web Scaled up replica set web-745f845dc to 1\n");
	free(text);
}

#define N_AGES (sizeof age_cases / sizeof age_cases[0])

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(relative_time_of_the_extremes_does_not_overflow),
		cmocka_unit_test(relative_time_is_truncated_to_the_buffer),
		cmocka_unit_test(rfc3339_prints_utc_to_the_second),
		cmocka_unit_test(table_matches_the_seed_byte_for_byte),
		cmocka_unit_test(table_leaves_a_long_last_column_unpadded),
		cmocka_unit_test(table_widens_a_middle_column_for_every_row),
		cmocka_unit_test(table_lines_never_end_in_spaces),
		cmocka_unit_test(table_counts_utf8_characters_not_bytes),
		cmocka_unit_test(releases_table_lists_newest_first_with_the_active_marked),
		cmocka_unit_test(releases_table_of_an_unknown_app_prints_nothing),
		cmocka_unit_test(event_line_is_time_source_message),
	};
	static char names[2 * N_AGES][96];
	struct CMUnitTest tests[2 * N_AGES + sizeof fixed / sizeof fixed[0]];
	size_t i, n = 0;

	/* One named test per row of the relative-time table, past and future. */
	for (i = 0; i < N_AGES; i++) {
		void *row = (void *)(uintptr_t)&age_cases[i];

		snprintf(names[2 * i], sizeof names[0], "relative_time_row[%s]", age_cases[i].row);
		snprintf(names[2 * i + 1], sizeof names[0], "relative_time_row_future[%s]",
			 age_cases[i].row);
		tests[n++] = (struct CMUnitTest){
			.name = names[2 * i],
			.test_func = relative_time_row_holds_from_its_lower_to_its_upper_bound,
			.initial_state = row,
		};
		tests[n++] = (struct CMUnitTest){
			.name = names[2 * i + 1],
			.test_func = relative_time_row_reads_from_now_in_the_future,
			.initial_state = row,
		};
	}
	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		tests[n++] = fixed[i];
	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
