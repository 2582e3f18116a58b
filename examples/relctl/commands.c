/* The command table of releases, env and store: what each command accepts,
 * and its help (apps and builds: commands_apps.c). */
#include <stdint.h>

#include "relctl.h"

#define HOOK_OPTS (OPT_BIT(OPT_HOOK) | OPT_BIT(OPT_HOOK_TIMEOUT))
/* What every command that may promote takes. */
#define PROMOTE_OPTS (HOOK_OPTS | OPT_BIT(OPT_PROMOTE) | OPT_BIT(OPT_ID))
#define HOOK_USAGE "[--hook CMD] [--hook-timeout SECONDS]"

const struct command relctl_release_commands[] = {
	{"releases", cmd_releases,
	 OPT_BIT(OPT_JSON) | OPT_BIT(OPT_LIMIT) | OPT_BIT(OPT_BEFORE) | OPT_BIT(OPT_WATCH), 1, 0, 0,
	 "releases -a APP [--limit N] [--before VERSION|RID] [--json] [--watch]",
	 "list releases",
	 "Newest first, at most N (default 10; 0: all). --before lists the releases\n"
	 "older than a version or a release id, to page through all of history: pass\n"
	 "the last id shown as the next --before.\n"
	 "\n"
	 "STATUS is \"active\" for the app's active release and \"failed\" for one whose\n"
	 "last promotion failed.\n"
	 "\n"
	 "--watch prints the table again, after a blank line, each time the app\n"
	 "changes (a new release, a promotion, a rollback, a failed promotion), until\n"
	 "SIGINT (Ctrl-C) or SIGTERM, which end it with exit status 0.", RELCTL_READS},
	{"releases info", cmd_releases_info, OPT_BIT(OPT_JSON) | OPT_BIT(OPT_REVEAL), 1, 1, 1,
	 "releases info RID|VERSION -a APP [--json] [--reveal]",
	 "show a release and its env",
	 "A release is named by its id or its version (12 or v12). On a terminal\n"
	 "the values of the keys in the app's mask list (relctl env mask) show as\n"
	 "****; --reveal shows them. Piped, values are always plain.", RELCTL_READS},
	{"releases manifest", cmd_releases_manifest, OPT_BIT(OPT_JSON), 1, 1, 1,
	 "releases manifest RID|VERSION -a APP [--json]",
	 "print a release's manifest as it was stored",
	 NULL, RELCTL_READS},
	{"releases promote", cmd_releases_promote,
	 HOOK_OPTS | OPT_BIT(OPT_ID) | OPT_BIT(OPT_FORCE) | OPT_BIT(OPT_IF_PENDING), 1, 0, 1,
	 "releases promote [RID|VERSION] -a APP " HOOK_USAGE " [--force] [--if-pending] [--id]",
	 "make a release active (default: the newest)",
	 "Runs the deploy hook, if any, streaming its output as events. A release\n"
	 "older than the active one cannot be promoted: roll back to it instead.\n"
	 "\n"
	 "An app another promotion holds is refused (exit 5), naming the holder and\n"
	 "when its lease ends. --force takes the app over: use it only when that\n"
	 "holder is gone (its relctl was killed), or two deployments run at once.\n"
	 "\n"
	 "--if-pending is for agents that promote what they found pending: when\n"
	 "the release was deployed already, checked once the app is held (it is\n"
	 "active, or its deployment failed, or it was active and a forced promotion\n"
	 "moved away from it), the hook does not run, nothing is written, and relctl\n"
	 "says so and exits 8. Two agents that both found a release pending never\n"
	 "both deploy it. Without it, promoting the active release runs the hook\n"
	 "again. --force does not override it, but a promotion forced past another\n"
	 "that holds the app checks without that protection.", RELCTL_WRITES},
	{"releases rollback", cmd_releases_rollback,
	 HOOK_OPTS | OPT_BIT(OPT_ID) | OPT_BIT(OPT_FORCE), 1, 0, 1,
	 "releases rollback [RID|VERSION] -a APP " HOOK_USAGE " [--force] [--id]",
	 "roll back to a release (default: the previously active one)",
	 "Creates a new release copying RID's build, env, manifest and description,\n"
	 "and promotes it, running the deploy hook, if any; the transcript ends with\n"
	 "\"OK, RNEW\", or \"FAILED, RNEW\" when the promotion failed (the copy stays in\n"
	 "the history). --id prints only the new release's id on standard output,\n"
	 "failed or not (the transcript goes to standard error). --force takes the\n"
	 "app over from another promotion, as for `releases promote`.", RELCTL_WRITES},
	{"releases create-from", cmd_releases_create_from,
	 PROMOTE_OPTS | OPT_BIT(OPT_BUILD_FROM) | OPT_BIT(OPT_ENV_FROM) | OPT_BIT(OPT_ACTIVE_BUILD) |
		 OPT_BIT(OPT_ACTIVE_ENV),
	 1, 0, 0,
	 "releases create-from -a APP [--build-from RID|--use-active-release-build] "
	 "[--env-from RID|--use-active-release-env] [--promote] " HOOK_USAGE " [--id]",
	 "create a release of a build and an env from releases",
	 "The new release takes the build, manifest and description of --build-from\n"
	 "and the env of --env-from (ids or versions); each left out, or given as\n"
	 "--use-active-release-build or --use-active-release-env, is the active\n"
	 "release's. It is not promoted unless --promote is given.", RELCTL_WRITES},
	{"releases prune", cmd_releases_prune, OPT_BIT(OPT_KEEP), 1, 0, 0,
	 "releases prune --keep N -a APP",
	 "delete old releases",
	 "Keeps the active release, every release newer than it, the release active\n"
	 "before it, and the N newest releases older than it; deletes the others,\n"
	 "with the builds no kept release uses, and says how many releases went.\n"
	 "An app without an active release keeps everything.", RELCTL_WRITES},
	{"releases history", cmd_releases_history,
	 OPT_BIT(OPT_JSON) | OPT_BIT(OPT_LIMIT) | OPT_BIT(OPT_BEFORE) | OPT_BIT(OPT_AT), 0, 0, 1,
	 "releases history [APP] [--limit N] [--before SEQ] [--at TIME] [--json]",
	 "show the deployment log: who promoted what, when",
	 "Every promotion, rollback and failed promotion, newest first, at most N\n"
	 "(default 10; 0: all): its number (#), when it ended, FROM the release\n"
	 "active before, TO the release made active (a rollback's new copy), RESULT\n"
	 "ok, forced (--force) or failed (the hook's status), how long it took, and\n"
	 "who ran it. --before SEQ lists the entries older than #SEQ.\n"
	 "\n"
	 "--at TIME shows what was live then: the release, the entry that made it\n"
	 "live, since and until when. TIME is RFC 3339 (2026-11-24T14:32:00Z, or with\n"
	 "an offset, +02:00), a local time ('2026-11-24 14:32', seconds optional), or\n"
	 "a time ago ('2h ago', '30m ago', '1h30m ago', '5 minutes ago').\n"
	 "Without APP, the app of -a or RELEASE_APP.", RELCTL_READS},
	{"releases diff", cmd_releases_diff, OPT_BIT(OPT_JSON) | OPT_BIT(OPT_REVEAL), 1, 0, 2,
	 "releases diff [A [B]] -a APP [--reveal] [--json]",
	 "show what changed from release A to release B",
	 "A and B are ids or versions (12 or v12). B left out is the active release;\n"
	 "A left out, or -, is the release before B. So `releases diff` shows what\n"
	 "the active release changed, `releases diff A` what changed since A (what a\n"
	 "rollback to A would undo), and `releases diff - B` what B changed.\n"
	 "\n"
	 "Prints the build and description when they changed, the env (+ KEY=VALUE\n"
	 "added, - KEY=VALUE removed, ~ KEY: OLD -> NEW changed) and the manifest's\n"
	 "unified diff. The values of the keys in the app's mask list show as ****,\n"
	 "on a terminal or not: --reveal shows them. A value that could be misread\n"
	 "(empty, spaces at an end, holding \" -> \") is shown quoted. B with no\n"
	 "release before it kept (pruned) is compared with nothing only when it is\n"
	 "the first release (exit 3 otherwise).", RELCTL_READS},
	{"releases wait", cmd_releases_wait,
	 OPT_BIT(OPT_TIMEOUT) | OPT_BIT(OPT_FOR) | OPT_BIT(OPT_SINCE), 0, 0, 1,
	 "releases wait [APP] [--for promotion|release|any] [--since RID|VERSION|none] "
	 "[--timeout DURATION]",
	 "wait for the app's next promotion, or release, and print it",
	 "Blocks until the app changes, then prints the id of its active release\n"
	 "(--for promotion, the default: a promotion, rollback or failed promotion)\n"
	 "or of its new release (--for release), and exits 0. --for any wakes on\n"
	 "either, and on the app's creation or deletion. --since RID waits for an\n"
	 "active release (or with --for release, a release newer) other than RID,\n"
	 "and returns at once when there is one already: an agent passes the\n"
	 "release it deployed last, so that nothing promoted meanwhile is missed.\n"
	 "A RID no longer there (pruned) is not the active release either; --since\n"
	 "none is a caller that has none yet. An app that does not exist is waited\n"
	 "for, after a note saying so.\n"
	 "\n"
	 "--timeout DURATION (30s, 5m, 1h30m; a number alone is seconds) ends the\n"
	 "wait with exit status 3 when nothing came. The file store and PostgreSQL\n"
	 "wake it at once; other stores are polled every 100 ms.\n"
	 "Without APP, the app of -a or RELEASE_APP.", RELCTL_READS},
	{"env", cmd_env, OPT_BIT(OPT_JSON) | OPT_BIT(OPT_REVEAL) | OPT_BIT(OPT_RELEASE), 1, 0, 0,
	 "env -a APP [--release RID|VERSION] [--json] [--reveal]",
	 "show the env of the newest release",
	 "On a terminal the values of the keys in the app's mask list (relctl env\n"
	 "mask) show as ****; --reveal shows them. Piped, values are always plain.", RELCTL_READS},
	{"env get", cmd_env_get, OPT_BIT(OPT_JSON) | OPT_BIT(OPT_RELEASE), 1, 1, 1,
	 "env get KEY -a APP [--release RID|VERSION] [--json]",
	 "print one env value",
	 "Prints the value of KEY in the newest release (or --release's) and a\n"
	 "newline: byte for byte to a file or a pipe, made safe on a terminal. A key\n"
	 "that is not set is an error (exit 3).", RELCTL_READS},
	{"env set", cmd_env_set,
	 PROMOTE_OPTS | OPT_BIT(OPT_RELEASE) | OPT_BIT(OPT_REPLACE) | OPT_BIT(OPT_FILE) |
		 OPT_BIT(OPT_STDIN),
	 1, 0, SIZE_MAX,
	 "env set KEY=VALUE... [KEY --stdin] [-f FILE] -a APP [--release RID|VERSION] "
	 "[--replace] [--promote] " HOOK_USAGE " [--id]",
	 "create a release with env changed",
	 "The new release copies the newest one (or --release's, whatever came\n"
	 "after it) with the keys set; its description is Convox's: \"env add:K\n"
	 "change:K\". With --replace its env is exactly the pairs given, and the\n"
	 "transcript names every key added, changed or removed (no pairs at all is\n"
	 "refused). A change that changes nothing creates no release. --promote\n"
	 "promotes the new release.\n"
	 "\n"
	 "-f FILE ('-': standard input) reads KEY=VALUE lines: blank lines and\n"
	 "lines starting with '#' are skipped, the value is the rest of the line\n"
	 "byte for byte, or a quoted string when it starts with '\"' (README.md:\n"
	 "\"Env files\"). KEY --stdin sets KEY to all of standard input, less\n"
	 "exactly one final newline: for a value too big for the command line (a\n"
	 "certificate, a key).", RELCTL_WRITES},
	{"env unset", cmd_env_unset, PROMOTE_OPTS | OPT_BIT(OPT_RELEASE), 1, 1, SIZE_MAX,
	 "env unset KEY... -a APP [--release RID|VERSION] [--promote] " HOOK_USAGE " [--id]",
	 "create a release with env keys removed",
	 "Keys that are not set are ignored; when none is set no release is created.\n"
	 "--release changes that release's env instead of the newest's.", RELCTL_WRITES},
	{"env edit", cmd_env_edit, PROMOTE_OPTS | OPT_BIT(OPT_RELEASE), 1, 0, 0,
	 "env edit -a APP [--release RID|VERSION] [--promote] " HOOK_USAGE " [--id]",
	 "edit the env in an editor and create a release with it",
	 "Writes the env of the newest release (or --release's) to a private file,\n"
	 "runs $VISUAL, else $EDITOR, else vi on it, and creates one release with\n"
	 "the edit: what was added or changed is set and what was deleted unset, on\n"
	 "the newest release, so a change made meanwhile stays; with --release the\n"
	 "env becomes the file, on that release. Values that a line cannot hold as\n"
	 "they are (newlines, control characters, a leading '\"' or space, a\n"
	 "trailing space) are written quoted, with escapes, and read back exactly\n"
	 "(README.md: \"Env files\"). The file is removed afterwards; an editor\n"
	 "that exits with an error sets nothing.", RELCTL_WRITES},
	{"env mask", cmd_env_mask, OPT_BIT(OPT_JSON), 1, 0, 0,
	 "env mask -a APP [--json]",
	 "list the env keys whose values are masked",
	 "One key a line, sorted; nothing when the mask list is empty. The list is\n"
	 "kept with the app, not in a release: changing it promotes nothing.", RELCTL_READS},
	{"env mask set", cmd_env_mask_set, 0, 1, 1, SIZE_MAX,
	 "env mask set KEY... -a APP",
	 "mask the values of env keys on a terminal",
	 "`relctl env` and `relctl releases info` show the values of masked keys as\n"
	 "**** on a terminal, unless --reveal is given; piped, values are plain. A\n"
	 "key need not be set to be masked. A list holds at most 500 keys.", RELCTL_WRITES},
	{"env mask unset", cmd_env_mask_unset, 0, 1, 1, SIZE_MAX,
	 "env mask unset KEY... -a APP",
	 "stop masking env keys",
	 "Keys that are not masked are ignored.", RELCTL_WRITES},
	{"store copy", cmd_store_copy, OPT_BIT(OPT_APP) | OPT_BIT(OPT_MIRROR), 0, 2, 2,
	 "store copy SRC DST [--app APP] [--mirror]",
	 "copy apps, with all their history, from one store into another",
	 "SRC and DST are paths or URIs, as --store takes them (file:PATH,\n"
	 "postgresql://...); DST is made when it is a file store that is not there.\n"
	 "Every app of SRC, or only --app's ($RELEASE_APP does not count here), is\n"
	 "copied exactly: ids, versions, times, sources, failures, actors, builds\n"
	 "with their logs, settings, the active and previous release, the\n"
	 "deployment log. Each app prints a line with the records it wrote; an app\n"
	 "appears in DST only once it is whole. Run it again to resume a copy that\n"
	 "was interrupted, or to add what SRC made since: records already there are\n"
	 "not written again.\n"
	 "\n"
	 "Nothing of DST is replaced or deleted unless --mirror is given: an app\n"
	 "whose copy in DST differs from SRC (a release made in DST after moving\n"
	 "to it, or one SRC changed or pruned since) is refused (exit 4) and left\n"
	 "as it is, and the others are still copied. --mirror makes DST's apps\n"
	 "exactly SRC's, replacing and deleting what DST changed since. An app of\n"
	 "DST that is another app of the same name is refused (exit 4); a damaged\n"
	 "app of SRC is reported (exit 7); the others are still copied.\n"
	 "\n"
	 "SRC and DST may not be the same store, nor one's directory inside the\n"
	 "other's; DST may not be memory:, which would vanish with relctl. The\n"
	 "stores are the words: --store and --actor do not apply (each record\n"
	 "keeps the actor it was written by).", RELCTL_READS},
	{NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, RELCTL_READS},
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
