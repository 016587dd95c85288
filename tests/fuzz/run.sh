#!/bin/bash
# A bounded libFuzzer run of one harness (meson test --suite fuzz; the long
# run in tests/fuzz/README.md is the same with more seconds):
#
#   run.sh FUZZER SECONDS DICT WORKDIR SEED...
#
# The seeds (directories or files) are read, never written: new inputs go to
# WORKDIR/corpus, a crash to WORKDIR/artifacts/. Prints one line of figures:
#   fuzz NAME: N executions in S s (R/s), corpus C inputs (B bytes) from K seeds, coverage X edges
# Exit 0, or 1 when the harness crashed, leaked, timed out or broke an
# invariant (the input that did it is named: copy it into
# tests/fuzz/regress/NAME/ and fix the code).
set -u
fuzzer=$1 secs=$2 dict=$3 work=$4
shift 4
name=$(basename "$fuzzer")
# libconfig's own leak on some rejected files (tests/lsan.supp); the
# sanitizers stop at the first error
: "${LSAN_OPTIONS:=suppressions=$(cd "$(dirname "$0")/.." && pwd)/lsan.supp:print_suppressions=0}"
: "${UBSAN_OPTIONS:=halt_on_error=1:print_stacktrace=1}"
: "${ASAN_OPTIONS:=abort_on_error=1:detect_leaks=1}"
export LSAN_OPTIONS UBSAN_OPTIONS ASAN_OPTIONS
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts" "$work/seedfiles"
dirs=()
nseeds=0
for s in "$@"; do
	if [ -d "$s" ]; then
		dirs+=("$s")
		nseeds=$((nseeds + $(find "$s" -type f ! -name '.*' | wc -l)))
	elif [ -f "$s" ]; then
		cp "$s" "$work/seedfiles/"
		nseeds=$((nseeds + 1))
	fi
done
args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536
      -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1
      -artifact_prefix="$work/artifacts/")
[ -z "$dict" ] || args+=(-dict="$dict")
rc=0
"$fuzzer" "${args[@]}" "$work/corpus" "$work/seedfiles" "${dirs[@]}" > "$work/log" 2>&1 || rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
cov=$(grep -Eo 'cov: [0-9]+' "$work/log" | tail -1 | cut -d' ' -f2)
corp=$(find "$work/corpus" -type f | wc -l)
bytes=$(find "$work/corpus" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
# the units the seeds brought in count too: libFuzzer keeps those that add
# coverage in memory, and writes only the new ones to WORKDIR/corpus
loaded=$(grep -Eo 'INITED .* corp: [0-9]+/[0-9]+[a-zA-Z]*' "$work/log" | tail -1 | sed 's/.*corp: //')
echo "fuzz $name: ${execs:-?} executions in $secs s ($(( ${execs:-0} / secs ))/s)," \
     "corpus: $loaded after loading $nseeds seeds, $corp new inputs ($bytes bytes) found, coverage ${cov:-?} edges"
if [ "$rc" -ne 0 ]; then
	grep -av "^#[0-9]" "$work/log" | tail -n 60
	echo "fuzz $name: FAILED (exit $rc); the input: $(ls "$work"/artifacts/* 2>/dev/null | tr '\n' ' ')"
	echo "copy it into tests/fuzz/regress/${name#fuzz_}/ and fix the code"
	exit 1
fi
