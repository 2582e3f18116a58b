Stored and typed strings cannot drive the terminal: text output shows
control characters as C-style escapes (\e \n \t \r \x7f, \u0085 for C1 and
\u202e for the bidi controls), bytes that are not UTF-8 as U+FFFD, and keeps
printable UTF-8 as it is. --json is exact.

@env RELEASE_APP=myapp
  $ relctl apps create >/dev/null

A description that would clear the screen, and one with a newline that
would forge a row.

  $ relctl builds create -d "$(printf 'clear\033[2J\033[Hme')"
  Build:   BVJWNBKDHM
  Release: RQJSLTCWFV

  $ relctl builds create -d "$(printf 'one\nBFORGEDXXX  complete  RFORGEDXXX  now  0s  forged')"
  Build:   BDXASDGITV
  Release: RWWFCRPSQO

  $ relctl builds create -d "$(printf 'tab\there cr\rdel\177 c1\302\233 bidi\342\200\256txt bad\377\300 é 日本')"
  Build:   BGULVXUKUH
  Release: RGUTNBGYIA

  $ relctl builds
  ID          STATUS    RELEASE     STARTED  ELAPSED  DESCRIPTION
  BGULVXUKUH  complete  RGUTNBGYIA  now      0s       tab\there cr\rdel\x7f c1\u009b bidi\u202etxt bad�� é 日本
  BDXASDGITV  complete  RWWFCRPSQO  now      0s       one\nBFORGEDXXX  complete  RFORGEDXXX  now  0s  forged
  BVJWNBKDHM  complete  RQJSLTCWFV  now      0s       clear\e[2J\e[Hme

  $ relctl releases
  ID          STATUS  BUILD       CREATED  DESCRIPTION
  RGUTNBGYIA          BGULVXUKUH  now      tab\there cr\rdel\x7f c1\u009b bidi\u202etxt bad�� é 日本
  RWWFCRPSQO          BDXASDGITV  now      one\nBFORGEDXXX  complete  RFORGEDXXX  now  0s  forged
  RQJSLTCWFV          BVJWNBKDHM  now      clear\e[2J\e[Hme

  $ relctl builds info BDXASDGITV
  Id           BDXASDGITV
  Status       complete
  Release      RWWFCRPSQO
  Description  one\nBFORGEDXXX  complete  RFORGEDXXX  now  0s  forged
  Started      now
  Elapsed      0s
  Actor        alice@example.com

Env values: `env` and `releases info` keep one pair a line.

  $ relctl env set "RED=$(printf '\033[31mred')" "TWO=$(printf 'one\nFAKE=two')" >/dev/null

  $ relctl env
  RED=\e[31mred
  TWO=one\nFAKE=two

  $ relctl releases info $(relctl releases --json --limit 1 | sed -n 's/.*"id": "\(.*\)".*/\1/p')
  Id           RCAUHQRNUH
  Build        BGULVXUKUH
  Created      2019-01-01T00:00:00Z
  Actor        alice@example.com
  Description  env add:RED add:TWO
  Env          RED=\e[31mred
               TWO=one\nFAKE=two

--json is exact: every control character escaped, bytes that are not UTF-8
as U+FFFD.

  $ relctl builds info BGULVXUKUH --json | grep description
    "description": "tab\there cr\rdel\u007f c1\u009b bidi\u202etxt bad\ufffd\ufffd é 日本",

  $ relctl env --json | grep -E 'RED|TWO'
      "RED": "\u001b[31mred",
      "TWO": "one\nFAKE=two"

A manifest piped is byte for byte (a terminal sees it escaped: check_tty.py).

  $ printf 'web:\n  cmd: \033[2J\n' > m.yml && relctl builds create -m m.yml -d m --id | tail -1 > rid && relctl releases manifest $(cat rid) | od -c | head -2
  0000000   w   e   b   :  \n           c   m   d   :     033   [   2   J
  0000020  \n

Errors that echo a word or a stored string.

  $ relctl releases -a "$(printf 'x\033]0;pwned\007')"
  ! ERROR: invalid app name 'x\e]0;pwned\x07' (want 1-63 of a-z, 0-9 and '-', starting and ending with a letter or digit)
  [2]

  $ relctl "$(printf 'frob\033[2J')"
  ! ERROR: unknown command 'frob\e[2J' (see 'relctl --help')
  [2]

  $ relctl releases "--$(printf '\033[2J')"
  ! ERROR: unknown option '--\e[2J' (see 'relctl --help')
  [2]

  $ relctl builds create --status "$(printf 'done\nERROR: forged')"
  ! ERROR: --status wants created, running, complete or failed, not 'done\nERROR: forged'
  [2]

  $ relctl releases --before "$(printf 'R\033[2J')"
  ! ERROR: --before wants a version number (1 or more) or a release id, not 'R\e[2J'
  [2]

  $ relctl builds create -m "$(printf 'no\033[2Jfile')"
  ! ERROR: reading manifest 'no\e[2Jfile': No such file or directory
  [3]

  $ relctl env set "$(printf 'K\033=1')"
  ! ERROR: invalid env key 'K\e' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

Events: what a hook prints, and the store's strings in them.

  $ relctl releases promote RCAUHQRNUH --hook 'printf "deploying %s\033[2J\n" "$RELEASE_DESCRIPTION"; printf "bell\007\tend\n"'
  Promoting RCAUHQRNUH...
  2019-01-01T00:00:00Z librelease app Status: running => updating
  2019-01-01T00:00:00Z hook deploying env add:RED add:TWO\e[2J
  2019-01-01T00:00:00Z hook bell\x07\tend
  2019-01-01T00:00:00Z librelease app Status: updating => running
  OK
