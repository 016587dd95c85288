#!/bin/bash
# actions/: every action through nh_action_exec (tests/actions_driver), against
# the real kernel, checked with `ip -j`. Both seed topologies (SPEC §1) built
# by the driver must equal the same topologies built by the seed's commands.
. "$(dirname "$0")/../lib.sh"

D=${NETHEAL_ACTIONS_DRIVER:-}
if [ -z "$D" ] || [ ! -x "$D" ]; then
	echo "NETHEAL_ACTIONS_DRIVER is not set to the actions_driver binary" >&2
	exit 1
fi

# ---- helpers -----------------------------------------------------------------

OUT=$T_DIR/out

# act ARGS...: the driver must succeed.
act() {
	if "$D" "$@" >"$OUT" 2>&1; then
		return 0
	fi
	fail "actions_driver $*: $(cat "$OUT")"
	return 1
}

# act_ok DESCRIPTION ARGS...: succeeds, reported as a check.
act_ok() {
	local what=$1; shift
	if "$D" "$@" >"$OUT" 2>&1; then ok "$what"; else fail "$what: $(cat "$OUT")"; fi
}

# act_err DESCRIPTION PATTERN ARGS...: exits 1 and prints PATTERN (grep -E).
act_err() {
	local what=$1 pat=$2; shift 2
	local rc=0
	"$D" "$@" >"$OUT" 2>&1 || rc=$?
	if [ "$rc" -eq 1 ] && grep -Eq "$pat" "$OUT"; then
		ok "$what ($(cat "$OUT"))"
	else
		fail "$what: exit $rc, expected /$pat/, got: $(cat "$OUT")"
	fi
}

ipn() {
	local ns=$1; shift
	if [ -n "$ns" ]; then ip -n "$ns" "$@"; else ip "$@"; fi
}

# The state of one namespace, normalized: what both builds must agree on.
# Not compared: indexes, random MACs, link-local IPv6, and the routing
# protocol of routes we add (`ip` says boot, netheal says 88: checked apart).
snapshot() {
	local ns=$1
	ipn "$ns" -j -d link show | jq -c '[.[] | {ifname, kind: (.linkinfo.info_kind // null),
		master: (.master // null), up: ((.flags | index("UP")) != null), mtu}] | sort_by(.ifname)'
	ipn "$ns" -j addr show | jq -c '[.[] | .ifname as $n | .addr_info[] | select(.scope != "link") |
		{ifname: $n, family, local, prefixlen, scope, broadcast: (.broadcast // null),
		 tentative: (.tentative // false)}] | sort_by(.ifname, .local)'
	for f in -4 -6; do
		ipn "$ns" -j $f route show table all | jq -c '[.[] | select(.table != "local") |
			select((.dst // "") | startswith("fe80") | not) | select(.dst != "multicast") |
			{dst, gateway: (.gateway // null), dev, scope: (.scope // null), table: (.table // "main"),
			 metric: (.metric // null), kernel: (.protocol == "kernel")}] | sort_by(.dst)'
	done
}

link_field() { ipn "$1" -j -d link show dev "$2" 2>/dev/null | jq -r ".[0]$3"; }
has_link() { ipn "$1" link show dev "$2" >/dev/null 2>&1; }

# Remove what a topology left, so the next build starts from the same place.
teardown() {
	local l
	for l in v-eth1 br1 eth1 eth1-wire; do ip link del "$l" 2>/dev/null; done
	for n in $(ip netns list | awk '{print $1}'); do
		ip -n "$n" link del eth1 2>/dev/null
		ip netns del "$n"
	done
	wait_for 5 bash -c '! ip link show v-eth1 && ! ip link show eth1' ||
		fail "teardown: links left over"
}

# A device netheal did not create, standing in for the seed's eth1 (SPEC §1).
make_eth1() {
	if have_kind ifb; then
		ip link add eth1 type ifb
	else
		ip link add eth1 type veth peer name eth1-wire
	fi
}

# ---- Option 1: a physical interface handed to a namespace --------------------

option1_ip() {
	make_eth1
	ip netns add blue
	ip link set eth1 netns blue
	ip netns exec blue ip addr add 10.1.1.83/24 dev eth1
	# The seed adds the route before `up`; a current kernel refuses that.
	if ip netns exec blue ip route add default via 10.1.1.1 2>"$T_DIR/err"; then
		fail "seed order: route before up was accepted"
	else
		ok "seed order: route before up refused by the kernel ($(cat "$T_DIR/err"))"
	fi
	ip netns exec blue ip link set dev eth1 up
	ip netns exec blue ip route add default via 10.1.1.1
}

# In dependency order, as the diff emits it.
option1_driver() {
	make_eth1
	act create-netns blue &&
	act move-link '' eth1 blue &&
	act add-address blue eth1 10.1.1.83/24 &&
	act_err "route before up: extended-ack text in the reason" "Nexthop has invalid gateway" \
		add-route blue default via 10.1.1.1 &&
	act set-up blue eth1 up &&
	act add-route blue default via 10.1.1.1
}

echo "# Option 1"
option1_ip
want_host=$(snapshot "")
want_blue=$(snapshot blue)
teardown
option1_driver
check_eq "option 1: host equals the seed's" "$want_host" "$(snapshot "")"
check_eq "option 1: blue equals the seed's" "$want_blue" "$(snapshot blue)"
check "option 1: eth1 left the host" bash -c '! ip link show eth1 2>/dev/null'
proto=$(ip -n blue -j route show default | jq -r '.[0].protocol')
check "option 1: default route carries proto 88 (got $proto)" \
	test "$proto" = 88 -o "$proto" = netheal
teardown

# ---- Option 2: a host bridge shared with the namespace through a veth pair ---

option2_ip() {
	ip link add eth1 type veth peer name eth1-wire
	ip link add br1 type bridge
	ip link set eth1 master br1
	ip addr add 10.1.1.51/24 dev br1
	ip link set br1 up
	ip link set eth1 up
	ip link add v-eth1 type veth peer name v-peer1
	ip link set v-eth1 master br1
	ip link set v-eth1 up
	ip netns add blue
	ip link set v-peer1 netns blue
	ip netns exec blue ip addr add 10.1.1.100/24 dev v-peer1
	ip netns exec blue ip link set v-peer1 up
	ip netns exec blue ip route add default via 10.1.1.51
	ip netns exec blue ip link set lo up
}

option2_driver() {
	ip link add eth1 type veth peer name eth1-wire
	act create-netns blue &&
	act create-link bridge br1 &&
	act set-master '' eth1 br1 &&
	act set-up '' br1 up &&
	act set-up '' eth1 up &&
	act add-address '' br1 10.1.1.51/24 &&
	act create-link veth v-peer1 --netns blue --peer v-eth1 --peer-netns '' &&
	act set-master '' v-eth1 br1 &&
	act set-up '' v-eth1 up &&
	act set-up blue lo up &&
	act set-up blue v-peer1 up &&
	act add-address blue v-peer1 10.1.1.100/24 &&
	act add-route blue default via 10.1.1.51
}

echo "# Option 2"
option2_ip
want_host=$(snapshot "")
want_blue=$(snapshot blue)
teardown
option2_driver
check_eq "option 2: host equals the seed's" "$want_host" "$(snapshot "")"
check_eq "option 2: blue equals the seed's" "$want_blue" "$(snapshot blue)"
check_eq "option 2: v-peer1's peer is v-eth1 in the host" "v-eth1" \
	"$(ip -j link show | jq -r --argjson i "$(link_field blue v-peer1 .link_index)" '.[] | select(.ifindex == $i) | .ifname')"
proto=$(ip -n blue -j route show default | jq -r '.[0].protocol')
check "option 2: default route carries proto 88 (got $proto)" \
	test "$proto" = 88 -o "$proto" = netheal

# ---- IPv6: usable at once -----------------------------------------------------

echo "# IPv6"
act_ok "add an IPv6 address" add-address blue v-peer1 2001:db8:1::100/64
tent=$(ip -n blue -j addr show dev v-peer1 | jq -r '.[0].addr_info[] | select(.local == "2001:db8:1::100") | (.tentative // false)')
check_eq "IPv6 address not tentative right after add" false "$tent"
ip -n blue addr add 2001:db8:1::200/64 dev v-peer1
tent=$(ip -n blue -j addr show dev v-peer1 | jq -r '.[0].addr_info[] | select(.local == "2001:db8:1::200") | (.tentative // false)')
check_eq "(control: the same add by ip without nodad is tentative)" true "$tent"
act_ok "IPv6 route via a gateway in that prefix, right after" \
	add-route blue 2001:db8:2::/64 via 2001:db8:1::1 metric 50 table 1000
r=$(ip -n blue -j -6 route show table 1000 | jq -c '.[0] | {dst, gateway, dev, metric, protocol}')
check_eq "IPv6 route in table 1000 (RTA_TABLE) with metric" \
	'{"dst":"2001:db8:2::/64","gateway":"2001:db8:1::1","dev":"v-peer1","metric":50,"protocol":"88"}' \
	"$(echo "$r" | sed 's/"netheal"/"88"/')"
act_ok "IPv6 default route" add-route blue default via 2001:db8:1::1
check_eq "IPv6 default route present" "2001:db8:1::1" \
	"$(ip -n blue -j -6 route show default | jq -r '.[0].gateway')"
act_ok "IPv4 device route, metric, table 100" add-route blue 198.51.100.0/24 dev v-peer1 metric 10 table 100
check_eq "IPv4 device route is scope link in table 100" \
	'{"dst":"198.51.100.0/24","dev":"v-peer1","scope":"link","metric":10}' \
	"$(ip -n blue -j route show table 100 | jq -c '.[0] | {dst, dev, scope, metric}')"

# ---- idempotency and clear errors --------------------------------------------

echo "# idempotency"
act_err "creating an existing link: EEXIST" "errno=EEXIST" \
	create-link veth v-peer1 --netns blue --peer v-eth1 --peer-netns ''
act_err "adding an existing address: EEXIST" "errno=EEXIST" add-address blue v-peer1 10.1.1.100/24
act_err "adding an existing route: EEXIST" "errno=EEXIST" add-route blue default via 10.1.1.51
act_err "a second create-netns of an existing namespace: EEXIST" "errno=EEXIST" create-netns blue
act_ok "deleting a missing link succeeds" delete-link '' no-such-link
act_ok "deleting in a missing namespace succeeds" delete-link gone v-x
act_err "a name taken by an unrelated link (a bridge)" "errno=EEXIST" \
	create-link veth br1 --peer v-new --peer-netns ''
act_err "a veth whose peer name is taken" "errno=EEXIST" \
	create-link veth v-new --peer eth1 --peer-netns ''
act_err "a link in a missing namespace" "namespace nope does not exist" \
	create-link bridge br-x --netns nope
act_err "a route with an unreachable gateway" "Nexthop has invalid gateway" \
	add-route blue 203.0.113.0/24 via 10.9.9.9
act_err "a master that does not exist" "master br-none not found" set-master '' v-eth1 br-none
act_err "physical links are moved, not created" "errno=EOPNOTSUPP" create-link physical p0
act_err "report actions are not executed" "errno=EOPNOTSUPP" report blue v-peer1
act_ok "deleting one end of a veth" delete-link '' v-eth1
check "both ends are gone" bash -c '! ip link show v-eth1 2>/dev/null && ! ip -n blue link show v-peer1 2>/dev/null'
act_ok "deleting it again succeeds" delete-link '' v-eth1
teardown

# ---- the other link settings --------------------------------------------------

echo "# link settings"
ip netns add red
ip link add s0 type veth peer name s0-wire
act_ok "set-mtu" set-mtu '' s0 1400
act_ok "set-mac" set-mac '' s0 02:00:00:00:00:21
act_ok "set-up up" set-up '' s0 up
check_eq "mtu, mac and up as set" '1400 02:00:00:00:00:21 true' \
	"$(link_field "" s0 '| "\(.mtu) \(.address) \((.flags | index("UP")) != null)"')"
act_ok "set-up down" set-up '' s0 down
check_eq "down as set" false "$(link_field "" s0 '| ((.flags | index("UP")) != null)')"
ip link add brs type bridge
act_ok "set-master" set-master '' s0 brs
check_eq "enslaved" brs "$(link_field "" s0 .master)"
act_ok "set-master '' (nomaster)" set-master '' s0 ''
check_eq "released" null "$(link_field "" s0 .master)"
act_ok "move-link with a new name" move-link '' s0 red --as s-moved
check "moved: gone from the host, in red under the policy name" \
	bash -c '! ip link show s0 2>/dev/null && ip -n red link show s-moved >/dev/null'
act_ok "rename-link" rename-link red s-moved s-renamed
check "renamed" has_link red s-renamed
act_err "move of a missing link" "link nothere not found in the host" move-link '' nothere red
ip link del brs
teardown

# ---- every link kind this kernel has ------------------------------------------

echo "# link kinds"
act create-netns red
act create-netns blue
act_ok "bridge with mtu and mac" create-link bridge br9 --netns red --mtu 1400 --mac 02:00:00:00:00:09
check_eq "bridge: kind, mtu, mac, created down" 'bridge 1400 02:00:00:00:00:09 false' \
	"$(link_field red br9 '| "\(.linkinfo.info_kind) \(.mtu) \(.address) \((.flags | index("UP")) != null)"')"

act_ok "veth between two named namespaces, both ends' mtu and mac" \
	create-link veth va --netns red --peer vb --peer-netns blue \
	--mtu 1450 --mac 02:00:00:00:00:0a --peer-mtu 1460 --peer-mac 02:00:00:00:00:0b
check_eq "veth: this end" 'veth 1450 02:00:00:00:00:0a' \
	"$(link_field red va '| "\(.linkinfo.info_kind) \(.mtu) \(.address)"')"
check_eq "veth: the peer, made directly in its namespace" 'veth 1460 02:00:00:00:00:0b' \
	"$(link_field blue vb '| "\(.linkinfo.info_kind) \(.mtu) \(.address)"')"
check "veth: nothing passed through the host" bash -c '! ip link show va 2>/dev/null && ! ip link show vb 2>/dev/null'

ip link add mvparent type veth peer name mvparent-wire
if have_kind macvlan; then
	act_ok "macvlan on a host parent, moved in the same request" \
		create-link macvlan mv0 --netns red --parent mvparent --mode private
	check_eq "macvlan: kind, mode" 'macvlan private' \
		"$(link_field red mv0 '| "\(.linkinfo.info_kind) \(.linkinfo.info_data.mode)"')"
	check "macvlan: not left in the host" bash -c '! ip link show mv0 2>/dev/null'
	act_ok "macvlan without a mode" create-link macvlan mv1 --netns red --parent mvparent
	check_eq "macvlan: default mode is bridge (the policy's default)" bridge \
		"$(link_field red mv1 .linkinfo.info_data.mode)"
	act_err "macvlan with a missing parent" "errno=ENODEV.*parent nosuch not found in the host" \
		create-link macvlan mv2 --netns red --parent nosuch
else
	skip "macvlan: this kernel has no macvlan"
fi

if have_kind vxlan; then
	act_ok "vxlan, IPv4" create-link vxlan vx4 --netns red --id 42 --port 4789 --remote 192.0.2.1 --local 192.0.2.2
	check_eq "vxlan: id, port, remote, local" '42 4789 192.0.2.1 192.0.2.2' \
		"$(link_field red vx4 '.linkinfo.info_data | "\(.id) \(.port) \(.remote) \(.local)"')"
	act_ok "vxlan, IPv6" create-link vxlan vx6 --netns red --id 43 --port 4790 --remote 2001:db8::1 --local 2001:db8::2
	check_eq "vxlan: IPv6 remote and local" '43 4790 2001:db8::1 2001:db8::2' \
		"$(link_field red vx6 '.linkinfo.info_data | "\(.id) \(.port) \(.remote6) \(.local6)"')"
	act_ok "vxlan without a port" create-link vxlan vx7 --netns red --id 44
	check_eq "vxlan: the kernel's default port" 8472 "$(link_field red vx7 .linkinfo.info_data.port)"
else
	skip "vxlan: this kernel has no vxlan"
fi

if have_kind vlan; then
	act_ok "vlan on a host parent, moved in the same request" \
		create-link vlan vl5 --netns red --parent mvparent --id 5
	check_eq "vlan: kind, id" 'vlan 5' "$(link_field red vl5 '| "\(.linkinfo.info_kind) \(.linkinfo.info_data.id)"')"
else
	skip "vlan: this kernel has no 802.1Q support"
	act_err "vlan: the kernel's answer is passed on" "errno=EOPNOTSUPP" \
		create-link vlan vl5 --netns red --parent mvparent --id 5
fi

if have_kind dummy; then
	act_ok "dummy" create-link dummy d0 --netns red --mtu 1300
	check_eq "dummy: kind, mtu" 'dummy 1300' "$(link_field red d0 '| "\(.linkinfo.info_kind) \(.mtu)"')"
else
	skip "dummy: this kernel has no dummy"
fi
ip link del mvparent
teardown

# ---- a create-netns racing `ip netns add` of the same name --------------------

echo "# namespace race"
start_at=(1 5 10 15 20)
for round in 1 2 3 4 5; do
	dpid=
	# The driver starts first, in the middle or last among the 20 `ip`s.
	pids=()
	for i in $(seq 20); do
		if [ "$i" -eq "${start_at[round - 1]}" ]; then
			"$D" create-netns race >"$T_DIR/race" 2>&1 &
			dpid=$!
		fi
		ip netns add race 2>/dev/null &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	rc=0
	wait "$dpid" || rc=$?
	if [ "$rc" -eq 0 ] || { [ "$rc" -eq 1 ] && grep -q "errno=EEXIST" "$T_DIR/race"; }; then
		ok "round $round: create-netns survived the race ($(cat "$T_DIR/race"))"
	else
		fail "round $round: create-netns exit $rc: $(cat "$T_DIR/race")"
	fi
	check_eq "round $round: ip netns list shows it once" 1 "$(ip netns list | grep -c '^race\b')"
	check_eq "round $round: mounted exactly once" 1 "$(grep -c ' /run/netns/race ' /proc/self/mountinfo)"
	check_eq "round $round: it is a namespace" nsfs "$(stat -f -c %T /run/netns/race)"
	ip netns del race
done

# A file someone else created and mounts a little later: EEXIST once it is a
# namespace. A file that never becomes one: a clear error, and left alone.
: >/run/netns/late
( sleep 0.05; unshare --net mount --bind /proc/self/ns/net /run/netns/late ) &
act_err "a file that becomes a namespace during the wait: EEXIST" "errno=EEXIST" create-netns late
wait
check_eq "it is the other tool's namespace, mounted once" 1 "$(grep -c ' /run/netns/late ' /proc/self/mountinfo)"
ip netns del late
: >/run/netns/stale
act_err "a plain file that never becomes a namespace" "errno=EBUSY.*not a network namespace" create-netns stale
check "the plain file is left alone" test -f /run/netns/stale
rm -f /run/netns/stale
act_err "a bad namespace name" "errno=EINVAL" create-netns ../etc

finish
