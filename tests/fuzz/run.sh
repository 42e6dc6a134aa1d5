#!/bin/sh
# tests/fuzz/run.sh — runs each libFuzzer target for a while.
#
#   sh tests/fuzz/run.sh [SECONDS] [TARGET...]     (default: 30 s, every target)
#
# Targets: classify rules jsonl (tests/fuzz/fuzz_TARGET.c). Builds them with
# `make fuzz` first unless FUZZ_NO_BUILD=1. Each target grows a working
# corpus in build-fuzz/corpus/TARGET from the seeds in tests/fuzz/corpus/TARGET
# (the seeds in git are never written), with tests/fuzz/TARGET.dict as its
# dictionary; crashes go to build-fuzz/artifacts/TARGET/. FUZZ_JOBS=N runs
# N jobs per target (default 1); FUZZ_ARGS adds libFuzzer options.
# Ends with the cov:/ft: line of each target and the crash count.
set -u
cd "$(dirname "$0")/../.." || exit 2
secs=${1:-30}
[ $# -gt 0 ] && shift
targets=${*:-classify rules jsonl}
jobs=${FUZZ_JOBS:-1}
out=build-fuzz
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  make -s fuzz >/dev/null || { echo "fuzz: make fuzz failed"; exit 2; }
fi
crashes=0
for t in $targets; do
  bin=$out/fuzz/fuzz_$t
  [ -x "$bin" ] || { echo "fuzz: no $bin"; crashes=$((crashes + 1)); continue; }
  case $t in
    classify) max_len=8192 ;;
    rules) max_len=4096 ;;
    jsonl) max_len=2048 ;;
    *) max_len=4096 ;;
  esac
  mkdir -p "$out/corpus/$t" "$out/artifacts/$t" "$out/logs"
  dict=
  [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
  log=$out/logs/$t.log
  echo "== fuzz_$t: ${secs}s, max_len $max_len, $jobs job(s)"
  if [ "$jobs" -gt 1 ]; then
    # -jobs runs the workers in the background, each with its own log
    # (fuzz-N.log in the current folder): run them from the logs folder.
    (cd "$out/logs" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
      "../fuzz/fuzz_$t" -jobs="$jobs" -workers="$jobs" \
      -max_total_time="$secs" -max_len="$max_len" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="../artifacts/$t/" \
      ${dict:+-dict=../../${dict#-dict=}} ${FUZZ_ARGS:-} \
      "../corpus/$t" "../../tests/fuzz/corpus/$t" >"$t.jobs.log" 2>&1)
    cat "$out"/logs/fuzz-*.log >"$log" 2>/dev/null
    rm -f "$out"/logs/fuzz-*.log
  else
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$bin" \
      -max_total_time="$secs" -max_len="$max_len" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$out/artifacts/$t/" $dict ${FUZZ_ARGS:-} \
      "$out/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1
  fi
  grep -E '#[0-9]+.*(cov|DONE)' "$log" | tail -n 1
  n=$(find "$out/artifacts/$t" -type f | wc -l)
  if ! grep -qE '#[0-9]+.*DONE' "$log" || [ "$n" -gt 0 ] ||
     grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant failed' "$log"; then
    echo "fuzz_$t: FOUND A PROBLEM ($n artifact(s) in $out/artifacts/$t, log $log)"
    grep -E 'ERROR:|runtime error:|invariant failed|SUMMARY|ParseDictionaryFile' "$log" | head -n 5
    crashes=$((crashes + 1))
  fi
done
echo "fuzz: $crashes target(s) with problems"
[ "$crashes" -eq 0 ]
