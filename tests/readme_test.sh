#!/bin/sh
# Keeps README.md true: its rule-language example must pass `bunryu check`
# and its own test case; its C API snippet's functions must exist in the
# public header. Prints "readme: N passed, N failed".
BIN=${1:-build/bunryu}
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk '/^```lua/{f=1;next}/^```/{f=0}f' README.md >"$tmp/example.lua"
if [ -s "$tmp/example.lua" ] && "$BIN" check "$tmp/example.lua" >"$tmp/out" 2>&1; then
  pass=$((pass + 1))
else
  echo "FAIL readme: the rule example does not pass bunryu check:"; cat "$tmp/out"
  fail=$((fail + 1))
fi
if "$BIN" test "$tmp/example.lua" >"$tmp/out" 2>&1; then
  pass=$((pass + 1))
else
  echo "FAIL readme: the rule example's test case fails:"; cat "$tmp/out"
  fail=$((fail + 1))
fi
for fn in $(awk '/^```c/{f=1;next}/^```/{f=0}f' README.md | grep -o 'bunryu_[a-z_]*' | sort -u); do
  if grep -qw "$fn" include/bunryu.h; then
    pass=$((pass + 1))
  else
    echo "FAIL readme: $fn is not in include/bunryu.h"
    fail=$((fail + 1))
  fi
done
echo "readme: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
