/* releases create-from, releases prune: writes to an app's history that
 * neither promote nor change an env. */
#include <stdio.h>
#include <stdint.h>

#include "relctl.h"

/* The release option from (--build-from, --env-from) names, its id in id
 * and *out; without it *out is NULL, the active release (as with
 * --use-active-release-build or -env). 0, or the exit status after
 * reporting, before anything is written. */
static int source(struct relctl *c, release_store *s, enum opt from, char *id, size_t size,
		  const char **out)
{
	const char *ref = c->args.value[from];
	release *r;
	int status;

	*out = NULL;
	if (!ref)
		return 0;
	if ((status = relctl_get_release(c, s, ref, &r)) != 0)
		return status;
	snprintf(id, size, "%s", release_id(r));
	release_free(r);
	*out = id;
	return 0;
}

int cmd_releases_create_from(struct relctl *c)
{
	static const enum opt pairs[2][2] = {{OPT_BUILD_FROM, OPT_ACTIVE_BUILD},
					     {OPT_ENV_FROM, OPT_ACTIVE_ENV}};
	char build_id[64], env_id[64];
	release_create_opts co;
	release_store *s;
	release *r = NULL;
	int rc, status;

	for (int i = 0; i < 2; i++)
		if (c->args.value[pairs[i][0]] && c->args.value[pairs[i][1]])
			return relctl_error(RELCTL_EXIT_USAGE,
					    "%s and %s cannot be used together: give one (usage: "
					    "relctl %s)",
					    opt_name(pairs[i][0]), opt_name(pairs[i][1]),
					    c->cmd->synopsis);
	release_create_opts_init(&co);
	if (!(s = relctl_store(c, &status)) ||
	    (status = source(c, s, OPT_BUILD_FROM, build_id, sizeof build_id, &co.build_from)) != 0 ||
	    (status = source(c, s, OPT_ENV_FROM, env_id, sizeof env_id, &co.env_from)) != 0)
		return status;
	/* A source left out is the active release at the time of the write;
	 * an app without one is told before the transcript starts. */
	if (!co.build_from || !co.env_from) {
		release *active = NULL;

		if ((rc = release_get_active(s, c->app, &active)) != 0)
			return relctl_fail(c, rc);
		release_free(active);
	}
	fputs("Creating release... ", c->progress);
	fflush(c->progress);
	if ((rc = release_create_from(s, c->app, &co, &r)) != 0)
		return relctl_fail(c, rc);
	return relctl_release_made(c, r);
}

int cmd_releases_prune(struct relctl *c)
{
	uint64_t keep;
	release_store *s;
	size_t removed = 0;
	int rc, status;

	if (!c->args.value[OPT_KEEP])
		return relctl_error(RELCTL_EXIT_USAGE,
				    "releases prune needs --keep N: how many releases older than "
				    "the active one to keep (usage: relctl %s)",
				    c->cmd->synopsis);
	if ((status = relctl_option_uint(c, OPT_KEEP, SIZE_MAX, "", &keep)) != 0 ||
	    !(s = relctl_store(c, &status)))
		return status;
	fputs("Pruning releases... ", c->progress);
	fflush(c->progress);
	if ((rc = release_prune(s, c->app, (size_t)keep, &removed)) != 0)
		return relctl_fail(c, rc);
	fprintf(c->progress, "OK\nRemoved %zu release%s\n", removed, removed == 1 ? "" : "s");
	return RELCTL_EXIT_OK;
}
