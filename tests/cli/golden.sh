#!/bin/sh
# Golden tests of the bunryu command, diffed like PCRE2's RunTest: each
# golden/NAME.args holds one line of arguments; golden/NAME.expected is the
# exact standard output and golden/NAME.status the exit status. Run with
# UPDATE=1 to rewrite the expectations (then read the diff before committing).
# Prints "golden: N passed, N failed".
BIN=${1:-build/bunryu}
dir=$(dirname "$0")/golden
pass=0
fail=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for args in "$dir"/*.args; do
  name=$(basename "$args" .args)
  # shellcheck disable=SC2046
  eval "set -- $(cat "$args")"
  "$BIN" "$@" >"$tmp" 2>/dev/null
  status=$?
  if [ -n "$UPDATE" ]; then
    cp "$tmp" "$dir/$name.expected"
    echo "$status" >"$dir/$name.status"
  fi
  if ! cmp -s "$tmp" "$dir/$name.expected"; then
    echo "FAIL golden $name: output differs from $name.expected:"
    diff "$dir/$name.expected" "$tmp" | head -20
    fail=$((fail + 1))
  elif [ "$status" != "$(cat "$dir/$name.status")" ]; then
    echo "FAIL golden $name: exit status $status, want $(cat "$dir/$name.status")"
    fail=$((fail + 1))
  else
    pass=$((pass + 1))
  fi
done
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
