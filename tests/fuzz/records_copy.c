/*
 * fuzz-records: release_store_copy() from the fuzz backend into a fresh
 * "memory:" store. A copy that fails must leave no app in it (the app
 * record comes last); one that succeeds must read back as the source
 * reads, wherever the source read cleanly: the app, its settings, every
 * release, build and deployment log entry with all they tell; and a
 * second copy must find nothing to write. When the input asks, a copy is
 * also made into a memory store whose n-th write fails (before or after
 * it takes effect), then resumed: it must end as the fresh copy did.
 */
#include "records.h"

#include <stdlib.h>
#include <string.h>

static int str_same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* ------------------------------------------------------------ objects */

static const char *release_diff_of(const release *a, const release *b)
{
	size_t n = release_env_count(a);

	if (!str_same(release_id(a), release_id(b)) || release_version(a) != release_version(b))
		return "id or version";
	if (!str_same(release_app_of(a), release_app_of(b)))
		return "app";
	if (!str_same(release_build_of(a), release_build_of(b)))
		return "build";
	if (!str_same(release_manifest(a), release_manifest(b)))
		return "manifest";
	if (!str_same(release_description(a), release_description(b)))
		return "description";
	if (!str_same(release_source(a), release_source(b)))
		return "source";
	if (!str_same(release_actor(a), release_actor(b)))
		return "actor";
	if (release_created(a) != release_created(b) || release_promoted(a) != release_promoted(b) ||
	    release_failed(a) != release_failed(b))
		return "times";
	if (release_is_active(a) != release_is_active(b))
		return "whether it is active";
	if (release_env_count(b) != n)
		return "env";
	for (size_t i = 0; i < n; i++)
		if (!str_same(release_env_key(a, i), release_env_key(b, i)) ||
		    !str_same(release_env_value(a, i), release_env_value(b, i)))
			return "env";
	return NULL;
}

static const char *build_diff_of(const release_build *a, const release_build *b)
{
	size_t la = 0, lb = 0;
	const char *ga = release_build_log(a, &la), *gb = release_build_log(b, &lb);

	if (!str_same(release_build_id(a), release_build_id(b)))
		return "id";
	if (!str_same(release_build_app(a), release_build_app(b)))
		return "app";
	if (!str_same(release_build_description(a), release_build_description(b)) ||
	    !str_same(release_build_manifest(a), release_build_manifest(b)))
		return "description or manifest";
	if (release_build_status(a) != release_build_status(b))
		return "status";
	if (release_build_started(a) != release_build_started(b) ||
	    release_build_ended(a) != release_build_ended(b))
		return "times";
	if (!str_same(release_build_release(a), release_build_release(b)))
		return "release";
	if (!str_same(release_build_actor(a), release_build_actor(b)))
		return "actor";
	if (la != lb || (!ga) != (!gb) || (la && memcmp(ga, gb, la) != 0))
		return "log";
	return NULL;
}

/* ------------------------------------------------------------ listings */

/* Both listings step by step, until the source's first failed step. */
static void same_releases(release_store *src, release_store *dst)
{
	release_iter *a = NULL, *b = NULL;
	int rc = fz_rc(release_list(src, RECORDS_APP, NULL, &a), "release_list"),
	    rd = fz_rc(release_list(dst, RECORDS_APP, NULL, &b), "release_list");

	if (rc == 0 && rd != 0)
		fz_finding("the copy's releases cannot be listed: %s", release_strerror(rd));
	if (rc == RELEASE_ENOTFOUND && rd != RELEASE_ENOTFOUND)
		fz_finding("no app to list in the source; in the copy: %s", release_strerror(rd));
	while (rc == 0) {
		const release *x, *y;
		const char *what;

		rc = fz_iter_rc(release_iter_next(a, &x), "release_iter_next");
		rd = fz_iter_rc(release_iter_next(b, &y), "release_iter_next");
		if (rc != 0 && rc != RELEASE_ITEROVER)
			break;
		if (rc != rd)
			fz_finding("the copy's release listing %s where the source's %s",
				   rd == RELEASE_ITEROVER ? "ends" : release_strerror(rd),
				   rc == RELEASE_ITEROVER ? "ends" : "goes on");
		if (rc == 0 && (what = release_diff_of(x, y)))
			fz_finding("release %s reads another %s in the copy", release_id(x), what);
	}
	release_iter_free(a);
	release_iter_free(b);
}

static void same_builds(release_store *src, release_store *dst)
{
	release_build_iter *a = NULL, *b = NULL;
	int rc = fz_rc(release_build_list(src, RECORDS_APP, 0, &a), "release_build_list"),
	    rd = fz_rc(release_build_list(dst, RECORDS_APP, 0, &b), "release_build_list");

	if (rc == 0 && rd != 0)
		fz_finding("the copy's builds cannot be listed: %s", release_strerror(rd));
	while (rc == 0) {
		const release_build *x, *y;
		const char *what;

		rc = fz_iter_rc(release_build_iter_next(a, &x), "release_build_iter_next");
		rd = fz_iter_rc(release_build_iter_next(b, &y), "release_build_iter_next");
		if (rc != 0 && rc != RELEASE_ITEROVER)
			break;
		if (rc != rd)
			fz_finding("the copy's build listing %s where the source's %s",
				   rd == RELEASE_ITEROVER ? "ends" : release_strerror(rd),
				   rc == RELEASE_ITEROVER ? "ends" : "goes on");
		if (rc == 0 && (what = build_diff_of(x, y)))
			fz_finding("build %s reads another %s in the copy", release_build_id(x), what);
	}
	release_build_iter_free(a);
	release_build_iter_free(b);
}

/* older: the source keeps no log, so the copy has none. */
static void same_log(release_store *src, release_store *dst, int older)
{
	release_deploy_iter *a = NULL, *b = NULL;
	int rc = older ? RELEASE_EUNSUPPORTED
		       : fz_rc(release_deploy_list(src, RECORDS_APP, NULL, &a), "release_deploy_list"),
	    rd = fz_rc(release_deploy_list(dst, RECORDS_APP, NULL, &b), "release_deploy_list");

	if (older && rd == 0) {
		const release_deploy *y;

		if ((rd = release_deploy_iter_next(b, &y)) != RELEASE_ITEROVER)
			fz_finding("a copy from a backend without a deployment log has one (%s)",
				   rd == 0 ? "an entry" : release_strerror(rd));
	}
	if (rc == 0 && rd != 0)
		fz_finding("the copy's deployment log cannot be listed: %s", release_strerror(rd));
	while (rc == 0) {
		const release_deploy *x, *y;
		struct dent ex, ey;
		const char *what;

		rc = fz_iter_rc(release_deploy_iter_next(a, &x), "release_deploy_iter_next");
		rd = fz_iter_rc(release_deploy_iter_next(b, &y), "release_deploy_iter_next");
		if (rc != 0 && rc != RELEASE_ITEROVER)
			break;
		if (rc != rd)
			fz_finding("the copy's deployment log %s where the source's %s",
				   rd == RELEASE_ITEROVER ? "ends" : release_strerror(rd),
				   rc == RELEASE_ITEROVER ? "ends" : "goes on");
		if (rc != 0)
			break;
		records_dent_take(&ex, x);
		records_dent_take(&ey, y);
		if ((what = records_dent_diff(&ex, &ey)))
			fz_finding("deployment log entry %llu reads another %s in the copy",
				   (unsigned long long)ex.seq, what);
	}
	release_deploy_iter_free(a);
	release_deploy_iter_free(b);
}

static void same_app(release_store *src, release_store *dst)
{
	release_app *a = NULL, *b = NULL;
	release_settings *x = NULL, *y = NULL;
	int rc = release_app_get(src, RECORDS_APP, &a), rd = release_app_get(dst, RECORDS_APP, &b);

	if ((rc == 0 || rc == RELEASE_ENOTFOUND) && rd != rc)
		fz_finding("release_app_get: %s in the source, %s in the copy", release_strerror(rc),
			   release_strerror(rd));
	if (rc == 0 && (release_app_created(a) != release_app_created(b) ||
			!str_same(release_app_actor(a), release_app_actor(b)) ||
			!str_same(release_app_active(a), release_app_active(b)) ||
			!str_same(release_app_previous(a), release_app_previous(b))))
		fz_finding("the app reads another creation time, actor, active or previous release "
			   "in the copy");
	release_app_free(a);
	release_app_free(b);
	rc = release_settings_get(src, RECORDS_APP, &x);
	rd = release_settings_get(dst, RECORDS_APP, &y);
	if ((rc == 0 || rc == RELEASE_ENOTFOUND) && rd != rc)
		fz_finding("release_settings_get: %s in the source, %s in the copy",
			   release_strerror(rc), release_strerror(rd));
	if (rc == 0) {
		size_t n = release_settings_mask_count(x);

		if (release_settings_actor(x) && !records_actor_ok(release_settings_actor(x)))
			fz_finding("the settings have the actor '%s'", release_settings_actor(x));
		if (release_settings_revision(x) != release_settings_revision(y) ||
		    release_settings_mask_count(y) != n ||
		    !str_same(release_settings_hook(x), release_settings_hook(y)) ||
		    !str_same(release_settings_actor(x), release_settings_actor(y)))
			fz_finding("the settings read another revision, mask list, hook or actor in "
				   "the copy");
		for (size_t i = 0; i < n; i++)
			if (!str_same(release_settings_mask_key(x, i), release_settings_mask_key(y, i)))
				fz_finding("the settings' mask key %zu reads another in the copy", i);
	}
	release_settings_free(x);
	release_settings_free(y);
}

/* ------------------------------------------------------------ a faulty store */

/* A "memory:" backend whose n-th write (put, cas, del, commit) fails
 * with RELEASE_EIO, before it takes effect or after. */
struct faulty {
	const release_storage *in;
	void *ctx;
	int countdown; /* writes until the failing one; 0: none */
	int after;
};

static int fault(struct faulty *f, int *after)
{
	if (f->countdown == 0 || --f->countdown != 0)
		return 0;
	*after = f->after;
	return 1;
}

static void ft_close(void *ctx)
{
	struct faulty *f = ctx;

	f->in->close(f->ctx);
	free(f);
}

static int ft_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		  const void *data, size_t len)
{
	struct faulty *f = ctx;
	int after = 0, rc;

	if (fault(f, &after) && !after)
		return RELEASE_EIO;
	rc = f->in->put(f->ctx, app, kind, key, seq, data, len);
	return after && rc == 0 ? RELEASE_EIO : rc;
}

static int ft_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		  void *payload)
{
	struct faulty *f = ctx;

	return f->in->get(f->ctx, app, kind, key, fn, payload);
}

static int ft_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		   release_record_fn fn, void *payload)
{
	struct faulty *f = ctx;

	return f->in->scan(f->ctx, app, kind, before, limit, fn, payload);
}

static int ft_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		  size_t old_len, const void *data, size_t len)
{
	struct faulty *f = ctx;
	int after = 0, rc;

	if (fault(f, &after) && !after)
		return RELEASE_EIO;
	rc = f->in->cas(f->ctx, app, kind, key, old, old_len, data, len);
	return after && rc == 0 ? RELEASE_EIO : rc;
}

static int ft_del(void *ctx, const char *app, int kind, const char *key)
{
	struct faulty *f = ctx;
	int after = 0, rc;

	if (fault(f, &after) && !after)
		return RELEASE_EIO;
	rc = f->in->del(f->ctx, app, kind, key);
	return after && rc == 0 ? RELEASE_EIO : rc;
}

static int ft_list_apps(void *ctx, release_name_fn fn, void *payload)
{
	struct faulty *f = ctx;

	return f->in->list_apps(f->ctx, fn, payload);
}

static int ft_get_seq(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
		      void *payload)
{
	struct faulty *f = ctx;

	return f->in->get_seq(f->ctx, app, kind, seq, fn, payload);
}

static int ft_commit(void *ctx, const char *app, const release_storage_op *ops, size_t n,
		     size_t *failed)
{
	struct faulty *f = ctx;
	int after = 0, rc;

	if (fault(f, &after) && !after)
		return RELEASE_EIO;
	rc = f->in->commit(f->ctx, app, ops, n, failed);
	return after && rc == 0 ? RELEASE_EIO : rc;
}

/* A store over it (the method table is made once, from memory's). */
static release_store *open_faulty(struct faulty **out)
{
	static release_storage vt;
	struct fz_clock clock = {RECORDS_T0, 1000000000};
	struct fz_random rnd = {0xfa17u};
	release_store_opts o;
	release_store *s = NULL;
	struct faulty *f = calloc(1, sizeof *f);

	if (!f || release_storage_open(&f->in, &f->ctx, "memory:") != 0)
		fz_finding("opening a memory backend: %s", release_store_errmsg(NULL));
	if (!vt.close) {
		vt = *f->in; /* its version; the methods that write are wrapped */
		vt.close = ft_close;
		vt.put = ft_put;
		vt.get = ft_get;
		vt.scan = ft_scan;
		vt.cas = ft_cas;
		vt.del = ft_del;
		vt.list_apps = ft_list_apps;
		vt.get_seq = f->in->get_seq ? ft_get_seq : NULL;
		vt.commit = f->in->commit ? ft_commit : NULL;
		vt.errmsg = NULL;
		vt.hold = NULL; /* holds go together or not at all: none */
		vt.unhold = NULL;
		vt.held = NULL;
		vt.wait = NULL;
	}
	fz_opts(&o, &clock, &rnd);
	if (release_store_open_backend(&s, &vt, f, &o) != 0)
		fz_finding("opening the faulty store: %s", release_store_errmsg(NULL));
	*out = f;
	return s;
}

/* ------------------------------------------------------------ the copy */

/* What a progress callback that stops a copy returns, and the copy then. */
#define STOP 42

struct progress {
	size_t calls;
	uint64_t records;
	int stop;
};

static int on_progress(void *payload, const char *app, uint64_t records)
{
	struct progress *p = payload;

	if (!app || strcmp(app, RECORDS_APP) != 0)
		fz_finding("a copy's progress names the app '%s'", app ? app : "(null)");
	p->calls++;
	p->records += records;
	return p->stop ? STOP : 0;
}

static int copy(release_store *s, release_store *d, const unsigned char *params, uint64_t *copied)
{
	release_copy_opts co;
	struct progress pg = {0, 0, (params[P_FLAGS2] & P_F2_COPY_STOP) != 0};
	int rc;

	release_copy_opts_init(&co);
	if (params[P_FLAGS2] & P_F2_COPY_APP)
		co.app = RECORDS_APP;
	co.progress = on_progress;
	co.progress_payload = &pg;
	*copied = UINT64_MAX;
	rc = release_store_copy(s, d, &co, copied);
	/* a copy stopped by its callback, and with nothing else to copy */
	if (pg.stop && pg.calls && rc != STOP)
		fz_finding("a copy its progress stopped returned %d, not the callback's %d", rc,
			   STOP);
	if (rc == STOP && pg.stop && pg.calls)
		rc = 0;
	fz_rc(rc, "release_store_copy");
	if (*copied == UINT64_MAX)
		fz_finding("release_store_copy left *copied unset");
	if (pg.calls > 1)
		fz_finding("a copy's progress told of the app %zu times", pg.calls);
	if (rc == 0 && pg.calls && pg.records != *copied)
		fz_finding("a copy's progress told of %llu records; it wrote %llu",
			   (unsigned long long)pg.records, (unsigned long long)*copied);
	return rc;
}

/* d, which a copy from s ended in: it reads as s, and a copy made again
 * writes nothing. */
static void check_copy(release_store *s, release_store *d, const unsigned char *params)
{
	uint64_t again;
	int rc;

	same_app(s, d);
	same_releases(s, d);
	same_builds(s, d);
	same_log(s, d, (params[P_FLAGS2] & P_F2_OLDER) != 0);
	rc = copy(s, d, params, &again);
	if (rc != 0 || again != 0)
		fz_finding("a copy made again to a store that has it wrote %llu records (%s)",
			   (unsigned long long)again, release_strerror(rc));
}

void records_copy(release_store *s, const unsigned char *params)
{
	struct fz_clock clock = {RECORDS_T0, 1000000000};
	struct fz_random rnd = {0xc0b1u};
	release_store_opts o;
	release_store *d = NULL;
	release_app *a = NULL;
	struct faulty *f;
	uint64_t copied;
	int rc;

	if (release_store_copy(s, s, NULL, NULL) != RELEASE_EINVAL)
		fz_finding("a copy of a store to itself is not RELEASE_EINVAL");
	fz_opts(&o, &clock, &rnd);
	if (release_store_open(&d, "memory:", &o) != 0)
		fz_finding("opening a memory store: %s", release_store_errmsg(NULL));
	if ((rc = copy(s, d, params, &copied)) != 0) {
		if ((rc = release_app_get(d, RECORDS_APP, &a)) != RELEASE_ENOTFOUND)
			fz_finding("a copy that failed left the app in the destination (%s)",
				   release_strerror(rc));
		release_app_free(a);
		release_store_close(d);
		return;
	}
	check_copy(s, d, params);
	release_store_close(d);
	if ((params[P_COPY_FAULT] & 63) == 0)
		return;
	/* the same copy interrupted by a failed write, then made again */
	d = open_faulty(&f);
	f->countdown = params[P_COPY_FAULT] & 63;
	f->after = (params[P_COPY_FAULT] & 64) != 0;
	if (copy(s, d, params, &copied) != 0 && release_app_get(d, RECORDS_APP, &a) == 0) {
		/* the write of the app record took effect after all: the
		 * rest must be there */
		same_releases(s, d);
		same_builds(s, d);
		same_log(s, d, (params[P_FLAGS2] & P_F2_OLDER) != 0);
	}
	release_app_free(a);
	f->countdown = 0;
	if ((rc = copy(s, d, params, &copied)) != 0)
		fz_finding("a copy resumed after a failed write failed (%s: %s); a fresh one did not",
			   release_strerror(rc), release_store_errmsg(d));
	check_copy(s, d, params);
	release_store_close(d);
}
