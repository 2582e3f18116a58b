"""The binding installs with pip from the repository into a fresh virtual
environment, with no package index, and the README's Python block runs
there: the user's steps, checked.

A venv is made in a temporary directory with the system's python3
(/usr/bin/python3 when it has venv, else this interpreter;
LIBRELEASE_TEST_VENV_PYTHON chooses another), then
`pip install --no-index --no-build-isolation examples/python` straight from
the source tree, which must come out unchanged. With the venv's python, in
the temporary directory and without PYTHONPATH, the first ```python block
of the README named on the command line runs against the library
LIBRELEASE_PATH names: once through LIBRELEASE_PATH, once through the
soname with LD_LIBRARY_PATH set to the library's directory, as an
installed library would be found. Last, `pip uninstall` must take every
file of the package away again.

Exit 77 (skip) when python3 cannot make a venv (Debian: python3-venv is
not installed), unless RELEASE_TEST_REQUIRE_VENV=1, which fails instead.

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    python3 examples/python/test_install.py README.md
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SONAME = "librelease.so.1"

# Filled by main() before the tests run.
VENV = None        # the venv's directory
TMP = None         # the temporary directory the venv and the scripts are in
README = None      # the README's path
INSTALLED = None   # pip's CompletedProcess
TREE = None        # the source tree's paths before pip ran

# Runs the file named first as __main__ (the README block), then writes to
# the file named second where librelease came from.
PROBE = """\
import json, runpy, sys, sysconfig
runpy.run_path(sys.argv[1], run_name="__main__")
import librelease
maps = sorted({l.split()[-1] for l in open("/proc/self/maps") if "/librelease.so" in l})
with open(sys.argv[2], "w") as f:
    json.dump({"module": librelease.__file__, "purelib": sysconfig.get_paths()["purelib"],
               "name": librelease.load()._name, "mapped": maps,
               "version": librelease.version()}, f)
"""


def _python():
    """The interpreter to make the venv with."""
    chosen = os.environ.get("LIBRELEASE_TEST_VENV_PYTHON")
    if chosen:
        return chosen
    if os.path.exists("/usr/bin/python3") and subprocess.run(
            ["/usr/bin/python3", "-c", "import venv, ensurepip"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env=_clean_env()).returncode == 0:
        return "/usr/bin/python3"
    return sys.executable


def _clean_env(**changes):
    """The environment for the venv's processes: no PYTHONPATH, no pip
    configuration of the user's, no preloaded sanitizer runtime (pip and
    the venv are not what is tested under it), bytecode not written; then
    changes (None: unset)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PIP_") and k not in ("PYTHONPATH", "PYTHONHOME", "LD_PRELOAD",
                                                      "VIRTUAL_ENV")}
    env.update(PIP_CONFIG_FILE=os.devnull, PYTHONDONTWRITEBYTECODE="1")
    for key, value in changes.items():
        env.pop(key, None)
        if value is not None:
            env[key] = value
    return env


def _run(args, env, timeout=180):
    return subprocess.run(args, env=env, cwd=TMP, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout)


def _tree(root):
    return sorted(os.path.relpath(os.path.join(d, n), root)
                  for d, dirs, files in os.walk(root) for n in dirs + files)


def _venv_python():
    return os.path.join(VENV, "bin", "python")


class Install(unittest.TestCase):
    def setUp(self):
        self.assertEqual(INSTALLED.returncode, 0, INSTALLED.stdout + INSTALLED.stderr)

    def test_pip_installs_the_projects_version(self):
        shown = _run([_venv_python(), "-m", "pip", "show", "librelease"], _clean_env())
        self.assertEqual(shown.returncode, 0, shown.stderr)
        fields = dict(line.split(": ", 1) for line in shown.stdout.splitlines() if ": " in line)
        expected = os.environ.get("LIBRELEASE_EXPECTED_VERSION")
        if expected:
            self.assertEqual(fields["Version"], expected)
        self.assertEqual(fields["License"], "MIT")

    def test_installing_writes_nothing_into_the_source_tree(self):
        self.assertEqual(_tree(HERE), TREE)

    def test_the_package_is_imported_from_the_venv(self):
        code = "import librelease, sysconfig; print(librelease.__file__); " \
               "print(sysconfig.get_paths()['purelib'])"
        done = _run([_venv_python(), "-c", code], _clean_env())
        self.assertEqual(done.returncode, 0, done.stderr)
        module, purelib = done.stdout.splitlines()
        self.assertEqual(os.path.realpath(module),
                         os.path.join(os.path.realpath(purelib), "librelease", "__init__.py"))
        self.assertTrue(os.path.realpath(purelib).startswith(os.path.realpath(VENV) + os.sep))

    def test_the_readme_block_runs_with_librelease_path(self):
        built = os.environ["LIBRELEASE_PATH"]
        found = self.run_block(LIBRELEASE_PATH=built)
        self.assertEqual(found["name"], built)
        self.assertEqual(found["mapped"], [os.path.realpath(built)])

    def test_the_readme_block_runs_with_the_soname_on_ld_library_path(self):
        built = os.path.realpath(os.environ["LIBRELEASE_PATH"])
        directory = os.path.dirname(built)
        if not os.path.exists(os.path.join(directory, SONAME)):
            self.skipTest("no %s next to %s" % (SONAME, built))
        path = os.environ.get("LD_LIBRARY_PATH")
        found = self.run_block(LIBRELEASE_PATH=None,
                               LD_LIBRARY_PATH=directory + (":" + path if path else ""))
        self.assertEqual(found["name"], SONAME)
        self.assertEqual(found["mapped"], [built])

    def test_the_installed_package_says_how_to_fix_a_missing_library(self):
        done = _run([_venv_python(), os.path.join(TMP, "readme_block.py")],
                    self.block_env(LIBRELEASE_PATH="/nonexistent"))
        self.assertNotEqual(done.returncode, 0)
        last = done.stderr.strip().splitlines()[-1]
        self.assertRegex(last, r"LibraryNotLoaded: cannot load librelease from "
                         r"LIBRELEASE_PATH=/nonexistent \(/nonexistent: .*\)\. Set "
                         r"LIBRELEASE_PATH to the library's file")

    def block_env(self, **changes):
        """The environment a README block runs in: a sanitizer build's
        runtime preloaded (run.py put it in LD_PRELOAD)."""
        env = _clean_env(**changes)
        if os.environ.get("LD_PRELOAD"):
            env["LD_PRELOAD"] = os.environ["LD_PRELOAD"]
        return env

    def run_block(self, **changes):
        """Runs the README's block with the venv's python and env changed;
        returns what the probe saw."""
        out = os.path.join(TMP, "probe.json")
        if os.path.exists(out):
            os.unlink(out)
        done = _run([_venv_python(), os.path.join(TMP, "probe.py"),
                     os.path.join(TMP, "readme_block.py"), out], self.block_env(**changes))
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertRegex(done.stdout, r"(?m)^\d+ \S+ active ")  # the block's listing
        with open(out, encoding="utf-8") as f:
            found = json.load(f)
        purelib = os.path.realpath(found["purelib"])
        self.assertTrue(os.path.realpath(found["module"]).startswith(purelib + os.sep), found)
        expected = os.environ.get("LIBRELEASE_EXPECTED_VERSION")
        if expected:
            self.assertEqual(found["version"], expected)
        return found


class Uninstall(unittest.TestCase):
    """Runs after Install's tests (unittest orders classes by name)."""

    def test_pip_uninstall_leaves_nothing_of_the_package(self):
        self.assertEqual(INSTALLED.returncode, 0, INSTALLED.stdout + INSTALLED.stderr)
        code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
        purelib = _run([_venv_python(), "-c", code], _clean_env()).stdout.strip()
        done = _run([_venv_python(), "-m", "pip", "uninstall", "-y", "librelease"],
                    _clean_env())
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual([n for n in os.listdir(purelib) if n.startswith("librelease")], [])


def _unavailable(reason):
    if os.environ.get("RELEASE_TEST_REQUIRE_VENV") == "1":
        sys.exit("FAIL (RELEASE_TEST_REQUIRE_VENV=1): " + reason)
    print("SKIP: " + reason)
    sys.exit(77)


def main():
    global VENV, TMP, README, INSTALLED, TREE
    if len(sys.argv) < 2 or not os.environ.get("LIBRELEASE_PATH"):
        sys.exit("usage: LIBRELEASE_PATH=LIBRARY test_install.py README.md [unittest args]")
    README = os.path.abspath(sys.argv.pop(1))
    with open(README, encoding="utf-8") as f:
        block = re.search(r"^```python\n(.*?)^```", f.read(), re.S | re.M)
    if not block:
        sys.exit("no ```python block in " + README)
    python = _python()
    TMP = tempfile.mkdtemp(prefix="librelease-install-")
    try:
        VENV = os.path.join(TMP, "venv")
        made = _run([python, "-m", "venv", VENV], _clean_env())
        if made.returncode != 0:
            _unavailable("%s -m venv failed (python3-venv not installed?): %s"
                         % (python, (made.stderr or made.stdout).strip()))
        with open(os.path.join(TMP, "readme_block.py"), "w", encoding="utf-8") as f:
            f.write(block.group(1))
        with open(os.path.join(TMP, "probe.py"), "w", encoding="utf-8") as f:
            f.write(PROBE)
        TREE = _tree(HERE)
        INSTALLED = _run([_venv_python(), "-m", "pip", "install", "--no-index",
                          "--no-build-isolation", "--no-cache-dir",
                          "--disable-pip-version-check", HERE], _clean_env())
        print("venv made with %s; pip install: exit %d" % (python, INSTALLED.returncode))
        unittest.main(verbosity=2)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
