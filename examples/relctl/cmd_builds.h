/* The builds commands beyond relctl.h's (set-status, logs, export,
 * import), and what their files share. */
#ifndef RELCTL_CMD_BUILDS_H
#define RELCTL_CMD_BUILDS_H

#include "relctl.h"

int cmd_builds_set_status(struct relctl *c);
int cmd_builds_logs(struct relctl *c);
int cmd_builds_logs_append(struct relctl *c);
int cmd_builds_export(struct relctl *c);
int cmd_builds_import(struct relctl *c);

/* RELEASE_BUILD_* for a status's name, or -1. */
int builds_parse_status(const char *word);

/* 1 for a build status that is final (complete or failed), else 0. */
int builds_is_final(int status);

#endif
