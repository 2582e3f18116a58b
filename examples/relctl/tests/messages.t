Messages about what was typed: they say what is wanted, check every word
before anything is printed, and echo at most 100 characters of a word.

@env RELEASE_APP=myapp
  $ relctl apps create >/dev/null && relctl env set A=1 >/dev/null

Numbers: a word that is not one, and a number out of range, each say so,
with the range.

  $ relctl releases --limit 18446744073709551615
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RPIJJNQDVV                 now      env add:A

  $ relctl releases --limit 18446744073709551616
  ! ERROR: --limit 18446744073709551616 is out of range (0 to 18446744073709551615)
  [2]

  $ relctl builds --limit 99999999999999999999
  ! ERROR: --limit 99999999999999999999 is out of range (0 to 18446744073709551615)
  [2]

  $ relctl builds --limit 1e3
  ! ERROR: --limit wants a whole number, not '1e3'
  [2]

  $ relctl releases promote --hook true --hook-timeout 2147483648
  ! ERROR: --hook-timeout 2147483648 is out of range (0 to 2147483647 seconds)
  [2]

  $ relctl releases promote --hook true --hook-timeout -1
  ! ERROR: --hook-timeout -1 is out of range (0 to 2147483647 seconds)
  [2]

--before takes a version (1 or more, with or without its 'v') or a release
id; a version is a bound, whether a release has it or not (one too large
for any lists them all).

  $ relctl releases --before -5
  ! ERROR: --before wants a version number (1 or more) or a release id, not '-5'
  [2]

  $ relctl releases --before 0
  ! ERROR: --before wants a version number (1 or more) or a release id, not '0'
  [2]

  $ relctl releases --before +2
  ! ERROR: --before wants a version number (1 or more) or a release id, not '+2'
  [2]

  $ relctl releases --before 99999999999999999999
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RPIJJNQDVV                 now      env add:A

  $ relctl releases --before latest
  ! ERROR: --before wants a version number (1 or more) or a release id, not 'latest'
  [2]

  $ relctl releases --before v2 && relctl releases --before 18446744073709551615 --limit 1
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RPIJJNQDVV                 now      env add:A
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RPIJJNQDVV                 now      env add:A

  $ relctl releases --before 2 && relctl releases --before RPIJJNQDVV
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RPIJJNQDVV                 now      env add:A
  ID  STATUS  BUILD  CREATED  DESCRIPTION

env set and unset check every word before printing anything.

  $ relctl env set B=2 '=x'
  ! ERROR: invalid env key '' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

  $ relctl env set B=2 'C D=3'
  ! ERROR: invalid env key 'C D' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

  $ relctl env set B=2 C
  ! ERROR: 'C' is not KEY=VALUE (usage: relctl env set KEY=VALUE... [KEY --stdin] [-f FILE] -a APP [--release RID|VERSION] [--replace] [--promote] [--hook CMD] [--hook-timeout SECONDS] [--id])
  [2]

  $ relctl env unset B 2B
  ! ERROR: invalid env key '2B' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

  $ relctl env
  A=1

A long word is cut to its first 100 characters and "...".

  $ relctl releases -a "$(printf 'x%.0s' $(seq 130000))"
  ! ERROR: invalid app name 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (want 1-63 of a-z, 0-9 and '-', starting and ending with a letter or digit)
  [2]

  $ relctl "$(printf 'y%.0s' $(seq 200))"
  ! ERROR: unknown command 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy...' (see 'relctl --help')
  [2]

  $ relctl releases "--$(printf 'z%.0s' $(seq 200))"
  ! ERROR: unknown option '--zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...' (see 'relctl --help')
  [2]

  $ relctl env set "1$(printf 'K%.0s' $(seq 300))=1"
  ! ERROR: invalid env key '1KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK...' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

  $ relctl builds create --status "$(printf 's%.0s' $(seq 200))"
  ! ERROR: --status wants created, running, complete or failed, not 'ssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss...'
  [2]
