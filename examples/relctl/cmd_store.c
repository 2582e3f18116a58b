/* store copy: every app of one store, or one, into another. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "relctl.h"

/* What the copy did, for its summary and exit status. */
struct tally {
	size_t apps, done; /* apps met (damaged ones too), and copied whole */
	uint64_t written;
	int status; /* the first failure's exit status */
};

static void failed(struct tally *t, int status)
{
	if (t->status == RELCTL_EXIT_OK)
		t->status = status;
}

/* A failed copy's message: whichever store has one, on one line, with the
 * library's flag named as relctl's option. */
static const char *copy_message(release_store *src, release_store *dst, const char *src_uri,
				const char *dst_uri, int rc)
{
	static char text[4096];
	const char *msg = release_store_errmsg(dst), *uri = dst_uri, *flag;

	if (!*msg) {
		msg = release_store_errmsg(src);
		uri = src_uri;
	}
	if (!*msg)
		return release_strerror(rc);
	msg = relctl_store_text(uri, msg);
	if (!(flag = strstr(msg, "RELEASE_COPY_MIRROR")))
		return msg;
	snprintf(text, sizeof text, "%.*s--mirror%s", (int)(flag - msg), msg,
		 flag + strlen("RELEASE_COPY_MIRROR"));
	return text;
}

/* The names of src's apps, in name order, in *names (ours, NULL-ended). A
 * damaged app is reported, counted in t, and the listing goes on, as every
 * listing does. 0, or the exit status after reporting. */
static int app_names(const char *uri, release_store *src, struct tally *t, char ***names)
{
	release_app_iter *it;
	const release_app *a;
	char **v = NULL;
	size_t n = 0, cap = 0;
	const char *msg;
	int rc;

	*names = NULL;
	if ((rc = release_app_list(src, &it)) != 0)
		goto fail;
	while ((rc = release_app_iter_next(it, &a)) != RELEASE_ITEROVER) {
		if (rc == RELEASE_ECORRUPT) { /* one app; the next step goes on */
			msg = release_store_errmsg(src);
			failed(t, relctl_error(relctl_status_of(rc), "%s",
					       *msg ? relctl_store_text(uri, msg)
						    : release_strerror(rc)));
			t->apps++;
			continue;
		}
		if (rc != 0)
			break;
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
		t->apps += n;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
fail:
	msg = release_store_errmsg(src);
	return relctl_error(relctl_status_of(rc), "reading the source's apps: %s",
			    *msg ? relctl_store_text(uri, msg) : release_strerror(rc));
}

/* The words and stores of a copy. */
struct copy {
	struct relctl *c;
	const char *src_uri, *dst_uri;
	release_store *src, *dst;
	unsigned flags;
};

/* Copies app: "Copying APP... OK, N records written". Its failure is
 * reported and counted in t. */
static void copy_app(const struct copy *k, const char *app, struct tally *t)
{
	release_copy_opts opts;
	uint64_t written = 0;
	int rc;

	release_copy_opts_init(&opts);
	opts.app = app;
	opts.flags = k->flags;
	fprintf(k->c->progress, "Copying %s... ", app);
	fflush(k->c->progress);
	rc = release_store_copy(k->src, k->dst, &opts, &written);
	t->written += written;
	if (rc != 0) {
		fputs("FAILED\n", k->c->progress);
		failed(t, relctl_error(relctl_status_of(rc), "%s",
				       copy_message(k->src, k->dst, k->src_uri, k->dst_uri, rc)));
		return;
	}
	t->done++;
	fprintf(k->c->progress, "OK, %" PRIu64 " record%s written\n", written,
		written == 1 ? "" : "s");
	fflush(k->c->progress);
}

/* The path with every directory that exists resolved (symbolic links,
 * "." and ".."), and the rest, which does not exist yet, after it. 0, or
 * -1 (errno set). */
static int resolved(const char *path, char *out, size_t size)
{
	char abs[PATH_MAX], head[PATH_MAX], real[PATH_MAX], cwd[PATH_MAX];
	const char *rest = "";
	char *slash;
	int n;

	if (path[0] == '/')
		n = snprintf(abs, sizeof abs, "%s", path);
	else if (getcwd(cwd, sizeof cwd))
		n = snprintf(abs, sizeof abs, "%s/%s", cwd, path);
	else
		return -1;
	if (n < 0 || n >= (int)sizeof abs) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(head, abs, (size_t)n + 1);
	while (!realpath(head, real)) {
		if (errno != ENOENT || !(slash = strrchr(head, '/')) || slash == head)
			return -1;
		*slash = '\0';
		rest = abs + (slash - head); /* "/the/rest" */
	}
	if (snprintf(out, size, "%s%s", strcmp(real, "/") == 0 ? "" : real, rest) >= (int)size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* 1 when the directory whose status is st is path or one of the
 * directories path is inside; path is resolved()'s. */
static int holds(const struct stat *st, const char *path)
{
	char p[PATH_MAX];
	struct stat ps;
	char *slash;

	snprintf(p, sizeof p, "%s", path);
	for (;;) {
		if (stat(*p ? p : "/", &ps) == 0 && ps.st_dev == st->st_dev && ps.st_ino == st->st_ino)
			return 1;
		if (!*p || !(slash = strrchr(p, '/')))
			return 0;
		*slash = '\0';
	}
}

/* Two file stores that are one (however spelled: a trailing '/', "file://",
 * options, a symbolic link) or one inside the other's directory, where a
 * store keeps its apps: refused. 0, or the exit status after reporting. */
static int check_apart(const char *src_uri, const char *dst_uri)
{
	char src_dir[PATH_MAX], dst_dir[PATH_MAX], src[PATH_MAX], dst[PATH_MAX];
	struct stat src_st, dst_st;

	if (relctl_file_store_dir(src_uri, src_dir, sizeof src_dir) != 0 ||
	    relctl_file_store_dir(dst_uri, dst_dir, sizeof dst_dir) != 0 ||
	    resolved(src_dir, src, sizeof src) != 0 || resolved(dst_dir, dst, sizeof dst) != 0 ||
	    stat(src, &src_st) != 0)
		return 0; /* opening them says what is wrong */
	if (stat(dst, &dst_st) == 0 && src_st.st_dev == dst_st.st_dev &&
	    src_st.st_ino == dst_st.st_ino)
		return relctl_error(RELCTL_EXIT_USAGE, "SRC and DST are the same store: %s",
				    relctl_shown(src));
	if (holds(&src_st, dst))
		return relctl_error(RELCTL_EXIT_USAGE,
				    "DST %s is inside SRC %s, whose directory holds its apps: copy "
				    "to a directory outside it",
				    relctl_shown(dst), relctl_shown(src));
	if (stat(dst, &dst_st) == 0 && holds(&dst_st, src))
		return relctl_error(RELCTL_EXIT_USAGE,
				    "SRC %s is inside DST %s, whose directory holds its apps: copy "
				    "to a directory outside SRC",
				    relctl_shown(src), relctl_shown(dst));
	return 0;
}

/* The same URI, whichever of PostgreSQL's two schemes it is written with. */
static int same_uri(const char *a, const char *b)
{
	if (relctl_is_postgresql(a) && relctl_is_postgresql(b))
		return strcmp(strstr(a, "://"), strstr(b, "://")) == 0;
	return strcmp(a, b) == 0;
}

/* SRC and DST as words: not empty (an unset variable would be the default
 * store), DST not a store that vanishes, not the same store. 0 with the
 * URIs (ours), or the exit status after reporting. */
static int check_words(struct relctl *c, char **src_uri, char **dst_uri)
{
	const char *src = relctl_arg(c, 0), *dst = relctl_arg(c, 1);
	int status;

	*src_uri = *dst_uri = NULL;
	if (!*src || !*dst)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "%s is empty: give a path or a URI ('file:' is the default "
				    "store)",
				    !*src ? "SRC" : "DST");
	if (strncmp(dst, "memory:", 7) == 0)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "DST %s is a store in relctl's memory, which would vanish with "
				    "it: nothing would be kept",
				    relctl_shown(dst));
	if (!(*src_uri = relctl_store_uri(src)) || !(*dst_uri = relctl_store_uri(dst)))
		return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
	if (same_uri(*src_uri, *dst_uri))
		return relctl_error(RELCTL_EXIT_USAGE, "SRC and DST are the same store: %s",
				    relctl_shown(*src_uri));
	if ((status = check_apart(*src_uri, *dst_uri)) != 0)
		return status;
	return 0;
}

/*
 * store copy SRC DST [--app APP] [--mirror]: each app on its own, so that
 * each gets its line and its error, and one app that cannot be copied
 * (another app of its name in DST, a copy that differs, a damaged app)
 * does not stop the others. Only --app chooses an app: $RELEASE_APP, meant
 * for the other commands, does not narrow a copy.
 */
int cmd_store_copy(struct relctl *c)
{
	const char *app = c->args.value[OPT_APP];
	char *src_uri = NULL, *dst_uri = NULL, **names = NULL;
	struct copy k = {c, NULL, NULL, NULL, NULL, 0};
	struct tally t = {0, 0, 0, RELCTL_EXIT_OK};
	int status;

	if ((app && (status = relctl_check_app(app)) != 0) ||
	    (status = check_words(c, &src_uri, &dst_uri)) != 0)
		goto out;
	k.src_uri = src_uri;
	k.dst_uri = dst_uri;
	k.flags = c->args.value[OPT_MIRROR] ? RELEASE_COPY_MIRROR : 0;
	if ((status = relctl_open_store(c, src_uri, 1, &k.src)) != 0)
		goto out;
	/* An app SRC lacks makes no DST. */
	if (app) {
		release_app *a;
		int rc = release_app_get(k.src, app, &a);

		if (rc != 0) {
			const char *msg = release_store_errmsg(k.src);

			status = relctl_error(relctl_status_of(rc), "%s",
					      *msg ? relctl_store_text(src_uri, msg)
						   : release_strerror(rc));
			goto out;
		}
		release_app_free(a);
	}
	if ((status = relctl_open_store(c, dst_uri, 0, &k.dst)) != 0)
		goto out;
	if (app)
		t.apps = 1;
	else if ((status = app_names(src_uri, k.src, &t, &names)) != 0)
		goto out;
	for (size_t i = 0; app ? i < 1 : names && names[i]; i++)
		copy_app(&k, app ? app : names[i], &t);
	if (t.apps == 0)
		fputs("No apps to copy\n", c->progress);
	else if (t.done == t.apps)
		fprintf(c->progress, "Copied %zu app%s: %" PRIu64 " record%s written\n", t.apps,
			t.apps == 1 ? "" : "s", t.written, t.written == 1 ? "" : "s");
	else
		fprintf(c->progress, "Copied %zu of %zu apps: %" PRIu64 " record%s written\n",
			t.done, t.apps, t.written, t.written == 1 ? "" : "s");
	status = t.status;
out:
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
	release_store_close(k.src);
	release_store_close(k.dst);
	free(src_uri);
	free(dst_uri);
	return status;
}
