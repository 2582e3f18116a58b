/*
 * The line diff under release_diff_manifest(): Myers' O(ND) difference
 * algorithm in linear space (E. W. Myers, "An O(ND) Difference Algorithm
 * and Its Variations", 1986) on lines numbered by content, written as a
 * unified diff.
 *
 * Manifests are large (up to 16 MiB) and usually change little: the common
 * leading and trailing lines are passed over first, and only the lines
 * between them are indexed and compared, within bounds of memory and time
 * that hold for any text. Past the bounds those lines make one hunk, which
 * is still a correct patch.
 */
#include "linediff.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTEXT 3
/* Lines indexed, both texts together (about 40 bytes each: 5 MiB). */
#define LINES_MAX 131072
/* The edit distance (lines deleted plus lines inserted) searched for. */
#define COST_MAX 2000
/* Steps of the work: slots of the line table probed, diagonals tried and
 * lines compared. */
#define WORK_MAX 50000000L
/* Too different to compare within the bounds (not an error). */
#define TOO_HARD 1

static const char no_newline[] = "\n\\ No newline at end of file\n";

/* The end of the line at p (past its '\n'), or len. */
static size_t line_end(const char *t, size_t len, size_t p)
{
	const char *nl = p < len ? memchr(t + p, '\n', len - p) : NULL;

	return nl ? (size_t)(nl - t) + 1 : len;
}

/* The start of the line that ends at end (> lo), not before lo. */
static size_t line_start(const char *t, size_t lo, size_t end)
{
	size_t p = end - 1; /* the line's '\n', or its last byte */

	while (p > lo && t[p - 1] != '\n')
		p--;
	return p;
}

static size_t count_lines(const char *t, size_t from, size_t to)
{
	size_t n = 0;

	for (size_t p = from; p < to; p = line_end(t, to, p))
		n++;
	return n;
}

/* Each line of t[from, to), mark before it. */
static void put_lines(struct buf *out, char mark, const char *t, size_t from, size_t to)
{
	while (from < to) {
		size_t end = line_end(t, to, from);

		buf_put(out, &mark, 1);
		buf_put(out, t + from, end - from);
		if (t[end - 1] != '\n')
			buf_put(out, no_newline, sizeof no_newline - 1);
		from = end;
	}
}

/* n lines from line start (0-based), as diff writes a range: "l" for one
 * line, "l,0" for none after line l. */
static void put_range(struct buf *out, char mark, size_t start, size_t n)
{
	char s[64];
	int len;

	if (n == 1)
		len = snprintf(s, sizeof s, " %c%zu", mark, start + 1);
	else
		len = snprintf(s, sizeof s, " %c%zu,%zu", mark, n ? start + 1 : start, n);
	buf_put(out, s, (size_t)len);
}

static void put_hunk_head(struct buf *out, size_t a, size_t na, size_t b, size_t nb)
{
	buf_put(out, "@@", 2);
	put_range(out, '-', a, na);
	put_range(out, '+', b, nb);
	buf_put(out, " @@\n", 4);
}

/*
 * Where two different texts differ, in bytes: the common leading lines end
 * at pre (lines of them), the common trailing lines begin at a_end and
 * b_end. The window adds up to CONTEXT of each: it is [from, a_to) and
 * [from, b_to), with before lines ahead of pre and after lines past a_end.
 */
struct span {
	size_t pre, lines, a_end, b_end;
	size_t from, before, a_to, b_to, after;
};

static void find_span(const char *a, size_t alen, const char *b, size_t blen, struct span *sp)
{
	size_t pre = 0, lines = 0, ae = alen, be = blen, k;

	for (;;) {
		size_t ea = line_end(a, alen, pre), eb = line_end(b, blen, pre);

		if (ea == pre || ea != eb || memcmp(a + pre, b + pre, ea - pre) != 0)
			break;
		pre = ea;
		lines++;
	}
	while (ae > pre && be > pre) {
		size_t la = line_start(a, pre, ae), lb = line_start(b, pre, be);

		if (ae - la != be - lb || memcmp(a + la, b + lb, ae - la) != 0)
			break;
		ae = la;
		be = lb;
	}
	sp->pre = pre;
	sp->lines = lines;
	sp->a_end = ae;
	sp->b_end = be;
	for (sp->from = pre, k = 0; k < CONTEXT && sp->from > 0; k++)
		sp->from = line_start(a, 0, sp->from);
	sp->before = k;
	for (sp->a_to = ae, k = 0; k < CONTEXT && sp->a_to < alen; k++)
		sp->a_to = line_end(a, alen, sp->a_to);
	sp->after = k;
	sp->b_to = be + (sp->a_to - ae);
}

/* The lines of one text's window, numbered by content. */
struct side {
	const char *text;   /* the window's first byte */
	uint32_t *off;      /* where each line starts in text; off[n]: the end */
	uint32_t *id;       /* equal lines, and only they, have equal ids */
	unsigned char *chg; /* 1: the line is not in the other text */
	size_t n;
};

static void side_free(struct side *sd)
{
	free(sd->off);
	free(sd->id);
	free(sd->chg);
}

static int side_index(struct side *sd, const char *t, size_t from, size_t to, size_t n)
{
	size_t p = from;

	memset(sd, 0, sizeof *sd);
	sd->text = t + from;
	sd->n = n;
	sd->off = malloc((n + 1) * sizeof *sd->off);
	sd->id = malloc((n + 1) * sizeof *sd->id);
	sd->chg = calloc(n + 1, 1);
	if (!sd->off || !sd->id || !sd->chg)
		return RELEASE_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		sd->off[i] = (uint32_t)(p - from);
		p = line_end(t, to, p);
	}
	sd->off[n] = (uint32_t)(to - from);
	return 0;
}

static const char *line_of(const struct side *sd, size_t i, size_t *len)
{
	*len = sd->off[i + 1] - sd->off[i];
	return sd->text + sd->off[i];
}

/* SipHash-2-4 (J.-P. Aumasson and D. J. Bernstein, "SipHash: a fast
 * short-input PRF", 2012), keyed per diff: lines that collide in the table
 * cannot be chosen without the key. */
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

static uint64_t hash_line(const uint64_t key[2], const char *p, size_t len)
{
	const unsigned char *u = (const unsigned char *)p;
	uint64_t v[4] = {
		key[0] ^ UINT64_C(0x736f6d6570736575), key[1] ^ UINT64_C(0x646f72616e646f6d),
		key[0] ^ UINT64_C(0x6c7967656e657261), key[1] ^ UINT64_C(0x7465646279746573)};
	uint64_t m;
	size_t i = 0;

	for (;; i += 8) {
		m = 0;
		if (len - i < 8) { /* the last word: the bytes left and len's low byte */
			for (size_t j = 0; i + j < len; j++)
				m |= (uint64_t)u[i + j] << (8 * j);
			m |= (uint64_t)(len & 0xff) << 56;
		} else {
			for (int j = 0; j < 8; j++)
				m |= (uint64_t)u[i + j] << (8 * j);
		}
		v[3] ^= m;
		sip_rounds(v, 2);
		v[0] ^= m;
		if (len - i < 8)
			break;
	}
	v[2] ^= 0xff;
	sip_rounds(v, 4);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/*
 * Gives every line of both windows its content's id, probing a table of
 * slots from each line's hash. A known key could still make lines collide:
 * each slot probed, and each 16 bytes compared, is a step of *work, and
 * past WORK_MAX the windows are TOO_HARD. 0, TOO_HARD or RELEASE_ENOMEM.
 */
static int number_lines(struct side *s0, struct side *s1, const uint64_t key[2], long *work)
{
	size_t total = s0->n + s1->n, cap = 16, mask;
	uint32_t *slot, *rep, ids = 0;
	int rc = 0;

	while (cap < 2 * total)
		cap *= 2;
	mask = cap - 1;
	slot = calloc(cap, sizeof *slot); /* an id + 1; 0: empty */
	rep = malloc((total + 1) * sizeof *rep); /* an id's first line: s0's, then s1's */
	if (!slot || !rep) {
		free(slot);
		free(rep);
		return RELEASE_ENOMEM;
	}
	for (int s = 0; s < 2 && rc == 0; s++) {
		struct side *sd = s ? s1 : s0;

		for (size_t i = 0; i < sd->n && rc == 0; i++) {
			size_t len, rlen;
			const char *p = line_of(sd, i, &len), *r;
			size_t h = (size_t)hash_line(key, p, len) & mask;

			for (;; h = (h + 1) & mask) {
				uint32_t e = slot[h];

				if (++*work > WORK_MAX) {
					rc = TOO_HARD;
					break;
				}
				if (!e) {
					rep[ids] = (uint32_t)(s ? s0->n + i : i);
					slot[h] = ++ids;
					sd->id[i] = ids - 1;
					break;
				}
				r = rep[e - 1] < s0->n ? line_of(s0, rep[e - 1], &rlen) :
							 line_of(s1, rep[e - 1] - s0->n, &rlen);
				if (rlen != len)
					continue;
				*work += (long)(len / 16);
				if (memcmp(r, p, len) == 0) {
					sd->id[i] = e - 1;
					break;
				}
			}
		}
	}
	free(slot);
	free(rep);
	return rc;
}

struct myers {
	const uint32_t *a, *b;
	unsigned char *ca, *cb;
	int32_t *fd, *bd; /* the furthest x reached on each diagonal x - y */
	long work;
};

/* x kept on diagonal d inside the rectangle: a step off an edge (a
 * deletion past a's end, say) is no step, and a split outside would
 * compare lines that are not there. */
static long clamp(long x, long xl, long xh, long yl, long yh, long d)
{
	long lo = xl > yl + d ? xl : yl + d, hi = xh < yh + d ? xh : yh + d;

	return x < lo ? lo : x > hi ? hi : x;
}

/*
 * A point (*mx, *my) on a shortest edit path through a[xl, xh) and
 * b[yl, yh), which differ at both ends: the forward search from the
 * start and the backward search from the end, a step at a time, until
 * they overlap on a diagonal. TOO_HARD past the bounds.
 */
static int split(struct myers *m, long xl, long xh, long yl, long yh, long *mx, long *my)
{
	const uint32_t *a = m->a, *b = m->b;
	int32_t *fd = m->fd, *bd = m->bd;
	long dmin = xl - yh, dmax = xh - yl, fmid = xl - yl, bmid = xh - yh;
	long fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
	int odd = (fmid - bmid) % 2 != 0;

	fd[fmid] = (int32_t)xl;
	bd[bmid] = (int32_t)xh;
	for (long c = 1;; c++) {
		if (c > COST_MAX / 2 || m->work > WORK_MAX)
			return TOO_HARD;
		/* one more step forward; -1 marks a diagonal not reached */
		if (fmin > dmin)
			fd[--fmin - 1] = -1;
		else
			fmin++;
		if (fmax < dmax)
			fd[++fmax + 1] = -1;
		else
			fmax--;
		for (long d = fmax; d >= fmin; d -= 2) {
			long x = fd[d - 1] >= fd[d + 1] ? fd[d - 1] + 1 : fd[d + 1], x0;

			x0 = x = clamp(x, xl, xh, yl, yh, d);
			while (x < xh && x - d < yh && a[x] == b[x - d])
				x++;
			m->work += 1 + (x - x0);
			fd[d] = (int32_t)x;
			if (odd && bmin <= d && d <= bmax && bd[d] <= x) {
				*mx = x;
				*my = x - d;
				return 0;
			}
		}
		/* one more step backward; INT32_MAX marks a diagonal not reached */
		if (bmin > dmin)
			bd[--bmin - 1] = INT32_MAX;
		else
			bmin++;
		if (bmax < dmax)
			bd[++bmax + 1] = INT32_MAX;
		else
			bmax--;
		for (long d = bmax; d >= bmin; d -= 2) {
			long x = bd[d - 1] < bd[d + 1] ? bd[d - 1] : bd[d + 1] - 1, x0;

			x0 = x = clamp(x, xl, xh, yl, yh, d);
			while (x > xl && x - d > yl && a[x - 1] == b[x - d - 1])
				x--;
			m->work += 1 + (x0 - x);
			bd[d] = (int32_t)x;
			if (!odd && fmin <= d && d <= fmax && x <= fd[d]) {
				*mx = x;
				*my = x - d;
				return 0;
			}
		}
	}
}

/* Marks the lines of a[xl, xh) and b[yl, yh) that a shortest edit script
 * deletes or inserts: 0 or TOO_HARD. */
static int compare(struct myers *m, long xl, long xh, long yl, long yh)
{
	for (;;) {
		long mx, my;
		int rc = 0;

		while (xl < xh && yl < yh && m->a[xl] == m->b[yl])
			xl++, yl++;
		while (xl < xh && yl < yh && m->a[xh - 1] == m->b[yh - 1])
			xh--, yh--;
		/* A split at a corner would repeat this call forever; it is never
		 * found, but the whole range replaced is a correct answer too. */
		if (xl == xh || yl == yh || (rc = split(m, xl, xh, yl, yh, &mx, &my)) != 0 ||
		    (mx == xl && my == yl) || (mx == xh && my == yh)) {
			if (xl != xh && yl != yh && rc != 0)
				return rc;
			memset(m->ca + xl, 1, (size_t)(xh - xl));
			memset(m->cb + yl, 1, (size_t)(yh - yl));
			return 0;
		}
		if ((rc = compare(m, xl, mx, yl, my)) != 0)
			return rc;
		xl = mx;
		yl = my;
	}
}

/* The hunks of two compared windows, whose first lines are line base. */
static void put_hunks(struct buf *out, const struct side *A, const struct side *B, size_t base)
{
	size_t i = 0, j = 0;

	for (;;) {
		size_t hi, hj, ei, ej, ti, tj, x, y, ctx;

		while (i < A->n && j < B->n && !A->chg[i] && !B->chg[j])
			i++, j++;
		if (i == A->n && j == B->n)
			return;
		ctx = i < CONTEXT ? i : CONTEXT;
		hi = i - ctx;
		hj = j - ctx;
		/* take changes while few equal lines part them */
		for (ei = i, ej = j;;) {
			size_t gi, gj, run = 0;

			while (ei < A->n && A->chg[ei])
				ei++;
			while (ej < B->n && B->chg[ej])
				ej++;
			gi = ei;
			gj = ej;
			while (gi < A->n && gj < B->n && !A->chg[gi] && !B->chg[gj] &&
			       run <= 2 * CONTEXT)
				gi++, gj++, run++;
			if (run > 2 * CONTEXT || (gi == A->n && gj == B->n))
				break;
			ei = gi;
			ej = gj;
		}
		ctx = A->n - ei < CONTEXT ? A->n - ei : CONTEXT;
		ti = ei + ctx;
		tj = ej + ctx;
		put_hunk_head(out, base + hi, ti - hi, base + hj, tj - hj);
		for (x = hi, y = hj; x < ti || y < tj;) {
			size_t x0 = x, y0 = y;

			while (x < ti && y < tj && !A->chg[x] && !B->chg[y])
				x++, y++;
			put_lines(out, ' ', A->text, A->off[x0], A->off[x]);
			for (x0 = x; x < ti && A->chg[x];)
				x++;
			for (y0 = y; y < tj && B->chg[y];)
				y++;
			put_lines(out, '-', A->text, A->off[x0], A->off[x]);
			put_lines(out, '+', B->text, B->off[y0], B->off[y]);
			if (x == x0 && y == y0 && (x < ti || y < tj))
				break; /* unpaired equal lines: cannot be */
		}
		i = ei;
		j = ej;
	}
}

/* Compares the windows line by line into A's and B's chg: 0, TOO_HARD or
 * RELEASE_ENOMEM. */
static int compare_windows(struct side *A, struct side *B, const struct span *sp, size_t na,
			   size_t nb, const uint64_t key[2])
{
	struct myers m;
	int32_t *fd, *bd;
	size_t diagonals = A->n + B->n + 3;
	int rc;

	m.work = 0;
	if ((rc = number_lines(A, B, key, &m.work)) != 0)
		return rc;
	fd = malloc(diagonals * sizeof *fd);
	bd = malloc(diagonals * sizeof *bd);
	if (!fd || !bd) {
		free(fd);
		free(bd);
		return RELEASE_ENOMEM;
	}
	m.a = A->id;
	m.b = B->id;
	m.ca = A->chg;
	m.cb = B->chg;
	m.fd = fd + B->n + 1; /* diagonals from -(B->n + 1) */
	m.bd = bd + B->n + 1;
	rc = compare(&m, (long)sp->before, (long)(sp->before + na), (long)sp->before,
		     (long)(sp->before + nb));
	free(fd);
	free(bd);
	return rc;
}

int line_diff(struct buf *out, const char *a, size_t alen, const char *b, size_t blen,
	      const char *a_name, const char *b_name, const uint64_t key[2])
{
	struct side A = {0}, B = {0};
	struct span sp;
	size_t na, nb;
	int rc = TOO_HARD;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return 0;
	buf_put(out, "--- ", 4);
	buf_put(out, a_name, strlen(a_name));
	buf_put(out, "\n+++ ", 5);
	buf_put(out, b_name, strlen(b_name));
	buf_put(out, "\n", 1);
	find_span(a, alen, b, blen, &sp);
	na = count_lines(a, sp.pre, sp.a_end);
	nb = count_lines(b, sp.pre, sp.b_end);
	if (na + nb <= LINES_MAX && sp.a_to - sp.from <= UINT32_MAX &&
	    sp.b_to - sp.from <= UINT32_MAX) {
		if ((rc = side_index(&A, a, sp.from, sp.a_to, sp.before + na + sp.after)) == 0 &&
		    (rc = side_index(&B, b, sp.from, sp.b_to, sp.before + nb + sp.after)) == 0 &&
		    (rc = compare_windows(&A, &B, &sp, na, nb, key)) == 0)
			put_hunks(out, &A, &B, sp.lines - sp.before);
		side_free(&A);
		side_free(&B);
	}
	if (rc == TOO_HARD) { /* the lines between the common ones, whole */
		size_t start = sp.lines - sp.before;

		put_hunk_head(out, start, sp.before + na + sp.after, start,
			      sp.before + nb + sp.after);
		put_lines(out, ' ', a, sp.from, sp.pre);
		put_lines(out, '-', a, sp.pre, sp.a_end);
		put_lines(out, '+', b, sp.pre, sp.b_end);
		put_lines(out, ' ', a, sp.a_end, sp.a_to);
		rc = 0;
	}
	return rc != 0 ? rc : out->err;
}
