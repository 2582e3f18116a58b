/* fuzz-relctl-args: checks of relctl's times and durations (relctl_times.c). */
#ifndef LIBRELEASE_FUZZ_RELCTL_TIMES_H
#define LIBRELEASE_FUZZ_RELCTL_TIMES_H

/* Sets the zone to UTC, once before the checks. */
void relctl_times_init(void);
/* s as `releases wait --timeout` and "... ago" read it. */
void relctl_check_duration(const char *s);
/* a and b, then "a b": the parts add up. */
void relctl_check_durations(const char *a, const char *b);
/* s as `releases history --at` reads it. */
void relctl_check_time(const char *s);

#endif
