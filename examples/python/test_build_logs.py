"""Build logs, and builds exported and imported (librelease 1.3), run by
`meson test --suite python` on the memory and the file store.

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    PYTHONPATH=examples/python python3 examples/python/test_build_logs.py -v
"""

import dataclasses
import struct
import unittest

from librelease import Corrupt, Invalid, NotFound, Store, Unsupported
from test_damage import crc32c
from test_librelease import APP, Case, FakeClock

LOG_MAX = 4 << 20
OTHER = "other"


class Logs:
    """An app; the tests make their builds."""

    def uri(self):
        raise NotImplementedError

    def setUp(self):
        super().setUp()
        self.store = self.open(self.uri(), clock=FakeClock())
        self.store.create_app(APP)

    def test_a_build_without_a_log_has_an_empty_one(self):
        self.assertEqual(self.store.create_build(APP, "b").log, b"")

    def test_a_build_is_created_with_its_log_so_far(self):
        build = self.store.create_build(APP, "b", status="running", log=b"step 1\n")
        self.assertEqual(build.log, b"step 1\n")
        self.assertEqual(self.store.build(APP, build.id).log, b"step 1\n")

    def test_appends_are_kept_in_order(self):
        build = self.store.create_build(APP, "b", status="running", log=b"one\n")
        self.store.append_build_log(APP, build, b"two\n")
        got = self.store.append_build_log(APP, build.id, bytearray(b"three\n"))
        self.assertEqual(got.log, b"one\ntwo\nthree\n")
        self.assertEqual(self.store.build(APP, build.id).log, got.log)

    def test_a_log_is_any_bytes(self):
        data = bytes(range(256)) + b"\0\xff\xfe invalid utf-8 \0"
        build = self.store.create_build(APP, "b", status="created", log=data[:10])
        got = self.store.append_build_log(APP, build, memoryview(data)[10:])
        self.assertEqual(got.log, data)

    def test_an_empty_append_appends_nothing(self):
        build = self.store.create_build(APP, "b", status="running", log=b"x")
        self.assertEqual(self.store.append_build_log(APP, build, b"").log, b"x")

    def test_the_log_of_a_complete_build_is_final(self):
        build = self.store.create_build(APP, "b", status="running", log=b"x")
        self.store.set_build_status(APP, build, "complete")
        with self.assertRaises(Invalid):
            self.store.append_build_log(APP, build, b"late")
        self.assertEqual(self.store.build(APP, build.id).log, b"x")

    def test_the_log_of_a_failed_build_is_final(self):
        build = self.store.create_build(APP, "b", status="failed", log=b"error\n")
        with self.assertRaises(Invalid):
            self.store.append_build_log(APP, build, b"late")

    def test_a_log_past_4_mib_is_invalid_and_nothing_is_appended(self):
        build = self.store.create_build(APP, "b", status="running", log=b"x" * (LOG_MAX - 1))
        with self.assertRaises(Invalid):
            self.store.append_build_log(APP, build, b"yz")
        self.assertEqual(len(self.store.append_build_log(APP, build, b"y").log), LOG_MAX)

    def test_a_log_too_long_to_create_is_invalid(self):
        with self.assertRaises(Invalid):
            self.store.create_build(APP, "b", log=b"x" * (LOG_MAX + 1))
        self.assertEqual(list(self.store.builds(APP)), [])

    def test_listed_builds_leave_out_the_logs_they_have(self):
        self.store.create_build(APP, "a", log=b"log a")
        self.store.create_build(APP, "b", status="running", log=b"log b")
        self.assertEqual([b.log for b in self.store.builds(APP)], [None, None])

    def test_a_listed_build_without_a_log_has_an_empty_one(self):
        self.store.create_build(APP, "a", log=b"log a")
        self.store.create_build(APP, "b")
        self.assertEqual([b.log for b in self.store.builds(APP)], [b"", None])

    def test_a_listed_builds_log_is_read_with_the_build(self):
        self.store.create_build(APP, "a", log=b"log a")
        listed = next(iter(self.store.builds(APP)))
        got = self.store.build(APP, listed)
        self.assertEqual(got.log, b"log a")
        self.assertEqual(dataclasses.replace(got, log=None), listed)

    def test_unknown_build_is_not_found(self):
        with self.assertRaises(NotFound):
            self.store.append_build_log(APP, "BABCDEFGHI", b"x")

    def test_another_apps_build_is_not_found(self):
        build = self.store.create_build(APP, "b", status="running")
        self.store.create_app(OTHER)
        with self.assertRaises(NotFound):
            self.store.append_build_log(OTHER, build, b"x")
        self.assertEqual(self.store.build(APP, build.id).log, b"")

    def test_a_log_given_as_str_is_a_type_error(self):
        with self.assertRaises(TypeError):
            self.store.create_build(APP, "b", log="text")
        build = self.store.create_build(APP, "b", status="running")
        with self.assertRaises(TypeError):
            self.store.append_build_log(APP, build, "text")

    def test_a_log_given_as_an_int_is_a_type_error(self):
        build = self.store.create_build(APP, "b", status="running")
        with self.assertRaises(TypeError):
            self.store.append_build_log(APP, build, 5)

    def test_the_log_stays_out_of_repr(self):
        build = self.store.create_build(APP, "b", log=b"secret-ish " * 1000)
        self.assertNotIn("secret-ish", repr(build))


class LogsMemory(Logs, Case):
    def uri(self):
        return "memory:"


class LogsFile(Logs, Case):
    def uri(self):
        return self.file_uri()

    def test_logs_outlive_the_store_handle(self):
        build = self.store.create_build(APP, "b", status="running", log=b"one\n")
        self.store.append_build_log(APP, build, b"two\n")
        self.store.close()
        with Store(self.uri()) as again:
            self.assertEqual(again.build(APP, build.id).log, b"one\ntwo\n")


# ----------------------------------------------------------- export, import

class Transfer:
    """A complete build with a log, exported; the tests import it."""

    def uri(self):
        raise NotImplementedError

    def setUp(self):
        super().setUp()
        self.store = self.open(self.uri(), clock=FakeClock())
        self.store.create_app(APP)
        self.store.create_app(OTHER)
        self.build = self.store.create_build(APP, "build 0a1b2c3d my commit",
                                             manifest="services: {web: {}}",
                                             log=b"compiling\n\0binary\xff\n")
        self.data = self.store.export_build(APP, self.build)

    def assertNothingImported(self):
        self.assertEqual(list(self.store.builds(OTHER)), [])
        self.assertEqual(list(self.store.releases(OTHER)), [])

    def test_an_export_is_bytes(self):
        self.assertIsInstance(self.data, bytes)
        self.assertGreater(len(self.data), len(self.build.log))

    def test_an_import_keeps_description_manifest_log_and_times(self):
        got = self.store.import_build(OTHER, self.data)
        self.assertEqual((got.app, got.status), (OTHER, "complete"))
        for name in ("description", "manifest", "log", "started_ns", "ended_ns"):
            self.assertEqual(getattr(got, name), getattr(self.build, name), name)

    def test_an_import_is_a_new_build(self):
        got = self.store.import_build(OTHER, self.data)
        self.assertNotEqual(got.id, self.build.id)
        self.assertEqual(self.store.build(OTHER, got.id), got)

    def test_an_import_creates_its_release_unpromoted(self):
        got = self.store.import_build(OTHER, self.data)
        release = self.store.release(OTHER, got.release)
        self.assertEqual((release.build, release.manifest), (got.id, "services: {web: {}}"))
        self.assertFalse(release.active)
        self.assertIsNone(self.store.app(OTHER).active)

    def test_an_import_into_the_same_app_is_another_build(self):
        got = self.store.import_build(APP, self.data)
        self.assertEqual([b.id for b in self.store.builds(APP)], [got.id, self.build.id])

    def test_an_import_into_another_store(self):
        with Store("memory:") as elsewhere:
            elsewhere.create_app(APP)
            got = elsewhere.import_build(APP, self.data)
            self.assertEqual((got.log, got.manifest), (self.build.log, self.build.manifest))

    def test_an_import_takes_any_bytes_like_data(self):
        got = self.store.import_build(OTHER, memoryview(bytearray(self.data)))
        self.assertEqual(got.log, self.build.log)

    def test_a_build_that_is_not_complete_is_not_exported(self):
        running = self.store.create_build(APP, "still going", status="running")
        with self.assertRaises(Invalid) as cm:
            self.store.export_build(APP, running)
        self.assertIn("running", str(cm.exception))
        self.assertIn(running.id, str(cm.exception))

    def test_an_unknown_build_is_not_exported(self):
        with self.assertRaises(NotFound):
            self.store.export_build(APP, "BABCDEFGHI")

    def test_another_apps_build_is_not_exported(self):
        with self.assertRaises(NotFound):
            self.store.export_build(OTHER, self.build)

    def test_truncated_bytes_are_corrupt_and_import_nothing(self):
        for n in (0, 3, 4, 16, len(self.data) // 2, len(self.data) - 1):
            with self.assertRaises(Corrupt, msg="%d bytes" % n):
                self.store.import_build(OTHER, self.data[:n])
        self.assertNothingImported()

    def test_altered_bytes_are_corrupt_and_import_nothing(self):
        for at in (20, len(self.data) // 2, len(self.data) - 1):
            altered = bytearray(self.data)
            altered[at] ^= 0x01
            with self.assertRaises(Corrupt, msg="byte %d" % at):
                self.store.import_build(OTHER, altered)
        self.assertNothingImported()

    def test_bytes_after_the_end_are_corrupt(self):
        with self.assertRaises(Corrupt):
            self.store.import_build(OTHER, self.data + b"\0")
        self.assertNothingImported()

    def test_bytes_that_are_no_export_are_corrupt(self):
        with self.assertRaises(Corrupt):
            self.store.import_build(OTHER, b"#!/bin/sh\necho not an export\n")
        self.assertNothingImported()

    def test_a_newer_format_is_unsupported_and_imports_nothing(self):
        newer = bytearray(self.data)
        newer[4] += 1  # the format version, after the signature
        struct.pack_into("<I", newer, len(newer) - 4, crc32c(newer[:-4]))  # the checksum
        with self.assertRaises(Unsupported) as cm:
            self.store.import_build(OTHER, newer)
        self.assertIn("newer", str(cm.exception))
        self.assertNothingImported()

    def test_a_format_byte_changed_without_its_checksum_is_corrupt(self):
        # The frame is checked first: damage is not taken for a newer format.
        for version in (self.data[4] + 1, 0xff):
            altered = bytearray(self.data)
            altered[4] = version
            with self.assertRaises(Corrupt, msg="format %d" % version):
                self.store.import_build(OTHER, altered)
        self.assertNothingImported()

    def test_a_listed_build_is_exported_whole(self):
        listed = next(iter(self.store.builds(APP)))
        self.assertIsNone(listed.log)
        got = self.store.import_build(OTHER, self.store.export_build(APP, listed))
        self.assertEqual(got.log, self.build.log)

    def test_an_import_into_an_unknown_app_is_not_found(self):
        with self.assertRaises(NotFound):
            self.store.import_build("nope", self.data)

    def test_data_given_as_str_is_a_type_error(self):
        with self.assertRaises(TypeError):
            self.store.import_build(OTHER, self.data.decode("latin-1"))


class EndedBeforeStarted(Case):
    """A build whose clock stepped back while it ran: it ended before it
    started, and is exported and imported as it is."""

    def test_a_build_that_ended_before_it_started_is_imported_as_it_is(self):
        clock = FakeClock()
        store = self.open(clock=clock)
        store.create_app(APP)
        store.create_app(OTHER)
        build = store.create_build(APP, "b", status="running", log=b"x")
        clock.now -= 10**9
        build = store.set_build_status(APP, build, "complete")
        self.assertLess(build.ended_ns, build.started_ns)
        got = store.import_build(OTHER, store.export_build(APP, build))
        self.assertEqual((got.started_ns, got.ended_ns, got.log),
                         (build.started_ns, build.ended_ns, b"x"))


class TransferMemory(Transfer, Case):
    def uri(self):
        return "memory:"


class TransferFile(Transfer, Case):
    def uri(self):
        return self.file_uri()


if __name__ == "__main__":
    unittest.main(verbosity=2)
