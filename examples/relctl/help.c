/* Help texts, built from the command table. */
#include "help.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#ifndef RELCTL_VERSION
#define RELCTL_VERSION "unknown"
#endif

/* An option's line; words, when set, names the one command it is for (an
 * option's first line that fits the command is shown). */
static const struct {
	enum opt opt;
	const char *text;
	const char *words;
} option_help[] = {
	{OPT_RELEASE, "      --release RID|VERSION   the release whose env to read or change\n"
		      "                              (default: the newest)", NULL},
	{OPT_BUILD_FROM, "      --build-from RID|VERSION\n"
			 "                              the release whose build and manifest to take", NULL},
	{OPT_ACTIVE_BUILD, "      --use-active-release-build\n"
			   "                              take the active release's build (the default)", NULL},
	{OPT_ENV_FROM, "      --env-from RID|VERSION  the release whose env to take", NULL},
	{OPT_ACTIVE_ENV, "      --use-active-release-env\n"
			 "                              take the active release's env (the default)", NULL},
	{OPT_KEEP, "      --keep N                keep N releases older than the active one", NULL},
	{OPT_JSON, "      --json                  print JSON (README.md: \"JSON output\")", NULL},
	{OPT_ID, "      --id                    print only the new id(s) on standard output", NULL},
	{OPT_LIMIT, "      --limit N               at most N (default 10; 0: no limit)", NULL},
	{OPT_BEFORE, "      --before SEQ            only entries older than #SEQ", "releases history"},
	{OPT_BEFORE, "      --before VERSION|RID    only releases older than this one", NULL},
	{OPT_AT, "      --at TIME               what was live at TIME (RFC 3339, a local\n"
		 "                              'YYYY-MM-DD HH:MM[:SS]', or '2h ago')", NULL},
	{OPT_WATCH, "      --watch                 print the table again at every change, until\n"
		    "                              SIGINT or SIGTERM", NULL},
	{OPT_FOR, "      --for promotion|release|any\n"
		  "                              what to wait for (default: promotion)", NULL},
	{OPT_SINCE, "      --since RID|VERSION|none\n"
		    "                              the release the caller has: return at once\n"
		    "                              when another is active (or newer)", NULL},
	{OPT_TIMEOUT, "      --timeout DURATION      give up after DURATION (30s, 5m, 1h30m):\n"
		      "                              exit 3", NULL},
	{OPT_DESCRIPTION, "  -d, --description D         the build's description", NULL},
	{OPT_MANIFEST, "  -m, --manifest FILE         read the manifest from FILE ('-': stdin)", NULL},
	{OPT_STATUS, "      --status S              created, running, complete (default) or failed", NULL},
	{OPT_FILE, "  -f, --file FILE             the file to write or read ('-': standard\n"
		   "                              output or input)", NULL},
	{OPT_STDIN, "      --stdin                 read the value of the one KEY given from\n"
		    "                              standard input, less one final newline", NULL},
	{OPT_REPLACE, "      --replace               the env becomes exactly the pairs given", NULL},
	{OPT_PROMOTE, "  -p, --promote               promote the new release", NULL},
	{OPT_HOOK, "      --hook CMD              deploy hook, run by /bin/sh -c (default: the\n"
		   "                              app's stored hook, else $RELEASE_DEPLOY_HOOK;\n"
		   "                              '': none)", NULL},
	{OPT_HOOK_TIMEOUT, "      --hook-timeout SECONDS  kill a hook that runs longer (default 600;\n"
			   "                              0: no limit)", NULL},
	{OPT_REVEAL, "      --reveal                show masked env values", "releases diff"},
	{OPT_REVEAL, "      --reveal                show masked env values on a terminal too", NULL},
	{OPT_FORCE, "      --force                 take the app over from a promotion that holds\n"
		    "                              it (one whose relctl died); also promotes an\n"
		    "                              older release", NULL},
	{OPT_IF_PENDING, "      --if-pending            do nothing, and exit 8, when the release was\n"
			    "                              deployed already (it is active, failed, or\n"
			    "                              was replaced)", NULL},
	{OPT_FOLLOW, "      --follow                keep printing what is appended until the\n"
		     "                              build ends", NULL},
	{OPT_LOG, "      --log FILE              read the build's log from FILE ('-': stdin)", NULL},
	{OPT_MIRROR, "      --mirror                make DST's apps exactly SRC's, replacing and\n"
		     "                              deleting what DST changed since", NULL},
	{OPT_APP, "  -a, --app APP               only this app of SRC (default: every app;\n"
		  "                              $RELEASE_APP does not count here)", "store copy"},
};

/* The global options' lines, in help's order. */
static const struct {
	enum opt opt;
	const char *text;
} global_help[] = {
	{OPT_APP, "  -a, --app APP               the app (default: $RELEASE_APP)\n"},
	{OPT_STORE, "      --store PATH|URI        the store (default: $RELEASE_STORE, else the file\n"
		    "                              store in $XDG_DATA_HOME/librelease or\n"
		    "                              ~/.local/share/librelease); PATH?mode=ro\n"
		    "                              opens it read-only\n"},
	{OPT_ACTOR, "      --actor NAME            who is recorded with what this command writes\n"
		    "                              (default: $RELEASE_ACTOR, else login@host)\n"},
	{OPT_HELP, "  -h, --help                  show help\n"},
};

/* The lines of the global options in opts. */
static void print_globals(FILE *out, uint64_t opts)
{
	for (size_t i = 0; i < sizeof global_help / sizeof global_help[0]; i++)
		if (opts & OPT_BIT(global_help[i].opt))
			fputs(global_help[i].text, out);
}

/* The width of the command column: the longest words, and a space. */
static int words_width(void)
{
	const struct command *cmd;
	size_t w = 19;

	for (size_t k = 0; (cmd = relctl_command_at(k)); k++)
		if (strlen(cmd->words) + 1 > w)
			w = strlen(cmd->words) + 1;
	return (int)w;
}

void help_overview(FILE *out)
{
	const struct command *cmd;
	int w = words_width();

	fputs("Usage: relctl COMMAND [ARGS] [OPTIONS]\n"
	      "\n"
	      "Release history and rollback for apps, on librelease, the way Convox's CLI\n"
	      "speaks.\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (size_t k = 0; (cmd = relctl_command_at(k)); k++)
		fprintf(out, "  %-*s %s\n", w, cmd->words, cmd->summary);
	fputs("\nGlobal options:\n", out);
	print_globals(out, UINT64_MAX);
	fputs("      --version               show the versions of relctl and librelease\n"
	      "\n"
	      "Environment: RELEASE_APP, RELEASE_STORE, RELEASE_ACTOR,\n"
	      "RELEASE_DEPLOY_HOOK; VISUAL or EDITOR (env edit).\n"
	      "Exit status: 0 ok, 1 failure, 2 usage, 3 not found (or a wait timed out),\n"
	      "4 refused, 5 busy, 6 deploy failed, 7 store unusable, 8 deployed already\n"
	      "(releases promote --if-pending).\n"
	      "\n"
	      "Run 'relctl COMMAND --help' for a command's options.\n",
	      out);
}

void help_command(FILE *out, const struct command *cmd)
{
	const struct command *other;
	size_t first = strcspn(cmd->words, " "), n = 0;
	uint64_t shown = 0;

	fprintf(out, "Usage: relctl %s\n\n%c%s.\n", cmd->synopsis,
		toupper((unsigned char)cmd->summary[0]), cmd->summary + 1);
	if (cmd->help)
		fprintf(out, "\n%s\n", cmd->help);
	fputs("\nOptions:\n", out);
	for (size_t i = 0; i < sizeof option_help / sizeof option_help[0]; i++) {
		uint64_t bit = OPT_BIT(option_help[i].opt);

		if (!(cmd->opts & bit & ~shown) ||
		    (option_help[i].words && strcmp(option_help[i].words, cmd->words) != 0))
			continue;
		fprintf(out, "%s\n", option_help[i].text);
		shown |= bit;
	}
	print_globals(out, relctl_global_opts(cmd) & ~shown);
	for (size_t k = 0; (other = relctl_command_at(k)); k++) {
		if (other == cmd || strncmp(other->words, cmd->words, first) != 0 ||
		    (other->words[first] != ' ' && other->words[first] != '\0'))
			continue;
		if (n++ == 0)
			fputs("\nSee also:\n", out);
		fprintf(out, "  relctl %-*s %s\n", words_width(), other->words, other->summary);
	}
}

void help_version(FILE *out)
{
	fprintf(out, "relctl %s (librelease %s)\n", RELCTL_VERSION, release_version_string());
}
