/* builds logs (and --follow). */
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
		/* A terminal's prompt starts on a line of its own. */
		if (ended && c->tty && done > 0 && done <= len && log[done - 1] != '\n')
			fputc('\n', c->out);
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
