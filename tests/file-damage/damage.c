#include "damage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------- context */

char damage_ctx[256];
static int n_soft;

void set_ctx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(damage_ctx, sizeof damage_ctx, fmt, ap);
	va_end(ap);
}

/* A failure's kind: its message without numbers and ids, cut short. */
static void shape_of(const char *msg, char *out, size_t len)
{
	size_t n = 0;

	for (const char *p = msg; *p && n + 1 < len; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z')))
			out[n++] = *p;
	out[n] = '\0';
}

static char shapes[16][100];
static int n_shapes;

void soft_fail(const char *fmt, ...)
{
	char msg[2048], shape[100];
	va_list ap;
	int seen = 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* the first of each kind of failure, unless asked for all */
	shape_of(msg, shape, sizeof shape);
	for (int i = 0; i < n_shapes; i++)
		seen |= strcmp(shapes[i], shape) == 0;
	if (!seen && n_shapes < 16) {
		strcpy(shapes[n_shapes++], shape);
		print_error("[%s] %s\n", damage_ctx, msg);
	} else if (getenv("DAMAGE_VERBOSE")) {
		print_error("[%s] %s\n", damage_ctx, msg);
	}
	n_soft++;
}

int soft_failures(void)
{
	return n_soft;
}

void soft_reset(void)
{
	n_soft = 0;
	n_shapes = 0;
	damage_ctx[0] = '\0';
}

void check_soft(const char *what)
{
	if (n_soft)
		fail_msg("%s: %d failed checks (the first of each kind is shown above; "
			 "DAMAGE_VERBOSE=1 shows all)", what, n_soft);
}

/* ------------------------------------------------------ temporary dirs */

static char tmp_root[256];
static unsigned n_dirs;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0 && errno != ENOENT)
		return 0; /* keep going; the caller looks at what is left */
	return 0;
}

void rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static pid_t tmp_owner;

static void remove_tmp_root(void)
{
	if (tmp_root[0] && getpid() == tmp_owner && !getenv("DAMAGE_KEEP"))
		rm_rf(tmp_root);
}

const char *temp_dir(void)
{
	static char dirs[64][300];
	const char *base = getenv("TMPDIR");

	if (!tmp_root[0]) {
		snprintf(tmp_root, sizeof tmp_root, "%s/librelease-damage-XXXXXX",
			 base && *base ? base : "/tmp");
		assert_non_null(mkdtemp(tmp_root));
		tmp_owner = getpid();
		atexit(remove_tmp_root);
	}
	assert_true(n_dirs < 64);
	snprintf(dirs[n_dirs], sizeof dirs[0], "%s/d%u", tmp_root, n_dirs);
	assert_int_equal(mkdir(dirs[n_dirs], 0700), 0);
	return dirs[n_dirs++];
}

void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	size_t done = 0;

	if (fd < 0)
		fail_msg("creating %s: %s", path, strerror(errno));
	while (done < len) {
		ssize_t n = write(fd, (const char *)data + done, len - done);

		if (n <= 0)
			fail_msg("writing %s: %s", path, strerror(errno));
		done += (size_t)n;
	}
	close(fd);
}

unsigned char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	unsigned char *b;
	size_t got = 0;

	*len = 0;
	if (fd < 0)
		return NULL;
	assert_int_equal(fstat(fd, &st), 0);
	b = malloc((size_t)st.st_size + 1);
	assert_non_null(b);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return b;
}

int same_file(const char *a, const char *b)
{
	size_t la, lb;
	unsigned char *da = read_file(a, &la), *db = read_file(b, &lb);
	int same = da && db && la == lb && memcmp(da, db, la) == 0;

	free(da);
	free(db);
	return same;
}

/* ---------------------------------------------------------- snapshots */

static void tree_walk(struct tree *t, const char *root, const char *rel)
{
	char path[1300];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d))) {
		char sub[600], full[1300];
		struct stat st;
		struct tfile *f;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		snprintf(full, sizeof full, "%s/%s", root, sub);
		assert_int_equal(lstat(full, &st), 0);
		assert_true(t->n < sizeof t->f / sizeof t->f[0]);
		f = &t->f[t->n++];
		memset(f, 0, sizeof *f);
		assert_true(strlen(sub) < sizeof f->path);
		memcpy(f->path, sub, strlen(sub) + 1);
		if (S_ISDIR(st.st_mode)) {
			f->is_dir = 1;
			tree_walk(t, root, sub);
		} else if (S_ISREG(st.st_mode)) {
			f->data = read_file(full, &f->len);
			assert_non_null(f->data);
		} else {
			f->is_dir = 2; /* a symlink or such: never part of a snapshot */
		}
	}
	closedir(d);
}

static void tree_load_any(struct tree *t, const char *root)
{
	memset(t, 0, sizeof *t);
	tree_walk(t, root, "");
}

void tree_load(struct tree *t, const char *root)
{
	tree_load_any(t, root);
	for (size_t i = 0; i < t->n; i++)
		if (t->f[i].is_dir == 2)
			fail_msg("%s/%s is neither a file nor a directory", root, t->f[i].path);
}

/* Makes root hold exactly the snapshot (dirs 0700, files 0600), rewriting
 * only what differs: most variants change one file of a dozen. */
void tree_store(const struct tree *t, const char *root)
{
	struct tree disk;
	struct stat st;

	if (lstat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		rm_rf(root);
		assert_int_equal(mkdir(root, 0700), 0);
	}
	tree_load_any(&disk, root);
	/* what the snapshot does not have, or has as another type, goes */
	for (size_t i = disk.n; i-- > 0;) {
		char full[1300];
		size_t j;

		for (j = 0; j < t->n; j++)
			if (strcmp(t->f[j].path, disk.f[i].path) == 0 && t->f[j].is_dir == disk.f[i].is_dir)
				break;
		if (j == t->n) {
			snprintf(full, sizeof full, "%s/%s", root, disk.f[i].path);
			rm_rf(full);
		}
	}
	for (size_t i = 0; i < t->n; i++) {
		char full[1300];
		const struct tfile *d = NULL;

		for (size_t j = 0; j < disk.n && !d; j++)
			if (strcmp(disk.f[j].path, t->f[i].path) == 0 && disk.f[j].is_dir == t->f[i].is_dir)
				d = &disk.f[j];
		snprintf(full, sizeof full, "%s/%s", root, t->f[i].path);
		if (t->f[i].is_dir) {
			if (!d)
				assert_int_equal(mkdir(full, 0700), 0);
		} else if (!d || d->len != t->f[i].len || memcmp(d->data, t->f[i].data, d->len) != 0) {
			write_file(full, t->f[i].data, t->f[i].len);
		}
	}
	tree_free(&disk);
}

void tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->f[i].data);
	t->n = 0;
}

struct tfile *tree_get(struct tree *t, const char *path)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->f[i].path, path) == 0)
			return &t->f[i];
	fail_msg("no file %s in the snapshot", path);
	return NULL;
}

void tree_set(struct tree *t, const char *path, const unsigned char *data, size_t len)
{
	struct tfile *f = tree_get(t, path);
	unsigned char *copy = malloc(len + 1);

	assert_non_null(copy);
	if (len)
		memcpy(copy, data, len);
	free(f->data);
	f->data = copy;
	f->len = len;
}

void tree_copy(struct tree *dst, const struct tree *src)
{
	*dst = *src;
	for (size_t i = 0; i < src->n; i++) {
		if (!src->f[i].is_dir) {
			dst->f[i].data = malloc(src->f[i].len + 1);
			assert_non_null(dst->f[i].data);
			memcpy(dst->f[i].data, src->f[i].data, src->f[i].len);
		}
	}
}

/* ------------------------------------------------------------ stores */

struct clock_slot {
	struct test_clock clock;
	struct test_random random;
};
static struct clock_slot slots[16];
static unsigned next_slot;
static uint64_t opens;

static void store_opts(release_store_opts *o, int64_t start_ns)
{
	struct clock_slot *c = &slots[next_slot++ % 16];

	c->clock.now = start_ns;
	c->clock.step = 1000000000;
	c->random.state = 0x9e3779b97f4a7c15u + 0x2545f4914f6cdd1du * ++opens;
	release_store_opts_init(o);
	o->clock = test_clock_read;
	o->clock_payload = &c->clock;
	o->random = test_random_fill;
	o->random_payload = &c->random;
}

release_store *open_store_at(const char *dir, int64_t start_ns)
{
	char uri[400];
	release_store_opts o;
	release_store *s = NULL;

	store_opts(&o, start_ns);
	snprintf(uri, sizeof uri, "file:%s", dir);
	assert_ok(release_store_open(&s, uri, &o));
	return s;
}

/* Stores opened to check or probe a variant: their clock runs a day after
 * the history was written, so leases written then have expired. */
release_store *open_store(const char *dir)
{
	return open_store_at(dir, T0 + INT64_C(86400) * 1000000000);
}

int try_open_store(const char *dir, release_store **out)
{
	char uri[400];
	release_store_opts o;

	store_opts(&o, T0 + INT64_C(86400) * 1000000000);
	snprintf(uri, sizeof uri, "file:%s", dir);
	return release_store_open(out, uri, &o);
}

/* ------------------------------------------------------------- views */

void sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static const char *nz(const char *s)
{
	return s ? s : "(null)";
}

static char *xstrdup(const char *s)
{
	char *d = malloc(strlen(s) + 1);

	assert_non_null(d);
	strcpy(d, s);
	return d;
}

static char *env_text(const release *r)
{
	struct sb b = {0};

	sb_add(&b, "%s", "");
	for (size_t i = 0; i < release_env_count(r); i++)
		sb_add(&b, "%s=%s\n", release_env_key(r, i), release_env_value(r, i));
	return b.p;
}

char *dump_release(const release *r)
{
	struct sb b = {0};
	char *env = env_text(r);

	sb_add(&b, "id=%s app=%s version=%llu build=%s source=%s created=%lld promoted=%lld "
		   "failed=%lld active=%d description=[%s] manifest=[%s] env=[%s]",
	       nz(release_id(r)), nz(release_app_of(r)), (unsigned long long)release_version(r),
	       nz(release_build_of(r)), nz(release_source(r)), (long long)release_created(r),
	       (long long)release_promoted(r), (long long)release_failed(r), release_is_active(r),
	       nz(release_description(r)), nz(release_manifest(r)), env);
	free(env);
	return b.p;
}

char *dump_build(const release_build *x)
{
	struct sb b = {0};

	sb_add(&b, "id=%s app=%s status=%d started=%lld ended=%lld release=%s description=[%s] "
		   "manifest=[%s]",
	       nz(release_build_id(x)), nz(release_build_app(x)), release_build_status(x),
	       (long long)release_build_started(x), (long long)release_build_ended(x),
	       nz(release_build_release(x)), nz(release_build_description(x)),
	       nz(release_build_manifest(x)));
	return b.p;
}

char *dump_app(const release_app *a)
{
	struct sb b = {0};

	sb_add(&b, "name=%s created=%lld active=%s previous=%s status=%d owner=%s expires=%lld",
	       nz(release_app_name(a)), (long long)release_app_created(a),
	       nz(release_app_active(a)), nz(release_app_previous(a)), release_app_status(a),
	       nz(release_app_lease_owner(a)), (long long)release_app_lease_expires(a));
	return b.p;
}

static void rel_view_fill(struct rel_view *v, const release *r)
{
	snprintf(v->id, sizeof v->id, "%s", release_id(r));
	v->version = release_version(r);
	v->dump = dump_release(r);
	v->env = env_text(r);
	v->build = xstrdup(nz(release_build_of(r)));
	v->manifest = xstrdup(nz(release_manifest(r)));
}

static void rel_view_copy(struct rel_view *d, const struct rel_view *s)
{
	*d = *s;
	d->dump = xstrdup(s->dump);
	d->env = xstrdup(s->env);
	d->build = xstrdup(s->build);
	d->manifest = xstrdup(s->manifest);
}

void rel_view_free(struct rel_view *r)
{
	free(r->dump);
	free(r->env);
	free(r->build);
	free(r->manifest);
	memset(r, 0, sizeof *r);
}

void view_capture(release_store *s, const char *app, struct view *v)
{
	release_app *a = NULL;
	release_app_iter *ai = NULL;
	const release_app *ca;
	release_iter *it = NULL;
	const release *r;
	release_build_iter *bi = NULL;
	const release_build *b;
	struct sb names = {0};
	int rc;

	memset(v, 0, sizeof *v);
	snprintf(v->app, sizeof v->app, "%s", app);
	assert_store_ok(s, release_app_get(s, app, &a));
	v->app_dump = dump_app(a);
	release_app_free(a);
	assert_store_ok(s, release_app_list(s, &ai));
	sb_add(&names, "%s", "");
	while ((rc = release_app_iter_next(ai, &ca)) == 0)
		sb_add(&names, "%s\n", release_app_name(ca));
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_app_iter_free(ai);
	v->apps = names.p;
	assert_store_ok(s, release_list(s, app, NULL, &it));
	while ((rc = release_iter_next(it, &r)) == 0) {
		assert_true(v->nrel < sizeof v->rel / sizeof v->rel[0]);
		rel_view_fill(&v->rel[v->nrel++], r);
	}
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_iter_free(it);
	assert_store_ok(s, release_build_list(s, app, 0, &bi));
	while ((rc = release_build_iter_next(bi, &b)) == 0) {
		assert_true(v->nbld < sizeof v->bld / sizeof v->bld[0]);
		snprintf(v->bld[v->nbld].id, sizeof v->bld[0].id, "%s", release_build_id(b));
		v->bld[v->nbld++].dump = dump_build(b);
	}
	assert_int_equal(rc, RELEASE_ITEROVER);
	release_build_iter_free(bi);
	/* gap-free, newest first */
	for (size_t i = 0; i < v->nrel; i++)
		assert_int_equal(v->rel[i].version, v->nrel - i);
}

void view_free(struct view *v)
{
	free(v->app_dump);
	free(v->apps);
	for (size_t i = 0; i < v->nrel; i++)
		rel_view_free(&v->rel[i]);
	for (size_t i = 0; i < v->nbld; i++)
		free(v->bld[i].dump);
	memset(v, 0, sizeof *v);
}

const struct rel_view *view_version(const struct view *v, uint64_t version)
{
	for (size_t i = 0; i < v->nrel; i++)
		if (v->rel[i].version == version)
			return &v->rel[i];
	return NULL;
}

/* ------------------------------------------------------------ checks */

int msg_locates(const char *msg)
{
	static const char *const files[] = {"log.", "rel.", "bld.", "keys."};
	static const char *const where[] = {"byte ", "entry ", "slot ", "offset "};
	int file = 0, pos = 0;

	if (!msg)
		return 0;
	for (size_t i = 0; i < 4; i++) {
		const char *p = strstr(msg, files[i]);

		if (p && p[strlen(files[i])] >= '0' && p[strlen(files[i])] <= '9')
			file = 1;
	}
	for (size_t i = 0; i < 4; i++) {
		const char *p = strstr(msg, where[i]);

		if (p && p[strlen(where[i])] >= '0' && p[strlen(where[i])] <= '9')
			pos = 1;
	}
	if (file && pos)
		return 1;
	return strstr(msg, "state file") != NULL;
}

void expect_corrupt(int rc, const char *msg, const char *what)
{
	if (rc != RELEASE_ECORRUPT)
		soft_fail("%s: got %d (%s) where RELEASE_ECORRUPT was due: %s", what, rc,
			  release_strerror(rc), msg);
	else if (!msg_locates(msg))
		soft_fail("%s: RELEASE_ECORRUPT without the file and offset: \"%s\"", what, msg);
}

/* A failed read: RELEASE_ECORRUPT with a located message is the one allowed
 * failure (and, with absent_ok, RELEASE_ENOTFOUND). Returns 1 for ECORRUPT. */
static int read_failed(const struct expect *e, release_store *s, int rc, const char *what,
		       int absent_ok)
{
	const char *msg = release_store_errmsg(s);

	if (rc == RELEASE_ENOTFOUND && absent_ok)
		return 0;
	if (rc == RELEASE_ECORRUPT) {
		if (!msg_locates(msg))
			soft_fail("%s: RELEASE_ECORRUPT without the file and offset: \"%s\"", what, msg);
		if (e->strict)
			soft_fail("%s: RELEASE_ECORRUPT where every read must succeed: %s", what, msg);
		return 1;
	}
	soft_fail("%s: unexpected result %d (%s): %s", what, rc, release_strerror(rc), msg);
	return 0;
}

static int optional(const struct expect *e, uint64_t version)
{
	return version == e->optional_version || !view_version(e->want, version);
}

/* Is r what may stand at its version? */
static void check_release(const struct expect *e, const release *r, const char *what)
{
	uint64_t v = release_version(r);
	const struct rel_view *w = view_version(e->want, v);
	const struct rel_view *a = e->also ? view_version(e->also, v) : NULL;
	char *d = dump_release(r);

	if ((w && strcmp(d, w->dump) == 0) || (a && strcmp(d, a->dump) == 0))
		goto out;
	if (w || a)
		soft_fail("%s: WRONG RECORD at version %llu:\n  got  %s\n  want %s", what,
			  (unsigned long long)v, d, w ? w->dump : a->dump);
	else
		soft_fail("%s: UNEXPECTED RECORD at version %llu: %s", what, (unsigned long long)v, d);
out:
	free(d);
}

static void check_one_release(release_store *s, const struct expect *e, const struct rel_view *w)
{
	release *r = NULL;
	char what[128];
	int rc;

	snprintf(what, sizeof what, "release_get(%s)", w->id);
	rc = release_get(s, e->want->app, w->id, &r);
	if (rc == 0) {
		if (release_version(r) != w->version)
			soft_fail("%s: WRONG RECORD: version %llu, want %llu", what,
				  (unsigned long long)release_version(r), (unsigned long long)w->version);
		else
			check_release(e, r, what);
	} else {
		read_failed(e, s, rc, what, optional(e, w->version));
	}
	release_free(r);
	r = NULL;
	snprintf(what, sizeof what, "release_get_version(%llu)", (unsigned long long)w->version);
	rc = release_get_version(s, e->want->app, w->version, &r);
	if (rc == 0)
		check_release(e, r, what);
	else
		read_failed(e, s, rc, what, optional(e, w->version));
	release_free(r);
}

/* Is this app (or build, or app list) dump one of the allowed? */
static int one_of(const char *got, const char *want, const char *also)
{
	return strcmp(got, want) == 0 || (also && strcmp(got, also) == 0);
}

static const char *build_of_view(const struct view *v, const char *id)
{
	for (size_t i = 0; v && i < v->nbld; i++)
		if (strcmp(v->bld[i].id, id) == 0)
			return v->bld[i].dump;
	return NULL;
}

int check_reads(release_store *s, const struct expect *e)
{
	const struct view *w = e->want;
	int corrupt = 0, rc;
	release_app *a = NULL;
	release_app_iter *ai = NULL;
	release_iter *it = NULL;
	release_build_iter *bi = NULL;

	rc = release_app_get(s, w->app, &a);
	if (rc == 0) {
		char *d = dump_app(a);

		if (!one_of(d, w->app_dump, e->also ? e->also->app_dump : NULL))
			soft_fail("release_app_get: WRONG APP:\n  got  %s\n  want %s", d, w->app_dump);
		free(d);
	} else {
		corrupt += read_failed(e, s, rc, "release_app_get", 0);
	}
	release_app_free(a);

	rc = release_app_list(s, &ai);
	if (rc == 0) {
		struct sb names = {0};
		const release_app *ca;

		int skipped = 0;

		/* An app that cannot be read costs its own step (an error),
		 * and the listing goes on with the next. */
		sb_add(&names, "%s", "");
		for (int steps = 0; steps < 1000; steps++) {
			if ((rc = release_app_iter_next(ai, &ca)) == RELEASE_ITEROVER)
				break;
			if (rc != 0) {
				corrupt += read_failed(e, s, rc, "release_app_iter_next", 0);
				skipped++;
				continue;
			}
			sb_add(&names, "%s\n", release_app_name(ca));
		}
		if (rc != RELEASE_ITEROVER)
			soft_fail("release_app_list: the listing never ended");
		if (!skipped && !one_of(names.p, w->apps, e->also ? e->also->apps : NULL))
			soft_fail("release_app_list: got [%s], want [%s]", names.p, w->apps);
		free(names.p);
	} else {
		corrupt += read_failed(e, s, rc, "release_app_list", 0);
	}
	release_app_iter_free(ai);

	rc = release_list(s, w->app, NULL, &it);
	if (rc == 0) {
		const release *r;
		uint64_t last = UINT64_MAX;
		size_t idx = 0;
		int after_error = 0, steps = 0;

		/* A release that cannot be read is an error step; the versions
		 * between the releases around it are then not required. */
		while ((rc = release_iter_next(it, &r)) != RELEASE_ITEROVER && steps++ < 10000) {
			uint64_t v;

			if (rc != 0) {
				corrupt += read_failed(e, s, rc, "release_iter_next", 0);
				after_error = 1;
				continue;
			}
			v = release_version(r);
			if (v >= last)
				soft_fail("release_list: version %llu after %llu", (unsigned long long)v,
					  (unsigned long long)last);
			for (; idx < w->nrel && w->rel[idx].version > v; idx++)
				if (!optional(e, w->rel[idx].version) && !after_error)
					soft_fail("release_list: skipped version %llu",
						  (unsigned long long)w->rel[idx].version);
			if (idx < w->nrel && w->rel[idx].version == v)
				idx++;
			check_release(e, r, "release_list");
			last = v;
			after_error = 0;
		}
		if (rc == RELEASE_ITEROVER) {
			for (; idx < w->nrel && !after_error; idx++)
				if (!optional(e, w->rel[idx].version))
					soft_fail("release_list: ended before version %llu",
						  (unsigned long long)w->rel[idx].version);
		} else {
			soft_fail("release_list: the listing never ended");
		}
	} else {
		corrupt += read_failed(e, s, rc, "release_list", 0);
	}
	release_iter_free(it);

	for (size_t i = 0; i < w->nrel; i++)
		check_one_release(s, e, &w->rel[i]);
	for (size_t i = 0; e->also && i < e->also->nrel; i++)
		if (!view_version(w, e->also->rel[i].version))
			check_one_release(s, e, &e->also->rel[i]);

	rc = release_build_list(s, w->app, 0, &bi);
	if (rc == 0) {
		const release_build *b;
		size_t idx = 0, failed = 0;
		int steps = 0;

		while ((rc = release_build_iter_next(bi, &b)) != RELEASE_ITEROVER && steps++ < 10000) {
			char *d;

			if (rc != 0) {
				corrupt += read_failed(e, s, rc, "release_build_iter_next", 0);
				failed++;
				continue;
			}
			d = dump_build(b);
			const char *id = release_build_id(b);
			const char *want = build_of_view(w, id), *also = build_of_view(e->also, id);

			if (!(want && strcmp(d, want) == 0) && !(also && strcmp(d, also) == 0))
				soft_fail("release_build_list: WRONG BUILD at %zu:\n  got  %s\n  want %s",
					  idx, d, want ? want : also ? also : "(none)");
			free(d);
			idx++;
		}
		if (rc == RELEASE_ITEROVER) {
			if (!failed && idx != w->nbld && !(e->also && idx == e->also->nbld))
				soft_fail("release_build_list: %zu builds, want %zu", idx, w->nbld);
		} else {
			soft_fail("release_build_list: the listing never ended");
		}
	} else {
		corrupt += read_failed(e, s, rc, "release_build_list", 0);
	}
	release_build_iter_free(bi);

	for (size_t i = 0; i < w->nbld; i++) {
		release_build *b = NULL;
		char what[128];

		snprintf(what, sizeof what, "release_build_get(%s)", w->bld[i].id);
		rc = release_build_get(s, w->app, w->bld[i].id, &b);
		if (rc == 0) {
			char *d = dump_build(b);

			if (!one_of(d, w->bld[i].dump, build_of_view(e->also, w->bld[i].id)))
				soft_fail("%s: WRONG BUILD:\n  got  %s\n  want %s", what, d, w->bld[i].dump);
			free(d);
		} else {
			corrupt += read_failed(e, s, rc, what, 0);
		}
		release_build_free(b);
	}
	return corrupt;
}

static int by_key(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t kx = strcspn(x, "="), ky = strcspn(y, "=");
	int c = strncmp(x, y, kx < ky ? kx : ky);

	return c ? c : (kx > ky) - (kx < ky);
}

/* An env text ("K=V\n"...) with DAMAGE=1 added, in key order. */
static char *env_plus_damage(const char *env)
{
	char *copy = xstrdup(env), *lines[128], *save = NULL;
	size_t n = 0;
	struct sb b = {0};

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		assert_true(n < 127);
		lines[n++] = l;
	}
	lines[n++] = "DAMAGE=1";
	qsort(lines, n, sizeof lines[0], by_key);
	sb_add(&b, "%s", "");
	for (size_t i = 0; i < n; i++)
		sb_add(&b, "%s\n", lines[i]);
	free(copy);
	return b.p;
}

int write_probe(release_store *s, const struct expect *e, struct rel_view *made)
{
	static const char *const pair[] = {"DAMAGE=1"};
	const struct view *want = e->want;
	const struct rel_view *base = NULL;
	uint64_t mandatory = 0;
	release *r = NULL;
	struct rel_view got;
	int rc = release_env_set(s, want->app, pair, 1, &r);

	memset(made, 0, sizeof *made);
	if (rc != 0)
		return rc;
	if (!r) {
		soft_fail("release_env_set(DAMAGE=1) succeeded but wrote nothing");
		return 0;
	}
	rel_view_fill(&got, r);
	release_free(r);
	/* It must follow a release that may be there, and no release that must
	 * be there may be newer. */
	for (size_t i = 0; i < want->nrel && !mandatory; i++)
		if (!optional(e, want->rel[i].version))
			mandatory = want->rel[i].version;
	base = view_version(want, got.version - 1);
	if (!base && e->also)
		base = view_version(e->also, got.version - 1);
	if (!base || got.version <= mandatory) {
		soft_fail("release_env_set wrote version %llu (versions up to %llu must exist): %s",
			  (unsigned long long)got.version, (unsigned long long)mandatory, got.dump);
	} else {
		char *env = env_plus_damage(base->env);

		if (strcmp(env, got.env) != 0 || strcmp(base->build, got.build) != 0 ||
		    strcmp(base->manifest, got.manifest) != 0)
			soft_fail("release_env_set wrote a release not made from version %llu:\n  got  %s\n  base %s",
				  (unsigned long long)base->version, got.dump, base->dump);
		free(env);
	}
	*made = got;
	return 0;
}

void view_extend(const struct view *from, const struct rel_view *made, struct view *out)
{
	memset(out, 0, sizeof *out);
	memcpy(out->app, from->app, sizeof out->app);
	out->app_dump = xstrdup(from->app_dump);
	out->apps = xstrdup(from->apps);
	rel_view_copy(&out->rel[out->nrel++], made);
	for (size_t i = 0; i < from->nrel; i++)
		if (from->rel[i].version < made->version)
			rel_view_copy(&out->rel[out->nrel++], &from->rel[i]);
	for (size_t i = 0; i < from->nbld; i++) {
		out->bld[i] = from->bld[i];
		out->bld[i].dump = xstrdup(from->bld[i].dump);
	}
	out->nbld = from->nbld;
}

void expect_after(const struct expect *e, const struct rel_view *made, struct view *a,
		  struct view *b, struct expect *out)
{
	uint64_t base = made->version - 1;
	int in_want = base == 0 || view_version(e->want, base);
	int in_also = e->also && (base == 0 || view_version(e->also, base));

	memset(a, 0, sizeof *a);
	memset(b, 0, sizeof *b);
	memset(out, 0, sizeof *out);
	out->strict = 1;
	if (in_want || !in_also) {
		view_extend(e->want, made, a);
		if (in_also)
			view_extend(e->also, made, b);
		out->want = a;
		out->also = in_also ? b : NULL;
	} else {
		view_extend(e->also, made, a);
		out->want = a;
	}
}

/* ------------------------------------------------------------ format */

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const unsigned char *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

size_t parse_log(const unsigned char *d, size_t len, struct logrec *out, size_t max)
{
	size_t n = 0;
	uint64_t off = 64;

	while (off + 24 <= len && n < max) {
		const unsigned char *h = d + off;
		uint32_t keylen = h[10], datalen = get_u32(h + 12);

		/* "LRRK" starts a run of records (a commit), "LRRC" goes on with it */
		if ((get_u32(h) != 0x4b52524cu && get_u32(h) != 0x4352524cu) ||
		    off + 24 + keylen + datalen > len)
			break;
		out[n].first = get_u32(h) == 0x4b52524cu;
		out[n].more = h[11] & 1;
		out[n].off = off;
		out[n].len = 24 + keylen + datalen;
		out[n].op = h[8];
		out[n].kind = h[9];
		out[n].seq = get_u64(h + 16);
		memcpy(out[n].key, h + 24, keylen);
		out[n].key[keylen] = '\0';
		off += out[n].len;
		n++;
	}
	return n;
}

uint32_t test_crc32c(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* This machine's boot id, as the store records it. */
static const char *machine_boot_id(void)
{
	static char id[64];
	int fd;
	ssize_t n;

	if (id[0])
		return id;
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, id, sizeof id - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n < 16)
		fail_msg("no /proc/sys/kernel/random/boot_id: cannot simulate a reboot");
	id[n] = '\0';
	id[strcspn(id, "\n")] = '\0';
	return id;
}

/*
 * The state file is two equal copies, each ending in a CRC-32C of the rest
 * and holding the boot id of the machine that wrote it. The boot id is found
 * by its text, so the layout inside a copy may change.
 */
void tree_fake_reboot(struct tree *t, const char *app)
{
	const char *boot = machine_boot_id();
	size_t blen = strlen(boot), copy;
	char path[128];
	struct tfile *f;
	int sealed = 0;

	snprintf(path, sizeof path, "%s/state", app);
	f = tree_get(t, path);
	copy = f->len / 2;
	for (size_t c = 0; c < 2 && copy > 8; c++) {
		unsigned char *b = f->data + c * copy;
		uint32_t crc;
		int found = 0;

		if (get_u32(b + copy - 4) != test_crc32c(b, copy - 4))
			continue;
		for (size_t i = 0; i + blen <= copy - 4 && !found; i++) {
			if (memcmp(b + i, boot, blen) == 0) {
				memset(b + i, 'f', 8); /* same length, another machine's */
				found = 1;
			}
		}
		if (!found)
			continue;
		crc = test_crc32c(b, copy - 4);
		for (int i = 0; i < 4; i++)
			b[copy - 4 + i] = (unsigned char)(crc >> (8 * i));
		sealed++;
	}
	if (!sealed)
		fail_msg("%s: no intact state copy holding this boot id (has the format changed?)", path);
}

void flip_bit(const char *path, uint64_t off, int bit)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	unsigned char c;

	if (fd < 0)
		fail_msg("opening %s: %s", path, strerror(errno));
	assert_int_equal(pread(fd, &c, 1, (off_t)off), 1);
	c ^= (unsigned char)(1u << bit);
	assert_int_equal(pwrite(fd, &c, 1, (off_t)off), 1);
	close(fd);
}

/* ------------------------------------------------------------ history */

int open_store_full(const char *dir, int64_t start_ns, uint64_t seed, release_store **out)
{
	char uri[400];
	release_store_opts o;

	store_opts(&o, start_ns);
	((struct test_random *)o.random_payload)->state = seed;
	snprintf(uri, sizeof uri, "file:%s", dir);
	return release_store_open(out, uri, &o);
}

static release *history_build(release_store *s, const char *app, const char *description,
			      const char *manifest, int status)
{
	release_build_opts o;
	release_build *b = NULL;
	release *r = NULL;

	release_build_opts_init(&o);
	o.description = description;
	o.manifest = manifest;
	o.status = status;
	assert_store_ok(s, release_build_create(s, app, &o, &b));
	if (status == RELEASE_BUILD_COMPLETE)
		assert_store_ok(s, release_create(s, app, release_build_id(b), &r));
	release_build_free(b);
	return r;
}

static void history_env(release_store *s, const char *app, const char *const *pairs, size_t n,
			char *id)
{
	release *r = NULL;

	assert_store_ok(s, release_env_set(s, app, pairs, n, &r));
	assert_non_null(r);
	if (id)
		strcpy(id, release_id(r));
	release_free(r);
}

static void history_snap(struct history *h, int i)
{
	release_store *s;

	tree_load(&h->t[i], h->dir);
	s = open_store(h->dir);
	view_capture(s, "web", &h->v[i]);
	release_store_close(s);
}

void history_make(struct history *h)
{
	static const char *const env1[] = {"DATABASE_URL=postgres://db.internal/web",
					   "SECRET=s3cr3t"};
	static const char *const env2[] = {"WORKERS=4"};
	static const char *const env3[] = {"FEATURE=on"};
	static const char *const unset[] = {"SECRET"};
	release_store *s;
	release *r;
	char id[32];

	memset(h, 0, sizeof *h);
	h->dir = temp_dir();
	s = open_store_at(h->dir, T0);
	assert_store_ok(s, release_app_create(s, "api", NULL));
	assert_store_ok(s, release_app_create(s, "web", NULL));
	r = history_build(s, "web", "first build", "services:\n  web:\n    image: web:1\n",
			  RELEASE_BUILD_COMPLETE);
	release_free(r);
	history_env(s, "web", env1, 2, id);
	assert_store_ok(s, release_promote(s, "web", id, NULL));
	r = history_build(s, "web", "second build", "services:\n  web:\n    image: web:2\n",
			  RELEASE_BUILD_COMPLETE);
	release_free(r);
	history_env(s, "web", env2, 1, id);
	assert_store_ok(s, release_promote(s, "web", id, NULL));
	r = NULL;
	assert_store_ok(s, release_env_unset(s, "web", unset, 1, &r));
	assert_non_null(r);
	release_free(r);
	r = history_build(s, "web", "third build", "services:\n  web:\n    image: web:3\n",
			  RELEASE_BUILD_RUNNING);
	assert_null(r);
	r = history_build(s, "api", "api build", "services:\n  api: {}\n", RELEASE_BUILD_COMPLETE);
	assert_store_ok(s, release_promote(s, "api", release_id(r), NULL));
	release_free(r);
	release_store_close(s);
	history_snap(h, 0);

	s = open_store_at(h->dir, T0 + INT64_C(3600) * 1000000000);
	history_env(s, "web", env3, 1, id);
	release_store_close(s);
	history_snap(h, 1);

	s = open_store_at(h->dir, T0 + INT64_C(7200) * 1000000000);
	assert_store_ok(s, release_promote(s, "web", id, NULL));
	release_store_close(s);
	history_snap(h, 2);
	assert_int_equal(h->v[0].nrel, 5);
	assert_int_equal(h->v[1].nrel, 6);
	assert_int_equal(h->v[2].nrel, 6);
}

void history_free(struct history *h)
{
	for (int i = 0; i < 3; i++) {
		tree_free(&h->t[i]);
		view_free(&h->v[i]);
	}
}
