#!/bin/bash
# Field failure 0 (issue: netheal stopped healing altogether at scale): N
# namespaces in the Option 2 shape (the benchmark's policy, damping off);
# in one namespace after another, each break is healed before the next:
# its address deleted, its default route deleted, its ip_forward set to 0
# (a sysctl, opened below the namespace's kept /proc/sys/net/ipv4), its
# veth set down, the
# veth's host end deleted, then the namespace deleted the way `ip netns del`
# does (unmount, unlink); 300 ms later an address is deleted in another
# namespace. Every break must be healed (checked with ip -j) and the status
# file must keep moving, and netheal's resident size must stay flat after
# the first rounds (warm-up: within 1 MiB to the end; printed, not checked,
# under AddressSanitizer). It stalled within 5-10 rounds at 1000 namespaces:
# a dump of the host interrupted by a concurrent change (NLM_F_DUMP_INTR) was
# left half read on its request socket, and every later request there read
# the rest first and failed. Another agent's churn on a foreign link in the
# host runs alongside, as on a busy node: it makes such interruptions common.
#
#   NH_STALL_N (default 1000) namespaces, NH_STALL_ROUNDS (default 25) rounds,
#   NH_STALL_GAP (default 0) seconds between a deletion and the next break
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

N=${NH_STALL_N:-1000}
ROUNDS=${NH_STALL_ROUNDS:-25}
GAP=${NH_STALL_GAP:-0}
C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C" "backoff: { flap_count = 1000000; flap_window = 1; initial_ms = 1; max_ms = 1; };"

addr_of() { echo "10.1.$((1 + $1 / 250)).$((1 + $1 % 250))"; }
{
	echo 'links = ( { name = "br1"; kind = "bridge"; addresses = [ "10.1.0.1/16" ]; } );'
	echo 'namespaces = ('
	for i in $(seq 0 $((N - 1))); do
		[ "$i" -gt 0 ] && echo ','
		printf '{ name = "ns%d"; links = ( { name = "lo"; }, { name = "v%d"; kind = "veth"; addresses = [ "%s/16" ]; peer = { name = "h%d"; master = "br1"; }; } ); routes = ( { to = "default"; via = "10.1.0.1"; } ); sysctl = [ "net.ipv4.ip_forward=1" ]; }' \
			"$i" "$i" "$(addr_of "$i")" "$i"
	done
	echo ');'
} > "$C/policy.d/scale.conf"
chmod 644 "$C/policy.d/scale.conf"

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
built() { has_route "ns$((N - 1))" "default via 10.1.0.1" && link_up "ns$((N - 1))" "v$((N - 1))"; }
check "$N namespaces built" wait_for 120 built
wait_for 10 test -s "$C/status.json"

# another agent: a link netheal does not manage, flapping all along
ip link add churn0 type ifb
( while :; do ip link set churn0 up; ip link set churn0 down; done ) >/dev/null 2>&1 &
CHURN=$!
bg_started $CHURN

events() { jq -r '.totals.events' "$C/status.json" 2>/dev/null; }
healed_addr() { has_addr "$1" "v${1#ns}" "$(addr_of "${1#ns}")/16" && has_route "$1" "default via 10.1.0.1"; }
healed_route() { has_route "$1" "default via 10.1.0.1"; }
healed_forward() { [ "$(ip netns exec "$1" cat /proc/sys/net/ipv4/ip_forward)" = 1 ]; }
rebuilt() { healed_veth "$1" && healed_forward "$1"; }
healed_up() { link_up "$1" "v${1#ns}" && has_route "$1" "default via 10.1.0.1"; }
healed_veth() { link_exists "" "h${1#ns}" && healed_up "$1" && has_addr "$1" "v${1#ns}" "$(addr_of "${1#ns}")/16"; }

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$NH_PID/status"; }
WARM=$(( ROUNDS < 5 ? 1 : 5 ))
rss_warm=
stuck=0
break_and_wait() {
	local what=$1 ns=$2 cond=$3; shift 3
	"$@" || { fail "round $r: could not $what in $ns"; return 1; }
	if wait_for 5 "$cond" "$ns"; then
		return 0
	fi
	fail "round $r: $what in $ns not healed within 5 s"
	stuck=1
	return 1
}

for r in $(seq 1 "$ROUNDS"); do
	i=$(( (r * 37) % N )); ns=ns$i
	other=ns$(( (i + N / 2) % N ))
	before=$(events)
	break_and_wait "delete the address" "$ns" healed_addr ip -n "$ns" addr del "$(addr_of "$i")/16" dev "v$i" || break
	sleep 0.05
	break_and_wait "delete the default route" "$ns" healed_route ip -n "$ns" route del default || break
	sleep 0.05
	break_and_wait "set ip_forward to 0" "$ns" healed_forward \
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=0 || break
	sleep 0.05
	break_and_wait "set the veth down" "$ns" healed_up ip -n "$ns" link set "v$i" down || break
	sleep 0.05
	break_and_wait "delete the veth's host end" "$ns" healed_veth ip link del "h$i" || break
	sleep 0.05
	# `ip netns del`: unmount (detached, as it does), unlink
	umount -l "/run/netns/$ns" && rm "/run/netns/$ns"
	sleep "$GAP"
	oi=${other#ns}
	break_and_wait "delete an address elsewhere" "$other" healed_addr \
		ip -n "$other" addr del "$(addr_of "$oi")/16" dev "v$oi" || break
	check "round $r: $ns re-created and built, its sysctl set" wait_for 10 rebuilt "$ns"
	# written 1 ms per namespace after a change (engine.c)
	check "round $r: the status file moves (events $before -> later)" wait_for 4 \
		bash -c "[ \"\$(jq -r .totals.events '$C/status.json')\" -gt '$before' ]"
	[ "$r" = "$WARM" ] && rss_warm=$(rss)
done
[ "$stuck" = 0 ] && ok "$ROUNDS rounds at $N namespaces: every break healed"
if [ -n "$rss_warm" ]; then
	rss_end=$(rss)
	echo "# VmRSS after round $WARM: $rss_warm KiB, after round $ROUNDS: $rss_end KiB"
	# (AddressSanitizer's quarantine holds freed memory: as memory_heals)
	if [[ "${NETHEAL_SANITIZED:-none}" == *address* ]]; then
		skip "resident size not checked under AddressSanitizer: grew $((rss_end - rss_warm)) KiB"
	else
		check "resident size flat after warm-up: grew $((rss_end - rss_warm)) KiB (< 1024)" \
			[ $((rss_end - rss_warm)) -lt 1024 ]
	fi
fi
kill "$CHURN"; wait "$CHURN" 2>/dev/null
check "the foreign link is left alone" link_exists "" churn0
check "netheal is alive" kill -0 "$NH_PID"
if [ "$stuck" = 1 ]; then
	echo "--- status:"; jq -c '.totals' "$C/status.json"
	echo "--- last log lines:"; tail -20 "$LOG"
fi
kill -TERM "$NH_PID"; wait "$NH_PID"
finish
