#!/bin/bash
# Run a command inside a private network + mount namespace, with its own
# tmpfs on /run (so /run/netns and /run/netheal are the sandbox's), sysfs
# remounted (so /sys shows the sandbox's links) and loopback up.
# Every test that touches the kernel runs through here.
#
#   tests/sandbox.sh COMMAND [ARG...]
#
# Exit 77 (meson's "skip") only when this machine cannot create namespaces.
set -eu

if [ "${NETHEAL_SANDBOX:-}" != "1" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: the sandbox needs root (network and mount namespaces)" >&2
		exit 77
	fi
	if ! unshare --net --mount true 2>/dev/null; then
		echo "SKIP: this machine cannot create network + mount namespaces" >&2
		exit 77
	fi
	# PID 1's namespace may not be readable here; the one we start in is.
	exec unshare --net --mount --propagation private \
		env NETHEAL_SANDBOX=1 NETHEAL_OUTER_NETNS="$(readlink /proc/self/ns/net)" "$0" "$@"
fi

# Inside: refuse to go on unless we really are in a namespace of our own.
here=$(readlink /proc/self/ns/net)
if [ -z "${NETHEAL_OUTER_NETNS:-}" ] || [ "$here" = "$NETHEAL_OUTER_NETNS" ] ||
   [ "$here" = "$(readlink /proc/1/ns/net 2>/dev/null)" ]; then
	echo "sandbox.sh: NETHEAL_SANDBOX is set but this is not a network namespace of its own" >&2
	exit 1
fi
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/netns /run/netheal
mount -t sysfs sysfs /sys
ip link set lo up
exec "$@"
