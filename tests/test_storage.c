/* The storage vtable's contract, checked directly on the raw backend. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct raw_backend {
	const release_storage *st;
	void *ctx;
};

static int setup(void **state)
{
	struct raw_backend *b = calloc(1, sizeof *b);

	assert_non_null(b);
	assert_ok(test_storage_open(&b->st, &b->ctx, test_store_uri()));
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

struct seen {
	int n;
	uint64_t seqs[64];
	char keys[64][65];
	unsigned char data[256];
	size_t len;
	int stop_after;
};

static int see(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct seen *s = payload;

	assert_true(s->n < 64);
	s->seqs[s->n] = seq;
	strcpy(s->keys[s->n], key);
	s->len = len < sizeof s->data ? len : sizeof s->data;
	memcpy(s->data, data, s->len);
	s->n++;
	if (s->stop_after && s->n == s->stop_after)
		return 42;
	return 0;
}

#define R RELEASE_KIND_RELEASE
#define M RELEASE_KIND_META

static void put(struct raw_backend *b, const char *app, int kind, const char *key, uint64_t seq)
{
	assert_int_equal(b->st->put(b->ctx, app, kind, key, seq, key, strlen(key)), 0);
}

static void put_then_get_returns_the_bytes(void **state)
{
	struct raw_backend *b = *state;
	const unsigned char bytes[] = {0, 1, 2, 'L', 0, 255};
	struct seen s = {0};

	assert_int_equal(b->st->put(b->ctx, "app", R, "RAAAAAAAAA", 1, bytes, sizeof bytes), 0);
	assert_int_equal(b->st->get(b->ctx, "app", R, "RAAAAAAAAA", see, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.seqs[0], 1);
	assert_int_equal(s.len, sizeof bytes);
	assert_memory_equal(s.data, bytes, sizeof bytes);
}

static void empty_records_round_trip(void **state)
{
	struct raw_backend *b = *state;
	struct seen s = {0};

	assert_int_equal(b->st->put(b->ctx, "app", M, "app", 0, "", 0), 0);
	assert_int_equal(b->st->get(b->ctx, "app", M, "app", see, &s), 0);
	assert_int_equal(s.len, 0);
}

struct expect {
	const unsigned char *want;
	size_t len;
	int same;
};

static int compare(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct expect *e = payload;

	(void)seq;
	(void)key;
	e->same = len == e->len && memcmp(data, e->want, len) == 0;
	return 0;
}

static void large_records_round_trip(void **state)
{
	struct raw_backend *b = *state;
	size_t len = 4u << 20;
	unsigned char *big = malloc(len);
	struct expect e = {big, len, 0};

	assert_non_null(big);
	for (size_t i = 0; i < len; i++)
		big[i] = (unsigned char)(i * 7);
	assert_int_equal(b->st->put(b->ctx, "app", R, "RBIG", 1, big, len), 0);
	assert_int_equal(b->st->get(b->ctx, "app", R, "RBIG", compare, &e), 0);
	assert_true(e.same);
	free(big);
}

static void put_of_a_taken_key_is_econflict(void **state)
{
	struct raw_backend *b = *state;

	put(b, "app", R, "RAAAAAAAAA", 1);
	assert_int_equal(b->st->put(b->ctx, "app", R, "RAAAAAAAAA", 2, "x", 1), RELEASE_ECONFLICT);
}

static void put_of_a_taken_seq_is_econflict(void **state)
{
	struct raw_backend *b = *state;
	struct seen s = {0};

	put(b, "app", R, "RAAAAAAAAA", 1);
	assert_int_equal(b->st->put(b->ctx, "app", R, "RBBBBBBBBB", 1, "x", 1), RELEASE_ECONFLICT);
	assert_int_equal(b->st->get(b->ctx, "app", R, "RBBBBBBBBB", see, &s), RELEASE_ENOTFOUND);
}

static void get_of_an_absent_record_is_enotfound(void **state)
{
	struct raw_backend *b = *state;
	struct seen s = {0};

	assert_int_equal(b->st->get(b->ctx, "app", R, "RNOTHERE", see, &s), RELEASE_ENOTFOUND);
	assert_int_equal(s.n, 0);
}

static void kinds_and_apps_are_separate_namespaces(void **state)
{
	struct raw_backend *b = *state;
	struct seen s = {0};

	put(b, "one", R, "K", 1);
	put(b, "one", RELEASE_KIND_BUILD, "K", 1);
	put(b, "two", R, "K", 1);
	put(b, "one", M, "K", 0);
	assert_int_equal(b->st->get(b->ctx, "three", R, "K", see, &s), RELEASE_ENOTFOUND);
}

static void scan_yields_newest_first_below_before_up_to_limit(void **state)
{
	struct raw_backend *b = *state;
	struct seen s = {0};
	char key[16];

	/* written out of order on purpose */
	for (uint64_t seq = 1; seq <= 10; seq++) {
		uint64_t v = seq % 2 ? seq : 12 - seq;

		snprintf(key, sizeof key, "K%llu", (unsigned long long)v);
		put(b, "app", R, key, v);
	}
	assert_int_equal(b->st->scan(b->ctx, "app", R, UINT64_MAX, 100, see, &s), 0);
	assert_int_equal(s.n, 10);
	for (int i = 0; i < 10; i++)
		assert_int_equal(s.seqs[i], 10 - i);
	memset(&s, 0, sizeof s);
	assert_int_equal(b->st->scan(b->ctx, "app", R, 7, 3, see, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.seqs[0], 6);
	assert_string_equal(s.keys[0], "K6");
	assert_int_equal(s.seqs[2], 4);
	memset(&s, 0, sizeof s);
	assert_int_equal(b->st->scan(b->ctx, "app", R, 1, 5, see, &s), 0);
	assert_int_equal(s.n, 0);
}

static void scan_of_an_unknown_app_yields_nothing(void **state)
{
	struct raw_backend *b = *state;
	struct seen s = {0};

	assert_int_equal(b->st->scan(b->ctx, "ghost", R, UINT64_MAX, 5, see, &s), 0);
	assert_int_equal(s.n, 0);
}

static void a_callbacks_non_zero_result_stops_and_is_returned(void **state)
{
	struct raw_backend *b = *state;
	struct seen s = {0};

	put(b, "app", R, "A", 1);
	put(b, "app", R, "B", 2);
	put(b, "app", R, "C", 3);
	s.stop_after = 2;
	assert_int_equal(b->st->scan(b->ctx, "app", R, UINT64_MAX, 10, see, &s), 42);
	assert_int_equal(s.n, 2);
}

static void cas_replaces_only_matching_bytes(void **state)
{
	struct raw_backend *b = *state;
	struct seen s = {0};

	assert_int_equal(b->st->cas(b->ctx, "app", M, "active", NULL, 0, "v1", 2), 0);
	assert_int_equal(b->st->cas(b->ctx, "app", M, "active", NULL, 0, "vX", 2), RELEASE_ECONFLICT);
	assert_int_equal(b->st->cas(b->ctx, "app", M, "active", "v0", 2, "v2", 2), RELEASE_ECONFLICT);
	assert_int_equal(b->st->cas(b->ctx, "app", M, "active", "v", 1, "v2", 2), RELEASE_ECONFLICT);
	assert_int_equal(b->st->cas(b->ctx, "app", M, "active", "v1", 2, "v2", 2), 0);
	assert_int_equal(b->st->get(b->ctx, "app", M, "active", see, &s), 0);
	assert_memory_equal(s.data, "v2", 2);
}

static void cas_with_null_data_deletes(void **state)
{
	struct raw_backend *b = *state;
	struct seen s = {0};

	assert_int_equal(b->st->cas(b->ctx, "app", M, "lease", NULL, 0, "mine", 4), 0);
	assert_int_equal(b->st->cas(b->ctx, "app", M, "lease", "their", 5, NULL, 0), RELEASE_ECONFLICT);
	assert_int_equal(b->st->cas(b->ctx, "app", M, "lease", "mine", 4, NULL, 0), 0);
	assert_int_equal(b->st->get(b->ctx, "app", M, "lease", see, &s), RELEASE_ENOTFOUND);
	assert_int_equal(b->st->cas(b->ctx, "app", M, "lease", "mine", 4, NULL, 0), RELEASE_ECONFLICT);
}

static void cas_on_an_ordered_record_keeps_its_seq(void **state)
{
	struct raw_backend *b = *state;
	struct seen s = {0};

	put(b, "app", R, "RAAAAAAAAA", 7);
	assert_int_equal(b->st->cas(b->ctx, "app", R, "RAAAAAAAAA", "RAAAAAAAAA", 10, "new", 3), 0);
	assert_int_equal(b->st->scan(b->ctx, "app", R, UINT64_MAX, 1, see, &s), 0);
	assert_int_equal(s.seqs[0], 7);
	assert_memory_equal(s.data, "new", 3);
}

static void del_removes_a_record_from_get_and_scan(void **state)
{
	struct raw_backend *b = *state;
	struct seen s = {0};

	put(b, "app", R, "A", 1);
	put(b, "app", R, "B", 2);
	put(b, "app", R, "C", 3);
	assert_int_equal(b->st->del(b->ctx, "app", R, "B"), 0);
	assert_int_equal(b->st->get(b->ctx, "app", R, "B", see, &s), RELEASE_ENOTFOUND);
	assert_int_equal(b->st->scan(b->ctx, "app", R, UINT64_MAX, 10, see, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.seqs[0], 3);
	assert_int_equal(s.seqs[1], 1);
	assert_int_equal(b->st->del(b->ctx, "app", R, "B"), RELEASE_ENOTFOUND);
	/* the key and the seq are free again */
	put(b, "app", R, "B", 2);
}

static void deleting_the_oldest_many_times_keeps_order(void **state)
{
	struct raw_backend *b = *state;
	char key[16];
	struct seen s = {0};

	for (uint64_t v = 1; v <= 300; v++) {
		snprintf(key, sizeof key, "K%llu", (unsigned long long)v);
		put(b, "app", R, key, v);
	}
	for (uint64_t v = 1; v <= 250; v++) {
		snprintf(key, sizeof key, "K%llu", (unsigned long long)v);
		assert_int_equal(b->st->del(b->ctx, "app", R, key), 0);
	}
	put(b, "app", R, "NEW", 301);
	assert_int_equal(b->st->scan(b->ctx, "app", R, UINT64_MAX, 64, see, &s), 0);
	assert_int_equal(s.n, 51);
	assert_int_equal(s.seqs[0], 301);
	assert_int_equal(s.seqs[50], 251);
	memset(&s, 0, sizeof s);
	assert_int_equal(b->st->get(b->ctx, "app", R, "K260", see, &s), 0);
	assert_int_equal(s.seqs[0], 260);
}

struct names {
	int n;
	char v[8][64];
};

static int see_name(void *payload, const char *app)
{
	struct names *nm = payload;

	assert_true(nm->n < 8);
	strcpy(nm->v[nm->n++], app);
	return 0;
}

static void list_apps_names_apps_with_records(void **state)
{
	struct raw_backend *b = *state;
	struct names nm = {0};
	int seen_one = 0, seen_two = 0;

	put(b, "one", R, "A", 1);
	put(b, "two", M, "app", 0);
	assert_int_equal(b->st->list_apps(b->ctx, see_name, &nm), 0);
	assert_int_equal(nm.n, 2);
	for (int i = 0; i < nm.n; i++) {
		seen_one |= strcmp(nm.v[i], "one") == 0;
		seen_two |= strcmp(nm.v[i], "two") == 0;
	}
	assert_true(seen_one && seen_two);
}

static void get_seq_finds_exactly_that_seq(void **state)
{
	struct raw_backend *b = *state;
	struct seen s = {0};

	if (!b->st->get_seq)
		skip();
	put(b, "app", R, "A", 1);
	put(b, "app", R, "C", 3);
	assert_int_equal(b->st->get_seq(b->ctx, "app", R, 3, see, &s), 0);
	assert_string_equal(s.keys[0], "C");
	assert_int_equal(b->st->get_seq(b->ctx, "app", R, 2, see, &s), RELEASE_ENOTFOUND);
}

/* ---- the memory backend at its door */

static void the_memory_backend_refuses_invalid_names_and_keys(void **state)
{
	const release_storage *st;
	void *ctx;
	char long_name[200];
	struct seen s = {0};

	(void)state;
	memset(long_name, 'a', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	assert_ok(release_storage_open(&st, &ctx, "memory:"));
	assert_int_equal(st->put(ctx, long_name, M, "app", 0, "x", 1), RELEASE_EINVAL);
	assert_int_equal(st->put(ctx, "../x", R, "K", 1, "x", 1), RELEASE_EINVAL);
	assert_int_equal(st->put(ctx, "app", R, "", 1, "x", 1), RELEASE_EINVAL);
	assert_int_equal(st->put(ctx, "app", R, "a/b", 1, "x", 1), RELEASE_EINVAL);
	assert_int_equal(st->cas(ctx, long_name, M, "lease", NULL, 0, "x", 1), RELEASE_EINVAL);
	assert_int_equal(st->get(ctx, long_name, M, "app", see, &s), RELEASE_EINVAL);
	assert_int_equal(st->scan(ctx, NULL, R, UINT64_MAX, 1, see, &s), RELEASE_EINVAL);
	assert_int_equal(st->del(ctx, "UPPER", M, "app"), RELEASE_EINVAL);
	assert_int_equal(s.n, 0);
	{
		struct names nm = {0};

		assert_int_equal(st->list_apps(ctx, see_name, &nm), 0);
		assert_int_equal(nm.n, 0);
	}
	st->close(ctx);
}

/* ---- what the core makes of records a backend serves
 *
 * A backend is trusted to keep bytes, not to be right: a record served
 * misplaced, damaged or more often than asked for is refused as corrupt,
 * and the core neither leaks nor overruns because of it. */

static const char *const pair = "A=1";

/* Serves other's release at version `version` as web's. */
static void serve_other_apps_release(struct fixture *f, const char *web_id, uint64_t version,
				     void **bytes)
{
	release *o = NULL;
	struct tamper t = {0};
	size_t len;

	assert_store_ok(f->s, release_get_version(f->s, "other", version, &o));
	shared_backend_read(f->backend, "other", R, release_id(o), bytes, &len);
	release_free(o);
	t.app = "web";
	t.kind = R;
	t.key = web_id;
	t.data = *bytes;
	t.len = len;
	shared_backend_tamper(f->backend, &t);
}

static void history_of_web_and_other(struct fixture *f, release **web)
{
	make_app(f->s, "web");
	make_app(f->s, "other");
	*web = set_env(f->s, "web", pair);
	release_free(set_env(f->s, "other", pair));
	release_free(set_env(f->s, "other", "B=2"));
}

/* A sound record of another app, served as this app's: corrupt, and its
 * strings are freed (LeakSanitizer watches). */
static void a_record_naming_another_app_is_corrupt(void **state)
{
	struct fixture *f = *state;
	release *web, *r = (release *)1;
	void *bytes;

	history_of_web_and_other(f, &web);
	serve_other_apps_release(f, release_id(web), 1, &bytes);
	assert_int_equal(release_get(f->s, "web", release_id(web), &r), RELEASE_ECORRUPT);
	assert_null(r);
	assert_non_null(strstr(release_store_errmsg(f->s), "app 'web'"));
	assert_int_equal(release_get_version(f->s, "web", 1, &r), RELEASE_ECORRUPT);
	assert_int_equal(release_env_set(f->s, "web", &pair, 1, &r), RELEASE_ECORRUPT);
	shared_backend_tamper(f->backend, NULL);
	assert_int_equal(count_releases(f->s, "web"), 1);
	free(bytes);
	release_free(web);
}

static void a_record_of_another_version_is_corrupt(void **state)
{
	struct fixture *f = *state;
	release *one, *two, *r = (release *)1;
	struct tamper t = {0};
	void *bytes;
	size_t len;

	make_app(f->s, "web");
	one = set_env(f->s, "web", pair);
	two = set_env(f->s, "web", "B=2");
	shared_backend_read(f->backend, "web", R, release_id(two), &bytes, &len);
	t.app = "web";
	t.kind = R;
	t.key = release_id(one);
	t.data = bytes;
	t.len = len;
	shared_backend_tamper(f->backend, &t);
	assert_int_equal(release_get_version(f->s, "web", 1, &r), RELEASE_ECORRUPT);
	assert_null(r);
	assert_non_null(strstr(release_store_errmsg(f->s), "version 1"));
	assert_int_equal(release_get(f->s, "web", release_id(one), &r), RELEASE_ECORRUPT);
	shared_backend_tamper(f->backend, NULL);
	free(bytes);
	release_free(one);
	release_free(two);
}

/* Hand-made records (the format of lib/codec.c): each is refused as
 * corrupt, never crashes, never leaks. */
struct hostile {
	const char *what;
	unsigned char bytes[96];
	size_t len;
};

static const struct hostile hostile_records[] = {
	{"no bytes", {0}, 0},
	{"a header alone", {'L', 'R', 1, 5}, 4},
	{"a build's header", {'L', 'R', 1, 4}, 4},
	{"a newer format", {'L', 'R', 2, 5}, 4},
	{"a field cut short", {'L', 'R', 1, 5, 1, 10, 0, 0, 0, 'R', 'A'}, 11},
	{"a field longer than the record", {'L', 'R', 1, 5, 1, 0xff, 0xff, 0xff, 0xff, 'R'}, 10},
	{"a header of a field cut short", {'L', 'R', 1, 5, 1, 10}, 6},
	{"an id too long for an id",
	 {'L', 'R', 1, 5, 1, 20, 0, 0, 0, 'R', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A',
	  'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A'},
	 29},
	{"no app",
	 {'L', 'R', 1, 5, 1, 10, 0, 0, 0, 'R', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 3, 8, 0,
	  0, 0, 1, 0, 0, 0, 0, 0, 0, 0},
	 32},
	{"an env key without a value",
	 {'L', 'R', 1, 5, 1, 10, 0, 0, 0, 'R', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 2, 3, 0, 0,
	  0, 'w', 'e', 'b', 3, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 11, 1, 0, 0, 0, 'K'},
	 46},
	{"env keys out of order",
	 {'L', 'R', 1, 5, 1, 10, 0, 0, 0, 'R', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 2, 3, 0, 0,
	  0, 'w', 'e', 'b', 3, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 11, 1, 0, 0, 0, 'K', 12, 0, 0, 0,
	  0, 11, 1, 0, 0, 0, 'B', 12, 0, 0, 0, 0},
	 61},
	{"a NUL inside a string",
	 {'L', 'R', 1, 5, 1, 10, 0, 0, 0, 'R', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 2, 4, 0, 0,
	  0, 'w', 'e', 0, 'b', 3, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0},
	 42},
	{"version 0",
	 {'L', 'R', 1, 5, 1, 10, 0, 0, 0, 'R', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 2, 3, 0, 0,
	  0, 'w', 'e', 'b', 3, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	 41},
	{"a version of 4 bytes",
	 {'L', 'R', 1, 5, 1, 10, 0, 0, 0, 'R', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 2, 3, 0, 0,
	  0, 'w', 'e', 'b', 3, 4, 0, 0, 0, 1, 0, 0, 0},
	 37},
};

static void hostile_records_are_corrupt(void **state)
{
	struct fixture *f = *state;
	release *web;

	make_app(f->s, "web");
	web = set_env(f->s, "web", pair);
	for (size_t i = 0; i < sizeof hostile_records / sizeof *hostile_records; i++) {
		const struct hostile *h = &hostile_records[i];
		struct tamper t = {0};
		release *r = (release *)1;
		release_iter *it = NULL;
		const release *listed;
		int rc;

		t.app = "web";
		t.kind = R;
		t.key = release_id(web);
		t.data = h->bytes;
		t.len = h->len;
		shared_backend_tamper(f->backend, &t);
		rc = release_get(f->s, "web", release_id(web), &r);
		if (rc != RELEASE_ECORRUPT)
			fail_msg("%s: release_get returned %d", h->what, rc);
		assert_null(r);
		assert_int_equal(release_get_version(f->s, "web", 1, &r), RELEASE_ECORRUPT);
		assert_int_equal(release_list(f->s, "web", NULL, &it), 0);
		assert_int_equal(release_iter_next(it, &listed), RELEASE_ECORRUPT);
		assert_int_equal(release_iter_next(it, &listed), RELEASE_ITEROVER);
		release_iter_free(it);
	}
	shared_backend_tamper(f->backend, NULL);
	release_free(web);
}

/* A record whose field appears twice: the last one counts, and the first
 * is not leaked. */
static void a_field_given_twice_is_read_once(void **state)
{
	struct fixture *f = *state;
	static const unsigned char twice[] = {
		'L', 'R', 1, 5, 1, 10, 0, 0, 0, 'R', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A',
		2, 3, 0, 0, 0, 'w', 'e', 'b', 2, 3, 0, 0, 0, 'w', 'e', 'b', 3, 8, 0, 0, 0, 1, 0, 0,
		0, 0, 0, 0, 0, 6, 3, 0, 0, 0, 'o', 'n', 'e', 6, 3, 0, 0, 0, 't', 'w', 'o'};
	struct tamper t = {0};
	release *web, *r = NULL;

	make_app(f->s, "web");
	web = set_env(f->s, "web", pair);
	t.app = "web";
	t.kind = R;
	t.key = release_id(web);
	t.data = twice;
	t.len = sizeof twice;
	shared_backend_tamper(f->backend, &t);
	assert_int_equal(release_get(f->s, "web", release_id(web), &r), RELEASE_ECORRUPT);
	assert_store_ok(f->s, release_get_version(f->s, "web", 1, &r));
	assert_string_equal(release_id(r), "RAAAAAAAAA");
	assert_string_equal(release_description(r), "two");
	release_free(r);
	shared_backend_tamper(f->backend, NULL);
	release_free(web);
}

/* Releases 1-3 of web, 3 active, and a backend whose scans yield every
 * record 300 more times than asked. */
static void scans_beyond_their_limit(struct fixture *f)
{
	struct tamper t = {0};

	make_app(f->s, "web");
	for (int i = 0; i < 3; i++) {
		char kv[16];
		release *r;

		snprintf(kv, sizeof kv, "K%d=1", i);
		r = set_env(f->s, "web", kv);
		if (i == 2)
			promote(f->s, "web", release_id(r));
		release_free(r);
	}
	t.repeat = 300;
	shared_backend_tamper(f->backend, &t);
}

/* A prune decides what to delete from what it scans: a scan beyond its
 * limit makes it refuse, deleting nothing. */
static void a_prune_refuses_a_scan_beyond_its_limit(void **state)
{
	struct fixture *f = *state;
	size_t removed = 99;

	scans_beyond_their_limit(f);
	assert_int_equal(release_prune(f->s, "web", 0, &removed), RELEASE_ECORRUPT);
	assert_int_equal(removed, 0);
	assert_non_null(strstr(release_store_errmsg(f->s), "beyond the limit"));
	shared_backend_tamper(f->backend, NULL);
	assert_int_equal(count_releases(f->s, "web"), 3);
}

/* Deleting an app collects keys a page at a time: a scan beyond its limit
 * must not overrun the page. */
static void an_app_deletion_survives_a_scan_beyond_its_limit(void **state)
{
	struct fixture *f = *state;
	release_app *a = NULL;

	scans_beyond_their_limit(f);
	assert_store_ok(f->s, release_app_delete(f->s, "web"));
	shared_backend_tamper(f->backend, NULL);
	assert_int_equal(release_app_get(f->s, "web", &a), RELEASE_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(put_then_get_returns_the_bytes),
		T(empty_records_round_trip),
		T(large_records_round_trip),
		T(put_of_a_taken_key_is_econflict),
		T(put_of_a_taken_seq_is_econflict),
		T(get_of_an_absent_record_is_enotfound),
		T(kinds_and_apps_are_separate_namespaces),
		T(scan_yields_newest_first_below_before_up_to_limit),
		T(scan_of_an_unknown_app_yields_nothing),
		T(a_callbacks_non_zero_result_stops_and_is_returned),
		T(cas_replaces_only_matching_bytes),
		T(cas_with_null_data_deletes),
		T(cas_on_an_ordered_record_keeps_its_seq),
		T(del_removes_a_record_from_get_and_scan),
		T(deleting_the_oldest_many_times_keeps_order),
		T(list_apps_names_apps_with_records),
		T(get_seq_finds_exactly_that_seq),
		T(the_memory_backend_refuses_invalid_names_and_keys),
#define F(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		F(a_record_naming_another_app_is_corrupt),
		F(a_record_of_another_version_is_corrupt),
		F(hostile_records_are_corrupt),
		F(a_field_given_twice_is_read_once),
		F(a_prune_refuses_a_scan_beyond_its_limit),
		F(an_app_deletion_survives_a_scan_beyond_its_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
