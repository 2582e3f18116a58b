#!/usr/bin/env python3
"""relctl's bash completion completes what relctl's help says, and nothing else.

Each command line is typed into an interactive bash in a pseudo-terminal and
TAB pressed, to read COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT as bash
itself makes them: it splits words at the characters of COMP_WORDBREAKS
(':', '=', '@' among them), so 'file:/srv/x' comes as 'file', ':', '/srv/x'.
The completion (completion/relctl.bash) is then sourced in `bash --norc`, and
its function called with those values:

- every command's options (`relctl COMMAND --<TAB>`) are the long options of
  `relctl help COMMAND`; the words after `relctl`, `relctl help` and each
  command's words are the commands relctl's help lists; `relctl -<TAB>` is
  the global options; the options that take a value, in either form, are
  those whose help names one;
- option values: --status, --for, --since's choices, files and directories,
  also after a URI or a time, which bash splits at ':', and with
  COMP_WORDBREAKS without ':' and '=';
- app names, on a file store with apps, where a command takes an app, also
  through --store=DIR, RELEASE_STORE and the default store; the store is not
  written: a file store is listed read-only whatever its options say, a
  PostgreSQL one in a read-only session;
- a relctl that prints hostile lines instead of app names, or that will not
  stop: only valid app names are offered, nothing it prints is run, and TAB
  returns;
- the same in a shell with set -u, failglob, nocasematch, an odd IFS and an
  alias and a function named timeout.

With --postgresql, under examples/pgstore/tests/pg_server.py: completing app
names on a PostgreSQL store (RELEASE_TEST_STORE) creates no tables in an
empty database and changes nothing in one with apps, which it lists.

usage: check_completion.py [--postgresql] RELCTL COMPLETION
"""
import os
import pty
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_man import Help  # noqa: E402

SEP, END = '\x1f', '\x1e'

# Read by an interactive bash: a completion for relctl that writes down what
# bash gives it.
CAPTURE_RC = r"""
PS1='$ '
unset PROMPT_COMMAND HISTFILE
_capture() {
	local w
	{
		printf '%s\x1f%s\x1f%s\x1f%s' "$COMP_WORDBREAKS" "$COMP_CWORD" "$COMP_POINT" "$COMP_LINE"
		for w in "${COMP_WORDS[@]}"; do printf '\x1f%s' "$w"; done
		printf '\x1e'
	} >> "$COMPLETION_CAPTURE"
	COMPREPLY=()
}
complete -F _capture relctl
"""


def bash_split(lines, wordbreaks=None, timeout=30):
    """[(COMP_WORDBREAKS, COMP_CWORD, COMP_POINT, COMP_LINE, COMP_WORDS)] of
    each line, TAB pressed at its end in an interactive bash (wordbreaks:
    its COMP_WORDBREAKS instead of the default)."""
    tmp = tempfile.mkdtemp(prefix='relctl-split-')
    rc, capture = os.path.join(tmp, 'rc'), os.path.join(tmp, 'capture')
    with open(rc, 'w') as f:
        f.write(CAPTURE_RC)
        if wordbreaks is not None:
            f.write("COMP_WORDBREAKS=%s\n" % shlex.quote(wordbreaks))
    open(capture, 'w').close()
    env = {k: v for k, v in os.environ.items() if not k.startswith('BASH_')}
    env.update(TERM='dumb', INPUTRC=os.devnull, COMPLETION_CAPTURE=capture)
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvpe('bash', ['bash', '--rcfile', rc, '--noprofile', '-i'], env)
        finally:
            os._exit(127)
    try:
        for n, line in enumerate(lines, 1):
            os.write(fd, line.encode() + b'\t')
            deadline = time.monotonic() + timeout
            while True:
                with open(capture, 'rb') as f:
                    if f.read().count(END.encode()) >= n:
                        break
                if time.monotonic() > deadline:
                    raise SystemExit('bash did not call the completion for %r' % line)
                if select.select([fd], [], [], 0.01)[0]:
                    try:
                        os.read(fd, 65536)
                    except OSError:
                        raise SystemExit('bash ended before completing %r' % line)
            os.write(fd, b'\x15')  # Ctrl-U: the line is dropped, never run
        with open(capture, encoding='utf-8') as f:
            records = f.read().split(END)[:-1]
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
        shutil.rmtree(tmp, ignore_errors=True)
    split = []
    for record in records:
        breaks, cword, point, line, *words = record.split(SEP)
        split.append((breaks, int(cword), int(point), line, words))
    return split


def line_text(words):
    """A command line typed as words: a '=' word is written against its
    neighbours ('--store', '=', 'x' is '--store=x')."""
    if isinstance(words, str):
        return words
    text = ''
    for i, w in enumerate(words):
        glued = w == '=' or (i > 0 and words[i - 1] == '=')
        text += ('' if i == 0 or glued else ' ') + w
    return text


DRIVER = r"""
source "$1" || exit 1
relctl=$2
eval "$3"
while IFS=$'\x1f' read -r -a _rec; do
	COMP_WORDBREAKS=${_rec[0]//$'\x1d'/$'\n'} COMP_CWORD=${_rec[1]} COMP_POINT=${_rec[2]} COMP_LINE=${_rec[3]}
	COMP_WORDS=("${_rec[@]:4:${#_rec[@]}-5}")  # the last is the end marker
	COMPREPLY=()
	_relctl "$relctl" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
	printf '%s\n' "${COMPREPLY[@]}"
	printf '\x1e\n'
done
"""

# A shell set up against the completion: options that change how words are
# matched and expanded, a field separator of newlines alone, and an alias
# and a function named like what the completion runs, defined after it.
HOSTILE_SHELL = r"""
set -u
shopt -s failglob nocasematch extglob expand_aliases
IFS=$'\n'
alias timeout=false
timeout() { echo hijacked; }
"""


class Completer:
    def __init__(self, script, relctl, env):
        self.script, self.relctl, self.env = script, relctl, env
        self.splits = {}

    def many(self, lines, relctl=None, env=None, cwd=None, shell='', wordbreaks=None):
        """The completions of each command line (a list of words, the last
        the one completed, or the line's text; TAB pressed at its end), as
        sets. shell: bash run before completing; wordbreaks: COMP_WORDBREAKS
        instead of bash's default."""
        texts = [line_text(words) for words in lines]
        todo = sorted({t for t in texts if (t, wordbreaks) not in self.splits})
        for text, split in zip(todo, bash_split(todo, wordbreaks) if todo else []):
            self.splits[(text, wordbreaks)] = split
        records = ''
        for text in texts:
            breaks, cword, point, line, words = self.splits[(text, wordbreaks)]
            breaks = breaks.replace('\n', '\x1d')  # one record a line
            records += SEP.join([breaks, str(cword), str(point), line] + words + ['.']) + '\n'
        res = subprocess.run(['bash', '--norc', '--noprofile', '-c', DRIVER, 'driver',
                              self.script, relctl or self.relctl, shell],
                             input=records, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True, env=env or self.env, cwd=cwd)
        if res.returncode != 0 or res.stderr:
            raise SystemExit('bash exited with %d, saying: %s' % (res.returncode, res.stderr))
        out = res.stdout.split(END + '\n')[:-1]
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


def check_values(comp, tmp, help_top, problems):
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
        # Bash splits these words at ':' and '@': they are still one.
        ('relctl --store file:st', {'stores', 'stash'}),
        ('relctl --store=file:st', {'stores', 'stash'}),
        ('relctl store copy file:sto', {'stores'}),
        ('relctl store copy memory: file:sto', {'stores'}),
        ('relctl --at 2026-11-24T14:32:00Z releases hi', {'history'}),
        ('relctl releases history --at=14:32:00 -', {'--json', '--limit', '--before', '--at',
                                                     '--app', '--store', '--actor', '--help'}),
        ('relctl --store postgresql://u@db:5432/r releases r', {'rollback'}),
        ('relctl --actor me@host releases r', {'rollback'}),
        ("relctl --hook 'kubectl apply -f x:y' releases r", {'rollback'}),
        ('relctl --store file:/x?mode=ro -', set(help_top)),
    ]
    got = comp.many([(['relctl'] + words) if isinstance(words, list) else words
                     for words, _ in cases], cwd=tmp)
    for (words, want), g in zip(cases, got):
        check(problems, (words if isinstance(words, str) else 'relctl ' + ' '.join(words))
              + '<TAB>', g, want)

    # A COMP_WORDBREAKS without ':', '=' and '@' (as some users set it):
    # readline then replaces the whole word, option and all.
    breaks = ' \t\n"\'><;|&('
    cases = [
        ('relctl --store=st', {'--store=stores', '--store=stash'}),
        ('relctl --store=file:st', {'--store=file:stores', '--store=file:stash'}),
        ('relctl --store file:st', {'file:stores', 'file:stash'}),
        ('relctl builds create --status=c', {'--status=created', '--status=complete'}),
        ('relctl --at 2026-11-24T14:32:00Z releases hi', {'history'}),
        ('relctl --store=file:/x releases r', {'rollback'}),
    ]
    got = comp.many([text for text, _ in cases], cwd=tmp, wordbreaks=breaks)
    for (text, want), g in zip(cases, got):
        check(problems, text + '<TAB> (COMP_WORDBREAKS without :=@)', g, want)
    return len(cases) + 25


def snapshot(path):
    found = []
    for root, dirs, files in os.walk(path):
        for name in sorted(dirs + files):
            st = os.lstat(os.path.join(root, name))
            found.append((os.path.join(root, name), st.st_size, st.st_mtime_ns, st.st_mode))
    return sorted(found)


def check_apps(comp, relctl, tmp, problems):
    store = os.path.join(tmp, 'store')
    # No default store: listing it makes none.
    got = comp.one(['relctl', 'releases', 'wait', ''])
    check(problems, 'relctl releases wait <TAB> without a default store', got, set())
    if os.path.exists(os.path.join(comp.env['XDG_DATA_HOME'], 'librelease')):
        problems.append('completing app names made the default store')
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
        (['--store', 'file:' + store, 'releases', 'wait', ''], None, apps),
        ('relctl --store=file:%s apps info w' % store, None, {'web', 'worker'}),
        (['-a', ''], 'file:%s?mode=rw' % store, apps),
    ]
    for words, env_store, want in cases:
        env = dict(comp.env)
        if env_store:
            env['RELEASE_STORE'] = env_store
        got = comp.one(['relctl'] + words if isinstance(words, list) else words, env=env)
        check(problems, line_text(['relctl'] + words if isinstance(words, list) else words)
              + '<TAB>' + (' (RELEASE_STORE=%s)' % env_store if env_store else ''), got, want)
    if snapshot(store) != before:
        problems.append('completing app names changed the store\'s files')
    if os.path.exists(os.path.join(tmp, 'no-store')):
        problems.append('completing app names made a store')

    # The store the listing reads: not one for a word the shell would have
    # to expand; a file store read-only (?mode=ro),
    # whatever options it gives (a '?' ends the path only when what follows
    # is empty or holds a '=', as the library reads it); a PostgreSQL one
    # with PGOPTIONS asking for a read-only session last (libpq's options
    # in the URI, or a service, would override it: not listed).
    log = os.path.join(tmp, 'argv')
    fake = os.path.join(tmp, 'argv-relctl')
    with open(fake, 'w') as f:
        f.write('#!/bin/sh\nprintf "%%s\\n" "$*" >> %s\n'
                'printf "%%s\\n" "${PGOPTIONS-unset}" >> %s.pgoptions\n' % (log, log))
    os.chmod(fake, 0o755)
    read_only = '-c default_transaction_read_only=on'
    cases = [
        ([], None, 'apps --store file:?mode=ro'),
        ([], '/srv/y', 'apps --store /srv/y?mode=ro'),
        ([], 'postgresql://db/r', 'apps --store postgresql://db/r'),
        (['--store', '/srv/x'], '/srv/y', 'apps --store /srv/x?mode=ro'),
        (['--store', 'file:/srv/x'], None, 'apps --store file:/srv/x?mode=ro'),
        (['--store', '=', 'rel'], None, 'apps --store rel?mode=ro'),
        (['--store', '~/s'], None, 'apps --store %s/s?mode=ro' % comp.env['HOME']),
        (['--store', 'file:/x?mode=rw'], None, 'apps --store file:/x?mode=ro'),
        ([], 'file:?mode=rw', 'apps --store file:?mode=ro'),
        ([], '/srv/x?', 'apps --store /srv/x?mode=ro'),
        ([], '/srv/a?b', 'apps --store /srv/a?b?mode=ro'),
        ([], 'backups/10:00', 'apps --store backups/10:00?mode=ro'),
        (['--store', 'memory:'], None, 'apps --store memory:'),
        (['--store', 'postgresql://deploy@db:5432/r'], None,
         'apps --store postgresql://deploy@db:5432/r'),
        ([], 'postgresql://db/r?sslmode=require', 'apps --store postgresql://db/r?sslmode=require'),
        ([], 'postgresql://db/r?options=-csearch_path%3Dx', None),
        ([], 'postgres://db/r?service=deploy', None),
        (['--store', "'/srv/x'"], None, None),
        (['--store', '$HOME/x'], None, None),
    ]
    for words, env_store, want in cases:
        env = dict(comp.env, PGOPTIONS='-c search_path=x')
        if env_store:
            env['RELEASE_STORE'] = env_store
        for path in (log, log + '.pgoptions'):
            if os.path.exists(path):
                os.unlink(path)
        comp.one(['relctl'] + words + ['releases', 'wait', ''], relctl=fake, env=env)
        got = open(log).read().strip() if os.path.exists(log) else None
        what = line_text(['relctl'] + words + ['releases', 'wait', '']) + '<TAB>' + (
            ' (RELEASE_STORE=%s)' % env_store if env_store else '')
        if got != want:
            problems.append('%s lists apps with %r, want %r' % (what, got, want))
        elif got and '--store postgres' in got:
            with open(log + '.pgoptions') as f:
                options = f.read().strip()
            if options != '-c search_path=x ' + read_only:
                problems.append('%s lists apps with PGOPTIONS=%r, want %r'
                                % (what, options, '-c search_path=x ' + read_only))

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

    # A relctl that is not there, or that ignores SIGTERM and never ends:
    # nothing, and TAB returns within the listing's 2 s and a second more.
    got = comp.one(['relctl', 'releases', 'wait', ''], relctl=os.path.join(tmp, 'no-relctl'))
    check(problems, 'apps from a relctl that is not there', got, set())
    stuck = os.path.join(tmp, 'stuck-relctl')
    with open(stuck, 'w') as f:
        f.write("#!/bin/sh\ntrap '' TERM\necho web\nexec sleep 60\n")
    os.chmod(stuck, 0o755)
    start = time.monotonic()
    got = comp.one(['relctl', 'releases', 'wait', ''], relctl=stuck)
    took = time.monotonic() - start
    check(problems, 'apps from a relctl that ignores SIGTERM', got, {'web'})
    if took > 10:
        problems.append('TAB took %.0f s on a relctl that ignores SIGTERM' % took)

    # A long listing, 30,000 apps: offered whole, the last ones too.
    many = os.path.join(tmp, 'many-relctl')
    with open(many, 'w') as f:
        f.write('#!/bin/sh\necho "APP  STATUS  RELEASE"\n'
                'seq 1 30000 | sed "s/^/app-/; s/$/  running/"\n')
    os.chmod(many, 0o755)
    start = time.monotonic()
    got = comp.one('relctl releases wait app-2999', relctl=many)
    took = time.monotonic() - start
    check(problems, 'apps from a listing of 30,000', got,
          {'app-2999'} | {'app-2999%d' % i for i in range(10)})
    print('30,000 apps listed and checked in %.1f s' % took)
    return len(cases) + 17


def check_hostile_shell(comp, relctl, tmp, problems):
    """The same completions in a shell set up against them (HOSTILE_SHELL)."""
    store = os.path.join(tmp, 'store')
    fake = os.path.join(tmp, 'fake-relctl')
    cases = [
        ('relctl rel', relctl, {'releases'}),
        ('relctl releases r', relctl, {'rollback'}),
        ('relctl releases wait --', relctl, {'--for', '--since', '--timeout', '--app',
                                             '--store', '--actor', '--help'}),
        ('relctl builds create --status=c', relctl, {'created', 'complete'}),
        ('relctl --store file:%s releases wait ' % store, relctl, {'web', 'worker', 'api'}),
        ('relctl --store %s apps info W' % store, relctl, set()),
        ('relctl releases wait ', fake, {'web'}),
        ('relctl releases --JS', relctl, set()),
    ]
    got = comp.many([text for text, _, _ in cases], relctl=None, shell=HOSTILE_SHELL)
    # each line with its own relctl: run them one by one where it differs
    for (text, prog, want), g in zip(cases, got):
        if prog != relctl:
            g = comp.one(text, relctl=prog, shell=HOSTILE_SHELL)
        check(problems, text + '<TAB> (set -u, failglob, nocasematch, IFS, alias and '
              'function timeout)', g, want)
    return len(cases)


def check_postgresql(comp, uri, problems):
    """App names of a PostgreSQL store: its tables neither made nor changed."""
    psql = shutil.which('psql')
    if not psql:
        print('SKIP: psql is not installed')
        return 77

    def query(sql):
        res = subprocess.run([psql, '-XAtq', '-d', uri, '-c', sql], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, universal_newlines=True)
        if res.returncode != 0:
            raise SystemExit('psql: ' + res.stderr)
        return res.stdout.strip()

    env = dict(comp.env, RELEASE_STORE=uri)
    tables = "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class " \
             "WHERE relname LIKE 'librelease%'"
    got = comp.one(['relctl', 'releases', 'wait', ''], env=env)
    check(problems, 'relctl releases wait <TAB> on an empty database', got, set())
    if query(tables):
        problems.append('completing app names made tables: ' + query(tables))
    for app in ('web', 'worker'):
        subprocess.run([comp.relctl, 'apps', 'create', app], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    state = "SELECT count(*), coalesce(max(seq), 0) FROM librelease_records"
    before = (query(tables), query(state))
    got = comp.one(['relctl', 'releases', 'wait', ''], env=env)
    check(problems, 'relctl releases wait <TAB> on PostgreSQL', got, {'web', 'worker'})
    if (query(tables), query(state)) != before:
        problems.append('completing app names changed the database')
    return 2


def main():
    args = sys.argv[1:]
    postgresql = args[:1] == ['--postgresql']
    if postgresql:
        args = args[1:]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    relctl, script = os.path.abspath(args[0]), os.path.abspath(args[1])
    if not shutil.which('bash'):
        print('SKIP: bash is not installed')
        return 77
    uri = os.environ.get('RELEASE_TEST_STORE')
    if postgresql and not uri:
        print('--postgresql runs under pg_server.py, which sets RELEASE_TEST_STORE',
              file=sys.stderr)
        return 2
    problems = []
    tmp = tempfile.mkdtemp(prefix='relctl-completion-')
    try:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(('RELEASE_', 'RELCTL_', 'PG'))}
        env.update(HOME=tmp, XDG_DATA_HOME=os.path.join(tmp, 'data'))
        comp = Completer(script, relctl, env)
        if postgresql:
            n = check_postgresql(comp, uri, problems)
            if n == 77:
                return 77
        else:
            help_ = Help(relctl)
            n = check_help(comp, help_, problems)
            n += check_values(comp, tmp, set(help_.globals), problems)
            n += check_apps(comp, relctl, tmp, problems)
            n += check_hostile_shell(comp, relctl, tmp, problems)
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
