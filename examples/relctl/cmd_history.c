/* releases history: the deployment log, and what was live at a time. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/format.h"
#include "output.h"
#include "relctl.h"
#include "time_parse.h"

#define DEFAULT_LIMIT 10

static const char *action_word(const release_deploy *d)
{
	return release_deploy_kind(d) == RELEASE_DEPLOY_ROLLBACK ? "rollback" : "promote";
}

/* RESULT: "ok", "forced" (ok, taking the app over or promoting an older
 * release), "failed (N)" with the deploy hook's status. Returns buf. */
static char *result_word(char *buf, size_t size, const release_deploy *d)
{
	if (release_deploy_failed(d))
		snprintf(buf, size, "failed (%d)", release_deploy_failed(d));
	else
		snprintf(buf, size, "%s", release_deploy_forced(d) ? "forced" : "ok");
	return buf;
}

/* An entry as JSON; at (non-zero) is the time --at asked about. */
static void deploy_json(struct json *j, const char *app, const release_deploy *d, int64_t at)
{
	json_begin_object(j);
	json_key(j, "seq");
	json_uint(j, release_deploy_seq(d));
	json_key(j, "app");
	json_string(j, app);
	json_key(j, "action");
	json_string(j, action_word(d));
	json_key(j, "result");
	json_string(j, release_deploy_failed(d) ? "failed" : "ok");
	json_key(j, "failed");
	json_int(j, release_deploy_failed(d));
	json_key(j, "forced");
	json_bool(j, release_deploy_forced(d));
	json_key(j, "from");
	json_string(j, release_deploy_from(d));
	json_key(j, "from_version");
	if (release_deploy_from_version(d))
		json_uint(j, release_deploy_from_version(d));
	else
		json_null(j);
	json_key(j, "to");
	json_string(j, release_deploy_to(d));
	json_key(j, "to_version");
	json_uint(j, release_deploy_to_version(d));
	json_key(j, "target");
	json_string(j, release_deploy_target(d));
	json_key(j, "actor");
	json_string(j, release_deploy_actor(d));
	json_key(j, "started");
	json_time(j, release_deploy_started(d));
	json_key(j, "ended");
	json_time(j, release_deploy_ended(d));
	json_key(j, "until");
	json_time(j, release_deploy_until(d));
	if (at) {
		json_key(j, "at");
		json_time(j, at);
	}
	json_end_object(j);
}

/* A failed call on the log: a store without one says so plainly. */
static int history_fail(struct relctl *c, int rc)
{
	const char *msg = release_store_errmsg(c->store);

	if (rc != RELEASE_EUNSUPPORTED)
		return relctl_fail(c, rc);
	return relctl_error(relctl_status_of(rc),
			    "this store keeps no deployment log (its backend is older than "
			    "librelease's storage version 3)%s%s",
			    *msg ? ": " : "", msg);
}

/* --before SEQ. 0, or the exit status after reporting. */
static int before_seq(const struct relctl *c, uint64_t *out)
{
	const char *s = c->args.value[OPT_BEFORE];

	int rc = relctl_parse_number(s, UINT64_MAX, out);

	if (rc == -2)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "--before %s is out of range (1 to %" PRIu64 ")", relctl_shown(s),
				    UINT64_MAX);
	if (rc != 0 || *out == 0)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "--before wants an entry's number (the # column: 1 or more), "
				    "not '%s'",
				    relctl_shown(s));
	return 0;
}

static int history_list(struct relctl *c, release_store *s, const release_list_opts *opts)
{
	static const char *const headers[] = {"#",  "WHEN",     "ACTION", "FROM",
					      "TO", "RESULT", "DURATION", "ACTOR"};
	release_deploy_iter *it = NULL;
	const release_deploy *d;
	format_table *t = NULL;
	struct json j;
	int rc, damaged = RELCTL_EXIT_OK;

	if ((rc = release_deploy_list(s, c->app, opts, &it)) != 0)
		return history_fail(c, rc);
	json_init(&j, c->out);
	if (c->args.value[OPT_JSON]) {
		json_begin_array(&j);
	} else if (!(t = format_table_new(8, headers))) {
		rc = RELEASE_ENOMEM;
		goto out;
	}
	while ((rc = release_deploy_iter_next(it, &d)) != RELEASE_ITEROVER) {
		char seq[24], when[FORMAT_TIME_MAX], result[32], took[32];
		const char *row[8];

		if (rc == RELEASE_ECORRUPT) { /* one entry; the next step goes on */
			damaged = relctl_fail(c, rc);
			continue;
		}
		if (rc != 0)
			break; /* the iterator stays put: the same step would fail again */
		if (!t) {
			deploy_json(&j, c->app, d, 0);
			continue;
		}
		snprintf(seq, sizeof seq, "%" PRIu64, release_deploy_seq(d));
		row[0] = seq;
		row[1] = format_relative_time(when, sizeof when, release_deploy_ended(d), c->now);
		row[2] = action_word(d);
		row[3] = release_deploy_from(d);
		row[4] = release_deploy_to(d);
		row[5] = result_word(result, sizeof result, d);
		row[6] = format_duration(took, sizeof took,
					 release_deploy_ended(d) - release_deploy_started(d));
		row[7] = release_deploy_actor(d);
		if (format_table_add_row(t, row) != 0) {
			rc = RELEASE_ENOMEM;
			goto out;
		}
	}
	rc = listing_end(&j, t, c->out, rc);
out:
	format_table_free(t);
	release_deploy_iter_free(it);
	return rc ? relctl_fail(c, rc) : damaged;
}

/* --at TIME in *out. 0, or the exit status after reporting. */
static int at_time(const struct relctl *c, int64_t *out)
{
	const char *s = c->args.value[OPT_AT];
	char why[128];
	int rc = time_parse(s, c->now, out, why, sizeof why);

	if (rc == -2)
		return relctl_error(RELCTL_EXIT_USAGE, "--at '%s': %s", relctl_shown(s), why);
	if (rc != 0)
		return relctl_error(RELCTL_EXIT_USAGE,
				    "--at wants a time: RFC 3339 (2026-11-24T14:32:00Z, or with an "
				    "offset: +02:00), a local 'YYYY-MM-DD HH:MM[:SS]', or '2h ago', "
				    "not '%s'",
				    relctl_shown(s));
	return 0;
}

static int app_exists(release_store *s, const char *app)
{
	release_app *a;

	if (release_app_get(s, app, &a) != 0)
		return 0;
	release_app_free(a);
	return 1;
}

/* The entry's one-line account: "#2 promote by A", "#3 rollback to RID
 * (forced) by A". */
static void entry_text(char *buf, size_t size, const release_deploy *d)
{
	const char *target = release_deploy_target(d), *actor = release_deploy_actor(d);

	snprintf(buf, size, "#%" PRIu64 " %s%s%s%s%s%s", release_deploy_seq(d), action_word(d),
		 target ? " to " : "", target ? target : "",
		 release_deploy_forced(d) ? " (forced)" : "", actor ? " by " : "",
		 actor ? actor : "");
}

static int history_at(struct relctl *c, release_store *s, int64_t at)
{
	char at_text[FORMAT_TIME_MAX], since[FORMAT_TIME_MAX], until[FORMAT_TIME_MAX];
	char version[24], entry[RELEASE_ACTOR_MAX + 128], live[48];
	release_deploy *d = NULL;
	info *in = NULL;
	int64_t end;
	int rc;

	rc = release_deploy_at(s, c->app, at, &d);
	if (rc == RELEASE_ENOTFOUND && app_exists(s, c->app))
		return relctl_error(RELCTL_EXIT_NOTFOUND,
				    "app '%s': nothing was live at %s (nothing had been promoted by "
				    "then)",
				    c->app, format_rfc3339(at_text, sizeof at_text, at));
	if (rc != 0)
		return history_fail(c, rc);
	/* Nobody knows yet what will be live then: what is live now is told,
	 * and said to be that. */
	if (at > c->now)
		fprintf(stderr, "relctl: note: %s is in the future: this is what is live now\n",
			format_rfc3339(at_text, sizeof at_text, at));
	if (c->args.value[OPT_JSON]) {
		struct json j;

		json_init(&j, c->out);
		deploy_json(&j, c->app, d, at);
		json_finish(&j);
		release_deploy_free(d);
		return RELCTL_EXIT_OK;
	}
	end = release_deploy_until(d) ? release_deploy_until(d) : c->now;
	format_duration(live, sizeof live, end - release_deploy_ended(d));
	if (!release_deploy_until(d))
		strcat(live, " so far");
	snprintf(version, sizeof version, "%" PRIu64, release_deploy_to_version(d));
	entry_text(entry, sizeof entry, d);
	rc = RELEASE_ENOMEM;
	if ((in = info_new()) && info_add(in, "At", format_rfc3339(at_text, sizeof at_text, at)) == 0 &&
	    info_add(in, "Release", release_deploy_to(d)) == 0 &&
	    info_add(in, "Version", version) == 0 && info_add(in, "Entry", entry) == 0 &&
	    info_add(in, "Since",
		     format_rfc3339(since, sizeof since, release_deploy_ended(d))) == 0 &&
	    info_add(in, "Until",
		     release_deploy_until(d)
			     ? format_rfc3339(until, sizeof until, release_deploy_until(d))
			     : "live now") == 0 &&
	    info_add(in, "Live", live) == 0 && info_print(in, c->out) == 0)
		rc = 0;
	info_free(in);
	release_deploy_free(d);
	return rc ? relctl_fail(c, rc) : RELCTL_EXIT_OK;
}

int cmd_releases_history(struct relctl *c)
{
	uint64_t limit = DEFAULT_LIMIT;
	release_list_opts opts;
	release_store *s;
	int64_t at = 0;
	int status;

	if ((status = relctl_app_word(c)) != 0)
		return status;
	if (c->args.value[OPT_AT] && (c->args.value[OPT_LIMIT] || c->args.value[OPT_BEFORE]))
		return relctl_error(RELCTL_EXIT_USAGE,
				    "--at shows one entry: it does not go with --limit or --before");
	release_list_opts_init(&opts);
	if ((c->args.value[OPT_AT] && (status = at_time(c, &at)) != 0) ||
	    (c->args.value[OPT_LIMIT] &&
	     (status = relctl_option_uint(c, OPT_LIMIT, SIZE_MAX, "", &limit)) != 0) ||
	    (c->args.value[OPT_BEFORE] && (status = before_seq(c, &opts.before)) != 0))
		return status;
	opts.limit = (size_t)limit;
	if (!(s = relctl_store(c, &status)))
		return status;
	return c->args.value[OPT_AT] ? history_at(c, s, at) : history_list(c, s, &opts);
}
