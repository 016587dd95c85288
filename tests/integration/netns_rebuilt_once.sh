#!/bin/bash
# A namespace deleted and made again is rebuilt once: each of its objects
# healed once. Its rebuild makes more events than one read of the event
# socket takes (READS_PER_WAKEUP datagrams, monitor/events.c); before, the
# next diff ran on a state read only partway through them, and the objects
# made a moment before looked missing and were "healed" again (found by a
# new user: false heals of address, route, rule and neighbour). Heals now
# wait until the socket is read empty (nh_monitor_behind).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
{
	echo 'links = ( { name = "br0"; kind = "bridge"; addresses = [ "10.1.5.1/24" ]; } );'
	echo 'namespaces = ( { name = "red";'
	echo '  links = ( { name = "lo"; },'
	echo '    { name = "r0"; kind = "veth"; addresses = [ "10.1.5.10/24", "2001:db8:5::10/64"'
	for i in $(seq 1 30); do echo "      , \"10.1.6.$i/32\""; done
	echo '    ]; peer = { name = "h-red"; master = "br0"; }; } );'
	echo '  routes = ( { to = "default"; via = "10.1.5.1"; }, { to = "203.0.113.0/24"; via = "10.1.5.20"; metric = 50; } );'
	echo '  rules = ( { priority = 1000; from = "10.1.5.128/25"; table = 100; } );'
	echo '  neighbours = ( { address = "10.1.5.99"; lladdr = "02:00:00:00:05:99"; dev = "r0"; } );'
	echo '  sysctl = [ "net.ipv4.ip_forward=1", "net.ipv4.conf.r0.rp_filter=2" ]; } );'
} | policy "$C" p
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
bg_started $!
built() { ip -n red -j rule show | jq -e 'any(.[]; .priority == 1000)' >/dev/null &&
	  [ "$(ip -n red -j -4 addr show dev r0 | jq '.[0].addr_info | length')" = 31 ]; }
check "red is built" wait_for 10 built
for round in 1 2 3; do
	sleep 0.5
	mark=$(wc -l < "$LOG")
	ip netns del red
	check "round $round: red is rebuilt" wait_for 10 built
	sleep 1
	tail -n +"$((mark + 1))" "$LOG" > "$T_DIR/round$round.log"
	twice=$(grep -a 'event=healed' "$T_DIR/round$round.log" | grep -o 'netns=[^ ]* \(link=[^ ]* \)\?object=[^ ]*' | sort | uniq -d)
	check "round $round: no object healed twice ($(head -3 <<<"$twice" | tr '\n' ' '))" test -z "$twice"
	check "round $round: the rule is there once (ip -j)" \
		test "$(ip -n red -j rule show | jq '[.[] | select(.priority == 1000)] | length')" = 1
done
finish
