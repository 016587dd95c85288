#!/bin/bash
# The man pages as built: groff renders them without a single warning (every
# warning on: -ww), and so does man(1); netheal(8) documents every
# subcommand and every option the binary takes, netheal.conf(5) every key the
# parser knows (and those SPEC §3 adds), and both of its example topologies
# pass `netheal check`. Skips (77) only when the pages were not built (no
# scdoc: meson -Dman=auto).
set -u
src=${NETHEAL_SRC:?}
bin=${NETHEAL:?}
man8=${NETHEAL_MAN8:-}
man5=${NETHEAL_MAN5:-}
if [ -z "$man8" ] || [ ! -f "$man8" ] || [ -z "$man5" ] || [ ! -f "$man5" ]; then
	echo "SKIP: man pages not built (scdoc missing; configure with -Dman=enabled)"
	exit 77
fi
T=$(mktemp -d /tmp/netheal-man.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0
failed=0
ok()   { pass=$((pass + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }

for page in "$man8" "$man5"; do
	name=${page##*/}
	if groff -ww -z -man -Tutf8 "$page" 2>"$T/err" && [ ! -s "$T/err" ]; then
		ok "$name: groff -ww renders it without a warning"
	else
		fail "$name: groff -ww:"; cat "$T/err"
	fi
	if command -v man >/dev/null; then
		if MANWIDTH=80 man --warnings -l "$page" >"$T/out" 2>"$T/err" && [ ! -s "$T/err" ]; then
			ok "$name: man --warnings is silent"
		else
			fail "$name: man --warnings:"; cat "$T/err"
		fi
	fi
	MANWIDTH=80 groff -man -Tutf8 "$page" 2>/dev/null | col -b >"$T/$name.txt"
done
txt8=$T/${man8##*/}.txt
txt5=$T/${man5##*/}.txt

# Every subcommand of the binary (its --help lists them), and export (SPEC §2).
cmds=$("$bin" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
[ "$(echo "$cmds" | wc -w)" -ge 6 ] || fail "could not read the subcommands from netheal --help: $cmds"
for c in $cmds export; do
	if grep -qE "^       $c( |$)" "$txt8"; then ok "netheal(8) documents '$c'"; else fail "netheal(8) lacks command '$c'"; fi
done
# Every long option of every subcommand (cmd/*.c option tables), but the
# hidden --rcvbuf (for tests only).
opts=$(grep -ho '{ "[a-z-]*", [a-z_]*_argument' "$src"/cmd/*.c | cut -d'"' -f2 | sort -u | grep -vx rcvbuf)
for o in $opts as netns version; do
	if grep -q -- "--$o\b" "$txt8"; then ok "netheal(8) documents --$o"; else fail "netheal(8) lacks --$o"; fi
done
# The exit statuses of SPEC §2 and the usage error.
for s in 64 'drift found' 'no service is running'; do
	grep -q "$s" "$txt8" && ok "netheal(8) exit status: $s" || fail "netheal(8) lacks exit status '$s'"
done
# The default configuration path is the binary's own.
def=$("$bin" check --help | sed -n 's/.*(default \(.*\));.*/\1/p')
[ -n "$def" ] && grep -qF "$def" "$txt8" && ok "netheal(8) names the binary's default configuration $def" ||
	fail "netheal(8) does not name the default configuration '$def'"

# netheal.conf(5): every key of the parser's key tables, and SPEC §3's
# sysctl, rules and neighbours keys, written as a key (*key*) in the source.
keys=$(grep -ho '{ "[a-z_]*", NH_KT_[A-Z]*' "$src"/policy/*.c | cut -d'"' -f2 | sort -u)
[ "$(echo "$keys" | wc -w)" -ge 30 ] || fail "found only $(echo "$keys" | wc -w) keys in policy/*.c"
scd5=$src/doc/netheal.conf.5.scd
for k in $keys sysctl rules neighbours priority from iif oif fwmark action family address lladdr; do
	if grep -q "\*$k\*" "$scd5" && grep -qw "$k" "$txt5"; then ok "netheal.conf(5) documents '$k'"; else fail "netheal.conf(5) lacks key '$k'"; fi
done

# Both seed topologies and the router example, as printed in the page, pass
# `netheal check`.
for ex in option1 option2 router; do
	awk -v ex="; example: $ex" '$0 == ex { on = 1; next } on && /^```$/ { if (++n == 2) exit; next } on && n == 1 { print }' \
		"$scd5" >"$T/$ex.conf"
	chmod 0644 "$T/$ex.conf"
	if [ ! -s "$T/$ex.conf" ]; then
		fail "netheal.conf(5): no '$ex' example found"
	elif "$bin" check "$T/$ex.conf" 2>"$T/err"; then
		ok "netheal.conf(5): the $ex example passes netheal check"
	else
		fail "netheal.conf(5): the $ex example fails netheal check:"; cat "$T/err"
	fi
done
grep -q "ip netns exec blue ip route add default via 10.1.1.1" "$txt5" && grep -q "ip link add v-eth1 type veth peer name v-peer1" "$txt5" &&
	ok "netheal.conf(5) shows both seed scripts" || fail "netheal.conf(5) lacks a seed script"

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
