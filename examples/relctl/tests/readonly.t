Read-only stores: file:PATH?mode=ro reads a store and never writes it; every
write is refused (exit 7) and leaves the directory as it was.

@env RELEASE_APP=myapp
  $ relctl apps create && relctl builds create -d "build 1" && relctl releases promote
  Creating myapp... OK
  Build:   BPIJJNQDVV
  Release: RXIMFJJBPM
  Promoting RXIMFJJBPM...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK
  $ relctl env set FOO=bar --promote
  Setting FOO... OK
  Release: RVJWNBKDHM
  Promoting RVJWNBKDHM...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

@advance 60
  $ relctl builds create -d "build 2" --manifest - <<'EOF'
  > services:
  >   web: {}
  > EOF
  Build:   BDXASDGITV
  Release: RWWFCRPSQO

fingerprint.sh prints every name in a directory with its type, size, mode,
modification and change times, and every file's checksum.

  $ cat > fingerprint.sh <<'EOF'
  > cd "$1" && find . -exec stat -c '%n %F %s %a %y %z' {} + | sort &&
  > find . -type f -exec cksum {} + | sort
  > EOF
  $ sh fingerprint.sh store > before

Reads see what was written.

@env RELEASE_STORE=file:store?mode=ro
@advance 60
  $ relctl apps
  APP    STATUS   RELEASE
  myapp  running  RVJWNBKDHM

  $ relctl releases
  ID          STATUS  BUILD       CREATED        DESCRIPTION
  RWWFCRPSQO          BDXASDGITV  1 minute ago   build 2
  RVJWNBKDHM  active  BPIJJNQDVV  2 minutes ago  env add:FOO
  RXIMFJJBPM          BPIJJNQDVV  2 minutes ago  build 1

  $ relctl releases info RVJWNBKDHM
  Id           RVJWNBKDHM
  Build        BPIJJNQDVV
  Created      2019-01-01T00:00:00Z
  Actor        alice@example.com
  Description  env add:FOO
  Env          FOO=bar

  $ relctl releases manifest RWWFCRPSQO
  services:
    web: {}

  $ relctl builds
  ID          STATUS    RELEASE     STARTED        ELAPSED  DESCRIPTION
  BDXASDGITV  complete  RWWFCRPSQO  1 minute ago   0s       build 2
  BPIJJNQDVV  complete  RXIMFJJBPM  2 minutes ago  0s       build 1

  $ relctl builds info BDXASDGITV
  Id           BDXASDGITV
  Status       complete
  Release      RWWFCRPSQO
  Description  build 2
  Started      1 minute ago
  Elapsed      0s
  Actor        alice@example.com

  $ relctl env
  FOO=bar

  $ relctl env --json
  {
    "app": "myapp",
    "release": "RWWFCRPSQO",
    "env": {
      "FOO": "bar"
    }
  }

Every write is refused with the library's message, exit 7; the deploy hook
of a promotion does not run.

  $ relctl env set FOO=baz
  Setting FOO...  (no-eol)
  ! ERROR: writing release: store opened read-only: it cannot be written
  [7]

  $ relctl env unset FOO --promote
  Unsetting FOO...  (no-eol)
  ! ERROR: writing release: store opened read-only: it cannot be written
  [7]

  $ relctl releases promote --hook 'echo the hook ran'
  Promoting RWWFCRPSQO...
  ! ERROR: taking hold: store opened read-only: it cannot be written
  [7]

  $ relctl releases rollback --hook 'echo the hook ran'
  Rolling back to RXIMFJJBPM...
  ! ERROR: taking hold: store opened read-only: it cannot be written
  [7]

  $ relctl builds create -d "build 3"
  ! ERROR: writing build: store opened read-only: it cannot be written
  [7]

  $ relctl apps create other
  Creating other...  (no-eol)
  ! ERROR: creating app: store opened read-only: it cannot be written
  [7]

  $ relctl apps delete myapp
  Deleting myapp...  (no-eol)
  ! ERROR: deleting app: store opened read-only: it cannot be written
  [7]

env edit says so before it starts the editor: no edit is asked for that
could not be saved.

  $ EDITOR='echo the editor ran on' relctl env edit
  ! ERROR: writing release: store opened read-only: it cannot be written
  [7]

Nothing in the store changed: no file made, written, locked or renamed.

  $ sh fingerprint.sh store | diff before - && echo unchanged
  unchanged

The reads and the refusals are the same through --store, as a URI or a
plain path, absolute or relative.

@unenv RELEASE_STORE
  $ relctl releases --store "file:$TESTTMP/store?mode=ro" && relctl releases --store 'store?mode=ro'
  ID          STATUS  BUILD       CREATED        DESCRIPTION
  RWWFCRPSQO          BDXASDGITV  1 minute ago   build 2
  RVJWNBKDHM  active  BPIJJNQDVV  2 minutes ago  env add:FOO
  RXIMFJJBPM          BPIJJNQDVV  2 minutes ago  build 1
  ID          STATUS  BUILD       CREATED        DESCRIPTION
  RWWFCRPSQO          BDXASDGITV  1 minute ago   build 2
  RVJWNBKDHM  active  BPIJJNQDVV  2 minutes ago  env add:FOO
  RXIMFJJBPM          BPIJJNQDVV  2 minutes ago  build 1

  $ relctl env set A=1 --store "file://$TESTTMP/store?mode=ro"
  Setting A...  (no-eol)
  ! ERROR: writing release: store opened read-only: it cannot be written
  [7]

  $ sh fingerprint.sh store | diff before - && echo unchanged
  unchanged

?mode=rw opens for writing, as no option does.

  $ relctl env --store 'file:store?mode=rw' && relctl env set A=1 --store 'file:store?mode=rw'
  FOO=bar
  Setting A... OK
  Release: RNMUFJYTPI

A read-only open of a missing store makes nothing: relctl says there is no
store, and so does apps create, which would make one.

  $ relctl apps --store 'file:missing?mode=ro'
  ! ERROR: no store at missing (relctl apps create makes one)
  [7]

  $ relctl apps create new --store 'file:missing?mode=ro'; echo "exit $?"; ls -A
  exit 7
  before
  fingerprint.sh
  home
  store
  tmp
  ! ERROR: opening file store: opening store directory 'missing': No such file or directory

An unknown option is refused, exit 7 (the store cannot be used).

  $ relctl apps --store 'file:store?mode=readonly'
  ! ERROR: opening file store: unknown file store option 'mode=readonly' (known: mode=rw, mode=ro)
  [7]

  $ relctl apps --store 'file:store?ro=1'
  ! ERROR: opening file store: unknown file store option 'ro=1' (known: mode=rw, mode=ro)
  [7]
