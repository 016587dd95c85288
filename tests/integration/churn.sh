#!/bin/bash
# Namespace churn, bounded for the suite (issue 14, item 5): 300 cycles of
# tests/soak/churn.sh. The 10,000 of the issue: bash tests/soak/churn.sh
exec bash "$(dirname "$0")/../soak/churn.sh" --cycles "${NH_CHURN_CYCLES:-300}"
