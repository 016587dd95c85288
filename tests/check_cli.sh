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
for f in option1-physical option2-bridge router-namespace; do
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

# The files netheal writes must not be ones it reads or watches.
rm -f "$T/policy.d/option1-physical.conf"
out_conf() {    # out_conf STATUS METRICS: a main file with these outputs
	sed -e "s|\"/run/netheal/status.json\"|\"$1\"|" -e "s|metrics_file = \"\"|metrics_file = \"$2\"|" \
		"$T/netheal.conf" > "$T/out.conf"
	chmod 0644 "$T/out.conf"
}
out_conf /run/netheal/s.json /run/netheal/s.json
run check -c "$T/out.conf"
expect_rc 1 "status_file and metrics_file the same file"
expect_err_line "$T/out.conf:22: error: status_file /run/netheal/s.json is also the metrics_file: each needs a file of its own"
out_conf /run/netns/status.json ""
run check -c "$T/out.conf"
expect_rc 1 "status_file in netns_dir"
expect_err_line "$T/out.conf:22: error: status_file /run/netns/status.json is in netns_dir /run/netns: it would be taken for a namespace"
out_conf /run/netheal/status.json "$T/policy.d/metrics.conf"
run check -c "$T/out.conf"
expect_rc 1 "metrics_file a policy file"
expect_err_line "$T/out.conf:23: error: metrics_file $T/policy.d/metrics.conf is a policy file of policy_dir $T/policy.d: netheal would overwrite it and read it as policy"
out_conf "$T/out.conf" ""
run check -c "$T/out.conf"
expect_rc 1 "status_file the configuration itself"
expect_err_line "$T/out.conf:22: error: status_file $T/out.conf is the configuration file itself: netheal would overwrite it"
out_conf /run/netheal/status.json /run/netheal/metrics.prom
run check -c "$T/out.conf"
expect_rc 0 "status_file and metrics_file apart"

# A bad file: every problem, FILE:LINE, sorted, on stderr only.
install -m 0644 "$SRC/tests/data/check/bad.conf" "$T/bad.conf"
run check "$T/bad.conf"
expect_rc 1 "check bad.conf"
expect_err_line "$T/bad.conf:3: error: unknown key 'adresses' in link (did you mean 'addresses'?)"
expect_err_line "$T/bad.conf:4: error: 'mtu' 70000 is out of range (68..65536)"
expect_err_line "$T/bad.conf:8: error: veth 'v-peer1' needs a 'peer' group naming its other end"
expect_err_line "$T/bad.conf:10: error: 'on_create': hook program 'sshd' is not an absolute path (hooks run without a shell or PATH)"
# the gateway of line 9 is outside every prefix only because v-peer1's
# entry was dropped for its error: that warning waits for the mend
[ "$(wc -l <"$T/err")" -eq 4 ] && ok "bad.conf: 4 lines, no warning about what the errors hid" ||
	fail "bad.conf: $(wc -l <"$T/err") lines"
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
# match rules are tried in policy_dir's order, whatever the order given
printf 'namespaces = ( { match = "ns-*"; } );\n' >"$T/50-x.conf"
printf 'namespaces = ( { match = "ns-a*"; } );\n' >"$T/10-y.conf"
chmod 644 "$T/50-x.conf" "$T/10-y.conf"
run check "$T/50-x.conf" "$T/10-y.conf"
expect_rc 0 "match rules in two files given out of order"
[ -z "$err" ] && ok "... no warning: 10-y.conf's ns-a* comes first in policy_dir" || fail "order: $err"
printf 'namespaces = ( { match = "ns-a*"; } );\n' >"$T/50-x.conf"
printf 'namespaces = ( { match = "ns-*"; } );\n' >"$T/10-y.conf"
run check "$T/50-x.conf" "$T/10-y.conf"
expect_err_line "$T/50-x.conf:1: warning: 'match' 'ns-a*' applies to no namespace: every name it matches is taken by 'ns-*' at $T/10-y.conf:1 (a namespace takes the first match rule that matches it, in file order)"
export POSIXLY_CORRECT=1
run check "$T/warn.conf" --strict
expect_rc 1 "--strict after the file, POSIXLY_CORRECT in the environment"
unset POSIXLY_CORRECT
chmod 0664 "$T/warn.conf"
run check "$T/warn.conf"
expect_err_line "$T/warn.conf: warning: writable by group or others, yet it drives actions taken as root (chmod go-w)"

# Files that cannot be read.
run check -c "$T/missing.conf"
expect_rc 1 "missing main file"
expect_err_line "$T/missing.conf: error: cannot read: No such file or directory (the main configuration file; another is given with -c FILE)"
run check "$T/option2-bridge.conf" "$T/nope.conf"
expect_rc 1 "one missing policy file among good ones"
expect_err_line "$T/nope.conf: error: cannot read: No such file or directory"

# --as PATH FILE: the whole configuration, as if FILE were installed at PATH
# (what a validate: hook runs on its temporary file). policy.d holds option 2.
rm -f "$T/policy.d/option1-physical.conf"
P=$T/policy.d
run check -c "$T/netheal.conf" --as "$P/blue-again.conf" "$T/option1-physical.conf"
expect_rc 1 "--as: a file defining 'blue' again, absent from policy_dir, is refused"
expect_err_line "$P/option2-bridge.conf:29: error: namespace 'blue' is defined twice: first at $P/blue-again.conf:20"
case $err in *"$T/option1-physical.conf"*) fail "--as: a message names FILE instead of PATH: $err" ;; *) ok "--as: messages name PATH, never FILE" ;; esac
run check -c "$T/netheal.conf" --as "$P/option2-bridge.conf" "$T/option1-physical.conf"
expect_rc 0 "--as: the same file replacing the one that defines 'blue' is accepted"
run check -c "$T/netheal.conf" --as "$T/policy.d/../policy.d/zz.conf" "$T/bad.conf"
expect_rc 1 "--as: a file with a typo is refused"
expect_err_line "$T/policy.d/../policy.d/zz.conf:3: error: unknown key 'adresses' in link (did you mean 'addresses'?)"
cat >"$T/green.conf" <<'POL'
namespaces = (
  { name = "green";
    links = ( { name = "lo"; }, { name = "g0"; kind = "dummy"; addresses = [ "10.1.7.1/24" ]; } );
  }
);
POL
chmod 0644 "$T/green.conf"
run check -c "$T/netheal.conf" --as "$P/green.conf" "$T/green.conf"
expect_rc 0 "--as: a good new file beside option 2 is accepted"
[ -z "$err$out" ] && ok "--as: silent when valid" || fail "--as printed: $err$out"
[ ! -e "$P/green.conf" ] && ok "--as: PATH is not created" || fail "--as created $P/green.conf"
# PATH must be a file netheal reads: the main file or a *.conf in policy_dir.
run check -c "$T/netheal.conf" --as "$T/elsewhere/green.conf" "$T/green.conf"
expect_rc 1 "--as: a PATH outside policy_dir is refused"
expect_err_line "$T/elsewhere/green.conf: error: netheal would not read this file: it is neither the main file $T/netheal.conf nor a *.conf file in policy_dir $P"
run check -c "$T/netheal.conf" --as "$P/green.conf.disabled" "$T/green.conf"
expect_rc 1 "--as: a PATH not ending in .conf is refused (netheal would not read it)"
# The main file replaced: a policy_dir file that defines 'blue' collides
# with a main file that does too.
sed 's|"/etc/netheal/policy.d"|"policy.d"|' "$SRC/etc/netheal.conf" >"$T/main2.conf"
cat "$T/option1-physical.conf" >>"$T/main2.conf"
chmod 0644 "$T/main2.conf"
run check -c "$T/netheal.conf" --as "$T/netheal.conf" "$T/main2.conf"
expect_rc 1 "--as the main file: a main file defining 'blue' beside policy_dir's is refused"
expect_err_line "$P/option2-bridge.conf:29: error: namespace 'blue' is defined twice: first at $T/netheal.conf:44"
run check -c "$T/netheal.conf" --as "$P/x.conf"
expect_rc 64 "--as without FILE"
run check -c "$T/netheal.conf" --as "$P/x.conf" "$T/green.conf" "$T/bad.conf"
expect_rc 64 "--as with two FILEs"
run check --as
expect_rc 64 "--as without PATH"
case $err in *"needs a PATH"*) ok "--as without PATH says so" ;; *) fail "--as usage: $err" ;; esac

# Sysctls (SPEC §3.1, §3.2): a key outside net. is an error; a key this
# machine's kernel lacks only a warning (it may exist where the policy runs),
# which --strict makes fail; per-link keys are looked up under `default`, so a
# link that does not exist yet is no reason to warn.
cat >"$T/sysctl.conf" <<'EOP'
sysctl = [ "net.ipv4.ip_forward=1",
           "net.ipv4.conf.notalinkyet.rp_filter=2",
           "net.ipv4.no_such_setting=1",
           "net.ipv4.conf.notalinkyet.rp_filtr=2" ];
namespaces = ( { name = "r1";
  sysctl = [ "net.ipv6.conf.all.forwarding=1", "kernel.panic=1" ]; } );
EOP
chmod 0644 "$T/sysctl.conf"
run check "$T/sysctl.conf"
expect_rc 1 "check a policy with a sysctl outside net."
expect_err_line "$T/sysctl.conf:6: error: 'sysctl': key 'kernel.panic' is outside net.: netheal sets a namespace's network settings only"
sed -i 's/, "kernel.panic=1"//' "$T/sysctl.conf"
run check "$T/sysctl.conf"
expect_rc 0 "a sysctl this kernel lacks is a warning only"
expect_err_line "$T/sysctl.conf:3: warning: sysctl 'net.ipv4.no_such_setting': this machine's kernel has no such setting (netheal will report heal-failed where it is missing too)"
expect_err_line "$T/sysctl.conf:4: warning: sysctl 'net.ipv4.conf.notalinkyet.rp_filtr': this machine's kernel has no such setting: did you mean 'net.ipv4.conf.notalinkyet.rp_filter'? (netheal will report heal-failed where it is missing too)"
[ "$(grep -c warning "$T/err")" = 2 ] && ok "no warning for known keys, per-link keys of links to come included" ||
	fail "warnings: $err"
run check --strict "$T/sysctl.conf"
expect_rc 1 "--strict fails on the unknown sysctl"

# Usage.
run check --bogus
expect_rc 64 "unknown option"
case $err in *"unknown option '--bogus'"*"--help"*) ok "usage message points to --help" ;; *) fail "usage message: $err" ;; esac
# the option refused as typed: a letter of a cluster, not the word before it
run check -lead
expect_rc 64 "an unknown letter in a cluster"
case $err in *"unknown option '-l'"*) ok "names the letter" ;; *) fail "cluster: $err" ;; esac
run status -c "$T/netheal.conf" -xy
case $err in *"unknown option '-x'"*) ok "after an option's argument too" ;; *) fail "cluster after -c FILE: $err" ;; esac
run status --problems=1
expect_rc 64 "an argument to an option that takes none"
case $err in *"option '--problems' takes no argument"*) ok "says it takes none" ;; *) fail "--problems=1: $err" ;; esac
run check -c
expect_rc 64 "-c without FILE"
# an option's missing argument is named as such, by every command
for cmd in "monitor -n" "monitor --netns-dir" "plan -c" "apply -c" "run --log" "export -n" "status -c"; do
	run $cmd
	expect_rc 64 "$cmd without its argument"
	case $err in *"option '${cmd#* }' needs an argument"*) ok "$cmd: says it needs an argument" ;;
		*) fail "$cmd: $err" ;; esac
done
run -c "$T/netheal.conf" check
expect_rc 64 "an option before the command"
case $err in *"'-c' goes after the command: netheal check -c ..."*) ok "says where -c goes" ;;
	*) fail "option before the command: $err" ;; esac
run check -h
expect_rc 0 "-h"
case $out in "Usage: netheal check"*) ok "help on stdout" ;; *) fail "help: $out" ;; esac
run --help
case $out in *"check "*"validate"*) ok "netheal --help lists check" ;; *) fail "netheal --help: $out" ;; esac

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
