/* "ERROR: ..." on stderr, and the exit status that goes with it. */
#include <stdarg.h>
#include <stdio.h>

#include "relctl.h"

int relctl_status_of(int rc)
{
	switch (rc) {
	case 0: return RELCTL_EXIT_OK;
	case RELEASE_EINVAL: return RELCTL_EXIT_USAGE;
	case RELEASE_ENOTFOUND: return RELCTL_EXIT_NOTFOUND;
	case RELEASE_EEXIST:
	case RELEASE_EOLDER:
	case RELEASE_ECONFLICT: return RELCTL_EXIT_REFUSED;
	case RELEASE_EBUSY: return RELCTL_EXIT_BUSY;
	case RELEASE_EDEPLOY: return RELCTL_EXIT_DEPLOY;
	case RELEASE_ECORRUPT:
	case RELEASE_EIO:
	case RELEASE_ENOSPC:
	case RELEASE_EUNSUPPORTED: return RELCTL_EXIT_STORE;
	default: return RELCTL_EXIT_FAILURE;
	}
}

int relctl_error(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout); /* so a started "Creating myapp... " comes first */
	fputs("ERROR: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int relctl_fail(struct relctl *c, int rc)
{
	const char *msg = release_store_errmsg(c->store);

	return relctl_error(relctl_status_of(rc), "%s", *msg ? msg : release_strerror(rc));
}
