/*
 * fuzz-relctl-args: relctl's command line. The input is argv (words
 * separated by NUL bytes, argv[0] implied). It runs through relctl's own
 * parsers, compiled from examples/relctl:
 *
 *   args_parse()         options anywhere among the words
 *   relctl_parse_number() --limit, --keep, --hook-timeout
 *   relctl_parse_ref()   a release word: an id, or a version (12, v12)
 *   testenv_load()       RELCTL_TEST_NOW and RELCTL_TEST_SEED
 *   relctl_store_uri()   --store
 *   time_parse()         --at, and every word (relctl_times.c)
 *   duration_parse()     --timeout, and every word
 *
 * and the words that `env set` and `env unset` would send go to
 * release_env_set() and release_env_unset() on a memory store, the parser of
 * KEY=VALUE pairs.
 *
 * Findings: a crash or sanitizer report; a parsed option or word that does
 * not point into argv; a number accepted that does not read back as the
 * same number, or refused though it is one; pairs accepted whose env is not
 * what they say, or refused though valid; times and durations as
 * relctl_times.c tells.
 */
#include "fuzz_util.h"

#include "args.h"
#include "relctl.h"
#include "relctl_times.h"
#include "testenv.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 64

/* ------------------------------------------------------------ args */

static int in_word(const char *p, char **argv, int argc)
{
	for (int i = 1; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return 1;
	return 0;
}

static void check_args(const struct args *a, char **argv, int argc)
{
	int last = 0;

	if (a->npos > (size_t)(argc - 1))
		fz_finding("args_parse: %zu words from %d arguments", a->npos, argc - 1);
	for (size_t i = 0; i < a->npos; i++) {
		int at = 0;

		for (int j = 1; j < argc; j++)
			if (a->pos[i] == argv[j])
				at = j;
		if (at <= last)
			fz_finding("args_parse: word %zu is not an argument after the one before", i);
		last = at;
	}
	for (int o = 0; o < OPT_COUNT; o++) {
		int seen = (a->seen & OPT_BIT(o)) != 0;

		if (seen != (a->value[o] != NULL))
			fz_finding("args_parse: %s seen %d but its value is %s", opt_name(o), seen,
				   a->value[o] ? "set" : "NULL");
		if (a->value[o] && *a->value[o] && !in_word(a->value[o], argv, argc))
			fz_finding("args_parse: the value of %s is not in argv", opt_name(o));
		if (strncmp(opt_name(o), "--", 2) != 0)
			fz_finding("opt_name(%d) is '%s'", o, opt_name(o));
	}
}

/* ------------------------------------------------------------ numbers */

/* The reference: a whole non-negative decimal number in 64 bits. */
static int ref_uint(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return 0;
}

static void check_uint(const char *s)
{
	uint64_t got = 0, want = 0;
	int rc = relctl_parse_number(s, UINT64_MAX, &got), ref = ref_uint(s, &want);
	char back[32];
	const char *digits = s;

	if (rc != 0 && rc != -1 && rc != -2)
		fz_finding("relctl_parse_number('%s') returned %d", s, rc);
	if ((rc == 0) != (ref == 0))
		fz_finding("relctl_parse_number('%s') %s a number that is%s one", s,
			   rc == 0 ? "accepted" : "refused", ref == 0 ? "" : " not");
	if (rc != 0)
		return;
	if (got != want)
		fz_finding("relctl_parse_number('%s') gave %" PRIu64, s, got);
	while (digits[0] == '0' && digits[1])
		digits++;
	snprintf(back, sizeof back, "%" PRIu64, got);
	if (strcmp(back, digits) != 0)
		fz_finding("relctl_parse_number('%s') gave %s, which does not read back", s, back);
}

/* A release word: a version must read back as itself, written either way;
 * anything starting with a letter other than 'v' is an id. */
static void check_ref(const char *s)
{
	uint64_t v = 0, again = 0;
	enum relctl_ref kind = relctl_parse_ref(s, &v);
	char back[32];

	if (kind != RELCTL_REF_ID && kind != RELCTL_REF_VERSION && kind != RELCTL_REF_BAD_VERSION)
		fz_finding("relctl_parse_ref('%s') returned %d", s, (int)kind);
	if (isupper((unsigned char)s[0]) && kind != RELCTL_REF_ID)
		fz_finding("relctl_parse_ref('%s') took an id for a version", s);
	if (kind != RELCTL_REF_VERSION)
		return;
	if (v == 0)
		fz_finding("relctl_parse_ref('%s') gave version 0", s);
	if (v == UINT64_MAX)
		return; /* too large for any release: "not found" */
	snprintf(back, sizeof back, "v%" PRIu64, v);
	if (relctl_parse_ref(back, &again) != RELCTL_REF_VERSION || again != v ||
	    relctl_parse_ref(back + 1, &again) != RELCTL_REF_VERSION || again != v)
		fz_finding("relctl_parse_ref('%s') gave %" PRIu64 ", which does not read back", s, v);
}

/* The reference for the test clock and seed: strtoll's language (leading
 * space, a sign), whole, from 0 to INT64_MAX / 10^9. */
static int ref_testenv(const char *s, int64_t *out)
{
	const char *p = s;
	int neg = 0, any = 0;
	uint64_t v = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	for (; *p >= '0' && *p <= '9'; p++, any = 1)
		if ((v = v * 10 + (uint64_t)(*p - '0')) > (uint64_t)INT64_MAX / 1000000000)
			v = UINT64_MAX / 2; /* too big, and stays so */
	if (!any || *p || (neg && v != 0) || v > (uint64_t)INT64_MAX / 1000000000)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static void check_testenv(const char *s)
{
	struct testenv t;
	char err[256];
	int64_t want = 0;
	int ref = ref_testenv(s, &want), rc;

	if (!*s)
		return; /* unset, as far as relctl is concerned */
	setenv("RELCTL_TEST_NOW", s, 1);
	setenv("RELCTL_TEST_SEED", s, 1);
	err[0] = '\0';
	rc = testenv_load(&t, err, sizeof err);
	unsetenv("RELCTL_TEST_NOW");
	unsetenv("RELCTL_TEST_SEED");
	if (rc != 0 && rc != -1)
		fz_finding("testenv_load('%s') returned %d", s, rc);
	if ((rc == 0) != (ref == 0))
		fz_finding("testenv_load('%s') %s a number that is%s one", s,
			   rc == 0 ? "accepted" : "refused", ref == 0 ? "" : " not");
	if (rc != 0) {
		if (!err[0] || strlen(err) >= sizeof err)
			fz_finding("testenv_load('%s') failed without a message", s);
		return;
	}
	if (!t.fixed_now || t.now != want * 1000000000 || !t.seeded || t.state != (uint64_t)want)
		fz_finding("testenv_load('%s') read %" PRId64 " ns and seed %" PRIu64, s, t.now,
			   t.state);
}

static void check_store_uri(const char *s)
{
	char *uri = relctl_store_uri(s);
	size_t n = strlen(s), u;

	if (!uri)
		fz_finding("relctl_store_uri('%s') gave NULL", s);
	u = strlen(uri);
	if (!*s ? strcmp(uri, "file:") != 0 :
		  strcmp(uri, s) != 0 && (strncmp(uri, "file:", 5) != 0 || u < n ||
					  strcmp(uri + u - n, s) != 0))
		fz_finding("relctl_store_uri('%s') gave '%s'", s, uri);
	free(uri);
}

/* ------------------------------------------------------------ env pairs */

struct pair {
	const char *key;
	size_t klen;
	const char *val;
};

static int ref_key(const char *k, size_t n)
{
	if (n == 0 || n > 256)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = k[i];
		int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';

		if (!alpha && (i == 0 || c < '0' || c > '9'))
			return 0;
	}
	return 1;
}

/* The env pairs should end as: the last value given for each key. */
static const char *ref_value(const struct pair *p, size_t n, const char *key)
{
	const char *v = NULL;

	for (size_t i = 0; i < n; i++)
		if (p[i].klen == strlen(key) && strncmp(p[i].key, key, p[i].klen) == 0)
			v = p[i].val;
	return v;
}

static void check_env(const char *const *sets, size_t nset, const char *const *unsets,
		      size_t nunset)
{
	static struct fz_clock clock;
	static struct fz_random rnd;
	struct pair p[MAX_WORDS];
	release_store_opts opts;
	release_store *s;
	release *r = NULL;
	int valid = 1, rc;
	size_t distinct = 0;

	clock.now = INT64_C(1546300800) * 1000000000;
	clock.step = 1000000000;
	rnd.state = 1;
	fz_opts(&opts, &clock, &rnd);
	if (release_store_open(&s, "memory:", &opts) != 0 || release_app_create(s, "fz", NULL) != 0)
		fz_finding("opening a memory store: %s", release_store_errmsg(NULL));
	for (size_t i = 0; i < nset; i++) {
		const char *eq = strchr(sets[i], '=');

		p[i].key = sets[i];
		p[i].klen = (size_t)(eq - sets[i]);
		p[i].val = eq + 1;
		valid &= ref_key(p[i].key, p[i].klen) && strlen(p[i].val) <= (1u << 20);
	}
	rc = fz_rc(release_env_set(s, "fz", sets, nset, &r), "release_env_set");
	if (rc != 0 && rc != RELEASE_EINVAL)
		fz_finding("release_env_set: %s", release_strerror(rc));
	if ((rc == 0) != valid)
		fz_finding("release_env_set %s pairs that are%s valid (%s)",
			   rc == 0 ? "accepted" : "refused", valid ? "" : " not",
			   release_store_errmsg(s));
	if (rc == 0 && nset > 0 && !r)
		fz_finding("release_env_set made no release from %zu new pairs", nset);
	for (size_t i = 0; r && i < release_env_count(r); i++) {
		const char *k = release_env_key(r, i), *want = ref_value(p, nset, k);

		if (!want || strcmp(want, release_env_value(r, i)) != 0)
			fz_finding("env %s is '%s', set to '%s'", k, release_env_value(r, i),
				   want ? want : "(nothing)");
	}
	for (size_t i = 0; rc == 0 && i < nset; i++) {
		size_t j;

		for (j = 0; j < i; j++)
			if (p[j].klen == p[i].klen && strncmp(p[j].key, p[i].key, p[i].klen) == 0)
				break;
		distinct += j == i;
	}
	if (r && release_env_count(r) != distinct)
		fz_finding("%zu env pairs from %zu keys", release_env_count(r), distinct);
	if (rc == 0 && nunset > 0) {
		release *u = NULL;
		int ok = 1;

		for (size_t i = 0; i < nunset; i++)
			ok &= ref_key(unsets[i], strlen(unsets[i]));
		rc = fz_rc(release_env_unset(s, "fz", unsets, nunset, &u), "release_env_unset");
		if ((rc == 0) != ok)
			fz_finding("release_env_unset %s keys that are%s valid",
				   rc == 0 ? "accepted" : "refused", ok ? "" : " not");
		for (size_t i = 0; u && i < nunset; i++)
			if (release_env_get(u, unsets[i]))
				fz_finding("env %s is still set after unset", unsets[i]);
		release_free(u);
	}
	release_free(r);
	release_store_close(s);
}

/* ------------------------------------------------------------ entry */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_WORDS + 2], err[256];
	const char *sets[MAX_WORDS], *unsets[MAX_WORDS];
	size_t nset = 0, nunset = 0, start = 0;
	int argc = 1, rc;
	struct args a;

	static int once;

	if (!once++)
		relctl_times_init();
	argv[0] = "relctl";
	/* Each word in its own allocation, so reading past one is caught. */
	while (start < size && argc <= MAX_WORDS) {
		const uint8_t *nul = memchr(data + start, 0, size - start);
		size_t len = nul ? (size_t)(nul - (data + start)) : size - start;

		if (!(argv[argc] = malloc(len + 1)))
			return 0;
		memcpy(argv[argc], data + start, len);
		argv[argc++][len] = '\0';
		start += len + 1;
	}
	argv[argc] = NULL;
	memset(err, 0x55, sizeof err);
	rc = args_parse(&a, argc, argv, err, sizeof err);
	if (rc == -1 && (!memchr(err, '\0', sizeof err) || !err[0]))
		fz_finding("args_parse failed without a message");
	if (rc != 0 && rc != -1 && rc != -2)
		fz_finding("args_parse returned %d", rc);
	if (rc == 0) {
		static const enum opt numbers[] = {OPT_LIMIT, OPT_KEEP, OPT_HOOK_TIMEOUT};

		check_args(&a, argv, argc);
		for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++)
			if (a.value[numbers[i]])
				check_uint(a.value[numbers[i]]);
		if (a.value[OPT_STORE])
			check_store_uri(a.value[OPT_STORE]);
		if (a.value[OPT_BEFORE])
			check_ref(a.value[OPT_BEFORE]);
		if (a.value[OPT_AT])
			relctl_check_time(a.value[OPT_AT]);
		if (a.value[OPT_TIMEOUT])
			relctl_check_duration(a.value[OPT_TIMEOUT]);
		for (size_t i = 0; i < a.npos; i++) {
			check_uint(a.pos[i]);
			check_ref(a.pos[i]);
			if (i < 4) {
				check_testenv(a.pos[i]);
				relctl_check_time(a.pos[i]);
				relctl_check_duration(a.pos[i]);
			}
			if (i > 0 && i < 4)
				relctl_check_durations(a.pos[i - 1], a.pos[i]);
			if (strchr(a.pos[i], '='))
				sets[nset++] = a.pos[i];
			else
				unsets[nunset++] = a.pos[i];
		}
		check_env(sets, nset, unsets, nunset);
	}
	args_free(&a);
	for (int i = 1; i < argc; i++)
		free(argv[i]);
	return 0;
}
