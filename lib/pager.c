/* Walking an ordered kind newest first, a page of decoded objects at a time:
 * the engine under release_list() and release_build_list().
 *
 * A record that cannot be read is one step of its own: the step reports it
 * and the walk goes on below it. When the backend's scan fails on a record
 * it does not name, the rest of the page is read one record at a time, and
 * the record at fault is found by its sequence number (get_seq, or scans of
 * one record), so the good records around it are still yielded. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBES 64 /* sequence numbers tried one by one before bisecting */

static const char *what_of(const struct pager *p)
{
	return p->kind == RELEASE_KIND_RELEASE ? "release version" :
	       p->kind == RELEASE_KIND_DEPLOY  ? "deployment log entry" :
						 "build at sequence";
}

/* An entry for a record that cannot be read; takes the message. */
static int add_bad(struct pager *p, uint64_t seq, int rc, const char *msg)
{
	struct pager_entry *e = &p->items[p->n];

	if (!(e->msg = dup_str(msg)))
		return fail(p->store, RELEASE_ENOMEM, "out of memory");
	e->item = NULL;
	e->seq = seq;
	e->rc = rc;
	p->n++;
	p->page_before = seq;
	return 0;
}

static int add_item(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct pager *p = payload;
	struct raw raw = {(unsigned char *)(uintptr_t)data, len, seq, 1};
	int rc;

	(void)key;
	if (p->n >= p->want || seq >= p->page_before || (!data && len)) {
		rc = fail(p->store, RELEASE_ECORRUPT,
			  "app '%s': storage returned records out of order or beyond the limit",
			  p->app);
	} else {
		p->items[p->n].msg = NULL;
		rc = p->decode(p->store, p->app, &raw, &p->items[p->n].item, p->arg);
		if (rc == 0) {
			p->items[p->n].seq = seq;
			p->n++;
			p->page_before = seq;
			return 0;
		}
		if (rc == RELEASE_ECORRUPT) /* this record's trouble only */
			rc = add_bad(p, seq, rc, p->store->errmsg);
	}
	p->cb_rc = rc; /* ours: the message is set already */
	return rc;
}

static void free_entry(struct pager *p, struct pager_entry *e)
{
	if (e->item)
		p->free_item(e->item);
	free(e->msg);
	memset(e, 0, sizeof *e);
}

static void drop_page(struct pager *p)
{
	for (size_t i = p->next; i < p->n; i++)
		free_entry(p, &p->items[i]);
	p->n = p->next = 0;
}

void pager_init(struct pager *p, release_store *s, const char *app, int kind, size_t limit,
		uint64_t before)
{
	memset(p, 0, sizeof *p);
	p->store = s;
	strcpy(p->app, app);
	p->kind = kind;
	p->left = limit ? limit : SIZE_MAX;
	p->before = before ? before : UINT64_MAX;
}

/* A scan of one record below before that only looks: 0 (there is one, or
 * none), or its failure. */
static int count_one(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	(void)seq;
	(void)key;
	(void)data;
	(void)len;
	++*(int *)payload;
	return 0;
}

static int scan_one(struct pager *p, uint64_t before)
{
	int seen = 0;

	return p->store->st->scan(p->store->ctx, p->app, p->kind, before, 1, count_one, &seen);
}

/* Reads seq by get_seq into the page: 1 when it was added (good or bad),
 * 0 when there is no such record, or a failure (RELEASE_ECORRUPT from the
 * backend in *corrupt, not worded). */
static int probe(struct pager *p, uint64_t seq, int *corrupt)
{
	size_t n = p->n;
	int rc;

	*corrupt = 0;
	p->cb_rc = 0;
	rc = p->store->st->get_seq(p->store->ctx, p->app, p->kind, seq, add_item, p);
	if (rc == 0 || (rc == RELEASE_ENOTFOUND && p->n == n))
		return p->n > n;
	if (rc == p->cb_rc)
		return rc;
	if (rc == RELEASE_ECORRUPT)
		*corrupt = 1;
	return rc == RELEASE_ECORRUPT ? rc : fail_backend(p->store, rc, "listing");
}

/*
 * The newest record below c cannot be read (a scan of one record from c
 * fails with RELEASE_ECORRUPT): finds its seq. 0 and *bad; 1 when the probe
 * read a good record instead (it is in the page now); or a failure, which
 * is RELEASE_ECORRUPT when the damage cannot be narrowed to a record.
 */
static int find_bad(struct pager *p, uint64_t c, uint64_t *bad, const char *cause)
{
	const release_storage *st = p->store->st;
	uint64_t lo, hi, step;
	int rc, corrupt, sure = 1;

	/* Histories are nearly gap-free: the seqs just below c come first. */
	for (uint64_t s = c - 1, i = 0; st->get_seq && c != UINT64_MAX && s >= 1 && i < PROBES;
	     s--, i++) {
		if ((rc = probe(p, s, &corrupt)) == 0)
			continue;
		if (corrupt)
			*bad = s;
		return corrupt ? 0 : rc;
	}
	/* Else bisect on "a scan of one record from b fails": true just above
	 * the bad record, false at it. Find a b where it is false, going down
	 * in doubling steps; at 1 it is false by definition (nothing is below). */
	hi = c;
	lo = 1;
	for (step = 1; c - 1 > step; step *= 2) {
		uint64_t b = c - step;

		if ((rc = scan_one(p, b)) == 0) {
			lo = b;
			break;
		}
		if (rc != RELEASE_ECORRUPT)
			return fail_backend(p->store, rc, "listing");
		hi = b;
		if (step > UINT64_MAX / 2)
			break;
	}
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		rc = scan_one(p, mid);
		if (rc == 0)
			lo = mid;
		else if (rc == RELEASE_ECORRUPT)
			hi = mid;
		else
			return fail_backend(p->store, rc, "listing");
	}
	/* By the scan's contract lo is the record at fault; where the backend
	 * can tell, make sure. */
	if (st->get_seq) {
		if ((rc = probe(p, lo, &corrupt)) == 1 || (rc != 0 && !corrupt))
			return rc;
		sure = corrupt;
	}
	if (!sure)
		return fail(p->store, RELEASE_ECORRUPT,
			    "app '%s': %s; the damage could not be narrowed to one record", p->app,
			    cause);
	*bad = lo;
	return 0;
}

/*
 * The page's scan failed with RELEASE_ECORRUPT from the backend after the
 * entries read so far: reads the rest of the page a record at a time,
 * with an entry of its own for each record that cannot be read.
 */
static int read_around(struct pager *p, int scan_rc)
{
	char cause[ERRMSG_MAX / 2];
	int rc = 0;

	fail_backend(p->store, scan_rc, "listing");
	snprintf(cause, sizeof cause, "%.250s", p->store->errmsg);
	while (p->n < p->want && p->page_before > 1) {
		size_t n = p->n;
		uint64_t bad = 0;

		p->cb_rc = 0;
		rc = p->store->st->scan(p->store->ctx, p->app, p->kind, p->page_before, 1, add_item,
					p);
		if (rc == 0 && p->n == n) {
			p->done = 1;
			break;
		}
		if (rc == 0)
			continue;
		if (rc != p->cb_rc && rc == RELEASE_ECORRUPT) {
			char msg[ERRMSG_MAX];

			if ((rc = find_bad(p, p->page_before, &bad, cause)) == 1)
				continue;
			if (rc == 0) {
				snprintf(msg, sizeof msg, "app '%s': %s %llu cannot be read: %s", p->app,
					 what_of(p), (unsigned long long)bad, cause);
				rc = add_bad(p, bad, RELEASE_ECORRUPT, msg);
			}
			if (rc == 0)
				continue;
		} else if (rc != p->cb_rc) {
			rc = fail_backend(p->store, rc, "listing");
		}
		break;
	}
	if (rc == 0 || p->n == 0)
		return rc;
	/* A failure after some entries: yield those; the next page starts
	 * below them and meets the failure again. */
	p->done = 0;
	return 0;
}

/* Reads the next page; on failure the cursor has not moved. */
static int read_page(struct pager *p)
{
	int rc;

	p->n = p->next = 0;
	p->want = p->left < PAGER_PAGE ? p->left : PAGER_PAGE;
	p->cb_rc = 0;
	p->page_before = p->before;
	rc = p->store->st->scan(p->store->ctx, p->app, p->kind, p->before, p->want, add_item, p);
	if (rc == 0 && p->n < p->want)
		p->done = 1;
	if (rc != 0 && rc != p->cb_rc)
		rc = rc == RELEASE_ECORRUPT ? read_around(p, rc) : fail_backend(p->store, rc, "listing");
	if (rc == RELEASE_ECORRUPT) {
		/* Damage that cannot be narrowed to a record (a backend that
		 * breaks its contract): yield what came in order, then the
		 * failure, then the end. A corrupt step never repeats itself. */
		if ((p->end_msg = dup_str(p->store->errmsg))) {
			p->end_rc = rc;
			p->done = 1;
			rc = 0;
		} else {
			rc = fail(p->store, RELEASE_ENOMEM, "out of memory");
		}
	}
	if (rc != 0) {
		drop_page(p);
		p->done = 0;
		return rc;
	}
	p->before = p->page_before;
	return 0;
}

int pager_next(struct pager *p, void **out)
{
	struct pager_entry *e;

	*out = NULL;
	if (p->next > 0) /* the caller is done with the previous step */
		free_entry(p, &p->items[p->next - 1]);
	if (p->next == p->n) {
		int rc;

		p->n = p->next = 0;
		if (!p->end_rc && (p->done || p->left == 0 || p->before <= 1))
			return RELEASE_ITEROVER;
		if (!p->end_rc && (rc = read_page(p)) != 0)
			return rc;
		if (p->n == 0 && p->end_rc) {
			rc = fail(p->store, p->end_rc, "%s", p->end_msg);
			free(p->end_msg);
			p->end_msg = NULL;
			p->end_rc = 0;
			return rc;
		}
		if (p->n == 0)
			return RELEASE_ITEROVER;
	}
	p->left--;
	e = &p->items[p->next++];
	if (!e->item)
		return fail(p->store, e->rc, "%s", e->msg);
	*out = e->item;
	return 0;
}

void pager_free(struct pager *p)
{
	if (p->next > 0)
		free_entry(p, &p->items[p->next - 1]);
	drop_page(p);
	free(p->end_msg);
}
