#!/bin/bash
# The chaos soak, bounded for the suite (issue 14, item 1): 50 namespaces,
# 60 seconds, a fixed seed (tests/soak/soak.py says what it does and checks).
# The long run: bash tests/soak/run.sh --namespaces 1000 --minutes 30
. "$(dirname "$0")/../lib.sh"
# A route whose gateway the perturber takes away again between its retries
# (its address flushed in a fight, its link downed or moved) can fail twice
# in a row and be logged once (about one run in six); the soak itself
# checks that no heal-failed is left standing and that everything
# converges, which is the contract (SPEC §4.4, §5.4).
expect_heal_failed 'reason="Nexthop has invalid gateway"'
# the log goes where finish() looks for heal-failed records
python3 "$(dirname "$0")/../soak/soak.py" --netheal "$NETHEAL" --workdir "$T_DIR/soak" \
	--namespaces "${NH_SOAK_N:-50}" --seconds "${NH_SOAK_SECONDS:-60}" --seed "${NH_SOAK_SEED:-14}"
check "the soak's checks passed (exit status)" test $? = 0
finish
