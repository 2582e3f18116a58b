/*
 * fuzz-records: the record decoder, reached through the public API. A user
 * backend serves records whose bytes come from the input (records_input.h,
 * records_backend.c), and every call that reads them runs over it: app_get
 * and app_list, release listings and gets, build listings and gets, the
 * deployment log, diffs, a watch and a copy into a memory store
 * (records_deploy.c, records_diff.c), then the writes that decode what they
 * build on (env set, release_create, promote, rollback, prune, app delete)
 * and the reads once more.
 *
 * Findings: a crash or sanitizer report (leaks included), a result that is
 * not 0 or a RELEASE_E* code, or an object that breaks what the API
 * promises of it (its app, id shape, version order, env order, what a
 * listing, diff, watch or copy says against what the other calls read).
 */
#include "records.h"

#include <stdlib.h>
#include <string.h>

#define ACTOR "fuzz@records"

/* ------------------------------------------------------------ checks */

int records_id_shape(const char *id, char prefix)
{
	size_t n = id ? strlen(id) : 0;

	if (n != 10 && n != 11)
		return 0;
	if (id[0] != prefix)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (id[i] < 'A' || id[i] > 'Z')
			return 0;
	return 1;
}

/* An actor as release_store_set_actor() describes one: 1 to
 * RELEASE_ACTOR_MAX bytes of UTF-8 without control characters. */
int records_actor_ok(const char *a)
{
	const unsigned char *p = (const unsigned char *)a;
	size_t n = strlen(a);

	if (n == 0 || n > RELEASE_ACTOR_MAX)
		return 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len;

		if (p[i] < 0x80) {
			if (p[i] < 0x20 || p[i] == 0x7f)
				return 0;
			i++;
			continue;
		}
		len = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : p[i] >= 0xc0 ? 2 : 0;
		if (len == 0 || p[i] >= 0xf8 || i + len > n)
			return 0;
		cp = p[i] & (0x7f >> len);
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < (len == 2 ? 0x80u : len == 3 ? 0x800u : 0x10000u) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
			return 0;
		i += len;
	}
	return 1;
}

void records_check_release(const release *r)
{
	size_t n = release_env_count(r);

	if (!records_id_shape(release_id(r), 'R'))
		fz_finding("a release has the id '%s'", release_id(r));
	if (strcmp(release_app_of(r), RECORDS_APP) != 0)
		fz_finding("release %s names app '%s'", release_id(r), release_app_of(r));
	if (release_version(r) == 0)
		fz_finding("release %s has version 0", release_id(r));
	if (!release_manifest(r) || !release_description(r))
		fz_finding("release %s has a NULL manifest or description", release_id(r));
	if (release_build_of(r) && !records_id_shape(release_build_of(r), 'B'))
		fz_finding("release %s names build '%s'", release_id(r), release_build_of(r));
	if (release_source(r) && !records_id_shape(release_source(r), 'R'))
		fz_finding("release %s names source '%s'", release_id(r), release_source(r));
	if (release_actor(r) && !records_actor_ok(release_actor(r)))
		fz_finding("release %s has the actor '%s'", release_id(r), release_actor(r));
	(void)release_created(r);
	(void)release_promoted(r);
	(void)release_failed(r);
	(void)release_is_active(r);
	for (size_t i = 0; i < n; i++) {
		const char *k = release_env_key(r, i), *v = release_env_value(r, i);

		if (!k || !v || release_env_get(r, k) != v)
			fz_finding("release %s: env pair %zu does not read back", release_id(r), i);
		if (i > 0 && strcmp(release_env_key(r, i - 1), k) >= 0)
			fz_finding("release %s: env keys out of order", release_id(r));
	}
	if (release_env_key(r, n) || release_env_value(r, n))
		fz_finding("release %s: an env pair past the end", release_id(r));
}

static void check_build(const release_build *b)
{
	if (!records_id_shape(release_build_id(b), 'B'))
		fz_finding("a build has the id '%s'", release_build_id(b));
	if (strcmp(release_build_app(b), RECORDS_APP) != 0)
		fz_finding("build %s names app '%s'", release_build_id(b), release_build_app(b));
	if (!release_build_status_name(release_build_status(b)))
		fz_finding("build %s has status %d", release_build_id(b), release_build_status(b));
	if (!release_build_description(b) || !release_build_manifest(b))
		fz_finding("build %s has a NULL description or manifest", release_build_id(b));
	if (release_build_release(b) && !records_id_shape(release_build_release(b), 'R'))
		fz_finding("build %s names release '%s'", release_build_id(b), release_build_release(b));
	if (release_build_actor(b) && !records_actor_ok(release_build_actor(b)))
		fz_finding("build %s has the actor '%s'", release_build_id(b), release_build_actor(b));
	(void)release_build_started(b);
	(void)release_build_ended(b);
}

static void check_app_object(const release_app *a)
{
	if (strcmp(release_app_name(a), RECORDS_APP) != 0)
		fz_finding("app_get gave app '%s'", release_app_name(a));
	if (release_app_active(a) && !records_id_shape(release_app_active(a), 'R'))
		fz_finding("active release '%s'", release_app_active(a));
	if (release_app_previous(a) && !records_id_shape(release_app_previous(a), 'R'))
		fz_finding("previous release '%s'", release_app_previous(a));
	if (!release_app_status_name(release_app_status(a)))
		fz_finding("app status %d", release_app_status(a));
	if (release_app_actor(a) && !records_actor_ok(release_app_actor(a)))
		fz_finding("the app has the actor '%s'", release_app_actor(a));
	(void)release_app_lease_owner(a);
	(void)release_app_lease_expires(a);
	(void)release_app_created(a);
}

/* ------------------------------------------------------------ calls */

static void remember(char (*ids)[16], size_t *n, const char *id)
{
	if (*n < MAX_IDS && strlen(id) < 16)
		strcpy(ids[(*n)++], id);
}

/* Lists releases (limit 0: all) from before; returns the last version seen. */
static uint64_t list_releases(release_store *s, size_t limit, uint64_t before, struct seen *seen)
{
	release_list_opts o;
	release_iter *it = NULL;
	const release *r;
	uint64_t last = 0;
	int rc;

	release_list_opts_init(&o);
	o.limit = limit;
	o.before = before;
	if (fz_rc(release_list(s, RECORDS_APP, &o, &it), "release_list") != 0)
		return 0;
	if (seen)
		seen->rel_clean = 1;
	while ((rc = fz_iter_rc(release_iter_next(it, &r), "release_iter_next")) != RELEASE_ITEROVER) {
		if (rc != 0) {
			if (seen)
				seen->rel_clean = 0;
			if (rc != RELEASE_ECORRUPT)
				break; /* it would say the same again */
			continue;
		}
		records_check_release(r);
		if (last && release_version(r) >= last)
			fz_finding("release_list: version %llu after %llu",
				   (unsigned long long)release_version(r), (unsigned long long)last);
		if (before && release_version(r) >= before)
			fz_finding("release_list: version %llu not before %llu",
				   (unsigned long long)release_version(r), (unsigned long long)before);
		last = release_version(r);
		if (seen) {
			if (seen->nrel < MAX_IDS)
				seen->ver[seen->nrel] = last;
			remember(seen->rel, &seen->nrel, release_id(r));
			seen->rel_count++;
		}
	}
	release_iter_free(it);
	return last;
}

static void list_builds(release_store *s, size_t limit, struct seen *seen)
{
	release_build_iter *it = NULL;
	const release_build *b;
	int rc;

	if (fz_rc(release_build_list(s, RECORDS_APP, limit, &it), "release_build_list") != 0)
		return;
	while ((rc = fz_iter_rc(release_build_iter_next(it, &b), "release_build_iter_next")) !=
	       RELEASE_ITEROVER) {
		if (rc != 0) {
			if (rc != RELEASE_ECORRUPT)
				break;
			continue;
		}
		check_build(b);
		if (seen)
			remember(seen->bld, &seen->nbld, release_build_id(b));
	}
	release_build_iter_free(it);
}

static void get_release(release_store *s, const char *id)
{
	release *r = NULL;

	if (fz_rc(release_get(s, RECORDS_APP, id, &r), "release_get") == 0) {
		records_check_release(r);
		if (strcmp(release_id(r), id) != 0)
			fz_finding("release_get(%s) gave release %s", id, release_id(r));
	} else if (r) {
		fz_finding("release_get failed but set *out");
	}
	release_free(r);
}

static void get_version(release_store *s, uint64_t v)
{
	release *r = NULL;

	if (fz_rc(release_get_version(s, RECORDS_APP, v, &r), "release_get_version") == 0) {
		records_check_release(r);
		if (release_version(r) != v)
			fz_finding("release_get_version(%llu) gave version %llu",
				   (unsigned long long)v, (unsigned long long)release_version(r));
	}
	release_free(r);
}

static void read_all(release_store *s, const unsigned char *params, struct seen *seen)
{
	release_app_iter *ait = NULL;
	const release_app *ca;
	release_app *a = NULL;
	release_build *b = NULL;
	size_t limit = params[P_LIMIT] % 8;
	int rc;

	if (fz_rc(release_app_list(s, &ait), "release_app_list") == 0) {
		while ((rc = fz_iter_rc(release_app_iter_next(ait, &ca), "release_app_iter_next")) !=
		       RELEASE_ITEROVER) {
			if (rc != 0) {
				if (rc != RELEASE_ECORRUPT)
					break;
				continue;
			}
			check_app_object(ca);
		}
		release_app_iter_free(ait);
	}
	if ((seen->app_rc = fz_rc(release_app_get(s, RECORDS_APP, &a), "release_app_get")) == 0) {
		check_app_object(a);
		if (release_app_active(a)) {
			strcpy(seen->active, release_app_active(a));
			get_release(s, release_app_active(a));
		}
		if (release_app_previous(a))
			get_release(s, release_app_previous(a));
	}
	release_app_free(a);
	list_releases(s, 0, 0, seen);
	if (limit) { /* the same history, a page at a time */
		uint64_t before = 0;

		for (int pages = 0; pages < 8; pages++)
			if ((before = list_releases(s, limit, before, NULL)) <= 1)
				break;
	}
	for (size_t i = 0; i < seen->nrel; i++) {
		get_release(s, seen->rel[i]);
		get_version(s, seen->ver[i]);
	}
	get_version(s, params[P_VERSION] ? params[P_VERSION] : UINT64_MAX);
	get_release(s, "RAAAAAAAAA");
	list_builds(s, 0, seen);
	list_builds(s, limit, NULL);
	for (size_t i = 0; i < seen->nbld; i++) {
		if (fz_rc(release_build_get(s, RECORDS_APP, seen->bld[i], &b), "release_build_get") == 0)
			check_build(b);
		release_build_free(b);
		b = NULL;
	}
	records_read_deploy(s, params, seen);
	records_diff(s, params, seen);
	records_copy(s, params);
}

static int deploy(void *payload, const release *r, release_events *events)
{
	int fails = *(const int *)payload;

	records_check_release(r);
	fz_rc(release_events_emit(events, "fuzz", "deploying"), "release_events_emit");
	return fails ? 1 : 0;
}

static void on_event(void *payload, int64_t time, const char *source, const char *message)
{
	(void)time;
	if (!source || !message)
		fz_finding("an event without source or message");
	++*(size_t *)payload;
}

/* Reads the app's active release before a promotion (from) and the
 * deployment log's top, for what the promotion's entry must say. */
static void before_promotion(release_store *s, const unsigned char *params, struct expect *e)
{
	release_app *a = NULL;

	memset(e, 0, sizeof *e);
	e->commit = (params[P_FLAGS2] & P_F2_COMMIT) != 0;
	e->from_known = release_app_get(s, RECORDS_APP, &a) == 0;
	if (e->from_known && release_app_active(a))
		strcpy(e->from, release_app_active(a));
	if (e->from_known && release_app_previous(a))
		strcpy(e->previous, release_app_previous(a));
	release_app_free(a);
	e->top_known = records_deploy_top(s, &e->top);
}

static void write_all(release_store *s, const unsigned char *params, const struct seen *seen)
{
	unsigned flags = params[P_FLAGS];
	int fails = (flags & P_F_DEPLOY_FAILS) != 0, rc;
	size_t events = 0, removed = 0;
	release_promote_opts po;
	release *r = NULL;
	struct expect e;

	release_promote_opts_init(&po);
	po.flags = flags & P_F_FORCE ? RELEASE_PROMOTE_FORCE : 0;
	po.on_event = on_event;
	po.event_payload = &events;
	po.owner = "fuzz";
	if (flags & P_F_DEPLOYER) {
		po.deploy = deploy;
		po.deploy_payload = &fails;
	}
	if (flags & P_F_WRITES) {
		const char *set[] = {"FUZZ=1", "OTHER=x=y"}, *unset[] = {"OTHER"};

		if (fz_rc(release_env_set(s, RECORDS_APP, set, 2, &r), "release_env_set") == 0 && r)
			records_check_release(r);
		release_free(r);
		r = NULL;
		if (fz_rc(release_env_unset(s, RECORDS_APP, unset, 1, &r), "release_env_unset") == 0 && r)
			records_check_release(r);
		release_free(r);
		r = NULL;
		if (seen->nbld > 0) {
			if (fz_rc(release_create(s, RECORDS_APP, seen->bld[0], &r), "release_create") == 0) {
				records_check_release(r);
				if (!release_actor(r) || strcmp(release_actor(r), ACTOR) != 0)
					fz_finding("release_create made %s with the actor '%s', not '"
						   ACTOR "'", release_id(r),
						   release_actor(r) ? release_actor(r) : "(null)");
			}
			release_free(r);
			r = NULL;
		}
	}
	if (seen->nrel > 0) {
		const char *id = seen->rel[params[P_PROMOTE] % seen->nrel];

		before_promotion(s, params, &e);
		rc = fz_rc(release_promote(s, RECORDS_APP, id, &po), "release_promote");
		e.kind = RELEASE_DEPLOY_PROMOTE;
		e.forced = (flags & P_F_FORCE) != 0;
		strcpy(e.to, id);
		records_check_entry(s, &e, rc);
	}
	before_promotion(s, params, &e);
	if ((flags & P_F_ROLLBACK_TARGET) && seen->nrel > 0) {
		strcpy(e.target, seen->rel[params[P_ROLLBACK] % seen->nrel]);
		rc = fz_rc(release_rollback(s, RECORDS_APP, e.target, &po, &r), "release_rollback");
	} else {
		rc = fz_rc(release_rollback(s, RECORDS_APP, NULL, &po, &r), "release_rollback");
	}
	e.kind = RELEASE_DEPLOY_ROLLBACK;
	e.forced = (flags & P_F_FORCE) != 0;
	if (r) {
		records_check_release(r);
		strcpy(e.to, release_id(r));
	}
	if (rc == 0 && !r)
		fz_finding("release_rollback succeeded without a release");
	records_check_entry(s, &e, rc);
	release_free(r);
	fz_rc(release_prune(s, RECORDS_APP, params[P_KEEP] % 8, &removed), "release_prune");
	if (flags & P_F_DELETE)
		fz_rc(release_app_delete(s, RECORDS_APP), "release_app_delete");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char params[P_COUNT];
	const release_storage *storage;
	struct fback *b = records_load(data, size, params, &storage);
	struct fz_clock clock = {RECORDS_T0 + (int64_t)params[P_CLOCK] * 15 * 1000000000,
				 1000000000};
	struct fz_random rnd = {0x5eedu};
	release_store_opts opts;
	release_store *s = NULL;
	release_watch *w;
	struct seen seen;

	if (!b)
		return 0;
	memset(&seen, 0, sizeof seen);
	fz_opts(&opts, &clock, &rnd);
	opts.actor = ACTOR;
	if (release_store_open_backend(&s, storage, b, &opts) != 0) {
		records_free(b);
		fz_finding("release_store_open_backend failed: %s", release_store_errmsg(NULL));
	}
	read_all(s, params, &seen);
	w = records_watch_open(s, params, &seen);
	write_all(s, params, &seen);
	/* What the writes left must read as well as what the input gave. */
	memset(&seen, 0, sizeof seen);
	read_all(s, params, &seen);
	records_watch_after(s, params, w, &seen);
	release_store_close(s);
	return 0;
}
