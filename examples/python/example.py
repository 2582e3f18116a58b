"""The seed's story from Python: release a build, change env, roll back.

    LIBRELEASE_PATH=build/lib/librelease.so.1 python3 examples/python/example.py

myapp gets a complete build and its release, promoted; `env set FOO=bar`
makes a second release, promoted too. It "caused a problem", so the app is
rolled back to the build's release through a deployer that reports what it
does, after a look at what the rollback changes; the deployment log then
tells who promoted what. The store is in memory; pass "file:/some/dir" to
Store to keep it.
"""
import sys

import librelease


def deploy(release, emit):
    """Would run kubectl, systemctl or a symlink swap; here it only reports."""
    emit("deployer", "starting %s (build %s, version %d)" % (release.id, release.build,
                                                            release.version))
    emit("deployer", "%s is live" % release.id)
    return True


def on_event(time, source, message):
    print("%s %s %s" % (time.strftime("%Y-%m-%dT%H:%M:%SZ"), source, message))


def show(store, app):
    print("%-10s  %-6s  %-10s  %s" % ("ID", "STATUS", "BUILD", "DESCRIPTION"))
    for r in store.releases(app, limit=10):
        status = "active" if r.active else ("failed" if r.failed else "")
        print("%-10s  %-6s  %-10s  %s" % (r.id, status, r.build or "", r.description))


def history(store, app):
    print("%-3s  %-8s  %-4s  %-4s  %-17s  %s" % ("SEQ", "KIND", "FROM", "TO", "ACTOR", "RESULT"))
    for d in store.deployments(app):
        print("%-3d  %-8s  %-4s  v%-3d  %-17s  %s" % (
            d.seq, d.kind, "v%d" % d.from_version if d.from_version else "-", d.to_version,
            d.actor, "failed (%d)" % d.failed if d.failed else "ok"))


def main():
    app = "myapp"
    with librelease.Store("memory:", actor="alice@example.com") as store:
        store.create_app(app)
        build = store.create_build(app, "build 0a1b2c3d4e5f my commit message")
        first = store.create_release(app, build.id)
        store.promote(app, first.id, deploy=deploy)
        second = store.env_set(app, {"FOO": "bar"})
        store.promote(app, second.id, deploy=deploy)
        show(store, app)

        print()
        diff = store.diff(app, from_=second, to=first)
        print("A rollback to %s changes: %s" % (
            first.id, ", ".join("%s %s" % (c.change, c.key) for c in diff.env)))
        store.actor = "bob@example.com"
        print("Rolling back to %s..." % first.id)
        try:
            back = store.rollback(app, first.id, deploy=deploy, on_event=on_event)
        except librelease.ReleaseError as e:
            print("ERROR: %s" % e, file=sys.stderr)
            return 1
        print("OK, %s" % back.id)
        print()
        show(store, app)
        print()
        history(store, app)
        assert back.active and back.source == first.id and "FOO" not in back.env
        assert back.actor == "bob@example.com"
    return 0


if __name__ == "__main__":
    sys.exit(main())
