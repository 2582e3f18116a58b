/* The deploy hook's environment and its manifest and env files. */
#include "hook_env.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"

extern char **environ;

static const char *const var_names[HOOK_ENV_VARS] = {
	"RELEASE_APP",    "RELEASE_ID",       "RELEASE_VERSION",
	"RELEASE_BUILD",  "RELEASE_DESCRIPTION", "RELEASE_SOURCE",
	"RELEASE_MANIFEST", "RELEASE_ENV_FILE", "RELEASE_STORE", "RELEASE_ACTOR",
};

/* A file with no name: a memfd, else a file in $TMPDIR (or /tmp) that is
 * unlinked before anything is written to it. Either way nothing of it is
 * left in a directory, whatever happens to relctl: the secrets in it live
 * as long as a process holds it open. The descriptor is close-on-exec and
 * above 2; the hook's child clears the flag. -1 with a message in err. */
static int anonymous_file(const char *what, char *err, size_t errlen)
{
	char name[4096];
	const char *dir;
	int fd, high;

	snprintf(name, sizeof name, "relctl-%s", what);
	if ((fd = memfd_create(name, MFD_CLOEXEC)) < 0) {
		/* No memfd (an old kernel, a sandbox): a temporary file. */
		if (!(dir = getenv("TMPDIR")) || dir[0] != '/' || strlen(dir) > 4000)
			dir = "/tmp";
		snprintf(name, sizeof name, "%s/relctl-%s-XXXXXX", dir, what);
		if ((fd = mkostemp(name, O_CLOEXEC)) < 0) { /* 0600 */
			snprintf(err, errlen, "creating a file for the hook in %.200s: %s", dir,
				 strerror(errno));
			return -1;
		}
		unlink(name);
	}
	if (fchmod(fd, 0600) != 0 || (high = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0) {
		snprintf(err, errlen, "making a file for the hook: %s", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return high;
}

/* Makes a file holding the n texts (each followed by a newline, when lines
 * is set), rewound, and its path as the hook sees it, /dev/fd/N. */
static int write_file(int *fd, char *path, size_t size, const char *what,
		      const char *const *texts, size_t n, int lines, char *err, size_t errlen)
{
	if ((*fd = anonymous_file(what, err, errlen)) < 0)
		return -1;
	snprintf(path, size, "/dev/fd/%d", *fd);
	for (size_t i = 0; i < n; i++) {
		if (io_write_all(*fd, texts[i], strlen(texts[i])) != 0 ||
		    (lines && io_write_all(*fd, "\n", 1) != 0)) {
			snprintf(err, errlen, "writing the hook's %s file: %s", what,
				 strerror(errno));
			return -1;
		}
	}
	/* The hook may read the descriptor itself, not only reopen the path. */
	if (lseek(*fd, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "writing the hook's %s file: %s", what, strerror(errno));
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
	rc = write_file(&e->env_fd, e->env_file, sizeof e->env_file, "env",
			(const char *const *)pairs, n, 1, err, errlen);
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

int hook_env_make(struct hook_env *e, const release *r, const char *store_uri,
		  const char *actor, char *err, size_t errlen)
{
	const char *manifest = release_manifest(r);
	const char *values[HOOK_ENV_VARS];
	char version[24];
	size_t n = 0, i, j = 0;

	memset(e, 0, sizeof *e);
	e->manifest_fd = e->env_fd = -1;
	if (write_file(&e->manifest_fd, e->manifest, sizeof e->manifest, "manifest", &manifest, 1,
		       0, err, errlen) != 0 ||
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
	values[9] = actor ? actor : "";
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

void hook_env_inherit(const struct hook_env *e)
{
	if (e->manifest_fd >= 0)
		fcntl(e->manifest_fd, F_SETFD, 0);
	if (e->env_fd >= 0)
		fcntl(e->env_fd, F_SETFD, 0);
}

void hook_env_free(struct hook_env *e)
{
	if (e->manifest_fd >= 0)
		close(e->manifest_fd);
	if (e->env_fd >= 0)
		close(e->env_fd);
	for (size_t i = 0; i < HOOK_ENV_VARS; i++)
		free(e->vars[i]);
	free(e->envp);
	memset(e, 0, sizeof *e);
	e->manifest_fd = e->env_fd = -1;
}
