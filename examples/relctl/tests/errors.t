Errors: "ERROR: <message>" on stderr and an exit status that says what kind.
0 ok, 1 failure, 2 usage, 3 not found, 4 refused, 5 busy, 6 deploy failed,
7 store unusable, 8 deployed already (releases promote --if-pending:
releases.t).

Usage errors (2).

  $ relctl >/dev/null 2>err; echo "exit $?"; head -1 err
  exit 2
  Usage: relctl COMMAND [ARGS] [OPTIONS]

  $ relctl frobnicate
  ! ERROR: unknown command 'frobnicate' (see 'relctl --help')
  [2]

  $ relctl releases frobnicate -a myapp
  ! ERROR: unexpected argument 'frobnicate' (usage: relctl releases -a APP [--limit N] [--before VERSION|RID] [--json] [--watch])
  [2]

  $ relctl apps create a b
  ! ERROR: unexpected argument 'b' (usage: relctl apps create APP [--id])
  [2]

  $ relctl releases --frob
  ! ERROR: unknown option '--frob' (see 'relctl --help')
  [2]

  $ relctl releases -x
  ! ERROR: unknown option '-x' (see 'relctl --help')
  [2]

  $ relctl releases -a
  ! ERROR: option '--app' needs a value (see 'relctl --help')
  [2]

  $ relctl releases --json=yes -a myapp
  ! ERROR: option '--json' takes no value (see 'relctl --help')
  [2]

  $ relctl releases --promote -a myapp
  ! ERROR: 'releases' does not take --promote (see 'relctl releases --help')
  [2]

  $ relctl apps --limit 3
  ! ERROR: 'apps' does not take --limit (see 'relctl apps --help')
  [2]

  $ relctl releases
  ! ERROR: no app given: use -a APP or set RELEASE_APP
  [2]

  $ relctl releases -a My_App
  ! ERROR: invalid app name 'My_App' (want 1-63 of a-z, 0-9 and '-', starting and ending with a letter or digit)
  [2]

  $ RELCTL_TEST_NOW=yesterday relctl apps
  ! ERROR: RELCTL_TEST_NOW must be whole seconds since the epoch, not 'yesterday'
  [2]

Options and words mix freely; -- ends the options.

  $ relctl apps create myapp
  Creating myapp... OK

  $ relctl -a myapp releases --limit=1 --json
  []

  $ relctl --app=myapp env set -- FOO=-x
  Setting FOO... OK
  Release: RPUJVIHRAM

Not found (3).

  $ relctl releases -a nosuchapp
  ! ERROR: app 'nosuchapp' not found
  [3]

  $ relctl releases info RABCDEFGHI -a myapp
  ! ERROR: app 'myapp': release RABCDEFGHI not found
  [3]

Refused (4).

  $ relctl apps create myapp
  Creating myapp...  (no-eol)
  ! ERROR: app 'myapp' already exists
  [4]

The store (7): not a directory, an unknown scheme, not a store, damaged.

  $ touch plain-file && relctl apps --store plain-file
  ! ERROR: opening file store: opening store directory '$TESTTMP/plain-file': Not a directory
  [7]

  $ relctl apps --store mysql://db/releases
  ! ERROR: unknown store URI 'mysql://db/releases' (known: "memory:", "file:PATH")
  [7]

  $ mkdir not-a-store && mkdir not-a-store/FORMAT && relctl apps --store not-a-store
  ! ERROR: opening file store: not a librelease file store \(FORMAT .*\) (re)
  [7]

  $ if [ "$(id -u)" = 0 ]; then echo "unreadable: exit 7 (skipped as root)"; else mkdir locked && chmod 000 locked && relctl apps --store locked/store 2>/dev/null; echo "unreadable: exit $?"; fi
  unreadable: exit 7( \(skipped as root\))? (re)

  $ relctl builds create -a myapp -d one --id >/dev/null && relctl env set -a myapp A=1 B=2 >/dev/null && relctl env set -a myapp C=3 --id
  RUUPPRGRIU
  ! Setting C... OK
  ! Release: RUUPPRGRIU

  $ printf 'XXXXXXXX' | dd of="$RELEASE_STORE/myapp/log.1" bs=1 seek=100 conv=notrunc 2>/dev/null && relctl releases -a myapp
  ! ERROR: app record: app 'myapp': record at byte 64 of log.1 fails its checksum
  [7]

  $ relctl releases info RWWFCRPSQO -a myapp
  ! ERROR: app record: app 'myapp': record at byte 64 of log.1 fails its checksum
  [7]

A plain path is a file store; so is RELEASE_STORE; --store wins.

  $ relctl apps create other --store elsewhere && RELEASE_STORE=elsewhere relctl apps && relctl apps --store file:elsewhere --json | grep name
  Creating other... OK
  APP    STATUS   RELEASE
  other  running
      "name": "other",

  $ relctl apps --store memory:
  APP  STATUS  RELEASE
