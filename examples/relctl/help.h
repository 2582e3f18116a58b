/* relctl's --help and --version texts. */
#ifndef RELCTL_HELP_H
#define RELCTL_HELP_H

#include <stdio.h>

#include "relctl.h"

/* The overview: commands, global options, environment. */
void help_overview(FILE *out);

/* One command's usage, description and options; with the other commands
 * that share its first word. */
void help_command(FILE *out, const struct command *cmd);

void help_version(FILE *out);

#endif
