#!/usr/bin/env python3
"""Where netheal's time goes between its wake-up and its request.

    python3 bench/syscall_gaps.py PREFIX.syscalls

Reads `perf script` of raw_syscalls:sys_enter/sys_exit recorded on netheal
(bench/profile.sh --tool syscalls) and, for every wake-up that ends in a
request, that is every epoll_wait return followed by a sendto before the
next epoll_wait, prints the median time (µs) from one system call to the
next: user space between them (reading and applying the event, the diff,
the plan), since the calls themselves take 1 to 5 µs. A wake-up that sends
nothing (the echo of netheal's own request, read and diffed while warm) is
shown beside it for contrast.
"""
import re
import statistics
import sys

NAMES = {0: 'read', 1: 'write', 3: 'close', 7: 'poll', 44: 'sendto', 45: 'recvfrom',
         46: 'sendmsg', 47: 'recvmsg', 232: 'epoll_wait', 257: 'openat', 262: 'newfstatat'}
LINE = re.compile(r'\s*([\d.]+):\s+raw_syscalls:sys_(enter|exit): NR (\d+)')


def wakeups(path):
    """Each wake-up: its calls from epoll_wait's return, as (name, enter µs, exit µs)."""
    calls, cur, start = [], None, None
    with open(path) as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            t, kind, nr = float(m.group(1)) * 1e6, m.group(2), int(m.group(3))
            if nr == 232 and kind == 'exit':
                cur, start = [], t
            elif nr == 232 and kind == 'enter':
                if cur is not None:
                    yield start, cur
                cur = None
            elif cur is not None and kind == 'enter':
                cur.append([NAMES.get(nr, str(nr)), t, t])
            elif cur and kind == 'exit':
                cur[-1][2] = t


def report(label, runs):
    if not runs:
        return
    shapes = {}
    for start, calls in runs:
        shapes.setdefault(tuple(c[0] for c in calls), []).append((start, calls))
    shape, same = max(shapes.items(), key=lambda kv: len(kv[1]))
    print(f'{label}: {len(runs)} wake-ups, {len(same)} of them calling {" ".join(shape) or "nothing"}')
    prev = 'wake-up'
    for i, name in enumerate(shape):
        gap = [calls[i][1] - (calls[i - 1][2] if i else start) for start, calls in same]
        print(f'  {prev:>10} -> {name:<10} p50 {statistics.median(gap):6.1f} µs')
        prev = name
    inside = [sum(c[2] - c[1] for c in calls[:-1]) for start, calls in same]
    print(f'  {"":>10}    {"in the calls":<10} p50 {statistics.median(inside):6.1f} µs (between them: the user space above)')
    total = [calls[-1][1] - start for start, calls in same]
    print(f'  {"wake-up":>10} -> {shape[-1]:<10} p50 {statistics.median(total):6.1f} µs (in all)')


def main():
    runs = list(wakeups(sys.argv[1]))
    heal = [(s, c[:next(i for i, x in enumerate(c) if x[0] == 'sendto') + 1]) for s, c in runs
            if any(x[0] == 'sendto' for x in c)]
    quiet = [(s, c) for s, c in runs if c and c[0][0] == 'recvmsg' and not any(x[0] in ('sendto', 'openat') for x in c)]
    report('wake-up to request', heal)
    report('wake-up without a request', quiet)


if __name__ == '__main__':
    main()
