/* Times and durations as people type them. */
#include "time_parse.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NS_MS INT64_C(1000000)
#define NS_S (1000 * NS_MS)
#define NS_M (60 * NS_S)
#define NS_H (60 * NS_M)
#define NS_D (24 * NS_H)
#define NS_W (7 * NS_D)

/* The years a time may fall in: from the epoch to the last whole year
 * that nanoseconds in an int64_t reach (they end in April 2262). */
#define YEAR_MIN 1970
#define YEAR_MAX 2261
#define SECS_END INT64_C(9214646400) /* 2262-01-01T00:00:00Z: after YEAR_MAX, UTC */

static const struct {
	const char *name;
	int64_t ns;
} units[] = {
	{"ms", NS_MS},    {"s", NS_S},         {"sec", NS_S},     {"secs", NS_S},
	{"second", NS_S}, {"seconds", NS_S},   {"m", NS_M},       {"min", NS_M},
	{"mins", NS_M},   {"minute", NS_M},    {"minutes", NS_M}, {"h", NS_H},
	{"hr", NS_H},     {"hrs", NS_H},       {"hour", NS_H},    {"hours", NS_H},
	{"d", NS_D},      {"day", NS_D},       {"days", NS_D},    {"w", NS_W},
	{"week", NS_W},   {"weeks", NS_W},
};

static int64_t unit_ns(const char *word, size_t len)
{
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strlen(units[i].name) == len && strncmp(units[i].name, word, len) == 0)
			return units[i].ns;
	return 0;
}

static const char *skip_spaces(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

int duration_parse(const char *s, int bare_seconds, int64_t *out)
{
	const char *p = skip_spaces(s);
	int64_t total = 0;
	int parts = 0, too_long = 0;

	if (!*p)
		return -1;
	while (*p) {
		uint64_t n = 0;
		int64_t unit;
		const char *word;

		if (!isdigit((unsigned char)*p))
			return -1;
		for (; isdigit((unsigned char)*p); p++) {
			if (n > (UINT64_MAX - 9) / 10)
				too_long = 1;
			else
				n = n * 10 + (uint64_t)(*p - '0');
		}
		p = skip_spaces(p);
		for (word = p; isalpha((unsigned char)*p); p++)
			;
		if (p == word) {
			/* A number alone: seconds, when that is allowed. */
			if (!bare_seconds || parts > 0 || *p)
				return -1;
			unit = NS_S;
		} else if (!(unit = unit_ns(word, (size_t)(p - word)))) {
			return -1;
		}
		if (n > (uint64_t)(INT64_MAX / unit) || (int64_t)n * unit > INT64_MAX - total)
			too_long = 1;
		else
			total += (int64_t)n * unit;
		parts++;
		p = skip_spaces(p);
	}
	if (too_long)
		return -2;
	*out = total;
	return 0;
}

/* n digits at *p, as a number; advances *p. -1 when they are not there. */
static int digits(const char **p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return v;
}

static int days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return days[month - 1] + (month == 2 && leap);
}

struct parts {
	int year, month, day, hour, min, sec;
	int64_t frac_ns;
	int zone;           /* an offset or Z was given: the time is not local */
	int64_t offset_s;   /* east of UTC */
	char offset[7];     /* the offset as given, "+HH:MM", when it is out of range */
};

/* "YYYY-MM-DD[(T| )HH:MM[:SS[.F]][Z|+HH:MM|-HH:MM]]". 0, or -1. */
static int split(const char *p, struct parts *t)
{
	memset(t, 0, sizeof *t);
	if ((t->year = digits(&p, 4)) < 0 || *p++ != '-' || (t->month = digits(&p, 2)) < 0 ||
	    *p++ != '-' || (t->day = digits(&p, 2)) < 0)
		return -1;
	if (!*p)
		return 0;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if ((t->hour = digits(&p, 2)) < 0 || *p++ != ':' || (t->min = digits(&p, 2)) < 0)
		return -1;
	if (*p == ':') {
		p++;
		if ((t->sec = digits(&p, 2)) < 0)
			return -1;
		if (*p == '.') {
			int64_t scale = NS_S;

			if (!isdigit((unsigned char)*++p))
				return -1;
			for (; isdigit((unsigned char)*p); p++)
				if ((scale /= 10) > 0)
					t->frac_ns += (*p - '0') * scale;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		t->zone = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		const char *given = p;
		int sign = *p++ == '-' ? -1 : 1, h, m;

		if ((h = digits(&p, 2)) < 0 || *p++ != ':' || (m = digits(&p, 2)) < 0)
			return -1;
		if (h > 23 || m > 59) /* an offset, out of range: to_seconds() says so */
			memcpy(t->offset, given, 6);
		t->zone = 1;
		t->offset_s = sign * (h * 3600 + m * 60);
	}
	return *p ? -1 : 0;
}

/* A leap second is 23:59:60 UTC, at the end of June or December (RFC
 * 3339, 5.7); secs is the second before it. */
static int may_be_leap_second(time_t secs)
{
	struct tm utc;

	return gmtime_r(&secs, &utc) && utc.tm_hour == 23 && utc.tm_min == 59 &&
	       utc.tm_sec == 59 && ((utc.tm_mon == 5 && utc.tm_mday == 30) ||
				    (utc.tm_mon == 11 && utc.tm_mday == 31));
}

/* t, checked, as seconds since the epoch (the local zone's when t has
 * none). 0, or -2 with err. */
static int to_seconds(const struct parts *t, int64_t *out, char *err, size_t errlen)
{
	struct tm tm;
	time_t secs;
	int bad = 1;

	if (t->year < YEAR_MIN || t->year > YEAR_MAX)
		snprintf(err, errlen, "the year %d is out of range (%d to %d)", t->year, YEAR_MIN,
			 YEAR_MAX);
	else if (t->month < 1 || t->month > 12)
		snprintf(err, errlen, "there is no month %d", t->month);
	else if (t->day < 1 || t->day > days_in_month(t->year, t->month))
		snprintf(err, errlen, "there is no day %d in month %d of %d", t->day, t->month,
			 t->year);
	else if (t->hour > 23 || t->min > 59 || t->sec > 60) /* 60: a leap second */
		snprintf(err, errlen, "there is no time %02d:%02d:%02d", t->hour, t->min, t->sec);
	else if (t->offset[0])
		snprintf(err, errlen, "there is no offset %s (hours 00 to 23, minutes 00 to 59)",
			 t->offset);
	else
		bad = 0;
	if (bad)
		return -2;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = t->year - 1900;
	tm.tm_mon = t->month - 1;
	tm.tm_mday = t->day;
	tm.tm_hour = t->hour;
	tm.tm_min = t->min;
	tm.tm_sec = t->sec == 60 ? 59 : t->sec; /* a leap second: checked below */
	if (t->zone) {
		secs = timegm(&tm);
	} else {
		struct tm asked = tm;

		tm.tm_isdst = -1; /* the zone's rules say whether summer time applies */
		secs = mktime(&tm);
		/* A time the clocks skipped (moved forward past it) comes back
		 * moved: it never was. */
		if (tm.tm_hour != asked.tm_hour || tm.tm_min != asked.tm_min ||
		    tm.tm_mday != asked.tm_mday) {
			snprintf(err, errlen,
				 "there is no time %02d:%02d on %04d-%02d-%02d here: the clocks "
				 "skipped it (TZ's summer time)",
				 t->hour, t->min, t->year, t->month, t->day);
			return -2;
		}
	}
	if (t->zone)
		secs -= (time_t)t->offset_s;
	if (t->sec == 60) {
		/* Unix time has no leap second: it reads as the next one. */
		if (!may_be_leap_second(secs)) {
			snprintf(err, errlen,
				 "there is no time %02d:%02d:60 then (a leap second is 23:59:60 "
				 "UTC on June 30 or December 31)",
				 t->hour, t->min);
			return -2;
		}
		secs++;
	}
	/* -1 is also a second before the epoch: refused below either way. */
	*out = (int64_t)secs;
	return 0;
}

int time_parse(const char *s, int64_t now, int64_t *out, char *err, size_t errlen)
{
	size_t len = strlen(s);
	struct parts t;
	int64_t secs, d;
	int rc;

	snprintf(err, errlen, "not a time");
	if (strcmp(s, "now") == 0) {
		*out = now;
		return 0;
	}
	if (len > 4 && strcmp(s + len - 4, " ago") == 0) {
		char what[64];

		if (len - 4 >= sizeof what)
			return -1;
		memcpy(what, s, len - 4);
		what[len - 4] = '\0';
		if ((rc = duration_parse(what, 0, &d)) == -1)
			return -1;
		if (rc == -2 || d > now) {
			snprintf(err, errlen, "that is before 1970");
			return -2;
		}
		*out = now - d;
		return 0;
	}
	if (split(s, &t) != 0)
		return -1;
	if ((rc = to_seconds(&t, &secs, err, errlen)) != 0)
		return rc;
	/* in UTC too (an offset or a leap second can carry 2261 past its end),
	 * so that every time read back is one a reader takes */
	if (secs < 0 || secs >= SECS_END) {
		snprintf(err, errlen, "that is %s", secs < 0 ? "before 1970" : "after 2261");
		return -2;
	}
	*out = secs * NS_S + t.frac_ns;
	return 0;
}
