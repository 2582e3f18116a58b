/*
 * The builds commands beyond relctl.h's (set-status, logs, export, import),
 * and what their files share: reading a whole input, writing a file whole.
 */
#ifndef RELCTL_CMD_BUILDS_H
#define RELCTL_CMD_BUILDS_H

#include <stddef.h>

#include "relctl.h"

int cmd_builds_set_status(struct relctl *c);
int cmd_builds_logs(struct relctl *c);
int cmd_builds_logs_append(struct relctl *c);
int cmd_builds_export(struct relctl *c);
int cmd_builds_import(struct relctl *c);

/* RELEASE_BUILD_* for a status's name, or -1. */
int builds_parse_status(const char *word);

/* "standard input" for "-", else 'path' made safe to show. */
const char *builds_input_name(const char *path);

/*
 * Reads all of path ("-": standard input), at most max bytes. Returns the
 * bytes with a NUL after them (to free), *len their count; NULL with errno
 * set on failure, EFBIG when the input is longer than max.
 */
char *builds_read_all(const char *path, size_t max, size_t *len);

/*
 * Writes len bytes to path whole: a regular file (or a name not taken yet)
 * is written beside it and renamed over it, so a failure leaves no part of
 * a file and the one that was there stays; anything else (a FIFO, a device)
 * is written in place. 0, or -1 with errno set.
 */
int builds_write_file(const char *path, const void *data, size_t len);

#endif
