#!/bin/bash
# Build the Debian package from this tree and check it with lintian:
#   bash scripts/package.sh [OUTDIR]        (default: build-pkg)
# The tree (tracked and untracked files, not ignored ones) is copied to
# OUTDIR/netheal-VERSION and built there with `dpkg-buildpackage -us -uc -b`,
# so the work tree gets no debian/netheal, obj-* or ../*.deb. Prints the
# path of the .deb last; lintian's report is in OUTDIR/lintian.txt. Fails
# on a build error or any lintian error.
set -eu
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-build-pkg}")
version=$(sed -n "s/^ *version : '\(.*\)',$/\1/p" meson.build)
deb_version=$(dpkg-parsechangelog -S Version)
if [ "$version" != "$deb_version" ]; then
	echo "package: meson.build says $version, debian/changelog $deb_version" >&2
	exit 1
fi
if ! dpkg-checkbuilddeps 2>"$out.deps"; then
	cat "$out.deps" >&2; rm -f "$out.deps"
	echo "package: install the build dependencies first: bash scripts/deps.sh test" >&2
	exit 1
fi
rm -f "$out.deps"
rm -rf "$out"
mkdir -p "$out/netheal-$version"
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -z -co --exclude-standard | xargs -0 cp --parents -t "$out/netheal-$version"
else
	tar --exclude='./build*' -cf - . | tar -C "$out/netheal-$version" -xf -
fi
echo "package: building netheal $version in $out (log: $out/build.log)" >&2
start=$(date +%s)
if ! (cd "$out/netheal-$version" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
	tail -60 "$out/build.log" >&2
	echo "package: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
fi
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=$out/netheal_${version}_$arch.deb
changes=$out/netheal_${version}_$arch.changes
echo "package: built $deb in $(( $(date +%s) - start )) s" >&2
# lintian: no error; the warnings and the rest are listed for the record.
lintian --info --display-info --fail-on error "$changes" >"$out/lintian.txt" 2>&1 || {
	cat "$out/lintian.txt" >&2
	echo "package: lintian found errors" >&2
	exit 1
}
echo "package: lintian: no errors; $(grep -c '^W: ' "$out/lintian.txt" || true) warnings, $(grep -c '^I: ' "$out/lintian.txt" || true) info tags:" >&2
grep -E '^(W|I): ' "$out/lintian.txt" | sort -u >&2 || true
echo "$deb"
