#!/bin/sh
# tests/run.sh — runs every test suite and ends with one line
# "N passed, N failed" (the sum over the suites). Called by `make check`
# after the build; BUILD names the build folder (default: build).
#
# Each suite prints its own "NAME: N passed, N failed" last line; a suite
# that dies without one counts as one failure.
BUILD=${BUILD:-build}
BIN=$BUILD/bunryu
total_pass=0
total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_suite() {
  name=$1
  shift
  echo "== $name"
  "$@" >"$log" 2>&1
  status=$?
  cat "$log"
  line=$(grep -E '^[a-z_-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  if [ -n "$line" ]; then
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
      echo "$name: exit status $status with no failure counted"
      f=1
    fi
  else
    echo "$name: no summary line (exit status $status)"
    p=0
    f=1
  fi
  total_pass=$((total_pass + p))
  total_fail=$((total_fail + f))
}

run_suite unit "$BUILD/unit_tests"
run_suite golden sh tests/cli/golden.sh "$BIN"
[ -f tests/rules/run.sh ] && run_suite rules sh tests/rules/run.sh "$BIN"
[ -f tests/cli/batch_test.sh ] && run_suite batch sh tests/cli/batch_test.sh "$BIN"
[ -d rules ] && [ -n "$(ls rules/*.lua 2>/dev/null)" ] && run_suite rule-pack sh tests/rules/pack_test.sh "$BIN"
[ -f tests/eval/run.sh ] && run_suite eval sh tests/eval/run.sh "$BIN"
run_suite readme sh tests/readme_test.sh "$BIN"
[ -f tests/hardening/run.sh ] && run_suite hardening sh tests/hardening/run.sh "$BIN" "$BUILD"
run_suite embed sh tests/embed/run.sh "$BUILD"

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
