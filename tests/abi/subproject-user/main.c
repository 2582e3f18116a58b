/* A program using librelease the way a downstream project would: through
 * its installed headers (or a meson subproject) and nothing else. */
#include <librelease/release.h>
#include <librelease/storage.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
	char header_version[32];
	const release_storage *storage = NULL;
	void *ctx = NULL;
	release_store *store = NULL;
	int rc;

	/* The headers compiled against and the library loaded must agree. */
	snprintf(header_version, sizeof(header_version), "%d.%d.%d", RELEASE_VERSION_MAJOR,
		 RELEASE_VERSION_MINOR, RELEASE_VERSION_PATCH);
	if (strcmp(header_version, release_version_string()) != 0) {
		fprintf(stderr, "headers say %s, library says %s\n", header_version,
			release_version_string());
		return 1;
	}

	rc = release_store_open(&store, "memory:", NULL);
	if (rc != 0) {
		fprintf(stderr, "release_store_open: %s: %s\n", release_strerror(rc),
			release_store_errmsg(NULL));
		return 1;
	}
	rc = release_app_create(store, "web", NULL);
	if (rc != 0) {
		fprintf(stderr, "release_app_create: %s\n", release_strerror(rc));
		release_store_close(store);
		return 1;
	}
	release_store_close(store);

	rc = release_storage_open(&storage, &ctx, "memory:");
	if (rc != 0) {
		fprintf(stderr, "release_storage_open: %s\n", release_strerror(rc));
		return 1;
	}
	storage->close(ctx);

	printf("librelease %s works; RELEASE_ENOTFOUND is \"%s\"\n", release_version_string(),
	       release_strerror(RELEASE_ENOTFOUND));
	return 0;
}
