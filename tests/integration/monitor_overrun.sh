#!/bin/bash
# Lost events: with a tiny event socket buffer, a burst of 300 links
# created while the monitor is stopped (SIGSTOP, so it cannot keep up
# however fast it is) overruns it (ENOBUFS). The overrun is logged, the
# namespace re-read, and the observed state ends equal to `ip -j`.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/monitor_lib.sh"

check "monitor starts with a tiny receive buffer" mon_start --rcvbuf 2048
for i in $(seq 300); do echo "link add ovr$i type bridge"; done > "$T_DIR/add.batch"
kill -STOP "$MON_PID"
ip -batch "$T_DIR/add.batch"
kill -CONT "$MON_PID"
check_line "the overrun is reported" '^[0-9]+\.[0-9]{6} - resync overrun$'
check "the overrun is logged" wait_for 2 grep -q 'event=resync netns=- .*reason=enobufs' "$MON_ERR"
check_state "after 300 links" ""
check_eq "all 300 observed" 300 "$(mon_json | jq '[.netns[] | select(.name == "-") | .links[] | select(.name | startswith("ovr"))] | length')"

# Deleting bridges is slow in the kernel (about 40 ms each): a few will do;
# the sandbox takes the rest with it.
for i in $(seq 20); do echo "link del ovr$i"; done > "$T_DIR/del.batch"
ip -batch "$T_DIR/del.batch"
check_state "after deleting 20 of them" ""
finish
