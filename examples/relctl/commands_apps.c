/* The command table of apps and builds: what each command accepts, and its
 * help (releases and env: commands.c). */
#include <stdint.h>

#include "relctl.h"

const struct command relctl_app_commands[] = {
	{"apps", cmd_apps, OPT_BIT(OPT_JSON), 0, 0, 0,
	 "apps [--json]",
	 "list apps",
	 "Lists every app of the store with its status (running, or updating while\n"
	 "a promotion runs) and its active release.", 0},
	{"apps create", cmd_apps_create, OPT_BIT(OPT_ID), 0, 0, 1,
	 "apps create APP [--id]",
	 "create an app",
	 "APP is 1-63 of a-z, 0-9 and '-', starting and ending with a letter or\n"
	 "digit. Without APP, the app of -a or RELEASE_APP is created.", 1},
	{"apps delete", cmd_apps_delete, 0, 0, 0, 1,
	 "apps delete APP",
	 "delete an app with all its builds and releases",
	 NULL, 0},
	{"builds", cmd_builds, OPT_BIT(OPT_JSON) | OPT_BIT(OPT_LIMIT), 1, 0, 0,
	 "builds -a APP [--limit N] [--json]",
	 "list builds",
	 "Newest first, at most N (default 10; 0: all).", 0},
	{"builds create", cmd_builds_create,
	 OPT_BIT(OPT_DESCRIPTION) | OPT_BIT(OPT_MANIFEST) | OPT_BIT(OPT_STATUS) | OPT_BIT(OPT_ID), 1,
	 0, 0,
	 "builds create -a APP [--description D] [--manifest FILE] [--status S] [--id]",
	 "record a build; a complete build also gets its release",
	 "S is created, running, complete (the default) or failed. A complete build\n"
	 "also creates its release (not promoted); both ids are printed.\n"
	 "\n"
	 "Without --description, in a clean git work tree (no staged or unstaged\n"
	 "changes to tracked files), the description is \"build <sha> <subject>\" from\n"
	 "`git log -n 1 --pretty='%h %s' --abbrev=10`. Outside a git work tree, in a\n"
	 "dirty one, or without git, the build has no description and a note on\n"
	 "stderr says why.\n"
	 "\n"
	 "--manifest FILE reads the manifest from FILE ('-': standard input);\n"
	 "without it the manifest is empty.", 0},
	{"builds info", cmd_builds_info, OPT_BIT(OPT_JSON), 1, 1, 1,
	 "builds info BID -a APP [--json]",
	 "show a build",
	 NULL, 0},
	{NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, 0},
};
