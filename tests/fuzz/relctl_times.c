/*
 * fuzz-relctl-args: relctl's times and durations (time_parse.h), as
 * `releases history --at TIME` and `releases wait --timeout DURATION` read
 * them, checked against what the header describes. The zone is UTC
 * (TZ=UTC), so a local time reads as a UTC one.
 *
 * Findings: a result other than 0, -1 or -2, a failure without a message;
 * a time in the RFC 3339 or local form that does not read as the
 * reference (below) reads it, or is refused with the wrong code; a time
 * that does not read back from its own RFC 3339 spelling; "N ago" that is
 * not now less the duration N; a duration that does not read back from
 * its own spelling, or whose parts do not add up.
 */
#include "relctl_times.h"

#include "fuzz_util.h"
#include "time_parse.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS_S INT64_C(1000000000)
/* 2026-11-24T00:00:00Z: what the calls take for now */
#define NOW (INT64_C(1795478400) * NS_S)

void relctl_times_init(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

/* ------------------------------------------------------------ reference */

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int month_days(int y, int m)
{
	static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return n[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

/* Exactly n ASCII digits at s[*i], as a number; -1 when not. */
static int num(const char *s, size_t *i, int n)
{
	int v = 0;

	for (int k = 0; k < n; k++, (*i)++) {
		if (s[*i] < '0' || s[*i] > '9')
			return -1;
		v = v * 10 + (s[*i] - '0');
	}
	return v;
}

/*
 * The date and time forms: YYYY-MM-DD, then optionally a 'T', 't' or
 * space and HH:MM, then optionally :SS and .FRACTION, then optionally Z,
 * z, +HH:MM or -HH:MM (an offset of at most 23:59). 0 with *ns; -1 when s
 * is not of the form; -2 when a field is out of range or the time falls
 * outside 1970 to 2261.
 */
static int ref_time(const char *s, int64_t *ns)
{
	size_t i = 0;
	int y, mo, d, h = 0, mi = 0, sec = 0, bad_off = 0;
	int64_t frac = 0, off = 0, secs;

	if ((y = num(s, &i, 4)) < 0 || s[i++] != '-' || (mo = num(s, &i, 2)) < 0 ||
	    s[i++] != '-' || (d = num(s, &i, 2)) < 0)
		return -1;
	if (s[i]) {
		if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
			return -1;
		i++;
		if ((h = num(s, &i, 2)) < 0 || s[i++] != ':' || (mi = num(s, &i, 2)) < 0)
			return -1;
		if (s[i] == ':') {
			i++;
			if ((sec = num(s, &i, 2)) < 0)
				return -1;
			if (s[i] == '.') {
				int64_t scale = NS_S / 10;

				if (s[++i] < '0' || s[i] > '9')
					return -1;
				for (; s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
					frac += (s[i] - '0') * scale;
			}
		}
		if (s[i] == 'Z' || s[i] == 'z') {
			i++;
		} else if (s[i] == '+' || s[i] == '-') {
			int neg = s[i++] == '-', oh, om;

			if ((oh = num(s, &i, 2)) < 0 || s[i++] != ':' || (om = num(s, &i, 2)) < 0)
				return -1;
			/* shaped as an offset, but none is: out of range once
			 * the whole string is of the form */
			bad_off = oh > 23 || om > 59;
			off = (neg ? -1 : 1) * ((int64_t)oh * 3600 + om * 60);
		}
		if (s[i])
			return -1;
	}
	if (bad_off || y < 1970 || y > 2261 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) ||
	    h > 23 || mi > 59 || sec > 60)
		return -2;
	secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	if (secs < 0 || secs >= INT64_C(9214646400)) /* from 2262-01-01T00:00:00Z, UTC */
		return -2;
	if (sec == 60) { /* a leap second: 23:59:60 UTC on June 30 or December 31 */
		time_t before = (time_t)(secs - 1);
		struct tm utc;

		if (!gmtime_r(&before, &utc) || utc.tm_hour != 23 || utc.tm_min != 59 ||
		    utc.tm_sec != 59 ||
		    !((utc.tm_mon == 5 && utc.tm_mday == 30) || (utc.tm_mon == 11 && utc.tm_mday == 31)))
			return -2;
	}
	*ns = secs * NS_S + frac;
	return 0;
}

/* ------------------------------------------------------------ checks */

static void check_rc(const char *what, const char *s, int rc)
{
	if (rc != 0 && rc != -1 && rc != -2)
		fz_finding("%s('%s') returned %d", what, s, rc);
}

/* The RFC 3339 spelling of ns (>= 0), with all nine digits of fraction. */
static void spell(int64_t ns, char *buf, size_t len)
{
	time_t secs = (time_t)(ns / NS_S);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09" PRId64 "Z", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns % NS_S);
}

void relctl_check_duration(const char *s)
{
	int64_t d = -1, again = -1, t = 0;
	int rc = duration_parse(s, 1, &d), rc0 = duration_parse(s, 0, &again);
	char buf[96], err[128];

	check_rc("duration_parse", s, rc);
	check_rc("duration_parse", s, rc0);
	if (rc0 == 0 && (rc != 0 || again != d))
		fz_finding("duration_parse('%s') reads otherwise when a bare number is allowed", s);
	if (rc != 0)
		return;
	if (d < 0 || d % 1000000 != 0)
		fz_finding("duration_parse('%s') gave %" PRId64 " ns", s, d);
	snprintf(buf, sizeof buf, "%" PRId64 "ms", d / 1000000);
	if (duration_parse(buf, 0, &again) != 0 || again != d)
		fz_finding("duration_parse('%s') gave %" PRId64 " ns; '%s' does not read back", s, d,
			   buf);
	if (rc0 != 0 || strlen(s) > 48)
		return;
	/* "D ago" is now less D */
	snprintf(buf, sizeof buf, "%s ago", s);
	rc = time_parse(buf, NOW, &t, err, sizeof err);
	if (d <= NOW ? rc != 0 || t != NOW - d : rc != -2)
		fz_finding("time_parse('%s') gave %d, %" PRId64 "; the duration is %" PRId64 " ns",
			   buf, rc, t, d);
}

/* Two durations one after the other add up. */
void relctl_check_durations(const char *a, const char *b)
{
	int64_t x, y, z = 0;
	char buf[256];
	int rc;

	if (strlen(a) + strlen(b) + 2 > sizeof buf || duration_parse(a, 0, &x) != 0 ||
	    duration_parse(b, 0, &y) != 0)
		return;
	snprintf(buf, sizeof buf, "%s %s", a, b);
	rc = duration_parse(buf, 0, &z);
	check_rc("duration_parse", buf, rc);
	if (x > INT64_MAX - y ? rc != -2 : rc != 0 || z != x + y)
		fz_finding("duration_parse('%s') gave %d, %" PRId64 "; its parts add up to %" PRId64
			   " and %" PRId64,
			   buf, rc, z, x, y);
}

void relctl_check_time(const char *s)
{
	char err[128], buf[96];
	int64_t t = -1, want = -1, again = -1;
	int rc, ref;

	memset(err, 0x55, sizeof err);
	rc = time_parse(s, NOW, &t, err, sizeof err);
	check_rc("time_parse", s, rc);
	if (rc != 0 && (!memchr(err, '\0', sizeof err) || !err[0]))
		fz_finding("time_parse('%s') failed without a message", s);
	if (strcmp(s, "now") == 0) {
		if (rc != 0 || t != NOW)
			fz_finding("time_parse('now') gave %d, %" PRId64, rc, t);
		return;
	}
	if (strlen(s) < 4 || strcmp(s + strlen(s) - 4, " ago") != 0) {
		ref = ref_time(s, &want);
		if (rc != ref || (rc == 0 && t != want))
			fz_finding("time_parse('%s') gave %d, %" PRId64 "; the reference %d, %" PRId64,
				   s, rc, t, ref, want);
	}
	if (rc != 0)
		return;
	if (t < 0)
		fz_finding("time_parse('%s') gave %" PRId64 ", before 1970", s, t);
	spell(t, buf, sizeof buf);
	if (time_parse(buf, NOW, &again, err, sizeof err) != 0 || again != t)
		fz_finding("time_parse('%s') gave %" PRId64 "; '%s' does not read back", s, t, buf);
}
