/*
 * The deploy hook: a shell command run on promotion, as a librelease
 * deployer. It runs as `/bin/sh -c CMD` in its own process group, with
 * standard input from /dev/null and the release in its environment:
 *
 *   RELEASE_APP          the app
 *   RELEASE_ID           the release being promoted
 *   RELEASE_VERSION      its version (1, 2, 3 ...)
 *   RELEASE_BUILD        its build id ("" when it has none)
 *   RELEASE_DESCRIPTION  its description
 *   RELEASE_SOURCE       the release it copies, for a rollback; else ""
 *   RELEASE_MANIFEST     a file holding its manifest
 *   RELEASE_ENV_FILE     a file of its env, one KEY=VALUE a line, by key
 *   RELEASE_STORE        the store relctl uses, as a URI
 *   RELEASE_ACTOR        who promotes (the store's actor), so that a relctl
 *                        the hook runs records the same one
 *
 * Both files are private (0600) and have no name: the paths are /dev/fd/N,
 * descriptors the hook inherits, so nothing is left behind even when relctl
 * is killed. The hook cannot outlive relctl either (hook_group.h). Every line
 * the hook writes to stdout or stderr becomes an event from source "hook" as
 * it arrives (blank lines are skipped; longer lines than HOOK_LINE_MAX are
 * split). Exit status 0 is success; anything else, being killed, or running
 * past the timeout fails the promotion.
 */
#ifndef RELCTL_HOOK_H
#define RELCTL_HOOK_H

#include <stdint.h>

#include <librelease/release.h>

#define HOOK_LINE_MAX 4096
#define HOOK_GRACE_S 3          /* SIGTERM, then SIGKILL this much later */
#define HOOK_DEFAULT_TIMEOUT_S 600
#define HOOK_UNTIMED_LEASE_S 3600 /* a hook without a timeout: the lease's part */

struct hook {
	const char *cmd;
	int stored;            /* the app's stored hook: an event says so first */
	int64_t timeout_s;     /* 0: no limit */
	const char *store_uri; /* for RELEASE_STORE */
	const char *actor;     /* for RELEASE_ACTOR */
	char failure[256];     /* after a failure: what happened, for the error */
};

/* A release_deploy_fn; payload is a struct hook. */
int hook_deploy(void *payload, const release *r, release_events *events);

/* The promotion lease to take for a hook with this timeout: longer than the
 * hook may run, so nobody takes the app over while it does; for no timeout
 * (0), as for one of HOOK_UNTIMED_LEASE_S. */
int64_t hook_lease_ns(int64_t timeout_s);

#endif
