"""The deployment log (librelease 1.4: Store.deployments, Store.deployment_at,
Deployment), run by `meson test --suite python` on the memory and the file
store.

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    PYTHONPATH=examples/python python3 examples/python/test_deployments.py -v
"""

import datetime
import unittest

from librelease import Busy, Deployment, DeployFailed, Invalid, NotFound, Older
from test_librelease import APP, UTC, Case, FakeClock


class DeploymentLog:
    """Release 1 promoted by alice, release 2 (FOO=bar) promoted by bob,
    then rolled back to 1 (the copy, release 3) by carol."""

    def uri(self):
        raise NotImplementedError

    def setUp(self):
        super().setUp()
        self.store = self.open(self.uri(), clock=FakeClock(), actor="alice")
        _, self.first = self.seed_app(self.store)
        self.second = self.store.env_set(APP, {"FOO": "bar"})
        self.store.actor = "bob"
        self.store.promote(APP, self.second)
        self.store.actor = "carol"
        self.third = self.store.rollback(APP, self.first)

    def log(self, **kw):
        return list(self.store.deployments(APP, **kw))

    def test_every_promotion_and_rollback_is_an_entry_newest_first(self):
        self.assertEqual([(d.seq, d.kind, d.to_id) for d in self.log()],
                         [(3, "rollback", self.third.id), (2, "promote", self.second.id),
                          (1, "promote", self.first.id)])

    def test_an_entry_names_from_and_to_with_their_versions(self):
        third, second, first = self.log()
        self.assertEqual((first.from_id, first.from_version), (None, None))
        self.assertEqual((first.to_id, first.to_version), (self.first.id, 1))
        self.assertEqual((second.from_id, second.from_version), (self.first.id, 1))
        self.assertEqual((third.from_id, third.from_version, third.to_version),
                         (self.second.id, 2, 3))

    def test_a_rollback_names_its_target_and_a_promotion_none(self):
        third, second, _ = self.log()
        self.assertEqual((third.target, second.target), (self.first.id, None))

    def test_an_entry_records_its_actor(self):
        self.assertEqual([d.actor for d in self.log()], ["carol", "bob", "alice"])

    def test_an_entry_ends_when_its_release_became_active(self):
        third, _, _ = self.log()
        self.assertEqual(third.ended_ns, self.store.release(APP, self.third.id).promoted_ns)
        self.assertLessEqual(third.started_ns, third.ended_ns)
        self.assertEqual(third.duration,
                         datetime.timedelta(microseconds=(third.ended_ns - third.started_ns)
                                            // 1000))

    def test_until_is_the_next_successs_end_and_none_while_live(self):
        third, second, first = self.log()
        self.assertEqual((first.until_ns, second.until_ns), (second.ended_ns, third.ended_ns))
        self.assertEqual((third.until, third.until_ns), (None, 0))

    def test_times_are_aware_datetimes_with_ns_twins(self):
        entry = self.log()[-1]
        self.assertEqual(entry.ended.tzinfo, UTC)
        self.assertEqual(entry.ended, datetime.datetime.fromtimestamp(
            entry.ended_ns // 1000 / 10**6, UTC))

    def test_a_successful_entry_is_neither_failed_nor_forced(self):
        self.assertEqual({(d.failed, d.forced) for d in self.log()}, {(0, False)})

    def test_a_failed_promotion_is_an_entry_that_ends_nothing(self):
        fourth = self.store.env_set(APP, {"FOO": "baz"})
        with self.assertRaises(DeployFailed):
            self.store.promote(APP, fourth, deploy=lambda release, emit: False)
        failed, live = self.log(limit=2)
        self.assertEqual((failed.seq, failed.to_id, failed.from_id), (4, fourth.id, self.third.id))
        self.assertNotEqual(failed.failed, 0)
        self.assertEqual((failed.until, live.until), (None, None))
        self.assertEqual(failed.ended_ns, self.store.release(APP, fourth.id).failed_ns)

    def test_a_forced_promotion_says_so(self):
        self.store.promote(APP, self.second, force=True)  # older than the active one
        self.assertTrue(self.log(limit=1)[0].forced)

    def test_a_refused_promotion_writes_no_entry(self):
        with self.assertRaises(Older):
            self.store.promote(APP, self.second)
        self.assertEqual(len(self.log()), 3)

    def test_limit_and_before_page_through_the_log(self):
        self.assertEqual([d.seq for d in self.log(limit=2)], [3, 2])
        self.assertEqual([d.seq for d in self.log(before=3)], [2, 1])
        page = self.log(limit=1, before=3)
        self.assertEqual([d.seq for d in self.log(before=page[-1])], [1])

    def test_a_page_below_the_top_still_knows_until(self):
        second, first = self.log(before=3)
        self.assertEqual(second.until_ns, self.log()[0].ended_ns)
        self.assertEqual(first.until_ns, second.ended_ns)

    def test_deployments_is_a_cursor_freed_when_left(self):
        cursor = self.store.deployments(APP)
        self.assertIsInstance(next(cursor), Deployment)
        cursor.close()
        self.assertEqual(list(cursor), [])

    def test_what_was_live_at_a_time(self):
        third, second, first = self.log()
        self.assertEqual(self.store.deployment_at(APP, second.ended_ns - 1), first)
        self.assertEqual(self.store.deployment_at(APP, second.ended_ns), second)
        self.assertEqual(self.store.deployment_at(APP, third.ended_ns + 10**9), third)

    def test_what_was_live_at_a_datetime(self):
        first = self.log()[-1]
        at = first.ended + datetime.timedelta(microseconds=1)
        self.assertEqual(self.store.deployment_at(APP, at).to_id, self.first.id)

    def test_a_failed_promotion_was_never_live(self):
        fourth = self.store.env_set(APP, {"FOO": "baz"})
        with self.assertRaises(DeployFailed):
            self.store.promote(APP, fourth, deploy=lambda release, emit: False)
        failed = self.log(limit=1)[0]
        self.assertEqual(self.store.deployment_at(APP, failed.ended_ns).to_id, self.third.id)

    def test_nothing_live_before_the_first_promotion_is_not_found(self):
        first = self.log()[-1]
        with self.assertRaises(NotFound):
            self.store.deployment_at(APP, first.ended_ns - 1)

    def test_an_app_never_promoted_has_an_empty_log(self):
        self.store.create_app("other")
        self.assertEqual(list(self.store.deployments("other")), [])
        with self.assertRaises(NotFound):
            self.store.deployment_at("other", 2**62)

    def test_an_unknown_app_is_not_found(self):
        with self.assertRaises(NotFound):
            self.store.deployments("nope")
        with self.assertRaises(NotFound):
            self.store.deployment_at("nope", 0)

    def test_prune_keeps_the_log(self):
        self.store.prune(APP, 0)
        self.assertEqual(len(self.log()), 3)

    def test_deleting_the_app_deletes_its_log(self):
        self.store.delete_app(APP)
        self.store.create_app(APP)
        self.assertEqual(self.log(), [])

    def test_arguments_are_checked(self):
        for kw in ({"limit": 0}, {"before": 0}, {"before": 2**64}):
            with self.subTest(**kw), self.assertRaises(Invalid):
                self.store.deployments(APP, **kw)
        for kw in ({"limit": True}, {"before": "3"}):
            with self.subTest(**kw), self.assertRaises(TypeError):
                self.store.deployments(APP, **kw)
        with self.assertRaises(TypeError):
            self.store.deployment_at(APP, "yesterday")
        with self.assertRaises(ValueError):
            self.store.deployment_at(APP, datetime.datetime(2020, 1, 1))  # naive
        with self.assertRaises(Invalid):
            self.store.deployment_at(APP, 2**63)


class DeploymentLogMemory(DeploymentLog, Case):
    def uri(self):
        return "memory:"


class DeploymentLogFile(DeploymentLog, Case):
    def uri(self):
        return self.file_uri()

    def test_a_busy_promotion_writes_no_entry(self):
        other = self.open(self.uri())
        seen = {}

        def deploy(release, emit):
            with self.assertRaises(Busy):
                other.promote(APP, self.third)
            seen["entries"] = len(list(other.deployments(APP)))

        fourth = self.store.env_set(APP, {"FOO": "baz"})
        self.store.promote(APP, fourth, deploy=deploy)
        self.assertEqual(seen["entries"], 3)
        self.assertEqual(len(self.log()), 4)


if __name__ == "__main__":
    unittest.main(verbosity=2)
