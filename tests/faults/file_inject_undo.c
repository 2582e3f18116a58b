/*
 * System-call fault injection, the page cache's part: see file_inject.h.
 *
 * While tracking, every write and size change through the interposers first
 * saves the bytes and size it replaces; a successful sync of the file drops
 * what was saved for it. Losing the unsynced writes puts the saved bytes
 * back, newest first: the files as a machine that lost power would find
 * them if none of those writes had reached the disk. (Directory changes are
 * kept; a file replaced meanwhile is left alone.) The saved bytes live in
 * memory mapped here, so the allocator is neither counted nor failed.
 */
#include "file_inject.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct undo {
	struct undo *prev;
	dev_t dev;
	ino_t ino;
	off_t off, old_size;
	size_t len; /* bytes saved in data */
	int synced;
	char path[512];
	unsigned char data[];
};

#define CHUNK (16u << 20)

struct chunk {
	struct chunk *prev;
	size_t used;
};

static int tracking;
static struct undo *newest;
static struct chunk *chunks;

static void *arena_alloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!chunks || CHUNK - chunks->used < n) {
		size_t size = n + 64 > CHUNK ? n + 64 : CHUNK;
		struct chunk *c = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				       -1, 0);

		if (c == MAP_FAILED)
			return NULL;
		c->prev = chunks;
		c->used = 64;
		chunks = c;
		if (size > CHUNK) {
			/* one oversized block: the next allocation takes a new chunk */
			c->used = size;
			return (unsigned char *)c + 64;
		}
	}
	p = (unsigned char *)chunks + chunks->used;
	chunks->used += n;
	return p;
}

static void arena_free(void)
{
	while (chunks) {
		struct chunk *c = chunks;

		chunks = c->prev;
		munmap(c, c->used > CHUNK ? c->used : CHUNK);
	}
	newest = NULL;
}

void fi_track_unsynced(int on)
{
	arena_free();
	tracking = on;
}

void fi__undo_note(int fd, off_t off, size_t len)
{
	struct stat st;
	struct undo *u;
	char link[64];
	size_t keep = 0;
	ssize_t n;

	if (!tracking || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	if (off < st.st_size)
		keep = (size_t)(st.st_size - off) < len ? (size_t)(st.st_size - off) : len;
	if (!(u = arena_alloc(sizeof *u + keep)))
		return;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, u->path, sizeof u->path - 1);
	if (n <= 0)
		return;
	u->path[n] = '\0';
	u->dev = st.st_dev;
	u->ino = st.st_ino;
	u->off = off;
	u->old_size = st.st_size;
	u->len = keep && pread(fd, u->data, keep, off) == (ssize_t)keep ? keep : 0;
	u->synced = 0;
	u->prev = newest;
	newest = u;
}

void fi__undo_synced(int fd)
{
	struct stat st;

	if (!tracking || fstat(fd, &st) != 0)
		return;
	for (struct undo *u = newest; u; u = u->prev)
		if (u->dev == st.st_dev && u->ino == st.st_ino)
			u->synced = 1;
}

static unsigned long lost;

unsigned long fi_lost_writes(void)
{
	return lost;
}

void fi_lose_unsynced(void)
{
	tracking = 0;
	lost = 0;
	for (struct undo *u = newest; u; u = u->prev) {
		struct stat st;
		int fd;

		if (u->synced)
			continue;
		fd = open(u->path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && st.st_dev == u->dev && st.st_ino == u->ino) {
			lost++;
			if (u->len && pwrite(fd, u->data, u->len, u->off) != (ssize_t)u->len)
				fprintf(stderr, "file_inject: cannot restore %s\n", u->path);
			if (ftruncate(fd, u->old_size) != 0)
				fprintf(stderr, "file_inject: cannot restore the size of %s\n",
					u->path);
		}
		close(fd);
	}
	arena_free();
}
