/*
 * Promotions with their deployment records under kill -9, through the raw
 * backend (release_storage_open("file:DIR")).
 *
 * A parent forks, again and again, a writer child that promotes on one
 * file store as the core does: one commit that moves META "active" and
 * puts the next deployment record (kind RELEASE_KIND_DEPLOY, key the seq in
 * decimal, naming the pointer's old and new values). Now and then it also
 * rewrites a large META record, so that compaction runs between kills, and
 * deletes an old deployment record. It reports each acknowledged commit on
 * a pipe. The parent kills it with SIGKILL a random delay after it says it
 * has opened the store (so that a slow start, under a sanitizer, does not
 * eat the delay), then opens
 * the store with a fresh handle and checks:
 *
 * - the deployment records are seqs 1..N without a gap (bar the deleted
 *   ones, which stay deleted), by scan and by get_seq and by key, each
 *   saying it moved the pointer from what the one before moved it to;
 * - N is the last acknowledged seq, or one more (the commit in flight);
 * - the active pointer is what record N moved it to: a promotion's pointer
 *   and record are written together or not at all;
 * - the next promotion succeeds, at seq N + 1.
 *
 * Environment: RELEASE_CRASH_SEED (printed), RELEASE_CRASH_KILLS (default
 * 200), RELEASE_CRASH_MAX_DELAY_US (default 30000), RELEASE_CRASH_KEEP=1.
 */
#include "harness.h"
#include "crash_common.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define APP "web"
#define MAXSEQ 100000
#define NOTE_BYTES 20000

static char dir[512];

static const char *target(uint64_t seq)
{
	static const char *const names[] = {"r1", "r2", "r3"};

	return names[seq % 3];
}

/* A deployment record's bytes: what it moved the pointer from and to, and
 * some padding so that records cross pages. */
static void deploy_data(char *buf, size_t len, uint64_t seq, const char *from, const char *to)
{
	int n = snprintf(buf, len, "seq=%llu from=%s to=%s ", (unsigned long long)seq,
			 from ? from : "-", to);

	memset(buf + n, (int)('a' + seq % 26), len - (size_t)n - 1);
	buf[len - 1] = '\0';
}

struct seen {
	char data[400];
	int found;
};

static int keep(void *payload, uint64_t seq, const char *key, const void *d, size_t len)
{
	struct seen *s = payload;

	(void)seq;
	(void)key;
	snprintf(s->data, sizeof s->data, "%.*s", (int)len, (const char *)d);
	s->found = 1;
	return 0;
}

struct note {
	unsigned char *b;
	size_t len;
};

static int keep_note(void *payload, uint64_t seq, const char *key, const void *d, size_t len)
{
	struct note *n = payload;

	(void)seq;
	(void)key;
	n->len = len < NOTE_BYTES ? len : NOTE_BYTES;
	memcpy(n->b, d, n->len);
	return 0;
}

static int newest(void *payload, uint64_t seq, const char *key, const void *d, size_t len)
{
	(void)key;
	(void)d;
	(void)len;
	*(uint64_t *)payload = seq;
	return 0;
}

/* The writer: promotions until killed. Never returns. */
static void writer(int out, uint64_t seed)
{
	const release_storage *s;
	void *ctx = NULL;
	struct prng rng = {seed};
	char uri[600], key[24], data[300];
	static unsigned char note[NOTE_BYTES], old_note[NOTE_BYTES];

	snprintf(uri, sizeof uri, "file:%s", dir);
	if (release_storage_open(&s, &ctx, uri) != 0 || line_write(out, "R") != 0)
		_exit(2);
	for (;;) {
		struct seen active = {0};
		uint64_t top = 0;
		int rc;

		if ((rc = s->get(ctx, APP, RELEASE_KIND_META, "active", keep, &active)) != 0 &&
		    rc != RELEASE_ENOTFOUND)
			_exit(3);
		if (s->scan(ctx, APP, RELEASE_KIND_DEPLOY, UINT64_MAX, 1, newest, &top) != 0)
			_exit(4);
		{
			const char *to = target(top + 1);
			release_storage_op ops[] = {
				{RELEASE_OP_CAS, RELEASE_KIND_META, "active", 0,
				 active.found ? active.data : NULL,
				 active.found ? strlen(active.data) : 0, to, strlen(to)},
				{RELEASE_OP_PUT, RELEASE_KIND_DEPLOY, key, top + 1, NULL, 0, data, 0},
			};

			snprintf(key, sizeof key, "%llu", (unsigned long long)(top + 1));
			deploy_data(data, sizeof data, top + 1, active.found ? active.data : NULL,
				    to);
			ops[1].len = strlen(data);
			if ((rc = s->commit(ctx, APP, ops, 2, NULL)) != 0)
				_exit(5);
			if (line_write(out, "A %llu", (unsigned long long)(top + 1)) != 0)
				_exit(6);
		}
		/* dead bytes for compaction, and a deletion of an old record */
		if (prng_below(&rng, 4) == 0) {
			struct note cur = {old_note, 0};

			rc = s->get(ctx, APP, RELEASE_KIND_META, "note", keep_note, &cur);
			if (rc != 0 && rc != RELEASE_ENOTFOUND)
				_exit(7);
			memset(note, (int)('a' + prng_below(&rng, 26)), sizeof note);
			if (s->cas(ctx, APP, RELEASE_KIND_META, "note", rc ? NULL : old_note,
				   rc ? 0 : cur.len, note, sizeof note) != 0)
				_exit(8);
		}
		if (top > 10 && top % 10 == 5 && prng_below(&rng, 2) == 0) {
			snprintf(key, sizeof key, "%llu", (unsigned long long)(top - 8));
			if (line_write(out, "d %llu", (unsigned long long)(top - 8)) != 0)
				_exit(9);
			rc = s->del(ctx, APP, RELEASE_KIND_DEPLOY, key);
			if (rc != 0 && rc != RELEASE_ENOTFOUND)
				_exit(10);
			if (rc == 0 && line_write(out, "D %llu", (unsigned long long)(top - 8)) != 0)
				_exit(11);
		}
	}
}

/* Per seq: 0 there, DELETED, or MAYBE (a deletion in flight at a kill). */
enum { THERE, DELETED, MAYBE };
static unsigned char deleted[MAXSEQ + 2];

/* Checks the store against the acknowledgements; returns N. */
static uint64_t verify(uint64_t acked, int kill_no)
{
	const release_storage *s;
	void *ctx = NULL;
	char uri[600], want[300];
	struct seen active = {0};
	uint64_t top = 0;
	const char *from = NULL;

	snprintf(uri, sizeof uri, "file:%s", dir);
	assert_int_equal(release_storage_open(&s, &ctx, uri), 0);
	assert_int_equal(s->scan(ctx, APP, RELEASE_KIND_DEPLOY, UINT64_MAX, 1, newest, &top), 0);
	if (top < acked || top > acked + 1)
		fail_msg("kill %d: the newest deployment record is %llu; %llu was acknowledged",
			 kill_no, (unsigned long long)top, (unsigned long long)acked);
	for (uint64_t seq = 1; seq <= top; seq++) {
		struct seen by_seq = {0}, by_key = {0};
		char key[24];
		int rc = s->get_seq(ctx, APP, RELEASE_KIND_DEPLOY, seq, keep, &by_seq);

		snprintf(key, sizeof key, "%llu", (unsigned long long)seq);
		if (deleted[seq] == MAYBE)
			deleted[seq] = rc == RELEASE_ENOTFOUND ? DELETED : THERE;
		if (rc != (deleted[seq] ? RELEASE_ENOTFOUND : 0))
			fail_msg("kill %d: deployment record %llu: %d (%s)", kill_no,
				 (unsigned long long)seq, rc, s->errmsg(ctx));
		assert_int_equal(s->get(ctx, APP, RELEASE_KIND_DEPLOY, key, keep, &by_key), rc);
		if (rc == 0) {
			deploy_data(want, sizeof want, seq, from, target(seq));
			if (strcmp(by_seq.data, want) != 0 || strcmp(by_key.data, want) != 0)
				fail_msg("kill %d: deployment record %llu reads \"%.60s\", want "
					 "\"%.60s\"", kill_no, (unsigned long long)seq, by_seq.data,
					 want);
		}
		from = target(seq);
	}
	assert_int_equal(s->get(ctx, APP, RELEASE_KIND_META, "active", keep, &active),
			 top ? 0 : RELEASE_ENOTFOUND);
	if (top && strcmp(active.data, target(top)) != 0)
		fail_msg("kill %d: the active pointer is %s, but record %llu moved it to %s",
			 kill_no, active.data, (unsigned long long)top, target(top));
	s->close(ctx);
	return top;
}

static void promotions_and_their_records_survive_kill_9_together(void **state)
{
	uint64_t seed = env_u64("RELEASE_CRASH_SEED", (uint64_t)mono_ns());
	uint64_t kills = env_u64("RELEASE_CRASH_KILLS", 200);
	uint64_t max_delay = env_u64("RELEASE_CRASH_MAX_DELAY_US", 30000);
	struct prng rng = {seed};
	uint64_t acked = 0, in_flight_done = 0;

	(void)state;
	print_message("seed %llu (RELEASE_CRASH_SEED), %llu kills\n", (unsigned long long)seed,
		      (unsigned long long)kills);
	assert_int_equal(tmpdir_make(dir, sizeof dir, "release-deploy-crash"), 0);
	for (uint64_t k = 0; k < kills; k++) {
		int fds[2], status;
		pid_t pid;
		char *out = NULL, *rest, *line;
		size_t len = 0;
		uint64_t top;

		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			writer(fds[1], seed_mix(seed, k));
		}
		close(fds[1]);
		if (read_until_line(fds[0], "R", &out, &len, 10000) != 1) {
			kill(pid, SIGKILL);
			fail_msg("kill %llu: the writer did not open the store", (unsigned long long)k);
		}
		sleep_us(prng_below(&rng, max_delay) + 1000);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status))
			fail_msg("kill %llu: the writer exited with %d before it was killed",
				 (unsigned long long)k, WEXITSTATUS(status));
		rest = read_all(fds[0], 5000);
		close(fds[0]);
		assert_non_null(rest);
		out = realloc(out, len + strlen(rest) + 1);
		assert_non_null(out);
		strcpy(out + len, rest);
		free(rest);
		for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
			uint64_t seq;

			if (line[0] == 'R')
				continue;
			seq = strtoull(line + 2, NULL, 10);
			assert_true(seq <= MAXSEQ);
			if (line[0] == 'A')
				acked = seq;
			else
				deleted[seq] = line[0] == 'D' ? DELETED : MAYBE;
		}
		free(out);
		top = verify(acked, (int)k);
		in_flight_done += top > acked;
		/* the record in flight, when it took effect, is acknowledged now */
		acked = top;
	}
	print_message("%llu promotions; %llu in flight at a kill took effect\n",
		      (unsigned long long)acked, (unsigned long long)in_flight_done);
	/* and the next one goes on from there */
	{
		const release_storage *s;
		void *ctx = NULL;
		char uri[600], key[24], data[300];
		struct seen active = {0};
		release_storage_op ops[2];

		snprintf(uri, sizeof uri, "file:%s", dir);
		assert_int_equal(release_storage_open(&s, &ctx, uri), 0);
		assert_int_equal(s->get(ctx, APP, RELEASE_KIND_META, "active", keep, &active),
				 acked ? 0 : RELEASE_ENOTFOUND);
		snprintf(key, sizeof key, "%llu", (unsigned long long)(acked + 1));
		deploy_data(data, sizeof data, acked + 1, acked ? active.data : NULL,
			    target(acked + 1));
		ops[0] = (release_storage_op){RELEASE_OP_CAS, RELEASE_KIND_META, "active", 0,
					      acked ? active.data : NULL,
					      acked ? strlen(active.data) : 0, target(acked + 1),
					      strlen(target(acked + 1))};
		ops[1] = (release_storage_op){RELEASE_OP_PUT, RELEASE_KIND_DEPLOY, key, acked + 1,
					      NULL, 0, data, strlen(data)};
		assert_int_equal(s->commit(ctx, APP, ops, 2, NULL), 0);
		s->close(ctx);
	}
	assert_int_equal(verify(acked + 1, (int)kills), acked + 1);
	if (!getenv("RELEASE_CRASH_KEEP"))
		tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(promotions_and_their_records_survive_kill_9_together),
	};

	return cmocka_run_group_tests_name("file store: deployment records under kill -9", tests,
					   NULL, NULL);
}
