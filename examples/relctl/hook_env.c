/* The deploy hook's environment and its manifest and env files. */
#include "hook_env.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static const char *const var_names[HOOK_ENV_VARS] = {
	"RELEASE_APP",    "RELEASE_ID",       "RELEASE_VERSION",
	"RELEASE_BUILD",  "RELEASE_DESCRIPTION", "RELEASE_SOURCE",
	"RELEASE_MANIFEST", "RELEASE_ENV_FILE", "RELEASE_STORE",
};

/* Creates a private temporary file named like relctl-<what>-XXXXXX, in
 * $TMPDIR or /tmp, holding the n texts (or each of them followed by a
 * newline, when lines is set). */
static int write_temp(char *path, size_t size, const char *what, const char *const *texts,
		      size_t n, int lines, char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	FILE *f;
	int fd, ok;

	if (!dir || dir[0] != '/')
		dir = "/tmp";
	snprintf(path, size, "%s/relctl-%s-XXXXXX", dir, what);
	if ((fd = mkstemp(path)) < 0) { /* mkstemp makes it 0600 */
		snprintf(err, errlen, "creating a temporary file in %s: %s", dir, strerror(errno));
		path[0] = '\0';
		return -1;
	}
	if (!(f = fdopen(fd, "w"))) {
		close(fd);
		snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		fputs(texts[i], f);
		if (lines)
			fputc('\n', f);
	}
	ok = !ferror(f);
	if (fclose(f) != 0 || !ok) {
		snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_env_file(struct hook_env *e, const release *r, char *err, size_t errlen)
{
	size_t n = release_env_count(r), i;
	char **pairs = calloc(n ? n : 1, sizeof *pairs);
	int rc = -1;

	if (!pairs)
		goto nomem;
	for (i = 0; i < n; i++) {
		const char *k = release_env_key(r, i), *v = release_env_value(r, i);
		size_t len = strlen(k) + 1 + strlen(v) + 1;

		if (!(pairs[i] = malloc(len)))
			goto nomem;
		snprintf(pairs[i], len, "%s=%s", k, v);
	}
	rc = write_temp(e->env_file, sizeof e->env_file, "env", (const char *const *)pairs, n, 1,
			err, errlen);
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	if (pairs)
		for (i = 0; i < n; i++)
			free(pairs[i]);
	free(pairs);
	return rc;
}

static char *make_var(const char *name, const char *value)
{
	size_t len = strlen(name) + 1 + strlen(value) + 1;
	char *var = malloc(len);

	if (var)
		snprintf(var, len, "%s=%s", name, value);
	return var;
}

static int is_ours(const char *entry)
{
	size_t len = strcspn(entry, "=");

	for (size_t i = 0; i < HOOK_ENV_VARS; i++)
		if (strlen(var_names[i]) == len && strncmp(var_names[i], entry, len) == 0)
			return 1;
	return 0;
}

int hook_env_make(struct hook_env *e, const release *r, const char *store_uri, char *err,
		  size_t errlen)
{
	const char *manifest = release_manifest(r);
	const char *values[HOOK_ENV_VARS];
	char version[24];
	size_t n = 0, i, j = 0;

	memset(e, 0, sizeof *e);
	if (write_temp(e->manifest, sizeof e->manifest, "manifest", &manifest, 1, 0, err,
		       errlen) != 0 ||
	    write_env_file(e, r, err, errlen) != 0)
		return -1;
	snprintf(version, sizeof version, "%" PRIu64, release_version(r));
	values[0] = release_app_of(r);
	values[1] = release_id(r);
	values[2] = version;
	values[3] = release_build_of(r) ? release_build_of(r) : "";
	values[4] = release_description(r);
	values[5] = release_source(r) ? release_source(r) : "";
	values[6] = e->manifest;
	values[7] = e->env_file;
	values[8] = store_uri;
	for (i = 0; i < HOOK_ENV_VARS; i++)
		if (!(e->vars[i] = make_var(var_names[i], values[i])))
			goto nomem;
	while (environ && environ[n])
		n++;
	if (!(e->envp = calloc(n + HOOK_ENV_VARS + 1, sizeof *e->envp)))
		goto nomem;
	for (i = 0; i < n; i++)
		if (!is_ours(environ[i]))
			e->envp[j++] = environ[i];
	for (i = 0; i < HOOK_ENV_VARS; i++)
		e->envp[j++] = e->vars[i];
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

void hook_env_free(struct hook_env *e)
{
	if (e->manifest[0])
		unlink(e->manifest);
	if (e->env_file[0])
		unlink(e->env_file);
	for (size_t i = 0; i < HOOK_ENV_VARS; i++)
		free(e->vars[i]);
	free(e->envp);
	memset(e, 0, sizeof *e);
}
