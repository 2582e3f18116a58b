/* Which store relctl uses, and opening it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hook.h"
#include "relctl.h"

/* "scheme:..." is a URI; anything else is a path. */
static int is_uri(const char *s)
{
	const char *p = s;

	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return *p == ':';
}

char *relctl_store_uri(const char *given)
{
	char cwd[4096];
	char *uri;
	size_t n;

	if (!given || !*given)
		return strdup("file:"); /* the library's default store */
	if (is_uri(given))
		return strdup(given);
	/* A plain path means file:PATH, made absolute so that a deploy hook
	 * that changes directory still finds the same store. */
	if (given[0] == '/' || !getcwd(cwd, sizeof cwd))
		cwd[0] = '\0';
	n = strlen("file:") + strlen(cwd) + 1 + strlen(given) + 1;
	if (!(uri = malloc(n)))
		return NULL;
	snprintf(uri, n, "file:%s%s%s", cwd, cwd[0] ? "/" : "", given);
	return uri;
}

release_store *relctl_store(struct relctl *c, int *status)
{
	release_store_opts opts;
	int rc;

	if (c->store)
		return c->store;
	release_store_opts_init(&opts);
	testenv_apply(&c->test, &opts);
	/* The lease must outlast the longest hook, or another promoter could
	 * take the app over while the hook still runs. */
	if (c->hook)
		opts.lease_ns = hook_lease_ns(c->hook_timeout_s);
	if ((rc = release_store_open(&c->store, c->store_uri, &opts)) != 0) {
		/* Whatever the reason, the store cannot be used. */
		*status = relctl_fail(c, rc);
		if (rc != RELEASE_ENOMEM)
			*status = RELCTL_EXIT_STORE;
		return NULL;
	}
	return c->store;
}
