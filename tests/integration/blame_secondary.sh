#!/bin/bash
# SPEC §5.4, flap damping blames the cause: an IPv4 primary address
# deleted takes the secondaries of its subnet with it (the kernel's
# __inet_del_ifa, promote_secondaries off), announced under the
# requester's port before the primary's own removal. Those are the
# kernel's doing: healed with actor=kernel and never counted, so only the
# primary, whose deletion is repeated, is damped. A secondary deleted on
# its own is its requester's, and so is one deleted by a request of its
# own right before its primary's (`ip -batch`: the kernel's carry the
# primary request's number, nlmsg_seq).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C" 'backoff: { flap_count = 3; flap_window = 60; initial_ms = 8000; max_ms = 60000; };'
policy "$C" blue <<'EOP'
namespaces = ( { name = "blue"; links = ( { name = "lo"; },
    { name = "br"; kind = "bridge"; addresses = [ "10.1.0.1/24", "10.1.0.2/24", "10.1.9.1/24" ]; } ); } );
EOP
ip netns add blue
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "blue is built" wait_for 10 has_addr blue br 10.1.0.2/24
check "... 10.1.0.2 as the secondary" bash -c "ip -n blue -j addr show dev br | jq -e '.[0].addr_info[] | select(.local == \"10.1.0.2\") | .secondary'"

both() { has_addr blue br 10.1.0.1/24 && has_addr blue br 10.1.0.2/24; }
for i in 1 2 3; do
	ip -n blue addr del 10.1.0.1/24 dev br
	check "primary deletion $i: both back" wait_for 2 both
	sleep 0.2
done
check "the primary is damped: flapping" grep -q 'event=flapping netns=blue link=br object=address:10.1.0.1/24' "$LOG"
check "the secondary is not" bash -c "! grep -a 'event=flapping' '$LOG' | grep -q 'object=address:10.1.0.2/24'"
check "its heals say actor=kernel" bash -c \
	"grep -a 'event=healed.*object=address:10.1.0.2/24' '$LOG' | grep -v 'action=create-link' | tail -3 | grep -c 'actor=kernel' | grep -qx 3"
# the secondary deleted on its own is its requester's: three heals at
# once, the third's record blames it (flapping)
for i in 1 2 3; do
	ip -n blue addr del 10.1.0.2/24 dev br
	check "secondary deletion $i: back at once" wait_for 2 has_addr blue br 10.1.0.2/24
	sleep 0.2
done
check "a secondary deleted on its own is damped: flapping, not the kernel's" bash -c \
	"grep -a 'event=flapping netns=blue link=br object=address:10.1.0.2/24' '$LOG' | grep -vq 'actor=kernel'"
# the damped secondary deleted with its primary by one `ip -batch` (one
# port, a request each, read in one batch): it went by its own request,
# not with the primary's, so it is its requester's and waits
printf 'addr del 10.1.0.2/24 dev br\naddr del 10.1.0.1/24 dev br\n' | ip -n blue -batch -
sleep 1.5
secondary_gone() { ! has_addr blue br 10.1.0.2/24; }
check "deleted with its primary by one ip -batch, the damped secondary waits" secondary_gone
# another subnet's address is untouched by all of it
check_eq "10.1.9.1 was never healed" 1 "$(grep -c 'event=healed.*object=address:10.1.9.1/24' "$LOG")"
finish
