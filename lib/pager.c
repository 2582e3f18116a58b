/* Walking an ordered kind newest first, a page of decoded objects at a time:
 * the engine under release_list() and release_build_list(). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int add_item(void *payload, uint64_t seq, const char *key, const void *data, size_t len)
{
	struct pager *p = payload;
	struct raw raw = {(unsigned char *)(uintptr_t)data, len, seq, 1};
	int rc;

	(void)key;
	if (p->n >= PAGER_PAGE || seq >= p->page_before)
		rc = fail(p->store, RELEASE_ECORRUPT, "app '%s': storage returned records out of order",
			  p->app);
	else
		rc = p->decode(p->store, p->app, &raw, &p->items[p->n], p->arg);
	if (rc != 0) {
		p->cb_rc = rc; /* ours: the message is set already */
		return rc;
	}
	p->n++;
	p->page_before = seq;
	return 0;
}

static void drop_page(struct pager *p)
{
	for (size_t i = p->next; i < p->n; i++)
		p->free_item(p->items[i]);
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

int pager_next(struct pager *p, void **out)
{
	*out = NULL;
	if (p->next > 0) { /* the caller is done with the previous item */
		p->free_item(p->items[p->next - 1]);
		p->items[p->next - 1] = NULL;
	}
	if (p->next == p->n) {
		size_t want = p->left < PAGER_PAGE ? p->left : PAGER_PAGE;
		int rc;

		p->n = p->next = 0;
		if (p->done || want == 0 || p->before <= 1)
			return RELEASE_ITEROVER;
		p->cb_rc = 0;
		p->page_before = p->before;
		rc = p->store->st->scan(p->store->ctx, p->app, p->kind, p->before, want, add_item, p);
		if (rc != 0) {
			/* The cursor has not moved: the same call may be tried again. */
			drop_page(p);
			return rc == p->cb_rc ? rc : fail_backend(p->store, rc, "listing");
		}
		p->before = p->page_before;
		if (p->n < want)
			p->done = 1;
		if (p->n == 0)
			return RELEASE_ITEROVER;
	}
	p->left--;
	*out = p->items[p->next++];
	return 0;
}

void pager_free(struct pager *p)
{
	if (p->next > 0)
		p->free_item(p->items[p->next - 1]);
	drop_page(p);
}
