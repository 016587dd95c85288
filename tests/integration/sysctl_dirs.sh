#!/bin/bash
# The kept /proc/sys/net directories (netlink/sysctl.h nh_sysctl_dirs) under
# a descriptor limit: namespaces come first, then a full cache of request
# sockets, the directories only in half the limit. With room for a few, some namespaces keep their `ipv4` and the
# others' settings are opened by their path, all healed alike; when more
# namespaces come than leave room for the kept directories beside the
# request sockets, the kept ones are closed and every namespace is still
# adopted and healed. Checked with the kernel's values (/proc/sys in each
# namespace) and netheal's /proc/PID/fd.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

LIMIT=600       # RLIMIT_NOFILE: directories are kept in half of it, beside the
		# namespaces, 128 request sockets and 64 spare
N1=60           # first: room for some directories (300 - 64 - 128 - 61 - 2 = 45)
N2=220          # then: none (221 namespaces + 128 + 64 + 1 > 300)
C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C" "backoff: { flap_count = 1000000; flap_window = 1; initial_ms = 1; max_ms = 1; };"
policy "$C" tenants <<'EOP'
namespaces = ( { match = "t-*"; links = ( { name = "lo"; } ); sysctl = [ "net.ipv4.ip_forward=1" ]; } );
EOP
add_ns() { ip -batch - <<<"$(for i in $(seq "$1" "$2"); do echo "netns add t-$i"; done)"; }
forwarding() { ip netns exec "$1" cat /proc/sys/net/ipv4/ip_forward; }
all_forwarding() {
	for i in $(seq 1 "$1"); do [ "$(forwarding "t-$i")" = 1 ] || return 1; done
}
kept() { for f in /proc/"$NH_PID"/fd/*; do readlink "$f"; done | grep -c '^/proc/sys/net/ipv4$'; }

add_ns 1 "$N1"
(ulimit -n "$LIMIT"; exec "$NETHEAL" run -c "$C/netheal.conf" --log stderr) 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "$N1 namespaces adopted, ip_forward set in each" wait_for 30 all_forwarding "$N1"
k=$(kept)
check "some keep their /proc/sys/net/ipv4, not all: the limit leaves room for about 45 ($k)" \
	test "$k" -ge 30 -a "$k" -le 46
check_eq "said once that no more are kept, and what LimitNOFILE= would keep them" 1 \
	"$(grep -ac 'level=notice msg="sysctl directories: [0-9]* of 61 namespaces keep theirs open ([0-9]* directories), the others not for lack of descriptors (they are kept in half of RLIMIT_NOFILE, 600).* a limit of 1024 (LimitNOFILE= in the unit, ulimit -n by hand) keeps 1 for each of up to 159 namespaces' "$LOG")"
for i in $(seq 1 "$N1"); do ip netns exec "t-$i" sysctl -qw net.ipv4.ip_forward=0; done
check "set to 0 in every one: healed in every one, kept or not" wait_for 10 all_forwarding "$N1"
check_eq "... not said again" 1 "$(grep -ac 'sysctl directories: ' "$LOG")"

# a reload whose policy lists no sysctl gives the directories back; one
# that lists it again keeps them again (at the namespaces' next read)
reload_with() {
	policy "$C" tenants <<<"namespaces = ( { match = \"t-*\"; links = ( { name = \"lo\"; } ); $1 } );"
	local n; n=$(grep -c 'event=config-loaded' "$LOG")
	kill -HUP "$NH_PID"
	wait_for 10 bash -c "[ \$(grep -c 'event=config-loaded' '$LOG') -gt $n ]"
}
reload_with ""
check_eq "reloaded without sysctls: no directory kept" 0 "$(kept)"
reload_with 'sysctl = [ "net.ipv4.ip_forward=1" ];'
check "reloaded with it again: kept again" wait_for 10 bash -c "[ \$(for f in /proc/$NH_PID/fd/*; do readlink \$f; done | grep -c '^/proc/sys/net/ipv4\$') -ge 30 ]"

add_ns $((N1 + 1)) "$N2"
check "$N2 namespaces adopted and set, near the limit" wait_for 60 all_forwarding "$N2"
check_eq "kept directories all closed to make room for the namespaces" 0 "$(kept)"
fds=$(ls /proc/"$NH_PID"/fd | wc -l)
check "under the limit ($fds descriptors of $LIMIT)" test "$fds" -lt "$LIMIT"
check "no namespace refused for lack of descriptors" bash -c "! grep -aqi 'too many open files\|EMFILE' '$LOG'"
for i in $(seq 1 "$N2"); do ip netns exec "t-$i" sysctl -qw net.ipv4.ip_forward=0; done
check "and every one healed again" wait_for 20 all_forwarding "$N2"
check "netheal is alive" kill -0 "$NH_PID"
kill -TERM "$NH_PID"; wait "$NH_PID"

# a limit too low for the namespaces themselves: those that do not fit
# beside the reserve are said, with what to raise the limit to, and are
# watched as soon as descriptors are free (adversarial trial: never were)
write_conf "$C" "backoff: { flap_count = 1000000; flap_window = 1; initial_ms = 1; max_ms = 1; }; metrics_file = \"$T_DIR/metrics.prom\";"
(ulimit -n 100; exec "$NETHEAL" run -c "$C/netheal.conf" --log stderr) 2>"$T_DIR/low.log" &
NH_PID=$!
bg_started $NH_PID
check "under a limit of 100 for $N2 namespaces: refused ones said, naming RLIMIT_NOFILE and what to raise it to" \
	wait_for 30 grep -aq "not watched for lack of descriptors (RLIMIT_NOFILE is 100: .*raise LimitNOFILE= in the unit, or the hard limit, to at least" "$T_DIR/low.log"
check "... at the start, how many and the limit for all of them (221 with the host: 221 + 193)" grep -aq \
	"of the $N2 namespaces in /run/netns are not watched for lack of descriptors (RLIMIT_NOFILE is 100: netheal holds a descriptor for each of the 221 namespaces it should watch .* to at least 414)" "$T_DIR/low.log"
check "... and it runs on" kill -0 "$NH_PID"
# said in one line per scan, not one per namespace, each with a limit
# counted from those found before it (new-user trial: 176 lines, each
# asking for another limit)
check_eq "... no line for each namespace the scan found" 0 \
	"$(grep -ac 'netns t-[0-9]*: not watched for lack of descriptors' "$T_DIR/low.log")"
# and not hidden: READY, the status file and `status --problems` show
# each one drifting, with why (new-user trial: "0 drifting")
check "the ready line counts them drifting" wait_for 30 grep -aqE 'ready: 221 namespaces, [1-9][0-9]* drifting' "$T_DIR/low.log"
drifting=$(grep -aoE 'ready: 221 namespaces, [0-9]+ drifting' "$T_DIR/low.log" | grep -oE '[0-9]+ drifting' | cut -d' ' -f1)
"$NETHEAL" status -c "$C/netheal.conf" --problems > "$T_DIR/problems.txt" 2>&1
check_eq "\`status --problems\` lists each one not watched, with the limit ($drifting drifting at READY)" "$drifting" \
	"$(grep -c 'not watched: no descriptor free (RLIMIT_NOFILE 100)' "$T_DIR/problems.txt")"
# drift_ones N: N namespaces have netheal_drift 1 in the metrics file
drift_ones() { [ "$(grep -c '^netheal_drift{netns="t-[0-9]*"} 1$' "$T_DIR/metrics.prom")" = "$1" ]; }
check "... and each has netheal_drift 1 in the metrics file" wait_for 10 drift_ones "$drifting"
# a plan or apply under such a limit would look at part of the system and
# call the rest converged (new-user trial): refused
out=$( (ulimit -n 100; "$NETHEAL" plan -c "$C/netheal.conf") 2>&1); rc=$?
check "plan under a limit of 100 for $N2 namespaces: refused, exit 1 (got $rc)" \
	bash -c '[ "$1" = 1 ] && grep -q "not going on with part of the system" <<< "$2"' _ "$rc" "$out"
out=$( (ulimit -n 100; "$NETHEAL" apply -c "$C/netheal.conf") 2>&1); rc=$?
check "apply likewise (exit $rc)" \
	bash -c '[ "$1" = 1 ] && grep -q "not going on with part of the system" <<< "$2"' _ "$rc" "$out"
refused=$(grep -ac 'not watched for lack of descriptors' "$T_DIR/low.log")
ip -batch - <<<"$(for i in $(seq 21 "$N2"); do echo "netns del t-$i"; done)"
check "namespaces deleted: the 20 left are all watched again, the refused ones said so ($refused refused)" \
	wait_for 30 bash -c "[ \$(grep -ac 'watched now that descriptors are free' '$T_DIR/low.log') -ge 1 ]"
for i in $(seq 1 20); do ip netns exec "t-$i" sysctl -qw net.ipv4.ip_forward=0; done
check "ip_forward set to 0 in each of the 20: healed in every one" wait_for 20 all_forwarding 20
no_problems() {
	"$NETHEAL" status -c "$C/netheal.conf" --problems > "$T_DIR/problems.txt" 2>&1
	! grep -q 'not watched' "$T_DIR/problems.txt"
}
check "... and none is listed as not watched any more" wait_for 20 no_problems
check "... nor has netheal_drift 1" wait_for 20 drift_ones 0
check "no heal failed for lack of descriptors" bash -c "! grep -aq 'heal-failed.*Too many open files' '$T_DIR/low.log'"
kill -TERM "$NH_PID"; wait "$NH_PID"
check_eq "stops cleanly" 0 "$?"
finish
