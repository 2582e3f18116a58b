/* releases promote, releases rollback: promotions, with the deploy hook. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/format.h"
#include "hook.h"
#include "output.h"
#include "relctl.h"

/* What a promotion is given: options, the hook, the lease owner's label. */
struct promotion {
	release_promote_opts opts;
	struct hook hook;
	char owner[128];
};

/* Promotion options that print events to the transcript and run the hook,
 * if there is one. */
static void promotion_init(struct relctl *c, struct promotion *p)
{
	char host[64];

	/* A reader of the transcript that goes away must not kill relctl in the
	 * middle of a promotion; failed writes are noticed at the end. */
	signal(SIGPIPE, SIG_IGN);
	release_promote_opts_init(&p->opts);
	p->opts.on_event = print_event_live;
	p->opts.event_payload = c->progress;
	/* Who holds the app, for whoever finds it busy: a pid alone does not
	 * say where to look. */
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "an unknown host");
	host[sizeof host - 1] = '\0';
	snprintf(p->owner, sizeof p->owner, "relctl pid %ld on %s", (long)getpid(), host);
	p->opts.owner = p->owner;
	if (c->args.value[OPT_FORCE])
		p->opts.flags |= RELEASE_PROMOTE_FORCE;
	if (c->args.value[OPT_IF_PENDING])
		p->opts.flags |= RELEASE_PROMOTE_IF_PENDING;
	memset(&p->hook, 0, sizeof p->hook);
	if (c->hook) {
		p->hook.cmd = c->hook;
		p->hook.stored = c->hook_stored;
		p->hook.timeout_s = c->hook_timeout_s;
		p->hook.store_uri = c->store_uri;
		p->hook.actor = c->store ? release_store_actor(c->store) : NULL;
		p->opts.deploy = hook_deploy;
		p->opts.deploy_payload = &p->hook;
	}
}

/* A busy app: who holds it and until when, and the way out. */
static int busy(struct relctl *c)
{
	char until[FORMAT_TIME_MAX], said[512];
	release_app *app = NULL;
	int status;

	snprintf(said, sizeof said, "%s", release_store_errmsg(c->store));
	if (release_app_get(c->store, c->app, &app) != 0 || !release_app_lease_owner(app)) {
		/* The lease is gone meanwhile: the library's word, then. */
		release_app_free(app);
		return relctl_error(RELCTL_EXIT_BUSY, "%s", said);
	}
	if (release_app_lease_expires(app) == INT64_MAX) {
		/* A hold: it ends with its holder, so the holder is alive. */
		char since[FORMAT_TIME_MAX];

		status = relctl_error(RELCTL_EXIT_BUSY,
				      "app '%s' is currently updating (held by %s since %s); "
				      "--force promotes without waiting for it",
				      c->app, relctl_shown(release_app_lease_owner(app)),
				      format_rfc3339(since, sizeof since,
						     release_app_lease_started(app)));
	} else {
		status = relctl_error(RELCTL_EXIT_BUSY,
				      "app '%s' is currently updating (lease held by %s until %s); "
				      "if that promotion is dead, --force takes the app over",
				      c->app, relctl_shown(release_app_lease_owner(app)),
				      format_rfc3339(until, sizeof until,
						     release_app_lease_expires(app)));
	}
	release_app_free(app);
	return status;
}

/* Reports a failed promotion, with the hook's account of it first. */
static int promote_failed(struct relctl *c, int rc, const struct promotion *p)
{
	if (rc == RELEASE_EDEPLOY && p->hook.failure[0])
		return relctl_error(relctl_status_of(rc), "%s: %s", p->hook.failure,
				    release_store_errmsg(c->store));
	if (rc == RELEASE_EBUSY)
		return busy(c);
	/* Only this flag makes a promotion RELEASE_EEXIST (the library takes a
	 * storage's for an I/O error): an outcome of its own, for an agent to
	 * tell from a refusal. */
	if (rc == RELEASE_EEXIST && (p->opts.flags & RELEASE_PROMOTE_IF_PENDING)) {
		(void)relctl_fail(c, rc);
		return RELCTL_EXIT_ACTIVE;
	}
	return relctl_fail(c, rc);
}

/* Finds the release ref names (an id or a version), before any transcript
 * starts: its id in id. 0, or the exit status after reporting. */
static int find_release(struct relctl *c, release_store *s, const char *ref, char *id,
			size_t size)
{
	release *r;
	int status = relctl_get_release(c, s, ref, &r);

	if (status == 0)
		snprintf(id, size, "%s", release_id(r));
	release_free(r);
	return status;
}

int relctl_hook(struct relctl *c)
{
	release_settings *set = NULL;
	release_store *s;
	int rc, status;

	if (c->hook_given)
		return 0;
	if (!(s = relctl_store(c, &status)))
		return status;
	if ((rc = release_settings_get(s, c->app, &set)) != 0)
		return relctl_fail(c, rc);
	if (release_settings_hook(set)) {
		free(c->hook_copy);
		if (!(c->hook_copy = strdup(release_settings_hook(set)))) {
			release_settings_free(set);
			return relctl_fail(c, RELEASE_ENOMEM);
		}
		c->hook = c->hook_copy;
		c->hook_stored = 1;
	}
	release_settings_free(set);
	return 0;
}

int relctl_promote(struct relctl *c, const char *id)
{
	struct promotion p;
	release_store *s;
	int rc, status;

	if (!(s = relctl_store(c, &status)) || (status = relctl_hook(c)) != 0)
		return status;
	promotion_init(c, &p);
	fprintf(c->progress, "Promoting %s...\n", id);
	fflush(c->progress);
	if ((rc = release_promote(s, c->app, id, &p.opts)) != 0)
		return promote_failed(c, rc, &p);
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
		if ((rc = find_release(c, s, relctl_arg(c, 0), newest_id, sizeof newest_id)) != 0)
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
	struct promotion p;
	release_store *s;
	release_app *app = NULL;
	release *copy = NULL;
	char previous[64];
	const char *target = previous;
	int rc, status;

	if (!(s = relctl_store(c, &status)))
		return status;
	if (relctl_nargs(c) > 0) {
		if ((rc = find_release(c, s, relctl_arg(c, 0), previous, sizeof previous)) != 0)
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
	if ((status = relctl_hook(c)) != 0)
		return status;
	promotion_init(c, &p);
	fprintf(c->progress, "Rolling back to %s...\n", target);
	fflush(c->progress);
	rc = release_rollback_copy(s, c->app, target, &p.opts, &copy);
	/* The copy is named whenever it was written, failed or not: "OK, R"
	 * or "FAILED, R" ends the transcript, and --id prints it. */
	if (copy) {
		fprintf(c->progress, "%s, %s\n", rc ? "FAILED" : "OK", release_id(copy));
		if (c->args.value[OPT_ID])
			fprintf(c->out, "%s\n", release_id(copy));
		release_free(copy);
	}
	return rc ? promote_failed(c, rc, &p) : RELCTL_EXIT_OK;
}
