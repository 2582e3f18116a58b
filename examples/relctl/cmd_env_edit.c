/*
 * env edit: the env of a release in the user's editor, and a new release
 * with the env as it was saved.
 *
 * The env goes to a file in a private directory (0700, made by mkdtemp() in
 * $TMPDIR, else /tmp; the file 0600), in the env file format (env_file.h)
 * so that every value reads back as it was. The directory and whatever is
 * in it (the editor's backups, swap files and directories too) are removed
 * before relctl goes on or exits, whatever the editor did, through a
 * descriptor of the directory held since it was made, never following a
 * symbolic link; when that fails nothing is set and relctl says what is
 * left. SIGINT and SIGQUIT are the editor's while it runs; SIGTERM and
 * SIGHUP are passed on to it (with SIGCONT, for an editor that is stopped),
 * and end the edit with nothing set. Only
 * SIGKILL can leave the directory behind.
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

#include "env_change.h"
#include "io.h"

#define EDIT_MAX ((size_t)64 << 20) /* the most the edited file may hold */
#define DEPTH_MAX 64                /* the deepest directory the clean-up goes into
				     * (one descriptor a level); ELOOP past it */

static volatile sig_atomic_t signalled;

static void on_signal(int sig)
{
	signalled = sig;
}

static void on_child(int sig)
{
	(void)sig; /* only wakes sigsuspend() */
}

static const int caught[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};
#define NCAUGHT (sizeof caught / sizeof caught[0])

struct edit {
	char dir[4096];   /* "" until made */
	int dirfd;        /* the directory, held from when it was made; -1 */
	char name[300];   /* the file's name in it */
	char path[4400];  /* dir/name, for the editor */
	struct sigaction old[NCAUGHT];
	struct sigaction old_chld;
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
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, &e->old_chld);
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
	sigaction(SIGCHLD, &e->old_chld, NULL);
}

/* Empties directory fd (and closes it), depth levels down: every entry is
 * unlinked, every directory emptied and removed, no symbolic link followed.
 * 0, or -1 with errno set (what could not go stays). */
static int empty_dir(int fd, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *ent;
	int rc = 0, e = 0;

	if (!d) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	while ((ent = readdir(d))) {
		struct stat st;
		int sub;

		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno != ENOENT) {
				rc = -1;
				e = errno;
			}
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (unlinkat(dirfd(d), ent->d_name, 0) != 0 && errno != ENOENT) {
				rc = -1;
				e = errno;
			}
			continue;
		}
		if (depth == 0) {
			rc = -1;
			e = ELOOP; /* deeper than DEPTH_MAX */
			continue;
		}
		/* The user's own directory, made unwritable (a backup kept
		 * read-only): opened and emptied all the same. */
		if ((st.st_mode & 0700) != 0700)
			fchmodat(dirfd(d), ent->d_name, (st.st_mode & 07777) | 0700, 0);
		sub = openat(dirfd(d), ent->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 || empty_dir(sub, depth - 1) != 0 ||
		    unlinkat(dirfd(d), ent->d_name, AT_REMOVEDIR) != 0) {
			rc = -1;
			e = errno;
		}
	}
	closedir(d);
	errno = e;
	return rc;
}

/* What is left in the directory, for the message: its first few names. */
static void leftovers(const char *dir, char *buf, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	size_t n = 0, len = 0;

	buf[0] = '\0';
	while (d && (ent = readdir(d))) {
		int w;

		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
			continue;
		w = snprintf(buf + len, size - len, "%s%s", n ? ", " : "",
			     n < 4 ? ent->d_name : "...");
		if (w < 0 || (size_t)w >= size - len || ++n > 4)
			break;
		len += (size_t)w;
	}
	if (d)
		closedir(d);
}

/* Removes the directory and everything in it. 0, or the exit status after
 * saying what is left. */
static int remove_dir(struct edit *e)
{
	char left[512];
	int rc = 0, err = 0;

	if (!e->dir[0])
		return 0;
	if (empty_dir(e->dirfd, DEPTH_MAX) != 0) {
		rc = -1;
		err = errno;
	}
	e->dirfd = -1;
	if (rc == 0 && rmdir(e->dir) != 0) {
		rc = -1;
		err = errno;
	}
	if (rc == 0) {
		e->dir[0] = '\0';
		return 0;
	}
	leftovers(e->dir, left, sizeof left);
	return relctl_error(RELCTL_EXIT_FAILURE,
			    "could not remove %s (%s): it still holds %s, which may hold the env "
			    "and its secrets (remove it); nothing was set",
			    e->dir,
			    err == ELOOP ? "directories nested more than 64 deep" : strerror(err),
			    left[0] ? left : "what the editor left");
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
	if ((e->dirfd = open(e->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		int status = relctl_error(RELCTL_EXIT_FAILURE, "opening %s: %s", e->dir,
					  strerror(errno));

		rmdir(e->dir);
		e->dir[0] = '\0';
		return status;
	}
	snprintf(e->name, sizeof e->name, "%s.env", c->app);
	snprintf(e->path, sizeof e->path, "%s/%s", e->dir, e->name);
	if ((fd = openat(e->dirfd, e->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			 0600)) < 0)
		return relctl_error(RELCTL_EXIT_FAILURE, "creating %s: %s", e->path,
				    strerror(errno));
	snprintf(header, sizeof header,
		 "# The env of %s%s%s: one KEY=VALUE a line.\n"
		 "# Lines starting with '#' and blank lines are ignored; deleting a line\n"
		 "# unsets its key. A value starting with \" is quoted, with the escapes\n"
		 "# \\n \\t \\r \\\" \\\\ \\xHH \\uXXXX. Save and quit to create a release;\n"
		 "# quit with an error (vi: :cq) to change nothing.\n",
		 c->app, r ? " at " : " (no release yet)", r ? release_id(r) : "");
	rc = io_write_all(fd, header, strlen(header));
	for (size_t i = 0; r && rc == 0 && i < release_env_count(r); i++) {
		char *line = env_file_line(release_env_key(r, i), release_env_value(r, i));

		rc = line ? io_write_all(fd, line, strlen(line)) : (errno = ENOMEM, -1);
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

/*
 * Waits for the editor, passing SIGTERM or SIGHUP on to it. The signals are
 * blocked but while sigsuspend() waits, so one that comes at any moment is
 * seen before the next wait: none can slip in between a check and a wait.
 */
static int wait_editor(pid_t pid, const sigset_t *waiting, int *status)
{
	int forwarded = 0;

	for (;;) {
		pid_t done;

		if (signalled && !forwarded) {
			/* A stopped editor acts on it once continued. */
			kill(pid, (int)signalled);
			kill(pid, SIGCONT);
			forwarded = 1;
		}
		if ((done = waitpid(pid, status, WNOHANG)) == pid)
			return 0;
		if (done < 0 && errno != EINTR)
			return -1;
		if (done == 0)
			sigsuspend(waiting);
	}
}

/* Runs the editor on the file, and waits for it. 0, or the exit status
 * after reporting. */
static int run_editor(struct relctl *c, struct edit *e)
{
	const char *ed = editor();
	size_t len = sizeof "exec " + strlen(ed) + sizeof " \"$@\"";
	char *script = malloc(len);
	sigset_t block, before;
	int status, rc;
	pid_t pid = -1;

	if (!script)
		return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
	/* As git runs it, the words of the variable and then the file; exec'd,
	 * so that the signals passed on reach the editor, not a shell. */
	snprintf(script, len, "exec %s \"$@\"", ed);
	fflush(NULL);
	sigemptyset(&block);
	for (size_t i = 0; i < NCAUGHT; i++)
		sigaddset(&block, caught[i]);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &before);
	if (signalled || (pid = fork()) < 0) {
		int err = errno;

		sigprocmask(SIG_SETMASK, &before, NULL);
		free(script);
		return signalled ? 0
				 : relctl_error(RELCTL_EXIT_FAILURE, "starting the editor: %s",
						strerror(err));
	}
	if (pid == 0) {
		restore_signals(e); /* the editor's are relctl's own */
		sigprocmask(SIG_SETMASK, &before, NULL);
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
	rc = wait_editor(pid, &before, &status);
	interactive_signals(e, 1);
	sigprocmask(SIG_SETMASK, &before, NULL);
	if (rc != 0)
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

/* Reads the edited file back: a regular file (an editor that left a FIFO
 * or a link in its place does not make relctl wait or look elsewhere). 0,
 * or the exit status after reporting. */
static int read_env(struct edit *e, struct env_pairs *p)
{
	char err[512], *text;
	struct stat st;
	size_t n;
	int fd, rc;

	fd = openat(e->dirfd, e->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno != ELOOP)
		return relctl_error(RELCTL_EXIT_FAILURE, "reading '%s': %s: nothing was set",
				    e->path, strerror(errno));
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return relctl_error(RELCTL_EXIT_FAILURE,
				    "'%s' is no longer a regular file: nothing was set", e->path);
	}
	text = io_read_fd(fd, EDIT_MAX, &n);
	rc = errno;
	close(fd);
	if (!text && rc == ENOMEM)
		return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
	if (!text)
		return relctl_error(RELCTL_EXIT_FAILURE, "reading '%s': %s: nothing was set",
				    e->path,
				    rc == EFBIG ? "larger than an env may be" : strerror(rc));
	rc = env_file_parse(text, n, p, err, sizeof err);
	free(text);
	if (rc == -2)
		return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
	if (rc != 0)
		return relctl_error(RELCTL_EXIT_USAGE, "the edited env, %s: nothing was set", err);
	return relctl_check_values(p);
}

/*
 * Creates the release of the edit. Without --release only the edit's
 * change goes to the library (what was added or changed set, what was
 * deleted unset), applied to the newest release as `env set` does: a change
 * someone made while the editor was open stays. With --release the env
 * becomes exactly the file, based on that release, as asked. Returns the
 * exit status.
 */
static int save(struct relctl *c, release_store *s, const release *base,
		const struct env_pairs *p)
{
	struct env_diff d;
	release_env_opts eo;
	release *r = NULL;
	int rc;

	if (env_diff_make(&d, base, p) != 0)
		return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
	/* Saved as it was: the library would write nothing either. */
	if (d.keys_n == 0) {
		env_diff_free(&d);
		fputs("No changes: no release was created\n", c->progress);
		return RELCTL_EXIT_OK;
	}
	relctl_say_keys(c, "Setting", d.keys, d.keys_n);
	release_env_opts_init(&eo);
	if (c->args.value[OPT_RELEASE]) {
		/* The env becomes the file: the diff above was for the
		 * transcript only. */
		eo.base = release_id(base);
		eo.flags = RELEASE_ENV_REPLACE;
		eo.set = (const char *const *)p->pairs;
		eo.set_n = p->n;
	} else {
		eo.set = d.set;
		eo.set_n = d.set_n;
		eo.unset = d.unset;
		eo.unset_n = d.unset_n;
	}
	rc = release_env_change(s, c->app, &eo, &r);
	env_diff_free(&d);
	return rc ? relctl_fail(c, rc) : relctl_release_made(c, r);
}

int cmd_env_edit(struct relctl *c)
{
	struct env_pairs p;
	struct edit e;
	release_store *s;
	release *base = NULL;
	int status, cleaned;

	memset(&e, 0, sizeof e);
	e.dirfd = -1;
	env_pairs_init(&p);
	if (!(s = relctl_store(c, &status)) || (status = relctl_env_release(c, s, &base)) != 0)
		return status;
	/* The edit is not asked for when it cannot be saved. */
	if ((status = relctl_store_writable(c)) != 0) {
		release_free(base);
		return status;
	}
	catch_signals(&e);
	if ((status = write_env(c, &e, base)) == 0 && !signalled)
		status = run_editor(c, &e);
	if (status == 0 && !signalled)
		status = read_env(&e, &p);
	cleaned = remove_dir(&e);
	restore_signals(&e);
	if (status == 0 && signalled)
		status = relctl_error(RELCTL_EXIT_FAILURE,
				      "interrupted by signal %d: nothing was set", (int)signalled);
	if (status == 0)
		status = cleaned;
	/* A file emptied (an editor that saved nothing, or a slip that
	 * deleted every line) does not unset every key. */
	if (status == 0 && p.n == 0 && base && release_env_count(base) > 0)
		status = relctl_error(RELCTL_EXIT_USAGE,
				      "the edited file is empty (no KEY=VALUE line): nothing was set "
				      "(relctl env unset KEY... removes keys, every one too)");
	if (status == 0)
		status = save(c, s, base, &p);
	env_pairs_free(&p);
	release_free(base);
	return status;
}
