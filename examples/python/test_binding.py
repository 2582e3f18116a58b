"""The binding's own machinery, run by `meson test --suite python`: an
injected clock and random source, the library's version, the C
declarations and option structs, loading.

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    PYTHONPATH=examples/python python3 examples/python/test_binding.py -v
"""

import ctypes
import datetime
import os
import unittest

import librelease
from librelease import StorageIOError, Store
from test_librelease import APP, START_NS, UTC, Case, FakeClock, seeded


class Determinism(Case):
    def story(self, clock, rand):
        with Store("memory:", clock=clock, random=rand) as store:
            build, first = self.seed_app(store)
            second = store.env_set(APP, {"FOO": "bar"})
            store.promote(APP, second)
            back = store.rollback(APP)
            return [(r.id, r.created_ns, r.promoted_ns) for r in store.releases(APP)] + [
                (build.id, build.started_ns, build.ended_ns)]

    def test_injected_clock_and_random_give_the_same_history(self):
        one = self.story(FakeClock(), seeded(7))
        two = self.story(FakeClock(), seeded(7).randbytes)
        three = self.story(FakeClock(), seeded(8))
        self.assertEqual(one, two)
        self.assertNotEqual([x[0] for x in one], [x[0] for x in three])
        self.assertEqual([x[1] for x in one], [x[1] for x in three])
        self.assertTrue(all(START_NS < x[1] < START_NS + 10**9 for x in one))

    def test_times(self):
        clock = FakeClock()
        store = self.open(clock=clock)
        app = store.create_app(APP)
        self.assertEqual(app.created_ns, clock.now)
        self.assertEqual(app.created, datetime.datetime(2019, 1, 1, 0, 0, 0, 1000, tzinfo=UTC))

    def test_clock_returning_datetime(self):
        when = datetime.datetime(2020, 2, 29, 12, 0, 0, 123456, tzinfo=UTC)
        store = self.open(clock=lambda: when)
        self.assertEqual(store.create_app(APP).created, when)

    def test_failing_random_source(self):
        store = self.open(random=lambda n: b"short")
        with self.assertRaises(StorageIOError) as cm:
            store.create_app(APP)
            store.create_build(APP)
        self.assertIsInstance(cm.exception.__cause__, ValueError)

    def test_failing_clock(self):
        def clock():
            raise RuntimeError("no time")

        store = self.open(clock=clock)
        with self.assertRaises(RuntimeError):
            store.create_app(APP)


class Binding(Case):
    def test_version_is_the_loaded_librarys(self):
        # meson passes the project's version; by hand, any x.y.z will do.
        expected = os.environ.get("LIBRELEASE_EXPECTED_VERSION")
        if expected:
            self.assertEqual(librelease.version(), expected)
        else:
            self.assertRegex(librelease.version(), r"^\d+\.\d+\.\d+$")

    def test_option_structs_mirror_the_library(self):
        # Offered more room than it knows, the library records its own
        # struct's size: it must be ours, for each struct as grown by the
        # version loaded. (A library older than a struct's last growth
        # records a smaller size: test_older_library.py is for that one.)
        lib = librelease.load()
        loaded = _version()
        since = librelease._c._optional
        checked = 0
        for struct, init, grown in (
                (librelease._StoreOpts, lib.release_store_opts_init_sized, (1, 4)),
                (librelease._BuildOpts, lib.release_build_opts_init_sized, (1, 3)),
                (librelease._ListOpts, lib.release_list_opts_init_sized, (1, 0)),
                (librelease._PromoteOpts, lib.release_promote_opts_init_sized, (1, 0)),
                (librelease._CreateOpts, since(lib, "release_create_opts_init_sized"), (1, 3)),
                (librelease._EnvOpts, since(lib, "release_env_opts_init_sized"), (1, 3)),
                (librelease._SettingsOpts, since(lib, "release_settings_opts_init_sized"),
                 (1, 3)),
                (librelease._CopyOpts, since(lib, "release_copy_opts_init_sized"), (1, 4))):
            if loaded < grown:
                continue
            buf = (ctypes.c_ubyte * (ctypes.sizeof(struct) + 64))()
            opts = struct.from_buffer(buf)
            init(ctypes.byref(opts), len(buf))
            self.assertEqual(opts.size, ctypes.sizeof(struct), struct.__name__)
            checked += 1
        if not checked:
            self.skipTest("librelease %s is older than these structs" % librelease.version())

    def test_every_function_is_declared(self):
        lib = librelease.load()
        for name in librelease._FUNCTIONS:
            self.assertIsNotNone(getattr(lib, name).argtypes, name)

    def test_the_newer_functions_are_there_from_their_version_on(self):
        lib = librelease.load()
        loaded = _version()
        for name, (_, _, since) in librelease._NEWER_FUNCTIONS.items():
            self.assertIn(since, ("1.3", "1.4"), name)
            found = librelease._c._optional(lib, name)
            if loaded >= _version(since):
                self.assertIsNotNone(found, name)
            else:
                self.assertIsNone(found, name)

    def test_load_refuses_a_second_library(self):
        librelease.load()
        with self.assertRaises(RuntimeError):
            librelease.load("/nonexistent/librelease.so.1")


def _version(text=None):
    """A version ("1.4.0"; None: the loaded library's) as (major, minor)."""
    text = librelease.version() if text is None else text
    return tuple(int(x) for x in text.split(".")[:2])


if __name__ == "__main__":
    unittest.main(verbosity=2)
