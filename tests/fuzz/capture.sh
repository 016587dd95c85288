#!/bin/bash
# Make the seed corpus of the decoder's fuzz harness (tests/fuzz/fuzz_observe.c)
# from what the kernel really says: inside the sandbox (a private network +
# mount namespace; it re-runs itself through tests/sandbox.sh), build a
# topology with ip — veth, bridge, macvlan, vxlan, vlan, dummy, addresses v4
# and v6 (one with a finite lifetime), routes (multipath v4 and v6, another
# table, a blackhole), rules, permanent and proxy neighbours, sysctls that
# the kernel announces (netconf), a named namespace (nsid) with a veth end
# moved into it — then change and break it; capture every notification, and
# dump the host and the namespace. Files of raw nlmsghdr messages:
#
#   OUTDIR/dump-host-link ...   one file per dump (see nlcapture.c)
#   OUTDIR/ev-NNNN              one notification datagram each (duplicates removed)
#   OUTDIR/seq-NNN              8 consecutive datagrams each: event sequences
#
#   bash tests/fuzz/capture.sh [OUTDIR]      (as root; default tests/fuzz/corpus/observe)
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$src/tests/fuzz/corpus/observe}
if [ "${NETHEAL_SANDBOX:-}" != "1" ]; then
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	exec bash "$src/tests/sandbox.sh" bash "$0" "$out"
fi

tmp=$(mktemp -d)
lpid=
trap 'kill "$lpid" 2>/dev/null; rm -rf "$tmp"' EXIT
cc -O1 -Wall -Wextra -Werror -o "$tmp/nlcapture" "$src/tests/fuzz/nlcapture.c"
mkdir "$tmp/ev"
"$tmp/nlcapture" listen "$tmp/ev" > "$tmp/listen.out" &
lpid=$!
for _ in $(seq 100); do grep -qs listening "$tmp/listen.out" && break; sleep 0.05; done

# ---- build --------------------------------------------------------------------
# (some kernels have no dummy or vlan driver: a veth end is the lower link,
# and what the kernel lacks is left out)
ip link add dummy0 type dummy 2>/dev/null || ip link add dummy0 type veth peer name dummy0p
ip link set dummy0 up
ip link set dummy0p up 2>/dev/null || true
ip link add br1 type bridge
ip link set br1 up
ip link add v-eth1 type veth peer name v-peer1
ip link set v-eth1 master br1
ip link set v-eth1 up
ip link add mv0 link dummy0 type macvlan mode bridge
ip link add mvt0 link dummy0 type macvtap mode vepa
ip link add vx0 type vxlan id 42 local 10.1.1.51 remote 10.1.1.52 dstport 4789 dev dummy0
ip link add link dummy0 name dummy0.10 type vlan id 10 2>/dev/null || ip link add dummy0.10 type ifb
ip link add ifb0 type ifb 2>/dev/null || true
ip link set dev mv0 mtu 1400 address 02:00:00:00:01:01 up
ip addr add 10.1.1.51/24 dev br1
ip addr add 2001:db8:1::51/64 dev br1 nodad
ip addr add 192.0.2.1/24 dev dummy0
ip addr add 2001:db8:2::1/64 dev dummy0 nodad valid_lft 3600 preferred_lft 1800
ip addr add 10.1.3.1/24 peer 10.1.3.2/24 dev dummy0.10
ip link set dummy0.10 up
ip route add 198.51.100.0/24 via 10.1.1.1
ip route add 203.0.113.0/24 nexthop via 10.1.1.2 weight 1 nexthop via 192.0.2.2 weight 2
ip -6 route add 2001:db8:99::/64 nexthop via 2001:db8:1::2 nexthop via 2001:db8:2::2
ip route add 10.1.200.0/24 dev dummy0 table 100 metric 5
ip route add blackhole 10.1.201.0/24
ip route add default via 10.1.1.1
ip -6 route add default via 2001:db8:1::1 metric 1024
ip rule add priority 100 from 10.1.0.0/16 table 100
ip rule add priority 101 to 198.51.100.0/24 fwmark 0x10/0xff table 100
ip -6 rule add priority 102 from 2001:db8::/32 iif br1 table 100
ip rule add priority 40003 blackhole
ip rule add priority 40004 oif dummy0 unreachable
ip neigh add 10.1.1.9 lladdr 02:00:00:00:00:09 dev br1 nud permanent
ip -6 neigh add 2001:db8:1::9 lladdr 02:00:00:00:00:0a dev br1 nud permanent
ip neigh add 10.1.1.10 lladdr 02:00:00:00:00:0b dev br1 nud reachable
ip neigh add proxy 10.1.1.11 dev br1
sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.ipv4.conf.br1.rp_filter=2
sysctl -qw net.ipv4.conf.br1.proxy_arp=1
sysctl -qw net.ipv6.conf.all.forwarding=1
sysctl -qw net.ipv4.conf.default.rp_filter=1
ip netns add blue
ip link set v-peer1 netns blue
ip -n blue link set lo up
ip -n blue addr add 10.1.1.100/24 dev v-peer1
ip -n blue addr add 2001:db8:1::100/64 dev v-peer1 nodad
ip -n blue link set v-peer1 up
ip -n blue route add default via 10.1.1.51
ip netns exec blue sysctl -qw net.ipv4.conf.all.forwarding=1
sleep 0.2

# ---- dumps ----------------------------------------------------------------------
"$tmp/nlcapture" dump "$out" dump-host
ip netns exec blue "$tmp/nlcapture" dump "$out" dump-blue

# ---- changes and breaks -------------------------------------------------------------
# (each is tried: what an earlier break already removed may be gone)
try() { "$@" 2>/dev/null || echo "capture: '$*' failed (left out)" >&2; }
try ip -n blue link set v-peer1 name v-p2
try ip -n blue link set v-p2 mtu 1300
try ip -n blue route del default
try ip -n blue addr del 10.1.1.100/24 dev v-p2
try ip neigh del 10.1.1.9 dev br1
try ip link set v-eth1 nomaster
try ip neigh replace 10.1.1.9 lladdr 02:00:00:00:00:0c dev br1 nud stale
try ip -6 neigh replace 2001:db8:1::9 lladdr 02:00:00:00:00:0d dev br1 nud reachable
try ip addr del 2001:db8:1::51/64 dev br1
try ip link set br1 down
try ip link set br1 up
try ip route del 203.0.113.0/24
try ip route replace 198.51.100.0/24 via 192.0.2.3
try ip rule del priority 101
try sysctl -qw net.ipv4.conf.br1.rp_filter=0
try ip link set mv0 name mv1
try ip link set dummy0 down
try ip link del vx0
try ip addr flush dev dummy0.10
try ip link add d2 type veth peer name d2p
try ip link set d2 netns blue
try ip -n blue link del v-p2
try ip netns del blue
try ip link del br1
sleep 0.5
kill "$lpid"
wait "$lpid" || true

# ---- the event files: duplicates out, sequences of 8 -----------------------------------
n=0
declare -A seen
files=$(ls "$tmp/ev" | sort)
for f in $files; do
	h=$(md5sum < "$tmp/ev/$f" | cut -d' ' -f1)
	[ -z "${seen[$h]:-}" ] || continue
	seen[$h]=1
	cp "$tmp/ev/$f" "$out/$f"
done
set -- $files
while [ $# -gt 0 ]; do
	chunk=()
	for _ in 1 2 3 4 5 6 7 8; do
		[ $# -gt 0 ] || break
		chunk+=("$tmp/ev/$1")
		shift
	done
	cat "${chunk[@]}" > "$out/$(printf 'seq-%03d' "$n")"
	n=$((n + 1))
done
echo "capture: $(ls "$out" | wc -l) files, $(du -sk "$out" | cut -f1) KiB in $out"
