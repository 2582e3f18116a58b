"""Waiting for change (librelease 1.4: Store.watch, Watch), run by
`meson test --suite python` on the memory and the file store; on the file
store, a watcher woken by another process's promotion.

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    PYTHONPATH=examples/python python3 examples/python/test_watch.py -v
"""

import datetime
import os
import signal
import subprocess
import sys
import threading
import time
import unittest

import librelease
from librelease import DeployFailed, Invalid, Older, TimedOut, Watch, WatchState
from test_librelease import APP, Case


class Watching:
    """Release 1 promoted; a watch opened on the app."""

    def uri(self):
        raise NotImplementedError

    def setUp(self):
        super().setUp()
        self.store = self.open(self.uri())
        _, self.first = self.seed_app(self.store)
        self.watch = self.store.watch(APP)
        self.addCleanup(self.watch.close)

    def test_the_baseline_is_what_is_there_at_open(self):
        self.assertEqual(self.watch.state, WatchState(1, self.first.id, 1, True))
        self.assertEqual((self.watch.newest, self.watch.active, self.watch.deploy,
                          self.watch.exists), (1, self.first.id, 1, True))

    def test_nothing_changed_is_false_once_the_timeout_passed(self):
        start = time.monotonic()
        self.assertFalse(self.watch.wait(0.3))
        self.assertGreaterEqual(time.monotonic() - start, 0.3)

    def test_a_timeout_of_zero_only_looks(self):
        self.assertFalse(self.watch.wait(0))
        self.store.env_set(APP, {"FOO": "bar"})
        self.assertTrue(self.watch.wait(0))

    def test_a_new_release_is_a_change(self):
        self.store.env_set(APP, {"FOO": "bar"})
        self.assertTrue(self.watch.wait(5))
        self.assertEqual(self.watch.state, WatchState(2, self.first.id, 1, True))

    def test_a_promotion_is_a_change(self):
        second = self.store.env_set(APP, {"FOO": "bar"})
        self.store.promote(APP, second)
        self.assertTrue(self.watch.wait(5))
        self.assertEqual((self.watch.active, self.watch.deploy), (second.id, 2))

    def test_a_rollback_is_a_change(self):
        self.store.promote(APP, self.store.env_set(APP, {"FOO": "bar"}))
        self.watch.wait(0)
        back = self.store.rollback(APP)
        self.assertTrue(self.watch.wait(5))
        self.assertEqual((self.watch.newest, self.watch.active, self.watch.deploy),
                         (3, back.id, 3))

    def test_a_failed_promotion_is_a_change(self):
        second = self.store.env_set(APP, {"FOO": "bar"})
        self.watch.wait(0)
        with self.assertRaises(DeployFailed):
            self.store.promote(APP, second, deploy=lambda release, emit: False)
        self.assertTrue(self.watch.wait(5))
        self.assertEqual((self.watch.active, self.watch.deploy), (self.first.id, 2))

    def test_a_build_a_prune_and_a_refused_promotion_are_no_change(self):
        second = self.store.env_set(APP, {"FOO": "bar"})
        self.store.promote(APP, second)
        self.store.promote(APP, self.store.env_set(APP, {"FOO": "baz"}))
        self.watch.wait(0)
        self.store.create_build(APP, "another build")
        self.assertEqual(self.store.prune(APP, 0), 1)  # the first
        with self.assertRaises(Older):
            self.store.promote(APP, second)
        self.assertFalse(self.watch.wait(0))

    def test_a_change_reported_becomes_the_baseline(self):
        self.store.env_set(APP, {"FOO": "bar"})
        self.assertTrue(self.watch.wait(0))
        self.assertFalse(self.watch.wait(0))

    def test_changes_made_together_are_one_change(self):
        self.store.env_set(APP, {"A": "1"})
        self.store.env_set(APP, {"B": "2"})
        self.assertTrue(self.watch.wait(0))
        self.assertEqual(self.watch.newest, 3)
        self.assertFalse(self.watch.wait(0))

    def test_deleting_the_app_is_a_change(self):
        self.store.delete_app(APP)
        self.assertTrue(self.watch.wait(5))
        self.assertEqual(self.watch.state, WatchState(0, None, 0, False))

    def test_an_app_not_created_yet_can_be_watched(self):
        with self.store.watch("later") as watch:
            self.assertEqual(watch.state, WatchState(0, None, 0, False))
            self.assertFalse(watch.wait(0))
            self.store.create_app("later")
            self.assertTrue(watch.wait(5))
            self.assertTrue(watch.exists)

    def test_changes_yields_each_change_until_a_timeout(self):
        second = self.store.env_set(APP, {"FOO": "bar"})
        seen = []
        for state in self.watch.changes(timeout=0.2):
            seen.append(state)
            if state.active != second.id:
                self.store.promote(APP, second)
        self.assertEqual(seen, [WatchState(2, self.first.id, 1, True),
                                WatchState(2, second.id, 2, True)])

    def test_another_thread_on_the_same_store_wakes_the_wait(self):
        def later():
            time.sleep(0.2)
            self.store.env_set(APP, {"FOO": "bar"})

        thread = threading.Thread(target=later)
        thread.start()
        start = time.monotonic()
        try:
            self.assertTrue(self.watch.wait(10))
        finally:
            thread.join()
        self.assertLess(time.monotonic() - start, 2)
        self.assertEqual(self.watch.newest, 2)

    def test_closing_the_watch_ends_a_wait_in_another_thread(self):
        result = {}
        thread = threading.Thread(target=lambda: result.update(woke=self.watch.wait()))
        thread.start()
        time.sleep(0.2)
        self.watch.close()
        thread.join(5)
        self.assertFalse(thread.is_alive())
        self.assertEqual(result, {"woke": False})

    def test_ctrl_c_interrupts_a_wait_without_a_timeout(self):
        timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
        start = time.monotonic()
        timer.start()
        try:
            with self.assertRaises(KeyboardInterrupt):
                self.watch.wait()
        finally:
            timer.cancel()
        self.assertLess(time.monotonic() - start, 3)
        self.store.env_set(APP, {"FOO": "bar"})  # the store and the watch go on
        self.assertTrue(self.watch.wait(5))

    def test_closing_the_store_closes_its_watches(self):
        store = self.open(self.uri())
        watch = store.watch(APP)
        store.close()
        self.assertTrue(watch.closed)
        with self.assertRaises(ValueError):
            watch.wait(0)

    def test_a_closed_watch_cannot_wait_and_keeps_its_last_state(self):
        with self.store.watch(APP) as watch:
            pass
        self.assertTrue(watch.closed)
        self.assertEqual(watch.active, self.first.id)
        with self.assertRaises(ValueError):
            watch.wait(0)
        self.assertEqual(list(watch.changes(0)), [])
        watch.close()  # idempotent

    def test_a_timeout_is_seconds_or_a_timedelta(self):
        self.assertFalse(self.watch.wait(datetime.timedelta(milliseconds=50)))
        self.assertFalse(self.watch.wait(0.05))
        for bad in (-1, -0.5, float("nan"), float("inf"), 2**63):
            with self.subTest(timeout=bad), self.assertRaises(Invalid):
                self.watch.wait(bad)
        for bad in ("1", True):
            with self.subTest(timeout=bad), self.assertRaises(TypeError):
                self.watch.wait(bad)

    def test_an_invalid_app_name_is_invalid(self):
        with self.assertRaises(Invalid):
            self.store.watch("Not An App")
        with self.assertRaises(TypeError):
            self.store.watch(None)

    def test_a_timeout_from_the_library_is_timed_out(self):
        err = librelease._errors._error(librelease.RELEASE_ETIMEDOUT, "nothing changed")
        self.assertIsInstance(err, TimedOut)
        self.assertIsInstance(err, TimeoutError)
        self.assertEqual((err.code, err.name), (-14, "RELEASE_ETIMEDOUT"))

    def test_a_watch_is_a_watch(self):
        self.assertIsInstance(self.watch, Watch)
        self.assertIn(APP, repr(self.watch))


class WatchingMemory(Watching, Case):
    def uri(self):
        return "memory:"


# Run in another process: promotes release ARGV[2] of APP in store ARGV[1]
# once told to on stdin, then prints the time it returned (time.time_ns()).
PROMOTER = """
import sys, time
import librelease
with librelease.Store(sys.argv[1]) as store:
    print("ready", flush=True)
    sys.stdin.readline()
    store.promote(%r, sys.argv[2])
    print(time.time_ns(), flush=True)
""" % APP


class WatchingFile(Watching, Case):
    def uri(self):
        return self.file_uri()

    def test_a_promotion_by_another_process_wakes_the_watcher_within_a_second(self):
        second = self.store.env_set(APP, {"FOO": "bar"})
        self.assertTrue(self.watch.wait(0))
        promoter = subprocess.Popen([sys.executable, "-c", PROMOTER, self.uri(), second.id],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    universal_newlines=True)
        self.addCleanup(promoter.wait)
        self.addCleanup(promoter.stdout.close)
        self.assertEqual(promoter.stdout.readline(), "ready\n")
        promoter.stdin.write("go\n")
        promoter.stdin.close()
        self.assertTrue(self.watch.wait(10))
        woke = time.time_ns()
        promoted = int(promoter.stdout.readline())
        self.assertEqual(promoter.wait(10), 0)
        self.assertEqual((self.watch.active, self.watch.deploy), (second.id, 2))
        self.assertLess(woke - promoted, 10**9)

    def test_another_store_on_the_same_directory_wakes_the_wait(self):
        other = self.open(self.uri())

        def later():
            time.sleep(0.2)
            other.env_set(APP, {"FOO": "bar"})

        thread = threading.Thread(target=later)
        thread.start()
        try:
            self.assertTrue(self.watch.wait(10))
        finally:
            thread.join()
        self.assertEqual(self.watch.newest, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
