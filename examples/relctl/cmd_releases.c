/* releases, releases info, releases manifest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/format.h"
#include "output.h"
#include "cmd_releases.h"
#include "release_json.h"

#define DEFAULT_LIMIT 10

int relctl_get_release(struct relctl *c, release_store *s, const char *ref, release **out)
{
	uint64_t version;
	int rc;

	*out = NULL;
	switch (relctl_parse_ref(ref, &version)) {
	case RELCTL_REF_BAD_VERSION:
		return relctl_error(RELCTL_EXIT_USAGE,
				    "invalid version '%s' (a version is a number from 1: 12 or v12)",
				    relctl_shown(ref));
	case RELCTL_REF_VERSION:
		/* Too large for any release: none has it, as with 99. */
		if (version == UINT64_MAX)
			return relctl_error(RELCTL_EXIT_NOTFOUND,
					    "app '%s': release version %s not found", c->app,
					    relctl_shown(ref[0] == 'v' ? ref + 1 : ref));
		rc = release_get_version(s, c->app, version, out);
		break;
	default:
		/* Not an id either: say what a release word may be. */
		if ((rc = release_get(s, c->app, ref, out)) == RELEASE_EINVAL)
			return relctl_error(RELCTL_EXIT_USAGE,
					    "invalid release '%s' (an id, R and 9 or 10 letters A-Z, "
					    "or a version: 12 or v12)",
					    relctl_shown(ref));
	}
	return rc ? relctl_fail(c, rc) : 0;
}

/* The message for a --before that is neither a version nor an id. */
static int bad_before(const char *arg)
{
	return relctl_error(RELCTL_EXIT_USAGE,
			    "--before wants a version number (1 or more) or a release id, not '%s'",
			    relctl_shown(arg));
}

/* --before's version in *out: a version (any: the releases below it are
 * listed), or a release id's. 0, or the exit status after reporting. */
static int before_version(struct relctl *c, release_store *s, const char *arg, uint64_t *out)
{
	release *r;
	int rc;

	switch (relctl_parse_ref(arg, out)) {
	case RELCTL_REF_VERSION:
		return 0;
	case RELCTL_REF_BAD_VERSION:
		return bad_before(arg);
	default:
		break;
	}
	if ((rc = release_get(s, c->app, arg, &r)) == RELEASE_EINVAL)
		return bad_before(arg);
	if (rc != 0)
		return relctl_fail(c, rc);
	*out = release_version(r);
	release_free(r);
	return 0;
}

int releases_print(struct relctl *c, release_store *s, const release_list_opts *opts)
{
	static const char *const headers[] = {"ID", "STATUS", "BUILD", "CREATED", "DESCRIPTION"};
	release_iter *it = NULL;
	const release *r;
	format_table *t = NULL;
	struct json j;
	int rc, damaged = RELCTL_EXIT_OK;

	if ((rc = release_list(s, c->app, opts, &it)) != 0)
		return relctl_fail(c, rc);
	json_init(&j, c->out);
	if (c->args.value[OPT_JSON]) {
		json_begin_array(&j);
	} else if (!(t = format_table_new(5, headers))) {
		rc = RELEASE_ENOMEM;
		goto out;
	}
	while ((rc = release_iter_next(it, &r)) != RELEASE_ITEROVER) {
		char created[FORMAT_TIME_MAX];
		const char *row[5];

		if (rc == RELEASE_ECORRUPT) { /* one release; the next step goes on */
			damaged = relctl_fail(c, rc);
			continue;
		}
		if (rc != 0)
			break; /* the iterator stays put: the same step would fail again */
		if (!t) {
			release_json(&j, r, 0, NULL);
			continue;
		}
		row[0] = release_id(r);
		row[1] = release_status_word(r);
		row[2] = release_build_of(r);
		row[3] = format_relative_time(created, sizeof created, release_created(r), c->now);
		row[4] = release_description(r);
		if (format_table_add_row(t, row) != 0) {
			rc = RELEASE_ENOMEM;
			goto out;
		}
	}
	rc = listing_end(&j, t, c->out, rc);
out:
	format_table_free(t);
	release_iter_free(it);
	return rc ? relctl_fail(c, rc) : damaged;
}

int cmd_releases(struct relctl *c)
{
	const char *before = c->args.value[OPT_BEFORE];
	uint64_t limit = DEFAULT_LIMIT;
	release_list_opts opts;
	release_store *s;
	int status;

	if (c->args.value[OPT_WATCH] && c->args.value[OPT_JSON])
		return relctl_error(RELCTL_EXIT_USAGE, "--watch and --json do not go together");
	release_list_opts_init(&opts);
	if (c->args.value[OPT_LIMIT] &&
	    (status = relctl_option_uint(c, OPT_LIMIT, SIZE_MAX, "", &limit)) != 0)
		return status;
	opts.limit = (size_t)limit;
	if (before && relctl_parse_ref(before, &opts.before) == RELCTL_REF_BAD_VERSION)
		return bad_before(before); /* before the store is opened */
	if (!(s = relctl_store(c, &status)))
		return status;
	if (before && (status = before_version(c, s, before, &opts.before)) != 0)
		return status;
	if (c->args.value[OPT_WATCH])
		return releases_watch(c, s, &opts);
	return releases_print(c, s, &opts);
}

/* The env as KEY=VALUE lines, one string, each pair on its line
 * (format_safe()), the values of mask's keys masked. NULL when out of
 * memory. */
static char *env_lines(const release *r, const release_settings *mask)
{
	size_t n = release_env_count(r), len = 1, pos = 0, i;
	char **lines = calloc(n ? n : 1, sizeof *lines);
	char *text = NULL;

	if (!lines)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *k = release_env_key(r, i), *v = env_shown(mask, k, release_env_value(r, i));
		size_t size = strlen(k) + 1 + strlen(v) + 1;
		char *pair = malloc(size);

		if (!pair)
			goto out;
		snprintf(pair, size, "%s=%s", k, v);
		lines[i] = format_safe(pair, 0, 0);
		free(pair);
		if (!lines[i])
			goto out;
		len += strlen(lines[i]) + 1;
	}
	if (!(text = malloc(len)))
		goto out;
	for (i = 0; i < n; i++)
		pos += (size_t)snprintf(text + pos, len - pos, "%s\n", lines[i]);
	text[pos] = '\0';
out:
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return text;
}

int cmd_releases_info(struct relctl *c)
{
	char created[FORMAT_TIME_MAX];
	release_store *s;
	release_settings *mask = NULL;
	release *r = NULL;
	char *env = NULL;
	info *in = NULL;
	int rc, status;

	if (!(s = relctl_store(c, &status)))
		return status;
	if ((status = relctl_get_release(c, s, relctl_arg(c, 0), &r)) != 0)
		return status;
	if ((status = relctl_mask_list(c, &mask)) != 0) {
		release_free(r);
		return status;
	}
	if (c->args.value[OPT_JSON]) {
		struct json j;

		json_init(&j, c->out);
		release_json(&j, r, 1, mask);
		json_finish(&j);
		release_settings_free(mask);
		release_free(r);
		return RELCTL_EXIT_OK;
	}
	rc = RELEASE_ENOMEM;
	if ((env = env_lines(r, mask)) && (in = info_new()) &&
	    info_add(in, "Id", release_id(r)) == 0 &&
	    info_add(in, "Build", release_build_of(r)) == 0 &&
	    info_add(in, "Created",
		     format_rfc3339(created, sizeof created, release_created(r))) == 0 &&
	    info_add(in, "Actor", actor_shown(release_actor(r))) == 0 &&
	    info_add(in, "Description", release_description(r)) == 0 &&
	    info_add_lines(in, "Env", env) == 0 && info_print(in, c->out) == 0)
		rc = 0;
	info_free(in);
	free(env);
	release_settings_free(mask);
	release_free(r);
	return rc ? relctl_fail(c, rc) : RELCTL_EXIT_OK;
}

int cmd_releases_manifest(struct relctl *c)
{
	release_store *s;
	release *r = NULL;
	int status;

	if (!(s = relctl_store(c, &status)))
		return status;
	if ((status = relctl_get_release(c, s, relctl_arg(c, 0), &r)) != 0)
		return status;
	if (c->args.value[OPT_JSON]) {
		struct json j;

		json_init(&j, c->out);
		json_begin_object(&j);
		json_key(&j, "id");
		json_string(&j, release_id(r));
		json_key(&j, "manifest");
		json_string(&j, release_manifest(r));
		json_end_object(&j);
		json_finish(&j);
	} else if (c->tty) {
		/* Byte for byte is for files and pipes; a terminal gets the
		 * lines with their control characters shown escaped. */
		char *safe = format_safe(release_manifest(r), FORMAT_SAFE_LINES, 0);

		if (!safe) {
			release_free(r);
			return relctl_fail(c, RELEASE_ENOMEM);
		}
		fputs(safe, c->out);
		free(safe);
	} else {
		fputs(release_manifest(r), c->out);
	}
	release_free(r);
	return RELCTL_EXIT_OK;
}
