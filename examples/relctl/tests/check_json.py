#!/usr/bin/env python3
"""Checks relctl's --json output: it parses with python3's json (strictly),
has the documented shape, and round-trips what was stored, including text
that needs escaping (quotes, backslashes, control characters, non-ASCII,
and bytes that are not UTF-8, which become U+FFFD).

Usage: check_json.py RELCTL
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

NOW = 1546300800
NOW_TEXT = "2019-01-01T00:00:00.000000000Z"
TRICKY = 'tab\there "quotes" back\\slash \x01\x1f\x7f é ü — 日本 😀 </script>'
ACTOR = "zoë <zoe@example.com>"
RELEASE_KEYS = ["id", "app", "version", "status", "active", "build", "description",
                "created", "source", "promoted", "failed", "actor"]
BUILD_KEYS = ["id", "app", "status", "release", "description", "started", "ended", "actor"]
DEPLOY_KEYS = ["seq", "app", "action", "result", "failed", "forced", "from", "from_version",
               "to", "to_version", "target", "actor", "started", "ended", "until"]
DIFF_KEYS = ["app", "from", "from_version", "to", "to_version", "build", "description", "env",
             "manifest"]
APP_KEYS = ["name", "status", "active", "previous", "created", "lease_owner",
            "lease_expires", "lease_started"]


class Checker:
    def __init__(self, relctl, tmp):
        self.relctl, self.tmp, self.seed, self.problems = relctl, tmp, 0, []

    def run(self, *args, stdin=None):
        self.seed += 1
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RELEASE_", "RELCTL_"))}
        env.update(RELEASE_STORE=os.path.join(self.tmp, "store"), RELEASE_APP="myapp",
                   RELEASE_ACTOR=ACTOR, RELCTL_TEST_NOW=str(NOW),
                   RELCTL_TEST_SEED=str(self.seed))
        proc = subprocess.run([self.relctl] + list(args), env=env, input=stdin,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        if proc.returncode != 0:
            raise SystemExit("relctl %s: exit %d: %s" % (" ".join(args), proc.returncode,
                                                          proc.stderr.decode()))
        return proc.stdout

    def json(self, *args):
        raw = self.run(*args, "--json")
        if not raw.endswith(b"\n"):
            self.fail("%s: no newline at the end" % " ".join(args))
        # Strict: valid UTF-8, no NaN, no duplicate keys.
        def no_dups(pairs):
            keys = [k for k, _ in pairs]
            if len(keys) != len(set(keys)):
                self.fail("%s: duplicate keys %r" % (" ".join(args), keys))
            return dict(pairs)
        return json.loads(raw.decode("utf-8"), object_pairs_hook=no_dups,
                          parse_constant=lambda c: self.fail("constant %s" % c))

    def fail(self, msg):
        self.problems.append(msg)

    def expect(self, what, got, want):
        if got != want:
            self.fail("%s: got %r, want %r" % (what, got, want))


def main():
    relctl = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="relctl-json-")
    try:
        c = Checker(relctl, tmp)
        check(c, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for p in c.problems:
        print("check_json: " + p, file=sys.stderr)
    print("check_json: %d relctl runs, %d problems" % (c.seed, len(c.problems)))
    return 1 if c.problems else 0


def check(c, tmp):
    c.run("apps", "create", "myapp")
    apps = c.json("apps")
    c.expect("apps", apps, [{"name": "myapp", "status": "running", "active": None,
                             "previous": None, "created": NOW_TEXT, "lease_owner": None,
                             "lease_expires": None, "lease_started": None}])
    c.expect("apps keys", list(apps[0]), APP_KEYS)

    manifest = "services:\n  web: {image: \"nginx\"}\n" + TRICKY + "\n"
    path = os.path.join(tmp, "manifest.yml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(manifest)
    ids = c.run("builds", "create", "--description", TRICKY, "--manifest", path,
                "--id").decode().split()
    build, first = ids

    builds = c.json("builds")
    c.expect("builds keys", list(builds[0]), BUILD_KEYS)
    c.expect("builds", builds, [{"id": build, "app": "myapp", "status": "complete",
                                 "release": first, "description": TRICKY,
                                 "started": NOW_TEXT, "ended": NOW_TEXT, "actor": ACTOR}])
    info = c.json("builds", "info", build)
    c.expect("builds info", info, dict(builds[0], manifest=manifest))
    # Keys are only ever added at an object's end.
    c.expect("builds info keys", list(info), BUILD_KEYS[:-1] + ["manifest", "actor"])

    env = {"PLAIN": "value", "TRICKY": TRICKY, "NEWLINE": "one\ntwo", "EMPTY": "",
           "EQUALS": "a=b=c"}
    c.run("releases", "promote")
    second = c.run("env", "set", *("%s=%s" % kv for kv in env.items()), "--id").decode().strip()
    c.run("releases", "promote", second)
    third = c.run("releases", "rollback", "--id").decode().strip()

    releases = c.json("releases")
    c.expect("releases keys", list(releases[0]), RELEASE_KEYS)
    c.expect("versions", [r["version"] for r in releases], [3, 2, 1])
    c.expect("ids", [r["id"] for r in releases], [third, second, first])
    c.expect("status", [r["status"] for r in releases], ["active", "", ""])
    c.expect("active", [r["active"] for r in releases], [True, False, False])
    c.expect("source", [r["source"] for r in releases], [first, None, None])
    c.expect("promoted", [r["promoted"] for r in releases], [NOW_TEXT] * 3)
    c.expect("failed", [r["failed"] for r in releases], [None] * 3)
    c.expect("descriptions", [r["description"] for r in releases],
             [TRICKY, "env add:EMPTY add:EQUALS add:NEWLINE add:PLAIN add:TRICKY", TRICKY])
    c.expect("builds of releases", {r["build"] for r in releases}, {build})
    c.expect("no env in listings", [k for r in releases for k in r if k in ("env", "manifest")],
             [])

    # The text table says the same.
    table = c.run("releases").decode().splitlines()[1:]
    c.expect("table ids", [row.split()[0] for row in table], [r["id"] for r in releases])

    info = c.json("releases", "info", second)
    c.expect("releases info keys", list(info), RELEASE_KEYS[:-1] + ["env", "manifest", "actor"])
    c.expect("actors", {r["actor"] for r in releases}, {ACTOR})
    c.expect("releases info env", info["env"], env)
    c.expect("env sorted", list(info["env"]), sorted(env))
    c.expect("releases info manifest", info["manifest"], manifest)
    c.expect("releases info fields", {k: info[k] for k in RELEASE_KEYS}, releases[1])

    raw = c.run("releases", "manifest", first)
    c.expect("releases manifest", raw.decode("utf-8"), manifest)
    c.expect("releases manifest --json", c.json("releases", "manifest", first),
             {"id": first, "manifest": manifest})

    # One value, and the env of a given release (by id and by version).
    for key, value in env.items():
        c.expect("env get %s --json" % key, c.json("env", "get", key, "--release", second),
                 {"app": "myapp", "release": second, "key": key, "value": value})
        c.expect("env get %s" % key, c.run("env", "get", key, "--release", second),
                 (value + "\n").encode("utf-8"))
    c.expect("env --release --json", c.json("env", "--release", "2"),
             {"app": "myapp", "release": second, "env": env})

    # The mask list: sorted, and never a reason to hide piped values.
    c.expect("env mask --json", c.json("env", "mask"), {"app": "myapp", "mask": []})
    c.run("env", "mask", "set", "TRICKY", "EMPTY", "A_KEY")
    c.expect("env mask --json after set", c.json("env", "mask"),
             {"app": "myapp", "mask": ["A_KEY", "EMPTY", "TRICKY"]})
    c.expect("masked keys piped", c.json("releases", "info", second)["env"], env)

    c.expect("env --json", c.json("env"), {"app": "myapp", "release": third, "env": {}})
    c.run("env", "set", "A=1")
    newest = c.json("releases", "--limit", "1")[0]["id"]
    c.expect("env --json after set", c.json("env"),
             {"app": "myapp", "release": newest, "env": {"A": "1"}})

    # Paging with --before walks all of history, each release once.
    seen, before = [], None
    while True:
        page = c.json("releases", "--limit", "2", *(["--before", before] if before else []))
        if not page:
            break
        seen += [r["version"] for r in page]
        before = page[-1]["id"]
    c.expect("paging", seen, [4, 3, 2, 1])

    # Bytes that are not UTF-8 come out as U+FFFD, still valid JSON.
    with open(path, "wb") as f:
        f.write(b"ok \xff\xfe bad \xc3( \xed\xa0\x80 surrogate \xf0\x9f\x98\x80 fine\n")
    c.run("builds", "create", "-d", "binary", "--manifest", path)
    got = c.json("builds", "info", c.json("builds", "--limit", "1")[0]["id"])["manifest"]
    c.expect("invalid UTF-8", got,
             "ok \ufffd\ufffd bad \ufffd( \ufffd\ufffd\ufffd surrogate \U0001F600 fine\n")

    # Every control character a terminal acts on round-trips, and none is
    # written raw, in JSON or in text.
    every = "".join(chr(ch) for ch in list(range(1, 32)) + [127] + list(range(0x80, 0xA0)))
    every += "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    c.run("builds", "create", "-d", every)
    got = c.json("builds", "--limit", "1")[0]["description"]
    c.expect("control characters in JSON", got, every)
    for args in (["builds", "--limit", "1", "--json"], ["builds", "--limit", "1"]):
        out = c.run(*args).decode("utf-8")
        raw = [ch for ch in out if ch != "\n" and (ch in every or ord(ch) < 32)]
        if raw:
            c.fail("relctl %s writes control characters raw: %r" % (" ".join(args), raw))

    # A failed promotion shows in the JSON too.
    c.run("env", "set", "B=2")
    subprocess.run([c.relctl, "releases", "promote", "--hook", "exit 1"],
                   env=dict(os.environ, RELEASE_STORE=os.path.join(tmp, "store"),
                            RELEASE_APP="myapp", RELCTL_TEST_NOW=str(NOW + 1)),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    failed = c.json("releases", "--limit", "1")[0]
    c.expect("failed release", (failed["status"], failed["active"], failed["failed"],
                                failed["promoted"]),
             ("failed", False, "2019-01-01T00:00:01.000000000Z", None))
    check_history(c, first, second, third, failed["id"])
    check_diff(c, first, second, env)


def check_history(c, first, second, third, failed):
    """The deployment log: every promotion, the failed one too, newest first."""
    log = c.json("releases", "history", "--limit", "0")
    c.expect("history keys", [list(e) for e in log], [DEPLOY_KEYS] * len(log))
    c.expect("history seqs", [e["seq"] for e in log], [4, 3, 2, 1])
    c.expect("history actions", [e["action"] for e in log],
             ["promote", "rollback", "promote", "promote"])
    c.expect("history results", [(e["result"], e["failed"], e["forced"]) for e in log],
             [("failed", 1, False)] + [("ok", 0, False)] * 3)
    c.expect("history from", [e["from"] for e in log], [third, second, first, None])
    c.expect("history from_version", [e["from_version"] for e in log], [3, 2, 1, None])
    c.expect("history to", [e["to"] for e in log], [failed, third, second, first])
    c.expect("history target", [e["target"] for e in log], [None, first, None, None])
    c.expect("history actors", [e["actor"] for e in log][1:], [ACTOR] * 3)
    c.expect("history until", [e["until"] for e in log], [None, None, NOW_TEXT, NOW_TEXT])
    at = c.json("releases", "history", "--at", "now")
    c.expect("history --at keys", list(at), DEPLOY_KEYS + ["at"])
    c.expect("history --at", (at["seq"], at["to"], at["at"]), (3, third, NOW_TEXT))


def check_diff(c, first, second, env):
    """A diff: the env change in key order, masked values hidden unless
    --reveal, piped or not."""
    diff = c.json("releases", "diff", first, second)
    c.expect("diff keys", list(diff), DIFF_KEYS)
    c.expect("diff releases", (diff["from"], diff["from_version"], diff["to"],
                               diff["to_version"]), (first, 1, second, 2))
    c.expect("diff build", diff["build"]["from"], diff["build"]["to"])
    c.expect("diff description", diff["description"]["changed"], True)
    c.expect("diff env keys", [e["key"] for e in diff["env"]], sorted(env))
    c.expect("diff env", {e["key"]: (e["change"], e["masked"], e["from"], e["to"])
                          for e in diff["env"]},
             {k: ("added", k in ("TRICKY", "EMPTY"), None,
                  "****" if k in ("TRICKY", "EMPTY") else v) for k, v in env.items()})
    revealed = c.json("releases", "diff", first, second, "--reveal")
    c.expect("diff --reveal", {e["key"]: e["to"] for e in revealed["env"]}, env)
    c.expect("diff manifest", diff["manifest"], "")


if __name__ == "__main__":
    sys.exit(main())
