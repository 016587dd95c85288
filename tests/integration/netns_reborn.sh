#!/bin/bash
# A namespace deleted and made again numbers its links from 1 again: what
# netheal remembered of its managed links' indexes (to rename back a link
# someone renamed, SPEC §4.2) must go with it. Before, a foreign link that
# took the old index of a managed one in the new namespace was taken for it
# "renamed" and renamed, or deleted as a veth that "lost its peer" (found by
# the chaos soak at 1000 namespaces).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
policy "$C" p <<'EOP'
namespaces = ( { name = "s0"; create = false; links = ( { name = "lo"; }, { name = "x0"; } ); } );
EOP
ip netns add s0
ip -n s0 link add x0 type veth peer name y0
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
bg_started $!
check "x0 is brought up" wait_for 10 link_up s0 x0
old=$(ip -n s0 -j link show x0 | jq '.[0].ifindex')
ip netns del s0
ip netns add s0
check "the new namespace is adopted" wait_for 5 link_up s0 lo
# a foreign pair in the new namespace takes x0's old index
ip -n s0 link add f0 type veth peer name g0
check_eq "the foreign link has x0's old index" "$old" "$(ip -n s0 -j link show f0 | jq '.[0].ifindex')"
ip -n s0 link set lo down
check "the namespace is healed" wait_for 5 link_up s0 lo
sleep 0.5
check "the foreign link keeps its name" link_exists s0 f0
check "x0 is not made out of it" bash -c "! ip -n s0 link show x0 >/dev/null 2>&1"
check "nothing was renamed" bash -c "! grep -q 'action=rename-link' '$LOG'"
finish
