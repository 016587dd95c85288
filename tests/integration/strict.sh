#!/bin/bash
# Policy files and policy_dir that others can change (issue 14, least
# privilege): warned by check and run, refused by check --strict and by
# run --strict, at start and on reload (the old policy stays in force); a
# policy_dir that is a symlink into a directory others can write is warned.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
policy "$C" p <<'EOP'
namespaces = ( { name = "blue"; links = ( { name = "lo"; } ); } );
EOP
chmod 666 "$C/policy.d/p.conf"
out=$("$NETHEAL" check -c "$C/netheal.conf" 2>&1); rc=$?
check_eq "check: a warning, exit 0" 0 "$rc"
check "check: it says why" grep -q "p.conf: warning: writable by group or others" <<<"$out"
"$NETHEAL" check --strict -c "$C/netheal.conf" >/dev/null 2>&1
check_eq "check --strict: exit 1" 1 "$?"
timeout 10 "$NETHEAL" run --strict -c "$C/netheal.conf" --log stderr 2>"$LOG"
check_eq "run --strict refuses to start: exit 1" 1 "$?"
check "and says why" grep -q "warning: writable by group or others" "$LOG"
check "and that --strict made it an error" grep -q "1 warning, and --strict makes them errors" "$LOG"
check "nothing was made" test ! -e /run/netns/blue

chmod 644 "$C/policy.d/p.conf"
"$NETHEAL" run --strict -c "$C/netheal.conf" --log stderr 2>"$LOG" &
NH_PID=$!
bg_started $NH_PID
check "run --strict starts with a clean configuration" wait_for 10 link_up blue lo
policy "$C" q <<'EOP'
namespaces = ( { name = "red"; links = ( { name = "lo"; } ); } );
EOP
chmod 664 "$C/policy.d/q.conf"
kill -HUP "$NH_PID"
check "a reload with a warning is rejected" wait_for 5 grep -q "event=config-rejected" "$LOG"
sleep 0.5
check "the old policy stays in force: red is not made" test ! -e /run/netns/red
chmod 644 "$C/policy.d/q.conf"
kill -HUP "$NH_PID"
check "a clean reload is taken" wait_for 5 link_up red lo
kill -TERM "$NH_PID"; wait "$NH_PID"

# policy_dir a symlink into a directory others can write
mkdir -m 777 "$T_DIR/open"
mkdir -m 755 "$T_DIR/open/policy.d"
mv "$C/policy.d"/*.conf "$T_DIR/open/policy.d/"
rmdir "$C/policy.d"
ln -s "$T_DIR/open/policy.d" "$C/policy.d"
out=$("$NETHEAL" check -c "$C/netheal.conf" 2>&1)
check "a symlinked policy_dir leading into an open directory is warned" \
	grep -q "warning: policy_dir $C/policy.d: $T_DIR/open is writable by group or others" <<<"$out"
"$NETHEAL" check --strict -c "$C/netheal.conf" >/dev/null 2>&1
check_eq "and refused with --strict" 1 "$?"
chmod 755 "$T_DIR/open"
out=$("$NETHEAL" check -c "$C/netheal.conf" 2>&1)
check "not once it is closed" bash -c "! grep -q warning <<<'$out'"
finish
