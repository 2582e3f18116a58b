"""Diffs of two releases (librelease 1.4: Store.diff, Diff, EnvChange), run
by `meson test --suite python` on the memory and the file store.

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    PYTHONPATH=examples/python python3 examples/python/test_diff.py -v
"""

import unittest

from librelease import Diff, EnvChange, Invalid, NotFound
from test_librelease import APP, BUILD_DESCRIPTION, Case, FakeClock

MANIFEST_1 = "web: 1\nworker: 1\ncron: 1\n"
MANIFEST_2 = "web: 2\nworker: 1\ncron: 1\n"


class Diffing:
    """v1 (build 1, no env) promoted; v2 sets A, B and TOKEN (masked); v3
    changes A and TOKEN, adds C and removes B; v4 is build 2 (another
    manifest and description) with v3's env."""

    def uri(self):
        raise NotImplementedError

    def setUp(self):
        super().setUp()
        store = self.store = self.open(self.uri(), clock=FakeClock())
        store.create_app(APP)
        self.build1 = store.create_build(APP, BUILD_DESCRIPTION, manifest=MANIFEST_1)
        self.v1 = store.create_release(APP, self.build1)
        store.promote(APP, self.v1)
        store.update_settings(APP, mask_add="TOKEN")
        self.v2 = store.env_set(APP, {"A": "1", "B": "2", "TOKEN": "t1"})
        self.v3 = store.change_env(APP, set={"A": "10", "TOKEN": "t2", "C": "3"}, unset="B")
        self.build2 = store.create_build(APP, "build 2", manifest=MANIFEST_2)
        self.v4 = store.create_release(APP, self.build2)

    def test_env_changes_are_sorted_by_key(self):
        diff = self.store.diff(APP, self.v2, self.v3)
        self.assertIsInstance(diff, Diff)
        self.assertEqual(diff.env, (
            EnvChange("A", "changed", False, "1", "10"),
            EnvChange("B", "removed", False, "2", None),
            EnvChange("C", "added", False, None, "3"),
            EnvChange("TOKEN", "changed", True, None, None),
        ))

    def test_reveal_shows_masked_values(self):
        diff = self.store.diff(APP, self.v2, self.v3, reveal=True)
        self.assertEqual(diff.env[-1], EnvChange("TOKEN", "changed", True, "t1", "t2"))

    def test_a_masked_key_added_is_told_without_its_value(self):
        self.assertEqual(self.store.diff(APP, self.v1, self.v2).env[-1],
                         EnvChange("TOKEN", "added", True, None, None))

    def test_an_env_change_keeps_build_description_and_manifest(self):
        diff = self.store.diff(APP, self.v2, self.v3)
        self.assertEqual((diff.from_id, diff.to_id), (self.v2.id, self.v3.id))
        self.assertEqual((diff.build_old, diff.build_new), (self.build1.id, self.build1.id))
        self.assertFalse(diff.build_changed)
        self.assertTrue(diff.description_changed)  # "env add:..." to "env add:C ..."
        self.assertEqual(diff.manifest, "")
        self.assertTrue(diff.changed)

    def test_a_new_build_changes_build_description_and_manifest(self):
        diff = self.store.diff(APP, self.v3, self.v4)
        self.assertEqual(diff.env, ())
        self.assertEqual((diff.build_old, diff.build_new), (self.build1.id, self.build2.id))
        self.assertTrue(diff.build_changed)
        self.assertTrue(diff.description_changed)
        lines = diff.manifest.splitlines()
        self.assertTrue(lines[0].startswith("--- ") and lines[1].startswith("+++ "), lines)
        self.assertIn("-web: 1", lines)
        self.assertIn("+web: 2", lines)
        self.assertIn(" worker: 1", lines)

    def test_a_release_and_itself_differ_in_nothing(self):
        diff = self.store.diff(APP, self.v3, self.v3)
        self.assertEqual((diff.env, diff.manifest, diff.description_changed), ((), "", False))
        self.assertFalse(diff.changed)

    def test_from_the_newer_to_the_older_is_the_other_way_round(self):
        diff = self.store.diff(APP, self.v3, self.v2)
        self.assertEqual([(c.key, c.change) for c in diff.env],
                         [("A", "changed"), ("B", "added"), ("C", "removed"),
                          ("TOKEN", "changed")])

    def test_to_defaults_to_the_active_release(self):
        self.store.promote(APP, self.v3)
        self.assertEqual(self.store.diff(APP, self.v2), self.store.diff(APP, self.v2, self.v3))

    def test_from_defaults_to_the_release_before_to(self):
        self.assertEqual(self.store.diff(APP, to=self.v3),
                         self.store.diff(APP, self.v2, self.v3))

    def test_the_first_release_is_diffed_from_nothing(self):
        diff = self.store.diff(APP, to=self.v2)
        self.assertEqual(diff.from_id, self.v1.id)
        first = self.store.diff(APP, to=self.v1)
        self.assertEqual((first.from_id, first.to_id), (None, self.v1.id))
        self.assertEqual((first.build_old, first.build_new), (None, self.build1.id))
        self.assertIn("+web: 1", first.manifest.splitlines())
        self.assertNotIn("-", "".join(line[0] for line in first.manifest.splitlines()[2:]))

    def test_ids_and_releases_are_both_taken(self):
        self.assertEqual(self.store.diff(APP, self.v2.id, self.v3.id),
                         self.store.diff(APP, self.v2, self.v3))

    def test_an_unknown_release_is_not_found(self):
        with self.assertRaises(NotFound):
            self.store.diff(APP, "RABCDEFGHI", self.v3)
        with self.assertRaises(NotFound):
            self.store.diff(APP, self.v2, "RABCDEFGHI")

    def test_another_apps_release_is_not_found(self):
        self.store.create_app("other")
        with self.assertRaises(NotFound):
            self.store.diff("other", self.v2, self.v3)

    def test_an_app_without_an_active_release_has_no_default_to(self):
        self.store.create_app("other")
        with self.assertRaises(NotFound):
            self.store.diff("other")

    def test_arguments_are_checked(self):
        with self.assertRaises(TypeError):
            self.store.diff(APP, self.v2, self.v3, reveal=1)
        with self.assertRaises(TypeError):
            self.store.diff(APP, b"x", self.v3)
        with self.assertRaises(Invalid):
            self.store.diff("Not An App", self.v2, self.v3)


class DiffingMemory(Diffing, Case):
    def uri(self):
        return "memory:"


class DiffingFile(Diffing, Case):
    def uri(self):
        return self.file_uri()


if __name__ == "__main__":
    unittest.main(verbosity=2)
