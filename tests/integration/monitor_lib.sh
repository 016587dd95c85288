# Helpers for the `netheal monitor` integration tests (sourced after lib.sh).
#
# mon_start [ARGS...]   start `netheal monitor ARGS` in the background, its
#                       lines in $MON_OUT, its stderr in $MON_ERR; returns
#                       once it logged that it is monitoring (signals are
#                       handled from then on).
# mon_state NETNS       the monitor's observed state of NETNS ("" = host),
#                       normalized like ip_state (asks with SIGUSR1).
# ip_state NETNS        the same view built from `ip -j` (the independent
#                       observer).
# state_equal NETNS     0 when both agree.
# check_state WHAT NETNS  ok/fail, waiting up to 5 s for them to agree
#                       (IPv6 DAD and the like settle late); prints a diff.
# saw REGEX             0 when a line of $MON_OUT matches (extended regex).

MON_OUT=$T_DIR/monitor.out
MON_ERR=$T_DIR/monitor.err
MON_PID=

mon_start() {
	: > "$MON_OUT"
	"$NETHEAL" monitor "$@" > "$MON_OUT" 2> "$MON_ERR" &
	MON_PID=$!
	bg_started "$MON_PID"
	wait_for 10 grep -q 'msg="monitoring' "$MON_ERR"
}

# The last state line's JSON after a fresh SIGUSR1.
mon_json() {
	local before after i
	before=$(grep -ac ' state ' "$MON_OUT")
	kill -USR1 "$MON_PID" || return 1
	for i in $(seq 300); do
		after=$(grep -ac ' state ' "$MON_OUT")
		# a complete line: it parses
		[ "$after" -gt "$before" ] &&
			grep -a ' state ' "$MON_OUT" | tail -n 1 | cut -d' ' -f4- | jq -e . >/dev/null 2>&1 && break
		sleep 0.01
	done
	grep -a ' state ' "$MON_OUT" | tail -n 1 | cut -d' ' -f4-
}

JQ_NORM='{
  links: (.links | map({name, index, up, mtu, mac, master, peer, link_netnsid}) | sort_by(.name)),
  addresses: (.addresses | unique | sort_by(.dev, .family, .address, .prefixlen)),
  routes: (.routes | map({family, dst, gateway, dev, table, metric}) | unique | sort_by(.family, .table, .dst, .metric, .gateway, .dev))
}'

mon_state() {
	mon_json | jq -S --arg ns "${1:--}" ".netns[] | select(.name == \$ns) | $JQ_NORM"
}

# Run ip in NETNS ("" = here).
ipn() {
	local ns=$1; shift
	if [ -n "$ns" ]; then ip -n "$ns" "$@"; else ip "$@"; fi
}

# (through files, not arguments: a namespace of thousands of addresses is
# more than one argument may hold)
ip_state() {
	local ns=$1 d
	d=$(mktemp -d "$T_DIR/ip_state.XXXXXX")
	ipn "$ns" -j link show | jq '[.[] | {name: .ifname, index: .ifindex,
		up: (.flags | any(. == "UP")), mtu, mac: (.address // ""), master: (.master // ""),
		peer: (if .link_netnsid != null then "" else (.link // "") end),
		link_netnsid: (.link_netnsid // -1)}]' > "$d/links"
	ipn "$ns" -j addr show | jq '[.[] | .ifname as $d | .addr_info[] |
		{dev: $d, family, address: .local, prefixlen}]' > "$d/addrs"
	route_norm='[.[] | select((.type // "unicast") == "unicast" and (.table // "main") != "local") |
		{family: $f, dst, gateway: (.gateway // ""), dev: (.dev // ""),
		 table: ((.table // "main") | if . == "main" then 254 elif . == "default" then 253 else tonumber end),
		 metric: (.metric // 0)}]'
	ipn "$ns" -j -4 route show table all | jq --arg f inet "$route_norm" > "$d/r4"
	ipn "$ns" -j -6 route show table all | jq --arg f inet6 "$route_norm" > "$d/r6"
	jq -S -n --slurpfile l "$d/links" --slurpfile a "$d/addrs" --slurpfile r4 "$d/r4" --slurpfile r6 "$d/r6" \
		"{links: \$l[0], addresses: \$a[0], routes: (\$r4[0] + \$r6[0])} | $JQ_NORM"
	rm -rf "$d"
}

state_equal() {
	local a b
	a=$(mon_state "$1") || return 1
	b=$(ip_state "$1") || return 1
	[ -n "$a" ] && [ "$a" = "$b" ]
}

check_state() {
	local what=$1 ns=$2
	if wait_for 5 state_equal "$ns"; then
		ok "$what: observed state equals ip -j"
	else
		fail "$what: observed state differs from ip -j"
		diff <(mon_state "$ns") <(ip_state "$ns") | head -n 40
	fi
}

saw() {
	grep -Eq -- "$1" "$MON_OUT"
}

# check_line WHAT REGEX: ok once the monitor printed a matching line (2 s).
check_line() {
	if wait_for 2 saw "$2"; then ok "$1"; else fail "$1: no line matching '$2'"; tail -n 20 "$MON_OUT"; fi
}
