Which store: only `apps create` makes one. Every other command, reading or
writing, needs the store to exist, so a mistyped path is an error (exit 7)
rather than a new, empty store.

  $ relctl apps --store typo
  ! ERROR: no store at $TESTTMP/typo (relctl apps create makes one)
  [7]

  $ for cmd in "builds" "builds info BABCDEFGHI" "releases" "releases info RABCDEFGHI" \
  >            "releases manifest RABCDEFGHI" "env" "env set A=1" "env unset A" \
  >            "builds create -d x" "releases promote" "releases rollback" "apps delete myapp"; do
  >   relctl $cmd -a myapp --store typo 2>&1; echo "$cmd: exit $?"
  > done; ls -A
  ERROR: no store at $TESTTMP/typo (relctl apps create makes one)
  builds: exit 7
  ERROR: no store at $TESTTMP/typo (relctl apps create makes one)
  builds info BABCDEFGHI: exit 7
  ERROR: no store at $TESTTMP/typo (relctl apps create makes one)
  releases: exit 7
  ERROR: no store at $TESTTMP/typo (relctl apps create makes one)
  releases info RABCDEFGHI: exit 7
  ERROR: no store at $TESTTMP/typo (relctl apps create makes one)
  releases manifest RABCDEFGHI: exit 7
  ERROR: no store at $TESTTMP/typo (relctl apps create makes one)
  env: exit 7
  ERROR: no store at $TESTTMP/typo (relctl apps create makes one)
  env set A=1: exit 7
  ERROR: no store at $TESTTMP/typo (relctl apps create makes one)
  env unset A: exit 7
  ERROR: no store at $TESTTMP/typo (relctl apps create makes one)
  builds create -d x: exit 7
  ERROR: no store at $TESTTMP/typo (relctl apps create makes one)
  releases promote: exit 7
  ERROR: no store at $TESTTMP/typo (relctl apps create makes one)
  releases rollback: exit 7
  ERROR: no store at $TESTTMP/typo (relctl apps create makes one)
  apps delete myapp: exit 7
  home
  tmp

The same for a URI, RELEASE_STORE, and the default store.

  $ relctl releases -a myapp --store file:typo; relctl env -a myapp --store file:///nonexistent/dir
  ! ERROR: no store at typo (relctl apps create makes one)
  ! ERROR: no store at /nonexistent/dir (relctl apps create makes one)
  [7]

  $ RELEASE_STORE=$TESTTMP/elsewhere relctl apps; ls -A
  home
  tmp
  ! ERROR: no store at $TESTTMP/elsewhere (relctl apps create makes one)

  $ RELEASE_STORE= relctl apps; RELEASE_STORE= XDG_DATA_HOME=$TESTTMP/xdg relctl apps; ls -A home
  ! ERROR: no store at $TESTTMP/home/.local/share/librelease (relctl apps create makes one)
  ! ERROR: no store at $TESTTMP/xdg/librelease (relctl apps create makes one)

Options after the path (file:PATH?mode=ro, see readonly.t) are not part of
it: they start after the last '?' when what follows is empty or holds a '='.
A path that really holds "?x=y" is written with a '?' after it. The default
store takes options too, and a read-only open of it makes no directory.

  $ relctl apps --store 'file:typo?mode=ro'; relctl apps --store 'typo?mode=rw'
  ! ERROR: no store at typo (relctl apps create makes one)
  ! ERROR: no store at $TESTTMP/typo (relctl apps create makes one)
  [7]

  $ relctl apps --store 'file:typo?x=y?'; relctl apps --store 'file:typo?x'
  ! ERROR: no store at typo?x=y (relctl apps create makes one)
  ! ERROR: no store at typo?x (relctl apps create makes one)
  [7]

  $ RELEASE_STORE='file:?mode=ro' relctl apps; RELEASE_STORE='file://?mode=ro' relctl apps; ls -A home
  ! ERROR: no store at $TESTTMP/home/.local/share/librelease (relctl apps create makes one)
  ! ERROR: no store at $TESTTMP/home/.local/share/librelease (relctl apps create makes one)

  $ export XDG_DATA_HOME="$TESTTMP/q?a=b"; RELEASE_STORE= relctl apps; RELEASE_STORE='file:?mode=ro' relctl apps
  ! ERROR: no store at $TESTTMP/q?a=b/librelease (relctl apps create makes one)
  ! ERROR: no store at $TESTTMP/q?a=b/librelease (relctl apps create makes one)
  [7]

  $ mkdir 'odd?x=y' && relctl apps create myapp --store 'file:odd?x=y?' && ls 'odd?x=y'
  Creating myapp... OK
  FORMAT
  myapp

An empty directory is no store either, and stays empty.

  $ mkdir empty && relctl apps --store empty; ls -A empty
  ! ERROR: no store at $TESTTMP/empty (relctl apps create makes one)

  $ relctl apps create myapp --store empty && relctl apps --store empty && ls empty
  Creating myapp... OK
  APP    STATUS   RELEASE
  myapp  running
  FORMAT
  myapp

A directory holding something else is left to the library, which says what
it is not.

  $ mkdir other && touch other/notes && relctl apps --store other; ls other
  notes
  ! ERROR: opening file store: not a librelease .*store.*notes.* (re)

--store '' is refused (exit 2): it is not the default store. An empty
RELEASE_STORE is, as an empty variable is unset.

  $ relctl apps --store ''
  ! ERROR: --store is empty: give a path or a URI, or leave it out for the default store
  [2]

  $ relctl apps --store=
  ! ERROR: --store is empty: give a path or a URI, or leave it out for the default store
  [2]

A PostgreSQL store that cannot be reached says libpq's reason on one line
(its hint, on a line of its own indented in libpq's text, follows a space).

  $ relctl apps --store postgresql://nobody@127.0.0.1:1/x
  ! ERROR: (connecting to PostgreSQL: connection to server at "127\.0\.0\.1", port 1 failed: Connection refused Is the server running on that host and accepting TCP/IP connections\?|this relctl was built without PostgreSQL support .*) (re)
  [7]
