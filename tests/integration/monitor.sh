#!/bin/bash
# netheal monitor against the real kernel: every kind of change made with
# `ip` is printed, and the observed state equals `ip -j` after each; a link
# moved to another namespace is reported as a move; a deleted namespace is
# an event and leaves no descriptor behind; a message from another process
# on the event socket is ignored.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/monitor_lib.sh"

check "monitor starts" mon_start
check_state "start" ""

# links
ip link add br1 type bridge
ip link add v-eth1 type veth peer name v-peer1
check_line "link add printed" '^[0-9]+\.[0-9]{6} - link \+v-eth1 index [0-9]+ kind veth down'
check_line "bridge add printed" ' - link \+br1 index [0-9]+ kind bridge'
ip link set v-eth1 master br1
check_line "master printed" ' - link \+v-eth1 .* master br1'
# Leaving a bridge also sends an AF_BRIDGE RTM_DELLINK: not a deletion.
ip link set v-eth1 nomaster
check_line "nomaster printed" ' - link \+v-eth1 index [0-9]+ kind veth down mtu [0-9]+ mac [0-9a-f:]+ peer v-peer1$'
check_state "nomaster" ""
check "the port is not taken for deleted" bash -c "! grep -q -- ' - link -v-eth1' '$MON_OUT'"
ip link set v-eth1 master br1
ip link set v-eth1 up
check_line "link up printed" ' - link \+v-eth1 index [0-9]+ kind veth up .*master br1'
ip link set br1 up
ip link set dev br1 mtu 1400
check_line "mtu printed" ' - link \+br1 .* mtu 1400'
ip link set v-eth1 down
check_line "link down printed" ' - link \+v-eth1 index [0-9]+ kind veth down'
ip link set v-eth1 up
ip link add ren0 type veth peer name ren1
ip link set ren0 name ren2
check_line "rename printed" ' - link \+ren2 index'
check_state "links" ""
ip link del ren2
check_line "link del printed" ' - link -ren2 index [0-9]+$'
check_line "peer del printed" ' - link -ren1 index [0-9]+$'
# The kernel takes a link name that would drive a terminal: shown escaped,
# as in the log, never raw (ifb: a kind this kernel may lack)
if ip link add $'t\x1b[2J' type ifb 2>/dev/null; then
	check_line "a control byte in a name is shown as \\x1b" ' - link \+t\\x1b\[2J index [0-9]+ kind ifb'
	check "no raw control byte on stdout" bash -c "! grep -q \$'\\x1b' '$MON_OUT'"
	ip link del $'t\x1b[2J'
	check_line "and its deletion" ' - link -t\\x1b\[2J index'
else
	skip "no ifb links on this kernel: the escaped name is not tried"
fi

# addresses and routes in the host
ip addr add 10.1.1.51/24 dev br1
check_line "address add printed" ' - addr \+10\.1\.1\.51/24 dev br1$'
ip addr add 2001:db8:1::51/64 dev br1 nodad
check_line "IPv6 address add printed" ' - addr \+2001:db8:1::51/64 dev br1$'
ip route add 198.51.100.0/24 via 10.1.1.1
check_line "route add printed" ' - route \+198\.51\.100\.0/24 inet via 10\.1\.1\.1 dev br1 table 254 metric 0 proto boot$'
ip route add 2001:db8:99::/64 via 2001:db8:1::1 metric 7
check_line "IPv6 route add printed" ' - route \+2001:db8:99::/64 inet6 via 2001:db8:1::1 dev br1 table 254 metric 7'
ip route add 203.0.113.0/24 dev br1 table 100
check_line "route in table 100 printed" ' - route \+203\.0\.113\.0/24 inet dev br1 table 100'
check_state "addresses and routes" ""
ip route del 198.51.100.0/24
check_line "route del printed" ' - route -198\.51\.100\.0/24 inet via 10\.1\.1\.1'
ip route del 2001:db8:99::/64
check_line "IPv6 route del printed" ' - route -2001:db8:99::/64 inet6'
ip addr del 2001:db8:1::51/64 dev br1
check_line "IPv6 address del printed" ' - addr -2001:db8:1::51/64 dev br1$'
check_state "after deletions" ""

# The kernel drops IPv4 routes of a link that goes down, or loses its last
# IPv4 address, without a notification: the state must follow anyway.
ip route add 198.51.100.0/24 via 10.1.1.1
ip link set br1 down
check_state "IPv4 routes of a downed link" ""
ip link set br1 up
ip route add 198.51.100.0/24 via 10.1.1.1
ip addr del 10.1.1.51/24 dev br1
check_line "address del printed" ' - addr -10\.1\.1\.51/24 dev br1$'
check_state "IPv4 routes after the last IPv4 address" ""
ip addr add 10.1.1.51/24 dev br1

# a namespace, and a link moved into it (Option 2 of the spec)
ip netns add blue
check_line "netns add printed" '^[0-9]+\.[0-9]{6} - netns \+blue$'
ip link set v-peer1 netns blue
check_line "move printed as a move" ' - link -v-peer1 index [0-9]+ moved out nsid [0-9]+$'
check_line "moved link appears in blue" ' blue link \+v-peer1 index [0-9]+ kind veth'
ip -n blue addr add 10.1.1.100/24 dev v-peer1
check_line "address in blue printed" ' blue addr \+10\.1\.1\.100/24 dev v-peer1$'
ip -n blue link set v-peer1 up
ip -n blue link set lo up
ip -n blue route add default via 10.1.1.51
check_line "default route in blue printed" ' blue route \+default inet via 10\.1\.1\.51 dev v-peer1 table 254'
ip -n blue addr add 2001:db8:1::100/64 dev v-peer1 nodad
ip -n blue route add default via 2001:db8:1::51
check_line "IPv6 default route printed" ' blue route \+default inet6 via 2001:db8:1::51 dev v-peer1'
check_state "blue" blue
check_state "host after the move" ""
ip -n blue route del default via 10.1.1.51
check_line "route del in blue printed" ' blue route -default inet via 10\.1\.1\.51'
ip -n blue link set v-peer1 name v-p2
check_line "rename in blue printed" ' blue link \+v-p2 index'
check_state "blue after rename" blue
# --netns narrows
"$NETHEAL" monitor --dump --netns blue > "$T_DIR/dump.json"
check_eq "--dump --netns blue prints blue only" "blue" "$(jq -r '[.netns[].name] | join(",")' "$T_DIR/dump.json")"
check_eq "--dump --netns - prints the host only, named -" "-" "$("$NETHEAL" monitor --dump --netns - | jq -r '[.netns[].name] | join(",")')"
"$NETHEAL" monitor --dump --netns no-such-ns > "$T_DIR/nope.out" 2> "$T_DIR/nope.err"; rc=$?
check_eq "--dump --netns of a namespace that is not there exits 1" 1 "$rc"
check "and says so" grep -q "no namespace no-such-ns in" "$T_DIR/nope.err"
"$NETHEAL" monitor --netns blue > /dev/null 2> "$T_DIR/only.err" &
only_pid=$!
bg_started "$only_pid"
check "--netns blue says it monitors blue, not every namespace" \
	wait_for 10 grep -q 'msg="monitoring namespace blue (of [0-9]* namespaces read' "$T_DIR/only.err"
kill "$only_pid"; wait "$only_pid" 2>/dev/null

# A message from another process on the event socket: ignored.
cc -o "$T_DIR/nlsend" "$NETHEAL_SRC/tests/integration/nlsend.c" 2>&1 || fail "cannot build nlsend"
nlports() {  # netlink ports of MON_PID's route sockets here with groups set: its event socket
	local inodes
	inodes=$(ls -l /proc/"$MON_PID"/fd | sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p')
	awk -v list=" $(echo $inodes) " 'NR > 1 && $2 == 0 && $4 != "00000000" && index(list, " " $10 " ") { print $3 }' /proc/net/netlink
}
port=$(nlports | head -n 1)
if [ -n "$port" ] && [ -x "$T_DIR/nlsend" ]; then
	lines=$(wc -l < "$MON_OUT")
	check "a forged RTM_NEWLINK is sent to port $port" "$T_DIR/nlsend" "$port" forged0
	sleep 0.3
	check "the forged message printed nothing" bash -c "! grep -q forged0 '$MON_OUT'"
	ip link add after0 type bridge
	check_line "still running after the forged message" ' - link \+after0 '
	ip link del after0
else
	fail "cannot find the monitor's event socket port"
fi

# Deleting the namespace: an event, and no descriptor of it left.
blue_ino=$(stat -L -c %i /run/netns/blue)
fds_of() {  # descriptors of MON_PID that refer to namespace inode $1
	local f n=0
	for f in /proc/"$MON_PID"/fd/*; do
		[ "$(stat -L -c %i "$f" 2>/dev/null)" = "$1" ] && n=$((n + 1))
	done
	echo "$n"
}
socks() { ls -l /proc/"$MON_PID"/fd | grep -c 'socket:\[' ; }
check "the monitor holds blue open" test "$(fds_of "$blue_ino")" -ge 1
socks_before=$(socks)
ip netns del blue
check_line "netns del printed" '^[0-9]+\.[0-9]{6} - netns -blue$'
check_eq "no descriptor of blue left" 0 "$(fds_of "$blue_ino")"
# one event socket serves every namespace: blue had only its request socket
check_eq "its request socket is closed" "$((socks_before - 1))" "$(socks)"
check_state "host at the end" ""

kill -INT "$MON_PID"
wait "$MON_PID"
check_eq "SIGINT: exit 0" 0 $?
"$NETHEAL" monitor --bogus > /dev/null 2>&1
check_eq "usage error: exit 64" 64 $?
finish
