/* The manifests' difference in a release diff: a unified diff of lines,
 * checked by reading it strictly and by patch(1). */
#include "harness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define APP "web"

/* A complete build with this manifest, and its release (caller frees). */
static release *build_release(release_store *s, const char *description, const char *manifest)
{
	release_build_opts o;
	release_build *b = NULL;
	release *r = NULL;

	release_build_opts_init(&o);
	o.description = description;
	o.manifest = manifest;
	o.status = RELEASE_BUILD_COMPLETE;
	assert_store_ok(s, release_build_create(s, APP, &o, &b));
	assert_store_ok(s, release_create(s, APP, release_build_id(b), &r));
	release_build_free(b);
	return r;
}

static release_diff *diff_of(release_store *s, const release *from, const release *to,
			     unsigned int flags)
{
	release_diff *d = NULL;

	assert_store_ok(s, release_diff_get(s, APP, from ? release_id(from) : NULL,
					    to ? release_id(to) : NULL, flags, &d));
	assert_non_null(d);
	return d;
}

/* The manifest text of a diff between manifests a and b. */
static char *manifest_diff(release_store *s, const char *a, const char *b, char ids[2][32])
{
	release *ra = build_release(s, "a", a), *rb = build_release(s, "b", b);
	release_diff *d = diff_of(s, ra, rb, 0);
	char *text = strdup(release_diff_manifest(d));

	assert_non_null(text);
	if (ids) {
		snprintf(ids[0], 32, "%s", release_id(ra));
		snprintf(ids[1], 32, "%s", release_id(rb));
	}
	release_diff_free(d);
	release_free(ra);
	release_free(rb);
	return text;
}

static void expect_manifest_diff(release_store *s, const char *a, const char *b,
				 const char *hunks)
{
	char ids[2][32], want[1024];
	char *got = manifest_diff(s, a, b, ids);

	snprintf(want, sizeof want, "--- %s\n+++ %s\n%s", ids[0], ids[1], hunks);
	assert_string_equal(got, want);
	free(got);
}

static void a_manifest_change_is_a_unified_diff_with_three_lines_of_context(void **state)
{
	struct fixture *f = *state;

	make_app(f->s, APP);
	expect_manifest_diff(f->s, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n",
			     "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n11\n12\n13\n14\n16\n17\n",
			     "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
			     "@@ -12,5 +12,5 @@\n 12\n 13\n 14\n-15\n 16\n+17\n");
	/* changes six lines apart share a hunk; seven apart, not */
	expect_manifest_diff(f->s, "1\n2\n3\n4\n5\n6\n7\n8\n", "0\n2\n3\n4\n5\n6\n7\nX\n",
			     "@@ -1,8 +1,8 @@\n-1\n+0\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+X\n");
	expect_manifest_diff(f->s, "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "0\n2\n3\n4\n5\n6\n7\n8\nX\n",
			     "@@ -1,4 +1,4 @@\n-1\n+0\n 2\n 3\n 4\n"
			     "@@ -6,4 +6,4 @@\n 6\n 7\n 8\n-9\n+X\n");
	expect_manifest_diff(f->s, "", "x\n", "@@ -0,0 +1 @@\n+x\n");
	expect_manifest_diff(f->s, "x\ny\n", "", "@@ -1,2 +0,0 @@\n-x\n-y\n");
	expect_manifest_diff(f->s, "a\nb\n", "a\n", "@@ -1,2 +1 @@\n a\n-b\n");
}

static void a_last_line_without_newline_is_marked(void **state)
{
	struct fixture *f = *state;

	make_app(f->s, APP);
	expect_manifest_diff(f->s, "x\ny", "x\nz",
			     "@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n"
			     "+z\n\\ No newline at end of file\n");
	expect_manifest_diff(f->s, "x\ny\n", "x\ny",
			     "@@ -1,2 +1,2 @@\n x\n-y\n+y\n\\ No newline at end of file\n");
	expect_manifest_diff(f->s, "a\nx\ny", "b\nx\ny",
			     "@@ -1,3 +1,3 @@\n-a\n+b\n x\n y\n\\ No newline at end of file\n");
}

/* ---- applying diffs: by a strict reading here, and by patch(1) */

/* The end of p's line: its '\n', or its NUL. Plain loops, not strchr(): run
 * under ASan's strict_string_checks, each libc string call measures the
 * whole rest of a 2 MB diff, and reading one made the test take minutes. */
static const char *line_end(const char *p)
{
	while (*p && *p != '\n')
		p++;
	return p;
}

/* Whether the n bytes at q begin o (which may be shorter). */
static int starts_with(const char *o, const char *q, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (o[i] != q[i] || !o[i])
			return 0;
	return 1;
}

/* Applies a unified diff to old at exactly the lines its hunks name,
 * checking every context and deleted line: the new text, or NULL. */
static char *apply_strictly(const char *old, const char *diff)
{
	size_t cap = strlen(old) + strlen(diff) + 1, used = 0;
	char *out = malloc(cap);
	const char *o = old, *p = line_end(diff);
	unsigned long line = 1; /* old's line at o */

	assert_non_null(out);
	if (*p)
		p = line_end(p + 1); /* past the two header lines */
	if (!*p)
		goto bad;
	for (p++; *p;) {
		unsigned long a, na = 1, b, nb = 1;
		char head[128];
		const char *plus;
		size_t hl = (size_t)(line_end(p) - p);

		if (!p[hl] || hl >= sizeof head)
			goto bad;
		memcpy(head, p, hl);
		head[hl] = '\0';
		if (sscanf(head, "@@ -%lu,%lu +", &a, &na) != 2 && sscanf(head, "@@ -%lu +", &a) != 1)
			goto bad;
		if (!(plus = strstr(head, " +")) || (sscanf(plus, " +%lu,%lu @@", &b, &nb) != 2 &&
						     sscanf(plus, " +%lu @@", &b) != 1))
			goto bad;
		if (na)
			a--; /* the line before the hunk */
		for (; line <= a && *o; line++) { /* copy up to the hunk */
			const char *e = line_end(o);
			size_t n = (size_t)(e - o) + (*e == '\n');

			memcpy(out + used, o, n);
			used += n;
			o += n;
		}
		if (line != a + 1)
			goto bad;
		p += hl + 1;
		while (*p == ' ' || *p == '-' || *p == '+') {
			const char *e = line_end(p);
			size_t n = (size_t)(e - p); /* the line's text past its mark, with '\n' */

			if (!*e)
				goto bad;
			if (e[1] == '\\') /* no newline at its end */
				n--;
			if (*p != '+') {
				if (!starts_with(o, p + 1, n) || (n && o[n - 1] != '\n' && o[n]) ||
				    na-- == 0)
					goto bad;
				o += n;
				line++;
			}
			if (*p != '-') {
				if (nb-- == 0)
					goto bad;
				memcpy(out + used, p + 1, n);
				used += n;
			}
			p = e + 1;
			if (*p == '\\') {
				p = line_end(p);
				if (*p)
					p++;
			}
		}
		if (na || nb)
			goto bad;
	}
	memcpy(out + used, o, strlen(o) + 1);
	return out;
bad:
	free(out);
	return NULL;
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
}

static char *read_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *text;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	assert_non_null(text = malloc((size_t)n + 1));
	assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
	text[n] = '\0';
	fclose(fp);
	return text;
}

static int have_patch(void)
{
	return system("patch --version >/dev/null 2>&1") == 0;
}

/* patch(1) applies diff to old and gives new, without fuzz or offsets. */
static void check_with_patch(const char *dir, const char *old, const char *new, const char *diff)
{
	char path[4200], cmd[4200], *got, *log;

	snprintf(path, sizeof path, "%s/old", dir);
	write_file(path, old);
	snprintf(path, sizeof path, "%s/diff", dir);
	write_file(path, diff);
	snprintf(cmd, sizeof cmd,
		 "cd '%s' && rm -f out && patch --fuzz=0 -o out old < diff > log 2>&1", dir);
	if (system(cmd) != 0)
		fail_msg("patch failed on:\n%s", diff);
	snprintf(path, sizeof path, "%s/log", dir);
	log = read_file(path);
	if (strstr(log, "offset") || strstr(log, "fuzz"))
		fail_msg("patch moved a hunk: %s\n%s", log, diff);
	free(log);
	snprintf(path, sizeof path, "%s/out", dir);
	got = read_file(path);
	assert_string_equal(got, new);
	free(got);
}

/* Releases of manifests one after another: the diff of each from the one
 * before (whose manifest is prev for the first) applies to it. */
static void check_chain(release_store *s, const char *prev, char *const *manifests, size_t n,
			int patch)
{
	char dir[] = "/tmp/librelease-diff-XXXXXX", cmd[128];

	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < n; i++) {
		release *r = build_release(s, "m", manifests[i]);
		release_diff *d = diff_of(s, NULL, r, 0);
		const char *old = i ? manifests[i - 1] : prev, *text = release_diff_manifest(d);
		char *got = apply_strictly(old, text);

		if (!got)
			fail_msg("case %zu: no strict reading of:\n%s", i, text);
		assert_string_equal(got, manifests[i]);
		free(got);
		if (*text && patch)
			check_with_patch(dir, old, manifests[i], text);
		release_diff_free(d);
		release_free(r);
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static uint64_t next_random(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* A manifest of lines from a small alphabet, so that lines repeat, edited
 * from prev in a few places or made anew; a quarter end without newline. */
static char *random_manifest(uint64_t *x, const char *prev)
{
	static const char *const words[] = {"a", "b", "c", "port: 80", "", "  - x", "b "};
	char *m = malloc(4096);
	size_t used = 0, lines = next_random(x) % 40;
	const char *p = prev;

	assert_non_null(m);
	for (size_t i = 0; i < lines; i++) {
		const char *e = p ? strchr(p, '\n') : NULL;
		unsigned roll = (unsigned)(next_random(x) % 8);

		if (p && *p && roll < 5) { /* keep prev's next line */
			size_t n = e ? (size_t)(e - p) : strlen(p);

			used += (size_t)snprintf(m + used, 4096 - used, "%.*s\n", (int)n, p);
			p = e ? e + 1 : p + n;
		} else {
			if (p && *p && roll == 5) /* and drop one of prev's */
				p = e ? e + 1 : p + strlen(p);
			used += (size_t)snprintf(m + used, 4096 - used, "%s\n",
						 words[next_random(x) % 7]);
		}
	}
	if (used && next_random(x) % 4 == 0)
		m[--used] = '\0';
	m[used] = '\0';
	return m;
}

static void random_manifest_diffs_apply_exactly(void **state)
{
	struct fixture *f = *state;
	char *m[120];
	uint64_t x = 0x2545f4914f6cdd1dULL;
	int patch = have_patch();

	if (!patch)
		print_message("patch(1) not found: diffs checked by the strict reading alone\n");
	make_app(f->s, APP);
	for (size_t i = 0; i < 120; i++)
		m[i] = random_manifest(&x, i % 10 == 0 ? NULL : m[i - 1]);
	check_chain(f->s, "", m, 120, patch);
	for (size_t i = 0; i < 120; i++)
		free(m[i]);
}

/* blocks of ten equal lines, then one that differs: one change per
 * block, blocks * 2 lines deleted and inserted */
static void blocks(char **a, char **b, size_t n)
{
	size_t cap = n * 128;

	assert_non_null(*a = malloc(cap));
	assert_non_null(*b = malloc(cap));
	for (size_t i = 0, ua = 0, ub = 0; i < n; i++) {
		for (int j = 0; j < 10; j++) {
			ua += (size_t)snprintf(*a + ua, cap - ua, "line %zu.%d\n", i, j);
			ub += (size_t)snprintf(*b + ub, cap - ub, "line %zu.%d\n", i, j);
		}
		ua += (size_t)snprintf(*a + ua, cap - ua, "old %zu\n", i);
		ub += (size_t)snprintf(*b + ub, cap - ub, "new %zu\n", i);
	}
}

static size_t count_hunks(const char *text)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, "\n@@ ")); p++)
		n++;
	return n;
}

static void many_small_changes_give_one_hunk_each(void **state)
{
	struct fixture *f = *state;
	char *m[2], *text;

	make_app(f->s, APP);
	blocks(&m[0], &m[1], 500); /* 1000 lines deleted and inserted */
	text = manifest_diff(f->s, m[0], m[1], NULL);
	assert_int_equal(count_hunks(text), 500);
	check_chain(f->s, m[1], m, 2, have_patch());
	free(text);
	free(m[0]);
	free(m[1]);
}

/* Past the bound (more than 2000 lines deleted and inserted) one hunk
 * replaces the lines between the common first and last ones. */
static void manifests_too_different_give_one_hunk(void **state)
{
	struct fixture *f = *state;
	char *m[2], *text;

	make_app(f->s, APP);
	blocks(&m[0], &m[1], 1200);
	text = manifest_diff(f->s, m[0], m[1], NULL);
	assert_int_equal(count_hunks(text), 1);
	assert_non_null(strstr(text, "\n@@ -8,13193 +8,13193 @@\n line 0.7\n line 0.8\n"
				     " line 0.9\n-old 0\n-line 1.0\n"));
	check_chain(f->s, m[1], m, 2, have_patch());
	free(text);
	free(m[0]);
	free(m[1]);
}

/* 200,000 lines with one changed: the lines around the change alone. */
static void one_change_in_a_large_manifest_is_one_small_hunk(void **state)
{
	struct fixture *f = *state;
	size_t cap = 200000 * 16, used = 0;
	char *a = malloc(cap), *b, *text, *tail;

	assert_non_null(a);
	for (int i = 1; i <= 200000; i++)
		used += (size_t)snprintf(a + used, cap - used, "l%d\n", i);
	assert_non_null(b = strdup(a));
	memcpy(strstr(b, "\nl123456\n") + 1, "L", 1);
	make_app(f->s, APP);
	text = manifest_diff(f->s, a, b, NULL);
	tail = strstr(text, "@@");
	assert_non_null(tail);
	assert_string_equal(tail, "@@ -123453,7 +123453,7 @@\n l123453\n l123454\n l123455\n"
				  "-l123456\n+L123456\n l123457\n l123458\n l123459\n");
	free(text);
	free(a);
	free(b);
}

/* ---- lines chosen to collide in the table that numbers them */

/* The lines between a first and a last line that both change: 65,534 of
 * them, so that both windows hold 131,072 lines, the most indexed. The
 * table has 262,144 slots; lines are picked whose slot, under the hash
 * given, is in its first eighth: they pile up in one run of slots, and
 * each line put in the table would probe the whole run. */
#define COLLIDING 65534
#define SLOTS 262144

typedef uint64_t (*line_hash)(const char *line, size_t len);

/* FNV-1a folded to a word: no key, so lines colliding in it are easily
 * found. */
static uint64_t unkeyed_hash(const char *p, size_t len)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * UINT64_C(1099511628211);
	return h ^ (h >> 32);
}

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static void sip_rounds(uint64_t v[4], int n)
{
	while (n-- > 0) {
		v[0] += v[1];
		v[1] = rotl(v[1], 13) ^ v[0];
		v[0] = rotl(v[0], 32);
		v[2] += v[3];
		v[3] = rotl(v[3], 16) ^ v[2];
		v[0] += v[3];
		v[3] = rotl(v[3], 21) ^ v[0];
		v[2] += v[1];
		v[1] = rotl(v[1], 17) ^ v[2];
		v[2] = rotl(v[2], 32);
	}
}

/* SipHash-2-4 under the key of sixteen zero bytes: the key of the table a
 * diff makes when the store's random source gives zeros. */
static uint64_t zero_key_hash(const char *p, size_t len)
{
	uint64_t v[4] = {UINT64_C(0x736f6d6570736575), UINT64_C(0x646f72616e646f6d),
			 UINT64_C(0x6c7967656e657261), UINT64_C(0x7465646279746573)};

	for (size_t i = 0;; i += 8) {
		uint64_t m = 0;
		size_t n = len - i < 8 ? len - i : 8;

		for (size_t j = 0; j < n; j++)
			m |= (uint64_t)(unsigned char)p[i + j] << (8 * j);
		if (n < 8)
			m |= (uint64_t)(len & 0xff) << 56;
		v[3] ^= m;
		sip_rounds(v, 2);
		v[0] ^= m;
		if (n < 8)
			break;
	}
	v[2] ^= 0xff;
	sip_rounds(v, 4);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* Manifests a and b: a first line, COLLIDING distinct lines of 16
 * characters (whose slot under hash is in the first eighth; any, for
 * NULL), a last line; a's and b's first and last lines differ. */
static void collide(line_hash hash, char **a, char **b)
{
	size_t cap = COLLIDING * 17 + 64, used;
	char *m = malloc(cap);
	uint64_t c = 0;

	assert_non_null(m);
	used = (size_t)snprintf(m, cap, "first a\n");
	for (size_t i = 0; i < COLLIDING; c++) {
		snprintf(m + used, 18, "line%012" PRIx64 "\n", c);
		if (hash && (hash(m + used, 17) & (SLOTS - 1)) >= SLOTS / 8)
			continue;
		used += 17;
		i++;
	}
	snprintf(m + used, cap - used, "last a\n");
	*a = m;
	assert_non_null(*b = strdup(m));
	memcpy(*b + strlen("first "), "b", 1);
	memcpy(*b + strlen(*b) - strlen("a\n"), "b", 1);
}

static double cpu_seconds(void)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts), 0);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The manifest diff from a to b on store s, and the CPU time it took. */
static char *timed_diff(release_store *s, const release *a, const release *b, double *took)
{
	release_diff *d = NULL;
	double t0 = cpu_seconds();
	char *text;

	assert_store_ok(s, release_diff_get(s, APP, release_id(a), release_id(b), 0, &d));
	*took = cpu_seconds() - t0;
	assert_non_null(text = strdup(release_diff_manifest(d)));
	release_diff_free(d);
	return text;
}

/* The two hunks of the first and last lines' change, with their ids. */
static void expect_first_and_last(const char *text, const char *ids[2], const char *b)
{
	char want[512];
	const char *tail = b + strlen(b) - 3 * 17 - strlen("last b\n");

	snprintf(want, sizeof want,
		 "--- %s\n+++ %s\n@@ -1,4 +1,4 @@\n-first a\n+first b\n %.17s %.17s %.17s"
		 "@@ -%d,4 +%d,4 @@\n %.17s %.17s %.17s-last a\n+last b\n",
		 ids[0], ids[1], b + 8, b + 25, b + 42, COLLIDING - 1, COLLIDING - 1, tail,
		 tail + 17, tail + 34);
	if (strlen(text) > strlen(want))
		fail_msg("a diff of %zu bytes where two small hunks were due", strlen(text));
	assert_string_equal(text, want);
}

/* Lines a hash without a key would pile up in the table diff as fast as
 * any lines, and give the same two small hunks. */
static void lines_made_to_collide_without_a_key_diff_as_fast_as_others(void **state)
{
	struct fixture *f = *state;
	char *m[2][2], *text[2];
	double took[2];

	make_app(f->s, APP);
	collide(NULL, &m[0][0], &m[0][1]);
	collide(unkeyed_hash, &m[1][0], &m[1][1]);
	for (int k = 0; k < 2; k++) {
		release *a = build_release(f->s, "a", m[k][0]);
		release *b = build_release(f->s, "b", m[k][1]);
		const char *ids[2] = {release_id(a), release_id(b)};

		text[k] = timed_diff(f->s, a, b, &took[k]);
		expect_first_and_last(text[k], ids, m[k][1]);
		release_free(a);
		release_free(b);
	}
	if (took[1] > 10 * took[0] + 1.0)
		fail_msg("colliding lines: %.3f s of CPU; others: %.3f s", took[1], took[0]);
	for (int k = 0; k < 2; k++) {
		free(text[k]);
		free(m[k][0]);
		free(m[k][1]);
	}
}

static int zero_random(void *payload, unsigned char *buf, size_t len)
{
	(void)payload;
	memset(buf, 0, len);
	return 0;
}

/* With the key known (a random source of zeros), lines can be made to
 * collide under it; the diff's work is bounded all the same: it takes
 * about as long as the worst comparison of lines, and is a patch that
 * applies. */
static void lines_colliding_under_a_known_key_diff_in_bounded_time(void **state)
{
	struct fixture *f = *state;
	release_store_opts o;
	release_store *known;
	release *a, *b;
	char *m[2], *text[2], *got;
	double took[2];

	release_store_opts_init(&o);
	o.random = zero_random;
	known = shared_backend_open(f->backend, &o);
	make_app(f->s, APP);
	collide(zero_key_hash, &m[0], &m[1]);
	a = build_release(f->s, "a", m[0]);
	b = build_release(f->s, "b", m[1]);
	text[0] = timed_diff(f->s, a, b, &took[0]); /* the fixture's key: no collisions */
	text[1] = timed_diff(known, a, b, &took[1]);
	if (took[1] > 100 * took[0] + 1.0)
		fail_msg("under the known key: %.3f s of CPU; under another: %.3f s", took[1],
			 took[0]);
	for (int k = 0; k < 2; k++) {
		if (!(got = apply_strictly(m[0], text[k])))
			fail_msg("diff %d has no strict reading", k);
		assert_string_equal(got, m[1]);
		free(got);
		free(text[k]);
	}
	release_free(a);
	release_free(b);
	free(m[0]);
	free(m[1]);
	release_store_close(known);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
		T(a_manifest_change_is_a_unified_diff_with_three_lines_of_context),
		T(a_last_line_without_newline_is_marked),
		T(random_manifest_diffs_apply_exactly),
		T(many_small_changes_give_one_hunk_each),
		T(manifests_too_different_give_one_hunk),
		T(one_change_in_a_large_manifest_is_one_small_hunk),
		T(lines_made_to_collide_without_a_key_diff_as_fast_as_others),
		T(lines_colliding_under_a_known_key_diff_in_bounded_time),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
