/*
 * Counts the calls that make data durable, made by any object in this
 * process: this program defines fsync, fdatasync, sync_file_range, msync,
 * syncfs and sync, each counting and then calling the C library's through
 * dlsym(RTLD_NEXT) (each is one system call too, for sys_count.c). A symbol
 * defined in the executable comes first in the dynamic linker's search, so
 * librelease.so, libsqlite3 and libpq reach these definitions rather than
 * libc's (meson.build exports them from the executable). What this does not see: a raw syscall(SYS_fdatasync), and
 * writes made durable by O_SYNC or O_DSYNC, which none of those libraries
 * use, and work done in another process (a PostgreSQL server's).
 */
#include "bench.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static atomic_uint_fast64_t calls;

/* The next definition of name after this program's: the C library's. */
void *libc_next(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p)
		die("dlsym(RTLD_NEXT, \"%s\"): %s", name, dlerror());
	return p;
}

typedef int (*fd_fn)(int);

int fsync(int fd)
{
	REAL(fd_fn, "fsync");
	atomic_fetch_add(&calls, 1);
	sys_note();
	return real(fd);
}

int fdatasync(int fd)
{
	REAL(fd_fn, "fdatasync");
	atomic_fetch_add(&calls, 1);
	sys_note();
	return real(fd);
}

int syncfs(int fd)
{
	REAL(fd_fn, "syncfs");
	atomic_fetch_add(&calls, 1);
	sys_note();
	return real(fd);
}

typedef void (*void_fn)(void);

void sync(void)
{
	REAL(void_fn, "sync");
	atomic_fetch_add(&calls, 1);
	sys_note();
	real();
}

typedef int (*range_fn)(int, off_t, off_t, unsigned int);

int sync_file_range(int fd, off_t offset, off_t nbytes, unsigned int flags)
{
	REAL(range_fn, "sync_file_range");
	sys_note();
	/* Only a range written out and waited for is durable work. */
	if (flags & SYNC_FILE_RANGE_WAIT_AFTER)
		atomic_fetch_add(&calls, 1);
	return real(fd, offset, nbytes, flags);
}

typedef int (*msync_fn)(void *, size_t, int);

int msync(void *addr, size_t len, int flags)
{
	REAL(msync_fn, "msync");
	sys_note();
	/* MS_ASYNC does nothing on Linux. */
	if (flags & MS_SYNC)
		atomic_fetch_add(&calls, 1);
	return real(addr, len, flags);
}

uint64_t sync_calls(void)
{
	return atomic_load(&calls);
}

void sync_count_check(void)
{
	static const char *const names[] = {"fsync", "fdatasync", "syncfs", "sync", "sync_file_range",
					    "msync"};
	void *mine[] = {0, 0, 0, 0, 0, 0};
	fd_fn f1 = fsync, f2 = fdatasync, f3 = syncfs;
	void_fn f4 = sync;
	range_fn f5 = sync_file_range;
	msync_fn f6 = msync;

	memcpy(&mine[0], &f1, sizeof f1);
	memcpy(&mine[1], &f2, sizeof f2);
	memcpy(&mine[2], &f3, sizeof f3);
	memcpy(&mine[3], &f4, sizeof f4);
	memcpy(&mine[4], &f5, sizeof f5);
	memcpy(&mine[5], &f6, sizeof f6);
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (dlsym(RTLD_DEFAULT, names[i]) != mine[i])
			die("%s is not interposed: the dynamic linker gives the libraries another "
			    "definition than this program's, so their calls would not be counted "
			    "(is it exported from the executable? see meson.build)",
			    names[i]);
}

sync_fd_fn sync_linked_fdatasync(void)
{
	sync_fd_fn linked;
	void *p = dlsym(RTLD_DEFAULT, "fdatasync");

	if (!p)
		die("dlsym(RTLD_DEFAULT, \"fdatasync\"): %s", dlerror());
	memcpy(&linked, &p, sizeof linked);
	return linked;
}
