-- A hook that misbehaves fails its own document with file:line; the next
-- document is classified as usual by the same scanner.
category "fruit" { keywords = { "사과" } }
category "pattern" { patterns = { [[(a|aa)+$]] } }

local function has(doc, word) return doc.text:find(word, 1, true) ~= nil end

function classify(doc, scores)
  if has(doc, "무한") then while true do end end
  if has(doc, "잡기") then
    while true do pcall(function() while true do end end) end
  end
  if has(doc, "메모리") then
    local s = "폭탄"
    while true do s = s .. s end
  end
  if has(doc, "반복") then local s = ("폭탄"):rep(1e12) end
  if has(doc, "재귀") then
    local function f(n) return f(n + 1) + 1 end
    f(1)
  end
  if has(doc, "오류") then error("의도한 오류") end
  if has(doc, "테이블") then error({}) end
  if has(doc, "없는") then return "no_such_category" end
  if has(doc, "숫자") then return 42 end
  if has(doc, "점수") then scores.fruit = "많이" end
  if has(doc, "이름") then scores.nothing = 1 end
  if has(doc, "개체") then doc:add_entity("nobody", "x", 1, 1) end
  if has(doc, "범위") then doc:add_entity("nobody", "x", 1, 1e9) end
  if has(doc, "쓰기") then doc.text = "x" end
end

test { name = "runaway loop", text = "소식\n무한 사과" }
test { name = "a loop that catches the limit", text = "소식\n잡기 사과" }
test { name = "memory", text = "소식\n메모리 사과" }
test { name = "string.rep", text = "소식\n반복 사과" }
test { name = "recursion", text = "소식\n재귀 사과" }
test { name = "error", text = "소식\n오류 사과" }
test { name = "error object", text = "소식\n테이블 사과" }
test { name = "unknown label", text = "소식\n없는 사과" }
test { name = "bad label", text = "소식\n숫자 사과" }
test { name = "bad score", text = "소식\n점수 사과" }
test { name = "unknown category in scores", text = "소식\n이름 사과" }
test { name = "unknown entity type", text = "소식\n개체 사과" }
test { name = "span out of range", text = "소식\n범위 사과" }
test { name = "doc is read-only", text = "소식\n쓰기 사과" }
test { name = "catastrophic regex", text = "소식\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab" }
test { name = "the scanner still works", text = "소식\n사과", label = "fruit" }
