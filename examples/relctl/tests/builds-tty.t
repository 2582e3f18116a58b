What the builds and apps commands do on a terminal (a pseudo-terminal, made
by script(1); its CRs are taken out). Both standard output and standard
error go to it.

@require script

  $ relctl apps create myapp --id
  myapp
  ! Creating myapp... OK

A log reaches a terminal with its lines and tabs, and every other control
character shown escaped (a NUL as \x00); a pipe gets it byte for byte
(builds-logs.t).

  $ relctl builds create -a myapp --status running -d "escapes" --id > b1
  $ printf 'tab\there\r\nesc \033[2J nul \000 bidi \342\200\256 bad \377 end\n' | relctl builds logs append "$(cat b1)" -a myapp
  Appending to the log of BVJWNBKDHM... OK
  $ script -qec "relctl builds logs $(cat b1) -a myapp" /dev/null < /dev/null | tr -d '\r'
  tab	here\r
  esc \e[2J nul \x00 bidi \u202e bad � end

A log that does not end with a newline gets one on a terminal, so that
what comes next starts on a line of its own; a pipe gets the log as it is.

  $ relctl builds create -a myapp --status running -d "no newline" --id > b0
  $ printf 'the last line' | relctl builds logs append "$(cat b0)" -a myapp
  Appending to the log of BVKHZWTAFY... OK
  $ script -qec "relctl builds logs $(cat b0) -a myapp; echo next" /dev/null < /dev/null | tr -d '\r'
  the last line
  next
  $ relctl builds logs "$(cat b0)" -a myapp; echo next
  the last linenext

--follow on a terminal prints whole lines as they come, and the rest of the
last line when the build ends, and a newline after it.

  $ printf 'half a li' | relctl builds logs append "$(cat b1)" -a myapp
  Appending to the log of BVJWNBKDHM... OK
  $ b=$(cat b1); (sleep 0.3; printf 'ne\nand more' | relctl builds logs append $b -a myapp; sleep 0.3; relctl builds set-status $b failed -a myapp) > builder.out 2>&1 & script -qec "relctl builds logs $(cat b1) -a myapp --follow" /dev/null < /dev/null | tr -d '\r'; wait; cat builder.out
  tab	here\r
  esc \e[2J nul \x00 bidi \u202e bad � end
  half a line
  and more
  Appending to the log of BVJWNBKDHM... OK
  Setting BVJWNBKDHM to failed... OK

An export is not written to a terminal; to a file it is. An import does not
read a terminal.

  $ relctl builds create -a myapp -d "complete" --id > ids && head -1 ids > b2
  $ script -qec "relctl builds export $(cat b2) -a myapp; echo exit \$?" /dev/null < /dev/null | tr -d '\r'
  ERROR: not writing a build export to a terminal: give --file FILE, or redirect standard output
  exit 2
  $ script -qec "relctl builds export $(cat b2) -a myapp -f -; echo exit \$?" /dev/null < /dev/null | tr -d '\r'
  ERROR: not writing a build export to a terminal: give --file FILE, or redirect standard output
  exit 2
  $ script -qec "relctl builds export $(cat b2) -a myapp -f build.tgz" /dev/null < /dev/null | tr -d '\r'
  Exporting build... OK
  $ script -qec "relctl builds import -a myapp; echo exit \$?" /dev/null < /dev/null | tr -d '\r'
  ERROR: not reading a build export from a terminal: give --file FILE, or redirect standard input
  exit 2
  $ script -qec "relctl builds import -a myapp -f build.tgz --id" /dev/null < /dev/null | tr -d '\r'
  Importing build... OK, RMRRPOGUUD
  BPUJVIHRAM
  RMRRPOGUUD

A deploy hook reaches a terminal as a manifest does: lines kept, control
characters escaped; a pipe gets it as it is.

  $ relctl apps hook set "$(printf 'echo \033[31mred\nexit 0')" -a myapp
  Setting hook for myapp... OK
  $ script -qec "relctl apps hook myapp" /dev/null < /dev/null | tr -d '\r'
  echo \e[31mred
  exit 0
  $ relctl apps hook myapp | od -c | sed 's/  */ /g'
  0000000 e c h o 033 [ 3 1 m r e d \n e x
  0000020 i t 0 \n
  0000025
  $ script -qec "relctl apps info myapp" /dev/null < /dev/null | tr -d '\r'
  Name      myapp
  Status    running
  Release
  Previous
  Created   2019-01-01T00:00:00Z
  Hook      echo \e[31mred\nexit 0
  Masked
