/*
 * Read-only file stores: "file:DIR?mode=ro", and a store that cannot be
 * written (a directory the user may not write, a read-only mount) opened
 * without the option.
 *
 * - Reads (apps, releases, builds, a get, held()) serve the last published
 *   state, and see what a read-write handle goes on writing.
 * - Every write fails with RELEASE_EUNSUPPORTED, saying the store is
 *   read-only, and nothing in the directory changes (names, sizes, modes,
 *   mtimes): not even on reads that a read-write handle would follow with
 *   a recovery.
 * - Where a read-write handle would recover first (a dead writer's run
 *   made durable but not applied, a reboot since the last checkpoint,
 *   damaged index files), a read that those records could change fails
 *   with RELEASE_EIO saying a read-write open recovers them; it never
 *   answers wrong. A dead writer's unacknowledged run is not shown.
 * - A store that does not exist is not created.
 * - An app read while a writer was making it is read once it is made.
 */
#include "damage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOBODY 65534

static struct history H;

static int group_setup(void **state)
{
	(void)state;
	history_make(&H);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	history_free(&H);
	return 0;
}

static int test_setup(void **state)
{
	(void)state;
	soft_reset();
	return 0;
}

/* ------------------------------------------------------------ helpers */

/* "path mode size mtime\n" for every entry under dir, sorted, recursively:
 * what must not change. */
static void fingerprint(const char *dir, const char *rel, struct sb *out)
{
	char path[1024], names[64][256];
	size_t n = 0;
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof path, "%s%s%s", dir, *rel ? "/" : "", rel);
	if (!(d = opendir(path)))
		return;
	while ((e = readdir(d)) && n < 64)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			snprintf(names[n++], sizeof names[0], "%s", e->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
	for (size_t i = 0; i < n; i++) {
		char sub[600], full[1700];
		struct stat st;

		snprintf(sub, sizeof sub, "%.300s%s%.255s", rel, *rel ? "/" : "", names[i]);
		snprintf(full, sizeof full, "%s/%s", dir, sub);
		if (lstat(full, &st) != 0)
			continue;
		sb_add(out, "%s %o %lld %lld.%09ld\n", sub, (unsigned)st.st_mode,
		       (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		if (S_ISDIR(st.st_mode))
			fingerprint(dir, sub, out);
	}
}

static char *fingerprint_of(const char *dir)
{
	struct sb b = {0};

	fingerprint(dir, "", &b);
	sb_add(&b, "%s", "");
	return b.p;
}

static release_store *open_ro(const char *dir)
{
	release_store *s = NULL;
	char uri[720];
	int rc;

	snprintf(uri, sizeof uri, "file:%s?mode=ro", dir);
	rc = release_store_open(&s, uri, NULL);
	if (rc != 0)
		fail_msg("opening %s: %d: %s", uri, rc, release_store_errmsg(NULL));
	return s;
}

/* The number of releases a listing gives, or the listing's error. */
static int list_count(release_store *s, const char *app, size_t *n)
{
	release_iter *it;
	const release *r;
	int rc = release_list(s, app, NULL, &it);

	*n = 0;
	if (rc != 0)
		return rc;
	while ((rc = release_iter_next(it, &r)) == 0)
		(*n)++;
	release_iter_free(it);
	return rc == RELEASE_ITEROVER ? 0 : rc;
}

static void assert_views_equal(const struct view *a, const struct view *b)
{
	assert_int_equal(a->nrel, b->nrel);
	assert_int_equal(a->nbld, b->nbld);
	assert_string_equal(a->apps, b->apps);
	assert_string_equal(a->app_dump, b->app_dump);
	for (size_t i = 0; i < a->nrel; i++)
		assert_string_equal(a->rel[i].dump, b->rel[i].dump);
	for (size_t i = 0; i < a->nbld; i++)
		assert_string_equal(a->bld[i].dump, b->bld[i].dump);
}

static void expect_readonly_refusal(int rc, const char *msg, const char *what)
{
	if (rc != RELEASE_EUNSUPPORTED || !strstr(msg, "read-only"))
		fail_msg("%s: %d (%s), want RELEASE_EUNSUPPORTED saying read-only", what, rc, msg);
}

/* Overwrites the u64 at off of both state copies of app in t, resealed. */
static void state_set(struct tree *t, const char *app, size_t off, uint64_t v)
{
	char path[300];
	struct tfile *f;
	unsigned char *b;

	snprintf(path, sizeof path, "%s/state", app);
	assert_non_null(f = tree_get(t, path));
	assert_int_equal(f->len, 4096);
	b = malloc(f->len);
	assert_non_null(b);
	memcpy(b, f->data, f->len);
	for (size_t copy = 0; copy < 2; copy++) {
		unsigned char *c = b + copy * 2048;
		uint32_t crc;

		for (int i = 0; i < 8; i++)
			c[off + (size_t)i] = (unsigned char)(v >> (8 * i));
		crc = test_crc32c(c, 2044);
		for (int i = 0; i < 4; i++)
			c[2044 + i] = (unsigned char)(crc >> (8 * i));
	}
	tree_set(t, path, b, f->len);
	free(b);
}

static uint64_t state_get(struct tree *t, const char *app, size_t off)
{
	char path[300];
	struct tfile *f;
	uint64_t v = 0;

	snprintf(path, sizeof path, "%s/state", app);
	assert_non_null(f = tree_get(t, path));
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)f->data[off + (size_t)i] << (8 * i);
	return v;
}

#define STATE_INDEXED_LEN 40
#define STATE_SYNCED_LEN 48
#define STATE_DURABLE_LEN 1440

/* History [0] with the log of history [1]: a writer appended release 6's
 * run, synced it and died before applying it. */
static void dead_writer_tree(struct tree *t)
{
	const struct tfile *log = NULL;
	struct tree later;

	tree_copy(&later, &H.t[1]);
	tree_copy(t, &H.t[0]);
	assert_non_null(log = tree_get(&later, LOG_PATH));
	tree_set(t, LOG_PATH, log->data, log->len);
	tree_free(&later);
}

/* ------------------------------------------------------------ tests */

static void test_reads_follow_a_writer(void **state)
{
	const char *dir = temp_dir();
	release_store *rw, *ro;
	struct view a, b;
	size_t n0, n1;
	release *r;
	const char *pairs[3] = {"ADDED=1", "ADDED=2", "ADDED=3"};

	(void)state;
	tree_store(&H.t[0], dir);
	rw = open_store(dir);
	ro = open_ro(dir);
	view_capture(ro, "web", &a);
	view_capture(rw, "web", &b);
	assert_views_equal(&a, &b);
	view_free(&b);
	assert_int_equal(list_count(ro, "web", &n0), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(release_env_set(rw, "web", &pairs[i], 1, NULL), 0);
	assert_int_equal(list_count(ro, "web", &n1), 0);
	assert_true(n1 > n0);
	assert_int_equal(release_get_version(ro, "web", n1, &r), 0);
	assert_non_null(release_env_get(r, "ADDED"));
	release_free(r);
	view_capture(ro, "web", &b);
	assert_int_equal(b.nrel, a.nrel + (n1 - n0));
	view_free(&a);
	view_free(&b);
	release_store_close(ro);
	release_store_close(rw);
}

/* An app read while a writer was making it (its directory there, its
 * state file not yet) is read once made. */
static void test_an_app_read_while_being_made_is_read_once_made(void **state)
{
	const char *dir = temp_dir();
	release_store *rw, *ro;
	release_app *app = NULL;
	char path[600];
	int fd;

	(void)state;
	tree_store(&H.t[0], dir);
	snprintf(path, sizeof path, "%s/late", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/late/lock", dir);
	assert_true((fd = open(path, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	ro = open_ro(dir);
	assert_int_equal(release_app_get(ro, "late", &app), RELEASE_ENOTFOUND);
	rw = open_store(dir);
	assert_int_equal(release_app_create(rw, "late", NULL), 0);
	assert_int_equal(release_app_get(ro, "late", &app), 0);
	release_app_free(app);
	release_store_close(ro);
	release_store_close(rw);
}

static int keep_info(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct sb *b = payload;

	(void)seq;
	(void)key;
	sb_add(b, "%.*s", (int)len, (const char *)data);
	return 0;
}

static void test_held_reads_a_holder(void **state)
{
	const char *dir = temp_dir();
	char ro_dir[600];
	struct backend w, r;
	struct sb got = {0};
	void *hold = NULL;

	(void)state;
	tree_store(&H.t[0], dir);
	snprintf(ro_dir, sizeof ro_dir, "%s?mode=ro", dir);
	backend_open(dir, &w);
	backend_open(ro_dir, &r);
	assert_rc(&r, r.s->held(r.ctx, "web", keep_info, &got), RELEASE_ENOTFOUND);
	assert_rc(&w, w.s->hold(w.ctx, "web", "deploying", 9, &hold), 0);
	assert_rc(&r, r.s->held(r.ctx, "web", keep_info, &got), 0);
	assert_non_null(got.p);
	assert_string_equal(got.p, "deploying");
	w.s->unhold(w.ctx, hold);
	assert_rc(&r, r.s->held(r.ctx, "web", keep_info, &got), RELEASE_ENOTFOUND);
	free(got.p);
	backend_close(&r);
	backend_close(&w);
}

static void test_every_write_is_refused_and_nothing_changes(void **state)
{
	const char *dir = temp_dir();
	char ro_dir[600], *before, *after;
	const char *pair = "A=1", *key = "A";
	release_build_opts bo;
	struct backend b;
	release_store *s;
	release_app *app;
	void *hold = NULL;
	size_t failed = 0;
	release_storage_op op = {.op = RELEASE_OP_PUT, .kind = RELEASE_KIND_META, .key = "x",
				 .data = "y", .len = 1};

	(void)state;
	tree_store(&H.t[0], dir);
	before = fingerprint_of(dir);
	s = open_ro(dir);
	/* Reads first: they must write nothing either. */
	{
		struct view v;

		view_capture(s, "web", &v);
		view_free(&v);
	}
	expect_readonly_refusal(release_app_create(s, "new", NULL), release_store_errmsg(s),
				"app create");
	expect_readonly_refusal(release_env_set(s, "web", &pair, 1, NULL), release_store_errmsg(s),
				"env set");
	expect_readonly_refusal(release_env_unset(s, "web", &key, 1, NULL),
				release_store_errmsg(s), "env unset");
	release_build_opts_init(&bo);
	expect_readonly_refusal(release_build_create(s, "web", &bo, NULL), release_store_errmsg(s),
				"build create");
	expect_readonly_refusal(release_promote(s, "web", H.v[0].rel[0].id, NULL),
				release_store_errmsg(s), "promote");
	expect_readonly_refusal(release_rollback(s, "web", NULL, NULL, NULL),
				release_store_errmsg(s), "rollback");
	expect_readonly_refusal(release_prune(s, "web", 1, NULL), release_store_errmsg(s), "prune");
	expect_readonly_refusal(release_app_delete(s, "web"), release_store_errmsg(s), "app delete");
	assert_int_equal(release_app_get(s, "web", &app), 0);
	release_app_free(app);
	release_store_close(s);

	snprintf(ro_dir, sizeof ro_dir, "%s?mode=ro", dir);
	backend_open(ro_dir, &b);
	expect_readonly_refusal(b.s->put(b.ctx, "web", RELEASE_KIND_META, "x", 0, "y", 1), msg(&b),
				"put");
	expect_readonly_refusal(b.s->put(b.ctx, "other", RELEASE_KIND_META, "x", 0, "y", 1),
				msg(&b), "put to a new app");
	expect_readonly_refusal(b.s->cas(b.ctx, "web", RELEASE_KIND_META, "x", NULL, 0, "y", 1),
				msg(&b), "cas");
	expect_readonly_refusal(b.s->del(b.ctx, "web", RELEASE_KIND_RELEASE, "1"), msg(&b), "del");
	expect_readonly_refusal(b.s->commit(b.ctx, "web", &op, 1, &failed), msg(&b), "commit");
	expect_readonly_refusal(b.s->hold(b.ctx, "web", "x", 1, &hold), msg(&b), "hold");
	assert_null(hold);
	backend_close(&b);

	after = fingerprint_of(dir);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_no_store_is_created(void **state)
{
	const char *dir = temp_dir();
	char missing[600], uri[700];
	release_store *s = NULL;
	DIR *d;
	int entries = 0;
	struct dirent *e;

	(void)state;
	snprintf(missing, sizeof missing, "%s/none", dir);
	snprintf(uri, sizeof uri, "file:%s?mode=ro", missing);
	assert_int_equal(release_store_open(&s, uri, NULL), RELEASE_ENOTFOUND);
	assert_null(s);
	assert_int_equal(access(missing, F_OK), -1);
	/* An empty directory stays empty. */
	snprintf(uri, sizeof uri, "file:%s?mode=ro", dir);
	assert_int_equal(release_store_open(&s, uri, NULL), RELEASE_ENOTFOUND);
	assert_non_null(strstr(release_store_errmsg(NULL), "read-only"));
	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)))
		entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	assert_int_equal(entries, 0);
	/* An unknown option is refused, and creates nothing either. */
	snprintf(uri, sizeof uri, "file:%s?mode=readonly", missing);
	assert_int_equal(release_store_open(&s, uri, NULL), RELEASE_EINVAL);
	assert_int_equal(access(missing, F_OK), -1);
}

static void test_empty_query_keeps_a_question_mark_in_the_path(void **state)
{
	const char *dir = temp_dir();
	char odd[600], uri[700];
	release_store *s = NULL;

	(void)state;
	snprintf(odd, sizeof odd, "%s/a?b=c", dir);
	snprintf(uri, sizeof uri, "file:%s?", odd);
	assert_int_equal(release_store_open(&s, uri, NULL), 0);
	release_store_close(s);
	assert_int_equal(access(odd, F_OK), 0);
}

/* A dead writer's run, synced but never acknowledged, is not shown, and
 * nothing is written to recover it. */
static void test_dead_writers_unacknowledged_run_is_not_shown(void **state)
{
	const char *dir = temp_dir();
	struct tree t;
	struct view v, w;
	release_store *s;
	char *before, *after;

	(void)state;
	dead_writer_tree(&t);
	tree_store(&t, dir);
	before = fingerprint_of(dir);
	s = open_ro(dir);
	view_capture(s, "web", &v);
	assert_views_equal(&v, &H.v[0]);
	release_store_close(s);
	after = fingerprint_of(dir);
	assert_string_equal(before, after);
	/* A read-write handle recovers it (it leads the dead writer's sync). */
	s = open_store(dir);
	view_capture(s, "web", &w);
	assert_int_equal(w.nrel, H.v[1].nrel);
	release_store_close(s);
	view_free(&v);
	view_free(&w);
	tree_free(&t);
	free(before);
	free(after);
}

/* A writer (or a repair) that applied release 6 to the indexes and died
 * before publishing the state: a read-only handle answers for the state
 * published, by key as by listing. */
static void test_applied_but_unpublished_record_is_not_shown(void **state)
{
	const char *dir = temp_dir();
	const char *files[] = {LOG_PATH, "web/rel.1", "web/keys.1", "web/bld.1"};
	struct tree t, later;
	release_store *s;
	release *r = NULL;
	size_t n;
	int rc;

	(void)state;
	tree_copy(&t, &H.t[0]);
	tree_copy(&later, &H.t[1]);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		const struct tfile *f = tree_get(&later, files[i]);

		assert_non_null(f);
		tree_set(&t, files[i], f->data, f->len);
	}
	tree_store(&t, dir);
	s = open_ro(dir);
	assert_int_equal(list_count(s, "web", &n), 0);
	assert_int_equal(n, H.v[0].nrel);
	rc = release_get(s, "web", H.v[1].rel[0].id, &r);
	if (rc != RELEASE_ENOTFOUND)
		fail_msg("get of the unpublished release: %d (%s)", rc, release_store_errmsg(s));
	release_store_close(s);
	tree_free(&t);
	tree_free(&later);
}

/* A run its leader made durable (recorded as such) but never applied may
 * have been acknowledged: a read it could change fails, saying a
 * read-write open recovers it; other reads are served. */
static void test_durable_unapplied_run_fails_the_reads_it_changes(void **state)
{
	const char *dir = temp_dir();
	const struct tfile *log;
	struct tree t;
	release_store *s;
	release *r = NULL;
	size_t n;
	char *before, *after;
	int rc;

	(void)state;
	dead_writer_tree(&t);
	assert_non_null(log = tree_get(&t, LOG_PATH));
	state_set(&t, "web", STATE_DURABLE_LEN, log->len);
	tree_store(&t, dir);
	before = fingerprint_of(dir);
	s = open_ro(dir);
	rc = list_count(s, "web", &n);
	if (rc != RELEASE_EIO || !strstr(release_store_errmsg(s), "read-write open"))
		fail_msg("listing: %d (%s), want RELEASE_EIO naming a read-write open", rc,
			 release_store_errmsg(s));
	/* Builds are not in the unapplied run: they list. */
	{
		release_build_iter *it;
		const release_build *b;
		size_t nb = 0;

		assert_int_equal(release_build_list(s, "web", 0, &it), 0);
		while ((rc = release_build_iter_next(it, &b)) == 0)
			nb++;
		release_build_iter_free(it);
		assert_int_equal(rc, RELEASE_ITEROVER);
		assert_int_equal(nb, H.v[0].nbld);
	}
	release_store_close(s);
	after = fingerprint_of(dir);
	assert_string_equal(before, after);
	s = open_store(dir);
	assert_int_equal(list_count(s, "web", &n), 0);
	assert_int_equal(n, H.v[1].nrel);
	assert_int_equal(release_get_version(s, "web", n, &r), 0);
	release_free(r);
	release_store_close(s);
	tree_free(&t);
	free(before);
	free(after);
}

/* After a reboot the indexes since the last checkpoint cannot be trusted
 * until a writer replays the log: reads they answer fail, nothing is
 * written; a read-write open then reads it all. */
static void test_reboot_replay_needed_fails_reads_without_writing(void **state)
{
	const char *dir = temp_dir();
	struct tree t;
	release_store *s;
	size_t n;
	char *before, *after;
	int rc;

	(void)state;
	tree_copy(&t, &H.t[1]);
	tree_fake_reboot(&t, "web");
	assert_true(state_get(&t, "web", STATE_SYNCED_LEN) <
		    state_get(&t, "web", STATE_INDEXED_LEN));
	tree_store(&t, dir);
	before = fingerprint_of(dir);
	s = open_ro(dir);
	rc = list_count(s, "web", &n);
	if (rc != RELEASE_EIO || !strstr(release_store_errmsg(s), "reboot"))
		fail_msg("listing: %d (%s), want RELEASE_EIO naming the reboot", rc,
			 release_store_errmsg(s));
	/* Another app, untouched since its checkpoint, reads. */
	{
		release_app *app;

		assert_int_equal(release_app_get(s, "api", &app), 0);
		release_app_free(app);
	}
	release_store_close(s);
	after = fingerprint_of(dir);
	assert_string_equal(before, after);
	s = open_store(dir);
	assert_int_equal(list_count(s, "web", &n), 0);
	assert_int_equal(n, H.v[1].nrel);
	release_store_close(s);
	tree_free(&t);
	free(before);
	free(after);
}

/* Damaged index files are not rebuilt by a read-only handle: the read
 * fails, saying so, and a read-write open repairs them. */
static void test_damaged_index_is_not_repaired(void **state)
{
	const char *dir = temp_dir();
	char rel[700];
	release_store *s;
	release *r = NULL;
	char *before, *after;
	int rc;

	(void)state;
	tree_store(&H.t[1], dir);
	assert_true(gen_file(dir, "web", "rel", rel, sizeof rel) > 0);
	zero_range(rel, 64 + 24 * 2, 24); /* the entry of release 3 */
	before = fingerprint_of(dir);
	s = open_ro(dir);
	rc = release_get_version(s, "web", 3, &r);
	if (rc != RELEASE_EIO || !strstr(release_store_errmsg(s), "read-write open"))
		fail_msg("get: %d (%s), want RELEASE_EIO naming a read-write open", rc,
			 release_store_errmsg(s));
	assert_null(r);
	release_store_close(s);
	after = fingerprint_of(dir);
	assert_string_equal(before, after);
	s = open_store(dir);
	assert_int_equal(release_get_version(s, "web", 3, &r), 0);
	release_free(r);
	release_store_close(s);
	free(before);
	free(after);
}

/* ------------------------------------------------- another user, a mount */

struct child_arg {
	const char *dir;
};

/* As nobody, on a store of nobody's that even nobody cannot write: it opens
 * read-only by itself, reads, and refuses writes; mode=rw fails. */
static int as_nobody(void *p)
{
	const struct child_arg *c = p;
	const char *pair = "A=1";
	release_store *s = NULL;
	char uri[720];
	size_t n;
	int rc;

	if (setgid(NOBODY) != 0 || setuid(NOBODY) != 0) {
		soft_fail("setuid: %s", strerror(errno));
		return 1;
	}
	snprintf(uri, sizeof uri, "file:%s", c->dir);
	if ((rc = release_store_open(&s, uri, NULL)) != 0) {
		soft_fail("open: %d %s", rc, release_store_errmsg(NULL));
		return 1;
	}
	if ((rc = list_count(s, "web", &n)) != 0 || n != H.v[0].nrel)
		soft_fail("listing: %d (%s), %zu releases", rc, release_store_errmsg(s), n);
	rc = release_env_set(s, "web", &pair, 1, NULL);
	if (rc != RELEASE_EUNSUPPORTED || !strstr(release_store_errmsg(s), "read-only"))
		soft_fail("env set: %d (%s)", rc, release_store_errmsg(s));
	release_store_close(s);
	snprintf(uri, sizeof uri, "file:%s?mode=rw", c->dir);
	if ((rc = release_store_open(&s, uri, NULL)) == 0) {
		soft_fail("mode=rw opened a store it cannot write");
		release_store_close(s);
	}
	return soft_failures() ? 1 : 0;
}

static void chown_tree(const char *path, int files_mode, int dirs_mode)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(lchown(path, NOBODY, NOBODY), 0);
	if (!S_ISDIR(st.st_mode)) {
		assert_int_equal(chmod(path, (mode_t)files_mode), 0);
		return;
	}
	assert_non_null(d = opendir(path));
	while ((e = readdir(d))) {
		char sub[1200];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		chown_tree(sub, files_mode, dirs_mode);
	}
	closedir(d);
	assert_int_equal(chmod(path, (mode_t)dirs_mode), 0);
}

static void test_unwritable_store_opens_read_only_for_its_owner(void **state)
{
	char base[] = "/tmp/librelease-ro-XXXXXX", dir[64];
	struct child_arg c = {dir};
	char *before, *after;
	int status;

	(void)state;
	if (geteuid() != 0)
		skip(); /* needs to hand a store to another user */
	assert_non_null(mkdtemp(base));
	assert_int_equal(chmod(base, 0711), 0);
	snprintf(dir, sizeof dir, "%s/store", base);
	tree_store(&H.t[0], dir);
	chown_tree(dir, 0400, 0500);
	before = fingerprint_of(dir);
	status = in_child(as_nobody, &c, 60);
	after = fingerprint_of(dir);
	chown_tree(dir, 0600, 0700);
	rm_rf(base);
	assert_int_equal(status, 0);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/* On a read-only bind mount of a store, in a mount namespace of its own. */
static int on_mount(void *p)
{
	const struct child_arg *c = p;
	const char *pair = "A=1";
	release_store *s = NULL;
	char uri[720];
	size_t n;
	int rc;

	snprintf(uri, sizeof uri, "file:%s", c->dir);
	if ((rc = release_store_open(&s, uri, NULL)) != 0) {
		soft_fail("open: %d %s", rc, release_store_errmsg(NULL));
		return 1;
	}
	if ((rc = list_count(s, "web", &n)) != 0 || n != H.v[0].nrel)
		soft_fail("listing: %d (%s), %zu releases", rc, release_store_errmsg(s), n);
	rc = release_env_set(s, "web", &pair, 1, NULL);
	if (rc != RELEASE_EUNSUPPORTED || !strstr(release_store_errmsg(s), "read-only"))
		soft_fail("env set: %d (%s)", rc, release_store_errmsg(s));
	release_store_close(s);
	return soft_failures() ? 1 : 0;
}

static int mount_and_read(void *p)
{
	const struct child_arg *c = p;
	char mnt[600];
	struct child_arg m = {mnt};

	snprintf(mnt, sizeof mnt, "%s.mnt", c->dir);
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mkdir(mnt, 0700) != 0 || mount(c->dir, mnt, NULL, MS_BIND, NULL) != 0 ||
	    mount(NULL, mnt, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0)
		return 77; /* not allowed here */
	return on_mount(&m);
}

static void test_read_only_mount_opens_read_only(void **state)
{
	const char *dir = temp_dir();
	struct child_arg c = {dir};
	char mnt[600];
	char *before, *after;
	int status;

	(void)state;
	tree_store(&H.t[0], dir);
	before = fingerprint_of(dir);
	status = in_child(mount_and_read, &c, 60);
	snprintf(mnt, sizeof mnt, "%s.mnt", dir);
	rmdir(mnt);
	if (status == 77)
		skip();
	after = fingerprint_of(dir);
	assert_int_equal(status, 0);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reads_follow_a_writer, test_setup),
		cmocka_unit_test_setup(test_an_app_read_while_being_made_is_read_once_made,
				       test_setup),
		cmocka_unit_test_setup(test_held_reads_a_holder, test_setup),
		cmocka_unit_test_setup(test_every_write_is_refused_and_nothing_changes, test_setup),
		cmocka_unit_test_setup(test_no_store_is_created, test_setup),
		cmocka_unit_test_setup(test_empty_query_keeps_a_question_mark_in_the_path,
				       test_setup),
		cmocka_unit_test_setup(test_dead_writers_unacknowledged_run_is_not_shown,
				       test_setup),
		cmocka_unit_test_setup(test_applied_but_unpublished_record_is_not_shown, test_setup),
		cmocka_unit_test_setup(test_durable_unapplied_run_fails_the_reads_it_changes,
				       test_setup),
		cmocka_unit_test_setup(test_reboot_replay_needed_fails_reads_without_writing,
				       test_setup),
		cmocka_unit_test_setup(test_damaged_index_is_not_repaired, test_setup),
		cmocka_unit_test_setup(test_unwritable_store_opens_read_only_for_its_owner,
				       test_setup),
		cmocka_unit_test_setup(test_read_only_mount_opens_read_only, test_setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
