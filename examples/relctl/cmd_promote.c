/* releases promote, releases rollback: promotions, with the deploy hook. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "hook.h"
#include "output.h"
#include "relctl.h"

/* Promotion options that print events to the transcript and run the hook,
 * if there is one. */
static void promote_opts(struct relctl *c, release_promote_opts *opts, struct hook *hook)
{
	/* A reader of the transcript that goes away must not kill relctl in the
	 * middle of a promotion; failed writes are noticed at the end. */
	signal(SIGPIPE, SIG_IGN);
	release_promote_opts_init(opts);
	opts->on_event = print_event_live;
	opts->event_payload = c->progress;
	memset(hook, 0, sizeof *hook);
	if (c->hook) {
		hook->cmd = c->hook;
		hook->timeout_s = c->hook_timeout_s;
		hook->store_uri = c->store_uri;
		opts->deploy = hook_deploy;
		opts->deploy_payload = hook;
	}
}

/* Reports a failed promotion, with the hook's account of it first. */
static int promote_failed(struct relctl *c, int rc, const struct hook *hook)
{
	if (rc == RELEASE_EDEPLOY && hook->failure[0])
		return relctl_error(relctl_status_of(rc), "%s: %s", hook->failure,
				    release_store_errmsg(c->store));
	return relctl_fail(c, rc);
}

/* Fails early for a release that does not exist, before any transcript
 * starts. 0, or the exit status after reporting. */
static int check_release(struct relctl *c, release_store *s, const char *id)
{
	release *r;
	int rc = release_get(s, c->app, id, &r);

	release_free(r);
	return rc ? relctl_fail(c, rc) : 0;
}

int relctl_promote(struct relctl *c, const char *id)
{
	release_promote_opts opts;
	struct hook hook;
	release_store *s;
	int rc, status;

	if (!(s = relctl_store(c, &status)))
		return status;
	promote_opts(c, &opts, &hook);
	fprintf(c->progress, "Promoting %s...\n", id);
	fflush(c->progress);
	if ((rc = release_promote(s, c->app, id, &opts)) != 0)
		return promote_failed(c, rc, &hook);
	fputs("OK\n", c->progress);
	return RELCTL_EXIT_OK;
}

int cmd_releases_promote(struct relctl *c)
{
	release_store *s;
	release_list_opts lo;
	release_iter *it = NULL;
	const release *newest;
	char newest_id[64];
	const char *id = newest_id;
	int rc, status;

	if (!(s = relctl_store(c, &status)))
		return status;
	if (relctl_nargs(c) > 0) {
		id = relctl_arg(c, 0);
		if ((rc = check_release(c, s, id)) != 0)
			return rc;
	} else {
		release_list_opts_init(&lo);
		lo.limit = 1;
		if ((rc = release_list(s, c->app, &lo, &it)) != 0)
			return relctl_fail(c, rc);
		rc = release_iter_next(it, &newest);
		if (rc == 0)
			snprintf(newest_id, sizeof newest_id, "%s", release_id(newest));
		release_iter_free(it);
		if (rc == RELEASE_ITEROVER)
			return relctl_error(RELCTL_EXIT_NOTFOUND, "app '%s' has no release to promote",
					    c->app);
		if (rc != 0)
			return relctl_fail(c, rc);
	}
	if ((status = relctl_promote(c, id)) == RELCTL_EXIT_OK && c->args.value[OPT_ID])
		fprintf(c->out, "%s\n", id);
	return status;
}

int cmd_releases_rollback(struct relctl *c)
{
	release_promote_opts opts;
	struct hook hook;
	release_store *s;
	release_app *app = NULL;
	release *copy = NULL;
	char previous[64];
	const char *target = previous;
	int rc, status;

	if (!(s = relctl_store(c, &status)))
		return status;
	if (relctl_nargs(c) > 0) {
		target = relctl_arg(c, 0);
		if ((rc = check_release(c, s, target)) != 0)
			return rc;
	} else {
		/* Named here, so the transcript can say where it goes. */
		if ((rc = release_app_get(s, c->app, &app)) != 0)
			return relctl_fail(c, rc);
		if (!release_app_previous(app)) {
			release_app_free(app);
			return relctl_error(RELCTL_EXIT_NOTFOUND,
					    "app '%s' has no previously active release to roll "
					    "back to",
					    c->app);
		}
		snprintf(previous, sizeof previous, "%s", release_app_previous(app));
		release_app_free(app);
	}
	promote_opts(c, &opts, &hook);
	fprintf(c->progress, "Rolling back to %s...\n", target);
	fflush(c->progress);
	if ((rc = release_rollback(s, c->app, target, &opts, &copy)) != 0)
		return promote_failed(c, rc, &hook);
	fprintf(c->progress, "OK, %s\n", release_id(copy));
	if (c->args.value[OPT_ID])
		fprintf(c->out, "%s\n", release_id(copy));
	release_free(copy);
	return RELCTL_EXIT_OK;
}
