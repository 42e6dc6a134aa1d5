#!/bin/sh
# tests/hardening/batch_test.sh BUNRYU — the lossless batch: a folder that
# mixes good articles with every kind of bad file (a hook that fails, invalid
# UTF-8, binary, empty, NUL-filled, over --max-bytes, a dangling link, an
# unreadable file, a FIFO, a folder named *.txt, a hidden file), and a JSONL
# stream with bad lines (malformed, too long, invalid UTF-8, blank). At -j1
# and -j2: every good document has its record, every bad one an error record,
# nothing else (count and ids), in input order, the same bytes at any -j, and
# the summary agrees. Prints "batch-lossless: N passed, N failed".
BIN=${1:-build/bunryu}
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL batch-lossless: $1"; fail=$((fail + 1)); }
note() { echo "NOTE batch-lossless: $1"; }
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
in=$tmp/in
mkdir -p "$in" "$tmp/rules"

cat >"$tmp/rules/r.lua" <<'LUA'
category "policy" { keywords = { "국회", "법안", "규제" } }
category "company" { keywords = { "출시", "투자", "매출" } }
entity "company" { aliases = { Naver = { "네이버" } } }
function classify(doc, scores)
  if doc.title:find("#FAIL#", 1, true) then error("the title asks to fail") end
end
LUA

# Good articles (written for this test).
printf '국회, 인공지능 법안 심사\n\n국회 과학기술정보방송통신위원회가 인공지능 법안을 심사했다.\n규제 범위를 두고 의견이 갈렸다.\n' >"$in/01-policy.txt"
printf '네이버, 새 검색 모델 출시\n\n네이버가 새 검색 모델을 출시하고 데이터센터 투자를 늘린다고 밝혔다.\n' >"$in/02-company.txt"
printf 'Naver ships a model\n\nThe company said sales grew. No Korean here at all.\n' >"$in/03-latin.txt"
printf '\357\273\277국회 소식\r\n\r\n국회가 법안을 처리했다.\r\n' >"$in/14-bom-crlf.txt"
# NFD Hangul: 국회 법안 as conjoining jamo.
printf '\341\204\200\341\205\256\341\206\250\341\204\222\341\205\254 \341\204\207\341\205\241\341\206\270\341\204\213\341\205\241\341\206\253\n\n\341\204\207\341\205\241\341\206\270\341\204\213\341\205\241\341\206\253\n' >"$in/15-nfd.txt"
mkdir "$in/sub.txt"
printf '투자 유치 소식\n\n스타트업이 투자를 유치했다.\n' >"$in/sub.txt/13-nested.txt"
printf 'hidden\n' >"$in/.hidden.txt"

# Bad ones.
printf '#FAIL# 국회 소식\n\n법안\n' >"$in/04-hook-fails.txt"
printf '국회 \377\376 법안\n\n\300\257\355\240\200\n' >"$in/05-invalid-utf8.txt"
i=0
while [ $i -lt 64 ]; do printf '\211PNG\r\n\032\n\377\330\377\340'; i=$((i + 1)); done >"$in/06-binary.txt"
: >"$in/07-empty.txt"
head -c 4096 /dev/zero >"$in/08-nul.txt"
head -c 70000 /dev/zero | tr '\0' 'x' >"$in/09-huge.txt"
# Exactly --max-bytes (64K) is accepted whole; one byte more is the error.
{ printf '국회\n\n'; head -c $((65536 - 8)) /dev/zero | tr '\0' 'x'; } >"$in/16-exact.txt"
{ printf '국회\n\n'; head -c $((65536 - 7)) /dev/zero | tr '\0' 'x'; } >"$in/17-one-over.txt"
ln -s does-not-exist.txt "$in/10-dangling.txt"
printf '국회\n' >"$in/11-unreadable.txt"
chmod 000 "$in/11-unreadable.txt"
unreadable=yes
if cat "$in/11-unreadable.txt" >/dev/null 2>&1; then
  # root reads it anyway: make it unreadable another way (a link to a
  # file in a folder it cannot enter is still readable by root, so drop it)
  rm -f "$in/11-unreadable.txt"
  unreadable=no
  note "running as root: chmod 000 does not block reading; covered by the dangling link"
fi
fifo=no
if mkfifo "$in/12-fifo.txt" 2>/dev/null; then fifo=yes; fi

good="01-policy 02-company 03-latin 13-nested 14-bom-crlf 15-nfd 16-exact"
errs="04-hook-fails 05-invalid-utf8 06-binary 07-empty 08-nul 09-huge 10-dangling 17-one-over"
[ "$unreadable" = yes ] && errs="$errs 11-unreadable"

# The id of each record, in output order, one per line.
ids_of() { sed -n 's/^{"id": "\([^"]*\)".*/\1/p' "$1"; }
record() { grep "^{\"id\": \"$2\"" "$1"; }

check_run() { # $1 = jobs
  out=$tmp/out-j$1.jsonl
  timeout 60 "$BIN" classify -r "$tmp/rules" -j "$1" --no-timing \
    --no-progress --max-bytes 64K --summary-json "$tmp/sum-j$1.json" \
    "$in" >"$out" 2>"$tmp/err-j$1"
  rc=$?
  [ "$rc" -eq 124 ] && { bad "-j$1: the batch hung (killed after 60 s)"; return; }
  [ "$rc" -eq 1 ] && ok || bad "-j$1: exit status $rc, want 1 (some documents failed)"
  for id in $good; do
    r=$(record "$out" "$id")
    case $r in
      *'"error"'*) bad "-j$1: $id: an error record for a good document: $r" ;;
      *'"label": '*) ok ;;
      *) bad "-j$1: $id: no record" ;;
    esac
  done
  for id in $errs; do
    r=$(record "$out" "$id")
    case $r in
      *'"error": "'?*) ok ;;
      *) bad "-j$1: $id: no error record (got: $r)" ;;
    esac
  done
  case $(record "$out" 04-hook-fails) in
    *'r.lua:5: the title asks to fail'*) ok ;;
    *) bad "-j$1: the hook error lacks file:line" ;;
  esac
  case $(record "$out" 09-huge) in
    *'too large'*'65536'*) ok ;;
    *) bad "-j$1: the huge file's error does not name the limit" ;;
  esac
  case $(record "$out" 17-one-over) in
    *'too large: 65537 bytes (limit 65536)'*) ok ;;
    *) bad "-j$1: one byte over --max-bytes is not the limit error" ;;
  esac
  case $(record "$out" 05-invalid-utf8) in
    *'invalid UTF-8'*) ok ;;
    *) bad "-j$1: invalid UTF-8 not said" ;;
  esac
  if [ "$fifo" = yes ]; then
    r=$(record "$out" 12-fifo)
    case $r in
      *'"error": "skipped: not a regular file"'*) ok ;;
      '') bad "-j$1: the FIFO 12-fifo.txt got no record" ;;
      *) bad "-j$1: the FIFO got another record: $r" ;;
    esac
  fi
  # Nothing else: exactly the expected ids, once each, in input order.
  want=$(for id in $good $errs; do echo "$id"; done | LC_ALL=C sort)
  got=$(ids_of "$out" | grep -v '^12-fifo$' | LC_ALL=C sort)
  [ "$got" = "$want" ] && ok || bad "-j$1: records are not exactly the inputs: got [$(echo $got)] want [$(echo $want)]"
  [ "$(ids_of "$out" | sort | uniq -d)" = "" ] && ok || bad "-j$1: an id appears twice"
  [ "$(wc -l <"$out")" -eq "$(ids_of "$out" | wc -l)" ] && ok || bad "-j$1: a line that is not a record"
  paths=$(sed -n 's/.*"path": "\([^"]*\)".*/\1/p' "$out")
  [ "$paths" = "$(echo "$paths" | LC_ALL=C sort)" ] && ok || bad "-j$1: records not in input order"
  docs=$(sed -n 's/.*"documents": \([0-9]*\).*/\1/p' "$tmp/sum-j$1.json")
  [ "$docs" = "$(wc -l <"$out" | tr -d ' ')" ] && ok || bad "-j$1: summary says $docs documents, output has $(wc -l <"$out")"
}

check_run 1
check_run 2
cmp -s "$tmp/out-j1.jsonl" "$tmp/out-j2.jsonl" && ok || bad "-j1 and -j2 outputs differ"

# The same through a JSONL stream: every non-blank line gives one record.
long=$(head -c 70000 /dev/zero | tr '\0' 'x')
{
  printf '{"id":"s1","title":"국회 소식","text":"국회가 법안을 처리했다."}\n'
  printf '{"id":"s2","title":"#FAIL# 소식","text":"출시"}\n'
  printf '{"id":"s3","title":"x",}\n'
  printf '\n   \n'
  printf '{"id":"s5","text":"%s"}\n' "$long"
  printf '{"id":"s6","text":"\377\376 국회"}\n'
  printf '{"id":"s7","text":"a\\u0000b 출시"}\n'
  printf '{"id":"s8","text":"lone surrogate \\ud800 국회"}\n'
  printf 'not json at all\n'
  printf '{"id":"s9","title":"네이버 투자","text":"네이버가 투자했다."}'
} >"$tmp/stream.jsonl"
for j in 1 2; do
  out=$tmp/stream-j$j.jsonl
  timeout 60 "$BIN" classify -r "$tmp/rules" -j $j --no-timing --no-progress \
    --max-bytes 64K - <"$tmp/stream.jsonl" >"$out" 2>/dev/null
  rc=$?
  [ "$rc" -eq 1 ] && ok || bad "stream -j$j: exit status $rc, want 1"
  [ "$(wc -l <"$out" | tr -d ' ')" -eq 9 ] && ok || bad "stream -j$j: $(wc -l <"$out") records for 9 non-blank lines"
  for id in s1 s7 s9; do
    case $(record "$out" $id) in
      *'"error"'*|'') bad "stream -j$j: $id: no good record" ;;
      *) ok ;;
    esac
  done
  for id in s2 s3 s6 s8; do
    case $(record "$out" $id) in
      *'"error"'*) ok ;;
      *) bad "stream -j$j: $id: no error record" ;;
    esac
  done
  grep -q '"error": "line too long: [0-9]* bytes (limit 65536)", "line": 6' "$out" && ok || bad "stream -j$j: the long line's error does not name the limit: $(sed -n 4p "$out" | cut -c1-160)"
  grep -q '"error": "malformed JSON at column 1: [^"]*", "line": 10' "$out" && ok || bad "stream -j$j: the non-JSON line has no error record"
done
cmp -s "$tmp/stream-j1.jsonl" "$tmp/stream-j2.jsonl" && ok || bad "stream: -j1 and -j2 outputs differ"

echo "batch-lossless: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
