/* env, env get, env set, env unset. */
#include <stdlib.h>
#include <string.h>

#include "common/format.h"
#include "env_file.h"
#include "json.h"
#include "output.h"
#include "relctl.h"

/* The most bytes -f FILE or --stdin reads. */
#define INPUT_MAX ((size_t)64 << 20)

int relctl_env_release(struct relctl *c, release_store *s, release **out)
{
	const char *ref = c->args.value[OPT_RELEASE];
	release_list_opts lo;
	release_iter *it = NULL;
	const release *r = NULL;
	int rc;

	*out = NULL;
	if (ref)
		return relctl_get_release(c, s, ref, out);
	release_list_opts_init(&lo);
	lo.limit = 1;
	if ((rc = release_list(s, c->app, &lo, &it)) != 0)
		return relctl_fail(c, rc);
	if ((rc = release_iter_next(it, &r)) == 0 && !(*out = release_dup(r)))
		rc = RELEASE_ENOMEM;
	release_iter_free(it);
	return rc && rc != RELEASE_ITEROVER ? relctl_fail(c, rc) : 0;
}

/* The env's pairs as text lines, masked and made safe. 0, or -1 when out of
 * memory. */
static int print_env_text(struct relctl *c, const release *r, const release_settings *mask)
{
	for (size_t i = 0; r && i < release_env_count(r); i++) {
		/* One pair a line: a newline in a value is shown as \n. */
		const char *key = release_env_key(r, i);
		char *k = format_safe(key, 0, 0);
		char *v = format_safe(env_shown(mask, key, release_env_value(r, i)), 0, 0);

		if (k && v)
			fprintf(c->out, "%s=%s\n", k, v);
		free(k);
		free(v);
		if (!k || !v)
			return -1;
	}
	return 0;
}

int cmd_env(struct relctl *c)
{
	release_settings *mask = NULL;
	release_store *s;
	release *r = NULL;
	int status;

	if (!(s = relctl_store(c, &status)) || (status = relctl_env_release(c, s, &r)) != 0 ||
	    (status = relctl_mask_list(c, &mask)) != 0) {
		release_free(r);
		return status;
	}
	if (c->args.value[OPT_JSON]) {
		struct json j;

		json_init(&j, c->out);
		json_begin_object(&j);
		json_key(&j, "app");
		json_string(&j, c->app);
		json_key(&j, "release");
		json_string(&j, r ? release_id(r) : NULL);
		json_key(&j, "env");
		json_begin_object(&j);
		for (size_t i = 0; r && i < release_env_count(r); i++) {
			const char *key = release_env_key(r, i);

			json_key(&j, key);
			json_string(&j, env_shown(mask, key, release_env_value(r, i)));
		}
		json_end_object(&j);
		json_end_object(&j);
		json_finish(&j);
	} else if (print_env_text(c, r, mask) != 0) {
		status = relctl_fail(c, RELEASE_ENOMEM);
	}
	release_settings_free(mask);
	release_free(r);
	return status;
}

int cmd_env_get(struct relctl *c)
{
	const char *key = relctl_arg(c, 0), *value;
	release_store *s;
	release *r = NULL;
	int status;

	if (!env_key_valid(key, strlen(key)))
		return relctl_error(RELCTL_EXIT_USAGE,
				    "invalid env key '%s' (want [A-Za-z_][A-Za-z0-9_]*)",
				    relctl_shown(key));
	if (!(s = relctl_store(c, &status)) || (status = relctl_env_release(c, s, &r)) != 0)
		return status;
	if (!r || !(value = release_env_get(r, key))) {
		release_free(r);
		return relctl_error(RELCTL_EXIT_NOTFOUND, "env not found: %s", key);
	}
	if (c->args.value[OPT_JSON]) {
		struct json j;

		json_init(&j, c->out);
		json_begin_object(&j);
		json_key(&j, "app");
		json_string(&j, c->app);
		json_key(&j, "release");
		json_string(&j, release_id(r));
		json_key(&j, "key");
		json_string(&j, key);
		json_key(&j, "value");
		json_string(&j, value);
		json_end_object(&j);
		json_finish(&j);
	} else if (c->tty) {
		/* The value byte for byte is for files and pipes ($(relctl env
		 * get K)); a terminal gets it on one line, made safe. */
		char *safe = format_safe(value, 0, 0);

		if (safe)
			fprintf(c->out, "%s\n", safe);
		else
			status = relctl_fail(c, RELEASE_ENOMEM);
		free(safe);
	} else {
		fprintf(c->out, "%s\n", value);
	}
	release_free(r);
	return status;
}

/* Prints "<verb> K1, K2... " for n keys (each up to any '='). */
static void start(struct relctl *c, const char *verb, const char *const *keys, size_t n)
{
	fprintf(c->progress, "%s ", verb);
	for (size_t i = 0; i < n; i++)
		fprintf(c->progress, "%s%.*s", i ? ", " : "", (int)strcspn(keys[i], "="), keys[i]);
	fputs("... ", c->progress);
	fflush(c->progress);
}

int relctl_release_made(struct relctl *c, release *r)
{
	int status = RELCTL_EXIT_OK;

	fputs("OK\n", c->progress);
	if (!r) {
		fputs("No changes: no release was created\n", c->progress);
		return RELCTL_EXIT_OK;
	}
	fprintf(c->progress, "Release: %s\n", release_id(r));
	if (c->args.value[OPT_ID]) {
		fprintf(c->out, "%s\n", release_id(r));
		fflush(c->out);
	}
	if (c->args.value[OPT_PROMOTE])
		status = relctl_promote(c, release_id(r));
	release_free(r);
	return status;
}

static int bad_key(const char *w, size_t len)
{
	char *key = malloc(len + 1);
	int status;

	if (!key)
		return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
	memcpy(key, w, len);
	key[len] = '\0';
	status = relctl_error(RELCTL_EXIT_USAGE, "invalid env key '%s' (want [A-Za-z_][A-Za-z0-9_]*)",
			      relctl_shown(key));
	free(key);
	return status;
}

/* Reads --stdin's value into p as key's (the first len bytes of key): all
 * of standard input, less exactly one newline at its end. 0, or the exit
 * status after reporting. */
static int read_stdin_value(struct env_pairs *p, const char *key, size_t len)
{
	char err[512], *text;
	size_t n;
	int rc = env_read_all("-", INPUT_MAX, &text, &n, err, sizeof err);

	if (rc == -2)
		return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
	if (rc != 0)
		return relctl_error(RELCTL_EXIT_USAGE, "%s", err);
	if (memchr(text, '\0', n)) {
		free(text);
		return relctl_error(RELCTL_EXIT_USAGE,
				    "standard input holds a NUL byte, which no value can hold");
	}
	if (n > 0 && text[n - 1] == '\n')
		n--;
	rc = env_pairs_add(p, key, len, text, n, 0);
	free(text);
	return rc ? relctl_error(RELCTL_EXIT_FAILURE, "out of memory") : 0;
}

/* Reads -f FILE's pairs into p. 0, or the exit status after reporting. */
static int read_file_pairs(struct env_pairs *p, const char *path)
{
	char err[512], *text;
	size_t n;
	int rc = env_read_all(path, INPUT_MAX, &text, &n, err, sizeof err);

	if (rc == 0) {
		rc = env_file_parse(text, n, p, err, sizeof err);
		free(text);
		if (rc == -1)
			return relctl_error(RELCTL_EXIT_USAGE, "%s, %s",
					    strcmp(path, "-") ? path : "standard input", err);
	}
	if (rc == -2)
		return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
	if (rc == -3)
		return relctl_error(RELCTL_EXIT_NOTFOUND, "%s", err);
	return rc ? relctl_error(RELCTL_EXIT_USAGE, "%s", err) : 0;
}

/* The pairs `env set` is given: KEY=VALUE words, then -f FILE's; a KEY word
 * with --stdin takes standard input as its value. Every one is checked
 * before anything is printed. 0, or the exit status after reporting. */
static int set_pairs(struct relctl *c, struct env_pairs *p)
{
	const char *file = c->args.value[OPT_FILE];
	int from_stdin = c->args.value[OPT_STDIN] != NULL, stdin_used = 0, status;

	if (from_stdin && file && strcmp(file, "-") == 0)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "--stdin and --file - both read standard input: give one");
	if (relctl_nargs(c) == 0 && !file)
		return relctl_error(RELCTL_EXIT_USAGE, "missing argument (usage: relctl %s)",
				    c->cmd->synopsis);
	for (size_t i = 0; i < relctl_nargs(c); i++) {
		const char *w = relctl_arg(c, i);
		size_t len = strcspn(w, "=");

		if (!w[len] && (!from_stdin || stdin_used))
			return relctl_error(RELCTL_EXIT_USAGE,
					    "'%s' is not KEY=VALUE (usage: relctl %s)",
					    relctl_shown(w), c->cmd->synopsis);
		if (!env_key_valid(w, len))
			return bad_key(w, len);
		if (env_pairs_find(p, w, len) >= 0)
			return relctl_error(RELCTL_EXIT_USAGE, "%.*s is set twice", (int)len, w);
		if (!w[len]) {
			stdin_used = 1;
			if ((status = read_stdin_value(p, w, len)) != 0)
				return status;
		} else if (env_pairs_add(p, w, len, w + len + 1, strlen(w + len + 1), 0) != 0) {
			return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
		}
	}
	if (from_stdin && !stdin_used)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "--stdin sets one KEY's value: give the KEY as a word, without '='");
	return file ? read_file_pairs(p, file) : 0;
}

/* --release's id in base (NULL without it). 0, or the exit status after
 * reporting. */
static int base_id(struct relctl *c, release_store *s, char *base, size_t size)
{
	release *r = NULL;
	int status;

	base[0] = '\0';
	if (!c->args.value[OPT_RELEASE])
		return 0;
	if ((status = relctl_env_release(c, s, &r)) != 0)
		return status;
	snprintf(base, size, "%s", release_id(r));
	release_free(r);
	return 0;
}

int cmd_env_set(struct relctl *c)
{
	release_env_opts eo;
	struct env_pairs p;
	release_store *s;
	release *r = NULL;
	char base[64];
	int rc, status;

	env_pairs_init(&p);
	if ((status = set_pairs(c, &p)) != 0 || !(s = relctl_store(c, &status)) ||
	    (status = base_id(c, s, base, sizeof base)) != 0) {
		env_pairs_free(&p);
		return status;
	}
	start(c, "Setting", (const char *const *)p.pairs, p.n);
	release_env_opts_init(&eo);
	eo.base = base[0] ? base : NULL;
	eo.flags = c->args.value[OPT_REPLACE] ? RELEASE_ENV_REPLACE : 0;
	eo.set = (const char *const *)p.pairs;
	eo.set_n = p.n;
	rc = release_env_change(s, c->app, &eo, &r);
	env_pairs_free(&p);
	return rc ? relctl_fail(c, rc) : relctl_release_made(c, r);
}

int cmd_env_unset(struct relctl *c)
{
	const char *const *keys = c->args.pos + (c->args.npos - relctl_nargs(c));
	release_env_opts eo;
	release_store *s;
	release *r = NULL;
	char base[64];
	int rc, status;

	/* Every word is checked before anything is printed. */
	for (size_t i = 0; i < relctl_nargs(c); i++) {
		const char *w = keys[i];
		size_t len = strcspn(w, "=");

		if (w[len])
			return relctl_error(RELCTL_EXIT_USAGE,
					    "'%s' is a KEY=VALUE, not a KEY (usage: relctl %s)",
					    relctl_shown(w), c->cmd->synopsis);
		if (!env_key_valid(w, len))
			return bad_key(w, len);
	}
	if (!(s = relctl_store(c, &status)) || (status = base_id(c, s, base, sizeof base)) != 0)
		return status;
	start(c, "Unsetting", keys, relctl_nargs(c));
	release_env_opts_init(&eo);
	eo.base = base[0] ? base : NULL;
	eo.unset = keys;
	eo.unset_n = relctl_nargs(c);
	if ((rc = release_env_change(s, c->app, &eo, &r)) != 0)
		return relctl_fail(c, rc);
	return relctl_release_made(c, r);
}
