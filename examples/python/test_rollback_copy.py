"""A failed rollback's copy, carried by the exception (librelease 1.3:
release_rollback_copy), run by `meson test --suite python` on the memory
and the file store.

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    PYTHONPATH=examples/python python3 examples/python/test_rollback_copy.py -v
"""

import unittest

from librelease import Busy, DeployFailed, NotFound, Release
from test_librelease import APP, Case, FakeClock


class RollbackCopy:
    """Release 1 promoted, then release 2 (FOO=bar) promoted."""

    def uri(self):
        raise NotImplementedError

    def setUp(self):
        super().setUp()
        self.store = self.open(self.uri(), clock=FakeClock())
        _, self.first = self.seed_app(self.store)
        self.second = self.store.env_set(APP, {"FOO": "bar"})
        self.store.promote(APP, self.second)

    def failed_rollback(self, deploy=lambda r, emit: False):
        with self.assertRaises(DeployFailed) as cm:
            self.store.rollback(APP, self.first, deploy=deploy)
        return cm.exception

    def test_a_failed_deployment_carries_the_copy(self):
        copy = self.failed_rollback().copy
        self.assertIsInstance(copy, Release)
        self.assertEqual((copy.source, copy.version, copy.env), (self.first.id, 3, {}))

    def test_the_copy_is_marked_failed_and_not_active(self):
        copy = self.failed_rollback().copy
        self.assertIsNotNone(copy.failed)
        self.assertFalse(copy.active)
        self.assertEqual(self.store.app(APP).active, self.second.id)

    def test_the_copy_is_the_one_stored(self):
        copy = self.failed_rollback().copy
        self.assertEqual(self.store.release(APP, copy.id), copy)

    def test_the_message_still_names_the_copy(self):
        err = self.failed_rollback()
        self.assertIn(err.copy.id, str(err))

    def test_a_deployer_that_raises_leaves_its_exception_as_the_cause(self):
        def deploy(release, emit):
            raise OSError("kubectl: connection refused")

        err = self.failed_rollback(deploy)
        self.assertIsInstance(err.__cause__, OSError)
        self.assertEqual(err.copy.source, self.first.id)

    def test_a_rollback_that_succeeds_returns_the_copy_active(self):
        back = self.store.rollback(APP, self.first)
        self.assertTrue(back.active)
        self.assertEqual(back, self.store.get_active(APP))

    def test_an_unknown_target_wrote_no_copy(self):
        with self.assertRaises(NotFound) as cm:
            self.store.rollback(APP, "RABCDEFGHI")
        self.assertIsNone(cm.exception.copy)

    def test_another_apps_target_wrote_no_copy(self):
        self.store.create_app("other")
        with self.assertRaises(NotFound) as cm:
            self.store.rollback("other", self.first)
        self.assertIsNone(cm.exception.copy)
        self.assertEqual(list(self.store.releases("other")), [])

    def test_errors_of_other_calls_carry_no_copy(self):
        with self.assertRaises(NotFound) as cm:
            self.store.release(APP, "RABCDEFGHI")
        self.assertIsNone(cm.exception.copy)


class RollbackCopyMemory(RollbackCopy, Case):
    def uri(self):
        return "memory:"


class RollbackCopyFile(RollbackCopy, Case):
    def uri(self):
        return self.file_uri()

    def test_a_busy_app_wrote_no_copy(self):
        other = self.open(self.uri())
        seen = {}

        def deploy(release, emit):
            with self.assertRaises(Busy) as cm:
                other.rollback(APP, self.first)
            seen["busy"] = cm.exception

        self.store.promote(APP, self.first, deploy=deploy, force=True)
        self.assertIsNone(seen["busy"].copy)
        self.assertEqual(len(list(self.store.releases(APP))), 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
