Releases: the seed's story, listing, paging, info, manifest, promote, rollback.

@env RELEASE_APP=myapp
  $ relctl apps create
  Creating myapp... OK

  $ relctl releases
  ID  STATUS  BUILD  CREATED  DESCRIPTION

  $ relctl releases promote
  ! ERROR: app 'myapp' has no release to promote
  [3]

  $ relctl releases rollback
  ! ERROR: app 'myapp' has no previously active release to roll back to
  [3]

The seed: a build, its release promoted; env FOO set and promoted.

  $ relctl builds create --description "build 0a1b2c3d4e5f my commit message"
  Build:   BVKHZWTAFY
  Release: RWZRKFAFEP

  $ relctl releases promote
  Promoting RWZRKFAFEP...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

@advance 240
  $ relctl env set FOO=bar --promote
  Setting FOO... OK
  Release: RVEWTLLPFI
  Promoting RVEWTLLPFI...
  2019-01-01T00:04:00Z librelease app Status: running => updating
  2019-01-01T00:04:00Z librelease app Status: updating => running
  OK

@advance 60
  $ relctl releases
  ID          STATUS  BUILD       CREATED        DESCRIPTION
  RVEWTLLPFI  active  BVKHZWTAFY  1 minute ago   env add:FOO
  RWZRKFAFEP          BVKHZWTAFY  5 minutes ago  build 0a1b2c3d4e5f my commit message

"RCDEFGHIJK has caused a problem": roll back to the build's release.

@advance 180
  $ relctl releases rollback RWZRKFAFEP
  Rolling back to RWZRKFAFEP...
  2019-01-01T00:08:00Z librelease app Status: running => updating
  2019-01-01T00:08:00Z librelease app Status: updating => running
  OK, ROKBEQPOJE

@advance 60
  $ relctl releases
  ID          STATUS  BUILD       CREATED        DESCRIPTION
  ROKBEQPOJE  active  BVKHZWTAFY  1 minute ago   build 0a1b2c3d4e5f my commit message
  RVEWTLLPFI          BVKHZWTAFY  5 minutes ago  env add:FOO
  RWZRKFAFEP          BVKHZWTAFY  9 minutes ago  build 0a1b2c3d4e5f my commit message

Without RID, rollback goes back to the release active before the current one.

  $ relctl releases rollback --id
  ROEFYRGXJC
  ! Rolling back to RVEWTLLPFI...
  ! 2019-01-01T00:09:00Z librelease app Status: running => updating
  ! 2019-01-01T00:09:00Z librelease app Status: updating => running
  ! OK, ROEFYRGXJC

  $ relctl releases --limit 2
  ID          STATUS  BUILD       CREATED       DESCRIPTION
  ROEFYRGXJC  active  BVKHZWTAFY  now           env add:FOO
  ROKBEQPOJE          BVKHZWTAFY  1 minute ago  build 0a1b2c3d4e5f my commit message

An older release cannot be promoted: that is what rollback is for.

  $ relctl releases promote RWZRKFAFEP
  Promoting RWZRKFAFEP...
  ! ERROR: can not promote an older release, try rollback (RWZRKFAFEP is version 1, active ROEFYRGXJC is 4)
  [4]

  $ relctl releases promote RNOSUCHONE
  ! ERROR: app 'myapp': release RNOSUCHONE not found
  [3]

  $ relctl releases promote bogus; relctl releases info V2
  ! ERROR: invalid release 'bogus' (an id, R and 9 or 10 letters A-Z, or a version: 12 or v12)
  ! ERROR: invalid release 'V2' (an id, R and 9 or 10 letters A-Z, or a version: 12 or v12)
  [2]

  $ relctl releases rollback RNOSUCHONE
  ! ERROR: app 'myapp': release RNOSUCHONE not found
  [3]

  $ relctl releases info RNOSUCHONE
  ! ERROR: app 'myapp': release RNOSUCHONE not found
  [3]

  $ relctl releases manifest RNOSUCHONE -a myapp
  ! ERROR: app 'myapp': release RNOSUCHONE not found
  [3]

Promote takes the newest release by default; --id prints only its id.

  $ relctl env set ZED=last
  Setting ZED... OK
  Release: RGDPVSSPLE

  $ relctl releases promote --id
  RGDPVSSPLE
  ! Promoting RGDPVSSPLE...
  ! 2019-01-01T00:09:00Z librelease app Status: running => updating
  ! 2019-01-01T00:09:00Z librelease app Status: updating => running
  ! OK

Info: Convox's key/value lines, Created in RFC 3339, the env a line a key.

  $ relctl env set BAZ="two words" EMPTY= --promote
  Setting BAZ, EMPTY... OK
  Release: RGEKXMIVNV
  Promoting RGEKXMIVNV...
  2019-01-01T00:09:00Z librelease app Status: running => updating
  2019-01-01T00:09:00Z librelease app Status: updating => running
  OK

  $ relctl releases info RGEKXMIVNV
  Id           RGEKXMIVNV
  Build        BVKHZWTAFY
  Created      2019-01-01T00:09:00Z
  Actor        alice@example.com
  Description  env add:BAZ add:EMPTY
  Env          BAZ=two words
               EMPTY=
               FOO=bar
               ZED=last

  $ relctl releases info RWZRKFAFEP --json
  {
    "id": "RWZRKFAFEP",
    "app": "myapp",
    "version": 1,
    "status": "",
    "active": false,
    "build": "BVKHZWTAFY",
    "description": "build 0a1b2c3d4e5f my commit message",
    "created": "2019-01-01T00:00:00.000000000Z",
    "source": null,
    "promoted": "2019-01-01T00:00:00.000000000Z",
    "failed": null,
    "env": {},
    "manifest": "",
    "actor": "alice@example.com"
  }

The manifest, byte for byte, and as JSON.

  $ printf 'services:\n  web:\n    image: nginx\n' > m.yml && relctl builds create -d "new manifest" -m m.yml --id
  BOJHOIZGVD
  RWCNQDMOVL

  $ relctl releases manifest RWCNQDMOVL
  services:
    web:
      image: nginx

  $ relctl releases manifest RWCNQDMOVL --json
  {
    "id": "RWCNQDMOVL",
    "manifest": "services:\n  web:\n    image: nginx\n"
  }

Paging: --limit (default 10, 0 for all) and --before a version or an id.

  $ for i in 1 2 3 4 5 6 7 8 9; do relctl env set N=$i >/dev/null || exit 1; done; relctl releases
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RHCLGEPYFP          BOJHOIZGVD  now      env change:N
  ROSMSXIJYI          BOJHOIZGVD  now      env change:N
  RRJSQQPHJY          BOJHOIZGVD  now      env change:N
  RFFMIQMRBQ          BOJHOIZGVD  now      env change:N
  RFORKJOLRX          BOJHOIZGVD  now      env change:N
  RSBSMUNFRC          BOJHOIZGVD  now      env change:N
  RSNIJRVSHQ          BOJHOIZGVD  now      env change:N
  RALXIGNMIP          BOJHOIZGVD  now      env change:N
  RVPZMTMDQV          BOJHOIZGVD  now      env add:N
  RWCNQDMOVL          BOJHOIZGVD  now      new manifest

  $ relctl releases --limit 3 --before 10
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RALXIGNMIP          BOJHOIZGVD  now      env change:N
  RVPZMTMDQV          BOJHOIZGVD  now      env add:N
  RWCNQDMOVL          BOJHOIZGVD  now      new manifest

  $ relctl releases --limit 3 --before RWCNQDMOVL
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RGEKXMIVNV  active  BVKHZWTAFY  now      env add:BAZ add:EMPTY
  RGDPVSSPLE          BVKHZWTAFY  now      env add:ZED
  ROEFYRGXJC          BVKHZWTAFY  now      env add:FOO

  $ relctl releases --before 1
  ID  STATUS  BUILD  CREATED  DESCRIPTION

  $ relctl releases --limit 0 --before 4
  ID          STATUS  BUILD       CREATED        DESCRIPTION
  ROKBEQPOJE          BVKHZWTAFY  1 minute ago   build 0a1b2c3d4e5f my commit message
  RVEWTLLPFI          BVKHZWTAFY  5 minutes ago  env add:FOO
  RWZRKFAFEP          BVKHZWTAFY  9 minutes ago  build 0a1b2c3d4e5f my commit message

  $ relctl releases --before RNOSUCHONE
  ! ERROR: app 'myapp': release RNOSUCHONE not found
  [3]

  $ relctl releases --limit -1
  ! ERROR: --limit -1 is out of range (0 to 18446744073709551615)
  [2]

  $ relctl releases --limit 2 --json
  [
    {
      "id": "RHCLGEPYFP",
      "app": "myapp",
      "version": 16,
      "status": "",
      "active": false,
      "build": "BOJHOIZGVD",
      "description": "env change:N",
      "created": "2019-01-01T00:09:00.000000000Z",
      "source": null,
      "promoted": null,
      "failed": null,
      "actor": "alice@example.com"
    },
    {
      "id": "ROSMSXIJYI",
      "app": "myapp",
      "version": 15,
      "status": "",
      "active": false,
      "build": "BOJHOIZGVD",
      "description": "env change:N",
      "created": "2019-01-01T00:09:00.000000000Z",
      "source": null,
      "promoted": null,
      "failed": null,
      "actor": "alice@example.com"
    }
  ]

Ages: each row reads its own, relative to now.

  $ relctl apps create ages
  Creating ages... OK

  $ relctl builds create -a ages -d "800 days ago" --id
  BZIXLRMGMC
  RTOEELZNNL

@advance 60480000
  $ relctl env set -a ages A=1 --id
  RRAEHDYJGE
  ! Setting A... OK
  ! Release: RRAEHDYJGE

@advance 7344000
  $ relctl env set -a ages A=2 --id
  RBUEFFVNID
  ! Setting A... OK
  ! Release: RBUEFFVNID

@advance 1036800
  $ relctl env set -a ages A=3 --id
  RYWRFVKQOL
  ! Setting A... OK
  ! Release: RYWRFVKQOL

@advance 241200
  $ relctl env set -a ages A=4 --id
  RCLJYANNZQ
  ! Setting A... OK
  ! Release: RCLJYANNZQ

@advance 17850
  $ relctl env set -a ages A=5 --id
  RRXBCTWFSA
  ! Setting A... OK
  ! Release: RRXBCTWFSA

@advance 149
  $ relctl env set -a ages A=6 --id
  RHOTKJODWJ
  ! Setting A... OK
  ! Release: RHOTKJODWJ

@advance 1
  $ relctl env set -a ages A=7 --id
  REAGEAYESK
  ! Setting A... OK
  ! Release: REAGEAYESK

  $ relctl releases -a ages
  ID          STATUS  BUILD       CREATED        DESCRIPTION
  REAGEAYESK          BZIXLRMGMC  now            env change:A
  RHOTKJODWJ          BZIXLRMGMC  1 second ago   env change:A
  RRXBCTWFSA          BZIXLRMGMC  2 minutes ago  env change:A
  RCLJYANNZQ          BZIXLRMGMC  5 hours ago    env change:A
  RYWRFVKQOL          BZIXLRMGMC  3 days ago     env change:A
  RBUEFFVNID          BZIXLRMGMC  2 weeks ago    env change:A
  RRAEHDYJGE          BZIXLRMGMC  3 months ago   env add:A
  RTOEELZNNL          BZIXLRMGMC  2 years ago    800 days ago

And a time in the future (a clock that went back) reads "from now".

@advance -7200
  $ relctl releases -a ages --limit 1
  ID          STATUS  BUILD       CREATED           DESCRIPTION
  REAGEAYESK          BZIXLRMGMC  2 hours from now  env change:A

Long and non-ASCII descriptions: columns are padded by characters, not bytes.

  $ relctl apps create wide
  Creating wide... OK

  $ relctl builds create -a wide -d "déploiement du système — ünïcödé" --id
  BTWWYZEZDS
  ROOQHDXPQL

  $ relctl builds create -a wide -d "a very long description, much longer than any other cell in this table, which stays unpadded because it is the last column" --id
  BENFIKWCZB
  RIYTHDQMKM

  $ relctl env set -a wide K=v --id
  RCMGPVYFAW
  ! Setting K... OK
  ! Release: RCMGPVYFAW

  $ relctl releases -a wide
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RCMGPVYFAW          BENFIKWCZB  now      env add:K
  RIYTHDQMKM          BENFIKWCZB  now      a very long description, much longer than any other cell in this table, which stays unpadded because it is the last column
  ROOQHDXPQL          BTWWYZEZDS  now      déploiement du système — ünïcödé

--if-pending: for agents that promote what they found pending. A release
not active yet is promoted as usual.

  $ relctl apps create agents
  Creating agents... OK

  $ relctl builds create -a agents -d "one" --id
  BDIZNASWHU
  RPFJEENVXT

  $ relctl releases promote -a agents --if-pending --hook 'echo "deploying $RELEASE_ID"'
  Promoting RPFJEENVXT...
  2021-03-10T22:09:00Z librelease app Status: running => updating
  2021-03-10T22:09:00Z hook deploying RPFJEENVXT
  2021-03-10T22:09:00Z librelease app Status: updating => running
  OK

The active one is not deployed again: the hook does not run, nothing is
written, one line says so, and the exit status is 8, its own.

  $ relctl releases promote -a agents --if-pending --hook 'echo "deploying $RELEASE_ID"'
  Promoting RPFJEENVXT...
  ! ERROR: app 'agents': RPFJEENVXT is the active release already; nothing done
  [8]

  $ relctl releases promote v1 -a agents --if-pending --id --hook 'echo "deploying $RELEASE_ID"'
  ! Promoting RPFJEENVXT...
  ! ERROR: app 'agents': RPFJEENVXT is the active release already; nothing done
  [8]

  $ relctl releases history agents
  #  WHEN  ACTION   FROM  TO          RESULT  DURATION  ACTOR
  1  now   promote        RPFJEENVXT  ok      0s        alice@example.com

A second agent that found the release pending while the first deploys it is
busy (5); once the first is done, the release is active already (8).

  $ relctl env set -a agents A=1 --id
  RCICSJIYAQ
  ! Setting A... OK
  ! Release: RCICSJIYAQ

  $ relctl releases promote -a agents --if-pending --hook 'relctl releases promote "$RELEASE_ID" --if-pending --hook "echo second agent deploying" 2>&1; echo "second agent: exit $?"'
  Promoting RCICSJIYAQ...
  2021-03-10T22:09:00Z librelease app Status: running => updating
  2021-03-10T22:09:00Z hook Promoting RCICSJIYAQ...
  2021-03-10T22:09:00Z hook ERROR: app 'agents' is currently updating \(held by relctl pid [0-9]+ on [^ ]+ since 2021-03-10T22:09:00Z\); --force promotes without waiting for it (re)
  2021-03-10T22:09:00Z hook second agent: exit 5
  2021-03-10T22:09:00Z librelease app Status: updating => running
  OK

  $ relctl releases promote -a agents --if-pending --hook 'echo second agent deploying'
  Promoting RCICSJIYAQ...
  ! ERROR: app 'agents': RCICSJIYAQ is the active release already; nothing done
  [8]

  $ relctl releases history agents --limit 1
  #  WHEN  ACTION   FROM        TO          RESULT  DURATION  ACTOR
  2  now   promote  RPFJEENVXT  RCICSJIYAQ  ok      0s        alice@example.com

An older release is still refused (4), as without the option; without it,
promoting the active release runs the hook again.

  $ relctl releases promote v1 -a agents --if-pending
  Promoting RPFJEENVXT...
  ! ERROR: can not promote an older release, try rollback (RPFJEENVXT is version 1, active RCICSJIYAQ is 2)
  [4]

  $ relctl releases promote -a agents --hook 'echo "deploying $RELEASE_ID again"'
  Promoting RCICSJIYAQ...
  2021-03-10T22:09:00Z librelease app Status: running => updating
  2021-03-10T22:09:00Z hook deploying RCICSJIYAQ again
  2021-03-10T22:09:00Z librelease app Status: updating => running
  OK

The option is promote's alone: a rollback's copy is never deployed already.

  $ relctl releases rollback -a agents --if-pending
  ! ERROR: 'releases rollback' does not take --if-pending (see 'relctl releases rollback --help')
  [2]

A release whose deployment failed is deployed already too: an agent that
found it pending before the failure does not run the hook for it again
(8). Nor for one that was active and that a forced promotion moved away
from. Without the option a failed release is tried again.

  $ relctl env set -a agents B=1 --id
  RGNSLZNHJS
  ! Setting B... OK
  ! Release: RGNSLZNHJS

  $ relctl releases promote -a agents --hook 'echo "deploying $RELEASE_ID"; exit 1'
  Promoting RGNSLZNHJS...
  2021-03-10T22:09:00Z librelease app Status: running => updating
  2021-03-10T22:09:00Z hook deploying RGNSLZNHJS
  2021-03-10T22:09:00Z relctl hook exited with status 1
  2021-03-10T22:09:00Z librelease app Status: updating => rollback
  2021-03-10T22:09:00Z librelease app Status: rollback => running
  ! ERROR: hook exited with status 1: app 'agents': deployment of RGNSLZNHJS failed (deployer returned 1); RCICSJIYAQ stays active
  [6]

  $ relctl releases promote -a agents --if-pending --hook 'echo "deploying $RELEASE_ID"'
  Promoting RGNSLZNHJS...
  ! ERROR: app 'agents': RGNSLZNHJS was deployed already, and failed; nothing done
  [8]

  $ relctl releases promote -a agents --hook 'echo "deploying $RELEASE_ID"'
  Promoting RGNSLZNHJS...
  2021-03-10T22:09:00Z librelease app Status: running => updating
  2021-03-10T22:09:00Z hook deploying RGNSLZNHJS
  2021-03-10T22:09:00Z librelease app Status: updating => running
  OK

  $ relctl releases promote v2 -a agents --force
  Promoting RCICSJIYAQ...
  2021-03-10T22:09:00Z librelease app Status: running => updating
  2021-03-10T22:09:00Z librelease app Status: updating => running
  OK

  $ relctl releases promote -a agents --if-pending --hook 'echo "deploying $RELEASE_ID"'
  Promoting RGNSLZNHJS...
  ! ERROR: app 'agents': RGNSLZNHJS was deployed already, and RCICSJIYAQ is active since; nothing done
  [8]
