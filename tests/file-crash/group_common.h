/*
 * What the group-commit test programs share: a store in a directory of
 * its own, handles on its raw backend, and looks at one app's files.
 * Each program keeps its own fdatasync() (and other) fakes.
 */
#ifndef GROUP_COMMON_H
#define GROUP_COMMON_H

#include "harness.h"

#include <stdint.h>

extern char dir[512], uri[600]; /* the store's directory, and "file:" it */

struct backend {
	const release_storage *s;
	void *ctx;
};

/* Makes a new, empty store directory named after tag: 0, or -1. */
int store_make(const char *tag);
void store_remove(void);

void backend_open(struct backend *b);
void backend_close(struct backend *b);
/* Commits a put of build key (seq, data) to app "web". */
int put_build(struct backend *b, const char *key, uint64_t seq, const char *data);

char *app_path(const char *name); /* a file of app "web" (borrowed) */
long log_size(void);              /* web's log.1, or -1 */
void wait_log_size(long size);    /* up to five seconds */
long rec_len(const char *key, const char *data); /* a record's bytes in the log */
/* Takes (F_WRLCK) or drops (F_UNLCK) a byte of web's lock file as another
 * process of the library would: 0 appending, 1 syncing. */
void lock_byte(int fd, short type, int byte);
void sleep_ms(long ms);

#endif
