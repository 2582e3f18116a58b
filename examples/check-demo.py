#!/usr/bin/env python3
"""Runs rollback-demo and checks that its transcript tells the seed's story.

Usage: check-demo.py PATH-TO-rollback-demo
"""
import re
import subprocess
import sys

ID = r"R[A-Z]{9,10}"


def main():
    proc = subprocess.run([sys.argv[1]], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=60)
    out = proc.stdout
    sys.stdout.write(out)
    sys.stderr.write(proc.stderr)
    problems = []
    if proc.returncode != 0:
        problems.append("exit status %d, want 0" % proc.returncode)
    for needle in ("OK, R", "active"):
        if needle not in out:
            problems.append("no %r in the output" % needle)
    back = re.search(r"^Rolling back to (%s)\.\.\.$" % ID, out, re.M)
    ok = re.search(r"^OK, (%s)$" % ID, out, re.M)
    if not back or not ok:
        problems.append("no 'Rolling back to R...' and 'OK, R...' lines")
    else:
        # The copy is the newest release and the active one.
        tables = out.split("ID          STATUS")
        last = tables[-1].splitlines()[1] if len(tables) > 2 else ""
        if not re.match(r"%s\s+active\s" % re.escape(ok.group(1)), last):
            problems.append("the last table does not start with %s active"
                            % ok.group(1))
        events = out[back.end():ok.start()].strip().splitlines()
        event = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \S+ .+$")
        if not events or not all(event.match(e) for e in events):
            problems.append("events are not '<RFC 3339> <source> <message>'")
    for p in problems:
        print("check-demo: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
