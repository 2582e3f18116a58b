/*
 * release_build_import() on fuzzed bytes. The first byte chooses whether
 * the target mends the export's length and checksum first (so mutations
 * reach the decoder behind them) or leaves them as the input has them. An
 * import must fail with a RELEASE_E* code and write nothing, or make a
 * complete build with a release naming it, both written by the importer
 * (their actor), whose export imports again to the same build.
 */
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "fuzz_util.h"

#define APP "fz"

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static size_t count_builds(release_store *s, const char *app)
{
	release_build_iter *it;
	const release_build *b;
	size_t n = 0;

	if (fz_rc(release_build_list(s, app, 0, &it), "listing builds") != 0)
		fz_finding("builds cannot be listed");
	while (fz_iter_rc(release_build_iter_next(it, &b), "build step") == 0)
		n++;
	release_build_iter_free(it);
	return n;
}

static void same(const release_build *a, const release_build *b)
{
	size_t la, lb;
	const char *loga = release_build_log(a, &la), *logb = release_build_log(b, &lb);

	if (strcmp(release_build_description(a), release_build_description(b)) != 0 ||
	    strcmp(release_build_manifest(a), release_build_manifest(b)) != 0 || la != lb ||
	    memcmp(loga, logb, la) != 0 || release_build_started(a) != release_build_started(b) ||
	    release_build_ended(a) != release_build_ended(b))
		fz_finding("a build exported and imported again differs");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_clock clock = {1546300800LL * 1000000000, 1000};
	struct fz_random rnd = {1};
	release_store_opts opts;
	release_store *s;
	release_build *b = NULL, *again = NULL;
	release *r = NULL;
	unsigned char *in;
	char *ex = NULL;
	size_t len, exlen;
	int rc;

	if (size < 1)
		return 0;
	len = size - 1;
	if (!(in = malloc(len ? len : 1)))
		return 0;
	memcpy(in, data + 1, len);
	if ((data[0] & 1) && len >= 20) {
		put_le(in + 8, len - 20, 8);
		put_le(in + len - 4, crc32c(0, in, len - 4), 4);
	}
	fz_opts(&opts, &clock, &rnd);
	opts.actor = "fuzz@import";
	if (release_store_open(&s, "memory:", &opts) != 0)
		fz_finding("no memory store");
	if (release_app_create(s, APP, NULL) != 0 || release_app_create(s, "other", NULL) != 0)
		fz_finding("no app");
	rc = fz_rc(release_build_import(s, APP, in, len, &b), "importing");
	if (rc != 0) {
		if (b || count_builds(s, APP) != 0)
			fz_finding("a failed import (%d) left a build", rc);
		goto out;
	}
	if (!b || release_build_status(b) != RELEASE_BUILD_COMPLETE || !release_build_release(b))
		fz_finding("an import made no complete build with a release");
	if (release_get(s, APP, release_build_release(b), &r) != 0 || !release_build_of(r) ||
	    strcmp(release_build_of(r), release_build_id(b)) != 0 || release_is_active(r))
		fz_finding("an import's release does not name its build, or is active");
	/* the importer wrote them (the export carries no actor) */
	if (!release_build_actor(b) || strcmp(release_build_actor(b), "fuzz@import") != 0 ||
	    !release_actor(r) || strcmp(release_actor(r), "fuzz@import") != 0)
		fz_finding("an imported build or its release has the actor '%s', '%s'",
			   release_build_actor(b) ? release_build_actor(b) : "(null)",
			   release_actor(r) ? release_actor(r) : "(null)");
	if (release_build_export(b, &exlen, &ex) != 0)
		fz_finding("an imported build cannot be exported: %s", release_store_errmsg(NULL));
	if (release_build_import(s, "other", ex, exlen, &again) != 0)
		fz_finding("an export does not import: %s", release_store_errmsg(s));
	same(b, again);
out:
	release_export_free(ex);
	release_free(r);
	release_build_free(b);
	release_build_free(again);
	release_store_close(s);
	free(in);
	return 0;
}
