"""The value objects: plain copies of what was read from C."""

import ctypes
import datetime
from dataclasses import dataclass, field

from ._c import _optional, _since
from ._convert import _INT64_MAX, _dec, _maybe_datetime, _to_datetime

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
    """A build as read. status is "created", "running", "complete" or "failed".
    log is its log as bytes (b"" when it has none), or None when it was not
    read: a listing (Store.builds()) leaves out the log of a build that has
    one, which Store.build() reads, and a library before 1.3 has no logs."""
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
    log: bytes = field(default=None, repr=False)  # up to 4 MiB: kept out of repr

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
            log=_build_log(lib, p),
        )


def _build_log(lib, p):
    """The build's log as bytes; None from a library without logs, and for
    a listed build that has one (the library returns NULL: listings leave
    logs out)."""
    log = _optional(lib, "release_build_log")
    if log is None:
        return None
    n = ctypes.c_size_t(0)
    data = log(p, ctypes.byref(n))
    if data is None:
        return None
    return ctypes.string_at(data, n.value) if n.value else b""


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


@dataclass(frozen=True)
class Settings:
    """An app's settings as read (librelease 1.3): kept with the app, apart
    from its releases, so changing them creates and promotes nothing.

    revision  1 for an app that never set any, then one more with every
              change (never 0). update_settings(revision=...) changes only
              settings at it
    mask      the env keys a frontend masks when it shows values, in byte order
    hook      the deploy hook a frontend runs to promote the app (a command
              the library stores but never runs), or None
    """
    app: str
    revision: int = 1
    mask: tuple = ()
    hook: str = None

    def masked(self, key):
        """True if key is in the mask list (as release_settings_masked())."""
        return key in self.mask

    @classmethod
    def _from_c(cls, lib, app, p):
        key = _since(lib, "release_settings_mask_key")
        count = _since(lib, "release_settings_mask_count")(p)
        return cls(
            app=app,
            revision=_since(lib, "release_settings_revision")(p),
            mask=tuple(_dec(key(p, i)) for i in range(count)),
            hook=_dec(_since(lib, "release_settings_hook")(p)),
        )
