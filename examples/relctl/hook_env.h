/* What a deploy hook is given: its environment and the two files it names
 * (hook.h lists them). */
#ifndef RELCTL_HOOK_ENV_H
#define RELCTL_HOOK_ENV_H

#include <stddef.h>

#include <librelease/release.h>

#define HOOK_ENV_VARS 10

struct hook_env {
	int manifest_fd;     /* -1 when not made */
	int env_fd;
	char manifest[32];   /* "/dev/fd/N" */
	char env_file[32];
	char *vars[HOOK_ENV_VARS]; /* "NAME=value", ours */
	char **envp;               /* relctl's environment with ours in place */
};

/*
 * Writes the files and builds envp for r. The files have no name in any
 * directory (hook_env.c says how), so none is ever left behind: the hook
 * finds them at /dev/fd/N, descriptors that are close-on-exec in relctl
 * and that hook_env_inherit() hands down to the hook. Returns 0, or -1 with
 * a message in err; hook_env_free() either way.
 */
int hook_env_make(struct hook_env *e, const release *r, const char *store_uri,
		  const char *actor, char *err, size_t errlen);

/* In the hook's process, before exec: lets it inherit the files. */
void hook_env_inherit(const struct hook_env *e);

/* Closes the files and frees the environment. */
void hook_env_free(struct hook_env *e);

#endif
