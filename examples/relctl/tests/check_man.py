#!/usr/bin/env python3
"""relctl(1) says what relctl's help says, and renders without warnings.

What relctl prints for `relctl --help` and `relctl help COMMAND` is the
truth; the manual page (relctl.1, as meson configured it) must agree:

- COMMANDS has one entry per command, whose synopsis is the command's usage
  line, word for word; no entry names a command relctl does not have.
- OPTIONS describes every option that some command's help lists as its own,
  GLOBAL OPTIONS every global option, with the same short and long names,
  taking a value exactly when the help's does; nothing else is described.
- every command's own options appear in its synopsis; no --option anywhere in
  the page is one relctl does not know.
- ENVIRONMENT names every variable relctl's sources read (and TZ, read by
  libc) and those the help names, and nothing else; the test-only
  RELCTL_TEST_* variables appear nowhere.
- FILES names the default store's two places, and when the second is used.
- EXIT STATUS has exactly the statuses of relctl.h.
- .TH names the project's version.

Then the page is formatted with `groff -man -ww -z` and `mandoc -T lint`, each
when installed: any warning fails the test. With neither installed that part
is skipped, with a message (Debian: groff-base, or mandoc).

usage: check_man.py RELCTL MANPAGE RELCTL_SOURCE_DIR VERSION
"""
import os
import re
import shutil
import subprocess
import sys

# The columns of relctl's help: an option's description starts at column 30.
HELP_OPTION = re.compile(r'^ {2}(?:(-[A-Za-z]), )?(--[a-z][a-z-]*)(?: (\S+))?(?: {2,}|$)|'
                         r'^ {6}(--[a-z][a-z-]*)(?: (\S+))?(?: {2,}|$)')


def relctl_output(relctl, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(('RELEASE_', 'RELCTL_'))}
    res = subprocess.run([relctl, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, env=env)
    if res.returncode != 0:
        raise SystemExit('relctl %s exited with %d: %s' % (' '.join(args), res.returncode,
                                                           res.stderr))
    return res.stdout


def parse_options(block):
    """{long: (short or None, takes a value, the option's first line)} of a help's
    options block."""
    opts = {}
    for line in block.splitlines():
        m = HELP_OPTION.match(line)
        if not m:
            continue
        if m.group(2):
            short, long, value = m.group(1), m.group(2), m.group(3)
        else:
            short, long, value = None, m.group(4), m.group(5)
        opts[long] = (short, value is not None, line.rstrip())
    return opts


class Help:
    """What relctl's help says: its commands, their usage and options."""

    def __init__(self, relctl):
        self.overview = relctl_output(relctl, '--help')
        commands = self.section(self.overview, 'Commands:')
        self.commands = [re.split(r' {2,}', line.strip())[0] for line in commands.splitlines()]
        self.globals = parse_options(self.section(self.overview, 'Global options:'))
        self.usage, self.options, self.listed = {}, {}, {}
        for cmd in self.commands:
            text = relctl_output(relctl, 'help', *cmd.split())
            first = text.splitlines()[0]
            if not first.startswith('Usage: relctl '):
                raise SystemExit('relctl help %s: no usage line' % cmd)
            self.usage[cmd] = first[len('Usage: '):]
            opts = parse_options(self.section(text, 'Options:'))
            self.listed[cmd] = set(opts)
            # A command's own options: any that is not the global option's line
            # (store copy's --app is its own, described differently).
            self.options[cmd] = {k: v for k, v in opts.items()
                                 if k not in self.globals or self.globals[k][2] != v[2]}

    @staticmethod
    def section(text, title):
        """The lines after a line TITLE, up to a blank line."""
        start = text.index('\n' + title + '\n') + len(title) + 2
        end = text.find('\n\n', start)
        return text[start:] if end < 0 else text[start:end]

    def all_options(self):
        """{long: (short, takes a value)} of every option relctl knows."""
        known = {k: v[:2] for k, v in self.globals.items()}
        for opts in self.options.values():
            known.update({k: v[:2] for k, v in opts.items()})
        return known


ESCAPES = [
    (re.compile(r'\\f(\[[^]]*\]|\(..|.)'), ''),
    (re.compile(r'\\\((aq)'), "'"), (re.compile(r'\\\((lq|rq)'), '"'),
    (re.compile(r'\\\(em'), '\u2014'), (re.compile(r'\\[&|^]'), ''),
    (re.compile(r'\\-'), '-'), (re.compile(r'\\ '), ' '),
]


def deroff(text):
    """A roff line's text: font changes dropped, escapes read."""
    text = text.replace('\\e', '\0')
    for pattern, repl in ESCAPES:
        text = pattern.sub(repl, text)
    if '\\' in text:
        raise ValueError('an escape this check does not know: %r' % text)
    return text.replace('\0', '\\')


def macro_text(line):
    """The text of a line; a font macro's arguments (.B, .BR, .IR...) joined."""
    m = re.match(r'\.(B|I|BR|RB|IR|RI|BI|IB)\s+(.*)', line)
    if not m:
        return line
    args = re.findall(r'"((?:[^"\\]|\\.)*)"|(\S+)', m.group(2))
    words = [a or b for a, b in args]
    return (' ' if len(m.group(1)) == 1 else '').join(words)


class Page:
    """relctl.1's sections, and the tags of their .TP entries, as text."""

    def __init__(self, path):
        with open(path, encoding='utf-8') as f:
            self.lines = [l.rstrip('\n') for l in f if not l.startswith('.\\"')]
        self.sections, self.tags = {}, {}
        current = None
        for i, line in enumerate(self.lines):
            if line.startswith('.SH '):
                current = line[4:].strip().strip('"')
                self.sections[current] = []
                self.tags[current] = []
            elif current is not None:
                self.sections[current].append(line)
                if self.lines[i - 1] == '.TP':
                    self.tags[current].append(deroff(macro_text(line)))

    def text(self, section=None):
        lines = self.lines if section is None else self.sections.get(section, [])
        return '\n'.join(deroff(macro_text(l)) for l in lines if not l.startswith('.')
                         or re.match(r'\.(B|I|BR|RB|IR|RI|BI|IB)\s', l))


def option_tags(tags):
    """{long: (short, takes a value)} of .TP tags like '-d, --description D'."""
    opts = {}
    for tag in tags:
        m = re.match(r'(?:(-[A-Za-z]), )?(--[a-z][a-z-]*)( \S+)?$', tag)
        if not m:
            raise ValueError('an option entry that does not read: %r' % tag)
        opts[m.group(2)] = (m.group(1), m.group(3) is not None)
    return opts


def compare(problems, what, man, help_):
    for k in sorted(set(help_) - set(man)):
        problems.append('%s: relctl has %s, the page does not describe it' % (what, k))
    for k in sorted(set(man) - set(help_)):
        problems.append('%s: the page describes %s, relctl has no such thing' % (what, k))
    for k in sorted(set(man) & set(help_)):
        if man[k] != help_[k]:
            problems.append('%s: %s is %r in the page, %r in relctl\'s help'
                            % (what, k, man[k], help_[k]))


def check_content(page, help_, source_dir, version, problems):
    # Commands: one entry each, its synopsis the usage line.
    synopses = [t for t in page.tags.get('COMMANDS', []) if t.startswith('relctl ')]
    want = {help_.usage[c]: c for c in help_.commands}
    for syn in synopses:
        if syn not in want:
            problems.append('COMMANDS: "%s" is no usage line of relctl\'s help' % syn)
    for syn, cmd in want.items():
        if syn not in synopses:
            problems.append('COMMANDS: no entry for `relctl %s`, whose usage is "%s"'
                            % (cmd, syn))
    if len(synopses) != len(set(synopses)):
        problems.append('COMMANDS: an entry is there twice')

    # Options: the same names, values and forms.
    try:
        man_opts = option_tags(page.tags.get('OPTIONS', []))
        man_globals = option_tags(page.tags.get('GLOBAL OPTIONS', []))
    except ValueError as e:
        problems.append(str(e))
        return
    own = {}
    for cmd in help_.commands:
        own.update({k: v[:2] for k, v in help_.options[cmd].items()})
        for long, (short, _, _) in help_.options[cmd].items():
            words = re.sub(r'[][|]', ' ', help_.usage[cmd]).split()
            if long not in words and short not in words:
                problems.append('relctl help %s lists %s, its usage line does not'
                                % (cmd, long))
    compare(problems, 'OPTIONS', man_opts, own)
    compare(problems, 'GLOBAL OPTIONS', man_globals,
            {k: v[:2] for k, v in help_.globals.items()})
    known = help_.all_options()
    for flag in sorted(set(re.findall(r'(?<![\w-])--[a-z][a-z-]*', page.text()))):
        if flag not in known:
            problems.append('the page mentions %s, which relctl does not take' % flag)

    # Environment: what the sources read and the help names.
    read = set()
    for name in sorted(os.listdir(source_dir)):
        if name.endswith('.c'):
            with open(os.path.join(source_dir, name), encoding='utf-8') as f:
                read |= set(re.findall(r'\b(?:getenv|env_value)\("([A-Z_]+)"\)', f.read()))
    read.add('TZ')  # read by libc, for --at's local times
    named = set(re.findall(r'\b[A-Z][A-Z_]{2,}\b',
                           help_.overview[help_.overview.index('Environment:'):
                                          help_.overview.index('Exit status:')]))
    documented = set()
    for tag in page.tags.get('ENVIRONMENT', []):
        documented |= set(tag.split(', '))
    for var in sorted((read | named) - documented):
        problems.append('ENVIRONMENT: relctl reads %s, the page does not say so' % var)
    for var in sorted(documented - read - named):
        problems.append('ENVIRONMENT: the page lists %s, which relctl does not read' % var)
    if 'RELCTL_TEST' in '\n'.join(page.lines):
        problems.append('the page names a RELCTL_TEST_* variable: those are for tests only')

    # FILES: the default store where the library puts it, which takes
    # XDG_DATA_HOME only when it is an absolute path (the XDG rules).
    files = page.text('FILES')
    for want in ('$XDG_DATA_HOME/librelease', '~/.local/share/librelease',
                 'not an absolute path'):
        if want not in files:
            problems.append('FILES does not say %r' % want)

    # Exit statuses: relctl.h's.
    with open(os.path.join(source_dir, 'relctl.h'), encoding='utf-8') as f:
        statuses = set(re.findall(r'\bRELCTL_EXIT_[A-Z]+ = (\d+)', f.read()))
    compare(problems, 'EXIT STATUS', {t: True for t in page.tags.get('EXIT STATUS', [])},
            {s: True for s in statuses})

    th = [l for l in page.lines if l.startswith('.TH ')]
    if not th or version not in th[0] or '@' in th[0]:
        problems.append('.TH does not name version %s: %r' % (version, th))


def check_render(path, problems):
    ran, warned = [], []
    groff = shutil.which('groff')
    if groff:
        ran.append('groff')
        res = subprocess.run([groff, '-man', '-ww', '-z', path], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True)
        if res.returncode != 0 or res.stdout.strip():
            warned.append('groff -man -ww -z warns:\n' + res.stdout)
    mandoc = shutil.which('mandoc')
    if mandoc:
        ran.append('mandoc')
        res = subprocess.run([mandoc, '-T', 'lint', '-W', 'warning', path],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             universal_newlines=True)
        if res.returncode != 0 or res.stdout.strip():
            warned.append('mandoc -T lint warns:\n' + res.stdout)
    if not ran:
        print('SKIP (this part only): neither groff nor mandoc is installed, so the page '
              'was not formatted (Debian: apt-get install groff-base, or mandoc)')
    elif not warned:
        print('formatted with %s: no warnings' % ' and '.join(ran))
    problems.extend(warned)


def main():
    if len(sys.argv) != 5:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    relctl, path, source_dir, version = sys.argv[1:]
    problems = []
    help_ = Help(relctl)
    page = Page(path)
    check_content(page, help_, source_dir, version, problems)
    check_render(path, problems)
    for p in problems:
        print('FAIL: ' + p)
    if problems:
        return 1
    print('ok: the page agrees with relctl\'s help: %d commands, %d options'
          % (len(help_.commands), len(help_.all_options())))
    return 0


if __name__ == '__main__':
    sys.exit(main())
