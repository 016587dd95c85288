#!/bin/bash
# A deleted namespace's veth end in the host keeps its name until the
# kernel has cleaned that namespace up, and deleting it holds the request
# for an RCU grace period (rtnl_dellink → netdev_run_todo → rcu_barrier),
# which the rebuild waited for. It is set aside instead (renamed
# nhaside<ifindex>, down, out of its master) and deleted 2 s after the
# heal, when the kernel has mostly removed it with its namespace: the namespace comes back whole and nothing set aside is left,
# also when a process keeps the old namespace alive.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
option2_policy | policy "$C" p
make_eth1

aside_links() { ip -j link show | jq '[.[] | select(.ifname | startswith("nhaside"))] | length'; }
none_aside() { [ "$(aside_links)" = 0 ]; }
whole() {
	has_route blue default && link_up "" v-eth1 && [ "$(link_master "" v-eth1)" = br1 ]
}

"$NETHEAL" run -c "$C/netheal.conf" --log stderr -v 2>"$LOG" &
nh=$!
bg_started $nh
check "blue is built" wait_for 10 whole

# 1. The kernel takes the old pair with the old namespace.
old=$(ip -j link show v-eth1 | jq '.[0].ifindex')
ip netns del blue
check "blue is whole again" wait_for 5 whole
check "v-eth1 is a new link" test "$(ip -j link show v-eth1 | jq '.[0].ifindex')" != "$old"
check "the heal says the end was set aside, under which name" \
	grep -q "lost its peer v-peer1 -> delete-link (set aside as nhaside$(printf %x "$old"), deleted later" "$LOG"
# deleted 2 s after the heal (or already gone with its namespace)
check "the old end was set aside, then deleted or gone" \
	wait_for 5 grep -qE "links set aside: (1 deleted, 0 gone|0 deleted, 1 gone)" "$LOG"
check "nothing set aside is left" none_aside

# 2. A process keeps the old namespace (and the old pair's inner end) alive:
# the end set aside is deleted by netheal, and its peer with it.
ip netns exec blue sleep 60 &
pin=$!
bg_started $pin
sleep 0.2
old=$(ip -j link show v-eth1 | jq '.[0].ifindex')
ip netns del blue
check "blue is whole again, the old one pinned" wait_for 5 whole
check "v-eth1 is a new link again" test "$(ip -j link show v-eth1 | jq '.[0].ifindex')" != "$old"
check_eq "the end is set aside while the old namespace is pinned" 1 "$(aside_links)"
check "nothing set aside is left" wait_for 5 none_aside
check "netheal deleted it" wait_for 3 grep -q "links set aside: 1 deleted" "$LOG"
check_eq "the pinned namespace lost the old pair" '["lo"]' \
	"$(nsenter --net=/proc/$pin/ns/net ip -j link show | jq -c '[.[].ifname]')"
check "plan: converged" "$NETHEAL" plan -c "$C/netheal.conf"
check "an end set aside is not renamed back" bash -c "! grep -q 'action=rename-link' '$LOG'"

# 3. A clean stop right after the heal leaves nothing aside either.
ip netns exec blue sleep 60 &
bg_started $!
sleep 0.2
ip netns del blue
check "blue is whole again before the stop" wait_for 5 whole
check_eq "the end is set aside before the stop" 1 "$(aside_links)"
kill "$nh"; wait "$nh"
check_eq "netheal stopped cleanly" 0 "$?"
check "nothing set aside is left after the stop" none_aside

finish
