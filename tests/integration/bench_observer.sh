#!/bin/bash
# bench-observer's woken floor sleeps before each break as long as it is
# told (--asleep-ms), by default as long as the observer settles between
# samples (--settle-ms), as netheal sleeps between the benchmark's breaks,
# and sleeps until the break's event (not waking to look at the actor):
# a healer's caches go cold while it sleeps, and the woken floor stands
# beside netheal measured the same way (bench/observer.c); with --delay-us
# it reacts that much later. Each sample
# restores the route it broke.
. "$(dirname "$0")/../lib.sh"

OBSERVER=$(dirname "$NETHEAL_BIN")/../bench/bench-observer
[ -x "$OBSERVER" ] || { skip "bench-observer is not built beside $NETHEAL_BIN"; finish; }
D=$T_DIR/bench
mkdir -p "$D"
python3 "$NETHEAL_SRC/bench/gen.py" config "$D" 1 > /dev/null
"$NETHEAL" apply -c "$D/netheal.conf" > /dev/null
check "the benchmark's namespace is built" ip netns exec ns0 true

# restored FILE: the observer's samples in FILE all restored the route
restored() { [ "$(grep -c 'first_us=[0-9]' "$1")" = 3 ]; }
# woken NAME SETTLE [ASLEEP]: three route samples into $T_DIR/NAME; prints
# the wall time in ms
woken() {
	local t0 t1
	t0=$(date +%s%N)
	"$OBSERVER" --break route --namespaces 1 --samples 3 --floor-woken --settle-ms "$2" \
		${3:+--asleep-ms "$3"} > "$T_DIR/$1" 2>> "$T_DIR/observer.err"
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
# a broken --asleep-ms makes each pair differ by a few ms
fast=$(woken fast 1 0)
slow=$(woken slow 1 400)
check "--asleep-ms 400: 3 samples over 600 ms longer than asleep 0 ($fast → $slow ms; 1200 expected)" \
	test "$((slow - fast))" -ge 600
settled=$(woken settled 250 0)
asleep=$(woken asleep 250)
check "asleep as long as it settles by default ($settled → $asleep ms; 750 expected)" \
	test "$((asleep - settled))" -ge 375
for f in fast slow settled asleep; do
	check "every sample restored the route ($f)" restored "$T_DIR/$f"
done
check "--asleep-ms without --floor-woken is refused" \
	bash -c '! "$1" --break route --namespaces 1 --samples 1 --asleep-ms 5 2> /dev/null' _ "$OBSERVER"
# --delay-us: the woken floor reacts that much later, so no sample can be
# restored sooner than it (without it, a route comes back in ~0.1 ms)
"$OBSERVER" --break route --namespaces 1 --samples 3 --floor-woken --settle-ms 1 --asleep-ms 0 \
	--delay-us 5000 > "$T_DIR/delayed" 2>> "$T_DIR/observer.err"
check "every sample restored the route (--delay-us 5000)" restored "$T_DIR/delayed"
check "... none sooner than 5 ms after the break ($(grep -o 'first_us=[0-9.]*' "$T_DIR/delayed" | tr '\n' ' '))" \
	bash -c '! grep -q "first_us=[0-4]\?[0-9]\{1,3\}\." "$1"' _ "$T_DIR/delayed"
check "--delay-us without --floor-woken is refused" \
	bash -c '! "$1" --break route --namespaces 1 --samples 1 --delay-us 5 2> /dev/null' _ "$OBSERVER"
# outside the sandbox (NETHEAL_SANDBOX unset): bad arguments get the
# usage, good ones the refusal, and nothing is touched
out=$(env -u NETHEAL_SANDBOX "$OBSERVER" --break nonsense 2>&1); rc=$?
check "outside the sandbox, a bad argument gets the usage (exit $rc, 64 expected)" \
	bash -c '[ "$1" = 64 ] && grep -q "^usage: bench-observer" <<< "$2"' _ "$rc" "$out"
out=$(env -u NETHEAL_SANDBOX "$OBSERVER" --break route --namespaces 1 --samples 1 2>&1); rc=$?
check "outside the sandbox, good arguments are refused (exit $rc, 1 expected)" \
	bash -c '[ "$1" = 1 ] && grep -q "refusing to run outside the sandbox" <<< "$2"' _ "$rc" "$out"

# asleep means asleep: the woken thread waits on its socket and an eventfd
# (its only polls of two open descriptors; the others pass -1), once a sample, not in 10 ms slices
# (until d453882: the break found it at most 10 ms after its last
# wake-up, its caches warm)
if command -v strace > /dev/null; then
	strace -f -qq -e trace=poll -o "$T_DIR/strace" "$OBSERVER" --break route --namespaces 1 --samples 3 \
		--floor-woken --settle-ms 1 --asleep-ms 400 > "$T_DIR/traced" 2>> "$T_DIR/observer.err"
	polls=$(grep -c 'poll(\[{fd=[0-9]*, events=POLLIN}, {fd=[0-9]' "$T_DIR/strace")
	check "3 samples asleep 400 ms each: the woken thread polled $polls times (3 to 12; 10 ms slices: over 120)" \
		test "$polls" -ge 3 -a "$polls" -le 12
	check "every sample restored the route (traced)" restored "$T_DIR/traced"
else
	skip "strace is not installed: the woken thread's polls are not counted"
fi
finish
