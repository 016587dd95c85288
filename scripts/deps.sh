#!/bin/bash
# Install what netheal needs (Debian 12, as root), for one purpose:
#   bash scripts/deps.sh demo    build netheal and run the demo
#   bash scripts/deps.sh test    build, run every test, build and boot the package
#   bash scripts/deps.sh         build, and the tools bench/run.sh uses (jq, python3)
# Nothing is installed that the purpose does not need: the demo gets a
# compiler, the libraries and iproute2, not the test tools; the tests get
# promtool alone, extracted from Debian's prometheus package into .tools/,
# not a Prometheus server that would be enabled and started.
set -eu
cd "$(dirname "$0")/.."
what=${1:-build}
build="build-essential pkg-config meson ninja-build libev-dev libmnl-dev libconfig-dev libsystemd-dev
       libjansson-dev uthash-dev iproute2 util-linux"
case $what in
demo)
	pkgs=$build ;;
build)
	pkgs="$build jq python3" ;;
test)
	# unit and integration tests; man pages (scdoc, groff -ww, man
	# --warnings); unit checks (systemd-analyze); completion; the package
	# (debhelper, lintian); the boot test (mmdebstrap, systemd-nspawn);
	# memcheck (valgrind); the fuzz harnesses (clang and its libFuzzer
	# runtime, only recommended by clang); the requests netheal sends
	# (strace decodes netlink)
	pkgs="$build libcmocka-dev jq python3 systemd scdoc groff-base man-db bash-completion
	      dpkg-dev debhelper lintian mmdebstrap systemd-container valgrind clang libclang-rt-14-dev
	      strace" ;;
*)
	echo "usage: $0 [demo|test]" >&2
	exit 64 ;;
esac
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
updated=
if [ -n "$missing" ]; then
	echo "installing:$missing"
	apt-get update -qq
	updated=1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# promtool for the alerting rules' tests: the one binary, from Debian's
# prometheus package, unless promtool is installed already.
if [ "$what" = test ] && ! command -v promtool >/dev/null && [ ! -x .tools/promtool ]; then
	echo "installing: promtool (from Debian's prometheus package, into .tools/)"
	[ -n "$updated" ] || apt-get update -qq
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -qq prometheus >/dev/null)
	dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x"
	mkdir -p .tools
	install -m 0755 "$tmp/x/usr/bin/promtool" .tools/promtool
	rm -rf "$tmp"
fi
