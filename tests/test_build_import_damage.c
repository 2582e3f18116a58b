/* Build import of damaged, forged and foreign bytes: refused with nothing
 * written, or (checksum forged to match) a whole build. */
#include "harness.h"
#include "transfer_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Imports into "target" (an app with nothing yet) must fail with code and
 * leave it empty; returns nothing, fails the test otherwise. */
static void refused(release_store *s, const char *data, size_t len, int code, const char *what)
{
	release_build *out = (release_build *)1;
	int rc = release_build_import(s, "target", data, len, &out);

	if (rc != code)
		fail_msg("%s: import -> %d (%s), want %d (%s): %s", what, rc, release_strerror(rc),
			 code, release_strerror(code), release_store_errmsg(s));
	if (out)
		fail_msg("%s: *out is not NULL", what);
}

static void assert_nothing_written(release_store *s)
{
	assert_int_equal(count_builds(s, "target"), 0);
	assert_int_equal(count_releases(s, "target"), 0);
}

static void every_truncation_is_ecorrupt_and_writes_nothing(void **state)
{
	struct fixture *f = *state;
	release_build *b;
	size_t len;
	char *data, what[64];

	make_app(f->s, "myapp");
	make_app(f->s, "target");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	for (size_t n = 0; n < len; n++) {
		/* a copy of exactly n bytes, so reading past them is caught */
		char *cut = malloc(n ? n : 1);

		assert_non_null(cut);
		memcpy(cut, data, n);
		snprintf(what, sizeof what, "first %zu of %zu bytes", n, len);
		refused(f->s, cut, n, RELEASE_ECORRUPT, what);
		free(cut);
	}
	assert_nothing_written(f->s);
	release_export_free(data);
	release_build_free(b);
}

/* The checksum covers the format byte too: a change of any one byte,
 * the format's raised included, is damage. */
static void every_single_byte_change_is_ecorrupt_and_writes_nothing(void **state)
{
	struct fixture *f = *state;
	release_build *b;
	size_t len;
	char *data, *copy, what[64];

	make_app(f->s, "myapp");
	make_app(f->s, "target");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	assert_non_null(copy = malloc(len));
	for (size_t i = 0; i < len; i++)
		for (int v = 0; v < 256; v++) {
			unsigned char was = (unsigned char)data[i];

			if (v == was)
				continue;
			memcpy(copy, data, len);
			copy[i] = (char)v;
			snprintf(what, sizeof what, "byte %zu of %zu: 0x%02x -> 0x%02x", i, len, was,
				 v);
			refused(f->s, copy, len, RELEASE_ECORRUPT, what);
		}
	assert_nothing_written(f->s);
	free(copy);
	release_export_free(data);
	release_build_free(b);
}

static void trailing_bytes_are_ecorrupt(void **state)
{
	struct fixture *f = *state;
	release_build *b;
	size_t len;
	char *data, *longer;

	make_app(f->s, "myapp");
	make_app(f->s, "target");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	assert_non_null(longer = calloc(1, len + 100));
	memcpy(longer, data, len);
	refused(f->s, longer, len + 1, RELEASE_ECORRUPT, "one zero byte after the end");
	refused(f->s, longer, len + 100, RELEASE_ECORRUPT, "100 zero bytes after the end");
	memcpy(longer + len, data, len < 100 ? len : 100);
	refused(f->s, longer, len + (len < 100 ? len : 100), RELEASE_ECORRUPT,
		"the export again after the end");
	assert_nothing_written(f->s);
	free(longer);
	release_export_free(data);
	release_build_free(b);
}

static void null_data_is_einval(void **state)
{
	struct fixture *f = *state;

	make_app(f->s, "target");
	refused(f->s, NULL, 0, RELEASE_EINVAL, "NULL, 0 bytes");
	refused(f->s, NULL, 100, RELEASE_EINVAL, "NULL, 100 bytes");
	assert_nothing_written(f->s);
}

static void bytes_that_are_no_export_are_ecorrupt(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "services:\n  web:\n    port: 3000\n";
	char zeros[64] = {0};

	make_app(f->s, "target");
	refused(f->s, text, sizeof text - 1, RELEASE_ECORRUPT, "a manifest");
	refused(f->s, zeros, sizeof zeros, RELEASE_ECORRUPT, "zeros");
	assert_nothing_written(f->s);
}

/*
 * Past the checksum. An export ends with a CRC-32C of the bytes before it
 * (little-endian), so damage made on purpose can carry a matching one:
 * what the checksum does not catch, the frame and the decoder must.
 */
static uint32_t crc32c_of(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
	}
	return ~crc;
}

/* Writes the checksum of data[0..len-4) into its last 4 bytes. */
static void reseal(char *data, size_t len)
{
	uint32_t crc = crc32c_of(data, len - 4);

	for (int i = 0; i < 4; i++)
		data[len - 4 + i] = (char)(crc >> (8 * i));
}

static void the_checksum_is_crc32c_of_what_comes_before_it(void **state)
{
	struct fixture *f = *state;
	release_build *b;
	size_t len;
	char *data, *copy;

	make_app(f->s, "myapp");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	assert_non_null(copy = malloc(len));
	memcpy(copy, data, len);
	reseal(copy, len);
	assert_memory_equal(copy, data, len);
	free(copy);
	release_export_free(data);
	release_build_free(b);
}

/* The frame (signature, length, checksum) is every format's: an export of
 * a higher format that is whole is of a newer library. */
static void a_newer_format_whole_is_eunsupported(void **state)
{
	struct fixture *f = *state;
	static const unsigned char formats[] = {2, 3, 0x80, 0xff};
	release_build *b;
	size_t len;
	char *data, what[32];

	make_app(f->s, "myapp");
	make_app(f->s, "target");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	assert_int_equal(data[4], 1);
	for (size_t i = 0; i < sizeof formats; i++) {
		data[4] = (char)formats[i];
		reseal(data, len);
		snprintf(what, sizeof what, "format %u", formats[i]);
		refused(f->s, data, len, RELEASE_EUNSUPPORTED, what);
		assert_non_null(strstr(release_store_errmsg(f->s), "newer"));
	}
	assert_nothing_written(f->s);
	release_export_free(data);
	release_build_free(b);
}

/* The format byte raised and the checksum left as it was: damage, not a
 * newer library's export. */
static void a_raised_format_byte_without_its_checksum_is_ecorrupt(void **state)
{
	struct fixture *f = *state;
	release_build *b;
	size_t len;
	char *data;

	make_app(f->s, "myapp");
	make_app(f->s, "target");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	data[4] = 2;
	refused(f->s, data, len, RELEASE_ECORRUPT, "format 2, checksum of format 1");
	assert_nothing_written(f->s);
	release_export_free(data);
	release_build_free(b);
}

/* Whatever its format, an export cut short is not whole. */
static void a_newer_formats_export_cut_short_is_ecorrupt(void **state)
{
	struct fixture *f = *state;
	release_build *b;
	size_t len;
	char *data, what[80];

	make_app(f->s, "myapp");
	make_app(f->s, "target");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	data[4] = 2;
	reseal(data, len);
	refused(f->s, data, len, RELEASE_EUNSUPPORTED, "format 2, whole");
	for (size_t n = 5; n < len; n += n < 40 ? 1 : 97) {
		snprintf(what, sizeof what, "format 2, first %zu of %zu bytes", n, len);
		refused(f->s, data, n, RELEASE_ECORRUPT, what);
	}
	assert_nothing_written(f->s);
	release_export_free(data);
	release_build_free(b);
}

static void format_0_is_ecorrupt_under_a_matching_checksum(void **state)
{
	struct fixture *f = *state;
	release_build *b;
	size_t len;
	char *data;

	make_app(f->s, "myapp");
	make_app(f->s, "target");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	data[4] = 0;
	reseal(data, len);
	refused(f->s, data, len, RELEASE_ECORRUPT, "format 0, resealed");
	assert_nothing_written(f->s);
	release_export_free(data);
	release_build_free(b);
}

static void bytes_after_the_end_are_ecorrupt_under_a_matching_checksum(void **state)
{
	struct fixture *f = *state;
	release_build *b;
	size_t len, extra[] = {1, 7, 100};
	char *data;

	make_app(f->s, "myapp");
	make_app(f->s, "target");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	for (size_t i = 0; i < sizeof extra / sizeof *extra; i++) {
		/* the payload, the junk, then a checksum of all that */
		size_t n = len + extra[i];
		char *longer = calloc(1, n), what[64];

		assert_non_null(longer);
		memcpy(longer, data, len - 4);
		memset(longer + len - 4, 'j', extra[i]);
		reseal(longer, n);
		snprintf(what, sizeof what, "%zu bytes after the end, resealed", extra[i]);
		refused(f->s, longer, n, RELEASE_ECORRUPT, what);
		free(longer);
	}
	assert_nothing_written(f->s);
	release_export_free(data);
	release_build_free(b);
}

/* Every byte of the frame's header and payload changed, the checksum made
 * to match: imported as another build, or ECORRUPT with nothing written;
 * never another outcome. */
static void altered_exports_with_a_matching_checksum_import_whole_or_not_at_all(void **state)
{
	struct fixture *f = *state;
	static const unsigned char flips[] = {0x01, 0x80, 0xff};
	release_build *b;
	size_t len, imported = 0;
	char *data, *copy, what[80];

	make_app(f->s, "myapp");
	make_app(f->s, "target");
	b = ran_build(f->s, "myapp");
	data = export_of(b, &len);
	assert_non_null(copy = malloc(len));
	for (size_t i = 5; i < len - 4; i++)
		for (size_t k = 0; k < sizeof flips; k++) {
			release_build *out = (release_build *)1;
			int rc;

			memcpy(copy, data, len);
			copy[i] = (char)(copy[i] ^ flips[k]);
			reseal(copy, len);
			rc = release_build_import(f->s, "target", copy, len, &out);
			snprintf(what, sizeof what, "byte %zu of %zu ^ 0x%02x, resealed", i, len,
				 flips[k]);
			if (rc == 0) {
				assert_non_null(out);
				assert_int_equal(release_build_status(out), RELEASE_BUILD_COMPLETE);
				release_build_free(out);
				imported++;
			} else if (rc != RELEASE_ECORRUPT || out) {
				fail_msg("%s: import -> %d (%s): %s", what, rc, release_strerror(rc),
					 release_store_errmsg(f->s));
			}
		}
	/* the header (bytes 5-15) is never a build of another shape */
	assert_true(imported < (len - 4 - 16) * sizeof flips);
	assert_int_equal(count_builds(f->s, "target"), imported);
	assert_int_equal(count_releases(f->s, "target"), imported);
	free(copy);
	release_export_free(data);
	release_build_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(every_truncation_is_ecorrupt_and_writes_nothing),
		T(every_single_byte_change_is_ecorrupt_and_writes_nothing),
		T(trailing_bytes_are_ecorrupt),
		T(null_data_is_einval),
		T(bytes_that_are_no_export_are_ecorrupt),
		T(the_checksum_is_crc32c_of_what_comes_before_it),
		T(a_newer_format_whole_is_eunsupported),
		T(a_raised_format_byte_without_its_checksum_is_ecorrupt),
		T(a_newer_formats_export_cut_short_is_ecorrupt),
		T(format_0_is_ecorrupt_under_a_matching_checksum),
		T(bytes_after_the_end_are_ecorrupt_under_a_matching_checksum),
		T(altered_exports_with_a_matching_checksum_import_whole_or_not_at_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
