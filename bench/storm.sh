# Event storm, sourced by bench/inner.sh (uses its PID, LOG, OUT, CONF, rec,
# settle, cpu_ticks, now_us).
#
# storm N: STORM_EVENTS link/address changes by `ip -batch` on links netheal
# does not manage, first in a namespace it does not manage (free0), then in
# a managed one (ns0), with netheal running on the N-namespace policy. Per
# storm: netheal's CPU seconds until it is quiet again, the receive
# overruns it reported (event=resync with reason=enobufs or truncated), and
# whether the end state is exact: `netheal plan` finds no drift and the
# foreign links are as the storm left them (STORM_KEEP addresses on fx0,
# fz0 up), checked with ip -j.
STORM_KEEP=500

# Two foreign veth pairs in namespace $1: fx0 gets the addresses, fz0 flaps.
storm_links() {
	ip -n "$1" link add fx0 type veth peer name fy0 &&
	ip -n "$1" link add fz0 type veth peer name fw0 &&
	for l in fx0 fy0 fz0 fw0; do ip -n "$1" link set "$l" up || return 1; done
}

overruns() { grep 'event=resync' "$LOG" | grep -cE 'reason=(enobufs|truncated)'; }

storm_exact() {
	local ns=$1 naddr up
	naddr=$(ip -n "$ns" -j addr show dev fx0 | jq '[.[0].addr_info[] | select(.family == "inet")] | length')
	up=$(ip -n "$ns" -j link show dev fz0 | jq -r '.[0].flags | index("UP") != null')
	"$NETHEAL" plan -c "$CONF/netheal.conf" > "$OUT/storm-plan-$ns.out" 2>&1
	local plan=$?
	echo "plan_rc=$plan fx0_addrs=$naddr fz0_up=$up"
	[ "$plan" = 0 ] && [ "$naddr" = "$STORM_KEEP" ] && [ "$up" = true ]
}

storm_one() {
	local where=$1 ns=$2 c0 c1 o0 o1 t0 t1 detail exact=no
	storm_links "$ns" || { say "storm: cannot make links in $ns"; return 1; }
	settle
	say "storm: $STORM_EVENTS changes in $where namespace $ns"
	c0=$(cpu_ticks "$PID"); o0=$(overruns)
	t0=$(now_us)
	ip -n "$ns" -batch "$OUT/storm.batch" > /dev/null 2>> "$OUT/storm.err"
	t1=$(now_us)
	settle
	c1=$(cpu_ticks "$PID"); o1=$(overruns)
	detail=$(storm_exact "$ns") && exact=yes
	rec "what=storm where=$where events=$STORM_EVENTS storm_us=$((t1 - t0)) cpu_ticks=$((c1 - c0))" \
	    "hz=$(getconf CLK_TCK) overruns=$((o1 - o0)) exact=$exact $detail"
}

storm() {
	python3 "$BENCH/gen.py" storm "$STORM_EVENTS" "$STORM_KEEP" > "$OUT/storm.batch"
	ip netns add free0
	storm_one unmanaged free0
	storm_one managed ns0
	ip netns del free0
}
