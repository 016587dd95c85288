#!/bin/bash
# Why etc/netheal.service has no ProtectSystem= (or any option that gives the
# service its own mount namespace): systemd makes every mount of such a
# namespace a slave of the host's, so a named namespace created inside it
# (a bind mount on /run/netns/NAME) never reaches the host, while namespaces
# created on the host do reach the service. This test rebuilds that setting
# with unshare inside the sandbox and shows both directions.
. "$(dirname "$0")/../lib.sh"

# The sandbox plays the host: systemd runs with / shared.
mount --make-rshared /
ip netns add nh-host-made

# The "service": a mount namespace made the way systemd's namespace setup
# does it (everything slave first, then shared again).
unshare --mount --propagation unchanged sh -c '
	mount --make-rslave / && mount --make-rshared / &&
	ip netns add nh-svc-made &&
	ip netns exec nh-svc-made true &&
	ip netns exec nh-host-made true
' >"$T_DIR/svc.out" 2>&1
check "inside the service both namespaces work" test $? -eq 0

check "the host sees the file the service made" test -e /run/netns/nh-svc-made
if ip netns exec nh-svc-made true 2>"$T_DIR/err"; then
	fail "a namespace made in a slave mount namespace is usable on the host: revisit the unit file"
else
	ok "the host cannot enter it ($(head -n1 "$T_DIR/err"))"
fi
check "the host's own namespace still works" ip netns exec nh-host-made true

ip netns del nh-host-made 2>/dev/null
rm -f /run/netns/nh-svc-made
finish
