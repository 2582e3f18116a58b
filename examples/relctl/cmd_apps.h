/* The apps commands beyond relctl.h's: one app's details, its deploy hook. */
#ifndef RELCTL_CMD_APPS_H
#define RELCTL_CMD_APPS_H

#include "relctl.h"

int cmd_apps_info(struct relctl *c);
int cmd_apps_hook(struct relctl *c);
int cmd_apps_hook_set(struct relctl *c);
int cmd_apps_hook_unset(struct relctl *c);

#endif
