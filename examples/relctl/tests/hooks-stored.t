The deploy hook stored with the app (relctl apps hook set): which hook a
promotion runs, and the transcript naming a stored one.

@env RELEASE_APP=myapp
  $ relctl apps create && relctl env set A=1 >/dev/null
  Creating myapp... OK

  $ relctl apps hook set 'echo "stored hook deploys $RELEASE_ID"' >/dev/null

Without --hook a promotion runs the app's hook, and says so first: a stored
hook is a command whoever can write the store can set.

  $ relctl releases promote
  Promoting RPIJJNQDVV...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z relctl running the deploy hook stored with the app: echo "stored hook deploys $RELEASE_ID"
  2019-01-01T00:00:00Z hook stored hook deploys RPIJJNQDVV
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

It comes before $RELEASE_DEPLOY_HOOK,

@env RELEASE_DEPLOY_HOOK=echo from the environment
  $ relctl env set A=2 -p
  Setting A... OK
  Release: RGULVXUKUH
  Promoting RGULVXUKUH...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z relctl running the deploy hook stored with the app: echo "stored hook deploys $RELEASE_ID"
  2019-01-01T00:00:00Z hook stored hook deploys RGULVXUKUH
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

and --hook comes before it; --hook '' runs no hook at all.

  $ relctl env set A=3 -p --hook 'echo given on the command line'
  Setting A... OK
  Release: RVKHZWTAFY
  Promoting RVKHZWTAFY...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z hook given on the command line
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

  $ relctl env set A=4 -p --hook ''
  Setting A... OK
  Release: RHKOBKCXZE
  Promoting RHKOBKCXZE...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

Every promotion reads it: rollback, create-from --promote, env edit -p.

  $ relctl releases rollback --id
  RUUMZTBTIT
  ! Rolling back to RVKHZWTAFY...
  ! 2019-01-01T00:00:00Z librelease app Status: running => updating
  ! 2019-01-01T00:00:00Z relctl running the deploy hook stored with the app: echo "stored hook deploys $RELEASE_ID"
  ! 2019-01-01T00:00:00Z hook stored hook deploys RUUMZTBTIT
  ! 2019-01-01T00:00:00Z librelease app Status: updating => running
  ! OK, RUUMZTBTIT

  $ relctl releases create-from -p
  Creating release... OK
  Release: RCAUHQRNUH
  Promoting RCAUHQRNUH...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z relctl running the deploy hook stored with the app: echo "stored hook deploys $RELEASE_ID"
  2019-01-01T00:00:00Z hook stored hook deploys RCAUHQRNUH
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

@env EDITOR=sed -i s/^A=.*/A=5/
  $ relctl env edit -p
  Setting A... OK
  Release: RSKPSPDJEU
  Promoting RSKPSPDJEU...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z relctl running the deploy hook stored with the app: echo "stored hook deploys $RELEASE_ID"
  2019-01-01T00:00:00Z hook stored hook deploys RSKPSPDJEU
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

A stored hook that fails fails the promotion as any hook does.

  $ relctl apps hook set 'echo "no luck"; exit 3' >/dev/null && relctl env set A=6 -p
  Setting A... OK
  Release: RIFHHLTSXJ
  Promoting RIFHHLTSXJ...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z relctl running the deploy hook stored with the app: echo "no luck"; exit 3
  2019-01-01T00:00:00Z hook no luck
  2019-01-01T00:00:00Z relctl hook exited with status 3
  2019-01-01T00:00:00Z librelease app Status: updating => rollback
  2019-01-01T00:00:00Z librelease app Status: rollback => running
  ! ERROR: hook exited with status 3: app 'myapp': deployment of RIFHHLTSXJ failed (deployer returned 3); RSKPSPDJEU stays active
  [6]

Without a stored hook, $RELEASE_DEPLOY_HOOK again.

  $ relctl apps hook unset >/dev/null && relctl env set A=7 -p
  Setting A... OK
  Release: RCPHZQLZRJ
  Promoting RCPHZQLZRJ...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z hook from the environment
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

@unenv RELEASE_DEPLOY_HOOK
  $ relctl env set A=8 -p
  Setting A... OK
  Release: RSIXKXJKDJ
  Promoting RSIXKXJKDJ...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

The transcript names a stored hook by its first line that says something
(not blank, not a "#!" first line), up to 200 characters and "..." when it
is longer, its control characters escaped as in any event, and by its size
in lines when it has more than one (relctl apps hook shows it whole).

  $ { printf 'echo long; : %0250d\n' 0; printf 'echo second line\n'; } | relctl apps hook set --file - >/dev/null && relctl releases promote 1 --force | grep 'stored with'
  2019-01-01T00:00:00Z relctl running the deploy hook stored with the app: echo long; : 0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000... (2 lines)

  $ printf 'printf "\033[2J"; echo two lines\necho here\n' | relctl apps hook set --file - >/dev/null && relctl releases promote 2 --force | grep 'stored with'
  2019-01-01T00:00:00Z relctl running the deploy hook stored with the app: printf "\e[2J"; echo two lines (2 lines)

  $ printf 'echo one line\n' | relctl apps hook set --file - >/dev/null && relctl releases promote 3 --force | grep 'stored with'
  2019-01-01T00:00:00Z relctl running the deploy hook stored with the app: echo one line

  $ printf '#!/bin/sh\n\n  \nmake deploy\n' | relctl apps hook set --file - >/dev/null && relctl releases promote 4 --force 2>&1 | grep 'stored with'
  2019-01-01T00:00:00Z relctl running the deploy hook stored with the app: make deploy (4 lines)
