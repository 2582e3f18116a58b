Promote and roll back by version as well as by id; a failed rollback's copy
named; pruning history.

@env RELEASE_APP=myapp
  $ relctl apps create && relctl builds create -d one --id >/dev/null
  Creating myapp... OK

  $ for i in 2 3 4 5; do relctl env set N=$i >/dev/null || exit 1; done; relctl releases
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RPGJVPIAXP          BPIJJNQDVV  now      env change:N
  RBBWTSALFE          BPIJJNQDVV  now      env change:N
  RQJSLTCWFV          BPIJJNQDVV  now      env change:N
  RVJWNBKDHM          BPIJJNQDVV  now      env add:N
  RXIMFJJBPM          BPIJJNQDVV  now      one

A version is a number, with or without its 'v'.

  $ relctl releases promote 2
  Promoting RVJWNBKDHM...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

  $ relctl releases promote v4 --id
  RBBWTSALFE
  ! Promoting RBBWTSALFE...
  ! 2019-01-01T00:00:00Z librelease app Status: running => updating
  ! 2019-01-01T00:00:00Z librelease app Status: updating => running
  ! OK

  $ relctl releases rollback 3
  Rolling back to RQJSLTCWFV...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK, RWZRKFAFEP

  $ relctl releases rollback v1 --id
  RPFOIZYFGX
  ! Rolling back to RXIMFJJBPM...
  ! 2019-01-01T00:00:00Z librelease app Status: running => updating
  ! 2019-01-01T00:00:00Z librelease app Status: updating => running
  ! OK, RPFOIZYFGX

  $ relctl releases info v7 | head -2
  Id           RPFOIZYFGX
  Build        BPIJJNQDVV

  $ relctl releases manifest 1 --json
  {
    "id": "RXIMFJJBPM",
    "manifest": ""
  }

Versions that do not exist, or cannot.

  $ relctl releases promote 99
  ! ERROR: app 'myapp': release version 99 not found
  [3]

  $ relctl releases rollback v0
  ! ERROR: invalid version 'v0' (a version is a number from 1: 12 or v12)
  [2]

  $ relctl releases promote 99999999999999999999
  ! ERROR: app 'myapp': release version 99999999999999999999 not found
  [3]

  $ relctl releases info 18446744073709551615
  ! ERROR: app 'myapp': release version 18446744073709551615 not found
  [3]

  $ relctl releases info v18446744073709551614
  ! ERROR: app 'myapp': release version 18446744073709551614 not found
  [3]

  $ relctl releases info v-1
  ! ERROR: invalid version 'v-1' (a version is a number from 1: 12 or v12)
  [2]

  $ relctl releases rollback v
  ! ERROR: invalid version 'v' (a version is a number from 1: 12 or v12)
  [2]

  $ relctl releases promote -- -1
  ! ERROR: invalid version '-1' (a version is a number from 1: 12 or v12)
  [2]

A rollback whose promotion fails leaves its copy, failed: the transcript
ends "FAILED, RID" (as a success ends "OK, RID") and --id prints the copy's
id too, so a script need not read it out of the message.

  $ relctl releases rollback 2 --hook 'exit 4'
  Rolling back to RVJWNBKDHM...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z relctl hook exited with status 4
  2019-01-01T00:00:00Z librelease app Status: updating => rollback
  2019-01-01T00:00:00Z librelease app Status: rollback => running
  FAILED, RNTQCBGMMZ
  ! ERROR: hook exited with status 4: app 'myapp': rollback release RNTQCBGMMZ (copy of RVJWNBKDHM) was not promoted: deployment of RNTQCBGMMZ failed (deployer returned 4); RPFOIZYFGX stays active
  [6]

  $ relctl releases rollback 2 --hook 'exit 4' --id
  RJKOEDOVEK
  ! Rolling back to RVJWNBKDHM...
  ! 2019-01-01T00:00:00Z librelease app Status: running => updating
  ! 2019-01-01T00:00:00Z relctl hook exited with status 4
  ! 2019-01-01T00:00:00Z librelease app Status: updating => rollback
  ! 2019-01-01T00:00:00Z librelease app Status: rollback => running
  ! FAILED, RJKOEDOVEK
  ! ERROR: hook exited with status 4: app 'myapp': rollback release RJKOEDOVEK (copy of RVJWNBKDHM) was not promoted: deployment of RJKOEDOVEK failed (deployer returned 4); RPFOIZYFGX stays active
  [6]

  $ relctl releases --limit 3
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RJKOEDOVEK  failed  BPIJJNQDVV  now      env add:N
  RNTQCBGMMZ  failed  BPIJJNQDVV  now      env add:N
  RPFOIZYFGX  active  BPIJJNQDVV  now      one

Pruning: keep N releases older than the active one (and every newer one,
and the one active before it); the rest go.

  $ relctl releases --limit 0 | wc -l
  10

  $ relctl releases prune --keep 2
  Pruning releases... OK
  Removed 3 releases

  $ relctl releases --limit 0
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RJKOEDOVEK  failed  BPIJJNQDVV  now      env add:N
  RNTQCBGMMZ  failed  BPIJJNQDVV  now      env add:N
  RPFOIZYFGX  active  BPIJJNQDVV  now      one
  RWZRKFAFEP          BPIJJNQDVV  now      env change:N
  RPGJVPIAXP          BPIJJNQDVV  now      env change:N
  RBBWTSALFE          BPIJJNQDVV  now      env change:N

  $ relctl releases prune --keep 2
  Pruning releases... OK
  Removed 0 releases

  $ relctl releases prune --keep 0
  Pruning releases... OK
  Removed 2 releases

  $ relctl releases --limit 0
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RJKOEDOVEK  failed  BPIJJNQDVV  now      env add:N
  RNTQCBGMMZ  failed  BPIJJNQDVV  now      env add:N
  RPFOIZYFGX  active  BPIJJNQDVV  now      one
  RWZRKFAFEP          BPIJJNQDVV  now      env change:N

  $ relctl releases prune
  ! ERROR: releases prune needs --keep N: how many releases older than the active one to keep (usage: relctl releases prune --keep N -a APP)
  [2]

  $ relctl releases prune --keep many
  ! ERROR: --keep wants a whole number, not 'many'
  [2]

  $ relctl releases prune --keep -1
  ! ERROR: --keep -1 is out of range (0 to 18446744073709551615)
  [2]

  $ relctl releases prune --keep 1 -a nosuchapp
  Pruning releases...  (no-eol)
  ! ERROR: app 'nosuchapp' not found
  [3]

An app that never promoted keeps everything.

  $ relctl apps create young && relctl env set -a young A=1 >/dev/null && relctl env set -a young A=2 >/dev/null && relctl releases prune -a young --keep 0 && relctl releases -a young
  Creating young... OK
  Pruning releases... OK
  Removed 0 releases
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RYZRMLVZOI                 now      env change:A
  RMCBDVSDWU                 now      env add:A

A release of another app is not found by id; a version is the app's own.

  $ relctl releases promote RALXIGNMIP
  ! ERROR: app 'myapp': release RALXIGNMIP not found
  [3]

  $ relctl releases rollback RALXIGNMIP
  ! ERROR: app 'myapp': release RALXIGNMIP not found
  [3]

  $ relctl releases info RALXIGNMIP
  ! ERROR: app 'myapp': release RALXIGNMIP not found
  [3]

  $ relctl releases info 2 -a young | head -1
  Id           RYZRMLVZOI
