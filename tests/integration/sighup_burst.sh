#!/bin/bash
# SIGHUP in the middle of a burst of changes: a reload diffs every
# namespace, and it must diff what the kernel holds, not what netheal last
# read. Found by a hostile trial: with the events of netheal's own heals
# still queued, a reload set up again links it had just set up (each heal
# counted twice, toward flap damping) and took the host end of a veth pair
# it had just rebuilt for one that lost its peer, and deleted it. Here each
# round breaks every namespace once, with three SIGHUPs during it: every
# lo is healed once per round, and no veth end is deleted.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

N=20
ROUNDS=3
C=$T_DIR/conf
LOG=$T_DIR/netheal.log
# damping would hide a doubled heal (and rounds come seconds apart)
write_conf "$C" "backoff: { flap_count = 1000; };"
{
	echo 'links = ( { name = "br0"; kind = "bridge"; addresses = [ "10.1.0.1/16" ]; } );'
	echo 'namespaces = ('
	for i in $(seq "$N"); do
		[ "$i" -gt 1 ] && echo ','
		cat <<EOP
{ name = "r-$i";
  links = ( { name = "lo"; },
    { name = "v0"; kind = "veth"; addresses = [ "10.1.$i.2/16" ];
      peer = { name = "h-r-$i"; master = "br0"; }; } );
  routes = ( { to = "192.0.2.0/24"; via = "10.1.0.1"; } ); }
EOP
	done
	echo ');'
} | policy "$C" burst

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
built() { for i in $(seq "$N"); do has_route "r-$i" "192.0.2.0/24 via 10.1.0.1" || return 1; done; }
check "built" wait_for 30 built
plan_clean() { "$NETHEAL" plan -c "$C/netheal.conf" >/dev/null 2>&1; }
check "converged" wait_for 10 plan_clean

heals() { grep -a "event=healed .*link=lo object=state:up" "$LOG" | grep -ac "netns=r-"; }
before=$(heals)
B=$T_DIR/batch
mkdir -p "$B"
for round in $(seq "$ROUNDS"); do
	for i in $(seq "$N"); do echo "link set h-r-$i nomaster"; done > "$B/host"
	for i in $(seq "$N"); do
		{
			echo "address del 10.1.$i.2/16 dev v0"
			echo "link set v0 down"
			echo "link set lo down"
			if [ $((i % 5)) = 0 ]; then echo "link del v0"; else echo "link set v0 mtu 1400"; fi
		} > "$B/r-$i"
	done
	ip -force -batch "$B/host" >/dev/null 2>&1 &
	for i in $(seq "$N"); do ip -n "r-$i" -force -batch "$B/r-$i" >/dev/null 2>&1 & done
	kill -HUP "$NH_PID"; sleep 0.02; kill -HUP "$NH_PID"; sleep 0.05; kill -HUP "$NH_PID"
	wait $(jobs -p | grep -vx "$NH_PID") 2>/dev/null
	check "round $round: converged again" wait_for 10 plan_clean
done
sleep 0.5
check "every namespace's lo healed once per round ($((N * ROUNDS)) heals), not again by a reload" \
	test "$(( $(heals) - before ))" = "$((N * ROUNDS))"
# (the two ends of a pair go one event after the other: the one left may
# be taken for an end that lost its peer, and found gone: "already gone")
check "no veth end deleted as one that lost its peer" \
	bash -c "! grep -a 'action=delete-link' '$LOG' | grep -av '(already gone)'"
check "the reloads were made" test "$(grep -ac 'event=config-loaded.*reloaded' "$LOG")" -ge 1
check "alive" kill -0 "$NH_PID"
finish
