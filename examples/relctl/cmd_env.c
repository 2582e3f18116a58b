/* env, env get, and what the env changes end with. */
#include <stdlib.h>
#include <string.h>

#include "common/format.h"
#include "env_file.h"
#include "json.h"
#include "output.h"
#include "relctl.h"

int relctl_env_release(struct relctl *c, release_store *s, release **out)
{
	const char *ref = c->args.value[OPT_RELEASE];
	release_list_opts lo;
	release_iter *it = NULL;
	const release *r = NULL;
	int rc;

	*out = NULL;
	if (ref)
		return relctl_get_release(c, s, ref, out);
	release_list_opts_init(&lo);
	lo.limit = 1;
	if ((rc = release_list(s, c->app, &lo, &it)) != 0)
		return relctl_fail(c, rc);
	if ((rc = release_iter_next(it, &r)) == 0 && !(*out = release_dup(r)))
		rc = RELEASE_ENOMEM;
	release_iter_free(it);
	return rc && rc != RELEASE_ITEROVER ? relctl_fail(c, rc) : 0;
}

/* The env's pairs as text lines, masked and made safe. 0, or -1 when out of
 * memory. */
static int print_env_text(struct relctl *c, const release *r, const release_settings *mask)
{
	for (size_t i = 0; r && i < release_env_count(r); i++) {
		/* One pair a line: a newline in a value is shown as \n. */
		const char *key = release_env_key(r, i);
		char *k = format_safe(key, 0, 0);
		char *v = format_safe(env_shown(mask, key, release_env_value(r, i)), 0, 0);

		if (k && v)
			fprintf(c->out, "%s=%s\n", k, v);
		free(k);
		free(v);
		if (!k || !v)
			return -1;
	}
	return 0;
}

int cmd_env(struct relctl *c)
{
	release_settings *mask = NULL;
	release_store *s;
	release *r = NULL;
	int status;

	if (!(s = relctl_store(c, &status)) || (status = relctl_env_release(c, s, &r)) != 0 ||
	    (status = relctl_mask_list(c, &mask)) != 0) {
		release_free(r);
		return status;
	}
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
			const char *key = release_env_key(r, i);

			json_key(&j, key);
			json_string(&j, env_shown(mask, key, release_env_value(r, i)));
		}
		json_end_object(&j);
		json_end_object(&j);
		json_finish(&j);
	} else if (print_env_text(c, r, mask) != 0) {
		status = relctl_fail(c, RELEASE_ENOMEM);
	}
	release_settings_free(mask);
	release_free(r);
	return status;
}

int cmd_env_get(struct relctl *c)
{
	const char *key = relctl_arg(c, 0), *value;
	release_store *s;
	release *r = NULL;
	int status;

	if (!env_key_valid(key, strlen(key)))
		return relctl_error(RELCTL_EXIT_USAGE, "invalid env key '%s' (%s)",
				    relctl_shown(key), env_key_want(key, strlen(key)));
	if (!(s = relctl_store(c, &status)) || (status = relctl_env_release(c, s, &r)) != 0)
		return status;
	if (!r || !(value = release_env_get(r, key))) {
		release_free(r);
		return relctl_error(RELCTL_EXIT_NOTFOUND, "env not found: %s", key);
	}
	if (c->args.value[OPT_JSON]) {
		struct json j;

		json_init(&j, c->out);
		json_begin_object(&j);
		json_key(&j, "app");
		json_string(&j, c->app);
		json_key(&j, "release");
		json_string(&j, release_id(r));
		json_key(&j, "key");
		json_string(&j, key);
		json_key(&j, "value");
		json_string(&j, value);
		json_end_object(&j);
		json_finish(&j);
	} else if (c->tty) {
		/* The value byte for byte is for files and pipes ($(relctl env
		 * get K)); a terminal gets it on one line, made safe. */
		char *safe = format_safe(value, 0, 0);

		if (safe)
			fprintf(c->out, "%s\n", safe);
		else
			status = relctl_fail(c, RELEASE_ENOMEM);
		free(safe);
	} else {
		fprintf(c->out, "%s\n", value);
	}
	release_free(r);
	return status;
}

int relctl_release_made(struct relctl *c, release *r)
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
