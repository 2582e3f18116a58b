/*
 * System-call fault injection: see file_inject.h.
 *
 * Each interposer is defined under the exact symbol name libc exports
 * (__asm__ labels), so that the headers' large-file renaming (open ->
 * open64 …) neither hides nor doubles a definition. Both names of each pair
 * are defined; the library binds to whichever it was compiled against.
 *
 * The interposers here take precedence over AddressSanitizer's
 * interceptors, which are weak definitions, and forward to libc directly.
 * The allocator's are in file_inject_alloc.c.
 */
#include "file_inject.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>


#define BOOT_ID "/proc/sys/kernel/random/boot_id"
#define MAX_FD 4096
#define LOG_HDR 64 /* the log's header: writes past it are records */

static struct {
	int armed, fired, torn, crash;
	unsigned mask;
	unsigned long calls, fail_at, per_class[8];
	struct fi_call failed;
	int pending_fd; /* a torn write's descriptor: its next write fails */

	int in_backend, committed, fired_in_backend;
	const char *boot_path;
} fi = {.pending_fd = -1};

/* Calls made while armed, by class and file, whether they failed or not. */
#define MAX_TOUCHED 64
static struct {
	unsigned cls;
	int creates;
	char file[48];
	unsigned long n;
} touched[MAX_TOUCHED];
static size_t n_touched;

/* The counted calls of a counting run, for fi_worth_failing(). */
#define MAX_SITES 65536
struct site {
	const char *fn;
	char file[16];
	unsigned char phase;
	unsigned long bcall;
};
static struct site sites[MAX_SITES];
static unsigned long n_sites, bcalls;

static char fd_file[MAX_FD][48];
static unsigned char fd_dirty[MAX_FD]; /* a record was written to this log */

/* Valgrind replaces malloc even in the executable: ask the allocator. */
int fi_allocs_interposed(void)
{
	static void *(*volatile alloc)(size_t) = malloc;
	unsigned long counted;
	void *p;

	fi_arm(0, FI_ALLOC, 0);
	p = alloc(16);
	counted = fi_disarm();
	free(p);
	return counted == 1;
}

void fi_arm(unsigned long fail_at, unsigned mask, int torn)
{
	fi.armed = 1;
	fi.fired = 0;
	fi.torn = torn;
	fi.mask = mask;
	fi.calls = 0;
	memset(fi.per_class, 0, sizeof fi.per_class);
	fi.fail_at = fail_at;
	fi.crash = 0;
	fi.pending_fd = -1;
	fi.fired_in_backend = 0;
	memset(&fi.failed, 0, sizeof fi.failed);
	n_touched = 0;
	n_sites = 0;
}

static int same_site(unsigned long a, unsigned long b)
{
	return sites[a].fn == sites[b].fn && strcmp(sites[a].file, sites[b].file) == 0 &&
	       sites[a].phase == sites[b].phase && sites[a].bcall == sites[b].bcall;
}

int fi_worth_failing(unsigned long n)
{
	unsigned long i = n - 1, first = i, last = i;

	if (n == 0 || i >= n_sites)
		return 1;
	while (first > 0 && same_site(first - 1, i))
		first--;
	while (last + 1 < n_sites && same_site(last + 1, i))
		last++;
	return last - first < 16 || i == first || i == last || (i - first) % 32 == 0;
}

int fi_under_valgrind(void)
{
#ifdef FI_ASAN
	return 0;
#else
	return !fi_allocs_interposed();
#endif
}

unsigned long fi_touched(unsigned cls, const char *file, int creates)
{
	unsigned long n = 0;

	for (size_t i = 0; i < n_touched; i++)
		if ((touched[i].cls & cls) && strcmp(touched[i].file, file) == 0 &&
		    (!creates || touched[i].creates))
			n += touched[i].n;
	return n;
}

void fi_arm_crash(unsigned long at, unsigned mask, int power_loss)
{
	fi_arm(at, mask, 0);
	fi.crash = power_loss ? 2 : 1;
}

unsigned long fi_disarm(void)
{
	fi.armed = 0;
	fi.pending_fd = -1;
	return fi.calls;
}

unsigned long fi_counted(enum fi_class cls)
{
	for (int i = 0; i < 8; i++)
		if (cls == 1u << i)
			return fi.per_class[i];
	return 0;
}

int fi_fired(void)
{
	return fi.fired;
}

const struct fi_call *fi_failed(void)
{
	return &fi.failed;
}

void fi_backend_begin(void)
{
	bcalls++;
	fi.in_backend = 1;
	fi.committed = 0;
	fi.fired_in_backend = 0;
	memset(fd_dirty, 0, sizeof fd_dirty);
}

int fi_backend_end(void)
{
	fi.in_backend = 0;
	return fi.committed;
}

int fi_fired_in_backend(void)
{
	return fi.fired_in_backend;
}

void fi_fake_boot_id(const char *path)
{
	fi.boot_path = path;
}

/* ------------------------------------------------------- bookkeeping */

static int fd_ok(int fd)
{
	return fd >= 0 && fd < MAX_FD;
}

static int is_log(int fd)
{
	return fd_ok(fd) && strcmp(fd_file[fd], "log") == 0;
}

/* "log.3" -> "log", "/x/y/state" -> "state"; directories are "dir". */
static void file_label(char out[48], const char *path, int flags)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	if ((flags & O_DIRECTORY) || strcmp(base, ".") == 0 || !*base) {
		strcpy(out, "dir");
		return;
	}
	n = strlen(base);
	while (n > 0 && base[n - 1] >= '0' && base[n - 1] <= '9')
		n--;
	if (n > 1 && base[n - 1] == '.' && n < strlen(base))
		n--;
	else
		n = strlen(base);
	if (n >= 48)
		n = 47;
	memcpy(out, base, n);
	out[n] = '\0';
}

static void remember(int fd, const char *path, int flags)
{
	if (fd_ok(fd))
		file_label(fd_file[fd], path, flags);
}

static void touch(unsigned cls, const char *file, int creates)
{
	size_t i;

	for (i = 0; i < n_touched; i++)
		if (touched[i].cls == cls && touched[i].creates == creates &&
		    strcmp(touched[i].file, file) == 0)
			break;
	if (i == n_touched) {
		if (n_touched == MAX_TOUCHED)
			return;
		n_touched++;
		touched[i].cls = cls;
		touched[i].creates = creates;
		strcpy(touched[i].file, file);
		touched[i].n = 0;
	}
	touched[i].n++;
}

static void label(const char *what)
{
	size_t n = strlen(what);

	if (n >= sizeof fi.failed.file)
		n = sizeof fi.failed.file - 1;
	memcpy(fi.failed.file, what, n);
	fi.failed.file[n] = '\0';
}

static int errno_for(enum fi_class cls, const char *fn, int creates)
{
	switch (cls) {
	case FI_WRITE:
	case FI_MKDIR:
		return ENOSPC;
	case FI_TRUNCATE:
		return strstr(fn, "alloc") ? ENOSPC : EIO;
	case FI_OPEN:
		return creates ? ENOSPC : EIO;
	case FI_LINK:
		return strstr(fn, "unlink") ? EIO : ENOSPC;
	case FI_ALLOC:
		return ENOMEM;
	default:
		return EIO;
	}
}

/*
 * Counts a call; 1 when it is the one to fail (errno is then set). file
 * names what it touches; fd, when >= 0, whose sync may be the commit.
 */
int fi__trip(enum fi_class cls, const char *fn, const char *file, int fd, int creates)
{
	char lab[48];

	if (!fi.armed)
		return 0;
	if (file)
		file_label(lab, file, 0);
	else
		strcpy(lab, fd_ok(fd) && fd_file[fd][0] ? fd_file[fd] : "?");
	touch(cls, lab, creates);
	for (int i = 0; i < 8; i++)
		if (cls == 1u << i)
			fi.per_class[i]++;
	if (fi.fired || !(fi.mask & cls))
		return 0;
	if (fi.fail_at == 0 && n_sites < MAX_SITES) {
		struct site *st = &sites[n_sites++];

		st->fn = fn;
		memcpy(st->file, lab, sizeof st->file - 1);
		st->file[sizeof st->file - 1] = '\0';
		st->phase = !fi.in_backend ? FI_OUTSIDE : fi.committed ? FI_AFTER_COMMIT
								   : FI_BEFORE_COMMIT;
		st->bcall = fi.in_backend ? bcalls : 0;
	}
	if (++fi.calls != fi.fail_at)
		return 0;
	if (fi.crash) {
		/* the process ends before the call, as if killed there */
		fi.armed = 0;
		if (fi.crash == 2)
			fi_lose_unsynced();
		_exit(FI_CRASHED);
	}
	fi.fired = 1;
	fi.fired_in_backend = fi.in_backend;
	fi.failed.fn = fn;
	fi.failed.cls = cls;
	fi.failed.err = errno_for(cls, fn, creates);
	label(lab);
	if (!fi.in_backend)
		fi.failed.phase = FI_OUTSIDE;
	else if (fi.committed)
		fi.failed.phase = FI_AFTER_COMMIT;
	else if (cls == FI_SYNC && is_log(fd) && fd_dirty[fd])
		fi.failed.phase = FI_AT_COMMIT;
	else
		fi.failed.phase = FI_BEFORE_COMMIT;
	errno = fi.failed.err;
	return 1;
}

/* The rest of a torn write fails without being counted. */
static int pending(int fd)
{
	if (!fi.armed || fi.pending_fd < 0 || fi.pending_fd != fd)
		return 0;
	fi.pending_fd = -1;
	errno = ENOSPC;
	return 1;
}

typedef void (*any_fn)(void);

/* ISO C has no conversion from dlsym's object pointer to a function's. */
static any_fn real(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);
	any_fn f;

	memcpy(&f, &p, sizeof f);
	return f;
}

#define REAL(type, name) ((type)real(name))

/* ------------------------------------------------------------ writes */

typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*writev_fn)(int, const void *, int);
typedef ssize_t (*pwritev_fn)(int, const void *, int, off_t);

static ssize_t do_pwrite(const char *fn, int fd, const void *buf, size_t n, off_t off)
{
	pwrite_fn f = REAL(pwrite_fn, fn);

	if (pending(fd))
		return -1;
	if (fi__trip(FI_WRITE, fn, NULL, fd, 0)) {
		if (fi.torn && n >= 2) {
			ssize_t w;

			fi__undo_note(fd, off, n / 2);
			w = f(fd, buf, n / 2, off);

			if (w > 0) {
				fi.failed.torn = 1;
				fi.pending_fd = fd;
			}
			return w;
		}
		return -1;
	}
	if (is_log(fd) && off >= LOG_HDR && n > 0)
		fd_dirty[fd] = 1;
	fi__undo_note(fd, off, n);
	return f(fd, buf, n, off);
}

ssize_t fi_pwrite(int fd, const void *buf, size_t n, off_t off) __asm__("pwrite");
ssize_t fi_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return do_pwrite("pwrite", fd, buf, n, off);
}

ssize_t fi_pwrite64(int fd, const void *buf, size_t n, off_t off) __asm__("pwrite64");
ssize_t fi_pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return do_pwrite("pwrite64", fd, buf, n, off);
}

ssize_t fi_write(int fd, const void *buf, size_t n) __asm__("write");
ssize_t fi_write(int fd, const void *buf, size_t n)
{
	write_fn f = REAL(write_fn, "write");

	if (pending(fd))
		return -1;
	if (fi__trip(FI_WRITE, "write", NULL, fd, 0)) {
		if (fi.torn && n >= 2) {
			ssize_t w = f(fd, buf, n / 2);

			if (w > 0) {
				fi.failed.torn = 1;
				fi.pending_fd = fd;
			}
			return w;
		}
		return -1;
	}
	if (is_log(fd) && n > 0)
		fd_dirty[fd] = 1;
	return f(fd, buf, n);
}

ssize_t fi_writev(int fd, const void *iov, int n) __asm__("writev");
ssize_t fi_writev(int fd, const void *iov, int n)
{
	if (pending(fd) || fi__trip(FI_WRITE, "writev", NULL, fd, 0))
		return -1;
	if (is_log(fd))
		fd_dirty[fd] = 1;
	return REAL(writev_fn, "writev")(fd, iov, n);
}

static ssize_t do_pwritev(const char *fn, int fd, const void *iov, int n, off_t off)
{
	if (pending(fd) || fi__trip(FI_WRITE, fn, NULL, fd, 0))
		return -1;
	if (is_log(fd) && off >= LOG_HDR)
		fd_dirty[fd] = 1;
	return REAL(pwritev_fn, fn)(fd, iov, n, off);
}

ssize_t fi_pwritev(int fd, const void *iov, int n, off_t off) __asm__("pwritev");
ssize_t fi_pwritev(int fd, const void *iov, int n, off_t off)
{
	return do_pwritev("pwritev", fd, iov, n, off);
}

ssize_t fi_pwritev64(int fd, const void *iov, int n, off_t off) __asm__("pwritev64");
ssize_t fi_pwritev64(int fd, const void *iov, int n, off_t off)
{
	return do_pwritev("pwritev64", fd, iov, n, off);
}

/* ------------------------------------------------------------- syncs */

typedef int (*fd_fn)(int);

static int do_sync(const char *fn, int fd)
{
	int rc;

	if (fi__trip(FI_SYNC, fn, NULL, fd, 0))
		return -1;
	rc = REAL(fd_fn, fn)(fd);
	if (rc == 0)
		fi__undo_synced(fd);
	if (rc == 0 && fi.in_backend && is_log(fd) && fd_dirty[fd])
		fi.committed = 1;
	return rc;
}

int fi_fsync(int fd) __asm__("fsync");
int fi_fsync(int fd)
{
	return do_sync("fsync", fd);
}

int fi_fdatasync(int fd) __asm__("fdatasync");
int fi_fdatasync(int fd)
{
	return do_sync("fdatasync", fd);
}

/* ----------------------------------------------------------- renames */

typedef int (*rename_fn)(const char *, const char *);
typedef int (*renameat_fn)(int, const char *, int, const char *);
typedef int (*renameat2_fn)(int, const char *, int, const char *, unsigned);

int fi_rename(const char *from, const char *to) __asm__("rename");
int fi_rename(const char *from, const char *to)
{
	if (fi__trip(FI_RENAME, "rename", to, -1, 0))
		return -1;
	return REAL(rename_fn, "rename")(from, to);
}

int fi_renameat(int fd1, const char *from, int fd2, const char *to) __asm__("renameat");
int fi_renameat(int fd1, const char *from, int fd2, const char *to)
{
	if (fi__trip(FI_RENAME, "renameat", to, -1, 0))
		return -1;
	return REAL(renameat_fn, "renameat")(fd1, from, fd2, to);
}

int fi_renameat2(int fd1, const char *from, int fd2, const char *to, unsigned flags)
	__asm__("renameat2");
int fi_renameat2(int fd1, const char *from, int fd2, const char *to, unsigned flags)
{
	if (fi__trip(FI_RENAME, "renameat2", to, -1, 0))
		return -1;
	return REAL(renameat2_fn, "renameat2")(fd1, from, fd2, to, flags);
}

/* -------------------------------------------------- sizes of files */

typedef int (*ftruncate_fn)(int, off_t);
typedef int (*fallocate_fn)(int, int, off_t, off_t);
typedef int (*posix_fallocate_fn)(int, off_t, off_t);

static int do_ftruncate(const char *fn, int fd, off_t len)
{
	if (fi__trip(FI_TRUNCATE, fn, NULL, fd, 0))
		return -1;
	/* A log cut back has dropped what was written: syncing it commits
	 * nothing. */
	if (is_log(fd))
		fd_dirty[fd] = 0;
	fi__undo_note(fd, len, SIZE_MAX);
	return REAL(ftruncate_fn, fn)(fd, len);
}

int fi_ftruncate(int fd, off_t len) __asm__("ftruncate");
int fi_ftruncate(int fd, off_t len)
{
	return do_ftruncate("ftruncate", fd, len);
}

int fi_ftruncate64(int fd, off_t len) __asm__("ftruncate64");
int fi_ftruncate64(int fd, off_t len)
{
	return do_ftruncate("ftruncate64", fd, len);
}

static int do_fallocate(const char *fn, int fd, int mode, off_t off, off_t len)
{
	if (fi__trip(FI_TRUNCATE, fn, NULL, fd, 0))
		return -1;
	fi__undo_note(fd, off, 0);
	return REAL(fallocate_fn, fn)(fd, mode, off, len);
}

int fi_fallocate(int fd, int mode, off_t off, off_t len) __asm__("fallocate");
int fi_fallocate(int fd, int mode, off_t off, off_t len)
{
	return do_fallocate("fallocate", fd, mode, off, len);
}

int fi_fallocate64(int fd, int mode, off_t off, off_t len) __asm__("fallocate64");
int fi_fallocate64(int fd, int mode, off_t off, off_t len)
{
	return do_fallocate("fallocate64", fd, mode, off, len);
}

/* posix_fallocate returns the error instead of setting errno. */
static int do_posix_fallocate(const char *fn, int fd, off_t off, off_t len)
{
	if (fi__trip(FI_TRUNCATE, fn, NULL, fd, 0))
		return errno;
	fi__undo_note(fd, off, 0);
	return REAL(posix_fallocate_fn, fn)(fd, off, len);
}

int fi_posix_fallocate(int fd, off_t off, off_t len) __asm__("posix_fallocate");
int fi_posix_fallocate(int fd, off_t off, off_t len)
{
	return do_posix_fallocate("posix_fallocate", fd, off, len);
}

int fi_posix_fallocate64(int fd, off_t off, off_t len) __asm__("posix_fallocate64");
int fi_posix_fallocate64(int fd, off_t off, off_t len)
{
	return do_posix_fallocate("posix_fallocate64", fd, off, len);
}

/* ------------------------------------------------------------- opens */

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);

static const char *boot_redirect(const char *path)
{
	return fi.boot_path && strcmp(path, BOOT_ID) == 0 ? fi.boot_path : path;
}

static int creates(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

static int do_openat(const char *fn, int dir, const char *path, int flags, unsigned mode)
{
	char name[48];
	const char *base = strrchr(path, '/');
	int fd;

	base = (flags & O_DIRECTORY) ? "dir" : base ? base + 1 : path;
	strncpy(name, base, sizeof name - 1);
	name[sizeof name - 1] = '\0';
	if (fi__trip(FI_OPEN, fn, name, -1, creates(flags)))
		return -1;
	path = boot_redirect(path);
	if (dir == AT_FDCWD && strcmp(fn, "openat") != 0 && strcmp(fn, "openat64") != 0)
		fd = REAL(open_fn, fn)(path, flags, mode);
	else
		fd = REAL(openat_fn, fn)(dir, path, flags, mode);
	if (fd >= 0)
		remember(fd, path, flags);
	return fd;
}

static unsigned mode_of(int flags, va_list ap)
{
	return creates(flags) ? va_arg(ap, unsigned) : 0;
}

int fi_open(const char *path, int flags, ...) __asm__("open");
int fi_open(const char *path, int flags, ...)
{
	va_list ap;
	unsigned mode;

	va_start(ap, flags);
	mode = mode_of(flags, ap);
	va_end(ap);
	return do_openat("open", AT_FDCWD, path, flags, mode);
}

int fi_open64(const char *path, int flags, ...) __asm__("open64");
int fi_open64(const char *path, int flags, ...)
{
	va_list ap;
	unsigned mode;

	va_start(ap, flags);
	mode = mode_of(flags, ap);
	va_end(ap);
	return do_openat("open64", AT_FDCWD, path, flags, mode);
}

int fi_openat(int dir, const char *path, int flags, ...) __asm__("openat");
int fi_openat(int dir, const char *path, int flags, ...)
{
	va_list ap;
	unsigned mode;

	va_start(ap, flags);
	mode = mode_of(flags, ap);
	va_end(ap);
	return do_openat("openat", dir, path, flags, mode);
}

int fi_openat64(int dir, const char *path, int flags, ...) __asm__("openat64");
int fi_openat64(int dir, const char *path, int flags, ...)
{
	va_list ap;
	unsigned mode;

	va_start(ap, flags);
	mode = mode_of(flags, ap);
	va_end(ap);
	return do_openat("openat64", dir, path, flags, mode);
}

/* ---------------------------------------------- directory entries */

typedef int (*mkdir_fn)(const char *, mode_t);
typedef int (*mkdirat_fn)(int, const char *, mode_t);
typedef int (*link_fn)(const char *, const char *);
typedef int (*linkat_fn)(int, const char *, int, const char *, int);
typedef int (*unlink_fn)(const char *);
typedef int (*unlinkat_fn)(int, const char *, int);

int fi_mkdir(const char *path, mode_t mode) __asm__("mkdir");
int fi_mkdir(const char *path, mode_t mode)
{
	if (fi__trip(FI_MKDIR, "mkdir", "dir", -1, 1))
		return -1;
	return REAL(mkdir_fn, "mkdir")(path, mode);
}

int fi_mkdirat(int dir, const char *path, mode_t mode) __asm__("mkdirat");
int fi_mkdirat(int dir, const char *path, mode_t mode)
{
	if (fi__trip(FI_MKDIR, "mkdirat", "dir", -1, 1))
		return -1;
	return REAL(mkdirat_fn, "mkdirat")(dir, path, mode);
}

int fi_link(const char *from, const char *to) __asm__("link");
int fi_link(const char *from, const char *to)
{
	if (fi__trip(FI_LINK, "link", to, -1, 1))
		return -1;
	return REAL(link_fn, "link")(from, to);
}

int fi_linkat(int fd1, const char *from, int fd2, const char *to, int flags) __asm__("linkat");
int fi_linkat(int fd1, const char *from, int fd2, const char *to, int flags)
{
	if (fi__trip(FI_LINK, "linkat", to, -1, 1))
		return -1;
	return REAL(linkat_fn, "linkat")(fd1, from, fd2, to, flags);
}

int fi_unlink(const char *path) __asm__("unlink");
int fi_unlink(const char *path)
{
	if (fi__trip(FI_LINK, "unlink", path, -1, 0))
		return -1;
	return REAL(unlink_fn, "unlink")(path);
}

int fi_unlinkat(int dir, const char *path, int flags) __asm__("unlinkat");
int fi_unlinkat(int dir, const char *path, int flags)
{
	if (fi__trip(FI_LINK, "unlinkat", path, -1, 0))
		return -1;
	return REAL(unlinkat_fn, "unlinkat")(dir, path, flags);
}
