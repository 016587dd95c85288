#!/bin/bash
# QA: SIGHUP with a policy that drops a namespace (it stays as it is and is
# no longer enforced, nor listed as managed) and with one that adds links to
# a namespace that exists, and a veth to a namespace added in the same reload.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
policy "$C" keep <<'EOP'
links = ( { name = "br4"; kind = "bridge"; addresses = [ "10.1.7.1/24" ]; } );
namespaces = ( { name = "keep"; links = ( { name = "lo"; } ); } );
EOP
policy "$C" gone <<'EOP'
namespaces = ( { name = "gone";
  links = ( { name = "lo"; },
    { name = "vg"; kind = "veth"; addresses = [ "10.1.7.20/24" ]; peer = { name = "vg-h"; master = "br4"; }; } );
  routes = ( { to = "default"; via = "10.1.7.1"; } ); } );
EOP
not() { ! "$@"; }
listed() { "$NETHEAL" status --json -c "$C/netheal.conf" | jq -e --arg n "$1" '[.. | objects | select(.name? == $n)] | length > 0' >/dev/null; }

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "gone is built" wait_for 20 has_route gone "default via 10.1.7.1"
check "status lists gone" wait_for 2 listed gone

# ---- a reload that drops a namespace -----------------------------------------
before=$(ns_view gone)
rm "$C/policy.d/gone.conf"
kill -HUP "$NH_PID"
check "the reload is logged" wait_for 5 grep -q "event=config-loaded.*" "$LOG"
sleep 0.3
check_eq "the dropped namespace is left exactly as it was" "$before" "$(ns_view gone)"
check "its veth's host end is left alone" link_exists "" vg-h
check "status no longer lists it" wait_for 2 not listed gone
ip -n gone link set vg down
ip -n gone link set lo down
sleep 0.3
check "it is no longer enforced" not link_up gone vg
check "its lo neither" not link_up gone lo
ip link del vg-h
sleep 0.3
check "the host end of its veth is not re-created" not link_exists "" vg-h
check "the dropped namespace is not deleted" test -e /run/netns/gone
ip netns del gone
sleep 0.3
check "nor re-created once someone deletes it" test ! -e /run/netns/gone

# ---- a reload that adds links -------------------------------------------------
policy "$C" keep <<'EOP'
links = ( { name = "br4"; kind = "bridge"; addresses = [ "10.1.7.1/24" ]; } );
namespaces = ( { name = "keep"; links = ( { name = "lo"; },
    { name = "vk"; kind = "veth"; addresses = [ "10.1.7.30/24" ]; peer = { name = "vk-h"; master = "br4"; }; },
    { name = "kb"; kind = "bridge"; mtu = 1400; } );
  routes = ( { to = "default"; via = "10.1.7.1"; } ); },
  { name = "fresh"; links = ( { name = "lo"; },
    { name = "vf"; kind = "veth"; addresses = [ "10.1.8.1/24" ]; peer = { name = "vf2"; netns = "keep"; addresses = [ "10.1.8.2/24" ]; }; } ); } );
EOP
kill -HUP "$NH_PID"
check "a reload adds a veth to an existing namespace" wait_for 5 has_route keep "default via 10.1.7.1"
check "its host end joins the bridge" wait_for 2 bash -c "[ \"\$(ip -j link show vk-h | jq -r '.[0].master')\" = br4 ]"
check_eq "a reload adds a bridge with its mtu" 1400 "$(ip -n keep -j link show kb | jq '.[0].mtu')"
check "a reload adds a namespace whose veth peer lives in another one" wait_for 3 has_addr keep vf2 10.1.8.2/24
check "its own end has its address" has_addr fresh vf 10.1.8.1/24
ip -n keep link del vf2
check "the cross-namespace pair is healed" wait_for 3 has_addr keep vf2 10.1.8.2/24
# ---- a reload that moves the status file -------------------------------------
check "the status file is there" test -s "$C/status.json"
sed -i 's|status.json|moved.json|' "$C/netheal.conf"
kill -HUP "$NH_PID"
check "the new status file is written" wait_for 5 test -s "$C/moved.json"
check "the old one, which would name this running netheal, is removed" not test -e "$C/status.json"
check "status reads the new one" "$NETHEAL" status -c "$C/netheal.conf"
# ... not onto the file another running netheal writes (as at start)
C2=$T_DIR/conf2
write_conf "$C2"
sed -i "s|$C2/status.json|$C/other.json|" "$C2/netheal.conf"
ip netns add other
ip netns exec other "$NETHEAL" run -c "$C2/netheal.conf" --log stderr 2>"$T_DIR/other.log" &
OTHER_PID=$!
check "another netheal writes other.json" wait_for 10 test -s "$C/other.json"
sed -i 's|moved.json|other.json|' "$C/netheal.conf"
kill -HUP "$NH_PID"
check "a reload onto it is refused, naming the other" \
	wait_for 5 grep -q "netheal (pid $OTHER_PID) is running already and writes the status file $C/other.json" "$LOG"
check "... the old policy stays" grep -q "event=config-rejected" "$LOG"
check_eq "... and other.json still names the other" "$OTHER_PID" "$(jq .pid "$C/other.json")"
sed -i 's|other.json|moved.json|' "$C/netheal.conf"
kill -TERM "$OTHER_PID"; wait "$OTHER_PID"
ip netns del other
check "no heal failed" not grep -q "event=heal-failed" "$LOG"
"$NETHEAL" plan -c "$C/netheal.conf" >/dev/null; rc=$?
check_eq "no drift after the reloads" 0 "$rc"
finish
