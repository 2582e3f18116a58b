"""The value objects: plain copies of what was read from C."""

import ctypes
import datetime
import typing
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
    actor: str = None           # who created it (1.4); None before 1.4

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
            actor=_actor(lib, "release_app_actor", p),
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
    actor: str = None  # who created it (1.4); None when written before 1.4

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
            actor=_actor(lib, "release_build_actor", p),
        )


def _actor(lib, name, p):
    """Who wrote the record p: None from a library without actors, as for
    a record written before 1.4."""
    actor = _optional(lib, name)
    return None if actor is None else _dec(actor(p))


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
    actor: str = None           # who made it (1.4); None when written before 1.4
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
            actor=_actor(lib, "release_actor", p),
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
    actor     who changed them last (1.4); None when never changed, or
              changed before 1.4
    """
    app: str
    revision: int = 1
    mask: tuple = ()
    hook: str = None
    actor: str = field(default=None, compare=False)  # who, not what: not compared

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
            actor=_actor(lib, "release_settings_actor", p),
        )


# --------------------------------------------------------------- 1.4 values

DEPLOY_KINDS = ("promote", "rollback")


@dataclass(frozen=True)
class Deployment:
    """One entry of an app's deployment log (librelease 1.4): a promotion,
    a rollback or a failed one, as it was recorded in the promotion's own
    commit. Entries are never changed; until is worked out when read.

    seq         its number in the app's log: 1, 2, 3 ...
    kind        "promote" or "rollback" (to_id is then the rollback's copy)
    failed      0 when it succeeded, else the deployer's non-zero return
    forced      True if it was forced (promote(force=True))
    from_id     the release active before it, None when there was none
    from_version  that release's version, None when there was none
    to_id, to_version  the release it promoted
    target      a rollback's target (the release copied); None for a promotion
    actor       who did it
    started     when it began (its lease taken)
    ended       when it ended: for a success, when to_id became active (its
                Release.promoted); for a failure, its Release.failed
    until       when to_id stopped being live (the next success's ended);
                None while it is live, and for a failed entry
    """
    app: str
    seq: int
    kind: str
    to_id: str
    to_version: int
    started: datetime.datetime
    ended: datetime.datetime
    failed: int = 0
    forced: bool = False
    from_id: str = None
    from_version: int = None
    target: str = None
    actor: str = None
    until: datetime.datetime = None
    started_ns: int = field(default=0, repr=False)
    ended_ns: int = field(default=0, repr=False)
    until_ns: int = field(default=0, repr=False)

    @property
    def duration(self):
        """How long the deployment took, from started to ended (a timedelta)."""
        return datetime.timedelta(microseconds=(self.ended_ns - self.started_ns) // 1000)

    @classmethod
    def _from_c(cls, lib, app, p):
        def get(name):
            return _since(lib, "release_deploy_" + name)(p)

        kind = get("kind")
        started, ended, until = get("started"), get("ended"), get("until")
        from_version = get("from_version")
        return cls(
            app=app,
            seq=get("seq"),
            kind=DEPLOY_KINDS[kind] if 0 <= kind < len(DEPLOY_KINDS) else str(kind),
            to_id=_dec(get("to")),
            to_version=get("to_version"),
            started=_to_datetime(started),
            ended=_to_datetime(ended),
            failed=get("failed"),
            forced=bool(get("forced")),
            from_id=_dec(get("from")),
            from_version=from_version or None,
            target=_dec(get("target")),
            actor=_dec(get("actor")),
            until=_maybe_datetime(until),
            started_ns=started,
            ended_ns=ended,
            until_ns=until,
        )


ENV_CHANGES = {1: "added", 2: "removed", 3: "changed"}


class EnvChange(typing.NamedTuple):
    """One env key that differs between two releases (librelease 1.4).

    change  "added", "removed" or "changed"
    masked  True if the app's settings mask the key: old and new are then
            None unless the diff was asked to reveal them
    old     the value in from (None when added, or hidden)
    new     the value in to (None when removed, or hidden)
    """
    key: str
    change: str
    masked: bool = False
    old: str = None
    new: str = None


@dataclass(frozen=True)
class Diff:
    """What changed from one release of an app to another (librelease 1.4).

    from_id, to_id        the releases compared (from_id None: the first
                          release, diffed from nothing)
    env                   a tuple of EnvChange, sorted by key
    build_old, build_new  the builds of from and to (equal when the build
                          did not change; None for a release without one)
    description_changed   True if the descriptions differ
    manifest              the manifests' difference as a unified diff of
                          lines ("--- FROM", "+++ TO", then hunks with 3 lines
                          of context); "" when they are equal
    """
    app: str
    from_id: str
    to_id: str
    env: tuple = ()
    build_old: str = None
    build_new: str = None
    description_changed: bool = False
    manifest: str = ""

    @property
    def build_changed(self):
        return self.build_old != self.build_new

    @property
    def changed(self):
        """True if anything differs: env, build, description or manifest."""
        return bool(self.env or self.build_changed or self.description_changed
                    or self.manifest)

    @classmethod
    def _from_c(cls, lib, app, p):
        def get(name, *args):
            return _since(lib, "release_diff_" + name)(p, *args)

        env = []
        for i in range(get("env_count")):
            code = get("env_change", i)
            env.append(EnvChange(
                key=_dec(get("env_key", i)),
                change=ENV_CHANGES.get(code, str(code)),
                masked=bool(get("env_masked", i)),
                old=_dec(get("env_old", i)),
                new=_dec(get("env_new", i)),
            ))
        return cls(
            app=app,
            from_id=_dec(get("from")),
            to_id=_dec(get("to")),
            env=tuple(env),
            build_old=_dec(get("build_old")),
            build_new=_dec(get("build_new")),
            description_changed=bool(get("description_changed")),
            manifest=_dec(get("manifest")) or "",
        )
