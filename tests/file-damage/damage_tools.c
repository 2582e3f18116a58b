/*
 * More helpers of the damage suite (declared in damage.h): the newest
 * generation of an app's files, zeroing bytes in place, the whole of what an
 * app reads as through the public API, and children with a time limit.
 */
#include "damage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------- generations */

uint64_t gen_file(const char *root, const char *app, const char *base, char *path, size_t len)
{
	char dir[600];
	size_t blen = strlen(base);
	uint64_t best = 0;
	DIR *d;
	struct dirent *e;

	snprintf(dir, sizeof dir, "%s/%s", root, app);
	if (!(d = opendir(dir)))
		return 0;
	while ((e = readdir(d))) {
		const char *p = e->d_name + blen + 1;
		char *end;
		unsigned long long g;

		if (strncmp(e->d_name, base, blen) != 0 || e->d_name[blen] != '.' || *p < '0' ||
		    *p > '9')
			continue;
		g = strtoull(p, &end, 10);
		if (*end == '\0' && g > best)
			best = g;
	}
	closedir(d);
	if (best)
		snprintf(path, len, "%s/%s.%llu", dir, base, (unsigned long long)best);
	return best;
}

void zero_range(const char *path, uint64_t off, size_t len)
{
	static const unsigned char zeros[4096];
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		fail_msg("opening %s: %s", path, strerror(errno));
	while (len > 0) {
		size_t n = len < sizeof zeros ? len : sizeof zeros;

		if (pwrite(fd, zeros, n, (off_t)off) != (ssize_t)n)
			fail_msg("zeroing %s: %s", path, strerror(errno));
		off += n;
		len -= n;
	}
	close(fd);
}

static int text_failed(release_store *s, int rc, const char *call, char *what, size_t len)
{
	snprintf(what, len, "%s -> %d (%s): %s", call, rc, release_strerror(rc),
		 release_store_errmsg(s));
	return rc;
}

/* Appends id to a growing array of ids; returns the (maybe moved) array. */
static char (*push_id(char (*ids)[32], size_t *n, size_t *cap, const char *id))[32]
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		ids = realloc(ids, *cap * sizeof *ids);
		assert_non_null(ids);
	}
	snprintf(ids[(*n)++], sizeof ids[0], "%s", id);
	return ids;
}

int app_text(release_store *s, const char *app, char **out, char *what, size_t whatlen)
{
	struct sb b = {0};
	release_app *a = NULL;
	release_iter *it = NULL;
	release_build_iter *bi = NULL;
	const release *r;
	const release_build *x;
	char (*ids)[32] = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	if ((rc = release_app_get(s, app, &a)) != 0)
		return text_failed(s, rc, "release_app_get", what, whatlen);
	{
		char *d = dump_app(a);

		sb_add(&b, "app %s\n", d);
		free(d);
	}
	release_app_free(a);
	if ((rc = release_list(s, app, NULL, &it)) != 0) {
		free(b.p);
		return text_failed(s, rc, "release_list", what, whatlen);
	}
	while ((rc = release_iter_next(it, &r)) == 0) {
		char *d = dump_release(r);

		sb_add(&b, "listed %s\n", d);
		free(d);
		ids = push_id(ids, &n, &cap, release_id(r));
	}
	release_iter_free(it);
	if (rc != RELEASE_ITEROVER) {
		free(b.p);
		free(ids);
		return text_failed(s, rc, "release_iter_next", what, whatlen);
	}
	for (size_t i = 0; i < n; i++) {
		release *g = NULL, *v = NULL;
		char call[96];
		char *d;

		snprintf(call, sizeof call, "release_get(%s)", ids[i]);
		if ((rc = release_get(s, app, ids[i], &g)) == 0) {
			snprintf(call, sizeof call, "release_get_version(%llu)",
				 (unsigned long long)release_version(g));
			rc = release_get_version(s, app, release_version(g), &v);
		}
		if (rc != 0) {
			release_free(g);
			free(b.p);
			free(ids);
			return text_failed(s, rc, call, what, whatlen);
		}
		d = dump_release(g);
		sb_add(&b, "by id %s\n", d);
		free(d);
		d = dump_release(v);
		sb_add(&b, "by version %s\n", d);
		free(d);
		release_free(g);
		release_free(v);
	}
	n = 0;
	if ((rc = release_build_list(s, app, 0, &bi)) != 0) {
		free(b.p);
		free(ids);
		return text_failed(s, rc, "release_build_list", what, whatlen);
	}
	while ((rc = release_build_iter_next(bi, &x)) == 0) {
		char *d = dump_build(x);

		sb_add(&b, "listed %s\n", d);
		free(d);
		ids = push_id(ids, &n, &cap, release_build_id(x));
	}
	release_build_iter_free(bi);
	if (rc != RELEASE_ITEROVER) {
		free(b.p);
		free(ids);
		return text_failed(s, rc, "release_build_iter_next", what, whatlen);
	}
	for (size_t i = 0; i < n; i++) {
		release_build *g = NULL;
		char *d;

		if ((rc = release_build_get(s, app, ids[i], &g)) != 0) {
			char call[96];

			snprintf(call, sizeof call, "release_build_get(%s)", ids[i]);
			free(b.p);
			free(ids);
			return text_failed(s, rc, call, what, whatlen);
		}
		d = dump_build(g);
		sb_add(&b, "by id %s\n", d);
		free(d);
		release_build_free(g);
	}
	free(ids);
	*out = b.p;
	return 0;
}

/* ------------------------------------------------------- children */

int in_child(int (*fn)(void *), void *arg, unsigned seconds)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int rc;

		alarm(seconds);
		rc = fn(arg);
		fflush(NULL);
		_exit(rc & 0xff);
	}
	while (waitpid(pid, &status, 0) != pid)
		assert_int_equal(errno, EINTR);
	if (WIFSIGNALED(status))
		return 256 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

void backend_open(const char *dir, struct backend *b)
{
	char uri[600];
	int rc;

	snprintf(uri, sizeof uri, "file:%s", dir);
	b->ctx = NULL;
	rc = release_storage_open(&b->s, &b->ctx, uri);
	if (rc != 0)
		fail_msg("opening %s: %d: %s", dir, rc, release_store_errmsg(NULL));
}

void backend_close(struct backend *b)
{
	if (b->ctx)
		b->s->close(b->ctx);
	b->ctx = NULL;
}

const char *msg(const struct backend *b)
{
	const char *m = b->s->errmsg ? b->s->errmsg(b->ctx) : NULL;

	return m ? m : "(no message)";
}
