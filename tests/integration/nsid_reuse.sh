#!/bin/bash
# Events reach the namespace they are from, when the kernel gives a freed
# nsid to another namespace (found by the chaos soak at 1000 namespaces,
# seed 11: s8 and s758 rebuilt a moment apart; s758's view filled with
# s8's links and a veth for s758 was made in s8).
#
# 1. tests/nsid_reuse.c: the kernel frees an id and gives it to a new
#    namespace while the old one's events wait on the monitor's socket:
#    they must not reach the new one, and its own must.
#    Again with an overrun while the old namespace lives on (a descriptor
#    holds it) and its id is retired: the id stays retired.
# 2. The ids netheal gives are its own (NH_MONITOR_NSID_FIRST up), never
#    the one the kernel freed a moment ago: a namespace deleted and made
#    again by netheal gets a new id. Once an id's RTM_DELNSID is read it is
#    the first given again (low ids are cheaper for the kernel's lookup).
# 3. A namespace let go but kept alive (a process in it) and mounted back
#    under its name keeps its id: netheal knows it for the same one (its
#    SO_NETNS_COOKIE) and sees its events at once, not after an
#    RTM_DELNSID that never comes.
# 4. A restart: the ids of the first run stay with their namespaces (more
#    than netheal's 64 tries, stepping one by one, would pass); the second
#    run gives new ones past them, and their events are seen. Another tool
#    holds an id at the top (2147483646).
# 5. A second name for a namespace (a bind mount) that comes and goes: the
#    first name keeps its id and its events.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

# ---- 1. a freed id given again while its events wait -----------------------------
# driver [overrun] WHAT: run tests/nsid_reuse.c, check it (77: nothing to
# test, the kernel gave another id), and clean up what it made
driver() {
	local what=${*: -1} out rc
	out=$("$NETHEAL_NSID_REUSE" /run/netns "${@:1:$#-1}" 2>&1); rc=$?
	echo "$out" | sed 's/^/    /'
	if [ "$rc" = 77 ]; then
		skip "the kernel did not give the freed nsid again: ${out##*$'\n'}"
	else
		check_eq "$what" 0 "$rc"
	fi
	ip netns del new-b 2>/dev/null
	ip link del hb 2>/dev/null
	ip link del ha 2>/dev/null
	# the kernel frees the ids of the namespaces just deleted a moment later
	wait_for 5 bash -c '[ -z "$(ip netns list-id)" ]'
}
driver "a freed nsid given again: events reach the namespace they are from"
driver overrun "an overrun while a live namespace's id is retired: its later events do not reach the new owner"

# ---- 2. netheal's own ids ------------------------------------------------------------
C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
policy "$C" p <<'EOP'
namespaces = ( { name = "r1"; links = ( { name = "lo"; } ); },
               { name = "r2"; links = ( { name = "lo"; } ); },
               { name = "k1"; create = false; links = ( { name = "lo"; } ); },
               { match = "q*"; links = ( { name = "lo"; } ); } );
EOP
# `ip netns list` asks for each namespace's id; `ip netns list-id` dumps the
# table, which the kernel cuts short after about 134 ids
nsid_of() { ip netns list | sed -n "s/^$1 (id: \([0-9]*\))\$/\1/p"; }
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
first=$!
bg_started $first
check "r1 and r2 are made" wait_for 10 bash -c "ip -n r1 link show lo | grep -q UP && ip -n r2 link show lo | grep -q UP"
id1=$(nsid_of r1)
id2=$(nsid_of r2)
echo "    r1 has nsid $id1, r2 has nsid $id2"
check "netheal gives ids of its own (65536 up)" test "${id1:-0}" -ge 65536 -a "${id2:-0}" -ge 65536
ip netns del r1
check "r1 is made again" wait_for 10 bash -c "ip -n r1 link show lo 2>/dev/null | grep -q UP"
new1=$(nsid_of r1)
echo "    r1 made again has nsid $new1"
check "the new r1 does not get the old one's id" test -n "$new1" -a "$new1" != "$id1"
ip -n r1 link set lo down
check "the new r1 is healed from its events" wait_for 5 bash -c "ip -n r1 link show lo | grep -q UP"
# once the old r1's id is gone from the host's table (its RTM_DELNSID read,
# and with it every event tagged with it), it is the lowest to give again
check "the old r1's id leaves the host's table" wait_for 10 bash -c "! ip netns list-id | grep -q '^nsid $id1 '"
sleep 0.5
ip netns del r2
check "r2 is made again" wait_for 10 bash -c "ip -n r2 link show lo 2>/dev/null | grep -q UP"
new2=$(nsid_of r2)
echo "    r2 made again has nsid $new2"
check_eq "the new r2 gets the old r1's id, whose end was read (the lowest freed)" "$id1" "$new2"
ip -n r2 link set lo down
check "the new r2 is healed from its events" wait_for 5 bash -c "ip -n r2 link show lo | grep -q UP"

# ---- 3. the same namespace mounted back ----------------------------------------------
ip netns add k1
ip netns exec k1 sleep 600 &
holder=$!
bg_started $holder
check "k1 is adopted and healed" wait_for 5 bash -c "ip -n k1 link show lo | grep -q UP"
idk=$(nsid_of k1)
ip netns del k1
check "netheal lets k1 go" wait_for 5 grep -q "event=netns-missing netns=k1 " "$LOG"
touch /run/netns/k1
mount --bind /proc/$holder/ns/net /run/netns/k1
check_eq "k1 mounted back keeps its id" "$idk" "$(nsid_of k1)"
sleep 0.5
ip -n k1 link set lo down
check "k1's events are seen at once: lo healed" wait_for 2 bash -c "ip -n k1 link show lo | grep -q UP"

# ---- 4. a restart ---------------------------------------------------------------------
kill "$first"
wait "$first"
ip netns add far                        # before netheal sees it: it keeps this id
ip netns set far 2147483646
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$T_DIR/second.log" &
second=$!
bg_started $second
for i in $(seq 1 140); do ip netns add q$i; done
check "140 matched namespaces get ids" wait_for 10 bash -c "[ \$(ip netns list | grep -c '^q[0-9]* (id: ') = 140 ]"
kill "$second"
wait "$second"
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$T_DIR/third.log" &
bg_started $!
check "the restarted run is up" wait_for 10 grep -q "event=started" "$T_DIR/third.log"
ip netns add q171
ip netns add q172
check "namespaces made after the restart get ids" wait_for 5 bash -c "[ \$(ip netns list | grep -c '^q17[12] (id: ') = 2 ]"
echo "    far has nsid $(nsid_of far), q171 has nsid $(nsid_of q171), q172 has nsid $(nsid_of q172)"
check "no namespace is left without an id" bash -c "! grep -q 'cannot give it an nsid' '$T_DIR/second.log' '$T_DIR/third.log'"
sleep 0.3
ip -n q171 link set lo down
ip -n q172 link set lo down
check "their events are seen: lo healed in both" wait_for 2 bash -c "ip -n q171 link show lo | grep -q UP && ip -n q172 link show lo | grep -q UP"

# ---- 5. a second name that comes and goes ---------------------------------------------
ip netns add q80
check "q80 is adopted" wait_for 5 bash -c "ip netns list | grep -q '^q80 (id: '"
touch /run/netns/q81
mount --bind /run/netns/q80 /run/netns/q81
sleep 0.5
ip netns del q81
sleep 0.5
ip -n q80 link set lo down
check "q80 keeps its events after its second name went: lo healed" wait_for 2 bash -c "ip -n q80 link show lo | grep -q UP"
check_no_heal_failed "$LOG"
finish
