/*
 * Times and durations as relctl reads them (--at, --timeout) and prints
 * them (DURATION, Live).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "output.h"
#include "time_parse.h"

#define S INT64_C(1000000000)
#define NEW_YEAR_2019 (INT64_C(1546300800) * S) /* 2019-01-01T00:00:00Z */

static int64_t duration(const char *s, int bare)
{
	int64_t v = -1;

	assert_int_equal(duration_parse(s, bare, &v), 0);
	return v;
}

static void durations_read_units_and_parts(void **state)
{
	(void)state;
	assert_int_equal(duration("90s", 0), 90 * S);
	assert_int_equal(duration("250ms", 0), S / 4);
	assert_int_equal(duration("5m", 0), 300 * S);
	assert_int_equal(duration("1h30m", 0), 5400 * S);
	assert_int_equal(duration("1h 30m", 0), 5400 * S);
	assert_int_equal(duration("2 hours", 0), 7200 * S);
	assert_int_equal(duration("5 minutes", 0), 300 * S);
	assert_int_equal(duration("1 second", 0), S);
	assert_int_equal(duration("1d", 0), 86400 * S);
	assert_int_equal(duration("2w", 0), 14 * 86400 * S);
	assert_int_equal(duration("0s", 0), 0);
}

static void a_number_alone_is_seconds_only_where_allowed(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(duration("90", 1), 90 * S);
	assert_int_equal(duration("0", 1), 0);
	assert_int_equal(duration_parse("90", 0, &v), -1);
	assert_int_equal(duration_parse("1h 30", 1, &v), -1);
}

static void what_is_not_a_duration_is_refused(void **state)
{
	static const char *const bad[] = {"", " ", "s", "1x", "-1s", "1.5s", "h1", "1h ago",
					  "1 hour and 2 minutes", "1hours!"};
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(duration_parse(bad[i], 1, &v), -1);
}

static void a_duration_past_64_bits_is_out_of_range(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(duration_parse("300000w", 0, &v), -2);
	assert_int_equal(duration_parse("99999999999999999999999s", 0, &v), -2);
	assert_int_equal(duration_parse("9223372036s 1s", 0, &v), -2);
}

static int64_t at(const char *s, int64_t now)
{
	char err[128];
	int64_t v = -1;

	assert_int_equal(time_parse(s, now, &v, err, sizeof err), 0);
	return v;
}

static void rfc3339_times_read_with_their_offsets(void **state)
{
	(void)state;
	assert_int_equal(at("2019-01-01T00:00:00Z", 0), NEW_YEAR_2019);
	assert_int_equal(at("2019-01-01t00:00:00z", 0), NEW_YEAR_2019);
	assert_int_equal(at("2019-01-01T02:00:00+02:00", 0), NEW_YEAR_2019);
	assert_int_equal(at("2018-12-31T19:30:00-04:30", 0), NEW_YEAR_2019);
	assert_int_equal(at("2019-01-01 00:00:00Z", 0), NEW_YEAR_2019);
	assert_int_equal(at("2019-01-01T00:00:00.5Z", 0), NEW_YEAR_2019 + S / 2);
	assert_int_equal(at("2019-01-01T00:00:00.000000001Z", 0), NEW_YEAR_2019 + 1);
	assert_int_equal(at("2019-01-01T00:01Z", 0), NEW_YEAR_2019 + 60 * S);
	assert_int_equal(at("2020-02-29T00:00:00Z", 0), NEW_YEAR_2019 + 424 * 86400 * S);
}

static void local_times_read_in_the_time_zone(void **state)
{
	(void)state;
	/* Two hours east of UTC all year, with no zone files needed. */
	setenv("TZ", "XYZ-2", 1);
	tzset();
	assert_int_equal(at("2019-01-01 02:00", 0), NEW_YEAR_2019);
	assert_int_equal(at("2019-01-01 02:00:30", 0), NEW_YEAR_2019 + 30 * S);
	assert_int_equal(at("2019-01-01T02:00:30", 0), NEW_YEAR_2019 + 30 * S);
	assert_int_equal(at("2019-01-01", 0), NEW_YEAR_2019 - 7200 * S);
	unsetenv("TZ");
	tzset();
}

/* A local time the clocks skipped never was; one they passed twice is read
 * as the C library chooses. */
static void a_local_time_the_clocks_skipped_is_refused(void **state)
{
	char err[160];
	int64_t v;

	(void)state;
	/* Central European rules, without zone files: forward at 02:00 on the
	 * last Sunday of March (2023-03-26). */
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	assert_int_equal(time_parse("2023-03-26 02:30", 0, &v, err, sizeof err), -2);
	assert_string_equal(err, "there is no time 02:30 on 2023-03-26 here: the clocks skipped "
				 "it (TZ's summer time)");
	assert_int_equal(at("2023-03-26 01:59", 0), INT64_C(1679792340) * S);
	assert_int_equal(at("2023-03-26 03:00", 0), INT64_C(1679792400) * S);
	unsetenv("TZ");
	tzset();
}

static void times_ago_count_back_from_now(void **state)
{
	int64_t now = NEW_YEAR_2019;

	(void)state;
	assert_int_equal(at("2h ago", now), now - 7200 * S);
	assert_int_equal(at("30m ago", now), now - 1800 * S);
	assert_int_equal(at("1h30m ago", now), now - 5400 * S);
	assert_int_equal(at("5 minutes ago", now), now - 300 * S);
	assert_int_equal(at("now", now), now);
}

static void impossible_times_are_out_of_range_saying_why(void **state)
{
	static const struct {
		const char *in, *why;
	} cases[] = {
		{"2019-02-29 00:00", "there is no day 29 in month 2 of 2019"},
		{"2019-13-01T00:00:00Z", "there is no month 13"},
		{"2019-01-01 24:00", "there is no time 24:00:00"},
		{"2019-01-01 23:60", "there is no time 23:60:00"},
		{"1969-12-31T23:59:59Z", "the year 1969 is out of range (1970 to 2261)"},
		{"2262-01-01T00:00:00Z", "the year 2262 is out of range (1970 to 2261)"},
		{"1970-01-01T00:00:00+01:00", "that is before 1970"},
		{"500000h ago", "that is before 1970"},
		{"2019-01-01T00:00:00+99:99",
		 "there is no offset +99:99 (hours 00 to 23, minutes 00 to 59)"},
		{"2019-01-01T00:00:00-24:00",
		 "there is no offset -24:00 (hours 00 to 23, minutes 00 to 59)"},
	};
	char err[128];
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(time_parse(cases[i].in, NEW_YEAR_2019, &v, err, sizeof err), -2);
		assert_string_equal(err, cases[i].why);
	}
}

/* Second 60 is a leap second's, which only ever ends June or December. */
static void a_second_60_is_taken_only_as_a_leap_second(void **state)
{
	static const char *const not_leap[] = {
		"2023-11-14T22:13:60Z",      /* any minute */
		"2016-12-31T23:58:60Z",      /* the last day, another minute */
		"2016-11-30T23:59:60Z",      /* the end of another month */
		"2016-12-31T23:59:60+01:00", /* 22:59:60 UTC */
	};
	char err[160];
	int64_t v, end_2016 = INT64_C(1483228800) * S; /* 2017-01-01T00:00:00Z */

	(void)state;
	/* Unix time has no leap second: it reads as the second after it. */
	assert_int_equal(at("2016-12-31T23:59:60Z", 0), end_2016);
	assert_int_equal(at("2017-01-01T00:59:60+01:00", 0), end_2016);
	assert_int_equal(at("2015-06-30T23:59:60.5Z", 0), INT64_C(1435708800) * S + S / 2);
	for (size_t i = 0; i < sizeof not_leap / sizeof not_leap[0]; i++) {
		assert_int_equal(time_parse(not_leap[i], NEW_YEAR_2019, &v, err, sizeof err), -2);
		assert_non_null(strstr(err, "a leap second is 23:59:60 UTC on June 30 or December 31"));
	}
	assert_int_equal(time_parse("2023-11-14T22:13:60Z", 0, &v, err, sizeof err), -2);
	assert_string_equal(err, "there is no time 22:13:60 then (a leap second is 23:59:60 UTC "
				 "on June 30 or December 31)");
}

static void what_is_not_a_time_is_refused(void **state)
{
	static const char *const bad[] = {"",
					  "yesterday",
					  "2019-1-1",
					  "2019-01-01T10",
					  "2019-01-01T10:00+0200",
					  "2019-01-01T10:00:00Z trailing",
					  "2019-01-01T10:00:00.Z",
					  "2019/01/01 10:00",
					  "ago",
					  "2h",
					  "2 ago",
					  " 2019-01-01"};
	char err[128];
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(time_parse(bad[i], NEW_YEAR_2019, &v, err, sizeof err), -1);
}

static void durations_print_in_two_units_at_most(void **state)
{
	static const struct {
		int64_t ns;
		const char *want;
	} cases[] = {
		{0, "0s"},
		{-5 * S, "0s"},
		{S - 1, "0s"},
		{42 * S, "42s"},
		{60 * S, "1m0s"},
		{65 * S, "1m5s"},
		{3599 * S, "59m59s"},
		{3600 * S, "1h0m"},
		{7380 * S, "2h3m"},
		{86400 * S, "1d0h"},
		{(3 * 86400 + 4 * 3600 + 59) * S, "3d4h"},
		{INT64_MAX, "106751d23h"},
	};
	char buf[48];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_string_equal(format_duration(buf, sizeof buf, cases[i].ns), cases[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(durations_read_units_and_parts),
		cmocka_unit_test(a_number_alone_is_seconds_only_where_allowed),
		cmocka_unit_test(what_is_not_a_duration_is_refused),
		cmocka_unit_test(a_duration_past_64_bits_is_out_of_range),
		cmocka_unit_test(rfc3339_times_read_with_their_offsets),
		cmocka_unit_test(local_times_read_in_the_time_zone),
		cmocka_unit_test(a_local_time_the_clocks_skipped_is_refused),
		cmocka_unit_test(times_ago_count_back_from_now),
		cmocka_unit_test(impossible_times_are_out_of_range_saying_why),
		cmocka_unit_test(a_second_60_is_taken_only_as_a_leap_second),
		cmocka_unit_test(what_is_not_a_time_is_refused),
		cmocka_unit_test(durations_print_in_two_units_at_most),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
