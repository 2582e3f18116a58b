"""The package's build backend (build_backend/librelease_backend.py), called
through its PEP 517 hooks as pip calls them: what the wheel and the sdist
hold, the metadata, that pyproject.toml is read the same without tomllib,
and that building writes nothing into the source tree. test_install.py
installs the wheel with pip; this needs no library.

Run by hand: python3 examples/python/test_packaging.py
"""
import ast
import base64
import csv
import hashlib
import importlib.util
import io
import os
import re
import shutil
import sys
import tarfile
import tempfile
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "librelease"
sys.dont_write_bytecode = True  # importing the backend must not write either


def _backend(root=HERE):
    """The backend module as found under root (a fresh module each time:
    its ROOT is where it was loaded from)."""
    path = os.path.join(root, "build_backend", "librelease_backend.py")
    spec = importlib.util.spec_from_file_location("librelease_backend_%d" % id(root), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tree(root):
    """Every path under root."""
    return sorted(os.path.relpath(os.path.join(d, n), root)
                  for d, dirs, files in os.walk(root) for n in dirs + files)


class Case(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="librelease-packaging-")
        self.addCleanup(shutil.rmtree, self.tmp)

    def wheel(self, root=HERE):
        """The wheel built from root, as a ZipFile, with its file name."""
        out = tempfile.mkdtemp(dir=self.tmp)
        name = _backend(root).build_wheel(out)
        wheel = zipfile.ZipFile(os.path.join(out, name))
        self.addCleanup(wheel.close)
        return wheel, name

    def project(self):
        return _backend()._project()


class Pyproject(Case):
    def test_the_version_is_the_projects(self):
        # meson passes its project version; by hand any x.y.z will do.
        expected = os.environ.get("LIBRELEASE_EXPECTED_VERSION")
        if expected:
            self.assertEqual(self.project()["version"], expected)
        else:
            self.assertRegex(self.project()["version"], r"^\d+\.\d+\.\d+$")

    def test_the_subset_parser_reads_pyproject_as_tomllib_does(self):
        try:
            import tomllib
        except ImportError:
            self.skipTest("tomllib needs Python 3.11")
        with open(os.path.join(HERE, "pyproject.toml"), encoding="utf-8") as f:
            text = f.read()
        self.assertEqual(_backend()._parse_toml(text), tomllib.loads(text))

    def test_the_subset_parser_refuses_what_it_does_not_know(self):
        parse = _backend()._parse_toml
        for text in ('[project]\nversion = 1\n', "[project]\nname = 'x'\n",
                     '[[project]]\nname = "x"\n', '[project]\nname = """x"""\n',
                     '[project]\nname = "\\u0041"\n', '[project]\nname = "x" "y"\n'):
            with self.assertRaises(ValueError, msg=text):
                parse(text)

    def test_project_keys_the_backend_ignores_are_refused(self):
        root = os.path.join(self.tmp, "src")
        shutil.copytree(HERE, root, ignore=shutil.ignore_patterns("__pycache__"))
        with open(os.path.join(root, "pyproject.toml"), "a", encoding="utf-8") as f:
            f.write('dependencies = ["requests"]\n')
        with self.assertRaisesRegex(ValueError, "dependencies"):
            _backend(root).build_wheel(self.tmp)

    def test_the_package_parses_as_the_oldest_python_it_names(self):
        oldest = re.fullmatch(r">=(\d+)\.(\d+)", self.project()["requires-python"])
        self.assertIsNotNone(oldest)
        version = (int(oldest.group(1)), int(oldest.group(2)))
        if sys.version_info < (3, 8):  # no feature_version: parsed as this Python's
            if sys.version_info[:2] != version:
                self.skipTest("ast.parse(feature_version=...) needs Python 3.8")
            version = None
        package = os.path.join(HERE, NAME)
        paths = [os.path.join(package, n) for n in sorted(os.listdir(package))
                 if n.endswith(".py")]
        for path in paths + [os.path.join(HERE, "build_backend", "librelease_backend.py")]:
            with open(path, encoding="utf-8") as f:
                ast.parse(f.read(), path, **({"feature_version": version} if version else {}))


class Wheel(Case):
    def test_the_wheel_holds_the_package_and_its_dist_info(self):
        wheel, name = self.wheel()
        version = self.project()["version"]
        self.assertEqual(name, "%s-%s-py3-none-any.whl" % (NAME, version))
        package = sorted(NAME + "/" + n for n in os.listdir(os.path.join(HERE, NAME))
                         if n.endswith(".py"))
        info = "%s-%s.dist-info/" % (NAME, version)
        self.assertIn(NAME + "/__init__.py", package)
        self.assertEqual(sorted(wheel.namelist()),
                         sorted(package + [info + n for n in
                                           ("LICENSE", "METADATA", "RECORD", "WHEEL",
                                            "top_level.txt")]))

    def test_the_record_lists_every_file_with_its_hash_and_size(self):
        wheel, _ = self.wheel()
        record = [n for n in wheel.namelist() if n.endswith(".dist-info/RECORD")][0]
        rows = list(csv.reader(io.StringIO(wheel.read(record).decode("utf-8"))))
        self.assertEqual(sorted(r[0] for r in rows), sorted(wheel.namelist()))
        for path, digest, size in rows:
            if path == record:
                self.assertEqual((digest, size), ("", ""))
                continue
            data = wheel.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            self.assertEqual(digest, "sha256=" + expected.decode("ascii"), path)
            self.assertEqual(int(size), len(data), path)

    def test_the_metadata_names_version_license_and_python(self):
        wheel, _ = self.wheel()
        project = self.project()
        info = "%s-%s.dist-info/" % (NAME, project["version"])
        metadata = wheel.read(info + "METADATA").decode("utf-8")
        head = metadata.split("\n\n", 1)[0].splitlines()
        for line in ("Metadata-Version: 2.1", "Name: librelease",
                     "Version: " + project["version"], "License: MIT",
                     "Requires-Python: " + project["requires-python"],
                     "Summary: " + project["description"],
                     "Description-Content-Type: text/markdown"):
            self.assertIn(line, head)
        self.assertIn("# librelease for Python", metadata.split("\n\n", 1)[1])
        self.assertIn(b"Root-Is-Purelib: true\nTag: py3-none-any\n", wheel.read(info + "WHEEL"))

    def test_prepared_metadata_is_the_wheels(self):
        wheel, _ = self.wheel()
        out = tempfile.mkdtemp(dir=self.tmp)
        info = _backend().prepare_metadata_for_build_wheel(out)
        with open(os.path.join(out, info, "METADATA"), "rb") as f:
            self.assertEqual(f.read(), wheel.read(info + "/METADATA"))

    def test_the_same_sources_build_the_same_wheel(self):
        first, _ = self.wheel()
        second, _ = self.wheel()
        self.assertEqual([(i.filename, i.date_time, i.external_attr, i.CRC)
                          for i in first.infolist()],
                         [(i.filename, i.date_time, i.external_attr, i.CRC)
                          for i in second.infolist()])

    def test_building_writes_nothing_into_the_source_tree(self):
        before = _tree(HERE)
        backend = _backend()
        out = tempfile.mkdtemp(dir=self.tmp)
        backend.prepare_metadata_for_build_wheel(out)
        backend.build_wheel(out)
        backend.build_sdist(out)
        self.assertEqual(_tree(HERE), before)


class SourceTree(Case):
    """What in the package's directory goes into the archives."""

    def copy(self):
        root = os.path.join(self.tmp, "src")
        shutil.copytree(HERE, root, ignore=shutil.ignore_patterns("__pycache__"))
        return root

    def names(self, root):
        wheel, _ = self.wheel(root)
        return sorted(n for n in wheel.namelist() if n.startswith(NAME + "/"))

    def test_an_editors_lock_and_backup_files_are_left_out(self):
        root = self.copy()
        clean = self.names(root)
        package = os.path.join(root, NAME)
        os.symlink("root@host.1234:1700000000", os.path.join(package, ".#_c.py"))  # Emacs
        for name in ("_c.py~", "#_c.py#", "._c.py.swp", ".hidden.py", "_c copy.py",
                     "a,b.py", "_c.py.orig"):
            with open(os.path.join(package, name), "w") as f:
                f.write("raise SystemExit('not the package')\n")
        os.mkdir(os.path.join(package, "__pycache__"))
        with open(os.path.join(package, "__pycache__", "_c.cpython-311.pyc"), "wb") as f:
            f.write(b"\0")
        self.assertEqual(self.names(root), clean)
        out = tempfile.mkdtemp(dir=self.tmp)
        with tarfile.open(os.path.join(out, _backend(root).build_sdist(out))) as tar:
            packaged = sorted(n.split("/", 1)[1] for n in tar.getnames()
                              if n.split("/")[1:2] == [NAME])
        self.assertEqual(packaged, clean)

    def test_a_symlink_in_the_package_is_refused(self):
        root = self.copy()
        secret = os.path.join(self.tmp, "secret")
        with open(secret, "w") as f:
            f.write("SECRET = 'outside the package'\n")
        os.symlink(secret, os.path.join(root, NAME, "linked.py"))
        backend = _backend(root)
        out = tempfile.mkdtemp(dir=self.tmp)
        for build in (backend.build_wheel, backend.build_sdist):
            with self.assertRaisesRegex(ValueError, r"linked\.py.*symbolic link"):
                build(out)
        self.assertEqual(os.listdir(out), [])


class Timestamps(Case):
    """SOURCE_DATE_EPOCH, as the reproducible-builds convention defines it."""

    def build(self, epoch):
        os.environ["SOURCE_DATE_EPOCH"] = epoch
        try:
            out = tempfile.mkdtemp(dir=self.tmp)
            backend = _backend()
            wheel = zipfile.ZipFile(os.path.join(out, backend.build_wheel(out)))
            self.addCleanup(wheel.close)
            with tarfile.open(os.path.join(out, backend.build_sdist(out))) as tar:
                mtimes = {m.mtime for m in tar.getmembers()}
            return {i.date_time for i in wheel.infolist()}, mtimes
        finally:
            del os.environ["SOURCE_DATE_EPOCH"]

    def test_the_epoch_dates_the_files(self):
        self.assertEqual(self.build("1700000000"), ({(2023, 11, 14, 22, 13, 20)}, {1700000000}))

    def test_a_date_a_zip_cannot_hold_is_the_nearest_it_can(self):
        self.assertEqual(self.build("0")[0], {(1980, 1, 1, 0, 0, 0)})
        self.assertEqual(self.build("99999999999")[0], {(2107, 12, 31, 23, 59, 58)})
        self.assertEqual(self.build("99999999999")[1], {99999999999})

    def test_an_epoch_that_is_not_a_number_is_refused(self):
        for epoch in ("1.5", "soon", "-1", "0x10"):
            with self.assertRaisesRegex(ValueError, "SOURCE_DATE_EPOCH"):
                self.build(epoch)


class Sdist(Case):
    def test_the_sdist_builds_the_same_wheel(self):
        out = tempfile.mkdtemp(dir=self.tmp)
        name = _backend().build_sdist(out)
        version = self.project()["version"]
        self.assertEqual(name, "%s-%s.tar.gz" % (NAME, version))
        with tarfile.open(os.path.join(out, name)) as tar:
            names = tar.getnames()
            for member in tar.getmembers():
                self.assertTrue(member.isfile(), member.name)
                self.assertTrue(member.name.startswith("%s-%s/" % (NAME, version)))
            if hasattr(tarfile, "data_filter"):  # Python 3.12, and fixes to older ones
                tar.extractall(self.tmp, filter="data")
            else:
                tar.extractall(self.tmp)
        base = "%s-%s/" % (NAME, version)
        for needed in ("PKG-INFO", "pyproject.toml", "README.md", "LICENSE",
                       "build_backend/librelease_backend.py", NAME + "/__init__.py"):
            self.assertIn(base + needed, names)
        unpacked, _ = self.wheel(os.path.join(self.tmp, base))
        built, _ = self.wheel()
        self.assertEqual(sorted((i.filename, i.CRC) for i in unpacked.infolist()),
                         sorted((i.filename, i.CRC) for i in built.infolist()))


if __name__ == "__main__":
    unittest.main(verbosity=2)
