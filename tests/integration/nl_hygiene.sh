#!/bin/bash
# Netlink hygiene (issue 14, item 4; STYLE "Netlink"), against the real kernel:
#
# 1. Forged replies to a request socket: tests/nlforge.c dumps a namespace
#    of 4000 addresses and makes requests through netlink/nl.c while a
#    thread sprays forged replies (a link, an address, NLMSG_DONE,
#    NLMSG_ERROR -EPERM) at its port with the sequence numbers in flight:
#    all ignored. (monitor.sh sends a forged event to the event socket.)
# 2. Interrupted dumps, forced: namespace `busy` holds 4000 addresses and
#    500 veth pairs while a churner adds and deletes addresses and links in
#    it; `netheal monitor --dump` reads it again and again until the kernel
#    has flagged NLM_F_DUMP_INTR on some of its dumps (counted from
#    netheal's debug line, and by strace on the kernel's replies); every
#    dump it prints holds all 4000 static addresses (a view of one moment,
#    never a partial one), or marks busy as not read ("valid": false) when
#    every attempt was interrupted.
# 3. The running monitor, its one event socket overrun by the churn (a
#    small receive buffer, and the monitor stopped for moments), re-reads
#    busy while it churns: interrupted dumps
#    are thrown away and retried; a forged event to its event socket and
#    forged replies to its request socket on the way change nothing. When
#    the churn stops, its observed state of busy equals `ip -j`, and it
#    answers at once (no stall).
# 2b. `netheal apply` with a policy in busy, again and again under the churn:
#    busy is never taken for missing (create-netns); one it could not read
#    is said, and apply exits 1.
# 4. netheal run with the policy, through the same churn and overruns:
#    converged after it (plan finds nothing), no heal-failed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/monitor_lib.sh"

# ---- 1. forged replies to a request socket ------------------------------------
ip link add big0 type veth peer name big1
ip link set big0 up
ip -batch - <<<"$(for i in $(seq 0 15); do for j in $(seq 1 250); do echo "addr add 10.1.$((100 + i)).$j/32 dev big0"; done; done)"
out=$(timeout 120 "$NETHEAL_NLFORGE" 150 big0 4000 2>&1); rc=$?
echo "    $out"
check_eq "forged replies to a request socket are ignored (dumps whole, requests acknowledged)" 0 "$rc"
ip link del big0

# ---- 2. interrupted dumps, forced ------------------------------------------------
ip netns add busy
ip -n busy link add big0 type veth peer name big1
ip -n busy link set big0 up
ip -n busy -batch - <<<"$(for j in $(seq 1 500); do echo "link add s$j type veth peer name t$j"; done)"
ip -n busy -batch - <<<"$(for i in $(seq 0 15); do for j in $(seq 1 250); do echo "addr add 10.1.$((100 + i)).$j/32 dev big0"; done; done)"
# one round of churn: addresses on big0 and bridges come and go
for j in $(seq 1 50); do echo "addr add 10.1.50.$j/32 dev big0"; done > "$T_DIR/churn.batch"
for j in $(seq 1 10); do echo "link add x$j type bridge"; done >> "$T_DIR/churn.batch"
for j in $(seq 1 50); do echo "addr del 10.1.50.$j/32 dev big0"; done >> "$T_DIR/churn.batch"
for j in $(seq 1 10); do echo "link del x$j"; done >> "$T_DIR/churn.batch"
for _ in $(seq 1 20); do cat "$T_DIR/churn.batch"; done > "$T_DIR/churn20.batch"
CHURN_PID=
churn_start() {
	# (its ip is ended with it: churn_stop leaves nothing running)
	( trap 'kill "$ipp" 2>/dev/null; wait "$ipp"; exit 0' TERM
	  while :; do ip -n busy -force -batch "$T_DIR/churn20.batch" >/dev/null 2>&1 & ipp=$!; wait "$ipp"; done ) &
	CHURN_PID=$!
	bg_started "$CHURN_PID"
}
churn_stop() {
	kill "$CHURN_PID"; wait "$CHURN_PID" 2>/dev/null
	# what the ended batch left behind
	ip -n busy -force -batch - >/dev/null 2>&1 <<<"$(for j in $(seq 1 10); do echo "link del x$j"; done
		for j in $(seq 1 50); do echo "addr del 10.1.50.$j/32 dev big0"; done)"
	true
}
static_addrs() {  # the 4000 addresses nobody touches, in a --dump document
	jq '[.netns[] | select(.name == "busy") | .addresses[] | select(.dev == "big0" and
		(.address | test("^10\\.1\\.1(0[0-9]|1[0-5])\\.")))] | length' "$1"
}
churn_start
intr=0 dumps=0 whole=0 failed=0 partial=0
for k in $(seq 1 80); do
	"$NETHEAL" monitor --dump --netns busy -v > "$T_DIR/dump.json" 2> "$T_DIR/dump.err"; rc=$?
	dumps=$((dumps + 1))
	intr=$((intr + $(grep -c 'dump interrupted' "$T_DIR/dump.err")))
	valid=$(jq -r '.netns[] | select(.name == "busy") | .valid' "$T_DIR/dump.json" 2>/dev/null)
	if [ "$rc" = 0 ] && [ "$valid" = true ] && [ "$(static_addrs "$T_DIR/dump.json")" = 4000 ]; then
		whole=$((whole + 1))
	elif [ "$rc" = 0 ] && [ "$valid" = false ]; then
		failed=$((failed + 1))  # every attempt interrupted: printed as not read
	else
		partial=$((partial + 1))
		cp "$T_DIR/dump.json" "$T_DIR/partial-$k.json"
		echo "    partial: exit $rc, busy valid '$valid', $(static_addrs "$T_DIR/dump.json") static addresses"
	fi
	[ "$intr" -ge 8 ] && [ "$k" -ge 20 ] && break
done
# an independent count: the kernel's replies as strace decodes them
strace_intr=skipped
if command -v strace >/dev/null; then
	strace_intr=0
	for k in 1 2 3 4 5 6 7 8 9 10; do
		strace -f -e trace=recvfrom -o "$T_DIR/strace.out" \
			"$NETHEAL" monitor --dump --netns busy -v > /dev/null 2> "$T_DIR/dump.err"
		n=$(grep -c NLM_F_DUMP_INTR "$T_DIR/strace.out")
		[ "$n" -gt 0 ] && strace_intr=$((strace_intr + 1))
		if [ "$n" -gt 0 ] && ! grep -q 'dump interrupted' "$T_DIR/dump.err"; then
			fail "strace saw NLM_F_DUMP_INTR in a reply that netheal did not throw away"
		fi
	done
fi
churn_stop
echo "    $dumps dumps under churn: $intr interrupted attempts (NLM_F_DUMP_INTR) thrown away;" \
     "$whole printed whole, $failed printed as not read (every attempt interrupted), $partial partial;" \
     "strace: NLM_F_DUMP_INTR in $strace_intr of 10 more runs"
check "the kernel interrupted dumps under churn ($intr attempts in $dumps dumps)" test "$intr" -ge 1
check_eq "no dump printed a partial view" 0 "$partial"
check "most dumps under churn still succeed ($whole of $dumps)" test "$whole" -ge $((dumps / 2))

# ---- 2b. apply under the same churn: a namespace it cannot read is never
# taken for missing (it was: create-netns for a namespace that existed)
C=$T_DIR/conf
write_conf "$C" "backoff: { flap_count = 1000000; flap_window = 1; initial_ms = 1; max_ms = 1; };"
policy "$C" busy <<'EOP'
namespaces = ( { name = "busy";
  links = ( { name = "lo"; addresses = [ "10.1.99.1/32" ]; },
            { name = "big0"; mtu = 1400; addresses = [ "10.1.98.1/24" ]; } );
  routes = ( { to = "198.51.100.0/24"; via = "10.1.98.2"; } );
} );
EOP
ino=$(stat -L -c %i /run/netns/busy)
churn_start
applies=0 blind=0 unread=0 notok=0
for k in $(seq 1 40); do
	"$NETHEAL" apply -c "$C/netheal.conf" > "$T_DIR/apply.out" 2>&1; rc=$?
	applies=$((applies + 1))
	grep -q 'create-netns' "$T_DIR/apply.out" && blind=$((blind + 1))
	grep -q 'could not be read' "$T_DIR/apply.out" && unread=$((unread + 1))
	[ "$rc" = 0 ] || notok=$((notok + 1))
	ip -n busy addr del 10.1.99.1/32 dev lo 2>/dev/null
done
churn_stop
echo "    $applies applies under churn: $unread could not read busy (exit 1, said so), $notok exited 1, $blind created it blind"
check_eq "apply under churn never takes busy for missing (no create-netns)" 0 "$blind"
check_eq "busy is the same namespace" "$ino" "$(stat -L -c %i /run/netns/busy)"
"$NETHEAL" apply -c "$C/netheal.conf" > "$T_DIR/apply.out" 2>&1
check_eq "apply after the churn converges" 0 $?

# ---- 3. the running monitor, overrun, re-reading busy while it churns ------------------
mon_start -v --rcvbuf 8192
check_state "busy before the churn" busy
churn_start
# on the way: forged events to the event socket, forged replies to the
# host's request socket (netheal's route sockets in this namespace:
# subscribed = event socket, not subscribed = request socket)
cc -o "$T_DIR/nlsend" "$NETHEAL_SRC/tests/integration/nlsend.c" 2>&1 || fail "cannot build nlsend"
inodes=$(ls -l /proc/"$MON_PID"/fd | sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p' | tr '\n' ' ')
evport=$(awk -v l=" $inodes " 'NR > 1 && $2 == 0 && $4 != "00000000" && index(l, " " $10 " ") { print $3 }' /proc/net/netlink | head -1)
reqport=$(awk -v l=" $inodes " 'NR > 1 && $2 == 0 && $4 == "00000000" && index(l, " " $10 " ") { print $3 }' /proc/net/netlink | head -1)
check "the monitor's event and request sockets found (ports ${evport:-?} and ${reqport:-?})" \
	test -n "$evport" -a -n "$reqport"
t_end=$(( $(date +%s) + 6 ))
slowest=0
while [ "$(date +%s)" -lt "$t_end" ]; do
	# stopped for a moment, its buffer overruns for sure
	kill -STOP "$MON_PID"; sleep 0.2; kill -CONT "$MON_PID"
	[ -z "$evport" ] || "$T_DIR/nlsend" "$evport" forged1
	[ -z "$reqport" ] || "$T_DIR/nlsend" "$reqport" forged2
	# it answers while it churns: SIGUSR1 to the state line
	t0=$(date +%s%N)
	mon_json > /dev/null
	dt=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$dt" -gt "$slowest" ] && slowest=$dt
	sleep 0.2
done
churn_stop
resyncs=$(grep -ac ' resync ' "$MON_OUT")
mintr=$(grep -ac 'dump interrupted' "$MON_ERR")
retries=$(grep -ac 're-read failed, retrying' "$MON_ERR")
echo "    monitor under churn: $resyncs re-reads after overruns, $mintr interrupted dump attempts thrown away," \
     "$retries re-reads given up for a retry later; slowest answer to SIGUSR1 ${slowest} ms"
check "the event socket was overrun and busy re-read ($resyncs)" test "$resyncs" -ge 1
check "the monitor answered within 2 s all along (slowest ${slowest} ms)" test "$slowest" -lt 2000
check_state "busy after the churn (interrupted re-reads recovered)" busy
check "forged events and replies printed nothing" bash -c "! grep -q 'forged' '$MON_OUT'"
ip -n busy link add probe0 type bridge
check_line "still serving after the churn" ' busy link \+probe0 '
ip -n busy link del probe0
if [ "$mintr" -eq 0 ]; then
	echo "    (the monitor's own re-reads were not interrupted this time; part 2 forced it)"
fi
kill -INT "$MON_PID"; wait "$MON_PID"
check_eq "monitor: exit 0" 0 $?

# ---- 4. netheal run through the same ------------------------------------------------
LOG=$T_DIR/netheal.log
"$NETHEAL" run -c "$C/netheal.conf" --log stderr -v --rcvbuf 8192 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
converged() { "$NETHEAL" plan -c "$C/netheal.conf" >/dev/null 2>&1; }
check "run converges" wait_for 30 converged
churn_start
for _ in 1 2 3 4 5 6; do
	sleep 0.5
	ip -n busy addr del 10.1.99.1/32 dev lo 2>/dev/null
	ip -n busy route del 198.51.100.0/24 2>/dev/null
	ip -n busy link set big0 mtu 1500
done
churn_stop
check "run converges after the churn" wait_for 30 converged
echo "    run under churn: $(grep -ac 'event=resync' "$LOG") resyncs, $(grep -ac 'dump interrupted' "$LOG")" \
     "interrupted dump attempts thrown away, $(grep -ac 'event=healed' "$LOG") heals"
check "netheal is alive" kill -0 "$NH_PID"
kill -TERM "$NH_PID"; wait "$NH_PID"
check_eq "run: exit 0" 0 $?
finish
