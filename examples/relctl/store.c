/* Which store relctl uses, and opening it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hook.h"
#include "relctl.h"

#ifdef HAVE_PGSTORE
#include <pgstore.h>
#endif

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

static int is_postgresql(const char *uri)
{
	return strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0;
}

/* A PostgreSQL URI goes to the pgstore backend, when relctl was built with
 * it; the message is pgstore's, as the library has none for it. */
static int open_postgresql(struct relctl *c, const release_store_opts *opts)
{
#ifdef HAVE_PGSTORE
	char err[512];
	int rc = pgstore_open(&c->store, c->store_uri, opts, err, sizeof err);

	if (rc != 0)
		relctl_error(relctl_status_of(rc), "%s", err);
	return rc;
#else
	(void)opts;
	relctl_error(RELCTL_EXIT_STORE, "this relctl was built without PostgreSQL support "
					"(libpq was not found when it was built)");
	return RELEASE_EUNSUPPORTED;
#endif
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
	if (is_postgresql(c->store_uri))
		rc = open_postgresql(c, &opts);
	else if ((rc = release_store_open(&c->store, c->store_uri, &opts)) != 0)
		relctl_fail(c, rc);
	if (rc != 0) /* whatever the reason, the store cannot be used */
		*status = rc == RELEASE_ENOMEM ? relctl_status_of(rc) : RELCTL_EXIT_STORE;
	return c->store;
}
