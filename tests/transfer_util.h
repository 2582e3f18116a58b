/* Helpers of the export and import tests; each asserts success. */
#ifndef RELEASE_TEST_TRANSFER_UTIL_H
#define RELEASE_TEST_TRANSFER_UTIL_H

#include "harness.h"

/* A log with a NUL and bytes that are no text. */
static const char LOG[] = "Step 1/2 : FROM alpine\n\0binary\xff\x01 tail\n";
#define LOG_LEN (sizeof LOG - 1)

/* A build that ran, logged and completed (started before ended); caller
 * frees. */
static inline release_build *ran_build(release_store *s, const char *app)
{
	release_build_opts o;
	release_build *b = NULL, *done = NULL;

	release_build_opts_init(&o);
	o.description = "build 0a1b2c3d4e5f my commit message";
	o.manifest = "services:\n  web:\n    port: 3000\n";
	o.status = RELEASE_BUILD_RUNNING;
	o.log = LOG;
	o.log_len = 20;
	assert_store_ok(s, release_build_create(s, app, &o, &b));
	assert_store_ok(s, release_build_log_append(s, app, release_build_id(b), LOG + 20,
						    LOG_LEN - 20, NULL));
	assert_store_ok(s, release_build_set_status(s, app, release_build_id(b),
						    RELEASE_BUILD_COMPLETE, &done));
	release_build_free(b);
	assert_true(release_build_ended(done) > release_build_started(done));
	return done;
}

static inline char *export_of(const release_build *b, size_t *len)
{
	char *data = NULL;

	assert_ok(release_build_export(b, len, &data));
	assert_non_null(data);
	assert_true(*len > 0);
	return data;
}

static inline size_t count_builds(release_store *s, const char *app)
{
	release_build_iter *it = NULL;
	const release_build *b;
	size_t n = 0;
	int rc;

	assert_store_ok(s, release_build_list(s, app, 0, &it));
	while ((rc = release_build_iter_next(it, &b)) == 0)
		n++;
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_build_iter_free(it);
	return n;
}

#endif
