#!/bin/bash
# netheal export (SPEC §2, issue 12 item 5): the round trip. For both seed
# topologies (SPEC §1) and a rich one, each set up with `ip` commands only:
# export -> check passes -> used as the policy, plan exits 0 -> apply
# changes nothing, checked with ip -j (and /proc/sys/net) before and after.
# Also: the output is deterministic, names a policy cannot hold are reported
# on stderr and not written, --netns writes one namespace.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

# Everything `apply` could change, as the kernel shows it, in the host and
# every named namespace: links (name, kind, master, up, mtu, mac),
# addresses, routes (protocol included), rules, permanent neighbours, and
# every network setting.
# ip -j does not escape control bytes in names: they are dropped here.
jqc() { tr -d '\001' | jq -c "$@"; }
world_view() {
	local ns
	for ns in "" $(ip netns list | awk '{print $1}' | sort); do
		echo "== ${ns:-host}"
		ns_exec "$ns" ip -j -d link show | jqc '[.[] | {n: .ifname, k: (.linkinfo.info_kind // ""),
			m: (.master // ""), up: (.flags | index("UP") != null), mtu: .mtu, mac: .address}] | sort_by(.n)'
		ns_exec "$ns" ip -j addr show | jqc '[.[] | .ifname as $i | .addr_info[] | "\($i) \(.local)/\(.prefixlen)"] | sort'
		ns_exec "$ns" ip -j route show table all | jqc '[.[] | "\(.dst) \(.gateway // "-") \(.dev) \(.table // "main") \(.metric // 0) \(.protocol // "-")"] | sort'
		ns_exec "$ns" ip -j -6 route show table all | jqc '[.[] | "\(.dst) \(.gateway // "-") \(.dev) \(.table // "main") \(.metric // 0) \(.protocol // "-")"] | sort'
		ns_exec "$ns" ip -j rule show | jqc 'sort_by(.priority)'
		ns_exec "$ns" ip -j -6 rule show | jqc 'sort_by(.priority)'
		ns_exec "$ns" ip -j neigh show nud permanent | jqc 'sort_by(.dev, .dst)'
		ns_exec "$ns" find /proc/sys/net -type f -perm -u=rw -exec grep -H '' {} + 2>/dev/null | sort
	done
}

# Wait until the kernel is done on its own: IPv6 duplicate address
# detection of new links' link-local addresses adds addresses and routes a
# second or two later, whatever netheal does.
settle() {
	local ns
	for ns in "" $(ip netns list | awk '{print $1}'); do
		wait_for 10 bash -c "[ -z \"\$(ns_exec_q '$ns' ip -6 addr show tentative)\" ]"
	done
	sleep 0.2
}
ns_exec_q() { local ns=$1; shift; if [ -z "$ns" ]; then "$@"; else ip netns exec "$ns" "$@"; fi; }
export -f ns_exec_q

# round_trip NAME: export everything, then check, plan and apply with it.
round_trip() {
	local name=$1 d=$T_DIR/$1
	write_conf "$d"
	settle
	"$NETHEAL" export -c /nonexistent >"$d/export.conf" 2>"$d/export.err"
	check_eq "$name: export exits 0" 0 "$?"
	"$NETHEAL" export -c /nonexistent >"$d/again.conf" 2>/dev/null
	check "$name: export is deterministic" cmp -s "$d/export.conf" "$d/again.conf"
	cp "$d/export.conf" "$d/policy.d/export.conf"
	chmod 644 "$d/policy.d/export.conf"
	"$NETHEAL" check -c "$d/netheal.conf" 2>"$d/check.err"
	if [ "$?" = 0 ]; then ok "$name: the export passes check"; else fail "$name: check:"; cat "$d/check.err"; fi
	"$NETHEAL" plan -c "$d/netheal.conf" >"$d/plan.out" 2>&1
	if [ "$?" = 0 ]; then ok "$name: as the policy, plan exits 0"; else fail "$name: plan:"; cat "$d/plan.out"; fi
	world_view >"$d/before"
	"$NETHEAL" apply -c "$d/netheal.conf" >"$d/apply.out" 2>&1
	check_eq "$name: apply exits 0" 0 "$?"
	check_eq "$name: apply executes nothing" "converged" "$(cat "$d/apply.out")"
	world_view >"$d/after"
	if cmp -s "$d/before" "$d/after"; then ok "$name: apply changes nothing (ip -j, /proc/sys/net)"
	else fail "$name: apply changed:"; diff "$d/before" "$d/after" | head -20; fi
}

# the state of the sandbox back to empty: every named namespace gone, the
# host's links but lo gone
reset_world() {
	local ns l
	for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns"; done
	for l in $(ip -j link show | jq -r '.[].ifname' | grep -vx lo); do ip link del "$l" 2>/dev/null; done
	ip rule flush 2>/dev/null; ip rule add pref 32766 table main; ip rule add pref 32767 table default
	sysctl -qw net.ipv4.ip_forward=0
	sleep 0.2
}

# ---- SPEC §1 Option 1 (eth1: one end of a veth pair netheal did not make) ----
make_eth1
ip netns add blue
ip link set eth1 netns blue
ip netns exec blue ip addr add 10.1.1.83/24 dev eth1
ip netns exec blue ip link set dev eth1 up
ip netns exec blue ip route add default via 10.1.1.1
round_trip option1
check "option1: eth1 is written in blue with its address" grep -q 'name = "eth1";.*"10.1.1.83/24"' "$T_DIR/option1/export.conf"
check "option1: the default route is written" grep -q '{ to = "default"; via = "10.1.1.1"; dev = "eth1"; }' "$T_DIR/option1/export.conf"
reset_world

# ---- SPEC §1 Option 2 ------------------------------------------------------------
make_eth1
ip link add br1 type bridge
ip link set eth1 master br1
ip link set br1 up
ip link set eth1 up
ip addr add 10.1.1.51/24 dev br1
ip link add v-eth1 type veth peer name v-peer1
ip link set v-eth1 master br1
ip link set v-eth1 up
ip netns add blue
ip link set v-peer1 netns blue
ip netns exec blue ip addr add 10.1.1.100/24 dev v-peer1
ip netns exec blue ip link set v-peer1 up
ip netns exec blue ip route add default via 10.1.1.51
ip netns exec blue ip link set lo up
# a secondary address (IFA_F_SECONDARY shares IFA_F_TEMPORARY's bit) and
# one without its prefix route (noprefixroute: plan must not add it)
ip netns exec blue ip addr add 10.1.1.101/24 dev v-peer1
ip netns exec blue ip addr add 10.1.7.1/24 dev v-peer1 noprefixroute
round_trip option2
check "option2: the IPv4 secondary address is written" grep -q '"10.1.1.101/24"' "$T_DIR/option2/export.conf"
check "option2: br1 is written without a MAC: its port's, the kernel's choice, not pinned" \
	bash -c "grep -q '{ name = \"br1\"; kind = \"bridge\";' '$T_DIR/option2/export.conf' &&
		 ! grep -q '{ name = \"br1\"; kind = \"bridge\";.*mac = ' '$T_DIR/option2/export.conf'"
# made anew from the export, br1 follows its ports' MACs as the kernel's
# own choice does: a port with a lower MAC, added later, gives it its MAC
# (a MAC set on a bridge would stay)
ip link del br1
"$NETHEAL" apply -c "$T_DIR/option2/netheal.conf" >"$T_DIR/option2/rebuild.out" 2>&1
check_eq "option2: apply makes br1 anew from the export" 0 "$?"
ip link add xlow type veth peer name xlow-p
ip link set xlow address 02:00:00:00:00:01
ip link set xlow master br1
check_eq "option2: ... and it takes a new port's lower MAC (not pinned)" "02:00:00:00:00:01" \
	"$(ip -j link show br1 | jq -r '.[0].address')"
check "option2: no prefix route was added for the noprefixroute address" \
	bash -c "! ip -n blue route show 10.1.7.0/24 | grep -q ."
check "option2: the pair is written once, at blue's end, its peer in the host" \
	grep -q 'peer = { name = "v-eth1"; master = "br1";' "$T_DIR/option2/export.conf"
check_eq "option2: v-eth1 is not written on its own" 0 "$(grep -c '^ *{ name = "v-eth1"' "$T_DIR/option2/export.conf")"
# one namespace only
"$NETHEAL" export -c /nonexistent --netns blue >"$T_DIR/blue.conf" 2>"$T_DIR/blue.err"
check_eq "--netns blue exits 0" 0 "$?"
check "--netns blue writes blue" grep -q '{ name = "blue";' "$T_DIR/blue.conf"
check "--netns blue writes nothing of the host's own" bash -c "! grep -q '^links' '$T_DIR/blue.conf'"
check "--netns blue: its peer in the host is described, its master and MTU with it (a pair made again goes back in br1)" \
	grep -q 'peer = { name = "v-eth1"; master = "br1"; mtu = ' "$T_DIR/blue.conf"
chmod 644 "$T_DIR/blue.conf"
"$NETHEAL" check "$T_DIR/blue.conf" 2>"$T_DIR/blue.check"
check_eq "--netns blue passes check" 0 "$?"
check "... which warns that br1 is a bridge this policy does not define" \
	grep -q "master 'br1' of link 'v-eth1' is not a link this policy defines" "$T_DIR/blue.check"
# one file per namespace, the host's too: together they are the whole
# export (each veth written once, at the end a whole export writes it)
P=$T_DIR/parts
write_conf "$P"
for ns in - $(ip netns list | awk '{print $1}'); do
	"$NETHEAL" export -c /nonexistent --netns "$ns" >"$P/policy.d/part$ns.conf" 2>>"$P/notes"
done
chmod 644 "$P"/policy.d/*.conf
check "--netns -: v-eth1 is left to blue's export, which writes it, and says so" \
	bash -c "! grep -q '\"v-eth1\"' '$P/policy.d/part-.conf' &&
		grep -q 'veth v-eth1: written with its peer v-peer1, by netheal export --netns blue' '$P/notes'"
"$NETHEAL" check -c "$P/netheal.conf" 2>"$P/check.err"
check_eq "the per-namespace exports together pass check" 0 "$?"
"$NETHEAL" plan -c "$P/netheal.conf" >"$P/plan.out" 2>&1
check_eq "... and as the policy, plan exits 0" 0 "$?"
"$NETHEAL" export -c /nonexistent --netns nosuch >/dev/null 2>"$T_DIR/nosuch.err"
check_eq "--netns of a namespace that does not exist: exit 1" 1 "$?"
"$NETHEAL" export --bogus >/dev/null 2>&1
check_eq "an unknown option: exit 64" 64 "$?"
# namespaces another agent makes, covered by a match rule of the
# configuration: written by name like the others, and said so on stderr
M=$T_DIR/matched
write_conf "$M"
printf '%s\n' 'namespaces = ( { match = "qr-*"; links = ( { name = "lo"; } ); } );' >"$M/policy.d/q.conf"
chmod 644 "$M/policy.d/q.conf"
ip netns add qr-2; ip netns add qr-10
"$NETHEAL" export -c "$M/netheal.conf" >"$M/export.conf" 2>"$M/export.err"
check_eq "with a match rule in the configuration: exit 0" 0 "$?"
check "... the matched namespaces are written by name" grep -q 'name = "qr-10"' "$M/export.conf"
check "... and stderr says a match rule covers them, which and where" \
	grep -q "2 namespaces written by name (qr-10, ...) are covered by match 'qr-\*' of $M/policy.d/q.conf:1" "$M/export.err"
"$NETHEAL" export -c "$M/netheal.conf" --netns blue >/dev/null 2>"$M/blue.err"
check "... not when the namespaces written are not matched" bash -c "! grep -q 'covered by match' '$M/blue.err'"
ip netns del qr-2; ip netns del qr-10
reset_world

# ---- a rich one: every kind this kernel has, IPv4 and IPv6, rules,
# neighbours, sysctls, routes in several tables -----------------------------------
ip link add lower0 type veth peer name lower0-p
ip link set lower0 up
ip link add br0 type bridge
ip link set br0 up
ip addr add 10.1.40.1/24 dev br0
ip addr add 2001:db8:40::1/64 dev br0 nodad
ip netns add red
ip netns add green
ip netns add yellow     # made last: listed in no order the export may keep
ip -n red link set lo up
ip link add vr type veth peer name vr-h
ip link set vr netns red
ip link set vr-h master br0
ip link set vr-h mtu 1400
ip link set vr-h up
ip -n red link set vr mtu 1400 address 02:00:0a:01:28:0a up
ip -n red addr add 10.1.40.10/24 dev vr
ip -n red addr add 2001:db8:40::10/64 dev vr nodad
ip -n red route add default via 10.1.40.1
ip -n red -6 route add default via 2001:db8:40::1 dev vr
ip -n red route add 198.51.100.0/24 via 10.1.40.1 table 100
ip -n red route add 203.0.113.0/24 dev vr metric 50
ip -n red -6 route add 2001:db8:99::/48 via 2001:db8:40::1 table 1000 metric 7
ip -n red rule add pref 100 from 10.1.40.0/24 table 100
ip -n red rule add pref 200 fwmark 0x10/0xff prohibit
ip -n red -6 rule add pref 200 fwmark 0x10/0xff prohibit
ip -n red -6 rule add pref 300 iif vr to 2001:db8:99::/48 table 1000
ip -n red -4 rule add pref 400 oif vr blackhole
ip -n red neigh add 10.1.40.9 lladdr 02:00:0a:01:28:09 dev vr nud permanent
ip -n red neigh add 2001:db8:40::9 lladdr 02:00:0a:01:28:0a dev vr nud permanent
ip netns exec red sysctl -qw net.ipv4.ip_forward=1
ip netns exec red sysctl -qw net.ipv6.conf.all.forwarding=1
ip netns exec red sysctl -qw net.ipv4.conf.vr.rp_filter=2
ip netns exec red sysctl -qw net.ipv4.ip_local_port_range="20000 40000"
ip netns exec red sysctl -qw net.ipv4.tcp_syncookies=0
sysctl -qw net.ipv4.conf.all.accept_local=1
# a pair between two named namespaces, and one inside one
ip -n red link add rg type veth peer name gr netns green
ip -n green link set gr up
ip -n green addr add 10.1.41.2/24 dev gr
ip -n red link set rg up
ip -n red addr add 10.1.41.1/24 dev rg
ip -n green -6 route add default dev gr table 200     # no gateway: not "default", which would be IPv4
ip -n green link add in0 type veth peer name in1
ip -n green link set in0 up
if have_kind macvlan; then
	ip link add mv0 link lower0 type macvlan mode private
	ip link set mv0 netns green
	ip -n green link set mv0 up
	ip -n green addr add 10.1.42.2/24 dev mv0
	ip link add hostmv link lower0 type macvlan mode vepa
else
	skip "macvlan: not in this kernel"
fi
# (have_kind does not know macvtap needs a lower link)
HAVE_MACVTAP=0
if ip link add mt0 link lower0 type macvtap mode bridge 2>/dev/null; then
	HAVE_MACVTAP=1
	ip link set mt0 netns green
else
	skip "macvtap: not in this kernel"
fi
if have_kind vxlan; then
	ip -n green link add vx0 type vxlan id 4242 remote 192.0.2.44 local 10.1.41.2 dstport 4789
	ip -n green link set vx0 up
else
	skip "vxlan: not in this kernel"
fi
if have_kind vlan; then
	ip link add vl5 link lower0 type vlan id 5
	ip link set vl5 netns green
else
	skip "vlan: not in this kernel"
fi
if have_kind dummy; then ip link add dm0 type dummy; else skip "dummy: not in this kernel"; fi
if have_kind ifb; then ip link add ifb9 type ifb; fi       # a kind netheal does not know: written without kind
# names a policy cannot hold: reported, not written, nor what is on them
ip link add "$(printf 'bad\001')" type veth peer name bad-p && ip addr add 10.1.43.1/24 dev "$(printf 'bad\001')"
ip netns add "$(printf 'ns\001')"
sleep 0.3
round_trip rich
E=$T_DIR/rich/export.conf
check "rich: namespaces by name, not in the order they were made" \
	awk '/^  \{ name = "green"/ { g = NR } /^  \{ name = "red"/ { r = NR } /^  \{ name = "yellow"/ { y = NR }
	     END { exit !(g && r && y && g < r && r < y) }' "$E"
check "rich: both-family rule written once, without family" \
	grep -q '{ priority = 200; fwmark = "0x10/0xff"; action = "prohibit"; }' "$E"
check "rich: a one-family rule without prefix names its family" grep -q 'priority = 400; oif = "vr"; family = "inet"; action = "blackhole";' "$E"
check "rich: routes in other tables, with metrics" grep -q 'to = "2001:db8:99::/48"; via = "2001:db8:40::1"; dev = "vr"; metric = 7; table = 1000;' "$E"
check "rich: an IPv6 default route without a gateway" grep -q '{ to = "::/0"; dev = "gr"; table = 200; }' "$E"
check "rich: neighbours" grep -q '{ address = "10.1.40.9"; lladdr = "02:00:0a:01:28:09"; dev = "vr"; }' "$E"
check "rich: sysctls that differ from a new namespace's" grep -q '"net.ipv4.conf.vr.rp_filter=2"' "$E"
check "rich: ip_forward, once (not also as conf.all.forwarding)" test "$(grep -c 'net.ipv4.ip_forward=1\|net.ipv4.conf.all.forwarding' "$E")" = 1
check "rich: a host sysctl that differs from the kernel's" grep -q '"net.ipv4.conf.all.accept_local=1"' "$E"
check "rich: a pair between two namespaces, written at the end in the namespace named first" \
	grep -q 'name = "gr"; kind = "veth";.*"10.1.41.2/24"' "$E"
check "rich: its peer in the other, with its own address" grep -q 'peer = { name = "rg"; netns = "red";.*"10.1.41.1/24"' "$E"
check "rich: a pair inside one namespace" grep -q 'peer = { name = "in1"; netns = "green";' "$E"
if have_kind macvlan; then
	check "rich: a macvlan in a namespace, its parent in the host" grep -q 'name = "mv0"; kind = "macvlan"; parent = "lower0"; macvlan_mode = "private";' "$E"
	check "rich: a macvlan in the host" grep -q 'name = "hostmv"; kind = "macvlan"; parent = "lower0"; macvlan_mode = "vepa";' "$E"
fi
if [ "$HAVE_MACVTAP" = 1 ]; then
	check "rich: a macvtap" grep -q 'name = "mt0"; kind = "macvtap"; parent = "lower0";' "$E"
fi
if have_kind vxlan; then
	check "rich: a vxlan" grep -q 'name = "vx0"; kind = "vxlan"; id = 4242; remote = "192.0.2.44"; local = "10.1.41.2"; port = 4789;' "$E"
fi
if have_kind ifb; then
	check "rich: a device of a kind netheal does not know, without kind" grep -q '{ name = "ifb9"; up = false;' "$E"
fi
check "rich: the bad link name is reported on stderr" grep -q "link 'bad.': a policy cannot name it" "$T_DIR/rich/export.err"
check "rich: ... and not written, nor its address" bash -c "! grep -q \"\$(printf 'bad\\001')\\|10.1.43.1\" '$E'"
check "rich: the bad namespace name is reported" grep -q "ns.: a policy cannot name this namespace" "$T_DIR/rich/export.err"
check "rich: no kernel rule, no link-local address, no kernel route written" \
	bash -c "! grep -q 'priority = 32766\|fe80:\|127.0.0.1' '$E'"
[ "$T_FAIL" = 0 ] || cat "$E"
finish
