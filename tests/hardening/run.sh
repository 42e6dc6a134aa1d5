#!/bin/sh
# tests/hardening/run.sh BUNRYU BUILD — the hardening suite:
#   limits          every limit of core/limits.h pushed past its value
#   batch-lossless  a folder and a stream full of bad inputs, at -j1 and -j2
#   longrun         one scanner for many documents, engine reloads, flat RSS
#   threads         scanners in 4 threads while engines are swapped under them
#   fuzz replays    the seed corpora and the crash reproducers of
#                   tests/fuzz/regressions through each fuzz target's code
# C programs are built here against BUILD/libbunryu.a with $CC and
# $EMBED_FLAGS (the Makefile's LDFLAGS: sanitizers under `make asan`).
# HARDENING_LONGRUN_DOCS / HARDENING_LONGRUN_RELOADS shrink the long run
# (default 1,000,000 documents and 3,000 reloads, about 25 s).
# Ends with "hardening: N passed, N failed".
BIN=${1:-build/bunryu}
BUILD=${2:-build}
CC=${CC:-cc}
cd "$(dirname "$0")/../.." || exit 2
pass=0
fail=0
out=$BUILD/hardening
mkdir -p "$out"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

CFLAGS_H="-std=c11 -O1 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
-Wmissing-prototypes -Wundef -Wformat=2 -Wvla -Wpointer-arith \
-D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DPCRE2_CODE_UNIT_WIDTH=8 \
-Iinclude -iquote core -iquote lua -iquote cli \
$(pkg-config --cflags lua5.4 libpcre2-8 libutf8proc)"
LIBS_H="$BUILD/libbunryu.a $(pkg-config --libs lua5.4 libpcre2-8 libutf8proc) -lpthread -lm"

sanitized=no
case "${EMBED_FLAGS:-}" in *-fsanitize*) sanitized=yes ;; esac

build() { # $1 = output name, rest = sources
  name=$1
  shift
  # shellcheck disable=SC2086
  if $CC $CFLAGS_H ${EMBED_FLAGS:-} -o "$out/$name" "$@" $LIBS_H >"$log" 2>&1; then
    return 0
  fi
  cat "$log"
  echo "FAIL hardening: cannot build $name"
  fail=$((fail + 1))
  return 1
}

# Runs a program that ends with "NAME: N passed, N failed" and adds it up.
suite() { # $1 = name, rest = command
  name=$1
  shift
  "$@" >"$log" 2>&1
  status=$?
  cat "$log"
  line=$(grep -E '^[a-z_-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  if [ -z "$line" ]; then
    echo "FAIL hardening: $name ended without a summary (exit status $status)"
    fail=$((fail + 1))
    return
  fi
  p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  pass=$((pass + p))
  fail=$((fail + f))
}

if build limits tests/hardening/limits.c; then
  suite limits "$out/limits"
fi

suite batch-lossless sh tests/hardening/batch_test.sh "$BIN"

if build longrun tests/hardening/longrun.c; then
  if [ "$sanitized" = yes ]; then
    # slower, and ASan's quarantine makes RSS grow: a short run, no bound
    BUNRYU_LONGRUN_NO_RSS=1 suite longrun "$out/longrun" tests/fuzz/all_features.lua 20000 100
  else
    suite longrun "$out/longrun" tests/fuzz/all_features.lua \
      ${HARDENING_LONGRUN_DOCS:-} ${HARDENING_LONGRUN_RELOADS:-}
  fi
fi

if build threads tests/hardening/threads.c; then
  suite threads "$out/threads" tests/fuzz/all_features.lua
fi

# The fuzz targets' code without libFuzzer: every seed and every crash
# reproducer must run clean (a failed invariant aborts).
for t in classify rules jsonl; do
  if build "replay_$t" "tests/fuzz/fuzz_$t.c" tests/fuzz/replay.c; then
    dirs=""
    for d in "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t"; do
      [ -d "$d" ] && dirs="$dirs $d"
    done
    # shellcheck disable=SC2086
    if "$out/replay_$t" $dirs >"$log" 2>&1; then
      pass=$((pass + 1))
      echo "fuzz replay $t: $(tail -n 1 "$log")"
    else
      cat "$log"
      echo "FAIL hardening: fuzz replay of $t"
      fail=$((fail + 1))
    fi
  fi
done

echo "hardening: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
