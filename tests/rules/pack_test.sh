#!/bin/sh
# The default rule pack's own test cases: `bunryu test rules`, whose last
# line is "N passed, N failed"; reported as the rule-pack suite.
BIN=${1:-build/bunryu}
out=$("$BIN" test rules 2>&1)
status=$?
echo "$out"
line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
[ -n "$line" ] || { echo "rule-pack: 0 passed, 1 failed"; exit 1; }
echo "rule-pack: $line"
exit $status
