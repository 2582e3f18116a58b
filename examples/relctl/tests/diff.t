What changed between two releases: build, description, env and the
manifest's unified diff. Masked values are hidden, piped as on a terminal: a
diff is text for reading, pasted into tickets and logs.

@env RELEASE_APP=myapp
  $ relctl apps create
  Creating myapp... OK
  $ printf 'services:\n  web:\n    image: web:1\n    port: 80\n    scale: 2\n  worker:\n    image: worker:1\n' > m1
  $ sed -e 's/web:1/web:2/' -e 's/scale: 2/scale: 3/' m1 > m2
  $ relctl builds create -d "build 1" --manifest m1 > /dev/null
  $ relctl releases promote > /dev/null
  $ relctl env set A=1 DB_PASSWORD=s3cret KEEP=k > /dev/null
  $ relctl env mask set DB_PASSWORD
  Setting masked env keys DB_PASSWORD... OK
  $ relctl env set A=2 DB_PASSWORD=n3w > /dev/null
  $ printf 'two\nlines' | relctl env set NOTE --stdin > /dev/null
  $ relctl env unset KEEP > /dev/null
  $ relctl builds create -d "build 2" --manifest m2 > /dev/null
  $ relctl releases promote > /dev/null
  $ relctl releases
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  ROEFYRGXJC  active  BCPHZQLZRJ  now      build 2
  RIFHHLTSXJ          BGULVXUKUH  now      env remove:KEEP
  RSKPSPDJEU          BGULVXUKUH  now      env add:NOTE
  RCAUHQRNUH          BGULVXUKUH  now      env change:A change:DB_PASSWORD
  RHKOBKCXZE          BGULVXUKUH  now      env add:A add:DB_PASSWORD add:KEEP
  RGUTNBGYIA          BGULVXUKUH  now      build 1

Without a release, what the active release changed (from the release before
it): here a new build.

  $ relctl releases diff
  From: RIFHHLTSXJ (v5)
  To:   ROEFYRGXJC (v6)
  Build: BGULVXUKUH -> BCPHZQLZRJ
  Description: env remove:KEEP -> build 2
  Env: unchanged
  Manifest:
  --- RIFHHLTSXJ
  +++ ROEFYRGXJC
  @@ -1,7 +1,7 @@
   services:
     web:
  -    image: web:1
  +    image: web:2
       port: 80
  -    scale: 2
  +    scale: 3
     worker:
       image: worker:1

A to B, by version or id; a masked key's values are hidden (whether it
changed is still told), --reveal shows them.

  $ relctl releases diff 2 3
  From: RHKOBKCXZE (v2)
  To:   RCAUHQRNUH (v3)
  Build: BGULVXUKUH (unchanged)
  Description: env add:A add:DB_PASSWORD add:KEEP -> env change:A change:DB_PASSWORD
  Env:
  ~ A: 1 -> 2
  ~ DB_PASSWORD: **** -> ****
  Manifest: unchanged
  $ relctl releases diff v2 v3 --reveal
  From: RHKOBKCXZE (v2)
  To:   RCAUHQRNUH (v3)
  Build: BGULVXUKUH (unchanged)
  Description: env add:A add:DB_PASSWORD add:KEEP -> env change:A change:DB_PASSWORD
  Env:
  ~ A: 1 -> 2
  ~ DB_PASSWORD: s3cret -> n3w
  Manifest: unchanged
  $ relctl releases diff 3 5
  From: RCAUHQRNUH (v3)
  To:   RIFHHLTSXJ (v5)
  Build: BGULVXUKUH (unchanged)
  Description: env change:A change:DB_PASSWORD -> env remove:KEEP
  Env:
  - KEEP=k
  + NOTE=two\nlines
  Manifest: unchanged

A alone: from A to the active release, what a rollback to A would undo. A
as -: the release before B, so `- B` is what B changed.

  $ relctl releases diff - 3
  From: RHKOBKCXZE (v2)
  To:   RCAUHQRNUH (v3)
  Build: BGULVXUKUH (unchanged)
  Description: env add:A add:DB_PASSWORD add:KEEP -> env change:A change:DB_PASSWORD
  Env:
  ~ A: 1 -> 2
  ~ DB_PASSWORD: **** -> ****
  Manifest: unchanged
  $ relctl releases diff 1
  From: RGUTNBGYIA (v1)
  To:   ROEFYRGXJC (v6)
  Build: BGULVXUKUH -> BCPHZQLZRJ
  Description: build 1 -> build 2
  Env:
  + A=2
  + DB_PASSWORD=****
  + NOTE=two\nlines
  Manifest:
  --- RGUTNBGYIA
  +++ ROEFYRGXJC
  @@ -1,7 +1,7 @@
   services:
     web:
  -    image: web:1
  +    image: web:2
       port: 80
  -    scale: 2
  +    scale: 3
     worker:
       image: worker:1
  $ relctl releases diff 5
  From: RIFHHLTSXJ (v5)
  To:   ROEFYRGXJC (v6)
  Build: BGULVXUKUH -> BCPHZQLZRJ
  Description: env remove:KEEP -> build 2
  Env: unchanged
  Manifest:
  --- RIFHHLTSXJ
  +++ ROEFYRGXJC
  @@ -1,7 +1,7 @@
   services:
     web:
  -    image: web:1
  +    image: web:2
       port: 80
  -    scale: 2
  +    scale: 3
     worker:
       image: worker:1
  $ relctl releases diff 4 1
  From: RSKPSPDJEU (v4)
  To:   RGUTNBGYIA (v1)
  Build: BGULVXUKUH (unchanged)
  Description: env add:NOTE -> build 1
  Env:
  - A=2
  - DB_PASSWORD=****
  - KEEP=k
  - NOTE=two\nlines
  Manifest: unchanged

--json: the same, exactly.

  $ relctl releases diff 2 4 --json
  {
    "app": "myapp",
    "from": "RHKOBKCXZE",
    "from_version": 2,
    "to": "RSKPSPDJEU",
    "to_version": 4,
    "build": {
      "from": "BGULVXUKUH",
      "to": "BGULVXUKUH"
    },
    "description": {
      "from": "env add:A add:DB_PASSWORD add:KEEP",
      "to": "env add:NOTE",
      "changed": true
    },
    "env": [
      {
        "key": "A",
        "change": "changed",
        "masked": false,
        "from": "1",
        "to": "2"
      },
      {
        "key": "DB_PASSWORD",
        "change": "changed",
        "masked": true,
        "from": "****",
        "to": "****"
      },
      {
        "key": "NOTE",
        "change": "added",
        "masked": false,
        "from": null,
        "to": "two\nlines"
      }
    ],
    "manifest": ""
  }
  $ relctl releases diff 2 4 --json --reveal | grep -A4 '"key": "DB_PASSWORD"'
        "key": "DB_PASSWORD",
        "change": "changed",
        "masked": true,
        "from": "s3cret",
        "to": "n3w"

Mistakes.

  $ relctl releases diff 99
  ! ERROR: app 'myapp': release version 99 not found
  [3]
  $ relctl releases diff 0
  ! ERROR: invalid version '0' (a version is a number from 1: 12 or v12)
  [2]
  $ relctl releases diff RNOTANID1
  ! ERROR: invalid release 'RNOTANID1' (an id, R and 9 or 10 letters A-Z, or a version: 12 or v12)
  [2]
  $ relctl releases diff 1 2 3
  ! ERROR: unexpected argument '3' (usage: relctl releases diff [A [B]] -a APP [--reveal] [--json])
  [2]
  $ relctl releases diff 1 -a nope
  ! ERROR: app 'nope' not found
  [3]
  $ relctl apps create other > /dev/null && relctl releases diff -a other
  ! ERROR: app 'other' has no active release
  [3]

The first release is compared with nothing: everything in it is added.

  $ relctl builds create -a other -d first --manifest m1 > /dev/null
  $ relctl env set -a other A=1 --promote > /dev/null
  $ relctl releases diff -a other - 1
  From: nothing (the first release)
  To:   RYZRMLVZOI (v1)
  Build: none -> BMCBDVSDWU
  Description: first
  Env: unchanged
  Manifest:
  --- /dev/null
  +++ RYZRMLVZOI
  @@ -0,0 +1,7 @@
  +services:
  +  web:
  +    image: web:1
  +    port: 80
  +    scale: 2
  +  worker:
  +    image: worker:1
  $ relctl releases diff -a other 1
  From: RYZRMLVZOI (v1)
  To:   RHGZIWFWBS (v2)
  Build: BMCBDVSDWU (unchanged)
  Description: first -> env add:A
  Env:
  + A=1
  Manifest: unchanged
  $ relctl releases diff -a other 2 1 --json | head -5
  {
    "app": "other",
    "from": "RHGZIWFWBS",
    "from_version": 2,
    "to": "RYZRMLVZOI",

Stored text is made safe in a diff as everywhere: control characters show
escaped.

  $ printf 'evil: \033[2J\n' > m3 && relctl builds create -d "$(printf 'build\t3')" --manifest m3 > /dev/null
  $ relctl releases diff 6 7
  From: ROEFYRGXJC (v6)
  To:   RJBQGYVRXD (v7)
  Build: BCPHZQLZRJ -> BZYXPLJRHF
  Description: build 2 -> build\t3
  Env: unchanged
  Manifest:
  --- ROEFYRGXJC
  +++ RJBQGYVRXD
  @@ -1,7 +1 @@
  -services:
  -  web:
  -    image: web:2
  -    port: 80
  -    scale: 3
  -  worker:
  -    image: worker:1
  +evil: \e[2J

A value that could be misread is quoted, with '"' and '\' escaped: empty,
a space at either end, a leading quote, " -> " in it (which arrow is the
change?), or ****, which reads as a hidden value. So is a description.

  $ relctl env set -a other 'A=x -> y' B= C=' padded ' D='"q"\x' E='****' > /dev/null
  $ relctl env set -a other A=z > /dev/null
  $ relctl releases diff -a other 2 3
  From: RHGZIWFWBS (v2)
  To:   RRAEHDYJGE (v3)
  Build: BMCBDVSDWU (unchanged)
  Description: env add:A -> env add:B add:C add:D add:E change:A
  Env:
  ~ A: 1 -> "x -> y"
  + B=""
  + C=" padded "
  + D="\"q\"\\x"
  + E="****"
  Manifest: unchanged
  $ relctl releases diff -a other - 4
  From: RRAEHDYJGE (v3)
  To:   RBUEFFVNID (v4)
  Build: BMCBDVSDWU (unchanged)
  Description: env add:B add:C add:D add:E change:A -> env change:A
  Env:
  ~ A: "x -> y" -> z
  Manifest: unchanged
  $ relctl builds create -a other -d 'a -> b' > /dev/null
  $ relctl releases diff -a other - 5 | grep Description
  Description: env change:A -> "a -> b"

After a prune the releases before B may all be gone: B is not the first
release, so there is nothing to compare it with (exit 3); the first release
is still compared with nothing (above).

  $ relctl apps create third > /dev/null && relctl builds create -a third -d b1 > /dev/null
  $ relctl env set -a third A=1 > /dev/null && relctl env set -a third B=2 > /dev/null
  $ relctl releases promote -a third > /dev/null && relctl releases prune -a third --keep 0
  Pruning releases... OK
  Removed 2 releases
  $ relctl releases diff -a third
  ! ERROR: app 'third': no release before RKHAJXLAJX (v3) is kept (the ones before it were pruned); to compare it with another, name both: releases diff A RKHAJXLAJX
  [3]
  $ relctl releases diff -a third - 3 --json
  ! ERROR: app 'third': no release before RKHAJXLAJX (v3) is kept (the ones before it were pruned); to compare it with another, name both: releases diff A RKHAJXLAJX
  [3]
