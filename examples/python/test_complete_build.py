"""A build's completion and its release, once (librelease 1.3:
release_build_complete), run by `meson test --suite python` on the memory
and the file store.

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    PYTHONPATH=examples/python python3 examples/python/test_complete_build.py -v
"""

import unittest

from librelease import Invalid, NotFound, Release
from test_librelease import APP, BUILD_DESCRIPTION, Case, FakeClock

MANIFEST = "services: {web: {}}"


class CompleteBuild:
    """An app without releases; the tests make their builds."""

    def uri(self):
        raise NotImplementedError

    def setUp(self):
        super().setUp()
        self.store = self.open(self.uri(), clock=FakeClock())
        self.store.create_app(APP)

    def new_build(self, status="running"):
        return self.store.create_build(APP, BUILD_DESCRIPTION, manifest=MANIFEST, status=status)

    def test_a_running_build_completes_with_its_release_not_active(self):
        build = self.new_build()
        release = self.store.complete_build(APP, build.id)
        self.assertIsInstance(release, Release)
        self.assertEqual((release.build, release.manifest, release.description, release.version),
                         (build.id, MANIFEST, BUILD_DESCRIPTION, 1))
        self.assertFalse(release.active)
        self.assertIsNone(self.store.app(APP).active)
        after = self.store.build(APP, build.id)
        self.assertEqual((after.status, after.release), ("complete", release.id))
        self.assertIsNotNone(after.ended)

    def test_a_build_may_be_passed_for_its_id(self):
        build = self.new_build()
        release = self.store.complete_build(APP, build)
        self.assertEqual(release.build, build.id)

    def test_a_second_call_returns_the_same_release_and_makes_no_other(self):
        build = self.new_build()
        first = self.store.complete_build(APP, build.id)
        again = self.store.complete_build(APP, build.id)
        self.assertEqual(again, first)
        self.assertEqual([r.id for r in self.store.releases(APP)], [first.id])

    def test_a_failed_build_is_invalid_and_nothing_is_written(self):
        build = self.new_build("failed")
        with self.assertRaises(Invalid) as cm:
            self.store.complete_build(APP, build.id)
        self.assertIn(build.id, str(cm.exception))
        self.assertEqual(self.store.build(APP, build.id), build)
        self.assertEqual(list(self.store.releases(APP)), [])

    def test_an_unknown_build_is_not_found(self):
        with self.assertRaises(NotFound):
            self.store.complete_build(APP, "BABCDEFGHI")
        self.assertEqual(list(self.store.releases(APP)), [])

    def test_an_unknown_app_is_not_found(self):
        build = self.new_build()
        with self.assertRaises(NotFound):
            self.store.complete_build("other", build.id)
        self.assertEqual(self.store.build(APP, build.id).status, "running")

    def test_a_complete_build_without_a_release_gets_one(self):
        build = self.store.set_build_status(APP, self.new_build(), "complete")
        self.assertIsNone(build.release)
        release = self.store.complete_build(APP, build.id)
        self.assertEqual(release.build, build.id)
        self.assertEqual(self.store.build(APP, build.id).release, release.id)
        self.assertEqual([r.id for r in self.store.releases(APP)], [release.id])


class CompleteBuildMemory(CompleteBuild, Case):
    def uri(self):
        return "memory:"


class CompleteBuildFile(CompleteBuild, Case):
    def uri(self):
        return self.file_uri()


if __name__ == "__main__":
    unittest.main(verbosity=2)
