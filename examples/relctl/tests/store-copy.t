store copy: apps with all their history into another store, exactly, and
again to resume or bring it up to date. Here the store of the transcript
(the file store, or PostgreSQL) is copied into file stores.

@env RELEASE_APP=myapp
  $ relctl apps create
  Creating myapp... OK
  $ printf 'Building...\nOK\n' > log && relctl builds create -d "build 1" --log log > /dev/null
  $ relctl releases promote > /dev/null
@advance 60
  $ relctl env set FOO=bar SECRET=x --promote > /dev/null
  $ relctl env mask set SECRET > /dev/null && relctl apps hook set 'make deploy' > /dev/null
@advance 60
  $ relctl env set BAD=1 --promote --hook 'exit 2' --actor bob@example.com > /dev/null 2>&1
  [6]
  $ relctl releases rollback 1 --hook '' > /dev/null
  $ relctl apps create other > /dev/null

Every app, a line each, and what was written.

  $ relctl store copy "$RELEASE_STORE" copy
  Copying myapp... OK, 12 records written
  Copying other... OK, 1 record written
  Copied 2 apps: 13 records written
  $ relctl apps --store copy
  APP    STATUS   RELEASE
  myapp  running  RUUMZTBTIT
  other  running
  $ relctl releases --store copy
  ID          STATUS  BUILD       CREATED        DESCRIPTION
  RUUMZTBTIT  active  BVJWNBKDHM  now            build 1
  RHKOBKCXZE  failed  BVJWNBKDHM  now            env add:BAD
  RGULVXUKUH          BVJWNBKDHM  1 minute ago   env add:FOO add:SECRET
  RQJSLTCWFV          BVJWNBKDHM  2 minutes ago  build 1
  $ relctl releases history --store copy
  #  WHEN           ACTION    FROM        TO          RESULT      DURATION  ACTOR
  4  now            rollback  RGULVXUKUH  RUUMZTBTIT  ok          0s        alice@example.com
  3  now            promote   RGULVXUKUH  RHKOBKCXZE  failed (2)  0s        bob@example.com
  2  1 minute ago   promote   RQJSLTCWFV  RGULVXUKUH  ok          0s        alice@example.com
  1  2 minutes ago  promote               RQJSLTCWFV  ok          0s        alice@example.com
  $ relctl apps info --store copy | grep -v Created
  Name      myapp
  Status    running
  Release   RUUMZTBTIT
  Previous  RGULVXUKUH
  Hook      make deploy
  Masked    SECRET
  $ relctl builds logs "$(relctl builds --json | grep '"id"' | cut -d'"' -f4)" --store copy
  Building...
  OK

Both stores read the same, field for field.

  $ for cmd in "apps" "releases --limit 0" "builds --limit 0" "releases history --limit 0" \
  >            "apps info" "env mask" "releases info 2 --reveal"; do
  >   relctl $cmd --json > a.json && relctl $cmd --json --store copy > b.json &&
  >   cmp -s a.json b.json && echo "same: $cmd" || diff a.json b.json
  > done
  same: apps
  same: releases --limit 0
  same: builds --limit 0
  same: releases history --limit 0
  same: apps info
  same: env mask
  same: releases info 2 --reveal

Run again, it writes nothing; after a change, only what changed.

  $ relctl store copy "$RELEASE_STORE" copy
  Copying myapp... OK, 0 records written
  Copying other... OK, 0 records written
  Copied 2 apps: 0 records written
  $ relctl env set NEW=1 > /dev/null
  $ relctl store copy "$RELEASE_STORE" copy
  Copying myapp... OK, 1 record written
  Copying other... OK, 0 records written
  Copied 2 apps: 1 record written
  $ relctl releases --store copy --limit 1
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RYWGFEUILG          BVJWNBKDHM  now      env add:NEW

--app copies one app ($RELEASE_APP does not narrow a copy).

  $ relctl store copy "$RELEASE_STORE" copy2 --app other
  Copying other... OK, 1 record written
  Copied 1 app: 1 record written
  $ relctl apps --store copy2
  APP    STATUS   RELEASE
  other  running

An app of DST that is another app of the same name is refused, and left as
it is; the others are copied (exit 4).

  $ relctl apps create other --store clash > /dev/null
  $ relctl store copy "$RELEASE_STORE" clash
  Copying myapp... OK, 13 records written
  Copying other... FAILED
  Copied 1 of 2 apps: 13 records written
  ! ERROR: app 'other': the destination has another app of that name; not copied
  [4]
  $ relctl apps --store clash
  APP    STATUS   RELEASE
  myapp  running  RUUMZTBTIT
  other  running

Mistakes.

  $ relctl store copy nowhere copy3
  ! ERROR: no store at $TESTTMP/nowhere (relctl apps create makes one)
  [7]
  $ relctl store copy copy copy
  ! ERROR: SRC and DST are the same store: file:$TESTTMP/copy
  [2]
  $ relctl store copy "$RELEASE_STORE" copy3 --app Bad_Name
  ! ERROR: invalid app name 'Bad_Name' (want 1-63 of a-z, 0-9 and '-', starting and ending with a letter or digit)
  [2]
  $ relctl store copy "$RELEASE_STORE" copy3 --app nope
  Copying nope... FAILED
  Copied 0 of 1 apps: 0 records written
  ! ERROR: app 'nope' not found
  [3]
  $ relctl store copy "$RELEASE_STORE"
  ! ERROR: missing argument (usage: relctl store copy SRC DST [--app APP])
  [2]
