-- classify(doc, scores): change scores, set the label, add and drop entities.
category "fruit" { keywords = { "사과", "배" } }
category "snack" { keywords = { "과자", { "바나나", zones = { "title", "lead" } } } }
entity "brand" { aliases = { ["해님제과"] = { "해님제과", "해님" } } }

local function has(text, word) return text:find(word, 1, true) ~= nil end

function classify(doc, scores)
  -- scores: every category, by name; change them in place
  if doc:count("바나나") > 0 then scores.snack = scores.snack + 10 end
  -- doc:count with a zone
  if doc:count("사과", "title") > 0 then scores.fruit = scores.fruit * 2 end
  -- the label: a category name, false for none, nil to keep the thresholds'
  if has(doc.title, "강제") then return "fruit" end
  if has(doc.text, "분류하지 않음") then return false end
  -- hits: kind, category, entity, term, zone, start, stop, weight
  for _, h in ipairs(doc.hits) do
    if h.kind == "entity" and h.entity == "brand" and h.term == "해님제과"
       and doc.text:sub(h.start, h.stop) == "해님" then
      doc:add_entity("brand", "해님 (약칭)", h.start, h.stop)
    end
  end
  -- h.text is the surface in whichever buffer the hit is (title or text)
  for _, h in ipairs(doc.hits) do
    if h.zone == "title" and h.text == "과자" then scores.snack = scores.snack + 100 end
  end
  -- entities: type, name, text, start, stop, count, zone
  for _, e in ipairs(doc.entities) do
    if e.name == "해님제과" and e.count > 1 then doc:drop_entity("brand", e.name) end
  end
end

test { name = "a hook raises a score", text = "소식\n사과 사과 바나나", label = "snack" }
test { name = "a hook reads the title zone", title = "사과 두 상자", text = "과자 과자",
       label = "fruit" }
test { name = "a hook sets the label", title = "강제 지정", text = "과자 과자 과자",
       label = "fruit" }
test { name = "a hook removes the label", text = "소식\n사과 사과 분류하지 않음",
       label = false }
test { name = "a hook adds an entity", text = "소식\n해님 신제품",
       entities = { brand = { "해님제과", "해님 (약칭)" } } }
test { name = "a hook drops an entity", text = "소식\n해님제과와 해님제과",
       absent = { brand = { "해님제과" } } }
test { name = "h.text names the surface of a title hit in a file", text = "과자 소식\n사과 사과 사과",
       label = "snack" }
test { name = "h.text names the surface of a separate title", title = "과자 소식",
       text = "사과 사과 사과", label = "snack" }
