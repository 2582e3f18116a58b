/*
 * relctl's text output beyond what examples/common already formats: the
 * key/value blocks of `info` commands, build durations, release status
 * words, masked env values, and live event lines.
 */
#ifndef RELCTL_OUTPUT_H
#define RELCTL_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <librelease/release.h>

#include "common/format.h"
#include "json.h"

/*
 * A key/value block as Convox's `info` commands print it: keys left-aligned
 * and padded to the widest, two spaces, the value; a value of several lines
 * continues under the first.
 */
typedef struct info info;

info *info_new(void);
/* Adds a key and its value (copied; NULL is empty), on one line: control
 * characters, newlines included, are shown escaped (format_safe()). 0, or -1
 * when out of memory. */
int info_add(info *in, const char *key, const char *value);
/* Adds a key and a value of several lines, split at each '\n'; each line is
 * made safe, so the caller escapes the newlines that are not line breaks. */
int info_add_lines(info *in, const char *key, const char *lines);
/* Prints the block. 0, or -1 when out of memory. */
int info_print(const info *in, FILE *out);
void info_free(info *in);

/* Ends a listing command whose last step returned rc: prints what was read,
 * closing the JSON array when t is NULL (--json), else the table, so that
 * the items before a failed step are shown and --json stays one document.
 * Returns 0 when rc is RELEASE_ITEROVER (the listing's end) and the output
 * was made, RELEASE_ENOMEM when the table could not be, else rc, the
 * failure that stopped the listing. */
int listing_end(struct json *j, format_table *t, FILE *out, int rc);

/* A build's duration as Convox prints ELAPSED: "42s", "1m5s"; "" while it
 * has not ended. Returns buf. */
char *format_elapsed(char *buf, size_t size, int64_t started, int64_t ended);

/* A span of time as people read it, in at most two units: "42s", "1m5s",
 * "2h3m", "3d4h" ("0s" for none, or a span that ends before it starts).
 * The same as format_elapsed() under an hour. Returns buf. */
char *format_duration(char *buf, size_t size, int64_t ns);

/* "active", "failed" (its last promotion failed and it is not active), or "". */
const char *release_status_word(const release *r);

/* Who made a record, as `info` shows it: "-" for a record written before
 * librelease 1.4, which kept no actor. */
const char *actor_shown(const char *actor);

/* How a masked env value is shown: Convox's. */
#define ENV_MASKED "****"

/* key's value as shown: ENV_MASKED when mask (the app's mask list, when
 * values are to be masked; NULL: never) holds key, else value. */
const char *env_shown(const release_settings *mask, const char *key, const char *value);

/* A release_event_fn printing "<RFC 3339> <source> <message>" to the FILE *
 * payload at once, so that a promotion's events are seen as they happen. */
void print_event_live(void *payload, int64_t time, const char *source, const char *message);

#endif
