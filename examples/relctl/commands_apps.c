/* The command table of apps and builds: what each command accepts, and its
 * help (releases and env: commands.c). */
#include <stdint.h>

#include "cmd_apps.h"
#include "cmd_builds.h"

const struct command relctl_app_commands[] = {
	{"apps", cmd_apps, OPT_BIT(OPT_JSON), 0, 0, 0,
	 "apps [--json]",
	 "list apps",
	 "Lists every app of the store with its status (running, or updating while\n"
	 "a promotion runs) and its active release.", RELCTL_READS},
	{"apps create", cmd_apps_create, OPT_BIT(OPT_ID), 0, 0, 1,
	 "apps create APP [--id]",
	 "create an app",
	 "APP is 1-63 of a-z, 0-9 and '-', starting and ending with a letter or\n"
	 "digit. Without APP, the app of -a or RELEASE_APP is created.", RELCTL_CREATES},
	{"apps delete", cmd_apps_delete, 0, 0, 0, 1,
	 "apps delete APP",
	 "delete an app with all its builds and releases",
	 NULL, RELCTL_WRITES},
	{"apps info", cmd_apps_info, OPT_BIT(OPT_JSON), 0, 0, 1,
	 "apps info [APP] [--json]",
	 "show an app",
	 "Without APP, the app of -a or RELEASE_APP. Release is the active release,\n"
	 "Previous the one active before it; Lease, while a promotion holds the app,\n"
	 "who holds it. Hook is the app's deploy hook, Masked the env keys whose\n"
	 "values are masked.", RELCTL_READS},
	{"apps hook", cmd_apps_hook, OPT_BIT(OPT_JSON), 0, 0, 1,
	 "apps hook [APP] [--json]",
	 "show an app's deploy hook",
	 "Prints the deploy hook kept with the app: byte for byte to a file or a\n"
	 "pipe, with control characters escaped on a terminal. An app without one\n"
	 "prints nothing (a note on stderr says so). Without APP, the app of -a or\n"
	 "RELEASE_APP.", RELCTL_READS},
	{"apps hook set", cmd_apps_hook_set, OPT_BIT(OPT_FILE), 1, 0, 1,
	 "apps hook set CMD|--file FILE -a APP",
	 "keep a deploy hook with the app",
	 "Promotions of the app run CMD (/bin/sh -c CMD) as their deploy hook\n"
	 "(README.md: \"The deploy hook\"). CMD is one word: quote it. --file reads\n"
	 "the hook from FILE ('-': standard input), for a script too long for the\n"
	 "command line (at most 65536 bytes). Changing the hook makes no release.", RELCTL_WRITES},
	{"apps hook unset", cmd_apps_hook_unset, 0, 1, 0, 0,
	 "apps hook unset -a APP",
	 "remove the app's deploy hook",
	 NULL, RELCTL_WRITES},
	{"builds", cmd_builds, OPT_BIT(OPT_JSON) | OPT_BIT(OPT_LIMIT), 1, 0, 0,
	 "builds -a APP [--limit N] [--json]",
	 "list builds",
	 "Newest first, at most N (default 10; 0: all).", RELCTL_READS},
	{"builds create", cmd_builds_create,
	 OPT_BIT(OPT_DESCRIPTION) | OPT_BIT(OPT_MANIFEST) | OPT_BIT(OPT_STATUS) | OPT_BIT(OPT_LOG) |
		 OPT_BIT(OPT_ID),
	 1, 0, 0,
	 "builds create -a APP [--description D] [--manifest FILE] [--status S] [--log FILE]"
	 " [--id]",
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
	 "without it the manifest is empty. --log FILE records the build with its\n"
	 "log so far, read from FILE ('-': standard input).", RELCTL_WRITES},
	{"builds info", cmd_builds_info, OPT_BIT(OPT_JSON), 1, 1, 1,
	 "builds info BID -a APP [--json]",
	 "show a build",
	 "The log is not shown: `relctl builds logs BID` prints it.", RELCTL_READS},
	{"builds logs", cmd_builds_logs, OPT_BIT(OPT_FOLLOW) | OPT_BIT(OPT_JSON), 1, 1, 1,
	 "builds logs BID -a APP [--follow] [--json]",
	 "print a build's log",
	 "Byte for byte to a file or a pipe; on a terminal, its lines and tabs are\n"
	 "kept and other control characters shown escaped. --follow keeps printing\n"
	 "what is appended (it looks every 200 ms) until the build is complete or\n"
	 "failed.", RELCTL_READS},
	{"builds logs append", cmd_builds_logs_append, OPT_BIT(OPT_LOG), 1, 1, 1,
	 "builds logs append BID -a APP [--log FILE]",
	 "append to the log of a created or running build",
	 "Reads FILE, or standard input without --log (or with '-'), to its end,\n"
	 "and appends what it reads in batches, at least once a second while more\n"
	 "comes: pipe a builder's output in, and `builds logs --follow` shows it as\n"
	 "it comes. A build keeps at most 4 MiB of log: past it, what fits goes in\n"
	 "with a line saying the log was cut. The input is always read to its end\n"
	 "(a builder piping in is never killed); when it could not all be appended\n"
	 "(the log full, the build ended) relctl says so and exits 4. The log of a\n"
	 "complete or failed build is final.", RELCTL_WRITES},
	{"builds set-status", cmd_builds_set_status, OPT_BIT(OPT_ID), 1, 2, 2,
	 "builds set-status BID STATUS -a APP [--id]",
	 "set a build's status; a complete build gets its release",
	 "STATUS is created, running, complete or failed. A build that becomes\n"
	 "complete gets its release (not promoted), as `builds create` makes it, and\n"
	 "its id is printed; --id prints only that id. The release is made once:\n"
	 "setting a complete build complete again (a retry, or several callers at\n"
	 "once) prints the same release, and makes it if it is missing. Otherwise a\n"
	 "complete or failed build is final (exit 4).", RELCTL_WRITES},
	{"builds export", cmd_builds_export, OPT_BIT(OPT_FILE), 1, 1, 1,
	 "builds export BID -a APP [--file FILE]",
	 "export a complete build to a file",
	 "Writes the build (description, manifest, log, start and end) for `builds\n"
	 "import`, to FILE, or to standard output without --file (or with '-'),\n"
	 "which must not be a terminal; the transcript then goes to standard error.\n"
	 "FILE is replaced whole or not at all (a symbolic link at FILE is replaced,\n"
	 "not followed), as a file of mode 0600: an export holds the manifest and\n"
	 "the log.", RELCTL_READS},
	{"builds import", cmd_builds_import, OPT_BIT(OPT_FILE) | OPT_BIT(OPT_ID), 1, 0, 0,
	 "builds import -a APP [--file FILE] [--id]",
	 "import an exported build into an app, with its release",
	 "Reads what `builds export` wrote, from FILE, or from standard input\n"
	 "without --file (or with '-'), into a new build of APP, which may be another\n"
	 "app or in another store, and creates its release (not promoted). A file\n"
	 "that is truncated, altered or of a newer format is refused (exit 2) and\n"
	 "nothing is written. --id prints the new build's and release's ids.", RELCTL_WRITES},
	{NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, RELCTL_READS},
};
