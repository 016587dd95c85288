#!/bin/bash
# Where netheal's CPU per heal goes at one size: not a benchmark (no floor,
# no latency), the tool behind the README's "What limits each figure".
# Inside tests/sandbox.sh, on the benchmark's policy (bench/gen.py):
#
#   bash bench/profile.sh [--namespaces N] [--break address|route|down]
#                         [--count K] [--tool ticks|perf|callgrind|syscalls]
#                         [--breaker ip|observer] [--netheal PATH] [--out PREFIX]
#
# Defaults: 1 namespace, address, 300 breaks (20 for callgrind), ticks,
# build-bench/cmd/netheal, /tmp/netheal-profile. The namespaces are made
# by `netheal apply`, their IPv6 router solicitations stopped (as
# bench/inner.sh does), then `netheal run` started and, once status.json
# says converged, the breaks made 20 ms apart (300 ms under callgrind)
# round robin over the first 100 namespaces, each by an `ip` command; with
# --breaker observer, by bench-observer (beside the netheal given) as
# bench/run.sh makes them: one request from a thread of its own, a random
# namespace each, 20 ms after the last heal was seen.
#
#   ticks      netheal's utime and stime over the breaks (clock ticks, from
#              /proc/PID/stat): the user/kernel split of its CPU per heal
#   perf       the same, with `perf record -g -p` of netheal meanwhile
#              (PREFIX.perf; `perf report -i PREFIX.perf --no-children`)
#   syscalls   netheal's system calls, entry and exit (perf record of
#              raw_syscalls on its pid; PREFIX.syscalls), taken apart by
#              bench/syscall_gaps.py: the time from each wake-up to the
#              restoring request, call by call (user space between them),
#              beside a wake-up that sends nothing (the request's echo,
#              read and diffed while warm), and how long netheal slept
#              before each (PREFIX.perf, PREFIX.syscalls)
#   callgrind  netheal under valgrind, counters zeroed once converged and
#              dumped after the last heal: every instruction it ran in
#              between, whatever callback (PREFIX.out.1;
#              `callgrind_annotate --inclusive=yes PREFIX.out.1`)
#
# Writes PREFIX.log (netheal's log) and, with --breaker observer,
# PREFIX.observer (its samples, bench/observer.c), and ends with one line:
# namespaces= break= breaks= (the breaks made; with the observer, those it
# saw restored) healed= (netheal's event=healed lines) utime_ticks=
# stime_ticks= ticks_per_s= (netheal's CPU over the breaks, from
# /proc/PID/stat: the ticks tool's figure; coarse under the others) out=.
#
# Passed through: PERF_FREQ (perf's sampling frequency, Hz, --tool perf),
# PERF_EXTRA_EVENTS (more events beside the system calls, --tool syscalls:
# sched:sched_switch shows whether a wake-up was preempted) and
# CALLGRIND_EXTRA (more callgrind options, split at spaces, not globbed:
# `--zero-before=read_cb --dump-before=sendto` dumps each wake-up's
# instructions up to its request, one file each).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
if [ "${NETHEAL_SANDBOX:-}" != "1" ]; then
	exec "$src/tests/sandbox.sh" bash "$here/profile.sh" "$@"
fi
n=1 brk=address count='' tool=ticks exe=$src/build-bench/cmd/netheal out=/tmp/netheal-profile breaker=ip
while [ $# -gt 0 ]; do
	case $1 in
	--namespaces) n=$2; shift ;;
	--break) brk=$2; shift ;;
	--count) count=$2; shift ;;
	--tool) tool=$2; shift ;;
	--breaker) breaker=$2; shift ;;
	--netheal) exe=$2; shift ;;
	--out) out=$2; shift ;;
	*) echo "profile.sh: unknown argument $1 (see the comment at its top)" >&2; exit 64 ;;
	esac
	shift
done
case $brk in address | route | down) ;; *) echo "profile.sh: --break is address, route or down" >&2; exit 64 ;; esac
case $breaker in ip | observer) ;; *) echo "profile.sh: --breaker is ip or observer" >&2; exit 64 ;; esac
observer=$(dirname "$exe")/../bench/bench-observer
if [ "$breaker" = observer ] && ! [ -x "$observer" ]; then
	echo "profile.sh: --breaker observer needs $observer (built beside --netheal)" >&2
	exit 69
fi
case $tool in
ticks | perf | syscalls) gap=0.02 count=${count:-300} ;;
callgrind) gap=0.3 count=${count:-20} ;;
*) echo "profile.sh: --tool is ticks, perf, syscalls or callgrind" >&2; exit 64 ;;
esac
need=(python3 ip)
[ "$tool" = perf ] || [ "$tool" = syscalls ] && need+=(perf)
[ "$tool" = callgrind ] && need+=(valgrind callgrind_control)
for t in "${need[@]}"; do
	command -v "$t" > /dev/null || { echo "profile.sh: $t is not installed" >&2; exit 69; }
done

d=/run/bench
mkdir -p "$d"
python3 "$here/gen.py" config "$d" "$n"
"$exe" apply -c "$d/netheal.conf" > /dev/null
# shellcheck disable=SC2016 # expanded by the shells it is given to
rs='for f in /proc/sys/net/ipv6/conf/*/router_solicitations; do echo 0 > "$f"; done'
sh -c "$rs"
k=$((n < 1000 ? n : 1000))
for ((i = 0; i < k; i++)); do
	ip netns exec "ns$i" sh -c "$rs"
done
m=$((k < 100 ? k : 100))
mapfile -t addrs < <(python3 -c "
import sys
sys.path.insert(0, '$here')
import gen
for i in range($m):
    print(gen.names(i)[3])")

run=("$exe" run -c "$d/netheal.conf" --log stderr)
[ "$tool" = callgrind ] &&
	read -ra extra <<< "${CALLGRIND_EXTRA:-}" &&
	run=(valgrind --tool=callgrind "--callgrind-out-file=$out.out" "${extra[@]}" "${run[@]}")
NOTIFY_SOCKET='' "${run[@]}" 2> "$out.log" &
pid=$!
for _ in $(seq 600); do
	sleep 1
	grep -qs '"converged"' "$d/status.json" && break
done
sleep 5
perf_pid=
case $tool in
callgrind) callgrind_control -z "$pid" > /dev/null ;;
perf) perf record -q -g ${PERF_FREQ:+-F $PERF_FREQ} -p "$pid" -o "$out.perf" 2> /dev/null & perf_pid=$!; sleep 1 ;;
syscalls)
	# the sandbox's /sys hides the host's tracefs
	[ -d /sys/kernel/tracing/events/raw_syscalls ] || mount -t tracefs nodev /sys/kernel/tracing
	perf record -q -e raw_syscalls:sys_enter,raw_syscalls:sys_exit${PERF_EXTRA_EVENTS:+,$PERF_EXTRA_EVENTS} -p "$pid" -o "$out.perf" 2> /dev/null &
	perf_pid=$!
	sleep 1 ;;
esac
read -r u0 s0 < <(awk '{ print $14, $15 }' "/proc/$pid/stat")
by_ip=$count
if [ "$breaker" = observer ]; then
	"$observer" --break "$brk" --namespaces "$m" --samples "$count" \
		--settle-ms "$(python3 -c "print(int($gap * 1000))")" > "$out.observer" ||
		echo "profile.sh: bench-observer gave up or lost samples (see $out.observer)" >&2
	count=$(grep -c 'first_us=[0-9]' "$out.observer" || true)
	by_ip=0
fi
for ((j = 0; j < by_ip; j++)); do
	i=$((j % m))
	if [ "$brk" = address ]; then
		ip -n "ns$i" address del "${addrs[$i]}" dev "v$i"
	elif [ "$brk" = route ]; then
		ip -n "ns$i" route del default
	else
		ip -n "ns$i" link set "v$i" down
	fi
	sleep "$gap"
done
sleep 1
read -r u1 s1 < <(awk '{ print $14, $15 }' "/proc/$pid/stat")
[ -n "$perf_pid" ] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
[ "$tool" = callgrind ] && callgrind_control -d "$pid" > /dev/null
if [ "$tool" = syscalls ]; then
	perf script -i "$out.perf" -F tid,time,event,trace > "$out.syscalls" 2> /dev/null || true
	python3 "$here/syscall_gaps.py" "$out.syscalls" || true
fi
kill -TERM "$pid"
wait "$pid" || true
echo "namespaces=$n break=$brk breaks=$count healed=$(grep -c 'event=healed' "$out.log")" \
	"utime_ticks=$((u1 - u0)) stime_ticks=$((s1 - s0)) ticks_per_s=$(getconf CLK_TCK) out=$out"
