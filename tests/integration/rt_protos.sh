#!/bin/bash
# With etc/rt_protos.d/netheal.conf installed, iproute2 shows routes of
# protocol 88 (NH_RTPROT_NETHEAL) as "proto netheal" and accepts the name.
. "$(dirname "$0")/../lib.sh"
src=${NETHEAL_SRC:-$(dirname "$0")/../..}

# Install it in the sandbox's own view of /etc/iproute2 only.
cp -a /etc/iproute2 "$T_DIR/iproute2"
mkdir -p "$T_DIR/iproute2/rt_protos.d"
cp "$src/etc/rt_protos.d/netheal.conf" "$T_DIR/iproute2/rt_protos.d/"
mount --bind "$T_DIR/iproute2" /etc/iproute2

if ! have_kind veth; then
	skip "no veth in this kernel"
	finish
fi
ip link add nh-rt0 type veth peer name nh-rt1
ip addr add 10.1.200.1/24 dev nh-rt0
ip link set nh-rt0 up
ip link set nh-rt1 up
ip route add 10.1.201.0/24 via 10.1.200.2 dev nh-rt0 proto 88

check_eq "ip -j shows the protocol by name" netheal \
	"$(ip -j route show 10.1.201.0/24 | jq -r '.[0].protocol')"
check "ip route show proto netheal finds it" \
	bash -c 'ip route show proto netheal | grep -q "^10.1.201.0/24 via 10.1.200.2"'
check_eq "the number behind the name is 88" 88 \
	"$(ip -j -N route show 10.1.201.0/24 | jq -r '.[0].protocol')"

ip link del nh-rt0
umount /etc/iproute2
finish
