"""Runs a Python script of this directory the way meson's tests need it.

Usage: run.py SCRIPT [ARGS...]

- LIBRELEASE_TEST_SKIP set: prints the reason and exits 77 (meson's skip).
- LIBRELEASE_TEST_PRELOAD set (sanitizer builds): re-executes the real
  interpreter, sys.executable, with that runtime in LD_PRELOAD, because an
  instrumented librelease.so can only be loaded into a process whose first
  library is the sanitizer runtime. Preloading it into the command meson
  runs would also instrument any wrapper in front of the interpreter (a
  pyenv shim is a bash script), whose own leaks would fail the test.
Then runs SCRIPT as __main__ with ARGS.
"""
import os
import runpy
import sys


def main():
    reason = os.environ.get("LIBRELEASE_TEST_SKIP")
    if reason:
        print("SKIP: " + reason)
        sys.exit(77)
    runtime = os.environ.pop("LIBRELEASE_TEST_PRELOAD", None)
    if runtime:
        env = dict(os.environ)
        env["LD_PRELOAD"] = ":".join(p for p in (runtime, env.get("LD_PRELOAD")) if p)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:],
                  env)
    if len(sys.argv) < 2:
        sys.exit("usage: run.py SCRIPT [ARGS...]")
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
