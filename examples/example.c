/* librelease in one page: release a build, change env, roll back, list. */
#include <inttypes.h>
#include <stdio.h>

#include <librelease/release.h>

/* Prints a failure with the store's detailed message; returns rc. */
static int check(const release_store *s, int rc, const char *what)
{
	if (rc < 0)
		fprintf(stderr, "%s: %s: %s\n", what, release_strerror(rc), release_store_errmsg(s));
	return rc;
}

int main(void)
{
	const char *env[] = {"FOO=bar"};
	release_store *s = NULL;
	release_build *b = NULL;
	release *r1 = NULL, *r2 = NULL, *back = NULL;
	release_iter *it = NULL;
	const release *r;
	release_build_opts bo;
	int rc, status = 1;

	if (check(NULL, release_store_open(&s, "memory:", NULL), "open") < 0)
		return 1;
	release_build_opts_init(&bo);
	bo.description = "build 0a1b2c3d4e5f my commit message";
	bo.status = RELEASE_BUILD_COMPLETE;
	if (check(s, release_app_create(s, "myapp", NULL), "app") < 0 ||
	    check(s, release_build_create(s, "myapp", &bo, &b), "build") < 0 ||
	    check(s, release_create(s, "myapp", release_build_id(b), &r1), "release") < 0 ||
	    check(s, release_promote(s, "myapp", release_id(r1), NULL), "promote") < 0 ||
	    check(s, release_env_set(s, "myapp", env, 1, &r2), "env set") < 0 ||
	    check(s, release_promote(s, "myapp", release_id(r2), NULL), "promote") < 0 ||
	    /* NULL target: the release that was active before the current one. */
	    check(s, release_rollback(s, "myapp", NULL, NULL, &back), "rollback") < 0 ||
	    check(s, release_list(s, "myapp", NULL, &it), "list") < 0)
		goto out;
	printf("rolled back to %s as %s\n", release_source(back), release_id(back));
	while ((rc = release_iter_next(it, &r)) == 0)
		printf("v%" PRIu64 " %s %s%s\n", release_version(r), release_id(r),
		       release_description(r), release_is_active(r) ? " (active)" : "");
	if (check(s, rc == RELEASE_ITEROVER ? 0 : rc, "list") == 0)
		status = 0;
out:
	release_iter_free(it);
	release_free(back);
	release_free(r2);
	release_free(r1);
	release_build_free(b);
	release_store_close(s);
	return status;
}
