/* Build logs: appended while a build runs, given at creation, read with
 * the build. */
#include "harness.h"
#include "race_store.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static release_build *new_build(release_store *s, int status, const void *log, size_t log_len)
{
	release_build_opts o;
	release_build *b = NULL;

	release_build_opts_init(&o);
	o.description = "desc";
	o.manifest = "manifest";
	o.status = status;
	o.log = log;
	o.log_len = log_len;
	assert_store_ok(s, release_build_create(s, "myapp", &o, &b));
	return b;
}

static void append(release_store *s, const char *id, const void *data, size_t len)
{
	assert_store_ok(s, release_build_log_append(s, "myapp", id, data, len, NULL));
}

/* The stored build's log is exactly want[0..len). */
static void assert_log(release_store *s, const char *id, const void *want, size_t len)
{
	release_build *b = NULL;
	const char *log;
	size_t got = (size_t)-1;

	assert_store_ok(s, release_build_get(s, "myapp", id, &b));
	log = release_build_log(b, &got);
	assert_non_null(log);
	assert_int_equal(got, len);
	if (len)
		assert_memory_equal(log, want, len);
	assert_int_equal(log[len], '\0');
	release_build_free(b);
}

static void appends_to_a_created_build_are_kept_in_order(void **state)
{
	struct fixture *f = *state;
	release_build *b;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_CREATED, NULL, 0);
	append(f->s, release_build_id(b), "one\n", 4);
	append(f->s, release_build_id(b), "two\n", 4);
	append(f->s, release_build_id(b), "three\n", 6);
	assert_log(f->s, release_build_id(b), "one\ntwo\nthree\n", 14);
	release_build_free(b);
}

static void appends_to_a_running_build_are_kept_in_order(void **state)
{
	struct fixture *f = *state;
	release_build *b;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING, NULL, 0);
	append(f->s, release_build_id(b), "step 1/2\n", 9);
	append(f->s, release_build_id(b), "step 2/2\n", 9);
	assert_log(f->s, release_build_id(b), "step 1/2\nstep 2/2\n", 18);
	release_build_free(b);
}

static void append_returns_the_build_as_written(void **state)
{
	struct fixture *f = *state;
	release_build *b, *out = NULL;
	size_t len = 0;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING, "a", 1);
	assert_store_ok(f->s, release_build_log_append(f->s, "myapp", release_build_id(b), "bc", 2,
						       &out));
	assert_non_null(out);
	assert_string_equal(release_build_id(out), release_build_id(b));
	assert_string_equal(release_build_log(out, &len), "abc");
	assert_int_equal(len, 3);
	assert_int_equal(release_build_status(out), RELEASE_BUILD_RUNNING);
	assert_string_equal(release_build_description(out), "desc");
	release_build_free(out);
	release_build_free(b);
}

static void every_byte_value_is_kept_exactly(void **state)
{
	struct fixture *f = *state;
	unsigned char bytes[512];
	release_build *b;

	for (size_t i = 0; i < sizeof bytes; i++)
		bytes[i] = (unsigned char)(i * 7 + (i >> 8));
	bytes[0] = 0;
	bytes[1] = 0;
	bytes[511] = 0;
	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING, NULL, 0);
	append(f->s, release_build_id(b), bytes, 100);
	append(f->s, release_build_id(b), bytes + 100, sizeof bytes - 100);
	assert_log(f->s, release_build_id(b), bytes, sizeof bytes);
	release_build_free(b);
}

static void appending_nothing_changes_nothing(void **state)
{
	struct fixture *f = *state;
	release_build *b, *out = NULL;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING, "abc", 3);
	append(f->s, release_build_id(b), "xyz", 0);
	append(f->s, release_build_id(b), NULL, 0);
	assert_store_ok(f->s, release_build_log_append(f->s, "myapp", release_build_id(b), "", 0,
						       &out));
	assert_non_null(out);
	assert_string_equal(release_build_log(out, NULL), "abc");
	assert_log(f->s, release_build_id(b), "abc", 3);
	release_build_free(out);
	release_build_free(b);
}

static void a_complete_builds_log_is_final(void **state)
{
	struct fixture *f = *state;
	release_build *b, *out = (release_build *)1;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING, "abc", 3);
	assert_store_ok(f->s, release_build_set_status(f->s, "myapp", release_build_id(b),
						       RELEASE_BUILD_COMPLETE, NULL));
	assert_int_equal(release_build_log_append(f->s, "myapp", release_build_id(b), "more", 4,
						  &out),
			 RELEASE_EINVAL);
	assert_null(out);
	assert_log(f->s, release_build_id(b), "abc", 3);
	release_build_free(b);
}

static void a_failed_builds_log_is_final(void **state)
{
	struct fixture *f = *state;
	release_build *b;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_FAILED, "error: x\n", 9);
	assert_int_equal(release_build_log_append(f->s, "myapp", release_build_id(b), "more", 4,
						  NULL),
			 RELEASE_EINVAL);
	assert_log(f->s, release_build_id(b), "error: x\n", 9);
	release_build_free(b);
}

static void completing_a_build_keeps_its_log(void **state)
{
	struct fixture *f = *state;
	release_build *b, *done = NULL;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING, "built\n", 6);
	append(f->s, release_build_id(b), "done\n", 5);
	assert_store_ok(f->s, release_build_set_status(f->s, "myapp", release_build_id(b),
						       RELEASE_BUILD_COMPLETE, &done));
	assert_string_equal(release_build_log(done, NULL), "built\ndone\n");
	assert_log(f->s, release_build_id(b), "built\ndone\n", 11);
	release_build_free(done);
	release_build_free(b);
}

static void a_log_past_the_limit_is_einval_and_nothing_is_appended(void **state)
{
	struct fixture *f = *state;
	size_t max = RELEASE_BUILD_LOG_MAX;
	char *big = malloc(max + 1);
	release_build *b;

	assert_non_null(big);
	memset(big, 'x', max + 1);
	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING, big, max - 10);
	assert_int_equal(release_build_log_append(f->s, "myapp", release_build_id(b), "0123456789X",
						  11, NULL),
			 RELEASE_EINVAL);
	assert_log(f->s, release_build_id(b), big, max - 10);
	/* up to the limit exactly is kept */
	append(f->s, release_build_id(b), "0123456789", 10);
	memcpy(big + max - 10, "0123456789", 10);
	assert_log(f->s, release_build_id(b), big, max);
	assert_int_equal(release_build_log_append(f->s, "myapp", release_build_id(b), "y", 1, NULL),
			 RELEASE_EINVAL);
	assert_log(f->s, release_build_id(b), big, max);
	release_build_free(b);
	free(big);
}

static void one_append_past_the_limit_is_einval(void **state)
{
	struct fixture *f = *state;
	size_t max = RELEASE_BUILD_LOG_MAX;
	char *big = calloc(1, max + 1);
	release_build *b;

	assert_non_null(big);
	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING, NULL, 0);
	assert_int_equal(release_build_log_append(f->s, "myapp", release_build_id(b), big, max + 1,
						  NULL),
			 RELEASE_EINVAL);
	assert_log(f->s, release_build_id(b), "", 0);
	assert_int_equal(release_build_log_append(f->s, "myapp", release_build_id(b), big,
						  SIZE_MAX, NULL),
			 RELEASE_EINVAL);
	assert_log(f->s, release_build_id(b), "", 0);
	release_build_free(b);
	free(big);
}

static void a_log_given_at_creation_is_kept(void **state)
{
	struct fixture *f = *state;
	static const char log[] = "first\0second\n";
	release_build *b;
	size_t len = 0;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING, log, sizeof log - 1);
	release_build_log(b, &len);
	assert_int_equal(len, sizeof log - 1);
	assert_memory_equal(release_build_log(b, NULL), log, sizeof log - 1);
	assert_log(f->s, release_build_id(b), log, sizeof log - 1);
	append(f->s, release_build_id(b), "third", 5);
	assert_log(f->s, release_build_id(b), "first\0second\nthird", 18);
	release_build_free(b);
}

static void a_complete_build_may_be_created_with_its_log(void **state)
{
	struct fixture *f = *state;
	release_build *b;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_COMPLETE, "all of it\n", 10);
	assert_log(f->s, release_build_id(b), "all of it\n", 10);
	release_build_free(b);
}

static void a_creation_log_past_the_limit_is_einval(void **state)
{
	struct fixture *f = *state;
	size_t max = RELEASE_BUILD_LOG_MAX;
	char *big = calloc(1, max + 1);
	release_build_opts o;
	release_build *b = (release_build *)1;
	release_build_iter *it = NULL;
	const release_build *got;

	assert_non_null(big);
	make_app(f->s, "myapp");
	release_build_opts_init(&o);
	o.log = big;
	o.log_len = max + 1;
	assert_int_equal(release_build_create(f->s, "myapp", &o, &b), RELEASE_EINVAL);
	assert_null(b);
	assert_store_ok(f->s, release_build_list(f->s, "myapp", 0, &it));
	assert_int_equal(release_build_iter_next(it, &got), RELEASE_ITEROVER);
	release_build_iter_free(it);
	free(big);
}

static void a_null_creation_log_with_a_length_is_einval(void **state)
{
	struct fixture *f = *state;
	release_build_opts o;
	release_build *b = (release_build *)1;

	make_app(f->s, "myapp");
	release_build_opts_init(&o);
	o.log = NULL;
	o.log_len = 5;
	assert_int_equal(release_build_create(f->s, "myapp", &o, &b), RELEASE_EINVAL);
	assert_null(b);
}

/* A program built against an earlier library passes a struct without the
 * log fields: bytes past its size are never read as a log. */
static void build_opts_of_the_1_0_size_carry_no_log(void **state)
{
	struct fixture *f = *state;
	release_build_opts o;
	release_build *b = NULL;

	make_app(f->s, "myapp");
	release_build_opts_init(&o);
	o.size = offsetof(release_build_opts, status) + sizeof o.status;
	o.log = "not mine";
	o.log_len = 8;
	assert_store_ok(f->s, release_build_create(f->s, "myapp", &o, &b));
	assert_log(f->s, release_build_id(b), "", 0);
	release_build_free(b);
}

static void a_build_without_a_log_reads_as_empty(void **state)
{
	struct fixture *f = *state;
	release_build *b;
	size_t len = 99;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_CREATED, NULL, 0);
	assert_string_equal(release_build_log(b, &len), "");
	assert_int_equal(len, 0);
	assert_log(f->s, release_build_id(b), "", 0);
	release_build_free(b);
}

/* As every accessor of a NULL build says nothing. */
static void a_null_build_has_no_log(void **state)
{
	size_t len = 99;

	(void)state;
	assert_null(release_build_log(NULL, &len));
	assert_int_equal(len, 0);
	assert_null(release_build_log(NULL, NULL));
}

static void a_duplicate_build_has_its_own_copy_of_the_log(void **state)
{
	struct fixture *f = *state;
	static const char log[] = "line\0with nul\n";
	release_build *b, *got = NULL, *copy;
	size_t len = 0;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING, log, sizeof log - 1);
	assert_store_ok(f->s, release_build_get(f->s, "myapp", release_build_id(b), &got));
	copy = release_build_dup(got);
	assert_non_null(copy);
	assert_ptr_not_equal(release_build_log(copy, NULL), release_build_log(got, NULL));
	release_build_free(got);
	assert_memory_equal(release_build_log(copy, &len), log, sizeof log - 1);
	assert_int_equal(len, sizeof log - 1);
	release_build_free(copy);
	release_build_free(b);
}

/* Listed builds newest first: one without a log, two with. */
struct listed {
	release_build *b[3]; /* oldest first */
};

static void make_listed(release_store *s, struct listed *l)
{
	l->b[0] = new_build(s, RELEASE_BUILD_RUNNING, "log ", 4);
	append(s, release_build_id(l->b[0]), "one", 3);
	l->b[1] = new_build(s, RELEASE_BUILD_COMPLETE, "log two", 7);
	l->b[2] = new_build(s, RELEASE_BUILD_CREATED, NULL, 0);
}

static void listed_free(struct listed *l)
{
	for (int i = 0; i < 3; i++)
		release_build_free(l->b[i]);
}

/* A page of builds is read at once: their logs are left out, and say so
 * (NULL); a build without a log has nothing left out (""). The rest of
 * each build is there. */
static void listing_builds_leaves_their_logs_out(void **state)
{
	struct fixture *f = *state;
	struct listed l;
	release_build_iter *it = NULL;
	const release_build *b;

	make_app(f->s, "myapp");
	make_listed(f->s, &l);
	assert_store_ok(f->s, release_build_list(f->s, "myapp", 0, &it));
	for (int i = 2; i >= 0; i--) {
		size_t len = 99;
		const char *log;

		assert_int_equal(release_build_iter_next(it, &b), 0);
		assert_string_equal(release_build_id(b), release_build_id(l.b[i]));
		assert_string_equal(release_build_description(b), "desc");
		assert_string_equal(release_build_manifest(b), "manifest");
		assert_int_equal(release_build_status(b), release_build_status(l.b[i]));
		log = release_build_log(b, &len);
		if (i == 2) {
			assert_non_null(log);
			assert_string_equal(log, "");
		} else {
			assert_null(log);
		}
		assert_int_equal(len, 0);
	}
	assert_int_equal(release_build_iter_next(it, &b), RELEASE_ITEROVER);
	release_build_iter_free(it);
	listed_free(&l);
}

static void a_listed_build_read_again_has_its_log(void **state)
{
	struct fixture *f = *state;
	static const char *const want[] = {"log one", "log two", ""};
	struct listed l;
	release_build_iter *it = NULL;
	const release_build *b;
	char ids[3][32];

	make_app(f->s, "myapp");
	make_listed(f->s, &l);
	assert_store_ok(f->s, release_build_list(f->s, "myapp", 0, &it));
	for (int i = 2; i >= 0; i--) {
		assert_int_equal(release_build_iter_next(it, &b), 0);
		strcpy(ids[i], release_build_id(b));
	}
	release_build_iter_free(it);
	for (int i = 0; i < 3; i++)
		assert_log(f->s, ids[i], want[i], strlen(want[i]));
	listed_free(&l);
}

static void appends_from_two_handles_are_both_kept(void **state)
{
	struct fixture *f = *state;
	release_store *other = fixture_second_handle(f);
	release_build *b;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING, NULL, 0);
	append(f->s, release_build_id(b), "mine 1\n", 7);
	append(other, release_build_id(b), "theirs\n", 7);
	append(f->s, release_build_id(b), "mine 2\n", 7);
	assert_log(other, release_build_id(b), "mine 1\ntheirs\nmine 2\n", 21);
	release_build_free(b);
	release_store_close(other);
}

struct racer {
	release_store *other;
	char id[16];
};

static void race_in_an_append(void *arg)
{
	struct racer *r = arg;

	append(r->other, r->id, "theirs\n", 7);
}

/* Another handle appends between our read of the build and our write. */
static void appends_made_at_once_are_both_kept_whole(void **state)
{
	struct race_backend *rb = race_backend_new();
	release_store *s = race_backend_open(rb);
	struct racer r = {race_backend_open(rb), ""};
	release_build *b;
	const char *log;
	size_t len;

	(void)state;
	make_app(s, "myapp");
	b = new_build(s, RELEASE_BUILD_RUNNING, NULL, 0);
	strcpy(r.id, release_build_id(b));
	race_before_write(rb, race_in_an_append, &r);
	append(s, release_build_id(b), "mine\n", 5);
	assert_int_equal(rb->fired, 1);
	release_build_free(b);
	assert_store_ok(s, release_build_get(s, "myapp", r.id, &b));
	log = release_build_log(b, &len);
	if (strcmp(log, "theirs\nmine\n") != 0 && strcmp(log, "mine\ntheirs\n") != 0)
		fail_msg("log after two appends at once: '%s'", log);
	release_build_free(b);
	release_store_close(r.other);
	release_store_close(s);
	race_backend_unref(rb);
}

static void race_in_a_completion(void *arg)
{
	struct racer *r = arg;

	assert_store_ok(r->other, release_build_set_status(r->other, "myapp", r->id,
							   RELEASE_BUILD_COMPLETE, NULL));
}

/* The build completes between our read and our write: its log is final
 * by then, and the append is refused whole. */
static void an_append_racing_the_completion_is_refused_whole(void **state)
{
	struct race_backend *rb = race_backend_new();
	release_store *s = race_backend_open(rb);
	struct racer r = {race_backend_open(rb), ""};
	release_build *b;

	(void)state;
	make_app(s, "myapp");
	b = new_build(s, RELEASE_BUILD_RUNNING, "before\n", 7);
	strcpy(r.id, release_build_id(b));
	race_before_write(rb, race_in_a_completion, &r);
	assert_int_equal(release_build_log_append(s, "myapp", r.id, "late\n", 5, NULL),
			 RELEASE_EINVAL);
	assert_int_equal(rb->fired, 1);
	assert_log(s, r.id, "before\n", 7);
	release_build_free(b);
	release_store_close(r.other);
	release_store_close(s);
	race_backend_unref(rb);
}

/* An append lands between the completion's read and its write: the
 * completed build keeps it. */
static void a_completion_racing_an_append_keeps_the_appended_bytes(void **state)
{
	struct race_backend *rb = race_backend_new();
	release_store *s = race_backend_open(rb);
	struct racer r = {race_backend_open(rb), ""};
	release_build *b, *done = NULL;

	(void)state;
	make_app(s, "myapp");
	b = new_build(s, RELEASE_BUILD_RUNNING, "mine\n", 5);
	strcpy(r.id, release_build_id(b));
	race_before_write(rb, race_in_an_append, &r);
	assert_store_ok(s, release_build_set_status(s, "myapp", r.id, RELEASE_BUILD_COMPLETE,
						    &done));
	assert_int_equal(rb->fired, 1);
	assert_string_equal(release_build_log(done, NULL), "mine\ntheirs\n");
	assert_int_equal(release_build_status(done), RELEASE_BUILD_COMPLETE);
	assert_log(s, r.id, "mine\ntheirs\n", 12);
	release_build_free(done);
	release_build_free(b);
	release_store_close(r.other);
	release_store_close(s);
	race_backend_unref(rb);
}

static void an_unknown_build_is_enotfound(void **state)
{
	struct fixture *f = *state;
	release_build *out = (release_build *)1;

	make_app(f->s, "myapp");
	assert_int_equal(release_build_log_append(f->s, "myapp", "BNOSUCHONE", "x", 1, &out),
			 RELEASE_ENOTFOUND);
	assert_null(out);
	assert_int_equal(release_build_log_append(f->s, "nosuchapp", "BNOSUCHONE", "x", 1, NULL),
			 RELEASE_ENOTFOUND);
}

static void another_apps_build_is_enotfound_and_unchanged(void **state)
{
	struct fixture *f = *state;
	release_build *b;

	make_app(f->s, "myapp");
	make_app(f->s, "other");
	b = new_build(f->s, RELEASE_BUILD_RUNNING, "mine", 4);
	assert_int_equal(release_build_log_append(f->s, "other", release_build_id(b), "x", 1, NULL),
			 RELEASE_ENOTFOUND);
	assert_log(f->s, release_build_id(b), "mine", 4);
	release_build_free(b);
}

static void null_data_with_a_length_or_a_malformed_id_is_einval(void **state)
{
	struct fixture *f = *state;
	release_build *b;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING, "abc", 3);
	assert_int_equal(release_build_log_append(f->s, "myapp", release_build_id(b), NULL, 3, NULL),
			 RELEASE_EINVAL);
	assert_int_equal(release_build_log_append(f->s, "myapp", "not-an-id", "x", 1, NULL),
			 RELEASE_EINVAL);
	assert_int_equal(release_build_log_append(f->s, "myapp", NULL, "x", 1, NULL),
			 RELEASE_EINVAL);
	assert_int_equal(release_build_log_append(NULL, "myapp", release_build_id(b), "x", 1, NULL),
			 RELEASE_EINVAL);
	assert_log(f->s, release_build_id(b), "abc", 3);
	release_build_free(b);
}

static void an_append_creates_no_release(void **state)
{
	struct fixture *f = *state;
	release_build *b, *got = NULL;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING, NULL, 0);
	append(f->s, release_build_id(b), "x", 1);
	assert_int_equal(count_releases(f->s, "myapp"), 0);
	assert_store_ok(f->s, release_build_get(f->s, "myapp", release_build_id(b), &got));
	assert_null(release_build_release(got));
	assert_int_equal(release_build_ended(got), 0);
	release_build_free(got);
	release_build_free(b);
}

/* Linking a release to a build rewrites the build's record: the log stays. */
static void a_builds_log_survives_the_releases_made_from_it(void **state)
{
	struct fixture *f = *state;
	static const char log[] = "built\0ok\n";
	release_create_opts co;
	release_build *b;
	release *r1 = NULL, *r2 = NULL, *r3 = NULL;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_COMPLETE, log, sizeof log - 1);
	assert_store_ok(f->s, release_create(f->s, "myapp", release_build_id(b), &r1));
	assert_log(f->s, release_build_id(b), log, sizeof log - 1);
	promote(f->s, "myapp", release_id(r1));
	release_create_opts_init(&co);
	assert_store_ok(f->s, release_create_from(f->s, "myapp", &co, &r2));
	assert_log(f->s, release_build_id(b), log, sizeof log - 1);
	promote(f->s, "myapp", release_id(r2));
	assert_store_ok(f->s, release_rollback(f->s, "myapp", release_id(r1), NULL, &r3));
	assert_log(f->s, release_build_id(b), log, sizeof log - 1);
	release_free(r1);
	release_free(r2);
	release_free(r3);
	release_build_free(b);
}

/* A handle that read the build before sees the appends made since. */
static void a_handle_reading_again_sees_appends_made_since(void **state)
{
	struct fixture *f = *state;
	release_store *other = fixture_second_handle(f);
	release_build *b;

	make_app(f->s, "myapp");
	b = new_build(f->s, RELEASE_BUILD_RUNNING, "one\n", 4);
	assert_log(other, release_build_id(b), "one\n", 4);
	append(f->s, release_build_id(b), "two\n", 4);
	assert_log(other, release_build_id(b), "one\ntwo\n", 8);
	release_build_free(b);
	release_store_close(other);
}

/* A copy of a build an iterator lent outlives the iterator's next steps,
 * and says what the lent build said: its log was left out (NULL), or it
 * has none (""). */
static void a_duplicate_of_a_listed_build_says_its_log_was_left_out(void **state)
{
	struct fixture *f = *state;
	static const char log[] = "listed\0log";
	release_build_iter *it = NULL;
	const release_build *lent;
	release_build *b1, *b2, *copy, *bare;
	size_t len = 99;

	make_app(f->s, "myapp");
	b1 = new_build(f->s, RELEASE_BUILD_RUNNING, NULL, 0);
	b2 = new_build(f->s, RELEASE_BUILD_RUNNING, log, sizeof log - 1);
	assert_store_ok(f->s, release_build_list(f->s, "myapp", 0, &it));
	assert_int_equal(release_build_iter_next(it, &lent), 0);
	copy = release_build_dup(lent);
	assert_non_null(copy);
	assert_int_equal(release_build_iter_next(it, &lent), 0);
	bare = release_build_dup(lent);
	assert_non_null(bare);
	assert_int_equal(release_build_iter_next(it, &lent), RELEASE_ITEROVER);
	release_build_iter_free(it);
	assert_string_equal(release_build_id(copy), release_build_id(b2));
	assert_null(release_build_log(copy, &len));
	assert_int_equal(len, 0);
	assert_string_equal(release_build_id(bare), release_build_id(b1));
	len = 99;
	assert_string_equal(release_build_log(bare, &len), "");
	assert_int_equal(len, 0);
	release_build_free(copy);
	release_build_free(bare);
	release_build_free(b1);
	release_build_free(b2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(appends_to_a_created_build_are_kept_in_order),
		T(appends_to_a_running_build_are_kept_in_order),
		T(append_returns_the_build_as_written),
		T(every_byte_value_is_kept_exactly),
		T(appending_nothing_changes_nothing),
		T(a_complete_builds_log_is_final),
		T(a_failed_builds_log_is_final),
		T(completing_a_build_keeps_its_log),
		T(a_log_past_the_limit_is_einval_and_nothing_is_appended),
		T(one_append_past_the_limit_is_einval),
		T(a_log_given_at_creation_is_kept),
		T(a_complete_build_may_be_created_with_its_log),
		T(a_creation_log_past_the_limit_is_einval),
		T(a_null_creation_log_with_a_length_is_einval),
		T(build_opts_of_the_1_0_size_carry_no_log),
		T(a_build_without_a_log_reads_as_empty),
		T(a_null_build_has_no_log),
		T(a_duplicate_build_has_its_own_copy_of_the_log),
		T(listing_builds_leaves_their_logs_out),
		T(a_listed_build_read_again_has_its_log),
		T(a_handle_reading_again_sees_appends_made_since),
		T(a_duplicate_of_a_listed_build_says_its_log_was_left_out),
		T(appends_from_two_handles_are_both_kept),
		cmocka_unit_test(appends_made_at_once_are_both_kept_whole),
		cmocka_unit_test(an_append_racing_the_completion_is_refused_whole),
		cmocka_unit_test(a_completion_racing_an_append_keeps_the_appended_bytes),
		T(an_unknown_build_is_enotfound),
		T(another_apps_build_is_enotfound_and_unchanged),
		T(null_data_with_a_length_or_a_malformed_id_is_einval),
		T(an_append_creates_no_release),
		T(a_builds_log_survives_the_releases_made_from_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
