#!/bin/bash
# scripts/deps.sh installs, for each purpose, what that purpose needs and
# nothing more (issue 13 item 9): the demo no test tool and no Prometheus
# server; the tests every tool they use, and promtool without the server.
# Runs deps.sh against stand-ins for dpkg-query (nothing installed) and
# apt-get (records its arguments), so nothing is installed for real.
set -u
src=${NETHEAL_SRC:?}
T=$(mktemp -d /tmp/netheal-deps.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/tree/scripts"
cp "$src/scripts/deps.sh" "$T/tree/scripts/"
cat >"$T/bin/dpkg-query" <<'S'
#!/bin/bash
exit 1
S
cat >"$T/bin/apt-get" <<'S'
#!/bin/bash
echo "apt-get $*" >>"$NH_LOG"
case " $* " in *" download "*) exit 1 ;; esac
exit 0
S
chmod +x "$T/bin/dpkg-query" "$T/bin/apt-get"
# Only the tools deps.sh uses, so that a promtool installed on this machine
# is not seen.
for t in bash sh dirname grep mktemp mkdir install rm dpkg-deb cat; do
	ln -s "$(command -v "$t")" "$T/bin/$t"
done
pass=0
failed=0
ok()   { pass=$((pass + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }

run_deps() {
	: >"$T/$1.log"
	(cd "$T/tree" && NH_LOG=$T/$1.log PATH=$T/bin bash scripts/deps.sh "$1") >"$T/$1.out" 2>&1
	echo $?
}

rc=$(run_deps demo)
[ "$rc" = 0 ] && ok "deps.sh demo runs" || { fail "deps.sh demo: exit $rc"; cat "$T/demo.out"; }
inst=$(grep ' install ' "$T/demo.log")
for p in meson ninja-build libev-dev libmnl-dev libconfig-dev libsystemd-dev iproute2; do
	case " $inst " in *" $p "*) ok "demo installs $p" ;; *) fail "demo does not install $p" ;; esac
done
for p in prometheus libcmocka-dev scdoc lintian debhelper mmdebstrap systemd-container jq; do
	case " $inst " in *" $p "*) fail "demo installs $p" ;; *) ok "demo does not install $p" ;; esac
done
grep -q ' download ' "$T/demo.log" && fail "demo downloads a package" || ok "demo downloads nothing"

run_deps test >/dev/null
inst=$(grep ' install ' "$T/test.log")
for p in libcmocka-dev jq scdoc groff-base man-db bash-completion debhelper lintian mmdebstrap systemd-container; do
	case " $inst " in *" $p "*) ok "test installs $p" ;; *) fail "test does not install $p" ;; esac
done
case " $inst " in *" prometheus "*) fail "test installs the prometheus server" ;; *) ok "test does not install the prometheus server" ;; esac
# the stand-in apt-get fails the download, so deps.sh stops there
grep -q ' download -qq prometheus' "$T/test.log" && ok "test fetches promtool alone (apt-get download prometheus)" ||
	fail "test does not fetch promtool: $(cat "$T/test.log")"

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
