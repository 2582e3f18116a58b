"""The build backend of the librelease Python package (PEP 517).

The package is pure Python, so its wheel is a zip of librelease/*.py and a
.dist-info directory. This backend makes it with the standard library alone,
because the installation this package supports is a stock virtual
environment with no package index: such a venv has pip and setuptools but no
`wheel`, and setuptools cannot build a wheel without it. pyproject.toml
names this module (build-backend, backend-path); pip runs it with
--no-build-isolation or without.

It reads the [project] table of pyproject.toml (the keys listed in _KEYS,
any other is refused rather than ignored) and writes only to the
directories pip gives it: nothing in the source tree. (Python itself may
cache this module's bytecode in build_backend/__pycache__, which git
ignores; PYTHONDONTWRITEBYTECODE=1 prevents it.)
"""

import base64
import gzip
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "librelease"
TAG = "py3-none-any"
# The [project] keys this backend understands.
_KEYS = {"name", "version", "description", "readme", "license", "requires-python",
         "classifiers"}


# ---------------------------------------------------------------- pyproject

_TOKEN = re.compile(r'[ \t]+|#[^\n]*|(\n)|("(?:[^"\\\n]|\\.)*")|([][{}=,.])|([A-Za-z0-9_-]+)|(.)')


def _parse_toml(text):
    """The subset of TOML that pyproject.toml uses here: [tables], comments,
    key = "basic string" | [array, ...] (over several lines too) |
    {key = value, ...}. tomllib (Python 3.11) is used when it exists; this is
    for older interpreters, and raises ValueError on anything else."""
    tokens = []
    for m in _TOKEN.finditer(text):
        newline, string, punct, bare, other = m.groups()
        if other:
            raise ValueError("pyproject.toml: unexpected %r" % other)
        if newline:
            tokens.append(("nl", None))
        elif string:
            tokens.append(("str", _toml_string(string)))
        elif punct:
            tokens.append((punct, None))
        elif bare:
            tokens.append(("key", bare))
    tokens.append(("end", None))
    pos = [0]

    def take(*kinds):
        kind, value = tokens[pos[0]]
        if kind not in kinds:
            raise ValueError("pyproject.toml: expected %s, found %s"
                             % (" or ".join(kinds), value or kind))
        pos[0] += 1
        return kind, value

    def skip_newlines():
        while tokens[pos[0]][0] == "nl":
            pos[0] += 1

    def dotted():
        names = [take("key", "str")[1]]
        while tokens[pos[0]][0] == ".":
            take(".")
            names.append(take("key", "str")[1])
        return names

    def value():
        kind, v = take("str", "[", "{")
        if kind == "str":
            return v
        if kind == "[":
            items = []
            skip_newlines()
            while tokens[pos[0]][0] != "]":
                items.append(value())
                skip_newlines()
                if tokens[pos[0]][0] != "]":
                    take(",")
                    skip_newlines()
            take("]")
            return items
        table = {}
        while tokens[pos[0]][0] != "}":
            key = take("key", "str")[1]
            take("=")
            table[key] = value()
            if tokens[pos[0]][0] != "}":
                take(",")
        take("}")
        return table

    doc = table = {}
    while True:
        skip_newlines()
        if tokens[pos[0]][0] == "end":
            return doc
        if tokens[pos[0]][0] == "[":
            take("[")
            table = doc
            for name in dotted():
                table = table.setdefault(name, {})
            take("]")
        else:
            names = dotted()
            take("=")
            target = table
            for name in names[:-1]:
                target = target.setdefault(name, {})
            target[names[-1]] = value()
        if tokens[pos[0]][0] != "end":
            take("nl")


def _toml_string(quoted):
    escapes = {"\\\\": "\\", '\\"': '"', "\\n": "\n", "\\t": "\t"}
    try:
        return re.sub(r"\\.", lambda m: escapes[m.group(0)], quoted[1:-1])
    except KeyError as e:
        raise ValueError("pyproject.toml: escape %s not handled" % e) from None


def _load_toml(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        import tomllib
    except ImportError:
        return _parse_toml(data.decode("utf-8"))
    return tomllib.loads(data.decode("utf-8"))


def _project():
    """pyproject.toml's [project] table, checked."""
    project = _load_toml(os.path.join(ROOT, "pyproject.toml")).get("project", {})
    unknown = sorted(set(project) - _KEYS)
    if unknown:
        raise ValueError("pyproject.toml: [project] keys this backend does not handle: "
                         + ", ".join(unknown))
    for key in ("name", "version"):
        if not isinstance(project.get(key), str):
            raise ValueError("pyproject.toml: [project] needs a %s string" % key)
    if not isinstance(project.get("readme", ""), str):
        raise ValueError("pyproject.toml: readme must name a Markdown file")
    if not isinstance(project.get("license", {}), dict):
        raise ValueError('pyproject.toml: license must be {text = "..."}')
    if project["name"] != PACKAGE:
        raise ValueError("pyproject.toml: this backend builds %s only" % PACKAGE)
    return project


def _metadata(project):
    """The core metadata (version 2.1) as text."""
    lines = ["Metadata-Version: 2.1",
             "Name: " + project["name"],
             "Version: " + project["version"]]
    if "description" in project:
        lines.append("Summary: " + project["description"])
    terms = project.get("license", {})
    if "text" in terms:
        lines.append("License: " + terms["text"])
    for classifier in project.get("classifiers", []):
        lines.append("Classifier: " + classifier)
    if "requires-python" in project:
        lines.append("Requires-Python: " + project["requires-python"])
    body = ""
    if project.get("readme"):
        lines.append("Description-Content-Type: text/markdown")
        with open(os.path.join(ROOT, project["readme"]), encoding="utf-8") as f:
            body = "\n" + f.read()
    return "\n".join(lines) + "\n" + body


def _license_path():
    """The project's LICENSE: next to pyproject.toml in an sdist, two
    directories up in the repository."""
    for path in (os.path.join(ROOT, "LICENSE"), os.path.join(ROOT, "..", "..", "LICENSE")):
        if os.path.isfile(path):
            return path
    return None


# A module's file name: what `import` can name. Editors' locks and backups
# (.#_c.py, _c.py~, "_c copy.py") and bytecode are not.
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.py")


def _sources():
    """The package's modules: (path in the archive, path on disk), sorted.
    A symbolic link among them is refused: whatever it points to, outside
    the package too, would be packaged as if it were the package's."""
    directory = os.path.join(ROOT, PACKAGE)
    found = []
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if not _MODULE.fullmatch(name):
            continue
        if os.path.islink(path):
            raise ValueError("%s/%s is a symbolic link: the package holds files only"
                             % (PACKAGE, name))
        if os.path.isfile(path):
            found.append((PACKAGE + "/" + name, path))
    return found


def _dist_info(project):
    return "%s-%s.dist-info" % (project["name"], project["version"])


def _dist_info_files(project):
    """(name, bytes) of the .dist-info directory, RECORD excepted."""
    files = [("METADATA", _metadata(project).encode("utf-8")),
             ("WHEEL", ("Wheel-Version: 1.0\nGenerator: librelease_backend\n"
                        "Root-Is-Purelib: true\nTag: %s\n" % TAG).encode("ascii")),
             ("top_level.txt", (PACKAGE + "\n").encode("ascii"))]
    terms = _license_path()
    if terms:
        with open(terms, "rb") as f:
            files.append(("LICENSE", f.read()))
    return files


# The first and last times a zip entry can hold: 1980-01-01 and
# 2107-12-31 23:59:58 (it counts years from 1980 in 7 bits, seconds by two).
_ZIP_FIRST, _ZIP_LAST = 315532800, 4354819198


def _timestamp():
    """SOURCE_DATE_EPOCH when set (reproducible builds: a whole number of
    seconds since 1970), else 1980-01-01, the earliest a zip can say: the
    same sources give the same archive."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return _ZIP_FIRST
    if not re.fullmatch(r"[0-9]+", epoch.strip()):
        raise ValueError("SOURCE_DATE_EPOCH=%r is not a whole number of seconds since 1970"
                         % epoch)
    return int(epoch)


def _zip_time():
    """The wheel's entries' time: _timestamp(), within what a zip holds."""
    return time.gmtime(min(max(_timestamp(), _ZIP_FIRST), _ZIP_LAST))[:6]


# ---------------------------------------------------------------- hooks

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    project = _project()
    directory = os.path.join(metadata_directory, _dist_info(project))
    os.makedirs(directory, exist_ok=True)
    for name, data in _dist_info_files(project):
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
    return _dist_info(project)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project()
    name = "%s-%s-%s.whl" % (project["name"], project["version"], TAG)
    stamp = _zip_time()
    entries = []
    for arcname, path in _sources():
        with open(path, "rb") as f:
            entries.append((arcname, f.read()))
    info = _dist_info(project)
    entries += [(info + "/" + n, data) for n, data in _dist_info_files(project)]
    record = io.StringIO()
    for arcname, data in entries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record.write("%s,sha256=%s,%d\n" % (arcname, digest.decode("ascii"), len(data)))
    record.write(info + "/RECORD,,\n")
    entries.append((info + "/RECORD", record.getvalue().encode("utf-8")))
    path = os.path.join(wheel_directory, name)
    with zipfile.ZipFile(path + ".part", "w", zipfile.ZIP_DEFLATED) as wheel:
        for arcname, data in entries:
            entry = zipfile.ZipInfo(arcname, stamp)
            entry.external_attr = 0o100644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(entry, data)
    os.replace(path + ".part", path)
    return name


def build_sdist(sdist_directory, config_settings=None):
    project = _project()
    base = "%s-%s" % (project["name"], project["version"])
    files = [("pyproject.toml", os.path.join(ROOT, "pyproject.toml")),
             ("build_backend/librelease_backend.py", os.path.abspath(__file__))]
    if project.get("readme"):
        files.append((project["readme"], os.path.join(ROOT, project["readme"])))
    if _license_path():
        files.append(("LICENSE", _license_path()))
    files += _sources()
    members = [("PKG-INFO", _metadata(project).encode("utf-8"))]
    for arcname, path in files:
        with open(path, "rb") as f:
            members.append((arcname, f.read()))
    name = base + ".tar.gz"
    path = os.path.join(sdist_directory, name)
    with open(path + ".part", "wb") as raw:
        # gzip's header holds 32 bits of time; the tar's pax headers any.
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=min(_timestamp(), 2**32 - 1)) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for arcname, data in sorted(members):
                    entry = tarfile.TarInfo(base + "/" + arcname)
                    entry.size, entry.mtime, entry.mode = len(data), _timestamp(), 0o644
                    tar.addfile(entry, io.BytesIO(data))
    os.replace(path + ".part", path)
    return name
