/* The active release of an app, read as one consistent answer. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Attempts before giving up when writers keep changing the app under the
 * reads: each failed attempt means a write committed between two of them. */
#define ACTIVE_READ_ATTEMPTS 1000
#define AGAIN 1 /* an attempt met a change: read again */

static int same_bytes(const struct raw *a, const struct raw *b)
{
	return a->found == b->found && a->len == b->len &&
	       (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/*
 * One attempt: the app record, the active pointer, the release it names,
 * then the pointer and the app record again. When the second reads return
 * the same bytes as the first (app records carry a token per incarnation,
 * pointers their promotion time), the release read was the active one of
 * that app at a moment between them. Otherwise AGAIN: a release pruned or
 * deleted meanwhile is then no error, and a release promoted meanwhile is
 * read at the next attempt.
 */
static int read_once(release_store *s, const char *app, release **out)
{
	struct raw app1 = {0}, app2 = {0}, ptr1 = {0}, ptr2 = {0};
	struct active_ptr a, again;
	release *r = NULL;
	char msg[ERRMSG_MAX] = "";
	int rc, release_rc = 0;

	if ((rc = require_app_raw(s, app, &app1)) != 0)
		return rc;
	if ((rc = read_active(s, app, &a, &ptr1)) != 0)
		goto out;
	if (a.id[0]) {
		release_rc = load_release(s, app, a.id, &r, NULL);
		/* Missing or unreadable may be a race, to be told below; a
		 * failing storage is not. */
		if (release_rc != 0 && release_rc != RELEASE_ENOTFOUND &&
		    release_rc != RELEASE_ECORRUPT) {
			rc = release_rc;
			goto out;
		}
		memcpy(msg, s->errmsg, sizeof msg);
		if ((rc = read_active(s, app, &again, &ptr2)) != 0)
			goto out;
		if (!same_bytes(&ptr1, &ptr2)) {
			rc = AGAIN;
			goto out;
		}
	}
	/* Gone now: as release_get() says of an unknown app. */
	if ((rc = require_app_raw(s, app, &app2)) != 0)
		goto out;
	if (!same_bytes(&app1, &app2)) { /* deleted and created again */
		rc = AGAIN;
		goto out;
	}
	if (!a.id[0]) {
		rc = fail(s, RELEASE_ENOTFOUND, "app '%s' has no active release", app);
	} else if (release_rc == RELEASE_ENOTFOUND) {
		/* The pointer stayed on a release that is not there. */
		rc = fail(s, RELEASE_ECORRUPT, "app '%s': active release %s not found", app, a.id);
	} else if (release_rc != 0) {
		memcpy(s->errmsg, msg, sizeof msg);
		rc = release_rc;
	} else {
		apply_active(&a, r); /* the release the pointer names */
		*out = r;
		r = NULL;
	}
out:
	release_free(r);
	raw_free(&app1);
	raw_free(&app2);
	raw_free(&ptr1);
	raw_free(&ptr2);
	return rc;
}

RELEASE_API int release_get_active(release_store *store, const char *app, release **out)
{
	int rc;

	if (out)
		*out = NULL;
	if ((rc = enter(store, !out)) != 0)
		return rc;
	if ((rc = check_app(store, app)) != 0)
		return rc;
	for (int attempt = 0; attempt < ACTIVE_READ_ATTEMPTS; attempt++) {
		if ((rc = read_once(store, app, out)) == 0)
			clear_error(store); /* what a lost race left there */
		if (rc != AGAIN)
			return rc;
	}
	return fail(store, RELEASE_ECONFLICT,
		    "app '%s': its active release kept changing while being read "
		    "(%d attempts)",
		    app, ACTIVE_READ_ATTEMPTS);
}
