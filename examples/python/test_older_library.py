"""The binding on a library older than 1.3, run by `meson test --suite python`.

Loaded with a 1.2 library (LIBRELEASE_PATH naming one), the tests use it
as it is. Loaded with a newer one, as meson does, they hide what 1.3 added:
its functions are not found, the version says 1.2.0, and
release_build_opts_init_sized records the size of 1.2's struct, as a 1.2
library does. Either way every call 1.2 has must work, and each call that
needs 1.3 must raise LibraryTooOld naming it, before anything is written.

Run by hand on a real 1.2 library:
    LIBRELEASE_PATH=/path/to/librelease.so.1.2.0 \
    PYTHONPATH=examples/python python3 examples/python/test_older_library.py -v
"""

import unittest

import librelease
from librelease import DeployFailed, LibraryTooOld, Unsupported
from test_librelease import APP, Case, FakeClock


class Older:
    """A 1.3 library seen as 1.2."""

    def __init__(self, lib):
        self._real = lib
        self._name = lib._name

    def __getattr__(self, name):
        if name in librelease._NEWER_FUNCTIONS:
            raise AttributeError(name)
        if name == "release_version_string":
            return lambda: b"1.2.0"
        if name == "release_build_opts_init_sized":
            init, known = self._real.release_build_opts_init_sized, librelease._BuildOpts.log.offset
            return lambda opts, size: init(opts, min(size, known))
        return getattr(self._real, name)


def _older_than_1_3(text):
    return tuple(int(x) for x in text.split(".")[:2]) < (1, 3)


class OlderLibrary(Case):
    """An app with a promoted release and an unpromoted env change."""

    def setUp(self):
        super().setUp()
        lib = librelease.load()
        if not _older_than_1_3(librelease.version()):
            librelease._c._lib = Older(lib)
            self.addCleanup(setattr, librelease._c, "_lib", lib)
        self.assertEqual(librelease.version()[:4], "1.2.")
        self.store = self.open("memory:", clock=FakeClock())
        self.build, self.first = self.seed_app(self.store)
        self.second = self.store.env_set(APP, {"FOO": "bar"})

    def state(self):
        return (self.store.apps(), list(self.store.releases(APP)),
                list(self.store.builds(APP)))

    def assertTooOld(self, call, *args, **kwargs):
        """call raises LibraryTooOld for 1.3 and the store is unchanged."""
        before = self.state()
        with self.assertRaises(LibraryTooOld) as cm:
            call(*args, **kwargs)
        self.assertEqual(cm.exception.required, "1.3")
        self.assertEqual(self.state(), before, "a refused call wrote to the store")
        return cm.exception

    # -- what 1.2 has works

    def test_the_calls_of_1_2_work(self):
        self.store.promote(APP, self.second)
        back = self.store.rollback(APP)
        self.assertEqual(back.source, self.first.id)
        self.assertEqual(self.store.get_active(APP), back)
        self.assertEqual([r.version for r in self.store.releases(APP)], [3, 2, 1])
        self.assertEqual(self.store.prune(APP, 0), 1)  # v1: neither active nor previous

    def test_a_build_without_a_log_is_created(self):
        build = self.store.create_build(APP, "b", manifest="m")
        self.assertEqual(self.store.build(APP, build.id).manifest, "m")

    def test_a_builds_log_is_none_as_the_library_cannot_tell(self):
        self.assertIsNone(self.store.build(APP, self.build.id).log)
        self.assertEqual([b.log for b in self.store.builds(APP)], [None])

    def test_a_failed_rollback_raises_without_its_copy(self):
        self.store.promote(APP, self.second)
        with self.assertRaises(DeployFailed) as cm:
            self.store.rollback(APP, self.first, deploy=lambda r, emit: False)
        self.assertIsNone(cm.exception.copy)
        newest = next(iter(self.store.releases(APP, limit=1)))
        self.assertIn(newest.id, str(cm.exception))

    # -- what 1.3 added is refused, naming it

    def test_too_old_is_unsupported_and_says_what_is_needed(self):
        err = self.assertTooOld(self.store.create_from, APP)
        self.assertIsInstance(err, Unsupported)
        self.assertEqual((err.code, err.name), (-12, "RELEASE_EUNSUPPORTED"))
        self.assertEqual((err.function, err.loaded[:4]), ("release_create_from", "1.2."))
        self.assertIn("release_create_from needs librelease 1.3 or later", str(err))

    def test_change_env_is_too_old(self):
        self.assertTooOld(self.store.change_env, APP, set={"A": "1"}, base=self.first)

    def test_settings_is_too_old(self):
        self.assertTooOld(self.store.settings, APP)

    def test_update_settings_is_too_old(self):
        self.assertTooOld(self.store.update_settings, APP, mask_add="A")

    def test_a_build_created_with_a_log_is_too_old(self):
        err = self.assertTooOld(self.store.create_build, APP, "b", log=b"step 1\n")
        self.assertEqual(err.function, "release_build_opts.log")

    def test_append_build_log_is_too_old(self):
        running = self.store.create_build(APP, "b", status="running")
        self.assertTooOld(self.store.append_build_log, APP, running, b"x")

    def test_complete_build_is_too_old(self):
        running = self.store.create_build(APP, "b", status="running")
        self.assertTooOld(self.store.complete_build, APP, running)

    def test_export_build_is_too_old(self):
        self.assertTooOld(self.store.export_build, APP, self.build)

    def test_import_build_is_too_old(self):
        self.assertTooOld(self.store.import_build, APP, b"LRBX\1")


if __name__ == "__main__":
    unittest.main(verbosity=2)
