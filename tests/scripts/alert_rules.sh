#!/bin/bash
# The Prometheus alerting rules (examples/prometheus/netheal.rules.yml) are
# valid and pass their unit tests on synthetic series (netheal.rules.test.yml:
# each alert fires where it must and stays quiet where it must not), and
# every metric they use is one SPEC §7 names. Skips (77) without promtool
# (scripts/deps.sh test installs it).
set -u
src=${NETHEAL_SRC:?}
dir=$src/examples/prometheus
promtool=${PROMTOOL:-$(command -v promtool || true)}
[ -n "$promtool" ] || promtool=$src/.tools/promtool
if [ -z "$promtool" ] || [ ! -x "$promtool" ]; then
	echo "SKIP: promtool not installed (bash scripts/deps.sh test)"
	exit 77
fi
fail=0
"$promtool" check rules "$dir/netheal.rules.yml" || fail=1
(cd "$dir" && "$promtool" test rules netheal.rules.test.yml) || fail=1
# Only the metric names of the contract.
spec='netheal_heals_total netheal_drift netheal_heal_failures_total netheal_resyncs_total netheal_events_total
      netheal_heal_latency_seconds netheal_build_info netheal_start_time_seconds netheal_last_update_time_seconds'
for m in $(grep -v '^\s*#' "$dir/netheal.rules.yml" | grep -o 'netheal_[a-z_]*' | sort -u); do
	case " $(echo $spec) " in
	*" $m "*) ;;
	*) echo "FAIL: $m is not a metric of SPEC §7"; fail=1 ;;
	esac
done
for m in netheal_drift netheal_heal_failures_total netheal_heals_total netheal_last_update_time_seconds \
	 netheal_build_info netheal_start_time_seconds; do
	grep -q "expr:.*$m" "$dir/netheal.rules.yml" || { echo "FAIL: no rule on $m"; fail=1; }
done
[ "$fail" -eq 0 ] && echo "ok - alerting rules valid, unit tests pass"
exit "$fail"
