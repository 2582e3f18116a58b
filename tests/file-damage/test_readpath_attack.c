/*
 * The file store's read path under attack: a read-only call racing a writer
 * on another handle, at a chosen moment inside the call, and reads of
 * damaged or forged files.
 *
 * The moment is chosen by a pread64() defined here: librelease.so calls
 * libc through its PLT, so this definition comes first. Armed, it runs a
 * hook (a writer's calls, on a handle of its own, as another process would
 * make them) just before the reader's first read of a file of a given kind,
 * then forwards to the real pread64.
 */
#include "damage.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ the hook */

typedef ssize_t (*pread_fn)(int, void *, size_t, off_t);

static struct {
	const char *prefix; /* the kind of file whose first read runs fn */
	void (*fn)(void *);
	void *arg;
	int armed;
	int ran;
} hook;

static pread_fn real_pread(void)
{
	void *p = dlsym(RTLD_NEXT, "pread64");
	pread_fn f;

	/* ISO C has no conversion from dlsym's object pointer to a function's. */
	memcpy(&f, &p, sizeof f);
	return f;
}

/* Whether fd is a file whose name begins with prefix. */
static int fd_named(int fd, const char *prefix)
{
	char link[64], path[512];
	ssize_t n;
	const char *base;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof path - 1)) < 0)
		return 0;
	path[n] = '\0';
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return strncmp(base, prefix, strlen(prefix)) == 0;
}

ssize_t atk_pread64(int fd, void *buf, size_t n, off_t off) __asm__("pread64");
ssize_t atk_pread64(int fd, void *buf, size_t n, off_t off)
{
	if (hook.armed && fd_named(fd, hook.prefix)) {
		hook.armed = 0; /* the writer's own reads pass */
		hook.fn(hook.arg);
		hook.ran = 1;
	}
	return real_pread()(fd, buf, n, off);
}

static void arm(const char *prefix, void (*fn)(void *), void *arg)
{
	hook.prefix = prefix;
	hook.fn = fn;
	hook.arg = arg;
	hook.ran = 0;
	hook.armed = 1;
}

/* ------------------------------------------------------------ helpers */

#define APP "web"

/* A release of a new complete build of APP; its id in id. */
static void new_release(release_store *s, char id[32])
{
	release_build_opts o;
	release_build *b = NULL;
	release *r = NULL;

	release_build_opts_init(&o);
	o.description = "d";
	o.manifest = "m";
	o.status = RELEASE_BUILD_COMPLETE;
	assert_int_equal(release_build_create(s, APP, &o, &b), 0);
	assert_int_equal(release_create(s, APP, release_build_id(b), &r), 0);
	snprintf(id, 32, "%s", release_id(r));
	release_build_free(b);
	release_free(r);
}

static void promote_to(release_store *s, const char *id)
{
	release_promote_opts o;

	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_FORCE;
	if (release_promote(s, APP, id, &o) != 0)
		fail_msg("promoting %s: %s", id, release_store_errmsg(s));
}

/* A store with APP and releases id[0..n), the first one active, written
 * through *writer; *reader has read it once (its files are open). Returns
 * the store's directory. */
static const char *store_with_releases(release_store **writer, release_store **reader,
				       char (*id)[32], size_t n)
{
	const char *dir = temp_dir();
	release *r = NULL;

	*writer = open_store(dir);
	assert_int_equal(release_app_create(*writer, APP, NULL), 0);
	for (size_t i = 0; i < n; i++)
		new_release(*writer, id[i]);
	promote_to(*writer, id[0]);
	*reader = open_store(dir);
	assert_int_equal(release_get_active(*reader, APP, &r), 0);
	release_free(r);
	return dir;
}

/* ------------------------------------------- a read-only call's snapshot */

struct writer {
	release_store *s;
	char (*id)[32];
};

/* Moves the active pointer on twice and prunes: the release active before
 * is gone (neither active nor the one before it). */
static void promote_twice_and_prune(void *arg)
{
	struct writer *w = arg;
	size_t removed = 0;

	promote_to(w->s, w->id[1]);
	promote_to(w->s, w->id[2]);
	if (release_prune(w->s, APP, 0, &removed) != 0)
		fail_msg("pruning: %s", release_store_errmsg(w->s));
	assert_true(removed >= 1);
}

/*
 * release_get_active() reads the pointer, the release it names, then the
 * pointer again: if another process moved the pointer and pruned the
 * release in between, the second read shows the move and the call reads
 * again. It must never call that a corrupt store.
 */
static void get_active_when_its_release_is_pruned_meanwhile_reads_again(void **state)
{
	char id[3][32];
	release_store *reader, *writer;
	struct writer w;
	release *r = NULL;
	int rc;

	(void)state;
	store_with_releases(&writer, &reader, id, 3);
	w.s = writer;
	w.id = id;
	/* The reader's first look at the key index is load_release()'s, between
	 * its two reads of the pointer. */
	arm("keys.", promote_twice_and_prune, &w);
	rc = release_get_active(reader, APP, &r);
	assert_true(hook.ran);
	if (rc != 0)
		fail_msg("release_get_active: %d: %s", rc, release_store_errmsg(reader));
	assert_string_equal(release_id(r), id[2]);
	assert_int_equal(release_is_active(r), 1);
	release_free(r);
	release_store_close(reader);
	release_store_close(writer);
}

static void promote_second(void *arg)
{
	struct writer *w = arg;

	promote_to(w->s, w->id[1]);
}

/*
 * release_get() of a release promoted while it ran: the release and the
 * pointer are written in one commit, so the answer is either "not yet
 * promoted, not active" or "promoted, active", never a promotion time on a
 * release said not to be active (no later promotion ever happened).
 */
static void get_of_a_release_promoted_meanwhile_agrees_with_the_pointer(void **state)
{
	char id[2][32];
	release_store *reader, *writer;
	struct writer w;
	release *r = NULL;

	(void)state;
	store_with_releases(&writer, &reader, id, 2);
	w.s = writer;
	w.id = id;
	arm("keys.", promote_second, &w);
	assert_int_equal(release_get(reader, APP, id[1], &r), 0);
	assert_true(hook.ran);
	if (release_promoted(r) != 0 && !release_is_active(r))
		fail_msg("release %s reads as promoted at %lld but not active", id[1],
			 (long long)release_promoted(r));
	release_free(r);
	release_store_close(reader);
	release_store_close(writer);
}

/* ------------------------------------------------ forged index entries */

/* Rewrites entry seq of the release index of APP under dir to point at off,
 * sealed with a valid checksum (crc32c of its first 20 bytes, then seq). */
static void forge_entry(const char *dir, uint64_t seq, uint64_t off)
{
	char path[600];
	unsigned char e[28];
	size_t len;
	unsigned char *d;

	assert_true(gen_file(dir, APP, "rel", path, sizeof path) > 0);
	d = read_file(path, &len);
	assert_non_null(d);
	assert_true(len >= 64 + seq * 24);
	memcpy(e, d + 64 + (seq - 1) * 24, 20);
	for (int i = 0; i < 8; i++) {
		e[i] = (unsigned char)(off >> (8 * i));
		e[20 + i] = (unsigned char)(seq >> (8 * i));
	}
	{
		uint32_t crc = test_crc32c(e, 28);

		memcpy(d + 64 + (seq - 1) * 24, e, 20);
		for (int i = 0; i < 4; i++)
			d[64 + (seq - 1) * 24 + 20 + i] = (unsigned char)(crc >> (8 * i));
	}
	write_file(path, d, len);
	free(d);
}

/*
 * An index is derived: an entry that points at no record of the log is
 * damage to repair from the log (file.h, "Recovery rules"), wherever it
 * points. One sealed with a valid checksum and pointing past any offset a
 * file can have must not fail the read as an I/O error.
 */
static void entry_pointing_past_any_file_offset_is_repaired(void **state)
{
	char id[3][32], *before = NULL, *after = NULL, what[256];
	release_store *reader, *writer, *s;
	const char *dir;

	(void)state;
	dir = store_with_releases(&writer, &reader, id, 3);
	release_store_close(reader);
	release_store_close(writer);
	s = open_store(dir);
	assert_int_equal(app_text(s, APP, &before, what, sizeof what), 0);
	release_store_close(s);
	forge_entry(dir, 2, UINT64_C(1) << 63);
	s = open_store(dir);
	if (app_text(s, APP, &after, what, sizeof what) != 0)
		fail_msg("after forging an entry: %s", what);
	assert_string_equal(after, before);
	free(before);
	free(after);
	release_store_close(s);
}

/* ------------------------------------------- read-only, by itself */

#define NOBODY 65534

static void chown_all(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(lchown(path, NOBODY, NOBODY), 0);
	if (!S_ISDIR(st.st_mode) || !(d = opendir(path)))
		return;
	while ((e = readdir(d))) {
		char sub[1200];

		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			chown_all(sub);
		}
	}
	closedir(d);
}

/* As nobody: a handle that wrote app "web" reads app "api", one of whose
 * files it may not write, then writes "web" again. */
static int write_read_write(void *p)
{
	const char *dir = p, *pair = "A=1", *pair2 = "A=2";
	release_store *s = NULL;
	release_app *app = NULL;
	char uri[700];
	int rc;

	if (setgid(NOBODY) != 0 || setuid(NOBODY) != 0) {
		soft_fail("setuid: %s", strerror(errno));
		return 1;
	}
	snprintf(uri, sizeof uri, "file:%s", dir);
	if ((rc = release_store_open(&s, uri, NULL)) != 0) {
		soft_fail("open: %d %s", rc, release_store_errmsg(NULL));
		return 1;
	}
	if ((rc = release_env_set(s, APP, &pair, 1, NULL)) != 0)
		soft_fail("first write: %d (%s)", rc, release_store_errmsg(s));
	rc = release_app_get(s, "api", &app);
	release_app_free(app);
	if ((rc = release_env_set(s, APP, &pair2, 1, NULL)) != 0)
		soft_fail("a write to '%s' after reading 'api': %d (%s)", APP, rc,
			  release_store_errmsg(s));
	release_store_close(s);
	return soft_failures() ? 1 : 0;
}

/*
 * A store that can be written opens read-write (release.h, at
 * release_store_open()). Meeting one file it may not write, of one app,
 * fails what needs that file; it must not turn the whole handle read-only
 * for the rest of its life, every app's writes refused from then on.
 */
static void one_unwritable_file_does_not_turn_a_writing_handle_read_only(void **state)
{
	char base[] = "/tmp/librelease-atk-XXXXXX", dir[64], path[128];
	release_store *s;
	int status;

	(void)state;
	if (geteuid() != 0)
		skip(); /* needs to hand a store to another user */
	assert_non_null(mkdtemp(base));
	assert_int_equal(chmod(base, 0711), 0);
	snprintf(dir, sizeof dir, "%s/store", base);
	s = open_store(dir);
	assert_int_equal(release_app_create(s, APP, NULL), 0);
	assert_int_equal(release_app_create(s, "api", NULL), 0);
	{
		char id[32];

		new_release(s, id);
	}
	release_store_close(s);
	chown_all(dir);
	snprintf(path, sizeof path, "%s/api/state", dir);
	assert_int_equal(chmod(path, 0400), 0);
	status = in_child(write_read_write, dir, 60);
	rm_rf(base);
	assert_int_equal(status, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(get_active_when_its_release_is_pruned_meanwhile_reads_again),
		cmocka_unit_test(get_of_a_release_promoted_meanwhile_agrees_with_the_pointer),
		cmocka_unit_test(entry_pointing_past_any_file_offset_is_repaired),
		cmocka_unit_test(one_unwritable_file_does_not_turn_a_writing_handle_read_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
