/* builds export, builds import: a complete build carried to another app or
 * another store in a file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_builds.h"
#include "io.h"

/* The largest file import reads; the library refuses what it cannot hold. */
#define IMPORT_READ_MAX ((size_t)64 << 20)

/* Whether --file names standard input or output: absent, or "-". */
static int is_std(const char *file)
{
	return !file || strcmp(file, "-") == 0;
}

int cmd_builds_export(struct relctl *c)
{
	const char *bid = relctl_arg(c, 0), *file = c->args.value[OPT_FILE];
	/* With the export on standard output, the transcript goes aside. */
	FILE *progress = is_std(file) ? stderr : c->progress;
	release_store *s;
	release_build *b = NULL;
	char *data = NULL;
	size_t len;
	int rc, status;

	if (file && !*file)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "--file is empty: give a file, or '-' for standard output");
	if (is_std(file) && c->tty)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "not writing a build export to a terminal: give --file FILE, "
				    "or redirect standard output");
	if (!(s = relctl_store(c, &status)))
		return status;
	fputs("Exporting build... ", progress);
	fflush(progress);
	if ((rc = release_build_get(s, c->app, bid, &b)) != 0)
		return relctl_fail(c, rc);
	if (release_build_status(b) != RELEASE_BUILD_COMPLETE) {
		status = relctl_error(RELCTL_EXIT_REFUSED,
				      "build %s is not complete (its status is %s): only a "
				      "complete build is exported",
				      bid, release_build_status_name(release_build_status(b)));
		goto out;
	}
	/* The call needs no store, so its failure is told here. */
	if ((rc = release_build_export(b, &len, &data)) != 0) {
		status = relctl_error(relctl_status_of(rc), "exporting build %s: %s", bid,
				      release_strerror(rc));
		goto out;
	}
	if (is_std(file)) {
		if (fwrite(data, 1, len, c->out) != len || fflush(c->out) != 0) {
			/* main() reports it, or says nothing to a reader gone away. */
			status = RELCTL_EXIT_OK;
			goto out;
		}
	} else if (io_replace_file(file, data, len) != 0) {
		status = relctl_error(RELCTL_EXIT_FAILURE, "writing '%s': %s", relctl_shown(file),
				      strerror(errno));
		goto out;
	}
	fputs("OK\n", progress);
	status = RELCTL_EXIT_OK;
out:
	release_export_free(data);
	release_build_free(b);
	return status;
}

/*
 * After release_build_import() failed with rc (RELEASE_ECORRUPT or
 * RELEASE_EUNSUPPORTED), tells whether the file is to blame rather than the
 * store (damaged, or read-only): the same import into an empty in-memory
 * store, which has nothing else to fail on, fails the same way. The
 * library's message for the file is then copied to why.
 */
static int file_is_bad(const struct relctl *c, const char *data, size_t len, int rc, char *why,
		       size_t whylen)
{
	release_store *m = NULL;
	int bad = 0;

	if (release_store_open(&m, "memory:", NULL) == 0 &&
	    release_app_create(m, c->app, NULL) == 0 &&
	    release_build_import(m, c->app, data, len, NULL) == rc) {
		snprintf(why, whylen, "%s", *release_store_errmsg(m) ? release_store_errmsg(m)
								       : release_strerror(rc));
		bad = 1;
	}
	release_store_close(m);
	return bad;
}

int cmd_builds_import(struct relctl *c)
{
	const char *file = is_std(c->args.value[OPT_FILE]) ? "-" : c->args.value[OPT_FILE];
	release_store *s;
	release_build *b = NULL;
	char *data, why[1024];
	size_t len;
	int rc, status;

	if (c->args.value[OPT_FILE] && !*c->args.value[OPT_FILE])
		return relctl_error(RELCTL_EXIT_USAGE,
				    "--file is empty: give a file, or '-' for standard input");
	if (strcmp(file, "-") == 0 && isatty(STDIN_FILENO))
		return relctl_error(RELCTL_EXIT_USAGE,
				    "not reading a build export from a terminal: give --file FILE, "
				    "or redirect standard input");
	if (!(data = io_read_all(file, IMPORT_READ_MAX, &len)))
		return relctl_error(errno == ENOENT ? RELCTL_EXIT_NOTFOUND : RELCTL_EXIT_USAGE,
				    "reading %s: %s", io_input_name(file),
				    errno == EFBIG ? "it is larger than any build export"
						   : strerror(errno));
	if (len == 0) {
		free(data);
		return relctl_error(RELCTL_EXIT_USAGE, "%s is empty: it holds no build export",
				    io_input_name(file));
	}
	if (!(s = relctl_store(c, &status))) {
		free(data);
		return status;
	}
	fputs("Importing build... ", c->progress);
	fflush(c->progress);
	rc = release_build_import(s, c->app, data, len, &b);
	if ((rc == RELEASE_ECORRUPT || rc == RELEASE_EUNSUPPORTED) &&
	    file_is_bad(c, data, len, rc, why, sizeof why))
		status = relctl_error(RELCTL_EXIT_USAGE, "%s cannot be imported: %s",
				      io_input_name(file), why);
	else if (rc != 0)
		status = relctl_fail(c, rc);
	free(data);
	if (rc != 0)
		return status;
	fprintf(c->progress, "OK, %s\n", release_build_release(b));
	if (c->args.value[OPT_ID])
		fprintf(c->out, "%s\n%s\n", release_build_id(b), release_build_release(b));
	release_build_free(b);
	return RELCTL_EXIT_OK;
}
