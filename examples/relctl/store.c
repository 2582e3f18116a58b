/* Which store relctl uses, and opening it. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hook.h"
#include "relctl.h"

#ifdef HAVE_PGSTORE
#include <pgstore.h>
#endif

/* "scheme:..." is a URI; anything else is a path. */
static int is_uri(const char *s)
{
	const char *p = s;

	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return *p == ':';
}

char *relctl_store_uri(const char *given)
{
	char cwd[4096];
	char *uri;
	size_t n;

	if (!given || !*given)
		return strdup("file:"); /* the library's default store */
	if (is_uri(given))
		return strdup(given);
	/* A plain path means file:PATH, made absolute so that a deploy hook
	 * that changes directory still finds the same store. */
	if (given[0] == '/' || !getcwd(cwd, sizeof cwd))
		cwd[0] = '\0';
	n = strlen("file:") + strlen(cwd) + 1 + strlen(given) + 1;
	if (!(uri = malloc(n)))
		return NULL;
	snprintf(uri, n, "file:%s%s%s", cwd, cwd[0] ? "/" : "", given);
	return uri;
}

/* Cuts the options off a file store's path as the library does: they
 * start after the last '?' when the text after it is empty or holds a '='
 * (a path with "?x=y" in it is written with a '?' after it). */
static void cut_options(char *path)
{
	char *q = strrchr(path, '?');

	if (q && (!q[1] || strchr(q + 1, '=')))
		*q = '\0';
}

/* The directory of a file: URI, as the library finds it ("file:" alone, or
 * with options only, is the default store; "file:DIR?mode=ro" is DIR). 0,
 * or -1 for another scheme or a path it would refuse anyway (it says why
 * then). */
static int file_store_path(const char *uri, char *path, size_t size)
{
	const char *p = uri + 5, *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	const char *opts;
	int n;

	if (strncmp(uri, "file:", 5) != 0)
		return -1;
	if (strncmp(p, "//", 2) == 0) /* file:///abs/path */
		p += 2;
	/* After the default store's path, "?" keeps a '?' in it the path's. */
	opts = *p ? p : "?";
	if (*p && *p != '?')
		n = snprintf(path, size, "%s", p);
	else if (xdg && xdg[0] == '/')
		n = snprintf(path, size, "%s/librelease%s", xdg, opts);
	else if (home && home[0] == '/')
		n = snprintf(path, size, "%s/.local/share/librelease%s", home, opts);
	else
		return -1;
	if (n <= 0 || (size_t)n >= size)
		return -1;
	cut_options(path);
	return 0;
}

/* 1 when path holds no store, and opening it would make one: there is no
 * such directory, or it is empty. A directory with other files in it is
 * left to the library, which refuses it and says why. */
static int no_store_at(const char *path)
{
	char format[4096 + 8];
	struct stat st;
	struct dirent *e;
	DIR *d;
	int empty = 1;

	snprintf(format, sizeof format, "%s/FORMAT", path);
	if (lstat(format, &st) == 0 || errno != ENOENT)
		return 0;
	if (!(d = opendir(path)))
		return errno == ENOENT;
	while (empty && (e = readdir(d)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* A command that cannot make a store must not make one by opening a
 * mistyped path (release_store_open() creates what is missing). 0, or the
 * exit status after reporting. */
static int check_exists(const char *uri)
{
	char path[4096];

	if (file_store_path(uri, path, sizeof path) != 0 || !no_store_at(path))
		return 0;
	return relctl_error(RELCTL_EXIT_STORE, "no store at %s (relctl apps create makes one)",
			    relctl_shown(path));
}

int relctl_file_store_dir(const char *uri, char *path, size_t size)
{
	return file_store_path(uri, path, size);
}

static int is_postgresql(const char *uri)
{
	return strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0;
}

int relctl_is_postgresql(const char *uri)
{
	return is_postgresql(uri);
}

/* A PostgreSQL URI goes to the pgstore backend, when relctl was built with
 * it; the message is pgstore's, as the library has none for it. */
static int open_postgresql(release_store **out, const char *uri, const release_store_opts *opts)
{
#ifdef HAVE_PGSTORE
	char err[512];
	int rc = pgstore_open(out, uri, opts, err, sizeof err);

	if (rc != 0)
		relctl_error(relctl_status_of(rc), "%s", relctl_store_text(uri, err));
	return rc;
#else
	(void)out;
	(void)uri;
	(void)opts;
	relctl_error(RELCTL_EXIT_STORE, "this relctl was built without PostgreSQL support "
					"(libpq was not found when it was built)");
	return RELEASE_EUNSUPPORTED;
#endif
}

int relctl_open_store(struct relctl *c, const char *uri, int must_exist, release_store **out)
{
	release_store_opts opts;
	release_store *s = NULL;
	int rc, status;

	*out = NULL;
	if (must_exist && (status = check_exists(uri)) != 0)
		return status;
	release_store_opts_init(&opts);
	testenv_apply(&c->test, &opts);
	/* The lease must outlast the longest hook, or another promoter could
	 * take the app over while the hook still runs; a command that may
	 * promote may find a hook stored with the app, read later. */
	if (c->hook || (!c->hook_given && (c->cmd->opts & OPT_BIT(OPT_HOOK))))
		opts.lease_ns = hook_lease_ns(c->hook_timeout_s);
	if (is_postgresql(uri)) {
		rc = open_postgresql(&s, uri, &opts);
	} else if ((rc = release_store_open(&s, uri, &opts)) != 0) {
		const char *msg = release_store_errmsg(NULL);

		relctl_error(relctl_status_of(rc), "%s", *msg ? msg : release_strerror(rc));
	}
	if (rc != 0) /* whatever the reason, the store cannot be used */
		return rc == RELEASE_ENOMEM ? relctl_status_of(rc) : RELCTL_EXIT_STORE;
	/* Set apart from the open, so that an actor refused says the
	 * library's reason with the status of what was typed. */
	if (c->actor && (rc = release_store_set_actor(s, c->actor)) != 0) {
		const char *msg = release_store_errmsg(s);

		status = relctl_error(relctl_status_of(rc), "%s: %s",
				      c->args.value[OPT_ACTOR] ? "--actor" : "RELEASE_ACTOR",
				      *msg ? msg : release_strerror(rc));
		release_store_close(s);
		return status;
	}
	*out = s;
	return 0;
}

release_store *relctl_store(struct relctl *c, int *status)
{
	if (c->store)
		return c->store;
	*status = relctl_open_store(c, c->store_uri, c->cmd->use != RELCTL_CREATES, &c->store);
	return c->store;
}

/* The value of the file store URI's mode option: 'r' (ro), 'w' (rw), or 0. */
static char mode_option(const char *uri)
{
	const char *q = strrchr(uri, '?');
	char mode = 0;

	if (!q || (q[1] && !strchr(q + 1, '=')))
		return 0;
	for (q++; *q; q += *q == '&') {
		size_t n = strcspn(q, "&");

		if (n == 7 && strncmp(q, "mode=ro", 7) == 0)
			mode = 'r';
		else if (n == 7 && strncmp(q, "mode=rw", 7) == 0)
			mode = 'w';
		q += n;
	}
	return mode;
}

int relctl_store_writable(const struct relctl *c)
{
	char path[4096], why[4200] = "";
	char mode;

	if (file_store_path(c->store_uri, path, sizeof path) != 0)
		return 0; /* another backend: its write says */
	/* The library opens such a store read-only: mode=ro, or (without
	 * mode=rw, which fails to open it) a directory it may not write. */
	if ((mode = mode_option(c->store_uri)) == 'w')
		return 0;
	if (mode != 'r') {
		if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0 ||
		    (errno != EACCES && errno != EPERM && errno != EROFS))
			return 0;
		snprintf(why, sizeof why, " (its directory is not writable: %s)", strerror(errno));
	}
	return relctl_error(RELCTL_EXIT_STORE,
			    "writing release: store opened read-only%s: it cannot be written", why);
}
