#!/bin/bash
# The bash completion (etc/completion/netheal.bash), driven the way bash
# drives it: COMP_WORDS/COMP_CWORD set, the function called, COMPREPLY read.
# With bash-completion's library when it is installed (as on a real system),
# and without it. Namespace names come from a private --netns-dir.
set -u
src=${NETHEAL_SRC:?}
T=$(mktemp -d /tmp/netheal-compl.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/ns" "$T/cfg"
touch "$T/ns/blue" "$T/ns/qrouter-1" "$T/cfg/netheal.conf"
pass=0
failed=0
ok()   { pass=$((pass + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }

# complete LINE: the sorted candidates for the last word of LINE (a line
# ending in a space completes an empty word).
complete_line() {
	local line=$1
	COMP_LINE=$line
	COMP_POINT=${#line}
	read -r -a COMP_WORDS <<<"$line"
	[[ $line == *' ' ]] && COMP_WORDS+=('')
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_netheal netheal "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

expect() {
	local got
	got=$(complete_line "$1")
	if [ "$got" = "$2" ]; then ok "[$3] '$1' -> $2"; else fail "[$3] '$1': got '$got', want '$2'"; fi
}

run_cases() {
	local mode=$1
	expect "netheal " "--help --version apply check export monitor plan run status" "$mode"
	expect "netheal ch" "check" "$mode"
	expect "netheal check --" "--as --config --help --strict" "$mode"
	expect "netheal run --" "--audit --config --help --log --netns-dir --strict --verbose" "$mode"
	expect "netheal run --log " "auto journal stderr" "$mode"
	expect "netheal plan --j" "--json" "$mode"
	expect "netheal status --" "--config --help --json --problems --status-file" "$mode"
	expect "netheal export --" "--config --help --netns" "$mode"
	expect "netheal monitor --netns-dir $T/ns --netns " "- blue qrouter-1" "$mode"
	expect "netheal monitor --netns-dir $T/ns -n q" "qrouter-1" "$mode"
	expect "netheal check -c $T/cfg/net" "$T/cfg/netheal.conf" "$mode"
	expect "netheal check --as $T/cfg/n" "$T/cfg/netheal.conf" "$mode"
	expect "netheal bogus --" "" "$mode"
}

# Without bash-completion's library: the script's own fallbacks.
(
	# shellcheck source=/dev/null
	. "$src/etc/completion/netheal.bash"
	complete -p netheal >/dev/null && echo "ok - registered for netheal" || echo "FAIL - not registered"
	run_cases plain
	echo "RESULT $pass $failed"
) >"$T/plain.out"
cat "$T/plain.out" | grep -v '^RESULT'
read -r _ p f < <(grep '^RESULT' "$T/plain.out")
pass=$((pass + p + $(grep -c '^ok - registered' "$T/plain.out")))
failed=$((failed + f + $(grep -c '^FAIL - not registered' "$T/plain.out")))

lib=/usr/share/bash-completion/bash_completion
if [ -r "$lib" ]; then
	(
		# shellcheck source=/dev/null
		. "$lib"
		# shellcheck source=/dev/null
		. "$src/etc/completion/netheal.bash"
		pass=0 failed=0
		run_cases bash-completion
		echo "RESULT $pass $failed"
	) >"$T/lib.out" 2>&1
	grep -v '^RESULT' "$T/lib.out"
	read -r _ p f < <(grep '^RESULT' "$T/lib.out")
	pass=$((pass + ${p:-0}))
	failed=$((failed + ${f:-1}))
else
	echo "bash-completion not installed: only the plain mode was checked"
fi

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
