Values too big for the command line: env set -f FILE (KEY=VALUE lines) and
env set KEY --stdin (one value, byte for byte).

@env RELEASE_APP=myapp
  $ relctl apps create
  Creating myapp... OK

An env file: blank lines and comments are skipped; a value is the rest of
its line byte for byte (spaces, quotes, '=' and all), or a quoted string
when it starts with '"'.

  $ cat > app.env <<'END'
  > # production settings
  > 
  >    # an indented comment; the next line holds spaces and a tab only
  >    	
  > DATABASE_URL=postgres://db/app?sslmode=require
  > GREETING=  hello, "world"  
  > SINGLE='kept as typed'
  > EMPTY=
  > CERT="-----BEGIN-----\nAAAA\n-----END-----\n"
  > ESCAPES="tab\there \"q\" back\\slash \x01 \u00e9 caf\xc3\xa9"
  > END
  > relctl env set -f app.env
  Setting DATABASE_URL, GREETING, SINGLE, EMPTY, CERT, ESCAPES... OK
  Release: RVJWNBKDHM

  $ relctl env get GREETING | od -An -c
             h   e   l   l   o   ,       "   w   o   r   l   d   "
            \n

  $ relctl env get CERT
  -----BEGIN-----
  AAAA
  -----END-----
  

  $ relctl env --json
  {
    "app": "myapp",
    "release": "RVJWNBKDHM",
    "env": {
      "CERT": "-----BEGIN-----\nAAAA\n-----END-----\n",
      "DATABASE_URL": "postgres://db/app?sslmode=require",
      "EMPTY": "",
      "ESCAPES": "tab\there \"q\" back\\slash \u0001 é café",
      "GREETING": "  hello, \"world\"  ",
      "SINGLE": "'kept as typed'"
    }
  }

Command-line pairs come first, then the file's; '-' reads standard input.

  $ printf 'FROM_STDIN=1\n' | relctl env set WORD=1 -f - --id
  RHKOBKCXZE
  ! Setting WORD, FROM_STDIN... OK
  ! Release: RHKOBKCXZE

--replace with a file: the env becomes the file (a backup restored).

  $ printf 'ONLY=1\n' > only.env && relctl env set -f only.env --replace && relctl env
  Setting CERT, DATABASE_URL, EMPTY, ESCAPES, FROM_STDIN, GREETING, ONLY, SINGLE, WORD... OK
  Release: RVEWTLLPFI
  ONLY=1

A file that sets nothing changes nothing. With --replace it is refused: an
empty input (or one whose writer failed) would remove every key.

  $ printf '# nothing\n' > none.env && relctl env set -f none.env
  Setting ... OK
  No changes: no release was created

  $ relctl env set -f none.env --replace
  ! ERROR: --replace with no pairs would remove every key: give the pairs the env is to hold (to remove keys: relctl env unset KEY...)
  [2]

  $ relctl env set --replace -f /dev/null
  ! ERROR: --replace with no pairs would remove every key: give the pairs the env is to hold (to remove keys: relctl env unset KEY...)
  [2]

  $ relctl env
  ONLY=1

Mistakes name the file and the line, and write nothing.

  $ printf 'A=1\nnot a pair\n' > bad.env && relctl env set -f bad.env
  ! ERROR: bad.env, line 2: not KEY=VALUE, no '=' (a value of several lines is written quoted, with \n)
  [2]

  $ printf 'A=1\n1A=2\n' > bad.env && relctl env set -f bad.env
  ! ERROR: bad.env, line 2: invalid env key '1A' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

  $ printf ' A=1\n' > bad.env && relctl env set -f bad.env
  ! ERROR: bad.env, line 1: invalid env key ' A' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

  $ printf 'A=1\nB=2\nA=3\n' > bad.env && relctl env set -f bad.env
  ! ERROR: bad.env, line 3: A is set twice (also on line 1)
  [2]

  $ printf 'A=1\n' > dup.env && relctl env set A=2 -f dup.env
  ! ERROR: dup.env, line 1: A is set twice (also on the command line)
  [2]

  $ printf 'A=1\r\nB=2\r\n' > crlf.env && relctl env set -f crlf.env
  ! ERROR: crlf.env, line 1: a carriage return in the value (a CRLF file?): write it quoted, as \r, to keep it
  [2]

  $ printf 'A="open\n' > bad.env && relctl env set -f bad.env
  ! ERROR: bad.env, line 1: a quoted value does not end on its line (write a newline as \n)
  [2]

  $ printf 'A="x" y\n' > bad.env && relctl env set -f bad.env
  ! ERROR: bad.env, line 1: text after a quoted value's closing quote
  [2]

  $ printf 'A="\\q"\n' > bad.env && relctl env set -f bad.env
  ! ERROR: bad.env, line 1: unknown escape '\q' in a quoted value (known: \\ \" \n \t \r \xHH \uXXXX)
  [2]

  $ printf 'A="\\x0"\n' > bad.env && relctl env set -f bad.env
  ! ERROR: bad.env, line 1: \x wants two hex digits, 01 to ff, in a quoted value
  [2]

  $ printf 'A="\\x00"\n' > bad.env && relctl env set -f bad.env
  ! ERROR: bad.env, line 1: \x wants two hex digits, 01 to ff, in a quoted value
  [2]

  $ printf 'A="\\ud800"\n' > bad.env && relctl env set -f bad.env
  ! ERROR: bad.env, line 1: \u wants four hex digits naming a character, not U+0000 or a surrogate, in a quoted value
  [2]

  $ printf 'A=a\000b\n' > bad.env && relctl env set -f bad.env
  ! ERROR: bad.env, line 1: a NUL byte, which no value can hold
  [2]

  $ relctl env set -f missing.env
  ! ERROR: reading 'missing.env': No such file or directory
  [3]

  $ relctl env set -f .
  ! ERROR: reading '.': Is a directory
  [2]

  $ relctl releases --limit 1
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RVEWTLLPFI                 now      env add:ONLY remove:CERT remove:DATABASE_URL remove:EMPTY remove:ESCAPES remove:FROM_STDIN remove:GREETING remove:SINGLE remove:WORD

KEY --stdin: all of standard input is KEY's value, less exactly one final
newline; other bytes (a second newline, a CR, spaces) are kept.

  $ printf 'line 1\nline 2\n\n' | relctl env set CERT --stdin && relctl env get CERT --json | grep value
  Setting CERT... OK
  Release: ROZGNHMSBC
    "value": "line 1\nline 2\n"

  $ printf '  spaces\r\n' | relctl env set K --stdin >/dev/null && relctl env get K | od -An -c
             s   p   a   c   e   s  \r  \n

  $ printf 'no newline' | relctl env set K --stdin A=1 >/dev/null && relctl env get K
  no newline

  $ head -c 300000 /dev/zero | tr '\0' x | relctl env set BIG --stdin --id >/dev/null && relctl env get BIG | wc -c
  300001
  ! Setting BIG... OK
  ! Release: RHGZIWFWBS

  $ relctl env set EMPTY_IN --stdin < /dev/null >/dev/null && relctl env get EMPTY_IN --json | grep value
    "value": ""

--stdin wants exactly one KEY word; standard input cannot be read twice.

  $ echo x | relctl env set --stdin
  ! ERROR: missing argument (usage: relctl env set KEY=VALUE... [KEY --stdin] [-f FILE] -a APP [--release RID|VERSION] [--replace] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id])
  [2]

  $ echo x | relctl env set A B --stdin
  ! ERROR: 'B' is not KEY=VALUE (usage: relctl env set KEY=VALUE... [KEY --stdin] [-f FILE] -a APP [--release RID|VERSION] [--replace] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id])
  [2]

  $ echo x | relctl env set A --stdin -f -
  ! ERROR: --stdin and --file - both read standard input: give one
  [2]

  $ relctl env set A
  ! ERROR: 'A' is not KEY=VALUE (usage: relctl env set KEY=VALUE... [KEY --stdin] [-f FILE] -a APP [--release RID|VERSION] [--replace] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id])
  [2]

  $ printf 'a\000b' | relctl env set A --stdin
  ! ERROR: standard input holds a NUL byte, which no value can hold
  [2]

  $ echo x | relctl env set 1A --stdin
  ! ERROR: invalid env key '1A' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

  $ relctl env set -f
  ! ERROR: option '--file' needs a value (see 'relctl --help')
  [2]

A value longer than the library keeps (1 MiB), or a key longer than 256
bytes, is refused before the transcript starts.

  $ head -c 1048577 /dev/zero | tr '\0' x | relctl env set BIG --stdin
  ! ERROR: the value of BIG is 1048577 bytes: longer than a value may be (1048576 bytes)
  [2]

  $ relctl env set "$(printf 'K%.0s' $(seq 257))=1"
  ! ERROR: invalid env key 'KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK...' (longer than 256 bytes)
  [2]

  $ { printf 'SMALL=1\nBIG='; head -c 1048577 /dev/zero | tr '\0' x; echo; } > big.env && relctl env set -f big.env
  ! ERROR: the value of BIG is 1048577 bytes: longer than a value may be (1048576 bytes)
  [2]

Standard input is read once: --stdin with -f naming standard input under
another name (/dev/stdin, or the file standard input comes from) is
refused, as with -f -.

  $ echo A=5 | relctl env set K --stdin -f /dev/stdin
  ! ERROR: --stdin and --file /dev/stdin both read standard input: give one
  [2]

  $ printf 'A=5\n' > in.env && relctl env set K --stdin -f in.env < in.env
  ! ERROR: --stdin and --file in.env both read standard input: give one
  [2]

A byte order mark at the start of a file (some editors write one) is
skipped; a line that does not read is named by its number alone, as it may
be part of a secret.

  $ printf '\357\273\277BOM=1\n' > bom.env && relctl env set -f bom.env && relctl env get BOM
  Setting BOM... OK
  Release: RFKESBKFJL
  1

  $ printf 'CERT=-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n' > cert.env && relctl env set -f cert.env
  ! ERROR: cert.env, line 2: not KEY=VALUE, no '=' (a value of several lines is written quoted, with \n)
  [2]
