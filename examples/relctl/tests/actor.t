Actors: who made each build and release, and who promoted it. The
transcripts' actor is alice@example.com (golden.py sets RELEASE_ACTOR).

@env RELEASE_APP=myapp
  $ relctl apps create
  Creating myapp... OK

--actor names who writes: recorded with the build and its release.

  $ relctl builds create -d one --actor 'Bob <bob@example.com>' --id > ids
  $ relctl builds info "$(head -1 ids)"
  Id           BVJWNBKDHM
  Status       complete
  Release      RQJSLTCWFV
  Description  one
  Started      now
  Elapsed      0s
  Actor        Bob <bob@example.com>
  $ relctl releases info 1
  Id           RQJSLTCWFV
  Build        BVJWNBKDHM
  Created      2019-01-01T00:00:00Z
  Actor        Bob <bob@example.com>
  Description  one
  Env

$RELEASE_ACTOR does the same; --actor wins over it. The promotion's actor is
the deployment log's.

@env RELEASE_ACTOR=carol@example.com
  $ relctl releases promote
  Promoting RQJSLTCWFV...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK
  $ relctl env set FOO=bar --promote --actor dave@example.com
  Setting FOO... OK
  Release: RHKOBKCXZE
  Promoting RHKOBKCXZE...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK
@unenv RELEASE_ACTOR
  $ relctl releases info 2
  Id           RHKOBKCXZE
  Build        BVJWNBKDHM
  Created      2019-01-01T00:00:00Z
  Actor        dave@example.com
  Description  env add:FOO
  Env          FOO=bar
  $ relctl releases history
  #  WHEN  ACTION   FROM        TO          RESULT  DURATION  ACTOR
  2  now   promote  RQJSLTCWFV  RHKOBKCXZE  ok      0s        dave@example.com
  1  now   promote              RQJSLTCWFV  ok      0s        carol@example.com

The deploy hook is told who promotes, so a relctl it runs records the same
actor.

  $ relctl releases rollback 1 --actor erin@example.com --hook 'echo "actor: $RELEASE_ACTOR"'
  Rolling back to RQJSLTCWFV...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z hook actor: erin@example.com
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK, ROKBEQPOJE
  $ relctl releases history --limit 1
  #  WHEN  ACTION    FROM        TO          RESULT  DURATION  ACTOR
  3  now   rollback  RHKOBKCXZE  ROKBEQPOJE  ok      0s        erin@example.com

Without --actor or $RELEASE_ACTOR (an empty one is unset), the actor is the
library's default, the user's login name and the host's name.

@env RELEASE_ACTOR=
  $ relctl env set B=2
  Setting B... OK
  Release: RCPHZQLZRJ
  $ relctl releases info 4 | grep Actor
  Actor        .+@.+ (re)
@unenv RELEASE_ACTOR
  $ relctl releases info 4 --json | grep '"actor"'
    "actor": ".+@.+" (re)

An actor is 1 to 256 bytes of UTF-8 without control or format characters
(bidi controls, zero-width ones), not beginning or ending with a space:
anything else is refused (exit 2), and nothing is written (the next release
is version 5).

  $ relctl env set C=3 --actor ''
  ! ERROR: --actor: an actor is 1 to 256 bytes of UTF-8 without control or format characters, not beginning or ending with a space
  [2]
  $ relctl env set C=3 --actor "$(printf 'eve\tx')"
  ! ERROR: --actor: an actor is 1 to 256 bytes of UTF-8 without control or format characters, not beginning or ending with a space
  [2]
  $ RELEASE_ACTOR="$(printf 'eve\033[2J')" relctl env set C=3
  ! ERROR: RELEASE_ACTOR: an actor is 1 to 256 bytes of UTF-8 without control or format characters, not beginning or ending with a space
  [2]
  $ relctl env set C=3 --actor "$(printf '%0257d' 0)"
  ! ERROR: --actor: an actor is 1 to 256 bytes of UTF-8 without control or format characters, not beginning or ending with a space
  [2]
  $ relctl env set C=3 --actor ' '
  ! ERROR: --actor: an actor is 1 to 256 bytes of UTF-8 without control or format characters, not beginning or ending with a space
  [2]
  $ relctl env set C=3 --actor ' alice '
  ! ERROR: --actor: an actor is 1 to 256 bytes of UTF-8 without control or format characters, not beginning or ending with a space
  [2]
  $ relctl env set C=3 --actor "$(printf 'al\342\200\213ice')"
  ! ERROR: --actor: an actor is 1 to 256 bytes of UTF-8 without control or format characters, not beginning or ending with a space
  [2]
  $ relctl env set C=3 --actor "$(printf '\342\200\256moc.elpmaxe@ecila')"
  ! ERROR: --actor: an actor is 1 to 256 bytes of UTF-8 without control or format characters, not beginning or ending with a space
  [2]
  $ relctl env set C=3 --actor "$(printf '%0256d' 0)" > /dev/null && relctl releases info 5 | grep -c Actor
  1
  $ relctl env set C=4 --actor 'zoë' > /dev/null && relctl releases info 6 | grep Actor
  Actor        zoë

$RELEASE_ACTOR is for what is written: a command that only reads does not
look at it, so that one the library refuses fails the writes alone, not the
listings and waits of the same job. --actor is checked on every command.

  $ export RELEASE_ACTOR="$(printf '%0257d' 0)"
  > for cmd in apps "apps info" "releases --limit 1" "releases info 1" "env" "builds" \
  >            "releases history --limit 1" "releases diff" "releases wait --since 1"; do
  >   relctl $cmd > /dev/null && echo "ok: $cmd"
  > done
  > relctl env set C=5
  ok: apps
  ok: apps info
  ok: releases --limit 1
  ok: releases info 1
  ok: env
  ok: builds
  ok: releases history --limit 1
  ok: releases diff
  ok: releases wait --since 1
  ! ERROR: RELEASE_ACTOR: an actor is 1 to 256 bytes of UTF-8 without control or format characters, not beginning or ending with a space
  [2]
  $ relctl apps --actor ''
  ! ERROR: --actor: an actor is 1 to 256 bytes of UTF-8 without control or format characters, not beginning or ending with a space
  [2]
