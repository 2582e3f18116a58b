/*
 * fuzz-records: diffs between the releases listed (and with from or to
 * left NULL), with and without RELEASE_DIFF_REVEAL. Each is checked for
 * the shape release.h promises (env keys sorted, change kinds, hidden
 * values), then against the two releases read on their own: the env keys
 * that differ and how, their values where shown, masked as the settings
 * say, the builds, whether the description changed, and the manifest's
 * unified diff, which applied to from's manifest must give to's.
 */
#include "records.h"

#include <stdlib.h>
#include <string.h>

static int str_same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* ------------------------------------------------------------ patches */

struct text {
	char *p;
	size_t n, cap;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->n + n + 1 > t->cap) {
		size_t cap = (t->n + n + 1) * 2;
		char *p = realloc(t->p, cap);

		if (!p)
			fz_finding("out of memory in the target");
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->n, s, n);
	t->n += n;
	t->p[t->n] = '\0';
}

struct line {
	const char *p;
	size_t n;
	int nl; /* ends with a newline */
};

/* The lines of text a (*count of them); free the array. */
static struct line *lines_of(const char *a, size_t *count)
{
	size_t n = 0, cap = 16;
	struct line *v = malloc(cap * sizeof *v);

	if (!v)
		fz_finding("out of memory in the target");
	while (*a) {
		const char *e = strchr(a, '\n');

		if (n == cap) {
			struct line *w = realloc(v, (cap *= 2) * sizeof *v);

			if (!w)
				fz_finding("out of memory in the target");
			v = w;
		}
		v[n].p = a;
		v[n].n = e ? (size_t)(e - a) : strlen(a);
		v[n].nl = e != NULL;
		a += v[n].n + (e != NULL);
		n++;
	}
	*count = n;
	return v;
}

static int line_is(const struct line *l, const char *p, size_t n, int nl)
{
	return l->n == n && l->nl == nl && memcmp(l->p, p, n) == 0;
}

/* Reads "N" or "N,M" (M 1 when absent); the end in *end. */
static int range(const char *s, const char **end, size_t *start, size_t *count)
{
	char *e;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return 0;
	v = strtoull(s, &e, 10);
	*start = (size_t)v;
	*count = 1;
	if (*e == ',') {
		if (e[1] < '0' || e[1] > '9')
			return 0;
		*count = (size_t)strtoull(e + 1, &e, 10);
	}
	*end = e;
	return 1;
}

/* Applies the unified diff patch to a into out; NULL, or what is wrong. */
static const char *apply(const char *a, const char *patch, struct text *out)
{
	size_t na, pos = 0, out_lines = 0;
	struct line *al = lines_of(a, &na);
	const char *p = patch, *why = NULL;

	for (int i = 0; i < 2 && !why; i++) {
		const char *e = strchr(p, '\n');

		if (strncmp(p, i ? "+++ " : "--- ", 4) != 0 || !e)
			why = "the header lines";
		else
			p = e + 1;
	}
	if (!why && !*p)
		why = "no hunk";
	while (!why && *p) {
		size_t ostart, ocount, nstart, ncount, start, o = 0, n = 0, lead = 0, trail = 0;
		int changed = 0;

		if (strncmp(p, "@@ -", 4) != 0 || !range(p + 4, &p, &ostart, &ocount) ||
		    strncmp(p, " +", 2) != 0 || !range(p + 2, &p, &nstart, &ncount) ||
		    strncmp(p, " @@", 3) != 0 || !strchr(p, '\n')) {
			why = "a hunk's header";
			break;
		}
		p = strchr(p, '\n') + 1;
		start = ocount ? ostart - 1 : ostart;
		if ((ocount && ostart == 0) || start < pos || start > na) {
			why = "a hunk's place";
			break;
		}
		for (; pos < start; pos++, out_lines++)
			put(out, al[pos].p, al[pos].n + al[pos].nl);
		if ((ncount ? nstart - 1 : nstart) != out_lines || (ncount && nstart == 0)) {
			why = "a hunk's new start";
			break;
		}
		while (!why && (o < ocount || n < ncount)) {
			const char *e = strchr(p, '\n');
			char kind = *p;
			int nl = 1;

			if (!e || (kind != ' ' && kind != '-' && kind != '+')) {
				why = "a hunk's line";
				break;
			}
			if (e[1] == '\\') { /* "\ No newline at end of file" */
				nl = 0;
				if (!strchr(e + 1, '\n')) {
					why = "a no-newline line";
					break;
				}
			}
			if (kind != '+' && (o == ocount || pos >= na ||
					    !line_is(&al[pos], p + 1, (size_t)(e - p - 1), nl)))
				why = "a line the hunk takes from the old text";
			else if (kind != '-' && n == ncount)
				why = "a hunk's counts";
			else if (kind != '+')
				o++, pos++;
			if (kind != '-' && !why) {
				n++;
				out_lines++;
				put(out, p + 1, (size_t)(e - p - 1));
				if (nl)
					put(out, "\n", 1);
			}
			if (kind == ' ') {
				lead += !changed;
				trail++;
			} else {
				changed = 1;
				trail = 0;
			}
			p = nl ? e + 1 : strchr(e + 1, '\n') + 1;
		}
		if (!why && !changed)
			why = "a hunk without a change";
		if (!why && (lead > 3 || trail > 3))
			why = "a hunk with more than 3 lines of context";
	}
	if (!why)
		for (; pos < na; pos++)
			put(out, al[pos].p, al[pos].n + al[pos].nl);
	free(al);
	return why;
}

static void check_manifest(const char *patch, const char *a, const char *b)
{
	struct text out = {NULL, 0, 0};
	const char *why;

	if (!patch)
		fz_finding("a diff without a manifest");
	if (strcmp(a, b) == 0) {
		if (*patch)
			fz_finding("equal manifests give the diff '%.80s'", patch);
		return;
	}
	put(&out, "", 0);
	if ((why = apply(a, patch, &out)))
		fz_finding("the manifest's diff is malformed (%s):\n%s", why, patch);
	if (strcmp(out.p, b) != 0)
		fz_finding("the manifest's diff applied to the old manifest does not give the new "
			   "one:\n%s", patch);
	free(out.p);
}

/* ------------------------------------------------------------ env */

/* What the diff says of the env, against the two releases' envs. */
static void check_env(const release_diff *d, const release *from, const release *to,
		      const release_settings *masks, int masks_damaged, unsigned flags)
{
	size_t i = 0, j = 0, k = 0, nf = from ? release_env_count(from) : 0,
	       nt = release_env_count(to);

	while (i < nf || j < nt) {
		int c = i == nf ? 1 : j == nt ? -1 : strcmp(release_env_key(from, i),
							       release_env_key(to, j));
		const char *key = c <= 0 ? release_env_key(from, i) : release_env_key(to, j);
		const char *old = c <= 0 ? release_env_value(from, i) : NULL;
		const char *new = c >= 0 ? release_env_value(to, j) : NULL;
		int change = c < 0 ? RELEASE_DIFF_REMOVED : c > 0 ? RELEASE_DIFF_ADDED
								  : RELEASE_DIFF_CHANGED;

		i += c <= 0;
		j += c >= 0;
		if (c == 0 && strcmp(old, new) == 0)
			continue;
		if (k == release_diff_env_count(d) || strcmp(release_diff_env_key(d, k), key) != 0)
			fz_finding("the diff's env key %zu is '%s'; the releases differ in '%s'", k,
				   k < release_diff_env_count(d) ? release_diff_env_key(d, k) : "(end)",
				   key);
		if (release_diff_env_change(d, k) != change)
			fz_finding("the diff says %s changed as %d; the releases say %d", key,
				   release_diff_env_change(d, k), change);
		if (masks && release_diff_env_masked(d, k) != release_settings_masked(masks, key))
			fz_finding("the diff says %s is masked %d; the settings say %d", key,
				   release_diff_env_masked(d, k), release_settings_masked(masks, key));
		if (masks_damaged && !(flags & RELEASE_DIFF_REVEAL) &&
		    (release_diff_env_old(d, k) || release_diff_env_new(d, k)))
			fz_finding("the diff shows a value of %s though the mask list is damaged", key);
		if ((!release_diff_env_masked(d, k) || (flags & RELEASE_DIFF_REVEAL)) &&
		    (!str_same(release_diff_env_old(d, k), old) ||
		     !str_same(release_diff_env_new(d, k), new)))
			fz_finding("the diff shows other values of %s than the releases hold", key);
		k++;
	}
	if (k != release_diff_env_count(d))
		fz_finding("the diff has %zu env keys; the releases differ in %zu",
			   release_diff_env_count(d), k);
}

/* The diff's own shape, as release.h describes it. */
static void check_shape(const release_diff *d, unsigned flags)
{
	size_t n = release_diff_env_count(d);

	if (!records_id_shape(release_diff_to(d), 'R'))
		fz_finding("a diff to '%s'", release_diff_to(d) ? release_diff_to(d) : "(null)");
	if (release_diff_from(d) && !records_id_shape(release_diff_from(d), 'R'))
		fz_finding("a diff from '%s'", release_diff_from(d));
	if (release_diff_build_old(d) && !records_id_shape(release_diff_build_old(d), 'B'))
		fz_finding("a diff's old build is '%s'", release_diff_build_old(d));
	if (release_diff_build_new(d) && !records_id_shape(release_diff_build_new(d), 'B'))
		fz_finding("a diff's new build is '%s'", release_diff_build_new(d));
	for (size_t i = 0; i < n; i++) {
		const char *key = release_diff_env_key(d, i), *old = release_diff_env_old(d, i),
			   *new = release_diff_env_new(d, i);
		int change = release_diff_env_change(d, i), masked = release_diff_env_masked(d, i);
		int shown = !masked || (flags & RELEASE_DIFF_REVEAL);

		if (!key)
			fz_finding("a diff's env key %zu is NULL", i);
		if (i > 0 && strcmp(release_diff_env_key(d, i - 1), key) >= 0)
			fz_finding("a diff's env keys are out of order: '%s' then '%s'",
				   release_diff_env_key(d, i - 1), key);
		if (change != RELEASE_DIFF_ADDED && change != RELEASE_DIFF_REMOVED &&
		    change != RELEASE_DIFF_CHANGED)
			fz_finding("a diff's env key %s changed as %d", key, change);
		if (masked != 0 && masked != 1)
			fz_finding("a diff's env key %s is masked %d", key, masked);
		if ((change == RELEASE_DIFF_ADDED && old) || (change == RELEASE_DIFF_REMOVED && new))
			fz_finding("a diff's env key %s has an old value though added or a new one "
				   "though removed", key);
		if (!shown && (old || new))
			fz_finding("a diff shows the masked key %s without RELEASE_DIFF_REVEAL", key);
		if (shown && ((change != RELEASE_DIFF_ADDED && !old) ||
			      (change != RELEASE_DIFF_REMOVED && !new)))
			fz_finding("a diff hides the value of %s", key);
		if (shown && change == RELEASE_DIFF_CHANGED && strcmp(old, new) == 0)
			fz_finding("a diff says %s changed from '%s' to itself", key, old);
	}
	if (release_diff_env_key(d, n) || release_diff_env_change(d, n) ||
	    release_diff_env_old(d, n) || release_diff_env_new(d, n))
		fz_finding("a diff has an env key past its end");
}

/* ------------------------------------------------------------ diffs */

/* The place in the listing of the release listed after version v (the
 * one before it), nrel for none; -1 when the listing cannot tell. */
static long listed_before(const struct seen *seen, uint64_t v)
{
	if (!seen->rel_clean || seen->rel_count >= MAX_IDS)
		return -1;
	for (size_t i = 0; i < seen->nrel; i++)
		if (seen->ver[i] == v)
			return (long)i + 1;
	return -1;
}

static void one_diff(release_store *s, const struct seen *seen, const char *from, const char *to,
		     unsigned flags)
{
	release_diff *d = NULL;
	release *rf = NULL, *rt = NULL;
	release_settings *masks = NULL;
	long at = -1;
	int rc = fz_rc(release_diff_get(s, RECORDS_APP, from, to, flags, &d), "release_diff_get");

	if (rc != 0) {
		if (d)
			fz_finding("release_diff_get failed but set *out");
		if (from && to && release_get(s, RECORDS_APP, from, &rf) == 0 &&
		    release_get(s, RECORDS_APP, to, &rt) == 0 && rc != RELEASE_ENOMEM)
			fz_finding("the diff of %s and %s failed (%s), though both can be read", from,
				   to, release_strerror(rc));
		release_free(rf);
		release_free(rt);
		return;
	}
	check_shape(d, flags);
	if (to && strcmp(release_diff_to(d), to) != 0)
		fz_finding("a diff to %s is to %s", to, release_diff_to(d));
	if (!to && seen->app_rc == 0 && seen->active[0] &&
	    strcmp(release_diff_to(d), seen->active) != 0)
		fz_finding("a diff to the active release %s is to %s", seen->active,
			   release_diff_to(d));
	if (from && !str_same(release_diff_from(d), from))
		fz_finding("a diff from %s is from %s", from,
			   release_diff_from(d) ? release_diff_from(d) : "(none)");
	if (release_get(s, RECORDS_APP, release_diff_to(d), &rt) != 0) {
		release_diff_free(d);
		return; /* nothing to compare it with */
	}
	/* from NULL: the release before to by version (as the listing has it:
	 * damaged records may give two releases one id), or nothing */
	if (!from && (at = listed_before(seen, release_version(rt))) >= 0 &&
	    !str_same(release_diff_from(d), (size_t)at < seen->nrel ? seen->rel[at] : NULL))
		fz_finding("a diff to %s is from %s; the release listed before it is %s",
			   release_diff_to(d), release_diff_from(d) ? release_diff_from(d) : "(none)",
			   (size_t)at < seen->nrel ? seen->rel[at] : "(none)");
	if (release_diff_from(d) &&
	    (from ? release_get(s, RECORDS_APP, from, &rf)
		  : at >= 0 ? release_get_version(s, RECORDS_APP, seen->ver[at], &rf) : -1) != 0) {
		release_free(rt);
		release_diff_free(d);
		return;
	}
	if ((rc = release_settings_get(s, RECORDS_APP, &masks)) != 0)
		masks = NULL;
	check_env(d, rf, rt, masks, rc == RELEASE_ECORRUPT, flags);
	if (!str_same(release_diff_build_old(d), rf ? release_build_of(rf) : NULL) ||
	    !str_same(release_diff_build_new(d), release_build_of(rt)))
		fz_finding("the diff of %s and %s names other builds than they do",
			   rf ? release_id(rf) : "nothing", release_id(rt));
	if (rf && release_diff_description_changed(d) !=
			  (strcmp(release_description(rf), release_description(rt)) != 0))
		fz_finding("the diff of %s and %s says the description changed %d", release_id(rf),
			   release_id(rt), release_diff_description_changed(d));
	if (!rf && *release_manifest(rt) && release_diff_manifest(d) &&
	    strncmp(release_diff_manifest(d), "--- /dev/null\n", 14) != 0)
		fz_finding("the diff of the first release %s does not start \"--- /dev/null\": %.80s",
			   release_id(rt), release_diff_manifest(d));
	check_manifest(release_diff_manifest(d), rf ? release_manifest(rf) : "",
		       release_manifest(rt));
	release_settings_free(masks);
	release_free(rf);
	release_free(rt);
	release_diff_free(d);
}

void records_diff(release_store *s, const unsigned char *params, const struct seen *seen)
{
	const char *from = NULL, *to = NULL;
	unsigned reveal = params[P_FLAGS2] & P_F2_REVEAL ? RELEASE_DIFF_REVEAL : 0;
	release_diff *d = NULL;

	if (seen->nrel) {
		from = seen->rel[(params[P_DIFF] & 15) % seen->nrel];
		to = seen->rel[(params[P_DIFF] >> 4) % seen->nrel];
	}
	if (release_diff_get(s, RECORDS_APP, from, to, 2, &d) != RELEASE_EINVAL || d)
		fz_finding("release_diff_get with an unknown flag is not RELEASE_EINVAL");
	one_diff(s, seen, NULL, NULL, reveal);
	if (!seen->nrel)
		return;
	one_diff(s, seen, from, to, 0);
	one_diff(s, seen, from, to, RELEASE_DIFF_REVEAL);
	one_diff(s, seen, NULL, to, reveal);
	one_diff(s, seen, from, NULL, reveal);
}
