#!/usr/bin/env python3
"""Checks what a relctl killed with SIGKILL in the middle of a promotion
leaves behind: no process of its hook (the hook's process group is stopped),
no file of the hook's in $TMPDIR (a private one, empty from start to end),
and no hold on the app. While it runs, the app is updating, held by relctl's
pid and host since the promotion started; once relctl is dead the app is
running again and the next promotion or rollback goes ahead without --force,
for `releases promote` and for `releases rollback`.

Usage: check_kill.py RELCTL
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

NOW = 1546300800  # 2019-01-01T00:00:00Z, the clock of every command

# The hook: a shell that waits for a background process which ignores
# SIGTERM, so stopping it takes SIGTERM and then SIGKILL. It records both
# pids, checks it can read its env file, and says when it is ready.
HOOK = ('echo $$ > "$D/shell"; (trap "" TERM; exec sleep 300) & echo $! > "$D/child"; '
        'cat "$RELEASE_ENV_FILE" > "$D/env-seen"; touch "$D/started"; wait')
# The same with a shell that ignores SIGTERM too: only SIGKILL stops it.
DEAF_HOOK = 'trap "" TERM; ' + HOOK


class Checker:
    def __init__(self, relctl, tmp):
        self.relctl, self.tmp, self.seed, self.problems = relctl, tmp, 0, []
        self.tmpdir = os.path.join(tmp, "tmp")
        os.mkdir(self.tmpdir)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("RELEASE_", "RELCTL_"))}
        self.env.update(RELEASE_STORE=os.path.join(tmp, "store"), RELEASE_APP="myapp",
                        RELCTL_TEST_NOW=str(NOW), TMPDIR=self.tmpdir, D=tmp)
        self.pids = []

    def args(self, *args):
        self.seed += 1
        return [self.relctl] + list(args), dict(self.env, RELCTL_TEST_SEED=str(self.seed))

    def run(self, *args):
        argv, env = self.args(*args)
        return subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=60)

    def ok(self, *args):
        proc = self.run(*args)
        if proc.returncode != 0:
            raise SystemExit("relctl %s: exit %d: %s" % (" ".join(args), proc.returncode,
                                                          proc.stderr.decode()))
        return proc.stdout.decode()

    def fail(self, msg):
        self.problems.append(msg)

    def expect(self, what, got, want):
        if got != want:
            self.fail("%s: got %r, want %r" % (what, got, want))

    def app(self):
        return json.loads(self.ok("apps", "--json"))[0]

    def no_files_in_tmpdir(self, when):
        left = os.listdir(self.tmpdir)
        if left:
            self.fail("%s: files in $TMPDIR: %s" % (when, " ".join(left)))

    def kill_during_hook(self, hook, *args, while_running=None):
        """Starts relctl with the hook, calls while_running(pid) once the
        hook runs, kills relctl with SIGKILL, and checks that nothing of the
        hook is left. Returns relctl's pid."""
        for name in ("shell", "child", "started", "env-seen"):
            if os.path.exists(os.path.join(self.tmp, name)):
                os.unlink(os.path.join(self.tmp, name))
        argv, env = self.args(*args, "--hook", hook)
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not os.path.exists(os.path.join(self.tmp, "started")):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("relctl %s: the hook did not start" % " ".join(args))
            time.sleep(0.05)
        shell, child = (int(read(os.path.join(self.tmp, n))) for n in ("shell", "child"))
        self.pids += [shell, child]
        group = process_group(shell)
        if "A=secret" not in read(os.path.join(self.tmp, "env-seen")):
            self.fail("%s: the hook could not read its env file" % " ".join(args))
        self.no_files_in_tmpdir("while the hook runs")
        if while_running:
            while_running(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # The hook gets SIGTERM, and SIGKILL 3 s later for what ignores it.
        deadline = time.monotonic() + 15
        while alive_in_group(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = alive_in_group(group)
        if left:
            self.fail("%s: relctl killed, its hook's processes %s still run"
                      % (" ".join(args), left))
        self.no_files_in_tmpdir("after relctl was killed")
        return proc.pid


def read(path):
    with open(path) as f:
        return f.read().strip()


def stat_fields(pid):
    """A process's /proc stat fields after its name, or None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_group(pid):
    fields = stat_fields(pid)
    if fields is None:
        raise SystemExit("the hook's shell %d is gone already" % pid)
    return int(fields[2])


def alive_in_group(group):
    """The live (not zombie) processes of a process group."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = stat_fields(int(name))
            if fields and int(fields[2]) == group and fields[0] != "Z":
                found.append(int(name))
    return found


def check(c):
    c.ok("apps", "create")
    c.ok("env", "set", "A=secret")
    c.ok("builds", "create", "-d", "first")
    c.ok("releases", "promote")
    c.ok("env", "set", "B=2")
    host = socket.gethostname()

    def held_by(pid):
        app = c.app()
        c.expect("status while relctl runs", app["status"], "updating")
        c.expect("holder", app["lease_owner"], "relctl pid %d on %s" % (pid, host))
        c.expect("hold has no expiry", app["lease_expires"], None)
        c.expect("hold started", app["lease_started"], "2019-01-01T00:00:00.000000000Z")
        busy = c.run("releases", "promote", "--hook", "true")
        c.expect("busy exit", busy.returncode, 5)
        want = ("ERROR: app 'myapp' is currently updating (held by relctl pid %d on %s "
                "since 2019-01-01T00:00:00Z); --force promotes without waiting for it"
                % (pid, host))
        c.expect("busy message", busy.stderr.decode().strip(), want)

    def free_again(what):
        # The hold ends with the last process that had it: relctl, and its
        # hook's leader, which follows it within a second.
        deadline = time.monotonic() + 5
        while c.app()["status"] != "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        app = c.app()
        c.expect("%s: status after kill" % what, (app["status"], app["lease_owner"]),
                 ("running", None))

    # Without a timeout: a killed promotion frees the app.
    c.kill_during_hook(HOOK, "releases", "promote", "--hook-timeout", "0",
                       while_running=held_by)
    free_again("promote")
    out = c.ok("releases", "promote", "--hook", "echo next")
    if "hook next" not in out or not out.endswith("OK\n"):
        c.fail("promote after the kill: %r" % out)

    # With the default timeout (600 s): a rollback killed, then another.
    c.kill_during_hook(DEAF_HOOK, "releases", "rollback")
    free_again("rollback")
    out = c.ok("releases", "rollback", "--hook", "echo again")
    if "hook again" not in out or not re.search(r"\nOK, R[A-Z]+\n$", out):
        c.fail("rollback after the kill: %r" % out)
    app = c.app()
    c.expect("after rollback", (app["status"], app["lease_owner"]), ("running", None))


def main():
    relctl = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="relctl-kill-")
    c = Checker(relctl, tmp)
    try:
        check(c)
    finally:
        for pid in c.pids:  # whatever a failure left running
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        shutil.rmtree(tmp, ignore_errors=True)
    for p in c.problems:
        print("check_kill: " + p, file=sys.stderr)
    print("check_kill: %d relctl runs, %d problems" % (c.seed, len(c.problems)))
    return 1 if c.problems else 0


if __name__ == "__main__":
    sys.exit(main())
