Env of a given release, one value: env --release, env get.

@env RELEASE_APP=myapp
  $ relctl apps create && relctl apps create other
  Creating myapp... OK
  Creating other... OK

  $ relctl env set -a other FOO=theirs
  Setting FOO... OK
  Release: RVJWNBKDHM

  $ relctl env set FOO=one BAR=x
  Setting FOO, BAR... OK
  Release: RDXASDGITV

  $ relctl env set FOO=two
  Setting FOO... OK
  Release: RGULVXUKUH

env shows the newest release's env; --release another's, by id or by
version (12 or v12).

  $ relctl env
  BAR=x
  FOO=two

  $ relctl env --release RDXASDGITV
  BAR=x
  FOO=one

  $ relctl env --release 1
  BAR=x
  FOO=one

  $ relctl env --release v1 --json
  {
    "app": "myapp",
    "release": "RDXASDGITV",
    "env": {
      "BAR": "x",
      "FOO": "one"
    }
  }

env get prints one value and a newline: byte for byte when piped, made safe
on a terminal (check_tty.py).

  $ relctl env get FOO
  two

  $ relctl env get FOO --release RDXASDGITV
  one

  $ relctl env get FOO --release v2 --json
  {
    "app": "myapp",
    "release": "RGULVXUKUH",
    "key": "FOO",
    "value": "two"
  }

  $ relctl env set 'NL=line one
  > line two' EMPTY= >/dev/null && relctl env get NL && relctl env get EMPTY | od -An -c
  line one
  line two
    \n

  $ relctl env get NL --json
  {
    "app": "myapp",
    "release": "RSIXKXJKDJ",
    "key": "NL",
    "value": "line one\nline two"
  }

A key that is not set, an invalid key, an unknown release, a release of
another app, a version that does not exist.

  $ relctl env get NOPE
  ! ERROR: env not found: NOPE
  [3]

  $ relctl env get NOPE --json
  ! ERROR: env not found: NOPE
  [3]

  $ relctl env get 1X
  ! ERROR: invalid env key '1X' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

  $ relctl env get FOO --release RNOSUCHONE
  ! ERROR: app 'myapp': release RNOSUCHONE not found
  [3]

  $ relctl env --release RNOSUCHONE --json
  ! ERROR: app 'myapp': release RNOSUCHONE not found
  [3]

RVJWNBKDHM is a release of the app 'other', not of myapp.

  $ relctl env --release RVJWNBKDHM
  ! ERROR: app 'myapp': release RVJWNBKDHM not found
  [3]

  $ relctl env get FOO --release RVJWNBKDHM
  ! ERROR: app 'myapp': release RVJWNBKDHM not found
  [3]

  $ relctl env get FOO --release 99
  ! ERROR: app 'myapp': release version 99 not found
  [3]

  $ relctl env --release v0
  ! ERROR: invalid version 'v0' (a version is a number from 1: 12 or v12)
  [2]

  $ relctl env --release bogus
  ! ERROR: invalid release 'bogus' (an id, R and 9 or 10 letters A-Z, or a version: 12 or v12)
  [2]

  $ relctl env get
  ! ERROR: missing argument (usage: relctl env get KEY -a APP [--release RID|VERSION] [--json])
  [2]

  $ relctl env get A B
  ! ERROR: unexpected argument 'B' (usage: relctl env get KEY -a APP [--release RID|VERSION] [--json])
  [2]

  $ relctl env get FOO -a nosuchapp
  ! ERROR: app 'nosuchapp' not found
  [3]

Before the first release nothing is set.

  $ relctl apps create empty && relctl env get FOO -a empty
  Creating empty... OK
  ! ERROR: env not found: FOO
  [3]

  $ relctl env -a empty --release 1
  ! ERROR: app 'empty': release version 1 not found
  [3]
