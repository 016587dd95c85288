#!/bin/bash
# QA: namespaces the policy matches or names without creating them: a
# `match` rule picks up namespaces made later with `ip netns add` (20 at
# once) and forgets them when they are deleted; a `create = false`
# namespace is reported missing once and adopted when someone creates it;
# a namespace in audit mode next to an enforced one.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
policy "$C" p <<'EOP'
namespaces = (
  { match = "qrouter-*"; links = ( { name = "lo"; } ); },
  { name = "later"; create = false; links = ( { name = "lo"; } ); },
  { name = "aud"; mode = "audit"; links = ( { name = "lo"; } ); },
  { name = "enf"; links = ( { name = "lo"; } ); }
);
EOP
not() { ! "$@"; }
ip netns add aud
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
bg_started $!
check "the enforced namespace is built" wait_for 5 link_up enf lo
check "the create = false namespace is not created" test ! -e /run/netns/later
check "netns-missing is logged" wait_for 2 grep -q "event=netns-missing netns=later" "$LOG"
sleep 0.3
check_eq "netns-missing is logged once" 1 "$(grep -c 'event=netns-missing netns=later' "$LOG")"
check "the audit namespace is left down" not link_up aud lo
check "its drift is logged" grep -q "event=drift netns=aud .*object=state:up" "$LOG"

ip netns add later
check "a create = false namespace is adopted when it appears" wait_for 3 link_up later lo

for i in $(seq 1 20); do ip netns add "qrouter-$i"; done
all_up() { for i in $(seq 1 20); do link_up "qrouter-$i" lo || return 1; done; }
check "a match rule applies to 20 namespaces added at once" wait_for 5 all_up
listed() { "$NETHEAL" status --json -c "$C/netheal.conf" | jq -e --arg n "$1" '[.. | objects | select(.name? == $n)] | length > 0' >/dev/null; }
check "status lists the matched namespaces" wait_for 2 listed qrouter-7

for i in $(seq 1 20); do ip netns del "qrouter-$i"; done
sleep 0.5
check "matched namespaces are not re-created" test ! -e /run/netns/qrouter-7
check "status forgets deleted matched namespaces" wait_for 2 not listed qrouter-7
n=$("$NETHEAL" status --json -c "$C/netheal.conf" | jq '[.. | objects | select(.name? // "" | startswith("qrouter-"))] | length')
check_eq "no qrouter left in status" 0 "$n"

ip netns del later
sleep 0.3
check "a create = false namespace is not re-created" test ! -e /run/netns/later
check_eq "its absence is logged again, once" 2 "$(grep -c 'event=netns-missing netns=later' "$LOG")"
finish
