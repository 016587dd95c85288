#!/bin/bash
# `meson install` into a DESTDIR, twice: a distribution layout
# (--prefix=/usr --sysconfdir=/etc) and the default prefix (/usr/local).
# Each tree must hold every shipped file where the build options say, the
# unit's ExecStart and ExecReload must name the installed binary, and that
# binary's default -c path and the installed netheal.conf's policy_dir must
# name the installed configuration. With the default prefix nothing may land
# outside /usr/local. Builds without tests and benchmarks (a few seconds).
set -u
src=${NETHEAL_SRC:?}
T=$(mktemp -d /tmp/netheal-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0
failed=0
ok()   { pass=$((pass + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }
has()  { if [ -e "$1$2" ]; then ok "$3: $2"; else fail "$3: $2 missing"; fi; }

# man pages only when scdoc is here (the man_pages test says so otherwise)
man=disabled
command -v scdoc >/dev/null && man=enabled

install_tree() {
	local name=$1; shift
	# the build must not be affected by the environment of the test run
	if ! env -u DESTDIR meson setup "$T/build-$name" "$src" -Dtests=false -Dbench=false -Dman=$man "$@" \
		>"$T/setup-$name.log" 2>&1; then
		fail "$name: meson setup $*"; cat "$T/setup-$name.log"; return 1
	fi
	if ! DESTDIR=$T/root-$name meson install -C "$T/build-$name" >"$T/install-$name.log" 2>&1; then
		fail "$name: meson install"; tail -30 "$T/install-$name.log"; return 1
	fi
	ok "$name: meson install into a DESTDIR"
}

# check_tree NAME PREFIX SYSCONFDIR UNITDIR CATALOGDIR
check_tree() {
	local name=$1 prefix=$2 etc=$3 unitdir=$4 catalogdir=$5
	local D=$T/root-$name bin=$prefix/sbin/netheal unit
	has "$D" "$bin" "$name"
	has "$D" "$etc/netheal/netheal.conf" "$name"
	if [ -d "$D$etc/netheal/policy.d" ] && [ -z "$(ls -A "$D$etc/netheal/policy.d")" ]; then
		ok "$name: $etc/netheal/policy.d is there and empty"
	else
		fail "$name: $etc/netheal/policy.d missing or not empty"
	fi
	has "$D" "$etc/iproute2/rt_protos.d/netheal.conf" "$name"
	has "$D" "$unitdir/netheal.service" "$name"
	has "$D" "$catalogdir/netheal.catalog" "$name"
	has "$D" "$prefix/share/bash-completion/completions/netheal" "$name"
	for f in option1-physical.conf option2-bridge.conf router-namespace.conf netns-sshd@.service \
		 prometheus/netheal.rules.yml prometheus/netheal.rules.test.yml \
		 ansible/netheal-policy.yml ansible/README; do
		has "$D" "$prefix/share/doc/netheal/examples/$f" "$name"
	done
	if [ "$man" = enabled ]; then
		has "$D" "$prefix/share/man/man8/netheal.8" "$name"
		has "$D" "$prefix/share/man/man5/netheal.conf.5" "$name"
		groff -man -Tutf8 -rLL=300n "$D$prefix/share/man/man8/netheal.8" 2>/dev/null | col -b |
			grep -qF "$etc/netheal/netheal.conf" &&
			ok "$name: netheal(8) names $etc/netheal/netheal.conf" ||
			fail "$name: netheal(8) does not name $etc/netheal/netheal.conf"
	fi
	unit=$D$unitdir/netheal.service
	[ -f "$unit" ] || return
	grep -qx "ExecStart=$bin run" "$unit" && ok "$name: ExecStart=$bin run" ||
		fail "$name: ExecStart is $(grep '^ExecStart=' "$unit")"
	grep -qx "ExecReload=$bin check" "$unit" && ok "$name: ExecReload=$bin check" ||
		fail "$name: ExecReload: $(grep '^ExecReload=' "$unit" | tr '\n' ' ')"
	# the binary's default configuration is the installed one
	local def
	def=$("$D$bin" check --help | sed -n 's/.*(default \(.*\));.*/\1/p')
	[ "$def" = "$etc/netheal/netheal.conf" ] && ok "$name: the binary's default -c is $def" ||
		fail "$name: the binary's default -c is '$def', not $etc/netheal/netheal.conf"
	grep -q "^  policy_dir = \"$etc/netheal/policy.d\";" "$D$etc/netheal/netheal.conf" &&
		ok "$name: netheal.conf's policy_dir is $etc/netheal/policy.d" ||
		fail "$name: netheal.conf's policy_dir: $(grep policy_dir "$D$etc/netheal/netheal.conf")"
	# and that configuration, as installed (policy_dir re-rooted), passes check
	sed "s|\"$etc/netheal/policy.d\"|\"$D$etc/netheal/policy.d\"|" "$D$etc/netheal/netheal.conf" >"$T/main-$name.conf"
	chmod 0644 "$T/main-$name.conf"
	"$D$bin" check -c "$T/main-$name.conf" && ok "$name: the installed configuration passes check" ||
		fail "$name: the installed configuration fails check"
}

# A distribution build. The unit and catalog directories are what systemd's
# pkg-config file says for /usr (Debian 12: /lib/systemd/system).
if install_tree usr --prefix=/usr --sysconfdir=/etc; then
	unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /usr/lib/systemd/system)
	catalogdir=$(pkg-config --variable=catalogdir systemd 2>/dev/null || echo /usr/lib/systemd/catalog)
	check_tree usr /usr /etc "${unitdir:-/usr/lib/systemd/system}" "${catalogdir:-/usr/lib/systemd/catalog}"
fi

# The default prefix: everything under /usr/local.
if install_tree local; then
	check_tree local /usr/local /usr/local/etc /usr/local/lib/systemd/system /usr/local/lib/systemd/catalog
	outside=$(cd "$T/root-local" && find . ! -type d | grep -v '^\./usr/local/')
	[ -z "$outside" ] && ok "local: nothing installed outside /usr/local" ||
		fail "local: installed outside /usr/local: $outside"
fi

# An explicit unit directory wins.
if install_tree opt --prefix=/opt/nh -Dsystemdsystemunitdir=/etc/systemd/system; then
	has "$T/root-opt" /etc/systemd/system/netheal.service opt
	grep -qx "ExecStart=/opt/nh/sbin/netheal run" "$T/root-opt/etc/systemd/system/netheal.service" &&
		ok "opt: ExecStart=/opt/nh/sbin/netheal run" || fail "opt: ExecStart"
fi

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
