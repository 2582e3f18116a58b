/* A build's default description from git, as Convox's CLI makes it. */
#ifndef RELCTL_GIT_H
#define RELCTL_GIT_H

#include <stddef.h>

/*
 * In a clean git work tree (no staged or unstaged changes to tracked files)
 * sets *out to "build <sha> <subject>" from `git log -n 1 --pretty='%h %s'
 * --abbrev=10` (the caller frees it) and returns 0. Otherwise returns -1
 * with the reason in why: no git, not a work tree, uncommitted changes, no
 * commit.
 */
int git_description(char **out, char *why, size_t whylen);

#endif
