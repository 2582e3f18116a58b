#!/usr/bin/env python3
"""relctl's bash completion completes what relctl's help says, and nothing else.

The completion (completion/relctl.bash) is sourced in `bash --norc`, and its
function is called on command lines given as COMP_WORDS, as bash splits them
('--store=X' is '--store', '=', 'X'):

- every command's options (`relctl COMMAND --<TAB>`) are the long options of
  `relctl help COMMAND`; the words after `relctl`, `relctl help` and each
  command's words are the commands relctl's help lists; `relctl -<TAB>` is
  the global options; the options that take a value, in either form, are
  those whose help names one;
- option values: --status, --for, --since's choices, files and directories;
- app names, on a file store with apps, where a command takes an app, also
  through --store=DIR, RELEASE_STORE and the default store; the store is not
  written, and a file store is listed read-only;
- a relctl that prints hostile lines instead of app names: only valid app
  names are offered, and nothing it prints is run.

usage: check_completion.py RELCTL COMPLETION
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_man import Help  # noqa: E402

SEP = '\x1f'
DRIVER = r'''
source "$1" || exit 1
relctl=$2
while IFS=$'\x1f' read -r -a COMP_WORDS; do
	unset 'COMP_WORDS[${#COMP_WORDS[@]}-1]'    # the line's end marker
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_relctl "$relctl" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
	printf '%s\n' "${COMPREPLY[@]}"
	printf '\x1e\n'
done
'''


class Completer:
    def __init__(self, script, relctl, env):
        self.script, self.relctl, self.env = script, relctl, env

    def many(self, lines, relctl=None, env=None, cwd=None):
        """The completions of each command line (a list of words, the last
        the one completed), as sets."""
        text = ''.join(SEP.join(words + ['.']) + '\n' for words in lines)
        res = subprocess.run(['bash', '--norc', '--noprofile', '-c', DRIVER, 'driver',
                              self.script, relctl or self.relctl],
                             input=text, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True, env=env or self.env, cwd=cwd)
        if res.returncode != 0 or res.stderr:
            raise SystemExit('bash exited with %d, saying: %s' % (res.returncode, res.stderr))
        out = res.stdout.split('\x1e\n')[:-1]
        if len(out) != len(lines):
            raise SystemExit('bash answered %d lines of %d' % (len(out), len(lines)))
        return [set(o.split('\n')) - {''} for o in out]

    def one(self, words, **kw):
        return self.many([words], **kw)[0]


def check(problems, what, got, want):
    if got != set(want):
        problems.append('%s: completes %s, want %s' % (what, sorted(got), sorted(want)))


def check_help(comp, help_, problems):
    """Commands, words and options: relctl's help's."""
    lines, wants, whats = [], [], []

    def case(words, want):
        lines.append(['relctl'] + words)
        wants.append(set(want))
        whats.append('relctl ' + ' '.join(words) + '<TAB>')

    commands = [c.split() for c in help_.commands]
    for words in commands:
        case(words + ['--'], help_.listed[' '.join(words)])
    # the words that may follow each prefix of a command
    prefixes = {()}
    for words in commands:
        for n in range(1, len(words)):
            prefixes.add(tuple(words[:n]))
    for prefix in sorted(prefixes):
        after = {w[len(prefix)] for w in commands
                 if len(w) > len(prefix) and tuple(w[:len(prefix)]) == prefix}
        case(list(prefix) + [''], after | ({'help'} if not prefix else set()))
        case(['help'] + list(prefix) + [''], after)
    case(['-'], set(help_.globals))
    # An option that takes a value takes the next word: 'x' is not a command
    # word after those, and is after the others.
    for long, (short, valued) in sorted(help_.all_options().items()):
        for flag in filter(None, (long, short)):
            case([flag, 'x', 'releases', 'r'], {'rollback'} if valued else set())
    for got, want, what in zip(comp.many(lines), wants, whats):
        check(problems, what, got, want)
    return len(lines)


def check_values(comp, tmp, problems):
    os.mkdir(os.path.join(tmp, 'stores'))
    os.mkdir(os.path.join(tmp, 'stash'))
    open(os.path.join(tmp, 'manifest.yml'), 'w').close()
    cases = [
        (['builds', 'create', '--status', ''], {'created', 'running', 'complete', 'failed'}),
        (['builds', 'create', '--status', 'c'], {'created', 'complete'}),
        (['releases', 'wait', '--for', ''], {'promotion', 'release', 'any'}),
        (['releases', 'wait', '--for', '=', 'r'], {'release'}),
        (['releases', 'wait', '--for', '='], {'promotion', 'release', 'any'}),
        (['releases', 'wait', '--since', ''], {'none'}),
        (['releases', '--limit', ''], set()),
        (['--store', 'st'], {'stores', 'stash'}),
        (['store', 'copy', 'sto'], {'stores'}),
        (['builds', 'create', '-m', 'man'], {'manifest.yml'}),
        (['env', 'set', 'FOO', '=', ''], set()),
        (['-a', 'web', 'releases', 'r'], {'rollback'}),
        (['releases', '--limit', '5', 'r'], {'rollback'}),
        (['--store', '=', 'x', 'releases', 'wait', '-', ], {'--for', '--since', '--timeout',
                                                             '--app', '--store', '--actor',
                                                             '--help'}),
        (['releases', '--', '-'], set()),
    ]
    got = comp.many([['relctl'] + words for words, _ in cases], cwd=tmp)
    for (words, want), g in zip(cases, got):
        check(problems, 'relctl ' + ' '.join(words) + '<TAB>', g, want)
    return len(cases)


def snapshot(path):
    found = []
    for root, dirs, files in os.walk(path):
        for name in sorted(dirs + files):
            st = os.lstat(os.path.join(root, name))
            found.append((os.path.join(root, name), st.st_size, st.st_mtime_ns, st.st_mode))
    return sorted(found)


def check_apps(comp, relctl, tmp, problems):
    store = os.path.join(tmp, 'store')
    for app in ('web', 'worker', 'api'):
        subprocess.run([relctl, 'apps', 'create', app, '--store', store], check=True,
                       stdout=subprocess.DEVNULL, env=comp.env)
    subprocess.run([relctl, 'apps', 'create', 'zed'], check=True,  # the default store
                   stdout=subprocess.DEVNULL, env=comp.env)
    before = snapshot(store)
    apps = {'web', 'worker', 'api'}
    cases = [
        (['releases', 'wait', ''], None, {'zed'}),
        (['--store', store, 'releases', 'wait', ''], None, apps),
        (['--store', '=', store, 'apps', 'info', 'w'], None, {'web', 'worker'}),
        (['releases', 'history', '-a', 'w'], store, {'web', 'worker'}),
        (['releases', '--app', '=', ''], store, apps),
        (['apps', 'hook', ''], store, {'set', 'unset'} | apps),
        (['apps', 'delete', 'a'], store, {'api'}),
        (['apps', 'create', ''], store, set()),
        (['apps', 'info', 'web', ''], store, set()),
        (['releases', 'wait', ''], os.path.join(tmp, 'no-store'), set()),
    ]
    for words, env_store, want in cases:
        env = dict(comp.env)
        if env_store:
            env['RELEASE_STORE'] = env_store
        got = comp.one(['relctl'] + words, env=env)
        check(problems, 'relctl ' + ' '.join(words) + '<TAB>' +
              (' (RELEASE_STORE set)' if env_store else ''), got, want)
    if snapshot(store) != before:
        problems.append('completing app names changed the store\'s files')
    if os.path.exists(os.path.join(tmp, 'no-store')):
        problems.append('completing app names made a store')

    # The store the listing reads: read-only when it is a file store; not
    # read for a word the shell would have to expand.
    log = os.path.join(tmp, 'argv')
    fake = os.path.join(tmp, 'argv-relctl')
    with open(fake, 'w') as f:
        f.write('#!/bin/sh\nprintf "%%s\\n" "$*" >> %s\n' % log)
    os.chmod(fake, 0o755)
    cases = [
        ([], None, 'apps --store file:?mode=ro'),
        ([], '/srv/y', 'apps --store /srv/y?mode=ro'),
        ([], 'postgresql://db/r', 'apps --store postgresql://db/r'),
        (['--store', '/srv/x'], '/srv/y', 'apps --store /srv/x?mode=ro'),
        (['--store', 'file:/srv/x'], None, 'apps --store file:/srv/x?mode=ro'),
        (['--store', '=', 'rel'], None, 'apps --store rel?mode=ro'),
        (['--store', '~/s'], None, 'apps --store %s/s?mode=ro' % comp.env['HOME']),
        (['--store', 'file:/x?mode=rw'], None, 'apps --store file:/x?mode=rw'),
        (['--store', 'memory:'], None, 'apps --store memory:'),
        (['--store', "'/srv/x'"], None, None),
        (['--store', '$HOME/x'], None, None),
    ]
    for words, env_store, want in cases:
        env = dict(comp.env)
        if env_store:
            env['RELEASE_STORE'] = env_store
        if os.path.exists(log):
            os.unlink(log)
        comp.one(['relctl'] + words + ['releases', 'wait', ''], relctl=fake, env=env)
        got = open(log).read().strip() if os.path.exists(log) else None
        if got != want:
            problems.append('relctl %s releases wait <TAB>%s lists apps with %r, want %r'
                            % (' '.join(words), ' (RELEASE_STORE=%s)' % env_store
                               if env_store else '', got, want))

    # A relctl whose listing is hostile: only app names are offered, and
    # nothing of it is run.
    fake = os.path.join(tmp, 'fake-relctl')
    marker = os.path.join(tmp, 'ran')
    with open(fake, 'w') as f:
        f.write('#!/bin/sh\n'
                'echo "APP STATUS RELEASE"\n'
                "echo 'web running'\n"
                "echo '$(touch %s) x'\n"
                "echo '`touch %s` x'\n"
                "echo 'w* x'\n"
                "echo 'w;touch x'\n"
                "echo 'Web x'\n"
                "echo 'wa-'\n"
                "echo '-w'\n" % (marker, marker))
    os.chmod(fake, 0o755)
    got = comp.one(['relctl', 'releases', 'wait', ''], relctl=fake)
    check(problems, 'apps from a hostile listing', got, {'web'})
    got = comp.one(['relctl', 'releases', 'wait', 'w'], relctl=fake)
    check(problems, 'apps from a hostile listing, w', got, {'web'})
    if os.path.exists(marker):
        problems.append('completion ran something a listing printed')
    return len(cases) + 13


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    relctl, script = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if not shutil.which('bash'):
        print('SKIP: bash is not installed')
        return 77
    problems = []
    tmp = tempfile.mkdtemp(prefix='relctl-completion-')
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(('RELEASE_', 'RELCTL_'))}
        env.update(HOME=tmp, XDG_DATA_HOME=os.path.join(tmp, 'data'))
        comp = Completer(script, relctl, env)
        n = check_help(comp, Help(relctl), problems)
        n += check_values(comp, tmp, problems)
        n += check_apps(comp, relctl, tmp, problems)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for p in problems:
        print('FAIL: ' + p)
    if problems:
        return 1
    print('ok: %d command lines complete as relctl\'s help says' % n)
    return 0


if __name__ == '__main__':
    sys.exit(main())
