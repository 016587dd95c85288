#!/bin/bash
# bench-observer's woken floor sleeps before each break as long as it is
# told (--asleep-ms), by default as long as the observer settles between
# samples (--settle-ms), as netheal sleeps between the benchmark's breaks,
# and sleeps until the break's event (not waking to look at the actor):
# a healer's caches go cold while it sleeps, and the woken floor stands
# beside netheal measured the same way (bench/observer.c). Each sample
# restores the route it broke.
. "$(dirname "$0")/../lib.sh"

OBSERVER=$(dirname "$NETHEAL")/../bench/bench-observer
[ -x "$OBSERVER" ] || { skip "bench-observer is not built beside $NETHEAL"; finish; }
D=$T_DIR/bench
mkdir -p "$D"
python3 "$NETHEAL_SRC/bench/gen.py" config "$D" 1 > /dev/null
"$NETHEAL" apply -c "$D/netheal.conf" > /dev/null
check "the benchmark's namespace is built" ip netns exec ns0 true

# woken SETTLE [ASLEEP]: three route samples; prints the wall time in ms
woken() {
	local t0 t1 out
	t0=$(date +%s%N)
	out=$("$OBSERVER" --break route --namespaces 1 --samples 3 --floor-woken --settle-ms "$1" \
		${2:+--asleep-ms "$2"} 2>&1)
	t1=$(date +%s%N)
	echo "$out" >> "$T_DIR/observer.out"
	[ "$(grep -c 'first_us=[0-9]' <<<"$out")" = 3 ] || echo "no 3 restored samples in: $out" >&2
	echo $(((t1 - t0) / 1000000))
}
fast=$(woken 1 0) 2> "$T_DIR/err"
slow=$(woken 1 400) 2>> "$T_DIR/err"
check "--asleep-ms 400: 3 samples 1200 ms longer than asleep 0 ($fast → $slow ms)" \
	test "$((slow - fast))" -ge 1150
settled=$(woken 250 0) 2>> "$T_DIR/err"
asleep=$(woken 250) 2>> "$T_DIR/err"
check "asleep as long as it settles by default ($settled → $asleep ms)" test "$((asleep - settled))" -ge 700
# asleep means asleep: the woken thread waits on its socket and an
# eventfd, not in 10 ms slices (it did until 2026-12-06: the break found it
# at most 10 ms after its last wake-up, its caches warm)
strace -f -qq -e trace=poll,ppoll -o "$T_DIR/strace" "$OBSERVER" --break route --namespaces 1 --samples 3 \
	--floor-woken --settle-ms 1 --asleep-ms 400 > "$T_DIR/traced" 2>> "$T_DIR/err"
polls=$(grep -c 'poll(' "$T_DIR/strace")
check "3 samples asleep 400 ms each: $polls polls (10 ms slices would be over 120)" test "$polls" -lt 30
check "every sample restored the route" test ! -s "$T_DIR/err"
finish
