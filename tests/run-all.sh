#!/usr/bin/env bash
# The whole test suite, as CI runs it. From a clean clone:
#
#   tests/run-all.sh
#
# Four passes, in two build directories under build-ci/:
#   gcc       gcc, -Dwerror=true, warning_level=3: every suite, the Go
#             binding's go test -race and the pip install into a venv
#             included
#   clang     clang with AddressSanitizer and UBSan, -Dwerror=true: every
#             suite but 'fuzz' and 'postgresql-scale' (the 100,000-release
#             copy, whose code the conformance copies run here), any
#             sanitizer report fatal
#   fuzz      the clang build's libFuzzer targets (tests/fuzz), all at once,
#             each for $FUZZ_SECONDS (60) from its committed corpus; a crash
#             or sanitizer report fails it, its input kept under
#             build-ci/clang/tests/fuzz/work-*/artifacts
#   valgrind  the gcc build's conformance and faults suites, and the
#             PostgreSQL conformance runs, under memcheck, any error or
#             definite/indirect leak fatal
# then one summary line. Exits non-zero if any pass failed.
#
# Missing tools are installed with apt-get when run as root; otherwise the
# script names the Debian packages to install and stops.
# shellcheck disable=SC2317 # the pass_* functions are called by name
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=${RUN_ALL_BUILD_ROOT:-build-ci}

say() { printf 'run-all: %s\n' "$*"; }

# ------------------------------------------------------------------ tools

missing_packages() {
	local pkgs=() tool pkg probe
	for pair in meson:meson ninja:ninja-build gcc:gcc g++:g++ clang:clang \
		valgrind:valgrind python3:python3 pkg-config:pkg-config \
		abidw:abigail-tools abidiff:abigail-tools go:golang-go groff:groff-base; do
		tool=${pair%%:*} pkg=${pair#*:}
		command -v "$tool" >/dev/null 2>&1 || pkgs+=("$pkg")
	done
	if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists cmocka; then
		pkgs+=(libcmocka-dev)
	fi
	# The Python package's install test makes a venv, which needs ensurepip.
	if command -v python3 >/dev/null 2>&1 &&
		! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
		pkgs+=(python3-venv)
	fi
	# The PostgreSQL backend's build (libpq) and its tests' private servers.
	if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists libpq; then
		pkgs+=(libpq-dev)
	fi
	if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
		pkgs+=(postgresql)
	fi
	# clang's sanitizer runtime is a separate package (only recommended by clang).
	probe=$(mktemp)
	if ! command -v clang >/dev/null 2>&1 ||
		! printf 'int main(void) { return 0; }\n' |
		clang -x c -fsanitize=address,undefined -o "$probe" - >/dev/null 2>&1; then
		pkgs+=(libclang-rt-dev)
	fi
	rm -f "$probe"
	[ ${#pkgs[@]} -eq 0 ] || printf '%s\n' "${pkgs[@]}" | sort -u | tr '\n' ' '
}

need=$(missing_packages)
need=${need% }
if [ -n "$need" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		say "missing Debian packages: $need"
		say "install them with: sudo apt-get install $need"
		exit 1
	fi
	say "installing $need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086 # one word per package
	apt-get install -y -qq --no-install-recommends $need >/dev/null
	need=$(missing_packages)
	need=${need% }
	if [ -n "$need" ]; then
		say "still missing after apt-get install: $need"
		exit 1
	fi
fi

# ----------------------------------------------------------------- passes

# Sets up (or reconfigures) a build directory. $1: dir; the rest: options.
setup() {
	local dir=$1
	shift
	if [ -f "$dir/meson-private/coredata.dat" ]; then
		meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1 ||
			{ cat "$dir.setup.log"; return 1; }
	else
		rm -rf "$dir"
		mkdir -p "$(dirname "$dir")"
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 ||
			{ cat "$dir.setup.log"; return 1; }
	fi
}

# Adds a meson test log's results to the totals.
passed=0 failed=0 skipped=0
tally() {
	local counts ok bad skip
	counts=$(python3 - "$1" <<'EOF'
import json, sys
ok = bad = skip = 0
with open(sys.argv[1]) as f:
    for line in f:
        result = json.loads(line)["result"]
        if result in ("OK", "EXPECTEDFAIL"):
            ok += 1
        elif result == "SKIP":
            skip += 1
        else:
            bad += 1
print(ok, bad, skip)
EOF
)
	read -r ok bad skip <<<"$counts"
	passed=$((passed + ok)) failed=$((failed + bad)) skipped=$((skipped + skip))
}

pass_gcc() {
	CC=gcc CXX=g++ setup "$out/gcc" -Dwerror=true -Dwarning_level=3 -Dpgstore=enabled \
		-Dbuildtype=debugoptimized
	ninja -C "$out/gcc"
	meson test -C "$out/gcc" --no-rebuild --print-errorlogs
}

# Any sanitizer report is fatal, in the clang and fuzz passes alike.
sanitizer_env=(
	ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
	UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
)

pass_clang() {
	# -fno-sanitize-recover makes every UBSan finding abort the test, like
	# ASan's; b_lundef=false because the sanitizer runtime is linked into
	# executables only, so the shared library has undefined __asan_* symbols.
	CC=clang CXX=clang++ CFLAGS=-fno-sanitize-recover=all \
		CXXFLAGS=-fno-sanitize-recover=all \
		setup "$out/clang" -Dwerror=true -Dwarning_level=3 -Dpgstore=enabled \
		-Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=enabled
	ninja -C "$out/clang"
	env "${sanitizer_env[@]}" \
		meson test -C "$out/clang" --no-rebuild --print-errorlogs --timeout-multiplier 3 \
		--no-suite fuzz --no-suite postgresql-scale
}

pass_fuzz() {
	# The targets run side by side (one process each), so the pass takes
	# about FUZZ_SECONDS whatever their number.
	local n
	n=$(meson introspect --tests "$out/clang" | python3 -c '
import json, sys
print(sum(1 for t in json.load(sys.stdin)
          if any(s.split(":")[-1] == "fuzz" for s in t["suite"])))')
	if [ "$n" -eq 0 ]; then
		say "no fuzz targets in $out/clang (clang cannot link -fsanitize=fuzzer?)"
		return 1
	fi
	env "${sanitizer_env[@]}" FUZZ_SECONDS="${FUZZ_SECONDS:-60}" \
		meson test -C "$out/clang" --no-rebuild --print-errorlogs --suite fuzz \
		--num-processes "$n" --logbase testlog-fuzz
}

pass_valgrind() {
	local suites=() s
	# Only suites that exist: meson test treats an unknown suite as no test.
	for s in conformance faults; do
		if meson introspect --tests "$out/gcc" | python3 -c '
import json, sys
sys.exit(not any(s.split(":")[-1] == sys.argv[1]
                 for t in json.load(sys.stdin) for s in t["suite"]))' "$s"; then
			suites+=(--suite "$s")
		fi
	done
	if [ ${#suites[@]} -eq 0 ]; then
		say "no conformance or faults tests to run under valgrind"
		return 1
	fi
	ninja -C "$out/gcc"
	meson test -C "$out/gcc" --no-rebuild --print-errorlogs "${suites[@]}" \
		--timeout-multiplier 10 --wrap="$valgrind"
	# The PostgreSQL runs are launched by pg_server.py, which puts
	# RELEASE_TEST_WRAP in front of the test program (not of itself).
	local tests_json
	tests_json=$(meson introspect --tests "$out/gcc")
	if [[ $tests_json == *'postgresql-conformance"'* ]]; then
		RELEASE_TEST_WRAP="$valgrind" meson test -C "$out/gcc" --no-rebuild \
			--print-errorlogs --suite postgresql-conformance \
			--timeout-multiplier 10 --logbase testlog-valgrind-pg
	fi
}
valgrind='valgrind --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=1 --quiet'


results=()
status=0
run_pass() { # name log...: the meson test logs the pass writes
	local name=$1 start end rc=0 log counted=0
	shift
	start=$(date +%s)
	say "=== $name ==="
	rm -f "$@" # a stale log must not be counted
	# A subshell, so that -e stops the pass (not the script) at its first
	# failure; not tested with || , which would switch -e off inside it.
	set +e
	(
		set -e
		"pass_$name"
	)
	rc=$?
	set -e
	end=$(date +%s)
	for log in "$@"; do
		if [ -f "$log" ]; then
			tally "$log"
			counted=1
		fi
	done
	if [ "$counted" -eq 0 ] && [ "$rc" -ne 0 ]; then
		failed=$((failed + 1)) # it failed before any test ran: count that
	fi
	if [ "$rc" -eq 0 ]; then
		results+=("$name ok ($((end - start))s)")
	else
		results+=("$name FAILED ($((end - start))s)")
		status=1
	fi
}

total_start=$(date +%s)
run_pass gcc "$out/gcc/meson-logs/testlog.json"
run_pass clang "$out/clang/meson-logs/testlog.json"
run_pass fuzz "$out/clang/meson-logs/testlog-fuzz.json"
run_pass valgrind "$out/gcc/meson-logs/testlog-valgrind.json" \
	"$out/gcc/meson-logs/testlog-valgrind-pg.json"

summary=$(printf '%s, ' "${results[@]}")
say "${summary%, } in $(($(date +%s) - total_start))s"
# The closing line CI reads: counts of meson tests over all passes.
echo "run-all: $passed passed, $failed failed, $skipped skipped"
exit "$status"
