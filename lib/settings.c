/* Per-app settings: the env keys a frontend masks and the app's deploy hook,
 * kept in one META record ("settings") changed by compare-and-swap. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define HOOK_MAX 65536

struct release_settings {
	uint64_t revision;
	size_t n;
	char **keys; /* sorted, in the same block */
	char *hook;  /* NULL: none */
	char *actor; /* who changed them last; NULL: before 1.4, or never */
};

/* The settings as decoded, before they are packed. */
struct draft {
	uint64_t revision;
	size_t n;
	char **keys;
	char *hook;
	char *actor;
};

static void draft_free(struct draft *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->keys[i]);
	free(d->keys);
	free(d->hook);
	free(d->actor);
	memset(d, 0, sizeof *d);
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Index of key in d's sorted keys, or d->n. */
static size_t draft_find(const struct draft *d, const char *key)
{
	char *const *hit = d->n ? bsearch(&key, d->keys, d->n, sizeof *d->keys, cmp_key) : NULL;

	return hit ? (size_t)(hit - d->keys) : d->n;
}

/* The settings record ties itself to one incarnation of its app by holding
 * the app record's bytes: settings left by an app deleted and created
 * again are not this app's. */
static void encode_settings(struct buf *b, const struct draft *d, const struct raw *app_raw)
{
	enc_begin(b, REC_SETTINGS);
	enc_bytes(b, F_APP, app_raw->data, app_raw->len);
	enc_u64(b, F_REVISION, d->revision);
	for (size_t i = 0; i < d->n; i++)
		enc_str(b, F_MASK, d->keys[i]);
	if (d->hook)
		enc_str(b, F_HOOK, d->hook);
	if (d->actor)
		enc_str(b, F_ACTOR, d->actor);
}

/* 0 with d filled (empty, revision 1, when the record is another
 * incarnation's), or RELEASE_ECORRUPT / RELEASE_ENOMEM. */
static int decode_settings(const struct raw *raw, const struct raw *app_raw, struct draft *d)
{
	struct dec dc;
	int rc = dec_begin(&dc, raw->data, raw->len, REC_SETTINGS), mine = 0;

	memset(d, 0, sizeof *d);
	while (rc == 0 && (rc = dec_next(&dc)) == 1) {
		switch (dc.tag) {
		case F_APP:
			mine = dc.len == app_raw->len && memcmp(dc.val, app_raw->data, dc.len) == 0;
			rc = 0;
			break;
		case F_REVISION: rc = dec_u64(&dc, &d->revision); break;
		case F_MASK: {
			char *key = NULL, **keys;

			if (d->n == RELEASE_MASK_MAX || dc.len > ENV_KEY_MAX) {
				rc = RELEASE_ECORRUPT;
				break;
			}
			if ((rc = dec_str(&dc, &key)) != 0)
				break;
			if (!valid_env_key(key, strlen(key)) ||
			    (d->n && strcmp(d->keys[d->n - 1], key) >= 0)) {
				free(key);
				rc = RELEASE_ECORRUPT;
				break;
			}
			if (!(keys = realloc(d->keys, (d->n + 1) * sizeof *keys))) {
				free(key);
				rc = RELEASE_ENOMEM;
				break;
			}
			d->keys = keys;
			d->keys[d->n++] = key;
			break;
		}
		case F_HOOK:
			if (dc.len > HOOK_MAX) {
				rc = RELEASE_ECORRUPT;
				break;
			}
			rc = dec_str(&dc, &d->hook);
			if (rc == 0 && (!d->hook[0] || strlen(d->hook) > HOOK_MAX))
				rc = RELEASE_ECORRUPT;
			break;
		case F_ACTOR:
			rc = dec_str(&dc, &d->actor);
			if (rc == 0 && !valid_actor(d->actor, strlen(d->actor)))
				rc = RELEASE_ECORRUPT;
			break;
		default: rc = 0; break;
		}
	}
	if (rc == 0 && d->revision < 2)
		rc = RELEASE_ECORRUPT;
	if (rc != 0 || !mine) {
		/* A damaged record of this app keeps the revision it holds, so
		 * a reset goes on from it and a writer holding an older one still
		 * conflicts. */
		uint64_t kept = rc != 0 && mine && d->revision >= 2 ? d->revision : 1;

		draft_free(d);
		d->revision = kept;
	}
	return rc;
}

/* One block for the caller, as every object read from a store is. */
static release_settings *pack(const struct draft *d)
{
	size_t size = sizeof(release_settings), hook = d->hook ? strlen(d->hook) + 1 : 0;
	size_t actor = d->actor ? strlen(d->actor) + 1 : 0;
	release_settings *s;
	char *at;

	size += d->n * sizeof(char *);
	for (size_t i = 0; i < d->n; i++)
		size += strlen(d->keys[i]) + 1;
	size += hook + actor;
	if (!(s = malloc(size)))
		return NULL;
	s->revision = d->revision;
	s->n = d->n;
	s->keys = (char **)(s + 1);
	at = (char *)(s->keys + d->n);
	for (size_t i = 0; i < d->n; i++) {
		size_t len = strlen(d->keys[i]) + 1;

		s->keys[i] = memcpy(at, d->keys[i], len);
		at += len;
	}
	s->hook = hook ? memcpy(at, d->hook, hook) : NULL;
	at += hook;
	s->actor = actor ? memcpy(at, d->actor, actor) : NULL;
	return s;
}

/* Reads the app (its live record into app_raw) and its settings (the
 * record's bytes into raw, for the compare-and-swap, and decoded into d). */
static int read_settings(release_store *s, const char *app, struct raw *app_raw,
			 struct raw *raw, struct draft *d, int reset)
{
	int rc = require_app_raw(s, app, app_raw);

	memset(d, 0, sizeof *d);
	d->revision = 1;
	if (rc != 0)
		return rc;
	rc = read_record(s, app, RELEASE_KIND_META, "settings", raw);
	if (rc == 0 && raw->found && (rc = decode_settings(raw, app_raw, d)) != 0) {
		if (reset && rc == RELEASE_ECORRUPT)
			rc = 0; /* replaced below: nothing of it is kept */
		else
			rc = rc == RELEASE_ENOMEM ? fail(s, rc, "out of memory") :
			     fail(s, rc, "app '%s': settings record is corrupt", app);
	}
	if (rc == 0 && reset) {
		/* The revision goes on from the stored one where it can be
		 * read, so a writer holding an old revision still conflicts. */
		uint64_t was = d->revision;

		draft_free(d);
		d->revision = was;
	}
	if (rc != 0) {
		raw_free(raw);
		raw_free(app_raw);
	}
	return rc;
}

RELEASE_API int release_settings_get(release_store *store, const char *app,
				     release_settings **out)
{
	struct raw app_raw, raw;
	struct draft d;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = enter(store, !out)) != 0 || (rc = check_app(store, app)) != 0)
		return rc;
	if ((rc = read_settings(store, app, &app_raw, &raw, &d, 0)) != 0)
		return rc;
	raw_free(&raw);
	raw_free(&app_raw);
	if (!(*out = pack(&d)))
		rc = fail(store, RELEASE_ENOMEM, "out of memory");
	draft_free(&d);
	return rc;
}

RELEASE_API void release_settings_opts_init_sized(release_settings_opts *opts, size_t size)
{
	OPTS_INIT(opts, size);
}

static int check_keys(release_store *s, const char *const *keys, size_t n, const char *what)
{
	if (!keys && n)
		return fail(s, RELEASE_EINVAL, "%s is NULL", what);
	for (size_t i = 0; i < n; i++) {
		size_t len;

		if (!keys[i])
			return fail(s, RELEASE_EINVAL, "%s item %zu is NULL", what, i);
		len = strlen(keys[i]);
		if (!valid_env_key(keys[i], len))
			return fail(s, RELEASE_EINVAL,
				    "invalid env key name '%.*s' (want [A-Za-z_][A-Za-z0-9_]*)",
				    (int)(len > 64 ? 64 : len), keys[i]);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A key in both lists: the two sorted, then walked side by side (lists of
 * thousands of keys cost what sorting them does). */
static int check_both(release_store *s, const release_settings_opts *o)
{
	const char **add, **rm;
	size_t i = 0, j = 0;
	int rc = 0;

	if (!o->mask_add_n || !o->mask_remove_n)
		return 0;
	add = malloc(o->mask_add_n * sizeof *add);
	rm = malloc(o->mask_remove_n * sizeof *rm);
	if (!add || !rm) {
		free(add);
		free(rm);
		return fail(s, RELEASE_ENOMEM, "out of memory");
	}
	memcpy(add, o->mask_add, o->mask_add_n * sizeof *add);
	memcpy(rm, o->mask_remove, o->mask_remove_n * sizeof *rm);
	qsort(add, o->mask_add_n, sizeof *add, cmp_str);
	qsort(rm, o->mask_remove_n, sizeof *rm, cmp_str);
	while (rc == 0 && i < o->mask_add_n && j < o->mask_remove_n) {
		int c = strcmp(add[i], rm[j]);

		if (c == 0)
			rc = fail(s, RELEASE_EINVAL, "env key '%s' is both masked and unmasked",
				  add[i]);
		else if (c < 0)
			i++;
		else
			j++;
	}
	free(add);
	free(rm);
	return rc;
}

static int check_opts(release_store *s, const release_settings_opts *o)
{
	int rc;

	if ((rc = check_keys(s, o->mask_add, o->mask_add_n, "mask_add")) != 0 ||
	    (rc = check_keys(s, o->mask_remove, o->mask_remove_n, "mask_remove")) != 0 ||
	    (rc = check_both(s, o)) != 0)
		return rc;
	if (o->flags & ~(unsigned)RELEASE_SETTINGS_RESET)
		return fail(s, RELEASE_EINVAL, "unknown settings flags 0x%x", o->flags);
	if ((o->flags & RELEASE_SETTINGS_RESET) && o->revision)
		return fail(s, RELEASE_EINVAL, "a reset compares no revision");
	if (o->hook && o->clear_hook)
		return fail(s, RELEASE_EINVAL, "both a hook and clear_hook given");
	if (o->clear_hook != 0 && o->clear_hook != 1)
		return fail(s, RELEASE_EINVAL, "clear_hook is %d, not 0 or 1", o->clear_hook);
	if (o->hook && (!o->hook[0] || strlen(o->hook) > HOOK_MAX))
		return fail(s, RELEASE_EINVAL, "a deploy hook is 1 to %d bytes", HOOK_MAX);
	return 0;
}

/* Applies o to d: 1 when something changed, 0 when not, or an error. */
static int apply(release_store *s, const release_settings_opts *o, struct draft *d)
{
	int changed = 0;

	for (size_t i = 0; i < o->mask_remove_n; i++) {
		size_t at = draft_find(d, o->mask_remove[i]);

		if (at == d->n)
			continue;
		free(d->keys[at]);
		memmove(d->keys + at, d->keys + at + 1, (d->n - at - 1) * sizeof *d->keys);
		d->n--;
		changed = 1;
	}
	for (size_t i = 0; i < o->mask_add_n; i++) {
		const char *key = o->mask_add[i];
		char **keys, *copy;

		if (draft_find(d, key) != d->n)
			continue;
		if (d->n == RELEASE_MASK_MAX)
			return fail(s, RELEASE_EINVAL, "a mask list holds at most %d keys",
				    RELEASE_MASK_MAX);
		if (!(copy = dup_str(key)) ||
		    !(keys = realloc(d->keys, (d->n + 1) * sizeof *keys))) {
			free(copy);
			return fail(s, RELEASE_ENOMEM, "out of memory");
		}
		d->keys = keys;
		d->keys[d->n++] = copy;
		qsort(d->keys, d->n, sizeof *d->keys, cmp_key);
		changed = 1;
	}
	if (o->clear_hook && d->hook) {
		free(d->hook);
		d->hook = NULL;
		changed = 1;
	}
	if (o->hook && (!d->hook || strcmp(d->hook, o->hook) != 0)) {
		char *hook = dup_str(o->hook);

		if (!hook)
			return fail(s, RELEASE_ENOMEM, "out of memory");
		free(d->hook);
		d->hook = hook;
		changed = 1;
	}
	return changed;
}

RELEASE_API int release_settings_update(release_store *store, const char *app,
					const release_settings_opts *opts,
					release_settings **out)
{
	release_settings_opts o;
	int rc = 0, reset;

	if (out)
		*out = NULL;
	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	release_settings_opts_init(&o);
	if (!opts)
		return fail(store, RELEASE_EINVAL, "release_settings_opts is NULL");
	if ((rc = TAKE_OPTS(store, &o, opts, SETTINGS_OPTS_1_3, "release_settings_opts")) != 0 ||
	    (rc = check_app(store, app)) != 0 || (rc = check_opts(store, &o)) != 0)
		return rc;
	reset = (o.flags & RELEASE_SETTINGS_RESET) != 0;
	for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
		struct raw app_raw, raw;
		struct draft d;
		struct buf enc = {0};
		uint64_t was;

		if ((rc = read_settings(store, app, &app_raw, &raw, &d, reset)) != 0)
			return rc;
		was = d.revision;
		if (o.revision && o.revision != was) {
			rc = fail(store, RELEASE_ECONFLICT,
				  "app '%s': settings are at revision %llu, not %llu", app,
				  (unsigned long long)was, (unsigned long long)o.revision);
		} else if ((rc = apply(store, &o, &d)) == 1 || (rc == 0 && reset)) {
			if (was == UINT64_MAX && reset)
				was = 1; /* a forged end of revisions: start again */
			if (was == UINT64_MAX) {
				rc = fail(store, RELEASE_ECORRUPT, "app '%s': no settings revision is left",
					  app);
			} else {
				d.revision = was + 1;
				free(d.actor);
				if (!(d.actor = dup_str(store_actor(store))))
					enc.err = RELEASE_ENOMEM;
				else
					encode_settings(&enc, &d, &app_raw);
				rc = enc.err ? fail(store, enc.err, "encoding settings") :
				     write_one(store, app, &app_raw, RELEASE_OP_CAS, RELEASE_KIND_META,
					       "settings", 0, raw.found ? raw.data : NULL,
					       raw.found ? raw.len : 0, enc.p, enc.len,
					       "writing settings");
				buf_free(&enc);
				if (rc == RELEASE_ECONFLICT && o.revision)
					rc = fail(store, rc, "app '%s': settings changed meanwhile",
						  app);
			}
		}
		raw_free(&raw);
		raw_free(&app_raw);
		if (rc == 1 || rc == 0) {
			rc = 0;
			if (out && !(*out = pack(&d)))
				rc = fail(store, RELEASE_ENOMEM, "out of memory");
		}
		draft_free(&d);
		if (rc != RELEASE_ECONFLICT || o.revision)
			return rc;
	}
	return fail(store, RELEASE_ECONFLICT, "app '%s': settings kept changing", app);
}

RELEASE_API uint64_t release_settings_revision(const release_settings *s)
{
	return s ? s->revision : 0;
}

RELEASE_API const char *release_settings_actor(const release_settings *s)
{
	return s ? s->actor : NULL;
}

RELEASE_API size_t release_settings_mask_count(const release_settings *s)
{
	return s ? s->n : 0;
}

RELEASE_API const char *release_settings_mask_key(const release_settings *s, size_t i)
{
	return s && i < s->n ? s->keys[i] : NULL;
}

RELEASE_API int release_settings_masked(const release_settings *s, const char *key)
{
	struct draft d;

	if (!s || !key)
		return 0;
	d.n = s->n;
	d.keys = s->keys;
	return draft_find(&d, key) != s->n;
}

RELEASE_API const char *release_settings_hook(const release_settings *s)
{
	return s ? s->hook : NULL;
}

RELEASE_API void release_settings_free(release_settings *s)
{
	free(s);
}
