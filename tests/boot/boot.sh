#!/bin/bash
# The boot test (issue 13): the .deb installed like any Debian daemon, in a
# minimal Debian booted under a real systemd.
#
#   bash tests/boot/boot.sh PATH/TO/netheal_VERSION_ARCH.deb
#
# 1. mmdebstrap builds a minimal root of this machine's release from this
#    machine's own apt sources (`apt-cache policy`: no mirror is named here),
#    with systemd, iproute2, openssh-server and ansible-core; a small unit
#    makes a stand-in for the physical port eth1 (a veth end) before netheal
#    starts.
# 2. systemd-nspawn --boot --private-network boots it, inside `unshare
#    --mount` with a tmpfs on /run/systemd/nspawn: nothing of the host
#    changes, no host interface is touched. Every check runs inside the
#    container through nsenter on its PID 1.
# Boot 1: dpkg -i enables and starts netheal; the Option 2 example policy,
#    netns-sshd@.service and `systemctl reload` build the topology.
# Boot 2: the topology is rebuilt at boot with no script; sshd answers in
#    blue; `ip netns del blue` is healed and sshd restarted by the hook;
#    journal fields, MESSAGE_IDs and catalog text; reload with a broken
#    policy fails and changes nothing, with a good one it is enforced; the
#    Ansible playbook; the watchdog restarts a stopped netheal;
#    systemd-analyze security.
# Boot 3: everything, the reloaded policy included, is rebuilt at boot.
#
# Exit 0 all passed, 1 a check failed, 77 (skip) only where systemd-nspawn
# cannot boot a container here. Every process it starts is ended by pid and
# it leaves no mount behind. Takes about three minutes.
set -u
deb=${1:?usage: boot.sh PATH/TO/netheal.deb}
deb=$(realpath "$deb")
here=$(cd "$(dirname "$0")" && pwd)

T_PASS=0
T_FAIL=0
T_XFAIL=0
ok()    { T_PASS=$((T_PASS + 1)); echo "ok - $*"; }
fail()  { T_FAIL=$((T_FAIL + 1)); echo "FAIL - $*"; }
xfail() { T_XFAIL=$((T_XFAIL + 1)); echo "xfail - $*"; }
say()   { echo "# $*"; }
skip_all() { echo "SKIP: $*" >&2; echo "boot test skipped: $*"; exit 77; }
T0=$(date +%s)
elapsed() { echo "$(( $(date +%s) - T0 )) s"; }

[ "$(id -u)" = 0 ] || skip_all "systemd-nspawn needs root"
for tool in mmdebstrap systemd-nspawn nsenter unshare jq; do
	command -v "$tool" >/dev/null || { echo "FAIL - $tool is not installed (bash scripts/deps.sh test)"; exit 1; }
done
[ -f "$deb" ] || { echo "FAIL - no package at $deb"; exit 1; }

W=$(mktemp -d "${NETHEAL_BOOT_TMP:-/var/tmp}/netheal-boot.XXXXXX")
root=$W/root
NSPAWN_PID=
CPID=
MADE_NSPAWN_DIR=

# ---- cleanup: the container, by pid; mounts; the work dir ----

stop_container() {
	[ -n "$NSPAWN_PID" ] || return 0
	if kill -0 "$NSPAWN_PID" 2>/dev/null && [ -n "$CPID" ] && [ -e "/proc/$CPID" ]; then
		timeout 30 nsenter -t "$CPID" -a systemctl poweroff >/dev/null 2>&1
	fi
	for _ in $(seq 300); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$NSPAWN_PID" 2>/dev/null; then
		# nspawn ends the container's PID 1 (and so all of it) on SIGTERM
		kill -TERM "$NSPAWN_PID" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$NSPAWN_PID" 2>/dev/null
	fi
	wait "$NSPAWN_PID" 2>/dev/null
	NSPAWN_PID=
	CPID=
}

cleanup() {
	stop_container
	# mmdebstrap and nspawn ran in mount namespaces of their own: nothing of
	# theirs is mounted here. Anything under $W would be a bug: say so.
	if grep -qF " $W" /proc/self/mountinfo; then
		echo "FAIL - mounts left under $W:"; grep -F " $W" /proc/self/mountinfo
		grep -F " $W" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l
	fi
	[ -n "$MADE_NSPAWN_DIR" ] && rmdir /run/systemd/nspawn 2>/dev/null
	rm -rf --one-file-system "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ct CMD...: run CMD inside the container (all its namespaces), with a clean
# environment and a time limit.
ct() {
	timeout 120 nsenter -t "$CPID" -a -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		HOME=/root TERM=dumb SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}

# wait_in SECONDS CMD...: poll (0.2 s) until CMD succeeds inside.
wait_in() {
	local t=$1; shift
	local end=$(( $(date +%s) + t ))
	until ct "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# ---- 1. the root ----

. /etc/os-release
suite=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
# This machine's Debian sources, as apt itself resolved them.
apt-cache policy | awk '/^ *[0-9]+ / && $2 ~ /:\/\// { uri = $2; split($3, a, "/"); getline;
	if ($0 ~ /o=Debian,/) print "deb " uri " " a[1] " " a[2] }' | sort -u >"$W/sources.list"
if [ ! -s "$W/sources.list" ]; then
	echo "FAIL - no Debian source in this machine's apt configuration (apt-get update?)"; exit 1
fi
# The package's own dependencies go into the root: the container has no
# network when dpkg -i runs in it.
pkgdeps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' | grep -v '^$' | paste -sd,)
say "building a $suite root from: $(tr '\n' ';' <"$W/sources.list")"
say "with the package's dependencies: $pkgdeps"
mkdir -p "$W/hooks"
cat >"$W/hooks/eth1.service" <<'EOF'
# Boot test only: a stand-in for the physical port eth1 of SPEC §1 (one end
# of a veth pair), there before netheal starts, as a NIC would be.
[Unit]
Description=boot test: stand-in for the physical port eth1
DefaultDependencies=no
Before=netheal.service network-pre.target
Wants=network-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/ip link add eth1 type veth peer name eth1-far
ExecStart=/usr/sbin/ip link set eth1-far up

[Install]
WantedBy=multi-user.target
EOF
# Acquire::Check-Valid-Until: this machine's apt may serve a snapshot whose
# Release files are past their Valid-Until date; the test does not judge
# the archive's freshness.
if ! unshare --mount --propagation private \
	mmdebstrap --mode=root --variant=minbase --quiet \
	--aptopt='Acquire::Check-Valid-Until "false"' \
	--include="systemd-sysv,dbus,iproute2,openssh-server,ansible-core,$pkgdeps" \
	--customize-hook="cp '$W/hooks/eth1.service' \"\$1/etc/systemd/system/nh-test-eth1.service\"" \
	--customize-hook='chroot "$1" systemctl enable nh-test-eth1.service' \
	--customize-hook='chroot "$1" systemctl mask console-getty.service apt-daily.timer apt-daily-upgrade.timer' \
	--customize-hook='echo nhboot >"$1/etc/hostname"' \
	"$suite" "$root" "$W/sources.list" >"$W/mmdebstrap.log" 2>&1; then
	tail -30 "$W/mmdebstrap.log"
	echo "FAIL - mmdebstrap could not build the root (log above)"; exit 1
fi
ok "mmdebstrap built a $suite root ($(du -sm "$root" | cut -f1) MiB) in $(elapsed)"

# ---- booting ----

BOOTS=0
boot() {
	BOOTS=$((BOOTS + 1))
	local log=$W/console-$BOOTS.log t
	if [ ! -d /run/systemd/nspawn ]; then
		mkdir -p /run/systemd/nspawn && MADE_NSPAWN_DIR=1
	fi
	# nspawn keeps its locks and propagation dirs in /run/systemd/nspawn: a
	# tmpfs there, in a mount namespace of its own, keeps the host's clean.
	unshare --mount --propagation private -- sh -c '
		mount -t tmpfs -o mode=0755 tmpfs /run/systemd/nspawn || exit 1
		exec systemd-nspawn --quiet --boot --private-network --register=no --keep-unit \
			--link-journal=no --console=read-only -M nhboot -D "$1"' sh "$root" \
		>"$log" 2>&1 </dev/null &
	NSPAWN_PID=$!
	t=$(date +%s)
	CPID=
	for _ in $(seq 300); do
		CPID=$(pgrep -P "$NSPAWN_PID" -x systemd | head -1)
		[ -n "$CPID" ] && break
		kill -0 "$NSPAWN_PID" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$CPID" ]; then
		cat "$log"
		NSPAWN_PID=
		[ "$BOOTS" = 1 ] && skip_all "systemd-nspawn cannot boot a container on this machine (console above)"
		fail "boot $BOOTS: the container did not start"
		return 1
	fi
	# systemctl needs the manager's socket: wait for it before asking.
	for _ in $(seq 300); do
		[ -S "/proc/$CPID/root/run/systemd/private" ] && break
		sleep 0.1
	done
	local state
	state=$(ct systemctl is-system-running --wait 2>/dev/null)
	case $state in
	running) ok "boot $BOOTS: the system is running after $(( $(date +%s) - t )) s" ;;
	*) fail "boot $BOOTS: system state '$state'; failed units: $(ct systemctl --failed --no-legend | tr '\n' ' ')" ;;
	esac
}

# ip_json NETNS ARGS...: `ip -j` inside the container, in namespace NETNS
# ("-": its host namespace).
ip_json() {
	local ns=$1; shift
	if [ "$ns" = - ]; then ct ip -j "$@"; else ct ip -n "$ns" -j "$@"; fi
}
has_addr() { ip_json "$1" addr show dev "$2" 2>/dev/null | jq -e --arg a "${3%/*}" --argjson l "${3#*/}" \
	'.[0].addr_info | any(.local == $a and .prefixlen == $l)' >/dev/null; }
is_up() { ip_json "$1" link show dev "$2" 2>/dev/null | jq -e '.[0].flags | index("UP") != null' >/dev/null; }
master_of() { ip_json "$1" link show dev "$2" 2>/dev/null | jq -r '.[0].master // empty'; }
default_via() { ip_json "$1" route show default 2>/dev/null | jq -r '.[0].gateway // empty'; }

# The whole Option 2 topology of SPEC §1, as an independent observer sees it.
topology_ok() {
	has_addr - br1 10.1.1.51/24 && is_up - br1 &&
	[ "$(master_of - eth1)" = br1 ] && [ "$(master_of - v-eth1)" = br1 ] && is_up - v-eth1 &&
	has_addr blue v-peer1 10.1.1.100/24 && is_up blue v-peer1 && is_up blue lo &&
	[ "$(default_via blue)" = 10.1.1.51 ]
}

keyscan() { ct ssh-keyscan -T 3 -t ed25519 10.1.1.100 2>/dev/null | grep -q '^10.1.1.100 ssh-ed25519 '; }
wait_keyscan() {
	local end=$(( $(date +%s) + $1 ))
	until keyscan; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.3; done
}
main_pid() { ct systemctl show -P MainPID "$1"; }
# The cursor of the journal's last entry: later queries take what came after
# it. A cursor, not a wall-clock --since: the machine's clock may be stepped
# (NTP on a fresh CI machine) and take earlier records past a time.
jcursor() { ct journalctl -n 1 -o json --no-pager | jq -r '.__CURSOR'; }
ssh_diag() {
	echo "# host neighbours: $(ct ip neigh show 10.1.1.100)"
	echo "# blue: $(ct ip -n blue -br addr | tr '\n' ';') listening: $(ct ip netns exec blue ss -Hltn | tr '\n' ';')"
	echo "# bridge ports: $(ct bridge link show | tr '\n' ';')"
	ct journalctl -b -u netns-sshd@blue.service --no-pager -n 15 | sed 's/^/#   /'
}

# ---- boot 1: install ----

say "boot 1: install the package"
boot || exit 1
cp "$deb" "$root/root/"
if ct dpkg -i "/root/${deb##*/}" >"$W/dpkg.log" 2>&1; then
	ok "dpkg -i ${deb##*/}"
else
	cat "$W/dpkg.log"; fail "dpkg -i failed"
fi
[ "$(ct systemctl is-enabled netheal.service)" = enabled ] && ok "the unit is enabled by the package" ||
	fail "netheal.service is not enabled after install"
wait_in 20 systemctl is-active --quiet netheal.service && ok "the package started netheal (empty policy.d)" ||
	fail "netheal is not active after install: $(ct systemctl status netheal --no-pager 2>&1 | tail -5)"
ct test -d /etc/netheal/policy.d && [ -z "$(ct ls -A /etc/netheal/policy.d)" ] &&
	ok "/etc/netheal/policy.d is shipped empty" || fail "/etc/netheal/policy.d missing or not empty"
ct dpkg-query -W -f='${Conffiles}\n' netheal | grep -q '/etc/netheal/netheal.conf' &&
	ok "/etc/netheal/netheal.conf is a conffile" || fail "/etc/netheal/netheal.conf is not a conffile"
ct test -f /usr/share/man/man8/netheal.8.gz && ct test -f /usr/share/man/man5/netheal.conf.5.gz &&
	ok "man pages installed" || fail "man pages missing"
n=$(ct journalctl --list-catalog 2>/dev/null | grep -c ' netheal: ')
[ "$n" -ge 14 ] && ok "the journal catalog was compiled on install ($n netheal entries)" ||
	fail "journalctl --list-catalog has $n netheal entries"
ct netheal status >/dev/null && ok "netheal status answers the running service" || fail "netheal status"

say "boot 1: the Option 2 policy and sshd in blue, then systemctl reload"
ct cp /usr/share/doc/netheal/examples/option2-bridge.conf /etc/netheal/policy.d/
ct cp /usr/share/doc/netheal/examples/netns-sshd@.service /etc/systemd/system/
ct systemctl daemon-reload
ct systemctl enable netns-sshd@blue.service >/dev/null 2>&1
ct netheal check && ok "netheal check passes with the example in policy.d" || fail "netheal check"
if ct systemctl reload netheal.service; then ok "systemctl reload with the Option 2 policy"; else fail "systemctl reload"; fi
end=$(( $(date +%s) + 15 ))
until topology_ok; do [ "$(date +%s)" -lt "$end" ] || break; sleep 0.2; done
topology_ok && ok "the reload built the Option 2 topology" || fail "no Option 2 topology after the reload"
wait_keyscan 20 && ok "sshd answers in blue (started by the on_create hook)" || fail "ssh-keyscan 10.1.1.100 gets no answer"
stop_container

# ---- boot 2 ----

say "boot 2: after a reboot, with no script"
boot || exit 1
[ "$(ct systemctl is-active netheal.service)" = active ] && ok "netheal is active after boot" ||
	fail "netheal is not active after boot"
topology_ok && ok "the Option 2 topology was built at boot" || fail "the topology is not there after boot"
ct ip -n blue route show default | grep -q 'proto netheal' && ok "ip route shows proto netheal (rt_protos.d entry)" ||
	fail "default route in blue: $(ct ip -n blue route show default)"
wait_keyscan 20 && ok "sshd answers ssh-keyscan 10.1.1.100 after boot" || fail "no ssh answer in blue after boot"
ct ip netns exec blue ss -Hltn 'sport = :22' | grep -q LISTEN && ok "sshd listens inside blue" || fail "nothing listens on :22 in blue"

say "boot 2: ip netns del blue"
nhpid=$(main_pid netheal.service)
sshpid=$(main_pid netns-sshd@blue.service)
old_ns=$(ct stat -L -c %i /run/netns/blue)
ct ip netns del blue
end=$(( $(date +%s) + 15 ))
until topology_ok && [ "$(ct stat -L -c %i /run/netns/blue 2>/dev/null)" != "$old_ns" ]; do
	[ "$(date +%s)" -lt "$end" ] || break; sleep 0.1
done
topology_ok && ok "blue was re-created with its links, address and route" || fail "blue not rebuilt"
if wait_keyscan 30; then
	ok "sshd answers again in the new blue"
else
	fail "no ssh answer after blue was re-created"
	ssh_diag
fi
newssh=$(main_pid netns-sshd@blue.service)
[ "$newssh" != "$sshpid" ] && [ "$newssh" != 0 ] && ok "the on_create hook restarted netns-sshd@blue (pid $sshpid -> $newssh)" ||
	fail "netns-sshd@blue was not restarted (pid $sshpid -> $newssh)"
[ "$(ct readlink "/proc/$newssh/ns/net")" = "net:[$(ct stat -L -c %i /run/netns/blue)]" ] &&
	ok "the new sshd runs in the new blue" || fail "the new sshd is not in the new blue"
[ "$(main_pid netheal.service)" = "$nhpid" ] && ok "netheal healed it without a restart" || fail "netheal restarted"

say "boot 2: the journal"
ct journalctl -b -u netheal.service -o verbose --no-pager >"$W/verbose.txt"
for f in NETHEAL_EVENT=healed NETHEAL_EVENT=netns-created NETHEAL_EVENT=hook-run NETHEAL_NETNS=blue \
	 NETHEAL_OBJECT=netns:blue NETHEAL_ACTION= NETHEAL_LATENCY_US= MESSAGE_ID=36bef42e03f5434684bce9e429a8a99c \
	 MESSAGE_ID=db06abcf5b694cfb990ce902e263c5ba; do
	grep -q "^    $f" "$W/verbose.txt" && ok "journalctl -o verbose shows $f" || fail "journalctl -o verbose lacks $f"
done
# the catalog as journalctl -x renders it: any record of this boot will do
ct journalctl -b -x -u netheal.service --no-pager >"$W/x.txt" 2>&1
grep -q "Subject: netheal created namespace blue" "$W/x.txt" && grep -q "Defined-By: netheal" "$W/x.txt" &&
	ok "journalctl -x shows the catalog text (netheal created namespace blue)" ||
	{ fail "journalctl -x shows no catalog text:"; grep -E "Subject|create" "$W/x.txt" | sort | uniq -c | head -20; }
ct journalctl -b -u netheal.service -o json --no-pager NETHEAL_EVENT=healed >"$W/healed.json"
msg=$(jq -r 'select(.NETHEAL_OBJECT == "address:10.1.1.100/24") | .MESSAGE' "$W/healed.json" | tail -1)
act=$(jq -r 'select(.NETHEAL_OBJECT == "address:10.1.1.100/24") | .NETHEAL_ACTION' "$W/healed.json" | tail -1)
if [ -z "$msg" ]; then
	fail "no healed record for address:10.1.1.100/24"
elif echo "$msg" | grep -qiE "\b(added|created|set|moved|renamed|re-created|brought|replaced|put back)\b" ||
	{ [ -n "$act" ] && echo "$msg" | grep -qF -- "$act"; }; then
	ok "a healed record's MESSAGE says what was done: '$msg'"
else
	# The MESSAGE is the core's (service/engine.c log_action): known gap,
	# reported to the core; NETHEAL_ACTION carries the action meanwhile.
	xfail "a healed record's MESSAGE says only what was missing: '$msg' (NETHEAL_ACTION=$act)"
fi

say "boot 2: systemctl reload with a broken policy"
printf 'links = (\n  { name = "x0"; kind = "dummy"; adresses = [ "10.1.9.1/24" ]; }\n);\n' |
	ct sh -c 'cat >/etc/netheal/policy.d/zz-broken.conf'
since=$(jcursor)
if ct systemctl reload netheal.service >"$W/reload.out" 2>&1; then
	fail "systemctl reload succeeded with a broken policy"
else
	ok "systemctl reload fails with a broken policy: $(head -1 "$W/reload.out")"
fi
ct journalctl -u netheal.service --no-pager -o cat --after-cursor "$since" >"$W/reload.log"
grep -qF "/etc/netheal/policy.d/zz-broken.conf:2: error: unknown key 'adresses' in link (did you mean 'addresses'?)" "$W/reload.log" &&
	ok "the unit's journal has the check's message" || { fail "no check message in the journal:"; cat "$W/reload.log"; }
ct journalctl -u netheal.service --no-pager -o json --after-cursor "$since" | jq -r '.NETHEAL_EVENT // empty' >"$W/events"
grep -qE '^config-(loaded|rejected)$' "$W/events" && fail "netheal was signalled: $(tr '\n' ' ' <"$W/events")" ||
	ok "netheal was not signalled (no config-loaded or config-rejected)"
[ "$(main_pid netheal.service)" = "$nhpid" ] && [ "$(ct systemctl is-active netheal.service)" = active ] &&
	ok "netheal still runs (same pid)" || fail "netheal was restarted or stopped"
ct ip link show x0 >/dev/null 2>&1 && fail "x0 of the broken policy was created" || ok "nothing of the broken policy was applied"
ct ip -n blue addr del 10.1.1.100/24 dev v-peer1
end=$(( $(date +%s) + 10 ))
until has_addr blue v-peer1 10.1.1.100/24; do [ "$(date +%s)" -lt "$end" ] || break; sleep 0.05; done
has_addr blue v-peer1 10.1.1.100/24 && ok "the old policy is still enforced (a deleted address is put back)" ||
	fail "the address was not put back after the failed reload"
ct rm /etc/netheal/policy.d/zz-broken.conf

say "boot 2: systemctl reload with a good policy"
printf 'namespaces = (\n  { name = "green";\n    links = ( { name = "lo"; }, { name = "g0"; kind = "dummy"; addresses = [ "10.1.2.1/24" ]; } );\n  }\n);\n' |
	ct sh -c 'cat >/etc/netheal/policy.d/green.conf; chmod 0644 /etc/netheal/policy.d/green.conf'
if ct systemctl reload netheal.service; then ok "systemctl reload with a good policy"; else fail "systemctl reload (good policy)"; fi
end=$(( $(date +%s) + 10 ))
until has_addr green g0 10.1.2.1/24; do [ "$(date +%s)" -lt "$end" ] || break; sleep 0.1; done
has_addr green g0 10.1.2.1/24 && ok "the new policy is enforced (namespace green, g0 10.1.2.1/24)" || fail "green not built"
topology_ok && ok "and the old one still is" || fail "Option 2 lost after the good reload"

say "boot 2: Ansible (examples/ansible/netheal-policy.yml, connection local)"
ct mkdir -p /root/pol
printf 'namespaces = (\n  { name = "teal";\n    links = ( { name = "lo"; }, { name = "t0"; kind = "dummy"; addresses = [ "10.1.3.1/24" ]; } );\n  }\n);\n' |
	ct sh -c 'cat >/root/pol/teal.conf'
printf 'namespaces = (\n  { name = "blue";\n    links = ( { name = "lo"; } );\n  }\n);\n' | ct sh -c 'cat >/root/pol/collide.conf'
printf 'links = (\n  { name = "y0"; kind = "dummy"; adresses = [ "10.1.4.1/24" ]; }\n);\n' | ct sh -c 'cat >/root/pol/typo.conf'
play() {
	ct ansible-playbook -i localhost, -c local /usr/share/doc/netheal/examples/ansible/netheal-policy.yml \
		-e netheal_policy_name="$1" -e netheal_policy_src="/root/pol/$2" >"$W/ansible-$1.log" 2>&1
}
if play teal teal.conf; then
	grep -qE 'changed=2 ' "$W/ansible-teal.log" && ok "ansible: a good policy lands and the handler reloads (changed=2)" ||
		fail "ansible: good policy: $(grep -E 'ok=|changed=' "$W/ansible-teal.log")"
else
	fail "ansible: a good policy failed:"; tail -20 "$W/ansible-teal.log"
fi
end=$(( $(date +%s) + 10 ))
until has_addr teal t0 10.1.3.1/24; do [ "$(date +%s)" -lt "$end" ] || break; sleep 0.1; done
has_addr teal t0 10.1.3.1/24 && ok "ansible: the good policy is enforced (teal, t0 10.1.3.1/24)" || fail "ansible: teal not built"
play teal teal.conf && grep -qE 'changed=0 ' "$W/ansible-teal.log" && ok "ansible: a second run changes nothing" ||
	fail "ansible: the second run: $(grep -E 'changed=' "$W/ansible-teal.log")"
nhpid=$(main_pid netheal.service)
if play collide collide.conf; then
	fail "ansible: a policy defining blue again was installed"
else
	grep -qF "/etc/netheal/policy.d/collide.conf:2: error: namespace 'blue' is defined twice" "$W/ansible-collide.log" ||
		grep -qF "namespace 'blue' is defined twice: first at /etc/netheal/policy.d/collide.conf:2" "$W/ansible-collide.log"
	[ $? = 0 ] && ok "ansible: a policy colliding with another file is refused, naming its final path" ||
		{ fail "ansible: collision refused without the check's message:"; tail -20 "$W/ansible-collide.log"; }
fi
if play typo typo.conf; then
	fail "ansible: a policy with a typo was installed"
else
	grep -qF "/etc/netheal/policy.d/typo.conf:2: error: unknown key 'adresses' in link" "$W/ansible-typo.log" &&
		ok "ansible: a policy with a typo is refused, naming its final path" ||
		{ fail "ansible: typo refused without the check's message:"; tail -20 "$W/ansible-typo.log"; }
fi
ct test ! -e /etc/netheal/policy.d/collide.conf && ct test ! -e /etc/netheal/policy.d/typo.conf &&
	ok "ansible: neither refused file was written" || fail "ansible: a refused file was written"
[ "$(main_pid netheal.service)" = "$nhpid" ] && topology_ok && has_addr teal t0 10.1.3.1/24 &&
	ok "ansible: the running policy stays (same netheal, blue and teal as before)" || fail "ansible: the running policy changed"
ct ip link show y0 >/dev/null 2>&1 && fail "ansible: y0 of the refused policy exists" || true

say "boot 2: the watchdog"
wd=$(ct systemctl show -P WatchdogUSec netheal.service)
[ "$wd" = 30s ] && ok "watchdog armed: WatchdogUSec=$wd" || fail "WatchdogUSec=$wd"
nhpid=$(main_pid netheal.service)
t=$(date +%s)
ct kill -STOP "$nhpid"
end=$(( t + 150 ))
until [ "$(main_pid netheal.service)" != "$nhpid" ] && [ "$(ct systemctl is-active netheal.service)" = active ]; do
	[ "$(date +%s)" -lt "$end" ] || break; sleep 0.5
done
if [ "$(main_pid netheal.service)" != "$nhpid" ] && [ "$(ct systemctl is-active netheal.service)" = active ]; then
	ok "a SIGSTOPped netheal was restarted by systemd after $(( $(date +%s) - t )) s"
else
	fail "netheal was not restarted after SIGSTOP (pid $(main_pid netheal.service))"
fi
ct journalctl -u netheal.service --no-pager -o cat -n 200 | grep -q "Watchdog timeout" &&
	ok "the journal says: watchdog timeout" || fail "no watchdog timeout in the journal"
topology_ok && has_addr green g0 10.1.2.1/24 && ok "the restarted netheal enforces the policy" || fail "policy after the restart"

say "boot 2: systemd-analyze security"
ct systemd-analyze security --no-pager netheal.service >"$W/security.txt" 2>&1
exposure=$(sed -n 's/.*Overall exposure level for netheal.service: \([0-9.]*\).*/\1/p' "$W/security.txt")
if [ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 4.3) }'; then
	ok "systemd-analyze security netheal.service: exposure $exposure (at most 4.3)"
else
	fail "systemd-analyze security: exposure '$exposure'"; tail -5 "$W/security.txt"
fi
stop_container

# ---- boot 3 ----

say "boot 3: the reloaded policy survives a reboot"
boot || exit 1
[ "$(ct systemctl is-active netheal.service)" = active ] && topology_ok && has_addr green g0 10.1.2.1/24 &&
	has_addr teal t0 10.1.3.1/24 && ok "after boot: blue, green and teal built by netheal, no script" ||
	fail "after boot 3: not everything was built"
wait_keyscan 20 && ok "sshd answers in blue after boot 3" || fail "no ssh answer after boot 3"
stop_container

echo "boot test took $(elapsed)${exposure:+; systemd-analyze security exposure $exposure}"
[ "$T_XFAIL" -gt 0 ] && echo "$T_XFAIL known gaps of the core (xfail above), not counted as failures"
echo "$T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
