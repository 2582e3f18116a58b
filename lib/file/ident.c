/* Which store a handle is: two handles on one directory are one store. */
#include "file.h"

/* Declared for the core in lib/store.c. */
int file_same_store(void *a, void *b);

int file_same_store(void *a, void *b)
{
	struct stat x, y;
	const struct fstore *fa = a, *fb = b;

	return fstat(fa->root, &x) == 0 && fstat(fb->root, &y) == 0 && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}
