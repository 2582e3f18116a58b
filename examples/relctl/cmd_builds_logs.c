/* builds logs (and --follow), builds logs append. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd_builds.h"
#include "io.h"
#include "common/format.h"
#include "json.h"

#define FOLLOW_POLL_MS 200             /* how often --follow reads the build again */
#define APPEND_BATCH ((size_t)256 << 10) /* most bytes one append carries */
#define APPEND_WAIT_MS 1000            /* longest a read byte waits to be appended */

/*
 * Writes len bytes of a log. To a file or a pipe they go byte for byte; a
 * terminal gets the lines with their tabs, and every other control
 * character (a NUL too) shown escaped, as relctl's other text output.
 * 0, or -1 when out of memory.
 */
static int print_log(const struct relctl *c, const char *data, size_t len)
{
	if (!c->tty) {
		fwrite(data, 1, len, c->out);
		return 0;
	}
	while (len > 0) {
		size_t n = strnlen(data, len);
		char *part, *safe;

		if (!(part = malloc(n + 1)))
			return -1;
		memcpy(part, data, n);
		part[n] = '\0';
		safe = format_safe(part, FORMAT_SAFE_LINES, 0);
		free(part);
		if (!safe)
			return -1;
		fputs(safe, c->out);
		free(safe);
		if (n < len) {
			fputs("\\x00", c->out);
			n++;
		}
		data += n;
		len -= n;
	}
	return 0;
}

/*
 * How much of log (len bytes, of which done were printed) to print now. A
 * terminal gets whole lines only until the build ends, so that a character
 * cut by an append is never escaped as two halves.
 */
static size_t printable(const struct relctl *c, const char *log, size_t done, size_t len,
			int ended)
{
	if (!c->tty || ended)
		return len;
	while (len > done && log[len - 1] != '\n')
		len--;
	return len;
}

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

static int log_json(struct relctl *c, const release_build *b)
{
	struct json j;
	size_t len;
	const char *log = release_build_log(b, &len);
	char *text = NULL;

	/* JSON strings here stop at a NUL: one shows as U+FFFD, as bytes that
	 * are not UTF-8 do. */
	if (strlen(log) < len) {
		if (!(text = malloc(len + 1)))
			return relctl_fail(c, RELEASE_ENOMEM);
		memcpy(text, log, len + 1);
		for (size_t i = 0; i < len; i++)
			if (text[i] == '\0')
				text[i] = '\xff';
		log = text;
	}
	json_init(&j, c->out);
	json_begin_object(&j);
	json_key(&j, "id");
	json_string(&j, release_build_id(b));
	json_key(&j, "app");
	json_string(&j, release_build_app(b));
	json_key(&j, "status");
	json_string(&j, release_build_status_name(release_build_status(b)));
	json_key(&j, "log");
	json_string(&j, log);
	json_end_object(&j);
	json_finish(&j);
	free(text);
	return RELCTL_EXIT_OK;
}

int cmd_builds_logs(struct relctl *c)
{
	const char *bid = relctl_arg(c, 0);
	int follow = c->args.value[OPT_FOLLOW] != NULL, rc, status;
	release_store *s;
	release_build *b = NULL;
	size_t done = 0;

	if (follow && c->args.value[OPT_JSON])
		return relctl_error(RELCTL_EXIT_USAGE, "--follow and --json do not go together");
	if (!(s = relctl_store(c, &status)))
		return status;
	if ((rc = release_build_get(s, c->app, bid, &b)) != 0)
		return relctl_fail(c, rc);
	if (c->args.value[OPT_JSON]) {
		status = log_json(c, b);
		release_build_free(b);
		return status;
	}
	for (;;) {
		int ended = !follow || builds_is_final(release_build_status(b));
		size_t len, upto;
		const char *log = release_build_log(b, &len);

		/* A log only grows; one that did not (a build deleted and
		 * another read in its place cannot be: ids are not reused)
		 * prints nothing more. */
		upto = len > done ? printable(c, log, done, len, ended) : done;
		if (upto > done && print_log(c, log + done, upto - done) != 0) {
			release_build_free(b);
			return relctl_fail(c, RELEASE_ENOMEM);
		}
		done = upto;
		if (fflush(c->out) != 0 || ferror(c->out) || ended)
			break; /* main() reports an output that failed */
		release_build_free(b);
		b = NULL;
		sleep_ms(FOLLOW_POLL_MS);
		if ((rc = release_build_get(s, c->app, bid, &b)) != 0)
			return relctl_fail(c, rc);
	}
	release_build_free(b);
	return RELCTL_EXIT_OK;
}

/*
 * Whether build bid may still have its log appended to. 0 when it is
 * created or running; else the exit status after reporting: 4 for a build
 * that has ended (also when it ended after an append began, which failed
 * with rc), or rc's, when rc is not RELEASE_ITEROVER (a check before any
 * append), for any other reason it failed.
 */
static int check_running(struct relctl *c, release_store *s, const char *bid, int rc)
{
	release_build *b = NULL;
	char said[1024]; /* the append's failure, which the next call clears */
	int got, status = 0;

	if (rc != RELEASE_ITEROVER && rc != RELEASE_EINVAL)
		return relctl_fail(c, rc);
	snprintf(said, sizeof said, "%s",
		 *release_store_errmsg(s) ? release_store_errmsg(s) : release_strerror(rc));
	if ((got = release_build_get(s, c->app, bid, &b)) != 0 && rc == RELEASE_ITEROVER)
		return relctl_fail(c, got);
	if (got == 0 && builds_is_final(release_build_status(b)))
		status = relctl_error(RELCTL_EXIT_REFUSED,
				      "build %s has ended (%s): its log is final", bid,
				      release_build_status_name(release_build_status(b)));
	else if (rc != RELEASE_ITEROVER)
		status = relctl_error(relctl_status_of(rc), "%s", said);
	release_build_free(b);
	return status;
}

/* Milliseconds on a clock that only goes forward. */
static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Appends what fd gives until its end, in batches: what was read is
 * appended once APPEND_BATCH bytes wait, once the first of them has waited
 * APPEND_WAIT_MS, and at the end, so that a builder's output piped in shows
 * in `builds logs --follow` within a second or so without rewriting the
 * build for every line. 0, or the exit status after reporting.
 */
static int append_stream(struct relctl *c, release_store *s, const char *bid, int fd,
			 const char *name)
{
	char *buf = malloc(APPEND_BATCH);
	size_t n = 0, appended = 0;
	int64_t since = 0;
	int eof = 0, rc, status = RELCTL_EXIT_OK;

	if (!buf)
		return relctl_fail(c, RELEASE_ENOMEM);
	for (;;) {
		/* Read until a batch is due. */
		while (!eof && n < APPEND_BATCH) {
			struct pollfd p = {fd, POLLIN, 0};
			int wait = n == 0 ? -1 : (int)(since + APPEND_WAIT_MS - now_ms());
			ssize_t got;

			if (n > 0 && wait <= 0)
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
				goto out;
			}
			if (got == 0) {
				eof = 1;
				break;
			}
			if (n == 0)
				since = now_ms();
			n += (size_t)got;
		}
		if (n > 0 && (rc = release_build_log_append(s, c->app, bid, buf, n, NULL)) != 0) {
			status = check_running(c, s, bid, rc);
			if (appended > 0)
				fprintf(stderr,
					"relctl: note: the first %zu bytes read were appended "
					"before this; the rest was not\n",
					appended);
			goto out;
		}
		appended += n;
		n = 0;
		if (eof)
			break;
	}
out:
	free(buf);
	return status;
}

int cmd_builds_logs_append(struct relctl *c)
{
	const char *bid = relctl_arg(c, 0);
	const char *path = c->args.value[OPT_LOG] ? c->args.value[OPT_LOG] : "-";
	release_store *s;
	int fd = STDIN_FILENO, status;

	if (!(s = relctl_store(c, &status)))
		return status;
	/* Refused before reading anything: a final build's log is final. */
	if ((status = check_running(c, s, bid, RELEASE_ITEROVER)) != 0)
		return status;
	if (strcmp(path, "-") != 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return relctl_error(errno == ENOENT ? RELCTL_EXIT_NOTFOUND : RELCTL_EXIT_USAGE,
				    "reading the log from %s: %s", io_input_name(path),
				    strerror(errno));
	fprintf(c->progress, "Appending to the log of %s... ", bid);
	fflush(c->progress);
	status = append_stream(c, s, bid, fd, io_input_name(path));
	if (fd != STDIN_FILENO)
		close(fd);
	if (status == RELCTL_EXIT_OK)
		fputs("OK\n", c->progress);
	return status;
}
