"""Tests of the Python binding (the librelease package), run by `meson test --suite python`.

meson passes the built library in LIBRELEASE_PATH and this directory in
PYTHONPATH, and runs the script through run.py (sanitizer builds; see
meson.build).

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    PYTHONPATH=examples/python python3 examples/python/test_librelease.py -v
"""

import datetime
import gc
import os
import random
import tempfile
import threading
import unittest

import librelease
from librelease import (
    Busy, Corrupt, DeployFailed, Exists, Invalid, NotFound, Older, ReleaseError,
    StorageIOError, Store, Unsupported)

APP = "myapp"
BUILD_DESCRIPTION = "build 0a1b2c3d4e5f my commit message"
START_NS = 1546300800 * 10**9  # 2019-01-01T00:00:00Z
UTC = datetime.timezone.utc


class FakeClock:
    """A store clock that moves only when told (and by 1 ms per reading, so
    that times differ)."""

    def __init__(self, now=START_NS):
        self.now = now
        self.calls = 0

    def __call__(self):
        self.calls += 1
        self.now += 10**6
        return self.now


def seeded(seed=42):
    return random.Random(seed)


class Case(unittest.TestCase):
    """Every test ends with no C object of this module left alive."""

    def setUp(self):
        self.addCleanup(self.check_nothing_alive)  # cleanups run last-in first-out
        self.tmp = tempfile.TemporaryDirectory(prefix="librelease-py-")
        self.addCleanup(self.tmp.cleanup)

    def check_nothing_alive(self):
        gc.collect()
        live = {k: v for k, v in librelease._live.items() if v}
        self.assertEqual(live, {}, "C objects left alive")

    def open(self, uri="memory:", **kw):
        store = Store(uri, **kw)
        self.addCleanup(store.close)
        return store

    def file_uri(self, name="store"):
        return "file:" + os.path.join(self.tmp.name, name)

    def seed_app(self, store):
        """The seed's start: an app, a complete build and its release, promoted."""
        store.create_app(APP)
        build = store.create_build(APP, BUILD_DESCRIPTION, manifest="services: {web: {}}")
        first = store.create_release(APP, build.id)
        store.promote(APP, first.id)
        return build, first


# ------------------------------------------------------------------ the seed

class SeedScenario:
    """The seed's story, against one store kind (subclasses set uri())."""

    def uri(self):
        raise NotImplementedError

    def test_seed_story(self):
        store = self.open(self.uri(), clock=FakeClock(), random=seeded())
        build, first = self.seed_app(store)
        self.assertEqual(first.version, 1)
        self.assertEqual(first.build, build.id)
        self.assertEqual(first.description, BUILD_DESCRIPTION)
        self.assertEqual(store.build(APP, build.id).release, first.id)

        second = store.env_set(APP, {"FOO": "bar"})
        self.assertEqual(second.description, "env add:FOO")
        self.assertEqual(second.env, {"FOO": "bar"})
        self.assertEqual(second.build, build.id)
        store.promote(APP, second.id)
        app = store.app(APP)
        self.assertEqual((app.active, app.previous), (second.id, first.id))

        back = store.rollback(APP, first.id)
        self.assertEqual(back.version, 3)
        self.assertEqual(back.source, first.id)
        self.assertEqual(back.build, build.id)
        self.assertEqual(back.env, {})
        self.assertNotIn("FOO", back.env)
        self.assertEqual(back.description, BUILD_DESCRIPTION)
        self.assertEqual(back.manifest, "services: {web: {}}")
        self.assertTrue(back.active)
        self.assertIsNotNone(back.promoted)

        history = list(store.releases(APP))
        self.assertEqual([r.id for r in history], [back.id, second.id, first.id])
        self.assertEqual([r.active for r in history], [True, False, False])
        self.assertEqual(history[1].env, {"FOO": "bar"})
        self.assertIsNotNone(history[1].promoted)
        app = store.app(APP)
        self.assertEqual((app.active, app.previous, app.status), (back.id, second.id, "running"))

    def test_rollback_without_target_goes_to_previously_active(self):
        store = self.open(self.uri())
        _, first = self.seed_app(store)
        second = store.env_set(APP, ["FOO=bar"])
        store.promote(APP, second)
        back = store.rollback(APP)
        self.assertEqual(back.source, first.id)
        self.assertEqual(store.app(APP).active, back.id)


class SeedMemory(SeedScenario, Case):
    def uri(self):
        return "memory:"


class SeedFile(SeedScenario, Case):
    def uri(self):
        return self.file_uri()


# ---------------------------------------------------------------- iteration

class Iteration(Case):
    N = 300

    def setUp(self):
        super().setUp()
        self.store = self.open("memory:")
        self.store.create_app(APP)
        for i in range(self.N):
            self.store.env_set(APP, {"N": str(i)})

    def test_all_newest_first(self):
        versions = [r.version for r in self.store.releases(APP)]
        self.assertEqual(versions, list(range(self.N, 0, -1)))

    def test_paging_with_limit_and_before(self):
        seen, before, pages = [], None, 0
        while True:
            page = list(self.store.releases(APP, limit=64, before=before))
            if not page:
                break
            pages += 1
            self.assertLessEqual(len(page), 64)
            seen.extend(r.version for r in page)
            before = page[-1].version
        self.assertEqual(pages, 5)
        self.assertEqual(seen, list(range(self.N, 0, -1)))
        # before may be a Release
        newest = self.store.release_version(APP, self.N)
        self.assertEqual(next(iter(self.store.releases(APP, before=newest))).version, self.N - 1)
        self.assertEqual([r.version for r in self.store.releases(APP, before=3)], [2, 1])
        self.assertEqual(list(self.store.releases(APP, before=1)), [])

    def test_items_are_copies_that_outlive_the_iterator(self):
        cursor = self.store.releases(APP, limit=3)
        items = list(cursor)
        cursor.close()
        self.assertEqual([r.env["N"] for r in items], ["299", "298", "297"])
        self.assertEqual(items[0].app, APP)

    def test_lazy(self):
        converted = []
        original = librelease.Release._from_c

        def counting(lib, p):
            converted.append(1)
            return original(lib, p)

        librelease.Release._from_c = counting
        try:
            cursor = self.store.releases(APP)
            self.assertEqual(len(converted), 0)
            self.assertEqual(next(cursor).version, self.N)
            self.assertEqual(next(cursor).version, self.N - 1)
            self.assertEqual(len(converted), 2)
            cursor.close()
        finally:
            librelease.Release._from_c = original

    def test_abandoned_early_frees_the_c_iterator(self):
        for r in self.store.releases(APP):
            if r.version < self.N - 5:
                break
        gc.collect()
        self.assertEqual(librelease._live["release_iter_free"], 0)
        cursor = self.store.releases(APP)
        next(cursor)
        self.assertEqual(librelease._live["release_iter_free"], 1)
        del cursor
        gc.collect()
        self.assertEqual(librelease._live["release_iter_free"], 0)
        with self.store.releases(APP) as cursor:
            next(cursor)
        self.assertEqual(librelease._live["release_iter_free"], 0)
        self.assertEqual(list(cursor), [])  # closed: nothing more

    def test_store_close_frees_open_iterators_first(self):
        cursor = self.store.releases(APP)
        next(cursor)
        unstarted = self.store.builds(APP)
        self.store.close()
        self.assertEqual(librelease._live["release_iter_free"], 0)
        self.assertEqual(librelease._live["release_build_iter_free"], 0)
        self.assertEqual(list(cursor), [])
        self.assertEqual(list(unstarted), [])

    def test_other_calls_between_steps(self):
        cursor = self.store.releases(APP, limit=100)
        for r in cursor:
            self.assertEqual(self.store.release(APP, r.id).version, r.version)
            if r.version == self.N - 70:  # past the first page
                self.store.env_set(APP, {"DURING": "iteration"})
        self.assertEqual(self.store.release_version(APP, self.N + 1).env["DURING"], "iteration")

    def test_errors_at_call_time(self):
        with self.assertRaises(NotFound):
            self.store.releases("nope")
        with self.assertRaises(Invalid):
            self.store.releases(APP, limit=0)
        self.assertEqual(librelease._live["release_iter_free"], 0)


class Builds(Case):
    def test_builds(self):
        store = self.open(clock=FakeClock())
        store.create_app(APP)
        pending = store.create_build(APP, "pending", status="created")
        self.assertEqual(pending.status, "created")
        self.assertIsNone(pending.ended)
        self.assertEqual(pending.ended_ns, 0)
        with self.assertRaises(Invalid):
            store.create_release(APP, pending.id)
        running = store.set_build_status(APP, pending, "running")
        self.assertEqual(running.status, "running")
        done = store.set_build_status(APP, pending.id, "complete")
        self.assertIsNotNone(done.ended)
        self.assertGreater(done.ended_ns, done.started_ns)
        with self.assertRaises(Invalid):
            store.set_build_status(APP, pending.id, "failed")
        with self.assertRaises(Invalid):
            store.create_build(APP, status="shiny")
        for i in range(5):
            store.create_build(APP, "b%d" % i, manifest="m%d" % i)
        release = store.create_release(APP, done)
        self.assertEqual(store.build(APP, done.id).release, release.id)
        listed = list(store.builds(APP))
        self.assertEqual([b.description for b in listed], ["b4", "b3", "b2", "b1", "b0", "pending"])
        self.assertEqual([b.manifest for b in store.builds(APP, limit=2)], ["m4", "m3"])
        with self.assertRaises(NotFound):
            store.build(APP, "BABCDEFGHI")


# -------------------------------------------------------------- promotion

class Promotion(Case):
    def setUp(self):
        super().setUp()
        self.clock = FakeClock()
        self.store = self.open("memory:", clock=self.clock)
        self.build, self.first = self.seed_app(self.store)
        self.second = self.store.env_set(APP, {"FOO": "bar"})
        self.events = []

    def on_event(self, time, source, message):
        self.assertIsInstance(time, datetime.datetime)
        self.assertEqual(time.tzinfo, UTC)
        self.events.append((source, message))

    def test_deploy_success_and_events(self):
        seen = []

        def deploy(release, emit):
            seen.append(release)
            emit("k8s", "replicaset %s created" % release.id)
            emit("k8s", "pod started")
            return True

        self.store.promote(APP, self.second.id, deploy=deploy, on_event=self.on_event)
        self.assertEqual(seen[0].id, self.second.id)
        self.assertEqual(seen[0].env, {"FOO": "bar"})
        self.assertEqual(self.events, [
            ("librelease", "app Status: running => updating"),
            ("k8s", "replicaset %s created" % self.second.id),
            ("k8s", "pod started"),
            ("librelease", "app Status: updating => running"),
        ])
        self.assertEqual(self.store.app(APP).active, self.second.id)
        self.assertIsNotNone(self.store.release(APP, self.second.id).promoted)

    def test_event_times_come_from_the_store_clock(self):
        times = []
        self.store.promote(APP, self.second.id,
                           on_event=lambda t, s, m: times.append(t))
        self.assertEqual(len(times), 2)
        for t in times:
            self.assertGreater(t, datetime.datetime(2019, 1, 1, tzinfo=UTC))
            self.assertLess(t, datetime.datetime(2019, 1, 2, tzinfo=UTC))

    def test_deploy_returning_none_succeeds(self):
        self.store.promote(APP, self.second, deploy=lambda r, emit: None)
        self.assertEqual(self.store.app(APP).active, self.second.id)

    def test_deploy_failure(self):
        with self.assertRaises(DeployFailed) as cm:
            self.store.promote(APP, self.second.id, deploy=lambda r, emit: False,
                               on_event=self.on_event)
        err = cm.exception
        self.assertEqual(err.code, librelease.RELEASE_EDEPLOY)
        self.assertEqual(err.name, "RELEASE_EDEPLOY")
        self.assertIn(self.second.id, err.message)
        self.assertIsNone(err.__cause__)
        self.assertEqual(self.store.app(APP).active, self.first.id)
        failed = self.store.release(APP, self.second.id)
        self.assertIsNotNone(failed.failed)
        self.assertIsNone(failed.promoted)
        self.assertFalse(failed.active)
        self.assertEqual(self.events[0], ("librelease", "app Status: running => updating"))
        self.assertIn(("librelease", "app Status: updating => rollback"), self.events)
        self.assertEqual(self.store.app(APP).status, "running")  # lease given back

    def test_exception_in_deploy_is_the_cause_of_deploy_failed(self):
        def deploy(release, emit):
            emit("deployer", "about to fail")
            raise ZeroDivisionError("kubectl exploded")

        with self.assertRaises(DeployFailed) as cm:
            self.store.promote(APP, self.second.id, deploy=deploy, on_event=self.on_event)
        self.assertIsInstance(cm.exception.__cause__, ZeroDivisionError)
        self.assertEqual(str(cm.exception.__cause__), "kubectl exploded")
        self.assertIn(("deployer", "about to fail"), self.events)
        self.assertEqual(self.store.app(APP).active, self.first.id)
        self.assertIsNotNone(self.store.release(APP, self.second.id).failed)
        # The store is fine afterwards.
        self.store.promote(APP, self.second.id)
        self.assertEqual(self.store.app(APP).active, self.second.id)

    def test_base_exception_in_deploy_propagates_itself(self):
        class Stop(BaseException):
            pass

        def deploy(release, emit):
            raise Stop()

        with self.assertRaises(Stop):
            self.store.promote(APP, self.second.id, deploy=deploy)
        self.assertEqual(self.store.app(APP).active, self.first.id)

    def test_deploy_with_a_bad_return_value(self):
        with self.assertRaises(DeployFailed) as cm:
            self.store.promote(APP, self.second.id, deploy=lambda r, emit: 0)
        self.assertIsInstance(cm.exception.__cause__, TypeError)

    def test_emit_after_deploy_returned(self):
        kept = []
        self.store.promote(APP, self.second.id, deploy=lambda r, emit: kept.append(emit))
        with self.assertRaises(RuntimeError):
            kept[0]("late", "event")

    def test_deploy_must_not_use_its_own_store(self):
        def deploy(release, emit):
            self.store.apps()

        with self.assertRaises(DeployFailed) as cm:
            self.store.promote(APP, self.second.id, deploy=deploy)
        self.assertIsInstance(cm.exception.__cause__, RuntimeError)

    def test_on_event_exception(self):
        def on_event(time, source, message):
            raise KeyError(message)

        # With a deployer: the deployment fails, the exception is the cause.
        with self.assertRaises(DeployFailed) as cm:
            self.store.promote(APP, self.second.id, deploy=lambda r, emit: True,
                               on_event=on_event)
        self.assertIsInstance(cm.exception.__cause__, KeyError)
        self.assertEqual(self.store.app(APP).active, self.first.id)
        # Without one: the promotion happens, then the exception is raised.
        with self.assertRaises(KeyError):
            self.store.promote(APP, self.second.id, on_event=on_event)
        self.assertEqual(self.store.app(APP).active, self.second.id)

    def test_rollback_with_deployer(self):
        self.store.promote(APP, self.second.id)

        def deploy(release, emit):
            emit("k8s", "rolling back to " + release.source)

        back = self.store.rollback(APP, deploy=deploy, on_event=self.on_event)
        self.assertEqual(back.source, self.first.id)
        self.assertTrue(back.active)
        self.assertEqual(self.events, [
            ("librelease", "app Status: running => updating"),
            ("k8s", "rolling back to " + self.first.id),
            ("librelease", "app Status: updating => running"),
        ])

    def test_failed_rollback(self):
        self.store.promote(APP, self.second.id)
        with self.assertRaises(DeployFailed) as cm:
            self.store.rollback(APP, self.first, deploy=lambda r, emit: False)
        copy = next(iter(self.store.releases(APP, limit=1)))
        self.assertEqual(copy.source, self.first.id)
        self.assertIn(copy.id, str(cm.exception))
        self.assertIsNotNone(copy.failed)
        self.assertEqual(self.store.app(APP).active, self.second.id)

    def test_older(self):
        self.store.promote(APP, self.second.id)
        with self.assertRaises(Older) as cm:
            self.store.promote(APP, self.first.id)
        self.assertIn("rollback", str(cm.exception))
        self.store.promote(APP, self.first.id, force=True)
        self.assertEqual(self.store.app(APP).active, self.first.id)

    def test_prune(self):
        for i in range(10):
            self.store.env_set(APP, {"I": str(i)})
        newest = next(iter(self.store.releases(APP, limit=1)))
        self.store.promote(APP, newest)
        # 12 releases; active v12, previously active v1; keep 2 older (v11, v10).
        self.assertEqual(self.store.prune(APP, 2), 8)
        self.assertEqual([r.version for r in self.store.releases(APP)], [12, 11, 10, 1])
        self.assertEqual(self.store.prune(APP, 2), 0)
        with self.assertRaises(Invalid):
            self.store.prune(APP, -1)


class BusyApp(Case):
    """Two handles on one file store: one promotes while the other tries."""

    def test_busy(self):
        uri = self.file_uri()
        a = self.open(uri)
        b = self.open(uri)
        _, first = self.seed_app(a)
        second = a.env_set(APP, {"FOO": "bar"})
        seen = {}

        def deploy(release, emit):
            app = b.app(APP)
            seen["status"], seen["owner"] = app.status, app.lease_owner
            seen["expires"], seen["started"] = app.lease_expires, app.lease_started
            with self.assertRaises(Busy) as cm:
                b.promote(APP, release.id)
            seen["busy"] = cm.exception
            with self.assertRaises(Busy):
                b.promote(APP, release.id, wait=0.05)
            with self.assertRaises(Busy):
                b.rollback(APP, first.id)
            return True

        a.promote(APP, second.id, deploy=deploy, owner="ci-runner-1")
        self.assertEqual(seen["status"], "updating")
        self.assertEqual(seen["owner"], "ci-runner-1")
        self.assertIsNone(seen["expires"])  # a hold: it lasts as long as its holder
        self.assertIsNotNone(seen["started"])
        self.assertEqual(seen["busy"].code, librelease.RELEASE_EBUSY)
        self.assertIn("ci-runner-1", seen["busy"].message)
        self.assertEqual(b.app(APP).active, second.id)
        self.assertEqual(b.app(APP).status, "running")
        self.assertEqual(len(list(b.releases(APP))), 2)  # the busy rollback wrote nothing

    def test_a_hold_outlasts_its_lease_length(self):
        # The file store holds an app for as long as the promoting process
        # lives: no clock ends it, so a long deployment needs no renewal.
        clock = FakeClock()
        uri = self.file_uri()
        a = self.open(uri, clock=clock, lease_seconds=1)
        b = self.open(uri, clock=clock)
        _, first = self.seed_app(a)
        second = a.env_set(APP, {"FOO": "bar"})
        seen = {}

        def deploy(release, emit):
            clock.now += 2 * 10**9  # the deployment outlives the lease length
            emit.keepalive()        # nothing to renew, and no error
            app = b.app(APP)
            seen["app"] = app
            with self.assertRaises(Busy):
                b.promote(APP, first.id, owner="other")
            return True

        a.promote(APP, second.id, deploy=deploy)
        self.assertEqual(seen["app"].status, "updating")
        self.assertIsNone(seen["app"].lease_expires)
        self.assertIsNotNone(seen["app"].lease_started)
        self.assertEqual(b.app(APP).active, second.id)
        self.assertIsNone(b.app(APP).lease_started)

    def test_keepalive_after_the_deployment_is_refused(self):
        store = self.open()
        _, first = self.seed_app(store)
        kept = {}

        def deploy(release, emit):
            kept["emit"] = emit
            return True

        store.promote(APP, first.id, deploy=deploy)
        with self.assertRaises(RuntimeError):
            kept["emit"].keepalive()


# ------------------------------------------------------------------- errors

class Errors(Case):
    def test_classes_codes_and_messages(self):
        store = self.open()
        with self.assertRaises(NotFound) as cm:
            store.app("nope")
        err = cm.exception
        self.assertIsInstance(err, ReleaseError)
        self.assertIsInstance(err, LookupError)
        self.assertEqual((err.code, err.name), (-2, "RELEASE_ENOTFOUND"))
        self.assertIn("nope", err.message)
        self.assertEqual(str(err), err.message)

        with self.assertRaises(Invalid) as cm:
            store.create_app("Bad_Name")
        self.assertIsInstance(cm.exception, ValueError)
        self.assertEqual(cm.exception.code, librelease.RELEASE_EINVAL)
        self.assertFalse(librelease.app_name_valid("Bad_Name"))
        self.assertTrue(librelease.app_name_valid("my-app-2"))

        store.create_app(APP)
        with self.assertRaises(Exists):
            store.create_app(APP)
        for call in (lambda: store.release(APP, "RABCDEFGHI"),
                     lambda: store.release_version(APP, 7),
                     lambda: store.promote(APP, "RABCDEFGHI"),
                     lambda: store.rollback(APP),
                     lambda: store.env_set("nope", {"A": "b"}),
                     lambda: store.delete_app("nope")):
            with self.assertRaises(NotFound):
                call()
        for call in (lambda: store.release(APP, "not-an-id"),
                     lambda: store.env_set(APP, ["NOEQUALS"]),
                     lambda: store.env_set(APP, {"1BAD": "x"}),
                     lambda: store.create_app("nul\0name"),
                     lambda: store.promote(APP, "RABCDEFGHI", wait=-1)):
            with self.assertRaises(Invalid):
                call()
        with self.assertRaises(TypeError):
            store.app(42)

    def test_other_apps_release_is_not_found(self):
        store = self.open()
        _, first = self.seed_app(store)
        store.create_app("other")
        with self.assertRaises(NotFound):
            store.release("other", first.id)
        with self.assertRaises(NotFound):
            store.rollback("other", first.id)

    def test_open_failures_carry_the_open_message(self):
        with self.assertRaises(Unsupported) as cm:
            Store("bogus:")
        self.assertIn("bogus:", cm.exception.message)
        not_a_store = os.path.join(self.tmp.name, "junk")
        os.mkdir(not_a_store)
        with open(os.path.join(not_a_store, "FORMAT"), "w") as f:
            f.write("junk\n")
        with self.assertRaises(Corrupt) as cm:
            Store("file:" + not_a_store)
        self.assertIn("FORMAT", cm.exception.message)
        with self.assertRaises(StorageIOError):
            Store("file:/proc/no-such-dir/store")

    def test_closed_store(self):
        store = Store("memory:")
        store.close()
        store.close()
        self.assertTrue(store.closed)
        with self.assertRaises(ValueError):
            store.apps()


# ------------------------------------------------------------ env, apps, stores

class EnvAndApps(Case):
    def test_env_changes(self):
        store = self.open()
        store.create_app(APP)
        r = store.env_set(APP, ["A=1", "B=2"])
        self.assertEqual(r.description, "env add:A add:B")
        self.assertEqual(r.env_pairs, ["A=1", "B=2"])
        self.assertIsNone(store.env_set(APP, {"A": "1"}))  # nothing changed
        r = store.env_set(APP, {"B": "3", "C": ""})
        self.assertEqual(r.description, "env add:C change:B")
        self.assertEqual(r.env, {"A": "1", "B": "3", "C": ""})
        r = store.env_unset(APP, "A")
        self.assertEqual(r.description, "env remove:A")
        self.assertIsNone(store.env_unset(APP, ["A", "ZZZ"]))
        self.assertIsNone(r.build)
        r = store.env_set(APP, {"UNICODE": "h\u00e9llo \u2713"})
        self.assertEqual(store.release(APP, r.id).env["UNICODE"], "h\u00e9llo \u2713")

    def test_apps(self):
        store = self.open(clock=FakeClock())
        self.assertEqual(store.apps(), [])
        for name in ("zeta", "alpha", "mid"):
            created = store.create_app(name)
            self.assertEqual(created.name, name)
            self.assertIsNone(created.active)
        self.assertEqual([a.name for a in store.apps()], ["alpha", "mid", "zeta"])
        store.delete_app("mid")
        self.assertEqual([a.name for a in store.apps()], ["alpha", "zeta"])
        with self.assertRaises(NotFound):
            store.app("mid")

    def test_deleted_app_ids_stay_gone(self):
        store = self.open()
        _, first = self.seed_app(store)
        store.delete_app(APP)
        store.create_app(APP)
        with self.assertRaises(NotFound):
            store.release(APP, first.id)


class ActiveRelease(Case):
    def test_get_active_is_the_active_release_as_read_by_id(self):
        store = self.open("memory:", clock=FakeClock())
        _, first = self.seed_app(store)
        store.env_set(APP, {"NOT": "promoted"})
        active = store.get_active(APP)
        self.assertEqual(active, store.release(APP, first.id))
        self.assertTrue(active.active)
        self.assertIsNotNone(active.promoted)

    def test_get_active_after_a_rollback_is_the_copy(self):
        store = self.open("memory:", clock=FakeClock())
        _, first = self.seed_app(store)
        store.promote(APP, store.env_set(APP, {"FOO": "bar"}))
        back = store.rollback(APP)
        active = store.get_active(APP)
        self.assertEqual(active, back)
        self.assertEqual(active.source, first.id)
        self.assertEqual(active.env, {})

    def test_app_without_an_active_release_is_not_found(self):
        store = self.open("memory:")
        store.create_app(APP)
        store.env_set(APP, {"NOT": "promoted"})
        with self.assertRaises(NotFound) as cm:
            store.get_active(APP)
        self.assertEqual(str(cm.exception), "app 'myapp' has no active release")

    def test_unknown_app_is_not_found_as_for_release(self):
        store = self.open("memory:")
        with self.assertRaises(NotFound) as by_id:
            store.release("nope", "RABCDEFGHI")
        with self.assertRaises(NotFound) as active:
            store.get_active("nope")
        self.assertEqual(str(active.exception), str(by_id.exception))

    def test_bad_app_names_are_refused(self):
        store = self.open("memory:")
        with self.assertRaises(Invalid):
            store.get_active("Not_An-App")
        with self.assertRaises(TypeError):
            store.get_active(None)
        with self.assertRaises(TypeError):
            store.get_active(b"myapp")

    def test_answers_follow_another_stores_promotions(self):
        writer = self.open(self.file_uri())
        reader = self.open(self.file_uri())
        writer.create_app(APP)
        made = {}
        for i in range(3):
            build = writer.create_build(APP, "build %d" % i)
            release = writer.create_release(APP, build.id)
            made[release.id] = release
        ids = list(made)
        writer.promote(APP, ids[0])
        failures = []

        def promote_in_turn():
            try:
                for i in range(30):
                    writer.promote(APP, ids[i % 3], force=True)
            except BaseException as e:  # noqa: B902 - reported by the main thread
                failures.append(e)

        thread = threading.Thread(target=promote_in_turn)
        thread.start()
        answers = []
        while thread.is_alive():
            answers.append(reader.get_active(APP))
        thread.join()
        self.assertEqual(failures, [])
        self.assertTrue(answers)
        for active in answers:
            self.assertTrue(active.active)
            self.assertIn(active.id, made)
            expected = made[active.id]
            self.assertEqual((active.version, active.build, active.description),
                             (expected.version, expected.build, expected.description))
            self.assertIsNotNone(active.promoted)


class Stores(Case):
    def test_file_store_persists(self):
        uri = self.file_uri()
        with Store(uri) as store:
            _, first = self.seed_app(store)
            second = store.env_set(APP, {"FOO": "bar"})
        with Store(uri) as store:
            self.assertEqual(store.app(APP).active, first.id)
            self.assertEqual([r.id for r in store.releases(APP)], [second.id, first.id])
        mode = os.stat(uri[len("file:"):]).st_mode & 0o777
        self.assertEqual(mode, 0o700)

    def test_path_like_opens_a_file_store(self):
        import pathlib
        path = pathlib.Path(self.tmp.name) / "pathlike"
        with Store(path) as store:
            store.create_app(APP)
            self.assertEqual(store.uri, "file:" + str(path))
        self.assertTrue(path.is_dir())

    def test_default_file_store_under_xdg_data_home(self):
        saved = os.environ.get("XDG_DATA_HOME")
        os.environ["XDG_DATA_HOME"] = self.tmp.name
        try:
            with Store("file:") as store:
                store.create_app(APP)
            with Store() as store:  # "file:" is the default
                self.assertEqual([a.name for a in store.apps()], [APP])
        finally:
            if saved is None:
                del os.environ["XDG_DATA_HOME"]
            else:
                os.environ["XDG_DATA_HOME"] = saved
        self.assertTrue(os.path.isdir(os.path.join(self.tmp.name, "librelease")))

    def test_memory_stores_are_private(self):
        with Store("memory:") as a, Store("memory:") as b:
            a.create_app(APP)
            self.assertEqual(b.apps(), [])

    def test_threads_share_a_store(self):
        store = self.open()
        store.create_app(APP)
        errors = []

        def work(n):
            try:
                for i in range(25):
                    store.env_set(APP, {"T%d" % n: str(i)})
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual([r.version for r in store.releases(APP)], list(range(100, 0, -1)))


if __name__ == "__main__":
    unittest.main(verbosity=2)
