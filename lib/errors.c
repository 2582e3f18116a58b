/* Error codes, their names, and the message kept for the last failure. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Messages of failed opens, which have no store to keep them. */
static _Thread_local char open_errmsg[ERRMSG_MAX];

RELEASE_API const char *release_strerror(int code)
{
	switch (code) {
	case RELEASE_OK: return "success";
	case RELEASE_EINVAL: return "invalid argument";
	case RELEASE_ENOTFOUND: return "not found";
	case RELEASE_EEXIST: return "already exists";
	case RELEASE_ECONFLICT: return "conflicting concurrent write";
	case RELEASE_EBUSY: return "app is currently updating";
	case RELEASE_EOLDER: return "can not promote an older release, try rollback";
	case RELEASE_EDEPLOY: return "deployment failed";
	case RELEASE_ECORRUPT: return "stored data is corrupt";
	case RELEASE_EIO: return "storage I/O error";
	case RELEASE_ENOSPC: return "storage is full";
	case RELEASE_ENOMEM: return "out of memory";
	case RELEASE_EUNSUPPORTED: return "not supported";
	case RELEASE_ITEROVER: return "no more items";
	case RELEASE_ETIMEDOUT: return "timed out";
	default: return "unknown error";
	}
}

RELEASE_API const char *release_version_string(void)
{
	return RELEASE_VERSION_STRING; /* the project's version, from meson.build */
}

RELEASE_API const char *release_store_errmsg(const release_store *store)
{
	return store ? store->errmsg : open_errmsg;
}

int fail(release_store *s, int code, const char *fmt, ...)
{
	char *dst = s ? s->errmsg : open_errmsg;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, ERRMSG_MAX, fmt, ap);
	va_end(ap);
	return code;
}

int fail_backend(release_store *s, int code, const char *what)
{
	const char *detail = NULL;

	if (s && s->st->errmsg)
		detail = s->st->errmsg(s->ctx);
	if (detail && *detail)
		return fail(s, code, "%s: %s", what, detail);
	return fail(s, code, "%s: %s", what, release_strerror(code));
}

void clear_error(release_store *s)
{
	if (s)
		s->errmsg[0] = '\0';
}

int enter(release_store *s, int out_missing)
{
	if (!s)
		return RELEASE_EINVAL;
	clear_error(s);
	return out_missing ? fail(s, RELEASE_EINVAL, "out is NULL") : 0;
}
