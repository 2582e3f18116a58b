/* builds, builds create, builds info, builds set-status. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_builds.h"
#include "io.h"
#include "common/format.h"
#include "git.h"
#include "json.h"
#include "output.h"

#define DEFAULT_LIMIT 10
#define MANIFEST_READ_MAX ((size_t)64 << 20) /* the library takes less; it says how much */

/* A build as JSON; with_manifest for `builds info` (the log is `builds
 * logs`'s). */
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
	json_key(j, "actor");
	json_string(j, release_build_actor(b));
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

int builds_is_final(int status)
{
	return status == RELEASE_BUILD_COMPLETE || status == RELEASE_BUILD_FAILED;
}

int builds_parse_status(const char *word)
{
	for (int st = RELEASE_BUILD_CREATED; st <= RELEASE_BUILD_FAILED; st++)
		if (strcmp(word, release_build_status_name(st)) == 0)
			return st;
	return -1;
}

/* Reads the manifest (text) of --manifest. NULL after reporting; *status
 * is then the exit status. */
static char *read_manifest(const char *path, int *status)
{
	size_t len;
	char *text = io_read_all(path, MANIFEST_READ_MAX, &len);

	if (text && memchr(text, '\0', len)) {
		free(text);
		text = NULL;
		errno = EINVAL; /* the manifest is text */
	}
	if (!text)
		*status = relctl_error(errno == ENOENT ? RELCTL_EXIT_NOTFOUND : RELCTL_EXIT_USAGE,
				       "reading manifest '%s': %s", relctl_shown(path),
				       errno == EINVAL ? "it holds a NUL byte" : strerror(errno));
	return text;
}

/* Reads the log of --log: any bytes, up to what a build keeps. NULL after
 * reporting; *status is then the exit status. */
static char *read_log(const char *path, size_t *len, int *status)
{
	char *log = io_read_all(path, RELEASE_BUILD_LOG_MAX, len);

	if (!log && errno == EFBIG)
		*status = relctl_error(RELCTL_EXIT_USAGE,
				       "reading the log from %s: it is longer than a build keeps "
				       "(%u bytes)",
				       io_input_name(path), RELEASE_BUILD_LOG_MAX);
	else if (!log)
		*status = relctl_error(errno == ENOENT ? RELCTL_EXIT_NOTFOUND : RELCTL_EXIT_USAGE,
				       "reading the log from %s: %s", io_input_name(path),
				       strerror(errno));
	return log;
}

/* Prints the release r of a build that was completed: its id, alone under
 * --id. Frees r. */
static void say_release(struct relctl *c, release *r)
{
	if (c->args.value[OPT_ID])
		fprintf(c->out, "%s\n", release_id(r));
	else
		fprintf(c->out, "Release: %s\n", release_id(r));
	release_free(r);
}

/* Makes the release of complete build bid, once (release_build_complete()),
 * and prints its id; returns the exit status. A failure says how to try
 * again: the build stays complete. */
static int create_release(struct relctl *c, release_store *s, const char *bid)
{
	release *r = NULL;
	int rc;

	if ((rc = release_build_complete(s, c->app, bid, &r)) != 0) {
		int status = relctl_fail(c, rc);

		fprintf(stderr, "relctl: note: build %s is complete without its release; "
				"`relctl builds set-status %s complete -a %s` makes it\n",
			bid, bid, c->app);
		return status;
	}
	say_release(c, r);
	return RELCTL_EXIT_OK;
}

int cmd_builds_create(struct relctl *c)
{
	const char *manifest_path = c->args.value[OPT_MANIFEST], *log_path = c->args.value[OPT_LOG];
	char *manifest = NULL, *description = NULL, *log = NULL;
	release_build_opts opts;
	release_store *s;
	release_build *b = NULL;
	int rc, status = RELCTL_EXIT_OK;

	release_build_opts_init(&opts);
	opts.status = c->args.value[OPT_STATUS] ? builds_parse_status(c->args.value[OPT_STATUS])
						: RELEASE_BUILD_COMPLETE;
	if (opts.status < 0)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "--status wants created, running, complete or failed, not '%s'",
				    relctl_shown(c->args.value[OPT_STATUS]));
	if (manifest_path && log_path && strcmp(manifest_path, "-") == 0 &&
	    strcmp(log_path, "-") == 0)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "--manifest and --log cannot both read standard input");
	if (manifest_path && !(manifest = read_manifest(manifest_path, &status)))
		return status;
	if (log_path && !(log = read_log(log_path, &opts.log_len, &status)))
		goto out;
	opts.log = log;
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
	if (opts.status == RELEASE_BUILD_COMPLETE)
		status = create_release(c, s, release_build_id(b));
out:
	release_build_free(b);
	free(description);
	free(manifest);
	free(log);
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
	    info_add(in, "Actor", actor_shown(release_build_actor(b))) == 0 &&
	    info_print(in, c->out) == 0)
		rc = 0;
	info_free(in);
	release_build_free(b);
	return rc ? relctl_fail(c, rc) : RELCTL_EXIT_OK;
}

/*
 * complete: the build is completed and its release made at once, and only
 * once (release_build_complete()): a builder's retry, or several callers at
 * the same time, get the one release, and print it. Returns the exit
 * status.
 */
static int complete(struct relctl *c, release_store *s, const char *bid)
{
	release *r = NULL;
	int rc;

	fprintf(c->progress, "Setting %s to complete... ", bid);
	fflush(c->progress);
	if ((rc = release_build_complete(s, c->app, bid, &r)) != 0)
		return relctl_fail(c, rc);
	fputs("OK\n", c->progress);
	fflush(c->progress);
	say_release(c, r);
	return RELCTL_EXIT_OK;
}

int cmd_builds_set_status(struct relctl *c)
{
	const char *bid = relctl_arg(c, 0), *word = relctl_arg(c, 1);
	int to = builds_parse_status(word), from, rc, status;
	release_store *s;
	release_build *b = NULL;

	if (to < 0)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "the status is created, running, complete or failed, not '%s'",
				    relctl_shown(word));
	if (!(s = relctl_store(c, &status)))
		return status;
	if ((rc = release_build_get(s, c->app, bid, &b)) != 0)
		return relctl_fail(c, rc);
	from = release_build_status(b);
	release_build_free(b);
	/* A complete or failed build is final; complete again is the same
	 * completion, and says its release. */
	if (builds_is_final(from) && !(to == RELEASE_BUILD_COMPLETE && from == to))
		return relctl_error(RELCTL_EXIT_REFUSED,
				    "build %s is %s already: a complete or failed build is final", bid,
				    release_build_status_name(from));
	if (to == RELEASE_BUILD_COMPLETE)
		return complete(c, s, bid);
	fprintf(c->progress, "Setting %s to %s... ", bid, word);
	fflush(c->progress);
	if (from != to && (rc = release_build_set_status(s, c->app, bid, to, NULL)) != 0)
		return relctl_fail(c, rc);
	fputs("OK\n", c->progress);
	return RELCTL_EXIT_OK;
}
