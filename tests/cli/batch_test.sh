#!/usr/bin/env bash
[ -z "${BASH_VERSION:-}" ] && exec bash "$0" "$@"
# batch_test.sh — tests of `bunryu classify` (batch classification).
#
#   bash tests/cli/batch_test.sh build/bunryu   (sh works too: it re-runs
#                                               itself with bash)
#
# Uses its own tiny rule file (tests/cli/rules/mini.lua) and articles written
# here, in a temporary folder. Needs bash and python3 (for JSON checks and
# stream generation). Ends with "batch: N passed, N failed"; exits non-zero
# when a test failed.

set -u
BIN=${1:?usage: batch_test.sh path/to/bunryu}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
RULES=$HERE/rules/mini.lua
T=$(mktemp -d "${TMPDIR:-/tmp}/bunryu-batch.XXXXXX")
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "ok   $1"; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $1"; [ $# -gt 1 ] && printf '     %s\n' "$2"; }
skip() { echo "skip $1 ($2)"; }
# check NAME COMMAND... — passes when the command succeeds
check() {
  local name=$1
  shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}

classify() { "$BIN" classify -r "$RULES" --no-timing --no-progress "$@"; }

# json_field FILE ID FIELD — the field of the record with that id, as JSON
json_field() {
  python3 - "$@" <<'EOF'
import json, sys
path, ident, field = sys.argv[1:4]
for line in open(path, encoding="utf-8"):
    rec = json.loads(line)
    if rec.get("id") == ident:
        print(json.dumps(rec.get(field), ensure_ascii=False))
        break
else:
    print("<no record>")
EOF
}

# Every line of FILE is one whole JSON object.
all_json() {
  python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    assert line.endswith("\n"), "line %d not complete" % n
    assert isinstance(json.loads(line), dict), "line %d" % n
' "$1"
}

# ----------------------------------------------------------------------
# Articles (written for these tests)
# ----------------------------------------------------------------------
A=$T/articles
mkdir -p "$A/sub/deeper" "$A/.hidden" "$A/drafts"
cat > "$A/assembly.txt" <<'EOF'
국회, 플랫폼 규제 법안 본회의 통과

국회는 14일 본회의를 열고 온라인 플랫폼 사업자의 책임을 강화하는 규제 법안을 의결했다.
정부는 석 달 안에 시행령을 마련해 세부 기준을 정할 계획이다.
EOF
cat > "$A/chip.txt" <<'EOF'
한빛전자, 저전력 인공지능 반도체 공개

한빛전자 연구진은 전력 소모를 절반으로 줄인 인공지능 반도체를 선보였다.
연구진은 새 모델을 돌려도 발열이 크지 않다고 설명했다. 누리소프트가 함께 시험했다.
EOF
cat > "$A/weather.txt" <<'EOF'
주말 전국에 비 소식

토요일 오후부터 전국 곳곳에 비가 내리겠다. 일요일 아침 기온은 평년보다 낮겠다.
EOF
cat > "$A/sub/decree.md" <<'EOF'
개정 시행령 다음 달 시행

새 시행령은 다음 달부터 시행된다. 국회 상임위원회는 관련 법안 심사를 이어 간다.
EOF
cat > "$A/sub/deeper/lab.txt" <<'EOF'
대학 연구진, 반도체 설계 도구 공개
연구진은 인공지능으로 반도체 회로를 설계하는 도구를 내놓았다.
EOF
printf '국회 법안 규제\n숨은 파일이다.\n' > "$A/.hidden/secret.txt"
printf '국회 법안\n' > "$A/.dotfile.txt"
printf '국회 법안 초안\n초안 법안\n' > "$A/drafts/draft.txt"

# ----------------------------------------------------------------------
echo "# folders"
classify "$A" > "$T/out.jsonl" 2> "$T/err"
rc=$?
check "folder: exit 0 when all classified" [ "$rc" = 0 ]
check "folder: every line is JSON" all_json "$T/out.jsonl"
ids=$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["id"] for l in open(sys.argv[1])))' "$T/out.jsonl")
check "folder: sorted order, recursive, hidden skipped" \
  [ "$ids" = "assembly chip draft decree lab weather" ]
check "folder: label policy" [ "$(json_field "$T/out.jsonl" assembly label)" = '"policy"' ]
check "folder: label tech" [ "$(json_field "$T/out.jsonl" chip label)" = '"tech"' ]
check "folder: no label is null" [ "$(json_field "$T/out.jsonl" weather label)" = 'null' ]
check "folder: path field" [ "$(json_field "$T/out.jsonl" lab path)" = "\"$A/sub/deeper/lab.txt\"" ]
check "folder: entities" \
  sh -c "grep '\"id\": \"chip\"' '$T/out.jsonl' | grep -q '\"name\": \"누리소프트\"'"
check "folder: no elapsed_us with --no-timing" sh -c "! grep -q elapsed_us '$T/out.jsonl'"
classify -q "$A/chip.txt" "$A/assembly.txt" > "$T/two.jsonl"
check "files: in argument order" \
  sh -c "head -1 '$T/two.jsonl' | grep -q '\"id\": \"chip\"'"
"$BIN" classify -r "$RULES" --no-progress -q "$A/chip.txt" > "$T/timed.jsonl"
check "timing: elapsed_us by default" grep -q '"elapsed_us": ' "$T/timed.jsonl"

# Files are opened relative to the folder of the file before when it is the
# same one: files of one name in two folders, taken in turns, and a bare
# file name must each still be the file the path names.
S=$T/same
mkdir -p "$S/a" "$S/b"
cp "$A/assembly.txt" "$S/a/x.txt"
cp "$A/chip.txt" "$S/b/x.txt"
cp "$A/weather.txt" "$S/a/y.txt"
classify -q "$S/a/x.txt" "$S/b/x.txt" "$S/a/y.txt" "$S/b/x.txt" > "$T/same.jsonl"
labels=$(python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["label"]) for l in open(sys.argv[1])))' "$T/same.jsonl")
check "files: same name in two folders, in turns" \
  [ "$labels" = "policy tech None tech" ]
(cd "$S/b" && "$BIN" classify -r "$RULES" --no-timing --no-progress -q x.txt ../a/x.txt) > "$T/bare.jsonl"
labels=$(python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["label"]) for l in open(sys.argv[1])))' "$T/bare.jsonl")
check "files: a bare file name, then one in another folder" \
  [ "$labels" = "tech policy" ]

# ----------------------------------------------------------------------
echo "# globs"
classify -q --include '*.md' "$A" > "$T/g1"
check "glob: --include *.md" [ "$(grep -c . "$T/g1")" = 1 ] 
check "glob: --include picks decree" grep -q '"id": "decree"' "$T/g1"
classify -q --exclude drafts --exclude 'sub/deeper/*' "$A" > "$T/g2"
check "glob: --exclude folder and relative path" \
  [ "$(grep -o '"id": "[a-z]*"' "$T/g2" | tr '\n' ' ')" = '"id": "assembly" "id": "chip" "id": "decree" "id": "weather" ' ]
classify -q --include 'sub/*' --exclude '*.md' "$A" > "$T/g3"
check "glob: include and exclude together" \
  [ "$(grep -o '"id": "[a-z]*"' "$T/g3" | tr '\n' ' ')" = '"id": "lab" ' ]
classify -q --summary-json "$T/g.json" --exclude drafts "$A" > /dev/null
check "summary: hidden and excluded counted" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["hidden"] == 2 and s["excluded"] == 1, s
assert s["documents"] == 5 and s["labels"]["policy"] == 2 and s["labels"]["tech"] == 2, s
assert s["no_label"] == 1 and s["errors"] == 0 and s["skipped"] == 0, s
' "$T/g.json"

# ----------------------------------------------------------------------
echo "# error records"
E=$T/errors
mkdir -p "$E"
cp "$A/assembly.txt" "$E/good.txt"
: > "$E/empty.txt"
printf ' \n\t\n' > "$E/blank.txt"
printf 'PNG\0\0\0binary' > "$E/image.png"
head -c 1500 /dev/urandom | tr -d '\000' | tr '\040-\176' '\001-\037\001-\037\001-\037\001-\037' > "$E/noise.bin"
printf '국회 법안 \xff\xfe 통과\n본문 규제\n' > "$E/latin1.txt"
printf 'HOOKFAIL 국회\n법안 규제 법안\n' > "$E/hook.txt"
python3 -c 'print("국회 법안 " * 400)' > "$E/huge.txt"
classify --max-bytes 2K "$E" "$T/missing.txt" > "$T/e.jsonl" 2> "$T/e.err"
rc=$?
check "errors: exit 1" [ "$rc" = 1 ]
check "errors: every line is JSON" all_json "$T/e.jsonl"
check "errors: good document still classified" \
  [ "$(json_field "$T/e.jsonl" good label)" = '"policy"' ]
err() { json_field "$T/e.jsonl" "$1" error; }
check "errors: empty file" [ "$(err empty)" = '"empty file"' ]
check "errors: whitespace-only file" [ "$(err blank)" = '"empty file"' ]
case $(err image) in '"skipped: binary file (NUL byte at offset 3)"') ok "errors: binary (NUL)" ;; *) bad "errors: binary (NUL)" "$(err image)" ;; esac
case $(err noise) in '"skipped: binary file ('*'control bytes)"') ok "errors: binary (control bytes)" ;; *) bad "errors: binary (control bytes)" "$(err noise)" ;; esac
case $(err latin1) in *UTF-8*) ok "errors: invalid UTF-8" ;; *) bad "errors: invalid UTF-8" "$(err latin1)" ;; esac
case $(err huge) in *'too large'*'limit 2048'*) ok "errors: oversized (--max-bytes)" ;; *) bad "errors: oversized" "$(err huge)" ;; esac

# Files met in a folder walk are read without a stat, into the buffer the
# last one left (64 KiB at first): sizes around that buffer and past it must
# still be read whole, up to the company named in their last line.
W=$T/whole
mkdir -p "$W"
for size in 65535 65536 65537 200000; do
  python3 - "$W/s$size.txt" "$size" <<'EOF'
import sys
path, size = sys.argv[1], int(sys.argv[2])
tail = "\n끝으로 한빛전자".encode()
head = "제목\n".encode()
open(path, "wb").write(head + b"x" * (size - len(head) - len(tail)) + tail)
EOF
done
classify -q --summary-json "$W.json" "$W" > "$W.jsonl"
for size in 65535 65536 65537 200000; do
  case $(json_field "$W.jsonl" "s$size" entities) in
    *'"name": "한빛전자"'*) ok "walk read: $size bytes read to the end" ;;
    *) bad "walk read: $size bytes read to the end" "$(json_field "$W.jsonl" "s$size" entities)" ;;
  esac
done
check "walk read: bytes counted" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["bytes"] == 65535 + 65536 + 65537 + 200000, s
' "$W.json"
case $(err hook) in *'hook failed on purpose'*) ok "errors: hook error" ;; *) bad "errors: hook error" "$(err hook)" ;; esac
case $(err missing) in *'No such file'*) ok "errors: missing file" ;; *) bad "errors: missing file" "$(err missing)" ;; esac
check "errors: error records carry path" \
  [ "$(json_field "$T/e.jsonl" empty path)" = "\"$E/empty.txt\"" ]
classify -q --replace-invalid "$E/latin1.txt" > "$T/r.jsonl"
check "errors: --replace-invalid classifies" \
  [ "$(json_field "$T/r.jsonl" latin1 label)" = '"policy"' ]
classify -q --summary-json "$T/es.json" --max-bytes 2K "$E" > /dev/null
check "summary: errors and skipped" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["errors"] == 5 and s["skipped"] == 2 and s["classified"] == 1, s
' "$T/es.json"
classify -q "$E/image.png" "$E/good.txt" > /dev/null
check "errors: a skipped binary alone does not fail the batch" [ $? = 0 ]

# The control-byte share is counted exactly, whatever the byte's place in a
# 32-byte pair of blocks: 1,003 bytes of letters with 151 counted control bytes
# (0x01 0x08 0x0e 0x1f 0x7f) at every 7th place and tab/LF/VT/FF/CR/ESC,
# which do not count, make 15%; 100 counted ones are 9.97%: not binary.
# 9,000 control bytes: all 8,192 sniffed bytes count (no counter wraps).
python3 - "$T/ctl" <<'PY'
import sys
counted, fine = b"\x01\x08\x0e\x1f\x7f", b"\t\n\x0b\x0c\r\x1b"
def doc(n_bad, name):
    body = bytearray(b"a" * 1003)
    for i in range(n_bad):
        body[i * 7 % 1003] = counted[i % 5]
    for i in range(60):
        body[(i * 7 + 3) % 1003] = fine[i % 6]
    open(sys.argv[1] + name, "wb").write(bytes(body))
doc(151, "-15.txt")
doc(100, "-9.txt")
open(sys.argv[1] + "-all.txt", "wb").write(b"\x01" * 9000)
PY
classify -q "$T/ctl-15.txt" "$T/ctl-9.txt" "$T/ctl-all.txt" > "$T/ctl.jsonl"
check "errors: binary share of a whole 8 KiB sniff (100%)" \
  [ "$(json_field "$T/ctl.jsonl" ctl-all error)" = '"skipped: binary file (100% control bytes)"' ]
check "errors: binary share counted exactly (15%)" \
  [ "$(json_field "$T/ctl.jsonl" ctl-15 error)" = '"skipped: binary file (15% control bytes)"' ]
case $(json_field "$T/ctl.jsonl" ctl-9 error) in *binary*) bad "errors: 9% control bytes is text" "binary" ;; *) ok "errors: 9% control bytes is text" ;; esac

# unreadable: chmod 000 does not stop root. As root, run those cases as
# "nobody" through setpriv when it is there; else skip them and say so.
AS_USER=
if [ "$(id -u)" = 0 ]; then
  if command -v setpriv > /dev/null && getent passwd nobody > /dev/null &&
     setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    AS_USER="setpriv --reuid=65534 --regid=65534 --clear-groups"
    chmod 755 "$T" "$E"
    chmod 644 "$E"/* 2>/dev/null
  fi
fi
cp "$A/chip.txt" "$E/locked.txt"
chmod 000 "$E/locked.txt"
mkdir -p "$E/closed"
cp "$A/chip.txt" "$E/closed/inside.txt"
chmod 000 "$E/closed"
if [ "$(id -u)" = 0 ] && [ -z "$AS_USER" ]; then
  skip "errors: unreadable file" "running as root without setpriv: chmod 000 does not block reads"
  skip "errors: unreadable folder" "running as root without setpriv"
else
  $AS_USER "$BIN" classify -r "$RULES" --no-timing --no-progress -q \
    "$E/locked.txt" "$E/closed" "$E/good.txt" > "$T/u.jsonl"
  rc=$?
  case $(json_field "$T/u.jsonl" locked error) in
    '"cannot open: Permission denied"') check "errors: unreadable file${AS_USER:+ (as nobody)}" [ "$rc" = 1 ] ;;
    *) bad "errors: unreadable file" "$(cat "$T/u.jsonl")" ;;
  esac
  case $(json_field "$T/u.jsonl" closed error) in
    '"cannot read folder: Permission denied"') ok "errors: unreadable folder${AS_USER:+ (as nobody)}" ;;
    *) bad "errors: unreadable folder" "$(cat "$T/u.jsonl")" ;;
  esac
  check "errors: the batch goes on after them" \
    [ "$(json_field "$T/u.jsonl" good label)" = '"policy"' ]
fi
chmod 755 "$E/closed"
chmod 644 "$E/locked.txt"
# a file that opens but fails to read (EIO), whoever runs the tests
if [ -r /proc/self/mem ]; then
  classify -q /proc/self/mem > "$T/io.jsonl"
  rc=$?
  case $(json_field "$T/io.jsonl" mem error) in
    '"cannot read: '*) check "errors: read error (/proc/self/mem)" [ "$rc" = 1 ] ;;
    *) bad "errors: read error" "$(cat "$T/io.jsonl")" ;;
  esac
fi

# ----------------------------------------------------------------------
echo "# JSONL"
cat > "$T/in.jsonl" <<'EOF'
{"id": "n1", "title": "국회, 규제 법안 의결", "text": "국회는 규제 법안을 통과시켰다.", "source": "연합", "tags": ["정책", {"depth": [1, -2.5e3, true, null]}], "score": 0.5}
{"id": 42, "title": "\ud55c\ube5b\uc804\uc790 반도체", "text": "연구진이 인공지능 반도체를 \"공개\"했다 \ud83d\ude00\n둘째 줄"}

  {"text": "국회 국회 법안", "title": null}
{"id": "trailing", "title": "x", "text": "y",}
{"id": "badtype", "title": 5}
이것은 JSON이 아니다
{"id": "lone", "title": "국회 법안", "text": "\ud800 규제"}
{"id": "emptydoc", "title": "", "text": ""}
{"id": "hooked", "title": "HOOKFAIL", "text": "국회 법안"}
{"id": "dup", "id": "again", "text": "국회"}
{"id": "ctrl", "text": "탭	문자"}
{"id": "after", "text": "국회 법안"} x
EOF
classify - < "$T/in.jsonl" > "$T/j.jsonl" 2> "$T/j.err"
rc=$?
check "jsonl: exit 1 with bad lines" [ "$rc" = 1 ]
check "jsonl: every line is JSON" all_json "$T/j.jsonl"
check "jsonl: one record per non-blank line" [ "$(grep -c . "$T/j.jsonl")" = 12 ]
check "jsonl: meta passed through unchanged" python3 -c '
import json, sys
src = json.loads(open(sys.argv[1], encoding="utf-8").readline())
out = json.loads(open(sys.argv[2], encoding="utf-8").readline())
want = {k: v for k, v in src.items() if k not in ("id", "title", "text")}
assert out["meta"] == want, (out.get("meta"), want)
assert out["label"] == "policy" and "path" not in out, out
' "$T/in.jsonl" "$T/j.jsonl"
check "jsonl: numeric id, \\u escapes and surrogate pairs decoded" python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
r = recs[1]
assert r["id"] == "42" and r["label"] == "tech", r
assert r["entities"][0]["name"] == "한빛전자" and "meta" not in r, r
' "$T/j.jsonl"
check "jsonl: missing id is stdin:LINE" [ "$(sed -n 3p "$T/j.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" = "stdin:4" ]
jerr() { sed -n "$1p" "$T/j.jsonl" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r.get("id"), r.get("line"), r.get("error"))'; }
case $(jerr 4) in 'trailing 5 malformed JSON at column'*) ok "jsonl: trailing comma" ;; *) bad "jsonl: trailing comma" "$(jerr 4)" ;; esac
case $(jerr 5) in 'badtype 6 '*'"title" must be a string') ok "jsonl: wrong type" ;; *) bad "jsonl: wrong type" "$(jerr 5)" ;; esac
case $(jerr 6) in 'stdin:7 7 malformed JSON'*) ok "jsonl: not JSON, line number" ;; *) bad "jsonl: not JSON" "$(jerr 6)" ;; esac
case $(jerr 7) in 'lone 8 '*UTF-8*) ok "jsonl: lone surrogate follows the UTF-8 policy" ;; *) bad "jsonl: lone surrogate" "$(jerr 7)" ;; esac
case $(jerr 8) in 'emptydoc 9 empty document') ok "jsonl: empty document" ;; *) bad "jsonl: empty document" "$(jerr 8)" ;; esac
case $(jerr 9) in 'hooked 10 '*'hook failed on purpose') ok "jsonl: hook error" ;; *) bad "jsonl: hook error" "$(jerr 9)" ;; esac
case $(jerr 10) in 'dup 11 '*'duplicate "id"') ok "jsonl: duplicate key" ;; *) bad "jsonl: duplicate key" "$(jerr 10)" ;; esac
case $(jerr 11) in 'ctrl 12 '*'control character'*) ok "jsonl: raw control character" ;; *) bad "jsonl: raw control character" "$(jerr 11)" ;; esac
case $(jerr 12) in 'after 13 '*'text after the object') ok "jsonl: text after the object" ;; *) bad "jsonl: text after the object" "$(jerr 12)" ;; esac
classify -q --jsonl "$T/in.jsonl" > "$T/jf.jsonl"
check "jsonl: --jsonl FILE names ids after the file" \
  [ "$(sed -n 3p "$T/jf.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" = "in:4" ]
python3 -c 'print("{\"id\": \"long\", \"text\": \"" + "국회 " * 500 + "\"}"); print("{\"id\": \"short\", \"text\": \"국회 법안\"}")' > "$T/long.jsonl"
classify -q --max-bytes 1K --jsonl "$T/long.jsonl" > "$T/l.jsonl"
case $(sed -n 1p "$T/l.jsonl") in *'"line": 1'*'line too long'*|*'line too long'*'"line": 1'*) ok "jsonl: line over the limit skipped and reported" ;; *) bad "jsonl: line over the limit" "$(head -c 200 "$T/l.jsonl")" ;; esac
check "jsonl: the batch goes on after a long line" grep -q '"id": "short", "label": "policy"' "$T/l.jsonl"
# The text is scanned 16 bytes at a time for the byte that ends a plain run:
# an escape or a raw control character at every offset of a block must be
# found where it is. An entity after the escape has its offset in the
# decoded text; the error for a raw control character names its column.
python3 - "$T/blocks.jsonl" <<'EOF'
import json, sys
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for k in range(40):
        for esc in ('\\"', "\\\\", "\\n", "\\u0041"):
            pad = "가" * (k % 3) + "a" * k
            f.write('{"id": "e%d-%d", "text": "%s%sx 한빛전자"}\n' % (k, len(esc), pad, esc))
        f.write('{"id": "c%d", "text": "%s\x01 한빛전자"}\n' % (k, "a" * k))
EOF
classify -q --jsonl "$T/blocks.jsonl" > "$T/blocks.out"
check "jsonl: escapes and control characters found at every block offset" python3 -c '
import json, sys
bad = []
for line, rec in zip(open(sys.argv[1], encoding="utf-8"), open(sys.argv[2], encoding="utf-8")):
    src, out = json.loads(line.replace("\x01", "\\u0001")), json.loads(rec)
    if src["id"].startswith("c"):
        col = line.index("\x01") + 1
        if out.get("error") != "malformed JSON at column %d: control character in a string" % col:
            bad.append((src["id"], out.get("error")))
        continue
    start = len(src["text"].encode()) - len(" 한빛전자".encode()) + 1
    ents = out.get("entities") or [{}]
    if (ents[0].get("name"), ents[0].get("start")) != ("한빛전자", start):
        bad.append((src["id"], ents, start))
assert not bad, bad[:3]
' "$T/blocks.jsonl" "$T/blocks.out"
printf '{"id": "crlf", "text": "국회 법안"}\r\n{"id": "nonl", "text": "국회 법안"}' | classify -q - > "$T/crlf.jsonl"
check "jsonl: CRLF and a last line without newline" \
  [ "$(grep -c '"label": "policy"' "$T/crlf.jsonl")" = 2 ]

# ----------------------------------------------------------------------
echo "# order and threads"
O=$T/many
mkdir -p "$O/x" "$O/y"
for i in $(seq 1 60); do
  case $((i % 4)) in
    0) printf '국회 법안 %d\n규제 법안이 %d번째로 논의됐다.\n' "$i" "$i" ;;
    1) printf '반도체 %d\n연구진이 인공지능 반도체를 %d개 만들었다. 한빛 공장이다.\n' "$i" "$i" ;;
    2) printf '날씨 %d\n맑음\n' "$i" ;;
    3) printf '' ;;
  esac > "$O/$([ $((i % 3)) = 0 ] && echo x/)doc$(printf %03d "$i").txt"
done
printf 'bin\0ary' > "$O/y/blob.dat"
classify -q -j1 "$O" > "$T/j1.jsonl"
classify -q -j4 "$O" > "$T/j4.jsonl"
check "threads: -j1 and -j4 give identical output (folder)" cmp -s "$T/j1.jsonl" "$T/j4.jsonl"
check "threads: all 61 records" [ "$(grep -c . "$T/j4.jsonl")" = 61 ]
python3 - > "$T/mixed.jsonl" <<'EOF'
import json
for i in range(3000):
    if i % 97 == 0:
        print('{"id": "broken%d", "text": ' % i)
    elif i % 2:
        print(json.dumps({"id": i, "title": "국회 법안 %d" % i, "text": "규제 " * (i % 50), "n": i}, ensure_ascii=False))
    else:
        print(json.dumps({"id": "t%d" % i, "title": "연구진", "text": "인공지능 반도체 " * (i % 30)}, ensure_ascii=False))
EOF
classify -q -j1 - < "$T/mixed.jsonl" > "$T/m1.jsonl"
classify -q -j4 - < "$T/mixed.jsonl" > "$T/m4.jsonl"
check "threads: -j1 and -j4 give identical output (stream)" cmp -s "$T/m1.jsonl" "$T/m4.jsonl"
check "threads: stream records in input order" python3 -c '
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1], encoding="utf-8")]
want = ["broken%d" % i if i % 97 == 0 else str(i) if i % 2 else "t%d" % i for i in range(3000)]
assert ids == want
' "$T/m4.jsonl"
classify -q -j3 -f tsv "$O" > "$T/t3.tsv"
classify -q -j1 -f tsv "$O" > "$T/t1.tsv"
check "threads: tsv identical for -j1 and -j3" cmp -s "$T/t1.tsv" "$T/t3.tsv"

# ----------------------------------------------------------------------
echo "# formats and options"
classify -q -f tsv "$A/chip.txt" "$E/empty.txt" > "$T/f.tsv"
check "tsv: header" [ "$(head -1 "$T/f.tsv")" = "$(printf 'id\tlabel\tscore\tentities\terror')" ]
check "tsv: row" [ "$(sed -n 2p "$T/f.tsv" | cut -f1,2,4)" = "$(printf 'chip\ttech\tcompany:한빛전자;company:누리소프트')" ]
check "tsv: error row" [ "$(sed -n 3p "$T/f.tsv")" = "$(printf 'empty\t\t\t\tempty file')" ]
classify -q -f table "$A/chip.txt" "$A/weather.txt" > "$T/f.table"
check "table: header and rows" sh -c "head -1 '$T/f.table' | grep -q '^ID  *LABEL  *SCORE  *ENTITIES' && grep -q '^weather  *-  *-' '$T/f.table' && [ \$(wc -l < '$T/f.table') = 3 ]"
classify -q --explain "$A/assembly.txt" > "$T/x.jsonl"
check "--explain: evidence in records" python3 -c '
import json, sys
r = json.loads(open(sys.argv[1], encoding="utf-8").readline())
assert any(h["term"] == "법안" and h["category"] == "policy" for h in r["evidence"]), r
' "$T/x.jsonl"
classify -q -o "$T/o.jsonl" "$A/chip.txt" > "$T/stdout"
check "-o FILE: records in the file, none on stdout" sh -c "[ ! -s '$T/stdout' ] && grep -q '\"id\": \"chip\"' '$T/o.jsonl'"
classify "$A" > /dev/null 2> "$T/summary.txt"
check "summary: on stderr" sh -c "grep -q '^bunryu: 6 documents in' '$T/summary.txt' && grep -q '^  policy  *3$' '$T/summary.txt' && grep -q '^  (no label)  *1$' '$T/summary.txt'"
classify -q "$A" > /dev/null 2> "$T/quiet.txt"
check "--quiet: nothing on stderr" [ ! -s "$T/quiet.txt" ]
classify -q --progress "$A" > /dev/null 2> "$T/prog.txt"
check "--progress: a bar even when stderr is not a terminal" grep -q '6/6 docs' "$T/prog.txt"
check "progress: none by default when stderr is not a terminal" [ "$(grep -c docs "$T/summary.txt")" = 0 ]

# ----------------------------------------------------------------------
echo "# exit statuses"
classify -q "$A/chip.txt" > /dev/null; check "exit 0: all classified" [ $? = 0 ]
classify -q "$E/empty.txt" > /dev/null; check "exit 1: a document failed" [ $? = 1 ]
classify -q > /dev/null 2>&1; check "exit 2: no inputs" [ $? = 2 ]
classify -q --frobnicate "$A" > /dev/null 2>&1; check "exit 2: unknown option" [ $? = 2 ]
classify -q -f xml "$A" > /dev/null 2>&1; check "exit 2: unknown format" [ $? = 2 ]
classify -q -j 0 "$A" > /dev/null 2>&1; check "exit 2: bad -j" [ $? = 2 ]
classify -q --max-bytes 12Q "$A" > /dev/null 2>&1; check "exit 2: bad --max-bytes" [ $? = 2 ]
classify -q - - < /dev/null > /dev/null 2>&1; check "exit 2: stdin twice" [ $? = 2 ]
printf 'category "broken" {\n  keywords = { "법안" \n' > "$T/broken.lua"
"$BIN" classify -r "$T/broken.lua" "$A" > /dev/null 2> "$T/broken.err"
rc=$?
check "exit 2: rule error, with file:line" sh -c "[ $rc = 2 ] && grep -q 'broken.lua:[0-9]' '$T/broken.err'"
"$BIN" classify --help > "$T/help" 2>&1; check "--help: exit 0" sh -c "[ $? = 0 ] && grep -q -- '--max-bytes' '$T/help'"

# ----------------------------------------------------------------------
echo "# pipes and signals"
python3 -c '
import sys
for i in range(100000):
    sys.stdout.write("{\"id\": \"p%d\", \"title\": \"국회 법안\", \"text\": \"규제 법안 시행령\"}\n" % i)
' > "$T/pipe.jsonl"
classify - < "$T/pipe.jsonl" 2> "$T/pipe.err" | head -1 > "$T/head.out"
rc=${PIPESTATUS[0]}
check "| head -1: exit 0" [ "$rc" = 0 ]
check "| head -1: first record" grep -q '^{"id": "p0", "label": "policy"' "$T/head.out"
check "| head -1: quiet on stderr" [ ! -s "$T/pipe.err" ]

# Ctrl-C while a slow stream is being fed: exit 130, whole lines only
mkfifo "$T/fifo"
# (the binary itself, not the shell function: $! must be its pid)
"$BIN" classify -r "$RULES" --no-timing --no-progress - < "$T/fifo" \
  > "$T/int.jsonl" 2> "$T/int.err" &
pid=$!
python3 -c '
import sys, time
for i in range(400):
    sys.stdout.write("{\"id\": \"s%d\", \"title\": \"국회\", \"text\": \"법안 규제\"}\n" % i)
sys.stdout.flush()
time.sleep(30)
' > "$T/fifo" &
feeder=$!
sleep 1.5
kill -INT "$pid"
wait "$pid"
rc=$?
kill "$feeder" 2>/dev/null
wait "$feeder" 2>/dev/null
check "SIGINT: exit 130" [ "$rc" = 130 ]
check "SIGINT: whole lines, in order" python3 -c '
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1], encoding="utf-8")]
assert ids == ["s%d" % i for i in range(len(ids))] and len(ids) == 400, len(ids)
' "$T/int.jsonl"
check "SIGINT: summary says interrupted" grep -q 'interrupted' "$T/int.err"

# Ctrl-C while the output pipe is full: the thread writing is blocked in
# write(); the signal must not fail that write and cut a record (with -j1
# it once made "cannot write the output: Interrupted system call", exit 1).
# The reader starts reading after the signal; every record already in
# flight comes out whole, then exit 130.
for j in 1 2; do
  rm -f "$T/outfifo"
  mkfifo "$T/outfifo"
  (exec 3< "$T/outfifo"; sleep 2; cat <&3 > "$T/full$j.jsonl") &
  reader=$!
  "$BIN" classify -r "$RULES" --no-timing --no-progress -j$j - \
    < "$T/pipe.jsonl" > "$T/outfifo" 2> "$T/full$j.err" &
  pid=$!
  sleep 1
  kill -INT "$pid"
  wait "$pid"
  rc=$?
  wait "$reader"
  check "SIGINT, output pipe full, -j$j: exit 130" [ "$rc" = 130 ]
  check "SIGINT, output pipe full, -j$j: a prefix of whole lines" python3 -c '
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1], encoding="utf-8")]
assert ids == ["p%d" % i for i in range(len(ids))] and ids, len(ids)
' "$T/full$j.jsonl"
  check "SIGINT, output pipe full, -j$j: summary says interrupted" \
    grep -q 'interrupted' "$T/full$j.err"
done

# A second Ctrl-C ends it at once, even while a reader never reads.
rm -f "$T/outfifo"
mkfifo "$T/outfifo"
(exec 3< "$T/outfifo"; exec sleep 30) &
reader=$!
"$BIN" classify -r "$RULES" --no-timing --no-progress -j2 - \
  < "$T/pipe.jsonl" > "$T/outfifo" 2> /dev/null &
pid=$!
sleep 1
kill -INT "$pid"
sleep 0.5
check "SIGINT, reader never reads: still waiting after one" kill -0 "$pid"
kill -INT "$pid"
sleep 2
check "SIGINT, reader never reads: a second one ends it" \
  sh -c "! kill -0 $pid 2>/dev/null"
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
kill "$reader" 2>/dev/null
wait "$reader" 2>/dev/null

# SIGTERM in the middle of a fast batch: 130 (or 0 if it won the race)
"$BIN" classify -r "$RULES" --no-timing --no-progress -j2 - \
  < "$T/pipe.jsonl" > "$T/int2.jsonl" 2>/dev/null &
pid=$!
sleep 0.3
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rc=$?
check "SIGTERM mid-batch: exit 130 (or finished first)" sh -c "[ $rc = 130 ] || [ $rc = 0 ]"
check "SIGTERM mid-batch: a prefix of whole lines" python3 -c '
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1], encoding="utf-8")]
assert ids == ["p%d" % i for i in range(len(ids))], len(ids)
' "$T/int2.jsonl"
echo "     SIGTERM after $(wc -l < "$T/int2.jsonl") of 100000 records, exit $rc"

# ----------------------------------------------------------------------
echo "# memory on a long stream"
# 250,000 lines (~250 MB) generated on the fly; peak RSS must stay small.
gen_stream() {
  python3 -c '
import sys
body = "국회는 규제 법안을 논의했다. 한빛전자 연구진은 인공지능 반도체를 소개했다. " * 8
w = sys.stdout.write
for i in range(250000):
    w("{\"id\": \"m%d\", \"title\": \"국회 법안 %d\", \"text\": \"%s\", \"k\": %d}\n" % (i, i, body, i))
'
}
# (under AddressSanitizer, a small quarantine: freed memory is otherwise
# held back up to 256 MB and would hide what the batch itself keeps)
ASAN_SMALL=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8
if [ -x /usr/bin/time ]; then
  gen_stream | ASAN_OPTIONS=$ASAN_SMALL /usr/bin/time -v "$BIN" classify -r "$RULES" --no-timing --no-progress \
    --summary-json "$T/big.json" - 2> "$T/time.txt" | tail -1 > "$T/big.last"
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time.txt")
else
  # no GNU time: sample VmHWM (the peak) from /proc while it runs
  mkfifo "$T/fifo2"
  ASAN_OPTIONS=$ASAN_SMALL "$BIN" classify -r "$RULES" --no-timing --no-progress \
    --summary-json "$T/big.json" - < "$T/fifo2" 2> /dev/null > >(tail -1 > "$T/big.last") &
  pid=$!
  gen_stream > "$T/fifo2" &
  rss=0
  while kill -0 "$pid" 2>/dev/null; do
    v=$(sed -n 's/VmHWM:[^0-9]*\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null)
    [ -n "$v" ] && rss=$v
    sleep 0.2
  done
  wait
  sleep 0.2 # let tail finish
fi
mb=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["bytes"] / 1e6))' "$T/big.json" 2>/dev/null || echo 0)
echo "     stream ${mb} MB, peak RSS ${rss:-?} kB"
check "memory: all 250000 documents" grep -q '"id": "m249999"' "$T/big.last"
check "memory: stream much larger than the bound" [ "$mb" -ge 200 ]
check "memory: peak RSS under 100 MB" [ "${rss:-999999}" -lt 102400 ]

# Huge lines: the ring holds at most 64 MB of lines in flight, however
# many slots are free. 40 lines of 6 MB with -j2 would otherwise fill 40
# slots (240 MB). Rules without hooks, so that only the ring's memory and
# the two documents being scanned count.
cat > "$T/plain.lua" <<'LUA'
category "policy" { keywords = { "국회", "법안" } }
category "tech" { keywords = { "반도체", "인공지능" } }
LUA
python3 -c '
import sys
body = "국회는 규제 법안을 논의했다. 한빛전자 연구진은 인공지능 반도체를 소개했다. " * 56000
for i in range(40):
    sys.stdout.write("{\"id\": \"h%d\", \"title\": \"법안 %d\", \"text\": \"%s\"}\n" % (i, i, body))
' > "$T/huge.jsonl"
# (AddressSanitizer's shadow memory and quarantine would be measured too)
if [ -x /usr/bin/time ] && ! grep -q AddressSanitizer "$BIN"; then
  /usr/bin/time -v "$BIN" classify -r "$T/plain.lua" --no-timing --no-progress -j2 \
    --max-bytes 8M --jsonl "$T/huge.jsonl" 2> "$T/time2.txt" > "$T/huge.out"
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time2.txt")
  echo "     40 lines of $(($(wc -c < "$T/huge.jsonl") / 40000000)) MB, peak RSS ${rss:-?} kB"
  check "memory: huge lines held within the budget (RSS under 200 MB; 270 without it)" [ "${rss:-999999}" -lt 204800 ]
else
  "$BIN" classify -r "$T/plain.lua" --no-timing --no-progress -j2 \
    --max-bytes 8M --jsonl "$T/huge.jsonl" 2> /dev/null > "$T/huge.out"
  echo "     (huge lines: RSS not measured under AddressSanitizer or without GNU time)"
fi
check "memory: every huge line classified" [ "$(grep -c '"label": "policy"' "$T/huge.out")" = 40 ]
rm -f "$T/huge.jsonl"

# ----------------------------------------------------------------------
echo "batch: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
