/*
 * The attack suites' wrapper of the backend under test (attack_backend.c):
 * it can run another handle's calls just before a chosen call, answer a
 * chosen commit itself, or misbehave in its holds. Handles of a private
 * backend ("memory:") share its one context; of any other they each open
 * the same URI, as processes do.
 */
#ifndef LIBRELEASE_TESTS_ATTACK_H
#define LIBRELEASE_TESTS_ATTACK_H

#include "harness.h"

#define APP "web"
#define SEC INT64_C(1000000000)
#define START (INT64_C(1546300800) * SEC) /* 2019-01-01T00:00:00Z */
#define MAX_HANDLES 4

/* How a matched commit is answered instead of by the backend. */
enum answer {
	PASS,             /* the backend answers */
	CONFLICT_NOWHERE, /* RELEASE_ECONFLICT, *failed left as it was */
	OK_UNAPPLIED,     /* 0, and nothing applied */
	EIO_UNAPPLIED,    /* RELEASE_EIO before reaching the store */
	NOTFOUND,         /* RELEASE_ENOTFOUND, nothing applied */
};

/* Where a hook runs: just before the first such call of its handle. */
enum hook_on {
	NO_HOOK,
	GET_OF,    /* a get() of a record of hook_kind */
	COMMIT_OF, /* a commit() that writes an op of match_op */
};

struct backend {
	char uri[1100];
	const release_storage *inner; /* as opened: a version-1 one is 1.0's struct */
	void *shared_ctx;             /* the one context of a private store */
	int refs;
};

struct handle {
	release_storage vt; /* first: ctx is the handle */
	struct backend *b;
	void *ctx;
	/* a commit with an operation match_op (RELEASE_OP_*) is answered so */
	int match_op;
	enum answer answer;
	unsigned answered;
	unsigned answers; /* how many commits to answer; 0: every one */
	/* runs once, before the call hook_on names */
	enum hook_on hook_on;
	int hook_kind;
	const char *hook_key; /* GET_OF: only of this key (NULL: any) */
	unsigned hook_skip;   /* matching calls let through first */
	void (*hook)(void *arg);
	void *hook_arg;
	/* hold() keeps the backend's handle and gives NULL to the core */
	int null_hold;
	void *kept_hold;
	/* giving a lease record back (a CAS of META "lease" to nothing) fails */
	int keep_lease;
	/* what held() shows, when set, instead of the holder's info */
	const void *held_info;
	size_t held_len;
};

#define NO_HOLDS 1 /* the backend's holds hidden: the core keeps lease records */

struct atk {
	struct backend *b;
	size_t n;
	struct handle *h[MAX_HANDLES];
	release_store *s[MAX_HANDLES];
	struct test_clock clock[MAX_HANDLES];
	struct test_random random[MAX_HANDLES];
};

int setup(void **state);
int teardown(void **state);
/* Opens handle f->n, whose clock reads now and then moves by step, with a
 * random source of its own; flags: NO_HOLDS. */
release_store *open_handle(struct atk *f, int64_t now, int64_t step, int flags);
int backend_has_commit(const struct atk *f);
int backend_has_hold(const struct atk *f);
/* skip() unless the backend has commit() (holds) */
void need_commit(const struct atk *f);
void need_hold(const struct atk *f);
int app_status(release_store *s, const char *app);

struct inner_try {
	release_store *other;
	const char *id;
	int rc;
	char msg[512];
	int status;
	char owner[200];
	int keep_rc;
};

/* Deployer: another handle tries to promote (and reads the app) while
 * this promotion holds it. */
int deploy_while_other_tries(void *payload, const release *r, release_events *ev);
/* Promotes t->id on s (owner "first") while t->other tries. */
void promote_while_other_tries(release_store *s, struct inner_try *t);

#endif
