#!/bin/bash
# The first news after a quiet spell is healed before the rest of its burst
# is read (monitor/events.c, lone_change): a link set down is set up, an
# address put back, right after the event that says so, not after the
# IPv6 addresses and routes the kernel announces next. Seen with strace:
# between the first event read and the restoring request, no other read of
# the event socket. The rest of the burst is read right after, and the
# heal is whole and made once (ip -j; one healed line each); a link's
# deletion, whose burst the rebuild needs whole, still heals once and
# without a failure.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

command -v strace >/dev/null || { skip "strace is not installed"; finish; }
C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
policy "$C" early <<'EOP'
namespaces = ( { name = "early";
  links = ( { name = "lo"; },
    { name = "ve"; kind = "veth"; addresses = [ "10.1.27.1/24", "2001:db8:27::1/64" ];
      peer = { name = "ve-h"; addresses = [ "10.1.27.2/24" ]; }; } );
  routes = ( { to = "default"; via = "10.1.27.2"; } ); } );
EOP
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
whole() {
	link_up early ve && has_addr early ve 10.1.27.1/24 && has_addr early ve 2001:db8:27::1/64 &&
		has_route early default
}
check "early is built" wait_for 20 whole
# IPv6's DAD ends with an event of its own: let it pass first
dad_done() { test -z "$(ip -n early -6 address show tentative)"; }
wait_for 5 dad_done
sleep 0.2

# reads_before TRACE TYPE NUM: the reads of the event socket (recvmsg that
# returned data) from the loop's last wait for events (epoll_wait) to the
# first request of TYPE (strace names it, or gives its number for a socket
# opened in another namespace)
reads_before() {
	awk -v t="$2" -v n="$3" '
		/epoll_wait\(/ { reads = 0 }
		/recvmsg\(/ && / = [1-9][0-9]*$/ { reads++ }
		/sendto\(/ && $0 ~ ("nlmsg_type=(" t "|" n ")[ ,]") { print reads; exit }
	' "$1"
}
SPID=
trace() { strace -f -qq -s 64 -e trace=epoll_wait,recvmsg,sendto -p "$NH_PID" -o "$T_DIR/$1.strace" & SPID=$!; sleep 0.5; }
untrace() { sleep 0.2; kill "$SPID"; wait "$SPID" 2>/dev/null; }
# healed SINCE ACTION: the heals of ACTION in early logged after line SINCE
healed() { tail -n +$(($1 + 1)) "$LOG" | grep -c "event=healed netns=early .*action=$2 "; }

n=$(wc -l < "$LOG")
trace down
ip -n early link set ve down
check "ve set down: healed whole" wait_for 5 whole
untrace
check_eq "ve set down: set up after the first event read, before the rest of the burst" \
	1 "$(reads_before "$T_DIR/down.strace" RTM_NEWLINK 0x10)"
check_eq "ve set down: one set-up" 1 "$(healed "$n" set-up)"
check_eq "ve set down: one add-route (the kernel took the default route)" 1 "$(healed "$n" add-route)"
n=$(wc -l < "$LOG")

# a burst of one that needs no heal (an alias netheal does not manage, as
# IPv6's DAD ending announces an address alone) leaves the socket settled:
# the next news is still healed early
wait_for 5 dad_done
sleep 0.2
ip -n early link set dev ve alias early-heal-test
sleep 0.3
trace addr
ip -n early address del 10.1.27.1/24 dev ve
check "address removed: healed whole" wait_for 5 whole
untrace
check_eq "address removed: put back after the first event read" \
	1 "$(reads_before "$T_DIR/addr.strace" RTM_NEWADDR 0x14)"
check_eq "address removed: one add-address" 1 "$(healed "$n" add-address)"

# an IPv6 address's removal names no requester: its blame needs the rest
# of its burst (service/core.c ipv6_remover), so it is read whole first
wait_for 5 dad_done
sleep 0.2
n=$(wc -l < "$LOG")
trace addr6
ip -n early address del 2001:db8:27::1/64 dev ve
check "IPv6 address removed: healed whole" wait_for 5 whole
untrace
r=$(reads_before "$T_DIR/addr6.strace" RTM_NEWADDR 0x14)
check "IPv6 address removed: put back after its burst's routes were read (${r:-no} reads)" test "${r:-0}" -ge 2
check_eq "IPv6 address removed: one add-address" 1 "$(healed "$n" add-address)"

# a deletion (its burst: the link closed, then its IPv6 objects, then the
# pair deleted) is rebuilt once, whatever the early heal of its first event
n=$(wc -l < "$LOG")
ip -n early link del ve
check "veth deleted: rebuilt whole" wait_for 5 whole
sleep 0.5
check_eq "veth deleted: one create-link" 1 "$(healed "$n" create-link)"
check "ve-h is the peer again" test "$(ip -j link show dev ve-h | jq -r '.[0].link_netnsid // empty')" != ""

finish
