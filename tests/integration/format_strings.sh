#!/bin/bash
# No kernel- or policy-supplied string reaches a format string (issue 14,
# least privilege): a matched namespace, a link in it and a policy file
# named with printf conversions (the kernel takes none in a link name; %n writes through a pointer: under the
# sanitizers a format-string bug crashes). netheal logs, reports and
# prints them literally and stays up. The build has -Wformat=2.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
NS='q%s%n%x%n%s'
write_conf "$C"
policy "$C" 'p%n%s%x' <<'EOP'
namespaces = ( { match = "q*"; links = ( { name = "lo"; } ); } );
EOP
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
"$NETHEAL" monitor -c "$C/netheal.conf" > "$T_DIR/monitor.out" 2>&1 &
bg_started $!
sleep 0.5
ip netns add "$NS"
check "the namespace is healed" wait_for 5 link_up "$NS" lo
ip -n "$NS" link set lo down
check "healed again" wait_for 5 link_up "$NS" lo
check "netheal is alive" kill -0 "$NH_PID"
check "the log names it literally" grep -qF "netns=$NS " "$LOG"
check "and the policy file" grep -qF 'p%n%s%x.conf:' "$LOG"
status() { "$NETHEAL" status --json -c "$C/netheal.conf"; }
check "status lists it literally" wait_for 3 bash -c "$(declare -f status); status | jq -e --arg n '$NS' '[.namespaces[].name] | index(\$n) != null'"
check "monitor prints the namespace literally" wait_for 3 grep -qF " $NS link " "$T_DIR/monitor.out"
check "plan prints it literally" bash -c "'$NETHEAL' plan -c '$C/netheal.conf'; [ \$? -le 2 ]"
kill -TERM "$NH_PID"; wait "$NH_PID"
check "a clean stop" test $? = 0
finish
