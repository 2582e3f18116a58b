/*
 * The rows that need more than one process: writers racing on one app, and
 * a promoter killed in the middle of its deployment.
 */
#include "bench.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WRITERS 16

/* What a writer process sends back: one write to a pipe, so atomic. */
struct writer_report {
	int64_t start, end; /* CLOCK_MONOTONIC, which all processes share */
	uint64_t writes, syncs;
};

static void make_pipe(int fd[2])
{
	if (pipe(fd) != 0)
		die("pipe: %s", strerror(errno));
}

static pid_t fork_or_die(void)
{
	pid_t pid;

	/* A child that dies exits through exit(): nothing buffered may be
	 * written twice. */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	return pid;
}

static void wait_ok(pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("%s (pid %ld) failed", what, (long)pid);
}

/* A writer: opens its own handle, says it is ready, waits for the start,
 * then sets WRITER_<i> to a new value again and again for dur_ns. */
static void writer_main(int kind, const char *where, int i, int64_t dur_ns, int ready, int go,
			int out)
{
	struct store s;
	struct writer_report rep = {0, 0, 0, 0};
	char pair[64], c;
	uint64_t syncs0;

	st_open(&s, kind, where, 0);
	/* Closed at once, so that the parent sees the end of the pipe, not a
	 * hang, if a writer dies before it is ready. */
	if (write(ready, "r", 1) != 1 || close(ready) != 0 || read(go, &c, 1) != 0)
		die("writer %d: the start signal failed", i);
	syncs0 = sync_calls();
	rep.start = now_ns();
	do {
		snprintf(pair, sizeof pair, "WRITER_%d=%llu", i, (unsigned long long)rep.writes);
		st_env_set(&s, pair, NULL);
		rep.writes++;
		rep.end = now_ns();
	} while (rep.end - rep.start < dur_ns);
	rep.syncs = sync_calls() - syncs0;
	if (write(out, &rep, sizeof rep) != (ssize_t)sizeof rep)
		die("writer %d: cannot report: %s", i, strerror(errno));
	st_close(&s);
}

double writers_run(int kind, const char *where, int n, int64_t dur_ns, double *syncs_per_write)
{
	int ready[2], go[2], out[2];
	pid_t pids[MAX_WRITERS];
	int64_t first = INT64_MAX, last = 0;
	uint64_t writes = 0, syncs = 0;

	if (n < 1 || n > MAX_WRITERS)
		die("writers: %d processes", n);
	make_pipe(ready);
	make_pipe(go);
	make_pipe(out);
	for (int i = 0; i < n; i++) {
		pids[i] = fork_or_die();
		if (pids[i] == 0) {
			close(ready[0]);
			close(go[1]);
			close(out[0]);
			writer_main(kind, where, i, dur_ns, ready[1], go[0], out[1]);
			_exit(0);
		}
	}
	close(ready[1]);
	close(go[0]);
	close(out[1]);
	/* Everyone's store is open before anyone writes: closing go starts them. */
	for (int i = 0; i < n; i++) {
		char c;

		if (read(ready[0], &c, 1) != 1)
			die("writers: a writer died before it was ready");
	}
	close(go[1]);
	for (int i = 0; i < n; i++) {
		struct writer_report rep;

		if (read(out[0], &rep, sizeof rep) != (ssize_t)sizeof rep)
			die("writers: a writer died before it reported");
		first = rep.start < first ? rep.start : first;
		last = rep.end > last ? rep.end : last;
		writes += rep.writes;
		syncs += rep.syncs;
	}
	for (int i = 0; i < n; i++)
		wait_ok(pids[i], "a writer process");
	close(ready[0]);
	close(out[0]);
	*syncs_per_write = writes ? (double)syncs / (double)writes : 0;
	return (double)writes * 1e9 / (double)(last - first);
}

/* A deployer that never finishes: it tells the parent it is running (one
 * byte down the pipe in payload), then waits to be killed. */
static int hang_deploy(void *payload, const release *r, release_events *events)
{
	int fd = *(const int *)payload;

	(void)r;
	(void)events;
	if (write(fd, "d", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

double crashed_promoter(int kind, const char *where, int64_t cap_ns)
{
	struct store s;
	release_promote_opts o;
	char victim[ID_LEN], next[ID_LEN], c;
	int ready[2], rc, status;
	int64_t t0, t;
	pid_t pid;

	st_open(&s, kind, where, 1);
	st_seed(&s);
	st_env_set(&s, "CRASH=1", victim);
	st_env_set(&s, "CRASH=2", next);
	st_close(&s);

	make_pipe(ready);
	pid = fork_or_die();
	if (pid == 0) {
		close(ready[0]);
		st_open(&s, kind, where, 0);
		release_promote_opts_init(&o);
		o.deploy = hang_deploy;
		o.deploy_payload = &ready[1];
		rc = release_promote(s.lr, APP, victim, &o);
		fprintf(stderr, "bench: the promoter to be killed returned %d: %s\n", rc,
			release_store_errmsg(s.lr));
		_exit(1);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		waitpid(pid, &status, 0);
		die("crashed promoter: the promoter exited before its deployer ran");
	}
	close(ready[0]);
	/* Open first: the time is the wait, not opening the store. */
	st_open(&s, kind, where, 0);
	if (kill(pid, SIGKILL) != 0 || waitpid(pid, &status, 0) != pid)
		die("crashed promoter: cannot kill pid %ld: %s", (long)pid, strerror(errno));
	release_promote_opts_init(&o);
	o.wait_ns = cap_ns;
	t0 = now_ns();
	rc = release_promote(s.lr, APP, next, &o);
	t = now_ns() - t0;
	if (rc != 0 && rc != RELEASE_EBUSY)
		lr_check(&s, rc, "promote after a promoter was killed");
	st_close(&s);
	return rc == 0 ? (double)t : R_TIMEOUT;
}
