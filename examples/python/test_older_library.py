"""The binding on a library older than 1.3, on one older than 1.4, and on
one older than 1.5, run by `meson test --suite python`.

Loaded with a library of the version a test class is about (LIBRELEASE_PATH
naming one), the tests use it as it is. Loaded with a newer one, as meson
does, they hide what came after: those functions are not found, the
version says 1.2.0 (or 1.3.0, 1.4.0), the _init_sized functions of the
structs that grew since record the older size, and release_promote
refuses the flags added since (RELEASE_EINVAL), as the older library does.
Either way every call the older version has must work, and each call that
needs a later one must raise LibraryTooOld naming it, before anything is
written. Loaded with a library older than a class's version, that class
is skipped.

Run by hand on a real 1.2 (or 1.3, 1.4) library:
    LIBRELEASE_PATH=/path/to/librelease.so.1.2.0 \
    PYTHONPATH=examples/python python3 examples/python/test_older_library.py -v
"""

import unittest

import librelease
from librelease import DeployFailed, LibraryTooOld, Unsupported
from test_librelease import APP, Case, FakeClock


def _version(text):
    return tuple(int(x) for x in text.split(".")[:2])


# The fields each struct grew by, and the version that added them: a
# library older than that records a size that ends before the field.
_GROWN = {
    "release_build_opts_init_sized": (librelease._BuildOpts.log.offset, (1, 3)),
    "release_store_opts_init_sized": (librelease._StoreOpts.actor.offset, (1, 4)),
}

# The promotion flags each version knows: an older library refuses a bit
# it does not know with RELEASE_EINVAL, and does nothing else.
_PROMOTE_FLAGS = {
    (1, 2): librelease.RELEASE_PROMOTE_FORCE,
    (1, 5): librelease.RELEASE_PROMOTE_FORCE | librelease.RELEASE_PROMOTE_IF_PENDING,
}


class Older:
    """A newer library seen as version (e.g. "1.2")."""

    def __init__(self, lib, version):
        self._real = lib
        self._name = lib._name
        self._version = _version(version)
        self._version_string = (version + ".0").encode()

    def __getattr__(self, name):
        newer = librelease._NEWER_FUNCTIONS.get(name)
        if newer is not None and _version(newer[2]) > self._version:
            raise AttributeError(name)
        if name == "release_version_string":
            return lambda: self._version_string
        if name == "release_promote":
            return self._promote
        grown = _GROWN.get(name)
        if grown is not None and grown[1] > self._version:
            init, known = getattr(self._real, name), grown[0]
            return lambda opts, size: init(opts, min(size, known))
        return getattr(self._real, name)

    def _promote(self, store, app, release_id, opts):
        known = max(v for v in _PROMOTE_FLAGS if v <= self._version)
        if opts is not None and opts._obj.flags & ~_PROMOTE_FLAGS[known]:
            return librelease.RELEASE_EINVAL
        return self._real.release_promote(store, app, release_id, opts)


class OlderCase(Case):
    """The library seen as VERSION: as it is when that is its version;
    skipped when it is older."""

    VERSION = None

    def setUp(self):
        super().setUp()
        lib = librelease.load()
        loaded = _version(librelease.version())
        if loaded < _version(self.VERSION):
            self.skipTest("librelease %s is older than %s" % (librelease.version(),
                                                               self.VERSION))
        if loaded > _version(self.VERSION):
            librelease._c._lib = Older(lib, self.VERSION)
            self.addCleanup(setattr, librelease._c, "_lib", lib)
        self.assertEqual(librelease.version()[:4], self.VERSION + ".")


class OlderLibrary(OlderCase):
    """A library older than 1.3: an app with a promoted release and an
    unpromoted env change."""

    VERSION = "1.2"

    def setUp(self):
        super().setUp()
        self.store = self.open("memory:", clock=FakeClock())
        self.build, self.first = self.seed_app(self.store)
        self.second = self.store.env_set(APP, {"FOO": "bar"})

    def state(self):
        return (self.store.apps(), list(self.store.releases(APP)),
                list(self.store.builds(APP)))

    def assertTooOld(self, call, *args, required="1.3", **kwargs):
        """call raises LibraryTooOld for required and the store is unchanged."""
        before = self.state()
        with self.assertRaises(LibraryTooOld) as cm:
            call(*args, **kwargs)
        self.assertEqual(cm.exception.required, required)
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

    # -- and so is what 1.4 added

    def test_the_calls_of_1_4_are_too_old(self):
        self.assertTooOld(lambda: self.store.actor, required="1.4")
        self.assertTooOld(self.store.deployments, APP, required="1.4")
        self.assertTooOld(self.store.diff, APP, required="1.4")
        self.assertTooOld(self.store.watch, APP, required="1.4")

    def test_records_have_no_actor(self):
        self.assertIsNone(self.first.actor)
        self.assertIsNone(self.store.build(APP, self.build.id).actor)


class OlderThan14(OlderCase):
    """A library older than 1.4, with the calls of 1.3: an app with a
    promoted release (env A=1) and an unpromoted env change (A=2)."""

    VERSION = "1.3"

    def setUp(self):
        super().setUp()
        self.store = self.open("memory:", clock=FakeClock())
        self.build, self.first = self.seed_app(self.store)
        self.store.update_settings(APP, mask_add="A")
        self.second = self.store.env_set(APP, {"A": "2"})

    def state(self):
        return (self.store.apps(), list(self.store.releases(APP)),
                list(self.store.builds(APP)), self.store.settings(APP))

    def assertTooOld(self, call, *args, **kwargs):
        """call raises LibraryTooOld for 1.4 and the store is unchanged."""
        before = self.state()
        with self.assertRaises(LibraryTooOld) as cm:
            call(*args, **kwargs)
        self.assertEqual(cm.exception.required, "1.4")
        self.assertEqual(self.state(), before, "a refused call wrote to the store")
        return cm.exception

    # -- what 1.3 has works

    def test_the_calls_of_1_3_work(self):
        self.store.promote(APP, self.second)
        made = self.store.create_from(APP, build_from=self.first, env_from=self.second)
        self.assertEqual(made.env, {"A": "2"})
        back = self.store.rollback(APP, self.first)
        self.assertEqual(back.source, self.first.id)
        self.assertEqual(self.store.settings(APP).mask, ("A",))

    def test_records_have_no_actor(self):
        self.assertIsNone(self.second.actor)
        self.assertEqual([r.actor for r in self.store.releases(APP)], [None, None])
        self.assertIsNone(self.store.build(APP, self.build.id).actor)

    # -- what 1.4 added is refused, naming it

    def test_a_store_opened_with_an_actor_is_too_old(self):
        with self.assertRaises(LibraryTooOld) as cm:
            librelease.Store("memory:", actor="alice")
        self.assertEqual((cm.exception.function, cm.exception.required),
                         ("release_store_opts.actor", "1.4"))
        self.assertIn("needs librelease 1.4 or later", str(cm.exception))

    def test_reading_the_actor_is_too_old(self):
        err = self.assertTooOld(lambda: self.store.actor)
        self.assertEqual(err.function, "release_store_actor")

    def test_setting_the_actor_is_too_old(self):
        def set_actor():
            self.store.actor = "alice"
        err = self.assertTooOld(set_actor)
        self.assertEqual(err.function, "release_store_set_actor")

    def test_deployments_is_too_old(self):
        self.assertTooOld(self.store.deployments, APP)

    def test_deployment_at_is_too_old(self):
        self.assertTooOld(self.store.deployment_at, APP, 0)

    def test_diff_is_too_old(self):
        self.assertTooOld(self.store.diff, APP, self.first, self.second)

    def test_watch_is_too_old(self):
        self.assertTooOld(self.store.watch, APP)

    def test_copy_store_is_too_old(self):
        other = self.open("memory:")
        self.assertTooOld(librelease.copy_store, self.store, other)
        self.assertEqual(other.apps(), [])


class OlderThan15(OlderCase):
    """A library older than 1.5, with the calls of 1.4: release 1 promoted
    (the seed), release 2 (FOO=bar) pending."""

    VERSION = "1.4"

    def setUp(self):
        super().setUp()
        self.store = self.open("memory:", clock=FakeClock())
        self.build, self.first = self.seed_app(self.store)
        self.second = self.store.env_set(APP, {"FOO": "bar"})
        self.deployed = []

    def deploy(self, release, emit):
        self.deployed.append(release.id)

    def state(self):
        return (self.store.app(APP), list(self.store.releases(APP)),
                list(self.store.deployments(APP)))

    def test_the_calls_of_1_4_work(self):
        self.store.promote(APP, self.second, deploy=self.deploy, force=True)
        self.assertEqual(self.deployed, [self.second.id])
        self.assertEqual([d.to_id for d in self.store.deployments(APP)],
                         [self.second.id, self.first.id])
        self.assertEqual(self.store.diff(APP).env[0].key, "FOO")

    def test_promote_if_pending_is_too_old_before_anything_is_done(self):
        for release in (self.second, self.first):  # pending, and active
            before = self.state()
            with self.assertRaises(LibraryTooOld) as cm:
                self.store.promote(APP, release, deploy=self.deploy, if_pending=True)
            err = cm.exception
            self.assertEqual((err.function, err.required, err.loaded[:4]),
                             ("RELEASE_PROMOTE_IF_PENDING", "1.5", "1.4."))
            self.assertIn("RELEASE_PROMOTE_IF_PENDING needs librelease 1.5 or later",
                          str(err))
            self.assertEqual(self.state(), before, "a refused call wrote to the store")
            self.assertEqual(self.deployed, [])

    def test_promote_without_it_still_works(self):
        self.store.promote(APP, self.second, deploy=self.deploy, if_pending=False)
        self.assertEqual(self.store.app(APP).active, self.second.id)


if __name__ == "__main__":
    unittest.main(verbosity=2)
