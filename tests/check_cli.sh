#!/bin/bash
# `netheal check` from the outside: exit status, output format, options.
# Touches no kernel state, so it runs without the sandbox.
#   NETHEAL=build/cmd/netheal NETHEAL_SRC=. bash tests/check_cli.sh
set -u
umask 022
NETHEAL=${NETHEAL:-netheal}
SRC=${NETHEAL_SRC:-$(dirname "$0")/..}
T=$(mktemp -d /tmp/netheal-check.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0
failed=0

ok()   { pass=$((pass + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }

# run ARGS...: sets rc, out (stdout), err (stderr)
run() {
	"$NETHEAL" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

expect_rc() {
	if [ "$rc" = "$1" ]; then ok "$2 (exit $rc)"; else fail "$2: exit $rc, expected $1; stderr: $err"; fi
}

expect_err_line() {
	if grep -qxF -- "$1" "$T/err"; then ok "prints: $1"; else fail "missing line: $1; stderr was:"; cat "$T/err"; fi
}

# The shipped examples, as private 0644 copies (a checkout's umask must not
# make them group-writable).
mkdir -p "$T/policy.d"
for f in option1-physical option2-bridge; do
	install -m 0644 "$SRC/etc/policy.d/$f.conf" "$T/$f.conf"
	run check "$T/$f.conf"
	expect_rc 0 "check $f.conf"
	[ -z "$err$out" ] && ok "$f.conf: silent when valid" || fail "$f.conf printed: $err$out"
done

# The main file with a policy_dir holding option 2, then both options.
sed 's|"/etc/netheal/policy.d"|"policy.d"|' "$SRC/etc/netheal.conf" >"$T/netheal.conf"
chmod 0644 "$T/netheal.conf"
cp "$T/option2-bridge.conf" "$T/policy.d/"
run check -c "$T/netheal.conf"
expect_rc 0 "check -c netheal.conf with option 2 in policy_dir"
cp "$T/option1-physical.conf" "$T/policy.d/"
run check --config "$T/netheal.conf"
expect_rc 1 "check --config with both options in policy_dir"
expect_err_line "$T/policy.d/option2-bridge.conf:29: error: namespace 'blue' is defined twice: first at $T/policy.d/option1-physical.conf:20"

# A bad file: every problem, FILE:LINE, sorted, on stderr only.
install -m 0644 "$SRC/tests/data/check/bad.conf" "$T/bad.conf"
run check "$T/bad.conf"
expect_rc 1 "check bad.conf"
expect_err_line "$T/bad.conf:3: error: unknown key 'adresses' in link (did you mean 'addresses'?)"
expect_err_line "$T/bad.conf:4: error: 'mtu' 70000 is out of range (68..65536)"
expect_err_line "$T/bad.conf:8: error: veth 'v-peer1' needs a 'peer' group naming its other end"
expect_err_line "$T/bad.conf:10: error: 'on_create': hook program 'sshd' is not an absolute path (hooks run without a shell or PATH)"
[ "$(wc -l <"$T/err")" -eq 5 ] && ok "bad.conf: 5 lines" || fail "bad.conf: $(wc -l <"$T/err") lines"
[ -z "$out" ] && ok "nothing on stdout" || fail "stdout: $out"
sort -t: -k2,2n -c "$T/err" && ok "sorted by line" || fail "not sorted by line"

# Warnings pass, unless --strict.
install -m 0644 "$SRC/tests/data/check/warn.conf" "$T/warn.conf"
run check "$T/warn.conf"
expect_rc 0 "a warning alone passes"
expect_err_line "$T/warn.conf:3: warning: master 'br9' of link 'eth1' is not a link this policy defines in the host namespace"
run check --strict "$T/warn.conf"
expect_rc 1 "--strict fails on a warning"
run check "$T/warn.conf" --strict
expect_rc 1 "--strict after the file"
chmod 0664 "$T/warn.conf"
run check "$T/warn.conf"
expect_err_line "$T/warn.conf: warning: writable by group or others, yet it drives actions taken as root (chmod go-w)"

# Files that cannot be read.
run check -c "$T/missing.conf"
expect_rc 1 "missing main file"
expect_err_line "$T/missing.conf: error: cannot read: No such file or directory"
run check "$T/option2-bridge.conf" "$T/nope.conf"
expect_rc 1 "one missing policy file among good ones"
expect_err_line "$T/nope.conf: error: cannot read: No such file or directory"

# Usage.
run check --bogus
expect_rc 64 "unknown option"
case $err in *"unknown option '--bogus'"*"--help"*) ok "usage message points to --help" ;; *) fail "usage message: $err" ;; esac
run check -c
expect_rc 64 "-c without FILE"
run check -h
expect_rc 0 "-h"
case $out in "Usage: netheal check"*) ok "help on stdout" ;; *) fail "help: $out" ;; esac
run --help
case $out in *"check "*"validate"*) ok "netheal --help lists check" ;; *) fail "netheal --help: $out" ;; esac

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
