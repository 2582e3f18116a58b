/*
 * System-call fault injection, the allocator's part: see file_inject.h.
 *
 * Not under AddressSanitizer, whose runtime owns malloc (its interceptors
 * must see every block). Under valgrind these definitions are replaced by
 * valgrind's own, so nothing is counted there either; fi_allocs_interposed()
 * tells.
 */
#include "file_inject.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ISO C wants a declaration in every translation unit. */
typedef int fi_alloc_unit;

#ifndef FI_ASAN
typedef void (*any_fn)(void);
typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void (*free_fn)(void *);

/* dlsym may allocate while the real allocator is being looked up: those
 * few blocks come from here and are never given back. */
static unsigned char early[4096] __attribute__((aligned(16)));
static size_t early_used;
static int resolving;

/* ISO C has no conversion from dlsym's object pointer to a function's. */
static any_fn real(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);
	any_fn f;

	memcpy(&f, &p, sizeof f);
	return f;
}

static malloc_fn real_malloc;
static calloc_fn real_calloc;
static realloc_fn real_realloc;
static free_fn real_free;

static void *early_alloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n > sizeof early - early_used)
		return NULL;
	p = early + early_used;
	early_used += n;
	return p;
}

static int is_early(const void *p)
{
	return (const unsigned char *)p >= early && (const unsigned char *)p < early + sizeof early;
}

static void resolve(void)
{
	if (real_free || resolving)
		return;
	resolving = 1;
	real_malloc = (malloc_fn)real("malloc");
	real_calloc = (calloc_fn)real("calloc");
	real_realloc = (realloc_fn)real("realloc");
	real_free = (free_fn)real("free");
	resolving = 0;
}

void *malloc(size_t n)
{
	resolve();
	if (!real_malloc)
		return early_alloc(n);
	if (fi__trip(FI_ALLOC, "malloc", "memory", -1, 0))
		return NULL;
	return real_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	resolve();
	if (!real_calloc)
		return size && n > SIZE_MAX / size ? NULL : early_alloc(n * size);
	if (fi__trip(FI_ALLOC, "calloc", "memory", -1, 0))
		return NULL;
	return real_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	resolve();
	if (!real_realloc || is_early(p))
		return NULL;
	if (fi__trip(FI_ALLOC, "realloc", "memory", -1, 0))
		return NULL;
	return real_realloc(p, n);
}

void free(void *p)
{
	resolve();
	if (!p || is_early(p) || !real_free)
		return;
	real_free(p);
}
#endif
