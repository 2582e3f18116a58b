The mask list: the env keys whose values a terminal shows as ****
(check_tty.py shows the masking itself; piped output is always plain).

@env RELEASE_APP=myapp
  $ relctl apps create && relctl env set API_TOKEN=sk-live-abc FOO=bar --promote >/dev/null
  Creating myapp... OK

Empty at first: nothing printed.

  $ relctl env mask

  $ relctl env mask --json
  {
    "app": "myapp",
    "mask": []
  }

Convox's transcript; a key need not be set to be masked.

  $ relctl env mask set API_TOKEN DB_URL
  Setting masked env keys API_TOKEN, DB_URL... OK

  $ relctl env mask set API_TOKEN A_FIRST
  Setting masked env keys API_TOKEN, A_FIRST... OK

One key a line, sorted.

  $ relctl env mask
  API_TOKEN
  A_FIRST
  DB_URL

  $ relctl env mask --json
  {
    "app": "myapp",
    "mask": [
      "API_TOKEN",
      "A_FIRST",
      "DB_URL"
    ]
  }

Piped, env is plain whatever the list says.

  $ relctl env
  API_TOKEN=sk-live-abc
  FOO=bar

Changing the list creates and promotes nothing.

  $ relctl releases
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RPIJJNQDVV  active         now      env add:API_TOKEN add:FOO

  $ relctl env mask unset DB_URL NOT_MASKED
  Unsetting masked env keys DB_URL, NOT_MASKED... OK

  $ relctl env mask
  API_TOKEN
  A_FIRST

Validation, as Convox's: a KEY=VALUE points at env set; whitespace, '=' and
control characters are not in a key name; nothing is changed.

  $ relctl env mask set API_TOKEN=secret
  ! ERROR: 'API_TOKEN=secret' is not a key: the mask list holds keys, not values (to set a value: relctl env set KEY=VALUE)
  [2]

  $ relctl env mask set 'HAS SPACE'
  ! ERROR: invalid env key name 'HAS SPACE' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

  $ relctl env mask set "$(printf 'TAB\tKEY')"
  ! ERROR: invalid env key name 'TAB\tKEY' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

  $ relctl env mask set "$(printf 'ESC\033[2J')"
  ! ERROR: invalid env key name 'ESC\e[2J' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

  $ relctl env mask set 1ST
  ! ERROR: invalid env key name '1ST' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

  $ relctl env mask unset 'A B'
  ! ERROR: invalid env key name 'A B' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

  $ relctl env mask set
  ! ERROR: missing argument (usage: relctl env mask set KEY... -a APP)
  [2]

  $ relctl env mask unset
  ! ERROR: missing argument (usage: relctl env mask unset KEY... -a APP)
  [2]

  $ relctl env mask set OK FINE 'NOT OK'
  ! ERROR: invalid env key name 'NOT OK' (want [A-Za-z_][A-Za-z0-9_]*)
  [2]

  $ relctl env mask
  API_TOKEN
  A_FIRST

At most 500 keys: more in one command, or in the list they would make, is
refused.

  $ relctl env mask set $(seq -f 'K%g' 501)
  ! ERROR: too many keys: 501 (a mask list holds at most 500)
  [2]

  $ relctl env mask set $(seq -f 'K%g' 498) | cut -c 1-38 && relctl env mask | wc -l
  Setting masked env keys K1, K2, K3, K4
  500

  $ relctl env mask set K499 K500 K501
  Setting masked env keys K499, K500, K501...  (no-eol)
  ! ERROR: a mask list holds at most 500 keys
  [2]

  $ relctl env mask | wc -l
  500

  $ relctl env mask unset $(seq -f 'K%g' 498) | cut -c 1-40 && relctl env mask
  Unsetting masked env keys K1, K2, K3, K4
  API_TOKEN
  A_FIRST

Another app's list is its own; an unknown app is an error.

  $ relctl apps create other && relctl env mask -a other
  Creating other... OK

  $ relctl env mask set A -a nosuchapp
  Setting masked env keys A...  (no-eol)
  ! ERROR: app 'nosuchapp' not found
  [3]

  $ relctl env mask -a nosuchapp
  ! ERROR: app 'nosuchapp' not found
  [3]

  $ relctl env mask --reveal
  ! ERROR: 'env mask' does not take --reveal (see 'relctl env mask --help')
  [2]
