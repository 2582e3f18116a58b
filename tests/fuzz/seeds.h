/* The seed corpus writer's pieces (make_seeds.c and the files it names). */
#ifndef LIBRELEASE_FUZZ_SEEDS_H
#define LIBRELEASE_FUZZ_SEEDS_H

#include <stddef.h>

struct seed_buf {
	unsigned char d[1 << 16];
	size_t len;
};
void seed_buf_put(struct seed_buf *b, const void *data, size_t len);

/* Writes DIR/SUB/NAME (SUB created when missing). */
void seed_write(const char *dir, const char *sub, const char *name, const void *data,
		size_t len);

void file_store_seeds(const char *dir); /* seeds_file_store.c */
void relctl_args_seeds(const char *dir); /* seeds_relctl_args.c */

#endif
