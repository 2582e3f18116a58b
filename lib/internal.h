/* Private declarations shared by the core's source files. */
#ifndef LIBRELEASE_INTERNAL_H
#define LIBRELEASE_INTERNAL_H

#include <librelease/release.h>
#include <librelease/storage.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ID_LETTERS 9       /* letters after the prefix in ids we make */
#define ID_MAX 16          /* room for any id we accept, with NUL */
#define KEY_MAX 64         /* longest record key a backend must take */
#define ENV_KEY_MAX 256
#define TEXT_MAX (1u << 20)      /* description, env value */
#define MANIFEST_MAX (16u << 20) /* manifest text */
#define ERRMSG_MAX 512
#define WRITE_ATTEMPTS 1000 /* lost races for a version or a record before giving up */

struct release_store {
	const release_storage *st;
	void *ctx;
	release_clock_fn clock;
	void *clock_payload;
	release_random_fn random;
	void *random_payload;
	int64_t lease_ns;
	char errmsg[ERRMSG_MAX];
	char *actor; /* set by the caller, or NULL: default_actor */
	char default_actor[RELEASE_ACTOR_MAX + 1];
	int default_named; /* default_actor holds the user's name: kept */
	struct dcache *dcache; /* releases decoded lately (dcache.c), or NULL */
};

/* Zeroes the caller's size bytes of an options struct whose library-side
 * size is ours, and records the smaller of the two in its size field. */
#define OPTS_INIT(opts, size)                                                          \
	do {                                                                           \
		if (opts && (size) >= sizeof(size_t)) {                                \
			size_t n_ = (size) < sizeof *(opts) ? (size) : sizeof *(opts); \
			memset((opts), 0, (size));                                     \
			(opts)->size = n_;                                             \
		}                                                                      \
	} while (0)

/* The end of a field: an options struct of a size that stops there holds it. */
#define END_OF(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))
/* Each options struct as librelease 1.0 had it: no caller's struct is
 * smaller. When a struct grows, these stay, so 1.0 programs keep working. */
#define STORE_OPTS_1_0 END_OF(release_store_opts, lease_ns)
#define BUILD_OPTS_1_0 END_OF(release_build_opts, status)
#define LIST_OPTS_1_0 END_OF(release_list_opts, before)
#define PROMOTE_OPTS_1_0 END_OF(release_promote_opts, wait_ns)
/* The structs librelease 1.3 added, as 1.3 had them. */
#define CREATE_OPTS_1_3 END_OF(release_create_opts, env_from)
#define ENV_OPTS_1_3 END_OF(release_env_opts, unset_n)
#define SETTINGS_OPTS_1_3 END_OF(release_settings_opts, flags)

/* errors.c */
#if defined(__GNUC__)
#define PRINTF_LIKE(a, b) __attribute__((format(printf, a, b)))
#else
#define PRINTF_LIKE(a, b)
#endif

/* Records a message for code on the store (or the thread, for NULL) and
 * returns code. */
int fail(release_store *s, int code, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* For a failed backend call: takes the backend's own message when it has one,
 * else words one from what. Returns code. */
int fail_backend(release_store *s, int code, const char *what);
void clear_error(release_store *s);
/* The prologue of a public call that reads into *out: a store is required,
 * its message is cleared, and out must not have been NULL (out_missing).
 * 0 or RELEASE_EINVAL. */
int enter(release_store *s, int out_missing);

/* validate.c */
/*
 * Takes a caller's options struct (NULL: none) into dst, which holds our
 * defaults and is ours bytes long: a size field of 0 (never initialised),
 * below min (the 1.0 struct's) or beyond ours with non-zero bytes past ours
 * (options this library cannot honour) is RELEASE_EINVAL, with a message
 * naming type. Copies the fields the caller's size covers; dst's size is ours.
 */
int take_opts(release_store *s, void *dst, size_t ours, size_t min, const void *opts,
	      const char *type);
#define TAKE_OPTS(s, dst, opts, min, type) take_opts((s), (dst), sizeof *(dst), (min), (opts), (type))
int valid_app(const char *name);
/* prefix 'R' or 'B' plus 9 or 10 upper-case letters */
int valid_id(const char *id, char prefix);
int valid_env_key(const char *key, size_t len);
/* Checks name and reports EINVAL on s. */
int check_app(release_store *s, const char *app);
int check_id(release_store *s, const char *id, char prefix, const char *what);

/* actor.c */
/* 1 when s (len bytes) is a valid actor: 1 to RELEASE_ACTOR_MAX bytes of
 * UTF-8 without control characters. */
int valid_actor(const char *s, size_t len);
/* What an invalid actor is told, with RELEASE_ACTOR_MAX for its %d. */
#define ACTOR_RULE                                                                      \
	"an actor is 1 to %d bytes of UTF-8 without control or format characters, not " \
	"beginning or ending with a space"
/* The actor the store records now (never NULL). */
const char *store_actor(release_store *s);

/* id.c */
int64_t store_now(release_store *s);
/* t + ns, saturating at the ends of int64_t: a lease or a wait that
 * overflowed would end before it began. */
int64_t time_after(int64_t t, int64_t ns);
int make_id(release_store *s, char prefix, char out[ID_MAX]);
int make_token(release_store *s, char out[33]);
int default_random(void *payload, unsigned char *buf, size_t len);
int64_t default_clock(void *payload);

/* util.c: a growable byte buffer and string helpers */
struct buf {
	unsigned char *p;
	size_t len, cap;
	int err;
};
void buf_put(struct buf *b, const void *data, size_t len);
void buf_free(struct buf *b);
char *dup_str(const char *s);
char *dup_mem(const void *p, size_t len);

/* codec.c: record encoding. A record is a header and tagged fields. */
enum rec_type {
	REC_APP = 1, REC_ACTIVE, REC_LEASE, REC_BUILD, REC_RELEASE, REC_SETTINGS, REC_EXPORT,
	REC_DEPLOY,
};
enum field_tag {
	F_ID = 1, F_APP, F_VERSION, F_BUILD, F_MANIFEST, F_DESCRIPTION, F_CREATED,
	F_SOURCE, F_PROMOTED, F_FAILED, F_ENV_KEY, F_ENV_VALUE, F_STATUS, F_STARTED,
	F_ENDED, F_RELEASE, F_PREVIOUS, F_TOKEN, F_OWNER, F_EXPIRES, F_LOG, F_REVISION,
	F_MASK, F_HOOK, F_ACTOR, F_KIND, F_FORCED, F_TARGET, F_FROM, F_FROM_VERSION,
	F_TO, F_TO_VERSION,
};
void enc_begin(struct buf *b, enum rec_type type);
void enc_str(struct buf *b, enum field_tag tag, const char *s);
void enc_u64(struct buf *b, enum field_tag tag, uint64_t v);
void enc_i64(struct buf *b, enum field_tag tag, int64_t v);
/* Any bytes (a string field is NUL-free). */
void enc_bytes(struct buf *b, enum field_tag tag, const void *v, size_t len);

struct dec {
	const unsigned char *p, *end;
	enum field_tag tag;
	const unsigned char *val;
	size_t len;
};
/* 0 when the header matches type, else RELEASE_ECORRUPT. */
int dec_begin(struct dec *d, const void *data, size_t len, enum rec_type type);
/* 1: a field is in d->tag/val/len; 0: the end; RELEASE_ECORRUPT. */
int dec_next(struct dec *d);
/* Field values; RELEASE_ECORRUPT or RELEASE_ENOMEM on failure. */
int dec_str(const struct dec *d, char **out);
/* Any bytes, NUL-terminated too; *len their length. */
int dec_bytes(const struct dec *d, char **out, size_t *len);
/* A string of 1 to cap - 1 bytes into out. */
int dec_fixed(const struct dec *d, char *out, size_t cap);
int dec_u64(const struct dec *d, uint64_t *out);
int dec_i64(const struct dec *d, int64_t *out);

/* Objects, as decoded. */
struct env {
	size_t n, cap;
	char **keys;
	char **vals;
};
void env_free(struct env *e);
int env_copy(struct env *dst, const struct env *src);
/* Sets key (replacing); takes no ownership. */
int env_put(struct env *e, const char *key, size_t klen, const char *val);
int env_find(const struct env *e, const char *key, size_t *pos);
int env_remove(struct env *e, const char *key);

struct release {
	char id[ID_MAX];
	char *app;
	uint64_t version;
	char *build;
	char *manifest;
	char *description;
	int64_t created;
	char *source;
	int64_t promoted;
	int64_t failed;
	int active;
	char *actor; /* NULL: written before 1.4 */
	size_t packed; /* one block of this size with its strings
			* (decode_release_packed), or 0 */
	struct env env;
};

struct release_build {
	char id[ID_MAX];
	char *app;
	char *description;
	char *manifest;
	int status;
	int64_t started;
	int64_t ended;
	char *release;
	char *log; /* NULL: none */
	size_t log_len;
	int no_log; /* listed: a log was left out */
	char *actor; /* NULL: written before 1.4 */
};

struct active_ptr {
	uint64_t version;
	char id[ID_MAX];
	int64_t promoted;
	char previous[ID_MAX]; /* "" when none */
};

struct lease {
	char token[33];
	char *owner;
	int64_t expires; /* 0 in a hold's info: a hold lasts as long as its holder */
	int64_t started;
};

struct release_app {
	char *name;
	int64_t created;
	char active[ID_MAX];
	char previous[ID_MAX];
	int status;
	char *lease_owner;
	int64_t lease_expires;
	int64_t lease_started;
	char *actor; /* who created it; NULL: before 1.4 */
};

void encode_release(struct buf *b, const struct release *r);
int decode_release(const void *data, size_t len, release *r);
/* As decode_release(), into one allocation: release_free() frees it. */
int decode_release_packed(const void *data, size_t len, release **out);

void encode_build(struct buf *b, const release_build *bl);
/* with_log 0: the log is left out (no_log set when there is one). */
int decode_build(const void *data, size_t len, release_build *bl, int with_log);
void encode_active(struct buf *b, const struct active_ptr *a);
int decode_active(const void *data, size_t len, struct active_ptr *a);
void encode_lease(struct buf *b, const struct lease *l);
int decode_lease(const void *data, size_t len, struct lease *l);
/* An app record is live, or a tombstone while its deletion is under way. */
/* token: this incarnation of the app, so that a record of an app deleted
 * and created again never equals one of the app before. */
void encode_app(struct buf *b, const char *name, int64_t created, const char *token,
		const char *actor, int deleting);
int decode_app(const void *data, size_t len, release_app *a, int *deleting);

/* Clears what the decoders allocated, leaving the struct reusable. */
void release_clear(release *r);
void build_clear(release_build *b);

/* records.c: reading records through the backend */
struct raw {
	unsigned char *data;
	size_t len;
	uint64_t seq;
	int found; /* 1; RAW_EXTRA while refusing a second record */
};
#define RAW_EXTRA 2
void raw_free(struct raw *r);
/* Reads (app, kind, key) into raw; raw->found says whether it exists. */
int read_record(release_store *s, const char *app, int kind, const char *key, struct raw *raw);
/* Reads the newest record of an ordered kind. */
int read_newest(release_store *s, const char *app, int kind, struct raw *raw);
int read_seq(release_store *s, const char *app, int kind, uint64_t seq, struct raw *raw);

/*
 * The result of a write (put, cas or del of (app, kind, key)) that returned
 * rc. 0 and RELEASE_ECONFLICT come back as they are, without a message;
 * any other failure is worded (what: the step). After a failure that does
 * not promise that nothing was written (RELEASE_EIO, say) the record is
 * read back: if it holds data (or, for data NULL, is absent) the write took
 * effect and only its acknowledgement was lost, so 0 is returned. *unknown
 * (unknown may be NULL) is set when the failure stands because the read
 * failed too: the write may or may not have taken effect.
 */
int settle_write(release_store *s, int rc, const char *what, const char *app, int kind,
		 const char *key, const void *data, size_t len, int *unknown);

/* Reports ENOTFOUND unless the app exists. */
int require_app(release_store *s, const char *app);
/* As require_app, keeping the live app record's bytes in raw: a version-2
 * write checks them in its commit, so that it cannot land in an app deleted
 * (or deleted and created again) since. */
int require_app_raw(release_store *s, const char *app, struct raw *raw);

/*
 * Version 2 of the vtable, where the backend has it. A backend written for
 * version 1 has a shorter struct: nothing past errmsg may be read before
 * version says it is there.
 */
int has_commit(const release_store *s);
int store_sees_pending(const release_store *s);
int same_store(const release_store *a, const release_store *b);
void store_see_pending(release_store *s, int on);
int has_hold(const release_store *s);

/* The operations of one commit, with the bytes they own. */
#define TXN_OPS 8
struct txn {
	release_storage_op ops[TXN_OPS];
	struct buf bufs[TXN_OPS];
	size_t n;
	int err; /* an operation could not be added */
};
void txn_free(struct txn *t);
/* Adds an operation; key, data and old are borrowed and must outlive the
 * commit, except with txn_add_buf, which takes b's bytes. */
void txn_add(struct txn *t, int op, int kind, const char *key, uint64_t seq, const void *old,
	     size_t old_len, const void *data, size_t len);
void txn_add_buf(struct txn *t, int op, int kind, const char *key, uint64_t seq,
		 const void *old, size_t old_len, struct buf *b);
/* The app's live record as read, unchanged. */
void txn_check_app(struct txn *t, const struct raw *app_raw);
/*
 * Commits t on a version-2 backend. 0, or RELEASE_ECONFLICT without a
 * message (*failed: the index of the operation that failed), or a worded
 * error. After a failure that leaves the outcome open, operation probe
 * (one the commit alone can have made true) is read back: if it holds, the
 * commit took effect and 0 is returned; if the read fails too, *unknown is
 * set (unknown may be NULL).
 */
int txn_commit(release_store *s, const char *app, struct txn *t, size_t probe, const char *what,
	       size_t *failed, int *unknown);
/* The same for operations the caller holds: RELEASE_ENOTFOUND (a DEL of an
 * absent record, *failed its index) comes back too, without a message; a
 * backend that reports a conflict or a missing record without naming its
 * operation gets RELEASE_EIO. */
int commit_ops(release_store *s, const char *app, const release_storage_op *ops, size_t n,
	       size_t probe, const char *what, size_t *failed, int *unknown);
/* A probe for commits that no one operation's read-back can settle: an
 * open outcome is returned as it is (worded). */
#define NO_PROBE ((size_t)-1)
/* One write: on a version-2 backend in a commit that checks app_raw (the
 * live app record as read before what is written was decided), else alone
 * (op RELEASE_OP_PUT or RELEASE_OP_CAS). Settled as settle_write. */
int write_one(release_store *s, const char *app, const struct raw *app_raw, int op, int kind,
	      const char *key, uint64_t seq, const void *old, size_t old_len, const void *data,
	      size_t len, const char *what);
/* Who holds app, on a backend with holds: 0 with l filled (free l->owner)
 * and *found set, or an error. */
int read_hold(release_store *s, const char *app, struct lease *l, int *found);
/* require_app, keeping the app record when a commit will check it. */
int app_for_write(release_store *s, const char *app, struct raw *app_raw);
/* Reads the active pointer; a->id[0] == 0 when nothing was promoted. */
int read_active(release_store *s, const char *app, struct active_ptr *a, struct raw *raw);
/* Marks r active if a names it, with the pointer's promotion time when the
 * release's own stamp is older (release.c). */
void apply_active(const struct active_ptr *a, release *r);
/* Reads and decodes a release by id; ENOTFOUND with a message when absent. */
int load_release(release_store *s, const char *app, const char *id, release **out,
		 struct raw *raw);
/*
 * Writes a new release at the version after the newest. draft is called with
 * the newest release (NULL when there is none) and fills the new release's
 * build, manifest, description, source and env (owned by r; id, version and
 * created are set by write_release); it returns 0, 1 for "nothing to write"
 * or an error. When another writer takes the version first, draft is called
 * again on the new newest release, so no concurrent change is lost.
 * *out is NULL when draft said nothing to write.
 */
typedef int (*draft_fn)(void *payload, const release *newest, release *r);
/* On a version-2 backend, adds what must be written in the same commit as
 * the new release r (after its put); 0 or an error. */
typedef int (*also_fn)(void *payload, struct txn *t, const release *r);
int write_release(release_store *s, const char *app, draft_fn draft, also_fn also,
		  void *payload, release **out);
/* The draft of a release made from build b, as release_create() makes it:
 * the build's id, manifest and description, the newest release's env
 * (release.c). */
int draft_from_build(const release_build *b, const release *newest, release *r);
int decode_raw_release(release_store *s, const char *app, const struct raw *raw, release **out);
/* As decode_raw_release(), for a listing: the release is kept (dcache.c)
 * for the next listing of the same page. */
int decode_listed_release(release_store *s, const char *app, const struct raw *raw,
			  release **out);

/* dcache.c: releases decoded lately, by app, version and record bytes. */
release *packed_copy(const release *r);
/* 1 and *out (the caller's copy) when raw decodes to a release kept; 0 when
 * none is kept (or no memory for the copy: the caller decodes). */
int dcache_get(release_store *s, const char *app, const struct raw *raw, release **out);
/* Keeps a copy of r, decoded from raw; best effort (records over 16 KiB
 * are not kept). */
void dcache_put(release_store *s, const char *app, const struct raw *raw, const release *r);
void dcache_free(release_store *s);
/* Rewrites a release record with its promoted (or failed) time set to when,
 * or to now when when is 0. A record whose time is already when or later is
 * left alone. */
int stamp_release(release_store *s, const char *app, const char *id, int failed, int64_t when);

/* deploy.c: the deployment log */
#define DEPLOY_KEY_MAX 24
struct release_deploy {
	char *app;
	uint64_t seq;
	int kind, failed, forced;
	char from[ID_MAX], to[ID_MAX], target[ID_MAX]; /* "" when none */
	uint64_t from_version, to_version;
	char *actor;
	int64_t started, ended, until;
};
/* Whether the backend keeps a deployment log (storage version 3). */
int has_deploy_log(const release_store *s);
void deploy_key(uint64_t seq, char key[DEPLOY_KEY_MAX]);
/* Adds to t the put of d as app's next entry (d->seq set from the newest;
 * key receives its key, which t borrows). 0 without adding anything when
 * the backend keeps no log. */
int deploy_entry_op(release_store *s, const char *app, release_deploy *d, struct txn *t,
		    char key[DEPLOY_KEY_MAX]);
/* The same written alone (backends without commits), retried when another
 * writer takes the seq. */
int deploy_entry_put(release_store *s, const char *app, release_deploy *d);

/* pager.c: newest-first iteration over an ordered kind, a page at a time */
#define PAGER_PAGE 64
typedef int (*pager_decode_fn)(release_store *s, const char *app, const struct raw *raw,
			       void **out, void *arg);
/* A step: an item, or a record that could not be read (item NULL). */
struct pager_entry {
	void *item;
	uint64_t seq;
	int rc;    /* item NULL: the step's error */
	char *msg; /* and its message */
};
struct pager {
	release_store *store;
	char app[64];
	int kind;
	size_t left;          /* items still to yield; SIZE_MAX: no limit */
	uint64_t before;      /* the cursor: next page is below this seq */
	uint64_t page_before; /* the cursor as the page being read moves it */
	size_t want;          /* entries the page being read may hold */
	int done, cb_rc;
	int end_rc;           /* a last step that ends the walk */
	char *end_msg;
	pager_decode_fn decode;
	void (*free_item)(void *item);
	void *arg;
	struct pager_entry items[PAGER_PAGE];
	size_t n, next;
};
void pager_init(struct pager *p, release_store *s, const char *app, int kind, size_t limit,
		uint64_t before);
/* 0 and *out (borrowed until the next call), RELEASE_ITEROVER, or an error:
 * RELEASE_ECORRUPT for a record that cannot be read, after which the walk
 * goes on below it; after any other error the same call may be tried
 * again. */
int pager_next(struct pager *p, void **out);
void pager_free(struct pager *p);

/* build.c */
int build_set_release(release_store *s, const char *app, const char *build_id,
		      const char *release_id);
/* Adds to t the rewrite of build_id naming release_id; *raw receives the
 * build record's current bytes, which the commit borrows (free it after). */
int build_link_op(release_store *s, const char *app, const char *build_id,
		  const char *release_id, struct txn *t, struct raw *raw);
int build_read(release_store *s, const char *app, const char *build_id, release_build **out);
/* As build_read(), keeping the record's bytes in raw (freed by the caller
 * on success). */
int build_read_raw(release_store *s, const char *app, const char *build_id, release_build **out,
		   struct raw *raw);
/* release_build_create(); with times, started (and, when final, ended)
 * at the times given instead of now. */
int build_create_at(release_store *s, const char *app, const release_build_opts *opts,
		    int times, int64_t started, int64_t ended, release_build **out);

#endif
