#!/bin/bash
# A namespace that holds a large routing table (a BGP router's: here
# 30,000 /32 routes another tool added) costs netheal neither memory nor a
# heal per route: its state keeps only the routes its policy could be about
# (a policy route's destination, a policy address's network), so the
# table's routes, their churn and their deletion leave it alone, and its
# own routes are healed as before. A reload that names a destination it did
# not keep reads the namespace again: a route already there under that
# destination with another gateway is a conflict, not a blind add.
# Checked with ip -j and netheal's VmRSS.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
N=30000
write_conf "$C"
policy "$C" big <<'EOP'
namespaces = ( { name = "big";
  links = ( { name = "lo"; }, { name = "br"; kind = "bridge"; addresses = [ "10.1.3.1/24" ]; } );
  routes = ( { to = "default"; via = "10.1.3.2"; } );
} );
EOP
gw_of() { ip -n big -j route show table main exact "$1" | jq -r 'if length == 1 then .[0].gateway // "none" else "n=\(length)" end'; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$NH_PID/status"; }
# the table: 10.1.128.0 .. 10.1.245.47 as /32 routes via $1
table() {
	local verb=$1 gw=$2
	python3 - "$verb" "$gw" "$N" > "$T_DIR/table.batch" <<'PY'
import sys
verb, gw, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    print(f"route {verb} 10.1.{128 + i // 256}.{i % 256}/32" + (f" via {gw}" if verb != "del" else ""))
PY
	ip -n big -batch "$T_DIR/table.batch"
}

"$NETHEAL" run -c "$C/netheal.conf" --log stderr -v 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "big built" wait_for 20 eval '[ "$(gw_of default)" = 10.1.3.2 ]'
sleep 0.5
rss0=$(rss_kb)
table add 10.1.3.2
check_eq "the table is there" "$N" "$(ip -n big -j route show table main | jq '[.[] | select(.dst | test("^10\\.1\\.(1[2-9][0-9]|2[0-4][0-9])\\."))] | length')"
table replace 10.1.3.3
sleep 1
rss1=$(rss_kb)
echo "# VmRSS before the table $rss0 KiB, with it (added and replaced) $rss1 KiB"
# 30,000 routes kept would be 3.5 MB or more (an nh_route is over 100 bytes)
check "the table's routes are not kept: VmRSS grew by $((rss1 - rss0)) KiB (< 1024)" [ $((rss1 - rss0)) -lt 1024 ]
check "no heal for another's routes" bash -c "! grep -q 'event=healed' <(sed -n '/event=started/,\$p' '$LOG' | grep 'object=route:10.1.1[2-9]\|object=route:10.1.2')"

ip -n big route del default
check "its own route is healed as before" wait_for 3 eval '[ "$(gw_of default)" = 10.1.3.2 ]'
ip -n big link set dev br down
check "and after its link went down" wait_for 3 eval '[ "$(gw_of default)" = 10.1.3.2 ]'
# the link going down took the table with it (the kernel's doing): again
table add 10.1.3.3

# a reload naming a destination of the table: 10.1.200.7/32 is there, via
# 10.1.3.3, while the policy wants it via 10.1.3.2
policy "$C" big <<'EOP'
namespaces = ( { name = "big";
  links = ( { name = "lo"; }, { name = "br"; kind = "bridge"; addresses = [ "10.1.3.1/24" ]; } );
  routes = ( { to = "default"; via = "10.1.3.2"; }, { to = "10.1.200.7/32"; via = "10.1.3.2"; } );
} );
EOP
kill -HUP $NH_PID
check "the reload is logged" wait_for 5 grep -q 'event=config-loaded.*reloaded' "$LOG"
check "the route already there under a newly named destination is a conflict" \
	wait_for 3 grep -q 'event=conflict netns=big .*object=route:10.1.200.7/32' "$LOG"
check_eq "and left as it is" 10.1.3.3 "$(gw_of 10.1.200.7/32)"
ip -n big route del 10.1.200.7/32
check "once it goes, the policy's is added" wait_for 3 eval '[ "$(gw_of 10.1.200.7/32)" = 10.1.3.2 ]'
table del x
check_eq "the rest of the table deleted: the policy's routes stay" "10.1.3.2 10.1.3.2" \
	"$(gw_of default) $(gw_of 10.1.200.7/32)"
finish
