/*
 * The deploy hook's process group, and the leader that ties it to relctl.
 *
 * relctl does not run the hook's shell as its own child: it forks a leader,
 * which makes the process group, starts `/bin/sh -c CMD` in it and waits for
 * it. The leader asks the kernel to signal it when relctl dies
 * (PR_SET_PDEATHSIG), so that a relctl killed by SIGKILL, which runs no code
 * of its own, still takes its hook down: the leader stops the whole group as
 * a timeout does (SIGTERM, then SIGKILL after HOOK_GRACE_S). While relctl
 * lives nothing changes: relctl signals the group, the leader ignores
 * SIGTERM so that it lives exactly as long as the shell, then exits as the
 * shell did, so relctl reads the hook's own exit status or signal.
 */
#ifndef RELCTL_HOOK_GROUP_H
#define RELCTL_HOOK_GROUP_H

#include <sys/types.h>

#include "hook_env.h"

struct hook_child {
	const char *cmd;            /* for /bin/sh -c */
	const struct hook_env *env; /* its environment and files */
	int out;                    /* its stdout and stderr */
	pid_t relctl;               /* the process the group must not outlive */
};

/* Runs in the child of fork(): becomes the group's leader, runs the hook
 * and exits as it did. Never returns. */
_Noreturn void hook_group_lead(const struct hook_child *hc);

#endif
