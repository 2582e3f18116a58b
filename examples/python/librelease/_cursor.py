"""Cursor: a lazy iterator over a C iterator of releases, builds or
deployments."""

import ctypes

from ._c import _function, _library, _live
from ._convert import _dec
from ._errors import RELEASE_ECORRUPT, RELEASE_ITEROVER, _error

class Cursor:
    """A lazy iterator over releases, builds or deployments, newest first.

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
                rc = _function(lib, self._next_name)(self._handle, ctypes.byref(item))
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
            _function(lib, self._free_name)(self._handle)
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


