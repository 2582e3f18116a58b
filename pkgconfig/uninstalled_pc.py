#!/usr/bin/env python3
"""Keeps librelease's private headers out of librelease-uninstalled.pc.

meson's pkgconfig module writes, in the uninstalled .pc's Cflags, the
include directories of the library target: include/, but also the
target's own directory, lib/, in the source and the build tree. lib/ holds
the library's private headers (crc32c.h, internal.h, ...): a program built
against the build tree would find them before its own headers of the same
names, and could include what an installed librelease does not have.
pkgconfig.generate() cannot leave them out, so meson.add_postconf_script
runs this after every configure: it removes each -I flag whose directory,
with the file's variables expanded, is one of DIRS.

usage: uninstalled_pc.py PCFILE DIR...
"""
import os
import re
import sys

VARIABLE = re.compile(r'\$\{([A-Za-z0-9_.]+)\}')
# A flag: a run of characters other than spaces, "\ " keeping a space in it.
FLAG = re.compile(r'(?:\\.|[^ \\])+')


def expand(text, variables):
    for _ in range(10):  # variables may name variables
        text = VARIABLE.sub(lambda m: variables.get(m.group(1), ''), text)
    return re.sub(r'\\(.)', r'\1', text)


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    path, dirs = sys.argv[1], {os.path.realpath(d) for d in sys.argv[2:]}
    try:
        with open(path, encoding='utf-8') as f:
            lines = f.read().split('\n')
    except FileNotFoundError:
        print('uninstalled_pc.py: %s not found: left as meson wrote it' % path)
        return 0
    variables, out, dropped = {}, [], []
    for line in lines:
        m = re.match(r'([A-Za-z0-9_.]+)=(.*)$', line)
        if m:
            variables[m.group(1)] = m.group(2)
        if line.startswith('Cflags:'):
            kept = []
            for flag in FLAG.findall(line[len('Cflags:'):]):
                if flag.startswith('-I') and \
                        os.path.realpath(expand(flag[2:], variables)) in dirs:
                    dropped.append(flag)
                else:
                    kept.append(flag)
            line = 'Cflags: ' + ' '.join(kept)
        out.append(line)
    if dropped:
        with open(path + '.tmp', 'w', encoding='utf-8') as f:
            f.write('\n'.join(out))
        os.replace(path + '.tmp', path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
