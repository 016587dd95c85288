#!/bin/bash
# Field failure 5 (noise): warnings only for what is really stuck (SPEC §4.5,
# §4.8). A managed link moved into another namespace, and the namespace of
# one end of a cross-namespace veth deleted, are healed without a
# heal-failed record (the first failure came from a view the kernel had
# already changed). A failure that persists is logged once: not again after
# a SIGHUP with the same policy, and once (not twice) at start-up.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C" "backoff: { flap_count = 100; };"
make_eth1
option2_policy | policy "$C" option2
policy "$C" pair <<'EOP'
namespaces = (
  { name = "red"; links = ( { name = "lo"; },
      { name = "vr"; kind = "veth"; addresses = [ "10.1.9.1/24" ];
        peer = { name = "vg"; netns = "green"; addresses = [ "10.1.9.2/24" ]; }; } );
    routes = ( { to = "198.51.100.0/24"; via = "10.1.9.2"; } ); },
  { name = "green"; links = ( { name = "lo"; } ); }
);
EOP

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "Option 2 is built" wait_for 20 has_route blue "default via 10.1.1.51"
check "the cross-namespace pair is built" wait_for 5 has_route red "198.51.100.0/24 via 10.1.9.2"

failures() { grep -a -c "event=heal-failed" "$1"; }
blue_built() { has_route blue "default via 10.1.1.51" && link_up blue v-peer1; }

# ---- a managed link moved into another namespace -----------------------------
for i in 1 2 3; do
	ip -n blue link set v-peer1 netns red
	check "moved to red ($i): back in blue with its route" wait_for 5 blue_built
	check "moved to red ($i): not left in red" bash -c '! ip -n red link show v-peer1 >/dev/null 2>&1'
	sleep 0.2
done
check_eq "no heal-failed for the moves" 0 "$(failures "$LOG")"

# ---- one end's namespace of a cross-namespace pair deleted ---------------------
for i in 1 2 3; do
	ip netns del green
	check "green deleted ($i): re-created with its end and address" \
		wait_for 5 has_addr green vg 10.1.9.2/24
	check "green deleted ($i): red's route via it is back" \
		wait_for 5 has_route red "198.51.100.0/24 via 10.1.9.2"
	sleep 0.3
done
check_eq "no heal-failed for the deletions" 0 "$(failures "$LOG")"

# ---- a failure that persists ----------------------------------------------------
# A gateway no link can reach: the kernel refuses the route every time.
expect_heal_failed 'object=route:203.0.113.0/24 action=add-route'
policy "$C" stuck <<'EOP'
namespaces = ( { name = "stuck"; links = ( { name = "lo"; } );
  routes = ( { to = "203.0.113.0/24"; via = "198.51.100.1"; } ); } );
EOP
kill -HUP "$NH_PID"
check "the failure is logged" wait_for 5 grep -aq "event=heal-failed netns=stuck" "$LOG"
sleep 1
check_eq "once" 1 "$(failures "$LOG")"
kill -HUP "$NH_PID"
reloads() { [ "$(grep -ac event=config-loaded "$LOG")" -ge "$1" ]; }
check "the reload is done" wait_for 5 reloads 3
sleep 1
check_eq "not again after a SIGHUP with the same policy" 1 "$(failures "$LOG")"
check "the namespace says what it waits for" bash -c \
	"'$NETHEAL' status --json -c '$C/netheal.conf' | jq -e '.namespaces[] | select(.name == \"stuck\") | .last_error | test(\"203.0.113.0/24\")' >/dev/null"
kill -TERM "$NH_PID"; wait "$NH_PID"

LOG2=$T_DIR/netheal-2.log
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG2" &
NH_PID=$!
bg_started $NH_PID
check "after a restart: logged" wait_for 10 grep -aq "event=heal-failed netns=stuck" "$LOG2"
sleep 1
check_eq "after a restart: once, not twice" 1 "$(failures "$LOG2")"
kill -TERM "$NH_PID"; wait "$NH_PID"
finish
