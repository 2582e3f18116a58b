"""Copying a store (librelease 1.4: copy_store), run by `meson test --suite
python`: memory to file to memory, exactly; resuming; one app; another
app of the same name; the progress callback and its exceptions.

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    PYTHONPATH=examples/python python3 examples/python/test_copy_store.py -v
"""

import pathlib
import unittest

import librelease
from librelease import Conflict, DeployFailed, Exists, Invalid, NotFound, Store, copy_store
from test_librelease import APP, BUILD_DESCRIPTION, Case, FakeClock, seeded


def snapshot(store):
    """Everything a store tells of its apps, for comparing two stores."""
    apps = {}
    for app in store.apps():
        name = app.name
        apps[name] = {
            "app": app,
            "releases": list(store.releases(name)),
            # read one by one: listings leave logs out
            "builds": [store.build(name, b.id) for b in store.builds(name)],
            "settings": store.settings(name),
            "deployments": list(store.deployments(name)),
        }
    return apps


class Copying(Case):
    def setUp(self):
        super().setUp()
        self.src = self.open("memory:", clock=FakeClock(), random=seeded(), actor="alice")
        self.history(self.src)

    def history(self, store):
        """Two apps: builds with logs, env changes, settings, promotions, a
        failed one, a rollback."""
        build, first = self.seed_app(store)
        store.update_settings(APP, mask_add="TOKEN", hook="./deploy.sh")
        running = store.create_build(APP, "build 2", manifest="m2", status="running",
                                     log=b"step 1\n\0binary")
        store.append_build_log(APP, running, b"step 2\n")
        second = store.complete_build(APP, running)
        store.actor = "bob"
        store.promote(APP, second)
        third = store.env_set(APP, {"TOKEN": "s3cret", "FOO": "bar"})
        with self.assertRaises(DeployFailed):
            store.promote(APP, third, deploy=lambda release, emit: False)
        store.rollback(APP, first)
        store.create_app("other")
        store.env_set("other", {"ONLY": "env"})

    def test_memory_to_file_to_memory_is_exact(self):
        files = self.open(self.file_uri())
        back = self.open("memory:")
        copy_store(self.src, files)
        copy_store(files, back)
        want = snapshot(self.src)
        self.assertEqual(sorted(want), [APP, "other"])
        self.assertEqual(snapshot(files), want)
        self.assertEqual(snapshot(back), want)

    def test_what_is_copied_keeps_ids_times_actors_logs_and_failures(self):
        dst = self.open("memory:")
        copy_store(self.src, dst)
        releases = list(dst.releases(APP))
        self.assertEqual([r.actor for r in releases], ["bob", "bob", "alice", "alice"])
        self.assertIsNotNone(releases[1].failed)
        build = dst.build(APP, releases[2].build)
        self.assertEqual(build.log, b"step 1\n\0binarystep 2\n")
        self.assertEqual([d.failed != 0 for d in dst.deployments(APP)],
                         [False, True, False, False])
        self.assertEqual(dst.get_active(APP), self.src.get_active(APP))

    def test_the_copy_returns_the_records_written(self):
        dst = self.open("memory:")
        self.assertGreater(copy_store(self.src, dst), 0)

    def test_copying_again_writes_nothing(self):
        dst = self.open(self.file_uri())
        copy_store(self.src, dst)
        self.assertEqual(copy_store(self.src, dst), 0)
        self.assertEqual(snapshot(dst), snapshot(self.src))

    def test_copying_again_brings_dst_up_to_date(self):
        dst = self.open("memory:")
        copy_store(self.src, dst)
        self.src.promote("other", self.src.env_set("other", {"MORE": "1"}))
        self.assertEqual(self.src.prune(APP, 0), 2)  # v1 and v3: neither active nor previous
        self.src.update_settings(APP, mask_remove="TOKEN")
        self.src.create_app("third")
        with self.assertRaises(Conflict):  # changed since: only a mirror replaces
            copy_store(self.src, dst)
        self.assertGreater(copy_store(self.src, dst, mirror=True), 0)
        want = snapshot(self.src)
        self.assertEqual(sorted(want), [APP, "other", "third"])
        self.assertEqual(snapshot(dst), want)

    def test_progress_is_told_each_app_and_its_records(self):
        dst = self.open("memory:")
        seen = []
        copied = copy_store(self.src, dst, progress=lambda app, n: seen.append((app, n)))
        self.assertEqual([app for app, _ in seen], [APP, "other"])
        self.assertEqual(sum(n for _, n in seen), copied)
        seen.clear()
        copy_store(self.src, dst, progress=lambda app, n: seen.append((app, n)))
        self.assertEqual(seen, [(APP, 0), ("other", 0)])

    def test_one_app_is_copied_alone(self):
        dst = self.open("memory:")
        copy_store(self.src, dst, app="other")
        self.assertEqual(snapshot(dst), {"other": snapshot(self.src)["other"]})

    def test_an_unknown_app_is_not_found(self):
        dst = self.open("memory:")
        with self.assertRaises(NotFound):
            copy_store(self.src, dst, app="nope")

    def test_another_app_of_the_same_name_is_left_alone_and_the_rest_copied(self):
        dst = self.open("memory:")
        dst.create_app(APP)
        with self.assertRaises(Exists) as cm:
            copy_store(self.src, dst)
        self.assertIn(APP, str(cm.exception))
        self.assertEqual(list(dst.releases(APP)), [])
        self.assertEqual(snapshot(dst)["other"], snapshot(self.src)["other"])

    def test_an_app_deleted_and_created_again_in_src_is_another_app(self):
        dst = self.open("memory:")
        copy_store(self.src, dst)
        before = snapshot(dst)["other"]
        self.src.delete_app("other")
        self.src.create_app("other")
        with self.assertRaises(Exists):
            copy_store(self.src, dst)
        self.assertEqual(snapshot(dst)["other"], before)

    def test_an_app_only_dst_has_is_left_alone(self):
        dst = self.open("memory:")
        dst.create_app("mine")
        mine = dst.env_set("mine", {"KEEP": "1"})
        copy_store(self.src, dst)
        self.assertEqual(list(dst.releases("mine")), [mine])

    def test_a_store_copied_to_itself_is_invalid(self):
        with self.assertRaises(Invalid):
            copy_store(self.src, self.src)

    def test_uris_and_paths_are_opened_for_the_copy(self):
        path = pathlib.Path(self.tmp.name, "copy")
        copy_store(self.src, path)
        copy_store(self.src, self.file_uri("copy2"))
        with Store(path) as one, Store(self.file_uri("copy2")) as two:
            self.assertEqual(snapshot(one), snapshot(self.src))
            self.assertEqual(snapshot(two), snapshot(self.src))
        dst = self.open("memory:")
        copy_store(path, dst)
        self.assertEqual(snapshot(dst), snapshot(self.src))

    def test_an_exception_in_progress_stops_the_copy_and_is_raised(self):
        dst = self.open("memory:")
        calls = []

        def progress(app, n):
            calls.append(app)
            raise OSError("progress bar broke")

        with self.assertRaises(OSError):
            copy_store(self.src, dst, progress=progress)
        self.assertEqual(len(calls), 1, "the copy went on after progress raised")
        self.assertEqual(len(dst.apps()), 1, "apps after the one told were copied")
        copy_store(self.src, dst)
        self.assertEqual(snapshot(dst), snapshot(self.src))

    def test_a_keyboard_interrupt_in_progress_is_raised_as_itself(self):
        dst = self.open("memory:")

        def progress(app, n):
            raise KeyboardInterrupt

        with self.assertRaises(KeyboardInterrupt):
            copy_store(self.src, dst, progress=progress)
        copy_store(self.src, dst)
        self.assertEqual(snapshot(dst), snapshot(self.src))

    def test_a_failed_copy_raises_its_error_from_the_progress_exception(self):
        dst = self.open("memory:")
        dst.create_app("other")

        def progress(app, n):
            raise ValueError("late")

        # "other" clashes. Listed first, it fails before progress raises
        # (Exists from ValueError); listed after APP, the copy stops at APP.
        with self.assertRaises((Exists, ValueError)) as cm:
            copy_store(self.src, dst, progress=progress)
        if isinstance(cm.exception, Exists):
            self.assertIsInstance(cm.exception.__cause__, ValueError)

    def test_progress_cannot_use_the_stores(self):
        dst = self.open("memory:")

        def progress(app, n):
            dst.apps()

        with self.assertRaises(RuntimeError):
            copy_store(self.src, dst, progress=progress)

    def test_arguments_are_checked(self):
        dst = self.open("memory:")
        for src in (None, 42, object()):
            with self.subTest(src=src), self.assertRaises(TypeError):
                copy_store(src, dst)
        with self.assertRaises(TypeError):
            copy_store(self.src, dst, progress="print")
        with self.assertRaises(TypeError):
            copy_store(self.src, dst, app=b"other")
        with self.assertRaises(Invalid):
            copy_store(self.src, dst, app="Not An App")
        self.assertEqual(dst.apps(), [])
        closed = Store("memory:")
        closed.close()
        with self.assertRaises(ValueError):
            copy_store(self.src, closed)

    def test_stores_opened_for_the_copy_are_closed_after_it(self):
        open_before = librelease._live["release_store"]
        copy_store(self.src, self.file_uri())
        self.assertEqual(librelease._live["release_store"], open_before)
        with self.assertRaises(NotFound):
            copy_store(self.file_uri(), self.file_uri("other"), app="nope")
        self.assertEqual(librelease._live["release_store"], open_before)

    def test_both_stores_are_usable_after_a_copy(self):
        dst = self.open("memory:")
        copy_store(self.src, dst)
        self.assertEqual(dst.create_build(APP, BUILD_DESCRIPTION).status, "complete")
        self.assertEqual(self.src.create_build(APP, BUILD_DESCRIPTION).status, "complete")


if __name__ == "__main__":
    unittest.main(verbosity=2)
