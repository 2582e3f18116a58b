/* What promote.c and lease.c share: a promotion under way. */
#ifndef LIBRELEASE_PROMOTION_H
#define LIBRELEASE_PROMOTION_H

#include "internal.h"

struct release_events {
	release_store *store;
	release_event_fn fn;
	void *payload;
	struct promotion *promotion;
};

struct promotion {
	release_store *s;
	const char *app;
	release_promote_opts o;
	release_events ev;
	char owner[128];
	struct buf lease; /* our lease record while we hold it */
	int64_t lease_expires; /* when it expires, unless renewed */
	void *hold;        /* the backend's hold, when it has holds and we hold */
	int hold_taken;    /* hold() succeeded: unhold(hold) is owed, hold NULL or not */
	int holding;       /* hold or lease taken (or, forced, gone without) */
	int64_t promoted;  /* when the active pointer moved to the release */
	int swap_unknown;  /* the swap failed and reading back failed too */
	int64_t started;   /* when the lease was taken */
	int kind;          /* RELEASE_DEPLOY_*, for the deployment log */
	char target[ID_MAX]; /* a rollback's target */
};

/* lease.c: taking, keeping and giving back the app's lease (or hold) */
/* Takes the lease, waiting up to the options' wait_ns while the app is
 * busy; sets started. */
int wait_lease(struct promotion *p);
/* Gives the lease back if it is still ours; harmless when it is not. */
void drop_lease(struct promotion *p);
/* Pushes an expiring lease's end further; 0 or an error. */
int renew_lease(struct promotion *p);

#endif
