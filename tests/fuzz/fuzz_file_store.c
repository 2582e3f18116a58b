/*
 * fuzz-file-store: a real file store, damaged. Each input picks one of a
 * few histories (fs_history.c; written once per process through the public
 * API, in a temporary directory), gets a fresh copy of its files, damages
 * them (fs_damage.c: flips, cuts, zeroed ranges, swapped and copied files,
 * forged state copies with valid checksums), then opens the store and reads
 * everything, writes, reopens (after a simulated reboot, if the input says
 * so), reads and writes again (fs_oracle.c).
 *
 * Findings: a crash or sanitizer report, a result that is not 0 or a
 * RELEASE_E* code, and any acknowledged record that silently disappears or
 * changes, or a version given twice (fs_oracle.c says exactly what counts).
 */
#include "fs.h"

#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fs_template *t;
	struct fz_clock clock;
	struct fz_random rnd = {0x5eed};
	struct fs_run run;
	release_store *s;
	char root[4200];
	int rc;

	if (size < 2)
		return 0;
	t = fs_template(data[0] % FS_VARIANTS);
	snprintf(root, sizeof root, "%s/store", fz_temp_root());
	fs_tree_store(&t->tree, root);
	fs_damage(root, data + 2, size - 2);

	memset(&run, 0, sizeof run);
	fs_model_copy(&run.model, &t->model);
	run.root = root;
	run.flags = data[1];
	run.clock = &clock;
	for (size_t i = 0; i < run.model.napp; i++)
		run.evidence[i] = fs_app_evidence(root, run.model.app[i].name);
	clock.now = t->next_time;
	clock.step = 1000000000;

	rc = fz_rc(fs_open(root, &clock, &rnd, &s), "release_store_open");
	fz_trace("open: %s (%s)", release_strerror(rc), release_store_errmsg(NULL));
	if (rc == 0) {
		fs_check(&run, s, "after the damage");
		if (!(run.flags & FS_F_NO_FIRST)) {
			fs_probe(&run, s, 0);
			fs_check(&run, s, "after a write");
		}
		release_store_close(s);
		if (run.flags & FS_F_REBOOT)
			fs_reboot(root);
		rc = fz_rc(fs_open(root, &clock, &rnd, &s), "release_store_open");
		if (rc != 0)
			fz_trace("reopen: %s (%s)", release_strerror(rc), release_store_errmsg(NULL));
	}
	if (rc == 0) {
		fs_check(&run, s, "after a reopen");
		fs_probe(&run, s, (run.flags & FS_F_UNSET) != 0);
		fs_check(&run, s, "after a reopen and a write");
		release_store_close(s);
	}
	fs_model_free(&run.model);
	fz_rm_rf(root);
	return 0;
}
