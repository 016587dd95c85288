#!/bin/bash
# Every MESSAGE_ID in common/log.c has exactly one entry in etc/netheal.catalog
# (and the catalog has no other), each with Subject, Defined-By: netheal and
# Documentation; journalctl compiles it when installed.
set -u
src=${NETHEAL_SRC:?}
log=$src/common/log.c
cat=$src/etc/netheal.catalog
fail=0

ids=$(grep -oE '"[0-9a-f]{32}"' "$log" | tr -d '"')
n_ids=$(echo "$ids" | wc -l)
[ "$n_ids" -ge 14 ] || { echo "FAIL: only $n_ids message ids found in $log"; exit 1; }
[ "$(echo "$ids" | sort -u | wc -l)" -eq "$n_ids" ] || { echo "FAIL: a message id repeats in $log"; fail=1; }

for id in $ids; do
	n=$(grep -c "^-- $id\$" "$cat")
	if [ "$n" -ne 1 ]; then
		echo "FAIL: $id appears $n times in the catalog"
		fail=1
	fi
done
for id in $(sed -n 's/^-- \([0-9a-f]*\)$/\1/p' "$cat"); do
	if ! echo "$ids" | grep -qx "$id"; then
		echo "FAIL: catalog entry $id is not a MESSAGE_ID of common/log.c"
		fail=1
	fi
done
# Any other line starting with "-- " is a malformed header.
if grep -nE '^-- ' "$cat" | grep -vE '^[0-9]+:-- [0-9a-f]{32}$'; then
	echo "FAIL: malformed entry header"
	fail=1
fi

# Each entry: its header lines up to the first blank line.
bad=$(awk '
	/^-- [0-9a-f]+$/ { if (id) check(); id = $2; inhead = 1; s = d = doc = 0; next }
	inhead && /^$/ { inhead = 0; next }
	inhead && /^Subject: ./ { s = 1 }
	inhead && /^Defined-By: netheal$/ { d = 1 }
	inhead && /^Documentation: ./ { doc = 1 }
	function check() { if (!s || !d || !doc) print id }
	END { if (id) check() }' "$cat")
if [ -n "$bad" ]; then
	echo "FAIL: entries without Subject, Defined-By: netheal or Documentation: $bad"
	fail=1
fi

if command -v journalctl >/dev/null; then
	root=$(mktemp -d)
	mkdir -p "$root/usr/lib/systemd/catalog"
	cp "$cat" "$root/usr/lib/systemd/catalog/"
	if journalctl --root="$root" --update-catalog 2>"$root/err" && [ ! -s "$root/err" ]; then
		n=$(journalctl --root="$root" --list-catalog | grep -c ' netheal: ')
		[ "$n" -eq "$n_ids" ] || { echo "FAIL: journalctl lists $n entries, want $n_ids"; fail=1; }
	else
		echo "FAIL: journalctl --update-catalog:"; cat "$root/err"
		fail=1
	fi
	rm -rf "$root"
else
	echo "journalctl not installed: catalog syntax not checked by journalctl"
fi

[ "$fail" -eq 0 ] && echo "ok - $n_ids message ids, one catalog entry each"
exit "$fail"
