#!/bin/bash
# valgrind memcheck over netheal (issue 14, item 3): `check`, `plan`,
# `apply` (from nothing, then again with nothing to do), `export`, and a
# short `run` that is perturbed every way the seed's vocabulary and the
# objects know — an address, a route, a link set down, a veth pair deleted,
# a rule, a neighbour, a sysctl, a macvlan deleted, a link renamed, a whole
# namespace deleted, matched namespaces added and deleted, a reload, a
# rejected reload — and healed, then stopped. Each run must end with no
# invalid access, no use of uninitialised memory and no definite leak
# (--errors-for-leak-kinds=definite --error-exitcode). The leak summaries
# are printed.
#
# On a sanitized build (ASan cannot run under valgrind) it is skipped: the
# normal build runs it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

if [ -n "${NETHEAL_SANITIZED:-}" ] && [ "$NETHEAL_SANITIZED" != none ]; then
	echo "SKIP: a $NETHEAL_SANITIZED build cannot run under valgrind (the normal build runs this test)"
	exit 77
fi
command -v valgrind >/dev/null || { fail "valgrind is not installed (scripts/deps.sh test installs it)"; finish; }

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
VG=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --track-origins=yes --num-callers=30)
write_conf "$C" "backoff: { flap_count = 100; flap_window = 1; initial_ms = 10; max_ms = 100; };
  metrics_file = \"$T_DIR/metrics.prom\";"
make_eth1
ip link add up0 type veth peer name up0p
ip link set up0p up
policy "$C" rich <<'EOP'
links = (
  { name = "br1"; kind = "bridge"; addresses = [ "10.1.1.51/24", "2001:db8:1::51/64" ]; },
  { name = "eth1"; master = "br1"; },
  { name = "up0"; },
  { name = "vx0"; kind = "vxlan"; id = 42; local = "10.1.1.51"; remote = "192.0.2.2"; port = 4789; }
);
routes = ( { to = "198.51.100.0/24"; via = "10.1.1.1"; metric = 7; } );
namespaces = (
  { name = "blue";
    links = (
      { name = "lo"; },
      { name = "v-peer1"; kind = "veth"; addresses = [ "10.1.1.100/24" ]; mac = "02:00:0a:01:01:64";
        peer = { name = "v-eth1"; master = "br1"; };
      }
    );
    routes = ( { to = "default"; via = "10.1.1.51"; } );
    hooks = { on_create = [ "/bin/true" ]; on_heal = [ "/bin/true" ]; };
  },
  { name = "rtr";
    links = (
      { name = "lo"; },
      { name = "lan0"; kind = "veth"; addresses = [ "10.1.20.1/24", "2001:db8:20::1/64" ];
        peer = { name = "rtr-lan0"; }; },
      { name = "wan0"; kind = "veth"; addresses = [ "198.51.100.2/24" ]; peer = { name = "rtr-wan0"; }; },
      { name = "mv0"; kind = "macvlan"; parent = "up0"; addresses = [ "10.1.30.1/24" ]; }
    );
    routes = (
      { to = "default"; via = "198.51.100.1"; },
      { to = "default"; via = "198.51.100.254"; table = 100; }
    );
    rules = ( { priority = 1000; from = "10.1.20.128/25"; table = 100; } );
    neighbours = ( { address = "198.51.100.1"; lladdr = "02:00:c6:33:64:01"; dev = "wan0"; } );
    sysctl = [ "net.ipv4.ip_forward=1", "net.ipv4.conf.wan0.rp_filter=1" ];
  },
  { match = "tenant-*"; links = ( { name = "lo"; addresses = [ "10.1.99.1/32" ]; } ); }
);
EOP
ip netns add tenant-0

# vg NAME CMD...: netheal CMD under memcheck; its log in $T_DIR/vg-NAME.log
vg() {
	local name=$1; shift
	"${VG[@]}" --log-file="$T_DIR/vg-$name.log" "$NETHEAL" "$@"
}
# vg_clean NAME RC: the run exited RC (99: memcheck found errors) and its log
# shows no error and no definite leak
vg_clean() {
	local name=$1 rc=$2 want=${3:-0} f=$T_DIR/vg-$1.log
	local errs lost
	errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$f" | tail -1)
	lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$f" | tail -1)
	echo "    $name: $(grep -E 'in use at exit|definitely lost|indirectly lost|possibly lost|ERROR SUMMARY' "$f" |
		sed 's/^==[0-9]*== *//' | tr -s ' ' | paste -sd ';' -)"
	check_eq "$name: exit $want under memcheck" "$want" "$rc"
	check_eq "$name: no memcheck error (invalid access, uninitialised value, definite leak)" 0 "${errs:-missing}"
	check_eq "$name: nothing definitely lost" 0 "${lost:-0}"
	if [ "${errs:-1}" != 0 ] || [ "$rc" = 99 ]; then
		grep -v '^==[0-9]*== *$' "$f" | head -n 80
	fi
}

vg check check -c "$C/netheal.conf" > /dev/null 2>&1; vg_clean check $?
vg plan-before plan -c "$C/netheal.conf" > /dev/null 2>&1; vg_clean plan-before $? 2
vg apply apply -c "$C/netheal.conf" > "$T_DIR/apply.out" 2>&1; vg_clean apply $?
vg apply-again apply -c "$C/netheal.conf" > "$T_DIR/apply2.out" 2>&1; vg_clean apply-again $?
"$NETHEAL" plan -c "$C/netheal.conf" > /dev/null; check_eq "plan after apply: no drift" 0 $?
vg export export > "$T_DIR/export.out" 2>&1; vg_clean export $?

# ---- run, perturbed -----------------------------------------------------------
"${VG[@]}" --log-file="$T_DIR/vg-run.log" "$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "run starts under memcheck" wait_for 60 grep -q "event=started" "$LOG"
converged() { "$NETHEAL" plan -c "$C/netheal.conf" >/dev/null 2>&1; }
# perturb WHAT CMD...: break it, then wait for `plan` to find nothing to do
perturb() {
	local what=$1; shift
	"$@" || { fail "$what: the perturbation itself failed"; return; }
	check "$what: healed" wait_for 30 converged
}
perturb "address deleted" ip -n blue addr del 10.1.1.100/24 dev v-peer1
perturb "route deleted" ip -n blue route del default
perturb "host route deleted" ip route del 198.51.100.0/24
perturb "link set down" ip -n blue link set v-peer1 down
perturb "veth pair deleted" ip link del v-eth1
perturb "rule deleted" ip -n rtr rule del priority 1000
perturb "neighbour deleted" ip -n rtr neigh del 198.51.100.1 dev wan0
perturb "sysctl changed" ip netns exec rtr sysctl -qw net.ipv4.ip_forward=0
perturb "macvlan deleted" ip -n rtr link del mv0
perturb "vxlan deleted" ip link del vx0
perturb "bridge renamed" ip link set br1 name br9
perturb "IPv6 address deleted" ip -n rtr addr del 2001:db8:20::1/64 dev lan0
perturb "namespace deleted" ip netns del blue
perturb "matched namespace added" ip netns add tenant-1
check "the matched namespace is built" wait_for 30 has_addr tenant-1 lo 10.1.99.1/32
perturb "matched namespace deleted" ip netns del tenant-0
kill -HUP "$NH_PID"
check "a reload is taken" wait_for 30 grep -q "event=config-loaded" "$LOG"
echo 'links = ( { name = "bad"; kind = "nonsense"; } );' > "$C/policy.d/zz-bad.conf"
chmod 644 "$C/policy.d/zz-bad.conf"
kill -HUP "$NH_PID"
check "a broken policy is rejected" wait_for 30 grep -q "event=config-rejected" "$LOG"
rm -f "$C/policy.d/zz-bad.conf"
perturb "after the rejected reload: a route deleted" ip -n rtr route del default table 100
perturb "everything at once" bash -c 'ip -n blue link set lo down; ip -n rtr addr flush dev lan0;
	ip -n tenant-1 addr del 10.1.99.1/32 dev lo; ip link set eth1 nomaster'
check "netheal is alive" kill -0 "$NH_PID"
heals=$(grep -ac 'event=healed' "$LOG")
check "heals were logged ($heals)" test "$heals" -ge 15
kill -TERM "$NH_PID"
wait "$NH_PID"; rc=$?
vg_clean run "$rc"
finish
