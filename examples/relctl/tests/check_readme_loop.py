#!/usr/bin/env python3
"""Runs the agent loop of README.md ("Waiting"), as written, on a built relctl.

Usage: check_readme_loop.py RELCTL README.md

The loop is the README's code block that waits with --since. It runs with
`deploy` recording what it deploys, `sleep` recording that it slept (and
sleeping a fifth of a second, so the test does not take minutes), and
`relctl` counting its runs. It must:
  - start on an app with nothing promoted, and deploy each release promoted
    later, once, in order (no "null" id, nothing missed);
  - go on after a release it had was pruned and the app moved on;
  - not spin when the store cannot be used: every failed wait sleeps.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def loop_text(readme):
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    for block in re.findall(r"^```\n(.*?)^```\n", text, flags=re.M | re.S):
        if "releases wait myapp --since" in block and "while :" in block:
            return block
    sys.exit("check_readme_loop: no agent loop in " + readme)


def read_lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def active_of(r):
    return json.loads(r("apps", "info", "myapp", "--json"))["active"]


def wait_for(predicate, seconds=30):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


class Loop:
    def __init__(self, relctl, loop, tmp, store):
        self.tmp = tmp
        self.calls = os.path.join(tmp, "calls")
        self.deployed = os.path.join(tmp, "deployed")
        self.sleeps = os.path.join(tmp, "sleeps")
        for p in (self.calls, self.deployed, self.sleeps):
            open(p, "w").close()
        script = (
            'relctl() { echo run >> "$T/calls"; "$RELCTL" "$@"; }\n'
            'deploy() { echo "$1" >> "$T/deployed"; }\n'
            'sleep() { echo "$1" >> "$T/sleeps"; command sleep 0.2; }\n' + loop)
        env = dict(os.environ, RELCTL=relctl, T=tmp, RELEASE_STORE=store)
        env.pop("RELEASE_APP", None)
        self.proc = subprocess.Popen(["bash", "-c", script], env=env, cwd=tmp,
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(tmp, "loop.err"), "w"),
                                     start_new_session=True)

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def main():
    relctl, readme = os.path.abspath(sys.argv[1]), sys.argv[2]
    if not shutil.which("jq"):
        print("check_readme_loop: jq is not installed: skipped")
        return 77
    loop = loop_text(readme)
    problems = []
    tmp = tempfile.mkdtemp(prefix="relctl-loop.")
    store = os.path.join(tmp, "store")

    def r(*args):
        env = dict(os.environ, RELEASE_STORE=store)
        env.pop("RELEASE_ACTOR", None)
        return subprocess.run([relctl] + list(args), env=env, cwd=tmp, check=True,
                              stdout=subprocess.PIPE, text=True).stdout.strip()

    try:
        r("apps", "create", "myapp")
        r("builds", "create", "-a", "myapp", "-d", "b1")
        agent = Loop(relctl, loop, tmp, store)
        try:
            # Nothing promoted yet: the loop waits (a "null" id would spin).
            time.sleep(1.5)
            if read_lines(agent.deployed):
                problems.append("deployed before any promotion: %s" % read_lines(agent.deployed))
            if len(read_lines(agent.calls)) > 3:
                problems.append("%d relctl runs before the first promotion"
                                % len(read_lines(agent.calls)))
            want = []
            for i in range(3):
                r("env", "set", "-a", "myapp", "K=%d" % i, "--promote")
                want.append(active_of(r))
                if not wait_for(lambda: read_lines(agent.deployed) == want):
                    problems.append("after promotion %d deployed %s, want %s"
                                    % (i + 1, read_lines(agent.deployed), want))
                    break
        finally:
            agent.stop()

        # The release the agent has was pruned while it was down: a new
        # agent starting from it (as one restarted with its state would)
        # deploys the active release at once.
        have = read_lines(agent.deployed)[-1:] or ["none"]
        for i in range(3):
            r("env", "set", "-a", "myapp", "L=%d" % i, "--promote")
        r("releases", "prune", "-a", "myapp", "--keep", "0")
        active = active_of(r)
        loop_from = loop.replace("have=$(relctl apps info myapp --json | jq -r '.active // empty')",
                                 "have=" + have[0])
        if loop_from == loop:
            problems.append("the loop's first line is not the one this test knows")
        agent = Loop(relctl, loop_from, tmp, store)
        try:
            if not wait_for(lambda: read_lines(agent.deployed) == [active]):
                problems.append("after a prune, deployed %s, want %s"
                                % (read_lines(agent.deployed), [active]))
        finally:
            agent.stop()

        # A store that cannot be used: each failed wait sleeps.
        agent = Loop(relctl, loop, tmp, os.path.join(tmp, "gone"))
        try:
            time.sleep(2)
            runs, sleeps = len(read_lines(agent.calls)), len(read_lines(agent.sleeps))
            if runs > 15 or sleeps == 0:
                problems.append("store unusable: %d relctl runs and %d sleeps in 2 s" % (runs, sleeps))
        finally:
            agent.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for p in problems:
        print("check_readme_loop: " + p)
    print("check_readme_loop: %d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
