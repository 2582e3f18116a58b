/* Copying a store again: what changed since is brought over and nothing
 * else is written; an interrupted copy is finished by the next; an app of
 * the same name made apart is left alone. copy() mirrors (the copy again
 * makes dst src's); without RELEASE_COPY_MIRROR an app copied before is
 * only added to, and one that differs is refused. */
#include "copy_util.h"

#define T0 (INT64_C(1546300800) * SEC) /* 2019-01-01 */
#define T1 (INT64_C(1577836800) * SEC) /* 2020-01-01 */

static uint64_t copy_with(struct side *src, struct side *dst, unsigned int flags)
{
	uint64_t copied = UINT64_MAX;
	release_copy_opts o;

	release_copy_opts_init(&o);
	o.flags = flags;
	assert_store_ok(dst->s, release_store_copy(src->s, dst->s, &o, &copied));
	assert_true(copied != UINT64_MAX);
	return copied;
}

static uint64_t copy(struct side *src, struct side *dst)
{
	return copy_with(src, dst, RELEASE_COPY_MIRROR);
}

static size_t differences(struct side *src, struct side *dst)
{
	return raw_differences(src, dst, "alpha") + raw_differences(src, dst, "beta") +
	       raw_differences(src, dst, "gamma");
}

/* src populated in memory, copied whole to a store of the backend under test. */
static void copied_pair(struct side **src, struct side **dst)
{
	*src = side_open("memory:", T0);
	populate((*src)->s);
	*dst = side_open(test_store_uri(), T1);
	copy(*src, *dst);
}

/* Changes of src after a copy that delete nothing: a new release, a
 * promotion, a failed one, a build log, a settings change. */
static void change_src(release_store *s)
{
	const char *mask = "NEWKEY";
	release_settings_opts so;
	release_promote_opts o;
	release *r;

	assert_store_ok(s, release_store_set_actor(s, "later"));
	r = set_env(s, "alpha", "NEWKEY=1");
	promote(s, "alpha", release_id(r));
	release_free(r);
	r = make_build_release(s, "gamma", "first build");
	release_promote_opts_init(&o);
	o.deploy = copy_deploy_fails;
	assert_int_equal(release_promote(s, "gamma", release_id(r), &o), RELEASE_EDEPLOY);
	release_free(r);
	release_settings_opts_init(&so);
	so.mask_add = &mask;
	so.mask_add_n = 1;
	assert_store_ok(s, release_settings_update(s, "alpha", &so, NULL));
}

static void a_second_copy_writes_nothing(void **state)
{
	struct side *src, *dst;
	uint64_t before;

	(void)state;
	copied_pair(&src, &dst);
	before = side_writes(dst);
	assert_int_equal(copy(src, dst), 0);
	assert_int_equal(side_writes(dst), before);
	side_close(src);
	side_close(dst);
}

/* Only releases added in src: a plain copy adds them. */
static void without_mirror_a_copy_again_adds_what_src_added(void **state)
{
	struct side *src, *dst;
	release *r;

	(void)state;
	copied_pair(&src, &dst);
	r = set_env(src->s, "beta", "ADDED=1");
	release_free(r);
	assert_true(copy_with(src, dst, 0) > 0);
	assert_same_stores(src->s, dst->s, side_keeps_log(dst));
	side_close(src);
	side_close(dst);
}

/* src promoted, changed settings...: a plain copy refuses the app and
 * writes nothing to it. */
static void without_mirror_an_app_that_differs_is_refused_and_left_alone(void **state)
{
	struct side *src, *dst;
	uint64_t before, copied = 0;
	release_copy_opts o;

	(void)state;
	copied_pair(&src, &dst);
	change_src(src->s);
	before = side_writes(dst);
	release_copy_opts_init(&o);
	o.app = "alpha";
	assert_int_equal(release_store_copy(src->s, dst->s, &o, &copied), RELEASE_ECONFLICT);
	assert_non_null(strstr(release_store_errmsg(dst->s), "RELEASE_COPY_MIRROR"));
	assert_int_equal(copied, 0);
	assert_int_equal(side_writes(dst), before);
	side_close(src);
	side_close(dst);
}

/* Moved to dst, a hotfix made and promoted there: copying again from the
 * old store keeps it (and its log entry, and dst's active release). */
static void a_release_made_in_dst_after_moving_survives_a_plain_copy(void **state)
{
	struct side *src, *dst;
	release *fix;
	release *active = NULL;

	(void)state;
	copied_pair(&src, &dst);
	fix = set_env(dst->s, "alpha", "HOTFIX=1");
	promote(dst->s, "alpha", release_id(fix));
	assert_int_equal(release_store_copy(src->s, dst->s, NULL, NULL), RELEASE_ECONFLICT);
	assert_store_ok(dst->s, release_get_active(dst->s, "alpha", &active));
	assert_string_equal(release_id(active), release_id(fix));
	release_free(active);
	release_free(fix);
	side_close(src);
	side_close(dst);
}

static void a_copy_again_brings_over_what_changed(void **state)
{
	struct side *src, *dst;

	(void)state;
	copied_pair(&src, &dst);
	change_src(src->s);
	copy(src, dst);
	assert_same_stores(src->s, dst->s, side_keeps_log(dst));
	side_close(src);
	side_close(dst);
}

static void a_copy_again_counts_only_the_records_it_writes(void **state)
{
	struct side *src, *dst;
	uint64_t before, copied;
	size_t changed;

	(void)state;
	copied_pair(&src, &dst);
	change_src(src->s);
	changed = differences(src, dst);
	assert_true(changed > 0);
	before = side_writes(dst);
	copied = copy(src, dst);
	if (copied != changed || side_writes(dst) - before != changed)
		fail_msg("%zu records changed; copied %llu, %llu written", changed,
			 (unsigned long long)copied, (unsigned long long)(side_writes(dst) - before));
	side_close(src);
	side_close(dst);
}

static void a_copy_again_deletes_what_src_pruned(void **state)
{
	struct side *src, *dst;
	size_t removed = 0;

	(void)state;
	copied_pair(&src, &dst);
	assert_store_ok(src->s, release_prune(src->s, "alpha", 0, &removed));
	assert_true(removed > 0);
	copy(src, dst);
	assert_same_stores(src->s, dst->s, side_keeps_log(dst));
	assert_int_equal(differences(src, dst), 0);
	assert_int_equal(count_releases(dst->s, "alpha"), count_releases(src->s, "alpha"));
	side_close(src);
	side_close(dst);
}

/* A deletion is a write: counted. */
static void a_copy_again_counts_the_records_it_deletes(void **state)
{
	struct side *src, *dst;
	uint64_t before, copied;
	size_t changed;

	(void)state;
	copied_pair(&src, &dst);
	assert_store_ok(src->s, release_prune(src->s, "alpha", 0, NULL));
	changed = differences(src, dst);
	before = side_writes(dst);
	copied = copy(src, dst);
	if (copied != changed || side_writes(dst) - before != changed)
		fail_msg("%zu records differ; copied %llu, %llu written", changed,
			 (unsigned long long)copied, (unsigned long long)(side_writes(dst) - before));
	side_close(src);
	side_close(dst);
}

static void a_copy_again_after_changes_and_a_prune_is_identical(void **state)
{
	struct side *src, *dst;

	(void)state;
	copied_pair(&src, &dst);
	change_src(src->s);
	assert_store_ok(src->s, release_prune(src->s, "alpha", 1, NULL));
	release_free(make_build_release(src->s, "beta", "late"));
	copy(src, dst);
	assert_same_stores(src->s, dst->s, side_keeps_log(dst));
	assert_int_equal(differences(src, dst), 0);
	side_close(src);
	side_close(dst);
}

/* ------------------------------------------------ interrupted copies */

/* Every app dst shows reads as src's: an app appears only when whole. */
static void assert_dst_apps_whole(struct side *src, struct side *dst)
{
	char names[512], *save = NULL;

	app_names(dst->s, names, sizeof names);
	for (char *app = strtok_r(names, " ", &save); app; app = strtok_r(NULL, " ", &save))
		assert_same_app(src->s, dst->s, app, side_keeps_log(dst));
}

/* A first copy cut at its k-th write, then run again. */
static void interrupt_at(struct side *src, uint64_t k)
{
	struct side *dst = side_open(test_store_uri(), T1);
	uint64_t copied = 0;
	int rc;

	shared_backend_fail_write(dst->b, (unsigned)k, RELEASE_EIO);
	rc = release_store_copy(src->s, dst->s, NULL, &copied);
	if (rc != RELEASE_EIO)
		fail_msg("a copy cut at write %llu -> %d (%s)", (unsigned long long)k, rc,
			 release_strerror(rc));
	shared_backend_fail_write(dst->b, 0, 0);
	assert_dst_apps_whole(src, dst);
	copy(src, dst);
	assert_same_stores(src->s, dst->s, side_keeps_log(dst));
	if (differences(src, dst) != 0)
		fail_msg("cut at write %llu: records differ after the second copy",
			 (unsigned long long)k);
	side_close(dst);
}

static void an_interrupted_copy_resumes_without_duplicates(void **state)
{
	struct side *src = side_open("memory:", T0), *probe;
	struct write_counts c;
	uint64_t writes, stride;

	(void)state;
	populate(src->s);
	probe = side_open(test_store_uri(), T1);
	copy(src, probe);
	shared_backend_counts(probe->b, &c);
	writes = c.calls;
	side_close(probe);
	assert_true(writes > 0);
	/* every cut on the memory store; a sample elsewhere */
	stride = test_store_is_shared() ? writes / 6 + 1 : 1;
	for (uint64_t k = 0; k < writes; k += stride)
		interrupt_at(src, k);
	side_close(src);
}

static void an_interrupted_copy_again_resumes(void **state)
{
	struct side *src, *dst;
	release_copy_opts o;
	int rc;

	(void)state;
	copied_pair(&src, &dst);
	change_src(src->s);
	shared_backend_fail_write(dst->b, 1, RELEASE_EIO);
	release_copy_opts_init(&o);
	o.flags = RELEASE_COPY_MIRROR;
	rc = release_store_copy(src->s, dst->s, &o, NULL);
	assert_int_equal(rc, RELEASE_EIO);
	shared_backend_fail_write(dst->b, 0, 0);
	copy(src, dst);
	assert_same_stores(src->s, dst->s, side_keeps_log(dst));
	assert_int_equal(differences(src, dst), 0);
	side_close(src);
	side_close(dst);
}

static void a_failed_copy_names_the_failure_in_dsts_message(void **state)
{
	struct side *src = side_open("memory:", T0), *dst = side_open(test_store_uri(), T1);

	(void)state;
	populate(src->s);
	shared_backend_fail_write(dst->b, 3, RELEASE_EIO);
	assert_int_equal(release_store_copy(src->s, dst->s, NULL, NULL), RELEASE_EIO);
	assert_true(strlen(release_store_errmsg(dst->s)) > 0);
	side_close(src);
	side_close(dst);
}

/* ------------------------------------------- an app of the same name */

/* dst with its own "beta", made apart from src's. */
static struct side *dst_with_own_beta(void)
{
	struct side *dst = side_open(test_store_uri(), T1);

	make_app(dst->s, "beta");
	release_free(set_env(dst->s, "beta", "MINE=1"));
	return dst;
}

static void a_same_named_app_made_apart_is_eexist(void **state)
{
	struct side *src = side_open("memory:", T0), *dst = dst_with_own_beta();

	(void)state;
	populate(src->s);
	assert_int_equal(release_store_copy(src->s, dst->s, NULL, NULL), RELEASE_EEXIST);
	assert_non_null(strstr(release_store_errmsg(dst->s), "beta"));
	side_close(src);
	side_close(dst);
}

static void a_same_named_app_made_apart_is_left_alone(void **state)
{
	struct side *src = side_open("memory:", T0), *dst = dst_with_own_beta();
	struct side *ref = side_open("memory:", T1 + 100 * SEC);
	release_copy_opts o;

	(void)state;
	populate(src->s);
	/* a reference copy of dst's beta as it was */
	release_copy_opts_init(&o);
	o.app = "beta";
	assert_store_ok(ref->s, release_store_copy(dst->s, ref->s, &o, NULL));
	assert_int_equal(release_store_copy(src->s, dst->s, NULL, NULL), RELEASE_EEXIST);
	assert_same_app(ref->s, dst->s, "beta", side_keeps_log(dst));
	assert_int_equal(raw_differences(ref, dst, "beta"), 0);
	side_close(ref);
	side_close(src);
	side_close(dst);
}

static void the_other_apps_are_copied_despite_a_same_named_one(void **state)
{
	struct side *src = side_open("memory:", T0), *dst = dst_with_own_beta();
	char names[256];

	(void)state;
	populate(src->s);
	assert_int_equal(release_store_copy(src->s, dst->s, NULL, NULL), RELEASE_EEXIST);
	assert_text_equal(app_names(dst->s, names, sizeof names), "alpha beta gamma");
	assert_same_app(src->s, dst->s, "alpha", side_keeps_log(dst));
	assert_same_app(src->s, dst->s, "gamma", side_keeps_log(dst));
	side_close(src);
	side_close(dst);
}

static int count_progress(void *payload, const char *app, uint64_t records)
{
	(void)records;
	assert_string_not_equal(app, "beta");
	++*(int *)payload;
	return 0;
}

static void progress_is_not_told_of_an_app_not_copied(void **state)
{
	struct side *src = side_open("memory:", T0), *dst = dst_with_own_beta();
	release_copy_opts o;
	int n = 0;

	(void)state;
	populate(src->s);
	release_copy_opts_init(&o);
	o.progress = count_progress;
	o.progress_payload = &n;
	assert_int_equal(release_store_copy(src->s, dst->s, &o, NULL), RELEASE_EEXIST);
	assert_int_equal(n, 2);
	side_close(src);
	side_close(dst);
}

static void a_same_named_app_deleted_in_dst_is_copied(void **state)
{
	struct side *src = side_open("memory:", T0), *dst = dst_with_own_beta();

	(void)state;
	populate(src->s);
	assert_store_ok(dst->s, release_app_delete(dst->s, "beta"));
	copy(src, dst);
	assert_same_stores(src->s, dst->s, side_keeps_log(dst));
	side_close(src);
	side_close(dst);
}

static void an_app_only_in_dst_is_left_alone(void **state)
{
	struct side *src = side_open("memory:", T0), *dst = side_open(test_store_uri(), T1);
	struct side *ref = side_open("memory:", T1 + 100 * SEC);
	release_copy_opts o;

	(void)state;
	populate(src->s);
	make_app(dst->s, "delta");
	release_free(set_env(dst->s, "delta", "OWN=1"));
	release_copy_opts_init(&o);
	o.app = "delta";
	assert_store_ok(ref->s, release_store_copy(dst->s, ref->s, &o, NULL));
	copy(src, dst);
	assert_same_app(ref->s, dst->s, "delta", side_keeps_log(dst));
	assert_same_app(src->s, dst->s, "alpha", side_keeps_log(dst));
	side_close(ref);
	side_close(src);
	side_close(dst);
}

static void an_app_created_again_in_src_is_eexist_in_dst(void **state)
{
	struct side *src, *dst;

	(void)state;
	copied_pair(&src, &dst);
	assert_store_ok(src->s, release_app_delete(src->s, "gamma"));
	make_app(src->s, "gamma");
	assert_int_equal(release_store_copy(src->s, dst->s, NULL, NULL), RELEASE_EEXIST);
	assert_non_null(strstr(release_store_errmsg(dst->s), "gamma"));
	side_close(src);
	side_close(dst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_second_copy_writes_nothing),
		cmocka_unit_test(without_mirror_a_copy_again_adds_what_src_added),
		cmocka_unit_test(without_mirror_an_app_that_differs_is_refused_and_left_alone),
		cmocka_unit_test(a_release_made_in_dst_after_moving_survives_a_plain_copy),
		cmocka_unit_test(a_copy_again_brings_over_what_changed),
		cmocka_unit_test(a_copy_again_counts_only_the_records_it_writes),
		cmocka_unit_test(a_copy_again_deletes_what_src_pruned),
		cmocka_unit_test(a_copy_again_counts_the_records_it_deletes),
		cmocka_unit_test(a_copy_again_after_changes_and_a_prune_is_identical),
		cmocka_unit_test(an_interrupted_copy_resumes_without_duplicates),
		cmocka_unit_test(an_interrupted_copy_again_resumes),
		cmocka_unit_test(a_failed_copy_names_the_failure_in_dsts_message),
		cmocka_unit_test(a_same_named_app_made_apart_is_eexist),
		cmocka_unit_test(a_same_named_app_made_apart_is_left_alone),
		cmocka_unit_test(the_other_apps_are_copied_despite_a_same_named_one),
		cmocka_unit_test(progress_is_not_told_of_an_app_not_copied),
		cmocka_unit_test(a_same_named_app_deleted_in_dst_is_copied),
		cmocka_unit_test(an_app_only_in_dst_is_left_alone),
		cmocka_unit_test(an_app_created_again_in_src_is_eexist_in_dst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
