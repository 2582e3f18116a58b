"""Store: an open librelease store and its calls."""

import collections.abc
import contextlib
import ctypes
import os
import threading
import weakref

from ._c import (
    _APP, _APP_ITER, _BUILD, _BUILD_ITER, _CLOCK_FN, _DEPLOY, _DEPLOY_FN, _DEPLOY_ITER, _DIFF,
    _EVENT_FN, _ITER, _RANDOM_FN, _RELEASE, _SETTINGS, _STORE, RELEASE_DIFF_REVEAL,
    RELEASE_ENV_REPLACE, RELEASE_PROMOTE_FORCE, RELEASE_SETTINGS_RESET,
    _BuildOpts, _CreateOpts, _EnvOpts, _ListOpts, _PromoteOpts, _SettingsOpts, _StoreOpts,
    _c_size, _flag_since, _function, _library, _live, _optional, _since, _too_old)
from ._callbacks import (
    _clock_thunk, _deploy_thunk, _Deferred, _event_thunk, _raise_outcome, _random_thunk)
from ._convert import (
    _U64_MAX, _SIZE_MAX, _build_status, _bytes, _callable, _covers, _dec, _enc, _enc_opt,
    _enc_uri, _env_pair, _flag, _integer, _limit, _new_opts, _quoted, _seconds_to_ns,
    _str_array, _strings, _to_ns)
from ._cursor import Cursor
from ._errors import RELEASE_EINVAL, Corrupt, Invalid, ReleaseError, _error
from ._values import App, Build, Deployment, Diff, Release, Settings, _id_of
from ._watch import Watch


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
    actor          who writes through this Store (librelease 1.4): recorded
                   with every build, release and deployment it writes; None:
                   the library's default, "<login name>@<host name>". See
                   the actor property

    Open failures raise ReleaseError with release_store_errmsg(NULL).
    """

    def __init__(self, uri="file:", *, clock=None, random=None, lease_seconds=None,
                 actor=None):
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
        if actor is not None:
            opts.actor = _enc(actor, "actor")
            if not _covers(opts, "actor"):
                raise _too_old(lib, "release_store_opts.actor", "1.4")
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
        """Frees open iterators and watches, then closes the store. Idempotent."""
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
                    _function(lib, free)(out)
                    _live[free] -= 1

    def _get_release(self, fn, *args):
        return self._get(fn, _RELEASE, Release._from_c, "release_free", *args)

    def _get_build(self, fn, *args):
        return self._get(fn, _BUILD, Build._from_c, "release_build_free", *args)

    def _get_app(self, fn, *args):
        return self._get(fn, _APP, App._from_c, "release_app_free", *args)

    # -- the actor

    @property
    def actor(self):
        """Who writes through this Store now (librelease 1.4): recorded with
        every build, release and deployment it writes (their .actor).
        Assign a str of 1 to 256 bytes of UTF-8 without control characters
        (anything else is Invalid and keeps the actor) to change it from
        the next call on; None restores the default, "<login name>@<host
        name>". A server acting for many users sets it before each call."""
        get = _since(_library(), "release_store_actor")
        with self._calling():
            return _dec(get(self._handle))

    @actor.setter
    def actor(self, value):
        set_actor = _since(_library(), "release_store_set_actor")
        actor_b = _enc_opt(value, "actor")
        with self._calling() as lib:
            self._check(lib, set_actor(self._handle, actor_b))

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

    def create_build(self, app, description="", manifest="", status="complete", log=None):
        """Creates a build (status "created", "running", "complete" or
        "failed"); only a complete build can be released. log (bytes-like,
        librelease 1.3) is its log so far. Returns the Build."""
        lib = _library()
        opts = _new_opts(_BuildOpts, lib.release_build_opts_init_sized)
        opts.description = _enc(description, "description")
        opts.manifest = _enc(manifest, "manifest")
        opts.status = _build_status(status)
        app_b = _enc(app, "app name")
        buf = None
        if log is not None:
            data = _bytes(log, "log")
            if not _covers(opts, "log_len"):
                raise _too_old(lib, "release_build_opts.log", "1.3")
            buf = ctypes.create_string_buffer(data, len(data))
            opts.log, opts.log_len = ctypes.addressof(buf), len(data)
        build = self._get_build(lambda lib: lib.release_build_create, app_b, ctypes.byref(opts))
        del buf  # the log's bytes live until the call has returned
        return build

    def set_build_status(self, app, build_id, status):
        """Moves a build to another status; complete and failed are final."""
        return self._get_build(lambda lib: lib.release_build_set_status,
                               _enc(app, "app name"), _enc(_id_of(build_id, "build"), "build id"),
                               _build_status(status))

    def build(self, app, build_id):
        """Reads a build by id."""
        return self._get_build(lambda lib: lib.release_build_get, _enc(app, "app name"),
                               _enc(_id_of(build_id, "build"), "build id"))

    def append_build_log(self, app, build_id, data):
        """Appends data (bytes-like) to the log of a build that is still
        created or running (librelease 1.3); a complete or failed build's
        log is final (Invalid), and so is one that would pass 4 MiB.
        Returns the Build as written."""
        append = _since(_library(), "release_build_log_append")
        data = _bytes(data, "log data")
        return self._get_build(lambda lib: append, _enc(app, "app name"),
                               _enc(_id_of(build_id, "build"), "build id"), data, len(data))

    def complete_build(self, app, build_id):
        """Completes a build still created or running and makes its release
        (not promoted), once (librelease 1.3): a build already complete
        returns the release made from it, so a retry or a second caller
        never makes a second one; a complete build without a release gets
        one. A failed build is Invalid; an unknown build or app, or a
        release since pruned, NotFound. Returns the Release."""
        complete = _since(_library(), "release_build_complete")
        return self._get_release(lambda lib: complete, _enc(app, "app name"),
                                 _enc(_id_of(build_id, "build"), "build id"))

    def export_build(self, app, build_id):
        """A complete build as bytes for import_build() into another app or
        another store (librelease 1.3): its description, manifest, log,
        start and end, in a self-checking format that names its version.
        A build of any other status is Invalid. The build is read whole
        here, so a Build from builds(), which lacks its log, may be passed."""
        lib = _library()
        export = _since(lib, "release_build_export")
        free_export = _since(lib, "release_export_free")
        app_b = _enc(app, "app name")
        id_b = _enc(_id_of(build_id, "build"), "build id")
        build = _BUILD()
        with self._calling() as lib:
            rc = lib.release_build_get(self._handle, app_b, id_b, ctypes.byref(build))
            if build:
                _live["release_build_free"] += 1
            try:
                self._check(lib, rc)
                n, out = _c_size(0), ctypes.c_void_p()
                rc = export(build, ctypes.byref(n), ctypes.byref(out))
                if out:
                    _live["release_export_free"] += 1
                try:
                    if rc < 0:  # needs no store: release_store_errmsg() says nothing of it
                        raise _export_error(lib, rc, app, build)
                    return ctypes.string_at(out.value, n.value)
                finally:
                    if out:
                        free_export(out)
                        _live["release_export_free"] -= 1
            finally:
                if build:
                    lib.release_build_free(build)
                    _live["release_build_free"] -= 1

    def import_build(self, app, data):
        """Makes a new build of app (a new id, status complete) from
        export_build()'s bytes, keeping its description, manifest, log,
        start and end, and creates its release (not promoted; the Build's
        .release names it) (librelease 1.3). Bytes truncated or altered are
        Corrupt; a newer format is Unsupported; either way nothing is written."""
        imp = _since(_library(), "release_build_import")
        data = _bytes(data, "data")
        return self._get_build(lambda lib: imp, _enc(app, "app name"), data, len(data))

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

    def create_from(self, app, build_from=None, env_from=None):
        """Makes a release (not promoted) from two releases of app, each a
        release id or Release (None: the active release): the build and
        manifest of build_from with its build's description (build_from's
        own when it has no build), the env of env_from (librelease 1.3).
        Build once, deploy many; the build records the new release as its
        release. NotFound for an unknown release, another app's, None on
        an app without an active one, or a build_from whose build was
        pruned; nothing is written then."""
        lib = _library()
        create = _since(lib, "release_create_from")
        opts = _new_opts(_CreateOpts, _since(lib, "release_create_opts_init_sized"))
        opts.build_from = _enc_opt(_id_of(build_from, "release"), "build_from")
        opts.env_from = _enc_opt(_id_of(env_from, "release"), "env_from")
        return self._get_release(lambda lib: create, _enc(app, "app name"), ctypes.byref(opts))

    def env_set(self, app, env):
        """Makes a release from the newest one with env changed; env is a
        mapping or an iterable of "KEY=VALUE" strings. Returns the new
        Release, or None when nothing changed."""
        return self._env_change(lambda lib: lib.release_env_set, app, _pairs(env), "env pair")

    def env_unset(self, app, keys):
        """As env_set, removing keys (a str or an iterable; absent keys are
        ignored). Returns the new Release, or None when nothing changed."""
        keys = _strings(keys, "keys", "a str or an iterable of str")
        return self._env_change(lambda lib: lib.release_env_unset, app, keys, "env key")

    def _env_change(self, fn, app, items, what):
        array, n = _str_array(items, what)
        return self._get_release(fn, _enc(app, "app name"), array, n)

    def change_env(self, app, set=None, unset=None, base=None, replace=False):
        """Makes a release from base (a release id or Release; None: the
        newest release) with its env changed, in one release (librelease
        1.3): set as env_set() takes it, unset as env_unset() does (a key in
        both is Invalid). replace=True makes the env exactly set (unset must
        be empty). A base given by id is changed as it is, whatever came
        after it: the way past a newest release holding a change that
        failed; its build then records the new release as its release
        (NotFound if that build was pruned). Returns the new Release, or
        None when nothing changed."""
        lib = _library()
        change = _since(lib, "release_env_change")
        opts = _new_opts(_EnvOpts, _since(lib, "release_env_opts_init_sized"))
        opts.base = _enc_opt(_id_of(base, "release"), "base")
        if _flag(replace, "replace"):
            opts.flags |= RELEASE_ENV_REPLACE
        set_a, opts.set_n = _str_array(_pairs(() if set is None else set), "env pair")
        unset_a, opts.unset_n = _str_array(
            () if unset is None else _strings(unset, "unset", "a str or an iterable of str"),
            "env key")
        opts.set, opts.unset = set_a, unset_a
        return self._get_release(lambda lib: change, _enc(app, "app name"), ctypes.byref(opts))

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

    # -- per-app settings

    def settings(self, app):
        """Reads app's Settings (librelease 1.3): an app that never set any
        has revision 1, an empty mask list and no hook. A stored record
        that fails validation is Corrupt (update_settings(reset=True)
        replaces it)."""
        lib = _library()
        get = _since(lib, "release_settings_get")
        return self._get_settings(lib, app, lambda lib: get)

    def update_settings(self, app, mask_add=(), mask_remove=(), hook=None, clear_hook=False,
                        revision=0, reset=False):
        """Changes app's Settings by compare-and-swap and returns them as
        they are after the call (librelease 1.3); changes nothing else.

        mask_add     env keys to mask (a str or an iterable; masked already: kept)
        mask_remove  keys to unmask (not masked: ignored)
        hook         the new deploy hook (a str of 1 to 65536 bytes); None: unchanged
        clear_hook   True: no deploy hook any more (with hook: Invalid)
        revision     0: apply on top of whatever others changed meanwhile;
                     else (an int or a Settings) change only settings still
                     at that revision, otherwise Conflict
        reset        True: start from no settings (no mask, no hook),
                     whatever is stored, a damaged record too, and apply
                     the change to that; it writes even when it adds
                     nothing. With a revision: Invalid

        A key that is not a valid env key, a key in both lists, or a mask
        list that would pass 500 keys is Invalid. A change that changes
        nothing writes nothing. A stored record that fails validation is
        Corrupt until a reset replaces it. A reset counts on from sound
        settings' revision (so an older one still conflicts); replacing a
        damaged record, it makes revision 2.
        """
        lib = _library()
        update = _since(lib, "release_settings_update")
        opts = _new_opts(_SettingsOpts, _since(lib, "release_settings_opts_init_sized"))
        add, opts.mask_add_n = _str_array(
            _strings(mask_add, "mask_add", "a str or an iterable of str"), "mask key")
        remove, opts.mask_remove_n = _str_array(
            _strings(mask_remove, "mask_remove", "a str or an iterable of str"), "mask key")
        opts.mask_add, opts.mask_remove = add, remove
        opts.hook = _enc_opt(hook, "hook")
        opts.clear_hook = 1 if _flag(clear_hook, "clear_hook") else 0
        if isinstance(revision, Settings):
            revision = revision.revision
        opts.revision = _integer(revision, "revision", 0, _U64_MAX)
        if _flag(reset, "reset"):
            if not _covers(opts, "flags"):
                raise _too_old(lib, "release_settings_opts.flags", "1.3")
            opts.flags |= RELEASE_SETTINGS_RESET
        app_b = _enc(app, "app name")
        return self._get_settings(lib, app, lambda lib: update, app_b, ctypes.byref(opts))

    def _get_settings(self, lib, app, fn, *args):
        _since(lib, "release_settings_free")  # declared before the call needs it
        if not args:
            args = (_enc(app, "app name"),)
        return self._get(fn, _SETTINGS, lambda lib, p: Settings._from_c(lib, app, p),
                         "release_settings_free", *args)

    # -- the deployment log, diffs, watches (1.4)

    def deployments(self, app, limit=None, before=None):
        """A lazy Cursor over the app's deployment log (librelease 1.4),
        newest first: a Deployment for every promotion, rollback and failed
        promotion, at most limit of them (None: all), only those whose seq
        is below before (a seq, or a Deployment) when given. To page, pass
        the last seq seen as the next call's before. Unsupported on a
        backend that keeps no log (storage version before 3)."""
        lib = _library()
        list_deploys = _since(lib, "release_deploy_list")
        _since(lib, "release_deploy_iter_next")
        opts = _new_opts(_ListOpts, lib.release_list_opts_init_sized)
        opts.limit = _limit(limit)
        if isinstance(before, Deployment):
            before = before.seq
        # 0 would mean "from the newest": below seq 0 there is nothing.
        opts.before = 0 if before is None else _integer(before, "before", 1, _U64_MAX)
        app_b = _enc(app, "app name")
        return self._cursor(
            lambda lib, out: list_deploys(self._handle, app_b, ctypes.byref(opts), out),
            _DEPLOY_ITER, "release_deploy_iter_next", "release_deploy_iter_free", _DEPLOY,
            lambda lib, p: Deployment._from_c(lib, app, p))

    def deployment_at(self, app, when):
        """What was live at when (an aware datetime, or int nanoseconds
        since the epoch): the newest successful Deployment that ended at or
        before it (librelease 1.4). Its to_id is the release that was
        active; its until says how long it stayed (None: it still is).
        NotFound when nothing had been promoted by then, or no such app."""
        lib = _library()
        at = _since(lib, "release_deploy_at")
        _since(lib, "release_deploy_free")
        return self._get(lambda lib: at, _DEPLOY, lambda lib, p: Deployment._from_c(lib, app, p),
                         "release_deploy_free", _enc(app, "app name"), _to_ns(when, "when"))

    def diff(self, app, from_=None, to=None, reveal=False):
        """What changed from release from_ to release to of app (librelease
        1.4), each a release id or Release: to None is the active release,
        from_ None the release before to (by version). Returns a Diff: env
        keys added, removed and changed (the values of keys the app's
        settings mask are None, unless reveal=True; that they changed is
        still told), the builds, whether the description changed, and the
        manifests' unified diff. The first release, which has none
        before it, is diffed from nothing (from_id None): its env keys are
        all added. NotFound for an unknown release or another app's, or
        for to None on an app with no active release."""
        lib = _library()
        get = _since(lib, "release_diff_get")
        _since(lib, "release_diff_free")
        flags = RELEASE_DIFF_REVEAL if _flag(reveal, "reveal") else 0
        return self._get(lambda lib: get, _DIFF, lambda lib, p: Diff._from_c(lib, app, p),
                         "release_diff_free", _enc(app, "app name"),
                         _enc_opt(_id_of(from_, "release"), "from_"),
                         _enc_opt(_id_of(to, "release"), "to"), flags)

    def watch(self, app):
        """A Watch on app (librelease 1.4): its wait() blocks until a new
        release, a promotion, a rollback, a failed promotion, or the app's
        creation or deletion. What is there now is its baseline. The app
        need not exist yet. Close it (or use it in a with block) before the
        Store; closing the Store closes it."""
        return Watch(self, app)

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
                    _function(lib, free_name)(handle)
                    _live[free_name] -= 1
                raise
            cursor = Cursor(self, handle, next_name, free_name, item_type, convert)
            self._cursors.add(cursor)
            return cursor

    # -- promotion

    def promote(self, app, release_id, deploy=None, on_event=None, force=False,
                owner=None, wait=None, *, if_pending=False):
        """Makes a release active. See README.md for deploy and on_event.

        force          take a live lease and allow an older release
        owner          the lease owner label (default "pid:<pid>")
        wait           seconds (or a timedelta) to wait for a busy app; None:
                       Busy at once
        if_pending  (librelease 1.5) when the release was deployed
                       already (it is the active one, or its promotion
                       failed, or it was active and a forced promotion moved
                       away from it), checked once the lease is held: raise
                       Exists with no deployer run, no event, nothing
                       written. For agents that promote what they found
                       pending: two of them never both deploy it. (Without
                       it, promoting the active release runs the deployer
                       again.) With an older library: LibraryTooOld, before
                       anything is done

        Raises Older, Busy, DeployFailed (the previous release stays active
        and this one is marked failed), Conflict, Exists (if_pending) ...
        """
        flags = 0
        if _flag(if_pending, "if_pending"):
            flags = _flag_since(_library(), "RELEASE_PROMOTE_IF_PENDING")
        opts, keep = self._promote_opts(deploy, on_event, force, owner, wait, flags)
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
        stays, marked failed, and the ReleaseError raised carries it in its
        .copy (librelease 1.3; None when no copy was written, and always
        with an older library, where only the message names it)."""
        opts, keep = self._promote_opts(deploy, on_event, force, owner, wait)
        app_b = _enc(app, "app name")
        target_b = _enc_opt(_id_of(target, "release"), "release id")
        rollback_copy = _optional(_library(), "release_rollback_copy")
        if rollback_copy is None:
            result = self._get_release(lambda lib: lib.release_rollback, app_b, target_b, opts)
            del keep
            return result
        out = _RELEASE()
        with self._calling() as lib:
            rc = rollback_copy(self._handle, app_b, target_b, opts, ctypes.byref(out))
            if out:
                _live["release_free"] += 1
            try:
                copy = Release._from_c(lib, out) if out else None
                try:
                    self._check(lib, rc)
                except ReleaseError as e:
                    e.copy = copy
                    raise
                return copy
            finally:
                if out:
                    lib.release_free(out)
                    _live["release_free"] -= 1
                del keep

    def _promote_opts(self, deploy, on_event, force, owner, wait, flags=0):
        lib = _library()
        opts = _new_opts(_PromoteOpts, lib.release_promote_opts_init_sized)
        keep = []  # the thunks live until the C call has returned
        opts.flags = flags
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


def _export_error(lib, rc, app, build):
    """The exception for release_build_export()'s failure rc."""
    status = _dec(lib.release_build_status_name(lib.release_build_status(build)))
    build_id = _dec(lib.release_build_id(build))
    if rc == RELEASE_EINVAL and status != "complete":
        why = "it is %s: only a complete build is exported" % status
    else:
        why = _dec(lib.release_strerror(rc))
    return _error(rc, "app %s: build %s cannot be exported: %s" % (_quoted(app), build_id, why))


def _pairs(env):
    """env_set()'s env (a mapping or "KEY=VALUE" strings) as a list of pairs."""
    if isinstance(env, collections.abc.Mapping):
        return [_env_pair(k, v) for k, v in env.items()]
    return _strings(env, "env", "a mapping, a \"KEY=VALUE\" str or an iterable of them")


def app_name_valid(name):
    """True if name is a valid app name (1-63 of a-z, 0-9, -, not starting or
    ending with -)."""
    try:
        name_b = _enc(name, "app name")
    except Invalid:  # a NUL or a lone surrogate: no valid name has either
        return False
    return bool(_library().release_app_name_valid(name_b))

