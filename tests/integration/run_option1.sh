#!/bin/bash
# netheal run on SPEC §1 Option 1 (a physical port handed to a namespace):
# every perturbation is healed, including the port moved back out to the host
# and a port that only appears later.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
# This test breaks the same objects again and again on purpose; flap
# damping (tested in run.sh) must not slow it down.
write_conf "$C" "backoff: { flap_count = 100; };"
make_eth1
policy "$C" option1 <<'EOP'
namespaces = (
  { name = "blue";
    links = (
      { name = "lo"; },
      { name = "eth1"; kind = "physical"; addresses = [ "10.1.1.83/24" ]; }
    );
    routes = ( { to = "default"; via = "10.1.1.1"; } );
  }
);
EOP
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "Option 1 built at start" wait_for 5 has_route blue "default via 10.1.1.1"
check "eth1 was moved into blue" link_up blue eth1

mark() { MARK=$(wc -l < "$LOG"); }
logged_since() { tail -n +"$((MARK + 1))" "$LOG" | grep -q -- "$1"; }
perturb() {
	local what=$1 object=$2 checkcmd=$3; shift 3
	mark
	"$@"
	if wait_for 5 eval "$checkcmd"; then ok "healed: $what"; else fail "healed: $what"; fi
	if wait_for 2 logged_since "event=healed netns=blue .*object=$object"; then
		ok "logged healed: $what"; else fail "logged healed $object: $what"; fi
}
perturb "address removed" "address:10.1.1.83/24" "has_addr blue eth1 10.1.1.83/24" \
	ip -n blue addr del 10.1.1.83/24 dev eth1
perturb "route removed" "route:default" "has_route blue 'default via 10.1.1.1'" ip -n blue route del default
perturb "link down" "state:up" "link_up blue eth1 && has_route blue 'default via 10.1.1.1'" \
	ip -n blue link set eth1 down
perturb "physical link moved out to the host" "link:eth1" \
	"link_up blue eth1 && has_route blue 'default via 10.1.1.1'" ip -n blue link set eth1 netns $$
check "eth1 is no longer in the host" bash -c '! ip link show eth1 2>/dev/null'

# The stand-in is virtual, so deleting the namespace destroys it (a real NIC
# would return to the host): netheal re-creates blue and reports the port
# missing until it appears, then moves it in.
mark
ip netns del blue
check "the namespace is re-created" wait_for 5 link_up blue lo
check "the missing port is reported" wait_for 5 logged_since "netns=blue link=eth1 object=link:eth1"
# The kernel tears a deleted namespace down in the background: the far end
# of the stand-in lingers in the host for a moment.
wait_for 5 bash -c '! ip link show eth1-far 2>/dev/null'
make_eth1
check "the port is moved in as soon as it appears" wait_for 5 has_route blue "default via 10.1.1.1"
check "and it is up with its address" has_addr blue eth1 10.1.1.83/24

kill -TERM "$NH_PID"; wait "$NH_PID"; rc=$?
check_eq "exit 0 on SIGTERM" 0 "$rc"
finish
