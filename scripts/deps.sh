#!/bin/bash
# Install what netheal needs to build, test and run (Debian 12, as root).
set -eu
pkgs="build-essential pkg-config meson ninja-build libev-dev libmnl-dev libconfig-dev
      libsystemd-dev libjansson-dev libcmocka-dev uthash-dev iproute2 util-linux jq python3 prometheus"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
