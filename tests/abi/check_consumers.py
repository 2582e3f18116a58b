#!/usr/bin/env python3
"""Downstream projects can use librelease: as a meson subproject, or installed.

subproject: builds subproject-user/ (a tiny meson project) with the source
  tree as its subprojects/librelease, which proves declare_dependency() and
  meson.override_dependency() in lib/meson.build, and runs the program.
install: configures a fresh build of the source tree, `meson install
  --destdir`s it, checks the installed files, and builds the same program
  against the installed copy with pkg-config alone, then runs it.

Both configure a separate build of their own (tests off, not sanitized) in
WORKDIR/<mode>, removed again when the check passes. They need no network.

usage: check_consumers.py subproject|install --meson MESON --source-root DIR
           --user-dir DIR --workdir DIR [--pkg-config PKGCONFIG]
           [--version V] -- CC...
"""
import argparse
import filecmp
import json
import os
import shlex
import shutil
import subprocess
import sys

SKIP = 77
STRICT_C99 = ['-std=c99', '-pedantic', '-Wall', '-Wextra', '-Werror']


class Failed(Exception):
    pass


def run(cmd, env=None, quiet=False):
    print('$ ' + ' '.join(shlex.quote(c) for c in cmd), flush=True)
    res = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE if quiet else subprocess.STDOUT,
                         universal_newlines=True)
    if not quiet or res.returncode != 0:
        print(res.stdout, end='', flush=True)
        print(res.stderr or '', end='', flush=True)
    if res.returncode != 0:
        raise Failed('%s exited with %d' % (cmd[0], res.returncode))
    return res.stdout


def build_env(cc):
    """The environment for nested meson runs: the same C compiler as ours."""
    env = dict(os.environ)
    if cc:
        env['CC'] = ' '.join(shlex.quote(c) for c in cc)
    return env


def check_subproject(args, work):
    src = os.path.join(work, 'src')
    build = os.path.join(work, 'build')
    shutil.copytree(args.user_dir, src)
    os.mkdir(os.path.join(src, 'subprojects'))
    os.symlink(os.path.abspath(args.source_root), os.path.join(src, 'subprojects', 'librelease'))
    env = build_env(args.cc)
    # forcefallback: a librelease installed on the system must not stand in.
    run(args.meson + ['setup', '--force-fallback-for=librelease', build, src], env=env)
    run(args.meson + ['compile', '-C', build], env=env)
    run([os.path.join(build, 'release-user')])


def check_install(args, work):
    build = os.path.join(work, 'build')
    dest = os.path.join(work, 'dest')
    env = build_env(args.cc)
    run(args.meson + ['setup', '-Dtests=false', build, args.source_root], env=env)
    run(args.meson + ['install', '-C', build, '--destdir', dest], env=env)

    options = json.loads(run(args.meson + ['introspect', '--buildoptions', build],
                             quiet=True))
    option = {o['name']: o['value'] for o in options}
    root = dest + option['prefix']
    libdir = os.path.join(root, option['libdir'])
    includedir = os.path.join(root, option['includedir'])
    pcdir = os.path.join(libdir, 'pkgconfig')

    # Every public header, and nothing else, lands in include/librelease.
    source_dir = os.path.join(args.source_root, 'include', 'librelease')
    installed_dir = os.path.join(includedir, 'librelease')
    public = sorted(os.listdir(source_dir))
    installed = sorted(os.listdir(installed_dir)) if os.path.isdir(installed_dir) else []
    if installed != public:
        raise Failed('%s holds %s, the public headers are %s' % (installed_dir, installed, public))
    for header in public:
        if not filecmp.cmp(os.path.join(installed_dir, header),
                           os.path.join(source_dir, header), shallow=False):
            raise Failed('installed %s differs from the source' % header)
    for path in (os.path.join(libdir, 'librelease.so.1'),  # what programs load
                 os.path.join(libdir, 'librelease.so'),    # what -lrelease finds
                 os.path.join(pcdir, 'librelease.pc')):
        if not os.path.isfile(path):
            raise Failed('not installed: ' + path)
    print('installed: %s, librelease.so.1, librelease.so, librelease.pc' % ', '.join(public))

    if not args.pkg_config:
        raise Failed('pkg-config not found')
    pc_env = dict(os.environ, PKG_CONFIG_PATH=pcdir, PKG_CONFIG_LIBDIR=pcdir,
                  PKG_CONFIG_SYSROOT_DIR=dest)
    version = run([args.pkg_config, '--modversion', 'librelease'], env=pc_env).strip()
    if args.version and version != args.version:
        raise Failed('librelease.pc says version %s, the project is %s' % (version, args.version))
    flags = shlex.split(run([args.pkg_config, '--cflags', '--libs', 'librelease'], env=pc_env))
    if '-I' + includedir not in flags:
        raise Failed('pkg-config --cflags does not point at %s' % includedir)

    prog = os.path.join(work, 'release-user')
    cflags = [f for f in flags if not f.startswith(('-L', '-l'))]
    libs = [f for f in flags if f.startswith(('-L', '-l'))]
    run(args.cc + STRICT_C99 + cflags + [os.path.join(args.user_dir, 'main.c'), '-o', prog]
        + libs)
    run([prog], env=dict(os.environ, LD_LIBRARY_PATH=libdir))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['subproject', 'install'])
    ap.add_argument('--meson', default='')
    ap.add_argument('--source-root', required=True)
    ap.add_argument('--user-dir', required=True)
    ap.add_argument('--workdir', required=True)
    ap.add_argument('--pkg-config', default='')
    ap.add_argument('--version', default='')
    argv = sys.argv[1:]
    split = argv.index('--') if '--' in argv else len(argv)
    args = ap.parse_args(argv[:split])
    args.cc = argv[split + 1:]
    if not args.meson:
        print('SKIP: meson is not on PATH, so it cannot be run from a test')
        return SKIP
    args.meson = shlex.split(args.meson)

    work = os.path.join(os.path.abspath(args.workdir), args.mode)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    try:
        (check_subproject if args.mode == 'subproject' else check_install)(args, work)
    except Failed as e:
        print('FAIL: %s (files kept in %s)' % (e, work))
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print('ok: %s' % args.mode)
    return 0


if __name__ == '__main__':
    sys.exit(main())
