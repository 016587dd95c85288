#!/bin/bash
# QA: netheal run heals routes beyond the seed's default route: a route with
# `dev` only, IPv6 addresses and a v6 default route via a v6 gateway, routes
# with a metric and in non-main tables (below and above 255).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
policy "$C" routes <<'EOP'
links = ( { name = "br2"; kind = "bridge"; addresses = [ "10.1.2.1/24", "2001:db8:2::1/64" ]; } );
namespaces = (
  { name = "r1";
    links = ( { name = "lo"; },
      { name = "va"; kind = "veth"; addresses = [ "10.1.2.10/24", "2001:db8:2::10/64" ];
        peer = { name = "va-h"; master = "br2"; }; } );
    routes = ( { to = "default"; via = "10.1.2.1"; },
               { to = "default"; via = "2001:db8:2::1"; },
               { to = "198.51.100.0/24"; dev = "va"; },
               { to = "2001:db8:77::/48"; dev = "va"; },
               { to = "203.0.113.0/24"; via = "10.1.2.1"; table = 100; },
               { to = "192.0.2.0/24"; via = "10.1.2.1"; metric = 50; },
               { to = "2001:db8:99::/48"; via = "2001:db8:2::1"; metric = 7; table = 1000; } );
  }
);
EOP

# route_is NS FAMILY TABLE DST GATEWAY DEV METRIC: exactly this route is there
route_is() {
	local j
	j=$(ip -n "$1" -j "$2" route show table "$3") || return 1
	jq -e --arg d "$4" --arg g "$5" --arg v "$6" --argjson m "$7" \
		'[.[] | select(.dst == $d and (.gateway // "-") == $g and .dev == $v and (.metric // 0) == $m)] | length == 1' >/dev/null <<<"$j"
}

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
bg_started $!
check "r1 built" wait_for 5 route_is r1 -4 main default 10.1.2.1 va 0

heal() {
	local what=$1; shift
	local del=$1; shift
	eval "$del"
	if wait_for 3 route_is "$@"; then ok "healed: $what"; else fail "healed: $what"; fi
}
heal "IPv4 route with dev only" "ip -n r1 route del 198.51.100.0/24" \
	r1 -4 main 198.51.100.0/24 - va 0
heal "IPv6 route with dev only" "ip -n r1 -6 route del 2001:db8:77::/48" \
	r1 -6 main 2001:db8:77::/48 - va 1024
heal "IPv6 default route via a v6 gateway" "ip -n r1 -6 route del default" \
	r1 -6 main default 2001:db8:2::1 va 1024
heal "IPv4 route in table 100" "ip -n r1 route del 203.0.113.0/24 table 100" \
	r1 -4 100 203.0.113.0/24 10.1.2.1 va 0
heal "IPv4 route with metric 50" "ip -n r1 route del 192.0.2.0/24 metric 50" \
	r1 -4 main 192.0.2.0/24 10.1.2.1 va 50
heal "IPv6 route, metric 7, table 1000" "ip -n r1 -6 route del 2001:db8:99::/48 table 1000 metric 7" \
	r1 -6 1000 2001:db8:99::/48 2001:db8:2::1 va 7
ip -n r1 addr del 2001:db8:2::10/64 dev va
check "IPv6 address healed" wait_for 3 has_addr r1 va 2001:db8:2::10/64
check "no heal failed" bash -c "! grep -q event=heal-failed '$LOG'"
"$NETHEAL" plan -c "$C/netheal.conf" >/dev/null; rc=$?
check_eq "no drift left" 0 "$rc"
finish
