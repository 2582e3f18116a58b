#!/usr/bin/env python3
"""Runs the Go binding's checks against the build tree's librelease:
gofmt -l, go vet ./... and go test -race -count=1 ./..., in this directory,
writing nothing into it (the build cache is Go's own, GOCACHE).

    run_go_tests.py SOURCE_DIR BUILD_ROOT LIBRARY_FILE

cgo finds the library through pkg-config: PKG_CONFIG_PATH points at the
build root's meson-uninstalled directory, where meson writes
librelease-uninstalled.pc (which pkg-config prefers to an installed
librelease.pc), and LD_LIBRARY_PATH at the built library's directory.
No network: GOPROXY=off, and the module needs nothing outside the
standard library.

Exit 77 (skipped) when go is not installed, unless RELEASE_TEST_REQUIRE_GO=1
(then 1), and when LIBRELEASE_GO_SKIP names a reason (a sanitizer build,
whose instrumented library a Go test binary cannot load).
"""

import os
import shutil
import subprocess
import sys
import time

SKIP = 77


def listing(root):
    """Every path under root, to check that the run wrote nothing there."""
    paths = set()
    for top, dirs, files in os.walk(root):
        for name in dirs + files:
            paths.add(os.path.relpath(os.path.join(top, name), root))
    return paths


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: run_go_tests.py SOURCE_DIR BUILD_ROOT LIBRARY_FILE")
    src, build, library = (os.path.abspath(a) for a in sys.argv[1:])

    reason = os.environ.get("LIBRELEASE_GO_SKIP")
    if reason:
        print("SKIP: " + reason)
        return SKIP
    go = shutil.which("go")
    if go is None:
        msg = "go is not installed (Debian: apt-get install golang-go)"
        if os.environ.get("RELEASE_TEST_REQUIRE_GO") == "1":
            print("FAIL: " + msg + ", and RELEASE_TEST_REQUIRE_GO=1")
            return 1
        print("SKIP: " + msg)
        return SKIP

    pcdir = os.path.join(build, "meson-uninstalled")
    if not os.path.exists(os.path.join(pcdir, "librelease-uninstalled.pc")):
        print("FAIL: %s has no librelease-uninstalled.pc for cgo's pkg-config" % pcdir)
        return 1

    env = dict(os.environ)
    env.pop("GOTOOLCHAIN", None)
    env["PKG_CONFIG_PATH"] = os.pathsep.join(
        p for p in (pcdir, os.environ.get("PKG_CONFIG_PATH", "")) if p)
    libdir = os.path.dirname(library)
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        p for p in (libdir, os.environ.get("LD_LIBRARY_PATH", "")) if p)
    env["GOPROXY"] = "off"
    env["GOFLAGS"] = "-buildvcs=false"
    env["CGO_ENABLED"] = "1"
    # Go keeps its build cache in the user's cache directory; with no home
    # (some CI sandboxes) it would refuse to run, so give it one in the
    # build tree.
    if not env.get("HOME") and not env.get("XDG_CACHE_HOME"):
        env.setdefault("GOCACHE", os.path.join(build, "go-cache"))
        env.setdefault("GOPATH", os.path.join(build, "go-path"))

    before = listing(src)
    started = time.monotonic()
    steps = [
        [shutil.which("gofmt") or os.path.join(os.path.dirname(go), "gofmt"), "-l", "."],
        [go, "vet", "./..."],
        # Go's own timeout stays under meson's, so a hang prints its stacks.
        [go, "test", "-race", "-count=1", "-timeout", "240s", "./..."],
    ]
    for cmd in steps:
        print("+ " + " ".join(cmd), flush=True)
        out = subprocess.run(cmd, cwd=src, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        sys.stdout.write(out.stdout)
        if out.returncode != 0:
            print("FAIL: %s exited %d" % (cmd[1] if cmd[0] == go else "gofmt", out.returncode))
            return 1
        if cmd[1] == "-l" and out.stdout.strip():
            print("FAIL: gofmt would reformat the files above")
            return 1
    written = listing(src) ^ before
    if written:
        print("FAIL: the run changed the source tree: " + ", ".join(sorted(written)))
        return 1
    print("go checks passed in %.1f s" % (time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
