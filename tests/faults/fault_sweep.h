/*
 * The sweep: every public operation that touches storage, run with its Nth
 * backend call failing for N = 1, 2, 3 … until it no longer reaches the
 * fault, each run checked against a fault-free run of it (see
 * test_faults.c). The operations and what each may leave are in
 * fault_ops.c, the engine in fault_sweep.c.
 */
#ifndef FAULT_SWEEP_H
#define FAULT_SWEEP_H

#include "fault_run.h"

/*
 * Intermediate states a fault may leave, beyond "unchanged" and "completed".
 * Each is stable, visible as what it is, and mended by the next operation;
 * classify() accepts each only for the failed calls that can produce it.
 *
 * Not listed because they need no exception:
 * - "completed" with 0 after a fault: a lost acknowledgement of a write
 *   (read back and seen through), or a fault after release_app_delete's
 *   tombstone, its commit point, from which on the app is gone for every
 *   reader (what is left of its records the next deletion or creation of
 *   the name removes: app_delete_again_finishes_an_interrupted_delete);
 * - "completed" with an error: a rollback whose deployer fails anyway: a
 *   storage failure before the deployer ran leaves its copy written and
 *   marked failed, as the deployer would;
 * - "unchanged" with RELEASE_EDEPLOY: the deployer failed and recording
 *   the failure on the release failed too; the previous release stays
 *   active and the message says both;
 * - a lease left behind is checked apart (check_leases): only a lost
 *   acknowledgement of taking it, or a failure to give it back, may leave
 *   one, and it expires.
 */
enum accept {
	/* release_create: the release is written but its build does not
	 * record it. The back link only helps listings: failing to write it
	 * is no failure (lib/release.c release_create returns 0 and the
	 * release). */
	ACCEPT_UNLINKED = 1,
	/* release_rollback: the copy is written but not promoted ("when the
	 * promotion fails the new release stays, marked failed", release.h);
	 * it is a normal release and can be promoted or pruned. It is marked
	 * failed unless the fault hit its own record (the failure stamp). */
	ACCEPT_ORPHAN_COPY = 2,
	/* release_prune: some of the doomed releases (always the oldest, so
	 * history stays a gap-free run) and builds are gone after a failed
	 * delete; pruning again finishes the job. */
	ACCEPT_PARTIAL_PRUNE = 4,
	/* Promotion and rollback: the active pointer moved, but the release's
	 * own promoted stamp was not written (its write failed after the
	 * swap, which returns 0). Readers take the active release's promoted
	 * time from the pointer, so only its line differs, only in its stamps,
	 * and it reads as promoted later than anything before. */
	ACCEPT_POINTER_STAMP = 8,
	/* Known bug (bug_a_promotion_goes_on_when_the_outgoing_release_cannot_
	 * be_read): on a version-2 backend, a failed read of the outgoing
	 * release, for its best-effort stamp, fails the promotion with the
	 * storage's error before anything is written. */
	KNOWN_OUTGOING_READ = 16,
};

struct op {
	const char *test_name;
	void (*history)(struct run *r);
	int (*run)(struct run *r);
	int expect;      /* what the operation returns without a fault */
	unsigned commit; /* PASSED_*: once passed, a fault does not change that */
	unsigned accept; /* ACCEPT_*: the intermediate states it may leave */
};

/* A rollback writes a copy; nothing else may leave one. */
#define IS_ROLLBACK(op) (((op)->accept & ACCEPT_ORPHAN_COPY) != 0)
#define IS_PROMOTION(op) (((op)->accept & (ACCEPT_POINTER_STAMP | ACCEPT_ORPHAN_COPY)) != 0)

/* The operations swept, one sweep of each on each protocol. */
#define N_OPS 26
extern struct op ops[N_OPS];

/* The prune, which the sweep knows walks again after a commit whose outcome
 * is open. */
int op_prune(struct run *r);

/* A deployer for promotions and rollbacks, which fails if told to; a
 * failure is a commit point of fb's armed run (PASSED_DEPLOY_FAILURE). */
struct deploy {
	int fail;
	int calls;
	int events;
	struct fault_backend *fb; /* told when the deployer fails */
};
void deploy_opts(release_promote_opts *o, struct deploy *d);

/* A sweep of one operation on one protocol. */
struct sweep_case {
	const struct op *op;
	int version_1;
	char name[160];
};

/* A cmocka test: the sweep of the sweep_case at *state. */
void sweep(void **state);

#endif
