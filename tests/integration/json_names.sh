#!/bin/bash
# Interface, namespace and policy file names are arbitrary bytes, and may
# not be UTF-8: `plan --json`, `monitor --dump`, the monitor's SIGUSR1 state
# line and the status file stay valid JSON, each bad byte a U+FFFD. Checked
# with python3's strict UTF-8 decoder and json module, then jq.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/monitor_lib.sh"

# jqe ARGS...: jq -e, quietly.
jqe() { jq -e "$@" >/dev/null; }

# valid_json: stdin is strict UTF-8 and one JSON document.
valid_json() {
	python3 -c 'import json, sys; json.loads(sys.stdin.buffer.read().decode("utf-8", "strict"))'
}

# The names: a lone 0xff, an overlong '/' (0xc0 0xaf), a surrogate (U+DFFF:
# the kernel refuses 0xa0, which it takes for a space, so not U+D800).
LINK=$(printf 'x\xff')
PEER=$(printf 'y\xc0\xaf')
NS=$(printf 'ns\xff')
SUR=$(printf 's\xed\xbf\xbf')
# ... and as they must read in JSON (U+FFFD in UTF-8 is ef bf bd).
R=$(printf '\xef\xbf\xbd')
LINK_J="x$R"
PEER_J="y$R$R"
NS_J="ns$R"
SUR_J="s$R$R$R"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
# A policy file whose own name is not UTF-8: plan's "rule" names it.
POLICY="$C/policy.d/$(printf 'p\xfe').conf"
printf '%s\n' \
	'links = (' \
	"  { name = \"$LINK\"; kind = \"veth\"; addresses = [ \"10.1.7.1/24\" ];" \
	"    peer = { name = \"$PEER\"; }; }" \
	');' \
	'namespaces = ( { match = "ns*"; links = ( { name = "lo"; } ); } );' > "$POLICY"
chmod 644 "$POLICY"

check "the policy with such names is valid" "$NETHEAL" check -c "$C/netheal.conf"
check "a veth pair named x\\xff / y\\xc0\\xaf can be made here" \
	ip link add name "$LINK" type veth peer name "$PEER"
check "a namespace named ns\\xff can be made here" ip netns add "$NS"
# A foreign link whose name holds a surrogate: only observed, never managed.
if ip link add name "$SUR" type ifb 2>/dev/null; then HAVE_SUR=1; else HAVE_SUR=0; fi

# ---- plan --json ---------------------------------------------------------------
"$NETHEAL" plan --json -c "$C/netheal.conf" > "$T_DIR/plan.json"; rc=$?
check_eq "plan --json: drift found" 2 "$rc"
check "plan --json is valid JSON" valid_json < "$T_DIR/plan.json"
check "plan --json: the host link's drift, its name with U+FFFD, the host named -" \
	jqe --arg n "$LINK_J" '[.actions[] | select(.netns == "-" and .link == $n and .object == "state:up")] | length == 1' "$T_DIR/plan.json"
check "plan --json: the namespace's drift, its name with U+FFFD" \
	jqe --arg n "$NS_J" '[.actions[] | select(.netns == $n and .link == "lo")] | length == 1' "$T_DIR/plan.json"
check "plan --json: the drift text names the link with U+FFFD" \
	jqe --arg n "$LINK_J" '[.actions[] | select(.drift | contains($n))] | length > 0' "$T_DIR/plan.json"
check "plan --json: the rule names the policy file with U+FFFD" \
	jqe --arg f "p$R.conf:" '[.actions[] | select(.rule | contains($f))] | length > 0' "$T_DIR/plan.json"

# ---- monitor --dump and the SIGUSR1 state line ------------------------------------
"$NETHEAL" monitor --dump -c "$C/netheal.conf" > "$T_DIR/dump.json"; rc=$?
check_eq "monitor --dump exits 0" 0 "$rc"
check "monitor --dump is valid JSON" valid_json < "$T_DIR/dump.json"
host_links() { jq -c '[.netns[] | select(.name == "-") | .links[] | {name, peer}] | sort_by(.name)' "$1"; }
check "monitor --dump: both ends, their names and peers with U+FFFD" \
	jqe --arg l "$LINK_J" --arg p "$PEER_J" \
	'[.netns[] | select(.name == "-") | .links[] | select((.name == $l and .peer == $p) or (.name == $p and .peer == $l))] | length == 2' \
	"$T_DIR/dump.json"
check "monitor --dump: the namespace, its name with U+FFFD" \
	jqe --arg n "$NS_J" '[.netns[] | select(.name == $n)] | length == 1' "$T_DIR/dump.json"
if [ "$HAVE_SUR" = 1 ]; then
	check "monitor --dump: a surrogate in a name becomes three U+FFFD" \
		jqe --arg n "$SUR_J" '[.netns[].links[] | select(.name == $n)] | length == 1' "$T_DIR/dump.json"
else
	skip "an ifb link named s\\xed\\xbf\\xbf cannot be made here"
fi

check "monitor starts" mon_start -c "$C/netheal.conf"
ip -n "$NS" link set lo up
# Event lines are text, like `ip monitor`: the name is printed as it is.
check "a link event in ns\\xff is printed" wait_for 5 grep -aqF -- "$NS link +lo" "$MON_OUT"
mon_json > "$T_DIR/state.json"
check "the SIGUSR1 state line is valid JSON" valid_json < "$T_DIR/state.json"
check_eq "the SIGUSR1 state line holds what --dump printed" "$(host_links "$T_DIR/dump.json")" "$(host_links "$T_DIR/state.json")"
check "the SIGUSR1 state line has ns\\xff's lo up" \
	jqe --arg n "$NS_J" '[.netns[] | select(.name == $n) | .links[] | select(.name == "lo" and .up)] | length == 1' \
	"$T_DIR/state.json"
kill "$MON_PID"; wait "$MON_PID" 2>/dev/null
ip -n "$NS" link set lo down

# ---- the status file -------------------------------------------------------------
"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started "$NH_PID"
check "netheal run converges: the veth end is up" wait_for 20 link_up "" "$LINK"
check "and the namespace's lo is up" wait_for 5 link_up "$NS" lo
ns_healed() {
	"$NETHEAL" status --json -c "$C/netheal.conf" |
		jqe --arg n "$NS_J" '[.namespaces[] | select(.name == $n and .last_heal.object == "state:up")] | length == 1'
}
check "status --json: the namespace, its name with U+FFFD, healed" wait_for 5 ns_healed
"$NETHEAL" status --json -c "$C/netheal.conf" > "$T_DIR/status.json"; rc=$?
check_eq "status --json exits 0" 0 "$rc"
check "status --json is valid JSON" valid_json < "$T_DIR/status.json"
check "the status file is valid JSON" valid_json < "$C/status.json"
"$NETHEAL" status -c "$C/netheal.conf" > "$T_DIR/status.txt"; rc=$?
check_eq "status (the table) reads the file back" 0 "$rc"
check "the table lists the namespace" grep -qF "$NS_J" "$T_DIR/status.txt"
# A heal after start-up: the status file is rewritten, still valid.
ip -n "$NS" link set lo down
check "lo in ns\\xff is healed" wait_for 5 link_up "$NS" lo
sleep 0.2
check "the rewritten status file is valid JSON" valid_json < "$C/status.json"
# A control byte in a matched namespace's name: the log line escapes it.
CTL=$(printf 'ns\001c')
ip netns add "$CTL"
check "a name with a control byte is logged as \\x01, on one line" \
	wait_for 5 grep -qF 'netns="ns\x01c"' "$LOG"
check "... and never raw" bash -c "! grep -qa \"\$(printf 'ns\\001c')\" '$LOG'"
ip netns del "$CTL"

# A namespace named "-", netheal's name for the host: not watched, said
# once; the host stays the one "-" everywhere.
ip netns add -
check "a namespace named - is not watched, and the log says so" \
	wait_for 5 grep -q "a namespace named '-' in /run/netns is not watched" "$LOG"
check_eq "status lists one -, the host" 1 "$("$NETHEAL" status --json -c "$C/netheal.conf" | jq '[.namespaces[] | select(.name == "-")] | length')"
check_eq "monitor --dump lists one -, the host" 1 \
	"$("$NETHEAL" monitor --dump -c "$C/netheal.conf" 2>/dev/null | jq '[.netns[] | select(.name == "-")] | length')"
kill -TERM "$NH_PID"; wait "$NH_PID"; rc=$?
check_eq "netheal run stops cleanly" 0 "$rc"
printf 'namespaces = ( { name = "-"; } );\n' > "$T_DIR/dash.conf"
chmod 644 "$T_DIR/dash.conf"
"$NETHEAL" check "$T_DIR/dash.conf" 2>"$T_DIR/dash.err"; rc=$?
check_eq "check refuses a namespace named -" 1 "$rc"
check "... saying it names the host" grep -q "nor '-', which names the host" "$T_DIR/dash.err"
ip netns del -
finish
