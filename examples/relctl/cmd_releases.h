/* What `releases` shares with `releases --watch` (cmd_watch.c). */
#ifndef RELCTL_CMD_RELEASES_H
#define RELCTL_CMD_RELEASES_H

#include "relctl.h"

/* Prints c->app's releases as `releases` does: the table, or --json.
 * Returns the exit status (after reporting a failure). */
int releases_print(struct relctl *c, release_store *s, const release_list_opts *opts);

/* `releases --watch`: prints the table, then again after every change,
 * until SIGINT or SIGTERM (exit 0). Returns the exit status. */
int releases_watch(struct relctl *c, release_store *s, const release_list_opts *opts);

#endif
