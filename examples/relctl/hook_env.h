/* What a deploy hook is given: its environment and the two temporary files
 * it names (hook.h lists them). */
#ifndef RELCTL_HOOK_ENV_H
#define RELCTL_HOOK_ENV_H

#include <stddef.h>

#include <librelease/release.h>

#define HOOK_ENV_VARS 9

struct hook_env {
	char manifest[4096]; /* path; "" when not created */
	char env_file[4096];
	char *vars[HOOK_ENV_VARS]; /* "NAME=value", ours */
	char **envp;               /* relctl's environment with ours in place */
};

/* Writes the files and builds envp for r. Returns 0, or -1 with a message
 * in err; hook_env_free() either way. */
int hook_env_make(struct hook_env *e, const release *r, const char *store_uri, char *err,
		  size_t errlen);

/* Removes the files and frees the environment. */
void hook_env_free(struct hook_env *e);

#endif
