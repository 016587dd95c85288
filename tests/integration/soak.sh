#!/bin/bash
# The chaos soak, bounded for the suite (issue 14, item 1): 50 namespaces,
# 60 seconds, a fixed seed (tests/soak/soak.py says what it does and checks).
# The long run: bash tests/soak/run.sh --namespaces 1000 --minutes 30
. "$(dirname "$0")/../lib.sh"
# Under chaos an object can be taken again between its retries (a route's
# gateway flushed in a fight, a bridge or port deleted again), fail twice
# in a row and be logged heal-failed once: seen in about one run in six,
# with "Nexthop has invalid gateway" or "No such device". The soak's
# contract is its own checks: nothing left standing in status, exact
# convergence within 2 s, nothing healed after it (SPEC §4.4, §5.4).
expect_heal_failed 'reason="Nexthop has invalid gateway"'
expect_heal_failed 'reason="No such device"'
# the same ENODEV, found when the master's name is looked up (actions.c)
expect_heal_failed 'reason="master [^ ]+ not found in '
# the log goes where finish() looks for heal-failed records
python3 "$(dirname "$0")/../soak/soak.py" --netheal "$NETHEAL" --workdir "$T_DIR/soak" \
	--namespaces "${NH_SOAK_N:-50}" --seconds "${NH_SOAK_SECONDS:-60}" --seed "${NH_SOAK_SEED:-14}"
check "the soak's checks passed (exit status)" test $? = 0
finish
