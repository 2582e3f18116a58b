"""Where the binding loads librelease from, and what it says when nothing
loads: LIBRELEASE_PATH exactly, else the soname librelease.so.1, else
ctypes.util.find_library("release"). The order is checked with a stand-in
for ctypes.CDLL; the real loading in child processes (the meson test's
LIBRELEASE_PATH is the build tree's library).

Run by hand: LIBRELEASE_PATH=build/lib/librelease.so.1 \
    PYTHONPATH=examples/python python3 examples/python/test_loading.py
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import librelease
from librelease import _c

SONAME = "librelease.so.1"


class _FakeLib:
    """A library with every function of librelease 1.2 but missing."""

    def __init__(self, name, missing=()):
        self._name = name
        self._missing = missing

    def __getattr__(self, name):
        if name.startswith("_") or name in self._missing:
            raise AttributeError(name)
        fn = type("Fn", (), {})()
        setattr(self, name, fn)
        return fn


class _Loader:
    """ctypes.CDLL and find_library stand-ins: loads the names in
    loadable, records every name tried."""

    def __init__(self, loadable=(), found=None, missing=()):
        self.loadable, self.found, self.missing = loadable, found, missing
        self.tried = []
        self.searched = False

    def cdll(self, name):
        self.tried.append(name)
        if name not in self.loadable:
            raise OSError("%s: cannot open shared object file: No such file or directory" % name)
        return _FakeLib(name, self.missing)

    def find_library(self, name):
        self.searched = True
        return self.found

    def open(self, path=None, environ=None):
        return _c._open(path, {} if environ is None else environ, self.cdll, self.find_library)


class Order(unittest.TestCase):
    def test_librelease_path_is_the_only_file_tried(self):
        loader = _Loader(loadable=("/opt/lr/librelease.so.1", SONAME), found=SONAME)
        lib = loader.open(environ={"LIBRELEASE_PATH": "/opt/lr/librelease.so.1"})
        self.assertEqual(lib._name, "/opt/lr/librelease.so.1")
        self.assertEqual(loader.tried, ["/opt/lr/librelease.so.1"])
        self.assertFalse(loader.searched)

    def test_a_failing_librelease_path_falls_back_to_nothing(self):
        loader = _Loader(loadable=(SONAME,), found=SONAME)
        with self.assertRaises(librelease.LibraryNotLoaded):
            loader.open(environ={"LIBRELEASE_PATH": "/nonexistent"})
        self.assertEqual(loader.tried, ["/nonexistent"])

    def test_the_path_given_to_load_comes_before_librelease_path(self):
        loader = _Loader(loadable=("/a/librelease.so.1", "/b/librelease.so.1"))
        lib = loader.open("/a/librelease.so.1", {"LIBRELEASE_PATH": "/b/librelease.so.1"})
        self.assertEqual(loader.tried, ["/a/librelease.so.1"])
        self.assertEqual(lib._name, "/a/librelease.so.1")

    def test_without_librelease_path_the_soname_is_tried_first(self):
        loader = _Loader(loadable=(SONAME, "/usr/lib/librelease.so.1"),
                         found="/usr/lib/librelease.so.1")
        lib = loader.open()
        self.assertEqual(lib._name, SONAME)
        self.assertEqual(loader.tried, [SONAME])
        self.assertFalse(loader.searched)

    def test_a_librelease_path_without_a_slash_is_a_file_in_the_current_directory(self):
        # Not a name for the loader to search its path for: a file.
        loader = _Loader(loadable=("./librelease.so.1", SONAME))
        lib = loader.open(environ={"LIBRELEASE_PATH": "librelease.so.1"})
        self.assertEqual(loader.tried, ["./librelease.so.1"])
        self.assertEqual(lib._name, "./librelease.so.1")

    def test_an_empty_librelease_path_is_unset(self):
        loader = _Loader(loadable=(SONAME,))
        self.assertEqual(loader.open(environ={"LIBRELEASE_PATH": ""})._name, SONAME)

    def test_find_library_is_asked_when_the_soname_does_not_load(self):
        loader = _Loader(loadable=("/opt/lib/librelease.so.1",),
                         found="/opt/lib/librelease.so.1")
        lib = loader.open()
        self.assertEqual(loader.tried, [SONAME, "/opt/lib/librelease.so.1"])
        self.assertEqual(lib._name, "/opt/lib/librelease.so.1")

    def test_the_soname_is_not_tried_twice(self):
        loader = _Loader(found=SONAME)
        with self.assertRaises(librelease.LibraryNotLoaded):
            loader.open()
        self.assertEqual(loader.tried, [SONAME])


class Failure(unittest.TestCase):
    def test_a_failing_librelease_path_is_named_with_the_fix(self):
        with self.assertRaises(librelease.LibraryNotLoaded) as caught:
            _Loader().open(environ={"LIBRELEASE_PATH": "/nonexistent"})
        err = caught.exception
        self.assertIsInstance(err, OSError)
        message = str(err)
        self.assertIn("LIBRELEASE_PATH=/nonexistent", message)
        self.assertIn("No such file or directory", message)
        self.assertIn("build/lib/librelease.so.1", message)
        self.assertIn("unset it", message)
        self.assertEqual([t[0] for t in err.tried], ["/nonexistent"])

    def test_nothing_found_says_what_was_tried_and_how_to_fix_it(self):
        with self.assertRaises(librelease.LibraryNotLoaded) as caught:
            _Loader().open()
        message = str(caught.exception)
        self.assertIn(SONAME + ": cannot open shared object file", message)
        self.assertIn('find_library("release") (found nothing)', message)
        self.assertIn("meson install", message)
        self.assertIn("ldconfig", message)
        self.assertIn("LIBRELEASE_PATH", message)
        self.assertEqual([t[0] for t in caught.exception.tried],
                         [SONAME, 'ctypes.util.find_library("release")'])

    def test_a_library_that_is_not_librelease_is_refused(self):
        loader = _Loader(loadable=(SONAME,), missing=("release_store_open",))
        with self.assertRaises(librelease.LibraryNotLoaded) as caught:
            loader.open()
        self.assertIn("has no release_store_open", str(caught.exception))
        self.assertIn("librelease 1.2 or later", str(caught.exception))


def _child(code, cwd=None, **env):
    """Runs code in a new interpreter (in cwd) with env changed (None:
    unset); returns the CompletedProcess."""
    environ = dict(os.environ)
    for key, value in env.items():
        environ.pop(key, None)
        if value is not None:
            environ[key] = value
    if environ.get("PYTHONPATH"):  # the package, wherever the child runs
        environ["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in
                                                environ["PYTHONPATH"].split(os.pathsep))
    return subprocess.run([sys.executable, "-c", code], env=environ, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=60, cwd=cwd)


class Process(unittest.TestCase):
    def test_a_missing_librelease_path_fails_the_first_call_clearly(self):
        done = _child("import librelease\nlibrelease.Store('memory:')",
                      LIBRELEASE_PATH="/nonexistent")
        self.assertNotEqual(done.returncode, 0)
        last = done.stderr.strip().splitlines()[-1]
        self.assertRegex(last, r"^librelease\.(_errors\.)?LibraryNotLoaded: cannot load "
                         r"librelease from LIBRELEASE_PATH=/nonexistent \(/nonexistent: ")
        self.assertIn("Set LIBRELEASE_PATH to the library's file", last)

    def test_a_bare_librelease_path_is_not_looked_for_on_the_loaders_path(self):
        built = os.environ.get("LIBRELEASE_PATH")
        if not built:
            self.skipTest("LIBRELEASE_PATH names no library")
        directory = os.path.dirname(os.path.realpath(built))
        name = os.path.basename(os.path.realpath(built))
        with tempfile.TemporaryDirectory() as here:
            done = _child("import librelease\nlibrelease.version()", cwd=here,
                          LIBRELEASE_PATH=name, LD_LIBRARY_PATH=directory)
            self.assertNotEqual(done.returncode, 0, "loaded %s from %s" % (name, directory))
            self.assertIn("LibraryNotLoaded: cannot load librelease from LIBRELEASE_PATH=" + name,
                          done.stderr)
            shutil.copy(os.path.realpath(built), os.path.join(here, name))
            done = _child("import librelease\nprint(librelease.load()._name)", cwd=here,
                          LIBRELEASE_PATH=name, LD_LIBRARY_PATH=None)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertEqual(done.stdout.strip(), "./" + name)

    def test_the_soname_is_found_on_ld_library_path(self):
        built = os.environ.get("LIBRELEASE_PATH")
        directory = os.path.dirname(os.path.realpath(built)) if built else ""
        if not os.path.exists(os.path.join(directory, SONAME)):
            self.skipTest("LIBRELEASE_PATH does not name a library next to its " + SONAME)
        code = ("import librelease\n"
                "print(librelease.version())\n"
                "print(librelease.load()._name)\n"
                "print(sorted({l.split()[-1] for l in open('/proc/self/maps')\n"
                "              if '/librelease.so' in l}))\n")
        path = os.environ.get("LD_LIBRARY_PATH")
        done = _child(code, LIBRELEASE_PATH=None,
                      LD_LIBRARY_PATH=directory + (":" + path if path else ""))
        self.assertEqual(done.returncode, 0, done.stderr)
        version, name, mapped = done.stdout.splitlines()
        self.assertRegex(version, r"^\d+\.\d+\.\d+$")
        self.assertEqual(name, SONAME)
        self.assertEqual(mapped, repr([os.path.realpath(built)]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
