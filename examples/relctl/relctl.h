/*
 * relctl, a command-line frontend to librelease that speaks Convox's
 * language. This header holds what every command shares: the invocation's
 * context, the exit statuses, and the commands' entry points.
 */
#ifndef RELCTL_H
#define RELCTL_H

#include <stdint.h>
#include <stdio.h>

#include <librelease/release.h>

#include "args.h"
#include "testenv.h"

/* Exit statuses (README.md, "Exit status"). */
enum {
	RELCTL_EXIT_OK = 0,
	RELCTL_EXIT_FAILURE = 1,  /* anything not below: out of memory, output failed */
	RELCTL_EXIT_USAGE = 2,    /* bad command line or invalid input */
	RELCTL_EXIT_NOTFOUND = 3, /* no such app, build or release; a wait timed out */
	RELCTL_EXIT_REFUSED = 4,  /* the state says no: exists, older, conflict */
	RELCTL_EXIT_BUSY = 5,     /* the app is being promoted by someone else */
	RELCTL_EXIT_DEPLOY = 6,   /* the deploy hook failed; the previous release stays */
	RELCTL_EXIT_STORE = 7,    /* the store cannot be used: I/O, corrupt, full, unknown */
	RELCTL_EXIT_ACTIVE = 8,   /* promote --if-pending: deployed already, nothing done */
};

struct relctl {
	struct args args;
	const char *app;        /* -a, else $RELEASE_APP, else NULL */
	const char *actor;      /* --actor, else $RELEASE_ACTOR; NULL: the library's
				 * default, <login>@<host> */
	char *store_uri;        /* --store, else $RELEASE_STORE, as a URI */
	release_store *store;   /* opened by relctl_store() */
	const char *hook;       /* the deploy hook (relctl_hook()); NULL: none */
	int hook_given;         /* --hook was given ('' too): the app's is not read */
	int hook_stored;        /* hook is the app's stored one (relctl_hook()) */
	char *hook_copy;        /* the stored hook, ours */
	int64_t hook_timeout_s; /* --hook-timeout; 0: no limit */
	struct testenv test;
	int64_t now;            /* when this invocation started */
	FILE *out;              /* results */
	FILE *progress;         /* transcripts of writes: stdout, stderr under --id */
	int tty;                /* standard output is a terminal */
	int mask;               /* hide masked keys' values (a terminal, no --reveal) */
	const struct command *cmd;
};

/* What a command does with its store (--store's). */
enum store_use {
	RELCTL_READS,   /* only reads: the actor is not its business */
	RELCTL_WRITES,  /* writes, and records the actor with what it writes */
	RELCTL_CREATES, /* writes, and may make a new store; others need one to exist */
};

/* A command: its words, what it accepts, and its help. */
struct command {
	const char *words;   /* "releases rollback" */
	int (*run)(struct relctl *c);
	uint64_t opts;       /* OPT_BITs it accepts besides the global ones */
	int needs_app;
	size_t min_pos, max_pos; /* words after the command's own */
	const char *synopsis; /* after "relctl " */
	const char *summary;  /* one line */
	const char *help;     /* paragraphs after the synopsis; may be NULL */
	enum store_use use;
};

/* The tables of commands, each ended by a NULL words: apps and builds
 * (commands_apps.c), releases and env (commands.c). */
extern const struct command relctl_app_commands[];
extern const struct command relctl_release_commands[];
/* The options cmd takes besides its own (cmd->opts): -a, --store, --actor,
 * --help, --version, but for a command they would mean nothing to. */
uint64_t relctl_global_opts(const struct command *cmd);
/* The i-th command of all, in help's order; NULL past the last. */
const struct command *relctl_command_at(size_t i);

/* The positional words after the command's own. */
const char *relctl_arg(const struct relctl *c, size_t i);
size_t relctl_nargs(const struct relctl *c);

/* The store URI for --store or $RELEASE_STORE (NULL or "": the library's
 * default store); a plain path becomes "file:" and the absolute path.
 * NULL when out of memory. */
char *relctl_store_uri(const char *given);

/* The directory of a file: store URI (the default store's for "file:"),
 * without its options. 0, or -1 for another scheme or a path the library
 * would refuse. */
int relctl_file_store_dir(const char *uri, char *path, size_t size);
/* 1 for a postgresql:// (or postgres://) URI. */
int relctl_is_postgresql(const char *uri);

/* Opens the store on first use. Returns it, or NULL after reporting why;
 * *status is then the exit status. */
release_store *relctl_store(struct relctl *c, int *status);
/* Opens another store, by URI (relctl_store_uri()'s), with the same
 * options and actor as relctl_store(); must_exist refuses a file store
 * that is not there yet, as commands that do not make one do. 0 with the
 * store in *out, or the exit status after reporting. */
int relctl_open_store(struct relctl *c, const char *uri, int must_exist, release_store **out);
/* 0 when c's store can be written, as far as can be told before writing;
 * else the exit status after saying it cannot, as a write would. For a
 * command that must know before it asks the user for anything. */
int relctl_store_writable(const struct relctl *c);

/* A store's message as one line: a PostgreSQL store's (libpq's lines, the
 * later ones indented) joined; others' as they are. The text lives until
 * the next call. */
const char *relctl_store_text(const char *uri, const char *msg);

/* Prints "ERROR: <message>" for a failed library call on stderr, the store's
 * detailed message when it has one, and returns the exit status for rc. */
int relctl_fail(struct relctl *c, int rc);

/* Prints "ERROR: <message>" on stderr, made safe for a terminal
 * (format_safe()); returns status. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int relctl_error(int status, const char *fmt, ...);

/* s as a message echoes it: made safe, and cut to its first 100 characters
 * and "..." when longer. The text lives until the fourth next call, enough
 * for one message. */
const char *relctl_shown(const char *s);

/* The exit status for a RELEASE_E* code. */
int relctl_status_of(int rc);

/* 0 for a valid app name, else the exit status after reporting. */
int relctl_check_app(const char *name);

/* For a command of an optional APP word: sets c->app to the word, when
 * given, and checks that there is an app and that its name is valid. 0, or
 * the exit status after reporting. */
int relctl_app_word(struct relctl *c);

/* Parses a whole decimal number from 0 to max (digits only): 0; -1 when s
 * is not one; -2 when it is one out of range (negative, or above max). */
int relctl_parse_number(const char *s, uint64_t max, uint64_t *out);

/* What a word naming a release is (relctl_parse_ref()). */
enum relctl_ref {
	RELCTL_REF_ID,          /* not a version: a release id, for the library to check */
	RELCTL_REF_VERSION,     /* a version: 12, or v12 */
	RELCTL_REF_BAD_VERSION, /* written as a version and not one: 0, v, v-1, -1, +2, 1x */
};

/* The one reading of a word naming a release (RID|VERSION, --before): ids
 * are letters, so a word starting with a digit, a sign or 'v' is a
 * version. *version gets a version's number, UINT64_MAX for one too large
 * for any release to have. */
enum relctl_ref relctl_parse_ref(const char *ref, uint64_t *version);

/* Reads option o's value as relctl_parse_number() does. 0, or the exit status
 * after reporting; unit ("seconds", or "") names what the number counts. */
int relctl_option_uint(const struct relctl *c, enum opt o, uint64_t max, const char *unit,
		       uint64_t *out);

/* The commands. */
int cmd_apps(struct relctl *c);
int cmd_apps_create(struct relctl *c);
int cmd_apps_delete(struct relctl *c);
int cmd_builds(struct relctl *c);
int cmd_builds_create(struct relctl *c);
int cmd_builds_info(struct relctl *c);
int cmd_releases(struct relctl *c);
int cmd_releases_info(struct relctl *c);
int cmd_releases_manifest(struct relctl *c);
int cmd_releases_promote(struct relctl *c);
int cmd_releases_rollback(struct relctl *c);
int cmd_releases_create_from(struct relctl *c);
int cmd_releases_prune(struct relctl *c);
int cmd_releases_history(struct relctl *c);
int cmd_releases_diff(struct relctl *c);
int cmd_releases_wait(struct relctl *c);
int cmd_store_copy(struct relctl *c);
int cmd_env(struct relctl *c);
int cmd_env_get(struct relctl *c);
int cmd_env_set(struct relctl *c);
int cmd_env_unset(struct relctl *c);
int cmd_env_edit(struct relctl *c);
int cmd_env_mask(struct relctl *c);
int cmd_env_mask_set(struct relctl *c);
int cmd_env_mask_unset(struct relctl *c);

/* Promotes release id of c->app, printing "Promoting id...", the events and
 * "OK" (cmd_promote.c). Used by `releases promote`, `releases create-from
 * --promote` and the env changes' --promote. */
int relctl_promote(struct relctl *c, const char *id);

/* Settles the deploy hook of a promotion: --hook when given ('' is none),
 * else the app's stored hook (release_settings_hook()), else
 * $RELEASE_DEPLOY_HOOK. Sets c->hook. 0, or the exit status after
 * reporting. */
int relctl_hook(struct relctl *c);

/* Reads release ref of c->app: a release id, or a version ("12" or "v12").
 * 0, or the exit status after reporting. */
int relctl_get_release(struct relctl *c, release_store *s, const char *ref, release **out);

/* The release whose env an env command reads or changes: --release
 * RID|VERSION, else the app's newest (NULL in *out when it has none yet).
 * 0, or the exit status after reporting. */
int relctl_env_release(struct relctl *c, release_store *s, release **out);

/* The app's mask list when values are to be masked (c->mask), else NULL in
 * *out. 0, or the exit status after reporting. */
int relctl_mask_list(struct relctl *c, release_settings **out);

/* After a write that made release r (an env change, create-from; NULL:
 * the env change changed nothing): "OK", then
 * "Release: RID" or "No changes: no release was created", the id alone on
 * standard output under --id, and the promotion under --promote. Frees r. */
int relctl_release_made(struct relctl *c, release *r);

#endif
