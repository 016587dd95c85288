#!/usr/bin/env python3
"""Where netheal's time goes between its wake-up and its request.

    python3 bench/syscall_gaps.py PREFIX.syscalls

Reads `perf script -F tid,time,event,trace` of raw_syscalls:sys_enter and
sys_exit recorded on netheal (bench/profile.sh --tool syscalls; x86_64
call numbers) and takes apart every wake-up of its loop's thread, from
epoll_wait's return to its next epoll_wait:

  to request   a wake-up that sends a request (sendto), up to that call:
               each gap between one call's exit and the next one's entry
               (user space: reading and applying the event, the diff, the
               plan), then the time inside the calls
  no request   a wake-up that only reads (the request's echo, right after,
               while all of it is warm), to its next epoll_wait; those that
               also write status.json (openat) are left out

Means, so that the parts add up to the whole; the p50 beside each. Last,
how long the loop had slept in epoll_wait before those wake-ups: the
longer asleep, the colder the caches the wake-up finds.
Exits 1 when the trace holds no wake-up of either kind.
"""
import re
import statistics
import sys

NAMES = {0: 'read', 1: 'write', 3: 'close', 7: 'poll', 44: 'sendto', 45: 'recvfrom',
         46: 'sendmsg', 47: 'recvmsg', 232: 'epoll_wait', 257: 'openat', 262: 'newfstatat'}
LINE = re.compile(r'\s*(\d+)\s+([\d.]+):\s+raw_syscalls:sys_(enter|exit): NR (\d+)')


def wakeups(path):
    """Each wake-up of the loop's thread (the first to return from
    epoll_wait): its start, its calls as [name, entry, exit] (µs), its
    end (the next epoll_wait's entry) and how long it had slept (None
    when the trace begins inside that epoll_wait)."""
    loop, cur, start, asleep_from, slept = None, None, None, None, None
    entered = {}                # epoll_wait entries before the loop is known
    with open(path) as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            tid, t, kind, nr = int(m.group(1)), float(m.group(2)) * 1e6, m.group(3), int(m.group(4))
            if loop is None and nr == 232:
                if kind == 'enter':
                    entered[tid] = t
                    continue
                loop, asleep_from = tid, entered.get(tid)
            if tid != loop:
                continue
            if nr == 232 and kind == 'exit':
                cur, start = [], t
                slept = t - asleep_from if asleep_from is not None else None
            elif nr == 232 and kind == 'enter':
                if cur is not None:
                    yield start, cur, t, slept
                cur, asleep_from = None, t
            elif cur is not None and kind == 'enter':
                cur.append([NAMES.get(nr, str(nr)), t, t])
            elif cur and kind == 'exit':
                cur[-1][2] = t


def line(label, values):
    print(f'  {label:<32} mean {statistics.mean(values):6.1f}  p50 {statistics.median(values):6.1f} µs')


def report(label, runs, to_end):
    """The most common shape of runs (the same calls in the same order)."""
    shapes = {}
    for run in runs:
        shapes.setdefault(tuple(c[0] for c in run[1]), []).append(run[:3])
    shape, same = max(shapes.items(), key=lambda kv: len(kv[1]))
    print(f'{label}: {len(runs)} wake-ups, {len(same)} of them calling {" ".join(shape)}')
    prev = 'wake-up'
    for i, name in enumerate(shape):
        line(f'{prev} -> {name}', [calls[i][1] - (calls[i - 1][2] if i else start) for start, calls, _ in same])
        prev = name
    if to_end:
        line(f'{prev} -> epoll_wait', [end - calls[-1][2] for _, calls, end in same])
    line('inside the calls', [sum(c[2] - c[1] for c in (calls if to_end else calls[:-1]))
                              for _, calls, _ in same])
    line(f'wake-up -> {"epoll_wait" if to_end else shape[-1]} (in all)',
         [(end if to_end else calls[-1][1]) - start for start, calls, end in same])


def main():
    runs = list(wakeups(sys.argv[1]))
    heal = []
    for start, calls, end, slept in runs:
        names = [c[0] for c in calls]
        if 'sendto' in names:
            heal.append((start, calls[:names.index('sendto') + 1], end, slept))
    quiet = [r for r in runs if r[1] and r[1][0][0] == 'recvmsg' and
             not any(c[0] in ('sendto', 'openat') for c in r[1])]
    if not heal and not quiet:
        print('syscall_gaps.py: no wake-up found (was perf recording netheal, on x86_64?)', file=sys.stderr)
        return 1
    if heal:
        report('wake-up to request', heal, False)
    if quiet:
        report('wake-up without a request', quiet, True)
    slept = [r[3] for r in heal if r[3] is not None]
    if slept:
        print(f'asleep in epoll_wait before a wake-up to request: {len(slept)} of them')
        line('asleep', slept)
    return 0


if __name__ == '__main__':
    sys.exit(main())
