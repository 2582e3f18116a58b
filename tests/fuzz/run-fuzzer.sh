#!/bin/sh
# Runs a fuzz target for $FUZZ_SECONDS (default 60) as a test, from the
# random seed $FUZZ_SEED (default 1, so that a run is repeatable: the same
# binary and seed try the same inputs in the same order):
#   run-fuzzer.sh TARGET SEED-CORPUS WORK-DIR
# New inputs go to WORK-DIR/corpus (the committed seeds are only read) and a
# crash's input to WORK-DIR/artifacts. Exits 0 when the time ran out clean.
set -eu
target=$1 seeds=$2 work=$3
mkdir -p "$work/corpus" "$work/artifacts"
exec "$target" -max_total_time="${FUZZ_SECONDS:-60}" -seed="${FUZZ_SEED:-1}" \
	-timeout=30 -rss_limit_mb=2048 \
	-error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds"
