#!/bin/bash
# The whole test suite, on a fresh Debian 12 machine as root: install the
# dependencies, build with -Werror, run every test (unit and integration, the
# latter inside a private network + mount namespace), once on the normal
# build and once on an ASan + UBSan build.
set -eu
cd "$(dirname "$0")/.."
bash scripts/deps.sh

total_pass=0
total_fail=0
total_skip=0

run_suite() {
	local dir=$1; shift
	meson setup "$dir" --wipe "$@" >/dev/null 2>&1 || meson setup "$dir" "$@"
	ninja -C "$dir"
	local rc=0
	meson test -C "$dir" --print-errorlogs --num-processes 2 || rc=$?
	# meson writes one JSON object per test to testlog.json
	local p f s
	p=$(jq -s '[.[] | select(.result == "OK" or .result == "EXPECTEDFAIL")] | length' "$dir/meson-logs/testlog.json")
	f=$(jq -s '[.[] | select(.result == "FAIL" or .result == "TIMEOUT" or .result == "ERROR" or .result == "UNEXPECTEDPASS")] | length' "$dir/meson-logs/testlog.json")
	s=$(jq -s '[.[] | select(.result == "SKIP")] | length' "$dir/meson-logs/testlog.json")
	echo "== $dir: $p passed, $f failed, $s skipped"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || total_fail=$((total_fail + 1))
}

run_suite build-test -Dbuildtype=debugoptimized
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
