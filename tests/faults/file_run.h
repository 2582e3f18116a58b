/*
 * One run of the file store sweep: a copy of a template store, opened
 * through an observing backend that forwards every call to the file store
 * and notes which backend call each injected fault fell in and whether that
 * call had made its record durable.
 */
#ifndef FILE_RUN_H
#define FILE_RUN_H

#include "harness.h"

#define SEC INT64_C(1000000000)
#define LEASE_NS (60 * SEC)
#define ID_LEN 16
#define KEY_LEN 65

enum method { M_PUT, M_GET, M_SCAN, M_CAS, M_DEL, M_LIST_APPS, M_GET_SEQ };

/* One backend call made during the operation under test. */
struct bcall {
	enum method m;
	int kind;
	char key[KEY_LEN];
	int removes;   /* a cas with data NULL */
	int rc;        /* what the file store returned */
	int committed; /* its record was made durable */
	int faulted;   /* the injected fault fell inside it */
};

#define MAX_BCALLS 1024

struct observer {
	release_storage vt; /* first: the vtable handed to the store */
	const release_storage *inner;
	void *inner_ctx;
	int recording;
	size_t n;
	struct bcall calls[MAX_BCALLS];
};

/* The ids a template's history made. */
struct history {
	char r[8][ID_LEN]; /* web's releases by version */
	char b[8][ID_LEN]; /* web's builds */
	char x[3][ID_LEN]; /* ballast builds, whose status is toggled */
	int x_status[3];
};

struct run;

/* A store built once and copied for every run. */
struct tpl {
	const char *name;
	void (*build)(struct run *r);
	const void *arg; /* for build */
	int rebooted;    /* runs open the store as after a reboot */
	int heavy;       /* MiB of records or a thousand of them: not under valgrind */
	char dir[512];
	int built;
	struct test_clock clock; /* after building */
	struct test_random random;
	struct history h;
};

struct run {
	struct test_clock clock;
	struct test_random random;
	struct history h;
	const struct tpl *t;
	char dir[512];
	struct observer *ob; /* owned by s */
	release_store *s;
	char outgoing[ID_LEN];  /* web's active release before the operation */
	int out_unpromoted;     /* a rollback returned its copy unpromoted */
	char bad_out[160];      /* what an operation found wrong with its out */
};

/* The directory every store of this program lives under (removed at exit). */
const char *run_base(void);
/* Builds t if it is not built yet (its build asserts success). */
void tpl_ensure(struct tpl *t);
/* A fresh copy of t's store, opened; the clock and random source as t left
 * them. */
void run_start(struct run *r, const struct tpl *t);
/*
 * While t->build runs on r: runs fn on a copy of the store (with copies of
 * the clock and random source), counting calls as if armed; returns what
 * ran() says of the calls fn made.
 */
int run_probe(struct run *r, int (*fn)(struct run *), int (*ran)(void));
/* Another handle on r's store, through its own observer (not recording),
 * in the same boot as r's. */
int run_open_handle(struct run *r, release_store **out);
/* The same, from before the reboot r's template simulates (if it does): it
 * reads without recovering. */
int run_open_before_boot(struct run *r, release_store **out);
/* Closes r's handle. */
void run_stop(struct run *r);
/* Opens a handle as if the machine had rebooted since the store was last
 * written (the kernel's boot id differs); handles opened later are of the
 * same new boot. */
int run_open_rebooted(struct run *r, release_store **out);

/* The backend call the fault fell in, or NULL (it fell in the core). */
const struct bcall *run_faulted_call(const struct run *r);
void describe_bcall(const struct bcall *c, char *buf, size_t size);

void copy_id(char dst[ID_LEN], const char *id);

#endif
