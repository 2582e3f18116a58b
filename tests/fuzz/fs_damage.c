/*
 * fuzz-file-store's damage: the input's operations on a copy of a store's
 * files, with plain POSIX calls. Some are blind (flip, cut, zero, swap any
 * file); some know the format (lib/file/file.h, "On-disk format") so that
 * short inputs reach the interesting places: an index entry, a key slot, a
 * log record, and the state, whose copies are edited and re-sealed with a
 * valid checksum (forged), as a bug or a careless tool would leave them.
 */
#include "fs.h"

#include "crc32c.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A record's magic: "LRRK" starts a commit's run of records, "LRRC" goes
 * on with it (lib/file/file.h). */
static int is_rec_magic(uint64_t m)
{
	return m == 0x4b52524cu || m == 0x4352524cu;
}

/* The layout of a state copy, as lib/file/format.c's encode_state() writes it. */
#define STATE_COPY 2048
#define ST_COUNTER 8
#define ST_LOG_GEN 16
#define ST_IDX_GEN 24
#define ST_KEYS_GEN 32
#define ST_INDEXED_LEN 40
#define ST_SYNCED_LEN 48
#define ST_DEAD 56
#define ST_KEYS_CAP 64
#define ST_KEYS_USED 72
#define ST_BOOT_ID 80 /* 40 bytes */
#define ST_META_N 120 /* u32 */
#define ST_META 128   /* 16 slots of 80: key[65], len u32 at 68, off u64 at 72 */
#define ST_META_SLOT 80
#define ST_META_SLOTS 16
#define ST_TOP_BLD 1408
#define ST_TOP_REL 1416
#define ST_TOP_DEP 1448 /* format 3: the deployment log's top */
#define ST_CRC (STATE_COPY - 4)

#define LOG_HDR 64
#define REC_HDR 24
#define IDX_HDR 64
#define IDX_ENT 24
#define KEY_SLOT 24

size_t fs_op_size(int op)
{
	static const size_t sizes[FS_OPS] = {
		[FS_OP_FLIP] = 6,       [FS_OP_TRUNCATE] = 5,  [FS_OP_ZERO] = 7,
		[FS_OP_SWAP] = 2,       [FS_OP_FORGE] = 12,    [FS_OP_WRITE] = 22,
		[FS_OP_UNLINK] = 1,     [FS_OP_EXTEND] = 4,    [FS_OP_COPY] = 2,
		[FS_OP_ZERO_ENTRY] = 3, [FS_OP_ZERO_SLOT] = 3, [FS_OP_CUT_LOG] = 3,
		[FS_OP_FLIP_REC] = 5,   [FS_OP_REBOOT] = 1,
	};

	return op >= 0 && op < FS_OPS ? sizes[op] : 0;
}

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put_le(unsigned char *p, int n, uint64_t v)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* ------------------------------------------------------------ files */

struct blob {
	unsigned char *d;
	size_t len;
};

/* Reads path whole; 0, or -1 when it is not there. */
static int load(const char *path, struct blob *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;

	b->d = NULL;
	b->len = 0;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	b->len = (size_t)st.st_size;
	if (!(b->d = malloc(b->len + 1)))
		fz_finding("out of memory");
	if (b->len && read(fd, b->d, b->len) != (ssize_t)b->len)
		fz_finding("reading %s: %s", path, strerror(errno));
	close(fd);
	return 0;
}

static void save(const char *path, const struct blob *b)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 || (b->len && write(fd, b->d, b->len) != (ssize_t)b->len))
		fz_finding("writing %s: %s", path, strerror(errno));
	close(fd);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Up to max entries under root/sub (sub "" for root) that are regular files
 * (dirs 0) or directories (dirs 1), as paths relative to root, sorted. */
static size_t list(const char *root, const char *sub, int dirs, char **out, size_t max)
{
	char path[4200];
	DIR *d;
	struct dirent *e;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/%s", root, sub);
	if (!(d = opendir(path)))
		return 0;
	while ((e = readdir(d)) && n < max) {
		char full[4500];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(full, sizeof full, "%s/%s", path, e->d_name);
		if (lstat(full, &st) != 0 || (dirs ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
			continue;
		if (asprintf(&out[n], "%s%s%s", sub, *sub ? "/" : "", e->d_name) < 0)
			fz_finding("out of memory");
		n++;
	}
	closedir(d);
	qsort(out, n, sizeof *out, by_name);
	return n;
}

static void list_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

#define MAX_FILES 128

/* Every regular file of the store, relative to root, sorted. */
static size_t all_files(const char *root, char **out)
{
	char *apps[16];
	size_t n = list(root, "", 0, out, MAX_FILES), napps = list(root, "", 1, apps, 16);

	for (size_t i = 0; i < napps; i++)
		n += list(root, apps[i], 0, out + n, MAX_FILES - n);
	list_free(apps, napps);
	qsort(out, n, sizeof *out, by_name);
	return n;
}

/* The path of the file picked by byte k, or 0 when the store has none. */
static int pick_file(const char *root, unsigned k, char *path, size_t len)
{
	char *files[MAX_FILES];
	size_t n = all_files(root, files);

	if (n == 0)
		return 0;
	snprintf(path, len, "%s/%s", root, files[k % n]);
	list_free(files, n);
	return 1;
}

/* The directory of the app picked by byte k. */
static int pick_app(const char *root, unsigned k, char *path, size_t len)
{
	char *apps[16];
	size_t n = list(root, "", 1, apps, 16);

	if (n == 0)
		return 0;
	snprintf(path, len, "%s/%s", root, apps[k % n]);
	list_free(apps, n);
	return 1;
}

/* ------------------------------------------------------------ state */

static int copy_valid(const unsigned char *c)
{
	/* LRSTATE2: an app with deployment records (format 3) */
	return (memcmp(c, "LRSTATE1", 8) == 0 || memcmp(c, "LRSTATE2", 8) == 0) &&
	       get_le(c + ST_CRC, 4) == crc32c(0, c, ST_CRC);
}

static void seal(unsigned char *c)
{
	put_le(c + ST_CRC, 4, crc32c(0, c, ST_CRC));
}

/* Which copy of a two-copy state is the newer valid one (0 when neither). */
static int newer_copy(const struct blob *b)
{
	int ok0 = b->len >= STATE_COPY && copy_valid(b->d);
	int ok1 = b->len >= 2 * STATE_COPY && copy_valid(b->d + STATE_COPY);

	if (ok0 && ok1)
		return get_le(b->d + STATE_COPY + ST_COUNTER, 8) > get_le(b->d + ST_COUNTER, 8);
	return ok1;
}

/* A generation number the newer state copy names (or 1). */
static uint64_t state_gen(const char *dir, int at)
{
	char path[4300];
	struct blob b;
	uint64_t g = 1;

	snprintf(path, sizeof path, "%s/state", dir);
	if (load(path, &b) == 0 && b.len >= 2 * STATE_COPY)
		g = get_le(b.d + newer_copy(&b) * STATE_COPY + at, 8);
	free(b.d);
	return g;
}

/* Whether byte off of the app's current log starts a record (its magic). */
static int record_starts_at(const char *dir, const unsigned char *copy, uint64_t off)
{
	char path[4400];
	unsigned char m[4];
	int fd, at = 0;

	snprintf(path, sizeof path, "%s/log.%llu", dir,
		 (unsigned long long)get_le(copy + ST_LOG_GEN, 8));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return 0;
	at = pread(fd, m, 4, (off_t)off) == 4 && is_rec_magic(get_le(m, 4));
	close(fd);
	return at;
}

/*
 * The state's META table (app record, active pointer, lease) is the one
 * thing the file store cannot check against anything but a scan of the whole
 * log: a copy forged to list fewer META records, or to point one at an
 * older record of the same key, passes for an older, consistent state. This
 * is a documented limit of the file store (lib/file/file.h, "Recovery
 * rules"), so the forgeries here stop short of it: META_N is never lowered,
 * and a META offset is never moved onto the start of another record. Every
 * other forgery of the table (garbage offsets, lengths, a larger count) is
 * still made, and must be caught.
 */
static int meta_forgery_out_of_scope(const char *dir, const unsigned char *c, int field,
				     uint64_t old, uint64_t v)
{
	if (field == FS_FIELD_META_N)
		return v < old;
	if (field == FS_FIELD_META_OFF)
		return v != old && record_starts_at(dir, c, v);
	return 0;
}

static void forge_copy(const char *dir, unsigned char *c, const unsigned char *other, int field,
		       int mode, uint64_t value)
{
	int at, width = 8;
	uint64_t v, old;

	switch (field) {
	case FS_FIELD_COUNTER: at = ST_COUNTER; break;
	case FS_FIELD_LOG_GEN: at = ST_LOG_GEN; break;
	case FS_FIELD_IDX_GEN: at = ST_IDX_GEN; break;
	case FS_FIELD_KEYS_GEN: at = ST_KEYS_GEN; break;
	case FS_FIELD_INDEXED_LEN: at = ST_INDEXED_LEN; break;
	case FS_FIELD_SYNCED_LEN: at = ST_SYNCED_LEN; break;
	case FS_FIELD_DEAD: at = ST_DEAD; break;
	case FS_FIELD_KEYS_CAP: at = ST_KEYS_CAP; break;
	case FS_FIELD_KEYS_USED: at = ST_KEYS_USED; break;
	case FS_FIELD_TOP_BLD: at = ST_TOP_BLD; break;
	case FS_FIELD_TOP_REL: at = ST_TOP_REL; break;
	case FS_FIELD_TOP_DEP: at = ST_TOP_DEP; break;
	case FS_FIELD_META_N: at = ST_META_N; width = 4; break;
	case FS_FIELD_META_OFF:
		at = ST_META + (int)(value >> 56) % ST_META_SLOTS * ST_META_SLOT + 72;
		value &= (UINT64_C(1) << 56) - 1;
		break;
	default: /* FS_FIELD_META_LEN */
		at = ST_META + (int)(value >> 56) % ST_META_SLOTS * ST_META_SLOT + 68;
		value &= (UINT64_C(1) << 56) - 1;
		width = 4;
		break;
	}
	old = v = get_le(c + at, width);
	switch (mode) {
	case FS_MODE_SET: v = value; break;
	case FS_MODE_ADD: v += (uint64_t)(int64_t)(int16_t)(value & 0xffff); break;
	case FS_MODE_FROM_OTHER: v = get_le(other + at, width); break;
	default: v ^= UINT64_C(1) << (value % (uint64_t)(8 * width)); break;
	}
	if (width == 4)
		v &= 0xffffffffu;
	if (meta_forgery_out_of_scope(dir, c, field, old, v))
		return;
	put_le(c + at, width, v);
	seal(c);
}

static void forge(const char *dir, const unsigned char *a)
{
	char path[4300];
	struct blob b;
	int newer, copy = a[0] % 3;

	snprintf(path, sizeof path, "%s/state", dir);
	if (load(path, &b) != 0 || b.len < 2 * STATE_COPY) {
		free(b.d);
		return;
	}
	newer = newer_copy(&b);
	for (int c = 0; c < 2; c++) {
		int is_newer = c == newer;

		/* A copy that earlier damage broke is left broken: sealing it
		 * would forge whatever that damage changed, the META table
		 * included (see meta_forgery_out_of_scope). */
		if (!copy_valid(b.d + c * STATE_COPY))
			continue;
		if (copy == FS_COPY_BOTH || (copy == FS_COPY_NEWER) == is_newer)
			forge_copy(dir, b.d + c * STATE_COPY, b.d + (1 - c) * STATE_COPY,
				   a[1] % FS_FIELDS, a[2] % FS_MODES, get_le(a + 3, 8));
	}
	save(path, &b);
	free(b.d);
}

static void reboot(const char *dir)
{
	char path[4300];
	struct blob b;

	snprintf(path, sizeof path, "%s/state", dir);
	if (load(path, &b) != 0 || b.len < 2 * STATE_COPY) {
		free(b.d);
		return;
	}
	for (int c = 0; c < 2; c++) {
		unsigned char *p = b.d + c * STATE_COPY;

		/* A reboot leaves a damaged copy damaged: re-sealing it would
		 * forge it, which is FORGE's business. */
		if (!copy_valid(p))
			continue;
		memset(p + ST_BOOT_ID, 0, 40);
		memcpy(p + ST_BOOT_ID, "fuzz-another-boot", 17);
		seal(p);
	}
	save(path, &b);
	free(b.d);
}

/* ------------------------------------------------------------ structured */

/* Offsets of the records of a log (from its header on), up to max. */
static size_t log_records(const struct blob *b, uint64_t *off, size_t max)
{
	size_t n = 0;
	uint64_t p = LOG_HDR;

	while (n < max && p + REC_HDR <= b->len) {
		uint64_t len = REC_HDR + (uint64_t)b->d[p + 10] + get_le(b->d + p + 12, 4);

		off[n++] = p;
		if (!is_rec_magic(get_le(b->d + p, 4)) || p + len > b->len)
			break;
		p += len;
	}
	return n;
}

static void gen_path(char *path, size_t len, const char *dir, const char *base, int at)
{
	snprintf(path, len, "%s/%s.%llu", dir, base, (unsigned long long)state_gen(dir, at));
}

static void zero_entry(const char *dir, const unsigned char *a)
{
	char path[4400];
	struct blob b;
	size_t n;

	static const char *const names[] = {"bld", "rel", "dep"};

	gen_path(path, sizeof path, dir, names[a[0] % 3], ST_IDX_GEN);
	if (load(path, &b) != 0 || b.len < IDX_HDR + IDX_ENT) {
		free(b.d);
		return;
	}
	n = (b.len - IDX_HDR) / IDX_ENT;
	memset(b.d + IDX_HDR + (a[1] ? (a[1] - 1u) % n : n - 1) * IDX_ENT, 0, IDX_ENT);
	save(path, &b);
	free(b.d);
}

static void zero_slot(const char *dir, const unsigned char *a)
{
	char path[4400];
	struct blob b;
	size_t used = 0, want;

	gen_path(path, sizeof path, dir, "keys", ST_KEYS_GEN);
	if (load(path, &b) != 0 || b.len < IDX_HDR + KEY_SLOT) {
		free(b.d);
		return;
	}
	for (size_t p = IDX_HDR; p + KEY_SLOT <= b.len; p += KEY_SLOT)
		used += get_le(b.d + p, 8) || get_le(b.d + p + 8, 8);
	want = used ? get_le(a, 2) % used : 0;
	for (size_t p = IDX_HDR; used && p + KEY_SLOT <= b.len; p += KEY_SLOT) {
		if (!get_le(b.d + p, 8) && !get_le(b.d + p + 8, 8))
			continue;
		if (want-- == 0) {
			memset(b.d + p, 0, KEY_SLOT);
			break;
		}
	}
	save(path, &b);
	free(b.d);
}

static void log_op(const char *dir, const unsigned char *a, int cut)
{
	char path[4400];
	struct blob b;
	uint64_t off[4096];
	size_t n;

	gen_path(path, sizeof path, dir, "log", ST_LOG_GEN);
	if (load(path, &b) != 0) {
		free(b.d);
		return;
	}
	n = log_records(&b, off, sizeof off / sizeof *off);
	/* Counted from the end: the newest records matter most. */
	if (cut) {
		/* back 0: the end; back k: the start of the k-th record from the
		 * end; moved by delta */
		size_t back = a[0] % (n + 1);
		int64_t at = (int64_t)(back ? off[n - back] : b.len) + (int8_t)a[1];

		if (at >= 0 && (uint64_t)at < b.len)
			b.len = (size_t)at;
	} else if (n > 0) {
		size_t k = n - 1 - a[0] % n;
		uint64_t r = off[k], end = k + 1 < n ? off[k + 1] : b.len;
		uint64_t at = r + get_le(a + 1, 2) % (end - r);

		b.d[at] ^= (unsigned char)(1u << (a[3] % 8));
	}
	save(path, &b);
	free(b.d);
}

/* ------------------------------------------------------------ blind */

static void blind(const char *root, int op, const unsigned char *a)
{
	char path[4300], other[4300];
	struct blob b, c;

	if (!pick_file(root, a[0], path, sizeof path) || load(path, &b) != 0)
		return;
	fz_trace("damage: file %s (%zu bytes)", path + strlen(root) + 1, b.len);
	switch (op) {
	case FS_OP_FLIP:
		if (b.len)
			b.d[get_le(a + 1, 4) % b.len] ^= (unsigned char)(1u << (a[5] % 8));
		break;
	case FS_OP_TRUNCATE:
		b.len = (size_t)(get_le(a + 1, 4) % (b.len + 1));
		break;
	case FS_OP_ZERO:
		if (b.len) {
			size_t at = get_le(a + 1, 4) % b.len, n = get_le(a + 5, 2);

			memset(b.d + at, 0, n < b.len - at ? n : b.len - at);
		}
		break;
	case FS_OP_WRITE:
		if (b.len) {
			size_t at = get_le(a + 1, 4) % b.len, n = a[5] % 17;

			memcpy(b.d + at, a + 6, n < b.len - at ? n : b.len - at);
		}
		break;
	case FS_OP_EXTEND: {
		size_t n = get_le(a + 1, 2) % 4096;
		unsigned char *d = realloc(b.d, b.len + n + 1);

		if (!d)
			fz_finding("out of memory");
		b.d = d;
		memset(b.d + b.len, a[3], n);
		b.len += n;
		break;
	}
	case FS_OP_UNLINK:
		unlink(path);
		free(b.d);
		return;
	default: /* FS_OP_SWAP, FS_OP_COPY */
		if (!pick_file(root, a[1], other, sizeof other) || strcmp(path, other) == 0 ||
		    load(other, &c) != 0) {
			free(b.d);
			return;
		}
		fz_trace("damage: %s %s -> %s", op == FS_OP_SWAP ? "swap" : "copy",
			 path + strlen(root) + 1, other + strlen(root) + 1);
		save(other, &b);
		if (op == FS_OP_SWAP)
			save(path, &c);
		free(c.d);
		free(b.d);
		return;
	}
	save(path, &b);
	free(b.d);
}

size_t fs_damage(const char *root, const unsigned char *data, size_t size)
{
	size_t used = 0;

	for (int i = 0; i < FS_MAX_OPS && used < size; i++) {
		int op = data[used++] % FS_OPS;
		unsigned char a[FS_OP_ARGS_MAX] = {0};
		size_t n = fs_op_size(op), take = size - used < n ? size - used : n;
		char dir[4300];

		memcpy(a, data + used, take);
		used += take;
		fz_trace("damage: op %d args %02x %02x %02x %02x", op, a[0], a[1], a[2], a[3]);
		switch (op) {
		case FS_OP_FORGE:
			if (pick_app(root, a[0], dir, sizeof dir))
				forge(dir, a + 1);
			break;
		case FS_OP_ZERO_ENTRY:
			if (pick_app(root, a[0], dir, sizeof dir))
				zero_entry(dir, a + 1);
			break;
		case FS_OP_ZERO_SLOT:
			if (pick_app(root, a[0], dir, sizeof dir))
				zero_slot(dir, a + 1);
			break;
		case FS_OP_CUT_LOG:
		case FS_OP_FLIP_REC:
			if (pick_app(root, a[0], dir, sizeof dir))
				log_op(dir, a + 1, op == FS_OP_CUT_LOG);
			break;
		case FS_OP_REBOOT:
			if (pick_app(root, a[0], dir, sizeof dir))
				reboot(dir);
			break;
		default:
			blind(root, op, a);
			break;
		}
	}
	return used;
}

void fs_reboot(const char *root)
{
	char *apps[16], dir[4300];
	size_t n = list(root, "", 1, apps, 16);

	for (size_t i = 0; i < n; i++) {
		snprintf(dir, sizeof dir, "%s/%s", root, apps[i]);
		reboot(dir);
	}
	list_free(apps, n);
}

int fs_app_evidence(const char *root, const char *app)
{
	char path[4300], *files[MAX_FILES];
	struct blob b;
	int found = 0;
	size_t n;

	snprintf(path, sizeof path, "%s/%s/state", root, app);
	if (load(path, &b) == 0)
		found = (b.len >= STATE_COPY && copy_valid(b.d)) ||
			(b.len >= 2 * STATE_COPY && copy_valid(b.d + STATE_COPY));
	free(b.d);
	n = list(root, app, 0, files, MAX_FILES);
	for (size_t i = 0; i < n && !found; i++) {
		struct stat st;

		snprintf(path, sizeof path, "%s/%s", root, files[i]);
		found = strncmp(files[i] + strlen(app) + 1, "log.", 4) == 0 && stat(path, &st) == 0 &&
			st.st_size > LOG_HDR;
	}
	list_free(files, n);
	return found;
}
