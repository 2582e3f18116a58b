/* env mask, env mask set, env mask unset: the app's mask list, the env keys
 * whose values a terminal does not show. */
#include <stdlib.h>
#include <string.h>

#include "env_change.h"
#include "json.h"
#include "relctl.h"

int relctl_mask_list(struct relctl *c, release_settings **out)
{
	release_store *s;
	int rc, status;

	*out = NULL;
	if (!c->mask)
		return 0;
	if (!(s = relctl_store(c, &status)))
		return status;
	if ((rc = release_settings_get(s, c->app, out)) != 0)
		return relctl_fail(c, rc);
	return 0;
}

int cmd_env_mask(struct relctl *c)
{
	release_settings *set = NULL;
	release_store *s;
	int rc, status;

	if (!(s = relctl_store(c, &status)))
		return status;
	if ((rc = release_settings_get(s, c->app, &set)) != 0)
		return relctl_fail(c, rc);
	if (c->args.value[OPT_JSON]) {
		struct json j;

		json_init(&j, c->out);
		json_begin_object(&j);
		json_key(&j, "app");
		json_string(&j, c->app);
		json_key(&j, "mask");
		json_begin_array(&j);
		for (size_t i = 0; i < release_settings_mask_count(set); i++)
			json_string(&j, release_settings_mask_key(set, i));
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		/* Valid env keys: nothing in them to make safe. */
		for (size_t i = 0; i < release_settings_mask_count(set); i++)
			fprintf(c->out, "%s\n", release_settings_mask_key(set, i));
	}
	release_settings_free(set);
	return RELCTL_EXIT_OK;
}

/* Checks the keys as Convox does, and as the library will: 0, or the exit
 * status after reporting. */
static int check_keys(struct relctl *c)
{
	size_t n = relctl_nargs(c);

	if (n > RELEASE_MASK_MAX)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "too many keys: %zu (a mask list holds at most %d)", n,
				    RELEASE_MASK_MAX);
	for (size_t i = 0; i < n; i++) {
		const char *k = relctl_arg(c, i);

		if (strchr(k, '='))
			return relctl_error(RELCTL_EXIT_USAGE,
					    "'%s' is not a key: the mask list holds keys, not values "
					    "(to set a value: relctl env set KEY=VALUE)",
					    relctl_shown(k));
		/* Whitespace, control characters and the rest are all names
		 * the library would refuse. */
		if (!env_key_valid(k, strlen(k)))
			return relctl_error(RELCTL_EXIT_USAGE, "invalid env key name '%s' (%s)",
					    relctl_shown(k), env_key_want(k, strlen(k)));
	}
	return 0;
}

/* Adds (add set) or removes the keys; "<verb> masked env keys K1, K2... OK". */
static int change(struct relctl *c, int add)
{
	const char *const *keys = c->args.pos + (c->args.npos - relctl_nargs(c));
	release_settings_opts so;
	release_store *s;
	int rc, status;

	if ((status = check_keys(c)) != 0 || !(s = relctl_store(c, &status)))
		return status;
	relctl_say_keys(c, add ? "Setting masked env keys" : "Unsetting masked env keys", keys,
			relctl_nargs(c));
	release_settings_opts_init(&so);
	if (add) {
		so.mask_add = keys;
		so.mask_add_n = relctl_nargs(c);
	} else {
		so.mask_remove = keys;
		so.mask_remove_n = relctl_nargs(c);
	}
	if ((rc = release_settings_update(s, c->app, &so, NULL)) != 0)
		return relctl_fail(c, rc);
	fputs("OK\n", c->progress);
	return RELCTL_EXIT_OK;
}

int cmd_env_mask_set(struct relctl *c)
{
	return change(c, 1);
}

int cmd_env_mask_unset(struct relctl *c)
{
	return change(c, 0);
}
