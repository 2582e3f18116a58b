/* env, env set, env unset. */
#include <stdlib.h>
#include <string.h>

#include "common/format.h"
#include "json.h"
#include "output.h"
#include "relctl.h"

int cmd_env(struct relctl *c)
{
	release_list_opts lo;
	release_store *s;
	release_iter *it = NULL;
	const release *r = NULL;
	int rc, status;

	if (!(s = relctl_store(c, &status)))
		return status;
	release_list_opts_init(&lo);
	lo.limit = 1;
	if ((rc = release_list(s, c->app, &lo, &it)) != 0)
		return relctl_fail(c, rc);
	if ((rc = release_iter_next(it, &r)) != 0 && rc != RELEASE_ITEROVER) {
		release_iter_free(it);
		return relctl_fail(c, rc);
	}
	if (rc == RELEASE_ITEROVER)
		r = NULL; /* no release yet: an empty env */
	if (c->args.value[OPT_JSON]) {
		struct json j;

		json_init(&j, c->out);
		json_begin_object(&j);
		json_key(&j, "app");
		json_string(&j, c->app);
		json_key(&j, "release");
		json_string(&j, r ? release_id(r) : NULL);
		json_key(&j, "env");
		json_begin_object(&j);
		for (size_t i = 0; r && i < release_env_count(r); i++) {
			json_key(&j, release_env_key(r, i));
			json_string(&j, env_shown(release_env_value(r, i), c->mask));
		}
		json_end_object(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		for (size_t i = 0; r && i < release_env_count(r); i++) {
			/* One pair a line: a newline in a value is shown as \n. */
			char *k = format_safe(release_env_key(r, i), 0, 0);
			char *v = format_safe(env_shown(release_env_value(r, i), c->mask), 0, 0);

			if (k && v)
				fprintf(c->out, "%s=%s\n", k, v);
			free(k);
			free(v);
			if (!k || !v) {
				release_iter_free(it);
				return relctl_fail(c, RELEASE_ENOMEM);
			}
		}
	}
	release_iter_free(it);
	return RELCTL_EXIT_OK;
}

/* Prints "<verb> K1, K2... " for the keys of words (up to any '='). */
static void start(struct relctl *c, const char *verb)
{
	fprintf(c->progress, "%s ", verb);
	for (size_t i = 0; i < relctl_nargs(c); i++) {
		const char *w = relctl_arg(c, i);

		fprintf(c->progress, "%s%.*s", i ? ", " : "", (int)strcspn(w, "="), w);
	}
	fputs("... ", c->progress);
	fflush(c->progress);
}

/* After an env change: the new release, and its promotion if asked for. */
static int finish(struct relctl *c, release *r)
{
	int status = RELCTL_EXIT_OK;

	fputs("OK\n", c->progress);
	if (!r) {
		fputs("No changes: no release was created\n", c->progress);
		return RELCTL_EXIT_OK;
	}
	fprintf(c->progress, "Release: %s\n", release_id(r));
	if (c->args.value[OPT_ID]) {
		fprintf(c->out, "%s\n", release_id(r));
		fflush(c->out);
	}
	if (c->args.value[OPT_PROMOTE])
		status = relctl_promote(c, release_id(r));
	release_free(r);
	return status;
}

/* An env key as the library takes it: [A-Za-z_][A-Za-z0-9_]*, its first
 * len bytes. */
static int valid_key(const char *key, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char ch = key[i];
		int alpha = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';

		if (!alpha && (i == 0 || ch < '0' || ch > '9'))
			return 0;
	}
	return 1;
}

/* Checks every word before anything is printed: KEY=VALUE pairs for set,
 * keys for unset. 0, or the exit status after reporting. */
static int check_words(struct relctl *c, int pairs)
{
	for (size_t i = 0; i < relctl_nargs(c); i++) {
		const char *w = relctl_arg(c, i);
		size_t len = strcspn(w, "=");
		char *key;
		int status;

		if (pairs && !w[len])
			return relctl_error(RELCTL_EXIT_USAGE,
					    "'%s' is not KEY=VALUE (usage: relctl %s)",
					    relctl_shown(w), c->cmd->synopsis);
		if (!pairs && w[len])
			return relctl_error(RELCTL_EXIT_USAGE,
					    "'%s' is a KEY=VALUE, not a KEY (usage: relctl %s)",
					    relctl_shown(w), c->cmd->synopsis);
		if (valid_key(w, len))
			continue;
		if (!(key = malloc(len + 1)))
			return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
		memcpy(key, w, len);
		key[len] = '\0';
		status = relctl_error(RELCTL_EXIT_USAGE,
				      "invalid env key '%s' (want [A-Za-z_][A-Za-z0-9_]*)",
				      relctl_shown(key));
		free(key);
		return status;
	}
	return 0;
}

int cmd_env_set(struct relctl *c)
{
	release_store *s;
	release *r = NULL;
	int rc, status;

	if ((status = check_words(c, 1)) != 0 || !(s = relctl_store(c, &status)))
		return status;
	start(c, "Setting");
	if ((rc = release_env_set(s, c->app, c->args.pos + (c->args.npos - relctl_nargs(c)),
				  relctl_nargs(c), &r)) != 0)
		return relctl_fail(c, rc);
	return finish(c, r);
}

int cmd_env_unset(struct relctl *c)
{
	release_store *s;
	release *r = NULL;
	int rc, status;

	if ((status = check_words(c, 0)) != 0 || !(s = relctl_store(c, &status)))
		return status;
	start(c, "Unsetting");
	if ((rc = release_env_unset(s, c->app, c->args.pos + (c->args.npos - relctl_nargs(c)),
				    relctl_nargs(c), &r)) != 0)
		return relctl_fail(c, rc);
	return finish(c, r);
}
