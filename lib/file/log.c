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
	uint32_t crc;

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
	if (get_u32(h) != REC_MAGIC || keylen < 1 || keylen > KEY_MAX || datalen > DATA_MAX ||
	    h[8] < OP_PUT || h[8] > OP_DELETE || h[9] < RELEASE_KIND_META ||
	    h[9] > RELEASE_KIND_RELEASE || h[11] != 0)
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

/* Appends a record and makes it durable; on failure the log is cut back. */
int append_rec(struct fstore *fs, struct fapp *a, int op, int kind, const char *key,
	       uint64_t seq, const void *data, size_t len, uint64_t *off, uint32_t *reclen)
{
	size_t keylen = strlen(key), total = REC_HDR + keylen + len;
	unsigned char *b;
	uint64_t end = a->st.indexed_len;
	int rc = 0;

	if (len > DATA_MAX)
		return failf(fs, RELEASE_EINVAL, "app '%s': record of %zu bytes is too large", a->name, len);
	if (!(b = malloc(total)))
		return failf(fs, RELEASE_ENOMEM, "out of memory");
	put_u32(b, REC_MAGIC);
	b[8] = (unsigned char)op;
	b[9] = (unsigned char)kind;
	b[10] = (unsigned char)keylen;
	b[11] = 0;
	put_u32(b + 12, (uint32_t)len);
	put_u64(b + 16, seq);
	memcpy(b + REC_HDR, key, keylen);
	if (len)
		memcpy(b + REC_HDR + keylen, data, len);
	put_u32(b + 4, crc32c(0, b + 8, total - 8));
	if (pwrite_full(a->log, b, total, end) != 0 || fdatasync_retry(a->log) != 0) {
		rc = sys_fail(fs, a->name, "appending to log");
		/* Whatever reached the file is unacknowledged: drop it. */
		if (ftruncate(a->log, (off_t)end) == 0)
			fdatasync_retry(a->log);
	}
	free(b);
	if (rc == 0) {
		*off = end;
		*reclen = (uint32_t)total;
	}
	return rc;
}
