#!/bin/bash
# netheal run against the real kernel (issue 5): every perturbation of the
# seed's vocabulary is healed and logged, flap damping, sd_notify, reload,
# audit mode, idle, status and metrics.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
NOTIFY=$T_DIR/notify.out
write_conf "$C" "metrics_file = \"$T_DIR/metrics.prom\";
  backoff: { flap_count = 5; flap_window = 3; initial_ms = 500; max_ms = 2000; };"
make_eth1
option2_policy | policy "$C" option2
HOOKS=$T_DIR/hooks.out
cat > "$C/policy.d/red.conf" <<'EOP'
namespaces = ( { name = "red"; links = ( { name = "lo"; } );
  hooks = {
    on_create = [ "/bin/sh", "-c", "echo $NETHEAL_EVENT $NETHEAL_NETNS $NETHEAL_DETAIL >> @HOOKS@" ];
    on_heal = [ "/bin/sh", "-c", "echo $NETHEAL_EVENT $NETHEAL_NETNS $NETHEAL_DETAIL >> @HOOKS@" ];
  };
} );
EOP
sed -i "s|@HOOKS@|$HOOKS|" "$C/policy.d/red.conf"
chmod 644 "$C/policy.d/red.conf"

python3 "$(dirname "$0")/notify_listener.py" "$T_DIR/notify.sock" "$NOTIFY" &
bg_started $!
wait_for 5 grep -q LISTENING "$NOTIFY"

start_netheal() {
	NOTIFY_SOCKET=$T_DIR/notify.sock "$NETHEAL" run -c "$C/netheal.conf" --log stderr "$@" 2>>"$LOG" &
	NH_PID=$!
	bg_started $NH_PID
	wait_for 20 grep -q "READY=1" "$NOTIFY"
}
stop_netheal() {
	kill -TERM "$NH_PID"; wait "$NH_PID"; local rc=$?
	return $rc
}
# healed OBJECT [NETNS]: a healed record for OBJECT appeared after mark $MARK
mark() { MARK=$(wc -l < "$LOG"); }
logged_since() { tail -n +"$((MARK + 1))" "$LOG" | grep -q -- "$1"; }
healed() { wait_for 5 logged_since "event=healed netns=${2:--} .*object=$1"; }

start_netheal
check "READY=1 sent after the first convergence" grep -q "READY=1" "$NOTIFY"
check "STATUS= sent" grep -q "STATUS=.*namespace" "$NOTIFY"
check "Option 2 built at start" has_route blue "default via 10.1.1.51"
check "the started record is logged" grep -q "event=started" "$LOG"
check "the first convergence done is logged too, after the heals it made, with READY's summary" \
	bash -c "grep -n 'event=healed\|msg=\"ready: ' '$LOG' | grep -B1 'msg=\"ready: [0-9]* namespaces, [0-9]* drifting, [0-9]* heals' | head -1 | grep -q event=healed"
check "on_create ran for the namespace netheal created" wait_for 5 grep -q "^netns-created red netns:red" "$HOOKS"
check "hook-run is logged" wait_for 5 grep -q "event=hook-run netns=red" "$LOG"
ip -n red link set lo down
check "on_heal ran after a heal, with what was healed" wait_for 5 grep -q "^healed red state:up" "$HOOKS"

# ---- the seed's vocabulary of breakage --------------------------------------
perturb() {
	local what=$1 object=$2 ns=$3; shift 3
	local checkcmd=$1; shift
	mark
	eval "$@"
	if wait_for 5 eval "$checkcmd"; then ok "healed: $what"; else fail "healed: $what"; fi
	if healed "$object" "$ns"; then ok "logged healed: $what"; else fail "logged healed $object: $what"; fi
}
perturb "address removed" "address:10.1.1.100/24" blue "has_addr blue v-peer1 10.1.1.100/24" \
	ip -n blue addr del 10.1.1.100/24 dev v-peer1
perturb "route removed" "route:default" blue "has_route blue 'default via 10.1.1.51'" \
	ip -n blue route del default
perturb "link down" "state:up" blue "link_up blue v-peer1" ip -n blue link set v-peer1 down
perturb "lo down" "state:up" blue "link_up blue lo" ip -n blue link set lo down
perturb "master unset" "master:br1" - "test \"\$(link_master '' v-eth1)\" = br1" ip link set v-eth1 nomaster
perturb "bridge address flushed" "address:10.1.1.51/24" - "has_addr '' br1 10.1.1.51/24" ip addr flush dev br1
perturb "veth deleted (namespace end)" "link:v-peer1" blue \
	"has_route blue 'default via 10.1.1.51' && test \"\$(link_master '' v-eth1)\" = br1" ip -n blue link del v-peer1
perturb "veth deleted (host end)" "link:v-peer1" blue \
	"has_route blue 'default via 10.1.1.51' && test \"\$(link_master '' v-eth1)\" = br1" ip link del v-eth1
perturb "bridge deleted" "link:br1" - \
	"has_addr '' br1 10.1.1.51/24 && test \"\$(link_master '' v-eth1)\" = br1 && test \"\$(link_master '' eth1)\" = br1" \
	ip link del br1
perturb "managed link renamed" "link:v-peer1" blue \
	"link_exists blue v-peer1 && has_route blue 'default via 10.1.1.51'" \
	"ip -n blue link set v-peer1 down; ip -n blue link set v-peer1 name renamed0"
check "the renamed link was renamed back, not re-created" bash -c '! ip -n blue link show renamed0 2>/dev/null'
perturb "managed link moved into another namespace" "link:v-peer1" blue \
	"link_exists blue v-peer1 && has_route blue 'default via 10.1.1.51'" ip -n blue link set v-peer1 netns red
check "nothing left behind in red" bash -c '! ip -n red link show v-peer1 2>/dev/null'
perturb "whole namespace deleted" "netns:blue" blue \
	"has_route blue 'default via 10.1.1.51' && link_up blue lo" ip netns del blue
check "netns-created is logged" grep -q "event=netns-created netns=blue" "$LOG"
check "healed records carry latency_us" grep -q "event=healed.*latency_us=[0-9]" "$LOG"

# foreign objects survive the heals
ip -n blue addr add 192.0.2.7/24 dev v-peer1
ip -n blue link add foreign0 type bridge
ip link add hostforeign type bridge
mark; ip -n blue addr del 10.1.1.100/24 dev v-peer1
healed "address:10.1.1.100/24" blue
sleep 0.2
check "foreign address survives" has_addr blue v-peer1 192.0.2.7/24
check "foreign link in blue survives" link_exists blue foreign0
check "foreign host link survives" link_exists "" hostforeign

# ---- flap damping: a rival deletes the address every 50 ms for 10 s ---------
sleep 3.5       # one flap_window: the heals above end their own episode
mark
rival_end=$(( $(date +%s) + 10 ))
while [ "$(date +%s)" -lt "$rival_end" ]; do
	ip -n blue addr del 10.1.1.100/24 dev v-peer1 2>/dev/null
	sleep 0.05
done
heals=$(tail -n +"$((MARK + 1))" "$LOG" | grep -c "event=healed netns=blue .*object=address:10.1.1.100/24")
echo "    heals of the address during 10 s of rivalry: $heals"
check "heals stay bounded by the backoff (<= 15 in 10 s, rival deleted ~200 times)" test "$heals" -le 15
check "flapping is logged" logged_since "event=flapping netns=blue .*object=address:10.1.1.100/24"
check_eq "flapping is logged once" 1 "$(tail -n +"$((MARK + 1))" "$LOG" | grep -c 'event=flapping')"
# max_ms (2 s) + one quiet window (3 s)
if wait_for 6 has_addr blue v-peer1 10.1.1.100/24; then ok "address back after the rival stops"; else fail "address back after the rival stops"; fi

# ---- status and metrics -------------------------------------------------------
sleep 0.2
out=$("$NETHEAL" status --json --status-file "$C/status.json"); rc=$?
check_eq "netheal status --json exits 0 while running" 0 "$rc"
check "status lists blue" jq -e '.. | objects | select(.name? == "blue")' <<<"$out"
out=$("$NETHEAL" status -c "$C/netheal.conf"); rc=$?
check_eq "netheal status -c finds the status file the configuration names" 0 "$rc"
check "the status table lists blue" grep -qw blue <<<"$out"
if command -v promtool >/dev/null; then
	check "promtool accepts the metrics file" promtool check metrics < "$T_DIR/metrics.prom"
else
	skip "promtool not installed"
fi
check "metrics count heals" grep -q '^netheal_heals_total{' "$T_DIR/metrics.prom"
# STATUS= (systemctl status) at most once a second through all the heals
# above (READY=1 carries one of its own), and the newest line goes out
# after them: it counts what the status file counts.
status_spaced() {
	awk '/ STATUS=/ && !after_ready { if (n++ && $1 - prev < 0.95) bad = 1; prev = $1 }
	     { after_ready = / READY=1$/ }
	     END { exit bad }' "$NOTIFY"
}
status_current() {
	local heals
	heals=$(jq -r .totals.heals "$C/status.json") &&
		grep ' STATUS=' "$NOTIFY" | tail -n 1 | grep -q ", $heals heals\?$"
}
check "STATUS= at most once a second" status_spaced
check "the last STATUS= counts every heal" wait_for 3 status_current

# ---- reload --------------------------------------------------------------------
: > "$NOTIFY.before"; cp "$NOTIFY" "$NOTIFY.before"
cat > "$C/policy.d/zz-broken.conf" <<'EOP'
namespaces = ( { name = "green"; adresses = 1; } );
EOP
chmod 644 "$C/policy.d/zz-broken.conf"
mark; kill -HUP "$NH_PID"
check "a broken file is rejected with FILE:LINE" wait_for 5 logged_since "event=config-rejected"
check "the rejection names the file and line" wait_for 1 logged_since "zz-broken.conf:1"
check "RELOADING=1 sent" wait_for 5 grep -q "RELOADING=1" "$NOTIFY"
mark; ip -n blue route del default
check "the old policy still heals after a rejected reload" wait_for 5 has_route blue "default via 10.1.1.51"
rm "$C/policy.d/zz-broken.conf"
cat > "$C/policy.d/zz-green.conf" <<'EOP'
namespaces = ( { name = "green"; links = ( { name = "lo"; } ); } );
EOP
chmod 644 "$C/policy.d/zz-green.conf"
kill -HUP "$NH_PID"
check "a reload with a new namespace creates it" wait_for 5 link_up green lo
check "READY=1 again after the reload" test "$(grep -c 'READY=1' "$NOTIFY")" -ge 2

# SIGHUP in the middle of a burst of changes: nothing is lost
( for i in $(seq 1 60); do ip -n blue addr add 198.51.100.$i/32 dev v-peer1; done ) &
burst=$!
ip -n blue addr del 10.1.1.100/24 dev v-peer1
kill -HUP "$NH_PID"
ip -n blue link set lo down
wait "$burst"
check "still running after SIGHUP mid-burst" kill -0 "$NH_PID"
check "the address removed mid-burst is back" wait_for 5 has_addr blue v-peer1 10.1.1.100/24
check "lo taken down mid-burst is up" wait_for 5 link_up blue lo
check_eq "the burst's foreign addresses are all there" 60 \
	"$(ip -n blue -j addr show dev v-peer1 | jq '[.[0].addr_info[] | select(.local | startswith("198.51.100."))] | length')"
"$NETHEAL" plan -c "$C/netheal.conf" >/dev/null; rc=$?
check_eq "no drift after the burst" 0 "$rc"

# ---- idle: no wake-ups ----------------------------------------------------------
# Let the kernel finish what it does on its own (IPv6 DAD of new links emits
# address events about 1-2 s after they come up), then count.
sleep 3
before=$(awk '/ctxt_switches/ {s += $2} END {print s}' /proc/$NH_PID/status)
sleep 5
after=$(awk '/ctxt_switches/ {s += $2} END {print s}' /proc/$NH_PID/status)
check_eq "idle for 5 s: no context switches" "$before" "$after"

# ---- stop ------------------------------------------------------------------------
# a heal just before the stop: its status write (delayed 50 ms at least)
# is still due, and is made at the stop. The test holds only when the stop
# came before that write: the file unchanged since before the break (else
# it tries again; ip alone, no jq, to be quick)
addr_back() { ip -n blue -o addr show dev v-peer1 | grep -q "inet 10.1.1.100/24"; }
premise=no
for try in 1 2 3 4 5; do
	sleep 0.2
	heals_before=$(jq -r .totals.heals "$C/status.json")
	m0=$(stat -c %.9Y "$C/status.json")
	ip -n blue addr del 10.1.1.100/24 dev v-peer1
	back=no
	for i in $(seq 2000); do addr_back && back=yes && break; done
	if [ $back = yes ] && [ "$(stat -c %.9Y "$C/status.json")" = "$m0" ]; then
		kill -TERM "$NH_PID"
		premise=yes
		break
	fi
	wait_for 2 addr_back
done
if [ $premise = yes ]; then
	wait "$NH_PID"; rc=$?
	check_eq "the status file counts a heal made just before the stop" "$((heals_before + 1))" \
		"$(jq -r .totals.heals "$C/status.json")"
else
	skip "the status write at a stop: the heal's own write came first in 5 tries"
	stop_netheal; rc=$?
fi

check_eq "SIGTERM: exit 0" 0 "$rc"
check "STOPPING=1 sent" grep -q "STOPPING=1" "$NOTIFY"
check "the stopping record is logged" grep -q "event=stopping" "$LOG"
check "the system is left as it is" has_route blue "default via 10.1.1.51"
out=$("$NETHEAL" status --status-file "$C/status.json"); rc=$?
check_eq "netheal status exits 3 with no service running" 3 "$rc"

# ---- watchdog --------------------------------------------------------------------
: > "$NOTIFY"
python3 "$(dirname "$0")/notify_listener.py" "$T_DIR/notify.sock" "$NOTIFY" &
bg_started $!
wait_for 5 grep -q LISTENING "$NOTIFY"
WATCHDOG_USEC=200000 start_netheal
sleep 2
n=$(grep -c "WATCHDOG=1" "$NOTIFY")
echo "    watchdog pings in ~2 s at WATCHDOG_USEC=200000: $n"
check "WATCHDOG=1 pings at half the requested interval (expect ~20)" test "$n" -ge 12 -a "$n" -le 30
stop_netheal

# ---- audit mode --------------------------------------------------------------------
start_netheal --audit
mark
ip -n blue addr del 10.1.1.100/24 dev v-peer1
ip -n blue link set lo down
before=$(ns_view blue)
sleep 1
check_eq "audit mode changes nothing" "$before" "$(ns_view blue)"
check "audit mode logs drift" logged_since "event=drift netns=blue .*object=address:10.1.1.100/24"
# the drift left alone counts as drifting (status waits up to 1 s to be written)
sleep 1.2
out=$("$NETHEAL" status --status-file "$C/status.json")
check "audit status shows blue in audit" grep -q '^blue  *audit ' <<<"$out"
check "audit status counts blue as drifting" grep -q 'namespaces, [1-9][0-9]* drifting' <<<"$out"
stop_netheal

finish
