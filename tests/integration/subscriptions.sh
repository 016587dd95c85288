#!/bin/bash
# Optional event groups (issue 11): netheal subscribes to neighbour and
# netconf events only while its policy names a neighbour or a sysctl (each
# costs a wake-up per ARP/ND or settings change in every namespace). A
# reload that adds them subscribes and reads every namespace again, and
# from then on their changes heal within milliseconds; one that drops them
# leaves those groups again. Checked with ip -j and /proc/sys, and the
# group bits of netheal's socket in /proc/net/netlink. Neighbours are also
# read (RTM_GETNEIGH dumps, seen with strace) only while one is wanted: the
# kernel walks every namespace's neighbours for each such dump.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
policy "$C" sub <<'EOP'
namespaces = ( { name = "sub";
  links = ( { name = "lo"; },
    { name = "vs"; kind = "veth"; addresses = [ "10.1.26.1/24" ]; peer = { name = "vs-h"; }; } ); } );
EOP
with_objects() {
	policy "$C" sub <<'EOP'
namespaces = ( { name = "sub";
  links = ( { name = "lo"; },
    { name = "vs"; kind = "veth"; addresses = [ "10.1.26.1/24" ]; peer = { name = "vs-h"; }; } );
  neighbours = ( { address = "10.1.26.9"; lladdr = "02:00:00:00:26:09"; dev = "vs"; } );
  sysctl = [ "net.ipv4.ip_forward=1" ]; } );
EOP
}
neigh_is() {
	ip -n sub -j neigh show 10.1.26.9 dev vs 2>/dev/null |
		jq -e --arg l "$1" '.[0].lladdr == $l and (.[0].state | index("PERMANENT"))' >/dev/null
}
forward_is() { [ "$(ip netns exec sub cat /proc/sys/net/ipv4/ip_forward)" = "$1" ]; }
# The groups (mask of groups 1-32 in /proc/net/netlink, which lists the
# sandbox's sockets) of the one subscribed rtnetlink socket here: netheal's
# event socket.
groups_of() {
	awk '$2 == 0 && $4 != "00000000" { print $4 }' /proc/net/netlink
}
has_group() {   # has_group GROUP (RTNLGRP_*, 1-based)
	local g
	g=$(groups_of)
	[ "$(wc -w <<<"$g")" = 1 ] && (( (16#$g >> ($1 - 1)) & 1 ))
}
lacks_group() {
	local g
	g=$(groups_of)
	[ "$(wc -w <<<"$g")" = 1 ] && ! (( (16#$g >> ($1 - 1)) & 1 ))
}
RTNLGRP_NEIGH=3
RTNLGRP_IPV4_NETCONF=24
# count TYPE FILE: the requests of that type an strace log shows sent (by
# name where strace knows the socket for rtnetlink, by number where it
# cannot, as for a socket opened in another namespace)
declare -A NUM=([RTM_GETLINK]=0x12 [RTM_GETNEIGH]=0x1e)
count() { grep -cE "^[0-9]+ +send.*nlmsg_type=($1|${NUM[$1]})\b" "$2"; }
SPID=
trace_start() { strace -f -qq -s 64 -e trace=sendto,sendmsg -p "$NH_PID" -o "$T_DIR/$1.strace" & SPID=$!; sleep 0.5; }
trace_stop() { sleep 0.2; kill "$SPID"; wait "$SPID" 2>/dev/null; }

strace -f -qq -s 64 -e trace=sendto,sendmsg -o "$T_DIR/plan.strace" "$NETHEAL" plan -c "$C/netheal.conf" >/dev/null
check "plan reads the links ($(count RTM_GETLINK "$T_DIR/plan.strace") dumps)" \
	test "$(count RTM_GETLINK "$T_DIR/plan.strace")" -gt 0
check "plan reads no neighbours without neighbours in the policy" \
	test "$(count RTM_GETNEIGH "$T_DIR/plan.strace")" = 0

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "sub is built" wait_for 20 has_addr sub vs 10.1.26.1/24
check "no neighbour events without neighbours in the policy" lacks_group $RTNLGRP_NEIGH
check "no netconf events without sysctls in the policy" lacks_group $RTNLGRP_IPV4_NETCONF
check "the link group is there" has_group 1

# a permanent entry of another lladdr and ip_forward 0 before the reload
ip -n sub neigh replace 10.1.26.9 lladdr 02:00:00:00:26:aa dev vs nud permanent
ip netns exec sub sysctl -qw net.ipv4.ip_forward=0
with_objects
trace_start with
kill -HUP "$NH_PID"
check "the reload subscribes to neighbour events" wait_for 5 has_group $RTNLGRP_NEIGH
check "and to netconf events" has_group $RTNLGRP_IPV4_NETCONF
check "the neighbour read again is put right" wait_for 5 neigh_is 02:00:00:00:26:09
trace_stop
check "and it was read: $(count RTM_GETNEIGH "$T_DIR/with.strace") neighbour dumps" \
	test "$(count RTM_GETNEIGH "$T_DIR/with.strace")" -gt 0
check "the sysctl is set" wait_for 5 forward_is 1
ip -n sub neigh del 10.1.26.9 dev vs
check "a deleted neighbour heals from its event" wait_for 1 neigh_is 02:00:00:00:26:09
ip netns exec sub sysctl -qw net.ipv4.ip_forward=0
check "ip_forward heals from its event" wait_for 1 forward_is 1

# dropping them again leaves the groups
policy "$C" sub <<'EOP'
namespaces = ( { name = "sub";
  links = ( { name = "lo"; },
    { name = "vs"; kind = "veth"; addresses = [ "10.1.26.1/24" ]; peer = { name = "vs-h"; }; } ); } );
EOP
kill -HUP "$NH_PID"
check "a reload without them leaves neighbour events" wait_for 5 lacks_group $RTNLGRP_NEIGH
check "and netconf events" lacks_group $RTNLGRP_IPV4_NETCONF
trace_start without
ip netns del sub
check "a deleted namespace is built again" wait_for 10 has_addr sub vs 10.1.26.1/24
trace_stop
check "and read again ($(count RTM_GETLINK "$T_DIR/without.strace") link dumps)" \
	test "$(count RTM_GETLINK "$T_DIR/without.strace")" -gt 0
check "without reading neighbours" test "$(count RTM_GETNEIGH "$T_DIR/without.strace")" = 0
check "netheal is alive" kill -0 "$NH_PID"
finish
