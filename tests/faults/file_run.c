/* One run of the file store sweep: see file_run.h. */
#include "file_run.h"

#include "file_inject.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void copy_id(char dst[ID_LEN], const char *id)
{
	assert_non_null(id);
	assert_true(strlen(id) < ID_LEN);
	strcpy(dst, id);
}

/* ------------------------------------------------------------ observer */

static void record(struct observer *o, enum method m, int kind, const char *key, int removes,
		   int rc)
{
	int committed = fi_backend_end();
	struct bcall *c;

	if (!o->recording || o->n == MAX_BCALLS)
		return;
	c = &o->calls[o->n++];
	c->m = m;
	c->kind = kind;
	snprintf(c->key, sizeof c->key, "%s", key ? key : "");
	c->removes = removes;
	c->rc = rc;
	c->committed = committed;
	c->faulted = fi_fired_in_backend();
}

static int ob_put(void *ctx, const char *app, int kind, const char *key, uint64_t seq,
		  const void *data, size_t len)
{
	struct observer *o = ctx;
	int rc;

	fi_backend_begin();
	rc = o->inner->put(o->inner_ctx, app, kind, key, seq, data, len);
	record(o, M_PUT, kind, key, 0, rc);
	return rc;
}

static int ob_get(void *ctx, const char *app, int kind, const char *key, release_record_fn fn,
		  void *payload)
{
	struct observer *o = ctx;
	int rc;

	fi_backend_begin();
	rc = o->inner->get(o->inner_ctx, app, kind, key, fn, payload);
	record(o, M_GET, kind, key, 0, rc);
	return rc;
}

static int ob_scan(void *ctx, const char *app, int kind, uint64_t before, size_t limit,
		   release_record_fn fn, void *payload)
{
	struct observer *o = ctx;
	int rc;

	fi_backend_begin();
	rc = o->inner->scan(o->inner_ctx, app, kind, before, limit, fn, payload);
	record(o, M_SCAN, kind, NULL, 0, rc);
	return rc;
}

static int ob_cas(void *ctx, const char *app, int kind, const char *key, const void *old,
		  size_t old_len, const void *data, size_t len)
{
	struct observer *o = ctx;
	int rc;

	fi_backend_begin();
	rc = o->inner->cas(o->inner_ctx, app, kind, key, old, old_len, data, len);
	record(o, M_CAS, kind, key, data == NULL, rc);
	return rc;
}

static int ob_del(void *ctx, const char *app, int kind, const char *key)
{
	struct observer *o = ctx;
	int rc;

	fi_backend_begin();
	rc = o->inner->del(o->inner_ctx, app, kind, key);
	record(o, M_DEL, kind, key, 1, rc);
	return rc;
}

static int ob_list_apps(void *ctx, release_name_fn fn, void *payload)
{
	struct observer *o = ctx;
	int rc;

	fi_backend_begin();
	rc = o->inner->list_apps(o->inner_ctx, fn, payload);
	record(o, M_LIST_APPS, 0, NULL, 0, rc);
	return rc;
}

static int ob_get_seq(void *ctx, const char *app, int kind, uint64_t seq, release_record_fn fn,
		      void *payload)
{
	struct observer *o = ctx;
	int rc;

	fi_backend_begin();
	rc = o->inner->get_seq(o->inner_ctx, app, kind, seq, fn, payload);
	record(o, M_GET_SEQ, kind, NULL, 0, rc);
	return rc;
}

static const char *ob_errmsg(void *ctx)
{
	struct observer *o = ctx;

	return o->inner->errmsg ? o->inner->errmsg(o->inner_ctx) : NULL;
}

static void ob_close(void *ctx)
{
	struct observer *o = ctx;

	o->inner->close(o->inner_ctx);
	free(o);
}

/* A handle on the file store in dir, with r's clock and random source. */
static int open_dir(struct run *r, const char *dir, release_store **out, struct observer **obp)
{
	struct observer *o = calloc(1, sizeof *o);
	release_store_opts opts;
	char uri[600];
	int rc;

	assert_non_null(o);
	snprintf(uri, sizeof uri, "file:%s", dir);
	if ((rc = release_storage_open(&o->inner, &o->inner_ctx, uri)) != 0) {
		free(o);
		return rc;
	}
	o->vt.version = RELEASE_STORAGE_VERSION;
	o->vt.close = ob_close;
	o->vt.put = ob_put;
	o->vt.get = ob_get;
	o->vt.scan = ob_scan;
	o->vt.cas = ob_cas;
	o->vt.del = ob_del;
	o->vt.list_apps = ob_list_apps;
	o->vt.get_seq = o->inner->get_seq ? ob_get_seq : NULL;
	o->vt.errmsg = ob_errmsg;
	release_store_opts_init(&opts);
	opts.clock = test_clock_read;
	opts.clock_payload = &r->clock;
	opts.random = test_random_fill;
	opts.random_payload = &r->random;
	opts.lease_ns = LEASE_NS;
	if ((rc = release_store_open_backend(out, &o->vt, o, &opts)) != 0) {
		o->inner->close(o->inner_ctx);
		free(o);
		return rc;
	}
	if (obp)
		*obp = o;
	return 0;
}

const struct bcall *run_faulted_call(const struct run *r)
{
	for (size_t i = 0; i < r->ob->n; i++)
		if (r->ob->calls[i].faulted)
			return &r->ob->calls[i];
	return NULL;
}

void describe_bcall(const struct bcall *c, char *buf, size_t size)
{
	static const char *const names[] = {"put", "get", "scan", "cas", "del", "list_apps",
					    "get_seq"};
	static const char *const kinds[] = {"-", "meta", "build", "release"};
	const char *key = c->key;

	/* ids differ between templates: name the kind of record only */
	if (c->kind != RELEASE_KIND_META)
		key = "";
	snprintf(buf, size, "%s(%s%s%s%s)", names[c->m],
		 kinds[c->kind >= 0 && c->kind <= 3 ? c->kind : 0], key[0] ? " " : "", key,
		 c->removes && c->m == M_CAS ? ", remove" : "");
}

/* ------------------------------------------------------- directories */

static char base[256];
static int boots;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_base(void)
{
	if (base[0])
		remove_tree(base);
}

/* Stores live in memory where that is possible: every run syncs. */
const char *run_base(void)
{
	const char *tmp = getenv("TMPDIR");
	const char *where = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : tmp && *tmp ? tmp : "/tmp";

	if (base[0])
		return base;
	snprintf(base, sizeof base, "%s/release-file-faults-XXXXXX", where);
	assert_non_null(mkdtemp(base));
	atexit(remove_base);
	return base;
}

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	assert_true(in >= 0);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof buf)) > 0)
		assert_true(write(out, buf, (size_t)n) == n);
	assert_true(n == 0);
	close(in);
	close(out);
}

static void copy_tree(const char *from, const char *to)
{
	DIR *d = opendir(from);
	struct dirent *e;

	assert_non_null(d);
	assert_int_equal(mkdir(to, 0700), 0);
	while ((e = readdir(d))) {
		char a[1024], b[1024];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(a, sizeof a, "%s/%s", from, e->d_name);
		snprintf(b, sizeof b, "%s/%s", to, e->d_name);
		assert_int_equal(lstat(a, &st), 0);
		if (S_ISDIR(st.st_mode))
			copy_tree(a, b);
		else
			copy_file(a, b);
	}
	closedir(d);
}

/* ------------------------------------------------------------- runs */

void tpl_ensure(struct tpl *t)
{
	struct run r;

	if (t->built)
		return;
	memset(&r, 0, sizeof r);
	r.clock.now = INT64_C(1546300800) * SEC; /* 2019-01-01T00:00:00Z */
	r.clock.step = SEC;
	r.random.state = 0x2545f4914f6cdd1du;
	snprintf(t->dir, sizeof t->dir, "%s/tpl-%s", run_base(), t->name);
	snprintf(r.dir, sizeof r.dir, "%s", t->dir);
	r.t = t;
	assert_int_equal(open_dir(&r, t->dir, &r.s, &r.ob), 0);
	t->build(&r);
	release_store_close(r.s);
	t->clock = r.clock;
	t->random = r.random;
	t->h = r.h;
	t->built = 1;
}

int run_probe(struct run *r, int (*fn)(struct run *), int (*ran)(void))
{
	struct run p = *r;
	int result;

	snprintf(p.dir, sizeof p.dir, "%s/probe", run_base());
	remove_tree(p.dir);
	copy_tree(r->dir, p.dir);
	assert_int_equal(open_dir(&p, p.dir, &p.s, &p.ob), 0);
	fi_arm(0, FI_ALL, 0);
	fn(&p);
	fi_disarm();
	result = ran();
	release_store_close(p.s);
	remove_tree(p.dir);
	return result;
}

/* Handles opened from now on see a new boot id, until real_boot(). */
static char boot_path[600];

static void fake_boot(void)
{
	char id[64];
	FILE *f;

	snprintf(boot_path, sizeof boot_path, "%s/boot_id", run_base());
	snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d\n", ++boots);
	f = fopen(boot_path, "w");
	assert_non_null(f);
	assert_true(fputs(id, f) >= 0);
	assert_int_equal(fclose(f), 0);
	fi_fake_boot_id(boot_path);
}

static void real_boot(void)
{
	fi_fake_boot_id(NULL);
	boot_path[0] = '\0';
}

void run_start(struct run *r, const struct tpl *t)
{
	memset(r, 0, sizeof *r);
	r->t = t;
	r->clock = t->clock;
	r->random = t->random;
	r->h = t->h;
	snprintf(r->dir, sizeof r->dir, "%s/run", run_base());
	remove_tree(r->dir);
	copy_tree(t->dir, r->dir);
	real_boot();
	if (t->rebooted)
		fake_boot();
	assert_int_equal(open_dir(r, r->dir, &r->s, &r->ob), 0);
}

int run_open_handle(struct run *r, release_store **out)
{
	return open_dir(r, r->dir, out, NULL);
}

int run_open_before_boot(struct run *r, release_store **out)
{
	int rc;

	fi_fake_boot_id(NULL);
	rc = open_dir(r, r->dir, out, NULL);
	fi_fake_boot_id(boot_path[0] ? boot_path : NULL);
	return rc;
}

void run_stop(struct run *r)
{
	release_store_close(r->s);
	r->s = NULL;
	r->ob = NULL;
}

int run_open_rebooted(struct run *r, release_store **out)
{
	int rc;

	fake_boot();
	rc = open_dir(r, r->dir, out, NULL);
	return rc;
}
