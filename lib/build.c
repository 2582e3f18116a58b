/* Builds: what a release is made from. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct release_build_iter {
	struct pager pager;
};

RELEASE_API const char *release_build_status_name(int status)
{
	switch (status) {
	case RELEASE_BUILD_CREATED: return "created";
	case RELEASE_BUILD_RUNNING: return "running";
	case RELEASE_BUILD_COMPLETE: return "complete";
	case RELEASE_BUILD_FAILED: return "failed";
	default: return NULL;
	}
}

RELEASE_API void release_build_opts_init_sized(release_build_opts *opts, size_t size)
{
	OPTS_INIT(opts, size);
}

static int final_status(int status)
{
	return status == RELEASE_BUILD_COMPLETE || status == RELEASE_BUILD_FAILED;
}

static int decode_raw_build(release_store *s, const char *app, const struct raw *raw,
			    int with_log, release_build **out)
{
	release_build *b = calloc(1, sizeof *b);
	int rc;

	*out = NULL;
	if (!b)
		return fail(s, RELEASE_ENOMEM, "out of memory");
	rc = decode_build(raw->data, raw->len, b, with_log);
	if (rc == 0 && strcmp(b->app, app) != 0) {
		build_clear(b);
		rc = RELEASE_ECORRUPT;
	}
	if (rc != 0) {
		free(b);
		return rc == RELEASE_ENOMEM ? fail(s, rc, "out of memory") :
		       fail(s, rc, "app '%s': build record at sequence %llu is corrupt", app,
			    (unsigned long long)raw->seq);
	}
	*out = b;
	return 0;
}

static int load_build(release_store *s, const char *app, const char *id, release_build **out,
		      struct raw *raw)
{
	int rc = read_record(s, app, RELEASE_KIND_BUILD, id, raw);

	*out = NULL;
	if (rc == 0 && !raw->found)
		rc = fail(s, RELEASE_ENOTFOUND, "app '%s': build %s not found", app, id);
	if (rc == 0)
		rc = decode_raw_build(s, app, raw, 1, out);
	if (rc == 0 && strcmp((*out)->id, id) != 0) {
		release_build_free(*out);
		*out = NULL;
		rc = fail(s, RELEASE_ECORRUPT, "app '%s': record of build %s holds another id", app,
			  id);
	}
	if (rc != 0)
		raw_free(raw);
	return rc;
}

RELEASE_API int release_build_create(release_store *store, const char *app,
				     const release_build_opts *opts, release_build **out)
{
	return build_create_at(store, app, opts, 0, 0, 0, out);
}

int build_create_at(release_store *store, const char *app, const release_build_opts *opts,
		    int times, int64_t started, int64_t ended, release_build **out)
{
	release_build_opts o;
	release_build *b;
	struct raw app_raw;
	int rc;

	if (out)
		*out = NULL;
	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	release_build_opts_init(&o);
	if ((rc = TAKE_OPTS(store, &o, opts, BUILD_OPTS_1_0, "release_build_opts")) != 0 ||
	    (rc = check_app(store, app)) != 0)
		return rc;
	if (!release_build_status_name(o.status))
		return fail(store, RELEASE_EINVAL, "invalid build status %d", o.status);
	if (o.description && strlen(o.description) > TEXT_MAX)
		return fail(store, RELEASE_EINVAL, "build description is too long");
	if (o.manifest && strlen(o.manifest) > MANIFEST_MAX)
		return fail(store, RELEASE_EINVAL, "build manifest is too long");
	if (!o.log && o.log_len)
		return fail(store, RELEASE_EINVAL, "build log is NULL");
	if (o.log_len > RELEASE_BUILD_LOG_MAX)
		return fail(store, RELEASE_EINVAL, "build log of %zu bytes is over the %u kept",
			    o.log_len, RELEASE_BUILD_LOG_MAX);
	if ((rc = app_for_write(store, app, &app_raw)) != 0)
		return rc;
	if (!(b = calloc(1, sizeof *b))) {
		raw_free(&app_raw);
		return fail(store, RELEASE_ENOMEM, "out of memory");
	}
	b->app = dup_str(app);
	b->description = dup_str(o.description ? o.description : "");
	b->manifest = dup_str(o.manifest ? o.manifest : "");
	b->actor = dup_str(store_actor(store));
	if (o.log_len) {
		b->log = dup_mem(o.log, o.log_len);
		b->log_len = o.log_len;
	}
	if (!b->app || !b->description || !b->manifest || !b->actor || (o.log_len && !b->log)) {
		release_build_free(b);
		raw_free(&app_raw);
		return fail(store, RELEASE_ENOMEM, "out of memory");
	}
	b->status = o.status;
	b->started = times ? started : store_now(store);
	if (final_status(o.status))
		b->ended = times ? ended : b->started;
	for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
		struct raw newest;
		struct buf enc = {0};
		uint64_t seq;

		/* The newest build may be a write not yet durable: this one
		 * then stands or falls with it (its seq follows it). */
		store_see_pending(store, 1);
		/* The app first, each time: a commit that failed on it means the
		 * app was deleted (or deleted and created again) meanwhile. */
		if (attempt > 0) {
			raw_free(&app_raw);
			if ((rc = app_for_write(store, app, &app_raw)) != 0)
				break;
		}
		if ((rc = read_newest(store, app, RELEASE_KIND_BUILD, &newest)) != 0)
			break;
		seq = newest.seq + 1;
		raw_free(&newest);
		if (seq == UINT64_MAX || seq == 0) {
			rc = fail(store, RELEASE_ECORRUPT, "app '%s': no build sequence is left", app);
			break;
		}
		if ((rc = make_id(store, 'B', b->id)) != 0)
			break;
		encode_build(&enc, b);
		if (enc.err) {
			rc = fail(store, enc.err, "encoding build");
			break;
		}
		rc = write_one(store, app, &app_raw, RELEASE_OP_PUT, RELEASE_KIND_BUILD, b->id, seq,
			       NULL, 0, enc.p, enc.len, "writing build");
		buf_free(&enc);
		if (rc != RELEASE_ECONFLICT)
			break;
	}
	store_see_pending(store, 0);
	raw_free(&app_raw);
	if (rc == RELEASE_ECONFLICT)
		rc = fail(store, rc, "app '%s': gave up after %d conflicting writes", app,
			  WRITE_ATTEMPTS);
	if (rc != 0 || !out)
		release_build_free(b);
	else
		*out = b;
	return rc;
}

/* Rewrites a build by compare-and-swap, retrying while others change it.
 * change returns 0 to write, or an error to stop. */
typedef int (*build_change_fn)(release_store *s, release_build *b, const void *arg);

static int update_build(release_store *s, const char *app, const char *id,
			build_change_fn change, const void *arg, release_build **out)
{
	int rc = 0;

	if (out)
		*out = NULL;
	for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
		struct raw raw, app_raw;
		release_build *b;
		struct buf enc = {0};

		if ((rc = app_for_write(s, app, &app_raw)) != 0)
			return rc;
		if ((rc = load_build(s, app, id, &b, &raw)) != 0) {
			raw_free(&app_raw);
			return rc;
		}
		if ((rc = change(s, b, arg)) == 0) {
			encode_build(&enc, b);
			if (enc.err) {
				rc = fail(s, enc.err, "encoding build");
			} else {
				rc = write_one(s, app, &app_raw, RELEASE_OP_CAS, RELEASE_KIND_BUILD, id,
					       0, raw.data, raw.len, enc.p, enc.len,
					       "updating build");
			}
			buf_free(&enc);
		}
		raw_free(&raw);
		raw_free(&app_raw);
		if (rc == 0 && out)
			*out = b;
		else
			release_build_free(b);
		if (rc != RELEASE_ECONFLICT)
			return rc;
	}
	return fail(s, RELEASE_ECONFLICT, "app '%s': build %s kept changing", app, id);
}

static int change_status(release_store *s, release_build *b, const void *arg)
{
	int status = *(const int *)arg;

	if (final_status(b->status) && b->status != status)
		return fail(s, RELEASE_EINVAL, "build %s is %s already", b->id,
			    release_build_status_name(b->status));
	if (b->status == status)
		return 0;
	b->status = status;
	if (final_status(status))
		b->ended = store_now(s);
	return 0;
}

RELEASE_API int release_build_set_status(release_store *store, const char *app,
					 const char *build_id, int status, release_build **out)
{
	int rc;

	if (out)
		*out = NULL;
	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	if ((rc = check_app(store, app)) != 0 || (rc = check_id(store, build_id, 'B', "build")) != 0)
		return rc;
	if (!release_build_status_name(status))
		return fail(store, RELEASE_EINVAL, "invalid build status %d", status);
	if ((rc = require_app(store, app)) != 0)
		return rc;
	return update_build(store, app, build_id, change_status, &status, out);
}

static int change_release(release_store *s, release_build *b, const void *arg)
{
	char *id = dup_str(arg);

	if (!id)
		return fail(s, RELEASE_ENOMEM, "out of memory");
	free(b->release);
	b->release = id;
	return 0;
}

static int log_is_final(release_store *s, const release_build *b)
{
	return fail(s, RELEASE_EINVAL, "build %s is %s: its log is final", b->id,
		    release_build_status_name(b->status));
}

struct log_piece {
	const void *data;
	size_t len;
};

static int append_log(release_store *s, release_build *b, const void *arg)
{
	const struct log_piece *piece = arg;
	char *log;

	if (final_status(b->status))
		return log_is_final(s, b);
	if (piece->len > RELEASE_BUILD_LOG_MAX - b->log_len)
		return fail(s, RELEASE_EINVAL,
			    "build %s: a log of %zu bytes would pass the %u kept", b->id,
			    b->log_len + (piece->len < SIZE_MAX - b->log_len ? piece->len : 0),
			    RELEASE_BUILD_LOG_MAX);
	if (!(log = realloc(b->log, b->log_len + piece->len + 1)))
		return fail(s, RELEASE_ENOMEM, "out of memory");
	memcpy(log + b->log_len, piece->data, piece->len);
	b->log = log;
	b->log_len += piece->len;
	log[b->log_len] = '\0';
	return 0;
}

RELEASE_API int release_build_log_append(release_store *store, const char *app,
					 const char *build_id, const void *data, size_t len,
					 release_build **out)
{
	struct log_piece piece = {data, len};
	int rc;

	if (out)
		*out = NULL;
	if (!store)
		return RELEASE_EINVAL;
	clear_error(store);
	if ((rc = check_app(store, app)) != 0 || (rc = check_id(store, build_id, 'B', "build")) != 0)
		return rc;
	if (!data && len)
		return fail(store, RELEASE_EINVAL, "log data is NULL");
	if (len > RELEASE_BUILD_LOG_MAX)
		return fail(store, RELEASE_EINVAL, "a log of %zu bytes is over the %u kept", len,
			    RELEASE_BUILD_LOG_MAX);
	if ((rc = require_app(store, app)) != 0)
		return rc;
	if (len == 0) { /* nothing to write: only the build's state to tell */
		release_build *b;

		if ((rc = build_read(store, app, build_id, &b)) != 0)
			return rc;
		if (final_status(b->status))
			rc = log_is_final(store, b);
		if (rc == 0 && out)
			*out = b;
		else
			release_build_free(b);
		return rc;
	}
	return update_build(store, app, build_id, append_log, &piece, out);
}

int build_set_release(release_store *s, const char *app, const char *build_id,
		      const char *release_id)
{
	return update_build(s, app, build_id, change_release, release_id, NULL);
}

int build_link_op(release_store *s, const char *app, const char *build_id,
		  const char *release_id, struct txn *t, struct raw *raw)
{
	release_build *b;
	struct buf enc = {0};
	int rc = load_build(s, app, build_id, &b, raw);

	if (rc != 0)
		return rc;
	if ((rc = change_release(s, b, release_id)) == 0) {
		encode_build(&enc, b);
		txn_add_buf(t, RELEASE_OP_CAS, RELEASE_KIND_BUILD, build_id, 0, raw->data, raw->len,
			    &enc);
	}
	release_build_free(b);
	return rc;
}

int build_read_raw(release_store *s, const char *app, const char *build_id, release_build **out,
		   struct raw *raw)
{
	return load_build(s, app, build_id, out, raw);
}

int build_read(release_store *s, const char *app, const char *build_id, release_build **out)
{
	struct raw raw;
	int rc = load_build(s, app, build_id, out, &raw);

	if (rc == 0)
		raw_free(&raw);
	return rc;
}

RELEASE_API int release_build_get(release_store *store, const char *app, const char *build_id,
				  release_build **out)
{
	int rc;

	if (out)
		*out = NULL;
	if ((rc = enter(store, !out)) != 0)
		return rc;
	if ((rc = check_app(store, app)) != 0 || (rc = check_id(store, build_id, 'B', "build")) != 0)
		return rc;
	if ((rc = require_app(store, app)) != 0)
		return rc;
	return build_read(store, app, build_id, out);
}

/* ---- listing */

static int decode_item(release_store *s, const char *app, const struct raw *raw, void **out,
		       void *arg)
{
	release_build *b;
	/* A listing leaves logs out: a page of builds is read at once, and
	 * logs of megabytes each would be held together for nothing. */
	int rc = decode_raw_build(s, app, raw, 0, &b);

	(void)arg;
	if (rc == 0)
		*out = b;
	return rc;
}

static void free_item(void *item)
{
	release_build_free(item);
}

RELEASE_API int release_build_list(release_store *store, const char *app, size_t limit,
				   release_build_iter **out)
{
	release_build_iter *it;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = enter(store, !out)) != 0)
		return rc;
	if ((rc = check_app(store, app)) != 0 || (rc = require_app(store, app)) != 0)
		return rc;
	if (!(it = calloc(1, sizeof *it)))
		return fail(store, RELEASE_ENOMEM, "out of memory");
	pager_init(&it->pager, store, app, RELEASE_KIND_BUILD, limit, 0);
	it->pager.decode = decode_item;
	it->pager.free_item = free_item;
	*out = it;
	return 0;
}

RELEASE_API int release_build_iter_next(release_build_iter *it, const release_build **out)
{
	void *item;
	int rc;

	if (!it || !out)
		return RELEASE_EINVAL;
	rc = pager_next(&it->pager, &item);
	*out = item;
	return rc;
}

RELEASE_API void release_build_iter_free(release_build_iter *it)
{
	if (!it)
		return;
	pager_free(&it->pager);
	free(it);
}

RELEASE_API const char *release_build_id(const release_build *b)
{
	return b ? b->id : NULL;
}

RELEASE_API const char *release_build_app(const release_build *b)
{
	return b ? b->app : NULL;
}

RELEASE_API const char *release_build_description(const release_build *b)
{
	return b ? b->description : NULL;
}

RELEASE_API const char *release_build_manifest(const release_build *b)
{
	return b ? b->manifest : NULL;
}

RELEASE_API int release_build_status(const release_build *b)
{
	return b ? b->status : -1;
}

RELEASE_API int64_t release_build_started(const release_build *b)
{
	return b ? b->started : 0;
}

RELEASE_API int64_t release_build_ended(const release_build *b)
{
	return b ? b->ended : 0;
}

RELEASE_API const char *release_build_release(const release_build *b)
{
	return b ? b->release : NULL;
}

RELEASE_API const char *release_build_log(const release_build *b, size_t *len)
{
	if (len)
		*len = b ? b->log_len : 0;
	if (!b || b->no_log)
		return NULL;
	return b->log ? b->log : "";
}

RELEASE_API void release_build_free(release_build *b)
{
	if (!b)
		return;
	build_clear(b);
	free(b);
}
