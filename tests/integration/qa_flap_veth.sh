#!/bin/bash
# QA: flap damping counts heals of one object (SPEC §5.4). When the
# namespace holding one end of a veth pair is deleted, the kernel tears it
# down in the background: netheal may still see the other end, deletes it
# (SPEC §4.1) and re-creates the pair. That delete is half of one heal, not
# a heal of its own: two such re-creations are two heals, not four.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C" "backoff: { flap_count = 3; flap_window = 60; initial_ms = 5000; max_ms = 5000; };"
policy "$C" pair <<'EOP'
namespaces = (
  { name = "a3"; links = ( { name = "x1"; kind = "veth"; addresses = [ "10.1.5.1/24" ];
      peer = { name = "x2"; netns = "a4"; addresses = [ "10.1.5.2/24" ]; }; } ); },
  { name = "a4"; }
);
EOP
not() { ! "$@"; }
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
bg_started $!
built() { has_addr a3 x1 10.1.5.1/24 && has_addr a4 x2 10.1.5.2/24; }
check "the pair is built" wait_for 5 built
for i in 1 2; do
	sleep 0.3
	ip netns del a4
	check "the peer's namespace deleted ($i): all is back at once" wait_for 2 built
done
check "two re-creations of one pair are not flapping (flap_count = 3)" not grep -q "event=flapping" "$LOG"
# The re-created namespace's heal is timed from its deletion, not from the
# moment netheal adopted the namespace it had just made.
check "create-netns is logged" grep -q "event=healed netns=a4 object=netns:a4 action=create-netns" "$LOG"
check "create-netns carries its latency" not grep -q "action=create-netns latency_us=0 " "$LOG"
finish
