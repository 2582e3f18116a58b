Env: showing, setting, unsetting; Convox's descriptions.

@env RELEASE_APP=myapp
  $ relctl apps create
  Creating myapp... OK

Before any release the env is empty.

  $ relctl env

  $ relctl env --json
  {
    "app": "myapp",
    "release": null,
    "env": {}
  }

  $ relctl env set FOO=bar BAZ=qux
  Setting FOO, BAZ... OK
  Release: RGULVXUKUH

  $ relctl env
  BAZ=qux
  FOO=bar

An env change lists its changes as Convox does: add, change, remove.

  $ relctl env set FOO=changed NEW=1 BAZ=qux --id
  RHKOBKCXZE
  ! Setting FOO, NEW, BAZ... OK
  ! Release: RHKOBKCXZE

  $ relctl env unset BAZ FOO ABSENT
  Unsetting BAZ, FOO, ABSENT... OK
  Release: RVEWTLLPFI

  $ relctl releases
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RVEWTLLPFI                 now      env remove:BAZ remove:FOO
  RHKOBKCXZE                 now      env add:NEW change:FOO
  RGULVXUKUH                 now      env add:BAZ add:FOO

Setting what is already set, or unsetting what is not, creates nothing.

  $ relctl env set NEW=1
  Setting NEW... OK
  No changes: no release was created

  $ relctl env unset ABSENT --id
  ! Unsetting ABSENT... OK
  ! No changes: no release was created

Values are kept as given: spaces, quotes, '=', newlines, nothing.

  $ relctl env set 'QUOTED=say "hi"' 'EQ=a=b' 'NL=line one
  > line two' EMPTY= --id
  RCPHZQLZRJ
  ! Setting QUOTED, EQ, NL, EMPTY... OK
  ! Release: RCPHZQLZRJ

Text output keeps each pair on its line, showing a newline as \n; --json
is exact.

  $ relctl env
  EMPTY=
  EQ=a=b
  NEW=1
  NL=line one\nline two
  QUOTED=say "hi"

  $ relctl env --json
  {
    "app": "myapp",
    "release": "RCPHZQLZRJ",
    "env": {
      "EMPTY": "",
      "EQ": "a=b",
      "NEW": "1",
      "NL": "line one\nline two",
      "QUOTED": "say \"hi\""
    }
  }

--reveal makes no difference when standard output is not a terminal.

  $ relctl env --reveal | head -1
  EMPTY=

Mistakes are usage errors (exit 2) and write nothing; every word is checked
before anything is printed.

  $ relctl env set FOO
  ! ERROR: 'FOO' is not KEY=VALUE (usage: relctl env set KEY=VALUE... [KEY --stdin] [-f FILE] -a APP [--release RID|VERSION] [--replace] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id])
  [2]

  $ relctl env set 1FOO=x
  ! ERROR: invalid env key '1FOO' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

  $ relctl env set =x
  ! ERROR: invalid env key '' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

  $ relctl env unset FOO=bar
  ! ERROR: 'FOO=bar' is a KEY=VALUE, not a KEY (usage: relctl env unset KEY... -a APP [--release RID|VERSION] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id])
  [2]

  $ relctl env unset
  ! ERROR: missing argument (usage: relctl env unset KEY... -a APP [--release RID|VERSION] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id])
  [2]

  $ relctl env set
  ! ERROR: missing argument (usage: relctl env set KEY=VALUE... [KEY --stdin] [-f FILE] -a APP [--release RID|VERSION] [--replace] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id])
  [2]

  $ relctl env -a nosuchapp
  ! ERROR: app 'nosuchapp' not found
  [3]

  $ relctl env set -a nosuchapp A=b
  Setting A...  (no-eol)
  ! ERROR: app 'nosuchapp' not found
  [3]

  $ relctl releases --limit 1
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RCPHZQLZRJ                 now      env add:EMPTY add:EQ add:NL add:QUOTED

--promote promotes the new release.

  $ relctl env set FOO=bar --promote
  Setting FOO... OK
  Release: ROJHOIZGVD
  Promoting ROJHOIZGVD...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

  $ relctl env unset FOO -p --id
  RGHNYJOUEY
  ! Unsetting FOO... OK
  ! Release: RGHNYJOUEY
  ! Promoting RGHNYJOUEY...
  ! 2019-01-01T00:00:00Z librelease app Status: running => updating
  ! 2019-01-01T00:00:00Z librelease app Status: updating => running
  ! OK

  $ relctl releases --limit 2
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RGHNYJOUEY  active         now      env remove:FOO
  ROJHOIZGVD                 now      env add:FOO
