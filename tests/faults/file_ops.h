/*
 * The file store sweep's operations: the templates they start from, what
 * each does, and the commit points and intermediate states the rules of
 * test_file_faults.c allow it.
 */
#ifndef FILE_OPS_H
#define FILE_OPS_H

#include "file_run.h"

/* Commit points: once passed, a fault no longer changes the result. */
enum passed {
	PASSED_SWAP = 1,           /* a cas moved the active pointer and returned 0 */
	PASSED_RELEASE_PUT = 2,    /* a put wrote a release and returned 0 */
	PASSED_DEPLOY_FAILURE = 4, /* the deployer returned failure */
};

/* Intermediate states an operation may leave (test_file_faults.c). */
enum accept {
	ACCEPT_UNLINKED = 1,      /* with success */
	ACCEPT_ORPHAN_COPY = 2,   /* with an error */
	ACCEPT_PARTIAL_PRUNE = 4, /* with an error */
	ACCEPT_POINTER_STAMP = 8, /* with success */
};

struct op {
	const char *test_name;
	struct tpl *tpl;
	int (*run)(struct run *r);
	int expect;
	unsigned commit;
	unsigned accept;
	/* For a template poised for maintenance: whether the calls counted
	 * show it ran (a fault-free run must make it run). */
	int (*maintenance)(void);
};

#define IS_ROLLBACK(op) (((op)->accept & ACCEPT_ORPHAN_COPY) != 0)
#define IS_PROMOTION(op) (((op)->accept & (ACCEPT_POINTER_STAMP | ACCEPT_ORPHAN_COPY)) != 0)

/* The deployer of the operations that use one. */
struct deploy {
	int fail;
	int passed; /* it failed before the injected fault fired */
};
extern struct deploy the_deploy;

extern struct op file_ops[];
extern const size_t n_file_ops;

#endif
