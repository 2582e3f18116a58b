/*
 * The storage vtable's version-2 contract, checked directly on the raw
 * backend: commit() and holds. A backend without a method skips its tests
 * (version 1, or a version-2 backend that leaves it NULL).
 */
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct raw_backend {
	const release_storage *st;
	void *ctx;
	char uri[1200]; /* to open the same store again */
};

static int setup(void **state)
{
	struct raw_backend *b = calloc(1, sizeof *b);

	assert_non_null(b);
	snprintf(b->uri, sizeof b->uri, "%s", test_store_uri());
	assert_ok(test_storage_open(&b->st, &b->ctx, b->uri));
	*state = b;
	return 0;
}

static int teardown(void **state)
{
	struct raw_backend *b = *state;

	b->st->close(b->ctx);
	free(b);
	return 0;
}

#define M RELEASE_KIND_META
#define B RELEASE_KIND_BUILD
#define R RELEASE_KIND_RELEASE

static void need_commit(const struct raw_backend *b)
{
	if (!test_storage_has(b->st, commit))
		skip();
}

static void need_holds(const struct raw_backend *b)
{
	if (!test_storage_has(b->st, hold))
		skip();
	assert_non_null(b->st->unhold);
	assert_non_null(b->st->held);
}

/* ---- reading records back */

struct got {
	int n;
	uint64_t seq;
	char key[65];
	unsigned char data[RELEASE_HOLD_INFO_MAX];
	size_t len;
};

static int keep(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct got *g = payload;

	g->n++;
	g->seq = seq;
	snprintf(g->key, sizeof g->key, "%s", key);
	assert_true(len <= sizeof g->data);
	memcpy(g->data, data, len);
	g->len = len;
	return 0;
}

/* The record holds exactly bytes (a string), at seq. */
static void assert_record(struct raw_backend *b, const char *app, int kind, const char *key,
			  uint64_t seq, const char *bytes)
{
	struct got g = {0};
	int rc = b->st->get(b->ctx, app, kind, key, keep, &g);

	if (rc != 0)
		fail_msg("record %s/%d/%s: get -> %d (%s)", app, kind, key, rc, release_strerror(rc));
	assert_int_equal(g.n, 1);
	assert_int_equal(g.seq, seq);
	assert_int_equal(g.len, strlen(bytes));
	assert_memory_equal(g.data, bytes, g.len);
}

static void assert_absent(struct raw_backend *b, const char *app, int kind, const char *key)
{
	struct got g = {0};

	assert_int_equal(b->st->get(b->ctx, app, kind, key, keep, &g), RELEASE_ENOTFOUND);
}

static int count_one(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	(void)seq;
	(void)key;
	(void)data;
	(void)len;
	(*(size_t *)payload)++;
	return 0;
}

static size_t count_kind(struct raw_backend *b, const char *app, int kind)
{
	size_t n = 0;

	assert_ok(b->st->scan(b->ctx, app, kind, UINT64_MAX, 100000, count_one, &n));
	return n;
}

static void put(struct raw_backend *b, const char *app, int kind, const char *key, uint64_t seq)
{
	assert_ok(b->st->put(b->ctx, app, kind, key, seq, key, strlen(key)));
}

/* ---- operations of a commit; bytes are strings */

static release_storage_op op_put(int kind, const char *key, uint64_t seq, const char *data)
{
	release_storage_op o = {RELEASE_OP_PUT, kind, key, seq, NULL, 0, data, strlen(data)};

	return o;
}

static release_storage_op op_cas(int kind, const char *key, const char *old, const char *data)
{
	release_storage_op o = {RELEASE_OP_CAS, kind, key, 0, old, old ? strlen(old) : 0,
				data, data ? strlen(data) : 0};

	return o;
}

static release_storage_op op_del(int kind, const char *key)
{
	release_storage_op o = {RELEASE_OP_DEL, kind, key, 0, NULL, 0, NULL, 0};

	return o;
}

static release_storage_op op_check(int kind, const char *key, const char *old)
{
	release_storage_op o = {RELEASE_OP_CHECK, kind, key, 0, old, old ? strlen(old) : 0,
				NULL, 0};

	return o;
}

#define N_OPS(ops) (sizeof(ops) / sizeof *(ops))

/* ---- commit */

static void commit_applies_every_operation(void **state)
{
	struct raw_backend *b = *state;
	size_t failed = 99;

	need_commit(b);
	put(b, "app", R, "R1", 1);
	{
		release_storage_op ops[] = {
			op_put(R, "R2", 2, "two"),
			op_put(R, "R3", 3, "three"),
			op_cas(R, "R1", "R1", "one"),
			op_cas(M, "active", NULL, "R3"),
			op_check(M, "lease", NULL),
		};

		assert_ok(b->st->commit(b->ctx, "app", ops, N_OPS(ops), &failed));
	}
	assert_record(b, "app", R, "R1", 1, "one");
	assert_record(b, "app", R, "R2", 2, "two");
	assert_record(b, "app", R, "R3", 3, "three");
	assert_record(b, "app", M, "active", 0, "R3");
	assert_int_equal(count_kind(b, "app", R), 3);
}

static void commit_spans_the_kinds_of_an_app(void **state)
{
	struct raw_backend *b = *state;
	release_storage_op ops[] = {
		op_cas(M, "app", NULL, "created"),
		op_put(B, "B1", 1, "build"),
		op_put(R, "R1", 1, "release"),
		op_cas(B, "B1", "build", "build of R1"),
		op_cas(M, "active", NULL, "R1"),
	};

	need_commit(b);
	assert_ok(b->st->commit(b->ctx, "app", ops, N_OPS(ops), NULL));
	assert_record(b, "app", M, "app", 0, "created");
	assert_record(b, "app", B, "B1", 1, "build of R1");
	assert_record(b, "app", R, "R1", 1, "release");
	assert_record(b, "app", M, "active", 0, "R1");
	assert_absent(b, "other", R, "R1");
}

/* Two operations that would apply, then a third that fails with code:
 * nothing is applied and *failed is 2. */
static void third_operation_fails(struct raw_backend *b, release_storage_op third, int code)
{
	release_storage_op ops[3];
	size_t failed = 99;

	put(b, "app", R, "OLD", 1);
	assert_ok(b->st->cas(b->ctx, "app", M, "active", NULL, 0, "OLD", 3));
	ops[0] = op_put(R, "NEW", 2, "NEW");
	ops[1] = op_cas(M, "active", "OLD", "NEW");
	ops[2] = third;
	assert_int_equal(b->st->commit(b->ctx, "app", ops, 3, &failed), code);
	assert_int_equal(failed, 2);
	assert_absent(b, "app", R, "NEW");
	assert_record(b, "app", M, "active", 0, "OLD");
	assert_record(b, "app", R, "OLD", 1, "OLD");
	assert_int_equal(count_kind(b, "app", R), 1);
	/* seq 2 was never taken */
	put(b, "app", R, "LATER", 2);
}

static void a_put_on_a_taken_seq_fails_the_whole_commit(void **state)
{
	need_commit(*state);
	third_operation_fails(*state, op_put(R, "OTHER", 1, "x"), RELEASE_ECONFLICT);
}

static void a_put_on_a_taken_key_fails_the_whole_commit(void **state)
{
	need_commit(*state);
	third_operation_fails(*state, op_put(R, "OLD", 9, "x"), RELEASE_ECONFLICT);
}

static void a_cas_with_the_wrong_old_bytes_fails_the_whole_commit(void **state)
{
	need_commit(*state);
	third_operation_fails(*state, op_cas(R, "OLD", "WRONG", "x"), RELEASE_ECONFLICT);
}

static void a_failed_check_fails_the_whole_commit(void **state)
{
	need_commit(*state);
	third_operation_fails(*state, op_check(R, "OLD", "WRONG"), RELEASE_ECONFLICT);
}

static void a_check_for_absence_of_a_present_record_fails_the_whole_commit(void **state)
{
	need_commit(*state);
	third_operation_fails(*state, op_check(R, "OLD", NULL), RELEASE_ECONFLICT);
}

static void a_del_of_an_absent_record_fails_the_whole_commit(void **state)
{
	need_commit(*state);
	third_operation_fails(*state, op_del(R, "GHOST"), RELEASE_ENOTFOUND);
}

/* Each operation sees the records as the earlier ones left them. */
static void later_operations_see_what_earlier_ones_did(void **state)
{
	struct raw_backend *b = *state;
	release_storage_op ops[] = {
		op_cas(R, "A", "a", "b"),
		op_check(R, "A", "b"),
		op_del(R, "A"),
		op_check(R, "A", NULL),
		op_put(R, "C", 1, "c"), /* A's seq, free again */
		op_put(R, "A", 2, "a again"),
		op_cas(M, "lease", NULL, "x"),
		op_cas(M, "lease", "x", "y"),
		op_cas(M, "lease", "y", NULL),
		op_check(M, "lease", NULL),
	};

	need_commit(b);
	assert_ok(b->st->put(b->ctx, "app", R, "A", 1, "a", 1));
	assert_ok(b->st->commit(b->ctx, "app", ops, N_OPS(ops), NULL));
	assert_record(b, "app", R, "C", 1, "c");
	assert_record(b, "app", R, "A", 2, "a again");
	assert_absent(b, "app", M, "lease");
	assert_int_equal(count_kind(b, "app", R), 2);
}

/* What an earlier operation took, a later one cannot take. */
static void a_seq_taken_earlier_in_the_commit_is_taken(void **state)
{
	struct raw_backend *b = *state;
	release_storage_op ops[] = {
		op_put(R, "C", 5, "c"),
		op_put(R, "D", 5, "d"),
	};
	size_t failed = 99;

	need_commit(b);
	assert_int_equal(b->st->commit(b->ctx, "app", ops, N_OPS(ops), &failed),
			 RELEASE_ECONFLICT);
	assert_int_equal(failed, 1);
	assert_absent(b, "app", R, "C");
	assert_int_equal(count_kind(b, "app", R), 0);
}

/* In a commit, CAS with data NULL deletes records of any kind. */
static void a_cas_in_a_commit_deletes_an_ordered_record(void **state)
{
	struct raw_backend *b = *state;
	release_storage_op gone[] = {op_cas(R, "A", "A", NULL)};
	release_storage_op wrong[] = {op_cas(R, "B", "not B", NULL)};
	size_t failed = 99;

	need_commit(b);
	put(b, "app", R, "A", 1);
	put(b, "app", R, "B", 2);
	assert_int_equal(b->st->commit(b->ctx, "app", wrong, 1, &failed), RELEASE_ECONFLICT);
	assert_int_equal(failed, 0);
	assert_record(b, "app", R, "B", 2, "B");
	assert_ok(b->st->commit(b->ctx, "app", gone, 1, NULL));
	assert_absent(b, "app", R, "A");
	assert_int_equal(count_kind(b, "app", R), 1);
	put(b, "app", R, "A2", 1); /* its seq is free */
}

static void a_commit_of_no_operations_is_einval(void **state)
{
	struct raw_backend *b = *state;
	release_storage_op op = op_put(R, "A", 1, "a");
	size_t failed = 99;

	need_commit(b);
	assert_int_equal(b->st->commit(b->ctx, "app", &op, 0, &failed), RELEASE_EINVAL);
	assert_int_equal(failed, 0);
	assert_absent(b, "app", R, "A");
}

/* n puts of ordered records K1..Kn. */
static release_storage_op *many_puts(size_t n, char (**keys)[16])
{
	release_storage_op *ops = calloc(n, sizeof *ops);

	assert_non_null(ops);
	assert_non_null(*keys = calloc(n, sizeof **keys));
	for (size_t i = 0; i < n; i++) {
		snprintf((*keys)[i], sizeof **keys, "K%zu", i + 1);
		ops[i] = op_put(R, (*keys)[i], i + 1, (*keys)[i]);
	}
	return ops;
}

static void a_commit_of_more_than_commit_max_operations_is_einval(void **state)
{
	struct raw_backend *b = *state;
	char(*keys)[16];
	release_storage_op *ops;
	size_t failed = 99;

	need_commit(b);
	ops = many_puts(RELEASE_COMMIT_MAX + 1, &keys);
	assert_int_equal(b->st->commit(b->ctx, "app", ops, RELEASE_COMMIT_MAX + 1, &failed),
			 RELEASE_EINVAL);
	assert_int_equal(failed, RELEASE_COMMIT_MAX + 1);
	assert_int_equal(count_kind(b, "app", R), 0);
	free(ops);
	free(keys);
}

static void a_commit_of_commit_max_operations_is_applied(void **state)
{
	struct raw_backend *b = *state;
	char(*keys)[16];
	release_storage_op *ops;

	need_commit(b);
	ops = many_puts(RELEASE_COMMIT_MAX, &keys);
	assert_ok(b->st->commit(b->ctx, "app", ops, RELEASE_COMMIT_MAX, NULL));
	assert_int_equal(count_kind(b, "app", R), RELEASE_COMMIT_MAX);
	assert_record(b, "app", R, keys[RELEASE_COMMIT_MAX - 1], RELEASE_COMMIT_MAX,
		      keys[RELEASE_COMMIT_MAX - 1]);
	free(ops);
	free(keys);
}

/* ---- holds */

/* A second raw handle on b's store, as another process has; of a backend
 * whose every open is a store of its own (memory:), b itself. */
static struct raw_backend *other_holder(struct raw_backend *b)
{
	struct raw_backend *o = calloc(1, sizeof *o);
	struct got g = {0};

	assert_non_null(o);
	memcpy(o->uri, b->uri, sizeof o->uri);
	assert_ok(test_storage_open(&o->st, &o->ctx, o->uri));
	put(b, "probe", M, "probe", 0);
	if (o->st->get(o->ctx, "probe", M, "probe", keep, &g) == RELEASE_ENOTFOUND) {
		o->st->close(o->ctx);
		free(o);
		o = b;
	}
	assert_ok(b->st->del(b->ctx, "probe", M, "probe"));
	return o;
}

static void other_holder_free(struct raw_backend *b, struct raw_backend *o)
{
	if (o != b) {
		o->st->close(o->ctx);
		free(o);
	}
}

static void hold(struct raw_backend *b, const char *app, const char *info, void **h)
{
	*h = NULL;
	assert_ok(b->st->hold(b->ctx, app, info, strlen(info), h));
}

static void held_shows_the_holders_info(void **state)
{
	struct raw_backend *b = *state, *o;
	const char *info = "owner=deploy-7 host=ci-3 started=1546300800";
	struct got g = {0};
	void *h;

	need_holds(b);
	o = other_holder(b);
	hold(b, "web", info, &h);
	assert_ok(o->st->held(o->ctx, "web", keep, &g));
	assert_int_equal(g.n, 1);
	assert_int_equal(g.seq, 0);
	assert_string_equal(g.key, "hold");
	assert_int_equal(g.len, strlen(info));
	assert_memory_equal(g.data, info, g.len);
	b->st->unhold(b->ctx, h);
	other_holder_free(b, o);
}

static void held_shows_info_of_the_longest_length(void **state)
{
	struct raw_backend *b = *state;
	unsigned char info[RELEASE_HOLD_INFO_MAX];
	struct got g = {0};
	void *h = NULL;

	need_holds(b);
	for (size_t i = 0; i < sizeof info; i++)
		info[i] = (unsigned char)('a' + i % 26);
	assert_ok(b->st->hold(b->ctx, "web", info, sizeof info, &h));
	assert_ok(b->st->held(b->ctx, "web", keep, &g));
	assert_int_equal(g.len, sizeof info);
	assert_memory_equal(g.data, info, sizeof info);
	b->st->unhold(b->ctx, h);
}

static void a_held_app_is_busy_to_another_holder(void **state)
{
	struct raw_backend *b = *state, *o;
	struct got g = {0};
	void *h, *h2 = NULL;

	need_holds(b);
	o = other_holder(b);
	hold(b, "web", "first", &h);
	assert_int_equal(o->st->hold(o->ctx, "web", "second", 6, &h2), RELEASE_EBUSY);
	assert_ok(o->st->held(o->ctx, "web", keep, &g));
	assert_memory_equal(g.data, "first", 5);
	b->st->unhold(b->ctx, h);
	other_holder_free(b, o);
}

static void unhold_frees_the_app(void **state)
{
	struct raw_backend *b = *state, *o;
	struct got g = {0};
	void *h, *h2;

	need_holds(b);
	o = other_holder(b);
	hold(b, "web", "first", &h);
	b->st->unhold(b->ctx, h);
	assert_int_equal(o->st->held(o->ctx, "web", keep, &g), RELEASE_ENOTFOUND);
	assert_int_equal(g.n, 0);
	hold(o, "web", "second", &h2);
	assert_ok(b->st->held(b->ctx, "web", keep, &g));
	assert_memory_equal(g.data, "second", 6);
	o->st->unhold(o->ctx, h2);
	other_holder_free(b, o);
}

static void held_of_a_free_app_is_enotfound(void **state)
{
	struct raw_backend *b = *state;
	struct got g = {0};

	need_holds(b);
	assert_int_equal(b->st->held(b->ctx, "web", keep, &g), RELEASE_ENOTFOUND);
	put(b, "web", M, "app", 0);
	assert_int_equal(b->st->held(b->ctx, "web", keep, &g), RELEASE_ENOTFOUND);
	assert_int_equal(g.n, 0);
}

static void holds_of_different_apps_are_independent(void **state)
{
	struct raw_backend *b = *state;
	struct got g = {0};
	void *web, *api;

	need_holds(b);
	hold(b, "web", "web's", &web);
	hold(b, "api", "api's", &api);
	b->st->unhold(b->ctx, web);
	assert_int_equal(b->st->held(b->ctx, "web", keep, &g), RELEASE_ENOTFOUND);
	assert_ok(b->st->held(b->ctx, "api", keep, &g));
	assert_memory_equal(g.data, "api's", 5);
	b->st->unhold(b->ctx, api);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A child process takes web's hold and tells the parent over fd; it never
 * gives it back. */
static void hold_in_child(const char *uri, int fd)
{
	const release_storage *st;
	void *ctx, *h = NULL;
	char ok = 'E';

	if (test_storage_open(&st, &ctx, uri) == 0 &&
	    st->hold(ctx, "web", "child", 5, &h) == 0)
		ok = 'H';
	if (write(fd, &ok, 1) != 1 || ok != 'H')
		_exit(1);
	for (;;)
		pause();
}

/* No crash can leave an app held: a holder killed with SIGKILL frees it,
 * for others to take, within a second. */
static void a_hold_ends_within_a_second_of_its_holder_being_killed(void **state)
{
	struct raw_backend *b = *state, *o;
	struct timespec killed;
	struct got g = {0};
	int fds[2], rc = 0, status, shared;
	pid_t pid;
	char ok = 0;
	void *h = NULL;

	need_holds(b);
	o = other_holder(b);
	shared = o != b;
	other_holder_free(b, o);
	if (!shared)
		skip(); /* every open is a store of its own: no other process shares it */
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		hold_in_child(b->uri, fds[1]);
	}
	close(fds[1]);
	while (read(fds[0], &ok, 1) < 0 && errno == EINTR)
		;
	close(fds[0]);
	if (ok != 'H') {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("the child could not take the hold");
	}
	assert_ok(b->st->held(b->ctx, "web", keep, &g));
	assert_memory_equal(g.data, "child", 5);
	assert_int_equal(b->st->hold(b->ctx, "web", "parent", 6, &h), RELEASE_EBUSY);

	clock_gettime(CLOCK_MONOTONIC, &killed);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	while (seconds_since(&killed) < 1.0 &&
	       (rc = b->st->held(b->ctx, "web", keep, &g)) == 0)
		usleep(10000);
	if (rc != RELEASE_ENOTFOUND)
		fail_msg("the killed holder's hold was still there after %.2f s (held -> %d)",
			 seconds_since(&killed), rc);
	hold(b, "web", "parent", &h);
	b->st->unhold(b->ctx, h);
}

/* ---- the memory backend at its door */

static void the_memory_backend_refuses_invalid_commits_and_holds(void **state)
{
	const release_storage *st;
	void *ctx, *h = &h;
	unsigned char big[RELEASE_HOLD_INFO_MAX + 1] = {0};
	release_storage_op ops[2] = {op_put(R, "A", 1, "a"), op_put(R, "B", 2, "b")};
	size_t failed = 99;
	size_t n = 0;
	struct got g = {0};

	(void)state;
	assert_ok(release_storage_open(&st, &ctx, "memory:"));
	assert_int_equal(st->commit(ctx, "../x", ops, 2, &failed), RELEASE_EINVAL);
	assert_int_equal(failed, 2);
	assert_int_equal(st->commit(ctx, "app", NULL, 2, &failed), RELEASE_EINVAL);
	ops[1].key = "a/b";
	assert_int_equal(st->commit(ctx, "app", ops, 2, &failed), RELEASE_EINVAL);
	assert_int_equal(failed, 1);
	ops[1] = op_put(M, "meta", 3, "seq on a META record");
	assert_int_equal(st->commit(ctx, "app", ops, 2, &failed), RELEASE_EINVAL);
	assert_int_equal(failed, 1);
	ops[1] = op_cas(R, "C", NULL, "an ordered record needs PUT and a seq");
	assert_int_equal(st->commit(ctx, "app", ops, 2, &failed), RELEASE_EINVAL);
	assert_int_equal(failed, 1);
	ops[1].op = 99;
	assert_int_equal(st->commit(ctx, "app", ops, 2, &failed), RELEASE_EINVAL);
	assert_int_equal(failed, 1);
	assert_ok(st->scan(ctx, "app", R, UINT64_MAX, 10, count_one, &n));
	assert_int_equal(n, 0);

	assert_int_equal(st->hold(ctx, "../x", "i", 1, &h), RELEASE_EINVAL);
	assert_null(h);
	assert_int_equal(st->hold(ctx, "app", big, sizeof big, &h), RELEASE_EINVAL);
	assert_int_equal(st->hold(ctx, "app", "i", 1, NULL), RELEASE_EINVAL);
	assert_int_equal(st->held(ctx, "UPPER", keep, &g), RELEASE_EINVAL);
	assert_int_equal(st->held(ctx, "app", keep, &g), RELEASE_ENOTFOUND);
	assert_int_equal(g.n, 0);
	st->close(ctx);
}

/* A hold still taken when the store closes goes with it. */
static void closing_the_memory_backend_ends_its_holds(void **state)
{
	const release_storage *st;
	void *ctx, *h = NULL;

	(void)state;
	assert_ok(release_storage_open(&st, &ctx, "memory:"));
	assert_ok(st->hold(ctx, "app", "i", 1, &h));
	st->close(ctx); /* LeakSanitizer and valgrind watch */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(commit_applies_every_operation),
		T(commit_spans_the_kinds_of_an_app),
		T(a_put_on_a_taken_seq_fails_the_whole_commit),
		T(a_put_on_a_taken_key_fails_the_whole_commit),
		T(a_cas_with_the_wrong_old_bytes_fails_the_whole_commit),
		T(a_failed_check_fails_the_whole_commit),
		T(a_check_for_absence_of_a_present_record_fails_the_whole_commit),
		T(a_del_of_an_absent_record_fails_the_whole_commit),
		T(later_operations_see_what_earlier_ones_did),
		T(a_seq_taken_earlier_in_the_commit_is_taken),
		T(a_cas_in_a_commit_deletes_an_ordered_record),
		T(a_commit_of_no_operations_is_einval),
		T(a_commit_of_more_than_commit_max_operations_is_einval),
		T(a_commit_of_commit_max_operations_is_applied),
		T(held_shows_the_holders_info),
		T(held_shows_info_of_the_longest_length),
		T(a_held_app_is_busy_to_another_holder),
		T(unhold_frees_the_app),
		T(held_of_a_free_app_is_enotfound),
		T(holds_of_different_apps_are_independent),
		T(a_hold_ends_within_a_second_of_its_holder_being_killed),
		cmocka_unit_test(the_memory_backend_refuses_invalid_commits_and_holds),
		cmocka_unit_test(closing_the_memory_backend_ends_its_holds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
