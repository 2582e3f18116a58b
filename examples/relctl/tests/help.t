Help and version: exit 0, on standard output.

  $ relctl --help
  Usage: relctl COMMAND [ARGS] [OPTIONS]
  
  Release history and rollback for apps, on librelease, the way Convox's CLI
  speaks.
  
  Commands:
    apps                  list apps
    apps create           create an app
    apps delete           delete an app with all its builds and releases
    apps info             show an app
    apps hook             show an app's deploy hook
    apps hook set         keep a deploy hook with the app
    apps hook unset       remove the app's deploy hook
    builds                list builds
    builds create         record a build; a complete build also gets its release
    builds info           show a build
    builds logs           print a build's log
    builds logs append    append to the log of a created or running build
    builds set-status     set a build's status; a complete build gets its release
    builds export         export a complete build to a file
    builds import         import an exported build into an app, with its release
    releases              list releases
    releases info         show a release and its env
    releases manifest     print a release's manifest as it was stored
    releases promote      make a release active (default: the newest)
    releases rollback     roll back to a release (default: the previously active one)
    releases create-from  create a release of a build and an env from releases
    releases prune        delete old releases
    releases history      show the deployment log: who promoted what, when
    releases diff         show what changed from release A to release B
    releases wait         wait for the app's next promotion, or release, and print it
    env                   show the env of the newest release
    env get               print one env value
    env set               create a release with env changed
    env unset             create a release with env keys removed
    env edit              edit the env in an editor and create a release with it
    env mask              list the env keys whose values are masked
    env mask set          mask the values of env keys on a terminal
    env mask unset        stop masking env keys
    store copy            copy apps, with all their history, from one store into another
  
  Global options:
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
        --version               show the versions of relctl and librelease
  
  Environment: RELEASE_APP, RELEASE_STORE, RELEASE_ACTOR,
  RELEASE_DEPLOY_HOOK; VISUAL or EDITOR (env edit).
  Exit status: 0 ok, 1 failure, 2 usage, 3 not found (or a wait timed out),
  4 refused, 5 busy, 6 deploy failed, 7 store unusable, 8 deployed already
  (releases promote --if-pending).
  
  Run 'relctl COMMAND --help' for a command's options.

  $ relctl --version
  relctl [0-9.]+ \(librelease [0-9.]+\) (re)

  $ relctl releases rollback --help
  Usage: relctl releases rollback [RID|VERSION] -a APP [--hook CMD] [--hook-timeout SECONDS] [--force] [--id]
  
  Roll back to a release (default: the previously active one).
  
  Creates a new release copying RID's build, env, manifest and description,
  and promotes it, running the deploy hook, if any; the transcript ends with
  "OK, RNEW", or "FAILED, RNEW" when the promotion failed (the copy stays in
  the history). --id prints only the new release's id on standard output,
  failed or not (the transcript goes to standard error). --force takes the
  app over from another promotion, as for `releases promote`.
  
  Options:
        --id                    print only the new id(s) on standard output
        --hook CMD              deploy hook, run by /bin/sh -c (default: the
                                app's stored hook, else $RELEASE_DEPLOY_HOOK;
                                '': none)
        --hook-timeout SECONDS  kill a hook that runs longer (default 600;
                                0: no limit)
        --force                 take the app over from a promotion that holds
                                it (one whose relctl died); also promotes an
                                older release
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
  
  See also:
    relctl releases              list releases
    relctl releases info         show a release and its env
    relctl releases manifest     print a release's manifest as it was stored
    relctl releases promote      make a release active (default: the newest)
    relctl releases create-from  create a release of a build and an env from releases
    relctl releases prune        delete old releases
    relctl releases history      show the deployment log: who promoted what, when
    relctl releases diff         show what changed from release A to release B
    relctl releases wait         wait for the app's next promotion, or release, and print it

  $ relctl help env set
  Usage: relctl env set KEY=VALUE... [KEY --stdin] [-f FILE] -a APP [--release RID|VERSION] [--replace] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id]
  
  Create a release with env changed.
  
  The new release copies the newest one (or --release's, whatever came
  after it) with the keys set; its description is Convox's: "env add:K
  change:K". With --replace its env is exactly the pairs given, and the
  transcript names every key added, changed or removed (no pairs at all is
  refused). A change that changes nothing creates no release. --promote
  promotes the new release.
  
  -f FILE ('-': standard input) reads KEY=VALUE lines: blank lines and
  lines starting with '#' are skipped, the value is the rest of the line
  byte for byte, or a quoted string when it starts with '"' (README.md:
  "Env files"). KEY --stdin sets KEY to all of standard input, less
  exactly one final newline: for a value too big for the command line (a
  certificate, a key).
  
  Options:
        --release RID|VERSION   the release whose env to read or change
                                (default: the newest)
        --id                    print only the new id(s) on standard output
    -f, --file FILE             the file to write or read ('-': standard
                                output or input)
        --stdin                 read the value of the one KEY given from
                                standard input, less one final newline
        --replace               the env becomes exactly the pairs given
    -p, --promote               promote the new release
        --hook CMD              deploy hook, run by /bin/sh -c (default: the
                                app's stored hook, else $RELEASE_DEPLOY_HOOK;
                                '': none)
        --hook-timeout SECONDS  kill a hook that runs longer (default 600;
                                0: no limit)
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
  
  See also:
    relctl env                   show the env of the newest release
    relctl env get               print one env value
    relctl env unset             create a release with env keys removed
    relctl env edit              edit the env in an editor and create a release with it
    relctl env mask              list the env keys whose values are masked
    relctl env mask set          mask the values of env keys on a terminal
    relctl env mask unset        stop masking env keys

  $ relctl releases -h
  Usage: relctl releases -a APP [--limit N] [--before VERSION|RID] [--json] [--watch]
  
  List releases.
  
  Newest first, at most N (default 10; 0: all). --before lists the releases
  older than a version or a release id, to page through all of history: pass
  the last id shown as the next --before.
  
  STATUS is "active" for the app's active release and "failed" for one whose
  last promotion failed.
  
  --watch prints the table again, after a blank line, each time the app
  changes (a new release, a promotion, a rollback, a failed promotion), until
  SIGINT (Ctrl-C) or SIGTERM, which end it with exit status 0.
  
  Options:
        --json                  print JSON (README.md: "JSON output")
        --limit N               at most N (default 10; 0: no limit)
        --before VERSION|RID    only releases older than this one
        --watch                 print the table again at every change, until
                                SIGINT or SIGTERM
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
  
  See also:
    relctl releases info         show a release and its env
    relctl releases manifest     print a release's manifest as it was stored
    relctl releases promote      make a release active (default: the newest)
    relctl releases rollback     roll back to a release (default: the previously active one)
    relctl releases create-from  create a release of a build and an env from releases
    relctl releases prune        delete old releases
    relctl releases history      show the deployment log: who promoted what, when
    relctl releases diff         show what changed from release A to release B
    relctl releases wait         wait for the app's next promotion, or release, and print it

The commands of the Convox parity: their words, flags and formats.

  $ relctl help env edit
  Usage: relctl env edit -a APP [--release RID|VERSION] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id]
  
  Edit the env in an editor and create a release with it.
  
  Writes the env of the newest release (or --release's) to a private file,
  runs $VISUAL, else $EDITOR, else vi on it, and creates one release with
  the edit: what was added or changed is set and what was deleted unset, on
  the newest release, so a change made meanwhile stays; with --release the
  env becomes the file, on that release. Values that a line cannot hold as
  they are (newlines, control characters, a leading '"' or space, a
  trailing space) are written quoted, with escapes, and read back exactly
  (README.md: "Env files"). The file is removed afterwards; an editor
  that exits with an error sets nothing.
  
  Options:
        --release RID|VERSION   the release whose env to read or change
                                (default: the newest)
        --id                    print only the new id(s) on standard output
    -p, --promote               promote the new release
        --hook CMD              deploy hook, run by /bin/sh -c (default: the
                                app's stored hook, else $RELEASE_DEPLOY_HOOK;
                                '': none)
        --hook-timeout SECONDS  kill a hook that runs longer (default 600;
                                0: no limit)
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
  
  See also:
    relctl env                   show the env of the newest release
    relctl env get               print one env value
    relctl env set               create a release with env changed
    relctl env unset             create a release with env keys removed
    relctl env mask              list the env keys whose values are masked
    relctl env mask set          mask the values of env keys on a terminal
    relctl env mask unset        stop masking env keys

  $ relctl releases create-from --help
  Usage: relctl releases create-from -a APP [--build-from RID|--use-active-release-build] [--env-from RID|--use-active-release-env] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id]
  
  Create a release of a build and an env from releases.
  
  The new release takes the build, manifest and description of --build-from
  and the env of --env-from (ids or versions); each left out, or given as
  --use-active-release-build or --use-active-release-env, is the active
  release's. It is not promoted unless --promote is given.
  
  Options:
        --build-from RID|VERSION
                                the release whose build and manifest to take
        --use-active-release-build
                                take the active release's build (the default)
        --env-from RID|VERSION  the release whose env to take
        --use-active-release-env
                                take the active release's env (the default)
        --id                    print only the new id(s) on standard output
    -p, --promote               promote the new release
        --hook CMD              deploy hook, run by /bin/sh -c (default: the
                                app's stored hook, else $RELEASE_DEPLOY_HOOK;
                                '': none)
        --hook-timeout SECONDS  kill a hook that runs longer (default 600;
                                0: no limit)
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
  
  See also:
    relctl releases              list releases
    relctl releases info         show a release and its env
    relctl releases manifest     print a release's manifest as it was stored
    relctl releases promote      make a release active (default: the newest)
    relctl releases rollback     roll back to a release (default: the previously active one)
    relctl releases prune        delete old releases
    relctl releases history      show the deployment log: who promoted what, when
    relctl releases diff         show what changed from release A to release B
    relctl releases wait         wait for the app's next promotion, or release, and print it

  $ relctl env mask set --help
  Usage: relctl env mask set KEY... -a APP
  
  Mask the values of env keys on a terminal.
  
  `relctl env` and `relctl releases info` show the values of masked keys as
  **** on a terminal, unless --reveal is given; piped, values are plain. A
  key need not be set to be masked. A list holds at most 500 keys.
  
  Options:
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
  
  See also:
    relctl env                   show the env of the newest release
    relctl env get               print one env value
    relctl env set               create a release with env changed
    relctl env unset             create a release with env keys removed
    relctl env edit              edit the env in an editor and create a release with it
    relctl env mask              list the env keys whose values are masked
    relctl env mask unset        stop masking env keys

Every command of the overview has its help, and every option a command's
usage names is in its Options (the loop prints only what is missing).

  $ relctl --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z -]*[a-z]\)  .*/\1/p' > commands && wc -l < commands
  34
  $ while read -r c; do relctl $c --help > help || exit 1; head -1 help; for o in $(head -1 help | grep -o -- '--[a-z-]*' | sort -u); do sed -n '/^Options:/,$p' help | grep -q -- "^ *\(-., \)\?$o\b" || echo "  relctl $c --help: no $o under Options"; done; done < commands
  Usage: relctl apps [--json]
  Usage: relctl apps create APP [--id]
  Usage: relctl apps delete APP
  Usage: relctl apps info [APP] [--json]
  Usage: relctl apps hook [APP] [--json]
  Usage: relctl apps hook set CMD|--file FILE -a APP
  Usage: relctl apps hook unset -a APP
  Usage: relctl builds -a APP [--limit N] [--json]
  Usage: relctl builds create -a APP [--description D] [--manifest FILE] [--status S] [--log FILE] [--id]
  Usage: relctl builds info BID -a APP [--json]
  Usage: relctl builds logs BID -a APP [--follow] [--json]
  Usage: relctl builds logs append BID -a APP [--log FILE]
  Usage: relctl builds set-status BID STATUS -a APP [--id]
  Usage: relctl builds export BID -a APP [--file FILE]
  Usage: relctl builds import -a APP [--file FILE] [--id]
  Usage: relctl releases -a APP [--limit N] [--before VERSION|RID] [--json] [--watch]
  Usage: relctl releases info RID|VERSION -a APP [--json] [--reveal]
  Usage: relctl releases manifest RID|VERSION -a APP [--json]
  Usage: relctl releases promote [RID|VERSION] -a APP [--hook CMD] [--hook-timeout SECONDS] [--force] [--if-pending] [--id]
  Usage: relctl releases rollback [RID|VERSION] -a APP [--hook CMD] [--hook-timeout SECONDS] [--force] [--id]
  Usage: relctl releases create-from -a APP [--build-from RID|--use-active-release-build] [--env-from RID|--use-active-release-env] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id]
  Usage: relctl releases prune --keep N -a APP
  Usage: relctl releases history [APP] [--limit N] [--before SEQ] [--at TIME] [--json]
  Usage: relctl releases diff [A [B]] -a APP [--reveal] [--json]
  Usage: relctl releases wait [APP] [--for promotion|release|any] [--since RID|VERSION|none] [--timeout DURATION]
  Usage: relctl env -a APP [--release RID|VERSION] [--json] [--reveal]
  Usage: relctl env get KEY -a APP [--release RID|VERSION] [--json]
  Usage: relctl env set KEY=VALUE... [KEY --stdin] [-f FILE] -a APP [--release RID|VERSION] [--replace] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id]
  Usage: relctl env unset KEY... -a APP [--release RID|VERSION] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id]
  Usage: relctl env edit -a APP [--release RID|VERSION] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id]
  Usage: relctl env mask -a APP [--json]
  Usage: relctl env mask set KEY... -a APP
  Usage: relctl env mask unset KEY... -a APP
  Usage: relctl store copy SRC DST [--app APP] [--mirror]

Help wins over everything else on the line.

  $ relctl releases info --help --limit x
  Usage: relctl releases info RID|VERSION -a APP [--json] [--reveal]
  
  Show a release and its env.
  
  A release is named by its id or its version (12 or v12). On a terminal
  the values of the keys in the app's mask list (relctl env mask) show as
  ****; --reveal shows them. Piped, values are always plain.
  
  Options:
        --json                  print JSON (README.md: "JSON output")
        --reveal                show masked env values on a terminal too
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
  
  See also:
    relctl releases              list releases
    relctl releases manifest     print a release's manifest as it was stored
    relctl releases promote      make a release active (default: the newest)
    relctl releases rollback     roll back to a release (default: the previously active one)
    relctl releases create-from  create a release of a build and an env from releases
    relctl releases prune        delete old releases
    relctl releases history      show the deployment log: who promoted what, when
    relctl releases diff         show what changed from release A to release B
    relctl releases wait         wait for the app's next promotion, or release, and print it
