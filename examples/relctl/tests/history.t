The deployment log: every promotion, rollback and failed promotion, with who
ran it, and what was live at a given time.

@env RELEASE_APP=myapp
  $ relctl apps create
  Creating myapp... OK
  $ relctl releases history
  #  WHEN  ACTION  FROM  TO  RESULT  DURATION  ACTOR

Promotions, a failed one, a rollback, an older release forced back in.

  $ relctl builds create -d "build 1" > /dev/null && relctl releases promote > /dev/null
@advance 240
  $ relctl env set FOO=bar --promote > /dev/null
@advance 300
  $ relctl env set BAD=1 --promote --hook 'exit 3' --actor bob@example.com > /dev/null
  ! ERROR: hook exited with status 3: app 'myapp': deployment of RVKHZWTAFY failed (deployer returned 3); RGULVXUKUH stays active
  [6]
@advance 60
  $ relctl releases rollback 1 > /dev/null
@advance 120
  $ relctl releases promote 3 --force > /dev/null
@advance 60
  $ relctl releases history
  #  WHEN            ACTION    FROM        TO          RESULT      DURATION  ACTOR
  5  1 minute ago    promote   RPFOIZYFGX  RVKHZWTAFY  forced      0s        alice@example.com
  4  3 minutes ago   rollback  RGULVXUKUH  RPFOIZYFGX  ok          0s        alice@example.com
  3  4 minutes ago   promote   RGULVXUKUH  RVKHZWTAFY  failed (3)  0s        bob@example.com
  2  9 minutes ago   promote   RWWFCRPSQO  RGULVXUKUH  ok          0s        alice@example.com
  1  13 minutes ago  promote               RWWFCRPSQO  ok          0s        alice@example.com
  $ relctl releases
  ID          STATUS  BUILD       CREATED         DESCRIPTION
  RPFOIZYFGX          BDXASDGITV  3 minutes ago   build 1
  RVKHZWTAFY  active  BDXASDGITV  4 minutes ago   env add:BAD
  RGULVXUKUH          BDXASDGITV  9 minutes ago   env add:FOO
  RWWFCRPSQO          BDXASDGITV  13 minutes ago  build 1
  $ relctl releases history myapp --limit 2
  #  WHEN           ACTION    FROM        TO          RESULT  DURATION  ACTOR
  5  1 minute ago   promote   RPFOIZYFGX  RVKHZWTAFY  forced  0s        alice@example.com
  4  3 minutes ago  rollback  RGULVXUKUH  RPFOIZYFGX  ok      0s        alice@example.com
  $ relctl releases history --before 3
  #  WHEN            ACTION   FROM        TO          RESULT  DURATION  ACTOR
  2  9 minutes ago   promote  RWWFCRPSQO  RGULVXUKUH  ok      0s        alice@example.com
  1  13 minutes ago  promote              RWWFCRPSQO  ok      0s        alice@example.com
  $ relctl releases history --limit 1 --json
  [
    {
      "seq": 5,
      "app": "myapp",
      "action": "promote",
      "result": "ok",
      "failed": 0,
      "forced": true,
      "from": "RPFOIZYFGX",
      "from_version": 4,
      "to": "RVKHZWTAFY",
      "to_version": 3,
      "target": null,
      "actor": "alice@example.com",
      "started": "2019-01-01T00:12:00.000000000Z",
      "ended": "2019-01-01T00:12:00.000000000Z",
      "until": null
    }
  ]

What was live at a time: the newest successful entry made at or before it
(a failed promotion changed nothing), since when and until when.

  $ relctl releases history --at 2019-01-01T00:05:00Z
  At       2019-01-01T00:05:00Z
  Release  RGULVXUKUH
  Version  2
  Entry    #2 promote by alice@example.com
  Since    2019-01-01T00:04:00Z
  Until    2019-01-01T00:10:00Z
  Live     6m0s
  $ relctl releases history --at 2019-01-01T02:05:00+02:00 | head -2
  At       2019-01-01T00:05:00Z
  Release  RGULVXUKUH
  $ relctl releases history --at 2019-01-01T00:04:00Z | head -2
  At       2019-01-01T00:04:00Z
  Release  RGULVXUKUH
  $ relctl releases history --at '2019-01-01T00:09:30Z' | head -2
  At       2019-01-01T00:09:30Z
  Release  RGULVXUKUH
  $ relctl releases history --at '12m30s ago' | head -2
  At       2019-01-01T00:00:30Z
  Release  RWWFCRPSQO
  $ relctl releases history --at '1m ago'
  At       2019-01-01T00:12:00Z
  Release  RVKHZWTAFY
  Version  3
  Entry    #5 promote (forced) by alice@example.com
  Since    2019-01-01T00:12:00Z
  Until    live now
  Live     1m0s so far
  $ relctl releases history --at now --json
  {
    "seq": 5,
    "app": "myapp",
    "action": "promote",
    "result": "ok",
    "failed": 0,
    "forced": true,
    "from": "RPFOIZYFGX",
    "from_version": 4,
    "to": "RVKHZWTAFY",
    "to_version": 3,
    "target": null,
    "actor": "alice@example.com",
    "started": "2019-01-01T00:12:00.000000000Z",
    "ended": "2019-01-01T00:12:00.000000000Z",
    "until": null,
    "at": "2019-01-01T00:13:00.000000000Z"
  }

A time still to come is answered with what is live now, and said to be that.

  $ relctl releases history --at 2019-01-01T01:00:00Z
  At       2019-01-01T01:00:00Z
  Release  RVKHZWTAFY
  Version  3
  Entry    #5 promote (forced) by alice@example.com
  Since    2019-01-01T00:12:00Z
  Until    live now
  Live     1m0s so far
  ! relctl: note: 2019-01-01T01:00:00Z is in the future: this is what is live now

A local time is the time zone's (TZ): here an hour east of UTC.

@env TZ=XYZ-1
  $ relctl releases history --at '2019-01-01 01:11'
  At       2019-01-01T00:11:00Z
  Release  RPFOIZYFGX
  Version  4
  Entry    #4 rollback to RWWFCRPSQO by alice@example.com
  Since    2019-01-01T00:10:00Z
  Until    2019-01-01T00:12:00Z
  Live     2m0s
  $ relctl releases history --at '2019-01-01 01:10:59' | head -3
  At       2019-01-01T00:10:59Z
  Release  RPFOIZYFGX
  Version  4
@unenv TZ

Before the first promotion nothing was live.

  $ relctl releases history --at 2018-12-31T23:59:59Z
  ! ERROR: app 'myapp': nothing was live at 2018-12-31T23:59:59Z (nothing had been promoted by then)
  [3]

Times that do not read, and options that do not go together.

  $ relctl releases history --at yesterday
  ! ERROR: --at wants a time: RFC 3339 (2026-11-24T14:32:00Z, or with an offset: +02:00), a local 'YYYY-MM-DD HH:MM[:SS]', or '2h ago', not 'yesterday'
  [2]
  $ relctl releases history --at '2019-02-30 00:00'
  ! ERROR: --at '2019-02-30 00:00': there is no day 30 in month 2 of 2019
  [2]
  $ relctl releases history --at '2019-01-01T00:00:00+25:00'
  ! ERROR: --at '2019-01-01T00:00:00+25:00': there is no offset +25:00 (hours 00 to 23, minutes 00 to 59)
  [2]
  $ relctl releases history --at 2019-01-01T00:05:60Z
  ! ERROR: --at '2019-01-01T00:05:60Z': there is no time 00:05:60 then (a leap second is 23:59:60 UTC on June 30 or December 31)
  [2]
  $ relctl releases history --at now --limit 2
  ! ERROR: --at shows one entry: it does not go with --limit or --before
  [2]
  $ relctl releases history --before 0
  ! ERROR: --before wants an entry's number (the # column: 1 or more), not '0'
  [2]
  $ relctl releases history --before v3
  ! ERROR: --before wants an entry's number (the # column: 1 or more), not 'v3'
  [2]
  $ relctl releases history --before 18446744073709551616
  ! ERROR: --before 18446744073709551616 is out of range (1 to 18446744073709551615)
  [2]
  $ relctl releases history --limit x
  ! ERROR: --limit wants a whole number, not 'x'
  [2]

The app: a word, -a or $RELEASE_APP.

  $ relctl releases history nope
  ! ERROR: app 'nope' not found
  [3]
  $ relctl releases history Bad_Name
  ! ERROR: invalid app name 'Bad_Name' (want 1-63 of a-z, 0-9 and '-', starting and ending with a letter or digit)
  [2]
@unenv RELEASE_APP
  $ relctl releases history
  ! ERROR: no app given: name it, use -a APP or set RELEASE_APP
  [2]
  $ relctl releases history -a myapp --limit 1
  #  WHEN          ACTION   FROM        TO          RESULT  DURATION  ACTOR
  5  1 minute ago  promote  RPFOIZYFGX  RVKHZWTAFY  forced  0s        alice@example.com
@env RELEASE_APP=myapp

Pruning keeps the log; it may name releases that are gone. Deleting the app
deletes it.

  $ relctl releases prune --keep 0
  Pruning releases... OK
  Removed 2 releases
  $ relctl releases history --limit 0
  #  WHEN            ACTION    FROM        TO          RESULT      DURATION  ACTOR
  5  1 minute ago    promote   RPFOIZYFGX  RVKHZWTAFY  forced      0s        alice@example.com
  4  3 minutes ago   rollback  RGULVXUKUH  RPFOIZYFGX  ok          0s        alice@example.com
  3  4 minutes ago   promote   RGULVXUKUH  RVKHZWTAFY  failed (3)  0s        bob@example.com
  2  9 minutes ago   promote   RWWFCRPSQO  RGULVXUKUH  ok          0s        alice@example.com
  1  13 minutes ago  promote               RWWFCRPSQO  ok          0s        alice@example.com
  $ relctl apps delete myapp && relctl apps create myapp
  Deleting myapp... OK
  Creating myapp... OK
  $ relctl releases history
  #  WHEN  ACTION  FROM  TO  RESULT  DURATION  ACTOR
