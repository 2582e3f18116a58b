"""Listings of a damaged file store through the Python binding, run by
`meson test --suite python`.

One record of an app's log is damaged by flipping a byte inside its data:
its checksum then fails, which the file store reports (RELEASE_ECORRUPT)
for that one app, release or build, since the log is what everything else
is rebuilt from. A listing yields every other item and raises Corrupt at
the end, naming the ones it skipped.

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    PYTHONPATH=examples/python python3 examples/python/test_damage.py -v
"""

import gc
import os
import random
import shutil
import struct
import tempfile
import unittest

import librelease
from librelease import Corrupt, StorageIOError, Store

APP = "myapp"
START_NS = 1546300800 * 10**9  # 2019-01-01T00:00:00Z

# The log's layout (lib/file/file.h): a 64-byte header, then records of
# magic u32 | crc32c u32 | op u8 | kind u8 | keylen u8 | flags u8 | datalen u32 |
# seq u64 | key | data, integers little-endian; the magic is "LRRK" for the
# first record of a commit's run, "LRRC" for the others.
LOG_HEADER = 64
RECORD_HEADER = struct.Struct("<IIBBBBIQ")


def damage_record(appdir, key):
    """Flips a byte in the data of the newest record of key (an id, or "app"
    for the app's own record) in appdir's newest log. It must not be the
    log's last record, which would pass for a torn append and be cut."""
    logs = [n for n in os.listdir(appdir) if n.startswith("log.") and n[4:].isdigit()]
    path = os.path.join(appdir, max(logs, key=lambda n: int(n[4:])))
    with open(path, "rb") as f:
        log = f.read()
    pos, target, last = LOG_HEADER, None, None
    while pos + RECORD_HEADER.size <= len(log):
        _magic, _crc, _op, _kind, keylen, _pad, datalen, _seq = \
            RECORD_HEADER.unpack_from(log, pos)
        start = pos + RECORD_HEADER.size
        if log[start:start + keylen] == key.encode() and datalen > 0:
            target = start + keylen + datalen // 2
        last = pos
        pos = start + keylen + datalen
    assert target is not None and target < last, "no record of %s to damage" % key
    with open(path, "r+b") as f:
        f.seek(target)
        f.write(bytes([log[target] ^ 0x55]))


def _crc32c_table():
    table = []
    for n in range(256):
        for _ in range(8):
            n = (n >> 1) ^ 0x82F63B78 if n & 1 else n >> 1
        table.append(n)
    return table


_CRC32C = _crc32c_table()


def crc32c(data, crc=0):
    """CRC-32C (Castagnoli), as the file store's records and build exports
    are checked with; crc continues an earlier value."""
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc = _CRC32C[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def forge_record(appdir, key, edit):
    """Replaces the data of the newest record of key in appdir's newest log
    with edit(data) (of the same length) and mends the record's checksum
    (over everything after it): the store reads the new bytes as sound, as
    it would a record another program wrote. Returns the data it replaced."""
    logs = [n for n in os.listdir(appdir) if n.startswith("log.") and n[4:].isdigit()]
    path = os.path.join(appdir, max(logs, key=lambda n: int(n[4:])))
    with open(path, "rb") as f:
        log = bytearray(f.read())
    pos, found = LOG_HEADER, None
    while pos + RECORD_HEADER.size <= len(log):
        header = RECORD_HEADER.unpack_from(log, pos)
        keylen, datalen = header[4], header[6]
        start = pos + RECORD_HEADER.size
        if log[start:start + keylen] == key.encode():
            found = (pos, start + keylen, datalen)
        pos = start + keylen + datalen
    assert found is not None, "no record of %s to forge" % key
    pos, start, datalen = found
    old = bytes(log[start:start + datalen])
    new = edit(old)
    assert len(new) == datalen, "a forged record keeps its length"
    log[start:start + datalen] = new
    struct.pack_into("<I", log, pos + 4, crc32c(log[pos + 8:start + datalen]))
    with open(path, "r+b") as f:
        f.write(log)
    return old


class Clock:
    def __init__(self):
        self.now = START_NS

    def __call__(self):
        self.now += 10**6
        return self.now


class Damage(unittest.TestCase):
    """A file store with apps "myapp" (four builds, each released, and a
    running build written after them), "other" and "zed"; every test ends
    with no C object of the binding left alive."""

    def setUp(self):
        self.addCleanup(self.check_nothing_alive)
        tmp = tempfile.mkdtemp(prefix="librelease-py-damage-")
        self.addCleanup(shutil.rmtree, tmp, True)
        self.root = os.path.join(tmp, "store")
        self.store = Store("file:" + self.root, clock=Clock(), random=random.Random(7))
        self.addCleanup(self.store.close)
        self.builds, self.releases = [], []
        for app in (APP, "other", "zed"):
            self.store.create_app(app)
        for i in range(1, 5):
            build = self.store.create_build(APP, "build %d" % i)
            self.builds.append(build)
            self.releases.append(self.store.create_release(APP, build.id))
        for app in (APP, "other", "zed"):  # a record after the ones damaged
            self.store.create_build(app, "later", status="running")

    def check_nothing_alive(self):
        gc.collect()
        live = {k: v for k, v in librelease._live.items() if v}
        self.assertEqual(live, {}, "C objects left alive")

    def damage(self, app, key):
        damage_record(os.path.join(self.root, app), key)

    def test_releases_yield_every_readable_release_then_raise_corrupt(self):
        self.damage(APP, self.releases[1].id)  # version 2
        seen = []
        with self.assertRaises(Corrupt) as caught:
            for r in self.store.releases(APP):
                seen.append(r.version)
        self.assertEqual(seen, [4, 3, 1])
        self.assertEqual(len(caught.exception.skipped), 1)
        self.assertIn("release version 2", caught.exception.skipped[0])
        self.assertEqual(str(caught.exception), caught.exception.skipped[0])
        self.assertIsNone(caught.exception.items)

    def test_builds_yield_every_readable_build_then_raise_corrupt(self):
        self.damage(APP, self.builds[2].id)  # the third
        seen = []
        with self.assertRaises(Corrupt) as caught:
            for b in self.store.builds(APP):
                seen.append(b.description)
        self.assertEqual(seen, ["later", "build 4", "build 2", "build 1"])
        self.assertEqual(len(caught.exception.skipped), 1)
        self.assertIn("build at sequence 3", caught.exception.skipped[0])

    def test_apps_raise_corrupt_holding_the_readable_apps(self):
        self.damage("other", "app")
        with self.assertRaises(Corrupt) as caught:
            self.store.apps()
        self.assertEqual([a.name for a in caught.exception.items], [APP, "zed"])
        self.assertEqual(len(caught.exception.skipped), 1)
        self.assertIn("app 'other'", caught.exception.skipped[0])

    def test_corrupt_names_every_skipped_item(self):
        self.damage(APP, self.releases[0].id)
        self.damage(APP, self.releases[2].id)
        items, err = drain(self.store.releases(APP), Corrupt)
        self.assertEqual([r.version for r in items], [4, 2])
        self.assertEqual(len(err.skipped), 2)
        self.assertIn("release version 3", err.skipped[0])
        self.assertIn("release version 1", err.skipped[1])
        self.assertTrue(str(err).startswith("2 items could not be read: "))
        for message in err.skipped:
            self.assertIn(message, str(err))

    def test_a_skipped_release_counts_toward_the_limit(self):
        self.damage(APP, self.releases[2].id)  # version 3
        items, _ = drain(self.store.releases(APP, limit=3), Corrupt)
        self.assertEqual([r.version for r in items], [4, 2])

    def test_the_cursor_is_exhausted_after_corrupt(self):
        self.damage(APP, self.releases[1].id)
        cursor = self.store.releases(APP)
        drain(cursor, Corrupt)
        self.assertEqual(list(cursor), [])
        self.assertEqual(len(cursor.skipped), 1)

    def test_skipped_items_are_known_before_the_end(self):
        self.damage(APP, self.releases[2].id)  # version 3
        with self.store.releases(APP) as cursor:
            self.assertEqual(next(cursor).version, 4)
            self.assertEqual(cursor.skipped, [])
            self.assertEqual(next(cursor).version, 2)
            self.assertEqual(len(cursor.skipped), 1)
            self.assertIn("release version 3", cursor.skipped[0])

    def test_an_undamaged_listing_raises_nothing(self):
        self.damage(APP, self.releases[1].id)
        self.assertEqual([a.name for a in self.store.apps()], [APP, "other", "zed"])
        self.assertEqual(len(list(self.store.builds("other"))), 1)

    def test_another_error_raises_at_once(self):
        # An app whose log cannot be read at all is an I/O error, which would
        # repeat on the same app: it raises there, not at the end, and the
        # damaged app after it is never reached.
        log = os.path.join(self.root, "other", "log.1")
        os.remove(log)
        os.mkdir(log)
        self.damage("zed", "app")
        with Store("file:" + self.root) as fresh:  # one that has no log open
            with self.assertRaises(StorageIOError) as caught:
                fresh.apps()
        self.assertIn("app 'other'", str(caught.exception))


def drain(cursor, exc_type):
    """What cursor yields until it raises exc_type, and that exception;
    fails if it ends without raising."""
    items = []
    try:
        for item in cursor:
            items.append(item)
    except exc_type as e:
        return items, e
    raise AssertionError("the cursor ended without raising %s" % exc_type.__name__)


if __name__ == "__main__":
    unittest.main()
