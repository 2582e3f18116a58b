/* A growable byte buffer and string copies. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void buf_put(struct buf *b, const void *data, size_t len)
{
	if (b->err)
		return;
	if (len > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 256;
		unsigned char *p;

		while (cap - b->len < len) {
			if (cap > SIZE_MAX / 2) {
				b->err = RELEASE_ENOMEM;
				return;
			}
			cap *= 2;
		}
		p = realloc(b->p, cap);
		if (!p) {
			b->err = RELEASE_ENOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
}

void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

char *dup_mem(const void *p, size_t len)
{
	char *s = malloc(len + 1);

	if (s) {
		if (len)
			memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

char *dup_str(const char *s)
{
	return s ? dup_mem(s, strlen(s)) : NULL;
}
