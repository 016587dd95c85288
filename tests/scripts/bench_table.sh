#!/bin/bash
# bench/table.py reads bench-observer's samples as the table says: lost
# ones (-1) are left out of the percentiles; late ones (late=1: the
# observer read the restoring event already queued behind the break's) are
# kept, and counted.
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
