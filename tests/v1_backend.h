/*
 * A backend as one written against librelease 1.0 is: a struct
 * release_storage of 1.0's size and layout, version 1, with only the
 * version-1 methods. v1_backend.c is compiled against a copy of the 1.0
 * headers (tests/abi/v1.0), so this interface names no librelease type.
 */
#ifndef RELEASE_TEST_V1_BACKEND_H
#define RELEASE_TEST_V1_BACKEND_H

#include <stddef.h>

/* The 1.0 vtable (a const release_storage of 1.0), for any ctx of
 * v1_backend_wrap(). */
const void *v1_backend_vtable(void);
/* sizeof 1.0's struct release_storage. */
size_t v1_backend_vtable_size(void);
/*
 * A ctx forwarding the version-1 methods to a backend of any version
 * (inner: its const release_storage *, which begins with 1.0's layout);
 * closing it closes inner_ctx. NULL when out of memory.
 */
void *v1_backend_wrap(const void *inner, void *inner_ctx);

#endif
