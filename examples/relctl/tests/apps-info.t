One app: `apps info`, and the deploy hook kept with it (`apps hook`, `apps
hook set`, `apps hook unset`).

  $ relctl apps create myapp --id
  myapp
  ! Creating myapp... OK

A new app: running, nothing active, no hook, no masked keys.

  $ relctl apps info myapp
  Name      myapp
  Status    running
  Release
  Previous
  Created   2019-01-01T00:00:00Z
  Hook
  Masked
  $ relctl apps info -a myapp --json
  {
    "name": "myapp",
    "status": "running",
    "active": null,
    "previous": null,
    "created": "2019-01-01T00:00:00.000000000Z",
    "lease_owner": null,
    "lease_expires": null,
    "lease_started": null,
    "hook": null,
    "mask": []
  }
  $ RELEASE_APP=myapp relctl apps info
  Name      myapp
  Status    running
  Release
  Previous
  Created   2019-01-01T00:00:00Z
  Hook
  Masked

After two promotions: Release is the active release, Previous the one
before.

  $ relctl builds create -a myapp -d first --id > ids && sed -n 2p ids > r1
  $ relctl releases promote "$(cat r1)" -a myapp > /dev/null
@advance 60
  $ relctl builds create -a myapp -d second --id > ids && sed -n 2p ids > r2
  $ relctl releases promote "$(cat r2)" -a myapp > /dev/null
  $ relctl apps info myapp
  Name      myapp
  Status    running
  Release   RUUMZTBTIT
  Previous  RWZRKFAFEP
  Created   2019-01-01T00:00:00Z
  Hook
  Masked
  $ relctl apps info myapp --json
  {
    "name": "myapp",
    "status": "running",
    "active": "RUUMZTBTIT",
    "previous": "RWZRKFAFEP",
    "created": "2019-01-01T00:00:00.000000000Z",
    "lease_owner": null,
    "lease_expires": null,
    "lease_started": null,
    "hook": null,
    "mask": []
  }

While a promotion holds the app, Status is updating and Lease says who holds
it (here the deploy hook asks).

  $ relctl builds create -a myapp -d third --id > ids && sed -n 2p ids > r3
  $ relctl releases promote "$(cat r3)" -a myapp --hook 'relctl apps info' | sed -n '/Status  /p;/Lease/p'
  2019-01-01T00:01:00Z hook Status    updating
  2019-01-01T00:01:00Z hook Lease     relctl pid [0-9]+ on .*, since 2019-01-01T00:01:00Z (re)

The deploy hook: none, then one set, shown, replaced, removed. Changing it
makes no release.

  $ relctl apps hook myapp
  ! relctl: note: app 'myapp' has no deploy hook (relctl apps hook set CMD -a myapp sets one)
  $ relctl apps hook -a myapp --json
  {
    "app": "myapp",
    "hook": null
  }
  $ relctl apps hook set './deploy.sh --env production' -a myapp
  Setting hook for myapp... OK
  $ relctl apps hook myapp
  ./deploy.sh --env production
  $ relctl apps hook myapp --json
  {
    "app": "myapp",
    "hook": "./deploy.sh --env production"
  }
  $ relctl apps info myapp
  Name      myapp
  Status    running
  Release   ROEFYRGXJC
  Previous  RUUMZTBTIT
  Created   2019-01-01T00:00:00Z
  Hook      ./deploy.sh --env production
  Masked
  $ printf '#!/bin/sh\nset -e\nkubectl apply -f "$RELEASE_MANIFEST"\n' | relctl apps hook set --file - -a myapp
  Setting hook for myapp... OK
  $ relctl apps hook myapp
  #!/bin/sh
  set -e
  kubectl apply -f "$RELEASE_MANIFEST"
  $ printf 'systemctl restart web' > hook.sh && relctl apps hook set -f hook.sh -a myapp
  Setting hook for myapp... OK
  $ relctl apps hook myapp
  systemctl restart web
  $ relctl releases -a myapp
  ID          STATUS  BUILD       CREATED       DESCRIPTION
  ROEFYRGXJC  active  BCPHZQLZRJ  now           third
  RUUMZTBTIT          BVEWTLLPFI  now           second
  RWZRKFAFEP          BVKHZWTAFY  1 minute ago  first
  $ relctl apps hook unset -a myapp
  Unsetting hook for myapp... OK
  $ relctl apps hook myapp
  ! relctl: note: app 'myapp' has no deploy hook (relctl apps hook set CMD -a myapp sets one)
  $ relctl apps hook unset -a myapp
  Unsetting hook for myapp... OK
  $ relctl apps info myapp --json
  {
    "name": "myapp",
    "status": "running",
    "active": "ROEFYRGXJC",
    "previous": "RUUMZTBTIT",
    "created": "2019-01-01T00:00:00.000000000Z",
    "lease_owner": null,
    "lease_expires": null,
    "lease_started": null,
    "hook": null,
    "mask": []
  }

Masked lists the keys of the app's mask list (`env mask set`), in order.

  $ relctl env mask set SECRET_KEY API_TOKEN -a myapp > /dev/null
  $ relctl apps info myapp
  Name      myapp
  Status    running
  Release   ROEFYRGXJC
  Previous  RUUMZTBTIT
  Created   2019-01-01T00:00:00Z
  Hook
  Masked    API_TOKEN, SECRET_KEY
  $ relctl apps info myapp --json | grep -A3 '"mask"'
    "mask": [
      "API_TOKEN",
      "SECRET_KEY"
    ]

What is refused: no hook or two, an empty one, a missing file, one too long
or holding a NUL, an unknown app (a store that cannot be written:
builds-store.t).

  $ relctl apps hook set -a myapp
  ! ERROR: give the hook as CMD or with --file FILE (usage: relctl apps hook set CMD|--file FILE -a APP)
  [2]
  $ relctl apps hook set x -f hook.sh -a myapp
  ! ERROR: give the hook as CMD or with --file FILE, not both (usage: relctl apps hook set CMD|--file FILE -a APP)
  [2]
  $ relctl apps hook set '' -a myapp
  ! ERROR: the hook is empty (relctl apps hook unset removes the hook)
  [2]
  $ relctl apps hook set -f missing.sh -a myapp
  ! ERROR: reading the hook from 'missing.sh': No such file or directory
  [3]
  $ relctl apps hook set -f '' -a myapp
  ! ERROR: --file is empty: give a file, or '-' for standard input
  [2]
  $ head -c 65537 /dev/zero | tr '\0' x > long.sh && relctl apps hook set -f long.sh -a myapp
  ! ERROR: reading the hook from 'long.sh': it is longer than a hook may be (65536 bytes)
  [2]
  $ head -c 65536 /dev/zero | tr '\0' x > long.sh && relctl apps hook set -f long.sh -a myapp && relctl apps hook myapp | wc -c
  Setting hook for myapp... OK
  65537
  $ printf 'a\000b' | relctl apps hook set -f - -a myapp
  ! ERROR: reading the hook from standard input: it holds a NUL byte
  [2]
  $ relctl apps hook set true -a nosuchapp
  Setting hook for nosuchapp...  (no-eol)
  ! ERROR: app 'nosuchapp' not found
  [3]
  $ relctl apps hook set true
  ! ERROR: no app given: use -a APP or set RELEASE_APP
  [2]
  $ relctl apps hook unset -a nosuchapp
  Unsetting hook for nosuchapp...  (no-eol)
  ! ERROR: app 'nosuchapp' not found
  [3]
  $ relctl apps hook nosuchapp
  ! ERROR: app 'nosuchapp' not found
  [3]
  $ relctl apps hook Bad_Name
  ! ERROR: invalid app name 'Bad_Name' (want 1-63 of a-z, 0-9 and '-', starting and ending with a letter or digit)
  [2]
  $ relctl apps hook
  ! ERROR: no app given (usage: relctl apps hook [APP] [--json])
  [2]
  $ relctl apps info nosuchapp
  ! ERROR: app 'nosuchapp' not found
  [3]
  $ relctl apps info My_App
  ! ERROR: invalid app name 'My_App' (want 1-63 of a-z, 0-9 and '-', starting and ending with a letter or digit)
  [2]
  $ relctl apps info
  ! ERROR: no app given (usage: relctl apps info [APP] [--json])
  [2]
  $ relctl apps info a b
  ! ERROR: unexpected argument 'b' (usage: relctl apps info [APP] [--json])
  [2]

An app deleted and made again starts without a hook or masked keys.

  $ relctl apps hook set true -a myapp && relctl apps delete myapp && relctl apps create myapp
  Setting hook for myapp... OK
  Deleting myapp... OK
  Creating myapp... OK
  $ relctl apps hook myapp
  ! relctl: note: app 'myapp' has no deploy hook (relctl apps hook set CMD -a myapp sets one)
  $ relctl apps info myapp
  Name      myapp
  Status    running
  Release
  Previous
  Created   2019-01-01T00:01:00Z
  Hook
  Masked

What the commands say of themselves.

  $ relctl apps info --help | sed '/show help$/q'
  Usage: relctl apps info [APP] [--json]
  
  Show an app.
  
  Without APP, the app of -a or RELEASE_APP. Release is the active release,
  Previous the one active before it; Lease, while a promotion holds the app,
  who holds it. Hook is the app's deploy hook, Masked the env keys whose
  values are masked.
  
  Options:
        --json                  print JSON (README.md: "JSON output")
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
  $ relctl apps hook --help | sed '/show help$/q'
  Usage: relctl apps hook [APP] [--json]
  
  Show an app's deploy hook.
  
  Prints the deploy hook kept with the app: byte for byte to a file or a
  pipe, with control characters escaped on a terminal. An app without one
  prints nothing (a note on stderr says so). Without APP, the app of -a or
  RELEASE_APP.
  
  Options:
        --json                  print JSON (README.md: "JSON output")
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
  $ relctl apps hook set --help | sed '/show help$/q'
  Usage: relctl apps hook set CMD|--file FILE -a APP
  
  Keep a deploy hook with the app.
  
  Promotions of the app run CMD (/bin/sh -c CMD) as their deploy hook
  (README.md: "The deploy hook"). CMD is one word: quote it. --file reads
  the hook from FILE ('-': standard input), for a script too long for the
  command line (at most 65536 bytes). Changing the hook makes no release.
  
  Options:
    -f, --file FILE             the file to write or read ('-': standard
                                output or input)
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
  $ relctl apps hook unset --help | sed '/show help$/q'
  Usage: relctl apps hook unset -a APP
  
  Remove the app's deploy hook.
  
  Options:
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
