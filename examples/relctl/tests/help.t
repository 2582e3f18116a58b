Help and version: exit 0, on standard output.

  $ relctl --help
  Usage: relctl COMMAND [ARGS] [OPTIONS]
  
  Release history and rollback for apps, on librelease, the way Convox's CLI
  speaks.
  
  Commands:
    apps                list apps
    apps create         create an app
    apps delete         delete an app with all its builds and releases
    builds              list builds
    builds create       record a build; a complete build also gets its release
    builds info         show a build
    releases            list releases
    releases info       show a release and its env
    releases manifest   print a release's manifest as it was stored
    releases promote    make a release active (default: the newest)
    releases rollback   roll back to a release (default: the previously active one)
    env                 show the env of the newest release
    env set             create a release with env changed
    env unset           create a release with env keys removed
  
  Global options:
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
    -h, --help                  show help
        --version               show the versions of relctl and librelease
  
  Environment: RELEASE_APP, RELEASE_STORE, RELEASE_DEPLOY_HOOK.
  Exit status: 0 ok, 1 failure, 2 usage, 3 not found, 4 refused, 5 busy,
  6 deploy failed, 7 store unusable.
  
  Run 'relctl COMMAND --help' for a command's options.

  $ relctl --version
  relctl [0-9.]+ \(librelease [0-9.]+\) (re)

  $ relctl releases rollback --help
  Usage: relctl releases rollback [RID] -a APP [--hook CMD] [--hook-timeout SECONDS] [--force] [--id]
  
  Roll back to a release (default: the previously active one).
  
  Creates a new release copying RID's build, env, manifest and description,
  and promotes it, running the deploy hook, if any. --id prints only the new
  release's id on standard output (the transcript goes to standard error).
  --force takes the app over from another promotion, as for `releases
  promote`.
  
  Options:
        --id                    print only the new id(s) on standard output
        --hook CMD              deploy hook, run by /bin/sh -c (default:
                                $RELEASE_DEPLOY_HOOK; '': none)
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
    -h, --help                  show help
  
  See also:
    relctl releases            list releases
    relctl releases info       show a release and its env
    relctl releases manifest   print a release's manifest as it was stored
    relctl releases promote    make a release active (default: the newest)

  $ relctl help env set
  Usage: relctl env set KEY=VALUE... -a APP [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id]
  
  Create a release with env changed.
  
  The new release copies the newest one with the keys set; its description
  is Convox's: "env add:K change:K". A change that changes nothing creates
  no release. --promote promotes the new release.
  
  Options:
        --id                    print only the new id(s) on standard output
    -p, --promote               promote the new release
        --hook CMD              deploy hook, run by /bin/sh -c (default:
                                $RELEASE_DEPLOY_HOOK; '': none)
        --hook-timeout SECONDS  kill a hook that runs longer (default 600;
                                0: no limit)
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
    -h, --help                  show help
  
  See also:
    relctl env                 show the env of the newest release
    relctl env unset           create a release with env keys removed

  $ relctl releases -h
  Usage: relctl releases -a APP [--limit N] [--before VERSION|RID] [--json]
  
  List releases.
  
  Newest first, at most N (default 10; 0: all). --before lists the releases
  older than a version or a release id, to page through all of history: pass
  the last id shown as the next --before.
  
  STATUS is "active" for the app's active release and "failed" for one whose
  last promotion failed.
  
  Options:
        --json                  print JSON (README.md: "JSON output")
        --limit N               at most N (default 10; 0: no limit)
        --before VERSION|RID    only releases older than this one
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
    -h, --help                  show help
  
  See also:
    relctl releases info       show a release and its env
    relctl releases manifest   print a release's manifest as it was stored
    relctl releases promote    make a release active (default: the newest)
    relctl releases rollback   roll back to a release (default: the previously active one)

Every command has its help.

  $ for c in apps "apps create" "apps delete" builds "builds create" "builds info" releases "releases info" "releases manifest" "releases promote" "releases rollback" env "env set" "env unset"; do relctl $c --help | head -1 || exit 1; done
  Usage: relctl apps [--json]
  Usage: relctl apps create APP [--id]
  Usage: relctl apps delete APP
  Usage: relctl builds -a APP [--limit N] [--json]
  Usage: relctl builds create -a APP [--description D] [--manifest FILE] [--status S] [--id]
  Usage: relctl builds info BID -a APP [--json]
  Usage: relctl releases -a APP [--limit N] [--before VERSION|RID] [--json]
  Usage: relctl releases info RID -a APP [--json] [--reveal]
  Usage: relctl releases manifest RID -a APP [--json]
  Usage: relctl releases promote [RID] -a APP [--hook CMD] [--hook-timeout SECONDS] [--force] [--id]
  Usage: relctl releases rollback [RID] -a APP [--hook CMD] [--hook-timeout SECONDS] [--force] [--id]
  Usage: relctl env -a APP [--json] [--reveal]
  Usage: relctl env set KEY=VALUE... -a APP [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id]
  Usage: relctl env unset KEY... -a APP [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id]

Help wins over everything else on the line.

  $ relctl releases info --help --limit x
  Usage: relctl releases info RID -a APP [--json] [--reveal]
  
  Show a release and its env.
  
  Env values are masked when standard output is a terminal; --reveal shows
  them.
  
  Options:
        --json                  print JSON (README.md: "JSON output")
        --reveal                show env values on a terminal too
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
    -h, --help                  show help
  
  See also:
    relctl releases            list releases
    relctl releases manifest   print a release's manifest as it was stored
    relctl releases promote    make a release active (default: the newest)
    relctl releases rollback   roll back to a release (default: the previously active one)
