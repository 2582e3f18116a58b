/*
 * env edit: the env of a release in the user's editor, and a new release
 * with the env as it was saved.
 *
 * The env goes to a file in a private directory (0700, made by mkdtemp() in
 * $TMPDIR, else /tmp; the file 0600), in the env file format (env_file.h)
 * so that every value reads back as it was. The directory and whatever is
 * in it (the editor's backups and swap files too) are removed before relctl
 * goes on or exits, whatever the editor did; SIGINT and SIGQUIT are the
 * editor's while it runs, SIGTERM and SIGHUP are passed on to it, and end
 * the edit with nothing set. Only SIGKILL can leave the directory behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "env_file.h"
#include "relctl.h"

#define EDIT_MAX ((size_t)64 << 20) /* the most the edited file may hold */

static volatile sig_atomic_t signalled;

static void on_signal(int sig)
{
	signalled = sig;
}

static const int caught[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};
#define NCAUGHT (sizeof caught / sizeof caught[0])

struct edit {
	char dir[4096];   /* "" until made */
	char path[4200];
	struct sigaction old[NCAUGHT];
};

static void catch_signals(struct edit *e)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	signalled = 0;
	for (size_t i = 0; i < NCAUGHT; i++) {
		sigaction(caught[i], NULL, &e->old[i]);
		if (e->old[i].sa_handler != SIG_IGN)
			sigaction(caught[i], &sa, NULL);
	}
}

/* SIGINT and SIGQUIT: caught (on), or ignored while the editor runs. */
static void interactive_signals(struct edit *e, int on)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on ? on_signal : SIG_IGN;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NCAUGHT; i++)
		if ((caught[i] == SIGINT || caught[i] == SIGQUIT) &&
		    e->old[i].sa_handler != SIG_IGN)
			sigaction(caught[i], &sa, NULL);
}

static void restore_signals(struct edit *e)
{
	for (size_t i = 0; i < NCAUGHT; i++)
		sigaction(caught[i], &e->old[i], NULL);
}

/* Removes the directory and what the editor left in it. */
static void remove_dir(struct edit *e)
{
	DIR *d;
	struct dirent *ent;

	if (!e->dir[0])
		return;
	if ((d = opendir(e->dir))) {
		while ((ent = readdir(d))) {
			char p[4400];

			if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof p, "%s/%s", e->dir, ent->d_name);
			unlink(p);
		}
		closedir(d);
	}
	if (rmdir(e->dir) != 0)
		relctl_error(RELCTL_EXIT_FAILURE, "could not remove %s: %s", e->dir,
			     strerror(errno));
	e->dir[0] = '\0';
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The file the editor gets: a header saying how to read it, then r's env.
 * 0, or the exit status after reporting. */
static int write_env(struct relctl *c, struct edit *e, const release *r)
{
	const char *tmp = getenv("TMPDIR");
	char header[1024];
	int fd, rc = 0;

	if (!tmp || tmp[0] != '/' || strlen(tmp) > 3000)
		tmp = "/tmp";
	snprintf(e->dir, sizeof e->dir, "%s/relctl-env-XXXXXX", tmp);
	if (!mkdtemp(e->dir)) { /* 0700 */
		e->dir[0] = '\0';
		return relctl_error(RELCTL_EXIT_FAILURE, "making a directory in %s: %s", tmp,
				    strerror(errno));
	}
	snprintf(e->path, sizeof e->path, "%s/%s.env", e->dir, c->app);
	if ((fd = open(e->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return relctl_error(RELCTL_EXIT_FAILURE, "creating %s: %s", e->path,
				    strerror(errno));
	snprintf(header, sizeof header,
		 "# The env of %s%s%s: one KEY=VALUE a line.\n"
		 "# Lines starting with '#' and blank lines are ignored; deleting a line\n"
		 "# unsets its key. A value starting with \" is quoted, with the escapes\n"
		 "# \\n \\t \\r \\\" \\\\ \\xHH \\uXXXX. Save and quit to create a release;\n"
		 "# quit with an error (vi: :cq) to change nothing.\n",
		 c->app, r ? " at " : " (no release yet)", r ? release_id(r) : "");
	rc = write_all(fd, header, strlen(header));
	for (size_t i = 0; r && rc == 0 && i < release_env_count(r); i++) {
		char *line = env_file_line(release_env_key(r, i), release_env_value(r, i));

		rc = line ? write_all(fd, line, strlen(line)) : (errno = ENOMEM, -1);
		free(line);
	}
	if (rc != 0 || close(fd) != 0) {
		int err = errno;

		if (rc != 0)
			close(fd);
		return relctl_error(RELCTL_EXIT_FAILURE, "writing %s: %s", e->path, strerror(err));
	}
	return 0;
}

/* $VISUAL, else $EDITOR, else vi. */
static const char *editor(void)
{
	const char *v = getenv("VISUAL");

	if (v && *v)
		return v;
	v = getenv("EDITOR");
	return v && *v ? v : "vi";
}

/* Runs the editor on the file, and waits for it. 0, or the exit status
 * after reporting. */
static int run_editor(struct relctl *c, struct edit *e)
{
	const char *ed = editor();
	size_t len = sizeof "exec " + strlen(ed) + sizeof " \"$@\"";
	char *script = malloc(len);
	int status, forwarded = 0;
	pid_t pid, done;

	if (!script)
		return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
	/* As git runs it, the words of the variable and then the file; exec'd,
	 * so that the signals passed on reach the editor, not a shell. */
	snprintf(script, len, "exec %s \"$@\"", ed);
	fflush(NULL);
	if ((pid = fork()) < 0) {
		free(script);
		return relctl_error(RELCTL_EXIT_FAILURE, "starting the editor: %s", strerror(errno));
	}
	if (pid == 0) {
		restore_signals(e); /* the editor's are relctl's own */
		/* Under --id standard output is the id's: the editor talks
		 * to the terminal on standard error instead. */
		if (c->args.value[OPT_ID])
			dup2(STDERR_FILENO, STDOUT_FILENO);
		execl("/bin/sh", "sh", "-c", script, "relctl-editor", e->path, (char *)NULL);
		_exit(127);
	}
	free(script);
	/* Ctrl-C and Ctrl-\ are the editor's while it runs, as under system();
	 * SIGTERM and SIGHUP are passed on to it. */
	interactive_signals(e, 0);
	for (;;) {
		if (signalled && !forwarded) {
			kill(pid, (int)signalled);
			forwarded = 1;
		}
		if ((done = waitpid(pid, &status, 0)) >= 0 || errno != EINTR)
			break;
	}
	interactive_signals(e, 1);
	if (done < 0)
		return relctl_error(RELCTL_EXIT_FAILURE, "waiting for the editor: %s",
				    strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return relctl_error(RELCTL_EXIT_FAILURE,
				    "the editor (%s) exited with status %d: nothing was set",
				    relctl_shown(ed), WEXITSTATUS(status));
	return relctl_error(RELCTL_EXIT_FAILURE,
			    "the editor (%s) was killed by signal %d: nothing was set",
			    relctl_shown(ed), WTERMSIG(status));
}

/* Reads the edited file back. 0, or the exit status after reporting. */
static int read_env(struct edit *e, struct env_pairs *p)
{
	char err[512], *text;
	size_t n;
	int rc = env_read_all(e->path, EDIT_MAX, &text, &n, err, sizeof err);

	if (rc == 0) {
		rc = env_file_parse(text, n, p, err, sizeof err);
		free(text);
		if (rc == -1)
			return relctl_error(RELCTL_EXIT_USAGE, "the edited env, %s: nothing was set",
					    err);
	}
	if (rc == -2)
		return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
	return rc ? relctl_error(RELCTL_EXIT_FAILURE, "%s: nothing was set", err) : 0;
}

static int by_key(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t nx = strcspn(x, "="), ny = strcspn(y, "=");
	int cmp = memcmp(x, y, nx < ny ? nx : ny);

	return cmp ? cmp : (nx > ny) - (nx < ny);
}

/* Prints "Setting K1, K2... " for the keys the edit adds, changes or
 * removes against r's env, in key order. 0, or -1 when out of memory. */
static int start(struct relctl *c, const release *r, const struct env_pairs *p)
{
	size_t n = r ? release_env_count(r) : 0, k = 0, i;
	const char **keys = calloc(p->n + n + 1, sizeof *keys);

	if (!keys)
		return -1;
	for (i = 0; i < p->n; i++) {
		const char *pair = p->pairs[i], *v = strchr(pair, '=') + 1;
		size_t len = (size_t)(v - 1 - pair);
		char *key = strndup(pair, len);
		const char *was;

		if (!key) {
			free(keys);
			return -1;
		}
		was = r ? release_env_get(r, key) : NULL;
		free(key);
		if (!was || strcmp(was, v) != 0)
			keys[k++] = pair;
	}
	for (i = 0; i < n; i++) {
		const char *key = release_env_key(r, i);

		if (env_pairs_find(p, key, strlen(key)) < 0)
			keys[k++] = key;
	}
	qsort(keys, k, sizeof *keys, by_key);
	fputs("Setting ", c->progress);
	for (i = 0; i < k; i++)
		fprintf(c->progress, "%s%.*s", i ? ", " : "", (int)strcspn(keys[i], "="), keys[i]);
	fputs("... ", c->progress);
	fflush(c->progress);
	free(keys);
	return 0;
}

int cmd_env_edit(struct relctl *c)
{
	struct env_pairs p;
	struct edit e;
	release_env_opts eo;
	release_store *s;
	release *base = NULL, *r = NULL;
	int rc, status;

	memset(&e, 0, sizeof e);
	env_pairs_init(&p);
	if (!(s = relctl_store(c, &status)) || (status = relctl_env_release(c, s, &base)) != 0)
		return status;
	catch_signals(&e);
	if ((status = write_env(c, &e, base)) == 0 && !signalled)
		status = run_editor(c, &e);
	if (status == 0 && !signalled)
		status = read_env(&e, &p);
	remove_dir(&e);
	restore_signals(&e);
	if (status == 0 && signalled)
		status = relctl_error(RELCTL_EXIT_FAILURE,
				      "interrupted by signal %d: nothing was set", (int)signalled);
	if (status != 0)
		goto out;
	if (start(c, base, &p) != 0) {
		status = relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
		goto out;
	}
	release_env_opts_init(&eo);
	eo.base = base ? release_id(base) : NULL;
	eo.flags = RELEASE_ENV_REPLACE;
	eo.set = (const char *const *)p.pairs;
	eo.set_n = p.n;
	if ((rc = release_env_change(s, c->app, &eo, &r)) != 0)
		status = relctl_fail(c, rc);
	else
		status = relctl_release_made(c, r);
out:
	env_pairs_free(&p);
	release_free(base);
	return status;
}
