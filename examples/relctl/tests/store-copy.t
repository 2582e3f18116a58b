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

After moving to DST, what is made there is DST's own: the same copy run
again refuses the app whose copy differs (exit 4, saying why) and changes
nothing of it, while the other apps are still copied. --mirror makes DST's
apps exactly SRC's, replacing and deleting what DST changed since.

  $ relctl env set HOTFIX=1 --promote --hook '' --store copy > /dev/null
  $ relctl apps --store copy
  APP    STATUS   RELEASE
  myapp  running  RCEMOASDBU
  other  running
  $ relctl store copy "$RELEASE_STORE" copy
  Copying myapp... FAILED
  Copying other... OK, 0 records written
  Copied 1 of 2 apps: 0 records written
  ! ERROR: app 'myapp': the destination's copy differs from the source (its active release): it changed in one of them since it was copied; nothing of it was replaced (copy with --mirror to make it the source's again)
  [4]
  $ relctl releases --store copy --limit 2
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RCEMOASDBU  active  BVJWNBKDHM  now      env add:HOTFIX
  RYWGFEUILG          BVJWNBKDHM  now      env add:NEW
  $ relctl store copy "$RELEASE_STORE" copy --mirror
  Copying myapp... OK, 3 records written
  Copying other... OK, 0 records written
  Copied 2 apps: 3 records written
  $ relctl releases --store copy --limit 2
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RYWGFEUILG          BVJWNBKDHM  now      env add:NEW
  RUUMZTBTIT  active  BVJWNBKDHM  now      build 1
  $ relctl releases history --store copy --limit 1 --json > a.json && relctl releases history --limit 1 --json > b.json && cmp a.json b.json && echo same
  same

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

A damaged app of SRC is reported, and the others are still copied; exit 7
at the end. (The source is a file store here, whatever the transcript's
store: tests/damage.py flips a byte of its app record.)

  $ relctl apps create bbb --store fsrc > /dev/null && relctl builds create -a bbb -d x --store fsrc > /dev/null
  $ relctl store copy "$RELEASE_STORE" fsrc --app myapp > /dev/null
  $ python3 "$HOOKS/tests/damage.py" fsrc/bbb app
  $ relctl store copy fsrc fdst
  Copying myapp... OK, 13 records written
  Copied 1 of 2 apps: 13 records written
  ! ERROR: app record: app 'bbb': record at byte 64 of log.1 fails its checksum
  [7]
  $ relctl apps --store fdst
  APP    STATUS   RELEASE
  myapp  running  RUUMZTBTIT

Mistakes: an empty word (an unset variable) is not the default store; a
store into itself, however spelled, or into a directory inside it (or
around it); memory:, which would vanish with relctl; --store and --actor,
which a copy does not use.

  $ relctl store copy copy ''
  ! ERROR: DST is empty: give a path or a URI ('file:' is the default store)
  [2]
  $ relctl store copy '' copy
  ! ERROR: SRC is empty: give a path or a URI ('file:' is the default store)
  [2]
  $ relctl store copy copy copy/
  ! ERROR: SRC and DST are the same store: $TESTTMP/copy
  [2]
  $ relctl store copy copy "file://$TESTTMP/copy/."
  ! ERROR: SRC and DST are the same store: $TESTTMP/copy
  [2]
  $ relctl store copy copy "copy?mode=rw"
  ! ERROR: SRC and DST are the same store: $TESTTMP/copy
  [2]
  $ ln -s copy link && relctl store copy copy link
  ! ERROR: SRC and DST are the same store: $TESTTMP/copy
  [2]
  $ relctl store copy copy copy/backup
  ! ERROR: DST $TESTTMP/copy/backup is inside SRC $TESTTMP/copy, whose directory holds its apps: copy to a directory outside it
  [2]
  $ relctl store copy copy/ link/backup/deeper
  ! ERROR: DST $TESTTMP/copy/backup/deeper is inside SRC $TESTTMP/copy, whose directory holds its apps: copy to a directory outside it
  [2]
  $ mkdir outer && relctl store copy copy outer/../copy/x
  ! ERROR: DST $TESTTMP/copy/x is inside SRC $TESTTMP/copy, whose directory holds its apps: copy to a directory outside it
  [2]
  $ relctl store copy copy "$TESTTMP"
  ! ERROR: SRC $TESTTMP/copy is inside DST $TESTTMP, whose directory holds its apps: copy to a directory outside SRC
  [2]
  $ relctl store copy copy memory:
  ! ERROR: DST memory: is a store in relctl's memory, which would vanish with it: nothing would be kept
  [2]
  $ relctl store copy copy copy4 --store copy
  ! ERROR: 'store copy' does not take --store (see 'relctl store copy --help')
  [2]
  $ relctl store copy copy copy4 --actor bob
  ! ERROR: 'store copy' does not take --actor (see 'relctl store copy --help')
  [2]
  $ relctl store copy "$RELEASE_STORE" copy4 --app nope || test ! -e copy4
  ! ERROR: app 'nope' not found
  $ relctl store copy --help
  Usage: relctl store copy SRC DST [--app APP] [--mirror]
  
  Copy apps, with all their history, from one store into another.
  
  SRC and DST are paths or URIs, as --store takes them (file:PATH,
  postgresql://...); DST is made when it is a file store that is not there.
  Every app of SRC, or only --app's ($RELEASE_APP does not count here), is
  copied exactly: ids, versions, times, sources, failures, actors, builds
  with their logs, settings, the active and previous release, the
  deployment log. Each app prints a line with the records it wrote; an app
  appears in DST only once it is whole. Run it again to resume a copy that
  was interrupted, or to add what SRC made since: records already there are
  not written again.
  
  Nothing of DST is replaced or deleted unless --mirror is given: an app
  whose copy in DST differs from SRC (a release made in DST after moving
  to it, or one SRC changed or pruned since) is refused (exit 4) and left
  as it is, and the others are still copied. --mirror makes DST's apps
  exactly SRC's, replacing and deleting what DST changed since. An app of
  DST that is another app of the same name is refused (exit 4); a damaged
  app of SRC is reported (exit 7); the others are still copied.
  
  SRC and DST may not be the same store, nor one's directory inside the
  other's; DST may not be memory:, which would vanish with relctl. The
  stores are the words: --store and --actor do not apply (each record
  keeps the actor it was written by).
  
  Options:
        --mirror                make DST's apps exactly SRC's, replacing and
                                deleting what DST changed since
    -a, --app APP               only this app of SRC (default: every app;
                                $RELEASE_APP does not count here)
    -h, --help                  show help
  $ relctl store copy nowhere copy3
  ! ERROR: no store at $TESTTMP/nowhere (relctl apps create makes one)
  [7]
  $ relctl store copy copy copy
  ! ERROR: SRC and DST are the same store: file:$TESTTMP/copy
  [2]
  $ relctl store copy "$RELEASE_STORE" copy3 --app Bad_Name
  ! ERROR: invalid app name 'Bad_Name' (want 1-63 of a-z, 0-9 and '-', starting and ending with a letter or digit)
  [2]
  $ relctl store copy "$RELEASE_STORE"
  ! ERROR: missing argument (usage: relctl store copy SRC DST [--app APP] [--mirror])
  [2]
