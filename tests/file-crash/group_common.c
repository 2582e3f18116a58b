/* What the group-commit test programs share: group_common.h. */
#include "group_common.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char dir[512], uri[600];

int store_make(const char *tag)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/release-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
	if (!mkdtemp(dir))
		return -1;
	snprintf(uri, sizeof uri, "file:%s", dir);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void store_remove(void)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void backend_open(struct backend *b)
{
	int rc;

	b->ctx = NULL;
	rc = release_storage_open(&b->s, &b->ctx, uri);
	if (rc != 0)
		fail_msg("opening %s: %d: %s", uri, rc, release_store_errmsg(NULL));
}

void backend_close(struct backend *b)
{
	if (b->ctx)
		b->s->close(b->ctx);
	b->ctx = NULL;
}

int put_build(struct backend *b, const char *key, uint64_t seq, const char *data)
{
	release_storage_op op = {RELEASE_OP_PUT, RELEASE_KIND_BUILD, key, seq, NULL, 0, data,
				 strlen(data)};

	return b->s->commit(b->ctx, "web", &op, 1, NULL);
}

char *app_path(const char *name)
{
	static char p[700];

	snprintf(p, sizeof p, "%s/web/%s", dir, name);
	return p;
}

long log_size(void)
{
	struct stat st;

	return stat(app_path("log.1"), &st) == 0 ? (long)st.st_size : -1;
}

void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

void wait_log_size(long size)
{
	for (int i = 0; i < 5000 && log_size() != size; i++)
		sleep_ms(1);
	assert_int_equal(log_size(), size);
}

long rec_len(const char *key, const char *data)
{
	return 24 + (long)strlen(key) + (long)strlen(data);
}

void lock_byte(int fd, short type, int byte)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1};

	assert_int_equal(fcntl(fd, F_OFD_SETLKW, &fl), 0);
}
