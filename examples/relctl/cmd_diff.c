/* releases diff: what changed between two releases. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/format.h"
#include "output.h"
#include "relctl.h"

/* A value as diff shows it: NULL (hidden: masked) as ****. */
static const char *shown_value(const char *v)
{
	return v ? v : ENV_MASKED;
}

static const char *change_word(int change)
{
	switch (change) {
	case RELEASE_DIFF_ADDED: return "added";
	case RELEASE_DIFF_REMOVED: return "removed";
	default: return "changed";
	}
}

/* from is NULL when to is the first release. */
static void diff_json(struct relctl *c, const release_diff *d, const release *from,
		      const release *to)
{
	struct json j;

	json_init(&j, c->out);
	json_begin_object(&j);
	json_key(&j, "app");
	json_string(&j, c->app);
	json_key(&j, "from");
	json_string(&j, from ? release_id(from) : NULL);
	json_key(&j, "from_version");
	if (from)
		json_uint(&j, release_version(from));
	else
		json_null(&j);
	json_key(&j, "to");
	json_string(&j, release_id(to));
	json_key(&j, "to_version");
	json_uint(&j, release_version(to));
	json_key(&j, "build");
	json_begin_object(&j);
	json_key(&j, "from");
	json_string(&j, release_diff_build_old(d));
	json_key(&j, "to");
	json_string(&j, release_diff_build_new(d));
	json_end_object(&j);
	json_key(&j, "description");
	json_begin_object(&j);
	json_key(&j, "from");
	json_string(&j, from ? release_description(from) : NULL);
	json_key(&j, "to");
	json_string(&j, release_description(to));
	json_key(&j, "changed");
	json_bool(&j, release_diff_description_changed(d));
	json_end_object(&j);
	json_key(&j, "env");
	json_begin_array(&j);
	for (size_t i = 0; i < release_diff_env_count(d); i++) {
		int change = release_diff_env_change(d, i), masked = release_diff_env_masked(d, i);
		const char *old = release_diff_env_old(d, i), *new = release_diff_env_new(d, i);

		json_begin_object(&j);
		json_key(&j, "key");
		json_string(&j, release_diff_env_key(d, i));
		json_key(&j, "change");
		json_string(&j, change_word(change));
		json_key(&j, "masked");
		json_bool(&j, masked);
		/* A hidden value reads as in relctl's other JSON; a value that
		 * is not there (added, removed) is null. */
		json_key(&j, "from");
		json_string(&j, change == RELEASE_DIFF_ADDED ? NULL : shown_value(old));
		json_key(&j, "to");
		json_string(&j, change == RELEASE_DIFF_REMOVED ? NULL : shown_value(new));
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key(&j, "manifest");
	json_string(&j, release_diff_manifest(d));
	json_end_object(&j);
	json_finish(&j);
}

/* Writes the strings of parts (NULL-ended), each made safe (on one line)
 * but for the odd ones, which are relctl's own text. 0, or -1 when out of
 * memory. */
static int put(FILE *out, const char *const *parts)
{
	for (size_t i = 0; parts[i]; i++) {
		char *safe;

		if (i % 2 == 0) {
			fputs(parts[i], out);
			continue;
		}
		if (!(safe = format_safe(parts[i], 0, 0)))
			return -1;
		fputs(safe, out);
		free(safe);
	}
	return 0;
}

#define PUT(out, ...) put((out), (const char *const[]){__VA_ARGS__, NULL})

/* 1 when text as it is could be misread on a diff's line: empty, a space
 * at either end, a leading '"' (a quoted one's), " -> " in it (which arrow
 * is the change's?) or "****" (a hidden value's). */
static int misreadable(const char *v)
{
	size_t n = strlen(v);

	return n == 0 || v[0] == ' ' || v[n - 1] == ' ' || v[0] == '"' || strstr(v, " -> ") ||
	       strcmp(v, ENV_MASKED) == 0;
}

/* A stored text (an env value, a description) as a diff's line shows it:
 * as it is, or, when it could be misread, in double quotes with '"' and
 * '\\' escaped; NULL (a hidden value) is ****. Ours to free (the text is
 * made safe when written); NULL when out of memory. */
static char *diff_text_of(const char *v)
{
	char *q, *p;

	if (!v)
		return strdup(ENV_MASKED);
	if (!misreadable(v))
		return strdup(v);
	if (!(q = p = malloc(2 * strlen(v) + 3)))
		return NULL;
	*p++ = '"';
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			*p++ = '\\';
		*p++ = *v;
	}
	*p++ = '"';
	*p = '\0';
	return q;
}

static int env_lines(FILE *out, const release_diff *d)
{
	size_t n = release_diff_env_count(d);
	int rc = 0;

	if (n == 0) {
		fputs("Env: unchanged\n", out);
		return 0;
	}
	fputs("Env:\n", out);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *key = release_diff_env_key(d, i);
		char *old = diff_text_of(release_diff_env_old(d, i));
		char *new = diff_text_of(release_diff_env_new(d, i));

		if (!old || !new)
			rc = -1;
		else if (release_diff_env_change(d, i) == RELEASE_DIFF_ADDED)
			rc = PUT(out, "+ ", key, "=", new, "\n");
		else if (release_diff_env_change(d, i) == RELEASE_DIFF_REMOVED)
			rc = PUT(out, "- ", key, "=", old, "\n");
		else
			rc = PUT(out, "~ ", key, ": ", old, " -> ", new, "\n");
		free(old);
		free(new);
	}
	return rc;
}

/* "Description: FROM -> TO", or TO alone (from none). 0, or -1 when out of
 * memory. */
static int description_line(FILE *out, const release *from, const release *to)
{
	char *old = from ? diff_text_of(release_description(from)) : NULL;
	char *new = diff_text_of(release_description(to));
	int rc = -1;

	if (new && (old || !from))
		rc = old ? PUT(out, "Description: ", old, " -> ", new, "\n")
			 : PUT(out, "Description: ", new, "\n");
	free(old);
	free(new);
	return rc;
}

static int diff_text(struct relctl *c, const release_diff *d, const release *from,
		     const release *to)
{
	const char *old_build = release_diff_build_old(d), *new_build = release_diff_build_new(d);
	const char *manifest = release_diff_manifest(d);
	char *safe;

	if (from)
		fprintf(c->out, "From: %s (v%" PRIu64 ")\n", release_id(from), release_version(from));
	else /* version 1: releases_diff() refuses a later one with none before it */
		fputs("From: nothing (the first release)\n", c->out);
	fprintf(c->out, "To:   %s (v%" PRIu64 ")\n", release_id(to), release_version(to));
	if ((!old_build && !new_build) ||
	    (old_build && new_build && strcmp(old_build, new_build) == 0))
		fprintf(c->out, "Build: %s (unchanged)\n", old_build ? old_build : "none");
	else
		fprintf(c->out, "Build: %s -> %s\n", old_build ? old_build : "none",
			new_build ? new_build : "none");
	if (!release_diff_description_changed(d))
		fputs("Description: unchanged\n", c->out);
	else if (description_line(c->out, from, to) != 0)
		return RELEASE_ENOMEM;
	if (env_lines(c->out, d) != 0)
		return RELEASE_ENOMEM;
	if (!*manifest) {
		fputs("Manifest: unchanged\n", c->out);
		return 0;
	}
	/* The diff's lines as they are, their control characters escaped. */
	if (!(safe = format_safe(manifest, FORMAT_SAFE_LINES, 0)))
		return RELEASE_ENOMEM;
	fputs("Manifest:\n", c->out);
	fputs(safe, c->out);
	if (safe[0] && safe[strlen(safe) - 1] != '\n')
		fputc('\n', c->out);
	free(safe);
	return 0;
}

/*
 * releases diff [A [B]]: from A to B. B left out is the active release; A
 * left out, or "-", is the release before B (by version), so `releases
 * diff` shows what the active release changed, `releases diff A` what
 * changed from A to the active release (what a rollback to A would undo),
 * and `releases diff - B` what B changed.
 */
int cmd_releases_diff(struct relctl *c)
{
	size_t n = relctl_nargs(c);
	release *from = NULL, *to = NULL;
	release_diff *d = NULL;
	release_store *s;
	int rc, status;

	if (!(s = relctl_store(c, &status)))
		return status;
	if ((n > 0 && strcmp(relctl_arg(c, 0), "-") != 0 &&
	     (status = relctl_get_release(c, s, relctl_arg(c, 0), &from)) != 0) ||
	    (n > 1 && (status = relctl_get_release(c, s, relctl_arg(c, 1), &to)) != 0))
		goto out;
	if ((rc = release_diff_get(s, c->app, from ? release_id(from) : NULL,
				   to ? release_id(to) : NULL,
				   c->args.value[OPT_REVEAL] ? RELEASE_DIFF_REVEAL : 0, &d)) != 0) {
		status = relctl_fail(c, rc);
		goto out;
	}
	/* The releases the library chose, for their versions and descriptions
	 * (from none: the first release is compared with nothing). */
	if ((!from && release_diff_from(d) &&
	     (rc = release_get(s, c->app, release_diff_from(d), &from)) != 0) ||
	    (!to && (rc = release_get(s, c->app, release_diff_to(d), &to)) != 0)) {
		status = relctl_fail(c, rc);
		goto out;
	}
	/* No release below B: B is the first, or the ones before it were
	 * pruned, and comparing with nothing would call B's whole env new. */
	if (!from && release_version(to) > 1) {
		status = relctl_error(RELCTL_EXIT_NOTFOUND,
				      "app '%s': no release before %s (v%" PRIu64 ") is kept (the "
				      "ones before it were pruned); to compare it with another, "
				      "name both: releases diff A %s",
				      c->app, release_id(to), release_version(to), release_id(to));
		goto out;
	}
	if (c->args.value[OPT_JSON])
		diff_json(c, d, from, to);
	else if ((rc = diff_text(c, d, from, to)) != 0)
		status = relctl_fail(c, rc);
out:
	release_diff_free(d);
	release_free(from);
	release_free(to);
	return status;
}
