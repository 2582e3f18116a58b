Waiting for change: `releases wait` blocks until the app's next promotion
(or release), prints it and exits 0, or exits 3 at its timeout;
`releases --watch` prints the table again at every change. The changes are
made by another relctl in the background, a second or so later.

@env RELEASE_APP=myapp
  $ relctl apps create
  Creating myapp... OK
  $ relctl builds create -d "build 1" > /dev/null && relctl releases promote > /dev/null

Nothing happens: the timeout (0: only look) ends the wait, exit 3.

  $ relctl releases wait --timeout 0
  ! ERROR: no promotion of app 'myapp' within 0
  [3]
  $ relctl releases wait --timeout 1s
  ! ERROR: no promotion of app 'myapp' within 1s
  [3]

A promotion made meanwhile: its release is printed.

  $ relctl env set FOO=bar > /dev/null
  $ (sleep 1; RELCTL_TEST_SEED=1001 relctl releases promote > /dev/null) &
  > relctl releases wait --timeout 60s; s=$?; wait; exit $s
  RVKHZWTAFY

A new release that is not promoted is no promotion; --for release waits for
one, and prints it.

  $ (sleep 1; RELCTL_TEST_SEED=1002 relctl env set BAR=1 > /dev/null) &
  > relctl releases wait --timeout 3s; s=$?; wait; exit $s
  ! ERROR: no promotion of app 'myapp' within 3s
  [3]
  $ (sleep 1; RELCTL_TEST_SEED=1003 relctl env set BAZ=1 > /dev/null) &
  > relctl releases wait --for release --timeout 60s; s=$?; wait; exit $s
  RYCGTNRKGY

A promotion that fails ends the wait too: the active release, which stays, is
printed, and a note says what failed.

  $ (sleep 1; RELCTL_TEST_SEED=1004 relctl releases promote --hook 'exit 1' > /dev/null 2>&1) &
  > relctl releases wait --timeout 60s; s=$?; wait; exit $s
  RVKHZWTAFY
  ! relctl: note: the promotion of RYCGTNRKGY failed (history entry #3); RVKHZWTAFY is still active
  $ relctl releases history --limit 1
  #  WHEN  ACTION   FROM        TO          RESULT      DURATION  ACTOR
  3  now   promote  RVKHZWTAFY  RYCGTNRKGY  failed (1)  0s        alice@example.com

--since RID: the release the caller has deployed. Another one active already
is returned at once, so a loop misses nothing promoted while it deployed; a
failed promotion, which leaves RID active, is no news.

  $ relctl releases wait --since 1
  RVKHZWTAFY
  $ (sleep 1; RELCTL_TEST_SEED=1005 relctl releases promote --hook 'exit 1' > /dev/null 2>&1) &
  > relctl releases wait --since 2 --timeout 3s; s=$?; wait; exit $s
  ! ERROR: no promotion of app 'myapp' within 3s
  [3]
  $ relctl releases wait --for release --since 3
  RYCGTNRKGY
  $ relctl releases wait --for release --since 4 --timeout 0
  ! ERROR: no new release of app 'myapp' within 0
  [3]

A release the caller has that is gone (pruned while it was away) is not the
active one: the active release is printed at once, by version or id, with a
note. --since none says the caller has nothing yet.

  $ relctl apps create pruned > /dev/null && relctl builds create -a pruned -d b1 > /dev/null
  $ relctl releases promote -a pruned > /dev/null
  $ relctl releases info 1 -a pruned --json | grep '"id"' | cut -d'"' -f4 > v1
  $ relctl env set -a pruned A=1 --promote > /dev/null && relctl env set -a pruned B=2 --promote > /dev/null
  $ relctl releases prune -a pruned --keep 0 | tail -1
  Removed 1 release
  $ relctl releases wait pruned --since 1 --timeout 0
  RJKOEDOVEK
  ! relctl: note: app 'pruned' has no release version 1 (pruned?): it is not the active release
  $ relctl releases wait pruned --since "$(cat v1)" --timeout 0
  RJKOEDOVEK
  ! relctl: note: app 'pruned' has no release RZPRFVZKBS (pruned?): it is not the active release
  $ relctl releases wait pruned --for release --since 1 --timeout 0
  RJKOEDOVEK
  ! relctl: note: app 'pruned' has no release version 1 (pruned?): it is not the active release
  $ relctl releases wait pruned --since none --timeout 0
  RJKOEDOVEK
  $ relctl apps create fresh > /dev/null && relctl builds create -a fresh -d f1 > /dev/null
  $ (sleep 1; RELCTL_TEST_SEED=1010 relctl releases promote -a fresh > /dev/null) &
  > relctl releases wait fresh --since none --timeout 60s; s=$?; wait; exit $s
  RWCNQDMOVL

An app that does not exist (a typo, or one still to come) is waited for, and
said to be missing.

  $ relctl releases wait mypap --timeout 0
  ! relctl: note: app 'mypap' does not exist: waiting for it to be created
  ! ERROR: no promotion of app 'mypap' within 0
  [3]
  $ relctl releases wait mypap --since none --timeout 1s
  ! relctl: note: app 'mypap' does not exist: waiting for it to be created
  ! ERROR: no promotion of app 'mypap' within 1s
  [3]

--for any: any change, the app's creation too (nothing to print then).

  $ (sleep 1; RELCTL_TEST_SEED=1006 relctl apps create later > /dev/null) &
  > relctl releases wait later --for any --timeout 60s; s=$?; wait; exit $s
  ! relctl: note: app 'later' does not exist: waiting for it to be created
  $ (sleep 1; RELCTL_TEST_SEED=1007 relctl apps delete later > /dev/null) &
  > relctl releases wait later --timeout 60s; s=$?; wait; exit $s
  ! ERROR: app 'later' was deleted
  [3]

Mistakes.

  $ relctl releases wait --for deploys
  ! ERROR: --for wants promotion, release or any, not 'deploys'
  [2]
  $ relctl releases wait --timeout soon
  ! ERROR: --timeout wants a duration: 30s, 5m, 1h30m (a number alone is seconds), not 'soon'
  [2]
  $ relctl releases wait --timeout 99999999999999999999s
  ! ERROR: --timeout 99999999999999999999s is too long
  [2]
  $ relctl releases wait --since 99
  ! ERROR: app 'myapp': release version 99 not found
  [3]
  $ relctl releases wait Bad_Name
  ! ERROR: invalid app name 'Bad_Name' (want 1-63 of a-z, 0-9 and '-', starting and ending with a letter or digit)
  [2]

releases --watch: the table, then again after every change it shows, until
SIGTERM (or SIGINT), which ends it with exit status 0.

  $ relctl releases --watch --limit 2 > watch.out 2> watch.err & pid=$!
  > for i in $(seq 300); do grep -qs '^ID' watch.out && break; sleep 0.1; done
  > RELCTL_TEST_SEED=1008 relctl releases promote 4 --force > /dev/null
  > for i in $(seq 300); do grep -qs 'RYCGTNRKGY  active' watch.out && break; sleep 0.1; done
  > kill -TERM $pid; wait $pid; echo "exit $?"; cat watch.out watch.err
  exit 0
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RYCGTNRKGY  failed  BVJWNBKDHM  now      env add:BAZ
  RTOBGWFFKR          BVJWNBKDHM  now      env add:BAR
  
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RYCGTNRKGY  active  BVJWNBKDHM  now      env add:BAZ
  RTOBGWFFKR          BVJWNBKDHM  now      env add:BAR
  $ relctl releases --watch --json
  ! ERROR: --watch and --json do not go together
  [2]
