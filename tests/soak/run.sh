#!/bin/bash
# The chaos soak (issue 14, item 1), inside tests/sandbox.sh:
#
#   bash tests/soak/run.sh [--namespaces N] [--minutes M | --seconds S] [--seed N]
#                          [--netheal PATH] [--workdir DIR] [--caps]
#
# Defaults: 50 namespaces, 2 minutes, seed 1, build-test/cmd/netheal, a
# fresh directory under /tmp (kept: netheal.log, ops.log, samples.tsv,
# summary.json). --caps runs netheal with only CAP_NET_ADMIN, CAP_SYS_ADMIN
# and CAP_NET_BROADCAST (tests/caps.sh). The long run of the issue:
#
#   bash tests/soak/run.sh --namespaces 1000 --minutes 30 --seed 1
#
# What it does and checks: tests/soak/soak.py. Exit 0 when every check passed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
if [ "${NETHEAL_SANDBOX:-}" != "1" ]; then
	exec "$src/tests/sandbox.sh" bash "$here/run.sh" "$@"
fi
n=50 secs=120 seed=1 exe=${NETHEAL:-$src/build-test/cmd/netheal} wd= wrap=
while [ $# -gt 0 ]; do
	case $1 in
	--namespaces) n=$2; shift ;;
	--minutes) secs=$(($2 * 60)); shift ;;
	--seconds) secs=$2; shift ;;
	--seed) seed=$2; shift ;;
	--netheal) exe=$2; shift ;;
	--workdir) wd=$2; shift ;;
	--caps) wrap="bash $src/tests/caps.sh" ;;
	-h|--help) sed -n '2,/^set/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
	esac
	shift
done
[ -n "$wd" ] || wd=$(mktemp -d /tmp/netheal-soak.XXXXXX)
echo "# work directory: $wd"
exec python3 "$here/soak.py" ${NH_SOAK_ARGS:-} --netheal "$exe" --workdir "$wd" --namespaces "$n" \
	--seconds "$secs" --seed "$seed" ${wrap:+--wrap "$wrap"}
