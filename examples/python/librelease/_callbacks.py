"""Python callables as C callbacks.

Each thunk catches everything (BaseException included): an exception must
not cross the C frames. It is kept in the store's _Deferred and raised once
the C call has returned.
"""

import ctypes
import inspect

from ._c import _library
from ._convert import _callable, _dec, _enc, _to_datetime, _to_ns
from ._errors import RELEASE_EIO, _error
from ._values import Release


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

