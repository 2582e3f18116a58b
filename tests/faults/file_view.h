/*
 * The file store sweep's view of a store: everything the public API shows,
 * a line per object, and the invariants and follow-up work checked after a
 * fault. Unlike cmocka's asserts these report a failure back (0, or -1 with
 * a reason), so that one sweep can list every failing run.
 */
#ifndef FILE_VIEW_H
#define FILE_VIEW_H

#include <librelease/release.h>

#include <stddef.h>

#if defined(__GNUC__)
#define VIEW_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define VIEW_PRINTF(a, b)
#endif

struct lines {
	char **v;
	size_t n, cap;
};

void lines_add(struct lines *l, const char *fmt, ...) VIEW_PRINTF(2, 3);
void lines_free(struct lines *l);
int lines_has(const struct lines *l, const char *s);
int lines_equal(const struct lines *a, const struct lines *b);
/* Every line of a is in b. */
int lines_within(const struct lines *a, const struct lines *b);
/* The lines of a that do not mention needle. */
void lines_without(const struct lines *a, const char *needle, struct lines *out);
/* now has as many lines as want and differs in one, which mentions needle. */
int one_line_differs(const struct lines *now, const struct lines *want, const char *needle);
/* Some line mentions both a and b. */
int some_line_has(const struct lines *l, const char *a, const char *b);
/* Up to size bytes naming the lines of a missing from b ("-") and of b
 * missing from a ("+"). */
void lines_diff(const struct lines *a, const struct lines *b, char *buf, size_t size);

/* Appends to a string buffer, cutting what does not fit. */
void appendf(char *buf, size_t size, const char *fmt, ...) VIEW_PRINTF(3, 4);

enum view_flags {
	V_NO_STAMPS = 1, /* leave out when releases were promoted or failed */
	V_NO_LINKS = 2,  /* leave out which release a build records */
};

/*
 * Everything the public API shows of the store, in a fixed order; leases
 * are left out (they depend on the clock). 0, or the failing call's code
 * with why set.
 */
int view_dump(release_store *s, int flags, struct lines *out, char *why, size_t size);
/* The names of the apps. */
int view_apps(release_store *s, struct lines *out, char *why, size_t size);
/* 1 when some app holds a live lease, 0 when none; or a failing code. */
int view_leased(release_store *s, char *why, size_t size);
/* The invariants of every app, once leases have expired. */
int view_check(release_store *s, char *why, size_t size);
/* Normal work goes on: every app of the history (re-created if deleted)
 * takes an env change and its promotion. */
int view_follow_up(release_store *s, const char *const *apps, size_t n, char *why, size_t size);

#endif
