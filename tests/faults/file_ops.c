/* The file store sweep's operations: see file_ops.h. */
#include "file_ops.h"

#include "file_inject.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ templates */

static void make_build(release_store *s, const char *app, const char *description,
		       const char *manifest, int status, char id[ID_LEN])
{
	release_build_opts o;
	release_build *b = NULL;

	release_build_opts_init(&o);
	o.description = description;
	o.manifest = manifest ? manifest : "services:\n  web:\n    port: 3000\n";
	o.status = status;
	assert_store_ok(s, release_build_create(s, app, &o, &b));
	copy_id(id, release_build_id(b));
	release_build_free(b);
}

/*
 *   web   v1 R1 build B1 "first"     promoted
 *         v2 R2 env FOO=1            promoted
 *         v3 R3 build B2 "second"    promoted
 *         v4 R4 env FOO=2 BAR=x      promoted: active, previous R3
 *         v5 R5 build B3 "third"     not promoted
 *         B4 running (no release), B5 complete (no release)
 *   api   one release, promoted
 *   idle  no builds, no releases
 */
static void history(struct run *r)
{
	static const char *const pairs[] = {"FOO=2", "BAR=x"};
	release_store *s = r->s;
	release *x;

	make_app(s, "web");
	make_app(s, "api");
	make_app(s, "idle");
	x = make_build_release(s, "web", "first");
	copy_id(r->h.r[1], release_id(x));
	copy_id(r->h.b[1], release_build_of(x));
	release_free(x);
	promote(s, "web", r->h.r[1]);
	x = set_env(s, "web", "FOO=1");
	copy_id(r->h.r[2], release_id(x));
	release_free(x);
	promote(s, "web", r->h.r[2]);
	x = make_build_release(s, "web", "second");
	copy_id(r->h.r[3], release_id(x));
	copy_id(r->h.b[2], release_build_of(x));
	release_free(x);
	promote(s, "web", r->h.r[3]);
	assert_store_ok(s, release_env_set(s, "web", pairs, 2, &x));
	copy_id(r->h.r[4], release_id(x));
	release_free(x);
	promote(s, "web", r->h.r[4]);
	x = make_build_release(s, "web", "third");
	copy_id(r->h.r[5], release_id(x));
	copy_id(r->h.b[3], release_build_of(x));
	release_free(x);
	make_build(s, "web", "fourth", NULL, RELEASE_BUILD_RUNNING, r->h.b[4]);
	make_build(s, "web", "fifth", NULL, RELEASE_BUILD_COMPLETE, r->h.b[5]);
	x = make_build_release(s, "api", "api first");
	promote(s, "api", release_id(x));
	release_free(x);
}

static struct tpl t_history = {.name = "history", .build = history};

/* ----------------------------------------------------------- operations */

/* On failure an out-parameter must be NULL, on success set. */
#define OUT_MATCHES(r, rc, out)                                                        \
	do {                                                                           \
		if (((rc) == 0) != ((out) != NULL))                                    \
			snprintf((r)->bad_out, sizeof (r)->bad_out,                    \
				 "returned %d with out %s", rc, (out) ? "set" : "NULL"); \
	} while (0)

static int op_app_create(struct run *r)
{
	release_app *a = (release_app *)&a;
	int rc = release_app_create(r->s, "worker", &a);

	OUT_MATCHES(r, rc, a);
	if (rc != 0)
		a = NULL;
	release_app_free(a);
	return rc;
}

static int op_app_delete(struct run *r)
{
	return release_app_delete(r->s, "web");
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
	OUT_MATCHES(r, rc, b);
	if (rc != 0)
		b = NULL;
	release_build_free(b);
	return rc;
}

static int op_build_set_status(struct run *r)
{
	release_build *b = (release_build *)&b;
	int rc = release_build_set_status(r->s, "web", r->h.b[4], RELEASE_BUILD_COMPLETE, &b);

	OUT_MATCHES(r, rc, b);
	if (rc != 0)
		b = NULL;
	release_build_free(b);
	return rc;
}

static int op_release_create(struct run *r)
{
	release *x = (release *)&x;
	int rc = release_create(r->s, "web", r->h.b[5], &x);

	OUT_MATCHES(r, rc, x);
	if (rc != 0)
		x = NULL;
	release_free(x);
	return rc;
}

static int op_env_set(struct run *r)
{
	static const char *const pairs[] = {"BAZ=3", "FOO=3"};
	release *x = (release *)&x;
	int rc = release_env_set(r->s, "web", pairs, 2, &x);

	OUT_MATCHES(r, rc, x);
	if (rc != 0)
		x = NULL;
	release_free(x);
	return rc;
}

static int op_env_unset(struct run *r)
{
	const char *key = "FOO";
	release *x = (release *)&x;
	int rc = release_env_unset(r->s, "web", &key, 1, &x);

	OUT_MATCHES(r, rc, x);
	if (rc != 0)
		x = NULL;
	release_free(x);
	return rc;
}


static int deployer(void *payload, const release *x, release_events *ev)
{
	struct deploy *d = payload;

	(void)x;
	(void)ev;
	if (!d->fail)
		return 0;
	if (!fi_fired())
		d->passed = 1;
	return 1;
}

struct deploy the_deploy;

static int op_promote(struct run *r)
{
	return release_promote(r->s, "web", r->h.r[5], NULL);
}

static int op_promote_deploy_fails(struct run *r)
{
	release_promote_opts o;

	memset(&the_deploy, 0, sizeof the_deploy);
	the_deploy.fail = 1;
	release_promote_opts_init(&o);
	o.deploy = deployer;
	o.deploy_payload = &the_deploy;
	return release_promote(r->s, "web", r->h.r[5], &o);
}

static int op_promote_force_older(struct run *r)
{
	release_promote_opts o;

	release_promote_opts_init(&o);
	o.flags = RELEASE_PROMOTE_FORCE;
	return release_promote(r->s, "web", r->h.r[2], &o);
}

static int rollback(struct run *r, const char *target)
{
	release *x = (release *)&x;
	int rc = release_rollback(r->s, "web", target, NULL, &x);

	OUT_MATCHES(r, rc, x);
	if (rc != 0)
		x = NULL;
	if (x)
		r->out_unpromoted = !release_is_active(x) || release_promoted(x) == 0;
	release_free(x);
	return rc;
}

static int op_rollback_target(struct run *r)
{
	return rollback(r, r->h.r[1]);
}

static int op_rollback_previous(struct run *r)
{
	return rollback(r, NULL);
}

static int op_prune(struct run *r)
{
	size_t removed = 99;
	int rc = release_prune(r->s, "web", 0, &removed);

	if (rc == 0 && removed != 2)
		snprintf(r->bad_out, sizeof r->bad_out, "prune removed %zu releases, not 2",
			 removed);
	return rc;
}





#define PROMOTES PASSED_SWAP, ACCEPT_POINTER_STAMP
#define ROLLS_BACK PASSED_SWAP, (ACCEPT_ORPHAN_COPY | ACCEPT_POINTER_STAMP)

struct op file_ops[] = {
	{"file_app_create_survives_syscall_faults", &t_history, op_app_create, 0, 0, 0},
	{"file_app_delete_survives_syscall_faults", &t_history, op_app_delete, 0, 0, 0},
	{"file_build_create_survives_syscall_faults", &t_history, op_build_create, 0, 0, 0},
	{"file_build_set_status_survives_syscall_faults", &t_history, op_build_set_status, 0, 0,
	 0},
	{"file_release_create_survives_syscall_faults", &t_history, op_release_create, 0,
	 PASSED_RELEASE_PUT, ACCEPT_UNLINKED},
	{"file_env_set_survives_syscall_faults", &t_history, op_env_set, 0, 0, 0},
	{"file_env_unset_survives_syscall_faults", &t_history, op_env_unset, 0, 0, 0},
	{"file_promote_survives_syscall_faults", &t_history, op_promote, 0, PROMOTES},
	{"file_promote_with_failing_deployer_survives_syscall_faults", &t_history,
	 op_promote_deploy_fails, RELEASE_EDEPLOY, PASSED_DEPLOY_FAILURE, 0},
	{"file_promote_forced_older_survives_syscall_faults", &t_history, op_promote_force_older,
	 0, PROMOTES},
	{"file_rollback_to_target_survives_syscall_faults", &t_history, op_rollback_target, 0,
	 ROLLS_BACK},
	{"file_rollback_to_previous_survives_syscall_faults", &t_history, op_rollback_previous, 0,
	 ROLLS_BACK},
	{"file_prune_survives_syscall_faults", &t_history, op_prune, 0, 0, ACCEPT_PARTIAL_PRUNE},
};

const size_t n_file_ops = sizeof file_ops / sizeof *file_ops;
