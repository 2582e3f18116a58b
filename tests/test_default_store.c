/* Opening file stores: "file:" alone opens the default store, where the XDG
 * rules put data; a directory that holds something else is never made one. */
#include "harness.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char tmp[128];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof tmp, "%s/librelease-default-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmp));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void open_default_and_write(void)
{
	release_store *s = NULL;

	assert_ok(release_store_open(&s, "file:", NULL));
	make_app(s, "myapp");
	release_store_close(s);
}

static void assert_store_at(const char *dir)
{
	char format[512];
	struct stat st;

	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(format, sizeof format, "%s/FORMAT", dir);
	assert_int_equal(stat(format, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void the_default_store_lives_in_xdg_data_home(void **state)
{
	char xdg[256], dir[300];

	(void)state;
	snprintf(xdg, sizeof xdg, "%s/not/yet/there", tmp);
	setenv("XDG_DATA_HOME", xdg, 1);
	open_default_and_write();
	snprintf(dir, sizeof dir, "%s/librelease", xdg);
	assert_store_at(dir);
}

static void without_xdg_data_home_it_is_under_home(void **state)
{
	char dir[300];

	(void)state;
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", tmp, 1);
	open_default_and_write();
	snprintf(dir, sizeof dir, "%s/.local/share/librelease", tmp);
	assert_store_at(dir);
}

static void a_relative_xdg_data_home_is_ignored(void **state)
{
	char dir[300];

	(void)state;
	setenv("XDG_DATA_HOME", "relative/path", 1);
	setenv("HOME", tmp, 1);
	open_default_and_write();
	snprintf(dir, sizeof dir, "%s/.local/share/librelease", tmp);
	assert_store_at(dir);
}

static void without_any_location_the_default_is_einval(void **state)
{
	release_store *s = NULL;

	(void)state;
	unsetenv("XDG_DATA_HOME");
	unsetenv("HOME");
	assert_int_equal(release_store_open(&s, "file:", NULL), RELEASE_EINVAL);
	assert_non_null(strstr(release_store_errmsg(NULL), "HOME"));
}

static void a_directory_holding_other_files_is_not_made_a_store(void **state)
{
	char uri[200], file[200], format[200];
	release_store *s = (release_store *)1;
	FILE *f;
	struct stat st;

	(void)state;
	snprintf(file, sizeof file, "%s/notes.txt", tmp);
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	snprintf(uri, sizeof uri, "file:%s", tmp);
	assert_int_equal(release_store_open(&s, uri, NULL), RELEASE_ECORRUPT);
	assert_null(s);
	assert_non_null(strstr(release_store_errmsg(NULL), "not a librelease store"));
	snprintf(format, sizeof format, "%s/FORMAT", tmp);
	assert_int_not_equal(stat(format, &st), 0);
}

static void an_empty_directory_becomes_a_store(void **state)
{
	char uri[200];
	release_store *s = NULL;

	(void)state;
	snprintf(uri, sizeof uri, "file:%s", tmp);
	assert_ok(release_store_open(&s, uri, NULL));
	make_app(s, "myapp");
	release_store_close(s);
	assert_ok(release_store_open(&s, uri, NULL)); /* and opens again */
	assert_string_equal(active_of(s, "myapp"), "");
	release_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(the_default_store_lives_in_xdg_data_home),
		T(without_xdg_data_home_it_is_under_home),
		T(a_relative_xdg_data_home_is_ignored),
		T(without_any_location_the_default_is_einval),
		T(a_directory_holding_other_files_is_not_made_a_store),
		T(an_empty_directory_becomes_a_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
