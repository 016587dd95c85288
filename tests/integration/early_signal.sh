#!/bin/bash
# Signals before the event loop's watchers exist (reading a large policy
# and the namespaces takes a while): SIGHUP's default action ended netheal,
# and systemd counts that a clean exit, not to be restarted (adversarial
# trial). Now kept and acted on once the loop runs: a SIGHUP reloads, a
# SIGTERM stops cleanly. The policy has 40,000 rules so that reading it
# takes a few hundred milliseconds; the signal comes 100 ms after netheal's
# exec (after the wrapper's, in integration-caps; if it came after the
# watchers, the test would pass the same way).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
write_conf "$C"
python3 - "$C/policy.d/many.conf" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("namespaces = (\n")
    f.write(",\n".join('  { name = "far-%d"; create = false; links = ( { name = "lo"; } ); }' % i
                       for i in range(40000)))
    f.write("\n);\n")
PY
chmod 644 "$C/policy.d/many.conf"
ip netns add far-1
ip -n far-1 link set lo down

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$T_DIR/hup.log" &
pid=$!
bg_started $pid
check "netheal started (through its wrapper, if any)" exec_done $pid
sleep 0.1
kill -HUP "$pid"
check "SIGHUP 100 ms after the start: reloaded once the loop runs" \
	wait_for 60 grep -aq 'event=config-loaded msg="configuration .* reloaded' "$T_DIR/hup.log"
check "... and netheal runs on" kill -0 "$pid"
check "... and heals" wait_for 10 bash -c "ip -n far-1 -j link show lo | jq -e '.[0].flags | index(\"UP\")' >/dev/null"
kill -USR1 "$pid"; kill -USR2 "$pid"; sleep 0.2
check "SIGUSR1 and SIGUSR2 (netheal monitor's, sent to the wrong netheal) leave it running" kill -0 "$pid"
check "while it runs, the status file says no stop" jq -e 'has("stopped") | not' "$C/status.json"
kill -TERM "$pid"; wait "$pid"
check_eq "stopped by SIGTERM: exit 0" 0 "$?"
check "the status file says when it stopped" jq -e '.stopped | test("Z$")' "$C/status.json"
"$NETHEAL" status -c "$C/netheal.conf" >/dev/null 2>"$T_DIR/status.err"
check_eq "netheal status after the stop: exit 3" 3 "$?"
check "... saying it stopped cleanly" grep -q "which stopped cleanly at" "$T_DIR/status.err"

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$T_DIR/term.log" &
pid=$!
bg_started $pid
check "netheal started again" exec_done $pid
sleep 0.1
kill -TERM "$pid"
wait "$pid"
check_eq "SIGTERM 100 ms after the start: a clean stop once the loop runs (exit 0)" 0 "$?"
check "... said it stopped on the signal" grep -aq 'event=stopping msg="stopping on signal 15"' "$T_DIR/term.log"
finish
