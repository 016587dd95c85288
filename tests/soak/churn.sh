#!/bin/bash
# Namespace churn (issue 14, item 5): matched namespaces made and deleted
# over and over while `netheal run` watches; each cycle waits until netheal
# has healed the new namespace (lo up). Afterwards netheal keeps no
# namespace alive and holds what it held before:
#   - the nsids of this network namespace (`ip netns list-id`: netheal gives
#     each namespace it watches one; the kernel drops it when that namespace
#     is freed, so one left over is a namespace something still holds),
#   - the network namespaces held by mounts here and by netheal's
#     descriptors (unique nsfs inodes; not the whole machine's /proc/*: the
#     sandbox shares the pid namespace with everything else running),
#   - netheal's descriptors, and its resident size (within 512 KiB).
# RSS and descriptors are sampled every CYCLES/10 cycles.
#
#   bash tests/soak/churn.sh [--cycles N] [--netheal PATH]     (default 10000)
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
if [ "${NETHEAL_SANDBOX:-}" != "1" ]; then
	exec "$src/tests/sandbox.sh" bash "$here/churn.sh" "$@"
fi
CYCLES=10000
NETHEAL=${NETHEAL:-$src/build-test/cmd/netheal}
while [ $# -gt 0 ]; do
	case $1 in
	--cycles) CYCLES=$2; shift ;;
	--netheal) NETHEAL=$2; shift ;;
	*) echo "churn.sh: unknown option $1" >&2; exit 64 ;;
	esac
	shift
done
. "$src/tests/lib.sh"
. "$src/tests/integration/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
policy "$C" churn <<'EOP'
namespaces = (
  { name = "keep"; links = ( { name = "lo"; } ); },
  { match = "c-*"; links = ( { name = "lo"; } ); sysctl = [ "net.ipv4.ip_forward=1" ]; }
);
EOP
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "netheal is up" wait_for 20 link_up keep lo

rss() { awk '/VmRSS/ { print $2 }' "/proc/$NH_PID/status"; }
fds() { ls "/proc/$NH_PID/fd" | wc -l; }
nsids() { ip netns list-id | grep -c nsid; }
# every network namespace a mount here or a descriptor of netheal holds
reachable() {
	{
		for f in /proc/$NH_PID/fd/*; do
			[ "$(stat -L -f -c %T "$f" 2>/dev/null)" = nsfs ] && stat -L -c 'net:[%i]' "$f"
		done
		grep -o 'net:\[[0-9]*\]' /proc/self/mountinfo
	} 2>/dev/null | sort -u | wc -l
}
settle() {      # the kernel frees namespaces from a work queue
	local want=$1 i
	for i in $(seq 1 100); do [ "$(nsids)" -le "$want" ] && return 0; sleep 0.05; done
	return 1
}
lo_up() { ip -n "$1" -o link show lo 2>/dev/null | grep -q '[<,]UP[,>]'; }

sleep 0.5
ids0=$(nsids) reach0=$(reachable) fds0=$(fds) rss0=$(rss)
echo "# before: $ids0 nsids, $reach0 reachable network namespaces, netheal $fds0 descriptors, $rss0 KiB"
step=$(( CYCLES / 10 )); [ "$step" -gt 0 ] || step=1
slow=0
t0=$(date +%s%N)
for k in $(seq 1 "$CYCLES"); do
	ip netns add "c-$k"
	if ! wait_for 5 lo_up "c-$k"; then slow=$((slow + 1)); fi
	ip netns del "c-$k"
	if [ $((k % step)) = 0 ]; then
		echo "# cycle $k: netheal $(fds) descriptors, $(rss) KiB, $(nsids) nsids, $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	fi
done
t1=$(date +%s%N)
check "every namespace healed within 5 s of its creation ($slow not)" test "$slow" = 0
check "netheal is alive after $CYCLES cycles" kill -0 "$NH_PID"
check "nsids back to $ids0 (no namespace kept alive)" settle "$ids0"
sleep 0.2
ids1=$(nsids) reach1=$(reachable) fds1=$(fds) rss1=$(rss)
echo "# after $CYCLES cycles in $(( (t1 - t0) / 1000000 )) ms: $ids1 nsids, $reach1 reachable network namespaces, netheal $fds1 descriptors, $rss1 KiB"
check_eq "reachable network namespaces back to the start" "$reach0" "$reach1"
check_eq "netheal's descriptors back to the start" "$fds0" "$fds1"
if [ -n "${ASAN_OPTIONS:-}" ]; then
	skip "RSS not checked under AddressSanitizer: $rss0 -> $rss1 KiB"
else
	check "RSS within 512 KiB of the start ($rss0 -> $rss1 KiB)" test $((rss1 - rss0)) -le 512
fi
st=$("$NETHEAL" status --json -c "$C/netheal.conf")
check "status answers" test -n "$st"
check "nothing matched left in status" bash -c "! grep -q '\"c-' <<<'$st'"
kill -TERM "$NH_PID"; wait "$NH_PID"
finish
