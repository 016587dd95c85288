#!/bin/bash
# Field failure 3 (SPEC §4.6): what a policy object waits for wakes it the
# moment it appears, in any namespace, not at its next retry. Each
# dependency is taken away for a few seconds (long enough for the retry
# backoff to reach seconds), then put back; the object must follow within
# 250 ms: a macvlan's parent (in the host), a port's master (a bridge
# someone else makes), a veth whose peer's namespace appears (create =
# false there), a physical link that appears in the host.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C" "backoff: { flap_count = 100; };"
ip link add eth1 type ifb && ip link set eth1 up
policy "$C" wake <<'EOP'
links = ( { name = "eth1"; },
          { name = "p9"; master = "br9"; } );
namespaces = (
  { name = "blue"; links = ( { name = "lo"; },
      { name = "mv0"; kind = "macvlan"; parent = "eth1"; addresses = [ "10.1.7.2/24" ]; } ); },
  { name = "red"; links = ( { name = "lo"; },
      { name = "vr"; kind = "veth"; addresses = [ "10.1.8.1/24" ];
        peer = { name = "vg"; netns = "green"; addresses = [ "10.1.8.2/24" ]; }; } ); },
  { name = "green"; create = false; links = ( { name = "lo"; } ); },
  { name = "olive"; links = ( { name = "lo"; },
      { name = "eth2"; kind = "physical"; addresses = [ "10.1.6.2/24" ]; } ); }
);
EOP
ip link add p9 type veth peer name p9-far

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "mv0 is built" wait_for 20 has_addr blue mv0 10.1.7.2/24
sleep 0.5

# follow DESC MAX_MS CHECK...: the time from now until CHECK holds, at most MAX_MS
follow() {
	local what=$1 max=$2; shift 2
	local t0 t1 ms
	t0=$(date +%s%N)
	if ! wait_for 5 "$@"; then
		fail "$what: not healed within 5 s"
		return
	fi
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	if [ "$ms" -le "$max" ]; then ok "$what: healed $ms ms after it appeared"
	else fail "$what: healed $ms ms after it appeared (more than $max: the retry timer, not the wake-up)"; fi
}

# ---- a macvlan's parent --------------------------------------------------------
expect_heal_failed 'object=link:mv0 action=create-link'
ip link del eth1
sleep 6         # the retry backoff reaches 3.2 s: a retry is far
ip link add eth1 type ifb && ip link set eth1 up
follow "parent eth1 back: mv0" 250 has_addr blue mv0 10.1.7.2/24

# ---- a port's master, made by someone else ------------------------------------
expect_heal_failed 'object=master:br9 action=set-master'
sleep 3
ip link add br9 type bridge
follow "master br9 appears: p9 joins it" 250 bash -c '[ "$(ip -j link show p9 | jq -r ".[0].master // empty")" = br9 ]'

# ---- a veth's peer namespace -------------------------------------------------
sleep 3
ip netns add green
follow "namespace green appears: the pair is made" 250 has_addr green vg 10.1.8.2/24
check "and red's end has its address" wait_for 2 has_addr red vr 10.1.8.1/24

# ---- a physical link that appears in the host -----------------------------------
sleep 3
ip link add eth2 type ifb
follow "eth2 appears in the host: moved into olive" 250 has_addr olive eth2 10.1.6.2/24

kill -TERM "$NH_PID"; wait "$NH_PID"
finish
