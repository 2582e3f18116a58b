#!/usr/bin/env python3
"""Damages one record of a file store app's log, for the damage transcript.

Usage: damage.py APPDIR KEY

Flips one byte in the middle of the data of the newest record whose key is
KEY (a build or release id, or "app" for the app's own record) in APPDIR's
log (the log.N with the highest N). The record's own checksum then fails,
which the file store reports as RELEASE_ECORRUPT for that one item: the log
is the truth, so it cannot be rebuilt from anything else. The record must
not be the log's last one, which would read as a torn append and be cut.

The log's layout is lib/file/file.h's: a 64-byte header, then records of
magic u32 | crc32c u32 | op u8 | kind u8 | keylen u8 | flags u8 | datalen u32 |
seq u64 | key | data, integers little-endian; the magic is "LRRK" for the
first record of a commit's run and "LRRC" for the others.
"""
import os
import struct
import sys

LOG_HEADER = 64
RECORD_HEADER = struct.Struct("<IIBBBBIQ")
RECORD_MAGICS = (0x4B52524C, 0x4352524C)


def newest_log(appdir):
    logs = [name for name in os.listdir(appdir)
            if name.startswith("log.") and name[4:].isdigit()]
    if not logs:
        raise SystemExit("damage.py: no log in %s" % appdir)
    return os.path.join(appdir, max(logs, key=lambda name: int(name[4:])))


def main(argv):
    if len(argv) != 2:
        raise SystemExit(__doc__)
    path, key = newest_log(argv[0]), argv[1].encode()
    with open(path, "rb") as f:
        log = f.read()
    pos, target, last = LOG_HEADER, None, None
    while pos + RECORD_HEADER.size <= len(log):
        magic, _crc, _op, _kind, keylen, _pad, datalen, _seq = \
            RECORD_HEADER.unpack_from(log, pos)
        if magic not in RECORD_MAGICS:
            raise SystemExit("damage.py: %s: no record at byte %d" % (path, pos))
        start = pos + RECORD_HEADER.size
        if log[start:start + keylen] == key and datalen > 0:
            target = start + keylen + datalen // 2
        last = pos
        pos = start + keylen + datalen
    if target is None:
        raise SystemExit("damage.py: %s: no record of %s" % (path, argv[1]))
    if target > last:
        raise SystemExit("damage.py: %s: the record of %s is the last one" % (path, argv[1]))
    with open(path, "r+b") as f:
        f.seek(target)
        f.write(bytes([log[target] ^ 0x55]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
