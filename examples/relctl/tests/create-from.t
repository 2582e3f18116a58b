releases create-from: a release from one release's build and another's env
(build once, deploy many).

@env RELEASE_APP=myapp
  $ relctl apps create && relctl apps create other
  Creating myapp... OK
  Creating other... OK

Without an active release there is nothing to take by default: said before
the transcript starts, as every mistake in the sources is.

  $ relctl releases create-from
  ! ERROR: app 'myapp' has no active release
  [3]

  $ relctl builds create -d "build one" --id && relctl releases promote >/dev/null
  BDXASDGITV
  RWWFCRPSQO

  $ relctl env set STAGE=prod --promote >/dev/null

  $ relctl builds create -d "build two" --id
  BVKHZWTAFY
  RWZRKFAFEP

Build two with the active release's env: Convox's transcript.

  $ relctl releases info RWZRKFAFEP | grep -A1 Env
  Env          STAGE=prod

  $ relctl releases create-from --build-from RWZRKFAFEP --use-active-release-env
  Creating release... OK
  Release: RVEWTLLPFI

  $ relctl releases info 4
  Id           RVEWTLLPFI
  Build        BVKHZWTAFY
  Created      2019-01-01T00:00:00Z
  Actor        alice@example.com
  Description  build two
  Env          STAGE=prod

The active release's build with another release's env, by version (v1, the
build's own release, has an empty env); and promoted with -p.

  $ relctl releases create-from --use-active-release-build --env-from v1 -p
  Creating release... OK
  Release: RSKPSPDJEU
  Promoting RSKPSPDJEU...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

  $ relctl releases
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RSKPSPDJEU  active  BDXASDGITV  now      build one
  RVEWTLLPFI          BVKHZWTAFY  now      build two
  RWZRKFAFEP          BVKHZWTAFY  now      build two
  RGULVXUKUH          BDXASDGITV  now      env add:STAGE
  RWWFCRPSQO          BDXASDGITV  now      build one

Both named; --id prints the new id alone (the transcript goes to standard
error). Leaving a source out means the active release's, as the
--use-active-release flags do.

  $ relctl releases create-from --build-from 3 --env-from RGULVXUKUH --id && relctl env get STAGE --release 6
  RCPHZQLZRJ
  prod
  ! Creating release... OK
  ! Release: RCPHZQLZRJ

  $ relctl releases create-from --env-from 2 --id && relctl releases info 7 --json | grep -E '"(build|description)"'
  RSIXKXJKDJ
    "build": "BDXASDGITV",
    "description": "build one",
  ! Creating release... OK
  ! Release: RSIXKXJKDJ

  $ relctl releases create-from --id --promote --hook 'echo "deploying $RELEASE_ID ($RELEASE_DESCRIPTION)"'
  ROGGWBLDWC
  ! Creating release... OK
  ! Release: ROGGWBLDWC
  ! Promoting ROGGWBLDWC...
  ! 2019-01-01T00:00:00Z librelease app Status: running => updating
  ! 2019-01-01T00:00:00Z hook deploying ROGGWBLDWC (build one)
  ! 2019-01-01T00:00:00Z librelease app Status: updating => running
  ! OK

Errors: both forms of one source, an unknown release, another app's, a bad
reference; nothing is written.

  $ relctl releases create-from --build-from 1 --use-active-release-build
  ! ERROR: --build-from and --use-active-release-build cannot be used together: give one (usage: relctl releases create-from -a APP [--build-from RID|--use-active-release-build] [--env-from RID|--use-active-release-env] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id])
  [2]

  $ relctl releases create-from --env-from 1 --use-active-release-env --build-from 2
  ! ERROR: --env-from and --use-active-release-env cannot be used together: give one (usage: relctl releases create-from -a APP [--build-from RID|--use-active-release-build] [--env-from RID|--use-active-release-env] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id])
  [2]

  $ relctl releases create-from --build-from RNOSUCHONE
  ! ERROR: app 'myapp': release RNOSUCHONE not found
  [3]

  $ relctl env set -a other X=1 --id
  RYWGFEUILG
  ! Setting X... OK
  ! Release: RYWGFEUILG

  $ relctl releases create-from --env-from RYWGFEUILG
  ! ERROR: app 'myapp': release RYWGFEUILG not found
  [3]

  $ relctl releases create-from --build-from 99
  ! ERROR: app 'myapp': release version 99 not found
  [3]

  $ relctl releases create-from --env-from bogus
  ! ERROR: invalid release 'bogus' (an id, R and 9 or 10 letters A-Z, or a version: 12 or v12)
  [2]

  $ relctl releases create-from extra
  ! ERROR: unexpected argument 'extra' (usage: relctl releases create-from -a APP [--build-from RID|--use-active-release-build] [--env-from RID|--use-active-release-env] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id])
  [2]

  $ relctl releases create-from --force
  ! ERROR: 'releases create-from' does not take --force (see 'relctl releases create-from --help')
  [2]

  $ relctl releases create-from -a nosuchapp
  ! ERROR: app 'nosuchapp' not found
  [3]

  $ relctl releases --limit 1
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  ROGGWBLDWC  active  BDXASDGITV  now      build one

A release made by env changes before any build has no build; one made from
it has none either.

  $ relctl apps create nobuild && relctl env set -a nobuild A=1 --promote >/dev/null && relctl releases create-from -a nobuild --id && relctl releases -a nobuild
  Creating nobuild... OK
  RUOLHICHNR
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RUOLHICHNR                 now      env add:A
  RGHNYJOUEY  active         now      env add:A
  ! Creating release... OK
  ! Release: RUOLHICHNR
