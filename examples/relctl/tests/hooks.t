The deploy hook: events, its environment, failure, timeout, a busy app.

@env RELEASE_APP=myapp
  $ relctl apps create
  Creating myapp... OK

  $ printf 'web: nginx\n' > m.yml && relctl builds create -d "first build" -m m.yml
  Build:   BVJWNBKDHM
  Release: RQJSLTCWFV

With no hook, a promotion only moves the pointer.

  $ relctl releases promote
  Promoting RQJSLTCWFV...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

The hook's lines become events, in order, stdout and stderr alike; blank
lines are skipped, a trailing CR dropped, and a last unfinished line kept.

  $ relctl env set FOO=bar --promote --hook "$TESTHOOKS/ordered.sh"
  Setting FOO... OK
  Release: RGULVXUKUH
  Promoting RGULVXUKUH...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z hook 1 out
  2019-01-01T00:00:00Z hook 2 err
  2019-01-01T00:00:00Z hook 3 out
  2019-01-01T00:00:00Z hook 4 crlf
  2019-01-01T00:00:00Z hook 5 err
  2019-01-01T00:00:00Z hook 6 no newline
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

What a hook is given. Its files have no name in any directory, only
/dev/fd/N (the driver checks that $TMPDIR is empty at the end).

  $ relctl env set BAR="x y" --promote --hook "$TESTHOOKS/show-env.sh"
  Setting BAR... OK
  Release: RVKHZWTAFY
  Promoting RVKHZWTAFY...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z hook app=myapp id=RVKHZWTAFY version=3 build=BVJWNBKDHM
  2019-01-01T00:00:00Z hook description=env add:BAR
  2019-01-01T00:00:00Z hook source= store=(file:\$TESTTMP/store|\$RELEASE_STORE) (re)
  2019-01-01T00:00:00Z hook manifest file 600 in /dev/fd:
  2019-01-01T00:00:00Z hook   web: nginx
  2019-01-01T00:00:00Z hook env file 600 in /dev/fd:
  2019-01-01T00:00:00Z hook   BAR=x y
  2019-01-01T00:00:00Z hook   FOO=bar
  2019-01-01T00:00:00Z hook stdin: 
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

RELEASE_DEPLOY_HOOK sets the hook for every promotion; --hook '' turns it off.

@env RELEASE_DEPLOY_HOOK=$HOOKS/rolling-update.sh
  $ relctl releases rollback
  Rolling back to RGULVXUKUH...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z hook system/k8s/atom/app Status: Running => Pending
  2019-01-01T00:00:00Z hook system/k8s/web Scaled up replica set web-pfoizyfgx to 1
  2019-01-01T00:00:00Z hook system/k8s/web-pfoizyfgx Created pod: web-pfoizyfgx-vjwnb
  2019-01-01T00:00:00Z hook system/k8s/web-pfoizyfgx-vjwnb Successfully assigned convox-myapp/web-pfoizyfgx-vjwnb to instance-0a1b2c3d4e5f
  2019-01-01T00:00:00Z hook system/k8s/web-pfoizyfgx-vjwnb Pulling image "registry.host/convox/myapp:web.BVJWNBKDHM"
  2019-01-01T00:00:00Z hook system/k8s/atom/app Status: Pending => Updating
  2019-01-01T00:00:00Z hook system/k8s/web-pfoizyfgx-vjwnb Successfully pulled image "registry.host/convox/myapp:web.BVJWNBKDHM"
  2019-01-01T00:00:00Z hook system/k8s/web-pfoizyfgx-vjwnb Created container main
  2019-01-01T00:00:00Z hook system/k8s/web-pfoizyfgx-vjwnb Started container main
  2019-01-01T00:00:00Z hook system/k8s/web Scaled down replica set to 0 (old pods)
  2019-01-01T00:00:00Z hook system/k8s/atom/app Status: Updating => Running
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK, RPFOIZYFGX

  $ relctl env set A=1 --promote --hook ''
  Setting A... OK
  Release: RVEWTLLPFI
  Promoting RVEWTLLPFI...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK

A failing hook fails the promotion: the previous release stays active and
the new one reads "failed".

  $ ROLLING_UPDATE_FAIL=1 relctl env set A=2 --promote
  Setting A... OK
  Release: RCAUHQRNUH
  Promoting RCAUHQRNUH...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z hook system/k8s/atom/app Status: Running => Pending
  2019-01-01T00:00:00Z hook system/k8s/web Scaled up replica set web-cauhqrnuh to 1
  2019-01-01T00:00:00Z hook system/k8s/web-cauhqrnuh Created pod: web-cauhqrnuh-vjwnb
  2019-01-01T00:00:00Z hook system/k8s/web-cauhqrnuh-vjwnb Successfully assigned convox-myapp/web-cauhqrnuh-vjwnb to instance-0a1b2c3d4e5f
  2019-01-01T00:00:00Z hook system/k8s/web-cauhqrnuh-vjwnb Pulling image "registry.host/convox/myapp:web.BVJWNBKDHM"
  2019-01-01T00:00:00Z hook system/k8s/atom/app Status: Pending => Updating
  2019-01-01T00:00:00Z hook system/k8s/web-cauhqrnuh-vjwnb Successfully pulled image "registry.host/convox/myapp:web.BVJWNBKDHM"
  2019-01-01T00:00:00Z hook system/k8s/web-cauhqrnuh-vjwnb Created container main
  2019-01-01T00:00:00Z hook system/k8s/web-cauhqrnuh-vjwnb Started container main
  2019-01-01T00:00:00Z hook system/k8s/web-cauhqrnuh-vjwnb Back-off restarting failed container
  2019-01-01T00:00:00Z hook system/k8s/atom/app Status: Updating => Rollback
  2019-01-01T00:00:00Z relctl hook exited with status 1
  2019-01-01T00:00:00Z librelease app Status: updating => rollback
  2019-01-01T00:00:00Z librelease app Status: rollback => running
  ! ERROR: hook exited with status 1: app 'myapp': deployment of RCAUHQRNUH failed (deployer returned 1); RVEWTLLPFI stays active
  [6]

  $ relctl releases --limit 3
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RCAUHQRNUH  failed  BVJWNBKDHM  now      env change:A
  RVEWTLLPFI  active  BVJWNBKDHM  now      env add:A
  RPFOIZYFGX          BVJWNBKDHM  now      env add:FOO

  $ relctl apps
  APP    STATUS   RELEASE
  myapp  running  RVEWTLLPFI

  $ relctl releases info RCAUHQRNUH --json | grep -E '"(status|active|failed)"'
    "status": "failed",
    "active": false,
    "failed": "2019-01-01T00:00:00.000000000Z",

A failed rollback also leaves its copy behind as failed.

  $ relctl releases rollback --hook 'echo "cannot deploy $RELEASE_SOURCE"; exit 3'
  Rolling back to RPFOIZYFGX...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z hook cannot deploy RPFOIZYFGX
  2019-01-01T00:00:00Z relctl hook exited with status 3
  2019-01-01T00:00:00Z librelease app Status: updating => rollback
  2019-01-01T00:00:00Z librelease app Status: rollback => running
  FAILED, RSGAZBISBN
  ! ERROR: hook exited with status 3: app 'myapp': rollback release RSGAZBISBN (copy of RPFOIZYFGX) was not promoted: deployment of RSGAZBISBN failed (deployer returned 3); RVEWTLLPFI stays active
  [6]

  $ relctl releases --limit 2
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RSGAZBISBN  failed  BVJWNBKDHM  now      env add:FOO
  RCAUHQRNUH  failed  BVJWNBKDHM  now      env change:A

A hook that cannot run is a failure too.

  $ relctl releases promote --hook 'no-such-command-anywhere'
  Promoting RSGAZBISBN...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z hook .*no-such-command-anywhere.*not found (re)
  2019-01-01T00:00:00Z relctl hook exited with status 127
  2019-01-01T00:00:00Z librelease app Status: updating => rollback
  2019-01-01T00:00:00Z librelease app Status: rollback => running
  ! ERROR: hook exited with status 127: app 'myapp': deployment of RSGAZBISBN failed (deployer returned 127); RVEWTLLPFI stays active
  [6]

Promoting the failed release again, with a hook that works, clears "failed".

@advance 1
  $ relctl releases promote --hook 'echo fixed'
  Promoting RSGAZBISBN...
  2019-01-01T00:00:01Z librelease app Status: running => updating
  2019-01-01T00:00:01Z hook fixed
  2019-01-01T00:00:01Z librelease app Status: updating => running
  OK

  $ relctl releases --limit 3
  ID          STATUS  BUILD       CREATED       DESCRIPTION
  RSGAZBISBN  active  BVJWNBKDHM  1 second ago  env add:FOO
  RCAUHQRNUH  failed  BVJWNBKDHM  1 second ago  env change:A
  RVEWTLLPFI          BVJWNBKDHM  1 second ago  env add:A

A hook that hangs is stopped at --hook-timeout: SIGTERM to its process
group, then SIGKILL 3 s later if it is still there.

@unenv RELEASE_DEPLOY_HOOK
  $ relctl env set B=1 --promote --hook 'echo started; sleep 30' --hook-timeout 1
  Setting B... OK
  Release: RYWGFEUILG
  Promoting RYWGFEUILG...
  2019-01-01T00:00:01Z librelease app Status: running => updating
  2019-01-01T00:00:01Z hook started
  2019-01-01T00:00:01Z relctl hook timed out after 1s: stopping it (SIGTERM)
  2019-01-01T00:00:01Z relctl hook was killed by signal 15
  2019-01-01T00:00:01Z librelease app Status: updating => rollback
  2019-01-01T00:00:01Z librelease app Status: rollback => running
  ! ERROR: hook timed out after 1s and was stopped: app 'myapp': deployment of RYWGFEUILG failed (deployer returned 143); RSGAZBISBN stays active
  [6]

  $ relctl env set C=1 --promote --hook 'trap "" TERM; echo ignoring TERM; sleep 30' --hook-timeout 1
  Setting C... OK
  Release: RRAGYEHZCV
  Promoting RRAGYEHZCV...
  2019-01-01T00:00:01Z librelease app Status: running => updating
  2019-01-01T00:00:01Z hook ignoring TERM
  2019-01-01T00:00:01Z relctl hook timed out after 1s: stopping it (SIGTERM)
  2019-01-01T00:00:01Z relctl hook still running 3s after SIGTERM: killing it (SIGKILL)
  2019-01-01T00:00:01Z relctl hook was killed by signal 9
  2019-01-01T00:00:01Z librelease app Status: updating => rollback
  2019-01-01T00:00:01Z librelease app Status: rollback => running
  ! ERROR: hook timed out after 1s and was stopped: app 'myapp': deployment of RRAGYEHZCV failed (deployer returned 137); RSGAZBISBN stays active
  [6]

  $ relctl releases --limit 3
  ID          STATUS  BUILD       CREATED       DESCRIPTION
  RRAGYEHZCV  failed  BVJWNBKDHM  now           env add:C
  RYWGFEUILG  failed  BVJWNBKDHM  now           env add:B
  RSGAZBISBN  active  BVJWNBKDHM  1 second ago  env add:FOO

  $ relctl releases promote --hook true --hook-timeout soon
  ! ERROR: --hook-timeout wants a whole number of seconds, not 'soon'
  [2]

A hook that exits leaves its background processes alone; relctl does not
wait for them even when they hold its output.

  $ start=$(date +%s); relctl releases promote --hook 'sleep 5 & echo deployed'; [ $(( $(date +%s) - start )) -lt 4 ] && echo "did not wait"
  Promoting RRAGYEHZCV...
  2019-01-01T00:00:01Z librelease app Status: running => updating
  2019-01-01T00:00:01Z hook deployed
  2019-01-01T00:00:01Z librelease app Status: updating => running
  OK
  did not wait

relctl stopped by SIGTERM while its hook runs stops the hook too, and fails
the promotion cleanly: the app is not left updating.

  $ relctl env set D=1 >/dev/null && (relctl releases promote --hook "touch $TESTTMP/started; exec sleep 30" & pid=$!; while [ ! -e "$TESTTMP/started" ]; do sleep 0.1; done; kill -TERM $pid; wait $pid; echo "exit $?")
  Promoting RSTQFTUZZW...
  2019-01-01T00:00:01Z librelease app Status: running => updating
  2019-01-01T00:00:01Z relctl interrupted by signal 15: stopping the hook (SIGTERM)
  2019-01-01T00:00:01Z relctl hook was killed by signal 15
  2019-01-01T00:00:01Z librelease app Status: updating => rollback
  2019-01-01T00:00:01Z librelease app Status: rollback => running
  exit 6
  ! ERROR: hook stopped: relctl was interrupted by signal 15: app 'myapp': deployment of RSTQFTUZZW failed (deployer returned 143); RRAGYEHZCV stays active

  $ relctl apps
  APP    STATUS   RELEASE
  myapp  running  RRAGYEHZCV

A second promotion while one runs is refused at once: the app is busy
(exit 5). Here the hook itself tries it, after looking at the app.

  $ relctl releases promote --hook 'relctl apps; relctl releases promote; echo "nested exit $?"'
  Promoting RSTQFTUZZW...
  2019-01-01T00:00:01Z librelease app Status: running => updating
  2019-01-01T00:00:01Z hook APP    STATUS    RELEASE
  2019-01-01T00:00:01Z hook myapp  updating  RRAGYEHZCV
  2019-01-01T00:00:01Z hook Promoting RSTQFTUZZW...
  2019-01-01T00:00:01Z hook ERROR: app 'myapp' is currently updating \(held by relctl pid [0-9]+ on [^ ]+ since 2019-01-01T00:00:01Z\); --force promotes without waiting for it (re)
  2019-01-01T00:00:01Z hook nested exit 5
  2019-01-01T00:00:01Z librelease app Status: updating => running
  OK
