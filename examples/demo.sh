#!/usr/bin/env bash
# Quick start: builds librelease in build-demo/ (once) and runs rollback-demo,
# the Convox "Rollbacks" scenario on the real library.
#
#   examples/demo.sh
#
# Needs meson, ninja and a C compiler; as root it installs the missing ones
# with apt-get, otherwise it names them.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir=build-demo

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
	meson setup "$dir" -Dtests=false >"$dir.log" 2>&1 || { cat "$dir.log" >&2; exit 1; }
fi
ninja -C "$dir" examples/rollback-demo >"$dir.log" 2>&1 || { cat "$dir.log" >&2; exit 1; }
rm -f "$dir.log"
exec "$dir/examples/rollback-demo"
