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

Conventions (see README.md next to this file for the whole API):

- Every C object that comes back is copied into a plain Python value
  (Release, Build, App) and freed at once; nothing returned holds C memory.
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

The shared library is found, in order: the path given to ``load()``, the
``LIBRELEASE_PATH`` environment variable (meson's test sets it to the build
tree's library), ``ctypes.util.find_library("release")``, then the soname
``librelease.so.1`` on the loader's default path.
"""

import collections
import collections.abc
import contextlib
import ctypes
import ctypes.util
import datetime
import inspect
import math
import operator
import os
import threading
import weakref
from dataclasses import dataclass, field

__all__ = [
    "load", "version", "app_name_valid",
    "Store", "App", "Build", "Release", "Cursor",
    "ReleaseError", "Invalid", "NotFound", "Exists", "Conflict", "Busy",
    "Older", "DeployFailed", "Corrupt", "StorageIOError", "NoSpace",
    "OutOfMemory", "Unsupported",
    "BUILD_STATUSES",
]

SONAME = "librelease.so.1"

# ------------------------------------------------------------------ errors

RELEASE_EINVAL = -1
RELEASE_ENOTFOUND = -2
RELEASE_EEXIST = -3
RELEASE_ECONFLICT = -4
RELEASE_EBUSY = -5
RELEASE_EOLDER = -6
RELEASE_EDEPLOY = -7
RELEASE_ECORRUPT = -8
RELEASE_EIO = -9
RELEASE_ENOSPC = -10
RELEASE_ENOMEM = -11
RELEASE_EUNSUPPORTED = -12
RELEASE_ITEROVER = -13

_CODE_NAMES = {
    RELEASE_EINVAL: "RELEASE_EINVAL",
    RELEASE_ENOTFOUND: "RELEASE_ENOTFOUND",
    RELEASE_EEXIST: "RELEASE_EEXIST",
    RELEASE_ECONFLICT: "RELEASE_ECONFLICT",
    RELEASE_EBUSY: "RELEASE_EBUSY",
    RELEASE_EOLDER: "RELEASE_EOLDER",
    RELEASE_EDEPLOY: "RELEASE_EDEPLOY",
    RELEASE_ECORRUPT: "RELEASE_ECORRUPT",
    RELEASE_EIO: "RELEASE_EIO",
    RELEASE_ENOSPC: "RELEASE_ENOSPC",
    RELEASE_ENOMEM: "RELEASE_ENOMEM",
    RELEASE_EUNSUPPORTED: "RELEASE_EUNSUPPORTED",
    RELEASE_ITEROVER: "RELEASE_ITEROVER",
}


class ReleaseError(Exception):
    """A librelease call failed.

    code    the negative RELEASE_E* code
    name    its symbolic name, e.g. "RELEASE_ENOTFOUND"
    message the store's detailed message (release_store_errmsg), or the
            code's description (release_strerror) when the store had none
    """

    code = None  # each subclass sets its own

    def __init__(self, code, name, message):
        super().__init__(code, name, message)
        self.code = code
        self.name = name
        self.message = message

    def __str__(self):
        return self.message


class Invalid(ReleaseError, ValueError):
    """RELEASE_EINVAL: a malformed app name, id, env key, status or option."""
    code = RELEASE_EINVAL


class NotFound(ReleaseError, LookupError):
    """RELEASE_ENOTFOUND: no such app, build or release (or another app's)."""
    code = RELEASE_ENOTFOUND


class Exists(ReleaseError):
    """RELEASE_EEXIST: the app exists already."""
    code = RELEASE_EEXIST


class Conflict(ReleaseError):
    """RELEASE_ECONFLICT: someone else wrote first."""
    code = RELEASE_ECONFLICT


class Busy(ReleaseError):
    """RELEASE_EBUSY: the app is being promoted by someone else."""
    code = RELEASE_EBUSY


class Older(ReleaseError):
    """RELEASE_EOLDER: promoting a release older than the active one."""
    code = RELEASE_EOLDER


class DeployFailed(ReleaseError):
    """RELEASE_EDEPLOY: the deployer failed; the previous release stays active.

    When the deployer raised, that exception is this one's ``__cause__``.
    """
    code = RELEASE_EDEPLOY


class Corrupt(ReleaseError):
    """RELEASE_ECORRUPT: stored data failed validation.

    Raised by a listing (apps(), or a Cursor from releases() or builds())
    after its last item when items were skipped because they could not be
    read; the items that could be read were all listed first. Then:

    skipped  the library's message for each skipped item, in order; each
             names its app, release version or build
    items    apps() only: the list of App that could be read (a Cursor's
             items were already yielded); None otherwise
    """
    code = RELEASE_ECORRUPT
    skipped = ()
    items = None


class StorageIOError(ReleaseError):
    """RELEASE_EIO: the storage failed to read or write (or the random source failed)."""
    code = RELEASE_EIO


class NoSpace(ReleaseError):
    """RELEASE_ENOSPC: the storage is full."""
    code = RELEASE_ENOSPC


class OutOfMemory(ReleaseError):
    """RELEASE_ENOMEM: the library ran out of memory."""
    code = RELEASE_ENOMEM


class Unsupported(ReleaseError):
    """RELEASE_EUNSUPPORTED: unknown URI scheme, store format or storage version."""
    code = RELEASE_EUNSUPPORTED


_ERRORS = {cls.code: cls for cls in (
    Invalid, NotFound, Exists, Conflict, Busy, Older, DeployFailed, Corrupt,
    StorageIOError, NoSpace, OutOfMemory, Unsupported)}


def _error(code, message=None):
    """The exception for a negative code, with message (or strerror)."""
    lib = _library()
    if not message:
        message = _dec(lib.release_strerror(code))
    cls = _ERRORS.get(code, ReleaseError)
    return cls(code, _CODE_NAMES.get(code, "RELEASE_E%d" % -code), message)


# ------------------------------------------------------------ C declarations

class _Opaque(ctypes.Structure):
    """Base of the opaque handle types: only ever used through pointers."""


class _CStore(_Opaque):
    pass


class _CRelease(_Opaque):
    pass


class _CBuild(_Opaque):
    pass


class _CApp(_Opaque):
    pass


class _CIter(_Opaque):
    pass


class _CBuildIter(_Opaque):
    pass


class _CAppIter(_Opaque):
    pass


class _CEvents(_Opaque):
    pass


_P = ctypes.POINTER
_STORE = _P(_CStore)
_RELEASE = _P(_CRelease)
_BUILD = _P(_CBuild)
_APP = _P(_CApp)
_ITER = _P(_CIter)
_BUILD_ITER = _P(_CBuildIter)
_APP_ITER = _P(_CAppIter)
_EVENTS = _P(_CEvents)

_c_int, _c_uint, _c_size, _c_i64, _c_u64 = (
    ctypes.c_int, ctypes.c_uint, ctypes.c_size_t, ctypes.c_int64, ctypes.c_uint64)
_c_str, _c_void = ctypes.c_char_p, ctypes.c_void_p

# typedef int64_t (*release_clock_fn)(void *payload);
_CLOCK_FN = ctypes.CFUNCTYPE(_c_i64, _c_void)
# typedef int (*release_random_fn)(void *payload, unsigned char *buf, size_t len);
_RANDOM_FN = ctypes.CFUNCTYPE(_c_int, _c_void, _P(ctypes.c_ubyte), _c_size)
# typedef void (*release_event_fn)(void *, int64_t time, const char *source, const char *message);
_EVENT_FN = ctypes.CFUNCTYPE(None, _c_void, _c_i64, _c_str, _c_str)
# typedef int (*release_deploy_fn)(void *payload, const release *r, release_events *events);
_DEPLOY_FN = ctypes.CFUNCTYPE(_c_int, _c_void, _RELEASE, _EVENTS)


class _StoreOpts(ctypes.Structure):
    _fields_ = [
        ("size", _c_size),
        ("clock", _CLOCK_FN),
        ("clock_payload", _c_void),
        ("random", _RANDOM_FN),
        ("random_payload", _c_void),
        ("lease_ns", _c_i64),
    ]


class _BuildOpts(ctypes.Structure):
    _fields_ = [
        ("size", _c_size),
        ("description", _c_str),
        ("manifest", _c_str),
        ("status", _c_int),
    ]


class _ListOpts(ctypes.Structure):
    _fields_ = [
        ("size", _c_size),
        ("limit", _c_size),
        ("before", _c_u64),
    ]


class _PromoteOpts(ctypes.Structure):
    _fields_ = [
        ("size", _c_size),
        ("flags", _c_uint),
        ("deploy", _DEPLOY_FN),
        ("deploy_payload", _c_void),
        ("on_event", _EVENT_FN),
        ("event_payload", _c_void),
        ("owner", _c_str),
        ("wait_ns", _c_i64),
    ]


RELEASE_PROMOTE_FORCE = 1

# name: (restype, argtypes). Every function used is declared; none is
# called with ctypes' implicit int return.
_FUNCTIONS = {
    "release_strerror": (_c_str, [_c_int]),
    "release_version_string": (_c_str, []),
    # store
    "release_store_opts_init_sized": (None, [_P(_StoreOpts), ctypes.c_size_t]),
    "release_store_open": (_c_int, [_P(_STORE), _c_str, _P(_StoreOpts)]),
    "release_store_close": (None, [_STORE]),
    "release_store_errmsg": (_c_str, [_STORE]),
    # apps
    "release_app_name_valid": (_c_int, [_c_str]),
    "release_app_create": (_c_int, [_STORE, _c_str, _P(_APP)]),
    "release_app_get": (_c_int, [_STORE, _c_str, _P(_APP)]),
    "release_app_delete": (_c_int, [_STORE, _c_str]),
    "release_app_list": (_c_int, [_STORE, _P(_APP_ITER)]),
    "release_app_iter_next": (_c_int, [_APP_ITER, _P(_APP)]),
    "release_app_iter_free": (None, [_APP_ITER]),
    "release_app_name": (_c_str, [_APP]),
    "release_app_created": (_c_i64, [_APP]),
    "release_app_active": (_c_str, [_APP]),
    "release_app_previous": (_c_str, [_APP]),
    "release_app_status": (_c_int, [_APP]),
    "release_app_status_name": (_c_str, [_c_int]),
    "release_app_lease_owner": (_c_str, [_APP]),
    "release_app_lease_expires": (_c_i64, [_APP]),
    "release_app_lease_started": (_c_i64, [_APP]),
    "release_app_free": (None, [_APP]),
    # builds
    "release_build_status_name": (_c_str, [_c_int]),
    "release_build_opts_init_sized": (None, [_P(_BuildOpts), ctypes.c_size_t]),
    "release_build_create": (_c_int, [_STORE, _c_str, _P(_BuildOpts), _P(_BUILD)]),
    "release_build_set_status": (_c_int, [_STORE, _c_str, _c_str, _c_int, _P(_BUILD)]),
    "release_build_get": (_c_int, [_STORE, _c_str, _c_str, _P(_BUILD)]),
    "release_build_list": (_c_int, [_STORE, _c_str, _c_size, _P(_BUILD_ITER)]),
    "release_build_iter_next": (_c_int, [_BUILD_ITER, _P(_BUILD)]),
    "release_build_iter_free": (None, [_BUILD_ITER]),
    "release_build_id": (_c_str, [_BUILD]),
    "release_build_app": (_c_str, [_BUILD]),
    "release_build_description": (_c_str, [_BUILD]),
    "release_build_manifest": (_c_str, [_BUILD]),
    "release_build_status": (_c_int, [_BUILD]),
    "release_build_started": (_c_i64, [_BUILD]),
    "release_build_ended": (_c_i64, [_BUILD]),
    "release_build_release": (_c_str, [_BUILD]),
    "release_build_free": (None, [_BUILD]),
    # releases
    "release_create": (_c_int, [_STORE, _c_str, _c_str, _P(_RELEASE)]),
    "release_env_set": (_c_int, [_STORE, _c_str, _P(_c_str), _c_size, _P(_RELEASE)]),
    "release_env_unset": (_c_int, [_STORE, _c_str, _P(_c_str), _c_size, _P(_RELEASE)]),
    "release_get": (_c_int, [_STORE, _c_str, _c_str, _P(_RELEASE)]),
    "release_get_version": (_c_int, [_STORE, _c_str, _c_u64, _P(_RELEASE)]),
    "release_get_active": (_c_int, [_STORE, _c_str, _P(_RELEASE)]),
    "release_list_opts_init_sized": (None, [_P(_ListOpts), ctypes.c_size_t]),
    "release_list": (_c_int, [_STORE, _c_str, _P(_ListOpts), _P(_ITER)]),
    "release_iter_next": (_c_int, [_ITER, _P(_RELEASE)]),
    "release_iter_free": (None, [_ITER]),
    "release_id": (_c_str, [_RELEASE]),
    "release_app_of": (_c_str, [_RELEASE]),
    "release_version": (_c_u64, [_RELEASE]),
    "release_build_of": (_c_str, [_RELEASE]),
    "release_manifest": (_c_str, [_RELEASE]),
    "release_description": (_c_str, [_RELEASE]),
    "release_created": (_c_i64, [_RELEASE]),
    "release_source": (_c_str, [_RELEASE]),
    "release_promoted": (_c_i64, [_RELEASE]),
    "release_failed": (_c_i64, [_RELEASE]),
    "release_is_active": (_c_int, [_RELEASE]),
    "release_env_count": (_c_size, [_RELEASE]),
    "release_env_key": (_c_str, [_RELEASE, _c_size]),
    "release_env_value": (_c_str, [_RELEASE, _c_size]),
    "release_free": (None, [_RELEASE]),
    # promotion
    "release_events_emit": (_c_int, [_EVENTS, _c_str, _c_str]),
    "release_events_keepalive": (_c_int, [_EVENTS]),
    "release_promote_opts_init_sized": (None, [_P(_PromoteOpts), ctypes.c_size_t]),
    "release_promote": (_c_int, [_STORE, _c_str, _c_str, _P(_PromoteOpts)]),
    "release_rollback": (_c_int, [_STORE, _c_str, _c_str, _P(_PromoteOpts), _P(_RELEASE)]),
    "release_prune": (_c_int, [_STORE, _c_str, _c_size, _P(_c_size)]),
}

_lib = None
_lib_lock = threading.Lock()

# Live C objects made by this module, by kind: what has been allocated and
# not yet freed. Empty whenever no iterator or store is open; the tests check it.
_live = collections.Counter()


def _candidates(path):
    if path:
        yield os.fspath(path)
        return
    env = os.environ.get("LIBRELEASE_PATH")
    if env:
        yield env
        return
    found = ctypes.util.find_library("release")
    if found:
        yield found
    yield SONAME


def load(path=None):
    """Loads the shared library and returns the ctypes.CDLL.

    path (or else $LIBRELEASE_PATH) names the file exactly; without either,
    ctypes.util.find_library("release") and then "librelease.so.1" are tried.
    Called implicitly by the first Store; call it first to choose the file.
    Loading a different file once one is loaded raises RuntimeError.
    """
    global _lib
    with _lib_lock:
        if _lib is not None:
            if path and os.path.realpath(os.fspath(path)) != os.path.realpath(_lib._name):
                raise RuntimeError("librelease is already loaded from %s" % _lib._name)
            return _lib
        errors = []
        for candidate in _candidates(path):
            try:
                lib = ctypes.CDLL(candidate)
            except OSError as e:
                errors.append("%s: %s" % (candidate, e))
                continue
            for name, (restype, argtypes) in _FUNCTIONS.items():
                fn = getattr(lib, name)
                fn.restype = restype
                fn.argtypes = argtypes
            _lib = lib
            return lib
        raise OSError("cannot load librelease (set LIBRELEASE_PATH): " + "; ".join(errors))


def _library():
    return _lib if _lib is not None else load()


def version():
    """The version of the loaded library, e.g. "1.2.0"."""
    return _dec(_library().release_version_string())


def app_name_valid(name):
    """True if name is a valid app name (1-63 of a-z, 0-9, -, not starting or
    ending with -)."""
    try:
        name_b = _enc(name, "app name")
    except Invalid:  # a NUL or a lone surrogate: no valid name has either
        return False
    return bool(_library().release_app_name_valid(name_b))


# -------------------------------------------------------------- conversions

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_INT64_MAX = 2 ** 63 - 1


def _dec(raw):
    """A C string (bytes from a c_char_p, already copied) as str; None stays."""
    return None if raw is None else raw.decode("utf-8", "surrogateescape")


def _enc(value, what):
    """A str as a NUL-terminated UTF-8 C string.

    Only str: the library's strings are UTF-8 text, which bytes need not be.
    A lone surrogate (such as os.fsdecode makes of an undecodable byte) has
    no UTF-8 form and is refused rather than stored as invalid UTF-8.
    """
    if not isinstance(value, str):
        raise TypeError("%s must be str, not %s" % (what, type(value).__name__))
    if "\0" in value:
        raise _error(RELEASE_EINVAL, "%s contains a NUL character" % what)
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise _error(RELEASE_EINVAL, "%s is not valid Unicode: lone surrogate %s at index %d"
                     % (what, ascii(value[e.start]), e.start)) from None


def _enc_opt(value, what):
    """As _enc, with None as NULL (the library's default)."""
    return None if value is None else _enc(value, what)


def _enc_uri(uri):
    """A store URI (str or bytes; a "file:" path is a file name, which may
    be any bytes, so str is encoded as os.fsencode does)."""
    if isinstance(uri, str):
        uri = os.fsencode(uri)
    elif not isinstance(uri, bytes):
        raise TypeError("uri must be str, bytes or os.PathLike, not %s" % type(uri).__name__)
    if b"\0" in uri:
        raise _error(RELEASE_EINVAL, "uri contains a NUL character")
    return uri


# Ranges of the C integer types. ctypes converts an int out of range by
# wrapping it silently (2**64 + 1 becomes 1), so every int is checked here.
_SIZE_MAX = (1 << (8 * ctypes.sizeof(ctypes.c_size_t))) - 1
_U64_MAX = (1 << 64) - 1
_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1
_INT_MAX = (1 << (8 * ctypes.sizeof(ctypes.c_int) - 1)) - 1
_INT_MIN = -_INT_MAX - 1


def _shown(n):
    """An int for a message: its digits, or its size when it is huge."""
    return str(n) if n.bit_length() <= 128 else "a %d-bit number" % n.bit_length()


def _integer(value, what, lo, hi):
    """value as an int in [lo, hi] for a C integer. Anything with
    __index__ is an int; bool is not (True is no count, version or status)."""
    if isinstance(value, bool):
        raise TypeError("%s must be an int, not bool" % what)
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError("%s must be an int, not %s" % (what, type(value).__name__)) from None
    if not lo <= value <= hi:
        raise _error(RELEASE_EINVAL, "%s must be from %d to %d, not %s"
                     % (what, lo, hi, _shown(value)))
    return value


def _quoted(text):
    """A str for a message: quoted, escaped, and cut short when long."""
    return ascii(text) if len(text) <= 64 else ascii(text[:64]) + "..."


def _flag(value, what):
    """A yes/no option: only a bool, so that force="no" does not force."""
    if not isinstance(value, bool):
        raise TypeError("%s must be True or False, not %s" % (what, type(value).__name__))
    return value


def _callable(fn, what):
    if not callable(fn):
        raise TypeError("%s must be callable, not %s" % (what, type(fn).__name__))
    return fn


def _to_datetime(ns):
    return _EPOCH + datetime.timedelta(microseconds=ns // 1000)


def _maybe_datetime(ns):
    return None if ns == 0 else _to_datetime(ns)


def _to_ns(value, what):
    """A datetime (aware) or a number of nanoseconds as int nanoseconds."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise ValueError("%s must be a timezone-aware datetime" % what)
        value = (value - _EPOCH) // datetime.timedelta(microseconds=1) * 1000
    elif isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be int nanoseconds or a datetime, not %s"
                        % (what, type(value).__name__))
    return _integer(value, what, _I64_MIN, _I64_MAX)


def _seconds_to_ns(value, what, lo):
    """Seconds (an int, a finite float or a timedelta) as int nanoseconds,
    at least lo and within int64_t."""
    if isinstance(value, datetime.timedelta):
        ns = value // datetime.timedelta(microseconds=1) * 1000
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _error(RELEASE_EINVAL, "%s must be a finite number of seconds" % what)
        scaled = value * 1e9
        ns = round(scaled) if math.isfinite(scaled) else _I64_MAX + 1
    elif isinstance(value, bool):
        raise TypeError("%s must be seconds or a timedelta, not bool" % what)
    else:
        try:
            ns = operator.index(value) * 10**9
        except TypeError:
            raise TypeError("%s must be seconds or a timedelta, not %s"
                            % (what, type(value).__name__)) from None
    if not lo <= ns <= _I64_MAX:
        raise _error(RELEASE_EINVAL, "%s must be %s and at most %d.%09d seconds"
                     % (what, "positive" if lo > 0 else "zero or more",
                        _I64_MAX // 10**9, _I64_MAX % 10**9))
    return ns


def _new_opts(struct, init):
    """An options struct filled by its _init_sized function, told our size.

    The library writes defaults only into the bytes we say we have and
    records the smaller of the two sizes, so it reads only the fields this
    module knows.
    """
    opts = struct()
    init(ctypes.byref(opts), ctypes.sizeof(struct))
    if opts.size == 0 or opts.size > ctypes.sizeof(struct):
        raise _error(RELEASE_EUNSUPPORTED, "%s_init set an unexpected size %d"
                     % (struct.__name__, opts.size))
    return opts


BUILD_STATUSES = ("created", "running", "complete", "failed")


def _build_status(value):
    if isinstance(value, str):
        try:
            return BUILD_STATUSES.index(value)
        except ValueError:
            raise _error(RELEASE_EINVAL, "unknown build status %s (want one of %s)"
                         % (_quoted(value), ", ".join(BUILD_STATUSES))) from None
    return _integer(value, "build status", _INT_MIN, _INT_MAX)


def _id_of(value, what):
    """An id given as a str or as a Release/Build (its .id)."""
    if isinstance(value, (Release, Build)):
        return value.id
    return value


# ------------------------------------------------------------ value objects

@dataclass(frozen=True)
class App:
    """An app as read: its active and previous release ids and its lease."""
    name: str
    created: datetime.datetime
    active: str = None          # active release id, None before the first promotion
    previous: str = None        # the release active before it, or None
    status: str = "running"     # "running" or "updating" (a live promotion lease)
    lease_owner: str = None     # the live lease's owner label, None when running
    # when an expiring lease ends; None when running, and for a hold, which
    # lasts as long as its holder (the file store, PostgreSQL)
    lease_expires: datetime.datetime = None
    lease_started: datetime.datetime = None  # when the running promotion began
    created_ns: int = field(default=0, repr=False)
    lease_expires_ns: int = field(default=0, repr=False)

    @classmethod
    def _from_c(cls, lib, p):
        created = lib.release_app_created(p)
        expires = lib.release_app_lease_expires(p)
        started = lib.release_app_lease_started(p)
        return cls(
            name=_dec(lib.release_app_name(p)),
            created=_to_datetime(created),
            active=_dec(lib.release_app_active(p)),
            previous=_dec(lib.release_app_previous(p)),
            status=_dec(lib.release_app_status_name(lib.release_app_status(p))),
            lease_owner=_dec(lib.release_app_lease_owner(p)),
            lease_expires=None if expires == _INT64_MAX else _maybe_datetime(expires),
            lease_started=_maybe_datetime(started),
            created_ns=created,
            lease_expires_ns=expires,
        )


@dataclass(frozen=True)
class Build:
    """A build as read. status is "created", "running", "complete" or "failed"."""
    id: str
    app: str
    description: str
    manifest: str
    status: str
    started: datetime.datetime
    ended: datetime.datetime = None  # None while not ended
    release: str = None              # id of the release made from it, or None
    started_ns: int = field(default=0, repr=False)
    ended_ns: int = field(default=0, repr=False)

    @classmethod
    def _from_c(cls, lib, p):
        started = lib.release_build_started(p)
        ended = lib.release_build_ended(p)
        code = lib.release_build_status(p)
        status = _dec(lib.release_build_status_name(code))
        return cls(
            id=_dec(lib.release_build_id(p)),
            app=_dec(lib.release_build_app(p)),
            description=_dec(lib.release_build_description(p)),
            manifest=_dec(lib.release_build_manifest(p)),
            status=status if status is not None else str(code),
            started=_to_datetime(started),
            ended=_maybe_datetime(ended),
            release=_dec(lib.release_build_release(p)),
            started_ns=started,
            ended_ns=ended,
        )


@dataclass(frozen=True)
class Release:
    """A release as read: immutable except for its promotion record, so this
    copy says what was true when it was read (active in particular)."""
    id: str
    app: str
    version: int
    build: str                  # build id, None for env changes before any build
    manifest: str
    description: str
    created: datetime.datetime
    source: str = None          # the release a rollback copied, or None
    promoted: datetime.datetime = None  # when it last became active, or None
    failed: datetime.datetime = None    # when its promotion last failed, or None
    active: bool = False        # the app's active release when read
    env: dict = field(default_factory=dict)  # KEY -> value
    created_ns: int = field(default=0, repr=False)
    promoted_ns: int = field(default=0, repr=False)
    failed_ns: int = field(default=0, repr=False)

    def __hash__(self):
        return hash((self.app, self.id))

    @property
    def env_pairs(self):
        """The env as sorted "KEY=VALUE" strings."""
        return ["%s=%s" % kv for kv in sorted(self.env.items())]

    @classmethod
    def _from_c(cls, lib, p):
        created = lib.release_created(p)
        promoted = lib.release_promoted(p)
        failed = lib.release_failed(p)
        env = {}
        for i in range(lib.release_env_count(p)):
            env[_dec(lib.release_env_key(p, i))] = _dec(lib.release_env_value(p, i))
        return cls(
            id=_dec(lib.release_id(p)),
            app=_dec(lib.release_app_of(p)),
            version=lib.release_version(p),
            build=_dec(lib.release_build_of(p)),
            manifest=_dec(lib.release_manifest(p)),
            description=_dec(lib.release_description(p)),
            created=_to_datetime(created),
            source=_dec(lib.release_source(p)),
            promoted=_maybe_datetime(promoted),
            failed=_maybe_datetime(failed),
            active=bool(lib.release_is_active(p)),
            env=env,
            created_ns=created,
            promoted_ns=promoted,
            failed_ns=failed,
        )


# ------------------------------------------------------------------- store

class _Deferred:
    """The first exception raised inside a callback, kept until the C call
    returns: an exception must never unwind through C frames."""

    __slots__ = ("exc",)

    def __init__(self):
        self.exc = None

    def keep(self, exc):
        if self.exc is None:
            self.exc = exc

    def take(self):
        exc, self.exc = self.exc, None
        return exc


def _raise_outcome(rc, message, deferred):
    """Raises for a C call's outcome: the callback's exception (with the
    library's error as the consequence) or the library's error."""
    if deferred is not None:
        if rc < 0 and isinstance(deferred, Exception):
            raise _error(rc, message) from deferred
        raise deferred
    if rc < 0:
        raise _error(rc, message)


class Store:
    """An open librelease store; a context manager that closes it.

    uri            "memory:" (private, gone at close), "file:PATH" (the durable
                   file store in directory PATH, created when absent) or
                   "file:" (the default file store, $XDG_DATA_HOME/librelease,
                   else ~/.local/share/librelease). An os.PathLike opens
                   the file store in that directory.
    clock          None (the system's UTC clock) or a callable returning the
                   current time as int nanoseconds or an aware datetime
    random         None (getrandom) or a callable random(n) -> n bytes, or an
                   object with randbytes(n) such as random.Random(seed); used
                   for ids and lease tokens
    lease_seconds  promotion lease length in seconds or a timedelta (None:
                   the library's default, 10 minutes)

    Open failures raise ReleaseError with release_store_errmsg(NULL).
    """

    def __init__(self, uri="file:", *, clock=None, random=None, lease_seconds=None):
        lib = _library()
        self._handle = None
        self._cursors = weakref.WeakSet()
        self._lock = threading.RLock()
        self._in_call = False
        self._deferred = _Deferred()
        self._callbacks = []  # ctypes thunks the C store points to: kept until close
        if isinstance(uri, os.PathLike):
            uri = "file:" + os.fsdecode(uri)
        self.uri = uri
        uri_b = _enc_uri(uri)
        opts = _new_opts(_StoreOpts, lib.release_store_opts_init_sized)
        if clock is not None:
            opts.clock = self._keep(_CLOCK_FN(_clock_thunk(clock, self._deferred)))
        if random is not None:
            opts.random = self._keep(_RANDOM_FN(_random_thunk(random, self._deferred)))
        if lease_seconds is not None:
            # 0 would mean the library's default: None says that.
            opts.lease_ns = _seconds_to_ns(lease_seconds, "lease_seconds", 1)
        handle = _STORE()
        rc = lib.release_store_open(ctypes.byref(handle), uri_b, opts)
        deferred = self._deferred.take()
        if rc < 0 or deferred is not None:
            message = _dec(lib.release_store_errmsg(None))
            if handle:
                lib.release_store_close(handle)
            _raise_outcome(rc if rc < 0 else RELEASE_EINVAL, message, deferred)
        self._handle = handle
        _live["release_store"] += 1

    def _keep(self, thunk):
        self._callbacks.append(thunk)
        return thunk

    # -- life cycle

    def close(self):
        """Frees open iterators, then closes the store. Idempotent."""
        with self._lock:
            if self._in_call:
                raise RuntimeError("a Store cannot be closed from its own callback")
            if self._handle is None:
                return
            for cursor in list(self._cursors):
                cursor.close()
            _library().release_store_close(self._handle)
            _live["release_store"] -= 1
            self._handle = None
            self._callbacks = []

    @property
    def closed(self):
        return self._handle is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            if getattr(self, "_handle", None) is not None:
                self.close()
        except Exception:  # interpreter shutdown: nothing useful to do
            pass

    def __repr__(self):
        return "<librelease.Store %r%s>" % (self.uri, " closed" if self.closed else "")

    # -- calling C

    @contextlib.contextmanager
    def _calling(self):
        """Holds the store for one C call: serialises threads, refuses use
        from inside the store's own callbacks and after close."""
        with self._lock:
            if self._in_call:
                raise RuntimeError("a Store cannot be used from its own callback "
                                   "(deploy, on_event, clock, random); open another Store")
            if self._handle is None:
                raise ValueError("operation on a closed Store")
            self._in_call = True
            try:
                yield _library()
            finally:
                self._in_call = False

    def _check(self, lib, rc):
        """Raises for rc < 0 or for an exception a callback left behind."""
        deferred = self._deferred.take()
        if rc < 0 or deferred is not None:
            _raise_outcome(rc, _dec(lib.release_store_errmsg(self._handle)), deferred)

    def _get(self, fn, ptr_type, convert, free, *args):
        """Calls fn(store, *args, &out), copies *out and frees it."""
        out = ptr_type()
        with self._calling() as lib:
            rc = fn(lib)(self._handle, *args, ctypes.byref(out))
            if out:
                _live[free] += 1
            try:
                self._check(lib, rc)
                return convert(lib, out) if out else None
            finally:
                if out:
                    getattr(lib, free)(out)
                    _live[free] -= 1

    def _get_release(self, fn, *args):
        return self._get(fn, _RELEASE, Release._from_c, "release_free", *args)

    def _get_build(self, fn, *args):
        return self._get(fn, _BUILD, Build._from_c, "release_build_free", *args)

    def _get_app(self, fn, *args):
        return self._get(fn, _APP, App._from_c, "release_app_free", *args)

    # -- apps

    def apps(self):
        """All apps, in name order, as a list of App. Apps that cannot be read
        are skipped: Corrupt is raised once the others are read, with them
        in its .items and its .skipped naming each skipped app."""
        with self._cursor(lambda lib, out: lib.release_app_list(self._handle, out),
                          _APP_ITER, "release_app_iter_next", "release_app_iter_free",
                          _APP, App._from_c) as cursor:
            apps = []
            try:
                for app in cursor:
                    apps.append(app)
            except Corrupt as e:
                e.items = apps
                raise
            return apps

    def create_app(self, name):
        """Creates an app; Exists if it exists. Returns the App."""
        return self._get_app(lambda lib: lib.release_app_create, _enc(name, "app name"))

    def app(self, name):
        """Reads an app (NotFound if there is none)."""
        return self._get_app(lambda lib: lib.release_app_get, _enc(name, "app name"))

    def delete_app(self, name):
        """Deletes an app with its builds and releases."""
        with self._calling() as lib:
            self._check(lib, lib.release_app_delete(self._handle, _enc(name, "app name")))

    # -- builds

    def create_build(self, app, description="", manifest="", status="complete"):
        """Creates a build (status "created", "running", "complete" or
        "failed"); only a complete build can be released. Returns the Build."""
        lib = _library()
        opts = _new_opts(_BuildOpts, lib.release_build_opts_init_sized)
        opts.description = _enc(description, "description")
        opts.manifest = _enc(manifest, "manifest")
        opts.status = _build_status(status)
        app_b = _enc(app, "app name")
        return self._get_build(lambda lib: lib.release_build_create, app_b, ctypes.byref(opts))

    def set_build_status(self, app, build_id, status):
        """Moves a build to another status; complete and failed are final."""
        return self._get_build(lambda lib: lib.release_build_set_status,
                               _enc(app, "app name"), _enc(_id_of(build_id, "build"), "build id"),
                               _build_status(status))

    def build(self, app, build_id):
        """Reads a build by id."""
        return self._get_build(lambda lib: lib.release_build_get, _enc(app, "app name"),
                               _enc(_id_of(build_id, "build"), "build id"))

    def builds(self, app, limit=None):
        """A lazy Cursor over the app's builds, newest first."""
        app_b = _enc(app, "app name")
        n = _limit(limit)
        return self._cursor(lambda lib, out: lib.release_build_list(self._handle, app_b, n, out),
                            _BUILD_ITER, "release_build_iter_next", "release_build_iter_free",
                            _BUILD, Build._from_c)

    # -- releases

    def create_release(self, app, build_id):
        """Makes a release from a complete build (not promoted)."""
        return self._get_release(lambda lib: lib.release_create, _enc(app, "app name"),
                                 _enc(_id_of(build_id, "build"), "build id"))

    def env_set(self, app, env):
        """Makes a release from the newest one with env changed; env is a
        mapping or an iterable of "KEY=VALUE" strings. Returns the new
        Release, or None when nothing changed."""
        if isinstance(env, collections.abc.Mapping):
            pairs = [_env_pair(k, v) for k, v in env.items()]
        else:
            pairs = _strings(env, "env", "a mapping, a \"KEY=VALUE\" str or an iterable of them")
        return self._env_change(lambda lib: lib.release_env_set, app, pairs, "env pair")

    def env_unset(self, app, keys):
        """As env_set, removing keys (a str or an iterable; absent keys are
        ignored). Returns the new Release, or None when nothing changed."""
        keys = _strings(keys, "keys", "a str or an iterable of str")
        return self._env_change(lambda lib: lib.release_env_unset, app, keys, "env key")

    def _env_change(self, fn, app, items, what):
        encoded = [_enc(s, what) for s in items]
        app_b = _enc(app, "app name")
        array = (_c_str * max(len(encoded), 1))(*encoded)
        return self._get_release(fn, app_b, array, len(encoded))

    def release(self, app, release_id):
        """Reads a release by id (another app's id is NotFound)."""
        return self._get_release(lambda lib: lib.release_get, _enc(app, "app name"),
                                 _enc(_id_of(release_id, "release"), "release id"))

    def release_version(self, app, version):
        """Reads a release by version (1, 2, 3 ...)."""
        return self._get_release(lambda lib: lib.release_get_version, _enc(app, "app name"),
                                 _integer(version, "version", 1, _U64_MAX))

    def get_active(self, app):
        """Reads the app's active Release (its .active is True) in one call:
        one consistent answer even while other stores promote, roll back,
        prune or delete the app. NotFound when the app has no active
        release ("app 'x' has no active release") or does not exist;
        Conflict when writes kept landing between the library's reads."""
        return self._get_release(lambda lib: lib.release_get_active, _enc(app, "app name"))

    def releases(self, app, limit=None, before=None):
        """A lazy Cursor over the app's releases, newest (highest version)
        first: at most limit of them (None: all), only versions below before
        (a version, or a Release) when given. Pages are read as iteration
        goes, so stopping early costs only what was read; to page, pass the
        last version seen as the next call's before."""
        lib = _library()
        opts = _new_opts(_ListOpts, lib.release_list_opts_init_sized)
        opts.limit = _limit(limit)
        if isinstance(before, Release):
            before = before.version
        # 0 would mean "from the newest": below version 0 there is nothing.
        opts.before = 0 if before is None else _integer(before, "before", 1, _U64_MAX)
        app_b = _enc(app, "app name")
        return self._cursor(
            lambda lib, out: lib.release_list(self._handle, app_b, ctypes.byref(opts), out),
            _ITER, "release_iter_next", "release_iter_free", _RELEASE, Release._from_c)

    def _cursor(self, start, iter_type, next_name, free_name, item_type, convert):
        handle = iter_type()
        with self._calling() as lib:
            rc = start(lib, ctypes.byref(handle))
            if handle:
                _live[free_name] += 1
            try:
                self._check(lib, rc)
            except BaseException:
                if handle:
                    getattr(lib, free_name)(handle)
                    _live[free_name] -= 1
                raise
            cursor = Cursor(self, handle, next_name, free_name, item_type, convert)
            self._cursors.add(cursor)
            return cursor

    # -- promotion

    def promote(self, app, release_id, deploy=None, on_event=None, force=False,
                owner=None, wait=None):
        """Makes a release active. See README.md for deploy and on_event.

        force  take a live lease and allow an older release
        owner  the lease owner label (default "pid:<pid>")
        wait   seconds (or a timedelta) to wait for a busy app; None: Busy at once

        Raises Older, Busy, DeployFailed (the previous release stays active
        and this one is marked failed), Conflict ...
        """
        opts, keep = self._promote_opts(deploy, on_event, force, owner, wait)
        app_b = _enc(app, "app name")
        id_b = _enc(_id_of(release_id, "release"), "release id")
        with self._calling() as lib:
            self._check(lib, lib.release_promote(self._handle, app_b, id_b, opts))
        del keep

    def rollback(self, app, target=None, deploy=None, on_event=None, force=False,
                 owner=None, wait=None):
        """Writes a copy of target (a release id or Release; None: the release
        active before the current one) and promotes it as promote() does.
        Returns the new, active Release. When the promotion fails the copy
        stays, marked failed (its id is in the error's message)."""
        opts, keep = self._promote_opts(deploy, on_event, force, owner, wait)
        result = self._get_release(lambda lib: lib.release_rollback, _enc(app, "app name"),
                                   _enc_opt(_id_of(target, "release"), "release id"), opts)
        del keep
        return result

    def _promote_opts(self, deploy, on_event, force, owner, wait):
        lib = _library()
        opts = _new_opts(_PromoteOpts, lib.release_promote_opts_init_sized)
        keep = []  # the thunks live until the C call has returned
        if _flag(force, "force"):
            opts.flags |= RELEASE_PROMOTE_FORCE
        opts.owner = _enc_opt(owner, "owner")
        if wait is not None:
            opts.wait_ns = _seconds_to_ns(wait, "wait", 0)
        if on_event is not None:
            thunk = _EVENT_FN(_event_thunk(_callable(on_event, "on_event"), self._deferred))
            opts.on_event = thunk
            keep.append(thunk)
        if deploy is not None:
            thunk = _DEPLOY_FN(_deploy_thunk(_callable(deploy, "deploy"), self._deferred))
            opts.deploy = thunk
            keep.append(thunk)
        return ctypes.byref(opts), (opts, keep)

    # -- history

    def prune(self, app, keep):
        """Deletes releases older than the active one beyond the keep newest
        of them (never the active, a newer, or the previously active one)
        with the builds only they used. Returns how many were deleted."""
        keep = _integer(keep, "keep", 0, _SIZE_MAX)
        app_b = _enc(app, "app name")
        removed = _c_size(0)
        with self._calling() as lib:
            rc = lib.release_prune(self._handle, app_b, keep, ctypes.byref(removed))
            self._check(lib, rc)
        return removed.value


def _limit(limit):
    """None (no limit) or a count; 0 would mean no limit to the library."""
    return 0 if limit is None else _integer(limit, "limit", 1, _SIZE_MAX)


def _strings(items, what, want):
    """One str, or an iterable of them, as a list (items are checked by _enc)."""
    if isinstance(items, str):
        return [items]
    if isinstance(items, (bytes, bytearray)) or not isinstance(items, collections.abc.Iterable):
        raise TypeError("%s must be %s, not %s" % (what, want, type(items).__name__))
    return list(items)


def _env_pair(key, value):
    """A mapping's item as "KEY=VALUE". The library judges the key, but an
    '=' in it would move the split silently, so it is refused here; None is
    no value (env_unset removes a key)."""
    if not isinstance(key, str):
        raise TypeError("env key must be str, not %s" % type(key).__name__)
    if not isinstance(value, str):
        raise TypeError("env value of %s must be str, not %s%s"
                        % (_quoted(key), type(value).__name__,
                           " (env_unset removes a key)" if value is None else ""))
    if "=" in key:
        raise _error(RELEASE_EINVAL, "env key %s contains '='" % _quoted(key))
    _enc(key, "env key")
    _enc(value, "env value of %s" % _quoted(key))
    return key + "=" + value


class Cursor:
    """A lazy iterator over releases or builds, newest first.

    It owns a C iterator, freed when the iteration ends, on close(), at the
    end of a ``with`` block, when the Cursor is garbage-collected, or when its
    Store closes (after which iterating yields nothing more). Each item is
    copied out before the C iterator advances.

    An item that cannot be read (RELEASE_ECORRUPT) is skipped and the
    iteration goes on with the next one; after the last item, Corrupt is
    raised naming every skipped one (its .skipped), then the Cursor is
    exhausted. Any other error while reading raises at once; the same step
    may then be tried again.
    """

    def __init__(self, store, handle, next_name, free_name, item_type, convert):
        self._store = store
        self._handle = handle
        self._next_name = next_name
        self._free_name = free_name
        self._item_type = item_type
        self._convert = convert
        self._skipped = []

    @property
    def skipped(self):
        """The messages of the items skipped so far, each naming its item."""
        return list(self._skipped)

    def __iter__(self):
        return self

    def __next__(self):
        if self._handle is None:
            raise StopIteration
        store = self._store
        item = self._item_type()
        with store._calling() as lib:
            while True:
                rc = getattr(lib, self._next_name)(self._handle, ctypes.byref(item))
                if rc == RELEASE_ITEROVER:
                    self._free(lib)
                    store._check(lib, 0)
                    if self._skipped:
                        raise self._damage()
                    raise StopIteration
                if rc == RELEASE_ECORRUPT and store._deferred.exc is None:
                    # That one item; the next step goes on past it.
                    self._skipped.append(_dec(lib.release_store_errmsg(store._handle)))
                    continue
                store._check(lib, rc)
                return self._convert(lib, item)  # borrowed until the next call: copy now

    def _damage(self):
        """The Corrupt raised at the end for the skipped items."""
        n = len(self._skipped)
        if n == 1:
            message = self._skipped[0]
        else:
            message = "%d items could not be read: %s" % (n, "; ".join(self._skipped))
        err = _error(RELEASE_ECORRUPT, message)
        err.skipped = list(self._skipped)
        return err

    def close(self):
        """Frees the C iterator now. Idempotent."""
        if self._handle is not None:
            with self._store._lock:
                self._free(_library())

    def _free(self, lib):
        if self._handle is not None:
            getattr(lib, self._free_name)(self._handle)
            _live[self._free_name] -= 1
            self._handle = None
            self._store._cursors.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass


# --------------------------------------------------------------- callbacks
#
# Each thunk catches everything (BaseException included): an exception must
# not cross the C frames. It is kept in the store's _Deferred and raised once
# the C call has returned.

def _clock_thunk(clock, deferred):
    _callable(clock, "clock")

    def thunk(_payload):
        try:
            return _to_ns(clock(), "clock()")
        except BaseException as e:  # noqa: B902 - re-raised after the C call
            deferred.keep(e)
            return 0
    return thunk


def _random_thunk(random, deferred):
    source = _callable(getattr(random, "randbytes", random), "random (or its randbytes)")

    def thunk(_payload, buf, n):
        try:
            data = source(n)
            if not isinstance(data, (bytes, bytearray)) or len(data) != n:
                raise ValueError("random(%d) must return %d bytes" % (n, n))
            ctypes.memmove(buf, bytes(data), n)
            return 0
        except BaseException as e:  # noqa: B902
            deferred.keep(e)
            return RELEASE_EIO
    return thunk


def _event_thunk(on_event, deferred):
    def thunk(_payload, time_ns, source, message):
        try:
            on_event(_to_datetime(time_ns), _dec(source), _dec(message))
        except BaseException as e:  # noqa: B902
            deferred.keep(e)
    return thunk


def _deploy_thunk(deploy, deferred):
    def thunk(_payload, release_p, events):
        live = True

        def emit(source, message):
            """Reports a promotion event (valid only during the deploy call)."""
            if not live:
                raise RuntimeError("emit() used after its deployment returned")
            rc = _library().release_events_emit(events, _enc(source, "event source"),
                                                _enc(message, "event message"))
            if rc < 0:
                raise _error(rc)

        def keepalive():
            """Keeps an expiring lease alive during a long deployment (a hold
            needs nothing: it lasts as long as this process)."""
            if not live:
                raise RuntimeError("keepalive() used after its deployment returned")
            rc = _library().release_events_keepalive(events)
            if rc < 0:
                raise _error(rc)

        emit.keepalive = keepalive
        try:
            if deferred.exc is not None:  # an earlier callback failed: do not deploy
                return 1
            result = deploy(Release._from_c(_library(), release_p), emit)
            if deferred.exc is not None:  # on_event raised during the deployment
                return 1
            if result is None or result is True:
                return 0
            if result is False:
                return 1
            if inspect.iscoroutine(result):
                result.close()  # never awaited: say so here, not in a warning at exit
                raise TypeError("deploy() returned a coroutine: it is called synchronously, "
                                "so run async work to completion inside it")
            raise TypeError("deploy() must return True, False or None, not %s"
                            % type(result).__name__)
        except BaseException as e:  # noqa: B902
            deferred.keep(e)
            return 1
        finally:
            live = False
    return thunk
