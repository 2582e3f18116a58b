#!/usr/bin/env python3
"""A private PostgreSQL server for one test command.

    pg_server.py run -- COMMAND [ARGS...]
        initdb in a new temporary directory, start the server listening on a
        Unix socket in that directory only (no TCP), run COMMAND with
          RELEASE_TEST_STORE   a connection URI for the server
          RELEASE_TEST_PG_CTL  "pg_server.py ctl DIR": prefix for the commands
                               below, for tests that stop and restart it
        then stop the server, remove the directory and exit with COMMAND's
        status. RELEASE_TEST_WRAP (e.g. a valgrind command line) is put in
        front of COMMAND.

    pg_server.py ctl DIR stop-immediate | stop | start

Without PostgreSQL's server programs the test is skipped (exit 77), unless
RELEASE_TEST_REQUIRE_PG=1 (CI) makes that a failure. PostgreSQL refuses to
run as root: as root, the server runs as the 'postgres' user (or 'nobody').
"""
import glob
import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
PORT = 5432  # names the socket file; the directory is private


def bindir():
    candidates = []
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(out.stdout.strip())
    except OSError:
        pass
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for d in candidates:
        if os.access(os.path.join(d, "initdb"), os.X_OK) and \
                os.access(os.path.join(d, "pg_ctl"), os.X_OK):
            return d
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return os.path.dirname(found)
    return None


def server_user():
    """None when the server may run as we do; else the account to use."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise SystemExit("pg_server: running as root and no 'postgres' or 'nobody' user")


def as_server(cmd, user, **kw):
    if user is None:
        return subprocess.run(cmd, **kw)
    return subprocess.run(cmd, user=user.pw_uid, group=user.pw_gid, extra_groups=[],
                          **kw)


def ctl(top, action, quiet=False):
    pg = bindir()
    user = server_user()
    data = os.path.join(top, "data")
    log = os.path.join(top, "server.log")
    if action == "start":
        cmd = [os.path.join(pg, "pg_ctl"), "start", "-w", "-s", "-D", data, "-l", log]
    elif action in ("stop", "stop-immediate"):
        mode = "immediate" if action == "stop-immediate" else "fast"
        cmd = [os.path.join(pg, "pg_ctl"), "stop", "-w", "-s", "-D", data, "-m", mode]
    else:
        raise SystemExit(f"pg_server: unknown ctl action '{action}'")
    r = as_server(cmd, user, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0 and not quiet:
        sys.stderr.write(r.stdout)
        if os.path.exists(log):
            with open(log) as f:
                sys.stderr.write(f.read()[-4000:])
    return r.returncode


def make_server(pg, user):
    # Unix socket paths are short (108 bytes): keep the directory near /.
    base = "/tmp" if len(tempfile.gettempdir()) > 40 else tempfile.gettempdir()
    top = tempfile.mkdtemp(prefix="librelease-pg-", dir=base)
    if user is not None:
        os.chown(top, user.pw_uid, user.pw_gid)
    data = os.path.join(top, "data")
    r = as_server([os.path.join(pg, "initdb"), "-D", data, "-U", "librelease", "-A", "trust",
                   "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
                  user, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout)
        shutil.rmtree(top, ignore_errors=True)
        raise SystemExit("pg_server: initdb failed")
    conf = os.path.join(data, "postgresql.conf")
    with open(conf, "a") as f:
        f.write("\n# pg_server.py: a private server for one test\n"
                "listen_addresses = ''\n"
                f"unix_socket_directories = '{top}'\n"
                f"port = {PORT}\n"
                "max_connections = 40\n"
                "shared_buffers = 16MB\n")
    return top


def run(argv):
    if not argv:
        raise SystemExit("usage: pg_server.py run -- COMMAND [ARGS...]")
    pg = bindir()
    if pg is None:
        msg = "PostgreSQL's server programs (initdb, pg_ctl) are not installed"
        if os.environ.get("RELEASE_TEST_REQUIRE_PG") == "1":
            raise SystemExit(f"pg_server: {msg}")
        print(f"pg_server: {msg}: skipped")
        return SKIP
    user = server_user()
    top = make_server(pg, user)
    try:
        if ctl(top, "start") != 0:
            raise SystemExit("pg_server: the server did not start")
        env = dict(os.environ)
        env["RELEASE_TEST_STORE"] = \
            f"postgresql:///postgres?host={top}&port={PORT}&user=librelease"
        env["RELEASE_TEST_PG_CTL"] = \
            f"{shlex.quote(sys.executable)} {shlex.quote(os.path.abspath(__file__))} ctl {top}"
        wrap = shlex.split(os.environ.get("RELEASE_TEST_WRAP", ""))
        return subprocess.run(wrap + argv, env=env).returncode
    finally:
        ctl(top, "stop-immediate", quiet=True)  # if a test left it running
        shutil.rmtree(top, ignore_errors=True)


def main():
    args = sys.argv[1:]
    if len(args) >= 1 and args[0] == "run":
        rest = args[1:]
        if rest and rest[0] == "--":
            rest = rest[1:]
        sys.exit(run(rest))
    if len(args) == 3 and args[0] == "ctl":
        sys.exit(ctl(args[1], args[2]))
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
