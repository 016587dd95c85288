#!/bin/bash
# Namespaces netheal cannot open for lack of descriptors are shown, not
# lost (netheal(8), Descriptors; adversarial trial, helper 65):
#  - a namespace of the policy's own that netheal makes while none is free
#    is said (netns-created), shown drifting "not watched", and built, with
#    its on_create run, once descriptors are free;
#  - deleted while unwatched, it is made again at once;
#  - a file that waited for its mount and then finds no descriptor free is
#    shown like the others, not forgotten.
# Checked with ip -j, the hook's file and `netheal status`.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

L=150           # RLIMIT_NOFILE: about 80 namespaces fit
N=200           # matched namespaces made first: they fill it
C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C" "backoff: { flap_count = 1000000; flap_window = 1; initial_ms = 1; max_ms = 1; };"
policy "$C" tenants <<EOP
namespaces = (
  { match = "t-*"; links = ( { name = "lo"; } ); },
  { name = "zc";
    links = ( { name = "lo"; addresses = [ "10.1.9.1/32" ]; } );
    hooks = { on_create = [ "/bin/sh", "-c", "echo created >> $T_DIR/hook.out" ]; };
  }
);
EOP
ip -batch - <<<"$(for i in $(seq 1 "$N"); do echo "netns add t-$i"; done)"
status_of() { "$NETHEAL" status -c "$C/netheal.conf" "$1" 2>&1; }
unwatched() { status_of "$1" | grep -q 'drifting.*not watched: no descriptor free'; }
watched() { ! unwatched "$1"; }
built() { ip -j -n zc address show dev lo 2>/dev/null | grep -q '"10.1.9.1"'; }
hook_once() { [ "$(cat "$T_DIR/hook.out" 2>/dev/null)" = created ]; }

(ulimit -n "$L"; exec "$NETHEAL" run -c "$C/netheal.conf" --log stderr) 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "netheal runs under a limit of $L for $N namespaces" wait_for 30 grep -aq 'ready: ' "$LOG"

# made while no descriptor is free: said, shown, not built yet
check "zc is made" test -e /run/netns/zc
check "... and said (netns-created)" grep -aq 'netns-created.*zc\|zc.*netns-created' "$LOG"
check "... shown drifting, not watched" wait_for 10 unwatched zc
check "... not built yet, its on_create not run" bash -c '! [ -e "$1" ]' _ "$T_DIR/hook.out"

# deleted while unwatched: made again at once, not at some later event
ip netns del zc
check "deleted while unwatched: made again" wait_for 5 test -e /run/netns/zc
check "... and still shown not watched" wait_for 10 unwatched zc

# descriptors free: zc is watched, built, and its on_create runs once
ip -batch - <<<"$(for i in $(seq 1 150); do echo "netns del t-$i"; done)"
check "descriptors free: zc built (10.1.9.1 on its lo, ip -j)" wait_for 30 built
check "... its on_create ran once" wait_for 10 hook_once
check "... and it is no longer shown not watched" wait_for 10 watched zc

# a file that waits for its mount (opened and found no namespace while a
# descriptor was free), then finds none free once mounted
touch /run/netns/t-late
sleep 0.5
ip -batch - <<<"$(for i in $(seq 201 350); do echo "netns add t-$i"; done)"
check "namespaces added past the limit: some not watched" wait_for 10 unwatched t-350
unshare --net sleep 120 &
holder=$!
bg_started $holder
wait_for 5 test -e "/proc/$holder/ns/net"
mount --bind "/proc/$holder/ns/net" /run/netns/t-late
check "a file mounted late, with no descriptor free: shown not watched" wait_for 10 unwatched t-late
ip -batch - <<<"$(for i in $(seq 201 350); do echo "netns del t-$i"; done)"
check "descriptors free again: t-late watched" wait_for 10 watched t-late
check "netheal is alive" kill -0 "$NH_PID"
kill -TERM "$NH_PID"; wait "$NH_PID"
check_eq "stops cleanly" 0 "$?"
umount /run/netns/t-late
finish
