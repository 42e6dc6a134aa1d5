#!/bin/sh
# tests/bench/run.sh — the benchmark (make bench): bunryu against ripgrep and
# YARA on the same work, per-document latency, engine build cost, dictionary
# scaling and the memory of a 1 GB stream. Results in BENCHMARKS.md.
#
#   make bench                      BUILD=build, ROUNDS=3
#   BUILD=build-bench ROUNDS=5 sh tests/bench/run.sh
#
# Settings (environment):
#   BUILD       build folder holding bunryu and libbunryu.a (default build)
#   SHARED      the shared data folder (default ../shared); skipped if absent
#   ROUNDS      timed rounds, after one warm-up round (default 3)
#   MB          corpus size for make_corpus.py (default 100)
#   STREAM_MB   size of the JSONL stream for the memory test (default 1000;
#               0 skips it)
#   LONG_MB     size of the long JSONL file for the -j2 speed-up in steady
#               state (default 400; 0 skips it)
#   LAT_PASSES  passes over the ~6 KB articles in latency (default 5)
#
# Everything generated (corpus, staged rule folders, rg literals, YARA
# rules, outputs) lives in $BUILD/bench/ and is never committed. The corpus
# is made once and kept. The timed tools run interleaved: every round runs
# each once, in an order that rotates from round to round; the report gives
# medians. Tools that are not installed (rg, yara) are skipped with a note.

# The script needs bash (arrays, EPOCHREALTIME); make runs it with sh.
if [ -z "${BASH_VERSION:-}" ]; then
  if command -v bash >/dev/null 2>&1; then exec bash "$0" "$@"; fi
  echo "bench: bash not found; skipped"
  exit 0
fi
set -eu -o pipefail

BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
ROUNDS=${ROUNDS:-3}
MB=${MB:-100}
STREAM_MB=${STREAM_MB:-1000}
LONG_MB=${LONG_MB:-400}
LAT_PASSES=${LAT_PASSES:-5}
HERE=tests/bench
SB=$SHARED/bench
B=$BUILD/bench
BIN=$BUILD/bunryu

note() { printf 'bench: %s\n' "$*" >&2; }

if [ ! -d "$SB" ]; then
  echo "bench: $SB not found (the shared benchmark data); skipped"
  exit 0
fi
for need in python3 cc pkg-config; do
  if ! command -v "$need" >/dev/null 2>&1; then
    echo "bench: $need not found; skipped"
    exit 0
  fi
done
if [ ! -x "$BIN" ] || [ ! -f "$BUILD/libbunryu.a" ]; then
  echo "bench: $BIN or $BUILD/libbunryu.a missing; run make BUILD=$BUILD first" >&2
  exit 1
fi
case $ROUNDS in '' | *[!0-9]* | 0) echo "bench: ROUNDS must be a positive number" >&2; exit 2 ;; esac
mkdir -p "$B"

# ---------------------------------------------------------------------------
# The workload
# ---------------------------------------------------------------------------
CORPUS=$B/corpus
if [ ! -f "$CORPUS/done-$MB" ]; then
  rm -rf "$CORPUS"
  note "making a $MB MB corpus in $CORPUS"
  python3 "$SB/make_corpus.py" "$CORPUS" --mb "$MB" >&2
  touch "$CORPUS/done-$MB"
fi
ARTICLES=$CORPUS/articles
JSONL=$CORPUS/articles.jsonl
NDOCS=$(wc -l <"$JSONL")
# The corpus repeated with new ids into one long file: loading the rules
# (~12 ms) is under 1% of a run over it, so -j1 against -j2 there is the
# speed-up of the scanning itself.
LONG=$CORPUS/articles-long.jsonl
if [ "$LONG_MB" != 0 ] && [ ! -f "$CORPUS/long-$LONG_MB" ]; then
  note "making a $LONG_MB MB JSONL file in $LONG"
  rm -f "$CORPUS"/long-*
  python3 "$HERE/repeat_jsonl.py" "$JSONL" --mb "$LONG_MB" >"$LONG"
  touch "$CORPUS/long-$LONG_MB"
fi
BYTES_FILES=$(find "$ARTICLES" -type f -name '*.txt' -exec cat {} + | wc -c)
BYTES_JSONL=$(wc -c <"$JSONL")

python3 "$SB/make_companies.py" 20000 >"$B/companies-20000.tsv"
python3 "$HERE/gen_workload.py" "$SB" "$SB/companies.tsv" "$B/w2k" >&2
python3 "$HERE/gen_workload.py" "$SB" "$B/companies-20000.tsv" "$B/w20k" >&2
R2K=$B/w2k/rules/bench.lua
R20K=$B/w20k/rules/bench.lua
for r in "$R2K" "$R20K"; do
  if ! "$BIN" check "$r" >"$B/check.out" 2>&1; then
    cat "$B/check.out" >&2
    echo "bench: $r does not load" >&2
    exit 1
  fi
done

# latency.c against the static library, with the Makefile's flags.
LAT=$B/latency
CWARNS="-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wundef -Wformat=2 -Wvla -Wpointer-arith"
# shellcheck disable=SC2046,SC2086
${CC:-cc} -std=c11 -O2 -g $CWARNS -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude \
  -o "$LAT" "$HERE/latency.c" "$BUILD/libbunryu.a" \
  $(pkg-config --libs lua5.4 libpcre2-8 libutf8proc) -lpthread -lm

# ---------------------------------------------------------------------------
# Timed runs
# ---------------------------------------------------------------------------
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=
now() { if [ -n "${EPOCHREALTIME:-}" ]; then echo "${EPOCHREALTIME/,/.}"; else date +%s.%N; fi; }

CLASSIFY=("$BIN" classify -q --no-progress --no-timing --format jsonl)
NAMES=() CMDS=() SIZES=()
add() { NAMES+=("$1"); SIZES+=("$2"); CMDS+=("$3"); }
add bunryu-j1-files "$BYTES_FILES" "${CLASSIFY[*]} -r $R2K -j1 $ARTICLES"
add bunryu-j2-files "$BYTES_FILES" "${CLASSIFY[*]} -r $R2K -j2 $ARTICLES"
add bunryu-j1-jsonl "$BYTES_JSONL" "${CLASSIFY[*]} -r $R2K -j1 --jsonl $JSONL"
add bunryu-j2-jsonl "$BYTES_JSONL" "${CLASSIFY[*]} -r $R2K -j2 --jsonl $JSONL"
add bunryu-j1-jsonl-20k "$BYTES_JSONL" "${CLASSIFY[*]} -r $R20K -j1 --jsonl $JSONL"
if [ "$LONG_MB" != 0 ]; then
  BYTES_LONG=$(wc -c <"$LONG")
  add bunryu-j1-jsonl-long "$BYTES_LONG" "${CLASSIFY[*]} -r $R2K -j1 --jsonl $LONG"
  add bunryu-j2-jsonl-long "$BYTES_LONG" "${CLASSIFY[*]} -r $R2K -j2 --jsonl $LONG"
fi
HAVE_RG=0 HAVE_YARA=0
if command -v rg >/dev/null 2>&1; then
  HAVE_RG=1
  # --no-ignore: the build folder may be git-ignored.
  add rg-j1-files "$BYTES_FILES" "rg --no-ignore -j1 -c -F -f $B/w2k/literals.txt $ARTICLES"
  add rg-j1-jsonl "$BYTES_JSONL" "rg --no-ignore -j1 -c -F -f $B/w2k/literals.txt $JSONL"
else
  note "rg not installed: the ripgrep comparison is skipped"
fi
if command -v yara >/dev/null 2>&1; then
  HAVE_YARA=1
  add yara-p1-files "$BYTES_FILES" "yara -w -p 1 -r $B/w2k/rules.yar $ARTICLES"
else
  note "yara not installed: the YARA comparison is skipped"
fi
N=${#NAMES[@]}

# One run: wall seconds (EPOCHREALTIME), user+sys seconds and max RSS (KB)
# from /usr/bin/time, appended to $B/times.tsv as name<TAB>round<TAB>...
run_one() {
  local i=$1 round=$2 out=$3 t0 t1 cpu=NA rss=NA
  t0=$(now)
  if [ -n "$TIME" ]; then
    # shellcheck disable=SC2086
    $TIME -f '%U %S %M' -o "$B/time.out" ${CMDS[$i]} >"$out" 2>"$B/stderr.out" ||
      { [ "${NAMES[$i]#rg}" != "${NAMES[$i]}" ] || { cat "$B/stderr.out" >&2; echo "bench: ${NAMES[$i]} failed" >&2; exit 1; }; }
  else
    # shellcheck disable=SC2086
    ${CMDS[$i]} >"$out" 2>"$B/stderr.out" || true
  fi
  t1=$(now)
  if [ -n "$TIME" ]; then
    read -r u s m < <(tail -n 1 "$B/time.out")
    cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
    rss=$m
  fi
  printf '%s\t%s\t%.4f\t%s\t%s\n' "${NAMES[$i]}" "$round" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$cpu" "$rss" >>"$B/times.tsv"
}

: >"$B/times.tsv"
note "warm-up round (checks that -j1 and -j2 give the same records)"
for ((i = 0; i < N; i++)); do
  out=/dev/null
  case ${NAMES[$i]} in bunryu-j[12]-jsonl) out=$B/out-${NAMES[$i]}.jsonl ;; esac
  run_one "$i" 0 "$out"
done
if ! cmp -s "$B/out-bunryu-j1-jsonl.jsonl" "$B/out-bunryu-j2-jsonl.jsonl"; then
  echo "bench: -j1 and -j2 records differ" >&2
  exit 1
fi
NREC=$(wc -l <"$B/out-bunryu-j1-jsonl.jsonl")
[ "$NREC" -eq "$NDOCS" ] || { echo "bench: $NREC records for $NDOCS documents" >&2; exit 1; }
rm -f "$B"/out-bunryu-*.jsonl
: >"$B/times.tsv"
# CPU busy time of the whole machine over the rounds (/proc/stat), to tell
# how much of it other processes took while we measured.
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat 2>/dev/null || echo NA; }
BUSY0=$(busy) T0=$(now)
for ((r = 1; r <= ROUNDS; r++)); do
  note "round $r of $ROUNDS"
  for ((k = 0; k < N; k++)); do
    run_one $(((k + r - 1) % N)) "$r" /dev/null
  done
done
BUSY1=$(busy) T1=$(now)
# CPUs (of nproc) that other processes kept busy during the rounds.
OTHER_CPUS=$(awk -F'\t' -v b0="$BUSY0" -v b1="$BUSY1" -v t0="$T0" -v t1="$T1" -v hz="$(getconf CLK_TCK)" \
  '$4 != "NA" { mine += $4 } END { if (b0 == "NA" || b0 == "") { print "NA"; exit }
    printf "%.2f", ((b1 - b0) / hz - mine) / (t1 - t0) }' "$B/times.tsv")

# ---------------------------------------------------------------------------
# Latency, build cost, scaling (latency.c)
# ---------------------------------------------------------------------------
note "latency, build cost and scaling (latency.c)"
"$LAT" --passes "$LAT_PASSES" --rounds $((ROUNDS < 5 ? 5 : ROUNDS)) "$R2K" "$R20K" "$ARTICLES" >"$B/latency.out"
val() { sed -n "s/^= $1 //p" "$B/latency.out"; }

# ---------------------------------------------------------------------------
# A 1 GB JSONL stream through a pipe: peak RSS
# ---------------------------------------------------------------------------
STREAM_RSS=NA STREAM_S=NA STREAM_REC=NA
if [ "$STREAM_MB" != 0 ] && [ -n "$TIME" ]; then
  note "a $STREAM_MB MB JSONL stream into bunryu classify -j2 -"
  t0=$(now)
  python3 "$HERE/repeat_jsonl.py" "$JSONL" --mb "$STREAM_MB" |
    $TIME -v -o "$B/stream.time" "${CLASSIFY[@]}" -r "$R2K" -j2 - | wc -l >"$B/stream.count"
  t1=$(now)
  STREAM_RSS=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$B/stream.time")
  STREAM_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  STREAM_REC=$(cat "$B/stream.count")
fi

# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
med() { # med NAME COLUMN: the median of a column of times.tsv for NAME
  awk -F'\t' -v n="$1" -v c="$2" '$1 == n && $c != "NA" { v[k++] = $c }
    END { if (!k) { print "NA"; exit }
          for (i = 0; i < k; i++) for (j = i + 1; j < k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
          print (k % 2) ? v[int(k / 2)] : (v[k / 2 - 1] + v[k / 2]) / 2 }' "$B/times.tsv"
}
paired() { # paired A B: the median over rounds of A's wall time / B's, each
  # round's two runs being closer in time than two medians' rounds are
  awk -F'\t' -v a="$1" -v b="$2" '$1 == a && $3 != "NA" { ta[$2] = $3 }
    $1 == b && $3 != "NA" { tb[$2] = $3 }
    END { for (r in ta) if ((r in tb) && tb[r] > 0) v[k++] = ta[r] / tb[r]
          if (!k) { print "NA"; exit }
          for (i = 0; i < k; i++) for (j = i + 1; j < k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
          printf "%.2f", (k % 2) ? v[int(k / 2)] : (v[k / 2 - 1] + v[k / 2]) / 2 }' "$B/times.tsv"
}
maxrss() { awk -F'\t' -v n="$1" '$1 == n && $5 != "NA" && $5 > m { m = $5 } END { print m ? m : "NA" }' "$B/times.tsv"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%.2f", a / b }'; }
verdict() { # verdict VALUE OP LIMIT
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { if (v == "NA") { print "n/a"; exit }
    ok = (op == "<=") ? (v + 0 <= l + 0) : (v + 0 >= l + 0); print ok ? "met" : "MISSED" }'
}

REPORT=$B/report.md
{
  echo "### Throughput (100 MB corpus, $NDOCS articles; median of $ROUNDS interleaved rounds)"
  [ "$LONG_MB" != 0 ] && echo && echo "(-long: the same articles repeated into one $LONG_MB MB JSONL file.)"
  echo
  echo "| run | median wall s | MB/s | median CPU s | max RSS MB |"
  echo "|---|---:|---:|---:|---:|"
  for ((i = 0; i < N; i++)); do
    w=$(med "${NAMES[$i]}" 3)
    printf '| %s | %.3f | %.1f | %s | %s |\n' "${NAMES[$i]}" "$w" \
      "$(awk -v b="${SIZES[$i]}" -v w="$w" 'BEGIN { print b / 1e6 / w }')" \
      "$(med "${NAMES[$i]}" 4)" "$(awk -v m="$(maxrss "${NAMES[$i]}")" 'BEGIN { if (m == "NA") print m; else printf "%.1f", m / 1024 }')"
  done
  echo
  J1F=$(med bunryu-j1-files 3) J2F=$(med bunryu-j2-files 3)
  J1J=$(med bunryu-j1-jsonl 3) J2J=$(med bunryu-j2-jsonl 3)
  RGF=$(med rg-j1-files 3) YRF=$(med yara-p1-files 3)
  J1J20=$(med bunryu-j1-jsonl-20k 3)
  R_RG=$(ratio "$J1F" "$RGF") R_YR=$(ratio "$J1F" "$YRF")
  C_RG=$(ratio "$(med bunryu-j1-files 4)" "$(med rg-j1-files 4)")
  C_YR=$(ratio "$(med bunryu-j1-files 4)" "$(med yara-p1-files 4)")
  SP_F=$(ratio "$J1F" "$J2F") SP_J=$(ratio "$J1J" "$J2J")
  SC_CLI=$(ratio "$J1J20" "$J1J")
  # What -j2 could reach on an idle machine at best: two CPUs, each doing
  # the work of -j1 plus the synchronisation overhead -j2 adds (CPU time).
  PR_F=$(paired bunryu-j1-files bunryu-j2-files)
  PR_J=$(paired bunryu-j1-jsonl bunryu-j2-jsonl)
  SP_L=$(ratio "$(med bunryu-j1-jsonl-long 3)" "$(med bunryu-j2-jsonl-long 3)")
  B_F=$(awk -v a="$(med bunryu-j1-files 4)" -v b="$(med bunryu-j2-files 4)" 'BEGIN { if (b + 0 > 0) printf "%.2f", 2 * a / b; else print "NA" }')
  B_J=$(awk -v a="$(med bunryu-j1-jsonl 4)" -v b="$(med bunryu-j2-jsonl 4)" 'BEGIN { if (b + 0 > 0) printf "%.2f", 2 * a / b; else print "NA" }')
  P99=$(val lat_p99_us) P99C=$(val latc_p99_us) SC_LIB=$(val scale_ratio)
  RSS_MB=$(awk -v m="$STREAM_RSS" 'BEGIN { if (m == "NA") print m; else printf "%.1f", m / 1024 }')
  echo "### Targets"
  echo
  echo "| target | measured | limit | |"
  echo "|---|---:|---:|---|"
  echo "| bunryu -j1 / rg -j1 (files) | $R_RG | <= 1.5 | $(verdict "$R_RG" '<=' 1.5) |"
  echo "| same, CPU time (user+sys) | $C_RG | <= 1.5 | $(verdict "$C_RG" '<=' 1.5) |"
  echo "| bunryu -j1 / yara -p 1 (files) | $R_YR | <= 0.2 | $(verdict "$R_YR" '<=' 0.2) |"
  echo "| same, CPU time (user+sys) | $C_YR | <= 0.2 | $(verdict "$C_YR" '<=' 0.2) |"
  echo "| -j2 speed-up (files) | $SP_F | >= 1.8 | $(verdict "$SP_F" '>=' 1.8) |"
  echo "| -j2 speed-up (JSONL) | $SP_J | >= 1.8 | $(verdict "$SP_J" '>=' 1.8) |"
  echo "| -j2 speed-up, median of the ratios within each round, files | $PR_F | >= 1.8 | paired: $(verdict "$PR_F" ">=" 1.8) |"
  echo "| same, JSONL | $PR_J | >= 1.8 | paired: $(verdict "$PR_J" ">=" 1.8) |"
  echo "| -j2 speed-up in steady state, $LONG_MB MB JSONL file (loading under 1%) | $SP_L | >= 1.8 | steady state: $(verdict "$SP_L" ">=" 1.8) |"
  echo "| -j2 speed-up bound on an idle machine, 2 x CPU(-j1)/CPU(-j2), files | $B_F | >= 1.8 | estimate: $(verdict "$B_F" ">=" 1.8) |"
  echo "| same, JSONL | $B_J | >= 1.8 | estimate: $(verdict "$B_J" ">=" 1.8) |"
  echo "| p99 latency, 6 KB article (µs) | $P99 | <= 50 | $(verdict "$P99" '<=' 50) |"
  echo "| same, thread CPU time (µs) | $P99C | <= 50 | $(verdict "$P99C" '<=' 50) |"
  echo "| scan time 20,000 / 2,000 companies (library) | $SC_LIB | <= 1.3 | $(verdict "$SC_LIB" '<=' 1.3) |"
  echo "| same, bunryu -j1 --jsonl (CLI, incl. load) | $SC_CLI | <= 1.3 | $(verdict "$SC_CLI" '<=' 1.3) |"
  echo "| peak RSS, $STREAM_MB MB JSONL stream, -j2 (MB) | $RSS_MB | <= 100 | $(verdict "$RSS_MB" '<=' 100) |"
  echo
  echo "### Latency, build cost, scaling (tests/bench/latency.c)"
  echo
  echo '```'
  grep -v '^=' "$B/latency.out"
  echo '```'
  echo
  if [ "$STREAM_S" != NA ]; then
    echo "Stream: $STREAM_MB MB of JSONL (articles.jsonl repeated with new ids) through a pipe into"
    echo "\`bunryu classify -j2 -\`: $STREAM_REC records in $STREAM_S s, peak RSS $RSS_MB MB."
    echo
  fi
  echo "Machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | sed -n 1p);" \
    "other processes kept $OTHER_CPUS of its $(nproc) CPUs busy during the timed rounds" \
    "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null))."
  echo "Tools: $([ $HAVE_RG = 1 ] && rg --version | sed -n 1p || echo 'rg absent');" \
    "$([ $HAVE_YARA = 1 ] && echo "yara $(yara --version)" || echo 'yara absent');" \
    "$("$BIN" --version 2>/dev/null | sed -n 1p || echo '?')."
  echo
  echo "Commands (as timed):"
  echo
  for ((i = 0; i < N; i++)); do echo "    ${CMDS[$i]}"; done
} >"$REPORT"
cat "$REPORT"
note "raw times: $B/times.tsv; this report: $REPORT"
