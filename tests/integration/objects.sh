#!/bin/bash
# Issue 12: sysctls, routing rules and permanent neighbours under `netheal
# run`, against the real kernel. Each is built, healed after removal and
# change, put back when its link or its whole namespace is re-created, and
# foreign ones are left alone. Every check reads the kernel (ip -j, sysctl
# inside the namespace), never netheal's own view.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/monitor_lib.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
METRICS=$T_DIR/metrics.prom
write_conf "$C" "metrics_file = \"$METRICS\";"
policy "$C" objects <<'EOP'
sysctl = [ "net.ipv4.conf.all.accept_redirects=0" ];
namespaces = (
  { name = "r1";
    links = ( { name = "lo"; },
      { name = "v1"; kind = "veth"; addresses = [ "10.1.31.1/24", "2001:db8:31::1/64" ];
        peer = { name = "v1-h"; addresses = [ "10.1.31.2/24" ]; }; } );
    sysctl = [ "net.ipv4.ip_forward=1",
               "net.ipv6.conf.all.forwarding=1",
               "net.ipv4.conf.v1.rp_filter=2",
               "net.ipv4.conf.v1.proxy_arp=1",
               "net.ipv4.tcp_syncookies=0",
               "net.ipv4.ip_local_port_range=20000 40000" ];
    rules = (
      { priority = 100; from = "10.1.31.0/24"; table = 100; },
      { priority = 200; fwmark = "0x10/0xff"; action = "prohibit"; },
      { priority = 300; to = "2001:db8:99::/48"; iif = "v1"; table = 1000; }
    );
    neighbours = (
      { address = "10.1.31.9"; lladdr = "02:00:0a:01:1f:09"; dev = "v1"; },
      { address = "2001:db8:31::9"; lladdr = "02:00:0a:01:1f:0a"; dev = "v1"; }
    );
  },
  # someone else's rule holds our selectors and priority (made below)
  { name = "r3";
    links = ( { name = "lo"; } );
    rules = ( { priority = 100; from = "10.1.33.0/24"; table = 100; } );
  },
  # a key no kernel has, and a value the kernel reads back otherwise
  { name = "r2";
    links = ( { name = "lo"; } );
    sysctl = [ "net.ipv4.no_such_setting=1", "net.ipv4.conf.all.arp_ignore=0x1" ];
  }
);
EOP

sc() { ns_exec "$1" cat "/proc/sys/$(tr . / <<<"$2")" | tr -s '\t ' ' '; }
sysctl_is() { [ "$(sc "$1" "$2")" = "$3" ]; }
# rule_is NS FAMILY PRIO JQ-CONDITION: exactly one such rule
rule_count() { ip -n "$1" -j "$2" rule show | jq --argjson p "$3" "[.[] | select(.priority == \$p) | select($4)] | length"; }
rule_is() { [ "$(rule_count "$@")" = 1 ]; }
neigh_is() {
	local j
	j=$(ip -n "$1" -j neigh show dev "$2" nud permanent 2>/dev/null) || return 1
	jq -e --arg a "$3" --arg m "$4" '[.[] | select(.dst == $a and .lladdr == $m)] | length == 1' >/dev/null <<<"$j"
}
mark() { MARK=$(wc -l < "$LOG"); }
logged_since() { tail -n +"$((MARK + 1))" "$LOG" | grep -q -- "$1"; }

# foreign objects made before netheal starts: never touched
ip netns add r1
ip -n r1 link set lo up
ip -n r1 rule add pref 500 from 192.0.2.0/24 table 50
ip netns exec r1 sysctl -qw net.ipv4.conf.all.accept_local=1
ip netns add r3
ip -n r3 rule add pref 100 from 10.1.33.0/24 table 101

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID

R1_RULES='rule_is r1 -4 100 ".src == \"10.1.31.0\" and .srclen == 24 and .table == \"100\" and .protocol == \"88\"" &&
	rule_is r1 -4 200 ".fwmark == \"0x10\" and .fwmask == \"0xff\" and .action == \"prohibit\"" &&
	rule_is r1 -6 200 ".fwmark == \"0x10\" and .action == \"prohibit\"" &&
	rule_is r1 -6 300 ".dst == \"2001:db8:99::\" and .iif == \"v1\" and .table == \"1000\""'
R1_NEIGHS='neigh_is r1 v1 10.1.31.9 02:00:0a:01:1f:09 && neigh_is r1 v1 2001:db8:31::9 02:00:0a:01:1f:0a'
R1_SYSCTLS='sysctl_is r1 net.ipv4.ip_forward 1 && sysctl_is r1 net.ipv6.conf.all.forwarding 1 &&
	sysctl_is r1 net.ipv4.conf.v1.rp_filter 2 && sysctl_is r1 net.ipv4.conf.v1.proxy_arp 1 &&
	sysctl_is r1 net.ipv4.tcp_syncookies 0 && sysctl_is r1 net.ipv4.ip_local_port_range "20000 40000"'
check "r1 built: rules (one per family where no prefix says), proto netheal" wait_for 20 eval "$R1_RULES"
check "r1 built: permanent neighbours" wait_for 5 eval "$R1_NEIGHS"
check "r1 built: sysctls, per-link ones included" wait_for 5 eval "$R1_SYSCTLS"
check "the host's sysctl is set" sysctl_is "" net.ipv4.conf.all.accept_redirects 0
check "no IPv6 copy of the rule with an IPv4 prefix" test "$(rule_count r1 -6 100 true)" = 0
check "no IPv4 copy of the rule with an IPv6 prefix" test "$(rule_count r1 -4 300 true)" = 0

# `netheal monitor` shows the objects' events (issue 12 item 6)
mon_start --netns r1

# ---- sysctls -----------------------------------------------------------------
mark
ip netns exec r1 sysctl -qw net.ipv4.ip_forward=0
check "ip_forward set to 0 is back to 1" wait_for 1 sysctl_is r1 net.ipv4.ip_forward 1
check "its heal is logged with object=sysctl:KEY" wait_for 2 logged_since \
	"event=healed netns=r1 .*object=sysctl:net.ipv4.ip_forward action=set-sysctl latency_us="
lat=$(tail -n +"$((MARK + 1))" "$LOG" | grep "object=sysctl:net.ipv4.ip_forward" | head -1 | sed 's/.*latency_us=\([0-9]*\).*/\1/')
echo "    ip_forward healed in ${lat:-?} us (event received -> write read back)"
check "healed within a few milliseconds (< 20 ms, ASan included)" test "${lat:-999999}" -lt 20000
ip netns exec r1 sysctl -qw net.ipv4.conf.v1.rp_filter=0
check "a per-link key the kernel announces (rp_filter) is healed" wait_for 1 sysctl_is r1 net.ipv4.conf.v1.rp_filter 2
ip netns exec r1 sysctl -qw net.ipv4.conf.v1.proxy_arp=0
check "proxy_arp (announced as proxy_neigh) is healed" wait_for 1 sysctl_is r1 net.ipv4.conf.v1.proxy_arp 1
ip netns exec r1 sysctl -qw net.ipv6.conf.all.forwarding=0
check "IPv6 forwarding is healed" wait_for 1 sysctl_is r1 net.ipv6.conf.all.forwarding 1
# not announced: put back the next time the namespace is looked at
ip netns exec r1 sysctl -qw net.ipv4.tcp_syncookies=1
ip netns exec r1 sysctl -qw net.ipv4.ip_local_port_range="30000 50000"
ip -n r1 addr add 192.0.2.44/32 dev lo      # any event in r1
check "a key the kernel does not announce is healed at the next event in its namespace" \
	wait_for 2 sysctl_is r1 net.ipv4.tcp_syncookies 0
check "a two-value key too" wait_for 1 sysctl_is r1 net.ipv4.ip_local_port_range "20000 40000"
sysctl -qw net.ipv4.conf.all.accept_redirects=1
ip addr add 192.0.2.45/32 dev lo            # an event in the host
check "the host's own sysctl is healed in the host" wait_for 1 sysctl_is "" net.ipv4.conf.all.accept_redirects 0
check "the foreign sysctl is left alone" sysctl_is r1 net.ipv4.conf.all.accept_local 1

# ---- a key the kernel lacks, a value it reads back otherwise -----------------
expect_heal_failed 'object=sysctl:net.ipv4.no_such_setting action=set-sysctl'
expect_heal_failed 'object=sysctl:net.ipv4.conf.all.arp_ignore action=set-sysctl'
check "a missing key: heal-failed saying so" wait_for 8 grep -q \
	'event=heal-failed netns=r2 .*object=sysctl:net.ipv4.no_such_setting .*reason="sysctl net.ipv4.no_such_setting does not exist in r2' "$LOG"
check "a value read back otherwise: heal-failed saying what it reads" wait_for 8 grep -q \
	'event=heal-failed netns=r2 .*object=sysctl:net.ipv4.conf.all.arp_ignore .*reads back 1' "$LOG"
sleep 3
check_eq "each is logged once" 1 "$(grep -c 'event=heal-failed netns=r2 .*object=sysctl:net.ipv4.no_such_setting' "$LOG")"
check "the other namespace heals on regardless" sysctl_is r1 net.ipv4.ip_forward 1
# each namespace's /proc/sys/net/ipv4 (ipv6) is kept open once, its settings
# opened below it (netlink/sysctl.h: the lookup of `ipv4` grows with the
# number of namespaces): the host, r1 and r2 have IPv4 settings, r1 IPv6 ones
kept() { for f in /proc/"$NH_PID"/fd/*; do readlink "$f"; done | grep -cx "/proc/sys/net/$1"; }
check_eq "one kept /proc/sys/net/ipv4 per namespace with IPv4 settings" 3 "$(kept ipv4)"
check_eq "and /proc/sys/net/ipv6 for r1's" 1 "$(kept ipv6)"

# ---- rules -------------------------------------------------------------------
mark
ip -n r1 rule del pref 100
check "a deleted rule is put back" wait_for 1 eval "$R1_RULES"
check "its heal is logged with object=rule:PRIO" wait_for 2 logged_since "event=healed netns=r1 .*object=rule:100 action=add-rule"
ip -n r1 -6 rule del pref 200
check "one family's half of a rule is put back" wait_for 1 eval "$R1_RULES"
check "the foreign rule is left alone" rule_is r1 -4 500 '.src == "192.0.2.0" and .table == "50"'
check "the kernel's own rules are there, once" test "$(rule_count r1 -4 32766 true)" = 1
# someone else's rule with our selectors and priority but another table
check "a rule of our selectors doing something else is a conflict" wait_for 2 \
	grep -q "event=conflict netns=r3 .*object=rule:100" "$LOG"
check "it is left alone" rule_is r3 -4 100 '.table == "101"'
check "with no rule of ours added beside it" test "$(rule_count r3 -4 100 true)" = 1
ip -n r3 rule del pref 100
check "once it is gone, ours comes in" wait_for 2 rule_is r3 -4 100 '.table == "100" and .protocol == "88"'

# ---- neighbours ----------------------------------------------------------------
mark
ip -n r1 neigh del 10.1.31.9 dev v1
check "a deleted permanent neighbour is put back" wait_for 1 eval "$R1_NEIGHS"
check "its heal is logged with object=neigh:ADDR" wait_for 2 logged_since "event=healed netns=r1 .*object=neigh:10.1.31.9"
ip -n r1 neigh replace 2001:db8:31::9 lladdr 02:00:00:00:00:99 dev v1 nud permanent
check "a changed lladdr is put back" wait_for 1 eval "$R1_NEIGHS"
ip -n r1 neigh replace 10.1.31.9 lladdr 02:00:00:00:00:98 dev v1 nud reachable
check "an entry replaced by a learned one is made permanent again" wait_for 1 eval "$R1_NEIGHS"
ip -n r1 neigh add 10.1.31.77 lladdr 02:00:00:00:00:77 dev v1 nud permanent
mark
ip -n r1 link set v1 down
check "after the link went down (the kernel flushes permanent entries), they are back" wait_for 2 \
	eval "link_up r1 v1 && $R1_NEIGHS"
check "the kernel's flush is healed as its consequence" wait_for 2 \
	logged_since "event=healed netns=r1 .*object=neigh:10.1.31.9 .*actor=kernel"
check "the foreign neighbour is not put back (netheal never names it)" \
	bash -c "! ip -n r1 neigh show 10.1.31.77 dev v1 nud permanent | grep -q ."

# ---- monitor, status, metrics know them -----------------------------------------
check "monitor prints a sysctl the kernel announces" wait_for 2 saw ' r1 sysctl net.ipv4.conf.all.forwarding=0$'
check "monitor prints a rule removed and put back" wait_for 2 saw ' r1 rule \+100 inet from 10.1.31.0/24 lookup 100 proto netheal$'
check "monitor prints a rule removed" saw ' r1 rule -100 inet from 10.1.31.0/24 lookup 100 proto netheal$'
check "monitor prints a permanent neighbour" saw ' r1 neigh \+10.1.31.9 dev v1 lladdr 02:00:0a:01:1f:09$'
check "monitor prints one replaced by a learned entry as gone" saw ' r1 neigh -10.1.31.9 dev v1 lladdr 02:00:00:00:00:98$'
kill "$MON_PID"
status_last() { "$NETHEAL" status --json --status-file "$C/status.json" | jq -r --arg n "$1" '.namespaces[] | select(.name == $n) | .last_heal.object'; }
check "status: r3's last heal is its rule, as rule:PRIO" wait_for 2 eval '[ "$(status_last r3)" = rule:100 ]'
for kind in sysctl rule neigh; do
	check "metrics count heals of kind $kind" wait_for 2 grep -q "^netheal_heals_total{netns=\"r1\",object=\"$kind\"} [1-9]" "$METRICS"
done

# ---- the link re-created: its settings start from the defaults ----------------
mark
ip link del v1-h
check "the pair is re-created" wait_for 5 link_exists r1 v1
check "per-link sysctls are applied to the new link" wait_for 2 eval \
	"sysctl_is r1 net.ipv4.conf.v1.rp_filter 2 && sysctl_is r1 net.ipv4.conf.v1.proxy_arp 1"
check "neighbours are added to the new link" wait_for 2 eval "$R1_NEIGHS"
check "rules naming it by name stand" eval "$R1_RULES"

# ---- the whole namespace re-created -----------------------------------------------
ip netns del r1
check "r1 re-created with its rules" wait_for 10 eval "$R1_RULES"
check "... its neighbours" wait_for 5 eval "$R1_NEIGHS"
check "... and its sysctls" wait_for 5 eval "$R1_SYSCTLS"
check "the foreign rule died with the old namespace and is not invented" test "$(rule_count r1 -4 500 true)" = 0
check_eq "the old r1's kept directories closed, the new one's kept: still 3 ipv4" 3 "$(kept ipv4)"
check_eq "... and 1 ipv6" 1 "$(kept ipv6)"

"$NETHEAL" plan -c "$C/netheal.conf" >"$T_DIR/plan.out"; rc=$?
check_eq "plan: only r2's two impossible sysctls drift" 2 "$rc"
check_eq "plan: r2's two" 2 "$(grep -c '^r2: sysctl' "$T_DIR/plan.out")"
check "no heal-failed for anything that healed" bash -c "! grep 'event=heal-failed' '$LOG' | grep -v 'netns=r2 '"
finish
