#!/usr/bin/env python3
"""Downstream projects can use librelease: as a meson subproject, or installed.

subproject: builds subproject-user/ (a tiny meson project) with the source
  tree as its subprojects/librelease, which proves declare_dependency() and
  meson.override_dependency() in lib/meson.build, and runs the program; the
  project builds and would install the library alone: not relctl or the
  other examples, and none of librelease's tests is registered as its own.
install: configures a fresh build of the source tree (-Dtests=disabled), and
  builds the README's example (examples/example.c) against the build tree
  with the uninstalled .pc meson writes (PKG_CONFIG_PATH=meson-uninstalled)
  and runs it with LD_LIBRARY_PATH=<build>/lib, as the README says. Then
  `meson install --destdir`s it, checks the installed files (library,
  headers, .pc, relctl, relctl(1), relctl's bash completion, all under the
  prefix even when bash-completion's .pc names a directory outside it), runs
  the installed relctl, and builds the same program as the subproject check
  against the installed copy with pkg-config alone, then runs it. Last,
  `ninja uninstall` must leave nothing behind.

Both configure a separate build of their own (not sanitized) in
WORKDIR/<mode>, removed again when the check passes. They need no network.

usage: check_consumers.py subproject|install --meson MESON --source-root DIR
           --user-dir DIR --workdir DIR [--pkg-config PKGCONFIG]
           [--readelf READELF] [--version V] -- CC...
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
    # The embedding project installs the library, not librelease's tools.
    installed = json.loads(run(args.meson + ['introspect', '--installed', build],
                               quiet=True, env=env))
    tools = [to for to in installed.values()
             if os.path.basename(to) in ('relctl', 'relctl.1')]
    if tools:
        raise Failed('a project using librelease as a subproject installs %s' % tools)
    # Nor does it build librelease's examples, or run librelease's tests as
    # its own (relctl's transcripts, PostgreSQL servers, venvs, go test).
    targets = json.loads(run(args.meson + ['introspect', '--targets', build],
                             quiet=True, env=env))
    built = sorted(t['name'] for t in targets
                   if t['subproject'] == 'librelease' and t['name'] != 'release')
    if built:
        raise Failed('a project using librelease as a subproject builds %s'
                     % ', '.join(built))
    tests = json.loads(run(args.meson + ['introspect', '--tests', build],
                           quiet=True, env=env))
    if tests:
        raise Failed('a project using librelease as a subproject runs %d of its tests: %s...'
                     % (len(tests), ', '.join(t['name'] for t in tests[:5])))


def pkg_config_flags(args, env):
    """pkg-config's flags for librelease: (cflags, libs)."""
    flags = shlex.split(run([args.pkg_config, '--cflags', '--libs', 'librelease'], env=env))
    return ([f for f in flags if not f.startswith(('-L', '-l'))],
            [f for f in flags if f.startswith(('-L', '-l'))])


def check_uninstalled(args, work, build):
    """The README's example, built against the build tree and run from it."""
    pcdir = os.path.join(build, 'meson-uninstalled')
    if not os.path.isfile(os.path.join(pcdir, 'librelease-uninstalled.pc')):
        raise Failed('meson wrote no %s/librelease-uninstalled.pc' % pcdir)
    # PKG_CONFIG_LIBDIR too, so that no installed librelease.pc can stand in.
    pc_env = dict(os.environ, PKG_CONFIG_PATH=pcdir, PKG_CONFIG_LIBDIR=pcdir)
    version = run([args.pkg_config, '--modversion', 'librelease'], env=pc_env).strip()
    if args.version and version != args.version:
        raise Failed('librelease-uninstalled.pc says version %s, the project is %s'
                     % (version, args.version))
    cflags, libs = pkg_config_flags(args, pc_env)
    # Only the public headers are on the include path: lib/'s private ones
    # (crc32c.h, internal.h...) would shadow a program's own of that name,
    # and build against the tree what the installed copy does not have.
    public = os.path.realpath(os.path.join(args.source_root, 'include'))
    dirs = [os.path.realpath(f[2:]) for f in cflags if f.startswith('-I')]
    others = [d for d in dirs if os.path.isdir(d) and d != public]
    if public not in dirs or others:
        raise Failed('librelease-uninstalled.pc puts %s on the include path, want %s alone'
                     % (', '.join(dirs), public))
    prog = os.path.join(work, 'example-uninstalled')
    run(args.cc + ['-Wall', '-Wextra', '-Werror'] + cflags
        + [os.path.join(args.source_root, 'examples', 'example.c'), '-o', prog] + libs)
    run([prog], env=dict(os.environ, LD_LIBRARY_PATH=os.path.join(build, 'lib')))
    print('the README example builds against the build tree and runs from it')


def installed_paths(args, build, dest, env):
    """{what meson installs (a path in the source or build tree): where, under
    DEST}."""
    installed = json.loads(run(args.meson + ['introspect', '--installed', build],
                               quiet=True, env=env))
    return {src: dest + to for src, to in installed.items()}


def check_relctl(args, build, dest, root, bindir, mandir, libdir, env):
    """relctl, its manual page and its completion are installed (all under
    the prefix, ROOT in DEST), and relctl runs."""
    installed = installed_paths(args, build, dest, env)
    relctl = os.path.join(bindir, 'relctl')
    man = os.path.join(mandir, 'man1', 'relctl.1')
    for path in (relctl, man):
        if not os.path.isfile(path):
            raise Failed('not installed: ' + path)
    completion = [to for src, to in installed.items()
                  if src.endswith(os.path.join('completion', 'relctl.bash'))]
    if len(completion) != 1 or not os.path.isfile(completion[0]):
        raise Failed('relctl\'s bash completion is not installed (%s)' % completion)
    if not completion[0].endswith(os.path.join('bash-completion', 'completions', 'relctl')):
        raise Failed('relctl\'s completion is installed as %s, where bash-completion does '
                     'not load it for relctl' % completion[0])
    if not completion[0].startswith(root + os.sep):
        raise Failed('relctl\'s completion is installed as %s, outside the prefix %s'
                     % (completion[0], root))
    with open(man, encoding='utf-8') as f:
        th = [l for l in f if l.startswith('.TH ')]
    if len(th) != 1 or '@' in th[0] or (args.version and args.version not in th[0]):
        raise Failed('the installed relctl.1 does not name version %s: %s' % (args.version, th))
    # The installed relctl loads the installed library, not the build tree's.
    if args.readelf:
        dynamic = run([args.readelf, '-d', relctl], quiet=True)
        for line in dynamic.splitlines():
            if ('RPATH' in line or 'RUNPATH' in line) and build in line:
                raise Failed('the installed relctl still looks in the build tree: ' + line)
    out = run([relctl, '--version'], env=dict(os.environ, LD_LIBRARY_PATH=libdir)).strip()
    want = 'relctl %s (librelease %s)' % (args.version, args.version)
    if args.version and out != want:
        raise Failed('the installed relctl --version says %r, want %r' % (out, want))
    print('installed: relctl, %s, %s; relctl runs'
          % (os.path.relpath(man, dest), os.path.relpath(completion[0], dest)))


def check_install(args, work):
    build = os.path.join(work, 'build')
    dest = os.path.join(work, 'dest')
    env = build_env(args.cc)
    if not args.pkg_config:
        raise Failed('pkg-config not found')
    # A bash-completion whose .pc names a fixed completionsdir, outside the
    # prefix: relctl's completion must still go under the prefix.
    fake_pc = os.path.join(work, 'pkgconfig')
    os.mkdir(fake_pc)
    with open(os.path.join(fake_pc, 'bash-completion.pc'), 'w') as f:
        f.write('prefix=/usr\ncompletionsdir=/usr/share/bash-completion/completions\n\n'
                'Name: bash-completion\nDescription: stand-in\nVersion: 2.11\n')
    env['PKG_CONFIG_PATH'] = os.pathsep.join(
        p for p in (fake_pc, os.environ.get('PKG_CONFIG_PATH')) if p)
    run(args.meson + ['setup', '-Dtests=disabled', build, args.source_root], env=env)
    run(args.meson + ['compile', '-C', build], env=env)
    check_uninstalled(args, work, build)
    run(args.meson + ['install', '-C', build, '--destdir', dest], env=env)

    options = json.loads(run(args.meson + ['introspect', '--buildoptions', build],
                             quiet=True))
    option = {o['name']: o['value'] for o in options}
    root = dest + option['prefix']
    libdir = os.path.join(root, option['libdir'])
    includedir = os.path.join(root, option['includedir'])
    pcdir = os.path.join(libdir, 'pkgconfig')
    check_relctl(args, build, dest, root, os.path.join(root, option['bindir']),
                 os.path.join(root, option['mandir']), libdir, env)

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

    pc_env = dict(os.environ, PKG_CONFIG_PATH=pcdir, PKG_CONFIG_LIBDIR=pcdir,
                  PKG_CONFIG_SYSROOT_DIR=dest)
    version = run([args.pkg_config, '--modversion', 'librelease'], env=pc_env).strip()
    if args.version and version != args.version:
        raise Failed('librelease.pc says version %s, the project is %s' % (version, args.version))
    cflags, libs = pkg_config_flags(args, pc_env)
    if '-I' + includedir not in cflags:
        raise Failed('pkg-config --cflags does not point at %s' % includedir)
    if libs != ['-L' + libdir, '-lrelease']:
        raise Failed('pkg-config --libs says %s, want -L%s -lrelease' % (libs, libdir))

    prog = os.path.join(work, 'release-user')
    run(args.cc + STRICT_C99 + cflags + [os.path.join(args.user_dir, 'main.c'), '-o', prog]
        + libs)
    run([prog], env=dict(os.environ, LD_LIBRARY_PATH=libdir))

    # `ninja uninstall`, as the README says, takes away everything installed.
    if not shutil.which('ninja'):
        print('ninja is not on PATH: uninstalling is not checked')
        return
    run(['ninja', '-C', build, 'uninstall'], env=dict(env, DESTDIR=dest))
    left = [os.path.join(d, n) for d, dirs, files in os.walk(dest) for n in files] \
        if os.path.isdir(dest) else []
    if left:
        raise Failed('ninja uninstall left %s' % ', '.join(sorted(left)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['subproject', 'install'])
    ap.add_argument('--meson', default='')
    ap.add_argument('--source-root', required=True)
    ap.add_argument('--user-dir', required=True)
    ap.add_argument('--workdir', required=True)
    ap.add_argument('--pkg-config', default='')
    ap.add_argument('--readelf', default='')
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
