Listings past damage. A record of the log that fails its own checksum
cannot be repaired from anything else: the store reports it, for that one
app, release or build. A listing prints every item it can read, reports
each one it cannot on standard error, and exits 7 once it is done.
tests/damage.py flips a byte inside one record of an app's log.

  $ relctl apps create myapp
  Creating myapp... OK
  $ relctl apps create other
  Creating other... OK
  $ relctl apps create zed
  Creating zed... OK
  $ relctl builds create -a myapp -d "build 1"
  Build:   BGULVXUKUH
  Release: RGUTNBGYIA
  $ relctl builds create -a myapp -d "build 2"
  Build:   BVKHZWTAFY
  Release: RWZRKFAFEP
  $ relctl builds create -a myapp -d "build 3"
  Build:   BHKOBKCXZE
  Release: RPFOIZYFGX
  $ relctl builds create -a myapp -d "build 4"
  Build:   BVEWTLLPFI
  Release: RUUMZTBTIT
  $ relctl builds create -a other -d "other's build"
  Build:   BCAUHQRNUH
  Release: RFLIGSACBA
  $ relctl builds create -a zed -d "zed's build"
  Build:   BSKPSPDJEU
  Release: ROKBEQPOJE
  $ relctl releases promote -a myapp
  Promoting RUUMZTBTIT...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

A damaged release: the others are listed, in order.

  $ python3 "$HOOKS/tests/damage.py" store/myapp RWZRKFAFEP
  $ relctl releases -a myapp
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RUUMZTBTIT  active  BVEWTLLPFI  now      build 4
  RPFOIZYFGX          BHKOBKCXZE  now      build 3
  RGUTNBGYIA          BGULVXUKUH  now      build 1
  ! ERROR: app 'myapp': release version 2 cannot be read: .*log\.1.* (re)
  [7]

The damaged step counts toward --limit, as it does in the library; --before
pages past it.

  $ relctl releases -a myapp --limit 3
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RUUMZTBTIT  active  BVEWTLLPFI  now      build 4
  RPFOIZYFGX          BHKOBKCXZE  now      build 3
  ! ERROR: app 'myapp': release version 2 cannot be read: .*log\.1.* (re)
  [7]
  $ relctl releases -a myapp --before 3
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RGUTNBGYIA          BGULVXUKUH  now      build 1
  ! ERROR: app 'myapp': release version 2 cannot be read: .*log\.1.* (re)
  [7]

--json is still one document, of the releases that could be read.

  $ relctl releases -a myapp --json > releases.json; echo "exit $?"
  > python3 -c 'import json, sys; print([r["version"] for r in json.load(open(sys.argv[1]))])' releases.json
  exit 7
  [4, 3, 1]
  ! ERROR: app 'myapp': release version 2 cannot be read: .*log\.1.* (re)

A damaged build.

  $ python3 "$HOOKS/tests/damage.py" store/myapp BHKOBKCXZE
  $ relctl builds -a myapp
  ID          STATUS    RELEASE     STARTED  ELAPSED  DESCRIPTION
  BVEWTLLPFI  complete  RUUMZTBTIT  now      0s       build 4
  BVKHZWTAFY  complete  RWZRKFAFEP  now      0s       build 2
  BGULVXUKUH  complete  RGUTNBGYIA  now      0s       build 1
  ! ERROR: app 'myapp': build at sequence 3 cannot be read: .*log\.1.* (re)
  [7]
  $ relctl builds -a myapp --json > builds.json; echo "exit $?"
  > python3 -c 'import json, sys; print([b["description"] for b in json.load(open(sys.argv[1]))])' builds.json
  exit 7
  ['build 4', 'build 2', 'build 1']
  ! ERROR: app 'myapp': build at sequence 3 cannot be read: .*log\.1.* (re)

A damaged app: `apps` lists the others.

  $ python3 "$HOOKS/tests/damage.py" store/other app
  $ relctl apps
  APP    STATUS   RELEASE
  myapp  running  RUUMZTBTIT
  zed    running
  ! ERROR: app record: app 'other': .*log\.1.* (re)
  [7]
  $ relctl apps --json > apps.json; echo "exit $?"
  > python3 -c 'import json, sys; print([a["name"] for a in json.load(open(sys.argv[1]))])' apps.json
  exit 7
  ['myapp', 'zed']
  ! ERROR: app record: app 'other': .*log\.1.* (re)

Each damaged item is reported.

  $ python3 "$HOOKS/tests/damage.py" store/zed app
  $ relctl apps
  APP    STATUS   RELEASE
  myapp  running  RUUMZTBTIT
  ! ERROR: app record: app 'other': .*log\.1.* (re)
  ! ERROR: app record: app 'zed': .*log\.1.* (re)
  [7]

Any other failure stops the listing at once: the library would try the same
item again, and again fail. What was read before it is printed. Here an app's
log cannot be read at all (it is a directory).

  $ relctl apps create --store io a1 && relctl apps create --store io b2 && relctl apps create --store io c3
  Creating a1... OK
  Creating b2... OK
  Creating c3... OK
  $ rm io/b2/log.1 && mkdir io/b2/log.1
  $ relctl apps --store io
  APP  STATUS   RELEASE
  a1   running
  ! ERROR: app record: app 'b2': log.1: Is a directory
  [7]
  $ relctl apps --store io --json
  [
    {
      "name": "a1",
      "status": "running",
      "active": null,
      "previous": null,
      "created": "2019-01-01T00:00:00.000000000Z",
      "lease_owner": null,
      "lease_expires": null,
      "lease_started": null
    }
  ]
  ! ERROR: app record: app 'b2': log.1: Is a directory
  [7]

`env` and `releases promote` without an id read the newest release alone:
when it is damaged they fail, rather than show or promote an older one.

  $ relctl apps create --store newest n1
  Creating n1... OK
  $ relctl builds create --store newest -a n1 -d one
  Build:   BFERFUEQEZ
  Release: RMQMKSEUTS
  $ relctl builds create --store newest -a n1 -d two
  Build:   BMCBDVSDWU
  Release: RYZRMLVZOI
  $ relctl builds create --store newest -a n1 -d later --status running
  Build:   BHGZIWFWBS
  $ python3 "$HOOKS/tests/damage.py" newest/n1 RYZRMLVZOI
  $ relctl env --store newest -a n1
  ! ERROR: app 'n1': release version 2 cannot be read: .*log\.1.* (re)
  [7]
  $ relctl releases promote --store newest -a n1
  ! ERROR: app 'n1': release version 2 cannot be read: .*log\.1.* (re)
  [7]
  $ relctl releases --store newest -a n1
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RMQMKSEUTS          BFERFUEQEZ  now      one
  ! ERROR: app 'n1': release version 2 cannot be read: .*log\.1.* (re)
  [7]
