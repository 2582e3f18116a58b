/* Actors: who wrote a build, a release or a deployment. */
#include "internal.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Invisible characters that change how the text around them shows:
 * bidi controls, zero-width ones, separators. An actor shown in an audit
 * must read as what it is. */
static int format_char(uint32_t cp)
{
	return cp == 0xad || cp == 0x61c || cp == 0x180e || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) ||
	       cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

/* The length of the UTF-8 sequence at s (at most left bytes), or 0 when it
 * is malformed (overlong, a surrogate, beyond U+10FFFF, cut short) or a
 * character an actor may not hold (C1 controls, format characters). */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	/* C1 control characters */
	if ((n == 2 && cp < 0xa0) || format_char(cp))
		return 0;
	return n;
}

int valid_actor(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s || len == 0 || len > RELEASE_ACTOR_MAX || s[0] == ' ' || s[len - 1] == ' ')
		return 0;
	for (size_t i = 0; i < len;) {
		size_t n;

		if (p[i] < 0x20 || p[i] == 0x7f)
			return 0;
		if ((n = utf8_seq(p + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* Copies src into dst (room for RELEASE_ACTOR_MAX bytes and a NUL) at *at,
 * leaving out what an actor may not hold and what does not fit whole. */
static void put_clean(char *dst, size_t *at, const char *src)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t len = strlen(src);

	for (size_t i = 0; i < len;) {
		size_t n = p[i] < 0x20 || p[i] == 0x7f ? 0 : utf8_seq(p + i, len - i);

		if (n == 0) {
			i++;
			continue;
		}
		if (*at + n > RELEASE_ACTOR_MAX)
			break;
		memcpy(dst + *at, p + i, n);
		*at += n;
		i += n;
	}
	dst[*at] = '\0';
}

/* "<login name>@<host name>" of this process, cleaned to be a valid actor;
 * 1 when the user's name was found. */
static int make_default(char out[RELEASE_ACTOR_MAX + 1])
{
	char host[256] = "", name[64], buf[4096];
	struct passwd pw, *found = NULL;
	size_t at = 0;

	if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &found) == 0 && found && pw.pw_name &&
	    pw.pw_name[0])
		put_clean(out, &at, pw.pw_name);
	int named = at > 0;

	if (!named) {
		snprintf(name, sizeof name, "uid %lu", (unsigned long)geteuid());
		put_clean(out, &at, name);
	}
	if (gethostname(host, sizeof host - 1) != 0 || !host[0])
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	put_clean(out, &at, "@");
	put_clean(out, &at, host);
	return named;
}

const char *store_actor(release_store *s)
{
	if (s->actor)
		return s->actor;
	/* Kept once the user's name was found; a lookup that failed (the
	 * user database unreachable for a moment) is tried again next time. */
	if (!s->default_named)
		s->default_named = make_default(s->default_actor);
	return s->default_actor;
}

RELEASE_API int release_store_set_actor(release_store *store, const char *actor)
{
	char *copy;

	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	if (!actor) {
		free(store->actor);
		store->actor = NULL;
		return 0;
	}
	if (!valid_actor(actor, strnlen(actor, RELEASE_ACTOR_MAX + 1)))
		return fail(store, RELEASE_EINVAL,
			    ACTOR_RULE,
			    RELEASE_ACTOR_MAX);
	if (!(copy = dup_str(actor)))
		return fail(store, RELEASE_ENOMEM, "out of memory");
	free(store->actor);
	store->actor = copy;
	return 0;
}

RELEASE_API const char *release_store_actor(const release_store *store)
{
	/* the default is worked out once, on first use */
	return store ? store_actor((release_store *)store) : NULL;
}

RELEASE_API const char *release_actor(const release *r)
{
	return r ? r->actor : NULL;
}

RELEASE_API const char *release_build_actor(const release_build *build)
{
	return build ? build->actor : NULL;
}
