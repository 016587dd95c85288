#!/bin/bash
# Issue 10 item 7, SPEC §3.1 route `replace`: another tool moves a policy
# route to another device (`ip route replace ... dev loop2` over a policy
# route on loop1). By default a conflict, left alone; with replace = true,
# netheal puts its own route back (NLM_F_REPLACE). Checked with ip -j.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
policy "$C" replace <<'EOP'
namespaces = ( { name = "rr";
  links = ( { name = "lo"; },
    { name = "loop1"; kind = "veth"; addresses = [ "10.1.24.1/24", "2001:db8:24::1/64" ]; peer = { name = "loop1-h"; }; },
    { name = "loop2"; kind = "veth"; addresses = [ "10.1.25.1/24", "2001:db8:25::1/64" ]; peer = { name = "loop2-h"; }; } );
  routes = (
    { to = "198.51.100.0/24"; via = "10.1.24.77"; dev = "loop1"; },
    { to = "203.0.113.0/24"; via = "10.1.24.77"; dev = "loop1"; replace = true; },
    { to = "2001:db8:77::/48"; via = "2001:db8:24::77"; dev = "loop1"; replace = true; metric = 10; }
  );
} );
EOP
# route_is DST GATEWAY DEV: the one route to DST (main table) is this one
route_is() {
	local j
	j=$(ip -n rr -j route show table main exact "$1" 2>/dev/null) || return 1
	jq -e --arg g "$2" --arg d "$3" 'length == 1 and .[0].gateway == $g and .[0].dev == $d' >/dev/null <<<"$j"
}
route6_is() {
	local j
	j=$(ip -n rr -j -6 route show table main exact "$1" 2>/dev/null) || return 1
	jq -e --arg g "$2" --arg d "$3" 'length == 1 and .[0].gateway == $g and .[0].dev == $d' >/dev/null <<<"$j"
}

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
bg_started $!
check "rr built" wait_for 20 eval 'route_is 198.51.100.0/24 10.1.24.77 loop1 && route_is 203.0.113.0/24 10.1.24.77 loop1 &&
	route6_is 2001:db8:77::/48 2001:db8:24::77 loop1'

# the default: someone else's route of the same key is a conflict, left alone
ip -n rr route replace 198.51.100.0/24 via 10.1.25.77 dev loop2
check "without replace: a conflict is logged" wait_for 2 grep -q \
	"event=conflict netns=rr .*object=route:198.51.100.0/24" "$LOG"
sleep 0.2
check "without replace: the other route stays" route_is 198.51.100.0/24 10.1.25.77 loop2

# replace = true: the policy's route comes back, in place of the other
ip -n rr route replace 203.0.113.0/24 via 10.1.25.77 dev loop2
check "with replace = true: the policy's route is back on loop1" wait_for 2 route_is 203.0.113.0/24 10.1.24.77 loop1
check "logged as replace-route" wait_for 2 grep -q \
	"event=healed netns=rr .*object=route:203.0.113.0/24 action=replace-route" "$LOG"
check "it carries proto netheal" test "$(ip -n rr -j route show exact 203.0.113.0/24 | jq -r '.[0].protocol')" = 88 -o \
	"$(ip -n rr -j route show exact 203.0.113.0/24 | jq -r '.[0].protocol')" = netheal
ip -n rr -6 route replace 2001:db8:77::/48 via 2001:db8:25::77 dev loop2 metric 10
check "IPv6 too" wait_for 2 route6_is 2001:db8:77::/48 2001:db8:24::77 loop1
check "no conflict was logged for the routes with replace" bash -c \
	"! grep -q 'event=conflict netns=rr .*object=route:\(203.0.113.0/24\|2001:db8:77::/48\)' '$LOG'"

"$NETHEAL" plan -c "$C/netheal.conf" >"$T_DIR/plan.out"; rc=$?
check_eq "plan: the conflict is the one drift" 2 "$rc"
check "plan shows it as a conflict" grep -q "route 198.51.100.0/24 is via 10.1.25.77 dev loop2, policy wants via 10.1.24.77 dev loop1 -> conflict" "$T_DIR/plan.out"
check "and says what to do about it" grep -q "^1 conflict: netheal leaves what it does not own; remove it, or set replace = true" "$T_DIR/plan.out"
check "no heal-failed" bash -c "! grep -q event=heal-failed '$LOG'"
finish
