/* The command table of releases and env: what each command accepts, and its
 * help (apps and builds: commands_apps.c). */
#include <stdint.h>

#include "relctl.h"

#define HOOK_OPTS (OPT_BIT(OPT_HOOK) | OPT_BIT(OPT_HOOK_TIMEOUT))

const struct command relctl_release_commands[] = {
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

/* The tables in the order help lists them. */
static const struct command *const tables[] = {relctl_app_commands, relctl_release_commands};

const struct command *relctl_command_at(size_t i)
{
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
		const struct command *cmd = tables[t];

		for (; cmd->words; cmd++)
			if (i-- == 0)
				return cmd;
	}
	return NULL;
}
