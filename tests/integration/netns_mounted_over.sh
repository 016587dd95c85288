#!/bin/bash
# Another namespace bind-mounted over a watched name makes no inotify event
# (a mount is no change in the directory): the resync reads netns_dir again
# and takes the namespace now there (adversarial trial: never noticed).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
mkdir -p "$C/policy.d"
chmod 755 "$C" "$C/policy.d"
cat >"$C/netheal.conf" <<EOC
netheal: { policy_dir = "$C/policy.d"; netns_dir = "/run/netns"; status_file = "$C/status.json";
           resync_interval = 5; };
EOC
chmod 644 "$C/netheal.conf"
policy "$C" p <<'EOP'
namespaces = ( { name = "blue"; create = false; links = ( { name = "lo"; } ); },
               { name = "hostalias"; create = false; links = ( { name = "lo"; } ); } );
EOP
ip netns add blue
ip netns add other
# the sandbox's own namespace, netheal's host, under a name: $$ is this
# script, in it (never PID 1: that is the machine's)
ip netns attach hostalias $$
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$T_DIR/netheal.log" &
bg_started $!
check "blue's lo brought up" wait_for 10 link_up blue lo
check_eq "other's lo is down (not managed)" "" "$(ip -n other -j link show lo | jq -r '.[0].flags | index("UP") // empty')"
mount --bind /run/netns/other /run/netns/blue
check "other, mounted over blue, is taken as blue at the next resync: its lo brought up" \
	wait_for 10 link_up other lo
# one namespace under two names, one id: its events reach both names (they
# went to the first name alone, other, unmanaged: blue waited for the next
# resync, 5 s here); within 1 s only an event can have healed it
for round in 1 2 3; do
	sleep 0.7
	ip -n blue link set lo down
	check "round $round: lo set down through blue: healed by its event (within 1 s)" wait_for 1 link_up blue lo
done
ip netns del other
sleep 0.3
ip -n blue link set lo down
check "other's name deleted: blue takes the id over, healed by its event" wait_for 1 link_up blue lo
# the host's events come without an id: its names get them from the host
ip link set lo down
check "lo set down in the host: healed through its name hostalias, by its event (within 1 s)" \
	wait_for 1 bash -c "ip -j link show lo | jq -e '.[0].flags | index(\"UP\")' >/dev/null"
check "the host was given no id for itself" bash -c "! ip netns list-id | grep -q 'hostalias'"
# a name for the host attached while netheal runs: read once, no id asked
# for again and again (its retry came back every 10 ms for as long as the
# name lived, half a CPU)
ip netns attach hostlate $$
sleep 0.5
nh=$(pgrep -f "$C/netheal.conf" | head -1)
t0=$(awk '{ print $14 + $15 }' "/proc/$nh/stat")
sleep 2
t1=$(awk '{ print $14 + $15 }' "/proc/$nh/stat")
check "a host name attached late: netheal idle after it (CPU ticks in 2 s: $((t1 - t0)))" [ $((t1 - t0)) -le 5 ]
check "a host name attached late: no retry storm" [ "$(grep -c 'netns=hostlate.*reason=retry' "$T_DIR/netheal.log")" -le 1 ]
ip netns del hostlate
# the round on resync_interval: one record, not one per namespace
check "a resync round is logged once, with how many namespaces it re-read" \
	grep -Eq 'event=resync reason=interval msg="[0-9]+ of [0-9]+ namespaces re-read: interval"' "$T_DIR/netheal.log"
check "... and no namespace has a record of its own for it" \
	bash -c "! grep -q 'event=resync netns=.*reason=interval' '$T_DIR/netheal.log'"
umount -l /run/netns/blue 2>/dev/null || true
finish
