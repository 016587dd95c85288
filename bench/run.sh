#!/bin/bash
# The benchmarks (SPEC §8), one command on a fresh Debian 12 machine, as
# root: install the dependencies, make a release build, run every figure
# inside a private network + mount namespace (tests/sandbox.sh), print the
# table and write it to bench/results.md (and, after a full run, into the
# README's Performance section).
#
#   bash bench/run.sh [--quick | --scale]
#
# --quick: 1, 10 and 100 namespaces, fewer samples, 10 s idle, 30 s of
# heals for memory; a few minutes. The full run (1, 100, 1000; ten minutes
# of heals at 1000) takes about 20 on 2 cores. --scale: 10 and 10,000
# namespaces (1000 of Option 2 shape, 9000 made by the benchmark as another
# agent would and matched by a rule), ten minutes of heals at 10,000; about
# 50 minutes, 25 with BENCH_NO_SCRIPT=1 (bench/inner.sh). Its table goes to bench/results-scale.md and the README.
set -eu
cd "$(dirname "$0")/.."
mode=full
case "${1:-}" in
	"") ;;
	--quick) mode=quick ;;
	--scale) mode=scale ;;
	*) echo "usage: bash bench/run.sh [--quick | --scale]" >&2; exit 64 ;;
esac

bash scripts/deps.sh
# The release build (-O3), with -Werror like every other build.
opts=(-Dbuildtype=release -Dtests=false)
if [ -d build-bench ]; then
	meson setup build-bench --reconfigure "${opts[@]}" > /dev/null
else
	meson setup build-bench "${opts[@]}" > /dev/null
fi
ninja -C build-bench > /dev/null

out=$(mktemp -d /tmp/netheal-bench.XXXXXX)
echo "bench: raw results in $out" >&2
tests/sandbox.sh bash bench/inner.sh "$PWD/build-bench" "$out" "$mode"
# a full or scale run is the README's table; a quick one only a check
readme=()
results=bench/results.md
[ "$mode" = full ] && readme=(--readme README.md)
[ "$mode" = scale ] && readme=(--readme README.md) && results=bench/results-scale.md
python3 bench/table.py "$out" "${readme[@]}" > "$results"
cat "$results"
