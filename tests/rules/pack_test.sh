#!/bin/sh
# tests/rules/pack_test.sh BUNRYU [RULES] — the default rule pack must load
# with no error under `bunryu check` and pass every one of its own test {}
# cases under `bunryu test`. The last line is
# "rule-pack: N passed, N failed" (the check counts as one).
set -u
bin=${1:?usage: pack_test.sh path/to/bunryu [RULES]}
rules=${2:-rules}
passed=0
failed=0

if "$bin" check "$rules"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL bunryu check $rules"
fi

out=$("$bin" test "$rules" 2>&1)
status=$?
printf '%s\n' "$out"
line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
if [ -n "$line" ]; then
  p=${line%% passed*}
  f=${line#*, }
  f=${f%% failed*}
  passed=$((passed + p))
  failed=$((failed + f))
  [ "$status" -ne 0 ] && [ "$f" -eq 0 ] && failed=$((failed + 1))
else
  failed=$((failed + 1))
  echo "FAIL bunryu test $rules (exit status $status, no summary)"
fi
echo "rule-pack: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
