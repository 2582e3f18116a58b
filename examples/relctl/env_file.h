/*
 * The env file: what `env set -f FILE` reads and what `env edit` writes to
 * the editor and reads back. One KEY=VALUE a line:
 *
 *   - blank lines (nothing, or only spaces and tabs) and lines whose first
 *     character other than a space or tab is '#' are ignored;
 *   - a UTF-8 byte order mark at the start of the text is skipped (editors
 *     on some systems write one; it cannot be part of a key);
 *   - KEY is [A-Za-z_][A-Za-z0-9_]*, at most ENV_KEY_MAX bytes, with nothing
 *     before it;
 *   - the value is everything after the first '=' to the end of the line,
 *     byte for byte (spaces, quotes and '=' included), unless it starts
 *     with '"': then it is a quoted value, ending at the next unescaped '"'
 *     (only spaces and tabs may follow), in which \\ \" \n \t \r, \xHH (a
 *     byte, 01 to ff) and \uXXXX (a code point, as UTF-8) stand for what
 *     they name and no other backslash escape is allowed;
 *   - a raw value may not hold a carriage return (a CRLF file would change
 *     every value silently): quote it, "\r";
 *   - a key may be given once.
 *
 * A message about a line names its key, never the rest of it: a line that
 * does not read may be part of a secret (a certificate's next line).
 *
 * env_file_line() writes a value raw when that reads back the same, and
 * quoted when it starts with '"', starts or ends with a space, or holds a
 * newline, another control character (C0, DEL, C1, the bidirectional-text
 * controls) or bytes that are not UTF-8: so every value round-trips, and
 * nothing an editor may do to a line's ends (strip trailing blanks, expand
 * tabs) changes one.
 */
#ifndef RELCTL_ENV_FILE_H
#define RELCTL_ENV_FILE_H

#include <stddef.h>

/* Pairs "KEY=VALUE", owned, in the order they were added. */
struct env_pairs {
	char **pairs;
	size_t *lines; /* where each came from (a line of a file; 0: elsewhere) */
	size_t n, cap;
};

void env_pairs_init(struct env_pairs *p);
void env_pairs_free(struct env_pairs *p);

/* Adds key (its first keylen bytes) with value (its first vlen bytes). 0,
 * or -1 when out of memory. */
int env_pairs_add(struct env_pairs *p, const char *key, size_t keylen, const char *value,
		  size_t vlen, size_t line);

/* The index of the pair whose key is the first keylen bytes of key; -1 when
 * there is none. */
long env_pairs_find(const struct env_pairs *p, const char *key, size_t keylen);

/* The longest env key and value the library keeps. */
#define ENV_KEY_MAX 256
#define ENV_VALUE_MAX ((size_t)1 << 20)

/* 1 for an env key as the library takes it: [A-Za-z_][A-Za-z0-9_]*, at most
 * ENV_KEY_MAX bytes, its first len bytes. */
int env_key_valid(const char *key, size_t len);

/* What an env key must be, said for a key (its first len bytes) that is
 * not one: "want [A-Za-z_][A-Za-z0-9_]*", or that it is too long. */
const char *env_key_want(const char *key, size_t len);

/*
 * Parses len bytes of text in the env file format, adding its pairs to out.
 * 0; -1 with "line N: why" in err for text that is not in the format (out
 * then holds the pairs before it); -2 when out of memory. Keys that out
 * already holds count as given before the text.
 */
int env_file_parse(const char *text, size_t len, struct env_pairs *out, char *err,
		   size_t errlen);

/* "KEY=VALUE\n" in the format, the value raw or quoted as above. A string
 * to free, or NULL when out of memory. */
char *env_file_line(const char *key, const char *value);

#endif
