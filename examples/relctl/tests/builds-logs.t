Build logs, and builds that run: `builds create --log`, `builds logs`
(--follow), `builds logs append`, `builds set-status`. Ids used further
down are kept in files.

  $ relctl apps create myapp --id
  myapp
  ! Creating myapp... OK

A build may be recorded with its log (--log FILE, '-': standard input).

  $ printf 'Building: .\nStep 1/2 : FROM nginx\n' > build.log
  $ relctl builds create -a myapp -d "with a log" --log build.log --id > ids && cat ids && head -1 ids > b1
  BDXASDGITV
  RWWFCRPSQO
  $ relctl builds logs "$(cat b1)" -a myapp
  Building: .
  Step 1/2 : FROM nginx
  $ relctl builds logs "$(cat b1)" -a myapp --json
  {
    "id": "BDXASDGITV",
    "app": "myapp",
    "status": "complete",
    "log": "Building: .\nStep 1/2 : FROM nginx\n"
  }

`builds info` does not show the log, nor does its --json.

  $ relctl builds info "$(cat b1)" -a myapp
  Id           BDXASDGITV
  Status       complete
  Release      RWWFCRPSQO
  Description  with a log
  Started      now
  Elapsed      0s
  Actor        alice@example.com
  $ relctl builds info "$(cat b1)" -a myapp --json
  {
    "id": "BDXASDGITV",
    "app": "myapp",
    "status": "complete",
    "release": "RWWFCRPSQO",
    "description": "with a log",
    "started": "2019-01-01T00:00:00.000000000Z",
    "ended": "2019-01-01T00:00:00.000000000Z",
    "manifest": "",
    "actor": "alice@example.com"
  }

A build without a log prints nothing.

  $ relctl builds create -a myapp -d "no log" --id > ids && head -1 ids > b0
  $ relctl builds logs "$(cat b0)" -a myapp
  $ relctl builds logs "$(cat b0)" -a myapp --json
  {
    "id": "BCAUHQRNUH",
    "app": "myapp",
    "status": "complete",
    "log": ""
  }

A builder's run: a running build, its log appended as it comes (standard
input, or --log FILE), then its end. Appending to a running build prints
nothing on standard output but its transcript.

@advance 60
  $ relctl builds create -a myapp --status running -d "building" --log - --id < build.log > b2 && cat b2
  BCPHZQLZRJ
  $ printf 'Step 2/2 : COPY . /app\n' | relctl builds logs append "$(cat b2)" -a myapp
  Appending to the log of BCPHZQLZRJ... OK
  $ printf 'Successfully built\n' > more.log && relctl builds logs append "$(cat b2)" -a myapp --log more.log
  Appending to the log of BCPHZQLZRJ... OK
  $ relctl builds logs append "$(cat b2)" -a myapp < /dev/null
  Appending to the log of BCPHZQLZRJ... OK
  $ relctl builds logs "$(cat b2)" -a myapp
  Building: .
  Step 1/2 : FROM nginx
  Step 2/2 : COPY . /app
  Successfully built
  $ relctl builds info "$(cat b2)" -a myapp
  Id           BCPHZQLZRJ
  Status       running
  Release
  Description  building
  Started      now
  Elapsed
  Actor        alice@example.com

@advance 17
  $ relctl builds set-status "$(cat b2)" complete -a myapp
  Setting BCPHZQLZRJ to complete... OK
  Release: RYWGFEUILG
  $ relctl builds info "$(cat b2)" -a myapp
  Id           BCPHZQLZRJ
  Status       complete
  Release      RYWGFEUILG
  Description  building
  Started      17 seconds ago
  Elapsed      17s
  Actor        alice@example.com
  $ relctl builds -a myapp
  ID          STATUS    RELEASE     STARTED         ELAPSED  DESCRIPTION
  BCPHZQLZRJ  complete  RYWGFEUILG  17 seconds ago  17s      building
  BCAUHQRNUH  complete  RFLIGSACBA  1 minute ago    0s       no log
  BDXASDGITV  complete  RWWFCRPSQO  1 minute ago    0s       with a log
  $ relctl releases -a myapp
  ID          STATUS  BUILD       CREATED       DESCRIPTION
  RYWGFEUILG          BCPHZQLZRJ  now           building
  RFLIGSACBA          BCAUHQRNUH  1 minute ago  no log
  RWWFCRPSQO          BDXASDGITV  1 minute ago  with a log

The log of an ended build is final, and so is its status; setting complete
again is the same completion, and prints its release.

  $ echo late | relctl builds logs append "$(cat b2)" -a myapp
  ! ERROR: build BCPHZQLZRJ has ended (complete): its log is final
  ! relctl: note: 0 bytes of the input were appended, 5 read and dropped
  [4]
  $ relctl builds set-status "$(cat b2)" failed -a myapp
  ! ERROR: build BCPHZQLZRJ is complete already: a complete or failed build is final
  [4]
  $ relctl builds set-status "$(cat b2)" complete -a myapp
  Setting BCPHZQLZRJ to complete... OK
  Release: RYWGFEUILG

A build that ends while its log streams in keeps what was appended before;
the rest of the input is read to its end and dropped, and relctl exits 4.

  $ relctl builds create -a myapp --status running -d "cut short" --id > b9
  $ b=$(cat b9); (echo one; until relctl builds logs $b -a myapp | grep -q one; do sleep 0.1; done; relctl builds set-status $b failed -a myapp > /dev/null; echo two) | relctl builds logs append $b -a myapp
  Appending to the log of BOJHOIZGVD...  (no-eol)
  ! ERROR: build BOJHOIZGVD has ended (failed): its log is final
  ! relctl: note: 4 bytes of the input were appended, 4 read and dropped
  [4]
  $ relctl builds logs "$(cat b9)" -a myapp
  one

created → running → failed: a failed build gets no release. --id prints the
release's id, and only when there is one.

  $ relctl builds create -a myapp --status created -d "queued" --id > b3
  $ relctl builds set-status "$(cat b3)" running -a myapp --id
  ! Setting BVPZMTMDQV to running... OK
  $ relctl builds set-status "$(cat b3)" failed -a myapp
  Setting BVPZMTMDQV to failed... OK
  $ relctl builds info "$(cat b3)" -a myapp
  Id           BVPZMTMDQV
  Status       failed
  Release
  Description  queued
  Started      now
  Elapsed      0s
  Actor        alice@example.com
  $ relctl builds create -a myapp --status running -d "another" --id > b4
  $ relctl builds set-status "$(cat b4)" complete -a myapp --id
  RWUBOGYFRX
  ! Setting BHGZIWFWBS to complete... OK

A build is completed, and its release made, once: several callers setting
it complete at the same time (a builder's retry racing its first try) get
the one release, and each prints it.

  $ relctl builds create -a myapp --status running -d "raced" --id > b11
  $ b=$(cat b11); for i in 1 2 3 4; do RELCTL_TEST_SEED=100$i relctl builds set-status $b complete -a myapp > out$i 2>&1 & done; wait; sort out1 out2 out3 out4 | uniq -c | sed 's/^ *//'
  4 Release: R[A-Z]{9} (re)
  4 Setting BSTYOTTMSO to complete... OK
  $ relctl releases -a myapp --json --limit 0 | grep -c "\"build\": \"$(cat b11)\""
  1

Bad words, unknown builds, builds of another app.

  $ relctl builds set-status "$(cat b4)" done -a myapp
  ! ERROR: the status is created, running, complete or failed, not 'done'
  [2]
  $ relctl builds set-status BNOSUCHONE complete -a myapp
  ! ERROR: app 'myapp': build BNOSUCHONE not found
  [3]
  $ relctl builds set-status "$(cat b4)" -a myapp
  ! ERROR: missing argument (usage: relctl builds set-status BID STATUS -a APP [--id])
  [2]
  $ relctl apps create other --id
  other
  ! Creating other... OK
  $ relctl builds logs "$(cat b1)" -a other
  ! ERROR: app 'other': build BDXASDGITV not found
  [3]
  $ relctl builds logs append "$(cat b1)" -a other < /dev/null
  ! ERROR: app 'other': build BDXASDGITV not found
  [3]
  $ relctl builds set-status "$(cat b1)" complete -a other
  ! ERROR: app 'other': build BDXASDGITV not found
  [3]
  $ relctl builds logs BNOSUCHONE -a myapp
  ! ERROR: app 'myapp': build BNOSUCHONE not found
  [3]
  $ relctl builds logs nonsense -a myapp
  ! ERROR: invalid build id (want 'B' and 9 or 10 letters A-Z)
  [2]
  $ relctl builds logs -a myapp
  ! ERROR: missing argument (usage: relctl builds logs BID -a APP [--follow] [--json])
  [2]
  $ relctl builds create -a myapp -d x --log missing.log
  ! ERROR: reading the log from 'missing.log': No such file or directory
  [3]
  $ relctl builds create -a myapp -d x --log . --status running
  ! ERROR: reading the log from '.': Is a directory
  [2]
  $ relctl builds create -a myapp -d x --log - --manifest -
  ! ERROR: --manifest and --log cannot both read standard input
  [2]
  $ relctl builds logs append "$(cat b2)" -a myapp --log missing.log
  ! ERROR: build BCPHZQLZRJ has ended (complete): its log is final
  [4]
  $ relctl builds create -a myapp -d "queued" --status running --id > b5
  $ relctl builds logs append "$(cat b5)" -a myapp --log missing.log
  ! ERROR: reading the log from 'missing.log': No such file or directory
  [3]
  $ relctl builds logs "$(cat b5)" -a myapp --follow --json
  ! ERROR: --follow and --json do not go together
  [2]

A log keeps any bytes, and a pipe gets them as they are; a log is at most
4 MiB.

  $ printf 'tab\there\r\nesc \033[2J nul \000 end\n' | relctl builds logs append "$(cat b5)" -a myapp
  Appending to the log of BFRHRRELQE... OK
  $ relctl builds logs "$(cat b5)" -a myapp | od -c | sed 's/  */ /g'
  0000000 t a b \t h e r e \r \n e s c 033 [
  0000020 2 J n u l \0 e n d \n
  0000035
  $ relctl builds logs "$(cat b5)" -a myapp --json
  {
    "id": "BFRHRRELQE",
    "app": "myapp",
    "status": "running",
    "log": "tab\there\r\nesc \u001b[2J nul \ufffd end\n"
  }
  $ head -c 4194305 /dev/zero > big.log && relctl builds create -a myapp -d big --log big.log
  ! ERROR: reading the log from 'big.log': it is longer than a build keeps (4194304 bytes)
  [2]
  $ head -c 4194294 /dev/zero > big.log && relctl builds create -a myapp -d big --status running --log big.log --id > b7
  $ printf '0123456789' | relctl builds logs append "$(cat b7)" -a myapp
  Appending to the log of BCICSJIYAQ... OK
  $ printf 'X' | relctl builds logs append "$(cat b7)" -a myapp
  Appending to the log of BCICSJIYAQ...  (no-eol)
  ! ERROR: the log of BCICSJIYAQ is full: a build keeps at most 4194304 bytes of log
  ! relctl: note: 0 bytes of the input were appended, 1 read and dropped
  [4]
  $ relctl builds logs "$(cat b7)" -a myapp | wc -c
  4194304
  $ relctl builds logs "$(cat b7)" -a myapp | tail -c 10
  0123456789 (no-eol)

A stream that passes the limit keeps what fits, and a last line saying the
log was cut; relctl reads the rest of its input to the end (a builder
writing into the pipe is never killed by SIGPIPE), drops it, says so and
exits 4. Input that fits is never cut: the bytes that would leave no room
for that line (its last 64 of the log) are held back until the input shows
whether it fits, and go in whole at its end when it does.

  $ relctl builds create -a myapp -d big --status running --id > b8
  $ head -c 4194300 /dev/zero > big.log && (cat big.log; printf 'the end') | relctl builds logs append "$(cat b8)" -a myapp 2>&1 | sed 's/[0-9][0-9]* bytes/N bytes/g'
  Appending to the log of BYGACAQLMG... ERROR: the log of BYGACAQLMG is full: a build keeps at most N bytes of log
  relctl: note: N bytes of the input were appended, 67 read and dropped
  $ relctl builds logs "$(cat b8)" -a myapp | wc -c && relctl builds logs "$(cat b8)" -a myapp | tail -n 1
  4194304
  [log truncated by relctl: the build's log holds at most 4 MiB]
  $ relctl builds create -a myapp -d chatty --status running --id > b10
  $ (seq 1 120000 | sed 's/.*/compiling file number & of the project ......../' && echo "builder finished" >&2) | relctl builds logs append "$(cat b10)" -a myapp
  Appending to the log of BDHWORWFNB...  (no-eol)
  ! ERROR: the log of BDHWORWFNB is full: a build keeps at most 4194304 bytes of log
  ! builder finished
  ! relctl: note: 4194240 bytes of the input were appended, 2054655 read and dropped
  [4]
  $ relctl builds logs "$(cat b10)" -a myapp | tail -n 3
  compiling file number 80872 of the project ........
  co
  [log truncated by relctl: the build's log holds at most 4 MiB]

Exactly 4 MiB, from a file or a pipe, is kept whole, exit 0; one byte more
is cut, exit 4.

  $ yes 0123456789abcde | head -c 4194304 > full.log && relctl builds create -a myapp -d full --status running --id > b11 && relctl builds logs append "$(cat b11)" -a myapp --log full.log && relctl builds logs "$(cat b11)" -a myapp | cmp - full.log && echo whole
  Appending to the log of B[A-Z]{9}... OK (re)
  whole
  $ relctl builds create -a myapp -d full --status running --id > b12 && cat full.log | relctl builds logs append "$(cat b12)" -a myapp && relctl builds logs "$(cat b12)" -a myapp | cmp - full.log && echo whole
  Appending to the log of B[A-Z]{9}... OK (re)
  whole
  $ relctl builds create -a myapp -d over --status running --id > b13 && (cat full.log; printf x) | relctl builds logs append "$(cat b13)" -a myapp 2>&1 | sed 's/B[A-Z]\{9\}/BID/g'; relctl builds logs "$(cat b13)" -a myapp | wc -c && relctl builds logs "$(cat b13)" -a myapp | tail -n 1
  Appending to the log of BID... ERROR: the log of BID is full: a build keeps at most 4194304 bytes of log
  relctl: note: 4194240 bytes of the input were appended, 65 read and dropped
  4194303
  [log truncated by relctl: the build's log holds at most 4 MiB]

--follow prints what there is, then what is appended, until the build ends
(complete or failed). Here a builder appends and ends the build while
--follow runs; whenever each step lands, all of the log is printed once.

  $ relctl builds create -a myapp --status running -d "followed" --id > b6
  $ echo 'first line' | relctl builds logs append "$(cat b6)" -a myapp
  Appending to the log of BAKFTHLQZB... OK
  $ b=$(cat b6); (sleep 0.3; echo 'second line' | relctl builds logs append $b -a myapp; sleep 0.3; printf 'third' | relctl builds logs append $b -a myapp; sleep 0.3; relctl builds set-status $b failed -a myapp) >builder.out 2>&1 & relctl builds logs "$(cat b6)" -a myapp --follow; wait; echo; cat builder.out
  first line
  second line
  third
  Appending to the log of BAKFTHLQZB... OK
  Appending to the log of BAKFTHLQZB... OK
  Setting BAKFTHLQZB to failed... OK

--follow on an ended build prints its log and returns.

  $ relctl builds logs "$(cat b1)" -a myapp --follow
  Building: .
  Step 1/2 : FROM nginx

What the commands say of themselves.

  $ relctl builds logs --help | sed '/show help$/q'
  Usage: relctl builds logs BID -a APP [--follow] [--json]
  
  Print a build's log.
  
  Byte for byte to a file or a pipe; on a terminal, its lines and tabs are
  kept and other control characters shown escaped. --follow keeps printing
  what is appended (it looks every 200 ms) until the build is complete or
  failed.
  
  Options:
        --json                  print JSON (README.md: "JSON output")
        --follow                keep printing what is appended until the
                                build ends
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
  $ relctl builds logs append --help | sed '/show help$/q'
  Usage: relctl builds logs append BID -a APP [--log FILE]
  
  Append to the log of a created or running build.
  
  Reads FILE, or standard input without --log (or with '-'), to its end,
  and appends what it reads in batches, at least once a second while more
  comes: pipe a builder's output in, and `builds logs --follow` shows it as
  it comes. A build keeps at most 4 MiB of log: past it, what fits goes in
  with a line saying the log was cut. The input is always read to its end
  (a builder piping in is never killed); when it could not all be appended
  (the log full, the build ended) relctl says so and exits 4. The log of a
  complete or failed build is final.
  
  Options:
        --log FILE              read the build's log from FILE ('-': stdin)
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
  $ relctl builds set-status --help | sed '/show help$/q'
  Usage: relctl builds set-status BID STATUS -a APP [--id]
  
  Set a build's status; a complete build gets its release.
  
  STATUS is created, running, complete or failed. A build that becomes
  complete gets its release (not promoted), as `builds create` makes it, and
  its id is printed; --id prints only that id. The release is made once:
  setting a complete build complete again (a retry, or several callers at
  once) prints the same release, and makes it if it is missing. Otherwise a
  complete or failed build is final (exit 4).
  
  Options:
        --id                    print only the new id(s) on standard output
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
  $ relctl builds create --help | sed '/show help$/q'
  Usage: relctl builds create -a APP [--description D] [--manifest FILE] [--status S] [--log FILE] [--id]
  
  Record a build; a complete build also gets its release.
  
  S is created, running, complete (the default) or failed. A complete build
  also creates its release (not promoted); both ids are printed.
  
  Without --description, in a clean git work tree (no staged or unstaged
  changes to tracked files), the description is "build <sha> <subject>" from
  `git log -n 1 --pretty='%h %s' --abbrev=10`. Outside a git work tree, in a
  dirty one, or without git, the build has no description and a note on
  stderr says why.
  
  --manifest FILE reads the manifest from FILE ('-': standard input);
  without it the manifest is empty. --log FILE records the build with its
  log so far, read from FILE ('-': standard input).
  
  Options:
        --id                    print only the new id(s) on standard output
    -d, --description D         the build's description
    -m, --manifest FILE         read the manifest from FILE ('-': stdin)
        --status S              created, running, complete (default) or failed
        --log FILE              read the build's log from FILE ('-': stdin)
    -a, --app APP               the app (default: $RELEASE_APP)
        --store PATH|URI        the store (default: $RELEASE_STORE, else the file
                                store in $XDG_DATA_HOME/librelease or
                                ~/.local/share/librelease); PATH?mode=ro
                                opens it read-only
        --actor NAME            who is recorded with what this command writes
                                (default: $RELEASE_ACTOR, else login@host)
    -h, --help                  show help
  $ relctl builds info --help | sed '/show help$/q'
  Usage: relctl builds info BID -a APP [--json]
  
  Show a build.
  
  The log is not shown: `relctl builds logs BID` prints it.
  
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
