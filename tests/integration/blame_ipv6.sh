#!/bin/bash
# SPEC §5.4, flap damping blames the cause, for IPv6: RTM_DELADDR for an
# IPv6 address names no requester (port 0, whoever asked). A link set
# down makes the kernel remove its IPv6 addresses, its link-local last:
# those heals are the kernel's (actor=kernel, never counted), and so
# when IPv6 is turned off and on again on a link that stays up
# (disable_ipv6: every route on it goes first, the policy's too, then its
# addresses, the link-local last). Once the
# link is up again with its link-local back, a process that deletes the
# address again and again is a fight, damped, even within the second
# after the flush: the link-local went before its removals, not after;
# and when it sets the link down right after a deletion, read in one
# batch with it, since the down came after the removal.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
A=2001:db8:6::2/64
write_conf "$C" 'backoff: { flap_count = 3; flap_window = 60; initial_ms = 8000; max_ms = 60000; };'
policy "$C" plum <<'EOP'
namespaces = ( { name = "plum"; links = ( { name = "lo"; },
    { name = "vp"; kind = "veth"; addresses = [ "2001:db8:6::2/64" ]; peer = { name = "vp-h"; }; } );
  routes = ( { to = "2001:db8:66::/64"; via = "2001:db8:6::1"; } ); } );
EOP
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
link_local() { ip -n plum -6 -o addr show dev vp scope link | grep -q fe80; }
route_back() { [ -n "$(ip -n plum -6 route show 2001:db8:66::/64 2>/dev/null)" ]; }
# kernel_heals: the address's heals that say actor=kernel, so far
kernel_heals() { grep -ac "event=healed netns=plum link=vp object=address:$A .*actor=kernel" "$LOG"; }
more_kernel_heals() { [ "$(kernel_heals)" -gt "$1" ]; }
check "plum is built" wait_for 10 has_addr plum vp "$A"
check "with its route" wait_for 5 route_back
check "vp has its link-local address" wait_for 5 link_local

ip -n plum link set vp down
check "vp set down: up again" wait_for 5 link_up plum vp
check "its address is back" wait_for 5 has_addr plum vp "$A"
check "its link-local is back" wait_for 5 link_local
check "the address's heal says actor=kernel" wait_for 2 more_kernel_heals 0

k=$(kernel_heals)
v6_conf() { ip netns exec plum sysctl -qw "net.ipv6.conf.vp.disable_ipv6=$1"; }
v6_conf 1; v6_conf 0
check "IPv6 off and on again on vp: its address is back" wait_for 5 has_addr plum vp "$A"
check "and its heal says actor=kernel" wait_for 2 more_kernel_heals "$k"
check "its route is back" wait_for 5 route_back
check "its link-local is back" wait_for 5 link_local

k=$(kernel_heals)
t0=$(date +%s%N)
ip -n plum link set vp down
check "vp set down again: up again" wait_for 5 link_up plum vp
check "its address is back" wait_for 5 has_addr plum vp "$A"
check "its link-local is back" wait_for 5 link_local
# the flap's own heal is logged before the fight begins
check "the address's heal says actor=kernel again" wait_for 2 more_kernel_heals "$k"
since=$(( $(wc -l <"$LOG") + 1 ))
for i in 1 2 3; do
	ip -n plum addr del "$A" dev vp
	check "deletion $i: back at once" wait_for 2 has_addr plum vp "$A"
done
# (within a second of the flush, as a process fighting a flap would;
# a loaded machine may take longer, and the checks below hold either way)
echo "# the flap and the three deletions took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
check "a process deleting the address right after a flap is damped (flapping)" \
	wait_for 3 grep -aq "event=flapping netns=plum link=vp object=address:$A" "$LOG"
check "and no record of that fight blames the kernel" bash -c \
	"! tail -n +$since '$LOG' | grep -a 'object=address:$A' | grep -q 'actor=kernel'"

# damped now: the process deletes it and sets vp down while netheal is
# busy (stopped), so both are read in one batch. vp was up at the
# removal: the down, and its flush, came after it. The process's: waits.
kill -STOP "$NH_PID"
ip -n plum addr del "$A" dev vp
ip -n plum link set vp down
sleep 0.05
kill -CONT "$NH_PID"
check "deleted, then vp set down, read together: vp up again" wait_for 5 link_up plum vp
sleep 1.5
addr_gone() { ! has_addr plum vp "$A"; }
check "the address waits: the process's deletion, damped" addr_gone
finish
