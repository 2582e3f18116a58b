/* Actors: who writes through a handle: the default, opts.actor and
 * release_store_set_actor(). (test_actor_records.c: the records that keep
 * it.) */
#include "actor_util.h"

#include <stdlib.h>
#include <sys/wait.h>

/* ---------------------------------------------------- the handle's actor */

static void the_default_actor_is_login_at_host(void **state)
{
	struct fixture *f = *state;

	assert_text_equal(release_store_actor(f->s), default_actor());
}

static void the_default_actor_of_a_store_opened_by_uri_is_login_at_host(void **state)
{
	release_store *s = NULL;

	(void)state;
	assert_ok(test_store_open(&s, test_store_uri(), NULL));
	assert_text_equal(release_store_actor(s), default_actor());
	release_store_close(s);
}

/* Run as root: a child takes a uid no user has, and opens a store. */
static void a_user_without_a_name_is_uid_n_at_host(void **state)
{
	char host[256] = "", want[300];
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0 || getpwuid(54321)) {
		skip();
		return;
	}
	assert_int_equal(gethostname(host, sizeof host - 1), 0);
	snprintf(want, sizeof want, "uid 54321@%s", host);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		release_store *s = NULL;
		int ok;

		if (setresgid(54321, 54321, 54321) != 0 || setresuid(54321, 54321, 54321) != 0)
			_exit(2);
		if (release_store_open(&s, "memory:", NULL) != 0)
			_exit(3);
		ok = strcmp(release_store_actor(s), want) == 0;
		if (!ok)
			fprintf(stderr, "actor \"%s\", want \"%s\"\n", release_store_actor(s), want);
		release_store_close(s);
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void opts_actor_is_the_handles_actor(void **state)
{
	struct fixture *f = *state;
	release_store *s = handle_as(f, "alice@example.com");

	assert_text_equal(release_store_actor(s), "alice@example.com");
	release_store_close(s);
}

static void opts_actor_is_copied_at_open(void **state)
{
	struct fixture *f = *state;
	char actor[] = "alice@example.com";
	release_store *s = handle_as(f, actor);

	memcpy(actor, "mallory", 7);
	assert_text_equal(release_store_actor(s), "alice@example.com");
	release_store_close(s);
}

static void an_invalid_opts_actor_is_einval_at_open(void **state)
{
	release_store_opts o;
	release_store *s = (release_store *)&o;

	(void)state;
	release_store_opts_init(&o);
	o.actor = "";
	assert_int_equal(test_store_open(&s, test_store_uri(), &o), RELEASE_EINVAL);
	assert_null(s);
	o.actor = "bad\nactor";
	s = (release_store *)&o;
	assert_int_equal(test_store_open(&s, test_store_uri(), &o), RELEASE_EINVAL);
	assert_null(s);
}

static void set_actor_changes_the_actor(void **state)
{
	struct fixture *f = *state;

	set_actor(f->s, "deploy-bot");
	set_actor(f->s, "bob@example.com");
}

static void set_actor_copies_the_string(void **state)
{
	struct fixture *f = *state;
	char actor[] = "carol";

	assert_store_ok(f->s, release_store_set_actor(f->s, actor));
	actor[0] = 'k';
	assert_text_equal(release_store_actor(f->s), "carol");
}

static void set_actor_null_restores_the_default(void **state)
{
	struct fixture *f = *state;

	set_actor(f->s, "bob@example.com");
	assert_store_ok(f->s, release_store_set_actor(f->s, NULL));
	assert_text_equal(release_store_actor(f->s), default_actor());
}

/* actor is refused and the handle's actor stays "before". */
static void assert_refused(release_store *s, const char *actor)
{
	assert_int_equal(release_store_set_actor(s, actor), RELEASE_EINVAL);
	assert_text_equal(release_store_actor(s), "before");
}

static void an_empty_actor_is_einval_and_unchanged(void **state)
{
	struct fixture *f = *state;

	set_actor(f->s, "before");
	assert_refused(f->s, "");
}

static void an_actor_of_actor_max_bytes_is_accepted(void **state)
{
	struct fixture *f = *state;
	char actor[RELEASE_ACTOR_MAX + 1];

	memset(actor, 'a', RELEASE_ACTOR_MAX);
	actor[RELEASE_ACTOR_MAX] = '\0';
	set_actor(f->s, actor);
}

static void an_actor_longer_than_actor_max_is_einval_and_unchanged(void **state)
{
	struct fixture *f = *state;
	char actor[RELEASE_ACTOR_MAX + 2];

	memset(actor, 'a', RELEASE_ACTOR_MAX + 1);
	actor[RELEASE_ACTOR_MAX + 1] = '\0';
	set_actor(f->s, "before");
	assert_refused(f->s, actor);
}

static void an_actor_over_actor_max_in_multibyte_characters_is_einval(void **state)
{
	struct fixture *f = *state;
	char actor[RELEASE_ACTOR_MAX + 3];

	/* 86 three-byte characters: 258 bytes, 86 characters */
	for (int i = 0; i < 86; i++)
		memcpy(actor + 3 * i, "\xe2\x82\xac", 3);
	actor[258] = '\0';
	set_actor(f->s, "before");
	assert_refused(f->s, actor);
}

static void control_characters_are_einval_and_unchanged(void **state)
{
	struct fixture *f = *state;
	const char *bad[] = {"a\tb", "a\nb", "a\rb", "\x1b[31mred", "a\x7f", "a\x01",
			     "a\xc2\x85" "b" /* NEL, a C1 control */, "a\xc2\x9b" "b" /* CSI */};

	set_actor(f->s, "before");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_refused(f->s, bad[i]);
}

/* What would make an actor read as another in an audit: bidi overrides
 * and isolates, zero-width characters, separators, a soft hyphen, a
 * byte-order mark, padding spaces. */
static void format_characters_and_padding_are_einval_and_unchanged(void **state)
{
	struct fixture *f = *state;
	const char *bad[] = {"eve\xe2\x80\xae" "ecila" /* U+202E RLO */,
			     "a\xe2\x81\xa6" "b" /* U+2066 LRI */, "a\xe2\x80\x8b" "b" /* ZWSP */,
			     "a\xe2\x80\x8f" "b" /* RLM */, "a\xe2\x80\xa8" "b" /* LINE SEP */,
			     "a\xc2\xad" "b" /* SHY */, "\xef\xbb\xbf" "a" /* BOM */,
			     " alice", "alice ", " "};

	set_actor(f->s, "before");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_refused(f->s, bad[i]);
	set_actor(f->s, "alice smith");
}

static void invalid_utf8_is_einval_and_unchanged(void **state)
{
	struct fixture *f = *state;
	const char *bad[] = {
		"a\xff",         /* never in UTF-8 */
		"a\x80",         /* a lone continuation byte */
		"a\xc3",         /* cut short */
		"a\xe2\x82",     /* cut short */
		"\xc0\xafx",     /* overlong '/' */
		"\xe0\x80\xaf",  /* overlong */
		"\xed\xa0\x80",  /* a surrogate */
		"\xf4\x90\x80\x80", /* past U+10FFFF */
	};

	set_actor(f->s, "before");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_refused(f->s, bad[i]);
}

static void multibyte_utf8_is_accepted(void **state)
{
	struct fixture *f = *state;

	set_actor(f->s, "Jos\xc3\xa9 Mu\xc3\xb1oz <jose@example.com>");
	set_actor(f->s, "\xe5\x90\x8d\xe5\x89\x8d@\xf0\x9f\x9a\x80");
}

static void set_actor_on_a_null_store_is_einval(void **state)
{
	(void)state;
	assert_int_equal(release_store_set_actor(NULL, "x"), RELEASE_EINVAL);
}

static void a_read_only_store_still_takes_an_actor(void **state)
{
	release_store *s = NULL;
	const char *uri;
	char ro[1200];

	(void)state;
	if (strncmp(uri = test_store_uri(), "file:", 5) != 0) {
		skip();
		return;
	}
	snprintf(ro, sizeof ro, "%s", uri);
	assert_ok(release_store_open(&s, ro, NULL)); /* create it */
	release_store_close(s);
	snprintf(ro + strlen(ro), sizeof ro - strlen(ro), "?mode=ro");
	assert_ok(release_store_open(&s, ro, NULL));
	set_actor(s, "reader");
	release_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(the_default_actor_is_login_at_host),
		T(the_default_actor_of_a_store_opened_by_uri_is_login_at_host),
		T(a_user_without_a_name_is_uid_n_at_host),
		T(opts_actor_is_the_handles_actor),
		T(opts_actor_is_copied_at_open),
		T(an_invalid_opts_actor_is_einval_at_open),
		T(set_actor_changes_the_actor),
		T(set_actor_copies_the_string),
		T(set_actor_null_restores_the_default),
		T(an_empty_actor_is_einval_and_unchanged),
		T(an_actor_of_actor_max_bytes_is_accepted),
		T(an_actor_longer_than_actor_max_is_einval_and_unchanged),
		T(an_actor_over_actor_max_in_multibyte_characters_is_einval),
		T(control_characters_are_einval_and_unchanged),
		T(format_characters_and_padding_are_einval_and_unchanged),
		T(invalid_utf8_is_einval_and_unchanged),
		T(multibyte_utf8_is_accepted),
		T(set_actor_on_a_null_store_is_einval),
		T(a_read_only_store_still_takes_an_actor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
