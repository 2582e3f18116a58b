env edit: the env in $VISUAL, else $EDITOR, else vi; one release with the
env as saved, based on the release edited.

@env RELEASE_APP=myapp
  $ relctl apps create
  Creating myapp... OK

  $ relctl env set FOO=bar 'NL=line one
  > line two' 'LEAD= spaces ' 'QUOTE="quoted"' "CTRL=$(printf 'a\tb\033[2Jc')" "BYTES=$(printf 'caf\303\251 \377')" EMPTY=
  Setting FOO, NL, LEAD, QUOTE, CTRL, BYTES, EMPTY... OK
  Release: RVJWNBKDHM

The editor gets a private file (0600, in a directory of its own, 0700, in
$TMPDIR): a header, then one KEY=VALUE a line, values that a line cannot
hold as they are written quoted.

  $ cat > show.sh <<'END'
  > #!/bin/sh
  > echo "editing $1"
  > stat -c '%a' "$1" "$(dirname "$1")"
  > cat "$1"
  > END
  > chmod +x show.sh

@env EDITOR=$TESTTMP/show.sh
  $ relctl env edit
  editing \$TESTTMP/tmp/relctl-env-[A-Za-z0-9]{6}/myapp.env (re)
  600
  700
  # The env of myapp at RVJWNBKDHM: one KEY=VALUE a line.
  # Lines starting with '#' and blank lines are ignored; deleting a line
  # unsets its key. A value starting with " is quoted, with the escapes
  # \n \t \r \" \\ \xHH \uXXXX. Save and quit to create a release;
  # quit with an error (vi: :cq) to change nothing.
  BYTES="café \xff"
  CTRL="a\tb\x1b[2Jc"
  EMPTY=
  FOO=bar
  LEAD=" spaces "
  NL="line one\nline two"
  QUOTE="\"quoted\""
  No changes: no release was created

Saving it as it was changes nothing: every value read back is the value
written.

  $ relctl env --json
  {
    "app": "myapp",
    "release": "RVJWNBKDHM",
    "env": {
      "BYTES": "café \ufffd",
      "CTRL": "a\tb\u001b[2Jc",
      "EMPTY": "",
      "FOO": "bar",
      "LEAD": " spaces ",
      "NL": "line one\nline two",
      "QUOTE": "\"quoted\""
    }
  }

Changing, adding and deleting lines: one release, the changes listed in key
order (removed keys too), Convox's transcript.

  $ cat > change.sh <<'END'
  > #!/bin/sh
  > sed -i -e 's/^FOO=.*/FOO=changed/' -e '/^EMPTY=/d' "$1"
  > printf 'ADDED=new value\n' >> "$1"
  > END
  > chmod +x change.sh

@env EDITOR=$TESTTMP/change.sh
  $ relctl env edit
  Setting ADDED, EMPTY, FOO... OK
  Release: RVEWTLLPFI

  $ relctl env
  ADDED=new value
  BYTES=café �
  CTRL=a\tb\e[2Jc
  FOO=changed
  LEAD= spaces 
  NL=line one\nline two
  QUOTE="quoted"

  $ relctl releases
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RVEWTLLPFI                 now      env add:ADDED change:FOO remove:EMPTY
  RVJWNBKDHM                 now      env add:BYTES add:CTRL add:EMPTY add:FOO add:LEAD add:NL add:QUOTE

$VISUAL comes before $EDITOR; an editor given with arguments gets the file
after them. -p promotes; --id prints the new release's id alone.

@env VISUAL=sed -i s/^FOO=.*/FOO=visual/
  $ relctl env edit -p --id
  RIFHHLTSXJ
  ! Setting FOO... OK
  ! Release: RIFHHLTSXJ
  ! Promoting RIFHHLTSXJ...
  ! 2019-01-01T00:00:00Z librelease app Status: running => updating
  ! 2019-01-01T00:00:00Z librelease app Status: updating => running
  ! OK

  $ relctl env get FOO && relctl apps
  visual
  APP    STATUS   RELEASE
  myapp  running  RIFHHLTSXJ

@unenv VISUAL
@env EDITOR=
Neither set (or both empty): vi.

  $ mkdir bin && printf '#!/bin/sh\necho "vi was run on $1"\n' > bin/vi && chmod +x bin/vi && PATH="$TESTTMP/bin:$PATH" relctl env edit
  vi was run on \$TESTTMP/tmp/relctl-env-[A-Za-z0-9]{6}/myapp.env (re)
  No changes: no release was created

--release edits that release's env: the new release is based on it, not on
the newest one.

@env EDITOR=sed -i s/^FOO=.*/FOO=from-v1/
  $ relctl env edit --release 1 --id && relctl env
  ROGGWBLDWC
  BYTES=café �
  CTRL=a\tb\e[2Jc
  EMPTY=
  FOO=from-v1
  LEAD= spaces 
  NL=line one\nline two
  QUOTE="quoted"
  ! Setting FOO... OK
  ! Release: ROGGWBLDWC

  $ relctl releases --limit 1
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  ROGGWBLDWC                 now      env change:FOO

An editor that fails sets nothing; so does a file that no longer reads. The
file and whatever the editor left beside it are removed either way.

@env EDITOR=false
  $ relctl env edit
  ! ERROR: the editor (false) exited with status 1: nothing was set
  [1]

  $ cat > bad.sh <<'END'
  > #!/bin/sh
  > cp "$1" "$1~"
  > printf 'this is not a pair\n' >> "$1"
  > END
  > chmod +x bad.sh

@env EDITOR=$TESTTMP/bad.sh
  $ relctl env edit
  ! ERROR: the edited env, line 13: not KEY=VALUE, no '=' (a value of several lines is written quoted, with \n): nothing was set
  [2]

@env EDITOR=rm
  $ relctl env edit
  ! ERROR: reading '\$TESTTMP/tmp/relctl-env-[A-Za-z0-9]{6}/myapp.env': No such file or directory: nothing was set (re)
  [1]

@env EDITOR=no-such-editor-anywhere
  $ relctl env edit
  ! .*no-such-editor-anywhere.*not found (re)
  ! ERROR: the editor (no-such-editor-anywhere) exited with status 127: nothing was set
  [1]

  $ ls -A "$TMPDIR"; relctl releases --limit 1
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  ROGGWBLDWC                 now      env change:FOO

A file saved empty (0 bytes), or with no KEY=VALUE line left (comments and
blank lines only), sets nothing (exit 2): an editor that saved nothing, or a
slip, does not unset every key. `env unset` removes keys, every one too.

@env EDITOR=sh -c ': > "$1"' editor
  $ relctl env edit
  ! ERROR: the edited file is empty (no KEY=VALUE line): nothing was set (relctl env unset KEY... removes keys, every one too)
  [2]

@env EDITOR=sed -i /=/d
  $ relctl env edit
  ! ERROR: the edited file is empty (no KEY=VALUE line): nothing was set (relctl env unset KEY... removes keys, every one too)
  [2]

  $ relctl releases --limit 1 && relctl env | cut -d= -f1 | tr '\n' ' '
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  ROGGWBLDWC                 now      env change:FOO
  BYTES CTRL EMPTY FOO LEAD NL QUOTE  (no-eol)

Before the first release the file holds only the header. Under --id the
editor writes to standard error, which keeps standard output for the id.

@env EDITOR=cat
  $ relctl apps create fresh >/dev/null && relctl env edit -a fresh --id
  ! # The env of fresh (no release yet): one KEY=VALUE a line.
  ! # Lines starting with '#' and blank lines are ignored; deleting a line
  ! # unsets its key. A value starting with " is quoted, with the escapes
  ! # \n \t \r \" \\ \xHH \uXXXX. Save and quit to create a release;
  ! # quit with an error (vi: :cq) to change nothing.
  ! No changes: no release was created

Errors before the editor runs: an unknown release, another app's.

  $ relctl env edit --release RNOSUCHONE
  ! ERROR: app 'myapp': release RNOSUCHONE not found
  [3]

  $ relctl env edit --release 1 -a fresh
  ! ERROR: app 'fresh': release version 1 not found
  [3]

relctl stopped by SIGTERM while the editor runs passes the signal on to the
editor itself (the shell that starts it execs it), sets nothing and removes
the file.

  $ cat > slow.sh <<'END'
  > #!/bin/sh
  > echo $$ > "$TESTTMP/editor.pid"
  > touch "$TESTTMP/started"
  > exec sleep 30
  > END
  > chmod +x slow.sh

@env EDITOR=$TESTTMP/slow.sh
  $ relctl env edit & pid=$!; while [ ! -e started ]; do sleep 0.1; done; kill -TERM $pid; wait $pid; echo "exit $?"; ls -A "$TMPDIR"; if kill -0 $(cat editor.pid) 2>/dev/null; then kill $(cat editor.pid); echo "the editor was left running"; fi
  exit 1
  ! ERROR: the editor ($TESTTMP/slow.sh) was killed by signal 15: nothing was set

An editor that is stopped (Ctrl-Z in a shell it started, SIGSTOP) gets
SIGCONT after the signal, so that it acts on it: relctl does not wait on
it for ever.

  $ cat > stopped.sh <<'END'
  > #!/bin/sh
  > echo $$ > "$TESTTMP/editor.pid"
  > kill -STOP $$
  > exec sleep 30
  > END
  > chmod +x stopped.sh; rm -f editor.pid

@env EDITOR=$TESTTMP/stopped.sh
  $ relctl env edit & pid=$!; until [ -s editor.pid ] && [ "$(cut -d' ' -f3 /proc/$(cat editor.pid)/stat)" = T ]; do sleep 0.1; done; kill -TERM $pid; i=0; while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; if kill -0 $pid 2>/dev/null; then echo "relctl still waits"; kill -CONT $(cat editor.pid); fi; wait $pid; echo "exit $?"; ls -A "$TMPDIR"
  exit 1
  ! ERROR: the editor ($TESTTMP/stopped.sh) was killed by signal 15: nothing was set

Without --release, the edit's change alone (what was added or changed is
set, what was deleted is unset) is applied to the newest release, as `env
set` applies its own: a change made by someone else while the editor was
open stays.

@unenv EDITOR
  $ relctl env set FOO=before LEAD=x > /dev/null
  $ cat > meanwhile.sh <<'END'
  > #!/bin/sh
  > RELCTL_TEST_SEED=1000 relctl env set X=1 > /dev/null
  > sed -i -e 's/^FOO=.*/FOO=edited/' -e '/^LEAD=/d' "$1"
  > END
  > chmod +x meanwhile.sh

@env EDITOR=$TESTTMP/meanwhile.sh
  $ relctl env edit && relctl env && relctl releases --limit 2
  Setting FOO, LEAD... OK
  Release: RSTYOTTMSO
  BYTES=café �
  CTRL=a\tb\e[2Jc
  EMPTY=
  FOO=edited
  NL=line one\nline two
  QUOTE="quoted"
  X=1
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RSTYOTTMSO                 now      env change:FOO remove:LEAD
  RIAPBRGTKD                 now      env add:X

The directory goes with everything the editor left in it, directories
included; a symbolic link in it is removed, not followed.

  $ mkdir keep && echo kept > keep/file && cat > litter.sh <<'END'
  > #!/bin/sh
  > d=$(dirname "$1")
  > mkdir -p "$d/.backup/deeper" && cp "$1" "$d/.backup/deeper/" && chmod 500 "$d/.backup"
  > ln -s "$TESTTMP/keep" "$d/link" && ln -s "$TESTTMP/keep" "$d/.backup/deeper/link"
  > sed -i 's/^FOO=.*/FOO=littered/' "$1"
  > END
  > chmod +x litter.sh

@env EDITOR=$TESTTMP/litter.sh
  $ relctl env edit && ls -A "$TMPDIR" && cat keep/file
  Setting FOO... OK
  Release: RZYXPLJRHF
  kept

A directory that cannot be removed sets nothing, and relctl says what is
left (exit 1).

  $ cat > deep.sh <<'END'
  > #!/bin/sh
  > cd "$(dirname "$1")" && for i in $(seq 70); do mkdir d && cd d; done && echo copy > f
  > END
  > chmod +x deep.sh

@env EDITOR=$TESTTMP/deep.sh
  $ relctl env edit; echo "exit $?"; rm -rf "$TMPDIR"/relctl-env-*
  exit 1
  ! ERROR: could not remove \$TESTTMP/tmp/relctl-env-[A-Za-z0-9]{6} \(directories nested more than 64 deep\): it still holds d, which may hold the env and its secrets \(remove it\); nothing was set (re)

An editor that leaves a FIFO or a symbolic link where the file was sets
nothing: relctl neither waits on it nor reads elsewhere.

  $ printf '#!/bin/sh\nrm "$1" && mkfifo "$1"\n' > fifo.sh && chmod +x fifo.sh
  $ printf '#!/bin/sh\nrm "$1" && ln -s "$TESTTMP/keep/file" "$1"\n' > link.sh && chmod +x link.sh

@env EDITOR=$TESTTMP/fifo.sh
  $ relctl env edit
  ! ERROR: '\$TESTTMP/tmp/relctl-env-[A-Za-z0-9]{6}/myapp.env' is no longer a regular file: nothing was set (re)
  [1]

@env EDITOR=$TESTTMP/link.sh
  $ relctl env edit
  ! ERROR: '\$TESTTMP/tmp/relctl-env-[A-Za-z0-9]{6}/myapp.env' is no longer a regular file: nothing was set (re)
  [1]

  $ ls -A "$TMPDIR"; relctl releases --limit 1
  ID          STATUS  BUILD  CREATED  DESCRIPTION
  RZYXPLJRHF                 now      env change:FOO
