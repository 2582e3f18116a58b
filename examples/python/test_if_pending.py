"""Promoting only what is not active yet (librelease 1.5:
Store.promote(..., if_pending=True), RELEASE_PROMOTE_IF_PENDING), run
by `meson test --suite python` on the memory and the file store.

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    PYTHONPATH=examples/python python3 examples/python/test_if_pending.py -v
"""

import unittest

import librelease
from librelease import Exists, Older
from test_librelease import APP, Case, FakeClock


class IfPending:
    """Release 1 promoted (the seed), release 2 (FOO=bar) pending."""

    def uri(self):
        raise NotImplementedError

    def setUp(self):
        super().setUp()
        self.store = self.open(self.uri(), clock=FakeClock())
        _, self.first = self.seed_app(self.store)
        self.second = self.store.env_set(APP, {"FOO": "bar"})
        self.deployed = []
        self.events = []

    def deploy(self, release, emit):
        self.deployed.append(release.id)
        return True

    def promote(self, release, store=None):
        (store or self.store).promote(APP, release, deploy=self.deploy,
                                      on_event=lambda t, s, m: self.events.append(m),
                                      if_pending=True)

    def state(self):
        return (self.store.app(APP), list(self.store.releases(APP)),
                list(self.store.deployments(APP)))

    def test_the_flag_is_exported_as_the_library_defines_it(self):
        self.assertEqual(librelease.RELEASE_PROMOTE_IF_PENDING, 2)

    def test_a_pending_release_is_deployed_and_made_active(self):
        self.promote(self.second)
        self.assertEqual(self.deployed, [self.second.id])
        self.assertEqual(self.events, ["app Status: running => updating",
                                       "app Status: updating => running"])
        app = self.store.app(APP)
        self.assertEqual((app.active, app.previous), (self.second.id, self.first.id))

    def test_the_active_release_is_exists_with_the_deployer_not_called(self):
        self.promote(self.second)
        self.deployed, self.events = [], []
        with self.assertRaises(Exists) as cm:
            self.promote(self.second)
        self.assertEqual((cm.exception.code, cm.exception.name),
                         (librelease.RELEASE_EEXIST, "RELEASE_EEXIST"))
        self.assertIn("%s is the active release already" % self.second.id, str(cm.exception))
        self.assertEqual((self.deployed, self.events), ([], []))

    def test_the_active_release_is_exists_with_nothing_written(self):
        self.promote(self.second)
        before = self.state()
        with self.assertRaises(Exists):
            self.promote(self.second)
        self.assertEqual(self.state(), before)
        self.assertEqual(self.store.app(APP).status, "running")  # the lease given back

    def test_the_seeds_active_release_is_exists_by_version_too(self):
        with self.assertRaises(Exists):
            self.store.promote(APP, self.first, deploy=self.deploy, if_pending=True)
        self.assertEqual(self.deployed, [])

    def test_an_older_release_is_still_older(self):
        self.promote(self.second)
        with self.assertRaises(Older):
            self.promote(self.first)
        self.assertEqual(self.deployed, [self.second.id])

    def test_a_release_whose_deployment_failed_is_exists(self):
        def fail(release, emit):
            raise RuntimeError("crash loop")
        with self.assertRaises(librelease.DeployFailed):
            self.store.promote(APP, self.second, deploy=fail)
        before = self.state()
        with self.assertRaises(Exists) as cm:
            self.promote(self.second)
        self.assertIn("deployed already, and failed", str(cm.exception))
        self.assertEqual((self.deployed, self.events), ([], []))
        self.assertEqual(self.state(), before)

    def test_a_release_a_forced_promotion_moved_away_from_is_exists(self):
        self.promote(self.second)
        self.store.promote(APP, self.first, force=True)
        with self.assertRaises(Exists):
            self.promote(self.second)
        self.assertEqual(self.deployed, [self.second.id])
        self.assertEqual(self.store.app(APP).active, self.first.id)

    def test_without_it_the_active_release_is_deployed_again(self):
        self.promote(self.second)
        self.store.promote(APP, self.second, deploy=self.deploy)
        self.assertEqual(self.deployed, [self.second.id] * 2)

    def test_with_force_the_active_release_is_exists_too(self):
        self.promote(self.second)
        with self.assertRaises(Exists):
            self.store.promote(APP, self.second, deploy=self.deploy, force=True,
                               if_pending=True)
        self.assertEqual(self.deployed, [self.second.id])


class VersionGate(unittest.TestCase):
    """The gate reads versions as numbers, and leaves what it cannot read to
    the library (which refuses an unknown bit as Invalid)."""

    class Library:
        _name = "librelease.so.1"

        def __init__(self, version):
            self.release_version_string = lambda: version

    def flag(self, version):
        return librelease._c._flag_since(self.Library(version), "RELEASE_PROMOTE_IF_PENDING")

    def test_1_5_and_later_versions_pass(self):
        for version in (b"1.5.0", b"1.10.0", b"1.50.2", b"2.0.0", b"1.5.0-rc1"):
            self.assertEqual(self.flag(version), librelease.RELEASE_PROMOTE_IF_PENDING, version)

    def test_earlier_versions_are_too_old(self):
        for version in (b"1.4.9", b"1.2.0", b"0.10.0"):
            with self.assertRaises(librelease.LibraryTooOld, msg=version):
                self.flag(version)

    def test_a_version_that_does_not_read_is_left_to_the_library(self):
        for version in (b"", b"v1.4.0", b"unknown"):
            self.assertEqual(self.flag(version), librelease.RELEASE_PROMOTE_IF_PENDING, version)


class IfPendingMemory(IfPending, Case):
    def uri(self):
        return "memory:"


class IfPendingFile(IfPending, Case):
    def uri(self):
        return self.file_uri()

    def test_a_second_agent_that_found_it_pending_deploys_nothing(self):
        # Both agents saw release 2 pending; the first promotes it.
        other = self.open(self.uri(), clock=FakeClock())
        self.assertFalse(other.release(APP, self.second).active)
        self.promote(self.second)
        with self.assertRaises(Exists):
            self.promote(self.second, store=other)
        self.assertEqual(self.deployed, [self.second.id])
        self.assertEqual(len(list(other.deployments(APP))), 2)  # the seed's and the first's


if __name__ == "__main__":
    unittest.main(verbosity=2)
