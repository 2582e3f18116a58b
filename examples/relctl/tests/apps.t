Apps: listing, creating, deleting.

A store that does not exist yet is not made by reading it (store.t): it
has no apps to list. Creating an app makes it.

  $ relctl apps
  ! ERROR: no store at $TESTTMP/store (relctl apps create makes one)
  [7]

  $ relctl apps create myapp
  Creating myapp... OK

  $ relctl apps create other --id
  other
  ! Creating other... OK

  $ relctl apps
  APP    STATUS   RELEASE
  myapp  running
  other  running

Creating an app that exists is refused (exit 4).

  $ relctl apps create myapp
  Creating myapp...  (no-eol)
  ! ERROR: app 'myapp' already exists
  [4]

Names are DNS labels (exit 2 for invalid input).

  $ relctl apps create My_App
  ! ERROR: invalid app name 'My_App' (want 1-63 of a-z, 0-9 and '-', starting and ending with a letter or digit)
  [2]

  $ relctl apps create -- -bad
  ! ERROR: invalid app name '-bad' (want 1-63 of a-z, 0-9 and '-', starting and ending with a letter or digit)
  [2]

Without a word, the app of -a or RELEASE_APP is created.

  $ relctl apps create -a third
  Creating third... OK

  $ RELEASE_APP=fourth relctl apps create
  Creating fourth... OK

  $ relctl apps create
  ! ERROR: no app given (usage: relctl apps create APP [--id])
  [2]

A promoted app shows its active release.

@advance 60
  $ relctl builds create -a myapp --description first
  Build:   BCPHZQLZRJ
  Release: ROEFYRGXJC

  $ relctl releases promote -a myapp
  Promoting ROEFYRGXJC...
  2019-01-01T00:01:00Z librelease app Status: running => updating
  2019-01-01T00:01:00Z librelease app Status: updating => running
  OK

  $ relctl apps
  APP     STATUS   RELEASE
  fourth  running
  myapp   running  ROEFYRGXJC
  other   running
  third   running

  $ relctl apps --json
  [
    {
      "name": "fourth",
      "status": "running",
      "active": null,
      "previous": null,
      "created": "2019-01-01T00:00:00.000000000Z",
      "lease_owner": null,
      "lease_expires": null,
      "lease_started": null
    },
    {
      "name": "myapp",
      "status": "running",
      "active": "ROEFYRGXJC",
      "previous": null,
      "created": "2019-01-01T00:00:00.000000000Z",
      "lease_owner": null,
      "lease_expires": null,
      "lease_started": null
    },
    {
      "name": "other",
      "status": "running",
      "active": null,
      "previous": null,
      "created": "2019-01-01T00:00:00.000000000Z",
      "lease_owner": null,
      "lease_expires": null,
      "lease_started": null
    },
    {
      "name": "third",
      "status": "running",
      "active": null,
      "previous": null,
      "created": "2019-01-01T00:00:00.000000000Z",
      "lease_owner": null,
      "lease_expires": null,
      "lease_started": null
    }
  ]

Deleting takes builds and releases with it.

  $ relctl apps delete other
  Deleting other... OK

  $ relctl apps delete other
  Deleting other...  (no-eol)
  ! ERROR: app 'other' not found
  [3]

  $ relctl apps delete
  ! ERROR: no app given (usage: relctl apps delete APP)
  [2]
