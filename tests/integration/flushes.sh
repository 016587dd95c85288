#!/bin/bash
# `ip route flush dev X` takes the kernel's prefix route of X's addresses
# with it, and the kernel never puts it back while the address stays: every
# route via a gateway there then fails ("Nexthop has invalid gateway").
# netheal puts the prefix route back (as a device route) before the routes
# that need it. `ip rule flush` removes the kernel's main and default rules:
# a policy that names them gets them back (found by the chaos soak).
# An IPv4 address on loopback has its prefix route in the local table
# (`local 127.0.0.0/8 dev lo`): netheal adds none to main (found by a new
# user's trial: 127.0.0.1/8 on lo got `127.0.0.0/8 dev lo proto netheal`).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

# `ip route flush` dumps and deletes again, up to ten rounds, while routes
# are left: netheal, putting them back within microseconds, is a fight it
# may take several rounds to lose. Damping would end that fight (it is
# tested in blame.sh); here it is set high, and a route via the prefix that
# a later round took away again may fail once before it heals.
expect_heal_failed 'reason="No route to host"'
expect_heal_failed 'reason="Nexthop has invalid gateway"'
C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C" "backoff: { flap_count = 100; };"
policy "$C" p <<'EOP'
links = ( { name = "br0"; kind = "bridge"; addresses = [ "10.1.0.1/24", "2001:db8::1/64" ]; } );
namespaces = ( { name = "s0";
  links = ( { name = "lo"; addresses = [ "127.0.0.1/8", "::1/128", "198.51.100.1/24" ]; },
    { name = "v0"; kind = "veth"; addresses = [ "10.1.0.2/24", "2001:db8::2/64" ];
      peer = { name = "h0"; master = "br0"; }; } );
  routes = ( { to = "default"; via = "10.1.0.1"; }, { to = "2001:db8:ffff::/48"; via = "2001:db8::1"; } );
  rules = ( { priority = 32766; table = 254; }, { priority = 32767; table = 253; } );
} );
EOP
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
bg_started $!
check "built" wait_for 20 has_route s0 "default via 10.1.0.1"
prefix4() { has_route s0 "10.1.0.0/24 dev v0"; }
prefix6() { [ -n "$(ip -n s0 -6 route show 2001:db8::/64 dev v0)" ]; }
routes_back() { prefix4 && prefix6 && has_route s0 "default via 10.1.0.1" &&
	[ -n "$(ip -n s0 -6 route show 2001:db8:ffff::/48)" ]; }
plan_clean() { "$NETHEAL" plan -c "$C/netheal.conf" >/dev/null; }

for i in 1 2 3; do
	ip -n s0 route flush dev v0
	ip -n s0 -6 route flush dev v0
	check "route flush dev v0 ($i): prefix routes and the routes via them are back" wait_for 3 routes_back
done
check "logged as a prefix route" grep -q "object=route:10.1.0.0/24 action=add-route .*prefix route 10.1.0.0/24 dev v0 of address 10.1.0.2/24 missing" "$LOG"
check "plan exits 0" wait_for 3 plan_clean
lo_main() { ip -n s0 -j route show table main dev lo | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
check "no route in main for lo's IPv4 addresses (the kernel's are local routes in table local)" \
	test "$(lo_main)" = 0
check "and none logged as a prefix route of lo" bash -c "! grep -q 'prefix route .* dev lo of address' '$LOG'"
check "lo's local route for 198.51.100.0/24 is the kernel's" \
	bash -c '[ -n "$(ip -n s0 route show table local type local 198.51.100.0/24 dev lo)" ]'

ip -n s0 rule flush
check "rule flush: the main rule is back" wait_for 3 bash -c '[ -n "$(ip -n s0 rule show pref 32766 lookup main)" ]'
ip -n s0 route del default
check "and a route via a gateway heals again" wait_for 3 has_route s0 "default via 10.1.0.1"
check "plan exits 0 after the rule flush" wait_for 3 plan_clean
finish
