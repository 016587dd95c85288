#!/bin/bash
# The unit as built (etc/netheal.service.in with this build's paths) passes
# `systemd-analyze verify` without a single warning, with the man page it
# points at (man:netheal(8)) found; it carries the contract's essentials
# (SPEC §7), and its hardening keeps `systemd-analyze security` exposure at
# most 4.3. The unit names the installed binary; the checks run on a copy
# that points at the binary just built. Skips (77) without systemd-analyze.
set -u
src=${NETHEAL_SRC:?}
bin=${NETHEAL:?}
unit=${NETHEAL_UNIT:?}
sbindir=${NETHEAL_SBINDIR:?}
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: systemd-analyze not installed"
	exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
grep -qx "ExecStart=$sbindir/netheal run" "$unit" || { echo "FAIL: ExecStart is not $sbindir/netheal run"; fail=1; }
sed "s|$sbindir/netheal|$bin|" "$unit" > "$dir/netheal.service"
# man:netheal(8) must resolve: the page as built, in a private man tree.
man_opt=--man=no
if [ -n "${NETHEAL_MAN8:-}" ] && [ -f "$NETHEAL_MAN8" ] && command -v man >/dev/null; then
	mkdir -p "$dir/man/man8"
	cp "$NETHEAL_MAN8" "$dir/man/man8/"
	export MANPATH=$dir/man
	man_opt=--man=yes
else
	echo "man page not built: Documentation=man:netheal(8) not checked"
fi
if ! systemd-analyze verify "$man_opt" "$dir/netheal.service" >"$dir/out" 2>&1; then
	echo "FAIL: systemd-analyze verify $man_opt:"; cat "$dir/out"; fail=1
elif [ -s "$dir/out" ]; then
	echo "FAIL: systemd-analyze verify $man_opt warns:"; cat "$dir/out"; fail=1
else
	echo "ok - systemd-analyze verify $man_opt is clean"
fi
# The contract's essentials (SPEC §7): the reload runs the check first.
for line in 'Type=notify' "ExecReload=$sbindir/netheal check" 'ExecReload=/bin/kill -HUP $MAINPID' \
	    'WatchdogSec=30s' 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_SYS_ADMIN CAP_NET_BROADCAST' \
	    'RuntimeDirectory=netheal' 'NoNewPrivileges=yes' 'Restart=on-failure'; do
	grep -qxF "$line" "$unit" || { echo "FAIL: missing $line"; fail=1; }
done
[ "$(grep -n '^ExecReload=' "$unit" | head -1 | grep -c 'netheal check')" = 1 ] ||
	{ echo "FAIL: the first ExecReload= must be the check"; fail=1; }
# No mount namespace of its own (SPEC §7, tests/integration/unit_mountns.sh).
if grep -qE '^(ProtectSystem|ProtectHome|PrivateTmp|PrivateDevices|PrivateMounts|ProtectKernel[A-Za-z]*|ProtectControlGroups|ProtectHostname|ProtectClock|ProtectProc|ReadWritePaths|ReadOnlyPaths|InaccessiblePaths|BindPaths|TemporaryFileSystem)=' "$unit"; then
	echo "FAIL: an option that gives the service a mount namespace"; fail=1
fi
# Exposure, offline (systemd 252+), as systemd computes it for a running unit.
if systemd-analyze security --offline=yes "$dir/netheal.service" >"$dir/sec" 2>&1; then
	exp=$(sed -n 's/.*Overall exposure level for netheal.service: \([0-9.]*\).*/\1/p' "$dir/sec")
	if [ -z "$exp" ]; then
		echo "FAIL: no exposure figure in:"; cat "$dir/sec"; fail=1
	elif awk -v e="$exp" 'BEGIN { exit !(e <= 4.3) }'; then
		echo "ok - systemd-analyze security exposure $exp (at most 4.3)"
	else
		echo "FAIL: systemd-analyze security exposure $exp is over 4.3"; fail=1
	fi
else
	echo "FAIL: systemd-analyze security --offline:"; cat "$dir/sec"; fail=1
fi
[ "$fail" -eq 0 ] && echo "ok - unit file"
exit "$fail"
