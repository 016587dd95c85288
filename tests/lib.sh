# Helpers for integration tests (bash). Source it first thing:
#   . "$(dirname "$0")/../lib.sh"
# It refuses to run outside tests/sandbox.sh. Each check prints one line;
# `finish` prints "N passed, N failed" and sets the exit status.
set -u

# sandbox.sh records the namespace it started from; we must be elsewhere.
if [ "${NETHEAL_SANDBOX:-}" != "1" ] || [ -z "${NETHEAL_OUTER_NETNS:-}" ] ||
   [ "$(readlink /proc/self/ns/net)" = "$NETHEAL_OUTER_NETNS" ] ||
   [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net 2>/dev/null)" ]; then
	echo "refusing to run outside the sandbox: use tests/sandbox.sh $0" >&2
	exit 1
fi

NETHEAL=${NETHEAL:-netheal}
NETHEAL_BIN=$(command -v "$NETHEAL" || true)   # the binary itself, wrapped or not
T_PASS=0
T_FAIL=0
T_SKIP=0
T_DIR=$(mktemp -d /tmp/netheal-test.XXXXXX)
T_PIDS=()

# NETHEAL_WRAP: a command every netheal of the test runs under (one word
# each, no quoting), e.g. "bash tests/caps.sh" for least privilege (the
# integration-caps suite). The pid stays netheal's: the wrappers exec.
if [ -n "${NETHEAL_WRAP:-}" ]; then
	printf '#!/bin/bash\nexec %s %q "$@"\n' "$NETHEAL_WRAP" "$(command -v "$NETHEAL")" > "$T_DIR/netheal"
	chmod 755 "$T_DIR/netheal"
	NETHEAL=$T_DIR/netheal
fi

ok()   { T_PASS=$((T_PASS + 1)); echo "ok - $*"; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL - $*"; }
skip() { T_SKIP=$((T_SKIP + 1)); echo "skip - $*"; }

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds.
check() {
	local what=$1; shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi
}

# wait_for TIMEOUT_S COMMAND...: poll (10 ms) until COMMAND succeeds.
wait_for() {
	local t=$1; shift
	local end=$(( $(date +%s%N) + t * 1000000000 ))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.01
	done
}

# Background processes this test started; killed by pid at exit.
bg_started() { T_PIDS+=("$1"); }

# exec_done PID: wait (at most 10 s) until PID runs netheal's binary itself,
# not a NETHEAL_WRAP wrapper still on its way to exec it: a signal sent to
# the wrapper is no signal to netheal (a loaded machine takes a while
# through capsh). 0 when it does.
exec_done() {
	local pid=$1 want i
	want=$(readlink -f "$NETHEAL_BIN")
	for ((i = 0; i < 1000; i++)); do
		[ "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" = "$want" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}

# Probe a link kind: 0 when the kernel can create it here.
have_kind() {
	local k=$1 n="probe$$"
	case $k in
	veth) ip link add "$n" type veth peer name "${n}p" 2>/dev/null ;;
	vlan|macvlan) ip link add "${n}l" type veth peer name "${n}q" 2>/dev/null &&
		ip link add "$n" link "${n}l" type "$k" ${k/macvlan/} $( [ "$k" = vlan ] && echo id 5 ) 2>/dev/null ;;
	vxlan) ip link add "$n" type vxlan id 42 dstport 4789 2>/dev/null ;;
	*) ip link add "$n" type "$k" 2>/dev/null ;;
	esac
	local r=$?
	ip link del "$n" 2>/dev/null; ip link del "${n}l" 2>/dev/null
	return $r
}

# A heal-failed record means something is really stuck (SPEC §4.8: a
# failure that came from a view the kernel had already changed is not one).
# Every log under $T_DIR is checked at the end: a test that provokes a real
# failure says which records it expects, as extended regexps.
T_EXPECTED_FAILURES=()
expect_heal_failed() { T_EXPECTED_FAILURES+=("$1"); }
check_no_heal_failed() {
	local line pat bad=0
	while IFS= read -r line; do
		for pat in "${T_EXPECTED_FAILURES[@]}"; do
			[[ $line =~ $pat ]] && continue 2
		done
		fail "unexpected heal-failed: $line"
		bad=1
	done < <(cat "$T_DIR"/*.log "$T_DIR"/*/*.log 2>/dev/null | grep -a 'event=heal-failed')
	[ "$bad" = 0 ] && ok "no unexpected heal-failed in the logs"
}

finish() {
	for p in "${T_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	check_no_heal_failed
	# NETHEAL_TEST_KEEP=1 keeps the logs and files of a failed run
	if [ "$T_FAIL" -gt 0 ] && [ -n "${NETHEAL_TEST_KEEP:-}" ]; then
		echo "kept $T_DIR"
	else
		rm -rf "$T_DIR"
	fi
	echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}
