#!/bin/sh
# tests/rules/run.sh BUNRYU — golden tests of the rule language.
#
# Each cases/NAME.expected is a transcript, in the manner of PCRE2's
# RunTest: every line "$ bunryu ARGS" is run (from tests/rules, so that
# paths are short and stable), and its output (stdout and stderr together)
# and "[exit N]" must follow it exactly. Lines before the first "$ bunryu"
# are comments. With UPDATE=1 the transcripts are rewritten from what the
# binary prints (review the diff before keeping it).
#
# The last line is "rules: N passed, N failed"; the status is 1 when some
# case failed.
set -u
bin=${1:?usage: run.sh path/to/bunryu}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
here=$(cd "$(dirname "$0")" && pwd)
cd "$here" || exit 2
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
limit=""
command -v timeout >/dev/null 2>&1 && limit="timeout 60"

passed=0
failed=0
for exp in cases/*.expected; do
  name=$(basename "$exp" .expected)
  out="$tmp/$name.out"
  : > "$out"
  # Comment lines first, verbatim.
  sed -n '/^\$ bunryu /q;p' "$exp" >> "$out"
  grep '^\$ bunryu ' "$exp" | while IFS= read -r line; do
    printf '%s\n' "$line"
    args=${line#\$ bunryu }
    # Word splitting of ARGS is intended: transcripts use no quoting.
    # shellcheck disable=SC2086
    $limit "$bin" $args 2>&1 < /dev/null
    printf '[exit %d]\n' $?
  done >> "$out"
  if [ "${UPDATE:-0}" = 1 ]; then
    cp "$out" "$exp"
  fi
  if cmp -s "$exp" "$out"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name"
    diff -u "$exp" "$out" | sed -n '1,40p'
  fi
done
echo "rules: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
