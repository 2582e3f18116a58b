/*
 * Storage version 3's deployment log at the vtable: records of
 * RELEASE_KIND_DEPLOY are kept as builds and releases are (put, get,
 * get_seq, scan newest first, cas, del, commit), apart from the other
 * kinds. Run against the backend RELEASE_TEST_STORE names: the memory
 * backend, and PostgreSQL under pg_server.py.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPLOY RELEASE_KIND_DEPLOY

struct opened {
	const release_storage *st;
	void *ctx;
};

static int setup(void **state)
{
	struct opened *o = calloc(1, sizeof *o);

	assert_non_null(o);
	assert_ok(test_storage_open(&o->st, &o->ctx, test_store_uri()));
	*state = o;
	return 0;
}

static int teardown(void **state)
{
	struct opened *o = *state;

	o->st->close(o->ctx);
	free(o);
	return 0;
}

/* What a record callback saw: up to 16 records. */
struct seen {
	size_t n;
	uint64_t seq[16];
	char key[16][65];
	char data[16][64];
	size_t len[16];
};

static int see(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct seen *s = payload;

	assert_true(s->n < 16 && len < 64 && strlen(key) <= 64);
	s->seq[s->n] = seq;
	strcpy(s->key[s->n], key);
	memcpy(s->data[s->n], data, len);
	s->data[s->n][len] = '\0';
	s->len[s->n++] = len;
	return 0;
}

static int put(struct opened *o, const char *app, int kind, uint64_t seq, const char *data)
{
	char key[24];

	snprintf(key, sizeof key, "%llu", (unsigned long long)seq);
	return o->st->put(o->ctx, app, kind, key, seq, data, strlen(data));
}

/* The bytes of (app, DEPLOY, key), or "(none)" (static buffer). */
static const char *deploy_bytes(struct opened *o, const char *app, const char *key)
{
	static struct seen s;
	int rc;

	memset(&s, 0, sizeof s);
	rc = o->st->get(o->ctx, app, DEPLOY, key, see, &s);
	if (rc == RELEASE_ENOTFOUND)
		return "(none)";
	assert_int_equal(rc, 0);
	return s.data[0];
}

/* ---- the tests */

static void the_backend_is_of_storage_version_3(void **state)
{
	struct opened *o = *state;

	assert_int_equal(o->st->version, 3);
	assert_non_null(o->st->commit);
}

static void deploy_records_are_stored_and_read_back_by_key(void **state)
{
	struct opened *o = *state;
	struct seen s = {0};

	assert_ok(put(o, "myapp", DEPLOY, 1, "first"));
	assert_ok(o->st->get(o->ctx, "myapp", DEPLOY, "1", see, &s));
	assert_int_equal(s.n, 1);
	assert_int_equal(s.seq[0], 1);
	assert_string_equal(s.key[0], "1");
	assert_string_equal(s.data[0], "first");
	assert_int_equal(o->st->get(o->ctx, "myapp", DEPLOY, "2", see, &s), RELEASE_ENOTFOUND);
}

static void a_scan_of_deploy_records_is_newest_first_below_before(void **state)
{
	struct opened *o = *state;
	struct seen s = {0};

	for (uint64_t seq = 1; seq <= 5; seq++) {
		char data[16];

		snprintf(data, sizeof data, "entry %llu", (unsigned long long)seq);
		assert_ok(put(o, "myapp", DEPLOY, seq, data));
	}
	assert_ok(o->st->scan(o->ctx, "myapp", DEPLOY, 5, 3, see, &s));
	assert_int_equal(s.n, 3);
	assert_int_equal(s.seq[0], 4);
	assert_int_equal(s.seq[1], 3);
	assert_int_equal(s.seq[2], 2);
	assert_string_equal(s.key[0], "4");
	assert_string_equal(s.data[2], "entry 2");
	memset(&s, 0, sizeof s);
	assert_ok(o->st->scan(o->ctx, "myapp", DEPLOY, UINT64_MAX, 16, see, &s));
	assert_int_equal(s.n, 5);
	assert_int_equal(s.seq[0], 5);
	assert_int_equal(s.seq[4], 1);
}

static void get_seq_finds_a_deploy_record_by_its_seq(void **state)
{
	struct opened *o = *state;
	struct seen s = {0};

	assert_ok(put(o, "myapp", DEPLOY, 1, "one"));
	assert_ok(put(o, "myapp", DEPLOY, 3, "three")); /* 2 absent */
	assert_non_null(o->st->get_seq);
	assert_ok(o->st->get_seq(o->ctx, "myapp", DEPLOY, 3, see, &s));
	assert_int_equal(s.n, 1);
	assert_string_equal(s.key[0], "3");
	assert_string_equal(s.data[0], "three");
	assert_int_equal(o->st->get_seq(o->ctx, "myapp", DEPLOY, 2, see, &s), RELEASE_ENOTFOUND);
}

static void a_taken_deploy_seq_or_key_is_a_conflict(void **state)
{
	struct opened *o = *state;

	assert_ok(put(o, "myapp", DEPLOY, 1, "first"));
	assert_int_equal(put(o, "myapp", DEPLOY, 1, "again"), RELEASE_ECONFLICT);
	assert_int_equal(o->st->put(o->ctx, "myapp", DEPLOY, "other", 1, "x", 1),
			 RELEASE_ECONFLICT);
	assert_int_equal(o->st->put(o->ctx, "myapp", DEPLOY, "1", 2, "x", 1), RELEASE_ECONFLICT);
	assert_string_equal(deploy_bytes(o, "myapp", "1"), "first");
}

static void a_deploy_record_needs_a_seq(void **state)
{
	struct opened *o = *state;

	assert_int_equal(o->st->put(o->ctx, "myapp", DEPLOY, "1", 0, "x", 1), RELEASE_EINVAL);
	assert_string_equal(deploy_bytes(o, "myapp", "1"), "(none)");
}

/* The same seq and key in each ordered kind: three records, each scanned
 * with its own kind only. */
static void deploy_records_are_apart_from_builds_and_releases(void **state)
{
	struct opened *o = *state;
	struct seen s = {0};

	assert_ok(put(o, "myapp", RELEASE_KIND_BUILD, 1, "build"));
	assert_ok(put(o, "myapp", RELEASE_KIND_RELEASE, 1, "release"));
	assert_ok(put(o, "myapp", DEPLOY, 1, "deploy"));
	assert_ok(o->st->scan(o->ctx, "myapp", DEPLOY, UINT64_MAX, 16, see, &s));
	assert_int_equal(s.n, 1);
	assert_string_equal(s.data[0], "deploy");
	memset(&s, 0, sizeof s);
	assert_ok(o->st->scan(o->ctx, "myapp", RELEASE_KIND_RELEASE, UINT64_MAX, 16, see, &s));
	assert_int_equal(s.n, 1);
	assert_string_equal(s.data[0], "release");
	assert_ok(o->st->del(o->ctx, "myapp", DEPLOY, "1"));
	memset(&s, 0, sizeof s);
	assert_ok(o->st->get_seq(o->ctx, "myapp", RELEASE_KIND_BUILD, 1, see, &s));
	assert_string_equal(s.data[0], "build");
}

static void deploy_records_are_per_app(void **state)
{
	struct opened *o = *state;
	struct seen s = {0};

	assert_ok(put(o, "myapp", DEPLOY, 1, "mine"));
	assert_ok(put(o, "other", DEPLOY, 1, "theirs"));
	assert_ok(o->st->scan(o->ctx, "other", DEPLOY, UINT64_MAX, 16, see, &s));
	assert_int_equal(s.n, 1);
	assert_string_equal(s.data[0], "theirs");
	assert_string_equal(deploy_bytes(o, "myapp", "1"), "mine");
}

static void a_deploy_record_is_replaced_by_cas_and_deleted(void **state)
{
	struct opened *o = *state;
	struct seen s = {0};

	assert_ok(put(o, "myapp", DEPLOY, 7, "live"));
	assert_int_equal(o->st->cas(o->ctx, "myapp", DEPLOY, "7", "other", 5, "x", 1),
			 RELEASE_ECONFLICT);
	assert_ok(o->st->cas(o->ctx, "myapp", DEPLOY, "7", "live", 4, "ended", 5));
	assert_ok(o->st->get_seq(o->ctx, "myapp", DEPLOY, 7, see, &s));
	assert_int_equal(s.seq[0], 7); /* cas keeps the seq */
	assert_string_equal(s.data[0], "ended");
	/* an ordered record is neither made nor removed by cas */
	assert_int_equal(o->st->cas(o->ctx, "myapp", DEPLOY, "8", NULL, 0, "x", 1),
			 RELEASE_EINVAL);
	assert_int_equal(o->st->cas(o->ctx, "myapp", DEPLOY, "7", "ended", 5, NULL, 0),
			 RELEASE_EINVAL);
	assert_ok(o->st->del(o->ctx, "myapp", DEPLOY, "7"));
	assert_int_equal(o->st->del(o->ctx, "myapp", DEPLOY, "7"), RELEASE_ENOTFOUND);
	assert_string_equal(deploy_bytes(o, "myapp", "7"), "(none)");
}

static void deploy_records_keep_any_bytes(void **state)
{
	struct opened *o = *state;
	static const unsigned char bytes[] = {0, '\'', '\\', 0xff, 'x', 0, '\n', 0x80};
	struct seen s = {0};

	assert_ok(o->st->put(o->ctx, "myapp", DEPLOY, "1", 1, bytes, sizeof bytes));
	assert_ok(o->st->put(o->ctx, "myapp", DEPLOY, "2", 2, "", 0));
	assert_ok(o->st->scan(o->ctx, "myapp", DEPLOY, UINT64_MAX, 16, see, &s));
	assert_int_equal(s.n, 2);
	assert_int_equal(s.len[0], 0);
	assert_int_equal(s.len[1], sizeof bytes);
	assert_memory_equal(s.data[1], bytes, sizeof bytes);
}

static int name_seen(void *payload, const char *app)
{
	if (strcmp(app, "myapp") == 0)
		*(int *)payload += 1;
	return 0;
}

static void an_app_with_only_deploy_records_is_listed(void **state)
{
	struct opened *o = *state;
	int n = 0;

	assert_ok(put(o, "myapp", DEPLOY, 1, "entry"));
	assert_ok(o->st->list_apps(o->ctx, name_seen, &n));
	assert_int_equal(n, 1);
	assert_ok(o->st->del(o->ctx, "myapp", DEPLOY, "1"));
	n = 0;
	assert_ok(o->st->list_apps(o->ctx, name_seen, &n));
	assert_int_equal(n, 0);
}

static void a_kind_after_the_deployment_log_is_einval(void **state)
{
	struct opened *o = *state;
	struct seen s = {0};

	assert_int_equal(put(o, "myapp", DEPLOY + 1, 1, "x"), RELEASE_EINVAL);
	assert_int_equal(o->st->scan(o->ctx, "myapp", DEPLOY + 1, UINT64_MAX, 1, see, &s),
			 RELEASE_EINVAL);
	assert_int_equal(o->st->get(o->ctx, "myapp", DEPLOY + 1, "1", see, &s), RELEASE_EINVAL);
}

/* ---- commit: the entry goes with the promotion it records */

static release_storage_op op_put(int kind, const char *key, uint64_t seq, const char *data)
{
	release_storage_op op = {RELEASE_OP_PUT, kind, key, seq, NULL, 0, data, strlen(data)};

	return op;
}

static release_storage_op op_cas(int kind, const char *key, const char *old, const char *data)
{
	release_storage_op op = {RELEASE_OP_CAS, kind, key, 0, old, old ? strlen(old) : 0,
				 data, data ? strlen(data) : 0};

	return op;
}

static void a_commit_writes_a_deploy_entry_with_the_active_pointer(void **state)
{
	struct opened *o = *state;
	struct seen s = {0};
	release_storage_op ops[] = {
		op_cas(RELEASE_KIND_META, "active", "R1", "R2"),
		op_put(DEPLOY, "2", 2, "R1 -> R2"),
	};

	assert_ok(o->st->cas(o->ctx, "myapp", RELEASE_KIND_META, "active", NULL, 0, "R1", 2));
	assert_ok(put(o, "myapp", DEPLOY, 1, "-> R1"));
	assert_ok(o->st->commit(o->ctx, "myapp", ops, 2, NULL));
	assert_ok(o->st->scan(o->ctx, "myapp", DEPLOY, UINT64_MAX, 16, see, &s));
	assert_int_equal(s.n, 2);
	assert_int_equal(s.seq[0], 2);
	assert_string_equal(s.data[0], "R1 -> R2");
}

static void a_commit_whose_promotion_conflicts_writes_no_deploy_entry(void **state)
{
	struct opened *o = *state;
	size_t failed = 99;
	release_storage_op ops[] = {
		op_put(DEPLOY, "1", 1, "R7 -> R2"),
		op_cas(RELEASE_KIND_META, "active", "R7", "R2"), /* it is R1 */
	};

	assert_ok(o->st->cas(o->ctx, "myapp", RELEASE_KIND_META, "active", NULL, 0, "R1", 2));
	assert_int_equal(o->st->commit(o->ctx, "myapp", ops, 2, &failed), RELEASE_ECONFLICT);
	assert_int_equal(failed, 1);
	assert_string_equal(deploy_bytes(o, "myapp", "1"), "(none)");
}

static void a_commit_putting_a_taken_deploy_seq_is_a_conflict(void **state)
{
	struct opened *o = *state;
	size_t failed = 99;
	release_storage_op ops[] = {
		op_cas(RELEASE_KIND_META, "active", "R1", "R2"),
		op_put(DEPLOY, "again", 1, "R1 -> R2"), /* seq 1 is taken */
	};

	assert_ok(o->st->cas(o->ctx, "myapp", RELEASE_KIND_META, "active", NULL, 0, "R1", 2));
	assert_ok(put(o, "myapp", DEPLOY, 1, "-> R1"));
	assert_int_equal(o->st->commit(o->ctx, "myapp", ops, 2, &failed), RELEASE_ECONFLICT);
	assert_int_equal(failed, 1);
	assert_string_equal(deploy_bytes(o, "myapp", "again"), "(none)");
	assert_string_equal(deploy_bytes(o, "myapp", "1"), "-> R1");
}

/* A release_app_delete()'s shape: everything of the app in one commit. */
static void a_commit_deletes_deploy_records_with_the_rest(void **state)
{
	struct opened *o = *state;
	struct seen s = {0};
	release_storage_op ops[3] = {
		{RELEASE_OP_DEL, DEPLOY, "1", 0, NULL, 0, NULL, 0},
		{RELEASE_OP_DEL, DEPLOY, "2", 0, NULL, 0, NULL, 0},
		{RELEASE_OP_DEL, RELEASE_KIND_META, "app", 0, NULL, 0, NULL, 0},
	};

	assert_ok(o->st->cas(o->ctx, "myapp", RELEASE_KIND_META, "app", NULL, 0, "A", 1));
	assert_ok(put(o, "myapp", DEPLOY, 1, "one"));
	assert_ok(put(o, "myapp", DEPLOY, 2, "two"));
	assert_ok(o->st->commit(o->ctx, "myapp", ops, 3, NULL));
	assert_ok(o->st->scan(o->ctx, "myapp", DEPLOY, UINT64_MAX, 16, see, &s));
	assert_int_equal(s.n, 0);
	/* and a DEL of one that is gone fails the whole commit */
	assert_ok(put(o, "myapp", DEPLOY, 3, "three"));
	ops[0].key = "3";
	assert_int_equal(o->st->commit(o->ctx, "myapp", ops, 2, NULL), RELEASE_ENOTFOUND);
	assert_string_equal(deploy_bytes(o, "myapp", "3"), "three");
}

/* Many entries: the memory backend's index and array grow, and delete
 * from the front (as no pruning of the log does, but app deletion does). */
static void thousands_of_deploy_records_are_found_by_key_and_seq(void **state)
{
	struct opened *o = *state;
	enum { N = 3000 };
	struct seen s = {0};

	for (uint64_t seq = 1; seq <= N; seq++)
		assert_ok(put(o, "myapp", DEPLOY, seq, "e"));
	for (uint64_t seq = 1; seq <= N / 2; seq++) {
		char key[24];

		snprintf(key, sizeof key, "%llu", (unsigned long long)seq);
		assert_ok(o->st->del(o->ctx, "myapp", DEPLOY, key));
	}
	assert_string_equal(deploy_bytes(o, "myapp", "1501"), "e");
	assert_string_equal(deploy_bytes(o, "myapp", "1500"), "(none)");
	assert_ok(o->st->scan(o->ctx, "myapp", DEPLOY, N / 2 + 3, 16, see, &s));
	assert_int_equal(s.n, 2);
	assert_int_equal(s.seq[0], N / 2 + 2);
	assert_int_equal(s.seq[1], N / 2 + 1);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(the_backend_is_of_storage_version_3),
		T(deploy_records_are_stored_and_read_back_by_key),
		T(a_scan_of_deploy_records_is_newest_first_below_before),
		T(get_seq_finds_a_deploy_record_by_its_seq),
		T(a_taken_deploy_seq_or_key_is_a_conflict),
		T(a_deploy_record_needs_a_seq),
		T(deploy_records_are_apart_from_builds_and_releases),
		T(deploy_records_are_per_app),
		T(a_deploy_record_is_replaced_by_cas_and_deleted),
		T(deploy_records_keep_any_bytes),
		T(an_app_with_only_deploy_records_is_listed),
		T(a_kind_after_the_deployment_log_is_einval),
		T(a_commit_writes_a_deploy_entry_with_the_active_pointer),
		T(a_commit_whose_promotion_conflicts_writes_no_deploy_entry),
		T(a_commit_putting_a_taken_deploy_seq_is_a_conflict),
		T(a_commit_deletes_deploy_records_with_the_rest),
		T(thousands_of_deploy_records_are_found_by_key_and_seq),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
