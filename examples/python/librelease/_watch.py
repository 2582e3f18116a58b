"""Watch: waiting for an app to change (librelease 1.4)."""

import ctypes
import time
import typing

from ._c import _WATCH, _library, _live, _since
from ._convert import _dec, _enc, _seconds_to_ns
from ._errors import RELEASE_ETIMEDOUT

# The longest one C wait lasts. wait() waits in slices of this, so that
# Ctrl-C (any Python signal handler) is seen within it, and so that the
# store's other users, which the wait holds off, get their turn between
# slices. A slice that ends with nothing changed leaves the baseline as
# it was, so nothing is missed between two.
_SLICE_NS = 500 * 10**6
# Time left between slices for a thread waiting to use the store.
_HANDOFF_SECONDS = 0.001


class WatchState(typing.NamedTuple):
    """What a Watch saw last (librelease 1.4).

    newest  the newest release's version (0: the app has none)
    active  the active release's id (None: none)
    deploy  the newest deployment log entry's seq (0: none, or a backend
            that keeps no log)
    exists  True if the app exists
    """
    newest: int
    active: str
    deploy: int
    exists: bool


class Watch:
    """Waits for an app to change: a new release (an env change too), a
    promotion, a rollback, a failed promotion, the app's creation or
    deletion; nothing else (a build, a prune, a refused promotion) is a
    change. Made by Store.watch(app).

    What is there when it opens is its baseline (its state); each change
    wait() reports becomes the next. The file store wakes a wait at once
    (the kernel's file notifications), PostgreSQL through LISTEN/NOTIFY;
    other stores are looked at every 100 ms at most.

    A Watch uses its Store: while it waits, the Store's other calls (from
    other threads) wait for the end of the current slice of at most half a
    second; open another Store for a watcher that must not hold others up.
    It is a context manager; close() frees it, and closing its Store
    closes it.
    """

    def __init__(self, store, app):
        lib = _library()
        open_watch = _since(lib, "release_watch_open")
        self._wait = _since(lib, "release_watch_wait")
        self._free_fn = _since(lib, "release_watch_free")
        self._accessors = [_since(lib, "release_watch_" + name)
                           for name in ("newest", "active", "deploy", "exists")]
        self._store = store
        self._handle = None
        self.app = app
        app_b = _enc(app, "app name")
        handle = _WATCH()
        with store._calling() as lib:
            rc = open_watch(store._handle, app_b, ctypes.byref(handle))
            if handle:
                _live["release_watch_free"] += 1
            try:
                store._check(lib, rc)
            except BaseException:
                if handle:
                    self._free_fn(handle)
                    _live["release_watch_free"] -= 1
                raise
            self._handle = handle
            self._read_state()
            store._cursors.add(self)

    def _read_state(self):
        newest, active, deploy, exists = (f(self._handle) for f in self._accessors)
        self._state = WatchState(newest, _dec(active), deploy, bool(exists))

    @property
    def state(self):
        """The state last seen, a WatchState: the baseline, until wait()
        reports a change. Read without waiting for the store."""
        return self._state

    @property
    def newest(self):
        """The newest release's version last seen (0: none)."""
        return self._state.newest

    @property
    def active(self):
        """The active release's id last seen (None: none)."""
        return self._state.active

    @property
    def deploy(self):
        """The newest deployment log entry's seq last seen (0: none)."""
        return self._state.deploy

    @property
    def exists(self):
        """True if the app existed when last seen."""
        return self._state.exists

    @property
    def closed(self):
        return self._handle is None

    def wait(self, timeout=None):
        """Waits up to timeout seconds (a number or a timedelta; None: as
        long as it takes; 0: only look) for a change since the state last
        seen. True when there was one: the state now tells the new one;
        False when none came in time, or when the Watch (or its Store) was
        closed meanwhile by another thread. A closed Watch raises
        ValueError."""
        if self._handle is None:
            raise ValueError("operation on a closed Watch")
        deadline = None
        if timeout is not None:
            deadline = time.monotonic_ns() + _seconds_to_ns(timeout, "timeout", 0)
        store = self._store
        while True:
            left = _SLICE_NS if deadline is None else max(0, deadline - time.monotonic_ns())
            with store._lock:
                if self._handle is None:  # closed by another thread, or its store
                    return False
                with store._calling() as lib:
                    rc = self._wait(self._handle, min(left, _SLICE_NS))
                    if rc != RELEASE_ETIMEDOUT or store._deferred.exc is not None:
                        store._check(lib, rc)
                        self._read_state()
                        return True
            if deadline is not None and time.monotonic_ns() >= deadline:
                return False
            time.sleep(_HANDOFF_SECONDS)

    def changes(self, timeout=None):
        """Yields the state after each change, as wait(timeout) reports
        them; ends when a wait times out (never, with timeout None) or the
        Watch is closed."""
        while self._handle is not None and self.wait(timeout):
            yield self._state

    def close(self):
        """Frees the watch. Idempotent; a wait in another thread returns
        False at the end of its current slice."""
        if self._handle is not None:
            with self._store._lock:
                if self._handle is not None:
                    self._free_fn(self._handle)
                    _live["release_watch_free"] -= 1
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

    def __repr__(self):
        return "<librelease.Watch %r%s>" % (self.app, " closed" if self.closed else " %r"
                                            % (self._state,))
