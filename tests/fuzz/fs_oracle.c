/*
 * fuzz-file-store's oracle: what a damaged store may answer.
 *
 * For every app the history left (and that still has evidence of its
 * records, fs_app_evidence), every release and build the model holds must
 * either read back exactly as written, or its read must fail. A read may
 * fail with any RELEASE_E* code but RELEASE_ENOTFOUND, which would say the
 * record does not exist. A successful listing must hold every one of them,
 * and nothing else: no release the store never acknowledged, except one
 * from a write that failed (which may have committed). A successful write
 * must get a version above every acknowledged one, built on the newest.
 *
 * A damaged file may rightly be repaired from the log (the truth): the
 * model then still holds. Releases deleted by the history's prune and apps
 * deleted by it are not in the model, and are not looked for.
 */
#include "fs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *when_now; /* for messages */

static int time_ok(const struct fs_time *t, int64_t v)
{
	return v == t->exact || (t->lo <= v && v <= t->hi);
}

static struct fs_rel *model_version(struct fs_app *a, uint64_t v)
{
	for (size_t i = 0; i < a->nrel; i++)
		if (a->rel[i].version == v)
			return &a->rel[i];
	return NULL;
}

static struct fs_bld *model_build(struct fs_app *a, const char *id)
{
	for (size_t i = 0; i < a->nbld; i++)
		if (strcmp(a->bld[i].id, id) == 0)
			return &a->bld[i];
	return NULL;
}

/* A release the store returned: it must be the model's, exactly. */
static void same_release(struct fs_app *a, const struct fs_rel *m, const release *r,
			 const char *how)
{
	char *dump = fs_dump_release(r);

	if (strcmp(dump, m->dump) != 0)
		fz_finding("%s: app %s: %s returned release %s (v%" PRIu64 ") changed:\n"
			   "--- acknowledged\n%s--- read\n%s",
			   when_now, a->name, how, m->id, m->version, m->dump, dump);
	free(dump);
	if (!time_ok(&m->promoted, release_promoted(r)) || !time_ok(&m->failed, release_failed(r)))
		fz_finding("%s: app %s: %s returned release %s with promoted %" PRId64
			   " failed %" PRId64 ", acknowledged %" PRId64 " and %" PRId64,
			   when_now, a->name, how, m->id, release_promoted(r), release_failed(r),
			   m->promoted.exact, m->failed.exact);
}

/* A release in a successful listing. */
static void listed_release(struct fs_app *a, const release *r)
{
	struct fs_rel *m = model_version(a, release_version(r));

	if (m) {
		same_release(a, m, r, "release_list");
		return;
	}
	if (a->maybe_lo && release_version(r) >= a->maybe_lo && release_version(r) <= a->maybe_hi)
		return; /* a failed write that committed after all */
	fz_finding("%s: app %s: release_list returned release %s (v%" PRIu64
		   ") that was never acknowledged (newest acknowledged v%" PRIu64 ")",
		   when_now, a->name, release_id(r), release_version(r), a->max_version);
}

/* A failed read: anything but "not found" for a record that exists. */
static void failed_read(struct fs_app *a, int rc, int evidence, const char *what,
			const release_store *s)
{
	if (rc == RELEASE_ENOTFOUND && evidence)
		fz_finding("%s: app %s: %s: RELEASE_ENOTFOUND (%s) for an acknowledged record",
			   when_now, a->name, what, release_store_errmsg(s));
	fz_trace("%s: app %s: %s: %s (%s)", when_now, a->name, what, release_strerror(rc),
		 release_store_errmsg(s));
}

static void check_app_record(struct fs_app *a, release_store *s, int evidence)
{
	release_app *ap = NULL;
	int rc = fz_rc(release_app_get(s, a->name, &ap), "release_app_get");

	if (rc == 0) {
		const char *act = release_app_active(ap) ? release_app_active(ap) : "";
		int ok = 0;

		for (int i = 0; i < a->nactive; i++)
			ok |= strcmp(a->active[i], act) == 0;
		if (!ok)
			fz_finding("%s: app %s: the active release is '%s', acknowledged '%s'",
				   when_now, a->name, act, a->active[0]);
	} else {
		failed_read(a, rc, evidence, "release_app_get", s);
	}
	release_app_free(ap);
}

static void check_listing(struct fs_app *a, release_store *s, int evidence)
{
	release_iter *it = NULL;
	const release *r;
	uint64_t last = UINT64_MAX;
	size_t found = 0;
	int rc = fz_rc(release_list(s, a->name, NULL, &it), "release_list");
	unsigned char *seen = calloc(a->nrel + 1, 1);

	if (!seen)
		fz_finding("out of memory");
	if (rc != 0) {
		failed_read(a, rc, evidence, "release_list", s);
		free(seen);
		return;
	}
	while ((rc = fz_iter_rc(release_iter_next(it, &r), "release_iter_next")) == 0) {
		struct fs_rel *m = model_version(a, release_version(r));

		if (release_version(r) >= last)
			fz_finding("%s: app %s: release_list gave v%" PRIu64 " after v%" PRIu64,
				   when_now, a->name, release_version(r), last);
		last = release_version(r);
		listed_release(a, r);
		if (m && !seen[m - a->rel]) {
			seen[m - a->rel] = 1;
			found++;
		}
	}
	release_iter_free(it);
	if (rc != RELEASE_ITEROVER) {
		failed_read(a, rc, evidence, "release_iter_next", s);
	} else if (found != a->nrel && evidence) {
		for (size_t i = 0; i < a->nrel; i++)
			if (!seen[i])
				fz_finding("%s: app %s: a successful release_list lacks acknowledged "
					   "release %s (v%" PRIu64 ")",
					   when_now, a->name, a->rel[i].id, a->rel[i].version);
	}
	free(seen);
}

/* Gets by id and by version; the listing has seen every release, so in a
 * long history a sample will do: the newest eight, the oldest two, and a
 * stride through the rest. */
static void check_gets(struct fs_app *a, release_store *s, int evidence)
{
	for (size_t i = 0; i < a->nrel; i++) {
		struct fs_rel *m = &a->rel[i];
		release *r = NULL;
		char what[96];
		int rc;

		if (i >= 2 && i + 8 < a->nrel && i % 9 != 0)
			continue;
		rc = fz_rc(release_get(s, a->name, m->id, &r), "release_get");
		snprintf(what, sizeof what, "release_get(%s)", m->id);
		if (rc == 0)
			same_release(a, m, r, what);
		else
			failed_read(a, rc, evidence, what, s);
		release_free(r);
		r = NULL;
		snprintf(what, sizeof what, "release_get_version(%" PRIu64 ")", m->version);
		rc = fz_rc(release_get_version(s, a->name, m->version, &r), "release_get_version");
		if (rc == 0)
			same_release(a, m, r, what);
		else
			failed_read(a, rc, evidence, what, s);
		release_free(r);
	}
}

static void same_build(struct fs_app *a, const release_build *b, const char *how)
{
	struct fs_bld *m = model_build(a, release_build_id(b));
	char *dump;

	if (!m)
		fz_finding("%s: app %s: %s returned build %s that was never acknowledged", when_now,
			   a->name, how, release_build_id(b));
	dump = fs_dump_build(b);
	if (strcmp(dump, m->dump) != 0)
		fz_finding("%s: app %s: %s returned build %s changed:\n--- acknowledged\n%s--- read\n%s",
			   when_now, a->name, how, m->id, m->dump, dump);
	free(dump);
}

static void check_builds(struct fs_app *a, release_store *s, int evidence)
{
	release_build_iter *it = NULL;
	const release_build *b;
	size_t n = 0;
	int rc = fz_rc(release_build_list(s, a->name, 0, &it), "release_build_list");

	if (rc != 0) {
		failed_read(a, rc, evidence, "release_build_list", s);
	} else {
		while ((rc = fz_iter_rc(release_build_iter_next(it, &b), "release_build_iter_next")) == 0) {
			same_build(a, b, "release_build_list");
			n++;
		}
		if (rc != RELEASE_ITEROVER)
			failed_read(a, rc, evidence, "release_build_iter_next", s);
		else if (n != a->nbld && evidence)
			fz_finding("%s: app %s: a successful release_build_list gave %zu of %zu "
				   "acknowledged builds", when_now, a->name, n, a->nbld);
		release_build_iter_free(it);
	}
	for (size_t i = 0; i < a->nbld; i++) {
		release_build *got = NULL;
		char what[96];

		snprintf(what, sizeof what, "release_build_get(%s)", a->bld[i].id);
		rc = fz_rc(release_build_get(s, a->name, a->bld[i].id, &got), "release_build_get");
		if (rc == 0)
			same_build(a, got, what);
		else
			failed_read(a, rc, evidence, what, s);
		release_build_free(got);
	}
}

/*
 * The deployment log: a successful listing holds every entry the history
 * wrote, as it wrote it, newest first, each until the end of the next
 * successful one above it; above the history's newest, no more entries
 * than promotions were tried since.
 */
static void check_log(struct fs_app *a, release_store *s, int evidence)
{
	release_deploy_iter *it = NULL;
	const release_deploy *d;
	uint64_t last = UINT64_MAX;
	int64_t next_ok = 0;
	size_t found = 0, above = 0, m = 0;
	int rc = fz_rc(release_deploy_list(s, a->name, NULL, &it), "release_deploy_list");

	if (rc != 0) {
		failed_read(a, rc, evidence, "release_deploy_list", s);
		return;
	}
	while ((rc = fz_iter_rc(release_deploy_iter_next(it, &d), "release_deploy_iter_next")) == 0) {
		uint64_t seq = release_deploy_seq(d);
		int64_t want = release_deploy_failed(d) ? 0 : next_ok;
		char *dump = fs_dump_deploy(d);

		if (seq >= last)
			fz_finding("%s: app %s: the deployment log gave entry %" PRIu64 " after %" PRIu64,
				   when_now, a->name, seq, last);
		last = seq;
		if (release_deploy_until(d) != want)
			fz_finding("%s: app %s: entry %" PRIu64 " has until %" PRId64 ", the next "
				   "successful entry ended at %" PRId64,
				   when_now, a->name, seq, release_deploy_until(d), want);
		if (!release_deploy_failed(d))
			next_ok = release_deploy_ended(d);
		while (m < a->ndep && a->dep[m].seq > seq)
			m++;
		if (seq > a->dep_top && ++above > (size_t)a->dep_more)
			fz_finding("%s: app %s: the deployment log has %zu entries above %" PRIu64
				   " after %d promotions",
				   when_now, a->name, above, a->dep_top, a->dep_more);
		if (seq <= a->dep_top && (m == a->ndep || a->dep[m].seq != seq))
			fz_finding("%s: app %s: the deployment log has entry %" PRIu64
				   ", which was never acknowledged",
				   when_now, a->name, seq);
		if (seq <= a->dep_top && strcmp(dump, a->dep[m].dump) != 0)
			fz_finding("%s: app %s: deployment log entry %" PRIu64 " changed:\n"
				   "--- acknowledged\n%s--- read\n%s",
				   when_now, a->name, seq, a->dep[m].dump, dump);
		found += seq <= a->dep_top;
		free(dump);
	}
	release_deploy_iter_free(it);
	if (rc != RELEASE_ITEROVER)
		failed_read(a, rc, evidence, "release_deploy_iter_next", s);
	else if (found != a->ndep && evidence)
		fz_finding("%s: app %s: a successful listing of the deployment log gave %zu of its "
			   "%zu acknowledged entries",
			   when_now, a->name, found, a->ndep);
}

static void check_app_list(struct fs_run *run, release_store *s)
{
	release_app_iter *it = NULL;
	const release_app *ap;
	int listed[FS_MAX_APPS] = {0}, rc;

	if (fz_rc(release_app_list(s, &it), "release_app_list") != 0)
		return;
	while ((rc = fz_iter_rc(release_app_iter_next(it, &ap), "release_app_iter_next")) == 0)
		for (size_t i = 0; i < run->model.napp; i++)
			listed[i] |= strcmp(run->model.app[i].name, release_app_name(ap)) == 0;
	release_app_iter_free(it);
	if (rc != RELEASE_ITEROVER)
		return;
	for (size_t i = 0; i < run->model.napp; i++)
		if (!listed[i] && !run->model.app[i].deleted && run->evidence[i])
			fz_finding("%s: a successful release_app_list lacks app %s", when_now,
				   run->model.app[i].name);
}

void fs_check(struct fs_run *run, release_store *s, const char *when)
{
	when_now = when;
	for (size_t i = 0; i < run->model.napp; i++) {
		struct fs_app *a = &run->model.app[i];

		if (a->deleted)
			continue;
		check_app_record(a, s, run->evidence[i]);
		check_listing(a, s, run->evidence[i]);
		check_gets(a, s, run->evidence[i]);
		check_builds(a, s, run->evidence[i]);
		check_log(a, s, run->evidence[i]);
	}
	check_app_list(run, s);
}

/* ------------------------------------------------------------ probes */

/* Value of key in "K=V\n" text, or NULL; the result is in buf. */
static const char *env_value(const char *env, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);

	for (const char *p = env; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n > klen && p[klen] == '=' && strncmp(p, key, klen) == 0) {
			snprintf(buf, len, "%.*s", (int)(n - klen - 1), p + klen + 1);
			return buf;
		}
		p += n + (nl != NULL);
	}
	return NULL;
}

/* The new release r of a probe on newest: newest's env, build and manifest
 * with the change (key set to value, or removed for value NULL); keys of
 * earlier probes may come and go (their writes may have failed). */
static void check_probe(struct fs_app *a, const struct fs_rel *newest, const release *r,
			const char *key, const char *value)
{
	char buf[256];

	if (!newest)
		return;
	for (const char *p = newest->env; *p;) {
		const char *nl = strchr(p, '\n'), *eq = strchr(p, '=');
		char k[300];

		snprintf(k, sizeof k, "%.*s", (int)(eq - p), p);
		if (strcmp(k, key) != 0 && strncmp(k, "FZP", 3) != 0 &&
		    (!release_env_get(r, k) ||
		     strcmp(release_env_get(r, k), env_value(newest->env, k, buf, sizeof buf)) != 0))
			fz_finding("%s: app %s: the write made v%" PRIu64 " without %s of v%" PRIu64
				   ", the newest acknowledged release",
				   when_now, a->name, release_version(r), k, newest->version);
		p = nl + 1;
	}
	for (size_t i = 0; i < release_env_count(r); i++) {
		const char *k = release_env_key(r, i);

		if (strcmp(k, key) != 0 && strncmp(k, "FZP", 3) != 0 &&
		    !env_value(newest->env, k, buf, sizeof buf))
			fz_finding("%s: app %s: the write made v%" PRIu64 " with %s, which v%" PRIu64
				   " does not have",
				   when_now, a->name, release_version(r), k, newest->version);
	}
	if (value ? !release_env_get(r, key) || strcmp(release_env_get(r, key), value) != 0 :
		    release_env_get(r, key) != NULL)
		fz_finding("%s: app %s: the write's own change is not in v%" PRIu64, when_now,
			   a->name, release_version(r));
	if (strcmp(newest->build, release_build_of(r) ? release_build_of(r) : "") != 0 ||
	    newest->manifest_hash != fs_hash(release_manifest(r)))
		fz_finding("%s: app %s: the write made v%" PRIu64 " with another build or manifest "
			   "than v%" PRIu64, when_now, a->name, release_version(r), newest->version);
}

static void maybe_committed(struct fs_app *a)
{
	uint64_t top = a->maybe_hi > a->max_version ? a->maybe_hi : a->max_version;

	if (!a->maybe_lo)
		a->maybe_lo = a->max_version + 1;
	a->maybe_hi = top + 1;
}

static void promote_probe(struct fs_run *run, struct fs_app *a, int evidence, release_store *s,
			  const char *id)
{
	struct fs_rel *m = NULL;
	int64_t c0 = run->clock->now, c1;
	int rc = fz_rc(release_promote(s, a->name, id, NULL), "release_promote");

	a->dep_more++; /* its entry, if it wrote one */
	c1 = run->clock->now;
	for (size_t i = 0; i < a->nrel; i++)
		if (strcmp(a->rel[i].id, id) == 0)
			m = &a->rel[i];
	if (!m)
		fz_finding("the model lost release %s", id);
	if (rc == 0) {
		snprintf(a->active[0], sizeof a->active[0], "%s", id);
		a->nactive = 1;
		m->promoted.exact = m->promoted.lo = c0;
		m->promoted.hi = c1;
		return;
	}
	failed_read(a, rc, evidence, "release_promote", s);
	if (a->nactive < FS_MAX_ACTIVE)
		snprintf(a->active[a->nactive++], sizeof a->active[0], "%s", id);
	m->promoted.lo = m->failed.lo = c0;
	m->promoted.hi = m->failed.hi = c1;
}

void fs_probe(struct fs_run *run, release_store *s, int unset)
{
	struct fs_app *a = NULL;
	struct fs_rel *newest;
	char key[32], value[32], pair[64];
	const char *item = pair;
	release *r = NULL;
	int evidence = 0, rc, live = 0;

	when_now = unset ? "after an env unset" : "after an env set";
	for (size_t i = 0; i < run->model.napp; i++) {
		if (run->model.app[i].deleted)
			continue;
		if (!a || ((run->flags & FS_F_PROBE_APP) && live == 1)) {
			a = &run->model.app[i];
			evidence = run->evidence[i];
		}
		live++;
	}
	if (!a)
		return;
	newest = model_version(a, a->max_version);
	snprintf(key, sizeof key, "FZP%d", run->probes);
	snprintf(value, sizeof value, "v%d", run->probes++);
	snprintf(pair, sizeof pair, "%s=%s", key, value);
	if (unset) {
		/* the first key of the newest release that no probe wrote */
		const char *p = newest ? newest->env : "";

		while (*p && strncmp(p, "FZP", 3) == 0)
			p = strchr(p, '\n') + 1;
		snprintf(key, sizeof key, "%.*s", (int)strcspn(p, "="), p);
		if (!*key)
			snprintf(key, sizeof key, "NOPE");
		item = key;
		rc = fz_rc(release_env_unset(s, a->name, &item, 1, &r), "release_env_unset");
	} else {
		rc = fz_rc(release_env_set(s, a->name, &item, 1, &r), "release_env_set");
	}
	if (rc != 0) {
		failed_read(a, rc, evidence, unset ? "release_env_unset" : "release_env_set", s);
		maybe_committed(a);
		return;
	}
	if (!r)
		return; /* nothing changed: nothing written */
	if (release_version(r) <= a->max_version)
		fz_finding("%s: app %s: the write got version %" PRIu64 ", which was acknowledged "
			   "already (as %s)", when_now, a->name, release_version(r),
			   model_version(a, release_version(r)) ? model_version(a, release_version(r))->id
								: "a pruned release");
	if (release_version(r) > (a->maybe_hi > a->max_version ? a->maybe_hi : a->max_version) + 1)
		fz_trace("%s: app %s: the write skipped to v%" PRIu64, when_now, a->name,
			 release_version(r));
	check_probe(a, newest, r, key, unset ? NULL : value);
	fs_model_add(a, r);
	if (run->flags & FS_F_PROMOTE)
		promote_probe(run, a, evidence, s, release_id(r));
	release_free(r);
}
