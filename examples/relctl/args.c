/* Splitting the command line into options and words. */
#include "args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/format.h"

static const struct {
	const char *name; /* long form, without "--" */
	char short_name;  /* 0: none */
	int has_value;
} options[OPT_COUNT] = {
	[OPT_APP] = {"app", 'a', 1},
	[OPT_STORE] = {"store", 0, 1},
	[OPT_JSON] = {"json", 0, 0},
	[OPT_ID] = {"id", 0, 0},
	[OPT_HELP] = {"help", 'h', 0},
	[OPT_VERSION] = {"version", 0, 0},
	[OPT_LIMIT] = {"limit", 0, 1},
	[OPT_BEFORE] = {"before", 0, 1},
	[OPT_DESCRIPTION] = {"description", 'd', 1},
	[OPT_MANIFEST] = {"manifest", 'm', 1},
	[OPT_STATUS] = {"status", 0, 1},
	[OPT_PROMOTE] = {"promote", 'p', 0},
	[OPT_HOOK] = {"hook", 0, 1},
	[OPT_HOOK_TIMEOUT] = {"hook-timeout", 0, 1},
	[OPT_REVEAL] = {"reveal", 0, 0},
	[OPT_FORCE] = {"force", 0, 0},
	[OPT_FILE] = {"file", 'f', 1},
	[OPT_FOLLOW] = {"follow", 0, 0},
	[OPT_LOG] = {"log", 0, 1},
	[OPT_RELEASE] = {"release", 0, 1},
	[OPT_REPLACE] = {"replace", 0, 0},
	[OPT_STDIN] = {"stdin", 0, 0},
	[OPT_BUILD_FROM] = {"build-from", 0, 1},
	[OPT_ENV_FROM] = {"env-from", 0, 1},
	[OPT_ACTIVE_BUILD] = {"use-active-release-build", 0, 0},
	[OPT_ACTIVE_ENV] = {"use-active-release-env", 0, 0},
	[OPT_KEEP] = {"keep", 0, 1},
	[OPT_ACTOR] = {"actor", 0, 1},
	[OPT_AT] = {"at", 0, 1},
	[OPT_WATCH] = {"watch", 0, 0},
	[OPT_TIMEOUT] = {"timeout", 0, 1},
	[OPT_FOR] = {"for", 0, 1},
	[OPT_SINCE] = {"since", 0, 1},
	[OPT_MIRROR] = {"mirror", 0, 0},
	[OPT_IF_PENDING] = {"if-pending", 0, 0},
};

_Static_assert(OPT_COUNT <= 64, "struct command's opts holds a bit per option");

const char *opt_name(enum opt o)
{
	static char names[OPT_COUNT][32];

	if (!names[o][0])
		snprintf(names[o], sizeof names[o], "--%s", options[o].name);
	return names[o];
}

static int find_long(const char *name, size_t len)
{
	for (int i = 0; i < OPT_COUNT; i++)
		if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
			return i;
	return -1;
}

/* "unknown option 'WORD'" and why, WORD being the first len bytes of arg,
 * made safe and cut short. */
static void unknown(char *err, size_t errlen, const char *arg, size_t len, const char *why)
{
	char *word = malloc(len + 1), *safe = NULL;

	if (word) {
		memcpy(word, arg, len);
		word[len] = '\0';
		safe = format_safe(word, 0, ARGS_SHOWN_MAX);
	}
	snprintf(err, errlen, "unknown option '%s'%s", safe ? safe : "?", why);
	free(safe);
	free(word);
}

static int find_short(char c)
{
	for (int i = 0; i < OPT_COUNT; i++)
		if (options[i].short_name == c)
			return i;
	return -1;
}

int args_parse(struct args *a, int argc, char **argv, char *err, size_t errlen)
{
	int i, only_words = 0;

	memset(a, 0, sizeof *a);
	if (!(a->pos = calloc((size_t)(argc > 0 ? argc : 1), sizeof *a->pos)))
		return -2;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *value = NULL;
		int o;

		if (only_words || arg[0] != '-' || arg[1] == '\0') {
			a->pos[a->npos++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_words = 1;
			continue;
		}
		if (arg[1] == '-') {
			const char *eq = strchr(arg + 2, '=');
			size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);

			if ((o = find_long(arg + 2, len)) < 0) {
				unknown(err, errlen, arg, len + 2, "");
				return -1;
			}
			if (eq && !options[o].has_value) {
				snprintf(err, errlen, "option '%s' takes no value", opt_name(o));
				return -1;
			}
			value = eq ? eq + 1 : NULL;
		} else {
			if ((o = find_short(arg[1])) < 0) {
				uint32_t cp;
				size_t n = format_utf8(arg + 1, &cp);

				unknown(err, errlen, arg, 1 + (n ? n : 1), "");
				return -1;
			}
			if (arg[2] && !options[o].has_value) {
				unknown(err, errlen, arg, strlen(arg), " (flags do not combine)");
				return -1;
			}
			value = arg[2] ? arg + 2 : NULL;
		}
		if (options[o].has_value && !value) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "option '%s' needs a value", opt_name(o));
				return -1;
			}
			value = argv[++i];
		}
		a->value[o] = options[o].has_value ? value : "";
		a->seen |= OPT_BIT(o);
	}
	return 0;
}

void args_free(struct args *a)
{
	free(a->pos);
	a->pos = NULL;
	a->npos = 0;
}
