/*
 * commit(): a commit's operations go to the server as one call of
 * librelease_commit() (schema.c), their fields as arrays, so a commit is one
 * statement in autocommit: one round trip, one transaction. The function
 * applies the operations in order, each seeing the earlier ones' effect, and
 * raises an error naming the first that fails, which rolls all of them back.
 *
 * Arrays are sent in PostgreSQL's binary form, so record bytes are never
 * escaped. Everything the function could refuse as invalid is refused here
 * first, with a message; the server refuses again what gets past.
 */
#include "pgstore_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The SQLSTATEs librelease_commit() raises, with the failing operation's
 * index as the message. */
#define STATE_CONFLICT "LR409"
#define STATE_NOTFOUND "LR404"
#define STATE_INVALID "LR400"

/* A one-dimensional array in binary form: a header (ndim, has-null flag,
 * element type, length, lower bound), then each element as its length
 * (-1: NULL) and its bytes; all integers big-endian. */
#define ARRAY_HEAD 20
#define ELEM_HEAD 4

struct array {
	unsigned char *buf;
	size_t len;
};

static unsigned char *put32(unsigned char *b, uint32_t v)
{
	b[0] = (unsigned char)(v >> 24);
	b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8);
	b[3] = (unsigned char)v;
	return b + 4;
}

static void array_start(struct array *a, size_t n, int has_null, uint32_t elem_oid)
{
	unsigned char *b = a->buf;

	b = put32(b, 1);
	b = put32(b, has_null ? 1 : 0);
	b = put32(b, elem_oid);
	b = put32(b, (uint32_t)n);
	put32(b, 1);
	a->len = ARRAY_HEAD;
}

static void array_add(struct array *a, const void *data, size_t len)
{
	unsigned char *b = a->buf + a->len;

	if (!data) {
		put32(b, UINT32_MAX); /* -1 */
		a->len += ELEM_HEAD;
		return;
	}
	b = put32(b, (uint32_t)len);
	if (len)
		memcpy(b, data, len);
	a->len += ELEM_HEAD + len;
}

static void array_add_u16(struct array *a, uint16_t v)
{
	unsigned char b[2] = {(unsigned char)(v >> 8), (unsigned char)v};

	array_add(a, b, sizeof b);
}

static void array_add_u64(struct array *a, uint64_t v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (56 - 8 * i));
	array_add(a, b, sizeof b);
}

static const char *op_name(int op)
{
	switch (op) {
	case RELEASE_OP_PUT:
		return "put";
	case RELEASE_OP_CAS:
		return "compare-and-swap";
	case RELEASE_OP_DEL:
		return "delete";
	default:
		return "check";
	}
}

/* Refuses an operation the server would refuse or misread; 0 if fine. */
static int check_op(struct pg *p, const char *app, const release_storage_op *o, size_t i)
{
	int rc;

	if (o->op < RELEASE_OP_PUT || o->op > RELEASE_OP_CHECK)
		return pgs_failf(p, RELEASE_EINVAL, "app '%s': commit operation %zu: unknown op %d",
				 app, i, o->op);
	if ((rc = pgs_check_record(p, app, o->kind, o->key, 1)) != 0) {
		char why[ERR_MAX];

		snprintf(why, sizeof why, "%s", p->err);
		return pgs_failf(p, rc, "commit operation %zu: %s", i, why);
	}
	if ((!o->data && o->len) || (!o->old && o->old_len) || pgs_too_big(o->len) ||
	    pgs_too_big(o->old_len))
		return pgs_failf(p, RELEASE_EINVAL, "app '%s': commit operation %zu (%s): %s", app,
				 i, op_name(o->op),
				 pgs_too_big(o->len) || pgs_too_big(o->old_len)
					 ? "a record too large"
					 : "NULL bytes of non-zero length");
	if (o->op == RELEASE_OP_PUT &&
	    ((o->kind == RELEASE_KIND_META) != (o->seq == 0) || o->seq >= INT64_MAX))
		return pgs_failf(p, RELEASE_EINVAL,
				 "app '%s': commit operation %zu (put): seq %llu is not valid for "
				 "kind %d",
				 app, i, (unsigned long long)o->seq, o->kind);
	/* an ordered record is made by put, which gives it its seq */
	if (o->op == RELEASE_OP_CAS && o->kind != RELEASE_KIND_META && !o->old && o->data)
		return pgs_failf(p, RELEASE_EINVAL,
				 "app '%s': commit operation %zu: compare-and-swap cannot create "
				 "a record of an ordered kind (it has no seq): use put",
				 app, i);
	return 0;
}

/* The bytes each array needs, or 0 if they are more than a parameter
 * holds. */
static size_t bytes_of(const release_storage_op *ops, size_t n, int field)
{
	size_t total = ARRAY_HEAD;

	for (size_t i = 0; i < n; i++) {
		size_t len = field == 0	  ? strlen(ops[i].key)
			     : field == 1 ? (ops[i].old ? ops[i].old_len : 0)
					  : (ops[i].data ? ops[i].len : 0);

		total += ELEM_HEAD + len;
		if (total > INT32_MAX)
			return 0;
	}
	return total;
}

/* The array parameters of ops[0..n): op, kind, key, seq, old, data. */
static int build_arrays(struct pg *p, const char *app, const release_storage_op *ops, size_t n,
			struct array a[6], unsigned char **mem)
{
	size_t small = 2 * (ARRAY_HEAD + n * (ELEM_HEAD + 2)) + ARRAY_HEAD + n * (ELEM_HEAD + 8);
	size_t keys = bytes_of(ops, n, 0), olds = bytes_of(ops, n, 1), datas = bytes_of(ops, n, 2);
	unsigned char *b;

	if (!keys || !olds || !datas)
		return pgs_failf(p, RELEASE_EINVAL, "app '%s': a commit of records too large", app);
	if (!(b = *mem = malloc(small + keys + olds + datas)))
		return pgs_failf(p, RELEASE_ENOMEM, "out of memory");
	a[0].buf = b;
	a[1].buf = a[0].buf + ARRAY_HEAD + n * (ELEM_HEAD + 2);
	a[2].buf = a[1].buf + ARRAY_HEAD + n * (ELEM_HEAD + 2);
	a[3].buf = a[2].buf + keys;
	a[4].buf = a[3].buf + ARRAY_HEAD + n * (ELEM_HEAD + 8);
	a[5].buf = a[4].buf + olds;
	array_start(&a[0], n, 0, OID_INT2);
	array_start(&a[1], n, 0, OID_INT2);
	array_start(&a[2], n, 0, OID_TEXT);
	array_start(&a[3], n, 0, OID_INT8);
	array_start(&a[4], n, 1, OID_BYTEA);
	array_start(&a[5], n, 1, OID_BYTEA);
	for (size_t i = 0; i < n; i++) {
		const release_storage_op *o = &ops[i];
		/* put's NULL data is an empty record; a CAS's NULL deletes */
		const void *data = o->op == RELEASE_OP_PUT && !o->data ? "" : o->data;

		array_add_u16(&a[0], (uint16_t)o->op);
		array_add_u16(&a[1], (uint16_t)o->kind);
		array_add(&a[2], o->key, strlen(o->key));
		array_add_u64(&a[3], o->op == RELEASE_OP_PUT ? o->seq : 0);
		array_add(&a[4], o->op == RELEASE_OP_CAS || o->op == RELEASE_OP_CHECK ? o->old : NULL,
			  o->old_len);
		array_add(&a[5], o->op == RELEASE_OP_PUT || o->op == RELEASE_OP_CAS ? data : NULL,
			  o->len);
	}
	return 0;
}

/* What the function's error says: the code and the failing operation, or
 * -1 when it is not one of librelease_commit()'s own. */
static int commit_failure(struct pg *p, PGresult *res, const char *app,
			  const release_storage_op *ops, size_t n, size_t *failed)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char *end;
	unsigned long long i;
	int code;

	if (!state || !msg)
		return -1;
	if (strcmp(state, STATE_CONFLICT) == 0)
		code = RELEASE_ECONFLICT;
	else if (strcmp(state, STATE_NOTFOUND) == 0)
		code = RELEASE_ENOTFOUND;
	else if (strcmp(state, STATE_INVALID) == 0)
		code = RELEASE_EINVAL;
	else
		return -1;
	i = strtoull(msg, &end, 10);
	if (end == msg || *end || i >= n)
		return -1;
	if (failed)
		*failed = (size_t)i;
	PQclear(res);
	return pgs_failf(p, code, "app '%s': commit operation %llu (%s of kind %d '%s') %s; "
				  "nothing was written",
			 app, i, op_name(ops[i].op), ops[i].kind, ops[i].key,
			 code == RELEASE_ENOTFOUND ? "found no record"
			 : code == RELEASE_EINVAL  ? "was refused by the server"
						   : "found other bytes than expected");
}

int pgs_commit(void *ctx, const char *app, const release_storage_op *ops, size_t n,
	       size_t *failed)
{
	struct pg *p = pgs_begin(ctx);
	struct array a[6];
	struct params q;
	unsigned char *mem = NULL;
	PGresult *res;
	int rc;

	if ((rc = pgs_check_record(p, app, RELEASE_KIND_META, NULL, 0)) != 0 || !ops || n == 0 ||
	    n > RELEASE_COMMIT_MAX) {
		if (failed)
			*failed = n;
		return rc ? rc
			  : pgs_failf(p, RELEASE_EINVAL, "app '%s': a commit of %zu operations%s",
				      app, n, ops ? " (1 to RELEASE_COMMIT_MAX)" : ", ops NULL");
	}
	for (size_t i = 0; i < n; i++) {
		if ((rc = check_op(p, app, &ops[i], i)) != 0) {
			if (failed)
				*failed = i;
			return rc;
		}
	}
	if ((rc = pgs_ready_to_write(p, S_COMMIT, app)) != 0)
		return rc;
	if ((rc = build_arrays(p, app, ops, n, a, &mem)) != 0) {
		if (failed && rc == RELEASE_EINVAL)
			*failed = n;
		return rc;
	}
	memset(&q, 0, sizeof q);
	pgs_param_text(&q, app);
	for (int i = 0; i < 6; i++)
		pgs_param_bytes(&q, a[i].buf, a[i].len);
	res = pgs_send(p, S_COMMIT, &q, &rc);
	free(mem);
	if (!res)
		return rc;
	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		if ((rc = pgs_check_answer(p, S_COMMIT, res)) != 0)
			return rc;
		PQclear(res);
		return 0;
	}
	/* A lost connection leaves the outcome open: the transaction may
	 * have committed just before; pgs_fail_result says EIO. */
	if (PQstatus(p->conn) == CONNECTION_OK &&
	    (rc = commit_failure(p, res, app, ops, n, failed)) != -1)
		return rc;
	return pgs_fail_result(p, res, "commit");
}
