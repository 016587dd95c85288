#!/bin/bash
# The namespace directory: a file that is not yet a mounted namespace (the
# window inside `ip netns add`) is adopted only once it is one; 50 parallel
# `ip netns add` are all adopted and 50 `ip netns del` all dropped, leaving
# no descriptor behind; a directory that does not exist yet is watched for.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/monitor_lib.sh"

# As `ip netns` leaves it: netns_dir a shared mount of its own, so that a
# namespace mounted by hand below is unmounted by `ip netns del`.
ip netns add setup0 && ip netns del setup0
check "monitor starts" mon_start
socks() { ls -l /proc/"$MON_PID"/fd | grep -c 'socket:\[' ; }
socks0=$(socks)

# an empty file, mounted a second later
touch /run/netns/late
sleep 1
check "an empty file is not adopted" bash -c "! grep -q 'netns +late' '$MON_OUT'"
check_eq "no sockets opened for it" "$socks0" "$(socks)"
unshare --net sh -c 'mount --bind /proc/self/ns/net /run/netns/late'
check "adopted once mounted" wait_for 3 saw '^[0-9]+\.[0-9]{6} - netns \+late$'
ip -n late link set lo up
check_line "events of the late namespace" ' late link \+lo index 1 up'
check_state "late" late

# a namespace set up before it is mounted here (as another agent may do
# it at once): what it holds is printed after its netns line, as lines of
# their making, since its events came before its nsid was known
unshare --net sh -c 'ip link set lo up; ip addr add 198.51.100.7/24 dev lo;
	touch /run/netns/early; mount --bind /proc/self/ns/net /run/netns/early'
check "a namespace set up before it was seen is adopted" wait_for 3 saw ' - netns \+early$'
check_line "its address, read when adopted" ' early addr \+198.51.100.7/24 dev lo$'
check_line "its lo up, read when adopted" ' early link \+lo index 1 up'
ip netns del early

# a file that never becomes a namespace, then goes
touch /run/netns/never
sleep 0.1
rm /run/netns/never
sleep 0.1
check "a file that never was a namespace printed nothing" bash -c "! grep -q 'never' '$MON_OUT'"

# 50 at once
pids=()
for i in $(seq 50); do ip netns add "par$i" & pids+=($!); done
wait "${pids[@]}"
check "50 parallel ip netns add all adopted" wait_for 5 bash -c "[ \$(grep -c ' netns +par' '$MON_OUT') -eq 50 ]"
check_eq "52 namespaces observed" 52 "$(mon_json | jq '.netns | length')"
ip -n par17 link add v17 type bridge
check_line "events from one of them" ' par17 link \+v17 index'
check_state "par17" par17
pids=()
for i in $(seq 50); do ip netns del "par$i" & pids+=($!); done
wait "${pids[@]}"
check "50 ip netns del all reported" wait_for 5 bash -c "[ \$(grep -c ' netns -par' '$MON_OUT') -eq 50 ]"
ip netns del late
check_line "late deleted" ' - netns -late$'
check_eq "back to the sockets of the host" "$socks0" "$(socks)"
nsfiles=$(ls -l /proc/"$MON_PID"/fd | grep -c '/run/netns/')
check_eq "no namespace file held" 0 "$nsfiles"

# a directory that does not exist yet, nor its parent
saved_out=$MON_OUT saved_err=$MON_ERR
MON_OUT=$T_DIR/later.out MON_ERR=$T_DIR/later.err
check "monitor starts on a missing directory" mon_start --netns-dir /run/later/netns
mkdir -p /run/later/netns
touch /run/later/netns/x
unshare --net sh -c 'mount --bind /proc/self/ns/net /run/later/netns/x'
check "a namespace in the new directory is adopted" wait_for 3 saw ' - netns \+x$'
umount -l /run/later/netns/x   # lazily, as ip netns del does: we hold it open
rm /run/later/netns/x
check_line "and dropped" ' - netns -x$'
kill -TERM "$MON_PID"
wait "$MON_PID"
check_eq "SIGTERM: exit 0" 0 $?
MON_OUT=$saved_out MON_ERR=$saved_err

# -c: the configuration's netns_dir is where it looks
mkdir -p /run/confdir/netns "$T_DIR/conf/policy.d"
touch /run/confdir/netns/y
unshare --net sh -c 'mount --bind /proc/self/ns/net /run/confdir/netns/y'
printf 'netheal: { netns_dir = "/run/confdir/netns"; policy_dir = "%s/conf/policy.d"; };\n' "$T_DIR" > "$T_DIR/conf/netheal.conf"
check_eq "monitor -c watches the configuration's netns_dir" "y" \
	"$("$NETHEAL" monitor -c "$T_DIR/conf/netheal.conf" --dump | jq -r '[.netns[].name | select(. != "-")] | join(",")')"
umount -l /run/confdir/netns/y
finish
