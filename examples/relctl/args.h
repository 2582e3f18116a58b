/*
 * relctl's command line: options may come anywhere among the command words
 * (`relctl releases rollback RBCDEFGHIJ -a myapp`), as Convox's CLI takes
 * them. Parsing only splits and names; which command accepts which option is
 * the command table's business (commands.c).
 */
#ifndef RELCTL_ARGS_H
#define RELCTL_ARGS_H

#include <stddef.h>
#include <stdint.h>

enum opt {
	OPT_APP,
	OPT_STORE,
	OPT_JSON,
	OPT_ID,
	OPT_HELP,
	OPT_VERSION,
	OPT_LIMIT,
	OPT_BEFORE,
	OPT_DESCRIPTION,
	OPT_MANIFEST,
	OPT_STATUS,
	OPT_PROMOTE,
	OPT_HOOK,
	OPT_HOOK_TIMEOUT,
	OPT_REVEAL,
	OPT_FORCE,
	OPT_FILE,
	OPT_FOLLOW,
	OPT_LOG,
	OPT_RELEASE,
	OPT_REPLACE,
	OPT_STDIN,
	OPT_BUILD_FROM,
	OPT_ENV_FROM,
	OPT_ACTIVE_BUILD,
	OPT_ACTIVE_ENV,
	OPT_KEEP,
	OPT_ACTOR,
	OPT_AT,
	OPT_WATCH,
	OPT_TIMEOUT,
	OPT_FOR,
	OPT_SINCE,
	OPT_MIRROR,
	OPT_IF_PENDING,
	OPT_COUNT
};

/* The options fit the bits of a uint64_t (struct command's opts). */
#define OPT_BIT(o) (UINT64_C(1) << (o))

struct args {
	/* An option's value (the last one given), "" for a flag that was given,
	 * NULL for an option that was not. Borrowed from argv. */
	const char *value[OPT_COUNT];
	uint64_t seen;     /* OPT_BIT of every option given */
	const char **pos;  /* the words that are not options, in order */
	size_t npos;
};

/* The most characters of a word that a message about it shows. */
#define ARGS_SHOWN_MAX 100

/*
 * Splits argv (argc words, argv[0] the program) into options and words.
 * Returns 0, or -1 with a message in err for an unknown option or a missing
 * value (the word shown safe, and cut to ARGS_SHOWN_MAX characters and
 * "..."); -2 when out of memory. Free with args_free() either way.
 */
int args_parse(struct args *a, int argc, char **argv, char *err, size_t errlen);

void args_free(struct args *a);

/* The option's name as the user types it, e.g. "--app". */
const char *opt_name(enum opt o);

#endif
