"""Store.settings and Store.update_settings (librelease 1.3): an app's mask
list and deploy hook, run by `meson test --suite python` on the memory and
the file store.

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    PYTHONPATH=examples/python python3 examples/python/test_settings.py -v
"""

import ctypes
import os
import unittest

import librelease
from librelease import Conflict, Corrupt, Invalid, LibraryTooOld, NotFound, Settings, Store
from test_damage import forge_record
from test_librelease import APP, Case, FakeClock


class AppSettings:
    """An app with a promoted release, no settings yet."""

    def uri(self):
        raise NotImplementedError

    def setUp(self):
        super().setUp()
        self.store = self.open(self.uri(), clock=FakeClock())
        self.build, self.first = self.seed_app(self.store)

    def assertUnchanged(self, revision=1):
        self.assertEqual(self.store.settings(APP), Settings(APP, revision, (), None))

    def test_an_app_that_never_set_any_has_empty_settings_at_revision_1(self):
        self.assertEqual(self.store.settings(APP), Settings(APP, 1, (), None))

    def test_masked_keys_are_kept_in_byte_order(self):
        got = self.store.update_settings(APP, mask_add=["TOKEN", "API_KEY", "_X", "Z"])
        self.assertEqual(got.mask, ("API_KEY", "TOKEN", "Z", "_X"))
        self.assertEqual(self.store.settings(APP), got)

    def test_one_key_may_be_given_as_a_str(self):
        self.assertEqual(self.store.update_settings(APP, mask_add="TOKEN").mask, ("TOKEN",))

    def test_masked_tells_whether_a_key_is_in_the_list(self):
        got = self.store.update_settings(APP, mask_add=["TOKEN"])
        self.assertTrue(got.masked("TOKEN"))
        self.assertFalse(got.masked("token"))
        self.assertFalse(got.masked("OTHER"))

    def test_unmasking_removes_a_key_and_ignores_absent_ones(self):
        self.store.update_settings(APP, mask_add=["A", "B"])
        got = self.store.update_settings(APP, mask_remove=["A", "NEVER"])
        self.assertEqual(got.mask, ("B",))

    def test_each_change_grows_the_revision_by_one_from_1(self):
        self.assertEqual(self.store.update_settings(APP, mask_add="A").revision, 2)
        self.assertEqual(self.store.update_settings(APP, hook="make deploy").revision, 3)

    def test_a_change_that_changes_nothing_writes_nothing(self):
        self.store.update_settings(APP, mask_add="A")
        again = self.store.update_settings(APP, mask_add="A", mask_remove="NEVER")
        self.assertEqual((again.revision, again.mask), (2, ("A",)))

    def test_the_hook_is_set_and_cleared(self):
        got = self.store.update_settings(APP, hook="kubectl apply -f deploy.yaml")
        self.assertEqual(got.hook, "kubectl apply -f deploy.yaml")
        self.assertEqual(self.store.update_settings(APP, mask_add="A").hook, got.hook)
        self.assertIsNone(self.store.update_settings(APP, clear_hook=True).hook)

    def test_a_hook_may_hold_any_text_but_nul(self):
        hook = "deploy \u2713 --to 'prod'\n\tand more"
        self.assertEqual(self.store.update_settings(APP, hook=hook).hook, hook)

    def test_settings_create_and_promote_no_release(self):
        self.store.update_settings(APP, mask_add="A", hook="make deploy")
        self.assertEqual([r.id for r in self.store.releases(APP)], [self.first.id])
        self.assertEqual(self.store.app(APP).active, self.first.id)

    def test_a_revision_compares_before_changing(self):
        seen = self.store.update_settings(APP, mask_add="A")
        self.store.update_settings(APP, mask_add="B")
        with self.assertRaises(Conflict):
            self.store.update_settings(APP, mask_add="C", revision=seen.revision)
        self.assertEqual(self.store.settings(APP).mask, ("A", "B"))

    def test_settings_never_changed_are_compared_at_revision_1(self):
        seen = self.store.settings(APP)
        got = self.store.update_settings(APP, mask_add="A", revision=seen)
        self.assertEqual((got.revision, got.mask), (2, ("A",)))
        with self.assertRaises(Conflict):
            self.store.update_settings(APP, mask_add="B", revision=seen)
        self.assertEqual(self.store.settings(APP), got)

    def test_a_revision_may_be_given_as_the_settings_read(self):
        seen = self.store.update_settings(APP, mask_add="A")
        got = self.store.update_settings(APP, mask_add="B", revision=seen)
        self.assertEqual((got.revision, got.mask), (3, ("A", "B")))

    def test_revision_zero_applies_on_top_of_other_writers(self):
        other = self.open(self.uri()) if self.uri() != "memory:" else self.store
        other.update_settings(APP, mask_add="THEIRS")
        got = self.store.update_settings(APP, mask_add="MINE")
        self.assertEqual(got.mask, ("MINE", "THEIRS"))

    def test_a_mask_key_holding_an_equals_sign_is_invalid(self):
        with self.assertRaises(Invalid):
            self.store.update_settings(APP, mask_add=["A=B"])
        self.assertUnchanged()

    def test_a_mask_key_holding_whitespace_is_invalid(self):
        for key in ("A B", " A", "A\t", "A\n"):
            with self.assertRaises(Invalid, msg=repr(key)):
                self.store.update_settings(APP, mask_add=[key])
        self.assertUnchanged()

    def test_an_unmask_key_that_is_not_an_env_key_is_invalid(self):
        with self.assertRaises(Invalid):
            self.store.update_settings(APP, mask_remove=["1ABC"])

    def test_a_key_both_masked_and_unmasked_is_invalid(self):
        with self.assertRaises(Invalid):
            self.store.update_settings(APP, mask_add=["A"], mask_remove=["A"])
        self.assertUnchanged()

    def test_a_hook_and_clear_hook_together_are_invalid(self):
        with self.assertRaises(Invalid):
            self.store.update_settings(APP, hook="make deploy", clear_hook=True)
        self.assertUnchanged()

    def test_an_empty_hook_is_invalid(self):
        with self.assertRaises(Invalid):
            self.store.update_settings(APP, hook="")

    def test_a_mask_list_past_its_limit_is_invalid(self):
        self.store.update_settings(APP, mask_add=["K%d" % i for i in range(500)])
        with self.assertRaises(Invalid):
            self.store.update_settings(APP, mask_add="ONE_MORE")
        self.assertEqual(len(self.store.settings(APP).mask), 500)

    def test_an_unknown_app_is_not_found(self):
        with self.assertRaises(NotFound):
            self.store.settings("nope")
        with self.assertRaises(NotFound):
            self.store.update_settings("nope", mask_add="A")

    def test_deleting_the_app_deletes_its_settings(self):
        self.store.update_settings(APP, mask_add="A", hook="make deploy")
        self.store.delete_app(APP)
        self.store.create_app(APP)
        self.assertEqual(self.store.settings(APP), Settings(APP, 1, (), None))

    def test_settings_are_apart_for_each_app(self):
        self.store.create_app("other")
        self.store.update_settings(APP, mask_add="A")
        self.assertEqual(self.store.settings("other").mask, ())

    # -- reset

    def test_a_reset_starts_from_no_settings_then_applies_the_change(self):
        self.store.update_settings(APP, mask_add=["A", "B"], hook="make deploy")
        got = self.store.update_settings(APP, mask_add="C", reset=True)
        self.assertEqual(got, Settings(APP, 3, ("C",), None))
        self.assertEqual(self.store.settings(APP), got)

    def test_a_reset_that_adds_nothing_still_writes_empty_settings(self):
        self.store.update_settings(APP, mask_add="A", hook="make deploy")
        got = self.store.update_settings(APP, reset=True)
        self.assertEqual(got, Settings(APP, 3, (), None))
        self.assertEqual(self.store.settings(APP), got)

    def test_a_reset_of_settings_never_changed_writes_revision_2(self):
        self.assertEqual(self.store.update_settings(APP, reset=True), Settings(APP, 2, (), None))

    def test_a_reset_counts_on_so_an_older_revision_still_conflicts(self):
        seen = self.store.update_settings(APP, mask_add="A")
        self.store.update_settings(APP, reset=True)
        with self.assertRaises(Conflict):
            self.store.update_settings(APP, mask_add="B", revision=seen)
        self.assertEqual(self.store.settings(APP), Settings(APP, 3, (), None))

    def test_a_reset_with_a_revision_is_invalid(self):
        seen = self.store.update_settings(APP, mask_add="A")
        with self.assertRaises(Invalid):
            self.store.update_settings(APP, mask_add="B", reset=True, revision=seen)
        self.assertEqual(self.store.settings(APP), seen)


class SettingsMemory(AppSettings, Case):
    def uri(self):
        return "memory:"


class SettingsFile(AppSettings, Case):
    def uri(self):
        return self.file_uri()

    def forge_settings(self, edit):
        """Rewrites the stored settings record with edit(bytes), behind the
        library's back, as damage or another program would; a build written
        after it keeps it from being the log's last record."""
        self.store.create_build(APP, "later", status="running")
        return forge_record(os.path.join(self.uri()[len("file:"):], APP), "settings", edit)

    def test_a_damaged_record_is_corrupt_to_read_and_to_change(self):
        self.store.update_settings(APP, mask_add="DAMAGED", hook="make deploy")
        self.forge_settings(lambda data: data.replace(b"DAMAGED", b"DAM=GED"))
        with self.assertRaises(Corrupt) as cm:
            self.store.settings(APP)
        self.assertIn("settings record is corrupt", str(cm.exception))
        with self.assertRaises(Corrupt):
            self.store.update_settings(APP, mask_add="A")
        with self.assertRaises(Corrupt):
            self.store.update_settings(APP, mask_add="A", revision=2)
        with self.assertRaises(Corrupt):
            self.store.settings(APP)

    def test_a_reset_replaces_a_damaged_record_at_revision_2(self):
        self.store.update_settings(APP, mask_add=["A", "B"])
        self.store.update_settings(APP, hook="make deploy")
        self.forge_settings(lambda data: b"\xa5" * len(data))
        got = self.store.update_settings(APP, mask_add="C", reset=True)
        self.assertEqual(got, Settings(APP, 2, ("C",), None))
        self.assertEqual(self.store.settings(APP), got)
        again = self.store.update_settings(APP, mask_add="D", revision=got)
        self.assertEqual(again, Settings(APP, 3, ("C", "D"), None))

    def test_a_reset_that_adds_nothing_replaces_a_damaged_record(self):
        # The damage is in a mask key: the record's revision (2) still
        # reads, and the reset goes on from it.
        self.store.update_settings(APP, mask_add="DAMAGED")
        self.forge_settings(lambda data: data.replace(b"DAMAGED", b"DAM GED"))
        self.assertEqual(self.store.update_settings(APP, reset=True), Settings(APP, 3, (), None))
        self.assertEqual(self.store.settings(APP), Settings(APP, 3, (), None))
        with self.assertRaises(Conflict):
            self.store.update_settings(APP, mask_add="A", revision=2)

    def test_settings_outlive_the_store_handle(self):
        self.store.update_settings(APP, mask_add="TOKEN", hook="make deploy")
        self.store.close()
        with Store(self.uri()) as again:
            self.assertEqual(again.settings(APP), Settings(APP, 2, ("TOKEN",), "make deploy"))


class Arguments(Case):
    """Hostile arguments raise before anything reaches C."""

    def setUp(self):
        super().setUp()
        self.store = self.open()
        self.store.create_app(APP)

    def test_a_mask_key_that_is_not_a_str_is_a_type_error(self):
        with self.assertRaises(TypeError):
            self.store.update_settings(APP, mask_add=[b"A"])

    def test_mask_keys_given_as_bytes_are_a_type_error(self):
        with self.assertRaises(TypeError):
            self.store.update_settings(APP, mask_remove=b"A")

    def test_clear_hook_that_is_not_a_bool_is_a_type_error(self):
        with self.assertRaises(TypeError):
            self.store.update_settings(APP, clear_hook=1)

    def test_a_revision_below_zero_is_invalid(self):
        with self.assertRaises(Invalid):
            self.store.update_settings(APP, mask_add="A", revision=-1)

    def test_a_revision_past_uint64_is_invalid(self):
        with self.assertRaises(Invalid):
            self.store.update_settings(APP, mask_add="A", revision=2**64)

    def test_reset_that_is_not_a_bool_is_a_type_error(self):
        self.store.update_settings(APP, mask_add="A")
        with self.assertRaises(TypeError):
            self.store.update_settings(APP, reset=1)
        self.assertEqual(self.store.settings(APP).mask, ("A",))

    def test_a_hook_with_a_nul_is_invalid(self):
        with self.assertRaises(Invalid):
            self.store.update_settings(APP, hook="make\0deploy")
        self.assertIsNone(self.store.settings(APP).hook)


class ShortSettingsOpts:
    """The loaded library, but release_settings_opts_init_sized records a
    size that ends before flags, as a library that would never read them."""

    def __init__(self, lib):
        self._real = lib
        self._name = lib._name
        # Declared now: __getattr__ runs inside the binding's lookup.
        self._init = librelease._c._since(lib, "release_settings_opts_init_sized")

    def __getattr__(self, name):
        if name == "release_settings_opts_init_sized":
            init, known = self._init, librelease._SettingsOpts.flags.offset
            return lambda opts, size: init(opts, min(size, known))
        return getattr(self._real, name)


class Binding(Case):
    def test_a_reset_is_refused_when_the_library_would_not_read_flags(self):
        lib = librelease.load()
        librelease._c._lib = ShortSettingsOpts(lib)
        self.addCleanup(setattr, librelease._c, "_lib", lib)
        store = self.open()
        store.create_app(APP)
        with self.assertRaises(LibraryTooOld) as cm:
            store.update_settings(APP, mask_add="A", reset=True)
        self.assertEqual(cm.exception.function, "release_settings_opts.flags")
        self.assertEqual(store.settings(APP), Settings(APP, 1, (), None))

    def test_masked_answers_as_the_library_does(self):
        store = self.open()
        store.create_app(APP)
        got = store.update_settings(APP, mask_add=["A", "B_2"])
        lib = librelease.load()
        out = librelease._c._SETTINGS()
        with store._calling():
            self.assertEqual(librelease._c._since(lib, "release_settings_get")(
                store._handle, APP.encode(), ctypes.byref(out)), 0)
        try:
            masked = librelease._c._since(lib, "release_settings_masked")
            for key in ("A", "B_2", "B", "a", "C"):
                self.assertEqual(bool(masked(out, key.encode())), got.masked(key), key)
        finally:
            librelease._c._since(lib, "release_settings_free")(out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
