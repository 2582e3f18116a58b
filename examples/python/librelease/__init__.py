"""librelease for Python: release history and rollback through ctypes.

A thin, standard-library-only binding of librelease's C API
(<librelease/release.h>) with a small Pythonic layer on top::

    import librelease

    with librelease.Store("memory:") as store:
        store.create_app("myapp")
        build = store.create_build("myapp", "build 0a1b2c3d4e5f my commit message")
        first = store.create_release("myapp", build.id)
        store.promote("myapp", first.id)
        second = store.env_set("myapp", {"FOO": "bar"})
        store.promote("myapp", second.id)
        back = store.rollback("myapp")          # to the previously active release
        for r in store.releases("myapp", limit=10):
            print(r.version, r.id, r.description, "active" if r.active else "")

Conventions (see README.md next to this package for the whole API):

- Every C object that comes back is copied into a plain Python value
  (Release, Build, App, Settings) and freed at once; nothing returned holds C memory.
  Iterators (Store.releases, Store.builds) hold a C iterator until they are
  exhausted, closed, garbage-collected or their store is closed.
- Times are timezone-aware ``datetime`` objects in UTC (microsecond
  precision); the exact nanoseconds are kept in the ``*_ns`` fields. "Never"
  (a release not promoted, a build not ended) is ``None`` (and 0 in ``*_ns``).
- A negative return code raises a ReleaseError subclass carrying ``.code``,
  ``.name`` ("RELEASE_ENOTFOUND"...) and the store's detailed message.
- A listing (apps(), releases(), builds()) skips an item it cannot read
  and goes on; after the last item it raises Corrupt naming each skipped
  one (``.skipped``), so the rest is still listed and the damage still seen.
- A Store serialises its calls with a lock: it may be shared by threads, but
  calls do not run in parallel (open one Store per thread for that). Callbacks
  (deploy, on_event, clock, random) must not use the Store that called them:
  doing so raises RuntimeError (the C library forbids it).

- The calls librelease 1.3 added (create_from, change_env, settings,
  update_settings, append_build_log, export_build, import_build, a build's
  log, a rollback's failed copy) and 1.4 added (Store(actor=...),
  Store.actor, deployments, deployment_at, diff, watch, copy_store) are
  looked up when first used: an older library still loads and all it has
  works, and those calls raise LibraryTooOld naming the version they need
  (Release.actor and Build.actor are None there, as for records written
  before 1.4). So does Store.promote(..., if_pending=True), which needs
  librelease 1.5.

The shared library is loaded when first needed, from: the path given to
``load()``; else exactly the file the ``LIBRELEASE_PATH`` environment
variable names (meson's tests set it to the build tree's library); else the
installed library by its soname ``librelease.so.1`` (ldconfig's cache,
``LD_LIBRARY_PATH``), then ``ctypes.util.find_library("release")``. When
none loads, LibraryNotLoaded (an OSError) says what was tried and how to
fix it.

The package's modules, by idea: _errors (codes and exceptions), _c (the C
declarations and the loading of the library), _convert (checking Python
values and converting them to C and back), _values (App, Build, Release,
Settings, Deployment, Diff), _callbacks (Python callables as C callbacks),
_cursor, _store, _watch (Watch) and _copy (copy_store).
"""

from ._c import load, version, SONAME, RELEASE_PROMOTE_FORCE, RELEASE_PROMOTE_IF_PENDING
from ._c import (  # noqa: F401 - for the tests, which look inside
    _FUNCTIONS, _NEWER_FUNCTIONS, _live, _StoreOpts, _BuildOpts, _ListOpts, _PromoteOpts,
    _CreateOpts, _EnvOpts, _SettingsOpts, _CopyOpts)
from ._convert import BUILD_STATUSES
from ._cursor import Cursor
from ._errors import (
    RELEASE_EINVAL, RELEASE_ENOTFOUND, RELEASE_EEXIST, RELEASE_ECONFLICT, RELEASE_EBUSY,
    RELEASE_EOLDER, RELEASE_EDEPLOY, RELEASE_ECORRUPT, RELEASE_EIO, RELEASE_ENOSPC,
    RELEASE_ENOMEM, RELEASE_EUNSUPPORTED, RELEASE_ITEROVER, RELEASE_ETIMEDOUT,
    ReleaseError, Invalid, NotFound, Exists, Conflict, Busy, Older, DeployFailed, Corrupt,
    StorageIOError, NoSpace, OutOfMemory, Unsupported, TimedOut, LibraryTooOld,
    LibraryNotLoaded)
from ._store import Store, app_name_valid
from ._copy import copy_store
from ._values import App, Build, Release, Settings, Deployment, Diff, EnvChange
from ._watch import Watch, WatchState

__all__ = [
    "load", "version", "app_name_valid", "copy_store",
    "Store", "App", "Build", "Release", "Settings", "Cursor",
    "Deployment", "Diff", "EnvChange", "Watch", "WatchState",
    "ReleaseError", "Invalid", "NotFound", "Exists", "Conflict", "Busy",
    "Older", "DeployFailed", "Corrupt", "StorageIOError", "NoSpace",
    "OutOfMemory", "Unsupported", "TimedOut", "LibraryTooOld", "LibraryNotLoaded",
    "BUILD_STATUSES",
]
