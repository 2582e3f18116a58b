The apps and builds commands on a file store that cannot be used as asked:
opened read-only (?mode=ro), where the commands that read work and the
ones that write are refused (exit 7) and change nothing; and damaged.

  $ relctl apps create myapp --id
  myapp
  ! Creating myapp... OK
  $ relctl apps hook set 'echo deploy' -a myapp
  Setting hook for myapp... OK
  $ printf 'Building: .\n' > build.log && relctl builds create -a myapp -d first --log build.log --id > ids && head -1 ids > b1
  $ relctl builds create -a myapp -d running --status running --id > b2
  $ relctl builds export "$(cat b1)" -a myapp -f build.tgz
  Exporting build... OK

Reads.

@env RO=?mode=ro
  $ relctl apps info myapp --store "$RELEASE_STORE$RO"
  Name      myapp
  Status    running
  Release
  Previous
  Created   2019-01-01T00:00:00Z
  Hook      echo deploy
  Masked
  $ relctl apps hook myapp --store "$RELEASE_STORE$RO"
  echo deploy
  $ relctl builds logs "$(cat b1)" -a myapp --store "$RELEASE_STORE$RO"
  Building: .
  $ relctl builds logs "$(cat b1)" -a myapp --follow --store "$RELEASE_STORE$RO"
  Building: .
  $ relctl builds export "$(cat b1)" -a myapp -f again.tgz --store "$RELEASE_STORE$RO" && cmp again.tgz build.tgz
  Exporting build... OK

Writes.

  $ relctl apps hook set true -a myapp --store "$RELEASE_STORE$RO"
  Setting hook for myapp...  (no-eol)
  ! ERROR: writing settings: store opened read-only: it cannot be written
  [7]
  $ relctl apps hook unset -a myapp --store "$RELEASE_STORE$RO"
  Unsetting hook for myapp...  (no-eol)
  ! ERROR: writing settings: store opened read-only: it cannot be written
  [7]
  $ relctl builds import -a myapp -f build.tgz --store "$RELEASE_STORE$RO"
  Importing build...  (no-eol)
  ! ERROR: writing release: store opened read-only: it cannot be written
  [7]
  $ head -c 50 build.tgz > truncated.tgz && relctl builds import -a myapp -f truncated.tgz --store "$RELEASE_STORE$RO"
  Importing build...  (no-eol)
  ! ERROR: 'truncated.tgz' cannot be imported: build export is truncated (50 bytes of 120)
  [2]
  $ echo more | relctl builds logs append "$(cat b2)" -a myapp --store "$RELEASE_STORE$RO"
  Appending to the log of BGULVXUKUH...  (no-eol)
  ! ERROR: updating build: store opened read-only: it cannot be written
  ! relctl: note: 0 bytes of the input were appended, 5 read and dropped
  [7]
  $ relctl builds set-status "$(cat b2)" complete -a myapp --store "$RELEASE_STORE$RO"
  Setting BGULVXUKUH to complete...  (no-eol)
  ! ERROR: writing release: store opened read-only: it cannot be written
  [7]
  $ relctl builds create -a myapp -d x --log build.log --store "$RELEASE_STORE$RO"
  ! ERROR: writing build: store opened read-only: it cannot be written
  [7]

Nothing changed.

  $ relctl apps hook myapp
  echo deploy
  $ relctl builds -a myapp
  ID          STATUS    RELEASE     STARTED  ELAPSED  DESCRIPTION
  BGULVXUKUH  running               now               running
  BDXASDGITV  complete  RWWFCRPSQO  now      0s       first
  $ relctl builds logs "$(cat b2)" -a myapp

A damaged store is the store's failure (exit 7), not the file's, when a
good export is imported into it; a damaged app or build cannot be shown.

  $ relctl apps create damaged --id && relctl builds create -a damaged -d one --log build.log --id > d1 && relctl builds create -a damaged -d two --id
  damaged
  BCNSDIFRER
  RNOVXJJYSD
  ! Creating damaged... OK
  $ python3 "$HOOKS/tests/damage.py" store/damaged "$(head -1 d1)"
  $ relctl builds logs "$(head -1 d1)" -a damaged
  ! ERROR: build: app 'damaged': record at byte 476 of log.1 fails its checksum
  [7]
  $ relctl builds export "$(head -1 d1)" -a damaged -f x.tgz
  Exporting build...  (no-eol)
  ! ERROR: build: app 'damaged': record at byte 476 of log.1 fails its checksum
  [7]
  $ python3 "$HOOKS/tests/damage.py" store/damaged app
  $ relctl builds import -a damaged -f build.tgz
  Importing build...  (no-eol)
  ! ERROR: app record: app 'damaged': record at byte 64 of log.1 fails its checksum
  [7]
  $ relctl apps info damaged
  ! ERROR: app record: app 'damaged': record at byte 64 of log.1 fails its checksum
  [7]
  $ relctl apps hook damaged
  ! ERROR: app record: app 'damaged': record at byte 64 of log.1 fails its checksum
  [7]

Completing a build and making its release is one write: when it fails
(here the making read a damaged release) the build stays as it was, and
`builds set-status BID complete` completes it once the store answers again
(the damaged byte flipped back). Setting it complete again prints the same
release.

  $ relctl apps create rescue --id && relctl builds create -a rescue -d one --id > r1 && relctl builds create -a rescue -d two --status running --id > r2
  rescue
  ! Creating rescue... OK
  $ python3 "$HOOKS/tests/damage.py" store/rescue "$(sed -n 2p r1)"
  $ relctl builds set-status "$(cat r2)" complete -a rescue
  Setting BMQMKSEUTS to complete...  (no-eol)
  ! ERROR: release: app 'rescue': record at byte 316 of log.1 fails its checksum
  [7]
  $ relctl builds info "$(cat r2)" -a rescue | sed -n 2,3p
  Status       running
  Release

`builds create` of a complete build writes the build, then its release:
when the release cannot be made, the build is complete without one, and
relctl says how to make it.

  $ relctl builds create -a rescue -d three --id
  BSTYOTTMSO
  ! ERROR: release: app 'rescue': record at byte 316 of log.1 fails its checksum
  ! relctl: note: build BSTYOTTMSO is complete without its release; `relctl builds set-status BSTYOTTMSO complete -a rescue` makes it
  [7]
  $ python3 "$HOOKS/tests/damage.py" store/rescue "$(sed -n 2p r1)"
  $ relctl builds set-status "$(cat r2)" complete -a rescue
  Setting BMQMKSEUTS to complete... OK
  Release: RZYXPLJRHF
  $ relctl builds set-status "$(relctl builds -a rescue --limit 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')" complete -a rescue
  Setting BSTYOTTMSO to complete... OK
  Release: RZIXLRMGMC
  $ relctl builds -a rescue
  ID          STATUS    RELEASE     STARTED  ELAPSED  DESCRIPTION
  BSTYOTTMSO  complete  RZIXLRMGMC  now      0s       three
  BMQMKSEUTS  complete  RZYXPLJRHF  now      0s       two
  BFERFUEQEZ  complete  RMQMKSEUTS  now      0s       one
  $ relctl builds set-status "$(cat r2)" complete -a rescue
  Setting BMQMKSEUTS to complete... OK
  Release: RZYXPLJRHF
