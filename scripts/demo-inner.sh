#!/bin/bash
# Runs inside tests/sandbox.sh; see scripts/demo.sh.
set -u
NETHEAL=$1
ETC=$2
D=/run/netheal-demo
mkdir -p "$D/policy.d"
# The example's on_create hook restarts netns-sshd@blue.service through
# systemd; the sandbox has no systemd of its own, so the demo leaves it out.
sed '/^ *# The seed.s sshd/,/^ *};$/d' "$ETC/policy.d/option2-bridge.conf" >"$D/policy.d/option2-bridge.conf"
chmod 644 "$D/policy.d/"*.conf
cat > "$D/netheal.conf" <<EOC
netheal: {
  policy_dir = "$D/policy.d";
  status_file = "$D/status.json";
  resync_interval = 0;
};
EOC

# ip names netheal's routes "proto netheal" when it knows the number: the
# package installs etc/rt_protos.d/netheal.conf; here it is shown to ip in
# this sandbox's own mount namespace only (the machine's stays as it is).
if [ -d /etc/iproute2/rt_protos.d ]; then
	mount --bind "$ETC/rt_protos.d" /etc/iproute2/rt_protos.d
fi

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() {
	echo "host:"; ip -br addr show | sed 's/^/  /'
	echo "blue:"; ip -n blue -br addr show 2>/dev/null | sed 's/^/  /'
	ip -n blue route show 2>/dev/null | sed 's/^/  route: /'
}
do_ip() { echo "\$ $*"; "$@"; sleep 0.3; }

say "a stand-in for the physical port eth1 (one end of a veth pair)"
ip link add eth1 type veth peer name eth1-far
ip link set eth1-far up

say "the policy ($D/policy.d/option2-bridge.conf)"
grep -v '^\s*#' "$D/policy.d/option2-bridge.conf" | sed '/^\s*$/d'

say "netheal check"
"$NETHEAL" check -c "$D/netheal.conf" && echo "valid"

say "netheal run (log on stderr)"
"$NETHEAL" run -c "$D/netheal.conf" --log stderr &
pid=$!
for _ in $(seq 100); do [ -s "$D/status.json" ] && break; sleep 0.05; done
sleep 0.2
show

say "break it: address removed, route removed, link down, master unset"
do_ip ip -n blue addr del 10.1.1.100/24 dev v-peer1
do_ip ip -n blue route del default
do_ip ip -n blue link set v-peer1 down
do_ip ip link set v-eth1 nomaster

say "break it harder: the veth pair deleted, the bridge deleted, the namespace deleted"
do_ip ip link del v-eth1
do_ip ip link del br1
do_ip ip netns del blue
sleep 0.2
show

say "netheal plan: no drift left"
"$NETHEAL" plan -c "$D/netheal.conf"

say "netheal status"
"$NETHEAL" status --status-file "$D/status.json"

say "stop (SIGTERM)"
kill -TERM "$pid"
wait "$pid"
echo "netheal exited with status $?"
