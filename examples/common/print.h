/*
 * What the example frontends print about a store, in Convox's formats:
 * the releases table and promotion events. Built on format.h and the public
 * API only.
 */
#ifndef EXAMPLES_PRINT_H
#define EXAMPLES_PRINT_H

#include <stdint.h>
#include <stdio.h>

#include <librelease/release.h>

/*
 * Prints app's releases as `convox releases` does, newest first:
 *
 *   ID          STATUS  BUILD       CREATED        DESCRIPTION
 *   RCDEFGHIJK  active  BABCDEFGHI  1 minute ago   env add:FOO
 *
 * CREATED is relative to now (nanoseconds since the epoch). opts is passed
 * to release_list() (NULL: every release). Nothing is printed on failure.
 * Returns 0 or a RELEASE_E* code; the store's message tells more.
 */
int print_releases(FILE *out, release_store *store, const char *app,
		   const release_list_opts *opts, int64_t now);

/*
 * A release_event_fn: prints "<RFC 3339 UTC time> <source> <message>" and a
 * newline to the FILE * given as payload, as `convox releases rollback`
 * streams a promotion. Source and message are made safe (format_safe()).
 */
void print_event(void *payload, int64_t time, const char *source, const char *message);

#endif
