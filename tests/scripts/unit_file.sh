#!/bin/bash
# etc/netheal.service passes `systemd-analyze verify` without a single
# warning. The unit names /usr/sbin/netheal; the check runs on a copy that
# points at the binary just built. Skips (77) without systemd-analyze.
set -u
src=${NETHEAL_SRC:?}
bin=${NETHEAL:?}
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: systemd-analyze not installed"
	exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
grep -q '^ExecStart=/usr/sbin/netheal run$' "$src/etc/netheal.service" || { echo "FAIL: ExecStart"; exit 1; }
sed "s|/usr/sbin/netheal|$bin|" "$src/etc/netheal.service" > "$dir/netheal.service"
if ! systemd-analyze verify --man=no "$dir/netheal.service" >"$dir/out" 2>&1; then
	echo "FAIL: systemd-analyze verify:"; cat "$dir/out"; exit 1
fi
if [ -s "$dir/out" ]; then
	echo "FAIL: systemd-analyze verify warns:"; cat "$dir/out"; exit 1
fi
# The contract's essentials (SPEC §7).
for line in 'Type=notify' 'ExecReload=/bin/kill -HUP $MAINPID' 'WatchdogSec=30s' \
	    'CapabilityBoundingSet=CAP_NET_ADMIN CAP_SYS_ADMIN' 'RuntimeDirectory=netheal' \
	    'NoNewPrivileges=yes' 'Restart=on-failure'; do
	grep -qxF "$line" "$src/etc/netheal.service" || { echo "FAIL: missing $line"; exit 1; }
done
echo "ok - systemd-analyze verify is clean"
