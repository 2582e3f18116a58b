/*
 * Times and durations as people type them: `releases history --at TIME`
 * and `releases wait --timeout DURATION`. Pure functions on strings and
 * numbers (the local time zone is the C library's, from TZ).
 */
#ifndef RELCTL_TIME_PARSE_H
#define RELCTL_TIME_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A duration, in nanoseconds: one or more NUMBER UNIT parts ("90s",
 * "1h30m", "2 hours", "5 minutes"), units ms, s, m, h, d, w (and their
 * words: sec, second(s), min, minute(s), hour(s), day(s), week(s)), each
 * NUMBER whole; with bare_seconds, a whole number alone is seconds. 0; -1
 * when s is not one; -2 when it is one too long for 64 bits of nanoseconds.
 */
int duration_parse(const char *s, int bare_seconds, int64_t *out);

/*
 * A point in time, in nanoseconds since the epoch:
 *   - RFC 3339: 2026-11-24T14:32:00Z, 2026-11-24T16:32:00+02:00, with an
 *     optional fraction of a second ('t', 'z' and a space for the 'T' too);
 *   - a local time: 2026-11-24 14:32, 2026-11-24 14:32:05 (the 'T' too),
 *     or a date alone, its midnight;
 *   - before now: "2h ago", "30m ago", "1h30m ago", "5 minutes ago";
 *   - "now".
 * 0; -1 when s is none of these, -2 when it is one out of range (a month
 * 13, a day past its month's end, a year outside 1970 to 2261), with what
 * went wrong in err.
 */
int time_parse(const char *s, int64_t now, int64_t *out, char *err, size_t errlen);

#endif
