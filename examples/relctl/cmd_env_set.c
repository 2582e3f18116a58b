/* env set, env unset. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env_change.h"
#include "io.h"

/* The most bytes -f FILE or --stdin reads. */
#define INPUT_MAX ((size_t)64 << 20)

static int bad_key(const char *w, size_t len)
{
	char *key = malloc(len + 1);
	int status;

	if (!key)
		return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
	memcpy(key, w, len);
	key[len] = '\0';
	status = relctl_error(RELCTL_EXIT_USAGE, "invalid env key '%s' (%s)", relctl_shown(key),
			      env_key_want(w, len));
	free(key);
	return status;
}

/* Reports a failed read of path: a missing file is exit 3. */
static int read_failed(const char *path)
{
	if (errno == ENOMEM)
		return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
	if (errno == EFBIG)
		return relctl_error(RELCTL_EXIT_USAGE, "%s holds more than %zu bytes",
				    io_input_name(path), INPUT_MAX);
	return relctl_error(errno == ENOENT ? RELCTL_EXIT_NOTFOUND : RELCTL_EXIT_USAGE,
			    "reading %s: %s", io_input_name(path), strerror(errno));
}

/* Reads --stdin's value into p as key's (the first len bytes of key): all
 * of standard input, less exactly one newline at its end. 0, or the exit
 * status after reporting. */
static int read_stdin_value(struct env_pairs *p, const char *key, size_t len)
{
	size_t n;
	char *text = io_read_all("-", INPUT_MAX, &n);
	int rc;

	if (!text)
		return read_failed("-");
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
	int rc;

	if (!(text = io_read_all(path, INPUT_MAX, &n)))
		return read_failed(path);
	rc = env_file_parse(text, n, p, err, sizeof err);
	free(text);
	if (rc == -2)
		return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
	if (rc != 0)
		return relctl_error(RELCTL_EXIT_USAGE, "%s, %s",
				    strcmp(path, "-") ? relctl_shown(path) : "standard input", err);
	return 0;
}

/* The pairs `env set` is given: KEY=VALUE words, then -f FILE's; a KEY word
 * with --stdin takes standard input as its value. Every one is checked
 * before anything is printed. 0, or the exit status after reporting. */
static int set_pairs(struct relctl *c, struct env_pairs *p)
{
	const char *file = c->args.value[OPT_FILE];
	int from_stdin = c->args.value[OPT_STDIN] != NULL, stdin_used = 0, status;

	/* -f /dev/stdin, or a file standard input is redirected from, would
	 * find standard input read to its end already, and set nothing. */
	if (from_stdin && file && io_reads_stdin(file))
		return relctl_error(RELCTL_EXIT_USAGE,
				    "--stdin and --file %s both read standard input: give one",
				    relctl_shown(file));
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
	if (file && (status = read_file_pairs(p, file)) != 0)
		return status;
	return relctl_check_values(p);
}

/* --release's id in base ("" without it). 0, or the exit status after
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

/*
 * --replace: "Setting ... " names every key the change adds, changes or
 * removes, against --release's env or the newest release's (the library
 * applies it to the newest at the time of the write, and the description
 * is its exact account), so that a wipe cannot pass unseen. No pairs at
 * all is refused: an empty or failed input would remove every key. 0, or
 * the exit status after reporting.
 */
static int say_replace(struct relctl *c, release_store *s, const struct env_pairs *p)
{
	struct env_diff d;
	release *r = NULL;
	int status;

	if (p->n == 0)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "--replace with no pairs would remove every key: give the "
				    "pairs the env is to hold (to remove keys: relctl env unset "
				    "KEY...)");
	if ((status = relctl_env_release(c, s, &r)) != 0)
		return status;
	if (env_diff_make(&d, r, p) != 0) {
		release_free(r);
		return relctl_error(RELCTL_EXIT_FAILURE, "out of memory");
	}
	relctl_say_keys(c, "Setting", d.keys, d.keys_n);
	env_diff_free(&d);
	release_free(r);
	return 0;
}

int cmd_env_set(struct relctl *c)
{
	int replace = c->args.value[OPT_REPLACE] != NULL, rc, status;
	release_env_opts eo;
	struct env_pairs p;
	release_store *s;
	release *r = NULL;
	char base[64];

	env_pairs_init(&p);
	if ((status = set_pairs(c, &p)) != 0 || !(s = relctl_store(c, &status)) ||
	    (status = base_id(c, s, base, sizeof base)) != 0)
		goto out;
	if (replace && (status = say_replace(c, s, &p)) != 0)
		goto out;
	if (!replace)
		relctl_say_keys(c, "Setting", (const char *const *)p.pairs, p.n);
	release_env_opts_init(&eo);
	eo.base = base[0] ? base : NULL;
	eo.flags = replace ? RELEASE_ENV_REPLACE : 0;
	eo.set = (const char *const *)p.pairs;
	eo.set_n = p.n;
	rc = release_env_change(s, c->app, &eo, &r);
	status = rc ? relctl_fail(c, rc) : relctl_release_made(c, r);
out:
	env_pairs_free(&p);
	return status;
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
	relctl_say_keys(c, "Unsetting", keys, relctl_nargs(c));
	release_env_opts_init(&eo);
	eo.base = base[0] ? base : NULL;
	eo.unset = keys;
	eo.unset_n = relctl_nargs(c);
	if ((rc = release_env_change(s, c->app, &eo, &r)) != 0)
		return relctl_fail(c, rc);
	return relctl_release_made(c, r);
}
