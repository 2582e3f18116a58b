/*
 * Edges of the file store's repair paths, driven through the raw backend
 * (release_storage_open("file:DIR")).
 *
 * - A compacted log may start far above seq 1: rebuilding its derived files
 *   after damage still succeeds, and the app stays readable and writable.
 * - A replay after a reboot onto a full table of META keys (one deleted and
 *   another added since the last checkpoint) succeeds.
 * - Readers racing an app's first write see "no such record" or the record,
 *   never damage.
 * - With the disk full, records written before stay readable.
 * - A record callback's result is passed back as it is, whatever its value,
 *   and never read as damage (no rebuild).
 * - A derived file that may not be used (group-writable) is refused with
 *   RELEASE_EINVAL, not rebuilt past, whatever errno held before the call.
 */
#include "damage.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int try_backend(const char *dir, struct backend *b)
{
	char uri[600];

	snprintf(uri, sizeof uri, "file:%s", dir);
	b->ctx = NULL;
	return release_storage_open(&b->s, &b->ctx, uri);
}

/* A record callback that copies the record into a struct got. */
struct got {
	int calls;
	uint64_t seq;
	char key[65];
	char data[16];
	size_t len;
};

static int got_fn(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct got *g = payload;

	g->calls++;
	g->seq = seq;
	snprintf(g->key, sizeof g->key, "%s", key);
	g->len = len;
	memcpy(g->data, data, len < sizeof g->data ? len : sizeof g->data);
	return 0;
}

/* Gets (kind, key) and checks its seq and bytes. */
static void expect_record(struct backend *b, const char *app, int kind, const char *key,
			  uint64_t seq, const char *data)
{
	struct got g = {0};

	assert_rc(b, b->s->get(b->ctx, app, kind, key, got_fn, &g), 0);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.seq, seq);
	assert_int_equal(g.len, strlen(data));
	assert_memory_equal(g.data, data, g.len);
}

static void expect_seq(struct backend *b, const char *app, int kind, uint64_t seq,
		       const char *key)
{
	struct got g = {0};

	assert_rc(b, b->s->get_seq(b->ctx, app, kind, seq, got_fn, &g), 0);
	assert_int_equal(g.calls, 1);
	assert_string_equal(g.key, key);
}

/* ------------------------------------------------ compacted far above 1 */

/*
 * The widest gap a put may open above the top. Any put within it must stay
 * repairable, whatever compaction later does with the records below it.
 */
#define PUT_GAP 65536

static void rebuild_of_log_compacted_far_above_seq_1(void **state)
{
	const char *dir = temp_dir();
	static char big[200000]; /* dead bytes enough for compaction */
	const uint64_t high = 1 + PUT_GAP;
	char path[1200];
	struct backend b;
	uint64_t log_gen;

	(void)state;
	memset(big, 'x', sizeof big);
	backend_open(dir, &b);
	assert_rc(&b, b.s->put(b.ctx, "app", RELEASE_KIND_BUILD, "b1", 1, big, sizeof big), 0);
	assert_rc(&b, b.s->put(b.ctx, "app", RELEASE_KIND_BUILD, "b2", high, "y", 1), 0);
	assert_rc(&b, b.s->del(b.ctx, "app", RELEASE_KIND_BUILD, "b1"), 0);
	backend_close(&b);
	/* The delete left most of the log dead: it was compacted, and the new
	 * log's first record is seq `high`. */
	log_gen = gen_file(dir, "app", "log", path, sizeof path);
	assert_true(log_gen > 1);

	/* The key index loses its tail (as after a power loss before its pages
	 * were written): the next call rebuilds from the compacted log. */
	assert_true(gen_file(dir, "app", "keys", path, sizeof path) > 0);
	assert_int_equal(truncate(path, 100), 0);

	backend_open(dir, &b);
	expect_record(&b, "app", RELEASE_KIND_BUILD, "b2", high, "y");
	expect_seq(&b, "app", RELEASE_KIND_BUILD, high, "b2");
	assert_rc(&b, b.s->get(b.ctx, "app", RELEASE_KIND_BUILD, "b1", got_fn, &(struct got){0}),
		  RELEASE_ENOTFOUND);
	assert_rc(&b, b.s->put(b.ctx, "app", RELEASE_KIND_BUILD, "b3", high + 1, "z", 1), 0);
	backend_close(&b);

	backend_open(dir, &b);
	expect_record(&b, "app", RELEASE_KIND_BUILD, "b2", high, "y");
	expect_record(&b, "app", RELEASE_KIND_BUILD, "b3", high + 1, "z");
	backend_close(&b);
}

/* ------------------------------------------------ META keys and reboot */

#define META_KEYS 16 /* the most META records an app may hold */

static void reboot_replays_full_meta_table_after_delete(void **state)
{
	const char *dir = temp_dir();
	struct backend b;
	struct tree t;
	char key[16];
	struct got g = {0};

	(void)state;
	backend_open(dir, &b);
	for (int i = 0; i < META_KEYS - 1; i++) {
		snprintf(key, sizeof key, "m%d", i);
		assert_rc(&b, b.s->cas(b.ctx, "app", RELEASE_KIND_META, key, NULL, 0, "x", 1), 0);
	}
	/* One more key comes and goes, then the last free slot is taken. */
	assert_rc(&b, b.s->cas(b.ctx, "app", RELEASE_KIND_META, "gone", NULL, 0, "x", 1), 0);
	assert_rc(&b, b.s->cas(b.ctx, "app", RELEASE_KIND_META, "gone", "x", 1, NULL, 0), 0);
	assert_rc(&b, b.s->cas(b.ctx, "app", RELEASE_KIND_META, "last", NULL, 0, "y", 1), 0);
	backend_close(&b);

	tree_load(&t, dir);
	tree_fake_reboot(&t, "app");
	tree_store(&t, dir);
	tree_free(&t);

	backend_open(dir, &b);
	expect_record(&b, "app", RELEASE_KIND_META, "m0", 0, "x");
	assert_rc(&b, b.s->put(b.ctx, "app", RELEASE_KIND_BUILD, "b1", 1, "z", 1), 0);
	backend_close(&b);

	backend_open(dir, &b);
	for (int i = 0; i < META_KEYS - 1; i++) {
		snprintf(key, sizeof key, "m%d", i);
		expect_record(&b, "app", RELEASE_KIND_META, key, 0, "x");
	}
	expect_record(&b, "app", RELEASE_KIND_META, "last", 0, "y");
	assert_rc(&b, b.s->get(b.ctx, "app", RELEASE_KIND_META, "gone", got_fn, &g),
		  RELEASE_ENOTFOUND);
	expect_record(&b, "app", RELEASE_KIND_BUILD, "b1", 1, "z");
	backend_close(&b);
}

/* ------------------------------------------------ creation race */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void readers_racing_first_write_never_see_damage(void **state)
{
	const char *dir = temp_dir();
	struct backend r;
	double start = now_s();
	int rounds = 0;

	(void)state;
	backend_open(dir, &r);
	/* A round per new app, for about two seconds. */
	while (rounds < 1000 && now_s() - start < 2.0) {
		char app[32];
		int status, found = 0;
		pid_t pid;

		snprintf(app, sizeof app, "app%d", rounds++);
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct backend w;

			if (try_backend(dir, &w) != 0)
				_exit(2);
			_exit(w.s->put(w.ctx, app, RELEASE_KIND_BUILD, "b1", 1, "x", 1) == 0 ? 0 : 1);
		}
		for (int i = 0; i < 200000 && !found; i++) {
			struct got g = {0};
			int rc = r.s->get_seq(r.ctx, app, RELEASE_KIND_BUILD, 1, got_fn, &g);

			if (rc == 0)
				found = 1;
			else if (rc != RELEASE_ENOTFOUND)
				fail_msg("round %d: a reader got %d: %s", rounds, rc, msg(&r));
		}
		while (waitpid(pid, &status, 0) != pid)
			assert_int_equal(errno, EINTR);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		if (!found)
			expect_seq(&r, app, RELEASE_KIND_BUILD, 1, "b1");
	}
	backend_close(&r);
}

/* ------------------------------------------------ full disk */

struct full_disk {
	const char *dir;
};

/* In a child: fills the disk (a file size limit) with puts; after each
 * acknowledged one, the record written before stays readable, and at the
 * end no acknowledged record reads as absent. */
static int fill_and_read(void *arg)
{
	struct full_disk *fd = arg;
	struct backend b;
	struct rlimit rl = {45000, 45000};
	int rc, i, acked = 0;

	signal(SIGXFSZ, SIG_IGN);
	if (try_backend(fd->dir, &b) != 0)
		return 2;
	if (b.s->put(b.ctx, "app", RELEASE_KIND_BUILD, "old", 1, "x", 1) != 0) {
		soft_fail("put of 'old': %s", msg(&b));
		return 3;
	}
	if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
		return 4;
	for (i = 2; i < 4000; i++) {
		char key[32];
		struct got g = {0};

		snprintf(key, sizeof key, "b%d", i);
		if ((rc = b.s->put(b.ctx, "app", RELEASE_KIND_BUILD, key, (uint64_t)i, "x", 1)) != 0)
			break;
		acked = i;
		if ((rc = b.s->get(b.ctx, "app", RELEASE_KIND_BUILD, "old", got_fn, &g)) != 0) {
			soft_fail("after the put of %s: get of 'old' %d: %s", key, rc, msg(&b));
			return 5;
		}
		if ((rc = b.s->get_seq(b.ctx, "app", RELEASE_KIND_BUILD, 1, got_fn, &g)) != 0) {
			soft_fail("after the put of %s: get_seq of 'old' %d: %s", key, rc, msg(&b));
			return 6;
		}
	}
	if (i == 4000) {
		soft_fail("the disk never filled up");
		return 7;
	}
	/* Every acknowledged record, even one whose index entry the full disk
	 * kept out, is read or the read fails: never "not found", never left
	 * out of a listing that succeeds. */
	for (i = 1; i <= acked; i++) {
		char key[32];
		struct got g = {0};

		snprintf(key, sizeof key, i == 1 ? "old" : "b%d", i);
		rc = b.s->get(b.ctx, "app", RELEASE_KIND_BUILD, key, got_fn, &g);
		if (rc == RELEASE_ENOTFOUND || (rc == 0 && g.seq != (uint64_t)i)) {
			soft_fail("with the disk full, get of acknowledged %s: %d: %s", key, rc, msg(&b));
			return 8;
		}
		rc = b.s->get_seq(b.ctx, "app", RELEASE_KIND_BUILD, (uint64_t)i, got_fn, &g);
		if (rc == RELEASE_ENOTFOUND) {
			soft_fail("with the disk full, get_seq of acknowledged %d: not found", i);
			return 9;
		}
	}
	{
		struct got g = {0};

		rc = b.s->scan(b.ctx, "app", RELEASE_KIND_BUILD, UINT64_MAX, (size_t)acked + 1, got_fn,
			       &g);
		if (rc == 0 && g.calls != acked) {
			soft_fail("with the disk full, a scan succeeded with %d of %d records", g.calls,
				  acked);
			return 10;
		}
	}
	b.s->close(b.ctx);
	return 0;
}

static void reads_while_disk_full_keep_old_records_and_never_miss_new_ones(void **state)
{
	struct full_disk fd = {temp_dir()};

	(void)state;
	assert_int_equal(in_child(fill_and_read, &fd, 60), 0);
}

/* ------------------------------------------------ callback results */

#define ODD_RESULT (-1000)

static int odd_fn(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	(void)seq;
	(void)key;
	(void)data;
	(void)len;
	++*(int *)payload;
	return ODD_RESULT;
}

struct gens {
	uint64_t log, bld, rel, keys;
};

static void gens_of(const char *dir, struct gens *g)
{
	char path[1200];

	g->log = gen_file(dir, "app", "log", path, sizeof path);
	g->bld = gen_file(dir, "app", "bld", path, sizeof path);
	g->rel = gen_file(dir, "app", "rel", path, sizeof path);
	g->keys = gen_file(dir, "app", "keys", path, sizeof path);
}

static void callback_result_passed_back_without_rebuild(void **state)
{
	const char *dir = temp_dir();
	struct backend b;
	struct gens before, after;
	int calls;

	(void)state;
	backend_open(dir, &b);
	assert_rc(&b, b.s->put(b.ctx, "app", RELEASE_KIND_BUILD, "b1", 1, "x", 1), 0);
	gens_of(dir, &before);

	calls = 0;
	assert_int_equal(b.s->get(b.ctx, "app", RELEASE_KIND_BUILD, "b1", odd_fn, &calls),
			 ODD_RESULT);
	assert_int_equal(calls, 1);
	calls = 0;
	assert_int_equal(b.s->get_seq(b.ctx, "app", RELEASE_KIND_BUILD, 1, odd_fn, &calls),
			 ODD_RESULT);
	assert_int_equal(calls, 1);
	calls = 0;
	assert_int_equal(
		b.s->scan(b.ctx, "app", RELEASE_KIND_BUILD, UINT64_MAX, 10, odd_fn, &calls),
		ODD_RESULT);
	assert_int_equal(calls, 1);
	backend_close(&b);

	/* Nothing was rebuilt: the derived files are the same generations. */
	gens_of(dir, &after);
	assert_memory_equal(&before, &after, sizeof before);
}

/* ------------------------------------------------ unusable derived file */

static void group_writable_index_refused_whatever_errno(void **state)
{
	static const int errnos[] = {0, ENOENT, EACCES};
	const char *dir = temp_dir();
	char path[1200];
	struct backend b;
	struct stat st;
	uint64_t gen;

	(void)state;
	backend_open(dir, &b);
	assert_rc(&b, b.s->put(b.ctx, "app", RELEASE_KIND_BUILD, "b1", 1, "x", 1), 0);
	backend_close(&b);
	gen = gen_file(dir, "app", "bld", path, sizeof path);
	assert_true(gen > 0);
	assert_int_equal(chmod(path, 0660), 0);

	for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++) {
		struct got g = {0};
		int rc;

		set_ctx("errno %d before the call", errnos[i]);
		backend_open(dir, &b); /* a fresh handle: nothing open yet */
		errno = errnos[i];
		rc = b.s->get(b.ctx, "app", RELEASE_KIND_BUILD, "b1", got_fn, &g);
		if (rc != RELEASE_EINVAL)
			fail_msg("%s: get %d: %s", damage_ctx, rc, msg(&b));
		errno = errnos[i];
		rc = b.s->get_seq(b.ctx, "app", RELEASE_KIND_BUILD, 1, got_fn, &g);
		if (rc != RELEASE_EINVAL)
			fail_msg("%s: get_seq %d: %s", damage_ctx, rc, msg(&b));
		assert_int_equal(g.calls, 0);
		backend_close(&b);
	}
	/* Refused, not rebuilt past: the file is where it was, as it was. */
	assert_int_equal(gen_file(dir, "app", "bld", path, sizeof path), gen);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rebuild_of_log_compacted_far_above_seq_1),
		cmocka_unit_test(reboot_replays_full_meta_table_after_delete),
		cmocka_unit_test(readers_racing_first_write_never_see_damage),
		cmocka_unit_test(reads_while_disk_full_keep_old_records_and_never_miss_new_ones),
		cmocka_unit_test(callback_result_passed_back_without_rebuild),
		cmocka_unit_test(group_writable_index_refused_whatever_errno),
	};

	if (getenv("DAMAGE_FILTER"))
		cmocka_set_test_filter(getenv("DAMAGE_FILTER"));
	return cmocka_run_group_tests_name("file-store damage: edges of the repair paths", tests,
					   NULL, NULL);
}
