#!/bin/bash
# Many namespaces deleted at once are each rebuilt once (found by a
# hostile-conditions trial): before, heals ran on states read partway
# through the burst's events, and 50 namespaces deleted at once gave 1603
# heal records for 450 changes, 12 `flapping`, and veth pairs that were
# whole torn down and made again. Counted here with the kernel's events
# (`ip monitor`) and `ip -j`, not netheal's view.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

N=${NH_BURST_N:-30}
C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
{
	echo 'links = ( { name = "br9"; kind = "bridge"; addresses = [ "10.1.0.1/16" ]; } );'
	echo 'namespaces = ('
	for i in $(seq 1 "$N"); do
		echo "{ name = \"n$i\"; links = ( { name = \"lo\"; }, { name = \"v$i\"; kind = \"veth\";"
		echo "  addresses = [ \"10.1.1.$((i + 10))/16\" ]; peer = { name = \"h$i\"; master = \"br9\"; }; } );"
		echo "  routes = ( { to = \"default\"; via = \"10.1.0.1\"; } ); }$([ "$i" = "$N" ] || echo ,)"
	done
	echo ');'
} | policy "$C" p
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
bg_started $!
all_routed() {
	for i in $(seq 1 "$N"); do has_route "n$i" default || return 1; done
}
check "$N namespaces built" wait_for 30 all_routed
sleep 1
before=$(ip -j link | jq '[.[].ifindex] | max')
mark=$(wc -l < "$LOG")
ip -o monitor link > "$T_DIR/mon" &
mon=$!
bg_started $mon
sleep 0.3
for i in $(seq 1 "$N"); do ip netns del "n$i"; done
check "all rebuilt" wait_for 20 all_routed
sleep 2
kill "$mon"
tail -n +"$((mark + 1))" "$LOG" > "$T_DIR/after"
made=$(awk -F: -v b="$before" '$1 + 0 > b && $2 ~ /^ h[0-9]+@/ { print $1 }' "$T_DIR/mon" | sort -un | wc -l)
check_eq "the kernel made $N pairs" "$N" "$made"
check_eq "$N create-link records" "$N" "$(grep -c 'action=create-link' "$T_DIR/after")"
check_eq "$N lo set up" "$N" "$(grep -c 'link=lo object=state:up' "$T_DIR/after")"
# per namespace: create-netns, its end set aside, the pair, lo, v up, h
# master and up, the address, the default route
check_eq "9 heals a namespace" "$((9 * N))" "$(grep -c 'event=healed' "$T_DIR/after")"
check_eq "none flapping" 0 "$(grep -c 'event=flapping' "$T_DIR/after")"
once() {
	for i in $(seq 1 "$N"); do
		[ "$(ip -n "n$i" -j link show "v$i" | jq '.[0].ifindex')" = 2 ] || return 1
	done
}
check "every inner end is the first made in its new namespace (ifindex 2)" once
check "plan finds nothing to do" "$NETHEAL" plan -c "$C/netheal.conf"
finish
