/* store copy: every app of one store, or one, into another. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relctl.h"

/* The names of src's apps, in name order, in *names (ours, NULL-ended).
 * 0, or the exit status after reporting. */
static int app_names(struct relctl *c, release_store *src, char ***names, size_t *count)
{
	release_app_iter *it;
	const release_app *a;
	char **v = NULL;
	size_t n = 0, cap = 0;
	const char *msg;
	int rc;

	*names = NULL;
	*count = 0;
	if ((rc = release_app_list(src, &it)) != 0)
		goto fail;
	while ((rc = release_app_iter_next(it, &a)) != RELEASE_ITEROVER) {
		if (rc != 0)
			break; /* a damaged app is not copied: the copy fails */
		if (n + 1 >= cap) {
			char **more = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof *v);

			if (!more) {
				rc = RELEASE_ENOMEM;
				break;
			}
			v = more;
		}
		if (!(v[n] = strdup(release_app_name(a)))) {
			rc = RELEASE_ENOMEM;
			break;
		}
		v[++n] = NULL;
	}
	release_app_iter_free(it);
	if (rc == RELEASE_ITEROVER) {
		*names = v;
		*count = n;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
fail:
	msg = release_store_errmsg(src);
	return relctl_error(relctl_status_of(rc), "reading the source's apps: %s",
			    *msg ? msg : release_strerror(rc));
}

/* A failed copy's message: whichever store has one. */
static const char *copy_message(release_store *src, release_store *dst, int rc)
{
	const char *msg = release_store_errmsg(dst);

	if (!*msg)
		msg = release_store_errmsg(src);
	return *msg ? msg : release_strerror(rc);
}

/* Copies app: "Copying APP... OK, N records written". 0, or the exit
 * status after reporting. */
static int copy_app(struct relctl *c, release_store *src, release_store *dst, const char *app,
		    uint64_t *total)
{
	release_copy_opts opts;
	uint64_t written = 0;
	int rc;

	release_copy_opts_init(&opts);
	opts.app = app;
	fprintf(c->progress, "Copying %s... ", app);
	fflush(c->progress);
	if ((rc = release_store_copy(src, dst, &opts, &written)) != 0) {
		fputs("FAILED\n", c->progress);
		*total += written;
		return relctl_error(relctl_status_of(rc), "%s", copy_message(src, dst, rc));
	}
	*total += written;
	fprintf(c->progress, "OK, %" PRIu64 " record%s written\n", written, written == 1 ? "" : "s");
	fflush(c->progress);
	return 0;
}

/*
 * store copy SRC DST [--app APP]: each app on its own, so that each gets
 * its line and its error, and one app that cannot be copied (another app
 * of its name in DST) does not stop the others. Only --app chooses an app:
 * $RELEASE_APP, meant for the other commands, does not narrow a copy.
 */
int cmd_store_copy(struct relctl *c)
{
	const char *app = c->args.value[OPT_APP];
	char *src_uri = NULL, *dst_uri = NULL, **names = NULL;
	release_store *src = NULL, *dst = NULL;
	size_t n = 0, done = 0;
	uint64_t total = 0;
	int status, first = RELCTL_EXIT_OK;

	if (app && (status = relctl_check_app(app)) != 0)
		return status;
	if (!(src_uri = relctl_store_uri(relctl_arg(c, 0))) ||
	    !(dst_uri = relctl_store_uri(relctl_arg(c, 1)))) {
		status = relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
		goto out;
	}
	if (strcmp(src_uri, dst_uri) == 0) {
		status = relctl_error(RELCTL_EXIT_USAGE, "SRC and DST are the same store: %s",
				      relctl_shown(src_uri));
		goto out;
	}
	if ((status = relctl_open_store(c, src_uri, 1, &src)) != 0 ||
	    (status = relctl_open_store(c, dst_uri, 0, &dst)) != 0)
		goto out;
	if (!app && (status = app_names(c, src, &names, &n)) != 0)
		goto out;
	for (size_t i = 0; i < (app ? 1 : n); i++) {
		int rc = copy_app(c, src, dst, app ? app : names[i], &total);

		if (rc == 0)
			done++;
		else if (first == RELCTL_EXIT_OK)
			first = rc;
	}
	if (app)
		n = 1;
	if (n == 0)
		fputs("No apps to copy\n", c->progress);
	else if (done == n)
		fprintf(c->progress, "Copied %zu app%s: %" PRIu64 " record%s written\n", n,
			n == 1 ? "" : "s", total, total == 1 ? "" : "s");
	else
		fprintf(c->progress, "Copied %zu of %zu apps: %" PRIu64 " record%s written\n", done,
			n, total, total == 1 ? "" : "s");
	status = first;
out:
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
	release_store_close(src);
	release_store_close(dst);
	free(src_uri);
	free(dst_uri);
	return status;
}
