/*
 * Attacks on the file store's version 2 (commits and holds), each a test of
 * what the store must do about it.
 *
 * - An app whose state file is cut short (or swapped with another app's,
 *   cut) and whose log is cut to its header, while its index files still
 *   hold entries, lost acknowledged records: it reads as damaged
 *   (RELEASE_ECORRUPT), never as an app that does not exist, and no write
 *   makes it anew over them.
 */
#include "damage.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* --------------------------------------------- an emptied log beside entries */

static void cut(struct tree *t, const char *path, size_t len)
{
	struct tfile *f = tree_get(t, path);

	assert_non_null(f);
	assert_true(f->len >= len);
	tree_set(t, path, f->data, len);
}

static void an_app_whose_log_is_emptied_while_its_indexes_hold_entries_is_corrupt(void **state)
{
	static const struct {
		const char *what;
		int foreign_state; /* the state is web's, cut */
		int rel_cut;       /* rel.1 cut to its header too: only keys.1 knows */
	} variants[] = {
		{"state cut short", 0, 0},
		{"state swapped with another app's, cut short", 1, 0},
		{"state cut short, rel.1 cut to its header", 0, 1},
	};
	const char *dir = temp_dir();
	struct tree t;
	release_store *s;
	release *r;

	(void)state;
	s = open_store(dir);
	make_app(s, "api");
	make_app(s, "web");
	r = set_env(s, "api", "A=1");
	release_free(r);
	r = set_env(s, "api", "B=2");
	release_free(r);
	release_store_close(s);
	tree_load(&t, dir);
	for (size_t i = 0; i < sizeof variants / sizeof *variants; i++) {
		struct tree v;
		release_app *app = NULL;
		int rc;

		set_ctx("%s, log.1 cut to its header", variants[i].what);
		tree_copy(&v, &t);
		if (variants[i].foreign_state) {
			struct tfile *web = tree_get(&v, "web/state");

			assert_non_null(web);
			tree_set(&v, "api/state", web->data, 3000);
		} else {
			cut(&v, "api/state", 1000);
		}
		cut(&v, "api/log.1", 64);
		if (variants[i].rel_cut)
			cut(&v, "api/rel.1", 64);
		tree_store(&v, dir);
		tree_free(&v);
		s = open_store(dir);
		rc = release_app_get(s, "api", &app);
		if (rc != RELEASE_ECORRUPT)
			soft_fail("release_app_get: %d, want RELEASE_ECORRUPT: %s", rc,
				  release_store_errmsg(s));
		release_app_free(app);
		app = NULL;
		rc = release_app_create(s, "api", &app);
		if (rc != RELEASE_ECORRUPT)
			soft_fail("release_app_create over it: %d, want RELEASE_ECORRUPT: %s", rc,
				  release_store_errmsg(s));
		release_app_free(app);
		release_store_close(s);
	}
	tree_free(&t);
	check_soft("apps whose log was emptied beside their indexes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_app_whose_log_is_emptied_while_its_indexes_hold_entries_is_corrupt),
	};

	if (getenv("DAMAGE_FILTER"))
		cmocka_set_test_filter(getenv("DAMAGE_FILTER"));
	return cmocka_run_group_tests_name("file-store damage: attacks", tests, NULL, NULL);
}
