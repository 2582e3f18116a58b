/*
 * fuzz-file-store's histories: written once per process through the public
 * API into a real file store, kept as a snapshot of its files, and read back
 * (undamaged) into the model of what the store acknowledged. Every later
 * check compares against that model.
 */
#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ files */

static void tree_add(struct fs_tree *t, const char *path, int is_dir, unsigned char *data,
		     size_t len)
{
	struct fs_file *f = realloc(t->f, (t->n + 1) * sizeof *f);

	if (!f)
		fz_finding("out of memory");
	t->f = f;
	f = &t->f[t->n++];
	memset(f, 0, sizeof *f);
	snprintf(f->path, sizeof f->path, "%s", path);
	f->is_dir = is_dir;
	f->data = data;
	f->len = len;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	unsigned char *d;

	if (fd < 0 || fstat(fd, &st) != 0)
		fz_finding("reading %s: %s", path, strerror(errno));
	*len = (size_t)st.st_size;
	if (!(d = malloc(*len ? *len : 1)) || (*len && read(fd, d, *len) != (ssize_t)*len))
		fz_finding("reading %s: %s", path, strerror(errno));
	close(fd);
	return d;
}

static void walk(struct fs_tree *t, const char *root, const char *rel)
{
	char path[4096], sub[256];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
	if (!(d = opendir(path)))
		fz_finding("opendir %s: %s", path, strerror(errno));
	while ((e = readdir(d))) {
		struct stat st;
		char full[4096];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		snprintf(full, sizeof full, "%s/%s", root, sub);
		if (lstat(full, &st) != 0)
			fz_finding("lstat %s: %s", full, strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			tree_add(t, sub, 1, NULL, 0);
			walk(t, root, sub);
		} else if (S_ISREG(st.st_mode)) {
			size_t len;
			unsigned char *data = slurp(full, &len);

			tree_add(t, sub, 0, data, len);
		}
	}
	closedir(d);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct fs_file *)a)->path, ((const struct fs_file *)b)->path);
}

void fs_tree_load(struct fs_tree *t, const char *root)
{
	memset(t, 0, sizeof *t);
	walk(t, root, "");
	qsort(t->f, t->n, sizeof *t->f, by_path);
}

void fs_tree_store(const struct fs_tree *t, const char *root)
{
	char path[4096];

	fz_rm_rf(root);
	if (mkdir(root, 0700) != 0)
		fz_finding("mkdir %s: %s", root, strerror(errno));
	/* sorted by path: a directory comes before what it holds */
	for (size_t i = 0; i < t->n; i++) {
		const struct fs_file *f = &t->f[i];
		int fd;

		snprintf(path, sizeof path, "%s/%s", root, f->path);
		if (f->is_dir) {
			if (mkdir(path, 0700) != 0)
				fz_finding("mkdir %s: %s", path, strerror(errno));
			continue;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || (f->len && write(fd, f->data, f->len) != (ssize_t)f->len))
			fz_finding("writing %s: %s", path, strerror(errno));
		close(fd);
	}
}

void fs_tree_free(struct fs_tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->f[i].data);
	free(t->f);
	memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------ text */

struct text {
	char *p;
	size_t len, cap;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *p = realloc(t->p, cap);

		if (!p)
			fz_finding("out of memory");
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void field(struct text *t, const char *name, const char *value)
{
	put(t, name, strlen(name));
	put(t, "=", 1);
	if (value)
		put(t, value, strlen(value));
	else
		put(t, "(null)", 6);
	put(t, "\n", 1);
}

static void num(struct text *t, const char *name, int64_t v)
{
	char b[32];

	snprintf(b, sizeof b, "%" PRId64, v);
	field(t, name, b);
}

uint64_t fs_hash(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603);

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

char *fs_dump_env(const release *r)
{
	struct text t = {0};

	put(&t, "", 0);
	for (size_t i = 0; i < release_env_count(r); i++) {
		put(&t, release_env_key(r, i), strlen(release_env_key(r, i)));
		put(&t, "=", 1);
		put(&t, release_env_value(r, i), strlen(release_env_value(r, i)));
		put(&t, "\n", 1);
	}
	return t.p;
}

char *fs_dump_release(const release *r)
{
	struct text t = {0};
	char *env = fs_dump_env(r);

	field(&t, "id", release_id(r));
	field(&t, "app", release_app_of(r));
	num(&t, "version", (int64_t)release_version(r));
	field(&t, "build", release_build_of(r));
	field(&t, "manifest", release_manifest(r));
	field(&t, "description", release_description(r));
	num(&t, "created", release_created(r));
	field(&t, "source", release_source(r));
	field(&t, "actor", release_actor(r));
	field(&t, "env", env);
	free(env);
	return t.p;
}

char *fs_dump_build(const release_build *b)
{
	struct text t = {0};

	field(&t, "id", release_build_id(b));
	field(&t, "app", release_build_app(b));
	field(&t, "description", release_build_description(b));
	field(&t, "manifest", release_build_manifest(b));
	num(&t, "status", release_build_status(b));
	num(&t, "started", release_build_started(b));
	num(&t, "ended", release_build_ended(b));
	field(&t, "release", release_build_release(b));
	field(&t, "actor", release_build_actor(b));
	return t.p;
}

char *fs_dump_deploy(const release_deploy *d)
{
	struct text t = {0};

	num(&t, "seq", (int64_t)release_deploy_seq(d));
	num(&t, "kind", release_deploy_kind(d));
	num(&t, "failed", release_deploy_failed(d));
	num(&t, "forced", release_deploy_forced(d));
	field(&t, "from", release_deploy_from(d));
	num(&t, "from version", (int64_t)release_deploy_from_version(d));
	field(&t, "to", release_deploy_to(d));
	num(&t, "to version", (int64_t)release_deploy_to_version(d));
	field(&t, "target", release_deploy_target(d));
	field(&t, "actor", release_deploy_actor(d));
	num(&t, "started", release_deploy_started(d));
	num(&t, "ended", release_deploy_ended(d));
	return t.p;
}

/* ------------------------------------------------------------ model */

static char *dup_or_die(const char *s)
{
	char *d = strdup(s);

	if (!d)
		fz_finding("out of memory");
	return d;
}

void fs_model_add(struct fs_app *a, const release *r)
{
	struct fs_rel *rel = realloc(a->rel, (a->nrel + 1) * sizeof *rel), *x;
	size_t at = a->nrel;

	if (!rel)
		fz_finding("out of memory");
	a->rel = rel;
	while (at > 0 && a->rel[at - 1].version > release_version(r))
		at--;
	memmove(&a->rel[at + 1], &a->rel[at], (a->nrel - at) * sizeof *a->rel);
	a->nrel++;
	x = &a->rel[at];
	memset(x, 0, sizeof *x);
	snprintf(x->id, sizeof x->id, "%s", release_id(r));
	x->version = release_version(r);
	x->dump = fs_dump_release(r);
	x->env = fs_dump_env(r);
	snprintf(x->build, sizeof x->build, "%s", release_build_of(r) ? release_build_of(r) : "");
	x->manifest_hash = fs_hash(release_manifest(r));
	x->promoted.exact = x->promoted.lo = x->promoted.hi = release_promoted(r);
	x->failed.exact = x->failed.lo = x->failed.hi = release_failed(r);
	if (x->version > a->max_version)
		a->max_version = x->version;
}

void fs_model_copy(struct fs_model *dst, const struct fs_model *src)
{
	*dst = *src;
	for (size_t i = 0; i < src->napp; i++) {
		const struct fs_app *s = &src->app[i];
		struct fs_app *d = &dst->app[i];

		d->rel = malloc((s->nrel ? s->nrel : 1) * sizeof *d->rel);
		d->bld = malloc((s->nbld ? s->nbld : 1) * sizeof *d->bld);
		d->dep = malloc((s->ndep ? s->ndep : 1) * sizeof *d->dep);
		if (!d->rel || !d->bld || !d->dep)
			fz_finding("out of memory");
		for (size_t j = 0; j < s->ndep; j++) {
			d->dep[j] = s->dep[j];
			d->dep[j].dump = dup_or_die(s->dep[j].dump);
		}
		for (size_t j = 0; j < s->nrel; j++) {
			d->rel[j] = s->rel[j];
			d->rel[j].dump = dup_or_die(s->rel[j].dump);
			d->rel[j].env = dup_or_die(s->rel[j].env);
		}
		for (size_t j = 0; j < s->nbld; j++) {
			d->bld[j] = s->bld[j];
			d->bld[j].dump = dup_or_die(s->bld[j].dump);
		}
	}
}

void fs_model_free(struct fs_model *m)
{
	for (size_t i = 0; i < m->napp; i++) {
		struct fs_app *a = &m->app[i];

		for (size_t j = 0; j < a->nrel; j++) {
			free(a->rel[j].dump);
			free(a->rel[j].env);
		}
		for (size_t j = 0; j < a->nbld; j++)
			free(a->bld[j].dump);
		for (size_t j = 0; j < a->ndep; j++)
			free(a->dep[j].dump);
		free(a->rel);
		free(a->bld);
		free(a->dep);
	}
	memset(m, 0, sizeof *m);
}

/* The app's deployment log, read from an undamaged store. */
static void read_log(release_store *s, struct fs_app *a)
{
	release_deploy_iter *it;
	const release_deploy *d;
	int rc;

	if (release_deploy_list(s, a->name, NULL, &it) != 0)
		fz_finding("history: deploy_list %s: %s", a->name, release_store_errmsg(s));
	while ((rc = release_deploy_iter_next(it, &d)) == 0) {
		struct fs_dep *x = realloc(a->dep, (a->ndep + 1) * sizeof *x);

		if (!x)
			fz_finding("out of memory");
		a->dep = x;
		x = &a->dep[a->ndep++];
		x->seq = release_deploy_seq(d);
		x->dump = fs_dump_deploy(d);
		if (x->seq > a->dep_top)
			a->dep_top = x->seq;
	}
	if (rc != RELEASE_ITEROVER)
		fz_finding("history: listing the log of %s: %s", a->name, release_store_errmsg(s));
	release_deploy_iter_free(it);
}

/* The model of app name, read from an undamaged store. */
static void read_model(release_store *s, struct fs_model *m, const char *name, int deleted)
{
	struct fs_app *a = &m->app[m->napp++];
	release_iter *it;
	release_build_iter *bit;
	const release *r;
	const release_build *b;
	release_app *ap;
	int rc;

	memset(a, 0, sizeof *a);
	snprintf(a->name, sizeof a->name, "%s", name);
	a->deleted = deleted;
	if (deleted)
		return;
	if (release_app_get(s, name, &ap) != 0)
		fz_finding("history: app_get %s: %s", name, release_store_errmsg(s));
	snprintf(a->active[0], sizeof a->active[0], "%s",
		 release_app_active(ap) ? release_app_active(ap) : "");
	a->nactive = 1;
	release_app_free(ap);
	if (release_list(s, name, NULL, &it) != 0)
		fz_finding("history: release_list %s: %s", name, release_store_errmsg(s));
	while ((rc = release_iter_next(it, &r)) == 0)
		fs_model_add(a, r);
	if (rc != RELEASE_ITEROVER)
		fz_finding("history: listing %s: %s", name, release_store_errmsg(s));
	release_iter_free(it);
	if (release_build_list(s, name, 0, &bit) != 0)
		fz_finding("history: build_list %s: %s", name, release_store_errmsg(s));
	while ((rc = release_build_iter_next(bit, &b)) == 0) {
		struct fs_bld *x = realloc(a->bld, (a->nbld + 1) * sizeof *x);

		if (!x)
			fz_finding("out of memory");
		a->bld = x;
		x = &a->bld[a->nbld++];
		snprintf(x->id, sizeof x->id, "%s", release_build_id(b));
		x->dump = fs_dump_build(b);
	}
	if (rc != RELEASE_ITEROVER)
		fz_finding("history: listing builds of %s: %s", name, release_store_errmsg(s));
	release_build_iter_free(bit);
	read_log(s, a);
}

/* ------------------------------------------------------------ histories */

int fs_open(const char *dir, struct fz_clock *clock, struct fz_random *rnd, release_store **out)
{
	release_store_opts opts;
	char uri[4200];

	fz_opts(&opts, clock, rnd);
	snprintf(uri, sizeof uri, "file:%s", dir);
	return release_store_open(out, uri, &opts);
}

/* Every write of a history must succeed: it is what the model trusts. */
#define H(call)                                                                           \
	do {                                                                              \
		int rc_ = (call);                                                         \
		if (rc_ != 0)                                                             \
			fz_finding("history %d: %s: %s (%s)", variant, #call,              \
				   release_strerror(rc_), release_store_errmsg(s));        \
	} while (0)

static char *text_of(size_t len, char c)
{
	char *t = malloc(len + 1);

	if (!t)
		fz_finding("out of memory");
	for (size_t i = 0; i < len; i++)
		t[i] = i % 64 == 63 ? '\n' : (char)(c + (char)(i % 7));
	t[len] = '\0';
	return t;
}

static void build(int variant, release_store *s, const char *app, const char *desc,
		  const char *manifest, int status, release_build **out)
{
	release_build_opts o;

	release_build_opts_init(&o);
	o.description = desc;
	o.manifest = manifest;
	o.status = status;
	H(release_build_create(s, app, &o, out));
}

static int deploy_fails(void *payload, const release *r, release_events *events)
{
	(void)payload;
	(void)r;
	(void)events;
	return 1;
}

static void history_basic(int variant, release_store *s)
{
	const char *ab[] = {"A=1", "B=2"}, *c[] = {"C=3"}, *un[] = {"A"}, *d[] = {"D=4"};
	const char *x[] = {"X=1"};
	release_build *b1, *b2, *b3, *g1;
	release *r1, *r2, *r3, *r6, *g;
	release_promote_opts po;
	size_t removed;

	release_promote_opts_init(&po);
	H(release_app_create(s, "api", NULL));
	H(release_app_create(s, "web", NULL));
	H(release_app_create(s, "gone", NULL));
	build(variant, s, "web", "first", "web: v1\n", RELEASE_BUILD_COMPLETE, &b1);
	H(release_create(s, "web", release_build_id(b1), &r1));
	H(release_env_set(s, "web", ab, 2, &r2));
	H(release_promote(s, "web", release_id(r1), &po));
	H(release_promote(s, "web", release_id(r2), &po));
	build(variant, s, "web", "second", "web: v2\n", RELEASE_BUILD_COMPLETE, &b2);
	H(release_create(s, "web", release_build_id(b2), &r3));
	H(release_promote(s, "web", release_id(r3), &po));
	H(release_rollback(s, "web", NULL, &po, NULL));
	build(variant, s, "web", "third", "web: v3\n", RELEASE_BUILD_RUNNING, &b3);
	H(release_env_set(s, "web", c, 1, NULL));
	H(release_env_unset(s, "web", un, 1, &r6));
	H(release_promote(s, "web", release_id(r6), &po));
	po.deploy = deploy_fails; /* a failure in the deployment log */
	if (release_promote(s, "web", release_id(r6), &po) != RELEASE_EDEPLOY)
		fz_finding("history %d: a failing deployer did not fail the promotion", variant);
	po.deploy = NULL;
	H(release_prune(s, "web", 1, &removed));
	H(release_env_set(s, "web", d, 1, NULL));

	build(variant, s, "api", "api one", "api: v1\n", RELEASE_BUILD_COMPLETE, NULL);
	H(release_env_set(s, "api", x, 1, &g));
	H(release_promote(s, "api", release_id(g), &po));
	release_free(g);

	build(variant, s, "gone", "gone one", "gone: v1\n", RELEASE_BUILD_COMPLETE, &g1);
	H(release_create(s, "gone", release_build_id(g1), &g));
	H(release_promote(s, "gone", release_id(g), &po));
	H(release_app_delete(s, "gone"));

	release_build_free(b1);
	release_build_free(b2);
	release_build_free(b3);
	release_build_free(g1);
	release_free(r1);
	release_free(r2);
	release_free(r3);
	release_free(r6);
	release_free(g);
}

/* Reads the dead bytes and log length the state of app says (the newer
 * copy), as lib/file/format.c lays it out. */
static void state_counts(const char *root, const char *app, uint64_t *dead, uint64_t *len)
{
	char path[4200];
	size_t n;
	unsigned char *d;
	uint64_t best = 0;

	snprintf(path, sizeof path, "%s/%s/state", root, app);
	d = slurp(path, &n);
	for (size_t c = 0; c + 2048 <= n; c += 2048) {
		uint64_t counter = 0, v = 0, l = 0;

		for (int i = 7; i >= 0; i--) {
			counter = counter << 8 | d[c + 8 + (size_t)i];
			v = v << 8 | d[c + 56 + (size_t)i];
			l = l << 8 | d[c + 40 + (size_t)i];
		}
		if (counter >= best) {
			best = counter;
			*dead = v;
			*len = l;
		}
	}
	free(d);
}

#define COMPACT_MIN (64u << 10) /* lib/file/file.h: dead bytes before compaction */

/* App big: a release with a 4 KiB manifest promoted again and again (each
 * promotion leaves its old copy dead), stopped while the next promotion
 * would compact. With more, it goes on through the compaction and writes
 * after it. */
static void history_compact(int variant, release_store *s, const char *root, int more)
{
	char *manifest = text_of(4096, 'a');
	const char *e[] = {"PHASE=after"};
	release_promote_opts po;
	release_build *b;
	release *r, *r2, *r3;
	uint64_t dead = 0, len = 0;

	release_promote_opts_init(&po);
	H(release_app_create(s, "big", NULL));
	H(release_app_create(s, "small", NULL));
	build(variant, s, "big", "big one", manifest, RELEASE_BUILD_COMPLETE, &b);
	H(release_create(s, "big", release_build_id(b), &r));
	build(variant, s, "small", "small one", "small\n", RELEASE_BUILD_COMPLETE, NULL);
	H(release_env_set(s, "small", e, 1, NULL));
	for (int i = 0; i < 64; i++) {
		H(release_promote(s, "big", release_id(r), &po));
		state_counts(root, "big", &dead, &len);
		if (dead + 2 * 4400 >= COMPACT_MIN)
			break;
	}
	if (dead >= COMPACT_MIN || dead + 2 * 4400 < COMPACT_MIN)
		fz_finding("history %d: %" PRIu64 " dead bytes, not just below compaction", variant, dead);
	if (more) {
		uint64_t before = len;

		for (int i = 0; i < 4 && len >= before; i++) {
			H(release_promote(s, "big", release_id(r), &po));
			state_counts(root, "big", &dead, &len);
		}
		if (len >= before)
			fz_finding("history %d: no compaction", variant);
		H(release_env_set(s, "big", e, 1, &r2));
		H(release_promote(s, "big", release_id(r2), &po));
		H(release_rollback(s, "big", NULL, &po, &r3));
		release_free(r2);
		release_free(r3);
	}
	release_build_free(b);
	release_free(r);
	free(manifest);
}

/* App long: one build and 70 releases, every tenth promoted. */
static void history_long(int variant, release_store *s)
{
	release_promote_opts po;
	release *r;
	char kv[32];
	const char *p[] = {kv};

	release_promote_opts_init(&po);
	H(release_app_create(s, "long", NULL));
	build(variant, s, "long", "long one", "long\n", RELEASE_BUILD_COMPLETE, NULL);
	for (int i = 1; i <= 70; i++) {
		snprintf(kv, sizeof kv, "K%d=%d", i % 9, i);
		H(release_env_set(s, "long", p, 1, &r));
		if (i % 10 == 0)
			H(release_promote(s, "long", release_id(r), &po));
		release_free(r);
	}
}

/* What compaction must survive: a prune that deletes the newest build (the
 * index files then hold fewer entries than before) followed by promotions
 * until the log is compacted, and the delete of an app with a long history
 * (40 builds with 4 KiB manifests, each released). */
static void history_pruned(int variant, release_store *s, const char *root)
{
	const char *e[] = {"MODE=one"};
	char *manifest = text_of(4096, 'm');
	release_build *b1, *b2, *hb;
	release *r1, *r2, *r;
	release_promote_opts po;
	uint64_t dead = 0, len = 0, before;
	size_t removed;

	release_promote_opts_init(&po);
	H(release_app_create(s, "kept", NULL));
	H(release_env_set(s, "kept", e, 1, NULL));
	H(release_app_create(s, "pruned", NULL));
	build(variant, s, "pruned", "one", manifest, RELEASE_BUILD_COMPLETE, &b1);
	build(variant, s, "pruned", "two", manifest, RELEASE_BUILD_COMPLETE, &b2);
	H(release_create(s, "pruned", release_build_id(b1), &r1));
	H(release_create(s, "pruned", release_build_id(b2), &r2));
	H(release_promote(s, "pruned", release_id(r1), &po));
	H(release_promote(s, "pruned", release_id(r2), &po));
	H(release_rollback(s, "pruned", NULL, &po, NULL));
	H(release_env_set(s, "pruned", e, 1, &r));
	H(release_promote(s, "pruned", release_id(r), &po));
	H(release_prune(s, "pruned", 0, &removed));
	state_counts(root, "pruned", &dead, &before);
	len = before;
	for (int i = 0; i < 40 && len >= before; i++) {
		H(release_promote(s, "pruned", release_id(r), &po));
		state_counts(root, "pruned", &dead, &len);
	}
	if (len >= before)
		fz_finding("history %d: no compaction after the prune", variant);
	release_free(r);
	H(release_app_create(s, "huge", NULL));
	for (int i = 0; i < 40; i++) {
		build(variant, s, "huge", "huge", manifest, RELEASE_BUILD_COMPLETE, &hb);
		H(release_create(s, "huge", release_build_id(hb), NULL));
		release_build_free(hb);
	}
	H(release_app_delete(s, "huge"));
	release_build_free(b1);
	release_build_free(b2);
	release_free(r1);
	release_free(r2);
	free(manifest);
}

static struct fs_template templates[FS_VARIANTS];
static int made[FS_VARIANTS];

const struct fs_template *fs_template(int variant)
{
	struct fs_template *t = &templates[variant];
	struct fz_clock clock = {INT64_C(1546300800) * 1000000000, 1000000000};
	struct fz_random rnd = {(uint64_t)variant + 1};
	release_store *s;
	char dir[4200];
	static const char *const apps[FS_VARIANTS][3] = {
		[FS_V_BASIC] = {"web", "api", "gone"},
		[FS_V_COMPACT] = {"big", "small"},
		[FS_V_COMPACTED] = {"big", "small"},
		[FS_V_LONG] = {"long"},
		[FS_V_PRUNED] = {"pruned", "kept", "huge"},
	};

	if (made[variant])
		return t;
	snprintf(dir, sizeof dir, "%s/history-%d", fz_temp_root(), variant);
	fz_rm_rf(dir);
	if (fs_open(dir, &clock, &rnd, &s) != 0)
		fz_finding("history %d: opening: %s", variant, release_store_errmsg(NULL));
	switch (variant) {
	case FS_V_BASIC: history_basic(variant, s); break;
	case FS_V_COMPACT: history_compact(variant, s, dir, 0); break;
	case FS_V_COMPACTED: history_compact(variant, s, dir, 1); break;
	case FS_V_LONG: history_long(variant, s); break;
	default: history_pruned(variant, s, dir); break;
	}
	memset(&t->model, 0, sizeof t->model);
	for (int i = 0; i < 3 && apps[variant][i]; i++)
		read_model(s, &t->model, apps[variant][i],
			   strcmp(apps[variant][i], "gone") == 0 || strcmp(apps[variant][i], "huge") == 0);
	release_store_close(s);
	fs_tree_load(&t->tree, dir);
	fz_rm_rf(dir);
	t->next_time = clock.now + INT64_C(1000) * 1000000000;
	made[variant] = 1;
	return t;
}
