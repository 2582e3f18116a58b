#!/usr/bin/env python3
"""Compare the built library with the committed ABI baseline, or rewrite it.

compare: dumps the library as the baseline was dumped, then abidiffs the
  two. Fails on an incompatible change and on any removed or changed
  function or variable (a changed signature or public struct breaks programs
  built against the baseline). Added functions are compatible and pass, with
  a reminder.
dump: rewrites the baseline from the library (`ninja abi-baseline`).

Both dumps keep only exported functions and public types (--headers-dir with
the public headers, --drop-private-types, --exported-interfaces-only), so
internal refactoring never touches the baseline, and they leave out paths,
source locations and DT_NEEDED, so the comparison does not depend on where,
or with which compiler or sanitizer, the library was built. Comparing two
such dumps, rather than the baseline with the binary, matters: abidiff's
--headers-dir2 filter treats the baseline's location-less types as private
and hides their changes.

usage: check_abi.py compare|dump --abidw ABIDW [--abidiff ABIDIFF]
           --readelf READELF --headers DIR --source-root DIR --build-root DIR
           --baseline FILE [--workdir DIR] LIBRARY
Exit 77 (skipped) when libabigail is not installed.
"""
import argparse
import os
import re
import subprocess
import sys

# abidiff's exit status is a bit mask.
ABIDIFF_ERROR = 1
ABIDIFF_USAGE_ERROR = 2
ABIDIFF_ABI_CHANGE = 4
ABIDIFF_ABI_INCOMPATIBLE_CHANGE = 8

SKIP = 77

ABIDW_OPTIONS = ['--no-corpus-path', '--no-comp-dir-path', '--no-show-locs', '--no-elf-needed',
                 '--type-id-style', 'hash', '--drop-private-types', '--exported-interfaces-only']


def run(cmd):
    print('$ ' + ' '.join(cmd))
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)


def has_debug_info(readelf, library):
    out = subprocess.run([readelf, '-S', '-W', library], check=True,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    return '.debug_info' in out


def abidw(args, out):
    res = run([args.abidw] + ABIDW_OPTIONS + ['--headers-dir', args.headers,
                                              '--out-file', out, args.library])
    print(res.stdout, end='')
    if res.returncode != 0:
        return False
    # Translation units are named relative to the build directory
    # ('../lib/app.c'); name them from the source root so that the dump
    # does not depend on the build directory's name.
    with open(out, encoding='utf-8') as f:
        text = f.read()

    def from_source_root(m):
        path = os.path.normpath(os.path.join(args.build_root, m.group(2)))
        return m.group(1) + os.path.relpath(path, args.source_root) + m.group(3)
    with open(out, 'w', encoding='utf-8') as f:
        f.write(re.sub(r"(<abi-instr [^>]*\bpath=')([^']*)(')", from_source_root, text))
    return True


def dump(args):
    if not args.abidw:
        print('abidw not found: install libabigail (abigail-tools) and reconfigure')
        return 1
    if not has_debug_info(args.readelf, args.library):
        # Without DWARF abidw records symbols only, no types: useless as a baseline.
        print('%s has no debug info; use a build with -g (buildtype debug or '
              'debugoptimized)' % args.library)
        return 1
    if not abidw(args, args.baseline):
        return 1
    print('wrote %s; review `git diff` and commit it with the reason for the change'
          % args.baseline)
    return 0


def summary_counts(report):
    """Removed, changed and added counts from abidiff's summary lines."""
    removed = changed = added = 0
    # e.g. "Functions changes summary: 0 Removed, 1 Changed (2 filtered out), 0 Added"
    for m in re.finditer(r'^(?:Functions|Variables) changes summary: (\d+) Removed[^,]*, '
                         r'(\d+) Changed[^,]*, (\d+) Added', report, re.M):
        removed += int(m.group(1))
        changed += int(m.group(2))
        added += int(m.group(3))
    for m in re.finditer(r'^(?:Function|Variable) symbols changes summary: (\d+) Removed[^,]*, '
                         r'(\d+) Added', report, re.M):
        removed += int(m.group(1))
        added += int(m.group(2))
    return removed, changed, added


def compare(args):
    if not args.abidiff or not args.abidw:
        # CI installs abigail-tools, so this runs there.
        print('SKIP: abidw or abidiff not found (install libabigail / abigail-tools)')
        return SKIP
    if not has_debug_info(args.readelf, args.library):
        print('note: %s has no debug info, so only symbols are compared, not types'
              % args.library)
    current = os.path.join(args.workdir, 'librelease.current.abi')
    if not abidw(args, current):
        print('FAIL: abidw could not read %s' % args.library)
        return 1
    res = run([args.abidiff, '--no-show-locs', args.baseline, current])
    report = res.stdout
    print(report, end='')
    rc = res.returncode

    if rc & (ABIDIFF_ERROR | ABIDIFF_USAGE_ERROR):
        print('FAIL: abidiff could not compare (exit %d)' % rc)
        return 1
    if re.search(r'^architecture changed', report, re.M | re.I):
        # The baseline describes one architecture's ABI (x86_64, LP64).
        print('SKIP: %s was recorded on another architecture' % args.baseline)
        return SKIP
    if rc & ABIDIFF_ABI_INCOMPATIBLE_CHANGE:
        print('FAIL: incompatible ABI change against %s' % args.baseline)
        return 1
    if rc & ABIDIFF_ABI_CHANGE:
        removed, changed, added = summary_counts(report)
        if removed or changed or not added or re.search(r'^SONAME changed', report, re.M):
            print('FAIL: the ABI changed against %s (%d removed, %d changed). '
                  'If that is deliberate and compatible, regenerate the baseline: '
                  'ninja -C <builddir> abi-baseline' % (args.baseline, removed, changed))
            return 1
        print('note: %d new functions or variables are not in %s yet; regenerate it '
              'with `ninja -C <builddir> abi-baseline` when they are final'
              % (added, args.baseline))
    print('ABI compatible with %s' % args.baseline)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['compare', 'dump'])
    ap.add_argument('--abidiff', default='')
    ap.add_argument('--abidw', default='')
    ap.add_argument('--readelf', required=True)
    ap.add_argument('--headers', required=True)
    ap.add_argument('--source-root', required=True)
    ap.add_argument('--build-root', required=True)
    ap.add_argument('--baseline', required=True)
    ap.add_argument('--workdir', default='.')
    ap.add_argument('library')
    args = ap.parse_args()
    return compare(args) if args.mode == 'compare' else dump(args)


if __name__ == '__main__':
    sys.exit(main())
