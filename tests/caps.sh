#!/bin/bash
# Run a command as root with only the capabilities netheal.service grants:
# CAP_NET_ADMIN, CAP_SYS_ADMIN and CAP_NET_BROADCAST (issue 14, least
# privilege). Every other capability leaves the bounding set, so the exec
# that follows gives root no more than these three.
#
#   tests/caps.sh COMMAND [ARG...]
#   NETHEAL_CAPS="cap_net_admin,cap_sys_admin" tests/caps.sh ...   (another set)
set -eu
keep=${NETHEAL_CAPS:-cap_net_admin,cap_sys_admin,cap_net_broadcast}
all=$(capsh --print | sed -n 's/^Bounding set =//p' | tr ',' '\n')
drop=$(grep -vxF -f <(tr ',' '\n' <<<"$keep") <<<"$all" | paste -sd, -)
exec capsh ${drop:+--drop="$drop"} -- -c 'exec "$@"' netheal-caps "$@"
