"""The error codes of librelease and the exception raised for each."""

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
RELEASE_ETIMEDOUT = -14  # since 1.4

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
    RELEASE_ETIMEDOUT: "RELEASE_ETIMEDOUT",
}


class ReleaseError(Exception):
    """A librelease call failed.

    code    the negative RELEASE_E* code
    name    its symbolic name, e.g. "RELEASE_ENOTFOUND"
    message the store's detailed message (release_store_errmsg), or the
            code's description (release_strerror) when the store had none
    copy    Store.rollback() only: the copy of the target it wrote before
            failing (a Release: marked failed after DeployFailed), or None
            when it wrote none (always None with a library before 1.3)
    """

    code = None  # each subclass sets its own
    copy = None

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
    """RELEASE_EEXIST: the app exists already; or, from
    Store.promote(..., if_pending=True) (librelease 1.5), the release was
    deployed already (it is active, failed, or was replaced), and nothing
    was done."""
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

    Raised by a listing (apps(), or a Cursor from releases(), builds() or
    deployments()) after its last item when items were skipped because
    they could not be read; the items that could be read were all listed
    first. Then:

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


class TimedOut(ReleaseError, TimeoutError):
    """RELEASE_ETIMEDOUT (librelease 1.4): a wait ended with nothing to
    report. Watch.wait() returns False for it instead; any other call that
    gets it from the library raises this."""
    code = RELEASE_ETIMEDOUT


class LibraryTooOld(Unsupported):
    """The loaded librelease is older than the call: it lacks a function
    (or an option) that a later version added. Raised before anything is
    written, with code RELEASE_EUNSUPPORTED.

    function  the missing C function (or "struct.field" for an option, or
              the flag's name, e.g. "RELEASE_PROMOTE_IF_PENDING")
    required  the version that added it, e.g. "1.3"
    loaded    the loaded library's version, e.g. "1.2.0"
    """
    function = None
    required = None
    loaded = None


class LibraryNotLoaded(OSError):
    """The shared library could not be loaded (raised by load(), so by the
    first call that needs the library). Its message says what was tried,
    why each failed, and how to fix it.

    tried  [(what was passed to ctypes.CDLL, why it failed), ...] in order
    """

    def __init__(self, message, tried):
        super().__init__(message)
        self.tried = tried


_ERRORS = {cls.code: cls for cls in (
    Invalid, NotFound, Exists, Conflict, Busy, Older, DeployFailed, Corrupt,
    StorageIOError, NoSpace, OutOfMemory, Unsupported, TimedOut)}


def _error(code, message=None):
    """The exception for a negative code, with message (or strerror)."""
    if not message:
        from ._c import _library  # the library names the code; it imports this module
        message = _library().release_strerror(code).decode("utf-8", "surrogateescape")
    cls = _ERRORS.get(code, ReleaseError)
    return cls(code, _CODE_NAMES.get(code, "RELEASE_E%d" % -code), message)

