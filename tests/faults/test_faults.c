/*
 * Storage faults: every public operation that touches storage, run over a
 * backend that fails its Nth call, for N = 1, 2, 3 … until the operation no
 * longer reaches the fault.
 *
 * The fault backend wraps a raw "memory:" backend (release_storage_open) and
 * counts the calls of its methods. Armed at N, the Nth call fails with a
 * chosen code (focused tests may fail a few calls from there on), either
 * before it reaches the store (nothing is written) or after (the write
 * happened but the caller is told it failed: a lost acknowledgement). Every
 * other call is forwarded untouched.
 *
 * On a backend of version 2 the wrapper has its commit and holds too. A
 * commit is one call: failed before, none of its operations is applied;
 * after, all of them are (the acknowledgement of the whole is lost). A
 * hold failed after is given back first: a backend never keeps one it
 * reports failed.
 *
 * The faults: EIO, ENOSPC and ENOMEM before the call reaches the store (the
 * ENOMEM runs also leave out the backend's errmsg method, so the core must
 * word its own messages), and EIO after it (the lost acknowledgement).
 *
 * For each (operation, mode, code, N) a fresh store gets the same history,
 * the fault is armed, the operation runs, and then:
 *
 *   (a) the operation returns the injected code, unless the fault comes
 *       after the operation has taken effect, in which case it returns what
 *       it returns without a fault. An operation has taken effect once its
 *       commit point has passed (struct op's commit: the active pointer's
 *       swap for a promotion or rollback, the release's write for
 *       release_create, a failing deployer's return for a promotion that
 *       must report RELEASE_EDEPLOY); giving the promotion lease back is
 *       always after it ("Failing to is harmless: the lease expires",
 *       lib/promote.c drop_lease()). A write whose acknowledgement was lost
 *       has taken effect: the core reads the record back, learns it, and
 *       goes on as without a fault, so the operation returns what it
 *       returns without one (release.h: only the codes that promise
 *       nothing was written may be wrong about a write). A write that
 *       failed before reaching the store may likewise find its effect in
 *       place already (deleting a record that is absent) and go on; the
 *       operation then completes as without a fault;
 *   (b) every failure has a message (release_store_errmsg() is not empty);
 *       a failed rollback that wrote its copy names the copy, and a failing
 *       deployer whose failure could not be recorded says both;
 *   (c) the store, read back through the public API, is the history before
 *       the operation, the history after a fault-free run of it, or one of
 *       the few intermediate states listed at `enum accept` (fault_sweep.h),
 *       each only where the failed call can produce it; no lease is left
 *       behind but by a failure to give it back; once the lease has
 *       expired the store passes check_store() (the invariants), and a
 *       normal env change plus promotion succeeds on every app.
 *
 * Behaviours the sweeps rely on have focused tests, below and in
 * fault_outcomes.c, which also cover the cases a single fault per run
 * cannot reach (a page that fails and is retried, an interrupted deletion
 * finished by deleting again).
 * A library bug found here gets a bug_* test, failing until lib/ is fixed,
 * and the sweeps may recognise exactly its symptom (a KNOWN_* flag in enum
 * accept) so that any other regression still fails them. Open:
 * bug_a_promotion_goes_on_when_the_outgoing_release_cannot_be_read
 * (KNOWN_OUTGOING_READ).
 *
 * Every sweep runs twice: on the memory backend as it is, whose commits and
 * holds the core then uses (version 2), and on the same backend seen as a
 * version-1 one (the "_on_version_1" tests), which the core drives one
 * record a call with an expiring lease record. Focused tests of one
 * protocol's calls run on that one.
 *
 * Only the memory backend is swept: every run needs a fresh, empty store with
 * the same history. A persistent backend joins by opening a fresh location
 * per run in run_open().
 *
 * The program's files: fault_backend.c, the fault backend; fault_run.c, one
 * run (its store, history, listing and invariants); fault_ops.c, the
 * operations swept and what each may leave; fault_sweep.c, the sweep
 * engine; this file and fault_outcomes.c, the focused tests, and main.
 */
#include "fault_outcomes.h"
#include "fault_sweep.h"

/* ------------------------------------------------------- focused tests
 *
 * The behaviours the sweeps rely on, each in one place, and the cases a
 * single fault per run cannot reach.
 */

/* Iterators and release_prune word a message for every failure of a scan,
 * the backend's ENOMEM and ECORRUPT included, with or without the
 * backend's own errmsg. (An iterator reads around a scan's ECORRUPT one
 * record at a time, so there every read fails.) */
static void fail_listing(struct fault_backend *fb, int code)
{
	fault_only(fb, code == RELEASE_ECORRUPT ? M_ANY : M_SCAN, 0, NULL);
	fault_arm(fb, 1, code, FAIL_BEFORE);
	if (code == RELEASE_ECORRUPT)
		fb->count = 1000;
}

static void iteration_failures_have_a_message(void **state)
{
	static const int codes[] = {RELEASE_ENOMEM, RELEASE_ECORRUPT, RELEASE_EIO};

	(void)state;
	for (int with_errmsg = 0; with_errmsg < 2; with_errmsg++) {
		for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
			struct run r;
			release_iter *it = NULL;
			release_build_iter *bi = NULL;
			const release *x = (const release *)&x;
			const release_build *b = (const release_build *)&b;
			char how[96];
			int rc;

			run_open(&r, with_errmsg);
			history(&r);
			snprintf(how, sizeof how, "scan fails with %s%s", release_strerror(codes[i]),
				 with_errmsg ? "" : " (no backend errmsg)");

			snprintf(where, sizeof where, "release_iter_next: %s", how);
			assert_store_ok(r.s, release_list(r.s, "web", NULL, &it));
			fail_listing(r.fb, codes[i]);
			rc = release_iter_next(it, &x);
			fault_disarm(r.fb);
			CHECK(rc == codes[i], "the backend's error is returned");
			CHECK(x == NULL, "a failed step yields nothing");
			CHECK(release_store_errmsg(r.s)[0] != '\0', "a failure has a message");
			release_iter_free(it);

			snprintf(where, sizeof where, "release_build_iter_next: %s", how);
			assert_store_ok(r.s, release_build_list(r.s, "web", 0, &bi));
			fail_listing(r.fb, codes[i]);
			rc = release_build_iter_next(bi, &b);
			fault_disarm(r.fb);
			CHECK(rc == codes[i], "the backend's error is returned");
			CHECK(b == NULL, "a failed step yields nothing");
			CHECK(release_store_errmsg(r.s)[0] != '\0', "a failure has a message");
			release_build_iter_free(bi);

			snprintf(where, sizeof where, "release_prune: %s", how);
			fault_only(r.fb, M_SCAN, 0, NULL);
			fault_arm(r.fb, 1, codes[i], FAIL_BEFORE);
			rc = release_prune(r.s, "web", 0, NULL);
			fault_disarm(r.fb);
			CHECK(rc == codes[i], "the backend's error is returned");
			CHECK(release_store_errmsg(r.s)[0] != '\0', "a failure has a message");
			run_close(&r);
		}
	}
}

/* Lists app's releases (or builds) by id, failing the fail_scan-th scan
 * (0: none) in mode, and carrying on after the failure. */
static void list_ids(int builds, const char *app, unsigned long fail_scan, enum fault_mode mode,
		     struct lines *out)
{
	struct run r;
	release_iter *it = NULL;
	release_build_iter *bi = NULL;
	int rc, failures = 0;

	memset(out, 0, sizeof *out);
	run_open(&r, 1);
	long_history(&r);
	if (builds)
		assert_store_ok(r.s, release_build_list(r.s, app, 0, &bi));
	else
		assert_store_ok(r.s, release_list(r.s, app, NULL, &it));
	if (fail_scan) {
		fault_only(r.fb, M_SCAN, 0, NULL);
		fault_arm(r.fb, fail_scan, RELEASE_EIO, mode);
	}
	for (;;) {
		const release *x = NULL;
		const release_build *b = NULL;

		rc = builds ? release_build_iter_next(bi, &b) : release_iter_next(it, &x);
		if (rc == 0) {
			lines_add(out, "%s", builds ? release_build_id(b) : release_id(x));
			continue;
		}
		if (rc == RELEASE_ITEROVER)
			break;
		CHECK(rc == RELEASE_EIO && failures == 0, "only the injected failure stops a step");
		CHECK(x == NULL && b == NULL, "a failed step yields nothing");
		CHECK(release_store_errmsg(r.s)[0] != '\0', "a failure has a message");
		failures++;
		fault_disarm(r.fb);
		if (out->n > 2 * LONG_N)
			break;
	}
	CHECK(failures == (fail_scan ? 1 : 0), "the page failed as armed");
	release_iter_free(it);
	release_build_iter_free(bi);
	run_close(&r);
}

/* A failed page does not move the cursor: the next step reads the same page
 * again, and the listing is whole, in order, without repeats. */
static void iteration_retries_a_failed_page(void **state)
{
	static const struct {
		const char *app;
		unsigned long scan;
	} cases[] = {{"web", 1}, {"long", 1}, {"long", 2}};

	(void)state;
	for (int builds = 0; builds < 2; builds++) {
		for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
			for (int mode = FAIL_BEFORE; mode <= FAIL_AFTER; mode++) {
				struct lines want, got;

				snprintf(where, sizeof where,
					 "listing %s's %s, scan %lu fails (%s), then carrying on",
					 cases[i].app, builds ? "builds" : "releases", cases[i].scan,
					 mode == FAIL_BEFORE ? "not forwarded" : "forwarded");
				list_ids(builds, cases[i].app, 0, FAIL_BEFORE, &want);
				list_ids(builds, cases[i].app, cases[i].scan, (enum fault_mode)mode,
					 &got);
				CHECK(want.n == (strcmp(cases[i].app, "web") == 0 ? 5u : (size_t)LONG_N),
				      "the fault-free listing is whole");
				CHECK(lines_equal(&got, &want),
				      "the listing carried on after the failure is the whole listing");
				lines_free(&want);
				lines_free(&got);
			}
		}
	}
}

/* One promotion with one call failing (matched by m, kind, key; the nth
 * such call), and what readers then see. */
struct switched {
	int rc;
	char msg[512];
	char want[ID_LEN];      /* the release being promoted */
	char active[ID_LEN];    /* the app's active release afterwards */
	int64_t earlier;        /* the latest promoted stamp before */
	int64_t by_id, by_version, listed;
	int status;
};

static void promote_with_fault(int forced_older, enum method m, int kind, const char *key,
			       unsigned long nth, enum fault_mode mode, struct switched *out)
{
	release_promote_opts o;
	struct run r;
	release *x = NULL;
	release_iter *it = NULL;
	const release *y;
	release_app *a = NULL;
	uint64_t version;
	int rc;

	memset(out, 0, sizeof *out);
	run_open(&r, 1);
	history(&r);
	release_promote_opts_init(&o);
	if (forced_older)
		o.flags = RELEASE_PROMOTE_FORCE;
	version = forced_older ? 2 : 5;
	copy_id(out->want, r.h.r[version]);
	out->earlier = latest_promoted(r.s, "web");
	fault_only(r.fb, m, kind, key ? key : out->want);
	fault_arm(r.fb, nth, RELEASE_EIO, mode);
	out->rc = release_promote(r.s, "web", out->want, &o);
	snprintf(out->msg, sizeof out->msg, "%s", release_store_errmsg(r.s));
	CHECK(r.fb->fired, "the fault fired");
	fault_disarm(r.fb);

	copy_id(out->active, active_of(r.s, "web"));
	assert_store_ok(r.s, release_get(r.s, "web", out->want, &x));
	out->by_id = release_promoted(x);
	release_free(x);
	assert_store_ok(r.s, release_get_version(r.s, "web", version, &x));
	out->by_version = release_promoted(x);
	release_free(x);
	assert_store_ok(r.s, release_list(r.s, "web", NULL, &it));
	while ((rc = release_iter_next(it, &y)) == 0)
		if (strcmp(release_id(y), out->want) == 0)
			out->listed = release_promoted(y);
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_iter_free(it);
	assert_store_ok(r.s, release_app_get(r.s, "web", &a));
	out->status = release_app_status(a);
	release_app_free(a);
	run_close(&r);
}

/* Once the active pointer has moved the promotion has happened: a failure
 * to stamp the release, or to give the lease back, returns 0, and so does
 * a lost acknowledgement of the swap itself (the pointer, read back, shows
 * it moved). The active release reads as promoted, later than anything
 * before, alike by id, by version and in listings, and the lease is given
 * back. */
static void promotion_interrupted_after_the_switch_has_happened(void **state)
{
	static const struct {
		const char *what;
		enum method m;
		int kind;
		const char *key; /* NULL: the release being promoted */
		unsigned long nth;
		enum fault_mode mode;
		int rc;
		int on; /* V1, V2: on a version-2 backend the stamps and the
			 * lease's end are in the swap's commit */
	} cases[] = {
		{"reading the release to stamp it", M_GET, RELEASE_KIND_RELEASE, NULL, 2,
		 FAIL_BEFORE, 0, V1},
		{"writing the stamp", M_CAS, RELEASE_KIND_RELEASE, NULL, 1, FAIL_BEFORE, 0, V1},
		{"giving the lease back", M_CAS, RELEASE_KIND_META, "lease", 2, FAIL_BEFORE, 0, V1},
		{"the swap's acknowledgement", M_CAS, RELEASE_KIND_META, "active", 1, FAIL_AFTER, 0,
		 V1},
		{"the acknowledgement of the swap's commit", M_COMMIT, RELEASE_KIND_META, "active",
		 1, FAIL_AFTER, 0, V2},
	};

	(void)state;
	for (int forced = 0; forced < 2; forced++) {
		for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
			struct switched sw;

			if (!ON_THIS_PROTOCOL(cases[i].on))
				continue;
			promote_with_fault(forced, cases[i].m, cases[i].kind, cases[i].key,
					   cases[i].nth, cases[i].mode, &sw);
			snprintf(where, sizeof where,
				 "promoting %s%s, %s fails; returned %d, \"%s\"", sw.want,
				 forced ? " (older, forced)" : "", cases[i].what, sw.rc, sw.msg);
			CHECK(sw.rc == cases[i].rc, "the promotion's result");
			if (sw.rc != 0)
				CHECK(sw.msg[0] != '\0', "a failure has a message");
			CHECK(strcmp(sw.active, sw.want) == 0, "the release is active");
			CHECK(sw.by_id > sw.earlier, "the active release reads as promoted now");
			CHECK(sw.by_version == sw.by_id && sw.listed == sw.by_id,
			      "every reader tells the same promoted time");
			if (cases[i].key && strcmp(cases[i].key, "lease") == 0)
				continue; /* it stays until it expires: harmless */
			CHECK(sw.status == RELEASE_APP_RUNNING, "the lease was given back");
		}
	}
}

/* A deployer fails and marking the release failed fails too: the result is
 * still RELEASE_EDEPLOY, whose message says both, and the previous release
 * stays active. A mark whose acknowledgement was lost was written: the
 * message tells of the deployment alone. */
static void failing_deployer_is_reported_when_its_stamp_fails(void **state)
{
	(void)state;
	for (unsigned long nth = 1; nth <= 2; nth++) {
		for (int mode = FAIL_BEFORE; mode <= FAIL_AFTER; mode++) {
			struct deploy d = {1, 0, 0, NULL};
			release_promote_opts o;
			struct run r;
			release_app *a = NULL;
			char msg[512];
			int rc;

			run_open(&r, 1);
			history(&r);
			deploy_opts(&o, &d);
			/* get 1 loads the release; get 2 and the write (a cas,
			 * or a commit on a version-2 backend) are the stamp. */
			fault_only(r.fb, nth == 2 ? M_GET : version_1 ? M_CAS : M_COMMIT,
				   RELEASE_KIND_RELEASE, r.h.r[5]);
			fault_arm(r.fb, nth == 1 ? 1 : 2, RELEASE_EIO, (enum fault_mode)mode);
			rc = release_promote(r.s, "web", r.h.r[5], &o);
			snprintf(msg, sizeof msg, "%s", release_store_errmsg(r.s));
			snprintf(where, sizeof where,
				 "a failing deployer's stamp fails (%s of it, %s); returned %d, \"%s\"",
				 nth == 1 ? "the write" : "the read",
				 mode == FAIL_BEFORE ? "not forwarded" : "forwarded", rc, msg);
			CHECK(r.fb->fired, "the fault fired");
			fault_disarm(r.fb);
			CHECK(rc == RELEASE_EDEPLOY, "the deployer's failure is the result");
			if (nth == 1 && mode == FAIL_AFTER) {
				release *x = NULL;

				CHECK(strstr(msg, "deploy") && !strstr(msg, "injected fault"),
				      "a mark that was written is not reported as failed");
				assert_store_ok(r.s, release_get(r.s, "web", r.h.r[5], &x));
				CHECK(release_failed(x) > 0, "the release is marked failed");
				release_free(x);
			} else {
				CHECK(strstr(msg, "deploy") && strstr(msg, "injected fault"),
				      "the message tells of the deployment and of the storage failure");
			}
			CHECK(d.calls == 1, "the deployer ran once");
			CHECK(strcmp(active_of(r.s, "web"), r.h.r[4]) == 0,
			      "the previous release stays active");
			assert_store_ok(r.s, release_app_get(r.s, "web", &a));
			CHECK(release_app_status(a) == RELEASE_APP_RUNNING, "the lease was given back");
			release_app_free(a);
			run_close(&r);
		}
	}
}

/* release_create: once the release is written, failing to record it on its
 * build is no failure. */
static void release_create_succeeds_when_the_build_link_fails(void **state)
{
	(void)state;
	for (unsigned long nth = 1; nth <= 2; nth++) {
		struct run r;
		release *x = (release *)&x;
		release_build *b = NULL;
		int rc;

		run_open(&r, 1);
		history(&r);
		/* The build is read once before the release is written: get 2
		 * and cas 1 are the back link's. */
		fault_only(r.fb, nth == 1 ? M_CAS : M_GET, RELEASE_KIND_BUILD, r.h.b[5]);
		fault_arm(r.fb, nth == 1 ? 1 : 2, RELEASE_EIO, FAIL_BEFORE);
		rc = release_create(r.s, "web", r.h.b[5], &x);
		snprintf(where, sizeof where,
			 "release_create, the back link's %s fails; returned %d, \"%s\"",
			 nth == 1 ? "write" : "read", rc, release_store_errmsg(r.s));
		CHECK(r.fb->fired, "the fault fired");
		fault_disarm(r.fb);
		CHECK(rc == 0, "the release was made");
		CHECK(x != NULL && x != (release *)&x && release_version(x) == 6,
		      "the new release is returned");
		assert_store_ok(r.s, release_build_get(r.s, "web", r.h.b[5], &b));
		CHECK(release_build_release(b) == NULL, "the build records no release");
		release_build_free(b);
		CHECK(count_releases(r.s, "web") == 6, "the release is listed");
		release_free(x);
		run_close(&r);
	}
}

static void rollback_gives_the_lease_back_when_reading_fails(void **state)
{
	struct run r;
	release_app *a = NULL;
	int rc, status;

	(void)state;
	snprintf(where, sizeof where, "rollback, reading the active pointer fails after the lease");
	run_open(&r, 1);
	history(&r);
	/* With a target, the first read of the active pointer is promote()'s,
	 * after the lease is taken and the copy written. */
	fault_only(r.fb, M_GET, RELEASE_KIND_META, "active");
	fault_arm(r.fb, 1, RELEASE_EIO, FAIL_BEFORE);
	rc = release_rollback(r.s, "web", r.h.r[1], NULL, NULL);
	fault_disarm(r.fb);
	assert_store_ok(r.s, release_app_get(r.s, "web", &a));
	status = release_app_status(a);
	release_app_free(a);
	run_close(&r);
	assert_int_equal(rc, RELEASE_EIO);
	CHECK(status == RELEASE_APP_RUNNING, "the lease was given back");
}

/* The lease buffer of a lease that could not be taken is freed: only
 * LeakSanitizer or valgrind can see a failure of this one. */
static void promote_frees_the_lease_it_could_not_take(void **state)
{
	struct run r;
	int rc[2];

	(void)state;
	run_open(&r, 1);
	history(&r);
	fault_only(r.fb, M_GET, RELEASE_KIND_META, "lease");
	fault_arm(r.fb, 1, RELEASE_EIO, FAIL_BEFORE);
	rc[0] = release_promote(r.s, "web", r.h.r[5], NULL);
	fault_arm(r.fb, 1, RELEASE_EIO, FAIL_BEFORE);
	rc[1] = release_rollback(r.s, "web", r.h.r[1], NULL, NULL);
	fault_disarm(r.fb);
	run_close(&r);
	assert_int_equal(rc[0], RELEASE_EIO);
	assert_int_equal(rc[1], RELEASE_EIO);
}

/* A rollback whose promotion fails, for whatever reason, names the copy
 * and leaves it marked failed (release.h). */
static void rollback_failure_names_the_new_release(void **state)
{
	(void)state;
	for (int deployer_fails = 0; deployer_fails < 2; deployer_fails++) {
		struct deploy d = {1, 0, 0, NULL};
		release_promote_opts o;
		struct run r;
		release *x = (release *)&x;
		char msg[512], prefix[160];
		int rc;

		run_open(&r, 1);
		history(&r);
		deploy_opts(&o, &d);
		if (!deployer_fails) {
			fault_only(r.fb, version_1 ? M_CAS : M_COMMIT, RELEASE_KIND_META, "active");
			fault_arm(r.fb, 1, RELEASE_EIO, FAIL_BEFORE);
		}
		rc = release_rollback(r.s, "web", r.h.r[1], deployer_fails ? &o : NULL, &x);
		snprintf(msg, sizeof msg, "%s", release_store_errmsg(r.s));
		fault_disarm(r.fb);
		snprintf(where, sizeof where, "rollback to %s, %s; returned %d, \"%s\"", r.h.r[1],
			 deployer_fails ? "the deployer fails" : "the swap fails", rc, msg);
		CHECK(rc == (deployer_fails ? RELEASE_EDEPLOY : RELEASE_EIO), "the failure's code");
		CHECK(x == NULL, "out is NULL on failure");
		assert_store_ok(r.s, release_get_version(r.s, "web", 6, &x));
		snprintf(prefix, sizeof prefix,
			 "app 'web': rollback release %s (copy of %s) was not promoted: ", release_id(x),
			 r.h.r[1]);
		CHECK(strncmp(msg, prefix, strlen(prefix)) == 0 && msg[strlen(prefix)] != '\0',
		      "the message names the copy, its source and why");
		CHECK(release_failed(x) > 0, "the copy is marked failed");
		CHECK(!release_is_active(x) && release_promoted(x) == 0, "the copy is not promoted");
		CHECK(strcmp(active_of(r.s, "web"), r.h.r[4]) == 0, "the active release stays");
		release_free(x);
		run_close(&r);
	}
}

static int find_name(void *payload, const char *app)
{
	if (strcmp(app, "web") == 0)
		*(int *)payload = 1;
	return 0;
}

/* Deleting an app whose deletion was interrupted, wherever, finishes it:
 * 0 while its record (live or a tombstone) is there, RELEASE_ENOTFOUND once
 * it is gone; then nothing of the app is left in storage. (A deletion
 * interrupted after its tombstone returned 0 already: the tombstone is its
 * commit point.) */
static void app_delete_again_finishes_an_interrupted_delete(void **state)
{
	(void)state;
	for (int mode = FAIL_BEFORE; mode <= FAIL_AFTER; mode++) {
		for (unsigned long n = 1;; n++) {
			struct run r;
			release_app *a = (release_app *)&a;
			int rc, again, present = 0, left = 0;

			run_open(&r, 1);
			history(&r);
			fault_arm(r.fb, n, RELEASE_EIO, (enum fault_mode)mode);
			rc = release_app_delete(r.s, "web");
			if (!r.fb->fired) {
				run_close(&r);
				break;
			}
			fault_disarm(r.fb);
			snprintf(where, sizeof where,
				 "release_app_delete, call %lu fails (%s), then deleting again", n,
				 mode == FAIL_BEFORE ? "not forwarded" : "forwarded, then failed");
			/* A lost acknowledgement, or a failed delete of what is
			 * absent anyway, is seen through: the deletion is whole. */
			CHECK(rc == RELEASE_EIO ||
			      (rc == 0 && (mode == FAIL_AFTER || is_delete(&r.fb->failed) ||
					   (r.fb->passed & PASSED_TOMBSTONE))),
			      "the storage's error is returned unless the deletion took effect");
			r.fb->inner->get(r.fb->inner_ctx, "web", RELEASE_KIND_META, "app", found_record,
					 &present);
			again = release_app_delete(r.s, "web");
			appendf(where, sizeof where, ": returned %d, \"%s\"", again,
				release_store_errmsg(r.s));
			CHECK(again == (present ? 0 : RELEASE_ENOTFOUND),
			      "deleting again finishes the deletion");
			assert_ok(r.fb->inner->list_apps(r.fb->inner_ctx, find_name, &left));
			CHECK(!left, "nothing of the app is left in storage");
			CHECK(release_app_get(r.s, "web", &a) == RELEASE_ENOTFOUND && a == NULL,
			      "the app is not found");
			run_close(&r);
		}
	}
}

/* The runs of a focused test on one protocol. */
static int on_version_1(void **state)
{
	(void)state;
	version_1 = 1;
	return 0;
}

static int on_version_2(void **state)
{
	(void)state;
	version_1 = 0;
	return 0;
}

#define FOCUSED(fn, on) {#fn, fn, on}

int main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void **);
		int on;
	} focused[] = {
		FOCUSED(iteration_failures_have_a_message, V1 | V2),
		FOCUSED(iteration_retries_a_failed_page, V1 | V2),
		FOCUSED(promotion_interrupted_after_the_switch_has_happened, V1 | V2),
		FOCUSED(failing_deployer_is_reported_when_its_stamp_fails, V1 | V2),
		FOCUSED(release_create_succeeds_when_the_build_link_fails, V1),
		FOCUSED(rollback_gives_the_lease_back_when_reading_fails, V1 | V2),
		FOCUSED(promote_frees_the_lease_it_could_not_take, V1 | V2),
		FOCUSED(rollback_failure_names_the_new_release, V1 | V2),
		FOCUSED(app_delete_again_finishes_an_interrupted_delete, V1 | V2),
		FOCUSED(rollback_that_took_effect_returns_its_copy_as_promoted, V1),
		FOCUSED(a_release_once_active_never_reads_as_never_promoted, V1),
		FOCUSED(a_lease_taken_with_a_lost_acknowledgement_does_not_block_the_app, V1),
		FOCUSED(a_lease_of_unknown_outcome_is_given_back, V1),
		FOCUSED(a_rollback_whose_swap_acknowledgement_was_lost_succeeds, V1 | V2),
		FOCUSED(a_rollback_of_unknown_outcome_does_not_mark_an_active_copy_failed, V1 | V2),
		FOCUSED(bug_a_promotion_goes_on_when_the_outgoing_release_cannot_be_read, V1 | V2),
		FOCUSED(a_faulted_commit_is_applied_whole_or_not_at_all, V2),
		FOCUSED(a_faulted_hold_is_not_kept, V2),
	};
#define N_FOCUSED (sizeof focused / sizeof *focused)
	static struct sweep_case cases[2 * N_OPS];
	static char names[2 * N_FOCUSED][160];
	static struct CMUnitTest tests[2 * N_OPS + 2 * N_FOCUSED];
	size_t n = 0;

	for (int v1 = 0; v1 < 2; v1++) {
		for (size_t i = 0; i < N_OPS; i++) {
			struct sweep_case *c = &cases[v1 * N_OPS + i];

			c->op = &ops[i];
			c->version_1 = v1;
			snprintf(c->name, sizeof c->name, "%s%s", ops[i].test_name,
				 v1 ? "_on_version_1" : "");
			tests[n].name = c->name;
			tests[n].test_func = sweep;
			tests[n++].initial_state = c;
		}
		for (size_t i = 0; i < N_FOCUSED; i++) {
			if (!(focused[i].on & (v1 ? V1 : V2)))
				continue;
			snprintf(names[v1 * N_FOCUSED + i], sizeof names[0], "%s%s", focused[i].name,
				 v1 ? "_on_version_1" : "");
			tests[n].name = names[v1 * N_FOCUSED + i];
			tests[n].test_func = focused[i].fn;
			tests[n++].setup_func = v1 ? on_version_1 : on_version_2;
		}
	}
	return _cmocka_run_group_tests("faults", tests, n, NULL, NULL);
}
