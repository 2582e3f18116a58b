/*
 * release_get_active() while another thread, on a handle of its own (as
 * another process would), promotes, rolls back, prunes, or deletes and
 * creates the app again, in a loop, on one file store. Every answer must
 * be one the store gave at some moment: a release the writer made, active,
 * with the promotion time of one of its promotions and every other field
 * its own — never part of one release and part of another.
 */
#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define APP "racing"
#define MAX_KNOWN 1024
#define MAX_PROMOTIONS 2048
#define MAX_ANSWERS 20000
#define WRITER_OPS 150
#define WRITER_SECONDS 4

struct known { /* a release as the writer made it */
	char id[16];
	uint64_t version;
	char build[16];   /* "" when none */
	char source[16];  /* "" when none */
	char description[48];
	int gone;         /* pruned or deleted */
};

struct promotion {
	char id[16];
	int64_t promoted;
};

struct answer {
	int rc;
	char id[16];
	uint64_t version;
	char build[16];
	char source[16];
	char description[48];
	int64_t promoted;
	int active;
	char msg[96];
};

struct run {
	char uri[512];
	int recreate; /* the writer deletes and creates the app again */
	/* the writer's, read by the main thread after it is joined */
	struct known known[MAX_KNOWN];
	size_t n_known;
	struct promotion promotions[MAX_PROMOTIONS];
	size_t n_promotions;
	int writer_rc;
	char writer_msg[600];
	size_t ops;
	/* the reader's */
	struct answer *answers;
	size_t n_answers;
	atomic_int stop;
	uint64_t rng;
};

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static uint64_t next_random(struct run *r)
{
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return r->rng;
}

/* The writer cannot assert (cmocka's asserts belong to the main thread):
 * its first failure is kept and ends its loop. */
static int writer_failed(struct run *r, release_store *s, int rc, const char *what)
{
	if (rc != 0 && r->writer_rc == 0) {
		r->writer_rc = rc;
		snprintf(r->writer_msg, sizeof r->writer_msg, "%s: %s (%s)", what,
			 release_strerror(rc), release_store_errmsg(s));
	}
	return rc;
}

static void remember(struct run *r, const release *rel)
{
	struct known *k;

	if (r->n_known == MAX_KNOWN)
		return;
	k = &r->known[r->n_known++];
	copy_str(k->id, sizeof k->id, release_id(rel));
	k->version = release_version(rel);
	copy_str(k->build, sizeof k->build, release_build_of(rel));
	copy_str(k->source, sizeof k->source, release_source(rel));
	copy_str(k->description, sizeof k->description, release_description(rel));
}

static void remember_promotion(struct run *r, const char *id, int64_t promoted)
{
	if (r->n_promotions < MAX_PROMOTIONS) {
		copy_str(r->promotions[r->n_promotions].id, 16, id);
		r->promotions[r->n_promotions++].promoted = promoted;
	}
}

/* A release of a new complete build, remembered. */
static int new_release(struct run *r, release_store *s, char id[16])
{
	release_build_opts o;
	release_build *b = NULL;
	release *rel = NULL;
	char description[48];
	int rc;

	snprintf(description, sizeof description, "build %zu", r->n_known + 1);
	release_build_opts_init(&o);
	o.description = description;
	o.manifest = description;
	o.status = RELEASE_BUILD_COMPLETE;
	if (writer_failed(r, s, release_build_create(s, APP, &o, &b), "creating a build"))
		return -1;
	rc = writer_failed(r, s, release_create(s, APP, release_build_id(b), &rel),
			   "creating a release");
	release_build_free(b);
	if (rc)
		return -1;
	remember(r, rel);
	copy_str(id, 16, release_id(rel));
	release_free(rel);
	return 0;
}

/* Promotes id (forced: it may be older than the active one) and
 * remembers when it became active, as read back. */
static int promote_forced(struct run *r, release_store *s, const char *id)
{
	release_promote_opts o;
	release *rel = NULL;

	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_FORCE;
	if (writer_failed(r, s, release_promote(s, APP, id, &o), "promoting"))
		return -1;
	if (writer_failed(r, s, release_get(s, APP, id, &rel), "reading the promoted release"))
		return -1;
	remember_promotion(r, id, release_promoted(rel));
	release_free(rel);
	return 0;
}

/* A release still there, chosen at random; NULL when none is. */
static const char *any_release(struct run *r)
{
	size_t live = 0, pick;

	for (size_t i = 0; i < r->n_known; i++)
		live += !r->known[i].gone;
	if (live == 0)
		return NULL;
	pick = next_random(r) % live;
	for (size_t i = 0; i < r->n_known; i++)
		if (!r->known[i].gone && pick-- == 0)
			return r->known[i].id;
	return NULL;
}

static int rollback(struct run *r, release_store *s)
{
	const char *target = any_release(r);
	release *copy = NULL;
	int rc = release_rollback(s, APP, target, NULL, &copy);

	/* NULL target: no release active before the current one yet */
	if (rc == RELEASE_ENOTFOUND && !target)
		return 0;
	if (writer_failed(r, s, rc, "rolling back"))
		return -1;
	remember(r, copy);
	remember_promotion(r, release_id(copy), release_promoted(copy));
	release_free(copy);
	return 0;
}

static int prune(struct run *r, release_store *s)
{
	size_t removed = 0;

	if (writer_failed(r, s, release_prune(s, APP, 0, &removed), "pruning"))
		return -1;
	for (size_t i = 0; removed > 0 && i < r->n_known; i++) {
		release *rel = NULL;
		int rc;

		if (r->known[i].gone)
			continue;
		rc = release_get(s, APP, r->known[i].id, &rel);
		release_free(rel);
		if (rc == RELEASE_ENOTFOUND)
			r->known[i].gone = 1;
		else if (writer_failed(r, s, rc, "reading after a prune"))
			return -1;
	}
	return 0;
}

static int recreate(struct run *r, release_store *s)
{
	char id[16];

	if (writer_failed(r, s, release_app_delete(s, APP), "deleting the app"))
		return -1;
	for (size_t i = 0; i < r->n_known; i++)
		r->known[i].gone = 1;
	if (writer_failed(r, s, release_app_create(s, APP, NULL), "creating the app again"))
		return -1;
	if (new_release(r, s, id) != 0)
		return -1;
	/* sometimes the new app stays a while without an active release */
	if (next_random(r) % 4 == 0 && new_release(r, s, id) != 0)
		return -1;
	return promote_forced(r, s, id);
}

static void *writer(void *arg)
{
	struct run *r = arg;
	release_store *s = NULL;
	time_t end = time(NULL) + WRITER_SECONDS;
	int rc = release_store_open(&s, r->uri, NULL);

	if (writer_failed(r, NULL, rc, "opening the writer's handle") == 0) {
		for (r->ops = 0; r->ops < WRITER_OPS && time(NULL) < end; r->ops++) {
			unsigned op = (unsigned)(next_random(r) % 10);
			const char *id;
			char made[16];

			if (r->recreate && op < 3)
				rc = recreate(r, s);
			else if (op < 4)
				rc = (id = any_release(r)) ? promote_forced(r, s, id) : 0;
			else if (op < 6)
				rc = rollback(r, s);
			else if (op < 8)
				rc = prune(r, s);
			else
				rc = new_release(r, s, made) == 0 && op == 9 ? promote_forced(r, s, made)
									     : 0;
			if (rc != 0 || r->writer_rc != 0)
				break;
		}
	}
	release_store_close(s);
	atomic_store(&r->stop, 1);
	return NULL;
}

static void answer_of(struct answer *a, int rc, const release *rel, release_store *s)
{
	memset(a, 0, sizeof *a);
	a->rc = rc;
	if (rc != 0) {
		copy_str(a->msg, sizeof a->msg, release_store_errmsg(s));
		return;
	}
	copy_str(a->id, sizeof a->id, release_id(rel));
	a->version = release_version(rel);
	copy_str(a->build, sizeof a->build, release_build_of(rel));
	copy_str(a->source, sizeof a->source, release_source(rel));
	copy_str(a->description, sizeof a->description, release_description(rel));
	a->promoted = release_promoted(rel);
	a->active = release_is_active(rel);
}

/* Reads the active release until the writer stops. */
static void read_until_stopped(struct run *r, release_store *s)
{
	while (!atomic_load(&r->stop)) {
		release *rel = NULL;
		int rc = release_get_active(s, APP, &rel);

		if (r->n_answers < MAX_ANSWERS)
			answer_of(&r->answers[r->n_answers++], rc, rel, s);
		release_free(rel);
	}
}

static const struct known *find_known(const struct run *r, const char *id)
{
	for (size_t i = 0; i < r->n_known; i++)
		if (strcmp(r->known[i].id, id) == 0)
			return &r->known[i];
	return NULL;
}

static int was_promoted_at(const struct run *r, const char *id, int64_t promoted)
{
	for (size_t i = 0; i < r->n_promotions; i++)
		if (r->promotions[i].promoted == promoted && strcmp(r->promotions[i].id, id) == 0)
			return 1;
	return 0;
}

/* Every answer against what the writer made; returns how many found an
 * active release, and how many different ones. */
static size_t check_answers(const struct run *r, size_t *distinct)
{
	size_t ok = 0;

	*distinct = 0;
	for (size_t i = 0; i < r->n_answers; i++) {
		const struct answer *a = &r->answers[i];
		const struct known *k;
		int seen = 0;

		if (a->rc != 0) {
			if (a->rc != RELEASE_ENOTFOUND || !r->recreate)
				fail_msg("answer %zu: %s (%s)", i, release_strerror(a->rc), a->msg);
			if (strcmp(a->msg, "app '" APP "' not found") != 0 &&
			    strcmp(a->msg, "app '" APP "' has no active release") != 0)
				fail_msg("answer %zu: unexpected message: %s", i, a->msg);
			continue;
		}
		assert_int_equal(a->active, 1);
		k = find_known(r, a->id);
		if (!k)
			fail_msg("answer %zu: release %s was never made", i, a->id);
		assert_int_equal(a->version, k->version);
		assert_string_equal(a->build, k->build);
		assert_string_equal(a->source, k->source);
		assert_string_equal(a->description, k->description);
		if (!was_promoted_at(r, a->id, a->promoted))
			fail_msg("answer %zu: release %s was never promoted at %lld", i, a->id,
				 (long long)a->promoted);
		for (size_t j = 0; j < i && !seen; j++)
			seen = r->answers[j].rc == 0 && strcmp(r->answers[j].id, a->id) == 0;
		*distinct += !seen;
		ok++;
	}
	return ok;
}

static void run(int recreate_app)
{
	struct run *r = calloc(1, sizeof *r);
	release_store *s = NULL;
	pthread_t thread;
	char first[16];
	size_t ok, distinct;

	assert_non_null(r);
	assert_non_null(r->answers = calloc(MAX_ANSWERS, sizeof *r->answers));
	copy_str(r->uri, sizeof r->uri, test_store_uri());
	r->recreate = recreate_app;
	r->rng = 0x2545f4914f6cdd1du;
	assert_ok(release_store_open(&s, r->uri, NULL));
	make_app(s, APP);
	for (int i = 0; i < 3; i++)
		assert_int_equal(new_release(r, s, first), 0);
	assert_int_equal(promote_forced(r, s, first), 0);
	assert_store_ok(s, r->writer_rc);

	assert_int_equal(pthread_create(&thread, NULL, writer, r), 0);
	read_until_stopped(r, s);
	assert_int_equal(pthread_join(thread, NULL), 0);
	if (r->writer_rc != 0)
		fail_msg("the writer failed after %zu operations: %s", r->ops, r->writer_msg);

	ok = check_answers(r, &distinct);
	print_message("%zu writes, %zu answers: %zu active releases (%zu different), "
		      "%zu without\n",
		      r->ops, r->n_answers, ok, distinct, r->n_answers - ok);
	assert_true(ok > 0);
	assert_true(distinct > 1); /* the answers did follow the writes */
	release_store_close(s);
	free(r->answers);
	free(r);
}

static void get_active_agrees_with_promotions_rollbacks_and_prunes_of_another_thread(
	void **state)
{
	(void)state;
	run(0);
}

static void get_active_agrees_with_an_app_deleted_and_created_again_by_another_thread(
	void **state)
{
	(void)state;
	run(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			get_active_agrees_with_promotions_rollbacks_and_prunes_of_another_thread),
		cmocka_unit_test(
			get_active_agrees_with_an_app_deleted_and_created_again_by_another_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
