#!/usr/bin/env python3
"""The shared library exports exactly what the version script promises.

Checks that the dynamic symbol table equals the map's global lists, that
every export is a release_* name declared RELEASE_API in a public header (and
every RELEASE_API declaration is exported, or programs fail to link), and
the SONAME.

usage: check_symbols.py --nm NM --readelf READELF --map MAP
                        --headers DIR --soname NAME LIBRARY
"""
import argparse
import fnmatch
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
import public_api  # noqa: E402


def map_nodes_and_globals(path):
    """Version-node names and the names (or glob patterns) they export."""
    with open(path, encoding='utf-8') as f:
        text = public_api.strip_c_comments(f.read())
    nodes, names = set(), set()
    # NODE { global: a; b; local: *; } PARENT;
    for node, body in re.findall(r'([A-Za-z_][\w.]*)\s*\{(.*?)\}', text, re.S):
        nodes.add(node)
        scope = 'global'  # names before any "global:"/"local:" are global
        for part in re.split(r'(global\s*:|local\s*:)', body):
            part = part.strip()
            if part.startswith('global') and part.endswith(':'):
                scope = 'global'
            elif part.startswith('local') and part.endswith(':'):
                scope = 'local'
            elif scope == 'global':
                names.update(n.strip() for n in part.split(';') if n.strip())
    return nodes, names


def header_declarations(include_dir):
    """Name -> header for everything declared RELEASE_API."""
    return {name: os.path.basename(h)
            for h in public_api.headers(include_dir)
            for name in public_api.declared_names(h)}


def exported_symbols(nm, library, nodes):
    out = subprocess.run([nm, '-D', '--defined-only', library], check=True,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    symbols = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        kind, name = fields[-2], fields[-1]
        base, _, version = name.partition('@')
        version = version.lstrip('@')
        if kind == 'A' and base in nodes:
            continue  # the version node itself, not a symbol
        symbols[base] = (kind, version)
    return symbols


def soname(readelf, library):
    out = subprocess.run([readelf, '-d', library], check=True,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    m = re.search(r'\(SONAME\)\s+Library soname: \[([^\]]*)\]', out)
    return m.group(1) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--nm', required=True)
    ap.add_argument('--readelf', required=True)
    ap.add_argument('--map', required=True)
    ap.add_argument('--headers', required=True)
    ap.add_argument('--soname', required=True)
    ap.add_argument('library')
    args = ap.parse_args()

    errors = []
    nodes, promised = map_nodes_and_globals(args.map)
    patterns = {p for p in promised if any(c in p for c in '*?[')}
    names = promised - patterns
    exported = exported_symbols(args.nm, args.library, nodes)
    declared = header_declarations(args.headers)

    if not names and not patterns:
        errors.append('%s has no global symbols (parse error?)' % args.map)
    for name in sorted(exported):
        kind, version = exported[name]
        if name not in names and not any(fnmatch.fnmatchcase(name, p) for p in patterns):
            errors.append('exported but not in %s: %s (%s)'
                          % (os.path.basename(args.map), name, kind))
        if not name.startswith('release_'):
            errors.append('exported name lacks the release_ prefix: %s' % name)
        if version not in nodes:
            errors.append('%s has version %r, not a node of the map' % (name, version))
        if name not in declared:
            errors.append('exported but not declared RELEASE_API in %s/*.h: %s'
                          % (args.headers, name))
    for name in sorted(names - set(exported)):
        errors.append('listed in %s but not exported: %s' % (os.path.basename(args.map), name))
    for name in sorted(set(declared) - set(exported)):
        errors.append('declared RELEASE_API in %s but not exported: %s' % (declared[name], name))

    actual = soname(args.readelf, args.library)
    if actual != args.soname:
        errors.append('SONAME is %r, expected %r' % (actual, args.soname))

    for e in errors:
        print('FAIL: ' + e)
    if errors:
        return 1
    print('%d symbols exported, all in the map and declared; SONAME %s'
          % (len(exported), actual))
    return 0


if __name__ == '__main__':
    sys.exit(main())
