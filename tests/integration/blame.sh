#!/bin/bash
# Field failure 4 (SPEC §5.4): flap damping blames the cause, not the
# victim. Under the default damping (5 heals in 60 s), objects the kernel
# removed as a consequence of another change — routes flushed with their
# address (`ip addr flush`, which fights for several rounds), with their
# link going down, addresses and routes lost with a deleted link or
# namespace — are healed without counting toward their own damping, and
# their records say actor=kernel. So a later, unrelated `ip route del` of
# the same route is healed at once, and a namespace re-created soon after
# comes back with its route at once. The kernel names no requester for an
# IPv6 address's removal nor for a namespace's: those a process repeats
# are fights, damped like any other, and their records blame no kernel.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"          # the default damping
make_eth1
policy "$C" option1 <<'EOP'
namespaces = (
  { name = "blue";
    links = ( { name = "lo"; }, { name = "eth1"; kind = "physical"; addresses = [ "10.1.1.83/24" ]; } );
    routes = ( { to = "default"; via = "10.1.1.1"; } ); },
  { name = "teal";
    links = ( { name = "lo"; },
      { name = "vt"; kind = "veth"; addresses = [ "10.1.5.2/24", "10.1.5.3/24" ]; peer = { name = "vt-h"; }; } );
    routes = ( { to = "default"; via = "10.1.5.1"; } ); },
  { name = "plum";
    links = ( { name = "lo"; },
      { name = "vp"; kind = "veth"; addresses = [ "10.1.6.2/24", "2001:db8:6::2/64" ]; peer = { name = "vp-h"; }; } );
    routes = ( { to = "default"; via = "10.1.6.1"; } ); },
  { name = "sage";
    links = ( { name = "lo"; addresses = [ "10.1.7.1/32" ]; } ); }
);
EOP
ip link add br5 type bridge; ip addr add 10.1.5.1/24 dev br5; ip link set br5 up
ip link add br6 type bridge; ip addr add 10.1.6.1/24 dev br6; ip link set br6 up

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "Option 1 is built" wait_for 20 has_route blue "default via 10.1.1.1"
check "teal is built" wait_for 5 has_route teal "default via 10.1.5.1"
check "plum is built" wait_for 5 has_route plum "default via 10.1.6.1"
sleep 0.5

route_back() { has_route "$1" "default via $2"; }
# timed DESC MAX_MS CHECK...: CHECK must hold within MAX_MS
timed() {
	local what=$1 max=$2; shift 2
	local t0 ms
	t0=$(date +%s%N)
	if ! wait_for 5 "$@"; then fail "$what: not within 5 s"; return; fi
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	if [ "$ms" -le "$max" ]; then ok "$what: $ms ms"; else fail "$what: $ms ms (more than $max: damped)"; fi
}

# ---- the seed's sequence (Option 1) -----------------------------------------
ip -n blue addr flush dev eth1
check "flush: the address is back" wait_for 10 has_addr blue eth1 10.1.1.83/24
check "flush: the route is back" wait_for 10 route_back blue 10.1.1.1
sleep 2
ip -n blue link set eth1 down
check "link down: healed" wait_for 10 route_back blue 10.1.1.1
sleep 2
ip -n blue route del default
timed "a later, unrelated route del is healed at once" 300 route_back blue 10.1.1.1
check "the route never counted as flapping" bash -c "! grep -a 'event=flapping' '$LOG' | grep -q 'object=route:'"
check "its consequential heals say actor=kernel" \
	grep -aq "event=healed netns=blue object=route:default action=add-route .*actor=kernel" "$LOG"

# ---- more removals that are consequences, five times each (the damping count) ----
# (in plum: the link's own state is a fight with `ip` and is damped; its
# route waits for it, and is not damped itself)
for i in 1 2 3 4 5 6; do
	ip -n plum link set vp down                    # routes go with the link's state
	wait_for 5 route_back plum 10.1.6.1 || break
	sleep 0.1
done
check "link down six times: the route was healed every time" route_back plum 10.1.6.1
check "and the IPv6 address the kernel flushed with it" wait_for 5 has_addr plum vp 2001:db8:6::2/64
check "which says actor=kernel" \
	grep -aq "event=healed netns=plum link=vp object=address:2001:db8:6::2/64 .*actor=kernel" "$LOG"
check "the route waited for its link, it did not fail" bash -c \
	"! grep -a 'event=heal-failed netns=plum' '$LOG' | grep -q 'object=route:'"
for i in 1 2 3 4 5 6; do
	ip link del vt-h                               # addresses and routes go with the link
	wait_for 5 has_addr teal vt 10.1.5.3/24 || break
	wait_for 5 route_back teal 10.1.5.1 || break
	sleep 0.1
done
check "veth deleted six times: addresses and route back" route_back teal 10.1.5.1
check "no address or route of teal or plum was damped" bash -c \
	"! grep -a 'event=flapping netns=\(teal\|plum\)' '$LOG' | grep -Eq 'object=(address|route):'"
ip -n teal route del default
timed "then a route del in teal is healed at once" 300 route_back teal 10.1.5.1

# ---- a namespace re-created soon after ---------------------------------------------
ip -n teal route del default
wait_for 2 route_back teal 10.1.5.1
ip netns del teal
timed "teal deleted: re-created with its route at once" 2000 route_back teal 10.1.5.1

# ---- a process setting a link down again and again --------------------------------
# Link notifications name no requester (port 0 whoever asked): that is no
# consequence, the fight is damped like any other, and the record names
# no actor it cannot know.
for i in $(seq 12); do
	ip -n teal link set vt down
	sleep 0.1
done
check "a link set down again and again is damped (flapping)" \
	wait_for 3 grep -aq "event=flapping netns=teal link=vt object=state:up" "$LOG"
check "and its flapping record does not blame the kernel" bash -c \
	"! grep -a 'event=flapping netns=teal link=vt object=state:up' '$LOG' | grep -q 'actor=kernel'"
check "vt is up again after the backoff" wait_for 10 link_up teal vt

# ---- a process deleting an IPv6 address again and again ------------------------
# (RTM_DELADDR for IPv6 says port 0 whoever asked; with the link up and
# its link-local address kept, it is no flush of the kernel's)
link_local() { ip -n "$1" -6 -o addr show dev "$2" scope link | grep -q fe80; }
wait_for 10 link_up plum vp
wait_for 5 link_local plum vp
wait_for 5 has_addr plum vp 2001:db8:6::2/64
since=$(( $(wc -l <"$LOG") + 1 ))
for i in $(seq 8); do
	ip -n plum addr del 2001:db8:6::2/64 dev vp 2>/dev/null
	wait_for 2 has_addr plum vp 2001:db8:6::2/64 || break
done
check "an IPv6 address deleted again and again is damped (flapping)" \
	wait_for 3 grep -aq "event=flapping netns=plum link=vp object=address:2001:db8:6::2/64" "$LOG"
check "and no record of that fight blames the kernel" bash -c \
	"! tail -n +$since '$LOG' | grep -a 'netns=plum link=vp object=address:2001:db8:6::2/64' | grep -q 'actor=kernel'"
check "the address is back after the backoff" wait_for 10 has_addr plum vp 2001:db8:6::2/64

# ---- a process deleting a namespace again and again -----------------------------
for i in $(seq 8); do
	ip netns del sage 2>/dev/null
	wait_for 2 has_addr sage lo 10.1.7.1/32 || break
done
check "a namespace deleted again and again is damped (flapping)" \
	wait_for 3 grep -aq "event=flapping netns=sage object=netns:sage" "$LOG"
check "and its records do not blame the kernel" bash -c \
	"! grep -a 'netns=sage object=netns:sage' '$LOG' | grep -q 'actor=kernel'"
check "sage is back after the backoff" wait_for 10 has_addr sage lo 10.1.7.1/32

kill -TERM "$NH_PID"; wait "$NH_PID"
finish
