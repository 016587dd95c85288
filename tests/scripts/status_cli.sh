#!/bin/bash
# `netheal status`: reads the status file, prints the table or the JSON as it
# is, and exits 3 when no netheal process owns the file. No kernel changes:
# in a network namespace of its own where it can, so that the one-run lock
# (an abstract socket, "@netheal run") its stand-in services take is its own.
set -u
if [ -z "${NH_STATUS_CLI_NS:-}" ] && unshare --net true 2>/dev/null; then
	NH_STATUS_CLI_NS=1 exec unshare --net bash "$0" "$@"
fi
bin=${NETHEAL:?}
T=$(mktemp -d /tmp/netheal-status-cli.XXXXXX)
pass=0
fail=0
svc=

ok()   { pass=$((pass + 1)); echo "ok - $*"; }
bad()  { fail=$((fail + 1)); echo "FAIL - $*"; }
cleanup() {
	[ -n "$svc" ] && kill "$svc" 2>/dev/null && wait "$svc" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# expect_rc WANT DESCRIPTION COMMAND...: run, keep stdout/stderr in $T/out, $T/err.
expect_rc() {
	local want=$1 what=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	local rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$what (exit $rc)"; else bad "$what: exit $rc, want $want"; cat "$T/err"; fi
}

write_status() {
	local stopped=""

	[ -n "${2:-}" ] && stopped=$'\n  "stopped": "'"$2"'",'
	cat >"$T/status.json" <<JSON
{
  "version": "0.1.0",
  "pid": $1,
  "started": "2025-01-01T12:00:00.000Z",
  "updated": "2025-01-01T12:05:00.250Z",$stopped
  "totals": { "namespaces": 2, "drifting": 1, "heals": 12, "heal_failures": 1, "events": 1043, "resyncs": 2 },
  "namespaces": [
    { "name": "-", "state": "converged", "heals": 2, "heal_failures": 0,
      "last_heal": { "time": "2025-01-01T12:01:00.000Z", "object": "state:up" }, "last_error": null },
    { "name": "blue", "state": "backoff", "heals": 10, "heal_failures": 1,
      "last_heal": { "time": "2025-01-01T12:04:59.999Z", "object": "address:10.1.1.100/24" },
      "last_error": "Nexthop has invalid gateway" }
  ]
}
JSON
}

# A live process whose comm is "netheal" and that holds the one-run lock, as
# `netheal run` does: sleep run through a symlink, given the listening socket.
ln -s "$(command -v sleep)" "$T/netheal"
python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0netheal run")
s.listen(8)
os.set_inheritable(s.fileno(), True)
os.execv(sys.argv[1], [sys.argv[1], "120"])' "$T/netheal" &
svc=$!
# until it has exec'd, the child is still a bash: wait for its name
for _ in $(seq 200); do [ "$(cat /proc/$svc/comm 2>/dev/null)" = netheal ] && break; sleep 0.01; done
write_status "$svc"

expect_rc 0 "text form" "$bin" status --status-file "$T/status.json"
grep -q '^blue  *backoff  *10  ' "$T/out" && ok "table row for blue" || { bad "table row for blue"; cat "$T/out"; }
grep -q '^-  *converged  *2  ' "$T/out" && ok "table row for the host" || { bad "table row for the host"; cat "$T/out"; }
grep -q 'Nexthop has invalid gateway' "$T/out" && ok "last error shown" || bad "last error shown"
grep -q "pid $svc" "$T/out" && ok "pid shown" || bad "pid shown"

expect_rc 0 "--json" "$bin" status --json --status-file "$T/status.json"
cmp -s "$T/out" "$T/status.json" && ok "--json prints the file as it is" || bad "--json output differs"
if command -v jq >/dev/null; then
	[ "$(jq -r '.namespaces[1].state' "$T/out")" = backoff ] && ok "jq reads --json" || bad "jq reads --json"
fi
expect_rc 0 "a pattern" "$bin" status --status-file "$T/status.json" 'bl*'
grep -q '^blue  *backoff' "$T/out" && ! grep -q '^-  ' "$T/out" && grep -q '^listed: 1 of 2 namespaces$' "$T/out" &&
	ok "a pattern lists what it matches, and says how many" || { bad "a pattern"; cat "$T/out"; }
expect_rc 0 "the host by '-', --problems after it" "$bin" status - --problems --status-file "$T/status.json"
grep -q '^listed: 0 of 2 namespaces (drifting or with an error)$' "$T/out" && ! grep -q '^-  ' "$T/out" &&
	ok "--problems leaves out the converged host" || { bad "--problems"; cat "$T/out"; }
expect_rc 0 "--problems" "$bin" status --problems --status-file "$T/status.json"
grep -q '^blue  *backoff' "$T/out" && grep -q '^2 namespaces, 1 drifting' "$T/out" &&
	ok "--problems lists blue; the totals stay the service's" || { bad "--problems totals"; cat "$T/out"; }
expect_rc 64 "--json with a filter" "$bin" status --json --problems --status-file "$T/status.json"
grep -q "filter it with jq" "$T/err" && ok "--json with a filter: says to use jq" || { bad "--json filter wording"; cat "$T/err"; }
expect_rc 0 "-c is accepted" "$bin" status -c /nonexistent.conf --status-file "$T/status.json"
# netheal run through a link of another name is netheal all the same (a
# long-running netheal: `monitor`, in a network and mount namespace of its
# own with nothing in it, so it touches nothing of the machine's)
ln -s "$bin" "$T/nh-link"
if unshare --net --mount true 2>/dev/null; then
	unshare --net --mount sh -c 'mount -t tmpfs none /run 2>/dev/null; exec "$0" monitor' "$T/nh-link" \
		>/dev/null 2>&1 &
	other=$!
	for _ in $(seq 300); do [ "$(cat /proc/$other/comm 2>/dev/null)" = nh-link ] && break; sleep 0.01; done
	write_status "$other"
	expect_rc 0 "netheal run through a link named nh-link: running" "$bin" status --status-file "$T/status.json"
	kill "$other"; wait "$other" 2>/dev/null
	write_status "$svc"
else
	echo "skip - a netheal through a link of another name: no network and mount namespace here"
fi
# the status_file the main file names is found while a policy file is
# broken (a typo just pushed: the service runs on with its old policy)
mkdir -p "$T/pd"
printf 'netheal: { policy_dir = "%s/pd"; status_file = "%s/status.json"; };\n' "$T" "$T" >"$T/main.conf"
printf 'namespaces = ( { name = "blue"; adresses = 1; } );\n' >"$T/pd/typo.conf"
chmod 644 "$T/main.conf" "$T/pd/typo.conf"
expect_rc 0 "-c with a broken policy file: the main file's status_file" "$bin" status -c "$T/main.conf"
grep -q "pid $svc" "$T/out" && ok "... read" || { bad "status_file of a config with a broken policy file"; cat "$T/err"; }

# The service is gone: the file is stale.
kill "$svc"; wait "$svc" 2>/dev/null; dead=$svc; svc=
expect_rc 3 "dead pid" "$bin" status --status-file "$T/status.json"
grep -q 'no service running' "$T/err" && ok "says no service running" || bad "message for dead pid"
grep -q "pid $dead, which has exited" "$T/err" && ok "says the pid has exited" || { bad "exited pid wording"; cat "$T/err"; }
want="started $(date -d @1735732800 '+%Y-%m-%d %H:%M:%S') and last wrote this file at $(date -d @1735733100 '+%Y-%m-%d %H:%M:%S'): 2 namespaces, 1 drifting, 12 heals; 'journalctl _PID=$dead' says why it stopped"
grep -qF "$want" "$T/err" && ok "says when it started, last wrote, what it last said and where to look" ||
	{ bad "what the stale file said"; cat "$T/err"; }
[ ! -s "$T/out" ] && ok "nothing on stdout" || bad "stdout not empty"
expect_rc 3 "dead pid, --json" "$bin" status --json --status-file "$T/status.json"
[ ! -s "$T/out" ] && ok "no JSON for a dead service" || bad "JSON printed for a dead service"

# The file of a clean stop says when it stopped: told apart from a crash.
write_status "$dead" "2025-01-01T12:06:00.000Z"
expect_rc 3 "a clean stop's file" "$bin" status --status-file "$T/status.json"
grep -qF "pid $dead, which stopped cleanly at $(date -d @1735733160 '+%Y-%m-%d %H:%M:%S')). It started $(date -d @1735732800 '+%Y-%m-%d %H:%M:%S'); at its stop: 2 namespaces, 1 drifting, 12 heals" "$T/err" &&
	ok "says it stopped cleanly, and when" || { bad "clean stop wording"; cat "$T/err"; }

# A netheal that does not hold the lock (a `netheal monitor` given the pid
# of a service that died) is not the service.
"$T/netheal" 120 &
lockless=$!
for _ in $(seq 200); do [ "$(cat /proc/$lockless/comm 2>/dev/null)" = netheal ] && break; sleep 0.01; done
write_status "$lockless"
expect_rc 3 "a netheal without the lock" "$bin" status --status-file "$T/status.json"
grep -q "pid $lockless, which is a netheal that does not hold the \`netheal run\` lock: not the service" "$T/err" &&
	ok "says it is a netheal without the lock" || { bad "lockless netheal wording"; cat "$T/err"; }
# The lock held by another user's process (any user may bind the name;
# `run` then runs without it): it tells nothing, the name is trusted.
if command -v setpriv >/dev/null && [ -x /usr/bin/python3 ] && [ "$(id -u)" = 0 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0netheal run")
s.listen(8)
time.sleep(120)' &
	squatter=$!
	for _ in $(seq 200); do grep -q '@netheal run' /proc/net/unix 2>/dev/null && break; sleep 0.01; done
	expect_rc 0 "the lock held by another user's process: the netheal is taken for the service" \
		"$bin" status --status-file "$T/status.json"
	kill "$squatter"; wait "$squatter" 2>/dev/null
else
	echo "skip - the lock held by another user: no setpriv, or not root"
fi
kill "$lockless"; wait "$lockless" 2>/dev/null

# A live process that is not netheal (a recycled pid).
write_status $$
expect_rc 3 "live pid that is not netheal" "$bin" status --status-file "$T/status.json"
grep -q "pid $$, which is not netheal" "$T/err" && ok "says the pid is not netheal" || { bad "recycled pid wording"; cat "$T/err"; }
expect_rc 3 "no status file" "$bin" status --status-file "$T/none.json"
grep -q "no $T/none.json; the unit removes it when it stops: 'systemctl status netheal' and 'journalctl -u netheal'" "$T/err" &&
	ok "no file: says where to look" || { bad "no file wording"; cat "$T/err"; }

echo '{"version": "0.1.0", "pid": ' >"$T/broken.json"
expect_rc 1 "broken file" "$bin" status --status-file "$T/broken.json"
# a -c that cannot be read falls back to the default file, and says so
expect_rc 3 "a missing -c file" "$bin" status -c "$T/nonexistent.conf"
grep -q "$T/nonexistent.conf does not exist: reading the default status file" "$T/err" &&
	ok "a missing -c file: says it reads the default" || { bad "missing -c wording"; cat "$T/err"; }
printf 'netheal = { policy_dir = ;\n' >"$T/bad-main.conf"
"$bin" status -c "$T/bad-main.conf" >/dev/null 2>"$T/err"
grep -q "bad-main.conf has errors ('netheal check' shows them): reading the default status file" "$T/err" &&
	ok "a broken -c file: says so" || { bad "broken -c wording"; cat "$T/err"; }
expect_rc 64 "unknown option" "$bin" status --frobnicate
expect_rc 64 "--status-file without a path" "$bin" status --status-file
expect_rc 0 "--help" "$bin" status --help
grep -q -- '--status-file' "$T/out" && ok "help mentions --status-file" || bad "help text"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
