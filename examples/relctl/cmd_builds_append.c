/*
 * builds logs append: a builder's output, piped in, into its build's log.
 *
 * relctl never makes the builder fail: once it starts reading it reads its
 * input to the end, whatever happens to the log. A log that would pass
 * what a build keeps gets what still fits and a line saying it was cut; a
 * build that ended meanwhile gets nothing more. Either way the rest of the
 * input is read and dropped (a pipe's; a file or a terminal is left), and
 * relctl exits 4 once it ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd_builds.h"
#include "io.h"

#define APPEND_BATCH ((size_t)256 << 10) /* most bytes one append carries */
#define APPEND_WAIT_MS 1000            /* longest a read byte waits to be appended */
#define ATTEMPTS 10                    /* appends cut shorter for other writers */
/* The line that ends a log relctl cut; RELEASE_BUILD_LOG_MAX is 4 MiB. */
#define TRUNCATED "[log truncated by relctl: the build's log holds at most 4 MiB]\n"

struct appender {
	struct relctl *c;
	release_store *s;
	const char *bid;
	size_t read;     /* bytes of the input read */
	size_t appended; /* of them, appended */
	size_t len;      /* the log's length, as last seen */
	char last;       /* its last byte, as last seen; '\n' for none */
};

/* Notes what the log now is: its length and last byte. */
static void seen(struct appender *a, const release_build *b)
{
	const char *log = release_build_log(b, &a->len);

	a->last = a->len ? log[a->len - 1] : '\n';
}

/* Reports that build b, which a is for, has ended; returns the exit status. */
static int ended(const struct appender *a, const release_build *b)
{
	return relctl_error(RELCTL_EXIT_REFUSED, "build %s has ended (%s): its log is final",
			    a->bid, release_build_status_name(release_build_status(b)));
}

/*
 * After an append failed with RELEASE_EINVAL: 0 with *room, what the log
 * may still take, when the build still runs; else the exit status after
 * reporting (4 for a build that has ended). said gets the append's own
 * message.
 */
static int why_refused(struct appender *a, size_t *room, char *said, size_t size)
{
	release_build *b = NULL;
	int status = 0;

	snprintf(said, size, "%s",
		 *release_store_errmsg(a->s) ? release_store_errmsg(a->s)
					     : release_strerror(RELEASE_EINVAL));
	if (release_build_get(a->s, a->c->app, a->bid, &b) != 0)
		return relctl_error(RELCTL_EXIT_USAGE, "%s", said);
	if (builds_is_final(release_build_status(b))) {
		status = ended(a, b);
	} else {
		seen(a, b);
		*room = a->len < RELEASE_BUILD_LOG_MAX ? RELEASE_BUILD_LOG_MAX - a->len : 0;
	}
	release_build_free(b);
	return status;
}

static int full(const struct appender *a)
{
	return relctl_error(RELCTL_EXIT_REFUSED,
			    "the log of %s is full: a build keeps at most %u bytes of log",
			    a->bid, RELEASE_BUILD_LOG_MAX);
}

/* Makes cut what of data (n bytes) the log can take, room bytes, and the
 * line saying it was cut; its length in *len, of data's bytes in *keep. */
static void cut_to(const struct appender *a, char *cut, const char *data, size_t n,
		   size_t room, size_t *len, size_t *keep)
{
	const size_t mark = sizeof TRUNCATED - 1;

	*keep = room > mark + 1 ? room - mark - 1 : 0;
	if (*keep > n)
		*keep = n;
	memcpy(cut, data, *keep);
	*len = *keep;
	if ((*keep ? data[*keep - 1] : a->last) != '\n')
		cut[(*len)++] = '\n';
	memcpy(cut + *len, TRUNCATED, mark);
	*len += mark;
}

/*
 * Appends what of data (n bytes; the input's last when last) the log takes
 * now, *used bytes of it. What would pass the log's last 1 + strlen(TRUNCATED)
 * bytes is held back (at most that many bytes, left to the caller) until
 * the input shows whether it fits: at its end it goes in whole when it
 * does. Input that would pass what a log keeps is cut: what fits goes in,
 * with the line saying it was cut. 0 when the log took all it was given or
 * the rest is held; else the exit status after reporting.
 */
static int append(struct appender *a, const char *data, size_t n, int last, size_t *used)
{
	const size_t mark = sizeof TRUNCATED - 1;
	char *cut = NULL, said[1024];
	int rc = 0, status;

	*used = 0;
	for (int i = 0; i < ATTEMPTS; i++) {
		size_t room = a->len < RELEASE_BUILD_LOG_MAX ? RELEASE_BUILD_LOG_MAX - a->len : 0;
		size_t len = n, keep = n, fresh = 0;
		const char *p = data;
		release_build *b = NULL;

		if (n > room) { /* it does not fit: cut */
			if (room < mark + 1)
				break; /* not even the line saying so fits */
			if (!cut && !(cut = malloc(n + 1 + mark)))
				return relctl_fail(a->c, RELEASE_ENOMEM);
			cut_to(a, cut, data, n, room, &len, &keep);
			p = cut;
		} else if (!last && n + mark + 1 > room) { /* it may not: hold back */
			len = keep = room > mark + 1 ? room - mark - 1 : 0;
		}
		if (len == 0)
			return 0;
		if ((rc = release_build_log_append(a->s, a->c->app, a->bid, p, len, &b)) == 0) {
			seen(a, b);
			release_build_free(b);
			a->appended += keep;
			*used = keep;
			free(cut);
			return p == cut ? full(a) : 0;
		}
		if (rc != RELEASE_EINVAL)
			break;
		if ((status = why_refused(a, &fresh, said, sizeof said)) != 0 || fresh >= len) {
			/* Refused for another reason: the library says why. */
			free(cut);
			return status ? status : relctl_error(RELCTL_EXIT_USAGE, "%s", said);
		}
		/* Another writer's append came first: try again on what is left. */
	}
	free(cut);
	return rc && rc != RELEASE_EINVAL ? relctl_fail(a->c, rc) : full(a);
}

/* Milliseconds on a clock that only goes forward. */
static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* After a failure, reads the rest of a pipe's input and drops it, so that
 * its writer is not killed by SIGPIPE; a file or a terminal is left. */
static void drop_rest(struct appender *a, int fd)
{
	struct stat st;

	if (!isatty(fd) && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
		io_drain(fd, &a->read);
	if (a->read > 0)
		fprintf(stderr, "relctl: note: %zu bytes of the input were appended, %zu read and "
				"dropped\n",
			a->appended, a->read - a->appended);
}

/*
 * Appends what fd gives until its end, in batches: what was read is
 * appended once APPEND_BATCH bytes wait, once the first of them has waited
 * APPEND_WAIT_MS, and at the end, so that a builder's output piped in shows
 * in `builds logs --follow` within a second or so without rewriting the
 * build for every line. 0, or the exit status after reporting.
 */
static int append_stream(struct appender *a, int fd, const char *name)
{
	char *buf = malloc(APPEND_BATCH);
	size_t n = 0, held = 0, used;
	int64_t since = 0;
	int eof = 0, rc, status = RELCTL_EXIT_OK;

	if (!buf)
		return relctl_fail(a->c, RELEASE_ENOMEM);
	while (status == RELCTL_EXIT_OK) {
		/* Read until a batch is due: bytes held back wait for more. */
		while (!eof && n < APPEND_BATCH) {
			struct pollfd p = {fd, POLLIN, 0};
			int wait = n == held ? -1 : (int)(since + APPEND_WAIT_MS - now_ms());
			ssize_t got = 0;

			if (n > held && wait <= 0)
				break;
			if ((rc = poll(&p, 1, wait)) == 0)
				break;
			if (rc > 0)
				got = read(fd, buf + n, APPEND_BATCH - n);
			if (rc < 0 || got < 0) {
				if (errno == EINTR || errno == EAGAIN)
					continue;
				status = relctl_error(RELCTL_EXIT_USAGE,
						      "reading the log from %s: %s", name,
						      strerror(errno));
				break;
			}
			if (got == 0) {
				eof = 1;
				break;
			}
			if (n == held)
				since = now_ms();
			n += (size_t)got;
			a->read += (size_t)got;
		}
		if (status != RELCTL_EXIT_OK || (n == 0 && eof))
			break;
		if ((status = append(a, buf, n, eof, &used)) != RELCTL_EXIT_OK) {
			drop_rest(a, eof ? -1 : fd);
			break;
		}
		/* What was held back goes first in the next batch. */
		held = n - used;
		memmove(buf, buf + used, held);
		n = held;
		if (eof)
			break;
	}
	free(buf);
	return status;
}

int cmd_builds_logs_append(struct relctl *c)
{
	const char *path = c->args.value[OPT_LOG] ? c->args.value[OPT_LOG] : "-";
	struct appender a = {c, NULL, relctl_arg(c, 0), 0, 0, 0, '\n'};
	release_build *b = NULL;
	int fd, rc, status;

	if (!(a.s = relctl_store(c, &status)))
		return status;
	/* Refused before reading anything: a final build's log is final (a
	 * builder piping its output in still has it read and dropped). */
	if ((rc = release_build_get(a.s, c->app, a.bid, &b)) != 0)
		return relctl_fail(c, rc);
	if (builds_is_final(release_build_status(b))) {
		status = ended(&a, b);
		release_build_free(b);
		if (strcmp(path, "-") == 0)
			drop_rest(&a, STDIN_FILENO);
		return status;
	}
	seen(&a, b);
	release_build_free(b);
	if ((fd = io_open_input(path)) < 0)
		return relctl_error(errno == ENOENT ? RELCTL_EXIT_NOTFOUND : RELCTL_EXIT_USAGE,
				    "reading the log from %s: %s", io_input_name(path),
				    strerror(errno));
	fprintf(c->progress, "Appending to the log of %s... ", a.bid);
	fflush(c->progress);
	if ((status = append_stream(&a, fd, io_input_name(path))) == RELCTL_EXIT_OK)
		fputs("OK\n", c->progress);
	close(fd);
	return status;
}
