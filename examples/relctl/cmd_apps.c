/* apps, apps create, apps delete. */
#include <stdlib.h>

#include "common/format.h"
#include "json.h"
#include "output.h"
#include "relctl.h"

static void app_json(struct json *j, const release_app *a)
{
	json_begin_object(j);
	json_key(j, "name");
	json_string(j, release_app_name(a));
	json_key(j, "status");
	json_string(j, release_app_status_name(release_app_status(a)));
	json_key(j, "active");
	json_string(j, release_app_active(a));
	json_key(j, "previous");
	json_string(j, release_app_previous(a));
	json_key(j, "created");
	json_time(j, release_app_created(a));
	json_key(j, "lease_owner");
	json_string(j, release_app_lease_owner(a));
	/* A hold (storage with holds) has no expiry: it ends with its holder. */
	json_key(j, "lease_expires");
	json_time(j, release_app_lease_expires(a) == INT64_MAX ? 0 : release_app_lease_expires(a));
	json_key(j, "lease_started");
	json_time(j, release_app_lease_started(a));
	json_end_object(j);
}

int cmd_apps(struct relctl *c)
{
	static const char *const headers[] = {"APP", "STATUS", "RELEASE"};
	release_store *s;
	release_app_iter *it = NULL;
	const release_app *a;
	format_table *t = NULL;
	struct json j;
	int rc, status, damaged = RELCTL_EXIT_OK;

	if (!(s = relctl_store(c, &status)))
		return status;
	if ((rc = release_app_list(s, &it)) != 0)
		return relctl_fail(c, rc);
	json_init(&j, c->out);
	if (c->args.value[OPT_JSON]) {
		json_begin_array(&j);
	} else if (!(t = format_table_new(3, headers))) {
		rc = RELEASE_ENOMEM;
		goto out;
	}
	while ((rc = release_app_iter_next(it, &a)) != RELEASE_ITEROVER) {
		const char *row[3];

		if (rc == RELEASE_ECORRUPT) { /* one app; the next step goes on */
			damaged = relctl_fail(c, rc);
			continue;
		}
		if (rc != 0)
			break; /* the iterator stays put: the same step would fail again */
		if (!t) {
			app_json(&j, a);
			continue;
		}
		row[0] = release_app_name(a);
		row[1] = release_app_status_name(release_app_status(a));
		row[2] = release_app_active(a);
		if (format_table_add_row(t, row) != 0) {
			rc = RELEASE_ENOMEM;
			goto out;
		}
	}
	rc = listing_end(&j, t, c->out, rc);
out:
	format_table_free(t);
	release_app_iter_free(it);
	return rc ? relctl_fail(c, rc) : damaged;
}

/* The app named by the command's word, else by -a or RELEASE_APP. */
static const char *app_argument(struct relctl *c)
{
	return relctl_nargs(c) > 0 ? relctl_arg(c, 0) : c->app;
}

int cmd_apps_create(struct relctl *c)
{
	const char *name = app_argument(c);
	release_store *s;
	int rc, status;

	if (!name)
		return relctl_error(RELCTL_EXIT_USAGE, "no app given (usage: relctl %s)",
				    c->cmd->synopsis);
	if ((status = relctl_check_app(name)) != 0 || !(s = relctl_store(c, &status)))
		return status;
	fprintf(c->progress, "Creating %s... ", name);
	fflush(c->progress);
	if ((rc = release_app_create(s, name, NULL)) != 0)
		return relctl_fail(c, rc);
	fputs("OK\n", c->progress);
	if (c->args.value[OPT_ID])
		fprintf(c->out, "%s\n", name);
	return RELCTL_EXIT_OK;
}

int cmd_apps_delete(struct relctl *c)
{
	const char *name = app_argument(c);
	release_store *s;
	int rc, status;

	if (!name)
		return relctl_error(RELCTL_EXIT_USAGE, "no app given (usage: relctl %s)",
				    c->cmd->synopsis);
	if ((status = relctl_check_app(name)) != 0 || !(s = relctl_store(c, &status)))
		return status;
	fprintf(c->progress, "Deleting %s... ", name);
	fflush(c->progress);
	if ((rc = release_app_delete(s, name)) != 0)
		return relctl_fail(c, rc);
	fputs("OK\n", c->progress);
	return RELCTL_EXIT_OK;
}
