#!/usr/bin/env python3
"""Checks that the values of the keys in the app's mask list are masked when
relctl writes to a terminal (and shown with --reveal), that other values are
not, and that piped output is plain; and that a manifest reaches a terminal
with its control characters escaped, a pipe byte for byte.

Usage: check_tty.py RELCTL
"""
import os
import pty
import shutil
import subprocess
import sys
import tempfile

MASK = "****"


def on_tty(argv, env):
    """Runs argv with a pseudo-terminal as stdout; returns what it wrote."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=slave,
                            stderr=subprocess.PIPE)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    proc.wait(timeout=60)
    if proc.returncode != 0:
        raise SystemExit("%s: exit %d" % (argv, proc.returncode))
    return out.decode("utf-8", "backslashreplace").replace("\r\n", "\n")


def main():
    relctl = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="relctl-tty-")
    problems = []
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RELEASE_", "RELCTL_"))}
        env.update(RELEASE_STORE=os.path.join(tmp, "store"), RELEASE_APP="myapp")
        run = lambda *a: subprocess.run([relctl] + list(a), env=env, check=True,
                                        stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL).stdout.decode()
        run("apps", "create", "myapp")
        rid = run("env", "set", "SECRET=hunter2", "EMPTY=", "PLAIN=visible", "--id").strip()
        # Nothing is masked before the mask list names a key.
        for args in (["env"], ["releases", "info", rid]):
            out = on_tty([relctl] + args, env)
            if "SECRET=hunter2" not in out or MASK in out:
                problems.append("relctl %s on a terminal, empty mask list: %r"
                                % (" ".join(args), out))
        run("env", "mask", "set", "SECRET", "EMPTY")
        cases = [
            (["env"], ["EMPTY=%s\n" % MASK, "SECRET=%s\n" % MASK, "PLAIN=visible\n"]),
            (["env", "--reveal"], ["SECRET=hunter2\n", "EMPTY=\n"]),
            (["env", "--release", rid], ["SECRET=%s\n" % MASK, "PLAIN=visible\n"]),
            (["env", "--json"], ['"SECRET": "%s"' % MASK, '"EMPTY": "%s"' % MASK,
                                 '"PLAIN": "visible"']),
            (["env", "--json", "--reveal"], ['"SECRET": "hunter2"']),
            (["releases", "info", rid], ["SECRET=%s" % MASK, "PLAIN=visible"]),
            (["releases", "info", rid, "--reveal"], ["SECRET=hunter2"]),
            (["releases", "info", rid, "--json"], ['"SECRET": "%s"' % MASK,
                                                   '"PLAIN": "visible"']),
            # Asking for one key by name is asking for its value.
            (["env", "get", "SECRET"], ["hunter2\n"]),
        ]
        for args, wants in cases:
            out = on_tty([relctl] + args, env)
            for want in wants:
                if want not in out:
                    problems.append("relctl %s on a terminal: no %r in %r"
                                    % (" ".join(args), want, out))
            if "--reveal" not in args and args[:2] != ["env", "get"] and "hunter2" in out:
                problems.append("relctl %s on a terminal shows the value" % " ".join(args))
        # Unmasked again: shown again.
        run("env", "mask", "unset", "SECRET")
        out = on_tty([relctl, "env"], env)
        if "SECRET=hunter2\n" not in out or "EMPTY=%s\n" % MASK not in out:
            problems.append("relctl env after env mask unset SECRET: %r" % out)
        # env get on a terminal shows a newline escaped, on one line; piped,
        # the value byte for byte.
        run("env", "set", "NL=one\ntwo\x1b[2J")
        out = on_tty([relctl, "env", "get", "NL"], env)
        if out != "one\\ntwo\\e[2J\n":
            problems.append("relctl env get NL on a terminal: %r" % out)
        if run("env", "get", "NL") != "one\ntwo\x1b[2J\n":
            problems.append("relctl env get NL piped is not the value byte for byte")
        run("env", "mask", "set", "SECRET")
        # Not a terminal: plain, without --reveal.
        if "SECRET=hunter2" not in run("env") or "SECRET=hunter2" not in run(
                "releases", "info", rid):
            problems.append("values are masked when stdout is not a terminal")
        # Listings never show env values at all.
        for args in (["releases"], ["releases", "--json"]):
            if "hunter2" in on_tty([relctl] + args, env) or \
                    "hunter2" in run(*args):
                problems.append("relctl %s shows an env value" % " ".join(args))
        # A manifest: escaped on a terminal, lines and tabs kept; exact when
        # piped.
        manifest = b"web:\n\tcmd: \x1b[2J\x1b]0;pwned\x07\n"
        with open(os.path.join(tmp, "m.yml"), "wb") as f:
            f.write(manifest)
        mrid = run("builds", "create", "-m", os.path.join(tmp, "m.yml"), "-d", "m",
                   "--id").split()[-1]
        shown = on_tty([relctl, "releases", "manifest", mrid], env)
        want = "web:\n\tcmd: \\e[2J\\e]0;pwned\\x07\n"
        if shown != want:
            problems.append("releases manifest on a terminal: %r, want %r" % (shown, want))
        piped = subprocess.run([relctl, "releases", "manifest", mrid], env=env, check=True,
                               stdout=subprocess.PIPE).stdout
        if piped != manifest:
            problems.append("releases manifest piped: %r, want %r" % (piped, manifest))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for p in problems:
        print("check_tty: " + p, file=sys.stderr)
    print("check_tty: %d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
