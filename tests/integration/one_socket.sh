#!/bin/bash
# One event socket for every namespace (SPEC §8, issue: scale): 300
# namespaces made by another agent and covered by a `match` rule are
# adopted and each healed through the one socket; netheal holds one
# subscribed netlink socket, a descriptor per namespace and a bounded number
# of request sockets: one per namespace while they fit in half the
# descriptor limit, 128 when they do not. Then the one socket is overrun on purpose (a tiny
# receive buffer, netheal stopped while every namespace changes): the
# overrun is logged, every namespace is read again, and what was lost is
# healed exactly (checked with ip -j and `plan`).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

N=${NH_ONE_N:-300}
C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C" "backoff: { flap_count = 1000000; flap_window = 1; initial_ms = 1; max_ms = 1; };"
policy "$C" tenants <<'EOP'
namespaces = ( { match = "tenant-*"; links = ( { name = "lo"; addresses = [ "10.1.99.1/32" ]; } ); } );
EOP
ip -batch - <<<"$(for i in $(seq 1 "$N"); do echo "netns add tenant-$i"; done)"

# Request sockets kept (monitor/monitor.c req_max) under a limit L: one
# per namespace while they fit in half of L beside the namespaces (and the
# host), 2 and a reserve of 64 (this policy has no sysctls, so no kept
# directories); the cap never below 128.
req_cap() { local c=$(($1 / 2 - (N + 1 + 2 + 64))); echo $((c > 128 ? c : 128)); }
# the sockets expected: that many request sockets, and beside them the
# host's request socket, the event socket and the one-run lock (an abstract unix socket)
want_socks() { local c; c=$(req_cap "$1"); echo $(( (N < c ? N : c) + 3 )); }
sockets() { ls -l /proc/"$NH_PID"/fd | grep -c 'socket:'; }

# a limit with room for a request socket per namespace
L=$((4 * N + 1024))
(ulimit -n "$L" || exit 1; exec "$NETHEAL" run -c "$C/netheal.conf" --log stderr --rcvbuf 65536) 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
all_healed() {
	for i in $(seq 1 "$N"); do
		has_addr "tenant-$i" lo 10.1.99.1/32 && link_up "tenant-$i" lo || return 1
	done
}
check "$N namespaces adopted and built" wait_for 60 all_healed

# the kernel's table of rtnetlink sockets in this namespace, netheal's (by
# inode) that are subscribed to a group: its event socket(s)
subscribed() {
	local inodes
	inodes=$(ls -l /proc/"$NH_PID"/fd | sed -n 's/.*socket:\[\([0-9]*\)\]/\1/p' | tr '\n' ' ')
	awk -v inodes=" $inodes " 'NR > 1 && $2 == 0 && $4 != "00000000" && index(inodes, " " $10 " ")' \
		/proc/net/netlink | wc -l
}
check_eq "one subscribed netlink socket (the event socket)" 1 "$(subscribed)"
socks=$(sockets) want=$(want_socks "$L")
check "sockets under a limit of $L: the event socket, the host's request socket and one kept for each namespace ($socks for $N, $want expected)" \
	test "$socks" -ge $((want - 1)) -a "$socks" -le $((want + 3))
fds=$(ls /proc/"$NH_PID"/fd | wc -l)
check "descriptors: two per namespace and a bounded few ($fds for $N)" test "$fds" -le $((2 * N + 40))

# each healed once through the one socket
mark=$(wc -l < "$LOG")
for i in $(seq 1 "$N"); do ip -n "tenant-$i" link set lo down; done
check "every namespace's lo put back up" wait_for 30 all_healed
healed=$(tail -n +"$((mark + 1))" "$LOG" | grep -ac 'event=healed netns=tenant-.*object=state:up')
check "each healed ($healed heals of lo)" test "$healed" -ge "$N"

# ---- an overrun of the one socket ---------------------------------------------
mark=$(wc -l < "$LOG")
kill -STOP "$NH_PID"
# while it sleeps: lo down everywhere, the address gone everywhere, and a
# foreign address netheal must leave alone; far more than 64 KiB of events
for i in $(seq 1 "$N"); do
	ip -n "tenant-$i" link set lo down
	ip -n "tenant-$i" address del 10.1.99.1/32 dev lo
	ip -n "tenant-$i" address add "198.51.100.$(( i % 250 + 1 ))/32" dev lo
done
kill -CONT "$NH_PID"
logged() { tail -n +"$((mark + 1))" "$LOG" | grep -aq "$1"; }
check "the overrun is logged" wait_for 10 logged "event=resync .*reason=enobufs"
check "every namespace healed after the overrun" wait_for 60 all_healed
check "the foreign addresses are left alone" bash -c \
	"for i in \$(seq 1 $N); do ip -n tenant-\$i -j addr show dev lo | jq -e --arg a \"198.51.100.\$(( i % 250 + 1 ))\" '[.[0].addr_info[].local] | index(\$a) != null' >/dev/null || exit 1; done"
"$NETHEAL" plan -c "$C/netheal.conf" >/dev/null; rc=$?
check_eq "plan finds no drift" 0 "$rc"
check "netheal is alive" kill -0 "$NH_PID"

# Limits whose half does not hold a request socket per namespace beside
# the namespaces: one that leaves room for more than 128 but fewer than N,
# and one that leaves room for none beyond the 128. Once READY that many
# are kept, the least recently used closed (the build opens one each, as
# the limit allows); every namespace is still healed, its socket opened
# again when needed, and no more are kept after.
kill -TERM "$NH_PID"; wait "$NH_PID"
ready() { tail -n +"$((mark + 1))" "$LOG" | grep -aq 'msg="ready: '; }
for L in $((2 * ((N + 128) / 2 + N + 67))) $((2 * (N + 67) + 100)); do
	[ "$(req_cap "$L")" -lt "$N" ] || continue       # NH_ONE_N too small for it
	mark=$(wc -l < "$LOG")
	(ulimit -n "$L" || exit 1; exec "$NETHEAL" run -c "$C/netheal.conf" --log stderr) 2>>"$LOG" &
	NH_PID=$!
	bg_started $NH_PID
	check "under a limit of $L: ready" wait_for 60 ready
	want=$(want_socks "$L")
	socks=$(sockets)
	check "... $(req_cap "$L") request sockets kept of $N, the host's, the event socket and the one-run lock beside them ($socks, $want expected)" \
		test "$socks" -ge $((want - 1)) -a "$socks" -le $((want + 3))
	for i in $(seq 1 "$N"); do ip -n "tenant-$i" link set lo down; done
	check "... every namespace's lo put back up" wait_for 60 all_healed
	socks=$(sockets)
	check "... no more kept after healing all $N ($socks)" test "$socks" -ge $((want - 1)) -a "$socks" -le $((want + 3))
	kill -TERM "$NH_PID"; wait "$NH_PID"
done

# A limit of descriptors that holds every namespace but not a request
# socket each as well: namespaces come first, request sockets take what is
# left (at 10,000 namespaces under a limit of 20,000, `apply` once could not
# open the namespaces it made).
out=$( (ulimit -n $((N + 100)); "$NETHEAL" plan -c "$C/netheal.conf") 2>&1); rc=$?
check_eq "plan under a limit of $((N + 100)) descriptors reads all $N namespaces, no drift" 0 "$rc"
check "and says nothing of descriptors" bash -c '! grep -qi "descriptor\|too many open\|cannot" <<<"$1"' _ "$out"
finish
