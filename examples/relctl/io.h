/*
 * Reading and writing whole inputs and files: what relctl's commands share
 * (env files, manifests, logs, hooks, build exports, the file env edit
 * hands to the editor).
 */
#ifndef RELCTL_IO_H
#define RELCTL_IO_H

#include <stddef.h>

/* Writes len bytes to fd, whatever each write() takes. 0, or -1 with errno
 * set. */
int io_write_all(int fd, const void *data, size_t len);

/*
 * Reads fd to its end, at most max bytes. Returns the bytes with a NUL
 * after them (to free), *len their count; NULL with errno set on failure,
 * EFBIG when fd holds more than max (what was read is dropped).
 */
char *io_read_fd(int fd, size_t max, size_t *len);

/* Opens path to read ("-": a duplicate of standard input). The descriptor,
 * or -1 with errno set (ENOENT: no such file). */
int io_open_input(const char *path);

/* As io_read_fd(), of the file at path ("-": standard input). */
char *io_read_all(const char *path, size_t max, size_t *len);

/* Reads fd to its end, dropping what it reads, and adds how many bytes
 * that was to *count. 0, or -1 with errno set. */
int io_drain(int fd, size_t *count);

/* 1 when reading path reads what standard input reads: "-", or the same
 * file, pipe or terminal (/dev/stdin, or FILE with `< FILE`); else 0. */
int io_reads_stdin(const char *path);

/* "standard input" for "-", else 'path' (quoted), made safe and cut as
 * relctl_shown() does. The text lives until the next call. */
const char *io_input_name(const char *path);

/*
 * Writes len bytes to path whole, as a file of mode 0600 (less what the
 * umask takes): written under another name in the same directory and
 * renamed over path, so a failure leaves the file that was there (and no
 * temporary file), and what was at path, a symbolic link too, is replaced
 * rather than written through. A FIFO or a device at path is written in
 * place. 0, or -1 with errno set.
 */
int io_replace_file(const char *path, const void *data, size_t len);

#endif
