/*
 * The file store's log: records read, checked and appended.
 * The on-disk format and the rules of recovery: file.h.
 */
#include "file.h"

/* Reads and checks the record at off of the current log. 0, or
 * RELEASE_ECORRUPT (with *torn = 1 when the file simply ends inside it). */
int read_rec(struct fstore *fs, struct fapp *a, uint64_t off, struct rec *r, int *torn)
{
	unsigned char h[REC_HDR];
	ssize_t n;
	uint32_t keylen, datalen;
	unsigned char *body;
	uint32_t crc, magic;

	memset(r, 0, sizeof *r);
	if (torn)
		*torn = 0;
	n = pread_full(a->log, h, sizeof h, off);
	if (n < 0)
		return sys_fail(fs, a->name, "reading log");
	if (n < REC_HDR) {
		if (torn)
			*torn = 1;
		return failf(fs, RELEASE_ECORRUPT, "app '%s': log.%llu ends inside the record at byte %llu",
			     a->name, (unsigned long long)a->log_gen, (unsigned long long)off);
	}
	keylen = h[10];
	datalen = get_u32(h + 12);
	magic = get_u32(h);
	if ((magic != REC_MAGIC && magic != REC_CONT) || keylen < 1 || keylen > KEY_MAX ||
	    datalen > DATA_MAX || h[8] < OP_PUT || h[8] > OP_DELETE || h[9] < RELEASE_KIND_META ||
	    h[9] > RELEASE_KIND_RELEASE || (h[11] & ~REC_MORE) != 0)
		return failf(fs, RELEASE_ECORRUPT, "app '%s': log.%llu has a corrupt record header at byte %llu",
			     a->name, (unsigned long long)a->log_gen, (unsigned long long)off);
	/* A torn tail's header may claim anything: check a long record against
	 * the file before allocating for it. */
	if (keylen + (uint64_t)datalen > BIG_RECORD &&
	    off + REC_HDR + keylen + datalen > file_size(a->log)) {
		if (torn)
			*torn = 1;
		return failf(fs, RELEASE_ECORRUPT, "app '%s': log.%llu ends inside the record at byte %llu",
			     a->name, (unsigned long long)a->log_gen, (unsigned long long)off);
	}
	if (!(body = malloc(keylen + datalen + 1)))
		return failf(fs, RELEASE_ENOMEM, "out of memory");
	n = pread_full(a->log, body, keylen + datalen, off + REC_HDR);
	if (n < 0) {
		free(body);
		return sys_fail(fs, a->name, "reading log");
	}
	if ((size_t)n < keylen + datalen) {
		free(body);
		if (torn)
			*torn = 1;
		return failf(fs, RELEASE_ECORRUPT, "app '%s': log.%llu ends inside the record at byte %llu",
			     a->name, (unsigned long long)a->log_gen, (unsigned long long)off);
	}
	crc = crc32c(0, h + 8, REC_HDR - 8);
	crc = crc32c(crc, body, keylen + datalen);
	if (crc != get_u32(h + 4)) {
		free(body);
		return failf(fs, RELEASE_ECORRUPT, "app '%s': record at byte %llu of log.%llu fails its checksum",
			     a->name, (unsigned long long)off, (unsigned long long)a->log_gen);
	}
	r->op = h[8];
	r->kind = h[9];
	r->first = magic == REC_MAGIC;
	r->more = (h[11] & REC_MORE) != 0;
	r->seq = get_u64(h + 16);
	memcpy(r->key, body, keylen);
	r->key[keylen] = '\0';
	if (memchr(r->key, '\0', keylen) ||
	    (ordered(r->kind) ? r->seq == 0 || r->seq >= SEQ_LIMIT : r->seq != 0)) {
		free(body);
		return failf(fs, RELEASE_ECORRUPT, "app '%s': record at byte %llu of log.%llu is malformed",
			     a->name, (unsigned long long)off, (unsigned long long)a->log_gen);
	}
	memmove(body, body + keylen, datalen);
	r->data = body;
	r->datalen = datalen;
	r->off = off;
	r->len = REC_HDR + keylen + datalen;
	return 0;
}

void rec_free(struct rec *r)
{
	free(r->data);
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
 * or past the pending runs), and with sync makes it durable with one
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
	int rc = 0, wrote = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i].len > DATA_MAX)
			return failf(fs, RELEASE_EINVAL, "app '%s': record of %zu bytes is too large",
				     a->name, v[i].len);
		lens[i] = (uint32_t)(REC_HDR + strlen(v[i].key) + v[i].len);
	}
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
