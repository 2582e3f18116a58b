/* apps, apps create, apps delete, apps info, apps hook (show, set, unset). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_apps.h"
#include "common/format.h"
#include "io.h"
#include "json.h"
#include "output.h"

/* The longest hook the library keeps. */
#define HOOK_MAX 65536

/* An app as JSON; with settings (apps info), its deploy hook and mask list
 * too. */
static void app_json(struct json *j, const release_app *a, const release_settings *set)
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
	if (set) {
		json_key(j, "hook");
		json_string(j, release_settings_hook(set));
		json_key(j, "mask");
		json_begin_array(j);
		for (size_t i = 0; i < release_settings_mask_count(set); i++)
			json_string(j, release_settings_mask_key(set, i));
		json_end_array(j);
	}
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
			app_json(&j, a, NULL);
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

/* Reads app name and its settings. 0, or the exit status after reporting. */
static int get_app(struct relctl *c, const char *name, release_app **app,
		   release_settings **set)
{
	release_store *s;
	int rc, status;

	*app = NULL;
	*set = NULL;
	if (!name)
		return relctl_error(RELCTL_EXIT_USAGE, "no app given (usage: relctl %s)",
				    c->cmd->synopsis);
	if ((status = relctl_check_app(name)) != 0 || !(s = relctl_store(c, &status)))
		return status;
	if ((rc = release_app_get(s, name, app)) != 0 ||
	    (rc = release_settings_get(s, name, set)) != 0) {
		release_app_free(*app);
		*app = NULL;
		return relctl_fail(c, rc);
	}
	return 0;
}

/* The masked keys, ", " between them; NULL when out of memory. */
static char *mask_list(const release_settings *set)
{
	size_t n = release_settings_mask_count(set), len = 1;
	char *text;

	for (size_t i = 0; i < n; i++)
		len += strlen(release_settings_mask_key(set, i)) + 2;
	if (!(text = malloc(len)))
		return NULL;
	text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(text, ", ");
		strcat(text, release_settings_mask_key(set, i));
	}
	return text;
}

/* Who holds an updating app's lease, since and until when; "" when running. */
static void lease_text(char *buf, size_t size, const release_app *a)
{
	char since[FORMAT_TIME_MAX], until[FORMAT_TIME_MAX];
	const char *owner = release_app_lease_owner(a);
	int n;

	buf[0] = '\0';
	if (!owner)
		return;
	n = snprintf(buf, size, "%s", owner);
	if (release_app_lease_started(a) && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, ", since %s",
			      format_rfc3339(since, sizeof since, release_app_lease_started(a)));
	/* A hold has no end: it lasts as long as its holder. */
	if (release_app_lease_expires(a) != INT64_MAX && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ", until %s",
			 format_rfc3339(until, sizeof until, release_app_lease_expires(a)));
}

int cmd_apps_info(struct relctl *c)
{
	char created[FORMAT_TIME_MAX], lease[1024];
	release_app *a;
	release_settings *set;
	info *in = NULL;
	char *masked = NULL;
	int rc, status;

	if ((status = get_app(c, app_argument(c), &a, &set)) != 0)
		return status;
	if (c->args.value[OPT_JSON]) {
		struct json j;

		json_init(&j, c->out);
		app_json(&j, a, set);
		json_finish(&j);
		release_settings_free(set);
		release_app_free(a);
		return RELCTL_EXIT_OK;
	}
	lease_text(lease, sizeof lease, a);
	rc = RELEASE_ENOMEM;
	if ((in = info_new()) && (masked = mask_list(set)) &&
	    info_add(in, "Name", release_app_name(a)) == 0 &&
	    info_add(in, "Status", release_app_status_name(release_app_status(a))) == 0 &&
	    info_add(in, "Release", release_app_active(a)) == 0 &&
	    info_add(in, "Previous", release_app_previous(a)) == 0 &&
	    info_add(in, "Created",
		     format_rfc3339(created, sizeof created, release_app_created(a))) == 0 &&
	    (!*lease || info_add(in, "Lease", lease) == 0) &&
	    info_add(in, "Hook", release_settings_hook(set)) == 0 &&
	    info_add(in, "Masked", masked) == 0 && info_print(in, c->out) == 0)
		rc = 0;
	free(masked);
	info_free(in);
	release_settings_free(set);
	release_app_free(a);
	return rc ? relctl_fail(c, rc) : RELCTL_EXIT_OK;
}

int cmd_apps_hook(struct relctl *c)
{
	const char *hook;
	release_app *a;
	release_settings *set;
	int status;

	if ((status = get_app(c, app_argument(c), &a, &set)) != 0)
		return status;
	hook = release_settings_hook(set);
	if (c->args.value[OPT_JSON]) {
		struct json j;

		json_init(&j, c->out);
		json_begin_object(&j);
		json_key(&j, "app");
		json_string(&j, release_app_name(a));
		json_key(&j, "hook");
		json_string(&j, hook);
		json_end_object(&j);
		json_finish(&j);
	} else if (!hook) {
		fprintf(stderr, "relctl: note: app '%s' has no deploy hook (relctl apps hook set "
				"CMD -a %s sets one)\n",
			release_app_name(a), release_app_name(a));
	} else {
		/* As a manifest is: byte for byte to a file or a pipe (a script
		 * may keep it), its lines made safe on a terminal. */
		char *safe = c->tty ? format_safe(hook, FORMAT_SAFE_LINES, 0) : NULL;

		if (c->tty && !safe)
			status = relctl_fail(c, RELEASE_ENOMEM);
		else
			fputs(safe ? safe : hook, c->out);
		if (status == 0 && (!*hook || hook[strlen(hook) - 1] != '\n'))
			fputc('\n', c->out);
		free(safe);
	}
	release_settings_free(set);
	release_app_free(a);
	return status;
}

/* Stores opts as the app's settings, saying what ("Setting hook") it does.
 * Returns the exit status. */
static int update_settings(struct relctl *c, const char *what, const release_settings_opts *opts)
{
	release_store *s;
	int rc, status;

	if (!(s = relctl_store(c, &status)))
		return status;
	fprintf(c->progress, "%s for %s... ", what, c->app);
	fflush(c->progress);
	if ((rc = release_settings_update(s, c->app, opts, NULL)) != 0)
		return relctl_fail(c, rc);
	fputs("OK\n", c->progress);
	return RELCTL_EXIT_OK;
}

int cmd_apps_hook_set(struct relctl *c)
{
	const char *file = c->args.value[OPT_FILE];
	release_settings_opts opts;
	char *text = NULL;
	size_t len = 0;
	int status;

	if ((relctl_nargs(c) > 0) == (file != NULL))
		return relctl_error(RELCTL_EXIT_USAGE, "give the hook as CMD or with --file FILE%s "
						       "(usage: relctl %s)",
				    file ? ", not both" : "", c->cmd->synopsis);
	if (file && !*file)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "--file is empty: give a file, or '-' for standard input");
	if (file && !(text = io_read_all(file, HOOK_MAX, &len)))
		return relctl_error(errno == ENOENT ? RELCTL_EXIT_NOTFOUND : RELCTL_EXIT_USAGE,
				    "reading the hook from %s: %s", io_input_name(file),
				    errno == EFBIG ? "it is longer than a hook may be (65536 bytes)"
						   : strerror(errno));
	if (text && memchr(text, '\0', len)) {
		free(text);
		return relctl_error(RELCTL_EXIT_USAGE,
				    "reading the hook from %s: it holds a NUL byte",
				    io_input_name(file));
	}
	release_settings_opts_init(&opts);
	opts.hook = text ? text : relctl_arg(c, 0);
	if (!*opts.hook) {
		free(text);
		return relctl_error(RELCTL_EXIT_USAGE, "the hook is empty (relctl apps hook unset "
						       "removes the hook)");
	}
	status = update_settings(c, "Setting hook", &opts);
	free(text);
	return status;
}

int cmd_apps_hook_unset(struct relctl *c)
{
	release_settings_opts opts;

	release_settings_opts_init(&opts);
	opts.clear_hook = 1;
	return update_settings(c, "Unsetting hook", &opts);
}
