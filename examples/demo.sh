#!/usr/bin/env bash
# Quick start: builds relctl in build-demo/ (once) and tells the story of
# Convox's "Rollbacks" page with it, on a fresh temporary store:
#
#   examples/demo.sh
#
# An app gets a build, whose release is promoted; `env set FOO=bar --promote`
# makes and promotes a second release; that one "caused a problem", so the app
# is rolled back to the first through the example deploy hook
# (examples/relctl/rolling-update.sh), which imitates a rolling update.
#
# Needs meson, ninja and a C compiler; as root it installs the missing ones
# with apt-get, otherwise it names them. RELCTL=path/to/relctl skips the
# build (the test suite does this); ROLLING_UPDATE_PAUSE=0 skips the hook's
# pauses; DEMO_STORE=URI tells it on that (empty) store.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir=build-demo

if [ -z "${RELCTL:-}" ]; then
	need=()
	command -v meson >/dev/null 2>&1 || need+=(meson)
	command -v ninja >/dev/null 2>&1 || need+=(ninja-build)
	command -v cc >/dev/null 2>&1 || need+=(gcc)
	if [ ${#need[@]} -gt 0 ]; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "demo: missing Debian packages: ${need[*]}" >&2
			echo "demo: install them with: sudo apt-get install ${need[*]}" >&2
			exit 1
		fi
		echo "demo: installing ${need[*]}..." >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	fi
	# The demo needs neither the test suite nor cmocka.
	if [ ! -f "$dir/build.ninja" ]; then
		echo "demo: building in $dir/ ..." >&2
		meson setup "$dir" -Dtests=disabled >"$dir.log" 2>&1 || { cat "$dir.log" >&2; exit 1; }
	fi
	ninja -C "$dir" examples/relctl/relctl >"$dir.log" 2>&1 || { cat "$dir.log" >&2; exit 1; }
	rm -f "$dir.log"
	RELCTL=$dir/examples/relctl/relctl
fi
RELCTL=$(cd "$(dirname "$RELCTL")" && pwd)/$(basename "$RELCTL")
hook=$PWD/examples/relctl/rolling-update.sh

# A fresh store, removed at the end; nothing else is touched. DEMO_STORE
# names another empty store instead, e.g. a PostgreSQL database.
if [ -n "${DEMO_STORE:-}" ]; then
	export RELEASE_STORE=$DEMO_STORE
else
	store=$(mktemp -d "${TMPDIR:-/tmp}/relctl-demo.XXXXXX")
	trap 'rm -rf "$store"' EXIT
	export RELEASE_STORE=$store/store
fi
unset RELEASE_APP RELEASE_DEPLOY_HOOK

# Shows a command as typed at a prompt, then runs it.
relctl() {
	local shown=relctl arg
	for arg in "$@"; do
		case $arg in
		*[!A-Za-z0-9_./:=@%+-]*) shown+=" \"$arg\"" ;;
		*) shown+=" $arg" ;;
		esac
	done
	printf '\n$ %s\n' "$shown"
	"$RELCTL" "$@"
}
say() { printf '\n# %s\n' "$*"; }

# Runs a relctl command shown as typed, printing its output, and keeps the
# release id it reports ("Release: R...") in $release.
release_of() {
	local out
	out=$(relctl "$@")
	printf '%s\n' "$out"
	release=$(printf '%s\n' "$out" | sed -n 's/^Release: //p')
}

say "A fresh store in $RELEASE_STORE."
relctl apps create myapp
release_of builds create -a myapp --description "build 0a1b2c3d4e5f my commit message"
first=$release
relctl releases promote -a myapp
release_of env set FOO=bar --promote -a myapp
relctl releases -a myapp

say "$release caused a problem: roll back to $first, through a deploy hook."
printf '\n$ export RELEASE_DEPLOY_HOOK=examples/relctl/rolling-update.sh\n'
export RELEASE_DEPLOY_HOOK=$hook
relctl releases rollback "$first" -a myapp
relctl releases -a myapp
