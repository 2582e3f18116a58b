/*
 * The file store's log: records read, checked and appended.
 * The on-disk format and the rules of recovery: file.h.
 */
#include "file.h"

static int ends_inside(struct fstore *fs, struct fapp *a, uint64_t off, int *torn)
{
	if (torn)
		*torn = 1;
	return failf(fs, RELEASE_ECORRUPT, "app '%s': log.%llu ends inside the record at byte %llu",
		     a->name, (unsigned long long)a->log_gen, (unsigned long long)off);
}

/* Checks a record's header h (at off): 0 with the key's and data's
 * lengths, or RELEASE_ECORRUPT. */
static int rec_head(struct fstore *fs, struct fapp *a, uint64_t off, const unsigned char *h,
		    uint32_t *keylen, uint32_t *datalen)
{
	uint32_t magic = get_u32(h);

	*keylen = h[10];
	*datalen = get_u32(h + 12);
	if ((magic != REC_MAGIC && magic != REC_CONT) || *keylen < 1 || *keylen > KEY_MAX ||
	    *datalen > DATA_MAX || h[8] < OP_PUT || h[8] > OP_DELETE || !valid_kind(h[9]) ||
	    (h[11] & ~REC_MORE) != 0)
		return failf(fs, RELEASE_ECORRUPT, "app '%s': log.%llu has a corrupt record header at byte %llu",
			     a->name, (unsigned long long)a->log_gen, (unsigned long long)off);
	return 0;
}

/* Checks a whole record: header h, then body (key then data), read from
 * off. On success r describes it, its data pointing into body. */
static int rec_body(struct fstore *fs, struct fapp *a, uint64_t off, const unsigned char *h,
		    const unsigned char *body, struct rec *r)
{
	uint32_t keylen = h[10], datalen = get_u32(h + 12);
	uint32_t crc = crc32c(crc32c(0, h + 8, REC_HDR - 8), body, keylen + datalen);

	if (crc != get_u32(h + 4))
		return failf(fs, RELEASE_ECORRUPT, "app '%s': record at byte %llu of log.%llu fails its checksum",
			     a->name, (unsigned long long)off, (unsigned long long)a->log_gen);
	r->op = h[8];
	r->kind = h[9];
	r->first = get_u32(h) == REC_MAGIC;
	r->more = (h[11] & REC_MORE) != 0;
	r->seq = get_u64(h + 16);
	memcpy(r->key, body, keylen);
	r->key[keylen] = '\0';
	if (memchr(r->key, '\0', keylen) ||
	    (ordered(r->kind) ? r->seq == 0 || r->seq >= SEQ_LIMIT : r->seq != 0))
		return failf(fs, RELEASE_ECORRUPT, "app '%s': record at byte %llu of log.%llu is malformed",
			     a->name, (unsigned long long)off, (unsigned long long)a->log_gen);
	r->data = (unsigned char *)(uintptr_t)(body + keylen);
	r->datalen = datalen;
	r->off = off;
	r->len = REC_HDR + keylen + datalen;
	return 0;
}

/*
 * Reads and checks the record at off of the current log. 0, or
 * RELEASE_ECORRUPT (with *torn = 1 when the file simply ends inside it).
 * hint, when not 0, is the record's length as an index gave it: the whole
 * record is then read at once (a wrong hint costs a second read, never a
 * wrong answer: the header read decides).
 */
int read_rec_hint(struct fstore *fs, struct fapp *a, uint64_t off, uint32_t hint, struct rec *r,
		  int *torn)
{
	unsigned char h[REC_HDR], *block;
	size_t want = hint >= REC_HDR && hint <= BIG_RECORD ? hint : REC_HDR;
	uint32_t keylen, datalen;
	ssize_t n;
	int rc;

	memset(r, 0, sizeof *r);
	if (torn)
		*torn = 0;
	if (!(block = malloc(want)))
		return failf(fs, RELEASE_ENOMEM, "out of memory");
	n = pread_full(a->log, block, want, off);
	if (n < 0) {
		free(block);
		return sys_fail(fs, a->name, "reading log");
	}
	if (n < REC_HDR) {
		free(block);
		return ends_inside(fs, a, off, torn);
	}
	memcpy(h, block, REC_HDR);
	if ((rc = rec_head(fs, a, off, h, &keylen, &datalen)) != 0) {
		free(block);
		return rc;
	}
	if ((size_t)n < REC_HDR + keylen + datalen) {
		unsigned char *body;

		/* Not all read: either the file ends inside the record, or the
		 * hint was short. A torn tail's header may claim anything:
		 * check a long record against the file before allocating. */
		if ((size_t)n < want ||
		    (keylen + (uint64_t)datalen > BIG_RECORD &&
		     off + REC_HDR + keylen + datalen > file_size(a->log))) {
			free(block);
			return ends_inside(fs, a, off, torn);
		}
		free(block);
		if (!(block = malloc(REC_HDR + keylen + datalen)))
			return failf(fs, RELEASE_ENOMEM, "out of memory");
		body = block + REC_HDR;
		n = pread_full(a->log, body, keylen + datalen, off + REC_HDR);
		if (n < 0) {
			free(block);
			return sys_fail(fs, a->name, "reading log");
		}
		if ((size_t)n < keylen + datalen) {
			free(block);
			return ends_inside(fs, a, off, torn);
		}
	}
	if ((rc = rec_body(fs, a, off, h, block + REC_HDR, r)) != 0) {
		free(block);
		memset(r, 0, sizeof *r);
		return rc;
	}
	r->block = block;
	return 0;
}

int read_rec(struct fstore *fs, struct fapp *a, uint64_t off, struct rec *r, int *torn)
{
	return read_rec_hint(fs, a, off, 0, r, torn);
}

/*
 * A window of the log read at once, for reads of many records near each
 * other (a page of a listing, a replay). Records wholly inside it are
 * checked there and lent (r->data points into the window, valid until the
 * window is filled again or freed); any other is read on its own.
 */
int window_fill(struct fstore *fs, struct fapp *a, struct window *w, uint64_t off, size_t len)
{
	ssize_t n;

	if (len > w->cap) {
		unsigned char *b = realloc(w->b, len);

		if (!b)
			return failf(fs, RELEASE_ENOMEM, "out of memory");
		w->b = b;
		w->cap = len;
	}
	w->off = off;
	w->len = 0;
	if ((n = pread_full(a->log, w->b, len, off)) < 0)
		return sys_fail(fs, a->name, "reading log");
	w->len = (size_t)n;
	return 0;
}

void window_free(struct window *w)
{
	free(w->b);
	memset(w, 0, sizeof *w);
}

/* As read_rec_hint(), from w when the record is wholly in it. */
int read_rec_in(struct fstore *fs, struct fapp *a, const struct window *w, uint64_t off,
		uint32_t hint, struct rec *r, int *torn)
{
	if (w && off >= w->off && off - w->off + REC_HDR <= w->len) {
		const unsigned char *h = w->b + (off - w->off);
		uint32_t keylen, datalen;
		int rc;

		memset(r, 0, sizeof *r);
		if (torn)
			*torn = 0;
		if ((rc = rec_head(fs, a, off, h, &keylen, &datalen)) != 0)
			return rc;
		if (off - w->off + REC_HDR + keylen + datalen <= w->len) {
			if ((rc = rec_body(fs, a, off, h, h + REC_HDR, r)) != 0)
				memset(r, 0, sizeof *r);
			return rc;
		}
	}
	return read_rec_hint(fs, a, off, hint, r, torn);
}

#define SEQ_WINDOW (64u << 10) /* read at once by a replay */

/* Whether the record at off, as its header's lengths say, lies wholly in w
 * (the header unchecked: read_rec_in() checks it). */
static int whole_in(const struct window *w, uint64_t off)
{
	const unsigned char *h;

	if (off < w->off || off - w->off + REC_HDR > w->len)
		return 0;
	h = w->b + (off - w->off);
	return off - w->off + REC_HDR + h[10] + (uint64_t)get_u32(h + 12) <= w->len;
}

/*
 * As read_rec(), for records read one after another (a replay, a check of
 * a run): the log is read a window at a time, filled again from off when
 * the record there is not wholly in it. A record longer than the window,
 * or one the file ends inside, is read as read_rec() reads it (which tells
 * a torn one).
 */
int read_rec_seq(struct fstore *fs, struct fapp *a, struct window *w, uint64_t off, struct rec *r,
		 int *torn)
{
	int rc;

	if (!whole_in(w, off) && (rc = window_fill(fs, a, w, off, SEQ_WINDOW)) != 0)
		return rc;
	return read_rec_in(fs, a, w, off, 0, r, torn);
}

void rec_free(struct rec *r)
{
	free(r->block);
	r->block = NULL;
	r->data = NULL;
}

/* A record's bytes in b: the first of its run (first), or a later one; more
 * when the run goes on after it. */
void encode_rec(unsigned char *b, const struct wrec *w, int first, int more)
{
	size_t keylen = strlen(w->key), total = REC_HDR + keylen + w->len;

	put_u32(b, first ? REC_MAGIC : REC_CONT);
	b[8] = (unsigned char)w->op;
	b[9] = (unsigned char)w->kind;
	b[10] = (unsigned char)keylen;
	b[11] = more ? REC_MORE : 0;
	put_u32(b + 12, (uint32_t)w->len);
	put_u64(b + 16, w->seq);
	memcpy(b + REC_HDR, w->key, keylen);
	if (w->len)
		memcpy(b + REC_HDR + keylen, w->data, w->len);
	put_u32(b + 4, crc32c(0, b + 8, total - 8));
}

#define RUN_BUFFER (1u << 20) /* records up to this much are written at once */

/*
 * Appends the run v[0..n) at the end of the log, from start (indexed_len,
 * or past the pending runs), the store's FORMAT first moved to what the
 * run needs (file.h), and with sync makes it durable with one
 * fdatasync (without, a commit waits for a group's: group.c); lens[i] gets
 * the length of record i. On failure the log is cut back to start: nothing
 * of the run stays but what a failed cut leaves, which recovery cuts off
 * unless all of it reached the file.
 */
int append_run(struct fstore *fs, struct fapp *a, uint64_t start, const struct wrec *v, size_t n,
	       uint32_t *lens, int sync)
{
	uint64_t end = start;
	size_t cap = 0, used = 0;
	unsigned char *b = NULL;
	int rc = 0, wrote = 0, format = n > 1 ? FORMAT_RUNS : FORMAT_PLAIN;

	for (size_t i = 0; i < n; i++) {
		if (v[i].len > DATA_MAX)
			return failf(fs, RELEASE_EINVAL, "app '%s': record of %zu bytes is too large",
				     a->name, v[i].len);
		lens[i] = (uint32_t)(REC_HDR + strlen(v[i].key) + v[i].len);
		if (v[i].kind == RELEASE_KIND_DEPLOY)
			format = FORMAT_DEPLOY;
	}
	/* FORMAT says what the log may hold before the log holds it. */
	if ((rc = format_move(fs, format)) != 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		/* Records are gathered into one buffer, written when the next
		 * would overflow it: a run of small records is one write. */
		if (used && used + lens[i] > RUN_BUFFER) {
			wrote = 1;
			if (pwrite_full(a->log, b, used, end) != 0)
				rc = sys_fail(fs, a->name, "appending to log");
			end += used;
			used = 0;
		}
		if (rc == 0 && used + lens[i] > cap) {
			size_t want = used + lens[i] > RUN_BUFFER ? used + lens[i] : RUN_BUFFER;
			unsigned char *nb;

			/* a run of one needs exactly its record */
			if (n == 1)
				want = lens[i];
			if (!(nb = realloc(b, want))) {
				rc = failf(fs, RELEASE_ENOMEM, "out of memory");
				break;
			}
			b = nb;
			cap = want;
		}
		if (rc == 0) {
			encode_rec(b + used, &v[i], i == 0, i + 1 < n);
			used += lens[i];
		}
	}
	if (rc == 0 && used) {
		wrote = 1;
		if (pwrite_full(a->log, b, used, end) != 0)
			rc = sys_fail(fs, a->name, "appending to log");
	}
	if (rc == 0 && sync && fdatasync_retry(a->log) != 0)
		rc = sys_fail(fs, a->name, "appending to log");
	if (rc != 0 && wrote) {
		/* Whatever reached the file is unacknowledged: drop it. */
		char msg[sizeof fs->errmsg];

		memcpy(msg, fs->errmsg, sizeof msg);
		cut_log(fs, a, start);
		memcpy(fs->errmsg, msg, sizeof msg);
	}
	free(b);
	return rc;
}

/* Appends one record, a run of one, and makes it durable. */
int append_rec(struct fstore *fs, struct fapp *a, int op, int kind, const char *key,
	       uint64_t seq, const void *data, size_t len, uint64_t *off, uint32_t *reclen)
{
	struct wrec w = {op, kind, key, seq, data, len};
	uint64_t end = a->st.indexed_len;
	int rc = append_run(fs, a, end, &w, 1, reclen, 1);

	if (rc == 0)
		*off = end;
	return rc;
}
