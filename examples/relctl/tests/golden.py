#!/usr/bin/env python3
"""Runs a golden transcript of relctl and compares it with what happens.

Usage: golden.py [--update] [--postgresql] RELCTL TRANSCRIPT.t

A transcript reads like a terminal session (the format is cram's, with
stderr kept apart):

    Unindented lines are comments, or directives:
    @now 1546300800          the clock (RELCTL_TEST_NOW) for what follows
    @advance 300             move the clock on, in seconds
    @env NAME=VALUE          set a variable for what follows (@unenv NAME)
    @require PROGRAM         skip the transcript (exit 77) without PROGRAM
    @require-ok COMMAND      skip it unless /bin/sh -c COMMAND succeeds

      $ relctl releases -a myapp          a command, run by /bin/sh -c
      > more of it                        (its next line, if it has several)
      ID          STATUS  BUILD ...       its stdout, line by line
      ! ERROR: ...                        its stderr, line by line
      [3]                                 its exit status, when not 0

Blank lines of output are written indented, like the others (an editor that
strips the indent does no harm unless the blank line ends the output). An
expected line ending in " (re)" is a regular expression for the whole
line; one ending in " (no-eol)" is a last line without a newline.

Every transcript gets a fresh directory ($TESTTMP, also the working
directory) and store ($RELEASE_STORE), a fixed clock starting at
2019-01-01T00:00:00Z, ids seeded with the command's ordinal
(RELCTL_TEST_SEED) and one actor (RELEASE_ACTOR=alice@example.com, which
@env or @unenv change), so ids, times and actors are the same on every run. $TESTTMP
in the output is written as such. $HOOKS is examples/relctl, where the
example hook lives; $TESTHOOKS is examples/relctl/tests/hooks.

With --postgresql the store is not a directory but the PostgreSQL database
that tests/pg_server.py (examples/pgstore) names in $RELEASE_TEST_STORE: run
as `pg_server.py run -- python3 golden.py --postgresql RELCTL T.t`, each
transcript gets a server of its own, so its database starts empty as the
file store does; its URI in the output is written $RELEASE_STORE. Ids and
times come from the same seeds and clock, so a transcript of the commands
(rather than of the file store's files) passes on both stores; where a
backend's words differ, a (re) line takes either.

With --update the transcript is rewritten with what happened (lines that
matched a (re) pattern are kept as they were).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

START = 1546300800  # 2019-01-01T00:00:00Z
HERE = os.path.dirname(os.path.abspath(__file__))


class Command:
    def __init__(self, line, text, env, now, seed):
        self.line = line          # where it is in the transcript
        self.text = text
        self.env = dict(env)
        self.now = now
        self.seed = seed
        self.expected = []        # the transcript's lines, without indent
        self.actual = []


def parse(path):
    """The transcript as a list of items: ('text', line) or Command."""
    items, env, now, seed, cmd = [], {}, START, 0, None
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for number, raw in enumerate(lines, 1):
        following = lines[number] if number < len(lines) else ""
        if (raw == "" and cmd is not None and cmd.expected and
                following.startswith("  ") and not following.startswith("  $ ")):
            # A blank line of output whose indent an editor removed.
            cmd.expected.append("")
        elif raw.startswith("  $ "):
            seed += 1
            cmd = Command(number, raw[4:], env, now, seed)
            items.append(cmd)
        elif raw.startswith("  > ") and cmd is not None and not cmd.expected:
            cmd.text += "\n" + raw[4:]
        elif raw.startswith("  ") and cmd is not None:
            cmd.expected.append(raw[2:])
        else:
            cmd = None
            items.append(("text", raw))
            words = raw.split(None, 1)
            if raw.startswith("@now "):
                now = int(words[1])
            elif raw.startswith("@advance "):
                now += int(words[1])
            elif raw.startswith("@env "):
                name, _, value = words[1].partition("=")
                env[name] = value
            elif raw.startswith("@unenv "):
                env[words[1]] = None  # unset, even what run() sets by default
            elif raw.startswith("@require-ok "):
                probe = subprocess.run(["/bin/sh", "-c", words[1]],
                                       stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, timeout=60)
                if probe.returncode != 0:
                    print("%s: skipped: %s failed" % (path, words[1]))
                    sys.exit(77)
            elif raw.startswith("@require "):
                if shutil.which(words[1]) is None:
                    print("%s: skipped: no %s" % (path, words[1]))
                    sys.exit(77)
            elif raw.startswith("@"):
                raise SystemExit("%s:%d: unknown directive %r" % (path, number, raw))
    return items


def lines_of(text, prefix=""):
    if not text:
        return []
    out = [prefix + line for line in text.split("\n")]
    if text.endswith("\n"):
        out.pop()
    else:
        out[-1] += " (no-eol)"
    return out


def run(cmd, relctl, tmp, store):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RELEASE_", "RELCTL_", "GIT_", "ROLLING_UPDATE_"))}
    for name in ("XDG_DATA_HOME", "VISUAL", "EDITOR"):
        env.pop(name, None)
    env.update({
        "PATH": os.path.dirname(os.path.abspath(relctl)) + os.pathsep + env.get("PATH", ""),
        "HOME": os.path.join(tmp, "home"),
        "TESTTMP": tmp,
        "TMPDIR": os.path.join(tmp, "tmp"),
        "RELEASE_STORE": store or os.path.join(tmp, "store"),
        "RELCTL_TEST_NOW": str(cmd.now),
        "RELCTL_TEST_SEED": str(cmd.seed),
        "RELEASE_ACTOR": "alice@example.com",
        "HOOKS": os.path.dirname(HERE),
        "TESTHOOKS": os.path.join(HERE, "hooks"),
        "ROLLING_UPDATE_PAUSE": "0",
        "LC_ALL": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "A U Thor",
        "GIT_AUTHOR_EMAIL": "author@example.com",
        "GIT_COMMITTER_NAME": "A U Thor",
        "GIT_COMMITTER_EMAIL": "author@example.com",
        "GIT_AUTHOR_DATE": "2019-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2019-01-01T00:00:00Z",
    })
    env.update(cmd.env)
    env = {k: v for k, v in env.items() if v is not None}
    proc = subprocess.run(["/bin/sh", "-c", cmd.text], cwd=tmp, env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120)
    out = proc.stdout.decode("utf-8", "backslashreplace")
    err = proc.stderr.decode("utf-8", "backslashreplace")
    if store:
        out, err = out.replace(store, "$RELEASE_STORE"), err.replace(store, "$RELEASE_STORE")
    out, err = out.replace(tmp, "$TESTTMP"), err.replace(tmp, "$TESTTMP")
    cmd.actual = lines_of(out) + lines_of(err, "! ")
    if proc.returncode != 0:
        cmd.actual.append("[%d]" % proc.returncode)


def line_matches(expected, actual):
    if expected == actual:
        return True
    if expected.endswith(" (re)"):
        try:
            return re.fullmatch(expected[:-5], actual) is not None
        except re.error:
            return False
    return False


def matches(cmd):
    return (len(cmd.expected) == len(cmd.actual) and
            all(line_matches(e, a) for e, a in zip(cmd.expected, cmd.actual)))


def merged(cmd):
    """The actual lines, keeping expected (re) lines that matched."""
    out = []
    for i, a in enumerate(cmd.actual):
        e = cmd.expected[i] if i < len(cmd.expected) else None
        out.append(e if e is not None and line_matches(e, a) else a)
    return out


def main(argv):
    update = "--update" in argv
    store = None
    if "--postgresql" in argv:
        store = os.environ.get("RELEASE_TEST_STORE")
        if not store or not store.startswith(("postgresql:", "postgres:")):
            raise SystemExit("golden.py --postgresql: no PostgreSQL URI in RELEASE_TEST_STORE "
                             "(run it under pg_server.py)")
    args = [a for a in argv if a not in ("--update", "--postgresql")]
    if len(args) != 2:
        raise SystemExit(__doc__)
    relctl, path = args
    items = parse(path)
    tmp = tempfile.mkdtemp(prefix="relctl-golden-")
    failures = 0
    try:
        for d in ("home", "tmp"):
            os.mkdir(os.path.join(tmp, d))
        for item in items:
            if isinstance(item, Command):
                run(item, relctl, tmp, store)
                if not matches(item):
                    failures += 1
                    print("%s:%d: $ %s" % (path, item.line,
                                            item.text.replace("\n", "\n  > ")))
                    for line in item.expected:
                        print("-  " + line)
                    for line in item.actual:
                        print("+  " + line)
        leftovers = os.listdir(os.path.join(tmp, "tmp"))
        if leftovers:
            failures += 1
            print("%s: temporary files left behind: %s" % (path, " ".join(leftovers)))
    finally:
        # Make everything removable again (tests take permissions away).
        for root, dirs, _ in os.walk(tmp):
            for d in dirs:
                try:
                    os.chmod(os.path.join(root, d), 0o700)
                except OSError:
                    pass
        shutil.rmtree(tmp, ignore_errors=True)
    if update:
        with open(path, "w", encoding="utf-8") as f:
            for item in items:
                if isinstance(item, Command):
                    f.write("  $ %s\n" % item.text.replace("\n", "\n  > "))
                    for line in merged(item):
                        f.write("  %s\n" % line)
                else:
                    f.write(item[1] + "\n")
        print("%s: updated" % path)
        return 0
    count = sum(isinstance(i, Command) for i in items)
    print("%s%s: %d commands, %d differ" % (os.path.basename(path),
                                             " (PostgreSQL)" if store else "", count, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
