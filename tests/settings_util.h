/* Helpers of the settings tests: each asserts success. */
#ifndef RELEASE_TEST_SETTINGS_UTIL_H
#define RELEASE_TEST_SETTINGS_UTIL_H

#include "harness.h"

#include <string.h>

/* The app's settings; asserts success (caller frees). */
static inline release_settings *get_settings(release_store *s, const char *app)
{
	release_settings *st = NULL;

	assert_store_ok(s, release_settings_get(s, app, &st));
	assert_non_null(st);
	return st;
}

static inline uint64_t revision_of(release_store *s, const char *app)
{
	release_settings *st = get_settings(s, app);
	uint64_t rev = release_settings_revision(st);

	release_settings_free(st);
	return rev;
}

/* Masks or unmasks the given keys; asserts success. */
static inline void mask(release_store *s, const char *app, const char *const *add, size_t add_n,
		 const char *const *remove, size_t remove_n)
{
	release_settings_opts o;

	release_settings_opts_init(&o);
	o.mask_add = add;
	o.mask_add_n = add_n;
	o.mask_remove = remove;
	o.mask_remove_n = remove_n;
	assert_store_ok(s, release_settings_update(s, app, &o, NULL));
}

static inline void set_hook(release_store *s, const char *app, const char *hook)
{
	release_settings_opts o;

	release_settings_opts_init(&o);
	o.hook = hook;
	assert_store_ok(s, release_settings_update(s, app, &o, NULL));
}

/* The mask list as "A B C". */
static inline const char *mask_list(const release_settings *st)
{
	static char buf[4096];

	buf[0] = '\0';
	for (size_t i = 0; i < release_settings_mask_count(st); i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, release_settings_mask_key(st, i));
	}
	return buf;
}

#endif
