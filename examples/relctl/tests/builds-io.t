Builds carried between apps and stores: `builds export` and `builds import`.
Ids used further down are kept in files (b1: the build, b1r: its release).

  $ relctl apps create myapp --id && relctl apps create staging --id
  myapp
  staging
  ! Creating myapp... OK
  ! Creating staging... OK

A complete build with a manifest and a log.

  $ printf 'web: image nginx\n' > m.yml && printf 'Building: .\nRunning: docker push\n' > build.log
  $ relctl builds create -a myapp -d "build 0a1b2c3d4e my commit" --manifest m.yml --log build.log --id > ids && cat ids && head -1 ids > b1
  BDXASDGITV
  RWWFCRPSQO
  $ relctl builds export "$(cat b1)" -a myapp --file build.tgz
  Exporting build... OK
  $ ls build.tgz
  build.tgz

Imported into another app: a new build, complete, with the same
description, manifest, log, start and end, and its release (not promoted).

@advance 120
  $ relctl builds import -a staging --file build.tgz
  Importing build... OK, RPFOIZYFGX
  $ relctl builds -a staging
  ID          STATUS    RELEASE     STARTED        ELAPSED  DESCRIPTION
  BHKOBKCXZE  complete  RPFOIZYFGX  2 minutes ago  0s       build 0a1b2c3d4e my commit
  $ relctl builds import -a staging -f build.tgz --id > ids2 && cat ids2 && head -1 ids2 > b2
  BCAUHQRNUH
  RFLIGSACBA
  ! Importing build... OK, RFLIGSACBA
  $ relctl builds info "$(cat b2)" -a staging --json
  {
    "id": "BCAUHQRNUH",
    "app": "staging",
    "status": "complete",
    "release": "RFLIGSACBA",
    "description": "build 0a1b2c3d4e my commit",
    "started": "2019-01-01T00:00:00.000000000Z",
    "ended": "2019-01-01T00:00:00.000000000Z",
    "manifest": "web: image nginx\n",
    "actor": "alice@example.com"
  }
  $ relctl builds logs "$(cat b2)" -a staging
  Building: .
  Running: docker push
  $ relctl releases -a staging
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RFLIGSACBA          BCAUHQRNUH  now      build 0a1b2c3d4e my commit
  RPFOIZYFGX          BHKOBKCXZE  now      build 0a1b2c3d4e my commit

Into another store, through a pipe: export writes to standard output
without --file (or with '-'), its transcript then on standard error; import
reads standard input.

  $ relctl apps create myapp --store other --id
  myapp
  ! Creating myapp... OK
  $ relctl builds export "$(cat b1)" -a myapp | relctl builds import -a myapp --store other
  Importing build... OK, RHRZGMONYP
  ! Exporting build... OK
  $ relctl builds export "$(cat b1)" -a myapp -f - > copy.tgz && cmp copy.tgz build.tgz
  ! Exporting build... OK
  $ relctl builds import -a myapp --store other --file - < copy.tgz --id
  BFRNDTZTOK
  RZPRFVZKBS
  ! Importing build... OK, RZPRFVZKBS
  $ relctl builds -a myapp --store other
  ID          STATUS    RELEASE     STARTED        ELAPSED  DESCRIPTION
  BFRNDTZTOK  complete  RZPRFVZKBS  2 minutes ago  0s       build 0a1b2c3d4e my commit
  BOGGWBLDWC  complete  RHRZGMONYP  2 minutes ago  0s       build 0a1b2c3d4e my commit

A build of another app, an unknown build, a build that is not complete.

  $ relctl builds export "$(cat b1)" -a staging -f x.tgz
  Exporting build...  (no-eol)
  ! ERROR: app 'staging': build BDXASDGITV not found
  [3]
  $ relctl builds export BNOSUCHONE -a myapp -f x.tgz
  Exporting build...  (no-eol)
  ! ERROR: app 'myapp': build BNOSUCHONE not found
  [3]
  $ relctl builds export nonsense -a myapp -f x.tgz
  Exporting build...  (no-eol)
  ! ERROR: invalid build id (want 'B' and 9 or 10 letters A-Z)
  [2]
  $ relctl builds create -a myapp --status running -d "still building" --id > b3
  $ relctl builds export "$(cat b3)" -a myapp -f x.tgz
  Exporting build...  (no-eol)
  ! ERROR: build BCEMOASDBU is not complete (its status is running): only a complete build is exported
  [4]
  $ test -e x.tgz || echo "no x.tgz"
  no x.tgz
  $ relctl builds create -a myapp --status failed -d "broken" --id > b4
  $ relctl builds export "$(cat b4)" -a myapp -f -
  ! Exporting build... ERROR: build BYXEMGTXDB is not complete (its status is failed): only a complete build is exported
  [4]
  $ relctl builds export -a myapp
  ! ERROR: missing argument (usage: relctl builds export BID -a APP [--file FILE])
  [2]
  $ relctl builds export "$(cat b1)" -a myapp -f ''
  ! ERROR: --file is empty: give a file, or '-' for standard output
  [2]

A file is written beside its name and renamed over it, so a file that was
there is replaced whole, and a failed write leaves nothing. The file is
0600 (less what the umask takes), whatever was there: an export holds the
build's manifest and log. A symbolic link at FILE is replaced, not
followed (its target is left as it was). A FIFO or a device is written in
place.

  $ echo old > again.tgz && chmod 644 again.tgz
  $ umask 022 && relctl builds export "$(cat b1)" -a myapp -f again.tgz && cmp again.tgz build.tgz && ls -l again.tgz | cut -c1-10 && ls again.tgz*
  Exporting build... OK
  -rw-------
  again.tgz
  $ echo target > target && ln -s target link.tgz
  $ relctl builds export "$(cat b1)" -a myapp -f link.tgz && cat target && cmp link.tgz build.tgz && ls -l link.tgz | cut -c1-10
  Exporting build... OK
  target
  -rw-------
  $ relctl builds export "$(cat b1)" -a myapp -f nodir/build.tgz
  Exporting build...  (no-eol)
  ! ERROR: writing 'nodir/build.tgz': No such file or directory
  [1]
  $ relctl builds export "$(cat b1)" -a myapp -f /dev/full
  Exporting build...  (no-eol)
  ! ERROR: writing '/dev/full': No space left on device
  [1]
  $ mkfifo fifo && { cat fifo > from-fifo.tgz & } && relctl builds export "$(cat b1)" -a myapp -f fifo && wait && cmp from-fifo.tgz build.tgz && ls fifo*
  Exporting build... OK
  fifo

Import refuses a file that is truncated, altered, empty, not an export, or
of a newer format (exit 2), and writes nothing.

  $ head -c 50 build.tgz > truncated.tgz
  $ relctl builds import -a staging -f truncated.tgz
  Importing build...  (no-eol)
  ! ERROR: 'truncated.tgz' cannot be imported: build export is truncated (50 bytes of 179)
  [2]
  $ head -c 3 build.tgz > short.tgz
  $ relctl builds import -a staging -f short.tgz
  Importing build...  (no-eol)
  ! ERROR: 'short.tgz' cannot be imported: build export is truncated (3 bytes)
  [2]
  $ python3 -c 'import sys; d = bytearray(open("build.tgz", "rb").read()); d[40] ^= 1; open("altered.tgz", "wb").write(d)'
  $ relctl builds import -a staging -f altered.tgz
  Importing build...  (no-eol)
  ! ERROR: 'altered.tgz' cannot be imported: build export is damaged or altered (its checksum does not match)
  [2]
  $ cp build.tgz longer.tgz && echo more >> longer.tgz
  $ relctl builds import -a staging -f longer.tgz
  Importing build...  (no-eol)
  ! ERROR: 'longer.tgz' cannot be imported: build export has 5 bytes after its end
  [2]
A newer format is told from damage: its frame and checksum are whole
(the checksum is CRC-32C, mended here after raising the format byte).

  $ python3 -c 'import sys; d = bytearray(open("build.tgz", "rb").read()); d[4] = 2; open("newer.tgz", "wb").write(d)'
  $ relctl builds import -a staging -f newer.tgz
  Importing build...  (no-eol)
  ! ERROR: 'newer.tgz' cannot be imported: build export is damaged or altered (its checksum does not match)
  [2]
  $ python3 -c 'exec("d = bytearray(open(\"newer.tgz\", \"rb\").read())\nc = 0xffffffff\nfor x in d[:-4]:\n  c ^= x\n  for _ in range(8): c = (c >> 1) ^ (0x82f63b78 if c & 1 else 0)\nd[-4:] = (c ^ 0xffffffff).to_bytes(4, \"little\")\nopen(\"newer.tgz\", \"wb\").write(d)")'
  $ relctl builds import -a staging -f newer.tgz
  Importing build...  (no-eol)
  ! ERROR: 'newer.tgz' cannot be imported: build export is of format 2, newer than this library's 1 (a later librelease reads it)
  [2]
  $ : > empty.tgz
  $ relctl builds import -a staging -f empty.tgz
  ! ERROR: 'empty.tgz' is empty: it holds no build export
  [2]
  $ relctl builds import -a staging < /dev/null
  ! ERROR: standard input is empty: it holds no build export
  [2]
  $ relctl builds import -a staging -f m.yml
  Importing build...  (no-eol)
  ! ERROR: 'm.yml' cannot be imported: not a build export (17 bytes without its signature)
  [2]
  $ relctl builds import -a staging -f missing.tgz
  ! ERROR: reading 'missing.tgz': No such file or directory
  [3]
  $ relctl builds import -a staging -f .
  ! ERROR: reading '.': Is a directory
  [2]
  $ relctl builds import -a staging -f ''
  ! ERROR: --file is empty: give a file, or '-' for standard input
  [2]
  $ relctl builds -a staging
  ID          STATUS    RELEASE     STARTED        ELAPSED  DESCRIPTION
  BCAUHQRNUH  complete  RFLIGSACBA  2 minutes ago  0s       build 0a1b2c3d4e my commit
  BHKOBKCXZE  complete  RPFOIZYFGX  2 minutes ago  0s       build 0a1b2c3d4e my commit

Into an app that does not exist (a store that cannot be written:
builds-store.t).

  $ relctl builds import -a nosuchapp -f build.tgz
  Importing build...  (no-eol)
  ! ERROR: app 'nosuchapp' not found
  [3]
  $ relctl builds import -a nosuchapp -f truncated.tgz
  Importing build...  (no-eol)
  ! ERROR: 'truncated.tgz' cannot be imported: build export is truncated (50 bytes of 179)
  [2]

What the commands say of themselves.

  $ relctl builds export --help | sed '/show help$/q'
  Usage: relctl builds export BID -a APP [--file FILE]
  
  Export a complete build to a file.
  
  Writes the build (description, manifest, log, start and end) for `builds
  import`, to FILE, or to standard output without --file (or with '-'),
  which must not be a terminal; the transcript then goes to standard error.
  FILE is replaced whole or not at all (a symbolic link at FILE is replaced,
  not followed), as a file of mode 0600: an export holds the manifest and
  the log.
  
  Options:
    -f, --file FILE             the file to write or read ('-': standard
                                output or input)
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
  $ relctl builds import --help | sed '/show help$/q'
  Usage: relctl builds import -a APP [--file FILE] [--id]
  
  Import an exported build into an app, with its release.
  
  Reads what `builds export` wrote, from FILE, or from standard input
  without --file (or with '-'), into a new build of APP, which may be another
  app or in another store, and creates its release (not promoted). A file
  that is truncated, altered or of a newer format is refused (exit 2) and
  nothing is written. --id prints the new build's and release's ids.
  
  Options:
        --id                    print only the new id(s) on standard output
    -f, --file FILE             the file to write or read ('-': standard
                                output or input)
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
