#!/bin/bash
# Least privilege (issue 14): netheal.service grants CAP_NET_ADMIN,
# CAP_SYS_ADMIN and CAP_NET_BROADCAST. With those three netheal runs and
# heals (the whole integration suite also runs so: suite integration-caps);
# without CAP_NET_BROADCAST (the one event socket for every namespace needs
# it) it refuses to start, saying so, before it changes anything.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

CAPS=$NETHEAL_SRC/tests/caps.sh
C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
policy "$C" p <<'EOP'
namespaces = ( { name = "blue"; links = ( { name = "lo"; } ); } );
EOP
NETHEAL_CAPS=cap_net_admin,cap_sys_admin timeout 10 bash "$CAPS" "$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG"
check_eq "without CAP_NET_BROADCAST: exit 1" 1 "$?"
check "it says which capability" grep -q "NETLINK_LISTEN_ALL_NSID needs CAP_NET_BROADCAST" "$LOG"
check "before changing anything" test ! -e /run/netns/blue
check "and before saying it started" bash -c "! grep -q event=started '$LOG'"

bash "$CAPS" "$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "with the three it builds the policy" wait_for 10 link_up blue lo
check_eq "and holds those three, no more" 0000000000201800 "$(awk '/^CapEff/ { print $2 }' "/proc/$NH_PID/status")"
ip -n blue link set lo down
check "and heals" wait_for 3 link_up blue lo
check "status answers" bash "$CAPS" "$NETHEAL" status -c "$C/netheal.conf"
kill -TERM "$NH_PID"; wait "$NH_PID"
check "a clean stop" test $? = 0
finish
