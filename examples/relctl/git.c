/* Asking git about the work tree the build comes from. */
#include "git.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUTPUT_MAX 4096

/* Runs git with args, stderr to /dev/null; its stdout (at most OUTPUT_MAX
 * bytes, NUL-terminated) in out. Returns its exit status, 127 when git
 * cannot be run, -1 when relctl cannot run anything. */
static int run_git(char *const args[], char *out, size_t size)
{
	int fd[2], status;
	size_t len = 0;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(fd, O_CLOEXEC) != 0)
		return -1;
	fflush(NULL);
	if ((pid = fork()) < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null < 0 || dup2(null, 0) < 0 || dup2(fd[1], 1) < 0 || dup2(null, 2) < 0)
			_exit(126);
		execvp("git", args);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		char buf[512];
		ssize_t n = read(fd[0], buf, sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n && len + 1 < size; i++)
			out[len++] = buf[i];
	}
	out[len] = '\0';
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int git_description(char **out, char *why, size_t whylen)
{
	static char *const inside[] = {"git", "rev-parse", "--is-inside-work-tree", NULL};
	static char *const status[] = {"git", "status", "--porcelain", "--untracked-files=no",
				       NULL};
	static char *const log[] = {"git", "log", "-n", "1", "--pretty=%h %s", "--abbrev=10", NULL};
	char text[OUTPUT_MAX];
	size_t n;
	int rc;

	*out = NULL;
	rc = run_git(inside, text, sizeof text);
	if (rc == 127 || rc < 0) {
		snprintf(why, whylen, "git is not available");
		return -1;
	}
	if (rc != 0 || strncmp(text, "true", 4) != 0) {
		snprintf(why, whylen, "not in a git work tree");
		return -1;
	}
	if (run_git(status, text, sizeof text) != 0 || text[0]) {
		snprintf(why, whylen, "the git work tree has uncommitted changes");
		return -1;
	}
	if (run_git(log, text, sizeof text) != 0 || !text[0]) {
		snprintf(why, whylen, "the git repository has no commit");
		return -1;
	}
	n = strcspn(text, "\n");
	text[n] = '\0';
	if (!(*out = malloc(strlen("build ") + n + 1))) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	sprintf(*out, "build %s", text);
	return 0;
}
