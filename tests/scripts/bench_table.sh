#!/bin/bash
# bench/table.py reads bench-observer's samples as the table says: lost
# ones (-1) are left out of the percentiles; late ones (late=1: the
# observer read the restoring event already queued behind the break's) are
# kept, and counted. A row puts netheal's p50 beside the woken floor's, as
# a ratio, and judges the goal against the floor (SPEC §8).
set -u
src=${NETHEAL_SRC:?}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cat > "$d/heal-netheal-1-address.txt" <<'EOS'
break=address netns=ns0 first_us=200.0 full_us=300.0 ack_us=10.0
break=address netns=ns0 first_us=4.9 full_us=9.0 ack_us=10.0 late=1
break=address netns=ns0 first_us=-1 full_us=-1 note=not-whole-before
break=address netns=ns0 first_us=220.0 full_us=320.0 ack_us=10.0
EOS
got=$(cd "$src/bench" && python3 -c 'import sys, table; print(table.samples(sys.argv[1], "netheal", 1, "address"))' "$d")
want='([200.0, 4.9, 220.0], [300.0, 9.0, 320.0], 1, 1)'
[ "$got" = "$want" ] || { echo "FAIL: samples: got $got, want $want"; exit 1; }
echo "ok - lost samples are left out, late ones counted and kept"
for who in floor floor-woken; do
	for us in 40 50 60; do
		[ "$who" = floor-woken ] && us=$((us * 2))
		echo "break=address netns=ns0 first_us=$us.0 full_us=$us.0 ack_us=1.0"
	done > "$d/heal-$who-1-address.txt"
done
echo "what=heal n=1 who=netheal break=address rc=0" > "$d/records"
row=$(cd "$src/bench" && python3 -c '
import sys, table
print(table.heal_rows(sys.argv[1], table.records(sys.argv[1]))[2])' "$d")
# netheal p50 200 (nearest rank of 4.9, 200, 220), floor 50, woken 100
want='| address deleted | 1 | 3 (1 lost, 1 late) | 200 | 220 | 220 | 220 | 320 | 50.0 | 60.0 | 100 · 120 | 2.00 | p50 ≤ 100, p99 ≤ 1000 | **no** |'
[ "$row" = "$want" ] || { echo "FAIL: row: got"; echo "$row"; echo "want"; echo "$want"; exit 1; }
echo "ok - the row puts the p50 beside the woken floor's and judges it against the floor"
# the header gives each size's samples per break, and which breaks had
# more where they differ (a scale run's P99_SAMPLES, bench/inner.sh)
for i in 1 2 3 4; do echo "break=route netns=ns0 first_us=90.0 full_us=90.0 ack_us=1.0"; done > "$d/heal-netheal-1-route.txt"
echo "break=down netns=ns0 first_us=90.0 full_us=90.0 ack_us=1.0" > "$d/heal-netheal-1-down.txt"
echo "what=machine nproc=2 kernel=test mode=scale" >> "$d/records"
line=$(cd "$src/bench" && python3 -c '
import sys, table
print(table.header(table.records(sys.argv[1]), sys.argv[1])[1])' "$d")
want='Heal-latency samples per break, by namespaces: at 1, 4 (address deleted; default route deleted) and 1 (link set down) ('
[ "${line#"$want"}" != "$line" ] || { echo "FAIL: header: got"; echo "$line"; echo "want it to begin"; echo "$want"; exit 1; }
echo "ok - the header says which breaks had more samples"
