/*
 * Running the deploy hook: a process group (hook_group.h), whose output
 * lines are read as they come and reported as events, bounded by a timeout.
 */
#include "hook.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/format.h"
#include "hook_env.h"
#include "hook_group.h"

#define SLICE_MS 200 /* how often to look whether the hook has exited */
#define SOURCE "hook"
#define OWN_SOURCE "relctl"
#define STORED_SHOWN 200 /* characters of a stored hook the transcript shows */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

/* SIGINT, SIGTERM and SIGHUP while the hook runs: stop it and fail the
 * promotion cleanly, rather than die holding the app's lease. */
static const int caught[] = {SIGINT, SIGTERM, SIGHUP};

struct run {
	struct hook *hook;
	release_events *events;
	pid_t pid;
	int fd;                   /* the read end of the hook's output */
	int eof;
	char line[HOOK_LINE_MAX + 1];
	size_t len;
	int64_t deadline;         /* monotonic ns; 0: none */
	int64_t kill_at;          /* after SIGTERM: when to SIGKILL; 0: not yet */
	struct sigaction old[sizeof caught / sizeof caught[0]];
};

int64_t hook_lease_ns(int64_t timeout_s)
{
	const int64_t s = 1000000000;

	/* Without a timeout the hook is given an hour: long enough for a
	 * deployment, short enough that a killed relctl's lease lapses the
	 * same day (--force breaks it sooner). */
	if (timeout_s <= 0)
		timeout_s = HOOK_UNTIMED_LEASE_S;
	return (timeout_s + HOOK_GRACE_S + 60) * s;
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Reports what relctl itself did to the hook, as an event. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void say(struct run *run, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	release_events_emit(run->events, OWN_SOURCE, msg);
}

/* 1 when the line of len bytes at s holds only spaces and tabs (and a CR). */
static int blank(const char *s, size_t len)
{
	return strspn(s, " \t\r") >= len;
}

/* Names the app's stored hook before it runs: a command that whoever can
 * write the store can set, so the transcript says which one ran. Its first
 * line that says something (not blank, not a "#!" first line), up to
 * STORED_SHOWN characters and "..." when it is longer, and its size in
 * lines when it has more than one (`relctl apps hook` shows it whole). */
static void say_stored(release_events *events, const char *cmd)
{
	static const char what[] = "running the deploy hook stored with the app: ";
	const char *first = cmd, *p = cmd;
	size_t line, len = 0, chars = 0, lines = 0;
	char more[64] = "", *msg;

	for (const char *q = cmd; *q; q += strcspn(q, "\n"), q += *q == '\n')
		lines++;
	if (strncmp(p, "#!", 2) == 0)
		p += strcspn(p, "\n");
	for (p += *p == '\n'; *p && blank(p, strcspn(p, "\n")); p += *p == '\n')
		p += strcspn(p, "\n");
	if (*p)
		first = p; /* else a hook of blank lines: its first line */
	line = strcspn(first, "\n");
	while (len < line && chars < STORED_SHOWN) {
		uint32_t cp;
		size_t n = format_utf8(first + len, &cp);

		len += n && len + n <= line ? n : 1; /* a stray byte counts as one */
		chars++;
	}
	if (lines > 1)
		snprintf(more, sizeof more, " (%zu lines)", lines);
	if (!(msg = malloc(sizeof what + len + 3 + strlen(more)))) {
		release_events_emit(events, OWN_SOURCE, "running the deploy hook stored with the app");
		return;
	}
	sprintf(msg, "%s%.*s%s%s", what, (int)len, first, len < line ? "..." : "", more);
	release_events_emit(events, OWN_SOURCE, msg);
	free(msg);
}

static void emit_line(struct run *run)
{
	size_t n = run->len;

	if (n > 0 && run->line[n - 1] == '\r')
		n--;
	run->line[n] = '\0';
	run->len = 0;
	if (n > 0)
		release_events_emit(run->events, SOURCE, run->line);
}

/* Reads what the pipe holds now, emitting every complete line. */
static void drain(struct run *run)
{
	char buf[4096];

	while (!run->eof) {
		ssize_t got = read(run->fd, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			run->eof = got == 0 || errno != EAGAIN;
			break;
		}
		for (ssize_t i = 0; i < got; i++) {
			if (buf[i] == '\n') {
				emit_line(run);
				continue;
			}
			if (run->len == HOOK_LINE_MAX)
				emit_line(run);
			run->line[run->len++] = buf[i];
		}
	}
	if (run->eof && run->len > 0)
		emit_line(run);
}

static void signal_group(struct run *run, int sig)
{
	if (kill(-run->pid, sig) != 0 && errno == ESRCH)
		kill(run->pid, sig);
}

/* Starts stopping the hook: SIGTERM now, SIGKILL after the grace period. */
static void terminate(struct run *run)
{
	if (run->kill_at)
		return;
	signal_group(run, SIGTERM);
	run->kill_at = monotonic_ns() + (int64_t)HOOK_GRACE_S * 1000000000;
}

static void catch_signals(struct run *run)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++) {
		sigaction(caught[i], NULL, &run->old[i]);
		if (run->old[i].sa_handler != SIG_IGN)
			sigaction(caught[i], &sa, NULL);
	}
}

static void restore_signals(struct run *run)
{
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++)
		sigaction(caught[i], &run->old[i], NULL);
}

/* Waits for the hook, reading its output, until it exits; stops it at the
 * deadline. Returns its wait status. */
static int supervise(struct run *run)
{
	int status = 0, timed_out = 0, was_interrupted = 0;

	for (;;) {
		int64_t now = monotonic_ns(), wake = now + (int64_t)SLICE_MS * 1000000;
		struct pollfd pfd = {run->fd, POLLIN, 0};
		pid_t done;

		if (interrupted && !was_interrupted) {
			was_interrupted = (int)interrupted;
			say(run, "interrupted by signal %d: stopping the hook (SIGTERM)",
			    was_interrupted);
			terminate(run);
		}
		if (run->deadline && now >= run->deadline && !timed_out && !run->kill_at) {
			timed_out = 1;
			say(run, "hook timed out after %llds: stopping it (SIGTERM)",
			    (long long)run->hook->timeout_s);
			terminate(run);
		}
		if (run->kill_at && now >= run->kill_at) {
			say(run, "hook still running %ds after SIGTERM: killing it (SIGKILL)",
			    HOOK_GRACE_S);
			signal_group(run, SIGKILL);
			run->kill_at = INT64_MAX;
		}
		if (run->deadline && !run->kill_at && run->deadline < wake)
			wake = run->deadline;
		if (run->kill_at && run->kill_at < wake)
			wake = run->kill_at;
		if (!run->eof) {
			int ms = (int)((wake - now + 999999) / 1000000);

			if (poll(&pfd, 1, ms > 0 ? ms : 0) > 0)
				drain(run);
		} else if (wake > now) {
			struct timespec ts = {0, (long)(wake - now)};

			/* The output is closed; look for the exit in slices. */
			if (ts.tv_nsec > 1000000L * 20)
				ts.tv_nsec = 1000000L * 20;
			nanosleep(&ts, NULL);
		}
		done = waitpid(run->pid, &status, WNOHANG);
		if (done == run->pid)
			break;
		if (done < 0 && errno != EINTR) {
			status = 127 << 8; /* lost: count it as "not found", a failure */
			break;
		}
	}
	/* It has exited, so all it wrote is in the pipe. What processes it left
	 * behind may still write is not waited for. */
	drain(run);
	if (!run->eof && run->len > 0)
		emit_line(run);
	if (was_interrupted)
		snprintf(run->hook->failure, sizeof run->hook->failure,
			 "hook stopped: relctl was interrupted by signal %d", was_interrupted);
	else if (timed_out)
		snprintf(run->hook->failure, sizeof run->hook->failure,
			 "hook timed out after %llds and was stopped",
			 (long long)run->hook->timeout_s);
	return status;
}

int hook_deploy(void *payload, const release *r, release_events *events)
{
	struct hook *hook = payload;
	struct hook_env env;
	struct run run;
	char err[300];
	int pipefd[2] = {-1, -1}, status, rc = 1;
	pid_t parent;

	memset(&run, 0, sizeof run);
	run.hook = hook;
	run.events = events;
	run.fd = -1;
	hook->failure[0] = '\0';
	if (hook->stored)
		say_stored(events, hook->cmd);
	if (hook_env_make(&env, r, hook->store_uri, hook->actor, err, sizeof err) != 0) {
		snprintf(hook->failure, sizeof hook->failure, "hook not run: %.200s", err);
		goto out;
	}
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		snprintf(hook->failure, sizeof hook->failure, "hook not run: pipe: %s",
			 strerror(errno));
		goto out;
	}
	fflush(NULL); /* nothing buffered may be written twice */
	parent = getpid();
	/* Before the fork: a signal that comes as soon as the hook runs must
	 * already stop it rather than end relctl. */
	catch_signals(&run);
	if ((run.pid = fork()) < 0) {
		restore_signals(&run);
		snprintf(hook->failure, sizeof hook->failure, "hook not run: fork: %s",
			 strerror(errno));
		goto out;
	}
	if (run.pid == 0) {
		struct hook_child hc = {hook->cmd, &env, pipefd[1], parent};

		hook_group_lead(&hc);
	}
	/* Also here, so that signalling the group cannot race the child's own
	 * setpgid(). */
	setpgid(run.pid, run.pid);
	close(pipefd[1]);
	pipefd[1] = -1;
	run.fd = pipefd[0];
	fcntl(run.fd, F_SETFL, fcntl(run.fd, F_GETFL) | O_NONBLOCK);
	if (hook->timeout_s > 0)
		run.deadline = monotonic_ns() + hook->timeout_s * 1000000000;
	status = supervise(&run);
	restore_signals(&run);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !hook->failure[0]) {
		rc = 0;
	} else if (WIFEXITED(status)) {
		rc = WEXITSTATUS(status) ? WEXITSTATUS(status) : 1;
		say(&run, "hook exited with status %d", WEXITSTATUS(status));
		if (!hook->failure[0])
			snprintf(hook->failure, sizeof hook->failure, "hook exited with status %d",
				 WEXITSTATUS(status));
	} else {
		rc = 128 + WTERMSIG(status);
		say(&run, "hook was killed by signal %d", WTERMSIG(status));
		if (!hook->failure[0])
			snprintf(hook->failure, sizeof hook->failure,
				 "hook was killed by signal %d", WTERMSIG(status));
	}
out:
	if (rc != 0 && hook->failure[0] && run.pid <= 0)
		release_events_emit(events, OWN_SOURCE, hook->failure);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	hook_env_free(&env);
	return rc;
}
