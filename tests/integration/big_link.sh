#!/bin/bash
# A link whose RTM_NEWLINK is larger than 64 KiB (490 alternative names of
# 124 bytes: the kernel's limit for them is 64 KiB) on an unmanaged lo, in
# a managed namespace and in the host. The kernel sizes a link dump's
# datagrams for its largest link only when asked with IFLA_EXT_MASK; without
# it the dump ended at that link with no error and the links after it were
# taken for missing: plan saw 6 drifts and run deleted and rebuilt a working
# veth pair (an adversary trial). Its events must not count as overruns.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
make_eth1
option2_policy | policy "$C" option2
check "apply builds Option 2" "$NETHEAL" apply -c "$C/netheal.conf"
altnames() {
	local i
	for i in $(seq 490); do
		ns_exec "$1" ip link property add dev lo altname "$(printf 'x%03d%0120d' "$i" 0)" || return 1
	done
}
if ! altnames blue 2>/dev/null; then
	skip "this kernel takes no 490 alternative names on lo"
	finish
fi
altnames ""
check_eq "lo in blue has 490 alternative names" 490 "$(ip -n blue -j link show dev lo | jq '.[0].altnames | length')"
check "plan: no drift (every link read)" "$NETHEAL" plan -c "$C/netheal.conf"
ifindex=$(ip -n blue -j link show dev v-peer1 | jq '.[0].ifindex')

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "run starts" wait_for 10 grep -q 'event=started' "$LOG"
sleep 0.5
ip -n blue link set lo mtu 65000        # an event of the big link
ip link set lo mtu 65001
ip -n blue addr del 10.1.1.100/24 dev v-peer1
check "the address is put back" wait_for 5 has_addr blue v-peer1 10.1.1.100/24
check_eq "v-peer1 is the same link (not rebuilt)" "$ifindex" "$(ip -n blue -j link show dev v-peer1 | jq '.[0].ifindex')"
check "nothing deleted or created" bash -c "! grep -qE 'action=(delete-link|create-link)' '$LOG'"
check "the big link's events were no overrun" bash -c "! grep -q 'event=resync' '$LOG'"
kill -TERM "$NH_PID"; wait "$NH_PID"
finish
