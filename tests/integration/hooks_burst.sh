#!/bin/bash
# A burst of heals in one namespace runs its on_heal hook once, and once
# more after it with every object healed meanwhile (actions/hooks.h): not
# a process per heal. Before, each heal pass started one, all at once (4139
# hooks running at once with damping near zero, an adversarial trial).
# Here: 12 addresses deleted 40 ms apart while a slow hook (1 s) runs.
# And on_create runs for a namespace made while one of its settings keeps
# failing (a sysctl value the kernel refuses): it waited for nothing pending,
# so the daemon it moves into the namespace never came (new-user trial).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
HOOKS=$T_DIR/hooks.out
write_conf "$C" "backoff: { flap_count = 1000; };"
addrs=$(for i in $(seq 1 12); do printf '"10.1.9.%d/32", ' "$i"; done)
CREATED=$T_DIR/created.out
policy "$C" hk <<EOP
namespaces = ( { name = "hk";
  links = ( { name = "lo"; addresses = [ ${addrs%, } ]; } );
  hooks = { on_heal = [ "/bin/sh", "-c", "echo start \$NETHEAL_DETAIL >> $HOOKS; sleep 1; echo end >> $HOOKS" ]; };
}, { name = "cf";
  links = ( { name = "lo"; } );
  sysctl = [ "net.ipv4.ip_forward=yes" ];
  hooks = { on_create = [ "/bin/sh", "-c", "echo \$NETHEAL_EVENT \$NETHEAL_NETNS >> $CREATED" ]; };
} );
EOP
has_all() { [ "$(ip -n hk -j addr show dev lo | jq '[.[0].addr_info[] | select(.local | startswith("10.1.9."))] | length')" = 12 ]; }

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
bg_started $!
check "hk built" wait_for 20 has_all
: > "$HOOKS"
for i in $(seq 1 12); do
	ip -n hk addr del "10.1.9.$i/32" dev lo
	sleep 0.04
done
check "every address is back" wait_for 5 has_all
check "the hooks are done" wait_for 8 eval '[ "$(grep -c ^start "$HOOKS")" = "$(grep -c ^end "$HOOKS")" ] && [ "$(sed -n "\$p" "$HOOKS")" = end ]'
sleep 1.5
runs=$(grep -c '^start' "$HOOKS")
echo "# on_heal runs: $runs"; sed 's/^/# /' "$HOOKS"
check "at most one ran at a time" awk '/^start/ { n++; if (n > 1) exit 1 } /^end/ { n-- }' "$HOOKS"
check "12 heals ran on_heal 2 or 3 times, not 12 ($runs)" eval "[ $runs -ge 2 ] && [ $runs -le 3 ]"
missing=0
for i in $(seq 1 12); do
	grep '^start' "$HOOKS" | tr ' ' '\n' | grep -qx "address:lo:10.1.9.$i/32\|address:lo 10.1.9.$i/32\|address:10.1.9.$i/32" || missing=$((missing + 1))
done
check_eq "every healed address was told to a hook" 0 "$missing"

expect_heal_failed 'netns=cf .*object=sysctl:net.ipv4.ip_forward'
check "the refused sysctl is a heal-failed" wait_for 10 grep -q 'event=heal-failed netns=cf .*sysctl' "$LOG"
check "on_create ran for cf all the same" wait_for 5 grep -qx 'netns-created cf' "$CREATED"
ip netns del cf
check "and again when cf is made again" wait_for 10 eval '[ "$(grep -cx "netns-created cf" "$CREATED")" = 2 ]'
finish
