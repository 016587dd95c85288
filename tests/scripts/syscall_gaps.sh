#!/bin/bash
# bench/syscall_gaps.py takes a wake-up apart as bench/profile.sh --tool
# syscalls says: from epoll_wait's return to the request (sendto), the
# time between one call's exit and the next call's entry (user space), the
# time inside the calls beside it, and a wake-up that sends nothing apart.
set -u
src=${NETHEAL_SRC:?}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
# two heals (10 µs to the read, 20 to the request, 2 in each call) and
# one echo read warm (1 µs to the read); a timer's wake-up (status write)
# has no read and is neither
for base in 100.000000 200.000000; do
	python3 - "$base" <<'EOS'
import sys
b = float(sys.argv[1])
for t, kind, nr in [(0, 'exit', 232), (10, 'enter', 47), (12, 'exit', 47), (32, 'enter', 44),
                    (34, 'exit', 44), (35, 'enter', 232), (40, 'exit', 232), (41, 'enter', 47),
                    (43, 'exit', 47), (44, 'enter', 232), (90, 'exit', 232), (91, 'enter', 257),
                    (92, 'exit', 257), (93, 'enter', 232)]:
    sp = ' ' if kind == 'exit' else ''
    print(f' {b + t / 1e6:.6f}: {sp}raw_syscalls:sys_{kind}: NR {nr} (0, 0)')
EOS
done > "$d/trace"
out=$(python3 "$src/bench/syscall_gaps.py" "$d/trace")
fail=0
check() { grep -qE "$1" <<<"$out" || { echo "FAIL: no line matching '$1' in:"; echo "$out"; fail=1; }; }
check '^wake-up to request: 2 wake-ups, 2 of them calling recvmsg sendto$'
check 'wake-up -> recvmsg +p50 +10\.0 µs'
check 'recvmsg -> sendto +p50 +20\.0 µs'
check 'in the calls p50 +2\.0 µs'
check 'wake-up -> sendto +p50 +32\.0 µs \(in all\)'
check '^wake-up without a request: 2 wake-ups, 2 of them calling recvmsg$'
check 'wake-up -> recvmsg +p50 +1\.0 µs'
[ "$fail" = 0 ] && echo "ok - wake-ups taken apart call by call"
exit "$fail"
