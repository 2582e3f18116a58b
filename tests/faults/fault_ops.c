/* The operations the sweep runs, and what each may leave: see
 * fault_sweep.h. */
#include "fault_sweep.h"

/* On failure an out-parameter must be NULL. */
#define OUT_MATCHES(rc, out)                                                           \
	CHECK(((rc) == 0) == ((out) != NULL), "out is set exactly on success")

static int op_app_create(struct run *r)
{
	release_app *a = (release_app *)&a; /* not NULL: the call must set it */
	int rc = release_app_create(r->s, "worker", &a);

	OUT_MATCHES(rc, a);
	if (rc == 0)
		CHECK(strcmp(release_app_name(a), "worker") == 0, "the new app is returned");
	release_app_free(a);
	return rc;
}

static int op_app_delete(struct run *r)
{
	return release_app_delete(r->s, "web");
}

static int op_app_get(struct run *r)
{
	release_app *a = (release_app *)&a;
	int rc = release_app_get(r->s, "web", &a);

	OUT_MATCHES(rc, a);
	if (rc == 0)
		CHECK(strcmp(release_app_active(a), r->h.r[4]) == 0, "the active release is read");
	release_app_free(a);
	return rc;
}

static int op_app_list(struct run *r)
{
	release_app_iter *it = (release_app_iter *)&it;
	const release_app *a;
	int rc = release_app_list(r->s, &it);
	size_t n = 0;

	OUT_MATCHES(rc, it);
	if (rc != 0)
		return rc;
	while ((rc = release_app_iter_next(it, &a)) == 0)
		n++;
	release_app_iter_free(it);
	if (rc != RELEASE_ITEROVER)
		return rc;
	CHECK(n == 3, "every app is listed");
	return 0;
}

static int op_build_create(struct run *r)
{
	release_build_opts o;
	release_build *b = (release_build *)&b;
	int rc;

	release_build_opts_init(&o);
	o.description = "sixth";
	o.status = RELEASE_BUILD_COMPLETE;
	rc = release_build_create(r->s, "web", &o, &b);
	OUT_MATCHES(rc, b);
	release_build_free(b);
	return rc;
}

static int op_build_set_status(struct run *r)
{
	release_build *b = (release_build *)&b;
	int rc = release_build_set_status(r->s, "web", r->h.b[4], RELEASE_BUILD_COMPLETE, &b);

	OUT_MATCHES(rc, b);
	if (rc == 0)
		CHECK(release_build_status(b) == RELEASE_BUILD_COMPLETE, "the new status is returned");
	release_build_free(b);
	return rc;
}

static int op_build_get(struct run *r)
{
	release_build *b = (release_build *)&b;
	int rc = release_build_get(r->s, "web", r->h.b[1], &b);

	OUT_MATCHES(rc, b);
	if (rc == 0)
		CHECK(strcmp(release_build_id(b), r->h.b[1]) == 0, "the build asked for is read");
	release_build_free(b);
	return rc;
}

static int list_builds(struct run *r, const char *app, size_t want)
{
	release_build_iter *it = (release_build_iter *)&it;
	const release_build *b;
	int rc = release_build_list(r->s, app, 0, &it);
	size_t n = 0;

	OUT_MATCHES(rc, it);
	if (rc != 0)
		return rc;
	while ((rc = release_build_iter_next(it, &b)) == 0)
		n++;
	CHECK(rc != 0 && b == NULL, "a failed or finished step yields nothing");
	release_build_iter_free(it);
	if (rc != RELEASE_ITEROVER)
		return rc;
	CHECK(n == want, "every build is listed");
	return 0;
}

static int op_build_list(struct run *r)
{
	return list_builds(r, "web", 5);
}

static int op_build_list_long(struct run *r)
{
	return list_builds(r, "long", LONG_N);
}

static int op_release_create(struct run *r)
{
	release *x = (release *)&x;
	int rc = release_create(r->s, "web", r->h.b[5], &x);

	OUT_MATCHES(rc, x);
	if (rc == 0)
		CHECK(release_version(x) == 6, "the release is the newest");
	release_free(x);
	return rc;
}

static int op_env_set(struct run *r)
{
	static const char *const pairs[] = {"BAZ=3", "FOO=3"};
	release *x = (release *)&x;
	int rc = release_env_set(r->s, "web", pairs, 2, &x);

	OUT_MATCHES(rc, x);
	release_free(x);
	return rc;
}

static int op_env_unset(struct run *r)
{
	const char *key = "FOO";
	release *x = (release *)&x;
	int rc = release_env_unset(r->s, "web", &key, 1, &x);

	OUT_MATCHES(rc, x);
	release_free(x);
	return rc;
}

static int op_release_get(struct run *r)
{
	release *x = (release *)&x;
	int rc = release_get(r->s, "web", r->h.r[4], &x);

	OUT_MATCHES(rc, x);
	if (rc == 0)
		CHECK(release_is_active(x), "the active release reads as active");
	release_free(x);
	return rc;
}

static int op_release_get_version(struct run *r)
{
	release *x = (release *)&x;
	int rc = release_get_version(r->s, "web", 2, &x);

	OUT_MATCHES(rc, x);
	if (rc == 0)
		CHECK(strcmp(release_id(x), r->h.r[2]) == 0, "the version asked for is read");
	release_free(x);
	return rc;
}

static int list_releases(struct run *r, const char *app, size_t limit, uint64_t before,
			 size_t want)
{
	release_list_opts o;
	release_iter *it = (release_iter *)&it;
	const release *x;
	int rc;
	size_t n = 0;

	release_list_opts_init(&o);
	o.limit = limit;
	o.before = before;
	rc = release_list(r->s, app, &o, &it);
	OUT_MATCHES(rc, it);
	if (rc != 0)
		return rc;
	while ((rc = release_iter_next(it, &x)) == 0)
		n++;
	CHECK(rc != 0 && x == NULL, "a failed or finished step yields nothing");
	release_iter_free(it);
	if (rc != RELEASE_ITEROVER)
		return rc;
	CHECK(n == want, "every release asked for is listed");
	return 0;
}

static int op_release_list(struct run *r)
{
	return list_releases(r, "web", 0, 0, 5);
}

static int op_release_list_page(struct run *r)
{
	return list_releases(r, "web", 2, 4, 2);
}

static int op_release_list_long(struct run *r)
{
	return list_releases(r, "long", 0, 0, LONG_N);
}

static int deployer(void *payload, const release *x, release_events *ev)
{
	struct deploy *d = payload;

	(void)x;
	d->calls++;
	release_events_emit(ev, "deployer", "rolling out");
	if (!d->fail)
		return 0;
	if (d->fb && d->fb->armed && !d->fb->fired)
		d->fb->passed |= PASSED_DEPLOY_FAILURE;
	return 1;
}

static void count_event(void *payload, int64_t time, const char *source, const char *message)
{
	struct deploy *d = payload;

	(void)time;
	(void)source;
	(void)message;
	d->events++;
}

void deploy_opts(release_promote_opts *o, struct deploy *d)
{
	release_promote_opts_init(o);
	o->deploy = deployer;
	o->deploy_payload = d;
	o->on_event = count_event;
	o->event_payload = d;
	o->owner = "faults";
}

static int op_promote(struct run *r)
{
	return release_promote(r->s, "web", r->h.r[5], NULL);
}

static int op_promote_deploy(struct run *r)
{
	struct deploy d = {0, 0, 0, r->fb};
	release_promote_opts o;

	deploy_opts(&o, &d);
	return release_promote(r->s, "web", r->h.r[5], &o);
}

static int op_promote_deploy_fails(struct run *r)
{
	struct deploy d = {1, 0, 0, r->fb};
	release_promote_opts o;

	deploy_opts(&o, &d);
	return release_promote(r->s, "web", r->h.r[5], &o);
}

static int op_promote_force_older(struct run *r)
{
	release_promote_opts o;

	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_FORCE;
	return release_promote(r->s, "web", r->h.r[2], &o);
}

static int rollback(struct run *r, const char *target, const release_promote_opts *o)
{
	release *x = (release *)&x;
	int rc = release_rollback(r->s, "web", target, o, &x);

	OUT_MATCHES(rc, x);
	if (rc == 0) {
		CHECK(release_version(x) == 6, "the rollback copy is the newest release");
		CHECK(release_is_active(x), "the rollback copy is active");
		/* "the rollback copy reads as promoted": checked by the caller,
		 * which knows the known bug's symptoms */
		r->out_unpromoted = release_promoted(x) == 0;
	}
	release_free(x);
	return rc;
}

static int op_rollback_target(struct run *r)
{
	return rollback(r, r->h.r[1], NULL);
}

static int op_rollback_previous(struct run *r)
{
	return rollback(r, NULL, NULL);
}

static int op_rollback_deploy(struct run *r)
{
	struct deploy d = {0, 0, 0, r->fb};
	release_promote_opts o;

	deploy_opts(&o, &d);
	return rollback(r, r->h.r[1], &o);
}

static int op_rollback_deploy_fails(struct run *r)
{
	struct deploy d = {1, 0, 0, r->fb};
	release_promote_opts o;

	deploy_opts(&o, &d);
	return rollback(r, r->h.r[1], &o);
}

int op_prune(struct run *r)
{
	size_t removed = 99;
	int rc = release_prune(r->s, "web", 0, &removed);

	if (rc == 0)
		CHECK(removed == 2, "prune removes the two oldest releases");
	return rc;
}

#define PROMOTES PASSED_SWAP, (ACCEPT_POINTER_STAMP | KNOWN_OUTGOING_READ)
#define ROLLS_BACK                                                                     \
	PASSED_SWAP, (ACCEPT_ORPHAN_COPY | ACCEPT_POINTER_STAMP | KNOWN_OUTGOING_READ)

struct op ops[] = {
	{"release_app_create_survives_faults", history, op_app_create, 0, 0, 0},
	{"release_app_delete_survives_faults", history, op_app_delete, 0, PASSED_TOMBSTONE, 0},
	{"release_app_get_survives_faults", history, op_app_get, 0, 0, 0},
	{"release_app_list_survives_faults", history, op_app_list, 0, 0, 0},
	{"release_build_create_survives_faults", history, op_build_create, 0, 0, 0},
	{"release_build_set_status_survives_faults", history, op_build_set_status, 0, 0, 0},
	{"release_build_get_survives_faults", history, op_build_get, 0, 0, 0},
	{"release_build_list_survives_faults", history, op_build_list, 0, 0, 0},
	{"release_build_list_of_many_pages_survives_faults", long_history, op_build_list_long, 0,
	 0, 0},
	{"release_create_survives_faults", history, op_release_create, 0, PASSED_RELEASE_PUT,
	 ACCEPT_UNLINKED},
	{"release_env_set_survives_faults", history, op_env_set, 0, 0, 0},
	{"release_env_unset_survives_faults", history, op_env_unset, 0, 0, 0},
	{"release_get_survives_faults", history, op_release_get, 0, 0, 0},
	{"release_get_version_survives_faults", history, op_release_get_version, 0, 0, 0},
	{"release_list_survives_faults", history, op_release_list, 0, 0, 0},
	{"release_list_page_survives_faults", history, op_release_list_page, 0, 0, 0},
	{"release_list_of_many_pages_survives_faults", long_history, op_release_list_long, 0, 0,
	 0},
	{"release_promote_survives_faults", history, op_promote, 0, PROMOTES},
	{"release_promote_with_deployer_survives_faults", history, op_promote_deploy, 0,
	 PROMOTES},
	{"release_promote_with_failing_deployer_survives_faults", history,
	 op_promote_deploy_fails, RELEASE_EDEPLOY, PASSED_DEPLOY_FAILURE, 0},
	{"release_promote_forced_older_survives_faults", history, op_promote_force_older, 0,
	 PROMOTES},
	{"release_rollback_to_target_survives_faults", history, op_rollback_target, 0,
	 ROLLS_BACK},
	{"release_rollback_to_previous_survives_faults", history, op_rollback_previous, 0,
	 ROLLS_BACK},
	{"release_rollback_with_deployer_survives_faults", history, op_rollback_deploy, 0,
	 ROLLS_BACK},
	{"release_rollback_with_failing_deployer_survives_faults", history,
	 op_rollback_deploy_fails, RELEASE_EDEPLOY, PASSED_DEPLOY_FAILURE, ACCEPT_ORPHAN_COPY},
	{"release_prune_survives_faults", history, op_prune, 0, 0, ACCEPT_PARTIAL_PRUNE},
};

_Static_assert(sizeof ops / sizeof *ops == N_OPS, "N_OPS counts the operations");
