/* The hook's process group leader (hook_group.h says why it exists). */
#include "hook_group.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hook.h"

#define RELCTL_GONE SIGUSR1 /* the leader's signal that relctl died */

/* Writes msg and the reason to the hook's output, where relctl reads it as
 * a line of the hook's. */
static void complain(const char *msg)
{
	char line[200];
	int n = snprintf(line, sizeof line, "relctl: %s: %s\n", msg, strerror(errno));

	if (n > 0 && write(2, line, (size_t)n) < 0)
		_exit(127);
}

/* Closes every descriptor but 0, 1, 2 and the hook's files: the leader
 * lives on without exec, so nothing of relctl's (its store's files and
 * their locks, a database connection) may stay open in it. */
static void close_others(const struct hook_env *env)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d) {
		for (int fd = 3; fd < 1024; fd++)
			if (fd != env->manifest_fd && fd != env->env_fd)
				close(fd);
		return;
	}
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (fd > 2 && fd != dirfd(d) && fd != env->manifest_fd && fd != env->env_fd)
			close(fd);
	}
	closedir(d);
}

/* The hook's shell, in the child of the leader's fork(). */
_Noreturn static void run_shell(const struct hook_child *hc, const sigset_t *mask)
{
	char *argv[] = {"sh", "-c", (char *)hc->cmd, NULL};

	sigprocmask(SIG_SETMASK, mask, NULL);
	/* relctl ignores SIGPIPE; the hook should not inherit that. */
	signal(SIGPIPE, SIG_DFL);
	hook_env_inherit(hc->env);
	execve("/bin/sh", argv, hc->env->envp);
	complain("cannot run /bin/sh");
	_exit(127);
}

/* Ends the leader as the shell ended, so relctl reads the hook's status. */
_Noreturn static void exit_as(int status)
{
	struct rlimit no_core = {0, 0};
	sigset_t one;
	int sig;

	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	sig = WTERMSIG(status);
	setrlimit(RLIMIT_CORE, &no_core); /* the shell's core dump is enough */
	signal(sig, SIG_DFL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	_exit(128 + sig);
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

_Noreturn void hook_group_lead(const struct hook_child *hc)
{
	sigset_t waited, blocked, mask;
	int64_t deadline = 0;
	int null, status = 0;
	pid_t shell, done;

	setpgid(0, 0);
	/* Signals come to the leader only as sigwaitinfo() takes them: the
	 * shell's exit, relctl's death. SIGTERM and the rest of what relctl
	 * catches are for the shell, which gets them through the group. */
	sigemptyset(&waited);
	sigaddset(&waited, SIGCHLD);
	sigaddset(&waited, RELCTL_GONE);
	blocked = waited;
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGHUP);
	sigprocmask(SIG_BLOCK, &blocked, &mask);
	signal(SIGCHLD, SIG_DFL); /* not ignored, or the shell could not be waited for */
	if (prctl(PR_SET_PDEATHSIG, RELCTL_GONE) != 0 || getppid() != hc->relctl)
		_exit(127); /* relctl died before it could be watched: run nothing */
	/* Not close-on-exec: it may be fd 0 itself, when relctl has no stdin,
	 * and dup2() onto itself would keep the flag. close_others() closes
	 * it otherwise. */
	null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, 0) < 0 || dup2(hc->out, 1) < 0 || dup2(hc->out, 2) < 0)
		_exit(127);
	close_others(hc->env);
	if ((shell = fork()) < 0) {
		complain("cannot start the hook");
		_exit(127);
	}
	if (shell == 0)
		run_shell(hc, &mask);
	for (;;) {
		siginfo_t info;
		int sig;

		if (deadline) {
			int64_t left = deadline - monotonic_ns();
			struct timespec ts = {0, 0};

			if (left > 0) {
				ts.tv_sec = (time_t)(left / 1000000000);
				ts.tv_nsec = (long)(left % 1000000000);
			}
			sig = sigtimedwait(&waited, &info, &ts);
			if (sig < 0 && errno == EAGAIN)
				break; /* the grace period is over */
		} else {
			sig = sigwaitinfo(&waited, &info);
		}
		/* Anyone may send the signal; only the kernel's means it. */
		if (sig == RELCTL_GONE && !deadline && getppid() != hc->relctl) {
			/* Stop the hook as a timeout would; the leader is in the
			 * group, with SIGTERM blocked. */
			kill(0, SIGTERM);
			deadline = monotonic_ns() + (int64_t)HOOK_GRACE_S * 1000000000;
		}
		if ((done = waitpid(shell, &status, WNOHANG)) == shell)
			break;
		if (done < 0 && errno != EINTR)
			_exit(127); /* lost: a failure, as relctl counts it */
	}
	/* relctl is gone: nothing of the hook may stay, the leader included. */
	if (deadline)
		kill(0, SIGKILL);
	exit_as(status);
}
