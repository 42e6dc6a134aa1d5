#!/bin/sh
# The embedding test: install the library into a scratch prefix, compile
# examples/embed.c against the installed header and library alone (through
# pkg-config, shared and static), and check that it classifies a document
# with entity offsets into the input. Prints "embed: N passed, N failed".
BUILD=${1:-build}
CC=${CC:-cc}
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL embed: $1"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! make -s install BUILD="$BUILD" PREFIX="$tmp/prefix" >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log"
  bad "make install failed"
  echo "embed: $pass passed, $fail failed"
  exit 1
fi
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"

check_run() { # $1 = binary, $2 = description
  out=$(LD_LIBRARY_PATH="$tmp/prefix/lib" "$1" 2>&1)
  case "$out" in
    *'"label": "policy_law"'*) ok ;;
    *) bad "$2: no policy_law label in: $out" ;;
  esac
  # 오픈AI starts at byte 26 of the document (after "국회, AI 법안 처리\n\n");
  # ＯｐｅｎＡＩ is matched through NFKC + case folding, so the count is 2.
  case "$out" in
    *'"name": "OpenAI", "text": "오픈AI", "start": 26, "end": 34, "count": 2'*) ok ;;
    *) bad "$2: entity span or count wrong in: $out" ;;
  esac
}

# shellcheck disable=SC2046
if $CC $EMBED_FLAGS -o "$tmp/embed_shared" examples/embed.c $(pkg-config --cflags --libs bunryu) 2>"$tmp/cc.log"; then
  ok
  check_run "$tmp/embed_shared" "shared"
else
  cat "$tmp/cc.log"; bad "compiling against the shared library"
fi
# shellcheck disable=SC2046
if $CC $EMBED_FLAGS -o "$tmp/embed_static" examples/embed.c -I"$tmp/prefix/include" "$tmp/prefix/lib/libbunryu.a" $(pkg-config --static --libs lua5.4 libpcre2-8 libutf8proc) -lpthread -lm 2>"$tmp/cc.log"; then
  ok
  check_run "$tmp/embed_static" "static"
else
  cat "$tmp/cc.log"; bad "compiling against the static library"
fi
[ "$(pkg-config --modversion bunryu)" = "$(sed -n 's/^#define BUNRYU_VERSION_STRING "\(.*\)"/\1/p' include/bunryu.h)" ] && ok || bad "bunryu.pc version"
echo "embed: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
