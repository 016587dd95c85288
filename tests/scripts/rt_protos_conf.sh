#!/bin/bash
# etc/rt_protos.d/netheal.conf and NH_RTPROT_NETHEAL agree, and the number is
# not one iproute2 already reserves.
set -u
src=${NETHEAL_SRC:?}
conf=$(grep -vE '^\s*(#|$)' "$src/etc/rt_protos.d/netheal.conf")
num=$(echo "$conf" | awk '{ print $1 }')
name=$(echo "$conf" | awk '{ print $2 }')
hdr=$(sed -n 's/^#define NH_RTPROT_NETHEAL \([0-9]*\).*/\1/p' "$src/policy/model.h")
[ "$(echo "$conf" | wc -l)" -eq 1 ] || { echo "FAIL: want one entry: $conf"; exit 1; }
[ "$name" = netheal ] || { echo "FAIL: name '$name'"; exit 1; }
[ "$num" = "$hdr" ] || { echo "FAIL: conf says $num, policy/model.h says $hdr"; exit 1; }
if [ -r /etc/iproute2/rt_protos ] &&
   awk -v n="$num" '$1 == n { found = 1 } END { exit !found }' /etc/iproute2/rt_protos; then
	echo "FAIL: $num is already in /etc/iproute2/rt_protos"; exit 1
fi
echo "ok - proto $num netheal"
