/* Seeds for fuzz-file-store: each history undamaged, and a few damage
 * programs on each, one or two operations that reach each kind of file. */
#include "fs.h"
#include "seeds.h"

#include <stdio.h>
#include <string.h>

/* The index of path among the template's regular files (as fs_damage.c
 * numbers them), or 0. */
static unsigned char file_index(const struct fs_template *t, const char *path)
{
	unsigned char n = 0;

	if (!t)
		return 0;
	for (size_t i = 0; i < t->tree.n; i++) {
		if (t->tree.f[i].is_dir)
			continue;
		if (strcmp(t->tree.f[i].path, path) == 0)
			return n;
		n++;
	}
	return 0;
}

/* 1 when a program has an operation that names a file by its number. */
static int names_file(const unsigned char *ops, size_t len)
{
	for (size_t i = 0; i < len; i += 1 + fs_op_size(ops[i])) {
		switch (ops[i]) {
		case FS_OP_FLIP: case FS_OP_TRUNCATE: case FS_OP_ZERO: case FS_OP_SWAP:
		case FS_OP_WRITE: case FS_OP_UNLINK: case FS_OP_EXTEND: case FS_OP_COPY:
			return 1;
		default:
			break;
		}
	}
	return 0;
}

struct program {
	const char *name;
	unsigned char flags;
	unsigned char ops[64];
	size_t len;
};

void file_store_seeds(const char *dir)
{
	static const char *const first_app[FS_VARIANTS] = {"api", "big", "big", "long", "kept"};

	for (int v = 0; v < FS_VARIANTS; v++) {
		/* the pruned history fails while compaction after a prune or an
		 * app delete does: its seeds name no file by number */
		const struct fs_template *t = v == FS_V_PRUNED ? NULL : fs_template(v);
		char state[96], rel[96], bld[96], dep[96], keys[96], other_state[96], log[96];
		unsigned char fs, fr, fb, fd, fk, fo, fl;
		int n = 0;

		snprintf(state, sizeof state, "%s/state", first_app[v]);
		snprintf(rel, sizeof rel, "%s/rel.%d", first_app[v], v == FS_V_COMPACTED ? 2 : 1);
		snprintf(bld, sizeof bld, "%s/bld.%d", first_app[v], v == FS_V_COMPACTED ? 2 : 1);
		snprintf(dep, sizeof dep, "%s/dep.%d", first_app[v], v == FS_V_COMPACTED ? 2 : 1);
		snprintf(keys, sizeof keys, "%s/keys.1", first_app[v]);
		snprintf(log, sizeof log, "%s/log.%d", first_app[v], v == FS_V_COMPACTED ? 2 : 1);
		snprintf(other_state, sizeof other_state, "%s/state",
			 v == FS_V_BASIC ? "web" : v == FS_V_LONG ? "long" :
			 v == FS_V_PRUNED ? "pruned" : "small");
		fs = file_index(t, state);
		fr = file_index(t, rel);
		fb = file_index(t, bld);
		fd = file_index(t, dep);
		fk = file_index(t, keys);
		fo = file_index(t, other_state);
		fl = file_index(t, log);
		{
			const struct program programs[] = {
				{"none", 0, {0}, 0},
				{"none-promote-unset", FS_F_PROMOTE | FS_F_UNSET | FS_F_PROBE_APP, {0}, 0},
				{"flip-record", FS_F_PROMOTE, {FS_OP_FLIP_REC, 0, 3, 30, 0, 2}, 6},
				{"cut-log-last", FS_F_REBOOT, {FS_OP_CUT_LOG, 0, 3, 0}, 4},
				{"cut-log-inside", FS_F_PROMOTE | FS_F_REBOOT, {FS_OP_CUT_LOG, 0, 2, 30}, 4},
				{"zero-rel-last", 0, {FS_OP_ZERO_ENTRY, 0, 1, 0}, 4},
				{"zero-rel-first", FS_F_PROBE_APP, {FS_OP_ZERO_ENTRY, 0, 1, 1}, 4},
				{"zero-bld", 0, {FS_OP_ZERO_ENTRY, 0, 0, 1}, 4},
				{"zero-dep-last", FS_F_PROMOTE, {FS_OP_ZERO_ENTRY, 0, 2, 0}, 4},
				{"zero-dep-first", 0, {FS_OP_ZERO_ENTRY, 0, 2, 1}, 4},
				{"zero-slot", FS_F_PROMOTE, {FS_OP_ZERO_SLOT, 0, 3, 0}, 4},
				{"forge-top-rel", 0,
				 {FS_OP_FORGE, 0, FS_COPY_BOTH, FS_FIELD_TOP_REL, FS_MODE_ADD, 0xff, 0xff}, 13},
				{"forge-top-dep", FS_F_PROMOTE,
				 {FS_OP_FORGE, 0, FS_COPY_BOTH, FS_FIELD_TOP_DEP, FS_MODE_ADD, 0xff, 0xff}, 13},
				{"forge-indexed-len", 0,
				 {FS_OP_FORGE, 0, FS_COPY_NEWER, FS_FIELD_INDEXED_LEN, FS_MODE_ADD, 0xe8, 0xff},
				 13},
				{"forge-synced-reboot", 0,
				 {FS_OP_FORGE, 0, FS_COPY_BOTH, FS_FIELD_SYNCED_LEN, FS_MODE_SET, 64,
				  0, 0, 0, 0, 0, 0, 0, FS_OP_REBOOT, 0}, 15},
				{"forge-counter", 0,
				 {FS_OP_FORGE, 0, FS_COPY_OLDER, FS_FIELD_COUNTER, FS_MODE_ADD, 2}, 13},
				{"reboot", FS_F_NO_FIRST, {FS_OP_REBOOT, 0}, 2},
				{"swap-rel-bld", 0, {FS_OP_SWAP, fr, fb}, 3},
				{"swap-dep-rel", 0, {FS_OP_SWAP, fd, fr}, 3},
				{"truncate-rel", 0, {FS_OP_TRUNCATE, fr, 64}, 6},
				{"truncate-dep", FS_F_PROMOTE, {FS_OP_TRUNCATE, fd, 64}, 6},
				{"zero-keys", 0, {FS_OP_ZERO, fk, 64, 0, 0, 0, 0, 0x10}, 8},
				{"unlink-keys", 0, {FS_OP_UNLINK, fk}, 2},
				{"copy-state", 0, {FS_OP_COPY, fo, fs}, 3},
				{"flip-state", 0, {FS_OP_FLIP, fs, 40, 0, 0, 0, 1}, 7},
				{"extend-log", 0, {FS_OP_CUT_LOG, 0, 1, 0, FS_OP_EXTEND, fl, 100, 0, 0}, 9},
			};

			for (size_t i = 0; i < sizeof programs / sizeof *programs; i++) {
				unsigned char in[80] = {(unsigned char)v, programs[i].flags};
				char name[96];

				if (!t && names_file(programs[i].ops, programs[i].len))
					continue;
				memcpy(in + 2, programs[i].ops, programs[i].len);
				snprintf(name, sizeof name, "seed-%d-%02d-%s", v, n++, programs[i].name);
				seed_write(dir, "file-store", name, in, 2 + programs[i].len);
			}
		}
	}
}
