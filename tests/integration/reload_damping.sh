#!/bin/bash
# SPEC §5.4 and §5.5: a reload (SIGHUP) keeps the flap damping of an object
# another process keeps undoing, so a configuration run that reloads does
# not start the fight again: the damped address stays deferred through the
# reload's converge and the rival's next deletion is deferred too, with no
# second `flapping`. A reload that changes the backoff settings starts the
# counts afresh: healed at once. (The daemon converges at a reload; that
# converge used to switch damping off and heal it at every SIGHUP.)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

not_has_addr() { ! has_addr blue br 10.1.0.1/24; }

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
BACKOFF='backoff: { flap_count = 3; flap_window = 60; initial_ms = 8000; max_ms = 60000; };'
write_conf "$C" "$BACKOFF"
policy "$C" blue <<'EOP'
namespaces = ( { name = "blue"; links = ( { name = "lo"; },
    { name = "br"; kind = "bridge"; addresses = [ "10.1.0.1/24" ]; } ); } );
EOP
ip netns add blue
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "blue is built" wait_for 10 has_addr blue br 10.1.0.1/24

# the rival: three deletions healed at once, the fourth damped
for i in 1 2 3; do
	ip -n blue addr del 10.1.0.1/24 dev br
	check "deletion $i is healed at once" wait_for 2 has_addr blue br 10.1.0.1/24
done
ip -n blue addr del 10.1.0.1/24 dev br
check "the fourth is damped: flapping logged" wait_for 2 grep -q 'event=flapping netns=blue' "$LOG"
# SPEC §5.4: the operator is told how often and how long the wait is
check "... saying how often and for how long" grep -q \
	'event=flapping netns=blue.*reason="healed 3 times in 60 s: backing off, the next heal waits 8.0 s"' "$LOG"
sleep 0.5
check "... and the address left out for now" not_has_addr

# a function, so that wait_for counts again at every try
reloaded_once() { test "$(grep -c 'event=config-loaded.*reloaded' "$LOG")" = 1; }
kill -HUP "$NH_PID"
check "a reload with the same backoff is done" wait_for 5 reloaded_once
sleep 0.5
check "the damped address stays out through the reload" not_has_addr
check_eq "flapping is not logged again" 1 "$(grep -c 'event=flapping' "$LOG")"

# another backoff: counted afresh
write_conf "$C" "${BACKOFF/flap_count = 3/flap_count = 4}"
kill -HUP "$NH_PID"
check "a reload that changes the backoff heals it at once" wait_for 3 has_addr blue br 10.1.0.1/24
check "... and says why" grep -q 'the backoff settings changed: flap damping starts afresh for 1 flapping object, healed at once' "$LOG"
ip -n blue addr del 10.1.0.1/24 dev br
check "... and the next deletion too: a fresh count" wait_for 2 has_addr blue br 10.1.0.1/24
finish
