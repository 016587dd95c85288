#!/bin/bash
# bench/syscall_gaps.py takes a wake-up apart as bench/profile.sh --tool
# syscalls says: from epoll_wait's return to the request (sendto), the
# time between one call's exit and the next call's entry (user space) and
# inside the calls, adding up to the whole; a wake-up that sends nothing
# apart, to its next epoll_wait; how long the loop slept before each
# wake-up to request; another thread's calls left out; an empty trace is
# an error.
set -u
src=${NETHEAL_SRC:?}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
# two heals (asleep 5 ms before, then 10 µs to the read, 20 to the
# request, 2 in each call), each
# followed by an echo read warm (1 µs to the read, 3 after it to the next
# epoll_wait); a timer's wake-up (status write) is neither; thread 8 is
# not the loop's and calls sendto in the middle of the first heal
# the second block begins 5 ms after the first one's last epoll_wait entry
for base in 100.000000 100.005093; do
	python3 - "$base" <<'EOS'
import sys
b = float(sys.argv[1])
first = [(7, -5000, 'enter', 232)] if b == 100.0 else []
for tid, t, kind, nr in first + [(7, 0, 'exit', 232), (7, 10, 'enter', 47), (8, 11, 'enter', 44), (7, 12, 'exit', 47),
                         (7, 32, 'enter', 44), (7, 34, 'exit', 44), (7, 35, 'enter', 232), (7, 40, 'exit', 232),
                         (7, 41, 'enter', 47), (7, 43, 'exit', 47), (7, 46, 'enter', 232), (7, 90, 'exit', 232),
                         (7, 91, 'enter', 257), (7, 92, 'exit', 257), (7, 93, 'enter', 232)]:
    sp = ' ' if kind == 'exit' else ''
    print(f' {tid:>6} {b + t / 1e6:.6f}: {sp}raw_syscalls:sys_{kind}: NR {nr} (0, 0)')
EOS
done > "$d/trace"
out=$(python3 "$src/bench/syscall_gaps.py" "$d/trace")
fail=0
check() { grep -qE "$1" <<<"$out" || { echo "FAIL: no line matching '$1' in:"; echo "$out"; fail=1; }; }
check '^wake-up to request: 2 wake-ups, 2 of them calling recvmsg sendto$'
check 'wake-up -> recvmsg +mean +10\.0 +p50 +10\.0 µs'
check 'recvmsg -> sendto +mean +20\.0 +p50 +20\.0 µs'
check 'inside the calls +mean +2\.0 '
check 'wake-up -> sendto \(in all\) +mean +32\.0 '
check '^wake-up without a request: 2 wake-ups, 2 of them calling recvmsg$'
check 'wake-up -> recvmsg +mean +1\.0 '
check 'recvmsg -> epoll_wait +mean +3\.0 '
check 'wake-up -> epoll_wait \(in all\) +mean +6\.0 '
check '^asleep in epoll_wait before a wake-up to request: 2 of them$'
check 'asleep +mean +5000\.0 +p50 +5000\.0 µs'
: > "$d/empty"
if python3 "$src/bench/syscall_gaps.py" "$d/empty" > /dev/null 2>&1; then
	echo "FAIL: an empty trace was not an error"
	fail=1
fi
[ "$fail" = 0 ] && echo "ok - wake-ups taken apart call by call"
exit "$fail"
