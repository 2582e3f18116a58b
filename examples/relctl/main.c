/*
 * relctl: release history and rollback from the command line, on
 * librelease's public API, speaking Convox's language. See README.md.
 *
 * main() reads the command line and the environment into a struct relctl,
 * finds the command in the table (commands.c) and runs it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "help.h"
#include "hook.h"
#include "relctl.h"

#define GLOBAL_OPTS                                                                       \
	(OPT_BIT(OPT_APP) | OPT_BIT(OPT_STORE) | OPT_BIT(OPT_HELP) | OPT_BIT(OPT_VERSION) |       \
	 OPT_BIT(OPT_ACTOR))

uint64_t relctl_global_opts(const struct command *cmd)
{
	/* store copy's stores are its words, and it records no actor of its
	 * own (each record keeps its own): --store and --actor would be
	 * ignored, so they are refused. Its --app is its own option. */
	if (cmd->run == cmd_store_copy)
		return OPT_BIT(OPT_HELP) | OPT_BIT(OPT_VERSION);
	return GLOBAL_OPTS;
}

static size_t word_count(const char *words)
{
	size_t n = 1;

	for (; *words; words++)
		n += *words == ' ';
	return n;
}

/* The command whose words begin pos (the longest match), or NULL. */
static const struct command *find_command(const char *const *pos, size_t npos)
{
	const struct command *cmd, *best = NULL;
	size_t best_n = 0;

	for (size_t k = 0; (cmd = relctl_command_at(k)); k++) {
		size_t n = word_count(cmd->words), i;
		const char *w = cmd->words;

		if (n > npos || n <= best_n)
			continue;
		for (i = 0; i < n; i++) {
			size_t len = strcspn(w, " ");

			if (strlen(pos[i]) != len || strncmp(pos[i], w, len) != 0)
				break;
			w += len + (w[len] == ' ');
		}
		if (i == n) {
			best = cmd;
			best_n = n;
		}
	}
	return best;
}

size_t relctl_nargs(const struct relctl *c)
{
	return c->args.npos - word_count(c->cmd->words);
}

const char *relctl_arg(const struct relctl *c, size_t i)
{
	return c->args.pos[word_count(c->cmd->words) + i];
}

int relctl_parse_number(const char *s, uint64_t max, uint64_t *out)
{
	/* A negative number is still a number: out of range. */
	const char *digits = s && *s == '-' ? s + 1 : s;
	unsigned long long v;

	if (!digits || !*digits || strspn(digits, "0123456789") != strlen(digits))
		return -1;
	errno = 0;
	v = strtoull(digits, NULL, 10);
	if (digits != s || errno || v > max)
		return -2;
	*out = v;
	return 0;
}

enum relctl_ref relctl_parse_ref(const char *ref, uint64_t *version)
{
	const char *digits = ref + (ref[0] == 'v');
	unsigned long long v;

	if (!ref[0] || !strchr("v+-0123456789", ref[0]))
		return RELCTL_REF_ID;
	/* An optional 'v', then digits only. */
	if (!*digits || strspn(digits, "0123456789") != strlen(digits))
		return RELCTL_REF_BAD_VERSION;
	errno = 0;
	v = strtoull(digits, NULL, 10);
	*version = errno ? UINT64_MAX : v; /* ERANGE: too large for any release */
	return *version > 0 ? RELCTL_REF_VERSION : RELCTL_REF_BAD_VERSION;
}

int relctl_option_uint(const struct relctl *c, enum opt o, uint64_t max, const char *unit,
		       uint64_t *out)
{
	const char *s = c->args.value[o];

	switch (relctl_parse_number(s, max, out)) {
	case 0:
		return 0;
	case -2:
		return relctl_error(RELCTL_EXIT_USAGE, "%s %s is out of range (0 to %llu%s%s)",
				    opt_name(o), relctl_shown(s), (unsigned long long)max,
				    *unit ? " " : "", unit);
	default:
		return relctl_error(RELCTL_EXIT_USAGE, "%s wants a whole number%s%s, not '%s'",
				    opt_name(o), *unit ? " of " : "", unit, relctl_shown(s));
	}
}

int relctl_check_app(const char *name)
{
	if (release_app_name_valid(name))
		return 0;
	return relctl_error(RELCTL_EXIT_USAGE,
			    "invalid app name '%s' (want 1-63 of a-z, 0-9 and '-', starting and "
			    "ending with a letter or digit)",
			    relctl_shown(name));
}

int relctl_app_word(struct relctl *c)
{
	if (relctl_nargs(c) > 0)
		c->app = relctl_arg(c, 0);
	if (!c->app)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "no app given: name it, use -a APP or set RELEASE_APP");
	return relctl_check_app(c->app);
}

/* The environment variable's value, or NULL when unset or empty. */
static const char *env_value(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* Checks the options and words the command was given. 0, or an exit status
 * after reporting. */
static int check_usage(const struct relctl *c)
{
	const struct command *cmd = c->cmd;
	uint64_t extra = c->args.seen & ~(relctl_global_opts(cmd) | cmd->opts);
	size_t n = relctl_nargs(c);

	for (int o = 0; o < OPT_COUNT; o++)
		if (extra & OPT_BIT(o))
			return relctl_error(RELCTL_EXIT_USAGE,
					    "'%s' does not take %s (see 'relctl %s --help')",
					    cmd->words, opt_name(o), cmd->words);
	if (n < cmd->min_pos)
		return relctl_error(RELCTL_EXIT_USAGE, "missing argument (usage: relctl %s)",
				    cmd->synopsis);
	if (n > cmd->max_pos)
		return relctl_error(RELCTL_EXIT_USAGE, "unexpected argument '%s' (usage: relctl %s)",
				    relctl_shown(relctl_arg(c, cmd->max_pos)), cmd->synopsis);
	if (cmd->needs_app && !c->app)
		return relctl_error(RELCTL_EXIT_USAGE, "no app given: use -a APP or set RELEASE_APP");
	if (cmd->needs_app)
		return relctl_check_app(c->app);
	return 0;
}

/* Reads the hook settings. 0, or an exit status after reporting. */
static int load_hook(struct relctl *c)
{
	uint64_t t = HOOK_DEFAULT_TIMEOUT_S;
	int rc;

	/* --hook, else $RELEASE_DEPLOY_HOOK for now: the app's stored hook,
	 * which comes between them, is read when a promotion starts
	 * (relctl_hook()). */
	c->hook_given = c->args.value[OPT_HOOK] != NULL;
	c->hook = c->hook_given ? c->args.value[OPT_HOOK] : env_value("RELEASE_DEPLOY_HOOK");
	if (c->hook && !*c->hook)
		c->hook = NULL; /* --hook '' turns the hook off */
	if (c->args.value[OPT_HOOK_TIMEOUT] &&
	    (rc = relctl_option_uint(c, OPT_HOOK_TIMEOUT, INT32_MAX, "seconds", &t)) != 0)
		return rc;
	c->hook_timeout_s = (int64_t)t;
	return 0;
}

static int run(struct relctl *c, int argc, char **argv)
{
	const char **pos;
	size_t npos;
	char err[1024];
	int rc;

	if ((rc = args_parse(&c->args, argc, argv, err, sizeof err)) == -2)
		return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
	if (rc != 0)
		return relctl_error(RELCTL_EXIT_USAGE, "%s (see 'relctl --help')", err);
	pos = c->args.pos;
	npos = c->args.npos;
	/* `relctl help releases` is `relctl releases --help`. */
	if (npos > 0 && strcmp(pos[0], "help") == 0) {
		c->args.seen |= OPT_BIT(OPT_HELP);
		memmove(pos, pos + 1, --npos * sizeof *pos);
		c->args.npos = npos;
	}
	if (npos == 0) {
		if (c->args.seen & OPT_BIT(OPT_HELP)) {
			help_overview(stdout);
			return RELCTL_EXIT_OK;
		}
		if (c->args.seen & OPT_BIT(OPT_VERSION)) {
			help_version(stdout);
			return RELCTL_EXIT_OK;
		}
		help_overview(stderr);
		return RELCTL_EXIT_USAGE;
	}
	if (!(c->cmd = find_command(pos, npos)))
		return relctl_error(RELCTL_EXIT_USAGE, "unknown command '%s' (see 'relctl --help')",
				    relctl_shown(npos > 1 && find_command(pos, 1) ? pos[1] : pos[0]));
	if (c->args.seen & OPT_BIT(OPT_HELP)) {
		help_command(stdout, c->cmd);
		return RELCTL_EXIT_OK;
	}
	if (c->args.seen & OPT_BIT(OPT_VERSION)) {
		help_version(stdout);
		return RELCTL_EXIT_OK;
	}
	c->app = c->args.value[OPT_APP] ? c->args.value[OPT_APP] : env_value("RELEASE_APP");
	/* An empty --actor is given, and refused by the library; an empty
	 * variable is unset. $RELEASE_ACTOR is for what is written: a command
	 * that only reads does not look at it, so that one the library refuses
	 * (a CI job's over-long name) fails the writes, not every listing and
	 * wait. An --actor given is checked whatever the command. */
	c->actor = c->args.value[OPT_ACTOR]           ? c->args.value[OPT_ACTOR]
		   : c->cmd->use != RELCTL_READS ? env_value("RELEASE_ACTOR")
						 : NULL;
	if ((rc = check_usage(c)) != 0 || (rc = load_hook(c)) != 0)
		return rc;
	if (testenv_load(&c->test, err, sizeof err) != 0)
		return relctl_error(RELCTL_EXIT_USAGE, "%s", err);
	/* An empty RELEASE_STORE is unset, as usual; an empty --store was
	 * meant to name something, and is not the default store. */
	if (c->args.value[OPT_STORE] && !*c->args.value[OPT_STORE])
		return relctl_error(RELCTL_EXIT_USAGE, "--store is empty: give a path or a URI, or "
						       "leave it out for the default store");
	if (!(c->store_uri = relctl_store_uri(c->args.value[OPT_STORE] ? c->args.value[OPT_STORE]
								       : env_value("RELEASE_STORE"))))
		return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
	c->now = testenv_now(&c->test);
	c->out = stdout;
	c->progress = c->args.value[OPT_ID] ? stderr : stdout;
	c->tty = isatty(STDOUT_FILENO);
	c->mask = c->tty && !c->args.value[OPT_REVEAL];
	return c->cmd->run(c);
}

int main(int argc, char **argv)
{
	struct relctl c;
	int status;

	memset(&c, 0, sizeof c);
	status = run(&c, argc, argv);
	release_store_close(c.store);
	free(c.store_uri);
	free(c.hook_copy);
	if ((fflush(stdout) != 0 || ferror(stdout)) && status == RELCTL_EXIT_OK) {
		/* A reader that went away (a promotion ignores SIGPIPE) needs no
		 * message; other failures do. */
		status = RELCTL_EXIT_FAILURE;
		if (errno != EPIPE)
			relctl_error(status, "writing output: %s", strerror(errno));
	}
	args_free(&c.args);
	return status;
}
