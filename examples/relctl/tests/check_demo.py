#!/usr/bin/env python3
"""Runs examples/demo.sh on a built relctl and checks that it tells the
seed's story: app, build, promote, env set --promote, list, rollback through
the example hook, list.

Usage: check_demo.py DEMO.sh RELCTL
"""
import os
import re
import subprocess
import sys

ID = r"R[A-Z]{9,10}"
TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
COMMANDS = [
    r"relctl apps create myapp",
    r'relctl builds create -a myapp --description "build 0a1b2c3d4e5f my commit message"',
    r"relctl releases promote -a myapp",
    r"relctl env set FOO=bar --promote -a myapp",
    r"relctl releases -a myapp",
    r"export RELEASE_DEPLOY_HOOK=examples/relctl/rolling-update.sh",
    r"relctl releases rollback (%s) -a myapp" % ID,
    r"relctl releases -a myapp",
]
HOOK_EVENTS = [
    "system/k8s/atom/app Status: Running => Pending",
    "system/k8s/web Scaled up replica set",
    "system/k8s/web-",
    "system/k8s/web-",
    "system/k8s/web-",
    "system/k8s/atom/app Status: Pending => Updating",
    "system/k8s/web-",
    "system/k8s/web-",
    "system/k8s/web-",
    "system/k8s/web Scaled down",
    "system/k8s/atom/app Status: Updating => Running",
]


def table_rows(block):
    lines = block.strip().splitlines()
    if not lines or not lines[0].startswith("ID          STATUS  BUILD"):
        return None
    return [re.split(r"\s{2,}", l) for l in lines[1:]]


def main():
    demo, relctl = sys.argv[1:3]
    env = dict(os.environ, RELCTL=os.path.abspath(relctl), ROLLING_UPDATE_PAUSE="0")
    if os.environ.get("RELEASE_TEST_STORE"):  # under pg_server.py: its server
        env["DEMO_STORE"] = os.environ["RELEASE_TEST_STORE"]
    proc = subprocess.run(["bash", demo], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=120)
    out = proc.stdout
    sys.stdout.write(out)
    problems = []
    if proc.returncode != 0 or proc.stderr:
        problems.append("exit %d, stderr %r" % (proc.returncode, proc.stderr))
    # Each "$ ..." starts a step; what follows it is its output.
    steps = re.split(r"^\$ (.*)$", out, flags=re.M)
    shown, outputs = steps[1::2], steps[2::2]
    if len(shown) != len(COMMANDS) or not all(
            re.fullmatch(c, s) for c, s in zip(COMMANDS, shown)):
        problems.append("commands shown: %r" % shown)
        return report(problems)
    first = re.search(r"^Release: (%s)$" % ID, outputs[1], re.M)
    second = re.search(r"^Release: (%s)$" % ID, outputs[3], re.M)
    target = re.fullmatch(COMMANDS[6], shown[6]).group(1)
    if not first or not second or target != first.group(1):
        problems.append("the rollback does not go back to the build's release")
        return report(problems)
    first, second = first.group(1), second.group(1)
    before = table_rows(outputs[4].split("\n#")[0])
    if not before or len(before) != 2 or before[0][0] != second or before[0][1] != "active" \
            or before[1][0] != first or before[1][-1] != "build 0a1b2c3d4e5f my commit message":
        problems.append("the first table is not the seed's: %r" % before)
    rollback = outputs[6].strip().splitlines()
    ok = re.fullmatch(r"OK, (%s)" % ID, rollback[-1]) if rollback else None
    if not rollback or rollback[0] != "Rolling back to %s..." % first or not ok:
        problems.append("the rollback transcript is not Rolling back.../OK, R...")
        return report(problems)
    copy = ok.group(1)
    events = rollback[1:-1]
    if not all(re.fullmatch(r"%s \S+ .+" % TIME, e) for e in events):
        problems.append("events are not '<RFC 3339> <source> <message>'")
    hook = [e.split(" ", 2)[2] for e in events if e.split(" ")[1] == "hook"]
    if len(hook) != len(HOOK_EVENTS) or not all(
            h.startswith(w) for h, w in zip(hook, HOOK_EVENTS)):
        problems.append("the hook's events are not the rolling update's: %r" % hook)
    after = table_rows(outputs[7])
    want = [[copy, "active"], [second, None], [first, None]]
    if not after or len(after) != 3 or any(
            row[0] != w[0] or (w[1] and row[1] != w[1]) for row, w in zip(after, want)):
        problems.append("the last table does not start with %s active: %r" % (copy, after))
    elif after[0][-1] != "build 0a1b2c3d4e5f my commit message":
        problems.append("the copy does not keep the build's description")
    store = re.search(r"^# A fresh store in (.*)\.$", out, re.M)
    if "DEMO_STORE" in env:
        if not store or store.group(1) != env["DEMO_STORE"]:
            problems.append("the demo did not use DEMO_STORE")
    elif not store or os.path.exists(os.path.dirname(store.group(1))):
        problems.append("the temporary store was not removed")
    return report(problems)


def report(problems):
    for p in problems:
        print("check_demo: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
