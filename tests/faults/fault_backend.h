/*
 * The fault backend: a raw "memory:" backend (release_storage_open) behind
 * a vtable that counts the calls of its methods and, armed at N, fails the
 * Nth matching call with a chosen code, either before it reaches the store
 * (nothing is written) or after (the write happened but the caller is told
 * it failed: a lost acknowledgement). Every other call is forwarded
 * untouched. On a backend of version 2 it has its commit and holds too: a
 * commit is one call, applied whole or not at all; a hold failed after is
 * given back first.
 */
#ifndef FAULT_BACKEND_H
#define FAULT_BACKEND_H

#include "faults.h"

enum method {
	M_PUT, M_GET, M_SCAN, M_CAS, M_DEL, M_LIST_APPS, M_GET_SEQ,
	M_COMMIT, M_HOLD, M_HELD, /* version 2 */
	M_ANY
};
extern const char *const method_names[]; /* by enum method */

enum fault_mode {
	FAIL_BEFORE, /* the call fails without reaching the store */
	FAIL_AFTER,  /* the call reaches the store, then reports failure */
};

/* Commit points an operation may pass before the fault fires: after them a
 * fault no longer changes what the operation returns (struct op's commit). */
enum passed {
	PASSED_SWAP = 1,           /* a cas moved the active pointer, acknowledged */
	PASSED_RELEASE_PUT = 2,    /* a put wrote a release, acknowledged */
	PASSED_DEPLOY_FAILURE = 4, /* the test's deployer returned failure */
	PASSED_TOMBSTONE = 8,      /* a cas marked an app deleted, acknowledged */
};

/* A backend call, as far as the checks need to know it. */
struct call {
	enum method method;
	int kind;
	char app[64];
	char key[KEY_LEN];
	int removes; /* a cas with data NULL; a commit: every operation deletes */
	size_t ops;  /* a commit: how many operations */
	int swaps;   /* a commit that moves the active pointer */
};

struct fault_backend {
	release_storage vt; /* first: the vtable handed to the store */
	const release_storage *inner;
	void *inner_ctx;

	/* Which calls count: method M_ANY, kind 0 and key NULL match all. */
	enum method only_method;
	int only_kind;
	const char *only_key;

	int armed;
	unsigned long calls;   /* matching calls since armed */
	unsigned long fail_at; /* the call that fails; 0: none */
	unsigned long count;   /* how many matching calls fail from there on */
	int code;
	enum fault_mode mode;

	unsigned long fired; /* how many calls failed */
	int last_fired;      /* the latest call was the injected failure */
	struct call failed;  /* the call that failed */
	unsigned passed;     /* PASSED_*: commit points before the fault fired */
	char msg[256];

	/* Armed with fail_at 0 (counting), every matching call in order. */
	struct call *trace;
	size_t n_trace, cap_trace;
};

/* with_errmsg 0 leaves the optional errmsg method out, so the core has to
 * word its own messages. The protocol is version_1's. */
struct fault_backend *fault_backend_new(int with_errmsg);

/* Fails the nth matching call from now on. fail_at 0 only counts. */
void fault_arm(struct fault_backend *fb, unsigned long fail_at, int code, enum fault_mode mode);
/* Which calls count: m M_ANY, kind 0 and key NULL match all. */
void fault_only(struct fault_backend *fb, enum method m, int kind, const char *key);
void fault_disarm(struct fault_backend *fb);

/* The message of the latest call: the injected one if it failed. */
const char *fb_errmsg(void *ctx);

int call_is(const struct call *c, enum method m, int kind, const char *key);
/* Taking the promotion lease (a cas that writes it) and giving it back. */
int takes_lease(const struct call *c);
int drops_lease(const struct call *c);
/* Moving the active pointer: alone, or in a commit. */
int swaps_active(const struct call *c);
/* A call that writes, and one that deletes. */
int is_write(const struct call *c);
int is_delete(const struct call *c);
/* The failed call reached the store: its write happened, unacknowledged. */
int lost_ack(const struct fault_backend *fb);

/* A release_record_fn that notes, in the int at payload, that a record was
 * found. */
int found_record(void *payload, uint64_t seq, const char *key, const void *data, size_t len);

#endif
