"""The C side: librelease's types and functions as ctypes declares them,
and the loading of the shared library."""

import collections
import ctypes
import ctypes.util
import os
import re
import threading
import weakref

from ._convert import _dec
from ._errors import RELEASE_EUNSUPPORTED, LibraryNotLoaded, LibraryTooOld

SONAME = "librelease.so.1"


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


class _CSettings(_Opaque):
    pass


class _CDeploy(_Opaque):  # 1.4
    pass


class _CDeployIter(_Opaque):  # 1.4
    pass


class _CDiff(_Opaque):  # 1.4
    pass


class _CWatch(_Opaque):  # 1.4
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
_SETTINGS = _P(_CSettings)
_DEPLOY = _P(_CDeploy)
_DEPLOY_ITER = _P(_CDeployIter)
_DIFF = _P(_CDiff)
_WATCH = _P(_CWatch)

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
# int (*progress)(void *payload, const char *app, uint64_t records);  (1.4)
_PROGRESS_FN = ctypes.CFUNCTYPE(_c_int, _c_void, _c_str, _c_u64)


class _StoreOpts(ctypes.Structure):
    _fields_ = [
        ("size", _c_size),
        ("clock", _CLOCK_FN),
        ("clock_payload", _c_void),
        ("random", _RANDOM_FN),
        ("random_payload", _c_void),
        ("lease_ns", _c_i64),
        # Since 1.4: an older library records a size that ends before it.
        ("actor", _c_str),
    ]


class _BuildOpts(ctypes.Structure):
    _fields_ = [
        ("size", _c_size),
        ("description", _c_str),
        ("manifest", _c_str),
        ("status", _c_int),
        # Since 1.3: an older library records a size that ends before them.
        ("log", _c_void),
        ("log_len", _c_size),
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
RELEASE_PROMOTE_IF_PENDING = 2  # since 1.5


class _CreateOpts(ctypes.Structure):  # 1.3
    _fields_ = [
        ("size", _c_size),
        ("build_from", _c_str),
        ("env_from", _c_str),
    ]


class _EnvOpts(ctypes.Structure):  # 1.3
    _fields_ = [
        ("size", _c_size),
        ("base", _c_str),
        ("flags", _c_uint),
        ("set", _P(_c_str)),
        ("set_n", _c_size),
        ("unset", _P(_c_str)),
        ("unset_n", _c_size),
    ]


RELEASE_ENV_REPLACE = 1


class _SettingsOpts(ctypes.Structure):  # 1.3
    _fields_ = [
        ("size", _c_size),
        ("mask_add", _P(_c_str)),
        ("mask_add_n", _c_size),
        ("mask_remove", _P(_c_str)),
        ("mask_remove_n", _c_size),
        ("hook", _c_str),
        ("clear_hook", _c_int),
        ("revision", _c_u64),
        # The library refuses a struct that ends before flags (EINVAL).
        ("flags", _c_uint),
    ]


RELEASE_SETTINGS_RESET = 1


class _CopyOpts(ctypes.Structure):  # 1.4
    _fields_ = [
        ("size", _c_size),
        ("app", _c_str),
        ("flags", ctypes.c_uint),
        ("progress", _PROGRESS_FN),
        ("progress_payload", _c_void),
    ]


RELEASE_DEPLOY_PROMOTE = 0
RELEASE_DEPLOY_ROLLBACK = 1
RELEASE_DIFF_REVEAL = 1

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

# Functions of later versions than _FUNCTIONS': name -> (restype, argtypes,
# the version that added it). They are looked up on first use (_since), so
# that an older library still loads and all it has works; a call that needs
# one of them raises LibraryTooOld. Bytes that may hold NULs (logs, exports)
# come back as void pointers with a length, never as c_char_p.
_NEWER_FUNCTIONS = {
    "release_create_opts_init_sized": (None, [_P(_CreateOpts), _c_size], "1.3"),
    "release_create_from": (_c_int, [_STORE, _c_str, _P(_CreateOpts), _P(_RELEASE)], "1.3"),
    "release_env_opts_init_sized": (None, [_P(_EnvOpts), _c_size], "1.3"),
    "release_env_change": (_c_int, [_STORE, _c_str, _P(_EnvOpts), _P(_RELEASE)], "1.3"),
    "release_settings_get": (_c_int, [_STORE, _c_str, _P(_SETTINGS)], "1.3"),
    "release_settings_revision": (_c_u64, [_SETTINGS], "1.3"),
    "release_settings_mask_count": (_c_size, [_SETTINGS], "1.3"),
    "release_settings_mask_key": (_c_str, [_SETTINGS, _c_size], "1.3"),
    "release_settings_masked": (_c_int, [_SETTINGS, _c_str], "1.3"),
    "release_settings_hook": (_c_str, [_SETTINGS], "1.3"),
    "release_settings_free": (None, [_SETTINGS], "1.3"),
    "release_settings_opts_init_sized": (None, [_P(_SettingsOpts), _c_size], "1.3"),
    "release_settings_update": (_c_int, [_STORE, _c_str, _P(_SettingsOpts), _P(_SETTINGS)],
                                "1.3"),
    "release_build_log": (_c_void, [_BUILD, _P(_c_size)], "1.3"),
    "release_build_log_append": (_c_int, [_STORE, _c_str, _c_str, _c_void, _c_size,
                                          _P(_BUILD)], "1.3"),
    "release_build_export": (_c_int, [_BUILD, _P(_c_size), _P(_c_void)], "1.3"),
    "release_export_free": (None, [_c_void], "1.3"),
    "release_build_import": (_c_int, [_STORE, _c_str, _c_void, _c_size, _P(_BUILD)], "1.3"),
    "release_build_complete": (_c_int, [_STORE, _c_str, _c_str, _P(_RELEASE)], "1.3"),
    "release_rollback_copy": (_c_int, [_STORE, _c_str, _c_str, _P(_PromoteOpts),
                                       _P(_RELEASE)], "1.3"),
    # actors
    "release_store_set_actor": (_c_int, [_STORE, _c_str], "1.4"),
    "release_store_actor": (_c_str, [_STORE], "1.4"),
    "release_actor": (_c_str, [_RELEASE], "1.4"),
    "release_build_actor": (_c_str, [_BUILD], "1.4"),
    "release_app_actor": (_c_str, [_APP], "1.4"),
    "release_settings_actor": (_c_str, [_SETTINGS], "1.4"),
    # the deployment log
    "release_deploy_list": (_c_int, [_STORE, _c_str, _P(_ListOpts), _P(_DEPLOY_ITER)], "1.4"),
    "release_deploy_iter_next": (_c_int, [_DEPLOY_ITER, _P(_DEPLOY)], "1.4"),
    "release_deploy_iter_free": (None, [_DEPLOY_ITER], "1.4"),
    "release_deploy_at": (_c_int, [_STORE, _c_str, _c_i64, _P(_DEPLOY)], "1.4"),
    "release_deploy_seq": (_c_u64, [_DEPLOY], "1.4"),
    "release_deploy_kind": (_c_int, [_DEPLOY], "1.4"),
    "release_deploy_failed": (_c_int, [_DEPLOY], "1.4"),
    "release_deploy_forced": (_c_int, [_DEPLOY], "1.4"),
    "release_deploy_from": (_c_str, [_DEPLOY], "1.4"),
    "release_deploy_from_version": (_c_u64, [_DEPLOY], "1.4"),
    "release_deploy_to": (_c_str, [_DEPLOY], "1.4"),
    "release_deploy_to_version": (_c_u64, [_DEPLOY], "1.4"),
    "release_deploy_target": (_c_str, [_DEPLOY], "1.4"),
    "release_deploy_actor": (_c_str, [_DEPLOY], "1.4"),
    "release_deploy_started": (_c_i64, [_DEPLOY], "1.4"),
    "release_deploy_ended": (_c_i64, [_DEPLOY], "1.4"),
    "release_deploy_until": (_c_i64, [_DEPLOY], "1.4"),
    "release_deploy_free": (None, [_DEPLOY], "1.4"),
    # diffs
    "release_diff_get": (_c_int, [_STORE, _c_str, _c_str, _c_str, _c_uint, _P(_DIFF)], "1.4"),
    "release_diff_from": (_c_str, [_DIFF], "1.4"),
    "release_diff_to": (_c_str, [_DIFF], "1.4"),
    "release_diff_env_count": (_c_size, [_DIFF], "1.4"),
    "release_diff_env_key": (_c_str, [_DIFF, _c_size], "1.4"),
    "release_diff_env_change": (_c_int, [_DIFF, _c_size], "1.4"),
    "release_diff_env_masked": (_c_int, [_DIFF, _c_size], "1.4"),
    "release_diff_env_old": (_c_str, [_DIFF, _c_size], "1.4"),
    "release_diff_env_new": (_c_str, [_DIFF, _c_size], "1.4"),
    "release_diff_build_old": (_c_str, [_DIFF], "1.4"),
    "release_diff_build_new": (_c_str, [_DIFF], "1.4"),
    "release_diff_description_changed": (_c_int, [_DIFF], "1.4"),
    "release_diff_manifest": (_c_str, [_DIFF], "1.4"),
    "release_diff_free": (None, [_DIFF], "1.4"),
    # watches
    "release_watch_open": (_c_int, [_STORE, _c_str, _P(_WATCH)], "1.4"),
    "release_watch_wait": (_c_int, [_WATCH, _c_i64], "1.4"),
    "release_watch_newest": (_c_u64, [_WATCH], "1.4"),
    "release_watch_active": (_c_str, [_WATCH], "1.4"),
    "release_watch_deploy": (_c_u64, [_WATCH], "1.4"),
    "release_watch_exists": (_c_int, [_WATCH], "1.4"),
    "release_watch_free": (None, [_WATCH], "1.4"),
    # copying a store
    "release_copy_opts_init_sized": (None, [_P(_CopyOpts), _c_size], "1.4"),
    "release_store_copy": (_c_int, [_STORE, _STORE, _P(_CopyOpts), _P(_c_u64)], "1.4"),
}

_lib = None
_lib_lock = threading.Lock()

# Live C objects made by this module, by kind: what has been allocated and
# not yet freed. Empty whenever no iterator or store is open; the tests check it.
_live = collections.Counter()


# How to get a library once nothing loaded.
_FIX = ("Install librelease (meson install -C build, then ldconfig), or set "
        "LIBRELEASE_PATH to the library's file (build/lib/librelease.so.1 in a build tree).")


def _open(path=None, environ=os.environ, cdll=ctypes.CDLL,
          find_library=ctypes.util.find_library):
    """The ctypes.CDLL of librelease, from path if given, else exactly the
    file $LIBRELEASE_PATH names if set, else the installed library: its
    soname, then what find_library("release") finds. LibraryNotLoaded when
    none loads, naming each one tried and why it failed."""
    tried = []
    if path or environ.get("LIBRELEASE_PATH"):
        given = os.fspath(path) if path else environ["LIBRELEASE_PATH"]
        # LIBRELEASE_PATH names a file: without a '/', one in the current
        # directory, not a name for the loader to look for on its path.
        name = given if path or "/" in given else "./" + given
        try:
            return _declare(cdll(name), name)
        except OSError as e:
            tried.append((name, str(e)))
            if path:
                where, fix = ("%s, given to librelease.load()" % given,
                              "Pass load() the library's file")
            else:
                where, fix = ("LIBRELEASE_PATH=%s" % given,
                              "Set LIBRELEASE_PATH to the library's file")
            raise LibraryNotLoaded(
                "cannot load librelease from %s (%s). %s (build/lib/librelease.so.1 in a "
                "build tree)%s." % (where, e, fix, "" if path else
                                    ", or unset it to load the installed librelease.so.1"),
                tried) from None
    try:
        return _declare(cdll(SONAME), SONAME)
    except LibraryNotLoaded:
        raise
    except OSError as e:
        tried.append((SONAME, str(e)))
    found = find_library("release")
    if not found:
        tried.append(('ctypes.util.find_library("release")', "found nothing"))
    elif found != SONAME:
        try:
            return _declare(cdll(found), found)
        except LibraryNotLoaded:
            raise
        except OSError as e:
            tried.append((found, str(e)))
    raise LibraryNotLoaded("cannot load librelease: tried %s. %s"
                           % (" and ".join("%s (%s)" % t for t in tried), _FIX), tried)


def _declare(lib, name):
    """lib, with the functions of librelease 1.2 declared; LibraryNotLoaded
    when lib lacks one (not librelease, or older than 1.2)."""
    for fname, (restype, argtypes) in _FUNCTIONS.items():
        try:
            fn = getattr(lib, fname)
        except AttributeError:
            raise LibraryNotLoaded("%s has no %s: this binding needs librelease 1.2 or later"
                                   % (name, fname), [(name, "no " + fname)]) from None
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


def load(path=None):
    """Loads the shared library and returns the ctypes.CDLL.

    The library is, in order: path, if given; else exactly the file
    $LIBRELEASE_PATH names, if set (without a '/', a file in the current
    directory); else the installed one, by its soname
    "librelease.so.1" (the loader's path: ldconfig's cache,
    LD_LIBRARY_PATH), then whatever ctypes.util.find_library("release")
    finds. Raises LibraryNotLoaded (an OSError) saying what was tried and
    how to fix it when none loads.
    Called implicitly by the first call that needs the library; call it
    first to choose the file. Loading a different file once one is loaded
    raises RuntimeError.
    """
    global _lib
    with _lib_lock:
        if _lib is not None:
            if path and os.path.realpath(os.fspath(path)) != os.path.realpath(_lib._name):
                raise RuntimeError("librelease is already loaded from %s" % _lib._name)
            return _lib
        _lib = _open(path)
        return _lib


def _library():
    return _lib if _lib is not None else load()


def version():
    """The version of the loaded library, e.g. "1.3.0"."""
    return _dec(_library().release_version_string())


# lib -> {name: its declared function, or None when lib lacks it}
_newer = weakref.WeakKeyDictionary()
_newer_lock = threading.Lock()


def _optional(lib, name):
    """lib's function name (one of _NEWER_FUNCTIONS), declared on first
    use; None when lib is older than that function."""
    with _newer_lock:
        known = _newer.setdefault(lib, {})
        if name not in known:
            restype, argtypes, _ = _NEWER_FUNCTIONS[name]
            try:
                fn = getattr(lib, name)
            except AttributeError:
                fn = None
            else:
                fn.restype = restype
                fn.argtypes = argtypes
            known[name] = fn
        return known[name]


def _since(lib, name):
    """lib's function name (one of _NEWER_FUNCTIONS); LibraryTooOld naming
    the version that added it when lib is older."""
    fn = _optional(lib, name)
    if fn is None:
        raise _too_old(lib, name, _NEWER_FUNCTIONS[name][2])
    return fn


# Flags of later versions than 1.2: name -> (its bit, the version that added
# it). A library before that version refuses the bit as unknown
# (RELEASE_EINVAL); _flag_since raises LibraryTooOld instead, naming it.
_NEWER_FLAGS = {
    "RELEASE_PROMOTE_IF_PENDING": (RELEASE_PROMOTE_IF_PENDING, "1.5"),
}


def _version_of(text):
    """(major, minor) of a version string such as "1.5.0"; None when it
    does not start with two numbers."""
    m = re.match(r"(\d+)\.(\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _flag_since(lib, name):
    """The bit of flag name (one of _NEWER_FLAGS); LibraryTooOld naming the
    version that added it when lib is older. A version string that does not
    read leaves the answer to the library."""
    bit, required = _NEWER_FLAGS[name]
    loaded = _version_of(_dec(lib.release_version_string()))
    if loaded is not None and loaded < _version_of(required):
        raise _too_old(lib, name, required)
    return bit


def _function(lib, name):
    """lib's function name, of whichever version: those of _NEWER_FUNCTIONS
    through _since, so that each is declared before it is called."""
    if name in _NEWER_FUNCTIONS:
        return _since(lib, name)
    return getattr(lib, name)


def _too_old(lib, what, required):
    """The LibraryTooOld for what (a function, "struct.field", or a flag's
    name) missing from lib, which version required added."""
    loaded = _dec(lib.release_version_string())
    err = LibraryTooOld(RELEASE_EUNSUPPORTED, "RELEASE_EUNSUPPORTED",
                        "%s needs librelease %s or later; the library loaded from %s is %s"
                        % (what, required, lib._name, loaded))
    err.function, err.required, err.loaded = what, required, loaded
    return err

