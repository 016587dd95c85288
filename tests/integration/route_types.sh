#!/bin/bash
# A policy route replaced by a route of another type (blackhole,
# unreachable, prohibit, throw: `ip route replace blackhole default`) is
# drift. The kernel announces the new route with NLM_F_REPLACE and says
# nothing of the one it replaced; netheal kept only unicast routes and so
# kept the policy route as present: no record, status converged, no route
# until a resync. Now: a conflict, left alone (another tool's route), healed
# once that route goes; with replace = true, put back at once. `export`
# says it cannot write such a route. Checked with ip -j.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
LOG=$T_DIR/netheal.log
write_conf "$C"
policy "$C" types <<'EOP'
namespaces = ( { name = "rt";
  links = ( { name = "lo"; }, { name = "br"; kind = "bridge"; addresses = [ "10.1.3.1/24" ]; } );
  routes = (
    { to = "default"; via = "10.1.3.2"; },
    { to = "198.51.100.0/24"; via = "10.1.3.2"; replace = true; }
  );
} );
EOP
# type_of DST: the type of the one main-table route to DST ("unicast", ...)
type_of() { ip -n rt -j route show table main exact "$1" | jq -r 'if length == 1 then .[0].type // "unicast" else "n=\(length)" end'; }
via_ok() { [ "$(type_of "$1")" = unicast ] && ip -n rt -j route show table main exact "$1" | jq -e '.[0].gateway == "10.1.3.2"' >/dev/null; }

"$NETHEAL" run -c "$C/netheal.conf" --log stderr 2>"$LOG" &
bg_started $!
check "rt built" wait_for 20 eval 'via_ok default && via_ok 198.51.100.0/24'

ip -n rt route replace blackhole default
check "a blackhole over the policy's default route is a conflict" \
	wait_for 3 grep -q 'event=conflict netns=rt .*object=route:default.*a blackhole route' "$LOG"
sleep 0.3
check_eq "and is left alone" blackhole "$(type_of default)"
state() { "$NETHEAL" status --json -c "$C/netheal.conf" | jq -r '.namespaces[] | select(.name == "rt") | .state'; }
check_eq "status does not say converged" conflict "$(state)"
check "export says it cannot write it" bash -c \
	"'$NETHEAL' export -n rt -c '$C/netheal.conf' 2>&1 >/dev/null | grep -q 'route 0.0.0.0/0 (table 254): a blackhole route, which a policy cannot say: not written'"
ip -n rt route del blackhole default
check "once it goes, the policy's route is back" wait_for 3 via_ok default

# another's route in place of an address's prefix route (same key, another
# device): a conflict, not an add that fails for ever (new-user trial)
ip -n rt route replace 10.1.3.0/24 dev lo
check "a route in place of the prefix route is a conflict" wait_for 3 \
	grep -q 'event=conflict netns=rt .*object=route:10.1.3.0/24.*is dev lo, the prefix route of address 10.1.3.1/24 wants dev br' "$LOG"
check_eq "and is left alone" lo "$(ip -n rt -j route show table main exact 10.1.3.0/24 | jq -r '.[0].dev')"
ip -n rt route del 10.1.3.0/24 dev lo
check "once it goes, the prefix route is back" wait_for 3 eval \
	'[ "$(ip -n rt -j route show table main exact 10.1.3.0/24 | jq -r ".[0].dev")" = br ]'

for t in unreachable prohibit throw; do
	ip -n rt route replace $t 198.51.100.0/24
	check "with replace = true, $t is replaced at once" wait_for 3 via_ok 198.51.100.0/24
done
finish
