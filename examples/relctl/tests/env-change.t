Env changes based on a given release (--release), and replacing the env
(--replace).

@env RELEASE_APP=myapp
  $ relctl apps create && relctl apps create other
  Creating myapp... OK
  Creating other... OK

  $ relctl env set -a other FOO=theirs
  Setting FOO... OK
  Release: RVJWNBKDHM

  $ relctl env set FOO=bar KEEP=1 --promote
  Setting FOO, KEEP... OK
  Release: RDXASDGITV
  Promoting RDXASDGITV...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

A change that fails to deploy stays the newest release:

  $ relctl env set BAD=1 --promote --hook 'echo cannot deploy; exit 1'
  Setting BAD... OK
  Release: RGULVXUKUH
  Promoting RGULVXUKUH...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z hook cannot deploy
  2019-01-01T00:00:00Z relctl hook exited with status 1
  2019-01-01T00:00:00Z librelease app Status: updating => rollback
  2019-01-01T00:00:00Z librelease app Status: rollback => running
  ! ERROR: hook exited with status 1: app 'myapp': deployment of RGULVXUKUH failed (deployer returned 1); RDXASDGITV stays active
  [6]

so the next change made on the newest release would carry BAD=1 along.
--release bases the change on the active release instead, whatever came
after it; the description lists the change against that release.

  $ relctl env set FOO=baz --release RDXASDGITV --promote
  Setting FOO... OK
  Release: RVKHZWTAFY
  Promoting RVKHZWTAFY...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

  $ relctl env
  FOO=baz
  KEEP=1

  $ relctl releases
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RVKHZWTAFY  active         now      env change:FOO
  RGULVXUKUH  failed         now      env add:BAD
  RDXASDGITV                 now      env add:FOO add:KEEP

By version too; unset takes --release as well.

  $ relctl env unset KEEP --release 3
  Unsetting KEEP... OK
  Release: RCAUHQRNUH

  $ relctl env --release 4 && relctl releases --limit 1
  FOO=baz
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RCAUHQRNUH                 now      env remove:KEEP

Nothing changed against the base: no release.

  $ relctl env set FOO=baz --release v3
  Setting FOO... OK
  No changes: no release was created

  $ relctl env unset NOPE --release RDXASDGITV --id
  ! Unsetting NOPE... OK
  ! No changes: no release was created

--replace: the env becomes exactly the pairs given, against the newest
release or --release's. The transcript names every key the change adds,
changes or removes, as env edit's does, so that what goes is seen.

  $ relctl env set ONLY=this --replace
  Setting FOO, ONLY... OK
  Release: RSIXKXJKDJ

  $ relctl env
  ONLY=this

  $ relctl env set ONLY=this --replace --id
  ! Setting ... OK
  ! No changes: no release was created

  $ relctl env set A=1 B=2 --replace --release 1 --id
  RFRNDTZTOK
  ! Setting A, B, FOO, KEEP... OK
  ! Release: RFRNDTZTOK

  $ relctl env
  A=1
  B=2

Errors: an unknown release, another app's, a bad reference; nothing is
printed before them and nothing is written.

  $ relctl env set FOO=x --release RNOSUCHONE
  ! ERROR: app 'myapp': release RNOSUCHONE not found
  [3]

  $ relctl env set FOO=x --release RVJWNBKDHM
  ! ERROR: app 'myapp': release RVJWNBKDHM not found
  [3]

  $ relctl env unset FOO --release 99
  ! ERROR: app 'myapp': release version 99 not found
  [3]

  $ relctl env unset FOO --release bogus
  ! ERROR: invalid release 'bogus' (an id, R and 9 or 10 letters A-Z, or a version: 12 or v12)
  [2]

  $ relctl env set FOO=x --release
  ! ERROR: option '--release' needs a value (see 'relctl --help')
  [2]

  $ relctl env unset FOO --replace
  ! ERROR: 'env unset' does not take --replace (see 'relctl env unset --help')
  [2]

  $ relctl env set FOO=1 FOO=2
  ! ERROR: FOO is set twice
  [2]

  $ relctl releases --limit 1
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RFRNDTZTOK                 now      env add:A add:B remove:FOO remove:KEEP
