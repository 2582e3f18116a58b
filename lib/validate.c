/* What names, ids, env keys and options structs may look like. */
#include "internal.h"

#include <string.h>

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int valid_app(const char *name)
{
	size_t n;

	if (!name)
		return 0;
	n = strlen(name);
	if (n < 1 || n > 63)
		return 0;
	/* DNS-label shape: no leading or trailing '-', so a name never reads as
	 * an option and never contains a path separator or dot. */
	if (!is_lower_alnum(name[0]) || !is_lower_alnum(name[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum(name[i]) && name[i] != '-')
			return 0;
	return 1;
}

RELEASE_API int release_app_name_valid(const char *name)
{
	return valid_app(name);
}

int valid_id(const char *id, char prefix)
{
	size_t n;

	if (!id || id[0] != prefix)
		return 0;
	n = strlen(id);
	if (n != 1 + ID_LETTERS && n != 2 + ID_LETTERS)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (id[i] < 'A' || id[i] > 'Z')
			return 0;
	return 1;
}

int valid_env_key(const char *key, size_t len)
{
	if (len == 0 || len > ENV_KEY_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = key[i];
		int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';

		if (!alpha && (i == 0 || c < '0' || c > '9'))
			return 0;
	}
	return 1;
}

int check_app(release_store *s, const char *app)
{
	if (!app)
		return fail(s, RELEASE_EINVAL, "app name is NULL");
	if (!valid_app(app))
		return fail(s, RELEASE_EINVAL,
			    "invalid app name (want 1-63 of a-z, 0-9 and '-', "
			    "starting and ending with a letter or digit)");
	return 0;
}

int check_id(release_store *s, const char *id, char prefix, const char *what)
{
	if (!id)
		return fail(s, RELEASE_EINVAL, "%s id is NULL", what);
	if (!valid_id(id, prefix))
		return fail(s, RELEASE_EINVAL, "invalid %s id (want '%c' and %d or %d letters A-Z)",
			    what, prefix, ID_LETTERS, ID_LETTERS + 1);
	return 0;
}

int take_opts(release_store *s, void *dst, size_t ours, size_t min, const void *opts,
	      const char *type)
{
	const unsigned char *p = opts;
	size_t size;

	if (!opts)
		return 0;
	memcpy(&size, opts, sizeof size);
	/* A struct nobody initialised must not pass for "all defaults": a
	 * deployer set in it would be silently skipped. */
	if (size == 0)
		return fail(s, RELEASE_EINVAL, "%s.size is 0: initialise the struct with %s_init()",
			    type, type);
	if (size < min)
		return fail(s, RELEASE_EINVAL,
			    "%s.size is %zu, smaller than any %s (%zu bytes): initialise the "
			    "struct with %s_init()",
			    type, size, type, min, type);
	/* A struct's size is a multiple of its alignment, at least a
	 * pointer's here, or the oldest struct's exact end: any other size
	 * may end inside a pointer, and half of one must not be taken. */
	if (size < ours && size != min && size % sizeof(void *) != 0)
		return fail(s, RELEASE_EINVAL,
			    "%s.size is %zu, which is no struct's size: initialise the struct with "
			    "%s_init()",
			    type, size, type);
	for (size_t i = ours; i < size; i++)
		if (p[i] != 0)
			return fail(s, RELEASE_EINVAL,
				    "%s has options this library does not know (byte %zu of %zu is "
				    "set; it knows %zu)",
				    type, i, size, ours);
	memcpy(dst, opts, size < ours ? size : ours);
	memcpy(dst, &ours, sizeof ours);
	return 0;
}
