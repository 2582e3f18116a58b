/*
 * A state forged (with valid checksums) to say the release index ends below
 * entries it holds, then replayed after a reboot: the replay of a later
 * record must not mark the entries between as empty, which would lose the
 * releases they name; it finds the top wrong and rebuilds the indexes from
 * the log.
 */
#include "damage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST_SYNCED_LEN 48
#define ST_TOP_REL 1416

static void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void a_replay_over_a_state_forged_to_a_lower_top_loses_no_release(void **state)
{
	const char *dir = temp_dir();
	struct logrec recs[16];
	uint64_t v2 = 0;
	release *made[3];
	struct tfile *f;
	struct tree t;
	release_store *s;
	size_t n;

	(void)state;
	s = open_store(dir);
	make_app(s, "web");
	made[0] = set_env(s, "web", "K=1");
	made[1] = set_env(s, "web", "K=2");
	made[2] = set_env(s, "web", "K=3");
	release_store_close(s);

	tree_load(&t, dir);
	assert_non_null(f = tree_get(&t, "web/log.1"));
	n = parse_log(f->data, f->len, recs, 16);
	for (size_t i = 0; i < n; i++)
		if (recs[i].kind == RELEASE_KIND_RELEASE && recs[i].seq == 2)
			v2 = recs[i].off;
	assert_true(v2 > 0);
	/* A reboot; and in both copies, resealed, the last checkpoint at
	 * release 2's record and a top of 0. */
	tree_fake_reboot(&t, "web");
	assert_non_null(f = tree_get(&t, "web/state"));
	for (size_t copy = 0; copy < 2; copy++) {
		unsigned char *c = f->data + copy * 2048;
		uint32_t crc;

		put_le64(c + ST_SYNCED_LEN, v2);
		put_le64(c + ST_TOP_REL, 0);
		crc = test_crc32c(c, 2048 - 4);
		for (int i = 0; i < 4; i++)
			c[2048 - 4 + i] = (unsigned char)(crc >> (8 * i));
	}
	tree_store(&t, dir);
	tree_free(&t);

	s = open_store(dir);
	/* Listed first: a get by id would find the key's entry gone and
	 * repair; a listing walks the entries. */
	assert_int_equal(count_releases(s, "web"), 3);
	for (int i = 0; i < 3; i++) {
		release *r = NULL;

		assert_store_ok(s, release_get(s, "web", release_id(made[i]), &r));
		assert_int_equal(release_version(r), i + 1);
		release_free(r);
		release_free(made[i]);
	}
	assert_int_equal(count_releases(s, "web"), 3);
	release_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_replay_over_a_state_forged_to_a_lower_top_loses_no_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
