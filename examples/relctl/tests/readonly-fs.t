Stores that cannot be written open read-only by themselves: on a read-only
mount, or without write permission. Reads work, writes are refused (exit 7)
saying why, and ?mode=rw fails instead of falling back. Each case runs in
namespaces of its own (unshare): a mount namespace for the read-only bind
mount, and a user namespace in which relctl is an ordinary user (uid 4242,
the store's owner there), for whom permissions count even when the tests
run as root.

@require-ok unshare -rm true
@env RELEASE_APP=myapp
  $ relctl apps create && relctl env set FOO=bar --promote
  Creating myapp... OK
  Setting FOO... OK
  Release: RPIJJNQDVV
  Promoting RPIJJNQDVV...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

  $ cat > fingerprint.sh <<'EOF'
  > cd "$1" && find . -exec stat -c '%n %F %s %a %y %z' {} + | sort &&
  > find . -type f -exec cksum {} + | sort
  > EOF
  $ sh fingerprint.sh store > before

A read-only bind mount of the store.

  $ mkdir mnt && unshare -rm sh -c '
  >   mount --bind store mnt && mount -o remount,bind,ro mnt || exit
  >   relctl releases --store mnt; relctl env --store mnt
  >   relctl env set A=1 --store mnt; echo "env set: exit $?"
  >   relctl releases promote --store mnt; echo "releases promote: exit $?"
  >   relctl env --store "file:mnt?mode=rw"; echo "mode=rw: exit $?"'
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RPIJJNQDVV  active         now      env add:FOO
  FOO=bar
  Setting A... env set: exit 7
  Promoting RPIJJNQDVV...
  releases promote: exit 7
  mode=rw: exit 7
  ! ERROR: writing release: store opened read-only (its directory is not writable: Read-only file system): it cannot be written
  ! ERROR: taking hold: store opened read-only (its directory is not writable: Read-only file system): it cannot be written
  ! ERROR: opening file store: store directory 'mnt' is not writable (Read-only file system), and the store was opened with mode=rw

  $ sh fingerprint.sh store | diff before - && echo unchanged
  unchanged

A store its owner may not write (directories 0500, files 0400).

  $ chmod -R a-w store && sh fingerprint.sh store > before
  $ unshare --map-user=4242 --map-group=4242 sh -c '
  >   id -u
  >   relctl releases --store store; relctl env --store store
  >   relctl env set A=1 --store store; echo "env set: exit $?"
  >   relctl releases promote --store store; echo "releases promote: exit $?"
  >   relctl env --store "file:store?mode=rw"; echo "mode=rw: exit $?"'
  4242
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RPIJJNQDVV  active         now      env add:FOO
  FOO=bar
  Setting A... env set: exit 7
  Promoting RPIJJNQDVV...
  releases promote: exit 7
  mode=rw: exit 7
  ! ERROR: writing release: store opened read-only (its directory is not writable: Permission denied): it cannot be written
  ! ERROR: taking hold: store opened read-only (its directory is not writable: Permission denied): it cannot be written
  ! ERROR: opening file store: store directory 'store' is not writable (Permission denied), and the store was opened with mode=rw

  $ sh fingerprint.sh store | diff before - && echo unchanged
  unchanged
