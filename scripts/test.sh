#!/bin/bash
# The whole test suite, on a fresh Debian 12 machine as root: install the
# dependencies, build with -Werror, run every test (unit, command line,
# shipped files and installation, and integration inside a private network +
# mount namespace), once on the normal build and once on an ASan + UBSan
# build; then build the Debian package (lintian: no error) and boot it in a
# minimal Debian under systemd-nspawn (tests/boot/boot.sh).
set -eu
cd "$(dirname "$0")/.."
bash scripts/deps.sh test

total_pass=0
total_fail=0
total_skip=0

# run_suite DIR SETUP_ARG... [-- TEST_ARG...]: set up, build, test, count.
# With TEST_ARGs, only what they select is built and run.
run_suite() {
	local dir=$1; shift
	local setup=() tests=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do setup+=("$1"); shift; done
	[ $# -eq 0 ] || { shift; tests=("$@"); }
	meson setup "$dir" --wipe "${setup[@]}" >/dev/null 2>&1 || meson setup "$dir" "${setup[@]}"
	local rc=0
	if [ ${#tests[@]} -eq 0 ]; then
		ninja -C "$dir"
		meson test -C "$dir" --print-errorlogs --num-processes 2 || rc=$?
	else
		meson test -C "$dir" --print-errorlogs --num-processes 2 "${tests[@]}" || rc=$?
	fi
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

# -Dman=enabled: the man page tests must run, not skip for want of scdoc.
run_suite build-test -Dbuildtype=debugoptimized -Dman=enabled
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug -Dman=enabled

# The fuzz harnesses under libFuzzer (clang, ASan + UBSan): a bounded run of
# each, 60 s (the builds above replay their seeds and every regression
# input; a long run: tests/fuzz/README.md). The figures are printed.
CC=clang run_suite build-fuzz -Dfuzz=enabled -Db_sanitize=address,undefined -Db_lundef=false \
	-Dbuildtype=debugoptimized -Dman=disabled -Dbench=false -- --suite fuzz
grep -ah '^fuzz fuzz_' build-fuzz/meson-logs/testlog.txt || true

# The package, then the boot test on it (about two minutes; bounded).
echo "== package"
if deb=$(bash scripts/package.sh build-pkg); then
	total_pass=$((total_pass + 1))
	echo "== boot test"
	rc=0
	timeout 900 bash tests/boot/boot.sh "$deb" | tee build-pkg/boot.log || rc=${PIPESTATUS[0]}
	p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' build-pkg/boot.log | tail -1)
	f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' build-pkg/boot.log | tail -1)
	if [ "$rc" -eq 77 ]; then
		echo "== boot test: SKIPPED (see above)"
		total_skip=$((total_skip + 1))
	else
		total_pass=$((total_pass + ${p:-0}))
		total_fail=$((total_fail + ${f:-0}))
		# a crash or time-out without a count is one failure
		[ "$rc" -eq 0 ] || [ "${f:-0}" -gt 0 ] || total_fail=$((total_fail + 1))
		echo "== boot test: ${p:-0} passed, ${f:-0} failed (exit $rc)"
	fi
else
	echo "== package: FAILED"
	total_fail=$((total_fail + 1))
fi

echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
