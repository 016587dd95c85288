#!/bin/bash
# The demo: netheal run on the built-in demo policy (SPEC §1 Option 2:
# bridge br1 in the host, namespace blue behind a veth pair), inside a private
# network + mount namespace. It breaks the topology the ways people do with
# `ip` and shows netheal putting each break back.
set -eu
cd "$(dirname "$0")/.."
bash scripts/deps.sh demo
if [ ! -f build-demo/build.ninja ]; then
	meson setup build-demo -Dtests=false -Dbench=false -Dman=disabled >/dev/null
fi
ninja -C build-demo >/dev/null
exec tests/sandbox.sh bash scripts/demo-inner.sh "$PWD/build-demo/cmd/netheal" "$PWD/etc"
