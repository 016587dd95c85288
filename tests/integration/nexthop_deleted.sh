#!/bin/bash
# A policy route that another tool replaced by one over a nexthop object
# (`ip route replace default nhid 5`, as FRR does) dies with that object
# (`ip nexthop del id 5`). For IPv4 the kernel announces only the nexthop's
# deletion (RTM_DELNEXTHOP), not the route's: netheal kept the route as
# present, status said converged, and there was no default route until a
# resync. Now the route is put back. And a group that loses a member
# changes the routes over it without a route event either: the namespace is
# read again. Checked with ip -j.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
policy "$C" nh <<'EOP'
namespaces = ( { name = "nh";
  links = ( { name = "lo"; }, { name = "br"; kind = "bridge"; addresses = [ "10.1.3.1/24", "2001:db8:3::1/64" ]; } );
  routes = (
    { to = "default"; via = "10.1.3.2"; },
    { to = "2001:db8:77::/64"; via = "2001:db8:3::2"; },
    { to = "198.51.100.0/24"; via = "10.1.3.2"; replace = true; }
  );
} );
EOP
# nexthop objects: Linux 5.3 and iproute2 5.4 on
ip link add nh-probe type ifb && ip link set nh-probe up
if ! ip nexthop add id 1 dev nh-probe 2>/dev/null; then
	ip link del nh-probe
	echo "SKIP: no nexthop objects here (kernel or ip too old)"
	exit 77
fi
ip nexthop del id 1; ip link del nh-probe
# gw_of DST: the gateway of the one main-table route to DST, "none", or "n=N"
gw_of() {
	local f=-4
	[[ "$1" == *:* ]] && f=-6
	ip $f -n nh -j route show table main exact "$1" | jq -r 'if length == 1 then .[0].gateway // "none" else "n=\(length)" end'
}

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
bg_started $!
check "nh built" wait_for 20 eval '[ "$(gw_of default)" = 10.1.3.2 ] && [ "$(gw_of 2001:db8:77::/64)" = 2001:db8:3::2 ]'
# wait for IPv6 DAD so the IPv6 gateway is usable
wait_for 5 eval '! ip -n nh -j addr show dev br | jq -e ".[0].addr_info[] | select(.tentative)" >/dev/null' || true

ip -n nh nexthop add id 5 via 10.1.3.2 dev br
ip -n nh route replace default nhid 5
check "the route over nexthop 5 stands" eval '[ "$(ip -n nh -j route show table main exact default | jq -r ".[0].nhid")" = 5 ]'
sleep 0.3
ip -n nh nexthop del id 5
check "the policy's default route is back" wait_for 10 eval '[ "$(gw_of default)" = 10.1.3.2 ]'
check_eq "without a nexthop object" null "$(ip -n nh -j route show table main exact default | jq -r '.[0].nhid')"

# IPv6: the kernel announces the route's deletion itself; healed the same
ip -n nh nexthop add id 6 via 2001:db8:3::2 dev br
ip -n nh route replace 2001:db8:77::/64 nhid 6
sleep 0.3
ip -n nh nexthop del id 6
check "an IPv6 route over a deleted nexthop is back" wait_for 10 eval '[ "$(gw_of 2001:db8:77::/64)" = 2001:db8:3::2 ]'
check "the log says the routes were healed" grep -q 'event=healed netns=nh .*object=route:default' "$LOG"

# a group loses the member with the policy's gateway: the kernel changes the
# group (RTM_NEWNEXTHOP) and, with it, the route's nexthops, without a route
# event; netheal reads the namespace again and replaces the route
ip -n nh nexthop add id 1 via 10.1.3.2 dev br
ip -n nh nexthop add id 2 via 10.1.3.3 dev br
ip -n nh nexthop add id 10 group 1/2
ip -n nh route replace 198.51.100.0/24 nhid 10
sleep 0.3
ip -n nh nexthop del id 1
check "a route whose group lost the policy's gateway is replaced" \
	wait_for 10 eval '[ "$(gw_of 198.51.100.0/24)" = 10.1.3.2 ]'
check "said as a re-read for the nexthop" grep -q 'event=resync netns=nh .*reason=nexthop' "$LOG"
ip -n nh nexthop flush
finish
