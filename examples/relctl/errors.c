/* "ERROR: ..." on stderr, and the exit status that goes with it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/format.h"
#include "relctl.h"

#define SHOWN_MAX 100    /* characters of an echoed word */
#define MESSAGE_MAX 4096 /* characters of a whole message */
#define SHOWN_SLOTS 4

int relctl_status_of(int rc)
{
	switch (rc) {
	case 0: return RELCTL_EXIT_OK;
	case RELEASE_EINVAL: return RELCTL_EXIT_USAGE;
	case RELEASE_ENOTFOUND:
	case RELEASE_ETIMEDOUT: return RELCTL_EXIT_NOTFOUND; /* nothing came in time */
	case RELEASE_EEXIST:
	case RELEASE_EOLDER:
	case RELEASE_ECONFLICT: return RELCTL_EXIT_REFUSED;
	case RELEASE_EBUSY: return RELCTL_EXIT_BUSY;
	case RELEASE_EDEPLOY: return RELCTL_EXIT_DEPLOY;
	case RELEASE_ECORRUPT:
	case RELEASE_EIO:
	case RELEASE_ENOSPC:
	case RELEASE_EUNSUPPORTED: return RELCTL_EXIT_STORE;
	default: return RELCTL_EXIT_FAILURE;
	}
}

const char *relctl_shown(const char *s)
{
	/* Up to 6 bytes a character ("\u0085"), and "...". */
	static char slots[SHOWN_SLOTS][SHOWN_MAX * 6 + 4];
	static unsigned next;
	char *slot = slots[next++ % SHOWN_SLOTS], *safe;

	if (!s)
		return "";
	if (!(safe = format_safe(s, 0, SHOWN_MAX)))
		return "(out of memory)";
	snprintf(slot, sizeof slots[0], "%s", safe);
	free(safe);
	return slot;
}

int relctl_error(int status, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL, *safe = NULL;
	int n;

	fflush(stdout); /* so a started "Creating myapp... " comes first */
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n >= 0 && (msg = malloc((size_t)n + 1))) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
		/* Messages echo what was typed and what was stored: neither may
		 * drive the terminal or break the line. */
		safe = format_safe(msg, 0, MESSAGE_MAX);
	}
	fprintf(stderr, "ERROR: %s\n", safe ? safe : "out of memory (formatting an error)");
	free(safe);
	free(msg);
	return status;
}

const char *relctl_store_text(const char *uri, const char *msg)
{
	static char line[MESSAGE_MAX + 1];
	size_t n = 0;

	if (!uri || !relctl_is_postgresql(uri) || !strchr(msg, '\n'))
		return msg;
	/* libpq's lines: a hint's indented with a tab, each host's of its own */
	for (const char *p = msg; *p && n + 2 < sizeof line; p++) {
		if (*p != '\n') {
			line[n++] = *p;
			continue;
		}
		while (p[1] == '\n' || p[1] == '\t' || p[1] == ' ')
			p++;
		if (!p[1])
			break;
		if (*p == '\n') /* a line of its own */
			line[n++] = ';';
		line[n++] = ' ';
	}
	line[n] = '\0';
	return line;
}

int relctl_fail(struct relctl *c, int rc)
{
	const char *msg = release_store_errmsg(c->store);

	return relctl_error(relctl_status_of(rc), "%s",
			    *msg ? relctl_store_text(c->store_uri, msg) : release_strerror(rc));
}
