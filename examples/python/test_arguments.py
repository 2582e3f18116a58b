"""Hostile arguments to the Python binding, run by `meson test --suite python`.

Every value the librelease package hands to C is checked first: ctypes would wrap an
int out of range silently (2**64 + 1 becomes 1) and "%s" would turn None
into "None". Each test makes one hostile call and checks that it raises
before anything is written.

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    PYTHONPATH=examples/python python3 examples/python/test_arguments.py -v
"""

import gc
import unittest
import warnings

import librelease
from librelease import DeployFailed, Invalid, Store
from test_librelease import APP, Case, FakeClock


class Index:
    """An int-like object that is not an int (as numpy's integers are)."""

    def __init__(self, n):
        self.n = n

    def __index__(self):
        return self.n


class Refusals(Case):
    """An app with a promoted build release, then five env releases, the
    newest promoted: enough history for prune to have something to delete."""

    def setUp(self):
        super().setUp()
        self.store = self.open("memory:", clock=FakeClock())
        self.build, self.first = self.seed_app(self.store)
        for i in range(5):
            self.newest = self.store.env_set(APP, {"I": str(i)})
        self.store.promote(APP, self.newest)
        self.pending = self.store.create_build(APP, "pending", status="created")
        self.unpromoted = self.store.env_set(APP, {"NEXT": "1"})

    def state(self):
        return (self.store.apps(), list(self.store.releases(APP)),
                list(self.store.builds(APP)))

    def assertRefused(self, exc, call, *args, **kwargs):
        """call(*args, **kwargs) raises exc and the store is unchanged."""
        before = self.state()
        with self.assertRaises(exc) as cm:
            call(*args, **kwargs)
        self.assertEqual(self.state(), before, "a refused call wrote to the store")
        return cm.exception

    # -- env

    def test_env_key_with_an_equals_sign_is_refused(self):
        err = self.assertRefused(Invalid, self.store.env_set, APP, {"A=B": "c"})
        self.assertIn("'='", str(err))

    def test_env_value_none_is_refused(self):
        err = self.assertRefused(TypeError, self.store.env_set, APP, {"K": None})
        self.assertIn("env_unset", str(err))

    def test_env_value_that_is_not_a_str_is_refused(self):
        self.assertRefused(TypeError, self.store.env_set, APP, {"K": 5})

    def test_env_key_that_is_not_a_str_is_refused(self):
        self.assertRefused(TypeError, self.store.env_set, APP, {b"K": "v"})

    def test_env_pair_given_as_bytes_is_refused(self):
        self.assertRefused(TypeError, self.store.env_set, APP, [b"K=v"])

    def test_env_value_with_a_lone_surrogate_is_refused(self):
        self.assertRefused(Invalid, self.store.env_set, APP, {"K": "\udcff"})

    def test_env_unset_of_none_among_keys_is_a_type_error(self):
        self.assertRefused(TypeError, self.store.env_unset, APP, ["I", None])

    # -- ints

    def test_prune_keep_beyond_size_t_is_refused(self):
        self.assertRefused(Invalid, self.store.prune, APP, 2**64)

    def test_prune_keep_of_a_huge_int_is_refused_with_a_short_message(self):
        err = self.assertRefused(Invalid, self.store.prune, APP, 10**5000)
        self.assertLess(len(str(err)), 200)

    def test_releases_limit_beyond_size_t_is_refused(self):
        self.assertRefused(Invalid, self.store.releases, APP, limit=2**64 + 1)

    def test_builds_limit_beyond_size_t_is_refused(self):
        self.assertRefused(Invalid, self.store.builds, APP, limit=2**64 + 1)

    def test_limit_that_is_not_an_int_is_a_type_error(self):
        self.assertRefused(TypeError, self.store.releases, APP, limit=2.0)

    def test_releases_before_zero_is_refused(self):
        self.assertRefused(Invalid, self.store.releases, APP, before=0)

    def test_int_like_objects_are_accepted(self):
        self.assertEqual(len(list(self.store.releases(APP, limit=Index(2)))), 2)

    def test_build_status_beyond_int_is_refused(self):
        self.assertRefused(Invalid, self.store.create_build, APP, "x", status=2**32 + 2)

    def test_unknown_build_status_name_is_refused_with_a_short_message(self):
        err = self.assertRefused(Invalid, self.store.create_build, APP, status="x" * 100000)
        self.assertLess(len(str(err)), 200)

    def test_set_build_status_beyond_int_is_refused(self):
        self.assertRefused(Invalid, self.store.set_build_status, APP, self.pending, 2**32 + 2)

    def test_wait_beyond_int64_is_refused(self):
        self.assertRefused(Invalid, self.store.promote, APP, self.unpromoted, wait=2**70)

    def test_wait_that_is_not_finite_is_refused(self):
        self.assertRefused(Invalid, self.store.promote, APP, self.unpromoted,
                           wait=float("nan"))

    def test_force_that_is_not_a_bool_is_refused(self):
        self.assertRefused(TypeError, self.store.promote, APP, self.first, force="no")

    def test_if_pending_that_is_not_a_bool_is_refused(self):
        self.assertRefused(TypeError, self.store.promote, APP, self.unpromoted,
                           if_pending="no")

    def test_if_pending_is_given_by_keyword_only(self):
        self.assertRefused(TypeError, self.store.promote, APP, self.unpromoted,
                           None, None, False, None, None, True)

    # -- strings

    def test_app_name_given_as_bytes_is_refused(self):
        self.assertRefused(TypeError, self.store.env_set, APP.encode(), {"K": "v"})

    def test_description_with_a_lone_surrogate_is_refused(self):
        self.assertRefused(Invalid, self.store.create_build, APP, "\udcff")

    def test_manifest_given_as_bytes_is_refused(self):
        self.assertRefused(TypeError, self.store.create_build, APP, "x", manifest=b"m")

    def test_description_none_is_refused(self):
        self.assertRefused(TypeError, self.store.create_build, APP, None)

    def test_release_id_none_is_a_type_error(self):
        self.assertRefused(TypeError, self.store.promote, APP, None)

    # -- the calls of 1.3

    def test_change_env_value_none_is_refused(self):
        err = self.assertRefused(TypeError, self.store.change_env, APP, set={"K": None})
        self.assertIn("env_unset", str(err))

    def test_change_env_key_with_an_equals_sign_is_refused(self):
        self.assertRefused(Invalid, self.store.change_env, APP, set={"A=B": "c"})

    def test_change_env_unset_given_as_bytes_is_refused(self):
        self.assertRefused(TypeError, self.store.change_env, APP, unset=b"I")

    def test_change_env_replace_that_is_not_a_bool_is_refused(self):
        self.assertRefused(TypeError, self.store.change_env, APP, set={"K": "v"}, replace=1)

    def test_change_env_base_given_as_bytes_is_refused(self):
        self.assertRefused(TypeError, self.store.change_env, APP, set={"K": "v"},
                           base=self.first.id.encode())

    def test_create_from_id_with_a_nul_is_refused(self):
        self.assertRefused(Invalid, self.store.create_from, APP, build_from="R\0")

    def test_create_from_id_that_is_not_a_str_is_refused(self):
        self.assertRefused(TypeError, self.store.create_from, APP, env_from=42)

    def test_settings_revision_given_as_a_bool_is_refused(self):
        self.assertRefused(TypeError, self.store.update_settings, APP, mask_add="A",
                           revision=True)

    def test_import_of_none_is_refused(self):
        self.assertRefused(TypeError, self.store.import_build, APP, None)

    def test_build_log_given_as_a_list_is_refused(self):
        self.assertRefused(TypeError, self.store.create_build, APP, "x", log=[1, 2])

    # -- callbacks

    def test_deploy_that_is_not_callable_is_refused(self):
        self.assertRefused(TypeError, self.store.promote, APP, self.unpromoted, deploy=5)

    def test_on_event_that_is_not_callable_is_refused(self):
        self.assertRefused(TypeError, self.store.promote, APP, self.unpromoted, on_event=5)

    def test_emit_of_a_lone_surrogate_fails_the_deployment(self):
        def deploy(release, emit):
            emit("k8s", "\udcff")

        with self.assertRaises(DeployFailed) as cm:
            self.store.promote(APP, self.unpromoted, deploy=deploy)
        self.assertIsInstance(cm.exception.__cause__, Invalid)
        self.assertEqual(self.store.app(APP).active, self.newest.id)

    def test_async_deploy_fails_the_deployment_without_a_warning(self):
        async def deploy(release, emit):
            return True

        cause = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                self.store.promote(APP, self.unpromoted, deploy=deploy)
            except DeployFailed as e:  # its traceback would keep the coroutine alive
                cause = type(e.__cause__)
            gc.collect()  # an unawaited coroutine warns when it is freed
        self.assertIs(cause, TypeError)
        self.assertEqual([str(w.message) for w in caught], [])


class OpenRefusals(Case):
    """Store() checks its arguments before the library opens anything."""

    def test_lease_beyond_int64_is_refused(self):
        with self.assertRaises(Invalid):
            Store("memory:", lease_seconds=2**70)

    def test_lease_of_zero_is_refused(self):
        with self.assertRaises(Invalid):  # the library would read 0 as 10 minutes
            Store("memory:", lease_seconds=0)

    def test_clock_that_is_not_callable_is_refused(self):
        with self.assertRaises(TypeError):
            Store("memory:", clock=5)

    def test_random_that_is_not_callable_is_refused(self):
        with self.assertRaises(TypeError):
            Store("memory:", random=b"not random")

    def test_uri_none_is_a_type_error(self):
        with self.assertRaises(TypeError):
            Store(None)

    def test_clock_beyond_int64_raises(self):
        store = self.open("memory:", clock=lambda: 2**70)
        with self.assertRaises(Invalid):
            store.create_app(APP)


class AppNameValid(Case):
    def test_text_with_a_nul_is_not_a_valid_name(self):
        self.assertFalse(librelease.app_name_valid("my\0app"))

    def test_a_non_str_is_a_type_error(self):
        with self.assertRaises(TypeError):
            librelease.app_name_valid(None)


if __name__ == "__main__":
    unittest.main(verbosity=2)
