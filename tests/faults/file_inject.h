/*
 * System-call fault injection for the file store sweep.
 *
 * The test program defines the libc functions the file store writes with
 * (write, fsync, rename, ftruncate, open, mkdir, link, unlink, fallocate and,
 * outside sanitizer builds, malloc/calloc/realloc). librelease.so calls libc
 * through its PLT, so these definitions in the executable come first; each
 * forwards to the real function (dlsym(RTLD_NEXT)) unless it is the call
 * chosen to fail.
 *
 * Calls are counted only while armed (around the library call under test).
 * The injector also remembers which file each descriptor names, and whether
 * the store's log was made durable (a sync of a log file after a record was
 * written to it) in the backend call under way: the file store's commit
 * point.
 */
#ifndef FILE_INJECT_H
#define FILE_INJECT_H

#include <stddef.h>
#include <sys/types.h>

#if defined(__SANITIZE_ADDRESS__)
#define FI_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FI_ASAN 1
#endif
#endif

enum fi_class {
	FI_WRITE = 1,     /* write, pwrite, writev, pwritev */
	FI_SYNC = 2,      /* fsync, fdatasync */
	FI_RENAME = 4,    /* rename, renameat, renameat2 */
	FI_TRUNCATE = 8,  /* ftruncate, fallocate, posix_fallocate */
	FI_OPEN = 16,     /* open, openat */
	FI_MKDIR = 32,    /* mkdir, mkdirat */
	FI_LINK = 64,     /* link, linkat, unlink, unlinkat */
	FI_ALLOC = 128,   /* malloc, calloc, realloc */
	FI_ALL = 255,
};

/* Where the failed call stood relative to the backend call it was made in. */
enum fi_phase {
	FI_OUTSIDE,       /* in the core, between backend calls */
	FI_BEFORE_COMMIT, /* the backend call's record is not durable yet */
	FI_AT_COMMIT,     /* the sync of the log itself */
	FI_AFTER_COMMIT,  /* the record was durable already: maintenance */
};

struct fi_call {
	const char *fn;    /* "pwrite64", "fdatasync", "malloc", … */
	enum fi_class cls;
	char file[48];     /* what the call touched: "log", "state", "dir", … */
	int err;           /* the errno injected */
	enum fi_phase phase;
	int torn;          /* a write that wrote half, then failed */
};

/* 1 when allocations are failed: not under AddressSanitizer, whose
 * allocator cannot be replaced, nor valgrind, which replaces ours. */
int fi_allocs_interposed(void);

/*
 * Fails the fail_at-th counted call from now on (0: only counts). Only calls
 * of the classes in mask count. With torn, a failing write first writes the
 * first half of its bytes and returns that count; the call that writes the
 * rest then fails.
 */
void fi_arm(unsigned long fail_at, unsigned mask, int torn);
/*
 * In a child process: at the at-th counted call from now on (of the classes
 * in mask) the process exits with FI_CRASHED instead of making it, as if
 * killed there; with power_loss, the writes not synced are lost first
 * (fi_lose_unsynced(), with tracking on).
 */
#define FI_CRASHED 86
void fi_arm_crash(unsigned long at, unsigned mask, int power_loss);
/* Stops counting; returns the number of calls counted. */
unsigned long fi_disarm(void);
/* The calls of the classes in cls made on file ("log", "keys" …) since
 * armed, failed or not; with creates, only opens that create it. */
unsigned long fi_touched(unsigned cls, const char *file, int creates);
/* The calls of one class counted since armed. */
unsigned long fi_counted(enum fi_class cls);
int fi_fired(void);
const struct fi_call *fi_failed(void);

/*
 * While armed with fail_at 0: whether counted call n (from 1) is worth
 * failing. Calls of one function on one file in one backend call, at the
 * same point relative to its commit, that come in a row (a key index
 * rebuild writes its slots one call each) fail alike: of a row longer than
 * 16 the first, the last and every 32nd are kept. Valid until the next
 * fi_arm().
 */
int fi_worth_failing(unsigned long n);
/* 1 under valgrind (which replaces even the executable's allocator). */
int fi_under_valgrind(void);

/* The backend call under way (set by the test's observing backend). */
void fi_backend_begin(void);
/* 1 when the call that just ended made a record durable. */
int fi_backend_end(void);
/* 1 while armed and the fault has fired in the backend call under way. */
int fi_fired_in_backend(void);

/* Serves path's content in place of the kernel's boot id, so that the next
 * store opened believes the machine rebooted; NULL: the real one. */
void fi_fake_boot_id(const char *path);

/* For file_inject_alloc.c: counts a call; 1 when it is the one to fail
 * (errno is then set). file names what it touches; fd, when >= 0, one
 * whose sync may be the commit. */
int fi__trip(enum fi_class cls, const char *fn, const char *file, int fd, int creates);

/*
 * The page cache: with tracking on, writes (pwrite, ftruncate, fallocate;
 * not write or the vectored writes, which the store does not use) are
 * remembered until a sync of their file. fi_lose_unsynced() undoes those
 * not synced, newest first, as a power loss could, and stops tracking.
 */
void fi_track_unsynced(int on);
void fi_lose_unsynced(void);
/* How many writes the last fi_lose_unsynced() undid. */
unsigned long fi_lost_writes(void);
void fi__undo_note(int fd, off_t off, size_t len);
void fi__undo_synced(int fd);

#endif
