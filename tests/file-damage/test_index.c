/*
 * Index entries damaged to zeros. The log is the truth; the seq indexes
 * (rel.N, bld.N) and the key index (keys.N) are derived from it. An entry of
 * all zeros also means "no record", so zeros where a record was indexed must
 * never read as absence: a listing that skips an acknowledged release, a
 * lookup that says "not found" for a listed one, or a write that reuses an
 * acknowledged version loses data without a word. Each variant must either
 * read and write exactly as the undamaged store would (the index repaired
 * from the log) or report RELEASE_ECORRUPT naming the file and where in it.
 *
 * Every variant starts from the same history (damage.h): app "web" with six
 * releases (6 active, 4 before it) and three builds.
 */
#include "damage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct history H;
static const char *work; /* the store each variant is re-created in */

#define SNAP 2 /* the history's snapshot every variant starts from */

static int group_setup(void **state)
{
	(void)state;
	history_make(&H);
	work = temp_dir();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	history_free(&H);
	return 0;
}

static int test_setup(void **state)
{
	(void)state;
	soft_reset();
	return 0;
}

/* Re-creates the history in work with len bytes at off of file zeroed
 * (len SIZE_MAX: the whole file, keeping its length). */
static void store_zeroed(const char *file, size_t off, size_t len)
{
	struct tree v;
	struct tfile *f;

	tree_copy(&v, &H.t[SNAP]);
	f = tree_get(&v, file);
	if (len == SIZE_MAX) {
		off = 0;
		len = f->len;
	}
	assert_true(off + len <= f->len);
	memset(f->data + off, 0, len);
	tree_store(&v, work);
	tree_free(&v);
}

/* After a successful write probe: the store re-opened reads as the write
 * left it, everything intact. */
static void check_after_write(const struct expect *before, const struct rel_view *made)
{
	struct view a, b;
	struct expect e;
	release_store *s;

	expect_after(before, made, &a, &b, &e);
	s = open_store(work);
	check_reads(s, &e);
	release_store_close(s);
	view_free(&a);
	view_free(&b);
}

/* Open, read everything, write once (env set DAMAGE=1), and when the write
 * succeeded, re-open and read again. RELEASE_ECORRUPT (located) is allowed
 * throughout; absence and version reuse are not. */
static void probe(void)
{
	struct expect e = {&H.v[SNAP], NULL, 0, 0};
	struct rel_view made;
	release_store *s = open_store(work);
	int rc;

	check_reads(s, &e);
	rc = write_probe(s, &e, &made);
	if (rc != 0)
		expect_corrupt(rc, release_store_errmsg(s), "release_env_set");
	release_store_close(s);
	if (rc != 0)
		return;
	check_after_write(&e, &made);
	rel_view_free(&made);
}

/* Offset of seq's entry in a seq index. */
static size_t ent_off(uint64_t seq)
{
	return 64 + (size_t)(seq - 1) * 24;
}

static void zeroed_release_entries_never_read_as_absent(void **state)
{
	(void)state;
	for (uint64_t v = 1; v <= H.v[SNAP].nrel; v++) {
		set_ctx("rel.1 entry %llu zeroed (of %zu)", (unsigned long long)v, H.v[SNAP].nrel);
		store_zeroed("web/rel.1", ent_off(v), 24);
		probe();
	}
	check_soft("zeroed entries of rel.1");
}

/*
 * The build written after the damage: it must not take the sequence of a
 * build whose entry was zeroed (that build would be gone for good). Re-opened,
 * the store lists the new build and every old one, exactly, or says
 * RELEASE_ECORRUPT.
 */
static void build_probe(void)
{
	const struct view *w = &H.v[SNAP];
	release_store *s = open_store(work);
	release_build_opts o;
	release_build *b = NULL;
	release_build_iter *it = NULL;
	const release_build *x;
	char *made;
	size_t i = 0;
	int rc;

	release_build_opts_init(&o);
	o.description = "written after the damage";
	o.manifest = "probe\n";
	rc = release_build_create(s, "web", &o, &b);
	if (rc != 0) {
		expect_corrupt(rc, release_store_errmsg(s), "release_build_create");
		release_store_close(s);
		return;
	}
	made = dump_build(b);
	release_build_free(b);
	release_store_close(s);

	s = open_store(work);
	rc = release_build_list(s, "web", 0, &it);
	while (rc == 0 && (rc = release_build_iter_next(it, &x)) == 0) {
		char *d = dump_build(x);
		const char *want = i == 0 ? made : i <= w->nbld ? w->bld[i - 1].dump : "(none)";

		if (strcmp(d, want) != 0)
			soft_fail("after a new build, release_build_list item %zu:\n  got  %s\n  want %s",
				  i, d, want);
		free(d);
		i++;
	}
	release_build_iter_free(it);
	if (rc != RELEASE_ITEROVER)
		soft_fail("after a successful build, listing builds -> %d (%s): %s", rc,
			  release_strerror(rc), release_store_errmsg(s));
	else if (i != w->nbld + 1)
		soft_fail("after a new build, %zu builds are listed, want %zu (a build was replaced)", i,
			  w->nbld + 1);
	for (i = 0; i < w->nbld; i++) {
		release_build *g = NULL;

		rc = release_build_get(s, "web", w->bld[i].id, &g);
		if (rc != 0)
			soft_fail("after a new build, release_build_get(%s) -> %d (%s): %s", w->bld[i].id,
				  rc, release_strerror(rc), release_store_errmsg(s));
		release_build_free(g);
	}
	release_store_close(s);
	free(made);
}

static void zeroed_build_entries_never_read_as_absent(void **state)
{
	(void)state;
	for (uint64_t b = 1; b <= H.v[SNAP].nbld; b++) {
		set_ctx("bld.1 entry %llu zeroed (of %zu)", (unsigned long long)b, H.v[SNAP].nbld);
		store_zeroed("web/bld.1", ent_off(b), 24);
		probe();
		set_ctx("bld.1 entry %llu zeroed (of %zu), then a new build", (unsigned long long)b,
			H.v[SNAP].nbld);
		store_zeroed("web/bld.1", ent_off(b), 24);
		build_probe();
	}
	check_soft("zeroed entries of bld.1");
}

/* The app has an active release: an index of zeros is not an empty history,
 * and the next release is not version 1. */
static void zero_filled_index_files_never_read_as_an_empty_history(void **state)
{
	(void)state;
	set_ctx("rel.1 all zeros");
	store_zeroed("web/rel.1", 0, SIZE_MAX);
	probe();
	set_ctx("bld.1 all zeros");
	store_zeroed("web/bld.1", 0, SIZE_MAX);
	probe();
	set_ctx("bld.1 all zeros, then a new build");
	store_zeroed("web/bld.1", 0, SIZE_MAX);
	build_probe();
	check_soft("index files of zeros");
}

/* ------------------------------------------------------------- keys */

/* The slots of keys.1 that hold something. */
static size_t used_slots(size_t *out, size_t max)
{
	const struct tfile *k = tree_get(&H.t[SNAP], "web/keys.1");
	size_t n = 0;

	for (size_t off = 64; off + 24 <= k->len && n < max; off += 24) {
		int used = 0;

		for (size_t i = 0; i < 24; i++)
			used |= k->data[off + i] != 0;
		if (used)
			out[n++] = (off - 64) / 24;
	}
	return n;
}

/* A promotion (forced, so an older release is allowed) or a rollback to id,
 * on a fresh store from the current contents of work. */
static int id_op(int rollback, const char *id, char *msg, size_t len)
{
	release_store *s = open_store(work);
	release_promote_opts po;
	int rc;

	release_promote_opts_init(&po);
	po.flags = RELEASE_PROMOTE_FORCE;
	rc = rollback ? release_rollback(s, "web", id, &po, NULL) : release_promote(s, "web", id, &po);
	snprintf(msg, len, "%s", release_store_errmsg(s));
	release_store_close(s);
	return rc;
}

static void zeroed_key_slots_never_make_a_listed_release_unknown(void **state)
{
	const struct view *w = &H.v[SNAP];
	size_t slots[64], n = used_slots(slots, 64);
	int want[2][64];
	char msg[600];

	(void)state;
	assert_true(n >= w->nrel + w->nbld);
	/* what each operation gives on the undamaged store */
	for (size_t r = 0; r < w->nrel; r++) {
		for (int op = 0; op < 2; op++) {
			tree_store(&H.t[SNAP], work);
			want[op][r] = id_op(op, w->rel[r].id, msg, sizeof msg);
			if (want[op][r] == RELEASE_ENOTFOUND || want[op][r] == RELEASE_ECORRUPT)
				fail_msg("on the undamaged store, %s %s -> %d: %s",
					 op ? "rollback to" : "promote", w->rel[r].id, want[op][r], msg);
		}
	}
	for (size_t i = 0; i < n; i++) {
		set_ctx("keys.1 slot %zu zeroed", slots[i]);
		store_zeroed("web/keys.1", 64 + slots[i] * 24, 24);
		probe();
		for (size_t r = 0; r < w->nrel; r++) {
			for (int op = 0; op < 2; op++) {
				int rc;

				set_ctx("keys.1 slot %zu zeroed, %s release %llu", slots[i],
					op ? "rollback to" : "promote", (unsigned long long)w->rel[r].version);
				store_zeroed("web/keys.1", 64 + slots[i] * 24, 24);
				rc = id_op(op, w->rel[r].id, msg, sizeof msg);
				if (rc != want[op][r])
					expect_corrupt(rc, msg, op ? "release_rollback" : "release_promote");
			}
		}
	}
	check_soft("zeroed slots of keys.1");
}

/* ------------------------------------------------ compaction afterwards */

/* Writes builds with 16 KiB manifests, each moved to running and complete:
 * two dead copies per build, until compaction has run (or a write fails,
 * which must be RELEASE_ECORRUPT). Returns 1 if compaction ran, -1 if a
 * write failed first, 0 if neither. */
static int churn_to_compaction(void)
{
	char *manifest = malloc(16384 + 1);
	release_store *s = open_store(work);
	char log[600];
	int compacted = 0;

	assert_non_null(manifest);
	memset(manifest, 'm', 16384);
	manifest[16384] = '\0';
	for (int i = 0; i < 8 && !compacted; i++) {
		release_build_opts o;
		release_build *b = NULL;
		int rc;

		release_build_opts_init(&o);
		o.description = "churn";
		o.manifest = manifest;
		rc = release_build_create(s, "web", &o, &b);
		if (rc == 0)
			rc = release_build_set_status(s, "web", release_build_id(b),
						      RELEASE_BUILD_RUNNING, NULL);
		if (rc == 0)
			rc = release_build_set_status(s, "web", release_build_id(b),
						      RELEASE_BUILD_COMPLETE, NULL);
		release_build_free(b);
		if (rc != 0) {
			expect_corrupt(rc, release_store_errmsg(s), "a build written after the damage");
			compacted = -1;
			break;
		}
		compacted = gen_file(work, "web", "log", log, sizeof log) > 1;
	}
	release_store_close(s);
	free(manifest);
	return compacted;
}

/* 1 if the current log of web holds a live record of kind, key and seq. */
static int log_holds(int kind, const char *key, uint64_t seq)
{
	char path[600];
	struct logrec *recs = calloc(8192, sizeof *recs);
	unsigned char *d;
	size_t len, n;
	int live = 0;

	assert_non_null(recs);
	assert_true(gen_file(work, "web", "log", path, sizeof path) > 0);
	d = read_file(path, &len);
	assert_non_null(d);
	n = parse_log(d, len, recs, 8192);
	for (size_t i = 0; i < n; i++)
		if (recs[i].kind == kind && strcmp(recs[i].key, key) == 0)
			live = recs[i].op != 3 && recs[i].seq == seq; /* the last word on it */
	free(d);
	free(recs);
	return live;
}

static void compaction_after_zeroed_entries_keeps_their_records(void **state)
{
	static const struct {
		const char *file;
		int kind;
		uint64_t seq;
	} cases[] = {
		{"web/rel.1", RELEASE_KIND_RELEASE, 2},
		{"web/rel.1", RELEASE_KIND_RELEASE, 6},
		{"web/bld.1", RELEASE_KIND_BUILD, 1},
		{"web/bld.1", RELEASE_KIND_BUILD, 3},
	};
	const struct view *w = &H.v[SNAP];

	(void)state;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		uint64_t seq = cases[c].seq;
		int is_rel = cases[c].kind == RELEASE_KIND_RELEASE;
		const char *id = is_rel ? view_version(w, seq)->id : w->bld[w->nbld - seq].id;
		release_store *s;
		int rc, compacted;

		set_ctx("%s entry %llu zeroed, then builds until compaction", cases[c].file,
			(unsigned long long)seq);
		store_zeroed(cases[c].file, ent_off(seq), 24);
		compacted = churn_to_compaction();
		if (!log_holds(cases[c].kind, id, seq)) {
			soft_fail("the %s of sequence %llu is no longer in the log%s",
				  is_rel ? "release" : "build", (unsigned long long)seq,
				  compacted > 0 ? " (compaction dropped it)" : "");
			continue;
		}
		s = open_store(work);
		if (is_rel) {
			release *r = NULL;
			const struct rel_view *want = view_version(w, seq);

			rc = release_get_version(s, "web", seq, &r);
			if (rc == 0) {
				char *d = dump_release(r);

				if (strcmp(d, want->dump) != 0)
					soft_fail("release %llu:\n  got  %s\n  want %s",
						  (unsigned long long)seq, d, want->dump);
				free(d);
			}
			release_free(r);
		} else {
			release_build *b = NULL;

			rc = release_build_get(s, "web", id, &b);
			release_build_free(b);
		}
		if (rc != 0)
			expect_corrupt(rc, release_store_errmsg(s), is_rel ? "release_get_version" :
									     "release_build_get");
		release_store_close(s);
		if (compacted == 0)
			fail_msg("%s: no compaction ran: the test needs more dead records", damage_ctx);
	}
	check_soft("compaction after zeroed index entries");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(zeroed_release_entries_never_read_as_absent, test_setup),
		cmocka_unit_test_setup(zeroed_build_entries_never_read_as_absent, test_setup),
		cmocka_unit_test_setup(zero_filled_index_files_never_read_as_an_empty_history,
				       test_setup),
		cmocka_unit_test_setup(zeroed_key_slots_never_make_a_listed_release_unknown, test_setup),
		cmocka_unit_test_setup(compaction_after_zeroed_entries_keeps_their_records, test_setup),
	};

	if (getenv("DAMAGE_FILTER"))
		cmocka_set_test_filter(getenv("DAMAGE_FILTER"));
	return cmocka_run_group_tests_name("file-store damage: zeroed index entries", tests,
					   group_setup, group_teardown);
}
