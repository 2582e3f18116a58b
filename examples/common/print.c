/* The releases table and event lines, from a store, in Convox's formats. */
#include "print.h"

#include <stdlib.h>

#include "format.h"

int print_releases(FILE *out, release_store *store, const char *app,
		   const release_list_opts *opts, int64_t now)
{
	static const char *const headers[] = {"ID", "STATUS", "BUILD", "CREATED", "DESCRIPTION"};
	format_table *table = format_table_new(5, headers);
	release_iter *it = NULL;
	const release *r;
	char *text = NULL;
	int rc;

	if (!table)
		return RELEASE_ENOMEM;
	if ((rc = release_list(store, app, opts, &it)) != 0)
		goto out;
	while ((rc = release_iter_next(it, &r)) == 0) {
		char created[FORMAT_TIME_MAX];
		const char *row[5];

		row[0] = release_id(r);
		row[1] = release_is_active(r) ? "active" : "";
		row[2] = release_build_of(r);
		row[3] = format_relative_time(created, sizeof created, release_created(r), now);
		row[4] = release_description(r);
		if (format_table_add_row(table, row) != 0) {
			rc = RELEASE_ENOMEM;
			goto out;
		}
	}
	if (rc != RELEASE_ITEROVER)
		goto out;
	if (!(text = format_table_render(table))) {
		rc = RELEASE_ENOMEM;
		goto out;
	}
	fputs(text, out);
	rc = 0;
out:
	free(text);
	release_iter_free(it);
	format_table_free(table);
	return rc;
}

void print_event(void *payload, int64_t time, const char *source, const char *message)
{
	char when[FORMAT_TIME_MAX];
	char *src = format_safe(source, 0, 0), *msg = format_safe(message, 0, 0);

	/* A deploy hook's lines and the store's strings are not to be trusted
	 * with the terminal. */
	fprintf(payload, "%s %s %s\n", format_rfc3339(when, sizeof when, time),
		src ? src : "?", msg ? msg : "(out of memory)");
	free(src);
	free(msg);
}
