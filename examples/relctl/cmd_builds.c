/* builds, builds create, builds info. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/format.h"
#include "git.h"
#include "json.h"
#include "output.h"
#include "relctl.h"

#define DEFAULT_LIMIT 10
#define MANIFEST_READ_MAX ((size_t)64 << 20) /* the library takes less; it says how much */

static void build_json(struct json *j, const release_build *b, int with_manifest)
{
	json_begin_object(j);
	json_key(j, "id");
	json_string(j, release_build_id(b));
	json_key(j, "app");
	json_string(j, release_build_app(b));
	json_key(j, "status");
	json_string(j, release_build_status_name(release_build_status(b)));
	json_key(j, "release");
	json_string(j, release_build_release(b));
	json_key(j, "description");
	json_string(j, release_build_description(b));
	json_key(j, "started");
	json_time(j, release_build_started(b));
	json_key(j, "ended");
	json_time(j, release_build_ended(b));
	if (with_manifest) {
		json_key(j, "manifest");
		json_string(j, release_build_manifest(b));
	}
	json_end_object(j);
}

int cmd_builds(struct relctl *c)
{
	static const char *const headers[] = {"ID", "STATUS", "RELEASE", "STARTED", "ELAPSED",
					      "DESCRIPTION"};
	uint64_t limit = DEFAULT_LIMIT;
	release_store *s;
	release_build_iter *it = NULL;
	const release_build *b;
	format_table *t = NULL;
	struct json j;
	int rc, status, damaged = RELCTL_EXIT_OK;

	if (c->args.value[OPT_LIMIT] &&
	    (status = relctl_option_uint(c, OPT_LIMIT, SIZE_MAX, "", &limit)) != 0)
		return status;
	if (!(s = relctl_store(c, &status)))
		return status;
	if ((rc = release_build_list(s, c->app, (size_t)limit, &it)) != 0)
		return relctl_fail(c, rc);
	json_init(&j, c->out);
	if (c->args.value[OPT_JSON]) {
		json_begin_array(&j);
	} else if (!(t = format_table_new(6, headers))) {
		rc = RELEASE_ENOMEM;
		goto out;
	}
	while ((rc = release_build_iter_next(it, &b)) != RELEASE_ITEROVER) {
		char started[FORMAT_TIME_MAX], elapsed[32];
		const char *row[6];

		if (rc == RELEASE_ECORRUPT) { /* one build; the next step goes on */
			damaged = relctl_fail(c, rc);
			continue;
		}
		if (rc != 0)
			break; /* the iterator stays put: the same step would fail again */
		if (!t) {
			build_json(&j, b, 0);
			continue;
		}
		row[0] = release_build_id(b);
		row[1] = release_build_status_name(release_build_status(b));
		row[2] = release_build_release(b);
		row[3] = format_relative_time(started, sizeof started, release_build_started(b),
					      c->now);
		row[4] = format_elapsed(elapsed, sizeof elapsed, release_build_started(b),
					release_build_ended(b));
		row[5] = release_build_description(b);
		if (format_table_add_row(t, row) != 0) {
			rc = RELEASE_ENOMEM;
			goto out;
		}
	}
	rc = listing_end(&j, t, c->out, rc);
out:
	format_table_free(t);
	release_build_iter_free(it);
	return rc ? relctl_fail(c, rc) : damaged;
}

/* Reads a whole file ("-": standard input). NULL with errno set on failure. */
static char *read_file(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t len = 0, cap = 4096;
	char *text = NULL, *grown;

	if (!f)
		return NULL;
	for (;;) {
		size_t n;

		if (!(grown = realloc(text, cap + 1)))
			goto fail;
		text = grown;
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (len < cap)
			break;
		if (cap >= MANIFEST_READ_MAX) {
			errno = EFBIG;
			goto fail;
		}
		cap *= 2;
	}
	if (ferror(f))
		goto fail;
	text[len] = '\0';
	if (memchr(text, '\0', len)) {
		errno = EINVAL; /* the manifest is text */
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	return text;
fail:
	if (f != stdin) {
		int e = errno;

		fclose(f);
		errno = e;
	}
	free(text);
	return NULL;
}

static int parse_status(const char *word)
{
	for (int st = RELEASE_BUILD_CREATED; st <= RELEASE_BUILD_FAILED; st++)
		if (strcmp(word, release_build_status_name(st)) == 0)
			return st;
	return -1;
}

int cmd_builds_create(struct relctl *c)
{
	const char *manifest_path = c->args.value[OPT_MANIFEST];
	char *manifest = NULL, *description = NULL;
	release_build_opts opts;
	release_store *s;
	release_build *b = NULL;
	release *r = NULL;
	int rc, status = RELCTL_EXIT_OK;

	release_build_opts_init(&opts);
	opts.status = c->args.value[OPT_STATUS] ? parse_status(c->args.value[OPT_STATUS])
						: RELEASE_BUILD_COMPLETE;
	if (opts.status < 0)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "--status wants created, running, complete or failed, not '%s'",
				    relctl_shown(c->args.value[OPT_STATUS]));
	if (manifest_path && !(manifest = read_file(manifest_path)))
		return relctl_error(errno == ENOENT ? RELCTL_EXIT_NOTFOUND : RELCTL_EXIT_USAGE,
				    "reading manifest '%s': %s", relctl_shown(manifest_path),
				    errno == EINVAL ? "it holds a NUL byte" : strerror(errno));
	if (c->args.value[OPT_DESCRIPTION]) {
		opts.description = c->args.value[OPT_DESCRIPTION];
	} else {
		char why[128];

		if (git_description(&description, why, sizeof why) == 0)
			opts.description = description;
		else
			fprintf(stderr, "relctl: note: %s, so the build has no description "
					"(give one with --description)\n", why);
	}
	opts.manifest = manifest;
	if (!(s = relctl_store(c, &status)))
		goto out;
	if ((rc = release_build_create(s, c->app, &opts, &b)) != 0) {
		status = relctl_fail(c, rc);
		goto out;
	}
	if (c->args.value[OPT_ID])
		fprintf(c->out, "%s\n", release_build_id(b));
	else
		fprintf(c->out, "Build:   %s\n", release_build_id(b));
	if (opts.status == RELEASE_BUILD_COMPLETE) {
		if ((rc = release_create(s, c->app, release_build_id(b), &r)) != 0) {
			status = relctl_fail(c, rc);
			goto out;
		}
		if (c->args.value[OPT_ID])
			fprintf(c->out, "%s\n", release_id(r));
		else
			fprintf(c->out, "Release: %s\n", release_id(r));
	}
out:
	release_free(r);
	release_build_free(b);
	free(description);
	free(manifest);
	return status;
}

int cmd_builds_info(struct relctl *c)
{
	char started[FORMAT_TIME_MAX], elapsed[32];
	release_store *s;
	release_build *b = NULL;
	info *in = NULL;
	int rc, status;

	if (!(s = relctl_store(c, &status)))
		return status;
	if ((rc = release_build_get(s, c->app, relctl_arg(c, 0), &b)) != 0)
		return relctl_fail(c, rc);
	if (c->args.value[OPT_JSON]) {
		struct json j;

		json_init(&j, c->out);
		build_json(&j, b, 1);
		json_finish(&j);
		release_build_free(b);
		return RELCTL_EXIT_OK;
	}
	rc = RELEASE_ENOMEM;
	if ((in = info_new()) && info_add(in, "Id", release_build_id(b)) == 0 &&
	    info_add(in, "Status", release_build_status_name(release_build_status(b))) == 0 &&
	    info_add(in, "Release", release_build_release(b)) == 0 &&
	    info_add(in, "Description", release_build_description(b)) == 0 &&
	    info_add(in, "Started",
		     format_relative_time(started, sizeof started, release_build_started(b),
					  c->now)) == 0 &&
	    info_add(in, "Elapsed",
		     format_elapsed(elapsed, sizeof elapsed, release_build_started(b),
				    release_build_ended(b))) == 0 &&
	    info_print(in, c->out) == 0)
		rc = 0;
	info_free(in);
	release_build_free(b);
	return rc ? relctl_fail(c, rc) : RELCTL_EXIT_OK;
}
