"""copy_store: copying apps from one store to another (librelease 1.4)."""

import contextlib
import ctypes
import os

from ._c import _PROGRESS_FN, _CopyOpts, _library, _since
from ._callbacks import _Deferred, _raise_outcome
from ._convert import _callable, _dec, _enc_opt, _new_opts
from ._store import Store


COPY_MIRROR = 1  # RELEASE_COPY_MIRROR


def copy_store(src, dst, app=None, progress=None, mirror=False):
    """Copies apps from src to dst exactly (librelease 1.4) and returns the
    number of records written or deleted in dst.

    src, dst  a Store, or a URI or os.PathLike opened for the copy (and
              closed after it)
    app       only this app; None: every app of src
    mirror    make dst's apps exactly src's, replacing and deleting what
              differs (without it, an app dst had whole before is only
              added to, and one that differs raises Conflict untouched)
    progress  None, or a callable progress(app, records) called after each
              app is copied whole, with the number of records written or
              deleted for it (0 when it was up to date; an app that could
              not be copied is not told)

    Every build, release and deployment log entry is copied with its id,
    version, times, source, failure, actor, manifest and log, and so are
    the settings and the active and previous release: both stores then
    read the same. An app appears in dst only once all its records are
    there. An interrupted copy is resumed by running it again: records
    already in dst and equal are skipped. An app dst had whole before gets
    what src added since; where it differs (src changed or deleted records
    since, or dst was written to) it raises Conflict and is left as it is,
    unless mirror=True, which makes it exactly src's (an app only dst has
    is always left alone). Two handles on one file store are Invalid. An
    app of dst that is another app of
    the same name (created apart, or deleted and created again in src
    since the last copy) is Exists and is left alone; the other apps are
    still copied and the first error is raised. A Store copied to itself is Invalid. src is only
    read: copy from a store nobody writes meanwhile for a snapshot of one
    moment.

    An exception raised by progress (KeyboardInterrupt included) stops the
    copy after the app just copied and is raised; when an app had already
    failed, its ReleaseError is raised from the exception. Running the
    copy again finishes it. progress must not use src or dst
    (RuntimeError).
    """
    lib = _library()
    copy = _since(lib, "release_store_copy")
    opts = _new_opts(_CopyOpts, _since(lib, "release_copy_opts_init_sized"))
    opts.app = _enc_opt(app, "app name")
    opts.flags = COPY_MIRROR if mirror else 0
    deferred = _Deferred()
    if progress is not None:
        opts.progress = _PROGRESS_FN(_progress_thunk(_callable(progress, "progress"), deferred))
    copied = ctypes.c_uint64(0)
    with contextlib.ExitStack() as stack:
        src = _store(stack, src, "src")
        dst = _store(stack, dst, "dst")
        stores = [src] if src is dst else sorted((src, dst), key=id)  # one order: no deadlock
        for store in stores:
            stack.enter_context(store._calling())
        rc = copy(src._handle, dst._handle, ctypes.byref(opts), ctypes.byref(copied))
        # The first exception of a callback: progress, then the stores' clocks.
        kept = [d.take() for d in (deferred, src._deferred, dst._deferred)]
        first = next((e for e in kept if e is not None), None)
        _raise_outcome(rc, _dec(lib.release_store_errmsg(dst._handle)), first)
    return copied.value


def _store(stack, store, what):
    """store as a Store: one given is used as it is; a URI or path is
    opened here and closed by stack."""
    if isinstance(store, Store):
        return store
    if not isinstance(store, (str, bytes, os.PathLike)):
        raise TypeError("%s must be a Store, a URI or os.PathLike, not %s"
                        % (what, type(store).__name__))
    return stack.enter_context(Store(store))


def _progress_thunk(progress, deferred):
    def thunk(_payload, app, records):
        try:
            progress(_dec(app), records)
        except BaseException as e:  # noqa: B902 - raised after the C call
            deferred.keep(e)
            return 1  # stops the copy
        return 0
    return thunk
