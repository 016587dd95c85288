#!/bin/bash
# Bad input at the edges (issue 14, item 7): each gives a clear error and
# netheal keeps serving the rest.
#  - the status and metrics files' directory vanishes (made again), then is
#    replaced by a file (a warning naming the path, once; healing goes on;
#    "written again" when it is fixed);
#  - files in netns_dir with something else than a network namespace
#    mounted on them (another kind of namespace, a plain file of another
#    file system), matched and named by the policy;
#  - netns_dir replaced by a file while running, and at start.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
OUT=$T_DIR/out
mkdir -p "$OUT"
write_conf "$C" "metrics_file = \"$OUT/metrics.prom\";"
sed -i "s|status_file = .*|status_file = \"$OUT/status.json\";|" "$C/netheal.conf"
policy "$C" p <<'EOP'
links = ( { name = "br0"; kind = "bridge"; addresses = [ "10.1.9.1/24" ]; } );
namespaces = (
  { name = "good"; links = ( { name = "lo"; } ); },
  { name = "bad"; links = ( { name = "lo"; } ); },
  { match = "m-*"; links = ( { name = "lo"; } ); }
);
EOP
not() { ! "$@"; }
mark() { MARK=$(wc -l < "$LOG"); }
since() { tail -n +"$((MARK + 1))" "$LOG" | grep -a -c -- "$1"; }
logged() { tail -n +"$((MARK + 1))" "$LOG" | grep -a -q -- "$1"; }
host_heals() {
	ip link set br0 down
	wait_for 3 link_up "" br0
}
status_running() { "$NETHEAL" status -c "$C/netheal.conf" >/dev/null; }

# a uts namespace bound where "bad" and "m-uts" should be, a plain file
# of another file system on "m-file", before netheal starts (in /run/netns
# made a shared mount first, as ip netns does, so that they come off again)
ip netns add tmp && ip netns del tmp
for n in bad m-uts m-file; do touch "/run/netns/$n"; done
mount --bind /proc/self/ns/uts /run/netns/bad
mount --bind /proc/self/ns/uts /run/netns/m-uts
mount --bind /etc/hostname /run/netns/m-file
expect_heal_failed 'event=heal-failed netns=bad object=netns:bad action=create-netns reason="/run/netns/bad exists but is not a network namespace"'

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "the good namespace is built" wait_for 20 link_up good lo
check "the host is built" wait_for 5 has_addr "" br0 10.1.9.1/24
for n in bad m-uts m-file; do
	check "$n: said at once that it is no network namespace" \
		wait_for 2 grep -q "netns $n: /run/netns/$n is not a network namespace" "$LOG"
done
check "bad: create-netns fails naming the file" \
	wait_for 3 grep -q 'netns=bad .*reason="/run/netns/bad exists but is not a network namespace"' "$LOG"
ip netns add m-ok
check "a matched namespace added beside them is healed" wait_for 3 link_up m-ok lo
check "the host is healed beside them" host_heals
sleep 1.5
MARK=0
check_eq "each is said once" 1 "$(since 'netns m-uts: /run/netns/m-uts is not a network namespace')"

# ---- status and metrics ----------------------------------------------------------
check "status is written" wait_for 3 status_running
rm -rf "$OUT"
mark
check "a vanished directory is made again" bash -c "$(declare -f host_heals link_up ns_exec wait_for); host_heals" &&
	wait_for 3 test -s "$OUT/status.json"
check "and the metrics file with it" wait_for 3 test -s "$OUT/metrics.prom"
check_eq "without a warning" 0 "$(since 'cannot write')"
rm -rf "$OUT"; touch "$OUT"
mark
check "the directory replaced by a file: healing goes on" host_heals
check "the status file's problem is said, naming it" wait_for 3 logged "cannot write the status file $OUT/status.json .*Not a directory"
check "the metrics file's too" wait_for 3 logged "cannot write the metrics file $OUT/metrics.prom"
check "still healing" host_heals
sleep 0.2
check_eq "once" 1 "$(since 'cannot write the status file')"
rm -f "$OUT"; mkdir "$OUT"
check "fixed: healing writes it again" host_heals
check "and says so" wait_for 3 logged "the status file $OUT/status.json is written again"
check "status answers again" wait_for 3 status_running

# ---- netns_dir replaced by a file ------------------------------------------------
# (every ip netns add and netheal may have bound /run/netns on itself)
unmount() { local i; for i in 1 2 3 4 5 6 7 8; do umount -l "$1" 2>/dev/null || return 0; done; }
for n in bad m-uts m-file; do unmount "/run/netns/$n"; rm -f "/run/netns/$n"; done
sed -i '/name = "good"/d; /name = "bad"/d' "$C/policy.d/p.conf"
kill -HUP "$NH_PID"
sleep 0.5
for n in good m-ok; do ip netns del "$n"; done
unmount /run/netns
mark
rm -rf /run/netns && touch /run/netns
check "netns_dir replaced by a file: said" wait_for 3 logged "/run/netns is not a directory"
check "the host is still healed" host_heals
check "netheal is alive" kill -0 "$NH_PID"
# a second service in the same network namespace refuses: with the same
# configuration, and with another status file
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$T_DIR/second.log"
check "a second run of it exits non-zero" test $? != 0
check "saying which pid runs already" \
	grep -q "netheal (pid $NH_PID) is running already in this network namespace: stop it first" \
	"$T_DIR/second.log"
check "and changes nothing (no heal logged)" not grep -q "event=healed" "$T_DIR/second.log"
mkdir -p "$T_DIR/other"
sed "s|status_file = .*|status_file = \"$T_DIR/other/status.json\";|" "$C/netheal.conf" >"$T_DIR/other/netheal.conf"
"$NETHEAL" run -c "$T_DIR/other/netheal.conf" --log stderr 2>"$T_DIR/third.log"
check "another status file: refused all the same" test $? != 0
check "naming the pid" grep -q "netheal (pid $NH_PID) is running already" "$T_DIR/third.log"
check "the first runs on" kill -0 "$NH_PID"
rm /run/netns && mkdir /run/netns
ip netns add m-back
check "a directory again: matched namespaces are healed" wait_for 3 link_up m-back lo
kill -TERM "$NH_PID"; wait "$NH_PID"
ip netns del m-back
unmount /run/netns
rm -rf /run/netns && touch /run/netns
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$T_DIR/start.log" &
NH_PID=$!
bg_started $NH_PID
check "at start too: netheal starts and says so" wait_for 5 grep -q "/run/netns is not a directory" "$T_DIR/start.log"
check "and heals the host" wait_for 5 host_heals
check "and stays up" kill -0 "$NH_PID"
rm /run/netns && mkdir /run/netns
ip netns add m-late
check "then picks up namespaces once it is a directory" wait_for 3 link_up m-late lo
# killed (no clean stop): the next starts, no lock is left behind
kill -KILL "$NH_PID"; wait "$NH_PID" 2>/dev/null
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$T_DIR/after-kill.log" &
NH_PID=$!
bg_started $NH_PID
check "after a SIGKILL a new run starts" wait_for 5 host_heals
check "without a word about another netheal" not grep -q "running already" "$T_DIR/after-kill.log"
kill -TERM "$NH_PID"; wait "$NH_PID"
check "a clean stop" test $? = 0

# the lock's name held by another user (abstract names have no
# permissions): no netheal, so netheal starts all the same and says so
setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0netheal run"); s.listen(8); print("bound", flush=True); time.sleep(60)' >"$T_DIR/squat.out" &
SQUAT=$!
bg_started $SQUAT
check "a process of uid 65534 holds @netheal run" wait_for 5 grep -q bound "$T_DIR/squat.out"
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$T_DIR/squatted.log" &
NH_PID=$!
bg_started $NH_PID
check "a squatter of another user does not keep netheal from starting" wait_for 5 host_heals
check "which says so" grep -q "@netheal run is held by pid $SQUAT of uid 65534, no netheal of root's" "$T_DIR/squatted.log"
kill -TERM "$NH_PID"; wait "$NH_PID"
check "a clean stop" test $? = 0
kill "$SQUAT"; wait "$SQUAT" 2>/dev/null
finish
