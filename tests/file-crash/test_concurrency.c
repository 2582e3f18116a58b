/*
 * The file store with several writer processes at once. With
 * RELEASE_TEST_STORE naming a database server ("postgresql://..."), the same
 * processes each hold their own connection, as several hosts would.
 *
 * env_writers: 4 processes each make 250 env changes (one pair per call, a
 * key of their own each time) on app "one", while a fifth process promotes
 * and rolls back app "two" in a loop; all start together. Then: app one has
 * exactly 1 + 1000 releases, versions gap-free, ids distinct, each release
 * holding one more key than the one before (every change applied on top of
 * the newest, none lost), the newest holding all 1000; each process's
 * acknowledged ids are there at their versions; app two's history and
 * pointers are exactly what its one writer was told; one active release per
 * app.
 *
 * promote_race: 2 processes hammer release_promote and release_rollback on
 * one app. A deployer records, under the lease, when it ran and which release
 * was active then (read through a second handle). Then: successful
 * promotions never overlap in time and form one chain (each started from the
 * release the previous one made active), the app ends with exactly one active
 * release, the last winner's; every EBUSY/EOLDER refusal wrote nothing (the
 * releases are exactly the initial ones plus one per successful rollback, and
 * only promoted releases carry a promotion stamp).
 *
 * RELEASE_CONC_SEED fixes the seed of the random choices (printed).
 */
#include "harness.h"
#include "crash_common.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define IDLEN 32
#define WRITERS 4
#define CHANGES 250
#define RACERS 2
#define RACE_OPS 120

static char dir[512], uri[1100];
static uint64_t seed;

/* Store directories, removed at exit whatever happened. */
static char made[8][512];
static int n_made;

static void remove_made(void)
{
	for (int i = 0; i < n_made; i++)
		tmpdir_remove(made[i]);
}

/* A directory for the processes' reports, and a fresh store: a file store
 * in it, or, when RELEASE_TEST_STORE names a server, a fresh store there. */
static void make_dir(void)
{
	const char *base = getenv("RELEASE_TEST_STORE");

	assert_int_equal(tmpdir_make(dir, sizeof dir, "librelease-conc"), 0);
	if (base && *base && strncmp(base, "file:", 5) != 0)
		snprintf(uri, sizeof uri, "%s", test_store_uri());
	else
		snprintf(uri, sizeof uri, "file:%s/store", dir);
	assert_true(n_made < 8);
	memcpy(made[n_made], dir, sizeof dir);
	if (n_made++ == 0)
		atexit(remove_made);
}

static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = src ? strnlen(src, len - 1) : 0;

	if (n)
		memmove(dst, src, n);
	dst[n] = '\0';
}

/* ---- processes */

struct gate {
	int ready[2]; /* children write a byte once set up */
	int go[2];    /* EOF starts everyone */
	int stop[2];  /* EOF stops the looping process */
};

static void gate_open(struct gate *g)
{
	assert_int_equal(pipe(g->ready), 0);
	assert_int_equal(pipe(g->go), 0);
	assert_int_equal(pipe(g->stop), 0);
}

/* In a child: report ready, wait for the start. */
static void gate_wait(struct gate *g)
{
	char c = 'r';

	close(g->ready[0]);
	close(g->go[1]);
	close(g->stop[1]);
	if (write(g->ready[1], &c, 1) != 1)
		_exit(6);
	close(g->ready[1]);
	while (read(g->go[0], &c, 1) < 0 && errno == EINTR)
		;
	close(g->go[0]);
}

static int gate_stopped(struct gate *g)
{
	struct pollfd p = {g->stop[0], POLLIN, 0};

	return poll(&p, 1, 0) > 0;
}

/* In the parent: wait for n children to be ready, then start them. */
static int64_t gate_release(struct gate *g, int n)
{
	char c;

	close(g->ready[1]);
	close(g->go[0]);
	close(g->stop[0]);
	for (int i = 0; i < n; i++)
		assert_int_equal(read(g->ready[0], &c, 1), 1);
	close(g->ready[0]);
	close(g->go[1]);
	return mono_ns();
}

static int result_fd(int k)
{
	char path[700];
	int fd;

	snprintf(path, sizeof path, "%s/acks.%d", dir, k);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	return fd;
}

static char *read_results(int k)
{
	char path[700];
	int fd;
	char *buf;

	snprintf(path, sizeof path, "%s/acks.%d", dir, k);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	buf = read_all(fd, -1);
	close(fd);
	assert_non_null(buf);
	return buf;
}

static void child_fail(int fd, release_store *s, const char *what, int rc)
{
	line_write(fd, "X %s -> %d (%s): %.160s", what, rc, release_strerror(rc),
		   release_store_errmsg(s));
	_exit(3);
}

static release_store *child_open(int fd)
{
	release_store *s = NULL;
	int rc = test_store_open(&s, uri, NULL);

	if (rc != 0)
		child_fail(fd, NULL, "release_store_open", rc);
	return s;
}

static void wait_children(const pid_t *pids, int n, int first, int64_t *done_ns)
{
	for (int i = 0; i < n; i++) {
		int status;

		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
		if (done_ns)
			*done_ns = mono_ns();
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			char *res = read_results(first + i), msg[300];
			const char *x = strstr(res, "X ");

			snprintf(msg, sizeof msg, "%s", x ? x : "(no message)");
			free(res);
			fail_msg("child %d ended with status %d: %s", first + i, status, msg);
		}
	}
}

/* ---- store helpers (parent) */

static release_store *parent_open(void)
{
	release_store *s = NULL;

	assert_ok(test_store_open(&s, uri, NULL));
	return s;
}

static release *env1(release_store *s, const char *app, const char *pair)
{
	release *r = NULL;

	assert_store_ok(s, release_env_set(s, app, &pair, 1, &r));
	assert_non_null(r);
	return r;
}

struct listed {
	char id[IDLEN];
	int active;
	int64_t promoted, failed;
	char source[IDLEN];
};

/* All releases of app, by version: out[v - 1]. Asserts versions are gap-free
 * from the newest down to 1. */
static struct listed *list_all(release_store *s, const char *app, size_t *n_out,
			       size_t *n_active)
{
	release_iter *it = NULL;
	const release *r;
	struct listed *out = NULL;
	uint64_t expect = 0;
	int rc;

	*n_active = 0;
	assert_store_ok(s, release_list(s, app, NULL, &it));
	while ((rc = release_iter_next(it, &r)) == 0) {
		uint64_t v = release_version(r);

		if (!out) {
			*n_out = (size_t)v;
			out = calloc(*n_out, sizeof *out);
			assert_non_null(out);
			expect = v;
		}
		if (v != expect)
			fail_msg("app %s: history jumps from version %llu to %llu", app,
				 (unsigned long long)expect + 1, (unsigned long long)v);
		expect = v - 1;
		copy_str(out[v - 1].id, IDLEN, release_id(r));
		copy_str(out[v - 1].source, IDLEN, release_source(r));
		out[v - 1].active = release_is_active(r);
		out[v - 1].promoted = release_promoted(r);
		out[v - 1].failed = release_failed(r);
		*n_active += (size_t)release_is_active(r);
	}
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_iter_free(it);
	assert_non_null(out);
	if (expect != 0)
		fail_msg("app %s: history stops at version %llu, not 1", app,
			 (unsigned long long)expect + 1);
	return out;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void assert_ids_distinct(const struct listed *l, size_t n, const char *app)
{
	char(*ids)[IDLEN] = malloc(n * IDLEN);

	assert_non_null(ids);
	for (size_t i = 0; i < n; i++)
		copy_str(ids[i], IDLEN, l[i].id);
	qsort(ids, n, IDLEN, cmp_id);
	for (size_t i = 1; i < n; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			fail_msg("app %s: id %s is used twice", app, ids[i]);
	free(ids);
}

/* ------------------------------------------------------------ env_writers */

static void env_writer(struct gate *g, int k)
{
	int fd = result_fd(k);
	release_store *s;

	if (fd < 0)
		_exit(4);
	s = child_open(fd);
	gate_wait(g);
	for (int i = 0; i < CHANGES; i++) {
		char pair[32];
		const char *pp = pair;
		release *r = NULL;
		int rc;

		snprintf(pair, sizeof pair, "P%d_%d=x", k, i);
		if ((rc = release_env_set(s, "one", &pp, 1, &r)) != 0)
			child_fail(fd, s, "release_env_set", rc);
		if (!r)
			child_fail(fd, s, "release_env_set wrote nothing", 0);
		line_write(fd, "%d %s %llu", i, release_id(r), (unsigned long long)release_version(r));
		release_free(r);
	}
	release_store_close(s);
	_exit(0);
}

/* Promotes and rolls back app "two" until told to stop; reports every
 * acknowledged effect. */
static void roller(struct gate *g, int k)
{
	int fd = result_fd(k);
	struct prng p = {seed_mix(seed, 77)};
	release_store *s;
	char known[64][IDLEN];
	unsigned nknown = 0;

	if (fd < 0)
		_exit(4);
	s = child_open(fd);
	{
		release_iter *it = NULL;
		const release *r;

		if (release_list(s, "two", NULL, &it) != 0)
			child_fail(fd, s, "release_list", -1);
		while (release_iter_next(it, &r) == 0)
			copy_str(known[nknown++ % 64], IDLEN, release_id(r));
		release_iter_free(it);
	}
	gate_wait(g);
	for (unsigned i = 0; !gate_stopped(g) || i < 8; i++) {
		release *r = NULL;
		int rc;

		switch (i % 4) {
		case 0: {
			char pair[32];
			const char *pp = pair;

			snprintf(pair, sizeof pair, "R=%u", i);
			if ((rc = release_env_set(s, "two", &pp, 1, &r)) != 0 || !r)
				child_fail(fd, s, "release_env_set", rc);
			line_write(fd, "R %s %llu", release_id(r), (unsigned long long)release_version(r));
			copy_str(known[nknown++ % 64], IDLEN, release_id(r));
			if ((rc = release_promote(s, "two", release_id(r), NULL)) != 0)
				child_fail(fd, s, "release_promote", rc);
			line_write(fd, "P %s", release_id(r));
			break;
		}
		case 1:
		case 2: {
			const char *t = i % 4 == 1 ? NULL
						   : known[prng_below(&p, nknown < 64 ? nknown : 64)];

			if ((rc = release_rollback(s, "two", t, NULL, &r)) != 0)
				child_fail(fd, s, "release_rollback", rc);
			line_write(fd, "K %s %llu %s", release_id(r),
				   (unsigned long long)release_version(r), release_source(r));
			copy_str(known[nknown++ % 64], IDLEN, release_id(r));
			break;
		}
		default: {
			/* the active release again */
			release_app *a = NULL;
			char id[IDLEN];

			if ((rc = release_app_get(s, "two", &a)) != 0)
				child_fail(fd, s, "release_app_get", rc);
			copy_str(id, IDLEN, release_app_active(a));
			release_app_free(a);
			if ((rc = release_promote(s, "two", id, NULL)) != 0)
				child_fail(fd, s, "release_promote", rc);
			line_write(fd, "P %s", id);
		}
		}
		release_free(r);
	}
	release_store_close(s);
	_exit(0);
}

/* The rolled-back app against what its one writer was told. */
static void check_roller(release_store *s, char *acks, size_t n_initial,
			 const char *active0, const char *previous0)
{
	size_t n, n_active, top = n_initial, ops = 0;
	struct listed *l = list_all(s, "two", &n, &n_active);
	char active[IDLEN], previous[IDLEN], *save = NULL;
	release_app *a = NULL;

	copy_str(active, IDLEN, active0);
	copy_str(previous, IDLEN, previous0);
	for (char *line = strtok_r(acks, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char kind[4] = "", id[IDLEN] = "", src[IDLEN] = "";
		unsigned long long v = 0;
		int moved = 0;

		sscanf(line, "%3s %31s %llu %31s", kind, id, &v, src);
		ops++;
		if (kind[0] == 'R' || kind[0] == 'K') {
			if (v != top + 1)
				fail_msg("app two: '%s': version %llu, want %zu (one writer)", line, v,
					 top + 1);
			top = (size_t)v;
			if (top > n || strcmp(l[top - 1].id, id) != 0)
				fail_msg("app two: acknowledged %s (version %zu) is not there", id, top);
			moved = kind[0] == 'K';
			if (moved && strcmp(l[top - 1].source, src) != 0)
				fail_msg("app two: rollback %s has source %s, acknowledged %s", id,
					 l[top - 1].source, src);
		} else {
			assert_int_equal(kind[0], 'P');
			moved = 1;
		}
		if (moved && strcmp(active, id) != 0) {
			copy_str(previous, IDLEN, active);
			copy_str(active, IDLEN, id);
		}
	}
	if (n != top)
		fail_msg("app two: %zu releases, but %zu were acknowledged", n, top);
	assert_int_equal(n_active, 1);
	assert_store_ok(s, release_app_get(s, "two", &a));
	assert_string_equal(release_app_active(a), active);
	assert_string_equal(release_app_previous(a), previous);
	assert_int_equal(release_app_status(a), RELEASE_APP_RUNNING);
	release_app_free(a);
	for (size_t v = 1; v <= n; v++) {
		assert_int_equal(l[v - 1].active, strcmp(l[v - 1].id, active) == 0);
		assert_int_equal(l[v - 1].failed, 0);
	}
	printf("# app two: %zu acknowledged promotions/rollbacks/changes alongside, %zu releases\n",
	       ops, n);
	free(l);
}

static void env_writers(void **state)
{
	struct gate g;
	pid_t pids[WRITERS + 1];
	release_store *s;
	release *r;
	char initial[IDLEN], two_active[IDLEN], two_previous[IDLEN];
	int64_t t0, t_done = 0;
	size_t n, n_active;
	struct listed *l;

	(void)state;
	make_dir();
	s = parent_open();
	assert_store_ok(s, release_app_create(s, "one", NULL));
	assert_store_ok(s, release_app_create(s, "two", NULL));
	r = env1(s, "one", "INIT=1");
	copy_str(initial, IDLEN, release_id(r));
	assert_store_ok(s, release_promote(s, "one", initial, NULL));
	release_free(r);
	for (int i = 1; i <= 3; i++) {
		char pair[8];

		snprintf(pair, sizeof pair, "A=%d", i);
		r = env1(s, "two", pair);
		if (i >= 2)
			assert_store_ok(s, release_promote(s, "two", release_id(r), NULL));
		copy_str(i == 2 ? two_previous : two_active, IDLEN, release_id(r));
		release_free(r);
	}
	release_store_close(s);

	gate_open(&g);
	fflush(stdout);
	fflush(stderr);
	for (int k = 0; k <= WRITERS; k++) {
		pids[k] = fork();
		assert_true(pids[k] >= 0);
		if (pids[k] == 0) {
			if (k < WRITERS)
				env_writer(&g, k);
			roller(&g, k);
		}
	}
	t0 = gate_release(&g, WRITERS + 1);
	wait_children(pids, WRITERS, 0, &t_done);
	close(g.stop[1]);
	wait_children(pids + WRITERS, 1, WRITERS, NULL);
	printf("# %d env changes by %d processes in %.2f s (%.0f per second)\n", WRITERS * CHANGES,
	       WRITERS, (double)(t_done - t0) / 1e9,
	       WRITERS * CHANGES / ((double)(t_done - t0) / 1e9));

	s = parent_open();
	l = list_all(s, "one", &n, &n_active);
	if (n != 1 + WRITERS * CHANGES)
		fail_msg("app one has %zu releases, want %d", n, 1 + WRITERS * CHANGES);
	assert_ids_distinct(l, n, "one");
	assert_int_equal(n_active, 1);
	assert_string_equal(l[0].id, initial);
	assert_int_equal(l[0].active, 1);

	/* Each release holds one key more than the one before it. */
	for (size_t v = 2; v <= n; v++) {
		release *rv = NULL;

		assert_store_ok(s, release_get_version(s, "one", v, &rv));
		if (release_env_count(rv) != v)
			fail_msg("app one: version %zu has %zu env pairs, want %zu: a change was not "
				 "made on top of the newest release",
				 v, release_env_count(rv), v);
		assert_int_equal(strncmp(release_description(rv), "env add:P", 9), 0);
		assert_string_equal(release_env_get(rv, "INIT"), "1");
		if (v == n) {
			for (int k = 0; k < WRITERS; k++)
				for (int i = 0; i < CHANGES; i++) {
					char key[24];
					const char *val;

					snprintf(key, sizeof key, "P%d_%d", k, i);
					val = release_env_get(rv, key);
					if (!val || strcmp(val, "x") != 0)
						fail_msg("app one: newest release lacks %s: a change "
							 "was lost",
							 key);
				}
		}
		release_free(rv);
	}

	/* Every process's acknowledged releases, in its own order. */
	for (int k = 0; k < WRITERS; k++) {
		char *acks = read_results(k), *save = NULL;
		unsigned long long last = 0;
		int count = 0;

		for (char *line = strtok_r(acks, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			int i;
			char id[IDLEN];
			unsigned long long v;
			release *rv = NULL;
			char key[24];

			assert_int_equal(sscanf(line, "%d %31s %llu", &i, id, &v), 3);
			assert_int_equal(i, count);
			count++;
			if (v <= last || v > n || strcmp(l[v - 1].id, id) != 0)
				fail_msg("writer %d: acknowledged %s at version %llu, but the store "
					 "has %s there (previous ack at %llu)",
					 k, id, v, v <= n && v ? l[v - 1].id : "nothing", last);
			last = v;
			assert_store_ok(s, release_get(s, "one", id, &rv));
			snprintf(key, sizeof key, "P%d_%d", k, i);
			assert_non_null(release_env_get(rv, key));
			release_free(rv);
		}
		assert_int_equal(count, CHANGES);
		free(acks);
	}
	free(l);

	{
		char *acks = read_results(WRITERS);

		check_roller(s, acks, 3, two_active, two_previous);
		free(acks);
	}
	release_store_close(s);
}

/* ----------------------------------------------------------- promote_race */

struct racer {
	release_store *observer; /* a second handle, for the deployer */
	struct prng p;
	int64_t t_start, t_end;
	char from[IDLEN];
	int ran;
};

static int race_deploy(void *payload, const release *r, release_events *ev)
{
	struct racer *x = payload;
	release_app *a = NULL;

	(void)r;
	(void)ev;
	x->ran = 1;
	x->t_start = mono_ns();
	if (release_app_get(x->observer, "three", &a) != 0)
		return 1;
	copy_str(x->from, IDLEN, release_app_active(a));
	release_app_free(a);
	sleep_us(prng_below(&x->p, 300));
	x->t_end = mono_ns();
	return 0;
}

static void race_child(struct gate *g, int k)
{
	int fd = result_fd(k);
	struct racer x;
	release_promote_opts po;
	release_store *s;

	if (fd < 0)
		_exit(4);
	memset(&x, 0, sizeof x);
	x.p.state = seed_mix(seed, 1000 + (uint64_t)k);
	s = child_open(fd);
	x.observer = child_open(fd);
	release_promote_opts_init(&po);
	po.deploy = race_deploy;
	po.deploy_payload = &x;
	gate_wait(g);
	for (int i = 0; i < RACE_OPS; i++) {
		unsigned op = (unsigned)prng_below(&x.p, 4);
		char target[IDLEN] = "";
		release *r = NULL;
		int rc;

		/* A target: the newest release, or one of the 8 newest. */
		{
			release_list_opts lo;
			release_iter *it = NULL;
			const release *lr;
			unsigned pick = op == 0 ? 0 : (unsigned)prng_below(&x.p, 8), j = 0;

			release_list_opts_init(&lo);
			lo.limit = 8;
			if ((rc = release_list(s, "three", &lo, &it)) != 0)
				child_fail(fd, s, "release_list", rc);
			while (release_iter_next(it, &lr) == 0)
				if (j++ <= pick)
					copy_str(target, IDLEN, release_id(lr));
			release_iter_free(it);
		}
		x.ran = 0;
		/* op 3: a promotion that waits for a busy app */
		po.wait_ns = op == 3 ? INT64_C(2000000000) : 0;
		if (op == 3)
			op = 0;
		if (op == 0)
			rc = release_promote(s, "three", target, &po);
		else
			rc = release_rollback(s, "three", op == 1 ? NULL : target, &po, &r);
		if (rc == 0) {
			const char *to = op == 0 ? target : release_id(r);

			if (!x.ran)
				child_fail(fd, s, "a promotion succeeded without its deployer", 0);
			line_write(fd, "W %s %s %lld %lld %s %llu", op == 0 ? "promote" : "rollback", to,
				   (long long)x.t_start, (long long)x.t_end, x.from[0] ? x.from : "-",
				   (unsigned long long)(r ? release_version(r) : 0));
		} else if (rc == RELEASE_EBUSY || (rc == RELEASE_EOLDER && op == 0)) {
			if (x.ran)
				child_fail(fd, s, "refused after the deployer ran", rc);
			line_write(fd, "%s %s %s", rc == RELEASE_EBUSY ? "B" : "O",
				   op == 0 ? "promote" : "rollback", target);
		} else if (rc == RELEASE_ECONFLICT && op == 0) {
			/* Reported, and judged by the parent. */
			line_write(fd, "C promote %s %d %.150s", target, x.ran, release_store_errmsg(s));
		} else {
			child_fail(fd, s, op == 0 ? "release_promote" : "release_rollback", rc);
		}
		release_free(r);
	}
	release_store_close(x.observer);
	release_store_close(s);
	_exit(0);
}

struct win {
	char op[12], to[IDLEN], from[IDLEN];
	long long t0, t1;
	int proc;
};

static int cmp_win(const void *a, const void *b)
{
	const struct win *x = a, *y = b;

	return x->t0 < y->t0 ? -1 : x->t0 > y->t0;
}

static void promote_race(void **state)
{
	struct gate g;
	pid_t pids[RACERS];
	release_store *s;
	char first_active[IDLEN];
	struct win *wins = NULL;
	size_t nwins = 0, cap = 0, n, n_active, rollbacks = 0;
	unsigned long busy = 0, older = 0, conflicts = 0;
	char conflict_msg[400] = "";
	struct listed *l;
	release_app *a = NULL;
	int64_t t0, t1 = 0;

	(void)state;
	make_dir();
	s = parent_open();
	assert_store_ok(s, release_app_create(s, "three", NULL));
	for (int i = 1; i <= 4; i++) {
		char pair[8];
		release *r;

		snprintf(pair, sizeof pair, "A=%d", i);
		r = env1(s, "three", pair);
		if (i <= 2)
			assert_store_ok(s, release_promote(s, "three", release_id(r), NULL));
		if (i == 2)
			copy_str(first_active, IDLEN, release_id(r));
		release_free(r);
	}
	release_store_close(s);

	gate_open(&g);
	fflush(stdout);
	fflush(stderr);
	for (int k = 0; k < RACERS; k++) {
		pids[k] = fork();
		assert_true(pids[k] >= 0);
		if (pids[k] == 0)
			race_child(&g, k);
	}
	t0 = gate_release(&g, RACERS);
	close(g.stop[1]);
	wait_children(pids, RACERS, 0, &t1);

	for (int k = 0; k < RACERS; k++) {
		char *acks = read_results(k), *save = NULL;

		for (char *line = strtok_r(acks, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			if (line[0] == 'W') {
				struct win w;

				memset(&w, 0, sizeof w);
				w.proc = k;
				assert_int_equal(sscanf(line, "W %11s %31s %lld %lld %31s", w.op, w.to,
							&w.t0, &w.t1, w.from),
						 5);
				if (nwins == cap) {
					cap = cap ? cap * 2 : 64;
					wins = realloc(wins, cap * sizeof *wins);
					assert_non_null(wins);
				}
				wins[nwins++] = w;
				rollbacks += strcmp(w.op, "rollback") == 0;
			} else if (line[0] == 'B') {
				busy++;
			} else if (line[0] == 'O') {
				older++;
			} else if (line[0] == 'C') {
				if (!conflicts++)
					snprintf(conflict_msg, sizeof conflict_msg, "process %d: %s", k,
						 line);
			} else {
				fail_msg("process %d: unexpected report '%s'", k, line);
			}
		}
		free(acks);
	}
	printf("# promote race: %zu wins (%zu rollbacks), %lu EBUSY, %lu EOLDER, %lu ECONFLICT "
	       "in %.2f s\n",
	       nwins, rollbacks, busy, older, conflicts, (double)(t1 - t0) / 1e9);

	/* One chain of non-overlapping wins. */
	assert_true(nwins > 0);
	qsort(wins, nwins, sizeof *wins, cmp_win);
	for (size_t i = 0; i < nwins; i++) {
		const char *want_from = i ? wins[i - 1].to : first_active;

		if (i && wins[i].t0 <= wins[i - 1].t1)
			fail_msg("two promotions held the app at once: %s of %s (process %d) and %s "
				 "of %s (process %d)",
				 wins[i - 1].op, wins[i - 1].to, wins[i - 1].proc, wins[i].op, wins[i].to,
				 wins[i].proc);
		if (strcmp(wins[i].from, want_from) != 0)
			fail_msg("win %zu (%s of %s, process %d) started from active %s, but the win "
				 "before made %s active",
				 i, wins[i].op, wins[i].to, wins[i].proc, wins[i].from, want_from);
	}

	s = parent_open();
	l = list_all(s, "three", &n, &n_active);
	assert_int_equal(n_active, 1);
	assert_store_ok(s, release_app_get(s, "three", &a));
	assert_string_equal(release_app_active(a), wins[nwins - 1].to);
	assert_int_equal(release_app_status(a), RELEASE_APP_RUNNING);
	release_app_free(a);
	if (n != 4 + rollbacks)
		fail_msg("app three has %zu releases, want 4 + %zu successful rollbacks: a refused "
			 "rollback wrote a release",
			 n, rollbacks);
	assert_ids_distinct(l, n, "three");
	for (size_t v = 1; v <= n; v++) {
		int won = v <= 2; /* the two promoted during setup */

		for (size_t i = 0; i < nwins && !won; i++)
			won = strcmp(wins[i].to, l[v - 1].id) == 0;
		if ((l[v - 1].promoted != 0) != won)
			fail_msg("app three: release %s (version %zu) has promotion stamp %lld, but "
				 "it %s promoted",
				 l[v - 1].id, v, (long long)l[v - 1].promoted, won ? "was" : "was never");
		assert_int_equal(l[v - 1].failed, 0);
	}
	free(l);
	free(wins);
	release_store_close(s);
	if (conflicts)
		fail_msg("%lu promotions without FORCE failed with ECONFLICT although the lease "
			 "serialises promoters; first: %s",
			 conflicts, conflict_msg);
}

/* --------------------------------------------- waiting_promoter_after_a_win */

struct hold {
	int in_fd, release_fd;
};

/* Says it is deploying, then waits until told to finish. */
static int held_deploy(void *payload, const release *r, release_events *ev)
{
	struct hold *h = payload;
	char c;

	(void)r;
	(void)ev;
	line_write(h->in_fd, "deploying");
	while (read(h->release_fd, &c, 1) < 0 && errno == EINTR)
		;
	return 0;
}

static int count_deploy(void *payload, const release *r, release_events *ev)
{
	(void)r;
	(void)ev;
	(*(int *)payload)++;
	return 0;
}

/*
 * A promotes R3 and is held inside its deployer; B asks to promote R4,
 * waiting for the busy app. When A finishes, B must get the lease, deploy R4
 * and make it active on top of R3: nobody forced anything, so nothing may
 * conflict.
 */
static void waiting_promoter_after_a_win(void **state)
{
	int in[2], rel[2], called[2];
	pid_t a, b;
	release_store *s;
	char ids[5][IDLEN], *buf = NULL;
	size_t len = 0;
	release_app *app = NULL;
	char *res, got_a[300], got_b[300];

	(void)state;
	make_dir();
	s = parent_open();
	assert_store_ok(s, release_app_create(s, "four", NULL));
	for (int i = 1; i <= 4; i++) {
		char pair[8];
		release *r;

		snprintf(pair, sizeof pair, "A=%d", i);
		r = env1(s, "four", pair);
		copy_str(ids[i], IDLEN, release_id(r));
		release_free(r);
	}
	assert_store_ok(s, release_promote(s, "four", ids[1], NULL));
	release_store_close(s);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(rel), 0);
	assert_int_equal(pipe(called), 0);
	fflush(stdout);
	fflush(stderr);

	a = fork();
	assert_true(a >= 0);
	if (a == 0) {
		int fd = result_fd(0);
		struct hold h = {in[1], rel[0]};
		release_promote_opts po;
		int rc;

		close(rel[1]);
		s = child_open(fd);
		release_promote_opts_init(&po);
		po.deploy = held_deploy;
		po.deploy_payload = &h;
		rc = release_promote(s, "four", ids[3], &po);
		line_write(fd, "%d %.200s", rc, rc ? release_store_errmsg(s) : "");
		release_store_close(s);
		_exit(0);
	}
	close(rel[0]);
	assert_int_equal(read_until_line(in[0], "deploying", &buf, &len, 30000), 1);
	free(buf);

	b = fork();
	assert_true(b >= 0);
	if (b == 0) {
		int fd = result_fd(1), deployed = 0;
		release_promote_opts po;
		int rc;

		close(rel[1]); /* only the parent may let A finish */
		s = child_open(fd);
		release_promote_opts_init(&po);
		po.deploy = count_deploy;
		po.deploy_payload = &deployed;
		po.wait_ns = INT64_C(20000000000);
		line_write(called[1], "calling");
		rc = release_promote(s, "four", ids[4], &po);
		line_write(fd, "%d %d %.200s", rc, deployed, rc ? release_store_errmsg(s) : "");
		release_store_close(s);
		_exit(0);
	}
	buf = NULL;
	len = 0;
	assert_int_equal(read_until_line(called[0], "calling", &buf, &len, 30000), 1);
	free(buf);
	sleep_us(200000); /* B is waiting for the lease by now */
	close(rel[1]);    /* A finishes */
	{
		pid_t both[2] = {a, b};

		wait_children(both, 2, 0, NULL);
	}
	close(in[0]);
	close(in[1]);
	close(called[0]);
	close(called[1]);

	res = read_results(0);
	copy_str(got_a, sizeof got_a, res);
	free(res);
	res = read_results(1);
	copy_str(got_b, sizeof got_b, res);
	free(res);
	got_a[strcspn(got_a, "\n")] = '\0';
	got_b[strcspn(got_b, "\n")] = '\0';
	if (strcmp(got_a, "0 ") != 0)
		fail_msg("the held promotion of R3 failed: %s", got_a);
	if (strcmp(got_b, "0 1 ") != 0)
		fail_msg("the promotion of R4 that waited for the busy app: '%s' (rc, deployer "
			 "runs, message); want success after one deployment. Nobody forced "
			 "anything, so nothing may conflict",
			 got_b);
	s = parent_open();
	assert_store_ok(s, release_app_get(s, "four", &app));
	assert_string_equal(release_app_active(app), ids[4]);
	assert_string_equal(release_app_previous(app), ids[3]);
	release_app_free(app);
	release_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(env_writers),
		cmocka_unit_test(promote_race),
		cmocka_unit_test(waiting_promoter_after_a_win),
	};

	seed = env_u64("RELEASE_CONC_SEED", (uint64_t)real_ns() ^ ((uint64_t)getpid() << 32));
	printf("# concurrency test: seed %llu (reproduce the choices with RELEASE_CONC_SEED=%llu)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
