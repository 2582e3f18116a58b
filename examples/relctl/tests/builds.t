Builds: creating, listing, showing.

  $ relctl apps create myapp --id
  myapp
  ! Creating myapp... OK

A new app has no builds.

  $ relctl builds -a myapp
  ID  STATUS  RELEASE  STARTED  ELAPSED  DESCRIPTION

A complete build (the default) also gets its release, not promoted.

  $ relctl builds create -a myapp --description "build 0a1b2c3d4e5f my commit message"
  Build:   BDXASDGITV
  Release: RWWFCRPSQO

  $ relctl releases -a myapp
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RWWFCRPSQO          BDXASDGITV  now      build 0a1b2c3d4e5f my commit message

Other statuses make only a build.

@advance 65
  $ relctl builds create -a myapp --status running --description "still building"
  Build:   BVKHZWTAFY

@advance 3600
  $ relctl builds create -a myapp --status failed -d "a failed one" --id
  BHKOBKCXZE

  $ relctl builds create -a myapp --status created --description "queued"
  Build:   BVEWTLLPFI

  $ relctl builds create -a myapp --status done
  ! ERROR: --status wants created, running, complete or failed, not 'done'
  [2]

--id prints the build's id and its release's, one a line.

@advance 86400
  $ relctl builds create -a myapp --description "with ids" --id
  BSKPSPDJEU
  ROKBEQPOJE

The manifest comes from a file, or from standard input with '-'.

@advance 1
  $ cp "$TESTHOOKS/../manifest.yml" m.yml && relctl builds create -a myapp -d "with a manifest" --manifest m.yml
  Build:   BIFHHLTSXJ
  Release: RTLWLVORCV

  $ printf 'from: stdin\n' | relctl builds create -a myapp -d "manifest on stdin" -m - --id
  BCPHZQLZRJ
  ROEFYRGXJC

  $ relctl builds create -a myapp -d x --manifest missing.yml
  ! ERROR: reading manifest 'missing.yml': No such file or directory
  [3]

The table: newest first, padded to the widest cell, a long description last.

@advance 30
  $ relctl builds create -a myapp --description "a long description that goes on and on past the edge of the other rows, as commit subjects sometimes do" --id
  BOGGWBLDWC
  RHRZGMONYP

  $ relctl builds -a myapp
  ID          STATUS    RELEASE     STARTED         ELAPSED  DESCRIPTION
  BOGGWBLDWC  complete  RHRZGMONYP  now             0s       a long description that goes on and on past the edge of the other rows, as commit subjects sometimes do
  BCPHZQLZRJ  complete  ROEFYRGXJC  30 seconds ago  0s       manifest on stdin
  BIFHHLTSXJ  complete  RTLWLVORCV  30 seconds ago  0s       with a manifest
  BSKPSPDJEU  complete  ROKBEQPOJE  31 seconds ago  0s       with ids
  BVEWTLLPFI  created               1 day ago                queued
  BHKOBKCXZE  failed                1 day ago       0s       a failed one
  BVKHZWTAFY  running               1 day ago                still building
  BDXASDGITV  complete  RWWFCRPSQO  1 day ago       0s       build 0a1b2c3d4e5f my commit message

  $ relctl builds -a myapp --limit 2
  ID          STATUS    RELEASE     STARTED         ELAPSED  DESCRIPTION
  BOGGWBLDWC  complete  RHRZGMONYP  now             0s       a long description that goes on and on past the edge of the other rows, as commit subjects sometimes do
  BCPHZQLZRJ  complete  ROEFYRGXJC  30 seconds ago  0s       manifest on stdin

  $ relctl builds -a myapp --limit two
  ! ERROR: --limit wants a whole number, not 'two'
  [2]

  $ relctl builds -a myapp --json --limit 1
  [
    {
      "id": "BOGGWBLDWC",
      "app": "myapp",
      "status": "complete",
      "release": "RHRZGMONYP",
      "description": "a long description that goes on and on past the edge of the other rows, as commit subjects sometimes do",
      "started": "2019-01-02T01:01:36.000000000Z",
      "ended": "2019-01-02T01:01:36.000000000Z",
      "actor": "alice@example.com"
    }
  ]

Info, by id.

  $ relctl builds info BIFHHLTSXJ -a myapp
  Id           BIFHHLTSXJ
  Status       complete
  Release      RTLWLVORCV
  Description  with a manifest
  Started      30 seconds ago
  Elapsed      0s
  Actor        alice@example.com

  $ relctl builds info BIFHHLTSXJ -a myapp --json
  {
    "id": "BIFHHLTSXJ",
    "app": "myapp",
    "status": "complete",
    "release": "RTLWLVORCV",
    "description": "with a manifest",
    "started": "2019-01-02T01:01:06.000000000Z",
    "ended": "2019-01-02T01:01:06.000000000Z",
    "manifest": "web: image nginx\nworker: \"quoted\"\n",
    "actor": "alice@example.com"
  }

  $ relctl builds info BVKHZWTAFY -a myapp
  Id           BVKHZWTAFY
  Status       running
  Release
  Description  still building
  Started      1 day ago
  Elapsed
  Actor        alice@example.com

  $ relctl builds info BNOSUCHONE -a myapp
  ! ERROR: app 'myapp': build BNOSUCHONE not found
  [3]

  $ relctl builds info nonsense -a myapp
  ! ERROR: invalid build id (want 'B' and 9 or 10 letters A-Z)
  [2]

  $ relctl builds info -a myapp
  ! ERROR: missing argument (usage: relctl builds info BID -a APP [--json])
  [2]

  $ relctl builds -a nosuchapp
  ! ERROR: app 'nosuchapp' not found
  [3]

Outside a git work tree, a build without --description has none, and a note
says why.

  $ relctl builds create -a myapp --status created
  Build:   BGHNYJOUEY
  ! relctl: note: not in a git work tree, so the build has no description (give one with --description)
