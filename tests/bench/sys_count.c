/*
 * Counts the system calls the stores make while a window is open: this
 * program defines the C library functions that librelease.so, libsqlite3 and
 * libpq call and that each make one system call (the read side, and the
 * write side, which a warm read should never reach), each counting and then
 * calling the C library's, as sync_count.c does for the sync calls. The
 * executable exports them (meson.build), so the libraries' calls reach them.
 *
 * Not seen: system calls libc makes inside itself (opendir's openat,
 * readdir's getdents64, fopen's, malloc's mmap and brk), a raw syscall(2),
 * and calls through vDSO (clock_gettime, gettimeofday, time), which enter
 * no kernel. Directory streams are flagged instead: a window that used one
 * gives a lower bound. And the kernel's own count of read(2)- and
 * write(2)-family calls (/proc/self/io) is compared with ours at the end of
 * every window, so a read the wrappers missed (readv, a fortified __read_chk
 * we do not know of) shows as a lower bound too, not as a silent undercount.
 */

/* The plain and the *64 names are distinct symbols here, as in libc: not
 * one redirected to the other. And no fortified inline definitions. */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE

#include "bench.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum { K_OTHER, K_READ, K_WRITE, K_DIR };

static atomic_int window;
static atomic_uint_fast64_t n_calls, n_reads, n_writes, n_dirs;

static void count(int kind)
{
	if (!atomic_load_explicit(&window, memory_order_relaxed))
		return;
	if (kind == K_DIR) {
		atomic_fetch_add_explicit(&n_dirs, 1, memory_order_relaxed);
		return;
	}
	atomic_fetch_add_explicit(&n_calls, 1, memory_order_relaxed);
	if (kind == K_READ)
		atomic_fetch_add_explicit(&n_reads, 1, memory_order_relaxed);
	else if (kind == K_WRITE)
		atomic_fetch_add_explicit(&n_writes, 1, memory_order_relaxed);
}

void sys_note(void)
{
	count(K_OTHER);
}

uint64_t sys_calls(void)
{
	return atomic_load_explicit(&n_calls, memory_order_relaxed);
}

/* ------------------------------------------------------------ wrappers */

/* Defines name with a fixed parameter list: count, then call libc's. */
#define WRAP(kind, ret, name, params, args)                                                      \
	typedef ret(*name##_fn) params;                                                          \
	ret name params                                                                          \
	{                                                                                        \
		REAL(name##_fn, #name);                                                          \
		count(kind);                                                                     \
		return real args;                                                                \
	}

/* glibc 2.33 dropped these from its headers; older binaries still call them. */
int __fxstat(int ver, int fd, struct stat *buf);
int __fxstat64(int ver, int fd, struct stat64 *buf);
int __xstat(int ver, const char *path, struct stat *buf);
int __xstat64(int ver, const char *path, struct stat64 *buf);
int __lxstat(int ver, const char *path, struct stat *buf);
int __lxstat64(int ver, const char *path, struct stat64 *buf);
int __fxstatat(int ver, int dir, const char *path, struct stat *buf, int flags);
int __fxstatat64(int ver, int dir, const char *path, struct stat64 *buf, int flags);
/* What a fortified build calls; declared by the headers only under
 * _FORTIFY_SOURCE. */
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off, size_t buflen);
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dir, const char *path, int flags);
int __openat64_2(int dir, const char *path, int flags);

/* Reads: what the kernel counts as syscr. */
WRAP(K_READ, ssize_t, read, (int fd, void *buf, size_t n), (fd, buf, n))
WRAP(K_READ, ssize_t, pread, (int fd, void *buf, size_t n, off_t off), (fd, buf, n, off))
WRAP(K_READ, ssize_t, pread64, (int fd, void *buf, size_t n, off64_t off), (fd, buf, n, off))
WRAP(K_READ, ssize_t, __read_chk, (int fd, void *buf, size_t n, size_t buflen), (fd, buf, n, buflen))
WRAP(K_READ, ssize_t, __pread64_chk, (int fd, void *buf, size_t n, off64_t off, size_t buflen),
     (fd, buf, n, off, buflen))
WRAP(K_READ, ssize_t, readv, (int fd, const struct iovec *v, int n), (fd, v, n))
WRAP(K_READ, ssize_t, preadv, (int fd, const struct iovec *v, int n, off_t off), (fd, v, n, off))
/* Writes: syscw. */
WRAP(K_WRITE, ssize_t, write, (int fd, const void *buf, size_t n), (fd, buf, n))
WRAP(K_WRITE, ssize_t, pwrite, (int fd, const void *buf, size_t n, off_t off), (fd, buf, n, off))
WRAP(K_WRITE, ssize_t, pwrite64, (int fd, const void *buf, size_t n, off64_t off),
     (fd, buf, n, off))
WRAP(K_WRITE, ssize_t, writev, (int fd, const struct iovec *v, int n), (fd, v, n))
WRAP(K_WRITE, ssize_t, pwritev, (int fd, const struct iovec *v, int n, off_t off), (fd, v, n, off))
/* Metadata. */
WRAP(K_OTHER, int, fstat, (int fd, struct stat *buf), (fd, buf))
WRAP(K_OTHER, int, fstat64, (int fd, struct stat64 *buf), (fd, buf))
WRAP(K_OTHER, int, stat, (const char *restrict path, struct stat *restrict buf), (path, buf))
WRAP(K_OTHER, int, stat64, (const char *restrict path, struct stat64 *restrict buf), (path, buf))
WRAP(K_OTHER, int, lstat, (const char *restrict path, struct stat *restrict buf), (path, buf))
WRAP(K_OTHER, int, lstat64, (const char *restrict path, struct stat64 *restrict buf), (path, buf))
WRAP(K_OTHER, int, fstatat, (int dir, const char *restrict path, struct stat *restrict buf, int fl),
     (dir, path, buf, fl))
WRAP(K_OTHER, int, fstatat64,
     (int dir, const char *restrict path, struct stat64 *restrict buf, int fl), (dir, path, buf, fl))
WRAP(K_OTHER, int, statx,
     (int dir, const char *restrict path, int fl, unsigned int mask, struct statx *restrict buf),
     (dir, path, fl, mask, buf))
WRAP(K_OTHER, int, __fxstat, (int ver, int fd, struct stat *buf), (ver, fd, buf))
WRAP(K_OTHER, int, __fxstat64, (int ver, int fd, struct stat64 *buf), (ver, fd, buf))
WRAP(K_OTHER, int, __xstat, (int ver, const char *path, struct stat *buf), (ver, path, buf))
WRAP(K_OTHER, int, __xstat64, (int ver, const char *path, struct stat64 *buf), (ver, path, buf))
WRAP(K_OTHER, int, __lxstat, (int ver, const char *path, struct stat *buf), (ver, path, buf))
WRAP(K_OTHER, int, __lxstat64, (int ver, const char *path, struct stat64 *buf), (ver, path, buf))
WRAP(K_OTHER, int, __fxstatat, (int ver, int dir, const char *path, struct stat *buf, int fl),
     (ver, dir, path, buf, fl))
WRAP(K_OTHER, int, __fxstatat64, (int ver, int dir, const char *path, struct stat64 *buf, int fl),
     (ver, dir, path, buf, fl))
WRAP(K_OTHER, int, access, (const char *path, int mode), (path, mode))
WRAP(K_OTHER, int, faccessat, (int dir, const char *path, int mode, int fl), (dir, path, mode, fl))
WRAP(K_OTHER, ssize_t, readlink, (const char *restrict path, char *restrict buf, size_t n),
     (path, buf, n))
WRAP(K_OTHER, off_t, lseek, (int fd, off_t off, int whence), (fd, off, whence))
WRAP(K_OTHER, off64_t, lseek64, (int fd, off64_t off, int whence), (fd, off, whence))
WRAP(K_OTHER, ssize_t, getdents64, (int fd, void *buf, size_t n), (fd, buf, n))
/* Opening and closing. */
WRAP(K_OTHER, int, __open_2, (const char *path, int flags), (path, flags))
WRAP(K_OTHER, int, __open64_2, (const char *path, int flags), (path, flags))
WRAP(K_OTHER, int, __openat_2, (int dir, const char *path, int flags), (dir, path, flags))
WRAP(K_OTHER, int, __openat64_2, (int dir, const char *path, int flags), (dir, path, flags))
WRAP(K_OTHER, int, close, (int fd), (fd))
/* Mappings and locks. */
WRAP(K_OTHER, void *, mmap, (void *addr, size_t n, int prot, int fl, int fd, off_t off),
     (addr, n, prot, fl, fd, off))
WRAP(K_OTHER, void *, mmap64, (void *addr, size_t n, int prot, int fl, int fd, off64_t off),
     (addr, n, prot, fl, fd, off))
WRAP(K_OTHER, int, munmap, (void *addr, size_t n), (addr, n))
WRAP(K_OTHER, int, madvise, (void *addr, size_t n, int advice), (addr, n, advice))
WRAP(K_OTHER, int, flock, (int fd, int op), (fd, op))
/* Files changed, which a read should never do. */
WRAP(K_OTHER, int, ftruncate, (int fd, off_t n), (fd, n))
WRAP(K_OTHER, int, ftruncate64, (int fd, off64_t n), (fd, n))
WRAP(K_OTHER, int, fchmod, (int fd, mode_t mode), (fd, mode))
WRAP(K_OTHER, int, fchown, (int fd, uid_t uid, gid_t gid), (fd, uid, gid))
WRAP(K_OTHER, int, unlink, (const char *path), (path))
WRAP(K_OTHER, int, unlinkat, (int dir, const char *path, int fl), (dir, path, fl))
WRAP(K_OTHER, int, rename, (const char *from, const char *to), (from, to))
WRAP(K_OTHER, int, renameat, (int d1, const char *from, int d2, const char *to), (d1, from, d2, to))
WRAP(K_OTHER, int, mkdir, (const char *path, mode_t mode), (path, mode))
WRAP(K_OTHER, int, rmdir, (const char *path), (path))
/* Processes, time, randomness: glibc 2.36 caches none of these. */
WRAP(K_OTHER, pid_t, getpid, (void), ())
WRAP(K_OTHER, uid_t, geteuid, (void), ())
WRAP(K_OTHER, ssize_t, getrandom, (void *buf, size_t n, unsigned int fl), (buf, n, fl))
WRAP(K_OTHER, int, nanosleep, (const struct timespec *t, struct timespec *rem), (t, rem))
WRAP(K_OTHER, int, usleep, (useconds_t us), (us))
WRAP(K_OTHER, unsigned int, sleep, (unsigned int s), (s))
/* A PostgreSQL client's round trip (send is send_count.c's). */
WRAP(K_OTHER, ssize_t, recv, (int fd, void *buf, size_t n, int fl), (fd, buf, n, fl))
WRAP(K_OTHER, int, poll, (struct pollfd *fds, nfds_t n, int ms), (fds, n, ms))
/* Directory streams: libc's getdents64 inside readdir cannot be seen, so a
 * window that uses one is marked as a lower bound. */
WRAP(K_DIR, DIR *, opendir, (const char *path), (path))
WRAP(K_DIR, DIR *, fdopendir, (int fd), (fd))
WRAP(K_DIR, struct dirent *, readdir, (DIR *d), (d))
WRAP(K_DIR, struct dirent64 *, readdir64, (DIR *d), (d))
WRAP(K_DIR, int, closedir, (DIR *d), (d))

/*
 * The variadic ones. The optional argument is read only when the call has
 * one (open's mode with O_CREAT or O_TMPFILE); fcntl's is read as a pointer,
 * as glibc's own fcntl reads it, which on x86-64 passes an int unchanged.
 */
#define HAS_MODE(flags) (((flags) & O_CREAT) || ((flags) & O_TMPFILE) == O_TMPFILE)

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*fcntl_fn)(int, int, ...);
typedef void *(*mremap_fn)(void *, size_t, size_t, int, ...);

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	REAL(open_fn, "open");
	if (HAS_MODE(flags)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	count(K_OTHER);
	return real(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	REAL(open_fn, "open64");
	if (HAS_MODE(flags)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	count(K_OTHER);
	return real(path, flags, mode);
}

int openat(int dir, const char *path, int flags, ...)
{
	mode_t mode = 0;

	REAL(openat_fn, "openat");
	if (HAS_MODE(flags)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	count(K_OTHER);
	return real(dir, path, flags, mode);
}

int openat64(int dir, const char *path, int flags, ...)
{
	mode_t mode = 0;

	REAL(openat_fn, "openat64");
	if (HAS_MODE(flags)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	count(K_OTHER);
	return real(dir, path, flags, mode);
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	REAL(fcntl_fn, "fcntl");
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	count(K_OTHER);
	return real(fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	REAL(fcntl_fn, "fcntl64");
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	count(K_OTHER);
	return real(fd, cmd, arg);
}

void *mremap(void *old, size_t old_n, size_t n, int flags, ...)
{
	void *to = NULL;

	REAL(mremap_fn, "mremap");
	if (flags & MREMAP_FIXED) {
		va_list ap;

		va_start(ap, flags);
		to = va_arg(ap, void *);
		va_end(ap);
	}
	count(K_OTHER);
	return real(old, old_n, n, flags, to);
}

/* --------------------------------------------- is every name ours? */

typedef void (*any_fn)(void);
#define MINE(name) {#name, (any_fn)name}

static const struct {
	const char *name;
	any_fn fn;
} wrapped[] = {
	MINE(read), MINE(pread), MINE(pread64), MINE(__read_chk), MINE(__pread64_chk), MINE(readv),
	MINE(preadv), MINE(write), MINE(pwrite), MINE(pwrite64), MINE(writev), MINE(pwritev),
	MINE(fstat), MINE(fstat64), MINE(stat), MINE(stat64), MINE(lstat), MINE(lstat64),
	MINE(fstatat), MINE(fstatat64), MINE(statx), MINE(__fxstat), MINE(__fxstat64),
	MINE(__xstat), MINE(__xstat64), MINE(__lxstat), MINE(__lxstat64), MINE(__fxstatat),
	MINE(__fxstatat64), MINE(access), MINE(faccessat), MINE(readlink), MINE(lseek),
	MINE(lseek64), MINE(getdents64), MINE(open), MINE(open64), MINE(openat), MINE(openat64),
	MINE(__open_2), MINE(__open64_2), MINE(__openat_2), MINE(__openat64_2), MINE(close),
	MINE(fcntl), MINE(fcntl64), MINE(mmap), MINE(mmap64), MINE(munmap), MINE(mremap),
	MINE(madvise), MINE(flock), MINE(ftruncate), MINE(ftruncate64), MINE(fchmod), MINE(fchown),
	MINE(unlink), MINE(unlinkat), MINE(rename), MINE(renameat), MINE(mkdir), MINE(rmdir),
	MINE(getpid), MINE(geteuid), MINE(getrandom), MINE(nanosleep), MINE(usleep), MINE(sleep),
	MINE(recv), MINE(poll), MINE(opendir), MINE(fdopendir), MINE(readdir), MINE(readdir64),
	MINE(closedir),
	/* sync_count.c's and send_count.c's, which note a syscall each. */
	MINE(fsync), MINE(fdatasync), MINE(syncfs), MINE(sync), MINE(sync_file_range), MINE(msync),
	MINE(send),
};

/* ------------------------------------------ the kernel's own count */

static int io_fd = -2; /* -2: not opened yet; -1: /proc/self/io cannot be read */

/*
 * The kernel's count of this process's read(2)- and write(2)-family calls
 * (syscr, syscw: CONFIG_TASK_IO_ACCOUNTING). A raw pread64, so that no
 * wrapper sees it; the kernel counts it after it has produced the text, so
 * each snapshot shows every read before it but not itself.
 */
static int kernel_counts(uint64_t *reads, uint64_t *writes)
{
	char buf[512], *r, *w;
	long n;

	if (io_fd == -2)
		io_fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/io", O_RDONLY | O_CLOEXEC);
	if (io_fd < 0)
		return -1;
	n = syscall(SYS_pread64, io_fd, buf, sizeof buf - 1, 0L);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	r = strstr(buf, "syscr: ");
	w = strstr(buf, "syscw: ");
	if (!r || !w)
		return -1;
	*reads = strtoull(r + 7, NULL, 10);
	*writes = strtoull(w + 7, NULL, 10);
	return 0;
}

void sys_begin(struct sys_window *w)
{
	w->kernel = kernel_counts(&w->k_reads, &w->k_writes) == 0;
	w->reads = atomic_load(&n_reads);
	w->writes = atomic_load(&n_writes);
	w->dirs = atomic_load(&n_dirs);
	atomic_store(&window, 1);
}

void sys_end(const struct sys_window *w, struct sys_result *out)
{
	uint64_t kr, kw, reads, writes;

	atomic_store(&window, 0);
	reads = atomic_load(&n_reads) - w->reads;
	writes = atomic_load(&n_writes) - w->writes;
	out->dirs = atomic_load(&n_dirs) - w->dirs;
	out->unseen = 0;
	out->kernel_checked = w->kernel && kernel_counts(&kr, &kw) == 0;
	if (out->kernel_checked) {
		/* sys_begin's own snapshot is among the reads counted since. */
		kr -= w->k_reads + 1;
		kw -= w->k_writes;
		out->unseen = (kr > reads ? kr - reads : 0) + (kw > writes ? kw - writes : 0);
	}
}

/* ------------------------------------------------ the startup check */

/* What fails, or NULL: a name the dynamic linker does not resolve to this
 * program's definition, or a series of linked calls not counted one each. */
const char *sys_count_check(void)
{
	static char why[256];
	typedef int (*open_t)(const char *, int, ...);
	typedef ssize_t (*pread_t)(int, void *, size_t, off64_t);
	typedef int (*fstat_t)(int, struct stat64 *);
	typedef int (*close_t)(int);
	void *p[4];
	open_t op;
	pread_t pr;
	fstat_t fs;
	close_t cl;
	struct sys_window w;
	struct sys_result r;
	struct stat64 st;
	char c;
	int fd;
	uint64_t n;

	for (size_t i = 0; i < sizeof wrapped / sizeof *wrapped; i++) {
		void *mine;

		memcpy(&mine, &wrapped[i].fn, sizeof mine);
		if (dlsym(RTLD_DEFAULT, wrapped[i].name) != mine) {
			snprintf(why, sizeof why,
				 "%s is not interposed: the libraries would reach another definition "
				 "than the benchmark's (is it exported from the executable? see "
				 "meson.build)",
				 wrapped[i].name);
			return why;
		}
	}
	/* The calls a file store's read makes, reached as the libraries reach
	 * them: through the dynamic linker. */
	p[0] = dlsym(RTLD_DEFAULT, "open64");
	p[1] = dlsym(RTLD_DEFAULT, "pread64");
	p[2] = dlsym(RTLD_DEFAULT, "fstat64");
	p[3] = dlsym(RTLD_DEFAULT, "close");
	memcpy(&op, &p[0], sizeof op);
	memcpy(&pr, &p[1], sizeof pr);
	memcpy(&fs, &p[2], sizeof fs);
	memcpy(&cl, &p[3], sizeof cl);
	sys_begin(&w);
	n = sys_calls();
	fd = op("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)pr(fd, &c, 1, 0);
		(void)fs(fd, &st);
		cl(fd);
	}
	n = sys_calls() - n;
	sys_end(&w, &r);
	if (fd < 0 || n != 4 || r.unseen != 0) {
		snprintf(why, sizeof why,
			 "the self-test counted %llu calls of open64, pread64, fstat64 and close, "
			 "not 4 (the kernel saw %llu reads more)",
			 (unsigned long long)n, (unsigned long long)r.unseen);
		return why;
	}
	return NULL;
}
