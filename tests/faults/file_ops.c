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





/* ------------------------------------------ templates poised for maintenance
 *
 * The file store runs its maintenance after a write's commit point: a
 * checkpoint every few MiB of log, a compaction once enough of the log is
 * dead, a key index rebuild when the index fills. A template poised for one
 * is the history plus ballast grown, largest steps first, until the
 * operation under test (tried on a copy) makes it run while the template
 * itself has not; so each (maintenance, operation) pair has its own.
 */

/* What the counted calls of the last probe show. */
static int compaction_ran(void)
{
	return fi_touched(FI_OPEN, "log", 1) > 0;
}

static int keys_rebuild_ran(void)
{
	return fi_touched(FI_OPEN, "keys", 1) > 0 && !compaction_ran();
}

static int checkpoint_ran(void)
{
	return fi_touched(FI_SYNC, "rel", 0) > 0 && fi_touched(FI_OPEN, "keys", 1) == 0 &&
	       !compaction_ran();
}

struct poise {
	int (*op)(struct run *r);
	int (*ran)(void);
	void (*setup)(struct run *r);
	int (*steps[4])(struct run *r); /* ballast, largest first */
};

static char manifest_16k[16 << 10], manifest_1k[1 << 10], manifest_32k[32 << 10],
	manifest_512k[512 << 10];

static void fill(char *buf, size_t size)
{
	if (buf[0])
		return;
	for (size_t i = 0; i + 1 < size; i++)
		buf[i] = (char)('a' + i % 26);
	buf[size - 1] = '\0';
}

static int add_build(struct run *r, const char *manifest)
{
	release_build_opts o;

	release_build_opts_init(&o);
	o.manifest = manifest;
	return release_build_create(r->s, "web", &o, NULL);
}

/* Ballast builds whose status is toggled: each toggle leaves a dead copy. */
static void compaction_setup(struct run *r)
{
	static const char *const manifests[] = {manifest_16k, manifest_1k, "m"};

	fill(manifest_16k, sizeof manifest_16k);
	fill(manifest_1k, sizeof manifest_1k);
	for (int i = 0; i < 3; i++) {
		release_build_opts o;
		release_build *b = NULL;

		release_build_opts_init(&o);
		o.description = "ballast";
		o.manifest = manifests[i];
		assert_store_ok(r->s, release_build_create(r->s, "web", &o, &b));
		copy_id(r->h.x[i], release_build_id(b));
		r->h.x_status[i] = RELEASE_BUILD_CREATED;
		release_build_free(b);
	}
}

static int toggle(struct run *r, int i)
{
	int status = r->h.x_status[i] == RELEASE_BUILD_CREATED ? RELEASE_BUILD_RUNNING
							      : RELEASE_BUILD_CREATED;
	int rc = release_build_set_status(r->s, "web", r->h.x[i], status, NULL);

	if (rc == 0)
		r->h.x_status[i] = status;
	return rc;
}

static int toggle_16k(struct run *r)
{
	return toggle(r, 0);
}

static int toggle_1k(struct run *r)
{
	return toggle(r, 1);
}

static int toggle_small(struct run *r)
{
	return toggle(r, 2);
}

static int add_512k(struct run *r)
{
	fill(manifest_512k, sizeof manifest_512k);
	return add_build(r, manifest_512k);
}

static int add_32k(struct run *r)
{
	fill(manifest_32k, sizeof manifest_32k);
	return add_build(r, manifest_32k);
}

static int add_2k(struct run *r)
{
	static char manifest_2k[2 << 10];

	fill(manifest_2k, sizeof manifest_2k);
	return add_build(r, manifest_2k);
}

static int add_small(struct run *r)
{
	return add_build(r, "");
}

static int add_many(struct run *r, int n)
{
	int rc = 0;

	for (int i = 0; i < n && rc == 0; i++)
		rc = add_build(r, "");
	return rc;
}

static int add_64(struct run *r)
{
	return add_many(r, 64);
}

static int add_8(struct run *r)
{
	return add_many(r, 8);
}

static void poised(struct run *r)
{
	const struct poise *p = r->t->arg;

	history(r);
	if (p->setup)
		p->setup(r);
	for (size_t i = 0; i < 4 && p->steps[i]; i++) {
		for (int k = 0; k < 2000; k++) {
			if (run_probe(r, p->op, p->ran))
				return;
			if (run_probe(r, p->steps[i], p->ran))
				break; /* this step would run it: take a smaller one */
			assert_store_ok(r->s, p->steps[i](r));
		}
	}
	fail_msg("template %s: the operation never makes the maintenance run", r->t->name);
}

#define COMPACTION(op) {op, compaction_ran, compaction_setup, {toggle_16k, toggle_1k, toggle_small}}
#define CHECKPOINT(op) {op, checkpoint_ran, NULL, {add_512k, add_32k, add_2k, add_small}}
#define KEYS(op) {op, keys_rebuild_ran, NULL, {add_64, add_8, add_small}}

static const struct poise p_compact_promote = COMPACTION(op_promote);
static const struct poise p_compact_set_status = COMPACTION(op_build_set_status);
static const struct poise p_compact_release_create = COMPACTION(op_release_create);
static const struct poise p_compact_prune = COMPACTION(op_prune);
static const struct poise p_compact_delete = COMPACTION(op_app_delete);
static const struct poise p_checkpoint_build_create = CHECKPOINT(op_build_create);
static const struct poise p_keys_build_create = KEYS(op_build_create);

#define POISED(label, p) {.name = label, .build = poised, .arg = &p}
#define POISED_HEAVY(label, p) {.name = label, .build = poised, .arg = &p, .heavy = 1}

static struct tpl t_compact_promote = POISED("compact-promote", p_compact_promote);
static struct tpl t_compact_set_status = POISED("compact-set-status", p_compact_set_status);
static struct tpl t_compact_release_create =
	POISED("compact-release-create", p_compact_release_create);
static struct tpl t_compact_prune = POISED("compact-prune", p_compact_prune);
static struct tpl t_compact_delete = POISED("compact-delete", p_compact_delete);
static struct tpl t_checkpoint_build_create =
	POISED_HEAVY("checkpoint-build-create", p_checkpoint_build_create);
static struct tpl t_keys_build_create = POISED_HEAVY("keys-build-create", p_keys_build_create);

/* The history, opened as after a reboot: the first write replays the log
 * since the last checkpoint and checkpoints, before its own commit. */
static struct tpl t_rebooted = {.name = "rebooted", .build = history, .rebooted = 1};

#define PROMOTES PASSED_SWAP, ACCEPT_POINTER_STAMP
#define ROLLS_BACK PASSED_SWAP, (ACCEPT_ORPHAN_COPY | ACCEPT_POINTER_STAMP)

struct op file_ops[] = {
	{"file_app_create_survives_syscall_faults", &t_history, op_app_create, 0, 0, 0, NULL},
	{"file_app_delete_survives_syscall_faults", &t_history, op_app_delete, 0, 0, 0, NULL},
	{"file_build_create_survives_syscall_faults", &t_history, op_build_create, 0, 0, 0, NULL},
	{"file_build_set_status_survives_syscall_faults", &t_history, op_build_set_status, 0, 0,
	 0, NULL},
	{"file_release_create_survives_syscall_faults", &t_history, op_release_create, 0,
	 PASSED_RELEASE_PUT, ACCEPT_UNLINKED, NULL},
	{"file_env_set_survives_syscall_faults", &t_history, op_env_set, 0, 0, 0, NULL},
	{"file_env_unset_survives_syscall_faults", &t_history, op_env_unset, 0, 0, 0, NULL},
	{"file_promote_survives_syscall_faults", &t_history, op_promote, 0, PROMOTES, NULL},
	{"file_promote_with_failing_deployer_survives_syscall_faults", &t_history,
	 op_promote_deploy_fails, RELEASE_EDEPLOY, PASSED_DEPLOY_FAILURE, 0, NULL},
	{"file_promote_forced_older_survives_syscall_faults", &t_history, op_promote_force_older,
	 0, PROMOTES, NULL},
	{"file_rollback_to_target_survives_syscall_faults", &t_history, op_rollback_target, 0,
	 ROLLS_BACK, NULL},
	{"file_rollback_to_previous_survives_syscall_faults", &t_history, op_rollback_previous, 0,
	 ROLLS_BACK, NULL},
	{"file_prune_survives_syscall_faults", &t_history, op_prune, 0, 0, ACCEPT_PARTIAL_PRUNE, NULL},

	{"file_promote_compacting_survives_syscall_faults", &t_compact_promote, op_promote, 0,
	 PROMOTES, compaction_ran},
	{"file_build_set_status_compacting_survives_syscall_faults", &t_compact_set_status,
	 op_build_set_status, 0, 0, 0, compaction_ran},
	{"file_release_create_compacting_survives_syscall_faults", &t_compact_release_create,
	 op_release_create, 0, PASSED_RELEASE_PUT, ACCEPT_UNLINKED, compaction_ran},
	{"file_prune_compacting_survives_syscall_faults", &t_compact_prune, op_prune, 0, 0,
	 ACCEPT_PARTIAL_PRUNE, compaction_ran},
	{"file_app_delete_compacting_survives_syscall_faults", &t_compact_delete, op_app_delete, 0,
	 0, 0, compaction_ran},
	{"file_build_create_checkpointing_survives_syscall_faults", &t_checkpoint_build_create,
	 op_build_create, 0, 0, 0, checkpoint_ran},
	{"file_build_create_rebuilding_keys_survives_syscall_faults", &t_keys_build_create,
	 op_build_create, 0, 0, 0, keys_rebuild_ran},
	{"file_env_set_after_reboot_survives_syscall_faults", &t_rebooted, op_env_set, 0, 0, 0, NULL},
	{"file_promote_after_reboot_survives_syscall_faults", &t_rebooted, op_promote, 0,
	 PROMOTES, NULL},
};

const size_t n_file_ops = sizeof file_ops / sizeof *file_ops;
