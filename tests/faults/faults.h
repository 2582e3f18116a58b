/*
 * The storage fault sweep (test-faults, see test_faults.c): what all of its
 * files share. Reporting: which run is failing, on which protocol, and
 * checks that fail the test with that context.
 */
#ifndef FAULTS_H
#define FAULTS_H

#include "harness.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define PRINTF_LIKE(a, b) __attribute__((format(printf, a, b)))
#else
#define PRINTF_LIKE(a, b)
#endif

#define SEC INT64_C(1000000000)
#define LEASE_NS (60 * SEC)
#define KEY_LEN 65
#define ID_LEN 16

/* What the current run is, for failure messages. */
extern char where[1024];

/* Which protocol the core uses: the memory backend as it is (version 2:
 * commits and holds), or seen as a version-1 backend (one record a call,
 * an expiring lease record). Every sweep runs on both. */
extern int version_1;
#define V1 1 /* a case for the version-1 protocol */
#define V2 2 /* one for version 2 */
#define ON_THIS_PROTOCOL(on) (((on) & (version_1 ? V1 : V2)) != 0)

/* Fails the test, telling where, on which protocol, and the file and line
 * of the check. */
void check_failed(const char *file, int line, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* Appends to a string buffer, cutting what does not fit. */
void appendf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);

#define CHECK(cond, msg)                                                               \
	do {                                                                           \
		if (!(cond))                                                           \
			check_failed(__FILE__, __LINE__, "%s (%s)", msg, #cond);       \
	} while (0)
#define CHECK_RC(rc, s, what)                                                          \
	do {                                                                           \
		int rc__ = (rc);                                                       \
		if (rc__ != 0)                                                         \
			check_failed(__FILE__, __LINE__, "%s -> %d (%s): %s", what,    \
				     rc__, release_strerror(rc__),                     \
				     release_store_errmsg(s));                         \
	} while (0)

#endif
