#!/bin/bash
# netheal plan / apply against the real kernel (issue 4): both seed
# topologies, every drift kind, foreign objects, conflicts, clear errors.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
write_conf "$C"

# ---- Option 2, built by apply, equals the seed's commands -------------------
make_eth1
option2_policy | policy "$C" option2

out=$("$NETHEAL" plan -c "$C/netheal.conf"); rc=$?
check_eq "plan on an empty system finds drift (exit 2)" 2 "$rc"
check "plan names the namespace to create" grep -q "netns:blue" <<<"$out"

out=$("$NETHEAL" apply -c "$C/netheal.conf" 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
check_eq "apply of Option 2 converges (exit 0)" 0 "$rc"
check "veth peer v-eth1 is in br1" test "$(link_master "" v-eth1)" = br1
check "eth1 is in br1" test "$(link_master "" eth1)" = br1
check "v-peer1 is up in blue" link_up blue v-peer1
check "lo is up in blue" link_up blue lo
check "10.1.1.100/24 on v-peer1" has_addr blue v-peer1 10.1.1.100/24
check "10.1.1.51/24 on br1" has_addr "" br1 10.1.1.51/24
check "default route via 10.1.1.51 in blue" has_route blue "default via 10.1.1.51"
check_eq "netheal's routes carry its protocol number" 88 "$(route_proto blue default | sed 's/netheal/88/')"
check "ip netns list shows blue" grep -qw blue <<<"$(ip netns list)"

host_nh=$(ns_view ""); blue_nh=$(ns_view blue)

out=$("$NETHEAL" apply -c "$C/netheal.conf" 2>&1); rc=$?
check_eq "a second apply exits 0" 0 "$rc"
check "a second apply changes nothing" test "$(grep -c '^ok' <<<"$out")" = 0
"$NETHEAL" plan -c "$C/netheal.conf" >/dev/null; rc=$?
check_eq "plan after apply exits 0" 0 "$rc"

# Tear down and build the same with the seed's commands.
ip netns del blue; ip link del br1; ip link del v-eth1 2>/dev/null
ip link add br1 type bridge
ip link set eth1 master br1
ip addr add 10.1.1.51/24 dev br1
ip link set br1 up
ip link add v-eth1 type veth peer name v-peer1
ip link set v-eth1 master br1
ip link set v-eth1 up
ip netns add blue
ip link set v-peer1 netns blue
ip netns exec blue ip addr add 10.1.1.100/24 dev v-peer1
ip netns exec blue ip link set v-peer1 up
ip netns exec blue ip route add default via 10.1.1.51
ip netns exec blue ip link set lo up
host_seed=$(ns_view ""); blue_seed=$(ns_view blue)
check_eq "host state equals the seed's (Option 2)" "$host_seed" "$host_nh"
check_eq "blue state equals the seed's (Option 2)" "$blue_seed" "$blue_nh"
"$NETHEAL" plan -c "$C/netheal.conf" >/dev/null; rc=$?
check_eq "plan on the seed-built Option 2 finds no drift" 0 "$rc"

# ---- every drift kind: found by plan, fixed by apply ------------------------
drift() {
	local what=$1 object=$2; shift 2
	"$@"
	local out rc
	out=$("$NETHEAL" plan -c "$C/netheal.conf" 2>&1); rc=$?
	check_eq "plan finds drift: $what" 2 "$rc"
	check "plan names $object for: $what" grep -qF "$object" <<<"$out"
	out=$("$NETHEAL" apply -c "$C/netheal.conf" 2>&1); rc=$?
	check_eq "apply fixes: $what" 0 "$rc"
	"$NETHEAL" plan -c "$C/netheal.conf" >/dev/null; rc=$?
	check_eq "no drift left after: $what" 0 "$rc"
}
drift "address removed" "address:10.1.1.100/24" ip -n blue addr del 10.1.1.100/24 dev v-peer1
drift "route removed" "route:default" ip -n blue route del default
drift "link down" "state:up" ip -n blue link set v-peer1 down
drift "lo down" "state:up" ip -n blue link set lo down
drift "master unset" "master:br1" ip link set v-eth1 nomaster
drift "bridge address flushed" "address:10.1.1.51/24" ip addr flush dev br1
drift "veth deleted" "link:v-peer1" ip -n blue link del v-peer1
drift "peer end deleted" "link:v-peer1" ip link del v-eth1
drift "bridge deleted" "link:br1" ip link del br1
drift "namespace deleted" "netns:blue" ip netns del blue
check "after all that, eth1 is still in br1" test "$(link_master "" eth1)" = br1

# mtu and mac drift
cat > "$C/policy.d/zz-extra.conf" <<'EOP'
links = ( { name = "br9"; kind = "bridge"; mtu = 1400; mac = "02:00:00:00:00:09"; } );
EOP
chmod 644 "$C/policy.d/zz-extra.conf"
"$NETHEAL" apply -c "$C/netheal.conf" >/dev/null
check_eq "bridge created with its mtu" 1400 "$(ip -j link show br9 | jq '.[0].mtu')"
check_eq "bridge created with its mac" 02:00:00:00:00:09 "$(ip -j link show br9 | jq -r '.[0].address')"
drift "mtu changed" "mtu:1400" ip link set br9 mtu 1300
drift "mac changed" "mac:" ip link set br9 address 02:00:00:00:00:77
rm "$C/policy.d/zz-extra.conf"; ip link del br9

# ---- foreign objects survive ------------------------------------------------
ip -n blue addr add 192.0.2.7/24 dev v-peer1
ip -n blue route add 198.51.100.0/24 via 10.1.1.51
ip -n blue link add foreign0 type bridge
ip netns add red
ip link add hostforeign type bridge
ip addr add 203.0.113.9/24 dev br1
ip -n blue addr del 10.1.1.100/24 dev v-peer1
"$NETHEAL" apply -c "$C/netheal.conf" >/dev/null; rc=$?
check_eq "apply with foreign objects present" 0 "$rc"
check "foreign address on a managed link survives" has_addr blue v-peer1 192.0.2.7/24
check "foreign address on the managed bridge survives" has_addr "" br1 203.0.113.9/24
check "foreign route in a managed namespace survives" has_route blue "198.51.100.0/24"
check "foreign link in a managed namespace survives" link_exists blue foreign0
check "foreign link in the host survives" link_exists "" hostforeign
check "foreign namespace survives" grep -qw red <<<"$(ip netns list)"
check "the managed address is back" has_addr blue v-peer1 10.1.1.100/24

# ---- conflict: same name, other kind -----------------------------------------
ip link add br5 type veth peer name br5-far
cat > "$C/policy.d/zz-conflict.conf" <<'EOP'
links = ( { name = "br5"; kind = "bridge"; } );
EOP
chmod 644 "$C/policy.d/zz-conflict.conf"
out=$("$NETHEAL" apply -c "$C/netheal.conf" 2>&1); rc=$?
check_eq "a conflict makes apply exit 1" 1 "$rc"
check "the conflict is reported" grep -qi "conflict" <<<"$out"
check_eq "the conflicting link is left alone" veth "$(ip -j -d link show br5 | jq -r '.[0].linkinfo.info_kind')"
sed -i 's/kind = "bridge";/kind = "bridge"; replace = true;/' "$C/policy.d/zz-conflict.conf"
out=$("$NETHEAL" apply -c "$C/netheal.conf" 2>&1); rc=$?
check_eq "with replace = true apply converges" 0 "$rc"
check_eq "the link was replaced by a bridge" bridge "$(ip -j -d link show br5 | jq -r '.[0].linkinfo.info_kind')"
rm "$C/policy.d/zz-conflict.conf"; ip link del br5

# ---- clear errors ----------------------------------------------------------
cat > "$C/policy.d/zz-bad.conf" <<'EOP'
namespaces = (
  { name = "green";
    links = ( { name = "mv0"; kind = "macvlan"; parent = "nosuchparent"; } );
    routes = ( { to = "192.0.2.0/24"; via = "203.0.113.1"; } );
  }
);
EOP
chmod 644 "$C/policy.d/zz-bad.conf"
out=$("$NETHEAL" apply -c "$C/netheal.conf" 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
check_eq "apply with a missing parent exits 1" 1 "$rc"
check "the failure names the link, the rule and the parent" grep -q "mv0.*zz-bad.conf:3" <<<"$out"
check "the failure says why" grep -qi "parent\|no such device" <<<"$out"
check "the unreachable gateway is explained" grep -qi "gateway\|unreachable\|network is unreachable" <<<"$out"
rm "$C/policy.d/zz-bad.conf"; ip netns del green

# a name taken in the host by an unrelated link: the veth peer cannot be made
ip netns del blue; ip link del v-eth1 2>/dev/null
ip link add v-eth1 type bridge
out=$("$NETHEAL" apply -c "$C/netheal.conf" 2>&1); rc=$?
check_eq "apply with the peer name taken exits 1" 1 "$rc"
check "the taken name is explained" grep -qi "v-eth1" <<<"$out"
check_eq "the unrelated link is left alone" bridge "$(ip -j -d link show v-eth1 | jq -r '.[0].linkinfo.info_kind')"
ip link del v-eth1
"$NETHEAL" apply -c "$C/netheal.conf" >/dev/null

# ---- Option 1: a physical port handed to a namespace -----------------------
ip netns del blue; ip link del br1; ip link del eth1 2>/dev/null
rm -f "$C/policy.d/"*.conf
make_eth1
policy "$C" option1 <<EOP
namespaces = (
  { name = "blue";
    links = (
      { name = "lo"; },
      { name = "eth1"; kind = "physical"; addresses = [ "10.1.1.83/24" ]; }
    );
    routes = ( { to = "default"; via = "10.1.1.1"; } );
    hooks = { on_create = [ "/bin/sh", "-c", "echo created \$NETHEAL_NETNS > $T_DIR/hook.out" ]; };
  }
);
EOP
out=$("$NETHEAL" apply -c "$C/netheal.conf" 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
check_eq "apply of Option 1 converges" 0 "$rc"
check "apply ran the on_create hook of the namespace it created" grep -q "^created blue$" "$T_DIR/hook.out"
check "eth1 left the host" bash -c '! ip link show eth1 >/dev/null 2>&1'
check "eth1 is up in blue" link_up blue eth1
check "10.1.1.83/24 on eth1" has_addr blue eth1 10.1.1.83/24
check "default via 10.1.1.1 in blue" has_route blue "default via 10.1.1.1"
blue_nh=$(ns_view blue)
# the seed's way, in the order a current kernel accepts
ip -n blue link set eth1 netns $$   # back to this sandbox
ip netns del blue
ip netns add blue
ip link set eth1 netns blue
ip netns exec blue ip addr add 10.1.1.83/24 dev eth1
ip netns exec blue ip link set dev eth1 up
ip netns exec blue ip route add default via 10.1.1.1
ip netns exec blue ip link set lo up
check_eq "blue state equals the seed's (Option 1)" "$(ns_view blue)" "$blue_nh"

# Drift in a namespace in audit mode is shown, left alone by the policy's
# choice, and does not fail the run: a configuration-management run with
# an audited namespace can pass.
ip netns add aud
policy "$C" aud <<'EOP'
namespaces = ( { name = "aud"; mode = "audit"; links = ( { name = "lo"; } ); } );
EOP
out=$("$NETHEAL" apply -c "$C/netheal.conf" 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
check_eq "apply with audit-mode drift exits 0" 0 "$rc"
check "the drift is shown as left alone" grep -q '^skipped .*aud.*audit mode: not changed' <<<"$out"
check_eq "and the run says converged" converged "$(tail -1 <<<"$out")"
check "the audited namespace is not changed" bash -c '! ip -n aud -j link show lo | jq -e ".[0].flags | index(\"UP\")"'
rm -f "$C/policy.d/aud.conf"; ip netns del aud

# What apply could not do adds up: the failed create and each action left
# waiting for it, once each, and the count at the end says as many. A
# macvlan whose MTU is over its parent's is refused by the kernel (EINVAL)
# whatever check knows of the parent (a device netheal did not make).
ip link add mp0 type veth peer name mp1
policy "$C" blue <<'EOP'
links = ( { name = "mp0"; kind = "physical"; },
  { name = "mv1"; kind = "macvlan"; parent = "mp0"; mtu = 9000; addresses = [ "10.1.32.1/24" ]; } );
EOP
out=$("$NETHEAL" apply -c "$C/netheal.conf" 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
check_eq "apply with a refused create exits 1" 1 "$rc"
check_eq "the refused create is shown once" 1 "$(grep -c '^FAILED .*link mv1 missing -> create-link' <<<"$out")"
check_eq "each action waiting for it is shown once" 2 "$(grep -c '^skipped .*its link is not made yet' <<<"$out")"
check_eq "the count at the end is the lines above it" \
	"$(grep -c '^FAILED\|^skipped' <<<"$out") things could not be fixed" "$(tail -1 <<<"$out")"

# A kind this kernel lacks: the failure says so and how to load it, not
# only the kernel's "Unknown device type"
if ip link add nh-probe type dummy 2>/dev/null; then
	ip link del nh-probe
	skip "this kernel has dummy links: the missing-kind message is not tried"
else
	rm -f "$C/policy.d/"*.conf
	policy "$C" kd <<'EOP'
namespaces = ( { name = "kd"; links = ( { name = "d0"; kind = "dummy"; } ); } );
EOP
	out=$("$NETHEAL" apply -c "$C/netheal.conf" 2>&1); rc=$?
	echo "$out" | sed 's/^/    /'
	check_eq "apply of a kind the kernel lacks exits 1" 1 "$rc"
	check "it says the kernel has no dummy links and how to load them" \
		grep -q '^FAILED .*link d0 missing -> create-link.*this kernel has no dummy links: .*modprobe rtnl-link-dummy' <<<"$out"
fi

finish
