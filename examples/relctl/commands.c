/* The command table: what each command accepts, and its help. */
#include <stdint.h>

#include "relctl.h"

#define HOOK_OPTS (OPT_BIT(OPT_HOOK) | OPT_BIT(OPT_HOOK_TIMEOUT))

const struct command relctl_commands[] = {
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
	{"releases", cmd_releases, OPT_BIT(OPT_JSON) | OPT_BIT(OPT_LIMIT) | OPT_BIT(OPT_BEFORE), 1, 0,
	 0,
	 "releases -a APP [--limit N] [--before VERSION|RID] [--json]",
	 "list releases",
	 "Newest first, at most N (default 10; 0: all). --before lists the releases\n"
	 "older than a version or a release id, to page through all of history: pass\n"
	 "the last id shown as the next --before.\n"
	 "\n"
	 "STATUS is \"active\" for the app's active release and \"failed\" for one whose\n"
	 "last promotion failed.", 0},
	{"releases info", cmd_releases_info, OPT_BIT(OPT_JSON) | OPT_BIT(OPT_REVEAL), 1, 1, 1,
	 "releases info RID -a APP [--json] [--reveal]",
	 "show a release and its env",
	 "Env values are masked when standard output is a terminal; --reveal shows\n"
	 "them.", 0},
	{"releases manifest", cmd_releases_manifest, OPT_BIT(OPT_JSON), 1, 1, 1,
	 "releases manifest RID -a APP [--json]",
	 "print a release's manifest as it was stored",
	 NULL, 0},
	{"releases promote", cmd_releases_promote, HOOK_OPTS | OPT_BIT(OPT_ID) | OPT_BIT(OPT_FORCE),
	 1, 0, 1,
	 "releases promote [RID] -a APP [--hook CMD] [--hook-timeout SECONDS] [--force] [--id]",
	 "make a release active (default: the newest)",
	 "Runs the deploy hook, if any, streaming its output as events. A release\n"
	 "older than the active one cannot be promoted: roll back to it instead.\n"
	 "\n"
	 "An app another promotion holds is refused (exit 5), naming the holder and\n"
	 "when its lease ends. --force takes the app over: use it only when that\n"
	 "holder is gone (its relctl was killed), or two deployments run at once.", 0},
	{"releases rollback", cmd_releases_rollback,
	 HOOK_OPTS | OPT_BIT(OPT_ID) | OPT_BIT(OPT_FORCE), 1, 0, 1,
	 "releases rollback [RID] -a APP [--hook CMD] [--hook-timeout SECONDS] [--force] [--id]",
	 "roll back to a release (default: the previously active one)",
	 "Creates a new release copying RID's build, env, manifest and description,\n"
	 "and promotes it, running the deploy hook, if any. --id prints only the new\n"
	 "release's id on standard output (the transcript goes to standard error).\n"
	 "--force takes the app over from another promotion, as for `releases\n"
	 "promote`.", 0},
	{"env", cmd_env, OPT_BIT(OPT_JSON) | OPT_BIT(OPT_REVEAL), 1, 0, 0,
	 "env -a APP [--json] [--reveal]",
	 "show the env of the newest release",
	 "Values are masked when standard output is a terminal; --reveal shows them.", 0},
	{"env set", cmd_env_set, HOOK_OPTS | OPT_BIT(OPT_PROMOTE) | OPT_BIT(OPT_ID), 1, 1, SIZE_MAX,
	 "env set KEY=VALUE... -a APP [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id]",
	 "create a release with env changed",
	 "The new release copies the newest one with the keys set; its description\n"
	 "is Convox's: \"env add:K change:K\". A change that changes nothing creates\n"
	 "no release. --promote promotes the new release.", 0},
	{"env unset", cmd_env_unset, HOOK_OPTS | OPT_BIT(OPT_PROMOTE) | OPT_BIT(OPT_ID), 1, 1,
	 SIZE_MAX,
	 "env unset KEY... -a APP [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id]",
	 "create a release with env keys removed",
	 "Keys that are not set are ignored; when none is set no release is created.", 0},
	{NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, 0},
};
