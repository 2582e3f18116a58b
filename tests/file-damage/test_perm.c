/*
 * Privacy and containment, and the FORMAT file.
 *
 * - What the store creates is private: directories 0700, files 0600, under
 *   any umask.
 * - A symlink planted in the store (for an app directory, its state, log,
 *   index or lock file, or FORMAT's temporary) is never followed: the
 *   operation fails with an error and the symlink's target is untouched. A
 *   store path that is itself a symlink is refused with a clear error.
 * - Hostile app names are RELEASE_EINVAL everywhere and create nothing.
 * - A store of a newer format is RELEASE_EUNSUPPORTED; a FORMAT file that
 *   is not one is RELEASE_ECORRUPT; a new store gets a FORMAT file.
 */
#include "damage.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static int by_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* "name\n" for each entry of a directory, sorted, recursively, with modes
 * and link targets: a fingerprint to see that nothing changed. */
static void list_dir(const char *dir, const char *rel, char *out, size_t len)
{
	char path[1300], names[64][256];
	size_t n = 0;
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "%s%s%s", dir, *rel ? "/" : "", rel);
	if (!(d = opendir(path)))
		return;
	while ((e = readdir(d)) && n < 64)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			snprintf(names[n++], sizeof names[0], "%s", e->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], by_name);
	for (size_t i = 0; i < n; i++) {
		char sub[600], full[1300], line[1400], target[256] = "";
		struct stat st;
		size_t used = strlen(out);

		snprintf(sub, sizeof sub, "%.300s%s%.255s", rel, *rel ? "/" : "", names[i]);
		snprintf(full, sizeof full, "%s/%s", dir, sub);
		if (lstat(full, &st) != 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			ssize_t k = readlink(full, target, sizeof target - 1);

			target[k > 0 ? k : 0] = '\0';
		}
		snprintf(line, sizeof line, "%s %o %lld %s\n", sub, (unsigned)st.st_mode,
			 S_ISREG(st.st_mode) ? (long long)st.st_size : 0LL, target);
		if (used + strlen(line) < len)
			strcat(out, line);
		if (S_ISDIR(st.st_mode))
			list_dir(dir, sub, out, len);
	}
}

static char *fingerprint(const char *dir)
{
	char *out = calloc(1, 65536);

	assert_non_null(out);
	list_dir(dir, "", out, 65536);
	return out;
}

/* ------------------------------------------------------------- modes */

static void check_modes(const char *root, const char *rel)
{
	char path[1300];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d))) {
		char sub[600], full[1300];
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		snprintf(full, sizeof full, "%s/%s", root, sub);
		assert_int_equal(lstat(full, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			if ((st.st_mode & 07777) != 0700)
				soft_fail("directory %s has mode %o, not 0700", sub, (unsigned)(st.st_mode & 07777));
			check_modes(root, sub);
		} else if (S_ISREG(st.st_mode)) {
			if ((st.st_mode & 07777) != 0600)
				soft_fail("file %s has mode %o, not 0600", sub, (unsigned)(st.st_mode & 07777));
			if (strstr(e->d_name, ".tmp"))
				soft_fail("a temporary file was left behind: %s", sub);
		} else {
			soft_fail("%s is neither a file nor a directory", sub);
		}
	}
	closedir(d);
}

static void private_modes(void **state)
{
	static const mode_t masks[] = {022, 0, 077, 002};

	(void)state;
	for (size_t i = 0; i < sizeof masks / sizeof masks[0]; i++) {
		char dir[400];
		mode_t old = umask(masks[i]);
		release_store *s;
		release *r;
		struct stat st;
		static const char *const pair[] = {"K=v"};

		snprintf(dir, sizeof dir, "%s/store", temp_dir());
		set_ctx("umask %03o", (unsigned)masks[i]);
		s = open_store(dir);
		make_app(s, "web");
		r = make_build_release(s, "web", "a build");
		assert_store_ok(s, release_promote(s, "web", release_id(r), NULL));
		release_free(r);
		assert_store_ok(s, release_env_set(s, "web", pair, 1, NULL));
		release_store_close(s);
		umask(old);
		assert_int_equal(stat(dir, &st), 0);
		if ((st.st_mode & 07777) != 0700)
			soft_fail("the store directory has mode %o, not 0700", (unsigned)(st.st_mode & 07777));
		check_modes(dir, "");
	}
	check_soft("modes of what the store creates");
}

/* ---------------------------------------------------------- symlinks */

/* A directory outside the store, with a file in it, that no operation may
 * touch. */
static void make_victim(const char *victim)
{
	char path[600];

	assert_int_equal(mkdir(victim, 0755), 0);
	snprintf(path, sizeof path, "%s/precious", victim);
	write_file(path, "do not touch\n", 13);
}

/* Every operation on app web; each must fail (not 0), with a message. */
static void all_ops_fail(const char *dir, const char *what)
{
	static const char *const pair[] = {"K=v"};
	release_store *s = open_store(dir);
	release_app *a = NULL;
	release_iter *it = NULL;
	release *r = NULL;
	release_build_opts o;
	release_promote_opts po;
	int rc[8];
	const char *names[8] = {"release_app_get", "release_list", "release_env_set",
				"release_build_create", "release_get_version", "release_promote",
				"release_app_create", "release_app_delete"};

	release_build_opts_init(&o);
	rc[0] = release_app_get(s, "web", &a);
	rc[1] = release_list(s, "web", NULL, &it);
	if (rc[1] == 0) {
		const release *x;

		rc[1] = release_iter_next(it, &x);
	}
	rc[2] = release_env_set(s, "web", pair, 1, NULL);
	rc[3] = release_build_create(s, "web", &o, NULL);
	rc[4] = release_get_version(s, "web", 1, &r);
	release_promote_opts_init(&po);
	po.flags = RELEASE_PROMOTE_FORCE;
	rc[5] = release_promote(s, "web", H.v[2].rel[1].id, &po);
	rc[6] = release_app_create(s, "web", NULL);
	rc[7] = release_app_delete(s, "web");
	for (int i = 0; i < 8; i++) {
		if (rc[i] == 0)
			soft_fail("%s: %s succeeded", what, names[i]);
	}
	release_app_free(a);
	release_iter_free(it);
	release_free(r);
	release_store_close(s);
}

static void symlinked_app_dir(void **state)
{
	const char *base = temp_dir();
	char store[400], victim[400], link[500];
	char *before;
	release_store *s;
	release_app_iter *ai = NULL;
	const release_app *a;

	(void)state;
	snprintf(store, sizeof store, "%s/store", base);
	snprintf(victim, sizeof victim, "%s/victim", base);
	tree_store(&H.t[2], store);
	/* the victim holds a copy of web's files: a store app in all but name */
	tree_store(&H.t[2], victim);
	snprintf(link, sizeof link, "%s/web", store);
	rm_rf(link);
	snprintf(victim, sizeof victim, "%s/victim/web", base);
	assert_int_equal(symlink(victim, link), 0);
	before = fingerprint(victim);
	set_ctx("app directory web is a symlink");
	all_ops_fail(store, "app directory symlinked");
	s = open_store(store);
	if (release_app_list(s, &ai) == 0) {
		while (release_app_iter_next(ai, &a) == 0)
			if (strcmp(release_app_name(a), "web") == 0)
				soft_fail("release_app_list shows the symlinked app");
	}
	release_app_iter_free(ai);
	release_store_close(s);
	{
		char *after = fingerprint(victim);
		struct stat st;

		if (strcmp(before, after) != 0)
			soft_fail("the symlink's target changed:\nbefore:\n%s\nafter:\n%s", before, after);
		if (lstat(link, &st) != 0 || !S_ISLNK(st.st_mode))
			soft_fail("the planted symlink was replaced");
		free(after);
	}
	free(before);
	check_soft("a symlink in place of an app directory");
}

static void symlinked_app_files(void **state)
{
	static const char *const files[] = {"state", "log.1", "rel.1", "bld.1", "keys.1", "lock"};

	(void)state;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		for (int dangling = 0; dangling < 2; dangling++) {
			const char *base = temp_dir();
			char store[400], victim[400], link[500], target[600];
			char *before, *after;

			snprintf(store, sizeof store, "%s/store", base);
			snprintf(victim, sizeof victim, "%s/victim", base);
			tree_store(&H.t[2], store);
			make_victim(victim);
			/* the target: a copy of the real file, or nothing */
			snprintf(link, sizeof link, "%s/web/%s", store, files[i]);
			snprintf(target, sizeof target, "%s/%s", victim, files[i]);
			if (!dangling) {
				char from[600];
				size_t len;
				unsigned char *d;

				snprintf(from, sizeof from, "web/%s", files[i]);
				d = tree_get(&H.t[2], from)->data;
				len = tree_get(&H.t[2], from)->len;
				write_file(target, d, len);
			}
			assert_int_equal(unlink(link), 0);
			assert_int_equal(symlink(target, link), 0);
			before = fingerprint(victim);
			set_ctx("web/%s is a %ssymlink", files[i], dangling ? "dangling " : "");
			{
				char what[128];

				snprintf(what, sizeof what, "web/%s symlinked%s", files[i],
					 dangling ? " (dangling)" : "");
				all_ops_fail(store, what);
			}
			after = fingerprint(victim);
			if (strcmp(before, after) != 0)
				soft_fail("the symlink's target changed:\nbefore:\n%s\nafter:\n%s", before, after);
			free(before);
			free(after);
		}
	}
	check_soft("symlinks in place of an app's files");
}

static void symlinked_store(void **state)
{
	const char *base = temp_dir();
	char store[400], link[400], uri[500], dangling[400], nowhere[400];
	release_store *s = NULL;
	char *before;
	int rc;

	(void)state;
	snprintf(store, sizeof store, "%s/store", base);
	snprintf(link, sizeof link, "%s/link", base);
	tree_store(&H.t[2], store);
	assert_int_equal(symlink(store, link), 0);
	before = fingerprint(store);

	set_ctx("the store path is a symlink");
	rc = try_open_store(link, &s);
	if (rc == 0)
		soft_fail("release_store_open followed the symlink %s", link);
	else if (rc != RELEASE_EINVAL)
		soft_fail("result %d (%s), not RELEASE_EINVAL: %s", rc, release_strerror(rc),
			  release_store_errmsg(NULL));
	else if (!strstr(release_store_errmsg(NULL), link) ||
		 !strstr(release_store_errmsg(NULL), "symbolic link"))
		soft_fail("the message does not say the path is a symlink: \"%s\"",
			  release_store_errmsg(NULL));
	release_store_close(s);
	s = NULL;

	/* the same with a trailing slash, which makes open(2) follow it */
	set_ctx("the store path is a symlink, given with a trailing slash");
	snprintf(uri, sizeof uri, "%s/", link);
	rc = try_open_store(uri, &s);
	if (rc == 0)
		soft_fail("release_store_open(\"file:%s\") followed the symlink", uri);
	release_store_close(s);
	s = NULL;

	set_ctx("the store path is a dangling symlink");
	snprintf(dangling, sizeof dangling, "%s/dangling", base);
	snprintf(nowhere, sizeof nowhere, "%s/nowhere", base);
	assert_int_equal(symlink(nowhere, dangling), 0);
	rc = try_open_store(dangling, &s);
	if (rc == 0)
		soft_fail("release_store_open followed the dangling symlink %s", dangling);
	else if (!*release_store_errmsg(NULL))
		soft_fail("no message");
	if (access(nowhere, F_OK) == 0)
		soft_fail("the dangling symlink's target %s was created", nowhere);
	release_store_close(s);

	{
		char *after = fingerprint(store);

		if (strcmp(before, after) != 0)
			soft_fail("the store behind the symlink changed");
		free(after);
	}
	free(before);
	check_soft("a symlinked store path");
}

/* FORMAT.tmp planted as a symlink in a new store directory; FORMAT itself a
 * symlink to a valid FORMAT file. */
static void symlinked_format(void **state)
{
	const char *base = temp_dir();
	char store[400], victim[400], link[500], target[600];
	release_store *s = NULL;
	char *before, *after;
	int rc;

	(void)state;
	snprintf(store, sizeof store, "%s/store", base);
	snprintf(victim, sizeof victim, "%s/victim", base);
	make_victim(victim);
	assert_int_equal(mkdir(store, 0700), 0);
	snprintf(link, sizeof link, "%s/FORMAT.tmp", store);
	snprintf(target, sizeof target, "%s/precious", victim);
	assert_int_equal(symlink(target, link), 0);
	before = fingerprint(victim);
	set_ctx("FORMAT.tmp is a symlink");
	rc = try_open_store(store, &s);
	release_store_close(s);
	s = NULL;
	after = fingerprint(victim);
	if (strcmp(before, after) != 0)
		soft_fail("the FORMAT.tmp symlink was followed:\nbefore:\n%s\nafter:\n%s", before, after);
	(void)rc;
	free(after);

	set_ctx("FORMAT is a symlink");
	rm_rf(store);
	assert_int_equal(mkdir(store, 0700), 0);
	snprintf(target, sizeof target, "%s/FORMAT", victim);
	write_file(target, "librelease-file-store 1\n", 24);
	snprintf(link, sizeof link, "%s/FORMAT", store);
	assert_int_equal(symlink(target, link), 0);
	free(before);
	before = fingerprint(victim);
	rc = try_open_store(store, &s);
	if (rc == 0)
		soft_fail("a store whose FORMAT is a symlink was opened");
	else if (!*release_store_errmsg(NULL))
		soft_fail("no message");
	release_store_close(s);
	after = fingerprint(victim);
	if (strcmp(before, after) != 0)
		soft_fail("the FORMAT symlink's target changed");
	free(before);
	free(after);
	check_soft("symlinked FORMAT files");
}

/* -------------------------------------------------------------- names */

static void hostile_names(void **state)
{
	static const char *const names[] = {
		"../x", "a/b", ".", "..", "", "/web", "web/", "web/..", "\x01web", "we\x1b" "b",
		"a\tb", "a\nb", "a b", "web\x7f", "w\xc3\xa9" "b", "Web", "WEB", "-web", "web-",
		"we_b", "we.b", "..web",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 64 */
	};
	static const char *const pair[] = {"K=v"};
	const char *base = temp_dir();
	char store[400], *store_before, *base_before;
	release_store *s;

	(void)state;
	snprintf(store, sizeof store, "%s/store", base);
	tree_store(&H.t[2], store);
	store_before = fingerprint(store);
	base_before = fingerprint(base);
	s = open_store(store);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *n = names[i];
		release_app *a = NULL;
		release_app_iter *ai = NULL;
		release_iter *it = NULL;
		release_build_iter *bi = NULL;
		release_build *b = NULL;
		release *r = NULL;
		size_t removed = 0;
		int rc[16];

		set_ctx("app name \"%s\" (%zu bytes)", n, strlen(n));
		if (release_app_name_valid(n))
			soft_fail("release_app_name_valid says it is valid");
		rc[0] = release_app_create(s, n, &a);
		rc[1] = release_app_get(s, n, &a);
		rc[2] = release_app_delete(s, n);
		rc[3] = release_build_create(s, n, NULL, &b);
		rc[4] = release_build_list(s, n, 0, &bi);
		rc[5] = release_build_get(s, n, "BAAAAAAAAA", &b);
		rc[6] = release_build_set_status(s, n, "BAAAAAAAAA", RELEASE_BUILD_COMPLETE, &b);
		rc[7] = release_create(s, n, "BAAAAAAAAA", &r);
		rc[8] = release_env_set(s, n, pair, 1, &r);
		rc[9] = release_env_unset(s, n, pair, 1, &r);
		rc[10] = release_get(s, n, "RAAAAAAAAA", &r);
		rc[11] = release_get_version(s, n, 1, &r);
		rc[12] = release_list(s, n, NULL, &it);
		rc[13] = release_promote(s, n, "RAAAAAAAAA", NULL);
		rc[14] = release_rollback(s, n, NULL, NULL, &r);
		rc[15] = release_prune(s, n, 1, &removed);
		for (int k = 0; k < 16; k++)
			if (rc[k] != RELEASE_EINVAL)
				soft_fail("call %d returned %d (%s), not RELEASE_EINVAL: %s", k, rc[k],
					  release_strerror(rc[k]), release_store_errmsg(s));
		release_app_free(a);
		release_build_iter_free(bi);
		release_iter_free(it);
		release_build_free(b);
		release_free(r);
		/* and listing the store still shows only its apps */
		if (release_app_list(s, &ai) != 0)
			soft_fail("release_app_list failed: %s", release_store_errmsg(s));
		release_app_iter_free(ai);
	}
	release_store_close(s);
	{
		char *store_after = fingerprint(store), *base_after = fingerprint(base);

		if (strcmp(store_before, store_after) != 0)
			soft_fail("hostile names changed the store:\nbefore:\n%s\nafter:\n%s", store_before,
				  store_after);
		if (strcmp(base_before, base_after) != 0)
			soft_fail("hostile names changed the store's parent directory");
		free(store_after);
		free(base_after);
	}
	free(store_before);
	free(base_before);

	/* the longest valid name works, and lives in its own directory */
	set_ctx("a 63-character name");
	{
		char name[64], path[600];
		struct stat st;

		memset(name, 'a', 63);
		name[63] = '\0';
		s = open_store(store);
		if (!release_app_name_valid(name))
			soft_fail("a 63-character name is not valid");
		else if (release_app_create(s, name, NULL) != 0)
			soft_fail("creating a 63-character app failed: %s", release_store_errmsg(s));
		snprintf(path, sizeof path, "%s/%s", store, name);
		if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			soft_fail("the app's directory %s is not there", path);
		release_store_close(s);
	}
	check_soft("hostile app names");
}

/* ------------------------------------------------------------- format */

static void format_file(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		int rc;
	} cases[] = {
		{"librelease-file-store 4\n", 24, RELEASE_EUNSUPPORTED},
		{"librelease-file-store 999\n", 26, RELEASE_EUNSUPPORTED},
		{"librelease-file-store 4294967297\n", 33, RELEASE_EUNSUPPORTED},
		{"librelease-file-store 0\n", 24, RELEASE_EUNSUPPORTED},
		{"hello world\n", 12, RELEASE_ECORRUPT},
		{"", 0, RELEASE_ECORRUPT},
		{"librelease-file-store\n", 22, RELEASE_ECORRUPT},
		{"librelease-file-store x\n", 24, RELEASE_ECORRUPT},
		{"\0\0\0\0\0\0\0\0", 8, RELEASE_ECORRUPT},
		{"LRLOG001", 8, RELEASE_ECORRUPT},
	};
	const char *base = temp_dir();
	char store[400], path[500];
	release_store *s = NULL;
	size_t len;
	unsigned char *d;
	struct stat st;
	int rc;

	(void)state;
	snprintf(store, sizeof store, "%s/store", base);
	snprintf(path, sizeof path, "%s/FORMAT", store);

	/* a new store, and an existing empty directory, get a FORMAT file */
	for (int pre = 0; pre < 2; pre++) {
		set_ctx("a new store%s", pre ? " in an existing empty directory" : "");
		rm_rf(store);
		if (pre)
			assert_int_equal(mkdir(store, 0700), 0);
		s = open_store(store);
		release_store_close(s);
		d = read_file(path, &len);
		if (!d || len != 24 || memcmp(d, "librelease-file-store 1\n", 24) != 0)
			soft_fail("FORMAT holds \"%.*s\"", d ? (int)len : 0, d ? (const char *)d : "");
		free(d);
		if (stat(path, &st) != 0 || (st.st_mode & 07777) != 0600)
			soft_fail("FORMAT is missing or not 0600");
	}

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *before, *after;

		set_ctx("FORMAT \"%.*s\"", (int)strcspn(cases[i].text, "\n"), cases[i].text);
		tree_store(&H.t[2], store);
		write_file(path, cases[i].text, cases[i].len);
		before = fingerprint(store);
		s = NULL;
		rc = try_open_store(store, &s);
		if (rc != cases[i].rc)
			soft_fail("result %d (%s), want %d (%s): %s", rc, release_strerror(rc), cases[i].rc,
				  release_strerror(cases[i].rc), release_store_errmsg(NULL));
		else if (!strstr(release_store_errmsg(NULL), "FORMAT") &&
			 !strstr(release_store_errmsg(NULL), "format"))
			soft_fail("the message does not name the format: \"%s\"", release_store_errmsg(NULL));
		else if (rc == RELEASE_EUNSUPPORTED && !strstr(release_store_errmsg(NULL), "1"))
			soft_fail("the message does not say which format this library reads: \"%s\"",
				  release_store_errmsg(NULL));
		release_store_close(s);
		after = fingerprint(store);
		if (strcmp(before, after) != 0)
			soft_fail("a refused store was changed:\nbefore:\n%s\nafter:\n%s", before, after);
		free(before);
		free(after);
	}

	/* FORMAT a directory */
	set_ctx("FORMAT is a directory");
	tree_store(&H.t[2], store);
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	s = NULL;
	rc = try_open_store(store, &s);
	if (rc == 0)
		soft_fail("a store whose FORMAT is a directory was opened");
	release_store_close(s);
	check_soft("the FORMAT file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(private_modes, test_setup),
		cmocka_unit_test_setup(symlinked_app_dir, test_setup),
		cmocka_unit_test_setup(symlinked_app_files, test_setup),
		cmocka_unit_test_setup(symlinked_store, test_setup),
		cmocka_unit_test_setup(symlinked_format, test_setup),
		cmocka_unit_test_setup(hostile_names, test_setup),
		cmocka_unit_test_setup(format_file, test_setup),
	};

	if (getenv("DAMAGE_FILTER"))
		cmocka_set_test_filter(getenv("DAMAGE_FILTER"));
	return cmocka_run_group_tests_name("file-store damage: permissions, containment, format",
					   tests, group_setup, group_teardown);
}
