"""Store.create_from and Store.change_env (librelease 1.3), run by `meson
test --suite python` on the memory and the file store.

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    PYTHONPATH=examples/python python3 examples/python/test_create_env.py -v
"""

import unittest

from librelease import DeployFailed, Invalid, NotFound
from test_librelease import APP, BUILD_DESCRIPTION, Case, FakeClock

OTHER = "other"


class History:
    """Two builds of APP: release 1 (build one, promoted), release 2 (env
    FOO=bar on it), release 3 (build two, env FOO=bar), not promoted."""

    def uri(self):
        raise NotImplementedError

    def setUp(self):
        super().setUp()
        self.store = self.open(self.uri(), clock=FakeClock())
        self.one, self.first = self.seed_app(self.store)
        self.second = self.store.env_set(APP, {"FOO": "bar"})
        self.two = self.store.create_build(APP, "build two", manifest="services: {worker: {}}")
        self.third = self.store.create_release(APP, self.two)

    def newest(self):
        return next(iter(self.store.releases(APP, limit=1)))


# ---------------------------------------------------------------- create_from

class CreateFrom(History):
    def test_takes_the_build_of_one_release_and_the_env_of_another(self):
        made = self.store.create_from(APP, build_from=self.third, env_from=self.first.id)
        self.assertEqual((made.build, made.manifest, made.description),
                         (self.two.id, "services: {worker: {}}", "build two"))
        self.assertEqual(made.env, {})
        self.assertEqual(made.version, 4)

    def test_is_not_promoted(self):
        made = self.store.create_from(APP, build_from=self.third.id)
        self.assertFalse(made.active)
        self.assertIsNone(made.promoted)
        self.assertEqual(self.store.app(APP).active, self.first.id)

    def test_sources_left_out_are_the_active_release(self):
        self.store.promote(APP, self.second)
        made = self.store.create_from(APP)
        self.assertEqual((made.build, made.env), (self.one.id, {"FOO": "bar"}))
        made = self.store.create_from(APP, env_from=self.first)
        self.assertEqual((made.build, made.env), (self.one.id, {}))

    def test_the_build_records_the_new_release(self):
        made = self.store.create_from(APP, build_from=self.third, env_from=self.second)
        self.assertEqual(self.store.build(APP, self.two.id).release, made.id)

    def test_the_description_is_that_of_build_froms_build(self):
        self.assertEqual(self.second.description, "env add:FOO")
        made = self.store.create_from(APP, build_from=self.second, env_from=self.third)
        self.assertEqual((made.build, made.description), (self.one.id, BUILD_DESCRIPTION))
        self.assertEqual(self.store.build(APP, self.one.id).release, made.id)

    def test_build_from_without_a_build_gives_its_own_description(self):
        self.store.create_app(OTHER)
        env_only = self.store.env_set(OTHER, {"A": "1"})
        made = self.store.create_from(OTHER, build_from=env_only, env_from=env_only)
        self.assertEqual((made.build, made.description, made.env),
                         (None, "env add:A", {"A": "1"}))

    def test_unknown_release_is_not_found_and_writes_nothing(self):
        with self.assertRaises(NotFound):
            self.store.create_from(APP, build_from="RABCDEFGHI")
        with self.assertRaises(NotFound):
            self.store.create_from(APP, env_from="RABCDEFGHI")
        self.assertEqual(self.newest().id, self.third.id)

    def test_another_apps_release_is_not_found(self):
        self.store.create_app(OTHER)
        with self.assertRaises(NotFound):
            self.store.create_from(OTHER, build_from=self.third, env_from=self.third)
        self.assertEqual(list(self.store.releases(OTHER)), [])

    def test_no_active_release_to_default_to_is_not_found(self):
        self.store.create_app(OTHER)
        with self.assertRaises(NotFound) as cm:
            self.store.create_from(OTHER)
        self.assertIn("no active release", str(cm.exception))

    def test_a_malformed_id_is_invalid(self):
        with self.assertRaises(Invalid):
            self.store.create_from(APP, build_from="not-an-id")


class CreateFromMemory(CreateFrom, Case):
    def uri(self):
        return "memory:"


class CreateFromFile(CreateFrom, Case):
    def uri(self):
        return self.file_uri()


# ---------------------------------------------------------------- change_env

class ChangeEnv(History):
    def test_sets_and_unsets_in_one_release(self):
        made = self.store.change_env(APP, set={"A": "1"}, unset=["FOO"])
        self.assertEqual(made.env, {"A": "1"})
        self.assertEqual(made.description, "env add:A remove:FOO")
        self.assertEqual(made.version, 4)

    def test_without_a_base_changes_the_newest_release(self):
        made = self.store.change_env(APP, set=["B=2"])
        self.assertEqual((made.build, made.env), (self.two.id, {"FOO": "bar", "B": "2"}))

    def test_a_base_is_changed_as_it_is_whatever_came_after_it(self):
        made = self.store.change_env(APP, set={"A": "1"}, base=self.first)
        self.assertEqual((made.build, made.env), (self.one.id, {"A": "1"}))
        self.assertEqual(made.description, "env add:A")

    def test_a_base_is_the_way_past_a_change_that_failed(self):
        self.store.promote(APP, self.third)
        bad = self.store.env_set(APP, {"BAD": "1"})
        with self.assertRaises(DeployFailed):
            self.store.promote(APP, bad, deploy=lambda r, emit: False)
        good = self.store.change_env(APP, set={"GOOD": "1"}, base=self.store.get_active(APP))
        self.assertNotIn("BAD", good.env)
        self.assertEqual(good.env, {"FOO": "bar", "GOOD": "1"})

    def test_replace_makes_the_env_exactly_the_pairs_set(self):
        made = self.store.change_env(APP, set={"ONLY": "this"}, replace=True)
        self.assertEqual(made.env, {"ONLY": "this"})
        self.assertEqual(made.description, "env add:ONLY remove:FOO")

    def test_replace_with_nothing_empties_the_env(self):
        self.assertEqual(self.store.change_env(APP, replace=True).env, {})

    def test_nothing_changed_writes_nothing(self):
        self.assertIsNone(self.store.change_env(APP, set={"FOO": "bar"}, unset="NOPE"))
        self.assertEqual(self.newest().id, self.third.id)

    def test_a_key_both_set_and_unset_is_invalid(self):
        with self.assertRaises(Invalid):
            self.store.change_env(APP, set={"FOO": "x"}, unset=["FOO"])
        self.assertEqual(self.newest().id, self.third.id)

    def test_replace_with_keys_to_unset_is_invalid(self):
        with self.assertRaises(Invalid):
            self.store.change_env(APP, set={"A": "1"}, unset="FOO", replace=True)

    def test_unknown_base_is_not_found(self):
        with self.assertRaises(NotFound):
            self.store.change_env(APP, set={"A": "1"}, base="RABCDEFGHI")
        self.assertEqual(self.newest().id, self.third.id)

    def test_another_apps_base_is_not_found(self):
        self.store.create_app(OTHER)
        with self.assertRaises(NotFound):
            self.store.change_env(OTHER, set={"A": "1"}, base=self.first)
        self.assertEqual(list(self.store.releases(OTHER)), [])

    def test_a_bases_build_records_the_new_release(self):
        made = self.store.change_env(APP, set={"A": "1"}, base=self.first)
        self.assertEqual(self.store.build(APP, self.one.id).release, made.id)

    def test_without_a_base_the_builds_release_is_left_as_it_was(self):
        made = self.store.change_env(APP, set={"A": "1"})
        self.assertEqual(made.build, self.two.id)
        self.assertEqual(self.store.build(APP, self.two.id).release, self.third.id)

    def test_the_base_keeps_its_build_manifest_and_description(self):
        made = self.store.change_env(APP, set={"A": "1"}, base=self.first.id)
        self.assertEqual((made.manifest, made.build), ("services: {web: {}}", self.one.id))
        self.assertEqual(self.store.release(APP, self.first.id).description, BUILD_DESCRIPTION)


class ChangeEnvMemory(ChangeEnv, Case):
    def uri(self):
        return "memory:"


class ChangeEnvFile(ChangeEnv, Case):
    def uri(self):
        return self.file_uri()


if __name__ == "__main__":
    unittest.main(verbosity=2)
